"""Pilote énergie à relevés horaires : changements d'heure, règle CalTRACK des 50 %, fichier
Météo-France à deux postes, décret tertiaire, verdict planté."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from eprouvette import config
from eprouvette.domaines.energie_pilote import agreger_jours, est_infra_journalier
from eprouvette.presentation.sections_energie import part_effort_decret

ID = "energie-thermostats-mairies-valenciennes"
DOSSIER = config.PILOTES / ID


def _verite():
    return yaml.safe_load((DOSSIER / "verite.yaml").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ agrégation par jour civil

def _horaire(debut: str, fin: str, site: str = "b1") -> pd.DataFrame:
    """Relevés horaires sur [debut, fin[ en heure légale (instants), valeur = numéro de l'heure + 1."""
    instants = pd.date_range(pd.Timestamp(debut, tz=config.FUSEAU), pd.Timestamp(fin, tz=config.FUSEAU),
                             freq="h", inclusive="left")
    return pd.DataFrame({"date": instants, "site": site, "indicateur": "gaz",
                         "valeur": np.arange(1, len(instants) + 1, dtype=float)})


def test_jours_de_changement_d_heure_sommes_exactement():
    # Du samedi 26 au lundi 28 octobre 2024 (25 heures le 27) et du 29 au 31 mars 2025 (23 heures le 30).
    octobre = _horaire("2024-10-26", "2024-10-29")
    mars = _horaire("2025-03-29", "2025-04-01")
    for m, jour_dst, n_dst in ((octobre, "2024-10-27", 25), (mars, "2025-03-30", 23)):
        jours, bilan = agreger_jours(m)
        assert list(jours["date"]) == list(pd.date_range(jours["date"].iloc[0], periods=3, freq="D"))
        # Valeurs 1..24 le premier jour, 25..24+n le jour du changement : sommes faites à la main.
        assert jours["valeur"].iloc[0] == sum(range(1, 25))
        assert jours.set_index("date").loc[jour_dst, "valeur"] == sum(range(25, 25 + n_dst))
        assert jours["valeur"].sum() == m["valeur"].sum()
        assert int(bilan["jours_complets"].iloc[0]) == 3 and int(bilan["jours_insuffisants"].iloc[0]) == 0


def test_horloge_murale_sans_fuseau_lue_comme_le_chargeur():
    # La même journée d'octobre écrite en heure locale naïve (02:00 deux fois) : même total, 25 heures.
    m = _horaire("2024-10-27", "2024-10-28")
    naif = m.assign(date=m["date"].dt.tz_localize(None))
    assert (naif["date"].dt.strftime("%H:%M") == "02:00").sum() == 2
    jours, _ = agreger_jours(naif)
    assert jours["valeur"].tolist() == [sum(range(1, 26))]


def test_jour_a_moins_de_la_moitie_des_heures_manquant_sinon_ramene_au_jour_complet():
    m = _horaire("2024-01-08", "2024-01-11")  # trois jours de 24 heures
    m["valeur"] = 2.0
    jour2 = m["date"].dt.day == 9
    jour3 = m["date"].dt.day == 10
    # 9 janvier : 11 heures sur 24 (< 50 %) ; 10 janvier : 12 heures sur 24 (= 50 %, gardé).
    m = m[~(jour2 & (m["date"].dt.hour >= 11)) & ~(jour3 & (m["date"].dt.hour >= 12))]
    jours, bilan = agreger_jours(m)
    assert list(jours["date"].dt.day) == [8, 10]
    assert jours["valeur"].tolist() == [48.0, 12 * 2.0 * 24 / 12]
    assert bilan.iloc[0][["jours_complets", "jours_completes", "jours_insuffisants"]].tolist() == [1, 1, 1]


def test_seuil_du_jour_de_changement_d_heure_sur_25_heures():
    # 27 octobre 2024 : 12 heures présentes sur 25 attendues -> < 50 % -> manquant (12 sur 24 suffirait).
    m = _horaire("2024-10-27", "2024-10-28").iloc[:12]
    jours, bilan = agreger_jours(m)
    assert jours.empty and int(bilan["jours_insuffisants"].iloc[0]) == 1
    m = _horaire("2024-10-27", "2024-10-28").iloc[:13].assign(valeur=1.0)
    jours, _ = agreger_jours(m)
    assert jours["valeur"].tolist() == [pytest.approx(25.0)]


def test_donnees_journalieres_non_concernees():
    d = pd.Series(pd.date_range("2024-01-01", periods=3, freq="D"))
    assert not est_infra_journalier(d)
    assert est_infra_journalier(pd.Series(pd.to_datetime(["2024-01-01 00:00", "2024-01-01 01:00"])))


# ------------------------------------------------------------------ le pilote d'exemple

def test_fichier_meteo_france_du_pilote_lu_pour_le_poste_declare():
    from eprouvette.lecture import charger_meteo, charger_mesures
    from eprouvette.pilote import charger_pilote

    v = _verite()
    p = charger_pilote(DOSSIER)
    assert p.poste_meteo == v["meteo"]["poste_du_pilote"]
    meteo = charger_meteo(p)
    assert meteo.attrs["poste"] == v["meteo"]["poste_du_pilote"]
    # Une ligne par jour du seul poste déclaré (le fichier en contient deux).
    jours = pd.date_range(p.periode_reference.debut, p.periode_experimentation.fin, freq="D")
    assert len(meteo) == len(jours) and not meteo["date"].duplicated().any()
    douteux = v["meteo"]["valeurs_douteuses_du_poste"]
    assert meteo.attrs["valeurs_douteuses_ecartees"]["TN"] == douteux["TN"] > 0
    assert meteo.attrs["valeurs_douteuses_ecartees"]["TX"] == douteux["TX"] > 0
    assert int(meteo["temperature_min"].isna().sum()) == douteux["TN"]
    assert int(meteo["temperature_max"].isna().sum()) == douteux["TX"]
    assert meteo["temperature_moyenne"].notna().all()

    m = charger_mesures(p)
    assert isinstance(m["date"].dtype, pd.DatetimeTZDtype)
    jours_locaux = m["date"].dt.tz_localize(None).dt.normalize()
    site = m["site"] == "mairie-exp-1"
    comptes = jours_locaux[site].value_counts()
    for jour, n in v["horodatage"]["jours_de_changement_d_heure"].items():
        incomplet = any(j["jour"] == jour for s in v["sites"] if s["site"] == "mairie-exp-1"
                        for j in s["journees_incompletes"])
        if not incomplet:
            assert comptes.get(pd.Timestamp(jour), 0) >= n - 2  # au plus deux heures isolées perdues
        assert comptes.get(pd.Timestamp(jour), 0) <= n


@pytest.fixture(scope="module")
def analyse_horaire():
    from eprouvette.analyse import analyser_pilote

    return analyser_pilote(DOSSIER)


def test_verdict_et_effet_vrai_du_pilote_horaire(analyse_horaire):
    a = analyse_horaire
    v = _verite()
    r = a.resultat
    assert a.recommandation.verdict == v["verdict_attendu"], a.recommandation.raison_verdict
    assert r.ic_bas <= v["effet_vrai"]["effet_kwh"] <= r.ic_haut
    assert r.ic_relatif_bas <= v["effet_vrai"]["effet_relatif"] <= r.ic_relatif_haut
    agregation = [x for x in r.verifications if x.nom == "Agrégation des relevés infra-journaliers"]
    assert len(agregation) == 1 and agregation[0].valeur >= 1  # des jours à moins de 50 % existent


def test_laisser_un_site_de_cote_dans_le_pilote_horaire(analyse_horaire):
    # Chaque mairie équipée reçoit l'effet simulé : sans aucune d'elles ni aucun témoin, il reste établi.
    a = analyse_horaire
    v = [x for x in a.resultat.verifications if x.nom == "laisser_un_de_cote"]
    assert len(v) == 1 and v[0].statut == "reussie", v[0].phrase if v else "contrôle absent"
    t = a.resultat.details["estimations_sans_chaque_site"]
    assert list(t["Rôle"]) == ["témoin"] * len(a.pilote.sites_temoins) + ["équipé"] * len(a.pilote.sites_experimentaux)
    assert set(t["Site retiré"]) == {s.nom for s in a.pilote.sites}
    assert (t["Borne haute (95\u00a0%)"] < 0).all()


# ------------------------------------------------------------------ décret tertiaire

def test_part_de_l_effort_du_decret_tertiaire_a_la_main():
    # Effet −12 % [−18 % ; −6 %] : 12/40 = 30 % de l'effort 2030 [15 % ; 45 %] ; 12/60 = 20 % de 2050.
    d = part_effort_decret(-0.12, -0.18, -0.06).set_index("echeance")
    assert d.loc[2030, "objectif"] == 0.40 and d.loc[2040, "objectif"] == 0.50 and d.loc[2050, "objectif"] == 0.60
    assert d.loc[2030, "part_effort"] == pytest.approx(0.30)
    assert d.loc[2030, "part_bas"] == pytest.approx(0.15)
    assert d.loc[2030, "part_haut"] == pytest.approx(0.45)
    assert d.loc[2040, "part_effort"] == pytest.approx(0.24)
    assert d.loc[2050, "part_effort"] == pytest.approx(0.20)
    assert d.loc[2050, "part_haut"] == pytest.approx(0.30)


def test_decret_tertiaire_ne_s_applique_pas_sous_1000_m2():
    from types import SimpleNamespace

    from eprouvette.presentation.sections_energie import decret_tertiaire

    sites = [SimpleNamespace(identifiant="b1", nom="B1", surface_m2=800.0),
             SimpleNamespace(identifiant="b2", nom="B2", surface_m2=None)]
    a = SimpleNamespace(pilote=SimpleNamespace(sites_experimentaux=sites),
                        resultat=SimpleNamespace(effet_relatif=-0.1, ic_relatif_bas=-0.15, ic_relatif_haut=-0.05))
    texte = "".join(str(b) for b in decret_tertiaire(a))
    assert "ne s'applique pas" in texte and "800 m²" in texte


def test_decret_tertiaire_du_pilote_horaire(analyse_horaire):
    from eprouvette.presentation.sections_energie import decret_tertiaire

    r = analyse_horaire.resultat
    texte = "".join(str(b) for b in decret_tertiaire(analyse_horaire))
    bas = round(100 * -r.ic_relatif_haut / 0.40)
    haut = round(100 * -r.ic_relatif_bas / 0.40)
    assert f"entre {bas}\u00a0% et {haut}\u00a0% de l'effort demandé pour 2030" in texte.replace(" %", "\u00a0%")
    assert "<h3" in texte and "<details" in texte


def test_choix_des_degres_jours_et_du_refroidissement_d_un_pilote():
    from eprouvette.domaines.energie_pilote import cherche_refroidissement, methode_degres_jours

    jours = pd.date_range("2024-01-01", periods=3, freq="D")
    tn_tx = pd.DataFrame({"date": jours, "temperature_min": [1.0, 2.0, np.nan], "temperature_max": [8.0, 9.0, 7.0]})
    assert methode_degres_jours(tn_tx) == "profil"
    moyenne_seule = tn_tx.assign(temperature_max=tn_tx["temperature_min"])
    assert methode_degres_jours(moyenne_seule) == "moyenne"
    assert methode_degres_jours(tn_tx.drop(columns="temperature_max")) == "moyenne"
    assert not cherche_refroidissement("gaz_naturel")
    assert cherche_refroidissement("electricite") and cherche_refroidissement(None)
