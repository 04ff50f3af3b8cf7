"""Ce dont dépend un rapport, et ce qui a déjà été construit.

Un rapport dépend du dossier de son pilote, de son carnet (notebook) et de la bibliothèque
(code, gabarits, schémas, paramètres, versions épinglées). On en calcule une empreinte
(SHA-256) ; si elle n'a pas changé depuis la dernière construction réussie et que les sorties
sont là, le rapport n'est pas reconstruit. Le dossier du pilote est lu sans lui faire confiance,
par les fonctions de :mod:`eprouvette.fichiers`.

Ce module n'importe rien de lourd : un `make rapports` sans changement doit rester sous 0,3 s. Pour
cela, le lanceur garde dans ``rapports/.etat/condenses`` (:class:`Memoire`) le SHA-256 de chaque
fichier déjà lu, retrouvé par sa taille, ses dates de modification et de changement d'état (``st_mtime_ns``,
``st_ctime_ns``), son inode et son périphérique : un fichier dont rien de cela n'a bougé n'est pas
relu. ``st_ctime_ns`` ne peut pas être remis en arrière (``touch -d`` ou ``cp -p`` le mettent à l'heure
courante) : un contenu changé change toujours la signature. Un fichier modifié moins d'une seconde
avant sa lecture n'est pas gardé (une écriture dans le même instant ne changerait pas ses dates) ; il
sera relu la fois suivante. La même mémoire garde le carnet de chaque pilote (le domaine lu dans
``pilote.yaml``), retrouvé par l'empreinte du dossier et celle de la bibliothèque : sans changement,
aucune fiche YAML n'est relue et rien de lourd (pandas, jsonschema, les domaines) n'est importé.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from contextlib import contextmanager
from pathlib import Path

from .. import config
from ..fichiers import condenser, empreinte_dossier

#: Délai (en nanosecondes) sous lequel un fichier qui vient de changer n'est pas gardé en mémoire.
_RECENT_NS = 1_000_000_000
#: Nombre de carnets gardés (un par pilote et par état de son dossier ; les plus anciens sont oubliés).
_CARNETS_GARDES = 5000
#: Version du format de ``rapports/.etat/condenses`` (une autre version est ignorée).
_VERSION_MEMOIRE = 1


class Memoire:
    """Condensés SHA-256 des fichiers déjà lus et carnets des pilotes (``rapports/.etat/condenses``).

    :meth:`condenser` rend le condensé gardé quand la signature du fichier (taille, ``st_mtime_ns``,
    ``st_ctime_ns``, inode, périphérique) n'a pas changé, sinon lit le fichier comme
    :func:`eprouvette.fichiers.condenser` (ouverture sûre). Le fichier de mémoire est écrit une fois, à
    la fin (:func:`memoire`), s'il a changé ; illisible ou d'une autre version, il est ignoré."""

    def __init__(self, chemin: Path | None = None) -> None:
        self.chemin = chemin
        self.fichiers: dict[str, list] = {}
        self.carnets: dict[str, str | None] = {}
        self.bibliotheque: str | None = None
        self.modifiee = False
        if chemin is not None:
            try:
                brut = json.loads(chemin.read_text(encoding="utf-8"))
                if brut.get("version") == _VERSION_MEMOIRE:
                    self.fichiers = dict(brut.get("fichiers") or {})
                    self.carnets = dict(brut.get("carnets") or {})
            except (OSError, ValueError, AttributeError):
                pass

    @staticmethod
    def _signature(st: os.stat_result) -> list:
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]

    def condenser(self, cible: Path) -> bytes:
        cle = str(cible)
        try:
            st = os.stat(cible, follow_symlinks=False)
        except OSError:
            return condenser(cible)  # lève comme la lecture sans mémoire
        if not stat.S_ISREG(st.st_mode):
            return condenser(cible)
        signature = self._signature(st)
        garde = self.fichiers.get(cle)
        if garde is not None and garde[:-1] == signature:
            return bytes.fromhex(garde[-1])
        debut = time.time_ns()
        condense = condenser(cible)
        try:
            apres = os.stat(cible, follow_symlinks=False)
        except OSError:
            return condense
        if self._signature(apres) == signature and max(st.st_mtime_ns, st.st_ctime_ns) < debut - _RECENT_NS:
            self.fichiers[cle] = [*signature, condense.hex()]
            self.modifiee = True
        elif self.fichiers.pop(cle, None) is not None:
            self.modifiee = True
        return condense

    def carnet(self, dossier: Path, bibliotheque: str, lire) -> Path | None:
        """Le carnet du pilote ``dossier`` : ``lire(dossier)`` la première fois, puis gardé tant que le
        dossier (son empreinte), la bibliothèque et le dossier des carnets sont les mêmes."""
        cle = hashlib.sha256("\0".join([bibliotheque, str(config.NOTEBOOKS), str(Path(dossier).resolve()),
                                         empreinte_dossier(Path(dossier), condenser=self.condenser)])
                             .encode("utf-8")).hexdigest()
        if cle in self.carnets:
            garde = self.carnets.pop(cle)
            self.carnets[cle] = garde  # le plus récent en dernier (les plus anciens sont oubliés d'abord)
            return Path(garde) if garde is not None else None
        carnet = lire(dossier)
        self.carnets[cle] = str(carnet) if carnet is not None else None
        self.modifiee = True
        return carnet

    def enregistrer(self) -> None:
        if self.chemin is None or not self.modifiee:
            return
        self.fichiers = {c: v for c, v in self.fichiers.items() if os.path.lexists(c)}
        self.carnets = dict(list(self.carnets.items())[-_CARNETS_GARDES:])
        try:
            ecrire_atomique(self.chemin, json.dumps(
                {"version": _VERSION_MEMOIRE, "fichiers": self.fichiers, "carnets": self.carnets},
                ensure_ascii=False))
        except OSError:  # une mémoire non écrite ne fait que ralentir la prochaine fois
            pass


#: La mémoire en service pendant :func:`memoire` (sinon aucune : chaque fichier est relu).
_MEMOIRE: Memoire | None = None


@contextmanager
def memoire():
    """Le temps du bloc, les empreintes passent par la mémoire de ``rapports/.etat/condenses`` (rendue),
    écrite à la sortie du bloc si elle a changé."""
    global _MEMOIRE
    ancienne = _MEMOIRE
    _MEMOIRE = Memoire(config.RAPPORTS / ".etat" / "condenses")
    try:
        yield _MEMOIRE
        _MEMOIRE.enregistrer()
    finally:
        _MEMOIRE = ancienne


def _condenser(cible: Path) -> bytes:
    return _MEMOIRE.condenser(cible) if _MEMOIRE is not None else condenser(cible)

#: Fichiers de la bibliothèque qui entrent dans l'empreinte de chaque rapport.
_EXTENSIONS_BIBLIOTHEQUE = {".py", ".j2", ".css", ".json", ".yaml", ".yml", ".js", ".html", ".txt", ".toml"}


def _empreinte_fichiers(fichiers: list[Path], racine: Path) -> str:
    """Empreinte de fichiers de confiance (bibliothèque) : ouverture sûre, une entrée illisible
    entre dans l'empreinte par sa description au lieu d'arrêter le lot."""
    h = hashlib.sha256()
    for f in sorted(fichiers):
        h.update(str(f.relative_to(racine)).encode("utf-8"))
        h.update(b"\0")
        try:
            h.update(_condenser(f))
        except OSError as e:
            h.update(f"illisible:{e.strerror or e}".encode("utf-8"))
    return h.hexdigest()


def _fichiers_sous(dossier: Path, extensions: set[str] | None = None) -> list[Path]:
    if not dossier.exists():
        return []
    resultat = []
    for racine, dossiers, fichiers in os.walk(dossier):
        dossiers[:] = [d for d in dossiers if d != "__pycache__" and not d.startswith(".")]
        for nom in fichiers:
            p = Path(racine) / nom
            if nom.startswith(".") or (extensions is not None and p.suffix not in extensions):
                continue
            resultat.append(p)
    return resultat


def empreinte_bibliotheque() -> str:
    """Empreinte de tout ce qui est commun aux rapports (code, gabarits, schémas, paramètres) ; calculée une
    fois par :func:`memoire` (le lanceur et les notes de cadrage la demandent chacun)."""
    if _MEMOIRE is not None and _MEMOIRE.bibliotheque is not None:
        return _MEMOIRE.bibliotheque
    racine = config.RACINE
    fichiers = _fichiers_sous(racine / "lib" / "eprouvette", _EXTENSIONS_BIBLIOTHEQUE)
    fichiers += _fichiers_sous(config.SCHEMAS)
    fichiers += _fichiers_sous(config.PARAMETRES)
    fichiers += _fichiers_sous(config.REFERENTIEL)
    for nom in ("pyproject.toml", "requirements-verrou.txt"):
        if (racine / nom).exists():
            fichiers.append(racine / nom)
    # Le plotly.js que les pages emportent : un `make js` (réduit installé, ou refait) refait les rapports.
    from ..presentation import paquet_plotly

    fiche = config.PAQUETS_JS / paquet_plotly.NOM_FICHE
    plotly_js = fiche.read_bytes() if fiche.is_file() else b"plotly.js complet"
    empreinte = hashlib.sha256(_empreinte_fichiers(fichiers, racine).encode() + b"\0" + plotly_js).hexdigest()
    if _MEMOIRE is not None:
        _MEMOIRE.bibliotheque = empreinte
    return empreinte


def empreinte_pilote(dossier: Path, carnet: Path | None, bibliotheque: str) -> str:
    """Empreinte d'un rapport : dossier du pilote + carnet + bibliothèque."""
    h = hashlib.sha256()
    h.update(bibliotheque.encode())
    h.update(empreinte_dossier(Path(dossier), condenser=_condenser).encode())
    if carnet is not None and carnet.exists():
        try:
            h.update(_condenser(carnet))
        except OSError as e:
            h.update(f"illisible:{e.strerror or e}".encode("utf-8"))
    return h.hexdigest()


def chemin_etat(identifiant: str) -> Path:
    return config.RAPPORTS / ".etat" / f"{identifiant}.json"


def lire_etat(identifiant: str) -> dict | None:
    try:
        return json.loads(chemin_etat(identifiant).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ecrire_atomique(chemin: Path, contenu: str | bytes) -> None:
    """Écrit dans un fichier temporaire du même dossier puis le renomme : jamais de fichier à moitié écrit."""
    chemin.parent.mkdir(parents=True, exist_ok=True)
    tmp = chemin.with_name(f".{chemin.name}.{os.getpid()}.tmp")
    donnees = contenu.encode("utf-8") if isinstance(contenu, str) else contenu
    with open(tmp, "wb") as f:
        f.write(donnees)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, chemin)


def ecrire_etat(identifiant: str, etat: dict) -> None:
    ecrire_atomique(chemin_etat(identifiant), json.dumps(etat, ensure_ascii=False, indent=2))
