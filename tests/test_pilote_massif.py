"""Un pilote alimenté par un gros fichier de relevés de compteurs, du fichier au rapport.

Version réduite (quelques dizaines de compteurs, deux mois) du pilote de 10 millions de relevés
du banc (``bench/generer_pilote_massif.py``, partie 3 de ``make bench``) : même générateur, même
chemin (``fichiers.releves_compteurs`` -> DuckDB -> carnet eau -> HTML), mêmes contrôles.
Et l'outil de mesure du banc (``bench/memoire.py``) compte bien la mémoire des petits-enfants
(le noyau Jupyter est un petit-enfant du lanceur).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from eprouvette import config

pytest.importorskip("duckdb", reason="paquet « duckdb » absent : lecture en masse non testée")

BENCH = config.RACINE / "bench"
if not (BENCH / "generer_pilote_massif.py").exists():  # pragma: no cover - dépôt partiel
    pytest.skip(f"{BENCH / 'generer_pilote_massif.py'} absent : banc non livré", allow_module_level=True)
sys.path.insert(0, str(BENCH))

from generer_pilote_massif import IDENTIFIANT, INDICATEUR, generer_pilote, identifiant_compteur  # noqa: E402

COMPTEURS, JOURS, SECTEURS = 48, 75, 4
MOTIF_COMPTEUR = re.compile(r"D24EA\d{6}")


@pytest.fixture(scope="module")
def pilote_massif(tmp_path_factory):
    base = tmp_path_factory.mktemp("massif")
    dossier = base / "pilotes" / IDENTIFIANT
    # Du 1er mars au 14 mai 2024 : le passage à l'heure d'été (31 mars) est dans la période.
    info = generer_pilote(dossier, compteurs=COMPTEURS, jours=JOURS, n_secteurs=SECTEURS, debut="2024-03-01", fils=1)
    return base, dossier, info


def _pandas_par_secteur(dossier) -> pd.DataFrame:
    brut = pd.read_csv(dossier / "releves.csv.gz", sep=";", decimal=",", dtype={"compteur": str})
    groupes = pd.read_csv(dossier / "groupes.csv", sep=";", dtype=str).set_index("compteur")["groupe"]
    brut["site"] = brut["compteur"].map(groupes)
    brut["date"] = pd.to_datetime(brut["date"], format="%Y-%m-%d %H:%M:%S").dt.normalize()
    return brut


def test_fichier_au_format_des_exports(pilote_massif):
    _, dossier, info = pilote_massif
    brut = _pandas_par_secteur(dossier)
    assert list(brut.columns[:3]) == ["date", "compteur", "valeur"]
    assert brut["compteur"].nunique() == COMPTEURS
    assert brut["compteur"].iloc[0] == identifiant_compteur(int(brut["compteur"].iloc[0][5:]))
    # 24 relevés par compteur et par jour, 23 le jour du passage à l'heure d'été (pas de 2 h).
    par_jour = brut.groupby(["compteur", "date"]).size().unstack(0)
    assert (par_jour.drop(index=pd.Timestamp("2024-03-31")) == 24).all().all()
    assert (par_jour.loc[pd.Timestamp("2024-03-31")] == 23).all()
    assert len(brut) == info["releves"] == COMPTEURS * (JOURS * 24 - 1)
    assert (brut["valeur"] >= 0).all()


def test_mesures_agregees_egales_a_pandas(pilote_massif):
    from eprouvette.lecture import charger_mesures
    from eprouvette.pilote import charger_pilote

    _, dossier, _ = pilote_massif
    pilote = charger_pilote(dossier)
    mesures = charger_mesures(pilote)
    assert list(mesures.columns) == ["date", "site", "indicateur", "valeur"]
    assert set(mesures["indicateur"]) == {INDICATEUR}
    assert set(mesures["site"]) == {s.identifiant for s in pilote.sites}
    assert len(mesures) == SECTEURS * JOURS  # aucun secteur-jour sous le secret statistique (12 compteurs)
    attendu = (_pandas_par_secteur(dossier).groupby(["site", "date"], as_index=False)["valeur"].sum()
               .sort_values(["site", "date"]).reset_index(drop=True))
    np.testing.assert_allclose(mesures["valeur"].to_numpy(), attendu["valeur"].to_numpy(), rtol=1e-12)
    assert (mesures["site"].to_numpy() == attendu["site"].to_numpy()).all()
    assert not mesures.astype(str).apply(lambda s: s.str.contains(MOTIF_COMPTEUR)).any().any()


def test_effet_vrai_coherent(pilote_massif):
    _, _, info = pilote_massif
    v = info["effet_vrai"]
    # Les alertes ne peuvent que raccourcir des fuites : l'effet vrai est une baisse, plus petite
    # que les fuites attendues sans alertes.
    assert v["effet_m3_jour"] <= 0
    assert abs(v["effet_m3_jour"]) <= v["fuites_contrefactuelles_m3_jour"]
    assert v["effet_relatif"] == pytest.approx(v["effet_m3_jour"] / v["contrefactuel_m3_jour"], rel=1e-2, abs=1e-4)


def test_memoire_compte_les_petits_enfants(tmp_path):
    """bench/memoire.py : un petit-enfant qui occupe 300 Mo est vu (échantillonnage et ru_maxrss)."""
    petit_enfant = "b = bytearray(300 * 2**20); import time; time.sleep(0.6)"
    enfant = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {petit_enfant!r}], check=True)"
    r = subprocess.run([sys.executable, str(BENCH / "memoire.py"), "--", sys.executable, "-c", enfant],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout.strip().splitlines()[-1])
    assert m["code"] == 0
    assert m["max_rss_enfants_mo"] >= 300
    assert m["max_processus_mo"] >= 300
    assert m["max_somme_mo"] >= m["max_processus_mo"]
    assert m["processus_max"] >= 2


@pytest.mark.lent
def test_rapport_de_bout_en_bout(pilote_massif):
    base, dossier, info = pilote_massif
    rapports = base / "rapports"
    env = dict(os.environ, EPROUVETTE_PILOTES=str(base / "pilotes"), EPROUVETTE_RAPPORTS=str(rapports))
    r = subprocess.run([sys.executable, "-m", "eprouvette.rapports", IDENTIFIANT], capture_output=True, text=True,
                       env=env, cwd=config.RACINE, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    html = rapports / f"{IDENTIFIANT}.html"
    assert html.exists()
    resultats = json.loads((rapports / f"{IDENTIFIANT}.json").read_text(encoding="utf-8"))
    assert resultats["methode"] == "doubles_differences"
    assert np.isfinite([resultats["effet"], resultats["ic_bas"], resultats["ic_haut"]]).all()
    assert resultats["ic_bas"] <= resultats["effet"] <= resultats["ic_haut"]
    assert resultats["periode_reference"][0] == "2024-03-01"
    # Aucun identifiant de compteur dans ce qui sort (rapport, résultats, carnet, journal, index, console).
    fichiers = [p for p in rapports.rglob("*") if p.is_file()]
    assert any(p.suffix == ".ipynb" for p in fichiers)
    for p in fichiers:
        assert not MOTIF_COMPTEUR.search(p.read_bytes().decode("utf-8", errors="replace")), p.name
    assert not MOTIF_COMPTEUR.search(r.stdout + r.stderr)


def test_jours_incomplets_retires_et_signales(pilote_massif, tmp_path):
    """Un secteur-jour où des compteurs n'ont pas été relevés aurait un total trop bas (une fausse
    baisse de consommation) : il est retiré, compte comme jour manquant, et une note le dit."""
    import gzip
    import shutil

    from eprouvette.lecture import SEUIL_JOUR_COMPLET, charger_mesures
    from eprouvette.pilote import charger_pilote

    _, source, _ = pilote_massif
    dossier = tmp_path / source.name
    shutil.copytree(source, dossier)
    brut = _pandas_par_secteur(dossier)
    secteur = sorted(brut["site"].unique())[0]
    compteurs = sorted(brut.loc[brut["site"] == secteur, "compteur"].unique())
    jour = pd.Timestamp("2024-04-10")
    # Deux des douze compteurs du secteur muets ce jour-là (83 % des relevés) ; un seul relevé
    # horaire manquant ailleurs (99,7 %) reste un jour complet.
    retirer = (brut["date"] == jour) & brut["compteur"].isin(compteurs[:2])
    retirer |= (brut["date"] == pd.Timestamp("2024-04-11")) & (brut["compteur"] == compteurs[3]) & \
        (brut.index == brut[(brut["date"] == pd.Timestamp("2024-04-11")) & (brut["compteur"] == compteurs[3])].index[0])
    lignes = (dossier / "releves.csv.gz").read_bytes()
    texte = gzip.decompress(lignes).decode("utf-8").split("\n")
    garder = [texte[0]] + [l for i, l in enumerate(texte[1:]) if l and not retirer.iloc[i]]
    (dossier / "releves.csv.gz").write_bytes(gzip.compress(("\n".join(garder) + "\n").encode("utf-8")))
    assert len(compteurs) == 12 and (12 - 2) / 12 < SEUIL_JOUR_COMPLET < (12 * 24 - 1) / (12 * 24)

    mesures = charger_mesures(charger_pilote(dossier))
    du_secteur = mesures[mesures["site"] == secteur]
    assert jour not in set(du_secteur["date"])
    assert pd.Timestamp("2024-04-11") in set(mesures["date"])
    assert len(mesures) == SECTEURS * JOURS - 1
    (note,) = [n for n in mesures.attrs.get("notes", []) if "relevés habituels" in n]
    assert note.startswith("1 site-jour de ") and "comptent comme jours manquants" in note


def test_indicateur_de_volume_nomme_comme_declare(pilote_massif):
    """Un pilote eau suivi par la consommation des abonnés n'est pas présenté comme « volume mis en
    distribution » ni comme des « pertes » : le rapport reprend le libellé déclaré."""
    from eprouvette.analyse import analyser_pilote
    from eprouvette.presentation import sections_eau

    _, dossier, _ = pilote_massif
    a = analyser_pilote(dossier)
    assert a.resultat.indicateur.startswith("volume consommé par les abonnés du secteur")
    assert "mis en distribution" not in a.resultat.indicateur
    texte = str(sections_eau.effet_volumes(a))
    assert "« volume consommé par les abonnés" in texte and "pertes des secteurs" not in texte
