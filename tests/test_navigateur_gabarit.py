"""Le rapport de test ouvert dans Chromium : figures dessinées, rien sur le réseau, mois en français,
aucune violation axe-core, un message à la place de chaque graphique sans JavaScript, plotly.js
réduit quand le carnet n'a que ses types de traces (complet sinon : l'histogramme du carnet de test)."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

from eprouvette.rapports import html as rapports_html
from navigateur import (AXE_JS, exiger_axe, exiger_chromium, exiger_paquet_reduit, niveaux_sautes,
                        verifier_page, verifier_sans_javascript)
from test_html import TITRE, TRACES_ATTENDUES, carnet_execute, rapport_de_test

pytestmark = [pytest.mark.navigateur, pytest.mark.lent]


@pytest.fixture(scope="module")
def resultat(tmp_path_factory):
    exiger_chromium()
    dossier = tmp_path_factory.mktemp("rapport")
    page = dossier / "rapport-test.html"
    page.write_text(rapport_de_test(), encoding="utf-8")
    # Capture du premier écran, gardée pour relecture humaine si EPROUVETTE_CAPTURES est défini.
    captures = os.environ.get("EPROUVETTE_CAPTURES")
    capture = Path(captures) / "gabarit-premier-ecran.png" if captures else dossier / "ecran.png"
    res = verifier_page(page, types_traces_attendus=TRACES_ATTENDUES, capture=capture, axe=AXE_JS.is_file())
    res["capture"] = capture
    return res


@pytest.fixture(scope="module")
def reduit(tmp_path_factory):
    """Le même carnet sans l'histogramme : ses figures n'ont que des traces du plotly.js réduit."""
    exiger_chromium()
    exiger_paquet_reduit()
    nb = copy.deepcopy(carnet_execute())
    nb.cells = [c for c in nb.cells if "px.histogram" not in c.get("source", "")]
    page = tmp_path_factory.mktemp("reduit") / "rapport-reduit.html"
    page.write_text(rapports_html.convertir_en_html(nb, TITRE), encoding="utf-8")
    res = verifier_page(page, types_traces_attendus=TRACES_ATTENDUES[:-1], axe=AXE_JS.is_file())
    res["chemin"] = page
    return res


def test_page_saine(resultat):
    assert resultat["problemes"] == []


def test_aucune_requete_reseau(resultat):
    assert resultat["requetes"], "aucune requête vue : l'écoute ne fonctionne pas"
    assert resultat["requetes_reseau"] == []
    assert all(u.startswith(("file:", "data:", "blob:", "about:")) for u in resultat["requetes"])


def test_figures_dessinees_avec_les_bons_types(resultat):
    assert resultat["plotly_charge"]
    assert [g["types"] for g in resultat["graphiques"]] == TRACES_ATTENDUES
    assert all(g["a_svg"] for g in resultat["graphiques"])


def test_mois_en_francais_sur_l_axe(resultat):
    axe = " ".join(resultat["graphiques"][0]["textes_axe_x"])
    assert "janv." in axe, axe
    assert not any(m in axe for m in ("Jan", "Apr", "Jul", "Oct ")), axe


def test_langue_titre_et_ordre_des_titres(resultat):
    assert resultat["langue"] == "fr"
    assert resultat["titre"] == TITRE
    niveaux = [t["niveau"] for t in resultat["titres"]]
    assert niveaux[0] == 1 and resultat["titres"][1]["texte"] == "L'essentiel"
    assert resultat["niveaux_sautes"] == []


def test_capture_ecrite(resultat):
    capture = resultat["capture"]
    assert capture.is_file() and capture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_detection_des_niveaux_sautes():
    # L'aide elle-même doit savoir voir un saut de niveau.
    titres = [{"niveau": 1, "texte": "a"}, {"niveau": 3, "texte": "b"}, {"niveau": 2, "texte": "c"}]
    assert niveaux_sautes(titres) == ["h3 « b » après h1"]
    assert niveaux_sautes([{"niveau": 2, "texte": "x"}]) == ["h2 « x » après h—"]


def test_plotly_reduit_dessine_chaque_trace_et_allege_la_page(reduit):
    assert reduit["plotly_paquet"] == "reduit"
    assert reduit["problemes"] == []
    assert [g["types"] for g in reduit["graphiques"]] == TRACES_ATTENDUES[:-1]
    assert reduit["chemin"].stat().st_size < 1_000_000


def test_plotly_complet_pour_une_trace_hors_du_paquet_reduit(resultat):
    # L'histogramme n'est pas dans le paquet réduit : il y serait dessiné en nuage de points.
    assert resultat["plotly_paquet"] == "complet"
    assert resultat["graphiques"][-1]["types"] == ["histogram"]


def test_axe_core_aucune_violation(resultat, reduit):
    exiger_axe()
    assert resultat["violations_axe"] == []
    assert reduit["violations_axe"] == []


def test_chaque_graphique_atteint_une_fois_au_clavier(reduit):
    cadres = [g for g in reduit["graphiques"] if g["cadre"]]
    assert len(cadres) == 2 and all(g["arrets_clavier"] == 1 for g in cadres)


def test_le_texte_s_affiche_avant_plotly(reduit):
    # plotly.js est décompressé et évalué après le premier affichage : la page n'attend pas le paquet.
    peinture = reduit["peinture"]["first-contentful-paint"]
    assert peinture < reduit["graphiques_dessines_ms"], reduit["peinture"]


def test_sans_javascript_un_message_a_la_place_de_chaque_graphique(reduit):
    r = verifier_sans_javascript(reduit["chemin"])
    assert r["problemes"] == [], r
    assert r["nb_figures"] == 2 and len(r["messages"]) == 2
    assert all("Voir les données du graphique" in m for m in r["messages"])


def test_sans_decompression_un_message_a_la_place_de_chaque_graphique(reduit):
    # Un navigateur sans DecompressionStream (antérieur à 2023) ne peut pas lire plotly.js compressé.
    r = verifier_sans_javascript(reduit["chemin"], sans_decompression=True)
    assert r["problemes"] == [], r
    assert r["nb_figures"] == 2 and len(r["messages"]) == 2
