"""Blanchiment AR(1) + bruit blanc de :func:`eprouvette.methodes.series_calendrier.reml_ar1_plus_bruit`."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import linalg

from eprouvette.methodes.series_calendrier import _blanchir_ar1_bruit, _differences_et_bande


def _blanchir_scipy(phi: float, lam: float, a: np.ndarray) -> tuple[np.ndarray, float]:
    """Le calcul de référence : Cholesky en bande puis solve_banded((1, 0), …) (LAPACK gbsv), sur la même bande."""
    z, bande = _differences_et_bande(phi, lam, a)
    c = linalg.cholesky_banded(bande, lower=True)
    return linalg.solve_banded((1, 0), c, z), 2 * float(np.sum(np.log(c[0])))


@pytest.mark.parametrize("n, k", [(2, 1), (3, 4), (40, 1), (400, 18), (1030, 0)])
def test_blanchiment_identique_au_bit_pres_a_solve_banded(n, k):
    # L'optimiseur REML est sensible au moindre bit de la vraisemblance (surface presque plate en λ) :
    # le blanchiment rapide doit rendre exactement les mêmes nombres que le calcul de scipy.
    rng = np.random.default_rng(n + k)
    a = rng.normal(size=n) * 3 + 5 if k == 0 else np.column_stack([rng.normal(size=n) * 3 + 5,
                                                                     rng.integers(0, 2, size=(n, k)).astype(float)])
    for _ in range(60):
        phi, lam = rng.uniform(-0.9, 0.98), math.exp(rng.uniform(-9.0, 5.0))
        w, logdet = _blanchir_ar1_bruit(phi, lam, a)
        w_ref, logdet_ref = _blanchir_scipy(phi, lam, a)
        assert w.shape == w_ref.shape
        assert np.array_equal(w, w_ref)
        assert logdet == logdet_ref


def test_facteur_de_cholesky_sans_permutation():
    # gbsv ne permute aucune ligne si |sous-diagonale| < diagonale sur tout le facteur : c'est ce qui
    # permet de refaire son calcul par une descente bidiagonale unitaire (bornes de l'optimiseur).
    for phi in np.linspace(-0.9, 0.98, 25):
        for lam in np.exp(np.linspace(-9.0, 5.0, 25)):
            n = 300
            bande = np.zeros((2, n))
            bande[0] = (1 - phi**2) + lam * (1 + phi**2)
            bande[0, 0] = 1 + lam
            bande[1, :-1] = -phi * lam
            c = linalg.cholesky_banded(bande, lower=True)
            assert np.all(np.abs(c[1, :-1]) < c[0, :-1])


def test_blanchiment_refuse_une_valeur_non_finie():
    a = np.ones(10)
    a[3] = np.nan
    with pytest.raises(ValueError):
        _blanchir_ar1_bruit(0.5, 0.1, a)
