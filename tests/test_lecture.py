"""Lecture des mesures et de la météo : dialectes français, validation Table Schema, messages exacts."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eprouvette import config
from eprouvette.erreurs import ErreurDonnees, ErreursDonnees
from eprouvette.lecture import charger_mesures, charger_meteo, lire_dates, lire_tableau
from eprouvette.pilote import charger_pilote

FIXTURES = Path(__file__).parent / "donnees_invalides"
BASE = (FIXTURES / "pilote_de_base.yaml").read_text(encoding="utf-8")
IDENT = "gtb-ecoles-arras"
ENTETE = "date;site;indicateur;valeur\n"
ATTENDU_DATE = ("une date au format AAAA-MM-JJ ou JJ/MM/AAAA, ou un horodatage AAAA-MM-JJTHH:MM[:SS], "
                "AAAA-MM-JJ HH:MM[:SS] ou JJ/MM/AAAA HH:MM[:SS]")


def faire_pilote(racine: Path, mesures: dict[str, bytes | str] | None = None, meteo: bytes | str | None = None,
                 texte: str = BASE):
    """Pilote valide dans racine/<IDENT>, avec les fichiers donnés (texte écrit en UTF-8)."""
    dossier = racine / IDENT
    dossier.mkdir(parents=True, exist_ok=True)
    mesures = mesures or {"mesures.csv": ENTETE + "2023-01-01;ecole-jean-jaures;consommation_chauffage;812,4\n"}
    texte = texte.replace("mesures: [mesures.csv]", f"mesures: [{', '.join(mesures)}]")
    if meteo is None:
        texte = texte.replace("  meteo: meteo.csv\n", "")
    else:
        _ecrire(dossier / "meteo.csv", meteo)
    for nom, contenu in mesures.items():
        _ecrire(dossier / nom, contenu)
    (dossier / "pilote.yaml").write_text(texte, encoding="utf-8")
    return charger_pilote(dossier)


def _ecrire(chemin: Path, contenu: bytes | str) -> Path:
    if isinstance(contenu, str):
        contenu = contenu.encode("utf-8")
    chemin.write_bytes(contenu)
    return chemin


def copier(tmp_path: Path, nom: str) -> Path:
    return Path(shutil.copy(FIXTURES / nom, tmp_path / nom))


def erreurs_de(appel, *args) -> list[ErreurDonnees]:
    with pytest.raises(ErreursDonnees) as info:
        appel(*args)
    return info.value.erreurs


# --- Les schémas ---------------------------------------------------------------------------


@pytest.mark.parametrize("nom", ["mesures", "meteo"])
def test_table_schema_valide_pour_frictionless(nom):
    from frictionless import Schema

    descripteur = json.loads((config.SCHEMAS / f"{nom}.schema.json").read_text(encoding="utf-8"))
    schema = Schema.from_descriptor(descripteur)  # lève une exception si le descripteur est invalide
    assert Schema.validate_descriptor(descripteur).valid
    assert schema.missing_values == [""]
    for champ in descripteur["fields"]:
        assert {"name", "title", "description", "type", "example"} <= set(champ), champ["name"]
    if nom == "mesures":
        assert schema.field_names == ["date", "site", "indicateur", "valeur"]
        assert schema.primary_key == ["date", "site", "indicateur"]
    else:
        assert schema.field_names[:4] == ["date", "temperature_min", "temperature_max", "temperature_moyenne"]
        # Colonnes ajoutées ensuite (précipitations…) : facultatives, pour ne pas casser les fichiers existants.
        assert all(not c.get("constraints", {}).get("required") for c in descripteur["fields"][4:])


# --- Dialectes ------------------------------------------------------------------------------


@pytest.mark.parametrize("sep,valeur", [(";", "812,4"), (",", '"812,4"'), ("\t", "812,4"),
                                        (";", "812.4"), (",", "812.4"), ("\t", "812.4")])
def test_separateurs_et_decimales(tmp_path, sep, valeur):
    texte = sep.join(["date", "site", "indicateur", "valeur"]) + "\n" + sep.join(
        ["2023-01-01", "ecole-jean-jaures", "consommation_chauffage", valeur]) + "\n" + sep.join(
        ["2023-01-02", "ecole-temoin", "consommation_chauffage", "7"]) + "\n"
    df = lire_tableau(_ecrire(tmp_path / "m.csv", texte), "mesures")
    assert df["valeur"].tolist() == [812.4, 7.0]
    assert df.attrs["dialecte"]["separateur"] == sep
    assert df.attrs["dialecte"]["decimale"] == ("," if "," in valeur else ".")
    assert df.index.tolist() == [2, 3] and df.index.name == "ligne"


def test_windows1252_decimale_virgule_et_milliers(tmp_path):
    df = lire_tableau(copier(tmp_path, "mesures_windows1252.csv"), "mesures")
    assert df.attrs["dialecte"] == {"encodage": "cp1252", "separateur": ";", "decimale": ",", "milliers": "\u00a0"}
    assert df["valeur"].tolist() == [1234.5, 812.4, 0.25]
    assert df["valeur"].dtype == np.float64
    assert df["date"].tolist() == [pd.Timestamp(2023, 1, d) for d in (1, 2, 3)]
    assert df["site"].tolist() == ["ecole-jean-jaures", "ecole-jean-jaures", "ecole-temoin"]


def test_windows1252_accents_bien_decodes_dans_les_messages(tmp_path):
    copier(tmp_path, "mesures_windows1252_site_accentue.csv")
    p = faire_pilote(tmp_path, {"m.csv": (FIXTURES / "mesures_windows1252_site_accentue.csv").read_bytes()})
    (e,) = erreurs_de(charger_mesures, p)
    assert (e.ligne, e.colonne) == (2, "site")
    assert e.message == "site « école-jean-jaures » non déclaré dans pilote.yaml."
    assert e.conseil == "Vouliez-vous écrire « ecole-jean-jaures » ?"


def test_utf8_avec_bom_et_fins_de_ligne_windows(tmp_path):
    contenu = "\ufeff" + ENTETE.replace("\n", "\r\n") + "2023-01-01;ecole-jean-jaures;consommation_chauffage;812,4\r\n"
    df = lire_tableau(_ecrire(tmp_path / "m.csv", contenu), "mesures")
    assert df.attrs["dialecte"]["encodage"] == "utf-8-sig"
    assert list(df.columns) == ["date", "site", "indicateur", "valeur"] and df["valeur"].iloc[0] == 812.4


def test_formes_de_date_acceptees():
    valeurs = pd.Series(["2023-03-05", "05/03/2023", "2023-03-05T14:30", "2023-03-05 14:30:15",
                         "05/03/2023 14:30", "05/03/2023 14:30:15", "2023-02-29", "2023-03-05T25:00"])
    dates = lire_dates(valeurs)
    assert dates.tolist()[:6] == [pd.Timestamp(2023, 3, 5), pd.Timestamp(2023, 3, 5), pd.Timestamp(2023, 3, 5, 14, 30),
                                  pd.Timestamp(2023, 3, 5, 14, 30, 15), pd.Timestamp(2023, 3, 5, 14, 30),
                                  pd.Timestamp(2023, 3, 5, 14, 30, 15)]
    assert dates.iloc[6:].isna().all()  # 29 février 2023 et 25 h : impossibles


def test_xlsx(tmp_path):
    from openpyxl import Workbook

    classeur = Workbook()
    feuille = classeur.active
    feuille.append(["date", "site", "indicateur", "valeur"])
    feuille.append([dt.datetime(2023, 1, 1), "ecole-jean-jaures", "consommation_chauffage", 812.4])
    feuille.append(["02/01/2023", "ecole-jean-jaures", "consommation_chauffage", 798])
    feuille.append([None, None, None, None])
    classeur.save(tmp_path / "m.xlsx")
    df = lire_tableau(tmp_path / "m.xlsx", "mesures")
    assert df["date"].tolist() == [pd.Timestamp(2023, 1, 1), pd.Timestamp(2023, 1, 2)]
    assert df["valeur"].tolist() == [812.4, 798.0]


def test_format_non_pris_en_charge(tmp_path):
    with pytest.raises(ErreurDonnees) as info:
        lire_tableau(_ecrire(tmp_path / "m.xls", b"x"), "mesures")  # .ods est lu depuis l'issue 7
    assert info.value.message == "format « .xls » non pris en charge."


def test_fichier_absent(tmp_path):
    with pytest.raises(ErreurDonnees) as info:
        lire_tableau(tmp_path / "absent.csv", "mesures")
    assert info.value.message == "fichier introuvable."


# --- Chaque faute, son message --------------------------------------------------------------


def test_colonne_manquante(tmp_path):
    (e,) = erreurs_de(lire_tableau, copier(tmp_path, "mesures_colonne_manquante.csv"), "mesures")
    assert (e.ligne, e.colonne) == (1, "indicateur")
    assert e.message == "colonne « indicateur » absente de l'en-tête."
    assert e.attendu == "les colonnes date, site, indicateur, valeur"
    assert str(e) == (f"{tmp_path / 'mesures_colonne_manquante.csv'}, ligne 1, colonne « indicateur » : colonne "
                      "« indicateur » absente de l'en-tête. Attendu : les colonnes date, site, indicateur, valeur.")


def test_colonne_inconnue(tmp_path):
    chemin = _ecrire(tmp_path / "m.csv", "date;site;indicateur;valeur;commentaire\n2023-01-01;a;b;1;x\n")
    (e,) = erreurs_de(lire_tableau, chemin, "mesures")
    assert (e.ligne, e.colonne, e.message) == (1, "commentaire", "colonne « commentaire » inconnue du standard.")


def test_date_illisible(tmp_path):
    (e,) = erreurs_de(lire_tableau, copier(tmp_path, "mesures_date_illisible.csv"), "mesures")
    assert (e.ligne, e.colonne) == (4, "date")
    assert e.message == "valeur « 2023-1-3 » mal écrite."
    assert e.attendu == ATTENDU_DATE


def test_date_impossible(tmp_path):
    texte = (FIXTURES / "mesures_date_illisible.csv").read_text().replace("2023-1-3", "2023-01-03")
    (e,) = erreurs_de(lire_tableau, _ecrire(tmp_path / "m.csv", texte), "mesures")
    assert (e.ligne, e.colonne) == (5, "date")
    assert e.message == "« 2023-02-30 » n'est pas une date du calendrier."


def test_valeur_illisible_ou_manquante(tmp_path):
    texte = ENTETE + "2023-01-01;a;b;1,5\n2023-01-02;a;b;environ 3\n2023-01-03;a;b;\n"
    e1, e2 = erreurs_de(lire_tableau, _ecrire(tmp_path / "m.csv", texte), "mesures")
    assert (e1.ligne, e1.colonne, e1.message) == (3, "valeur", "valeur « environ 3 » illisible.")
    assert e1.attendu == "un nombre écrit avec la décimale « , » comme dans le reste du fichier, par exemple 812,4"
    assert (e2.ligne, e2.colonne, e2.message) == (4, "valeur", "valeur manquante.")


def test_cellules_en_trop_ou_manquantes(tmp_path):
    texte = ENTETE + "2023-01-01;a;b;1;9\n2023-01-02;a;b\n"
    e1, e2 = erreurs_de(lire_tableau, _ecrire(tmp_path / "m.csv", texte), "mesures")
    assert (e1.ligne, e1.message) == (2, "cellule en trop « 9 » : la ligne a plus de colonnes que l'en-tête.")
    assert (e2.ligne, e2.colonne) == (3, "valeur")


def test_decimale_virgule_non_protegee_avec_separateur_virgule(tmp_path):
    texte = "date,site,indicateur,valeur\n2023-01-01,a,b,812,4\n"
    (e,) = erreurs_de(lire_tableau, _ecrire(tmp_path / "m.csv", texte), "mesures")
    assert e.ligne == 2 and "entre guillemets" in e.conseil


def test_ligne_vide_et_doublon_dans_un_fichier(tmp_path):
    texte = ENTETE + "2023-01-01;a;b;1\n\n2023-01-01;a;b;2\n"
    e1, e2 = erreurs_de(lire_tableau, _ecrire(tmp_path / "m.csv", texte), "mesures")
    assert (e1.ligne, e1.message) == (3, "ligne vide au milieu des données.")
    assert (e2.ligne, e2.message) == (4, "ligne en double : même date, site et indicateur qu'à la ligne 2.")


def test_lignes_multilignes_gardent_le_numero_physique(tmp_path):
    texte = ENTETE + '2023-01-01;"ecole\nsur deux lignes";b;1\n2023-01-02;a;b;x\n'
    (e,) = erreurs_de(lire_tableau, _ecrire(tmp_path / "m.csv", texte), "mesures")
    assert e.ligne == 4  # l'enregistrement précédent occupe les lignes 2 et 3


# --- charger_mesures : contrôles croisés avec pilote.yaml -----------------------------------


def test_charger_mesures_plusieurs_fichiers(tmp_path):
    p = faire_pilote(tmp_path, {
        "a.csv": ENTETE + "2023-01-02;ecole-jean-jaures;consommation_chauffage;798,1\n"
                          "2023-01-01;ecole-jean-jaures;consommation_chauffage;812,4\n",
        "b.csv": "date,site,indicateur,valeur\n01/01/2023,ecole-temoin,consommation_chauffage,655.0\n",
    })
    df = charger_mesures(p)
    assert list(df.columns) == ["date", "site", "indicateur", "valeur"]
    assert df["date"].dtype == "datetime64[ns]" and df["valeur"].dtype == np.float64
    assert df["site"].tolist() == ["ecole-jean-jaures", "ecole-jean-jaures", "ecole-temoin"]
    assert df["date"].tolist() == [pd.Timestamp(2023, 1, 1), pd.Timestamp(2023, 1, 2), pd.Timestamp(2023, 1, 1)]
    assert df["valeur"].tolist() == [812.4, 798.1, 655.0]
    assert df.index.tolist() == [0, 1, 2]


def test_site_et_indicateur_inconnus(tmp_path):
    p = faire_pilote(tmp_path, {"m.csv": (FIXTURES / "mesures_site_inconnu.csv").read_bytes()})
    e1, e2 = erreurs_de(charger_mesures, p)
    assert (Path(e1.fichier).name, e1.ligne, e1.colonne) == ("m.csv", 3, "site")
    assert e1.message == "site « ecole-jean-jaure » non déclaré dans pilote.yaml (2 lignes, la première est signalée)."
    assert e1.attendu == "un des identifiants déclarés : ecole-jean-jaures, ecole-temoin"
    assert e1.conseil == "Vouliez-vous écrire « ecole-jean-jaures » ?"
    assert (e2.ligne, e2.colonne) == (5, "indicateur")
    assert e2.message == "indicateur « conso_chauffage » non déclaré dans pilote.yaml."


def test_doublon_ecrit_sous_deux_formes(tmp_path):
    p = faire_pilote(tmp_path, {"m.csv": (FIXTURES / "mesures_doublon.csv").read_bytes()})
    (e,) = erreurs_de(charger_mesures, p)
    assert e.ligne == 4
    assert e.message == "ligne en double : même date (2023-01-02), site et indicateur qu'à la ligne 3."


def test_doublon_entre_deux_fichiers(tmp_path):
    ligne = "2023-01-01;ecole-jean-jaures;consommation_chauffage;812,4\n"
    p = faire_pilote(tmp_path, {"a.csv": ENTETE + ligne, "b.csv": ENTETE + "2023-01-02;ecole-temoin;heures_inconfort;3\n" + ligne})
    (e,) = erreurs_de(charger_mesures, p)
    assert (Path(e.fichier).name, e.ligne) == ("b.csv", 3)
    assert e.message.startswith("ligne en double : même date (2023-01-01), site et indicateur qu'à la ligne 2 de ")
    assert e.message.endswith("a.csv.")


def test_erreurs_de_plusieurs_fichiers_rassemblees(tmp_path):
    p = faire_pilote(tmp_path, {"a.csv": "date;site;valeur\n2023-01-01;a;1\n",
                                "b.csv": ENTETE + "2023-01-01;inconnu;consommation_chauffage;1\n"})
    erreurs = erreurs_de(charger_mesures, p)
    assert [(Path(e.fichier).name, e.ligne, e.colonne) for e in erreurs] == [("a.csv", 1, "indicateur"),
                                                                              ("b.csv", 2, "site")]


def test_trop_d_erreurs_resumees(tmp_path):
    texte = ENTETE + "".join(f"2023-01-{j:02d};a;b;x\n" for j in range(1, 31)) * 1
    texte += "".join(f"2023-02-{j:02d};a;b;x\n" for j in range(1, 29))
    erreurs = erreurs_de(lire_tableau, _ecrire(tmp_path / "m.csv", texte), "mesures")
    assert len(erreurs) == 51
    assert erreurs[-1].message == "… et 8 autres erreurs non détaillées."


# --- Météo ----------------------------------------------------------------------------------


def test_meteo_moyenne_calculee(tmp_path):
    p = faire_pilote(tmp_path, meteo="date;temperature_min;temperature_max\n2023-01-02;-0,5;4,0\n2023-01-01;2,1;8,4\n")
    df = charger_meteo(p)
    assert list(df.columns) == ["date", "temperature_min", "temperature_max", "temperature_moyenne"]
    assert df["date"].tolist() == [pd.Timestamp(2023, 1, 1), pd.Timestamp(2023, 1, 2)]
    assert df["temperature_moyenne"].tolist() == pytest.approx([5.25, 1.75])


def test_meteo_moyenne_fournie_ou_vide(tmp_path):
    p = faire_pilote(tmp_path, meteo="date;temperature_min;temperature_max;temperature_moyenne\n"
                                     "2023-01-01;2,1;8,4;4,0\n2023-01-02;-0,5;4,0;\n")
    assert charger_meteo(p)["temperature_moyenne"].tolist() == pytest.approx([4.0, 1.75])


def test_meteo_min_superieure_au_max(tmp_path):
    p = faire_pilote(tmp_path, meteo="date;temperature_min;temperature_max\n2023-01-01;2,1;8,4\n2023-01-02;9,5;4,0\n")
    (e,) = erreurs_de(charger_meteo, p)
    assert (e.ligne, e.colonne) == (3, "temperature_min")
    assert e.message == "température minimale (9,5 °C) supérieure à la maximale (4,0 °C)."


def test_meteo_horodatage_refuse(tmp_path):
    p = faire_pilote(tmp_path, meteo="date;temperature_min;temperature_max\n2023-01-01T10:00;2,1;8,4\n")
    (e,) = erreurs_de(charger_meteo, p)
    assert (e.ligne, e.colonne, e.attendu) == (2, "date", "une date au format AAAA-MM-JJ ou JJ/MM/AAAA")


def test_meteo_absente(tmp_path):
    assert charger_meteo(faire_pilote(tmp_path)) is None


# --- Un fichier de taille ordinaire ----------------------------------------------------------
# (Sa vitesse, < 1 s pour 10 000 lignes, est mesurée par le banc : bench/bench.py, partie 6.)


def test_dix_mille_lignes_lues_en_entier(tmp_path):
    debut = dt.date(2020, 1, 1)
    lignes = [f"{debut + dt.timedelta(days=i // 4)};site-{i % 4};consommation_chauffage;{i * 1.5:.1f}".replace(".", ",")
              for i in range(10_000)]
    chemin = _ecrire(tmp_path / "m.csv", (ENTETE + "\n".join(lignes) + "\n").encode("cp1252"))
    df = lire_tableau(chemin, "mesures")
    assert len(df) == 10_000 and list(df.index[[0, -1]]) == [2, 10_001]
    assert df.attrs["dialecte"]["decimale"] == "," and df["valeur"].iloc[-1] == pytest.approx(9999 * 1.5)
    assert df["date"].iloc[-1] == pd.Timestamp(debut + dt.timedelta(days=9999 // 4))
    assert list(df["site"].cat.categories) == ["site-0", "site-1", "site-2", "site-3"]
    assert df["site"].iloc[4 * 100 + 3] == "site-3" and (df["indicateur"] == "consommation_chauffage").all()


def test_ordre_des_colonnes_libre(tmp_path):
    texte = "site;valeur;date;indicateur\necole-temoin;3,5;2023-01-01;consommation_chauffage\n"
    df = lire_tableau(_ecrire(tmp_path / "m.csv", texte), "mesures")
    assert list(df.columns) == ["date", "site", "indicateur", "valeur"]
    assert df.iloc[0].tolist() == [pd.Timestamp(2023, 1, 1), "ecole-temoin", "consommation_chauffage", 3.5]


def test_premiere_ligne_de_donnees_courte_ne_devient_pas_l_en_tete(tmp_path):
    """frictionless devine la ligne d'en-tête ; avec une première ligne de données courte suivie de
    lignes vides, il prenait la ligne 2 pour l'en-tête (« colonne date absente de l'en-tête »)."""
    texte = ENTETE + "2023-01-01\n2023-01-01;a;b;1\n\n\n2023-01-02;a;b;1\n"
    erreurs = erreurs_de(lire_tableau, _ecrire(tmp_path / "m.csv", texte), "mesures")
    assert [(e.ligne, e.colonne) for e in erreurs] == [(2, "site"), (2, "indicateur"), (2, "valeur"), (4, None), (5, None)]
    assert all("en-tête" not in e.message for e in erreurs[3:])
    assert erreurs[0].message == "cellule manquante : la ligne a moins de colonnes que l'en-tête."
