"""Un carnet bloqué ne bloque pas le lot : délai maximal par cellule (EPROUVETTE_DELAI_CELLULE).

Le carnet de l'eau est copié dans un dossier de carnets temporaire avec une cellule qui dort
bien plus longtemps que le délai ; le pilote d'eau échoue avec un message français qui dit le
délai et comment le régler, le pilote de mobilité est construit, et le lot se termine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from eprouvette import config

pytestmark = pytest.mark.lent

EAU = "eau-alertes-ia-douai"
MOBILITE = "mobilite-feux-bus-amiens"
#: Le délai par cellule du lot essayé (le test l'attend une fois : la cellule qui dort). La plus longue cellule de ces
#: deux carnets dure moins de 1,5 s sur une machine calme ; sur une machine chargée (charge 7 sur 2 cœurs), les deux
#: rapports ont été construits en 19 et 26 s en tout sous un délai de 10 s : 15 s laissent de la marge.
DELAI_S = 15


def test_cellule_trop_longue_arretee_les_autres_construits(tmp_path):
    for ident in (EAU, MOBILITE):
        if not (config.PILOTES / ident / "pilote.yaml").is_file():
            pytest.skip(f"pilote d'exemple absent : {ident}")
    carnets = tmp_path / "notebooks"
    shutil.copytree(config.NOTEBOOKS, carnets, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    nb = nbformat.read(carnets / "eau.ipynb", as_version=4)
    i = next(k for k, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", []))
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell("import time\ntime.sleep(900)"))
    nbformat.write(nb, carnets / "eau.ipynb")

    pilotes = tmp_path / "pilotes"
    for ident in (EAU, MOBILITE):
        shutil.copytree(config.PILOTES / ident, pilotes / ident)
    rapports = tmp_path / "rapports"
    env = dict(os.environ, EPROUVETTE_PILOTES=str(pilotes), EPROUVETTE_RAPPORTS=str(rapports),
               EPROUVETTE_NOTEBOOKS=str(carnets), EPROUVETTE_DELAI_CELLULE=str(DELAI_S))
    debut = time.monotonic()
    fin = subprocess.run([sys.executable, "-m", "eprouvette.rapports"], capture_output=True, text=True,
                         env=env, cwd=config.RACINE, timeout=300)
    assert time.monotonic() - debut < 280, "le délai par cellule n'a pas arrêté le carnet"
    assert fin.returncode == 1, fin.stdout + fin.stderr
    index = json.loads((rapports / "index.json").read_text(encoding="utf-8"))
    etats = {e["identifiant"]: e for e in index}
    assert etats, index
    assert etats[MOBILITE]["statut"] == "reussi", etats[MOBILITE].get("message")
    assert (rapports / f"{MOBILITE}.html").is_file()
    assert etats[EAU]["statut"] == "echec"
    assert etats[EAU]["message"].startswith(
        f"Le carnet a dépassé le délai de {DELAI_S} s pour une seule cellule : la construction de ce pilote "
        "est arrêtée, les autres continuent.")
    assert "EPROUVETTE_DELAI_CELLULE" in etats[EAU]["message"]
    assert not (rapports / f"{EAU}.html").exists()
    assert "Traceback" not in fin.stdout + fin.stderr
