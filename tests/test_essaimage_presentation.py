"""Section « Essaimage » du rapport : candidats, carte hors ligne, projection, transférabilité."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest

from eprouvette import config, essaimage
from eprouvette.presentation import blocs
from eprouvette.presentation.essaimage import figure_carte, section_essaimage

SAINT_QUENTIN = "02691"


def _analyse(codes=(SAINT_QUENTIN,), type_porteur="commune", quantite=115_000.0, bas=77_000.0, haut=153_000.0):
    """Une analyse minimale (seuls les champs lus par l'essaimage)."""
    pilote = SimpleNamespace(
        identifiant="essai", domaine="energie",
        porteur=SimpleNamespace(nom="Ville", type=type_porteur, codes_insee=tuple(codes)),
        couts=SimpleNamespace(investissement_eur=90_000.0, fonctionnement_annuel_eur=3_600.0),
    )
    ea = SimpleNamespace(quantite=quantite, unite="kWh", ic_bas=bas, ic_haut=haut)
    resultat = SimpleNamespace(effet=-1.0, ic_bas=-2.0, ic_haut=-0.5, unite="kWh")
    return SimpleNamespace(pilote=pilote, economie_annuelle=ea, resultat=resultat)


def test_points_du_referentiel():
    pts = essaimage.points_communes()
    assert pts["code_insee"].is_unique
    assert len(pts) > 1000
    # Boîte de la région Hauts-de-France
    assert pts["latitude"].between(48.8, 51.2).all() and pts["longitude"].between(1.3, 4.3).all()
    lille = pts.set_index("code_insee").loc["59350"]
    assert abs(lille["latitude"] - 50.63) < 0.05 and abs(lille["longitude"] - 3.06) < 0.05


def test_point_epci_est_dans_l_enveloppe_de_ses_communes():
    from eprouvette import referentiel

    siren = referentiel.commune(SAINT_QUENTIN)["siren_epci"]
    point = essaimage.localiser([siren], "epci").iloc[0]
    membres = referentiel.charger_communes()
    membres = membres[membres["siren_epci"] == siren].merge(essaimage.points_communes(), on="code_insee")
    assert membres["latitude"].min() <= point["latitude"] <= membres["latitude"].max()
    assert membres["longitude"].min() <= point["longitude"] <= membres["longitude"].max()


def test_transferabilite_suit_le_seuil():
    a = _analyse()
    n = len(essaimage.candidats([SAINT_QUENTIN], "energie", bande=3.0))
    tenu, texte = essaimage.evaluer_transferabilite(a, seuil=n)
    assert tenu is True and f"{n} communes" in texte
    tenu, _ = essaimage.evaluer_transferabilite(a, seuil=n + 1)
    assert tenu is False


def test_transferabilite_lille_peu_de_communes_comparables():
    # Lille (≈ 238 000 hab.) : seules Amiens, Tourcoing, Roubaix et Dunkerque sont entre le tiers
    # (79 415 hab.) et le triple.
    tenu, texte = essaimage.evaluer_transferabilite(_analyse(codes=("59350",)), seuil=5)
    assert tenu is False
    assert texte.startswith("4 communes")


def test_transferabilite_non_evaluee_sans_code():
    tenu, texte = essaimage.evaluer_transferabilite(_analyse(codes=()))
    assert tenu is None and "pas été évaluée" in texte


def test_seuil_lu_dans_la_grille(tmp_path):
    assert essaimage.seuil_candidats_similaires() >= 1
    f = tmp_path / "grille.yaml"
    f.write_text("seuils:\n  candidats_similaires_min: 0\n", encoding="utf-8")
    with pytest.raises(Exception, match="candidats_similaires_min"):
        essaimage.seuil_candidats_similaires(f)


def test_section_contenu_et_projection():
    a = _analyse()
    sortie = section_essaimage(a, nombre=10)
    html = "".join(str(b) for b in sortie)
    graphiques = [b for b in sortie if isinstance(b, blocs.BlocGraphique)]
    assert len(graphiques) == 1
    assert "Carte des territoires candidats" in html and "<h3" in html
    res = essaimage.projeter_analyse(a, nombre=10)
    # Candidats du tableau = les 10 premiers de candidats()
    attendus = essaimage.candidats([SAINT_QUENTIN], "energie").head(10)["nom"]
    for nom in attendus:
        assert nom.replace("'", "&#x27;") in html
    # Projection : effet par habitant × population totale des candidats (en MWh dans le texte)
    pop = float(attendus.pipe(lambda s: essaimage.candidats([SAINT_QUENTIN], "energie").head(10)["population"].sum()))
    assert res.effet_total == pytest.approx(115_000.0 / 52_813 * pop, rel=1e-6)
    assert res.ic_bas_total < res.effet_total < res.ic_haut_total
    assert "serait le même par habitant" in html
    assert "intervalle à 95" in html


def test_carte_traces_et_porteur():
    a = _analyse()
    res = essaimage.projeter_analyse(a, nombre=10)
    fig, donnees = figure_carte(res, [SAINT_QUENTIN])
    assert [t.type for t in fig.data] == ["scattergeo"] * 3
    assert fig.layout.geo.fitbounds == "locations"
    porteur = fig.data[2]
    assert porteur.lat[0] == pytest.approx(49.85, abs=0.05)
    assert (donnees["Rôle"] == "candidat").sum() == 10


# --------------------------------------------------------------------------------------------
# Dans Chromium : la carte se dessine hors ligne grâce au fond vide déclaré par le gabarit
# --------------------------------------------------------------------------------------------

def _page(sortie: list) -> str:
    from eprouvette.rapports.html import convertir_en_html

    nb = nbformat.v4.new_notebook()
    cellule = nbformat.v4.new_code_cell("section_essaimage(analyse)")
    cellule.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": str(b)}) for b in sortie
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("## Essaimage"), cellule]
    return convertir_en_html(nb, "Essai de carte hors ligne")


@pytest.mark.navigateur
@pytest.mark.lent
def test_carte_hors_ligne_dans_chromium(tmp_path):
    from navigateur import exiger_chromium, verifier_page

    exiger_chromium()
    page = tmp_path / "carte.html"
    texte = _page(section_essaimage(_analyse()))
    from eprouvette.presentation import paquet_plotly

    # Le fond de carte hors ligne est déclaré avant plotly.js (compressé, une fois par page).
    assert texte.index("PlotlyGeoAssets") < texte.index(f'id="{paquet_plotly.ID_DONNEES}"')
    page.write_text(texte, encoding="utf-8")
    res = verifier_page(page, types_traces_attendus=[["scattergeo"] * 3])
    assert res["problemes"] == []
    assert res["requetes_reseau"] == []
    assert res["graphiques"][0]["a_svg"]


def test_projection_d_un_effet_non_etabli_le_dit():
    etabli = "".join(str(b) for b in section_essaimage(_analyse(), nombre=10))
    assert "cette projection n'est qu'un ordre de grandeur" not in etabli
    non_etabli = "".join(str(b) for b in section_essaimage(_analyse(bas=-20_000.0, haut=150_000.0), nombre=10))
    assert "L'effet du pilote n'étant pas établi" in non_etabli.replace("&#x27;", "'")
