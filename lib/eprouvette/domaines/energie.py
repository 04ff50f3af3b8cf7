"""Énergie des bâtiments publics : calendrier d'occupation (vacances scolaires, jours fériés).

Ce module dit ce que signifient les grandeurs du domaine énergie ; il ne fait pas d'estimation
d'impact (voir :mod:`eprouvette.methodes.reference_energetique`). Les degrés-jours et la lecture
des fichiers Météo-France sont au rez-de-chaussée, dans :mod:`eprouvette.meteo`.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

from ..erreurs import ErreurDonnees
from . import Domaine

__all__ = [
    "jours_feries",
    "vacances_zone_b",
    "vacances_scolaires",
    "calendrier_ecoles",
    "ZONE_SCOLAIRE",
]


# --------------------------------------------------------------------------------------------
# Calendrier : jours fériés et vacances scolaires (zone B, Hauts-de-France)
# --------------------------------------------------------------------------------------------

#: Les dates viennent de paquets maintenus, pas d'une table recopiée à la main :
#: - vacances scolaires : ``vacances-scolaires-france`` (dates officielles publiées par le ministère
#:   de l'Éducation nationale sur data.education.gouv.fr, embarquées dans le paquet, 1990 à mi-2028) ;
#: - jours fériés : ``holidays`` (règles du calendrier légal français, métropole).
#: Le pont de l'Ascension (vendredi suivant le jeudi de l'Ascension, classes vaquées au niveau national
#: depuis l'arrêté du calendrier scolaire 2019-2020) n'est pas dans le premier paquet : il est déduit
#: de la date de l'Ascension donnée par le second.
ZONE_SCOLAIRE = "B"  # académies d'Amiens et de Lille (Hauts-de-France)


@lru_cache(maxsize=1)
def _vacances_officielles():
    from vacances_scolaires_france import SchoolHolidayDates

    return SchoolHolidayDates()


def jours_feries(annee: int) -> dict[date, str]:
    """Jours fériés légaux en métropole (hors Alsace-Moselle) pour une année (paquet ``holidays``)."""
    return dict(_jours_feries(annee))


@lru_cache(maxsize=64)
def _jours_feries(annee: int) -> dict[date, str]:
    # En mémoire : les simulations de la note de cadrage refont le calendrier de la même série des milliers de fois.
    import holidays

    return dict(holidays.France(years=annee, language="fr"))


def _ponts_ascension(annees) -> set[date]:
    ponts = set()
    for an in annees:
        for jour, nom in jours_feries(an).items():
            if nom == "Ascension":
                ponts.add(jour + timedelta(days=1))
    return ponts


def vacances_zone_b(dates) -> pd.Series:
    """Vrai pour les jours de vacances scolaires en zone B (dates officielles), pont de l'Ascension compris.

    Lève une ErreurDonnees si une date sort des années couvertes par les dates officielles.
    """
    return vacances_scolaires(dates, ZONE_SCOLAIRE)


def vacances_scolaires(dates, zone: str) -> pd.Series:
    """Vrai pour les jours de vacances scolaires de la zone ``zone`` (« A », « B » ou « C », dates
    officielles), pont de l'Ascension compris ; ErreurDonnees hors des années couvertes."""
    d = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    if d.tz is None and len(d):
        # Le calendrier de tous les jours de la plage, gardé en mémoire, puis ceux demandés : les simulations
        # de puissance de la note de cadrage redemandent les mêmes plages des milliers de fois.
        debut = d.min()
        plage = _vacances_plage(debut, d.max(), zone)
        return pd.Series(plage[(d - debut).days.to_numpy()], index=d, name="vacances")
    return pd.Series(_vacances(d, zone), index=d, name="vacances")


@lru_cache(maxsize=32)
def _vacances_plage(debut: pd.Timestamp, fin: pd.Timestamp, zone: str) -> np.ndarray:
    res = _vacances(pd.date_range(debut, fin, freq="D"), zone)
    res.flags.writeable = False
    return res


def _vacances(d: pd.DatetimeIndex, zone: str) -> np.ndarray:
    from vacances_scolaires_france import UnsupportedYearException

    officiel = _vacances_officielles()
    ponts = _ponts_ascension(range(d.min().year, d.max().year + 1)) if len(d) else set()
    try:
        res = np.array(
            [officiel.is_holiday_for_zone(j.date(), zone) or j.date() in ponts for j in d], dtype=bool
        )
    except UnsupportedYearException as e:
        raise ErreurDonnees(
            "calendrier scolaire", f"pas de dates officielles de vacances pour ces dates ({e}).",
            attendu="des dates couvertes par le paquet vacances-scolaires-france (1990 à mi-2028)",
            conseil="Fournissez un calendrier d'occupation (colonnes date, inoccupe) ou mettez le paquet à jour.",
        ) from None
    return res


def calendrier_ecoles(debut, fin) -> pd.DataFrame:
    """Calendrier d'occupation d'une école de la zone B, jour par jour.

    Colonnes : ``date``, ``inoccupe`` (samedi, dimanche, jour férié ou vacances scolaires),
    ``motif`` (« week-end », « férié », « vacances » ou « »). Le mercredi est compté occupé
    (accueil de loisirs fréquent dans les écoles) : à adapter si le bâtiment est fermé.
    """
    return _calendrier_ecoles(pd.Timestamp(debut), pd.Timestamp(fin)).copy()


@lru_cache(maxsize=16)
def _calendrier_ecoles(debut: pd.Timestamp, fin: pd.Timestamp) -> pd.DataFrame:
    jours = pd.date_range(pd.Timestamp(debut), pd.Timestamp(fin), freq="D")
    vac = vacances_zone_b(jours).to_numpy()
    feries = set()
    for an in range(jours.min().year, jours.max().year + 1):
        feries |= set(jours_feries(an))
    ferie = np.array([j.date() in feries for j in jours])
    weekend = jours.day_of_week.to_numpy() >= 5
    motif = np.where(weekend, "week-end", np.where(ferie, "férié", np.where(vac, "vacances", "")))
    return pd.DataFrame({"date": jours, "inoccupe": weekend | ferie | vac, "motif": motif})


#: Extrait de pilote.yaml propre au domaine, recopié par « make nouveau-pilote » (modele_pilote).
_MODELE_FICHE = """# Calendrier d'occupation des bâtiments : ecole_zone_b (vacances scolaires de la zone B),
# bureaux (fermés les week-ends et jours fériés) ou continue (occupés tous les jours).
occupation: continue
indicateurs:
  # L'indicateur principal : la consommation relevée chaque jour, dans l'unité des compteurs.
  - identifiant: consommation_chauffage
    libelle: Consommation d'énergie du chauffage
    unite: kWh
    sens_souhaite: baisse
    principal: true
    # Énergie consommée : electricite, gaz_naturel, fioul, reseau_chaleur ou bois.
    vecteur_energetique: gaz_naturel
    type_mesure: continue
"""

#: Déclaration du domaine (registre : :mod:`eprouvette.domaines`).
DOMAINE = Domaine(
    identifiant="energie", libelle="Énergie des bâtiments publics", ordre=1, adaptateur="energie_pilote",
    codes_feder=("RCO19", "RCR26", "RCR29"), reference_meteo=True, generateurs=("energie", "energie_horaire"),
    modele_fiche=_MODELE_FICHE,
)
