"""Les couches de la bibliothèque : aucun import ne remonte la chaîne (docs/architecture.md).

Le graphe des imports est lu dans le code (module ``ast`` de la bibliothèque standard, sans rien
importer), y compris les imports faits à l'intérieur d'une fonction. Chaque module de
``lib/eprouvette`` appartient à une couche ; un module ne peut importer que sa couche ou une
couche plus basse. Un nouveau module doit être rangé dans :data:`COUCHES` (le test échoue sinon).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[1] / "lib"
PAQUET = RACINE / "eprouvette"

#: L'ordre permis, de la plus basse à la plus haute : une couche n'importe que les précédentes (et
#: elle-même). Chaque entrée est un module ou un paquet (tous ses modules).
COUCHES: list[tuple[str, tuple[str, ...]]] = [
    ("socle", ("eprouvette", "eprouvette.config", "eprouvette._imports", "eprouvette.erreurs",
               "eprouvette.francais", "eprouvette.fichiers", "eprouvette.parametres", "eprouvette.provenance",
               "eprouvette.cli")),
    ("lecture", ("eprouvette.pilote", "eprouvette.lecture", "eprouvette.lecture_massive", "eprouvette.lecture_morceaux", "eprouvette.meteo", "eprouvette.plan",
                 "eprouvette.referentiel")),
    ("methodes", ("eprouvette.methodes", "eprouvette.qualite")),
    ("domaines", ("eprouvette.domaines", "eprouvette.economie", "eprouvette.feder", "eprouvette.essaimage",
                  "eprouvette.recommandation")),
    ("analyse", ("eprouvette.analyse", "eprouvette.verification")),
    ("presentation", ("eprouvette.presentation",)),
    ("rapports", ("eprouvette.rapports",)),
    ("generateurs", ("eprouvette.generateurs", "eprouvette.modele_pilote", "eprouvette.tirage_au_sort")),
    ("commandes", ("eprouvette.__main__",)),
]

#: Seuls ces paquets importent plotly (« seul presentation connaît plotly »).
CONNAISSENT_PLOTLY = ("eprouvette.presentation",)


def nom_module(fichier: Path) -> str:
    parties = list(fichier.relative_to(RACINE).with_suffix("").parts)
    if parties[-1] == "__init__":
        parties.pop()
    return ".".join(parties)


def _est_paquet(fichier: Path) -> bool:
    return fichier.name == "__init__.py"


def _existe(module: str) -> bool:
    chemin = RACINE.joinpath(*module.split("."))
    return chemin.with_suffix(".py").is_file() or (chemin / "__init__.py").is_file()


def imports_de(source: str, module: str, paquet: bool = False) -> list[tuple[int, str]]:
    """(ligne, module importé) pour chaque import de ``source`` : absolus, relatifs résolus,
    ``from . import x`` compté comme le module ``x`` quand c'en est un."""
    base = module.split(".") if paquet else module.split(".")[:-1]
    sortie = []
    for noeud in ast.walk(ast.parse(source)):
        if isinstance(noeud, ast.Import):
            sortie += [(noeud.lineno, a.name) for a in noeud.names]
        elif isinstance(noeud, ast.ImportFrom):
            if noeud.level:
                racine = base[: len(base) - (noeud.level - 1)] if noeud.level > 1 else base
                cible = ".".join(racine + ([noeud.module] if noeud.module else []))
            else:
                cible = noeud.module or ""
            for a in noeud.names:
                sous = f"{cible}.{a.name}"
                sortie.append((noeud.lineno, sous if cible.startswith("eprouvette") and _existe(sous) else cible))
    return sortie


def couche(module: str) -> int | None:
    """Rang de la couche d'un module (le préfixe le plus long l'emporte), None s'il n'est rangé nulle part."""
    meilleur, longueur = None, -1
    for rang, (_, membres) in enumerate(COUCHES):
        for m in membres:
            if (module == m or module.startswith(m + ".")) and len(m) > longueur:
                meilleur, longueur = rang, len(m)
    return meilleur


def _modules() -> list[Path]:
    return sorted(PAQUET.rglob("*.py"))


def violations(fichier: Path, source: str | None = None) -> list[str]:
    module = nom_module(fichier)
    rang = couche(module)
    source = fichier.read_text(encoding="utf-8") if source is None else source
    sortie = []
    for ligne, cible in dict.fromkeys(imports_de(source, module, _est_paquet(fichier))):
        if not cible.startswith("eprouvette"):
            continue
        rang_cible = couche(cible)
        if rang_cible is not None and rang is not None and rang_cible > rang:
            sortie.append(f"{module}:{ligne} ({COUCHES[rang][0]}) importe {cible} ({COUCHES[rang_cible][0]})")
    return sortie


def test_chaque_module_a_sa_couche():
    sans = [nom_module(f) for f in _modules() if couche(nom_module(f)) is None]
    assert sans == [], f"modules rangés dans aucune couche de tests/test_couches.py : {sans}"


def test_les_couches_nomment_des_modules_qui_existent():
    absents = [m for _, membres in COUCHES for m in membres if not _existe(m)]
    assert absents == []


def test_aucun_import_ne_remonte_la_chaine():
    fautes = [v for f in _modules() for v in violations(f)]
    assert fautes == [], "imports d'une couche basse vers une couche haute :\n" + "\n".join(fautes)


def test_seule_la_presentation_importe_plotly():
    fautes = []
    for f in _modules():
        module = nom_module(f)
        if any(module == p or module.startswith(p + ".") for p in CONNAISSENT_PLOTLY):
            continue
        fautes += [f"{module}:{l} importe {c}" for l, c in imports_de(f.read_text(encoding="utf-8"), module,
                                                                       _est_paquet(f))
                   if c == "plotly" or c.startswith("plotly.")]
    assert fautes == []


@pytest.mark.parametrize("source, module, attendu", [
    ("from .rapports.etat import examiner", "eprouvette.lecture", "eprouvette.rapports.etat"),
    ("from ..domaines.energie import dju", "eprouvette.methodes.reference_energetique", "eprouvette.domaines.energie"),
    ("def f():\n    from .presentation import figures\n", "eprouvette.analyse", "eprouvette.presentation.figures"),
    ("from .. import francais", "eprouvette.methodes.base", "eprouvette.francais"),
    ("import eprouvette.rapports.index", "eprouvette.pilote", "eprouvette.rapports.index"),
])
def test_le_graphe_voit_les_imports_relatifs_et_dans_les_fonctions(source, module, attendu):
    assert attendu in [c for _, c in imports_de(source, module)]


def test_une_remontee_est_signalee():
    """Le test échoue vraiment : l'import (d'avant) de rapports.etat depuis lecture est une violation."""
    lecture = PAQUET / "lecture.py"
    source = lecture.read_text(encoding="utf-8") + "\n\ndef _f():\n    from .rapports.etat import lire_etat\n"
    assert violations(lecture) == []
    assert [v.split(":", 1)[1] for v in violations(lecture, source)] == [
        f"{source.count(chr(10)) } (lecture) importe eprouvette.rapports.etat (rapports)"]
