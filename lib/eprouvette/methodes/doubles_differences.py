"""Doubles différences : sites expérimentés contre sites témoins, avant contre après.

- :func:`doubles_differences_moyennes` : le tableau 2 × 2 des moyennes par cellule.
- :func:`doubles_differences` : la même chose par régression ``y ~ traite + apres + traite:apres``
  (+ covariables), erreurs classiques ou regroupées (« clusterisées ») par site.
- :func:`effets_fixes_bidirectionnels` : panel de sites × périodes, effets fixes site et période.
- :func:`etude_evenementielle` : coefficients avant / après le début (leads / lags) et test joint
  de l'absence de tendance préalable.

L'hypothèse centrale, jamais démontrable, est celle des tendances parallèles : sans
l'expérimentation, l'écart entre sites expérimentés et témoins serait resté le même.

Incertitude : d'où elle vient selon le nombre de sites
------------------------------------------------------
Les erreurs regroupées par site ne valent que s'il y a assez de sites **de chaque côté** : avec un
ou deux sites expérimentés, elles ne voient que la variabilité des témoins et sont beaucoup trop
petites, et le bootstrap sauvage par grappes échoue aussi (MacKinnon et Webb, 2017). Le plan
d'inférence est donc choisi ainsi (:func:`choisir_inference`) :

1. au moins 10 sites expérimentés et 10 témoins : erreurs regroupées par site (Student à G − 1 ddl),
   bootstrap sauvage par grappes sous 30 sites ;
2. sinon, s'il y a au moins 19 témoins : placebos dans l'espace, c'est-à-dire inférence par
   randomisation (le traitement est réaffecté à chaque témoin, ou à chaque groupe d'autant de sites
   qu'il y a de sites expérimentés, et l'effet ré-estimé ; p-valeur de rang, intervalle par inversion
   du test sous un effet constant ; Abadie et al., 2010 ; Conley et Taber, 2011) ;
3. sinon, si le panel est long (au moins 30 périodes avant et 10 après) : c'est la dimension
   temporelle qui porte l'incertitude, par la série des écarts (moyenne des expérimentés − moyenne
   des témoins) et son autocorrélation AR(1) (Bertrand, Duflo et Mullainathan, 2004) ;
4. sinon, si chaque groupe compte au moins 4 sites : bootstrap sauvage par grappes (poids de Webb) ;
5. sinon : l'incertitude est indéterminée (:func:`~eprouvette.methodes.base.incertitude_indeterminee`),
   et l'effet ne peut jamais être tenu pour établi.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np
import pandas as pd
from scipy import signal, sparse, special, stats

from .. import config
from .base import (
    ResultatImpact,
    Verification,
    incertitude_est_valide,
    incertitude_indeterminee,
)
from ..francais import accord, nombre, phrase_effet
from .serie_interrompue import moments_prais_winsten
from .verifications import effet_minimal_detectable, pente_prealable_ar1

METHODE = "doubles_differences"
LIBELLE = "Doubles différences avec sites témoins"
#: En dessous de ce nombre de grappes (sites), les erreurs regroupées sont peu fiables.
GRAPPES_MINIMUM = 30
#: Sites expérimentés et sites témoins nécessaires, chacun, pour des erreurs regroupées par site.
GRAPPES_PAR_GROUPE_MINIMUM = 10
#: Sites par groupe sous lesquels le bootstrap sauvage par grappes n'est plus tenté.
BOOTSTRAP_PAR_GROUPE_MINIMUM = 4
#: Placebos dans l'espace nécessaires pour qu'une p-valeur de rang puisse descendre à 5 %.
PLACEBOS_MINIMUM = 19
#: Au-delà, les combinaisons de témoins sont tirées au hasard (graine fixée).
PLACEBOS_MAXIMUM = 999
#: Périodes avant / après nécessaires pour tirer l'incertitude de la dimension temporelle.
PERIODES_AVANT_MINIMUM = 30
PERIODES_APRES_MINIMUM = 10

Inference = Literal["auto", "regroupees", "bootstrap", "permutation", "temporelle"]

LIMITES = [
    "Repose sur l'hypothèse de tendances parallèles : sans l'expérimentation, sites expérimentés et "
    "témoins auraient évolué de la même façon. Les périodes d'avant permettent de la tester en "
    "partie, jamais de la prouver.",
    "Un événement qui ne toucherait que les sites expérimentés au même moment (travaux, changement "
    "d'exploitant…) serait confondu avec l'effet.",
    "Si les sites ont été choisis parce qu'ils allaient mal (ou bien), un retour à la moyenne peut "
    "imiter un effet.",
]


def _sites(n: int, nom: str = "site") -> str:
    return f"{n} {nom}{'s' if n > 1 else ''}"


def _groupes(g1: int, g0: int) -> str:
    return f"{g1} site{'s' if g1 > 1 else ''} expérimenté{'s' if g1 > 1 else ''} et {_sites(g0, 'témoin')}"


# ---------------------------------------------------------------------------------------------
# Choix du plan d'inférence
# ---------------------------------------------------------------------------------------------


def choisir_inference(g1: int, g0: int, n_avant: int = 0, n_apres: int = 0, *,
                      temps_disponible: bool = True) -> str:
    """Plan d'inférence selon le nombre de sites expérimentés ``g1``, de témoins ``g0`` et de périodes.

    Renvoie « regroupees », « permutation », « temporelle », « bootstrap » ou « indeterminee »
    (ordre de préférence expliqué dans la documentation du module).
    """
    if g1 >= GRAPPES_PAR_GROUPE_MINIMUM and g0 >= GRAPPES_PAR_GROUPE_MINIMUM:
        return "regroupees"
    if g0 >= PLACEBOS_MINIMUM:
        return "permutation"
    if temps_disponible and n_avant >= PERIODES_AVANT_MINIMUM and n_apres >= PERIODES_APRES_MINIMUM:
        return "temporelle"
    if min(g1, g0) >= BOOTSTRAP_PAR_GROUPE_MINIMUM:
        return "bootstrap"
    return "indeterminee"


def _raison_indeterminee(g1: int, g0: int, n_avant: int | None, n_apres: int | None) -> str:
    raison = (f"avec {_groupes(g1, g0)}, il y a trop peu de sites pour mesurer le hasard d'un site à "
              f"l'autre (il faudrait au moins {GRAPPES_PAR_GROUPE_MINIMUM} sites de chaque côté, ou au moins "
              f"{PLACEBOS_MINIMUM} témoins pour des placebos dans l'espace)")
    if n_avant is None:
        raison += (", et ce tableau avant / après sans dates ne permet pas de s'appuyer sur la durée : "
                   "fournir les mesures par période (panel sites × périodes)")
    else:
        raison += (f", et trop peu de périodes ({n_avant} avant, {n_apres} pendant) pour s'appuyer sur la "
                   f"durée (il en faudrait au moins {PERIODES_AVANT_MINIMUM} avant et {PERIODES_APRES_MINIMUM} "
                   "pendant, par exemple des mesures quotidiennes ou hebdomadaires)")
    return raison


def nombre_affectations(g1: int, g0: int) -> int:
    """Nombre d'affectations possibles du traitement : combinaisons de ``g1`` sites parmi ``g1 + g0``."""
    return math.comb(g1 + g0, g1) if g1 >= 1 and g0 >= 1 else 0


def _affectations(g: int, observe: np.ndarray, maximum: int, graine: int) -> np.ndarray:
    """Affectations du traitement à ``len(observe)`` sites parmi ``g`` : ligne 0 = l'affectation réelle,
    puis toutes les autres si elles sont au plus ``maximum``, sinon ``maximum`` tirées au hasard
    (graine fixée). Tableau (A, g1) d'indices de sites, triés."""
    obs = np.sort(np.asarray(observe, int))
    g1 = len(obs)
    if math.comb(g, g1) <= maximum + 1:
        tous = np.array(list(itertools.combinations(range(g), g1)), dtype=int).reshape(-1, g1)
        autres = tous[~np.all(tous == obs[None, :], axis=1)]
    else:
        rng = np.random.default_rng(graine)
        autres = np.sort(np.argsort(rng.random((maximum, g)), axis=1)[:, :g1], axis=1)
    return np.vstack([obs[None, :], autres])


@dataclass
class _Inference:
    """Incertitude de l'effet selon le plan retenu."""

    regime: str
    effet: float
    se: float
    bas: float
    haut: float
    p: float
    ddl: float
    verification: Verification
    details: dict = field(default_factory=dict)
    raison_indeterminee: str | None = None


def _inference_fisher(effets: np.ndarray, c: np.ndarray, niveau: float, g1: int, g0: int,
                      total: int) -> _Inference:
    """Inférence par randomisation (Fisher) : le traitement est réaffecté à d'autres sites (chaque
    témoin, ou chaque groupe de ``g1`` sites), l'effet ré-estimé sur toutes les données.

    ``effets[a]`` : effet estimé si l'affectation ``a`` avait été la vraie (ligne 0 = la vraie) ;
    ``c[a]`` : même estimateur appliqué au vrai indicateur de traitement (1 pour la ligne 0). Sous un
    effet constant τ, l'effet de l'affectation ``a`` sur les données « sans effet » y − τD vaut
    ``effets[a] − τ c[a]`` : p(τ) = part des affectations dont |effets[a] − τ c[a]| ≥ |effet − τ|.
    La p-valeur est p(0), l'intervalle l'ensemble des τ avec p(τ) > 1 − niveau (inversion exacte du
    test), la dispersion la variabilité des faux effets une fois l'effet estimé retiré.
    """
    effets = np.asarray(effets, float)
    c = np.asarray(c, float)
    ok = np.isfinite(effets) & np.isfinite(c)
    ok[0] = True
    effets, c = effets[ok], c[ok]
    effet = float(effets[0])
    A = len(effets)
    nan = float("nan")
    echelle = max(float(np.max(np.abs(effets))), 1e-300)

    def pval(tau: np.ndarray) -> np.ndarray:
        stat = np.abs(effets[None, :] - tau[:, None] * c[None, :])
        ref = np.abs(effet - tau)[:, None]
        return (stat >= ref - 1e-10 * (echelle + ref)).sum(axis=1) / A

    p = float(pval(np.array([0.0]))[0]) if A > 1 else nan
    alpha = 1 - niveau
    if A < PLACEBOS_MINIMUM + 1 or 1 / A > alpha:
        bas = haut = nan
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            points = np.concatenate([(effets[1:] - effet) / (c[1:] - 1), (effets[1:] + effet) / (c[1:] + 1)])
        points = np.unique(points[np.isfinite(points)])
        milieux = (points[1:] + points[:-1]) / 2 if len(points) > 1 else np.empty(0)
        candidats = np.concatenate([points, milieux, [effet]])
        acceptes = candidats[pval(candidats) > alpha]
        bas, haut = float(acceptes.min()), float(acceptes.max())
        # Ensemble non borné (un faux effet aussi sensible à τ que le vrai) : pas d'intervalle.
        if bas == points.min() or haut == points.max():
            extremes = np.array([points.min() - 1e6 * (1 + abs(points.min())), points.max() + 1e6 * (1 + abs(points.max()))])
            if np.any(pval(extremes) > alpha):
                bas = haut = nan
    residuels = effets[1:] - effet * c[1:]
    se = float(np.std(residuels, ddof=1)) if A > 2 else nan
    P = A - 1
    tirage = "toutes les affectations possibles" if A == total else f"{P} affectations tirées au hasard parmi {total}"
    quoi = ("chaque témoin est traité à son tour comme s'il avait été le site expérimenté" if g1 == 1 else
            f"le traitement est réaffecté à d'autres groupes de {g1} sites ({tirage})")
    phrase = (
        f"{_groupes(g1, g0)} : avec si peu de sites expérimentés, les erreurs types regroupées par site "
        f"seraient bien trop petites (et le bootstrap sauvage échoue aussi, MacKinnon et Webb, 2017). "
        f"L'incertitude vient donc de {P} placebos dans l'espace : {quoi}, et l'effet est ré-estimé ; la "
        f"p-valeur est le rang de l'effet réel parmi ces faux effets (p = {nombre(p, 3)}) et l'intervalle en "
        "vient (Abadie et al., 2010 ; Conley et Taber, 2011). Cela suppose que les sites expérimentés, sans "
        "l'expérimentation, auraient varié comme les témoins."
    )
    raison = None
    if not (math.isfinite(bas) and math.isfinite(haut)):
        raison = "les placebos dans l'espace ne délimitent pas d'intervalle (trop peu de faux effets distincts)"
    elif not incertitude_est_valide(effet, bas, haut, se):
        raison = "les placebos dans l'espace donnent tous le même effet : leur dispersion ne mesure aucun hasard"
    return _Inference(
        "permutation", effet, se, bas, haut, p, float(P),
        Verification("nombre_grappes", "attention", phrase, float(min(g1, g0))),
        {"inference": "permutation", "n_placebos": P, "n_affectations_possibles": total,
         "effets_placebo": effets[1:], "sensibilite_placebo": c[1:], "dispersion_placebos": se,
         "inference_phrase": phrase},
        raison,
    )


def _quad_ar1(a: np.ndarray, b: np.ndarray, rho: float) -> float:
    """Σ_i Σ_j a_i b_j ρ^|i−j| en O(n) (filtre récursif)."""
    ha = signal.lfilter([0.0, rho], [1.0, -rho], a)
    hb = signal.lfilter([0.0, rho], [1.0, -rho], b)
    return float(a @ b + a @ hb + b @ ha)


@functools.lru_cache(maxsize=32)
def _puissances_grille(n: int) -> np.ndarray:
    """ρ^k pour chaque ρ de :data:`_GRILLE_RHO` (lignes) et k = 0 … n − 1 (colonnes)."""
    return _GRILLE_RHO[:, None] ** np.arange(n)[None, :]


def _quad_ar1_grille(paires: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """:func:`_quad_ar1` de chaque paire (a, b) pour tous les ρ de :data:`_GRILLE_RHO` d'un coup
    (grille × paires) : Σ_ij a_i b_j ρ^|i−j| = Σ_k ρ^k m_k, m_0 = a·b, m_k = Σ_i (a_{i+k} b_i + a_i b_{i+k})
    (corrélations croisées, calculées une fois ; puis un seul produit par les puissances de la grille)."""
    n = len(paires[0][0])
    m = np.empty((n, len(paires)))
    for j, (a, b) in enumerate(paires):
        c = _correlation_croisee(a, b)  # c[n − 1 + k] = Σ_i a_{i+k} b_i
        m[0, j] = c[n - 1]
        m[1:, j] = c[n:] + c[n - 2::-1]
    return _puissances_grille(n) @ m


def _correlation_croisee(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.correlate(a, b, "full")`` calculé sur les seules plages non nulles de a et b (les poids d'un
    segment avant ou pendant sont nuls ailleurs : quatre fois moins de produits)."""
    n = len(a)
    sa, sb = np.flatnonzero(a), np.flatnonzero(b)
    c = np.zeros(2 * n - 1)
    if len(sa) and len(sb):
        la, lb, nb = sa[0], sb[0], sb[-1] + 1 - sb[0]
        partiel = np.correlate(a[la:sa[-1] + 1], b[lb:sb[-1] + 1], "full")
        debut = n - 1 - (nb - 1) + la - lb  # position du décalage k = la − lb − (nb − 1)
        c[debut:debut + len(partiel)] = partiel
    return c


@dataclass
class EcartAR1:
    """Saut de niveau de la série des écarts, erreurs AR(1)."""

    effet: float
    erreur_type: float
    ddl: float
    p_valeur: float
    ic_bas: float
    ic_haut: float
    rho: float
    sigma: float
    n: int


#: Sous ce nombre de périodes, la valeur critique de la série des écarts vient d'un bootstrap paramétrique.
PERIODES_BOOTSTRAP_AR1 = 400
_GRILLE_RHO = np.linspace(-0.9, 0.97, 64)


def _rho_reml_grille(U: np.ndarray, X: np.ndarray) -> np.ndarray:
    """ρ AR(1) par vraisemblance restreinte (REML), pour chaque colonne de U (n × B) : grille puis
    interpolation parabolique (vectorisé ; même vraisemblance que :func:`rho_ar1_reml`).

    Calcul par les moments : les produits scalaires des séries blanchies (Prais-Winsten) sont des
    polynômes de degré 2 en ρ, calculés une fois ; U est d'abord remplacé par ses résidus des
    moindres carrés ordinaires sur X (même somme des carrés blanchie pour tout ρ : X β reste dans
    l'espace des colonnes de X blanchi), ce qui garde la précision quand le niveau domine le bruit."""
    n, k = X.shape
    E = U - X @ np.linalg.lstsq(X, U, rcond=None)[0]
    r = _GRILLE_RHO
    xx = [np.asarray(m) for m in moments_prais_winsten(X, X)]
    xe = moments_prais_winsten(X, E)
    ee = [np.einsum("ij,ij->j", E, E), 2 * np.einsum("ij,ij->j", E[1:], E[:-1]),
          np.einsum("ij,ij->j", E[1:-1], E[1:-1])]
    A = xx[0][None] - r[:, None, None] * xx[1][None] + (r**2)[:, None, None] * xx[2][None]  # grille × k × k
    C = xe[0][None] - r[:, None, None] * xe[1][None] + (r**2)[:, None, None] * xe[2][None]  # grille × k × B
    sse = ee[0][None] - r[:, None] * ee[1][None] + (r**2)[:, None] * ee[2][None]
    sse = sse - np.einsum("gkb,gkb->gb", C, np.linalg.solve(A, C))
    s2 = np.maximum(sse / (n - k), 1e-300)
    logdet = (n - 1) * np.log(1 - r**2) + np.linalg.slogdet(A)[1] - k * np.log(1 - r**2)
    ll = -0.5 * ((n - k) * np.log(s2 / (1 - r**2)[:, None]) + logdet[:, None])
    j = np.clip(np.argmax(ll, axis=0), 1, len(_GRILLE_RHO) - 2)
    cols = np.arange(U.shape[1])
    y0, y1, y2 = ll[j - 1, cols], ll[j, cols], ll[j + 1, cols]
    courbure = y0 - 2 * y1 + y2
    with np.errstate(invalid="ignore", divide="ignore"):
        decal = np.where(courbure < 0, 0.5 * (y0 - y2) / courbure, 0.0)
    pas = _GRILLE_RHO[1] - _GRILLE_RHO[0]
    return np.clip(_GRILLE_RHO[j] + np.clip(decal, -1, 1) * pas, -0.9, 0.97)


def saut_ecart_ar1(ecart: np.ndarray, exposition: np.ndarray, niveau: float = config.NIVEAU_CONFIANCE,
                   *, n_bootstrap: int = 199, graine: int = 0) -> EcartAR1:
    """Régression ``écart_t = a + τ · exposition_t + u_t`` par moindres carrés, u AR(1).

    ``exposition_t`` est la part des sites expérimentés actifs à la période t (0 avant, 1 pendant
    pour un début commun) : τ est alors exactement l'estimateur des doubles différences d'un panel
    équilibré. Variance exacte de τ̂ sous AR(1) d'écart-type propre à chaque segment (avant, pendant :
    l'expérimentation peut changer la variabilité) : Σ_ij c_i c_j s_i s_j ρ^|i−j| (c : poids des
    moindres carrés) ; ρ par vraisemblance restreinte (REML) ; s² de chaque segment corrigé de
    l'autocorrélation de ses résidus. Valeur critique : Student à ddl de Satterthwaite (incertitude de σ² et de
    ρ) ; sous 400 périodes, où ces approximations laissent passer un peu trop de faux effets
    (5,7 % au lieu de 5 % pour 130 périodes à ρ = 0,7), ρ̂ est corrigé de son biais vers zéro
    ((1 + ρ)/n) et les ddl de Satterthwaite viennent d'un bootstrap paramétrique : ``n_bootstrap``
    séries AR(1) simulées au ρ corrigé, ρ ré-estimé et corrigé sur chacune, ddl = 2 / Var(log v*) où v*
    est la variance estimée sur chaque série (graine fixée). Mesuré sur des séries AR(1) pures, 1 000
    tirages : 4,0 % de faux effets à 30 + 10 périodes (ρ = 0,5), 5,0 % à 78 + 52 (ρ = 0,7) ; 5,1 % à
    365 + 365 (ρ = 0,7, 3 000 tirages, Satterthwaite analytique).
    Même principe que l'écart des moyennes AR(1) du domaine eau.
    """
    d = np.asarray(ecart, float)
    x = np.asarray(exposition, float)
    n = len(d)
    X = np.column_stack([np.ones(n), x])
    xc = x - x.mean()
    sxx = float(xc @ xc)
    nan = float("nan")
    if n < 6 or sxx <= 0 or not np.all(np.isfinite(d)):
        return EcartAR1(nan, nan, nan, nan, nan, nan, nan, nan, n)
    tau = float(xc @ d / sxx)
    c = xc / sxx
    XtX_inv = np.linalg.inv(X.T @ X)
    # Écart-type propre à chaque segment (avant : exposition nulle ; pendant), même ρ : l'expérimentation
    # peut changer la variabilité (une collecte à la demande est moins régulière qu'à jour fixe).
    segs = [x <= 0, x > 0]
    n_seg = [int(m.sum()) for m in segs]
    ind = [m.astype(float) for m in segs]
    cs = [c * i for i in ind]
    # Formes Σ_ij a_i b_j ρ^|i−j| sur la grille : poids des segments (Q ; Q[1, 0] = Q[0, 1]) et indicatrices
    # des segments (K). E[e_g'e_g] = s_g² (n_g − Σ_{i,j∈g} ρ^|i−j| / n_g) pour des résidus centrés sur le segment.
    formes = _quad_ar1_grille([(cs[0], cs[0]), (cs[1], cs[1]), (cs[0], cs[1]), (ind[0], ind[0]), (ind[1], ind[1])])
    Q = {(0, 0): formes[:, 0], (1, 1): formes[:, 1], (0, 1): formes[:, 2]}
    K = [np.maximum(n_seg[g] - formes[:, 3 + g] / max(n_seg[g], 1), 0.5) for g in (0, 1)]

    def echelles(U: np.ndarray, rhos: np.ndarray) -> list[np.ndarray]:
        E = U - X @ (XtX_inv @ (X.T @ U))
        return [((E * E)[segs[g]].sum(axis=0)) / np.interp(rhos, _GRILLE_RHO, K[g]) for g in (0, 1)]

    def variance_de(s2: list[np.ndarray], rhos: np.ndarray) -> np.ndarray:
        q = {k: np.interp(rhos, _GRILLE_RHO, v) for k, v in Q.items()}
        return s2[0] * q[0, 0] + s2[1] * q[1, 1] + 2 * np.sqrt(s2[0] * s2[1]) * q[0, 1]

    def variance(U: np.ndarray, rhos: np.ndarray) -> np.ndarray:
        return variance_de(echelles(U, rhos), rhos)

    rho = float(_rho_reml_grille(d[:, None], X)[0])
    if n < PERIODES_BOOTSTRAP_AR1:
        # Sur une série courte, ρ̂ (REML) reste biaisé vers zéro d'environ (1 + ρ)/n (mesuré par
        # simulation de 40 à 160 périodes) : on le corrige, avec la même correction sur chaque série simulée.
        def corriger(r):
            return np.clip(r + (1 + r) / n, -0.9, 0.97)

        rho = float(corriger(rho))
    s2 = [float(v[0]) for v in echelles(d[:, None], np.array([rho]))]
    var = float(variance_de([np.array([s2[0]]), np.array([s2[1]])], np.array([rho]))[0])
    sigma2 = (s2[0] * n_seg[0] + s2[1] * n_seg[1]) / n
    if not var > 0:
        return EcartAR1(tau, 0.0, nan, nan, tau, tau, rho, 0.0, n)
    se = math.sqrt(var)
    t_obs = tau / se
    if n < PERIODES_BOOTSTRAP_AR1:
        # Loi de la variance estimée par bootstrap paramétrique : séries AR(1) au ρ corrigé, écart-type
        # de chaque segment ; Satterthwaite avec la variance de log(variance estimée) mesurée sur ces
        # séries : elle tient compte à la fois de σ̂² et de ρ̂, bien plus incertains sur une série courte
        # que ne le dit l'approximation asymptotique (qui laissait 5,7 à 5,9 % de faux effets à 130 périodes).
        rng = np.random.default_rng(graine)
        chocs = rng.standard_normal((n, n_bootstrap)) * math.sqrt(1 - rho**2)
        chocs[0] /= math.sqrt(1 - rho**2)
        echelle = np.where(segs[1], math.sqrt(s2[1]), math.sqrt(s2[0]))[:, None]
        U = signal.lfilter([1.0], [1.0, -rho], chocs, axis=0) * echelle
        rhos = corriger(_rho_reml_grille(U, X))
        v_star = variance(U, rhos)
        var_log = float(np.var(np.log(np.maximum(v_star, 1e-300))))
        ddl = float(np.clip(2 / var_log, 2.0, n - 2)) if var_log > 0 else float(n - 2)
    else:
        # Satterthwaite : Var(log g) ≈ Σ_g w_g² Var(log s_g²) + (d log g / dρ)² Var(ρ̂), g = variance de τ̂,
        # w_g = part du segment g dans g, Var(log s_g²) ≈ 2(1 + ρ²) / ((1 − ρ²) n_g) pour un AR(1).
        h = 1e-3
        s2a = [np.array([v]) for v in s2]
        g_h = float(variance_de(s2a, np.array([min(rho + h, 0.97)]))[0])
        g_b = float(variance_de(s2a, np.array([max(rho - h, -0.9)]))[0])
        dlog = (math.log(g_h) - math.log(g_b)) / (min(rho + h, 0.97) - max(rho - h, -0.9))
        q = {k: float(np.interp(rho, _GRILLE_RHO, v)) for k, v in Q.items()}
        croise = math.sqrt(s2[0] * s2[1]) * q[0, 1]
        w = [(s2[0] * q[0, 0] + croise) / var, (s2[1] * q[1, 1] + croise) / var]
        var_log = sum(w[g] ** 2 * 2 * (1 + rho**2) / ((1 - rho**2) * max(n_seg[g], 1)) for g in (0, 1))
        var_log += dlog**2 * (1 - rho**2) / n
        ddl = float(np.clip(2 / var_log, 2.0, n - 2)) if var_log > 0 else float(n - 2)
    crit = float(special.stdtrit(ddl, 0.5 + niveau / 2))
    p = float(2 * special.stdtr(ddl, -abs(t_obs)))
    return EcartAR1(tau, se, ddl, p, tau - crit * se, tau + crit * se, rho, math.sqrt(sigma2), n)


def _inference_temporelle(ecart: np.ndarray, exposition: np.ndarray, niveau: float, g1: int, g0: int,
                          n_avant: int, n_apres: int) -> _Inference:
    s = saut_ecart_ar1(ecart, exposition, niveau)
    phrase = (
        f"{_groupes(g1, g0)} : trop peu de sites pour mesurer le hasard d'un site à l'autre (erreurs "
        f"regroupées ou bootstrap sauvage seraient trompeurs, MacKinnon et Webb, 2017). C'est la durée qui "
        f"porte l'incertitude : la série des écarts (moyenne des sites expérimentés − moyenne des témoins) "
        f"sur {n_avant} périodes avant et {n_apres} pendant, avec son autocorrélation (AR(1), ρ = "
        f"{nombre(s.rho, 2)} ; Bertrand, Duflo et Mullainathan, 2004). Cela suppose que cet écart ne bouge, "
        "hors expérimentation, que par des fluctuations passagères."
    )
    return _Inference(
        "temporelle", s.effet, s.erreur_type, s.ic_bas, s.ic_haut, s.p_valeur, s.ddl,
        Verification("nombre_grappes", "attention", phrase, float(min(g1, g0))),
        {"inference": "temporelle", "rho_ecart": s.rho, "sigma_ecart": s.sigma, "n_periodes_ecart": s.n,
         "inference_phrase": phrase},
        None if incertitude_est_valide(s.effet, s.ic_bas, s.ic_haut, s.erreur_type) else
        "la série des écarts entre sites expérimentés et témoins ne varie pas d'une période à l'autre",
    )


# ---------------------------------------------------------------------------------------------
# 2 × 2
# ---------------------------------------------------------------------------------------------


def doubles_differences_moyennes(
    donnees: pd.DataFrame,
    *,
    colonne_valeur: str = "valeur",
    colonne_traite: str = "traite",
    colonne_apres: str = "apres",
    indicateur: str | None = None,
    unite: str = "",
    niveau: float = config.NIVEAU_CONFIANCE,
) -> ResultatImpact:
    """Doubles différences à partir des quatre moyennes de cellule (témoins / expérimentés × avant / après).

    L'erreur type suppose les quatre cellules indépendantes (observations différentes) ; pour des
    mêmes sites mesurés deux fois, préférer :func:`doubles_differences` avec ``colonne_grappe``.
    Une cellule d'une seule observation ne dit rien du hasard : l'incertitude est alors indéterminée.
    """
    _verifier_colonnes(donnees, [colonne_valeur, colonne_traite, colonne_apres])
    d = donnees[[colonne_valeur, colonne_traite, colonne_apres]].dropna()
    g = d.groupby([colonne_traite, colonne_apres])[colonne_valeur]
    cellules = pd.DataFrame({"moyenne": g.mean(), "erreur_type": g.std(ddof=1) / np.sqrt(g.size()), "n": g.size()})
    if len(cellules) != 4:
        raise ValueError("Il faut des observations dans les quatre cellules (témoins/expérimentés × avant/après).")
    m = cellules["moyenne"]
    effet = float((m[(1, 1)] - m[(1, 0)]) - (m[(0, 1)] - m[(0, 0)]))
    se = float(np.sqrt((cellules["erreur_type"] ** 2).sum()))
    z = stats.norm.ppf(0.5 + niveau / 2)
    bas, haut = effet - z * se, effet + z * se
    p = float(2 * stats.norm.sf(abs(effet / se))) if math.isfinite(se) and se > 0 else float("nan")
    contre = float(m[(1, 0)] + (m[(0, 1)] - m[(0, 0)]))
    tableau = cellules.reset_index().rename(columns={colonne_traite: "traite", colonne_apres: "apres"})
    indicateur = indicateur or colonne_valeur
    r = ResultatImpact.construire(
        methode=METHODE,
        libelle_methode=LIBELLE + " (moyennes de cellule)",
        indicateur=indicateur,
        unite=unite,
        effet=effet,
        ic_bas=bas,
        ic_haut=haut,
        p_valeur=p,
        total_observe=float(m[(1, 1)]),
        erreur_type=se,
        contrefactuel=pd.DataFrame(
            {
                "date": ["avant", "apres"],
                "observe": [m[(1, 0)], m[(1, 1)]],
                "contrefactuel": [m[(1, 0)], contre],
            }
        ),
        verifications=[
            Verification(
                "independance_cellules",
                "attention",
                "L'erreur type suppose quatre groupes d'observations indépendants ; si ce sont les mêmes "
                "sites avant et après, l'estimation par régression regroupée par site est préférable.",
            )
        ],
        resume=lambda res: phrase_effet(
            indicateur, unite, effet, bas, haut, res.effet_relatif,
            "Par rapport à l'évolution des sites témoins, en moyenne par site et par période",
        ),
        justification="Des sites témoins et une période d'avant sont disponibles : on compare l'évolution "
        "des sites expérimentés à celle des témoins.",
        limites=list(LIMITES),
        details={"cellules": tableau, "inference": "cellules independantes"},
    )
    if int(cellules["n"].min()) < 2:
        return incertitude_indeterminee(
            r, "au moins une des quatre cellules (témoins / expérimentés × avant / après) ne contient qu'une "
               "seule valeur : une moyenne seule ne dit rien de la variabilité, donc du hasard")
    if not r.incertitude_valide:
        return incertitude_indeterminee(
            r, "les valeurs de chaque cellule sont identiques : leur dispersion nulle ne mesure aucun hasard")
    return r


def doubles_differences(
    donnees: pd.DataFrame,
    *,
    colonne_valeur: str = "valeur",
    colonne_traite: str = "traite",
    colonne_apres: str = "apres",
    covariables: Sequence[str] = (),
    colonne_grappe: str | None = None,
    indicateur: str | None = None,
    unite: str = "",
    bootstrap: bool | Literal["auto"] = "auto",
    n_bootstrap: int = 999,
    graine: int = 0,
    inference: Inference = "auto",
    n_placebos: int = PLACEBOS_MAXIMUM,
    niveau: float = config.NIVEAU_CONFIANCE,
) -> ResultatImpact:
    """Doubles différences par régression ``valeur ~ traite + apres + traite:apres (+ covariables)``.

    Sans ``colonne_grappe`` : erreurs classiques des moindres carrés. Avec : le plan d'inférence
    dépend du nombre de grappes expérimentées et témoins (:func:`choisir_inference`, sans la
    dimension temporelle que ce tableau avant / après n'a pas) : erreurs regroupées (bootstrap
    sauvage sous 30 grappes), placebos dans l'espace, ou incertitude indéterminée.
    ``details["inference"]`` dit lequel.
    """
    cols = [colonne_valeur, colonne_traite, colonne_apres, *covariables] + ([colonne_grappe] if colonne_grappe else [])
    _verifier_colonnes(donnees, cols)
    d = donnees[cols].dropna().reset_index(drop=True)
    y = d[colonne_valeur].to_numpy(float)
    tr = d[colonne_traite].to_numpy(float)
    ap = d[colonne_apres].to_numpy(float)

    def matrice(tr_: np.ndarray, d_: pd.DataFrame, ap_: np.ndarray) -> np.ndarray:
        C = [np.ones(len(d_)), tr_, ap_] + [d_[c].to_numpy(float) for c in covariables]
        return np.column_stack([tr_ * ap_] + C)

    X = matrice(tr, d, ap)
    noms = ["traite:apres", "constante", "traite", "apres", *covariables]
    n, k = X.shape
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    e = y - X @ beta
    details: dict = {}
    raison = None
    if colonne_grappe is None:
        ddl = n - k
        V = (float(e @ e) / ddl) * np.linalg.pinv(X.T @ X) if ddl > 0 else np.full((k, k), np.nan)
        details["erreurs"] = "classiques"
        details["inference"] = "classique"
        verifs = [Verification(
            "erreurs_independantes", "attention",
            "Erreurs types classiques : elles supposent des observations indépendantes ; si les mêmes "
            "sites sont mesurés plusieurs fois, regrouper par site (colonne_grappe).")]
        if ddl <= 0:
            raison = (f"{n} observations pour {k} paramètres (par exemple un tableau 2 × 2 de quatre moyennes) : "
                      "il ne reste aucune variabilité pour mesurer le hasard")
        tableau, effet, se, bas, haut, p = _tableau(beta, V, max(ddl, 0), niveau)
    else:
        codes = pd.factorize(d[colonne_grappe], sort=True)[0]
        n_g = int(codes.max()) + 1 if n else 0
        traite_g = np.zeros(n_g)
        np.maximum.at(traite_g, codes, tr)
        g1, g0 = int((traite_g > 0).sum()), int((traite_g == 0).sum())
        constant = bool(np.all(tr == traite_g[codes]))
        V = _cov_grappes(X, e, codes, n_g, k)
        ddl = n_g - 1
        tableau, effet, se, bas, haut, p = _tableau(beta, V, ddl, niveau)
        details.update({"erreurs": f"regroupées par site ({n_g} grappes)", "n_grappes": n_g,
                        "n_grappes_experimentees": g1, "n_grappes_temoins": g0})
        regime = inference if inference != "auto" else (
            choisir_inference(g1, g0, temps_disponible=False) if constant
            else ("regroupees" if n_g >= GRAPPES_PAR_GROUPE_MINIMUM else "indeterminee"))
        if regime == "temporelle":
            regime = "indeterminee"
        if regime == "permutation" and nombre_affectations(g1, g0) < PLACEBOS_MINIMUM + 1:
            regime = "indeterminee"
        if regime in ("regroupees", "bootstrap"):
            inf = _inference_regroupee(
                y, X, codes, n_g, g1, g0, effet, se, bas, haut, p, niveau,
                bootstrap=True if regime == "bootstrap" else bootstrap, n_bootstrap=n_bootstrap, graine=graine,
                absorbeur=None, k_absorbe=0, force=regime == "bootstrap")
        elif regime == "permutation":
            inf = _placebos_regression(y, d, codes, traite_g, ap, matrice, niveau, g1, g0, n_placebos, graine)
        else:
            raison = _raison_indeterminee(g1, g0, None, None)
            inf = _Inference("indeterminee", effet, float("nan"), float("nan"), float("nan"), float("nan"),
                             float("nan"), Verification("nombre_grappes", "echec", "Incertitude indéterminée : "
                                                        + raison + ".", float(min(g1, g0))),
                             {"inference": "indeterminee"}, raison)
        effet, se, bas, haut, p = inf.effet, inf.se, inf.bas, inf.haut, inf.p
        details.update(inf.details)
        verifs = [inf.verification]
        raison = raison or inf.raison_indeterminee
    tableau.insert(0, "terme", noms)
    indicateur = indicateur or colonne_valeur
    moyennes = d.groupby([colonne_traite, colonne_apres])[colonne_valeur].mean()
    observe_t = float(moyennes.get((1, 1), np.nan))
    contre_t = observe_t - effet
    r = ResultatImpact.construire(
        methode=METHODE,
        libelle_methode=LIBELLE,
        indicateur=indicateur,
        unite=unite,
        effet=effet,
        ic_bas=bas,
        ic_haut=haut,
        p_valeur=p,
        total_observe=observe_t,
        erreur_type=se,
        contrefactuel=pd.DataFrame(
            {
                "date": ["avant", "apres"],
                "observe": [moyennes.get((1, 0)), moyennes.get((1, 1))],
                "contrefactuel": [moyennes.get((1, 0)), contre_t],
            }
        ),
        verifications=verifs,
        resume=lambda res: phrase_effet(
            indicateur, unite, effet, bas, haut, res.effet_relatif,
            "Par rapport à l'évolution des sites témoins, en moyenne par site et par période",
        ),
        justification="Des sites témoins et une période d'avant sont disponibles : on compare l'évolution "
        "des sites expérimentés à celle des témoins, ce qui retire les chocs communs (météo, saison, "
        "conjoncture).",
        limites=list(LIMITES),
        details={"coefficients": tableau, "n_observations": len(d), "ddl": ddl, **details},
    )
    return _finaliser(r, raison)


def _finaliser(r: ResultatImpact, raison: str | None) -> ResultatImpact:
    """Incertitude indéterminée si le plan ne peut pas en donner, ou si elle est dégénérée."""
    if raison is None and not r.incertitude_valide:
        raison = ("le calcul de l'incertitude est dégénéré (erreur type nulle, infinie ou intervalle réduit à "
                  "un point), ce qui arrive avec trop peu de sites ou de périodes")
    if raison is not None:
        incertitude_indeterminee(r, raison)
    return r


def _tableau(beta: np.ndarray, V: np.ndarray, ddl: float, niveau: float):
    se_all = np.sqrt(np.clip(np.diag(V), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        crit = special.stdtrit(ddl, 0.5 + niveau / 2) if ddl > 0 else float("nan")
        tstat = beta / np.where(se_all > 0, se_all, np.nan)
        pv = 2 * special.stdtr(ddl, -np.abs(tstat)) if ddl > 0 else np.full(len(beta), np.nan)
    tableau = pd.DataFrame({
        "coefficient": beta, "erreur_type": se_all, "statistique": tstat, "p_valeur": pv,
        "ic_bas": beta - crit * se_all, "ic_haut": beta + crit * se_all,
    })
    effet, se = float(beta[0]), float(se_all[0])
    return tableau, effet, se, effet - crit * se, effet + crit * se, float(pv[0])


def _placebos_regression(y, d, codes, traite_g, ap, matrice, niveau, g1, g0, n_placebos, graine):
    """Randomisation pour la régression 2 × 2 : le statut « expérimenté » est réaffecté à d'autres
    grappes, sur toutes les données ; estimateur appliqué à y et au vrai indicateur traite × après."""
    g = len(traite_g)
    A_ = _affectations(g, np.flatnonzero(traite_g > 0), n_placebos, graine)
    D_obs = (traite_g[codes] > 0) * ap
    cible = np.column_stack([y, D_obs])
    effets, c = np.empty(len(A_)), np.empty(len(A_))
    for i, sous in enumerate(A_):
        tr_a = np.isin(codes, sous).astype(float)
        coef = np.linalg.lstsq(matrice(tr_a, d, ap), cible, rcond=None)[0]
        effets[i], c[i] = coef[0, 0], coef[0, 1]
    return _inference_fisher(effets, c, niveau, g1, g0, nombre_affectations(g1, g0))


# ---------------------------------------------------------------------------------------------
# Panel : effets fixes site et période
# ---------------------------------------------------------------------------------------------


class _Absorbeur:
    """Retire les effets fixes (site, période) par projections alternées (exact en un passage si équilibré).

    Chaque projection retire la moyenne de chaque groupe : sommes par groupe dans l'ordre des lignes
    (``np.bincount`` pour une ou quelques colonnes, produit par la matrice creuse d'appartenance au-delà,
    mêmes additions dans le même ordre, donc mêmes nombres au bit près), puis la moyenne de son groupe
    retirée de chaque ligne.
    """

    #: Au-delà de ce nombre de colonnes, les sommes par groupe passent par la matrice creuse (un seul appel).
    COLONNES_BINCOUNT = 8

    def __init__(self, *codes: np.ndarray):
        self.groupes = []
        for c in codes:
            _, inv = np.unique(c, return_inverse=True)
            inv = inv.ravel()
            comptes = np.bincount(inv).astype(float)
            self.groupes.append((inv, 1.0 / comptes, len(comptes)))
        self._transposees: list | None = None
        self.n_effets = sum(g for _, _, g in self.groupes) - (len(self.groupes) - 1)

    def _appartenance(self) -> list:
        """Les matrices creuses groupe × ligne (transposées de l'appartenance), faites au premier besoin."""
        if self._transposees is None:
            self._transposees = [
                sparse.csr_matrix((np.ones(len(inv)), (np.arange(len(inv)), inv)), shape=(len(inv), g)).T
                for inv, _, g in self.groupes]
        return self._transposees

    def __call__(self, A: np.ndarray, tol: float = 1e-10, maxiter: int = 500) -> np.ndarray:
        A = np.array(A, dtype=float, copy=True)
        vecteur = A.ndim == 1
        if vecteur:
            A = A[:, None]
        echelle = max(float(np.abs(A).max()) if A.size else 1.0, 1.0)
        k = A.shape[1]
        creuses = self._appartenance() if k > self.COLONNES_BINCOUNT else None
        for _ in range(maxiter):
            delta = 0.0
            for j, (inv, inverse_comptes, g) in enumerate(self.groupes):
                if creuses is not None:
                    sommes = creuses[j] @ A
                else:
                    sommes = np.empty((g, k))
                    for c in range(k):
                        sommes[:, c] = np.bincount(inv, weights=A[:, c], minlength=g)
                corr = (sommes * inverse_comptes[:, None])[inv]
                A -= corr
                delta = max(delta, float(np.abs(corr).max()) if corr.size else 0.0)
            if delta < tol * echelle:
                break
        return A[:, 0] if vecteur else A

    def par_blocs(self, A: np.ndarray, taille: int = 2_000_000) -> np.ndarray:
        """Même chose, colonne par paquets (mémoire bornée)."""
        n, m = A.shape
        pas = max(1, taille // max(n, 1))
        return np.hstack([self(A[:, i:i + pas]) for i in range(0, m, pas)]) if m else A.astype(float)


def _cov_grappes(Xt: np.ndarray, e: np.ndarray, codes: np.ndarray, n_g: int, k_total: int) -> np.ndarray:
    """Variance regroupée (CR1). NaN si moins de deux grappes ou aucun degré de liberté résiduel."""
    n = len(e)
    if n_g < 2 or n - k_total <= 0:
        return np.full((Xt.shape[1], Xt.shape[1]), np.nan)
    pinv = np.linalg.pinv(Xt.T @ Xt)
    scores = np.zeros((n_g, Xt.shape[1]))
    np.add.at(scores, codes, Xt * e[:, None])
    meat = scores.T @ scores
    facteur = n_g / (n_g - 1) * (n - 1) / (n - k_total)
    return facteur * pinv @ meat @ pinv


def poids_bootstrap(type_poids: str, n_g: int, B: int, rng: np.random.Generator) -> np.ndarray:
    """Poids du bootstrap sauvage par grappes : Rademacher (±1) ou Webb (6 points)."""
    if type_poids == "rademacher":
        return rng.choice([-1.0, 1.0], size=(n_g, B))
    if type_poids == "webb":
        pts = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])
        return rng.choice(pts, size=(n_g, B))
    raise ValueError(f"Poids de bootstrap inconnus : {type_poids!r} (« rademacher » ou « webb »).")


def bootstrap_sauvage_grappes(
    y: np.ndarray,
    X: np.ndarray,
    codes: np.ndarray,
    *,
    absorbeur: _Absorbeur | None = None,
    k_absorbe: int = 0,
    n_bootstrap: int = 999,
    type_poids: str | None = None,
    graine: int = 0,
    niveau: float = config.NIVEAU_CONFIANCE,
) -> dict:
    """Bootstrap sauvage par grappes, hypothèse nulle imposée (WCR), pour le coefficient en colonne 0 de X.

    Renvoie la p-valeur bootstrap du t de Student regroupé et un intervalle « bootstrap-t »
    (β ± quantile de |t*| × erreur type). ``y`` et ``X`` sont déjà débarrassés des effets fixes
    si ``absorbeur`` est donné (il sert alors à re-projeter les résidus tirés). Avec très peu de
    grappes (ou une seule grappe expérimentée), le résultat peut être dégénéré : l'appelant le vérifie.
    """
    n_g = int(codes.max()) + 1
    type_poids = type_poids or ("webb" if n_g < 12 else "rademacher")
    rng = np.random.default_rng(graine)
    n, k = X.shape
    k_total = k + k_absorbe
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    e = y - X @ beta
    V = _cov_grappes(X, e, codes, n_g, k_total)
    se = math.sqrt(V[0, 0]) if np.isfinite(V[0, 0]) and V[0, 0] > 0 else float("nan")
    t_obs = beta[0] / se
    # Modèle contraint (coefficient 0 nul)
    R = X[:, 1:]
    if R.shape[1]:
        gam = np.linalg.lstsq(R, y, rcond=None)[0]
        u = y - R @ gam
    else:
        u = y.copy()
    W = poids_bootstrap(type_poids, n_g, n_bootstrap, rng)
    U = u[:, None] * W[codes]
    if absorbeur is not None:
        U = absorbeur.par_blocs(U)
    pinv = np.linalg.pinv(X.T @ X)
    B_star = pinv @ (X.T @ U)  # k × B
    E = U - X @ B_star
    # erreurs types regroupées de la colonne 0, pour chaque tirage
    a = pinv[0] @ X.T  # ligne de (X'X)⁻¹X'
    contrib = np.zeros((n_g, n_bootstrap))
    np.add.at(contrib, codes, a[:, None] * E)
    facteur = n_g / (n_g - 1) * (n - 1) / (n - k_total) if n_g > 1 and n > k_total else float("nan")
    se_star = np.sqrt(facteur * (contrib**2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_star = B_star[0] / se_star
    t_star = t_star[np.isfinite(t_star)]
    if not math.isfinite(t_obs) or len(t_star) < n_bootstrap // 2:
        p, q = float("nan"), float("nan")
    else:
        p = float((1 + np.sum(np.abs(t_star) >= abs(t_obs))) / (len(t_star) + 1))
        q = float(np.quantile(np.abs(t_star), niveau))
    return {
        "p_valeur": p,
        "ic_bas": float(beta[0] - q * se),
        "ic_haut": float(beta[0] + q * se),
        "t": float(t_obs),
        "quantile_t": q,
        "poids": type_poids,
        "n_bootstrap": n_bootstrap,
        "graine": graine,
    }


#: Au-delà, un quantile de |t*| vient d'un bootstrap dégénéré (une grappe domine tout), pas des données.
QUANTILE_T_MAXIMUM = 50.0


def _inference_regroupee(y, X, codes, n_g, g1, g0, effet, se, bas, haut, p, niveau, *, bootstrap,
                         n_bootstrap, graine, absorbeur, k_absorbe, force=False) -> _Inference:
    """Erreurs regroupées par site (Student à G − 1 ddl), bootstrap sauvage sous 30 grappes."""
    details: dict = {"inference": "bootstrap" if force else "regroupees"}
    peu = n_g < GRAPPES_MINIMUM
    faire_bs = force or bootstrap is True or (bootstrap == "auto" and peu)
    raison = None
    if faire_bs:
        bs = bootstrap_sauvage_grappes(y, X, codes, absorbeur=absorbeur, k_absorbe=k_absorbe,
                                       n_bootstrap=n_bootstrap, graine=graine, niveau=niveau)
        details["bootstrap_sauvage"] = bs
        details["p_valeur_student"] = p
        details["ic_student"] = (bas, haut)
        details["inference"] = "bootstrap"
        p, bas, haut = bs["p_valeur"], bs["ic_bas"], bs["ic_haut"]
        if not (math.isfinite(bs["quantile_t"]) and bs["quantile_t"] <= QUANTILE_T_MAXIMUM) \
                or not incertitude_est_valide(effet, bas, haut, se):
            raison = (f"avec {_groupes(g1, g0)}, le bootstrap sauvage par grappes dégénère (intervalle réduit "
                      "à un point ou démesuré) : il ne mesure pas le hasard")
    # Sans site jamais expérimenté (débuts échelonnés), les témoins sont les sites pas encore
    # expérimentés : c'est alors le nombre total de sites qui compte.
    minorite = min(g1, g0) if g0 > 0 else n_g
    un_cote = minorite < GRAPPES_PAR_GROUPE_MINIMUM
    if peu or un_cote:
        phrase = ((f"Seulement {n_g} sites (grappes), dont " if peu else f"{n_g} sites (grappes), mais ")
                  + f"{_groupes(g1, g0)} : les erreurs types regroupées par site sont peu fiables sans une "
                  f"trentaine de grappes, dont au moins {GRAPPES_PAR_GROUPE_MINIMUM} de chaque côté, et ont "
                  "tendance à être trop petites.")
        if faire_bs:
            phrase += (
                f" La p-valeur et l'intervalle viennent donc d'un bootstrap sauvage par grappes "
                f"({details['bootstrap_sauvage']['n_bootstrap']} tirages, poids de "
                f"{details['bootstrap_sauvage']['poids'].capitalize()}, graine {graine}), acceptable tant que "
                f"chaque groupe compte au moins {BOOTSTRAP_PAR_GROUPE_MINIMUM} sites (il échoue avec un ou deux "
                "sites expérimentés, MacKinnon et Webb, 2017)."
            )
        else:
            phrase += " Envisager un bootstrap sauvage par grappes."
        statut = "echec" if raison or minorite < BOOTSTRAP_PAR_GROUPE_MINIMUM else "attention"
        verif = Verification("nombre_grappes", statut, phrase, float(minorite))
    else:
        verif = Verification(
            "nombre_grappes", "reussie",
            f"{n_g} sites (grappes), dont {_groupes(g1, g0)} : assez de part et d'autre pour des erreurs types "
            "regroupées par site.", float(minorite))
    details["inference_phrase"] = verif.phrase
    return _Inference(details["inference"], effet, se, bas, haut, p, float(n_g - 1), verif, details, raison)


def _coder(serie: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, valeurs = pd.factorize(serie, sort=True)
    return codes.astype(int), np.asarray(valeurs)


def effets_fixes_bidirectionnels(
    donnees: pd.DataFrame,
    *,
    colonne_valeur: str = "valeur",
    colonne_site: str = "site",
    colonne_temps: str = "periode",
    colonne_traitement: str = "actif",
    covariables: Sequence[str] = (),
    indicateur: str | None = None,
    unite: str = "",
    bootstrap: bool | Literal["auto"] = "auto",
    n_bootstrap: int = 999,
    graine: int = 0,
    tendances_prealables: bool = True,
    inference: Inference = "auto",
    n_placebos: int = PLACEBOS_MAXIMUM,
    niveau: float = config.NIVEAU_CONFIANCE,
    libelle_methode: str | None = None,
    justification: str | None = None,
) -> ResultatImpact:
    """Doubles différences sur un panel sites × périodes : effets fixes site et période.

    ``colonne_traitement`` vaut 1 pour un site expérimenté pendant l'expérimentation, 0 sinon.
    L'incertitude dépend du nombre de sites expérimentés et témoins (:func:`choisir_inference`) :
    erreurs regroupées par site (bootstrap sauvage sous 30 sites si ``bootstrap="auto"``), placebos
    dans l'espace, série des écarts AR(1) pour un panel long, ou incertitude indéterminée.
    ``details["inference"]`` et la vérification « nombre_grappes » disent laquelle. Si
    ``tendances_prealables``, une étude événementielle teste l'absence d'écart avant le début.
    L'effet minimal détectable (80 % de puissance) vient de l'erreur type et des ddl du plan retenu.
    ``libelle_methode`` et ``justification`` : ceux de l'adaptateur d'un domaine (ses mots pour ses
    sites), à la place des textes génériques.
    """
    cols = [colonne_valeur, colonne_site, colonne_temps, colonne_traitement, *covariables]
    _verifier_colonnes(donnees, cols)
    d = donnees[cols].dropna().reset_index(drop=True)
    if d.empty:
        raise ValueError("Aucune observation complète (valeur, site, période, traitement) dans le panel.")
    site, _ = _coder(d[colonne_site])
    temps, periodes = pd.factorize(d[colonne_temps], sort=True)  # comme _coder, périodes gardées dans leur type
    temps = temps.astype(int)
    absorbeur = _Absorbeur(site, temps)
    D = d[colonne_traitement].to_numpy(float)
    Z = np.column_stack([d[c].to_numpy(float) for c in covariables]) if covariables else np.empty((len(d), 0))
    X = np.column_stack([D, Z])
    Xt = absorbeur(X)
    y = d[colonne_valeur].to_numpy(float)
    yt = absorbeur(y)
    n_g = int(site.max()) + 1
    traite_g = np.zeros(n_g)
    np.maximum.at(traite_g, site, D)
    g1, g0 = int((traite_g > 0).sum()), int((traite_g == 0).sum())
    if g1 == 0:
        raise ValueError(f"Aucun site expérimenté : la colonne « {colonne_traitement} » ne vaut jamais 1.")
    k_total = X.shape[1] + absorbeur.n_effets
    if float(Xt[:, 0] @ Xt[:, 0]) <= 1e-12 * max(1.0, float(D @ D)):
        raise ValueError("L'effet n'est pas identifiable : le traitement se confond avec les effets fixes "
                         "site et période (aucun site témoin, ou tous les sites commencent en même temps).")
    beta = np.linalg.lstsq(Xt, yt, rcond=None)[0]
    e = yt - Xt @ beta
    V = _cov_grappes(Xt, e, site, n_g, k_total)
    tableau, effet, se, bas, haut, p = _tableau(beta, V, n_g - 1, niveau)
    tableau.insert(0, "terme", [colonne_traitement, *covariables])
    # Série des écarts par période (sites expérimentés − témoins), covariables retirées.
    y_adj = y - (Z @ beta[1:] if Z.shape[1] else 0.0)
    ecart, exposition, n_avant, n_apres = _serie_ecarts(y_adj, D, traite_g[site] > 0, temps)
    regime = inference if inference != "auto" else (
        choisir_inference(g1, g0, n_avant, n_apres) if g0 > 0 else
        ("regroupees" if n_g >= GRAPPES_PAR_GROUPE_MINIMUM else "indeterminee"))
    if regime == "permutation" and nombre_affectations(g1, g0) < PLACEBOS_MINIMUM + 1:
        regime = "indeterminee"
    if regime == "temporelle" and (n_avant < 3 or n_apres < 1):
        regime = "indeterminee"
    details_inf: dict
    if regime in ("regroupees", "bootstrap"):
        inf = _inference_regroupee(
            yt, Xt, site, n_g, g1, g0, effet, se, bas, haut, p, niveau,
            bootstrap=True if regime == "bootstrap" else bootstrap, n_bootstrap=n_bootstrap, graine=graine,
            absorbeur=absorbeur, k_absorbe=absorbeur.n_effets, force=regime == "bootstrap")
    elif regime == "permutation":
        chemins = _chemins_traitement(D, site, temps, traite_g)
        affect = _affectations(n_g, np.flatnonzero(traite_g > 0), n_placebos, graine)
        effets_a, c_a = _randomisation_panel(yt, Xt, absorbeur, site, temps, chemins, affect)
        inf = _inference_fisher(effets_a, c_a, niveau, g1, g0, nombre_affectations(g1, g0))
    elif regime == "temporelle":
        inf = _inference_temporelle(ecart, exposition, niveau, g1, g0, n_avant, n_apres)
        inf.details["coefficient_effets_fixes"] = effet
    else:
        raison = _raison_indeterminee(g1, g0, n_avant, n_apres)
        inf = _Inference("indeterminee", effet, float("nan"), float("nan"), float("nan"), float("nan"),
                         float("nan"), Verification("nombre_grappes", "echec",
                                                    "Incertitude indéterminée : " + raison + ".", float(min(g1, g0))),
                         {"inference": "indeterminee", "inference_phrase": raison}, raison)
    effet, se, bas, haut, p = inf.effet, inf.se, inf.bas, inf.haut, inf.p
    indicateur = indicateur or colonne_valeur
    # Contrefactuel des sites expérimentés (moyenne par période)
    # (moyennes par période des lignes des sites expérimentés, par comptages numpy : mêmes valeurs qu'un groupby)
    lignes_traitees = traite_g[site] > 0
    n_lignes = np.bincount(temps[lignes_traitees], minlength=len(periodes))
    presentes = n_lignes > 0
    obs = np.bincount(temps[lignes_traitees], weights=y[lignes_traitees], minlength=len(periodes))[presentes]
    part = np.bincount(temps[lignes_traitees], weights=D[lignes_traitees], minlength=len(periodes))[presentes]
    obs, part = obs / n_lignes[presentes], part / n_lignes[presentes]
    contre = pd.DataFrame({"date": periodes[presentes], "observe": obs, "contrefactuel": obs - effet * part})
    actifs = D > 0
    n_actifs = int(actifs.sum())
    details = {
        "coefficients": tableau,
        "n_observations": len(d),
        "n_sites": n_g,
        "n_sites_experimentes": g1,
        "n_sites_temoins": g0,
        "n_grappes": n_g,
        "n_grappes_experimentees": g1,
        "n_grappes_temoins": g0,
        "n_periodes": int(temps.max()) + 1,
        "n_periodes_avant": n_avant,
        "n_periodes_apres": n_apres,
        "effet_cumule": effet * n_actifs,
        "effet_cumule_ic": (bas * n_actifs, haut * n_actifs),
        "erreur_type_regroupee": se if regime in ("regroupees", "bootstrap") else float(tableau.erreur_type.iloc[0]),
        "erreurs": f"regroupées par site ({n_g} grappes)",
        "ddl": inf.ddl,
        **inf.details,
    }
    verifs = [inf.verification]
    if tendances_prealables:
        try:
            ee = etude_evenementielle(
                d, colonne_valeur=colonne_valeur, colonne_site=colonne_site, colonne_temps=colonne_temps,
                colonne_traitement=colonne_traitement, covariables=covariables, inference=regime,
                graine=graine, niveau=niveau,
            )
            details["etude_evenementielle"] = ee.coefficients
            details["test_tendances_prealables"] = {"F": ee.statistique_F, "p_valeur": ee.p_valeur}
            verifs.append(ee.verification)
        except (ValueError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError) as exc:
            message = str(exc) if isinstance(exc, ValueError) else "calcul impossible sur si peu de sites ou de périodes"
            verifs.append(Verification("tendances_prealables", "attention",
                                       f"Tendances préalables non testées : {message.rstrip('.')}."))
    ddl = float(inf.ddl)
    r = ResultatImpact.construire(
        methode=METHODE,
        libelle_methode=libelle_methode or LIBELLE + " (effets fixes site et période)",
        indicateur=indicateur,
        unite=unite,
        effet=effet,
        ic_bas=bas,
        ic_haut=haut,
        p_valeur=p,
        total_observe=float(y[actifs].mean()),
        erreur_type=se,
        # Sans incertitude valide, _finaliser le retire (incertitude indéterminée).
        effet_minimal_detectable=(effet_minimal_detectable(se, max(int(ddl), 1)) if math.isfinite(ddl) else None),
        contrefactuel=contre,
        verifications=verifs,
        resume=lambda res: phrase_effet(
            indicateur, unite, effet, bas, haut, res.effet_relatif,
            "Par rapport à l'évolution des sites témoins, en moyenne par site et par période d'expérimentation",
        ),
        justification=justification or "Des sites témoins suivis avant et pendant l'expérimentation sont "
        "disponibles : les effets fixes retirent les différences permanentes entre sites et les chocs communs "
        "à chaque période (météo, saison, conjoncture).",
        limites=list(LIMITES)
        + [
            "Si les sites commencent l'expérimentation à des dates différentes et que l'effet varie dans "
            "le temps, l'estimateur à effets fixes peut être biaisé : regarder l'étude événementielle."
        ],
        details=details,
    )
    return _finaliser(r, inf.raison_indeterminee)


def _serie_ecarts(y: np.ndarray, D: np.ndarray, est_traite: np.ndarray, temps: np.ndarray):
    """Par période : moyenne des sites expérimentés − moyenne des témoins, et part des expérimentés
    actifs. Seules les périodes où les deux groupes sont mesurés comptent. Renvoie aussi le nombre
    de périodes avant le premier début et pendant (part > 0)."""
    T = int(temps.max()) + 1
    n1 = np.bincount(temps[est_traite], minlength=T).astype(float)
    n0 = np.bincount(temps[~est_traite], minlength=T).astype(float)
    s1 = np.bincount(temps[est_traite], weights=y[est_traite], minlength=T)
    s0 = np.bincount(temps[~est_traite], weights=y[~est_traite], minlength=T)
    a1 = np.bincount(temps[est_traite], weights=D[est_traite], minlength=T)
    ok = (n1 > 0) & (n0 > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ecart = s1 / n1 - s0 / n0
        expo = a1 / n1
    ecart, expo = ecart[ok], expo[ok]
    actif = expo > 0
    premier = int(np.argmax(actif)) if actif.any() else len(expo)
    return ecart, expo, int((~actif[:premier]).sum()), int(actif.sum())


def _chemins_traitement(D, site, temps, traite_g) -> np.ndarray:
    """Chemin de traitement (valeur par période) de chaque site expérimenté, ligne G1 = zéros."""
    T = int(temps.max()) + 1
    experimentes = np.flatnonzero(traite_g > 0)
    chemins = np.zeros((len(experimentes) + 1, T))
    for k, s in enumerate(experimentes):
        m = site == s
        chemins[k, temps[m]] = D[m]
        actifs = temps[m][D[m] > 0]
        # Périodes non mesurées entre le début et la fin : actif (même chemin pour les placebos).
        manquantes = np.setdiff1d(np.arange(actifs.min(), actifs.max() + 1), temps[m])
        chemins[k, manquantes] = 1.0
    return chemins


def _randomisation_panel(yt, Xt, absorbeur, site, temps, chemins, affect) -> tuple[np.ndarray, np.ndarray]:
    """Pour chaque affectation (ligne 0 = la vraie), les sites désignés reçoivent les chemins de
    traitement des vrais sites expérimentés ; effets fixes site et période (et covariables) retirés
    par le même absorbeur, en paquets de colonnes. Renvoie l'effet estimé sur y et sur le vrai D."""
    n_g = int(site.max()) + 1
    g1 = affect.shape[1]
    D_obs, Z = Xt[:, 0], Xt[:, 1:]
    Q = np.linalg.qr(Z)[0] if Z.shape[1] else None
    y_r, D_r = yt, D_obs
    if Q is not None:
        y_r = yt - Q @ (Q.T @ yt)
        D_r = D_obs - Q @ (Q.T @ D_obs)
    pas = max(1, 2_000_000 // max(len(site), 1))
    effets, c = [], []
    for i in range(0, len(affect), pas):
        bloc = affect[i:i + pas]
        P = len(bloc)
        position = np.full((P, n_g), g1)  # g1 = ligne de zéros des chemins
        position[np.arange(P)[:, None], bloc] = np.arange(g1)[None, :]
        Dt = absorbeur(chemins[position[:, site].T, temps[:, None]])  # n × P
        if Q is not None:
            Dt = Dt - Q @ (Q.T @ Dt)
        denom = np.einsum("ij,ij->j", Dt, Dt)
        with np.errstate(invalid="ignore", divide="ignore"):
            effets.append(np.where(denom > 1e-12, (Dt.T @ y_r) / denom, np.nan))
            c.append(np.where(denom > 1e-12, (Dt.T @ D_r) / denom, np.nan))
    return np.concatenate(effets), np.concatenate(c)


# ---------------------------------------------------------------------------------------------
# Étude événementielle
# ---------------------------------------------------------------------------------------------


@dataclass
class EtudeEvenementielle:
    """Coefficients par période relative au début, et test joint des tendances préalables."""

    coefficients: pd.DataFrame  # temps_relatif, coefficient, erreur_type, ic_bas, ic_haut, reference
    statistique_F: float
    p_valeur: float
    verification: Verification


def etude_evenementielle(
    donnees: pd.DataFrame,
    *,
    colonne_valeur: str = "valeur",
    colonne_site: str = "site",
    colonne_temps: str = "periode",
    colonne_traitement: str = "actif",
    covariables: Sequence[str] = (),
    avant: int = 6,
    apres: int = 6,
    reference: int = -1,
    inference: str = "auto",
    n_placebos: int = 199,
    graine: int = 0,
    niveau: float = config.NIVEAU_CONFIANCE,
) -> EtudeEvenementielle:
    """Étude événementielle : un coefficient par période relative au début (de −``avant`` à +``apres``,
    extrémités regroupées), période ``reference`` (−1) fixée à 0 ; effets fixes site et période ;
    test joint que les coefficients d'avant sont nuls.

    Le test : dès que le traitement peut être réaffecté d'au moins 20 façons, randomisation sur la seule
    période d'avant (rang de Σ coefficients d'avant² parmi ceux des réaffectations, exact) ; sinon, pour
    un panel long à peu de sites, pente de la série des écarts avant le début (AR(1)) ; sans site
    jamais expérimenté, test F à erreurs regroupées ; sinon, erreur « non testable ». Un écart net avant le début est un « echec ». Le début d'un site est la première
    période où ``colonne_traitement`` vaut 1 ; les sites jamais expérimentés servent de témoins.
    """
    cols = [colonne_valeur, colonne_site, colonne_temps, colonne_traitement, *covariables]
    _verifier_colonnes(donnees, cols)
    d = donnees[cols].dropna().reset_index(drop=True)
    temps_brut = d[colonne_temps]
    if pd.api.types.is_numeric_dtype(temps_brut):
        temps = temps_brut.astype(float)
    else:
        temps = pd.Series(pd.factorize(temps_brut, sort=True)[0], index=d.index).astype(float)
    site, _ = _coder(d[colonne_site])
    tcode, _ = _coder(d[colonne_temps])
    Dv = d[colonne_traitement].to_numpy(float)
    n_g = int(site.max()) + 1
    traite_g = np.zeros(n_g)
    np.maximum.at(traite_g, site, Dv)
    g1, g0 = int((traite_g > 0).sum()), int((traite_g == 0).sum())
    if n_g < 2:
        raise ValueError("un seul site : il faut des sites expérimentés et des témoins")
    masque_actif = (d[colonne_traitement] > 0).to_numpy()
    debut_site = temps[masque_actif].groupby(site[masque_actif]).min()
    debut = pd.Series(site).map(debut_site)
    rel = (temps.to_numpy() - debut.to_numpy())
    traite = ~np.isnan(rel)
    rel_b = np.clip(np.nan_to_num(rel, nan=0), -avant, apres)
    valeurs = [k for k in range(-avant, apres + 1) if k != reference]
    presents = [k for k in valeurs if np.any(traite & (rel_b == k))]
    leads = [k for k in presents if k < reference]
    if not leads:
        raise ValueError("il n'y a pas assez de périodes avant le début pour tester les tendances préalables.")
    Zc = [d[c].to_numpy(float) for c in covariables]
    X = np.column_stack([(traite & (rel_b == k)).astype(float) for k in presents] + Zc)
    absorbeur = _Absorbeur(site, tcode)
    y = d[colonne_valeur].to_numpy(float)
    Xt, yt = absorbeur(X), absorbeur(y)
    beta = np.linalg.lstsq(Xt, yt, rcond=None)[0]
    e = yt - Xt @ beta
    V = _cov_grappes(Xt, e, site, n_g, X.shape[1] + absorbeur.n_effets)
    m = len(presents)
    b, Vb = beta[:m], V[:m, :m]
    se = np.sqrt(np.clip(np.diag(Vb), 0, None))
    crit = special.stdtrit(n_g - 1, 0.5 + niveau / 2) if n_g > 1 else float("nan")
    idx = [presents.index(k) for k in leads]
    q = len(idx)
    ecart, expo, n_avant, n_apres = _serie_ecarts(y, Dv, traite_g[site] > 0, tcode)
    regime = inference if inference != "auto" else choisir_inference(g1, g0, n_avant, n_apres)
    if g0 == 0:
        regime = "regroupees"
    ic_bas, ic_haut = b - crit * se, b + crit * se
    premier = int(tcode[Dv > 0].min())
    garde_avant = tcode < premier
    n_pre = int(garde_avant.sum())
    p_memoire = min(n_placebos, int(6_000_000 // max(n_pre * q, 1)), max(nombre_affectations(g1, g0) - 1, 0))
    # Randomisation sur la période d'avant : exacte quel que soit le nombre de sites dès qu'il y a au moins
    # 20 affectations possibles ; le test F à erreurs regroupées rejette trop souvent avec peu de sites
    # (mesuré : 15 % de faux « echec » avec 6 expérimentés et 6 témoins, 8 % avec 20 et 20).
    fisher = g0 > 0 and p_memoire >= PLACEBOS_MINIMUM and regime in ("permutation", "bootstrap", "regroupees")
    if regime == "permutation" and not fisher:
        regime = "temporelle" if n_avant >= PERIODES_AVANT_MINIMUM else "indeterminee"
    if fisher:
        affect = _affectations(n_g, np.flatnonzero(traite_g > 0), p_memoire, graine)
        b_a = _fisher_evenements(y, Zc, site, tcode, rel_b, traite, traite_g, leads, affect, garde_avant, avant)
        valides = np.all(np.isfinite(b_a), axis=1)
        valides[0] = True
        b_a = b_a[valides]
        A = len(b_a)
        stat = np.sum(b_a**2, axis=1)
        F = float(stat[0])
        # Tolérance numérique à l'échelle des données : des coefficients au niveau du bruit d'arrondi
        # (série d'avant parfaitement additive, par exemple une levée par semaine partout) ne font pas un écart.
        echelle = float(np.mean(y[garde_avant] ** 2)) if n_pre else 0.0
        tol = 1e-12 * max(echelle, float(stat.max()), 1e-300)
        p = float(np.sum(stat >= F - tol) / A)
        k = int(math.ceil(niveau * A))
        qk = np.sort(np.abs(b_a[1:]), axis=0)[min(k, A - 1) - 1]
        se = np.full(m, np.nan)
        ic_bas, ic_haut = np.full(m, np.nan), np.full(m, np.nan)
        for j, kk in enumerate(leads):
            i_ = presents.index(kk)
            ic_bas[i_], ic_haut[i_] = b[i_] - qk[j], b[i_] + qk[j]
            se[i_] = float(np.std(b_a[1:, j], ddof=1))
        comment = (f"rang de la somme des carrés des écarts d'avant parmi {A - 1} placebos dans l'espace "
                   f"(traitement réaffecté à d'autres sites, période d'avant seule), {_groupes(g1, g0)}")
    elif regime == "temporelle" and n_avant >= 3:
        ecart_avant = ecart[: n_avant]
        pente = pente_prealable_ar1(ecart_avant, rho_max=0.97)
        derive, p, rho = pente.derive, pente.p_valeur, pente.rho
        F = derive
        ic_bas = ic_haut = np.full(m, np.nan)
        se = np.full(m, np.nan)
        comment = (f"pente de l'écart moyen entre sites expérimentés et témoins sur les {n_avant} périodes "
                   f"d'avant, erreurs AR(1)" + (f", ρ = {nombre(rho, 2)}" if math.isfinite(rho) else "")
                   + f" ; dérive sur la période : {nombre(derive, 2)}")
        q = n_avant
    elif regime in ("regroupees", "bootstrap"):
        bl = b[idx]
        Vl = Vb[np.ix_(idx, idx)]
        if not np.all(np.isfinite(Vl)) or n_g < 3:
            raise ValueError(f"trop peu de sites ({_groupes(g1, g0)}) pour estimer la variance des écarts "
                             "d'avant")
        F = float(bl @ np.linalg.pinv(Vl) @ bl / q)
        p = float(stats.f.sf(F, q, max(n_g - 1, 1)))
        comment = f"test joint sur {q} périodes, erreurs regroupées par site"
    else:
        raise ValueError(f"avec {_groupes(g1, g0)} et {n_avant} périodes avant le début, aucun test fiable des "
                         "écarts d'avant n'est possible")
    tab = pd.DataFrame({"temps_relatif": presents, "coefficient": b, "erreur_type": se,
                        "ic_bas": ic_bas, "ic_haut": ic_haut})
    tab["reference"] = False
    ref = pd.DataFrame({"temps_relatif": [reference], "coefficient": [0.0], "erreur_type": [0.0], "ic_bas": [0.0], "ic_haut": [0.0], "reference": [True]})
    tab = pd.concat([tab, ref]).sort_values("temps_relatif").reset_index(drop=True)
    if not math.isfinite(p):
        raise ValueError(f"le test des écarts d'avant est dégénéré ({comment})")
    if p >= 0.05:
        verif = Verification(
            "tendances_prealables",
            "reussie",
            f"Avant le début, sites expérimentés et témoins évoluaient de façon comparable ({comment} : "
            f"p = {nombre(p, 2)}) ; cela soutient, sans la prouver, l'hypothèse de tendances parallèles.",
            p,
        )
    else:
        verif = Verification(
            "tendances_prealables",
            "echec",
            f"Avant même le début, les sites expérimentés s'écartaient déjà des témoins ({comment} : "
            f"p = {nombre(p, 3)}) : l'hypothèse de tendances parallèles est douteuse.",
            p,
        )
    return EtudeEvenementielle(tab, F, p, verif)


def _fisher_evenements(y, Zc, site, tcode, rel_b, traite, traite_g, leads, affect, garde, avant) -> np.ndarray:
    """Coefficients d'avant (leads) de l'étude événementielle pour chaque affectation du traitement
    (ligne 0 = la vraie), sur la seule période d'avant (aucun effet n'y joue) : les sites désignés
    reçoivent les temps relatifs des vrais sites expérimentés. (A, len(leads))."""
    experimentes = np.flatnonzero(traite_g > 0)
    n_g = len(traite_g)
    T = int(tcode.max()) + 1
    g1, A = len(experimentes), len(affect)
    rel_par = np.full((g1 + 1, T), np.nan)
    for k, s in enumerate(experimentes):
        msk = (site == s) & traite
        rel_par[k, tcode[msk]] = rel_b[msk]
        connus = np.flatnonzero(~np.isnan(rel_par[k]))
        if len(connus):  # périodes non mesurées : temps relatif prolongé (une période = un pas)
            base = connus[0]
            manq = np.isnan(rel_par[k])
            rel_par[k, manq] = np.clip(rel_par[k, base] + (np.arange(T)[manq] - base), -avant, 99)
    s_g, t_g = site[garde], tcode[garde]
    position = np.full((A, n_g), g1)
    position[np.arange(A)[:, None], affect] = np.arange(g1)[None, :]
    R = rel_par[position[:, s_g].T, t_g[:, None]]  # n × A
    absorbeur = _Absorbeur(s_g, t_g)
    yt = absorbeur(y[garde])
    Xp = np.stack([absorbeur.par_blocs((R == k).astype(float)) for k in leads], axis=2)  # n × A × q
    if Zc:
        Q, _ = np.linalg.qr(absorbeur(np.column_stack([z[garde] for z in Zc])))
        yt = yt - Q @ (Q.T @ yt)
        Xp = Xp - np.einsum("ia,apm->ipm", Q, np.einsum("ia,ipm->apm", Q, Xp))
    M = np.einsum("ipm,ipl->pml", Xp, Xp)
    c = np.einsum("ipm,i->pm", Xp, yt)
    return np.einsum("pml,pl->pm", np.linalg.pinv(M), c)


def _verifier_colonnes(donnees: pd.DataFrame, colonnes: Sequence[str]) -> None:
    manquantes = [c for c in colonnes if c not in donnees.columns]
    if manquantes:
        raise ValueError(
            f"{accord(len(manquantes), 'Colonne absente', 'Colonnes absentes')} des données : {', '.join(manquantes)} "
            f"(colonnes présentes : {', '.join(map(str, donnees.columns))})."
        )
