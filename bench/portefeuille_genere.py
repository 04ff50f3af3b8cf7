"""Partie 7 du banc : un portefeuille généré de 20 puis 200 pilotes, construit par le pool local puis par
une grappe Dask locale (``--dask local``), et sa page dans Chromium.

- le portefeuille est écrit par ``python -m eprouvette portefeuille-genere`` (même graine : les 20 pilotes
  sont les 20 premiers des 200) dans le dossier du banc, jamais dans ``donnees/`` ;
- chaque construction est ``python -m eprouvette rapports --dossier-pilotes … --force`` (sans puis avec
  ``--dask local``) dans un dossier de sortie neuf : temps écoulé et temps CPU de tout l'arbre de processus
  (lanceur, pool ou travailleurs Dask, modèles de noyau et noyaux : ``RUSAGE_CHILDREN``), par pilote ; la
  charge de la machine est relevée toutes les 5 s pendant la construction ;
- la page du portefeuille (``index.html`` des 200 pilotes) : taille, et temps de chargement dans Chromium
  (Performance API, ``domContentLoadedEventEnd`` et ``loadEventEnd`` de la navigation, médiane de 5
  chargements après un premier) ; la page peut être refaite d'après les résultats gardés
  (``--page-seulement DOSSIER``, sans reconstruire les rapports).

    .venv/bin/python bench/bench.py --seulement 7 [--dossier-portefeuille /tmp/pf-bench]
    .venv/bin/python bench/portefeuille_genere.py --page-seulement /tmp/pf-bench/r-pool-200
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RACINE = BENCH.parent
PY = sys.executable


def _journal(*morceaux) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}]", *morceaux, flush=True)


class _Charge(threading.Thread):
    """Relève la charge moyenne sur 1 minute toutes les ``pas`` secondes, jusqu'à ``arreter``."""

    def __init__(self, pas: float = 5.0):
        super().__init__(daemon=True)
        self.pas, self.valeurs, self._fin = pas, [], threading.Event()

    def run(self) -> None:
        while not self._fin.is_set():
            self.valeurs.append(os.getloadavg()[0])
            self._fin.wait(self.pas)

    def arreter(self) -> dict:
        self._fin.set()
        self.join()
        v = self.valeurs or [os.getloadavg()[0]]
        return {"moyenne": round(statistics.mean(v), 1), "min": round(min(v), 1), "max": round(max(v), 1)}


class _CpuArbre(threading.Thread):
    """Estimation du CPU d'un arbre de processus par échantillonnage (psutil, toutes les ``pas`` secondes) :
    la somme, sur tous les processus vus, de leur dernier temps utilisateur + système relevé. Elle manque
    ce qu'un processus consomme après son dernier relevé ; comparée à ``RUSAGE_CHILDREN`` sur les
    constructions complètes, elle sert pour une construction arrêtée à l'heure limite (non attendue)."""

    def __init__(self, pid: int, pas: float = 1.0):
        super().__init__(daemon=True)
        self.pid, self.pas, self.vus, self._fin = pid, pas, {}, threading.Event()

    def run(self) -> None:
        import psutil

        try:
            racine = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._fin.is_set():
            try:
                procs = [racine, *racine.children(recursive=True)]
            except psutil.Error:
                procs = []
            for p in procs:
                try:
                    t = p.cpu_times()
                    self.vus[(p.pid, p.create_time())] = t.user + t.system
                except psutil.Error:
                    pass
            self._fin.wait(self.pas)

    def arreter(self) -> float:
        self._fin.set()
        self.join()
        return round(sum(self.vus.values()), 1)


def _env(depot: Path, pilotes: Path, rapports: Path) -> dict:
    env = dict(os.environ)
    env.update(EPROUVETTE_PILOTES=str(pilotes), EPROUVETTE_RAPPORTS=str(rapports), EPROUVETTE_RACINE=str(depot),
               PYTHONPATH=str(depot / "lib"), PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def construire(depot: Path, pilotes: Path, rapports: Path, dask: str | None, limite: float | None = None) -> dict:
    """Une construction complète, mesurée (temps écoulé, CPU de l'arbre de processus, charge).

    ``limite`` (``time.time()``) : au-delà, la construction est arrêtée (tout son groupe de processus) ;
    le résultat dit alors combien de pilotes étaient construits et à quel rythme, sans CPU (l'arbre n'a pas
    été attendu jusqu'au bout)."""
    import signal

    cmd = [PY, "-m", "eprouvette", "rapports", "--dossier-pilotes", str(pilotes), "--force"]
    if dask:
        cmd += ["--dask", dask]
    charge = _Charge()
    charge.start()
    avant = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=_env(depot, pilotes, rapports), cwd=depot, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    echantillon = _CpuArbre(proc.pid)
    echantillon.start()
    sortie, faits, interrompu = [], [], False
    minuteur = None
    if limite is not None:
        def couper():
            nonlocal interrompu
            interrompu = True
            os.killpg(proc.pid, signal.SIGTERM)

        minuteur = threading.Timer(max(0.0, limite - time.time()), couper)
        minuteur.start()
    for ligne in proc.stdout:
        sortie.append(ligne)
        if re.match(r"^\[\d+/\d+\] .* : rapport construit", ligne):
            faits.append(time.perf_counter() - t0)
    cpu_estime = echantillon.arreter()  # avant l'attente : l'arbre est encore là
    proc.wait()
    if minuteur:
        minuteur.cancel()
    mur = time.perf_counter() - t0
    apres = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (apres.ru_utime - avant.ru_utime) + (apres.ru_stime - avant.ru_stime)
    n = len(list(pilotes.iterdir()))
    texte = "".join(sortie)
    m = {"pilotes": n, "reussis": len(faits), "code": proc.returncode, "interrompu": interrompu,
         "mur_s": round(mur, 1), "mur_par_pilote_s": round(mur / n, 2), "charge": charge.arreter(),
         "fin": texte.strip().splitlines()[-3:], "cpu_echantillonne_s": cpu_estime,
         "cpu_echantillonne_par_pilote_construit_s": round(cpu_estime / len(faits), 2) if faits else None}
    if faits and len(faits) > 1:
        # Rythme en régime établi : du premier au dernier pilote construit (sans le démarrage ni l'index).
        m["regime_par_pilote_s"] = round((faits[-1] - faits[0]) / (len(faits) - 1), 2)
    if interrompu:
        m["cpu_s"] = m["cpu_par_pilote_s"] = None
    else:
        m["cpu_s"], m["cpu_par_pilote_s"] = round(cpu, 1), round(cpu / n, 2)
        m["index_s"] = round(mur - faits[-1], 1) if faits else None
    if proc.returncode and not interrompu:
        m["erreurs"] = texte[-1500:]
    return m


def refaire_index(depot: Path, pilotes: Path, rapports: Path) -> None:
    """Réécrit index.html d'après les états gardés (sans reconstruire un rapport)."""
    code = ("from eprouvette.rapports import etat\nfrom eprouvette.rapports.index import ecrire_index\n"
            "from eprouvette.rapports.executer import lister_dossiers_pilotes\nfrom eprouvette import config\n"
            "ecrire_index([e for e in (etat.lire_etat(d.name) for d in lister_dossiers_pilotes(config.PILOTES)) if e])\n")
    subprocess.run([PY, "-c", code], env=_env(depot, pilotes, rapports), cwd=depot, check=True)


_JS_NAVIGATION = """() => { const n = performance.getEntriesByType('navigation')[0];
  return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, lignes: document.querySelectorAll('table.pilotes tbody tr').length}; }"""


def mesurer_page(index: Path, repetitions: int = 5) -> dict:
    """Taille de la page et temps de chargement dans Chromium (médiane de ``repetitions`` après un premier)."""
    sys.path.insert(0, str(RACINE / "lib"))
    from playwright.sync_api import sync_playwright

    from eprouvette.rapports.pdf import ARGUMENTS_CHROMIUM, CHROMIUM

    mesures = []
    with sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=str(CHROMIUM), args=list(ARGUMENTS_CHROMIUM))
        try:
            for i in range(repetitions + 1):
                page = navigateur.new_page()
                page.goto(index.resolve().as_uri(), wait_until="load")
                page.wait_for_function("performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
                m = page.evaluate(_JS_NAVIGATION)
                page.close()
                if i:
                    mesures.append(m)
        finally:
            navigateur.close()
    return {"octets": index.stat().st_size,
            "dom_content_loaded_ms": round(statistics.median(m["dcl"] for m in mesures), 1),
            "load_ms": round(statistics.median(m["load"] for m in mesures), 1),
            "load_max_ms": round(max(m["load"] for m in mesures), 1),
            "lignes_du_tableau": mesures[-1]["lignes"], "charge": round(os.getloadavg()[0], 1)}


def mesurer(depot: Path, dossier: Path, tailles=(20, 200), dask: str = "local:2", graine: int = 19,
            sortie: Path | None = None, limite: float | None = None) -> dict:
    """Toute la partie 7 ; chaque résultat est écrit dans ``sortie`` (JSON) dès qu'il est connu.

    ``limite`` (``time.time()``) : heure au-delà de laquelle une construction est arrêtée et les
    suivantes ne sont pas lancées (machine partagée : le banc doit finir à une heure donnée)."""
    dossier.mkdir(parents=True, exist_ok=True)
    res: dict = {"graine": graine, "dask": dask, "coeurs": len(os.sched_getaffinity(0)), "constructions": []}

    def garder():
        if sortie:
            sortie.parent.mkdir(parents=True, exist_ok=True)
            sortie.write_text(json.dumps(res, ensure_ascii=False, indent=2))

    for taille in tailles:
        pilotes = dossier / f"pilotes-{taille}"
        if not pilotes.exists():
            t0 = time.perf_counter()
            subprocess.run([PY, "-m", "eprouvette", "portefeuille-genere", str(pilotes), "--nombre", str(taille),
                            "--graine", str(graine)], env=_env(depot, pilotes, dossier / "inutile"), cwd=depot,
                           check=True, capture_output=True)
            res[f"generation_{taille}_s"] = round(time.perf_counter() - t0, 1)
        for nom, adresse in (("pool", None), ("dask", dask)):
            restantes = 2 * len(tailles) - len(res["constructions"])
            # L'heure limite partagée entre les constructions qui restent : chacune a sa part du temps.
            limite_ici = None if limite is None else time.time() + (limite - time.time()) / restantes
            if limite is not None and time.time() >= limite:
                res["constructions"].append({"executeur": nom, "taille": taille, "non_lance": True})
                continue
            rapports = dossier / f"r-{nom}-{taille}"
            _journal(f"portefeuille généré : {taille} pilotes, {nom}… (charge {os.getloadavg()[0]:.1f})")
            m = construire(depot, pilotes, rapports, adresse, limite_ici)
            m.update(executeur=nom, taille=taille, debut=datetime.now().isoformat(timespec="seconds"))
            res["constructions"].append(m)
            _journal(f"  {m['mur_s']} s écoulées{' (interrompu)' if m['interrompu'] else ''}, {m['cpu_s']} s de CPU "
                     f"({m['cpu_par_pilote_s']} s par pilote), "
                     f"charge moyenne {m['charge']['moyenne']}, {m['reussis']}/{m['pilotes']} construits")
            garder()
    faites = [m for m in res["constructions"] if not m.get("non_lance") and not m.get("interrompu")]
    grande = dossier / (f"r-{faites[-1]['executeur']}-{faites[-1]['taille']}" if faites else "aucune")
    if (grande / "index.html").exists():
        res["page"] = mesurer_page(grande / "index.html")
        garder()
    return res


def mesurer_page_synthetique(n: int, dossier: Path) -> dict:
    """La page d'un portefeuille de ``n`` pilotes aux états synthétiques (ceux de tests/test_portefeuille_grand.py)."""
    sys.path[:0] = [str(RACINE / "tests"), str(RACINE / "lib")]
    from datetime import date

    from test_portefeuille_grand import PORTEFEUILLE, etats_synthetiques

    from eprouvette.rapports import index, typographie

    chemin = dossier / f"page-synthetique-{n}" / "index.html"
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_text(typographie.appliquer(index.page_index(etats_synthetiques(n), PORTEFEUILLE, date(2026, 3, 1))),
                      encoding="utf-8")
    return mesurer_page(chemin)


def markdown(res: dict) -> str:
    lignes = ["| pilotes | exécuteur | construits | temps écoulé | CPU | écoulé par pilote | CPU par pilote | charge (moy. / max) |",
              "|---|---|---|---|---|---|---|---|"]
    for m in res.get("constructions", []):
        if m.get("non_lance"):
            lignes.append(f"| {m['taille']} | {m['executeur']} | non lancée (heure limite du banc atteinte) | | | | | |")
            continue
        if m.get("interrompu"):
            lignes.append(f"| {m['taille']} | {m['executeur']} | {m['reussis']}/{m['pilotes']} (arrêtée à l'heure "
                          f"limite) | {m['mur_s']} s | ≈ {m['cpu_echantillonne_s']} s (échantillonné) | "
                          f"{m.get('regime_par_pilote_s', '—')} s (régime) | "
                          f"≈ {m['cpu_echantillonne_par_pilote_construit_s']} s (échantillonné) | "
                          f"{m['charge']['moyenne']} / {m['charge']['max']} |")
            continue
        lignes.append(f"| {m['taille']} | {m['executeur']} | {m['reussis']}/{m['pilotes']} | {m['mur_s']} s | "
                      f"{m['cpu_s']} s (échantillonné ≈ {m['cpu_echantillonne_s']} s) | {m['mur_par_pilote_s']} s "
                      f"(régime {m.get('regime_par_pilote_s', '—')} s) | {m['cpu_par_pilote_s']} s | "
                      f"{m['charge']['moyenne']} / {m['charge']['max']} |")
    for cle, quoi in (("page", "Page du portefeuille construit"), ("page_synthetique", "Page d'états synthétiques")):
        if cle in res:
            p = res[cle]
            lignes.append("")
            lignes.append(f"{quoi} ({p['lignes_du_tableau']} lignes) : {p['octets'] / 1024:.0f} ko, "
                          f"DOMContentLoaded {p['dom_content_loaded_ms']} ms, load {p['load_ms']} ms "
                          f"(médiane de 5, max {p['load_max_ms']} ms ; charge {p['charge']}).")
    return "\n".join(lignes)


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Banc, partie 7 : portefeuille généré (pool et grappe Dask locale)")
    ap.add_argument("--dossier", type=Path, default=Path("/tmp/eprouvette-bench-portefeuille"))
    ap.add_argument("--tailles", type=int, nargs="+", default=[20, 200])
    ap.add_argument("--jusqua", metavar="HH:MM", help="heure (locale) où arrêter les constructions")
    ap.add_argument("--page-synthetique", type=int, metavar="N",
                    help="mesure aussi la page d'un portefeuille de N pilotes synthétiques (états des tests, aucun "
                         "carnet exécuté)")
    ap.add_argument("--page-seulement", type=Path, metavar="RAPPORTS",
                    help="refait index.html d'un dossier de sortie gardé et mesure la page, sans construire")
    a = ap.parse_args()
    sortie = BENCH / "resultats" / "portefeuille-genere.json"
    if a.page_seulement:
        res = json.loads(sortie.read_text()) if sortie.exists() else {}
        taille = a.page_seulement.name.rsplit("-", 1)[-1]
        avant, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        refaire_index(RACINE, a.page_seulement.parent / f"pilotes-{taille}", a.page_seulement)
        apres, mur = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter() - t0
        res["page"] = mesurer_page(a.page_seulement / "index.html")
        res["page"]["index_refait"] = {
            "dossier": str(a.page_seulement), "mur_s": round(mur, 1),
            "cpu_s": round(apres.ru_utime - avant.ru_utime + apres.ru_stime - avant.ru_stime, 1)}
    else:
        # Une copie figée du dépôt (comme le reste du banc) : le dépôt peut changer pendant les constructions.
        sys.path.insert(0, str(BENCH))
        import bench

        depot = a.dossier / "depot"
        if depot.exists():
            import shutil

            shutil.rmtree(depot)
        a.dossier.mkdir(parents=True, exist_ok=True)
        bench._figer_depot(a.dossier)
        limite = None
        if a.jusqua:
            h, mn = (int(x) for x in a.jusqua.split(":"))
            limite = datetime.now().replace(hour=h, minute=mn, second=0, microsecond=0).timestamp()
        res = mesurer(depot, a.dossier, tuple(a.tailles), sortie=sortie, limite=limite)
    if a.page_synthetique:
        res["page_synthetique"] = mesurer_page_synthetique(a.page_synthetique, a.dossier)
    sortie.parent.mkdir(parents=True, exist_ok=True)
    sortie.write_text(json.dumps(res, ensure_ascii=False, indent=2))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
