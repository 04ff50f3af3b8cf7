"""Les paramètres versionnés (``donnees/parametres/*.yaml``) : un type, un chargeur.

Chaque valeur chiffrée d'un fichier de paramètres (prix, facteur d'émission, coût d'une levée,
longueur d'un trajet…) est un bloc ``valeur, unite, source, annee`` (et, facultatifs,
``a_confirmer``, ``min``, ``max``), lu en un :class:`Parametre`. Un fichier est lu par
:func:`lire_fichier` : message en français qui nomme le fichier (et la ligne d'un YAML mal
formé), et **une seule lecture** par processus tant que le fichier ne change pas (une analyse
lit donc chaque fichier une fois, quel que soit le nombre de modules qui le demandent).

Rez-de-chaussée de la bibliothèque : n'importe que ``config`` et ``erreurs``. L'économie
(``valorisation.yaml``), les domaines (``dechets.yaml``, ``eau.yaml``, ``mobilite.yaml``), la
grille (``recommandation.yaml``) et le portefeuille (``portefeuille.yaml``) lisent par ici.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import yaml

from . import config
from .erreurs import ErreurDonnees
from .francais import accord

#: Clés obligatoires d'un bloc de paramètre.
CLES_PARAMETRE = ("valeur", "unite", "source", "annee")
ATTENDU_BLOC = "valeur, unite, source, annee (et a_confirmer, min, max facultatifs)"


@dataclass(frozen=True)
class Plage:
    """Plage d'incertitude d'un coût ou d'un prix : loi triangulaire (min, mode, max) si ``mode``
    est donné et strictement entre les bornes, sinon loi uniforme sur [min ; max]."""

    min: float
    max: float
    mode: float | None = None

    def __post_init__(self) -> None:
        if not self.min <= self.max:
            raise ValueError(f"plage invalide : min {self.min} > max {self.max}")
        if self.mode is not None and not self.min <= self.mode <= self.max:
            raise ValueError(f"plage invalide : mode {self.mode} hors de [{self.min} ; {self.max}]")

    def tirer(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.max == self.min:
            return np.full(n, float(self.min))
        if self.mode is not None and self.min < self.mode < self.max:
            return rng.triangular(self.min, self.mode, self.max, size=n)
        if self.mode is not None and self.mode in (self.min, self.max):
            return rng.triangular(self.min, self.mode, self.max, size=n)
        return rng.uniform(self.min, self.max, size=n)


@dataclass(frozen=True)
class Parametre:
    """Une valeur chiffrée d'un fichier de paramètres, avec son unité, sa source et son année."""

    valeur: float
    unite: str
    source: str
    annee: int
    a_confirmer: bool = False
    min: float | None = None
    max: float | None = None

    def plage(self) -> Plage | None:
        """Plage (loi triangulaire centrée sur la valeur) si ``min`` et ``max`` sont donnés."""
        if self.min is None or self.max is None:
            return None
        return Plage(self.min, self.max, mode=self.valeur)


def chemin(nom: str | Path | None, defaut: str) -> Path:
    """Le fichier demandé, ou ``donnees/parametres/<defaut>``."""
    return Path(nom) if nom is not None else config.PARAMETRES / defaut


_CACHE: dict[tuple[str, int, int], Any] = {}


def lire_fichier(fichier: str | Path, quoi: str) -> dict:
    """Le contenu d'un fichier de paramètres YAML (un dictionnaire), lu une fois par processus.

    ``quoi`` complète le message d'un fichier absent : « fichier de paramètres {quoi}
    introuvable. ». La lecture est gardée tant que le fichier ne change pas (chemin, date de
    modification, taille) ; l'appelant reçoit une copie, qu'il peut modifier sans risque.
    """
    p = Path(fichier)
    try:
        info = p.stat()
    except OSError:
        raise ErreurDonnees(p, f"fichier de paramètres {quoi} introuvable.") from None
    cle = (str(p.resolve()), info.st_mtime_ns, info.st_size)
    if cle not in _CACHE:
        try:
            brut = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            marque = getattr(e, "problem_mark", None)
            probleme = getattr(e, "problem", None)
            raise ErreurDonnees(
                p, "YAML mal formé" + (f" ({probleme})." if probleme else "."),
                ligne=(marque.line + 1) if marque else None,
            ) from None
        if brut is None:
            brut = {}
        if not isinstance(brut, dict):
            raise ErreurDonnees(p, "le fichier doit contenir un dictionnaire de paramètres.")
        _CACHE[cle] = brut
    return copy.deepcopy(_CACHE[cle])


def exiger(brut: dict, cles: Iterable[str], fichier: str | Path) -> None:
    """ErreurDonnees (nommant le premier champ absent) si une clé obligatoire manque."""
    for cle in cles:
        if cle not in brut:
            raise ErreurDonnees(fichier, "paramètre obligatoire absent.", champ=cle)


def parametre(bloc: Any, fichier: str | Path, nom: str, *, positif: bool = False) -> Parametre:
    """Lit un bloc ``valeur, unite, source, annee`` ; ``positif`` refuse une valeur négative."""
    if bloc is None:
        raise ErreurDonnees(fichier, f"bloc « {nom} » absent.", champ=nom, attendu=ATTENDU_BLOC)
    if not isinstance(bloc, dict):
        raise ErreurDonnees(fichier, "bloc attendu (valeur, unite, source, annee).", champ=nom)
    manquants = [c for c in CLES_PARAMETRE if c not in bloc]
    if manquants:
        raise ErreurDonnees(
            fichier,
            f"{accord(len(manquants), 'clé absente', 'clés absentes')} : {', '.join(manquants)}.",
            champ=nom,
            attendu=", ".join(CLES_PARAMETRE),
        )
    try:
        valeur = float(bloc["valeur"])
        annee = int(bloc["annee"])
        vmin = None if bloc.get("min") is None else float(bloc["min"])
        vmax = None if bloc.get("max") is None else float(bloc["max"])
    except (TypeError, ValueError):
        raise ErreurDonnees(
            fichier,
            f"valeur non numérique ({bloc.get('valeur')!r}).",
            champ=nom,
            attendu="un nombre avec un point décimal (0.032), une année entière",
        ) from None
    if not math.isfinite(valeur):
        raise ErreurDonnees(fichier, "valeur non finie.", champ=nom)
    if positif and valeur < 0:
        raise ErreurDonnees(fichier, f"valeur invalide ({valeur}).", champ=nom, attendu="un nombre positif ou nul")
    if vmin is not None and vmax is not None and not vmin <= valeur <= vmax:
        raise ErreurDonnees(
            fichier,
            f"la valeur {valeur} n'est pas dans la plage [{vmin} ; {vmax}].",
            champ=nom,
            attendu="min <= valeur <= max",
        )
    return Parametre(
        valeur=valeur,
        unite=str(bloc["unite"]),
        source=str(bloc["source"]),
        annee=annee,
        a_confirmer=bool(bloc.get("a_confirmer", False)),
        min=vmin,
        max=vmax,
    )
