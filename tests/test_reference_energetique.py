"""Référence énergétique ajustée au climat (IPMVP option C), avec et sans sites témoins."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from eprouvette import config
from eprouvette.domaines.energie import calendrier_ecoles
from eprouvette.erreurs import ErreurDonnees
from eprouvette.generateurs.energie import ParametresEnergie, generer_pilote_energie
from eprouvette.methodes.base import ResultatImpact
from eprouvette.methodes.reference_energetique import (
    evaluer_energie,
    parametres_depuis_pilote,
    reference_energetique,
    statistiques_ashrae,
)

EXEMPLE = config.PILOTES / "energie-gtb-ecoles-saint-quentin"


def test_statistiques_ashrae_calcul_a_la_main():
    y = [10.0, 12.0, 14.0, 16.0]
    # résidus -1, 1, -1, 1 : Σr² = 4, n - p = 2, ȳ = 13 -> CV = 100 × sqrt(2) / 13 ; NMBE = 0
    s = statistiques_ashrae(y, [11.0, 11.0, 15.0, 15.0], n_parametres=2)
    assert s["cv_rmse"] == pytest.approx(100 * math.sqrt(2) / 13)
    assert s["nmbe"] == pytest.approx(0.0)
    # résidus tous à +1 : NMBE = 100 × 4 / (2 × 13)
    s = statistiques_ashrae(y, [9.0, 11.0, 13.0, 15.0], n_parametres=2)
    assert s["cv_rmse"] == pytest.approx(100 * math.sqrt(2) / 13)
    assert s["nmbe"] == pytest.approx(100 * 4 / 26)


def _serie_simple(graine=1, effet=0.0, jours_ref=730, jours_exp=365):
    """Chauffage pur, équilibre 15 °C, pente 20 kWh/DJ, base 100 kWh, bruit AR(1)."""
    rng = np.random.default_rng(graine)
    dates = pd.date_range("2021-01-01", periods=jours_ref + jours_exp, freq="D")
    t = 11 - 7.5 * np.cos(2 * np.pi * (dates.day_of_year.to_numpy() - 15) / 365.25) + rng.normal(0, 3, len(dates))
    bruit = np.zeros(len(dates))
    for i in range(1, len(dates)):
        bruit[i] = 0.5 * bruit[i - 1] + rng.normal(0, 15)
    y = 100 + 20 * np.maximum(0, 15 - t) + bruit
    y[jours_ref:] += effet
    meteo = pd.DataFrame({"date": dates, "temperature_min": t - 3, "temperature_max": t + 3})
    per_ref = (dates[0], dates[jours_ref - 1])
    per_exp = (dates[jours_ref], dates[-1])
    return pd.Series(y, index=dates), meteo, per_ref, per_exp


def test_recherche_du_point_d_equilibre_et_des_coefficients():
    y, meteo, r, e = _serie_simple()
    res = reference_energetique(y, meteo, r, e)
    assert isinstance(res, ResultatImpact)
    assert res.details["forme"] == "chauffage"
    assert abs(res.details["temperature_equilibre_chauffage"] - 15.0) <= 0.5
    coef = res.details["coefficients"].set_index("variable")["coefficient"]
    assert coef["degres_jours_chauffage"] == pytest.approx(20, rel=0.05)
    assert res.ic_bas <= 0 <= res.ic_haut  # aucun effet simulé
    assert res.methode == "reference_energetique"
    assert any("Sans site témoin" in lim for lim in res.limites)
    cf = res.contrefactuel
    assert {"date", "observe", "contrefactuel", "contrefactuel_bas", "contrefactuel_haut"} <= set(cf.columns)
    assert (cf["contrefactuel_bas"] <= cf["contrefactuel_haut"]).all()
    noms = {v.nom for v in res.verifications}
    assert {"Placebo dans le temps", "Autocorrélation des résidus",
            "Ajustement mensuel (ASHRAE 14, CV(RMSE))", "Suffisance des données (de référence)"} <= noms
    assert res.effet_minimal_detectable == pytest.approx(2.8 * res.erreur_type, rel=0.01)
    res.en_dict()  # sérialisable


def test_effet_connu_retrouve_avec_dju_base_18_fixe():
    y, meteo, r, e = _serie_simple(graine=3, effet=-60.0)
    res = reference_energetique(y, meteo, r, e, temperature_base_chauffage=18.0,
                                rechercher_refroidissement=False)
    assert res.details["temperature_equilibre_chauffage"] == 18.0
    # Le vrai effet est -60 kWh/jour × 365 jours, mais le modèle à 18 °C est mal spécifié
    # (équilibre réel 15 °C) : on vérifie seulement le signe et la significativité.
    assert res.significatif and res.effet < 0
    assert res.effet_relatif < 0


def test_suffisance_insuffisante_signalee():
    y, meteo, r, e = _serie_simple(jours_ref=200, jours_exp=100)
    res = reference_energetique(y, meteo, r, e)
    v = next(v for v in res.verifications if v.nom == "Suffisance des données (de référence)")
    assert v.statut == "attention" and "moins d'un an" in v.phrase


def test_derive_pendant_la_reference_detectee_par_le_placebo():
    y, meteo, r, e = _serie_simple(graine=5)
    y = y.copy()
    y.iloc[365:730] -= 150  # changement d'usage non déclaré au milieu de la référence
    res = reference_energetique(y, meteo, r, e)
    v = next(v for v in res.verifications if v.nom == "Placebo dans le temps")
    assert v.statut == "echec"


def test_periodes_incoherentes():
    y, meteo, r, e = _serie_simple()
    with pytest.raises(ErreurDonnees, match="commence avant la fin"):
        reference_energetique(y, meteo, r, (r[1], e[1]))


def _lire_exemple():
    mesures = pd.read_csv(EXEMPLE / "mesures.csv", sep=";", decimal=",", parse_dates=["date"])
    meteo = pd.read_csv(EXEMPLE / "meteo.csv", sep=";", decimal=",", parse_dates=["date"])
    fiche = yaml.safe_load((EXEMPLE / "pilote.yaml").read_text(encoding="utf-8"))
    verite = yaml.safe_load((EXEMPLE / "verite.yaml").read_text(encoding="utf-8"))
    return mesures, meteo, fiche, verite


def test_pilote_exemple_effet_vrai_dans_l_intervalle():
    mesures, meteo, fiche, verite = _lire_exemple()
    args = parametres_depuis_pilote(fiche)
    assert len(args["sites_experimentaux"]) == 4 and len(args["sites_temoins"]) == 3
    cal = calendrier_ecoles(args["periode_reference"][0], args["periode_experimentation"][1])
    res = evaluer_energie(mesures, meteo, calendrier=cal, **args)
    assert res.methode == "reference_energetique_temoins"
    vrai_rel = verite["effet_vrai"]["effet_relatif"]
    assert res.ic_relatif_bas <= vrai_rel <= res.ic_relatif_haut
    # En kWh, sur les jours effectivement mesurés (même graine, même générateur).
    pg = generer_pilote_energie(verite["graine"])
    cf = res.contrefactuel
    jours = cf.loc[(cf["periode"] == "experimentation") & cf["observe"].notna(), "date"]
    vrai_kwh = pg.effet_vrai_journalier.reindex(jours).sum()
    assert res.ic_bas <= vrai_kwh <= res.ic_haut
    assert res.significatif and res.effet < 0
    # Sans les témoins, la consigne de sobriété commune est attribuée à la GTB : effet surestimé.
    sans = res.details["effet_sans_temoins"]
    assert sans < res.effet
    assert res.details["derive_relative_temoins"] < 0
    assert res.statut_global in ("reussie", "attention")
    assert "95\u00a0%" in res.resume


def test_pilote_sans_effet_non_significatif():
    pg = generer_pilote_energie(2024, ParametresEnergie(effet_chauffage=0.0))
    args = parametres_depuis_pilote(pg.fiche)
    res = evaluer_energie(pg.mesures, pg.meteo, calendrier=pg.calendrier, **args)
    assert not res.significatif
    assert "contient zéro" in res.resume


def test_sites_absents_et_colonnes():
    pg = generer_pilote_energie(7)
    args = parametres_depuis_pilote(pg.fiche)
    with pytest.raises(ErreurDonnees, match="ecole-inconnue"):
        evaluer_energie(pg.mesures, pg.meteo, calendrier=pg.calendrier,
                        **{**args, "sites_temoins": ["ecole-inconnue"]})
    with pytest.raises(ErreurDonnees, match="colonnes absentes"):
        evaluer_energie(pg.mesures.drop(columns="valeur"), pg.meteo, **args)


def _simuler(effet: float, graines: range, erreurs: list | None = None):
    couverts = significatifs = 0
    for g in graines:
        pg = generer_pilote_energie(g, ParametresEnergie(effet_chauffage=effet))
        args = parametres_depuis_pilote(pg.fiche)
        # Point d'équilibre fixé pour que la simulation reste rapide.
        res = evaluer_energie(pg.mesures, pg.meteo, calendrier=pg.calendrier,
                              temperature_base_chauffage=15.0, rechercher_refroidissement=False, **args)
        cf = res.contrefactuel
        jours = cf.loc[(cf["periode"] == "experimentation") & cf["observe"].notna(), "date"]
        vrai = pg.effet_vrai_journalier.reindex(jours).sum()
        couverts += res.ic_bas <= vrai <= res.ic_haut
        if erreurs is not None:
            erreurs.append(res.effet - vrai)
        significatifs += res.significatif
    return couverts / len(graines), significatifs / len(graines)


@pytest.mark.lent
def test_simulation_couverture_et_faux_positifs():
    """Bruit autocorrélé multiplicatif, choc commun, témoins : l'intervalle à 95 % est calibré."""
    erreurs: list[float] = []
    couverture, puissance = _simuler(-0.12, range(10_000, 10_200), erreurs)
    assert 0.92 <= couverture <= 0.98, couverture
    assert puissance >= 0.9
    # Sans biais à l'incertitude près : l'erreur moyenne est à moins de 3 erreurs-types de zéro.
    import numpy as np

    e = np.asarray(erreurs)
    assert abs(e.mean()) <= 3 * e.std(ddof=1) / np.sqrt(len(e)), (e.mean(), e.std(ddof=1))
    _, faux_positifs = _simuler(0.0, range(20_000, 20_200))
    assert faux_positifs <= 0.06, faux_positifs


def test_jours_sans_meteo_intervalle_fini():
    """Des jours sans météo (période neutralisée entre référence et expérimentation, trous dans la
    référence) ne doivent pas rendre l'intervalle ``nan`` : ces jours sont simplement exclus.

    Reproduit le banc OpenEEmeter (température moyenne seule, min = max, neuf jours neutralisés
    sans aucune donnée entre les deux périodes), où l'intervalle sortait ``nan``.
    """
    y, meteo, r, e = _serie_simple(graine=11, effet=-40.0)
    t = (meteo["temperature_min"] + meteo["temperature_max"]) / 2
    meteo = pd.DataFrame({"date": meteo["date"], "temperature_min": t, "temperature_max": t,
                          "temperature_moyenne": t})
    # Période neutralisée : ni mesure ni météo pendant 9 jours entre les deux périodes.
    jours = meteo["date"]
    neutralise = (jours > r[1] - pd.Timedelta(days=9)) & (jours <= r[1])
    trous = jours.isin(jours.iloc[[40, 41, 300, 800]])  # quelques jours de météo manquants
    meteo = meteo.loc[~(neutralise | trous)]
    y = y.loc[~neutralise.to_numpy()]
    res = reference_energetique(y, meteo, (r[0], r[1] - pd.Timedelta(days=9)), e)
    assert res.details["jours_sans_meteo"] == 4
    for x in (res.effet, res.erreur_type, res.ic_bas, res.ic_haut, res.ic_relatif_bas, res.ic_relatif_haut,
              res.p_valeur):
        assert math.isfinite(x), x
    assert res.erreur_type > 0
    vrai = -40.0 * res.details["jours_experimentation"]
    # Un seul tirage : l'effet estimé est à moins de trois erreurs types du vrai (la couverture
    # à 95 % se vérifie sur des simulations, voir test_simulation_couverture_et_faux_positifs).
    assert abs(res.effet - vrai) <= 3 * res.erreur_type
    assert res.significatif and res.ic_haut < 0
    # Le placebo et les bandes du contrefactuel restent calculés.
    placebo = res.details["placebo"]
    assert math.isfinite(placebo["ic_bas"]) and math.isfinite(placebo["ic_haut"])
    cf = res.contrefactuel
    mesures = cf["observe"].notna() & cf["contrefactuel"].notna()
    assert np.isfinite(cf.loc[mesures, ["contrefactuel_bas", "contrefactuel_haut"]].to_numpy()).all()


def _serie_horaire(graine=4, effet=0.0):
    """Consommation pilotée par les degrés-heures (équilibre 15 °C), température horaire à forte
    amplitude journalière ; heure locale de Paris (jours de 23 et 25 heures)."""
    rng = np.random.default_rng(graine)
    instants = pd.date_range("2021-01-01", "2023-12-31 23:00", freq="h", tz=config.FUSEAU)
    jour = instants.tz_localize(None).normalize()
    doy = instants.day_of_year.to_numpy()
    t_jour = pd.Series(rng.normal(0, 2.5, jour.nunique()), index=jour.unique())
    t = (11 - 8 * np.cos(2 * np.pi * (doy - 15) / 365.25) - 6 * np.cos(2 * np.pi * (instants.hour.to_numpy() - 4) / 24)
         + t_jour.reindex(jour).to_numpy())
    th = pd.Series(t, index=instants)
    dh = pd.Series(np.maximum(0, 15 - t), index=jour).groupby(level=0).mean()
    dates = dh.index
    y = pd.Series(80 + 24 * dh.to_numpy() + rng.normal(0, 12, len(dates)), index=dates)
    y[dates >= "2023-01-01"] += effet
    g = th.groupby(jour)
    meteo = pd.DataFrame({"date": dates, "temperature_min": g.min().to_numpy(), "temperature_max": g.max().to_numpy(),
                          "temperature_moyenne": g.mean().to_numpy()})
    return y, meteo, th, ("2021-01-01", "2022-12-31"), ("2023-01-01", "2023-12-31")


def test_degres_heures_depuis_temperature_horaire():
    """Avec la température horaire, les degrés-jours sont des degrés-heures (le chauffage des
    heures froides d'un jour doux compte) : point d'équilibre et pente retrouvés, effet couvert ;
    la moyenne journalière seule sous-estime la pente (jours doux au-dessus de l'équilibre)."""
    y, meteo, th, r, e = _serie_horaire(effet=-30.0)
    res = reference_energetique(y, meteo, r, e, temperatures_horaires=th, rechercher_refroidissement=False)
    assert res.details["temperature_equilibre_chauffage"] == pytest.approx(15.0, abs=0.5)
    coef = res.details["coefficients"].set_index("variable")["coefficient"]
    assert coef["degres_jours_chauffage"] == pytest.approx(24, rel=0.05)
    vrai = -30.0 * res.details["jours_experimentation"]
    assert abs(res.effet - vrai) <= 3 * res.erreur_type and res.ic_haut < 0
    moyenne = reference_energetique(y, meteo, r, e, methode_dju="moyenne", rechercher_refroidissement=False)
    assert moyenne.details["ashrae_journalier"]["cv_rmse"] > res.details["ashrae_journalier"]["cv_rmse"]


def test_degres_heures_jours_incomplets_et_parametres():
    y, meteo, th, r, e = _serie_horaire()
    # Un jour de référence avec 6 heures seulement : jour sans météo (règle des 50 % de CalTRACK).
    jour = th.index.tz_localize(None).normalize()
    incomplet = (jour == pd.Timestamp("2021-06-10")) & (th.index.hour >= 6)
    res = reference_energetique(y, meteo, r, e, temperatures_horaires=th[~incomplet],
                                rechercher_refroidissement=False)
    assert res.details["jours_sans_meteo"] == 1
    assert math.isfinite(res.ic_bas) and math.isfinite(res.ic_haut)
    with pytest.raises(ErreurDonnees, match="températures horaires"):
        reference_energetique(y, meteo, r, e, methode_dju="horaire")
    with pytest.raises(ErreurDonnees, match="inconnue"):
        reference_energetique(y, meteo, r, e, methode_dju="mensuelle")


def test_profil_reconstitue_de_tn_tx():
    """Méthode « profil » : avec les seules TN et TX, les degrés-heures d'un profil reconstitué
    (minimale à l'aube, maximale l'après-midi) suivent mieux une consommation pilotée par les
    heures froides que la moyenne du jour."""
    y, meteo, th, r, e = _serie_horaire(effet=-30.0)
    tn_tx = meteo[["date", "temperature_min", "temperature_max"]]
    res = reference_energetique(y, tn_tx, r, e, methode_dju="profil", rechercher_refroidissement=False)
    moyenne = reference_energetique(y, tn_tx, r, e, methode_dju="moyenne", rechercher_refroidissement=False)
    assert res.details["ashrae_journalier"]["cv_rmse"] < moyenne.details["ashrae_journalier"]["cv_rmse"]
    assert res.details["temperature_equilibre_chauffage"] == pytest.approx(15.0, abs=1.0)
    vrai = -30.0 * res.details["jours_experimentation"]
    assert abs(res.effet - vrai) <= 3 * res.erreur_type and res.ic_haut < 0
    assert res.details["methode_dju"] == "profil"


def test_tendance_pendant_la_reference_baisse_detectee_et_phrase_en_pourcentage_par_an():
    """Une baisse de 6 %/an déjà en cours pendant deux ans de référence : « echec », dérive en % par an."""
    y, meteo, r, e = _serie_simple(graine=8)
    annees = np.arange(len(y)) / 365.25
    y = y * (1 - 0.06 * annees)
    res = reference_energetique(y, meteo, r, e, rechercher_refroidissement=False)
    v = next(v for v in res.verifications if v.nom == "Tendance pendant la référence")
    assert v.statut == "echec", v.phrase
    assert "% par an" in v.phrase and "attribué à tort" in v.phrase
    assert res.details["tendance_reference"]["derive_relative_par_an"] == pytest.approx(-0.06, abs=0.025)
    # Série stable : pas d'alerte ; hausse : « attention » (une économie serait sous-estimée).
    y0, meteo, r, e = _serie_simple(graine=8)
    stable = reference_energetique(y0, meteo, r, e, rechercher_refroidissement=False)
    assert next(v for v in stable.verifications if v.nom == "Tendance pendant la référence").statut == "reussie"
    hausse = reference_energetique(y0 * (1 + 0.06 * annees), meteo, r, e, rechercher_refroidissement=False)
    assert next(v for v in hausse.verifications if v.nom == "Tendance pendant la référence").statut == "attention"


def test_tendance_non_testee_sous_douze_mois():
    y, meteo, r, e = _serie_simple(jours_ref=200, jours_exp=100)
    res = reference_energetique(y, meteo, r, e, rechercher_refroidissement=False)
    assert all(v.nom != "Tendance pendant la référence" for v in res.verifications)
    assert "non_testee" in res.details["tendance_reference"]


def test_intervalle_relatif_defini_par_le_total_observe():
    from eprouvette.methodes.base import intervalle_relatif

    y, meteo, r, e = _serie_simple(graine=3, effet=-60.0)
    res = reference_energetique(y, meteo, r, e, rechercher_refroidissement=False)
    attendu = intervalle_relatif(res.effet, res.ic_bas, res.ic_haut, res.details["total_observe"])
    assert (res.effet_relatif, res.ic_relatif_bas, res.ic_relatif_haut) == pytest.approx(attendu)


def test_autocovariances_attendues_des_residus_calcul_dense():
    """Le calcul rapide (convolution, diagonales proches) égale E[e e'] = A Γ A' calculé en dense."""
    from scipy.linalg import toeplitz

    from eprouvette.methodes.reference_energetique import _autocovariances_attendues

    rng = np.random.default_rng(0)
    n = 80
    obs = np.ones(n, dtype=bool)
    obs[[5, 6, 40]] = False
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    sigma = rng.uniform(0.5, 2.0, n)
    gamma = 0.6 ** np.arange(n)
    pos = np.flatnonzero(obs)
    G = toeplitz(gamma)[np.ix_(pos, pos)]
    for pondere in (False, True):
        D = np.diag(sigma[pos])
        Xo = X[pos]
        if pondere:
            Xw = Xo / sigma[pos][:, None]
            A = np.eye(len(pos)) - Xw @ np.linalg.pinv(Xw)
        else:
            A = np.linalg.inv(D) @ (np.eye(len(pos)) - Xo @ np.linalg.pinv(Xo)) @ D
        C = A @ G @ A.T
        J = np.eye(len(pos)) - 1.0 / len(pos)
        C = J @ C @ J
        dense = np.zeros(4)
        for i in range(len(pos)):
            for j in range(i, len(pos)):
                if pos[j] - pos[i] <= 3:
                    dense[pos[j] - pos[i]] += C[i, j]
        dense /= len(pos)
        rapide = _autocovariances_attendues(gamma, obs, X, sigma, pondere, 3)
        assert rapide == pytest.approx(dense, rel=1e-8, abs=1e-10)


def test_recherche_du_point_d_equilibre_comptee():
    y, meteo, r, e = _serie_simple(graine=2, effet=-40.0)
    res = reference_energetique(y, meteo, r, e, rechercher_refroidissement=False)
    rech = res.details["recherche_equilibre"]
    assert rech["facteur"] >= 1.0 and rech["repliques"] >= 50
    fixe = reference_energetique(y, meteo, r, e, temperature_base_chauffage=15.0, rechercher_refroidissement=False)
    assert "recherche_equilibre" not in fixe.details
