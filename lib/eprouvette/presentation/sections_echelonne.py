"""Section du rapport d'un déploiement échelonné (sites équipés à des dates différentes), pour tout domaine.

:func:`deploiement_echelonne` explique le plan en français simple et montre la courbe d'étude
d'événement (l'effet selon la durée d'équipement, les périodes d'avant pour le test des tendances
parallèles) ; elle ne renvoie rien quand le résultat ne vient pas de ce plan
(:mod:`eprouvette.methodes.deploiement_echelonne`). Rien n'est recalculé : tout vient de
``analyse.resultat.details``.
"""

from __future__ import annotations

import pandas as pd

from .. import francais as t
from ..francais import echapper
from ..methodes.deploiement_echelonne import METHODE
from . import blocs, figures


def _liste(morceaux: list[str]) -> str:
    return morceaux[0] if len(morceaux) == 1 else ", ".join(morceaux[:-1]) + " et " + morceaux[-1]


def _explication(r, mot: str) -> str:
    det = r.details
    vagues = _liste([f"{n} le {t.date_longue(pd.Timestamp(g).date())}" for g, n in det["cohortes"].items()])
    jamais = det["n_jamais"]
    # Phrase à part (pas de « ; » juste après l'année de la dernière vague).
    temoins = (f" Les {t.compte(jamais, f'{mot} témoin', f'{mot}s témoins')}, eux, ne l'"
               f"{'a' if jamais == 1 else 'ont'} jamais été." if jamais else f" Aucun {mot} n'est resté sans équipement.")
    return (
        f"Les {mot}s ont été équipés à des dates différentes, par vagues : {vagues}.{temoins} Chacun est comparé, "
        f"sur les mêmes semaines, aux {mot}s pas encore ou jamais équipés : on ne prend jamais pour point de "
        f"comparaison un {mot} déjà équipé, ce qui fausserait le calcul si l'effet grandit avec le temps. L'effet "
        "annoncé plus haut est la moyenne de ces comparaisons sur toutes les semaines où un "
        f"{mot} était équipé. La courbe ci-dessous montre l'effet selon le temps écoulé depuis l'équipement. À "
        f"gauche du trait « Équipement », les semaines d'avant : des points proches de zéro montrent que les {mot}s "
        "évoluaient comme les autres avant d'être équipés (tendances parallèles), ce qui rend la comparaison "
        "crédible."
    )


def _lecture(evt: pd.DataFrame, unite: str, pas_semaines: float | None, decimales: int) -> str:
    def quand(duree: int) -> str:
        if pas_semaines:
            return f"après {t.compte(duree * pas_semaines, 'semaine')}"
        return f"après {t.compte(duree, 'période')}"

    avant, apres = evt[evt["duree"] < 0], evt[evt["duree"] >= 0].sort_values("duree")
    morceaux = []
    finies = avant.dropna(subset=["bas_simultane", "haut_simultane"])
    if len(finies):
        hors = finies[(finies["bas_simultane"] > 0) | (finies["haut_simultane"] < 0)]
        morceaux.append(
            f"Avant l'équipement, les écarts vont de {t.nombre(avant['att'].min(), decimales)} à "
            f"{t.nombre(avant['att'].max(), decimales)} {unite}"
            + (" et leur bande de confiance contient toujours zéro." if hors.empty else
               f" ; {t.compte(len(hors), 'écart')} {'sort' if len(hors) == 1 else 'sortent'} nettement de zéro : "
               "les tendances n'étaient pas parallèles."))
    elif len(avant):
        morceaux.append("Avant l'équipement, l'incertitude des écarts ne peut pas être calculée avec ce plan.")
    if len(apres):
        premier, dernier = apres.iloc[0], apres.iloc[-1]
        morceaux.append(
            f"Depuis l'équipement, l'effet est de {t.nombre(premier['att'], decimales)} {unite} "
            + (f"les {t.nombre(pas_semaines, 0)} premières semaines" if pas_semaines else "la première période")
            + f" et de {t.nombre(dernier['att'], decimales)} {quand(int(dernier['duree']))}.")
    if evt[["bas_simultane", "haut_simultane"]].notna().to_numpy().any():
        morceaux.append("La bande colorée est l'intervalle de confiance à 95\u00a0% (simultané : il vaut pour toute "
                        "la courbe à la fois).")
    else:
        morceaux.append("Sans incertitude calculable, la courbe n'a pas de bande de confiance : ses points ne "
                        "disent pas à eux seuls si l'effet est réel.")
    morceaux.append("Les durées les plus longues ne reposent que sur les premières vagues.")
    return " ".join(morceaux)


def deploiement_echelonne(a, mot: str = "site", decimales: int = 2) -> list:
    """Le plan échelonné en mots simples et la courbe d'étude d'événement, avec son tableau ; [] si le
    résultat ne vient pas de ce plan."""
    r = a.resultat
    if r.methode != METHODE or "etude_evenement" not in r.details:
        return []
    evt = r.details["etude_evenement"]
    if not (r.incertitude_valide and r.details.get("inference_credible", True)):
        # Incertitude jugée non fiable par l'estimateur : pas de bande (elle serait trop étroite).
        evt = evt.assign(bas_simultane=float("nan"), haut_simultane=float("nan"))
    jours = r.details.get("jours_par_periode")
    pas = jours / 7 if jours else None
    libelle = ("Semaines depuis l'équipement (négatif : avant)" if pas else
               "Périodes depuis l'équipement (négatif : avant)")
    unite = r.unite
    fig = figures.figure_etude_evenement(
        evt.rename(columns={"bas_simultane": "bas", "haut_simultane": "haut", "bas": "bas_ponctuel",
                            "haut": "haut_ponctuel"}),
        "Effet selon la durée d'équipement", unite, libelle_duree=libelle, pas=pas or 1.0, decimales=decimales)
    table = pd.DataFrame({
        ("Semaines depuis l'équipement" if pas else "Périodes depuis l'équipement"):
            evt["duree"] * (pas or 1),
        f"Effet ({unite})": evt["att"],
        "Borne basse (95\u00a0%, simultanée)": evt["bas_simultane"],
        "Borne haute (95\u00a0%, simultanée)": evt["haut_simultane"],
        "Vagues comparées": evt["n_cohortes"],
    })
    return [
        blocs.Bloc(f"<h3>Un déploiement par vagues</h3><p>{echapper(_explication(r, mot))}</p>"),
        blocs.graphique(fig, "Effet selon la durée d'équipement (étude d'événement)",
                        _lecture(evt, unite, pas, decimales), table, decimales=decimales),
    ]
