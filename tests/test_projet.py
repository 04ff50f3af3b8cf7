"""Le projet lui-même : environnement, carnets propres, commandes documentées."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
import papermill as pm

from eprouvette import config

RACINE = config.RACINE


def test_environment_yml_suit_pyproject():
    r = subprocess.run([sys.executable, str(RACINE / "outils" / "environnement.py"), "--verifier"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def _lignes_exigences(tmp_path, lignes: list[str]):
    """Les lignes pip d'environment.yml lues comme conda les passe à pip : un fichier d'exigences écrit
    à côté d'environment.yml (ici une copie du verrou à côté), pip lancé depuis le dossier du projet."""
    import shutil

    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import parse_requirements

    shutil.copy(RACINE / "requirements-verrou.txt", tmp_path / "requirements-verrou.txt")
    fichier = tmp_path / "condaenv.requirements.txt"
    fichier.write_text("\n".join(lignes) + "\n", encoding="utf-8")
    return list(parse_requirements(str(fichier), session=PipSession()))


def test_environment_yml_valide_pour_pip_et_conforme_au_verrou(tmp_path, monkeypatch):
    import yaml
    from packaging.requirements import Requirement
    from pip._internal.exceptions import RequirementsFileParseError

    env = yaml.safe_load((RACINE / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    (pip,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    # Python à la version mineure du verrou (celle de l'environnement qui passe ces tests), et pip.
    assert conda == [f"python={sys.version_info.major}.{sys.version_info.minor}", "pip"]
    monkeypatch.chdir(RACINE)
    lues = _lignes_exigences(tmp_path, pip)
    contraintes = {Requirement(r.requirement).name.lower().replace("_", "-"): str(Requirement(r.requirement).specifier)
                   for r in lues if r.constraint}
    projet = [r for r in lues if not r.constraint]
    assert len(projet) == 1 and projet[0].is_editable and projet[0].requirement.endswith(".[dev]")
    # Le verrou entier est une contrainte, et chaque dépendance directe y est à la version de pyproject.toml.
    verrou = [l for l in (RACINE / "requirements-verrou.txt").read_text(encoding="utf-8").splitlines()
              if l.strip() and not l.startswith("#")]
    assert len(contraintes) == len(verrou) and all(v.startswith("==") for v in contraintes.values())
    import tomllib

    projet_toml = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for dep in projet_toml["dependencies"] + projet_toml["optional-dependencies"]["dev"]:
        exigence = Requirement(dep)
        assert contraintes.get(exigence.name.lower().replace("_", "-")) == str(exigence.specifier), dep
    # L'ancienne ligne « -e . --no-deps » : refusée par ce même analyseur (une option par exigence
    # que pip n'admet pas dans un fichier d'exigences) ; conda s'arrêtait là.
    with pytest.raises((RequirementsFileParseError, SystemExit)):
        _lignes_exigences(tmp_path, ["-e . --no-deps"])


def test_dependances_epinglees_et_verrouillees():
    import tomllib

    projet = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    verrou = (RACINE / "requirements-verrou.txt").read_text(encoding="utf-8").lower().replace("_", "-")
    for dep in projet["dependencies"] + projet["optional-dependencies"]["dev"]:
        assert "==" in dep, dep
        assert dep.lower().replace("_", "-") in verrou, f"{dep} absent du verrou"


def test_carnets_sans_sorties_et_parametres():
    carnets = sorted(config.NOTEBOOKS.glob("*.ipynb"))
    assert carnets, "aucun carnet"
    for chemin in carnets:
        nb = nbformat.read(chemin, as_version=4)
        for cellule in nb.cells:
            if cellule.cell_type == "code":
                assert not cellule.outputs and cellule.execution_count is None, f"{chemin.name} a des sorties"
        premieres = [c for c in nb.cells if c.cell_type == "code"]
        assert "parameters" in premieres[0].metadata.get("tags", []), f"{chemin.name} : 1re cellule non « parameters »"
        params = pm.inspect_notebook(str(chemin))
        # Le carnet de conception (note de cadrage) prend un projet, les carnets des domaines un pilote.
        assert ("dossier_projet" if chemin.name == "plan.ipynb" else "dossier_pilote") in params


def test_makefile_aide_par_defaut():
    r = subprocess.run(["make", "-s", "-C", str(RACINE)], capture_output=True, text=True)
    assert r.returncode == 0
    for cible in ("rapports", "test", "lab", "nettoyer"):
        assert f"make {cible}" in r.stdout


def test_readme_et_ci():
    readme = (RACINE / "README.md").read_text(encoding="utf-8")
    assert "make rapports" in readme and "make test" in readme
    assert "make test" in (RACINE / ".ci" / "run").read_text(encoding="utf-8")


def test_imports_d_un_carnet_sans_grammaire_rfc3987():
    """Les imports d'un carnet ne construisent pas la grammaire Lark de rfc3987_syntax.

    jsonschema l'importe dès qu'elle est installée (Jupyter la tire) : 2 s de CPU par noyau,
    pour le format « iri » qu'aucun de nos schémas n'utilise (voir eprouvette._imports). Le
    format « date », lui, reste vérifié.
    """
    code = (
        "import sys\n"
        "from eprouvette.analyse import analyser_pilote\n"
        "from eprouvette.presentation import figures, sections\n"
        "from eprouvette import _imports, pilote\n"
        "_imports.frictionless()\n"
        "import nbformat, papermill\n"
        "print('rfc3987_syntax' in sys.modules, 'lark' in sys.modules)\n"
        "print('date' in pilote._validateur().format_checker.checkers)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=RACINE)
    assert r.returncode == 0, r.stderr
    lignes = r.stdout.split("\n")
    assert lignes[0] == "False False", r.stdout
    assert lignes[1] == "True", r.stdout


def test_version_du_code_n_ecrit_pas_dans_le_depot():
    """La provenance lance ``git status`` ; il ne doit pas réécrire l'index du dépôt (ni
    ``index.lock``) même quand un fichier suivi a changé de date : une construction ne modifie rien
    du dépôt."""
    import os
    import shutil

    import pytest

    from eprouvette import provenance

    if shutil.which("git") is None:
        pytest.skip("git absent")
    sortie = subprocess.run(["git", "-C", str(config.RACINE), "rev-parse", "--absolute-git-dir"],
                            capture_output=True, text=True)
    if sortie.returncode != 0:
        pytest.skip("pas un dépôt git")
    index = os.path.join(sortie.stdout.strip(), "index")
    if not os.path.exists(index):
        pytest.skip("dépôt sans index")
    suivi = config.RACINE / "README.md"
    avant_suivi = os.stat(suivi)
    avant = os.stat(index).st_mtime_ns
    try:
        # Nouvelle date sur un fichier suivi : un « git status » ordinaire rafraîchirait l'index.
        os.utime(suivi, ns=(avant_suivi.st_atime_ns, avant_suivi.st_mtime_ns + 1_000_000_000))
        provenance.version_du_code()
        assert os.stat(index).st_mtime_ns == avant
    finally:
        os.utime(suivi, ns=(avant_suivi.st_atime_ns, avant_suivi.st_mtime_ns))
