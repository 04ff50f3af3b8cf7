"""Contrôle synthétique : un site expérimenté face à plusieurs sites candidats.

Le « site synthétique » est une moyenne pondérée des témoins (poids positifs, de somme 1)
qui reproduit au mieux la série du site expérimenté avant le début (Abadie, Diamond et
Hainmueller, 2010). L'effet est l'écart cumulé après le début ; sa significativité vient des
placebos « dans l'espace » : chaque témoin tour à tour traité comme s'il avait été expérimenté.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from .. import config
from .base import ResultatImpact, Verification, incertitude_est_valide, incertitude_indeterminee
from ..francais import nombre, phrase_effet, pourcentage

METHODE = "controle_synthetique"
LIBELLE = "Contrôle synthétique"


def poids_synthetiques(y_traite: np.ndarray, Y_temoins: np.ndarray) -> np.ndarray:
    """Poids w ≥ 0, Σw = 1 minimisant ‖y_traite − Y_temoins w‖² sur la période d'avant (SLSQP)."""
    y = np.asarray(y_traite, float)
    Y = np.asarray(Y_temoins, float)
    j = Y.shape[1]
    echelle = max(float(np.abs(y).max()), 1.0)
    y, Y = y / echelle, Y / echelle
    G, b = Y.T @ Y, Y.T @ y
    sol = minimize(
        lambda w: float(w @ G @ w - 2 * b @ w),
        np.full(j, 1.0 / j),
        jac=lambda w: 2 * (G @ w - b),
        bounds=[(0.0, 1.0)] * j,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(j)}],
        method="SLSQP",
        options={"ftol": 1e-12, "maxiter": 500},
    )
    w = np.clip(sol.x, 0, None)
    return w / w.sum()


def _ajuster(y: np.ndarray, Y: np.ndarray, avant: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    w = poids_synthetiques(y[avant], Y[avant])
    synth = Y @ w
    ecart = y - synth
    rmspe_avant = float(np.sqrt(np.mean(ecart[avant] ** 2)))
    rmspe_apres = float(np.sqrt(np.mean(ecart[~avant] ** 2)))
    return w, synth, rmspe_avant, rmspe_apres


def controle_synthetique(
    donnees: pd.DataFrame,
    traite: str,
    debut,
    *,
    temoins: list[str] | None = None,
    indicateur: str | None = None,
    unite: str = "",
    niveau: float = config.NIVEAU_CONFIANCE,
    controle_dd_synthetiques: bool = True,
) -> ResultatImpact:
    """Contrôle synthétique sur des données au format large (index = périodes triées, une colonne par site).

    ``debut`` : première période de l'expérimentation (comparée à l'index). Renvoie l'effet cumulé
    Σ (expérimenté − synthétique) après le début. La p-valeur est le rang du rapport
    RMSPE après / RMSPE avant du site expérimenté parmi ceux des placebos (chaque témoin traité
    à son tour) ; l'intervalle vient de la dispersion des écarts cumulés des placebos (sa couverture
    est au plus J/(J+1) avec J témoins). ``controle_dd_synthetiques`` : refaire l'estimation par les
    doubles différences synthétiques en contrôle de robustesse (vérification ``dd_synthetiques``).
    """
    if traite not in donnees.columns:
        raise ValueError(f"Site expérimenté « {traite} » absent des colonnes.")
    df = donnees.sort_index()
    temoins = [c for c in (temoins or df.columns) if c != traite]
    if len(temoins) < 2:
        raise ValueError("Il faut au moins deux sites témoins candidats pour un contrôle synthétique.")
    if df[[traite, *temoins]].isna().any().any():
        raise ValueError("Valeurs manquantes dans le panel : le contrôle synthétique demande des séries complètes.")
    avant = masque_avant(df.index, debut)
    n_avant, n_apres = int(avant.sum()), int((~avant).sum())
    if n_avant < 3 or n_apres < 1:
        raise ValueError(f"Trop peu de périodes ({n_avant} avant, {n_apres} après) pour un contrôle synthétique.")
    y = df[traite].to_numpy(float)
    Y = df[temoins].to_numpy(float)
    w, synth, r_av, r_ap = _ajuster(y, Y, avant)
    ecart = y - synth
    effet = float(ecart[~avant].sum())
    ratio = r_ap / r_av if r_av > 0 else np.inf
    # Placebos dans l'espace
    lignes = []
    for j, nom in enumerate(temoins):
        autres = [k for k in range(len(temoins)) if k != j]
        wj, sj, ra, rp = _ajuster(Y[:, j], Y[:, autres], avant)
        lignes.append(
            {
                "site": nom,
                "rmspe_avant": ra,
                "rmspe_apres": rp,
                "rapport": rp / ra if ra > 0 else np.inf,
                "effet_cumule": float((Y[~avant, j] - sj[~avant]).sum()),
            }
        )
    placebos = pd.DataFrame(lignes)
    J = len(temoins)
    p = float((1 + np.sum(placebos["rapport"].to_numpy() >= ratio)) / (J + 1))
    abs_pl = np.sort(np.abs(placebos["effet_cumule"].to_numpy()))
    rang = min(J - 1, int(math.ceil(niveau * (J + 1))) - 1)
    q = float(abs_pl[rang])
    bas, haut = effet - q, effet + q
    elargi = False
    if p > 1 - niveau and (bas > 0 or haut < 0):
        # Le test par placebos ne conclut pas : l'intervalle ne doit pas laisser croire le contraire.
        bas, haut, elargi = min(bas, 0.0), max(haut, 0.0), True
    dispersion = float(np.std(placebos["effet_cumule"].to_numpy(), ddof=1)) if J > 1 else float("nan")
    verifs = []
    sd_avant = float(np.std(y[avant]))
    qualite = r_av / sd_avant if sd_avant > 0 else 0.0
    if qualite <= 0.5:
        verifs.append(Verification("ajustement_avant", "reussie",
            f"Le site synthétique suit bien le site expérimenté avant le début (RMSPE = {nombre(r_av, 2)}, "
            f"{pourcentage(qualite, 0)} de l'écart-type de la série).", r_av))
    else:
        verifs.append(Verification("ajustement_avant", "echec" if qualite > 1 else "attention",
            f"Le site synthétique suit mal le site expérimenté avant le début (RMSPE = {nombre(r_av, 2)}, "
            f"{pourcentage(qualite, 0)} de l'écart-type de la série) : le contrefactuel est peu crédible.", r_av))
    if J < 19:
        verifs.append(Verification("nombre_placebos", "attention",
            f"Seulement {J} témoins : la plus petite p-valeur possible est {nombre(1 / (J + 1), 3)} et "
            f"l'intervalle ne couvre qu'au plus {nombre(100 * J / (J + 1), 0)}\u00a0% ; il en faudrait au moins 19 pour 95\u00a0%.", float(J)))
    else:
        verifs.append(Verification("nombre_placebos", "reussie", f"{J} témoins servent de placebos.", float(J)))
    if np.max(w) > 0.8:
        verifs.append(Verification("concentration_poids", "attention",
            f"Le site synthétique repose presque entièrement sur un seul témoin ({temoins[int(np.argmax(w))]}, "
            f"poids {nombre(float(np.max(w)), 2)}).", float(np.max(w))))
    indicateur = indicateur or traite
    contre = pd.DataFrame({"date": df.index.to_numpy(), "observe": y, "contrefactuel": synth,
                           "periode": np.where(avant, "avant", "apres")})
    r = ResultatImpact.construire(
        methode=METHODE,
        libelle_methode=LIBELLE,
        indicateur=indicateur,
        unite=unite,
        effet=effet,
        ic_bas=bas,
        ic_haut=haut,
        p_valeur=p,
        total_observe=float(y[~avant].sum()),
        erreur_type=dispersion,
        contrefactuel=contre,
        verifications=verifs,
        resume=lambda res: phrase_effet(indicateur, unite, effet, bas, haut, res.effet_relatif,
                                          f"Sur les {n_apres} périodes suivant le début, en cumul")
        + f" Comparaison aux {J} témoins traités comme de faux sites expérimentés : p = {nombre(p, 3)}"
        + (" (l'intervalle a été étendu jusqu'à zéro car ce test ne conclut pas)." if elargi else "."),
        justification="Un seul site expérimenté et plusieurs sites candidats : on construit un « site "
        "synthétique », mélange des témoins qui reproduit au mieux le site expérimenté avant le début.",
        limites=[
            "Suppose que le mélange de témoins qui imitait le site avant le début l'aurait encore imité ensuite.",
            "L'inférence repose sur les placebos : avec peu de témoins, elle est grossière.",
            "Un choc propre au site expérimenté au même moment serait confondu avec l'effet.",
        ],
        details={
            "poids": pd.DataFrame({"site": temoins, "poids": w}).sort_values("poids", ascending=False).reset_index(drop=True),
            "rmspe_avant": r_av,
            "rmspe_apres": r_ap,
            "rapport_rmspe": ratio,
            "placebos": placebos,
            "n_avant": n_avant,
            "n_apres": n_apres,
            "intervalle_elargi_a_zero": elargi,
            "inference": "placebos dans l'espace (Abadie, Diamond et Hainmueller, 2010)",
        },
    )
    if controle_dd_synthetiques:  # False : seulement pour des simulations qui n'étudient que la p-valeur
        # Contrôle de robustesse : les doubles différences synthétiques sur le même panel, ramenées au même
        # cumul (elles permettent un écart de niveau constant et pondèrent aussi les périodes d'avant).
        from .dd_synthetiques import dd_synthetiques, verification_dd_synthetiques

        cumul = dd_synthetiques(df[[*temoins, traite]].to_numpy(float).T, J, n_avant).effet * n_apres
        r.verifications.append(verification_dd_synthetiques(r, cumul, unite=unite, nom_principal="le contrôle synthétique"))
    if not incertitude_est_valide(effet, bas, haut, dispersion, echelle=float(np.abs(y).max())):
        incertitude_indeterminee(
            r, "les placebos (chaque témoin traité comme un faux site expérimenté) donnent tous le même "
               "écart, l'intervalle qu'on en tire est réduit à un point")
    return r


def masque_avant(index: pd.Index, debut) -> np.ndarray:
    """Vrai pour les périodes strictement antérieures à ``debut``, comparées par étiquette.

    L'index peut être fait de dates, d'années ou d'entiers (mois 1 à 60…) : ``debut`` est toujours
    une valeur de l'index (1989 = l'année 1989, jamais la 1989ᵉ ligne), y compris quand pandas
    range des entiers consécutifs dans un ``RangeIndex``.
    """
    if isinstance(index, pd.DatetimeIndex):
        try:
            debut = pd.Timestamp(debut)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"Début « {debut} » : ce n'est pas une date comparable aux périodes du panel.") from exc
    elif isinstance(index, pd.PeriodIndex):
        debut = pd.Period(debut, freq=index.freq)
    try:
        avant = np.asarray(index < debut, dtype=bool)
    except TypeError as exc:
        raise ValueError(
            f"Début « {debut} » : il ne se compare pas aux périodes du panel (index de type {index.dtype})."
        ) from exc
    return avant
