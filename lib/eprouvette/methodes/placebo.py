"""Tests placebo, génériques sur un estimateur.

- Placebo dans le temps : on fait comme si l'expérimentation avait commencé plus tôt, à une
  date fictive de la période d'avant, et on ré-estime sur la seule période d'avant : l'effet
  trouvé doit être proche de zéro.
- Placebo dans l'espace : chaque site témoin est traité à son tour comme s'il avait été
  expérimenté (le vrai site expérimenté est retiré) : l'effet du vrai site doit sortir du lot.
"""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np
import pandas as pd

from .base import ResultatImpact, Verification
from ..francais import accord, compte, nombre

EstimateurTemporel = Callable[[pd.DataFrame, object], ResultatImpact]
EstimateurSpatial = Callable[[pd.DataFrame, object], ResultatImpact]


def placebo_temporel(
    estimateur: EstimateurTemporel,
    donnees: pd.DataFrame,
    debut,
    debuts_fictifs: Iterable,
    *,
    colonne_date: str | None = "date",
) -> tuple[pd.DataFrame, Verification]:
    """Ré-estime avec des débuts fictifs, sur les seules données d'avant le vrai ``debut``.

    ``estimateur(donnees_avant, debut_fictif)`` doit renvoyer un :class:`ResultatImpact`.
    Renvoie le tableau des effets fictifs et une vérification : « echec » si un début fictif
    donne un effet significatif, sinon « reussie ».
    """
    dates = donnees[colonne_date] if colonne_date and colonne_date in donnees.columns else donnees.index.to_series()
    avant = donnees[(dates < debut).to_numpy()]
    lignes = []
    for fictif in debuts_fictifs:
        try:
            r = estimateur(avant, fictif)
        except ValueError as exc:
            lignes.append({"debut_fictif": fictif, "effet": np.nan, "ic_bas": np.nan, "ic_haut": np.nan,
                           "p_valeur": np.nan, "significatif": False, "erreur": str(exc)})
            continue
        lignes.append({"debut_fictif": fictif, "effet": r.effet, "ic_bas": r.ic_bas, "ic_haut": r.ic_haut,
                       "p_valeur": r.p_valeur, "significatif": r.significatif, "erreur": ""})
    tableau = pd.DataFrame(lignes)
    valides = tableau[tableau["erreur"] == ""] if len(tableau) else tableau
    if valides.empty:
        return tableau, Verification("placebo_temporel", "attention",
                                     "Placebo dans le temps impossible : période d'avant trop courte.")
    n_sig = int(valides["significatif"].sum())
    if n_sig == 0:
        v = Verification("placebo_temporel", "reussie",
                         f"Avec {compte(len(valides), 'date de début fictive', 'dates de début fictives')} avant le vrai début, aucun effet "
                         "significatif n'apparaît : la méthode ne « voit » pas d'effet là où il n'y en a pas.",
                         float(n_sig))
    else:
        v = Verification("placebo_temporel", "echec",
                         f"{compte(n_sig, 'date de début fictive', 'dates de début fictives')} sur {len(valides)} "
                         f"{accord(n_sig, 'donne', 'donnent')} un effet significatif "
                         "alors qu'il ne s'est rien passé : la série bouge d'elle-même, l'effet mesuré est fragile.",
                         float(n_sig))
    return tableau, v


def placebo_spatial(
    estimateur: EstimateurSpatial,
    donnees: pd.DataFrame,
    traite,
    temoins: Iterable,
    *,
    colonne_site: str | None = "site",
    retirer: Callable[[pd.DataFrame, object], pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, Verification]:
    """Chaque témoin est traité tour à tour comme le site expérimenté.

    ``estimateur(donnees, site)`` estime l'effet en traitant ``site`` comme expérimenté (pour des
    doubles différences, l'appelant recalcule ses colonnes de traitement). Le vrai site ``traite``
    est retiré des données des placebos (par ``retirer(donnees, traite)`` si fourni, sinon en
    filtrant ``colonne_site``, ou en supprimant la colonne du format large).
    Renvoie le tableau (vrai site en première ligne) et une vérification avec la p-valeur de rang
    de |effet| (ou |t|) du vrai site parmi les placebos.
    """
    vrai = estimateur(donnees, traite)
    if retirer is not None:
        sans = retirer(donnees, traite)
    elif colonne_site and colonne_site in donnees.columns:
        sans = donnees[donnees[colonne_site] != traite]
    else:
        sans = donnees.drop(columns=[traite])
    lignes = [{"site": traite, "placebo": False, "effet": vrai.effet, "t": _t(vrai), "p_valeur": vrai.p_valeur}]
    for s in temoins:
        if s == traite:
            continue
        r = estimateur(sans, s)
        lignes.append({"site": s, "placebo": True, "effet": r.effet, "t": _t(r), "p_valeur": r.p_valeur})
    tableau = pd.DataFrame(lignes)
    pl = tableau[tableau["placebo"]]
    stat = "t" if tableau["t"].notna().all() else "effet"
    ref = abs(tableau[stat].iloc[0])
    p = float((1 + np.sum(np.abs(pl[stat].to_numpy()) >= ref)) / (len(pl) + 1))
    if p <= 0.1:
        v = Verification("placebo_spatial", "reussie",
                         f"L'effet du site expérimenté dépasse celui de presque tous les {len(pl)} faux sites "
                         f"expérimentés (p de rang = {nombre(p, 3)}).", p)
    else:
        v = Verification("placebo_spatial", "attention",
                         f"Des sites témoins, traités comme s'ils avaient été expérimentés, montrent des effets "
                         f"aussi grands que le vrai site (p de rang = {nombre(p, 2)}) : l'effet ne se distingue pas "
                         "des variations ordinaires entre sites.", p)
    return tableau, v


def _t(r: ResultatImpact) -> float:
    if r.erreur_type and r.erreur_type > 0:
        return r.effet / r.erreur_type
    return float("nan")
