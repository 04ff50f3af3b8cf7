"""La traçabilité d'une analyse : quand, avec quel code et quelles bibliothèques, sur quels fichiers.

Relevée par l'analyse (:func:`eprouvette.analyse.analyser_pilote`, champ ``provenance``) au
moment où elle lit les données, et seulement affichée par la présentation
(``presentation.sections.provenance``) : le rapport ne calcule aucune empreinte et ne lance pas git.
"""

from __future__ import annotations

import platform
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

from . import config
from .fichiers import empreintes_fichiers

#: Bibliothèques dont la version est citée dans le rapport.
BIBLIOTHEQUES = ("eprouvette", "pandas", "numpy", "statsmodels", "scipy", "plotly", "papermill", "nbconvert")


@dataclass(frozen=True)
class Provenance:
    """Date, version du code, versions de Python et des bibliothèques, empreinte de chaque fichier."""

    moment: datetime
    version_code: str
    python: str
    bibliotheques: list[str] = field(default_factory=list)
    #: Chemin relatif au dossier du pilote -> SHA-256 (hexadécimal) du fichier.
    empreintes: dict[str, str] = field(default_factory=dict)


#: Ce qui fait « le code » dont la version est relevée : une modification locale de ces dossiers
#: (pas des données, des rapports ni des docs) vaut « (modifié localement) ».
CHEMINS_DU_CODE = ("lib", "notebooks", "pyproject.toml", "requirements-verrou.txt")


def version_du_code() -> str:
    """Le commit court du dépôt (« (modifié localement) » s'il a des changements), sinon « inconnue ».

    ``--no-optional-locks`` : ``git status`` ne rafraîchit pas l'index (il n'écrit jamais
    ``.git/index.lock``) ; la construction ne modifie rien du dépôt. Limité au code
    (:data:`CHEMINS_DU_CODE`) : sans index rafraîchi, git relit le contenu des fichiers dont la date
    a changé, et il ne doit jamais ouvrir les données des pilotes (``donnees/``).
    """
    try:
        sortie = subprocess.run(
            ["git", "-C", str(config.RACINE), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=5,
        )
        sha = sortie.stdout.strip()
        etat = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(config.RACINE), "status", "--porcelain", "--untracked-files=no",
             "--", *CHEMINS_DU_CODE],
            capture_output=True, text=True, timeout=5,
        ).stdout.strip()
        return (sha + (" (modifié localement)" if etat else "")) if sha else "inconnue"
    except Exception:
        return "inconnue"


def versions_bibliotheques() -> list[str]:
    """« paquet version » pour chaque bibliothèque installée de :data:`BIBLIOTHEQUES`."""
    versions = []
    for paquet in BIBLIOTHEQUES:
        try:
            versions.append(f"{paquet} {metadata.version(paquet)}")
        except metadata.PackageNotFoundError:
            pass
    return versions


def relever(dossier: str | Path) -> Provenance:
    """La traçabilité d'une analyse du pilote rangé dans ``dossier`` (lecture sûre du dossier)."""
    return Provenance(
        moment=datetime.now(),
        version_code=version_du_code(),
        python=platform.python_version(),
        bibliotheques=versions_bibliotheques(),
        empreintes=empreintes_fichiers(Path(dossier)),
    )
