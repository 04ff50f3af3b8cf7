"""Erreurs de données lisibles par un analyste : fichier, ligne, colonne, ce qui était attendu."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import config


def chemin_lisible(chemin: str | Path) -> str:
    """Chemin relatif à la racine du projet quand c'est possible (plus court dans les messages)."""
    p = Path(chemin)
    if not p.is_absolute() and not p.exists():
        # Libellé (« mesures fournies ») ou nom sans dossier : montré tel quel, pas résolu
        # par rapport au dossier courant (un carnet lancé depuis notebooks/ afficherait
        # « notebooks/mesures », un chemin qui n'existe pas).
        return str(p)
    try:
        return str(p.resolve().relative_to(config.RACINE.resolve()))
    except ValueError:
        return str(p)


def _sans_trace(erreur: Exception) -> list[str]:
    return ["Erreur dans les données du pilote (à corriger dans son dossier ; `make verifier` les liste toutes) :",
            *str(erreur).splitlines()]


#: Longueur au-delà de laquelle une valeur citée dans un message est coupée, suivie de « … ».
LONGUEUR_CITATION = 80


def citer(valeur, longueur: int = LONGUEUR_CITATION) -> str:
    """Texte d'une valeur à citer dans un message, coupé à ``longueur`` caractères suivis de « … »."""
    texte = str(valeur)
    return texte if len(texte) <= longueur else texte[:longueur] + "…"


@dataclass(eq=False)
class ErreurDonnees(Exception):
    """Une donnée d'entrée ne respecte pas le standard.

    Le message est en français et nomme le fichier, l'endroit (ligne, colonne ou champ),
    ce qui a été trouvé, ce qui était attendu et, si possible, comment corriger.
    """

    fichier: str | Path
    message: str
    ligne: int | None = None
    colonne: str | None = None
    champ: str | None = None
    attendu: str | None = None
    conseil: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def lieu(self) -> str:
        morceaux = [chemin_lisible(self.fichier)]
        if self.ligne is not None:
            morceaux.append(f"ligne {self.ligne}")
        if self.colonne is not None:
            morceaux.append(f"colonne « {self.colonne} »")
        if self.champ is not None:
            morceaux.append(f"champ « {self.champ} »")
        return ", ".join(morceaux)

    def _render_traceback_(self) -> list[str]:
        """Dans un carnet (IPython, JupyterLab) : le message en français, sans trace Python."""
        return _sans_trace(self)

    def __str__(self) -> str:
        texte = f"{self.lieu()} : {self.message}"
        if self.attendu:
            texte += f" Attendu : {self.attendu}."
        if self.conseil:
            texte += f" {self.conseil}"
        return texte


#: Dernière erreur d'une liste tronquée : « … et 450 autres erreurs non détaillées. »
_RESTE = re.compile(r"^… et (\d+) autres? erreurs? non détaillées?\.$")


class ErreursDonnees(Exception):
    """Plusieurs erreurs trouvées dans un même pilote (on les montre toutes d'un coup).

    Une liste tronquée se termine par une erreur « … et N autres erreurs non détaillées » :
    elle n'est pas comptée comme une erreur, et l'en-tête donne le vrai total
    (:attr:`total`) et le nombre d'erreurs détaillées (:attr:`detaillees`).
    """

    def __init__(self, erreurs: list[ErreurDonnees]):
        self.erreurs = list(erreurs)
        self.detaillees = len(self.erreurs)
        self.total = len(self.erreurs)
        if len(self.erreurs) >= 2:
            reste = _RESTE.match(str(getattr(self.erreurs[-1], "message", "")))
            if reste:
                self.detaillees = len(self.erreurs) - 1
                self.total = self.detaillees + int(reste.group(1))
        super().__init__(str(self))

    def _render_traceback_(self) -> list[str]:
        """Dans un carnet (IPython, JupyterLab) : les messages en français, sans trace Python."""
        return _sans_trace(self)

    def __str__(self) -> str:
        if len(self.erreurs) == 1:
            return str(self.erreurs[0])
        if self.total > self.detaillees:
            entete = (f"{self.total} erreurs dans les données ; les {self.detaillees} premières sont "
                      "détaillées :")
        else:
            entete = f"{self.total} erreurs dans les données :"
        lignes = [entete]
        lignes += [f"- {e}" for e in self.erreurs]
        return "\n".join(lignes)
