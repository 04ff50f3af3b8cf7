"""Le pilote d'exemple avec période « après » (eau-recherche-fuites-grandsoissons) : −30 % des fuites
pendant l'accompagnement d'un prestataire, −15 % une fois son contrat fini. L'analyse retrouve les deux
effets vrais, dit que l'effet s'estompe, et le verdict écrit dans verite.yaml (« ajuster », règle
non_durable) est celui de la grille, dit dès le premier écran du rapport."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from eprouvette import config

EXEMPLE = config.PILOTES / "eau-recherche-fuites-grandsoissons"

pytestmark = pytest.mark.lent


@pytest.fixture(scope="module")
def analyse():
    from eprouvette.analyse import analyser_pilote

    return analyser_pilote(EXEMPLE)


@pytest.fixture(scope="module")
def verite():
    return yaml.safe_load((EXEMPLE / "verite.yaml").read_text(encoding="utf-8"))


def test_fiche_conforme_et_periode_apres_declaree():
    schema = json.loads((config.SCHEMAS / "pilote.schema.json").read_text(encoding="utf-8"))
    fiche = yaml.safe_load((EXEMPLE / "pilote.yaml").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(fiche)
    assert fiche["porteur"]["codes_insee"] == ["02722"]  # Soissons (Aisne), siège de GrandSoissons Agglomération
    assert fiche["periodes"]["apres"] == {"debut": "2025-04-01", "fin": "2026-03-31", "motif": "fin_accompagnement"}
    assert [s["role"] for s in fiche["sites"]].count("temoin") == 3


def test_verdict_et_regle_de_la_verite(analyse, verite):
    reco = analyse.recommandation
    assert (reco.verdict, reco.regle) == (verite["verdict_attendu"], verite["regle_attendue"]) == ("ajuster", "non_durable")
    # Tout le reste de la grille est tenu : c'est la persistance seule qui empêche « généraliser ».
    tenus = {c.nom: c.tenu for c in reco.criteres}
    assert tenus.pop("persistance") is False
    assert all(tenus.values()), tenus


def test_effet_pendant_retrouve(analyse, verite):
    r, vrai = analyse.resultat, verite["effet_vrai"]
    assert r.significatif and r.ic_bas <= vrai["effet_m3_jour"] <= r.ic_haut
    assert r.ic_relatif_bas <= vrai["effet_relatif"] <= r.ic_relatif_haut
    # L'évaluation principale ne voit que la référence et l'expérimentation.
    assert analyse.mesures["date"].max().strftime("%Y-%m-%d") == "2025-03-31"


def test_persistance_retrouve_les_deux_effets_et_le_constat(analyse, verite):
    p, vrai = analyse.persistance, verite["effet_vrai_debit_nocturne_m3h"]
    assert p.constat == verite["persistance_attendue"] == "s_estompe"
    assert p.pendant.ic_bas <= vrai["pendant"] <= p.pendant.ic_haut
    assert p.apres.ic_bas <= vrai["apres"] <= p.apres.ic_haut
    assert p.apres.etabli and p.difference.ic_bas > 0  # encore là, mais nettement plus faible
    assert p.phrase.startswith("L'effet s'estompe après la fin de l'accompagnement")
    d = analyse.resultats_json()
    assert d["persistance"]["constat"] == "s_estompe" and d["regle_verdict"] == "non_durable"


def test_premier_ecran_le_dit_en_francais_simple(analyse):
    from eprouvette.francais import echapper
    from eprouvette.presentation import sections

    html = str(sections.essentiel(analyse))
    assert "Ajuster puis réévaluer" in html
    assert echapper("il s'estompe après la fin de l'accompagnement : tel quel, il ne dure pas") in html
    assert echapper("L'effet est établi pendant l'expérimentation, nettement plus faible ensuite") in html
