"""Régénère les pilotes d'exemple simulés dans donnees/pilotes/ (commande de développeur).

    .venv/bin/python outils/generer_exemples.py

Jamais lancée par une construction (les données d'entrée sont en lecture seule pour `make`).
Pour une graine donnée, les fichiers produits sont identiques à l'octet près ; un test vérifie
que les exemples versionnés correspondent au générateur.
"""

from __future__ import annotations

import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE / "lib"))

from eprouvette.generateurs.energie import ParametresEnergie, ecrire_pilote, generer_pilote_energie  # noqa: E402

#: Pilotes d'exemple : (dossier, générateur, graine, paramètres).
EXEMPLES = [
    ("energie-gtb-ecoles-saint-quentin", generer_pilote_energie, 2024, ParametresEnergie()),
]


def main(destination: Path | None = None) -> None:
    dossier_pilotes = destination or (RACINE / "donnees" / "pilotes")
    for nom, generateur, graine, parametres in EXEMPLES:
        pilote = generateur(graine, parametres)
        ecrire_pilote(pilote, dossier_pilotes / nom)
        print(f"{nom} : écrit dans {dossier_pilotes / nom}")


if __name__ == "__main__":
    main()
