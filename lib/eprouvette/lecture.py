"""Lecture des fichiers de mesures et de météo, tels que les administrations françaises les exportent.

- encodage détecté : UTF-8 (avec ou sans BOM), UTF-16 avec ou sans BOM (octets nuls une position
  sur deux), sinon Windows-1252 et voisins
  (charset-normalizer) ;
- séparateur détecté sur la ligne d'en-tête : « ; », « , » ou tabulation ;
- une seule décimale par fichier (virgule ou point), détectée sur les colonnes numériques ; les
  deux mêlées (1.932,2 et 1932.2 ; ou 21,723 et 1932.2, sans virgule des milliers écrite ailleurs),
  ou seulement des 1.234 sans rien pour trancher : refusé ;
  séparateur de milliers (espace, espace insécable, point avec la décimale virgule) toléré ;
- ordre jour/mois décidé pour tout le fichier : des dates valides seulement en MM/JJ (01/13/2023)
  sans aucune valide seulement en JJ/MM : export américain, refusé ;
- validation par frictionless contre le Table Schema publié dans `donnees/schemas/`, puis
  traduction des erreurs en français : fichier, ligne du fichier (en-tête = ligne 1), colonne,
  valeur trouvée, ce qui était attendu.

Seul ce module touche aux fichiers bruts ; il rend des DataFrame propres.
"""

from __future__ import annotations

import codecs
import difflib
import copy
import csv
import io
import json
import gzip
import os
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import config
from .erreurs import ErreurDonnees, ErreursDonnees, chemin_lisible
from .francais import accord, compte, nombre_exact
from .erreurs import citer as _court

#: Au-delà, les erreurs d'un même fichier ne sont plus détaillées (une dernière ligne les compte).
MAX_ERREURS = 50
#: Part des relevés habituels d'un site (médiane de ses jours) en dessous de laquelle un total
#: journalier de relevés de compteurs est incomplet (voir charger_mesures).
SEUIL_JOUR_COMPLET = 0.9

SEPARATEURS = {";": "« ; »", ",": "« , »", "\t": "tabulation"}
ESPACES_MILLIERS = (" ", "\u00a0", "\u202f")

ATTENDU_DATE = ("une date au format AAAA-MM-JJ ou JJ/MM/AAAA, ou un horodatage AAAA-MM-JJTHH:MM[:SS], "
                "AAAA-MM-JJ HH:MM[:SS] ou JJ/MM/AAAA HH:MM[:SS]")
ATTENDU_JOUR = "une date au format AAAA-MM-JJ ou JJ/MM/AAAA"

# Formes de date acceptées (après remplacement du « T » par une espace) et leur format strptime.
_FORMES_DATE = [
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"), "%Y-%m-%d %H:%M"),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"), "%Y-%m-%d %H:%M:%S"),
    (re.compile(r"\d{2}/\d{2}/\d{4}"), "%d/%m/%Y"),
    (re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"), "%d/%m/%Y %H:%M"),
    (re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}"), "%d/%m/%Y %H:%M:%S"),
]


@dataclass(frozen=True)
class Dialecte:
    """Ce qui a été détecté dans un fichier texte."""

    encodage: str
    separateur: str
    decimale: str = "."
    milliers: str | None = None


# --------------------------------------------------------------------------------------------
# Schémas
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _schema_fichier(chemin: str) -> str:
    return Path(chemin).read_text(encoding="utf-8")


def _descripteur(schema: str | Path | dict) -> dict:
    """Descripteur Table Schema (copie modifiable) : dict, chemin, ou nom court (« mesures », « meteo »)."""
    if isinstance(schema, dict):
        return copy.deepcopy(schema)
    chemin = Path(schema)
    if not chemin.suffix and not chemin.exists():
        chemin = config.SCHEMAS / f"{schema}.schema.json"
    return json.loads(_schema_fichier(str(chemin)))


def _champ_obligatoire(champ: dict) -> bool:
    """Une colonne peut manquer dans le fichier seulement si le schéma ne la rend pas obligatoire."""
    return bool(champ.get("constraints", {}).get("required", False))


# --------------------------------------------------------------------------------------------
# Détection du dialecte
# --------------------------------------------------------------------------------------------


def _decoder(octets: bytes, fichier: Path) -> tuple[str, str]:
    """Texte et encodage : UTF-8 (± BOM), UTF-16 avec BOM, sinon encodage d'Europe de l'Ouest détecté."""
    if octets.startswith(codecs.BOM_UTF8):
        return octets[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    if octets.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return octets.decode("utf-16"), "utf-16"
    sans_bom = _utf16_sans_bom(octets)
    if sans_bom is not None:
        try:
            return octets.decode(sans_bom), sans_bom
        except UnicodeDecodeError:
            raise ErreurDonnees(
                fichier, "fichier en UTF-16 sans marque d'ordre, illisible.",
                attendu="un fichier texte en UTF-8 ou Windows-1252",
                conseil="Réenregistrez-le en UTF-8 (« CSV UTF-8 » dans le tableur).") from None
    if b"\x00" in octets:
        raise ErreurDonnees(
            fichier, "caractères nuls (octets 0) dans le fichier : ce n'est pas un fichier texte lisible.",
            attendu="un fichier texte en UTF-8 ou Windows-1252",
            conseil="Réenregistrez le fichier en « CSV UTF-8 » depuis le tableur.")
    try:
        return octets.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    meilleur = from_bytes(octets, cp_isolation=["cp1252", "iso8859_15", "latin_1"]).best()
    encodage = meilleur.encoding if meilleur is not None else "cp1252"
    try:
        return octets.decode(encodage), encodage
    except UnicodeDecodeError:
        raise ErreurDonnees(
            fichier, "encodage des caractères non reconnu.",
            attendu="un fichier texte en UTF-8 ou Windows-1252",
            conseil="Réenregistrez le fichier en « CSV UTF-8 » depuis le tableur.",
        ) from None


def _utf16_sans_bom(octets: bytes) -> str | None:
    """« utf-16-le » ou « utf-16-be » pour un texte UTF-16 sans marque d'ordre (BOM), sinon None.

    Un texte d'Europe de l'Ouest en UTF-16 a un octet nul sur deux : aux positions impaires en
    petit-boutiste (LE), paires en gros-boutiste (BE). UTF-8 les accepterait sans erreur (« d\\x00a\\x00… »).
    """
    debut = octets[:65536]
    moitie = len(debut) // 2
    if moitie < 2 or b"\x00" not in debut:
        return None
    pairs, impairs = debut[0::2].count(0), debut[1::2].count(0)
    if impairs >= 0.3 * moitie and pairs <= 0.05 * moitie:
        return "utf-16-le"
    if pairs >= 0.3 * moitie and impairs <= 0.05 * moitie:
        return "utf-16-be"
    return None


def _detecter_separateur(entete: str, fichier: Path) -> str:
    comptes = {sep: entete.count(sep) for sep in SEPARATEURS}
    separateur = max(comptes, key=lambda s: (comptes[s], s == ";"))
    if comptes[separateur] == 0:
        raise ErreurDonnees(
            fichier, f"séparateur de colonnes introuvable dans l'en-tête « {entete[:80]} ».", ligne=1,
            attendu="des colonnes séparées par « ; », « , » ou une tabulation",
        )
    return separateur


_MILLIERS_POINT = re.compile(r"[1-9]\d{0,2}(\.\d{3})+")
_MILLIERS_VIRGULE = re.compile(r"[1-9]\d{0,2}(,\d{3})+")


def _sens_decimale(cellule: str) -> str | None:
    """Ce qu'une cellule numérique dit de la décimale du fichier.

    « virgule » : n'a de sens qu'avec la décimale virgule (1.932,2 ; 12,5 ; 12.345.678) ;
    « point » : n'a de sens qu'avec la décimale point (1932.2 ; 0.125 ; 1,234.5 ; 1,234,567) ;
    « virgule? » : 1,234 (décimale virgule, ou milliers si le fichier a la décimale point) ;
    « ambigu » : 1.234 (un seul point suivi de trois chiffres : décimale ou milliers) ; None sinon.
    """
    s = cellule.strip().lstrip("+-")
    for espace in ESPACES_MILLIERS:
        s = s.replace(espace, "")
    virgule, point = "," in s, "." in s
    if virgule and point:
        return "virgule" if s.rfind(",") > s.rfind(".") else "point"
    if virgule:
        if s.count(",") > 1:
            return "point" if _MILLIERS_VIRGULE.fullmatch(s) else None
        return "virgule?" if _MILLIERS_VIRGULE.fullmatch(s) else "virgule"
    if point:
        if s.count(".") > 1:
            return "virgule" if _MILLIERS_POINT.fullmatch(s) else None
        return "ambigu" if _MILLIERS_POINT.fullmatch(s) else "point"
    return None


#: Un nombre à décimale point dont la partie entière a quatre chiffres ou plus, sans séparateur des milliers.
_POINT_SANS_MILLIERS = re.compile(r"[+-]?\d{4,}\.\d+")


def _decimale_incoherente(fichier: Path | None, premiere: tuple, seconde: tuple, constat: str) -> ErreurDonnees:
    """L'erreur « décimale incohérente » entre deux cellules (texte, ligne, colonne) du fichier."""
    (_, l1, c1), (_, l2, c2) = premiere, seconde
    colonne = c1 if c1 == c2 else None
    ou = "" if colonne else f" (colonnes « {c1} » et « {c2} »)"
    return ErreurDonnees(
        fichier, f"décimale incohérente : {constat}{ou}.", ligne=min(l1, l2) if l1 and l2 else l1 or l2,
        colonne=colonne or c1,
        attendu="une seule convention pour tout le fichier : décimale virgule (1234,5 ou 1.234,5) ou "
                "décimale point (1234.5 ou 1,234.5)",
        conseil="Réexportez le fichier avec un seul réglage de nombres, ou corrigez les lignes d'une des deux "
                "conventions ; le fichier n'est pas lu plutôt que de risquer un facteur dix ou mille.")


def _detecter_decimale(valeurs: list, fichier: Path | None = None) -> tuple[str, str | None]:
    """Décimale et séparateur de milliers d'après les cellules des colonnes numériques.

    Une seule convention par fichier. `valeurs` : textes, ou triplets (texte, ligne, colonne) pour
    nommer les lignes dans les erreurs. Une cellule qui n'a de sens qu'avec la décimale virgule
    (1.932,2 ; 12,5) et une autre qui n'a de sens qu'avec la décimale point (1932.2) : erreur.
    Décimale virgule -> les points sont des milliers (1.234 = 1234) ; décimale point -> les
    virgules sont des milliers (1,234.5). Seulement des 1.234 (un point, trois chiffres), rien
    d'autre pour trancher : erreur (un facteur mille selon la lecture). Des 21,723 (virgule, ou milliers)
    avec un 1932.2 (point) : la décimale point ferait des 21,723 des milliers, ce que contredit un
    nombre de quatre chiffres sans séparateur (1932.2 au lieu de 1,932.2) : erreur, sauf si une cellule
    montre la virgule des milliers à côté du point (1,234.5). Espaces -> milliers.
    """
    cellules = [v if isinstance(v, tuple) else (v, None, None) for v in valeurs]
    premiers: dict[str, tuple] = {}
    for c in cellules:
        sens = _sens_decimale(c[0])
        if sens is not None and sens not in premiers:
            premiers[sens] = c
    textes = [c[0] for c in cellules]
    if "virgule" in premiers and "point" in premiers:
        (vv, lv, _), (vp, lp, _) = premiers["virgule"], premiers["point"]
        raise _decimale_incoherente(
            fichier, premiers["virgule"], premiers["point"],
            f"la ligne {lv} écrit « {_court(vv)} », qui n'a de sens qu'avec la décimale virgule, et la ligne {lp} "
            f"« {_court(vp)} », qui n'a de sens qu'avec la décimale point")
    if "virgule?" in premiers and "point" in premiers:
        # Des 21,723 et un 1932.2 : la décimale point ferait des 21,723 des milliers (21723). Mais un fichier
        # qui groupe les milliers par des virgules écrirait 1,932.2 : sans aucune virgule des milliers à côté
        # d'un point (1,234.5), un nombre de quatre chiffres et plus sans séparateur contredit cette lecture.
        if not any(_sens_decimale(t) == "point" and "," in t for t in textes):
            long = next((c for c in cellules if _POINT_SANS_MILLIERS.fullmatch(c[0].strip())), None)
            if long is not None:
                (vv, lv, _), (vp, lp, _) = premiers["virgule?"], long
                raise _decimale_incoherente(
                    fichier, premiers["virgule?"], long,
                    f"la ligne {lp} écrit « {_court(vp)} », avec la décimale point et sans séparateur des milliers, "
                    f"et la ligne {lv} « {_court(vv)} », qui ne se lit avec la décimale point qu'en prenant la "
                    f"virgule pour séparateur des milliers ({_court(vv.strip().replace(',', ''))}) : un facteur "
                    "mille selon la lecture")
    decimale, milliers = ".", None
    if "virgule" in premiers or ("virgule?" in premiers and "point" not in premiers):
        decimale = ","
        if any("." in t for t in textes):
            milliers = "."
    elif "point" in premiers:
        if any("," in t for t in textes):
            milliers = ","
    elif "ambigu" in premiers:
        v, ligne, colonne = premiers["ambigu"]
        raise ErreurDonnees(
            fichier, f"nombre « {_court(v)} » ambigu : le point peut être la décimale ({v.strip().replace('.', ',')}) "
                     f"ou le séparateur des milliers ({v.strip().replace('.', '')}), et aucune valeur du fichier ne "
                     "permet de trancher.", ligne=ligne, colonne=colonne,
            attendu="des nombres sans séparateur de milliers (1234), ou la décimale écrite avec une virgule (1,234)",
            conseil="Retirez les points des milliers ou écrivez la décimale avec une virgule, puis redéposez le fichier.")
    if milliers is None:
        for espace in ESPACES_MILLIERS:
            if any(espace in t.strip() for t in textes):
                milliers = espace
                break
    return decimale, milliers




# --------------------------------------------------------------------------------------------
# Lecture brute (CSV / XLSX) -> lignes de cellules + numéros de ligne
# --------------------------------------------------------------------------------------------


def _lignes_csv(texte: str, separateur: str) -> tuple[list[list[str]], list[int]]:
    """Enregistrements du CSV et ligne physique où chacun commence (1 = en-tête)."""
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=separateur)
    enregistrements, debuts = [], []
    fin_precedente = 0
    for enregistrement in lecteur:
        enregistrements.append(enregistrement)
        debuts.append(fin_precedente + 1)
        fin_precedente = lecteur.line_num
    return enregistrements, debuts


def _lire_xlsx(chemin: Path) -> tuple[list[list[str]], list[int]]:
    """Première feuille d'un classeur Excel -> cellules texte (dates en AAAA-MM-JJ, nombres avec point)."""
    import datetime as dt

    from openpyxl import load_workbook

    try:
        classeur = load_workbook(chemin, read_only=True, data_only=True)
    except Exception:  # fichier corrompu, pas un vrai xlsx…
        with open(chemin, "rb") as f:
            tete = f.read(8)
        if tete == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise ErreurDonnees(chemin, "ancien format Excel (.xls, Excel 97-2003) sous une extension .xlsx.",
                                attendu="un classeur .xlsx, .ods ou un fichier CSV",
                                conseil="Ouvrez-le dans le tableur et enregistrez le fichier au format .xlsx "
                                        "(ou exportez-le en CSV).") from None
        raise ErreurDonnees(chemin, "classeur Excel illisible : ce n'est pas un classeur .xlsx valide (fichier "
                                    "abîmé, incomplet ou d'un autre format).",
                            conseil="Ouvrez-le dans un tableur et réenregistrez-le en .xlsx ou en CSV.") from None
    feuille = classeur.worksheets[0]
    lignes, numeros = [], []

    def texte(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, dt.datetime):
            return v.strftime("%Y-%m-%d") if v.time() == dt.time(0) else v.strftime("%Y-%m-%dT%H:%M:%S")
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, bool):
            return str(v)
        if isinstance(v, float):
            return repr(v)
        return str(v).strip() if isinstance(v, str) else str(v)

    for numero, ligne in enumerate(feuille.iter_rows(values_only=True), start=1):
        lignes.append([texte(v) for v in ligne])
        numeros.append(numero)
    classeur.close()
    # Les feuilles Excel gardent souvent des lignes et colonnes vides en bout de tableau.
    while lignes and not any(lignes[-1]):
        lignes.pop()
        numeros.pop()
    if lignes:
        largeur = max((i + 1 for i, v in enumerate(lignes[0]) if v), default=0)
        lignes = [ligne[:largeur] if not any(ligne[largeur:]) else ligne for ligne in lignes]
    return lignes, numeros


def _texte_cellule(v: Any) -> str:
    """Cellule typée (tableur, Parquet) -> texte (dates AAAA-MM-JJ[THH:MM:SS], nombres avec point)."""
    import datetime as dt

    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return ""
    if isinstance(v, pd.Timestamp):
        if v.tzinfo is not None:  # instant absolu -> heure légale française (horloge murale)
            v = v.tz_convert(config.FUSEAU).tz_localize(None)
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = pd.Timestamp(v).tz_convert(config.FUSEAU).tz_localize(None).to_pydatetime()
        return v.strftime("%Y-%m-%d") if v.time() == dt.time(0) else v.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return str(v).strip()


def _lire_ods(chemin: Path) -> tuple[list[list[str]], list[int]]:
    """Première feuille d'un classeur OpenDocument (LibreOffice) -> cellules texte."""
    try:
        tableau = pd.read_excel(chemin, sheet_name=0, header=None, engine="odf", dtype=object)
    except Exception:
        raise ErreurDonnees(chemin, "classeur OpenDocument illisible : ce n'est pas un classeur .ods valide "
                                    "(fichier abîmé, incomplet ou d'un autre format).",
                            conseil="Ouvrez-le dans LibreOffice et réenregistrez-le en .ods ou en CSV.") from None
    lignes = [[_texte_cellule(v) for v in rang] for rang in tableau.itertuples(index=False, name=None)]
    numeros = list(range(1, len(lignes) + 1))
    while lignes and not any(lignes[-1]):
        lignes.pop()
        numeros.pop()
    return lignes, numeros


def _lire_parquet(chemin: Path) -> tuple[list[list[str]], list[int]]:
    """Fichier Parquet -> cellules texte ; la « ligne » d'une mesure est son rang + 1 (en-tête = 1)."""
    try:
        tableau = pd.read_parquet(chemin, engine="pyarrow")
    except Exception:
        raise ErreurDonnees(chemin, "fichier Parquet illisible : fichier abîmé, incomplet ou pas au format Parquet.",
                            conseil="Réexportez le fichier, ou exportez-le en CSV.") from None
    lignes = [[str(c) for c in tableau.columns]]
    lignes += [[_texte_cellule(v) for v in rang] for rang in tableau.astype(object).itertuples(index=False, name=None)]
    return lignes, list(range(1, len(lignes) + 1))


def _rang_entete(physiques: list[str], premier: str) -> int:
    """Rang de la ligne d'en-tête d'un CSV : la première des 10 premières lignes physiques qui nomme
    le premier champ du schéma (lignes de titre au-dessus) ; 0 sinon."""
    for i, brute in enumerate(physiques[:10]):
        if re.search(rf"(^|[;,\t\"]) *{re.escape(premier)} *($|[;,\t\"])", brute.strip().lower()):
            return i
    return 0


def _trouver_entete(lignes: list[list[str]], premier_champ: str) -> int:
    """Rang de la ligne d'en-tête : la première des 10 premières lignes qui nomme le premier champ
    du schéma (les exports ont souvent une ligne de titre au-dessus) ; 0 sinon."""
    for i, ligne in enumerate(lignes[:10]):
        if premier_champ in (c.strip().lower() for c in ligne):
            return i
    return 0


# --------------------------------------------------------------------------------------------
# Traduction des erreurs frictionless
# --------------------------------------------------------------------------------------------


def _attendu_champ(champ: dict, dialecte: Dialecte) -> str:
    if champ.get("name") == "date" or "pattern" in champ.get("constraints", {}):
        motif = champ.get("constraints", {}).get("pattern", "")
        return ATTENDU_JOUR if ":" not in motif else ATTENDU_DATE
    type_ = champ.get("type", "string")
    if type_ == "number":
        exemple = "812,4" if dialecte.decimale == "," else "812.4"
        return f"un nombre écrit avec la décimale « {dialecte.decimale} » comme dans le reste du fichier, par exemple {exemple}"
    if type_ == "integer":
        return "un nombre entier"
    return {"boolean": "vrai ou faux", "date": ATTENDU_JOUR, "string": "du texte"}.get(type_, f"une valeur de type {type_}")


def _traduire_frictionless(erreur, fichier: Path, debuts: list[int], champs: dict[str, dict],
                           dialecte: Dialecte) -> ErreurDonnees | None:
    """Une erreur frictionless -> ErreurDonnees en français (None si l'erreur est redondante)."""
    type_ = erreur.type
    numero = getattr(erreur, "row_number", None)
    ligne = debuts[numero - 1] if numero and numero - 1 < len(debuts) else numero
    nom = getattr(erreur, "field_name", None) or None
    cellule = getattr(erreur, "cell", None)
    if cellule is not None:
        cellule = _court(cellule)
    note = getattr(erreur, "note", "") or ""
    champ = champs.get(nom, {}) if nom else {}
    colonnes = ", ".join(champs)

    if type_ == "missing-label":
        return ErreurDonnees(fichier, f"colonne « {nom} » absente de l'en-tête.", ligne=1, colonne=nom,
                             attendu=f"les colonnes {colonnes}")
    if type_ in ("extra-label", "duplicate-label", "incorrect-label", "blank-label"):
        return ErreurDonnees(fichier, f"en-tête incorrect ({type_}) : « {getattr(erreur, 'label', '')} ».",
                             ligne=1, attendu=f"les colonnes {colonnes}")
    if type_ == "blank-row":
        return ErreurDonnees(fichier, "ligne vide au milieu des données.", ligne=ligne,
                             conseil="Supprimez-la (une mesure absente s'omet, sans ligne vide).")
    if type_ == "extra-cell":
        return ErreurDonnees(fichier, f"cellule en trop « {cellule} » : la ligne a plus de colonnes que l'en-tête.",
                             ligne=ligne, attendu=f"{len(champs)} colonnes séparées par {SEPARATEURS.get(dialecte.separateur, dialecte.separateur)}",
                             conseil="Une virgule décimale dans un fichier séparé par des virgules doit être entre guillemets."
                             if dialecte.separateur == "," else None)
    if type_ == "missing-cell":
        return ErreurDonnees(fichier, "cellule manquante : la ligne a moins de colonnes que l'en-tête.",
                             ligne=ligne, colonne=nom,
                             attendu=f"{len(champs)} colonnes séparées par {SEPARATEURS.get(dialecte.separateur, dialecte.separateur)}")
    if type_ == "type-error":
        return ErreurDonnees(fichier, f"valeur « {cellule} » illisible.", ligne=ligne, colonne=nom,
                             attendu=_attendu_champ(champ, dialecte))
    if type_ == "constraint-error":
        if '"required"' in note:
            if cellule in (None, "None"):  # cellule manquante : signalée par missing-cell
                return None
            return ErreurDonnees(fichier, "valeur manquante.", ligne=ligne, colonne=nom,
                                 attendu=_attendu_champ(champ, dialecte) + " (colonne obligatoire)")
        if '"pattern"' in note:
            return ErreurDonnees(fichier, f"valeur « {cellule} » mal écrite.", ligne=ligne, colonne=nom,
                                 attendu=_attendu_champ(champ, dialecte))
        m = re.search(r'constraint "(\w+)" is "([^"]*)"', note)
        if m and m.group(1) in ("minimum", "maximum"):
            signe = "≥" if m.group(1) == "minimum" else "≤"
            return ErreurDonnees(fichier, f"valeur « {cellule} » hors des bornes.", ligne=ligne, colonne=nom,
                                 attendu=f"une valeur {signe} {nombre_exact(m.group(2))}")
        return ErreurDonnees(fichier, f"valeur « {cellule} » non conforme ({note}).", ligne=ligne, colonne=nom)
    if type_ in ("source-error", "encoding-error", "format-error", "scheme-error"):
        return ErreurDonnees(fichier, f"fichier illisible ({erreur.message}).")
    return ErreurDonnees(fichier, f"non conforme au schéma ({type_} : {erreur.message}).", ligne=ligne, colonne=nom)


def _doublons(lignes: list[list[str]], entete: list[str], cles: tuple[str, ...],
              secondes: set[int]) -> list[tuple[int, int]]:
    """Lignes qui répètent la clé primaire d'une ligne précédente : (numéro, numéro de la précédente).

    Même règle que le contrôle « primary-key » de frictionless, en une seule passe : valeurs
    brutes des colonnes de la clé (cellule vide ou absente = None), clé entièrement vide ignorée
    (ligne vide, signalée par ailleurs), et renvoi vers la *dernière* ligne de même clé. Numéros
    frictionless (en-tête = 1). Les numéros de ``secondes`` (deuxième écriture de l'heure répétée
    d'octobre) ne sont pas des doublons, mais prennent la place de référence pour la suivante.
    """
    if not cles:
        return []
    positions = [entete.index(c) for c in cles if c in entete]
    if len(positions) < len(cles):  # colonne de la clé absente : signalée par l'en-tête
        return []
    vues: dict[tuple, int] = {}
    doublons = []
    for numero, ligne in enumerate(lignes[1:], start=2):
        cle = tuple((ligne[i] if i < len(ligne) and ligne[i] != "" else None) for i in positions)
        if all(v is None for v in cle):
            continue
        precedente = vues.get(cle)
        vues[cle] = numero
        if precedente is not None and numero not in secondes:
            doublons.append((numero, precedente))
    return doublons


def _erreur_doublon(fichier: Path, debuts: list[int], numero: int, autre: int,
                    noms_cles: tuple[str, ...]) -> ErreurDonnees:
    ligne = debuts[numero - 1] if numero - 1 < len(debuts) else numero
    ligne_autre = debuts[autre - 1] if autre - 1 < len(debuts) else None
    cles = noms_cles[0] if len(noms_cles) == 1 else ", ".join(noms_cles[:-1]) + " et " + noms_cles[-1]
    return ErreurDonnees(
        fichier, "ligne en double : " + (f"même {cles} qu'à la ligne {ligne_autre}." if ligne_autre
                                         else f"même {cles} qu'une ligne précédente."),
        ligne=ligne, conseil=f"Gardez une seule ligne par {cles} : corrigez la source ou retirez le doublon.",
    )


def _limiter(erreurs: list[ErreurDonnees], fichier: Path) -> list[ErreurDonnees]:
    if len(erreurs) <= MAX_ERREURS:
        return erreurs
    reste = len(erreurs) - MAX_ERREURS
    return erreurs[:MAX_ERREURS] + [ErreurDonnees(
        fichier, f"… et {reste} autre{'s' if reste > 1 else ''} erreur{'s' if reste > 1 else ''} non détaillée{'s' if reste > 1 else ''}.")]


# --------------------------------------------------------------------------------------------
# Conversion des colonnes
# --------------------------------------------------------------------------------------------


def lire_dates(valeurs: pd.Series) -> pd.Series:
    """Dates et horodatages des formes acceptées par le standard -> datetime64 (NaT si illisible).

    Formes : AAAA-MM-JJ, JJ/MM/AAAA, AAAA-MM-JJTHH:MM[:SS], AAAA-MM-JJ HH:MM[:SS],
    JJ/MM/AAAA HH:MM[:SS]. Heures locales, sans fuseau. Une date impossible (30 février) donne NaT.
    """
    return _sur_valeurs(_lire_dates, valeurs)


def _lire_dates(valeurs: pd.Series) -> pd.Series:
    textes = valeurs.astype("str").str.strip().str.replace("T", " ", n=1, regex=False)
    resultat = pd.Series(pd.NaT, index=valeurs.index, dtype="datetime64[ns]")
    for motif, fmt in _FORMES_DATE:
        masque = textes.str.fullmatch(motif.pattern).fillna(False).to_numpy(dtype=bool)
        if masque.any():
            resultat[masque] = pd.to_datetime(textes[masque], format=fmt, errors="coerce").astype("datetime64[ns]")
    return resultat


#: Taille des blocs des conversions texte -> dates ou nombres : pandas y passe par des objets Python
#: et des copies de la colonne (plusieurs centaines de Mo pour 3 millions de lignes d'un coup).
BLOC_CONVERSION = 500_000


def _par_blocs(conversion, valeurs: pd.Series, *args) -> pd.Series:
    """`conversion` appliquée à `valeurs` par blocs de BLOC_CONVERSION lignes (même résultat, chaque
    cellule étant convertie seule ; mémoire bornée)."""
    if len(valeurs) <= BLOC_CONVERSION:
        return conversion(valeurs, *args)
    return pd.concat([conversion(valeurs.iloc[k:k + BLOC_CONVERSION], *args)
                      for k in range(0, len(valeurs), BLOC_CONVERSION)])


def _sur_valeurs(conversion, valeurs: pd.Series, *args) -> pd.Series | pd.DataFrame:
    """`conversion` (cellule par cellule : chaque résultat ne dépend que de sa cellule) appliquée à
    `valeurs`. Colonne en catégories (lecture par morceaux) : appliquée une fois à chaque valeur
    distincte, puis recopiée ligne à ligne par les codes, sans jamais écrire la colonne en texte ;
    sinon par blocs (`_par_blocs`). Même résultat, index de `valeurs`."""
    if isinstance(valeurs.dtype, pd.CategoricalDtype):
        codes = valeurs.cat.codes.to_numpy()
        if not (codes < 0).any():
            resultat = _par_blocs(conversion, pd.Series(valeurs.cat.categories, dtype="str"), *args).iloc[codes]
            resultat.index = valeurs.index
            return resultat
        valeurs = valeurs.astype("str")
    return _par_blocs(conversion, valeurs, *args)


def en_categories(valeurs: pd.Series) -> pd.Series:
    """Texte sans espaces de bord, en catégories : un code par cellule, chaque valeur distincte
    écrite une fois, catégories = valeurs présentes dans l'ordre alphabétique (celui d'un tri de la
    colonne en texte). Même résultat que la colonne soit en texte ou déjà en catégories."""
    if not isinstance(valeurs.dtype, pd.CategoricalDtype):
        valeurs = valeurs.astype("str").astype("category")
    codes = valeurs.cat.codes.to_numpy()
    nettoyees = pd.Series(valeurs.cat.categories, dtype="str").str.strip()
    presentes = np.bincount(codes[codes >= 0], minlength=len(nettoyees)) > 0
    finales = pd.Index(pd.unique(nettoyees[presentes]), dtype="str").sort_values()
    table = np.append(finales.get_indexer(nettoyees), -1)  # code -1 (cellule absente) : reste absent
    return pd.Series(pd.Categorical.from_codes(table[codes], dtype=pd.CategoricalDtype(finales)),
                     index=valeurs.index, name=valeurs.name)


def _jour_mois(valeurs: pd.Series) -> pd.DataFrame:
    """Les deux nombres en tête d'une date JJ/MM/AAAA ou MM/JJ/AAAA (NaN pour les autres cellules)."""
    textes = valeurs.astype("str").str.strip()
    premier, second = np.full(len(textes), np.nan), np.full(len(textes), np.nan)
    # Deux nombres en tête : découpés directement quand ils sont en chiffres ASCII (vectorisé, des
    # millions de lignes) ; les autres cellules qui ont une barre passent par l'expression complète.
    oblique = textes.str.contains("/", regex=False).to_numpy(dtype=bool, na_value=False)
    if oblique.any():
        simple = oblique.copy()
        simple[oblique] = textes[oblique].str.match(r"[0-9]{2}/[0-9]{2}/[0-9]{4}(?:$|[ T])").to_numpy(dtype=bool, na_value=False)
        premier[simple] = pd.to_numeric(textes[simple].str.slice(0, 2)).to_numpy(dtype=float)
        second[simple] = pd.to_numeric(textes[simple].str.slice(3, 5)).to_numpy(dtype=float)
        autres = oblique & ~simple
        if autres.any():
            parties = textes[autres].str.extract(r"^(\d{2})/(\d{2})/\d{4}(?:$|[ T])")
            premier[autres] = pd.to_numeric(parties[0], errors="coerce").to_numpy(dtype=float)
            second[autres] = pd.to_numeric(parties[1], errors="coerce").to_numpy(dtype=float)
    return pd.DataFrame({"premier": premier, "second": second}, index=valeurs.index)


def _ordre_americain(fichier: Path, valeurs: pd.Series, colonne: str) -> tuple[ErreurDonnees, pd.Series] | None:
    """Erreur (et masque des dates concernées) si les dates JJ/MM/AAAA du fichier semblent en MM/JJ/AAAA.

    Une date comme 01/13/2023 n'existe que lue mois/jour. Si le fichier en a et n'a aucune date
    qui n'existe que lue jour/mois (13/01/2023), ses dates dont les deux nombres sont ≤ 12 seraient
    lues à l'envers sans un mot : le fichier est refusé. Un fichier entièrement valide en JJ/MM
    reste lu en JJ/MM ; un fichier qui a des deux voit ses dates impossibles signalées une à une.
    """
    nombres = _sur_valeurs(_jour_mois, valeurs)
    premier, second = nombres["premier"].to_numpy(), nombres["second"].to_numpy()
    del nombres
    seulement_mmjj = (premier >= 1) & (premier <= 12) & (second > 12) & (second <= 31)
    seulement_jjmm = (second >= 1) & (second <= 12) & (premier > 12) & (premier <= 31)
    if not seulement_mmjj.any() or seulement_jjmm.any():
        return None
    ambigues = (premier >= 1) & (premier <= 12) & (second >= 1) & (second <= 12) & (premier != second)
    lignes = [int(l) for l in valeurs.index[seulement_mmjj]]
    exemple = valeurs[seulement_mmjj].iloc[0].strip()
    citees = ", ".join(str(l) for l in lignes[:3]) + (f" et {compte(len(lignes) - 3, 'autre')}" if len(lignes) > 3 else "")
    n = int(ambigues.sum())
    suite = (f" ; les {n} dates dont le jour et le mois sont tous deux ≤ 12 (par exemple "
             f"« {valeurs[ambigues].iloc[0].strip()} ») seraient lues avec le jour et le mois inversés" if n else "")
    erreur = ErreurDonnees(
        fichier, f"le fichier semble écrire ses dates dans l'ordre américain mois/jour : « {_court(exemple)} » "
                 f"(ligne{'s' if len(lignes) > 1 else ''} {citees}) n'est une date que lue MM/JJ/AAAA{suite}.",
        ligne=lignes[0], colonne=colonne,
        attendu="des dates AAAA-MM-JJ (ISO) ou JJ/MM/AAAA (jour puis mois) dans tout le fichier",
        conseil="Réexportez les dates au format AAAA-MM-JJ (ISO), ou en JJ/MM/AAAA.")
    return erreur, (seulement_mmjj | ambigues)


def localiser_heure_legale(dates: pd.Series, groupes: pd.DataFrame | list[pd.Series] | None = None,
                           fuseau: str = config.FUSEAU, nettoyer: bool = False) -> pd.Series:
    """Horodatages locaux sans fuseau (heure légale française) -> datetime64[ns, Europe/Paris].

    Changement d'heure d'octobre : l'heure répétée (02:00 à 02:59) figure deux fois dans le
    fichier ; dans l'ordre du fichier et pour chaque série (`groupes` : site et indicateur), la
    première occurrence d'un horodatage est en heure d'été (CEST, UTC+2), la seconde en heure
    d'hiver (CET, UTC+1) : aucune mesure perdue ni comptée deux fois. Une troisième occurrence
    reste à l'heure d'hiver et sera donc signalée comme doublon.
    Changement d'heure de mars : l'heure sautée (02:00 à 02:59) n'existe pas ; un horodatage qui
    y tombe donne NaT (l'appelant le signale comme une erreur).
    `nettoyer` : les valeurs de `groupes` sont des textes à débarrasser de leurs espaces de bord
    (fait sur les seules lignes de l'heure répétée, plutôt que sur des colonnes de millions de lignes).
    """
    naives = pd.to_datetime(dates).astype("datetime64[ns]")
    rang = _rang_heure_repetee(naives, groupes, fuseau, nettoyer)
    return naives.dt.tz_localize(fuseau, ambiguous=(rang <= 0).to_numpy(), nonexistent="NaT")


def _rang_heure_repetee(naives: pd.Series, groupes, fuseau: str = config.FUSEAU, nettoyer: bool = False) -> pd.Series:
    """Pour chaque horodatage de l'heure répétée d'octobre : 0 à sa première occurrence dans sa
    série (ordre du fichier), 1 à la deuxième… ; -1 pour les autres horodatages."""
    inexistantes = naives.notna() & naives.dt.tz_localize(fuseau, ambiguous=True, nonexistent="NaT").isna()
    ambigues = naives.notna() & naives.dt.tz_localize(fuseau, ambiguous="NaT", nonexistent="NaT").isna() & ~inexistantes
    rang = pd.Series(-1, index=naives.index)
    if ambigues.any():
        if groupes is None:
            cles = []
        elif isinstance(groupes, pd.DataFrame):
            cles = [groupes[c] for c in groupes.columns]
        else:
            cles = list(groupes)
        # Seulement les horodatages de l'heure répétée (quelques-uns sur des millions de lignes).
        ou = np.flatnonzero(ambigues.to_numpy())
        index = naives.index[ou]
        cles = [pd.Series(c).iloc[ou] for c in cles]
        cles = [pd.Series((c.astype("str").str.strip() if nettoyer else c).to_numpy(dtype=object), index=index)
                for c in cles] + [naives.iloc[ou]]
        cadre = pd.DataFrame({i: c for i, c in enumerate(cles)})
        rang[ambigues] = cadre.groupby(list(range(len(cles))), sort=False, dropna=False).cumcount()
    return rang


def est_horodatage(valeurs: pd.Series) -> bool:
    """Vrai si au moins une valeur porte une heure (données infra-journalières)."""
    return bool(_sur_valeurs(_a_une_heure, valeurs).any())


def _a_une_heure(valeurs: pd.Series) -> pd.Series:
    return valeurs.astype("str").str.contains(":", regex=False)


def _vers_nombres(valeurs: pd.Series, dialecte: Dialecte) -> pd.Series:
    return _sur_valeurs(_vers_nombres_bloc, valeurs, dialecte)


def _vers_nombres_bloc(valeurs: pd.Series, dialecte: Dialecte) -> pd.Series:
    textes = valeurs.astype("str").str.strip()
    if dialecte.milliers:
        textes = textes.str.replace(dialecte.milliers, "", regex=False)
    if dialecte.decimale != ".":
        textes = textes.str.replace(dialecte.decimale, ".", regex=False)
    return pd.to_numeric(textes.replace("", np.nan), errors="coerce").astype("float64")


# --------------------------------------------------------------------------------------------
# API publique
# --------------------------------------------------------------------------------------------


def _verifier_entete(chemin: Path, cellules: list[str], ligne: int | None, descripteur: dict) -> list[str]:
    """En-tête nettoyé (espaces et majuscules tolérés) ; colonnes inconnues ou en double refusées
    (`ErreursDonnees`). Retire de `descripteur` les colonnes facultatives absentes du fichier."""
    entete = [c.strip().lower() for c in cellules]
    noms = [f["name"] for f in descripteur["fields"]]
    erreurs: list[ErreurDonnees] = []
    for i, nom in enumerate(entete):
        if nom not in noms:
            erreurs.append(ErreurDonnees(
                chemin, f"colonne « {_court(cellules[i])} » inconnue du standard." if nom else f"colonne n° {i + 1} sans nom.",
                ligne=ligne, colonne=_court(cellules[i]) or None, attendu=f"les colonnes {', '.join(noms)}"))
        elif entete.index(nom) != i:
            erreurs.append(ErreurDonnees(chemin, f"colonne « {nom} » présente deux fois.", ligne=ligne,
                                         colonne=nom, attendu="une seule colonne de ce nom"))
    if erreurs:
        raise ErreursDonnees(erreurs)

    # Colonnes facultatives absentes : retirées de la copie du schéma.
    descripteur["fields"] = [f for f in descripteur["fields"] if f["name"] in entete or _champ_obligatoire(f)]
    return entete


def _regler_decimale(descripteur: dict, decimale: str, milliers: str | None) -> None:
    """Décimale et séparateur de milliers du fichier dans les champs « number » du descripteur."""
    for f in descripteur["fields"]:
        if f.get("type") == "number":
            f["decimalChar"] = decimale
            if milliers:
                f["groupChar"] = milliers
            else:
                f.pop("groupChar", None)
            f.pop("example", None)  # l'exemple est écrit avec un point ; il ne doit pas gêner la copie


def _ressource(lignes: list[list[str]], separateur: str, descripteur: dict):
    """Ressource frictionless d'un CSV normalisé (UTF-8, séparateur détecté, en-tête nettoyé)."""
    from frictionless import Dialect, Resource, Schema, formats

    tampon = io.StringIO()
    csv.writer(tampon, delimiter=separateur, lineterminator="\n").writerows(lignes)
    return Resource(
        tampon.getvalue().encode("utf-8"), format="csv", encoding="utf-8",
        # L'en-tête est la ligne 1 par construction : sans le dire, frictionless devine la ligne
        # d'en-tête et prend parfois la 2e (première ligne de données courte), d'où des messages faux.
        dialect=Dialect(header_rows=[1], controls=[formats.CsvControl(delimiter=separateur)]),
        # Colonnes associées par leur nom, dans n'importe quel ordre (Table Schema v2 « fieldsMatch »).
        # La clé primaire est contrôlée plus bas (_doublons), à l'identique mais en une passe :
        # frictionless la vérifie cellule par cellule (40 % de sa validation sur 70 000 lignes).
        schema=Schema.from_descriptor(
            {**{k: v for k, v in descripteur.items() if k != "primaryKey"}, "fieldsMatch": "equal"}),
    )


def lire_tableau(chemin: str | Path, schema: str | Path | dict, dossier: str | Path | None = None, *,
                 comptages: frozenset[str] | set[str] = frozenset()) -> pd.DataFrame:
    """Lit un CSV (ou un .xlsx) et le valide contre un Table Schema.

    `schema` : descripteur (dict), chemin d'un fichier .json, ou nom court « mesures » / « meteo »
    (fichiers de `donnees/schemas/`). Encodage, séparateur et décimale sont détectés ; le
    contrôle est fait par frictionless. Rend un DataFrame dont l'index (nommé « ligne ») est le
    numéro de ligne dans le fichier (en-tête = 1) ; les colonnes « number » sont en float64, la
    colonne « date » en datetime64, les autres en texte sans espaces de bord, en catégories
    (`en_categories` : un code par ligne, catégories dans l'ordre alphabétique). Le dialecte détecté est dans
    `df.attrs["dialecte"]`. Lève `ErreurDonnees` (fichier illisible) ou `ErreursDonnees` (toutes
    les cellules fautives, avec ligne, colonne, valeur et attendu).

    `dossier` : le dossier que la lecture ne doit pas quitter (celui du pilote ; par défaut celui
    du fichier). Seul un fichier ordinaire est ouvert : un lien symbolique qui sort de `dossier`,
    un lien cassé, un tube nommé… sont refusés (`ErreurDonnees`) sans être ouverts.

    `comptages` : identifiants des indicateurs de comptage (`type_mesure: comptage` de pilote.yaml) ;
    leurs valeurs doivent être entières (« 1.234 » refusé, voir :func:`_comptages_non_entiers`).
    """
    comptages = frozenset(comptages)
    from ._imports import frictionless

    frictionless()
    # Importer frictionless.formats lève aussi la limite de taille d'un champ du module csv (131 072
    # caractères par défaut) : une cellule géante est alors lue, et signalée comme toute valeur fautive.
    from frictionless import formats  # noqa: F401

    from .fichiers import examiner, lire_octets

    chemin = Path(chemin)
    descripteur = _descripteur(schema)
    limite = Path(dossier) if dossier is not None else chemin.parent
    entree = examiner(chemin, limite)
    if entree.probleme is not None:
        raise entree.probleme
    if entree.absente or entree.dossier:
        raise ErreurDonnees(chemin, "fichier introuvable.",
                            conseil="Vérifiez le nom déclaré dans « fichiers » de pilote.yaml.")
    # Un lien interne au dossier est lu à sa cible (déjà vérifiée : fichier ordinaire du dossier).
    source = chemin if entree.lien is None else entree.cible
    nom_fichier = chemin.name.lower()
    suffixe = chemin.suffix.lower()
    compresse = nom_fichier.endswith((".csv.gz", ".txt.gz", ".tsv.gz"))
    premier = descripteur["fields"][0]["name"]
    if suffixe in (".csv", ".txt", ".tsv") or compresse:
        from . import lecture_morceaux as morceaux
        from .fichiers import taille_donnees

        # Gros fichier (millions de lignes) : lu en flux, par morceaux, mêmes résultats et messages.
        if taille_donnees(entree.cible) > morceaux.seuil_octets():
            try:
                return morceaux.lire_csv_par_morceaux(chemin, entree.cible, copy.deepcopy(descripteur), compresse,
                                                      comptages=comptages)
            except morceaux._Ordinaire:
                pass  # cas rare (archive abîmée, octets illisibles…) : message de la lecture d'un seul tenant
        octets = lire_octets(chemin, limite)
        if compresse:
            import gzip

            try:
                octets = gzip.decompress(octets)
            except (OSError, EOFError, gzip.BadGzipFile) as e:
                if octets.startswith(b"PK"):
                    raise ErreurDonnees(chemin, "archive ZIP et non gzip, malgré l'extension .gz.",
                                        attendu="un CSV compressé avec gzip (.csv.gz) ou un CSV non compressé",
                                        conseil="Extrayez le CSV de l'archive ZIP et déposez-le tel quel.") from None
                if isinstance(e, EOFError):
                    quoi = "archive gzip tronquée : le fichier s'arrête avant la fin des données compressées."
                elif "CRC" in str(e) or "length" in str(e).lower():
                    quoi = "archive gzip abîmée : la somme de contrôle ne correspond pas aux données."
                elif not octets.startswith(b"\x1f\x8b"):
                    quoi = "fichier non compressé avec gzip, malgré l'extension .gz."
                else:
                    quoi = "archive gzip illisible : données compressées abîmées."
                raise ErreurDonnees(chemin, quoi,
                                    conseil="Recompressez le fichier CSV avec gzip, ou déposez-le non compressé.") from None
        texte, encodage = _decoder(octets, chemin)
        texte = texte.rstrip("\r\n") + "\n"
        if not texte.strip():
            raise ErreurDonnees(chemin, "fichier vide.", attendu="une ligne d'en-tête puis une ligne par mesure")
        # Lignes de titre au-dessus de l'en-tête (« Export du … ») : sautées, numéros de ligne gardés.
        physiques = texte.split("\n")
        saut = _rang_entete(physiques, premier)
        separateur = _detecter_separateur(physiques[saut], chemin)
        lignes, debuts = _lignes_csv("\n".join(physiques[saut:]), separateur)
        debuts = [d + saut for d in debuts]
        # Lignes finales faites seulement de séparateurs (« ;;; », fréquent à l'export d'un tableur).
        while len(lignes) > 1 and not any(c.strip() for c in lignes[-1]):
            lignes.pop()
            debuts.pop()
    elif suffixe in (".xlsx", ".xlsm", ".ods", ".parquet"):
        lecteur = {".ods": _lire_ods, ".parquet": _lire_parquet}.get(suffixe, _lire_xlsx)
        lignes, debuts = lecteur(source)
        encodage, separateur = suffixe.lstrip("."), ";"
        if not lignes:
            raise ErreurDonnees(chemin, "classeur vide." if suffixe != ".parquet" else "fichier vide.",
                                attendu="une ligne d'en-tête puis une ligne par mesure")
        saut = _trouver_entete(lignes, premier)
        lignes, debuts = lignes[saut:], debuts[saut:]
        if lignes:
            largeur = max((i + 1 for i, v in enumerate(lignes[0]) if v), default=0)
            lignes = [ligne[:largeur] if not any(ligne[largeur:]) else ligne for ligne in lignes]
    else:
        raise ErreurDonnees(chemin, f"format « {chemin.suffix or 'sans extension'} » non pris en charge.",
                            attendu="un fichier .csv (ou .txt, .tsv, .csv.gz), .xlsx, .ods ou .parquet",
                            conseil="Exportez les données en CSV depuis le tableur ou le logiciel de supervision.")
    if len(lignes) < 2:
        raise ErreurDonnees(chemin, "aucune mesure : le fichier n'a qu'une ligne d'en-tête.", ligne=debuts[0] if debuts else None,
                            attendu="une ligne d'en-tête puis une ligne par mesure")

    entete = _verifier_entete(chemin, lignes[0], debuts[0], descripteur)
    lignes[0] = entete
    champs = {f["name"]: f for f in descripteur["fields"]}
    nombres = [f["name"] for f in descripteur["fields"] if f.get("type") in ("number", "integer")]

    positions = {nom: entete.index(nom) for nom in nombres if nom in entete}
    echantillon = [(ligne[i], debuts[k], nom) for k, ligne in enumerate(lignes) if k
                   for nom, i in positions.items() if i < len(ligne) and ligne[i]]
    texte_brut = suffixe in (".csv", ".txt", ".tsv") or compresse
    decimale, milliers = _detecter_decimale(echantillon, chemin) if texte_brut else (".", None)
    dialecte = Dialecte(encodage=encodage, separateur=separateur, decimale=decimale, milliers=milliers)
    _regler_decimale(descripteur, decimale, milliers)
    erreurs: list[ErreurDonnees] = []

    # Validation par frictionless, sur un CSV normalisé (UTF-8, séparateur détecté, en-tête nettoyé).
    rapport = _ressource(lignes, separateur, descripteur).validate(limit_errors=10 * MAX_ERREURS)
    cles = tuple(descripteur.get("primaryKey", ()))
    # Heure répétée d'octobre : la deuxième écriture d'un même horodatage (heure d'hiver) n'est pas
    # un doublon. Numéros de ligne frictionless (en-tête = 1) de ces deuxièmes occurrences.
    secondes = set()
    if "date" in entete and "date" in cles:
        brutes = pd.Series([l[entete.index("date")] if entete.index("date") < len(l) else "" for l in lignes[1:]])
        if est_horodatage(brutes):
            groupes = [pd.Series([l[entete.index(c)].strip() if entete.index(c) < len(l) else "" for l in lignes[1:]])
                       for c in cles if c != "date" and c in entete]
            rang = _rang_heure_repetee(lire_dates(brutes), groupes)
            secondes = {i + 2 for i in np.flatnonzero(rang.to_numpy() == 1)}
    # Erreurs dans l'ordre des lignes (numéros frictionless : en-tête = 1) ; à ligne égale, celles
    # des cellules avant le doublon, comme frictionless les rendait.
    numerotees: list[tuple[int, int, ErreurDonnees]] = []
    for tache in rapport.tasks:
        for e in tache.errors:
            traduite = _traduire_frictionless(e, chemin, debuts, champs, dialecte)
            if traduite is not None:
                numerotees.append((getattr(e, "row_number", None) or 0, 0, traduite))
    if not rapport.valid and not numerotees:
        erreurs.append(ErreurDonnees(chemin, "fichier non conforme au schéma : " + "; ".join(
            e.message for t in rapport.tasks for e in t.errors)[:500]))
    for numero, autre in _doublons(lignes, entete, cles, secondes):
        numerotees.append((numero, 1, _erreur_doublon(chemin, debuts, numero, autre, cles)))
    erreurs += [e for _, _, e in sorted(numerotees, key=lambda t: (t[0], t[1]))]

    if erreurs:
        raise ErreursDonnees(_limiter(erreurs, chemin))

    # Tableau typé.
    largeur = len(entete)
    corps = [ligne + [""] * (largeur - len(ligne)) if len(ligne) < largeur else ligne[:largeur] for ligne in lignes[1:]]
    df = pd.DataFrame(corps, columns=entete, dtype="str")
    df.index = pd.Index(debuts[1:], name="ligne")
    return _tableau_type(df, chemin, descripteur, dialecte, cles, comptages=comptages)


def _tableau_type(df: pd.DataFrame, chemin: Path, descripteur: dict, dialecte: Dialecte,
                  cles: tuple[str, ...], dates_lues: pd.Series | None = None,
                  comptages: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Cellules texte (index : numéro de ligne du fichier) -> colonnes typées ; contrôles du
    calendrier (dates impossibles, ordre jour/mois, heure légale) et des comptages (valeur entière
    pour les indicateurs nommés dans `comptages`, voir :func:`_comptages_non_entiers`). Commun à la
    lecture d'un seul tenant et à la lecture par morceaux (`lecture_morceaux`, qui passe
    `dates_lues` : la colonne « date » déjà lue par `lire_dates`)."""
    erreurs: list[ErreurDonnees] = []
    for f in descripteur["fields"]:
        nom = f["name"]
        if nom not in df.columns:
            df[nom] = ""
        if nom == "date":
            dates = lire_dates(df[nom]) if dates_lues is None else dates_lues
            # Ordre jour/mois décidé pour tout le fichier : des dates qui ne sont valides qu'en MM/JJ
            # (01/13/2023) sans aucune qui ne le soit qu'en JJ/MM : export américain, refusé.
            americaines = _ordre_americain(chemin, df[nom], nom)
            if americaines is not None:
                erreurs.append(americaines[0])
                dates = dates.where(~americaines[1], pd.Timestamp(1970, 1, 1))
            # La forme est validée par frictionless ; reste le calendrier (30 février, 25:00).
            for ligne, valeur in df.loc[dates.isna() & df[nom].ne(""), nom].head(MAX_ERREURS).items():
                erreurs.append(ErreurDonnees(
                    chemin, f"« {_court(valeur)} » n'est pas une date du calendrier.", ligne=int(ligne), colonne=nom,
                    attendu=_attendu_champ(f, dialecte)))
            if est_horodatage(df[nom]):
                # Heure légale française : heure d'été / d'hiver résolue, heure sautée de mars refusée.
                groupes = [df[c] for c in cles if c != "date" and c in df.columns]
                locales = localiser_heure_legale(dates, groupes, nettoyer=True)
                del groupes  # les colonnes brutes se libèrent dès qu'elles sont remplacées
                for ligne, valeur in df.loc[dates.notna() & locales.isna(), nom].head(MAX_ERREURS).items():
                    jour = dates.loc[ligne]
                    erreurs.append(ErreurDonnees(
                        chemin, f"l'horodatage « {valeur} » n'existe pas en heure légale française : le "
                                f"{jour.day} mars {jour.year}, les horloges passent directement de 02:00 à 03:00.",
                        ligne=int(ligne), colonne=nom,
                        attendu="un horodatage en heure légale française, hors de l'heure sautée (02:00 à 02:59)",
                        conseil="Vérifiez que l'export est bien en heure légale et non en heure d'hiver fixe ou en UTC ; "
                                "sinon corrigez ou retirez cette ligne."))
                dates = locales
            df[nom] = dates
        elif f.get("type") in ("number", "integer"):
            nombres = _vers_nombres(df[nom], dialecte)
            if comptages and nom == "valeur" and "indicateur" in df.columns:
                erreurs += _comptages_non_entiers(df, nombres, chemin, dialecte, comptages)
            df[nom] = nombres
        else:
            df[nom] = en_categories(df[nom])
    if erreurs:
        raise ErreursDonnees(_limiter(erreurs, chemin))
    df = df[[f["name"] for f in descripteur["fields"]]]
    df.attrs["dialecte"] = asdict(dialecte)
    df.attrs["fichier"] = chemin_lisible(chemin)
    return df


def _comptages_non_entiers(df: pd.DataFrame, nombres: pd.Series, chemin: Path, dialecte: Dialecte,
                           comptages: frozenset[str]) -> list[ErreurDonnees]:
    """Une valeur non entière d'un indicateur de comptage (`type_mesure: comptage`) est refusée.

    Un comptage (passages, levées, visiteurs) est un nombre entier : « 1.234 » ou « 12.345 » dans un
    fichier à décimale point (fixée par un « 812.4 » d'un autre indicateur) serait lu 1,234 et
    12,345 alors que l'auteur a presque sûrement écrit un point des milliers (1234, 12345). Le
    lecteur ne devine pas : il refuse, cellule par cellule (au plus ``MAX_ERREURS``), et dit quoi
    écrire. Les cellules sont celles du fichier, avant conversion (`df`, texte)."""
    fractions = nombres.notna() & (nombres.to_numpy() % 1 != 0)
    if not fractions.any():
        return []
    indicateurs = df.loc[fractions, "indicateur"].str.strip()
    fautives = indicateurs[indicateurs.isin(comptages)]
    erreurs = []
    for ligne, indicateur in fautives.head(MAX_ERREURS).items():
        ecrit = str(df.at[ligne, "valeur"]).strip()
        chiffres = ecrit.lstrip("+-")
        if dialecte.decimale == "." and _MILLIERS_POINT.fullmatch(chiffres):
            entier = ecrit.replace(".", "")
            message = (f"un comptage est un nombre entier ; « {_court(ecrit)} » est ambigu pour l'indicateur "
                       f"« {_court(indicateur)} » : avec la décimale point du fichier il se lirait "
                       f"{_court(ecrit.replace('.', ','))}, alors qu'un point des milliers donne {entier}.")
            conseil = f"Écrivez {entier} (sans séparateur des milliers), puis redéposez le fichier."
        else:
            message = (f"un comptage est un nombre entier ; « {_court(ecrit)} » n'en est pas un (indicateur "
                       f"« {_court(indicateur)} »).")
            conseil = ("Vérifiez la valeur, ou déclarez l'indicateur « type_mesure: continue » dans pilote.yaml "
                       "s'il s'agit d'une grandeur mesurée et non d'un nombre d'événements.")
        erreurs.append(ErreurDonnees(chemin, message, ligne=int(ligne), colonne="valeur",
                                     attendu="un nombre entier sans séparateur des milliers, par exemple 1234",
                                     conseil=conseil))
    if len(fautives) > MAX_ERREURS:
        reste = len(fautives) - MAX_ERREURS
        autres = compte(reste, "autre valeur non entière", "autres valeurs non entières")
        erreurs.append(ErreurDonnees(chemin, f"… et {autres} de comptage dans ce fichier."))
    return erreurs


def _resume_inconnus(df: pd.DataFrame, colonne: str, connus: list[str], fichier: Path, quoi: str) -> list[ErreurDonnees]:
    erreurs = []
    inconnus = df.loc[~df[colonne].isin(connus), colonne].astype("str")
    for valeur, groupe in inconnus.groupby(inconnus, sort=False):
        n = len(groupe)
        proches = difflib.get_close_matches(str(valeur), connus, n=1, cutoff=0.6)
        erreurs.append(ErreurDonnees(
            fichier, f"{quoi} « {_court(valeur)} » non déclaré dans pilote.yaml"
                     + (f" ({n} lignes, la première est signalée)." if n > 1 else "."),
            ligne=int(groupe.index[0]), colonne=colonne,
            attendu=f"un des identifiants déclarés : {', '.join(connus)}",
            conseil=f"Vouliez-vous écrire « {proches[0]} » ?" if proches else
            "Ajoutez-le à pilote.yaml ou corrigez le fichier.",
        ))
    return erreurs


#: Unités reconnues pour `indicateurs[].unite` de pilote.yaml ; vrai si une valeur négative a un sens
#: (température, écart, variation), faux pour les quantités (consommation, volume, comptage…).
UNITES = {
    "Wh": False, "kWh": False, "MWh": False, "GWh": False, "kW": False, "MW": False,
    "m3": False, "m³": False, "m3/h": False, "m³/h": False, "L": False, "L/s": False, "L/j": False,
    "nombre": False, "h": False, "heures": False, "jours": False, "min": True, "minutes": True,
    "km": False, "km/h": False, "t": False, "kg": False, "kg/hab": False, "kgCO2e": False, "tCO2e": False,
    "passages": False, "véhicules": False, "voyageurs": False, "usagers": False, "levées": False,
    "collectes": False, "alertes": False, "fuites": False,
    "%": True, "°C": True, "€": True, "EUR": True,
}


def verifier_unites(pilote) -> list[ErreurDonnees]:
    """Erreurs pour chaque `unite` de pilote.yaml absente de la liste des unités connues (`UNITES`)."""
    erreurs = []
    for i, ind in enumerate(pilote.indicateurs):
        if ind.unite in UNITES:
            continue
        proches = difflib.get_close_matches(ind.unite, list(UNITES), n=1, cutoff=0.5)
        proches = proches or [u for u in UNITES if u.lower() == ind.unite.strip().lower()]
        erreurs.append(ErreurDonnees(
            pilote.fichier, f"unité « {ind.unite} » inconnue pour l'indicateur « {ind.identifiant} ».",
            ligne=pilote.ligne(f"indicateurs.{i}.unite"), champ=f"indicateurs[{i}].unite",
            attendu="une des unités " + ", ".join(UNITES),
            conseil=f"Vouliez-vous écrire « {proches[0]} » ?" if proches else
            "Convertissez les valeurs dans une unité connue, ou demandez l'ajout de l'unité au standard."))
    return erreurs


def _valeurs_impossibles(df: pd.DataFrame, pilote, fichier: Path) -> list[ErreurDonnees]:
    """Valeurs non finies (NaN, inf) et négatives pour un indicateur qui ne peut pas l'être."""
    erreurs = []
    for ligne, r in df.loc[~np.isfinite(df["valeur"].to_numpy(dtype=float))].iterrows():
        erreurs.append(ErreurDonnees(fichier, "valeur invraisemblable : pas un nombre fini (NaN ou infini).",
                                     ligne=int(ligne), colonne="valeur", attendu="un nombre fini",
                                     conseil="Une mesure absente s'omet : retirez la ligne."))
    for ind in pilote.indicateurs:
        if UNITES.get(ind.unite, True) and ind.type_mesure != "comptage":
            continue
        negatives = df[(df["indicateur"] == ind.identifiant) & (df["valeur"] < 0)]
        for ligne, r in negatives.iterrows():
            erreurs.append(ErreurDonnees(
                fichier, f"valeur négative ({nombre_exact(r['valeur'])}) pour l'indicateur « {ind.identifiant} » "
                         f"({'comptage' if ind.type_mesure == 'comptage' else ind.unite}).",
                ligne=int(ligne), colonne="valeur", attendu="une valeur positive ou nulle",
                conseil="Un index de compteur qui recule (remplacement, remise à zéro) doit être converti en "
                        "consommation ; corrigez la valeur ou retirez la ligne."))
    return erreurs


def _date_lisible(date: pd.Timestamp) -> str:
    """2023-01-02 pour un jour ; 2024-10-27 02:15 (heure d'été) pour un horodatage de l'heure répétée."""
    if date.tzinfo is None:
        return f"{date:%Y-%m-%d %H:%M}".replace(" 00:00", "")
    texte = f"{date:%Y-%m-%d %H:%M}"
    if date.tz_localize(None).tz_localize(config.FUSEAU, ambiguous="NaT", nonexistent="NaT") is pd.NaT:
        texte += " (heure d'été)" if date.dst() else " (heure d'hiver)"
    return texte


def charger_mesures(pilote) -> pd.DataFrame:
    """Toutes les mesures d'un pilote, contrôlées contre son pilote.yaml.

    Colonnes : `date`, `site` et `indicateur` (texte en catégories : un code par ligne, catégories
    dans l'ordre alphabétique, les mêmes pour tous les fichiers), `valeur` (float64) ; trié par site,
    indicateur et date. Données journalières : `date` en datetime64[ns] sans fuseau (minuit).
    Données infra-journalières (un horodatage au moins porte une heure) : `date` en
    datetime64[ns, Europe/Paris] ; l'heure répétée d'octobre est lue dans l'ordre du fichier
    (première occurrence en heure d'été, seconde en heure d'hiver) et un horodatage dans l'heure
    sautée de mars est une erreur. Lève `ErreursDonnees` pour un site ou un indicateur non
    déclaré et pour une mesure en double (même instant, site et indicateur, y compris d'un
    fichier à l'autre), en nommant fichier et ligne.
    """
    sites = [s.identifiant for s in pilote.sites]
    indicateurs = [i.identifiant for i in pilote.indicateurs]
    morceaux, erreurs, tout = [], verifier_unites(pilote), None
    comptages = frozenset(i.identifiant for i in pilote.indicateurs if i.type_mesure == "comptage")
    for fichier in pilote.fichiers_mesures:
        try:
            df = lire_tableau(fichier, "mesures", dossier=pilote.dossier, comptages=comptages)
        except ErreursDonnees as e:
            erreurs += e.erreurs
            continue
        except ErreurDonnees as e:
            erreurs.append(e)
            continue
        erreurs += _resume_inconnus(df, "site", sites, fichier, "site")
        erreurs += _resume_inconnus(df, "indicateur", indicateurs, fichier, "indicateur")
        erreurs += _valeurs_impossibles(df, pilote, fichier)
        # Le nom du fichier en catégorie : un code par ligne, pas des millions de copies du chemin.
        morceaux.append(df.assign(_fichier=pd.Categorical.from_codes(np.zeros(len(df), dtype=np.int8), [str(fichier)]),
                                  _ligne=df.index.to_numpy()).reset_index(drop=True))
        del df
    notes: list[str] = []
    for releve in getattr(pilote, "releves_compteurs", ()):
        # Compteurs individuels (RGPD) : agrégés par DuckDB en totaux journaliers par site ; les
        # identifiants de compteurs ne sortent pas de lecture_massive.
        from .lecture_massive import agreger_releves

        try:
            agg = agreger_releves(
                releve["fichier"], groupes=releve["groupes"], seuil_compteurs=releve["seuil_compteurs"],
                sites_connus=sites, indicateurs_connus=indicateurs,
                indicateur_defaut=pilote.indicateur_principal.identifiant,
            )
        except ErreursDonnees as e:
            erreurs += e.erreurs
            continue
        except ErreurDonnees as e:
            erreurs.append(e)
            continue
        masques = int(agg.attrs.get("groupes_masques", 0) or 0)
        # Le secret statistique vaut aussi pour les totaux par site (colonne site du fichier).
        petits = agg["nb_compteurs"] < releve["seuil_compteurs"]
        masques += int(petits.sum())
        agg = agg[~petits]
        if masques:
            notes.append(
                f"{compte(masques, 'site-jour', 'sites-jours')} de {chemin_lisible(releve['fichier'])} "
                f"{accord(masques, 'comptait', 'comptaient')} moins de "
                f"{releve['seuil_compteurs']} compteurs : ils sont retirés (secret statistique) et comptent "
                "comme jours manquants."
            )
        # Un total de site n'a de sens que si tous ses compteurs ont été relevés ce jour-là : un
        # jour où manque plus de 10 % des relevés habituels du site (médiane de ses jours) ferait
        # croire à une baisse de consommation. Il est retiré et compte comme jour manquant. (Les
        # jours de changement d'heure, 23 ou 25 relevés horaires sur 24, restent dans la marge.)
        if len(agg):
            habituel = agg.groupby(["site", "indicateur"])["nb_releves"].transform("median")
            incomplets = agg["nb_releves"] < SEUIL_JOUR_COMPLET * habituel
            if incomplets.any():
                notes.append(
                    f"{compte(int(incomplets.sum()), 'site-jour', 'sites-jours')} de {chemin_lisible(releve['fichier'])} "
                    f"{accord(int(incomplets.sum()), 'avait', 'avaient')} "
                    f"moins de {SEUIL_JOUR_COMPLET * 100:.0f}\u00a0% des relevés habituels du site (compteurs "
                    "non relevés) : leur total serait trop bas ; ils sont retirés et comptent comme jours manquants."
                )
                agg = agg[~incomplets]
        agg = agg[["date", "site", "indicateur", "valeur"]]
        morceaux.append(agg.assign(_fichier=str(releve["fichier"]), _ligne=0).reset_index(drop=True))
    if any(isinstance(m["date"].dtype, pd.DatetimeTZDtype) for m in morceaux):
        # Un pilote qui mêle fichiers journaliers et infra-journaliers : tout en heure légale.
        morceaux = [m if isinstance(m["date"].dtype, pd.DatetimeTZDtype)
                    else m.assign(date=m["date"].dt.tz_localize(config.FUSEAU, ambiguous=True, nonexistent="shift_forward"))
                    for m in morceaux]
    if morceaux:
        # Site et indicateur : mêmes catégories dans tous les fichiers (concaténés sans redevenir du texte).
        for colonne in ("site", "indicateur"):
            communes = _categories([m[colonne] for m in morceaux])
            morceaux = [m.assign(**{colonne: m[colonne].astype(communes)}) for m in morceaux]
        tout = morceaux[0] if len(morceaux) == 1 else pd.concat(morceaux, ignore_index=True)
        del morceaux
        doublons = tout.duplicated(["date", "site", "indicateur"], keep=False)
        if doublons.any():
            vus: dict = {}
            for rang in tout.index[doublons]:
                cle = (tout.at[rang, "date"], tout.at[rang, "site"], tout.at[rang, "indicateur"])
                if cle in vus:
                    premier = vus[cle]
                    ailleurs = "" if premier[0] == tout.at[rang, "_fichier"] else f" de {chemin_lisible(premier[0])}"
                    erreurs.append(ErreurDonnees(
                        tout.at[rang, "_fichier"],
                        f"ligne en double : même date ({_date_lisible(tout.at[rang, 'date'])}), site et indicateur "
                        f"qu'à la ligne {premier[1]}{ailleurs}.",
                        ligne=int(tout.at[rang, "_ligne"]),
                        conseil="Gardez une seule mesure par date, site et indicateur."))
                else:
                    vus[cle] = (tout.at[rang, "_fichier"], int(tout.at[rang, "_ligne"]))
    if erreurs:
        erreurs.sort(key=lambda e: (str(e.fichier), e.ligne or 0))
        raise ErreursDonnees(_limiter(erreurs, Path(pilote.dossier)))
    if tout is None:
        vide = _categories([])
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "site": pd.Series(dtype=vide),
                             "indicateur": pd.Series(dtype=vide), "valeur": pd.Series(dtype="float64")})
    # Lignes lues par fichier : pour le résumé de `make verifier` (eprouvette.verification).
    lignes_par_fichier = {str(f): int(n) for f, n in tout["_fichier"].value_counts(sort=False).items() if n}
    # Catégories dans l'ordre alphabétique : le tri suit celui du texte.
    tout = tout[["date", "site", "indicateur", "valeur"]].sort_values(["site", "indicateur", "date"], kind="stable")
    tout = tout.reset_index(drop=True)
    tout.attrs = {"notes": notes} if notes else {}
    tout.attrs["lignes_par_fichier"] = lignes_par_fichier
    return tout


def _categories(colonnes: list[pd.Series]) -> pd.CategoricalDtype:
    """Catégories communes à des colonnes de texte ou de catégories : leurs valeurs présentes, dans
    l'ordre alphabétique."""
    valeurs: set[str] = set()
    for c in colonnes:
        valeurs.update(str(v) for v in c.dropna().unique())
    return pd.CategoricalDtype(pd.Index(sorted(valeurs), dtype="str"))


def est_meteo_france(chemin: str | Path, dossier: str | Path | None = None) -> bool:
    """Vrai pour un fichier quotidien de Météo-France (nom ``Q_…csv[.gz]`` ou en-tête NUM_POSTE;…;AAAAMMJJ).

    Seul un fichier ordinaire de `dossier` (par défaut : celui du fichier) est ouvert pour lire
    son en-tête ; sinon la réponse est non (et la lecture qui suit refuse le fichier)."""
    from .fichiers import examiner, ouvrir_sans_suivre

    chemin = Path(chemin)
    if re.match(r"^Q_.*\.csv(\.gz)?$", chemin.name):
        return True
    entree = examiner(chemin, Path(dossier) if dossier is not None else chemin.parent)
    if entree.cible is None or entree.dossier:
        return False
    try:
        with os.fdopen(ouvrir_sans_suivre(entree.cible), "rb") as brut:
            flux = gzip.GzipFile(fileobj=brut) if chemin.suffix == ".gz" else brut
            entete = flux.readline(1 << 16).decode("utf-8", errors="replace")
    except (OSError, EOFError):
        return False
    return "NUM_POSTE" in entete and "AAAAMMJJ" in entete


def charger_meteo(pilote) -> pd.DataFrame | None:
    """Températures journalières du pilote (None si pilote.yaml n'en déclare pas).

    Colonnes : `date` (datetime64), `temperature_min`, `temperature_max`, `temperature_moyenne`
    (°C, float64) ; la moyenne absente ou vide vaut (min + max) / 2. Vérifie que min <= max.
    Les colonnes facultatives déclarées dans meteo.schema.json (par exemple des précipitations)
    suivent, quand le fichier les donne.
    """
    if pilote.fichier_meteo is None:
        return None
    fichier = Path(pilote.fichier_meteo)
    if est_meteo_france(fichier, pilote.dossier):
        # Fichier quotidien de Météo-France lu tel qu'il est publié (colonnes par leur nom,
        # valeurs douteuses écartées) : voir eprouvette.meteo.lire_meteo_france.
        from .meteo import lire_meteo_france

        return lire_meteo_france(fichier, poste=getattr(pilote, "poste_meteo", None), dossier=pilote.dossier)
    df = lire_tableau(fichier, "meteo", dossier=pilote.dossier)
    erreurs = [
        ErreurDonnees(fichier, f"température minimale ({nombre_exact(r.temperature_min)} °C) supérieure à la "
                               f"maximale ({nombre_exact(r.temperature_max)} °C).", ligne=int(ligne),
                      colonne="temperature_min", attendu="temperature_min ≤ temperature_max")
        for ligne, r in df[df["temperature_min"] > df["temperature_max"]].iterrows()
    ]
    doublons = df["date"].duplicated()
    erreurs += [ErreurDonnees(fichier, f"date {d:%Y-%m-%d} en double (écrite sous deux formes).", ligne=int(ligne),
                              colonne="date") for ligne, d in df.loc[doublons, "date"].items()]
    if erreurs:
        raise ErreursDonnees(_limiter(erreurs, fichier))
    moyenne = (df["temperature_min"] + df["temperature_max"]) / 2
    if "temperature_moyenne" in df.columns:
        df["temperature_moyenne"] = df["temperature_moyenne"].fillna(moyenne).astype("float64")
    else:
        df["temperature_moyenne"] = moyenne.astype("float64")
    df = df.sort_values("date").reset_index(drop=True)
    df.attrs = {}
    # Colonnes facultatives du schéma (précipitations…) gardées quand le fichier les donne.
    base = ["date", "temperature_min", "temperature_max", "temperature_moyenne"]
    return df[base + [c for c in df.columns if c not in base]]
