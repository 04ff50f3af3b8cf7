"""Puissance et effet minimal détectable, en tenant compte de l'autocorrélation.

Des mesures successives d'un même site se ressemblent (autocorrélation) : 24 mois ne valent
pas 24 observations indépendantes. Avec des erreurs AR(1) de coefficient ρ, le « facteur de
plan » (1 + ρ) / (1 − ρ) dit combien la variance d'une moyenne est gonflée.

- :func:`facteur_plan`, :func:`effet_minimal_detectable_approche` : approximation rapide
  (comparaison de deux moyennes, variance gonflée par le facteur de plan).
- :func:`effet_minimal_detectable_serie` : calcul exact pour le plan de série interrompue du
  moteur (tendance, saisonnalité, niveau, pente) sous erreurs AR(1) (moindres carrés généralisés).
- :func:`puissance_par_simulation` : puissance mesurée en simulant des séries AR(1) (graine fixée)
  et en les passant dans le moteur.
- :func:`diagnostic_duree` : « trop court pour conclure ? » face à un seuil de matérialité,
  avec le nombre qui le justifie et la durée qu'il faudrait.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import ResultatImpact
from ..francais import nombre_arrondi
from .serie_interrompue import ajuster, construire_plan
from .verifications import ALPHA, PUISSANCE, multiplicateur_detectable

def facteur_plan(rho: float) -> float:
    """Facteur de plan d'erreurs AR(1) : (1 + ρ) / (1 − ρ)."""
    if not -1 < rho < 1:
        raise ValueError("Le coefficient d'autocorrélation doit être strictement entre −1 et 1.")
    return (1 + rho) / (1 - rho)


def facteur_autocorrelation(rho: float) -> float:
    """Le facteur de plan (:func:`facteur_plan`) pour élargir un intervalle : 1 quand ρ ≤ 0 (on
    n'étrécit jamais l'intervalle). Le GLM de quasi-Poisson suppose des jours indépendants : si les
    résidus restent autocorrélés (météo persistante, chantier…), la variance de l'effet cumulé sur la
    période est sous-estimée d'environ ce facteur.
    """
    f = facteur_plan(rho)
    return 1.0 if rho <= 0 else f


def _multiplicateur(alpha: float, puissance: float) -> float:
    return multiplicateur_detectable(None, alpha=alpha, puissance=puissance)


def effet_minimal_detectable_approche(
    sigma: float, n_avant: int, n_apres: int, rho: float = 0.0, *, alpha: float = ALPHA, puissance: float = PUISSANCE
) -> float:
    """Effet moyen par période détectable (approximation : avant/après, variance × facteur de plan)."""
    se = sigma * np.sqrt(facteur_plan(rho) * (1 / n_avant + 1 / n_apres))
    return float(_multiplicateur(alpha, puissance) * se)


def _matrice_ar1(n: int, rho: float) -> np.ndarray:
    i = np.arange(n)
    return rho ** np.abs(i[:, None] - i[None, :])


def effet_minimal_detectable_serie(
    sigma: float,
    n_avant: int,
    n_apres: int,
    rho: float = 0.0,
    *,
    changement_pente: bool = True,
    saisonnalite: str | None = "fourier",
    periode: float = 12.0,
    harmoniques: int = 2,
    alpha: float = ALPHA,
    puissance: float = PUISSANCE,
) -> float:
    """Effet moyen par période détectable par le modèle de série interrompue du moteur.

    ``sigma`` : écart-type marginal du bruit ; ``rho`` : autocorrélation d'ordre 1. Variance exacte
    de l'effet cumulé sous erreurs AR(1) (moindres carrés généralisés), divisée par ``n_apres``.
    """
    apres = np.arange(n_avant + n_apres) >= n_avant
    plan = construire_plan(apres, changement_pente=changement_pente, saisonnalite=saisonnalite,
                           periode=periode, harmoniques=harmoniques)
    X = plan.X
    c = (X[apres] - plan.X_contrefactuel[apres]).sum(axis=0)
    Rinv = np.linalg.inv(_matrice_ar1(len(apres), rho))
    var = sigma**2 * c @ np.linalg.solve(X.T @ Rinv @ X, c)
    return float(_multiplicateur(alpha, puissance) * np.sqrt(var) / n_apres)


def puissance_par_simulation(
    effet_par_periode: float,
    sigma: float,
    n_avant: int,
    n_apres: int,
    rho: float = 0.0,
    *,
    n_simulations: int = 200,
    graine: int = 0,
    changement_pente: bool = True,
    alpha: float = ALPHA,
) -> float:
    """Part des séries simulées (AR(1), graine fixée) où le moteur déclare l'effet significatif."""
    from ._simulation import bruit_ar1

    rng = np.random.default_rng(graine)
    n = n_avant + n_apres
    apres = np.arange(n) >= n_avant
    plan = construire_plan(apres, changement_pente=changement_pente)
    bruit = bruit_ar1(n, rho, sigma, rng, taille=n_simulations)
    base = 100 + 0.05 * np.arange(n) + effet_par_periode * apres
    rejets = 0
    for b in bruit:
        aj = ajuster(base + b, plan, erreurs="ar1", niveau=1 - alpha)
        rejets += aj.p_valeur < alpha
    return rejets / n_simulations


@dataclass
class DiagnosticDuree:
    """Le pilote est-il assez long pour conclure face au seuil de matérialité ?"""

    trop_court: bool
    effet_minimal_detectable: float  # par période, unité de l'indicateur
    seuil: float
    n_apres: int
    n_apres_necessaire: int | None  # None : inatteignable dans la limite explorée
    phrase: str


def diagnostic_duree(
    seuil: float,
    *,
    sigma: float,
    rho: float,
    n_avant: int,
    n_apres: int,
    unite: str = "",
    changement_pente: bool = False,
    n_apres_max: int = 240,
    alpha: float = ALPHA,
    puissance: float = PUISSANCE,
) -> DiagnosticDuree:
    """Compare l'effet minimal détectable (par période, 80 % de puissance) au seuil de matérialité.

    ``seuil`` : plus petit effet moyen par période qui compterait (même unité que l'indicateur,
    en valeur absolue). Si l'effet minimal détectable le dépasse, le pilote est « trop court pour
    conclure » et l'on cherche le nombre de périodes après le début qui suffirait.
    Par défaut l'effet visé est un changement de niveau constant (``changement_pente=False``) :
    avec un changement de pente, prolonger le pilote allonge aussi l'extrapolation de la tendance
    et l'effet minimal détectable par période cesse de diminuer.
    Le calcul analytique est un peu optimiste (ρ supposé connu) : :func:`puissance_par_simulation`
    donne la puissance du moteur réel.
    """
    seuil = abs(seuil)
    rho = float(np.clip(rho, -0.95, 0.95))
    kw = dict(changement_pente=changement_pente, alpha=alpha, puissance=puissance)
    mde = effet_minimal_detectable_serie(sigma, n_avant, n_apres, rho, **kw)
    necessaire = None
    if mde <= seuil:
        necessaire = n_apres
    else:
        for m in range(n_apres + 1, n_apres_max + 1):
            if effet_minimal_detectable_serie(sigma, n_avant, m, rho, **kw) <= seuil:
                necessaire = m
                break
    u = f" {unite}" if unite else ""
    trop_court = mde > seuil
    if trop_court:
        suite = (f" Il faudrait environ {necessaire} périodes après le début (au lieu de {n_apres})."
                 if necessaire else f" Même {n_apres_max} périodes après le début ne suffiraient pas avec ce bruit.")
        phrase = (f"Trop court pour conclure : avec ce bruit, seul un effet d'au moins {nombre_arrondi(mde, decimales=2)}{u} par période "
                  f"serait détecté 8 fois sur 10, au-delà du seuil qui compte ({nombre_arrondi(seuil, decimales=2)}{u})." + suite)
    else:
        phrase = (f"Durée suffisante : un effet de {nombre_arrondi(seuil, decimales=2)}{u} par période serait détecté au moins 8 fois "
                  f"sur 10 (effet minimal détectable : {nombre_arrondi(mde, decimales=2)}{u}).")
    return DiagnosticDuree(trop_court, mde, seuil, n_apres, necessaire, phrase)


def diagnostic_duree_resultat(resultat: ResultatImpact, seuil: float, **kw) -> DiagnosticDuree:
    """:func:`diagnostic_duree` à partir d'un résultat de série interrompue (σ, ρ et longueurs lus
    dans ``details``) ; renseigne aussi ``resultat.effet_minimal_detectable`` (effet cumulé)."""
    d = resultat.details
    if d.get("sigma_residus") is None:
        raise ValueError("Ce résultat ne contient pas l'écart-type des résidus (série interrompue gaussienne requise).")
    rho = d.get("rho_ar1_modele", d.get("rho_ar1_residus", 0.0))
    # Les résidus (observé − ajusté) gardent leur autocorrélation : leur écart-type est marginal.
    diag = diagnostic_duree(seuil, sigma=d["sigma_residus"], rho=rho, n_avant=d["n_avant"],
                            n_apres=d["n_apres"], unite=resultat.unite, **kw)
    resultat.effet_minimal_detectable = diag.effet_minimal_detectable * d["n_apres"]
    return diag
