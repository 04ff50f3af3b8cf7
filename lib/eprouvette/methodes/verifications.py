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
  interrompue et surdispersion d'un modèle de comptage ;
- :func:`laisser_un_de_cote` : l'estimation refaite sans chaque site témoin (et chaque site équipé),
  pour dire si l'effet repose sur un seul site.

Les phrases propres à un plan (ce que veut dire une autocorrélation pour lui) restent dans son
module ; le placebo dans le temps générique est dans :mod:`eprouvette.methodes.placebo`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from .base import ResultatImpact, Verification
from ..erreurs import ErreurDonnees
from ..francais import compte, decimales_lisibles, nombre, nombre_signe
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
    return float(special.stdtrit(ddl, 1 - alpha / 2) + special.stdtrit(ddl, puissance))


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
    p = float(2 * special.stdtr(n - 2, -abs(beta[1] / se))) if se > 0 else nan
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


# ---------------------------------------------------------------------------------------------
# Laisser un site de côté
# ---------------------------------------------------------------------------------------------


def conclusion_effet(r: ResultatImpact) -> str:
    """La conclusion d'un résultat, telle que la grille la lit : « hausse établie », « baisse établie »,
    « non établi » (intervalle qui contient zéro) ou « incertitude non calculable »."""
    if not r.incertitude_valide:
        return "incertitude non calculable"
    if r.significatif:
        return "hausse établie" if r.effet > 0 else "baisse établie"
    return "non établi"


def _effet_court(r: ResultatImpact, decimales: int) -> str:
    """« −0,61 [−0,92 ; −0,30] » (effet et intervalle à 95 %), ou l'effet seul sans intervalle."""
    if not r.incertitude_valide:
        return f"{nombre_signe(r.effet, decimales)}, sans intervalle calculable"
    return f"{nombre_signe(r.effet, decimales)} [{nombre_signe(r.ic_bas, decimales)}\u00a0; {nombre_signe(r.ic_haut, decimales)}]"


@dataclass
class LaisserUnDeCote:
    """Le contrôle « laisser un site de côté » : le tableau des estimations sans chaque site (annexe),
    la vérification (None si le contrôle est sans objet) et sa phrase."""

    tableau: pd.DataFrame
    verification: Verification | None
    phrase: str

    def ajouter_a(self, resultat: ResultatImpact) -> ResultatImpact:
        """Range le contrôle dans le résultat : la vérification dans ``verifications`` (ou, sans objet,
        la phrase dans ``limites``) et le tableau dans ``details["estimations_sans_chaque_site"]``."""
        if self.verification is not None:
            resultat.verifications = list(resultat.verifications) + [self.verification]
        else:
            resultat.limites = list(resultat.limites) + [self.phrase]
        if len(self.tableau):
            resultat.details["estimations_sans_chaque_site"] = self.tableau
        return resultat


def laisser_un_de_cote(estimer: Callable[[frozenset], ResultatImpact], sites: Sequence,
                       resultat_complet: ResultatImpact, *, decimales: int | None = None,
                       mot: str = "site", maximum: int | None = None) -> LaisserUnDeCote:
    """Refait l'estimation sans chaque site témoin, puis sans chaque site équipé (s'il en reste au moins
    un autre), et dit si la conclusion en dépend.

    ``estimer(sites_retires)`` refait l'estimation complète sans les identifiants de ``sites_retires``
    (un ensemble d'un identifiant) ; ``sites`` : les sites du pilote (``identifiant``, ``nom``,
    ``role`` « experimental » ou « temoin », comme :class:`eprouvette.pilote.Site`). La conclusion
    comparée est celle de :func:`conclusion_effet` (sens et caractère établi de l'effet) : le contrôle
    est « reussie » si aucun site retiré ne la change, « attention » sinon, avec une phrase qui nomme le
    ou les sites. Avec un seul témoin, le contrôle est sans objet (pas de vérification, une phrase pour
    les limites) : on ne peut pas vérifier que l'effet ne repose pas sur lui. Une estimation impossible
    sans un site (ValueError, données insuffisantes) est notée dans le tableau et ne compte pas.
    ``mot`` : comment la phrase appelle un site (« conteneur » pour les déchets) ; ``decimales`` :
    celles des effets cités (par défaut selon leur ordre de grandeur). ``maximum`` : au-delà de ce
    nombre d'estimations à refaire, le contrôle n'est pas fait et la limite le dit (pour un estimateur
    coûteux : avec beaucoup de sites, chacun pèse peu dans l'estimation).
    """
    temoins = [s for s in sites if s.role == "temoin"]
    equipes = [s for s in sites if s.role == "experimental"]
    if len(temoins) < 2:
        phrase = (f"Un seul {mot} témoin : on ne peut pas vérifier que l'effet ne repose pas sur lui "
                  f"(contrôle « laisser un {mot} de côté » sans objet)." if temoins else
                  f"Aucun {mot} témoin : contrôle « laisser un {mot} de côté » sans objet.")
        return LaisserUnDeCote(pd.DataFrame(), None, phrase)
    a_retirer = temoins + (equipes if len(equipes) >= 2 else [])
    if maximum is not None and len(a_retirer) > maximum:
        phrase = (f"{len(sites)} {mot}s : chacun ne pèse qu'une petite part de l'estimation ; le contrôle "
                  f"« laisser un {mot} de côté » n'est fait que jusqu'à {maximum} estimations à refaire "
                  f"(il en faudrait {len(a_retirer)}).")
        return LaisserUnDeCote(pd.DataFrame(), None, phrase)
    d = decimales if decimales is not None else decimales_lisibles(
        resultat_complet.effet, resultat_complet.ic_bas, resultat_complet.ic_haut)
    reference = conclusion_effet(resultat_complet)
    lignes, changes = [], []
    for s in a_retirer:
        role = "témoin" if s.role == "temoin" else "équipé"
        try:
            r = estimer(frozenset({s.identifiant}))
        except (ValueError, np.linalg.LinAlgError, ErreurDonnees) as exc:
            lignes.append({"Site retiré": s.nom, "Rôle": role, "Effet": np.nan, "Borne basse (95\u00a0%)": np.nan,
                           "Borne haute (95\u00a0%)": np.nan, "Effet relatif": np.nan,
                           "Conclusion": f"non calculée ({exc})"})
            continue
        c = conclusion_effet(r)
        lignes.append({"Site retiré": s.nom, "Rôle": role, "Effet": r.effet, "Borne basse (95\u00a0%)": r.ic_bas,
                       "Borne haute (95\u00a0%)": r.ic_haut,
                       "Effet relatif": np.nan if r.effet_relatif is None else r.effet_relatif, "Conclusion": c})
        if c != reference:
            changes.append((s, role, r, c))
    tableau = pd.DataFrame(lignes)
    n_calcules = int(tableau["Effet"].notna().sum())
    quoi = (f"{compte(len(temoins), f'{mot} témoin', f'{mot}s témoins')}"
            + (f" et {compte(len(equipes), f'{mot} équipé', f'{mot}s équipés')}" if len(equipes) >= 2 else ""))
    if not changes:
        if reference in ("hausse établie", "baisse établie"):
            sens = "à la hausse" if reference == "hausse établie" else "à la baisse"
            phrase = (f"Sans chacun des {quoi}, pris à tour de rôle, l'effet reste établi {sens} : "
                      f"il ne repose sur aucun {mot} en particulier.")
        else:
            phrase = (f"Sans chacun des {quoi}, pris à tour de rôle, la conclusion reste la même ({reference}) : "
                      f"aucun {mot} ne la fait basculer à lui seul.")
        return LaisserUnDeCote(tableau, Verification("laisser_un_de_cote", "reussie", phrase, 0.0), phrase)
    complet = _effet_court(resultat_complet, d)
    if len(changes) == 1:
        s, role, r, c = changes[0]
        if reference in ("hausse établie", "baisse établie"):
            debut = f"L'effet repose sur un seul {mot} {role}"
            devient = "il n'est plus établi" if c == "non établi" else f"la conclusion devient « {c} »"
        else:
            debut = f"La conclusion dépend d'un seul {mot} {role}"
            devient = f"elle devient « {c} » au lieu de « {reference} »"
        phrase = f"{debut} : sans « {s.nom} », {devient} ({_effet_court(r, d)} au lieu de {complet})."
    else:
        noms = ", ".join(f"« {s.nom} » ({_effet_court(r, d)}, {c})" for s, role, r, c in changes)
        fin = (f"L'effet repose sur quelques {mot}s." if reference in ("hausse établie", "baisse établie")
               else f"La conclusion dépend de quelques {mot}s.")
        phrase = (f"Avec tous les {mot}s, la conclusion est « {reference} » ({complet}) ; elle change quand on retire l'un de ces "
                  f"{len(changes)} {mot}s : {noms}. {fin}")
    phrase += f" ({n_calcules} estimations sans un {mot} sur {len(a_retirer)}.)" if n_calcules < len(a_retirer) else ""
    return LaisserUnDeCote(tableau, Verification("laisser_un_de_cote", "attention", phrase, float(len(changes))), phrase)
