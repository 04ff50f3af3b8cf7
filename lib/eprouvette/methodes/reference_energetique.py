"""Référence énergétique ajustée au climat (IPMVP option C), données journalières.

Principe
--------
On apprend, sur la période de référence, comment la consommation journalière dépend de la
température (degrés-jours de chauffage et de refroidissement) et de l'occupation (week-ends,
vacances scolaires…), puis on prédit ce qu'aurait été la consommation pendant l'expérimentation
avec la météo réellement observée. L'effet est « mesuré moins prédit » : une économie est un effet
négatif.

Modèle (dans l'esprit de CalTRACK, méthode journalière)
-------------------------------------------------------
Candidats : constante seule ; chauffage (HDD) ; refroidissement (CDD) ; chauffage et
refroidissement. ``HDD = max(0, Tc - Tmoy)``, ``CDD = max(0, Tmoy - Tf)`` ; les températures
d'équilibre Tc (10 à 22 °C par pas de 0,5) et Tf (18 à 28 °C) sont cherchées sur une grille, ou
fixées (par exemple DJU base 18). Avec la température horaire (``temperatures_horaires``), les
degrés-jours sont des degrés-heures : ``HDD = (1/n) Σ_h max(0, Tc - T_h)`` sur les heures du jour
civil local (méthode « horaire » ; un jour de moins de 12 heures est sans météo). Avec les seules
minimales et maximales du jour (TN, TX d'un fichier Météo-France), la méthode « profil » calcule
les mêmes degrés-heures sur un profil horaire reconstitué (demi-cosinus entre la minimale vers
6 h et la maximale vers 15 h, voir :func:`eprouvette.domaines.energie.profil_diurne`). Un candidat n'est retenu que si ses pentes sont positives et
significatives (p < 0,1, erreur type corrigée de l'autocorrélation d'ordre 1 des résidus) ; on
garde le meilleur R² ajusté. Les colonnes d'occupation (booléennes
ou catégorielles) ajoutent un décalage de la constante et, s'il y a du chauffage, de la pente.

Incertitude
-----------
L'estimateur de l'effet est linéaire dans les consommations : ``effet = w'y``, où ``w`` vaut 1 les
jours d'expérimentation et ``-X_ref (X_ref'X_ref)^-1 s`` les jours de référence (``s`` = somme des
variables explicatives pendant l'expérimentation). Sa variance est ``w' Γ w``, où Γ est la
covariance d'un bruit stationnaire autocorrélé. Γ est estimée sur les résidus de la période de
référence par un modèle autorégressif AR(p) (Yule-Walker, ordre p <= 14 choisi par AIC) : ses
autocovariances reproduisent celles des résidus jusqu'au retard p et se prolongent par la
récurrence AR au-delà. Cette variance contient donc à la fois le bruit de la période
d'expérimentation (variance de long terme, autocorrélation comprise) et l'incertitude des
paramètres du modèle de référence (elle aussi gonflée par l'autocorrélation). Les intervalles
utilisent une loi de Student à ``n' - p`` degrés de liberté, ``n' = n γ(0) / V_LT`` étant le nombre
effectif de jours indépendants. C'est l'équivalent, pour un bruit AR(p) quelconque, de la
correction ``n' = n (1 - ρ) / (1 + ρ)`` de l'incertitude des économies de l'ASHRAE Guideline 14.

Les températures d'équilibre cherchées sur la grille sont des paramètres estimés : la prédiction
``X(T) β`` est non linéaire en T, et ``w`` est calculé avec la jacobienne ``J = [X, (∂X/∂T) β]``
(méthode delta des moindres carrés non linéaires, dérivée numérique à ±0,25 °C) au lieu de X ;
une température fixée par l'utilisateur n'est pas comptée.

Sites témoins
-------------
Les consommations sont sommées par jour dans chaque groupe (expérimental, témoin) ; un jour
manque pour le groupe dès qu'un de ses sites manque. Chaque groupe a son modèle (forme et
températures d'équilibre choisies sur ses propres données, même grille).
L'effet net retire de l'écart du groupe expérimental la dérive du groupe témoin, ramenée à sa
taille : ``effet_net = Σ(yE - ŷE) - k Σ(yT - ŷT)`` avec ``k = ΣŷE / ΣŷT`` sur l'expérimentation
(la dérive commune est supposée proportionnelle à la consommation). L'espérance de la série nette
``yE - k yT`` est ``X βE - k X_T βT`` : on l'ajuste sur l'union des colonnes des deux modèles, ce
qui redonne l'effet net (exactement si les deux modèles coïncident), et ``effet_net = w'(yE - k yT)`` :
sa variance se calcule comme ci-dessus sur la série journalière des résidus nets de la référence, ce qui tient compte des chocs communs
(météo non expliquée, consignes) et des deux incertitudes de paramètres. ``k`` est traité comme
connu (son incertitude est d'ordre 2).

Tendance pendant la référence
-----------------------------
Avec au moins 12 mois de référence, on ajoute au modèle de la série testée (série nette avec
témoins, série des sites équipés sans) une dérive proportionnelle à la consommation des sites
équipés, ``τ t ŷE`` (τ : dérive relative par an ; deux harmoniques annuelles en plus si la
référence a moins de deux ans) ; τ, estimée par moindres carrés pondérés et linéaire dans les
consommations, est testée avec le même modèle de bruit (baisse, unilatéral p < 0,05 : « echec » ;
hausse, bilatéral p < 0,05 : « attention »).
Une dérive propre aux sites équipés avant l'expérimentation s'y prolongerait et serait attribuée
à la technologie.

Statistiques ASHRAE Guideline 14 (sur la période de référence)
--------------------------------------------------------------
``CV(RMSE) = 100 × sqrt(Σ(y - ŷ)² / (n - p)) / ȳ`` et ``NMBE = 100 × Σ(y - ŷ) / ((n - p) × ȳ)``,
avec p le nombre de paramètres du modèle journalier, n le nombre de jours (journalier) ou de
mois (mensuel, sommes mensuelles des jours mesurés). Seuils mensuels : CV(RMSE) <= 15 %,
|NMBE| <= 5 %. Remarque : avec une constante, le NMBE d'un ajustement par moindres carrés est nul
par construction sur la période d'ajustement ; le placebo dans le temps (ajustement sur le début
de la référence, prédiction de la fin) donne un NMBE hors échantillon, plus parlant.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import signal, special, stats

from .. import config
from ..meteo import dju as _dju
from ..meteo import profil_diurne as _profil_diurne
from ..erreurs import ErreurDonnees
from ..francais import accord, nombre, pourcentage
from ..erreurs import citer as _court
from .base import ResultatImpact, Verification
from .verifications import autocovariances, effet_minimal_detectable, ljung_box

__all__ = [
    "GRILLE_CHAUFFAGE",
    "GRILLE_REFROIDISSEMENT",
    "SpecificationModele",
    "statistiques_ashrae",
    "reference_energetique",
    "evaluer_energie",
    "parametres_depuis_pilote",
]

GRILLE_CHAUFFAGE = np.round(np.arange(10.0, 22.0001, 0.5), 1)
GRILLE_REFROIDISSEMENT = np.round(np.arange(18.0, 28.0001, 0.5), 1)
#: Seuils de l'ASHRAE Guideline 14 pour un modèle mensuel.
SEUIL_CVRMSE_MENSUEL = 15.0
SEUIL_NMBE_MENSUEL = 5.0
#: Suffisance des données (CalTRACK) : 365 jours de référence, au plus 10 % de jours manquants.
JOURS_REFERENCE_MIN = 365
PART_MANQUANTE_MAX = 0.10
#: Seuil de significativité des pentes d'un candidat (CalTRACK).
P_PENTE_MAX = 0.10
ORDRE_AR_MAX = 14
#: Corriger le biais des autocovariances de résidus de régression (voir :func:`_modele_bruit`).
CORRIGER_BIAIS_AUTOCOVARIANCES = True
#: Compter la recherche des températures d'équilibre dans l'incertitude par rééchantillonnage de
#: toute la sélection (voir :func:`_facteur_recherche`) ; la méthode delta (COMPTER_RECHERCHE),
#: essayée d'abord, n'en capte presque rien (erreur type changée de moins de 3 %) et reste coupée.
REECHANTILLONNER_RECHERCHE = True
COMPTER_RECHERCHE = False

_FORMES = {
    "constante": "constante seule (consommation indépendante de la météo)",
    "chauffage": "chauffage (degrés-jours de chauffage)",
    "refroidissement": "refroidissement (degrés-jours de refroidissement)",
    "chauffage_refroidissement": "chauffage et refroidissement",
}


# --------------------------------------------------------------------------------------------
# Modèle
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SpecificationModele:
    """Forme du modèle de référence et températures d'équilibre retenues."""

    forme: str
    t_chauffage: float | None = None
    t_refroidissement: float | None = None
    occupation: tuple[str, ...] = ()

    def libelle(self) -> str:
        texte = _FORMES[self.forme]
        morceaux = []
        if self.t_chauffage is not None:
            morceaux.append(f"équilibre chauffage {nombre(self.t_chauffage, 1)} °C")
        if self.t_refroidissement is not None:
            morceaux.append(f"équilibre refroidissement {nombre(self.t_refroidissement, 1)} °C")
        if self.occupation:
            morceaux.append("occupation : " + ", ".join(self.occupation))
        return texte + (" ; " + " ; ".join(morceaux) if morceaux else "")


@dataclass
class _Donnees:
    """Séries journalières alignées sur un calendrier complet."""

    dates: pd.DatetimeIndex
    tmoy: np.ndarray
    tn: np.ndarray
    tx: np.ndarray
    occupation: dict[str, np.ndarray]  # nom de colonne indicatrice -> 0/1
    ref: np.ndarray  # masque période de référence
    exp: np.ndarray  # masque période d'expérimentation
    methode_dju: str = "moyenne"
    #: Températures horaires du jour civil (jours × 25, NaN complète), méthode « horaire », ou
    #: profil reconstitué à partir de TN et TX (jours × 24), méthode « profil ».
    t_horaire: np.ndarray | None = None
    _cache: dict = field(default_factory=dict)


def _degres_heures(d: _Donnees, t: float, chauffage: bool) -> np.ndarray:
    """Moyenne journalière des degrés-heures : ``(1/n) Σ_h max(0, t - T_h)`` (ou ``T_h - t``)."""
    cle = (t, chauffage)
    if cle not in d._cache:
        ecart = (t - d.t_horaire) if chauffage else (d.t_horaire - t)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # jours sans aucune heure : NaN voulu
            d._cache[cle] = np.nanmean(np.maximum(0.0, ecart), axis=1)
    return d._cache[cle]


def _degres_jours_chauffage(d: _Donnees, t: float) -> np.ndarray:
    if d.t_horaire is not None:  # « horaire » ou « profil » : degrés-heures
        return _degres_heures(d, t, True)
    if d.methode_dju == "costic":
        return _dju(d.tn, d.tx, base=t, methode="costic").to_numpy()
    return np.maximum(0.0, t - d.tmoy)


def _degres_jours_refroidissement(d: _Donnees, t: float) -> np.ndarray:
    if d.t_horaire is not None:
        return _degres_heures(d, t, False)
    return np.maximum(0.0, d.tmoy - t)


def _matrice(spec: SpecificationModele, d: _Donnees) -> tuple[np.ndarray, list[str]]:
    colonnes = [np.ones(len(d.dates))]
    noms = ["constante"]
    for nom, ind in d.occupation.items():
        colonnes.append(ind)
        noms.append(nom)
    if spec.t_chauffage is not None:
        hdd = _degres_jours_chauffage(d, spec.t_chauffage)
        colonnes.append(hdd)
        noms.append("degres_jours_chauffage")
        for nom, ind in d.occupation.items():
            colonnes.append(hdd * ind)
            noms.append(f"degres_jours_chauffage:{nom}")
    if spec.t_refroidissement is not None:
        colonnes.append(_degres_jours_refroidissement(d, spec.t_refroidissement))
        noms.append("degres_jours_refroidissement")
    return np.column_stack(colonnes), noms


#: Demi-pas de la dérivée numérique de la matrice par rapport à une température d'équilibre (°C).
PAS_DERIVEE = 0.25


def _derivees_equilibre(spec: SpecificationModele, d: _Donnees, t_ch, t_fr) -> list[np.ndarray]:
    """``∂X/∂T`` pour chaque température d'équilibre cherchée sur une grille (différence centrée).

    Une température fixée par l'utilisateur (DJU base 18, par exemple) n'est pas estimée : pas de
    dérivée. Pour la méthode « moyenne », la différence centrée sur ±0,25 °C lisse l'indicatrice
    ``1[Tmoy < T]`` ; pour les degrés-heures, c'est la part des heures sous T.
    """
    sorties = []
    h = PAS_DERIVEE
    if spec.t_chauffage is not None and len(t_ch or ()) > 1:
        plus = _matrice(SpecificationModele(spec.forme, spec.t_chauffage + h, spec.t_refroidissement,
                                            spec.occupation), d)[0]
        moins = _matrice(SpecificationModele(spec.forme, spec.t_chauffage - h, spec.t_refroidissement,
                                             spec.occupation), d)[0]
        sorties.append((plus - moins) / (2 * h))
    if spec.t_refroidissement is not None and len(t_fr or ()) > 1:
        plus = _matrice(SpecificationModele(spec.forme, spec.t_chauffage, spec.t_refroidissement + h,
                                            spec.occupation), d)[0]
        moins = _matrice(SpecificationModele(spec.forme, spec.t_chauffage, spec.t_refroidissement - h,
                                             spec.occupation), d)[0]
        sorties.append((plus - moins) / (2 * h))
    return [np.nan_to_num(dX) for dX in sorties]


def _union_colonnes(X_e: np.ndarray, derivees_e: Sequence[np.ndarray], X_t: np.ndarray,
                    derivees_t: Sequence[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Colonnes des deux modèles (les colonnes identiques ne sont gardées qu'une fois), et les
    dérivées par rapport aux températures d'équilibre de chacun, complétées de zéros."""
    propres = [j for j in range(X_t.shape[1])
               if not any(np.array_equal(X_t[:, j], X_e[:, i], equal_nan=True) for i in range(X_e.shape[1]))]
    if not propres:
        return X_e, list(derivees_e)
    X = np.column_stack([X_e, X_t[:, propres]])
    zeros_t = np.zeros((X_e.shape[0], len(propres)))
    zeros_e = np.zeros_like(X_e)
    derivees = [np.column_stack([dX, zeros_t]) for dX in derivees_e]
    derivees += [np.column_stack([zeros_e, dX[:, propres]]) for dX in derivees_t]
    return X, derivees


def _ols(X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    n, p = X.shape
    beta, _, rang, _ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    sse = float(resid @ resid)
    sst = float(((y - y.mean()) ** 2).sum())
    ddl = max(n - p, 1)
    r2 = 1.0 - sse / sst if sst > 0 else 0.0
    r2_aj = 1.0 - (sse / ddl) / (sst / (n - 1)) if sst > 0 else 0.0
    try:
        xtx_inv = np.linalg.inv(X.T @ X)
        se = np.sqrt(np.maximum(np.diag(xtx_inv) * sse / ddl, 0.0))
    except np.linalg.LinAlgError:
        se = np.full(p, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        tval = beta / se
    pval = 2.0 * special.stdtr(ddl, -np.abs(tval))  # = 2 × stats.t.sf(|t|, ddl), bien plus rapide
    return {"beta": beta, "se": se, "p": pval, "r2": r2, "r2_ajuste": r2_aj, "rang": rang,
            "sse": sse, "n": n, "k": p}


def _candidats(t_ch: Sequence[float] | None, t_fr: Sequence[float] | None, occupation):
    yield SpecificationModele("constante", occupation=occupation)
    for tc in t_ch or ():
        yield SpecificationModele("chauffage", t_chauffage=float(tc), occupation=occupation)
    for tf in t_fr or ():
        yield SpecificationModele("refroidissement", t_refroidissement=float(tf), occupation=occupation)
    for tc in t_ch or ():
        for tf in t_fr or ():
            if tf >= tc:
                yield SpecificationModele("chauffage_refroidissement", t_chauffage=float(tc),
                                          t_refroidissement=float(tf), occupation=occupation)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    den = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / den if den > 0 else 0.0


def _choisir_modele(y: np.ndarray, d: _Donnees, t_ch, t_fr, occupation) -> tuple[SpecificationModele, dict, list]:
    """Choix du modèle sur la période de référence : pentes > 0 et p < 0,1, meilleur R² ajusté."""
    masque = d.ref & ~np.isnan(y)
    yb = y[masque]
    meilleur = None
    essais = []
    for spec in _candidats(t_ch, t_fr, occupation):
        X, noms = _matrice(spec, d)
        Xb = X[masque]
        fit = _ols(Xb, yb)
        if fit["rang"] < Xb.shape[1]:
            continue
        # p-valeurs des pentes corrigées de l'autocorrélation des résidus (approximation AR(1) :
        # erreur type × sqrt((1 + ρ) / (1 - ρ))), sinon des pentes fortuites passent le seuil.
        r = np.full(len(y), np.nan)
        r[masque] = yb - Xb @ fit["beta"]
        paires = ~np.isnan(r[1:]) & ~np.isnan(r[:-1])
        rho = _correlation(r[1:][paires], r[:-1][paires]) if paires.sum() > 10 else 0.0
        gonflement = math.sqrt((1 + rho) / (1 - rho)) if 0 < rho < 0.99 else 1.0
        valide = True
        for nom in ("degres_jours_chauffage", "degres_jours_refroidissement"):
            if nom in noms:
                j = noms.index(nom)
                t_corrige = fit["beta"][j] / (fit["se"][j] * gonflement)
                p_corrigee = 2.0 * float(special.stdtr(max(fit["n"] - fit["k"], 1), -abs(t_corrige)))
                if not (fit["beta"][j] > 0 and p_corrigee < P_PENTE_MAX):
                    valide = False
        essais.append({"forme": spec.forme, "t_chauffage": spec.t_chauffage,
                       "t_refroidissement": spec.t_refroidissement, "r2_ajuste": fit["r2_ajuste"],
                       "valide": valide})
        if valide and (meilleur is None or fit["r2_ajuste"] > meilleur[1]["r2_ajuste"] + 1e-12):
            meilleur = (spec, fit, noms)
    if meilleur is None:  # ne devrait pas arriver : la constante seule est toujours valide
        raise ErreurDonnees("mesures fournies", "aucun modèle de référence ne peut être ajusté.",
                            conseil="Vérifiez que la période de référence contient des mesures.")
    return meilleur[0], meilleur[1], essais


# --------------------------------------------------------------------------------------------
# Recherche des températures d'équilibre : rééchantillonnage par blocs de toute la sélection
# --------------------------------------------------------------------------------------------

#: Nombre de répliques et longueur des blocs (jours) du rééchantillonnage de la recherche.
REPLIQUES_RECHERCHE = 100
BLOC_JOURS = 14
GRAINE_RECHERCHE = 20_261


class _Selection:
    """Tous les candidats d'une recherche, prêts à être ajustés d'un coup sur B séries simulées."""

    def __init__(self, d: _Donnees, masque_ref: np.ndarray, masque_exp: np.ndarray, t_ch, t_fr, occupation):
        self.candidats = []
        n_ref = int(masque_ref.sum())
        jours = np.flatnonzero(masque_ref)
        # Paires de jours consécutifs du calendrier, en positions dans la série compressée.
        self.paires = np.flatnonzero(np.diff(jours) == 1)
        self.consecutifs = len(self.paires) == n_ref - 1  # tous les jours de référence se suivent
        for spec in _candidats(t_ch, t_fr, occupation):
            X, noms = _matrice(spec, d)
            Xb = X[masque_ref]
            if not np.isfinite(Xb).all():
                continue
            xtx = Xb.T @ Xb
            if np.linalg.matrix_rank(xtx) < Xb.shape[1]:
                continue
            inv = np.linalg.inv(xtx)
            pentes = [noms.index(nm) for nm in ("degres_jours_chauffage", "degres_jours_refroidissement")
                      if nm in noms]
            self.candidats.append({"spec": spec, "Xb": Xb, "P": inv @ Xb.T, "diag": np.diag(inv)[pentes],
                                   "pentes": pentes, "s": np.nan_to_num(X[masque_exp]).sum(axis=0),
                                   "ddl": max(n_ref - Xb.shape[1], 1)})

    def predictions(self, Y: np.ndarray, spec_fixe: SpecificationModele | None = None) -> np.ndarray:
        """Somme prédite sur l'expérimentation, pour chaque colonne de Y (jours de référence × B),
        avec le candidat que la règle de :func:`_choisir_modele` retient sur cette colonne (ou le
        candidat ``spec_fixe``)."""
        B = Y.shape[1]
        meilleur_score = np.full(B, -np.inf)
        prediction = np.full(B, np.nan)
        for c in self.candidats:
            if spec_fixe is not None and c["spec"] != spec_fixe:
                continue
            beta = c["P"] @ Y
            total = c["s"] @ beta
            if spec_fixe is not None:
                return total
            R = Y - c["Xb"] @ beta
            sse = np.einsum("ij,ij->j", R, R)
            score = -sse / c["ddl"]  # R² ajusté croissant en -SSE / (n - p) à série donnée
            valide = np.ones(B, dtype=bool)
            if c["pentes"]:
                if self.consecutifs:  # mêmes lignes, sans copie
                    a, b = R[:-1], R[1:]
                else:
                    a = R[self.paires]
                    b = R[self.paires + 1]
                a = a - a.mean(axis=0)
                b = b - b.mean(axis=0)
                den = np.sqrt(np.einsum("ij,ij->j", a, a) * np.einsum("ij,ij->j", b, b))
                rho = np.where(den > 0, np.einsum("ij,ij->j", a, b) / np.where(den > 0, den, 1.0), 0.0)
                gonflement = np.where((rho > 0) & (rho < 0.99), np.sqrt((1 + rho) / (1 - np.clip(rho, 0, 0.98))),
                                      1.0)
                for j, dj in zip(c["pentes"], c["diag"]):
                    se = np.sqrt(np.maximum(dj * sse / c["ddl"], 0.0)) * gonflement
                    t = beta[j] / np.where(se > 0, se, np.inf)
                    p = 2.0 * special.stdtr(c["ddl"], -np.abs(t))
                    valide &= (beta[j] > 0) & (p < P_PENTE_MAX)
            marge = np.where(np.isfinite(meilleur_score), 1e-12 * np.abs(meilleur_score), 0.0)
            mieux = valide & (score > meilleur_score + marge)
            meilleur_score = np.where(mieux, score, meilleur_score)
            prediction = np.where(mieux, total, prediction)
        return prediction


def _indices_blocs(rng, n_source: int, n_cible: int, B: int, longueur: int) -> np.ndarray:
    """Indices (n_cible × B) d'un rééchantillonnage circulaire par blocs d'une série de n_source."""
    n_blocs = -(-n_cible // longueur)
    debuts = rng.integers(0, n_source, size=(n_blocs, B))
    idx = (debuts[:, None, :] + np.arange(longueur)[None, :, None]) % n_source
    return idx.reshape(n_blocs * longueur, B)[:n_cible]


def _facteur_recherche(d: _Donnees, groupes: list[tuple[np.ndarray, _Estimation, SpecificationModele]],
                       k: float, t_ch, t_fr, occupation) -> dict[str, float]:
    """Inflation de la variance de l'effet due à la recherche des températures d'équilibre.

    On simule B séries « sans effet » : prédiction du modèle retenu + résidus réduits de la
    référence rééchantillonnés par blocs de 14 jours (mêmes blocs pour les deux groupes, ce qui
    garde leur corrélation et l'autocorrélation), remis à l'échelle du jour (σ_t). Sur chaque
    série, on refait toute la recherche (grille, règle des pentes, meilleur R² ajusté), puis on
    calcule l'effet (net des témoins, k fixé) ; on recommence avec le modèle retenu fixé. Le
    rapport des deux variances mesure ce que la recherche ajoute ; les deux effets viennent des
    mêmes tirages, ce qui rend le rapport précis même avec 200 répliques.
    """
    rng = np.random.default_rng(GRAINE_RECHERCHE)
    B = REPLIQUES_RECHERCHE
    premier = groupes[0][1]
    mr, me = premier.masque_ref, premier.masque_exp
    for _, est, _ in groupes[1:]:
        mr, me = mr & est.masque_ref, me & est.masque_exp
    n_ref, n_exp = int(mr.sum()), int(me.sum())
    if n_ref < 60 or n_exp < 1:
        return {"facteur": 1.0}
    selection = _Selection(d, mr, me, t_ch, t_fr, occupation)
    idx_ref = _indices_blocs(rng, n_ref, n_ref, B, BLOC_JOURS)
    idx_exp = _indices_blocs(rng, n_ref, n_exp, B, BLOC_JOURS)
    effet_cherche = np.zeros(B)
    effet_fixe = np.zeros(B)
    for poids, (y, est, spec) in zip([1.0, -k], groupes):
        sigma = est.sigma if est.sigma is not None else np.ones(len(y))
        eta = ((y - est.predit) / sigma)[mr]
        eta = eta - eta.mean()
        y_ref = est.predit[mr][:, None] + sigma[mr][:, None] * eta[idx_ref]
        somme_exp = est.predit[me].sum() + (sigma[me][:, None] * eta[idx_exp]).sum(axis=0)
        effet_cherche += poids * (somme_exp - selection.predictions(y_ref))
        effet_fixe += poids * (somme_exp - selection.predictions(y_ref, spec_fixe=spec))
    garde = np.isfinite(effet_cherche) & np.isfinite(effet_fixe)
    if garde.sum() < B // 2:
        return {"facteur": 1.0}
    v_cherche = float(np.var(effet_cherche[garde], ddof=1))
    v_fixe = float(np.var(effet_fixe[garde], ddof=1))
    facteur = max(1.0, v_cherche / v_fixe) if v_fixe > 0 else 1.0
    return {"facteur": facteur, "variance_recherche": v_cherche, "variance_modele_fixe": v_fixe,
            "repliques": int(garde.sum())}


# --------------------------------------------------------------------------------------------
# Bruit autocorrélé : AR(p) de Yule-Walker et variance d'une forme linéaire
# --------------------------------------------------------------------------------------------


def _levinson(r: np.ndarray, pmax: int) -> list[tuple[np.ndarray, float]]:
    """Coefficients AR et variance d'innovation pour les ordres 0..pmax (Levinson-Durbin)."""
    res = [(np.zeros(0), float(r[0]))]
    phi = np.zeros(0)
    v = float(r[0])
    for p in range(1, pmax + 1):
        if v <= 0:
            break
        kappa = (r[p] - phi @ r[1:p][::-1]) / v if p > 1 else r[1] / v
        phi = np.concatenate([phi - kappa * phi[::-1], [kappa]])
        v = v * (1.0 - kappa**2)
        res.append((phi.copy(), float(v)))
    return res


@dataclass
class _ModeleBruit:
    gamma: np.ndarray  # autocovariances γ(0..N-1)
    ordre: int
    phi: np.ndarray
    rho1: float
    variance_long_terme: float
    n_effectif: float
    blancheur_p: float  # p-valeur de Ljung-Box sur les innovations (retard 14)


def _ajuster_ar(r: np.ndarray, n: int, pmax: int, N: int) -> tuple[int, np.ndarray, np.ndarray]:
    """Ordre (AIC), coefficients et autocovariances γ(0..N-1) de l'AR(p) de Yule-Walker."""
    ordres = _levinson(r, pmax)
    aic = [n * math.log(v) + 2 * p for p, (_, v) in enumerate(ordres) if v > 0]
    p = int(np.argmin(aic))
    phi = ordres[p][0]
    gamma = np.zeros(N)
    gamma[: min(p + 1, N)] = r[: min(p + 1, N)]
    if p > 0 and N > p + 1:
        # Au-delà du retard p, les autocovariances suivent la récurrence AR (Yule-Walker).
        a = np.concatenate([[1.0], -phi])
        zi = signal.lfiltic([1.0], a, y=gamma[p:0:-1])
        gamma[p + 1:] = signal.lfilter([1.0], a, np.zeros(N - p - 1), zi=zi)[0]
        gamma[np.abs(gamma) < 1e-12 * abs(r[0])] = 0.0
    return p, phi, gamma


def _autocovariances_attendues(gamma: np.ndarray, obs: np.ndarray, regresseurs: np.ndarray,
                               echelle: np.ndarray, pondere: bool, kmax: int) -> np.ndarray | None:
    """Espérance des autocovariances empiriques (lags 0..kmax) des résidus réduits d'une régression
    quand le bruit réduit a les autocovariances ``gamma``.

    Résidus réduits ``e = A η`` avec ``A = I - U V'`` : moindres carrés ordinaires, ``U = D⁻¹Q``,
    ``V = DQ`` (Q base orthonormée des régresseurs, D = diag(σ)) ; pondérés (poids 1/σ²),
    ``U = V = Q`` (Q base des régresseurs divisés par σ). ``E[e e'] = A Γ A'`` ; on n'en calcule que
    les diagonales proches (distances de calendrier 0..kmax) et les moyennes de lignes (centrage,
    comme :func:`~eprouvette.methodes.verifications.autocovariances`), Γ v étant une convolution sur le calendrier : coût linéaire en n.
    """
    pos = np.flatnonzero(obs)
    n = len(pos)
    if n < 10:
        return None
    Xo = regresseurs[pos]
    D = echelle[pos]
    if not (np.isfinite(Xo).all() and np.isfinite(D).all() and (D > 0).all()):
        return None
    if pondere:
        Q, _ = np.linalg.qr(Xo / D[:, None])
        U = V = Q
    else:
        Q, _ = np.linalg.qr(Xo)
        U, V = Q / D[:, None], Q * D[:, None]
    L = int(pos[-1] - pos[0] + 1)
    g = gamma[:L] if len(gamma) >= L else np.concatenate([gamma, np.zeros(L - len(gamma))])
    noyau = np.concatenate([g[:0:-1], g])
    rel = pos - pos[0]

    def gamma_fois(M: np.ndarray) -> np.ndarray:  # Γ M, colonnes de M indexées par les jours observés
        plein = np.zeros((L, M.shape[1]))
        plein[rel] = M
        conv = signal.fftconvolve(plein, noyau[:, None], mode="full", axes=0)
        return conv[L - 1 + rel]

    un = np.ones((n, 1))
    GV, G1 = np.split(gamma_fois(np.column_stack([V, un])), [V.shape[1]], axis=1)
    W = V.T @ GV
    UW = U @ W
    ligne = (G1[:, 0] - U @ (V.T @ G1[:, 0]) - GV @ (U.T @ un[:, 0]) + UW @ (U.T @ un[:, 0])) / n
    moyenne = float(ligne.mean())
    attendu = np.zeros(kmax + 1)
    for o in range(0, min(kmax, n - 1) + 1):
        i, j = np.arange(n - o), np.arange(o, n)
        dist = pos[j] - pos[i]
        garde = dist <= kmax
        if not garde.any():
            continue
        i, j, dist = i[garde], j[garde], dist[garde]
        c = (g[dist] - np.einsum("ia,ia->i", U[i], GV[j]) - np.einsum("ia,ia->i", GV[i], U[j])
             + np.einsum("ia,ia->i", UW[i], U[j]))
        c = c - ligne[i] - ligne[j] + moyenne
        np.add.at(attendu, dist, c)
    return attendu / n


def _modele_bruit(residus: np.ndarray, n_params: int, N: int, regresseurs: np.ndarray | None = None,
                  echelle: np.ndarray | None = None, pondere: bool = False) -> _ModeleBruit:
    """Modèle AR(p) du bruit réduit, estimé sur des résidus de régression.

    Les autocovariances empiriques de résidus sont biaisées vers zéro (les paramètres ajustés
    absorbent une partie du bruit, d'autant plus qu'il est autocorrélé) : avec ``regresseurs``, on
    corrige ce biais d'un pas (biais calculé sous l'AR ajusté, :func:`_autocovariances_attendues`,
    puis AR réajusté) ; sans, on garde la correction simple ``n / (n - k)`` de γ(0).
    """
    obs = ~np.isnan(residus)
    n = int(obs.sum())
    pmax = int(max(0, min(ORDRE_AR_MAX, n // 10)))
    r = autocovariances(residus, pmax + 1)
    if r[0] <= 0:
        gamma = np.zeros(N)
        return _ModeleBruit(gamma, 0, np.zeros(0), 0.0, 0.0, float(n), 1.0)
    p, phi, gamma = _ajuster_ar(r, n, pmax, N)
    corrige = False
    if regresseurs is not None and CORRIGER_BIAIS_AUTOCOVARIANCES:
        ech = np.ones(len(residus)) if echelle is None else echelle
        attendu = _autocovariances_attendues(gamma, obs, regresseurs, ech, pondere, pmax + 1)
        if attendu is not None:
            r_corr = r + (gamma[: pmax + 2] - attendu)
            if r_corr[0] > 0 and np.all(np.isfinite(r_corr)):
                p, phi, gamma = _ajuster_ar(r_corr, n, pmax, N)
                corrige = True
    if not corrige:
        # Correction des degrés de liberté des résidus (n - k paramètres estimés).
        gamma *= n / max(n - n_params, 1)
    vlt = float(gamma[0] + 2.0 * gamma[1:].sum())
    vlt = max(vlt, 1e-12 * gamma[0])
    n_eff = n * gamma[0] / vlt
    # Blancheur des innovations : Ljung-Box sur les résidus filtrés par l'AR(p).
    z = np.where(obs, residus - np.nanmean(residus), np.nan)
    innov = z.copy()
    for j, c in enumerate(phi, start=1):
        innov[j:] = innov[j:] - c * z[:-j]
    innov[:p] = np.nan
    blancheur_p = _ljung_box(innov, 14, p)
    return _ModeleBruit(gamma, p, phi, float(r[1] / r[0]) if len(r) > 1 else 0.0, vlt, float(n_eff),
                        blancheur_p)


def _ljung_box(e: np.ndarray, h: int, p_ar: int) -> float:
    """p-valeur de Ljung-Box des innovations (1 si la série est trop courte pour le test)."""
    if int((~np.isnan(e)).sum()) <= h + 5:
        return 1.0
    return ljung_box(e, h, p_ar)[1]


def _variance_forme(w: np.ndarray, gamma: np.ndarray) -> float:
    """Variance de w'ε pour un bruit stationnaire d'autocovariances gamma."""
    c = signal.fftconvolve(w, w[::-1], mode="full")[len(w) - 1:]
    return float(max(c[0] * gamma[0] + 2.0 * (c[1:] @ gamma[1: len(c)]), 0.0))


def _forme_quadratique(Z: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Z' Γ Z pour Γ de Toeplitz d'autocovariances gamma (lignes nulles = jours exclus)."""
    non_nuls = np.flatnonzero(np.abs(gamma) > 1e-12 * abs(gamma[0])) if gamma[0] else np.array([0])
    kmax = int(min(non_nuls.max() if len(non_nuls) else 0, len(Z) - 1))
    M = gamma[0] * (Z.T @ Z)
    for k in range(1, kmax + 1):
        C = Z[:-k].T @ Z[k:]
        M += gamma[k] * (C + C.T)
    return M


@dataclass
class _Estimation:
    effet: float
    erreur_type: float
    ddl: float
    predit: np.ndarray
    beta: np.ndarray
    cov_beta: np.ndarray | None
    bruit: _ModeleBruit
    masque_ref: np.ndarray
    masque_exp: np.ndarray
    somme_observee: float
    somme_predite: float
    fit: dict = field(default_factory=dict)
    sigma: np.ndarray | None = None  # échelle relative du bruit, jour par jour

    @property
    def quantile(self) -> float:
        return float(special.stdtrit(self.ddl, 0.5 + config.NIVEAU_CONFIANCE / 2))

    @property
    def p_valeur(self) -> float:
        if self.erreur_type <= 0:
            return 0.0 if self.effet != 0 else 1.0
        return float(2.0 * special.stdtr(self.ddl, -abs(self.effet / self.erreur_type)))


def _echelle_bruit(residus: np.ndarray, niveau: np.ndarray, masque: np.ndarray) -> np.ndarray:
    """Écart type relatif du bruit selon le niveau de consommation : |r| ≈ c0 + c1 × niveau.

    La variabilité journalière d'une consommation d'énergie croît avec son niveau (un jour
    d'hiver varie plus qu'un jour d'été) ; on modélise donc ε_t = σ_t η_t, η stationnaire.
    """
    a = np.abs(residus[masque])
    moyenne = float(a.mean()) if len(a) else 0.0
    if moyenne <= 0:
        return np.ones(len(niveau))
    A = np.column_stack([np.ones(masque.sum()), niveau[masque]])
    c, *_ = np.linalg.lstsq(A, a, rcond=None)
    sigma = c[0] + c[1] * niveau
    sigma = np.maximum(sigma, 0.2 * moyenne) / moyenne
    # Jours sans prédiction (sans météo, période neutralisée) : hors des deux périodes mesurées, leur
    # poids est nul dans toutes les formes linéaires ; une échelle neutre évite que 0 × NaN = NaN ne
    # contamine la variance de l'effet.
    return np.where(np.isfinite(sigma), sigma, 1.0)


def _estimer(y: np.ndarray, X: np.ndarray, ref: np.ndarray, exp: np.ndarray,
             bandes: bool = True, niveau: np.ndarray | None = None,
             derivees: Sequence[np.ndarray] = ()) -> _Estimation:
    """Ajuste sur ``ref``, prédit sur ``exp`` ; effet = Σ(observé - prédit) et son erreur type.

    ``niveau`` : série qui règle l'hétéroscédasticité du bruit (par défaut la prédiction).
    ``derivees`` : pour chaque température d'équilibre cherchée sur les données, la dérivée de la
    matrice ``∂X/∂T`` ; la prédiction ``X(T) β`` est alors un modèle non linéaire en (β, T) et
    la variance de l'effet est celle de la linéarisation (méthode delta des moindres carrés non
    linéaires) : jacobienne ``J = [X, (∂X/∂T) β]``, poids ``w = 1`` les jours d'expérimentation et
    ``-J_ref (J_ref' J_ref)^-1 Σ_exp J`` les jours de référence. La recherche du point d'équilibre
    est ainsi comptée dans l'intervalle.
    """
    obs = ~np.isnan(y)
    mr = ref & obs
    me = exp & obs
    Xb, yb = X[mr], y[mr]
    fit = _ols(Xb, yb)
    beta = fit["beta"]
    predit = X @ beta
    residus = np.where(mr, y - predit, np.nan)
    sigma = _echelle_bruit(residus, predit if niveau is None else niveau, mr)
    eta = residus / sigma
    # La série des résidus réduits de référence, sur le calendrier de la référence seulement.
    i_ref = np.flatnonzero(ref)
    premier, dernier = i_ref.min(), i_ref.max()
    bruit = _modele_bruit(eta[premier: dernier + 1], X.shape[1], len(y), regresseurs=X[premier: dernier + 1],
                          echelle=sigma[premier: dernier + 1])
    xtx_inv = np.linalg.pinv(Xb.T @ Xb)
    J = X
    if len(derivees):
        J = np.column_stack([X, *[dX @ beta for dX in derivees]])
    Jb = J[mr]
    s = J[me].sum(axis=0)
    w = np.zeros(len(y))
    w[me] = 1.0
    w[mr] = -(Jb @ (np.linalg.pinv(Jb.T @ Jb) @ s))
    var = _variance_forme(w * sigma, bruit.gamma)
    effet = float(np.sum(y[me] - predit[me]))
    cov_beta = None
    if bandes:
        Z = np.where(mr[:, None], X * sigma[:, None], 0.0)
        cov_beta = xtx_inv @ _forme_quadratique(Z, bruit.gamma) @ xtx_inv
    ddl = max(bruit.n_effectif - J.shape[1], 3.0)
    return _Estimation(effet, math.sqrt(var), ddl, predit, beta, cov_beta, bruit, mr, me,
                       float(np.sum(y[me])), float(np.sum(predit[me])), fit, sigma)


# --------------------------------------------------------------------------------------------
# Statistiques ASHRAE Guideline 14
# --------------------------------------------------------------------------------------------

def statistiques_ashrae(observe, predit, n_parametres: int) -> dict[str, float]:
    """CV(RMSE) et NMBE de l'ASHRAE Guideline 14, en %.

    ``CV(RMSE) = 100 × sqrt(Σ(y - ŷ)² / (n - p)) / ȳ`` ;
    ``NMBE = 100 × Σ(y - ŷ) / ((n - p) × ȳ)`` ; p = nombre de paramètres du modèle.
    """
    y = np.asarray(observe, dtype=float)
    yh = np.asarray(predit, dtype=float)
    garde = ~(np.isnan(y) | np.isnan(yh))
    y, yh = y[garde], yh[garde]
    n = len(y)
    ddl = n - n_parametres
    moyenne = float(y.mean()) if n else float("nan")
    if ddl <= 0 or moyenne == 0:
        return {"cv_rmse": float("nan"), "nmbe": float("nan"), "n": n, "p": n_parametres}
    r = y - yh
    return {
        "cv_rmse": 100.0 * math.sqrt(float(r @ r) / ddl) / moyenne,
        "nmbe": 100.0 * float(r.sum()) / (ddl * moyenne),
        "n": n,
        "p": n_parametres,
    }


# --------------------------------------------------------------------------------------------
# Préparation des données
# --------------------------------------------------------------------------------------------

def _date(x) -> pd.Timestamp:
    return pd.Timestamp(x).normalize()


def _periodes(periode_reference, periode_experimentation):
    r0, r1 = (_date(x) for x in periode_reference)
    e0, e1 = (_date(x) for x in periode_experimentation)
    if r1 < r0 or e1 < e0:
        raise ErreurDonnees("pilote.yaml", "une période se termine avant de commencer.", champ="periodes")
    if e0 <= r1:
        raise ErreurDonnees("pilote.yaml", "la période d'expérimentation commence avant la fin de la "
                            "période de référence.", champ="periodes",
                            attendu="une expérimentation qui suit la référence")
    return r0, r1, e0, e1


def _preparer(meteo: pd.DataFrame, calendrier: pd.DataFrame | None, r0, r1, e0, e1,
              colonnes_occupation: Sequence[str] | None, methode_dju: str,
              temperatures_horaires: pd.Series | None = None) -> _Donnees:
    dates = pd.date_range(r0, e1, freq="D")
    if meteo is None or "date" not in meteo.columns:
        raise ErreurDonnees("meteo", "la météo journalière est absente ou n'a pas de colonne « date ».",
                            attendu="colonnes date, temperature_min, temperature_max")
    m = meteo.copy()
    m["date"] = pd.to_datetime(m["date"]).dt.normalize()
    if m["date"].duplicated().any():
        j = m.loc[m["date"].duplicated(), "date"].iloc[0]
        raise ErreurDonnees("meteo", f"date en double : {j:%d/%m/%Y}.", colonne="date",
                            attendu="une ligne par jour")
    m = m.set_index("date").reindex(dates)
    for c in ("temperature_min", "temperature_max"):
        if c not in m.columns:
            raise ErreurDonnees("meteo", f"colonne « {c} » absente.", colonne=c,
                                attendu="colonnes date, temperature_min, temperature_max")
    tn = m["temperature_min"].astype(float).to_numpy()
    tx = m["temperature_max"].astype(float).to_numpy()
    if "temperature_moyenne" in m.columns:
        tmoy = m["temperature_moyenne"].astype(float).to_numpy()
        tmoy = np.where(np.isnan(tmoy), (tn + tx) / 2.0, tmoy)
    else:
        tmoy = (tn + tx) / 2.0
    occupation: dict[str, np.ndarray] = {}
    if calendrier is not None:
        cal = calendrier.copy()
        cal["date"] = pd.to_datetime(cal["date"]).dt.normalize()
        cal = cal.drop_duplicates("date").set_index("date").reindex(dates)
        cols = list(colonnes_occupation) if colonnes_occupation is not None else (
            ["inoccupe"] if "inoccupe" in cal.columns else [])
        for c in cols:
            if c not in cal.columns:
                raise ErreurDonnees("calendrier d'occupation", f"colonne « {c} » absente.", colonne=c)
            manque = cal[c].isna()
            if manque.any():
                j = dates[np.flatnonzero(manque.to_numpy())[0]]
                raise ErreurDonnees("calendrier d'occupation",
                                    f"le calendrier ne couvre pas le {j:%d/%m/%Y}.", colonne=c,
                                    attendu="une ligne par jour sur les deux périodes")
            serie = cal[c]
            if serie.dtype == bool or set(pd.unique(serie)) <= {True, False, 0, 1}:
                occupation[c] = serie.astype(bool).to_numpy().astype(float)
            else:
                niveaux = sorted(pd.unique(serie.astype(str)))
                for niv in niveaux[1:]:
                    occupation[f"{c}={niv}"] = (serie.astype(str) == niv).to_numpy().astype(float)
    ref = np.asarray((dates >= r0) & (dates <= r1))
    exp = np.asarray((dates >= e0) & (dates <= e1))
    t_horaire = None
    if methode_dju == "horaire":
        t_horaire = _matrice_horaire(temperatures_horaires, dates)
    elif methode_dju == "profil":
        # Profil horaire reconstitué à partir de TN et TX (minimale à l'aube, maximale l'après-midi).
        t_horaire = _profil_diurne(tn, tx)
    elif methode_dju not in ("moyenne", "costic"):
        raise ErreurDonnees("paramètres", f"méthode de degrés-jours inconnue : « {methode_dju} ».",
                            attendu="moyenne, costic, profil ou horaire")
    return _Donnees(dates, tmoy, tn, tx, occupation, ref, exp, methode_dju, t_horaire)


#: Un jour n'a de degrés-heures que s'il a au moins la moitié de ses températures horaires (CalTRACK).
HEURES_MIN = 12


def _matrice_horaire(temperatures_horaires, dates: pd.DatetimeIndex) -> np.ndarray:
    """Températures horaires rangées par jour civil local : tableau jours × 25 (NaN complète).

    Un jour qui a moins de :data:`HEURES_MIN` valeurs est entièrement manquant (il sera traité
    comme un jour sans météo). Les jours de changement d'heure ont 23 ou 25 valeurs.
    """
    if temperatures_horaires is None:
        raise ErreurDonnees("meteo", "la méthode « horaire » demande des températures horaires.",
                            attendu="temperatures_horaires : série de températures indexée par instant")
    t = pd.Series(temperatures_horaires, copy=True).astype(float).dropna()
    index = pd.DatetimeIndex(t.index)
    if index.tz is not None:
        index = index.tz_localize(None)  # heure locale du fuseau de la série
    jour = index.normalize()
    rang = pd.Series(np.arange(len(t)), index=index).groupby(jour).cumcount().to_numpy()
    garde = rang < 25
    tableau = pd.DataFrame({"jour": jour[garde], "rang": rang[garde], "t": t.to_numpy()[garde]})
    large = tableau.pivot(index="jour", columns="rang", values="t").reindex(dates)
    valeurs = large.reindex(columns=range(25)).to_numpy(dtype=float, copy=True)
    trop_peu = (~np.isnan(valeurs)).sum(axis=1) < HEURES_MIN
    valeurs[trop_peu] = np.nan
    return valeurs


def _grilles(temperature_base_chauffage, temperature_base_refroidissement, rechercher_refroidissement):
    if temperature_base_chauffage is None:
        t_ch = list(GRILLE_CHAUFFAGE)
    elif temperature_base_chauffage is False:
        t_ch = []
    else:
        t_ch = [float(temperature_base_chauffage)]
    if temperature_base_refroidissement is not None:
        t_fr = [float(temperature_base_refroidissement)]
    elif rechercher_refroidissement:
        t_fr = list(GRILLE_REFROIDISSEMENT)
    else:
        t_fr = []
    return t_ch, t_fr


# --------------------------------------------------------------------------------------------
# Mise en forme française
# --------------------------------------------------------------------------------------------


def _energie(x: float, unite: str) -> str:
    if unite == "kWh" and abs(x) >= 10_000:
        return f"{nombre(x / 1000, 0)} MWh"
    if unite == "kWh" and abs(x) >= 1_000:
        return f"{nombre(x / 1000, 1)} MWh"
    return f"{nombre(x, 0)} {unite}"


# --------------------------------------------------------------------------------------------
# Vérifications
# --------------------------------------------------------------------------------------------

def _verif_suffisance(y: np.ndarray, masque: np.ndarray, nom_periode: str, exiger_an: bool) -> Verification:
    jours = int(masque.sum())
    mesures = int((masque & ~np.isnan(y)).sum())
    part = 1 - mesures / jours if jours else 1.0
    phrase = (f"Période {nom_periode} : {mesures} jours mesurés sur {jours} "
              f"({pourcentage(part)} de jours manquants).")
    statut = "reussie"
    if part > 0.25 or mesures < 30:
        statut = "echec"
    elif part > PART_MANQUANTE_MAX:
        statut = "attention"
    if exiger_an and jours < JOURS_REFERENCE_MIN:
        statut = "attention" if statut == "reussie" else statut
        phrase += (f" La référence couvre moins d'un an ({jours} jours) : toutes les saisons ne sont "
                   "pas représentées (CalTRACK recommande 365 jours).")
    elif statut == "reussie":
        phrase += " Suffisant selon CalTRACK (au plus 10\u00a0% de jours manquants)."
    else:
        phrase += " Au-delà de 10\u00a0% de jours manquants, l'estimation est fragile (CalTRACK)."
    return Verification(f"Suffisance des données ({nom_periode})", statut, phrase, valeur=float(part))


def _stats_ashrae_reference(y: np.ndarray, predit: np.ndarray, masque: np.ndarray, dates, k: int):
    quotidien = statistiques_ashrae(y[masque], predit[masque], k)
    df = pd.DataFrame({"y": y[masque], "p": predit[masque]}, index=dates[masque])
    mensuel_df = df.groupby(df.index.to_period("M")).sum()
    mensuel = statistiques_ashrae(mensuel_df["y"], mensuel_df["p"], k)
    return quotidien, mensuel


def _verifs_ashrae(quotidien: dict, mensuel: dict) -> list[Verification]:
    cv, nm = mensuel["cv_rmse"], mensuel["nmbe"]
    v = []
    if math.isnan(cv):
        v.append(Verification("Ajustement mensuel (ASHRAE 14, CV(RMSE))", "attention",
                              "Trop peu de mois pour calculer le CV(RMSE) mensuel.", None))
    else:
        ok = cv <= SEUIL_CVRMSE_MENSUEL
        v.append(Verification(
            "Ajustement mensuel (ASHRAE 14, CV(RMSE))", "reussie" if ok else "echec",
            f"CV(RMSE) mensuel du modèle de référence : {nombre(cv, 1)}\u00a0% "
            f"({'sous le' if ok else 'au-dessus du'} seuil de 15\u00a0% de l'ASHRAE Guideline 14, "
            f"{mensuel['n']} mois).", float(cv)))
    if not math.isnan(nm):
        ok = abs(nm) <= SEUIL_NMBE_MENSUEL
        v.append(Verification(
            "Biais mensuel (ASHRAE 14, NMBE)", "reussie" if ok else "echec",
            f"NMBE mensuel : {nombre(nm, 2)}\u00a0% (seuil ±5\u00a0%). Nul par construction sur la période "
            "d'ajustement ; voir le placebo pour un biais hors échantillon.", float(nm)))
    cvq = quotidien["cv_rmse"]
    if not math.isnan(cvq):
        v.append(Verification(
            "Ajustement journalier (CV(RMSE))", "reussie" if cvq <= 30 else "attention",
            f"CV(RMSE) journalier : {nombre(cvq, 1)}\u00a0% (indicatif ; l'ASHRAE fixe 30\u00a0% pour un modèle "
            "horaire, aucun seuil pour un modèle journalier).", float(cvq)))
    return v


def _verif_autocorrelation(bruit: _ModeleBruit) -> Verification:
    phrase = (f"Les résidus de la référence sont autocorrélés (corrélation d'un jour au suivant : "
              f"{nombre(bruit.rho1, 2)}) ; l'incertitude en tient compte par un modèle AR({bruit.ordre}), "
              f"soit l'équivalent de {nombre(bruit.n_effectif, 0)} jours indépendants.")
    if bruit.blancheur_p < 0.01:
        return Verification("Autocorrélation des résidus", "attention",
                            phrase + " Il reste une structure que ce modèle ne capte pas "
                            f"(Ljung-Box p = {nombre(bruit.blancheur_p, 3)}) : l'intervalle peut être un peu "
                            "trop étroit.", float(bruit.rho1))
    return Verification("Autocorrélation des résidus", "reussie", phrase, float(bruit.rho1))


def _verif_placebo(y, X, d: _Donnees, unite: str, y_echelle=None, niveau=None) -> tuple[Verification, dict]:
    """Placebo dans le temps ; ``y_echelle`` : série dont la somme sert de dénominateur relatif."""
    i_ref = np.flatnonzero(d.ref & ~np.isnan(y))
    if len(i_ref) < 120:
        return (Verification("Placebo dans le temps", "attention",
                             "Référence trop courte pour un placebo dans le temps.", None), {})
    debut = i_ref[0]
    jours_ref = int(d.ref.sum())
    if jours_ref >= 540:
        coupe = debut + 365
    else:
        coupe = debut + int(round(jours_ref * 2 / 3))
    avant = d.ref & (np.arange(len(y)) < coupe)
    apres = d.ref & (np.arange(len(y)) >= coupe)
    est = _estimer(y, X, avant, apres, bandes=False, niveau=niveau)
    lo = est.effet - est.quantile * est.erreur_type
    hi = est.effet + est.quantile * est.erreur_type
    if y_echelle is None:
        denominateur = est.somme_predite
    else:
        denominateur = float(np.nansum(np.where(est.masque_exp, y_echelle, np.nan)))
    rel = est.effet / denominateur if denominateur else float("nan")
    nb_apres = int(apres.sum())
    infos = {"effet": est.effet, "ic_bas": lo, "ic_haut": hi, "effet_relatif": rel,
             "p_valeur": est.p_valeur, "jours_ajustement": int(avant.sum()), "jours_test": nb_apres}
    phrase = (f"Modèle ajusté sur les {int(avant.sum())} premiers jours de la référence, appliqué aux "
              f"{nb_apres} derniers, où rien n'a changé : écart {_energie(est.effet, unite)} "
              f"({pourcentage(rel)}), intervalle à 95\u00a0% [{_energie(lo, unite)} ; {_energie(hi, unite)}].")
    if lo <= 0 <= hi:
        return Verification("Placebo dans le temps", "reussie",
                            phrase + " Aucun effet fictif détecté.", float(rel)), infos
    return Verification("Placebo dans le temps", "echec",
                        phrase + " Un effet apparaît là où il ne devrait pas : la consommation a "
                        "dérivé pendant la référence (travaux, usage, consignes) et le modèle ne "
                        "l'explique pas.", float(rel)), infos


#: Durée de référence à partir de laquelle une tendance se distingue des saisons (12 mois).
JOURS_TENDANCE_MIN = 365
#: Seuil de la tendance : p < 0,05 (bilatéral), soit au plus 5 % de fausses alertes sans tendance.
P_TENDANCE = 0.05
#: À partir de deux cycles annuels (à quelques jours près), une forme saisonnière ne mime plus une
#: pente : pas d'harmoniques annuelles dans le contrôle de tendance (elles lui coûteraient de la puissance).
JOURS_SANS_HARMONIQUES = 700


def _verif_tendance(y: np.ndarray, X: np.ndarray, d: _Donnees, sigma: np.ndarray | None, niveau: np.ndarray,
                    avec_temoins: bool, libelle_exp: str, libelle_tem: str) -> tuple[Verification | None, dict]:
    """Tendance pendant la référence, à climat et occupation égaux (None si moins de 12 mois).

    On ajoute au modèle de référence une dérive proportionnelle à la consommation des sites
    équipés, ``τ × t × ŷE`` (t en années, ``niveau`` = ŷE) : τ est directement la dérive relative
    par an. Elle est estimée par moindres carrés pondérés (poids ``1/σ_t²``, l'échelle du bruit de
    l'effet : un jour d'hiver, plus bruité, pèse moins), donc linéaire dans les consommations
    (``τ = c'y``) ; sa variance ``(cσ)' Γ (cσ)`` se calcule avec le même modèle de bruit AR(p)
    que l'effet (estimé sur les résidus réduits du modèle avec dérive). Avec moins de deux ans de référence, deux harmoniques annuelles sont ajoutées : sur
    un seul cycle, une forme saisonnière mal captée (automne et printemps différents) passerait
    pour une pente. Avec des témoins, la série testée est la série nette ``yE - k yT`` : une
    tendance commune aux deux groupes se retire, une tendance propre aux sites équipés (baisse déjà
    en cours, travaux, usage) se prolongerait dans l'expérimentation et serait attribuée à la
    technologie.

    Statut : « echec » si la série baissait déjà (test unilatéral dans le sens de la baisse,
    p < 0,05) : une baisse déjà en cours se prolonge et fabrique ou gonfle une économie, le défaut
    qui mènerait à généraliser sur du bruit. Le sens est fixé d'avance (une technologie d'économie
    d'énergie), pas tiré des données : sans tendance, l'alerte sonne à tort dans 5 % des cas
    exactement (choisir le sens de l'effet estimé la ferait sonner plus souvent, l'effet et la
    pente de fin de référence étant corrélés par l'autocorrélation). Une hausse significative
    (bilatéral, p < 0,05) rend l'économie prudente (sous-estimée) : « attention ». Sinon « reussie ».
    Avec moins de deux ans de référence, le seuil de la baisse est 0,025 (un seul cycle annuel : la
    pente ne se juge que contre la forme saisonnière, la part lente du bruit s'estime sur la même
    année ; sans cette marge l'alerte sonnait à tort dans 7 à 8 % des cas simulés).
    """
    nom = "Tendance pendant la référence"
    i_ref = np.flatnonzero(d.ref)
    duree = int(i_ref.max() - i_ref.min() + 1) if len(i_ref) else 0
    obs = d.ref & ~np.isnan(y)
    if duree < JOURS_TENDANCE_MIN or obs.sum() < 0.5 * JOURS_TENDANCE_MIN:
        # Pas de vérification séparée : la suffisance des données signale déjà une référence de
        # moins d'un an (la compter deux fois pèserait deux fois dans la grille).
        return None, {"non_testee": f"référence de {duree} jours : moins de 12 mois, une tendance ne "
                                    "se distingue pas des saisons"}
    temps = (np.arange(len(y)) - i_ref.mean()) / 365.25
    colonnes = [X]
    harmoniques = duree < JOURS_SANS_HARMONIQUES
    if harmoniques:
        angle = 2 * np.pi * d.dates.day_of_year.to_numpy() / 365.25
        colonnes += [np.sin(angle), np.cos(angle)]
    Xt = np.column_stack([*colonnes, temps * np.nan_to_num(niveau)])
    s = np.ones(len(y)) if sigma is None else sigma
    obs = obs & np.isfinite(s) & (s > 0) & np.isfinite(niveau)
    Xb, yb, sb = Xt[obs], y[obs], s[obs]
    Xw = Xb / sb[:, None]
    if np.linalg.matrix_rank(Xw) < Xw.shape[1]:
        return (Verification(nom, "attention", "Tendance non estimable (temps confondu avec le modèle).",
                             None), {})
    inv = np.linalg.pinv(Xw.T @ Xw)
    beta = inv @ (Xw.T @ (yb / sb))
    residus = np.where(obs, y - Xt @ beta, np.nan)
    premier, dernier = i_ref.min(), i_ref.max()
    bruit = _modele_bruit((residus / s)[premier: dernier + 1], Xt.shape[1], len(y),
                          regresseurs=Xt[premier: dernier + 1], echelle=s[premier: dernier + 1], pondere=True)
    c = np.zeros(len(y))
    c[obs] = (Xw @ inv[:, -1]) / sb  # τ = c'y
    se = math.sqrt(_variance_forme(c * s, bruit.gamma))
    pente = float(beta[-1])  # dérive relative par an
    ddl = max(bruit.n_effectif - Xt.shape[1], 3.0)
    q = float(special.stdtrit(ddl, 0.5 + config.NIVEAU_CONFIANCE / 2))
    t_stat = pente / se if se > 0 else (math.copysign(math.inf, pente) if pente else 0.0)
    p_bilateral = float(2.0 * special.stdtr(ddl, -abs(t_stat)))
    # Test unilatéral dans le sens de la baisse : P(pente au moins aussi négative | aucune tendance).
    p_baisse = float(special.stdtr(ddl, t_stat))
    rel, rel_lo, rel_hi = pente, pente - q * se, pente + q * se
    # Écart qu'ajoute la tendance prolongée, du milieu de la référence au milieu de l'expérimentation.
    prolongee = rel * float(temps[d.exp].mean()) if math.isfinite(rel) and d.exp.any() else float("nan")
    infos = {"erreur_type": se, "p_valeur": p_bilateral, "p_valeur_baisse": p_baisse,
             "derive_relative_par_an": rel, "ic_relatif": (rel_lo, rel_hi), "ecart_prolonge_relatif": prolongee,
             "jours": int(obs.sum()), "harmoniques_annuelles": harmoniques,
             "serie": "nette" if avec_temoins else "sites"}
    serie = (f"de l'écart entre {libelle_exp} et {libelle_tem} (série nette)" if avec_temoins
             else f"de la consommation de {libelle_exp}")
    phrase = (f"Sur les {int(obs.sum())} jours de la référence, à climat et occupation égaux, la tendance "
              f"{serie} vaut {pourcentage(rel)} par an de la consommation des sites équipés "
              f"(intervalle à 95\u00a0% : {pourcentage(rel_lo)} à {pourcentage(rel_hi)} par an).")
    valeur = float(rel) if math.isfinite(rel) else None
    # Un seul cycle annuel : la pente ne se juge que contre la forme saisonnière, et la part lente du
    # bruit s'estime sur la même année ; on demande une preuve deux fois plus forte (2,5 % par côté).
    seuil = P_TENDANCE if not harmoniques else P_TENDANCE / 2
    infos["seuil"] = seuil
    if p_baisse < seuil:
        return Verification(
            nom, "echec",
            phrase + " La consommation dérivait déjà avant l'expérimentation"
            + (", dans les sites équipés et pas dans les témoins" if avec_temoins else "")
            + f" : prolongée, cette baisse ferait à elle seule un écart de l'ordre de {pourcentage(prolongee)} "
            "pendant l'expérimentation, attribué à tort à la technologie.",
            valeur), infos
    if pente > 0 and p_bilateral < P_TENDANCE:
        return Verification(
            nom, "attention",
            phrase + " La consommation augmentait déjà avant l'expérimentation"
            + (", dans les sites équipés plus que dans les témoins" if avec_temoins else "")
            + f" : prolongée, cette hausse ferait un écart de l'ordre de {pourcentage(prolongee)} pendant "
            "l'expérimentation ; une économie mesurée est alors probablement sous-estimée d'autant.",
            valeur), infos
    fin = (" Aucune dérive propre aux sites équipés n'est décelée." if avec_temoins
           else " Aucune dérive n'est décelée.")
    return Verification(nom, "reussie", phrase + fin, valeur), infos


def _verif_extrapolation(d: _Donnees, y: np.ndarray) -> Verification:
    tr = d.tmoy[d.ref & ~np.isnan(y)]
    te = d.tmoy[d.exp & ~np.isnan(y)]
    if len(tr) == 0 or len(te) == 0:
        return Verification("Domaine de température", "attention", "Températures insuffisantes.", None)
    hors = float(np.mean((te < tr.min()) | (te > tr.max())))
    phrase = (f"Températures moyennes de la référence : {nombre(tr.min(), 1)} à {nombre(tr.max(), 1)} °C ; "
              f"{pourcentage(hors)} des jours d'expérimentation en sortent.")
    return Verification("Domaine de température", "reussie" if hors <= 0.05 else "attention",
                        phrase + (" Le modèle n'extrapole pas." if hors <= 0.05 else
                                  " Le modèle extrapole hors de ce qu'il a appris."), hors)


def _verif_incertitude_ashrae(effet: float, se: float) -> Verification:
    z68 = float(stats.norm.ppf(0.84))
    ratio = z68 * se / abs(effet) if effet else float("inf")
    ok = ratio < 0.5
    return Verification(
        "Incertitude des économies (ASHRAE 14)", "reussie" if ok else "attention",
        f"À 68\u00a0% de confiance, l'incertitude vaut {pourcentage(ratio, 0) if math.isfinite(ratio) else 'plus de ' + pourcentage(1.0, 0)} "
        f"de l'écart mesuré ({'sous' if ok else 'au-dessus de'} la limite de 50\u00a0% de l'ASHRAE Guideline 14).",
        float(ratio) if math.isfinite(ratio) else None)


def _verif_forme(spec: SpecificationModele) -> Verification:
    if spec.forme == "constante":
        return Verification("Sensibilité au climat", "attention",
                            "Aucune pente de chauffage ou de refroidissement significative : la "
                            "consommation ne suit pas la météo, la normalisation climatique n'apporte rien "
                            "et l'évaluation revient à comparer des moyennes.", None)
    return Verification("Sensibilité au climat", "reussie",
                        f"Modèle retenu : {spec.libelle()}.", None)


def _tableau_coefficients(noms, est: _Estimation) -> pd.DataFrame:
    se_hac = np.sqrt(np.diag(est.cov_beta)) if est.cov_beta is not None else np.full(len(noms), np.nan)
    return pd.DataFrame({
        "variable": noms,
        "coefficient": est.beta,
        "erreur_type_ols": est.fit["se"],
        "p_valeur_ols": est.fit["p"],
        "erreur_type_autocorrelation": se_hac,
    })


def _contrefactuel(d: _Donnees, y, cf, X, est: _Estimation) -> pd.DataFrame:
    var_param = np.einsum("ij,jk,ik->i", X, est.cov_beta, X) if est.cov_beta is not None else 0.0
    sigma = est.sigma if est.sigma is not None else 1.0
    demi = est.quantile * np.sqrt(np.maximum(var_param + sigma**2 * est.bruit.gamma[0], 0.0))
    garde = d.ref | d.exp
    df = pd.DataFrame({
        "date": d.dates,
        "observe": y,
        "contrefactuel": cf,
        "contrefactuel_bas": cf - demi,
        "contrefactuel_haut": cf + demi,
        "periode": np.where(d.ref, "reference", np.where(d.exp, "experimentation", "")),
    })
    return df.loc[garde].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# API publique
# --------------------------------------------------------------------------------------------

def reference_energetique(
    consommation: pd.Series | pd.DataFrame,
    meteo: pd.DataFrame,
    periode_reference: tuple,
    periode_experimentation: tuple,
    *,
    calendrier: pd.DataFrame | None = None,
    colonnes_occupation: Sequence[str] | None = None,
    indicateur: str = "consommation",
    unite: str = "kWh",
    temperature_base_chauffage: float | None = None,
    temperature_base_refroidissement: float | None = None,
    rechercher_refroidissement: bool = True,
    methode_dju: str | None = None,
    temperatures_horaires: pd.Series | None = None,
    libelle_sites: str = "le bâtiment",
) -> ResultatImpact:
    """Économies d'énergie à climat égal (IPMVP option C), sans site témoin.

    Paramètres
    ----------
    consommation : série journalière indexée par date, ou DataFrame (date, valeur).
    meteo : DataFrame date, temperature_min, temperature_max (temperature_moyenne facultative).
    periode_reference, periode_experimentation : (début, fin), bornes incluses.
    calendrier : DataFrame date + colonnes d'occupation (par exemple ``inoccupe``), facultatif ;
        voir :func:`eprouvette.domaines.energie.calendrier_ecoles`.
    colonnes_occupation : colonnes du calendrier à utiliser (défaut : ``inoccupe`` si présente).
    temperature_base_chauffage : None = recherche de 10 à 22 °C ; un nombre = fixée (18 pour les
        DJU classiques) ; False = pas de terme de chauffage.
    temperature_base_refroidissement, rechercher_refroidissement : idem pour le refroidissement.
    methode_dju : « moyenne » (``max(0, T - Tmoy)``), « costic » (DJU COSTIC à partir de TN, TX),
        « profil » (degrés-heures d'un profil horaire reconstitué à partir de TN et TX, minimale à
        l'aube, maximale l'après-midi : :func:`eprouvette.domaines.energie.profil_diurne` ; c'est
        le choix des pilotes dont le fichier météo a TN et TX) ou « horaire » (degrés-heures :
        moyenne sur les heures du jour de ``max(0, T - T_h)``) ; par défaut « horaire » si
        ``temperatures_horaires`` est fournie, sinon « moyenne ».
    temperatures_horaires : températures horaires (°C) indexées par instant en heure locale
        (ou avec fuseau : le jour civil est celui de ce fuseau), facultatives. Un jour qui en a
        moins de 12 est traité comme un jour sans météo.

    Renvoie un :class:`ResultatImpact` (effet = mesuré - contrefactuel, négatif si économie).
    """
    serie = _en_serie(consommation)
    return _evaluer({"experimental": serie}, None, meteo, periode_reference, periode_experimentation,
                    calendrier=calendrier, colonnes_occupation=colonnes_occupation,
                    indicateur=indicateur, unite=unite,
                    temperature_base_chauffage=temperature_base_chauffage,
                    temperature_base_refroidissement=temperature_base_refroidissement,
                    rechercher_refroidissement=rechercher_refroidissement, methode_dju=methode_dju,
                    temperatures_horaires=temperatures_horaires,
                    libelle_exp=libelle_sites, libelle_tem="", n_sites=(1, 0))


def _en_serie(consommation) -> pd.Series:
    if isinstance(consommation, pd.DataFrame):
        if not {"date", "valeur"} <= set(consommation.columns):
            raise ErreurDonnees("mesures fournies", "colonnes « date » et « valeur » attendues.",
                                attendu="un DataFrame date, valeur ou une série indexée par date")
        s = consommation.groupby(pd.to_datetime(consommation["date"]).dt.normalize())["valeur"].sum(min_count=1)
    else:
        s = consommation.copy()
        s.index = pd.to_datetime(s.index).normalize()
        s = s.groupby(level=0).sum(min_count=1)
    return s.astype(float)


def _lieu_mesures(fichiers_mesures: Sequence[str | Path] | str | Path | None) -> tuple[str | Path, str]:
    """(fichier à nommer dans l'erreur, précision à ajouter au message) pour les mesures fournies.

    Un seul fichier : il est nommé tel quel. Plusieurs : le premier est nommé et les autres sont
    cités dans le message. Aucun (méthode appelée hors d'un pilote) : libellé « mesures fournies ».
    """
    if fichiers_mesures is None or isinstance(fichiers_mesures, (str, Path)):
        fichiers = [fichiers_mesures] if fichiers_mesures else []
    else:
        fichiers = list(fichiers_mesures)
    if not fichiers:
        return "mesures fournies", ""
    if len(fichiers) == 1:
        return fichiers[0], ""
    return fichiers[0], (" (ni dans les autres fichiers de mesures : "
                         + ", ".join(Path(f).name for f in fichiers[1:]) + ")")


def _somme_groupe(mesures: pd.DataFrame, sites: Sequence[str], indicateur: str,
                  fichiers_mesures: Sequence[str | Path] | str | Path | None = None) -> tuple[pd.Series, dict]:
    """Somme journalière d'un groupe de sites ; un jour manque si un site manque.

    Les mesures infra-journalières sont sommées par jour ; un jour qui a moins de la moitié de ses
    pas de temps habituels est manquant (CalTRACK), sinon sa somme est ramenée au jour complet.
    ``fichiers_mesures`` : le(s) fichier(s) d'où viennent les mesures, nommés dans l'erreur.
    """
    m = mesures.loc[(mesures["indicateur"] == indicateur) & mesures["site"].isin(sites)]
    presents = set(m["site"].unique())
    absents = [s for s in sites if s not in presents]
    if absents and not (mesures["indicateur"] == indicateur).any():
        fichier, autres = _lieu_mesures(fichiers_mesures)
        raise ErreurDonnees(fichier, f"aucune mesure de « {indicateur} » : aucune ligne du fichier ne porte cet "
                            f"indicateur{autres}.", colonne="indicateur",
                            attendu=f"des lignes dont la colonne « indicateur » vaut « {indicateur} » "
                                    "(l'identifiant déclaré dans pilote.yaml)",
                            conseil="Vérifiez l'orthographe de l'indicateur dans le fichier de mesures.")
    if absents:
        fichier, autres = _lieu_mesures(fichiers_mesures)
        liste = ", ".join(_court(a) for a in absents[:10])
        if len(absents) > 10:
            liste += f" et {len(absents) - 10} autres"
        raise ErreurDonnees(fichier, f"aucune mesure de « {_court(indicateur)} » pour {accord(len(absents), 'le site', 'les sites')} "
                            + liste + autres + ".", colonne="site",
                            attendu="des mesures pour chaque site déclaré dans pilote.yaml")
    # Sommes et nombres de mesures par site et par jour, en numpy (la recherche par site dans un
    # groupby pandas coûtait plus que tout le reste) : mêmes jours, mêmes valeurs.
    m = m.loc[m["valeur"].notna()]
    jours, uniques = pd.factorize(pd.to_datetime(m["date"]).dt.normalize(), sort=True)
    colonnes = list(dict.fromkeys(sites))
    code_site = pd.Index(colonnes).get_indexer(m["site"])
    valeurs = m["valeur"].to_numpy(dtype=float)
    J = len(uniques)
    tableau = np.full((len(colonnes), J), np.nan)
    for i, site in enumerate(colonnes):
        lignes = code_site == i
        if not lignes.any():
            raise KeyError(site)
        compte = np.bincount(jours[lignes], minlength=J)
        somme = np.bincount(jours[lignes], weights=valeurs[lignes], minlength=J)
        present = compte > 0
        effectifs, frequences = np.unique(compte[present], return_counts=True)
        attendu = effectifs[np.argmax(frequences)]  # le mode (le plus petit en cas d'égalité)
        with np.errstate(invalid="ignore", divide="ignore"):
            valeur = somme * attendu / compte
        valeur[~present | (compte < 0.5 * attendu)] = np.nan
        tableau[i] = valeur
    total = tableau.sum(axis=0) if len(colonnes) == len(sites) else np.full(tableau.shape[1], np.nan)
    total[np.isnan(tableau).any(axis=0)] = np.nan
    index = pd.DatetimeIndex(uniques, name="jour")  # les jours où au moins un site a une mesure
    return pd.Series(total, index=index), {s: int((~np.isnan(tableau[colonnes.index(s)])).sum()) for s in sites}


def evaluer_energie(
    mesures: pd.DataFrame,
    meteo: pd.DataFrame,
    sites_experimentaux: Sequence[str],
    sites_temoins: Sequence[str],
    indicateur: str,
    periode_reference: tuple,
    periode_experimentation: tuple,
    calendrier: pd.DataFrame | None = None,
    *,
    unite: str = "kWh",
    colonnes_occupation: Sequence[str] | None = None,
    temperature_base_chauffage: float | None = None,
    temperature_base_refroidissement: float | None = None,
    rechercher_refroidissement: bool = True,
    methode_dju: str | None = None,
    temperatures_horaires: pd.Series | None = None,
    fichiers_mesures: Sequence[str | Path] | str | Path | None = None,
) -> ResultatImpact:
    """Effet d'une expérimentation énergie, à climat égal, corrigé par les sites témoins.

    Paramètres
    ----------
    mesures : format long, colonnes ``date`` (datetime64), ``site``, ``indicateur``, ``valeur``.
    meteo : ``date``, ``temperature_min``, ``temperature_max`` (``temperature_moyenne`` facultative).
    sites_experimentaux, sites_temoins : identifiants des sites (rôles de pilote.yaml) ; la liste
        des témoins peut être vide (on revient alors à la seule référence ajustée au climat).
    indicateur : identifiant de l'indicateur à évaluer (par exemple ``consommation_chauffage``).
    periode_reference, periode_experimentation : (début, fin), bornes incluses.
    calendrier : occupation journalière (``date``, ``inoccupe``…), facultatif.
    fichiers_mesures : fichier(s) d'où viennent les mesures (chemins), nommés dans les erreurs.
    Les autres options sont celles de :func:`reference_energetique`.

    Les consommations sont sommées par jour dans chaque groupe ; l'effet principal est l'effet net
    (groupe expérimental moins dérive des témoins ramenée à sa taille), voir l'en-tête du module.
    """
    if not sites_experimentaux:
        raise ErreurDonnees("pilote.yaml", "aucun site expérimental.", champ="sites",
                            attendu="au moins un site de rôle « experimental »")
    manquantes = {"date", "site", "indicateur", "valeur"} - set(mesures.columns)
    if manquantes:
        raise ErreurDonnees(_lieu_mesures(fichiers_mesures)[0],
                            "colonnes absentes : " + ", ".join(sorted(manquantes)) + ".",
                            attendu="date, site, indicateur, valeur")
    y_e, comptes_e = _somme_groupe(mesures, list(sites_experimentaux), indicateur, fichiers_mesures)
    series = {"experimental": y_e}
    y_t = None
    if sites_temoins:
        y_t, comptes_t = _somme_groupe(mesures, list(sites_temoins), indicateur, fichiers_mesures)
    n = len(sites_experimentaux)
    nt = len(sites_temoins or [])
    libelle_e = f"les {n} sites équipés" if n > 1 else "le site équipé"
    libelle_t = f"les {nt} sites témoins" if nt > 1 else "le site témoin"
    return _evaluer(series, y_t, meteo, periode_reference, periode_experimentation,
                    calendrier=calendrier, colonnes_occupation=colonnes_occupation,
                    indicateur=indicateur, unite=unite,
                    temperature_base_chauffage=temperature_base_chauffage,
                    temperature_base_refroidissement=temperature_base_refroidissement,
                    rechercher_refroidissement=rechercher_refroidissement, methode_dju=methode_dju,
                    temperatures_horaires=temperatures_horaires,
                    libelle_exp=libelle_e, libelle_tem=libelle_t, n_sites=(n, nt),
                    fichiers_mesures=fichiers_mesures)


def _series_alignees(serie_e: pd.Series, y_t_serie: pd.Series | None, d: _Donnees, methode_dju: str,
                     fichiers_mesures) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Séries des sites équipés (et des témoins) sur le calendrier de la météo : un jour sans météo,
    ou sans mesure dans l'un des deux groupes, est manquant dans les deux. Renvoie aussi le nombre
    de jours mesurés écartés faute de météo ; ErreurDonnees s'il reste trop peu de jours."""
    y_e = np.array(serie_e.reindex(d.dates), dtype=float)
    sans_meteo = np.isnan(d.tmoy) | (np.isnan(d.tn) & (methode_dju == "costic"))
    if d.t_horaire is not None:
        sans_meteo |= np.isnan(d.t_horaire).all(axis=1)
    jours_sans_meteo = int(((d.ref | d.exp) & sans_meteo & ~np.isnan(y_e)).sum())
    y_e[sans_meteo] = np.nan
    y_t = None
    if y_t_serie is not None:
        y_t = np.array(y_t_serie.reindex(d.dates), dtype=float)
        y_t[sans_meteo] = np.nan
        commun = np.isnan(y_e) | np.isnan(y_t)
        y_e[commun] = np.nan
        y_t[commun] = np.nan
    if int((d.ref & ~np.isnan(y_e)).sum()) < 30 or int((d.exp & ~np.isnan(y_e)).sum()) < 1:
        raise ErreurDonnees(_lieu_mesures(fichiers_mesures)[0], "trop peu de jours mesurés (avec météo) dans les périodes "
                            "du pilote pour évaluer l'effet.",
                            attendu="au moins 30 jours de référence et des jours d'expérimentation")
    return y_e, y_t, jours_sans_meteo


def _corriger_par_temoins(y_e: np.ndarray, y_t: np.ndarray, d: _Donnees, X: np.ndarray, est_e: _Estimation,
                          t_ch, t_fr, occupation, derivees, fichiers_mesures, details: dict):
    """Avec des sites témoins : leur propre modèle, le facteur d'échelle k, la série nette y_E − k y_T
    ajustée sur le modèle des sites équipés, et le contrefactuel du groupe expérimental. Renvoie
    l'estimation nette, le contrefactuel, la série et la matrice des contrôles (placebo, tendance),
    l'estimation et le modèle des témoins et k ; complète ``details``."""
    # Les témoins ont leur propre point d'équilibre (cherché sur leurs données, même grille) :
    # deux groupes de bâtiments ne basculent pas en chauffage à la même température.
    spec_t, _, _ = _choisir_modele(y_t, d, t_ch, t_fr, occupation)
    X_t, noms_t = _matrice(spec_t, d)
    derivees_t = _derivees_equilibre(spec_t, d, t_ch, t_fr) if COMPTER_RECHERCHE else []
    est_t = _estimer(y_t, X_t, d.ref, d.exp, bandes=False, derivees=derivees_t)
    k = est_e.somme_predite / est_t.somme_predite if est_t.somme_predite else float("nan")
    if not math.isfinite(k) or k <= 0:
        raise ErreurDonnees(_lieu_mesures(fichiers_mesures)[0], "la consommation prédite des témoins est nulle ou négative.",
                            conseil="Vérifiez les mesures des sites témoins.")
    dnet = y_e - k * y_t
    # Effet : la série nette est ajustée sur le modèle des sites équipés (c'est l'estimateur
    # « même matrice » de l'en-tête, bien calibré en simulation). Ses contrôles (placebo,
    # tendance), qui comparent des saisons entre elles, utilisent les colonnes des deux modèles
    # (l'espérance X βE - k X_t βT y est exactement) : avec le seul modèle des équipés, la
    # courbure propre aux témoins passait pour une dérive.
    est = _estimer(dnet, X, d.ref, d.exp, niveau=est_e.predit, derivees=derivees)
    X_net, _ = _union_colonnes(X, derivees, X_t, derivees_t)
    # Contrefactuel du groupe expérimental : ce que prédit la série nette, plus les témoins
    # ramenés à leur taille (k yT + X β_net).
    cf = np.where(d.exp, k * y_t + est.predit, est_e.predit)
    derive_t = est_t.effet / est_t.somme_predite
    details.update({
        "effet_groupe_temoin": est_t.effet,
        "erreur_type_groupe_temoin": est_t.erreur_type,
        "derive_relative_temoins": derive_t,
        "facteur_echelle_temoins": k,
        "modele_temoins": spec_t.libelle(),
        "temperature_equilibre_chauffage_temoins": spec_t.t_chauffage,
        "temperature_equilibre_refroidissement_temoins": spec_t.t_refroidissement,
        "coefficients_temoins": pd.DataFrame({"variable": noms_t, "coefficient": est_t.beta}),
        "effet_sans_temoins": est_e.effet,
        "ic_sans_temoins": (est_e.effet - est_e.quantile * est_e.erreur_type,
                            est_e.effet + est_e.quantile * est_e.erreur_type),
        "ordre_ar_net": est.bruit.ordre,
    })
    return est, cf, dnet, X_net, est_t, spec_t, k


def _evaluer(series: dict[str, pd.Series], y_t_serie: pd.Series | None, meteo, periode_reference,
             periode_experimentation, *, calendrier, colonnes_occupation, indicateur, unite,
             temperature_base_chauffage, temperature_base_refroidissement, rechercher_refroidissement,
             methode_dju, libelle_exp, libelle_tem, n_sites,
             temperatures_horaires=None, fichiers_mesures=None) -> ResultatImpact:
    r0, r1, e0, e1 = _periodes(periode_reference, periode_experimentation)
    if methode_dju is None:
        methode_dju = "horaire" if temperatures_horaires is not None else "moyenne"
    d = _preparer(meteo, calendrier, r0, r1, e0, e1, colonnes_occupation, methode_dju,
                  temperatures_horaires)
    occupation = tuple(d.occupation)
    y_e, y_t, jours_sans_meteo = _series_alignees(series["experimental"], y_t_serie, d, methode_dju,
                                                  fichiers_mesures)
    avec_temoins = y_t is not None
    t_ch, t_fr = _grilles(temperature_base_chauffage, temperature_base_refroidissement,
                          rechercher_refroidissement)
    spec, _, essais = _choisir_modele(y_e, d, t_ch, t_fr, occupation)
    X, noms = _matrice(spec, d)

    derivees = _derivees_equilibre(spec, d, t_ch, t_fr) if COMPTER_RECHERCHE else []
    est_e = _estimer(y_e, X, d.ref, d.exp, derivees=derivees)
    k_params = X.shape[1]
    q_ash, m_ash = _stats_ashrae_reference(y_e, est_e.predit, est_e.masque_ref, d.dates, k_params)

    details: dict[str, Any] = {
        "modele": spec.libelle(),
        "forme": spec.forme,
        "temperature_equilibre_chauffage": spec.t_chauffage,
        "temperature_equilibre_refroidissement": spec.t_refroidissement,
        "occupation": list(occupation),
        "coefficients": _tableau_coefficients(noms, est_e),
        "r2_ajuste": est_e.fit["r2_ajuste"],
        "ashrae_journalier": q_ash,
        "ashrae_mensuel": m_ash,
        "ordre_ar": est_e.bruit.ordre,
        "autocorrelation_lag1": est_e.bruit.rho1,
        "jours_reference": int(est_e.masque_ref.sum()),
        "jours_experimentation": int(est_e.masque_exp.sum()),
        "jours_sans_meteo": jours_sans_meteo,
        "methode_dju": methode_dju,
        "candidats": pd.DataFrame(essais),
        "choix_agregation": "somme journalière par groupe ; jour manquant si un site manque",
        "effet_groupe_experimental": est_e.effet,
        "erreur_type_groupe_experimental": est_e.erreur_type,
    }

    verifs = [
        _verif_suffisance(y_e, d.ref, "de référence", exiger_an=True),
        _verif_suffisance(y_e, d.exp, "d'expérimentation", exiger_an=False),
        _verif_forme(spec),
        *_verifs_ashrae(q_ash, m_ash),
        _verif_extrapolation(d, y_e),
    ]

    est_t = spec_t = None
    k = 0.0
    if avec_temoins:
        est, cf, y_placebo, X_placebo, est_t, spec_t, k = _corriger_par_temoins(
            y_e, y_t, d, X, est_e, t_ch, t_fr, occupation, derivees, fichiers_mesures, details)
    else:
        est = est_e
        cf = est_e.predit
        y_placebo = y_e
        X_placebo = X

    # La recherche des températures d'équilibre sur les mêmes données est comptée dans l'incertitude.
    if REECHANTILLONNER_RECHERCHE and (len(t_ch) > 1 or len(t_fr) > 1):
        groupes = [(y_e, est_e, spec)] + ([(y_t, est_t, spec_t)] if avec_temoins else [])
        recherche = _facteur_recherche(d, groupes, k, t_ch, t_fr, occupation)
        est.erreur_type *= math.sqrt(recherche["facteur"])
        details["recherche_equilibre"] = recherche

    effet = est.effet
    se = est.erreur_type
    q = est.quantile
    lo, hi = effet - q * se, effet + q * se
    total_cf = float(np.nansum(np.where(est.masque_exp, cf, np.nan)))
    total_obs = float(np.nansum(y_e[est.masque_exp]))
    details.update({"total_observe": total_obs,
                    "total_contrefactuel": total_cf,
                    "degres_liberte": est.ddl,
                    "n_effectif": est.bruit.n_effectif})

    verifs.append(_verif_autocorrelation(est.bruit))
    v_placebo, infos_placebo = _verif_placebo(y_placebo, X_placebo, d, unite, y_e if avec_temoins else None,
                                                 est_e.predit if avec_temoins else None)
    verifs.append(v_placebo)
    details["placebo"] = infos_placebo
    v_tendance, infos_tendance = _verif_tendance(y_placebo, X_placebo, d, est.sigma, est_e.predit, avec_temoins,
                                                  libelle_exp, libelle_tem)
    if v_tendance is not None:
        verifs.append(v_tendance)
    details["tendance_reference"] = infos_tendance
    verifs.append(_verif_incertitude_ashrae(effet, se))
    if avec_temoins:
        verifs.append(Verification(
            "Dérive des sites témoins", "reussie",
            f"À climat égal, {libelle_tem} ont consommé {pourcentage(details['derive_relative_temoins'])} par "
            "rapport à leur propre référence ; cette dérive commune est retirée de l'effet.",
            float(details["derive_relative_temoins"])))

    contrefactuel = _contrefactuel(d, y_e, cf, X, est)
    methode, libelle, justification, limites = _textes_plan(avec_temoins, spec)

    # L'effet relatif suit la définition commune (base.intervalle_relatif) : borne e -> e / (O - e).
    return ResultatImpact.construire(
        methode=methode,
        libelle_methode=libelle,
        indicateur=indicateur,
        unite=unite,
        effet=effet,
        ic_bas=lo,
        ic_haut=hi,
        p_valeur=est.p_valeur,
        total_observe=total_obs,
        erreur_type=se,
        effet_minimal_detectable=effet_minimal_detectable(se),
        contrefactuel=contrefactuel,
        verifications=verifs,
        resume=lambda res: _resume(effet, lo, hi, res.effet_relatif, res.ic_relatif_bas, res.ic_relatif_haut, unite,
                                   libelle_exp, libelle_tem, avec_temoins, lo > 0 or hi < 0, est.masque_exp.sum()),
        justification=justification,
        limites=limites,
        details=details,
        raison_indeterminee=None if math.isfinite(se) and se > 0 else (
            "la variance de l'écart n'a pas pu être estimée (résidus de la référence nuls ou "
            "non finis : série constante, ou modèle qui reproduit exactement la référence)."),
    )


def _textes_plan(avec_temoins: bool, spec: SpecificationModele) -> tuple[str, str, str, list[str]]:
    """Identifiant, libellé, justification et limites du plan (avec ou sans sites témoins)."""
    if avec_temoins:
        libelle = "Référence ajustée au climat (IPMVP option C) corrigée par des sites témoins"
        methode = "reference_energetique_temoins"
        justification = (
            "La consommation de chauffage dépend d'abord de la météo et de l'occupation : un modèle "
            "appris sur la période de référence prédit ce qu'auraient consommé les bâtiments équipés "
            "avec la météo réelle de l'expérimentation (IPMVP option C, modèle journalier en degrés-jours "
            "dans l'esprit de CalTRACK). Les sites témoins, non équipés, mesurent ce qui a changé pour "
            "tous pendant la même période (consignes, prix de l'énergie, usage) ; leur dérive est retirée.")
        limites = [
            "Les sites témoins doivent réagir comme les sites équipés aux changements communs ; une "
            "différence d'usage propre à un groupe pendant l'expérimentation serait attribuée à la technologie.",
            "La dérive des témoins est supposée proportionnelle à la consommation prédite.",
            "Les modifications non routinières (travaux, extension, changement d'usage) doivent être "
            "déclarées : elles ne sont pas corrigées automatiquement.",
        ]
    else:
        libelle = "Référence ajustée au climat (IPMVP option C)"
        methode = "reference_energetique"
        justification = (
            "La consommation de chauffage dépend d'abord de la météo et de l'occupation : un modèle "
            "appris sur la période de référence prédit ce qu'aurait été la consommation avec la météo "
            "réelle de l'expérimentation (IPMVP option C, modèle journalier en degrés-jours dans "
            "l'esprit de CalTRACK). Aucun site témoin n'est disponible.")
        limites = [
            "Sans site témoin, tout changement commun survenu pendant l'expérimentation (consignes de "
            "sobriété, prix de l'énergie, occupation, horaires) est attribué à la technologie : "
            "l'effet peut être surestimé ou sous-estimé d'autant.",
            "Les modifications non routinières (travaux, extension, changement d'usage) doivent être "
            "déclarées : elles ne sont pas corrigées automatiquement.",
        ]
    limites.append("L'incertitude suppose un bruit stationnaire : même variabilité et même "
                   "autocorrélation pendant l'expérimentation que pendant la référence.")
    if spec.forme == "constante":
        limites.append("Aucune dépendance à la température n'a été trouvée : la comparaison n'est "
                       "pas corrigée du climat.")
    return methode, libelle, justification, limites


def _resume(effet, lo, hi, rel, rel_lo, rel_hi, unite, lib_e, lib_t, temoins, signif, jours) -> str:
    sens = "moins" if effet < 0 else "plus"
    cadre = (f", compte tenu de l'évolution des consommations dans {lib_t}" if temoins else "")
    debut = (f"Sur les {int(jours)} jours de l'expérimentation, à météo égale{cadre}, {lib_e} "
             f"ont consommé {_energie(abs(effet), unite)} de {sens} que prévu sans la technologie")
    if rel is not None:
        debut += f" ({pourcentage(rel)})"
    ic = f"intervalle de confiance à 95\u00a0% : de {pourcentage(rel_lo)} à {pourcentage(rel_hi)}" if rel is not None else \
        f"intervalle de confiance à 95\u00a0% : de {_energie(lo, unite)} à {_energie(hi, unite)}"
    if signif:
        return debut + f" ; {ic}. Cet écart ne s'explique pas par le hasard des mesures."
    return (debut + f" ; {ic}. L'intervalle contient zéro : on ne peut pas distinguer cet écart "
            "du hasard des mesures.")


def parametres_depuis_pilote(fiche: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments de :func:`evaluer_energie` tirés d'une fiche pilote.yaml (dictionnaire).

    Renvoie sites_experimentaux, sites_temoins, indicateur (le principal, à défaut le premier),
    unite, periode_reference, periode_experimentation.
    """
    sites = fiche.get("sites", [])
    indicateurs = fiche.get("indicateurs", [])
    if not indicateurs:
        raise ErreurDonnees("pilote.yaml", "aucun indicateur déclaré.", champ="indicateurs")
    principal = next((i for i in indicateurs if i.get("principal")), indicateurs[0])
    per = fiche["periodes"]
    return {
        "sites_experimentaux": [s["identifiant"] for s in sites if s.get("role") == "experimental"],
        "sites_temoins": [s["identifiant"] for s in sites if s.get("role") == "temoin"],
        "indicateur": principal["identifiant"],
        "unite": principal.get("unite", "kWh"),
        "periode_reference": (per["reference"]["debut"], per["reference"]["fin"]),
        "periode_experimentation": (per["experimentation"]["debut"], per["experimentation"]["fin"]),
    }
