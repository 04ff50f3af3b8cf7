"""Sûreté du lot de rapports, le lanceur pris comme une boîte noire (`python -m eprouvette.rapports`).

- un lot tué en plein travail (SIGKILL du groupe de processus) ne laisse aucun rapport à moitié
  écrit, et le lot suivant se termine ;
- une construction n'écrit rien sous `donnees/` (le vrai dossier, comparé octet par octet) ;
- un titre de pilote `<script>alert(1)</script>` s'affiche comme du texte.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eprouvette import config

pytestmark = pytest.mark.lent

PILOTE = "energie-gtb-ecoles-saint-quentin"
SOURCE = config.DONNEES / "pilotes" / PILOTE
PYTHON = sys.executable


def lancer(pilotes: Path | None, rapports: Path, *args: str, attendre: bool = True):
    env = {**os.environ, "EPROUVETTE_RAPPORTS": str(rapports)}
    env.pop("EPROUVETTE_PILOTES", None)
    if pilotes is not None:
        env["EPROUVETTE_PILOTES"] = str(pilotes)
    commande = [PYTHON, "-m", "eprouvette.rapports", "--travailleurs", "1", *args]
    if attendre:
        return subprocess.run(commande, env=env, cwd=config.RACINE, capture_output=True, text=True, timeout=120)
    return subprocess.Popen(commande, env=env, cwd=config.RACINE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def empreintes(dossier: Path) -> dict[str, str]:
    """Chemin relatif -> SHA-256 de chaque fichier, plus les dossiers (vides compris)."""
    resultat = {}
    for chemin in sorted(dossier.rglob("*")):
        rel = str(chemin.relative_to(dossier))
        if "__pycache__" in chemin.parts:
            continue
        resultat[rel] = hashlib.sha256(chemin.read_bytes()).hexdigest() if chemin.is_file() else "<dossier>"
    return resultat


def copie_pilote(tmp_path: Path) -> Path:
    pilotes = tmp_path / "pilotes"
    shutil.copytree(SOURCE, pilotes / PILOTE)
    return pilotes


@pytest.fixture(scope="module")
def construction_reelle(tmp_path_factory):
    """Un rapport construit depuis le VRAI dossier donnees/ dans un dossier de rapports temporaire,
    avec l'empreinte de donnees/ avant et après."""
    if not SOURCE.is_dir():
        pytest.skip(f"pilote d'exemple absent : {SOURCE}")
    rapports = tmp_path_factory.mktemp("rapports")
    avant = empreintes(config.DONNEES)
    resultat = lancer(None, rapports, PILOTE, "--tout")
    apres = empreintes(config.DONNEES)
    return resultat, rapports, avant, apres


def test_donnees_intactes_apres_une_construction(construction_reelle):
    resultat, rapports, avant, apres = construction_reelle
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert (rapports / f"{PILOTE}.html").is_file()
    ajoutes = sorted(set(apres) - set(avant))
    retires = sorted(set(avant) - set(apres))
    modifies = sorted(k for k in set(avant) & set(apres) if avant[k] != apres[k])
    assert (ajoutes, retires, modifies) == ([], [], []), "donnees/ modifié par la construction"


SCRIPT = "<script>alert(1)</script>"
_BLOC_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script\s*>", re.S | re.I)


def pilote_hostile(tmp_path: Path) -> Path:
    """Copie du pilote d'exemple dont le titre et le nom du porteur sont `<script>alert(1)</script>`."""
    pilotes = copie_pilote(tmp_path)
    fiche = pilotes / PILOTE / "pilote.yaml"
    texte = fiche.read_text(encoding="utf-8")
    texte, n_titre = re.subn(r"(?m)^titre: .*$", f'titre: "{SCRIPT}"', texte)
    texte, n_nom = re.subn(r"(?m)^  nom: Ville de Saint-Quentin$", f'  nom: "{SCRIPT}"', texte)
    assert (n_titre, n_nom) == (1, 1)
    fiche.write_text(texte, encoding="utf-8")
    return pilotes


def _un_noyau_tourne(pid: int) -> bool:
    """Vrai si un noyau Jupyter descend du lanceur ``pid`` : tiré du modèle chaud (même ligne de commande
    que le modèle, qui est seul tant qu'aucun carnet ne tourne) ou démarré à froid (ipykernel)."""
    import psutil

    try:
        lignes = [" ".join(p.cmdline()) for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return False
    return sum("noyau_chaud" in l for l in lignes) >= 2 or any("ipykernel" in l for l in lignes)


@pytest.fixture(scope="module")
def lot_interrompu(construction_reelle, tmp_path_factory):
    """Après la construction réelle (rapports précédents complets), un lot sur une copie du pilote
    est tué par SIGKILL pendant qu'il construit le premier rapport ; on relève l'état du dossier,
    puis on relance le lot jusqu'au bout. (Le lot relancé sert aussi au test d'échappement.)"""
    resultat, rapports_reels, _, _ = construction_reelle
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    tmp_path = tmp_path_factory.mktemp("lot")
    rapports = tmp_path / "rapports"
    shutil.copytree(rapports_reels, rapports)
    pilotes = pilote_hostile(tmp_path)
    precedents = {p.name: p.read_bytes() for p in rapports.glob("*.html")}

    processus = lancer(pilotes, rapports, "--tout", attendre=False)
    try:
        # Attendre que le premier rapport soit en cours (un noyau exécute son carnet), puis tuer tout le groupe.
        limite = time.monotonic() + 60
        while time.monotonic() < limite and processus.poll() is None:
            if _un_noyau_tourne(processus.pid):
                break
            time.sleep(0.05)
        time.sleep(1.0)
        en_cours = processus.poll() is None
        os.killpg(processus.pid, signal.SIGKILL)
        processus.wait(timeout=10)
    finally:
        if processus.poll() is None:
            os.killpg(processus.pid, signal.SIGKILL)
    apres_arret = {p.name: p.read_bytes() for p in rapports.glob("*.html")}
    premier_niveau = [p.name for p in rapports.iterdir() if p.is_file()]
    suivant = lancer(pilotes, rapports, "--tout")
    return {"en_cours": en_cours, "code": processus.returncode, "precedents": precedents,
            "apres_arret": apres_arret, "premier_niveau": premier_niveau, "suivant": suivant, "rapports": rapports}


def test_lot_tue_en_plein_travail_ne_laisse_aucun_rapport_a_moitie_ecrit(lot_interrompu):
    lot = lot_interrompu
    precedents = lot["precedents"]
    assert f"{PILOTE}.html" in precedents and "index.html" in precedents
    assert lot["en_cours"], "le lot s'est terminé avant d'avoir pu être interrompu"
    assert lot["code"] == -signal.SIGKILL
    # Chaque rapport HTML visible est soit le précédent, complet, soit absent ; aucun fichier partiel à côté.
    for nom, contenu in lot["apres_arret"].items():
        assert nom in precedents, f"rapport inattendu après interruption : {nom}"
        assert contenu == precedents[nom], f"{nom} modifié par un lot interrompu"
        assert contenu.rstrip().endswith(b"</html>")
    partiels = [n for n in lot["premier_niveau"] if n.startswith(".") or n.endswith((".tmp", ".part"))]
    assert partiels == [], f"fichiers partiels laissés au premier niveau : {partiels}"
    # Le lot suivant se termine et remplace le rapport par un rapport complet.
    suivant, rapports = lot["suivant"], lot["rapports"]
    assert suivant.returncode == 0, suivant.stdout + suivant.stderr
    nouveau = (rapports / f"{PILOTE}.html").read_bytes()
    assert nouveau.rstrip().endswith(b"</html>") and nouveau != precedents[f"{PILOTE}.html"]
    assert not (rapports / ".tmp").exists() or not any((rapports / ".tmp").rglob("*"))


def test_titre_hostile_affiche_comme_du_texte(lot_interrompu):
    rapports = lot_interrompu["rapports"]
    assert lot_interrompu["suivant"].returncode == 0
    for nom in (f"{PILOTE}.html", "index.html"):
        html = (rapports / nom).read_text(encoding="utf-8")
        # Aucun élément <script> dont le contenu serait celui du titre.
        assert all(bloc.strip() != "alert(1)" for bloc in _BLOC_SCRIPT.findall(html)), nom
        hors_scripts = _BLOC_SCRIPT.sub("", html)
        assert "alert(1)" in hors_scripts, f"{nom} : le titre n'apparaît pas"
        assert SCRIPT not in hors_scripts, f"{nom} : titre non échappé"
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hors_scripts, nom
    from navigateur import ARGUMENTS_CHROMIUM, CHROMIUM, chromium_disponible

    if not chromium_disponible():
        pytest.skip(f"Chromium absent ({CHROMIUM}) : contrôle dans le navigateur non fait")
    import tempfile

    from playwright.sync_api import sync_playwright

    page = rapports / f"{PILOTE}.html"
    dialogues: list[str] = []
    erreurs: list[str] = []
    profil = tempfile.mkdtemp(prefix="eprouvette-chromium-")
    try:
        with sync_playwright() as p:
            contexte = p.chromium.launch_persistent_context(profil, executable_path=str(CHROMIUM), headless=True,
                                                            args=ARGUMENTS_CHROMIUM)
            try:
                onglet = contexte.pages[0] if contexte.pages else contexte.new_page()
                onglet.on("dialog", lambda d: (dialogues.append(d.message), d.dismiss()))
                onglet.on("console", lambda m: erreurs.append(m.text) if m.type == "error" else None)
                onglet.on("pageerror", lambda e: erreurs.append(str(e)))
                onglet.goto(page.resolve().as_uri(), wait_until="load", timeout=30_000)
                onglet.wait_for_timeout(300)
                titre_visible = onglet.locator("h1").first.inner_text()
            finally:
                contexte.close()
    finally:
        shutil.rmtree(profil, ignore_errors=True)
    assert dialogues == [] and erreurs == []
    assert SCRIPT in titre_visible  # le texte est montré tel quel, pas exécuté
