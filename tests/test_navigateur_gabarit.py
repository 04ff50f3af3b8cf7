"""Le rapport de test ouvert dans Chromium : figures dessinées, rien sur le réseau, mois en français."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from navigateur import exiger_chromium, niveaux_sautes, verifier_page
from test_html import TITRE, TRACES_ATTENDUES, rapport_de_test

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
    res = verifier_page(page, types_traces_attendus=TRACES_ATTENDUES, capture=capture)
    res["capture"] = capture
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
