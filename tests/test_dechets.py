"""Domaine déchets : formules calculées à la main, regroupement hebdomadaire, règles de collecte simulées,
paramètres, et verdict des trois pilotes d'exemple (dont un déploiement échelonné)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from eprouvette import config
from eprouvette.domaines import dechets as d
from eprouvette.erreurs import ErreurDonnees
from eprouvette.generateurs.dechets import simuler_collecte

# ---------------------------------------------------------------------------------------------
# Formules
# ---------------------------------------------------------------------------------------------


def test_km_par_levee_modele_de_tournee():
    assert d.km_par_levee_tournee(68.0, 24) == pytest.approx(68 / 24)
    with pytest.raises(ValueError):
        d.km_par_levee_tournee(0.0, 24)


def test_tco2e_par_levee_et_bilan_tournees_a_la_main():
    # 2 km × 45 L/100 km = 0,9 L ; × 3,16 kg/L = 2,844 kg = 0,002844 t
    assert d.tco2e_par_levee(2.0, 45.0, 3.16) == pytest.approx(0.002844)
    b = d.bilan_tournees(100.0, 2.0, 45.0, 3.16)
    assert (b.km_evites, b.gazole_evite_l) == (pytest.approx(200.0), pytest.approx(90.0))
    assert b.tco2e_evitees == pytest.approx(0.2844)


def _mesures(lignes):
    return pd.DataFrame(lignes, columns=["date", "site", "indicateur", "valeur"]).assign(
        date=lambda x: pd.to_datetime(x["date"]))


def test_levees_par_semaine_semaines_entieres_et_incompletes():
    # Référence : lundi 1er au dimanche 14 janvier 2024 ; expérimentation : 15 au 31 janvier (fin un mercredi).
    jours = pd.date_range("2024-01-01", "2024-01-31")
    lignes = []
    for j in jours:
        lignes.append((j, "a", "levees", 1.0 if j.day_of_week == 0 else 0.0))  # une levée le lundi
        if j != pd.Timestamp("2024-01-03"):  # b : un jour sans transmission la première semaine
            lignes.append((j, "b", "levees", 1.0 if j.day_of_week in (0, 3) else 0.0))
    p = d.levees_par_semaine(_mesures(lignes), "levees", ["a"], ["b"], ("2024-01-01", "2024-01-14"),
                             ("2024-01-15", "2024-01-31"))
    # Semaines gardées : 1er, 8, 15, 22 janvier (celle du 29 déborde de l'expérimentation).
    assert sorted(p["semaine"].dt.strftime("%d").unique()) == ["01", "08", "15", "22"]
    a = p[p["site"] == "a"]
    assert a["levees"].tolist() == [1, 1, 1, 1]
    assert a["actif"].tolist() == [0, 0, 1, 1]
    b = p[p["site"] == "b"].set_index(p[p["site"] == "b"]["semaine"].dt.day)
    assert b.loc[1, "jours_mesures"] == 6 and not b.loc[1, "complete"]
    assert b.loc[8, "levees"] == 2 and b.loc[8, "complete"]
    assert (b["traite"] == 0).all() and (b["actif"] == 0).all()


def test_taux_remplissage_avant_apres_a_la_main():
    lignes = [
        ("2024-01-02", "a", "taux", 40.0), ("2024-01-09", "a", "taux", 60.0),
        ("2024-01-16", "a", "taux", 80.0), ("2024-01-23", "a", "taux", 100.0),
        ("2024-01-02", "b", "taux", 50.0), ("2024-01-16", "b", "taux", 100.0),
    ]
    tab = d.taux_remplissage_avant_apres(_mesures(lignes), "taux", ["a"], ["b"], ("2024-01-01", "2024-01-14"),
                                         ("2024-01-15", "2024-01-31")).set_index(["groupe", "periode"])
    assert tab.loc[("Conteneurs expérimentaux", "avant"), "taux_moyen"] == pytest.approx(50.0)
    assert tab.loc[("Conteneurs expérimentaux", "pendant"), "taux_moyen"] == pytest.approx(90.0)
    assert tab.loc[("Conteneurs expérimentaux", "pendant"), "part_debordement"] == pytest.approx(0.5)
    assert tab.loc[("Conteneurs témoins", "pendant"), "levees"] == 1


# ---------------------------------------------------------------------------------------------
# Règles de collecte du générateur
# ---------------------------------------------------------------------------------------------


def test_collecte_jours_fixes_et_a_la_demande():
    n = 28
    apports = np.full(n, 0.05)  # 35 % par semaine
    tournee = np.arange(n) % 7 == 0
    ouvre = np.ones(n, dtype=bool)
    rng = np.random.default_rng(0)
    kw = dict(seuil_levee=0.6, seuil_urgence=0.95, p_signalement=0.0, tirages=np.ones(n))
    fixes, taux_f = simuler_collecte(apports, tournee, ouvre, np.zeros(n, bool), rng, **kw)
    assert fixes.tolist() == tournee.astype(int).tolist()
    assert taux_f[7] == pytest.approx(35.0)
    # À la demande : 35 % au jour 7 (< 60 %, sautée), 70 % au jour 14 (levée), 35 % au jour 21 (sautée).
    dem, taux_d = simuler_collecte(apports, tournee, ouvre, np.ones(n, bool), rng, **kw)
    assert np.flatnonzero(dem).tolist() == [14]
    assert taux_d[14] == pytest.approx(70.0)


def test_collecte_urgence_quand_plein():
    n = 10
    apports = np.full(n, 0.30)
    tournee = np.zeros(n, dtype=bool)
    ouvre = np.ones(n, dtype=bool)
    dem, taux = simuler_collecte(apports, tournee, ouvre, np.ones(n, bool), np.random.default_rng(0),
                                 seuil_levee=0.6, seuil_urgence=0.95, p_signalement=0.0, tirages=np.ones(n))
    # 0,3 ; 0,6 ; 0,9 ; 1,2 -> levée d'urgence le matin du jour 4 (remplissage 1,2 plafonné à 100 %).
    assert np.flatnonzero(dem)[0] == 4 and taux[4] == pytest.approx(100.0)


# ---------------------------------------------------------------------------------------------
# Paramètres et caractéristiques
# ---------------------------------------------------------------------------------------------


def test_parametres_sources_et_annees():
    p = d.charger_parametres_dechets()
    for par in (p.cout_levee, p.consommation_gazole):
        assert par.valeur > 0 and par.source and par.annee >= 2020 and par.min <= par.valeur <= par.max
    assert set(p.a_confirmer()) == {"cout_levee", "consommation_gazole_camion"}


def test_parametres_cle_absente_message_francais(tmp_path):
    f = tmp_path / "dechets.yaml"
    f.write_text(yaml.safe_dump({"version": "1", "date": "2026-01-01", "cout_levee": {
        "valeur": 25, "unite": "€/levée", "source": "x", "annee": 2024}}), encoding="utf-8")
    with pytest.raises(ErreurDonnees) as e:
        d.charger_parametres_dechets(f)
    assert "consommation_gazole_camion" in str(e.value) and "absent" in str(e.value)


def _pilote(caract):
    return SimpleNamespace(caracteristiques=caract, fichier=config.PILOTES / "x" / "pilote.yaml", ligne=lambda c: 12)


def test_caracteristiques_km_declares_ou_modele_de_tournee():
    assert d.lire_caracteristiques(_pilote({"km_par_levee": 2.5})).km_par_levee == 2.5
    c = d.lire_caracteristiques(_pilote({"longueur_tournee_km": 60, "levees_par_tournee": 20, "flux": "verre"}))
    assert c.km_par_levee == pytest.approx(3.0) and "Modèle de tournée" in c.origine_km and c.flux == "verre"


@pytest.mark.parametrize("caract, champ", [({}, "km_par_levee"), ({"km_par_levee": -1}, "km_par_levee"),
                                           ({"longueur_tournee_km": 60}, "levees_par_tournee")])
def test_caracteristiques_invalides(caract, champ):
    with pytest.raises(ErreurDonnees) as e:
        d.lire_caracteristiques(_pilote(caract))
    assert "pilote.yaml" in str(e.value) and champ in str(e.value)


# ---------------------------------------------------------------------------------------------
# Pilotes d'exemple : le verdict planté et l'effet vrai dans l'intervalle
# ---------------------------------------------------------------------------------------------

EXEMPLES = ["dechets-pav-verre-arras", "dechets-pav-emballages-compiegne", "dechets-pav-verre-lens-lievin"]


@pytest.fixture(scope="module", params=EXEMPLES)
def exemple(request):
    from eprouvette.analyse import analyser_pilote

    dossier = config.DONNEES / "pilotes" / request.param
    if not dossier.exists():
        pytest.skip(f"pilote d'exemple absent : {dossier}")
    verite = yaml.safe_load((dossier / "verite.yaml").read_text(encoding="utf-8"))
    return analyser_pilote(dossier), verite


def test_exemple_verdict_et_effet_vrai(exemple):
    a, v = exemple
    r = a.resultat
    assert a.recommandation.verdict == v["verdict_attendu"], a.recommandation.raison
    vrai = v["effet_vrai"]["effet_par_conteneur_semaine"]
    assert r.ic_bas <= vrai <= r.ic_haut
    assert r.ic_relatif_bas <= v["effet_vrai"]["effet_relatif"] <= r.ic_relatif_haut
    assert r.effet_minimal_detectable is not None and r.effet_minimal_detectable > 0
    # Effet relatif sur les totaux : levées évitées / levées contrefactuelles des expérimentaux.
    obs = r.details["levees_observees_experimentation"]
    evitees = r.details["levees_evitees_experimentation"]
    assert r.effet_relatif == pytest.approx(-evitees / (obs + evitees), rel=1e-9)


def test_exemple_laisser_un_conteneur_de_cote(exemple):
    # L'effet simulé touche tous les conteneurs expérimentaux : il ne repose sur aucun conteneur.
    a, _ = exemple
    v = [x for x in a.resultat.verifications if x.nom == "laisser_un_de_cote"]
    assert len(v) == 1 and v[0].statut == "reussie" and "aucun conteneur" in v[0].phrase
    t = a.resultat.details["estimations_sans_chaque_site"]
    assert len(t) == len(a.pilote.sites_temoins) + len(a.pilote.sites_experimentaux)
    assert (t["Conclusion"] == "baisse établie").all()


def test_exemple_economie_et_feder(exemple):
    a, _ = exemple
    ea = a.economie_annuelle
    assert ea.unite == "levées" and ea.ic_bas <= ea.quantite <= ea.ic_haut
    codes = {i.code: i for i in a.indicateurs_feder}
    assert codes["RCR103"].valeur is None and "ne change pas" in codes["RCR103"].note
    assert codes["RCR29"].valeur == pytest.approx(ea.tco2e_par_an)
    if a.recommandation.verdict == "generaliser":
        assert a.economie.van_socio > 0
