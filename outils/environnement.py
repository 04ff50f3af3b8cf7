"""Génère environment.yml (conda-forge) à partir de pyproject.toml, la source unique des versions.

    .venv/bin/python outils/environnement.py          # réécrit environment.yml
    .venv/bin/python outils/environnement.py --verifier   # échoue si environment.yml n'est pas à jour
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]

#: Noms conda-forge des paquets dont le nom diffère de PyPI.
NOMS_CONDA = {"pyyaml": "pyyaml", "charset-normalizer": "charset-normalizer"}
#: Paquets absents de conda-forge (ou publiés ailleurs) : installés par pip dans l'environnement conda.
PIP_SEULEMENT = {"vacances-scolaires-france", "playwright"}


def dependances() -> list[tuple[str, str]]:
    projet = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    brutes = list(projet["dependencies"]) + list(projet.get("optional-dependencies", {}).get("dev", []))
    resultat = []
    for d in brutes:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)\s*", d)
        if not m:
            raise SystemExit(f"pyproject.toml : « {d} » n'est pas épinglé (attendu : nom==version).")
        resultat.append((m.group(1).lower(), m.group(2)))
    return resultat


def contenu() -> str:
    projet = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    version_python = projet["requires-python"].replace(">=", "")
    lignes = [
        "# Généré par outils/environnement.py à partir de pyproject.toml (source unique des versions).",
        "# Ne pas modifier à la main : modifier pyproject.toml puis relancer le script.",
        "# Utilisation : conda env create -f environment.yml && conda activate eprouvette && make rapports",
        "name: eprouvette",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python>={version_python}",
        "  - pip",
    ]
    for nom, version in dependances():
        if nom not in PIP_SEULEMENT:
            lignes.append(f"  - {NOMS_CONDA.get(nom, nom)}=={version}")
    lignes.append("  - pip:")
    for nom, version in dependances():
        if nom in PIP_SEULEMENT:
            lignes.append(f"      - {nom}=={version}")
    lignes.append("      - -e . --no-deps")
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
    print(f"{cible.name} écrit ({len(dependances())} dépendances).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
