"""Construit le référentiel des communes des Hauts-de-France à partir du paquet npm d'Etalab.

Source : ``@etalab/decoupage-administratif`` (version épinglée ci-dessous), qui publie le Code
officiel géographique (INSEE) et la composition des EPCI à fiscalité propre (DGCL) au format JSON.
Données sous Licence Ouverte / Etalab (INSEE, DGCL).

Usage ::

    .venv/bin/python outils/construire_referentiel.py            # télécharge avec `npm pack`
    .venv/bin/python outils/construire_referentiel.py --archive etalab-decoupage-administratif-6.0.0.tgz

Le script écrit, dans ``donnees/referentiel/`` :

- ``communes-hauts-de-france.csv`` (UTF-8, séparateur virgule, triée par code INSEE) ;
- ``metadonnees.json`` (source, version, empreinte SHA-256 de l'archive, nombre de lignes,
  population totale, date de construction).

Le CSV est versionné : la construction des rapports n'appelle jamais npm.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE / "lib"))

from eprouvette import config  # noqa: E402

PAQUET = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
CODE_REGION = "32"  # Hauts-de-France
NOM_REGION = "Hauts-de-France"
FICHIER_CSV = "communes-hauts-de-france.csv"
FICHIER_META = "metadonnees.json"

COLONNES = [
    "code_insee",
    "nom",
    "code_departement",
    "code_region",
    "code_arrondissement",
    "siren_commune",
    "siren_epci",
    "nom_epci",
    "type_epci",
    "population",
    "codes_postaux",
]


def telecharger(dossier: Path) -> Path:
    """Télécharge l'archive du paquet avec `npm pack` dans ``dossier`` et renvoie son chemin."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "npm est introuvable : installez Node.js/npm, ou passez une archive déjà téléchargée "
            "avec --archive."
        )
    proc = subprocess.run(
        [npm, "pack", f"{PAQUET}@{VERSION}", "--json", "--pack-destination", str(dossier)],
        capture_output=True,
        text=True,
        cwd=dossier,
    )
    if proc.returncode != 0:
        raise SystemExit(f"`npm pack {PAQUET}@{VERSION}` a échoué :\n{proc.stderr}")
    info = json.loads(proc.stdout)
    return dossier / info[0]["filename"]


def lire_archive(archive: Path) -> tuple[list[dict], list[dict]]:
    """Lit ``data/communes.json`` et ``data/epci.json`` dans l'archive npm (.tgz)."""
    with tarfile.open(archive, "r:gz") as tgz:
        def charger(nom: str) -> list[dict]:
            membre = tgz.extractfile(f"package/data/{nom}")
            if membre is None:
                raise SystemExit(f"{archive} : fichier package/data/{nom} absent de l'archive.")
            return json.load(membre)

        paquet = json.load(tgz.extractfile("package/package.json"))
        if paquet.get("version") != VERSION:
            raise SystemExit(
                f"{archive} : version {paquet.get('version')} trouvée, {VERSION} attendue."
            )
        return charger("communes.json"), charger("epci.json")


def construire_lignes(communes: list[dict], epcis: list[dict]) -> list[dict]:
    """Communes actuelles de la région 32, avec leur EPCI à fiscalité propre."""
    appartenance: dict[str, dict] = {}
    for epci in epcis:
        for membre in epci.get("membres", []):
            if membre["code"] in appartenance:
                raise SystemExit(f"La commune {membre['code']} appartient à deux EPCI.")
            appartenance[membre["code"]] = epci

    lignes = []
    for c in communes:
        if c.get("region") != CODE_REGION or c.get("type") != "commune-actuelle":
            continue
        epci = appartenance.get(c["code"], {})
        lignes.append(
            {
                "code_insee": c["code"],
                "nom": c["nom"],
                "code_departement": c["departement"],
                "code_region": c["region"],
                "code_arrondissement": c.get("arrondissement", ""),
                "siren_commune": c.get("siren", ""),
                "siren_epci": epci.get("code", ""),
                "nom_epci": epci.get("nom", ""),
                "type_epci": epci.get("type", ""),
                "population": c.get("population", ""),
                "codes_postaux": " ".join(sorted(c.get("codesPostaux", []))),
            }
        )
    lignes.sort(key=lambda l: l["code_insee"])
    return lignes


def ecrire(lignes: list[dict], archive: Path, destination: Path) -> dict:
    """Écrit le CSV et les métadonnées ; renvoie les métadonnées."""
    destination.mkdir(parents=True, exist_ok=True)
    with open(destination / FICHIER_CSV, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLONNES, delimiter=",", lineterminator="\n")
        w.writeheader()
        w.writerows(lignes)

    empreinte = hashlib.sha256(archive.read_bytes()).hexdigest()
    meta = {
        "titre": f"Communes actuelles de la région {NOM_REGION} (code {CODE_REGION})",
        "source": f"npm {PAQUET}@{VERSION} (data/communes.json, data/epci.json)",
        "producteurs": "INSEE (Code officiel géographique, populations légales), DGCL (EPCI)",
        "licence": "Licence Ouverte / Open Licence 2.0 (Etalab)",
        "paquet": PAQUET,
        "version": VERSION,
        "archive": archive.name,
        "sha256_archive": empreinte,
        "fichier": FICHIER_CSV,
        "encodage": "UTF-8",
        "separateur": ",",
        "nombre_lignes": len(lignes),
        "population_totale": int(sum(int(l["population"] or 0) for l in lignes)),
        "nombre_epci": len({l["siren_epci"] for l in lignes if l["siren_epci"]}),
        "date_construction": dt.date.today().isoformat(),
        "commande": "python outils/construire_referentiel.py",
    }
    with open(destination / FICHIER_META, "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, indent=2)
        f.write("\n")
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, help="archive .tgz déjà téléchargée (hors ligne)")
    parser.add_argument(
        "--destination", type=Path, default=config.REFERENTIEL, help="dossier de sortie"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        archive = args.archive or telecharger(Path(tmp))
        communes, epcis = lire_archive(archive)
        lignes = construire_lignes(communes, epcis)
        meta = ecrire(lignes, archive, args.destination)
    print(
        f"{meta['nombre_lignes']} communes, {meta['population_totale']} habitants, "
        f"{meta['nombre_epci']} EPCI -> {args.destination / FICHIER_CSV}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
