"""Analyse d'un pilote du domaine eau (réseaux d'eau potable) : ce que ``analyse.py`` appelle.

Indicateur principal : le **débit minimum nocturne** journalier des secteurs (m³/h, entre 2 h et
4 h ; calculé ici si les mesures sont infra-journalières), ou le **volume mis en distribution**
journalier (m³ ou m³/j).

Méthode (doubles différences sur séries journalières, erreurs AR(1)) :

1. par jour, somme des secteurs expérimentés (E) et des secteurs témoins (T), les jours où tous
   les secteurs d'un groupe ont une mesure ;
2. débit nocturne -> pertes du jour : (débit − usage nocturne légitime) × facteur jour-nuit (m³/j) ;
3. les témoins sont mis à l'échelle des secteurs expérimentés sur la période de référence
   (r = Σ E / Σ T avant le début) ; écart quotidien D = E − r × T ;
4. effet = moyenne de D pendant l'expérimentation − moyenne de D pendant la référence (m³/j),
   soit l'estimateur des doubles différences ; erreur type sous erreurs AR(1) (ρ estimé par
   vraisemblance restreinte), ce qui tient compte de la ressemblance des jours successifs
   (:func:`ecart_moyennes_ar1`) ; les jours entre la fin de la référence et le début de
   l'expérimentation sont écartés. Les moyennes simples donnent l'effet moyen de la période quelle
   que soit sa dynamique (montée progressive quand les fuites sont trouvées puis réparées).

Sans secteur témoin : série interrompue sur E seul (tendance, saisonnalité annuelle, changement de
niveau), plus fragile. L'effet est rapporté en m³/j (et m³/an dans ``details``), l'effet relatif
sur les totaux des pertes des secteurs expérimentés.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.diagnostic import acorr_ljungbox

from .. import config
from ..erreurs import ErreurDonnees
from ..feder import IndicateurFeder
from ..methodes.base import ResultatImpact, Verification, intervalle_relatif
from .. import parametres
from ..francais import accord, nombre, phrase_effet
from ..methodes.serie_interrompue import prais_winsten, rho_ar1_reml
from . import eau

METHODE = "doubles_differences"
LIBELLE = "Doubles différences sur séries journalières (secteurs témoins mis à l'échelle, erreurs AR(1))"

#: Clés de ``caracteristiques`` du bilan annuel du réseau (SISPEA), en m³/an et km.
CLES_BILAN = {
    "volume_produit_m3": "produit",
    "volume_comptabilise_m3": "comptabilise",
    "lineaire_reseau_km": "lineaire_km",
    "volume_importe_m3": "importe",
    "volume_exporte_m3": "exporte",
    "volume_consomme_sans_comptage_m3": "consomme_sans_comptage",
    "volume_service_m3": "service",
}
CLES_BILAN_OBLIGATOIRES = ("volume_produit_m3", "volume_comptabilise_m3", "lineaire_reseau_km")
UNITES_DEBIT = ("m³/h", "m3/h")
UNITES_VOLUME = ("m³", "m3", "m³/j", "m3/j")


# ---------------------------------------------------------------------------------------------
# Paramètres et caractéristiques
# ---------------------------------------------------------------------------------------------


def parametres_eau(chemin: str | Path | None = None) -> dict:
    """Paramètres du domaine (``donnees/parametres/eau.yaml``) : nom -> bloc (valeur, unite, source…)."""
    return parametres.lire_fichier(parametres.chemin(chemin, "eau.yaml"), "du domaine eau")


def _nombre_caracteristique(pilote, cle: str, *, strict: bool = False, defaut=None) -> float | None:
    car = pilote.caracteristiques or {}
    if cle not in car or car[cle] is None:
        return defaut
    v = car[cle]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 or (strict and v == 0):
        raise ErreurDonnees(
            pilote.dossier / "pilote.yaml",
            f"la caractéristique « {cle} » vaut {v!r}.",
            champ=f"caracteristiques.{cle}",
            attendu="un nombre " + ("strictement positif" if strict else "positif ou nul"),
            conseil="Voir docs/eau.md pour les clés attendues.",
        )
    return float(v)


def parametre(pilote, nom: str) -> float:
    """Valeur d'un paramètre : ``caracteristiques`` de pilote.yaml si présent, sinon eau.yaml."""
    v = _nombre_caracteristique(pilote, nom)
    if v is not None:
        return v
    return parametres.parametre(parametres_eau().get(nom), parametres.chemin(None, "eau.yaml"), nom).valeur


def bilans_reseau(pilote, pertes_evitees_m3_an: float | None = None) -> tuple[eau.BilanReseau, eau.BilanReseau | None] | None:
    """Bilan annuel du réseau (caractéristiques de pilote.yaml) et bilan estimé après généralisation.

    Le bilan « avant » est celui de l'année de référence déclarée dans ``caracteristiques``. Le
    bilan « après » est **estimé** : mêmes consommations, volume produit diminué des pertes évitées
    mesurées (m³/an) ; None si l'effet n'est pas donné. Renvoie None si le bilan n'est pas déclaré.
    """
    car = pilote.caracteristiques or {}
    presentes = [k for k in CLES_BILAN if k in car]
    if not presentes:
        return None
    manquantes = [k for k in CLES_BILAN_OBLIGATOIRES if k not in car]
    if manquantes:
        raise ErreurDonnees(
            pilote.dossier / "pilote.yaml",
            f"bilan du réseau incomplet : {', '.join(manquantes)} {accord(len(manquantes), 'manquant', 'manquants')}.",
            champ="caracteristiques",
            attendu="volume_produit_m3, volume_comptabilise_m3 et lineaire_reseau_km (m³/an, km)",
        )
    valeurs = {CLES_BILAN[k]: _nombre_caracteristique(pilote, k, strict=(k == "lineaire_reseau_km"))
               for k in presentes}
    try:
        avant = eau.BilanReseau(**valeurs)
        apres = None
        if pertes_evitees_m3_an is not None:
            produit = max(avant.produit - pertes_evitees_m3_an, 0.0)
            apres = eau.BilanReseau(**{**valeurs, "produit": produit})
    except ValueError as e:
        raise ErreurDonnees(pilote.dossier / "pilote.yaml", str(e), champ="caracteristiques") from None
    return avant, apres


# ---------------------------------------------------------------------------------------------
# Séries
# ---------------------------------------------------------------------------------------------


def _journalier(mesures: pd.DataFrame, indicateur: str) -> pd.DataFrame:
    """Mesures journalières d'un indicateur (date naïve à minuit, site, valeur)."""
    m = mesures[mesures["indicateur"] == indicateur][["date", "site", "valeur"]]
    if len(m) and eau.est_infra_journalier(m["date"]):
        dmn = eau.debit_minimum_nocturne(m)
        return dmn.rename(columns={"debit_minimum_nocturne": "valeur"})[["date", "site", "valeur"]]
    m = m.copy()
    if getattr(m["date"].dt, "tz", None) is not None:
        m["date"] = m["date"].dt.tz_convert(config.FUSEAU).dt.tz_localize(None)
    return m


def _somme_groupe(jour: pd.DataFrame, sites: list[str]) -> pd.Series:
    """Somme journalière d'un groupe de secteurs, seulement les jours où tous ont une mesure."""
    large = jour[jour["site"].isin(sites)].pivot_table(index="date", columns="site", values="valeur", aggfunc="mean")
    large = large.reindex(columns=sites)
    return large.dropna().sum(axis=1)


def series_pilote(pilote, mesures: pd.DataFrame) -> pd.DataFrame:
    """Séries journalières du pilote : débit (ou volume) et pertes des groupes expérimenté et témoin.

    Colonnes : ``date``, ``periode`` (avant / apres), ``brut_experimentaux``, ``brut_temoins`` (débit
    nocturne en m³/h ou volume en m³/j, somme des secteurs), ``pertes_experimentaux``,
    ``pertes_temoins`` (m³/j). Les jours hors périodes sont écartés.
    """
    ind = pilote.indicateur_principal
    jour = _journalier(mesures, ind.identifiant)
    exp = [s.identifiant for s in pilote.sites_experimentaux]
    tem = [s.identifiant for s in pilote.sites_temoins]
    e = _somme_groupe(jour, exp).rename("brut_experimentaux")
    df = e.to_frame()
    if tem:
        df = df.join(_somme_groupe(jour, tem).rename("brut_temoins"), how="inner")
    df = df.reset_index().rename(columns={"index": "date"})
    r0, r1 = pd.Timestamp(pilote.periode_reference.debut), pd.Timestamp(pilote.periode_reference.fin)
    e0, e1 = pd.Timestamp(pilote.periode_experimentation.debut), pd.Timestamp(pilote.periode_experimentation.fin)
    avant = df["date"].between(r0, r1)
    apres = df["date"].between(e0, e1)
    df = df[avant | apres].copy()
    df["periode"] = np.where(df["date"] >= e0, "apres", "avant")
    if _est_debit(pilote):
        fjn = parametre(pilote, "facteur_jour_nuit_h")
        l_h = parametre(pilote, "usage_nocturne_l_h_abonne")
        ab_e = _nombre_caracteristique(pilote, "abonnes_secteurs_experimentaux", defaut=0.0)
        ab_t = _nombre_caracteristique(pilote, "abonnes_secteurs_temoins", defaut=0.0)
        leg_e = eau.usage_nocturne_legitime(ab_e, l_h, _nombre_caracteristique(
            pilote, "gros_consommateurs_nuit_experimentaux_m3h", defaut=0.0))
        df["pertes_experimentaux"] = eau.pertes_journalieres(eau.debit_fuite_nocturne(df["brut_experimentaux"], leg_e), fjn)
        if tem:
            leg_t = eau.usage_nocturne_legitime(ab_t, l_h, _nombre_caracteristique(
                pilote, "gros_consommateurs_nuit_temoins_m3h", defaut=0.0))
            df["pertes_temoins"] = eau.pertes_journalieres(eau.debit_fuite_nocturne(df["brut_temoins"], leg_t), fjn)
    else:
        df["pertes_experimentaux"] = df["brut_experimentaux"]
        if tem:
            df["pertes_temoins"] = df["brut_temoins"]
    return df.reset_index(drop=True)


def _est_debit(pilote) -> bool:
    u = pilote.indicateur_principal.unite.strip()
    if u in UNITES_DEBIT:
        return True
    if u in UNITES_VOLUME:
        return False
    raise ErreurDonnees(
        pilote.dossier / "pilote.yaml",
        f"unité « {u} » non prise en charge pour l'indicateur principal d'un pilote eau.",
        champ="indicateurs[].unite",
        attendu="m³/h (débit minimum nocturne) ou m³ / m³/j (volume mis en distribution journalier)",
    )


# ---------------------------------------------------------------------------------------------
# Estimation
# ---------------------------------------------------------------------------------------------


def _somme_correlations_ar1(m: int, rho: float) -> float:
    """Σ_i Σ_j ρ^|i−j| sur m périodes : variance d'une somme d'erreurs AR(1) de variance 1."""
    if m <= 0:
        return 0.0
    k = np.arange(1, m)
    return float(m + 2 * np.sum((m - k) * rho**k))


@dataclass
class _EcartMoyennes:
    effet: float
    erreur_type: float
    ddl: float
    p_valeur: float
    ic_bas: float
    ic_haut: float
    rho: float
    sigma: float
    moyenne_avant: float
    residus: np.ndarray


def ecart_moyennes_ar1(d: np.ndarray, apres: np.ndarray, niveau: float = config.NIVEAU_CONFIANCE) -> _EcartMoyennes:
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
    s_ap, s_av = _somme_correlations_ar1(n_ap, rho), _somme_correlations_ar1(n_av, rho)
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
    crit = float(stats.t.ppf(0.5 + niveau / 2, ddl))
    p = float(2 * stats.t.sf(abs(effet / se), ddl)) if se > 0 else float("nan")
    return _EcartMoyennes(effet, se, ddl, p, effet - crit * se, effet + crit * se, rho, sigma, m_av, residus)


def _mde(em: _EcartMoyennes, alpha: float = 0.05, puissance: float = 0.8) -> float:
    """Effet minimal détectable (80 % de puissance, risque 5 %) de l'écart des moyennes."""
    return float((stats.t.ppf(1 - alpha / 2, em.ddl) + stats.t.ppf(puissance, em.ddl)) * em.erreur_type)


def _verif_ljung_box(residus: np.ndarray, rho: float) -> Verification:
    innov = residus[1:] - rho * residus[:-1]
    lb = acorr_ljungbox(innov, lags=[14])
    p = float(lb["lb_pvalue"].iloc[0])
    if p >= 0.05:
        return Verification("autocorrelation_residus", "reussie",
                            f"Après le modèle AR(1) (ρ = {nombre(rho, 2)}), les résidus ne montrent plus "
                            f"d'autocorrélation notable (Ljung-Box à 14 jours : p = {nombre(p, 2)}).", p)
    return Verification("autocorrelation_residus", "attention",
                        f"Il reste de l'autocorrélation après le modèle AR(1) (ρ = {nombre(rho, 2)} ; Ljung-Box à "
                        f"14 jours : p = {nombre(p, 3)}) : l'intervalle peut être un peu trop étroit.", p)


def _verif_tendance_prealable(d_avant: np.ndarray, unite: str) -> tuple[Verification, dict]:
    n = len(d_avant)
    t = np.arange(n, dtype=float)
    X = np.column_stack([np.ones(n), (t - t.mean()) / n])
    rho = rho_ar1_reml(d_avant, X)
    Xs, ys = prais_winsten(X, rho), prais_winsten(d_avant, rho)
    beta, *_ = np.linalg.lstsq(Xs, ys, rcond=None)
    e = ys - Xs @ beta
    s2 = float(e @ e) / (n - 2)
    se = math.sqrt(s2 * np.linalg.inv(Xs.T @ Xs)[1, 1])
    p = float(2 * stats.t.sf(abs(beta[1] / se), n - 2))
    derive = float(beta[1])  # écart gagné sur toute la période de référence
    info = {"derive_sur_reference": derive, "erreur_type_derive": se, "p_valeur": p, "rho": rho, "n": n}
    if p >= 0.05:
        return Verification("tendances_prealables", "reussie",
                            f"Avant le début, l'écart entre secteurs expérimentés et témoins est resté stable "
                            f"(dérive sur la période de référence : {nombre(derive, 1)} {unite}, p = {nombre(p, 2)}) ; "
                            "cela soutient, sans la prouver, l'hypothèse de tendances parallèles.", p), info
    return Verification("tendances_prealables", "echec",
                        f"Avant même le début, l'écart entre secteurs expérimentés et témoins dérivait "
                        f"({nombre(derive, 1)} {unite} sur la période de référence, p = {nombre(p, 3)}) : "
                        "l'hypothèse de tendances parallèles est douteuse.", p), info


def _verif_tendance_prolongee(effet: float, se: float, ddl: float, n_avant: int, n_apres: int,
                              info_tendance: dict, unite: str, niveau: float = config.NIVEAU_CONFIANCE
                              ) -> tuple[Verification, dict]:
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
    crit = float(stats.t.ppf(0.5 + niveau / 2, ddl))
    crit_pente = float(stats.t.ppf(0.5 + niveau / 2, max(info_tendance["n"] - 2, 1)))
    bas = corrige - crit_pente * se_biais - crit * se
    haut = corrige + crit_pente * se_biais + crit * se
    info = {"effet_corrige": corrige, "ic_bas": bas, "ic_haut": haut, "biais_prolonge": biais,
            "erreur_type_biais": se_biais}
    par_an = info_tendance["derive_sur_reference"] * 365.25 / n_avant
    texte_corrige = (f"effet corrigé de cette évolution : {nombre(corrige, 1)} {unite} par jour, intervalle de "
                     f"{nombre(bas, 1)} à {nombre(haut, 1)}")
    etabli = (bas > 0 or haut < 0) and (effet - crit * se > 0 or effet + crit * se < 0)
    if not (effet - crit * se > 0 or effet + crit * se < 0):
        return Verification("tendance_prolongee", "reussie",
                            "L'effet n'étant pas établi, prolonger l'évolution d'avant ne change pas la conclusion "
                            f"({texte_corrige}).", corrige), info
    if etabli and np.sign(corrige) == np.sign(effet):
        return Verification("tendance_prolongee", "reussie",
                            f"Avant le début, l'écart entre secteurs équipés et témoins évoluait de {nombre(par_an, 1)} "
                            f"{unite} par an ; même si cette évolution s'était prolongée, l'effet resterait établi "
                            f"({texte_corrige}).", corrige), info
    return Verification("tendance_prolongee", "echec",
                        f"Avant le début, l'écart entre secteurs équipés et témoins évoluait déjà de {nombre(par_an, 1)} "
                        f"{unite} par an : prolongée jusqu'à l'expérimentation, cette évolution suffirait à expliquer "
                        f"l'effet mesuré ({texte_corrige}). On ne peut pas l'attribuer à la technologie.",
                        corrige), info


def _verif_placebo(d_avant: np.ndarray, unite: str) -> tuple[Verification, dict]:
    """Faux début au milieu de la période de référence : on ne doit rien trouver."""
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
    indicateur: str = "pertes en réseau des secteurs expérimentés",
    unite: str = "m³/j",
    niveau: float = config.NIVEAU_CONFIANCE,
) -> ResultatImpact:
    """Doubles différences sur deux séries journalières (expérimentés E, témoins T), erreurs AR(1).

    ``series`` : colonnes ``date``, ``periode`` (avant / apres), ``pertes_experimentaux`` et
    ``pertes_temoins`` (même unité, par jour). Témoins mis à l'échelle r = Σ E / Σ T sur la période
    « avant » ; D = E − r T ; D = a + b [après] + AR(1). Effet ``b`` par jour, intervalle à 95 %,
    effet relatif sur les totaux : Σ effet / Σ (E − effet) sur la période après.
    """
    s = series.sort_values("date").reset_index(drop=True)
    apres = (s["periode"] == "apres").to_numpy()
    if apres.sum() < 14 or (~apres).sum() < 28:
        raise ValueError(f"Trop peu de jours pour conclure ({int((~apres).sum())} avant, {int(apres.sum())} après) : "
                         "il en faut au moins 28 avant et 14 après.")
    E = s["pertes_experimentaux"].to_numpy(float)
    T = s["pertes_temoins"].to_numpy(float)
    ratio = float(E[~apres].sum() / T[~apres].sum())
    if not ratio > 0:
        raise ValueError("Les pertes estimées des témoins sont nulles ou négatives sur la période de référence : "
                         "vérifier l'usage nocturne légitime déclaré.")
    D = E - ratio * T
    n, m = len(D), int(apres.sum())
    em = ecart_moyennes_ar1(D, apres, niveau)
    effet, bas, haut, se = em.effet, em.ic_bas, em.ic_haut, em.erreur_type
    total_e = float(E[apres].sum())
    cf_total = total_e - m * effet
    rel, rel_bas, rel_haut = intervalle_relatif(m * effet, m * bas, m * haut, total_e)
    rho, sigma = em.rho, em.sigma
    mde = _mde(em)
    cf = ratio * T + em.moyenne_avant
    crit = stats.t.ppf(0.5 + niveau / 2, em.ddl)
    se_a = sigma * math.sqrt(_somme_correlations_ar1(n - m, rho)) / (n - m)
    contre = pd.DataFrame({
        "date": s["date"].to_numpy(), "observe": E, "contrefactuel": cf,
        "contrefactuel_bas": cf - crit * se_a, "contrefactuel_haut": cf + crit * se_a,
        "periode": s["periode"].to_numpy(),
    })
    v_tend, info_tend = _verif_tendance_prealable(D[~apres], unite)
    v_plac, info_plac = _verif_placebo(D[~apres], unite)
    v_prol, info_prol = _verif_tendance_prolongee(effet, se, em.ddl, int(n - m), m, info_tend, unite, niveau)
    verifs = [_verif_ljung_box(em.residus, rho), v_tend, v_plac, v_prol]
    if (~apres).sum() < 365:
        verifs.append(Verification("duree_reference", "attention",
                                   f"Période de référence de {int((~apres).sum())} jours, moins d'un an : les "
                                   "saisons n'y sont pas toutes représentées.", float((~apres).sum())))
    coefficients = pd.DataFrame({
        "terme": ["écart moyen avant (référence)", "écart moyen après", "effet (après − avant)"],
        "coefficient": [em.moyenne_avant, em.moyenne_avant + effet, effet],
        "erreur_type": [se_a, float("nan"), se],
    })
    jours_an = 365.25
    details = {
        "ratio_temoins": ratio, "rho_ar1_modele": rho, "sigma_residus": sigma, "ddl": em.ddl,
        "n_avant": int(n - m), "n_apres": m, "coefficients": coefficients,
        "effet_m3_an": effet * jours_an, "ic_m3_an": (bas * jours_an, haut * jours_an),
        "effet_cumule": m * effet, "ic_effet_cumule": (m * bas, m * haut),
        "total_observe_apres": total_e, "total_contrefactuel_apres": cf_total,
        "tendance_prealable": info_tend, "placebo_temporel": info_plac, "tendance_prolongee": info_prol,
        "effet_minimal_detectable_m3_an": mde * jours_an,
    }
    quoi = "Par rapport à l'évolution des secteurs témoins, en moyenne par jour d'expérimentation"
    return ResultatImpact(
        methode=METHODE, libelle_methode=LIBELLE, indicateur=indicateur, unite=unite,
        effet=effet, ic_bas=bas, ic_haut=haut, p_valeur=em.p_valeur,
        effet_relatif=rel, ic_relatif_bas=rel_bas, ic_relatif_haut=rel_haut, erreur_type=se,
        effet_minimal_detectable=mde, contrefactuel=contre, verifications=verifs,
        resume=phrase_effet(indicateur, unite, effet, bas, haut, rel, quoi),
        justification=(
            "Des secteurs témoins suivis avant et pendant l'expérimentation sont disponibles : on compare "
            "l'évolution des pertes des secteurs équipés à celle des témoins (mis à leur échelle sur la "
            "période de référence), ce qui retire les variations communes (saison, gel, sécheresse, "
            "pression du réseau). Avec peu de secteurs, l'incertitude vient de la série journalière de "
            "l'écart, modélisée avec une autocorrélation d'ordre 1."
        ),
        limites=[
            "Repose sur l'hypothèse de tendances parallèles : sans l'expérimentation, l'écart entre secteurs "
            "équipés et témoins serait resté le même. La période de référence permet de la tester en partie.",
            "Les pertes sont estimées par le débit nocturne : usage nocturne légitime et facteur jour-nuit "
            "sont des hypothèses (docs/eau.md) qui changent l'effet relatif, pas le sens de l'effet.",
            "Un événement ne touchant que les secteurs équipés (renouvellement de conduites, changement de "
            "pression, casse majeure) serait confondu avec l'effet.",
            "Le rapport des témoins aux secteurs équipés est fixé sur la période de référence : son "
            "incertitude n'est pas propagée (elle est faible sur une longue référence).",
            "Le coût des réparations déclenchées par la détection n'est compté que s'il figure dans les "
            "coûts de fonctionnement du pilote.",
        ],
        details=details,
    )


def _serie_interrompue_sans_temoin(series: pd.DataFrame, unite: str, indicateur: str) -> ResultatImpact:
    from ..methodes.serie_interrompue import serie_interrompue

    s = series.sort_values("date").reset_index(drop=True)
    debut = s.loc[s["periode"] == "apres", "date"].min()
    s = s.assign(jour_an=s["date"].dt.day_of_year.astype(float))
    r = serie_interrompue(s, debut, colonne_valeur="pertes_experimentaux", indicateur=indicateur, unite=unite,
                          saisonnalite="fourier", periode=365.25, harmoniques=1, colonne_saison="jour_an",
                          changement_pente=False, erreurs="ar1")
    m = r.details["n_apres"]
    from ..methodes.puissance import effet_minimal_detectable_serie

    mde = effet_minimal_detectable_serie(r.details["sigma_residus"], r.details["n_avant"], m,
                                         r.details.get("rho_ar1_modele", 0.0), changement_pente=False,
                                         saisonnalite=None)
    r.effet, r.ic_bas, r.ic_haut = r.effet / m, r.ic_bas / m, r.ic_haut / m
    r.erreur_type = r.erreur_type / m if r.erreur_type else None
    r.effet_minimal_detectable = mde
    r.details["effet_m3_an"] = r.effet * 365.25
    r.details["ic_m3_an"] = (r.ic_bas * 365.25, r.ic_haut * 365.25)
    r.resume = phrase_effet(indicateur, unite, r.effet, r.ic_bas, r.ic_haut, r.effet_relatif,
                              "Par rapport à la tendance et à la saison d'avant, en moyenne par jour")
    r.verifications.append(Verification(
        "absence_temoins", "attention",
        "Aucun secteur témoin : une variation du réseau entier (sécheresse, gel, casse) au même moment serait "
        "confondue avec l'effet."))
    return r


# ---------------------------------------------------------------------------------------------
# Les trois fonctions appelées par analyse.py
# ---------------------------------------------------------------------------------------------


def _libelle_volume(pilote) -> str:
    """Le libellé déclaré de l'indicateur de volume (volume mis en distribution, consommation des
    abonnés…), en minuscule initiale pour entrer dans une phrase."""
    libelle = (pilote.indicateur_principal.libelle or "volume mis en distribution").strip().rstrip(".")
    return libelle[:1].lower() + libelle[1:] if libelle[1:2].islower() or len(libelle) == 1 else libelle


def evaluer_pilote(pilote, mesures: pd.DataFrame, meteo: pd.DataFrame | None) -> ResultatImpact:
    """Effet du pilote sur les pertes en réseau (m³/j), avec son intervalle et son effet minimal détectable."""
    if _est_debit(pilote) and "abonnes_secteurs_experimentaux" not in (pilote.caracteristiques or {}):
        raise ErreurDonnees(
            pilote.dossier / "pilote.yaml",
            "le nombre d'abonnés des secteurs expérimentés manque : il sert à retirer l'usage nocturne "
            "légitime du débit minimum nocturne.",
            champ="caracteristiques.abonnes_secteurs_experimentaux",
            attendu="un nombre d'abonnés (et abonnes_secteurs_temoins s'il y a des témoins)",
        )
    if pilote.sites_temoins and _est_debit(pilote) and "abonnes_secteurs_temoins" not in (pilote.caracteristiques or {}):
        raise ErreurDonnees(pilote.dossier / "pilote.yaml", "le nombre d'abonnés des secteurs témoins manque.",
                            champ="caracteristiques.abonnes_secteurs_temoins", attendu="un nombre d'abonnés")
    series = series_pilote(pilote, mesures)
    indicateur = ("pertes en réseau des secteurs expérimentés (estimées par le débit nocturne)"
                  if _est_debit(pilote) else f"{_libelle_volume(pilote)} des secteurs expérimentés")
    if pilote.sites_temoins:
        try:
            r = doubles_differences_series(series, indicateur=indicateur)
        except ValueError as e:  # trop peu de jours, témoins sans pertes : un défaut des données
            raise ErreurDonnees(
                pilote.dossier / "pilote.yaml", str(e), champ="periode",
                conseil="Vérifiez les dates de « periode » et les fichiers de mesures des secteurs.",
            ) from None
    else:
        r = _serie_interrompue_sans_temoin(series, "m³/j", indicateur)
    r.details["series"] = series
    return r


def economie_annuelle(pilote, resultat: ResultatImpact, valorisation):
    """Eau non perdue par an × coût de l'eau produite ; émissions de l'électricité de production."""
    from ..economie import EconomieAnnuelle

    if resultat.unite != "m³/j":
        return None
    prix = valorisation.cout_eau_produite
    tco2e = 0.0
    energie = valorisation.autres.get("energie_production_eau")
    if energie is not None and "electricite" in valorisation.facteurs_emission:
        tco2e = energie.valeur * valorisation.facteur_emission_t("electricite")
    return EconomieAnnuelle.depuis_impact(
        resultat, facteur_annuel=365.25, prix_unitaire=prix.valeur, tco2e_par_unite=tco2e,
        signe=-1.0 if pilote.indicateur_principal.sens_souhaite == "baisse" else 1.0,
        plage_prix=prix.plage(),
    )


def indicateurs_feder(analyse) -> list[IndicateurFeder]:
    """RCR43 (pertes d'eau évitées, m³/an) et RCO14 (porteur public soutenu pour un service numérique)."""
    sortie = [IndicateurFeder("RCO14", 1.0, f"{analyse.pilote.porteur.nom} : pilotage numérique du réseau "
                                            "(capteurs et données de sectorisation).")]
    ea = analyse.economie_annuelle
    r = analyse.resultat
    if ea is not None and r.significatif and ea.quantite > 0:
        sortie.append(IndicateurFeder(
            "RCR43", ea.quantite,
            f"Pertes évitées par an, mesurées sur les secteurs équipés (intervalle à 95\u00a0% : "
            f"{nombre(ea.ic_bas, 0)} à {nombre(ea.ic_haut, 0)} m³/an). RCR43 se déclare en réduction des pertes."))
    else:
        sortie.append(IndicateurFeder("RCR43", 0.0 if ea is not None else None,
                                      "Aucune réduction des pertes n'est établie : rien à déclarer."))
    return sortie
