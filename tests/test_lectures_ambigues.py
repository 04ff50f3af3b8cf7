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
