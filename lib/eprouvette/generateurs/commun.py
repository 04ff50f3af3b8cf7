"""Outils communs aux générateurs de pilotes simulés : bruit autocorrélé, écriture reproductible.

Les fichiers écrits suivent le standard de données d'Éprouvette (``donnees/schemas/``) à la
française : UTF-8, séparateur « ; », virgule décimale, fin de ligne ``\\n``. Pour une graine
donnée (et les versions épinglées de numpy et PyYAML), les octets écrits sont toujours les mêmes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import signal

__all__ = ["ar1", "nombre_fr", "ecrire_csv_fr", "ecrire_yaml"]


def ar1(rng: np.random.Generator, n: int, rho: float, ecart_type: float) -> np.ndarray:
    """Série AR(1) stationnaire de longueur n, d'écart type marginal ``ecart_type``."""
    if not -1 < rho < 1:
        raise ValueError("rho doit être strictement entre -1 et 1.")
    innov = rng.normal(0.0, ecart_type * np.sqrt(1 - rho**2), n)
    innov[0] = rng.normal(0.0, ecart_type)  # premier point tiré dans la loi stationnaire
    return signal.lfilter([1.0], [1.0, -rho], innov)


def nombre_fr(x: float, decimales: int) -> str:
    """Nombre écrit avec une virgule décimale, sans séparateur de milliers (format CSV)."""
    texte = f"{x:.{decimales}f}"
    if texte.startswith("-") and float(texte) == 0:
        texte = texte[1:]
    return texte.replace(".", ",")


def ecrire_csv_fr(df: pd.DataFrame, chemin: str | Path, decimales: dict[str, int]) -> None:
    """Écrit un CSV « ; » à virgule décimale ; les dates au format AAAA-MM-JJ.

    ``decimales`` donne le nombre de décimales de chaque colonne numérique ; une valeur
    manquante s'écrit en cellule vide.
    """
    lignes = [";".join(df.columns)]
    colonnes = []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            colonnes.append(s.dt.strftime("%Y-%m-%d").tolist())
        elif c in decimales:
            d = decimales[c]
            colonnes.append(["" if pd.isna(v) else nombre_fr(float(v), d) for v in s])
        else:
            colonnes.append(["" if pd.isna(v) else str(v) for v in s])
    lignes += [";".join(vals) for vals in zip(*colonnes)]
    Path(chemin).write_bytes(("\n".join(lignes) + "\n").encode("utf-8"))


class _Dumper(yaml.SafeDumper):
    pass


_NUMERIQUE = re.compile(r"^[0-9][0-9A-Za-z]*$")


def _representer_str(dumper: yaml.SafeDumper, data: str):
    # Codes INSEE, SIREN… : toujours entre guillemets, pour qu'aucun lecteur YAML n'en fasse des nombres.
    if _NUMERIQUE.match(data):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _representer_str)


def ecrire_yaml(objet: Any, chemin: str | Path, entete: str = "") -> None:
    """Écrit un YAML lisible (ordre des clés conservé, accents en clair)."""
    texte = yaml.dump(objet, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100,
                      default_flow_style=False)
    if entete:
        texte = "".join(f"# {l}\n" if l else "#\n" for l in entete.splitlines()) + texte
    Path(chemin).write_bytes(texte.encode("utf-8"))
