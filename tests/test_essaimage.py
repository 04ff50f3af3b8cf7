"""Essaimage : candidats semblables au porteur et projection d'une généralisation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eprouvette import essaimage as es, referentiel

ARRAS = "62041"


def test_score_population():
    s = es.score_population(np.array([100.0, 200.0, 50.0, 300.0, 0.0]), 100.0)
    assert s[0] == pytest.approx(1.0)
    assert s[1] == pytest.approx(math.exp(-0.5))  # population double
    assert s[2] == pytest.approx(s[1])  # moitié : même score (symétrie en log)
    assert s[3] == pytest.approx(math.exp(-0.5 * (math.log(3) / math.log(2)) ** 2))
    assert s[4] == 0.0
    with pytest.raises(ValueError):
        es.score_population([1.0], 0)


def test_candidats_commune():
    pop = referentiel.commune(ARRAS)["population"]
    t = es.candidats([ARRAS], "energie")
    assert ARRAS not in set(t["code"])
    assert set(t["niveau"]) == {"commune"}
    # Tous dans la bande ×/÷ 3 et classés par score décroissant.
    assert t["population"].between(pop / 3, pop * 3).all()
    assert t["score"].is_monotonic_decreasing
    assert list(t["rang"]) == list(range(1, len(t) + 1))
    assert (t["score"] > 0).all() and (t["score"] <= 1).all()
    # Le premier est le plus proche en population (écart logarithmique minimal).
    ecarts = np.abs(np.log(t["population"] / pop))
    assert ecarts.iloc[0] == pytest.approx(ecarts.min())
    # Référentiel complet : toutes les communes de la bande sont là.
    ref = referentiel.charger_communes()
    attendu = ref[(ref["population"] >= pop / 3) & (ref["population"] <= pop * 3)
                  & (ref["code_insee"] != ARRAS)]
    assert len(t) == len(attendu)


def test_candidats_bande_et_departement():
    large = es.candidats([ARRAS], "mobilite", bande=None)
    assert len(large) == 3781
    etroite = es.candidats([ARRAS], "mobilite", bande=1.2)
    assert len(etroite) < len(es.candidats([ARRAS], "mobilite"))
    dep = es.candidats([ARRAS], "dechets", meme_departement=True)
    assert set(dep["code_departement"]) == {"62"}


def test_candidats_epci_pour_un_porteur_intercommunal():
    mel = referentiel.epci(code_insee="59350")
    codes = mel["codes_insee"][:3]
    t = es.candidats(codes, "eau", type_porteur="syndicat")
    assert set(t["niveau"]) == {"epci"}
    assert mel["siren_epci"] not in set(t["code"])
    assert t["code"].str.fullmatch(r"\d{9}").all()
    pop_porteur = sum(referentiel.commune(c)["population"] for c in codes)
    assert t.attrs["population_porteur"] == pop_porteur
    # Plusieurs communes, même déclarées « commune » : échelle intercommunale.
    assert set(es.candidats(codes, "eau")["niveau"]) == {"epci"}


def test_domaine_inconnu():
    with pytest.raises(ValueError, match="domaine"):
        es.candidats([ARRAS], "tourisme-spatial")


def test_projection_par_habitant():
    pop = referentiel.commune(ARRAS)["population"]
    r = es.projeter([ARRAS], "energie", effet=-100_000, ic_bas=-160_000, ic_haut=-40_000,
                    unite="kWh/an", nombre=4, investissement=80_000,
                    fonctionnement_annuel=2_000)
    assert r.nombre_retenus == 4
    somme = float(r.candidats["population"].sum())
    assert r.taille_totale == somme
    assert r.effet_par_unite == pytest.approx(-100_000 / pop)
    assert r.effet_total == pytest.approx(-100_000 * somme / pop)
    # Intervalle : même facteur d'échelle (pas de dilution de l'incertitude).
    assert r.ic_bas_total == pytest.approx(-160_000 * somme / pop)
    assert r.ic_haut_total == pytest.approx(-40_000 * somme / pop)
    assert r.candidats["effet_projete"].sum() == pytest.approx(r.effet_total)
    assert r.significatif
    # Coûts proportionnels à la population.
    assert r.investissement_total == pytest.approx(80_000 * somme / pop)
    assert r.fonctionnement_annuel_total == pytest.approx(2_000 * somme / pop)
    assert "par habitant" in r.hypothese and "Arras" in r.hypothese
    assert any("incertitude de la mesure" in l for l in r.limites)
    assert list(r.tableau().columns)[:3] == ["Rang", "Code", "Nom"]


def test_projection_effet_non_significatif_reste_non_significatif():
    r = es.projeter([ARRAS], "energie", effet=-10, ic_bas=-50, ic_haut=30, unite="MWh/an",
                    nombre=20)
    assert r.ic_bas_total < 0 < r.ic_haut_total
    assert not r.significatif


def test_projection_part_fixe():
    r = es.projeter([ARRAS], "energie", effet=-1, ic_bas=-2, ic_haut=0, unite="MWh/an",
                    nombre=3, investissement=50_000, part_fixe=1.0)
    assert r.investissement_total == pytest.approx(150_000)
    assert "fixes pour 100\u00a0%" in r.hypothese


def test_projection_par_unite_donnee_par_l_appelant():
    t = es.candidats([ARRAS], "energie")
    codes = list(t["code"][:3])
    tailles = {codes[0]: 2_000.0, codes[2]: 6_000.0}  # m² de bâtiments ; le 2e est inconnu
    r = es.projeter([ARRAS], "energie", effet=-40, ic_bas=-60, ic_haut=-20, unite="MWh/an",
                    nombre=5, tailles=tailles, taille_pilote=4_000, unite_echelle="m²")
    assert list(r.candidats["code"]) == [codes[0], codes[2]]
    assert r.effet_total == pytest.approx(-40 / 4_000 * 8_000)
    assert r.ic_bas_total == pytest.approx(-120)
    assert "par m²" in r.hypothese
    assert any("sans taille connue" in l for l in r.limites)
    assert any("Seulement 2 candidat" in l for l in r.limites)


def test_projection_entrees_invalides():
    with pytest.raises(ValueError, match="intervalle"):
        es.projeter([ARRAS], "energie", effet=5, ic_bas=-1, ic_haut=1, unite="MWh")
    with pytest.raises(ValueError, match="part fixe"):
        es.projeter([ARRAS], "energie", effet=0, ic_bas=-1, ic_haut=1, unite="MWh", part_fixe=2)


def test_intercommunalite_designee_par_sa_commune_siege():
    """GrandSoissons Agglomération, désignée par Soissons (02722) : l'essaimage comparait aux EPCI de la
    région la population de Soissons seule (environ 28 000 habitants), pas celle de l'agglomération."""
    soissons = referentiel.commune("02722")
    epci = referentiel.table_epci().set_index("siren_epci").loc[soissons["siren_epci"]]
    assert epci["population"] > 1.5 * soissons["population"]
    t = es.candidats(["02722"], "eau", type_porteur="epci")
    assert t.attrs["population_porteur"] == epci["population"]
    assert t.attrs["porteur"] == epci["nom_epci"]
    assert set(t["niveau"]) == {"epci"} and soissons["siren_epci"] not in set(t["code"])
    # Le SIREN de la fiche, s'il est donné, désigne l'EPCI ; une commune porteuse reste une commune.
    assert es.candidats(["02722"], "eau", type_porteur="epci", siren=soissons["siren_epci"]).attrs[
        "population_porteur"] == epci["population"]
    assert es.candidats(["02722"], "eau").attrs["population_porteur"] == soissons["population"]
