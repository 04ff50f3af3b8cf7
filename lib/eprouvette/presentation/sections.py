"""Les sections d'un rapport de pilote, construites à partir d'une :class:`~eprouvette.analyse.Analyse`.

Le carnet appelle ces fonctions et les affiche ; il garde pour lui les titres et la prose fixe.
Chaque fonction renvoie un bloc HTML (ou une liste de blocs) déjà en français et échappé.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..methodes.base import ResultatImpact
from . import blocs, figures
from .. import francais as t
from ..francais import echapper

_SENS_EFFET = {"baisse": "baisse", "hausse": "hausse"}


def _lieu(a) -> str:
    p = a.pilote
    communes = []
    try:
        from ..referentiel import commune

        for code in p.porteur.codes_insee:
            try:
                c = commune(code)
                communes.append(f"{c['nom']} ({c['code_departement']})" if isinstance(c, dict) else str(code))
            except Exception:
                communes.append(str(code))
    except Exception:
        communes = list(p.porteur.codes_insee)
    return f"{p.porteur.nom} — {', '.join(communes)}" if communes else p.porteur.nom


def phrase_effet(r: ResultatImpact, unite_lisible: str | None = None, indicateur: str | None = None) -> str:
    """« La consommation a baissé de 12,3 % (entre 8,1 % et 16,2 %) … » en français clair."""
    u = unite_lisible or r.unite
    sujet = f"La {indicateur[0].lower()}{indicateur[1:]}" if indicateur and indicateur.lower().startswith("consommation") else (
        f"L'indicateur « {indicateur} »" if indicateur else "L'indicateur")
    if not r.incertitude_valide:
        ecart = (t.pourcentage_signe(r.effet_relatif) if r.effet_relatif is not None
                 else f"{t.nombre_signe(r.effet)} {u}")
        return (f"L'écart estimé est de {ecart}, mais les données ne permettent pas de calculer son "
                "incertitude : l'effet n'est donc pas établi.")
    if r.effet_relatif is not None and r.ic_relatif_bas is not None:
        sens = "baissé" if r.effet_relatif < 0 else "augmenté"
        bas, haut = sorted([abs(r.ic_relatif_bas), abs(r.ic_relatif_haut)])
        if r.significatif:
            return (
                f"{sujet} a {sens} de {t.pourcentage(abs(r.effet_relatif))} par rapport à la situation estimée "
                f"sans l'expérimentation (intervalle de confiance à 95\u00a0% : "
                f"{t.pourcentage_signe(r.ic_relatif_bas)} à {t.pourcentage_signe(r.ic_relatif_haut)})."
            )
        return (
            f"L'écart estimé est de {t.pourcentage_signe(r.effet_relatif)}, mais l'intervalle de confiance "
            f"à 95\u00a0% va de {t.pourcentage_signe(r.ic_relatif_bas)} à {t.pourcentage_signe(r.ic_relatif_haut)} : "
            "il contient zéro, l'effet n'est donc pas établi."
        )
    return (
        f"Effet estimé : {'+' if r.effet > 0 else ''}{t.nombre_arrondi(r.effet)} {u} (intervalle de confiance à 95\u00a0% : "
        f"{t.intervalle(r.ic_bas, r.ic_haut, u, decimales=None)})."
    )


def periode_experimentation(a) -> str:
    """La période de l'expérimentation telle que le rapport l'a étudiée : « du … au … » si elle est
    terminée ; sinon « depuis le … (en cours jusqu'au … ; mesurée jusqu'au …) »."""
    pe = a.pilote.periode_experimentation
    fin = getattr(a, "fin_etudiee", None)
    if getattr(a, "experimentation_terminee", True) or fin is None:
        return t.periode(pe.debut, pe.fin)
    mesure = (f"mesurée jusqu'au {t.date_longue(fin)}" if getattr(a, "jours_mesures_experimentation", 0)
              else "pas encore de mesure")
    return f"depuis le {t.date_longue(pe.debut)} (en cours jusqu'au {t.date_longue(pe.fin)}\u00a0; {mesure})"


def periode_etudiee(a) -> str:
    """De la référence au dernier jour étudié de l'expérimentation (voir :func:`periode_experimentation`)."""
    p = a.pilote
    fin = getattr(a, "fin_etudiee", None)
    if getattr(a, "experimentation_terminee", True) or fin is None or fin < p.periode_reference.debut:
        fin = p.periode_experimentation.fin
    return t.periode(p.periode_reference.debut, fin)


def _pluriel(n: int, singulier: str, pluriel: str) -> str:
    return f"{n} {singulier if n == 1 else pluriel}"


def chiffres_cles(a) -> list[tuple[str, str, str | None]]:
    """Les quatre chiffres du premier écran : effet, économie (et CO₂ évité), coût, bilan.

    Le CO₂ évité est dit sous l'économie qui le produit (une cinquième carte sortait du premier écran).
    Un chiffre tiré d'un effet non établi porte sa condition dans la carte même.
    """
    r, p = a.resultat, a.pilote
    chiffres = []
    if r.effet_relatif is not None:
        chiffres.append(
            (
                "Effet mesuré",
                t.pourcentage_signe(r.effet_relatif),
                f"fourchette à 95\u00a0%\u00a0: {t.pourcentage_signe(r.ic_relatif_bas)} à "
                f"{t.pourcentage_signe(r.ic_relatif_haut)}"
                if r.ic_relatif_bas is not None and r.incertitude_valide
                else ("incertitude impossible à calculer avec ce plan" if not r.incertitude_valide else None),
            )
        )
    if a.economie_annuelle is not None:
        ea = a.economie_annuelle
        unite = ea.unite
        q, b, h = ea.quantite, ea.ic_bas, ea.ic_haut
        if unite == "kWh":
            q, b, h, unite = q / 1000, (b or 0) / 1000, (h or 0) / 1000, "MWh"
        # Trois chiffres significatifs au plus, et pas de décimale au-delà de 10 (« 50 levées », pas « 50,5 »).
        d = 0 if max(abs(q), abs(b or 0), abs(h or 0)) >= 10 else 1
        precision = (f"entre {t.nombre_arrondi(b, decimales=d)} et {t.nombre_arrondi(h, decimales=d)} {unite}"
                     if ea.ic_bas is not None else None)
        co2 = a.economie.tco2e_evitees_an if a.economie is not None else None
        if co2 and round(abs(co2), 1) >= 0.1:  # « 0,0 t de CO₂ » ne dit rien : on ne l'écrit pas
            precision = ((precision + " ; ") if precision else "") + (
                f"{t.nombre_arrondi(co2, decimales=1)} t de CO₂ {'évitées' if co2 > 0 else 'émises en plus'} par an")
        if not r.significatif:
            # Un chiffre d'économie tiré d'un effet non établi n'est qu'une estimation centrale : on le dit.
            precision = ((precision + " ; ") if precision else "") + "si l'effet estimé se confirme (il n'est pas établi)"
        chiffres.append(("Économie par an" if q >= 0 else "Économie par an (négative : surconsommation)",
                         f"{t.nombre_arrondi(q, decimales=d)} {unite}", precision))
    cout = f"dont FEDER {t.euros_arrondis(p.financement.feder_eur)}" if p.financement.feder_eur else None
    chiffres.append(("Investissement", t.euros_arrondis(p.couts.investissement_eur), cout))
    if a.economie is not None:
        e = a.economie
        # Le même temps de retour que la grille de recommandation (actualisé, comme la VAN à côté) :
        # un élu qui lit « 5,7 ans » ici et « 6,4 ans » dans la grille ne sait plus lequel croire.
        retour = (
            f"retour financier en {t.nombre_arrondi(e.delai_retour_actualise, decimales=1)} ans (actualisé)"
            if e.delai_retour_actualise is not None
            else "sans valeur carbone, jamais remboursé sur la durée de vie"
        )
        chiffres.append(
            (f"Bilan sur {t.nombre(e.annees)} ans (VAN)", t.euros_arrondis(e.van_socio),
             f"valeur carbone comprise ; {retour}")
        )
    return chiffres


def essentiel(a) -> blocs.Bloc:
    """Le cadre « L'essentiel » (premier écran du rapport ; le titre est le h1 de la page)."""
    p, reco = a.pilote, a.recommandation
    exp, tem = len(p.sites_experimentaux), len(p.sites_temoins)
    teste = (
        f"{p.technologie.rstrip('.')}. "
        + f"Mis en place sur {_pluriel(exp, 'site', 'sites')}"
        + (f", comparé{'s' if exp > 1 else ''} à {_pluriel(tem, 'site témoin', 'sites témoins')}" if tem else "")
        + f", {periode_experimentation(a)}. "
        + phrase_effet(a.resultat, indicateur=p.indicateur_principal.libelle)
    )
    return blocs.essentiel(
        titre="",
        lieu=_lieu(a),
        ce_qui_a_ete_teste=teste,
        verdict=reco.verdict,
        raison_verdict=reco.raison,
        chiffres_cles=chiffres_cles(a),
        certitude_phrase=reco.certitude + _annonce_ecarts(a),
        niveau_preuve_phrase=phrase_niveau_preuve(a),
        **_plan_du_premier_ecran(a),
    )


def _annonce_ecarts(a) -> str:
    """« L'analyse s'écarte de son plan préenregistré sur 2 points : la fin de l'expérimentation a été déplacée ;
    1 témoin prévu manque dans l'analyse (détail ci-dessous). », ajoutée au degré de certitude : chaque écart y est
    nommé (le début de sa phrase), dans le premier écran d'un portable même quand la liste détaillée le dépasse."""
    c = getattr(a, "comparaison_plan", None)
    if c is None or not c.ecarts:
        return ""
    noms = " ; ".join(tete_ecart(e.phrase) for e in c.ecarts)
    return (f" L'analyse s'écarte de son plan préenregistré sur {t.compte(len(c.ecarts), 'point')} : {noms} "
            "(détail ci-dessous).")


def tete_ecart(phrase: str) -> str:
    """Le début d'une phrase d'écart au plan, jusqu'au détail (« : » ou « ( »), sans majuscule ni point :
    « la fin de l'expérimentation a été déplacée »."""
    tete = min((phrase.split(sep)[0] for sep in (" : ", "\u00a0: ", " (")), key=len).strip().rstrip(".")
    return tete[:1].lower() + tete[1:] if tete[1:2].islower() else tete


def _plan_du_premier_ecran(a) -> dict:
    """Le plan d'analyse préenregistré et les écarts de l'analyse à ce plan (vide sans plan.yaml)."""
    c = getattr(a, "comparaison_plan", None)
    if c is None:
        return {}
    return {"plan_phrase": c.phrase, "ecarts_plan": [e.phrase for e in c.ecarts]}


def phrase_niveau_preuve(a) -> str | None:
    """« 2 sur 5 (avant / après sur les sites équipés seulement). … Pour le renforcer : … »"""
    n = getattr(a, "niveau_preuve", None)
    return n.description if n is not None else None


def contexte(a) -> list:
    p = a.pilote
    sites = pd.DataFrame(
        [
            {
                "Site": s.nom,
                "Rôle": "expérimental" if s.role == "experimental" else "témoin",
                "Commune (INSEE)": s.code_insee,
                "Surface (m²)": s.surface_m2,
            }
            for s in p.sites
        ]
    )
    texte = (
        f'<p>{echapper(p.contexte)}</p><p><strong>Porteur :</strong> {echapper(p.porteur.nom)}. '
        f"<strong>Période de référence :</strong> {echapper(t.periode(p.periode_reference.debut, p.periode_reference.fin))}. "
        f"<strong>Expérimentation :</strong> {echapper(periode_experimentation(a))}.</p>"
    )
    return [blocs.Bloc(texte), blocs.tableau(sites, "Les sites suivis", decimales=0)]


#: Unités de quantités qui s'additionnent d'un jour à l'autre ; les autres (débits, taux, durées,
#: températures) se moyennent quand on passe au mois.
_UNITES_CUMULABLES = {"kwh", "mwh", "wh", "m3", "m³", "l", "nombre", "t", "kg", "km", "levées", "passages"}


def agregat_mensuel(unite: str) -> str:
    """« sum » pour une quantité cumulable (kWh, m³, nombre…), « mean » pour un débit, un taux, une durée."""
    return "sum" if (unite or "").strip().lower() in _UNITES_CUMULABLES else "mean"


#: Part minimale des jours mesurés d'un mois pour que sa *somme* soit montrée : la somme d'un mois
#: de 3 jours, tracée comme un mois entier, ressemblerait à une chute de 90 %.
COUVERTURE_MIN_MOIS = 0.95


class Mensuel(NamedTuple):
    """Un tableau mensuel prêt à tracer, et ce qu'il faut en dire."""

    tableau: pd.DataFrame
    incomplets: list[str]
    agregat: str
    couverture_min: float

    def meta(self) -> dict:
        """Ce que le graphique porte sur son agrégation (lu par les tests de toutes les figures)."""
        return {"periode": "mois", "agregat": self.agregat, "couverture_min": round(float(self.couverture_min), 4)}


def par_mois(quotidien: pd.DataFrame, colonnes: list[str], agregat: str, *, groupe: str | None = None,
             series: pd.Series | dict | None = None) -> Mensuel:
    """Agrège des valeurs journalières par mois, sans jamais montrer une somme partielle comme un mois entier.

    ``quotidien`` : une ligne par jour (et par ``groupe``), colonnes ``date``, ``colonnes`` et, si
    plusieurs séries sont additionnées chaque jour, ``n`` (le nombre de séries mesurées ce jour-là) ;
    ``series`` donne le nombre de séries attendues (par groupe). Avec ``agregat == "sum"``, si un
    mois a moins de :data:`COUVERTURE_MIN_MOIS` de ses jours × séries mesurés, tout le graphique
    passe en moyenne journalière (calculée sur les jours où toutes les séries sont mesurées) : les
    mois restent comparables et la série n'a pas de trou. Renvoie le tableau mensuel, les mois
    incomplets en mots (« août 2025 (3 jours mesurés sur 31) ») et l'agrégat retenu (``"sum"`` ou
    ``"mean"``) et la plus faible couverture d'un mois (part des jours × séries mesurés).
    """
    d = quotidien.copy()
    d["date"] = pd.to_datetime(d["date"])
    if "n" not in d.columns:
        d["n"] = d[colonnes[0]].notna().astype(int)
    if groupe and isinstance(series, (pd.Series, dict)):
        d["attendus"] = d[groupe].map(dict(series)).fillna(1).astype(int)
    else:
        d["attendus"] = int(series or 1)
    cles = ([groupe] if groupe else []) + [pd.Grouper(key="date", freq="MS")]
    incomplets: list[str] = []
    couverture_min = float("nan")
    if agregat == "sum":
        g = d.groupby(cles)
        mensuel = g[colonnes].sum(min_count=1).reset_index()
        mesures = g["n"].sum().reset_index(drop=True)
        attendus = g["attendus"].max().reset_index(drop=True)
        jours = mensuel["date"].dt.days_in_month
        couverture = mesures / (jours * attendus)
        couverture_min = float(couverture[mesures > 0].min())
        for i in mensuel.index[(couverture < COUVERTURE_MIN_MOIS) & (mesures > 0)]:
            n_jours = mesures[i] / attendus[i]
            pluriel = "s" if round(n_jours) > 1 else ""
            quoi = f"{t.nombre(n_jours)} jour{pluriel} mesuré{pluriel} sur {int(jours[i])}"
            qui = f", {str(mensuel.at[i, groupe]).lower()}" if groupe else ""
            incomplets.append(f"{t.mois_annee(mensuel.at[i, 'date'])}\u00a0: {quoi}{qui}")
        if not incomplets:
            return Mensuel(mensuel, [], "sum", couverture_min)
        # Moyenne journalière sur les jours complets (toutes les séries mesurées) seulement.
        d = d[d["n"] >= d["attendus"]]
    mensuel = d.groupby(cles)[colonnes].mean().reset_index()
    return Mensuel(mensuel, incomplets, "mean", couverture_min)


def phrase_mois_incomplets(incomplets: list[str]) -> str:
    """La phrase de légende qui dit pourquoi le graphique donne des moyennes journalières ; vide sinon."""
    if not incomplets:
        return ""
    liste = " ; ".join(incomplets[:6]) + (f" ; et {len(incomplets) - 6} autres" if len(incomplets) > 6 else "")
    if len(incomplets) == 1:
        return (f" Un mois n'est mesuré qu'en partie ({liste})\u00a0: sa somme paraîtrait une baisse, aussi le "
                "graphique donne la moyenne par jour mesuré de chaque mois.")
    return (f" Des mois ne sont mesurés qu'en partie ({liste})\u00a0: leur somme paraîtrait une baisse, aussi le "
            "graphique donne la moyenne par jour mesuré de chaque mois.")


def donnees(a) -> list:
    p, q = a.pilote, a.qualite
    ind = p.indicateur_principal
    roles = {s.identifiant: ("Sites expérimentaux" if s.role == "experimental" else "Sites témoins") for s in p.sites}
    choisies = (a.mesures["indicateur"] == ind.identifiant).to_numpy()
    m = a.mesures[["date", "site", "valeur"]]
    if not choisies.all():
        m = m[choisies]
    # Groupe en catégorie (un code par mesure, pas une colonne de texte : des millions de relevés
    # horaires), catégories dans l'ordre alphabétique comme des groupes écrits en texte.
    sites = pd.Categorical(m["site"])
    noms = sorted(set(roles.values()))
    rangs = np.array([noms.index(roles[s]) if s in roles else -1 for s in sites.categories] + [-1], dtype=np.int64)
    m = m.assign(groupe=pd.Categorical.from_codes(rangs[sites.codes], noms))
    if getattr(m["date"].dt, "tz", None) is not None:
        m = m.assign(date=m["date"].dt.tz_localize(None))
    agregat = agregat_mensuel(ind.unite)
    # Par jour et par groupe d'abord (somme des sites), puis par mois (somme ou moyenne selon l'unité).
    m = m.dropna(subset=["valeur"])
    # Le jour en colonne plutôt qu'un pd.Grouper par jour : mêmes groupes, mêmes sommes (même ordre des
    # lignes), mais 65 Mo au lieu de 220 Mo et trois fois moins de temps pour 3 millions de relevés horaires.
    m = m.assign(date=m["date"].dt.normalize())
    jour = (m.groupby(["groupe", "date"], observed=True)
            .agg(valeur=("valeur", "sum"), n=("site", "nunique")).reset_index())
    jour["groupe"] = jour["groupe"].astype("str")
    sites_par_groupe = pd.Series(roles).value_counts()
    par = par_mois(jour, ["valeur"], agregat, groupe="groupe", series=sites_par_groupe)
    mensuel, incomplets, agregat = par.tableau, par.incomplets, par.agregat
    unite = f"{ind.unite} par jour" if incomplets else ind.unite
    titre_fig = f"{ind.libelle} par jour, moyenne de chaque mois" if incomplets else f"{ind.libelle} par mois"
    groupes_presents = set(mensuel["groupe"])
    quels = ("des sites expérimentaux et témoins" if groupes_presents >= {"Sites expérimentaux", "Sites témoins"}
             else "des sites témoins" if groupes_presents == {"Sites témoins"} else "des sites expérimentaux")
    fig = figures.figure_groupes(
        mensuel, titre_fig, unite, debut_experimentation=p.periode_experimentation.debut
    )
    fig.update_layout(meta=par.meta())
    table = mensuel.pivot(index="date", columns="groupe", values="valeur").reset_index()
    table["date"] = table["date"].map(t.mois_annee)
    table = table.rename(columns={"date": "Mois", **({g: f"{g} ({unite})" for g in groupes_presents} if incomplets else {})})
    n_sites = len(p.sites)
    resume = (
        f"{t.environ(len(a.mesures), 'mesure')} sur {t.compte(n_sites, 'site')}, "
        f"{periode_etudiee(a)}. {q.phrase}"
    )
    qual = q.tableau.rename(
        columns={
            "site": "Site",
            "indicateur": "Indicateur",
            "jours_attendus": "Jours attendus",
            "jours_mesures": "Jours mesurés",
            "jours_manquants": "Jours manquants",
            "part_manquante": "Part manquante",
            "valeurs_negatives": "Valeurs négatives",
            "valeurs_aberrantes": "Valeurs aberrantes",
            "plus_long_palier_jours": "Plus long palier (jours)",
            "plus_longue_suite_zeros_jours": "Suite suspecte de zéros (jours)",
        }
    )
    notes = "".join(f"<p>{echapper(n)}</p>" for n in getattr(a, "notes_donnees", []))
    return [
        blocs.Bloc(f"<p>{echapper(resume)}</p>{notes}"),
        blocs.graphique(
            fig,
            f"{ind.libelle} {quels}, par mois",
            ("Chaque courbe additionne, mois par mois, les valeurs des sites d'un groupe"
             if agregat == "sum" else
             "Chaque courbe donne, mois par mois, la moyenne journalière du total des sites d'un groupe"
             + (" (jours où tous ses sites sont mesurés)" if incomplets else ""))
            + " ; le trait vertical marque le début de l'expérimentation." + phrase_mois_incomplets(incomplets),
            table,
        ),
        blocs.tableau(qual, "Qualité des mesures par site", formats={"Part manquante": t.pourcentage}),
    ]


def _graphique_contrefactuel(a, hauteur: int | None = None, titre: str | None = None):
    """Le graphique « mesuré / estimé sans l'expérimentation », par mois, avec son tableau ; None sans série."""
    r, p = a.resultat, a.pilote
    cf = r.contrefactuel
    if cf is None or not len(cf):
        return None
    d = cf.copy()
    d["date"] = pd.to_datetime(d["date"])
    if getattr(d["date"].dt, "tz", None) is not None:
        d["date"] = d["date"].dt.tz_localize(None)
    colonnes = [c for c in ("observe", "contrefactuel", "contrefactuel_bas", "contrefactuel_haut") if c in d.columns]
    cumulable = agregat_mensuel(r.unite) == "sum"
    d["date"] = d["date"].dt.floor("D")
    quotidien = d.groupby("date")[colonnes].sum(min_count=1).reset_index()
    par = par_mois(quotidien, colonnes, "sum" if cumulable else "mean")
    mensuel, incomplets = par.tableau, par.incomplets
    unite = f"{r.unite} par jour" if incomplets else r.unite
    ind = p.indicateur_principal
    titre = titre or (f"{ind.libelle} : mesuré et estimé sans l'expérimentation, "
                      + ("moyenne par jour de chaque mois" if incomplets else "par mois"))
    # Une quantité cumulable (consommation, volume, comptage) n'est jamais négative : la bande s'arrête à 0.
    plancher = 0.0 if cumulable else None
    fig = figures.figure_serie_contrefactuelle(
        mensuel, titre, unite, debut_experimentation=p.periode_experimentation.debut, plancher=plancher,
    )
    fig.update_layout(meta=par.meta())
    if hauteur:
        fig.update_layout(height=hauteur)
    table = mensuel.copy()
    table["date"] = table["date"].map(t.mois_annee)
    table = table.rename(
        columns={
            "date": "Mois",
            "observe": f"Mesuré ({unite})",
            "contrefactuel": f"Estimé sans l'expérimentation ({unite})",
            "contrefactuel_bas": "Borne basse (95\u00a0%)",
            "contrefactuel_haut": "Borne haute (95\u00a0%)",
        }
    )
    return blocs.graphique(
        fig,
        titre,
        "L'écart entre la courbe mesurée et la courbe estimée est l'effet de l'expérimentation ; "
        "la bande donne l'incertitude de l'estimation"
        + (" (arrêtée à 0 : la quantité mesurée ne peut pas être négative)." if plancher is not None and
           "contrefactuel_bas" in mensuel and (mensuel["contrefactuel_bas"] < 0).any() else ".")
        + phrase_mois_incomplets(incomplets),
        table,
    )


def graphique_essentiel(a) -> blocs.Bloc:
    """Le graphique du premier écran : ce qui a été mesuré face à ce qui se serait passé sans le pilote."""
    g = _graphique_contrefactuel(a, hauteur=300, titre="En un coup d'œil : mesuré et estimé sans l'expérimentation")
    return g if g is not None else blocs.Bloc("")


def resultats(a) -> list:
    r = a.resultat
    sortie = [blocs.Bloc(f"<p>{echapper(r.resume or phrase_effet(r))}</p>")]
    g = _graphique_contrefactuel(a)
    if g is not None:
        sortie.append(g)
    if getattr(a, "persistance", None) is not None:  # période après déclarée (periodes.apres) : l'effet dure-t-il ?
        sortie.append(blocs.Bloc(f"<p><strong>Après l'expérimentation.</strong> {echapper(a.persistance.phrase)}</p>"))
    return sortie


def robustesse(a) -> list:
    r = a.resultat
    sortie = [blocs.verifications(r.verifications)]
    if r.effet_minimal_detectable is not None:
        sortie.append(
            blocs.Bloc(
                f"<p>Avec ces données, le plus petit effet que l'évaluation pouvait détecter de façon fiable "
                f"(effet minimal détectable, 80\u00a0% de puissance) est de {echapper(t.nombre_arrondi(r.effet_minimal_detectable))} "
                f"{echapper(r.unite)}.</p>"
            )
        )
    return sortie


def economie(a) -> list:
    if a.economie is None:
        return [blocs.avertissement(" ".join(a.notes_economie) or "Économie non évaluée.", "Non chiffré")]
    e = a.economie
    tab = e.tableau()
    sortie = [
        blocs.tableau(
            tab,
            "Bilan économique (valeurs centrales)",
            formats={"Valeur": lambda v: v if isinstance(v, str) else t.nombre(v, 1 if abs(v) < 100 else 0)},
        )
    ]
    mc = a.monte_carlo
    if mc is None and a.notes_economie:
        sortie.append(blocs.avertissement(" ".join(a.notes_economie), "Valeurs centrales seulement"))
    if mc is not None:
        def fourchette(bas: float, haut: float, complement: str) -> str:
            b, h = t.euros_arrondis(bas), t.euros_arrondis(haut)
            if b == h:  # aucun tirage ne la fait varier (le report modal n'a pas de prix) : pas de « entre X et X »
                return f"vaut {echapper(b)} dans tous les tirages"
            return f"est comprise entre {echapper(b)} et {echapper(h)}{complement}"

        sortie.append(
            blocs.Bloc(
                "<p>En tenant compte de l'incertitude de l'effet mesuré, des prix et des coûts "
                f"({echapper(t.nombre(mc.tirages))} tirages), la valeur actuelle nette socio-économique "
                f"{fourchette(mc.van_socio.bas, mc.van_socio.haut, ' (intervalle à 95' + t.ESPACE_INSECABLE + '%)')} ; "
                f"la probabilité qu'elle soit positive est de {echapper(t.pourcentage(mc.van_socio.probabilite_positive, 0))}. "
                f"Sans la valeur carbone, la VAN financière {fourchette(mc.van.bas, mc.van.haut, '')} (probabilité d'être positive : "
                f"{echapper(t.pourcentage(mc.probabilite_van_positive, 0))}).</p>"
            )
        )
        sortie.append(blocs.tableau(mc.tableau(), "Incertitude du bilan économique (Monte-Carlo)",
                                    formats={"Probabilité > 0": t.pourcentage}))
        ecart = ecart_central_simule(a)
        if ecart:
            sortie.append(blocs.Bloc(f"<p>{echapper(ecart)}</p>"))
    sortie.append(blocs.Bloc("<ul>" + "".join(f"<li>{echapper(h)}</li>" for h in e.hypotheses) + "</ul>"))
    return sortie


def ecart_central_simule(a) -> str:
    """Pourquoi la VAN médiane simulée s'écarte de la VAN centrale (plus de 10 %), ou rien si elles s'accordent."""
    e, mc = a.economie, a.monte_carlo
    if e is None or mc is None:
        return ""
    central, mediane = float(e.van), float(mc.van.mediane)
    if abs(mediane - central) <= max(0.1 * max(abs(central), abs(mediane)), 1000.0):
        return ""
    sens = "dépasse" if mediane > central else "est inférieure à"
    debut = (f"La VAN financière médiane des tirages ({t.euros_arrondis(mediane)}) {sens} la VAN centrale "
             f"({t.euros_arrondis(central)}) ")
    plages = mc.plages_asymetriques
    if plages:
        def eur(x: float, haut: float) -> str:
            return f"{t.nombre_arrondi(x, decimales=2 if abs(haut) < 10 else 0)}\u00a0€"

        details = " ; ".join(f"{nom} va de {eur(pl.min, pl.max)} à {eur(pl.max, pl.max)}, valeur la plus probable "
                             f"{eur(pl.mode, pl.max)}" for nom, pl in plages)
        return (debut + f"parce que des plages d'incertitude ne sont pas symétriques ({details})\u00a0: la VAN "
                "centrale retient la valeur la plus probable de chaque plage, la simulation tire dans toute la "
                "plage, où les valeurs " + ("hautes" if mediane > central else "basses") + " pèsent davantage.")
    return (debut + "parce que l'incertitude de l'effet mesuré et des coûts ne se répartit pas de façon "
            "symétrique autour de la valeur centrale.")


def recommandation(a) -> list:
    reco, p = a.recommandation, a.pilote
    lignes = pd.DataFrame(
        [
            {
                "Critère": c.libelle,
                "Tenu ?": c.etat,
                "Pourquoi": c.explication,
            }
            for c in reco.criteres
        ]
    )
    sortie = [
        blocs.badge_verdict(reco.verdict),
        blocs.Bloc(f"<p>{echapper(reco.raison)}</p>"),
        blocs.tableau(lignes, f"Les critères de la grille de recommandation (version {reco.version_grille})"),
    ]
    if p.conditions_de_succes:
        sortie.append(
            blocs.Bloc(
                "<p>Conditions de succès déclarées par le porteur :</p><ul>"
                + "".join(f"<li>{echapper(c)}</li>" for c in p.conditions_de_succes)
                + "</ul>"
            )
        )
    return sortie


def limites(a) -> blocs.Bloc:
    r = a.resultat
    items = list(r.limites)
    if a.choix is not None:
        items += [x for x in a.choix.ne_peut_pas_montrer if x not in items]
    # Une note sur les données peut déjà être une limite (expérimentation en cours : analyse.py la met aux deux).
    items += [x for x in getattr(a, "notes_donnees", []) if x not in items]
    items += list(a.notes_economie)
    return blocs.Bloc("<ul>" + "".join(f"<li>{echapper(x)}</li>" for x in items) + "</ul>") if items else blocs.Bloc("")


def annexe(a) -> list:
    sortie = []
    for cle, valeur in a.resultat.details.items():
        if isinstance(valeur, pd.DataFrame) and len(valeur) and len(valeur) <= 200:
            sortie.append(blocs.tableau(valeur, f"Annexe : {cle.replace('_', ' ')}"))
    simples = {k: v for k, v in a.resultat.details.items() if isinstance(v, (int, float, str, bool))}
    if simples:
        df = pd.DataFrame({"Paramètre": list(simples), "Valeur": [t.valeur_technique(v) for v in simples.values()]})
        sortie.append(blocs.tableau(df, "Annexe : paramètres du modèle"))
    if not sortie:
        return sortie
    # Les tableaux de l'annexe sont pour l'analyste à l'écran ; imprimés, ils doubleraient le rapport.
    return ([blocs.Bloc('<p class="ep-imprime-seulement">Les tableaux de l\'annexe technique ne sont pas imprimés\u00a0: '
                        "ils sont dans le rapport à l'écran et dans le fichier de résultats (JSON).</p>")]
            + [blocs.Bloc(f'<div class="ep-annexe">{b}</div>') for b in sortie])


def provenance(a, parametres: dict | None = None) -> blocs.Bloc:
    """Pied de page de traçabilité : date, version, paramètres, empreinte de chaque fichier d'entrée.

    Tout vient de ``a.provenance``, relevée par l'analyse : ce bloc n'ouvre aucun fichier."""
    p = a.provenance
    if p is None:
        return blocs.Bloc('<footer class="ep-provenance"><h2>Traçabilité</h2>'
                          "<p>Traçabilité non relevée pour cette analyse.</p></footer>")
    lignes = "".join(f"<li><code>{echapper(n)}</code> : <code>{echapper(h[:16])}</code></li>"
                     for n, h in p.empreintes.items())
    params = ", ".join(f"{k} = {v}" for k, v in (parametres or {}).items())
    return blocs.Bloc(
        '<footer class="ep-provenance"><h2>Traçabilité</h2>'
        f"<p>Rapport produit le {echapper(t.date_longue(p.moment.date()))} à {p.moment:%H:%M} par Éprouvette "
        f"(version du code : {echapper(p.version_code)}), Python {echapper(p.python)}.</p>"
        f"<p>Bibliothèques : {echapper(', '.join(p.bibliotheques))}.</p>"
        + (f"<p>Paramètres : {echapper(params)}.</p>" if params else "")
        + f"<p>Empreintes SHA-256 (16 premiers caractères) des fichiers d'entrée :</p><ul>{lignes}</ul>"
        "</footer>"
    )


def indicateurs_feder(a) -> list:
    """Les indicateurs communs du FEDER (RCO / RCR) que le pilote nourrit, avec leurs valeurs."""
    if not a.indicateurs_feder:
        return [blocs.Bloc("<p>Ce pilote ne nourrit aucun indicateur commun du FEDER mesurable ici.</p>")]
    df = pd.DataFrame(
        [
            {
                "Code": i.code,
                "Indicateur": i.libelle,
                "Valeur": i.valeur,
                "Unité": i.unite,
                "Comment elle est obtenue": i.note,
            }
            for i in a.indicateurs_feder
        ]
    )
    return [
        blocs.tableau(
            df,
            "Indicateurs communs du FEDER 2021-2027 (règlement (UE) 2021/1058, annexe I)",
            formats={"Valeur": lambda v: t.nombre(v, 1 if abs(v) < 100 else 0)},
        )
    ]
