"""Simulations (graines fixées) : les intervalles à 95 % couvrent-ils le vrai effet ?

Séries et panels générés avec bruit AR(1), saisonnalité et effet connu. Sur au moins 200
réplications : couverture entre 92 et 98 %, et au plus 6 % de fausses alarmes quand le vrai
effet est nul.
"""

import numpy as np
import pytest

from eprouvette.methodes.doubles_differences import effets_fixes_bidirectionnels
from eprouvette.methodes.serie_interrompue import serie_interrompue
from eprouvette.methodes._simulation import simuler_panel, simuler_serie

R = 250


@pytest.mark.lent
def test_serie_interrompue_couverture():
    couvert = 0
    for g in range(R):
        s = simuler_serie(36, 24, rho=0.4, sigma=3.0, effet_niveau=-4.0, effet_pente=0.1, graine=g)
        r = serie_interrompue(s.donnees, s.debut)
        couvert += r.ic_bas <= s.effet_cumule <= r.ic_haut
    couverture = couvert / R
    print(f"couverture série interrompue (AR(1) REML) : {couverture:.3f}")
    assert 0.92 <= couverture <= 0.98


@pytest.mark.lent
def test_serie_interrompue_fausses_alarmes():
    alarmes = 0
    for g in range(R):
        s = simuler_serie(36, 24, rho=0.4, sigma=3.0, graine=20000 + g)
        alarmes += serie_interrompue(s.donnees, s.debut).significatif
    taux = alarmes / R
    print(f"fausses alarmes série interrompue : {taux:.3f}")
    assert taux <= 0.06


@pytest.mark.lent
def test_doubles_differences_couverture_et_fausses_alarmes():
    couvert = alarmes = 0
    for g in range(R):
        p = simuler_panel(n_sites=40, effet=1.5, rho=0.5, graine=g)
        r = effets_fixes_bidirectionnels(p.donnees, tendances_prealables=False)
        couvert += r.ic_bas <= p.effet <= r.ic_haut
        p0 = simuler_panel(n_sites=40, effet=0.0, rho=0.5, graine=50000 + g)
        alarmes += effets_fixes_bidirectionnels(p0.donnees, tendances_prealables=False).significatif
    print(f"doubles différences (40 sites) : couverture {couvert / R:.3f}, fausses alarmes {alarmes / R:.3f}")
    assert 0.92 <= couvert / R <= 0.98
    assert alarmes / R <= 0.06


@pytest.mark.lent
def test_doubles_differences_peu_de_sites_bootstrap_sauvage():
    """10 sites dont 5 expérimentés : le bootstrap sauvage (poids de Webb) garde le niveau."""
    alarmes = 0
    n = 200
    for g in range(n):
        p0 = simuler_panel(n_sites=10, effet=0.0, rho=0.5, graine=70000 + g)
        r = effets_fixes_bidirectionnels(p0.donnees, tendances_prealables=False, n_bootstrap=399, graine=g)
        alarmes += r.p_valeur < 0.05
    print(f"fausses alarmes doubles différences (10 sites, bootstrap sauvage) : {alarmes / n:.3f}")
    assert alarmes / n <= 0.06
