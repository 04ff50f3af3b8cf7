"""Génère environment.yml (conda-forge) : Python par conda, tout le reste par pip, au verrou près.

    .venv/bin/python outils/environnement.py          # réécrit environment.yml
    .venv/bin/python outils/environnement.py --verifier   # échoue si environment.yml n'est pas à jour

L'environnement conda est le même que le `.venv` du Makefile : conda n'y installe que Python (à la
version mineure du verrou) et pip ; pip installe ensuite le projet et ses dépendances de test
(`-e .[dev]`) contraints par `requirements-verrou.txt` (`-c`), exactement comme
`make environnement`. Ainsi chaque bibliothèque, directe ou indirecte, est à la version du verrou :
des paquets conda-forge résolus par conda auraient leurs propres versions indirectes.

`conda env create -f environment.yml` écrit les lignes `pip:` dans un fichier d'exigences placé à
côté d'environment.yml et lance pip depuis ce dossier : `-c requirements-verrou.txt` et `-e .` y
désignent le verrou et le projet. Chaque ligne est une ligne valide d'un fichier d'exigences de pip
(une option par exigence comme `--no-deps` n'y est pas admise ; `tests/test_projet.py` les lit
avec l'analyseur de pip).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
VERROU = "requirements-verrou.txt"
#: Version mineure de Python avec laquelle le verrou a été figé (pip freeze) : celle de l'environnement conda.
PYTHON_VERROU = "3.11"


def dependances() -> list[tuple[str, str]]:
    """(nom, version) des dépendances directes de pyproject.toml (y compris celles de test, « dev »)."""
    projet = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    brutes = list(projet["dependencies"]) + list(projet.get("optional-dependencies", {}).get("dev", []))
    resultat = []
    for d in brutes:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)\s*", d)
        if not m:
            raise SystemExit(f"pyproject.toml : « {d} » n'est pas épinglé (attendu : nom==version).")
        resultat.append((m.group(1).lower(), m.group(2)))
    return resultat


def lignes_pip() -> list[str]:
    """Les lignes de la section `pip:` d'environment.yml (chacune, une ligne d'un fichier d'exigences)."""
    return [f"-c {VERROU}", "-e .[dev]"]


def contenu() -> str:
    dependances()  # refuse une dépendance non épinglée de pyproject.toml
    lignes = [
        "# Généré par outils/environnement.py à partir de pyproject.toml et de requirements-verrou.txt.",
        "# Ne pas modifier à la main : modifier pyproject.toml (et le verrou) puis relancer le script.",
        "# Utilisation : conda env create -f environment.yml && conda activate eprouvette && make rapports",
        "# conda n'installe que Python et pip ; pip installe le projet et toutes ses dépendances aux",
        "# versions du verrou, comme le .venv de « make environnement ».",
        "name: eprouvette",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={PYTHON_VERROU}",
        "  - pip",
        "  - pip:",
    ]
    lignes += [f"      - {ligne}" for ligne in lignes_pip()]
    return "\n".join(lignes) + "\n"


def main() -> int:
    cible = RACINE / "environment.yml"
    attendu = contenu()
    if "--verifier" in sys.argv:
        if not cible.exists() or cible.read_text(encoding="utf-8") != attendu:
            print("environment.yml n'est pas à jour : lancer outils/environnement.py", file=sys.stderr)
            return 1
        return 0
    cible.write_text(attendu, encoding="utf-8")
    print(f"{cible.name} écrit (Python {PYTHON_VERROU}, {len(dependances())} dépendances directes, verrou {VERROU}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
