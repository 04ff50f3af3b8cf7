"""Le lanceur de `make rapports` : un rapport par pilote, puis la page d'accueil.

Pour chaque dossier de ``donnees/pilotes/`` :

1. ``pilote.yaml`` est validé (le domaine choisit le carnet : ``notebooks/<domaine>.ipynb``) ;
2. le carnet est exécuté par l'API de papermill avec le paramètre ``dossier_pilote`` ;
3. si une cellule échoue, rien n'est converti : le pilote reçoit une entrée d'erreur (message en
   français) dans ``rapports/index.html`` et un journal dans ``rapports/journaux/`` ;
4. sinon le carnet exécuté est gardé pour l'audit (``rapports/carnets/<id>.ipynb``), converti en
   HTML sans code (``rapports/<id>.html``) et ses résultats lisibles par une machine sont écrits
   dans ``rapports/<id>.json``.

Chaque sortie est écrite dans un fichier temporaire puis renommée : une construction interrompue
laisse le rapport précédent intact. Rien n'est jamais écrit sous ``donnees/``.
Les pilotes sont construits en parallèle (un processus par cœur). Un rapport n'est reconstruit
que si son pilote, son carnet ou la bibliothèque ont changé (voir :mod:`eprouvette.rapports.etat`).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
import threading
import time
import traceback
import warnings
from contextlib import ExitStack, contextmanager
from concurrent.futures import as_completed
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .. import config, fichiers
from . import MIME_RESULTATS, retirer_sorties
from . import etat as etat_mod
from . import journal as journal_mod
from . import noyau_chaud
from .exports import apres_index
from ..cli import choisir_pilotes, dossiers_pilotes
from ..erreurs import chemin_lisible

#: Paramètres qu'un carnet de domaine accepte.
PARAMETRES_CARNET = ("dossier_pilote",)
NOYAU = "python3"


@dataclass
class Tache:
    identifiant: str
    dossier: Path
    empreinte: str
    #: Vrai pour la note de cadrage d'un projet (docs/conception.md) : même pool, même ordre que les rapports.
    note: bool = False

    def soumettre(self, pool):
        from .cadrage import construire_note

        if self.note:
            return pool.submit(construire_note, str(self.dossier), self.empreinte)
        return pool.submit(construire_rapport, str(self.dossier), self.empreinte)

    def construire(self) -> dict:
        from .cadrage import construire_note

        return construire_note(str(self.dossier), self.empreinte) if self.note else \
            construire_rapport(str(self.dossier), self.empreinte)


def lister_dossiers_pilotes(racine: Path) -> list[Path]:
    """Tous les sous-dossiers (non cachés) de ``racine`` : chacun est un pilote."""
    return dossiers_pilotes(racine)


def carnet_du_pilote(dossier: Path) -> Path | None:
    """Le carnet du domaine déclaré dans pilote.yaml, sans valider le reste (lecture rapide).

    pilote.yaml est lu comme par :func:`eprouvette.pilote.lire_fiche` (fichier ordinaire du
    dossier, taille et alias YAML bornés) ; None si cette lecture échoue."""
    if fichiers.probleme_du_dossier(dossier) is not None:
        return None
    try:
        from ..pilote import lire_fiche

        brut, _ = lire_fiche(dossier)
        domaine = brut.get("domaine") if isinstance(brut, dict) else None
    except Exception:
        return None
    from ..domaines import registre

    d = registre().get(domaine) if isinstance(domaine, str) else None
    return d.chemin_carnet() if d else None


# --------------------------------------------------------------------------------------------
# Construction d'un rapport (dans un processus de travail)
# --------------------------------------------------------------------------------------------


class EchecPilote(Exception):
    """Un pilote ne peut pas être construit ; le message est pour l'analyste, en français."""


def charger_pilote_ou_echec(dossier: Path):
    """La fiche du dossier (pilote ou projet), après l'inventaire sûr du dossier ; :class:`EchecPilote` sinon."""
    from ..erreurs import ErreurDonnees, ErreursDonnees
    from ..pilote import charger_pilote

    try:
        # Rien n'est ouvert dans un dossier qui contient un lien sortant, un lien cassé, un tube nommé…
        fichiers.verifier_dossier(dossier)
        return charger_pilote(dossier)
    except (ErreurDonnees, ErreursDonnees) as e:
        raise EchecPilote(str(e)) from None


def _journal(identifiant: str) -> Path:
    return config.RAPPORTS / "journaux" / f"{identifiant}.log"


def _extraire_resultats(nb) -> dict | None:
    """Retire du carnet les sorties de résultats (invisibles dans le rapport) et renvoie la dernière."""
    publies = retirer_sorties(nb, MIME_RESULTATS)
    if not publies:
        return None
    valeur = publies[-1][1]
    # Types simples (dict, list) et non NotebookNode : l'état renvoyé au lanceur par pickle n'oblige pas
    # celui-ci à importer nbformat et jsonschema (≈ 2,5 s de CPU avec la grammaire rfc3987).
    return json.loads(valeur if isinstance(valeur, str) else json.dumps(valeur))


def _message_execution(erreur) -> str:
    ename = getattr(erreur, "ename", type(erreur).__name__)
    evalue = getattr(erreur, "evalue", str(erreur))
    if ename in ("ErreurDonnees", "ErreursDonnees", "FichierRefuse", "EchecPilote"):
        return evalue
    cellule = getattr(erreur, "exec_count", None)
    lieu = f" (cellule {cellule})" if cellule is not None else ""
    return (
        f"Le carnet s'est arrêté sur une erreur inattendue{lieu} : {ename} : {evalue}. "
        "Le détail technique est dans le journal du pilote."
    )


#: Le dernier carnet exécuté par ce fil (:class:`_MoteurRapport`) : celui d'un carnet arrêté sur une erreur,
#: dont le lanceur relève quand même les avertissements déjà émis.
_DERNIER = threading.local()


@functools.lru_cache(maxsize=1)
def _moteur() -> str:
    """Le moteur papermill des rapports : celui de nbclient (moteur par défaut), qui garde en plus le
    carnet exécuté, même quand une cellule a échoué (papermill ne le rend alors pas : il lève
    ``PapermillExecutionError``). Le carnet n'a ainsi jamais besoin d'être écrit puis relu."""
    from papermill.engines import NBClientEngine, papermill_engines

    class _MoteurRapport(NBClientEngine):
        @classmethod
        def execute_notebook(cls, *args, **kwargs):
            nb = super().execute_notebook(*args, **kwargs)
            _DERNIER.carnet = nb
            return nb

    papermill_engines.register("eprouvette", _MoteurRapport)
    return "eprouvette"


def carnet_en_erreur():
    """Le carnet exécuté en dernier par ce fil, arrêté sur une erreur (à lire après ``PapermillExecutionError``)."""
    return getattr(_DERNIER, "carnet", None)


def executer_carnet(carnet: Path, parametres: dict):
    """Exécute un carnet par l'API de papermill, comme pour tout rapport (noyau neuf, délai par cellule),
    et renvoie le carnet exécuté (rien n'est écrit sur le disque)."""
    from .._imports import jsonschema

    jsonschema()  # papermill importe nbformat, puis jsonschema : sans la grammaire rfc3987 (eprouvette._imports)
    import papermill as pm

    _DERNIER.carnet = None
    return pm.execute_notebook(
        str(carnet),
        None,
        parameters=parametres,
        engine_name=_moteur(),
        kernel_name=NOYAU,
        progress_bar=False,
        request_save_on_cell_execute=False,
        cwd=str(config.NOTEBOOKS),
        shutdown_kernel="immediate",
        # Noyau tiré d'un modèle déjà chargé (eprouvette.rapports.noyau_chaud) : un processus neuf
        # par carnet, sans refaire les imports.
        **noyau_chaud.arguments_papermill(),
        execution_timeout=config.DELAI_CELLULE_S,
        # Le noyau local prévient qu'il parle en TCP non chiffré sur 127.0.0.1 : bruit pour l'analyste.
        # Pas d'historique IPython (base SQLite dans ~/.ipython) : inutile pour un rapport.
        # Avertissements (numpy, statsmodels…) et notes de la bibliothèque relevés cellule par
        # cellule pour le journal et le rapport (eprouvette.rapports.journal).
        extra_arguments=["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False",
                         f"--IPKernelApp.exec_lines={json.dumps([journal_mod.CODE_NOYAU])}"],
    )


def construire_rapport(dossier: str, empreinte: str) -> dict:
    """Construit le rapport d'un pilote. Ne lève pas : renvoie un état (réussite ou échec)."""
    dossier_p = Path(dossier)
    identifiant = dossier_p.name
    debut = time.perf_counter()
    journal = journal_mod.ouvrir(identifiant)
    journal.info("construction de %s", identifiant)
    etat = {
        "identifiant": identifiant,
        "empreinte": empreinte,
        "date": datetime.now().isoformat(timespec="seconds"),
    }
    try:
        pilote = charger_pilote_ou_echec(dossier_p)
        etat.update(titre=pilote.titre, domaine=pilote.domaine)
        from ..domaines import DomaineInconnu, domaine

        try:
            carnet = domaine(pilote.domaine).chemin_carnet()
        except DomaineInconnu as e:
            raise EchecPilote(f"{str(e)[0].upper()}{str(e)[1:]}.") from None
        if not carnet.exists():
            raise EchecPilote(
                f"Le domaine « {pilote.domaine} » n'a pas "
                f"encore de carnet d'analyse ({chemin_lisible(carnet)} est absent)."
            )

        import nbformat
        import papermill as pm
        from nbclient.exceptions import CellTimeoutError, DeadKernelError
        from papermill.exceptions import PapermillExecutionError

        from ..francais import accord

        parametres = {"dossier_pilote": str(dossier_p.resolve())}
        attendus = set(pm.inspect_notebook(str(carnet)).keys())
        inconnus = sorted(set(parametres) - attendus)
        if inconnus:
            raise EchecPilote(
                f"{chemin_lisible(carnet)} : {accord(len(inconnus), 'paramètre inconnu', 'paramètres inconnus')} "
                f"{', '.join(inconnus)} ; "
                f"le carnet accepte : {', '.join(sorted(attendus)) or 'aucun paramètre'}."
            )

        t0 = time.perf_counter()
        try:
            nb = executer_carnet(carnet, parametres)
        except PapermillExecutionError as e:
            _consigner_carnet_partiel(journal)
            journal.error("le carnet s'est arrêté sur une erreur :\n%s",
                          "".join(_nettoyer_ansi(l) + "\n" for l in (e.traceback or [])))
            raise EchecPilote(_message_execution(e)) from None
        except CellTimeoutError:
            journal.error("%s", traceback.format_exc())
            raise EchecPilote(
                f"Le carnet a dépassé le délai de {config.DELAI_CELLULE_S} s pour une seule cellule : "
                "la construction de ce pilote est arrêtée, les autres continuent. Un fichier de mesures "
                "très volumineux ou un calcul bloqué en est la cause habituelle ; le détail est dans le "
                "journal du pilote. Le délai se règle par la variable d'environnement EPROUVETTE_DELAI_CELLULE."
            ) from None
        except DeadKernelError:
            journal.error("%s", traceback.format_exc())
            raise EchecPilote(
                "Le processus d'analyse du carnet s'est arrêté brutalement (mémoire épuisée ou arrêt forcé) : "
                "la construction de ce pilote est abandonnée, les autres continuent. Le détail est dans le "
                "journal du pilote."
            ) from None
        journal.info("exécution du carnet : %.2f s", time.perf_counter() - t0)

        resultats = _extraire_resultats(nb)
        releves = journal_mod.extraire(nb)
        journal_mod.consigner(journal, releves)
        if resultats is None:
            raise EchecPilote(
                f"{chemin_lisible(carnet)} n'a pas publié de résultats "
                "(appel à eprouvette.rapports.publier_resultats manquant)."
            )
        # Un avertissement de calcul (RuntimeWarning…) peut changer un chiffre : le rapport le dit.
        avertissements = journal_mod.avertissements_calcul(releves)
        if avertissements:
            journal_mod.inserer_note(nb, journal_mod.note_avertissements(
                avertissements, _chemin_court(_journal(identifiant))))
            resultats["avertissements_calcul"] = avertissements
        nb.metadata["title"] = pilote.titre
        if pilote.donnees_simulees:
            nb.metadata["eprouvette_simule"] = True  # bandeau « Données simulées » du rapport et de la note

        from .html import convertir_en_html

        t0 = time.perf_counter()
        with _avertissements_au_journal(journal):
            page = convertir_en_html(nb, pilote.titre)
        journal.info("conversion HTML : %.2f s", time.perf_counter() - t0)

        resultats.setdefault("identifiant", identifiant)
        resultats["rapport"] = f"{identifiant}.html"
        # La note aux élus (deux pages) : le premier écran du rapport, ce qu'il faut pour essaimer, le contact.
        from .note import carnet_note, chemin_note

        t0 = time.perf_counter()
        nb_note = carnet_note(nb, resultats, pilote, identifiant)
        with _avertissements_au_journal(journal):
            page_note = convertir_en_html(nb_note, pilote.titre) if nb_note is not None else None
        if page_note is not None:
            resultats["note"] = chemin_note(identifiant)
        journal.info("note aux élus : %.2f s", time.perf_counter() - t0)
        etat_mod.ecrire_atomique(
            config.RAPPORTS / "carnets" / f"{identifiant}.ipynb", nbformat.writes(nb)
        )
        etat_mod.ecrire_atomique(
            config.RAPPORTS / f"{identifiant}.json",
            json.dumps(resultats, ensure_ascii=False, indent=2, default=str),
        )
        etat_mod.ecrire_atomique(config.RAPPORTS / f"{identifiant}.html", page)
        if page_note is not None:
            etat_mod.ecrire_atomique(config.RAPPORTS / chemin_note(identifiant), page_note)
        etat.update(statut="reussi", resultats=resultats, taille_html=len(page.encode("utf-8")))
    except EchecPilote as e:
        etat.update(statut="echec", message=str(e))
        journal.error("échec : %s", e)
        _retirer_sorties(identifiant)
    except Exception as e:  # une erreur du code, pas des données : on la consigne en entier
        etat.update(
            statut="echec",
            message=(
                f"Erreur interne pendant la construction ({type(e).__name__} : {e}). "
                "Le détail technique est dans le journal du pilote."
            ),
        )
        journal.error("erreur interne :\n%s", traceback.format_exc())
        _retirer_sorties(identifiant)
    etat["duree_s"] = round(time.perf_counter() - debut, 2)
    journal.info("durée totale : %s s", etat["duree_s"])
    journal_mod.fermer(journal, _journal(identifiant))
    etat_mod.ecrire_etat(identifiant, etat)
    return etat


@contextmanager
def _avertissements_au_journal(journal):
    """Les avertissements émis par le lanceur (conversion HTML…) vont au journal, et au terminal comme avant."""
    with warnings.catch_warnings(record=True) as vus:
        warnings.simplefilter("default")
        yield
    for w in vus:
        journal.warning("avertissement (lanceur) : %s : %s", w.category.__name__, w.message)
        if (w.category, str(w.message)) not in _DEJA_MONTRES:
            _DEJA_MONTRES.add((w.category, str(w.message)))
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


#: Avertissements du lanceur déjà écrits sur le terminal par ce processus (une fois chacun, comme avant).
_DEJA_MONTRES: set = set()


def _consigner_carnet_partiel(journal) -> None:
    """Carnet arrêté sur une erreur : ses avertissements et notes déjà émis vont quand même au journal."""
    nb = carnet_en_erreur()
    if nb is not None:
        journal_mod.consigner(journal, journal_mod.extraire(nb))


def _nettoyer_ansi(texte: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", texte)


def _retirer_sorties(identifiant: str) -> None:
    """Un pilote en échec n'a plus de rapport : on ne laisse pas circuler des chiffres périmés."""
    for chemin in (
        config.RAPPORTS / f"{identifiant}.html",
        config.RAPPORTS / f"{identifiant}.json",
        config.RAPPORTS / f"{identifiant}-note.html",
        config.RAPPORTS / "carnets" / f"{identifiant}.ipynb",
    ):
        chemin.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# Le lot
# --------------------------------------------------------------------------------------------


def _a_jour(tache: Tache) -> dict | None:
    ancien = etat_mod.lire_etat(tache.identifiant)
    if not ancien or ancien.get("empreinte") != tache.empreinte:
        return None
    if ancien.get("statut") == "reussi":
        if not (config.RAPPORTS / f"{tache.identifiant}.html").exists():
            return None
        if not (config.RAPPORTS / f"{tache.identifiant}.json").exists():
            return None
    return ancien


def _nettoyer_orphelins(identifiants: set[str]) -> bool:
    """Retire les sorties des pilotes qui n'existent plus dans donnees/pilotes/."""
    change = False
    dossier_etat = config.RAPPORTS / ".etat"
    if dossier_etat.exists():
        for f in dossier_etat.glob("*.json"):
            if f.stem not in identifiants:
                _retirer_sorties(f.stem)
                (config.RAPPORTS / "journaux" / f"{f.stem}.log").unlink(missing_ok=True)
                f.unlink()
                change = True
    return change


def _processus_vivant(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _nettoyer_temporaires() -> None:
    """Retire ce qu'a laissé une construction interrompue : les dossiers temporaires
    (``<id>.<pid>.xxxx``) et fichiers ``.<nom>.<pid>.tmp`` dont le processus n'existe plus.
    Ceux d'une construction qui tourne en même temps sont laissés en place."""
    dossier = config.RAPPORTS / ".tmp"
    if dossier.exists():
        for d in dossier.iterdir():
            morceaux = d.name.split(".")
            pid = int(morceaux[-2]) if len(morceaux) >= 3 and morceaux[-2].isdigit() else None
            if pid is None or not _processus_vivant(pid):
                shutil.rmtree(d, ignore_errors=True)
    for f in config.RAPPORTS.rglob(".*.tmp"):
        morceaux = f.name.split(".")
        pid = int(morceaux[-2]) if len(morceaux) >= 3 and morceaux[-2].isdigit() else None
        if pid is None or not _processus_vivant(pid):
            f.unlink(missing_ok=True)


def duree_attendue(tache: Tache) -> tuple[int, float]:
    """Clé de tri : les rapports les plus longs d'abord (ordonnancement « le plus long d'abord »).

    La durée de la dernière construction du pilote (``rapports/.etat``) si elle existe, sinon la
    taille de ses fichiers de données, qui la prédit (un pilote horaire est plus long qu'un pilote
    journalier). Sur deux processus, lancer en dernier le rapport le plus long laisserait un cœur
    inoccupé pendant toute sa construction. Une note de cadrage sans construction connue passe avant
    tout (des centaines de simulations de l'évaluation : plus longue que n'importe quel rapport).
    """
    if tache.note:
        from .cadrage import duree_attendue as duree_note

        d = duree_note(tache.identifiant)
        return (1, d) if d is not None else (3, 0.0)
    ancien = etat_mod.lire_etat(tache.identifiant) or {}
    if ancien.get("statut") == "reussi" and isinstance(ancien.get("duree_s"), (int, float)):
        return (1, float(ancien["duree_s"]))
    taille = sum(fichiers.taille_donnees(e.cible) for e in fichiers.inventaire(tache.dossier)
                 if e.cible is not None and not e.dossier)
    # Sans historique : avant les pilotes connus (durée inconnue, possiblement longue), par taille.
    return (2, float(taille))


def ordonner(taches: list[Tache]) -> list[Tache]:
    """Les tâches dans l'ordre de soumission : les plus longues d'abord (voir :func:`duree_attendue`)."""
    return sorted(taches, key=duree_attendue, reverse=True)


def nombre_travailleurs(n_taches: int) -> int:
    try:
        coeurs = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - hors Linux
        coeurs = os.cpu_count() or 1
    return max(1, min(coeurs, n_taches))


def construire_tout(
    pilotes: Path | None = None,
    forcer: bool = False,
    travailleurs: int | None = None,
    selection: list[str] | None = None,
    sortie=sys.stdout,
    adresse_dask: str | None = None,
    silencieux: bool = False,
) -> int:
    """Construit tous les rapports qui en ont besoin, puis l'index. Renvoie le code de sortie.

    ``selection`` : identifiants des pilotes à construire (tous si vide) ; un identifiant inconnu
    lève :class:`eprouvette.cli.PiloteInconnu` (message qui liste les pilotes connus), avant
    toute construction. ``silencieux`` : seules les erreurs et la ligne finale sont écrites."""
    racine = Path(pilotes) if pilotes else config.PILOTES
    dossiers = choisir_pilotes(selection, racine)

    def dire(*morceaux, **options) -> None:
        if not silencieux:
            print(*morceaux, file=sortie, flush=True, **options)

    config.RAPPORTS.mkdir(parents=True, exist_ok=True)
    _nettoyer_temporaires()
    from .executeurs import un_fil_de_calcul

    un_fil_de_calcul()  # avant tout processus et tout noyau : ils héritent de l'environnement

    taches, etats = [], {}
    illisibles = False
    # Les empreintes passent par la mémoire des fichiers déjà lus (rapports/.etat/condenses) : sans
    # changement, aucun fichier n'est relu et aucune fiche YAML n'est analysée.
    with etat_mod.memoire() as memoire:
        biblio = etat_mod.empreinte_bibliotheque()
        for d in dossiers:
            try:
                t = Tache(d.name, d, etat_mod.empreinte_pilote(d, memoire.carnet(d, biblio, carnet_du_pilote), biblio))
            except Exception as e:  # un pilote qu'on ne peut même pas inventorier n'arrête pas les autres
                etats[d.name] = _echec_hors_construction(
                    d.name, f"Le dossier du pilote n'a pas pu être lu ({type(e).__name__} : {e}).")
                illisibles = True
                continue
            ancien = None if forcer else _a_jour(t)
            if ancien is not None:
                etats[t.identifiant] = ancien
            else:
                taches.append(t)

        change = _nettoyer_orphelins({d.name for d in lister_dossiers_pilotes(racine)}) if not selection else False
        change = change or illisibles
        if not dossiers:
            print(f"Aucun pilote dans {_chemin_court(racine)}.", file=sortie)

        # Les notes de cadrage des projets (config.PROJETS, à côté des pilotes ; docs/conception.md), que le
        # portefeuille relie : pour la construction par défaut seulement, dans le même pool que les rapports et
        # en même temps qu'eux (les plus longues tâches d'abord, rapports et notes confondus).
        avec_cadrages = not selection and pilotes is None
        etats_notes, notes = [], []
        if avec_cadrages:
            from .cadrage import notes_a_construire

            etats_notes, a_faire = notes_a_construire(forcer=forcer)
            notes = [Tache(d.name, d, e, note=True) for d, e in a_faire]
    n_rapports = len(taches)
    taches = taches + notes

    from ..francais import compte  # pandas : importé après la vérification, qui n'en a pas besoin

    resultats_notes: dict[str, dict] = {}

    def ranger(t: Tache, etat: dict) -> None:
        (resultats_notes if t.note else etats)[t.identifiant] = etat

    # Le modèle de noyau partagé du pool local reste ouvert jusqu'à la page du portefeuille (index.effets_combines).
    with ExitStack() as modele:
        if taches:
            taches = ordonner(taches)
            n = min(travailleurs, len(taches)) if travailleurs else nombre_travailleurs(len(taches))
            quoi = compte(n_rapports, 'rapport') + (f" et {compte(len(notes), 'note de cadrage', 'notes de cadrage')}"
                                                     if notes else "")
            dire(f"{quoi} à construire sur {compte(len(dossiers), 'pilote')}, {n} processus…")
            debut = time.perf_counter()
            if n == 1 and not adresse_dask:
                for i, t in enumerate(taches, 1):
                    ranger(t, t.construire())
                    _afficher(i, len(taches), (resultats_notes if t.note else etats)[t.identifiant], dire, t.note)
            else:
                from .executeurs import creer_executeur

                from concurrent.futures.process import BrokenProcessPool

                from . import noyau_chaud

                a_reprendre: list[Tache] = []
                i = 0
                # Pool local : un seul modèle de noyau pour tous ses processus (une grappe Dask a les siens), gardé
                # jusqu'à la page du portefeuille, dont une copie fait les méta-analyses (index.effets_combines).
                if not adresse_dask:
                    modele.enter_context(noyau_chaud.modele_partage())
                with creer_executeur(adresse_dask, n) as pool:
                    futurs = {t.soumettre(pool): t for t in taches}
                    for f in as_completed(futurs):
                        t = futurs[f]
                        try:
                            ranger(t, f.result())
                        except BrokenProcessPool:
                            # Un processus du pool est mort (mémoire, signal) : tout le pool est perdu, y
                            # compris les pilotes qui n'y sont pour rien. Ils sont repris un par un, chacun
                            # dans son propre processus, pour que seul le fautif échoue.
                            a_reprendre.append(t)
                            continue
                        except Exception as e:  # le processus lui-même est mort
                            ranger(t, _echec_processus(t, e))
                        i += 1
                        _afficher(i, len(taches), (resultats_notes if t.note else etats)[t.identifiant], dire, t.note)
                for t in sorted(a_reprendre, key=lambda t: t.identifiant):
                    try:
                        with creer_executeur(None, 1) as seul:
                            ranger(t, t.soumettre(seul).result())
                    except Exception as e:
                        ranger(t, _echec_processus(t, e))
                    i += 1
                    _afficher(i, len(taches), (resultats_notes if t.note else etats)[t.identifiant], dire, t.note)
            dire(f"Terminé en {time.perf_counter() - debut:.1f} s.")
            change = True
        elif dossiers:
            dire("Tous les rapports sont à jour : rien à reconstruire.")

        code_cadrage = 0
        if avec_cadrages:
            # La vue de chaque appel, d'après les notes (à jour ou construites ci-dessus).
            from .cadrage import finir_cadrages

            code_cadrage, cadrages_faits = finir_cadrages(etats_notes + list(resultats_notes.values()),
                                                          bool(notes), sortie=sortie, silencieux=silencieux)
            change = change or cadrages_faits
        _nettoyer_temporaires()
        index = config.RAPPORTS / "index.html"
        if change or not index.exists():
            from .index import ecrire_index

            tous = {d.name: etats.get(d.name) or etat_mod.lire_etat(d.name) for d in lister_dossiers_pilotes(racine)}
            ecrire_index([e for e in tous.values() if e])
        apres_index(sortie)  # rapports/portefeuille.xlsx, d'après index.json ; un échec avertit sans arrêter

        echecs = [e for e in etats.values() if e.get("statut") != "reussi"]
        for e in resultats_notes.values():
            if e.get("statut") != "reussi":
                print(f"- note de cadrage {e['identifiant']} : échec : {e.get('message', '')}", file=sortie)
        if echecs:
            print(f"\n{compte(len(echecs), 'pilote')} en échec :", file=sortie)
            for e in echecs:
                print(f"- {e['identifiant']} : {e.get('message', '')}", file=sortie)
                print(f"  journal : {_chemin_court(_journal(e['identifiant']))}", file=sortie)
        if index.exists():
            # La ligne finale : où ouvrir le résultat (un lien file:// que les terminaux rendent cliquable).
            print(f"Page d'accueil des rapports : {_chemin_court(index)} — {index.resolve().as_uri()}",
                  file=sortie, flush=True)
        return 1 if echecs or code_cadrage else 0


def _echec_hors_construction(identifiant: str, message: str, empreinte: str = "") -> dict:
    """État d'échec d'un pilote qui n'a pas pu être construit (consigné comme les autres)."""
    etat = {"identifiant": identifiant, "statut": "echec", "empreinte": empreinte, "message": message,
            "date": datetime.now().isoformat(timespec="seconds"), "duree_s": 0.0}
    try:
        etat_mod.ecrire_atomique(_journal(identifiant), f"ÉCHEC : {message}\n")
        etat_mod.ecrire_etat(identifiant, etat)
        _retirer_sorties(identifiant)
    except OSError:
        pass
    return etat


def _echec_processus(t: Tache, e: BaseException) -> dict:
    message = f"Le processus de construction s'est arrêté ({type(e).__name__} : {e})."
    if isinstance(e, MemoryError) or "terminated abruptly" in str(e):
        message += " Il a pu manquer de mémoire ; le détail est dans le journal du système."
    return _echec_hors_construction(t.identifiant, message)


def _chemin_court(chemin: Path) -> str:
    try:
        return str(chemin.resolve().relative_to(config.RACINE.resolve()))
    except ValueError:
        return str(chemin)


def _afficher(i: int, n: int, etat: dict, dire, note: bool = False) -> None:
    if note and etat.get("statut") == "reussi":
        texte = "note de cadrage construite"
    elif etat.get("statut") == "reussi":
        verdict = (etat.get("resultats") or {}).get("verdict_libelle") or (etat.get("resultats") or {}).get("verdict", "")
        texte = f"rapport construit ({verdict})" if verdict else "rapport construit"
    else:
        texte = "ÉCHEC — " + etat.get("message", "").splitlines()[0][:200]
    dire(f"[{i}/{n}] {etat['identifiant']} : {texte} ({etat.get('duree_s', 0):.1f} s)")
