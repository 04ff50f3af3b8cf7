"""Chaque carnet de domaine s'exécute de bout en bout avec ses paramètres par défaut, comme un
analyste qui l'ouvre dans JupyterLab et lance « Run All » (sans passer par le lanceur), et cela
depuis n'importe quel dossier de travail : ici un dossier temporaire hors du dépôt (issue #16 :
« dossier du pilote introuvable » depuis la racine du dépôt quand le défaut était un chemin relatif)."""

from __future__ import annotations

import papermill as pm
import pytest

from eprouvette import config
from eprouvette.domaines import registre
from eprouvette.pilote import dossier_du_pilote

pytestmark = pytest.mark.lent


@pytest.mark.parametrize("nom", sorted(d.carnet for d in registre().values()))
def test_carnet_avec_ses_parametres_par_defaut(nom, tmp_path):
    carnet = config.NOTEBOOKS / nom
    assert carnet.exists(), f"carnet manquant : {nom}"
    defaut = pm.inspect_notebook(str(carnet))["dossier_pilote"]["default"].strip("\"'")
    assert (dossier_du_pilote(defaut) / "pilote.yaml").exists(), f"{nom} : pilote par défaut introuvable ({defaut})"
    ailleurs = tmp_path / "dossier-de-travail"
    ailleurs.mkdir()
    nb = pm.execute_notebook(str(carnet), str(tmp_path / nom), kernel_name="python3", progress_bar=False,
                             cwd=str(ailleurs), request_save_on_cell_execute=False)
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    # Ce qui a été lu du dossier, pour l'analyste (comme make verifier) : une fois, replié, marqué hors rapport.
    from eprouvette.presentation import blocs

    cadres = [o for c in nb.cells for o in c.get("outputs", [])
              if blocs.est_sortie_hors_rapport(o) and not blocs.est_sortie_styles(o)]
    assert len(cadres) == 1
    html = cadres[0]["data"]["text/html"]
    assert html.startswith('<details class="ep-analyste">') and "Dossier du pilote lu sans erreur" in html
    assert "Sites :" in html and "Indicateurs :" in html and "Périodes :" in html
    # Mince : le carnet appelle la bibliothèque ; aucune cellule de code ne dépasse quelques lignes.
    for cellule in nb.cells:
        if cellule.cell_type == "code":
            assert len(cellule.source.splitlines()) <= 12, cellule.source
