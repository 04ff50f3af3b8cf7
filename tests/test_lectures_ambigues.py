"""Lectures ambiguës : décimale, milliers, encodage UTF-16 sans BOM, ordre jour/mois des dates."""

from __future__ import annotations

from pathlib import Path

import pytest

from eprouvette.erreurs import ErreurDonnees, ErreursDonnees
from eprouvette.lecture import charger_mesures, lire_tableau

from test_lecture import ENTETE, faire_pilote

SITE, IND = "ecole-jean-jaures", "consommation_chauffage"


def une_erreur(appel, *args) -> ErreurDonnees:
    with pytest.raises((ErreurDonnees, ErreursDonnees)) as info:
        appel(*args)
    erreurs = getattr(info.value, "erreurs", [info.value])
    assert len(erreurs) == 1, [str(e) for e in erreurs]
    texte = str(erreurs[0])
    assert "Traceback" not in texte
    return erreurs[0]


def ecrire(chemin: Path, contenu: str | bytes) -> Path:
    chemin.write_bytes(contenu if isinstance(contenu, bytes) else contenu.encode("utf-8"))
    return chemin


def lignes(valeurs, jours=None) -> str:
    jours = jours or [f"2023-01-{j:02d}" for j in range(1, len(valeurs) + 1)]
    return ENTETE + "".join(f"{d};{SITE};{IND};{v}\n" for d, v in zip(jours, valeurs))


# --- 1. Deux conventions de décimale dans un même fichier ------------------------------------


def test_decimales_melangees_refusees_avec_les_deux_lignes(tmp_path):
    f = ecrire(tmp_path / "m.csv", lignes(["1.932,2", "12,5", "1932.2", "880.1"]))
    e = une_erreur(lire_tableau, f, "mesures")
    assert (Path(e.fichier).name, e.ligne, e.colonne) == ("m.csv", 2, "valeur")
    assert e.message == ("décimale incohérente : la ligne 2 écrit « 1.932,2 », qui n'a de sens qu'avec la décimale "
                         "virgule, et la ligne 4 « 1932.2 », qui n'a de sens qu'avec la décimale point.")
    assert e.attendu.startswith("une seule convention pour tout le fichier")


def test_decimales_melangees_par_charger_mesures(tmp_path):
    e = une_erreur(charger_mesures, faire_pilote(tmp_path, {"m.csv": lignes(["880.1", "12,5"])}))
    assert (e.ligne, e.colonne) == (2, "valeur") and "la ligne 3 « 12,5 »" not in e.message
    assert "la ligne 3 écrit « 12,5 »" in e.message and "la ligne 2 « 880.1 »" in e.message


# --- 2. Points des milliers ------------------------------------------------------------------


def test_points_des_milliers_avec_decimale_virgule(tmp_path):
    f = ecrire(tmp_path / "m.csv", lignes(["1.234", "12.345", "812,4", "1.234,5"]))
    df = lire_tableau(f, "mesures")
    assert df["valeur"].tolist() == [1234.0, 12345.0, 812.4, 1234.5]
    assert (df.attrs["dialecte"]["decimale"], df.attrs["dialecte"]["milliers"]) == (",", ".")


def test_points_des_milliers_avec_plusieurs_groupes(tmp_path):
    df = lire_tableau(ecrire(tmp_path / "m.csv", lignes(["1.234", "12.345.678"])), "mesures")
    assert df["valeur"].tolist() == [1234.0, 12345678.0]


def test_point_decimal_avec_trois_decimales_si_le_fichier_le_dit(tmp_path):
    df = lire_tableau(ecrire(tmp_path / "m.csv", lignes(["1.234", "0.5"])), "mesures")
    assert df["valeur"].tolist() == [1.234, 0.5]


def test_seulement_des_points_suivis_de_trois_chiffres_refuse(tmp_path):
    f = ecrire(tmp_path / "m.csv", lignes(["1.234", "12.345", "7"]))
    e = une_erreur(lire_tableau, f, "mesures")
    assert (e.ligne, e.colonne) == (2, "valeur")
    assert e.message == ("nombre « 1.234 » ambigu : le point peut être la décimale (1,234) ou le séparateur des "
                         "milliers (1234), et aucune valeur du fichier ne permet de trancher.")
    assert e.attendu == "des nombres sans séparateur de milliers (1234), ou la décimale écrite avec une virgule (1,234)"


def _comptages(valeurs_comptage, decimale_continue="812.4") -> str:
    """Un relevé continu (qui fixe la décimale du fichier) puis des comptages d'heures d'inconfort."""
    texte = ENTETE + f"2023-01-01;{SITE};{IND};{decimale_continue}\n"
    return texte + "".join(f"2023-01-{j:02d};{SITE};heures_inconfort;{v}\n"
                           for j, v in enumerate(valeurs_comptage, start=2))


@pytest.mark.parametrize("morceaux", [False, True], ids=["un-seul-tenant", "par-morceaux"])
def test_comptage_au_point_des_milliers_refuse(tmp_path, monkeypatch, morceaux):
    """« 1.234 » et « 12.345 » d'un comptage, dans un fichier à décimale point (812.4) : lus autrefois
    1,234 et 12,345 sans un mot ; refusés ligne par ligne, par les deux chemins de lecture."""
    monkeypatch.setenv("EPROUVETTE_SEUIL_MORCEAUX", "0" if morceaux else str(10**15))
    monkeypatch.setenv("EPROUVETTE_LIGNES_MORCEAU", "2")
    pilote = faire_pilote(tmp_path, {"m.csv": _comptages(["1.234", "7", "12.345"])})
    with pytest.raises(ErreursDonnees) as info:
        charger_mesures(pilote)
    erreurs = info.value.erreurs
    assert [(Path(e.fichier).name, e.ligne, e.colonne) for e in erreurs] == [("m.csv", 3, "valeur"),
                                                                             ("m.csv", 5, "valeur")]
    assert erreurs[0].message == (
        "un comptage est un nombre entier ; « 1.234 » est ambigu pour l'indicateur « heures_inconfort » : avec la "
        "décimale point du fichier il se lirait 1,234, alors qu'un point des milliers donne 1234.")
    assert erreurs[0].conseil == "Écrivez 1234 (sans séparateur des milliers), puis redéposez le fichier."
    assert "« 12.345 »" in erreurs[1].message and erreurs[1].conseil.startswith("Écrivez 12345 ")
    assert erreurs[1].attendu == "un nombre entier sans séparateur des milliers, par exemple 1234"
    texte = str(info.value)
    assert "m.csv, ligne 3, colonne « valeur » : un comptage est un nombre entier" in texte
    assert "Traceback" not in texte


def test_comptage_au_point_des_milliers_avec_decimale_virgule_lu_en_milliers(tmp_path):
    df = charger_mesures(faire_pilote(tmp_path, {"m.csv": _comptages(["1.234", "12.345"], "812,4")}))
    assert df.loc[df["indicateur"] == "heures_inconfort", "valeur"].tolist() == [1234.0, 12345.0]


def test_comptage_fractionnaire_refuse(tmp_path):
    e = une_erreur(charger_mesures, faire_pilote(tmp_path, {"m.csv": _comptages(["3", "2,5"], "812,4")}))
    assert (e.ligne, e.colonne) == (4, "valeur")
    assert e.message == "un comptage est un nombre entier ; « 2,5 » n'en est pas un (indicateur « heures_inconfort »)."


def test_lire_tableau_sans_comptages_garde_la_decimale_du_fichier(tmp_path):
    """`lire_tableau` seul ne connaît pas les types d'indicateurs : la règle vient de pilote.yaml."""
    df = lire_tableau(ecrire(tmp_path / "m.csv", _comptages(["1.234"])), "mesures")
    assert df["valeur"].tolist() == [812.4, 1.234]


# --- 3. UTF-16 sans marque d'ordre (BOM) -----------------------------------------------------


@pytest.mark.parametrize("encodage", ["utf-16-le", "utf-16-be"])
def test_utf16_sans_bom_lu_correctement(tmp_path, encodage):
    texte = ENTETE + f"2023-01-01;{SITE};{IND};812,4\n02/01/2023;ecole-témoin;{IND};7\n"
    f = ecrire(tmp_path / "m.csv", texte.encode(encodage))
    assert not f.read_bytes().startswith((b"\xff\xfe", b"\xfe\xff"))
    df = lire_tableau(f, "mesures")
    assert df["valeur"].tolist() == [812.4, 7.0]
    assert df["site"].tolist() == [SITE, "ecole-témoin"]
    assert df.attrs["dialecte"]["encodage"] == encodage


def test_octets_nuls_hors_utf16_refuses_en_francais(tmp_path):
    f = ecrire(tmp_path / "m.csv", (ENTETE + f"2023-01-01;{SITE};{IND};8\x00\n").encode("utf-8"))
    e = une_erreur(lire_tableau, f, "mesures")
    assert e.message == "caractères nuls (octets 0) dans le fichier : ce n'est pas un fichier texte lisible."


# --- 4. Ordre jour/mois des dates ------------------------------------------------------------


def jours_americains() -> list[str]:
    """Export américain : janvier à mars 2023 en MM/JJ/AAAA (45 jours ≤ 12 sur 60 lignes)."""
    import pandas as pd

    return [f"{d:%m/%d/%Y}" for d in pd.date_range("2023-01-01", periods=60, freq="D")]


def test_dates_mois_jour_refusees_avec_lignes_et_colonne(tmp_path):
    jours = jours_americains()
    f = ecrire(tmp_path / "m.csv", lignes(["1"] * len(jours), jours))
    e = une_erreur(lire_tableau, f, "mesures")
    assert (Path(e.fichier).name, e.ligne, e.colonne) == ("m.csv", 14, "date")
    n_ambigues = sum(1 for j in jours if int(j[:2]) <= 12 and int(j[3:5]) <= 12 and j[:2] != j[3:5])
    autres = sum(int(j[3:5]) > 12 for j in jours) - 3
    assert e.message == ("le fichier semble écrire ses dates dans l'ordre américain mois/jour : « 01/13/2023 » "
                         f"(lignes 14, 15, 16 et {autres} autre{'s' if autres > 1 else ''}) n'est une date que lue MM/JJ/AAAA ; les " f"{n_ambigues}"
                         " dates dont le jour et le mois sont tous deux ≤ 12 (par exemple « 01/02/2023 ») seraient "
                         "lues avec le jour et le mois inversés.")
    assert e.attendu == "des dates AAAA-MM-JJ (ISO) ou JJ/MM/AAAA (jour puis mois) dans tout le fichier"


def test_dates_mois_jour_horodatees_refusees(tmp_path):
    jours = ["01/12/2023 10:00", "01/13/2023 10:00"]
    e = une_erreur(charger_mesures, faire_pilote(tmp_path, {"m.csv": lignes(["1", "2"], jours)}))
    assert (e.ligne, e.colonne) == (3, "date") and "ordre américain mois/jour" in e.message


def test_dates_toutes_valides_en_jour_mois_restent_jour_mois(tmp_path):
    import pandas as pd

    jours = ["01/02/2023", "02/01/2023", "13/01/2023", "12/12/2023"]
    df = lire_tableau(ecrire(tmp_path / "m.csv", lignes(["1"] * 4, jours)), "mesures")
    assert df["date"].tolist() == [pd.Timestamp(2023, 2, 1), pd.Timestamp(2023, 1, 2), pd.Timestamp(2023, 1, 13),
                                   pd.Timestamp(2023, 12, 12)]
    # Sans date décisive, les dates ambiguës sont lues jour/mois (l'usage français).
    df = lire_tableau(ecrire(tmp_path / "n.csv", lignes(["1", "2"], ["01/02/2023", "03/04/2023"])), "mesures")
    assert df["date"].tolist() == [pd.Timestamp(2023, 2, 1), pd.Timestamp(2023, 4, 3)]


def test_dates_des_deux_ordres_melangees_signalees_une_a_une(tmp_path):
    e = une_erreur(lire_tableau, ecrire(tmp_path / "m.csv", lignes(["1", "2"], ["13/01/2023", "01/14/2023"])), "mesures")
    assert (e.ligne, e.message) == (3, "« 01/14/2023 » n'est pas une date du calendrier.")


# --- 5. Messages de lecteurs en français, valeurs citées tronquées ---------------------------


def test_ancien_xls_renomme_xlsx(tmp_path):
    f = ecrire(tmp_path / "m.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    e = une_erreur(lire_tableau, f, "mesures")
    assert (Path(e.fichier).name, e.message) == ("m.xlsx", "ancien format Excel (.xls, Excel 97-2003) sous une "
                                                           "extension .xlsx.")
    assert "enregistrez le fichier au format .xlsx" in e.conseil and "BadZipFile" not in str(e)


def test_parquet_illisible_en_francais(tmp_path):
    e = une_erreur(lire_tableau, ecrire(tmp_path / "m.parquet", b"PAR1 pas vraiment du parquet"), "mesures")
    assert e.message == "fichier Parquet illisible : fichier abîmé, incomplet ou pas au format Parquet."
    assert "Arrow" not in str(e)


def test_zip_renomme_gz(tmp_path):
    import io
    import zipfile

    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as z:
        z.writestr("m.csv", lignes(["1"]))
    e = une_erreur(lire_tableau, ecrire(tmp_path / "m.csv.gz", tampon.getvalue()), "mesures")
    assert e.message == "archive ZIP et non gzip, malgré l'extension .gz."
    assert e.conseil == "Extrayez le CSV de l'archive ZIP et déposez-le tel quel." and "gzipped" not in str(e)


def test_gzip_somme_de_controle_fausse(tmp_path):
    import gzip

    octets = bytearray(gzip.compress(lignes(["1"]).encode()))
    octets[-8] ^= 0xFF  # CRC32 du contenu
    e = une_erreur(lire_tableau, ecrire(tmp_path / "m.csv.gz", bytes(octets)), "mesures")
    assert e.message == "archive gzip abîmée : la somme de contrôle ne correspond pas aux données."
    assert "CRC" not in str(e)


def test_cellule_geante_citee_tronquee(tmp_path):
    geante = "x" * 200_000
    e = une_erreur(lire_tableau, ecrire(tmp_path / "m.csv", lignes([geante])), "mesures")
    assert (e.ligne, e.colonne) == (2, "valeur")
    assert e.message == f"valeur « {'x' * 80}… » illisible."
    assert len(str(e)) < 400


# --- 6. Trois décimales après la virgule et un nombre à décimale point -----------------------


def test_virgule_a_trois_decimales_et_point_sans_milliers_refuses(tmp_path):
    """Des 21,723 (débits en m³/h à trois décimales) et un 1932.2 : avec la décimale point, chaque
    21,723 vaudrait 21723. Le 1932.2 sans séparateur contredit la virgule des milliers : refusé."""
    f = ecrire(tmp_path / "m.csv", lignes(["21,723", "20,548", "1932.2", "-22,101"]))
    e = une_erreur(lire_tableau, f, "mesures")
    assert (Path(e.fichier).name, e.ligne, e.colonne) == ("m.csv", 2, "valeur")
    assert e.message == ("décimale incohérente : la ligne 4 écrit « 1932.2 », avec la décimale point et sans "
                         "séparateur des milliers, et la ligne 2 « 21,723 », qui ne se lit avec la décimale point "
                         "qu'en prenant la virgule pour séparateur des milliers (21723) : un facteur mille selon la "
                         "lecture.")
    assert e.attendu.startswith("une seule convention pour tout le fichier")


def test_virgule_des_milliers_prouvee_reste_acceptee(tmp_path):
    """Un export à décimale point qui groupe ses milliers (1,234.5) : 21,723 est 21723, 1932.2 toléré ;
    sans nombre long, 21,723 avec 12.5 reste aussi lu avec la virgule des milliers."""
    df = lire_tableau(ecrire(tmp_path / "m.csv", lignes(["1,234.5", "21,723", "1932.2"])), "mesures")
    assert df["valeur"].tolist() == [1234.5, 21723.0, 1932.2]
    df = lire_tableau(ecrire(tmp_path / "n.csv", lignes(["21,723", "12.5", "812"])), "mesures")
    assert df["valeur"].tolist() == [21723.0, 12.5, 812.0]
    # Un entier long sans point (1932) ne dit rien de la décimale : la virgule reste la décimale.
    df = lire_tableau(ecrire(tmp_path / "o.csv", lignes(["21,723", "1932"])), "mesures")
    assert df["valeur"].tolist() == [21.723, 1932.0]
