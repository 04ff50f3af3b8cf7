"""Les notes de cadrage et la vue de l'appel, construites par le vrai lanceur (papermill, conversion) et
ouvertes dans Chromium : mêmes contrôles que les rapports (console, réseau, graphique dessiné et ses
types de traces, titres, axe-core), bandeau « Données simulées », rien d'écrit sous donnees/."""

from __future__ import annotations

import json
import re

import pytest

from eprouvette import config
from eprouvette.rapports import cadrage as lanceur
from navigateur import AXE_JS, exiger_chromium, verifier_page

pytestmark = [pytest.mark.lent]

PROJETS = ("projet-eau-fuites-lens", "projet-mobilite-velo-bethune")


def _contenu_donnees() -> dict:
    return {str(p): p.stat().st_mtime_ns for p in config.DONNEES.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    sortie = tmp_path_factory.mktemp("rapports")
    avant = _contenu_donnees()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "RAPPORTS", sortie)
        etats = [lanceur.construire_note(str(config.PROJETS / p), "test", simulations=10) for p in PROJETS]
        pages = lanceur.ecrire_vues_appels(etats)
        liens = lanceur.liens_du_portefeuille()
    assert _contenu_donnees() == avant, "la construction a écrit sous donnees/"
    # Le portefeuille relie la vue de l'appel et chaque note.
    assert liens == [("Appel à manifestation d'intérêt « Tube à essai » 2027", "appel-ami-tube-a-essai-2027.html",
                      [(e["resultats"]["titre"], f"cadrage-{e['identifiant']}.html") for e in etats])]
    return sortie, etats, pages


def test_notes_construites_avec_leurs_chiffres(notes):
    sortie, etats, pages = notes
    assert [e["statut"] for e in etats] == ["reussi", "reussi"], [e.get("message") for e in etats]
    eau = json.loads((sortie / "cadrage-projet-eau-fuites-lens.json").read_text(encoding="utf-8"))
    assert eau["methode"] == "doubles_differences" and eau["temoins_retenus"] == ["secteur-tem-1", "secteur-tem-2",
                                                                                  "secteur-tem-3"]
    velo = json.loads((sortie / "cadrage-projet-mobilite-velo-bethune.json").read_text(encoding="utf-8"))
    assert velo["methode"] == "serie_interrompue" and velo["niveau_preuve"]["niveau"] == 2
    html = (sortie / "cadrage-projet-eau-fuites-lens.html").read_text(encoding="utf-8")
    assert "Données simulées" in html and "Diagnostic du plan" in html
    appel = pages[0].read_text(encoding="utf-8")
    assert pages[0].name == "appel-ami-tube-a-essai-2027.html"
    for e in etats:  # chaque projet dans la vue de l'appel, avec le lien vers sa note
        assert f'href="cadrage-{e["identifiant"]}.html"' in appel
    assert re.search(r"42\s000\s€", appel) and re.search(r"19\s000\s€", appel)


@pytest.mark.navigateur
@pytest.mark.parametrize("page", [f"cadrage-{p}.html" for p in PROJETS] + ["appel-ami-tube-a-essai-2027.html"])
def test_page_saine_dans_le_navigateur(notes, page):
    exiger_chromium()
    sortie, _, _ = notes
    attendus = [] if page.startswith("appel-") else [["bar"]]
    r = verifier_page(sortie / page, types_traces_attendus=attendus, largeur=1366, hauteur=768,
                      axe=AXE_JS.is_file())
    assert r["problemes"] == [], r["problemes"]
    assert r["langue"] == "fr" and r["requetes_reseau"] == []
