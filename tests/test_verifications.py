"""Les vérifications partagées des méthodes (methodes/verifications.py) et le constructeur du résultat."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.diagnostic import acorr_ljungbox

from eprouvette.methodes.base import ResultatImpact, intervalle_relatif
from eprouvette.methodes.verifications import (
    effet_minimal_detectable,
    ljung_box,
    pente_prealable_ar1,
    verification_longueur_serie,
    verification_surdispersion,
)


@pytest.mark.parametrize("n,retard", [(30, 6), (200, 12), (9, 2)])
def test_ljung_box_egale_statsmodels(n, retard):
    rng = np.random.default_rng(n)
    x = 0.1 * rng.standard_normal(n).cumsum() + rng.standard_normal(n)
    lb = acorr_ljungbox(x, lags=[retard])
    q, p = ljung_box(x, retard)
    assert q == pytest.approx(float(lb["lb_stat"].iloc[0]), rel=1e-12)
    assert p == pytest.approx(float(lb["lb_pvalue"].iloc[0]), rel=1e-10)


def test_ljung_box_trous_et_ddl_du_modele():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(300)
    q, p = ljung_box(x, 10, ddl_modele=2)
    assert p == pytest.approx(float(stats.chi2.sf(q, 8)))
    x[::7] = np.nan  # des jours manquants ne font pas un NaN
    assert math.isfinite(ljung_box(x, 10)[1])
    assert ljung_box(np.ones(50), 5) == (0.0, 1.0)


def test_effet_minimal_detectable_student_et_normale():
    # (t_0,975 + t_0,80) × se, pour 20 ddl (tables de Student) : 2,085963 + 0,859964 = 2,945928
    assert effet_minimal_detectable(1.0, 20) == pytest.approx(2.945928, abs=1e-6)
    # Loi normale : 1,959964 + 0,841621 = 2,801585
    assert effet_minimal_detectable(2.0) == pytest.approx(2 * 2.801585, abs=1e-6)


def test_pente_prealable_retrouve_une_derive_et_ignore_une_serie_constante():
    rng = np.random.default_rng(4)
    n = 400
    bruit = np.zeros(n)
    for t in range(1, n):
        bruit[t] = 0.5 * bruit[t - 1] + rng.normal()
    pente = pente_prealable_ar1(bruit + np.linspace(0, 10, n))
    assert pente.p_valeur < 0.01 and pente.derive == pytest.approx(10, abs=3)
    assert 0.3 < pente.rho < 0.7
    assert pente_prealable_ar1(np.full(50, 3.0)).p_valeur == 1.0
    assert math.isnan(pente_prealable_ar1(np.arange(3.0)).derive)


def test_longueur_et_surdispersion():
    assert verification_longueur_serie(6, 10).statut == "echec"
    assert verification_longueur_serie(10, 10).statut == "attention"
    assert verification_longueur_serie(24, 12).statut == "reussie"
    assert verification_surdispersion(2.0, quasi_poisson=False).statut == "echec"
    assert verification_surdispersion(2.0, quasi_poisson=True).statut == "reussie"


def test_construire_applique_la_convention_relative_une_fois():
    kw = dict(methode="m", libelle_methode="M", indicateur="i", unite="u", p_valeur=0.01)
    r = ResultatImpact.construire(effet=-2.0, ic_bas=-3.0, ic_haut=-1.0, total_observe=80.0, cumul=10, **kw,
                                  resume=lambda res: f"{res.effet_relatif:.4f}")
    attendu = intervalle_relatif(-20.0, -30.0, -10.0, 80.0)
    assert (r.effet_relatif, r.ic_relatif_bas, r.ic_relatif_haut) == attendu
    assert r.resume == f"{attendu[0]:.4f}"
    sans_total = ResultatImpact.construire(effet=1.0, ic_bas=0.5, ic_haut=1.5, **kw)
    assert sans_total.effet_relatif is None
    donne = ResultatImpact.construire(effet=1.0, ic_bas=0.5, ic_haut=1.5, relatif=(0.1, 0.05, 0.15), **kw)
    assert donne.ic_relatif_haut == 0.15
    indetermine = ResultatImpact.construire(effet=1.0, ic_bas=0.5, ic_haut=1.5, total_observe=10.0, **kw,
                                            raison_indeterminee="pas de hasard mesurable")
    assert not indetermine.significatif and math.isnan(indetermine.ic_bas)
    assert indetermine.verifications[-1].nom == "incertitude"


def test_changer_effet_recalcule_l_effet_relatif():
    r = ResultatImpact(methode="m", libelle_methode="M", indicateur="i", unite="u", effet=0.0, ic_bas=-1.0,
                       ic_haut=1.0, p_valeur=1.0)
    r.changer_effet(-5.0, -8.0, -2.0, p_valeur=0.02, erreur_type=1.5, total_observe=95.0, effet_minimal_detectable=4.0)
    assert (r.effet_relatif, r.ic_relatif_bas, r.ic_relatif_haut) == intervalle_relatif(-5.0, -8.0, -2.0, 95.0)
    assert r.effet_relatif == pytest.approx(-5 / 100)
    assert r.effet_minimal_detectable == 4.0 and r.erreur_type == 1.5
    assert "complements" not in r.en_dict()
