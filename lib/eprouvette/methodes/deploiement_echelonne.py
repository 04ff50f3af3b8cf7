"""Un déploiement échelonné dans le résultat commun : de :class:`EstimationEchelonnee` à :class:`ResultatImpact`.

:func:`~eprouvette.methodes.dd_echelonnees.dd_echelonnees` (Callaway et Sant'Anna) estime l'effet
quand les sites sont équipés à des dates différentes ; ce module met son estimation dans la forme que
lisent l'économie, la grille et le rapport, pour n'importe quel domaine :

- :func:`regrouper_periodes` : un panel fin (semaines, jours) regroupé en périodes de même longueur,
  alignées sur le premier équipement (moyenne des valeurs de chaque site dans la période) ;
- :func:`equilibrer` : le panel complet qu'exige l'estimateur (sites ou périodes incomplets écartés,
  chaque écart dit en français) ;
- :func:`resultat_echelonne` : l'effet global, son intervalle (ou une incertitude indéterminée si
  l'estimation ne peut pas en donner une fiable : ``inference_credible`` faux ou intervalle NaN), le
  test des tendances préalables (les durées négatives de l'étude d'événement, bandes simultanées), les
  vagues, les hypothèses du plan dans les limites, la courbe d'étude d'événement dans ``details``.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from ..francais import accord, compte, nombre, phrase_effet
from .base import ResultatImpact, Verification
from .dd_echelonnees import EstimationEchelonnee, dd_echelonnees, phrase_non_calculable
from .verifications import effet_minimal_detectable

__all__ = ["METHODE", "LIBELLE", "HYPOTHESES", "VERIFICATION_DATES", "regrouper_periodes", "equilibrer",
           "resultat_echelonne", "estimer_echelonne", "signaler_dates_ignorees"]

METHODE = "dd_echelonnees"
LIBELLE = "Doubles différences pour un déploiement échelonné"

#: Nom de la vérification « à surveiller » d'un pilote échelonné évalué sans ses dates propres ; la
#: grille de recommandation la lit comme un obstacle à « généraliser » (recommandation.VERIFICATIONS_BLOQUANTES).
VERIFICATION_DATES = "dates_equipement"

#: Ce que le plan suppose et ne peut pas montrer (reprises dans les limites du résultat et par le choix du plan).
HYPOTHESES = [
    "Tendances parallèles par vague : sans l'équipement, chaque vague aurait évolué comme les sites pas encore "
    "ou jamais équipés. Les périodes d'avant chaque date d'équipement le testent en partie, sans le prouver.",
    "Pas d'anticipation : les sites ne changent pas avant leur date d'équipement (annonce, formation du "
    "personnel, travaux préparatoires).",
    "L'ordre du déploiement ne suit pas l'évolution attendue des sites : équiper d'abord ceux qui allaient "
    "se dégrader (ou s'améliorer) d'eux-mêmes fausserait la comparaison.",
    "Un événement qui ne toucherait qu'une vague au moment de son équipement serait confondu avec l'effet.",
]


def regrouper_periodes(panel: pd.DataFrame, *, colonne_site: str, colonne_temps: str, colonne_valeur: str,
                       colonne_actif: str, longueur: pd.Timedelta, origine: pd.Timestamp | None = None
                       ) -> pd.DataFrame:
    """Regroupe un panel daté en périodes de ``longueur`` alignées sur ``origine`` (par défaut, la
    première date équipée) : une ligne par site et période, valeur moyenne du site sur la période,
    ``n`` (lignes regroupées), ``periode`` (date du début de la période) et ``debut`` (première période
    où le site est équipé, NaT pour un site jamais équipé). Une période où un site n'est qu'en partie
    équipé compte comme équipée (son effet y est dilué)."""
    d = panel[[colonne_site, colonne_temps, colonne_valeur, colonne_actif]].copy()
    d[colonne_temps] = pd.to_datetime(d[colonne_temps])
    if origine is None:
        actifs = d.loc[d[colonne_actif] > 0, colonne_temps]
        origine = actifs.min() if len(actifs) else d[colonne_temps].min()
    rang = np.floor((d[colonne_temps] - origine) / longueur).astype(int)
    d["periode"] = origine + rang * longueur
    g = d.groupby([colonne_site, "periode"], as_index=False).agg(
        valeur=(colonne_valeur, "mean"), n=(colonne_valeur, "size"), actif=(colonne_actif, "max"))
    debuts = g[g["actif"] > 0].groupby(colonne_site)["periode"].min()
    g["debut"] = g[colonne_site].map(debuts)
    return g.rename(columns={colonne_site: "site"})[["site", "periode", "valeur", "n", "actif", "debut"]]


def equilibrer(panel: pd.DataFrame, *, mot: str = "site", part_max_manquante: float = 0.25
               ) -> tuple[pd.DataFrame, list[str]]:
    """Le panel complet (chaque site à chaque période) qu'exige :func:`dd_echelonnees`.

    Un site absent de plus de ``part_max_manquante`` des périodes est écarté ; puis les périodes où il
    manque encore un site sont écartées pour tous. Renvoie le panel et les phrases qui disent ce qui a
    été écarté (vides si rien ne l'a été)."""
    remarques = []
    periodes = panel["periode"].nunique()
    par_site = panel.groupby("site")["periode"].nunique()
    ecartes = sorted(par_site[par_site < (1 - part_max_manquante) * periodes].index)
    if ecartes:
        n = len(ecartes)
        remarques.append(f"{compte(n, mot)} {accord(n, 'écarté', 'écartés')} faute de mesures sur plus de "
                         f"{nombre(part_max_manquante * 100, 0)}\u00a0% des périodes : {', '.join(map(str, ecartes))}.")
        panel = panel[~panel["site"].isin(ecartes)]
    n_sites = panel["site"].nunique()
    completes = panel.groupby("periode")["site"].nunique()
    garder = completes[completes == n_sites].index
    if len(garder) < len(completes):
        n = len(completes) - len(garder)
        remarques.append(f"{compte(n, 'période')} où un {mot} au moins n'a aucune mesure "
                         f"{accord(n, 'écartée', 'écartées')} pour tous (l'estimateur demande un panel complet).")
        panel = panel[panel["periode"].isin(garder)]
    return panel.reset_index(drop=True), remarques


def _tendances_prealables(evenement: pd.DataFrame, unite_duree: str, unite_durees: str, mot: str) -> Verification:
    """Test des tendances préalables sur les durées négatives de l'étude d'événement : chaque bande de
    confiance simultanée à 95 % doit contenir zéro. Une durée sans aucune variation (écart nul pour
    tous les sites, erreur type nulle, donc NaN) ne teste rien et n'est pas comptée."""
    avant = evenement[evenement["duree"] < 0]
    bas, haut = avant["bas_simultane"].to_numpy(float), avant["haut_simultane"].to_numpy(float)
    testables = np.isfinite(bas) & np.isfinite(haut)
    if not testables.any():
        quoi = (f"sur {compte(len(avant), unite_duree, unite_durees)} d'avant, l'incertitude des écarts ne peut pas être calculée "
                "avec ce plan" if len(avant) else "aucune période d'avant n'a de témoin")
        return Verification("tendances_prealables", "attention", f"Tendances avant le début non testées : {quoi}.")
    hors = testables & ((bas > 0) | (haut < 0))
    comment = (f"{compte(int(testables.sum()), unite_duree, unite_durees)} avant la date d'équipement, bandes de confiance "
               "simultanées à 95\u00a0%")
    if hors.any():
        durees = ", ".join(str(-int(x)) for x in avant.loc[hors, "duree"])
        return Verification("tendances_prealables", "echec",
                            f"Avant même leur équipement, les {mot}s s'écartaient déjà des {mot}s pas encore ou jamais "
                            f"équipés ({comment} ; écart net {durees} {unite_durees} avant) : l'hypothèse de "
                            "tendances parallèles est douteuse.", float(hors.sum()))
    return Verification("tendances_prealables", "reussie",
                        f"Avant leur équipement, les {mot}s évoluaient comme les {mot}s pas encore ou jamais équipés "
                        f"({comment}, toutes contiennent zéro) ; cela soutient, sans la prouver, l'hypothèse de "
                        "tendances parallèles.", 0.0)


def _vagues(e: EstimationEchelonnee, mot: str, date: callable) -> Verification:
    tailles = list(e.cohortes.values())
    liste = ", ".join(f"{n} le {date(g)}" for g, n in e.cohortes.items())
    phrase = (f"{compte(len(tailles), 'vague')} d'équipement ({liste}) et "
              f"{compte(e.n_jamais, f'{mot} jamais équipé', f'{mot}s jamais équipés')} : chaque vague est comparée, "
              f"sur les mêmes périodes, aux {mot}s pas encore ou jamais équipés, jamais aux {mot}s déjà équipés.")
    return Verification("vagues_equipement", "reussie" if e.inference_credible else "attention", phrase,
                        float(min(tailles)))


def _raison_inference(e: EstimationEchelonnee) -> str | None:
    """La raison, en minuscule et sans point final, pour laquelle l'incertitude de ``e`` ne peut pas
    être tenue pour fiable (None si elle l'est) : celle de l'estimateur (``options["raison_inference"]``),
    « fragile » pour un bootstrap sous ses seuils, « non calculable » sinon."""
    valide = all(math.isfinite(float(x)) for x in (*e.intervalle, e.erreur_type)) and e.erreur_type > 0
    if e.inference_credible and valide:
        return None
    raison = e.options.get("raison_inference")
    if not raison:
        return ("l'estimateur du déploiement échelonné ne peut pas donner une incertitude fiable avec si peu de sites "
                "par vague et de témoins")
    texte = raison if e.options.get("inference") == "bootstrap" else phrase_non_calculable(raison)
    return (texte[:1].lower() + texte[1:]).rstrip(".")


def _contrefactuel(e: EstimationEchelonnee, panel: pd.DataFrame) -> pd.DataFrame:
    equipes = panel[panel["debut"].notna() & panel["debut"].isin(list(e.cohortes))]
    obs = equipes.groupby("periode")["valeur"].mean()
    n_eq = sum(e.cohortes.values())
    a = e.att_gt[e.att_gt["apres"]]
    poids = a["cohorte"].map(e.cohortes).astype(float)
    effet = (a["att"] * poids).groupby(a["periode"]).sum(min_count=1) / n_eq
    effet = effet.reindex(obs.index).fillna(0.0)
    return pd.DataFrame({"date": obs.index, "observe": obs.to_numpy(), "contrefactuel": (obs - effet).to_numpy()})


def _phrase_courbe(evt: pd.DataFrame, unite: str, unite_duree: str, unite_durees: str) -> str:
    apres = evt[evt["duree"] >= 0].sort_values("duree")
    if len(apres) < 2:
        return ""
    premier, dernier = apres.iloc[0], apres.iloc[-1]
    d = 2 if max(abs(premier["att"]), abs(dernier["att"])) < 10 else 0
    return (f" L'effet n'est pas le même selon la durée d'équipement : {nombre(premier['att'], d)} {unite} "
            f"la première {unite_duree}, {nombre(dernier['att'], d)} après {compte(int(dernier['duree']), unite_duree, unite_durees)} "
            "(courbe d'étude d'événement).")


def resultat_echelonne(estimation: EstimationEchelonnee, panel: pd.DataFrame, *, indicateur: str, unite: str,
                       mot: str = "site", unite_duree: str = "période", unite_durees: str | None = None,
                       libelle_methode: str | None = None,
                       justification: str | None = None, limites: Sequence[str] = (),
                       date=lambda x: pd.Timestamp(x).strftime("%d/%m/%Y"),
                       total_observe: float | None = None) -> ResultatImpact:
    """Le :class:`ResultatImpact` d'une estimation échelonnée faite sur ``panel`` (format de
    :func:`regrouper_periodes` : ``site``, ``periode``, ``valeur``, ``debut``).

    L'effet est l'effet global de Callaway et Sant'Anna (moyenne des effets des périodes équipées,
    pondérée par la taille des vagues) ; l'effet relatif rapporte cet effet à la valeur moyenne
    mesurée sur les sites-périodes équipés (convention commune, :func:`intervalle_relatif`). Si
    l'estimation n'a pas d'incertitude fiable (``inference_credible`` faux, intervalle NaN ou nul),
    l'incertitude est déclarée indéterminée, avec la raison de l'estimateur. ``mot`` nomme un site
    (« conteneur »), ``unite_duree`` / ``unite_durees`` une période et des périodes (« période de quatre
    semaines », « périodes de quatre semaines »), ``date`` écrit la
    date d'une vague ; ``total_observe`` : la valeur moyenne mesurée sur les sites-périodes équipés,
    si l'adaptateur la calcule sur un autre grain que ``panel`` (sinon, celle de ``panel``)."""
    e = estimation
    equipes = panel[panel["debut"].notna() & panel["debut"].isin(list(e.cohortes))]
    actifs = equipes[equipes["periode"] >= equipes["debut"]]
    total = total_observe if total_observe is not None else (float(actifs["valeur"].mean()) if len(actifs) else None)
    evt = e.evenement.copy()
    se = float(e.erreur_type)
    bas, haut = (float(x) for x in e.intervalle)
    unite_durees = unite_durees or unite_duree + "s"
    raison = _raison_inference(e)
    if raison is None:
        tendances = _tendances_prealables(evt, unite_duree, unite_durees, mot)
    else:
        # Les bandes d'avant viennent de la même inférence, jugée non fiable : pas de test tenu pour réussi.
        tendances = Verification("tendances_prealables", "attention",
                                 "Tendances avant le début non testées : l'incertitude des écarts d'avant vient de la "
                                 "même estimation, qui ne peut pas être tenue pour fiable avec si peu de "
                                 f"{mot}s par vague ou de témoins.")
    verifs = [_vagues(e, mot, date), tendances]
    n_avant = int((evt["duree"] < 0).sum())
    n_apres = int((evt["duree"] >= 0).sum())
    details = {
        "etude_evenement": evt, "att_gt": e.att_gt, "cohortes": dict(e.cohortes), "n_jamais": e.n_jamais,
        "n_sites": e.n_sites, "n_sites_experimentes": int(sum(e.cohortes.values())),
        "n_sites_temoins": e.n_jamais, "temoins_echelonnes": e.temoins, "base_echelonnee": e.base,
        "inference": e.options.get("inference", "bootstrap"), "inference_credible": e.inference_credible,
        "remarques_estimation": list(e.remarques), "options_estimation": dict(e.options),
        "effet_evenement": e.effet_evenement, "erreur_type_evenement": e.erreur_type_evenement,
        "unite_duree": unite_duree, "n_periodes_avant": n_avant, "n_periodes_apres": n_apres,
        "n_observations": len(panel), "ddl": float("nan"), "dates_equipement_prises_en_compte": True,
    }
    mde = effet_minimal_detectable(se) if math.isfinite(se) and se > 0 else None
    courbe = _phrase_courbe(evt, unite, unite_duree, unite_durees)
    # Les phrases sur l'incertitude : sa raison quand elle n'est pas fiable va à raison_indeterminee (pas aux
    # limites) ; la phrase qui dit comment elle est calculée, par permutation ou par la durée, et ce qu'elle
    # suppose va aux limites.
    methode_incertitude = ("Incertitude par permutation", "Incertitude par la durée")
    remarques = [r for r in e.remarques if "ncertitude" not in r or r.startswith(methode_incertitude)]
    return ResultatImpact.construire(
        methode=METHODE, libelle_methode=libelle_methode or LIBELLE + " (Callaway et Sant'Anna)",
        indicateur=indicateur, unite=unite, effet=float(e.effet), ic_bas=bas, ic_haut=haut,
        p_valeur=float(e.p_valeur), total_observe=total, erreur_type=se, effet_minimal_detectable=mde,
        contrefactuel=_contrefactuel(e, panel), verifications=verifs,
        resume=lambda res: phrase_effet(
            indicateur, unite, e.effet, bas, haut, res.effet_relatif,
            f"Par rapport aux {mot}s pas encore ou jamais équipés, en moyenne sur les {mot}s et les périodes où ils "
            "étaient équipés") + courbe,
        justification=justification or (
            f"Les {mot}s ont été équipés à des dates différentes : chacun est comparé, sur les mêmes périodes, aux "
            f"{mot}s pas encore ou jamais équipés (Callaway et Sant'Anna, 2021), jamais aux {mot}s déjà équipés. "
            "Les effets de chaque vague sont ensuite moyennés, et la courbe d'étude d'événement montre l'effet selon "
            "la durée d'équipement."),
        limites=list(HYPOTHESES) + remarques + list(limites),
        details=details, raison_indeterminee=raison)


def estimer_echelonne(panel: pd.DataFrame, **options) -> ResultatImpact:
    """:func:`dd_echelonnees` sur ``panel`` (format de :func:`regrouper_periodes`, complet), puis
    :func:`resultat_echelonne` ; ``options`` : celles de :func:`resultat_echelonne`, plus ``n_bootstrap``
    et ``graine`` de l'estimateur."""
    estim = {k: options.pop(k) for k in ("n_bootstrap", "graine") if k in options}
    e = dd_echelonnees(panel, colonne_site="site", colonne_temps="periode", colonne_valeur="valeur",
                       colonne_debut="debut", **estim)
    return resultat_echelonne(e, panel, **options)


def signaler_dates_ignorees(resultat: ResultatImpact, debuts: Sequence, *, date=lambda x: str(x)) -> ResultatImpact:
    """Un pilote dont les sites ont des dates d'équipement propres (``debuts`` : le premier jour équipé de
    chaque site expérimental), évalué par une méthode qui ne les prend pas en compte (comme si tous
    commençaient le même jour) : une limite en français et une vérification « à surveiller »
    (:data:`VERIFICATION_DATES`) qui interdit « généraliser ». Rien si le résultat les a prises en compte
    (``details["dates_equipement_prises_en_compte"]``) ou si tous les sites commencent le même jour."""
    distincts = sorted(set(debuts))
    if len(distincts) < 2 or resultat.details.get("dates_equipement_prises_en_compte"):
        return resultat
    phrase = (f"Les sites expérimentaux ont été équipés à {compte(len(distincts), 'date')} différentes (du "
              f"{date(distincts[0])} au {date(distincts[-1])}), mais la méthode employée ici les évalue comme s'ils "
              f"avaient tous commencé le {date(distincts[0])} : les semaines où un site n'était pas encore équipé "
              "comptent comme équipées, ce qui dilue l'effet, et si l'effet change avec le temps l'estimation peut "
              "être biaisée. Tant que les dates propres des sites ne sont pas prises en compte, le rapport ne peut "
              "pas recommander de généraliser.")
    resultat.verifications = [v for v in resultat.verifications if v.nom != VERIFICATION_DATES] + [
        Verification(VERIFICATION_DATES, "attention", phrase, float(len(distincts)))]
    resultat.limites = list(resultat.limites) + [
        "Déploiement échelonné non pris en compte par cette méthode : " + phrase[:1].lower() + phrase[1:]]
    return resultat
