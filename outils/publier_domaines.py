"""Réécrit la liste des domaines là où elle est publiée, d'après le registre (commande de développeur).

    .venv/bin/python outils/publier_domaines.py

Le registre (:func:`eprouvette.domaines.registre`) est la seule liste des domaines ; deux fichiers
publiés en portent une copie, que cette commande réécrit :

- l'énumération ``domaine`` du standard ``donnees/schemas/pilote.schema.json`` (validée par
  ``pilote.py`` : un domaine hors de l'énumération est refusé avec son numéro de ligne) ;
- la ligne ``domaine`` du tableau des champs de ``donnees/README.md``.

``tests/test_domaines.py`` échoue si l'un des deux diffère de ce que cette commande écrirait.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE / "lib"))

SCHEMA = RACINE / "donnees" / "schemas" / "pilote.schema.json"
README = RACINE / "donnees" / "README.md"
_LIGNE_README = re.compile(r"^\| `domaine` \| oui \| .* \|$", flags=re.M)


def identifiants() -> list[str]:
    from eprouvette.domaines import identifiants

    return identifiants()


def schema_attendu(texte: str) -> str:
    """Le schéma ``texte`` avec l'énumération ``domaine`` du registre (même mise en page)."""
    schema = json.loads(texte)
    schema["properties"]["domaine"]["enum"] = identifiants()
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def readme_attendu(texte: str) -> str:
    """Le README ``texte`` avec la ligne ``domaine`` du tableau des champs tirée du registre."""
    ids = [f"`{i}`" for i in identifiants()]
    valeurs = ", ".join(ids[:-1]) + " ou " + ids[-1] if len(ids) > 1 else ids[0]
    ligne = f"| `domaine` | oui | {valeurs} (voir `docs/<domaine>.md`) | `{identifiants()[0]}` |"
    if not _LIGNE_README.search(texte):
        raise SystemExit(f"{README} : ligne « | `domaine` | oui | … | » introuvable")
    return _LIGNE_README.sub(lambda _m: ligne, texte, count=1)


def main() -> None:
    for chemin, attendu in ((SCHEMA, schema_attendu), (README, readme_attendu)):
        texte = chemin.read_text(encoding="utf-8")
        nouveau = attendu(texte)
        if nouveau != texte:
            chemin.write_bytes(nouveau.encode("utf-8"))
            print(f"{chemin.relative_to(RACINE)} : réécrit")
        else:
            print(f"{chemin.relative_to(RACINE)} : à jour")


if __name__ == "__main__":
    main()
