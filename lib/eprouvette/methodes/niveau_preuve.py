"""Le niveau de preuve d'une évaluation : à quel point le plan écarte les autres explications.

Dans l'esprit de l'échelle de Maryland (Sherman et al. 1997, *Preventing Crime: What Works, What
Doesn't, What's Promising* ; reprise par le What Works Centre for Local Economic Growth au
Royaume-Uni), les plans sont classés selon leur capacité à distinguer l'effet de la technologie
de ce qui a changé au même moment :

1. ``sans_reference`` — aucune mesure d'avant le début : rien ne dit ce qui se serait passé.
2. ``avant_apres`` — avant / après sur les seuls sites équipés (série interrompue, référence
   ajustée au climat) : tout changement survenu au même moment partout (consigne de sobriété,
   météo exceptionnelle, tarif, grève) est confondu avec l'effet.
3. ``temoins`` — des sites témoins suivis avant et pendant : les chocs communs sont retirés, si
   les témoins auraient évolué comme les sites équipés.
4. ``temoins_comparables`` — comme 3, et cette comparabilité est vérifiée sur les données
   d'avant (test des tendances préalables ou placebo dans le temps réussis, aucun en échec).
5. ``tirage_au_sort`` — les sites équipés ont été tirés au sort parmi les candidats, avec des
   témoins et sans écart préalable détecté : le plan le plus fort. Avec un plan préenregistré
   (``plan.yaml``), le tirage doit y être écrit et suivi (``eprouvette.analyse.affectation_aleatoire``,
   docs/plan.md) ; sans plan, ``pilote.yaml`` le déclare (``affectation: tirage_au_sort``).

La grille de recommandation (``donnees/parametres/recommandation.yaml``,
``niveau_preuve_min_generaliser``) fixe le niveau en dessous duquel « généraliser » est
impossible ; voir docs/recommandation.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .base import Verification

#: Code, libellé court et phrase de chaque niveau (du plus faible au plus fort).
NIVEAUX: dict[int, tuple[str, str]] = {
    1: ("sans_reference", "Aucune mesure d'avant"),
    2: ("avant_apres", "Avant / après sur les sites équipés seulement"),
    3: ("temoins", "Sites témoins suivis avant et pendant"),
    4: ("temoins_comparables", "Sites témoins dont la comparabilité est vérifiée avant le début"),
    5: ("tirage_au_sort", "Sites équipés tirés au sort, avec des témoins"),
}

#: Vérifications qui testent, sur les données d'avant, que les témoins évoluaient comme les sites
#: équipés (ou que le modèle ne « voit » pas d'effet là où il n'y en a pas).
VERIFICATIONS_COMPARABILITE = frozenset({
    "tendances_prealables", "placebo_temporel", "Placebo dans le temps", "tendance_reference",
    "Tendance pendant la référence", "ajustement_avant", "tendance_prolongee",
})

#: Ce qui manque à chaque niveau pour monter d'un cran, en français.
_POUR_MONTER = {
    1: "constituer une période de référence (au moins un an de mesures avant le début) et suivre des sites témoins",
    2: "ajouter des sites témoins comparables, non équipés, suivis avant et pendant l'expérimentation",
    3: "vérifier sur une période d'avant assez longue que les témoins évoluaient comme les sites équipés",
    4: "tirer au sort, parmi les sites candidats, ceux qui reçoivent la technologie",
    5: "",
}

_EXPLICATIONS = {
    1: "Sans mesure d'avant le début, on ne sait pas ce qui se serait passé sans l'expérimentation.",
    2: ("Sans site témoin, un changement survenu au même moment partout — consigne de sobriété, "
        "météo, tarif — ne peut pas être distingué de l'effet."),
    3: ("Les sites témoins retirent ce qui a changé pour tous au même moment ; reste à savoir s'ils "
        "auraient évolué comme les sites équipés sans l'expérimentation."),
    4: ("Les sites témoins retirent ce qui a changé pour tous au même moment, et ils évoluaient comme "
        "les sites équipés avant le début."),
    5: ("Les sites équipés ont été tirés au sort : ni leur choix ni un changement commun ne peuvent "
        "expliquer l'écart avec les témoins."),
}


@dataclass(frozen=True)
class NiveauPreuve:
    """Le niveau de preuve (1 à 5), son code, ses mots et ce qui le ferait monter."""

    niveau: int
    code: str
    libelle: str
    explication: str
    pour_monter: str

    def _en_mots(self, separateur: str) -> str:
        texte = f"{self.niveau} sur 5 ({self.libelle[:1].lower() + self.libelle[1:]}){separateur}{self.explication}"
        if self.pour_monter:
            texte += f" Pour le renforcer : {self.pour_monter}."
        return texte

    @property
    def phrase(self) -> str:
        """« Niveau de preuve 2 sur 5 (avant / après sur les sites équipés seulement) : … »"""
        return "Niveau de preuve " + self._en_mots(" : ")

    @property
    def description(self) -> str:
        """« 2 sur 5 (avant / après sur les sites équipés seulement). … », derrière l'intitulé
        « Niveau de preuve : » du premier écran."""
        return self._en_mots(". ")

    def en_dict(self) -> dict:
        return {"niveau": self.niveau, "code": self.code, "libelle": self.libelle,
                "explication": self.explication, "pour_monter": self.pour_monter}


def niveau_depuis_code(niveau: int) -> NiveauPreuve:
    code, libelle = NIVEAUX[niveau]
    return NiveauPreuve(niveau, code, libelle, _EXPLICATIONS[niveau], _POUR_MONTER[niveau])


def evaluer_niveau_preuve(
    *,
    a_periode_avant: bool,
    n_temoins: int,
    verifications: Iterable[Verification] = (),
    affectation_aleatoire: bool = False,
    temoins_utilises: bool | None = None,
) -> NiveauPreuve:
    """Niveau de preuve d'une évaluation, d'après son plan et les vérifications de ses hypothèses.

    ``temoins_utilises`` : False si des témoins sont déclarés mais que la méthode ne les a pas
    utilisés (le niveau est alors celui d'un avant / après) ; None = ``n_temoins > 0``.
    """
    if not a_periode_avant:
        return niveau_depuis_code(1)
    avec_temoins = n_temoins > 0 if temoins_utilises is None else (temoins_utilises and n_temoins > 0)
    if not avec_temoins:
        return niveau_depuis_code(2)
    comparabilite = [v for v in verifications if v.nom in VERIFICATIONS_COMPARABILITE]
    echec = any(v.statut == "echec" for v in comparabilite)
    verifie = bool(comparabilite) and all(v.statut == "reussie" for v in comparabilite)
    if affectation_aleatoire and not echec:
        return niveau_depuis_code(5)
    if verifie:
        return niveau_depuis_code(4)
    return niveau_depuis_code(3)
