"""Où les rapports sont construits : un pool de processus local, ou une grappe Dask existante.

Le lanceur (:mod:`eprouvette.rapports.executer`) soumet ``construire_rapport(dossier, empreinte)``
à un objet qui a l'interface ``concurrent.futures.Executor`` (``submit``, ``map``, ``shutdown``,
gestionnaire de contexte). Ce module fabrique cet objet :

- :func:`executeur_local` : un pool de processus démarrés par *spawn* (pas de *fork* : papermill,
  zmq et les fils d'exécution ne le supportent pas), un processus par cœur disponible ;
- :func:`executeur_dask` : une grappe ``dask.distributed`` déjà lancée (adresse de son
  ordonnanceur, par exemple ``tcp://10.0.0.5:8786``), pour un organisme qui évalue des milliers de
  pilotes. Les variables d'environnement d'Éprouvette (``EPROUVETTE_PILOTES``,
  ``EPROUVETTE_RAPPORTS``…) sont transmises explicitement à chaque tâche, car les travailleurs
  Dask ne partagent pas l'environnement du poste qui soumet ; les chemins doivent désigner un
  disque commun (NFS, etc.).
- :func:`executeur_dask_local` : une grappe ``dask.distributed.LocalCluster`` lancée ici pour la
  durée de la construction (adresse ``local`` ou ``local:N``, N travailleurs) : des processus d'un
  fil chacun, avec un fil de calcul BLAS (:func:`un_fil_de_calcul`, hérité) et les noyaux chauds
  (chaque travailleur lance son modèle à son premier carnet, comme un processus du pool) ; à l'arrêt,
  les modèles sont fermés dans chaque travailleur (leur CPU est compté), puis la grappe ;
- :func:`creer_executeur` : l'un ou l'autre selon qu'une adresse Dask est donnée.

Dask est facultatif : sans le paquet ``distributed``, seule la construction locale est possible
et :func:`executeur_dask` lève une erreur en français qui dit quoi installer.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Callable, Mapping
from typing import Any

#: Variables d'environnement qui fixent les chemins d'Éprouvette (voir eprouvette.config).
VARIABLES_EPROUVETTE = (
    "EPROUVETTE_RACINE",
    "EPROUVETTE_PILOTES",
    "EPROUVETTE_RAPPORTS",
    "EPROUVETTE_NOTEBOOKS",
)


#: Un seul fil de calcul pour l'algèbre linéaire (OpenBLAS, MKL, OpenMP) de chaque processus : le pool a déjà
#: un processus par cœur. Sans cela, chaque petite décomposition (QR d'une série de 600 jours × 15 colonnes)
#: réveille autant de fils que de cœurs, qui se disputent les cœurs des autres processus : sur deux cœurs
#: chargés, l'estimation AR(1) d'une série journalière était 50 à 100 fois plus lente (mesuré : 0,12 s
#: contre 1,2 ms par ajustement REML), et c'est elle que les notes de cadrage refont des milliers de fois.
FILS_CALCUL = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def un_fil_de_calcul() -> None:
    """Installe :data:`FILS_CALCUL` dans l'environnement de ce processus (sans écraser un choix explicite),
    pour les processus qu'il démarrera ensuite (pool, modèle de noyau, noyaux) : lues au chargement de
    numpy, ces variables n'ont pas d'effet sur un processus qui l'a déjà importé."""
    for cle, valeur in FILS_CALCUL.items():
        os.environ.setdefault(cle, valeur)


class ErreurExecuteur(RuntimeError):
    """L'exécuteur demandé ne peut pas être créé (message en français, pour l'analyste)."""


def nombre_coeurs() -> int:
    """Nombre de cœurs utilisables par ce processus (affinité comprise)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - hors Linux
        return max(1, os.cpu_count() or 1)


def environnement_eprouvette(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Les variables ``EPROUVETTE_*`` de ``env`` (par défaut : de ce processus)."""
    source = os.environ if env is None else env
    return {k: str(v) for k, v in source.items() if k in VARIABLES_EPROUVETTE}


def appliquer_environnement(env: Mapping[str, str]) -> None:
    """Installe ``env`` dans ce processus et recalcule les chemins de :mod:`eprouvette.config`.

    ``eprouvette.config`` lit l'environnement à l'import ; un travailleur Dask qui a déjà importé
    la bibliothèque pour un autre lot doit donc voir ses chemins recalculés. Le noyau Jupyter que
    papermill démarre hérite de ``os.environ`` et lira les mêmes chemins.
    """
    from pathlib import Path

    from .. import config

    for cle, valeur in env.items():
        os.environ[cle] = str(valeur)
    racine = Path(os.environ.get("EPROUVETTE_RACINE", Path(config.__file__).resolve().parents[2]))
    config.RACINE = racine
    config.DONNEES = racine / "donnees"
    config.PILOTES = Path(os.environ.get("EPROUVETTE_PILOTES", config.DONNEES / "pilotes"))
    config.SCHEMAS = config.DONNEES / "schemas"
    config.PARAMETRES = config.DONNEES / "parametres"
    config.REFERENTIEL = config.DONNEES / "referentiel"
    config.NOTEBOOKS = Path(os.environ.get("EPROUVETTE_NOTEBOOKS", racine / "notebooks"))
    config.RAPPORTS = Path(os.environ.get("EPROUVETTE_RAPPORTS", racine / "rapports"))


class AvecEnvironnement:
    """Appelable sérialisable : installe l'environnement puis appelle ``fonction``.

    Une classe (et non une fermeture) pour que pickle et cloudpickle la transportent telle quelle.
    """

    def __init__(self, fonction: Callable[..., Any], env: Mapping[str, str]):
        self.fonction = fonction
        self.env = dict(env)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.env:
            appliquer_environnement(self.env)
        return self.fonction(*args, **kwargs)

    def __repr__(self) -> str:  # lisible dans le tableau de bord Dask
        return f"AvecEnvironnement({getattr(self.fonction, '__name__', self.fonction)!r})"


def executeur_local(n: int | None = None) -> cf.ProcessPoolExecutor:
    """Pool de ``n`` processus *spawn* (par défaut : un par cœur disponible, au moins 1)."""
    taille = nombre_coeurs() if n is None else max(1, int(n))
    un_fil_de_calcul()
    return cf.ProcessPoolExecutor(max_workers=taille, mp_context=multiprocessing.get_context("spawn"))


class ExecuteurDask(cf.Executor):
    """Interface ``concurrent.futures.Executor`` au-dessus d'un client ``dask.distributed``.

    - chaque soumission est *impure* (``pure=False``) : deux constructions du même pilote ne sont
      jamais confondues par le cache de Dask ;
    - l'environnement ``env`` est installé dans le travailleur avant chaque tâche ;
    - ``shutdown`` attend (ou annule) les tâches, puis ferme le client s'il a été créé ici.
    """

    def __init__(self, client, env: Mapping[str, str] | None = None, fermer_client: bool = True):
        self.client = client
        self.env = dict(env or {})
        self._interne = client.get_executor(pure=False)
        self._fermer_client = fermer_client
        self._ferme = False

    @property
    def nombre_travailleurs(self) -> int:
        """Nombre de fils d'exécution de la grappe (travailleurs × fils)."""
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        return self._interne.submit(AvecEnvironnement(fn, self.env), *args, **kwargs)

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        return self._interne.map(AvecEnvironnement(fn, self.env), *iterables, timeout=timeout)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._ferme:
            return
        self._ferme = True
        self._interne.shutdown(wait=wait and not cancel_futures)
        if self.grappe is not None:
            try:  # les modèles de noyau des travailleurs, fermés et attendus avant la grappe
                self.client.run(_arreter_modele_noyau)
            except Exception:  # un travailleur déjà perdu : la grappe est fermée quand même
                pass
        if self._fermer_client:
            self.client.close()
        if self.grappe is not None:
            self.grappe.close()

    #: La grappe locale lancée pour cet exécuteur (:func:`executeur_dask_local`), fermée avec lui.
    grappe = None


def executeur_dask(adresse: str, env: Mapping[str, str] | None = None, *, timeout: float = 30) -> ExecuteurDask:
    """Exécuteur sur la grappe Dask dont l'ordonnanceur écoute à ``adresse``.

    ``env`` : variables à installer dans les travailleurs avant chaque tâche ; par défaut les
    variables ``EPROUVETTE_*`` de ce processus (les travailleurs ne les connaissent pas).
    Conseil : lancez les travailleurs avec ``--nthreads 1`` (un rapport à la fois par processus ;
    le noyau Jupyter de chaque rapport est déjà un processus à part).
    """
    try:
        from distributed import Client
    except ImportError:
        raise ErreurExecuteur(
            "La construction sur une grappe Dask demande le paquet « distributed » "
            "(pip install 'distributed'), absent de cet environnement. "
            "Sans adresse Dask, les rapports sont construits sur ce poste."
        ) from None
    try:
        client = Client(adresse, timeout=timeout)
    except (OSError, TimeoutError) as e:
        raise ErreurExecuteur(
            f"Impossible de joindre l'ordonnanceur Dask à l'adresse « {adresse} » ({type(e).__name__} : {e}). "
            "Vérifiez l'adresse (par exemple tcp://machine:8786) et que la grappe est lancée."
        ) from None
    return ExecuteurDask(client, environnement_eprouvette() if env is None else env)


def _arreter_modele_noyau() -> None:
    """Dans un travailleur : ferme son modèle de noyau chaud s'il en a un (son CPU et celui de ses copies
    reviennent alors au travailleur, puis à la grappe, puis au lanceur)."""
    from . import noyau_chaud

    noyau_chaud._MODELE.arreter()


def travailleurs_locaux(adresse: str | None) -> int | None:
    """``local`` -> 0 (un travailleur par cœur), ``local:N`` -> N ; None si l'adresse n'est pas une grappe locale."""
    if not adresse:
        return None
    texte = adresse.strip().lower()
    if texte == "local":
        return 0
    if texte.startswith("local:"):
        reste = texte.split(":", 1)[1]
        if not reste.isdigit() or int(reste) < 1:
            raise ErreurExecuteur(f"« {adresse} » : le nombre de travailleurs de la grappe locale doit être un entier "
                                  "positif (par exemple --dask local:2).")
        return int(reste)
    return None


def executeur_dask_local(n: int | None = None, env: Mapping[str, str] | None = None) -> ExecuteurDask:
    """Lance une grappe ``LocalCluster`` de ``n`` processus (par défaut un par cœur), un fil chacun, sans
    tableau de bord, et renvoie son exécuteur ; la grappe est arrêtée avec lui (``shutdown``)."""
    taille = nombre_coeurs() if not n else max(1, int(n))
    un_fil_de_calcul()  # hérité par les processus des travailleurs, leurs modèles de noyau et leurs noyaux
    try:
        import logging

        from distributed import Client, LocalCluster
    except ImportError:
        raise ErreurExecuteur(
            "La grappe Dask locale demande le paquet « distributed » (pip install 'distributed'), absent de cet "
            "environnement. Sans --dask, les rapports sont construits par le pool de ce poste."
        ) from None
    try:
        grappe = LocalCluster(n_workers=taille, threads_per_worker=1, processes=True, dashboard_address=None,
                              silence_logs=logging.ERROR)
    except Exception as e:
        raise ErreurExecuteur(f"La grappe Dask locale n'a pas pu démarrer ({type(e).__name__} : {e}).") from None
    client = Client(grappe)
    ex = ExecuteurDask(client, environnement_eprouvette() if env is None else env)
    ex.grappe = grappe
    return ex


def creer_executeur(adresse_dask: str | None, n: int | None = None,
                    env: Mapping[str, str] | None = None) -> cf.Executor:
    """L'exécuteur du lanceur : la grappe Dask si une adresse est donnée (``local`` ou ``local:N`` : une grappe
    lancée ici pour la construction), sinon un pool local de ``n`` processus."""
    locaux = travailleurs_locaux(adresse_dask)
    if locaux is not None:
        return executeur_dask_local(locaux or n, env)
    if adresse_dask:
        return executeur_dask(adresse_dask, env)
    return executeur_local(n)
