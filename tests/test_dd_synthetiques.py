"""Doubles différences synthétiques (Arkhangelsky et al., 2021) : chiffres publiés et propriétés."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eprouvette.methodes.dd_synthetiques import dd_synthetiques, ecart_type_placebo, effets_placebo

PROP99 = Path(__file__).parent / "references" / "california_prop99.csv"


@pytest.fixture(scope="module")
def prop99():
    """Matrice États × années, les 38 témoins d'abord et la Californie en dernier ; 19 années avant 1989."""
    df = pd.read_csv(PROP99).set_index("Year")
    colonnes = [c for c in df.columns if c != "California"] + ["California"]
    return df[colonnes].T.to_numpy(), int((df.index < 1989).sum()), colonnes


def test_prop99_trois_estimateurs_du_tableau_1(prop99):
    """Arkhangelsky et al. (2021), tableau 1 : DD synthétiques −15,6 ; contrôle synthétique −19,6 ;
    doubles différences −27,3 (à la précision imprimée)."""
    Y, T0, _ = prop99
    assert round(dd_synthetiques(Y, 38, T0).effet, 1) == -15.6
    assert round(dd_synthetiques(Y, 38, T0, variante="controle_synthetique").effet, 1) == -19.6
    assert round(dd_synthetiques(Y, 38, T0, variante="doubles_differences").effet, 1) == -27.3


def test_prop99_poids_comme_le_paquet_des_auteurs(prop99):
    """Le paquet R des auteurs (synthdid) imprime pour cet exemple « Effective N0/N0 = 16.4/38,
    Effective T0/T0 = 2.8/19 » (1 / Σ poids²) ; les poids des années vont aux dernières années
    d'avant (1986 à 1988)."""
    Y, T0, colonnes = prop99
    e = dd_synthetiques(Y, 38, T0)
    assert round(1 / np.sum(e.omega ** 2), 1) == 16.4
    assert round(1 / np.sum(e.lambda_ ** 2), 1) == 2.8
    annees = np.arange(1970, 1970 + T0)
    assert set(annees[e.lambda_ > 0]) == {1986, 1987, 1988}
    assert e.omega.sum() == pytest.approx(1) and (e.omega >= 0).all()
    assert colonnes[int(np.argmax(e.omega))] == "Nevada"


@pytest.mark.lent
@pytest.mark.parametrize("variante, publie", [
    ("dd_synthetiques", 8.4), ("controle_synthetique", 9.9), ("doubles_differences", 17.7),
])
def test_prop99_ecart_type_placebo(prop99, variante, publie):
    """L'écart type publié vient de 200 placebos tirés au hasard parmi les 38 témoins (un seul
    État traité) ; on calcule les 38 placebos possibles. L'écart type publié doit être une valeur
    ordinaire de 200 tirages parmi ces 38 placebos (entre les quantiles 2,5 % et 97,5 %)."""
    Y, T0, _ = prop99
    e = dd_synthetiques(Y, 38, T0, variante=variante)
    placebos = effets_placebo(Y, e)
    assert len(placebos) == 38
    se = ecart_type_placebo(Y, e)
    assert se == pytest.approx(float(np.std(placebos)))
    rng = np.random.default_rng(12345)
    tirages = np.array([np.std(rng.choice(placebos, 200)) for _ in range(4000)])
    bas, haut = np.quantile(tirages, [0.025, 0.975])
    assert bas <= publie <= haut, (se, bas, haut)
    if variante == "doubles_differences":
        # Même dispersion que les placebos du module des doubles différences (README des références : 17,5).
        assert round(float(np.std(placebos, ddof=1)), 1) == 17.5


def _panel_additif(rng, n0=12, n1=2, t0=10, t1=5, effet=3.0, bruit=0.0):
    a = rng.normal(50, 10, n0 + n1)          # niveaux propres à chaque site
    b = np.cumsum(rng.normal(0, 2, t0 + t1))  # chocs communs à tous les sites
    Y = a[:, None] + b[None, :] + bruit * rng.normal(size=(n0 + n1, t0 + t1))
    Y[n0:, t0:] += effet
    return Y


def test_effet_additif_retrouve_exactement():
    """Sans bruit, niveaux propres et chocs communs : les DD synthétiques et les doubles
    différences retrouvent l'effet ; le contrôle synthétique, qui n'a pas de constante, ne le peut
    pas quand les sites équipés sont au-dessus de tous les témoins."""
    rng = np.random.default_rng(3)
    Y = _panel_additif(rng)
    Y[12:] += 100  # sites équipés hors de l'enveloppe des témoins
    assert dd_synthetiques(Y, 12, 10).effet == pytest.approx(3.0, abs=1e-3)
    assert dd_synthetiques(Y, 12, 10, variante="doubles_differences").effet == pytest.approx(3.0, abs=1e-9)
    assert abs(dd_synthetiques(Y, 12, 10, variante="controle_synthetique").effet - 3.0) > 50


def test_placebos_tires_reproductibles_et_impossibles_sans_assez_de_temoins():
    rng = np.random.default_rng(5)
    Y = _panel_additif(rng, n0=8, n1=2, bruit=1.0)
    e = dd_synthetiques(Y, 8, 10)
    a = effets_placebo(Y, e, repetitions=20, graine=7)
    assert len(a) == 20 and np.array_equal(a, effets_placebo(Y, e, repetitions=20, graine=7))
    petit = Y[[0, 1, 8, 9]]
    assert ecart_type_placebo(petit, dd_synthetiques(petit, 2, 10)) is None


def test_entrees_refusees_en_francais():
    with pytest.raises(ValueError, match="valeurs manquantes"):
        Y = np.ones((5, 6))
        Y[0, 0] = np.nan
        dd_synthetiques(Y, 4, 3)
    with pytest.raises(ValueError, match="au moins 2 témoins"):
        dd_synthetiques(np.ones((2, 6)), 1, 3)
    with pytest.raises(ValueError, match="variante inconnue"):
        dd_synthetiques(np.ones((5, 6)), 4, 3, variante="autre")


def test_prop99_solveur_exact_comme_frank_wolfe(prop99):
    """Le solveur exact (par défaut pour les doubles différences synthétiques) et l'algorithme de Frank et
    Wolfe de l'article donnent le même effet publié (−15,6) et les mêmes poids effectifs."""
    Y, T0, _ = prop99
    exact = dd_synthetiques(Y, 38, T0)
    fw = dd_synthetiques(Y, 38, T0, solveur="frank_wolfe")
    assert exact.options["solveur"] == "exact"
    assert round(exact.effet, 1) == round(fw.effet, 1) == -15.6
    assert abs(exact.effet - fw.effet) < 0.01
    assert round(1 / np.sum(exact.lambda_ ** 2), 1) == round(1 / np.sum(fw.lambda_ ** 2), 1) == 2.8
    with pytest.raises(ValueError, match="solveur"):
        dd_synthetiques(Y, 38, T0, solveur="autre")


# --- La règle de choix, mesurée par simulation (docs/methodes.md) ----------------------------------------


@pytest.mark.lent
@pytest.mark.parametrize("structure", ["facteurs", "tendances"])
def test_simulation_un_site_equipe_vingt_temoins_inference_tient(structure):
    """Au seuil de la règle (un site équipé, 20 témoins, 24 mois d'avant, 12 de pendant), sur 200 panels
    (graines 0 à 199) où les doubles différences simples échouent : au plus 6 % de faux « significatif »
    sous effet nul, couverture à 95 % dans [92 % ; 98 %] avec un effet planté ; et, avec des tendances
    propres aux sites, un biais nettement plus petit que celui des doubles différences simples."""
    from eprouvette.methodes._simulation import mesurer_dd_synthetiques

    m = mesurer_dd_synthetiques(1, 20, 24, 12, structure=structure, replications=200, graine=0)
    assert m["replications"] == 200
    assert m["faux_significatif"] <= 0.06, m
    assert 0.92 <= m["couverture"] <= 0.98, m
    # L'écart type placebo suit la vraie dispersion des estimations (à 15 % près).
    assert abs(m["ecart_type_placebo_moyen"] / m["ecart_type_reel"] - 1) < 0.15, m
    if structure == "tendances":
        assert abs(m["biais_dd_synthetiques"]) < 0.5 * abs(m["biais_doubles_differences"]), m


@pytest.mark.lent
def test_simulation_six_temoins_variance_placebo_ne_tient_pas():
    """Sous le seuil (un site équipé, 6 témoins seulement) : la variance placebo ne repose que sur six faux
    effets et donne plus de 6 % de faux « significatif » sur les mêmes panels à facteurs ; la loi normale de
    l'article en donnerait davantage encore. C'est pourquoi la règle n'en fait alors qu'un contrôle."""
    from eprouvette.methodes._simulation import mesurer_dd_synthetiques
    from eprouvette.methodes.choix import regle_dd_synthetiques

    m = mesurer_dd_synthetiques(1, 6, 24, 12, structure="facteurs", replications=200, graine=0)
    assert m["faux_significatif"] > 0.06, m
    assert regle_dd_synthetiques(n_experimentes=1, n_temoins=6, n_periodes_avant=24).role == "robustesse"


def test_verification_de_robustesse_concorde_ou_le_dit():
    from eprouvette.methodes.base import ResultatImpact
    from eprouvette.methodes.dd_synthetiques import verification_dd_synthetiques

    principal = ResultatImpact(methode="doubles_differences", libelle_methode="", indicateur="", unite="m³/j",
                               effet=-100.0, ic_bas=-140.0, ic_haut=-60.0, p_valeur=0.001, erreur_type=20.0)
    ok = verification_dd_synthetiques(principal, -110.0, unite="m³/j")
    assert ok.nom == "dd_synthetiques" and ok.statut == "reussie" and "concordent" in ok.phrase
    loin = verification_dd_synthetiques(principal, -20.0, unite="m³/j")
    assert loin.statut == "attention"
    assert loin.phrase.startswith("Les doubles différences synthétiques donnent un effet nettement différent")
    assert "−20\u00a0m³/j" in loin.phrase and "prudence" in loin.phrase
    assert verification_dd_synthetiques(principal, 30.0).statut == "attention"  # sens contraire
