"""Installe les paquets JavaScript d'Éprouvette dans .cache/js (appelé par `make js`).

- **plotly.js réduit** : plotly.js (npm, même version que le plotly.js du paquet Python plotly,
  pour que le JSON des figures soit lu pareil) construit par esbuild avec les seuls types de traces
  des rapports (``eprouvette.presentation.paquet_plotly.TRACES``) -> ``plotly-eprouvette.min.js``
  et sa fiche ``plotly-eprouvette.json`` (version, traces, empreinte) ;
- **axe-core** (``axe.min.js``) pour les tests d'accessibilité dans Chromium.

Les versions sont fixées par ``outils/js/package.json`` et ``package-lock.json`` (``npm ci`` vérifie
l'intégrité de chaque archive) ; l'empreinte SHA-256 de chaque fichier produit est ensuite comparée
à ``outils/js/empreintes.json`` : un fichier qui diffère n'est pas installé.

    .venv/bin/python outils/paquets_js.py                 # échoue (code 1) si c'est impossible
    .venv/bin/python outils/paquets_js.py --si-possible   # avertit et continue (make rapports, make test)
    .venv/bin/python outils/paquets_js.py --empreintes    # affiche les empreintes à recopier après
                                                          # un changement de version ou de traces
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE / "lib"))

from eprouvette import config  # noqa: E402
from eprouvette.presentation import paquet_plotly  # noqa: E402

SOURCES = RACINE / "outils" / "js"
EMPREINTES = SOURCES / "empreintes.json"
ESTAMPILLE = ".installe"


class Impossible(RuntimeError):
    pass


def _lancer(commande: list[str], dossier: Path) -> None:
    try:
        r = subprocess.run(commande, cwd=dossier, capture_output=True, text=True, timeout=900)
    except FileNotFoundError:
        raise Impossible(f"« {commande[0]} » introuvable (paquet Debian npm : sudo make navigateur)") from None
    except subprocess.TimeoutExpired:
        raise Impossible(f"« {' '.join(commande[:2])} » n'a pas fini en 15 minutes") from None
    if r.returncode != 0:
        fin = (r.stderr or r.stdout).strip().splitlines()[-6:]
        raise Impossible(f"« {' '.join(commande[:2])} » a échoué :\n    " + "\n    ".join(fin))


def _entree(traces: tuple[str, ...]) -> str:
    # plotly.js/lib/core contient déjà « scatter » ; les autres types sont déclarés un par un.
    modules = ",\n".join(f"  require('plotly.js/lib/{t}')" for t in traces if t != "scatter")
    return ("'use strict';\nvar Plotly = require('plotly.js/lib/core');\n"
            f"Plotly.register([\n{modules}\n]);\nmodule.exports = Plotly;\n")


def construire(dossier_npm: Path) -> dict[str, Path]:
    """npm ci puis esbuild dans ``dossier_npm`` ; rend les fichiers produits (nom -> chemin)."""
    for nom in ("package.json", "package-lock.json"):
        shutil.copyfile(SOURCES / nom, dossier_npm / nom)
    _lancer(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--fetch-retries=1",
             "--fetch-timeout=30000", "--loglevel=error"], dossier_npm)
    version = json.loads((dossier_npm / "node_modules" / "plotly.js" / "package.json").read_text())["version"]
    attendue = paquet_plotly.version_plotly_js()
    if version != attendue:
        raise Impossible(f"outils/js/package.json fixe plotly.js {version}, le paquet Python plotly "
                         f"attend la {attendue} : mettez les deux à la même version")
    (dossier_npm / "entree.js").write_text(_entree(paquet_plotly.TRACES), encoding="utf-8")
    sortie = dossier_npm / paquet_plotly.NOM_PAQUET
    # Mêmes réglages que la construction de plotly.js (son esbuild-config.js), minifiée.
    _lancer([str(dossier_npm / "node_modules" / ".bin" / "esbuild"), "entree.js", "--bundle", "--minify",
             "--format=iife", "--global-name=Plotly", "--target=es2016", "--define:global=window",
             "--define:define.amd=false", "--legal-comments=eof",
             # La seule feuille de style importée est celle de maplibre (traces « map », absentes).
             "--loader:.css=empty", "--log-level=error",
             f"--outfile={sortie.name}"], dossier_npm)
    return {paquet_plotly.NOM_PAQUET: sortie,
            "axe.min.js": dossier_npm / "node_modules" / "axe-core" / "axe.min.js"}


def installer(si_possible: bool, montrer_empreintes: bool) -> int:
    cible = config.PAQUETS_JS
    cible.mkdir(parents=True, exist_ok=True)
    attendues = json.loads(EMPREINTES.read_text(encoding="utf-8"))
    dossier_npm = cible / "npm"
    dossier_npm.mkdir(exist_ok=True)
    try:
        produits = construire(dossier_npm)
        empreintes = {nom: paquet_plotly.empreinte(p) for nom, p in produits.items()}
        if montrer_empreintes:
            print(json.dumps(empreintes, indent=2))
            return 0
        for nom, valeur in empreintes.items():
            if attendues.get(nom) != valeur:
                raise Impossible(f"{nom} : empreinte SHA-256 {valeur}, attendue {attendues.get(nom)} "
                                 "(outils/js/empreintes.json) ; fichier non installé")
    except Impossible as e:
        message = f"Paquets JavaScript non installés : {e}"
        if si_possible:
            print(f"Attention : {message}\n  Les rapports emporteront le plotly.js complet du paquet Python "
                  "plotly (pages plus lourdes) et les tests d'accessibilité (axe-core) seront sautés.",
                  file=sys.stderr)
            return 0
        print(message, file=sys.stderr)
        return 1
    for nom, chemin in produits.items():
        with tempfile.NamedTemporaryFile(dir=cible, delete=False) as tmp:
            tmp.write(chemin.read_bytes())
        os.chmod(tmp.name, 0o644)
        os.replace(tmp.name, cible / nom)
    fiche = {"version": paquet_plotly.version_plotly_js(), "traces": list(paquet_plotly.TRACES),
             "sha256": empreintes[paquet_plotly.NOM_PAQUET],
             "taille": (cible / paquet_plotly.NOM_PAQUET).stat().st_size}
    (cible / paquet_plotly.NOM_FICHE).write_text(json.dumps(fiche, indent=2), encoding="utf-8")
    (cible / ESTAMPILLE).touch()
    print(f"plotly.js {fiche['version']} réduit aux traces {', '.join(paquet_plotly.TRACES)} "
          f"({fiche['taille'] / 1e6:.2f} Mo) et axe-core installés dans {cible}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--si-possible", action="store_true",
                        help="sans npm ou sans réseau : avertir et continuer (code 0)")
    parser.add_argument("--empreintes", action="store_true",
                        help="construire et afficher les empreintes SHA-256 sans rien installer")
    args = parser.parse_args(argv)
    return installer(args.si_possible, args.empreintes)


if __name__ == "__main__":
    sys.exit(main())
