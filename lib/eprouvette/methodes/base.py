"""Le résultat commun de toutes les méthodes d'évaluation.

Chaque plan d'évaluation (série interrompue, doubles différences, contrôle synthétique,
référence énergétique…) renvoie un :class:`ResultatImpact`, de sorte que l'économie, la
recommandation et le rapport n'ont jamais à savoir quelle méthode l'a produit.

Conventions
-----------
- ``effet`` est l'effet absolu de l'expérimentation sur l'indicateur, dans l'``unite`` indiquée,
  signé « mesuré moins contrefactuel » : une baisse de consommation donne un effet négatif.
- ``effet_relatif`` est calculé sur les totaux (somme mesurée / somme contrefactuelle - 1),
  jamais en additionnant des pourcentages point par point. ``None`` quand cela n'a pas de sens.
- ``ic_bas`` / ``ic_haut`` : intervalle de confiance à 95 % (config.NIVEAU_CONFIANCE) de ``effet``.
- ``contrefactuel`` : DataFrame avec au moins les colonnes ``date``, ``observe``,
  ``contrefactuel`` (et, si possible, ``contrefactuel_bas`` / ``contrefactuel_haut``),
  pour les graphiques.
- ``verifications`` : les hypothèses vérifiées, chacune « reussie », « attention » ou « echec »
  avec une phrase en français.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import math

import pandas as pd

Statut = Literal["reussie", "attention", "echec"]


@dataclass
class Verification:
    """Une hypothèse de la méthode, vérifiée sur les données."""

    nom: str
    statut: Statut
    phrase: str
    valeur: float | None = None

    def __post_init__(self) -> None:
        if self.statut not in ("reussie", "attention", "echec"):
            raise ValueError(f"statut inconnu : {self.statut!r}")


@dataclass
class ResultatImpact:
    """Ce qu'une méthode d'évaluation dit de l'effet d'une expérimentation."""

    methode: str  # identifiant court, ex. "doubles_differences"
    libelle_methode: str  # en français, ex. "Doubles différences avec sites témoins"
    indicateur: str
    unite: str
    effet: float
    ic_bas: float
    ic_haut: float
    p_valeur: float
    effet_relatif: float | None = None
    ic_relatif_bas: float | None = None
    ic_relatif_haut: float | None = None
    erreur_type: float | None = None
    #: Effet minimal détectable (même unité que l'effet), à 80 % de puissance, si calculé.
    effet_minimal_detectable: float | None = None
    contrefactuel: pd.DataFrame | None = None
    verifications: list[Verification] = field(default_factory=list)
    #: Phrase en français clair, lisible par un élu.
    resume: str = ""
    #: Pourquoi ce plan a été choisi, et ce qu'il ne peut pas montrer.
    justification: str = ""
    limites: list[str] = field(default_factory=list)
    #: Tableaux et valeurs techniques pour l'annexe (coefficients, statistiques…).
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def significatif(self) -> bool:
        """Vrai si l'intervalle à 95 % exclut zéro."""
        return self.ic_bas > 0 or self.ic_haut < 0

    @property
    def statut_global(self) -> Statut:
        statuts = {v.statut for v in self.verifications}
        if "echec" in statuts:
            return "echec"
        if "attention" in statuts:
            return "attention"
        return "reussie"

    def en_dict(self) -> dict[str, Any]:
        """Version sérialisable en JSON (sans la série contrefactuelle)."""
        d = {k: v for k, v in asdict(self).items() if k not in ("contrefactuel", "details")}
        d["significatif"] = self.significatif
        d["verifications"] = [asdict(v) for v in self.verifications]
        return _nettoyer_json(d)


def _nettoyer_json(objet: Any) -> Any:
    """Remplace NaN / inf par None et les types numpy par des types Python."""
    if isinstance(objet, dict):
        return {str(k): _nettoyer_json(v) for k, v in objet.items()}
    if isinstance(objet, (list, tuple)):
        return [_nettoyer_json(v) for v in objet]
    if hasattr(objet, "item") and not isinstance(objet, (str, bytes)):
        try:
            objet = objet.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(objet, float) and not math.isfinite(objet):
        return None
    return objet
