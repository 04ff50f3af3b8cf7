"""La ligne de commande comme un analyste la lance : ``python -m eprouvette …`` et ``make …``.

Sous-processus, sortie lue telle qu'elle s'affiche : aide et erreurs en français (aucun texte
anglais d'argparse), codes de sortie, pilote inconnu, ``make verifier`` sur des dossiers valides et
fautifs (corpus de ``tests/corpus``, dossiers hostiles de ``test_dossiers_hostiles``), jamais de
trace Python ; ``make rapports PILOTE=…`` sur un pilote, son journal, et la note « Avertissements de
calcul » d'un carnet qui émet un ``RuntimeWarning`` et un avertissement de convergence.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import eprouvette
from eprouvette import config
from eprouvette.erreurs import ErreurDonnees
from eprouvette.rapports import typographie
from eprouvette.verification import verifier

PYTHON = sys.executable
VALIDE = "energie-gtb-ecoles-beauvais"

#: Ce qu'argparse écrit quand il n'est pas traduit.
ANGLAIS = re.compile(r"usage:|positional arguments|optional arguments|options:|show this help|error:|"
                     r"invalid choice|expected one argument|unrecognized arguments|the following arguments|"
                     r"required|show program's version|Traceback", re.I)


def _lancer(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", *args], capture_output=True, text=True, cwd=config.RACINE,
                          env=env, timeout=timeout)


def _make(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    # L'environnement Python est celui des tests (PYTHON), déjà installé (ENV_STAMP vide).
    return subprocess.run(["make", "-s", "-C", str(config.RACINE), *args, f"PYTHON={PYTHON}", "ENV_STAMP="],
                          capture_output=True, text=True, env=env, timeout=timeout)


def _sans_anglais(texte: str) -> None:
    trouve = ANGLAIS.search(texte)
    assert trouve is None, f"texte anglais « {trouve.group(0)} » dans :\n{texte}"


# --------------------------------------------------------------------------------------------
# Aide, version, erreurs de la commande
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("commande", [("eprouvette",), ("eprouvette", "--help"), ("eprouvette", "rapports", "-h"),
                                      ("eprouvette", "verifier", "--help"), ("eprouvette.rapports", "--help")])
def test_aide_en_francais(commande):
    r = _lancer(*commande)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("utilisation : python -m eprouvette"), r.stdout
    assert "-h, --help" in r.stdout and "affiche cette aide et quitte" in r.stdout
    assert "options :" in r.stdout
    _sans_anglais(r.stdout + r.stderr)


def test_aide_liste_les_commandes_et_les_drapeaux():
    generale = _lancer("eprouvette").stdout
    assert re.search(r"(?m)^  rapports  ", generale) and re.search(r"(?m)^  verifier  ", generale)
    rapports = _lancer("eprouvette", "rapports", "--help").stdout
    for drapeau in ("-j N, --jobs N", "-f, --force", "-q, --quiet", "--version"):
        assert drapeau in rapports, drapeau
    assert "--travailleurs" not in rapports  # alias gardé pour les anciens scripts, pas montré


@pytest.mark.parametrize("commande", [("eprouvette",), ("eprouvette", "rapports"), ("eprouvette", "verifier")])
def test_version(commande):
    r = _lancer(*commande, "--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"Éprouvette {eprouvette.__version__}"


@pytest.mark.parametrize("args, attendu", [
    (("rapports", "--forse"), "argument inconnu : « --forse » ; vouliez-vous écrire « --force » ?"),
    (("rapports", "-j"), "argument -j/--jobs : une valeur est attendue"),
    (("rapports", "-j", "deux"), "argument -j/--jobs : nombre entier attendu, reçu « deux »"),
    (("rapprots",), "choix inconnu : « rapprots » ; vouliez-vous écrire « rapports » ?"),
    (("verifier", "--quite"), "vouliez-vous écrire « --quiet » ?"),
])
def test_erreur_de_commande_en_francais(args, attendu):
    r = _lancer("eprouvette", *args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.startswith("utilisation : python -m eprouvette"), r.stderr
    assert " : erreur : " in r.stderr and attendu in r.stderr, r.stderr
    _sans_anglais(r.stdout + r.stderr)


@pytest.mark.parametrize("commande", ["rapports", "verifier"])
def test_pilote_inconnu_liste_les_pilotes_connus(tmp_path, commande):
    connus = sorted(d.name for d in config.PILOTES.iterdir() if d.is_dir() and not d.name.startswith((".", "_")))
    assert VALIDE in connus
    rapports = tmp_path / "rapports"
    env = dict(os.environ, EPROUVETTE_RAPPORTS=str(rapports))
    r = _lancer("eprouvette", commande, "pilote-qui-nexiste-pas", VALIDE[:-1], env=env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "pilotes inconnus : « pilote-qui-nexiste-pas », « " + VALIDE[:-1] + " »." in r.stderr
    assert f"Vouliez-vous écrire « {VALIDE} » au lieu de « {VALIDE[:-1]} » ?" in r.stderr
    for ident in connus:
        assert f"  - {ident}\n" in r.stderr, ident
    _sans_anglais(r.stdout + r.stderr)
    assert not rapports.exists()  # rien n'a été construit


# --------------------------------------------------------------------------------------------
# make verifier
# --------------------------------------------------------------------------------------------


def _lignes_de_donnees(fichier: Path) -> int:
    return sum(1 for ligne in fichier.read_text(encoding="utf-8").splitlines()[1:] if ligne.strip())


def test_make_verifier_pilote_valide():
    r = _make("verifier", f"PILOTE={VALIDE}")
    assert r.returncode == 0, r.stdout + r.stderr
    sortie = r.stdout
    assert sortie.startswith(f"✓ {VALIDE} : aucune erreur"), sortie
    dossier = config.PILOTES / VALIDE
    n = _lignes_de_donnees(dossier / "mesures.csv")
    assert f"Mesures : mesures.csv : {n:,} lignes.".replace(",", "\u202f") in sortie
    for debut in ("Fiche : « ", "Sites : ", "Indicateurs : ", "Périodes : référence du ", "Jours sans mesure : ",
                  "Météo : meteo.csv : "):
        assert f"    {debut}" in sortie, debut
    assert sortie.rstrip().endswith("Pilote valide.")
    _sans_anglais(sortie + r.stderr)


def test_verifier_plusieurs_pilotes_silencieux():
    r = _lancer("eprouvette", "verifier", "-q", f"{VALIDE},mobilite-feux-bus-amiens")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "2 pilotes vérifiés : 2 valides, 0 à corriger.\n"


def test_make_verifier_pilote_invalide(tmp_path):
    pilotes = tmp_path / "pilotes"
    dossier = pilotes / VALIDE
    shutil.copytree(config.PILOTES / VALIDE, dossier)
    mesures = dossier / "mesures.csv"
    lignes = mesures.read_text(encoding="utf-8").splitlines(keepends=True)
    champs = lignes[5].split(";")
    champs[0] = "31/02/2024"
    lignes[5] = ";".join(champs)
    mesures.write_text("".join(lignes), encoding="utf-8")
    meteo = dossier / "meteo.csv"
    lignes = meteo.read_text(encoding="utf-8").splitlines(keepends=True)
    entete = lignes[0].rstrip("\n").split(";")
    i_min, i_max = entete.index("temperature_min"), entete.index("temperature_max")
    champs = lignes[2].rstrip("\n").split(";")
    champs[i_min], champs[i_max] = "30", "1"
    lignes[2] = ";".join(champs) + "\n"
    meteo.write_text("".join(lignes), encoding="utf-8")

    env = dict(os.environ, EPROUVETTE_PILOTES=str(pilotes))
    r = _make("verifier", f"PILOTE={VALIDE}", env=env)
    assert r.returncode != 0, r.stdout + r.stderr
    sortie = r.stdout
    assert f"✗ {VALIDE} : 2 erreurs" in sortie, sortie
    # Les deux fichiers fautifs : mesures et météo, chacun avec sa ligne et sa colonne.
    assert re.search(r"mesures\.csv, ligne 6, colonne « date » : « 31/02/2024 » n'est pas une date", sortie), sortie
    assert re.search(r"meteo\.csv, ligne 3, colonne « temperature_min » : température minimale \(30", sortie), sortie
    assert "Pilote à corriger" in sortie
    _sans_anglais(sortie + r.stderr)


# --------------------------------------------------------------------------------------------
# verifier() sur le corpus de fautes : les erreurs de la lecture, telles quelles, jamais de trace
# --------------------------------------------------------------------------------------------


def _dossiers_corpus(tmp_path: Path) -> dict[str, Path]:
    from test_lecture import faire_pilote
    from test_robustesse_lecture import CORPUS, FAUTES

    dossiers = {}
    for nom in sorted(FAUTES):
        contenu = (CORPUS / nom).read_bytes()
        try:
            if nom.endswith(".yaml"):
                faire_pilote(tmp_path / nom, texte=contenu.decode("utf-8"))
            elif nom.startswith("meteo"):
                faire_pilote(tmp_path / nom, meteo=contenu)
            else:
                faire_pilote(tmp_path / nom, {nom: contenu})
        except Exception:  # pilote.yaml fautif : le dossier est écrit, c'est ce qu'on vérifie
            pass
        dossiers[nom] = next((tmp_path / nom).iterdir())
    return dossiers


def test_verifier_corpus_de_fautes(tmp_path):
    from test_robustesse_lecture import FAUTES

    for nom, dossier in _dossiers_corpus(tmp_path).items():
        v = verifier(dossier)
        assert not v.valide, nom
        ligne, endroit, message, attendu = FAUTES[nom]
        assert len(v.erreurs) == 1, (nom, [str(e) for e in v.erreurs])
        e = v.erreurs[0]
        assert isinstance(e, ErreurDonnees)
        assert (e.ligne, e.message) == (ligne, message), nom
        assert attendu is None or e.attendu == attendu, nom
        assert endroit in (e.colonne, e.champ), nom


def test_make_verifier_corpus_sans_trace(tmp_path):
    from test_robustesse_lecture import FAUTES

    dossiers = _dossiers_corpus(tmp_path)
    r = _lancer("eprouvette", "verifier", *map(str, dossiers.values()))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert r.stdout.count("✗ ") == len(dossiers)
    blocs = re.split(r"(?m)^(?=[✓✗] )", r.stdout)
    for nom, dossier in dossiers.items():
        bloc = next(b for b in blocs if b and f"({dossier})" in b.splitlines()[0])
        ligne, _, message, _ = FAUTES[nom]
        assert message in bloc, (nom, bloc)
        if ligne is not None:
            assert f"ligne {ligne}" in bloc, (nom, bloc)
    assert r.stdout.rstrip().endswith(f"{len(dossiers)} pilotes vérifiés : 0 valide, {len(dossiers)} à corriger.")


def test_verifier_dossiers_hostiles(tmp_path):
    from test_dossiers_hostiles import CONSTRUITS, REFUSES_DOSSIER, REFUSES_LECTURE, VALIDES, fabriquer_corpus

    corpus = fabriquer_corpus(tmp_path)
    r = _lancer("eprouvette", "verifier", "--dossier-pilotes", str(corpus["pilotes"]), timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    for ident in VALIDES + CONSTRUITS:
        assert f"✓ {ident} : aucune erreur" in r.stdout, ident
    for ident in REFUSES_DOSSIER + REFUSES_LECTURE:
        attendu = corpus["attendus"][ident]
        morceaux = [l[2:] for l in attendu.splitlines() if l.startswith("- ")] or [attendu]
        for m in morceaux:
            assert f"  - {m}" in r.stdout, (ident, m)
        assert f"✗ {ident} : " in r.stdout, ident
    # La cellule géante n'est citée que coupée.
    assert ("capteur hors service " * 10)[:200] not in r.stdout


# --------------------------------------------------------------------------------------------
# make rapports PILOTE=… : un pilote, la ligne finale, le journal, les avertissements de calcul
# --------------------------------------------------------------------------------------------

MOBILITE = "mobilite-feux-bus-amiens"
CELLULE_AVERTISSEMENTS = """\
import warnings
import numpy as np
from statsmodels.tools.sm_exceptions import ConvergenceWarning
np.log(np.zeros(3))
warnings.warn("Maximum Likelihood optimization failed to converge.", ConvergenceWarning)
"""


@pytest.mark.lent
def test_make_rapports_un_pilote_journal_et_avertissements(tmp_path):
    carnets = tmp_path / "notebooks"
    shutil.copytree(config.NOTEBOOKS, carnets, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    nb = nbformat.read(carnets / "mobilite.ipynb", as_version=4)
    i = next(k for k, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("## L'économie"))
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell(CELLULE_AVERTISSEMENTS))
    nbformat.write(nb, carnets / "mobilite.ipynb")
    pilotes = tmp_path / "pilotes"
    for ident in (MOBILITE, VALIDE):
        shutil.copytree(config.PILOTES / ident, pilotes / ident)
    rapports = tmp_path / "rapports"
    env = dict(os.environ, EPROUVETTE_PILOTES=str(pilotes), EPROUVETTE_RAPPORTS=str(rapports),
               EPROUVETTE_NOTEBOOKS=str(carnets))

    r = _make("rapports", f"PILOTE={MOBILITE}", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 rapport à construire sur 1 pilote" in r.stdout, r.stdout
    index = (rapports / "index.html").resolve()
    assert r.stdout.rstrip().splitlines()[-1] == (
        f"Page d'accueil des rapports : {index} — {index.as_uri()}"), r.stdout
    assert (rapports / f"{MOBILITE}.html").is_file()
    assert not (rapports / f"{VALIDE}.html").exists()  # seul le pilote demandé est construit

    journal = (rapports / "journaux" / f"{MOBILITE}.log").read_text(encoding="utf-8")
    assert re.search(r"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d NOTE construction de " + MOBILITE + "$", journal)
    assert "NOTE exécution du carnet : " in journal and "NOTE durée totale : " in journal
    assert "AVERTISSEMENT avertissement de calcul" in journal
    assert "RuntimeWarning : divide by zero encountered in log" in journal
    assert "ConvergenceWarning : Maximum Likelihood optimization failed to converge." in journal
    assert "section « L'économie »" in journal
    # Les notes de l'analyse vont aussi au journal (la mobilité n'a pas de prix : l'économie n'est pas chiffrée).
    assert "eprouvette.analyse" in journal and "n'a pas de prix" in journal

    page = html.unescape((rapports / f"{MOBILITE}.html").read_text(encoding="utf-8"))
    assert "Avertissements de calcul" in page
    # Le texte du rapport passe par la typographie française (espaces insécables dans les guillemets).
    assert typographie.texte("Une division par zéro, dans la section « L'économie ».") in page
    assert typographie.texte("Une estimation qui n'a pas convergé, dans la section « L'économie ».") in page
    assert f"journaux/{MOBILITE}.log" in page
    for anglais in ("divide by zero", "RuntimeWarning", "ConvergenceWarning", "Maximum Likelihood"):
        assert anglais not in page, anglais
    resultats = json.loads((rapports / f"{MOBILITE}.json").read_text(encoding="utf-8"))
    assert resultats["avertissements_calcul"] == [
        "Une division par zéro, dans la section « L'économie ».",
        "Une estimation qui n'a pas convergé, dans la section « L'économie ».",
    ]

    # Un second passage silencieux : rien à reconstruire, seule la ligne finale.
    r = _lancer("eprouvette", "rapports", "-q", MOBILITE, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == f"Page d'accueil des rapports : {index} — {index.as_uri()}\n"


def test_carnet_arrete_sur_une_erreur_son_journal_garde_les_avertissements_deja_emis(tmp_path):
    """Une cellule qui échoue : le pilote est en échec, sans rapport ; son journal garde la trace de
    l'erreur et les avertissements émis par les cellules d'avant (le carnet exécuté en mémoire, que
    papermill ne rend pas quand il lève, est repris du moteur de papermill des rapports)."""
    carnets = tmp_path / "notebooks"
    shutil.copytree(config.NOTEBOOKS, carnets, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    nb = nbformat.read(carnets / "mobilite.ipynb", as_version=4)
    i = next(k for k, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells[i + 1:i + 1] = [nbformat.v4.new_code_cell(CELLULE_AVERTISSEMENTS),
                             nbformat.v4.new_code_cell('raise ValueError("panne volontaire du carnet")')]
    nbformat.write(nb, carnets / "mobilite.ipynb")
    pilotes = tmp_path / "pilotes"
    shutil.copytree(config.PILOTES / MOBILITE, pilotes / MOBILITE)
    rapports = tmp_path / "rapports"
    env = dict(os.environ, EPROUVETTE_PILOTES=str(pilotes), EPROUVETTE_RAPPORTS=str(rapports),
               EPROUVETTE_NOTEBOOKS=str(carnets))

    r = _lancer("eprouvette", "rapports", "-q", MOBILITE, env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Le carnet s'est arrêté sur une erreur inattendue (cellule " in r.stdout, r.stdout
    assert "ValueError : panne volontaire du carnet" in r.stdout, r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    assert not (rapports / f"{MOBILITE}.html").exists() and not (rapports / "carnets" / f"{MOBILITE}.ipynb").exists()
    journal = (rapports / "journaux" / f"{MOBILITE}.log").read_text(encoding="utf-8")
    assert "le carnet s'est arrêté sur une erreur" in journal and "panne volontaire du carnet" in journal
    assert "RuntimeWarning : divide by zero encountered in log" in journal, journal
    assert "ConvergenceWarning : Maximum Likelihood optimization failed to converge." in journal, journal


def test_erreur_de_donnees_dans_un_carnet_sans_trace(tmp_path):
    """Dans JupyterLab (IPython), une erreur de données de la première cellule est dite en français,
    sans trace Python : le message de la lecture, le fichier, la ligne."""
    from test_lecture import faire_pilote

    try:
        faire_pilote(tmp_path, {"mesures.csv": "date;site;indicateur;valeur\n2023-02-30;ecole-jean-jaures;"
                                               "consommation_chauffage;812,4\n"})
    except Exception:
        pass
    dossier = next(tmp_path.iterdir())
    code = ("from IPython.core.interactiveshell import InteractiveShell\n"
            "sh = InteractiveShell.instance()\n"
            f"sh.run_cell({f'from eprouvette.analyse import analyser_pilote; analyser_pilote({str(dossier)!r})'!r})\n")
    r = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=300)
    sortie = r.stdout + r.stderr
    assert "Erreur dans les données du pilote" in sortie, sortie
    assert "mesures.csv, ligne 2, colonne « date » : « 2023-02-30 » n'est pas une date du calendrier." in sortie
    assert "Traceback" not in sortie and "File " not in sortie, sortie
