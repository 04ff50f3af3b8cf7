"""Série interrompue journalière d'un indicateur dominé par le calendrier, avec ou sans témoins.

:func:`estimer_effet` prend une table journalière (``date``, ``valeur``, covariables de calendrier,
``jour_an``, et la série brute des témoins s'il y en a) : saisonnalité annuelle (deux harmoniques)
si la référence couvre un an, changement de niveau seulement, tendance sans témoin. Avec des
témoins, vraies doubles différences : le modèle porte sur log(expérimental) − log(témoins) pour un
comptage, expérimental − témoins pour une grandeur continue, coefficient des témoins fixé à 1.

- Comptages élevés (99 % des jours au moins :data:`SEUIL_COMPTAGE_LOG`, aucun zéro) : modèle
  log-linéaire, moindres carrés généralisés à erreurs AR(1) (REML, Kenward-Roger, Satterthwaite),
  jours aberrants retirés, erreurs AR(1) + bruit blanc (:func:`reml_ar1_plus_bruit`) quand le hasard
  du comptage domine ; l'effet se lit comme un rapport de taux (:func:`_effet_echelle_log`).
- Comptages faibles : GLM de quasi-Poisson, intervalle élargi de √((1 + ρ)/(1 − ρ)).
- Grandeurs continues : moindres carrés généralisés à erreurs AR(1).

Le calendrier (jours fériés, vacances, pluie) et le sens des données sont fournis par l'adaptateur
du domaine (:mod:`eprouvette.domaines.mobilite_pilote`), qui prépare la table.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats

from .. import config
from .base import (
    ResultatImpact,
    Verification,
    incertitude_est_valide,
    incertitude_indeterminee,
    tri_par_date,
)
from ..francais import accord, compte, nombre, phrase_effet
from .puissance import facteur_autocorrelation
from .serie_interrompue import (
    PlanSerie,
    ajuster,
    construire_plan,
    prais_winsten,
    resultat_serie,
    rho_ar1_reml,
)
from .verifications import effet_minimal_detectable, multiplicateur_detectable


#: Seuil du modèle log-linéaire des comptages : si les comptages journaliers des sites
#: expérimentaux (et des témoins) valent au moins ce nombre (99 % des jours, aucun zéro), on modélise le logarithme du comptage
#: par moindres carrés généralisés à erreurs AR(1) (REML, Kenward-Roger) ; en dessous (séries
#: creuses, jours à zéro), GLM de quasi-Poisson à intervalle élargi (moins bien validé).
SEUIL_COMPTAGE_LOG = 10.0

#: Un jour dont l'écart au modèle log-linéaire dépasse ce nombre d'écarts types robustes (1,4826 × écart
#: absolu médian) est tenu pour aberrant et retiré (au plus 1 % des jours) ; la vérification le dit.
ECART_ABERRANT = 6.0

#: Part des jours qui doivent atteindre :data:`SEUIL_COMPTAGE_LOG` (aucun jour à zéro) pour le modèle log-linéaire.
PART_JOURS_AU_SEUIL = 0.99

#: Colonne de ``preparer_donnees`` qui porte la série brute des sites témoins (somme des comptages
#: ou moyenne des grandeurs continues, même jour).
COLONNE_TEMOIN = "temoin"

#: Au-delà de cette part du bruit de comptage (≈ 1/μ) dans la variance des résidus du modèle log-linéaire,
#: une vérification « attention » signale que l'intervalle peut être un peu trop étroit.
PART_BRUIT_COMPTAGE_MAX = 0.20


def _assez_grand(comptages: np.ndarray) -> bool:
    """Vrai si le modèle log-linéaire convient : aucun jour à zéro et au moins 99 % des jours ≥ le seuil.

    Un jour isolé très bas (panne partielle d'un compteur, 25 décembre) ne renvoie pas toute la série
    au quasi-Poisson, moins bien calibré : il pèse comme un écart fort, ce qui élargit l'intervalle.
    """
    c = np.asarray(comptages, dtype=float)
    return bool(len(c)) and float(c.min()) > 0 and float(np.mean(c >= SEUIL_COMPTAGE_LOG)) >= PART_JOURS_AU_SEUIL


def _date_fr(d) -> str:
    mois = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
            "novembre", "décembre"]
    d = pd.Timestamp(d)
    return f"{d.day}{'er' if d.day == 1 else ''} {mois[d.month - 1]} {d.year}"


def _ddl_fini(ddl: float | None) -> float | None:
    """Les ddl d'une loi de Student, ou None (loi normale) s'ils sont absents ou infinis."""
    return ddl if ddl is not None and math.isfinite(ddl) else None


def _critique(ddl: float | None, niveau: float = config.NIVEAU_CONFIANCE) -> float:
    """Valeur critique du test bilatéral (Student si ddl, sinon loi normale)."""
    if _ddl_fini(ddl) is not None:
        return float(special.stdtrit(ddl, 0.5 + niveau / 2))
    return float(stats.norm.ppf(0.5 + niveau / 2))


def _p_valeur(stat: float, ddl: float | None) -> float:
    if not math.isfinite(stat):
        return 0.0 if math.isinf(stat) else float("nan")
    return float(2 * (special.stdtr(ddl, -abs(stat)) if ddl is not None else stats.norm.sf(abs(stat))))


def _effet_echelle_log(r: ResultatImpact, beta: float, se_beta: float, ddl: float | None, total_observe: float) -> None:
    """Effet d'un modèle sur l'échelle log, à partir du changement de niveau β (log du rapport de taux).

    RR = exp(β) : le contrefactuel cumulé est O / RR (O : total mesuré pendant l'expérimentation) et
    l'effet cumulé e = O (1 − 1/RR) ; les bornes viennent de celles de β de la même façon, si bien que
    :func:`intervalle_relatif` rend exactement RR − 1 et son intervalle. Effet minimal détectable
    (80 % de puissance, test bilatéral à 5 %), en passages comme l'effet :
    (O / RR) × (exp((t₀,₉₇₅ + t₀,₈₀) × se(β)) − 1).
    """
    crit = _critique(ddl)
    o = float(total_observe)
    b_bas, b_haut = beta - crit * se_beta, beta + crit * se_beta
    total_cf = o * math.exp(-beta)
    r.changer_effet(
        o * -math.expm1(-beta), o * -math.expm1(-b_bas), o * -math.expm1(-b_haut),
        p_valeur=_p_valeur(beta / se_beta if se_beta > 0 else math.copysign(math.inf, beta), ddl),
        erreur_type=o * math.exp(-beta) * se_beta,  # méthode delta, pour information
        total_observe=o,
        effet_minimal_detectable=total_cf * math.expm1(multiplicateur_detectable(_ddl_fini(ddl)) * se_beta))
    r.details.update({
        "rapport_taux": math.exp(beta), "rapport_taux_ic": (math.exp(b_bas), math.exp(b_haut)),
        "log_rapport_taux": beta, "erreur_type_log_rapport_taux": se_beta,
        "total_observe_apres": o, "total_contrefactuel_apres": total_cf,
    })


def _effet_echelle_absolue(r: ResultatImpact, aj, total_observe: float) -> None:
    """Effet cumulé d'une grandeur continue (moindres carrés AR(1)) ; effet relatif sur les totaux mesurés."""
    o = float(total_observe)
    r.changer_effet(aj.effet, aj.ic_bas, aj.ic_haut, p_valeur=aj.p_valeur, erreur_type=aj.erreur_type,
                    total_observe=o, effet_minimal_detectable=effet_minimal_detectable(aj.erreur_type, _ddl_fini(aj.ddl)))
    r.details.update({"total_observe_apres": o, "total_contrefactuel_apres": o - aj.effet})


def _phrase_autocorrelation_elargie(r: ResultatImpact, rho: float, k: float) -> None:
    phrase = (f"Les jours se ressemblent d'un jour à l'autre (autocorrélation des résidus : {nombre(rho, 2)}) : "
              f"l'intervalle de l'effet a été élargi d'un facteur {nombre(k, 2)} pour en tenir compte.")
    r.verifications = [v for v in r.verifications if v.nom != "autocorrelation_residus"] + [
        Verification("autocorrelation_residus", "attention" if rho > 0.3 else "reussie", phrase, rho)
    ]


def _differences_et_bande(phi: float, lam: float, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """La différence ``z`` (e_t − φ e_{t−1}, e_1 gardé) de ``a`` et la bande inférieure de sa covariance T
    (forme de ``scipy.linalg.cholesky_banded(…, lower=True)``), voir :func:`_blanchir_ar1_bruit`."""
    a = np.asarray(a, dtype=float)
    z = a.copy()
    z[1:] = a[1:] - phi * a[:-1]
    bande = np.zeros((2, len(a)))
    bande[0] = (1 - phi**2) + lam * (1 + phi**2)
    bande[0, 0] = 1 + lam
    bande[1, :-1] = -phi * lam
    return z, bande


def _blanchir_ar1_bruit(phi: float, lam: float, a: np.ndarray) -> tuple[np.ndarray, float]:
    """Blanchit ``a`` (n ou n × k) pour des erreurs AR(1) + bruit blanc, de covariance ∝ R(φ) + λ I.

    La différence e_t − φ e_{t−1} (e_1 gardé) d'une telle erreur a une covariance tridiagonale T
    (diagonale 1 + λ puis 1 − φ² + λ (1 + φ²), hors diagonale −φλ) : factorisation de Cholesky en
    bande, calcul en O(n). Renvoie aussi log |T| (la différence est de déterminant 1).
    """
    z, bande = _differences_et_bande(phi, lam, a)
    n = len(z)
    if n < 2:
        from scipy import linalg

        c = linalg.cholesky_banded(bande, lower=True)
        return linalg.solve_banded((1, 0), c, z), 2 * float(np.sum(np.log(c[0])))
    # Même arithmétique, au bit près, que scipy.linalg.solve_banded((1, 0), c, z) (LAPACK gbsv), mais
    # moins chère : l'optimiseur de reml_ar1_plus_bruit blanchit la série à chaque évaluation de la
    # vraisemblance. Sur ce facteur de Cholesky, gbsv ne permute aucune ligne (|sous-diagonale| < diagonale,
    # voir test_series_calendrier) : il divise la sous-diagonale par la diagonale (multiplication par
    # l'inverse, comme dgbtf2), résout le système bidiagonal unitaire (tbtrs) puis divise par la diagonale ;
    # gbsv refait, lui, la descente ligne par ligne sur toutes les colonnes à la fois, deux fois plus lent.
    pbtrf, tbtrs = _lapack_bandes()
    c, info = pbtrf(np.asarray_chkfinite(bande), lower=1, overwrite_ab=0)
    if info != 0:
        raise (np.linalg.LinAlgError(f"{info}-th leading minor not positive definite") if info > 0 else
               ValueError(f"illegal value in {info}-th argument of internal pbtrf"))
    d = c[0]
    unitaire = np.empty((2, n))
    unitaire[0] = 1.0
    unitaire[1] = c[1] * (1.0 / d)
    unitaire[1, -1] = 0.0
    w, info = tbtrs(unitaire, np.asarray_chkfinite(z), uplo="L", trans="N", diag="U", overwrite_b=1)
    if info != 0:
        raise ValueError(f"illegal value in {-info}-th argument of internal tbtrs")
    w /= d[:, None] if w.ndim == 2 else d
    return w, 2 * float(np.sum(np.log(d)))


@functools.lru_cache(maxsize=1)
def _lapack_bandes():
    from scipy.linalg import lapack

    return lapack.get_lapack_funcs(("pbtrf", "tbtrs"), (np.zeros((2, 2)),))


def reml_ar1_plus_bruit(y: np.ndarray, X: np.ndarray) -> dict:
    """Moindres carrés généralisés à erreurs AR(1) + bruit blanc (un ARMA(1,1)), paramètres par REML.

    Un comptage journalier mêle un bruit persistant (météo, événements) et un bruit d'un jour sans
    lendemain (le hasard du comptage, ≈ 1/μ sur l'échelle log) ; un modèle AR(1) seul prend alors une
    persistance trop faible et sous-estime l'incertitude d'un effet qui dure des semaines. Ici
    Cov(e) = σ² (R(φ) + λ I) ; (φ, log λ) maximisent la vraisemblance restreinte, σ² est profilé.
    Renvoie ``phi``, ``lam``, ``s2``, ``params`` et ``cov`` (covariance des coefficients).
    """
    from scipy.optimize import minimize

    y = np.asarray(y, dtype=float)
    n, k = X.shape
    yx = np.column_stack([y, X])

    def moins_reml(p: np.ndarray) -> float:
        w, logdet = _blanchir_ar1_bruit(p[0], math.exp(p[1]), yx)
        wy, wx = w[:, 0], w[:, 1:]
        q, r = np.linalg.qr(wx)
        e = wy - q @ (q.T @ wy)
        s2 = float(e @ e) / (n - k)
        return 0.5 * ((n - k) * math.log(s2) + logdet + 2 * float(np.sum(np.log(np.abs(np.diag(r))))))

    meilleur = None
    for depart in ([0.5, -1.0], [0.3, 1.0]):
        sol = minimize(moins_reml, depart, method="L-BFGS-B", bounds=[(-0.9, 0.98), (-9.0, 5.0)])
        if meilleur is None or sol.fun < meilleur.fun:
            meilleur = sol
    phi, lam = float(meilleur.x[0]), math.exp(float(meilleur.x[1]))
    wy, _ = _blanchir_ar1_bruit(phi, lam, y)
    wx, _ = _blanchir_ar1_bruit(phi, lam, X)
    params = np.linalg.lstsq(wx, wy, rcond=None)[0]
    e = wy - wx @ params
    s2 = float(e @ e) / (n - k)
    return {"phi": phi, "lam": lam, "s2": s2, "params": params, "cov": s2 * np.linalg.inv(wx.T @ wx)}


def _verifier_tendances_paralleles(ymod: np.ndarray, plan: PlanSerie, reference: np.ndarray,
                                   log_echelle: bool) -> Verification:
    """Sur la référence seule, la série comparée (log-rapport ou écart aux témoins) a-t-elle une tendance ?

    Les doubles différences supposent des tendances parallèles : on ajoute une tendance au modèle de la
    seule période de référence (mêmes calendrier et saison, erreurs AR(1) par REML) et on regarde si
    elle s'écarte nettement de zéro (test à 5 %, en variation par an).
    """
    ref = np.asarray(reference, dtype=bool)
    garder = [j for j, n in enumerate(plan.noms) if n != "niveau"]
    X = plan.X[ref][:, garder]
    t = np.arange(int(ref.sum()), dtype=float) / 365.25
    X = np.column_stack([X, t])
    y = np.asarray(ymod, dtype=float)[ref]
    try:
        rho = rho_ar1_reml(y, X)
        res = sm.OLS(prais_winsten(y, rho), prais_winsten(X, rho)).fit()
        pente, se, p = float(res.params[-1]), float(res.bse[-1]), float(res.pvalues[-1])
    except (np.linalg.LinAlgError, ValueError):
        return Verification("tendances_prealables", "attention",
                            "La tendance relative des sites expérimentaux et des témoins n'a pas pu être vérifiée.")
    if not math.isfinite(p):
        return Verification("tendances_prealables", "attention",
                            "La tendance relative des sites expérimentaux et des témoins n'a pas pu être vérifiée.")
    ecart = f"{nombre(100 * math.expm1(pente), 1)}\u00a0% par an" if log_echelle else f"{nombre(pente, 2)} par an"
    if p < 0.05:
        return Verification(
            "tendances_prealables", "attention",
            f"Pendant la référence, les sites expérimentaux s'écartent déjà des témoins ({ecart}, p = {nombre(p, 3)}) : "
            "l'hypothèse de tendances parallèles des doubles différences est fragile.", p)
    return Verification(
        "tendances_prealables", "reussie",
        f"Pendant la référence, sites expérimentaux et témoins évoluent en parallèle (écart de tendance : {ecart}, "
        f"p = {nombre(p, 2)}).", p)


def _resultat_sans_modele(dates, y: np.ndarray, apres: np.ndarray, indicateur: str, unite: str) -> ResultatImpact:
    """Résultat sans modèle ajusté (série dégénérée) : effet NaN, pour :func:`incertitude_indeterminee`."""
    nan = float("nan")
    cf = pd.DataFrame({"date": np.asarray(dates), "observe": y, "contrefactuel": np.full(len(y), nan),
                       "periode": np.where(apres, "apres", "avant")})
    return ResultatImpact.construire(
        methode="serie_interrompue", libelle_methode="Série temporelle interrompue (régression segmentée)",
        indicateur=indicateur, unite=unite, effet=nan, ic_bas=nan, ic_haut=nan, p_valeur=nan, contrefactuel=cf,
        details={"n_periodes": len(y), "n_avant": int((~apres).sum()), "n_apres": int(apres.sum()),
                 "total_observe_apres": float(y[apres].sum()), "coefficients": pd.DataFrame(
                     columns=["terme", "coefficient", "erreur_type", "statistique", "p_valeur", "ic_bas", "ic_haut"])},
        limites=["Le modèle n'a pas pu être ajusté sur ces données : l'effet n'est pas chiffré."])


def estimer_effet(df: pd.DataFrame, debut, covariables, *, comptage: bool, indicateur: str = "valeur",
                  unite: str = "", temoin: str | None = None, tendance: bool | None = None,
                  _jours_exclus: tuple = ()) -> ResultatImpact:
    """Série interrompue journalière du domaine sur une table (date, valeur, covariables, jour_an).

    ``temoin`` : nom de la colonne qui porte la série brute des sites témoins (même jour), ou None.
    Avec témoins, c'est un vrai plan de doubles différences : la série modélisée est
    log(expérimental) − log(témoins) pour un comptage, expérimental − témoins pour une grandeur
    continue — le coefficient des témoins est **fixé** à 1, un choc commun à tous les sites s'annule
    donc exactement — et les effets du calendrier et la saison restent libres de différer entre les
    deux groupes ; pas de tendance propre (``tendance=None`` : tendance seulement sans témoin),
    hypothèse des tendances parallèles vérifiée sur la référence (« tendances_prealables »).

    - Comptage dont 99 % des jours valent au moins :data:`SEUIL_COMPTAGE_LOG` (aucun zéro) : modèle
      log-linéaire, moindres carrés généralisés à erreurs AR(1) (REML, variance de Kenward-Roger, ddl
      de Satterthwaite) ; la surdispersion multiplicative (variance ≈ μ + σ²μ²) et la persistance du
      bruit sont toutes deux dans le modèle. Jours aberrants (> :data:`ECART_ABERRANT` écarts types
      robustes) retirés et signalés ; si le hasard du comptage dépasse
      :data:`PART_BRUIT_COMPTAGE_MAX` de la variance, erreurs AR(1) + bruit blanc
      (:func:`reml_ar1_plus_bruit`).
    - Comptage plus faible : GLM de quasi-Poisson (témoins en décalage log), intervalle élargi du
      facteur (1 + ρ)/(1 − ρ) des résidus autocorrélés.
    - Grandeur continue : moindres carrés généralisés à erreurs AR(1).

    Saisonnalité annuelle (deux harmoniques) si la référence couvre au moins 365 jours ;
    changement de niveau seulement. L'effet relatif passe toujours par :func:`intervalle_relatif` ;
    l'effet minimal détectable (80 % de puissance, test bilatéral à 5 %, même unité que l'effet) est
    calculé pour chaque chemin. Une variance incalculable donne une incertitude indéterminée
    (jamais « significatif »).
    """
    covariables = list(covariables)
    if COLONNE_TEMOIN in covariables:
        raise ValueError("La série des témoins n'est plus une covariable libre : passez temoin=\"temoin\" "
                         "(série brute des témoins), qui entre avec un coefficient fixé à 1 (doubles différences).")
    debut = pd.Timestamp(debut)
    df = tri_par_date(df, kind="stable")
    requises = ["valeur", *covariables] + ([temoin] if temoin else [])
    manquantes = df[requises].isna().any(axis=1)
    if manquantes.any():
        raise ValueError(f"{compte(int(manquantes.sum()), 'jour')} {accord(int(manquantes.sum()), 'a', 'ont')} une valeur manquante "
                         f"dans {', '.join(requises)} : "
                         "complétez ou retirez-les avant l'estimation.")
    dates = df["date"]
    apres = (dates >= debut).to_numpy()
    un_an = int((~apres).sum()) >= 365
    saison = "fourier" if un_an else None
    plan = construire_plan(apres, changement_pente=False, saisonnalite=saison, periode=365.25, harmoniques=2,
                           position_saison=df["jour_an"].to_numpy(dtype=float),
                           covariables=df[covariables] if covariables else None)
    if tendance is None:
        tendance = temoin is None
    if not tendance:
        # Doubles différences : tendances parallèles, pas de tendance propre aux sites expérimentaux.
        j = plan.noms.index("tendance")
        plan = PlanSerie(X=np.delete(plan.X, j, axis=1), noms=[n for n in plan.noms if n != "tendance"],
                         apres=plan.apres, colonnes_intervention=plan.colonnes_intervention)
    y = df["valeur"].to_numpy(dtype=float)
    tem = df[temoin].to_numpy(dtype=float) if temoin else None
    o = float(y[apres].sum())
    n_apres = int(apres.sum())
    niveau = config.NIVEAU_CONFIANCE
    if comptage and ((y < 0).any() or (tem is not None and (tem <= 0).any())):
        raise ValueError("Un comptage ne peut pas être négatif, et la série des témoins doit être strictement positive.")
    log_lineaire = comptage and _assez_grand(y) and (tem is None or _assez_grand(tem))

    r: ResultatImpact | None = None
    raison = "aucun passage compté pendant l'expérimentation" if comptage and o <= 0 else None
    try:
        if raison is not None:
            raise FloatingPointError(raison)
        if not comptage or log_lineaire:
            decalage = np.zeros(len(y))
            if tem is not None:
                decalage = np.log(tem) if comptage else tem
            ymod = (np.log(y) if comptage else y) - decalage
            ymod_reference = ymod
            aj = ajuster(ymod, plan, famille="gaussienne", erreurs="ar1", niveau=niveau)
            r = resultat_serie(dates, ymod, plan, aj, famille="gaussienne", erreurs="ar1", retard_hac=None,
                               indicateur=indicateur, unite=unite, niveau=niveau, saisonnalite=saison, periode=365.25,
                               exposee=False)
            cf = r.contrefactuel
            cols = ["ajuste", "contrefactuel", "contrefactuel_bas", "contrefactuel_haut"]
            if comptage and not _jours_exclus:
                # Jours aberrants (panne partielle d'un compteur…) : un écart isolé de plus de
                # ECART_ABERRANT écarts types robustes fausse la persistance estimée ; ces jours sont
                # retirés (comme des jours manquants) et le modèle est réajusté.
                e = ymod - aj.ajuste
                echelle_robuste = 1.4826 * float(np.median(np.abs(e - np.median(e))))
                aberrants = np.abs(e - np.median(e)) > ECART_ABERRANT * echelle_robuste if echelle_robuste > 0 else []
                if np.any(aberrants) and np.sum(aberrants) <= 0.01 * len(e):
                    jours = tuple(pd.Timestamp(d) for d in dates[aberrants])
                    return estimer_effet(df[~aberrants].reset_index(drop=True), debut, covariables, comptage=comptage,
                                         indicateur=indicateur, unite=unite, temoin=temoin, tendance=tendance,
                                         _jours_exclus=jours)
            if comptage:
                # Retour à l'échelle des comptages (facteur de Duan sur les résidus de la référence), pour les graphiques.
                lissage = float(np.mean(np.exp(ymod - aj.ajuste)[~apres]))
                for c in cols:
                    cf[c] = np.exp(cf[c].to_numpy() + decalage) * lissage
                se_beta = aj.erreur_type / n_apres
                # Part du bruit de comptage (Poisson, ≈ 1/μ sur l'échelle log) dans la variance des résidus : quand
                # elle est grande, ce bruit d'un jour sans lendemain masque la persistance et le modèle AR(1) seul
                # sous-estime l'incertitude (mesuré : ≈ 10 % d'erreur type en trop peu vers 65 passages par jour) ;
                # l'effet vient alors du modèle AR(1) + bruit blanc (REML).
                mu = np.exp(aj.ajuste + decalage)
                bruit = np.mean(1.0 / mu + (1.0 / tem if tem is not None else 0.0))
                part = float(bruit / max(float(np.var(ymod - aj.ajuste)), 1e-300))
                r.details["part_bruit_comptage"] = part
                beta = float(aj.params[1])
                if part > PART_BRUIT_COMPTAGE_MAX:
                    m = reml_ar1_plus_bruit(ymod, plan.X)
                    beta, se_beta = float(m["params"][1]), math.sqrt(max(float(m["cov"][1, 1]), 0.0))
                    r.details["modele_comptage"] = "log-linéaire, erreurs AR(1) + bruit de comptage"
                    r.details["ar1_plus_bruit"] = {"phi": m["phi"], "lambda": m["lam"], "s2": m["s2"]}
                    r.verifications.append(Verification(
                        "bruit_de_comptage", "reussie",
                        f"Les comptages sont modestes : le hasard du comptage fait {nombre(100 * min(part, 1.0), 0)}\u00a0% des "
                        "écarts d'un jour à l'autre et masque en partie leur persistance ; le modèle sépare les deux "
                        f"(persistance {nombre(m['phi'], 2)}), l'intervalle en tient compte.", part))
                else:
                    r.details["modele_comptage"] = "log-linéaire, erreurs AR(1)"
                _effet_echelle_log(r, beta, se_beta, aj.ddl, o)
            else:
                for c in cols:
                    cf[c] = cf[c].to_numpy() + decalage
                _effet_echelle_absolue(r, aj, o)
            cf["observe"] = y
            r.details["ddl"] = aj.ddl
        else:
            aj = ajuster(y, plan, famille="quasi_poisson", exposition=tem, erreurs="ar1", niveau=niveau)
            ymod_reference = np.log(y + 0.5) - (np.log(tem) if tem is not None else 0.0)
            r = resultat_serie(dates, y, plan, aj, famille="quasi_poisson", erreurs="ar1", retard_hac=None,
                               indicateur=indicateur, unite=unite, niveau=niveau, saisonnalite=saison, periode=365.25,
                               exposee=tem is not None)
            rho = min(max(float(r.details.get("rho_ar1_residus") or 0.0), -0.95), 0.95)
            f = facteur_autocorrelation(rho)
            k = math.sqrt(f)
            r.details["facteur_autocorrelation"] = f
            if f > 1.0:
                _phrase_autocorrelation_elargie(r, rho, k)
            cf = r.contrefactuel
            z = float(stats.norm.ppf(0.5 + niveau / 2))
            lc = np.log(cf["contrefactuel"].to_numpy())
            demi = (np.log(cf["contrefactuel_haut"].to_numpy()) - lc) * k
            cf["contrefactuel_bas"], cf["contrefactuel_haut"] = np.exp(lc - demi), np.exp(lc + demi)
            se_beta = math.sqrt(max(float(aj.cov[1, 1]), 0.0)) * k
            if o > 0:
                _effet_echelle_log(r, float(aj.params[1]), se_beta, None, o)
            r.details["modele_comptage"] = "quasi-Poisson, intervalle élargi"
            r.verifications.append(Verification(
                "comptages_faibles", "attention",
                f"Plus de 1\u00a0% des jours comptent moins de {SEUIL_COMPTAGE_LOG:.0f} passages, ou un jour aucun (minimum : "
                f"{nombre(float(min(y.min(), tem.min() if tem is not None else y.min())), 0)}) : "
                "le modèle est un GLM de quasi-Poisson dont l'intervalle est élargi pour l'autocorrélation, moins bien "
                "validé que le modèle log-linéaire des comptages plus élevés.", float(y.min())))
    except (FloatingPointError, OverflowError, ValueError, ZeroDivisionError, np.linalg.LinAlgError) as exc:
        # Modèle impossible à ajuster (série dégénérée) : effet non chiffré, incertitude indéterminée.
        r = _resultat_sans_modele(dates, y, apres, indicateur, unite)
        r.details["plan"] = "doubles_differences_temoins" if tem is not None else "serie_seule"
        r.details["temoins_utilises"] = tem is not None
        return incertitude_indeterminee(r, raison or f"le modèle n'a pas pu être ajusté ({type(exc).__name__})")
    r.details["effet_moyen_par_periode"] = r.effet / max(n_apres, 1)
    if _jours_exclus:
        r.details["jours_aberrants_exclus"] = [d.date().isoformat() for d in _jours_exclus]
        liste = ", ".join(_date_fr(d) for d in _jours_exclus[:5]) + (" …" if len(_jours_exclus) > 5 else "")
        r.verifications.append(Verification(
            "jours_aberrants", "attention",
            f"{compte(len(_jours_exclus), 'jour')} très loin de ce que prévoit le modèle ({liste}) "
            f"{accord(len(_jours_exclus), 'a été retiré', 'ont été retirés')} de "
            "l'estimation (panne partielle d'un compteur, événement exceptionnel ?) : à vérifier dans les données.",
            float(len(_jours_exclus))))
    r.details["plan"] = ("doubles_differences_temoins" if tem is not None else "serie_seule")
    r.details["temoins_utilises"] = tem is not None
    if tem is not None:
        r.libelle_methode = "Série interrompue comparative : doubles différences avec les sites témoins"
        r.limites = [l for l in r.limites if not l.startswith(("Sans site témoin", "Le contrefactuel suppose"))]
        if not tendance:
            r.verifications.append(_verifier_tendances_paralleles(ymod_reference, plan, ~apres, comptage))
    if not incertitude_est_valide(r.effet, r.ic_bas, r.ic_haut, r.erreur_type, echelle=abs(o)) or (comptage and o <= 0):
        incertitude_indeterminee(r, "l'erreur type de l'effet est nulle ou incalculable"
                                 + (" (aucun passage compté pendant l'expérimentation)" if comptage and o <= 0 else ""))
    else:
        r.resume = phrase_effet(indicateur, unite, r.effet, r.ic_bas, r.ic_haut, r.effet_relatif,
                                  f"Sur les {n_apres} jours mesurés de l'expérimentation, en cumul")
    return r
