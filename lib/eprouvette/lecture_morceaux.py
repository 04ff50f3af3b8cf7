"""Lecture par morceaux des fichiers CSV de `fichiers.mesures` au-delà de 64 Ko (des milliers aux millions de lignes).

`lecture.lire_tableau` passe ici un fichier texte (.csv, .txt, .tsv, ± .gz) dont la taille
(décompressée) dépasse `seuil_octets()` : 64 Ko par défaut (environ 1 500 lignes), ou la variable
d'environnement ``EPROUVETTE_SEUIL_MORCEAUX`` (en octets ; 0 force ce chemin, utilisé par les tests). Le
résultat et les messages sont ceux de la lecture d'un seul tenant (mêmes textes, mêmes numéros de
ligne) ; seuls la mémoire et le temps changent : le fichier n'est jamais entier en mémoire ni en listes
Python, ni recopié pour frictionless, qui ne voit que les lignes suspectes. Dès quelques milliers de
lignes, c'est aussi le chemin le plus rapide (frictionless contrôle chaque cellule en Python) : 68 623
lignes horaires lues en 0,41 s de CPU au lieu de 2,1 s, 37 331 lignes en 0,13 s au lieu de 0,87 s ; sous
64 Ko, les deux se valent (≈ 0,05 s).

- Le fichier est lu en flux (gzip décompressé au fil de l'eau), découpé par le même lecteur CSV
  (module `csv`, mêmes lignes physiques) en morceaux de `lignes_par_morceau()` enregistrements
  (``EPROUVETTE_LIGNES_MORCEAU``, 100 000 par défaut), rangés en catégories (un code par
  cellule, chaque valeur distincte une fois : jamais de colonne de texte de tout le fichier).
- Décidé pour tout le fichier, comme d'un seul tenant : l'encodage (BOM, UTF-16 sans BOM, UTF-8
  vérifié sur tout le flux ; sinon charset-normalizer sur les 4 premiers Mo), les lignes de titre,
  le séparateur, la décimale (`lecture._detecter_decimale`, nourrie de la première cellule de chaque
  sorte et d'une cellule témoin de chaque séparateur : même décision et même message que sur toutes
  les cellules), l'ordre jour/mois et l'heure légale (`lecture._tableau_type`, commun aux deux
  chemins, sur les colonnes entières).
- Validation : frictionless ne voit que l'en-tête et les lignes « suspectes » (nombre de cellules
  différent de l'en-tête, cellule vide, espace en bord de cellule, date hors du motif, nombre hors
  de la forme simple de la décimale du fichier, valeur hors des bornes, tout champ d'un type ou
  d'une contrainte que ce module ne sait pas vérifier), par lots de 5 000, avec leurs numéros de
  ligne d'origine. Une ligne non suspecte est valide pour frictionless (test de propriété) : les
  erreurs sont celles qu'il rendrait sur tout le fichier, dans le même ordre, limitées de même.
- Clé primaire : doublons trouvés par pandas (`duplicated`, `groupby`), même règle que
  `lecture._doublons` (valeurs brutes, renvoi à la dernière ligne de même clé, heure répétée
  d'octobre admise).

Cas rares renvoyés à la lecture d'un seul tenant, qui en donne le message (`_Ordinaire`) : archive
gzip abîmée, octets nuls hors UTF-16, octets illisibles dans l'encodage retenu, fichier sans
mesure.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import os
import re
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from . import lecture as lec
from .erreurs import ErreurDonnees, ErreursDonnees

#: Lignes suspectes passées à frictionless en une fois.
LOT_FRICTIONLESS = 5000
_SORTES = ("virgule", "point", "virgule?", "ambigu")
_SAUT_DE_LIGNE = re.compile(r"\r\n|\r|\n")


#: Taille (décompressée, en octets) au-delà de laquelle un CSV est lu par morceaux, sauf variable
#: ``EPROUVETTE_SEUIL_MORCEAUX`` : 64 Ko, là où le chemin par morceaux devient le plus rapide.
SEUIL_OCTETS = 65_536


def seuil_octets() -> int:
    """Taille (décompressée, en octets) au-delà de laquelle un CSV est lu par morceaux."""
    return int(os.environ.get("EPROUVETTE_SEUIL_MORCEAUX", SEUIL_OCTETS))


def lignes_par_morceau() -> int:
    return max(1, int(os.environ.get("EPROUVETTE_LIGNES_MORCEAU", 100_000)))


class _Ordinaire(Exception):
    """Le fichier est renvoyé à la lecture d'un seul tenant, qui en donnera le message."""


@contextmanager
def _flux(cible: Path, compresse: bool):
    from .fichiers import ouvrir_sans_suivre

    brut = os.fdopen(ouvrir_sans_suivre(cible), "rb")
    try:
        yield gzip.GzipFile(fileobj=brut, mode="rb") if compresse else brut
    except (OSError, EOFError, UnicodeDecodeError):
        raise _Ordinaire from None
    finally:
        brut.close()


def _encodage(cible: Path, compresse: bool) -> str:
    """Encodage du fichier entier, décidé comme `lecture._decoder` (sans garder le fichier)."""
    with _flux(cible, compresse) as f:
        debut = f.read(65536)
        if debut.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if debut.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        sans_bom = lec._utf16_sans_bom(debut)
        if sans_bom is not None:
            return sans_bom
        decodeur = codecs.getincrementaldecoder("utf-8")()
        utf8, echantillon, bloc = True, bytearray(), debut
        while bloc:
            if b"\x00" in bloc:
                raise _Ordinaire
            if utf8:
                try:
                    decodeur.decode(bloc)
                except UnicodeDecodeError:
                    utf8 = False
            if len(echantillon) < 4 << 20:
                echantillon += bloc
            bloc = f.read(1 << 20)
        if utf8:
            try:
                decodeur.decode(b"", final=True)
                return "utf-8"
            except UnicodeDecodeError:
                pass
    from charset_normalizer import from_bytes

    meilleur = from_bytes(bytes(echantillon), cp_isolation=["cp1252", "iso8859_15", "latin_1"]).best()
    return meilleur.encoding if meilleur is not None else "cp1252"


class _Debuts:
    """Ligne du fichier de chaque enregistrement (0 : l'en-tête), sans liste Python de millions d'entiers."""

    def __init__(self, entete: int, lignes: np.ndarray):
        self.entete, self.lignes = entete, lignes

    def __len__(self) -> int:
        return len(self.lignes) + 1

    def __getitem__(self, i: int) -> int:
        return self.entete if i == 0 else int(self.lignes[i - 1])


def _sortes_decimale(colonne: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Pour chaque cellule : rang de sa sorte dans _SORTES (-1 : aucune) ; codes des valeurs
    distinctes et ces valeurs.

    `lecture._sens_decimale` ne dépend que de la place des chiffres 1-9, des zéros et des autres
    caractères : elle est appliquée une fois par « forme » (chiffres 1-9 remplacés par 1), peu nombreuses.
    """
    codes, uniques = pd.factorize(colonne)
    uniques = pd.Series(uniques, dtype="str")
    formes = uniques.str.replace(r"[1-9]", "1", regex=True)
    sens = {f: lec._sens_decimale(f) for f in pd.unique(formes)}
    rang = np.array([(_SORTES.index(sens[f]) if sens[f] else -1) for f in formes], dtype=np.int8)
    return (rang[codes] if len(rang) else np.full(len(codes), -1, np.int8)), codes, uniques


class _Decimale:
    """Les cellules qui décident de la décimale : la première de chaque sorte, et une cellule
    témoin de chaque caractère qui compte (« . », « , », espaces), dans l'ordre du fichier."""

    def __init__(self, colonnes: list[str]):
        self.colonnes = colonnes
        self.cellules: dict[str, tuple] = {}

    def observer(self, morceau: dict[str, pd.Series], lignes: np.ndarray, depart: int) -> None:
        for ordre, nom in enumerate(self.colonnes):
            cellules = morceau[nom]
            rang, codes, uniques = _sortes_decimale(cellules)
            for k, sorte in enumerate(_SORTES):
                if sorte in self.cellules and self.cellules[sorte][0] < depart:
                    continue
                ou = np.flatnonzero(rang == k)
                if len(ou):
                    i = int(ou[0])
                    self._garder(sorte, depart + i, ordre, uniques.iloc[codes[i]], lignes[i], nom)
            # Comme `_detecter_decimale` : « . » et « , » n'importe où, une espace à l'intérieur.
            for caractere in (".", ",", *lec.ESPACES_MILLIERS):
                if caractere in self.cellules:
                    continue
                textes = uniques if caractere in ".," else uniques.str.strip()
                avec = np.flatnonzero(textes.str.contains(caractere, regex=False).to_numpy(dtype=bool))
                if len(avec):
                    i = int(np.flatnonzero(codes == avec[0])[0])
                    self._garder(caractere, depart + i, ordre, uniques.iloc[avec[0]], lignes[i], nom)

    def _garder(self, cle: str, position: int, ordre: int, valeur: str, ligne, nom: str) -> None:
        ancien = self.cellules.get(cle)
        if ancien is None or (position, ordre) < (ancien[0], ancien[1]):
            self.cellules[cle] = (position, ordre, (valeur, int(ligne), nom))

    def decider(self, chemin: Path) -> tuple[str, str | None]:
        cellules = sorted(set((p, o, c) for p, o, c in self.cellules.values()))
        return lec._detecter_decimale([c for _, _, c in cellules], chemin)


def _lire_morceaux(cible: Path, compresse: bool, encodage: str, chemin: Path, premier: str, descripteur: dict):
    """Flux des enregistrements : en-tête vérifié, puis morceaux (colonnes, lignes, lignes à part)."""
    with _flux(cible, compresse) as f:
        tete = io.TextIOWrapper(f, encoding=encodage, errors="strict", newline="").read(1 << 16)
    while tete.count("\n") < 11:  # les 10 premières lignes physiques entières (ou tout le fichier)
        with _flux(cible, compresse) as f:
            plus = io.TextIOWrapper(f, encoding=encodage, errors="strict", newline="").read(4 * len(tete) + 1)
        if len(plus) == len(tete):
            break
        tete = plus
    physiques = tete.split("\n")
    saut = lec._rang_entete(physiques, premier)
    separateur = lec._detecter_separateur(physiques[saut], chemin)
    yield separateur
    with _flux(cible, compresse) as f:
        texte = io.TextIOWrapper(f, encoding=encodage, errors="strict", newline="")
        lignes_fichier = iter(texte)
        vues = 0
        while vues < saut:
            vues += next(lignes_fichier).count("\n")
        lecteur = csv.reader(lignes_fichier, delimiter=separateur)
        brut = next(lecteur, None)
        if brut is None:
            raise _Ordinaire
        entete = lec._verifier_entete(chemin, brut, 1 + saut, descripteur)
        largeur = len(entete)
        yield entete, 1 + saut
        taille = lignes_par_morceau()
        while True:
            avant = lecteur.line_num
            rangs = list(itertools.islice(lecteur, taille))
            if not rangs:
                break
            etendue = lecteur.line_num - avant
            if etendue == len(rangs):  # une ligne physique par enregistrement
                debuts = np.arange(avant + 1, avant + 1 + len(rangs), dtype=np.int64) + saut
            else:  # champs entre guillemets sur plusieurs lignes : une ligne de plus par saut de ligne
                lignes = np.array([1 + sum(len(_SAUT_DE_LIGNE.findall(c)) for c in r) for r in rangs], dtype=np.int64)
                if int(lignes.sum()) != etendue:
                    raise _Ordinaire
                debuts = avant + np.cumsum(lignes) - lignes + 1 + saut
            longueurs = np.fromiter(map(len, rangs), dtype=np.int64, count=len(rangs))
            a_part = []
            for i in np.flatnonzero(longueurs != largeur):
                a_part.append((int(i), rangs[i]))
                rangs[i] = (rangs[i] + [""] * largeur)[:largeur]
            yield _colonnes(rangs, entete), debuts, a_part


def _colonnes(rangs: list[list[str]], entete: list[str]) -> dict[str, pd.Series]:
    """Enregistrements -> colonnes de cellules brutes en catégories : un code par cellule (1 à 4
    octets) et chaque valeur distincte écrite une fois. Un export de supervision répète ses dates
    (une par site), ses sites, ses indicateurs et la plupart de ses valeurs : 3 millions de lignes
    tiennent en ≈ 50 Mo au lieu de ≈ 270 Mo de texte."""
    colonnes = {}
    for nom, colonne in zip(entete, zip(*rangs)):
        codes, distinctes = pd.factorize(np.array(colonne, dtype=object))
        colonnes[nom] = pd.Series(pd.Categorical.from_codes(
            codes, dtype=pd.CategoricalDtype(pd.Index(distinctes, dtype="str"))))
    return colonnes


def _concatener(morceaux: list[dict[str, pd.Series]], entete: list[str]) -> pd.DataFrame:
    """Colonnes des morceaux bout à bout, toujours en catégories (valeurs distinctes réunies)."""
    from pandas.api.types import union_categoricals

    if not morceaux:
        return pd.DataFrame({nom: pd.Series([], dtype="str").astype("category") for nom in entete})
    return pd.DataFrame({nom: pd.Series(union_categoricals([m[nom] for m in morceaux])) for nom in entete})


def _suspectes(df: pd.DataFrame, descripteur: dict, dialecte: lec.Dialecte) -> np.ndarray:
    """Lignes que frictionless doit voir : toutes celles où il pourrait trouver une erreur.

    Une ligne non suspecte est valide pour frictionless ; l'inverse n'est pas demandé (une
    ligne suspecte valide ne donne simplement aucune erreur)."""
    n = len(df)
    suspecte = np.zeros(n, dtype=bool)
    d = re.escape(dialecte.decimale)
    entier = r"-?\d+"
    if dialecte.milliers:
        g = re.escape(dialecte.milliers)
        nombre = rf"-?(?:\d+|\d{{1,3}}(?:{g}\d{{3}})+)(?:{d}\d+)?"
    else:
        nombre = rf"-?\d+(?:{d}\d+)?"
    for champ in descripteur["fields"]:
        nom = champ["name"]
        if nom not in df.columns:
            continue
        c = df[nom]
        contraintes = dict(champ.get("constraints", {}))
        obligatoire = bool(contraintes.pop("required", False))
        motif = contraintes.pop("pattern", None)
        bornes = {k: contraintes.pop(k) for k in ("minimum", "maximum") if k in contraintes}
        type_ = champ.get("type", "string")
        if contraintes or type_ not in ("string", "number", "integer") or (bornes and type_ == "string"):
            return np.ones(n, dtype=bool)  # contrainte ou type non vérifié ici : frictionless voit tout
        vide = (c == "").to_numpy(dtype=bool)
        mauvaise = lec._sur_valeurs(_espace_au_bord, c).to_numpy(dtype=bool).copy()
        if obligatoire:
            mauvaise |= vide
        forme = motif if type_ == "string" else (entier if type_ == "integer" else nombre)
        if forme is not None:
            try:
                conforme = lec._sur_valeurs(_conforme, c, f"(?:{forme})").to_numpy(dtype=bool, na_value=False)
            except Exception:  # motif que le moteur d'expressions ne comprend pas
                return np.ones(n, dtype=bool)
            mauvaise |= ~vide & ~conforme
        if bornes:
            valeurs = lec._vers_nombres(c, dialecte).to_numpy()
            dans = np.ones(n, dtype=bool)
            if "minimum" in bornes:
                dans &= valeurs >= float(bornes["minimum"])
            if "maximum" in bornes:
                dans &= valeurs <= float(bornes["maximum"])
            mauvaise |= ~vide & ~dans
        suspecte |= mauvaise
    return suspecte


def _espace_au_bord(cellules: pd.Series) -> pd.Series:
    return cellules.str.strip() != cellules


def _conforme(cellules: pd.Series, motif: str) -> pd.Series:
    return cellules.str.fullmatch(motif)


def _valider(df: pd.DataFrame, entete: list[str], ligne_entete: int, a_part: dict[int, list[str]],
             positions: np.ndarray, chemin: Path, descripteur: dict, dialecte: lec.Dialecte,
             champs: dict) -> tuple[list[tuple[int, int, ErreurDonnees]], list[ErreurDonnees]]:
    """Erreurs frictionless des lignes `positions` (rangs dans `df`), numérotées comme sur tout le fichier."""
    limite = 10 * lec.MAX_ERREURS
    numerotees: list[tuple[int, int, ErreurDonnees]] = []
    vues, messages, invalide = 0, [], False
    lignes = df.index.to_numpy()
    # Toujours au moins une ligne de données avec l'en-tête (les erreurs d'en-tête en dépendent peu,
    # mais frictionless n'a alors jamais un fichier sans données).
    if not len(positions):
        positions = np.array([0])
    for k in range(0, len(positions), LOT_FRICTIONLESS):
        lot = positions[k:k + LOT_FRICTIONLESS]
        cellules = df.iloc[lot][entete].to_numpy(dtype=object).tolist()
        rangs = [a_part[p] if p in a_part else r for p, r in zip(lot, cellules)]
        debuts = [ligne_entete] + [int(lignes[p]) for p in lot]
        rapport = lec._ressource([entete] + rangs, dialecte.separateur, descripteur).validate(limit_errors=limite)
        invalide |= not rapport.valid
        for tache in rapport.tasks:
            for e in tache.errors:
                numero = getattr(e, "row_number", None)
                if k and not numero:
                    continue  # erreurs d'en-tête : données par le premier lot
                vues += 1
                if vues > limite:
                    break
                messages.append(e.message)
                traduite = lec._traduire_frictionless(e, chemin, debuts, champs, dialecte)
                if traduite is not None:
                    numerotees.append((int(lot[numero - 2]) + 2 if numero else 0, 0, traduite))
        if vues >= limite:
            break
    autres = []
    if invalide and not numerotees:
        autres.append(ErreurDonnees(chemin, "fichier non conforme au schéma : " + "; ".join(messages)[:500]))
    return numerotees, autres


def doublons_vectorises(cles: pd.DataFrame, secondes: np.ndarray) -> list[tuple[int, int]]:
    """`lecture._doublons` sur des colonnes (cellule absente = "") : (numéro, numéro de la dernière
    ligne précédente de même clé), numéros frictionless (rang + 2) ; clé entièrement vide ignorée ;
    une ligne de `secondes` (masque) n'est pas un doublon mais devient la référence."""
    vide = np.logical_and.reduce([(cles[c] == "").to_numpy(dtype=bool) for c in cles.columns])
    cadre = cles.reset_index(drop=True)[~vide]
    repetees = cadre.duplicated(keep=False).to_numpy()
    if not repetees.any():
        return []
    cadre = cadre[repetees]
    rangs = cadre.index.to_numpy()
    precedent = (cadre.assign(_rang=rangs).groupby(list(cles.columns), sort=False, observed=True)["_rang"]
                 .shift(1).to_numpy())
    garde = ~np.isnan(precedent) & ~secondes[rangs]
    return [(int(r) + 2, int(p) + 2) for r, p in zip(rangs[garde], precedent[garde])]


def lire_csv_par_morceaux(chemin: Path, cible: Path, descripteur: dict, compresse: bool, *,
                          comptages: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Même contrat que `lecture.lire_tableau` pour un gros CSV (comptages entiers compris) ; lève
    `_Ordinaire` pour les cas rares."""
    encodage = _encodage(cible, compresse)
    flux = _lire_morceaux(cible, compresse, encodage, chemin, descripteur["fields"][0]["name"], descripteur)
    try:
        separateur = next(flux)
        entete, ligne_entete = next(flux)
    except StopIteration:
        raise _Ordinaire from None
    champs = {f["name"]: f for f in descripteur["fields"]}
    nombres = [f["name"] for f in descripteur["fields"] if f.get("type") in ("number", "integer") and f["name"] in entete]
    decimale = _Decimale(nombres)
    morceaux, lignes, a_part, depart = [], [], {}, 0
    for colonnes, debuts, hors in flux:
        decimale.observer(colonnes, debuts, depart)
        for rang, brut in hors:
            if len(a_part) < 10 * lec.MAX_ERREURS or not any(c.strip() for c in brut):
                a_part[depart + rang] = brut
        morceaux.append(colonnes)
        lignes.append(debuts)
        depart += len(debuts)
    df = _concatener(morceaux, entete)
    del morceaux
    df.index = pd.Index(np.concatenate(lignes) if lignes else np.array([], dtype=np.int64), name="ligne")
    # Lignes finales faites seulement de séparateurs : retirées, comme d'un seul tenant.
    fin = len(df)
    while fin and ((fin - 1) in a_part and not any(c.strip() for c in a_part[fin - 1])
                   or (fin - 1) not in a_part and not any(str(v).strip() for v in df.iloc[fin - 1])):
        fin -= 1
    if fin == 0:
        raise _Ordinaire
    if fin < len(df):
        df = df.iloc[:fin]
        a_part = {k: v for k, v in a_part.items() if k < fin}

    decimale_, milliers = decimale.decider(chemin)
    dialecte = lec.Dialecte(encodage=encodage, separateur=separateur, decimale=decimale_, milliers=milliers)
    lec._regler_decimale(descripteur, decimale_, milliers)
    suspecte = _suspectes(df, descripteur, dialecte)
    for rang in a_part:
        suspecte[rang] = True
    positions = np.flatnonzero(suspecte)
    structure = sorted(a_part)
    if len(structure) >= 10 * lec.MAX_ERREURS:  # chacune a au moins une erreur : frictionless s'arrête avant
        positions = positions[positions <= structure[10 * lec.MAX_ERREURS - 1]]
    numerotees, erreurs = _valider(df, entete, ligne_entete, a_part, positions, chemin, descripteur, dialecte, champs)

    cles = tuple(descripteur.get("primaryKey", ()))
    secondes = np.zeros(len(df), dtype=bool)
    dates = lec.lire_dates(df["date"]) if "date" in entete else None
    if "date" in entete and "date" in cles:
        if lec.est_horodatage(df["date"]):
            groupes = [df[c].reset_index(drop=True) for c in cles if c != "date" and c in entete]
            secondes = lec._rang_heure_repetee(dates.reset_index(drop=True), groupes, nettoyer=True).to_numpy() == 1
            del groupes
    if cles and all(c in entete for c in cles):
        debuts_fichier = _Debuts(ligne_entete, df.index.to_numpy())
        for numero, autre in doublons_vectorises(df[list(cles)], secondes):
            numerotees.append((numero, 1, lec._erreur_doublon(chemin, debuts_fichier, numero, autre, cles)))
    erreurs += [e for _, _, e in sorted(numerotees, key=lambda t: (t[0], t[1]))]
    if erreurs:
        raise ErreursDonnees(lec._limiter(erreurs, chemin))
    df = lec._tableau_type(df, chemin, descripteur, dialecte, cles, dates, comptages)
    import pyarrow as pa

    pa.default_memory_pool().release_unused()  # rendre au système les colonnes de texte libérées
    return df
