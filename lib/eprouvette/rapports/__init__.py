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
