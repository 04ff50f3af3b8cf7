"""Série temporelle interrompue (régression segmentée).

Le plan le plus simple quand on ne dispose que de la série du site expérimenté : on ajuste sur
toute la série une tendance, une saisonnalité et, éventuellement, des covariables de calendrier,
plus deux termes d'intervention — un changement de niveau (``niveau`` : 1 après le début) et un
changement de pente (``pente`` : 1, 2, 3… périodes écoulées depuis le début). Le contrefactuel
est la prédiction du modèle avec ces deux termes mis à zéro.

- Indicateur continu, par défaut (``erreurs="ar1"``) : moindres carrés généralisés avec erreurs
  AR(1) — ρ estimé par vraisemblance restreinte (REML), transformation de Prais-Winsten,
  variance de l'effet corrigée à la Kenward-Roger pour l'incertitude sur ρ et degrés de liberté
  de Satterthwaite. Au choix (``erreurs="hac"``) : moindres carrés ordinaires et erreurs de
  Newey-West avec la règle de retard ``floor(4 (n/100)^(2/9))``, correction de petit échantillon
  et valeurs critiques de Student. Mesuré par simulation (36 mois avant, 24 après, AR(1) ρ = 0,4) :
  les intervalles HAC ne couvrent l'effet que 86 % du temps (21 % de fausses alarmes), ceux du
  modèle AR(1) 95 % (6 % de fausses alarmes) — d'où ce choix par défaut.
- Comptages et taux : GLM de Poisson (``famille="poisson"``) ou quasi-Poisson
  (``famille="quasi_poisson"``, échelle = χ² de Pearson / ddl) avec un décalage (offset)
  log(exposition) ; le rapport de taux du changement de niveau est donné dans ``details``.

L'effet rapporté est l'effet cumulé sur la période « après » : Σ (observé − contrefactuel),
avec son intervalle par la méthode delta sur la covariance des coefficients, et l'effet relatif
calculé sur les totaux (Σ observé / Σ contrefactuel − 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats
from statsmodels.stats.stattools import durbin_watson

from .. import config
from ..francais import accord, compte, nombre, phrase_effet
from .base import ResultatImpact, Verification

Famille = Literal["gaussienne", "poisson", "quasi_poisson"]

METHODE = "serie_interrompue"
LIBELLE = "Série temporelle interrompue (régression segmentée)"


# ---------------------------------------------------------------------------------------------
# Petits outils partagés par les modules de méthodes (les textes : eprouvette.francais)
# ---------------------------------------------------------------------------------------------


def retard_newey_west(n: int) -> int:
    """Règle de retard de Newey-West (1994) : ``floor(4 (n/100)^(2/9))``, au moins 1."""
    return max(1, int(math.floor(4 * (n / 100) ** (2 / 9))))


# ---------------------------------------------------------------------------------------------
# Matrice du plan
# ---------------------------------------------------------------------------------------------


@dataclass
class PlanSerie:
    """Matrice du plan d'une série interrompue (construite une fois, sans formules)."""

    X: np.ndarray
    noms: list[str]
    apres: np.ndarray  # booléen
    colonnes_intervention: list[int]

    @property
    def X_contrefactuel(self) -> np.ndarray:
        Xc = self.X.copy()
        Xc[:, self.colonnes_intervention] = 0.0
        return Xc


def construire_plan(
    apres: np.ndarray,
    *,
    changement_pente: bool = True,
    saisonnalite: Literal["fourier", "mois"] | None = "fourier",
    periode: float = 12.0,
    harmoniques: int = 2,
    position_saison: np.ndarray | None = None,
    mois: np.ndarray | None = None,
    covariables: pd.DataFrame | None = None,
) -> PlanSerie:
    """Construit la matrice : constante, niveau, tendance, pente, saisonnalité, covariables.

    ``apres`` : booléens dans l'ordre chronologique (faux puis vrai). La tendance vaut 1, 2, …, n ;
    le terme de pente vaut 1, 2, … à partir de la première période « après ».
    """
    apres = np.asarray(apres, dtype=bool)
    n = len(apres)
    t = np.arange(1, n + 1, dtype=float)
    if not apres.any() or apres.all():
        raise ValueError(
            "La série doit contenir des périodes avant ET après le début de l'expérimentation."
        )
    premier = int(np.argmax(apres))
    if not apres[premier:].all():
        raise ValueError(
            "Les périodes « après » doivent suivre toutes les périodes « avant » (série triée)."
        )
    colonnes = [np.ones(n), apres.astype(float), t]
    noms = ["constante", "niveau", "tendance"]
    interv = [1]
    if changement_pente:
        colonnes.append(np.where(apres, t - premier, 0.0))
        noms.append("pente")
        interv.append(3)
    if saisonnalite == "fourier":
        pos = t if position_saison is None else np.asarray(position_saison, dtype=float)
        for k in range(1, harmoniques + 1):
            colonnes += [np.sin(2 * np.pi * k * pos / periode), np.cos(2 * np.pi * k * pos / periode)]
            noms += [f"sin{k}", f"cos{k}"]
    elif saisonnalite == "mois":
        if mois is None:
            raise ValueError("La saisonnalité par mois demande des dates (colonne de dates).")
        mois = np.asarray(mois)
        for m in range(2, 13):
            if (mois == m).any():
                colonnes.append((mois == m).astype(float))
                noms.append(f"mois_{m:02d}")
    elif saisonnalite is not None:
        raise ValueError(f"Saisonnalité inconnue : {saisonnalite!r} (attendu « fourier », « mois » ou None).")
    if covariables is not None and covariables.shape[1]:
        for nom in covariables.columns:
            colonnes.append(covariables[nom].to_numpy(dtype=float))
            noms.append(str(nom))
    X = np.column_stack(colonnes)
    return PlanSerie(X=X, noms=noms, apres=apres, colonnes_intervention=interv)


# ---------------------------------------------------------------------------------------------
# Ajustement
# ---------------------------------------------------------------------------------------------


@dataclass
class AjustementSerie:
    """Résultats numériques bruts (utilisés aussi par les simulations et la puissance)."""

    params: np.ndarray
    cov: np.ndarray
    ddl: float | None  # degrés de liberté de Student, None = loi normale
    residus: np.ndarray
    ajuste: np.ndarray
    contrefactuel: np.ndarray
    effet: float
    erreur_type: float
    ic_bas: float
    ic_haut: float
    p_valeur: float
    modele: object
    echelle: float = 1.0
    rho: float | None = None


def ajuster(
    y: np.ndarray,
    plan: PlanSerie,
    *,
    famille: Famille = "gaussienne",
    exposition: np.ndarray | None = None,
    erreurs: Literal["hac", "ar1", "classique"] = "hac",
    retard_hac: int | None = None,
    niveau: float = config.NIVEAU_CONFIANCE,
) -> AjustementSerie:
    """Ajuste le modèle et calcule l'effet cumulé après le début, avec son intervalle."""
    y = np.asarray(y, dtype=float)
    X, Xc, post = plan.X, plan.X_contrefactuel, plan.apres
    n = len(y)
    rho = None
    if famille == "gaussienne":
        if erreurs == "ar1":
            rho = rho_ar1_reml(y, X)
            Xs, ys = prais_winsten(X, rho), prais_winsten(y, rho)
            modele = sm.OLS(ys, Xs)
            res = modele.fit()
            cov = np.asarray(res.cov_params())
            ddl = float(res.df_resid)
            c_tmp = (X[post] - Xc[post]).sum(axis=0)
            ddl, supplement = correction_petits_echantillons_ar1(y, X, c_tmp, rho, ddl)
            # Kenward-Roger (1997) : Φ_A = Φ(ρ̂) + 2Λ, Λ = terme de Kackar-Harville (variance due à ρ̂).
            cn = c_tmp / float(c_tmp @ c_tmp)
            cov = cov + 2 * supplement * np.outer(cn, cn)
        else:
            modele = sm.OLS(y, X)
            if erreurs == "hac":
                lag = retard_hac if retard_hac is not None else retard_newey_west(n)
                res = modele.fit(
                    cov_type="HAC", cov_kwds={"maxlags": lag, "use_correction": True}, use_t=True
                )
            elif erreurs == "classique":
                res = modele.fit()
            else:
                raise ValueError(f"Type d'erreurs inconnu : {erreurs!r}.")
            cov = np.asarray(res.cov_params())
            ddl = float(res.df_resid)
        params = np.asarray(res.params)
        ajuste = X @ params
        cf = Xc @ params
        residus = y - ajuste
        c = (X[post] - Xc[post]).sum(axis=0)
        effet = float((y[post] - cf[post]).sum()) if erreurs != "ar1" else float(c @ params)
        se = float(math.sqrt(max(c @ cov @ c, 0.0)))
        echelle = float(res.scale)
    elif famille in ("poisson", "quasi_poisson"):
        offset = None if exposition is None else np.log(np.asarray(exposition, dtype=float))
        modele = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset)
        res = modele.fit(scale="X2" if famille == "quasi_poisson" else 1.0)
        params = np.asarray(res.params)
        cov = np.asarray(res.cov_params())
        ddl = None
        off = 0.0 if offset is None else offset
        ajuste = np.exp(X @ params + off)
        cf = np.exp(Xc @ params + off)
        residus = np.asarray(res.resid_pearson)
        effet = float((y[post] - cf[post]).sum())
        g = (ajuste[post, None] * X[post]).sum(axis=0) - (cf[post, None] * Xc[post]).sum(axis=0)
        se = float(math.sqrt(max(g @ cov @ g, 0.0)))
        echelle = float(res.scale)
    else:
        raise ValueError(
            f"Famille inconnue : {famille!r} (attendu « gaussienne », « poisson » ou « quasi_poisson »)."
        )
    crit = special.stdtrit(ddl, 0.5 + niveau / 2) if ddl else stats.norm.ppf(0.5 + niveau / 2)
    stat = effet / se if se > 0 else np.inf
    p = float(2 * (special.stdtr(ddl, -abs(stat)) if ddl else stats.norm.sf(abs(stat))))
    return AjustementSerie(
        params=params,
        cov=cov,
        ddl=ddl,
        residus=residus,
        ajuste=ajuste,
        contrefactuel=cf,
        effet=effet,
        erreur_type=se,
        ic_bas=effet - crit * se,
        ic_haut=effet + crit * se,
        p_valeur=p,
        modele=res,
        echelle=echelle,
        rho=rho,
    )


def prais_winsten(a: np.ndarray, rho: float) -> np.ndarray:
    """Transformation de Prais-Winsten : blanchit des erreurs AR(1) de coefficient ``rho``."""
    a = np.asarray(a, dtype=float)
    out = np.empty_like(a)
    out[0] = np.sqrt(1 - rho**2) * a[0]
    out[1:] = a[1:] - rho * a[:-1]
    return out


def prais_winsten_transpose(v: np.ndarray, rho: float) -> np.ndarray:
    """``v @ P`` où ``P`` est la matrice de la transformation de Prais-Winsten (``prais_winsten(a) = P @ a``)."""
    v = np.asarray(v, dtype=float)
    out = v.copy()
    out[0] = np.sqrt(1 - rho**2) * v[0]
    out[:-1] -= rho * v[1:]
    return out


def forme_quadratique_ar1(a: np.ndarray, rho: float) -> float:
    """``a' R a`` avec ``R[i, j] = rho^|i-j|`` (corrélations AR(1)), en O(n) : Σ a_i² + 2 Σ_i a_i s_i, où
    s_i = Σ_{j<i} rho^(i-j) a_j = rho (s_{i-1} + a_{i-1})."""
    from scipy.signal import lfilter

    a = np.asarray(a, dtype=float)
    s = lfilter([0.0, rho], [1.0, -rho], a)
    return float(a @ a + 2 * (a @ s))


def _log_vraisemblance_reml(rho: float, y: np.ndarray, X: np.ndarray) -> float:
    n, k = X.shape
    Xs, ys = prais_winsten(X, rho), prais_winsten(y, rho)
    q, r = np.linalg.qr(Xs)
    e = ys - q @ (q.T @ ys)
    s2 = float(e @ e) / (n - k)
    # R = matrice de corrélation AR(1) ; |R| = (1-rho²)^(n-1) ; X'R⁻¹X = Xs'Xs / (1-rho²)
    logdet_r = (n - 1) * np.log(1 - rho**2)
    logdet_xrx = 2 * np.sum(np.log(np.abs(np.diag(r)))) - k * np.log(1 - rho**2)
    s2_marg = s2 / (1 - rho**2)
    return -0.5 * ((n - k) * np.log(s2_marg) + logdet_r + logdet_xrx)


def moments_prais_winsten(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(S0, S1, S2) tels que ``prais_winsten(a, ρ)ᵀ prais_winsten(b, ρ) = S0 − ρ S1 + ρ² S2`` pour tout ρ
    (a : n × p, b : n × q) : S0 = Σ_t a_t b_t, S1 = Σ_{t≥1} (a_t b_{t−1} + a_{t−1} b_t), S2 = Σ_{t=1}^{n−2} a_t b_t."""
    s1 = a[1:].T @ b[:-1]
    return a.T @ b, s1 + (b[1:].T @ a[:-1]).T, a[1:-1].T @ b[1:-1]


def _vraisemblance_reml_par_moments(y: np.ndarray, X: np.ndarray):
    """La fonction ρ ↦ :func:`_log_vraisemblance_reml` (ρ, y, X), calculée en O(k³) par évaluation : les
    produits scalaires des séries blanchies sont des polynômes de degré 2 en ρ (:func:`moments_prais_winsten`),
    calculés une fois. y est d'abord remplacé par ses résidus des moindres carrés ordinaires sur X : la somme
    des carrés blanchie est la même pour tout ρ (X β reste dans l'espace des colonnes de X blanchi), et la
    précision est gardée quand le niveau domine le bruit. ``None`` si X n'est pas de plein rang ou si y
    n'est pas fini (le calcul direct décide alors)."""
    n, k = X.shape
    if not (np.isfinite(y).all() and np.isfinite(X).all()):
        return None
    beta, _, rang, _ = np.linalg.lstsq(X, y, rcond=None)
    if rang < k:
        return None
    e = y - X @ beta
    xx = moments_prais_winsten(X, X)
    xe = moments_prais_winsten(X, e[:, None])
    ee = (float(e @ e), 2 * float(e[1:] @ e[:-1]), float(e[1:-1] @ e[1:-1]))

    if k == 2:  # le cas courant (niveau et saut, niveau et pente) : formules fermées, en flottants Python
        (a0, b0, d0), (a1, b1, d1), (a2, b2, d2) = ([float(m[0, 0]), float(m[0, 1]), float(m[1, 1])] for m in xx)
        (c0, e0), (c1, e1), (c2, e2) = ([float(m[0, 0]), float(m[1, 0])] for m in xe)

        def projection(rho: float, r2: float) -> tuple[float, float]:
            a, b, d = a0 - rho * a1 + r2 * a2, b0 - rho * b1 + r2 * b2, d0 - rho * d1 + r2 * d2
            u, v = c0 - rho * c1 + r2 * c2, e0 - rho * e1 + r2 * e2
            det = a * d - b * b
            if not det > 0:
                return math.nan, -math.inf
            return (d * u * u - 2 * b * u * v + a * v * v) / det, math.log(det)
    else:
        def projection(rho: float, r2: float) -> tuple[float, float]:
            A = xx[0] - rho * xx[1] + r2 * xx[2]
            c = (xe[0] - rho * xe[1] + r2 * xe[2])[:, 0]
            return float(c @ np.linalg.solve(A, c)), float(np.linalg.slogdet(A)[1])

    def log_vraisemblance(rho: float) -> float:
        r2 = rho * rho
        proj, logdet_xx = projection(rho, r2)
        s2 = (ee[0] - rho * ee[1] + r2 * ee[2] - proj) / (n - k)
        if not (s2 > 0 and math.isfinite(logdet_xx)):  # série ajustée exactement : le calcul direct
            return _log_vraisemblance_reml(rho, y, X)
        log_1mr2 = math.log(1 - r2)
        # |R| = (1 − ρ²)^(n−1) ; X'R⁻¹X = Xs'Xs / (1 − ρ²)
        return -0.5 * ((n - k) * math.log(s2 / (1 - r2)) + (n - 1) * log_1mr2 + logdet_xx - k * log_1mr2)

    return log_vraisemblance


def rho_ar1_reml(y: np.ndarray, X: np.ndarray) -> float:
    """Coefficient AR(1) des erreurs estimé par maximum de vraisemblance restreinte (REML).

    Le REML corrige l'essentiel du biais vers zéro de l'autocorrélation des résidus des
    moindres carrés sur une série courte (cf. Turner et al., 2021, J Clin Epidemiol).
    """
    from scipy.optimize import minimize_scalar

    y, X = np.asarray(y, dtype=float), np.asarray(X, dtype=float)
    rapide = _vraisemblance_reml_par_moments(y, X)
    sol = minimize_scalar(
        (lambda r: -rapide(r)) if rapide is not None else (lambda r: -_log_vraisemblance_reml(r, y, X)),
        bounds=(-0.95, 0.98), method="bounded", options={"xatol": 1e-4},
    )
    return float(sol.x)


def correction_petits_echantillons_ar1(
    y: np.ndarray, X: np.ndarray, c: np.ndarray, rho: float, ddl_max: float
) -> tuple[float, float]:
    """Degrés de liberté de Satterthwaite pour la variance de ``c'β`` sous erreurs AR(1).

    La variance estimée ``g = σ² h(ρ)`` est incertaine à la fois par σ² (khi-deux à n − k ddl)
    et par ρ (variance tirée de la courbure de la vraisemblance restreinte) :
    ``ddl = 2 g² / Var(g)``, avec ``Var(g) ≈ 2 g² / (n − k) + (dg/dρ)² Var(ρ)`` (dérivée le long du profil).
    Sans cette correction, l'intervalle est trop étroit sur une série courte.
    Renvoie aussi la variance supplémentaire de ``c'β`` due à l'estimation de ρ
    (Kackar-Harville, 1984), à ajouter à ``c'Vc``.
    """
    n, k = X.shape
    rho = float(np.clip(rho, -0.94, 0.97))

    def h(r: float) -> float:
        Xs = prais_winsten(X, r)
        return float((1 - r**2) * c @ np.linalg.solve(Xs.T @ Xs, c))

    def s2_marg(r: float) -> float:
        Xs, ys = prais_winsten(X, r), prais_winsten(y, r)
        beta = np.linalg.lstsq(Xs, ys, rcond=None)[0]
        e = ys - Xs @ beta
        return float(e @ e) / (n - k) / (1 - r**2)

    pas = 1e-3
    l0 = _log_vraisemblance_reml(rho, y, X)
    lp = _log_vraisemblance_reml(rho + pas, y, X)
    lm = _log_vraisemblance_reml(rho - pas, y, X)
    courbure = -(lp - 2 * l0 + lm) / pas**2
    var_rho = 1 / courbure if courbure > 0 else (1 - rho**2) / n
    s2 = s2_marg(rho)
    g = s2 * h(rho)
    # Dérivée totale de g le long du profil : σ² estimé bouge avec ρ̂.
    dg = (s2_marg(rho + pas) * h(rho + pas) - s2_marg(rho - pas) * h(rho - pas)) / (2 * pas)
    var_g = 2 * g**2 / (n - k) + dg**2 * var_rho
    # Terme de Kackar-Harville : Var(∂(c'β̂)/∂ρ) × Var(ρ̂), sous Cov(y) = σ² R(ρ).
    # (c' (Xs'Xs)⁻¹ Xs') P(r), P la matrice de Prais-Winsten, sans former P ni R (n × n) : la note de cadrage
    # refait cette correction des milliers de fois ; mêmes valeurs, aux arrondis près.
    def operateur(r: float) -> np.ndarray:
        v = c @ np.linalg.pinv(prais_winsten(X, r))
        return prais_winsten_transpose(v, r)

    dl = (operateur(rho + pas) - operateur(rho - pas)) / (2 * pas)
    supplement = float(s2 * forme_quadratique_ar1(dl, rho) * var_rho)
    if var_g <= 0 or g <= 0:
        return ddl_max, max(supplement, 0.0)
    return float(np.clip(2 * g**2 / var_g, 2.0, ddl_max)), max(supplement, 0.0)


def _rho_ar1(r: np.ndarray) -> float:
    r = np.asarray(r, dtype=float) - np.mean(r)
    den = float(r @ r)
    return float(r[1:] @ r[:-1] / den) if den > 0 else 0.0


# ---------------------------------------------------------------------------------------------
# Fonction publique
# ---------------------------------------------------------------------------------------------


def serie_interrompue(
    donnees: pd.DataFrame,
    debut,
    *,
    colonne_valeur: str = "valeur",
    colonne_date: str | None = "date",
    indicateur: str | None = None,
    unite: str = "",
    famille: Famille = "gaussienne",
    colonne_exposition: str | None = None,
    saisonnalite: Literal["fourier", "mois"] | None = "fourier",
    periode: float = 12.0,
    harmoniques: int = 2,
    colonne_saison: str | None = None,
    covariables: Sequence[str] = (),
    changement_pente: bool = True,
    erreurs: Literal["hac", "ar1", "classique"] = "ar1",
    retard_hac: int | None = None,
    niveau: float = config.NIVEAU_CONFIANCE,
    limites: Sequence[str] = (),
) -> ResultatImpact:
    """Évalue l'effet d'une expérimentation par une série temporelle interrompue.

    Paramètres principaux
    ---------------------
    donnees : une ligne par période, triée ou triable par ``colonne_date`` (ou par l'index si
        ``colonne_date`` est None ou absente).
    debut : première période de l'expérimentation (date, ou valeur comparable à la colonne de
        dates / à l'index).
    famille : « gaussienne » (indicateur continu), « poisson » ou « quasi_poisson » (comptages ;
        ``colonne_exposition`` donne la population / le temps d'exposition, utilisé en décalage).
    saisonnalite : « fourier » (``harmoniques`` paires sinus/cosinus de période ``periode``,
        calculées sur ``colonne_saison`` ou sur le rang de la période), « mois » (indicatrices
        de mois, demande des dates) ou None.
    covariables : colonnes de calendrier ou de contexte ajoutées au modèle.
    erreurs : « ar1 » (par défaut : erreurs AR(1), ρ estimé par REML, moindres carrés généralisés
        de Prais-Winsten, variance corrigée de Kenward-Roger et ddl de Satterthwaite), « hac »
        (moindres carrés + Newey-West, trop optimiste sur une série courte) ou « classique » ; ignoré pour les comptages (covariance du modèle, mise à l'échelle en
        quasi-Poisson).
    limites : limites propres aux données (dites par l'adaptateur d'un domaine), ajoutées à celles
        du plan.

    Renvoie un :class:`ResultatImpact` dont l'effet est l'effet cumulé sur la période après.
    """
    if colonne_valeur not in donnees.columns:
        raise ValueError(
            f"Colonne « {colonne_valeur} » absente des données (colonnes : {', '.join(map(str, donnees.columns))})."
        )
    df = donnees.copy()
    if colonne_date is not None and colonne_date in df.columns:
        df = df.sort_values(colonne_date, kind="stable").reset_index(drop=True)
        dates = df[colonne_date]
    else:
        df = df.sort_index(kind="stable")
        dates = pd.Series(df.index, index=df.index)
        df = df.reset_index(drop=True)
        dates = dates.reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(dates):
        debut = pd.Timestamp(debut)
    colonnes_requises = [colonne_valeur, *covariables] + ([colonne_exposition] if colonne_exposition else [])
    manquantes = df[colonnes_requises].isna().any(axis=1)
    if manquantes.any():
        raise ValueError(
            f"{compte(int(manquantes.sum()), 'période')} {accord(int(manquantes.sum()), 'a', 'ont')} une valeur manquante dans "
            f"{', '.join(colonnes_requises)} : complétez ou retirez-les avant l'estimation "
            "(voir le module qualite)."
        )
    apres = (dates >= debut).to_numpy()
    mois = dates.dt.month.to_numpy() if pd.api.types.is_datetime64_any_dtype(dates) else None
    plan = construire_plan(
        apres,
        changement_pente=changement_pente,
        saisonnalite=saisonnalite,
        periode=periode,
        harmoniques=harmoniques,
        position_saison=None if colonne_saison is None else df[colonne_saison].to_numpy(),
        mois=mois,
        covariables=df[list(covariables)] if covariables else None,
    )
    y = df[colonne_valeur].to_numpy(dtype=float)
    expo = df[colonne_exposition].to_numpy(dtype=float) if colonne_exposition else None
    if famille != "gaussienne" and (y < 0).any():
        raise ValueError("Un modèle de comptage demande des valeurs positives ou nulles.")
    aj = ajuster(y, plan, famille=famille, exposition=expo, erreurs=erreurs, retard_hac=retard_hac, niveau=niveau)
    return resultat_serie(
        dates, y, plan, aj, famille=famille, erreurs=erreurs, retard_hac=retard_hac,
        indicateur=indicateur or colonne_valeur, unite=unite, niveau=niveau, saisonnalite=saisonnalite,
        periode=periode, exposee=expo is not None, limites=limites,
    )


def _tableau_coefficients(noms, params, cov, ddl, niveau) -> pd.DataFrame:
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    stat = np.divide(params, se, out=np.full_like(params, np.nan), where=se > 0)
    if ddl:
        p = 2 * special.stdtr(ddl, -np.abs(stat))
        crit = special.stdtrit(ddl, 0.5 + niveau / 2)
    else:
        p = 2 * stats.norm.sf(np.abs(stat))
        crit = stats.norm.ppf(0.5 + niveau / 2)
    return pd.DataFrame(
        {
            "terme": noms,
            "coefficient": params,
            "erreur_type": se,
            "statistique": stat,
            "p_valeur": p,
            "ic_bas": params - crit * se,
            "ic_haut": params + crit * se,
        }
    )


def resultat_serie(
    dates, y, plan: PlanSerie, aj: AjustementSerie, *, famille: Famille, erreurs: str, retard_hac: int | None,
    indicateur: str, unite: str, niveau: float, saisonnalite: str | None, periode: float, exposee: bool,
    limites: Sequence[str] = (),
) -> ResultatImpact:
    """Le :class:`ResultatImpact` d'une série interrompue ajustée (``aj`` sur ``plan``) : contrefactuel
    et sa bande, effet cumulé et effet relatif, vérifications (autocorrélation, longueur, surdispersion),
    textes. ``exposee`` : le modèle de comptage est rapporté à une exposition."""
    post = plan.apres
    n, n_apres = len(y), int(post.sum())
    details: dict = {
        "n_periodes": n,
        "n_avant": n - n_apres,
        "n_apres": n_apres,
        "famille": famille,
        "coefficients": _tableau_coefficients(plan.noms, aj.params, aj.cov, aj.ddl, niveau),
    }
    contrefactuel = _contrefactuel_serie(dates, y, plan, aj, famille, niveau)
    total_obs = float(y[post].sum())
    total_cf = float(aj.contrefactuel[post].sum())
    relatif = None
    if famille != "gaussienne":
        relatif = _effet_relatif_comptage(plan, aj, total_obs, total_cf, niveau, details)
    details["total_observe_apres"] = total_obs
    details["total_contrefactuel_apres"] = total_cf
    details["effet_moyen_par_periode"] = aj.effet / n_apres
    details["erreurs"] = erreurs if famille == "gaussienne" else ("quasi-Poisson" if famille == "quasi_poisson" else "Poisson")
    verifs = _verifications_serie(aj, famille, erreurs, retard_hac, n, n_apres, saisonnalite, periode, details)
    quoi = f"Sur les {n_apres} périodes suivant le début de l'expérimentation, en cumul"
    justification = (
        "Seule la série du site expérimenté est disponible : on prolonge sa tendance et sa "
        "saisonnalité d'avant le début pour estimer ce qui se serait passé sans l'expérimentation, "
        "et l'on compare à ce qui a été mesuré."
        + (
            " L'indicateur étant un comptage, le modèle est un GLM de Poisson"
            + (" avec surdispersion (quasi-Poisson)" if famille == "quasi_poisson" else "")
            + (", rapporté à l'exposition." if exposee else ".")
            if famille != "gaussienne"
            else ""
        )
    )
    return ResultatImpact.construire(
        methode=METHODE,
        libelle_methode=LIBELLE,
        indicateur=indicateur,
        unite=unite,
        effet=aj.effet,
        ic_bas=aj.ic_bas,
        ic_haut=aj.ic_haut,
        p_valeur=aj.p_valeur,
        total_observe=total_obs,
        relatif=relatif,
        erreur_type=aj.erreur_type,
        contrefactuel=contrefactuel,
        verifications=verifs,
        resume=lambda res: phrase_effet(indicateur, unite, aj.effet, aj.ic_bas, aj.ic_haut, res.effet_relatif, quoi),
        justification=justification,
        limites=list(LIMITES) + list(limites),
        details=details,
    )


LIMITES = [
    "Sans site témoin, tout autre changement survenu au même moment (météo exceptionnelle, "
    "tarif, travaux, autre politique) est confondu avec l'effet de l'expérimentation.",
    "Le contrefactuel suppose que la tendance d'avant se serait prolongée à l'identique.",
    "L'intervalle ne traduit que l'incertitude du modèle ajusté, pas celle du choix du modèle.",
]


def _contrefactuel_serie(dates, y, plan: PlanSerie, aj: AjustementSerie, famille: str, niveau: float) -> pd.DataFrame:
    """Série observée, ajustée et contrefactuelle, avec la bande du contrefactuel (incertitude des
    coefficients seulement)."""
    Xc = plan.X_contrefactuel
    var = np.einsum("ij,jk,ik->i", Xc, aj.cov, Xc)
    if famille == "gaussienne":
        crit = special.stdtrit(aj.ddl, 0.5 + niveau / 2)
        cf_bas = aj.contrefactuel - crit * np.sqrt(var)
        cf_haut = aj.contrefactuel + crit * np.sqrt(var)
    else:
        z = stats.norm.ppf(0.5 + niveau / 2)
        eta_cf = np.log(aj.contrefactuel)
        cf_bas = np.exp(eta_cf - z * np.sqrt(var))
        cf_haut = np.exp(eta_cf + z * np.sqrt(var))
    return pd.DataFrame(
        {
            "date": dates.to_numpy(),
            "observe": y,
            "ajuste": aj.ajuste,
            "contrefactuel": aj.contrefactuel,
            "contrefactuel_bas": cf_bas,
            "contrefactuel_haut": cf_haut,
            "periode": np.where(plan.apres, "apres", "avant"),
        }
    )


def _effet_relatif_comptage(plan: PlanSerie, aj: AjustementSerie, total_obs: float, total_cf: float,
                            niveau: float, details: dict) -> tuple[float, float, float]:
    """Modèle de comptage : effet relatif et son intervalle sur l'échelle du logarithme du rapport des
    totaux ; les bornes absolues de ``aj`` en deviennent l'image (e = O r / (1 + r), la définition de
    :func:`~eprouvette.methodes.base.intervalle_relatif`), et les rapports de taux vont dans ``details``."""
    post, X, Xc = plan.apres, plan.X, plan.X_contrefactuel
    z = stats.norm.ppf(0.5 + niveau / 2)
    mu, cf = aj.ajuste[post], aj.contrefactuel[post]
    g = (mu[:, None] * X[post]).sum(0) / mu.sum() - (cf[:, None] * Xc[post]).sum(0) / cf.sum()
    se_log = math.sqrt(max(g @ aj.cov @ g, 0.0))
    log_ratio = math.log(total_obs / total_cf) if total_obs > 0 and total_cf > 0 else float("nan")
    rel = math.exp(log_ratio) - 1
    rel_bas = math.exp(log_ratio - z * se_log) - 1
    rel_haut = math.exp(log_ratio + z * se_log) - 1
    if math.isfinite(log_ratio) and se_log > 0:
        aj.ic_bas = total_obs * rel_bas / (1 + rel_bas)
        aj.ic_haut = total_obs * rel_haut / (1 + rel_haut)
        aj.p_valeur = float(2 * stats.norm.sf(abs(log_ratio) / se_log))
        details["erreur_type_log_rapport"] = se_log
    b, se_b = aj.params[1], math.sqrt(aj.cov[1, 1])
    details["rapport_taux"] = math.exp(b)
    details["rapport_taux_ic"] = (math.exp(b - z * se_b), math.exp(b + z * se_b))
    if "pente" in plan.noms:
        j = plan.noms.index("pente")
        bp, sep = aj.params[j], math.sqrt(aj.cov[j, j])
        details["rapport_taux_pente"] = math.exp(bp)
        details["rapport_taux_pente_ic"] = (math.exp(bp - z * sep), math.exp(bp + z * sep))
    details["dispersion"] = aj.echelle
    return rel, rel_bas, rel_haut


def _verifications_serie(aj: AjustementSerie, famille: str, erreurs: str, retard_hac: int | None, n: int,
                         n_apres: int, saisonnalite: str | None, periode: float, details: dict) -> list[Verification]:
    """Autocorrélation des résidus (Ljung-Box, Durbin-Watson), longueur de la série, surdispersion."""
    from .verifications import ljung_box, verification_longueur_serie, verification_surdispersion

    r = aj.residus
    rho = _rho_ar1(r) if aj.rho is None else aj.rho
    details["rho_ar1_residus"] = rho
    details["sigma_residus"] = float(np.std(r, ddof=len(aj.params))) if famille == "gaussienne" else None
    if famille == "gaussienne" and erreurs == "hac":
        details["retard_hac"] = retard_hac if retard_hac is not None else retard_newey_west(n)
    if aj.rho is not None:
        details["rho_ar1_modele"] = aj.rho
    retard_lb = int(min(max(2, n // 5), 12))
    residus_lb = r
    if famille == "gaussienne" and erreurs == "ar1" and aj.rho is not None:
        residus_lb = r[1:] - aj.rho * r[:-1]  # innovations (résidus blanchis)
    q_lb, p_lb = ljung_box(residus_lb, retard_lb)
    dw = float(durbin_watson(residus_lb))
    details["ljung_box"] = {"retard": retard_lb, "statistique": q_lb, "p_valeur": p_lb}
    details["durbin_watson"] = dw
    verifs: list[Verification] = []
    if p_lb >= 0.05:
        verifs.append(
            Verification(
                "autocorrelation_residus",
                "reussie",
                f"Les résidus ne montrent pas d'autocorrélation notable (Ljung-Box à {retard_lb} retards : "
                f"p = {nombre(p_lb, 2)} ; Durbin-Watson = {nombre(dw, 2)}).",
                p_lb,
            )
        )
    else:
        if famille == "gaussienne" and erreurs == "hac":
            statut, suite = "attention", (
                "les erreurs de Newey-West en tiennent compte, mais elles restent approximatives sur "
                "une série courte ; comparer avec erreurs=\"ar1\"."
            )
        elif famille == "gaussienne" and erreurs == "ar1":
            statut, suite = "attention", "il reste de l'autocorrélation après le modèle AR(1)."
        else:
            statut, suite = "echec" if famille == "gaussienne" else "attention", (
                "les intervalles sont probablement trop étroits."
            )
        verifs.append(
            Verification(
                "autocorrelation_residus",
                statut,
                f"Les résidus sont autocorrélés (Ljung-Box à {retard_lb} retards : p = {nombre(p_lb, 3)} ; "
                f"autocorrélation d'ordre 1 = {nombre(rho, 2)} ; Durbin-Watson = {nombre(dw, 2)}) : {suite}",
                p_lb,
            )
        )
    minimum_avant = max(12, int(math.ceil(periode))) if saisonnalite else 12
    verifs.append(verification_longueur_serie(n - n_apres, n_apres, minimum_avant))
    if famille in ("poisson", "quasi_poisson"):
        disp = aj.echelle if famille == "quasi_poisson" else float(
            aj.modele.pearson_chi2 / aj.modele.df_resid
        )
        details["dispersion"] = disp
        verifs.append(verification_surdispersion(disp, famille == "quasi_poisson"))
    return verifs
