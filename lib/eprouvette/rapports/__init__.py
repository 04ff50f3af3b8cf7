"""Construction des rapports : exécution des carnets, conversion HTML, page d'accueil.

Dans un carnet, :func:`publier_resultats` transmet au lanceur les résultats lisibles par une
machine (écrits dans ``rapports/<id>.json``) ; la sortie est invisible dans le rapport.
"""

from __future__ import annotations

import json

MIME_RESULTATS = "application/vnd.eprouvette.resultats+json"


def publier_resultats(resultats: dict) -> None:
    """Publie les résultats du pilote pour le lanceur (sortie invisible dans le rapport HTML)."""
    from IPython.display import display

    from ..methodes.base import _nettoyer_json

    propre = json.loads(json.dumps(_nettoyer_json(resultats), ensure_ascii=False, default=str))
    display({MIME_RESULTATS: propre}, raw=True)


def retirer_sorties(nb, mime: str) -> list[tuple[int, object]]:
    """Retire du carnet exécuté ``nb`` les sorties de type ``mime`` (invisibles dans le rapport) ;
    renvoie ``(rang de la cellule, valeur)`` de chacune, dans l'ordre du carnet."""
    retirees = []
    for rang, cellule in enumerate(nb.cells):
        if cellule.get("cell_type") != "code":
            continue
        gardees = []
        for sortie in cellule.get("outputs", []):
            donnees = sortie.get("data", {}) if isinstance(sortie, dict) else {}
            if mime in donnees:
                retirees.append((rang, donnees[mime]))
            else:
                gardees.append(sortie)
        cellule["outputs"] = gardees
    return retirees
