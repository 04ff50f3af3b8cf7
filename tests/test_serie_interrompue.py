"""Série interrompue : reproduction de Lopez Bernal et al. (2017) sur les données de Sicile."""

import math

import numpy as np
import pandas as pd
import pytest

from eprouvette import config
from eprouvette.methodes.serie_interrompue import retard_newey_west, serie_interrompue
from eprouvette.methodes._simulation import simuler_serie

REFERENCES = config.RACINE.parent / "shared" / "references"


@pytest.fixture(scope="module")
def sicile():
    chemin = REFERENCES / "sicily.csv"
    if not chemin.exists():
        pytest.skip(f"Données de référence absentes ({chemin}) : test de reproduction de Lopez Bernal 2017 ignoré.")
    s = pd.read_csv(chemin)
    s["date"] = pd.to_datetime(dict(year=s.year, month=s.month, day=1))
    return s


def _its(s, famille, harmoniques, pente):
    return serie_interrompue(
        s, "2005-01-01", colonne_valeur="aces", famille=famille, colonne_exposition="stdpop",
        saisonnalite="fourier" if harmoniques else None, harmoniques=harmoniques, colonne_saison="month",
        changement_pente=pente, indicateur="le nombre d'événements coronariens aigus", unite="événements",
    )


def _r3(x):
    return round(x, 3)


def test_poisson_sans_harmoniques(sicile):
    r = _its(sicile, "poisson", 0, False)
    assert _r3(r.details["rapport_taux"]) == 0.894
    assert tuple(map(_r3, r.details["rapport_taux_ic"])) == (0.865, 0.925)
    # Surdispersion détectée : le Poisson simple est signalé en échec.
    assert {v.nom: v.statut for v in r.verifications}["surdispersion"] == "echec"


def test_quasi_poisson_sans_harmoniques(sicile):
    r = _its(sicile, "quasi_poisson", 0, False)
    assert _r3(r.details["rapport_taux"]) == 0.894
    assert tuple(map(_r3, r.details["rapport_taux_ic"])) == (0.839, 0.953)
    assert round(r.details["dispersion"], 2) == 3.56


def test_quasi_poisson_deux_harmoniques(sicile):
    r = _its(sicile, "quasi_poisson", 2, False)
    assert _r3(r.details["rapport_taux"]) == 0.885
    assert tuple(map(_r3, r.details["rapport_taux_ic"])) == (0.839, 0.933)
    assert round(r.details["dispersion"], 2) == 2.26
    # Effet relatif sur les totaux : une baisse d'environ 11,5 % (pas une somme de pourcentages).
    assert r.effet < 0 and r.significatif
    assert -0.13 < r.effet_relatif < -0.10
    obs = r.contrefactuel.loc[r.contrefactuel.periode == "apres", "observe"].sum()
    cf = r.contrefactuel.loc[r.contrefactuel.periode == "apres", "contrefactuel"].sum()
    assert math.isclose(r.effet_relatif, obs / cf - 1, rel_tol=1e-9)
    assert math.isclose(r.effet, obs - cf, rel_tol=1e-9)
    assert r.ic_relatif_bas < r.effet_relatif < r.ic_relatif_haut < 0
    assert "baisse" in r.resume and "%" in r.resume


def test_changement_de_pente(sicile):
    r = _its(sicile, "quasi_poisson", 2, True)
    # Publié : niveau 0,877 (0,827-0,929), pente 1,0015 par mois. Notre paramétrage (pente = 1, 2, …
    # dès le premier mois après) donne 0,87646 : l'intervalle est identique au millième, le point
    # diffère de 0,0005 (arrondi de la publication).
    assert abs(r.details["rapport_taux"] - 0.877) < 0.0006
    assert tuple(map(_r3, r.details["rapport_taux_ic"])) == (0.827, 0.929)
    assert round(r.details["rapport_taux_pente"], 4) == 1.0015


def test_gaussien_sur_sicile_rend_verifications(sicile):
    r = serie_interrompue(sicile, "2005-01-01", colonne_valeur="aces", erreurs="hac")
    noms = {v.nom for v in r.verifications}
    assert {"autocorrelation_residus", "longueur_serie"} <= noms
    assert r.details["retard_hac"] == retard_newey_west(59) == 3
    assert isinstance(r.details["coefficients"], pd.DataFrame)


def test_serie_simulee_retrouve_effet():
    s = simuler_serie(48, 24, rho=0.3, sigma=1.0, effet_niveau=-5.0, graine=7)
    r = serie_interrompue(s.donnees, s.debut, unite="MWh", indicateur="la consommation")
    assert r.ic_bas < s.effet_cumule < r.ic_haut
    assert r.significatif and r.effet < 0
    assert r.details["n_avant"] == 48 and r.details["n_apres"] == 24
    assert {"date", "observe", "contrefactuel", "contrefactuel_bas", "contrefactuel_haut"} <= set(r.contrefactuel.columns)
    assert r.en_dict()["significatif"] is True


def test_saisonnalite_par_mois_et_covariable():
    s = simuler_serie(36, 12, graine=3)
    d = s.donnees.assign(feries=np.random.default_rng(0).integers(0, 3, len(s.donnees)))
    r = serie_interrompue(d, s.debut, saisonnalite="mois", covariables=["feries"])
    termes = set(r.details["coefficients"].terme)
    assert "mois_12" in termes and "feries" in termes


def test_erreurs_en_francais():
    s = simuler_serie(24, 12, graine=1)
    with pytest.raises(ValueError, match="avant ET après"):
        serie_interrompue(s.donnees, "2030-01-01")
    d = s.donnees.copy()
    d.loc[3, "valeur"] = np.nan
    with pytest.raises(ValueError, match="manquante"):
        serie_interrompue(d, s.debut)
