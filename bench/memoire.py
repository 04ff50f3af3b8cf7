"""Temps écoulé et mémoire de crête d'une commande et de **tous** ses descendants.

    python bench/memoire.py [--intervalle 0.05] -- COMMANDE [ARGUMENTS…]

Écrit sur la dernière ligne de la sortie standard un objet JSON :

- ``mur_s`` : temps écoulé ;
- ``code`` : code de retour de la commande ;
- ``cpu_s`` : temps CPU (utilisateur + système) de la commande et des descendants qu'elle a attendus
  (le chiffre à lire quand la machine est partagée : le temps écoulé dépend de la charge) ;
- ``max_rss_enfants_mo`` : ``ru_maxrss`` de RUSAGE_CHILDREN de ce processus-ci, c'est-à-dire la plus
  grande mémoire résidente atteinte par un descendant attendu (``wait``) : la commande, et ses propres
  descendants qu'elle a attendus (le noyau Jupyter, petit-enfant, est attendu par jupyter_client) ;
  ce processus-ci ne lance rien d'autre, la mesure n'est donc pas polluée par d'autres mesures ;
- ``max_processus_mo``, ``max_somme_mo``, ``processus_max`` : par échantillonnage de /proc (psutil)
  toutes les ``intervalle`` secondes, la plus grande mémoire résidente d'un seul processus de
  l'arbre, la plus grande somme sur l'arbre à un même instant (un majorant : les pages partagées
  sont comptées dans chaque processus) et le nombre maximal de processus vus ensemble ;
- ``nb_echantillons``.

La sortie de la commande est recopiée sur la sortie d'erreur.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import threading
import time


def mesurer(commande: list[str], intervalle: float = 0.05, **kwargs) -> dict:
    """Lance ``commande`` et mesure temps et mémoire de tout son arbre de processus."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil vient avec ipykernel
        psutil = None
    t0 = time.perf_counter()
    proc = subprocess.Popen(commande, **kwargs)
    crete = {"max_processus_mo": 0.0, "max_somme_mo": 0.0, "processus_max": 0, "nb_echantillons": 0}
    fini = threading.Event()

    def echantillonner():
        racine = psutil.Process(proc.pid)
        while not fini.is_set():
            try:
                arbre = [racine] + racine.children(recursive=True)
            except psutil.Error:
                break
            rss = []
            for p in arbre:
                try:
                    rss.append(p.memory_info().rss / 2**20)
                except psutil.Error:
                    pass
            if rss:
                crete["max_processus_mo"] = max(crete["max_processus_mo"], max(rss))
                crete["max_somme_mo"] = max(crete["max_somme_mo"], sum(rss))
                crete["processus_max"] = max(crete["processus_max"], len(rss))
                crete["nb_echantillons"] += 1
            fini.wait(intervalle)

    fil = threading.Thread(target=echantillonner, daemon=True) if psutil else None
    if fil:
        fil.start()
    sortie, erreurs = proc.communicate()
    mur = time.perf_counter() - t0
    fini.set()
    if fil:
        fil.join()
    enfants = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = {"mur_s": round(mur, 2), "code": proc.returncode,
           "cpu_s": round(enfants.ru_utime + enfants.ru_stime, 2),
           "max_rss_enfants_mo": round(enfants.ru_maxrss / 1024, 1)}
    res.update({k: (round(v, 1) if isinstance(v, float) else v) for k, v in crete.items()})
    res["sortie"] = sortie
    res["erreurs"] = erreurs
    return res


if __name__ == "__main__":
    args = sys.argv[1:]
    intervalle = 0.05
    if args[:1] == ["--intervalle"]:
        intervalle, args = float(args[1]), args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        sys.exit("usage : python bench/memoire.py [--intervalle S] -- COMMANDE [ARGUMENTS…]")
    r = mesurer(args, intervalle, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(r.pop("sortie") or "")
    sys.stderr.write(r.pop("erreurs") or "")
    print(json.dumps(r))
