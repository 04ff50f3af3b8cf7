"""Les vérifications partagées par les plans d'évaluation, écrites une fois.

Chaque plan (série interrompue, doubles différences, référence énergétique…) vérifie ses
hypothèses sur les données ; les calculs qui reviennent d'un plan à l'autre vivent ici :

- :func:`multiplicateur_detectable`, :func:`effet_minimal_detectable` : l'effet minimal
  détectable (80 % de puissance, test bilatéral à 5 %) d'une erreur type, loi de Student à ``ddl``
  degrés de liberté ou loi normale ;
- :func:`ljung_box` : la statistique de Ljung-Box et sa p-valeur (autocorrélation des résidus),
  sur une série qui peut avoir des trous (NaN) ;
- :func:`pente_prealable_ar1` : la pente d'une série avant le début (moindres carrés généralisés
  AR(1)), qui sert aux tests de tendances préalables ;
- :func:`verification_longueur_serie`, :func:`verification_surdispersion` : longueur d'une série
  interrompue et surdispersion d'un modèle de comptage.

Les phrases propres à un plan (ce que veut dire une autocorrélation pour lui) restent dans son
module ; le placebo dans le temps générique est dans :mod:`eprouvette.methodes.placebo`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .base import Verification
from ..francais import nombre
from .serie_interrompue import prais_winsten, rho_ar1_reml

ALPHA = 0.05
PUISSANCE = 0.80


# ---------------------------------------------------------------------------------------------
# Effet minimal détectable
# ---------------------------------------------------------------------------------------------


def multiplicateur_detectable(ddl: float | None = None, *, alpha: float = ALPHA, puissance: float = PUISSANCE) -> float:
    """``q(1 − α/2) + q(puissance)`` : loi de Student à ``ddl`` degrés de liberté, loi normale sans ddl."""
    if ddl is None:
        return float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(puissance))
    return float(stats.t.ppf(1 - alpha / 2, ddl) + stats.t.ppf(puissance, ddl))


def effet_minimal_detectable(erreur_type: float, ddl: float | None = None, *, alpha: float = ALPHA,
                             puissance: float = PUISSANCE) -> float:
    """Effet minimal détectable d'un estimateur d'erreur type donnée (même unité que l'effet) :
    ``(q(1 − α/2) + q(puissance)) × erreur type``."""
    return float(multiplicateur_detectable(ddl, alpha=alpha, puissance=puissance) * erreur_type)


# ---------------------------------------------------------------------------------------------
# Autocorrélation des résidus
# ---------------------------------------------------------------------------------------------


def autocovariances(e: np.ndarray, kmax: int) -> np.ndarray:
    """Autocovariances empiriques (division par n) d'une série à trous (NaN = manquant), retards 0 à kmax."""
    e = np.asarray(e, dtype=float)
    obs = ~np.isnan(e)
    n = int(obs.sum())
    z = np.where(obs, e - np.nanmean(e), 0.0)
    N = len(z)
    return np.array([float(z[: N - k] @ z[k:]) / n for k in range(kmax + 1)])


def ljung_box(residus: np.ndarray, retard: int, ddl_modele: int = 0) -> tuple[float, float]:
    """Statistique de Ljung-Box sur ``retard`` retards et sa p-valeur (khi-deux à ``retard − ddl_modele``
    degrés de liberté, au moins 1). Les NaN sont des valeurs manquantes. Une série constante donne
    (0, 1) : aucune autocorrélation mesurable."""
    e = np.asarray(residus, dtype=float)
    n = int((~np.isnan(e)).sum())
    r = autocovariances(e, retard)
    if r[0] <= 0:
        return 0.0, 1.0
    rho = r[1:] / r[0]
    q = n * (n + 2) * float(np.sum(rho**2 / (n - np.arange(1, retard + 1))))
    return q, float(stats.chi2.sf(q, max(retard - ddl_modele, 1)))


# ---------------------------------------------------------------------------------------------
# Tendances préalables
# ---------------------------------------------------------------------------------------------


@dataclass
class PenteAR1:
    """Pente d'une série avant le début : dérive sur toute la période, son erreur type, p-valeur, ρ."""

    derive: float
    erreur_type: float
    p_valeur: float
    rho: float
    n: int


def pente_prealable_ar1(serie_avant: np.ndarray, *, rho_max: float = 0.98) -> PenteAR1:
    """Pente de ``serie_avant`` (par exemple l'écart entre sites expérimentés et témoins avant le début)
    par moindres carrés généralisés AR(1) : ρ par vraisemblance restreinte (borné à [−0,95 ; ``rho_max``]),
    transformation de Prais-Winsten, test de Student à n − 2 ddl. ``derive`` est l'écart gagné sur
    toute la période (pente × durée). Moins de 4 valeurs : NaN ; série rigoureusement constante :
    aucune dérive (p = 1)."""
    d = np.asarray(serie_avant, float)
    n = len(d)
    nan = float("nan")
    if n < 4:
        return PenteAR1(nan, nan, nan, nan, n)
    if np.ptp(d) <= 1e-12 * max(1.0, float(np.abs(d).max())):
        return PenteAR1(0.0, 0.0, 1.0, nan, n)
    t = np.arange(n, dtype=float)
    X = np.column_stack([np.ones(n), (t - t.mean()) / n])
    rho = float(np.clip(rho_ar1_reml(d, X), -0.95, rho_max))
    Xs, ys = prais_winsten(X, rho), prais_winsten(d, rho)
    beta, *_ = np.linalg.lstsq(Xs, ys, rcond=None)
    e = ys - Xs @ beta
    s2 = float(e @ e) / (n - 2)
    se = math.sqrt(s2 * np.linalg.inv(Xs.T @ Xs)[1, 1])
    p = float(2 * stats.t.sf(abs(beta[1] / se), n - 2)) if se > 0 else nan
    return PenteAR1(float(beta[1]), se, p, rho, n)


# ---------------------------------------------------------------------------------------------
# Série interrompue : longueur et surdispersion
# ---------------------------------------------------------------------------------------------


def verification_longueur_serie(n_avant: int, n_apres: int, minimum_avant: int = 12) -> Verification:
    """Assez de périodes avant et après le début pour une tendance et un changement ?
    Échec sous 8 avant ou 4 après ; « attention » sous ``minimum_avant`` avant ou 6 après."""
    if n_avant < 8 or n_apres < 4:
        return Verification(
            "longueur_serie", "echec",
            f"Trop peu de périodes ({n_avant} avant, {n_apres} après) : il en faut au moins 8 avant "
            "et 4 après pour estimer une tendance et un changement.", float(n_avant))
    if n_avant < minimum_avant or n_apres < 6:
        return Verification(
            "longueur_serie", "attention",
            f"Série courte ({n_avant} périodes avant, {n_apres} après) : la tendance et la "
            "saisonnalité sont mal connues, l'intervalle est fragile.", float(n_avant))
    return Verification(
        "longueur_serie", "reussie",
        f"Longueur suffisante : {n_avant} périodes avant et {n_apres} après le début.", float(n_avant))


#: Au-delà de ce rapport χ² de Pearson / ddl, un modèle de Poisson sous-estime l'incertitude.
SURDISPERSION_MAX = 1.5


def verification_surdispersion(dispersion: float, quasi_poisson: bool) -> Verification:
    """Dispersion d'un modèle de comptage (χ² de Pearson / ddl) : échec au-delà de 1,5 pour un
    Poisson, qui suppose 1 ; le quasi-Poisson en tient compte."""
    if not quasi_poisson and dispersion > SURDISPERSION_MAX:
        return Verification(
            "surdispersion", "echec",
            f"Les comptages varient {nombre(dispersion, 2)} fois plus que ne le prévoit le modèle de Poisson : "
            "les intervalles sont trop étroits ; utiliser le quasi-Poisson.", dispersion)
    return Verification(
        "surdispersion", "reussie",
        f"Dispersion (χ² de Pearson / ddl) = {nombre(dispersion, 2)}"
        + (" : prise en compte par le quasi-Poisson." if quasi_poisson else "."), dispersion)
