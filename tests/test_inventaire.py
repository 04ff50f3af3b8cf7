"""docs/architecture.md reste vrai : son inventaire nomme chaque module de la bibliothèque, et rien d'autre."""

from __future__ import annotations

import re

from eprouvette import config

LIB = config.RACINE / "lib" / "eprouvette"


def _inventaire() -> set[str]:
    texte = (config.RACINE / "docs" / "architecture.md").read_text(encoding="utf-8")
    debut = texte.index("## Inventaire des modules")
    fin = texte.find("\n## ", debut + 1)
    section = texte[debut: fin if fin > 0 else None]
    return set(re.findall(r"^- `([\w/]+\.py)`", section, flags=re.M))


def test_chaque_module_est_dans_l_inventaire_et_rien_d_autre():
    modules = {p.relative_to(LIB).as_posix() for p in LIB.rglob("*.py")}
    nommes = _inventaire()
    manquants = sorted(modules - nommes)
    disparus = sorted(nommes - modules)
    assert not manquants, f"modules absents de l'inventaire de docs/architecture.md : {manquants}"
    assert not disparus, f"l'inventaire de docs/architecture.md nomme des modules disparus : {disparus}"
