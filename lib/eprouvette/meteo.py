"""Météo : fichiers quotidiens de Météo-France, degrés-jours et degrés-heures.

Rez-de-chaussée, à côté de :mod:`eprouvette.lecture` (qui lit par :func:`lire_meteo_france` un
fichier publié par Météo-France) : les méthodes (:mod:`eprouvette.methodes.reference_energetique`)
et les domaines qui dépendent du temps qu'il fait s'en servent sans passer par un domaine.

Degrés-jours unifiés (DJU)
--------------------------
- méthode « simple » (Météo-France) : ``DJU = max(0, base - (TN + TX) / 2)`` ;
- méthode « costic » (professionnels du chauffage), pour une base S :
  si S > TX : ``S - (TN + TX) / 2`` ; si S <= TN : 0 ;
  sinon ``(S - TN) × (0,08 + 0,42 × (S - TN) / (TX - TN))``.
Les degrés-jours de refroidissement (DJC) suivent la même idée en miroir.

Profil journalier reconstitué à partir de TN et TX (degrés-heures)
-------------------------------------------------------------------
Un fichier quotidien de Météo-France donne la minimale (TN) et la maximale (TX) du jour, pas les
heures. :func:`profil_diurne` reconstitue une température heure par heure : minimale vers l'aube
(6 h), maximale en milieu d'après-midi (15 h), raccordements en demi-cosinus entre extrêmes
successifs (maximale de la veille -> minimale du jour -> maximale du jour -> minimale du
lendemain), le profil « sinusoïdal » classique des tables de l'ASHRAE et des modèles agronomiques
(méthode « WAVE »). :func:`degres_heures` en tire les degrés-heures d'un jour pour une base S
quelconque : ``(1/24) Σ_h max(0, S - T_h)`` (chauffage) ou ``max(0, T_h - S)`` (refroidissement).
C'est la généralisation de la méthode COSTIC (qui approche la même intégrale par une formule
fermée, base 18 °C) : un jour doux a des heures froides, ce que la moyenne (TN + TX) / 2 efface.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd

from .erreurs import ErreurDonnees
from . import fichiers

__all__ = ["dju", "djc", "profil_diurne", "degres_heures", "lire_meteo_france"]


# --------------------------------------------------------------------------------------------
# Degrés-jours
# --------------------------------------------------------------------------------------------

def _serie(x, nom: str) -> pd.Series:
    if isinstance(x, pd.Series):
        return x.astype("float64")
    return pd.Series(np.asarray(x, dtype="float64"), name=nom)


def _minimales_maximales(tn, tx):
    """Index commun et tableaux des températures minimales et maximales (même longueur exigée)."""
    tn = _serie(tn, "tn")
    tx = _serie(tx, "tx")
    if len(tn) != len(tx):
        raise ValueError("tn et tx doivent avoir la même longueur.")
    return tn.index, tn.to_numpy(), tx.to_numpy()


def dju(tn, tx, base: float = 18.0, methode: str = "simple") -> pd.Series:
    """Degrés-jours unifiés de chauffage, jour par jour.

    Paramètres
    ----------
    tn, tx : températures minimale et maximale du jour (°C), séries pandas ou tableaux.
    base : température de base en °C (18 °C par convention française).
    methode : « simple » (Météo-France, ``max(0, base - (TN + TX) / 2)``) ou « costic ».

    Une température manquante donne un DJU manquant (NaN).
    """
    idx, tn_v, tx_v = _minimales_maximales(tn, tx)
    moy = (tn_v + tx_v) / 2.0
    if methode == "simple":
        val = np.maximum(0.0, base - moy)
    elif methode == "costic":
        with np.errstate(divide="ignore", invalid="ignore"):
            ecart = tx_v - tn_v
            milieu = (base - tn_v) * (0.08 + 0.42 * (base - tn_v) / ecart)
        val = np.where(base > tx_v, base - moy, np.where(base <= tn_v, 0.0, milieu))
    else:
        raise ValueError(f"méthode de DJU inconnue : {methode!r} (attendu « simple » ou « costic »).")
    val = np.where(np.isnan(tn_v) | np.isnan(tx_v), np.nan, val)
    return pd.Series(val, index=idx, name="dju")


def djc(tn, tx, base: float = 18.0, methode: str = "simple") -> pd.Series:
    """Degrés-jours de refroidissement (climatisation), jour par jour.

    - « simple » : ``max(0, (TN + TX) / 2 - base)`` ;
    - « costic » : si base < TN : ``(TN + TX) / 2 - base`` ; si base >= TX : 0 ;
      sinon ``(TX - base) × (0,08 + 0,42 × (TX - base) / (TX - TN))``.

    C'est le miroir des DJU : ``djc(TN, TX, S) = dju(−TX, −TN, −S)`` (mêmes formules, exactement).
    """
    if methode not in ("simple", "costic"):
        raise ValueError(f"méthode de DJC inconnue : {methode!r} (attendu « simple » ou « costic »).")
    idx, tn_v, tx_v = _minimales_maximales(tn, tx)
    return dju(pd.Series(-tx_v, index=idx), pd.Series(-tn_v, index=idx), -base, methode).rename("djc")


#: Heures (locales) de la minimale et de la maximale du profil journalier reconstitué.
HEURE_MINIMALE = 6.0
HEURE_MAXIMALE = 15.0


def profil_diurne(tn, tx, heure_min: float = HEURE_MINIMALE, heure_max: float = HEURE_MAXIMALE) -> np.ndarray:
    """Températures heure par heure reconstituées à partir des minimales et maximales du jour.

    Paramètres
    ----------
    tn, tx : températures minimale et maximale de jours consécutifs (°C), même longueur.
    heure_min, heure_max : heures de la minimale (vers l'aube) et de la maximale (après-midi).

    Renvoie un tableau jours × 24 : la température au milieu de chaque heure (0 h 30, 1 h 30…).
    Entre deux extrêmes successifs, la température suit un demi-cosinus : de la maximale de la
    veille à la minimale du jour (nuit), de la minimale à la maximale du jour (matinée), de la
    maximale du jour à la minimale du lendemain (soirée). Le premier et le dernier jour, ou un
    voisin manquant, prennent l'extrême du jour lui-même. Un jour sans TN ou sans TX est NaN.
    """
    _, tn_v, tx_v = _minimales_maximales(tn, tx)
    n = len(tn_v)
    if n == 0:
        return np.zeros((0, 24))
    tx_veille = np.concatenate([[np.nan], tx_v[:-1]])
    tn_lendemain = np.concatenate([tn_v[1:], [np.nan]])
    tx_veille = np.where(np.isnan(tx_veille), tx_v, tx_veille)[:, None]
    tn_lendemain = np.where(np.isnan(tn_lendemain), tn_v, tn_lendemain)[:, None]
    tn_j, tx_j = tn_v[:, None], tx_v[:, None]
    s = np.arange(24) + 0.5
    nuit = 24.0 - heure_max + heure_min  # durée de la descente, de la maximale à la minimale suivante
    montee = heure_max - heure_min
    # Descente depuis la maximale de la veille (à heure_max - 24) jusqu'à la minimale du jour.
    c_nuit = (1.0 + np.cos(np.pi * (s - (heure_max - 24.0)) / nuit)) / 2.0
    c_montee = (1.0 - np.cos(np.pi * (s - heure_min) / montee)) / 2.0
    c_soir = (1.0 + np.cos(np.pi * (s - heure_max) / nuit)) / 2.0
    profil = np.where(s < heure_min, tn_j + (tx_veille - tn_j) * c_nuit,
                      np.where(s < heure_max, tn_j + (tx_j - tn_j) * c_montee,
                               tn_lendemain + (tx_j - tn_lendemain) * c_soir))
    profil[np.isnan(tn_v) | np.isnan(tx_v)] = np.nan
    return profil


def degres_heures(tn, tx, base: float = 18.0, chauffage: bool = True) -> pd.Series:
    """Degrés-heures moyens du jour, ``(1/24) Σ_h max(0, base - T_h)``, sur le profil reconstitué.

    ``chauffage=False`` donne ceux de refroidissement, ``(1/24) Σ_h max(0, T_h - base)``. Même
    unité que des degrés-jours (°C·jour) ; un jour sans TN ou sans TX donne NaN. Voir
    :func:`profil_diurne`.
    """
    idx, _, _ = _minimales_maximales(tn, tx)
    profil = profil_diurne(tn, tx)
    ecart = (base - profil) if chauffage else (profil - base)
    val = np.maximum(0.0, ecart).mean(axis=1)
    return pd.Series(val, index=idx, name="degres_heures")


# --------------------------------------------------------------------------------------------
# Fichiers quotidiens Météo-France
# --------------------------------------------------------------------------------------------

#: Colonnes de température lues dans les fichiers Météo-France et leur nom dans Éprouvette.
_COLONNES_MF = {"TN": "temperature_min", "TX": "temperature_max", "TM": "temperature_moyenne",
                "TNTXM": "tntxm"}
#: Code qualité « douteuse » des fichiers Météo-France (9 filtrée, 0 protégée, 1 validée, 2 douteuse).
CODE_DOUTEUX = "2"


def lire_meteo_france(chemin: str | Path, poste: str | None = None,
                      dossier: str | Path | None = None) -> pd.DataFrame:
    """Lit un fichier quotidien de Météo-France (``Q_<dep>_..._RR-T-Vent.csv.gz``).

    Format attendu : gzip (ou texte brut), séparateur « ; », ligne d'en-tête, décimale point,
    cellule vide = valeur manquante ; colonnes lues par leur nom : NUM_POSTE (8 chiffres),
    AAAAMMJJ, TN, TX et, si présentes, TM et TNTXM, chacune suivie de sa colonne de qualité
    (QTN, QTX, QTM, QTNTXM). Les valeurs de qualité 2 (douteuses) sont écartées.

    Paramètres
    ----------
    chemin : fichier ``.csv.gz`` ou ``.csv``.
    poste : numéro du poste à garder (NUM_POSTE). Obligatoire si le fichier contient plusieurs
        postes (les fichiers départementaux en contiennent des dizaines).
    dossier : dossier du pilote dont le fichier ne doit pas sortir (par défaut : le dossier du
        fichier) ; un lien qui en sort, un lien cassé ou un tube nommé sont refusés sans être lus.

    Renvoie
    -------
    DataFrame trié par date avec ``date`` (datetime64), ``temperature_min``, ``temperature_max``,
    ``temperature_moyenne`` (TM si disponible, sinon TNTXM, sinon (TN + TX) / 2).
    ``df.attrs["valeurs_douteuses_ecartees"]`` donne, par colonne, le nombre de valeurs écartées
    pour qualité douteuse ; ``df.attrs["poste"]`` et ``df.attrs["nom_poste"]`` le poste lu.
    """
    chemin = Path(chemin)
    try:
        # Lu sans suivre de lien hors du dossier du fichier ni ouvrir autre chose qu'un fichier
        # ordinaire (tube nommé, périphérique) : voir ``fichiers.lire_octets``.
        brut = fichiers.lire_octets(chemin, dossier)
    except FileNotFoundError:
        raise ErreurDonnees(chemin, "fichier introuvable.",
                            conseil="Vérifiez le chemin du fichier Météo-France.") from None
    try:
        if brut[:2] == b"\x1f\x8b":
            brut = gzip.decompress(brut)
    except (OSError, EOFError) as exc:
        raise ErreurDonnees(chemin, f"fichier gzip illisible ({exc}).",
                            attendu="un fichier .csv.gz de Météo-France") from exc
    try:
        texte = brut.decode("utf-8-sig")
    except UnicodeDecodeError:
        texte = brut.decode("cp1252")
    try:
        df = pd.read_csv(io.StringIO(texte), sep=";", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ErreurDonnees(chemin, f"le fichier ne se lit pas comme un CSV « ; » ({exc}).",
                            attendu="un CSV séparé par des points-virgules, avec une ligne d'en-tête") from exc
    df.columns = [str(c).strip() for c in df.columns]
    for obligatoire in ("NUM_POSTE", "AAAAMMJJ", "TN", "TX"):
        if obligatoire not in df.columns:
            raise ErreurDonnees(chemin, f"colonne « {obligatoire} » absente.", ligne=1,
                                attendu="les colonnes NUM_POSTE, AAAAMMJJ, TN, TX (et QTN, QTX) "
                                        "des fichiers quotidiens Météo-France",
                                conseil="Téléchargez le fichier « RR-T-Vent » des données quotidiennes.")
    df["NUM_POSTE"] = df["NUM_POSTE"].str.strip()
    postes = sorted(df["NUM_POSTE"].unique())
    if poste is None:
        if len(postes) > 1:
            apercu = ", ".join(postes[:10]) + (" …" if len(postes) > 10 else "")
            raise ErreurDonnees(chemin, f"le fichier contient {len(postes)} postes ({apercu}).",
                                colonne="NUM_POSTE",
                                attendu="un seul poste, ou le paramètre poste=…",
                                conseil="Indiquez le numéro du poste le plus proche du pilote.")
        poste_choisi = postes[0] if postes else None
    else:
        poste_choisi = str(poste).strip()
        if poste_choisi not in postes:
            raise ErreurDonnees(chemin, f"le poste « {poste_choisi} » n'est pas dans le fichier.",
                                colonne="NUM_POSTE",
                                attendu="un des postes : " + ", ".join(postes[:10]))
    lignes_fichier = df.index.to_numpy() + 2  # ligne 1 = en-tête
    garde = (df["NUM_POSTE"] == poste_choisi).to_numpy()
    df = df.loc[garde].reset_index(drop=True)
    lignes_fichier = lignes_fichier[garde]
    if df.empty:
        raise ErreurDonnees(chemin, "aucune ligne de données.", attendu="au moins un jour de mesures")

    dates = pd.to_datetime(df["AAAAMMJJ"].str.strip(), format="%Y%m%d", errors="coerce")
    if dates.isna().any():
        i = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise ErreurDonnees(chemin, f"date illisible « {df['AAAAMMJJ'].iloc[i]} ».",
                            ligne=int(lignes_fichier[i]), colonne="AAAAMMJJ", attendu="AAAAMMJJ, par exemple 20240131")
    if dates.duplicated().any():
        i = int(np.flatnonzero(dates.duplicated().to_numpy())[0])
        raise ErreurDonnees(chemin, f"date en double {dates.iloc[i]:%d/%m/%Y} pour le poste {poste_choisi}.",
                            ligne=int(lignes_fichier[i]), colonne="AAAAMMJJ", attendu="une ligne par jour")

    sortie = pd.DataFrame({"date": dates.astype("datetime64[ns]")})
    ecartees: dict[str, int] = {}
    for col_mf, nom in _COLONNES_MF.items():
        if col_mf not in df.columns:
            sortie[nom] = np.nan
            continue
        brut_col = df[col_mf].str.strip()
        valeurs = pd.to_numeric(brut_col.replace("", np.nan), errors="coerce")
        illisible = valeurs.isna() & brut_col.ne("")
        if illisible.any():
            i = int(np.flatnonzero(illisible.to_numpy())[0])
            raise ErreurDonnees(chemin, f"valeur « {brut_col.iloc[i]} » illisible.",
                                ligne=int(lignes_fichier[i]), colonne=col_mf,
                                attendu="un nombre avec un point décimal, ou une cellule vide")
        q = "Q" + col_mf
        if q in df.columns:
            douteuse = df[q].str.strip().eq(CODE_DOUTEUX) & valeurs.notna()
            ecartees[col_mf] = int(douteuse.sum())
            valeurs = valeurs.mask(douteuse)
        sortie[nom] = valeurs.astype("float64").to_numpy()

    moyenne = sortie["temperature_moyenne"].fillna(sortie["tntxm"])
    moyenne = moyenne.fillna((sortie["temperature_min"] + sortie["temperature_max"]) / 2.0)
    sortie["temperature_moyenne"] = moyenne
    sortie = sortie.drop(columns="tntxm").sort_values("date").reset_index(drop=True)
    sortie.attrs["valeurs_douteuses_ecartees"] = ecartees
    sortie.attrs["poste"] = poste_choisi
    if "NOM_USUEL" in df.columns:
        sortie.attrs["nom_poste"] = str(df["NOM_USUEL"].iloc[0]).strip()
    return sortie
