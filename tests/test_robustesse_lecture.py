"""Robustesse de la lecture : changements d'heure, formats d'export, unités, messages exacts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eprouvette.erreurs import ErreurDonnees, ErreursDonnees
from eprouvette.lecture import charger_mesures, charger_meteo, lire_tableau, localiser_heure_legale

from test_lecture import ENTETE, faire_pilote

SITE, IND = "ecole-jean-jaures", "consommation_chauffage"


def erreurs_de(appel, *args) -> list[ErreurDonnees]:
    with pytest.raises(ErreursDonnees) as info:
        appel(*args)
    return info.value.erreurs


def quart_horaires(debut: str, fin: str) -> list[str]:
    """Horloge murale d'un compteur au pas de 15 min en heure légale, dans l'ordre d'écriture,
    l'heure répétée d'octobre écrite deux fois, l'heure sautée de mars absente."""
    instants = pd.date_range(pd.Timestamp(debut, tz="Europe/Paris"), pd.Timestamp(fin, tz="Europe/Paris"),
                             freq="15min", inclusive="left")
    return [f"{t:%Y-%m-%d %H:%M}" for t in instants]


# --- Changement d'heure ----------------------------------------------------------------------


def test_heure_repetee_d_octobre_sans_perte_ni_double_compte(tmp_path):
    horloge = quart_horaires("2024-10-27 00:00", "2024-10-27 05:00")
    assert horloge.count("2024-10-27 02:15") == 2  # l'export contient bien l'heure répétée
    lignes = "".join(f"{h};{SITE};{IND};{i}\n" for i, h in enumerate(horloge))
    df = charger_mesures(faire_pilote(tmp_path, {"m.csv": ENTETE + lignes}))
    assert str(df["date"].dtype) == "datetime64[ns, Europe/Paris]"
    assert len(df) == len(horloge) == 5 * 4 + 4  # 5 h d'horloge + l'heure répétée
    assert df["date"].is_unique and df["date"].is_monotonic_increasing
    assert (df["date"].diff().dropna() == pd.Timedelta("15min")).all()  # aucun trou, aucun double
    assert df["valeur"].tolist() == list(range(len(horloge)))  # l'ordre du fichier est l'ordre du temps
    premiere, seconde = df.loc[df["valeur"] == 8, "date"].iloc[0], df.loc[df["valeur"] == 12, "date"].iloc[0]
    assert f"{premiere:%H:%M %Z}" == "02:00 CEST" and f"{seconde:%H:%M %Z}" == "02:00 CET"
    assert seconde - premiere == pd.Timedelta("1h")


def test_heure_repetee_par_serie_dans_un_fichier_trie_par_site(tmp_path):
    horloge = quart_horaires("2024-10-27 01:00", "2024-10-27 04:00")
    lignes = "".join(f"{h};{s};{IND};1\n" for s in (SITE, "ecole-temoin") for h in horloge)
    df = charger_mesures(faire_pilote(tmp_path, {"m.csv": ENTETE + lignes}))
    assert len(df) == 2 * len(horloge) == 2 * 16
    for _, serie in df.groupby("site"):
        assert (serie["date"].diff().dropna() == pd.Timedelta("15min")).all()


def test_heure_repetee_ecrite_trois_fois_est_un_doublon(tmp_path):
    texte = ENTETE + "".join(f"27/10/2024 02:30;{SITE};{IND};{v}\n" for v in (1, 2, 3))
    (e,) = erreurs_de(charger_mesures, faire_pilote(tmp_path, {"m.csv": texte}))
    assert (e.ligne, e.message) == (4, "ligne en double : même date, site et indicateur qu'à la ligne 3.")


def test_heure_repetee_dans_deux_fichiers_est_un_doublon(tmp_path):
    ligne = f"2024-10-27 02:30;{SITE};{IND};1\n"
    (e,) = erreurs_de(charger_mesures, faire_pilote(tmp_path, {"a.csv": ENTETE + ligne, "b.csv": ENTETE + ligne}))
    assert (Path(e.fichier).name, e.ligne) == ("b.csv", 2)
    assert e.message.startswith("ligne en double : même date (2024-10-27 02:30 (heure d'été)), site et indicateur "
                                "qu'à la ligne 2 de ")


def test_heure_sautee_de_mars_est_une_erreur(tmp_path):
    texte = ENTETE + f"2024-03-31 01:45;{SITE};{IND};1\n2024-03-31 02:15;{SITE};{IND};1\n2024-03-31 03:00;{SITE};{IND};1\n"
    (e,) = erreurs_de(charger_mesures, faire_pilote(tmp_path, {"m.csv": texte}))
    assert (Path(e.fichier).name, e.ligne, e.colonne) == ("m.csv", 3, "date")
    assert e.message == ("l'horodatage « 2024-03-31 02:15 » n'existe pas en heure légale française : le 31 mars "
                         "2024, les horloges passent directement de 02:00 à 03:00.")
    assert e.attendu == "un horodatage en heure légale française, hors de l'heure sautée (02:00 à 02:59)"


def test_mars_sans_l_heure_sautee_est_continu(tmp_path):
    horloge = quart_horaires("2024-03-31 00:00", "2024-03-31 05:00")
    assert not any(h[11:13] == "02" for h in horloge)
    lignes = "".join(f"{h};{SITE};{IND};1\n" for h in horloge)
    df = charger_mesures(faire_pilote(tmp_path, {"m.csv": ENTETE + lignes}))
    assert len(df) == 16 and (df["date"].diff().dropna() == pd.Timedelta("15min")).all()


def test_donnees_journalieres_restent_sans_fuseau(tmp_path):
    df = charger_mesures(faire_pilote(tmp_path, {"m.csv": ENTETE + f"2024-10-27;{SITE};{IND};1\n"}))
    assert df["date"].dtype == "datetime64[ns]" and df["date"].iloc[0] == pd.Timestamp(2024, 10, 27)


def test_fichier_journalier_et_fichier_horaire_melanges(tmp_path):
    p = faire_pilote(tmp_path, {"j.csv": ENTETE + f"2024-10-26;ecole-temoin;{IND};1\n",
                                "h.csv": ENTETE + f"2024-10-27 02:00;{SITE};{IND};1\n"})
    df = charger_mesures(p)
    assert str(df["date"].dtype) == "datetime64[ns, Europe/Paris]"
    assert df["date"].tolist() == [pd.Timestamp("2024-10-27 02:00+02:00"), pd.Timestamp("2024-10-26 00:00+02:00")]


def test_localiser_heure_legale_directement():
    naives = pd.Series(pd.to_datetime(["2024-10-27 02:00", "2024-10-27 02:00", "2024-03-31 02:30", "2024-06-01 12:00"]))
    locales = localiser_heure_legale(naives)
    assert [str(t) for t in locales[:2]] == ["2024-10-27 02:00:00+02:00", "2024-10-27 02:00:00+01:00"]
    assert locales.isna().tolist() == [False, False, True, False]
    assert str(locales.iloc[3]) == "2024-06-01 12:00:00+02:00"


# --- Météo : colonnes facultatives du schéma gardées ------------------------------------------


def test_meteo_garde_les_colonnes_facultatives_du_schema(tmp_path):
    from eprouvette import config
    import json

    champs = [c["name"] for c in json.loads((config.SCHEMAS / "meteo.schema.json").read_text(encoding="utf-8"))["fields"]]
    if "precipitations_mm" not in champs:
        pytest.skip("meteo.schema.json ne déclare pas (encore) precipitations_mm")
    p = faire_pilote(tmp_path, meteo="date;temperature_min;temperature_max;precipitations_mm\n"
                                     "2023-01-02;-0,5;4,0;0\n2023-01-01;2,1;8,4;12,6\n")
    df = charger_meteo(p)
    assert list(df.columns) == ["date", "temperature_min", "temperature_max", "temperature_moyenne", "precipitations_mm"]
    assert df["precipitations_mm"].tolist() == [12.6, 0.0]


# --- Corpus de fichiers réels ou fautifs (tests/corpus/, décrit dans tests/corpus/README.md) ------

CORPUS = Path(__file__).parent / "corpus"
ATTENDU_DATE = ("une date au format AAAA-MM-JJ ou JJ/MM/AAAA, ou un horodatage AAAA-MM-JJTHH:MM[:SS], "
                "AAAA-MM-JJ HH:MM[:SS] ou JJ/MM/AAAA HH:MM[:SS]")
CONSEIL_NEGATIF = ("Un index de compteur qui recule (remplacement, remise à zéro) doit être converti en consommation ; "
                   "corrigez la valeur ou retirez la ligne.")

#: fichier -> (ligne, colonne ou champ, message, attendu) de l'unique erreur attendue.
FAUTES = {
    "vide.csv": (None, None, "fichier vide.", "une ligne d'en-tête puis une ligne par mesure"),
    "entete_seule.csv": (1, None, "aucune mesure : le fichier n'a qu'une ligne d'en-tête.",
                         "une ligne d'en-tête puis une ligne par mesure"),
    "colonne_manquante.csv": (1, "valeur", "colonne « valeur » absente de l'en-tête.",
                              "les colonnes date, site, indicateur, valeur"),
    "colonne_inconnue.csv": (1, "commentaire", "colonne « commentaire » inconnue du standard.",
                             "les colonnes date, site, indicateur, valeur"),
    "valeur_texte.csv": (3, "valeur", "valeur « douze » illisible.",
                         "un nombre écrit avec la décimale « , » comme dans le reste du fichier, par exemple 812,4"),
    "date_illisible.csv": (3, "date", "valeur « 2023/01/02 » mal écrite.", ATTENDU_DATE),
    "date_impossible.csv": (3, "date", "« 31/04/2023 » n'est pas une date du calendrier.", ATTENDU_DATE),
    "doublon.csv": (4, None, "ligne en double : même date (2023-01-02), site et indicateur qu'à la ligne 3.", None),
    "valeur_negative.csv": (3, "valeur", "valeur négative (−35,0) pour l'indicateur « consommation_chauffage » (kWh).",
                            "une valeur positive ou nulle"),
    "comptage_negatif.csv": (3, "valeur", "valeur négative (−1,0) pour l'indicateur « heures_inconfort » (comptage).",
                             "une valeur positive ou nulle"),
    "valeur_non_finie.csv": (3, "valeur", "valeur invraisemblable : pas un nombre fini (NaN ou infini).", "un nombre fini"),
    "site_inconnu.csv": (3, "site", "site « ecole-jean-jaurès » non déclaré dans pilote.yaml.",
                         "un des identifiants déclarés : ecole-jean-jaures, ecole-temoin"),
    "indicateur_inconnu.csv": (3, "indicateur", "indicateur « consommation_chaufage » non déclaré dans pilote.yaml.",
                               "un des identifiants déclarés : consommation_chauffage, heures_inconfort"),
    "heure_sautee_mars.csv": (3, "date", "l'horodatage « 31/03/2024 02:30 » n'existe pas en heure légale française : "
                                         "le 31 mars 2024, les horloges passent directement de 02:00 à 03:00.",
                              "un horodatage en heure légale française, hors de l'heure sautée (02:00 à 02:59)"),
    "heure_repetee_trois_fois.csv": (4, None, "ligne en double : même date, site et indicateur qu'à la ligne 3.", None),
    "separateur_absent.csv": (1, None, "séparateur de colonnes introuvable dans l'en-tête « date site indicateur valeur ».",
                              "des colonnes séparées par « ; », « , » ou une tabulation"),
    "virgule_non_protegee.csv": (2, None, "cellule en trop « 4 » : la ligne a plus de colonnes que l'en-tête.",
                                 "4 colonnes séparées par « , »"),
    "cellule_manquante.csv": (3, "valeur", "cellule manquante : la ligne a moins de colonnes que l'en-tête.",
                              "4 colonnes séparées par « ; »"),
    "classeur_corrompu.xlsx": (None, None, "classeur Excel illisible : ce n'est pas un classeur .xlsx valide (fichier "
                                           "abîmé, incomplet ou d'un autre format).", None),
    "archive_corrompue.csv.gz": (None, None, "archive gzip tronquée : le fichier s'arrête avant la fin des données "
                                             "compressées.", None),
    "format_xls.xls": (None, None, "format « .xls » non pris en charge.",
                       "un fichier .csv (ou .txt, .tsv, .csv.gz), .xlsx, .ods ou .parquet"),
    "decimales_melangees.csv": (2, "valeur", "décimale incohérente : la ligne 2 écrit « 1.932,2 », qui n'a de sens "
                                             "qu'avec la décimale virgule, et la ligne 3 « 1932.2 », qui n'a de sens "
                                             "qu'avec la décimale point.", None),
    "dates_americaines.csv": (14, "date", "le fichier semble écrire ses dates dans l'ordre américain mois/jour : "
                                          "« 01/13/2023 » (lignes 14, 15, 16 et 5 autres) n'est une date que lue "
                                          "MM/JJ/AAAA ; les 11 dates dont le jour et le mois sont tous deux ≤ 12 (par "
                                          "exemple « 01/02/2023 ») seraient lues avec le jour et le mois inversés.",
                              "des dates AAAA-MM-JJ (ISO) ou JJ/MM/AAAA (jour puis mois) dans tout le fichier"),
    "meteo_min_superieure_max.csv": (3, "temperature_min", "température minimale (9,5 °C) supérieure à la maximale (4,0 °C).",
                                     "temperature_min ≤ temperature_max"),
    "pilote_unite_inconnue.yaml": (33, "indicateurs[0].unite",
                                   "unité « kwh » inconnue pour l'indicateur « consommation_chauffage ».", None),
    "pilote_periode_inversee.yaml": (15, "periodes.reference.debut",
                                     "la période commence le 2023-06-01 mais finit avant, le 2022-12-31.",
                                     "un début antérieur ou égal à la fin"),
    "pilote_yaml_mal_forme.yaml": (5, None, "YAML mal formé (colonne 10) : un « : » inattendu (valeur contenant « : » "
                                            "sans guillemets, ou indentation incorrecte).", None),
}


def _charger_corpus(tmp_path: Path, nom: str):
    contenu = (CORPUS / nom).read_bytes()
    if nom.endswith(".yaml"):
        return charger_mesures(faire_pilote(tmp_path, texte=contenu.decode("utf-8")))
    if nom.startswith("meteo"):
        return charger_meteo(faire_pilote(tmp_path, meteo=contenu))
    return charger_mesures(faire_pilote(tmp_path, {nom: contenu}))


@pytest.mark.parametrize("nom", sorted(FAUTES))
def test_corpus_fautes_message_exact(tmp_path, nom):
    ligne, lieu, message, attendu = FAUTES[nom]
    with pytest.raises((ErreurDonnees, ErreursDonnees)) as info:
        _charger_corpus(tmp_path, nom)
    erreurs = getattr(info.value, "erreurs", [info.value])
    assert len(erreurs) == 1, [str(e) for e in erreurs]
    (e,) = erreurs
    assert Path(e.fichier).name == ("pilote.yaml" if nom.endswith(".yaml") else "meteo.csv" if nom.startswith("meteo") else nom)
    assert e.message == message
    assert e.ligne == ligne
    assert (e.champ if nom.endswith(".yaml") else e.colonne) == lieu
    if attendu is not None:
        assert e.attendu == attendu
    if nom in ("valeur_negative.csv", "comptage_negatif.csv"):
        assert e.conseil == CONSEIL_NEGATIF
    if nom in ("site_inconnu.csv", "indicateur_inconnu.csv", "pilote_unite_inconnue.yaml"):
        assert e.conseil.startswith("Vouliez-vous écrire « ")


J, T = SITE, "ecole-temoin"
P = "Europe/Paris"

#: fichier -> colonnes attendues (ordre de charger_mesures : site, indicateur, date).
VALIDES = {
    "export_plateforme_cp1252.csv": {
        "date": [pd.Timestamp(2023, 1, d) for d in (1, 2, 3)] + [pd.Timestamp(2023, 1, 1)],
        "site": [J, J, J, T], "valeur": [1234.5, 1198.0, 987.25, 2001.75]},
    "milliers_point_decimale_virgule.csv": {
        "date": [pd.Timestamp(2023, 1, d) for d in (1, 2, 3)], "site": [J] * 3, "valeur": [1234.5, 12345678.9, 0.5]},
    "utf16_sans_bom.csv": {"date": [pd.Timestamp(2023, 1, d) for d in (1, 2, 3)], "site": [J] * 3,
                           "valeur": [1234.5, 12345.0, 0.5]},
    "tabulation_bom.tsv": {"date": [pd.Timestamp(2023, 1, 1), pd.Timestamp(2023, 1, 2)], "site": [J, J],
                           "valeur": [812.4, 1004.5]},
    "virgules_guillemets.csv.gz": {"date": [pd.Timestamp(2023, 1, 1), pd.Timestamp(2023, 1, 2)], "site": [J, J],
                                   "valeur": [812.4, 1004.5]},
    "dates_francaises_horaires.csv": {
        "date": [pd.Timestamp("2024-12-31 23:00", tz=P), pd.Timestamp("2024-12-31 23:30", tz=P),
                 pd.Timestamp("2025-01-01 00:00", tz=P)], "site": [J] * 3, "valeur": [10.5, 11.0, 9.75]},
    "heure_repetee_octobre.csv": {
        "date": [pd.Timestamp(t) for t in ("2024-10-27 01:00+02:00", "2024-10-27 01:30+02:00", "2024-10-27 02:00+02:00",
                                           "2024-10-27 02:30+02:00", "2024-10-27 02:00+01:00", "2024-10-27 02:30+01:00",
                                           "2024-10-27 03:00+01:00")],
        "site": [J] * 7, "valeur": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]},
    "export_excel_titre.xlsx": {"date": [pd.Timestamp(2023, 1, 1), pd.Timestamp(2023, 1, 2), pd.Timestamp(2023, 1, 2)],
                                "site": [J, J, T], "valeur": [812.4, 798.1, 655.0]},
    "export_libreoffice.ods": {"date": [pd.Timestamp(2023, 1, 1), pd.Timestamp(2023, 1, 2)], "site": [J, J],
                               "valeur": [812.4, 798.1]},
    "mesures_utc.parquet": {"date": [pd.Timestamp("2024-10-27 00:30Z"), pd.Timestamp("2024-10-27 01:30Z")],
                            "site": [J, J], "valeur": [1.5, 2.5]},
}


@pytest.mark.parametrize("nom", sorted(VALIDES))
def test_corpus_exports_valides_valeurs_lues(tmp_path, nom):
    df = _charger_corpus(tmp_path, nom)
    attendu = VALIDES[nom]
    assert df["date"].tolist() == attendu["date"]
    assert df["site"].tolist() == attendu["site"]
    assert (df["indicateur"] == IND).all()
    assert df["valeur"].tolist() == pytest.approx(attendu["valeur"], rel=0, abs=1e-9)
    horaire = any(isinstance(d, pd.Timestamp) and d.tzinfo is not None for d in attendu["date"])
    assert str(df["date"].dtype) == ("datetime64[ns, Europe/Paris]" if horaire else "datetime64[ns]")


def test_corpus_tous_les_fichiers_sont_testes_et_decrits():
    fichiers = {f.name for f in CORPUS.iterdir() if f.name != "README.md"}
    assert fichiers == set(FAUTES) | set(VALIDES)
    assert len(fichiers) >= 20
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert all(f"`{nom}`" in readme for nom in fichiers)
