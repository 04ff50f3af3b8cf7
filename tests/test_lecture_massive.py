"""Lecture en masse (DuckDB) des fichiers de relevés : totaux justes, contrôles, RGPD."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

duckdb = pytest.importorskip("duckdb", reason="paquet « duckdb » absent : lecture en masse non testée")

from eprouvette.erreurs import ErreursDonnees  # noqa: E402
from eprouvette.lecture_massive import agreger_releves, faut_il_lire_en_masse  # noqa: E402


def _releves(n_compteurs=12, jours=3, graine=1) -> pd.DataFrame:
    rng = np.random.default_rng(graine)
    heures = pd.date_range("2024-03-01", periods=24 * jours, freq="h")
    lignes = [(h, f"cpt-{c:03d}", f"site-{c % 3}", "volume_eau", round(float(rng.gamma(2.0, 1.3)), 3))
              for h in heures for c in range(n_compteurs)]
    return pd.DataFrame(lignes, columns=["date", "compteur", "site", "indicateur", "valeur"])


def _ecrire_csv(df: pd.DataFrame, chemin: Path, compresser: bool = True) -> Path:
    texte = df.assign(date=pd.to_datetime(df["date"]).dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(
        sep=";", decimal=",", index=False)
    if compresser:
        chemin.write_bytes(gzip.compress(texte.encode("utf-8")))
    else:
        chemin.write_text(texte, encoding="utf-8")
    return chemin


def _attendu(df: pd.DataFrame, cle="site") -> pd.DataFrame:
    d = df.assign(date=pd.to_datetime(df["date"]).dt.normalize())
    return (d.groupby(["date", cle, "indicateur"]).agg(valeur=("valeur", "sum"), nb=("compteur", "nunique"))
            .reset_index().rename(columns={cle: "site"}).sort_values(["site", "indicateur", "date"])
            .reset_index(drop=True))


def test_csv_gzip_point_virgule_decimale_virgule(tmp_path):
    brut = _releves()
    resultat = agreger_releves(_ecrire_csv(brut, tmp_path / "releves.csv.gz"),
                               sites_connus=["site-0", "site-1", "site-2"], indicateurs_connus=["volume_eau"])
    attendu = _attendu(brut)
    assert list(resultat.columns[:4]) == ["date", "site", "indicateur", "valeur"]
    assert resultat["date"].dtype == "datetime64[ns]"
    assert len(resultat) == 3 * 3  # 3 sites × 3 jours
    np.testing.assert_allclose(resultat["valeur"], attendu["valeur"], rtol=1e-12)
    assert (resultat["nb_compteurs"] == 4).all() and (resultat["nb_releves"] == 4 * 24).all()
    assert resultat.attrs["lignes"] == len(brut)
    assert "compteur" not in resultat.columns


def test_parquet_horodatages_types_et_zstd(tmp_path):
    brut = _releves(n_compteurs=6, jours=2, graine=2)
    pq = tmp_path / "releves.parquet"
    brut.to_parquet(pq)
    r1 = agreger_releves(pq)
    np.testing.assert_allclose(r1["valeur"], _attendu(brut)["valeur"], rtol=1e-12)
    # Même fichier en CSV compressé zstd (écrit par DuckDB) : même résultat.
    csv = _ecrire_csv(brut, tmp_path / "r.csv", compresser=False)
    zst = tmp_path / "r.csv.zst"
    duckdb.execute(f"COPY (SELECT * FROM read_csv('{csv}', all_varchar=true, delim=';')) "
                   f"TO '{zst}' (FORMAT csv, DELIMITER ';', HEADER, COMPRESSION zstd)")
    r2 = agreger_releves(zst)
    pd.testing.assert_frame_equal(r1.drop(columns="nb_releves"), r2.drop(columns="nb_releves"), check_exact=False)


def _texte(lignes: list[str]) -> str:
    return "date;compteur;site;indicateur;valeur\n" + "\n".join(lignes) + "\n"


def test_dates_et_valeurs_illisibles_comptees_avec_premiere_ligne(tmp_path):
    lignes = [f"2024-03-01 {h:02d}:00:00;c1;s;eau;1,5" for h in range(24)]
    lignes[4] = "2024-03-01 04h00;c1;s;eau;1,5"        # ligne 6 du fichier (en-tête = 1)
    lignes[9] = "31/02/2024 09:00;c1;s;eau;1,5"         # ligne 11 : 31 février
    lignes[7] = "2024-03-01 07:00:00;c1;s;eau;1,2,3"    # ligne 9
    lignes[12] = "2024-03-01 12:00:00;c1;s;eau;"        # ligne 14 : vide
    f = tmp_path / "r.csv"
    f.write_text(_texte(lignes), encoding="utf-8")
    with pytest.raises(ErreursDonnees) as e:
        agreger_releves(f)
    erreurs = {err.colonne: err for err in e.value.erreurs}
    assert erreurs["date"].ligne == 6 and "2 dates illisibles" in erreurs["date"].message
    assert erreurs["valeur"].ligne == 9 and "2 valeurs vides ou illisibles" in erreurs["valeur"].message
    assert "r.csv, ligne 6, colonne « date »" in str(e.value)


def test_doublons_et_heure_repetee_d_octobre(tmp_path):
    # 27 octobre 2024 : 02:00 existe deux fois (heure d'été puis d'hiver) -> accepté.
    lignes = [f"2024-10-27 {h:02d}:00;c1;s;eau;1" for h in range(24)]
    lignes.insert(3, "2024-10-27 02:00;c1;s;eau;1")
    f = tmp_path / "ok.csv"
    f.write_text(_texte(lignes), encoding="utf-8")
    r = agreger_releves(f)
    assert r["valeur"].tolist() == [25.0] and r["nb_releves"].tolist() == [25]
    # Un vrai doublon un autre jour : refusé, avec la ligne du second relevé.
    lignes2 = [f"2024-03-05 {h:02d}:00;c1;s;eau;1" for h in range(24)] + ["2024-03-05 10:00;c1;s;eau;1"]
    f2 = tmp_path / "double.csv"
    f2.write_text(_texte(lignes2), encoding="utf-8")
    with pytest.raises(ErreursDonnees, match="1 relevé en double") as e:
        agreger_releves(f2)
    assert e.value.erreurs[0].ligne == 26


def test_colonnes_manquantes_et_site_inconnu(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("date;compteur;mesure\n2024-01-01;c;1\n", encoding="utf-8")
    with pytest.raises(ErreursDonnees, match="colonnes obligatoires absentes : site, indicateur, valeur"):
        agreger_releves(f)
    g = tmp_path / "g.csv"
    g.write_text(_texte(["2024-01-01;c1;ecole-a;eau;1", "2024-01-01;c2;ecole-z;eau;1"]), encoding="utf-8")
    with pytest.raises(ErreursDonnees) as e:
        agreger_releves(g, sites_connus=["ecole-a"])
    assert e.value.erreurs[0].ligne == 3 and "ecole-z" in e.value.erreurs[0].message


def test_groupes_rgpd_seuil_et_compteur_sans_groupe(tmp_path):
    brut = _releves(n_compteurs=25, jours=2, graine=3)
    f = _ecrire_csv(brut, tmp_path / "r.csv.gz")
    # 20 compteurs dans « quartier-nord », 5 dans « hameau » (sous le seuil de 10).
    groupes = {f"cpt-{c:03d}": ("quartier-nord" if c < 20 else "hameau") for c in range(25)}
    r = agreger_releves(f, groupes=groupes)
    assert set(r["site"]) == {"quartier-nord"}
    assert (r["nb_compteurs"] == 20).all()
    assert r.attrs["groupes_masques"] == 2  # deux jours du hameau retirés
    attendu = _attendu(brut.assign(groupe=brut["compteur"].map(groupes)), cle="groupe")
    np.testing.assert_allclose(r["valeur"], attendu.loc[attendu["site"] == "quartier-nord", "valeur"], rtol=1e-12)
    texte = r.to_csv()
    assert "cpt-" not in texte  # aucun identifiant de compteur ne sort
    # Le fichier de correspondance peut être un CSV ; un compteur oublié est signalé.
    corr = tmp_path / "groupes.csv"
    corr.write_text("compteur;groupe\n" + "\n".join(f"{k};{v}" for k, v in list(groupes.items())[:-1]) + "\n")
    with pytest.raises(ErreursDonnees, match="1 compteur n.appartient à aucun groupe") as e:
        agreger_releves(f, groupes=corr)
    assert e.value.erreurs[0].ligne == 26  # cpt-024, 25e relevé de la première heure


def test_bascule(tmp_path):
    petit = tmp_path / "m.csv"
    petit.write_text("x\n")
    assert not faut_il_lire_en_masse(petit)
    assert faut_il_lire_en_masse(petit, option=True)
    assert faut_il_lire_en_masse(tmp_path / "m.parquet")


def test_numero_de_ligne_juste_sur_un_fichier_lu_en_parallele(tmp_path):
    # 300 000 lignes : DuckDB les lit par blocs sur plusieurs fils ; la ligne citée doit rester exacte.
    f = tmp_path / "gros.csv.gz"
    duckdb.execute(f"""
        COPY (SELECT strftime(TIMESTAMP '2024-01-01' + INTERVAL (i // 100) HOUR, '%Y-%m-%d %H:%M:%S') AS date,
                     'c' || (i % 100) AS compteur, 's' AS site, 'eau' AS indicateur,
                     CASE WHEN i = 250000 THEN 'n/a' ELSE '1,5' END AS valeur
              FROM range(300000) t(i))
        TO '{f}' (FORMAT csv, DELIMITER ';', HEADER, COMPRESSION gzip)""")
    with pytest.raises(ErreursDonnees) as e:
        agreger_releves(f, fils=2)
    assert e.value.erreurs[0].ligne == 250002 and "1 valeur vide ou illisible" in e.value.erreurs[0].message


def test_doublons_au_quart_d_heure_et_a_la_seconde(tmp_path):
    # Pas de 15 minutes : 96 relevés distincts par jour, un doublon de trop est compté.
    quarts = [f"2024-03-05 {m // 60:02d}:{m % 60:02d};c1;s;eau;1" for m in range(0, 1440, 15)]
    f = tmp_path / "quarts.csv"
    f.write_text(_texte(quarts), encoding="utf-8")
    r = agreger_releves(f)
    assert r["nb_releves"].tolist() == [96] and r["valeur"].tolist() == [96.0]
    f.write_text(_texte(quarts + ["2024-03-05 23:45;c1;s;eau;1"]), encoding="utf-8")
    with pytest.raises(ErreursDonnees, match="1 relevé en double"):
        agreger_releves(f)
    # Horodatages à la seconde : deux relevés de la même minute ne sont pas des doublons (compte
    # exact par horodatage), deux relevés de la même seconde en sont.
    secondes = ["2024-03-05 10:00:00;c1;s;eau;1", "2024-03-05 10:00:30;c1;s;eau;2", "2024-03-06 10:00:00;c1;s;eau;4"]
    f.write_text(_texte(secondes), encoding="utf-8")
    r = agreger_releves(f)
    assert r["valeur"].tolist() == [3.0, 4.0] and r["nb_releves"].tolist() == [2, 1]
    f.write_text(_texte(secondes + ["2024-03-05 10:00:30;c1;s;eau;2"]), encoding="utf-8")
    with pytest.raises(ErreursDonnees, match="1 relevé en double") as e:
        agreger_releves(f)
    assert e.value.erreurs[0].ligne == 5


@pytest.mark.parametrize("a_la_seconde", [False, True])
def test_valeurs_negatives_refusees_avec_premiere_ligne(tmp_path, a_la_seconde):
    """Un relevé négatif (index remis à zéro) fausserait le total du secteur : il est refusé, avec
    le nombre de relevés en cause et la première ligne (les deux chemins d'agrégation)."""
    sec = "17" if a_la_seconde else "00"
    lignes = [f"2024-03-01 {h:02d}:00:{sec};c1;s;eau;1,5" for h in range(24)]
    lignes[5] = f"2024-03-01 05:00:{sec};c1;s;eau;-3,0"   # ligne 7 du fichier (en-tête = 1)
    lignes[20] = f"2024-03-01 20:00:{sec};c1;s;eau;-0,5"  # ligne 22
    f = tmp_path / "r.csv"
    f.write_text(_texte(lignes), encoding="utf-8")
    with pytest.raises(ErreursDonnees) as e:
        agreger_releves(f)
    (err,) = e.value.erreurs
    assert (err.ligne, err.colonne) == (7, "valeur")
    assert "2 valeurs négatives" in err.message and "consommation positive" in err.attendu
