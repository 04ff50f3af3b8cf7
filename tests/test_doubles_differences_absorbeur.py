"""Projections alternées des effets fixes (:class:`eprouvette.methodes.doubles_differences._Absorbeur`) :
les sommes par groupe par ``np.bincount`` rendent exactement les nombres du produit par la matrice creuse
d'appartenance (mêmes additions dans le même ordre)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from eprouvette.methodes.doubles_differences import _Absorbeur


def _absorber_creux(codes, A, tol=1e-10, maxiter=500):
    """Le calcul de référence : moyennes par groupe par produits creux (m.T @ A puis m @ moyennes)."""
    n = len(codes[0])
    mats = []
    for c in codes:
        _, inv = np.unique(c, return_inverse=True)
        m = sparse.csr_matrix((np.ones(n), (np.arange(n), inv)))
        mats.append((m, 1.0 / np.asarray(m.sum(axis=0)).ravel()))
    A = np.array(A, dtype=float, copy=True)
    vecteur = A.ndim == 1
    if vecteur:
        A = A[:, None]
    echelle = max(float(np.abs(A).max()) if A.size else 1.0, 1.0)
    for _ in range(maxiter):
        delta = 0.0
        for m, inv in mats:
            corr = m @ ((m.T @ A) * inv[:, None])
            A -= corr
            delta = max(delta, float(np.abs(corr).max()) if corr.size else 0.0)
        if delta < tol * echelle:
            break
    return A[:, 0] if vecteur else A


@pytest.mark.parametrize("colonnes", [None, 1, 2, 8, 9, 40])
def test_absorbeur_identique_au_produit_creux(colonnes):
    rng = np.random.default_rng(7 if colonnes is None else colonnes)
    site = np.repeat(np.arange(12), 15)
    semaine = np.tile(np.arange(15), 12)
    garde = rng.random(len(site)) > 0.05  # panel déséquilibré : plusieurs passes
    site, semaine = site[garde], semaine[garde] + 200  # codes non contigus
    forme = len(site) if colonnes is None else (len(site), colonnes)
    A = rng.normal(size=forme) * 10 + 3
    absorbeur = _Absorbeur(site, semaine)
    assert absorbeur.n_effets == 12 + 15 - 1
    obtenu = absorbeur(A)
    attendu = _absorber_creux((site, semaine), A)
    assert obtenu.shape == attendu.shape
    assert np.array_equal(obtenu, attendu)
    # Les moyennes par site et par semaine du résultat sont nulles (à la tolérance des projections).
    mat = obtenu if obtenu.ndim == 2 else obtenu[:, None]
    for codes in (site, semaine):
        _, inv = np.unique(codes, return_inverse=True)
        for c in range(mat.shape[1]):
            moy = np.bincount(inv, weights=mat[:, c]) / np.bincount(inv)
            assert np.abs(moy).max() < 1e-6 * np.abs(A).max()
