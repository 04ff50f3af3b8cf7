"""L'estimation principale par doubles différences synthétiques (:func:`estimer_dd_synthetiques`) : son
intervalle et son nombre de placebos viennent des mêmes placebos, faits une fois, et valent ceux de
:func:`intervalle_placebo` et :func:`effets_placebo`."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from eprouvette.methodes.dd_synthetiques import (
    dd_synthetiques,
    effets_placebo,
    estimer_dd_synthetiques,
    intervalle_placebo,
)


def _panel(n_temoins: int, n_equipes: int, n_avant: int = 8, n_apres: int = 4, effet: float = -3.0):
    rng = np.random.default_rng(n_temoins * 10 + n_equipes)
    t = np.arange(n_avant + n_apres)
    sites = {f"t{i}": 50 + 5 * i + 0.8 * t + rng.normal(0, 1, len(t)) for i in range(n_temoins)}
    for j in range(n_equipes):
        sites[f"e{j}"] = 60 + 0.8 * t + rng.normal(0, 1, len(t)) + effet * (t >= n_avant)
    panel = pd.DataFrame(sites, index=pd.date_range("2024-01-01", periods=len(t), freq="MS"))
    return panel, [f"t{i}" for i in range(n_temoins)], [f"e{j}" for j in range(n_equipes)], n_avant


def test_intervalle_et_placebos_de_l_estimation_principale():
    panel, temoins, equipes, n_avant = _panel(7, 2)
    r = estimer_dd_synthetiques(panel, equipes, temoins, n_avant, indicateur="pertes", unite="m³", facteur=1.5)
    Y = panel[[*temoins, *equipes]].to_numpy(float).T
    est = dd_synthetiques(Y, len(temoins), n_avant)
    bas, haut, se = intervalle_placebo(Y, est)
    echelle = len(equipes) * 1.5
    assert r.effet == est.effet * echelle
    assert (r.ic_bas, r.ic_haut) == tuple(sorted((bas * echelle, haut * echelle)))
    assert r.erreur_type == se * echelle
    assert r.details["placebos_distincts"] == len(effets_placebo(Y, est)) == math.comb(7, 2)
    assert r.ic_bas < r.effet < r.ic_haut


def test_sans_placebo_possible_incertitude_non_calculable():
    panel, temoins, equipes, n_avant = _panel(3, 2)  # 3 témoins pour 2 équipés : un seul témoin restant
    r = estimer_dd_synthetiques(panel, equipes, temoins, n_avant, indicateur="pertes", unite="m³")
    assert r.details["placebos_distincts"] == 0
    assert not r.incertitude_valide
    assert math.isfinite(r.effet)
