"""Données personnelles (RGPD) : un pilote alimenté par des compteurs individuels.

Les relevés par compteur (identifiants de type point de livraison) sont agrégés par site avant
toute analyse ; aucun identifiant de compteur n'atteint le rapport, ses résultats, son carnet
exécuté, son journal ni la page d'accueil ; un site-jour qui compte moins de compteurs que le
seuil (5 par défaut) est retiré, et le rapport le dit.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from eprouvette import config

pytestmark = pytest.mark.lent

EXEMPLE = "energie-gtb-ecoles-saint-quentin"
N_COMPTEURS = 6
JOURS_INCOMPLETS = 10


@pytest.fixture(scope="module")
def construit(tmp_path_factory):
    source = config.PILOTES / EXEMPLE
    base = tmp_path_factory.mktemp("rgpd")
    ident = "energie-compteurs-individuels"
    dossier = base / "pilotes" / ident
    shutil.copytree(source, dossier)
    mesures = pd.read_csv(dossier / "mesures.csv", sep=";", decimal=",", dtype={"site": str})
    (dossier / "mesures.csv").unlink()

    # Chaque école a six compteurs (identifiants à 14 chiffres, comme des points de livraison) dont
    # la somme est la consommation de l'école ; une école n'en a que quatre pendant dix jours.
    rng = np.random.default_rng(7)
    lignes = []
    site_incomplet = mesures["site"].iloc[0]
    jours_incomplets = set(mesures.loc[mesures["site"] == site_incomplet, "date"].iloc[100:100 + JOURS_INCOMPLETS])
    rang_site = {site: i for i, site in enumerate(sorted(mesures["site"].unique()))}
    for r in mesures.itertuples(index=False):
        parts = rng.dirichlet(np.ones(N_COMPTEURS))
        n = 4 if (r.site == site_incomplet and r.date in jours_incomplets) else N_COMPTEURS
        parts = parts[:n] / parts[:n].sum()
        for k in range(n):
            numero = 19_000_000_000_000 + 100 * rang_site[r.site] + k
            valeur = f"{r.valeur * parts[k]:.4f}".replace(".", ",")
            lignes.append(f"{r.date};PDL{numero};{r.site};{r.indicateur};{valeur}")
    with gzip.open(dossier / "releves.csv.gz", "wt", encoding="utf-8") as f:
        f.write("date;compteur;site;indicateur;valeur\n")
        f.write("\n".join(lignes) + "\n")

    fiche = yaml.safe_load((dossier / "pilote.yaml").read_text(encoding="utf-8"))
    fiche["identifiant"] = ident
    fiche["fichiers"] = {"releves_compteurs": [{"fichier": "releves.csv.gz"}], "meteo": fiche["fichiers"]["meteo"]}
    (dossier / "pilote.yaml").write_text(yaml.safe_dump(fiche, allow_unicode=True, sort_keys=False), encoding="utf-8")

    rapports = base / "rapports"
    env = dict(os.environ, EPROUVETTE_PILOTES=str(base / "pilotes"), EPROUVETTE_RAPPORTS=str(rapports))
    r = subprocess.run([sys.executable, "-m", "eprouvette.rapports"], capture_output=True, text=True, env=env,
                       cwd=config.RACINE, timeout=600)
    return {"ident": ident, "rapports": rapports, "sortie": r, "n_lignes": len(lignes)}


def test_rapport_construit(construit):
    r = construit["sortie"]
    assert r.returncode == 0, r.stdout + r.stderr
    assert (construit["rapports"] / f"{construit['ident']}.html").exists()


def test_aucun_identifiant_de_compteur_ne_sort(construit):
    motif = re.compile(r"PDL\d{6,}")
    fichiers = [p for p in construit["rapports"].rglob("*") if p.is_file() and p.suffix != ".png"]
    assert fichiers
    for p in fichiers:
        texte = p.read_bytes().decode("utf-8", errors="replace")
        assert not motif.search(texte), f"identifiant de compteur dans {p.name}"
    assert not motif.search(construit["sortie"].stdout + construit["sortie"].stderr)


def test_secret_statistique_signale(construit):
    html = (construit["rapports"] / f"{construit['ident']}.html").read_text(encoding="utf-8")
    assert f"{JOURS_INCOMPLETS} sites-jours" in html
    assert "secret statistique" in html
