"""Choix du plan d'évaluation à partir de ce que contiennent les données.

Le plan suit les données : sites témoins et période d'avant → doubles différences (ou contrôle
synthétique quand un seul site expérimenté fait face à de nombreux candidats ; doubles différences
synthétiques quand un seul site équipé fait face à au moins vingt témoins sur une série assez longue,
:func:`regle_dd_synthetiques` ; doubles différences
pour un déploiement échelonné quand les sites ne sont pas tous équipés le même jour) ; consommation
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

    identifiant: str  # serie_interrompue | doubles_differences | dd_synthetiques | dd_echelonnees | controle_synthetique | reference_energetique | aucune
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
    debuts_differents: bool = False,
) -> ChoixMethode:
    """Choisit le plan d'évaluation d'après les données (avant toute estimation).

    a_periode_avant : des mesures existent avant le début de l'expérimentation.
    n_temoins : nombre de sites témoins (non expérimentés) suivis sur la même période.
    n_experimentes : nombre de sites expérimentés.
    energie_meteo : indicateur de consommation d'énergie qui dépend de la météo (chauffage, froid).
    comptage : l'indicateur est un comptage (événements, passages, incidents).
    n_periodes_avant : nombre de périodes d'avant (pour avertir d'une série trop courte ; pour les doubles
      différences synthétiques, celles du panel par mois ou par semaine, :func:`regle_dd_synthetiques`).
    debuts_differents : les sites expérimentés ne sont pas tous équipés le même jour (déploiement
      échelonné, ``Pilote.deploiement_echelonne``) : doubles différences échelonnées, dès qu'il y a des
      témoins ou au moins deux sites équipés à des dates différentes (les derniers servent de témoins
      aux premiers tant qu'ils ne sont pas équipés).
    """
    if not a_periode_avant:
        return _aucune()
    avert = _avertissement(n_periodes_avant)
    if energie_meteo:
        return _reference_energetique(avert)
    if debuts_differents and n_experimentes >= 2:
        return _dd_echelonnees(n_experimentes, n_temoins, avert)
    if regle_dd_synthetiques(n_experimentes=n_experimentes, n_temoins=n_temoins, n_periodes_avant=n_periodes_avant,
                             debuts_differents=debuts_differents).role == "principale":
        return _dd_synthetiques(n_experimentes, n_temoins, avert)
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
    debuts_differents: bool = False,
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
    if methode == "dd_synthetiques":
        return _dd_synthetiques(n_experimentes, n_temoins, avert)
    if methode == "dd_echelonnees":
        return _dd_echelonnees(n_experimentes, n_temoins, avert)
    if methode == "doubles_differences" or (methode == "serie_interrompue"
                                            and resultat.details.get("temoins_utilises")):
        return _doubles_differences(n_experimentes, n_temoins, avert)
    if methode == "serie_interrompue":
        return _serie_interrompue(comptage, avert)
    return choisir_methode(a_periode_avant=a_periode_avant, n_temoins=n_temoins, n_experimentes=n_experimentes,
                           comptage=comptage, n_periodes_avant=n_periodes_avant, debuts_differents=debuts_differents)


# ---------------------------------------------------------------------------------------------
# Doubles différences synthétiques : principale, contrôle de robustesse ou sans objet
# ---------------------------------------------------------------------------------------------

#: Nombre minimal de témoins pour que les doubles différences synthétiques soient l'estimation
#: principale, selon le nombre de sites équipés (absent : jamais principales). Mesuré par simulation
#: (docs/methodes.md, outils/simulation_dd_synthetiques.py, 200 panels par plan) : avec un seul site
#: équipé, la variance placebo ne repose que sur J faux effets ; à 20 témoins, les faux « significatif »
#: restent sous 6 % (couverture dans [92 % ; 98 %]) sur les quatre plans simulés, pas en dessous (7 à
#: 8,5 % sur au moins un plan à 6, 10 et 16 témoins). Avec deux sites équipés, aucun nombre de témoins
#: jusqu'à 20 ne tient (9,5 % à 20 témoins, séries hebdomadaires à facteurs) : la variance placebo y
#: sous-estime l'incertitude ; de même avec trois.
TEMOINS_MIN_DD_SYNTHETIQUES = {1: 20}
#: Nombre minimal de périodes d'avant du panel (mois ou semaines) pour l'estimation principale : les
#: plans simulés en ont 24 (mensuel, deux ans) ou 52 (hebdomadaire, un an).
PERIODES_AVANT_MIN_DD_SYNTHETIQUES = 24
#: En contrôle de robustesse (l'effet seul est comparé, sans sa variance, qui demanderait plus de
#: témoins que de sites équipés) : au moins 3 témoins, au plus 4 sites équipés, 4 périodes d'avant.
TEMOINS_MIN_ROBUSTESSE, EQUIPES_MAX_ROBUSTESSE, PERIODES_AVANT_MIN_ROBUSTESSE = 3, 4, 4


@dataclass(frozen=True)
class RegleDDSynthetiques:
    """Le rôle des doubles différences synthétiques dans un pilote, décidé d'après la forme des données."""

    role: str  # "principale" | "robustesse" | "sans_objet"
    raison: str  # en français : pourquoi ce rôle (vide pour « principale »)


def regle_dd_synthetiques(*, n_experimentes: int, n_temoins: int, n_periodes_avant: int | None,
                          debuts_differents: bool = False) -> RegleDDSynthetiques:
    """Quand les doubles différences synthétiques sont l'estimation principale, un contrôle de
    robustesse ou sans objet, d'après la forme des données seulement (avant toute estimation, pour ne
    pas choisir la méthode qui donne l'effet le plus net) : nombre de sites équipés et de témoins,
    périodes d'avant du panel (mois ou semaines), déploiement échelonné. Seuils mesurés par
    simulation (docs/methodes.md)."""
    t0 = n_periodes_avant or 0
    if debuts_differents:
        return RegleDDSynthetiques("sans_objet", "Les sites ne sont pas équipés le même jour : les doubles différences "
                                   "synthétiques supposent un début commun.")
    if n_temoins < TEMOINS_MIN_ROBUSTESSE:
        return RegleDDSynthetiques("sans_objet", f"Les doubles différences synthétiques demandent au moins "
                                   f"{TEMOINS_MIN_ROBUSTESSE} témoins pour en faire un mélange.")
    if n_experimentes > EQUIPES_MAX_ROBUSTESSE:
        return RegleDDSynthetiques("sans_objet", f"{n_experimentes} sites équipés : les doubles différences "
                                   "synthétiques sont faites pour un ou quelques sites équipés.")
    if t0 < PERIODES_AVANT_MIN_ROBUSTESSE:
        return RegleDDSynthetiques("sans_objet", f"Seulement {t0} périodes d'avant : trop peu pour pondérer les "
                                   "témoins par les doubles différences synthétiques.")
    minimum = TEMOINS_MIN_DD_SYNTHETIQUES.get(n_experimentes)
    if minimum is None:
        return RegleDDSynthetiques("robustesse", f"Elles ne sont pas l'estimation principale : avec {n_experimentes} "
                                   "sites équipés, leur incertitude (la dispersion des faux effets de témoins qui font "
                                   "semblant d'être équipés) sous-estime la marge d'erreur réelle sur des plans simulés "
                                   "de cette taille.")
    if n_temoins < minimum:
        return RegleDDSynthetiques("robustesse", f"Elles ne sont pas l'estimation principale : avec {n_temoins} témoins, "
                                   "leur incertitude (la dispersion des faux effets de témoins qui font semblant d'être "
                                   "équipés) n'est pas fiable ; il faut au moins "
                                   f"{minimum} témoins pour {n_experimentes} site{'s' if n_experimentes > 1 else ''} "
                                   f"équipé{'s' if n_experimentes > 1 else ''}.")
    if t0 < PERIODES_AVANT_MIN_DD_SYNTHETIQUES:
        return RegleDDSynthetiques("robustesse", f"Elles ne sont pas l'estimation principale : {t0} périodes d'avant, "
                                   f"il en faut au moins {PERIODES_AVANT_MIN_DD_SYNTHETIQUES} pour pondérer sûrement "
                                   "les témoins et les périodes.")
    return RegleDDSynthetiques("principale", "")


def _dd_synthetiques(n_experimentes: int, n_temoins: int, avert: str) -> ChoixMethode:
    sites = f"{n_experimentes} site{'s' if n_experimentes > 1 else ''} équipé{'s' if n_experimentes > 1 else ''}"
    return ChoixMethode(
        "dd_synthetiques",
        "Doubles différences synthétiques",
        f"{sites} et {n_temoins} témoins : au lieu de comparer à la moyenne de tous les témoins, on donne plus "
        "de poids aux témoins qui évoluaient comme les sites équipés avant le début (un écart de niveau constant "
        "est permis), et plus de poids aux périodes d'avant qui ressemblent à la période de l'expérimentation "
        "(Arkhangelsky et al., 2021). Cela corrige les doubles différences simples quand les sites ne suivent "
        "pas tous la même tendance. L'incertitude vient de placebos : chaque témoin tour à tour fait semblant "
        "d'avoir été équipé, et la dispersion de ces faux effets donne la marge d'erreur." + avert,
        ["Que le mélange de témoins qui suivait les sites équipés avant le début les aurait encore suivis ensuite "
         "(vérifiable en partie seulement, sur l'avant).",
         "Un événement qui ne toucherait que les sites équipés au même moment.",
         "Un effet précis si les sites équipés ne ressemblent à aucun mélange de témoins (ils sortent de ce que les "
         "témoins couvrent)."],
    )


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


def _dd_echelonnees(n_experimentes: int, n_temoins: int, avert: str) -> ChoixMethode:
    from .dd_echelonnees import SITES_PAR_COHORTE_MINIMUM, TEMOINS_MINIMUM
    from .deploiement_echelonne import LIBELLE

    temoins = (f" et {n_temoins} témoin{'s' if n_temoins > 1 else ''} jamais équipé{'s' if n_temoins > 1 else ''}"
               if n_temoins else ", sans témoin jamais équipé")
    return ChoixMethode(
        "dd_echelonnees",
        LIBELLE,
        f"{n_experimentes} sites équipés à des dates différentes{temoins} : chaque site est comparé, sur les "
        "mêmes périodes, aux sites pas encore ou jamais équipés, jamais aux sites déjà équipés (Callaway et "
        "Sant'Anna, 2021). Les doubles différences ordinaires, qui mélangent ces comparaisons, peuvent être "
        "biaisées quand l'effet grandit avec la durée d'équipement. Les effets de chaque vague sont moyennés, et "
        "une courbe montre l'effet selon la durée d'équipement, avec les périodes d'avant pour tester les "
        f"tendances parallèles. Il faut environ {SITES_PAR_COHORTE_MINIMUM} sites par vague et "
        f"{TEMOINS_MINIMUM} témoins pour que l'incertitude soit fiable ; sinon le rapport dit qu'elle ne peut "
        "pas être calculée." + ("" if n_temoins else " Sans témoin jamais équipé, la dernière vague n'a plus de "
                                "point de comparaison une fois équipée.") + avert,
        ["Que chaque vague aurait évolué comme les sites pas encore ou jamais équipés sans l'équipement "
         "(tendances parallèles par vague ; testable en partie seulement, sur les périodes d'avant).",
         "Que les sites n'ont pas changé avant leur date d'équipement (pas d'anticipation : annonce, formation).",
         "Que l'ordre du déploiement n'est pas lié à l'évolution attendue des sites (équiper d'abord ceux qui "
         "allaient se dégrader fausserait la comparaison).",
         "Un événement qui ne toucherait qu'une vague au moment de son équipement."],
        {"temoins": "pas_encore"},
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
