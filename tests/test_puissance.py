"""Puissance et effet minimal détectable."""

import numpy as np
import pytest

from eprouvette.methodes.puissance import (
    diagnostic_duree,
    diagnostic_duree_resultat,
    effet_minimal_detectable_approche,
    effet_minimal_detectable_serie,
    facteur_plan,
    puissance_par_simulation,
)
from eprouvette.methodes.serie_interrompue import serie_interrompue
from eprouvette.methodes._simulation import simuler_serie


def test_facteur_plan():
    assert facteur_plan(0) == 1
    assert facteur_plan(0.5) == pytest.approx(3.0)
    with pytest.raises(ValueError):
        facteur_plan(1.0)


def test_autocorrelation_augmente_mde():
    a0 = effet_minimal_detectable_approche(3, 36, 24, 0.0)
    a5 = effet_minimal_detectable_approche(3, 36, 24, 0.5)
    assert a5 == pytest.approx(a0 * np.sqrt(3))
    s0 = effet_minimal_detectable_serie(3, 36, 24, 0.0)
    s5 = effet_minimal_detectable_serie(3, 36, 24, 0.5)
    assert s5 > 1.3 * s0
    # Plus de périodes après : effet détectable plus petit (changement de niveau seul).
    assert effet_minimal_detectable_serie(3, 36, 48, 0.4, changement_pente=False) < effet_minimal_detectable_serie(
        3, 36, 12, 0.4, changement_pente=False)


@pytest.mark.lent
def test_puissance_simulee_coherente():
    mde = effet_minimal_detectable_serie(3, 36, 24, 0.4)
    p_mde = puissance_par_simulation(mde, 3, 36, 24, 0.4, n_simulations=150, graine=1)
    p_nul = puissance_par_simulation(0.0, 3, 36, 24, 0.4, n_simulations=150, graine=2)
    p_grand = puissance_par_simulation(2 * mde, 3, 36, 24, 0.4, n_simulations=150, graine=3)
    assert p_nul < 0.1
    assert 0.5 < p_mde < 0.9  # le calcul analytique (ρ connu) est un peu optimiste
    assert p_grand > 0.95


def test_trop_court_pour_conclure():
    d = diagnostic_duree(3.0, sigma=3, rho=0.4, n_avant=36, n_apres=6, unite="MWh")
    assert d.trop_court and d.effet_minimal_detectable > 3.0
    assert d.n_apres_necessaire is not None and d.n_apres_necessaire > 6
    # À la durée annoncée, l'effet minimal détectable passe bien sous le seuil.
    assert effet_minimal_detectable_serie(3, 36, d.n_apres_necessaire, 0.4, changement_pente=False) <= 3.0
    assert effet_minimal_detectable_serie(3, 36, d.n_apres_necessaire - 1, 0.4, changement_pente=False) > 3.0
    assert "Trop court pour conclure" in d.phrase
    # Seuil inatteignable : dit clairement qu'aucune durée raisonnable ne suffit.
    impossible = diagnostic_duree(0.5, sigma=3, rho=0.4, n_avant=36, n_apres=6)
    assert impossible.trop_court and impossible.n_apres_necessaire is None and "ne suffiraient pas" in impossible.phrase
    ok = diagnostic_duree(10.0, sigma=3, rho=0.4, n_avant=36, n_apres=24)
    assert not ok.trop_court and "suffisante" in ok.phrase


def test_diagnostic_depuis_resultat():
    s = simuler_serie(36, 6, rho=0.3, sigma=3.0, graine=5)
    r = serie_interrompue(s.donnees, s.debut, unite="MWh")
    d = diagnostic_duree_resultat(r, seuil=0.5)
    assert d.trop_court
    assert r.effet_minimal_detectable == pytest.approx(d.effet_minimal_detectable * 6)
