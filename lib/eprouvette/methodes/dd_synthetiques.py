"""Doubles différences synthétiques (Arkhangelsky, Athey, Hirshberg, Imbens et Wager, 2021).

Le plan : un ou quelques sites équipés face à plusieurs sites candidats, mesurés sur les mêmes
périodes. Comme le contrôle synthétique, on pondère les témoins (poids ω ≥ 0, de somme 1) pour
qu'ils suivent les sites équipés avant le début ; comme les doubles différences, on compare des
**écarts** (un décalage de niveau constant est permis, par une constante libre) ; en plus, on
pondère les périodes d'avant (poids λ) pour que l'avant ressemble à l'après chez les témoins.
L'effet est

    τ = (ȳ_équipés,après − Σ_t λ_t ȳ_équipés,t) − Σ_i ω_i (ȳ_i,après − Σ_t λ_t y_i,t).

Les poids sont régularisés (pénalité ζ² ‖ω‖², ζ = (N₁T₁)^¼ × l'écart type des variations d'une
période à l'autre chez les témoins avant le début) et calculés par l'algorithme de Frank et Wolfe,
avec l'étape d'« éclaircissement » (poids < max/4 remis à zéro après 100 itérations) de
l'article. Les deux cas limites sont donnés par la même fonction : ``variante="controle_synthetique"``
(λ = 0, pas de constante, ζ presque nul) et ``variante="doubles_differences"`` (ω et λ uniformes).

L'incertitude est celle de l'article pour un seul ou peu de sites équipés : la variance des
**placebos** (N₁ témoins tirés au hasard font semblant d'être équipés, l'estimation est refaite
sur les seuls témoins ; écart type de ces estimations × √((R − 1)/R)). Elle suppose que les
écarts des sites ne dépendent pas d'être équipé (homoscédasticité entre sites) et demande plus de
témoins que de sites équipés.

Vérifié sur les données de la Proposition 99 en Californie (tableau 1 de l'article :
doubles différences synthétiques −15,6 (écart type 8,4), contrôle synthétique −19,6, doubles
différences −27,3) par ``tests/test_dd_synthetiques.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["EstimationDDS", "dd_synthetiques", "effets_placebo", "ecart_type_placebo", "VARIANTES"]

#: Les trois estimateurs de la même famille (noms employés dans les résultats).
VARIANTES = ("dd_synthetiques", "controle_synthetique", "doubles_differences")

_ITERATIONS_AVANT_ECLAIRCIR = 100
_ITERATIONS_MAX = 10_000


@dataclass
class EstimationDDS:
    """Une estimation : l'effet moyen sur les sites équipés pendant l'après, et ses poids."""

    effet: float
    variante: str
    #: Poids des témoins (dans l'ordre des lignes témoins de la matrice), de somme 1.
    omega: np.ndarray
    #: Poids des périodes d'avant, de somme 1 (tous nuls pour le contrôle synthétique).
    lambda_: np.ndarray
    n_temoins: int
    n_avant: int
    #: Écart type des variations d'une période à l'autre chez les témoins avant le début.
    niveau_bruit: float
    options: dict = field(default_factory=dict)


def _poids_frank_wolfe(Y: np.ndarray, zeta: float, constante: bool, poids: np.ndarray | None,
                       baisse_min: float, iterations_max: int) -> np.ndarray:
    """Poids sur le simplexe minimisant ζ²‖p‖² + ‖A p − b‖² / n (A : colonnes sauf la dernière,
    b : la dernière ; colonnes centrées si ``constante``), par Frank et Wolfe avec pas exact.

    Même suite d'itérés que l'algorithme de l'article, calculée sur la matrice de Gram G = AᵀA
    (mise à jour de Gp, pᵀp, pᵀGp et cᵀp à chaque pas : O(k) au lieu de O(nk)), et même arrêt :
    baisse de l'objectif sous ``baisse_min``² ou ``iterations_max`` pas.
    """
    n, k = Y.shape[0], Y.shape[1] - 1
    p = np.full(k, 1.0 / k) if poids is None else np.asarray(poids, float).copy()
    if constante:
        Y = Y - Y.mean(axis=0)
    A, b = Y[:, :k], Y[:, k]
    eta = n * zeta ** 2
    G, c, bb = A.T @ A, A.T @ b, float(b @ b)
    diag = np.diag(G).copy()
    Gp = G @ p
    pp, pGp, cp = float(p @ p), float(p @ Gp), float(c @ p)
    z2 = zeta ** 2
    seuil = baisse_min ** 2
    precedente = None
    for iteration in range(iterations_max):
        demi_gradient = Gp - c + eta * p
        i = int(np.argmin(demi_gradient))
        # dx = e_i − p ; pente = −demi_gradientᵀ dx ; courbure = ‖A dx‖² + η ‖dx‖².
        pente = float(demi_gradient @ p) - float(demi_gradient[i])
        courbure = (diag[i] - 2 * Gp[i] + pGp) + eta * (pp - 2 * p[i] + 1.0)
        if p[i] == 1.0 or courbure <= 0:
            pas = 0.0
        else:
            pas = min(1.0, max(0.0, pente / courbure))
        if pas > 0.0:
            q = 1.0 - pas
            pp = q * q * pp + 2 * pas * q * p[i] + pas * pas
            pGp = q * q * pGp + 2 * pas * q * Gp[i] + pas * pas * diag[i]
            cp = q * cp + pas * c[i]
            Gp = q * Gp + pas * G[:, i]
            p = q * p
            p[i] += pas
        valeur = z2 * pp + (pGp - 2 * cp + bb) / n
        if precedente is not None and iteration >= 1 and precedente - valeur <= seuil:
            break
        precedente = valeur
    return p


def _eclaircir(v: np.ndarray) -> np.ndarray:
    v = v.copy()
    v[v <= v.max() / 4] = 0.0
    return v / v.sum()


def _forme_reduite(Y: np.ndarray, N0: int, T0: int) -> np.ndarray:
    """(N0 + 1) × (T0 + 1) : témoins × périodes d'avant, plus la moyenne des équipés et de l'après."""
    haut = np.column_stack([Y[:N0, :T0], Y[:N0, T0:].mean(axis=1)])
    bas = np.append(Y[N0:, :T0].mean(axis=0), Y[N0:, T0:].mean())
    return np.vstack([haut, bas])


def _calculer_poids(Yc: np.ndarray, zeta: float, constante: bool, depart: np.ndarray | None,
                    baisse_min: float) -> np.ndarray:
    p = _poids_frank_wolfe(Yc, zeta, constante, depart, baisse_min, _ITERATIONS_AVANT_ECLAIRCIR)
    return _poids_frank_wolfe(Yc, zeta, constante, _eclaircir(p), baisse_min, _ITERATIONS_MAX)


def dd_synthetiques(Y, n_temoins: int, n_avant: int, *, variante: str = "dd_synthetiques",
                    omega_depart: np.ndarray | None = None,
                    lambda_depart: np.ndarray | None = None,
                    reglages: dict | None = None) -> EstimationDDS:
    """Estimation sur la matrice ``Y`` (sites × périodes) : les ``n_temoins`` premières lignes sont
    les témoins, les suivantes les sites équipés ; les ``n_avant`` premières colonnes sont l'avant.

    ``variante`` : ``"dd_synthetiques"`` (par défaut), ``"controle_synthetique"`` ou
    ``"doubles_differences"``. ``omega_depart`` / ``lambda_depart`` : points de départ de
    l'optimisation (utilisés par les placebos). ``reglages`` : les pénalités ζ et le seuil d'arrêt
    d'une estimation précédente (``EstimationDDS.options``), que les placebos reprennent tels quels
    au lieu de les recalculer sur leurs seuls témoins (comme l'article).
    """
    Y = np.asarray(Y, float)
    if variante not in VARIANTES:
        raise ValueError(f"variante inconnue : {variante!r} (attendu : {', '.join(VARIANTES)})")
    N, T = Y.shape
    N0, T0 = int(n_temoins), int(n_avant)
    N1, T1 = N - N0, T - T0
    if N0 < 2 or N1 < 1 or T0 < 2 or T1 < 1:
        raise ValueError("il faut au moins 2 témoins, 1 site équipé, 2 périodes avant et 1 après")
    if not np.isfinite(Y).all():
        raise ValueError("la matrice des mesures a des valeurs manquantes : un panel complet est nécessaire")
    bruit = float(np.std(np.diff(Y[:N0, :T0], axis=1), ddof=1))
    if reglages is None:
        reglages = {
            "zeta_omega": ((N1 * T1) ** 0.25 if variante == "dd_synthetiques" else 1e-6) * bruit,
            "zeta_lambda": 1e-6 * bruit,
            "baisse_min": 1e-5 * bruit,
        }
    Yc = _forme_reduite(Y, N0, T0)
    if variante == "doubles_differences":
        omega, lam = np.full(N0, 1.0 / N0), np.full(T0, 1.0 / T0)
    else:
        if variante == "dd_synthetiques":
            lam = _calculer_poids(Yc[:N0, :], reglages["zeta_lambda"], True, lambda_depart, reglages["baisse_min"])
        else:  # contrôle synthétique : aucune période d'avant dans l'écart, pas de constante
            lam = np.zeros(T0)
        omega = _calculer_poids(Yc[:, :T0].T, reglages["zeta_omega"], variante == "dd_synthetiques",
                                omega_depart, reglages["baisse_min"])
    effet = float(np.r_[-omega, np.full(N1, 1.0 / N1)] @ Y @ np.r_[-lam, np.full(T1, 1.0 / T1)])
    return EstimationDDS(effet=effet, variante=variante, omega=omega, lambda_=lam, n_temoins=N0,
                         n_avant=T0, niveau_bruit=bruit, options=dict(reglages))


def effets_placebo(Y, estimation: EstimationDDS, *, repetitions: int = 200,
                   graine: int = 20210101) -> np.ndarray | None:
    """Les estimations placebo (article, algorithme 4) : N₁ témoins font semblant d'être équipés
    et l'estimation est refaite sur les seuls témoins, en partant des poids de l'estimation et avec
    ses pénalités.

    Avec un seul site équipé, chaque témoin joue le placebo une fois (les N₀ placebos possibles,
    sans tirage : le résultat ne dépend d'aucune graine) ; sinon ``repetitions`` tirages au hasard.
    ``None`` s'il n'y a pas plus de témoins que de sites équipés (placebos impossibles).
    """
    Y = np.asarray(Y, float)
    N0 = estimation.n_temoins
    N1 = Y.shape[0] - N0
    if N0 <= N1:
        return None
    n0 = N0 - N1
    if N1 == 1:
        ordres = [np.r_[np.delete(np.arange(N0), j), j] for j in range(N0)]
    else:
        rng = np.random.default_rng(graine)
        ordres = [rng.permutation(N0) for _ in range(repetitions)]
    sdid = estimation.variante == "dd_synthetiques"
    effets = np.empty(len(ordres))
    for r, ordre in enumerate(ordres):
        depart = None
        if sdid:
            w = estimation.omega[ordre[:n0]]
            depart = w / w.sum() if w.sum() > 0 else None
        effets[r] = dd_synthetiques(Y[:N0][ordre], n0, estimation.n_avant, variante=estimation.variante,
                                    omega_depart=depart, lambda_depart=estimation.lambda_ if sdid else None,
                                    reglages=estimation.options or None).effet
    return effets


def ecart_type_placebo(Y, estimation: EstimationDDS, *, repetitions: int = 200,
                       graine: int = 20210101) -> float | None:
    """Écart type par placebos : √((R − 1)/R) × écart type des R estimations placebo de
    :func:`effets_placebo` (l'écart type « de population » des placebos)."""
    effets = effets_placebo(Y, estimation, repetitions=repetitions, graine=graine)
    if effets is None or len(effets) < 2:
        return None
    return float(np.std(effets, ddof=0))
