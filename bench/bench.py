"""`make bench` : les mesures de performance d'Éprouvette, côte à côte, en un seul passage.

1. reconstruction complète du portefeuille d'exemple : notre lanceur contre une chaîne naïve
   (papermill en ligne de commande puis ``jupyter nbconvert --to html --no-input``, un pilote
   après l'autre) : temps écoulé, temps CPU, rapport ;
2. ``make rapports`` sans changement, et reconstruction après modification d'un seul pilote
   (comparée à la construction d'un rapport seul) ;
3. un pilote eau de 10 millions de relevés de compteurs (``bench/generer_pilote_massif.py``) :
   rapport construit de bout en bout par le lanceur (temps, mémoire de crête de tout l'arbre de
   processus, noyau Jupyter compris, par ``bench/memoire.py``), agrégation DuckDB seule
   (:mod:`eprouvette.lecture_massive`) et ``pandas.read_csv`` du même fichier ;
4. la référence énergétique d'Éprouvette contre OpenEEmeter (``opendsm``, dans un environnement
   virtuel séparé ``bench/.venv-opendsm``) sur les échantillons fournis avec OpenEEmeter (économie
   vraie 10 %) : économie estimée et temps d'ajustement, avec la température horaire, la moyenne du
   jour, et les seules minimales et maximales du jour (TN, TX, ce que donne un fichier Météo-France) ;
5. taille de chaque rapport HTML et de chaque carnet exécuté ;
6. un pilote énergie à relevés horaires de 1, 2 et 3 millions de lignes en ``.csv.gz`` déclaré dans
   ``fichiers.mesures`` (le chemin de lecture ordinaire, ``bench/generer_pilote_horaire_massif.py``) :
   rapport construit par le lanceur, temps, temps CPU et mémoire de crête de tout l'arbre de
   processus (``bench/memoire.py``), et la lecture seule (``lecture.lire_tableau``) du même fichier.

Tout se passe dans des copies, dans un dossier temporaire (variables EPROUVETTE_PILOTES et
EPROUVETTE_RAPPORTS) : rien n'est écrit dans donnees/ ni dans rapports/ du dépôt. Les chiffres
vont dans bench/resultats/derniers.json et sont affichés en Markdown à la fin.

    .venv/bin/python bench/bench.py [--sans 4] [--seulement 6] [--compteurs 1000] [--jours 425]
                                    [--millions 1 2 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RACINE = BENCH.parent
PY = sys.executable
VENV_OPENDSM = BENCH / ".venv-opendsm"
PAQUETS_OPENDSM = ["opendsm==1.2.7", "pandas<3", "scikit-learn<1.6", "multimethod<2", "pytz"]


def _journal(*morceaux) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}]", *morceaux, flush=True)


def _mesurer(cmd: list[str], env: dict | None = None, cwd: Path | None = None, verifier=True) -> dict:
    """Temps écoulé et temps CPU (utilisateur + système, descendants compris) d'une commande."""
    avant = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    mur = time.perf_counter() - t0
    apres = resource.getrusage(resource.RUSAGE_CHILDREN)
    if verifier and r.returncode != 0:
        raise RuntimeError(f"échec de {' '.join(map(str, cmd))} :\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")
    cpu = (apres.ru_utime - avant.ru_utime) + (apres.ru_stime - avant.ru_stime)
    return {"mur_s": round(mur, 2), "cpu_s": round(cpu, 2), "code": r.returncode, "sortie": r.stdout[-4000:]}


#: Copie figée du dépôt (code, carnets, schémas…) : d'autres personnes peuvent modifier le dépôt
#: pendant le banc, ce qui changerait l'empreinte de la bibliothèque et fausserait les mesures
#: incrémentales. Remplie par `_figer_depot`.
DEPOT = RACINE


def _figer_depot(tmp: Path) -> Path:
    global DEPOT
    copie = tmp / "depot"
    copie.mkdir()
    ignorer = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")
    for nom in ("lib", "notebooks"):
        shutil.copytree(RACINE / nom, copie / nom, ignore=ignorer)
    for nom in ("schemas", "parametres", "referentiel"):
        if (RACINE / "donnees" / nom).exists():
            shutil.copytree(RACINE / "donnees" / nom, copie / "donnees" / nom, ignore=ignorer)
    for nom in ("Makefile", "pyproject.toml", "requirements-verrou.txt"):
        if (RACINE / nom).exists():
            shutil.copy2(RACINE / nom, copie / nom)
    # `make rapports` passe par la cible js-si-possible (outils/paquets_js.py) ; les paquets JavaScript déjà
    # construits (plotly.js réduit, axe-core, témoin .installe) sont repris tels quels, dates comprises, sans
    # le dossier npm : les rapports du banc emportent le même plotly.js que ceux du dépôt.
    shutil.copytree(RACINE / "outils", copie / "outils", ignore=ignorer)
    js = RACINE / ".cache" / "js"
    if js.is_dir():
        (copie / ".cache" / "js").mkdir(parents=True)
        for f in js.iterdir():
            if f.is_file():
                shutil.copy2(f, copie / ".cache" / "js" / f.name)
    # Compilée comme une installation (ou le dépôt après sa première construction) : sans cela, la première
    # mesure (notre lanceur) paierait seule la compilation de la bibliothèque, dans chacun de ses processus
    # (lanceur, pool, modèle de noyau), et la chaîne naïve, mesurée ensuite, en profiterait.
    import compileall

    compileall.compile_dir(str(copie / "lib"), quiet=1)
    DEPOT = copie
    return copie


def _env(pilotes: Path, rapports: Path) -> dict:
    env = dict(os.environ)
    env.update(EPROUVETTE_PILOTES=str(pilotes), EPROUVETTE_RAPPORTS=str(rapports),
               EPROUVETTE_RACINE=str(DEPOT), PYTHONPATH=str(DEPOT / "lib"), PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def _charge() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


# --------------------------------------------------------------------------------------------
# 1, 2, 5 : le portefeuille d'exemple
# --------------------------------------------------------------------------------------------


def mesurer_portefeuille(tmp: Path) -> dict:
    source = RACINE / "donnees" / "pilotes"
    pilotes = tmp / "pilotes"
    shutil.copytree(source, pilotes, ignore=shutil.ignore_patterns(".*", "_*"))
    ids = sorted(p.name for p in pilotes.iterdir() if p.is_dir())
    res: dict = {"pilotes": ids}

    # (1a) notre lanceur, reconstruction complète
    rapports = tmp / "rapports-lanceur"
    env = _env(pilotes, rapports)
    _journal(f"(1) lanceur : reconstruction complète de {len(ids)} pilote(s)…")
    lanceur = _mesurer([PY, "-m", "eprouvette.rapports", "--tout"], env=env, cwd=DEPOT, verifier=False)
    res["lanceur"] = {k: lanceur[k] for k in ("mur_s", "cpu_s", "code")}
    etats = {i: json.loads((rapports / ".etat" / f"{i}.json").read_text()) for i in ids
             if (rapports / ".etat" / f"{i}.json").exists()}
    res["lanceur"]["reussis"] = sum(e.get("statut") == "reussi" for e in etats.values())

    # (1b) chaîne naïve : CLI papermill puis CLI nbconvert, un pilote après l'autre
    naif = tmp / "naif"
    naif.mkdir()
    _journal("(1) chaîne naïve : papermill puis jupyter nbconvert en ligne de commande…")
    mur = cpu = 0.0
    reussis = 0
    jupyter = str(Path(PY).with_name("jupyter"))
    papermill = str(Path(PY).with_name("papermill"))
    import yaml

    for i in ids:
        domaine = yaml.safe_load((pilotes / i / "pilote.yaml").read_text(encoding="utf-8"))["domaine"]
        carnet = DEPOT / "notebooks" / f"{domaine}.ipynb"
        sortie = naif / f"{i}.ipynb"
        a = _mesurer([papermill, str(carnet), str(sortie), "-p", "dossier_pilote", str(pilotes / i),
                      "--cwd", str(DEPOT / "notebooks"), "-k", "python3", "--no-progress-bar"],
                     env=env, verifier=False)
        b = _mesurer([jupyter, "nbconvert", "--to", "html", "--no-input", str(sortie)], env=env, verifier=False)
        mur += a["mur_s"] + b["mur_s"]
        cpu += a["cpu_s"] + b["cpu_s"]
        reussis += (a["code"] == 0 and b["code"] == 0)
    res["naif"] = {"mur_s": round(mur, 2), "cpu_s": round(cpu, 2), "reussis": reussis}
    res["rapport_mur"] = round(mur / lanceur["mur_s"], 2)
    res["rapport_cpu"] = round(cpu / lanceur["cpu_s"], 2) if lanceur["cpu_s"] else None

    # (2) make rapports sans changement
    _journal("(2) make rapports sans changement…")
    # Le vrai Makefile (copié), avec l'interpréteur du projet et sans refaire l'environnement.
    rien = _mesurer(["make", "-s", "rapports", f"PYTHON={PY}", "ENV_STAMP="], env=env, cwd=DEPOT)
    res["sans_changement"] = {"commande": "make rapports", "mur_s": rien["mur_s"]}
    res["sans_changement"]["rien_reconstruit"] = "rien à reconstruire" in rien["sortie"]

    # (2) un seul pilote modifié, comparé à un rapport construit seul
    cible = ids[0]
    _journal(f"(2) un rapport seul ({cible}), puis un pilote modifié…")
    seul = _mesurer([PY, "-m", "eprouvette.rapports", "--tout", cible], env=env, cwd=DEPOT)
    with open(pilotes / cible / "pilote.yaml", "a", encoding="utf-8") as f:
        f.write("# modifié par bench/bench.py\n")
    un = _mesurer([PY, "-m", "eprouvette.rapports"], env=env, cwd=DEPOT)
    n_construits = re.search(r"(\d+) rapport\(s\) à construire", un["sortie"])
    res["un_pilote_modifie"] = {
        "un_rapport_seul_mur_s": seul["mur_s"], "mur_s": un["mur_s"],
        "rapport": round(un["mur_s"] / seul["mur_s"], 2),
        "reconstruits": int(n_construits.group(1)) if n_construits else None,
    }

    # (5) tailles
    res["tailles"] = {
        i: {"html_o": (rapports / f"{i}.html").stat().st_size if (rapports / f"{i}.html").exists() else None,
            "carnet_o": (rapports / "carnets" / f"{i}.ipynb").stat().st_size
            if (rapports / "carnets" / f"{i}.ipynb").exists() else None,
            "html_naif_o": (naif / f"{i}.html").stat().st_size if (naif / f"{i}.html").exists() else None}
        for i in ids
    }
    return res


# --------------------------------------------------------------------------------------------
# 3 : un pilote de 10 millions de relevés, du fichier au rapport
# --------------------------------------------------------------------------------------------

# Agrégation seule (ce que fait charger_mesures pour des relevés de compteurs), résultat écrit
# pour comparer les totaux à ceux de pandas.
_SCRIPT_DUCKDB = """
import sys, time
t = time.perf_counter()
from eprouvette.lecture_massive import agreger_releves
df = agreger_releves(sys.argv[1], groupes=sys.argv[2], indicateur_defaut=sys.argv[3])
df[["date", "site", "valeur"]].to_parquet(sys.argv[4])
print("durees", df.attrs.get("durees_s"), "lignes", df.attrs["lignes"], "en", round(time.perf_counter() - t, 2), "s")
"""

# pandas.read_csv du même fichier, sans aucun contrôle, puis les mêmes totaux par secteur et par jour.
_SCRIPT_PANDAS = """
import sys, time
t = time.perf_counter()
import pandas as pd
df = pd.read_csv(sys.argv[1], sep=";", decimal=",")
t_lu = time.perf_counter() - t
groupes = pd.read_csv(sys.argv[2], sep=";", dtype=str).set_index("compteur")["groupe"]
df["site"] = df["compteur"].map(groupes)
df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d %H:%M:%S").dt.normalize()
agr = df.groupby(["date", "site"], as_index=False)["valeur"].sum()
agr.to_parquet(sys.argv[4])
print("lecture", round(t_lu, 2), "s ;", len(df), "lignes ; total", round(time.perf_counter() - t, 2), "s")
"""

# Décomposition du temps du carnet, dans un seul processus : agrégation (charger_mesures), reste de
# l'analyse, sections du rapport (figures comprises).
_SCRIPT_DECOMPOSITION = """
import json, sys, time
t = time.perf_counter()
from eprouvette import analyse as an, lecture
from eprouvette.pilote import charger_pilote
imports = time.perf_counter() - t
t = time.perf_counter()
mesures = lecture.charger_mesures(charger_pilote(sys.argv[1]))
agregation = time.perf_counter() - t
an.charger_mesures = lambda pilote: mesures
t = time.perf_counter()
a = an.analyser_pilote(sys.argv[1])
analyse = time.perf_counter() - t
t = time.perf_counter()
from eprouvette.presentation import figures, sections, sections_eau
figures.activer_rendu_rapport()
blocs = [sections.essentiel(a), sections.graphique_essentiel(a), *sections.donnees(a),
         *sections_eau.graphique_debit_nocturne(a), *sections.resultats(a), *sections_eau.graphique_pertes(a),
         *sections.robustesse(a), *sections.economie(a)]
presentation = time.perf_counter() - t
print(json.dumps({"imports_s": imports, "agregation_s": agregation, "analyse_s": analyse,
                  "sections_s": presentation, "jours_secteurs": len(mesures)}))
"""


def _memoire(cmd: list[str], env: dict, cwd: Path | None = None) -> dict:
    """Temps et mémoire de crête de l'arbre de processus de ``cmd`` (bench/memoire.py)."""
    r = subprocess.run([PY, str(BENCH / "memoire.py"), "--", *cmd], env=env, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip():
        return {"erreur": (r.stderr or r.stdout)[-2000:]}
    res = json.loads(r.stdout.strip().splitlines()[-1])
    if res["code"] != 0:
        res["erreur"] = r.stderr[-2000:]
    res["journal"] = r.stderr[-600:]
    return res


def mesurer_gros_fichier(tmp: Path, compteurs: int, jours: int) -> dict:
    """Un pilote eau de ``compteurs`` × ``jours`` × 24 relevés construit par le lanceur, contre pandas."""
    sys.path.insert(0, str(BENCH))
    import pandas as pd
    import yaml
    from generer_pilote_massif import IDENTIFIANT, INDICATEUR, generer_pilote

    pilotes = tmp / "massif" / "pilotes"
    dossier = pilotes / IDENTIFIANT
    _journal(f"(3) génération d'un pilote de {compteurs * jours * 24:,} relevés…".replace(",", " "))
    gen = generer_pilote(dossier, compteurs=compteurs, jours=jours)
    fichier, groupes = dossier / gen["fichier"], dossier / "groupes.csv"
    res: dict = {"lignes": gen["releves"], "compteurs": compteurs, "jours": jours,
                 "taille_fichier_mo": gen["taille_fichier_mo"], "generation_s": gen["generation_s"],
                 "effet_vrai_m3_jour": gen["effet_vrai"]["effet_m3_jour"],
                 "effet_vrai_relatif": gen["effet_vrai"]["effet_relatif"]}
    rapports = tmp / "massif" / "rapports"
    env = _env(pilotes, rapports)

    # (3a) le rapport, de bout en bout : lanceur + noyau Jupyter (DuckDB, analyse, figures) + HTML.
    _journal("(3) rapport du pilote massif par le lanceur…")
    rapport = _memoire([PY, "-m", "eprouvette.rapports", IDENTIFIANT], env=env, cwd=DEPOT)
    html = rapports / f"{IDENTIFIANT}.html"
    rapport["html_ecrit"] = html.exists()
    if html.exists():
        rapport["html_mo"] = round(html.stat().st_size / 1e6, 2)
        carnet = rapports / "carnets" / f"{IDENTIFIANT}.ipynb"
        rapport["carnet_ko"] = round(carnet.stat().st_size / 1e3, 1) if carnet.exists() else None
        journal = (rapports / "journaux" / f"{IDENTIFIANT}.log")
        if journal.exists():
            for cle, motif in (("execution_carnet_s", r"exécution du carnet : ([\d.]+) s"),
                               ("conversion_html_s", r"conversion HTML : ([\d.]+) s")):
                m = re.search(motif, journal.read_text(encoding="utf-8"))
                rapport[cle] = float(m.group(1)) if m else None
        resultats = json.loads((rapports / f"{IDENTIFIANT}.json").read_text(encoding="utf-8"))
        rapport["verdict"] = resultats.get("verdict_libelle") or resultats.get("verdict")
        rapport["effet_m3_jour"] = resultats.get("effet")
        rapport["ic95_m3_jour"] = [resultats.get("ic_bas"), resultats.get("ic_haut")]
        rapport["effet_relatif"] = resultats.get("effet_relatif")
        # Le secret des compteurs : aucun identifiant dans les sorties.
        motif = re.compile(r"D24EA\d{6}")
        rapport["identifiant_compteur_en_sortie"] = any(
            motif.search(p.read_text(encoding="utf-8", errors="replace"))
            for p in rapports.rglob("*") if p.is_file() and p.suffix in (".html", ".json", ".ipynb", ".log"))
    rapport.pop("sortie", None)
    res["rapport"] = rapport

    # (3b) l'agrégation seule (DuckDB, contrôles compris) et (3c) pandas.read_csv du même fichier.
    agregats = {}
    for nom, script in (("duckdb", _SCRIPT_DUCKDB), ("pandas", _SCRIPT_PANDAS)):
        _journal(f"(3) {nom} seul…")
        agregats[nom] = tmp / "massif" / f"agregat-{nom}.parquet"
        res[nom] = _memoire([PY, "-c", script, str(fichier), str(groupes), INDICATEUR, str(agregats[nom])], env=env)
    if all(p.exists() for p in agregats.values()):
        a = pd.read_parquet(agregats["duckdb"]).sort_values(["site", "date"]).reset_index(drop=True)
        b = pd.read_parquet(agregats["pandas"]).sort_values(["site", "date"]).reset_index(drop=True)
        res["memes_totaux"] = bool(len(a) == len(b) and (a["site"].to_numpy() == b["site"].to_numpy()).all()
                                   and ((a["valeur"] - b["valeur"]).abs() <= 1e-9 * b["valeur"].abs().max()).all())

    # (3d) où va le temps du carnet (un seul processus, hors Jupyter).
    _journal("(3) décomposition du temps de l'analyse…")
    r = subprocess.run([PY, "-c", _SCRIPT_DECOMPOSITION, str(dossier)], env=env, capture_output=True, text=True)
    res["decomposition"] = (json.loads(r.stdout.strip().splitlines()[-1]) if r.returncode == 0
                            else {"erreur": r.stderr[-1500:]})
    res["verite"] = yaml.safe_load((dossier / "verite.yaml").read_text(encoding="utf-8"))["effet_vrai"]
    return res


# --------------------------------------------------------------------------------------------
# 6 : des millions de relevés horaires dans fichiers.mesures (lecture ordinaire, par morceaux)
# --------------------------------------------------------------------------------------------

_SCRIPT_LECTURE = """
import sys, time
t = time.perf_counter()
from eprouvette.lecture import lire_tableau
df = lire_tableau(sys.argv[1], "mesures")
print("lignes", len(df), "en", round(time.perf_counter() - t, 2), "s")
"""


#: Un petit fichier ordinaire (10 000 lignes journalières, Windows-1252, décimale virgule) lu d'un
#: seul tenant : la cible de vitesse (< 1 s) se tient ici, pas dans un test chronométré.
_SCRIPT_PETIT_FICHIER = """
import datetime as dt, json, sys, time
from pathlib import Path
from eprouvette.lecture import lire_tableau
debut = dt.date(2020, 1, 1)
lignes = [f"{debut + dt.timedelta(days=i // 4)};site-{i % 4};consommation_chauffage;{i * 1.5:.1f}".replace(".", ",")
          for i in range(10_000)]
chemin = Path(sys.argv[1])
chemin.write_bytes(("date;site;indicateur;valeur\\n" + "\\n".join(lignes) + "\\n").encode("cp1252"))
lire_tableau(chemin, "mesures")  # échauffement (imports, schéma en cache)
durees, cpu = [], []
for _ in range(3):
    t0, c0 = time.perf_counter(), time.process_time()
    df = lire_tableau(chemin, "mesures")
    durees.append(round(time.perf_counter() - t0, 3))
    cpu.append(round(time.process_time() - c0, 3))
assert len(df) == 10_000
print(json.dumps({"lignes": len(df), "meilleure_s": min(durees), "durees_s": durees, "meilleure_cpu_s": min(cpu)}))
"""


def mesurer_petit_fichier(tmp: Path) -> dict:
    """Lecture d'un petit fichier ordinaire (10 000 lignes) : meilleure de trois lectures (temps écoulé
    et temps CPU, le chiffre à lire quand la machine est chargée) ; cible < 1 s."""
    _journal("(6) lecture d'un petit fichier de 10 000 lignes…")
    env = dict(os.environ, PYTHONPATH=str(DEPOT / "lib"), EPROUVETTE_RACINE=str(DEPOT))
    r = subprocess.run([PY, "-c", _SCRIPT_PETIT_FICHIER, str(tmp / "petit-fichier.csv")], env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        return {"erreur": r.stderr[-1500:]}
    res = json.loads(r.stdout.strip().splitlines()[-1])
    res["charge"] = _charge()
    return res


def mesurer_mesures_massives(tmp: Path, millions: list[float]) -> dict:
    """Pilote horaire de ``n`` millions de lignes (.csv.gz, fichiers.mesures) : rapport et lecture seule."""
    res: dict = {}
    for n in millions:
        cle = f"{n:g}M"
        pilotes = tmp / "mesures-massives" / cle / "pilotes"
        rapports = tmp / "mesures-massives" / cle / "rapports"
        env = _env(pilotes, rapports)
        from generer_pilote_horaire_massif import generer  # noqa: E402 (bench/ est dans sys.path)

        _journal(f"(6) génération d'un pilote horaire de {n:g} million(s) de lignes…")
        gen = generer(pilotes / "energie-thermostats-massif", lignes=int(n * 1_000_000))
        fichier = pilotes / "energie-thermostats-massif" / "mesures.csv.gz"
        ligne = {"lignes": gen["lignes"], "sites": gen["sites"], "taille_fichier_mo": gen["taille_fichier_mo"],
                 "charge_avant": _charge()}
        _journal(f"(6) rapport de {cle} par le lanceur…")
        r = _memoire([PY, "-m", "eprouvette.rapports", gen["identifiant"]], env=env, cwd=DEPOT)
        journal = rapports / "journaux" / f"{gen['identifiant']}.log"
        if journal.exists():
            m = re.search(r"exécution du carnet : ([\d.]+) s", journal.read_text(encoding="utf-8"))
            r["execution_carnet_s"] = float(m.group(1)) if m else None
        resultats = rapports / f"{gen['identifiant']}.json"
        if resultats.exists():
            r["verdict"] = json.loads(resultats.read_text(encoding="utf-8")).get("verdict_libelle")
        r.pop("sortie", None)
        ligne["rapport"] = r
        _journal(f"(6) lecture seule de {cle}…")
        ligne["lecture"] = _memoire([PY, "-c", _SCRIPT_LECTURE, str(fichier)], env=env)
        ligne["charge_apres"] = _charge()
        res[cle] = ligne
        shutil.rmtree(pilotes.parent, ignore_errors=True)
    return res


# --------------------------------------------------------------------------------------------
# 4 : référence énergétique contre OpenEEmeter
# --------------------------------------------------------------------------------------------


def _venv_opendsm() -> Path:
    python = VENV_OPENDSM / "bin" / "python"
    if not python.exists():
        _journal("(4) création de bench/.venv-opendsm…")
        subprocess.run([sys.executable, "-m", "venv", str(VENV_OPENDSM)], check=True)
    ok = subprocess.run([str(python), "-c", "import opendsm"], capture_output=True).returncode == 0
    if not ok:
        _journal("(4) installation d'opendsm dans bench/.venv-opendsm (quelques minutes)…")
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PAQUETS_OPENDSM], check=True)
    return python


def mesurer_reference_energetique(tmp: Path) -> dict:
    python = _venv_opendsm()
    donnees = tmp / "openeemeter"
    donnees.mkdir()
    _journal("(4) OpenEEmeter : ajustement sur ses échantillons…")
    r = subprocess.run([str(python), str(BENCH / "openeemeter.py"), str(donnees)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("OpenEEmeter a échoué :\n" + r.stderr[-3000:])
    eem = json.loads(r.stdout.strip().splitlines()[-1])
    _journal("(4) Éprouvette : référence ajustée au climat sur les mêmes données…")
    r = subprocess.run([PY, str(BENCH / "reference_eprouvette.py"), str(donnees)], capture_output=True, text=True,
                       env=_env(tmp, tmp / "r"))
    if r.returncode != 0:
        raise RuntimeError("La référence d'Éprouvette a échoué :\n" + r.stderr[-3000:])
    notre = json.loads(r.stdout.strip().splitlines()[-1])
    # Même définition (1 - Σ observé / Σ prédit sur les jours de rapport) et mêmes jours des deux côtés :
    # bench/openeemeter.py exporte les jours qu'OpenEEmeter a ajustés et prédits, on vérifie qu'on les a tous.
    memes_jours = all(notre.get("jours", {}).get(nom) == j for nom, j in eem.get("jours", {}).items())
    notre_moyenne = notre.get("variantes", {}).get("moyenne", {})
    notre_tn_tx = notre.get("variantes", {}).get("tn_tx", {})
    return {"openeemeter": eem, "eprouvette": notre, "eprouvette_temperature_moyenne": notre_moyenne,
            "eprouvette_tn_tx": notre_tn_tx,
            "memes_jours": memes_jours,
            "definition": "économie = 1 - Σ observé / Σ prédit sur les jours de rapport, par compteur ; "
                          "portefeuille = Σ économies / Σ contrefactuels"}


# --------------------------------------------------------------------------------------------


def _markdown(res: dict) -> str:
    l = []
    p = res.get("portefeuille")
    if p:
        l += ["| Mesure | Éprouvette | Chaîne naïve | Rapport |", "|---|---|---|---|",
              f"| Reconstruction complète ({len(p['pilotes'])} pilotes), temps écoulé | {p['lanceur']['mur_s']} s | "
              f"{p['naif']['mur_s']} s | ×{p['rapport_mur']} |",
              f"| idem, temps CPU | {p['lanceur']['cpu_s']} s | {p['naif']['cpu_s']} s | ×{p['rapport_cpu']} |", ""]
        s, u = p["sans_changement"], p["un_pilote_modifie"]
        l += [f"- `{s['commande']}` sans changement : {s['mur_s']} s (rien reconstruit : {s['rien_reconstruit']})",
              f"- un pilote modifié : {u['mur_s']} s ({u['reconstruits']} rapport reconstruit) ; un rapport seul : "
              f"{u['un_rapport_seul_mur_s']} s ; rapport ×{u['rapport']}", ""]
        l += ["| Rapport | HTML | Carnet exécuté | HTML chaîne naïve |", "|---|---|---|---|"]
        for i, t in p["tailles"].items():
            f = lambda o, d=1e6, u="Mo": f"{o / d:.2f} {u}" if o else "—"
            l.append(f"| {i} | {f(t['html_o'])} | {f(t['carnet_o'], 1e3, 'ko')} | {f(t['html_naif_o'])} |")
        l.append("")
    g = res.get("gros_fichier")
    if g:
        l += [f"Pilote eau de {g['compteurs']} compteurs × {g['jours']} jours : "
              f"{g['lignes']:,}".replace(",", " ") + " relevés horaires, " +
              f"CSV gzip « ; » décimale virgule, {g['taille_fichier_mo']} Mo", "",
              "| | Temps écoulé | Mémoire de crête, plus gros processus | Somme sur l'arbre de processus | ru_maxrss des descendants |",
              "|---|---|---|---|---|"]
        noms = {"rapport": "Rapport de bout en bout (lanceur + noyau Jupyter + HTML)",
                "duckdb": "Agrégation seule (DuckDB, contrôles compris)",
                "pandas": "`pandas.read_csv` + `groupby` (aucun contrôle)"}
        for k, libelle in noms.items():
            d = g.get(k, {})
            if "mur_s" in d and not d.get("erreur"):
                l.append(f"| {libelle} | {d['mur_s']} s | {d['max_processus_mo']:.0f} Mo | {d['max_somme_mo']:.0f} Mo | "
                         f"{d['max_rss_enfants_mo']:.0f} Mo |")
            elif d:
                l.append(f"| {libelle} | échec | | | |")
        r, dec = g.get("rapport", {}), g.get("decomposition", {})
        if "verdict" in r:
            ic = r["ic95_m3_jour"]
            l += ["", f"- Rapport : HTML {r['html_mo']} Mo, carnet exécuté {r['carnet_ko']} ko ; exécution du carnet "
                      f"{r.get('execution_carnet_s')} s, conversion HTML {r.get('conversion_html_s')} s ; identifiant de "
                      f"compteur dans les sorties : {r['identifiant_compteur_en_sortie']}",
                  f"- Effet estimé {r['effet_m3_jour']:.1f} m³/j [{ic[0]:.1f} ; {ic[1]:.1f}] pour un effet vrai de "
                  f"{g['effet_vrai_m3_jour']:.1f} m³/j ({100 * g['effet_vrai_relatif']:.1f} %) ; verdict : {r['verdict']}"]
        if "agregation_s" in dec:
            l.append(f"- Décomposition (un processus, hors Jupyter) : imports {dec['imports_s']:.1f} s, agrégation "
                     f"{dec['agregation_s']:.1f} s, analyse {dec['analyse_s']:.1f} s, sections et figures "
                     f"{dec['sections_s']:.1f} s")
        l += [f"- Totaux DuckDB et pandas identiques : {g.get('memes_totaux')}", ""]
    mm = res.get("mesures_massives")
    if mm:
        l += ["Relevés horaires dans `fichiers.mesures` (`.csv.gz`, « ; », décimale virgule, lecture par morceaux)", "",
              "| Lignes | Fichier | Rapport : temps écoulé | temps CPU | crête, plus gros processus | somme sur l'arbre "
              "| Lecture seule : temps écoulé | CPU | crête | Charge (avant → après) |",
              "|---|---|---|---|---|---|---|---|---|---|"]
        for cle, d in mm.items():
            r, lu = d.get("rapport", {}), d.get("lecture", {})
            if r.get("erreur") or lu.get("erreur"):
                l.append(f"| {d['lignes']:,} | {d['taille_fichier_mo']} Mo | échec | | | | | | | |".replace(",", " "))
                continue
            lignes = f"{d['lignes']:,}".replace(",", " ")
            l.append(f"| {lignes} | {d['taille_fichier_mo']} Mo | {r['mur_s']} s | {r['cpu_s']} s | "
                     f"{r['max_processus_mo']:.0f} Mo | {r['max_somme_mo']:.0f} Mo | {lu['mur_s']} s | {lu['cpu_s']} s | "
                     f"{lu['max_processus_mo']:.0f} Mo | {d['charge_avant']} → {d['charge_apres']} |")
        l.append("")
    pf = res.get("petit_fichier")
    if pf:
        l += [f"Petit fichier ordinaire (10 000 lignes journalières, Windows-1252, lu d'un seul tenant) : "
              + (f"meilleure de 3 lectures {pf['meilleure_s']} s écoulées, {pf.get('meilleure_cpu_s')} s de CPU "
                 f"(cible < 1 s ; {pf['durees_s']}, charge {pf['charge']})"
                 if "meilleure_s" in pf else "échec"), ""]
    e = res.get("reference_energetique")
    if e:
        l += ["| | Économie du portefeuille (vraie : 10 %) | Erreur absolue moyenne par échantillon | Temps d'ajustement |",
              "|---|---|---|---|"]
        noms = {"eprouvette": "Éprouvette, degrés-heures (température horaire)",
                "eprouvette_temperature_moyenne": "Éprouvette, température moyenne du jour",
                "eprouvette_tn_tx": "Éprouvette, TN et TX du jour seulement (profil reconstitué)",
                "openeemeter": "OpenEEmeter (DailyModel)"}
        for k, libelle in noms.items():
            d = e.get(k)
            if not d:
                continue
            eam = sum(abs(v - 10) for v in d["par_echantillon_pct"].values()) / len(d["par_echantillon_pct"])
            l.append(f"| {libelle} | {d['economie_pct']:.2f} % | {eam:.2f} pt | {d['ajustement_s']:.2f} s |")
        moy = e.get("eprouvette_temperature_moyenne", {}).get("par_echantillon_pct", {})
        tntx = e.get("eprouvette_tn_tx", {}).get("par_echantillon_pct", {})
        l += ["", "| Échantillon | Éprouvette, degrés-heures (IC 95 %) | Éprouvette, température moyenne | "
                  "Éprouvette, TN et TX seulement | OpenEEmeter |",
              "|---|---|---|---|---|"]
        for nom, v in e["eprouvette"]["par_echantillon_pct"].items():
            ic = e["eprouvette"].get("ic95_par_echantillon_pct", {}).get(nom)
            ic_txt = f" [{ic[0]:.1f} ; {ic[1]:.1f}]" if ic else ""
            l.append(f"| {nom} | {v:.2f} %{ic_txt} | {moy.get(nom, float('nan')):.2f} % | "
                     f"{tntx.get(nom, float('nan')):.2f} % | "
                     f"{e['openeemeter']['par_echantillon_pct'].get(nom, float('nan')):.2f} % |")
        l += ["", f"- Mêmes jours ajustés et prédits des deux côtés : {e.get('memes_jours')}", ""]
    if res.get("portefeuille_genere"):
        import portefeuille_genere

        l += ["### Portefeuille généré (partie 7)", "", portefeuille_genere.markdown(res["portefeuille_genere"]), ""]
    return "\n".join(l)


def main() -> int:
    ap = argparse.ArgumentParser(description="Mesures de performance d'Éprouvette")
    ap.add_argument("--sans", type=int, action="append", default=[], help="sauter la partie 1/2/5 (1), 3, 4, 6 ou 7")
    ap.add_argument("--seulement", type=int, action="append", default=[],
                    help="ne lancer que cette partie (1 pour 1/2/5, 3, 4, 6 ou 7) ; répétable")
    ap.add_argument("--millions", type=float, nargs="+", default=[1, 2, 3],
                    help="partie 6 : tailles des pilotes horaires, en millions de lignes")
    ap.add_argument("--compteurs", type=int, default=1000)
    ap.add_argument("--jours", type=int, default=425)
    ap.add_argument("--dossier-portefeuille", type=Path, default=None,
                    help="partie 7 : dossier (gardé) du portefeuille généré et de ses sorties")
    a = ap.parse_args()
    if a.seulement:
        a.sans += [k for k in (1, 3, 4, 6, 7) if k not in a.seulement]
    res: dict = {"date": datetime.now().isoformat(timespec="seconds"), "machine": {
        "coeurs": len(os.sched_getaffinity(0)), "processeur": platform.processor() or platform.machine(),
        "python": platform.python_version(), "charge_debut": _charge()}}
    with tempfile.TemporaryDirectory(prefix="eprouvette-bench-") as d:
        tmp = Path(d)
        _figer_depot(tmp)
        if 1 not in a.sans:
            res["portefeuille"] = mesurer_portefeuille(tmp)
        if 3 not in a.sans:
            res["gros_fichier"] = mesurer_gros_fichier(tmp, a.compteurs, a.jours)
        if 4 not in a.sans:
            res["reference_energetique"] = mesurer_reference_energetique(tmp)
        if 7 not in a.sans:
            import portefeuille_genere

            res["portefeuille_genere"] = portefeuille_genere.mesurer(
                DEPOT, a.dossier_portefeuille or tmp / "portefeuille-genere",
                sortie=BENCH / "resultats" / "portefeuille-genere.json")
        if 6 not in a.sans:
            sys.path[:0] = [str(BENCH), str(DEPOT / "lib")]
            res["petit_fichier"] = mesurer_petit_fichier(tmp)
            res["mesures_massives"] = mesurer_mesures_massives(tmp, a.millions)
    res["machine"]["charge_fin"] = _charge()
    sortie = BENCH / "resultats" / "derniers.json"
    sortie.parent.mkdir(exist_ok=True)
    sortie.write_text(json.dumps(res, ensure_ascii=False, indent=2))
    print()
    print(f"## Mesures du {res['date']} ({res['machine']['coeurs']} cœurs, charge {res['machine']['charge_debut']} → "
          f"{res['machine']['charge_fin']})\n")
    print(_markdown(res))
    print(f"(détail : {sortie.relative_to(RACINE)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
