"""Plans d'analyse préenregistrés (``plan.yaml``) des pilotes d'exemple existants.

Un pilote d'exemple reçoit son plan ici, par son identifiant, quand son générateur ne le fournit
pas lui-même (:func:`eprouvette.generateurs.commun.ecrire_pilote_simule` l'écrit à côté de
``pilote.yaml`` et recopie son empreinte dans ``empreinte_plan``). Les mesures et la fiche du
pilote ne changent pas : seul le plan est ajouté.

- **Saint-Quentin (GTB des écoles)** : le plan, enregistré en juin 2024, prévoyait quatre témoins
  et une fin de l'expérimentation au 30 juin 2025 ; une école témoin fictive a été retirée (fermée
  pour travaux) et l'expérimentation prolongée jusqu'au 31 août 2025. Le rapport liste ces deux
  écarts sur son premier écran.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable


def _saint_quentin(fiche: dict) -> dict:
    sites = fiche["sites"]
    return {
        "pilote": fiche["identifiant"],
        "enregistre_le": dt.date(2024, 6, 14),
        "auteur": "la direction du patrimoine bâti de la ville de Saint-Quentin",
        "indicateur_principal": "consommation_chauffage",
        "periodes": {"reference": {"debut": dt.date(2022, 9, 1), "fin": dt.date(2024, 8, 31)},
                     "experimentation": {"debut": dt.date(2024, 9, 1), "fin": dt.date(2025, 6, 30)}},
        "sites_experimentaux": [s["identifiant"] for s in sites if s["role"] == "experimental"],
        "temoins": [s["identifiant"] for s in sites if s["role"] == "temoin"] + ["ecole-tem-4"],
        "methode": "reference_energetique_temoins",
        "seuils": {"effet_relatif_materiel": 0.05, "effet_minimal_detectable_relatif_max": 0.05},
        "affectation": {"methode": "choix"},
        "notes": ("Exemple simulé. Quatre écoles témoins prévues, dont l'école fictive Jules-Ferry (ecole-tem-4) ; "
                  "fin de l'expérimentation prévue au 30 juin 2025."),
    }


#: Identifiant du pilote d'exemple -> fonction (fiche du pilote) -> données de son plan.yaml.
PLANS_EXEMPLES: dict[str, Callable[[dict], dict]] = {
    "energie-gtb-ecoles-saint-quentin": _saint_quentin,
}


def plan_d_exemple(fiche: dict) -> dict | None:
    """Le plan du pilote d'exemple décrit par ``fiche``, ou None s'il n'en a pas ici."""
    fabrique = PLANS_EXEMPLES.get(fiche.get("identifiant"))
    return fabrique(fiche) if fabrique else None
