"""Indicateurs communs du FEDER 2021-2027 (règlement (UE) 2021/1058, annexe I) nourris par un pilote.

Les codes et libellés viennent d'une copie secondaire du règlement (à confirmer sur le texte du
Journal officiel) ; chaque valeur dit comment elle a été obtenue. Les réalisations (RCO) comptent
ce qui a été fait ; les résultats (RCR) ce qui a changé.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: Catalogue : code -> (libellé, unité).
CATALOGUE = {
    "RCO14": ("Institutions publiques bénéficiant d'un soutien pour développer des services numériques", "institutions"),
    "RCR11": ("Utilisateurs de services publics numériques nouveaux et améliorés", "utilisateurs/an"),
    "RCO19": ("Bâtiments publics dont la performance énergétique a été améliorée", "m²"),
    "RCR26": ("Consommation annuelle d'énergie primaire (dont logements, bâtiments publics, entreprises, autres)", "MWh/an"),
    "RCR29": ("Émissions estimées de gaz à effet de serre", "tCO2e/an"),
    "RCR43": ("Pertes d'eau dans les systèmes publics de distribution", "m³/an"),
    "RCO60": ("Villes dotées de systèmes de transport urbain numérisés nouveaux ou modernisés", "villes"),
    "RCR62": ("Usagers annuels des transports publics nouveaux ou modernisés", "usagers/an"),
    "RCR64": ("Usagers annuels des infrastructures dédiées au vélo", "usagers/an"),
    "RCR103": ("Déchets collectés séparément", "t/an"),
    "RCO77": ("Sites culturels et touristiques bénéficiant d'un soutien", "sites"),
    "RCR77": ("Visiteurs des sites culturels et touristiques bénéficiant d'un soutien", "visiteurs/an"),
}


@dataclass
class IndicateurFeder:
    code: str
    valeur: float | None
    note: str

    @property
    def libelle(self) -> str:
        return CATALOGUE[self.code][0]

    @property
    def unite(self) -> str:
        return CATALOGUE[self.code][1]

    def __post_init__(self) -> None:
        if self.code not in CATALOGUE:
            raise ValueError(f"indicateur FEDER inconnu : {self.code}")

    def en_dict(self) -> dict:
        d = asdict(self)
        d.update(libelle=self.libelle, unite=self.unite)
        return d
