"""Un paramètre que le carnet ne déclare pas est refusé avec un message clair (papermill, lui,
ne ferait qu'un avertissement et exécuterait le carnet avec ses valeurs par défaut)."""

from __future__ import annotations

import shutil

import nbformat

from eprouvette import config
from eprouvette.rapports import executer

EXEMPLE = "energie-gtb-ecoles-saint-quentin"


def test_parametre_inconnu_refuse(tmp_path, monkeypatch):
    carnets = tmp_path / "notebooks"
    carnets.mkdir()
    nb = nbformat.read(config.NOTEBOOKS / "energie.ipynb", as_version=4)
    premiere = next(c for c in nb.cells if c.cell_type == "code")
    premiere.source = 'pilote = "../donnees/pilotes/autre"'  # le carnet attend « pilote », pas « dossier_pilote »
    nbformat.write(nb, carnets / "energie.ipynb")
    pilotes = tmp_path / "pilotes"
    shutil.copytree(config.PILOTES / EXEMPLE, pilotes / EXEMPLE)
    monkeypatch.setattr(config, "NOTEBOOKS", carnets)
    monkeypatch.setattr(config, "RAPPORTS", tmp_path / "rapports")

    etat = executer.construire_rapport(str(pilotes / EXEMPLE), "empreinte")
    assert etat["statut"] == "echec"
    assert etat["message"] == (
        f"{carnets / 'energie.ipynb'} : paramètre inconnu dossier_pilote ; le carnet accepte : pilote."
    )
    assert not (tmp_path / "rapports" / f"{EXEMPLE}.html").exists()
