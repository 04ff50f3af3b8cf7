"""Domaine eau : formules SISPEA calculées à la main, débit minimum nocturne, méthode, pilotes d'exemple."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from eprouvette import config
from eprouvette.domaines import eau, eau_pilote
from eprouvette.methodes import series_journalieres
from eprouvette.erreurs import ErreurDonnees

# ---------------------------------------------------------------------------------------------
# Bilan et indicateurs SISPEA (valeurs calculées à la main)
# ---------------------------------------------------------------------------------------------
# Produit 1 000 000, importé 100 000, exporté 50 000 -> mis en distribution 1 050 000.
# Comptabilisé 800 000, sans comptage 10 000, service 5 000 -> consommé autorisé 815 000.
# Rendement = (800 000 + 10 000 + 5 000 + 50 000) / 1 100 000 × 100 = 78,6363…
# P105.3 = (1 050 000 − 800 000) / (365 × 100) = 6,849315…
# P106.3 = (1 050 000 − 815 000) / (365 × 100) = 6,438356…
# ILC = (815 000 + 50 000) / 36 500 = 23,69863… ; seuil = 65 + 0,2 × 23,69863 = 69,7397…


@pytest.fixture
def bilan():
    return eau.BilanReseau(produit=1_000_000, importe=100_000, exporte=50_000, comptabilise=800_000,
                           consomme_sans_comptage=10_000, service=5_000, lineaire_km=100)


def test_indicateurs_sispea_a_la_main(bilan):
    i = bilan.indicateurs()
    assert bilan.mis_en_distribution == 1_050_000
    assert bilan.consomme_autorise == 815_000
    assert i["rendement_p104_3"] == pytest.approx(865_000 / 1_100_000 * 100)
    assert i["rendement_p104_3"] == pytest.approx(78.63636, abs=1e-4)
    assert i["indice_volumes_non_comptes_p105_3"] == pytest.approx(6.849315, abs=1e-6)
    assert i["indice_pertes_p106_3"] == pytest.approx(6.438356, abs=1e-6)
    assert i["indice_lineaire_consommation"] == pytest.approx(23.69863, abs=1e-5)
    assert i["seuil_rendement_decret"] == pytest.approx(69.73973, abs=1e-4)
    assert i["seuil_respecte"] is True
    assert i["pertes_m3_an"] == 235_000


def test_seuil_decret_plafonne_a_85():
    assert eau.seuil_rendement_decret_2012_97(0) == 65
    assert eau.seuil_rendement_decret_2012_97(50) == 75
    assert eau.seuil_rendement_decret_2012_97(100) == 85
    assert eau.seuil_rendement_decret_2012_97(500) == 85


def test_rendement_sous_le_seuil():
    b = eau.BilanReseau(produit=1_000_000, comptabilise=600_000, lineaire_km=200)
    i = b.indicateurs()
    # ILC = 600 000 / 73 000 = 8,219 ; seuil = 66,64 ; rendement = 60 %
    assert i["rendement_p104_3"] == pytest.approx(60.0)
    assert i["seuil_rendement_decret"] == pytest.approx(65 + 0.2 * 600_000 / 73_000)
    assert i["seuil_respecte"] is False


def test_bilan_incoherent_refuse():
    with pytest.raises(ValueError, match="incohérent"):
        eau.BilanReseau(produit=100, comptabilise=200, lineaire_km=1)
    with pytest.raises(ValueError, match="linéaire"):
        eau.BilanReseau(produit=100, comptabilise=50, lineaire_km=0)


def test_pertes_et_usage_legitime():
    # 2 000 abonnés × 1,7 L/h = 3,4 m³/h ; + 0,6 m³/h de gros consommateurs = 4,0 m³/h
    assert eau.usage_nocturne_legitime(2000, 1.7, 0.6) == pytest.approx(4.0)
    assert eau.debit_fuite_nocturne(10.0, 4.0) == pytest.approx(6.0)
    assert eau.pertes_journalieres(6.0, 20) == pytest.approx(120.0)
    assert eau.effet_annuel(-100.0) == pytest.approx(-36_525.0)
    with pytest.raises(ValueError, match="24"):
        eau.pertes_journalieres(6.0, 25)


# ---------------------------------------------------------------------------------------------
# Débit minimum nocturne
# ---------------------------------------------------------------------------------------------


def _debits_15min(jours: int, tz: str | None) -> pd.DataFrame:
    dates = pd.date_range("2024-06-03", periods=96 * jours, freq="15min", tz=tz)
    heure = dates.hour + dates.minute / 60
    # débit 30 m³/h le jour, 8 à 2 h 45 (minimum), 9 sinon la nuit ; un creux à 1 h hors fenêtre
    valeur = np.where((heure >= 1.9) & (heure < 4), 9.0, 30.0)
    valeur[(dates.hour == 2) & (dates.minute == 45)] = 8.0
    valeur[(dates.hour == 1) & (dates.minute == 0)] = 1.0
    return pd.DataFrame({"date": dates, "site": "s1", "valeur": valeur})


@pytest.mark.parametrize("tz", [None, "Europe/Paris"])
def test_debit_minimum_nocturne_fenetre_2h_4h(tz):
    dmn = eau.debit_minimum_nocturne(_debits_15min(3, tz))
    assert len(dmn) == 3
    assert (dmn["debit_minimum_nocturne"] == 8.0).all()  # le creux de 1 h est hors fenêtre
    assert (dmn["n_valeurs"] == 8).all()  # 2 h 00 à 3 h 45
    assert dmn["date"].iloc[0] == pd.Timestamp("2024-06-03")


def test_debit_minimum_nocturne_heure_locale_depuis_utc():
    d = _debits_15min(2, "Europe/Paris")
    d["date"] = d["date"].dt.tz_convert("UTC")
    dmn = eau.debit_minimum_nocturne(d)
    assert (dmn["debit_minimum_nocturne"] == 8.0).all()


# ---------------------------------------------------------------------------------------------
# Méthode : doubles différences sur séries journalières
# ---------------------------------------------------------------------------------------------


def _series(effet: float, graine: int, n_avant=400, n_apres=300) -> pd.DataFrame:
    rng = np.random.default_rng(graine)
    n = n_avant + n_apres
    commun = np.zeros(n)
    e = np.zeros(n)
    for t in range(1, n):
        commun[t] = 0.7 * commun[t - 1] + rng.normal(0, 20)
        e[t] = 0.5 * e[t - 1] + rng.normal(0, 15)
    apres = np.arange(n) >= n_avant
    return pd.DataFrame({
        "date": pd.date_range("2023-01-01", periods=n, freq="D"),
        "periode": np.where(apres, "apres", "avant"),
        "pertes_experimentaux": 1000 + commun + e + effet * apres,
        "pertes_temoins": 500 + 0.5 * commun + rng.normal(0, 5, n),
    })


def test_ecart_moyennes_sans_autocorrelation_egale_test_t():
    rng = np.random.default_rng(3)
    d = rng.normal(0, 1, 600)
    apres = np.arange(600) >= 300
    d[apres] += 0.5
    em = series_journalieres.ecart_moyennes_ar1(d, apres)
    assert em.effet == pytest.approx(d[apres].mean() - d[~apres].mean())
    se_t = np.sqrt(d[apres].var(ddof=1) / 300 + d[~apres].var(ddof=1) / 300)
    assert abs(em.rho) < 0.1
    assert em.erreur_type == pytest.approx(se_t, rel=0.15)


def test_doubles_differences_retrouve_l_effet_plante():
    r = eau_pilote.estimer(_series(-120.0, 1), "pertes", avec_temoins=True)
    assert r.ic_bas < -120 < r.ic_haut
    assert r.significatif and r.effet < 0
    assert r.effet_relatif == pytest.approx(-120 / 1000, abs=0.03)
    assert r.details["effet_m3_an"] == pytest.approx(r.effet * 365.25)
    assert r.effet_minimal_detectable > 0


def test_doubles_differences_sans_effet_ne_conclut_pas_a_tort():
    fausses_alertes = sum(eau_pilote.estimer(_series(0.0, g), "pertes", avec_temoins=True).significatif
                          for g in range(20))
    assert fausses_alertes <= 3  # ~5 % attendus ; large marge pour 20 tirages


def test_somme_correlations_ar1():
    # m = 3, ρ = 0,5 : 3 + 2 × (2 × 0,5 + 1 × 0,25) = 5,5
    assert series_journalieres.somme_correlations_ar1(3, 0.5) == pytest.approx(5.5)


# ---------------------------------------------------------------------------------------------
# Pilotes d'exemple : le verdict planté est retrouvé
# ---------------------------------------------------------------------------------------------

PILOTES = ["eau-sectorisation-amiens", "eau-alertes-ia-douai"]


@pytest.mark.parametrize("identifiant", PILOTES)
def test_pilote_exemple_verdict(identifiant):
    from eprouvette.analyse import analyser_pilote

    dossier = config.PILOTES / identifiant
    if not dossier.exists():
        pytest.skip(f"pilote d'exemple absent : {dossier}")
    verite = yaml.safe_load((dossier / "verite.yaml").read_text(encoding="utf-8"))
    a = analyser_pilote(dossier)
    assert a.recommandation.verdict == verite["verdict_attendu"], a.recommandation.raison
    r = a.resultat
    vrai = verite["effet_vrai"]["effet_m3_jour"]
    assert r.ic_bas <= vrai <= r.ic_haut
    # Doubles différences synthétiques : estimation principale à Douai (un secteur équipé, vingt témoins,
    # 24 mois d'avant), contrôle de robustesse à Amiens (trois secteurs équipés, trois témoins).
    verifs = {v.nom: v for v in r.verifications}
    if identifiant == "eau-alertes-ia-douai":
        assert r.methode == "dd_synthetiques" and a.choix.identifiant == "dd_synthetiques"
        assert a.choix.libelle == "Doubles différences synthétiques" and a.choix.ne_peut_pas_montrer
        assert r.incertitude_valide and r.effet_minimal_detectable > 0
        assert "20 placebos" in r.resume and verifs["nombre_placebos"].statut == "reussie"
        assert "dd_synthetiques" not in verifs  # pas de contrôle d'elles-mêmes
    else:
        assert r.methode == "doubles_differences" and a.choix.identifiant == "doubles_differences"
        v = verifs["dd_synthetiques"]
        assert v.statut == "reussie" and "concordent" in v.phrase
        assert "pas l'estimation principale" in v.phrase and "m³/j" in v.phrase
    codes = {i.code: i.valeur for i in a.indicateurs_feder}
    if verite["verdict_attendu"] == "generaliser":
        assert codes["RCR43"] > 0
        assert a.economie.van_socio > 0
    else:
        # l'expérimentation pouvait voir un effet de 5 % : effet minimal détectable relatif ≤ 5 %
        cf_jour = r.details["total_contrefactuel_apres"] / r.details["n_apres"]
        assert r.effet_minimal_detectable / cf_jour <= 0.05
        assert codes["RCR43"] == 0


def test_caracteristique_invalide_message_francais(tmp_path):
    import shutil

    from eprouvette.analyse import analyser_pilote

    source = config.PILOTES / "eau-sectorisation-amiens"
    if not source.exists():
        pytest.skip(f"pilote d'exemple absent : {source}")
    dossier = tmp_path / "eau-sectorisation-amiens"
    shutil.copytree(source, dossier)
    fiche = (dossier / "pilote.yaml").read_text(encoding="utf-8")
    fiche = fiche.replace("abonnes_secteurs_experimentaux:", "abonnes_secteurs_experimentaux: -1\n  ancien_abonnes:")
    (dossier / "pilote.yaml").write_text(fiche, encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="abonnes_secteurs_experimentaux"):
        analyser_pilote(dossier)


def test_trop_peu_de_jours_message_francais_et_pas_d_erreur_inattendue(tmp_path):
    """Moins de 28 jours de référence : une ErreurDonnees (pilote.yaml, periode), pas un ValueError
    que le lanceur présenterait comme une « erreur inattendue »."""
    from eprouvette.lecture import charger_mesures
    from eprouvette.pilote import charger_pilote

    dossier = config.PILOTES / "eau-sectorisation-amiens"
    if not dossier.exists():
        pytest.skip(f"pilote d'exemple absent : {dossier}")
    pilote = charger_pilote(dossier)
    mesures = charger_mesures(pilote)
    debut = pd.Timestamp(pilote.periodes["experimentation"].debut)
    courtes = mesures[mesures["date"] >= debut - pd.Timedelta(days=20)]
    with pytest.raises(ErreurDonnees) as exc:
        eau_pilote.evaluer_pilote(pilote, courtes, None)
    assert exc.value.champ == "periode" and exc.value.fichier.name == "pilote.yaml"
    assert "il en faut au moins 28 avant et 14 après" in exc.value.message
