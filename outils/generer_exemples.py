"""Régénère les pilotes d'exemple simulés dans donnees/pilotes/ (commande de développeur).

    .venv/bin/python outils/generer_exemples.py            # tous les exemples
    .venv/bin/python outils/generer_exemples.py ID [ID…]   # certains seulement

Jamais lancée par une construction (les données d'entrée sont en lecture seule pour `make`).
Les générateurs sont ceux que déclare chaque domaine (``Domaine.generateurs``, registre
:mod:`eprouvette.domaines`) : des modules de ``eprouvette.generateurs`` qui exposent ``EXEMPLES``
(liste de couples ``(identifiant, fonction qui écrit le pilote dans un dossier)``). Pour une
graine donnée, les fichiers produits sont identiques à l'octet près ; un test vérifie que les
exemples versionnés correspondent aux générateurs.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE / "lib"))


def exemples() -> dict:
    """Identifiant -> fonction d'écriture, pour tous les générateurs."""
    from eprouvette.domaines import registre

    tous = {}
    for nom in sorted(g for d in registre().values() for g in d.generateurs):
        module = importlib.import_module(f"eprouvette.generateurs.{nom}")
        for identifiant, ecrire in module.EXEMPLES:
            if identifiant in tous:
                raise SystemExit(f"exemple « {identifiant} » déclaré deux fois")
            tous[identifiant] = ecrire
    return tous


def main(destination: Path | None = None, selection: list[str] | None = None) -> None:
    dossier_pilotes = destination or (RACINE / "donnees" / "pilotes")
    for nom, ecrire in exemples().items():
        if selection and nom not in selection:
            continue
        ecrire(dossier_pilotes / nom)
        print(f"{nom} : écrit dans {dossier_pilotes / nom}")


if __name__ == "__main__":
    main(selection=sys.argv[1:] or None)
