"""Méta-analyse : combiner les effets de plusieurs pilotes (ou sites) comparables.

Effet fixe (inverse de la variance) et effets aléatoires (DerSimonian-Laird, Paule-Mandel),
avec τ² (variance entre pilotes), I² (part de la variabilité due à l'hétérogénéité) et Q de
Cochran. Calcul délégué à ``statsmodels.stats.meta_analysis.combine_effects``.
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from .. import config
from .base import ResultatImpact, Verification
from .serie_interrompue import _fr, _pct, _phrase_resume

METHODE = "meta_analyse"
_METHODES_RE = {"dl": "chi2", "pm": "iterated"}


def tableau_meta(effets: Sequence[float], variances: Sequence[float], niveau: float = config.NIVEAU_CONFIANCE) -> pd.DataFrame:
    """Les trois estimations combinées côte à côte : effet fixe, DerSimonian-Laird, Paule-Mandel."""
    y, v = _valider(effets, variances)
    z = stats.norm.ppf(0.5 + niveau / 2)
    lignes = []
    for cle, libelle in [("fe", "effet fixe"), ("dl", "DerSimonian-Laird"), ("pm", "Paule-Mandel")]:
        res = combine_effects(y, v, method_re=_METHODES_RE.get(cle, "chi2"), alpha=1 - niveau)
        if cle == "fe":
            est, se, tau2 = float(res.mean_effect_fe), float(res.sd_eff_w_fe), 0.0
        else:
            est, se, tau2 = float(res.mean_effect_re), float(res.sd_eff_w_re), float(res.tau2)
        lignes.append({"modele": cle, "libelle": libelle, "effet": est, "erreur_type": se,
                       "ic_bas": est - z * se, "ic_haut": est + z * se, "tau2": tau2,
                       "Q": float(res.q), "I2": float(res.i2), "k": len(y)})
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
    if i2 >= 0.5:
        verifs.append(Verification("heterogeneite", "attention",
            f"Les effets varient nettement d'un pilote à l'autre (I² = {_pct(i2, 0)}, Q = {_fr(q, 1)}, "
            f"p = {_fr(p_q, 3)}) : l'effet combiné est une moyenne, pas une promesse pour chaque territoire.", i2))
    else:
        verifs.append(Verification("heterogeneite", "reussie",
            f"Hétérogénéité modérée entre pilotes (I² = {_pct(i2, 0)}, Q = {_fr(q, 1)}, p = {_fr(p_q, 3)}).", i2))
    if k < 5 and modele != "fe":
        verifs.append(Verification("nombre_etudes", "attention",
            f"Seulement {k} effets combinés : la variance entre pilotes (τ²) est très mal estimée.", float(k)))
    details = {
        "tableau": tab,
        "etudes": pd.DataFrame({"nom": list(noms) if noms is not None else [f"étude {i + 1}" for i in range(k)],
                                "effet": y, "variance": v, "erreur_type": np.sqrt(v)}),
        "tau2": tau2, "I2": i2, "Q": q, "p_Q": p_q, "modele": modele,
    }
    return ResultatImpact(
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
        resume=_phrase_resume(indicateur, unite, est, float(ligne["ic_bas"]), float(ligne["ic_haut"]), None,
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
