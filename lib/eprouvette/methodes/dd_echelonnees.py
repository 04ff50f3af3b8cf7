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

**Incertitude** : fonctions d'influence par site (la part due à l'estimation des poids de cohorte
comprise), bootstrap multiplicateur par site (poids de Rademacher ou de Mammen, graine fixée),
écart type = écart interquartile des tirages / 1,349 ; bandes simultanées (valeur critique = quantile
du maximum des |t| sur toutes les cellules). C'est une approximation **asymptotique** : chaque site
n'intervient que par son propre écart à la moyenne de sa cohorte, si bien qu'une cohorte de 2 ou 3
sites donne une incertitude bien trop petite. Voir ``SITES_PAR_COHORTE_MINIMUM`` et
``TEMOINS_MINIMUM`` (mesurés par ``tests/test_dd_echelonnees.py`` et docs/methodes.md).

Vérifié contre ``csdid`` 0.4.3 (port Python du paquet R ``did``) sur un panel simulé :
``tests/references/echelonne_*.csv``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .. import config
from ..francais import accord, compte

__all__ = ["EstimationEchelonnee", "dd_echelonnees", "poids_multiplicateurs", "TEMOINS", "BASES",
           "SITES_PAR_COHORTE_MINIMUM", "TEMOINS_MINIMUM"]

#: Groupes témoins possibles : sites pas encore équipés (jamais équipés compris) ou jamais équipés.
TEMOINS = ("pas_encore", "jamais")
#: Périodes de base possibles (voir la documentation du module).
BASES = ("variable", "universelle")
#: En dessous, dans la plus petite cohorte, le bootstrap multiplicateur sous-estime l'incertitude.
SITES_PAR_COHORTE_MINIMUM = 10
#: Sites témoins (jamais équipés, ou pas encore équipés au début de la dernière cohorte) nécessaires.
TEMOINS_MINIMUM = 10


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
    #: haut_simultane, n_cohortes.
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
    #: La plus petite cohorte et les témoins sont-ils assez nombreux pour le bootstrap ?
    inference_credible: bool
    #: Phrases en français : sites écartés, cellules sans témoins, inférence fragile.
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
    d = donnees[[site, temps, valeur, debut]]
    if d[[site, temps, valeur]].isna().any().any():
        raise ValueError("Le panel a des valeurs manquantes (site, période ou valeur) : un panel complet est nécessaire.")
    if d.duplicated([site, temps]).any():
        raise ValueError("Le panel a plusieurs valeurs pour un même site et une même période.")
    Y = d.pivot(index=site, columns=temps, values=valeur).sort_index(axis=1)
    if Y.isna().any().any():
        raise ValueError("Le panel n'est pas équilibré : chaque site doit être mesuré à chaque période.")
    debuts = d.groupby(site, sort=False)[debut].agg(lambda s: set(s.dropna()))
    incoherents = [str(s) for s, v in debuts.items() if len(v) > 1]
    if incoherents:
        raise ValueError(f"La première période équipée change d'une ligne à l'autre pour : {', '.join(incoherents[:5])}.")
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
    """Moyenne des ``att[choisies]`` pondérée par la taille des cohortes, et sa fonction
    d'influence (part due à l'estimation des poids comprise, comme ``did``)."""
    k = np.flatnonzero(choisies)
    pk = pg[cohortes_cellules[k]]
    total = pk.sum()
    w = pk / total
    effet = float(w @ att[k])
    indic = (G[:, None] == cohortes_cellules[k][None, :]).astype(float) - pk[None, :]
    wif = indic / total - indic.sum(axis=1, keepdims=True) * (pk / total ** 2)[None, :]
    return effet, Psi[:, k] @ w + wif @ att[k]


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


def _tableau(att, se, critique, niveau):
    z = stats.norm.ppf(0.5 + niveau / 2)
    return {"att": att, "erreur_type": se, "bas": att - z * se, "haut": att + z * se,
            "bas_simultane": att - critique * se, "haut_simultane": att + critique * se}


def dd_echelonnees(donnees: pd.DataFrame, *, colonne_site: str = "site", colonne_temps: str = "periode",
                   colonne_valeur: str = "valeur", colonne_debut: str = "debut",
                   temoins: str = "pas_encore", base: str = "variable", poids: str = "rademacher",
                   n_bootstrap: int = 999, graine: int = 20210101,
                   niveau: float = config.NIVEAU_CONFIANCE) -> EstimationEchelonnee:
    """Callaway et Sant'Anna sans covariables sur un panel équilibré au format long.

    ``colonne_debut`` : première période équipée du site (une valeur de ``colonne_temps``), vide
    (NaN) pour un site jamais équipé. ``temoins`` : ``"pas_encore"`` ou ``"jamais"`` ;
    ``base`` : ``"variable"`` ou ``"universelle"`` ; ``poids`` : ``"rademacher"`` ou ``"mammen"``.
    """
    if temoins not in TEMOINS:
        raise ValueError(f"temoins inconnu : {temoins!r} (attendu : {', '.join(TEMOINS)})")
    if base not in BASES:
        raise ValueError(f"base inconnue : {base!r} (attendu : {', '.join(BASES)})")
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
    att = np.full(K, np.nan)
    Psi = np.zeros((n, K))
    n_coh, n_tem = np.zeros(K, int), np.zeros(K, int)
    sans_temoins = []
    for k, (g, t, b) in enumerate(cellules):
        equipes = G == g
        if temoins == "jamais":
            temoins_k = G < 0
        else:
            temoins_k = (G < 0) | ((G > max(t, b)) & ~equipes)
        n_coh[k], n_tem[k] = int(equipes.sum()), int(temoins_k.sum())
        if t == b:
            att[k] = 0.0
            continue
        if n_tem[k] == 0:
            sans_temoins.append((periodes[g], periodes[t]))
            continue
        dy = Y[:, t] - Y[:, b]
        m1, m0 = dy[equipes].mean(), dy[temoins_k].mean()
        att[k] = m1 - m0
        Psi[equipes, k] = (dy[equipes] - m1) * n / n_coh[k]
        Psi[temoins_k, k] = -(dy[temoins_k] - m0) * n / n_tem[k]
    if sans_temoins:
        n = len(sans_temoins)
        remarques.append(f"{compte(n, 'cellule')} cohorte × période sans aucun site témoin, "
                         f"{accord(n, 'laissée', 'laissées')} de côté.")
    valides = np.isfinite(att)
    gk = np.array([c[0] for c in cellules])
    tk = np.array([c[1] for c in cellules])
    if not (valides & (tk >= gk)).any():
        raise ValueError("Aucune période équipée n'a de site témoin : il faut des sites jamais équipés "
                         "ou équipés plus tard.")
    pg = np.zeros(T)
    for g in set(gk.tolist()):
        pg[g] = float((G == g).mean())

    # Effet global : ATT(g,t) des périodes équipées, pondérés par la taille des cohortes.
    effet, psi_global = _agreger(Psi, att, G, gk, valides & (tk >= gk), pg)
    # Étude d'événement : une moyenne pondérée par durée d'exposition.
    durees = sorted(set((tk - gk)[valides].tolist()))
    evts = [_agreger(Psi, att, G, gk, valides & (tk - gk == e), pg) for e in durees]
    psi_evt = np.column_stack([p for _, p in evts])
    att_evt = np.array([a for a, _ in evts])
    apres = np.array(durees) >= 0
    effet_evt = float(att_evt[apres].mean())
    psi_evt_global = psi_evt[:, apres].mean(axis=1)

    # Bootstrap : trois tirages à la même graine (cellules, étude d'événement, effets globaux).
    options = {"poids": poids, "n_bootstrap": int(n_bootstrap), "graine": int(graine), "niveau": float(niveau)}
    se_gt, c_gt = _bootstrap(Psi[:, valides], poids, n_bootstrap, graine, niveau)
    se_evt, c_evt = _bootstrap(psi_evt, poids, n_bootstrap, graine, niveau)
    se_glob, _ = _bootstrap(np.column_stack([psi_global, psi_evt_global]), poids, n_bootstrap, graine, niveau)
    options.update(valeur_critique_att_gt=c_gt, valeur_critique_evenement=c_evt,
                   erreur_type_analytique=float(np.sqrt(psi_global @ psi_global) / n))
    se_toutes = np.full(K, np.nan)
    se_toutes[valides] = se_gt

    att_gt = pd.DataFrame({
        "cohorte": [periodes[g] for g in gk], "periode": [periodes[t] for t in tk], "duree": tk - gk,
        "apres": tk >= gk, "base": [periodes[c[2]] for c in cellules],
        **_tableau(att, se_toutes, c_gt, niveau), "n_cohorte": n_coh, "n_temoins": n_tem,
    })
    evenement = pd.DataFrame({
        "duree": durees, **_tableau(att_evt, se_evt, c_evt, niveau),
        "n_cohortes": [int(len(set(gk[valides & (tk - gk == e)].tolist()))) for e in durees],
    })

    cohortes = {periodes[g]: int((G == g).sum()) for g in sorted(set(G[G > 0].tolist()))}
    # Après le début de la dernière cohorte, seuls les jamais équipés restent témoins.
    n_temoins_min = n_jamais
    credible = min(cohortes.values()) >= SITES_PAR_COHORTE_MINIMUM and n_temoins_min >= TEMOINS_MINIMUM
    if not credible:
        remarques.append(
            f"Incertitude fragile : la plus petite cohorte compte {compte(min(cohortes.values()), 'site')} et "
            f"{compte(n_temoins_min, 'site témoin', 'sites témoins')} "
            f"{accord(n_temoins_min, 'reste', 'restent')} pour la dernière ; le bootstrap par site demande "
            f"au moins {SITES_PAR_COHORTE_MINIMUM} sites par cohorte et {TEMOINS_MINIMUM} témoins, "
            "sinon il sous-estime l'incertitude.")
    z = stats.norm.ppf(0.5 + niveau / 2)
    se = float(se_glob[0])
    p = float(2 * stats.norm.sf(abs(effet) / se)) if np.isfinite(se) and se > 0 else float("nan")
    return EstimationEchelonnee(
        att_gt=att_gt, effet=effet, erreur_type=se, intervalle=(effet - z * se, effet + z * se), p_valeur=p,
        evenement=evenement, effet_evenement=effet_evt, erreur_type_evenement=float(se_glob[1]),
        cohortes=cohortes, n_jamais=n_jamais, n_sites=n, temoins=temoins, base=base,
        inference_credible=bool(credible), remarques=remarques, options=options)
