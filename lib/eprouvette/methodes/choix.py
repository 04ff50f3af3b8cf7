"""Choix du plan d'évaluation à partir de ce que contiennent les données.

Le plan suit les données : sites témoins et période d'avant → doubles différences (ou contrôle
synthétique quand un seul site expérimenté fait face à de nombreux candidats) ; consommation
d'énergie dépendant de la météo → référence énergétique par degrés-jours (IPMVP option C) ;
seulement la série du site expérimenté → série temporelle interrompue, avec un modèle de
comptage pour des comptages.

:func:`choisir_methode` décrit le plan que les données appellent ; :func:`choix_du_resultat` décrit
celui que l'adaptateur du domaine a réellement employé (c'est lui que l'analyse garde et que le
rapport montre).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ChoixMethode:
    """Le plan retenu, pourquoi, et ce qu'il ne peut pas montrer."""

    identifiant: str  # serie_interrompue | doubles_differences | controle_synthetique | reference_energetique | aucune
    libelle: str
    explication: str
    ne_peut_pas_montrer: list[str] = field(default_factory=list)
    options: dict = field(default_factory=dict)  # ex. {"famille": "quasi_poisson"}


def choisir_methode(
    *,
    a_periode_avant: bool,
    n_temoins: int = 0,
    n_experimentes: int = 1,
    energie_meteo: bool = False,
    comptage: bool = False,
    n_periodes_avant: int | None = None,
) -> ChoixMethode:
    """Choisit le plan d'évaluation d'après les données (avant toute estimation).

    a_periode_avant : des mesures existent avant le début de l'expérimentation.
    n_temoins : nombre de sites témoins (non expérimentés) suivis sur la même période.
    n_experimentes : nombre de sites expérimentés.
    energie_meteo : indicateur de consommation d'énergie qui dépend de la météo (chauffage, froid).
    comptage : l'indicateur est un comptage (événements, passages, incidents).
    n_periodes_avant : nombre de périodes d'avant (pour avertir d'une série trop courte).
    """
    if not a_periode_avant:
        return _aucune()
    avert = _avertissement(n_periodes_avant)
    if energie_meteo:
        return _reference_energetique(avert)
    if n_temoins >= 1:
        if n_experimentes == 1 and n_temoins >= 5:
            return _controle_synthetique(n_temoins, avert)
        return _doubles_differences(n_experimentes, n_temoins, avert)
    return _serie_interrompue(comptage, avert)


def choix_du_resultat(
    resultat,
    *,
    a_periode_avant: bool,
    n_temoins: int = 0,
    n_experimentes: int = 1,
    comptage: bool = False,
    n_periodes_avant: int | None = None,
) -> ChoixMethode:
    """Le plan que l'adaptateur du domaine a réellement employé (``resultat.methode``, et
    ``details["temoins_utilises"]`` pour une série interrompue comparée à des témoins), décrit comme
    :func:`choisir_methode` le décrirait. Un identifiant inconnu revient au choix d'après les données."""
    if not a_periode_avant:
        return _aucune()
    avert = _avertissement(n_periodes_avant)
    methode = resultat.methode
    if methode.startswith("reference_energetique"):
        return _reference_energetique(avert)
    if methode == "controle_synthetique":
        return _controle_synthetique(n_temoins, avert)
    if methode == "doubles_differences" or (methode == "serie_interrompue"
                                            and resultat.details.get("temoins_utilises")):
        return _doubles_differences(n_experimentes, n_temoins, avert)
    if methode == "serie_interrompue":
        return _serie_interrompue(comptage, avert)
    return choisir_methode(a_periode_avant=a_periode_avant, n_temoins=n_temoins, n_experimentes=n_experimentes,
                           comptage=comptage, n_periodes_avant=n_periodes_avant)


def _avertissement(n_periodes_avant: int | None) -> str:
    court = n_periodes_avant is not None and n_periodes_avant < 12
    return (f" Attention : seulement {n_periodes_avant} périodes avant le début, la référence sera fragile."
            if court else "")


def _aucune() -> ChoixMethode:
    return ChoixMethode(
        "aucune",
        "Pas d'évaluation d'impact possible",
        "Sans mesure d'avant le début, on ne peut pas savoir ce qui se serait passé sans "
        "l'expérimentation : il faut d'abord constituer une période de référence.",
        ["L'effet de l'expérimentation, quel qu'il soit."],
    )


def _reference_energetique(avert: str) -> ChoixMethode:
    return ChoixMethode(
        "reference_energetique",
        "Référence énergétique ajustée à la météo (IPMVP option C)",
        "La consommation dépend de la météo : on modélise la consommation d'avant en fonction des "
        "degrés-jours, puis on compare la consommation mesurée à ce que ce modèle prévoit pour la météo "
        "réellement observée." + avert,
        ["Un autre changement dans le bâtiment au même moment (occupation, horaires, travaux) serait "
         "compté comme une économie.",
         "Les économies ne valent que dans la plage de températures observée avant le début."],
    )


def _controle_synthetique(n_temoins: int, avert: str) -> ChoixMethode:
    return ChoixMethode(
        "controle_synthetique",
        "Contrôle synthétique",
        f"Un seul site expérimenté et {n_temoins} sites candidats : on construit un mélange de témoins qui "
        "reproduit le site avant le début, et les témoins servent de placebos." + avert,
        ["Un choc propre au site expérimenté au même moment.",
         "Une inférence précise tant qu'il y a moins de 19 témoins (p-valeur au mieux 1/(J+1))."],
    )


def _doubles_differences(n_experimentes: int, n_temoins: int, avert: str) -> ChoixMethode:
    peu = n_temoins < 10 or n_experimentes < 10
    return ChoixMethode(
        "doubles_differences",
        "Doubles différences avec sites témoins",
        f"{n_experimentes} site{'s' if n_experimentes > 1 else ''} expérimenté{'s' if n_experimentes > 1 else ''} "
        f"et {n_temoins} témoin{'s' if n_temoins > 1 else ''} suivis avant et pendant : on compare "
        "leurs évolutions, ce qui retire les chocs communs (météo, saison, conjoncture)."
        + (" Avec moins de dix sites de chaque côté, l'incertitude ne vient pas de la comparaison entre sites "
           "(trop peu nombreux pour cela) : elle vient de placebos dans l'espace (chaque site tour à tour "
           "traité comme s'il était équipé) quand il y a au moins 19 témoins, sinon de la série des écarts "
           "dans le temps quand les mesures sont assez fréquentes ; à défaut, le rapport dit qu'elle ne peut "
           "pas être calculée." if peu else "")
        + avert,
        ["Que les sites auraient évolué en parallèle sans l'expérimentation (testable en partie seulement).",
         "Un événement qui ne toucherait que les sites expérimentés au même moment."],
        {"bootstrap": "auto"},
    )


def _serie_interrompue(comptage: bool, avert: str) -> ChoixMethode:
    famille = "quasi_poisson" if comptage else "gaussienne"
    return ChoixMethode(
        "serie_interrompue",
        "Série temporelle interrompue" + (" (modèle de comptage quasi-Poisson)" if comptage else ""),
        "Seule la série du site expérimenté est disponible : on prolonge sa tendance et sa saisonnalité "
        "d'avant le début pour estimer ce qui se serait passé sans l'expérimentation."
        + (" L'indicateur étant un comptage, on utilise un modèle de Poisson avec surdispersion." if comptage else "")
        + avert,
        ["Tout autre changement survenu au même moment (sans témoin, il est confondu avec l'effet).",
         "Ce qui se serait passé si la tendance d'avant avait changé d'elle-même."],
        {"famille": famille},
    )
