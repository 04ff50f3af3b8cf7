"""Simulations (graines fixées) : doubles différences avec un ou deux sites expérimentés et peu de témoins.

Avec si peu de sites, les erreurs regroupées par site et le bootstrap sauvage ne tiennent pas leur
niveau (MacKinnon et Webb, 2017) ; l'incertitude vient alors des placebos dans l'espace (assez de
témoins), de la dimension temporelle (panel long : série des écarts AR(1)), ou elle est indéterminée.
Chaque scénario : au moins 200 réplications ; couverture à 95 % entre 92 et 98 %, au plus 6 % de
faux « significatif » sans effet, et au moins 80 % de détection d'une vraie baisse de 10 %.

Panels : niveau 100 par site ± effet de site, chocs communs à tous les sites (saison, semaine,
chocs AR(1)), bruit propre à chaque site AR(1). Génération vectorisée (scipy.signal.lfilter).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import signal

from eprouvette.methodes.doubles_differences import effets_fixes_bidirectionnels

R = 400


def _panels(r: int, n_traites: int, n_temoins: int, n_avant: int, n_apres: int, *, rho: float, sigma: float,
            effet: float, periode_saison: float, graine: int,
            bruit_pendant: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``r`` panels (r × sites × périodes) et l'indicateur d'activité (sites × périodes) ; le bruit des
    sites expérimentés pendant l'expérimentation est multiplié par ``bruit_pendant``."""
    rng = np.random.default_rng(graine)
    S, T = n_traites + n_temoins, n_avant + n_apres
    t = np.arange(T)
    chocs = rng.standard_normal((r, S, T)) * sigma * np.sqrt(1 - rho**2)
    chocs[..., 0] *= 1 / np.sqrt(1 - rho**2)  # départ stationnaire
    bruit = signal.lfilter([1.0], [1.0, -rho], chocs, axis=-1)
    commun = signal.lfilter([1.0], [1.0, -0.9], rng.standard_normal((r, 1, T)) * 4.0, axis=-1)
    commun += 10 * np.sin(2 * np.pi * t / periode_saison) + (3 * (t % 7 >= 5) if periode_saison > 300 else 0)
    niveau = 100 + rng.normal(0, 10, (r, S, 1))
    actif = np.zeros((S, T))
    actif[:n_traites, n_avant:] = 1.0
    bruit = bruit * np.where(actif > 0, bruit_pendant, 1.0)
    return niveau + commun + bruit + effet * actif, actif


def _long(y: np.ndarray, actif: np.ndarray) -> pd.DataFrame:
    S, T = actif.shape
    return pd.DataFrame({"site": np.repeat(np.arange(S), T), "periode": np.tile(np.arange(T), S),
                         "actif": actif.ravel(), "valeur": y.ravel()})


def _scenario(n_traites, n_temoins, n_avant, n_apres, *, effet, graine, rho=0.7, sigma=15.0,
              periode_saison=365.25, r=R, bruit_pendant=1.0):
    Y, actif = _panels(r, n_traites, n_temoins, n_avant, n_apres, rho=rho, sigma=sigma, effet=effet,
                       periode_saison=periode_saison, graine=graine, bruit_pendant=bruit_pendant)
    couvert = significatif = 0
    inferences = set()
    base = _long(Y[0], actif)
    for i in range(r):
        d = base.assign(valeur=Y[i].ravel())
        res = effets_fixes_bidirectionnels(d, tendances_prealables=False)
        inferences.add(res.details["inference"])
        couvert += bool(res.ic_bas <= effet <= res.ic_haut)
        significatif += res.significatif
    return couvert / r, significatif / r, inferences


@pytest.mark.lent
@pytest.mark.parametrize("n_traites,n_temoins,n_avant,n_apres,saison", [
    (1, 4, 365, 365, 365.25),  # quotidien, un an avant, un an pendant
    (2, 3, 365, 365, 365.25),
    (1, 2, 104, 52, 52.18),  # hebdomadaire, deux ans avant, un an pendant
    (2, 5, 78, 52, 52.18),
])
def test_panels_longs_peu_de_temoins_couverture_et_fausses_alarmes(n_traites, n_temoins, n_avant, n_apres, saison):
    graine = 1000 * n_traites + 10 * n_temoins + n_apres
    couverture, _, inf = _scenario(n_traites, n_temoins, n_avant, n_apres, effet=-10.0, graine=graine,
                                   periode_saison=saison)
    _, fausses, inf0 = _scenario(n_traites, n_temoins, n_avant, n_apres, effet=0.0, graine=graine + 7,
                                 periode_saison=saison)
    print(f"{n_traites} expérimenté(s), {n_temoins} témoins, {n_avant}+{n_apres} périodes : "
          f"couverture {couverture:.3f}, fausses alarmes {fausses:.3f}")
    assert inf == inf0 == {"temporelle"}
    assert 0.92 <= couverture <= 0.98
    assert fausses <= 0.06


@pytest.mark.lent
@pytest.mark.parametrize("n_avant,n_apres,saison", [(300, 100, 365.25), (104, 26, 52.18)])
def test_experimentation_qui_change_la_variabilite(n_avant, n_apres, saison):
    """Le bruit du site expérimenté triple pendant l'expérimentation (1 expérimenté, 3 témoins) : avec un
    seul écart-type pour toute la série, l'intervalle serait trop étroit ; l'écart-type propre à chaque
    période garde la couverture."""
    couverture, _, inf = _scenario(1, 3, n_avant, n_apres, effet=-10.0, graine=31 + n_apres, bruit_pendant=3.0,
                                   periode_saison=saison)
    print(f"bruit ×3 pendant, {n_avant}+{n_apres} : couverture {couverture:.3f}")
    assert inf == {"temporelle"}
    assert 0.92 <= couverture <= 0.98


@pytest.mark.lent
@pytest.mark.parametrize("n_temoins", [2, 3])
def test_puissance_baisse_de_10_pourcent_deux_sites_un_an_quotidien(n_temoins):
    """2 sites équipés, 2 ou 3 témoins, un an de mesures quotidiennes avant et pendant : une vraie baisse
    de 10 % (−10 sur un niveau de 100, bruit quotidien de 15 % d'écart-type, ρ = 0,7) est vue."""
    _, puissance, inf = _scenario(2, n_temoins, 365, 365, effet=-10.0, graine=4242 + n_temoins)
    print(f"puissance, 2 expérimentés et {n_temoins} témoins, quotidien : {puissance:.3f}")
    assert inf == {"temporelle"}
    assert puissance >= 0.80


@pytest.mark.lent
def test_panels_annuels_courts_un_site_pas_de_faux_significatif():
    """Un site expérimenté, 4 témoins, 10 années (6 avant, 4 pendant) : ni la durée ni les témoins ne
    permettent de mesurer le hasard ; jamais « significatif »."""
    _, fausses, inf = _scenario(1, 4, 6, 4, effet=0.0, graine=77, rho=0.5, sigma=5.0, periode_saison=1e9)
    print(f"annuel court, 1 expérimenté, 4 témoins : fausses alarmes {fausses:.3f}")
    assert inf == {"indeterminee"} and fausses == 0.0


@pytest.mark.lent
@pytest.mark.parametrize("n_traites,n_temoins", [(1, 24), (2, 20)])
def test_panels_annuels_temoins_nombreux_permutation(n_traites, n_temoins):
    """1 site expérimenté et 24 témoins, ou 2 et 20, 20 années (12 avant, 8 pendant) : placebos dans
    l'espace (randomisation). Le test est exact (4 % et 4,8 % de rejets attendus) : 800 panels pour que
    le seul hasard des tirages ne dépasse pas 6 %. Les erreurs regroupées par site (l'ancien
    comportement) s'y trompent souvent ; la randomisation non. (Avec 2 sites expérimentés, des placebos
    tirés parmi les seuls témoins donnaient 8,5 % de faux effets : leurs combinaisons se recouvrent ;
    d'où la randomisation sur tous les sites.)"""
    Y, actif = _panels(2 * R, n_traites, n_temoins, 12, 8, rho=0.6, sigma=5.0, effet=0.0, periode_saison=1e9,
                       graine=99 + n_traites)
    base = _long(Y[0], actif)
    fausses = fausses_regroupees = 0
    for i in range(len(Y)):
        d = base.assign(valeur=Y[i].ravel())
        r = effets_fixes_bidirectionnels(d, tendances_prealables=False)
        assert r.details["inference"] == "permutation"
        fausses += r.significatif
        fausses_regroupees += effets_fixes_bidirectionnels(d, tendances_prealables=False, inference="regroupees",
                                                           bootstrap=False).significatif
    n = len(Y)
    print(f"{n_traites} expérimenté(s), {n_temoins} témoins, annuel : fausses alarmes {fausses / n:.3f} "
          f"(erreurs regroupées : {fausses_regroupees / n:.3f})")
    assert fausses / n <= 0.06
    assert fausses_regroupees / n > 0.15


@pytest.mark.lent
@pytest.mark.parametrize("n_sites,n_traites", [(12, 6), (26, 1)])
def test_tendances_prealables_pas_de_faux_echec(n_sites, n_traites):
    """Sans écart avant le début, le test des tendances préalables ne doit pas conclure « echec » plus
    de 6 fois sur 100. Le test F à erreurs regroupées le faisait 15 fois sur 100 avec 6 sites
    expérimentés et 6 témoins ; la randomisation sur la période d'avant est exacte."""
    from eprouvette.methodes._simulation import simuler_panel
    from eprouvette.methodes.doubles_differences import etude_evenementielle

    echecs = 0
    for g in range(R):
        p = simuler_panel(n_sites=n_sites, n_traites=n_traites, effet=0.0, rho=0.5, graine=3000 + g)
        echecs += etude_evenementielle(p.donnees).verification.statut == "echec"
    print(f"tendances préalables, {n_traites} expérimentés sur {n_sites} : faux échecs {echecs / R:.3f}")
    assert echecs / R <= 0.06
