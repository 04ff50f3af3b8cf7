"""Doubles différences : sites expérimentés contre sites témoins, avant contre après.

- :func:`doubles_differences_moyennes` : le tableau 2 × 2 des moyennes par cellule.
- :func:`doubles_differences` : la même chose par régression ``y ~ traite + apres + traite:apres``
  (+ covariables), erreurs classiques ou regroupées (« clusterisées ») par site.
- :func:`effets_fixes_bidirectionnels` : panel de sites × périodes, effets fixes site et période,
  erreurs regroupées par site ; bootstrap sauvage par grappes (poids de Rademacher ou de Webb)
  quand il y a peu de sites.
- :func:`etude_evenementielle` : coefficients avant / après le début (leads / lags) et test joint
  de l'absence de tendance préalable.

L'hypothèse centrale, jamais démontrable, est celle des tendances parallèles : sans
l'expérimentation, l'écart entre sites expérimentés et témoins serait resté le même.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import sparse, stats

from .. import config
from .base import ResultatImpact, Verification
from .serie_interrompue import _fr, _phrase_resume

METHODE = "doubles_differences"
LIBELLE = "Doubles différences avec sites témoins"
#: En dessous de ce nombre de grappes (sites), les erreurs regroupées sont peu fiables.
GRAPPES_MINIMUM = 30

LIMITES = [
    "Repose sur l'hypothèse de tendances parallèles : sans l'expérimentation, sites expérimentés et "
    "témoins auraient évolué de la même façon. Les périodes d'avant permettent de la tester en "
    "partie, jamais de la prouver.",
    "Un événement qui ne toucherait que les sites expérimentés au même moment (travaux, changement "
    "d'exploitant…) serait confondu avec l'effet.",
    "Si les sites ont été choisis parce qu'ils allaient mal (ou bien), un retour à la moyenne peut "
    "imiter un effet.",
]


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
    """
    _verifier_colonnes(donnees, [colonne_valeur, colonne_traite, colonne_apres])
    d = donnees[[colonne_valeur, colonne_traite, colonne_apres]].dropna()
    g = d.groupby([colonne_traite, colonne_apres])[colonne_valeur]
    cellules = pd.DataFrame({"moyenne": g.mean(), "erreur_type": g.sem(), "n": g.size()})
    if len(cellules) != 4:
        raise ValueError("Il faut des observations dans les quatre cellules (témoins/expérimentés × avant/après).")
    m = cellules["moyenne"]
    effet = float((m[(1, 1)] - m[(1, 0)]) - (m[(0, 1)] - m[(0, 0)]))
    se = float(np.sqrt((cellules["erreur_type"] ** 2).sum()))
    z = stats.norm.ppf(0.5 + niveau / 2)
    bas, haut = effet - z * se, effet + z * se
    p = float(2 * stats.norm.sf(abs(effet / se)))
    contre = float(m[(1, 0)] + (m[(0, 1)] - m[(0, 0)]))
    rel = effet / contre if contre > 0 else None
    tableau = cellules.reset_index().rename(columns={colonne_traite: "traite", colonne_apres: "apres"})
    indicateur = indicateur or colonne_valeur
    return ResultatImpact(
        methode=METHODE,
        libelle_methode=LIBELLE + " (moyennes de cellule)",
        indicateur=indicateur,
        unite=unite,
        effet=effet,
        ic_bas=bas,
        ic_haut=haut,
        p_valeur=p,
        effet_relatif=rel,
        ic_relatif_bas=bas / contre if rel is not None else None,
        ic_relatif_haut=haut / contre if rel is not None else None,
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
        resume=_phrase_resume(
            indicateur, unite, effet, bas, haut, rel,
            "Par rapport à l'évolution des sites témoins, en moyenne par site et par période",
        ),
        justification="Des sites témoins et une période d'avant sont disponibles : on compare l'évolution "
        "des sites expérimentés à celle des témoins.",
        limites=list(LIMITES),
        details={"cellules": tableau},
    )


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
    niveau: float = config.NIVEAU_CONFIANCE,
) -> ResultatImpact:
    """Doubles différences par régression ``valeur ~ traite + apres + traite:apres (+ covariables)``.

    Sans ``colonne_grappe`` : erreurs classiques des moindres carrés. Avec : erreurs regroupées par
    grappe (site), valeurs critiques de Student à G − 1 ddl, et bootstrap sauvage par grappes si
    moins de 30 grappes (``bootstrap="auto"``).
    """
    cols = [colonne_valeur, colonne_traite, colonne_apres, *covariables] + ([colonne_grappe] if colonne_grappe else [])
    _verifier_colonnes(donnees, cols)
    d = donnees[cols].dropna().reset_index(drop=True)
    y = d[colonne_valeur].to_numpy(float)
    tr = d[colonne_traite].to_numpy(float)
    ap = d[colonne_apres].to_numpy(float)
    C = [np.ones(len(d)), tr, ap] + [d[c].to_numpy(float) for c in covariables]
    X = np.column_stack([tr * ap] + C)
    noms = ["traite:apres", "constante", "traite", "apres", *covariables]
    grappes = d[colonne_grappe].to_numpy() if colonne_grappe else None
    est = _estimer(y, X, grappes, niveau, bootstrap, n_bootstrap, graine, absorbeur=None, k_absorbe=0)
    est.tableau.insert(0, "terme", noms)
    indicateur = indicateur or colonne_valeur
    moyennes = d.groupby([colonne_traite, colonne_apres])[colonne_valeur].mean()
    contre_t = float(moyennes.get((1, 1), np.nan) - est.effet)
    rel = est.effet / contre_t if contre_t > 0 else None
    verifs = est.verifications
    return ResultatImpact(
        methode=METHODE,
        libelle_methode=LIBELLE,
        indicateur=indicateur,
        unite=unite,
        effet=est.effet,
        ic_bas=est.bas,
        ic_haut=est.haut,
        p_valeur=est.p,
        effet_relatif=rel,
        ic_relatif_bas=est.bas / contre_t if rel is not None else None,
        ic_relatif_haut=est.haut / contre_t if rel is not None else None,
        erreur_type=est.se,
        contrefactuel=pd.DataFrame(
            {
                "date": ["avant", "apres"],
                "observe": [moyennes.get((1, 0)), moyennes.get((1, 1))],
                "contrefactuel": [moyennes.get((1, 0)), contre_t],
            }
        ),
        verifications=verifs,
        resume=_phrase_resume(
            indicateur, unite, est.effet, est.bas, est.haut, rel,
            "Par rapport à l'évolution des sites témoins, en moyenne par site et par période",
        ),
        justification="Des sites témoins et une période d'avant sont disponibles : on compare l'évolution "
        "des sites expérimentés à celle des témoins, ce qui retire les chocs communs (météo, saison, "
        "conjoncture).",
        limites=list(LIMITES),
        details={"coefficients": est.tableau, "n_observations": len(d), **est.details},
    )


# ---------------------------------------------------------------------------------------------
# Panel : effets fixes site et période
# ---------------------------------------------------------------------------------------------


class _Absorbeur:
    """Retire les effets fixes (site, période) par projections alternées (exact en un passage si équilibré)."""

    def __init__(self, *codes: np.ndarray):
        self.mats = []
        n = len(codes[0])
        for c in codes:
            _, inv = np.unique(c, return_inverse=True)
            m = sparse.csr_matrix((np.ones(n), (np.arange(n), inv)))
            comptes = np.asarray(m.sum(axis=0)).ravel()
            self.mats.append((m, 1.0 / comptes))
        self.n_effets = sum(m.shape[1] for m, _ in self.mats) - (len(self.mats) - 1)

    def __call__(self, A: np.ndarray, tol: float = 1e-10, maxiter: int = 500) -> np.ndarray:
        A = np.array(A, dtype=float, copy=True)
        vecteur = A.ndim == 1
        if vecteur:
            A = A[:, None]
        echelle = max(float(np.abs(A).max()), 1.0)
        for _ in range(maxiter):
            delta = 0.0
            for m, inv in self.mats:
                moy = (m.T @ A) * inv[:, None]
                corr = m @ moy
                A -= corr
                delta = max(delta, float(np.abs(corr).max()))
            if delta < tol * echelle:
                break
        return A[:, 0] if vecteur else A


@dataclass
class _Estimation:
    effet: float
    se: float
    bas: float
    haut: float
    p: float
    tableau: pd.DataFrame
    verifications: list[Verification] = field(default_factory=list)
    details: dict = field(default_factory=dict)


def _cov_grappes(Xt: np.ndarray, e: np.ndarray, codes: np.ndarray, n_g: int, k_total: int) -> np.ndarray:
    n = len(e)
    pinv = np.linalg.inv(Xt.T @ Xt)
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
    si ``absorbeur`` est donné (il sert alors à re-projeter les résidus tirés).
    """
    n_g = int(codes.max()) + 1
    type_poids = type_poids or ("webb" if n_g < 12 else "rademacher")
    rng = np.random.default_rng(graine)
    n, k = X.shape
    k_total = k + k_absorbe
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    e = y - X @ beta
    V = _cov_grappes(X, e, codes, n_g, k_total)
    se = math.sqrt(V[0, 0])
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
        U = absorbeur(U)
    pinv = np.linalg.inv(X.T @ X)
    B_star = pinv @ (X.T @ U)  # k × B
    E = U - X @ B_star
    # erreurs types regroupées de la colonne 0, pour chaque tirage
    a = pinv[0] @ X.T  # ligne de (X'X)⁻¹X'
    contrib = np.zeros((n_g, n_bootstrap))
    np.add.at(contrib, codes, a[:, None] * E)
    facteur = n_g / (n_g - 1) * (n - 1) / (n - k_total)
    se_star = np.sqrt(facteur * (contrib**2).sum(axis=0))
    t_star = B_star[0] / se_star
    p = float((1 + np.sum(np.abs(t_star) >= abs(t_obs))) / (n_bootstrap + 1))
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


def _estimer(y, X, grappes, niveau, bootstrap, n_bootstrap, graine, absorbeur, k_absorbe) -> _Estimation:
    """Moindres carrés (colonne 0 = l'effet), erreurs classiques ou regroupées, bootstrap éventuel."""
    n, k = X.shape
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    e = y - X @ beta
    details: dict = {}
    verifs: list[Verification] = []
    if grappes is None:
        ddl = n - k - k_absorbe
        s2 = float(e @ e) / ddl
        V = s2 * np.linalg.inv(X.T @ X)
        details["erreurs"] = "classiques"
    else:
        _, codes = np.unique(grappes, return_inverse=True)
        n_g = int(codes.max()) + 1
        if n_g < 2:
            raise ValueError("Il faut au moins deux grappes (sites) pour des erreurs regroupées.")
        V = _cov_grappes(X, e, codes, n_g, k + k_absorbe)
        ddl = n_g - 1
        details["erreurs"] = f"regroupées par site ({n_g} grappes)"
        details["n_grappes"] = n_g
    se_all = np.sqrt(np.clip(np.diag(V), 0, None))
    crit = stats.t.ppf(0.5 + niveau / 2, ddl)
    tstat = beta / np.where(se_all > 0, se_all, np.nan)
    tableau = pd.DataFrame(
        {
            "coefficient": beta,
            "erreur_type": se_all,
            "statistique": tstat,
            "p_valeur": 2 * stats.t.sf(np.abs(tstat), ddl),
            "ic_bas": beta - crit * se_all,
            "ic_haut": beta + crit * se_all,
        }
    )
    effet, se = float(beta[0]), float(se_all[0])
    bas, haut = effet - crit * se, effet + crit * se
    p = float(2 * stats.t.sf(abs(effet / se), ddl)) if se > 0 else float("nan")
    if grappes is not None:
        peu = n_g < GRAPPES_MINIMUM
        faire_bs = bootstrap is True or (bootstrap == "auto" and peu)
        if faire_bs:
            bs = bootstrap_sauvage_grappes(
                y, X, codes, absorbeur=absorbeur, k_absorbe=k_absorbe, n_bootstrap=n_bootstrap,
                graine=graine, niveau=niveau,
            )
            details["bootstrap_sauvage"] = bs
            details["p_valeur_student"] = p
            details["ic_student"] = (bas, haut)
            p, bas, haut = bs["p_valeur"], bs["ic_bas"], bs["ic_haut"]
        if peu:
            phrase = (
                f"Seulement {n_g} sites (grappes) : les erreurs types regroupées par site sont peu fiables "
                f"sous une trentaine de grappes et ont tendance à être trop petites."
            )
            if faire_bs:
                phrase += (
                    f" La p-valeur et l'intervalle viennent donc d'un bootstrap sauvage par grappes "
                    f"({details['bootstrap_sauvage']['n_bootstrap']} tirages, poids de "
                    f"{details['bootstrap_sauvage']['poids'].capitalize()}, graine {graine})."
                )
            else:
                phrase += " Envisager un bootstrap sauvage par grappes."
            statut = "echec" if n_g < 6 else "attention"
            if n_g < 6:
                phrase += " Avec moins de 6 sites, aucune méthode ne donne d'inférence fiable."
            verifs.append(Verification("nombre_grappes", statut, phrase, float(n_g)))
        else:
            verifs.append(
                Verification(
                    "nombre_grappes",
                    "reussie",
                    f"{n_g} sites (grappes) : assez pour des erreurs types regroupées par site.",
                    float(n_g),
                )
            )
    else:
        verifs.append(
            Verification(
                "erreurs_independantes",
                "attention",
                "Erreurs types classiques : elles supposent des observations indépendantes ; si les mêmes "
                "sites sont mesurés plusieurs fois, regrouper par site (colonne_grappe).",
            )
        )
    details["ddl"] = ddl
    return _Estimation(effet, se, bas, haut, p, tableau, verifs, details)


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
    niveau: float = config.NIVEAU_CONFIANCE,
) -> ResultatImpact:
    """Doubles différences sur un panel sites × périodes : effets fixes site et période.

    ``colonne_traitement`` vaut 1 pour un site expérimenté pendant l'expérimentation, 0 sinon.
    Erreurs regroupées par site, Student à G − 1 ddl ; bootstrap sauvage par grappes (graine
    ``graine``) sous 30 sites si ``bootstrap="auto"``. Si ``tendances_prealables``, une étude
    événementielle teste l'absence d'écart avant le début.
    """
    cols = [colonne_valeur, colonne_site, colonne_temps, colonne_traitement, *covariables]
    _verifier_colonnes(donnees, cols)
    d = donnees[cols].dropna().reset_index(drop=True)
    absorbeur = _Absorbeur(d[colonne_site].to_numpy(), d[colonne_temps].to_numpy())
    D = d[colonne_traitement].to_numpy(float)
    X = np.column_stack([D] + [d[c].to_numpy(float) for c in covariables])
    Xt = absorbeur(X)
    yt = absorbeur(d[colonne_valeur].to_numpy(float))
    est = _estimer(
        yt, Xt, d[colonne_site].to_numpy(), niveau, bootstrap, n_bootstrap, graine,
        absorbeur=absorbeur, k_absorbe=absorbeur.n_effets,
    )
    est.tableau.insert(0, "terme", [colonne_traitement, *covariables])
    indicateur = indicateur or colonne_valeur
    # Contrefactuel des sites expérimentés (moyenne par période)
    sites_traites = d.loc[D > 0, colonne_site].unique()
    dt = d[d[colonne_site].isin(sites_traites)]
    obs = dt.groupby(colonne_temps)[colonne_valeur].mean()
    part = dt.groupby(colonne_temps)[colonne_traitement].mean()
    contre = pd.DataFrame({"date": obs.index, "observe": obs.to_numpy(), "contrefactuel": (obs - est.effet * part).to_numpy()})
    moyenne_cf = float((dt[colonne_valeur] - est.effet * dt[colonne_traitement])[dt[colonne_traitement] > 0].mean())
    rel = est.effet / moyenne_cf if moyenne_cf > 0 else None
    n_actifs = int((D > 0).sum())
    details = {
        "coefficients": est.tableau,
        "n_observations": len(d),
        "n_sites": int(d[colonne_site].nunique()),
        "n_sites_experimentes": len(sites_traites),
        "n_periodes": int(d[colonne_temps].nunique()),
        "effet_cumule": est.effet * n_actifs,
        "effet_cumule_ic": (est.bas * n_actifs, est.haut * n_actifs),
        **est.details,
    }
    verifs = list(est.verifications)
    if tendances_prealables:
        try:
            ee = etude_evenementielle(
                d, colonne_valeur=colonne_valeur, colonne_site=colonne_site, colonne_temps=colonne_temps,
                colonne_traitement=colonne_traitement, covariables=covariables,
            )
            details["etude_evenementielle"] = ee.coefficients
            details["test_tendances_prealables"] = {"F": ee.statistique_F, "p_valeur": ee.p_valeur}
            verifs.append(ee.verification)
        except ValueError as exc:
            verifs.append(Verification("tendances_prealables", "attention", f"Tendances préalables non testées : {exc}"))
    return ResultatImpact(
        methode=METHODE,
        libelle_methode=LIBELLE + " (effets fixes site et période)",
        indicateur=indicateur,
        unite=unite,
        effet=est.effet,
        ic_bas=est.bas,
        ic_haut=est.haut,
        p_valeur=est.p,
        effet_relatif=rel,
        ic_relatif_bas=est.bas / moyenne_cf if rel is not None else None,
        ic_relatif_haut=est.haut / moyenne_cf if rel is not None else None,
        erreur_type=est.se,
        contrefactuel=contre,
        verifications=verifs,
        resume=_phrase_resume(
            indicateur, unite, est.effet, est.bas, est.haut, rel,
            "Par rapport à l'évolution des sites témoins, en moyenne par site et par période d'expérimentation",
        ),
        justification="Des sites témoins suivis avant et pendant l'expérimentation sont disponibles : les "
        "effets fixes retirent les différences permanentes entre sites et les chocs communs à chaque "
        "période (météo, saison, conjoncture).",
        limites=list(LIMITES)
        + [
            "Si les sites commencent l'expérimentation à des dates différentes et que l'effet varie dans "
            "le temps, l'estimateur à effets fixes peut être biaisé : regarder l'étude événementielle."
        ],
        details=details,
    )


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
    niveau: float = config.NIVEAU_CONFIANCE,
) -> EtudeEvenementielle:
    """Étude événementielle : un coefficient par période relative au début (de −``avant`` à +``apres``,
    extrémités regroupées), période ``reference`` (−1) fixée à 0 ; effets fixes site et période,
    erreurs regroupées par site ; test F joint que les coefficients d'avant sont nuls.

    Le début d'un site est la première période où ``colonne_traitement`` vaut 1 ; les sites jamais
    expérimentés servent de témoins. Le tableau ``coefficients`` sert directement aux graphiques.
    """
    cols = [colonne_valeur, colonne_site, colonne_temps, colonne_traitement, *covariables]
    d = donnees[cols].dropna().reset_index(drop=True)
    temps = d[colonne_temps]
    if not pd.api.types.is_numeric_dtype(temps):
        temps = pd.Series(pd.factorize(temps, sort=True)[0], index=d.index)
    debut_site = temps[d[colonne_traitement] > 0].groupby(d[colonne_site]).min()
    debut = d[colonne_site].map(debut_site)
    rel = (temps - debut).to_numpy()
    traite = ~np.isnan(rel)
    rel_b = np.clip(np.nan_to_num(rel, nan=0), -avant, apres)
    valeurs = [k for k in range(-avant, apres + 1) if k != reference]
    presents = [k for k in valeurs if np.any(traite & (rel_b == k))]
    leads = [k for k in presents if k < reference]
    if not leads:
        raise ValueError("il n'y a pas assez de périodes avant le début pour tester les tendances préalables.")
    X = np.column_stack([(traite & (rel_b == k)).astype(float) for k in presents] + [d[c].to_numpy(float) for c in covariables])
    absorbeur = _Absorbeur(d[colonne_site].to_numpy(), temps.to_numpy())
    Xt, yt = absorbeur(X), absorbeur(d[colonne_valeur].to_numpy(float))
    _, codes = np.unique(d[colonne_site].to_numpy(), return_inverse=True)
    n_g = int(codes.max()) + 1
    beta = np.linalg.lstsq(Xt, yt, rcond=None)[0]
    e = yt - Xt @ beta
    V = _cov_grappes(Xt, e, codes, n_g, X.shape[1] + absorbeur.n_effets)
    m = len(presents)
    b, Vb = beta[:m], V[:m, :m]
    se = np.sqrt(np.clip(np.diag(Vb), 0, None))
    crit = stats.t.ppf(0.5 + niveau / 2, n_g - 1)
    tab = pd.DataFrame({"temps_relatif": presents, "coefficient": b, "erreur_type": se})
    tab["ic_bas"] = tab.coefficient - crit * tab.erreur_type
    tab["ic_haut"] = tab.coefficient + crit * tab.erreur_type
    tab["reference"] = False
    ref = pd.DataFrame({"temps_relatif": [reference], "coefficient": [0.0], "erreur_type": [0.0], "ic_bas": [0.0], "ic_haut": [0.0], "reference": [True]})
    tab = pd.concat([tab, ref]).sort_values("temps_relatif").reset_index(drop=True)
    idx = [presents.index(k) for k in leads]
    bl = b[idx]
    Vl = Vb[np.ix_(idx, idx)]
    q = len(idx)
    F = float(bl @ np.linalg.pinv(Vl) @ bl / q)
    p = float(stats.f.sf(F, q, max(n_g - 1, 1)))
    if p >= 0.05:
        verif = Verification(
            "tendances_prealables",
            "reussie",
            f"Avant le début, sites expérimentés et témoins évoluaient de façon comparable (test joint sur "
            f"{q} périodes : p = {_fr(p, 2)}) ; cela soutient, sans la prouver, l'hypothèse de tendances parallèles.",
            p,
        )
    else:
        verif = Verification(
            "tendances_prealables",
            "echec",
            f"Avant même le début, les sites expérimentés s'écartaient déjà des témoins (test joint sur {q} "
            f"périodes : p = {_fr(p, 3)}) : l'hypothèse de tendances parallèles est douteuse.",
            p,
        )
    return EtudeEvenementielle(tab, F, p, verif)


def _verifier_colonnes(donnees: pd.DataFrame, colonnes: Sequence[str]) -> None:
    manquantes = [c for c in colonnes if c not in donnees.columns]
    if manquantes:
        raise ValueError(
            f"Colonne(s) absente(s) des données : {', '.join(manquantes)} "
            f"(colonnes présentes : {', '.join(map(str, donnees.columns))})."
        )
