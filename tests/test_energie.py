"""Domaine énergie : degrés-jours, lecture des fichiers Météo-France, calendrier des écoles."""

from __future__ import annotations

import gzip
import os
import math

import numpy as np
import pandas as pd
import pytest

from eprouvette.domaines.energie import calendrier_ecoles, jours_feries
from eprouvette.meteo import degres_heures, djc, dju, lire_meteo_france, profil_diurne
from eprouvette.erreurs import ErreurDonnees


def test_dju_simple_cas_calcules_a_la_main():
    tn = pd.Series([2.0, 10.0, 20.0, -4.0])
    tx = pd.Series([8.0, 20.0, 25.0, 1.0])
    # 18 - 5 = 13 ; 18 - 15 = 3 ; 18 - 22,5 < 0 -> 0 ; 18 - (-1,5) = 19,5
    assert dju(tn, tx).tolist() == pytest.approx([13.0, 3.0, 0.0, 19.5])
    assert dju(tn, tx, base=16).tolist() == pytest.approx([11.0, 1.0, 0.0, 17.5])


def test_dju_costic_trois_cas():
    tn = pd.Series([2.0, 10.0, 20.0, 18.0])
    tx = pd.Series([8.0, 20.0, 25.0, 24.0])
    res = dju(tn, tx, methode="costic").tolist()
    # base > TX : 18 - 5 = 13
    assert res[0] == pytest.approx(13.0)
    # TN < base <= TX : (18 - 10) × (0,08 + 0,42 × 8 / 10) = 8 × 0,416 = 3,328
    assert res[1] == pytest.approx(3.328)
    # base <= TN : 0
    assert res[2] == 0.0 and res[3] == 0.0


def test_djc_simple_et_costic():
    tn = pd.Series([15.0, 20.0, 5.0])
    tx = pd.Series([25.0, 30.0, 15.0])
    assert djc(tn, tx).tolist() == pytest.approx([2.0, 7.0, 0.0])
    # TN < 18 < TX : (25 - 18) × (0,08 + 0,42 × 7 / 10) = 7 × 0,374 = 2,618
    assert djc(tn, tx, methode="costic").tolist() == pytest.approx([2.618, 7.0, 0.0])


def test_dju_valeur_manquante_et_index_conserve():
    tn = pd.Series([1.0, np.nan], index=pd.to_datetime(["2024-01-01", "2024-01-02"]))
    tx = pd.Series([5.0, 6.0], index=tn.index)
    res = dju(tn, tx)
    assert res.index.equals(tn.index)
    assert res.iloc[0] == pytest.approx(15.0) and math.isnan(res.iloc[1])
    with pytest.raises(ValueError):
        dju(tn, tx, methode="inconnue")


def test_profil_diurne_passe_par_tn_a_l_aube_et_tx_l_apres_midi():
    tn = np.array([0.0, 2.0, 4.0])
    tx = np.array([10.0, 12.0, 14.0])
    p = profil_diurne(tn, tx)
    assert p.shape == (3, 24)
    # Heures 5 h 30 et 6 h 30 de part et d'autre de la minimale (6 h), 14 h 30 et 15 h 30 de la maximale.
    assert p[1, 5] == pytest.approx(2.0, abs=0.05) and p[1, 6] == pytest.approx(2.0, abs=0.15)
    assert p[1, 14] == pytest.approx(12.0, abs=0.15) and p[1, 15] == pytest.approx(12.0, abs=0.05)
    assert (p[1] >= 2.0 - 1e-9).all() and (p[1] <= 12.0 + 1e-9).all()
    # La nuit raccorde la maximale de la veille (10) à la minimale du jour (2) : minuit entre les deux.
    assert 2.0 < p[1, 0] < 10.0
    # Continuité d'un jour au suivant (23 h 30 puis 0 h 30).
    assert abs(p[1, 23] - p[2, 0]) < 1.0


def test_degres_heures_cas_limites_et_valeur_manquante():
    tn = pd.Series([0.0, 5.0, np.nan])
    tx = pd.Series([10.0, 15.0, 12.0])
    p = profil_diurne(tn, tx)
    # Base au-dessus de toutes les heures : base - moyenne du profil ; au-dessous : 0.
    assert degres_heures(tn, tx, base=30.0).iloc[0] == pytest.approx(30.0 - p[0].mean())
    assert degres_heures(tn, tx, base=-5.0).iloc[0] == 0.0
    assert degres_heures(tn, tx, base=-5.0, chauffage=False).iloc[0] == pytest.approx(p[0].mean() + 5.0)
    # Base entre TN et TX : des heures froides comptent même si la moyenne du jour est au-dessus.
    assert degres_heures(tn, tx, base=4.0).iloc[0] > 0.0 == dju(tn, tx, base=4.0).iloc[0]
    assert math.isnan(degres_heures(tn, tx).iloc[2])


ENTETE = ("NUM_POSTE;NOM_USUEL;LAT;LON;ALTI;AAAAMMJJ;RR;QRR;TN;QTN;HTN;QHTN;TX;QTX;HTX;QHTX;"
          "TM;QTM;TNTXM;QTNTXM")


def _ecrire_mf(chemin, lignes):
    texte = "\n".join([ENTETE, *lignes]) + "\n"
    chemin.write_bytes(gzip.compress(texte.encode("utf-8")))


def test_lire_meteo_france(tmp_path):
    f = tmp_path / "Q_02_previous-1950-2023_RR-T-Vent.csv.gz"
    _ecrire_mf(f, [
        "02691001;SAINT-QUENTIN;49.81;3.21;98;20240103;1.2;1;2.4;1;0530;9;8.0;1;1400;9;5.1;1;5.2;1",
        "02691001;SAINT-QUENTIN;49.81;3.21;98;20240101;0.0;1;-1.5;2;0600;9;4.5;1;1500;9;;;1.5;1",
        "02691001;SAINT-QUENTIN;49.81;3.21;98;20240102;;;0.5;1;0600;9;;;1500;9;;;;",
        "02408001;LAON;49.58;3.62;180;20240101;0.0;1;-2.0;1;0600;9;3.0;1;1500;9;0.4;1;0.5;1",
    ])
    with pytest.raises(ErreurDonnees, match="2 postes"):
        lire_meteo_france(f)
    df = lire_meteo_france(f, poste="02691001")
    assert list(df.columns) == ["date", "temperature_min", "temperature_max", "temperature_moyenne"]
    assert df["date"].tolist() == list(pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]))
    # TN douteuse (qualité 2) le 1er janvier : écartée et comptée.
    assert math.isnan(df["temperature_min"].iloc[0])
    assert df.attrs["valeurs_douteuses_ecartees"]["TN"] == 1
    assert df.attrs["poste"] == "02691001" and df.attrs["nom_poste"] == "SAINT-QUENTIN"
    # TM absente -> TNTXM ; TM et TNTXM absentes -> (TN + TX) / 2 (ici TX manquante -> NaN).
    assert df["temperature_moyenne"].iloc[0] == pytest.approx(1.5)
    assert math.isnan(df["temperature_max"].iloc[1]) and math.isnan(df["temperature_moyenne"].iloc[1])
    assert df["temperature_moyenne"].iloc[2] == pytest.approx(5.1)
    assert df["temperature_max"].iloc[2] == pytest.approx(8.0)


def test_lire_meteo_france_erreurs_en_francais(tmp_path):
    f = tmp_path / "Q_02.csv.gz"
    f.write_bytes(gzip.compress(b"NUM_POSTE;AAAAMMJJ;TN\n02691001;20240101;1.0\n"))
    with pytest.raises(ErreurDonnees, match="colonne « TX » absente"):
        lire_meteo_france(f)
    f2 = tmp_path / "Q_02b.csv.gz"
    _ecrire_mf(f2, ["02691001;SQ;0;0;0;20240101;;;abc;1;;;4.0;1;;;;;;"])
    with pytest.raises(ErreurDonnees) as exc:
        lire_meteo_france(f2)
    assert exc.value.ligne == 2 and exc.value.colonne == "TN"
    with pytest.raises(ErreurDonnees, match="introuvable"):
        lire_meteo_france(tmp_path / "absent.csv.gz")


def test_lire_meteo_france_ne_suit_pas_les_liens(tmp_path):
    """Un fichier Météo-France lien vers l'extérieur, lien cassé ou tube nommé : refusé sans être
    lu (ni bloquer), message français."""
    dehors = tmp_path / "dehors"
    dehors.mkdir()
    cible = dehors / "Q_02.csv.gz"
    _ecrire_mf(cible, ["02691001;SQ;0;0;0;20240101;;;1.0;1;;;4.0;1;;;;;;"])
    pilote = tmp_path / "pilote"
    pilote.mkdir()
    (pilote / "lien.csv.gz").symlink_to(cible)
    (pilote / "casse.csv.gz").symlink_to(pilote / "absent.csv.gz")
    os.mkfifo(pilote / "tube.csv.gz")
    for nom in ("lien.csv.gz", "casse.csv.gz", "tube.csv.gz"):
        with pytest.raises(ErreurDonnees) as exc:
            lire_meteo_france(pilote / nom, dossier=pilote)
        assert "Traceback" not in str(exc.value) and "No such file" not in str(exc.value)
    # Le même fichier, copié dans le dossier, se lit.
    (pilote / "Q_02.csv.gz").write_bytes(cible.read_bytes())
    assert len(lire_meteo_france(pilote / "Q_02.csv.gz", dossier=pilote)) == 1


def test_jours_feries_paques():
    f = jours_feries(2024)
    assert pd.Timestamp("2024-04-01").date() in f  # lundi de Pâques 2024
    assert pd.Timestamp("2024-05-09").date() in f  # Ascension 2024
    assert pd.Timestamp("2025-06-09").date() in jours_feries(2025)  # lundi de Pentecôte 2025


def test_calendrier_ecoles_zone_b():
    cal = calendrier_ecoles("2024-09-01", "2025-08-31").set_index("date")
    assert not cal.loc["2024-09-02", "inoccupe"]  # rentrée (lundi)
    assert cal.loc["2024-09-07", "inoccupe"]  # samedi
    assert cal.loc["2024-12-25", "inoccupe"]
    assert cal.loc["2025-02-10", "motif"] == "vacances"  # hiver zone B
    assert not cal.loc["2025-03-03", "inoccupe"]  # hiver zone A, pas B
    assert cal.loc["2024-11-11", "motif"] == "férié"
    # Pont de l'Ascension 2025 (vendredi 30 mai), déduit de la date de l'Ascension.
    assert cal.loc["2025-05-30", "inoccupe"] and cal.loc["2025-05-29", "motif"] == "férié"
    # Dates officielles au-delà de celles du paquet : message clair plutôt qu'un calendrier faux.
    with pytest.raises(ErreurDonnees) as e:
        calendrier_ecoles("2031-01-01", "2031-12-31")
    assert "vacances-scolaires-france" in str(e.value)
