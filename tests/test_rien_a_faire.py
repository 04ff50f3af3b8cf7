"""`make rapports` sans changement : rien n'est relu ni importé de lourd (ticket #19, cible ≤ 0,3 s).

Non chronométré (la machine de test est partagée) : on vérifie ce qui fait la durée, c'est-à-dire que
le chemin « rien à faire » n'importe ni pandas, ni numpy, ni jsonschema, ni les domaines, ni la fiche
des pilotes, et que la mémoire des condensés (``rapports/.etat/condenses``) voit un fichier changé même
quand sa taille et sa date de modification ont été remises comme avant.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eprouvette import config
from eprouvette.rapports import cadrage, etat

#: Modules qu'un `make rapports` sans changement ne doit pas importer.
LOURDS = ("pandas", "numpy", "scipy", "jsonschema", "yaml", "eprouvette.pilote", "eprouvette.domaines",
          "eprouvette.conception", "nbformat", "papermill")

_SCRIPT = (
    "import json, sys\n"
    "from eprouvette.rapports.__main__ import main\n"
    "code = main([])\n"
    f"print(json.dumps({{'code': code, 'importes': [m for m in {LOURDS!r} if m in sys.modules]}}))\n"
)


def _sans_changement(env: dict) -> tuple[str, dict]:
    r = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env,
                       cwd=config.RACINE, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    sortie, _, derniere = r.stdout.rstrip("\n").rpartition("\n")
    return sortie, json.loads(derniere)


@pytest.mark.lent
def test_sans_changement_rien_de_lourd_n_est_importe(portefeuille, tmp_path):
    """Sur une copie du portefeuille construit : le premier passage relit les fichiers (chemins nouveaux),
    le second ne relit rien et n'importe rien de lourd ; les sorties ne bougent pas."""
    pilotes, rapports, projets = tmp_path / "pilotes", tmp_path / "rapports", tmp_path / "projets"
    shutil.copytree(portefeuille["rapports"].parent / "pilotes", pilotes)
    shutil.copytree(portefeuille["rapports"], rapports)
    projets.mkdir()  # sans projet (le portefeuille de test n'a pas de note de cadrage) ; la liste des
    # projets est lue sans importer conception : voir test_liste_des_projets_identique_a_conception
    env = dict(os.environ, EPROUVETTE_PILOTES=str(pilotes), EPROUVETTE_RAPPORTS=str(rapports),
               EPROUVETTE_PROJETS=str(projets))
    index = rapports / "index.html"
    date_index = index.stat().st_mtime_ns
    time.sleep(1.1)  # les fichiers copiés à l'instant ne sont gardés en mémoire qu'une seconde après
    sortie, premier = _sans_changement(env)
    assert "rien à reconstruire" in sortie, sortie
    assert premier["code"] == 0
    assert (rapports / ".etat" / "condenses").is_file()
    sortie, second = _sans_changement(env)
    assert "rien à reconstruire" in sortie, sortie
    assert second == {"code": 0, "importes": []}
    assert index.stat().st_mtime_ns == date_index


def test_liste_des_projets_identique_a_conception():
    from eprouvette.conception import lister_projets

    assert cadrage._lister_projets() == lister_projets()
    assert cadrage._lister_projets() != []


def test_memoire_voit_un_contenu_change_meme_taille_meme_date(tmp_path, monkeypatch):
    monkeypatch.setattr(etat, "_RECENT_NS", 0)
    f = tmp_path / "a.csv"
    f.write_bytes(b"1;2\n")
    avant = os.stat(f)
    m = etat.Memoire(tmp_path / "condenses")
    import hashlib

    assert m.condenser(f) == hashlib.sha256(b"1;2\n").digest()
    assert str(f) in m.fichiers
    m.enregistrer()
    time.sleep(0.05)
    f.write_bytes(b"1;3\n")  # même taille
    os.utime(f, ns=(avant.st_atime_ns, avant.st_mtime_ns))  # même date de modification
    relue = etat.Memoire(tmp_path / "condenses")
    assert relue.fichiers[str(f)][-1] == hashlib.sha256(b"1;2\n").hexdigest()
    assert relue.condenser(f) == hashlib.sha256(b"1;3\n").digest()


def test_memoire_recent_non_garde(tmp_path):
    """Un fichier modifié à l'instant n'est pas gardé : une écriture dans le même instant ne changerait pas
    sa signature."""
    f = tmp_path / "a.csv"
    f.write_bytes(b"x")
    m = etat.Memoire(None)
    m.condenser(f)
    assert m.fichiers == {}


def test_carnet_garde_puis_relu_si_le_dossier_change(tmp_path):
    dossier = tmp_path / "p"
    dossier.mkdir()
    (dossier / "pilote.yaml").write_text("domaine: eau\n", encoding="utf-8")
    lus: list[Path] = []

    def lire(d):
        lus.append(d)
        return Path("/carnets/eau.ipynb")

    m = etat.Memoire(None)
    assert m.carnet(dossier, "b", lire) == Path("/carnets/eau.ipynb")
    assert m.carnet(dossier, "b", lire) == Path("/carnets/eau.ipynb")
    assert len(lus) == 1
    m.carnet(dossier, "autre bibliothèque", lire)
    assert len(lus) == 2
    (dossier / "pilote.yaml").write_text("domaine: energie\n", encoding="utf-8")
    m.carnet(dossier, "b", lire)
    assert len(lus) == 3
