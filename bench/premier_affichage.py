"""Poids des pages et temps de premier affichage dans Chromium sans interface.

    .venv/bin/python bench/premier_affichage.py rapports/*.html [--fois 3]

Pour chaque page : taille du fichier, premier affichage (« first-contentful-paint » de
``performance.getEntriesByType('paint')``), fin du chargement (``loadEventEnd``) et instant où tous
les graphiques sont dessinés (chaque ``.plotly-graph-div`` a son ``.main-svg``), en médiane sur
``--fois`` ouvertures, chacune dans un profil neuf (aucun cache). Fenêtre 1366 × 768.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

from eprouvette.rapports.pdf import ARGUMENTS_CHROMIUM, CHROMIUM  # noqa: E402

_JS = """() => ({
  fcp: (performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint') || {}).startTime,
  charge: performance.getEntriesByType('navigation')[0].loadEventEnd,
})"""
_DESSINES = ("() => Array.from(document.querySelectorAll('.plotly-graph-div'))"
             ".every((gd) => gd.querySelector('.main-svg') !== null)")


def mesurer(page_html: Path, fois: int) -> dict:
    from playwright.sync_api import sync_playwright

    mesures = []
    with sync_playwright() as p:
        for _ in range(fois):
            with tempfile.TemporaryDirectory() as profil:
                ctx = p.chromium.launch_persistent_context(
                    profil, executable_path=str(CHROMIUM), headless=True, args=ARGUMENTS_CHROMIUM,
                    viewport={"width": 1366, "height": 768})
                page = ctx.pages[0]
                page.goto(page_html.resolve().as_uri(), wait_until="load")
                page.wait_for_function(_DESSINES, polling=10, timeout=60_000)
                dessines = page.evaluate("() => performance.now()")
                mesures.append({**page.evaluate(_JS), "dessines": dessines})
                ctx.close()
    return {cle: statistics.median([m[cle] for m in mesures if m[cle] is not None] or [float("nan")])
            for cle in ("fcp", "charge", "dessines")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--fois", type=int, default=3)
    args = parser.parse_args()
    print("| Page | Taille (Mo) | Premier affichage (ms) | Chargement (ms) | Graphiques dessinés (ms) |")
    print("|---|---|---|---|---|")
    for chemin in args.pages:
        m = mesurer(chemin, args.fois)
        print(f"| {chemin.name} | {chemin.stat().st_size / 1e6:.2f} | {m['fcp']:.0f} | {m['charge']:.0f} "
              f"| {m['dessines']:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
