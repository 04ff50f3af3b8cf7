"""Lecture par morceaux des gros CSV (`eprouvette.lecture_morceaux`) : mêmes DataFrames et mêmes
messages, mot pour mot et ligne pour ligne, que la lecture d'un seul tenant, sur les mêmes défauts.

Le chemin par morceaux est forcé par ``EPROUVETTE_SEUIL_MORCEAUX=0`` et des morceaux de quelques
lignes (``EPROUVETTE_LIGNES_MORCEAU``), pour que les défauts tombent de part et d'autre des limites
de morceaux ; le chemin ordinaire par un seuil immense.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eprouvette import lecture, lecture_morceaux
from eprouvette.erreurs import ErreurDonnees, ErreursDonnees
from eprouvette.lecture import lire_tableau

ENTETE = "date;site;indicateur;valeur\n"


def _ligne(i: int, valeur: str = "12,5", site: str = "ecole", jour0: str = "2023-01-01") -> str:
    t = pd.Timestamp(jour0) + pd.Timedelta(hours=i)
    return f"{t:%Y-%m-%dT%H:%M};{site};chauffage;{valeur}\n"


def _corps(n: int = 40, **k) -> str:
    return "".join(_ligne(i, **k) for i in range(n))


def _lire(chemin: Path, monkeypatch, morceaux: bool, schema="mesures", lignes: int = 3):
    """(DataFrame, None) ou (None, [messages]) par l'un ou l'autre chemin ; vérifie le chemin pris."""
    monkeypatch.setenv("EPROUVETTE_SEUIL_MORCEAUX", "0" if morceaux else str(10**15))
    monkeypatch.setenv("EPROUVETTE_LIGNES_MORCEAU", str(lignes))
    pris = []
    vrai = lecture_morceaux.lire_csv_par_morceaux

    def espion(*a, **k):
        try:
            r = vrai(*a, **k)
        except lecture_morceaux._Ordinaire:
            pris.append("renvoyé")
            raise
        except (ErreurDonnees, ErreursDonnees):
            pris.append("morceaux")
            raise
        pris.append("morceaux")
        return r

    monkeypatch.setattr(lecture_morceaux, "lire_csv_par_morceaux", espion)
    try:
        df, messages = lire_tableau(chemin, schema), None
    except ErreursDonnees as e:
        df, messages = None, [str(x) for x in e.erreurs]
    except ErreurDonnees as e:
        df, messages = None, [str(e)]
    return df, messages, (pris[0] if pris else "ordinaire")


def _comparer(tmp_path, monkeypatch, contenu: bytes | str, nom: str = "mesures.csv", schema="mesures",
              chemin_attendu: str = "morceaux", lignes: int = 3):
    chemin = tmp_path / nom
    octets = contenu.encode("utf-8") if isinstance(contenu, str) else contenu
    chemin.write_bytes(gzip.compress(octets) if nom.endswith(".gz") else octets)
    df1, m1, pris1 = _lire(chemin, monkeypatch, False, schema)
    df2, m2, pris2 = _lire(chemin, monkeypatch, True, schema, lignes)
    assert pris1 == "ordinaire" and pris2 == chemin_attendu
    assert m2 == m1
    if df1 is not None:
        pd.testing.assert_frame_equal(df2, df1)
        assert df2.attrs == df1.attrs
    return df1, m1


# Chaque cas : un défaut (ou une particularité) d'export réel ; les deux chemins doivent dire la même chose.
DEFAUTS = {
    "valide_horaire": ENTETE + _corps(),
    "valide_journalier_jjmm": ENTETE + "".join(f"{d:%d/%m/%Y};ecole;chauffage;{i},5\n" for i, d in
                                               enumerate(pd.date_range("2023-01-01", periods=40))),
    "decimales_melees": ENTETE + _corps(10) + _ligne(10, "1.932,2") + _corps(5, jour0="2023-02-01") + _ligne(60, "1932.2"),
    "milliers_ambigus": ENTETE + "".join(_ligne(i, "1.234") for i in range(12)),
    "milliers_point_et_virgule": ENTETE + _corps(8, valeur="1.234,5") + _corps(4, valeur="12", jour0="2023-03-01"),
    "espaces_milliers": ENTETE + _corps(8, valeur="1\u00a0234,5"),
    "dates_americaines": ENTETE + "".join(f"{d:%m/%d/%Y};ecole;chauffage;1\n" for d in
                                          pd.date_range("2023-01-01", periods=40)),
    "date_impossible": ENTETE + _corps(7) + "30/02/2023;ecole;chauffage;1\n" + _corps(3, jour0="2023-03-01"),
    "date_illisible": ENTETE + _corps(5) + "hier;ecole;chauffage;1\n" + _corps(5, jour0="2023-03-01"),
    "valeur_illisible_et_manquante": ENTETE + _corps(4) + _ligne(4, "douze") + _ligne(5, "") + _corps(4, jour0="2023-03-01"),
    "cellules_en_trop_et_manquantes": ENTETE + _corps(4) + "2023-02-01;ecole;chauffage;1;2\n2023-02-02;ecole\n" + _corps(4, jour0="2023-03-01"),
    "ligne_vide_au_milieu": ENTETE + _corps(5) + "\n;;;\n" + _corps(5, jour0="2023-03-01"),
    "lignes_finales_vides": ENTETE + _corps(7) + ";;;\n\n;;;\n",
    "doublons": ENTETE + _corps(7) + _ligne(2) + _corps(3) + _ligne(2),
    "heure_repetee_octobre_et_triple": ENTETE + "".join(
        f"2023-10-29T{h};ecole;chauffage;1\n" for h in ["00:00", "01:00", "02:00", "02:00", "02:00", "03:00"]),
    "heure_sautee_mars": ENTETE + "".join(f"2023-03-26T{h:02d}:00;ecole;chauffage;1\n" for h in range(5)),
    "lignes_de_titre": "Export du 01/02/2023\nCompteur gaz\n" + ENTETE + _corps(9),
    "colonne_inconnue": "date;site;indicateur;valeur;commentaire\n" + _corps(5).replace("\n", ";x\n"),
    "colonne_en_double": "date;site;site;indicateur;valeur\n" + _corps(5),
    "colonne_manquante": "date;site;valeur\n" + _corps(5).replace(";chauffage", ""),
    "champ_sur_plusieurs_lignes": ENTETE + _corps(4) + '2023-02-01;"ecole\nnord";chauffage;1\n' + _corps(4, jour0="2023-03-01")
                                  + "2023-03-01T00:00;ecole;chauffage;x\n",
    "espaces_en_bord_de_cellule": ENTETE + _corps(4, valeur=" 12,5 ", site=" ecole"),
    "separateur_virgule": ENTETE.replace(";", ",") + _corps(8, valeur='"12,5"').replace(";", ","),
    "virgule_non_protegee": ENTETE.replace(";", ",") + _corps(8).replace(";", ","),
    "fin_de_ligne_windows": (ENTETE + _corps(9)).replace("\n", "\r\n"),
    "trop_d_erreurs": ENTETE + "".join(_ligne(i, "x") for i in range(120)),
    "cellule_geante": ENTETE + _corps(3) + _ligne(3, "capteur hors service " * 10_000) + _corps(3, jour0="2023-03-01"),
    "signe_plus_et_zeros": ENTETE + _corps(3, valeur="+3") + _corps(3, valeur="007,50", jour0="2023-03-01"),
}


@pytest.mark.parametrize("cas", list(DEFAUTS))
def test_memes_messages_et_memes_donnees(tmp_path, monkeypatch, cas):
    _comparer(tmp_path, monkeypatch, DEFAUTS[cas])


@pytest.mark.parametrize("cas", ["valide_horaire", "decimales_melees", "doublons", "dates_americaines"])
def test_csv_gz_meme_lecture(tmp_path, monkeypatch, cas):
    _comparer(tmp_path, monkeypatch, DEFAUTS[cas], nom="mesures.csv.gz", lignes=4)


@pytest.mark.parametrize("encodage", ["utf-8-sig", "cp1252", "utf-16", "utf-16-le", "utf-16-be"])
def test_encodages(tmp_path, monkeypatch, encodage):
    texte = ENTETE + _corps(6, site="école-été") + _ligne(6, "zéro", site="hôtel")
    df, messages = _comparer(tmp_path, monkeypatch, texte.encode(encodage), nom="mesures.csv.gz")
    assert messages and "zéro" in messages[0]


def test_archive_abimee_renvoyee_au_chemin_ordinaire(tmp_path, monkeypatch):
    octets = gzip.compress((ENTETE + _corps(50)).encode())
    (tmp_path / "mesures.csv.gz").write_bytes(octets[:-30])
    _, m1, _ = _lire(tmp_path / "mesures.csv.gz", monkeypatch, False)
    _, m2, pris = _lire(tmp_path / "mesures.csv.gz", monkeypatch, True)
    assert pris == "renvoyé" and m2 == m1 and "gzip" in m1[0]


def test_meteo_bornes_et_colonnes_facultatives(tmp_path, monkeypatch):
    texte = ("date;temperature_min;temperature_max;precipitations_mm\n"
             + "".join(f"{d:%Y-%m-%d};{i % 7 - 2},5;{i % 9 + 5};{'' if i % 5 else '1,2'}\n"
                       for i, d in enumerate(pd.date_range("2023-01-01", periods=30)))
             + "2023-02-05;-75;12;0\n2023-02-06;1;2;600\n")
    _comparer(tmp_path, monkeypatch, texte, schema="meteo")


def test_gros_fichier_memes_lignes_et_donnees(tmp_path, monkeypatch):
    """Plusieurs morceaux de taille ordinaire : horodatages d'un an pour dix sites, avec le
    changement d'heure d'octobre écrit deux fois."""
    instants = pd.date_range("2023-01-01", "2023-12-31 23:00", freq="h", tz="Europe/Paris")
    murale = instants.tz_localize(None).strftime("%Y-%m-%dT%H:%M")
    lignes = [ENTETE] + [f"{t};site-{s};chauffage;{(i * 7 + s) % 1000},{s}\n"
                         for i, t in enumerate(murale) for s in range(10)]
    df, messages = _comparer(tmp_path, monkeypatch, "".join(lignes), nom="mesures.csv.gz", lignes=20_000)
    assert messages is None and len(df) == len(instants) * 10


def test_cellules_gardees_en_codes_et_non_en_texte(tmp_path, monkeypatch):
    """Mémoire bornée : pendant la lecture par morceaux, les cellules brutes de tout le fichier sont
    gardées en catégories (un code par cellule, chaque valeur distincte une fois) et jamais en texte
    (≈ 90 octets par ligne en texte, soit 270 Mo pour 3 millions de lignes) ; le tableau rendu n'a
    aucune colonne de texte ligne à ligne (site et indicateur en catégories)."""
    sites = [f"batiment-{k:02d}" for k in range(40)]
    heures = pd.date_range("2023-04-03", periods=750, freq="h").strftime("%Y-%m-%dT%H:%M")  # sans changement d'heure
    texte = ENTETE + "".join(f"{h};{s};chauffage;{(i * 7 + k) % 400},{k % 10}\n"
                             for i, h in enumerate(heures) for k, s in enumerate(sites))
    chemin = tmp_path / "mesures.csv.gz"
    chemin.write_bytes(gzip.compress(texte.encode("utf-8")))
    brutes = {}
    vrai = lecture._tableau_type

    def espion(df, *a, **k):
        brutes.update(types={c: str(t) for c, t in df.dtypes.items()}, octets=df.memory_usage(deep=True).sum())
        return vrai(df, *a, **k)

    monkeypatch.setattr(lecture, "_tableau_type", espion)
    df, messages, pris = _lire(chemin, monkeypatch, True, lignes=10_000)  # 3 morceaux
    n = len(heures) * len(sites)
    assert pris == "morceaux" and messages is None and len(df) == n
    assert brutes["types"] == {"date": "category", "site": "category", "indicateur": "category", "valeur": "category"}
    assert brutes["octets"] / n < 24  # codes (1 à 2 octets par cellule) et numéros de ligne (8 octets)
    assert {c: str(t) for c, t in df.dtypes.items()} == {
        "date": "datetime64[ns, Europe/Paris]", "site": "category", "indicateur": "category", "valeur": "float64"}
    assert list(df["site"].cat.categories) == sites and list(df["indicateur"].cat.categories) == ["chauffage"]
    assert df.memory_usage(deep=True).sum() / n < 32  # date 8, valeur 8, site 1, indicateur 1, ligne 8
    assert df["site"].iloc[41] == "batiment-01" and df["valeur"].iloc[41] == pytest.approx((7 + 1) % 400 + 0.1)


# --------------------------------------------------------------------------------------------
# Les deux pièces vectorisées, contre leurs modèles
# --------------------------------------------------------------------------------------------

CELLULES = st.text(alphabet="0123456789,.- +e\u00a0x", max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valeurs=st.lists(CELLULES, min_size=1, max_size=6), decimale=st.sampled_from([",", "."]),
       milliers=st.sampled_from([None, ".", ",", " ", "\u00a0"]), site=st.sampled_from(["ecole", "", " ecole"]))
def test_une_ligne_non_suspecte_est_valide_pour_frictionless(valeurs, decimale, milliers, site):
    if milliers == decimale:
        milliers = None
    descripteur = lecture._descripteur("mesures")
    lecture._regler_decimale(descripteur, decimale, milliers)
    dialecte = lecture.Dialecte("utf-8", ";", decimale, milliers)
    df = pd.DataFrame({"date": "2023-01-01", "site": site, "indicateur": "chauffage", "valeur": valeurs}, dtype="str")
    suspectes = lecture_morceaux._suspectes(df, descripteur, dialecte)
    propres = df[~suspectes]
    if len(propres):
        rapport = lecture._ressource([list(df.columns)] + propres.values.tolist(), ";", descripteur).validate()
        assert rapport.valid, [e.message for t in rapport.tasks for e in t.errors]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "a", "b"]), st.sampled_from(["", "x", "y"])), min_size=1, max_size=30),
       st.data())
def test_doublons_vectorises_comme_doublons(cles, data):
    secondes = data.draw(st.sets(st.integers(2, len(cles) + 1)))
    lignes = [["k1", "k2"]] + [list(c) for c in cles]
    attendu = lecture._doublons(lignes, ["k1", "k2"], ("k1", "k2"), secondes)
    masque = np.zeros(len(cles), dtype=bool)
    masque[[s - 2 for s in secondes]] = True
    cadre = pd.DataFrame(cles, columns=["k1", "k2"], dtype="str")
    assert lecture_morceaux.doublons_vectorises(cadre, masque) == attendu


def test_decimale_decidee_sur_tout_le_fichier(tmp_path, monkeypatch):
    """La cellule qui n'a de sens qu'avec la décimale point est au 3e morceau : refusé quand même,
    avec les deux lignes, comme d'un seul tenant."""
    texte = ENTETE + _corps(20) + _ligne(30, "1932.2")
    _, messages = _comparer(tmp_path, monkeypatch, texte, lignes=4)
    assert "décimale incohérente" in messages[0] and "ligne 2 " in messages[0] and "ligne 22 " in messages[0]


@pytest.mark.parametrize("cas", ["valide_horaire", "valide_journalier_jjmm", "date_impossible", "dates_americaines",
                                 "heure_repetee_octobre_et_triple", "heure_sautee_mars", "espaces_milliers"])
def test_conversions_par_blocs(tmp_path, monkeypatch, cas):
    """Dates et nombres convertis par blocs (`lecture.BLOC_CONVERSION`) : même résultat, mêmes messages."""
    chemin = tmp_path / "mesures.csv"
    chemin.write_text(DEFAUTS[cas], encoding="utf-8")
    df1, m1, _ = _lire(chemin, monkeypatch, False)
    monkeypatch.setattr(lecture, "BLOC_CONVERSION", 3)
    df2, m2, _ = _lire(chemin, monkeypatch, False)
    assert m2 == m1
    if df1 is not None:
        pd.testing.assert_frame_equal(df2, df1)
