"""Le résultat commun de toutes les méthodes d'évaluation.

Chaque plan d'évaluation (série interrompue, doubles différences, contrôle synthétique,
référence énergétique…) renvoie un :class:`ResultatImpact`, de sorte que l'économie, la
recommandation et le rapport n'ont jamais à savoir quelle méthode l'a produit.

Conventions
-----------
- ``effet`` est l'effet absolu de l'expérimentation sur l'indicateur, dans l'``unite`` indiquée,
  signé « mesuré moins contrefactuel » : une baisse de consommation donne un effet négatif.
- ``effet_relatif`` est calculé sur les totaux (somme mesurée / somme contrefactuelle - 1),
  jamais en additionnant des pourcentages point par point. ``None`` quand cela n'a pas de sens.
  Son intervalle a une seule définition, :func:`intervalle_relatif` : chaque borne de l'effet
  absolu ``e`` correspond au contrefactuel ``O - e`` (``O`` : total mesuré), donc à l'effet
  relatif ``e / (O - e)``. Toutes les méthodes construisent leur résultat par
  :meth:`ResultatImpact.construire`, qui applique cette convention une fois (et
  :meth:`ResultatImpact.changer_effet` quand un adaptateur change d'échelle).
- Une incertitude dégénérée (erreur type nulle, infinie ou NaN, intervalle qui s'effondre) ne
  donne jamais un effet « significatif » : :func:`incertitude_indeterminee` remplace l'intervalle
  par NaN, dit en français pourquoi, et la grille ne peut plus recommander de généraliser.
- ``ic_bas`` / ``ic_haut`` : intervalle de confiance à 95 % (config.NIVEAU_CONFIANCE) de ``effet``.
- ``contrefactuel`` : DataFrame avec au moins les colonnes ``date``, ``observe``,
  ``contrefactuel`` (et, si possible, ``contrefactuel_bas`` / ``contrefactuel_haut``),
  pour les graphiques.
- ``verifications`` : les hypothèses vérifiées, chacune « reussie », « attention » ou « echec »
  avec une phrase en français.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Literal

import math

import pandas as pd

Statut = Literal["reussie", "attention", "echec"]


@dataclass
class Verification:
    """Une hypothèse de la méthode, vérifiée sur les données."""

    nom: str
    statut: Statut
    phrase: str
    valeur: float | None = None

    def __post_init__(self) -> None:
        if self.statut not in ("reussie", "attention", "echec"):
            raise ValueError(f"statut inconnu : {self.statut!r}")


@dataclass
class ResultatImpact:
    """Ce qu'une méthode d'évaluation dit de l'effet d'une expérimentation."""

    methode: str  # identifiant court, ex. "doubles_differences"
    libelle_methode: str  # en français, ex. "Doubles différences avec sites témoins"
    indicateur: str
    unite: str
    effet: float
    ic_bas: float
    ic_haut: float
    p_valeur: float
    effet_relatif: float | None = None
    ic_relatif_bas: float | None = None
    ic_relatif_haut: float | None = None
    erreur_type: float | None = None
    #: Effet minimal détectable (même unité que l'effet), à 80 % de puissance, si calculé.
    effet_minimal_detectable: float | None = None
    contrefactuel: pd.DataFrame | None = None
    verifications: list[Verification] = field(default_factory=list)
    #: Phrase en français clair, lisible par un élu.
    resume: str = ""
    #: Pourquoi ce plan a été choisi, et ce qu'il ne peut pas montrer.
    justification: str = ""
    limites: list[str] = field(default_factory=list)
    #: Tableaux et valeurs techniques pour l'annexe (coefficients, statistiques…).
    details: dict[str, Any] = field(default_factory=dict)
    #: Ce que l'adaptateur d'un domaine a calculé pour les sections propres au domaine du rapport
    #: (séries par groupe, tableaux secondaires, hypothèses chiffrées) : la présentation les lit
    #: sans rien recalculer. Ni dans l'annexe, ni dans le JSON.
    complements: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def construire(
        cls,
        *,
        methode: str,
        libelle_methode: str,
        indicateur: str,
        unite: str,
        effet: float,
        ic_bas: float,
        ic_haut: float,
        p_valeur: float,
        total_observe: float | None = None,
        cumul: float | None = None,
        relatif: tuple[float | None, float | None, float | None] | None = None,
        resume: str | Callable[["ResultatImpact"], str] = "",
        raison_indeterminee: str | None = None,
        **champs: Any,
    ) -> "ResultatImpact":
        """Le résultat d'une méthode, avec son effet relatif calculé par la convention commune.

        - ``total_observe`` (``O``, total mesuré sur la période d'expérimentation) : l'effet relatif
          et son intervalle viennent de :func:`intervalle_relatif` appliquée à l'effet cumulé
          (``cumul`` × effet et × bornes quand l'effet est donné par période, sinon l'effet
          lui-même). Sans total, pas d'effet relatif.
        - ``relatif`` : un effet relatif et ses bornes déjà calculés autrement (échelle du
          logarithme d'un modèle de comptage), pris tels quels.
        - ``resume`` : la phrase pour un élu, ou une fonction qui la construit à partir du résultat
          (son effet relatif, ses bornes).
        - ``raison_indeterminee`` : si le plan ne peut pas donner d'incertitude, la raison en
          français (:func:`incertitude_indeterminee` est alors appliquée).
        Les autres champs (erreur type, contrefactuel, vérifications, justification, limites,
        détails…) sont passés tels quels.
        """
        if relatif is None:
            relatif = (None, None, None)
            if total_observe is not None:
                e, b, h = effet, ic_bas, ic_haut
                if cumul is not None:
                    e, b, h = cumul * e, cumul * b, cumul * h
                relatif = intervalle_relatif(e, b, h, total_observe)
        rel, rel_bas, rel_haut = relatif
        r = cls(methode=methode, libelle_methode=libelle_methode, indicateur=indicateur, unite=unite,
                effet=effet, ic_bas=ic_bas, ic_haut=ic_haut, p_valeur=p_valeur, effet_relatif=rel,
                ic_relatif_bas=rel_bas, ic_relatif_haut=rel_haut, **champs)
        if callable(resume):
            r.resume = resume(r)
        else:
            r.resume = resume
        if raison_indeterminee is not None:
            incertitude_indeterminee(r, raison_indeterminee)
        return r

    def changer_effet(self, effet: float, ic_bas: float, ic_haut: float, *, p_valeur: float,
                      erreur_type: float | None, total_observe: float,
                      effet_minimal_detectable: float | None = None) -> "ResultatImpact":
        """Remplace l'effet d'un résultat (autre échelle, autre modèle) et recalcule son effet relatif
        par la convention commune (:func:`intervalle_relatif` sur ``total_observe``)."""
        self.effet, self.ic_bas, self.ic_haut = effet, ic_bas, ic_haut
        self.erreur_type, self.p_valeur = erreur_type, p_valeur
        self.effet_relatif, self.ic_relatif_bas, self.ic_relatif_haut = intervalle_relatif(
            effet, ic_bas, ic_haut, total_observe)
        self.effet_minimal_detectable = effet_minimal_detectable
        return self

    @property
    def incertitude_valide(self) -> bool:
        """Vrai si l'intervalle est fini et non dégénéré (voir :func:`incertitude_est_valide`)."""
        return incertitude_est_valide(self.effet, self.ic_bas, self.ic_haut, self.erreur_type)

    @property
    def significatif(self) -> bool:
        """Vrai si l'intervalle à 95 % est valide et exclut zéro."""
        return self.incertitude_valide and (self.ic_bas > 0 or self.ic_haut < 0)

    @property
    def statut_global(self) -> Statut:
        statuts = {v.statut for v in self.verifications}
        if "echec" in statuts:
            return "echec"
        if "attention" in statuts:
            return "attention"
        return "reussie"

    def en_dict(self) -> dict[str, Any]:
        """Version sérialisable en JSON (sans la série contrefactuelle)."""
        d = {k: v for k, v in asdict(self).items() if k not in ("contrefactuel", "details", "complements")}
        d["significatif"] = self.significatif
        d["incertitude_valide"] = self.incertitude_valide
        d["verifications"] = [asdict(v) for v in self.verifications]
        return _nettoyer_json(d)


#: En dessous de cette demi-largeur relative (à l'effet et à l'échelle des données), un intervalle
#: est tenu pour effondré : une erreur type de 1e-14 vient d'un calcul dégénéré, pas des données.
TOLERANCE_DEGENERESCENCE = 1e-9


def incertitude_est_valide(effet: float, ic_bas: float, ic_haut: float, erreur_type: float | None = None,
                           echelle: float | None = None) -> bool:
    """Vrai si l'intervalle [ic_bas ; ic_haut] est une incertitude utilisable.

    Faux si une borne ou l'effet n'est pas fini, si l'intervalle est vide ou réduit à un point
    (demi-largeur ≤ 1e-9 × max(|effet|, échelle, 1e-300)), ou si l'erreur type donnée est nulle,
    négative, infinie ou NaN.
    """
    try:
        valeurs = [float(effet), float(ic_bas), float(ic_haut)]
    except (TypeError, ValueError):
        return False
    if not all(math.isfinite(v) for v in valeurs):
        return False
    e, b, h = valeurs
    if not b <= e <= h:
        return False
    ref = max(abs(e), abs(echelle or 0.0), 1e-300)
    if (h - b) / 2 <= TOLERANCE_DEGENERESCENCE * ref:
        return False
    if erreur_type is not None:
        se = float(erreur_type)
        if not math.isfinite(se) or se <= TOLERANCE_DEGENERESCENCE * ref:
            return False
    return True


def intervalle_relatif(effet: float, ic_bas: float, ic_haut: float, total_observe: float
                       ) -> tuple[float | None, float | None, float | None]:
    """Effet relatif et son intervalle, à partir de l'effet absolu cumulé et du total mesuré.

    La seule définition du projet : un effet absolu ``e`` (cumulé sur la période d'expérimentation)
    correspond au contrefactuel ``O - e`` (``O`` : total mesuré sur la même période), donc à l'effet
    relatif ``e / (O - e)``. Cette fonction est croissante en ``e`` : l'intervalle relatif est
    l'image exacte de l'intervalle absolu. Renvoie ``(None, None, None)`` si le contrefactuel d'une
    des trois valeurs n'est pas strictement positif ; une borne NaN donne une borne relative NaN.
    """
    try:
        o = float(total_observe)
        e = float(effet)
    except (TypeError, ValueError):
        return None, None, None
    if not (math.isfinite(o) and math.isfinite(e)) or o - e <= 0:
        return None, None, None

    def rel(x: float) -> float:
        x = float(x)
        return x / (o - x) if math.isfinite(x) else float("nan")

    bornes = [float(ic_bas), float(ic_haut)]
    if any(math.isfinite(x) and o - x <= 0 for x in bornes):
        return None, None, None
    return rel(e), rel(bornes[0]), rel(bornes[1])


def incertitude_indeterminee(resultat: "ResultatImpact", raison: str) -> "ResultatImpact":
    """Marque l'incertitude d'un résultat comme impossible à calculer, en français.

    L'intervalle, la p-valeur et les bornes relatives deviennent NaN (l'effet central est gardé,
    pour information), une vérification « incertitude » en échec dit pourquoi, et le résumé ne
    parle plus de hasard : « les données ne permettent pas de calculer une incertitude ».
    """
    nan = float("nan")
    resultat.details.setdefault("intervalle_avant_indetermination", (resultat.ic_bas, resultat.ic_haut,
                                                                      resultat.p_valeur))
    resultat.ic_bas = resultat.ic_haut = resultat.p_valeur = nan
    resultat.erreur_type = nan
    if resultat.effet_relatif is not None:
        resultat.ic_relatif_bas = resultat.ic_relatif_haut = nan
    resultat.effet_minimal_detectable = None
    phrase = ("Les données ne permettent pas de calculer une incertitude fiable pour cet effet : "
              + raison.rstrip(".") + ". L'effet ne peut donc pas être tenu pour établi.")
    resultat.verifications = [v for v in resultat.verifications if v.nom != "incertitude"] + [
        Verification("incertitude", "echec", phrase)]
    resultat.resume = phrase
    resultat.details["incertitude_indeterminee"] = raison
    return resultat


def _nettoyer_json(objet: Any) -> Any:
    """Remplace NaN / inf par None et les types numpy par des types Python."""
    if isinstance(objet, dict):
        return {str(k): _nettoyer_json(v) for k, v in objet.items()}
    if isinstance(objet, (list, tuple)):
        return [_nettoyer_json(v) for v in objet]
    if hasattr(objet, "item") and not isinstance(objet, (str, bytes)):
        try:
            objet = objet.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(objet, float) and not math.isfinite(objet):
        return None
    return objet


def tri_par_date(table: pd.DataFrame, colonne: str = "date", kind: str = "quicksort") -> pd.DataFrame:
    """``table`` triée par ``colonne``, index remis à zéro ; une table déjà rangée par dates strictement
    croissantes (le cas des simulations, appelées des milliers de fois) n'est pas retriée : même résultat."""
    dates = table[colonne].to_numpy()
    if len(dates) < 2 or bool((dates[1:] > dates[:-1]).all()):
        return table.reset_index(drop=True)
    return table.sort_values(colonne, kind=kind).reset_index(drop=True)
