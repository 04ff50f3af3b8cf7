"""Chemins et constantes du projet, en un seul endroit."""

from __future__ import annotations

import os
from pathlib import Path

#: Racine du dépôt (le dossier qui contient Makefile, donnees/, notebooks/…).
RACINE = Path(os.environ.get("EPROUVETTE_RACINE", Path(__file__).resolve().parents[2]))

#: Données d'entrée : jamais écrites par une construction.
DONNEES = RACINE / "donnees"
PILOTES = Path(os.environ.get("EPROUVETTE_PILOTES", DONNEES / "pilotes"))
#: Projets de pilote avant leur début (notes de cadrage, docs/conception.md), à côté des pilotes.
PROJETS = Path(os.environ.get("EPROUVETTE_PROJETS", PILOTES.parent / "projets"))
SCHEMAS = DONNEES / "schemas"
PARAMETRES = DONNEES / "parametres"
REFERENTIEL = DONNEES / "referentiel"

NOTEBOOKS = Path(os.environ.get("EPROUVETTE_NOTEBOOKS", RACINE / "notebooks"))
#: Sorties : rapports HTML, résultats JSON, carnets exécutés, journaux.
RAPPORTS = Path(os.environ.get("EPROUVETTE_RAPPORTS", RACINE / "rapports"))
#: Paquets JavaScript installés par `make js` (plotly.js réduit, axe-core) : hors de donnees/ et
#: du dépôt ; absents, les rapports reprennent le plotly.js complet du paquet Python plotly.
PAQUETS_JS = Path(os.environ.get("EPROUVETTE_PAQUETS_JS", RACINE / ".cache" / "js"))

#: Niveau de confiance des intervalles, partout dans le projet.
NIVEAU_CONFIANCE = 0.95

#: Délai maximal d'exécution d'une cellule de carnet, en secondes : au-delà, la construction de ce
#: pilote est arrêtée (les autres continuent). Réglable par la variable EPROUVETTE_DELAI_CELLULE.
DELAI_CELLULE_S = int(os.environ.get("EPROUVETTE_DELAI_CELLULE", "900"))

#: Fuseau horaire des données françaises.
FUSEAU = "Europe/Paris"

#: Secret statistique (RGPD) : un agrégat de compteurs individuels (logements…) n'est publié que
#: s'il porte sur au moins ce nombre de compteurs ; réglable par pilote (releves_compteurs[].seuil_compteurs).
SEUIL_SECRET_COMPTEURS = 5
