"""Outils communs aux générateurs de pilotes simulés : bruit autocorrélé, écriture reproductible.

Les fichiers écrits suivent le standard de données d'Éprouvette (``donnees/schemas/``) à la
française : UTF-8, séparateur « ; », virgule décimale, fin de ligne ``\\n``. Pour une graine
donnée (et les versions épinglées de numpy et PyYAML), les octets écrits sont toujours les mêmes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import yaml
from scipy import signal

__all__ = ["ar1", "nombre_fr", "ecrire_csv_fr", "ecrire_yaml", "ecrire_pilote_simule", "exemple", "periodes",
           "financement_autofinance", "note_simulation", "entete_verite", "temperatures_simulees",
           "bornes_simulation"]

#: En-têtes des deux YAML de chaque pilote simulé.
ENTETE_FICHE = ("Pilote simulé (données fictives) — généré par outils/generer_exemples.py.\n"
                "Ne pas modifier à la main : relancer le générateur.")
ENTETE_VERITE = "Vérité du pilote simulé : l'effet que l'évaluation doit retrouver."


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


def ecrire_pilote_simule(dossier: str | Path, fiche: dict, verite: dict, *,
                         tableaux: Mapping[str, tuple[pd.DataFrame, dict[str, int]]] | None = None,
                         octets: Mapping[str, bytes] | None = None, plan: dict | None = None) -> Path:
    """L'écrivain unique des pilotes simulés : ``pilote.yaml``, les fichiers de données, ``verite.yaml``
    et, s'il y en a un, ``plan.yaml``.

    ``tableaux`` : nom de fichier -> (table, décimales par colonne), écrits par :func:`ecrire_csv_fr` ;
    ``octets`` : nom de fichier -> contenu déjà mis en forme (fichiers compressés, formats d'export) ;
    ``plan`` : le plan d'analyse préenregistré (données de plan.yaml, :mod:`eprouvette.plan`), ou celui
    que :mod:`eprouvette.generateurs.plans` donne au pilote ; son empreinte est recopiée dans la fiche
    (``empreinte_plan``), comme à l'enregistrement.
    """
    from .. import plan as plan_mod
    from .plans import plan_d_exemple

    dossier = Path(dossier)
    dossier.mkdir(parents=True, exist_ok=True)
    # Un pilote simulé le dit dans sa fiche : le rapport, la note et le portefeuille portent un bandeau.
    fiche = {k: v for k, v in fiche.items() if k not in ("donnees_simulees", "empreinte_plan")}
    rang = list(fiche).index("type_pilote") + 1 if "type_pilote" in fiche else len(fiche)
    plan = plan if plan is not None else plan_d_exemple(fiche)
    ajouts = [("donnees_simulees", True)]
    if plan is not None:
        ajouts.append(("empreinte_plan", plan_mod.empreinte(plan)))
    fiche = dict([*list(fiche.items())[:rang], *ajouts, *list(fiche.items())[rang:]])
    ecrire_yaml(fiche, dossier / "pilote.yaml", entete=ENTETE_FICHE)
    if plan is not None:
        (dossier / plan_mod.NOM_FICHIER).write_bytes(
            (f"# {ENTETE_FICHE.splitlines()[0]}\n" + plan_mod.texte_plan(plan)).encode("utf-8"))
    for nom, (table, decimales) in (tableaux or {}).items():
        ecrire_csv_fr(table, dossier / nom, decimales)
    for nom, contenu in (octets or {}).items():
        (dossier / nom).write_bytes(contenu)
    ecrire_yaml(verite, dossier / "verite.yaml", entete=ENTETE_VERITE)
    return dossier


def exemple(generer: Callable[[int, Any], Any], ecrire: Callable[[Any, Path], Path], graine: int,
            parametres: Any) -> Callable[[Path], Path]:
    """La fonction d'écriture d'un pilote d'exemple (pour ``EXEMPLES``) : générer puis écrire."""

    def ecrire_exemple(dossier):
        return ecrire(generer(graine, parametres), dossier)

    # La recette reste lisible : le portefeuille généré (generateurs/portefeuille.py) en fait des variantes.
    ecrire_exemple.recette = Recette(generer, ecrire, graine, parametres)
    return ecrire_exemple


class Recette(NamedTuple):
    """Ce qui fait un pilote d'exemple : générateur, écrivain, graine, paramètres."""

    generer: Callable[[int, Any], Any]
    ecrire: Callable[[Any, Path], Path]
    graine: int
    parametres: Any


def entete_verite(module: str, version: str, graine: int, avertissement: str) -> dict:
    """Les premières clés de ``verite.yaml`` : générateur, version, graine, avertissement."""
    return {"generateur": f"eprouvette.generateurs.{module}", "version_generateur": version, "graine": int(graine),
            "avertissement": avertissement}


def periodes(reference: tuple[str, str], experimentation: tuple[str, str]) -> dict:
    """Le bloc ``periodes`` de pilote.yaml."""
    return {"reference": {"debut": reference[0], "fin": reference[1]},
            "experimentation": {"debut": experimentation[0], "fin": experimentation[1]}}


def financement_autofinance(feder_eur: float, investissement_eur: float, porteur: str) -> dict:
    """Le bloc ``financement`` : la part FEDER, le reste de l'investissement autofinancé par le porteur."""
    return {"feder_eur": feder_eur,
            "cofinancements": [{"financeur": f"{porteur} (autofinancement)", "montant_eur": investissement_eur - feder_eur}]}


def note_simulation(module: str, version: str, graine: int) -> str:
    """Le champ ``notes`` d'un pilote simulé (générateur, version, graine)."""
    return (f"Données simulées par eprouvette.generateurs.{module} version {version}, graine {graine} ; "
            "l'effet vrai est dans verite.yaml.")


def bornes_simulation(reference: tuple[str, str], experimentation: tuple[str, str]):
    """Début et fin de la référence, de l'expérimentation, et les jours simulés (de l'un à l'autre)."""
    r0, r1 = (pd.Timestamp(x) for x in reference)
    e0, e1 = (pd.Timestamp(x) for x in experimentation)
    return r0, r1, e0, e1, pd.date_range(r0, e1, freq="D")


def temperatures_simulees(rng: np.random.Generator, dates: pd.DatetimeIndex, moyenne: float, amplitude: float,
                          rho: float, ecart_type: float) -> tuple[np.ndarray, np.ndarray]:
    """Température moyenne journalière et amplitude jour / nuit d'allure picarde.

    Saison en cosinus (minimum mi-janvier), anomalies AR(1), amplitude de 7,5 °C ± 2,5 °C selon la
    saison, bruitée et au moins de 1 °C. Les tirages se font toujours dans le même ordre : pour
    une graine donnée, la série est la même quel que soit le générateur qui l'appelle.
    """
    saison = -np.cos(2 * np.pi * (dates.day_of_year.to_numpy() - 15) / 365.25)  # -1 mi-janvier, +1 mi-juillet
    tmoy = moyenne + amplitude * saison + ar1(rng, len(dates), rho, ecart_type)
    ampl = np.clip(7.5 + 2.5 * saison + rng.normal(0.0, 1.5, len(dates)), 1.0, None)
    return tmoy, ampl
