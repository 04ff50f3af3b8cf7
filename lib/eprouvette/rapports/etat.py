"""Ce dont dépend un rapport, et ce qui a déjà été construit.

Un rapport dépend du dossier de son pilote, de son carnet (notebook) et de la bibliothèque
(code, gabarits, schémas, paramètres, versions épinglées). On en calcule une empreinte
(SHA-256) ; si elle n'a pas changé depuis la dernière construction réussie et que les sorties
sont là, le rapport n'est pas reconstruit. Le dossier du pilote est lu sans lui faire confiance,
par les fonctions de :mod:`eprouvette.fichiers`.

Ce module n'importe rien de lourd : un `make rapports` sans changement doit rester sous la seconde.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .. import config
from ..fichiers import condenser, empreinte_dossier

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
            h.update(condenser(f))
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
    """Empreinte de tout ce qui est commun aux rapports (code, gabarits, schémas, paramètres)."""
    racine = config.RACINE
    fichiers = _fichiers_sous(racine / "lib" / "eprouvette", _EXTENSIONS_BIBLIOTHEQUE)
    fichiers += _fichiers_sous(config.SCHEMAS)
    fichiers += _fichiers_sous(config.PARAMETRES)
    fichiers += _fichiers_sous(config.REFERENTIEL)
    for nom in ("pyproject.toml", "requirements-verrou.txt"):
        if (racine / nom).exists():
            fichiers.append(racine / nom)
    return _empreinte_fichiers(fichiers, racine)


def empreinte_pilote(dossier: Path, carnet: Path | None, bibliotheque: str) -> str:
    """Empreinte d'un rapport : dossier du pilote + carnet + bibliothèque."""
    h = hashlib.sha256()
    h.update(bibliotheque.encode())
    h.update(empreinte_dossier(Path(dossier)).encode())
    if carnet is not None and carnet.exists():
        try:
            h.update(condenser(carnet))
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
