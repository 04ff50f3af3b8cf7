"""Générateurs de pilotes simulés : reproductibilité à l'octet, conformité au standard."""

from __future__ import annotations

import json
import sys

import jsonschema
import numpy as np
import pytest
import yaml

from eprouvette import config
from eprouvette.generateurs.commun import ar1, nombre_fr
from eprouvette.generateurs.energie import ParametresEnergie, ecrire_pilote, generer_pilote_energie

EXEMPLE = config.PILOTES / "energie-gtb-ecoles-saint-quentin"
FICHIERS = ["pilote.yaml", "mesures.csv", "meteo.csv", "verite.yaml"]


def test_exemples_regeneres_a_l_identique(tmp_path):
    """Chaque pilote d'exemple versionné est exactement ce que produit son générateur."""
    sys.path.insert(0, str(config.RACINE / "outils"))
    try:
        import generer_exemples
    finally:
        sys.path.pop(0)
    generer_exemples.main(tmp_path)
    generes = sorted(p.name for p in tmp_path.iterdir())
    verses = sorted(p.parent.name for p in config.PILOTES.glob("*/verite.yaml"))
    assert generes == verses
    for nom in generes:
        fichiers = sorted(f.name for f in (tmp_path / nom).iterdir())
        assert fichiers == sorted(f.name for f in (config.PILOTES / nom).iterdir()), nom
        for f in fichiers:
            assert (tmp_path / nom / f).read_bytes() == (config.PILOTES / nom / f).read_bytes(), f"{nom}/{f}"


def test_graine_reproductible_et_distincte(tmp_path):
    a = ecrire_pilote(generer_pilote_energie(11), tmp_path / "a")
    b = ecrire_pilote(generer_pilote_energie(11), tmp_path / "b")
    c = ecrire_pilote(generer_pilote_energie(12), tmp_path / "c")
    assert (a / "mesures.csv").read_bytes() == (b / "mesures.csv").read_bytes()
    assert (a / "mesures.csv").read_bytes() != (c / "mesures.csv").read_bytes()


def test_pilote_conforme_au_schema():
    schema = json.loads((config.SCHEMAS / "pilote.schema.json").read_text(encoding="utf-8"))
    fiche = yaml.safe_load((EXEMPLE / "pilote.yaml").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(fiche)
    assert fiche["identifiant"] == EXEMPLE.name
    assert fiche["porteur"]["codes_insee"] == ["02691"]
    roles = [s["role"] for s in fiche["sites"]]
    assert roles.count("experimental") == 4 and roles.count("temoin") == 3


def test_format_des_fichiers():
    lignes = (EXEMPLE / "mesures.csv").read_text(encoding="utf-8").splitlines()
    assert lignes[0] == "date;site;indicateur;valeur"
    date, site, ind, val = lignes[1].split(";")
    assert len(date) == 10 and ind == "consommation_chauffage" and "," in val
    assert (EXEMPLE / "meteo.csv").read_text(encoding="utf-8").splitlines()[0] == \
        "date;temperature_min;temperature_max"


def test_meteo_realiste_pour_saint_quentin():
    pg = generer_pilote_energie(2024)
    m = pg.meteo.assign(moy=(pg.meteo.temperature_min + pg.meteo.temperature_max) / 2)
    assert 9.5 <= m["moy"].mean() <= 12.5
    hiver = m.loc[m["date"].dt.month.isin([12, 1, 2]), "moy"].mean()
    assert 1.5 <= hiver <= 5.5
    assert (m["temperature_max"] >= m["temperature_min"]).all()


def test_verite_coherente():
    pg = generer_pilote_energie(2024)
    v = pg.verite["effet_vrai"]
    # -12 % du chauffage, le chauffage étant une partie seulement de la consommation.
    assert -0.12 < v["effet_relatif"] < -0.06
    assert v["effet_kwh"] == pytest.approx(pg.effet_vrai_journalier.sum(), abs=1)
    zero = generer_pilote_energie(2024, ParametresEnergie(effet_chauffage=0.0))
    assert zero.verite["effet_vrai"]["effet_kwh"] == 0


def test_ar1_et_nombre_fr():
    x = ar1(np.random.default_rng(0), 20_000, 0.7, 2.0)
    assert x.std() == pytest.approx(2.0, rel=0.05)
    assert np.corrcoef(x[1:], x[:-1])[0, 1] == pytest.approx(0.7, abs=0.03)
    assert nombre_fr(-0.04, 1) == "0,0" and nombre_fr(12.345, 1) == "12,3"
