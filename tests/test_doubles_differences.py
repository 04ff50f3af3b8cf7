"""Doubles différences : reproduction de Card & Krueger (1994) et panel simulé."""

import numpy as np
import pandas as pd
import pytest

from eprouvette import config
from eprouvette.methodes.doubles_differences import (
    doubles_differences,
    doubles_differences_moyennes,
    effets_fixes_bidirectionnels,
    etude_evenementielle,
)
from eprouvette.methodes._simulation import simuler_panel

REFERENCES = config.RACINE.parent / "shared" / "references"


@pytest.fixture(scope="module")
def njmin():
    chemin = REFERENCES / "njmin3.csv"
    if not chemin.exists():
        pytest.skip(f"Données de référence absentes ({chemin}) : test de reproduction de Card & Krueger ignoré.")
    return pd.read_csv(chemin)


def test_moyennes_de_cellule(njmin):
    r = doubles_differences_moyennes(njmin, colonne_valeur="fte", colonne_traite="nj", colonne_apres="d")
    # Publié : 2,76 (Card & Krueger, tableau 3). Ces données (njmin3, 820 lignes) donnent 2,7536 avec
    # des moyennes de cellule identiques au centième à celles publiées : l'écart de 0,006 vient du
    # calcul de la publication sur ses propres arrondis/échantillons, pas de la méthode.
    assert abs(r.effet - 2.76) < 0.01
    assert round(r.effet, 4) == 2.7536  # identique à la régression saturée
    c = r.details["cellules"].set_index(["traite", "apres"])
    assert round(c.loc[(0, 0), "moyenne"], 2) == 23.33 and round(c.loc[(0, 0), "erreur_type"], 2) == 1.35
    assert round(c.loc[(1, 0), "moyenne"], 2) == 20.44 and round(c.loc[(1, 0), "erreur_type"], 2) == 0.51
    assert round(c.loc[(0, 1), "moyenne"], 2) == 21.17 and round(c.loc[(0, 1), "erreur_type"], 2) == 0.94
    assert round(c.loc[(1, 1), "moyenne"], 2) == 21.03 and round(c.loc[(1, 1), "erreur_type"], 2) == 0.52


def test_regression_classique(njmin):
    r = doubles_differences(njmin, colonne_valeur="fte", colonne_traite="nj", colonne_apres="d")
    assert round(r.effet, 4) == 2.7536
    assert round(r.erreur_type, 3) == 1.688
    assert not r.significatif  # l'intervalle classique contient zéro


def test_regression_avec_controles(njmin):
    r = doubles_differences(njmin, colonne_valeur="fte", colonne_traite="nj", colonne_apres="d",
                            covariables=["bk", "kfc", "roys", "CO_OWNED"])
    assert round(r.effet, 3) == 2.845
    assert round(r.erreur_type, 3) == 1.523
    r2 = doubles_differences(njmin, colonne_valeur="fte", colonne_traite="nj", colonne_apres="d",
                             covariables=["bk", "kfc", "roys", "CO_OWNED", "SOUTHJ", "CENTRALJ", "PA1", "PA2"])
    # Publié : 2,815 (1,502) ; nous obtenons 2,8149 (1,5033) : point identique, erreur type à 0,002 près.
    assert round(r2.effet, 3) == 2.815 and abs(r2.erreur_type - 1.502) < 0.002


def test_effets_fixes_concorde_avec_statsmodels():
    import statsmodels.formula.api as smf

    df = simuler_panel(effet=1.0, graine=1).donnees
    r = effets_fixes_bidirectionnels(df)
    m = smf.ols("valeur ~ actif + C(site) + C(periode)", df).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(df.site)[0]})
    assert abs(r.effet - m.params["actif"]) < 1e-8
    assert abs(r.erreur_type - m.bse["actif"]) / m.bse["actif"] < 1e-6
    assert {v.nom: v.statut for v in r.verifications}["nombre_grappes"] == "reussie"
    assert "etude_evenementielle" in r.details


def test_peu_de_grappes_avertit_et_bootstrap():
    df = simuler_panel(n_sites=8, effet=0.0, graine=2).donnees
    r = effets_fixes_bidirectionnels(df, graine=11)
    v = {v.nom: v for v in r.verifications}["nombre_grappes"]
    assert v.statut == "attention" and "bootstrap sauvage" in v.phrase
    bs = r.details["bootstrap_sauvage"]
    assert bs["poids"] == "webb" and 0 < bs["p_valeur"] <= 1
    assert r.p_valeur == bs["p_valeur"]
    # Reproductible : même graine, même p-valeur.
    assert effets_fixes_bidirectionnels(df, graine=11).p_valeur == r.p_valeur


def test_etude_evenementielle_detecte_tendance_prealable():
    p = simuler_panel(n_sites=40, effet=0.0, graine=4, sigma=0.5)
    df = p.donnees.copy()
    # Les sites expérimentés divergent déjà avant le début : +0,4 par période.
    df.loc[df.traite == 1, "valeur"] += 0.4 * df.loc[df.traite == 1, "periode"]
    ee = etude_evenementielle(df)
    assert ee.verification.statut == "echec" and ee.p_valeur < 0.01
    assert {"temps_relatif", "coefficient", "ic_bas", "ic_haut"} <= set(ee.coefficients.columns)
    assert ee.coefficients.set_index("temps_relatif").loc[-1, "coefficient"] == 0
    ok = etude_evenementielle(p.donnees)
    assert ok.verification.nom == "tendances_prealables"
