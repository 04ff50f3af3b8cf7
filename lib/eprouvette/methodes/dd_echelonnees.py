"""Doubles différences pour un déploiement échelonné (Callaway et Sant'Anna, 2021).

Le plan : des sites équipés à des dates différentes (une école en septembre, deux autres après
les vacances de février), d'autres jamais, tous mesurés sur les mêmes périodes (panel équilibré,
format long : site, période, valeur, première période équipée ou vide pour « jamais »). Les sites
qui commencent à la même période forment une **cohorte** g.

L'estimateur à effets fixes bidirectionnels mélange alors des comparaisons interdites : il prend
des sites déjà équipés pour témoins des sites équipés plus tard, et quand l'effet grandit avec le
temps il peut être biaisé, jusqu'à changer de signe (Goodman-Bacon 2021 ; de Chaisemartin et
D'Haultfœuille 2020). Ici on ne fait que des comparaisons 2 × 2 permises : pour chaque cohorte g
et chaque période t, l'effet ATT(g,t) est

    ATT(g,t) = moyenne des (Y_t − Y_b) de la cohorte g − moyenne des (Y_t − Y_b) des témoins,

sans covariables, où les témoins sont les sites **pas encore équipés** à max(t, b) (y compris les
jamais équipés ; ``temoins="pas_encore"``, par défaut) ou les seuls **jamais équipés**
(``temoins="jamais"``), et où la période de base b est :

- ``base="variable"`` (par défaut, comme le paquet R ``did`` et ``csdid``) : b = g − 1 pour les
  périodes équipées ; avant le début, b = t − 1 (des écarts d'une période à la suivante : le test
  des tendances parallèles ne dépend pas d'un seul point de référence) ;
- ``base="universelle"`` : b = g − 1 pour toutes les périodes (ATT(g, g − 1) = 0 par construction),
  la courbe d'étude d'événement se lit alors comme celle d'une régression à période −1 de référence.

Les périodes d'équipement ont les mêmes ATT(g,t) avec les deux bases. Les sites déjà équipés à la
première période sont écartés (aucune mesure d'avant), ceux dont le début suit la dernière période
comptent parmi les jamais équipés.

**Agrégations** (poids = taille des cohortes, comme ``did``) : l'effet global est la moyenne des
ATT(g,t) des périodes équipées (t ≥ g), chacune pondérée par la taille de sa cohorte ; l'étude
d'événement donne, pour chaque durée d'exposition e = t − g (en périodes, négative avant le début),
la moyenne des ATT(g, g + e) pondérée par la taille des cohortes.

**Incertitude** : quatre chemins (``inference="auto"`` choisit, ``options["inference"]`` et
``remarques`` disent lequel) :

- ``"bootstrap"`` (au moins ``SITES_PAR_COHORTE_MINIMUM`` sites dans la plus petite cohorte et
  ``TEMOINS_MINIMUM`` jamais équipés) : fonctions d'influence par site (la part due à l'estimation
  des poids de cohorte comprise), bootstrap multiplicateur par site (poids de Rademacher ou de
  Mammen, graine fixée), écart type = écart interquartile des tirages / 1,349 ; bandes simultanées
  (valeur critique = quantile du maximum des |t| sur toutes les cellules). Avec
  ``petits_echantillons=True`` (par défaut), la variance de chaque moyenne de groupe est corrigée
  de n_g/(n_g − 1) et les intervalles ponctuels prennent la loi de Student à ddl de
  Welch-Satterthwaite (groupes : cohortes et jamais équipés) : sans cela, 6,2 % de faux effets pour
  5 % annoncés à 10 sites par cohorte. ``csdid`` n'a ni l'une ni l'autre (``False`` pour le retrouver).
  C'est une approximation pour beaucoup de sites : imposé sur de petites cohortes, il est dit fragile.
- ``"permutation"`` (plus petites cohortes, au moins 20 répartitions possibles) : les dates
  d'équipement sont réparties autrement entre les sites en gardant la taille des cohortes (toutes les
  répartitions jusqu'à ``PERMUTATIONS_MAXIMUM`` + 1, sinon autant tirées au hasard), l'estimateur
  recalculé à chaque fois (vectorisé, :func:`_att_affectations`) ; effet global : test de Fisher et
  son inversion sous un effet constant (:func:`~.doubles_differences._inference_fisher`, celle des
  doubles différences) ; cellules et durées : dispersion des faux effets une fois l'effet global
  retiré aux sites vraiment équipés, intervalle au seuil de rang. Exact sous l'hypothèse que l'ordre
  d'équipement ne dépend pas de l'état des sites.
- ``"temporelle"`` (moins de 20 répartitions, mais au moins 30 périodes avant la première cohorte
  et 10 depuis la dernière) : bruit AR(1) propre à chaque site, estimé sur les observations non
  équipées par des moments exacts (:func:`_bruit_ar1_par_site`, sans biais sur séries courtes ni
  quand un seul témoin reste non équipé) ; variance exacte de l'estimateur (linéaire) sous ce
  modèle, Student à ddl de Welch-Satterthwaite (:func:`_variance_temporelle`).
- ``"aucune"`` (aucun site jamais équipé, ou moins de 20 répartitions sur un panel court) : intervalles NaN,
  ``inference_credible`` faux et la raison en français ; l'effet central reste donné.

Vérifié contre ``csdid`` 0.4.3 (port Python du paquet R ``did``) sur un panel simulé
(``tests/references/echelonne_*.csv``) et sur le panel publié ``mpdta`` (``tests/references/mpdta*``),
dont les chiffres imprimés par le paquet R ``did`` sont retrouvés.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, signal, special, stats

from .. import config
from ..francais import accord, compte, nombre
from .doubles_differences import (
    PERIODES_APRES_MINIMUM,
    PERIODES_AVANT_MINIMUM,
    PLACEBOS_MINIMUM,
    _inference_fisher,
)

__all__ = ["EstimationEchelonnee", "dd_echelonnees", "poids_multiplicateurs", "TEMOINS", "BASES",
           "INFERENCES", "SITES_PAR_COHORTE_MINIMUM", "TEMOINS_MINIMUM", "PERMUTATIONS_MAXIMUM",
           "nombre_affectations_dates", "phrase_non_calculable"]

#: Groupes témoins possibles : sites pas encore équipés (jamais équipés compris) ou jamais équipés.
TEMOINS = ("pas_encore", "jamais")
#: Périodes de base possibles (voir la documentation du module).
BASES = ("variable", "universelle")
#: En dessous, dans la plus petite cohorte, le bootstrap multiplicateur sous-estime l'incertitude.
SITES_PAR_COHORTE_MINIMUM = 10
#: Sites témoins (jamais équipés, ou pas encore équipés au début de la dernière cohorte) nécessaires.
TEMOINS_MINIMUM = 10
#: Chemins d'inférence : « auto » (bootstrap au-dessus des seuils, sinon permutation des dates
#: d'équipement, sinon la durée pour un panel long, sinon aucune), ou l'un d'eux imposé.
INFERENCES = ("auto", "bootstrap", "permutation", "temporelle")
#: Au-delà, les permutations des dates d'équipement sont tirées au hasard (graine fixée).
PERMUTATIONS_MAXIMUM = 999


@dataclass
class EstimationEchelonnee:
    """Les effets par cohorte et période, l'effet global et l'étude d'événement."""

    #: Une ligne par cohorte × période : cohorte, periode, duree (t − g en périodes), apres (t ≥ g),
    #: base (période de référence), att, erreur_type, bas, haut (ponctuels), bas_simultane,
    #: haut_simultane, n_cohorte, n_temoins.
    att_gt: pd.DataFrame
    effet: float
    erreur_type: float
    intervalle: tuple[float, float]
    p_valeur: float
    #: Une ligne par durée d'exposition : duree, att, erreur_type, bas, haut, bas_simultane,
    #: haut_simultane, p_valeur, n_cohortes (intervalles du même chemin d'inférence que l'effet global,
    #: NaN quand l'incertitude n'est pas calculable).
    evenement: pd.DataFrame
    #: Moyenne des effets par durée, durées 0 et plus (l'« effet global » d'une étude d'événement).
    effet_evenement: float
    erreur_type_evenement: float
    #: Cohorte (première période équipée) -> nombre de sites.
    cohortes: dict
    n_jamais: int
    n_sites: int
    temoins: str
    base: str
    #: L'incertitude est-elle valide : bootstrap au-dessus des seuils, ou permutation qui délimite un
    #: intervalle ? Faux pour un bootstrap imposé sous les seuils ou une incertitude non calculable.
    inference_credible: bool
    #: Phrases en français : sites écartés, cellules sans témoins, chemin d'inférence, inférence
    #: fragile ou non calculable (et pourquoi).
    remarques: list[str] = field(default_factory=list)
    options: dict = field(default_factory=dict)


def poids_multiplicateurs(type_poids: str, n: int, B: int, rng: np.random.Generator) -> np.ndarray:
    """Poids du bootstrap multiplicateur (n × B), de moyenne 0 et de variance 1 : Rademacher (±1)
    ou Mammen (deux points, troisième moment égal à 1)."""
    if type_poids == "rademacher":
        return rng.choice([-1.0, 1.0], size=(n, B))
    if type_poids == "mammen":
        r5 = math.sqrt(5.0)
        bas, haut = (1 - r5) / 2, (1 + r5) / 2
        return np.where(rng.random((n, B)) < (r5 + 1) / (2 * r5), bas, haut)
    raise ValueError(f"Poids de bootstrap inconnus : {type_poids!r} (« rademacher » ou « mammen »).")


def _panel(donnees: pd.DataFrame, site: str, temps: str, valeur: str, debut: str):
    manquantes = [c for c in (site, temps, valeur, debut) if c not in donnees.columns]
    if manquantes:
        raise ValueError(f"Colonnes absentes du panel : {', '.join(manquantes)}.")
    # Codes des sites et des périodes (triés, comme les lignes et colonnes d'un pivot) et tableau sites × périodes
    # par indices numpy : les permutations et le bootstrap refont ce panel pour chaque tirage simulé.
    code_site, sites = pd.factorize(donnees[site], sort=True)
    code_temps, temps_tries = pd.factorize(donnees[temps], sort=True)
    y = donnees[valeur].to_numpy(dtype=float, na_value=np.nan)
    if (code_site < 0).any() or (code_temps < 0).any() or np.isnan(y).any():
        raise ValueError("Le panel a des valeurs manquantes (site, période ou valeur) : un panel complet est nécessaire.")
    n_sites, n_temps = len(sites), len(temps_tries)
    cle = code_site.astype(np.int64) * n_temps + code_temps
    if len(np.unique(cle)) < len(cle):
        raise ValueError("Le panel a plusieurs valeurs pour un même site et une même période.")
    if len(cle) < n_sites * n_temps:
        raise ValueError("Le panel n'est pas équilibré : chaque site doit être mesuré à chaque période.")
    tableau = np.empty((n_sites, n_temps))
    tableau[code_site, code_temps] = y
    # Première période équipée de chaque site : la première valeur renseignée, et le nombre de valeurs distinctes.
    code_debut, valeurs_debut = pd.factorize(donnees[debut])
    renseigne = code_debut >= 0
    paires = np.unique(code_site[renseigne].astype(np.int64) * (len(valeurs_debut) + 1) + code_debut[renseigne])
    distincts = np.bincount(paires // (len(valeurs_debut) + 1), minlength=n_sites)
    avec, premiere_ligne = np.unique(code_site[renseigne], return_index=True)
    premier = dict(zip(avec.tolist(), code_debut[renseigne][premiere_ligne].tolist()))
    debuts = {s: ({valeurs_debut[premier[i]]} if distincts[i] else set()) for i, s in enumerate(sites)}
    ordre = np.unique(code_site, return_index=True)[1].argsort()  # ordre d'apparition des sites
    incoherents = [str(sites[i]) for i in ordre if distincts[i] > 1]
    if incoherents:
        raise ValueError(f"La première période équipée change d'une ligne à l'autre pour : {', '.join(incoherents[:5])}.")
    Y = pd.DataFrame(tableau, index=sites, columns=temps_tries)
    periodes = list(Y.columns)
    position = {p: i for i, p in enumerate(periodes)}
    G = np.full(len(Y), -1)
    remarques = []
    for i, s in enumerate(Y.index):
        v = debuts[s]
        if not v:
            continue
        g = next(iter(v))
        if g in position:
            G[i] = position[g]
        elif g > periodes[-1]:
            remarques.append(f"Le site {s} commence après la dernière période ({g}) : il compte parmi les jamais équipés.")
        else:
            raise ValueError(f"La première période équipée du site {s} ({g}) n'est pas une période du panel.")
    premiers = G == 0
    if premiers.any():
        n = int(premiers.sum())
        remarques.append(f"{compte(n, 'site équipé', 'sites équipés')} dès la première période, sans mesure "
                         f"d'avant, {accord(n, 'écarté', 'écartés')} de l'estimation.")
    garde = ~premiers
    return Y.to_numpy(float)[garde], G[garde], periodes, remarques


def _cellules(G: np.ndarray, T: int, base: str):
    """(g, t, b) : cohorte, période et base de chaque ATT(g,t), en positions de période."""
    cellules = []
    for g in sorted(set(G[G > 0].tolist())):
        for t in range(T):
            if base == "universelle":
                cellules.append((g, t, g - 1))
            elif t >= 1:
                cellules.append((g, t, g - 1 if t >= g else t - 1))
    return cellules


def _agreger(Psi, att, G, cohortes_cellules, choisies, pg):
    """Moyennes des ATT(g,t) de chaque colonne de ``choisies`` (cellules × agrégats, booléens),
    pondérées par la taille des cohortes : poids (cellules × agrégats), effets et fonctions
    d'influence (sites × agrégats ; part due à l'estimation des poids comprise, comme ``did``)."""
    Ch = np.asarray(choisies, float).reshape(len(att), -1)
    pk = pg[cohortes_cellules]
    total = pk @ Ch
    W = Ch * pk[:, None] / total[None, :]
    a = np.where(Ch.any(axis=1), att, 0.0)
    indic = (G[:, None] == cohortes_cellules[None, :]).astype(float) - pk[None, :]
    wif = (indic * a[None, :]) @ Ch / total - (indic @ Ch) * ((pk * a) @ Ch) / total ** 2
    return W, a @ W, Psi @ W + wif


def _ddl_welch(psi: np.ndarray, G: np.ndarray) -> np.ndarray:
    """Degrés de liberté de Welch-Satterthwaite de chaque colonne de ``psi`` (fonctions d'influence
    par site), les groupes étant les cohortes et les jamais équipés : la variance estimée est une
    somme de variances de groupe, chacune connue à n_g − 1 ddl près. Avec deux groupes, ce sont
    exactement les ddl du test de Welch de la différence de deux moyennes."""
    psi = psi.reshape(len(G), -1)
    V, R = [], []
    for g in np.unique(G):
        m = G == g
        if m.sum() < 2:
            continue
        v = (psi[m] ** 2).sum(axis=0)
        V.append(v)
        R.append(v ** 2 / (m.sum() - 1))
    if not V:  # aucun groupe de deux sites : la variance n'est connue à aucun degré de liberté près
        return np.full(psi.shape[1], np.nan)
    total, reste = np.sum(V, axis=0), np.sum(R, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(reste > 0, total ** 2 / reste, np.nan)


def nombre_affectations_dates(tailles) -> int:
    """Nombre de façons de répartir les dates d'équipement entre les sites en gardant la taille de
    chaque cohorte (et le nombre de jamais équipés) : coefficient multinomial."""
    tailles = [int(t) for t in tailles]
    n, total = sum(tailles), 1
    for t in tailles:
        total *= math.comb(n, t)
        n -= t
    return total


def _affectations_dates(G: np.ndarray, maximum: int, graine: int) -> tuple[np.ndarray, int]:
    """Répartitions des dates d'équipement entre les sites (une ligne par répartition, ligne 0 = la
    vraie) : toutes si elles sont au plus ``maximum + 1``, sinon ``maximum`` permutations tirées au
    hasard (graine fixée). Renvoie aussi le nombre de répartitions possibles."""
    valeurs, tailles = np.unique(G, return_counts=True)
    total = nombre_affectations_dates(tailles)
    n = len(G)
    if total <= maximum + 1:
        lignes = []

        def remplir(restants, k, ligne):
            if k == len(valeurs) - 1:
                ligne[list(restants)] = valeurs[k]
                lignes.append(ligne.copy())
                return
            for choix in itertools.combinations(restants, int(tailles[k])):
                ligne[list(choix)] = valeurs[k]
                remplir([i for i in restants if i not in choix], k + 1, ligne)

        remplir(list(range(n)), 0, np.empty(n, dtype=G.dtype))
        autres = np.array(lignes)
        autres = autres[~np.all(autres == G[None, :], axis=1)]
    else:
        rng = np.random.default_rng(graine)
        autres = G[np.argsort(rng.random((maximum, n)), axis=1)]
    return np.vstack([G[None, :], autres]), total


def _att_affectations(X: np.ndarray, GA: np.ndarray, cellules, temoins: str) -> np.ndarray:
    """ATT(g,t) de chaque cellule calculés sur ``X`` (sites × périodes) pour chaque répartition des
    dates ``GA`` (répartitions × sites) : les mêmes comparaisons 2 × 2 que :func:`dd_echelonnees`,
    vectorisées (les tailles de cohorte, donc les cellules et leurs témoins, ne changent pas).
    NaN pour une cellule sans témoin. Par paquets de répartitions, pour borner la mémoire sur de
    longues séries (mesures quotidiennes : des milliers de cellules)."""
    paquet = max(1, 2_000_000 // max(1, len(cellules) * (len(set(GA[0].tolist())) + 1)))
    if len(GA) > paquet:
        return np.vstack([_att_affectations(X, GA[i:i + paquet], cellules, temoins)
                          for i in range(0, len(GA), paquet)])
    cohortes = sorted(set(GA[0][GA[0] > 0].tolist()))
    C = len(cohortes)
    M = np.stack([GA == g for g in cohortes] + [GA < 0], axis=1).astype(float)  # A × (C + 1) × n
    S = np.einsum("acn,nt->act", M, X)
    tailles = M[0].sum(axis=1)
    gk = np.array([cohortes.index(c[0]) for c in cellules])
    tk = np.array([c[1] for c in cellules])
    bk = np.array([c[2] for c in cellules])
    dS = S[:, :, tk] - S[:, :, bk]  # A × (C + 1) × K
    # Groupes témoins de chaque cellule : jamais équipés, et cohortes pas encore équipées à max(t, b).
    I = np.zeros((len(cellules), C + 1))
    I[:, C] = 1.0
    if temoins == "pas_encore":
        limite = np.maximum(tk, bk)
        for c, g in enumerate(cohortes):
            I[:, c] = (g > limite) & (gk != c)
    n_tem = I @ tailles
    traites = dS[:, gk, np.arange(len(cellules))] / tailles[gk][None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        ctrl = np.einsum("ack,kc->ak", dS, I) / n_tem[None, :]
    att = traites - ctrl
    att[:, n_tem == 0] = np.nan
    att[:, tk == bk] = 0.0
    return att


def _seuil_rang(residus: np.ndarray, alpha: float) -> np.ndarray:
    """Demi-largeur des intervalles par permutation : le m-ième plus grand |faux effet| (par colonne),
    m = ⌊α A − 1⌋ + 1 pour A répartitions (vraie comprise), de sorte que τ est gardé tant que la
    p-valeur de rang (1 + #{|faux| ≥ |effet − τ|}) / A dépasse α."""
    A = residus.shape[0] + 1
    m = math.floor(alpha * A - 1 + 1e-9) + 1
    if m < 1 or m > residus.shape[0]:
        return np.full(residus.shape[1:], np.nan)
    return -np.sort(-np.abs(residus), axis=0)[m - 1]


def _bootstrap(Psi: np.ndarray, poids: str, B: int, graine: int, niveau: float):
    """Écarts types (écart interquartile des tirages) et valeur critique simultanée."""
    n = Psi.shape[0]
    V = poids_multiplicateurs(poids, n, B, np.random.default_rng(graine))
    tirages = (V.T @ Psi) / math.sqrt(n)
    q75, q25 = np.quantile(tirages, [0.75, 0.25], axis=0)
    sigma = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    actives = sigma > math.sqrt(np.finfo(float).eps) * 10
    se = np.where(actives, sigma / math.sqrt(n), np.nan)
    critique = float("nan")
    if actives.any():
        critique = float(np.quantile(np.max(np.abs(tirages[:, actives]) / sigma[actives], axis=1), niveau))
    return se, critique


def _tableau(att, se, critique, niveau, ddl=np.inf):
    q = special.stdtrit(ddl, 0.5 + niveau / 2)
    return {"att": att, "erreur_type": se, "bas": att - q * se, "haut": att + q * se,
            "bas_simultane": att - critique * se, "haut_simultane": att + critique * se}


def _tableau_permutation(att, residus, niveau):
    """Colonnes d'un tableau (cellules ou durées) par permutation : ``residus`` (répartitions × colonnes)
    sont les faux effets, une fois retiré l'effet estimé des sites vraiment équipés. Écart type =
    leur dispersion ; intervalle = effet ± le seuil de rang (:func:`_seuil_rang`) ; bande simultanée
    = quantile du maximum des |faux effets| / écart type sur toutes les colonnes."""
    K = len(att)
    se = np.full(K, np.nan)
    demi = np.full(K, np.nan)
    critique = float("nan")
    ok = np.isfinite(att) & np.all(np.isfinite(residus), axis=0)
    if residus.shape[0] >= 2 and ok.any():
        se[ok] = residus[:, ok].std(axis=0, ddof=1)
        demi[ok] = _seuil_rang(residus[:, ok], 1 - niveau)
        actives = ok & (se > 0)
        if actives.any() and residus.shape[0] >= PLACEBOS_MINIMUM:
            critique = float(np.quantile(np.max(np.abs(residus[:, actives]) / se[actives], axis=1), niveau))
    return {"att": att, "erreur_type": se, "bas": att - demi, "haut": att + demi,
            "bas_simultane": att - critique * se, "haut_simultane": att + critique * se}


def _choisir_inference(inference: str, cohortes: dict, n_jamais: int, total: int, n_avant: int,
                       n_apres: int) -> tuple[str, str | None]:
    """Chemin d'inférence (« bootstrap », « permutation », « temporelle » ou « aucune ») et, pour
    « aucune », la raison. ``n_avant`` : périodes avant la première cohorte ; ``n_apres`` : périodes
    depuis le début de la dernière."""
    assez = min(cohortes.values()) >= SITES_PAR_COHORTE_MINIMUM and n_jamais >= TEMOINS_MINIMUM
    if inference == "bootstrap" or (inference == "auto" and assez):
        return "bootstrap", None
    if inference != "permutation" and n_jamais == 0:
        return "aucune", ("aucun site n'est jamais équipé : après le début de la dernière cohorte, il ne reste "
                          "aucun témoin, si bien que l'effet de cette cohorte n'est pas mesuré et que l'on ne "
                          "peut pas mesurer le hasard de l'effet global")
    long = n_avant >= PERIODES_AVANT_MINIMUM and n_apres >= PERIODES_APRES_MINIMUM
    if inference == "temporelle" or (inference == "auto" and total < PLACEBOS_MINIMUM + 1 and long):
        return "temporelle", None
    if total < PLACEBOS_MINIMUM + 1:
        return "aucune", (f"il n'y a que {total} façons de répartir les dates d'équipement entre les sites "
                          f"(il en faut au moins {PLACEBOS_MINIMUM + 1} pour qu'un test par permutation puisse "
                          "descendre sous 5\u00a0%), trop peu de sites pour le bootstrap, et trop peu de périodes "
                          f"({n_avant} avant la première cohorte, {n_apres} depuis la dernière) pour s'appuyer "
                          f"sur la durée (il en faudrait au moins {PERIODES_AVANT_MINIMUM} avant et "
                          f"{PERIODES_APRES_MINIMUM} après, par exemple des mesures hebdomadaires)")
    return "permutation", None


def _filtre_ar1(X: np.ndarray, r: float) -> np.ndarray:
    """X R(ρ) ligne par ligne, R(ρ) = (ρ^|s−t|) sur des colonnes consécutives (filtres récursifs avant
    et arrière, comme :func:`~.doubles_differences._quad_ar1`)."""
    avant = signal.lfilter([0.0, r], [1.0, -r], X, axis=-1)
    arriere = signal.lfilter([0.0, r], [1.0, -r], X[..., ::-1], axis=-1)[..., ::-1]
    return X + avant + arriere


def _bruit_ar1_par_site(Y: np.ndarray, G: np.ndarray):
    """σ_i² de chaque site et ρ commun d'un bruit AR(1), estimés sur les observations non équipées
    par la méthode des moments **exacte** : les résidus e = M y (M : projection qui retire effets site
    et période sur ces seules observations) ont, sous le modèle, E[e_i'e_i] = Σ_j σ_j² tr(S_i M R_j M)
    et E[Σ_t e_it e_i,t−1] = Σ_j σ_j² tr(L_i M R_j M) ; σ²(ρ) résout le premier système, ρ égale le
    second à sa valeur observée (méthode de Brent). C'est la correction de biais de l'AR(1) sur séries
    courtes, et celle de la variance quand peu de sites restent non équipés (un seul témoin après le
    début de la dernière cohorte : ses résidus y sont nuls, et l'ancienne correction le sous-estimait).
    Renvoie σ², ρ, les ddl de chaque σ_i² (Satterthwaite de sa forme quadratique, tr(A)²/‖A‖²) et le
    nombre d'observations non équipées."""
    n, T = Y.shape
    U = ~((G[:, None] > 0) & (np.arange(T)[None, :] >= G[:, None]))
    lignes, cols = np.nonzero(U)  # site par site, périodes croissantes (consécutives : 0 à g − 1)
    # Effets site et période (la première période sert de référence) : M = I − QQ', Q base orthonormée.
    X = np.column_stack([lignes[:, None] == np.arange(n)[None, :],
                         cols[:, None] == np.unique(cols)[None, 1:]]).astype(float)
    Q = np.linalg.qr(X)[0]
    M = np.eye(len(lignes)) - Q @ Q.T
    e = M @ Y[lignes, cols]
    b = np.searchsorted(lignes, np.arange(n + 1))
    par_site = b[:-1]
    suivants = np.diff(lignes) == 0  # paires (t − 1, t) d'un même site
    s0 = np.add.reduceat(e * e, par_site)
    s1 = np.add.reduceat(np.append(e[:-1] * e[1:] * suivants, 0.0), par_site)

    # E[e'A e] = Σ_j σ_j² Σ_h ρ^|h| c_j(h) : les sommes c_j(h) des produits M[a, s] M[a', s + h] (a, a'
    # du même site, a' = a pour e_i'e_i, a' = a + 1 pour Σ e_t e_t−1) ne dépendent pas de ρ ; par FFT.
    L = 2 * T
    auto, croise = np.empty((n, n, L)), np.empty((n, n, L))
    for k in range(n):
        F = np.fft.rfft(M[:, b[k]:b[k + 1]], L, axis=1)
        auto[:, k] = np.add.reduceat(np.fft.irfft(np.conj(F) * F, L, axis=1), par_site, axis=0)
        c = np.fft.irfft(np.conj(F[:-1]) * F[1:], L, axis=1) * suivants[:, None]
        croise[:, k] = np.add.reduceat(np.vstack([c, np.zeros((1, L))]), par_site, axis=0)
    h = np.arange(L)
    decalage = np.minimum(h, L - h)

    def esperances(r):
        poids = np.where(decalage < T, r ** decalage.astype(float), 0.0)
        return auto @ poids, croise @ poids

    def sigma2(r):
        C0, C1 = esperances(r)
        s2 = np.maximum(np.linalg.lstsq(C0, s0, rcond=None)[0], 1e-12 * max(float(s0.max()), 1e-300))
        return s2, float((C1 @ s2).sum() - s1.sum())

    bas, haut = -0.9, 0.97
    f_bas, f_haut = sigma2(bas)[1], sigma2(haut)[1]
    if f_bas >= 0:
        rho = bas
    elif f_haut <= 0:
        rho = haut
    else:
        rho = float(optimize.brentq(lambda r: sigma2(r)[1], bas, haut, xtol=1e-3))
    s2 = sigma2(rho)[0]
    ddl = np.empty(n)
    for i in range(n):
        Mi = M[b[i]:b[i + 1], b[i]:b[i + 1]]
        A = _filtre_ar1(Mi, rho) @ Mi
        ddl[i] = np.trace(A) ** 2 / max(float((A * A).sum()), 1e-300)
    return s2, rho, np.maximum(ddl, 1.0), U.sum()


def phrase_non_calculable(raison: str) -> str:
    """La remarque d'une incertitude non calculable, avec sa raison (``options["raison_inference"]``)."""
    return (f"Incertitude non calculable : {raison}. L'effet estimé est donné pour information, il ne peut pas "
            "être tenu pour établi.")


def _variance_temporelle(Y: np.ndarray, G: np.ndarray, A: np.ndarray, tk, bk, V: np.ndarray):
    """Écarts types et ddl des moyennes de cellules de poids ``V`` (cellules × agrégats) sous un bruit
    AR(1) propre à chaque site (écart type σ_i, même ρ), indépendant d'un site à l'autre ; les chocs
    communs et les niveaux des sites s'annulent (chaque ATT(g,t) est une différence de différences).

    ``A`` (sites × cellules) : poids de chaque site dans chaque ATT(g,t) (1/n₁ équipés, −1/n₀ témoins),
    appliqués à Y_t − Y_b. σ_i et ρ : :func:`_bruit_ar1_par_site` (moments exacts sur les observations
    non équipées). L'estimateur étant linéaire, sa variance est Σ_i σ_i² w_i' R(ρ) w_i. ddl :
    Welch-Satterthwaite sur les sites, plus l'incertitude de ρ̂ (méthode delta)."""
    n, T = Y.shape
    s2, rho, ddl_i, n_obs = _bruit_ar1_par_site(Y, G)
    D = np.zeros((len(tk), T))
    D[np.arange(len(tk)), tk] += 1.0
    D[np.arange(len(tk)), bk] -= 1.0
    h = 0.01
    paquet = max(1, 2_000_000 // (n * T))
    v = {r: [] for r in (rho - h, rho, rho + h)}
    for j0 in range(0, V.shape[1], paquet):
        # Poids de chaque site × période dans chaque agrégat (agrégats × sites × périodes), puis
        # w' R(ρ) w = Σ w² + 2 Σ w_t Σ_{s<t} ρ^(t−s) w_s (filtre récursif, comme _quad_ar1).
        W = np.einsum("ik,kj,kt->jit", A, V[:, j0:j0 + paquet], D, optimize=True)
        for r in v:
            filtre = signal.lfilter([0.0, r], [1.0, -r], W, axis=2)
            v[r].append(s2[None, :] * ((W * W).sum(axis=2) + 2 * (W * filtre).sum(axis=2)))
    vb, v0, vh = (np.vstack(v[r]) for r in (rho - h, rho, rho + h))
    total = v0.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        dlog = (np.log(vh.sum(axis=1)) - np.log(vb.sum(axis=1))) / (2 * h)
        var_log = 2 * (v0 ** 2 / ddl_i[None, :]).sum(axis=1) / total ** 2 + dlog ** 2 * (1 - rho ** 2) / n_obs
        ok = total > 0
        return np.where(ok, np.sqrt(np.maximum(total, 0)), np.nan), np.where(ok, 2 / var_log, np.nan), rho


def _phrase_permutation(cohortes: dict, n_jamais: int, n_sites: int, A: int, total: int, p: float) -> str:
    tailles = sorted(set(cohortes.values()))
    taille = (compte(tailles[0], "site") if len(tailles) == 1 else
              f"{tailles[0]} à {compte(tailles[-1], 'site')}")
    tirage = (f"les {A - 1} autres répartitions possibles" if A == total else
              f"{A - 1} répartitions tirées au hasard parmi {total:,}".replace(",", " "))
    return (
        f"Incertitude par permutation des dates d'équipement : avec des cohortes de {taille} et "
        f"{compte(n_jamais, 'site jamais équipé', 'sites jamais équipés')}, le bootstrap par site, approximation "
        f"pour beaucoup de sites, n'est pas garanti. Les dates d'équipement ont été réparties autrement entre les {n_sites} sites, en gardant "
        f"la taille de chaque cohorte ({tirage}), et l'effet ré-estimé à chaque fois : la p-valeur est le rang "
        f"de l'effet réel parmi ces faux effets (p = {nombre(p, 3)} ; la plus petite possible est 1/{A}), "
        "l'intervalle l'ensemble des effets constants que ce test ne rejette pas. Cela suppose que l'ordre "
        "d'équipement ne dépend pas de l'état des sites, comme s'il avait été tiré au sort.")


def dd_echelonnees(donnees: pd.DataFrame, *, colonne_site: str = "site", colonne_temps: str = "periode",
                   colonne_valeur: str = "valeur", colonne_debut: str = "debut",
                   temoins: str = "pas_encore", base: str = "variable", inference: str = "auto",
                   poids: str = "rademacher", n_bootstrap: int = 999, petits_echantillons: bool = True,
                   n_permutations: int = PERMUTATIONS_MAXIMUM, graine: int = 20210101,
                   niveau: float = config.NIVEAU_CONFIANCE) -> EstimationEchelonnee:
    """Callaway et Sant'Anna sans covariables sur un panel équilibré au format long.

    ``colonne_debut`` : première période équipée du site (une valeur de ``colonne_temps``), vide
    (NaN) pour un site jamais équipé. ``temoins`` : ``"pas_encore"`` ou ``"jamais"`` ;
    ``base`` : ``"variable"`` ou ``"universelle"`` ; ``poids`` : ``"rademacher"`` ou ``"mammen"``.
    ``inference`` : ``"auto"`` (bootstrap multiplicateur à partir de 10 sites par cohorte et 10 jamais
    équipés, sinon permutation des dates d'équipement, sinon aucune incertitude), ``"bootstrap"`` ou
    ``"permutation"`` ; le chemin suivi est dans ``options["inference"]`` et dit dans ``remarques``.
    ``petits_echantillons`` : correction n_g/(n_g − 1) de la variance de chaque moyenne de groupe et
    loi de Student à ddl de Welch pour les intervalles du bootstrap (``False`` : comme ``csdid``).
    """
    if temoins not in TEMOINS:
        raise ValueError(f"temoins inconnu : {temoins!r} (attendu : {', '.join(TEMOINS)})")
    if base not in BASES:
        raise ValueError(f"base inconnue : {base!r} (attendu : {', '.join(BASES)})")
    if inference not in INFERENCES:
        raise ValueError(f"inference inconnue : {inference!r} (attendu : {', '.join(INFERENCES)})")
    Y, G, periodes, remarques = _panel(donnees, colonne_site, colonne_temps, colonne_valeur, colonne_debut)
    n, T = Y.shape
    if T < 2:
        raise ValueError("Il faut au moins deux périodes.")
    if not (G > 0).any():
        raise ValueError("Aucun site équipé après la première période : rien à estimer.")
    n_jamais = int((G < 0).sum())
    if temoins == "jamais" and n_jamais == 0:
        raise ValueError("Aucun site jamais équipé : choisir temoins=\"pas_encore\".")
    cellules = _cellules(G, T, base)
    K = len(cellules)
    gk, tk, bk = (np.array([c[j] for c in cellules]) for j in range(3))
    # Les comparaisons 2 × 2 de toutes les cellules à la fois (sites × cellules).
    equipes = G[:, None] == gk[None, :]
    temoins_k = (G < 0)[:, None] | ((G[:, None] > np.maximum(tk, bk)[None, :]) & ~equipes)
    if temoins == "jamais":
        temoins_k = np.repeat((G < 0)[:, None], K, axis=1)
    n_coh, n_tem = equipes.sum(axis=0), temoins_k.sum(axis=0)
    dy = Y[:, tk] - Y[:, bk]
    with np.errstate(invalid="ignore", divide="ignore"):
        m1 = (dy * equipes).sum(axis=0) / n_coh
        m0 = (dy * temoins_k).sum(axis=0) / n_tem

    def correction(m: np.ndarray) -> np.ndarray:
        # Variance d'une moyenne de m sites : Σ(x − x̄)²/(m − 1) au lieu de /m.
        return np.sqrt(m / np.maximum(m - 1, 1)) if petits_echantillons else np.ones(len(m))

    att = np.where(tk == bk, 0.0, np.where(n_tem > 0, m1 - m0, np.nan))
    actives = (tk != bk) & (n_tem > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        Psi = (equipes * (dy - m1) * (n / n_coh * correction(n_coh))
               - temoins_k * (dy - m0) * (n / np.maximum(n_tem, 1) * correction(n_tem)))
    Psi = np.where(actives[None, :], Psi, 0.0)
    sans_temoins = int(((tk != bk) & (n_tem == 0)).sum())
    if sans_temoins:
        remarques.append(f"{compte(sans_temoins, 'cellule')} cohorte × période sans aucun site témoin, "
                         f"{accord(sans_temoins, 'laissée', 'laissées')} de côté.")
    valides = np.isfinite(att)
    if not (valides & (tk >= gk)).any():
        raise ValueError("Aucune période équipée n'a de site témoin : il faut des sites jamais équipés "
                         "ou équipés plus tard.")
    pg = np.zeros(T)
    for g in set(gk.tolist()):
        pg[g] = float((G == g).mean())

    # Effet global (ATT(g,t) des périodes équipées, pondérés par la taille des cohortes) et étude
    # d'événement (une moyenne pondérée par durée d'exposition).
    durees = sorted(set((tk - gk)[valides].tolist()))
    choix_evt = valides[:, None] & ((tk - gk)[:, None] == np.array(durees)[None, :])
    W_evt, att_evt, psi_evt = _agreger(Psi, att, G, gk, choix_evt, pg)
    w_glob, effet, psi_global = _agreger(Psi, att, G, gk, valides & (tk >= gk), pg)
    w_glob, effet, psi_global = w_glob[:, 0], float(effet[0]), psi_global[:, 0]
    apres = np.array(durees) >= 0
    effet_evt = float(att_evt[apres].mean())
    psi_evt_global = psi_evt[:, apres].mean(axis=1)

    cohortes = {periodes[g]: int((G == g).sum()) for g in sorted(set(G[G > 0].tolist()))}
    total = nombre_affectations_dates(list(cohortes.values()) + [n_jamais])
    debuts_cohortes = sorted(set(G[G > 0].tolist()))
    regime, raison = _choisir_inference(inference, cohortes, n_jamais, total, debuts_cohortes[0],
                                        T - debuts_cohortes[-1])
    options = {"inference": regime, "raison_inference": raison, "poids": poids,
               "n_bootstrap": int(n_bootstrap), "petits_echantillons": bool(petits_echantillons),
               "graine": int(graine), "niveau": float(niveau), "n_affectations_possibles": int(total)}

    # Bootstrap : trois tirages à la même graine (cellules, étude d'événement, effets globaux) ; sans
    # lui, les écarts types analytiques (racine de la moyenne des carrés des fonctions d'influence).
    def bootstrap(psi):
        if regime == "bootstrap":
            return _bootstrap(psi, poids, n_bootstrap, graine, niveau)
        return np.sqrt((psi ** 2).sum(axis=0)) / n, float("nan")

    se_gt, c_gt = bootstrap(Psi[:, valides])
    se_evt, c_evt = bootstrap(psi_evt)
    se_glob, _ = bootstrap(np.column_stack([psi_global, psi_evt_global]))
    if petits_echantillons:
        ddl_gt, ddl_evt = _ddl_welch(Psi[:, valides], G), _ddl_welch(psi_evt, G)
        ddl_glob = _ddl_welch(np.column_stack([psi_global, psi_evt_global]), G)
    else:
        ddl_gt, ddl_evt, ddl_glob = np.inf, np.inf, np.array([np.inf, np.inf])
    options.update(valeur_critique_att_gt=c_gt, valeur_critique_evenement=c_evt,
                   erreur_type_influence=float(se_glob[0]), ddl=float(ddl_glob[0]),
                   erreur_type_analytique=float(np.sqrt(psi_global @ psi_global) / n))
    se_toutes = np.full(K, np.nan)
    se_toutes[valides] = se_gt
    ddl_toutes = np.full(K, np.inf)
    ddl_toutes[valides] = ddl_gt
    tab_gt = _tableau(att, se_toutes, c_gt, niveau, ddl_toutes)
    tab_evt = _tableau(att_evt, se_evt, c_evt, niveau, ddl_evt)
    se = float(se_glob[0])
    q = float(special.stdtrit(ddl_glob[0], 0.5 + niveau / 2))
    intervalle = (effet - q * se, effet + q * se)
    p = float(2 * special.stdtr(ddl_glob[0], -(abs(effet) / se))) if np.isfinite(se) and se > 0 else float("nan")
    se_evt_global = float(se_glob[1])
    p_evt = np.full(len(durees), np.nan)
    if regime == "bootstrap":
        with np.errstate(divide="ignore", invalid="ignore"):
            p_evt = 2 * special.stdtr(ddl_evt, -(np.abs(att_evt) / se_evt))
    credible = regime == "bootstrap" and min(cohortes.values()) >= SITES_PAR_COHORTE_MINIMUM \
        and n_jamais >= TEMOINS_MINIMUM
    if regime == "bootstrap" and not credible:
        options["raison_inference"] = (
            f"la plus petite cohorte compte {compte(min(cohortes.values()), 'site')} et "
            f"{compte(n_jamais, 'site témoin', 'sites témoins')} "
            f"{accord(n_jamais, 'reste', 'restent')} pour la dernière ; le bootstrap par site est une "
            f"approximation qui demande au moins {SITES_PAR_COHORTE_MINIMUM} sites par cohorte et "
            f"{TEMOINS_MINIMUM} témoins : en dessous, son incertitude n'est pas garantie (elle est bien trop "
            "petite avec des cohortes d'un seul site, dont la variabilité n'est pas mesurée)")
        remarques.append(f"Incertitude fragile : {options['raison_inference']}.")

    if regime == "permutation":
        GA, _ = _affectations_dates(G, n_permutations, graine)
        A = len(GA)
        equipe = (G[:, None] > 0) & (np.arange(T)[None, :] >= G[:, None])
        w_evt_glob = W_evt[:, apres].mean(axis=1)
        # Agrégation par durée sans produit matriciel (chaque cellule n'a qu'une durée) : sommes par
        # tranches des cellules triées par durée.
        ordre = np.argsort(tk - gk, kind="stable")
        dans = np.isin((tk - gk)[ordre], durees)
        ordre = ordre[dans]
        debuts_tranches = np.searchsorted((tk - gk)[ordre], durees)
        poids_cellules = W_evt[ordre].sum(axis=1)

        def par_duree(X):
            return np.add.reduceat(X[:, ordre] * poids_cellules[None, :], debuts_tranches, axis=1)

        att_y = np.nan_to_num(_att_affectations(Y, GA, cellules, temoins))
        att_d = np.nan_to_num(_att_affectations(equipe.astype(float), GA, cellules, temoins))
        # Effet global et moyenne des durées : test de Fisher et son inversion sous un effet constant.
        glob = _inference_fisher(att_y @ w_glob, att_d @ w_glob, niveau, 1, n_jamais, total)
        glob_evt = _inference_fisher(att_y @ w_evt_glob, att_d @ w_evt_glob, niveau, 1, n_jamais, total)
        # Cellules et durées : faux effets sur les données dont on a retiré l'effet global estimé aux
        # sites vraiment équipés, pendant leurs périodes équipées (retirer l'effet estimé à chaque
        # durée retirerait aussi le bruit des cohortes d'un seul site, et les intervalles seraient trop
        # étroits : couverture de 87 % au lieu de 92 % sur 3 sites équipés à 3 dates et 3 témoins).
        # (Les ATT(g,t) sont linéaires en les données : ceux de Y − effet × D sont att_y − effet × att_d.)
        att_r = att_y - effet * att_d
        tab_gt = _tableau_permutation(att, att_r[1:], niveau)
        tab_evt = _tableau_permutation(att_evt, par_duree(att_r)[1:], niveau)
        evt_y = par_duree(att_y)
        echelle = np.max(np.abs(evt_y), axis=0) + 1e-300
        p_evt = (np.abs(evt_y) >= np.abs(evt_y[0]) - 1e-10 * echelle).mean(axis=0)
        se, p, intervalle = glob.se, glob.p, (glob.bas, glob.haut)
        se_evt_global = glob_evt.se
        credible = glob.raison_indeterminee is None
        options.update(n_permutations=A - 1, p_valeur_minimale=1 / A, dispersion_placebos=glob.se,
                       effets_placebo=glob.details["effets_placebo"])
        remarques.append(_phrase_permutation(cohortes, n_jamais, n, A, total, p))
        if 1 / A > 0.01:
            remarques.append(
                f"Avec {A} répartitions seulement, la p-valeur ne peut pas descendre sous {nombre(1 / A, 3)} : "
                "même un effet net ne peut pas être établi plus fortement.")
        if min(cohortes.values()) == 1:
            remarques.append(
                "Avec des cohortes d'un seul site, les intervalles de la courbe par durée d'équipement et par "
                "cohorte sont un peu trop étroits (ils couvrent la vérité environ 90 fois sur 100 au lieu de "
                "95 en simulation) : à lire comme indicatifs ; celui de l'effet global tient (94 sur 100).")
        if not credible:
            raison = glob.raison_indeterminee
            options["raison_inference"] = raison
    if regime == "temporelle":
        A_sites = np.where(actives[None, :], equipes / np.maximum(n_coh, 1) - temoins_k / np.maximum(n_tem, 1), 0.0)
        w_evt_glob = W_evt[:, apres].mean(axis=1)
        V = np.column_stack([w_glob, w_evt_glob, W_evt, np.eye(K)[:, valides]])
        se_t, ddl_t, rho = _variance_temporelle(Y, G, A_sites, tk, bk, V)
        E = len(durees)
        se, se_evt_global, ddl_g = float(se_t[0]), float(se_t[1]), float(ddl_t[0])
        q = float(special.stdtrit(ddl_g, 0.5 + niveau / 2))
        intervalle = (effet - q * se, effet + q * se)
        p = float(2 * special.stdtr(ddl_g, -(abs(effet) / se))) if se > 0 else float("nan")
        nan_k, nan_e = np.full(K, np.nan), np.full(E, np.nan)
        se_cel, ddl_cel = nan_k.copy(), nan_k.copy()
        se_cel[valides], ddl_cel[valides] = se_t[2 + E:], ddl_t[2 + E:]
        tab_gt = _tableau(att, se_cel, float("nan"), niveau, np.nan_to_num(ddl_cel, nan=1.0))
        tab_evt = _tableau(att_evt, se_t[2:2 + E], float("nan"), niveau, ddl_t[2:2 + E])
        with np.errstate(divide="ignore", invalid="ignore"):
            p_evt = 2 * special.stdtr(ddl_t[2:2 + E], -(np.abs(att_evt) / se_t[2:2 + E]))
        credible = bool(np.isfinite(se) and se > 0)
        if not credible:
            raison = "les écarts entre sites équipés et témoins ne varient pas d'une période à l'autre"
            options["raison_inference"] = raison
        options.update(rho_ar1=rho, ddl=ddl_g)
        remarques.append(
            f"Incertitude par la durée : avec {compte(n, 'site')} et seulement {total} façons de répartir les dates "
            "d'équipement, ni le bootstrap par site ni la permutation des dates ne peuvent mesurer le hasard "
            "d'un site à l'autre. C'est la durée qui le porte : le bruit de chaque site est modélisé comme une "
            f"fluctuation passagère (AR(1), ρ = {nombre(rho, 2)}) estimée sur ses périodes non équipées, effets "
            "des sites et des périodes retirés, et l'incertitude en découle (loi de Student, "
            f"{nombre(ddl_g, 0)} degrés de liberté). Cela suppose que, hors équipement, chaque site ne s'écarte "
            "des autres que par de telles fluctuations, de même ampleur avant et après son équipement ; les "
            "bandes simultanées ne sont pas calculées.")
    nan = float("nan")
    if not credible and regime != "bootstrap":
        se, p, intervalle, se_evt_global = nan, nan, (nan, nan), nan
        for tab in (tab_gt, tab_evt):
            for col in ("erreur_type", "bas", "haut", "bas_simultane", "haut_simultane"):
                tab[col] = np.full(len(tab["att"]), nan)
        p_evt = np.full(len(durees), nan)
        remarques.append(phrase_non_calculable(raison))

    att_gt = pd.DataFrame({
        "cohorte": [periodes[g] for g in gk], "periode": [periodes[t] for t in tk], "duree": tk - gk,
        "apres": tk >= gk, "base": [periodes[c[2]] for c in cellules],
        **tab_gt, "n_cohorte": n_coh, "n_temoins": n_tem,
    })
    evenement = pd.DataFrame({
        "duree": durees, **tab_evt, "p_valeur": p_evt,
        "n_cohortes": [len(set(gk[c].tolist())) for c in choix_evt.T],
    })
    return EstimationEchelonnee(
        att_gt=att_gt, effet=effet, erreur_type=float(se), intervalle=(float(intervalle[0]), float(intervalle[1])),
        p_valeur=float(p), evenement=evenement, effet_evenement=effet_evt, erreur_type_evenement=float(se_evt_global),
        cohortes=cohortes, n_jamais=n_jamais, n_sites=n, temoins=temoins, base=base,
        inference_credible=bool(credible), remarques=remarques, options=options)
