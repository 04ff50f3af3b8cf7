"""Analyse d'un pilote du domaine tourisme : ce que ``analyse.py`` appelle (par le registre).

Méthode : le modèle de comptages journaliers de la mobilité
(:func:`eprouvette.methodes.series_calendrier.estimer_effet`), avec le calendrier touristique
(:func:`eprouvette.domaines.tourisme.covariables_tourisme` : jour de la semaine, jours fériés,
vacances scolaires des trois zones, pluie) : série interrompue sur la somme des sites équipés, ou
doubles différences (rapport jour par jour entre sites équipés et témoins) quand le pilote a des
sites témoins. Voir ``docs/tourisme.md``.

Économie : aucune valeur monétaire sourcée pour une visite gagnée ou déplacée (voir
:mod:`eprouvette.domaines.tourisme`) : ``economie_annuelle`` rend None, l'efficience n'est pas évaluée.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd

from ..erreurs import ErreurDonnees
from ..feder import IndicateurFeder
from ..methodes.base import ResultatImpact
from .mobilite import comparaison_naive
from ..methodes.series_calendrier import COLONNE_TEMOIN, estimer_effet
from ..methodes.verifications import laisser_un_de_cote
from .mobilite_pilote import Preparation, lire_precipitations, preparer_donnees
from .tourisme import CARACTERISTIQUES, covariables_tourisme

#: Jours mesurés au minimum avant et pendant l'expérimentation pour ajuster un modèle journalier.
JOURS_MIN_AVANT, JOURS_MIN_PENDANT = 28, 7


def _caracteristiques(pilote) -> dict:
    c = dict(pilote.caracteristiques or {})
    v = c.get("capacite_jour")
    if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0):
        raise ErreurDonnees(pilote.dossier / "pilote.yaml", f"caracteristiques.capacite_jour vaut {v!r}.",
                            champ="caracteristiques.capacite_jour", attendu=CARACTERISTIQUES["capacite_jour"])
    return c


def donnees_journalieres(pilote, mesures: pd.DataFrame, precip: pd.DataFrame | None, *,
                         preparation: Preparation | None = None) -> tuple[pd.DataFrame, list[str], bool]:
    """Table journalière (date, valeur, [témoins], calendrier touristique) et covariables retenues.

    ``precip`` : les précipitations du fichier météo, lues une fois par :func:`lire_precipitations` (ou None) ;
    ``preparation`` : séries par site et calendrier déjà calculés (:class:`~.mobilite_pilote.Preparation`)."""
    df, _, _ = preparer_donnees(pilote, mesures, precip, preparation=preparation)
    pluie = df["precipitations_mm"] if precip is not None else None
    cal = (covariables_tourisme(df["date"], pluie) if preparation is None else
           preparation.calendrier(covariables_tourisme, df["date"], pluie))
    df = df.drop(columns=["vacances_scolaires"])
    for col in cal.columns[1:]:
        df[col] = cal[col].to_numpy()
    return df, [c for c in cal.columns[1:] if df[c].nunique() > 1], precip is not None


def evaluer_pilote(pilote, mesures: pd.DataFrame, meteo: pd.DataFrame | None, *, controles: bool = True) -> ResultatImpact:
    c = _caracteristiques(pilote)
    ind = pilote.indicateur_principal
    fichier = pilote.dossier / "pilote.yaml"
    if ind.type_mesure != "comptage":
        raise ErreurDonnees(fichier, f"l'indicateur principal « {ind.identifiant} » n'est pas un comptage.",
                            champ="indicateurs", attendu="type_mesure: comptage (visiteurs, entrées, passages par jour)")
    debut = pd.Timestamp(pilote.periode_experimentation.debut)
    options = {"comptage": True, "indicateur": ind.libelle, "unite": ind.unite}
    # Le fichier météo est lu une fois : le laisser-un-de-côté ne change que les sites.
    precip = lire_precipitations(pilote)
    # Séries par site et calendrier de chaque jour : calculés une fois pour tous les sites retirés à tour de rôle.
    preparation = Preparation(pilote, mesures, precip) if pilote.sites_temoins and controles else None

    def estimer(retires: frozenset = frozenset()):
        """Le modèle journalier sur la somme des sites gardés (tous, ou tous sauf ``retires``)."""
        p = pilote if not retires else replace(pilote, sites=tuple(s for s in pilote.sites
                                                                    if s.identifiant not in retires))
        df, covariables, pluie = donnees_journalieres(p, mesures, precip, preparation=preparation)
        avant, pendant = int((df["date"] < debut).sum()), int((df["date"] >= debut).sum())
        if avant < JOURS_MIN_AVANT or pendant < JOURS_MIN_PENDANT:
            raise ErreurDonnees(fichier, f"trop peu de jours mesurés ({avant} avant, {pendant} pendant).",
                                champ="periodes", attendu=f"au moins {JOURS_MIN_AVANT} jours avant et "
                                                          f"{JOURS_MIN_PENDANT} pendant l'expérimentation")
        r = estimer_effet(df, debut, covariables, temoin=COLONNE_TEMOIN if p.sites_temoins else None, **options)
        return r, df, covariables, pluie

    r, df, covariables, pluie = estimer()
    temoins = bool(pilote.sites_temoins)
    if temoins and controles:  # controles=False : l'effet seul (simulations de puissance), mêmes effet et intervalle
        # L'effet repose-t-il sur un seul site ? Même modèle (rapport aux témoins, calendrier touristique, même
        # inférence) sans chaque site témoin, puis sans chaque site équipé.
        laisser_un_de_cote(lambda retires: estimer(retires)[0], pilote.sites, r).ajouter_a(r)
        # Le calendrier lui-même (« un dimanche compte 60 % de visiteurs en plus ») : sites équipés seuls.
        r.details["coefficients_calendrier"] = estimer_effet(df, debut, covariables, **options).details["coefficients"]
    r.details.update(covariables=covariables, pluie_disponible=pluie, comptage=True, donnees_journalieres=df,
                     naive=comparaison_naive(df["valeur"], df["date"], debut))
    r.justification = (
        "Les visiteurs sont comptés chaque jour ; leur nombre suit d'abord le calendrier : jour de la semaine, "
        "jours fériés, vacances scolaires de chacune des trois zones (A, B et C : les visiteurs viennent de toute "
        "la France)" + (", pluie" if pluie else "") + " et saison. Le modèle apprend ces effets sur la période de "
        "référence, puis estime combien de visiteurs on aurait comptés pendant l'expérimentation sans le "
        "dispositif, avec le calendrier et la météo réellement observés."
        + (" Les sites témoins, non équipés, servent de comparaison directe (doubles différences) : le modèle "
           "porte sur le rapport, jour par jour, entre les visiteurs des sites équipés et ceux des témoins ; un "
           "changement qui touche tous les sites le même jour et dans la même proportion (météo, grand "
           "événement, saison touristique exceptionnelle) s'annule donc." if temoins else
           " Sans site témoin, un changement survenu au même moment partout (saison exceptionnelle, événement, "
           "nouvelle offre de transport) ne peut pas être séparé de l'effet du dispositif."))
    r.limites.append("Un passage compté n'est pas une personne distincte : un visiteur qui passe deux fois devant "
                     "un compteur compte deux fois, et un compteur ne dit rien de la durée ni de la dépense de la visite.")
    if c.get("site_sature"):
        r.limites.append(f"L'indicateur mesure les sites équipés ; la baisse de fréquentation de « {c['site_sature']} », "
                         "que le dispositif cherche aussi, n'est pas estimée ici sans compteur sur ce site.")
    r.limites.append("Aucune valeur monétaire publiée ne permet de chiffrer une visite gagnée ou déplacée : "
                     "l'économie n'est pas chiffrée et l'efficience n'est pas évaluée.")
    return r


def economie_annuelle(pilote, resultat: ResultatImpact, valorisation):
    """Aucune valeur sourcée pour une visite (voir :mod:`eprouvette.domaines.tourisme`) : None."""
    return None


def indicateurs_feder(analyse) -> list[IndicateurFeder]:
    """RCO77 (sites touristiques soutenus) et RCR77 (visiteurs annuels des sites soutenus)."""
    p, cf = analyse.pilote, analyse.resultat.contrefactuel
    sortie = [IndicateurFeder("RCO77", float(len(p.sites_experimentaux)),
                              "Sites équipés par le pilote (compteurs, signalétique ou guidage).")]
    apres = cf[cf["periode"] == "apres"] if cf is not None and len(cf) else None
    visiteurs = float(apres["observe"].mean() * 365.25) if apres is not None and len(apres) else None
    sortie.append(IndicateurFeder(
        "RCR77", visiteurs,
        f"Visiteurs comptés par an sur les sites équipés (moyenne des {len(apres)} jours de l'expérimentation "
        "× 365,25) : un ordre de grandeur qui dépend de la saison couverte, des passages et non des personnes "
        "distinctes." if visiteurs is not None else "Aucun jour d'expérimentation mesuré sur les sites équipés."))
    return sortie
