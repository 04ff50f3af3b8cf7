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


def test_effets_identiques_sans_avertissement_et_heterogeneite_non_estimable(recwarn):
    """Deux pilotes aux effets identiques : aucun « RuntimeWarning: divide by zero », I² non estimable."""
    import warnings

    from eprouvette.methodes.meta import meta_analyse, tableau_meta

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tab = tableau_meta([-0.12, -0.12], [0.0025, 0.0025])
        res = meta_analyse([-0.12, -0.12], [0.0025, 0.0025])
    assert tab["effet"].notna().all() and (tab["tau2"] == 0).all() and tab["I2"].isna().all()
    assert res.effet == pytest.approx(-0.12)
    assert res.verifications[0].statut == "attention"
    assert res.verifications[0].phrase.startswith(
        "Les 2 effets combinés sont identiques (Q = 0)\u00a0: l'hétérogénéité entre pilotes n'est pas estimable "
        "(I² non défini)")
    assert not any("τ²) est très mal estimée" in v.phrase for v in res.verifications)


def test_i2_jamais_negatif():
    from eprouvette.methodes.meta import tableau_meta

    tab = tableau_meta([1.0, 1.01], [0.1, 0.1])
    assert (tab["I2"] == 0).all() and (tab["tau2"] >= 0).all()


def test_portefeuille_effets_identiques_sans_texte_anglais(capfd):
    import warnings

    from eprouvette.rapports.index import _html_effets_combines, effets_combines

    etat = {"statut": "reussi", "resultats": {"type_pilote": "gtb", "effet_relatif": -0.1,
                                              "ic_relatif_bas": -0.2, "ic_relatif_haut": 0.0}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        combines = effets_combines([dict(etat, identifiant="a"), dict(etat, identifiant="b")])
    html = _html_effets_combines(combines)
    sortie = capfd.readouterr()
    assert "Warning" not in sortie.out + sortie.err and "divide" not in html
    assert combines[0]["I2"] is None and "non estimable" in html
    assert "sont identiques (Q = 0)" in html
