"""Taille du carnet exécuté d'un pilote « eau », construit par le vrai lanceur (issue #8).

Le carnet exécuté (``rapports/carnets/<id>.ipynb``, gardé pour l'audit et rouvert dans
JupyterLab) doit rester sous 500 ko : chaque figure plotly n'y est stockée qu'une fois (type
MIME plotly), le rapport HTML en refait le ``<div>`` + ``Plotly.newPlot`` à partir de ce JSON,
et les blocs HTML n'y gardent qu'un court résumé ``text/plain``.

Le pilote d'exemple « eau » le plus lourd (eau-alertes-ia-douai : six figures dont une carte)
est examiné en détail ; la taille est vérifiée sur les neuf. Tous sont construits une fois par
session (fixture ``portefeuille`` de ``conftest.py``), sur une copie, par le vrai lanceur.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from eprouvette import config
from eprouvette.presentation import blocs, figures

pytestmark = pytest.mark.lent

PILOTE = "eau-alertes-ia-douai"
MIME_PLOTLY = "application/vnd.plotly.v1+json"
#: Objectifs de l'issue #8.
CARNET_MAX = 500_000
RAPPORT_MAX = 6_000_000


def _lire(rapports: Path, identifiant: str) -> dict:
    carnet = rapports / "carnets" / f"{identifiant}.ipynb"
    html = rapports / f"{identifiant}.html"
    return {"carnet": carnet, "html": html, "nb": nbformat.read(carnet, as_version=4),
            "page": html.read_text(encoding="utf-8")}


@pytest.fixture(scope="module")
def construits(portefeuille):
    """Les pilotes d'exemple construits une fois pour la session (fixture de conftest.py)."""
    r = portefeuille["sortie"]
    assert r.returncode == 0, r.stdout + r.stderr
    return {d.name: _lire(portefeuille["rapports"], d.name) for d in portefeuille["exemples"]}


@pytest.fixture(scope="module")
def construit(construits):
    if PILOTE not in construits:
        pytest.skip(f"pilote d'exemple {PILOTE} absent de {config.PILOTES}")
    return construits[PILOTE]


def _sorties(nb) -> list:
    return [o for c in nb.cells if c.get("cell_type") == "code" for o in c.get("outputs", [])]


def _figures_du_rapport(page: str) -> list[dict]:
    """Les arguments (données, mise en page, configuration) de chaque ``Plotly.newPlot`` de la page."""
    lecteur = json.JSONDecoder()
    trouvees = []
    for m in re.finditer(r"Plotly\.newPlot\(\s*", page):
        pos, args = m.end(), []
        for _ in range(4):  # identifiant, données, mise en page, configuration
            valeur, pos = lecteur.raw_decode(page, pos)
            args.append(valeur)
            pos = re.compile(r"\s*,?\s*").match(page, pos).end()
        trouvees.append({"data": args[1], "layout": args[2], "config": args[3]})
    return trouvees


def test_carnets_executes_sous_500_ko(construits):
    """Chaque pilote d'exemple : carnet exécuté < 500 ko, rapport < 6 Mo, figures stockées une fois."""
    for identifiant, c in construits.items():
        taille = c["carnet"].stat().st_size
        assert taille < CARNET_MAX, f"{identifiant} : carnet exécuté de {taille / 1e3:.0f} ko (objectif : < 500 ko)"
        assert c["html"].stat().st_size < RAPPORT_MAX, identifiant
        for o in _sorties(c["nb"]):
            if MIME_PLOTLY in o.get("data", {}):
                assert set(o["data"]) == {MIME_PLOTLY}, (identifiant, sorted(o["data"]))


def test_chaque_figure_stockee_une_seule_fois(construit):
    sorties_figure = [o for o in _sorties(construit["nb"]) if MIME_PLOTLY in o.get("data", {})]
    assert len(sorties_figure) >= 5  # séries, effet, carte… : le test a de quoi mordre
    for o in sorties_figure:
        assert set(o["data"]) == {MIME_PLOTLY}, sorted(o["data"])
        assert o["metadata"][blocs.CLE_METADONNEES]["alternative"]
    texte = construit["carnet"].read_text(encoding="utf-8")
    assert "Plotly.newPlot" not in texte and "plotly-graph-div" not in texte
    assert "plotly.js v" not in texte


def test_rapport_dessine_les_figures_stockees(construit):
    """Une figure du rapport par figure du carnet, dans l'ordre, tracée à partir du même JSON."""
    stockees = [o["data"][MIME_PLOTLY] for o in _sorties(construit["nb"]) if MIME_PLOTLY in o.get("data", {})]
    dessinees = _figures_du_rapport(construit["page"])
    assert len(dessinees) == len(stockees)
    for stockee, dessinee in zip(stockees, dessinees):
        assert dessinee["data"] == stockee["data"]
        assert dessinee["layout"] == stockee["layout"]
        # Dans le rapport, la figure n'a pas de barre d'outils (cadre accessible, un seul arrêt au clavier),
        # ni la définition de la locale fr que le carnet porte pour JupyterLab (la page la déclare une fois).
        assert stockee["config"]["locales"]["fr"] == figures.LOCALE_FR
        assert dessinee["config"] == {**figures.CONFIG,
                                      **{k: v for k, v in stockee["config"].items() if k != "locales"},
                                      **blocs.FIGURE_SANS_COMMANDES}
    # Chaque figure d'un graphique() garde son cadre accessible (alternative textuelle).
    assert construit["page"].count('role="img"') >= len(stockees)


def test_blocs_sans_copie_du_html_en_texte_brut(construit):
    for o in _sorties(construit["nb"]):
        donnees = o.get("data", {})
        if "text/html" in donnees and "text/plain" in donnees:
            texte = donnees["text/plain"]
            assert len(texte) <= blocs.LONGUEUR_RESUME, texte[:80]
            assert "<div" not in texte and "<table" not in texte, texte[:80]
