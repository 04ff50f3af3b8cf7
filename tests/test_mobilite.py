"""Domaine mobilité : covariables de calendrier, report modal, piège des vacances, pilotes d'exemple."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest
import yaml

from eprouvette import config
from eprouvette.domaines import mobilite as mob
from eprouvette.methodes.puissance import facteur_autocorrelation
from eprouvette.methodes.series_calendrier import estimer_effet
from eprouvette.generateurs.mobilite import VELO_ARRAS, generer_pilote_mobilite

PILOTES = ["mobilite-feux-bus-amiens", "mobilite-compteurs-velo-arras"]


# --------------------------------------------------------------------------------------------
# Calendrier
# --------------------------------------------------------------------------------------------


def test_covariables_calendrier_jours_connus():
    # 14 juillet 2025 : lundi férié, en plein dans les grandes vacances ; 1er mai 2025 : jeudi férié ;
    # 11 mars 2025 : mardi ordinaire ; 16 février 2025 : dimanche pendant les vacances d'hiver de la
    # zone B (8 - 24 février 2025).
    jours = ["2025-07-14", "2025-05-01", "2025-03-11", "2025-02-16"]
    c = mob.covariables_calendrier(jours, [0.0, 3.5, 42.0, 0.0]).set_index("date")
    assert c.loc["2025-07-14", ["ferie", "vacances_scolaires"]].tolist() == [1.0, 1.0]
    assert c.loc["2025-07-14", mob.JOURS[1:]].sum() == 0  # lundi = référence
    assert c.loc["2025-05-01", "jeudi"] == 1.0 and c.loc["2025-05-01", "ferie"] == 1.0
    assert c.loc["2025-03-11", ["ferie", "vacances_scolaires", "mardi"]].tolist() == [0.0, 0.0, 1.0]
    assert c.loc["2025-02-16", "dimanche"] == 1.0 and c.loc["2025-02-16", "vacances_scolaires"] == 1.0
    assert c["pluie_mm"].tolist() == [0.0, 3.5, mob.PLAFOND_PLUIE_MM, 0.0]


def test_covariables_refusent_pluie_negative():
    with pytest.raises(ValueError, match="négative"):
        mob.covariables_calendrier(["2025-01-02"], [-1.0])


def test_effets_calendrier_en_mots():
    coefs = pd.DataFrame({"terme": ["niveau", "vacances_scolaires", "samedi"],
                          "coefficient": [0.1, np.log(0.77), np.log(0.7)],
                          "ic_bas": [0.0, np.log(0.75), np.log(0.68)], "ic_haut": [0.2, np.log(0.79), np.log(0.72)],
                          "p_valeur": [0.1, 0.0, 0.0]})
    e = mob.effets_calendrier(coefs, multiplicatif=True, sujet="cyclistes")
    assert e["terme"].tolist() == ["samedi", "vacances_scolaires"]  # ordre du calendrier, sans « niveau »
    assert e.loc[1, "phrase"] == "Un jour de vacances scolaires compte 23\u00a0% de cyclistes en moins."
    assert e.loc[0, "phrase"] == "Un samedi compte 30\u00a0% de cyclistes en moins qu'un lundi."
    assert e.loc[1, "ic_bas"] == pytest.approx(-0.25)
    g = mob.phrase_effet_calendrier("dimanche", -4.6, multiplicatif=False, sujet="le temps de parcours", unite="minutes")
    assert g == "Un dimanche, le temps de parcours est plus bas de 4,6 minutes qu'un lundi."


def test_comparaison_naive_et_facteur_autocorrelation():
    n = mob.comparaison_naive([10, 10, 5, 5], pd.date_range("2025-01-01", periods=4), "2025-01-03")
    assert (n.moyenne_avant, n.moyenne_apres, n.ecart_relatif) == (10.0, 5.0, -0.5)
    assert facteur_autocorrelation(0.5) == pytest.approx(3.0)
    assert facteur_autocorrelation(-0.2) == 1.0


def test_report_modal_calcul_a_la_main():
    p = mob.charger_parametres_mobilite()
    km, t = mob.report_modal(10_000, p)
    attendu = 10_000 * p.trajets_par_passage.valeur * p.part_report_voiture.valeur * p.longueur_trajet_velo_km.valeur
    assert km == pytest.approx(attendu)
    assert t == pytest.approx(attendu * p.facteur_emission_voiture.valeur / 1000)
    # Avec les valeurs livrées : 10 000 × 1 × 0,3 × 3,5 = 10 500 km ; × 0,218 kg = 2,289 t.
    assert (km, t) == (pytest.approx(10_500), pytest.approx(2.289))
    assert set(p.a_confirmer()) == {"longueur_trajet_velo_km", "part_report_voiture", "trajets_par_passage",
                                     "facteur_emission_voiture"}


def test_parametres_mobilite_message_francais(tmp_path):
    f = tmp_path / "mobilite.yaml"
    f.write_text("longueur_trajet_velo_km: {valeur: 3, unite: km, source: x, annee: 2020}\n", encoding="utf-8")
    with pytest.raises(Exception, match="part_report_voiture"):
        mob.charger_parametres_mobilite(f)


# --------------------------------------------------------------------------------------------
# Le piège des vacances : pas d'effet, l'expérimentation commence avec l'été
# --------------------------------------------------------------------------------------------

SANS_EFFET_ETE = dataclasses.replace(
    VELO_ARRAS, effet=0.0, amplitude_saison=0.0, effet_vacances=-0.35,
    reference=("2023-05-01", "2025-07-04"), experimentation=("2025-07-05", "2025-08-31"),
)


def _table(gen) -> pd.DataFrame:
    y = gen.mesures.pivot(index="date", columns="site", values="valeur").dropna().sum(axis=1)
    df = pd.DataFrame({"date": y.index, "valeur": y.to_numpy()}).merge(gen.meteo, on="date")
    cal = mob.covariables_calendrier(df["date"], df["precipitations_mm"])
    for c in cal.columns[1:]:
        df[c] = cal[c].to_numpy()
    df["jour_an"] = (df["date"] - df["date"].iloc[0]).dt.days.astype(float)
    return df


def test_vacances_ne_sont_pas_prises_pour_un_effet():
    debut = pd.Timestamp(SANS_EFFET_ETE.experimentation[0])
    assert mob.covariables_calendrier([debut])["vacances_scolaires"].iloc[0] == 1.0  # l'été commence le jour même
    df = _table(generer_pilote_mobilite(7, SANS_EFFET_ETE))
    naive = mob.comparaison_naive(df["valeur"], df["date"], debut)
    assert naive.ecart_relatif < -0.20  # la comparaison naïve voit une forte baisse
    cov = ["mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "ferie", "vacances_scolaires", "pluie_mm"]
    r = estimer_effet(df, debut, cov, comptage=True)
    assert not r.significatif, (r.effet_relatif, r.ic_relatif_bas, r.ic_relatif_haut)
    assert abs(r.effet_relatif) < 0.08 < abs(naive.ecart_relatif)


@pytest.mark.lent
def test_fausses_alarmes_rares_sur_vingt_series_sans_effet():
    """20 séries sans effet, été au début de l'expérimentation : le modèle conclut rarement à tort.

    Mesuré pendant le développement sur 100 séries : le quasi-Poisson seul déclarait 18 % de fausses
    alarmes (jours autocorrélés). Le modèle log-linéaire à erreurs AR(1) (REML, Kenward-Roger) est
    contrôlé plus largement dans tests/test_simulations_mobilite.py.
    """
    debut = pd.Timestamp(SANS_EFFET_ETE.experimentation[0])
    cov = ["mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "ferie", "vacances_scolaires", "pluie_mm"]
    alarmes, naives = 0, []
    for g in range(20):
        df = _table(generer_pilote_mobilite(100 + g, SANS_EFFET_ETE))
        alarmes += estimer_effet(df, debut, cov, comptage=True).significatif
        naives.append(mob.comparaison_naive(df["valeur"], df["date"], debut).ecart_relatif)
    assert alarmes <= 3  # 5 % attendus : P(≥ 4 sur 20) ≈ 1,6 %
    assert max(naives) < -0.10 and float(np.median(naives)) < -0.20


# --------------------------------------------------------------------------------------------
# Pilotes d'exemple
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=PILOTES)
def analyse(request):
    from eprouvette.analyse import analyser_pilote

    dossier = config.PILOTES / request.param
    if not dossier.is_dir():
        pytest.skip(f"pilote d'exemple {request.param} absent")
    return analyser_pilote(dossier), yaml.safe_load((dossier / "verite.yaml").read_text(encoding="utf-8"))


def test_pilote_donne_le_verdict_plante(analyse):
    a, verite = analyse
    assert a.recommandation.verdict == verite["verdict_attendu"], a.recommandation.raison
    r = a.resultat
    assert r.effet_minimal_detectable is not None and r.effet_minimal_detectable > 0
    vrai = verite["effet_vrai"]["effet_cumule"]
    if verite["verdict_attendu"] == "ne_pas_generaliser":
        # Effet nuisible établi : temps de parcours allongés ; l'effet vrai est dans l'intervalle.
        assert r.significatif and r.effet > 0
        assert r.ic_bas <= vrai <= r.ic_haut
        assert {i.code for i in a.indicateurs_feder} >= {"RCO60", "RCR62"}
        assert a.economie_annuelle is None
    else:
        # Trop court pour conclure : l'effet vrai (+5 %) est dans l'intervalle, qui contient zéro,
        # et l'effet minimal détectable relatif dépasse 5 %.
        assert not r.significatif
        assert r.ic_relatif_bas <= verite["effet_vrai"]["effet_relatif"] <= r.ic_relatif_haut
        assert r.effet_minimal_detectable / r.details["total_contrefactuel_apres"] > 0.05
        assert {i.code for i in a.indicateurs_feder} >= {"RCO60", "RCR64"}
        assert a.economie_annuelle is not None and a.economie_annuelle.unite == "km en voiture"


def test_sections_mobilite(analyse):
    from eprouvette.presentation import sections_mobilite

    a, _ = analyse
    texte = "".join(str(b) for b in sections_mobilite.calendrier(a))
    assert "vacances scolaires" in texte and "comparaison des moyennes" in texte
    serie = sections_mobilite.serie(a)
    assert len(serie) == 2 and "<h3" in str(serie[1]) and "<details" in str(serie[1])


def test_caracteristiques_validees(tmp_path):
    from eprouvette.domaines.mobilite_pilote import _caracteristiques
    from eprouvette.erreurs import ErreurDonnees

    class P:
        dossier = tmp_path
        caracteristiques = {"voyageurs_annuels": -3}

    with pytest.raises(ErreurDonnees, match="voyageurs_annuels"):
        _caracteristiques(P())


# --------------------------------------------------------------------------------------------
# Estimation : doubles différences avec témoins, modèle log-linéaire, effet relatif, EMD
# --------------------------------------------------------------------------------------------

COV = ["mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "ferie", "vacances_scolaires", "pluie_mm"]


def _table_arras(graine: int = 7) -> pd.DataFrame:
    return _table(generer_pilote_mobilite(graine, VELO_ARRAS))


def test_temoin_n_est_plus_une_covariable_libre():
    df = _table_arras()
    df["temoin"] = df["valeur"]
    with pytest.raises(ValueError, match="coefficient fixé"):
        estimer_effet(df, VELO_ARRAS.experimentation[0], [*COV, "temoin"], comptage=True)


def test_choc_commun_s_annule_exactement_avec_temoins():
    """Un choc de +8 % sur tous les compteurs au début : l'effet estimé avec témoins ne bouge pas."""
    df = _table_arras()
    debut = pd.Timestamp(VELO_ARRAS.experimentation[0])
    rng = np.random.default_rng(3)
    df["temoin"] = np.round(df["valeur"] * 0.8 * np.exp(rng.normal(0, 0.05, len(df))))
    r0 = estimer_effet(df, debut, COV, comptage=True, temoin="temoin")
    choc = df.copy()
    apres = choc["date"] >= debut
    choc.loc[apres, ["valeur", "temoin"]] *= 1.08
    r1 = estimer_effet(choc, debut, COV, comptage=True, temoin="temoin")
    # Identiques à la précision de l'optimiseur de la vraisemblance restreinte près.
    assert r1.effet_relatif == pytest.approx(r0.effet_relatif, abs=1e-5)
    assert r1.ic_relatif_bas == pytest.approx(r0.ic_relatif_bas, abs=1e-5)
    assert r1.details["plan"] == "doubles_differences_temoins" and r1.details["temoins_utilises"] is True
    assert "tendance" not in r1.details["coefficients"]["terme"].tolist()  # tendances parallèles
    assert any(v.nom == "tendances_prealables" for v in r1.verifications)
    # Sans témoin, le même choc passe dans l'effet.
    r2 = estimer_effet(choc, debut, COV, comptage=True)
    assert r2.effet_relatif > r0.effet_relatif + 0.05


def test_effet_relatif_rapport_de_taux_et_emd_log_lineaire():
    from eprouvette.methodes.base import intervalle_relatif

    df = _table_arras()
    r = estimer_effet(df, VELO_ARRAS.experimentation[0], COV, comptage=True)
    assert r.details["modele_comptage"] == "log-linéaire, erreurs AR(1)"  # comptages élevés : AR(1) seul
    assert r.details["part_bruit_comptage"] < 0.20
    rr, (rr_bas, rr_haut) = r.details["rapport_taux"], r.details["rapport_taux_ic"]
    o = r.details["total_observe_apres"]
    assert (r.effet_relatif, r.ic_relatif_bas, r.ic_relatif_haut) == pytest.approx((rr - 1, rr_bas - 1, rr_haut - 1))
    assert (r.effet_relatif, r.ic_relatif_bas, r.ic_relatif_haut) == pytest.approx(
        intervalle_relatif(r.effet, r.ic_bas, r.ic_haut, o))
    assert r.effet == pytest.approx(o * (1 - 1 / rr))
    # EMD : même unité que l'effet ; rapporté au contrefactuel (lecture de la grille), exp(2,8 se) − 1.
    se = r.details["erreur_type_log_rapport_taux"]
    assert r.effet_minimal_detectable / (o / rr) == pytest.approx(np.expm1((1.96 + 0.84) * se), rel=0.01)
    assert r.details["total_contrefactuel_apres"] == pytest.approx(o / rr)


def test_comptages_faibles_quasi_poisson_avec_emd():
    df = _table_arras()
    df["valeur"] = np.random.default_rng(1).poisson(df["valeur"] / 150)
    assert df["valeur"].min() < 10
    r = estimer_effet(df, VELO_ARRAS.experimentation[0], COV, comptage=True)
    assert r.details["modele_comptage"] == "quasi-Poisson, intervalle élargi"
    assert any(v.nom == "comptages_faibles" and v.statut == "attention" for v in r.verifications)
    assert r.effet_minimal_detectable is not None and r.effet_minimal_detectable > 0
    assert r.ic_relatif_bas < r.effet_relatif < r.ic_relatif_haut
    rr = r.details["rapport_taux"]
    assert r.effet_relatif == pytest.approx(rr - 1)


def test_grandeur_continue_avec_temoin_en_difference():
    df = _table_arras()
    debut = pd.Timestamp(VELO_ARRAS.experimentation[0])
    df["valeur"] = 30 + np.log(df["valeur"])
    df["temoin"] = df["valeur"] - 5 + np.random.default_rng(2).normal(0, 0.05, len(df))
    choc = df.copy()
    choc.loc[choc["date"] >= debut, ["valeur", "temoin"]] += 3.0  # même choc additif partout
    r0 = estimer_effet(df, debut, COV, comptage=False, temoin="temoin")
    r1 = estimer_effet(choc, debut, COV, comptage=False, temoin="temoin")
    assert r1.effet == pytest.approx(r0.effet, abs=1e-9)
    assert r1.effet_minimal_detectable == pytest.approx(r0.effet_minimal_detectable)
    o = r1.details["total_observe_apres"]
    assert r1.effet_relatif == pytest.approx(r1.effet / (o - r1.effet))


def test_pilote_avec_temoins_de_bout_en_bout(tmp_path):
    """Copie du pilote d'Arras avec un compteur témoin et un choc commun de +8 % : doubles différences."""
    import shutil

    from eprouvette.analyse import analyser_pilote
    from eprouvette.presentation import sections_mobilite

    source = config.PILOTES / "mobilite-compteurs-velo-arras"
    if not source.is_dir():
        pytest.skip("pilote d'exemple absent")
    dossier = tmp_path / "mobilite-compteurs-velo-arras"
    shutil.copytree(source, dossier)
    fiche = yaml.safe_load((dossier / "pilote.yaml").read_text(encoding="utf-8"))
    fiche["sites"].append({"identifiant": "compteur-temoin", "nom": "Compteur fictif témoin", "role": "temoin",
                           "code_insee": "62041", "description": "Compteur témoin (données simulées)."})
    (dossier / "pilote.yaml").write_text(yaml.safe_dump(fiche, allow_unicode=True, sort_keys=False), encoding="utf-8")
    m = pd.read_csv(dossier / "mesures.csv", sep=";", dtype={"valeur": float})
    debut = fiche["periodes"]["experimentation"]["debut"]
    apres = m["date"] >= debut
    large = m.pivot(index="date", columns="site", values="valeur").dropna()
    # Le témoin suit les compteurs équipés sans l'effet (+5 %) ; choc commun de +8 % partout.
    jours_apres = large.index >= debut
    temoin = 0.8 * large.sum(axis=1) * np.where(jours_apres, 1.08 / 1.05, 1.0)
    # Des passages restent des nombres entiers (un comptage non entier est refusé à la lecture).
    m.loc[apres, "valeur"] = np.round(m.loc[apres, "valeur"] * 1.08)
    t = pd.DataFrame({"date": large.index, "site": "compteur-temoin", "indicateur": "passages_velo",
                      "valeur": np.round(temoin.to_numpy())})
    pd.concat([m, t]).to_csv(dossier / "mesures.csv", sep=";", index=False)
    a = analyser_pilote(dossier)
    r = a.resultat
    assert r.details["plan"] == "doubles_differences_temoins"
    assert r.effet_relatif == pytest.approx(0.05, abs=0.01)  # le choc de +8 % ne passe pas dans l'effet
    assert "doubles différences" in r.justification and "s'annule donc entièrement" in r.justification
    assert r.limites[0].startswith("Les doubles différences supposent")
    assert not any(lim.startswith("Sans site témoin") for lim in r.limites)
    assert "coefficients_calendrier" in r.details
    texte = "".join(str(b) for b in sections_mobilite.calendrier(a))
    assert "vacances scolaires" in texte


@pytest.mark.parametrize("cas", ["aucun_passage_pendant", "comptage_constant", "continu_constant"])
def test_series_degenerees_jamais_significatives(cas):
    df = _table_arras()
    debut = pd.Timestamp(VELO_ARRAS.experimentation[0])
    comptage = cas != "continu_constant"
    if cas == "aucun_passage_pendant":
        df["valeur"] = np.random.default_rng(1).poisson(df["valeur"] / 150)
        df.loc[df["date"] >= debut, "valeur"] = 0
    else:
        df["valeur"] = 500.0 if comptage else 5.0
    with np.errstate(all="ignore"):
        r = estimer_effet(df, debut, COV, comptage=comptage)
    assert not r.significatif and not r.incertitude_valide
    assert r.effet_minimal_detectable is None and "incertitude_indeterminee" in r.details
    assert r.resume.startswith("Les données ne permettent pas de calculer une incertitude")


def test_jour_aberrant_retire_et_signale():
    """Une panne partielle (3 passages un jour au lieu de ~1 500) ne doit pas fausser la persistance estimée."""
    df = _table_arras()
    debut = pd.Timestamp(VELO_ARRAS.experimentation[0])
    r0 = estimer_effet(df, debut, COV, comptage=True)
    panne = df.copy()
    panne.loc[200, "valeur"] = 3.0
    r1 = estimer_effet(panne, debut, COV, comptage=True)
    assert r1.details["modele_comptage"].startswith("log-linéaire")  # pas renvoyé au quasi-Poisson
    assert r1.details["jours_aberrants_exclus"] == [panne.loc[200, "date"].date().isoformat()]
    assert any(v.nom == "jours_aberrants" and v.statut == "attention" for v in r1.verifications)
    assert r1.effet_relatif == pytest.approx(r0.effet_relatif, abs=0.005)
    assert r1.details["rho_ar1_residus"] == pytest.approx(r0.details["rho_ar1_residus"], abs=0.02)
