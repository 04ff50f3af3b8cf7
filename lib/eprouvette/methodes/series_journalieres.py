"""Séries journalières d'un groupe de sites expérimentés et d'un groupe de témoins.

Quand il y a peu de sites (quelques secteurs d'un réseau d'eau, quelques bâtiments…) mais une longue
série journalière de chaque groupe, c'est la durée qui porte l'incertitude :

- :func:`doubles_differences_series` : témoins mis à l'échelle des expérimentés sur la période
  d'avant (r = Σ E / Σ T), écart quotidien D = E − r T ; effet = moyenne de D pendant − moyenne de D
  avant (l'estimateur des doubles différences), erreur type sous erreurs AR(1)
  (:func:`ecart_moyennes_ar1`). Les moyennes simples donnent l'effet moyen de la période quelle que
  soit sa dynamique (montée progressive, essoufflement). Vérifications : autocorrélation des
  innovations (Ljung-Box à 14 jours), tendances préalables (pente AR(1) de D avant le début),
  placebo dans le temps (faux début au milieu de la période d'avant), tendance prolongée (l'effet
  tient-il si l'évolution d'avant avait continué ?), durée de la référence.
- :func:`serie_interrompue_sans_temoin` : sans témoin, série interrompue sur E seul (tendance,
  saisonnalité annuelle, changement de niveau), effet rapporté en moyenne par jour.

L'écart des moyennes AR(1) suit le même principe que
:func:`eprouvette.methodes.doubles_differences.saut_ecart_ar1` (série des écarts d'un panel) avec une
autre variance (moyennes simples, écart-type commun, ddl de Satterthwaite analytiques) ; les unifier
changerait les chiffres des pilotes de l'eau.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import special

from .. import config
from .base import ResultatImpact, Verification, tri_par_date
from .doubles_differences import EcartAR1
from ..francais import nombre, nombre_arrondi, phrase_effet
from .serie_interrompue import rho_ar1_reml
from .verifications import effet_minimal_detectable, ljung_box, pente_prealable_ar1

METHODE = "doubles_differences"
LIBELLE = "Doubles différences sur séries journalières (témoins mis à l'échelle, erreurs AR(1))"
#: Jours nécessaires avant et pendant pour conclure.
JOURS_AVANT_MINIMUM = 28
JOURS_APRES_MINIMUM = 14
JOURS_PAR_AN = 365.25

JUSTIFICATION = (
    "Des sites témoins suivis avant et pendant l'expérimentation sont disponibles : on compare l'évolution "
    "des sites équipés à celle des témoins (mis à leur échelle sur la période de référence), ce qui retire "
    "les variations communes. Avec peu de sites, l'incertitude vient de la série journalière de l'écart, "
    "modélisée avec une autocorrélation d'ordre 1."
)
LIMITES = [
    "Repose sur l'hypothèse de tendances parallèles : sans l'expérimentation, l'écart entre sites "
    "équipés et témoins serait resté le même. La période de référence permet de la tester en partie.",
    "Un événement ne touchant que les sites équipés serait confondu avec l'effet.",
    "Le rapport des témoins aux sites équipés est fixé sur la période de référence : son "
    "incertitude n'est pas propagée (elle est faible sur une longue référence).",
]


def somme_correlations_ar1(m: int, rho: float) -> float:
    """Σ_i Σ_j ρ^|i−j| sur m périodes : variance d'une somme d'erreurs AR(1) de variance 1."""
    if m <= 0:
        return 0.0
    k = np.arange(1, m)
    return float(m + 2 * np.sum((m - k) * rho**k))



@dataclass
class EcartMoyennesAR1(EcartAR1):
    """Écart des moyennes « après » − « avant » d'une série, erreurs AR(1) (mêmes champs que
    :class:`~eprouvette.methodes.doubles_differences.EcartAR1`, plus la moyenne d'avant et les résidus)."""

    moyenne_avant: float
    residus: np.ndarray


def ecart_moyennes_ar1(d: np.ndarray, apres: np.ndarray, niveau: float = config.NIVEAU_CONFIANCE) -> EcartMoyennesAR1:
    """Écart des moyennes « après » − « avant » d'une série, erreur type sous erreurs AR(1).

    Les moyennes sont simples (chaque jour compte autant) : l'effet est l'effet moyen sur la période,
    quelle que soit sa dynamique (montée progressive, essoufflement). Variance :
    σ² [S(m, ρ)/m² + S(n, ρ)/n²] avec S(k, ρ) = Σ_i Σ_j ρ^|i−j| ; ρ estimé par vraisemblance restreinte
    (REML) sur le modèle à deux niveaux, σ² = variance marginale des résidus. La corrélation entre les
    deux moyennes (jours voisins de part et d'autre du début) est négligée : elle est positive et
    ne ferait que réduire la variance.
    """
    d = np.asarray(d, dtype=float)
    apres = np.asarray(apres, dtype=bool)
    n_av, n_ap = int((~apres).sum()), int(apres.sum())
    X = np.column_stack([np.ones(len(d)), apres.astype(float)])
    rho = float(np.clip(rho_ar1_reml(d, X), -0.95, 0.97))
    m_av, m_ap = float(d[~apres].mean()), float(d[apres].mean())
    residus = d - np.where(apres, m_ap, m_av)
    s_ap, s_av = somme_correlations_ar1(n_ap, rho), somme_correlations_ar1(n_av, rho)
    # Variance marginale sans biais sous AR(1) : E[Σ (x − x̄)²] = σ² (k − S(k, ρ)/k) dans chaque groupe
    # (les résidus autour de moyennes estimées sont trop petits, d'autant plus que ρ est fort).
    sigma = float(math.sqrt(residus @ residus / max(len(d) - s_ap / n_ap - s_av / n_av, 2.0)))
    var = sigma**2 * (s_ap / n_ap**2 + s_av / n_av**2)
    se = math.sqrt(var)
    # Degrés de liberté de Satterthwaite : la variance dépend de σ̂² (≈ n (1 − ρ²)/(1 + ρ²) jours
    # effectifs) et de ρ̂ (variance (1 − ρ²)/n ; sensibilité d log V / dρ ≈ 2 / (1 − ρ²)).
    n_tot = len(d)
    r2 = min(rho**2, 0.99)
    var_log_v = 2 * (1 + r2) / (n_tot * (1 - r2)) + (2 / (1 - r2)) ** 2 * (1 - r2) / n_tot
    ddl = max(2.0, min(2.0 / var_log_v, n_tot * (1 - rho) / (1 + rho) - 2))
    effet = m_ap - m_av
    crit = float(special.stdtrit(ddl, 0.5 + niveau / 2))
    p = float(2 * special.stdtr(ddl, -abs(effet / se))) if se > 0 else float("nan")
    return EcartMoyennesAR1(effet, se, ddl, p, effet - crit * se, effet + crit * se, rho, sigma, len(d), m_av,
                            residus)



def _verification_autocorrelation(residus: np.ndarray, rho: float) -> Verification:
    """Ljung-Box à 14 jours sur les innovations du modèle AR(1)."""
    innov = residus[1:] - rho * residus[:-1]
    p = ljung_box(innov, 14)[1]
    if p >= 0.05:
        return Verification("autocorrelation_residus", "reussie",
                            f"Après le modèle AR(1) (ρ = {nombre(rho, 2)}), les résidus ne montrent plus "
                            f"d'autocorrélation notable (Ljung-Box à 14 jours : p = {nombre(p, 2)}).", p)
    return Verification("autocorrelation_residus", "attention",
                        f"Il reste de l'autocorrélation après le modèle AR(1) (ρ = {nombre(rho, 2)} ; Ljung-Box à "
                        f"14 jours : p = {nombre(p, 3)}) : l'intervalle peut être un peu trop étroit.", p)


def verification_tendances_prealables(d_avant: np.ndarray, unite: str, *, sites: str = "sites"
                                      ) -> tuple[Verification, dict]:
    """L'écart D dérivait-il avant le début ? Pente AR(1) (:func:`~.verifications.pente_prealable_ar1`)."""
    pente = pente_prealable_ar1(d_avant)
    derive, se, p, rho, n = pente.derive, pente.erreur_type, pente.p_valeur, pente.rho, pente.n
    info = {"derive_sur_reference": derive, "erreur_type_derive": se, "p_valeur": p, "rho": rho, "n": n}
    if p >= 0.05:
        return Verification("tendances_prealables", "reussie",
                            f"Avant le début, l'écart entre {sites} expérimentés et témoins est resté stable "
                            f"(dérive sur la période de référence : {nombre(derive, 1)} {unite}, p = {nombre(p, 2)}) ; "
                            "cela soutient, sans la prouver, l'hypothèse de tendances parallèles.", p), info
    return Verification("tendances_prealables", "echec",
                        f"Avant même le début, l'écart entre {sites} expérimentés et témoins dérivait "
                        f"({nombre(derive, 1)} {unite} sur la période de référence, p = {nombre(p, 3)}) : "
                        "l'hypothèse de tendances parallèles est douteuse.", p), info


def verification_tendance_prolongee(effet: float, se: float, ddl: float, n_avant: int, n_apres: int,
                                    info_tendance: dict, unite: str, niveau: float = config.NIVEAU_CONFIANCE,
                                    *, sites: str = "sites") -> tuple[Verification, dict]:
    """L'effet tient-il si l'évolution de l'écart observée avant le début s'était prolongée ?

    Dans l'esprit de Rambachan et Roth (2023, « A More Credible Approach to Parallel Trends ») :
    la pente de l'écart sur la période de référence, prolongée jusqu'au milieu de
    l'expérimentation, donne le biais qu'aurait l'effet si cette évolution avait continué.
    L'intervalle « robuste » est la réunion des intervalles de l'effet corrigé pour toutes les
    pentes de l'intervalle à 95 % de la pente d'avant : ``[e − b_haut − c·se ; e − b_bas + c·se]``.
    L'effet doit y rester établi, du même côté. Une tendance trop faible pour être détectée par le
    test des tendances préalables peut ainsi encore bloquer un effet qu'elle suffirait à expliquer.
    """
    ecart_jours = (n_avant + n_apres) / 2.0  # du milieu de la référence au milieu de l'expérimentation
    facteur = ecart_jours / n_avant
    biais = info_tendance["derive_sur_reference"] * facteur
    se_biais = info_tendance["erreur_type_derive"] * facteur
    corrige = effet - biais
    crit = float(special.stdtrit(ddl, 0.5 + niveau / 2))
    crit_pente = float(special.stdtrit(max(info_tendance["n"] - 2, 1), 0.5 + niveau / 2))
    bas = corrige - crit_pente * se_biais - crit * se
    haut = corrige + crit_pente * se_biais + crit * se
    info = {"effet_corrige": corrige, "ic_bas": bas, "ic_haut": haut, "biais_prolonge": biais,
            "erreur_type_biais": se_biais}
    par_an = info_tendance["derive_sur_reference"] * 365.25 / n_avant
    par_jour = unite if unite.endswith("/j") else f"{unite} par jour"  # pas de « m³/j par jour »
    texte_corrige = (f"effet corrigé de cette évolution : {nombre_arrondi(corrige, decimales=1)} {par_jour}, "
                     f"intervalle de {nombre_arrondi(bas, decimales=1)} à {nombre_arrondi(haut, decimales=1)}")
    etabli = (bas > 0 or haut < 0) and (effet - crit * se > 0 or effet + crit * se < 0)
    if not (effet - crit * se > 0 or effet + crit * se < 0):
        return Verification("tendance_prolongee", "reussie",
                            "L'effet n'étant pas établi, prolonger l'évolution d'avant ne change pas la conclusion "
                            f"({texte_corrige}).", corrige), info
    if etabli and np.sign(corrige) == np.sign(effet):
        return Verification("tendance_prolongee", "reussie",
                            f"Avant le début, l'écart entre {sites} équipés et témoins évoluait de {nombre(par_an, 1)} "
                            f"{unite} par an ; même si cette évolution s'était prolongée, l'effet resterait établi "
                            f"({texte_corrige}).", corrige), info
    return Verification("tendance_prolongee", "echec",
                        f"Avant le début, l'écart entre {sites} équipés et témoins évoluait déjà de {nombre(par_an, 1)} "
                        f"{unite} par an : prolongée jusqu'à l'expérimentation, cette évolution suffirait à expliquer "
                        f"l'effet mesuré ({texte_corrige}). On ne peut pas l'attribuer à la technologie.",
                        corrige), info



def placebo_faux_debut(d_avant: np.ndarray, unite: str) -> tuple[Verification, dict]:
    """Placebo dans le temps : faux début au milieu de la période de référence, écart des moyennes
    AR(1) ; on ne doit rien trouver."""
    n = len(d_avant)
    em = ecart_moyennes_ar1(d_avant, np.arange(n) >= n // 2)
    info = {"effet": em.effet, "ic_bas": em.ic_bas, "ic_haut": em.ic_haut, "p_valeur": em.p_valeur}
    if em.p_valeur >= 0.05:
        return Verification("placebo_temporel", "reussie",
                            f"Un faux début placé au milieu de la période de référence ne donne pas d'effet "
                            f"({nombre(em.effet, 1)} {unite}, p = {nombre(em.p_valeur, 2)}).", em.p_valeur), info
    return Verification("placebo_temporel", "echec",
                        f"Un faux début placé au milieu de la période de référence donne déjà un « effet » "
                        f"({nombre(em.effet, 1)} {unite}, p = {nombre(em.p_valeur, 3)}) : l'écart entre groupes bouge "
                        "sans l'expérimentation.", em.p_valeur), info


def doubles_differences_series(
    series: pd.DataFrame,
    *,
    colonne_experimentaux: str = "experimentaux",
    colonne_temoins: str = "temoins",
    indicateur: str = "indicateur des sites expérimentés",
    unite: str = "",
    niveau: float = config.NIVEAU_CONFIANCE,
    sites: str = "sites",
    libelle_methode: str = LIBELLE,
    justification: str = JUSTIFICATION,
    limites: Sequence[str] = tuple(LIMITES),
    suffixe_annuel: str = "par_an",
) -> ResultatImpact:
    """Doubles différences sur deux séries journalières (expérimentés E, témoins T), erreurs AR(1).

    ``series`` : colonnes ``date``, ``periode`` (avant / apres), ``colonne_experimentaux`` et
    ``colonne_temoins`` (même unité, par jour). Témoins mis à l'échelle r = Σ E / Σ T sur la période
    « avant » ; D = E − r T ; D = a + b [après] + AR(1). Effet ``b`` par jour, intervalle à 95 %,
    effet relatif sur les totaux : Σ effet / Σ (E − effet) sur la période après. ``sites`` : le nom des
    sites dans les phrases des vérifications (« secteurs »…) ; ``libelle_methode``, ``justification``,
    ``limites`` : les mots de l'adaptateur du domaine. L'effet par an (× 365,25) et son intervalle vont
    dans ``details["effet_<suffixe_annuel>"]``, ``details["ic_<suffixe_annuel>"]``.
    """
    s = tri_par_date(series)
    apres = (s["periode"] == "apres").to_numpy()
    if apres.sum() < JOURS_APRES_MINIMUM or (~apres).sum() < JOURS_AVANT_MINIMUM:
        raise ValueError(f"Trop peu de jours pour conclure ({int((~apres).sum())} avant, {int(apres.sum())} après) : "
                         f"il en faut au moins {JOURS_AVANT_MINIMUM} avant et {JOURS_APRES_MINIMUM} après.")
    E = s[colonne_experimentaux].to_numpy(float)
    T = s[colonne_temoins].to_numpy(float)
    ratio = float(E[~apres].sum() / T[~apres].sum())
    if not ratio > 0:
        raise ValueError("Les valeurs des témoins sont nulles ou négatives sur la période de référence : "
                         "impossible de les mettre à l'échelle des sites expérimentés.")
    D = E - ratio * T
    n, m = len(D), int(apres.sum())
    em = ecart_moyennes_ar1(D, apres, niveau)
    effet, bas, haut, se = em.effet, em.ic_bas, em.ic_haut, em.erreur_type
    total_e = float(E[apres].sum())
    rho, sigma = em.rho, em.sigma
    mde = effet_minimal_detectable(em.erreur_type, em.ddl)
    cf = ratio * T + em.moyenne_avant
    crit = special.stdtrit(em.ddl, 0.5 + niveau / 2)
    se_a = sigma * math.sqrt(somme_correlations_ar1(n - m, rho)) / (n - m)
    contre = pd.DataFrame({
        "date": s["date"].to_numpy(), "observe": E, "contrefactuel": cf,
        "contrefactuel_bas": cf - crit * se_a, "contrefactuel_haut": cf + crit * se_a,
        "periode": s["periode"].to_numpy(),
    })
    v_tend, info_tend = verification_tendances_prealables(D[~apres], unite, sites=sites)
    v_plac, info_plac = placebo_faux_debut(D[~apres], unite)
    v_prol, info_prol = verification_tendance_prolongee(effet, se, em.ddl, int(n - m), m, info_tend, unite, niveau,
                                                        sites=sites)
    verifs = [_verification_autocorrelation(em.residus, rho), v_tend, v_plac, v_prol]
    if (~apres).sum() < 365:
        verifs.append(Verification("duree_reference", "attention",
                                   f"Période de référence de {int((~apres).sum())} jours, moins d'un an : les "
                                   "saisons n'y sont pas toutes représentées.", float((~apres).sum())))
    coefficients = pd.DataFrame({
        "terme": ["écart moyen avant (référence)", "écart moyen après", "effet (après − avant)"],
        "coefficient": [em.moyenne_avant, em.moyenne_avant + effet, effet],
        "erreur_type": [se_a, float("nan"), se],
    })
    details = {
        "ratio_temoins": ratio, "rho_ar1_modele": rho, "sigma_residus": sigma, "ddl": em.ddl,
        "n_avant": int(n - m), "n_apres": m, "coefficients": coefficients,
        f"effet_{suffixe_annuel}": effet * JOURS_PAR_AN, f"ic_{suffixe_annuel}": (bas * JOURS_PAR_AN, haut * JOURS_PAR_AN),
        "effet_cumule": m * effet, "ic_effet_cumule": (m * bas, m * haut),
        "total_observe_apres": total_e, "total_contrefactuel_apres": total_e - m * effet,
        "tendance_prealable": info_tend, "placebo_temporel": info_plac, "tendance_prolongee": info_prol,
        f"effet_minimal_detectable_{suffixe_annuel}": mde * JOURS_PAR_AN,
    }
    quoi = f"Par rapport à l'évolution des {sites} témoins, en moyenne par jour d'expérimentation"
    return ResultatImpact.construire(
        methode=METHODE, libelle_methode=libelle_methode, indicateur=indicateur, unite=unite,
        effet=effet, ic_bas=bas, ic_haut=haut, p_valeur=em.p_valeur,
        total_observe=total_e, cumul=m, erreur_type=se,
        effet_minimal_detectable=mde, contrefactuel=contre, verifications=verifs,
        resume=lambda res: phrase_effet(indicateur, unite, effet, bas, haut, res.effet_relatif, quoi),
        justification=justification, limites=list(limites), details=details,
    )


def serie_interrompue_sans_temoin(
    series: pd.DataFrame,
    *,
    colonne_experimentaux: str = "experimentaux",
    indicateur: str = "indicateur des sites expérimentés",
    unite: str = "",
    avertissement: str = ("Aucun site témoin : un changement touchant tous les sites au même moment serait "
                          "confondu avec l'effet."),
    suffixe_annuel: str = "par_an",
) -> ResultatImpact:
    """Sans témoin : série interrompue journalière sur les seuls sites expérimentés (tendance,
    saisonnalité annuelle à une harmonique, changement de niveau, erreurs AR(1)), effet rapporté en
    moyenne par jour (l'effet relatif reste celui des totaux) ; effet minimal détectable du même plan
    (:func:`~eprouvette.methodes.puissance.effet_minimal_detectable_serie`). ``avertissement`` : la
    phrase « attention » qui dit ce que l'absence de témoin laisse passer, dans les mots du domaine."""
    from .puissance import effet_minimal_detectable_serie
    from .serie_interrompue import serie_interrompue

    s = tri_par_date(series)
    debut = s.loc[s["periode"] == "apres", "date"].min()
    s = s.assign(jour_an=s["date"].dt.day_of_year.astype(float))
    r = serie_interrompue(s, debut, colonne_valeur=colonne_experimentaux, indicateur=indicateur, unite=unite,
                          saisonnalite="fourier", periode=JOURS_PAR_AN, harmoniques=1, colonne_saison="jour_an",
                          changement_pente=False, erreurs="ar1")
    m = r.details["n_apres"]
    mde = effet_minimal_detectable_serie(r.details["sigma_residus"], r.details["n_avant"], m,
                                         r.details.get("rho_ar1_modele", 0.0), changement_pente=False,
                                         saisonnalite=None)
    r.effet, r.ic_bas, r.ic_haut = r.effet / m, r.ic_bas / m, r.ic_haut / m
    r.erreur_type = r.erreur_type / m if r.erreur_type else None
    r.effet_minimal_detectable = mde
    r.details[f"effet_{suffixe_annuel}"] = r.effet * JOURS_PAR_AN
    r.details[f"ic_{suffixe_annuel}"] = (r.ic_bas * JOURS_PAR_AN, r.ic_haut * JOURS_PAR_AN)
    r.resume = phrase_effet(indicateur, unite, r.effet, r.ic_bas, r.ic_haut, r.effet_relatif,
                              "Par rapport à la tendance et à la saison d'avant, en moyenne par jour")
    r.verifications.append(Verification("absence_temoins", "attention", avertissement))
    return r
