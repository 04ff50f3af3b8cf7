"""Méta-analyse : reproduction de l'exemple de Kacker (2004), valeurs de R metafor."""

import pandas as pd
import pytest

from eprouvette import config
from eprouvette.methodes.meta import meta_analyse, tableau_meta

REFERENCES = config.RACINE.parent / "shared" / "references"


@pytest.fixture(scope="module")
def kacker():
    chemin = REFERENCES / "kacker2004_meta_example.csv"
    if not chemin.exists():
        pytest.skip(f"Données de référence absentes ({chemin}) : test de méta-analyse ignoré.")
    return pd.read_csv(chemin, comment="#")


@pytest.mark.parametrize("modele,effet,se", [("fe", 62.583, 0.108), ("dl", 62.390, 0.246), ("pm", 62.408, 0.338)])
def test_reproduit_metafor(kacker, modele, effet, se):
    r = meta_analyse(kacker.y, kacker.v, modele=modele)
    assert round(r.effet, 3) == effet
    assert round(r.erreur_type, 3) == se


def test_tableau_et_heterogeneite(kacker):
    t = tableau_meta(kacker.y, kacker.v).set_index("modele")
    assert t.loc["fe", "tau2"] == 0
    assert t.loc["pm", "tau2"] > t.loc["dl", "tau2"] > 0
    r = meta_analyse(kacker.y, kacker.v)
    assert 0.6 < r.details["I2"] < 0.75 and r.details["Q"] > 20
    assert r.verifications[0].statut == "attention"


def test_erreurs():
    with pytest.raises(ValueError, match="autant de variances"):
        meta_analyse([1, 2], [1])
    with pytest.raises(ValueError, match="strictement positives"):
        meta_analyse([1, 2], [1, 0])
