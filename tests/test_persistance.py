"""Persistance de l'effet après la fin de l'accompagnement (methodes/persistance.py)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from eprouvette.methodes._simulation import bruit_ar1, simuler_trois_periodes
from eprouvette.methodes.persistance import (
    Estimation,
    constater,
    lire_perte_maximale,
    persistance,
    persistance_temoins,
)

REPLICATIONS = 200
#: Réglage des simulations : 36 mois avant, 24 pendant, 24 après, effet de −10 pendant, bruit AR(1)
#: ρ = 0,4 d'écart type 1 (1 % du niveau). Avec un bruit de 1,5 le même plan donne 65 % « s'estompe »
#: sur un effet réduit de moitié (docs/methodes.md) : la persistance demande des mesures précises.
SIGMA = 1.0


def _constats(effet_apres: float, graine: int, n: int = REPLICATIONS, **options) -> tuple[Counter, float]:
    """Constats sur ``n`` séries simulées, et couverture de l'intervalle de l'effet après ; la couverture
    de la différence après − pendant ne doit pas être trop faible non plus (intervalle trop étroit :
    « s'estompe » à tort)."""
    constats, couvert, couvert_difference = Counter(), 0, 0
    for g in range(n):
        s = simuler_trois_periodes(effet_apres=effet_apres, sigma=SIGMA, graine=graine + g)
        r = persistance(s.donnees, s.debut, s.debut_apres, **options)
        constats[r.constat] += 1
        couvert += r.apres.ic_bas <= s.effet_apres <= r.apres.ic_haut
        vraie_difference = s.effet_apres - s.effet_pendant
        couvert_difference += r.difference.ic_bas <= vraie_difference <= r.difference.ic_haut
    assert couvert_difference / n >= 0.92, couvert_difference / n
    return constats, couvert / n


@pytest.mark.lent
def test_effet_constant_se_maintient():
    constats, couverture = _constats(-10.0, graine=10_000)
    assert constats["se_maintient"] / REPLICATIONS >= 0.9, constats
    assert constats["disparait"] / REPLICATIONS <= 0.02, constats
    assert 0.92 <= couverture <= 0.98, couverture


@pytest.mark.lent
def test_effet_reduit_de_moitie_s_estompe():
    constats, couverture = _constats(-5.0, graine=20_000)
    assert constats["s_estompe"] / REPLICATIONS >= 0.8, constats
    assert constats["se_maintient"] / REPLICATIONS <= 0.03, constats
    assert 0.92 <= couverture <= 0.98, couverture


@pytest.mark.lent
def test_effet_nul_apres_disparait():
    constats, couverture = _constats(0.0, graine=30_000)
    assert constats["disparait"] / REPLICATIONS >= 0.9, constats
    assert constats["se_maintient"] == 0, constats
    assert 0.92 <= couverture <= 0.98, couverture


@pytest.mark.lent
def test_mesures_trop_bruitees_on_ne_peut_pas_dire():
    """Bruit 8 fois plus fort : l'effet pendant reste établi le plus souvent, mais rien ne permet de
    trancher sur l'après ; on ne dit jamais « se maintient » d'un effet qui a disparu."""
    constats = Counter()
    for g in range(100):
        s = simuler_trois_periodes(effet_apres=0.0, sigma=8.0, graine=40_000 + g)
        constats[persistance(s.donnees, s.debut, s.debut_apres).constat] += 1
    assert constats["indetermine"] >= 60, constats
    assert constats["se_maintient"] <= 3, constats


def test_effet_connu_retrouve_sans_bruit_et_phrase_francaise():
    s = simuler_trois_periodes(effet_pendant=-10.0, effet_apres=-4.0, sigma=0.01, rho=0.0, graine=1)
    r = persistance(s.donnees, s.debut, s.debut_apres, unite="MWh", motif="fin_subvention")
    assert r.pendant.effet == pytest.approx(-10.0, abs=0.05)
    assert r.apres.effet == pytest.approx(-4.0, abs=0.05)
    assert r.difference.effet == pytest.approx(6.0, abs=0.1)
    assert r.constat == "s_estompe"
    assert r.phrase.startswith("L'effet s'estompe après la fin de la subvention : il reste établi")
    assert "En moyenne par période : −10" in r.phrase
    assert "MWh" in r.phrase and "\u2212" in r.phrase
    assert (r.n_avant, r.n_pendant, r.n_apres) == (36, 24, 24)
    assert set(r.contrefactuel["periode"]) == {"avant", "pendant", "apres"}
    cf = r.contrefactuel
    assert (cf["ajuste"] - cf["contrefactuel"])[cf["periode"] == "avant"].abs().max() < 1e-9
    assert r.verification().statut == "attention"
    assert r.en_dict()["constat"] == "s_estompe"


def test_erreurs_hac():
    s = simuler_trois_periodes(effet_apres=-10.0, sigma=SIGMA, graine=2)
    r_hac = persistance(s.donnees, s.debut, s.debut_apres, erreurs="hac")
    r_ar1 = persistance(s.donnees, s.debut, s.debut_apres)
    assert r_hac.rho is None and r_ar1.rho is not None
    assert r_hac.apres.effet != r_ar1.apres.effet  # moindres carrés ordinaires contre généralisés
    assert r_hac.apres.ic_bas < -10 < r_hac.apres.ic_haut


def test_variante_temoins_retire_un_choc_commun():
    """Un choc commun aux deux groupes au début de la période après (sans lien avec la technologie)
    ferait dire « disparaît » à la série des équipés seule ; l'écart aux témoins le retire."""
    rng = np.random.default_rng(5)
    n_av, n_pe, n_ap = 36, 24, 24
    n = n_av + n_pe + n_ap
    t = np.arange(n)
    commun = 100 + 5 * np.sin(2 * np.pi * t / 12) + np.where(t >= n_av + n_pe, 10.0, 0.0) + bruit_ar1(n, 0.3, 1.0, rng)
    effet = np.where(t >= n_av, -10.0, 0.0)
    dates = pd.date_range("2021-01-01", periods=n, freq="MS")
    df = pd.DataFrame({"date": dates, "experimentaux": commun + effet + bruit_ar1(n, 0.3, 0.5, rng),
                       "temoins": 0.5 * commun + bruit_ar1(n, 0.3, 0.25, rng)})
    debut, debut_apres = dates[n_av], dates[n_av + n_pe]
    seul = persistance(df, debut, debut_apres, colonne_valeur="experimentaux")
    avec = persistance_temoins(df, debut, debut_apres, motif="fin_accompagnement")
    assert seul.constat in ("disparait", "indetermine")
    assert avec.constat == "se_maintient", avec.phrase
    assert avec.details["ratio_temoins"] == pytest.approx(2.0, rel=0.05)
    assert avec.apres.ic_bas < -10 < avec.apres.ic_haut


def test_regle_sur_des_estimations_choisies():
    def e(effet, bas, haut):
        return Estimation(effet, 1.0, 30.0, bas, haut, 0.01)

    pendant = e(-10, -12, -8)
    assert constater(e(-2, -5, 1), e(-10, -12, -8), e(0, -1, 1), 0.5) == "indetermine"  # pendant non établi
    assert constater(pendant, e(-10, -12, -8), e(0, -3, 3), 0.5) == "se_maintient"
    assert constater(pendant, e(-10, -12, -8), e(0, -3, 6), 0.5) == "indetermine"  # perte possible de 60 %
    assert constater(pendant, e(-5, -7, -3), e(5, 2, 8), 0.5) == "s_estompe"
    assert constater(pendant, e(0, -3, 3), e(10, 7, 13), 0.5) == "disparait"
    assert constater(pendant, e(4, 1, 7), e(14, 11, 17), 0.5) == "disparait"  # s'inverse
    assert constater(pendant, e(0, -9, 9), e(10, -1, 21), 0.5) == "indetermine"  # trop bruité
    # Une incertitude dégénérée (erreur type nulle) n'établit rien.
    assert constater(Estimation(-10, 0.0, 30.0, -10, -10, float("nan")), e(-10, -12, -8), e(0, -3, 3), 0.5) == "indetermine"
    # Une hausse : le sens se lit sur l'effet pendant.
    assert constater(e(10, 8, 12), e(5, 3, 7), e(-5, -8, -2), 0.5) == "s_estompe"


def test_seuil_lu_dans_les_parametres(tmp_path):
    assert 0 < lire_perte_maximale() < 1
    f = tmp_path / "persistance.yaml"
    f.write_text("perte_maximale_maintien:\n  valeur: 1.5\n  unite: fraction\n  source: essai\n  annee: 2026\n",
                 encoding="utf-8")
    with pytest.raises(ValueError, match="strictement entre 0 et 1"):
        lire_perte_maximale(f)


@pytest.fixture
def serie():
    return simuler_trois_periodes(graine=3)


def test_periode_apres_vide_refusee(serie):
    df = serie.donnees[serie.donnees["date"] < serie.debut_apres]
    with pytest.raises(ValueError, match="La période après est vide"):
        persistance(df, serie.debut, serie.debut_apres)


@pytest.mark.parametrize(
    "modifier, message",
    [
        (lambda s: dict(donnees=s.donnees.rename(columns={"valeur": "v"})), "Colonne « valeur » absente"),
        (lambda s: dict(debut_apres=s.debut), "doit commencer après le début"),
        (lambda s: dict(motif="fin_du_monde"), "Motif inconnu"),
        (lambda s: dict(erreurs="classique"), "Type d'erreurs inconnu"),
        (lambda s: dict(donnees=s.donnees.assign(valeur=s.donnees["valeur"].where(s.donnees.index != 5))),
         "Valeurs manquantes"),
        (lambda s: dict(donnees=s.donnees[s.donnees["date"] < s.debut_apres + pd.DateOffset(months=2)]),
         "Trop peu de périodes"),
    ],
)
def test_entrees_refusees_avec_un_message_francais(serie, modifier, message):
    arguments = dict(donnees=serie.donnees, debut=serie.debut, debut_apres=serie.debut_apres)
    arguments.update(modifier(serie))
    with pytest.raises(ValueError, match=message):
        persistance(arguments.pop("donnees"), arguments.pop("debut"), arguments.pop("debut_apres"), **arguments)


def test_temoins_nuls_refuses(serie):
    df = serie.donnees.rename(columns={"valeur": "experimentaux"}).assign(temoins=0.0)
    with pytest.raises(ValueError, match="impossible de les mettre à l'échelle"):
        persistance_temoins(df, serie.debut, serie.debut_apres)


def test_motifs_du_module_egaux_a_ceux_du_standard():
    import json

    from eprouvette import config
    from eprouvette.methodes.persistance import MOTIFS

    schema = json.loads((config.SCHEMAS / "pilote.schema.json").read_text(encoding="utf-8"))
    assert schema["$defs"]["periode_apres"]["properties"]["motif"]["enum"] == list(MOTIFS)
