"""Réglages communs des tests.

Les tests qui construisent des rapports y consignent la taille de chaque rapport (un chiffre,
pas une assertion) ; elle est affichée en fin de session pytest.

La fixture ``portefeuille`` construit **une fois par session** tous les pilotes d'exemple
(``donnees/pilotes/*/verite.yaml``), sur une copie, par le vrai lanceur
(``python -m eprouvette.rapports``) : les tests qui ont besoin de rapports d'exemple la
partagent au lieu de reconstruire (c'est l'étape la plus longue de la suite). Sous pytest-xdist,
le premier processus qui en a besoin la construit dans le dossier temporaire commun de la session,
sous un verrou ; l'autre attend et lit la même construction (les tests ne font que la lire ou la
copier) au lieu d'en refaire une.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eprouvette import config

TAILLES_RAPPORTS: dict[str, tuple[int, int | None]] = {}


def pytest_configure(config):
    # Sans pytest-xdist (``-p no:xdist``), sa marque reste connue (--strict-markers) : des tests la posent eux-mêmes.
    config.addinivalue_line("markers", "xdist_group(nom): tests gardés sur un même processus pytest-xdist")
    # `make test` répartit les tests sur deux processus (pytest-xdist) : les tailles consignées par
    # chacun passent par un fichier commun, que le processus principal lit en fin de session.
    if not hasattr(config, "workerinput") and "EPROUVETTE_TAILLES" not in os.environ:
        import tempfile

        fd, chemin = tempfile.mkstemp(prefix="eprouvette-tailles-", suffix=".txt")
        os.close(fd)
        os.environ["EPROUVETTE_TAILLES"] = chemin


def consigner_taille(identifiant: str, octets_html: int, octets_carnet: int | None = None) -> None:
    TAILLES_RAPPORTS[identifiant] = (octets_html, octets_carnet)
    chemin = os.environ.get("EPROUVETTE_TAILLES")
    if chemin:
        with open(chemin, "a", encoding="utf-8") as f:
            f.write(f"{identifiant}\t{octets_html}\t{'' if octets_carnet is None else octets_carnet}\n")


#: Coût estimé d'un test pour l'ordre de distribution (secondes, ordre de grandeur) : lent ou non.
COUT_LENT, COUT_RAPIDE = 10.0, 0.2


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Sous `make test` (``pytest -n 2 --dist loadgroup --no-loadscope-reorder``), la répartition entre les
    deux processus :

    - les tests d'un fichier qui a une fixture de module (ou de classe) restent ensemble, sur un même
      processus (groupe ``xdist_group`` = le fichier) : la fixture n'est construite qu'une fois ;
    - les tests qu'un fichier marque lui-même ``xdist_group`` (un calcul partagé, gardé en cache par le
      processus) restent ensemble, sans entraîner le reste de leur fichier ;
    - les autres tests sont distribués un par un (un fichier de simulations lentes n'occupe plus un seul
      processus pendant que l'autre attend) ;
    - les unités de travail les plus coûteuses partent en premier (le plus long d'abord : un fichier lent
      lancé en dernier laisserait un cœur inoccupé jusqu'à sa fin). Le coût est estimé par la marque
      ``lent`` (:data:`COUT_LENT`), l'ordre d'un même fichier groupé est gardé.

    Sans xdist (``-p no:xdist``, ``make test-rapide``), rien ne change."""
    if not getattr(config.option, "loadgroup", False):
        return
    unites: dict[str, list] = {}
    groupes = set()  # les fichiers groupés pour leur fixture de module
    for rang, item in enumerate(items):
        fichier = item.nodeid.split("::", 1)[0]
        marque = item.get_closest_marker("xdist_group")
        if marque is not None and marque.args[0] != fichier:  # groupe posé par le fichier de tests
            unites.setdefault(f"groupe {marque.args[0]}", []).append((rang, item))
            continue
        defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {}) or {}
        partage = any(d.scope in ("module", "class", "package") for fdefs in defs.values() for d in fdefs)
        if partage:
            item.add_marker(pytest.mark.xdist_group(fichier))
            groupes.add(fichier)
        unites.setdefault(fichier if partage else item.nodeid, []).append((rang, item))
    # Un fichier groupé l'est en entier (une fixture de module partagée par quelques tests seulement
    # suffit) : ses autres tests rejoignent le groupe.
    for cle in [c for c in unites if "::" in c and c.split("::", 1)[0] in groupes]:
        for rang, item in unites.pop(cle):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
            unites[item.nodeid.split("::", 1)[0]].append((rang, item))

    def cout(membres) -> float:
        return sum(COUT_LENT if item.get_closest_marker("lent") else COUT_RAPIDE for _, item in membres)

    ordre = sorted(unites.values(), key=lambda m: (-cout(m), min(r for r, _ in m)))
    items[:] = [item for membres in ordre for _, item in sorted(membres, key=lambda ri: ri[0])]
    # pytest-xdist groupe par le suffixe « @groupe » de l'identifiant, qu'il pose en écrivant
    # ``item._nodeid`` ; pytest 9 lit l'identifiant dans ``item._id`` (NodeId) : le suffixe n'était jamais
    # vu et les fixtures de module étaient construites une fois par processus (mesuré : test_rgpd,
    # test_dossiers_hostiles, test_taille_carnets… deux fois chacune). Le suffixe est posé ici dans ``_id``.
    from _pytest.nodeid import NodeId

    for item in items:
        marque = item.get_closest_marker("xdist_group")
        if marque is not None and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{marque.args[0]}")


def pytest_sessionfinish(session, exitstatus):
    # Le Chromium partagé des tests dans le navigateur (tests/navigateur.py), s'il a été lancé.
    navigateur = sys.modules.get("navigateur")
    if navigateur is not None and hasattr(navigateur, "fermer_chromium"):
        navigateur.fermer_chromium()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    chemin = os.environ.get("EPROUVETTE_TAILLES")
    if chemin and not hasattr(config, "workerinput") and os.path.exists(chemin):
        with open(chemin, encoding="utf-8") as f:
            for ligne in f:
                ident, html, carnet = ligne.rstrip("\n").split("\t")
                TAILLES_RAPPORTS[ident] = (int(html), int(carnet) if carnet else None)
        os.unlink(chemin)
    if not TAILLES_RAPPORTS:
        return
    terminalreporter.section("Taille des rapports construits par les tests")
    for ident, (html, carnet) in sorted(TAILLES_RAPPORTS.items()):
        ligne = f"{ident} : HTML {html / 1e6:.2f} Mo"
        if carnet is not None:
            ligne += f", carnet exécuté {carnet / 1e3:.0f} ko"
        terminalreporter.write_line(ligne)


def exemples() -> list[Path]:
    """Les dossiers des pilotes d'exemple (ceux qui ont un ``verite.yaml``)."""
    return sorted(p.parent for p in config.PILOTES.glob("*/verite.yaml"))


@pytest.fixture(scope="session")
def portefeuille(tmp_path_factory):
    """Tous les pilotes d'exemple construits une fois par le lanceur, sur une copie."""
    import fcntl
    import json

    pilotes_exemple = exemples()
    if not pilotes_exemple:
        pytest.fail("aucun pilote d'exemple dans donnees/pilotes/")
    # Dossier commun aux processus pytest-xdist d'une même session (le parent de leurs dossiers propres).
    commun = tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") \
        else tmp_path_factory.getbasetemp()
    base = commun / "portefeuille-commun"
    with open(commun / "portefeuille.verrou", "w") as verrou:
        fcntl.flock(verrou, fcntl.LOCK_EX)  # libéré à la fermeture, construction finie
        fait = base / "sortie.json"
        if not fait.exists():
            shutil.rmtree(base, ignore_errors=True)
            pilotes = base / "pilotes"
            for d in pilotes_exemple:
                shutil.copytree(d, pilotes / d.name)
            rapports = base / "rapports"
            env = dict(os.environ, EPROUVETTE_PILOTES=str(pilotes), EPROUVETTE_RAPPORTS=str(rapports))
            r = subprocess.run([sys.executable, "-m", "eprouvette.rapports"], capture_output=True, text=True,
                               env=env, cwd=config.RACINE, timeout=900)
            fait.write_text(json.dumps({"args": r.args, "returncode": r.returncode, "stdout": r.stdout,
                                        "stderr": r.stderr}), encoding="utf-8")
        lu = json.loads(fait.read_text(encoding="utf-8"))
    sortie = subprocess.CompletedProcess(lu["args"], lu["returncode"], lu["stdout"], lu["stderr"])
    return {"exemples": pilotes_exemple, "rapports": base / "rapports", "sortie": sortie}
