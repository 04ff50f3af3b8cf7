"""Contrôle synthétique et placebos."""

import numpy as np
import pandas as pd
import pytest

from eprouvette.methodes.controle_synthetique import controle_synthetique, poids_synthetiques
from eprouvette.methodes.doubles_differences import effets_fixes_bidirectionnels
from eprouvette.methodes.placebo import placebo_spatial, placebo_temporel
from eprouvette.methodes.serie_interrompue import serie_interrompue
from eprouvette.methodes._simulation import simuler_controle_synthetique, simuler_panel, simuler_serie


def test_poids_convexes():
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(30, 6))
    w_vrai = np.array([0.5, 0.3, 0.2, 0, 0, 0])
    w = poids_synthetiques(Y @ w_vrai, Y)
    assert np.all(w >= 0) and w.sum() == pytest.approx(1)
    assert np.allclose(w, w_vrai, atol=1e-4)


def test_retrouve_effet_plante():
    p = simuler_controle_synthetique(n_temoins=20, effet=-5.0, graine=3)
    r = controle_synthetique(p.donnees, p.traite, p.debut, unite="MWh")
    assert r.ic_bas < p.effet_cumule < r.ic_haut
    assert abs(r.effet - p.effet_cumule) < 0.25 * abs(p.effet_cumule)
    assert r.p_valeur == pytest.approx(1 / 21)
    assert r.significatif
    assert r.details["rmspe_avant"] < 1.0
    assert len(r.details["placebos"]) == 20


@pytest.mark.lent
def test_p_valeur_placebo_uniforme_sous_nulle():
    ps = []
    for g in range(40):
        p = simuler_controle_synthetique(n_temoins=9, effet=0.0, graine=100 + g)
        # La p-valeur seule est étudiée : sans le contrôle par DD synthétiques (0,4 s par appel).
        ps.append(controle_synthetique(p.donnees, p.traite, p.debut, controle_dd_synthetiques=False).p_valeur)
    ps = np.array(ps)
    # Sous l'hypothèse nulle, p prend les valeurs 0,1 ; 0,2 ; … ; 1 à peu près uniformément.
    assert 0.35 < ps.mean() < 0.65
    assert np.mean(ps <= 0.1) <= 0.2
    from scipy import stats
    assert stats.kstest(ps, "uniform").pvalue > 0.01


def test_peu_de_temoins_intervalle_coherent():
    p = simuler_controle_synthetique(n_temoins=5, effet=-2.0, graine=8)
    r = controle_synthetique(p.donnees, p.traite, p.debut)
    assert {v.nom: v.statut for v in r.verifications}["nombre_placebos"] == "attention"
    # p-valeur au mieux 1/6 > 5 % : l'intervalle ne doit pas exclure zéro.
    assert r.p_valeur >= 1 / 6 and not r.significatif


def test_placebo_temporel_serie():
    s = simuler_serie(48, 12, rho=0.3, effet_niveau=-6, graine=2)
    tab, v = placebo_temporel(lambda d, deb: serie_interrompue(d, deb), s.donnees, s.debut,
                              [s.donnees.date[24], s.donnees.date[30]])
    assert len(tab) == 2 and v.nom == "placebo_temporel"
    assert v.statut in ("reussie", "echec")
    assert (tab["significatif"].sum() == 0) == (v.statut == "reussie")


def test_placebo_spatial_doubles_differences():
    p = simuler_panel(n_sites=12, n_traites=1, effet=4.0, sigma=1.0, graine=6)
    df = p.donnees

    def estimer(d, site):
        d = d.assign(actif=((d.site == site) & (d.periode >= p.debut)).astype(int))
        return effets_fixes_bidirectionnels(d, bootstrap=False, tendances_prealables=False)

    temoins = sorted(set(df.site) - {"S00"})
    tab, v = placebo_spatial(estimer, df, "S00", temoins)
    assert len(tab) == 12 and not tab.placebo.iloc[0]
    assert v.statut == "reussie"
    assert abs(tab.effet.iloc[0] - 4.0) < 1.5


# ---------------------------------------------------------------------------------------------
# Index des périodes lu par étiquette (années, mois numérotés), reproduction de la Proposition 99
# ---------------------------------------------------------------------------------------------

from pathlib import Path

PROP99 = Path(__file__).parent / "references" / "california_prop99.csv"


def _prop99() -> pd.DataFrame:
    return pd.read_csv(PROP99).set_index("Year")


def test_prop99_index_annees_optimum_exact():
    """Abadie, Diamond et Hainmueller (2010), sur la seule consommation de cigarettes : l'optimum exact
    des poids (vérifié par moindres carrés non négatifs, scipy.optimize.nnls) donne un écart moyen de
    −19,51 paquets par habitant sur 1989-2000. L'index 1970-2000 est lu comme des années (pandas 3 le
    range dans un RangeIndex : l'ancien code le prenait pour des positions, « 31 avant, 0 après »)."""
    w = _prop99()
    assert len(w) == 31 and w.shape[1] == 39
    r = controle_synthetique(w, "California", 1989, unite="paquets par habitant")
    assert (r.details["n_avant"], r.details["n_apres"]) == (19, 12)
    assert r.effet / 12 == pytest.approx(-19.51, abs=0.05)
    assert r.details["rmspe_avant"] == pytest.approx(1.656, abs=0.01)
    poids = r.details["poids"].set_index("site")["poids"]
    assert poids["Utah"] == pytest.approx(0.394, abs=0.01) and poids["Nevada"] == pytest.approx(0.205, abs=0.01)
    assert len(r.details["placebos"]) == 38
    # Relatif : une seule définition, e / (O − e) avec O le total mesuré.
    o = float(w.loc[1989:, "California"].sum())
    assert r.effet_relatif == pytest.approx(r.effet / (o - r.effet))
    assert r.ic_relatif_bas == pytest.approx(r.ic_bas / (o - r.ic_bas))


def test_index_mois_numerotes_par_etiquette():
    """Mois 1 à 60, début au mois 37 : 36 mois avant, 24 après (l'ancien code comptait le mois 37 avant)."""
    p = simuler_controle_synthetique(n_temoins=12, n_periodes=60, debut=36, effet=-4.0, graine=5)
    d = p.donnees.copy()
    d.index = pd.RangeIndex(1, 61)  # mois 1..60 ; le début (ligne 36) est le mois 37
    r = controle_synthetique(d, p.traite, 37)
    assert (r.details["n_avant"], r.details["n_apres"]) == (36, 24)
    assert (r.contrefactuel["periode"] == "avant").sum() == 36
    assert r.contrefactuel.loc[r.contrefactuel["date"] == 37, "periode"].item() == "apres"
    # Même résultat avec un index d'entiers quelconque (non RangeIndex) et avec des dates.
    d2 = d.copy()
    d2.index = pd.Index(list(range(1, 61)), dtype="int64")
    assert controle_synthetique(d2, p.traite, 37).effet == pytest.approx(r.effet)
    d3 = d.copy()
    d3.index = pd.date_range("2020-01-01", periods=60, freq="MS")
    assert controle_synthetique(d3, p.traite, "2023-01-01").effet == pytest.approx(r.effet)


def test_debut_incomparable_message_francais():
    d = _prop99()
    with pytest.raises(ValueError, match="ne se compare pas"):
        controle_synthetique(d, "California", "1989-01-01")


def test_prop99_controle_de_robustesse_par_dd_synthetiques():
    """Le contrôle synthétique est vérifié par les doubles différences synthétiques sur le même
    panel : sur la Proposition 99, −15,6 par an sur 12 ans (≈ −187 en cumul) contre −19,5 par an
    (≈ −234) : dans l'intervalle, de même sens, les deux méthodes concordent."""
    w = _prop99()
    r = controle_synthetique(w, "California", 1989, unite="paquets par habitant")
    v = next(v for v in r.verifications if v.nom == "dd_synthetiques")
    assert v.valeur / 12 == pytest.approx(-15.60, abs=0.01)
    assert v.statut == "reussie"
    assert "concordent" in v.phrase and "paquets par habitant" in v.phrase


def test_dd_synthetiques_divergent_signale():
    """Un site qui a un écart de niveau constant avec tous les témoins : le contrôle synthétique (sans
    constante) se trompe, les DD synthétiques non ; la divergence est signalée."""
    rng = np.random.default_rng(11)
    annees = np.arange(2000, 2020)
    communs = np.cumsum(rng.normal(0, 1, len(annees)))
    d = pd.DataFrame({f"t{j}": 50 + 5 * j + communs + rng.normal(0, 0.3, len(annees)) for j in range(8)}, index=annees)
    d["equipe"] = 200 + communs + rng.normal(0, 0.3, len(annees))  # bien au-dessus de tous les témoins
    r = controle_synthetique(d, "equipe", 2012)
    v = next(v for v in r.verifications if v.nom == "dd_synthetiques")
    assert abs(v.valeur) < 5 and v.statut == "attention" and "prudence" in v.phrase
