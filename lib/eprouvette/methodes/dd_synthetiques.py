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

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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
    (mise à jour du gradient, de pᵀp, pᵀGp et cᵀp à chaque pas : O(k) au lieu de O(nk)), et même arrêt :
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
    # Le demi-gradient d = G p − c + η p se met à jour sans produit matrice-vecteur : pour
    # p ← q p + pas eᵢ, d ← q d + pas Mᵢ avec Mᵢ = Gᵢ + η eᵢ − c (ligne i de M ; G est symétrique).
    M = G + eta * np.eye(k) - c[None, :]
    Gp = G @ p
    d = Gp - c + eta * p
    pp, pGp, cp = float(p @ p), float(p @ Gp), float(c @ p)
    diag_l, c_l = diag.tolist(), c.tolist()
    z2 = zeta ** 2
    seuil = baisse_min ** 2
    precedente = None
    for iteration in range(iterations_max):
        i = int(np.argmin(d))
        di, pi = float(d[i]), float(p[i])
        gpi = di + c_l[i] - eta * pi  # (G p)ᵢ
        # dx = e_i − p ; pente = −dᵀ dx ; courbure = ‖A dx‖² + η ‖dx‖².
        pente = float(d @ p) - di
        courbure = (diag_l[i] - 2 * gpi + pGp) + eta * (pp - 2 * pi + 1.0)
        if pi == 1.0 or courbure <= 0:
            pas = 0.0
        else:
            pas = min(1.0, max(0.0, pente / courbure))
        if pas > 0.0:
            q = 1.0 - pas
            pp = q * q * pp + 2 * pas * q * pi + pas * pas
            pGp = q * q * pGp + 2 * pas * q * gpi + pas * pas * diag_l[i]
            cp = q * cp + pas * c_l[i]
            d *= q
            d += pas * M[i]
            p *= q
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


def _poids_exacts(Y: np.ndarray, zeta: float, constante: bool) -> np.ndarray | None:
    """Le même problème que :func:`_poids_frank_wolfe`, résolu exactement : moindres carrés positifs
    (Lawson et Hanson, ``scipy.optimize.nnls``) sur [A ; √(nζ²) I ; w 1ᵀ] p ≈ [b ; 0 ; w], la ligne
    de poids w (10⁴ × la plus grande valeur) imposant Σ p = 1. ``None`` si l'algorithme n'aboutit pas."""
    from scipy.optimize import nnls

    n, k = Y.shape[0], Y.shape[1] - 1
    if constante:
        Y = Y - Y.mean(axis=0)
    A, b = Y[:, :k], Y[:, k]
    w = 1e4 * max(float(np.abs(Y).max()), 1e-12)
    C = np.vstack([A, np.sqrt(n) * zeta * np.eye(k), np.full((1, k), w)])
    try:
        p, _ = nnls(C, np.r_[b, np.zeros(k), w], maxiter=50 * k)
    except RuntimeError:
        return None
    if not np.isfinite(p).all() or p.sum() <= 0:
        return None
    return p / p.sum()


#: Les deux façons de calculer les poids : ``"exact"`` et ``"frank_wolfe"`` (l'algorithme de l'article).
#: Le problème étant strictement convexe (pénalité ζ² > 0), elles visent le même minimum ; Frank et Wolfe s'arrête après 10 000 pas quand il y a plus de périodes d'avant que de
#: témoins (le problème des λ converge alors lentement) et coûte ~300 fois plus. Sur la Proposition 99,
#: les deux donnent −15,6 (écart 0,002) et les mêmes poids effectifs.
SOLVEURS = ("exact", "frank_wolfe")


def _calculer_poids(Yc: np.ndarray, zeta: float, constante: bool, depart: np.ndarray | None,
                    baisse_min: float, solveur: str = "exact") -> np.ndarray:
    if solveur == "exact":
        p = _poids_exacts(Yc, zeta, constante)
        if p is not None:
            return p
    p = _poids_frank_wolfe(Yc, zeta, constante, depart, baisse_min, _ITERATIONS_AVANT_ECLAIRCIR)
    return _poids_frank_wolfe(Yc, zeta, constante, _eclaircir(p), baisse_min, _ITERATIONS_MAX)


def dd_synthetiques(Y, n_temoins: int, n_avant: int, *, variante: str = "dd_synthetiques",
                    omega_depart: np.ndarray | None = None,
                    lambda_depart: np.ndarray | None = None,
                    reglages: dict | None = None, solveur: str | None = None) -> EstimationDDS:
    """Estimation sur la matrice ``Y`` (sites × périodes) : les ``n_temoins`` premières lignes sont
    les témoins, les suivantes les sites équipés ; les ``n_avant`` premières colonnes sont l'avant.

    ``variante`` : ``"dd_synthetiques"`` (par défaut), ``"controle_synthetique"`` ou
    ``"doubles_differences"``. ``omega_depart`` / ``lambda_depart`` : points de départ de
    l'optimisation (utilisés par les placebos). ``reglages`` : les pénalités ζ et le seuil d'arrêt
    d'une estimation précédente (``EstimationDDS.options``), que les placebos reprennent tels quels
    au lieu de les recalculer sur leurs seuls témoins (comme l'article). ``solveur`` : voir
    :data:`SOLVEURS` ; par défaut ``"exact"`` pour les doubles différences synthétiques et
    ``"frank_wolfe"`` pour le contrôle synthétique (presque sans pénalité, son problème a de nombreux
    minimums voisins : le chiffre publié, −19,6, est celui où s'arrête Frank et Wolfe ; le minimum
    exact donne −19,5). Les placebos reprennent le solveur de l'estimation.
    """
    Y = np.asarray(Y, float)
    if variante not in VARIANTES:
        raise ValueError(f"variante inconnue : {variante!r} (attendu : {', '.join(VARIANTES)})")
    if solveur is None:
        solveur = "exact" if variante == "dd_synthetiques" else "frank_wolfe"
    if solveur not in SOLVEURS:
        raise ValueError(f"solveur inconnu : {solveur!r} (attendu : {', '.join(SOLVEURS)})")
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
    reglages = {**reglages, "solveur": solveur}
    Yc = _forme_reduite(Y, N0, T0)
    if variante == "doubles_differences":
        omega, lam = np.full(N0, 1.0 / N0), np.full(T0, 1.0 / T0)
    else:
        if variante == "dd_synthetiques":
            lam = _calculer_poids(Yc[:N0, :], reglages["zeta_lambda"], True, lambda_depart, reglages["baisse_min"],
                                  solveur)
        else:  # contrôle synthétique : aucune période d'avant dans l'écart, pas de constante
            lam = np.zeros(T0)
        omega = _calculer_poids(Yc[:, :T0].T, reglages["zeta_omega"], variante == "dd_synthetiques",
                                omega_depart, reglages["baisse_min"], solveur)
    effet = float(np.r_[-omega, np.full(N1, 1.0 / N1)] @ Y @ np.r_[-lam, np.full(T1, 1.0 / T1)])
    return EstimationDDS(effet=effet, variante=variante, omega=omega, lambda_=lam, n_temoins=N0,
                         n_avant=T0, niveau_bruit=bruit, options=dict(reglages))


def effets_placebo(Y, estimation: EstimationDDS, *, repetitions: int = 200,
                   graine: int = 20210101) -> np.ndarray | None:
    """Les estimations placebo (article, algorithme 4) : N₁ témoins font semblant d'être équipés
    et l'estimation est refaite sur les seuls témoins, en partant des poids de l'estimation et avec
    ses pénalités.

    Avec un seul site équipé, chaque témoin joue le placebo une fois (les N₀ placebos possibles,
    sans tirage : le résultat ne dépend d'aucune graine) ; de même, chaque groupe de N₁ témoins une
    fois quand il y en a au plus ``repetitions`` ; sinon ``repetitions`` tirages au hasard.
    ``None`` s'il ne reste pas au moins deux témoins une fois N₁ d'entre eux mis à la place des
    sites équipés (placebos impossibles).
    """
    Y = np.asarray(Y, float)
    N0 = estimation.n_temoins
    N1 = Y.shape[0] - N0
    if N0 - N1 < 2:  # il faut au moins deux témoins restants pour refaire l'estimation
        return None
    n0 = N0 - N1
    if N1 == 1:
        ordres = [np.r_[np.delete(np.arange(N0), j), j] for j in range(N0)]
    elif math.comb(N0, N1) <= repetitions:  # peu de témoins : chaque groupe de N₁ témoins une fois
        ordres = [np.r_[np.delete(np.arange(N0), list(g)), list(g)]
                  for g in itertools.combinations(range(N0), N1)]
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
                                    reglages=estimation.options or None,
                                    solveur=estimation.options.get("solveur")).effet
    return effets


def ecart_type_placebo(Y, estimation: EstimationDDS, *, repetitions: int = 200,
                       graine: int = 20210101) -> float | None:
    """Écart type par placebos : √((R − 1)/R) × écart type des R estimations placebo de
    :func:`effets_placebo` (l'écart type « de population » des placebos)."""
    return _ecart_type_des_placebos(effets_placebo(Y, estimation, repetitions=repetitions, graine=graine))


def _ecart_type_des_placebos(effets: np.ndarray | None) -> float | None:
    """L'écart type « de population » d'estimations placebo déjà faites (None s'il y en a moins de deux)."""
    if effets is None or len(effets) < 2:
        return None
    return float(np.std(effets, ddof=0))


def quantile_placebo(n_temoins: int, niveau: float = 0.95) -> float:
    """Le multiplicateur de l'écart type placebo : quantile de la loi de Student à J − 1 degrés de
    liberté (J témoins). L'article prend la loi normale (1,96), valable avec beaucoup de témoins ;
    avec 4 à 20 témoins, elle donne 3 à 14,5 % de faux « significatif » sur les plans simulés
    (docs/methodes.md) ; la loi de Student ramène ce taux vers 5 %."""
    from scipy.stats import t

    return float(t.ppf(0.5 + niveau / 2, max(int(n_temoins) - 1, 1)))


def intervalle_placebo(Y, estimation: EstimationDDS, *, niveau: float = 0.95, repetitions: int = 200,
                       graine: int = 20210101) -> tuple[float, float, float]:
    """Intervalle : effet ± :func:`quantile_placebo` × écart type placebo, et cet écart type.
    ``(nan, nan, nan)`` si les placebos sont impossibles (pas plus de témoins que de sites équipés)."""
    return _intervalle(estimation, ecart_type_placebo(Y, estimation, repetitions=repetitions, graine=graine), niveau)


def _intervalle(estimation: EstimationDDS, se: float | None, niveau: float) -> tuple[float, float, float]:
    """Effet ± :func:`quantile_placebo` × ``se`` (écart type placebo, None si les placebos sont impossibles)."""
    if se is None:
        return float("nan"), float("nan"), float("nan")
    q = quantile_placebo(estimation.n_temoins, niveau)
    return estimation.effet - q * se, estimation.effet + q * se, se


# ---------------------------------------------------------------------------------------------
# Pour les domaines : panel sites × périodes, résultat complet, contrôle de robustesse
# ---------------------------------------------------------------------------------------------

METHODE = "dd_synthetiques"
LIBELLE = "Doubles différences synthétiques (mélange pondéré de témoins, placebos)"


def frequence_panel(jours_reference: int, jours_experimentation: int) -> str:
    """Le pas du panel : le mois quand la référence couvre au moins un an et l'expérimentation au
    moins trois mois (séries journalières moyennées par mois : moins de bruit et d'autocorrélation),
    sinon la semaine."""
    return "M" if jours_reference >= 360 and jours_experimentation >= 90 else "W"


def panel_par_periode(mesures: pd.DataFrame, sites: list[str], fin_reference, debut_experimentation,
                      fin_experimentation, frequence: str) -> tuple[pd.DataFrame, int]:
    """Panel large (une ligne par période, une colonne par site, dans l'ordre de ``sites``) des
    moyennes par mois (``frequence="M"``) ou par semaine (``"W"``) des mesures (colonnes ``date``,
    ``site``, ``valeur``). Une période à cheval sur le début est coupée en deux (partie avant,
    partie pendant) ; les jours entre la référence et l'expérimentation sont écartés ; seules les
    périodes où tous les sites ont une mesure sont gardées. Renvoie le panel et son nombre de
    périodes d'avant."""
    m = mesures[mesures["site"].isin(sites)].dropna(subset=["valeur"])
    dates = pd.to_datetime(m["date"])
    avant = dates <= pd.Timestamp(fin_reference)
    pendant = dates.between(pd.Timestamp(debut_experimentation), pd.Timestamp(fin_experimentation))
    m = m.assign(phase=np.where(avant, 0, 1), periode=dates.dt.to_period(frequence).dt.start_time)[avant | pendant]
    large = m.pivot_table(index=["phase", "periode"], columns="site", values="valeur", aggfunc="mean")
    large = large.reindex(columns=list(sites)).dropna()
    n_avant = int((large.index.get_level_values("phase") == 0).sum())
    large.index = large.index.get_level_values("periode")
    return large, n_avant


def estimer_dd_synthetiques(panel: pd.DataFrame, experimentes: list[str], temoins: list[str], n_avant: int, *,
                            indicateur: str, unite: str, facteur: float = 1.0, total_observe: float | None = None,
                            justification: str = "", limites: list[str] | None = None,
                            mot: str = "site", niveau: float = 0.95) -> "ResultatImpact":
    """Les doubles différences synthétiques comme estimation principale, en :class:`ResultatImpact`.

    ``panel`` : :func:`panel_par_periode`. L'effet est exprimé sur la **somme** des sites équipés,
    par période de mesure élémentaire : τ (effet moyen par site équipé et par période du panel) × le
    nombre de sites équipés × ``facteur`` (conversion vers l'unité du domaine, 1 par défaut).
    Intervalle :func:`intervalle_placebo` (loi de Student à J − 1 degrés de liberté), p-valeur de la même loi ; sans
    placebo possible, l'incertitude est déclarée non calculable. ``total_observe`` : total mesuré
    des sites équipés pendant l'expérimentation, dans l'unité de l'effet cumulé sur le nombre de
    périodes élémentaires (pour l'effet relatif)."""
    from scipy.stats import t as student

    from ..francais import compte, nombre, phrase_effet, pourcentage
    from .base import ResultatImpact, Verification
    from .verifications import effet_minimal_detectable

    Y = panel[[*temoins, *experimentes]].to_numpy(float).T
    N0, N1 = len(temoins), len(experimentes)
    est = dd_synthetiques(Y, N0, n_avant)
    # Les placebos, faits une fois : ils donnent l'intervalle (:func:`intervalle_placebo`) et leur nombre.
    placebos = effets_placebo(Y, est)
    bas, haut, se = _intervalle(est, _ecart_type_des_placebos(placebos), niveau)
    echelle = N1 * facteur
    effet = est.effet * echelle
    se_e = se * abs(echelle) if np.isfinite(se) else float("nan")
    bas, haut = sorted((bas * echelle, haut * echelle)) if np.isfinite(se) else (float("nan"), float("nan"))
    p = (float(2 * student.sf(abs(est.effet) / se, max(N0 - 1, 1))) if np.isfinite(se) and se > 0
         else float("nan"))
    y_e = Y[N0:].mean(axis=0)
    synth_brut = est.omega @ Y[:N0]
    decalage = float(est.lambda_ @ (y_e[:n_avant] - synth_brut[:n_avant]))
    synth = synth_brut + decalage
    n_apres = Y.shape[1] - n_avant
    verifs = []
    # Ajustement avant : l'écart site équipé − mélange (décalage constant retiré) sur l'avant,
    # rapporté à l'écart type des variations de la série d'avant des sites équipés.
    residu = y_e[:n_avant] - synth[:n_avant]
    rmse = float(np.sqrt(np.mean((residu - residu.mean()) ** 2)))
    echelle_serie = float(np.std(y_e[:n_avant]))
    qualite = rmse / echelle_serie if echelle_serie > 0 else 0.0
    phrase_ajust = (f"Le mélange pondéré de {mot}s témoins suit les {mot}s équipés avant le début à un écart "
                    f"constant près (écart résiduel : {pourcentage(qualite, 0)} de la variabilité de leur série)")
    if qualite <= 0.5:
        verifs.append(Verification("ajustement_avant", "reussie", phrase_ajust + ".", qualite))
    else:
        verifs.append(Verification("ajustement_avant", "attention" if qualite <= 1 else "echec",
                                   phrase_ajust.replace(" suit ", " suit mal ") + " : le contrefactuel est peu crédible.",
                                   qualite))
    from .choix import TEMOINS_MIN_DD_SYNTHETIQUES

    minimum = TEMOINS_MIN_DD_SYNTHETIQUES.get(N1, max(TEMOINS_MIN_DD_SYNTHETIQUES.values()))
    distincts = 0 if placebos is None else len(placebos)
    verifs.append(Verification(
        "nombre_placebos", "reussie" if N0 >= minimum else "attention",
        f"{compte(N0, f'{mot} témoin', f'{mot}s témoins')} : l'incertitude vient de {distincts} estimations où des "
        f"témoins font semblant d'être équipés (placebos)."
        + ("" if N0 >= minimum else
           f" C'est peu : il faudrait au moins {minimum} témoins pour que l'intervalle soit fiable."),
        float(distincts)))
    if est.omega.max() > 0.8:
        verifs.append(Verification("concentration_poids", "attention",
                                   f"Le mélange de témoins repose presque entièrement sur un seul {mot} "
                                   f"({temoins[int(np.argmax(est.omega))]}, poids {nombre(float(est.omega.max()), 2)}).",
                                   float(est.omega.max())))
    contre = pd.DataFrame({"date": panel.index.to_numpy(), "observe": y_e * echelle, "contrefactuel": synth * echelle,
                           "periode": np.where(np.arange(Y.shape[1]) < n_avant, "avant", "apres")})
    r = ResultatImpact.construire(
        methode=METHODE, libelle_methode=LIBELLE, indicateur=indicateur, unite=unite, effet=effet,
        ic_bas=bas, ic_haut=haut, p_valeur=p, total_observe=total_observe, erreur_type=se_e,
        contrefactuel=contre, verifications=verifs,
        effet_minimal_detectable=effet_minimal_detectable(se_e, max(N0 - 1, 1)) if np.isfinite(se_e) else None,
        resume=lambda res: phrase_effet(indicateur, unite, effet, bas, haut, res.effet_relatif,
                                        "Pendant l'expérimentation, en moyenne")
        + f" L'incertitude vient de {distincts} placebos (des témoins traités comme s'ils avaient été équipés).",
        justification=justification, limites=list(limites or []),
        details={"poids_temoins": pd.DataFrame({"site": temoins, "poids": est.omega}).sort_values(
                     "poids", ascending=False).reset_index(drop=True),
                 "poids_periodes_avant": est.lambda_, "n_periodes_avant": n_avant, "n_periodes_apres": n_apres,
                 "placebos_distincts": distincts, "effet_par_site_et_periode": est.effet,
                 "inference": "variance placebo (Arkhangelsky et al., 2021, algorithme 4), loi de Student à J − 1 degrés de liberté"},
        raison_indeterminee=None if np.isfinite(se) and se > 0 else
        f"il faut au moins deux {mot}s témoins de plus que de {mot}s équipés pour les placebos (des témoins qui "
        "font semblant d'être équipés)",
    )
    return r


def verification_dd_synthetiques(principal: "ResultatImpact", effet_dds: float, *, unite: str = "",
                                 nom_principal: str = "l'estimation principale",
                                 decimales: int | None = None) -> "Verification":
    """Contrôle de robustesse : l'effet des doubles différences synthétiques (``effet_dds``, même
    unité et même échelle que l'effet principal) concorde-t-il avec l'estimation principale ?
    Concordance : même sens, et un écart inférieur à la demi-largeur de l'intervalle principal (son
    incertitude propre) ; sinon « attention » (l'effet dépend de la méthode). Sans intervalle
    principal calculable, seul le sens est comparé."""
    from ..francais import decimales_lisibles, nombre
    from .base import Verification

    d = decimales if decimales is not None else decimales_lisibles(principal.effet, principal.ic_bas, principal.ic_haut)
    u = f"\u00a0{unite}" if unite else ""
    debut = (f"Doubles différences synthétiques (mélange pondéré de témoins qui suit les sites équipés avant le "
             f"début, à un écart constant près) : effet {nombre(effet_dds, d)}{u}, pour {nombre(principal.effet, d)}{u} "
             f"par {nom_principal}")
    meme_sens = np.sign(effet_dds) == np.sign(principal.effet)
    if principal.incertitude_valide:
        concorde = meme_sens and abs(effet_dds - principal.effet) <= (principal.ic_haut - principal.ic_bas) / 2
        reussie = " : même sens, écart dans l'incertitude de l'estimation principale ; les deux méthodes concordent."
    else:
        concorde = meme_sens
        reussie = " : même sens (l'estimation principale n'a pas d'intervalle calculable pour juger l'écart)."
    if concorde:
        return Verification("dd_synthetiques", "reussie", debut + reussie, float(effet_dds))
    return Verification("dd_synthetiques", "attention",
                        "Les doubles différences synthétiques donnent un effet nettement différent : "
                        + debut[0].lower() + debut[1:] + ". Les deux estimations s'écartent plus que l'incertitude de "
                        "l'estimation principale, ou sont de sens contraire : l'effet dépend de la méthode retenue, "
                        "il est à lire avec prudence.", float(effet_dds))


@dataclass
class PlanDDSPilote:
    """Ce que les doubles différences synthétiques font dans un pilote : leur rôle (règle de
    :func:`eprouvette.methodes.choix.regle_dd_synthetiques`, décidée sur la forme des données) et le
    panel sites × périodes (None si elles sont sans objet)."""

    role: str
    raison: str
    panel: pd.DataFrame | None
    n_avant: int
    experimentes: list[str]
    temoins: list[str]
    frequence: str

    def effet(self, facteur: float = 1.0) -> float:
        """L'effet seul (sans placebos), à l'échelle de :func:`estimer_dd_synthetiques`."""
        Y = self.panel[[*self.temoins, *self.experimentes]].to_numpy(float).T
        return dd_synthetiques(Y, len(self.temoins), self.n_avant).effet * len(self.experimentes) * facteur

    def controler(self, principal, *, facteur: float = 1.0, unite: str = "",
                  nom_principal: str = "l'estimation principale") -> None:
        """Ajoute au résultat principal le contrôle de robustesse (vérification ``dd_synthetiques``) quand
        la règle le prévoit ; sinon, s'il y a des témoins, la raison pour laquelle il est sans objet (limites)."""
        if self.role == "robustesse":
            v = verification_dd_synthetiques(principal, self.effet(facteur), unite=unite, nom_principal=nom_principal)
            v.phrase += " " + self.raison
            principal.verifications = list(principal.verifications) + [v]
        elif self.role == "sans_objet" and self.temoins:
            principal.limites = list(principal.limites) + [
                "Contrôle par les doubles différences synthétiques sans objet : " + self.raison[0].lower() + self.raison[1:]]


def plan_dd_synthetiques(pilote, jour: pd.DataFrame) -> PlanDDSPilote:
    """Le rôle des doubles différences synthétiques pour un pilote (sites expérimentés et témoins,
    périodes de ``pilote.yaml``) et ses mesures ``jour`` (colonnes ``date``, ``site``, ``valeur``, dates
    locales naïves) : panel par mois ou par semaine (:func:`frequence_panel`, :func:`panel_par_periode`),
    puis la règle, qui ne regarde que la forme du panel."""
    from .choix import EQUIPES_MAX_ROBUSTESSE, TEMOINS_MIN_ROBUSTESSE, regle_dd_synthetiques

    exp = [s.identifiant for s in pilote.sites_experimentaux]
    tem = [s.identifiant for s in pilote.sites_temoins]
    ref, ex = pilote.periode_reference, pilote.periode_experimentation
    frequence = frequence_panel(ref.jours, (pd.Timestamp(ex.fin) - pd.Timestamp(ex.debut)).days + 1)
    panel, n_avant = None, 0
    # Le panel n'est construit que si la règle peut donner autre chose que « sans objet ».
    if len(tem) >= TEMOINS_MIN_ROBUSTESSE and len(exp) <= EQUIPES_MAX_ROBUSTESSE and not pilote.deploiement_echelonne:
        panel, n_avant = panel_par_periode(jour, exp + tem, ref.fin, ex.debut, ex.fin, frequence)
        if len(panel) - n_avant < 1:
            panel, n_avant = None, 0
    regle = regle_dd_synthetiques(n_experimentes=len(exp), n_temoins=len(tem),
                                  n_periodes_avant=n_avant if panel is not None else None,
                                  debuts_differents=pilote.deploiement_echelonne)
    return PlanDDSPilote(regle.role, regle.raison, panel if regle.role != "sans_objet" else None, n_avant, exp, tem,
                         frequence)
