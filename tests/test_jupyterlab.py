"""Les carnets dans JupyterLab, comme un analyste les ouvre (issues #15 et #16).

- Rapide : les carnets déclarent le noyau que `make lab` installe, et `make lab` ouvre JupyterLab à la
  racine du dépôt sur ``notebooks/`` ; le pilote par défaut d'un carnet se trouve quel que soit le
  dossier de travail (:func:`eprouvette.pilote.dossier_du_pilote`).
- Lent : ``jupyter lab`` lancé sans navigateur (port libre, jeton), le carnet énergie ouvert dans
  Chromium sans interface (Playwright, le Chromium Debian de ``tests/navigateur.py``), toutes ses
  cellules exécutées par le noyau « eprouvette » installé comme le fait `make lab` (ici dans un dossier
  temporaire) : « L'essentiel » a la mise en forme du rapport (style calculé : cadre à fond, verdict
  en badge, chiffres clés en grille côte à côte, pas une liste), les dates des axes sont en français
  (« juil. 2022 », jamais « Jul 2022 »), les milliers séparés par une espace fine, la barre d'outils en
  français. Rien n'est écrit dans ``donnees/`` ni dans ``notebooks/`` (le carnet ouvert est une copie),
  aucun processus ne reste. Des captures d'écran sont écrites dans le dossier temporaire du test.
  Durée mesurée sur la machine de développement (2 cœurs partagés) : 47 s peu chargée, 65 à 85 s
  sous forte charge, dont serveur prêt 7 à 15 s, noyau prêt 9 à 12 s, exécution du carnet 24 à 30 s,
  arrêt 7 à 8 s (le détail s'affiche avec ``pytest -s``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from eprouvette import config, pilote

from navigateur import ARGUMENTS_CHROMIUM, CHROMIUM, exiger_chromium

NOYAU = "eprouvette"
CARNET = "energie.ipynb"
MOIS_ANGLAIS = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")
MOIS_FRANCAIS = re.compile(r"(janv\.|févr\.|mars|avr\.|mai|juin|juil\.|août|sept\.|oct\.|nov\.|déc\.)")


# ------------------------------------------------------------------------------ rapides

def _ligne_make(cible: str) -> str:
    texte = (config.RACINE / "Makefile").read_text(encoding="utf-8")
    recette = re.search(rf"^{cible}:.*\n((?:\t.*\n)+)", texte, flags=re.MULTILINE)
    assert recette, f"cible {cible} absente du Makefile"
    return recette.group(1)


def test_carnets_declarent_le_noyau_de_make_lab():
    recette = _ligne_make("lab")
    assert f"--name {NOYAU} " in recette
    nom_affiche = re.search(r'--display-name "([^"]+)"', recette).group(1)
    # JupyterLab à la racine du dépôt (pilotes et rapports visibles), ouvert sur notebooks/.
    assert "--notebook-dir=. " in recette and "--LabApp.default_url=/lab/tree/notebooks" in recette
    for chemin in sorted(config.NOTEBOOKS.glob("*.ipynb")):
        spec = nbformat.read(chemin, as_version=4).metadata.kernelspec
        assert (spec.name, spec.display_name, spec.language) == (NOYAU, nom_affiche, "python"), chemin.name


def test_pilote_par_defaut_trouve_depuis_tout_dossier(tmp_path, monkeypatch):
    import papermill as pm

    monkeypatch.chdir(tmp_path)
    # Les carnets de domaine (paramètre dossier_pilote) ; plan.ipynb prend un projet (tests/test_projet.py).
    carnets = [c for c in sorted(config.NOTEBOOKS.glob("*.ipynb"))
               if "dossier_pilote" in pm.inspect_notebook(str(c))]
    assert len(carnets) >= 5, carnets
    for chemin in carnets:
        defaut = pm.inspect_notebook(str(chemin))["dossier_pilote"]["default"].strip("\"'")
        dossier = pilote.dossier_du_pilote(defaut)
        assert dossier == config.PILOTES / defaut and (dossier / "pilote.yaml").is_file(), chemin.name
    # Un chemin explicite reste un chemin, pris depuis le dossier de travail.
    (tmp_path / "mon-pilote").mkdir()
    assert pilote.dossier_du_pilote("mon-pilote") == Path("mon-pilote")
    absolu = config.PILOTES / defaut
    assert pilote.dossier_du_pilote(absolu) == absolu
    # Introuvable : le message le dit, en français.
    from eprouvette.erreurs import ErreurDonnees

    with pytest.raises(ErreurDonnees, match="dossier du pilote introuvable"):
        pilote.charger_pilote("pilote-qui-n-existe-pas")


# ------------------------------------------------------------------------------ lent : JupyterLab

def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _etat_donnees() -> dict:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in config.DONNEES.rglob("*")}


def _processus_sous(dossier: Path) -> list[int]:
    """Les processus dont la ligne de commande cite ``dossier`` (serveur, noyau : fichier de connexion)."""
    trouves = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            ligne = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(dossier) in ligne:
            trouves.append(int(proc.name))
    return trouves


def _attendre_serveur(url: str, serveur: subprocess.Popen, delai_s: float, journal: Path) -> None:
    fin = time.monotonic() + delai_s
    while time.monotonic() < fin:
        if serveur.poll() is not None:
            fin_journal = journal.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise AssertionError(f"jupyter lab s'est arrêté (code {serveur.returncode}) :\n{fin_journal}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"jupyter lab ne répond pas après {delai_s:.0f} s")


def _arreter(serveur: subprocess.Popen, base: str, jeton: str, dossier: Path) -> list[int]:
    """Arrête le serveur (il arrête ses noyaux), puis vérifie qu'aucun de nos processus ne reste."""
    try:
        requete = urllib.request.Request(f"{base}/api/shutdown", method="POST",
                                         headers={"Authorization": f"token {jeton}"})
        urllib.request.urlopen(requete, timeout=5).close()
    except OSError:
        pass
    try:
        serveur.wait(timeout=15)
    except subprocess.TimeoutExpired:
        serveur.terminate()
        serveur.wait(timeout=10)
    fin = time.monotonic() + 10
    restants = _processus_sous(dossier)
    while restants and time.monotonic() < fin:
        time.sleep(0.3)
        restants = _processus_sous(dossier)
    for pid in restants:  # nos propres processus seulement (ils citent notre dossier temporaire)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return restants


_JS_EXECUTION = """
() => {
  const cellules = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell'));
  const invites = cellules.map((c) => (c.querySelector('.jp-InputPrompt') || {}).textContent || '');
  return {
    cellules: cellules.length,
    executees: invites.filter((t) => /\\[\\d+\\]/.test(t)).length,
    en_cours: invites.filter((t) => t.includes('*')).length,
    erreurs: Array.from(document.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]'))
      .map((e) => e.textContent.slice(0, 400)),
    figures_dessinees: document.querySelectorAll('.jp-RenderedPlotly .main-svg').length,
  };
}
"""

_JS_MISE_EN_FORME = """
() => {
  const style = (sel) => { const e = document.querySelector(sel); return e ? getComputedStyle(e) : null; };
  const essentiel = style('.ep-essentiel'), chiffres = style('.ep-chiffres'), verdict = style('.ep-verdict');
  const cartes = Array.from(document.querySelectorAll('.ep-chiffres .ep-chiffre')).map((c) => {
    const r = c.getBoundingClientRect(), s = getComputedStyle(c);
    const dt = c.querySelector('dt');
    return {haut: Math.round(r.top), gauche: Math.round(r.left), largeur: Math.round(r.width),
            fond: s.backgroundColor, bord_haut: s.borderTopWidth,
            intitule_largeur: dt ? Math.round(dt.getBoundingClientRect().width) : 0,
            intitule_flottant: dt ? getComputedStyle(dt).float : null};
  });
  const figures = Array.from(document.querySelectorAll('.jp-RenderedPlotly')).map((gd) => ({
    x: Array.from(gd.querySelectorAll('.xtick text')).map((t) => t.textContent),
    y: Array.from(gd.querySelectorAll('.ytick text')).map((t) => t.textContent),
    boutons: Array.from(gd.querySelectorAll('.modebar-btn')).map((b) => b.getAttribute('data-title')),
  }));
  return {
    styles_dans_la_page: document.querySelectorAll('style#ep-styles-blocs').length,
    essentiel: essentiel && {fond: essentiel.backgroundColor, bord_gauche: essentiel.borderLeftWidth,
                             marge_gauche: essentiel.paddingLeft},
    chiffres: chiffres && {display: chiffres.display, colonnes: chiffres.gridTemplateColumns},
    verdict: verdict && {display: verdict.display, rayon: verdict.borderTopLeftRadius},
    cartes, figures,
  };
}
"""


@pytest.mark.lent
@pytest.mark.navigateur
def test_carnet_energie_dans_jupyterlab(tmp_path):
    exiger_chromium()
    from playwright.sync_api import sync_playwright

    debut = time.perf_counter()
    temps: dict[str, float] = {}  # secondes écoulées depuis le début, étape par étape

    def etape(nom: str) -> None:
        temps[nom] = round(time.perf_counter() - debut, 1)

    # Un dossier temporaire court et unique : il sert aussi à retrouver nos processus.
    dossier = Path(tempfile.mkdtemp(prefix="ep-lab-"))
    racine = dossier / "racine"
    (racine / "notebooks").mkdir(parents=True)
    shutil.copy(config.NOTEBOOKS / CARNET, racine / "notebooks" / CARNET)  # JupyterLab n'écrit que la copie
    reglages = dossier / "reglages"
    for extension, contenu in {
        # Ni enregistrement automatique, ni question sur les nouvelles de Jupyter (réseau).
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
    }.items():
        (reglages / extension).parent.mkdir(parents=True, exist_ok=True)
        (reglages / extension).write_text(json.dumps(contenu), encoding="utf-8")
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(dossier / "config"), JUPYTER_DATA_DIR=str(dossier / "data"),
        JUPYTER_RUNTIME_DIR=str(dossier / "runtime"), IPYTHONDIR=str(dossier / "ipython"),
        JUPYTER_PATH=str(dossier / "prefixe" / "share" / "jupyter"),
        # Le noyau importe la bibliothèque de cet arbre (celle des tests).
        PYTHONPATH=os.pathsep.join([str(Path(pilote.__file__).resolve().parents[1])]
                                   + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])),
        OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
    )
    # Le noyau du projet, installé comme le fait `make lab` (`python -m ipykernel install --name eprouvette`,
    # même fonction, ici dans un préfixe temporaire).
    from ipykernel.kernelspec import install as installer_noyau

    installer_noyau(prefix=str(dossier / "prefixe"), kernel_name=NOYAU, display_name="Python (Éprouvette)")
    avant = _etat_donnees()
    port, jeton = _port_libre(), os.urandom(16).hex()
    base = f"http://127.0.0.1:{port}"
    journal = open(dossier / "jupyter.log", "w", encoding="utf-8")
    serveur = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={jeton}",
         f"--notebook-dir={racine}", "--LabApp.default_url=/lab/tree/notebooks",
         "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None", "--ServerApp.terminals_enabled=False",
         "--ServerApp.jpserver_extensions={'jupyter_lsp': False, 'jupyter_server_terminals': False}",
         f"--LabApp.user_settings_dir={reglages}", f"--LabApp.workspaces_dir={dossier / 'espaces'}"]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        env=env, cwd=str(dossier), stdout=journal, stderr=subprocess.STDOUT, start_new_session=True,
    )
    profil = dossier / "chromium"
    restants: list[int] = []
    try:
        with sync_playwright() as p:
            # Chromium démarre pendant que le serveur se prépare.
            contexte = p.chromium.launch_persistent_context(
                str(profil), executable_path=str(CHROMIUM), headless=True, args=ARGUMENTS_CHROMIUM,
                viewport={"width": 1366, "height": 900}, locale="fr-FR",
            )
            try:
                _attendre_serveur(f"{base}/api/status?token={jeton}", serveur, 60, dossier / "jupyter.log")
                etape("serveur prêt")
                page = contexte.pages[0] if contexte.pages else contexte.new_page()
                erreurs_page: list[str] = []
                page.on("pageerror", lambda e: erreurs_page.append(str(e)))
                page.goto(f"{base}/lab/tree/notebooks/{CARNET}?token={jeton}", wait_until="load", timeout=60_000)
                etape("page chargée")
                # Le carnet ouvert, son noyau (celui qu'il déclare) prêt.
                page.wait_for_function(
                    """() => { const app = window.jupyterapp; if (!app) return false;
                       const w = app.shell.currentWidget; const s = w && w.sessionContext;
                       return !!(s && s.session && s.session.kernel && s.kernelDisplayStatus === 'idle'); }""",
                    timeout=60_000)
                etape("noyau prêt")
                noyau = page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.name")
                assert noyau == NOYAU, f"le carnet a ouvert le noyau {noyau!r} au lieu de {NOYAU!r}"
                page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
                page.wait_for_function(
                    """() => { const c = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell'));
                       const p = c.map((x) => (x.querySelector('.jp-InputPrompt') || {}).textContent || '');
                       return c.length > 0 && p.every((t) => /\\[\\d+\\]/.test(t))
                         || document.querySelector('[data-mime-type="application/vnd.jupyter.error"]') !== null; }""",
                    timeout=90_000, polling=500)
                etape("carnet exécuté")
                etat = page.evaluate(_JS_EXECUTION)
                assert not etat["erreurs"], etat["erreurs"]
                assert etat["executees"] == etat["cellules"] > 10, etat
                # Les figures, dessinées par le plotly.js de l'extension jupyterlab-plotly.
                nb_figures = page.evaluate("() => document.querySelectorAll('.jp-RenderedPlotly').length")
                assert nb_figures >= 3, nb_figures
                page.wait_for_function(
                    "() => Array.from(document.querySelectorAll('.jp-RenderedPlotly'))"
                    ".every((f) => f.querySelector('.main-svg') !== null)", timeout=30_000)
                etape("figures dessinées")
                forme = page.evaluate(_JS_MISE_EN_FORME)
                page.evaluate("() => document.querySelector('.ep-essentiel').scrollIntoView()")
                page.wait_for_timeout(300)
                page.screenshot(path=str(tmp_path / "jupyterlab-essentiel.png"))
                for nom, selecteur in (("graphique", ".jp-RenderedPlotly"), ("verifications", ".ep-verifications"),
                                       ("tableau", ".ep-tableau:not(details .ep-tableau)")):
                    page.evaluate(f"() => document.querySelector('{selecteur}').scrollIntoView()")
                    page.wait_for_timeout(300)
                    page.screenshot(path=str(tmp_path / f"jupyterlab-{nom}.png"))
            finally:
                contexte.close()
    finally:
        restants = _arreter(serveur, base, jeton, dossier)
        journal.close()
        etape("serveur et noyau arrêtés")
        duree_s = time.perf_counter() - debut
        shutil.rmtree(dossier, ignore_errors=True)
        print(f"\nJupyterLab, temps écoulé (s) : {temps} ; captures dans {tmp_path}")

    # Aucun processus laissé, rien d'écrit dans donnees/.
    assert not restants, f"processus restés après l'arrêt de jupyter lab : {restants}"
    assert _etat_donnees() == avant, "le carnet a écrit dans donnees/"
    assert not erreurs_page, erreurs_page

    # « L'essentiel » a la mise en forme du rapport (la feuille des blocs, affichée une fois).
    assert forme["styles_dans_la_page"] == 1, forme["styles_dans_la_page"]
    assert forme["essentiel"] == {"fond": "rgb(243, 245, 248)", "bord_gauche": "6px", "marge_gauche": "24px"}, forme
    assert forme["verdict"]["display"] == "inline-flex" and forme["verdict"]["rayon"] != "0px", forme["verdict"]
    assert forme["chiffres"]["display"] == "grid", forme["chiffres"]
    cartes = forme["cartes"]
    assert len(cartes) >= 3, cartes
    assert all(c["fond"] == "rgb(255, 255, 255)" and c["bord_haut"] == "3px" for c in cartes), cartes
    # Des cartes côte à côte, pas une liste : au moins trois sur la première ligne ; l'intitulé de
    # chaque carte occupe sa largeur (pas la colonne flottante de 20 % que JupyterLab donne aux <dt>).
    assert sum(c["haut"] == cartes[0]["haut"] for c in cartes) >= 3, cartes
    assert all(c["intitule_flottant"] == "none" and c["intitule_largeur"] > 0.7 * c["largeur"] for c in cartes), cartes

    # Les graphiques parlent français : mois, milliers, barre d'outils.
    textes_x = [t for f in forme["figures"] for t in f["x"]]
    textes_y = [t for f in forme["figures"] for t in f["y"]]
    assert not [t for t in textes_x if MOIS_ANGLAIS.search(t)], textes_x
    assert [t for t in textes_x if MOIS_FRANCAIS.search(t)], textes_x
    assert not [t for t in textes_y if re.search(r"\d[kMG]$", t)], textes_y
    milliers = [t for t in textes_y if re.fullmatch(r"[−-]?\d{1,3}(\u202f\d{3})+", t)]
    assert milliers and not [t for t in textes_y if re.fullmatch(r"[−-]?\d{1,3}(,\d{3})+", t)], textes_y
    boutons = {b for f in forme["figures"] for b in f["boutons"]}
    assert boutons == {"Télécharger le graphique en PNG"}, boutons
