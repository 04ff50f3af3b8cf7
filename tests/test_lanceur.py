"""Le lanceur de `make rapports`, de bout en bout, sur une copie des pilotes d'exemple.

Un pilote sain et trois pilotes fautifs (colonne manquante, date illisible, domaine inconnu) :
les rapports sains sont construits, chaque faute donne un message en français qui nomme le
fichier et l'endroit, la commande se termine en erreur ; un second passage ne refait rien ;
un pilote modifié est seul reconstruit ; rien n'est écrit dans le dossier des pilotes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eprouvette import config

pytestmark = pytest.mark.lent

EXEMPLE = "energie-gtb-ecoles-saint-quentin"


def _empreinte_dossier(dossier: Path) -> dict[str, str]:
    return {
        str(p.relative_to(dossier)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(dossier.rglob("*"))
        if p.is_file()
    }


def _copier_pilote(source: Path, cible: Path) -> Path:
    shutil.copytree(source, cible)
    yaml_path = cible / "pilote.yaml"
    texte = yaml_path.read_text(encoding="utf-8")
    texte = re.sub(r"(?m)^identifiant:.*$", f"identifiant: {cible.name}", texte)
    yaml_path.write_text(texte, encoding="utf-8")
    return cible


def _lancer(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "eprouvette.rapports", *args],
        capture_output=True, text=True, env=env, cwd=config.RACINE, timeout=600,
    )


@pytest.fixture(scope="module")
def lot(tmp_path_factory):
    source = config.DONNEES / "pilotes" / EXEMPLE
    if not source.exists():
        pytest.fail(f"pilote d'exemple absent : {source}")
    base = tmp_path_factory.mktemp("lot")
    pilotes = base / "pilotes"
    pilotes.mkdir()
    _copier_pilote(source, pilotes / EXEMPLE)

    # 1. Colonne « valeur » renommée : colonne manquante.
    d = _copier_pilote(source, pilotes / "energie-colonne-manquante")
    m = d / "mesures.csv"
    lignes = m.read_text(encoding="utf-8").splitlines(keepends=True)
    lignes[0] = lignes[0].replace("valeur", "valeurs")
    m.write_text("".join(lignes), encoding="utf-8")

    # 2. Une date impossible à la ligne 6 du fichier.
    d = _copier_pilote(source, pilotes / "energie-date-illisible")
    m = d / "mesures.csv"
    lignes = m.read_text(encoding="utf-8").splitlines(keepends=True)
    champs = lignes[5].split(";")
    champs[0] = "31/02/2023"
    lignes[5] = ";".join(champs)
    m.write_text("".join(lignes), encoding="utf-8")

    # 3. Domaine inconnu.
    d = _copier_pilote(source, pilotes / "domaine-inconnu")
    y = d / "pilote.yaml"
    y.write_text(re.sub(r"(?m)^domaine:.*$", "domaine: transport", y.read_text(encoding="utf-8")), encoding="utf-8")

    rapports = base / "rapports"
    env = dict(os.environ, EPROUVETTE_PILOTES=str(pilotes), EPROUVETTE_RAPPORTS=str(rapports))
    avant = _empreinte_dossier(pilotes)
    premier = _lancer(env)
    return {"pilotes": pilotes, "rapports": rapports, "env": env, "avant": avant, "premier": premier}


def test_code_de_sortie_et_resume(lot):
    r = lot["premier"]
    assert r.returncode == 1, r.stdout + r.stderr
    assert "3 pilotes en échec" in r.stdout
    assert "Traceback" not in r.stdout


def test_messages_en_francais_nommant_fichier_et_endroit(lot):
    sortie = lot["premier"].stdout
    ligne = lambda ident: next(l for l in sortie.splitlines() if l.startswith(f"- {ident} :"))  # noqa: E731
    manque = ligne("energie-colonne-manquante")
    assert "mesures.csv" in manque and "valeur" in manque
    date = ligne("energie-date-illisible")
    assert "mesures.csv" in date and "ligne 6" in date and "date" in date
    dom = ligne("domaine-inconnu")
    assert "pilote.yaml" in dom and "transport" in dom and "ligne" in dom
    assert "energie" in dom  # ce qui était attendu


def test_rapport_sain_construit(lot):
    rapports = lot["rapports"]
    html = (rapports / f"{EXEMPLE}.html").read_text(encoding="utf-8")
    resultats = json.loads((rapports / f"{EXEMPLE}.json").read_text(encoding="utf-8"))
    for cle in ("identifiant", "domaine", "methode", "effet", "unite", "effet_relatif", "ic_bas", "ic_haut",
                "p_valeur", "verdict"):
        assert cle in resultats, cle
    assert resultats["identifiant"] == EXEMPLE
    assert resultats["verdict"] in ("generaliser", "etendre", "ajuster", "ne_pas_generaliser")
    assert (rapports / "carnets" / f"{EXEMPLE}.ipynb").exists()
    # Le rapport lui-même
    assert re.search(r'<html[^>]*lang="fr"', html)
    titre = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert resultats["titre"] in titre
    assert not re.search(r'<script[^>]+src=["\']https?:', html)
    assert not re.search(r'<link[^>]+href=["\']https?:', html)
    visible = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    assert "Traceback" not in visible and "Error" not in visible
    # Aucune cellule de code : ni éditeur, ni code coloré, ni invite « In [ ] ».
    assert "jp-CodeMirrorEditor" not in visible and 'class="highlight' not in visible
    assert "dossier_pilote =" not in visible and "analyser_pilote(" not in visible
    assert not re.search(r"In&nbsp;\[|In \[\d", visible)
    assert html.count("js-plotly-plot") + html.count("plotly-graph-div") >= 2
    essentiel = html.find("L'essentiel") if "L'essentiel" in html else html.find("L&#x27;essentiel")
    contexte = html.find("Le contexte")
    assert 0 < essentiel < contexte


def test_index_liste_tout(lot):
    index = (lot["rapports"] / "index.html").read_text(encoding="utf-8")
    assert f'href="{EXEMPLE}.html"' in index
    for ident in ("energie-colonne-manquante", "energie-date-illisible", "domaine-inconnu"):
        assert ident in index
    # Une ligne par pilote en échec (le filtre des verdicts a aussi son choix « Échec de construction »).
    assert index.count('<span class="echec">Échec de construction</span>') == 3
    for absent in ("energie-colonne-manquante", "energie-date-illisible", "domaine-inconnu"):
        assert not (lot["rapports"] / f"{absent}.html").exists()


def test_donnees_intactes(lot):
    assert _empreinte_dossier(lot["pilotes"]) == lot["avant"]


def test_second_passage_ne_refait_rien_puis_incremental(lot):
    rapports = lot["rapports"]
    cibles = [rapports / f"{EXEMPLE}.html", rapports / f"{EXEMPLE}.json", rapports / "index.html"]
    dates = [p.stat().st_mtime_ns for p in cibles]
    r = _lancer(lot["env"])
    assert "rien à reconstruire" in r.stdout
    assert r.returncode == 1  # les pilotes fautifs le sont toujours
    assert [p.stat().st_mtime_ns for p in cibles] == dates

    # On corrige un pilote fautif : lui seul est reconstruit (avec l'index).
    source = lot["pilotes"] / EXEMPLE / "pilote.yaml"
    y = lot["pilotes"] / "domaine-inconnu" / "pilote.yaml"
    y.write_text(re.sub(r"(?m)^identifiant:.*$", "identifiant: domaine-inconnu", source.read_text(encoding="utf-8")),
                 encoding="utf-8")
    r = _lancer(lot["env"])
    assert "1 rapport à construire" in r.stdout, r.stdout
    assert (rapports / "domaine-inconnu.html").exists()
    assert [p.stat().st_mtime_ns for p in cibles[:2]] == dates[:2]
    assert r.returncode == 1 and "2 pilotes en échec" in r.stdout


@pytest.mark.navigateur
def test_rapport_dans_chromium(lot):
    """Le vrai rapport, ouvert dans Chromium : aucune erreur, aucune requête réseau, chaque graphique
    dessiné avec ses types de traces, titres dans l'ordre ; la capture du premier écran est écrite à côté."""
    import sys as _sys

    _sys.path.insert(0, str(Path(__file__).parent))
    from navigateur import exiger_chromium, verifier_page

    exiger_chromium()
    html = lot["rapports"] / f"{EXEMPLE}.html"
    capture = lot["rapports"] / f"{EXEMPLE}.png"
    r = verifier_page(html, capture=capture)
    assert r["problemes"] == [], r["problemes"]
    assert r["erreurs_console"] == [] and r["erreurs_page"] == [] and r["requetes_reseau"] == []
    assert r["langue"] == "fr" and r["titre"]
    assert len(r["graphiques"]) >= 2
    for g in r["graphiques"]:
        assert g["a_svg"], g
    # Séries temporelles (scatter) et carte d'essaimage hors ligne (scattergeo).
    types = [set(g["types"]) for g in r["graphiques"]]
    assert {"scatter"} in types and {"scattergeo"} in types, types
    assert [t["niveau"] for t in r["titres"]][:2] == [1, 2] and r["titres"][1]["texte"] == "L'essentiel"
    assert capture.stat().st_size > 10_000
    from conftest import consigner_taille

    consigner_taille(EXEMPLE, html.stat().st_size, (lot["rapports"] / "carnets" / f"{EXEMPLE}.ipynb").stat().st_size)


@pytest.mark.navigateur
def test_pdf_premiere_page_porte_le_verdict(lot):
    """`make pdf` : un PDF A4 par rapport ; sa première page porte le verdict et les chiffres clés."""
    import sys as _sys

    _sys.path.insert(0, str(Path(__file__).parent))
    from navigateur import exiger_chromium

    exiger_chromium()
    if not shutil.which("pdftotext"):
        if os.environ.get("CI"):
            pytest.fail("pdftotext absent (paquet Debian poppler-utils : make navigateur)")
        pytest.skip("pdftotext absent (paquet Debian poppler-utils : make navigateur)")
    r = subprocess.run([sys.executable, "-m", "eprouvette.rapports.pdf"], capture_output=True, text=True,
                       env=lot["env"], cwd=config.RACINE, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    pdf = lot["rapports"] / f"{EXEMPLE}.pdf"
    texte = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
    resultats = json.loads((lot["rapports"] / f"{EXEMPLE}.json").read_text(encoding="utf-8"))
    assert "L'ESSENTIEL" in texte.upper()
    assert resultats["verdict_libelle"] in texte
    for libelle in ("Effet mesuré", "Investissement"):
        assert libelle in texte
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89" in pages or "A4" in pages  # A4
    # Second passage : PDF à jour, rien à refaire.
    r = subprocess.run([sys.executable, "-m", "eprouvette.rapports.pdf"], capture_output=True, text=True,
                       env=lot["env"], cwd=config.RACINE, timeout=120)
    assert "à jour" in r.stdout


def test_les_rapports_les_plus_longs_sont_lances_d_abord(tmp_path, monkeypatch):
    """Ordonnancement « le plus long d'abord » : la dernière durée connue, sinon la taille des données."""
    from eprouvette.rapports import etat as etat_mod
    from eprouvette.rapports.executer import Tache, ordonner

    monkeypatch.setattr(config, "RAPPORTS", tmp_path / "rapports")
    taches = []
    for nom, octets in [("petit-nouveau", 10), ("gros-nouveau", 5000), ("court", 10), ("long", 10), ("echoue", 20)]:
        dossier = tmp_path / "pilotes" / nom
        dossier.mkdir(parents=True)
        (dossier / "mesures.csv").write_bytes(b"x" * octets)
        taches.append(Tache(nom, dossier, "e"))
    etat_mod.ecrire_etat("court", {"statut": "reussi", "duree_s": 3.0})
    etat_mod.ecrire_etat("long", {"statut": "reussi", "duree_s": 12.5})
    etat_mod.ecrire_etat("echoue", {"statut": "echec", "duree_s": 0.4})  # durée d'un échec : pas un indice
    assert [t.identifiant for t in ordonner(taches)] == ["gros-nouveau", "echoue", "petit-nouveau", "long", "court"]

    # Un fichier compressé compte pour sa taille décompressée.
    import gzip

    compresse = tmp_path / "pilotes" / "compresse"
    compresse.mkdir()
    (compresse / "mesures.csv.gz").write_bytes(gzip.compress(b"0" * 100_000))
    assert (compresse / "mesures.csv.gz").stat().st_size < 5000
    taches.append(Tache("compresse", compresse, "e"))
    assert ordonner(taches)[0].identifiant == "compresse"


def test_notes_de_cadrage_ordonnees_avec_les_rapports(tmp_path, monkeypatch):
    """Les notes de cadrage passent par le même ordre que les rapports : par la durée de leur dernière
    construction réussie (état à part, rapports/.etat/cadrage/), en tête si elles n'ont jamais été construites."""
    from eprouvette.rapports import cadrage, etat as etat_mod
    from eprouvette.rapports.executer import Tache, ordonner

    monkeypatch.setattr(config, "RAPPORTS", tmp_path / "rapports")
    for nom in ("court", "long"):
        (tmp_path / "pilotes" / nom).mkdir(parents=True)
    etat_mod.ecrire_etat("court", {"statut": "reussi", "duree_s": 3.0})
    etat_mod.ecrire_etat("long", {"statut": "reussi", "duree_s": 40.0})
    rapports = [Tache(n, tmp_path / "pilotes" / n, "e") for n in ("court", "long")]
    note = Tache("projet-a", tmp_path / "projets" / "projet-a", "e", note=True)
    # jamais construite : avant tout
    assert [t.identifiant for t in ordonner(rapports + [note])] == ["projet-a", "long", "court"]
    # construite en 20 s : entre les deux rapports ; un échec n'est pas un indice de durée
    cadrage.chemin_etat("projet-a").parent.mkdir(parents=True, exist_ok=True)
    cadrage.chemin_etat("projet-a").write_text('{"statut": "reussi", "duree_s": 20.0}', encoding="utf-8")
    assert [t.identifiant for t in ordonner(rapports + [note])] == ["long", "projet-a", "court"]
    cadrage.chemin_etat("projet-a").write_text('{"statut": "echec", "duree_s": 0.5}', encoding="utf-8")
    assert ordonner(rapports + [note])[0].identifiant == "projet-a"
