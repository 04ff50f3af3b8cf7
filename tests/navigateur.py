"""Vérifier un rapport HTML dans un vrai navigateur (Chromium sans interface, via Playwright).

Module d'aide pour les tests (il ne contient pas de test). Chromium est celui du paquet
Debian (/usr/bin/chromium) : pas de ``playwright install``. Le rapport est ouvert comme un
fichier local (``file://``), comme quand il arrive par courriel.

Chromium est lancé **une fois par processus de test** (:func:`dans_chromium`) : chaque page est
ouverte dans un contexte neuf (``browser.new_context``, l'équivalent d'une fenêtre privée : ni
cookies, ni stockage, ni cache partagés avec la page d'avant). Le lancer pour chaque page coûtait
environ 1 s de temps écoulé et 0,6 s de CPU de plus par page. Le navigateur vit dans un fil
d'exécution à lui : l'API synchrone de Playwright y tourne sans gêner un test qui ouvre son propre
``sync_playwright()`` dans le fil principal. Il est fermé en fin de session (``tests/conftest.py``).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from eprouvette import config
from eprouvette.presentation import paquet_plotly
from eprouvette.rapports.pdf import ARGUMENTS_CHROMIUM  # noqa: E402  (mêmes options que make pdf)
from eprouvette.rapports.pdf import CHROMIUM as _CHROMIUM  # noqa: E402

CHROMIUM = Path(_CHROMIUM)
#: axe-core (npm), installé par `make js` avec le plotly.js réduit.
AXE_JS = config.PAQUETS_JS / "axe.min.js"

#: Schémas d'adresse permis : tout le reste est une requête réseau, interdite dans un rapport.
SCHEMAS_LOCAUX = ("file:", "data:", "blob:", "about:")

_JS_ETAT = """
() => {
  const graphiques = Array.from(document.querySelectorAll('.js-plotly-plot')).map((gd) => ({
    id: gd.id,
    a_svg: gd.querySelector('.main-svg') !== null,
    types: (gd._fullData || []).map((t) => t.type),
    textes_axe_x: Array.from(gd.querySelectorAll('.xtick text')).map((t) => t.textContent),
    // Arrêts du clavier dans le cadre accessible de la figure (le cadre compris) : 1 attendu.
    cadre: gd.closest('[role="img"]') !== null,
    arrets_clavier: (() => {
      const cadre = gd.closest('[role="img"]');
      if (!cadre) return null;
      const sel = 'a[href], area[href], button, input, select, textarea, iframe, [contenteditable], [tabindex]';
      return [cadre, ...cadre.querySelectorAll(sel)].filter((e) => e.matches(sel) && e.tabIndex >= 0
        && !e.disabled).length;
    })(),
  }));
  const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const titres = Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6')).map((h) => ({
    niveau: Number(h.tagName.substring(1)), texte: h.textContent.trim(),
  }));
  return {
    graphiques,
    titres,
    langue: document.documentElement.lang,
    titre: document.title,
    plotly_charge: typeof window.Plotly !== 'undefined',
    plotly_version: window.Plotly ? window.Plotly.version : null,
    nb_details: document.querySelectorAll('details').length,
    nb_figures: document.querySelectorAll('.plotly-graph-div').length,
    messages_sans_graphique_visibles: Array.from(document.querySelectorAll('.ep-graphique__absent')).filter(visible).length,
    peinture: Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime])),
    chargement_ms: performance.getEntriesByType('navigation')[0].loadEventEnd,
    plotly_paquet: (document.getElementById('ep-plotly-js') || {dataset: {}}).dataset.paquet || null,
  };
}
"""


def chromium_disponible() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def exiger_chromium() -> None:
    """Saute le test si Chromium manque ; le fait échouer si la variable CI est définie."""
    if chromium_disponible():
        return
    message = (
        f"Chromium introuvable ({CHROMIUM}) : installez-le avec `make navigateur` "
        "(paquet Debian chromium) pour les tests dans le navigateur"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _exiger(manque: str | None) -> None:
    if not manque:
        return
    if os.environ.get("CI"):
        pytest.fail(manque)
    pytest.skip(manque)


def exiger_axe() -> None:
    """Saute le test si axe-core manque (`make js`) ; le fait échouer si la variable CI est définie."""
    _exiger(None if AXE_JS.is_file() else
            f"axe-core introuvable ({AXE_JS}) : installez-le avec `make js` (npm) pour les tests d'accessibilité")


def exiger_paquet_reduit() -> None:
    """Saute le test si le plotly.js réduit manque ou est périmé (les pages emportent alors le
    plotly.js complet, plus lourd) ; le fait échouer si la variable CI est définie."""
    raison = paquet_plotly.raison_paquet_complet()
    _exiger(f"pages construites avec le plotly.js complet : {raison}" if raison else None)


_JS_AXE = """
async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map((v) => ({id: v.id, impact: v.impact, aide: v.help,
    elements: v.nodes.map((n) => n.target.join(' ') + ' : ' + n.html.slice(0, 160))}));
}
"""


def niveaux_sautes(titres: list[dict]) -> list[str]:
    """Les titres qui sautent un niveau (h2 suivi d'un h4…) ; le premier doit être un h1."""
    problemes = []
    precedent = 0
    for t in titres:
        if t["niveau"] > precedent + 1:
            problemes.append(f"h{t['niveau']} « {t['texte']} » après h{precedent or '—'}")
        precedent = t["niveau"]
    return problemes


_FIL: ThreadPoolExecutor | None = None
_VERROU = threading.Lock()
#: Dans le fil du navigateur : l'instance Playwright et le navigateur lancé (relancé s'il est tombé).
_NAVIGATEUR: dict = {}


def _navigateur():
    nav = _NAVIGATEUR.get("navigateur")
    if nav is None or not nav.is_connected():
        from playwright.sync_api import sync_playwright

        if _NAVIGATEUR.get("playwright") is None:
            _NAVIGATEUR["playwright"] = sync_playwright().start()
        nav = _NAVIGATEUR["playwright"].chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                         args=ARGUMENTS_CHROMIUM)
        _NAVIGATEUR["navigateur"] = nav
    return nav


def dans_chromium(fonction, **options_contexte):
    """``fonction(page)`` dans une page neuve d'un contexte neuf (``options_contexte`` : ``viewport``,
    ``locale``, ``java_script_enabled``…) du Chromium de ce processus ; rend son résultat."""
    global _FIL
    with _VERROU:
        if _FIL is None:
            _FIL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")

    def tache():
        contexte = _navigateur().new_context(**options_contexte)
        try:
            return fonction(contexte.new_page())
        finally:
            contexte.close()

    return _FIL.submit(tache).result()


def fermer_chromium() -> None:
    """Ferme le Chromium de ce processus (fin de session)."""
    global _FIL
    with _VERROU:
        fil, _FIL = _FIL, None
    if fil is None:
        return

    def arreter():
        nav, pw = _NAVIGATEUR.pop("navigateur", None), _NAVIGATEUR.pop("playwright", None)
        try:
            if nav is not None and nav.is_connected():
                nav.close()
        finally:
            if pw is not None:
                pw.stop()

    try:
        fil.submit(arreter).result(timeout=60)
    finally:
        fil.shutdown(wait=False)


def verifier_page(
    chemin_html: str | Path,
    types_traces_attendus: list[list[str]] | None = None,
    capture: str | Path | None = None,
    largeur: int = 1280,
    hauteur: int = 900,
    delai_ms: int = 30_000,
    axe: bool = False,
    evaluer: str | None = None,
) -> dict:
    """Ouvre ``chemin_html`` dans Chromium et rapporte ce qui s'y passe.

    Renvoie un dictionnaire :
    ``erreurs_console`` / ``erreurs_page`` (listes de messages), ``requetes`` (toutes les
    adresses demandées), ``requetes_reseau`` (celles qui ne sont ni file:, ni data:, ni blob:),
    ``graphiques`` (par graphique : ``a_svg``, ``types`` lus dans ``gd._fullData``,
    ``textes_axe_x``), ``titres`` (niveau, texte), ``niveaux_sautes``, ``langue``, ``titre``,
    ``plotly_charge``, ``problemes`` (liste en français de tout ce qui ne va pas : vide si la
    page est saine).

    ``types_traces_attendus`` : pour chaque graphique, dans l'ordre de la page, la liste des
    types de traces attendus (``[["scatter", "scatter"], ["bar"]]``). ``capture`` : chemin
    d'une image PNG du premier écran. ``axe`` : lancer axe-core (``violations_axe``, chaque
    violation comptée dans ``problemes``). Sont aussi rendus ``peinture`` (``first-paint``,
    ``first-contentful-paint`` en ms, de ``performance.getEntriesByType('paint')``),
    ``graphiques_dessines_ms`` (tous les graphiques dessinés), ``plotly_paquet`` (« reduit » ou
    « complet ») et ``messages_sans_graphique_visibles`` (0 attendu : JavaScript est actif).
    ``evaluer`` : une fonction JavaScript de plus, évaluée dans la même page une fois les graphiques dessinés
    (avant axe-core et la capture) ; son résultat est rendu dans ``evaluation`` (un test qui mesure autre chose
    sur la même page ne l'ouvre pas une seconde fois).
    """
    chemin = Path(chemin_html).resolve()
    if not chemin.is_file():
        raise FileNotFoundError(f"page introuvable : {chemin}")
    erreurs_console: list[str] = []
    erreurs_page: list[str] = []
    requetes: list[str] = []

    def examiner(page) -> dict:
        page.on("console", lambda m: erreurs_console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: erreurs_page.append(str(e)))
        page.on("request", lambda r: requetes.append(r.url))
        page.goto(chemin.as_uri(), wait_until="load", timeout=delai_ms)
        # Attendre que chaque graphique soit dessiné (plotly.js est synchrone ici,
        # mais le rendu responsive se termine après l'événement load).
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.plotly-graph-div'))"
            ".every((gd) => gd.querySelector('.main-svg') !== null)",
            timeout=delai_ms,
        )
        dessines_ms = page.evaluate("() => performance.now()")
        page.wait_for_timeout(200)
        etat = page.evaluate(_JS_ETAT)
        etat["graphiques_dessines_ms"] = dessines_ms
        etat["evaluation"] = page.evaluate(evaluer) if evaluer is not None else None
        etat["violations_axe"] = []
        if axe:
            page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
            etat["violations_axe"] = page.evaluate(_JS_AXE)
        if capture is not None:
            Path(capture).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(capture), full_page=False)
        return etat

    etat = dans_chromium(examiner, viewport={"width": largeur, "height": hauteur}, locale="fr-FR")

    reseau = [u for u in requetes if not u.startswith(SCHEMAS_LOCAUX)]
    problemes: list[str] = []
    problemes += [f"erreur dans la console : {m}" for m in erreurs_console]
    problemes += [f"erreur JavaScript : {m}" for m in erreurs_page]
    problemes += [f"requête réseau : {u}" for u in reseau]
    graphiques = etat["graphiques"]
    nb_plotly = len(graphiques)
    for i, g in enumerate(graphiques, start=1):
        if not g["a_svg"]:
            problemes.append(f"graphique {i} non dessiné (pas de .main-svg)")
        if g["cadre"] and g["arrets_clavier"] != 1:
            problemes.append(f"graphique {i} : {g['arrets_clavier']} arrêt(s) du clavier dans son cadre au lieu d'un")
    if etat["messages_sans_graphique_visibles"]:
        problemes.append(f"{etat['messages_sans_graphique_visibles']} message(s) « Graphique non affiché » visibles "
                         "alors que JavaScript est actif")
    for v in etat["violations_axe"]:
        problemes.append(f"axe-core {v['id']} ({v['impact']}) : {v['aide']} — " + " | ".join(v["elements"][:3]))
    if types_traces_attendus is not None:
        if len(types_traces_attendus) != nb_plotly:
            problemes.append(
                f"{nb_plotly} graphique(s) dans la page, {len(types_traces_attendus)} attendu(s)"
            )
        for i, (g, attendus) in enumerate(zip(graphiques, types_traces_attendus), start=1):
            if list(g["types"]) != list(attendus):
                problemes.append(f"graphique {i} : traces {g['types']} au lieu de {list(attendus)}")
    sautes = niveaux_sautes(etat["titres"])
    problemes += [f"niveau de titre sauté : {s}" for s in sautes]
    return {
        **etat,
        "erreurs_console": erreurs_console,
        "erreurs_page": erreurs_page,
        "requetes": requetes,
        "requetes_reseau": reseau,
        "niveaux_sautes": sautes,
        "problemes": problemes,
    }


_JS_SANS_JS = """
() => {
  const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const figures = Array.from(document.querySelectorAll('.plotly-graph-div'));
  return {
    nb_figures: figures.length,
    figures_visibles: figures.filter(visible).length,
    messages: Array.from(document.querySelectorAll('.ep-graphique__absent')).filter(visible)
      .map((m) => m.textContent.trim()),
    // Chaque figure est suivie de son message (même sortie, ou même bloc du portefeuille).
    figures_sans_message: figures.filter((gd) => {
      let e = gd.closest('[role="img"]') || gd;
      while (e && !(e.nextElementSibling && e.nextElementSibling.matches('.ep-graphique__absent'))) {
        e = e.parentElement;
        if (e && e.matches('body')) return true;
      }
      return !e;
    }).length,
  };
}
"""


def verifier_sans_javascript(chemin_html: str | Path, capture: str | Path | None = None,
                             largeur: int = 1280, hauteur: int = 900, sans_decompression: bool = False) -> dict:
    """Ouvre la page JavaScript coupé : chaque graphique doit laisser place à un message visible.

    ``sans_decompression`` : JavaScript actif, mais sans ``DecompressionStream`` (navigateur trop
    ancien pour décompresser plotly.js) : même attente, et aucune erreur JavaScript.
    Renvoie ``nb_figures``, ``figures_visibles`` (0 attendu), ``messages`` (textes des messages
    visibles, un par figure attendu), ``figures_sans_message`` et ``problemes`` (en français).
    """
    chemin = Path(chemin_html).resolve()
    erreurs: list[str] = []

    def examiner(page) -> dict:
        if sans_decompression:
            page.add_init_script("delete window.DecompressionStream;")
            page.on("pageerror", lambda e: erreurs.append(str(e)))
        page.goto(chemin.as_uri(), wait_until="load")
        if sans_decompression:
            page.wait_for_function("() => document.documentElement.classList.contains('ep-sans-graphiques')",
                                   timeout=10_000)
        etat = page.evaluate(_JS_SANS_JS)
        if capture is not None:
            page.screenshot(path=str(capture), full_page=False)
        return etat

    etat = dans_chromium(examiner, viewport={"width": largeur, "height": hauteur}, locale="fr-FR",
                         java_script_enabled=sans_decompression)
    problemes = [f"erreur JavaScript : {e}" for e in erreurs]
    if etat["figures_visibles"]:
        problemes.append(f"{etat['figures_visibles']} cadre(s) de graphique vide(s) visibles sans JavaScript")
    if len(etat["messages"]) != etat["nb_figures"]:
        problemes.append(f"{len(etat['messages'])} message(s) visibles pour {etat['nb_figures']} graphique(s)")
    if etat["figures_sans_message"]:
        problemes.append(f"{etat['figures_sans_message']} graphique(s) sans message juste après")
    return {**etat, "problemes": problemes}
