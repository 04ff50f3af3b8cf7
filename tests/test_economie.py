"""Économie d'une expérimentation : calculs vérifiés à la main, simulation de Monte-Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from scipy import stats

from eprouvette import config, economie as eco
from eprouvette.erreurs import ErreurDonnees
from eprouvette.methodes.base import ResultatImpact


@pytest.fixture(scope="module")
def valorisation():
    return eco.charger_valorisation()


def _valorisation_modifiee(tmp_path, **modifs):
    """Copie du fichier de paramètres avec quelques valeurs changées."""
    brut = yaml.safe_load((config.PARAMETRES / "valorisation.yaml").read_text(encoding="utf-8"))
    for cle, valeur in modifs.items():
        brut[cle]["valeur"] = valeur
    f = tmp_path / "valorisation.yaml"
    f.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    return eco.charger_valorisation(f)


# --- Paramètres ---------------------------------------------------------------------------


def test_parametres_publies(valorisation):
    assert valorisation.version
    assert valorisation.taux_actualisation.valeur == pytest.approx(0.032)
    assert valorisation.taux_actualisation.annee == 2021
    assert valorisation.valeur_carbone.points == {2018: 54, 2030: 250, 2040: 500, 2050: 775}
    assert valorisation.valeur_carbone.euros_de == 2018
    fe = valorisation.facteurs_emission
    assert fe["electricite"].valeur == pytest.approx(0.052)
    assert fe["gaz_naturel"].valeur == pytest.approx(0.227)
    assert fe["gazole"].valeur == pytest.approx(3.16)
    assert fe["essence"].valeur == pytest.approx(2.79)
    # Les valeurs non vérifiées dans le texte d'origine sont signalées.
    a_confirmer = valorisation.a_confirmer()
    assert "prix_energie.electricite" in a_confirmer
    assert "cout_eau_produite" in a_confirmer
    for p in [valorisation.taux_actualisation, valorisation.cout_eau_produite,
              *fe.values(), *valorisation.prix_energie.values()]:
        assert p.source and p.unite and p.annee > 2000


def test_trajectoire_carbone_interpolee(valorisation):
    vc = valorisation.valeur_carbone
    assert vc.valeur(2018) == pytest.approx(54)
    assert vc.valeur(2025) == pytest.approx(54 + (250 - 54) * 7 / 12)  # 168,33
    assert vc.valeur(2035) == pytest.approx(375)
    assert vc.valeur(2045) == pytest.approx(637.5)
    assert vc.valeur(2060) == pytest.approx(775)  # maintenue après 2050
    assert vc.valeur(2010) == pytest.approx(54)


def test_facteur_emission_en_tonnes(valorisation):
    assert valorisation.facteur_emission_t("electricite") == pytest.approx(52e-6)
    assert valorisation.facteur_emission_t("gaz_naturel", base="PCS") == pytest.approx(
        0.227e-3 / 1.11
    )
    with pytest.raises(ErreurDonnees, match="inconnu"):
        valorisation.facteur_emission_t("charbon")


def test_parametre_non_numerique(tmp_path):
    brut = yaml.safe_load((config.PARAMETRES / "valorisation.yaml").read_text(encoding="utf-8"))
    brut["taux_actualisation"]["valeur"] = "3,2 %"
    f = tmp_path / "v.yaml"
    f.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ErreurDonnees) as e:
        eco.charger_valorisation(f)
    assert e.value.champ == "taux_actualisation"
    assert "non numérique" in str(e.value)


def test_parametre_sans_source(tmp_path):
    brut = yaml.safe_load((config.PARAMETRES / "valorisation.yaml").read_text(encoding="utf-8"))
    del brut["prix_energie"]["gaz_naturel"]["source"]
    f = tmp_path / "v.yaml"
    f.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="source") as e:
        eco.charger_valorisation(f)
    assert e.value.champ == "prix_energie.gaz_naturel"


# --- Calculs élémentaires -------------------------------------------------------------------


def test_facteur_recuperation_capital():
    # Valeur des tables financières : 5 %, 10 ans -> 0,129505.
    assert eco.facteur_recuperation_capital(0.05, 10) == pytest.approx(0.1295046, abs=1e-6)
    assert eco.facteur_recuperation_capital(0.0, 8) == pytest.approx(1 / 8)
    # Un prêt de 1 000 € remboursé par annuités constantes a une valeur actuelle nulle.
    a = 1000 * eco.facteur_recuperation_capital(0.032, 12)
    assert eco.van(1000, [a] * 12, 0.032) == pytest.approx(0, abs=1e-9)


def test_van_a_la_main():
    # 1 000 € investis, 300 €/an pendant 4 ans à 10 % : facteur d'annuité 3,169865.
    assert eco.van(1000, [300] * 4, 0.10) == pytest.approx(-1000 + 300 * 3.1698654, abs=1e-4)
    assert eco.van(1000, [300] * 4, 0.0) == pytest.approx(200)
    # Flux irréguliers : -100 + 50/1,1 + 121/1,21 = 45,4545…
    assert eco.van(100, [50, 121], 0.10) == pytest.approx(-100 + 50 / 1.1 + 100, abs=1e-9)


def test_temps_de_retour():
    assert eco.delai_retour(1000, [300] * 5) == pytest.approx(1000 / 300)
    # Actualisé à 10 % : cumul 950,95 € après 4 ans, année 5 actualisée 186,28 €.
    attendu = 4 + (1000 - 300 * 3.1698654) / (300 / 1.1**5)
    assert eco.delai_retour(1000, [300] * 5, 0.10) == pytest.approx(attendu, abs=1e-4)
    # Jamais pendant la durée de vie.
    assert eco.delai_retour(1000, [300] * 4, 0.10) is None
    assert eco.delai_retour(1000, [-50] * 10) is None
    assert eco.delai_retour(0, [10] * 3) == 0.0


# --- Bilan d'un pilote ----------------------------------------------------------------------


def _couts(**k):
    base = dict(investissement=100_000, fonctionnement_annuel=3_000, duree_vie=10,
                feder=50_000, cofinancements=10_000, annee_mise_en_service=2025)
    base.update(k)
    return eco.Couts(**base)


def test_evaluer_coherent_avec_les_formules(valorisation):
    couts = _couts()
    economie = eco.EconomieAnnuelle(quantite=80_000, unite="kWh", prix_unitaire=0.20)
    r = eco.evaluer(couts, economie, valorisation)
    a = sum(1.032 ** -t for t in range(1, 11))
    assert r.van == pytest.approx(-100_000 + (16_000 - 3_000) * a)
    assert r.van_collectivite == pytest.approx(r.van + 60_000)
    assert r.van_socio == pytest.approx(r.van)  # pas d'émissions déclarées
    assert r.delai_retour_simple == pytest.approx(100_000 / 13_000)
    crf = 0.032 * 1.032**10 / (1.032**10 - 1)
    assert r.cout_annualise == pytest.approx(100_000 * crf + 3_000)
    # 80 MWh économisés par an -> coût par MWh.
    assert r.unite_cout == "€/MWh"
    assert r.cout_par_unite == pytest.approx((100_000 * crf + 3_000) / 80)
    assert r.cout_par_tco2e is None
    assert len(r.flux) == 10
    assert r.flux["cumul_actualise_eur"].iloc[-1] == pytest.approx(r.van)
    tab = r.tableau()
    assert "Valeur actuelle nette (coût complet)" in set(tab["Indicateur"])


def test_jamais_rentable(valorisation):
    r = eco.evaluer(_couts(), eco.EconomieAnnuelle(1_000, "kWh", 0.20), valorisation)
    assert r.van < 0
    assert r.delai_retour_simple is None and r.delai_retour_actualise is None
    assert "jamais" in str(r.tableau().loc[3, "Valeur"])


def test_economie_nulle_pas_de_cout_par_unite(valorisation):
    r = eco.evaluer(_couts(), eco.EconomieAnnuelle(0.0, "m³", 0.2), valorisation)
    assert r.cout_par_unite is None


def test_valeur_carbone_a_la_main(tmp_path):
    # Taux nul et déflateur 1 : la valeur carbone est la somme des valeurs annuelles.
    val = _valorisation_modifiee(tmp_path, taux_actualisation=0.0, deflateur_euros_2018=1.0)
    couts = eco.Couts(investissement=0, fonctionnement_annuel=0, duree_vie=2,
                      annee_mise_en_service=2030)
    economie = eco.EconomieAnnuelle(quantite=1000.0, unite="kWh", prix_unitaire=0.0,
                                    tco2e_par_unite=0.001)  # 1 tCO2e par an
    r = eco.evaluer(couts, economie, val)
    assert r.tco2e_evitees_an == pytest.approx(1.0)
    assert r.valeur_carbone_actualisee == pytest.approx(250 + 275)  # 2030 puis 2031
    assert r.van_socio == pytest.approx(525)


def test_valeur_carbone_actualisee_et_deflatee(valorisation):
    couts = _couts(duree_vie=3, annee_mise_en_service=2024)
    economie = eco.EconomieAnnuelle(quantite=100_000, unite="kWh", prix_unitaire=0.1,
                                    tco2e_par_unite=valorisation.facteur_emission_t("gaz_naturel"))
    r = eco.evaluer(couts, economie, valorisation)
    t = 100_000 * 0.227e-3  # 22,7 tCO2e/an
    d = valorisation.deflateur_euros_carbone.valeur
    vac = [54 + 196 * k / 12 for k in (6, 7, 8)]  # 2024, 2025, 2026
    attendu = sum(t * v * d / 1.032**i for i, v in enumerate(vac, start=1))
    assert r.valeur_carbone_actualisee == pytest.approx(attendu)
    assert r.van_socio - r.van == pytest.approx(attendu)
    assert r.cout_par_tco2e == pytest.approx(r.cout_annualise / t)


def test_aides_superieures_a_l_investissement():
    with pytest.raises(ValueError, match="dépassent"):
        eco.Couts(investissement=100, fonctionnement_annuel=0, duree_vie=5, feder=90,
                  cofinancements=20)


def test_couts_depuis_pilote():
    fiche = {
        "porteur": {"nom": "Commune d'Arras", "type": "commune", "codes_insee": ["62041"]},
        "periodes": {"experimentation": {"debut": "2024-09-01", "fin": "2025-08-31"}},
        "couts": {"investissement_eur": 80_000, "fonctionnement_annuel_eur": 2_000,
                  "duree_vie_ans": 8},
        "financement": {"feder_eur": 48_000, "cofinancements": [
            {"financeur": "ADEME", "montant_eur": 8_000},
            {"financeur": "Autofinancement", "montant_eur": 24_000},
        ]},
    }
    c = eco.Couts.depuis_pilote(fiche)
    assert c.cofinancements == 8_000
    assert c.investissement_collectivite == 24_000
    assert c.annee_mise_en_service == 2024


def test_economie_depuis_impact_change_le_signe():
    r = ResultatImpact(methode="x", libelle_methode="x", indicateur="Consommation",
                       unite="kWh/jour", effet=-200.0, ic_bas=-300.0, ic_haut=-100.0,
                       p_valeur=0.001)
    e = eco.EconomieAnnuelle.depuis_impact(r, facteur_annuel=365, prix_unitaire=0.2)
    assert e.quantite == pytest.approx(73_000)
    assert (e.ic_bas, e.ic_haut) == (pytest.approx(36_500), pytest.approx(109_500))
    assert e.unite == "kWh"
    assert e.ecart_type == pytest.approx(36_500 / 1.959964)  # demi-largeur / 1,96


# --- Monte-Carlo ----------------------------------------------------------------------------


@pytest.mark.parametrize("graine", [7, 2024, 31415])
def test_monte_carlo_cas_lineaire_egal_a_l_analytique(valorisation, graine):
    # Seule l'économie est incertaine (loi normale) : la VAN est linéaire en l'économie, donc
    # normale, de moyenne et d'écart-type connus. 40 000 tirages : l'erreur d'échantillonnage
    # des quantiles à 2,5 % / 97,5 % (≈ 0,014 écart-type) reste loin des 2 % tolérés.
    couts = _couts(feder=0, cofinancements=0)
    economie = eco.EconomieAnnuelle(quantite=200_000, unite="kWh", prix_unitaire=0.2,
                                    ic_bas=160_000, ic_haut=240_000)
    a = sum(1.032 ** -t for t in range(1, 11))
    moyenne = -100_000 + (200_000 * 0.2 - 3_000) * a
    ecart = (80_000 / (2 * 1.959964)) * 0.2 * a
    bas, haut = moyenne - 1.959964 * ecart, moyenne + 1.959964 * ecart
    mc = eco.simuler(couts, economie, valorisation, tirages=40_000, graine=graine)
    assert mc.van.bas == pytest.approx(bas, rel=0.02)
    assert mc.van.haut == pytest.approx(haut, rel=0.02)
    assert (mc.van.haut - mc.van.bas) == pytest.approx(haut - bas, rel=0.02)
    assert mc.van.mediane == pytest.approx(moyenne, rel=0.02)
    # La valeur centrale de la simulation rejoint le calcul déterministe.
    assert eco.evaluer(couts, economie, valorisation).van == pytest.approx(moyenne)


def test_monte_carlo_probabilite_van_positive(valorisation):
    # VAN normale centrée près de zéro : P(VAN > 0) = Φ(moyenne / écart-type).
    couts = _couts(feder=0, cofinancements=0)
    economie = eco.EconomieAnnuelle(quantite=80_000, unite="kWh", prix_unitaire=0.2,
                                    ic_bas=40_000, ic_haut=120_000)
    a = sum(1.032 ** -t for t in range(1, 11))
    moyenne = -100_000 + (80_000 * 0.2 - 3_000) * a
    ecart = (80_000 / (2 * 1.959964)) * 0.2 * a
    mc = eco.simuler(couts, economie, valorisation, tirages=10_000, graine=3)
    assert mc.probabilite_van_positive == pytest.approx(stats.norm.cdf(moyenne / ecart), abs=0.015)
    assert mc.van.bas < 0 < mc.van.haut


def test_monte_carlo_reproductible_et_plages(valorisation):
    couts = _couts(plage_investissement=eco.Plage(90_000, 150_000, mode=100_000),
                   plage_fonctionnement=eco.Plage(2_000, 4_000))
    economie = eco.EconomieAnnuelle(quantite=80_000, unite="kWh", prix_unitaire=0.2,
                                    ic_bas=40_000, ic_haut=120_000,
                                    plage_prix=valorisation.prix_energie["electricite"].plage())
    a = eco.simuler(couts, economie, valorisation, tirages=5_000, graine=1,
                    garder_echantillons=True)
    b = eco.simuler(couts, economie, valorisation, tirages=5_000, graine=1)
    assert a.van == b.van
    assert len(a.sources_incertitude) == 4
    ech = a.echantillons
    # Loi triangulaire (90 k, 100 k, 150 k) : moyenne 113 333 € ; uniforme (2 k, 4 k) : 3 000 €.
    assert ech["investissement"].mean() == pytest.approx(113_333, rel=0.01)
    assert ech["investissement"].between(90_000, 150_000).all()
    assert ech["fonctionnement"].mean() == pytest.approx(3_000, rel=0.01)
    # Aides fixes : la VAN du porteur est la VAN coût complet plus les aides, tirage par tirage.
    assert np.allclose(ech["van_collectivite"] - ech["van"], 60_000)
    assert a.van_collectivite.probabilite_positive >= a.van.probabilite_positive
    assert a.cout_par_unite is not None and a.cout_par_unite.bas < a.cout_par_unite.haut
    assert math.isfinite(a.cout_par_unite.mediane)
    assert list(a.tableau()["Grandeur"])[0] == "Valeur actuelle nette (coût complet)"


def test_monte_carlo_sans_incertitude(valorisation):
    couts = _couts()
    economie = eco.EconomieAnnuelle(quantite=80_000, unite="kWh", prix_unitaire=0.2)
    mc = eco.simuler(couts, economie, valorisation, tirages=200)
    r = eco.evaluer(couts, economie, valorisation)
    assert mc.van.bas == pytest.approx(r.van) and mc.van.haut == pytest.approx(r.van)
    assert mc.sources_incertitude == ["aucune (toutes les entrées sont fixes)"]


def test_borne_haute_du_cout_par_unite_infinie_et_non_nd():
    """Plus de 2,5 % des tirages n'économisent rien : la borne haute du coût par unité économisée est
    infinie (« ∞ »), pas NaN (« n.d. ») comme le donnait l'interpolation entre deux infinis."""
    import warnings

    from eprouvette import economie as eco

    couts = eco.Couts(investissement=50_000, fonctionnement_annuel=1_000, duree_vie=10)
    annuelle = eco.EconomieAnnuelle(quantite=20.0, unite="MWh", prix_unitaire=150.0, ic_bas=-5.0, ic_haut=45.0,
                                    tco2e_par_unite=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mc = eco.simuler(couts, annuelle, tirages=4000)
    c = mc.cout_par_unite
    assert c.haut == float("inf") and c.bas > 0 and np.isfinite(c.mediane)
    assert 0.8 < c.probabilite_positive < 0.99


def test_plages_asymetriques_expliquent_l_ecart_central_simule():
    from eprouvette import economie as eco

    couts = eco.Couts(investissement=95_000, fonctionnement_annuel=9_000, duree_vie=10,
                      plage_investissement=eco.Plage(90_000, 100_000, 95_000))
    annuelle = eco.EconomieAnnuelle(quantite=128_000, unite="m³", prix_unitaire=0.2, ic_bas=109_000,
                                    ic_haut=147_000, tco2e_par_unite=2.6e-5, plage_prix=eco.Plage(0.1, 0.5, 0.2))
    noms = [nom for nom, _ in eco.plages_asymetriques(couts, annuelle)]
    assert noms == ["le prix unitaire"]  # l'investissement est symétrique autour de sa valeur probable
    mc = eco.simuler(couts, annuelle)
    central = eco.evaluer(couts, annuelle)
    assert mc.van.mediane > central.van * 1.5  # prix tiré dans toute la plage, plus haute que la valeur probable
    assert [n for n, _ in mc.plages_asymetriques] == ["le prix unitaire"]
