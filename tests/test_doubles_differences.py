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


# ---------------------------------------------------------------------------------------------
# Peu de sites expérimentés : Proposition 99 (un État traité, 38 témoins) et plans minuscules
# ---------------------------------------------------------------------------------------------

from pathlib import Path

PROP99 = Path(__file__).parent / "references" / "california_prop99.csv"


@pytest.fixture(scope="module")
def prop99():
    w = pd.read_csv(PROP99)
    long = w.melt(id_vars="Year", var_name="etat", value_name="paquets")
    long["actif"] = ((long.etat == "California") & (long.Year >= 1989)).astype(int)
    return long


def test_prop99_un_etat_traite_inference_par_placebos(prop99):
    """Un seul État traité : l'erreur regroupée par État (2,85, p = 1e−11) est trompeuse ; la dispersion
    des 38 placebos dans l'espace (17,5 ; publié de l'ordre de 17,7) donne l'incertitude, et
    l'intervalle vient de l'inversion du test de rang."""
    r = effets_fixes_bidirectionnels(prop99, colonne_valeur="paquets", colonne_site="etat", colonne_temps="Year",
                                     unite="paquets par habitant")
    assert r.effet == pytest.approx(-27.35, abs=0.01)
    assert r.details["erreur_type_regroupee"] == pytest.approx(2.85, abs=0.01)  # l'ancienne, trompeuse
    assert r.details["inference"] == "permutation"
    assert 15 <= r.erreur_type <= 20 and r.erreur_type == pytest.approx(17.51, abs=0.05)
    assert r.details["n_placebos"] == 38
    # Rang de |−27,35| parmi les 39 affectations (la vraie et 38 placebos, la Californie servant de témoin
    # aux placebos) : 4 placebos font au moins autant -> p = 5/39.
    assert r.p_valeur == pytest.approx(5 / 39)
    assert (r.ic_bas, r.ic_haut) == (pytest.approx(-91.39, abs=0.05), pytest.approx(33.41, abs=0.05))
    assert not r.significatif and r.ic_bas < 0 < r.ic_haut
    assert r.ic_haut - r.ic_bas > 10 * (2 * 1.96 * 2.85)  # rien à voir avec la précision regroupée
    v = {v.nom: v for v in r.verifications}
    g = v["nombre_grappes"]
    assert g.statut == "attention" and "1 site expérimenté et 38 témoins" in g.phrase and "placebos" in g.phrase
    assert (r.details["n_grappes_experimentees"], r.details["n_grappes_temoins"]) == (1, 38)
    # Tendances préalables testées par les mêmes placebos (l'erreur regroupée donnait p = 0,001).
    assert "placebos" in v["tendances_prealables"].phrase and v["tendances_prealables"].statut == "reussie"
    assert "l'écart est trop net" not in r.resume and "n.d." not in r.resume
    # Effet relatif : e / (O − e), O = moyenne mesurée des cellules traitées.
    o = prop99.loc[prop99.actif == 1, "paquets"].mean()
    assert r.effet_relatif == pytest.approx(r.effet / (o - r.effet))
    assert r.ic_relatif_haut == pytest.approx(r.ic_haut / (o - r.ic_haut))


def test_prop99_regression_2x2_avec_grappes_placebos(prop99):
    d = prop99.assign(traite=(prop99.etat == "California").astype(int), apres=(prop99.Year >= 1989).astype(int))
    r = doubles_differences(d, colonne_valeur="paquets", colonne_grappe="etat")
    assert r.effet == pytest.approx(-27.35, abs=0.01)  # même point que les effets fixes (panel équilibré)
    assert r.details["inference"] == "permutation" and r.details["n_placebos"] == 38
    assert r.p_valeur == pytest.approx(5 / 39) and not r.significatif
    assert r.erreur_type == pytest.approx(17.51, abs=0.05)


def _deux_districts(effet: float = 0.0, graine: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(graine)
    lignes = []
    for site, tr in (("Nord", 1), ("Sud", 0)):
        for annee in range(2015, 2025):
            ap = int(annee >= 2020)
            lignes.append({"site": site, "periode": annee, "traite": tr, "apres": ap, "actif": tr * ap,
                           "valeur": 100 + 5 * tr + effet * tr * ap + rng.normal(0, 3)})
    return pd.DataFrame(lignes)


@pytest.mark.parametrize("effet", [0.0, -30.0])
def test_deux_districts_annuels_incertitude_indeterminee(effet):
    """Un district expérimenté, un témoin, dix années : le bootstrap sauvage dégénérait (erreur type 9e−15,
    « trop net pour être dû au seul hasard ») ; même un gros écart ne peut pas être tenu pour établi."""
    d = _deux_districts(effet)
    for r in (effets_fixes_bidirectionnels(d), doubles_differences(d, colonne_grappe="site")):
        assert not r.significatif and not r.incertitude_valide
        assert r.details["inference"] == "indeterminee"
        v = {v.nom: v for v in r.verifications}
        assert v["incertitude"].statut == "echec" and v["nombre_grappes"].statut == "echec"
        assert "1 site expérimenté et 1 témoin" in v["incertitude"].phrase
        assert "ne permettent pas de calculer une incertitude" in r.resume
        assert "trop net" not in r.resume and "n.d." not in r.resume
        assert r.effet == pytest.approx(effet, abs=6)


def test_deux_sur_deux_quatre_moyennes_de_cellule_sans_plantage():
    """2 × 2 sur quatre moyennes (une par cellule) : division par zéro ddl avant ; maintenant une raison."""
    cellules = pd.DataFrame({"site": ["Nord", "Nord", "Sud", "Sud"], "traite": [1, 1, 0, 0], "apres": [0, 1, 0, 1],
                             "periode": [0, 1, 0, 1], "valeur": [105.0, 96.0, 100.0, 101.0]})
    cellules["actif"] = cellules.traite * cellules.apres
    resultats = [
        doubles_differences_moyennes(cellules),
        doubles_differences(cellules),
        doubles_differences(cellules, colonne_grappe="site"),
        effets_fixes_bidirectionnels(cellules),
    ]
    for r in resultats:
        assert r.effet == pytest.approx(-10.0)
        assert not r.significatif and np.isnan(r.ic_bas) and np.isnan(r.p_valeur)
        assert {v.nom: v.statut for v in r.verifications}["incertitude"] == "echec"
        assert "ne permettent pas de calculer une incertitude" in r.resume
    assert "une seule valeur" in resultats[0].resume
    assert "4 observations pour 4 paramètres" in resultats[1].resume
    # L'étude événementielle automatique ne plante plus : elle dit en français qu'elle n'a pas pu tester.
    tend = {v.nom: v for v in resultats[3].verifications}["tendances_prealables"]
    assert tend.statut == "attention" and "non testées" in tend.phrase


def test_un_site_par_groupe_une_periode_de_chaque_cote():
    d = pd.DataFrame({"site": ["a", "a", "b", "b"], "periode": [1, 2, 1, 2], "actif": [0, 1, 0, 0],
                      "valeur": [10.0, 12.0, 10.0, 10.0]})
    r = effets_fixes_bidirectionnels(d, bootstrap=True)
    assert r.effet == pytest.approx(2.0) and not r.significatif
    assert r.details["inference"] == "indeterminee"


def test_bootstrap_degenere_jamais_significatif():
    """Deux sites forcés en bootstrap sauvage : l'intervalle s'effondre -> indéterminé, pas « significatif »."""
    d = _deux_districts(-30.0)
    r = effets_fixes_bidirectionnels(d, inference="bootstrap", tendances_prealables=False)
    assert not r.significatif and {v.nom: v.statut for v in r.verifications}["incertitude"] == "echec"


def test_etude_evenementielle_deux_sites_message_francais():
    d = _deux_districts(0.0)
    with pytest.raises(ValueError, match="aucun test fiable"):
        etude_evenementielle(d)


def test_tendance_prealable_echec_avec_peu_de_sites_panel_long():
    """Un site expérimenté, 3 témoins, 200 jours dont 150 avant : une dérive avant le début est un échec."""
    rng = np.random.default_rng(3)
    T, S = 200, 4
    y = 50 + rng.normal(0, 1, (S, T))
    y[0, :150] += np.linspace(-3, 0, 150)  # le site expérimenté monte déjà avant le début
    d = pd.DataFrame({"site": np.repeat(np.arange(S), T), "periode": np.tile(np.arange(T), S), "valeur": y.ravel()})
    d["actif"] = ((d.site == 0) & (d.periode >= 150)).astype(int)
    r = effets_fixes_bidirectionnels(d)
    assert r.details["inference"] == "temporelle"
    v = {v.nom: v for v in r.verifications}
    assert v["tendances_prealables"].statut == "echec" and "AR(1)" in v["tendances_prealables"].phrase
    assert r.statut_global == "echec"
