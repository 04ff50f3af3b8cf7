"""Exécuteurs du lanceur : pool local et grappe Dask (``dask.distributed.LocalCluster``).

Le test Dask construit un vrai rapport dans un processus travailleur de Dask, sur une copie du
pilote d'exemple, avec des chemins transmis explicitement (le travailleur ne les connaît pas).
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import logging
import operator
import os
import shutil
from pathlib import Path

import pytest

from eprouvette import config
from eprouvette.rapports import executeurs

EXEMPLE = "energie-gtb-ecoles-saint-quentin"


def test_executeur_local_processus_spawn():
    with executeurs.creer_executeur(None, 2) as ex:
        assert isinstance(ex, cf.ProcessPoolExecutor)
        assert ex._mp_context.get_start_method() == "spawn"
        assert ex.submit(operator.mul, 6, 7).result(timeout=60) == 42
        pids = set(ex.map(_pid, range(4)))
        assert os.getpid() not in pids


def _pid(_):
    return os.getpid()


def test_executeur_local_taille_par_defaut():
    ex = executeurs.executeur_local()
    try:
        assert ex._max_workers == executeurs.nombre_coeurs() >= 1
    finally:
        ex.shutdown()


def test_dask_absent_ou_injoignable_message_francais():
    try:
        import distributed  # noqa: F401
    except ImportError:
        with pytest.raises(executeurs.ErreurExecuteur, match="distributed"):
            executeurs.executeur_dask("tcp://127.0.0.1:1")
        return
    with pytest.raises(executeurs.ErreurExecuteur, match="Impossible de joindre l'ordonnanceur Dask"):
        executeurs.executeur_dask("tcp://127.0.0.1:9", timeout=2)


@pytest.fixture(scope="module")
def grappe():
    distributed = pytest.importorskip(
        "distributed", reason="paquet « distributed » absent : tests de la grappe Dask sautés"
    )
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    )
    try:
        yield cluster
    finally:
        cluster.close()


def test_dask_fonction_triviale_dans_un_autre_processus(grappe, tmp_path):
    env = {"EPROUVETTE_RAPPORTS": str(tmp_path / "r"), "EPROUVETTE_PILOTES": str(tmp_path / "p")}
    with executeurs.creer_executeur(grappe.scheduler_address, 4, env=env) as ex:
        assert isinstance(ex, cf.Executor)
        f = ex.submit(operator.mul, 6, 7)
        assert isinstance(f, cf.Future)
        assert f.result(timeout=60) == 42
        # Deux soumissions identiques sont deux tâches (pure=False) et tournent ailleurs qu'ici.
        pids = [ex.submit(_pid, 0) for _ in range(2)]
        assert all(p.result(timeout=60) != os.getpid() for p in cf.as_completed(pids))
        # L'environnement transmis est bien celui vu par le travailleur, config comprise.
        vu = ex.submit(executeurs.environnement_eprouvette).result(timeout=60)
        assert vu["EPROUVETTE_RAPPORTS"] == env["EPROUVETTE_RAPPORTS"]
        assert vu["EPROUVETTE_PILOTES"] == env["EPROUVETTE_PILOTES"]
        assert list(ex.map(operator.add, [1, 2], [10, 20])) == [11, 22]
        # Une exception du travailleur remonte telle quelle.
        with pytest.raises(ZeroDivisionError):
            ex.submit(operator.truediv, 1, 0).result(timeout=60)


@pytest.mark.lent
def test_dask_construit_un_vrai_rapport(grappe, tmp_path):
    source = config.DONNEES / "pilotes" / EXEMPLE
    if not source.exists():
        pytest.skip(f"pilote d'exemple absent : {source}")
    pilotes, rapports = tmp_path / "pilotes", tmp_path / "rapports"
    shutil.copytree(source, pilotes / EXEMPLE)
    # Par la ligne de commande, comme un analyste : `python -m eprouvette.rapports --dask ADRESSE`.
    import os
    import subprocess
    import sys

    env = dict(os.environ, EPROUVETTE_PILOTES=str(pilotes), EPROUVETTE_RAPPORTS=str(rapports))
    r = subprocess.run([sys.executable, "-m", "eprouvette.rapports", "--dask", grappe.scheduler_address],
                       capture_output=True, text=True, env=env, cwd=config.RACINE, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    etat = json.loads((rapports / ".etat" / f"{EXEMPLE}.json").read_text(encoding="utf-8"))
    assert etat["statut"] == "reussi", etat.get("message")
    assert etat["identifiant"] == EXEMPLE
    page = (rapports / f"{EXEMPLE}.html").read_text(encoding="utf-8")
    assert "<html" in page and "Saint-Quentin" in page
    resultats = json.loads((rapports / f"{EXEMPLE}.json").read_text(encoding="utf-8"))
    assert resultats["identifiant"] == EXEMPLE
    assert (rapports / "carnets" / f"{EXEMPLE}.ipynb").exists()
    assert (rapports / "index.html").exists()


def test_un_fil_de_calcul_par_processus_sans_ecraser_un_choix(monkeypatch):
    """Le pool a un processus par cœur : ses processus (et leurs noyaux) n'ont qu'un fil BLAS, sauf choix explicite."""
    import os

    from eprouvette.rapports import executeurs

    for cle in executeurs.FILS_CALCUL:
        monkeypatch.delenv(cle, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "4")
    with executeurs.executeur_local(1) as pool:
        vu = pool.submit(os.getenv, "OPENBLAS_NUM_THREADS").result()
        mkl = pool.submit(os.getenv, "MKL_NUM_THREADS").result()
    assert vu == "1" and os.environ["OMP_NUM_THREADS"] == "1"
    assert mkl == "4"
