"""Noyaux « chauds » : chaque carnet s'exécute dans un processus neuf, tiré d'un modèle déjà chargé.

Démarrer un noyau Jupyter puis importer pandas, scipy, statsmodels, plotly, jsonschema et la
bibliothèque coûte environ 3,5 s de CPU par rapport, plus que l'analyse elle-même. Ici, un **modèle**
(``python -m eprouvette.rapports.noyau_chaud``) importe ces paquets puis attend : un seul pour tout le pool
local (:func:`modele_partage`, lancé par le lanceur), sinon un par processus de construction. Pour chaque carnet, le modèle se **duplique** (``os.fork``) et
c'est la copie qui devient le noyau : un processus neuf, à lui seul, avec son propre espace de noms,
son environnement et son dossier de travail ; rien de ce qu'un carnet change (variable globale,
attribut de module, variable d'environnement) ne revient au modèle ni ne passe au carnet suivant.

Le modèle n'ouvre ni socket, ni boucle d'événements, ni fil d'exécution avant de se dupliquer (seuls
des modules sont importés) : c'est la copie qui crée tout cela, comme un noyau démarré à froid.

Côté papermill : :class:`GestionnaireNoyauChaud` (un ``AsyncKernelManager``) emploie
:class:`ProvisionneurChaud`, qui fait tout comme le ``LocalProvisioner`` de jupyter_client (ports,
fichier de connexion, signaux au groupe de processus) sauf le lancement, demandé au modèle. Si le
modèle ne démarre pas, le noyau est lancé à froid comme avant (rien n'échoue pour autant).
``EPROUVETTE_NOYAU_FROID=1`` force le lancement à froid (comparaisons, banc).

Protocole (lignes JSON sur l'entrée et la sortie standard du modèle) : requête
``{"argv": [...], "env": {...}, "cwd": "..."}``, réponse ``{"pid": n}`` ou ``{"erreur": "..."}``.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import pkgutil
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

#: Modules importés par le modèle avant toute duplication (ce que les carnets de domaine emploient).
MODULES_PRECHARGES = (
    "numpy", "pandas", "scipy.stats", "scipy.optimize", "statsmodels.api", "statsmodels.formula.api",
    "plotly.graph_objects", "plotly.io", "plotly.subplots", "yaml", "pyarrow",
    "holidays", "vacances_scolaires_france", "nbformat", "narwhals",
    "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "comm",
    # Chaque noyau importe le débogueur (debugpy, pydevd) en s'initialisant : ≈ 0,5 s de CPU par noyau sinon.
    # Son import n'ouvre ni fil d'exécution ni traçage (vérifié par tests/test_noyau_chaud.py).
    "ipykernel.debugger",
    # Ce que chaque noyau importait encore au démarrage ou au premier graphique (relevé dans sys.modules
    # d'un noyau de chacun des 14 pilotes d'exemple, comparé à celui du modèle) : ≈ 0,1 s de CPU par noyau.
    "IPython.core.completerlib", "IPython.core.oinspect", "IPython.core.debugger", "IPython.core.logger",
    "IPython.extensions.storemagic", "IPython.utils.wildcard", "faulthandler", "psutil", "tornado.ioloop",
    "tornado.platform.asyncio", "encodings.utf_8_sig", "eprouvette.rapports.executeurs", "pandas.core.reshape.reshape",
    "plotly.animation", "plotly.io.json", "plotly.graph_objs._deprecations", "plotly.graph_objs.layout.annotation._font",
    "plotly.graph_objs.layout.geo._projection", "plotly.graph_objs.scatter._line", "plotly.graph_objs.scatter._marker",
    "plotly.graph_objs.scattergeo._textfont", "plotly.graph_objs.scattergeo.marker._line",
    "narwhals._pandas_like.dataframe", "narwhals._pandas_like.selectors", "narwhals._pandas_like.series_list",
    "narwhals._pandas_like.namespace", "narwhals._pandas_like.typing", "narwhals._namespace",
    "narwhals.stable.v1._namespace", "narwhals._interchange.dataframe",
)
#: Sous-paquets d'Éprouvette chargés en entier (tous leurs modules) : ce qu'un carnet peut appeler.
PAQUETS_PRECHARGES = ("eprouvette",)
#: Modules d'Éprouvette qui ne sont pas des bibliothèques (points d'entrée) : jamais préchargés.
NON_PRECHARGES = ("__main__",)
#: Modules (et leurs sous-modules) du lanceur et des commandes, qu'aucun carnet n'emploie : pas préchargés
#: (nbconvert seul coûte ≈ 1 s de CPU au démarrage de chaque modèle). Un carnet qui en aurait besoin
#: les importerait lui-même.
LANCEUR = ("eprouvette.rapports.html", "eprouvette.rapports.pdf", "eprouvette.rapports.exports",
           "eprouvette.rapports.executer", "eprouvette.rapports.executeurs", "eprouvette.rapports.cadrage",
           "eprouvette.rapports.index", "eprouvette.rapports.note", "eprouvette.rapports.noyau_chaud",
           "eprouvette.rapports.etat", "eprouvette.cli", "eprouvette.modele_pilote", "eprouvette.tirage_au_sort",
           "eprouvette.generateurs")

VARIABLE_FROID = "EPROUVETTE_NOYAU_FROID"


def actif() -> bool:
    """Les noyaux chauds sont-ils employés (oui, sauf ``EPROUVETTE_NOYAU_FROID=1``) ?"""
    return os.environ.get(VARIABLE_FROID, "") not in ("1", "oui", "true")


# --- Côté modèle --------------------------------------------------------------------------------

def _precharger() -> None:
    import importlib
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # jsonschema et frictionless d'abord, par eprouvette._imports (sans la grammaire rfc3987 : 2 s de CPU).
        from .. import _imports

        _imports.frictionless()
        noms = list(MODULES_PRECHARGES)
        for paquet in PAQUETS_PRECHARGES:
            try:
                racine = importlib.import_module(paquet)
            except Exception:
                continue
            noms += [m.name for m in pkgutil.walk_packages(racine.__path__, paquet + ".")
                     if m.name.rsplit(".", 1)[-1] not in NON_PRECHARGES
                     and not any(m.name == l or m.name.startswith(l + ".") for l in LANCEUR)]
        for nom in noms:
            try:
                importlib.import_module(nom)
            except Exception:  # un module absent n'empêche pas le reste : le carnet l'importera lui-même
                pass
        _rechauffer()
    # Tout ce que le modèle a chargé sort du ramasse-miettes cyclique (gc.freeze, fait pour les serveurs qui se
    # dupliquent) : sinon chaque collecte complète d'un noyau parcourt ces objets et écrit dans leurs en-têtes,
    # ce qui recopie (copie sur écriture) toutes les pages mémoire héritées du modèle.
    gc.collect()
    gc.freeze()


#: Données de référence lues une fois par le modèle (lecture seule, les mêmes pour tous les pilotes) : chaque
#: noyau en hérite au lieu de les relire (≈ 0,4 s de CPU pour le calendrier scolaire officiel, 0,1 s pour le
#: référentiel des communes et des EPCI, 0,1 s pour les fichiers de paramètres, par rapport).
def _rechauffer() -> None:
    from ..domaines import energie
    from .. import referentiel

    from .. import config, parametres

    etapes = [energie._vacances_officielles, referentiel.charger_communes, referentiel.table_epci,
              _extensions_frictionless, _calendriers_holidays, _rendu_des_figures]
    # Les fichiers de paramètres (prix, facteurs d'émission…), gardés tant qu'ils ne changent pas (date, taille).
    etapes += [lambda f=f: parametres.lire_fichier(f, "") for f in sorted(config.PARAMETRES.glob("*.yaml"))]
    for etape in etapes:
        try:
            etape()
        except Exception:  # référentiel absent ou illisible : le carnet le dira lui-même, avec son message
            pass


def _extensions_frictionless() -> None:
    """La liste des extensions de frictionless (gardée par frictionless pour tout le processus) : la
    dresser importe chacun de ses formats et parcourt tous les modules installés (≈ 0,1 s par noyau)."""
    from .. import _imports

    _imports.frictionless().system.methods


def _calendriers_holidays() -> None:
    """Les modules du paquet ``holidays`` que le calendrier français importe à son premier emploi
    (≈ 280 modules, ≈ 0,1 s par noyau de l'énergie, de la mobilité et du tourisme) ; aucun résultat gardé."""
    import holidays

    holidays.France(years=2024, language="fr")


def _rendu_des_figures() -> None:
    """Le moteur et le gabarit plotly des rapports, choisis comme le fait la première cellule de chaque
    carnet : choisir le gabarit par défaut le revalide en entier (≈ 60 ms par noyau)."""
    from ..presentation import figures

    figures.activer_rendu_rapport()


def _devenir_noyau(requete: dict, canal_lecture: int, canal_ecriture: int, autres: tuple[int, ...] = ()) -> None:
    """Dans la copie : quitter le protocole, prendre l'environnement demandé, démarrer le noyau.

    ``autres`` : descripteurs du modèle partagé (prise d'écoute, connexion) que le noyau ne garde pas."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # le noyau doit pouvoir attendre ses propres enfants
    os.setsid()  # son propre groupe : le lanceur l'arrête par killpg sans toucher au modèle
    nul = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nul, 0)
    os.dup2(2, 1)  # la sortie standard du modèle est le canal du protocole : le noyau écrit ailleurs
    for fd in (nul, canal_lecture, canal_ecriture, *autres):
        if fd > 2:
            try:
                os.close(fd)
            except OSError:
                pass
    os.environ.clear()
    os.environ.update(requete.get("env") or {})
    if requete.get("cwd"):
        os.chdir(requete["cwd"])
    # Les chemins d'Éprouvette sont lus dans l'environnement à l'import : les recalculer pour celui-ci.
    from .executeurs import appliquer_environnement, environnement_eprouvette

    appliquer_environnement(environnement_eprouvette())
    argv = list(requete["argv"])
    # argv = [python, -m, ipykernel_launcher, -f, fichier, ...] : on garde ce qui suit le module.
    arguments = argv[argv.index("-m") + 2:] if "-m" in argv else argv[1:]
    # Surveiller le modèle (son parent) : si le modèle disparaît, le noyau s'arrête, comme un noyau à froid
    # dont le lanceur disparaît ; cela tait aussi la bannière « To connect another client… ».
    arguments.append(f"--IPKernelApp.parent_handle={os.getppid()}")
    sys.argv = ["ipykernel_launcher", *arguments]
    from ipykernel import kernelapp

    code = 0
    try:
        kernelapp.launch_new_instance(argv=arguments)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 0
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _reprendre(*_args) -> None:
    """Reprend les copies terminées dès leur fin (pas de processus zombie ; leur temps de CPU est ainsi
    compté au modèle, puis au lanceur qui l'attend : le banc le mesure)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def servir(prise: str | None = None) -> None:
    """Boucle du modèle : précharger, puis une copie par requête.

    Sans ``prise`` : les requêtes arrivent sur l'entrée standard (le modèle d'un seul processus de
    construction). Avec ``prise`` (chemin d'une prise Unix) : le modèle **partagé** par tous les processus du
    pool local (:func:`modele_partage`) ; la prise est ouverte avant le préchargement, si bien qu'une
    demande arrivée pendant celui-ci attend simplement sa réponse ; l'entrée standard ne sert qu'à
    savoir quand s'arrêter (sa fin, quand le lanceur la ferme ou disparaît)."""
    signal.signal(signal.SIGCHLD, _reprendre)
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # comme ipykernel_launcher : le dossier courant n'est pas un dossier de modules
    ecoute = None
    if prise is not None:
        import socket

        ecoute = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ecoute.bind(prise)
        ecoute.listen(64)
    _precharger()
    entree, sortie = sys.stdin.buffer, sys.stdout.buffer
    fd_entree, fd_sortie = entree.fileno(), sortie.fileno()
    sortie.write(b'{"pret": true}\n')
    sortie.flush()
    if ecoute is not None:
        _servir_prise(ecoute, fd_entree, fd_sortie)
        return
    for ligne in entree:
        try:
            requete = json.loads(ligne)
        except ValueError:
            continue
        try:
            pid = os.fork()
        except OSError as e:
            sortie.write((json.dumps({"erreur": str(e)}) + "\n").encode())
            sortie.flush()
            continue
        if pid == 0:
            _devenir_noyau(requete, fd_entree, fd_sortie)
        sortie.write((json.dumps({"pid": pid}) + "\n").encode())
        sortie.flush()


def _servir_prise(ecoute, fd_entree: int, fd_sortie: int) -> None:
    """Une connexion par demande : une ligne JSON reçue, une copie, une ligne JSON rendue."""
    import select

    while True:
        lisibles, _, _ = select.select([fd_entree, ecoute], [], [])
        if fd_entree in lisibles and not os.read(fd_entree, 4096):
            return  # fin de l'entrée : le lanceur a fini (ou a disparu)
        if ecoute not in lisibles:
            continue
        connexion, _ = ecoute.accept()
        with connexion:
            try:
                connexion.settimeout(30)
                requete = json.loads(connexion.makefile("rb").readline())
            except (OSError, ValueError):
                continue
            try:
                pid = os.fork()
            except OSError as e:
                reponse = {"erreur": str(e)}
            else:
                if pid == 0:
                    if "calcul" in requete:  # la copie répond elle-même, sur la connexion, puis s'arrête
                        _calculer(requete, connexion, (fd_entree, fd_sortie, ecoute.fileno()))
                    _devenir_noyau(requete, fd_entree, fd_sortie, (ecoute.fileno(), connexion.fileno()))
                if "calcul" in requete:
                    continue
                reponse = {"pid": pid}
            try:
                connexion.sendall((json.dumps(reponse) + "\n").encode())
            except OSError:
                pass


#: Les calculs qu'une copie du modèle partagé fait pour le lanceur (:func:`calculer_dans_le_modele`) : des
#: fonctions pures, d'arguments et de résultat JSON, dont les bibliothèques sont déjà importées par le modèle.
CALCULS = {"meta_par_groupe": ("eprouvette.methodes.meta", "combiner_par_groupe")}


def _calculer(requete: dict, connexion, fermes: tuple[int, ...]) -> None:
    """Dans la copie : fait le calcul demandé, renvoie son résultat (JSON) sur la connexion, s'arrête."""
    import importlib

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in fermes:
        try:
            os.close(fd)
        except OSError:
            pass
    code = 0
    try:
        module, nom = CALCULS[requete["calcul"]]
        resultat = getattr(importlib.import_module(module), nom)(*requete.get("arguments", []))
        reponse = {"resultat": resultat}
    except BaseException as e:  # le lanceur fera le calcul lui-même
        reponse, code = {"erreur": f"{type(e).__name__} : {e}"}, 1
    try:
        connexion.settimeout(None)
        connexion.sendall((json.dumps(reponse) + "\n").encode())
    except (OSError, TypeError, ValueError):
        code = 1
    os._exit(code)


# --- Côté lanceur -------------------------------------------------------------------------------

class ModeleIndisponible(RuntimeError):
    """Le modèle n'a pas pu être démarré ou ne répond plus."""


class _Modele:
    """Le processus modèle de ce processus de construction (un seul, démarré à la première demande)."""

    def __init__(self) -> None:
        self.verrou = threading.Lock()
        self.processus: subprocess.Popen | None = None
        self.env_depart: dict[str, str] | None = None
        self.partage_en_echec = False

    def _demarrer(self) -> None:
        self.processus = _lancer_modele()
        self.env_depart = dict(os.environ)
        ligne = self.processus.stdout.readline()
        if not ligne.startswith(b'{"pret"'):
            self.arreter()
            raise ModeleIndisponible("le modèle de noyau n'a pas démarré")

    def lancer(self, argv: list[str], env: dict[str, str], cwd: str | None) -> int:
        prise = os.environ.get(VARIABLE_PARTAGE)
        if prise and not self.partage_en_echec:
            try:
                return _demander_au_modele_partage(prise, {"argv": argv, "env": env, "cwd": cwd})
            except (OSError, ValueError, ModeleIndisponible):
                self.partage_en_echec = True  # ce processus prend alors son propre modèle, comme avant
        with self.verrou:
            if self.processus is None or self.processus.poll() is not None:
                self._demarrer()
            try:
                self.processus.stdin.write((json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n").encode())
                self.processus.stdin.flush()
                reponse = json.loads(self.processus.stdout.readline() or b"{}")
            except (OSError, ValueError) as e:
                self.arreter()
                raise ModeleIndisponible(str(e)) from None
        if "pid" not in reponse:
            raise ModeleIndisponible(reponse.get("erreur", "réponse vide du modèle de noyau"))
        return int(reponse["pid"])

    def arreter(self) -> None:
        """Ferme le modèle et l'attend (son temps de CPU et celui de ses copies sont alors comptés)."""
        p, self.processus = self.processus, None
        if p is None:
            return
        try:
            p.stdin.close()  # fin de l'entrée : le modèle sort de sa boucle
            p.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            p.kill()
            p.wait()
        p.stdout.close()


def _lancer_modele(*arguments: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != VARIABLE_PARTAGE}
    # Le modèle importe cette bibliothèque-ci (celle du lanceur), même si elle n'est pas installée.
    lib = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join([lib, *filter(None, [env.get("PYTHONPATH")])])
    # pydevd (le débogueur, préchargé) prévient à l'import que les modules figés de Python peuvent cacher des
    # points d'arrêt : sans objet pour un noyau de rapport, qu'on ne débogue pas ; la note irait au terminal.
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return subprocess.Popen([sys.executable, "-m", "eprouvette.rapports.noyau_chaud", *arguments],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True)


def _connecter(prise: str):
    """Une connexion à la prise du modèle partagé. Le modèle est lancé sans être attendu : sa prise peut
    manquer quelques instants encore (démarrage de Python) ; au-delà de :data:`DELAI_PRISE_S`, l'erreur."""
    import socket
    import time

    limite = time.monotonic() + DELAI_PRISE_S
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(prise)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            if time.monotonic() > limite:
                raise
            time.sleep(0.05)
        except BaseException:
            s.close()
            raise
    s.settimeout(DELAI_MODELE_PARTAGE_S)  # le préchargement peut être en cours : la réponse l'attend
    return s


def _demander_au_modele_partage(prise: str, requete: dict) -> int:
    with _connecter(prise) as s:
        s.sendall((json.dumps(requete) + "\n").encode())
        reponse = json.loads(s.makefile("rb").readline() or b"{}")
    if "pid" not in reponse:
        raise ModeleIndisponible(reponse.get("erreur", "réponse vide du modèle partagé"))
    return int(reponse["pid"])


def calculer_dans_le_modele(nom: str, *arguments):
    """Le résultat du calcul ``nom`` (:data:`CALCULS`), fait par une copie du modèle partagé s'il tourne
    (:func:`modele_partage`) ; ``None`` s'il n'y en a pas ou s'il ne répond pas : l'appelant fait alors le
    calcul lui-même. Le lanceur s'épargne ainsi d'importer scipy et statsmodels pour quelques lignes."""
    prise = os.environ.get(VARIABLE_PARTAGE)
    if not prise or nom not in CALCULS:
        return None
    try:
        with _connecter(prise) as s:
            s.sendall((json.dumps({"calcul": nom, "arguments": list(arguments)}) + "\n").encode())
            reponse = json.loads(s.makefile("rb").readline() or b"{}")
    except (OSError, ValueError):
        return None
    return reponse.get("resultat") if "resultat" in reponse else None


#: Variable d'environnement qui donne aux processus du pool la prise du modèle partagé (:func:`modele_partage`).
VARIABLE_PARTAGE = "EPROUVETTE_MODELE_PARTAGE"
#: Attente maximale d'une réponse du modèle partagé (préchargement compris, sur une machine chargée).
DELAI_MODELE_PARTAGE_S = 180
#: Attente maximale de la prise du modèle partagé, lancé sans être attendu.
DELAI_PRISE_S = 10


@contextlib.contextmanager
def modele_partage():
    """Un seul modèle de noyau pour tous les processus du pool local, le temps de la construction.

    Sans lui, chaque processus du pool lance son propre modèle, qui refait les mêmes imports (≈ 3,4 s de CPU
    chacun). Le modèle partagé est lancé par le lanceur, sans l'attendre ; les processus du pool le trouvent
    par :data:`VARIABLE_PARTAGE` (une prise Unix dans un dossier temporaire privé). Chaque noyau reste une
    copie neuve du modèle, qui n'a rien exécuté d'un pilote. Si le modèle partagé manque ou ne répond pas, un
    processus du pool reprend son propre modèle (ou, à défaut, un noyau à froid). ``EPROUVETTE_NOYAU_FROID=1``
    : aucun modèle."""
    if not actif() or os.environ.get(VARIABLE_PARTAGE):
        yield
        return
    import shutil
    import tempfile

    dossier = tempfile.mkdtemp(prefix="eprouvette-modele-")
    prise = os.path.join(dossier, "modele.sock")
    try:
        processus = _lancer_modele("--prise", prise)
    except OSError:
        shutil.rmtree(dossier, ignore_errors=True)
        yield
        return
    os.environ[VARIABLE_PARTAGE] = prise
    try:
        yield
    finally:
        os.environ.pop(VARIABLE_PARTAGE, None)
        try:
            processus.stdin.close()  # fin de l'entrée : le modèle s'arrête ; l'attendre compte son temps de CPU
            processus.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            processus.kill()
            processus.wait()
        processus.stdout.close()
        shutil.rmtree(dossier, ignore_errors=True)


_MODELE = _Modele()
atexit.register(_MODELE.arreter)
# Un processus de construction (multiprocessing) sort sans passer par atexit, mais par ses finaliseurs.
import multiprocessing.util as _mp_util  # noqa: E402

_mp_util.Finalize(_MODELE, _MODELE.arreter, exitpriority=10)


class ProcessusCopie:
    """Ce que le provisionneur attend d'un ``subprocess.Popen``, pour une copie du modèle.

    La copie est l'enfant du modèle, pas du lanceur : on ne peut pas l'attendre par ``waitpid`` ;
    le modèle reprend chaque copie terminée dès son signal SIGCHLD, si bien que ``kill(pid, 0)``
    suffit pour savoir si elle vit encore (à l'instant près où le modèle la reprend). Son code de sortie n'est pas connu (0 est rendu)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:  # pid repris par un autre utilisateur : la copie est partie
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import time

        fin = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if fin is not None and time.monotonic() > fin:
                raise subprocess.TimeoutExpired("noyau", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _classes():
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class ProvisionneurChaud(LocalProvisioner):
        """Le ``LocalProvisioner`` de jupyter_client, dont le lancement passe par le modèle chargé."""

        async def launch_kernel(self, cmd: list[str], **kwargs: Any):
            try:
                env = kwargs.get("env")
                pid = _MODELE.lancer(list(cmd), dict(os.environ if env is None else env),
                                     str(kwargs["cwd"]) if kwargs.get("cwd") else None)
            except ModeleIndisponible:
                return await super().launch_kernel(cmd, **kwargs)  # à froid, comme avant
            self.process = ProcessusCopie(pid)
            # La copie se met dans son propre groupe (os.setsid) : son numéro de groupe est son pid. Ne pas
            # le lire par getpgid, qui pourrait rendre celui du modèle si la copie n'a pas encore fini.
            self.pid = self.pgid = pid
            self.cwd = kwargs.get("cwd")
            return self.connection_info

    class GestionnaireNoyauChaud(AsyncKernelManager):
        """Gestionnaire de noyau dont le provisionneur est :class:`ProvisionneurChaud`."""

        async def _async_pre_start_kernel(self, **kw: Any):
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = ProvisionneurChaud(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                                      parent=self)
            return await super()._async_pre_start_kernel(**kw)

    return ProvisionneurChaud, GestionnaireNoyauChaud


def arguments_papermill() -> dict:
    """Arguments à ajouter à ``papermill.execute_notebook`` : le gestionnaire chaud, ou rien à froid."""
    if not actif():
        return {}
    return {"kernel_manager_class": _classes()[1]}


if __name__ == "__main__":
    servir(sys.argv[sys.argv.index("--prise") + 1] if "--prise" in sys.argv else None)
