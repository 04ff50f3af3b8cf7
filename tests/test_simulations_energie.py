"""Simulations de la référence énergétique : couverture, faux positifs, choc commun, tendance.

Séries journalières simulées directement (numpy), sans passer par les fichiers d'un pilote :

- météo : cycle saisonnier (11 °C de moyenne, ±7,6 °C) et anomalies AR(1) (ρ = 0,8, 3 °C),
  amplitude TN-TX tirée entre 4 et 10 °C ;
- bâtiment i : ``attendu = base_i + pente_i × max(0, Tc_i - Tmoy)``, Tc_i autour de 15,5 °C ;
  bruit multiplicatif ``1 + AR(1) propre (ρ = 0,6) + AR(1) commun à tous les bâtiments (ρ = 0,7)`` ;
- effet vrai : part de la consommation attendue des bâtiments équipés pendant l'expérimentation ;
  choc commun : part de la consommation de tous les bâtiments à partir du début de
  l'expérimentation (consigne de sobriété) ; tendance : dérive linéaire (part par an) de la
  consommation des seuls bâtiments équipés, depuis le début de la référence.

La température d'équilibre est cherchée sur la grille (10 à 22 °C), sur les mêmes données.
"""

from __future__ import annotations

import functools
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import signal

from eprouvette.methodes.reference_energetique import evaluer_energie, reference_energetique

N_REPLICATIONS = 200


def _ar1(rng, n: int, rho: float, ecart_type: float) -> np.ndarray:
    """AR(1) stationnaire d'écart type donné."""
    e = rng.normal(0.0, ecart_type * np.sqrt(1 - rho**2), n)
    e[0] = rng.normal(0.0, ecart_type)
    return signal.lfilter([1.0], [1.0, -rho], e)


def simuler(graine: int, *, n_exp: int = 2, n_tem: int = 3, jours_ref: int = 365, jours_exp: int = 365,
            effet: float = 0.0, choc: float = 0.0, tendance: float = 0.0, ecart_type_site: float = 0.06,
            ecart_type_commun: float = 0.04, tc_dispersion: float = 0.5):
    """Un pilote simulé : mesures (format long), météo, périodes, effet vrai (kWh) sur l'expérimentation."""
    rng = np.random.default_rng(graine)
    n = jours_ref + jours_exp
    dates = pd.date_range("2022-09-01", periods=n, freq="D")
    doy = dates.day_of_year.to_numpy()
    tmoy = 11.0 - 7.6 * np.cos(2 * np.pi * (doy - 15) / 365.25) + _ar1(rng, n, 0.8, 3.0)
    ampl = rng.uniform(4.0, 10.0, n)
    meteo = pd.DataFrame({"date": dates, "temperature_min": tmoy - ampl / 2, "temperature_max": tmoy + ampl / 2})
    commun = _ar1(rng, n, 0.7, ecart_type_commun)
    exp = np.arange(n) >= jours_ref
    annees = np.arange(n) / 365.25
    lignes, vrai = [], 0.0
    for i in range(n_exp + n_tem):
        equipe = i < n_exp
        base = rng.uniform(60, 140)
        pente = rng.uniform(15, 30)
        tc = 15.5 + rng.uniform(-tc_dispersion, tc_dispersion)
        attendu = base + pente * np.maximum(0.0, tc - tmoy)
        if equipe:
            attendu = attendu * (1.0 + tendance * annees)
        attendu = attendu * np.where(exp, 1.0 + choc, 1.0)
        effet_jour = np.where(exp, effet * attendu, 0.0) if equipe else np.zeros(n)
        vrai += float(effet_jour.sum())
        y = (attendu + effet_jour) * (1.0 + _ar1(rng, n, 0.6, ecart_type_site) + commun)
        lignes.append(pd.DataFrame({"date": dates, "site": f"{'exp' if equipe else 'tem'}-{i}",
                                    "indicateur": "chauffage", "valeur": y}))
    mesures = pd.concat(lignes, ignore_index=True)
    periodes = ((dates[0], dates[jours_ref - 1]), (dates[jours_ref], dates[-1]))
    return mesures, meteo, periodes, vrai


def evaluer(mesures, meteo, periodes, *, temoins: bool = True, **options):
    sites = mesures["site"].unique()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluer_energie(
            mesures, meteo, [s for s in sites if s.startswith("exp")],
            [s for s in sites if s.startswith("tem")] if temoins else [], "chauffage",
            periodes[0], periodes[1], rechercher_refroidissement=False, **options)


def _echecs(res) -> list[str]:
    return [v.nom for v in res.verifications if v.statut == "echec"]


@functools.lru_cache(maxsize=None)
def _campagne(graine0: int, temoins: bool = True, **parametres) -> dict:
    """Les taux mesurés sur :data:`N_REPLICATIONS` tirages ; une campagne demandée deux fois (mêmes graines, mêmes
    paramètres : deux tests qui en lisent chacun un taux) n'est simulée qu'une fois par processus."""
    couverts = significatifs = sans_echec = significatif_sans_echec = tendance_echec = 0
    t0 = time.perf_counter()
    for g in range(graine0, graine0 + N_REPLICATIONS):
        mesures, meteo, periodes, vrai = simuler(g, **parametres)
        res = evaluer(mesures, meteo, periodes, temoins=temoins)
        couverts += res.ic_bas <= vrai <= res.ic_haut
        significatifs += res.significatif
        echecs = _echecs(res)
        sans_echec += not echecs
        significatif_sans_echec += res.significatif and not echecs
        tendance_echec += "Tendance pendant la référence" in echecs
    n = N_REPLICATIONS
    return {"couverture": couverts / n, "significatifs": significatifs / n, "sans_echec": sans_echec / n,
            "significatif_sans_echec": significatif_sans_echec / n, "tendance_echec": tendance_echec / n,
            "duree_s": time.perf_counter() - t0}


# --------------------------------------------------------------------------------------------
# (a) Couverture de l'économie connue, point d'équilibre cherché ; faux positifs sur un effet nul
# --------------------------------------------------------------------------------------------

#: Le scénario de référence (deux équipés, trois témoins, un an + un an, −10 %) : sa couverture (a) et sa puissance (b)
#: sont lues sur les mêmes 200 tirages, simulés une fois (les deux tests restent sur le même processus pytest-xdist).
CAMPAGNE_REFERENCE = dict(graine0=1_000, n_exp=2, n_tem=3, effet=-0.10)
MEME_CAMPAGNE = pytest.mark.xdist_group("simulations-energie-reference")


@pytest.mark.lent
@MEME_CAMPAGNE
def test_couverture_avec_temoins_point_d_equilibre_cherche():
    r = _campagne(**CAMPAGNE_REFERENCE)
    assert 0.92 <= r["couverture"] <= 0.98, r


@pytest.mark.lent
def test_couverture_sans_temoins_point_d_equilibre_cherche():
    r = _campagne(2_000, temoins=False, n_exp=1, n_tem=0, effet=-0.10, ecart_type_site=0.10,
                  ecart_type_commun=0.0)
    assert 0.92 <= r["couverture"] <= 0.98, r


@pytest.mark.lent
def test_faux_positifs_effet_nul():
    r = _campagne(3_000, effet=0.0)
    assert r["significatifs"] <= 0.06, r
    assert 0.92 <= r["couverture"], r


# --------------------------------------------------------------------------------------------
# (b) Deux bâtiments équipés, trois témoins, un an avant et un an pendant, effet vrai −10 %
# --------------------------------------------------------------------------------------------

@pytest.mark.lent
@MEME_CAMPAGNE
def test_puissance_deux_batiments_un_an():
    r = _campagne(**CAMPAGNE_REFERENCE)
    assert r["significatifs"] >= 0.80, r
    assert r["sans_echec"] >= 0.80, r
    assert r["significatif_sans_echec"] >= 0.80, r


# --------------------------------------------------------------------------------------------
# (c) Choc commun (−8 % pour tous au début de l'expérimentation), aucun effet de la technologie
# --------------------------------------------------------------------------------------------

@pytest.mark.lent
def test_choc_commun_retire_par_les_temoins():
    r = _campagne(5_000, effet=0.0, choc=-0.08)
    assert r["significatifs"] <= 0.06, r


# --------------------------------------------------------------------------------------------
# (d) Baisse déjà en cours dans les seuls sites équipés (−3 %/an), témoins stables, 2 ans de référence
# --------------------------------------------------------------------------------------------

@pytest.mark.lent
def test_tendance_propre_aux_sites_equipes_bloque():
    r = _campagne(6_000, effet=0.0, tendance=-0.03, jours_ref=730)
    assert r["significatif_sans_echec"] <= 0.02, r


@pytest.mark.lent
def test_tendance_fausses_alertes_sans_tendance():
    r = _campagne(7_000, effet=0.0, jours_ref=730)
    assert r["tendance_echec"] <= 0.06, r


def test_simulation_un_tirage_rapide():
    """Le simulateur et l'évaluation tournent, et la tendance est bien décrite en % par an."""
    mesures, meteo, periodes, vrai = simuler(1, effet=-0.10, tendance=-0.03, jours_ref=730)
    res = evaluer(mesures, meteo, periodes)
    v = next(v for v in res.verifications if v.nom == "Tendance pendant la référence")
    assert "% par an" in v.phrase
    assert vrai < 0
    seul = reference_energetique(mesures.loc[mesures["site"] == "exp-0"].groupby("date")["valeur"].sum(), meteo,
                                 *periodes, rechercher_refroidissement=False)
    assert any(v.nom == "Tendance pendant la référence" for v in seul.verifications)
