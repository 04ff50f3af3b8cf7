"""Référentiel territorial : communes et EPCI des Hauts-de-France.

Lit ``donnees/referentiel/communes-hauts-de-france.csv`` (construit par
``outils/construire_referentiel.py`` à partir de ``@etalab/decoupage-administratif`` 6.0.0 ;
INSEE, DGCL, Licence Ouverte). Aucun accès réseau.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from . import config
from .erreurs import ErreurDonnees

FICHIER_COMMUNES = "communes-hauts-de-france.csv"
COLONNES_TEXTE = [
    "code_insee",
    "nom",
    "code_departement",
    "code_region",
    "code_arrondissement",
    "siren_commune",
    "siren_epci",
    "nom_epci",
    "type_epci",
    "codes_postaux",
]
COLONNES_OBLIGATOIRES = [
    "code_insee",
    "nom",
    "code_departement",
    "code_region",
    "siren_epci",
    "nom_epci",
    "population",
]
NOMS_DEPARTEMENTS = {
    "02": "Aisne",
    "59": "Nord",
    "60": "Oise",
    "62": "Pas-de-Calais",
    "80": "Somme",
}
SOURCE = (
    "INSEE, DGCL — Code officiel géographique et EPCI 2026, via "
    "@etalab/decoupage-administratif 6.0.0, Licence Ouverte"
)
_MOTIF_CODE = re.compile(r"^(?:[0-9]{2}|2A|2B)[0-9]{3}$")


def _chemin_par_defaut() -> Path:
    return config.REFERENTIEL / FICHIER_COMMUNES


@functools.lru_cache(maxsize=4)
def _charger(chemin: str) -> pd.DataFrame:
    p = Path(chemin)
    if not p.exists():
        raise ErreurDonnees(
            p,
            "le référentiel des communes est introuvable.",
            conseil="Reconstruisez-le avec « python outils/construire_referentiel.py ».",
        )
    df = pd.read_csv(
        p,
        sep=",",
        encoding="utf-8",
        dtype={c: "string" for c in COLONNES_TEXTE},
        keep_default_na=False,
        na_values={"population": [""]},
    )
    manquantes = [c for c in COLONNES_OBLIGATOIRES if c not in df.columns]
    if manquantes:
        raise ErreurDonnees(
            p,
            f"colonnes absentes : {', '.join(manquantes)}.",
            attendu=", ".join(COLONNES_OBLIGATOIRES),
        )
    if df["population"].isna().any():
        i = int(df.index[df["population"].isna()][0])
        raise ErreurDonnees(p, "population vide.", ligne=i + 2, colonne="population")
    df["population"] = df["population"].astype("int64")
    doublons = df["code_insee"].duplicated()
    if doublons.any():
        i = int(df.index[doublons][0])
        raise ErreurDonnees(
            p,
            f"code INSEE « {df.at[i, 'code_insee']} » en double.",
            ligne=i + 2,
            colonne="code_insee",
        )
    df["nom_departement"] = df["code_departement"].map(NOMS_DEPARTEMENTS).astype("string")
    df = df.sort_values("code_insee").reset_index(drop=True)
    df.attrs["source"] = SOURCE
    return df


def charger_communes(chemin: str | Path | None = None) -> pd.DataFrame:
    """Renvoie la table des communes actuelles des Hauts-de-France (une ligne par commune).

    Colonnes : ``code_insee``, ``nom``, ``code_departement``, ``nom_departement``,
    ``code_region``, ``code_arrondissement``, ``siren_commune``, ``siren_epci``, ``nom_epci``,
    ``type_epci``, ``population`` (entier, population municipale), ``codes_postaux``.
    Les codes sont des chaînes (zéros en tête conservés). Le fichier est lu une seule fois
    (cache) ; une copie est renvoyée, que l'appelant peut modifier sans risque.
    """
    chemin = Path(chemin) if chemin is not None else _chemin_par_defaut()
    return _charger(str(chemin.resolve())).copy()


def _normaliser_code(code: str | int) -> str:
    texte = str(code).strip()
    if texte.isdigit() and len(texte) == 4:
        # Code lu comme nombre par un tableur (02001 -> 2001).
        texte = texte.zfill(5)
    return texte.upper()


def commune(code: str | int, chemin: str | Path | None = None) -> dict:
    """Renvoie la fiche d'une commune (dictionnaire) à partir de son code INSEE.

    Lève :class:`~eprouvette.erreurs.ErreurDonnees` si le code n'est pas un code INSEE valide
    ou n'est pas celui d'une commune actuelle des Hauts-de-France.
    """
    texte = _normaliser_code(code)
    ref = chemin or _chemin_par_defaut()
    if not _MOTIF_CODE.match(texte):
        raise ErreurDonnees(
            ref,
            f"« {code} » n'est pas un code commune INSEE.",
            attendu="5 caractères, par exemple « 59350 » pour Lille",
        )
    df = charger_communes(chemin)
    ligne = df[df["code_insee"] == texte]
    if ligne.empty:
        raise ErreurDonnees(
            ref,
            f"le code INSEE « {texte} » n'est pas celui d'une commune actuelle des Hauts-de-France.",
            conseil="Vérifiez le code (communes fusionnées : prendre le code de la commune nouvelle).",
        )
    fiche = ligne.iloc[0].to_dict()
    fiche["population"] = int(fiche["population"])
    return {k: (None if v is pd.NA else v) for k, v in fiche.items()}


def communes(codes: Iterable[str | int], chemin: str | Path | None = None) -> pd.DataFrame:
    """Renvoie les lignes du référentiel pour une liste de codes INSEE (erreur si l'un est inconnu)."""
    codes = [commune(c, chemin)["code_insee"] for c in codes]
    df = charger_communes(chemin)
    return df[df["code_insee"].isin(codes)].reset_index(drop=True)


def table_epci(chemin: str | Path | None = None) -> pd.DataFrame:
    """Renvoie une ligne par EPCI à fiscalité propre (partie Hauts-de-France).

    Colonnes : ``siren_epci``, ``nom_epci``, ``type_epci``, ``code_departement`` (département
    qui compte le plus d'habitants de l'EPCI), ``nombre_communes``, ``population``,
    ``codes_insee`` (liste des communes membres). Calculée une fois par référentiel (cache) ; une
    copie est renvoyée, listes des communes comprises, que l'appelant peut modifier sans risque.
    """
    chemin = Path(chemin) if chemin is not None else _chemin_par_defaut()
    t = _table_epci(str(chemin.resolve())).copy()
    t["codes_insee"] = [list(c) for c in t["codes_insee"]]
    return t


@functools.lru_cache(maxsize=4)
def _table_epci(chemin: str) -> pd.DataFrame:
    df = _charger(chemin)
    df = df[df["siren_epci"] != ""]
    dep = (
        df.groupby(["siren_epci", "code_departement"], as_index=False)["population"]
        .sum()
        .sort_values(["siren_epci", "population"], ascending=[True, False])
        .drop_duplicates("siren_epci")
        .set_index("siren_epci")["code_departement"]
    )
    t = df.groupby("siren_epci").agg(
        nom_epci=("nom_epci", "first"),
        type_epci=("type_epci", "first"),
        nombre_communes=("code_insee", "size"),
        population=("population", "sum"),
        codes_insee=("code_insee", lambda s: [str(c) for c in s]),
    )
    t["code_departement"] = dep
    t = t.reset_index()
    return t[
        [
            "siren_epci",
            "nom_epci",
            "type_epci",
            "code_departement",
            "nombre_communes",
            "population",
            "codes_insee",
        ]
    ]


def epci(
    siren: str | None = None,
    *,
    code_insee: str | int | None = None,
    chemin: str | Path | None = None,
) -> dict:
    """Renvoie la fiche d'un EPCI, désigné par son SIREN ou par le code INSEE d'une commune membre.

    La fiche contient ``siren_epci``, ``nom_epci``, ``type_epci``, ``code_departement``,
    ``nombre_communes``, ``population`` (partie Hauts-de-France) et ``codes_insee``.
    """
    if (siren is None) == (code_insee is None):
        raise ValueError("donner soit le SIREN de l'EPCI, soit le code INSEE d'une commune")
    if code_insee is not None:
        siren = commune(code_insee, chemin)["siren_epci"]
    siren = str(siren).strip()
    t = table_epci(chemin)
    ligne = t[t["siren_epci"] == siren]
    if ligne.empty:
        raise ErreurDonnees(
            chemin or _chemin_par_defaut(),
            f"aucun EPCI des Hauts-de-France n'a le SIREN « {siren} ».",
            attendu="SIREN à 9 chiffres d'une communauté de communes, d'agglomération, "
            "urbaine ou d'une métropole",
        )
    fiche = ligne.iloc[0].to_dict()
    fiche["population"] = int(fiche["population"])
    fiche["nombre_communes"] = int(fiche["nombre_communes"])
    return fiche
