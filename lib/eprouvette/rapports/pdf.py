"""`make pdf` : un PDF A4 par rapport, imprimé par Chromium sans interface (paquet Debian).

Chaque ``rapports/<id>.html`` est ouvert dans Chromium (piloté par Playwright, sans téléchargement
de navigateur), l'événement ``beforeprint`` est envoyé (le gabarit ouvre alors les tableaux de
données et ramène les figures à la largeur d'une page A4), puis la page est imprimée en
``rapports/<id>.pdf`` (fichier temporaire renommé : jamais de PDF à moitié écrit). Un PDF plus
récent que son rapport n'est pas refait.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .. import config

CHROMIUM = os.environ.get("EPROUVETTE_CHROMIUM", "/usr/bin/chromium")
ARGUMENTS_CHROMIUM = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


#: Envoie ``beforeprint`` (le gabarit y ramène chaque figure à la largeur d'une page A4 par ``Plotly.relayout``)
#: et rend la main quand c'est fait : les dessins en cours de chaque figure terminés (``gd._promises``), puis deux
#: images affichées (au lieu d'une attente fixe de 300 ms par page).
_JS_AVANT_IMPRESSION = """
async () => {
  window.dispatchEvent(new Event('beforeprint'));
  const figures = Array.from(document.querySelectorAll('.js-plotly-plot'));
  await Promise.all(figures.map((gd) => Promise.all(gd._promises || [])));
  await new Promise((fini) => requestAnimationFrame(() => requestAnimationFrame(fini)));
}
"""


def rapports_a_imprimer(dossier: Path, forcer: bool = False) -> list[Path]:
    rapports = sorted(p for p in dossier.glob("*.html") if p.name != "index.html")
    if forcer:
        return rapports
    return [p for p in rapports if not p.with_suffix(".pdf").exists()
            or p.with_suffix(".pdf").stat().st_mtime < p.stat().st_mtime]


def imprimer(rapports: list[Path]) -> list[Path]:
    """Imprime chaque rapport en PDF A4 ; renvoie les PDF écrits."""
    if not rapports:
        return []
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        raise SystemExit(f"Chromium introuvable ({CHROMIUM}) : installez-le avec `make navigateur`.")
    from playwright.sync_api import sync_playwright

    ecrits = []
    with tempfile.TemporaryDirectory() as profil, sync_playwright() as p:
        contexte = p.chromium.launch_persistent_context(
            profil, executable_path=CHROMIUM, headless=True, args=ARGUMENTS_CHROMIUM,
            viewport={"width": 1100, "height": 1400},
        )
        try:
            page = contexte.new_page()
            # Un rapport est autonome : toute requête vers le réseau est refusée.
            page.route("**/*", lambda route: route.abort()
                       if route.request.url.startswith(("http:", "https:")) else route.continue_())
            for html in rapports:
                page.goto(html.resolve().as_uri(), wait_until="load")
                page.wait_for_function(
                    # .plotly-graph-div est dans le HTML ; .js-plotly-plot n'apparaît qu'une fois
                    # plotly.js décompressé et la figure commencée.
                    "() => Array.from(document.querySelectorAll('.plotly-graph-div'))"
                    ".every(gd => gd.querySelector('.main-svg'))",
                    timeout=30_000,
                )
                page.evaluate(_JS_AVANT_IMPRESSION)
                cible = html.with_suffix(".pdf")
                tmp = cible.with_name(f".{cible.name}.{os.getpid()}.tmp")
                page.pdf(
                    path=str(tmp), format="A4", print_background=True, prefer_css_page_size=True,
                    margin={"top": "15mm", "bottom": "15mm", "left": "15mm", "right": "15mm"},
                )
                os.replace(tmp, cible)
                ecrits.append(cible)
                print(f"{cible.name} : {cible.stat().st_size / 1e6:.1f} Mo", flush=True)
        finally:
            contexte.close()
    return ecrits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eprouvette.rapports.pdf",
                                     description="Imprime chaque rapport HTML en PDF A4 (Chromium).")
    parser.add_argument("--tout", action="store_true", help="réimprime même les PDF à jour")
    args = parser.parse_args(argv)
    dossier = config.RAPPORTS
    if not (dossier / "index.html").exists():
        print("Aucun rapport : lancez d'abord `make rapports`.", file=sys.stderr)
        return 1
    a_faire = rapports_a_imprimer(dossier, args.tout)
    if not a_faire:
        print("Tous les PDF sont à jour.")
        return 0
    imprimer(a_faire)
    return 0


if __name__ == "__main__":
    sys.exit(main())
