"""Méta-analyse : combiner les effets de plusieurs pilotes (ou sites) comparables.

Effet fixe (inverse de la variance) et effets aléatoires (DerSimonian-Laird, Paule-Mandel),
avec τ² (variance entre pilotes), I² (part de la variabilité due à l'hétérogénéité) et Q de
Cochran. Calcul délégué à ``statsmodels.stats.meta_analysis.combine_effects``.
"""

from __future__ import annotations

import math
import warnings
from typing import Literal, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from .. import config
from .base import ResultatImpact, Verification
from ..francais import nombre, p_valeur_courte, phrase_effet, pourcentage

METHODE = "meta_analyse"
_METHODES_RE = {"dl": "chi2", "pm": "iterated"}


#: En dessous de ce Q de Cochran, les effets sont tenus pour identiques (écarts d'arrondi).
Q_NUL = 1e-9


def _effet_fixe(y: np.ndarray, v: np.ndarray) -> tuple[float, float, float]:
    """(effet, erreur-type, Q de Cochran) du modèle à effet fixe, calculés directement."""
    w = 1.0 / v
    est = float(np.sum(w * y) / np.sum(w))
    return est, float(np.sqrt(1.0 / np.sum(w))), float(np.sum(w * (y - est) ** 2))


def _i2(q: float, k: int) -> float:
    """I² = max(0, (Q − (k − 1)) / Q) ; NaN (non estimable) quand les effets sont identiques (Q nul)."""
    if not math.isfinite(q) or q <= Q_NUL:
        return float("nan")
    return max(0.0, (q - (k - 1)) / q)


def tableau_meta(effets: Sequence[float], variances: Sequence[float], niveau: float = config.NIVEAU_CONFIANCE) -> pd.DataFrame:
    """Les trois estimations combinées côte à côte : effet fixe, DerSimonian-Laird, Paule-Mandel.

    Cas dégénéré : des effets identiques (Q de Cochran nul) ne disent rien de la variance entre
    pilotes ; τ² est alors pris nul (les trois modèles donnent l'effet fixe) et I² est NaN (non
    estimable), sans appeler statsmodels (qui diviserait par zéro). τ² négatif est ramené à 0.
    """
    y, v = _valider(effets, variances)
    z = stats.norm.ppf(0.5 + niveau / 2)
    k = len(y)
    est_fe, se_fe, q = _effet_fixe(y, v)
    i2 = _i2(q, k)
    identiques = not math.isfinite(i2)
    lignes = []
    for cle, libelle in [("fe", "effet fixe"), ("dl", "DerSimonian-Laird"), ("pm", "Paule-Mandel")]:
        est, se, tau2 = est_fe, se_fe, 0.0
        if cle != "fe" and not identiques:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                res = combine_effects(y, v, method_re=_METHODES_RE.get(cle, "chi2"), alpha=1 - niveau)
            tau2 = max(float(res.tau2), 0.0)
            if tau2 > 0:
                est, se = float(res.mean_effect_re), float(res.sd_eff_w_re)
            if not (math.isfinite(est) and math.isfinite(se)):
                est, se, tau2 = est_fe, se_fe, 0.0
        lignes.append({"modele": cle, "libelle": libelle, "effet": est, "erreur_type": se,
                       "ic_bas": est - z * se, "ic_haut": est + z * se, "tau2": tau2,
                       "Q": q, "I2": i2, "k": k})
    return pd.DataFrame(lignes)


def meta_analyse(
    effets: Sequence[float],
    variances: Sequence[float],
    *,
    modele: Literal["fe", "dl", "pm"] = "pm",
    noms: Sequence[str] | None = None,
    indicateur: str = "effet combiné",
    unite: str = "",
    niveau: float = config.NIVEAU_CONFIANCE,
) -> ResultatImpact:
    """Combine des effets (même unité) et leurs variances ; ``modele`` : « fe », « dl » ou « pm » (défaut).

    Le modèle à effets aléatoires (Paule-Mandel par défaut) admet que le vrai effet varie d'un
    pilote à l'autre ; l'effet fixe suppose un seul vrai effet commun.
    """
    y, v = _valider(effets, variances)
    tab = tableau_meta(y, v, niveau)
    ligne = tab.set_index("modele").loc[modele]
    est, se = float(ligne["effet"]), float(ligne["erreur_type"])
    p = float(2 * stats.norm.sf(abs(est / se)))
    q, i2, tau2 = float(ligne["Q"]), float(ligne["I2"]), float(ligne["tau2"])
    k = len(y)
    p_q = float(stats.chi2.sf(q, k - 1))
    verifs = []
    if not math.isfinite(i2):
        verifs.append(Verification("heterogeneite", "attention",
            f"Les {k} effets combinés sont identiques (Q = 0)\u00a0: l'hétérogénéité entre pilotes n'est pas "
            "estimable (I² non défini) ; la variance entre pilotes (τ²) est prise nulle et l'effet combiné est "
            "l'effet commun. Des effets rigoureusement égaux font soupçonner des données recopiées d'un "
            "pilote à l'autre\u00a0: vérifiez-les.", None))
    elif i2 >= 0.5:
        verifs.append(Verification("heterogeneite", "attention",
            f"Les effets varient nettement d'un pilote à l'autre (I² = {pourcentage(i2, 0)}, Q = {nombre(q, 1)}, "
            f"{p_valeur_courte(p_q)})\u00a0: l'effet combiné est une moyenne, pas une promesse pour chaque territoire.", i2))
    else:
        verifs.append(Verification("heterogeneite", "reussie",
            f"Hétérogénéité modérée entre pilotes (I² = {pourcentage(i2, 0)}, Q = {nombre(q, 1)}, {p_valeur_courte(p_q)}).", i2))
    if k < 5 and modele != "fe" and math.isfinite(i2):
        verifs.append(Verification("nombre_etudes", "attention",
            f"Seulement {k} effets combinés\u00a0: la variance entre pilotes (τ²) est très mal estimée.", float(k)))
    details = {
        "tableau": tab,
        "etudes": pd.DataFrame({"nom": list(noms) if noms is not None else [f"étude {i + 1}" for i in range(k)],
                                "effet": y, "variance": v, "erreur_type": np.sqrt(v)}),
        "tau2": tau2, "I2": i2, "Q": q, "p_Q": p_q, "modele": modele,
    }
    return ResultatImpact.construire(
        methode=METHODE,
        libelle_methode={"fe": "Méta-analyse à effet fixe", "dl": "Méta-analyse à effets aléatoires (DerSimonian-Laird)",
                         "pm": "Méta-analyse à effets aléatoires (Paule-Mandel)"}[modele],
        indicateur=indicateur,
        unite=unite,
        effet=est,
        ic_bas=float(ligne["ic_bas"]),
        ic_haut=float(ligne["ic_haut"]),
        p_valeur=p,
        erreur_type=se,
        verifications=verifs,
        resume=phrase_effet(indicateur, unite, est, float(ligne["ic_bas"]), float(ligne["ic_haut"]), None,
                              f"En combinant {k} résultats")
        .replace(" par rapport à ce qu'on attendait sans l'expérimentation", ""),
        justification="Plusieurs pilotes ou sites mesurent le même effet : la méta-analyse les combine en "
        "pondérant chacun par sa précision.",
        limites=["Suppose que les effets combinés mesurent la même chose, dans la même unité.",
                 "Ne corrige pas les biais propres à chaque évaluation."],
        details=details,
    )


def _valider(effets, variances) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(effets, dtype=float)
    v = np.asarray(variances, dtype=float)
    if y.shape != v.shape or y.ndim != 1:
        raise ValueError("Il faut autant de variances que d'effets (deux listes de même longueur).")
    if len(y) < 2:
        raise ValueError("Il faut au moins deux effets pour une méta-analyse.")
    if not (np.isfinite(y).all() and np.isfinite(v).all()) or (v <= 0).any():
        raise ValueError("Effets et variances doivent être des nombres finis, les variances strictement positives.")
    return y, v


def combiner_par_groupe(groupes: dict[str, list[dict]], niveau: float = config.NIVEAU_CONFIANCE) -> list[dict]:
    """La méta-analyse (Paule-Mandel) de chaque groupe de pilotes comparables, pour la page du portefeuille.

    ``groupes`` : pour chaque ``type_pilote``, ses pilotes (au moins deux), chacun avec ``titre``, ``lieu``,
    ``domaine``, ``effet`` (effet relatif) et ``ecart`` (largeur de son intervalle à ``niveau``, dont on tire
    l'erreur-type : ``ecart / (2 z)``). Renvoie des types simples (JSON), groupes triés par nom : voir
    :func:`eprouvette.rapports.index.effets_combines`."""
    z = float(stats.norm.ppf(0.5 + niveau / 2))
    sortie = []
    for type_pilote, membres in sorted(groupes.items()):
        ses = [m["ecart"] / (2 * z) for m in membres]
        noms = [m["titre"] for m in membres]
        res = meta_analyse([m["effet"] for m in membres], [se ** 2 for se in ses], noms=noms,
                           indicateur="effet relatif", unite="")
        i2 = float(res.details["I2"])
        domaines = {m["domaine"] for m in membres}
        sortie.append({
            "type_pilote": type_pilote, "pilotes": noms, "lieux": [m["lieu"] for m in membres],
            "domaine": domaines.pop() if len(domaines) == 1 else None, "k": len(membres),
            "effet": res.effet, "ic_bas": res.ic_bas, "ic_haut": res.ic_haut,
            "I2": i2 if math.isfinite(i2) else None, "Q": float(res.details["Q"]), "p_Q": float(res.details["p_Q"]),
            "tau2": float(res.details["tau2"]), "libelle_methode": res.libelle_methode,
            "verifications": [v.phrase for v in res.verifications if v.statut != "reussie"],
        })
    return sortie
