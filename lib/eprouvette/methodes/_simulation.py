"""Générateurs de données simulées (graine fixée) pour tester les méthodes.

Chaque générateur renvoie aussi le « vrai » effet planté, pour mesurer la couverture des
intervalles et le taux de fausses alarmes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import signal


def bruit_ar1(n: int, rho: float, sigma: float, rng: np.random.Generator, taille: int | None = None) -> np.ndarray:
    """Bruit AR(1) stationnaire d'écart-type marginal ``sigma`` ; forme (n,) ou (taille, n)."""
    forme = (n,) if taille is None else (taille, n)
    e = rng.standard_normal(forme) * sigma * np.sqrt(1 - rho**2)
    # x_0 tiré de la loi stationnaire, puis x_t = ρ x_{t−1} + e_t : un filtre récursif (mêmes opérations,
    # mêmes valeurs au bit près que la boucle sur t, bien plus rapide).
    e[..., 0] = rng.standard_normal(forme[:-1] or None) * sigma if taille else rng.standard_normal() * sigma
    return signal.lfilter([1.0], [1.0, -rho], e, axis=-1)


@dataclass
class SerieSimulee:
    donnees: pd.DataFrame  # colonnes date, valeur
    debut: pd.Timestamp
    effet_cumule: float  # vrai effet cumulé sur la période après


def simuler_serie(
    n_avant: int = 36,
    n_apres: int = 24,
    *,
    rho: float = 0.4,
    sigma: float = 3.0,
    effet_niveau: float = 0.0,
    effet_pente: float = 0.0,
    niveau_base: float = 100.0,
    tendance: float = 0.1,
    amplitude_saison: float = 5.0,
    graine: int = 0,
) -> SerieSimulee:
    """Série mensuelle : tendance + saisonnalité annuelle + bruit AR(1) + effet planté."""
    rng = np.random.default_rng(graine)
    n = n_avant + n_apres
    t = np.arange(1, n + 1)
    apres = t > n_avant
    k = np.where(apres, t - n_avant, 0)
    effet = np.where(apres, effet_niveau, 0.0) + effet_pente * k
    y = (
        niveau_base
        + tendance * t
        + amplitude_saison * np.sin(2 * np.pi * t / 12)
        + 0.5 * amplitude_saison * np.cos(4 * np.pi * t / 12)
        + effet
        + bruit_ar1(n, rho, sigma, rng)
    )
    dates = pd.date_range("2020-01-01", periods=n, freq="MS")
    return SerieSimulee(
        donnees=pd.DataFrame({"date": dates, "valeur": y}),
        debut=dates[n_avant],
        effet_cumule=float(effet.sum()),
    )


@dataclass
class SerieTroisPeriodes:
    donnees: pd.DataFrame  # colonnes date, valeur
    debut: pd.Timestamp
    debut_apres: pd.Timestamp
    effet_pendant: float  # vrai effet moyen par période pendant l'expérimentation
    effet_apres: float  # vrai effet moyen par période après


def simuler_trois_periodes(
    n_avant: int = 36,
    n_pendant: int = 24,
    n_apres: int = 24,
    *,
    effet_pendant: float = -10.0,
    effet_apres: float = -10.0,
    graine: int = 0,
    **options,
) -> SerieTroisPeriodes:
    """Série mensuelle avant / pendant / après de :func:`simuler_serie` (tendance, saisonnalité annuelle,
    bruit AR(1) ; ``options`` : les siennes), avec un effet de niveau constant dans chaque période
    (``effet_pendant`` puis ``effet_apres``)."""
    s = simuler_serie(n_avant, n_pendant + n_apres, effet_niveau=effet_pendant, graine=graine, **options)
    donnees = s.donnees.copy()
    donnees.loc[n_avant + n_pendant:, "valeur"] += effet_apres - effet_pendant
    dates = donnees["date"]
    return SerieTroisPeriodes(donnees, dates[n_avant], dates[n_avant + n_pendant], effet_pendant, effet_apres)


@dataclass
class PanelSimule:
    donnees: pd.DataFrame  # colonnes site, periode, traite, apres, actif, valeur
    effet: float  # vrai effet par site et par période
    debut: int


def simuler_panel(
    n_sites: int = 40,
    n_traites: int | None = None,
    n_periodes: int = 24,
    debut: int = 12,
    *,
    rho: float = 0.5,
    sigma: float = 2.0,
    effet: float = 0.0,
    sd_site: float = 5.0,
    amplitude_saison: float = 3.0,
    graine: int = 0,
) -> PanelSimule:
    """Panel de sites : effets fixes site et période, saisonnalité commune, bruit AR(1) par site."""
    rng = np.random.default_rng(graine)
    n_traites = n_sites // 2 if n_traites is None else n_traites
    sites = np.repeat(np.arange(n_sites), n_periodes)
    periodes = np.tile(np.arange(n_periodes), n_sites)
    traite = (sites < n_traites).astype(int)
    apres = (periodes >= debut).astype(int)
    a_site = rng.normal(50, sd_site, n_sites)
    choc_periode = rng.normal(0, 1.0, n_periodes) + amplitude_saison * np.sin(2 * np.pi * np.arange(n_periodes) / 12)
    bruit = bruit_ar1(n_periodes, rho, sigma, rng, taille=n_sites).ravel()
    y = a_site[sites] + choc_periode[periodes] + effet * traite * apres + bruit
    df = pd.DataFrame(
        {
            "site": [f"S{s:02d}" for s in sites],
            "periode": periodes,
            "traite": traite,
            "apres": apres,
            "actif": traite * apres,
            "valeur": y,
        }
    )
    return PanelSimule(donnees=df, effet=effet, debut=debut)


@dataclass
class PanelSynthetique:
    donnees: pd.DataFrame  # format large : une colonne par site, index = période
    traite: str
    debut: int
    effet_cumule: float


def simuler_controle_synthetique(
    n_temoins: int = 15,
    n_periodes: int = 40,
    debut: int = 30,
    *,
    effet: float = 0.0,
    sigma: float = 0.5,
    graine: int = 0,
) -> PanelSynthetique:
    """Panel à facteurs communs : le site traité est un mélange convexe de témoins (+ bruit)."""
    rng = np.random.default_rng(graine)
    f = np.cumsum(rng.normal(0, 1, (n_periodes, 3)), axis=0) + 10 * np.sin(
        2 * np.pi * np.arange(n_periodes)[:, None] / 12 + np.arange(3)
    )
    charges = rng.uniform(0.2, 1.5, (n_temoins, 3))
    temoins = 100 + f @ charges.T + rng.normal(0, sigma, (n_periodes, n_temoins))
    poids = rng.dirichlet(np.ones(4))
    choisis = rng.choice(n_temoins, 4, replace=False)
    traite = temoins[:, choisis] @ poids + rng.normal(0, sigma, n_periodes)
    apres = np.arange(n_periodes) >= debut
    traite = traite + effet * apres
    df = pd.DataFrame(temoins, columns=[f"T{j:02d}" for j in range(n_temoins)])
    df.insert(0, "pilote", traite)
    return PanelSynthetique(donnees=df, traite="pilote", debut=debut, effet_cumule=float(effet * apres.sum()))


@dataclass
class PanelEchelonne:
    donnees: pd.DataFrame  # format long : site, periode, valeur, debut (NaN : jamais équipé), actif
    #: Vrai effet global : moyenne des effets des cellules équipées, pondérée par la taille des cohortes.
    effet_global: float
    #: Vrai effet par durée d'exposition e = t − g (0 avant le début).
    effet_par_duree: dict


def simuler_panel_echelonne(
    cohortes: dict[int, int] | None = None,
    n_jamais: int = 15,
    n_periodes: int = 10,
    *,
    effet: float = 1.0,
    pente: float = 0.5,
    rho: float = 0.0,
    sigma: float = 1.5,
    sd_site: float = 4.0,
    graine: int = 0,
) -> PanelEchelonne:
    """Déploiement échelonné : ``cohortes`` {première période équipée (0 à n_periodes − 1) : nombre
    de sites}, ``n_jamais`` sites jamais équipés ; effets fixes site et période, bruit AR(1) par site ;
    effet ``effet + pente × e`` à la durée d'exposition e ≥ 0 (il croît avec le temps si ``pente`` > 0)."""
    cohortes = {3: 8, 5: 10, 7: 12} if cohortes is None else cohortes
    rng = np.random.default_rng(graine)
    debuts = np.concatenate([np.full(n, float(g)) for g, n in cohortes.items()] + [np.full(n_jamais, np.nan)])
    n_sites = len(debuts)
    t = np.arange(n_periodes)
    duree = t[None, :] - debuts[:, None]
    equipe = np.nan_to_num(duree, nan=-1.0) >= 0
    tau = np.where(equipe, effet + pente * np.nan_to_num(duree), 0.0)
    y = (rng.normal(20, sd_site, n_sites)[:, None] + np.cumsum(rng.normal(0, 1, n_periodes))[None, :]
         + bruit_ar1(n_periodes, rho, sigma, rng, taille=n_sites) + tau)
    df = pd.DataFrame({
        "site": np.repeat([f"S{i:02d}" for i in range(n_sites)], n_periodes),
        "periode": np.tile(t, n_sites),
        "valeur": y.ravel(),
        "debut": np.repeat(debuts, n_periodes),
        "actif": equipe.ravel().astype(int),
    })
    par_duree = {int(e): float(effet + pente * e) if e >= 0 else 0.0 for e in range(-n_periodes + 1, n_periodes)}
    return PanelEchelonne(donnees=df, effet_global=float(tau[equipe].mean()), effet_par_duree=par_duree)


def simuler_panel_facteurs(
    n_traites: int,
    n_temoins: int,
    n_avant: int,
    n_apres: int,
    *,
    structure: str = "facteurs",
    periodicite: int = 12,
    rho: float = 0.5,
    sigma: float = 1.0,
    effet: float = 0.0,
    graine: int = 0,
) -> np.ndarray:
    """Panel sites × périodes (témoins d'abord, sites équipés en dernier) où les doubles différences
    simples échouent : chaque site a son niveau, plus

    - ``structure="facteurs"`` : deux facteurs communs (une marche aléatoire et une saison de
      ``periodicite`` périodes) auxquels chaque site répond avec sa propre intensité ;
    - ``structure="tendances"`` : une tendance linéaire propre à chaque site (et une saison commune).

    Les sites équipés ont été choisis parmi ceux qui répondent le plus (intensités tirées dans la
    moitié haute de celles des témoins) : leur évolution diffère de la moyenne des témoins, mais un
    mélange de témoins la reproduit. Bruit AR(1) (``rho``, écart type marginal ``sigma``) par site ;
    ``effet`` ajouté aux sites équipés après le début.
    """
    rng = np.random.default_rng(graine)
    n, T = n_traites + n_temoins, n_avant + n_apres
    t = np.arange(T)
    niveaux = rng.normal(0.0, 5.0, n)
    intensites = np.r_[rng.uniform(0.0, 2.0, (n_temoins, 2)), rng.uniform(1.0, 2.0, (n_traites, 2))]
    saison = 2.0 * sigma * np.sin(2 * np.pi * t / periodicite)
    if structure == "facteurs":
        marche = np.cumsum(rng.normal(0.0, sigma, T))
        commun = intensites[:, :1] * marche[None, :] + intensites[:, 1:] * saison[None, :]
    elif structure == "tendances":
        commun = (intensites[:, :1] * (2.0 * sigma / T)) * t[None, :] * 4 + saison[None, :]
    else:
        raise ValueError(f"structure inconnue : {structure!r}")
    Y = niveaux[:, None] + commun + bruit_ar1(T, rho, sigma, rng, taille=n)
    Y[n_temoins:, n_avant:] += effet
    return Y


def mesurer_dd_synthetiques(
    n_traites: int,
    n_temoins: int,
    n_avant: int,
    n_apres: int,
    *,
    replications: int = 200,
    structure: str = "facteurs",
    effet: float = 2.0,
    graine: int = 0,
    **options,
) -> dict:
    """Taux de faux « significatif » (effet nul) et couverture à 95 % (effet ``effet`` planté) de
    l'intervalle des doubles différences synthétiques par placebos (:func:`~eprouvette.methodes.
    dd_synthetiques.intervalle_placebo`), et biais comparés aux doubles différences simples, sur
    ``replications`` panels de :func:`simuler_panel_facteurs` (graines ``graine``, ``graine + 1``…)."""
    from .dd_synthetiques import dd_synthetiques, intervalle_placebo

    faux, couvre, sdid, dd, ecarts = 0, 0, [], [], []
    for r in range(replications):
        for planté in (0.0, effet):
            Y = simuler_panel_facteurs(n_traites, n_temoins, n_avant, n_apres, structure=structure,
                                       effet=planté, graine=graine + r, **options)
            est = dd_synthetiques(Y, n_temoins, n_avant)
            bas, haut, se = intervalle_placebo(Y, est)
            if planté == 0.0:
                faux += bool(bas > 0 or haut < 0)
                sdid.append(est.effet)
                dd.append(dd_synthetiques(Y, n_temoins, n_avant, variante="doubles_differences").effet)
                ecarts.append(se)
            else:
                couvre += bool(bas <= planté <= haut)
    return {
        "replications": replications,
        "faux_significatif": faux / replications,
        "couverture": couvre / replications,
        "biais_dd_synthetiques": float(np.mean(sdid)),
        "biais_doubles_differences": float(np.mean(dd)),
        "ecart_type_reel": float(np.std(sdid, ddof=1)),
        "ecart_type_placebo_moyen": float(np.mean(ecarts)),
    }
