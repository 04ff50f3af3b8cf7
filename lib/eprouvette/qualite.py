"""Qualité des mesures : couverture, trous, valeurs aberrantes, paliers suspects.

Rien n'est retiré en silence : chaque anomalie est comptée et montrée dans la section
« Les données et leur qualité » du rapport ; le niveau de qualité alimente le critère de
robustesse de la recommandation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .francais import accord, compte, nombre
from .methodes.base import Verification

#: Au-delà de cette part de jours manquants sur une série, la qualité est « à surveiller ».
PART_MANQUANTE_ATTENTION = 0.05
#: Au-delà de cette part, elle est insuffisante (règle de suffisance CalTRACK : 10 %).
PART_MANQUANTE_ECHEC = 0.10
#: Un palier suspect : au moins ce nombre de jours consécutifs à la même valeur non nulle.
PALIER_JOURS = 7
#: Valeur aberrante : au-delà des barrières de Tukey élargies, Q1 - k x IQR et Q3 + k x IQR, sur
#: toute la série du site. Le coefficient est large (3 est l'usage pour « extrême ») parce que les
#: séries de bâtiments publics alternent normalement jours occupés et inoccupés, été et hiver.
SEUIL_ABERRANT = 5.0


@dataclass
class BilanQualite:
    """Bilan de qualité d'un jeu de mesures journalières."""

    tableau: pd.DataFrame  # une ligne par (site, indicateur)
    verifications: list[Verification] = field(default_factory=list)
    niveau: str = "bonne"  # bonne | moyenne | insuffisante

    @property
    def phrase(self) -> str:
        return {
            "bonne": "Les données sont complètes et sans anomalie notable.",
            "moyenne": "Les données présentent quelques trous ou anomalies, signalés ci-dessous ; ils ne remettent pas en cause l'analyse.",
            "insuffisante": "Les données présentent trop de trous ou d'anomalies : les résultats sont à lire avec prudence.",
        }[self.niveau]


def _plus_long_palier(valeurs: np.ndarray) -> int:
    """Longueur de la plus longue suite de valeurs identiques non nulles."""
    if len(valeurs) == 0:
        return 0
    meilleur, courant = 1, 1
    for a, b in zip(valeurs[:-1], valeurs[1:]):
        if b == a and b != 0 and not np.isnan(b):
            courant += 1
            meilleur = max(meilleur, courant)
        else:
            courant = 1
    return meilleur


#: Une suite de zéros n'est suspecte que si la série est d'ordinaire non nulle : au plus cette part de
#: jours à zéro hors de la suite, et une suite qui couvre au plus PART_SUITE_ZEROS_MAX des jours mesurés
#: (un chauffage arrêté l'été reste à zéro quatre à cinq mois chaque année : ce n'est pas une panne).
PART_ZEROS_ORDINAIRE_MAX = 0.05
PART_SUITE_ZEROS_MAX = 0.20


def _plus_long_palier_zeros(valeurs: np.ndarray) -> int:
    """Longueur de la plus longue suite de zéros, si la série est d'ordinaire non nulle ; 0 sinon."""
    v = np.asarray(valeurs, dtype=float)
    mesures = ~np.isnan(v)
    zero = mesures & (v == 0)
    if not zero.any():
        return 0
    meilleur = courant = 0
    fin_meilleur = -1
    for i, z in enumerate(zero):
        courant = courant + 1 if z else 0
        if courant > meilleur:
            meilleur, fin_meilleur = courant, i
    hors = mesures.copy()
    hors[fin_meilleur - meilleur + 1: fin_meilleur + 1] = False
    if hors.sum() == 0 or zero[hors].mean() > PART_ZEROS_ORDINAIRE_MAX or meilleur > PART_SUITE_ZEROS_MAX * mesures.sum():
        return 0
    return meilleur


def _nombre_aberrants(v: np.ndarray) -> int:
    x = v[~np.isnan(v)]
    if len(x) < 10:
        return 0
    q1, q3 = np.percentile(x, [25, 75])
    iqr = q3 - q1
    if iqr <= 0:
        return 0
    return int(((x < q1 - SEUIL_ABERRANT * iqr) | (x > q3 + SEUIL_ABERRANT * iqr)).sum())


def bilan_qualite(mesures: pd.DataFrame, debut, fin, sites_libelles: dict[str, str] | None = None) -> BilanQualite:
    """Bilan par site et indicateur sur la période [debut, fin] (mesures journalières au format long)."""
    debut, fin = pd.Timestamp(debut), pd.Timestamp(fin)
    if isinstance(mesures["date"].dtype, pd.DatetimeTZDtype):
        # Relevés infra-journaliers en heure légale : le bilan se fait par jour civil local.
        mesures = mesures.assign(date=mesures["date"].dt.tz_localize(None))
    jours_attendus = (fin - debut).days + 1
    lignes = []
    for (site, indicateur), groupe in mesures.groupby(["site", "indicateur"], sort=True, observed=True):
        serie = groupe.set_index(groupe["date"].dt.normalize())["valeur"].sort_index()
        serie = serie[(serie.index >= debut) & (serie.index <= fin)]
        serie = serie.groupby(level=0).sum(min_count=1)
        complete = serie.reindex(pd.date_range(debut, fin, freq="D"))
        manquants = int(complete.isna().sum())
        v = complete.to_numpy(dtype=float)
        aberrants = _nombre_aberrants(v)
        lignes.append(
            {
                "site": (sites_libelles or {}).get(site, site),
                "indicateur": indicateur,
                "jours_attendus": jours_attendus,
                "jours_mesures": jours_attendus - manquants,
                "jours_manquants": manquants,
                "part_manquante": manquants / jours_attendus if jours_attendus else 0.0,
                "valeurs_negatives": int((serie < 0).sum()),
                "valeurs_aberrantes": aberrants,
                "plus_long_palier_jours": _plus_long_palier(v),
                "plus_longue_suite_zeros_jours": _plus_long_palier_zeros(v),
            }
        )
    tableau = pd.DataFrame(lignes)
    verifs: list[Verification] = []
    if tableau.empty:
        verifs.append(Verification("couverture", "echec", "Aucune mesure sur la période étudiée."))
        return BilanQualite(tableau, verifs, "insuffisante")

    pire = float(tableau["part_manquante"].max())
    statut = "reussie" if pire <= PART_MANQUANTE_ATTENTION else ("attention" if pire <= PART_MANQUANTE_ECHEC else "echec")
    pct = nombre(100 * pire, 1)
    verifs.append(
        Verification(
            "couverture",
            statut,
            f"Au plus {pct}\u00a0% de jours manquants sur une série (seuils : 5\u00a0% à surveiller, 10\u00a0% insuffisant).",
            pire,
        )
    )
    n_ab = int(tableau["valeurs_aberrantes"].sum())
    verifs.append(
        Verification(
            "valeurs_aberrantes",
            "reussie" if n_ab == 0 else "attention",
            "Aucune valeur aberrante détectée."
            if n_ab == 0
            else (f"{compte(n_ab, 'valeur très éloignée', 'valeurs très éloignées')} de leurs voisines, "
                  f"{accord(n_ab, 'gardée', 'gardées')} dans l'analyse et {accord(n_ab, 'signalée', 'signalées')}."),
            float(n_ab),
        )
    )
    palier = int(tableau["plus_long_palier_jours"].max())
    verifs.append(
        Verification(
            "paliers",
            "reussie" if palier < PALIER_JOURS else "attention",
            "Aucun capteur bloqué sur une valeur."
            if palier < PALIER_JOURS
            else f"Une série reste {palier} jours de suite sur la même valeur : capteur peut-être bloqué.",
            float(palier),
        )
    )
    zeros = int(tableau["plus_longue_suite_zeros_jours"].max())
    if zeros >= PALIER_JOURS:
        verifs.append(Verification(
            "zeros_suspects", "attention",
            f"Une série reste {zeros} jours de suite à zéro alors qu'elle ne l'est presque jamais ailleurs : "
            "compteur ou capteur peut-être en panne ; vérifier ces jours avant de conclure.",
            float(zeros),
        ))
    n_neg = int(tableau["valeurs_negatives"].sum())
    if n_neg:
        verifs.append(Verification("valeurs_negatives", "attention", f"{compte(n_neg, 'valeur négative', 'valeurs négatives')}.", float(n_neg)))
    statuts = {v.statut for v in verifs}
    niveau = "insuffisante" if "echec" in statuts else ("moyenne" if "attention" in statuts else "bonne")
    return BilanQualite(tableau, verifs, niveau)
