"""Persistance de l'effet : pendant l'expérimentation et après la fin de l'accompagnement.

Quand une période « après » suit l'expérimentation (la technologie reste mais l'accompagnement,
la subvention ou l'animation s'arrête, ou la technologie est retirée), la question est de savoir si
l'effet dure. Série temporelle interrompue à trois périodes (avant, pendant, après) : tendance,
saisonnalité et covariables communes, puis un niveau et une pente propres à « pendant » et un
niveau et une pente propres à « après » (changements à chacune des deux interruptions). Le
contrefactuel est la prédiction sans ces quatre termes (la tendance d'avant prolongée). Les briques
sont celles de :mod:`~eprouvette.methodes.serie_interrompue` (matrice du plan, ρ par REML,
Prais-Winsten, correction de Kenward-Roger et ddl de Satterthwaite), appliquées à trois contrastes :

- effet **pendant** : moyenne par période de (ajusté − contrefactuel) sur la période d'expérimentation ;
- effet **après** : la même moyenne sur la période après ;
- **différence** après − pendant, avec son intervalle (les deux effets sont corrélés : même modèle).

Erreurs ``"ar1"`` (par défaut, comme la série interrompue) ou ``"hac"`` (Newey-West). Avec des
témoins, :func:`persistance_temoins` applique le même modèle à l'écart D = E − r T (témoins mis à
l'échelle des équipés sur la période d'avant, r = Σ E / Σ T), sans saisonnalité par défaut (l'écart
la retire). Indicateur continu seulement (pas de modèle de comptage).

La règle (intervalles à 95 % ; s = sens de l'effet pendant ; « perte » = −s × (après − pendant),
positive quand l'effet faiblit ; ``perte_maximale_maintien`` dans ``donnees/parametres/persistance.yaml``) :

1. l'effet pendant n'est pas établi (son intervalle contient zéro) → **on ne peut pas dire** ;
2. l'effet après est établi, dans le même sens, et la perte est significative (borne basse > 0)
   → **l'effet s'estompe** ;
3. l'effet après est établi, dans le même sens, et la borne haute de la perte reste sous
   ``perte_maximale_maintien`` × |effet pendant| (on écarte la perte de la moitié de l'effet)
   → **l'effet se maintient** ;
4. l'effet après n'est pas établi (ou s'inverse) et la perte est significative → **l'effet disparaît** ;
5. sinon (trop bruité pour trancher) → **on ne peut pas dire**.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special

from .. import config, parametres
from ..francais import intervalle, nombre, nombre_arrondi
from .base import Verification
from .serie_interrompue import (
    construire_plan,
    correction_petits_echantillons_ar1,
    prais_winsten,
    retard_newey_west,
    rho_ar1_reml,
)

Constat = Literal["se_maintient", "s_estompe", "disparait", "indetermine"]
Erreurs = Literal["ar1", "hac"]

METHODE = "persistance"
LIBELLE = "Persistance de l'effet (série interrompue à trois périodes : avant, pendant, après)"
#: Périodes minimales : avant (comme la série interrompue), pendant et après (un niveau et une pente chacune).
PERIODES_AVANT_MINIMUM = 8
PERIODES_PENDANT_MINIMUM = 3
PERIODES_APRES_MINIMUM = 3

#: Ce qui s'arrête au début de la période après (champ ``motif`` du standard), dit dans la phrase.
MOTIFS = {
    "fin_accompagnement": "la fin de l'accompagnement",
    "fin_subvention": "la fin de la subvention",
    "fin_animation": "la fin de l'animation",
    "retrait": "le retrait de la technologie",
    "autre": "la fin de l'expérimentation",
}

LIBELLES_CONSTAT = {
    "se_maintient": "l'effet se maintient",
    "s_estompe": "l'effet s'estompe",
    "disparait": "l'effet disparaît",
    "indetermine": "on ne peut pas dire",
}


@dataclass
class Estimation:
    """Un contraste du modèle : effet moyen par période (ou différence), avec son intervalle."""

    effet: float
    erreur_type: float
    ddl: float
    ic_bas: float
    ic_haut: float
    p_valeur: float

    @property
    def etabli(self) -> bool:
        """L'intervalle exclut zéro (jamais avec une incertitude dégénérée : erreur type nulle ou non finie)."""
        if not (math.isfinite(self.erreur_type) and self.erreur_type > 0):
            return False
        return bool(self.ic_bas > 0 or self.ic_haut < 0)


@dataclass
class ResultatPersistance:
    """Ce que la méthode dit de la persistance de l'effet."""

    indicateur: str
    unite: str
    pendant: Estimation
    apres: Estimation
    difference: Estimation  # après − pendant
    constat: Constat
    phrase: str
    erreurs: str
    n_avant: int
    n_pendant: int
    n_apres: int
    perte_maximale_maintien: float
    motif: str | None = None
    rho: float | None = None
    contrefactuel: pd.DataFrame | None = None
    details: dict = field(default_factory=dict)

    @property
    def libelle_constat(self) -> str:
        return LIBELLES_CONSTAT[self.constat]

    def verification(self) -> Verification:
        """Le constat comme une vérification du rapport (réussie, attention ou échec)."""
        statut = {"se_maintient": "reussie", "s_estompe": "attention", "disparait": "echec",
                  "indetermine": "attention"}[self.constat]
        return Verification("persistance", statut, self.phrase, self.difference.effet)

    def en_dict(self) -> dict:
        """Les chiffres et le constat, pour le JSON d'un rapport."""
        def est(e: Estimation) -> dict:
            return {"effet": e.effet, "ic_bas": e.ic_bas, "ic_haut": e.ic_haut, "erreur_type": e.erreur_type,
                    "ddl": e.ddl, "p_valeur": e.p_valeur}
        return {"methode": METHODE, "constat": self.constat, "phrase": self.phrase, "erreurs": self.erreurs,
                "pendant": est(self.pendant), "apres": est(self.apres), "difference": est(self.difference),
                "n_avant": self.n_avant, "n_pendant": self.n_pendant, "n_apres": self.n_apres,
                "perte_maximale_maintien": self.perte_maximale_maintien, "motif": self.motif, "rho": self.rho}


def lire_perte_maximale(fichier: str | Path | None = None) -> float:
    """Le seuil ``perte_maximale_maintien`` de ``donnees/parametres/persistance.yaml``."""
    p = parametres.chemin(fichier, "persistance.yaml")
    brut = parametres.lire_fichier(p, "de la persistance")
    seuil = parametres.parametre(brut.get("perte_maximale_maintien"), p, "perte_maximale_maintien",
                                 positif=True).valeur
    if not 0 < seuil < 1:
        raise ValueError(f"{p} : perte_maximale_maintien doit être strictement entre 0 et 1 (lu : {seuil}).")
    return seuil


def _estimation(effet: float, variance: float, ddl: float, niveau: float) -> Estimation:
    se = math.sqrt(max(variance, 0.0))
    crit = float(special.stdtrit(ddl, 0.5 + niveau / 2))
    p = float(2 * special.stdtr(ddl, -(abs(effet) / se))) if se > 0 else float("nan")
    return Estimation(effet, se, ddl, effet - crit * se, effet + crit * se, p)


def _contrastes(y: np.ndarray, X: np.ndarray, contrastes: Sequence[np.ndarray], erreurs: str,
                retard_hac: int | None, niveau: float) -> tuple[list[Estimation], np.ndarray, float | None]:
    """Ajuste le modèle (AR(1) ou HAC) et estime chaque contraste c'β avec son intervalle."""
    n = len(y)
    if erreurs == "ar1":
        rho = rho_ar1_reml(y, X)
        res = sm.OLS(prais_winsten(y, rho), prais_winsten(X, rho)).fit()
        cov, params = np.asarray(res.cov_params()), np.asarray(res.params)
        sortie = []
        for c in contrastes:
            ddl, supplement = correction_petits_echantillons_ar1(y, X, c, rho, float(res.df_resid))
            sortie.append(_estimation(float(c @ params), float(c @ cov @ c) + 2 * supplement, ddl, niveau))
        return sortie, params, rho
    if erreurs == "hac":
        lag = retard_hac if retard_hac is not None else retard_newey_west(n)
        res = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": lag, "use_correction": True}, use_t=True)
        cov, params = np.asarray(res.cov_params()), np.asarray(res.params)
        return [_estimation(float(c @ params), float(c @ cov @ c), float(res.df_resid), niveau)
                for c in contrastes], params, None
    raise ValueError(f"Type d'erreurs inconnu : {erreurs!r} (attendu « ar1 » ou « hac »).")


def constater(pendant: Estimation, apres: Estimation, difference: Estimation,
              perte_maximale: float) -> Constat:
    """La règle du module (voir sa docstring), sur trois estimations."""
    if not pendant.etabli:
        return "indetermine"
    s = 1.0 if pendant.effet > 0 else -1.0
    perte_bas, perte_haut = sorted((-s * difference.ic_bas, -s * difference.ic_haut))
    affaibli = perte_bas > 0
    apres_meme_sens = apres.etabli and np.sign(apres.effet) == s
    if apres_meme_sens and affaibli:
        return "s_estompe"
    if apres_meme_sens and perte_haut <= perte_maximale * abs(pendant.effet):
        return "se_maintient"
    if not apres_meme_sens and affaibli:
        return "disparait"
    return "indetermine"


def _phrase(constat: Constat, pendant: Estimation, apres: Estimation, unite: str, quand: str,
            perte_maximale: float, par: str, niveau: float) -> str:
    u = f"\u00a0{unite}" if unite else ""
    mesures = (f"{par} : {nombre_arrondi(pendant.effet)}{u} pendant l'expérimentation "
               f"(intervalle de confiance à {nombre(100 * niveau)}\u00a0% : {intervalle(pendant.ic_bas, pendant.ic_haut, unite, decimales=None)}), "
               f"{nombre_arrondi(apres.effet)}{u} après ({intervalle(apres.ic_bas, apres.ic_haut, unite, decimales=None)}).")
    if constat == "se_maintient":
        tete = (f"L'effet se maintient après {quand} : les données écartent une perte de "
                f"{nombre_arrondi(100 * perte_maximale)}\u00a0% de l'effet ou plus.")
    elif constat == "s_estompe":
        tete = f"L'effet s'estompe après {quand} : il reste établi mais nettement plus faible que pendant."
    elif constat == "disparait" and apres.etabli:
        tete = f"L'effet disparaît après {quand}, et s'inverse même."
    elif constat == "disparait":
        tete = (f"L'effet disparaît après {quand} : l'effet d'après ne se distingue pas de zéro et il est "
                "nettement plus faible que pendant.")
    elif not pendant.etabli:
        tete = (f"On ne peut pas dire si l'effet dure après {quand} : aucun effet n'est établi pendant "
                "l'expérimentation.")
    else:
        tete = f"On ne peut pas dire si l'effet dure après {quand} : les mesures sont trop bruitées pour trancher."
    return f"{tete} {mesures}"


def persistance(
    donnees: pd.DataFrame,
    debut,
    debut_apres,
    *,
    colonne_valeur: str = "valeur",
    colonne_date: str = "date",
    indicateur: str | None = None,
    unite: str = "",
    saisonnalite: Literal["fourier", "mois"] | None = "fourier",
    periode: float = 12.0,
    harmoniques: int = 2,
    colonne_saison: str | None = None,
    covariables: Sequence[str] = (),
    erreurs: Erreurs = "ar1",
    retard_hac: int | None = None,
    motif: str | None = None,
    par: str = "En moyenne par période",
    perte_maximale_maintien: float | None = None,
    fichier_parametres: str | Path | None = None,
    niveau: float = config.NIVEAU_CONFIANCE,
) -> ResultatPersistance:
    """Effet pendant et après, leur différence et le constat (règle en tête du module).

    ``donnees`` : une ligne par période (colonnes ``colonne_date`` et ``colonne_valeur``) ; les périodes
    avant ``debut`` forment la référence, de ``debut`` à ``debut_apres`` (exclu) l'expérimentation, à
    partir de ``debut_apres`` la période après (à l'appelant de couper la série à sa fin). ``motif`` :
    ce qui s'arrête (clé de :data:`MOTIFS`), pour la phrase ; ``par`` : ce qu'est un effet dans la phrase
    (« En moyenne par période », « En moyenne par jour »…). ``perte_maximale_maintien`` : sinon lu
    dans ``donnees/parametres/persistance.yaml`` (ou ``fichier_parametres``).
    """
    for col in (colonne_date, colonne_valeur, *covariables):
        if col not in donnees.columns:
            raise ValueError(f"Colonne « {col} » absente des données "
                             f"(colonnes : {', '.join(map(str, donnees.columns))}).")
    if motif is not None and motif not in MOTIFS:
        raise ValueError(f"Motif inconnu : « {motif} » (attendu : {', '.join(MOTIFS)}).")
    df = donnees.sort_values(colonne_date, kind="stable").reset_index(drop=True)
    dates = df[colonne_date]
    if pd.api.types.is_datetime64_any_dtype(dates):
        debut, debut_apres = pd.Timestamp(debut), pd.Timestamp(debut_apres)
    if not debut_apres > debut:
        raise ValueError(f"La période après doit commencer après le début de l'expérimentation "
                         f"(début : {debut}, début de la période après : {debut_apres}).")
    colonnes = [colonne_valeur, *covariables]
    if df[colonnes].isna().any(axis=None):
        raise ValueError(f"Valeurs manquantes dans {', '.join(colonnes)} : complétez ou retirez ces périodes "
                         "avant l'estimation (voir le module qualite).")
    pendant_ou_apres = (dates >= debut).to_numpy()
    apres = (dates >= debut_apres).to_numpy()
    pendant = pendant_ou_apres & ~apres
    n_av, n_pe, n_ap = int((~pendant_ou_apres).sum()), int(pendant.sum()), int(apres.sum())
    if n_ap == 0:
        raise ValueError(f"La période après est vide : aucune mesure à partir du {debut_apres}. "
                         "Sans mesures après la fin de l'expérimentation, on ne peut rien dire de la persistance.")
    if n_av < PERIODES_AVANT_MINIMUM or n_pe < PERIODES_PENDANT_MINIMUM or n_ap < PERIODES_APRES_MINIMUM:
        raise ValueError(f"Trop peu de périodes ({n_av} avant, {n_pe} pendant, {n_ap} après) : il en faut au moins "
                         f"{PERIODES_AVANT_MINIMUM} avant, {PERIODES_PENDANT_MINIMUM} pendant et "
                         f"{PERIODES_APRES_MINIMUM} après.")
    plan = construire_plan(
        pendant_ou_apres, changement_pente=True, saisonnalite=saisonnalite, periode=periode,
        harmoniques=harmoniques, position_saison=None if colonne_saison is None else df[colonne_saison].to_numpy(),
        mois=dates.dt.month.to_numpy() if pd.api.types.is_datetime64_any_dtype(dates) else None,
        covariables=df[list(covariables)] if covariables else None,
    )
    t = np.arange(1, len(df) + 1, dtype=float)
    premier_apres = int(np.argmax(apres))
    X = np.column_stack([plan.X, apres.astype(float), np.where(apres, t - premier_apres, 0.0)])
    noms = [*plan.noms, "niveau_apres", "pente_apres"]
    interv = [*plan.colonnes_intervention, X.shape[1] - 2, X.shape[1] - 1]
    effet_ligne = np.zeros_like(X)
    effet_ligne[:, interv] = X[:, interv]  # ajusté − contrefactuel, ligne par ligne, vaut effet_ligne @ β
    c_pe, c_ap = effet_ligne[pendant].mean(axis=0), effet_ligne[apres].mean(axis=0)
    y = df[colonne_valeur].to_numpy(dtype=float)
    (e_pe, e_ap, e_diff), params, rho = _contrastes(y, X, [c_pe, c_ap, c_ap - c_pe], erreurs, retard_hac, niveau)
    seuil = perte_maximale_maintien if perte_maximale_maintien is not None else lire_perte_maximale(fichier_parametres)
    constat = constater(e_pe, e_ap, e_diff, seuil)
    quand = MOTIFS[motif or "autre"]
    ajuste = X @ params
    contrefactuel = pd.DataFrame({
        "date": dates.to_numpy(), "observe": y, "ajuste": ajuste, "contrefactuel": ajuste - effet_ligne @ params,
        "periode": np.where(apres, "apres", np.where(pendant, "pendant", "avant")),
    })
    return ResultatPersistance(
        indicateur=indicateur or colonne_valeur, unite=unite, pendant=e_pe, apres=e_ap, difference=e_diff,
        constat=constat, phrase=_phrase(constat, e_pe, e_ap, unite, quand, seuil, par, niveau), erreurs=erreurs,
        n_avant=n_av, n_pendant=n_pe, n_apres=n_ap, perte_maximale_maintien=seuil, motif=motif, rho=rho,
        contrefactuel=contrefactuel, details={"coefficients": dict(zip(noms, map(float, params)))},
    )


def persistance_temoins(
    donnees: pd.DataFrame,
    debut,
    debut_apres,
    *,
    colonne_experimentaux: str = "experimentaux",
    colonne_temoins: str = "temoins",
    colonne_date: str = "date",
    saisonnalite: Literal["fourier", "mois"] | None = None,
    **options,
) -> ResultatPersistance:
    """Avec témoins : :func:`persistance` sur l'écart D = E − r T, r = Σ E / Σ T sur la période d'avant.

    Les variations communes aux deux groupes (météo, calendrier, saison) sortent de l'écart, d'où pas
    de saisonnalité par défaut. ``options`` : celles de :func:`persistance`.
    """
    for col in (colonne_date, colonne_experimentaux, colonne_temoins):
        if col not in donnees.columns:
            raise ValueError(f"Colonne « {col} » absente des données "
                             f"(colonnes : {', '.join(map(str, donnees.columns))}).")
    dates = donnees[colonne_date]
    avant = (dates < (pd.Timestamp(debut) if pd.api.types.is_datetime64_any_dtype(dates) else debut)).to_numpy()
    e = donnees[colonne_experimentaux].to_numpy(dtype=float)
    tem = donnees[colonne_temoins].to_numpy(dtype=float)
    somme_temoins = float(tem[avant].sum())
    ratio = float(e[avant].sum()) / somme_temoins if somme_temoins > 0 else float("nan")
    if not (ratio > 0 and math.isfinite(ratio)):
        raise ValueError("Les valeurs des témoins sont nulles, négatives ou absentes sur la période d'avant : "
                         "impossible de les mettre à l'échelle des sites équipés.")
    ecart = donnees[[colonne_date]].assign(ecart=e - ratio * tem)
    r = persistance(ecart, debut, debut_apres, colonne_valeur="ecart", colonne_date=colonne_date,
                    saisonnalite=saisonnalite, **options)
    r.details["ratio_temoins"] = ratio
    return r
