"""Doubles différences échelonnées (Callaway et Sant'Anna, 2021) : contre csdid et en simulation."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eprouvette.methodes._simulation import simuler_panel_echelonne
from eprouvette.methodes.dd_echelonnees import dd_echelonnees, poids_multiplicateurs
from eprouvette.methodes.doubles_differences import effets_fixes_bidirectionnels

REFERENCES = Path(__file__).parent / "references"
#: Tirages du bootstrap pour la comparaison (csdid : 20 000) ; avec les 999 par défaut, les écarts
#: types d'une cellule s'écartent de ceux de csdid jusqu'à 11 %.
TIRAGES = 4999
PLANS = [(t, b) for t in ("jamais", "pas_encore") for b in ("variable", "universelle")]


@pytest.fixture(scope="module")
def panel():
    return pd.read_csv(REFERENCES / "echelonne_panel.csv")


@pytest.fixture(scope="module")
def pair():
    return (pd.read_csv(REFERENCES / "echelonne_csdid_attgt.csv"),
            pd.read_csv(REFERENCES / "echelonne_csdid_agregats.csv"))


@pytest.mark.parametrize("temoins, base", PLANS)
def test_att_gt_comme_csdid(panel, pair, temoins, base):
    """Mêmes cellules cohorte × période que csdid 0.4.3, mêmes ATT(g,t) à 1e-6 ; écarts types
    (bootstrap, aléatoires des deux côtés) à ±15 %, valeur critique simultanée à ±5 %."""
    ref = pair[0][(pair[0].temoins == temoins) & (pair[0].base == base)]
    e = dd_echelonnees(panel, temoins=temoins, base=base, n_bootstrap=TIRAGES)
    m = e.att_gt.merge(ref, on=["cohorte", "periode"], how="outer", suffixes=("", "_pair"), indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"]
    assert np.allclose(m["att"], m["att_pair"], atol=1e-6, rtol=0)
    se = m.dropna(subset=["erreur_type_pair"])
    assert se["erreur_type"].notna().all()
    assert np.all(np.abs(se["erreur_type"] / se["erreur_type_pair"] - 1) <= 0.15)
    assert e.options["valeur_critique_att_gt"] == pytest.approx(ref["valeur_critique"].iloc[0], rel=0.05)
    # Base de la cellule (g, g − 1) : effet nul par construction, sans écart type (comme csdid).
    base_nulle = m[m["erreur_type_pair"].isna()]
    assert (base_nulle["att"] == 0).all() and base_nulle["erreur_type"].isna().all()
    assert len(base_nulle) == (3 if base == "universelle" else 0)


@pytest.mark.parametrize("temoins, base", PLANS)
def test_agregats_comme_csdid(panel, pair, temoins, base):
    """Effet global (moyenne des ATT(g,t) équipés pondérée par taille de cohorte) et étude
    d'événement par durée d'exposition, périodes d'avant comprises, comme ``aggte`` de csdid."""
    a = pair[1][(pair[1].temoins == temoins) & (pair[1].base == base)]
    e = dd_echelonnees(panel, temoins=temoins, base=base, n_bootstrap=TIRAGES)
    glob = a[a.agregat == "global"].iloc[0]
    assert e.effet == pytest.approx(glob.att, abs=1e-6)
    assert e.erreur_type == pytest.approx(glob.erreur_type, rel=0.15)
    assert e.options["erreur_type_analytique"] == pytest.approx(glob.erreur_type, rel=0.15)
    evt = a[a.agregat == "evenement"]
    total = evt[evt.cle.isna()].iloc[0]
    assert e.effet_evenement == pytest.approx(total.att, abs=1e-6)
    assert e.erreur_type_evenement == pytest.approx(total.erreur_type, rel=0.15)
    par_duree = evt.dropna(subset=["cle"]).assign(duree=lambda x: x.cle.astype(int))
    m = e.evenement.merge(par_duree, on="duree", how="outer", suffixes=("", "_pair"), indicator=True)
    assert (m["_merge"] == "both").all()
    assert m["duree"].min() < -1 and m["duree"].max() == 6  # durées d'avant comprises
    assert np.allclose(m["att"], m["att_pair"], atol=1e-6, rtol=0)
    se = m.dropna(subset=["erreur_type_pair"])
    assert np.all(np.abs(se["erreur_type"] / se["erreur_type_pair"] - 1) <= 0.15)
    assert e.options["valeur_critique_evenement"] == pytest.approx(par_duree["valeur_critique"].iloc[0], rel=0.05)


def test_deux_bases_memes_effets_apres(panel):
    """Les périodes équipées ont les mêmes ATT(g,t) avec la base variable et la base universelle ;
    la base universelle compare toujours à g − 1."""
    v = dd_echelonnees(panel, base="variable").att_gt
    u = dd_echelonnees(panel, base="universelle").att_gt
    m = v[v.apres].merge(u[u.apres], on=["cohorte", "periode"])
    assert len(m) == int(v.apres.sum()) and np.allclose(m.att_x, m.att_y)
    assert (u["base"] == u["cohorte"] - 1).all()
    avant = v[~v.apres]
    assert (avant["base"] == avant["periode"] - 1).all()


def test_periodes_en_dates(panel):
    """Des mois (dates ou textes AAAA-MM) au lieu d'entiers : mêmes effets, durées en périodes."""
    mois = pd.date_range("2023-01-01", periods=10, freq="MS")
    d = panel.assign(periode=mois[panel.periode - 1],
                     debut=[mois[int(x) - 1] if x == x else pd.NaT for x in panel.debut])
    e, e0 = dd_echelonnees(d), dd_echelonnees(panel)
    assert e.effet == e0.effet and e.evenement["att"].equals(e0.evenement["att"])
    assert e.cohortes == {mois[3]: 8, mois[5]: 10, mois[7]: 12}
    texte = d.assign(periode=d.periode.dt.strftime("%Y-%m"), debut=d.debut.dt.strftime("%Y-%m"))
    assert dd_echelonnees(texte).effet == e0.effet


def test_graine_et_poids(panel):
    """Même graine, mêmes écarts types ; poids de Mammen de moyenne 0, variance 1, troisième moment 1,
    qui donnent des écarts types voisins de ceux de Rademacher."""
    a, b = dd_echelonnees(panel, graine=3), dd_echelonnees(panel, graine=3)
    assert a.erreur_type == b.erreur_type and a.att_gt["erreur_type"].equals(b.att_gt["erreur_type"])
    w = poids_multiplicateurs("mammen", 200_000, 1, np.random.default_rng(0)).ravel()
    assert abs(w.mean()) < 0.01 and w.var() == pytest.approx(1, abs=0.01)
    assert np.mean(w ** 3) == pytest.approx(1, abs=0.03)
    m = dd_echelonnees(panel, poids="mammen", n_bootstrap=4999)
    assert m.erreur_type == pytest.approx(m.options["erreur_type_analytique"], rel=0.1)
    assert m.effet == a.effet


def test_panel_refuse_en_francais(panel):
    with pytest.raises(ValueError, match="équilibré"):
        dd_echelonnees(panel.iloc[1:])
    faux = panel.copy()
    faux.loc[faux.index[0], "debut"] = 6
    with pytest.raises(ValueError, match="change d'une ligne à l'autre"):
        dd_echelonnees(faux)
    with pytest.raises(ValueError, match="jamais équipé"):
        dd_echelonnees(panel.dropna(subset=["debut"]), temoins="jamais")
    une_cohorte = panel[panel.debut == 4]
    with pytest.raises(ValueError, match="Aucune période équipée n'a de site témoin"):
        dd_echelonnees(une_cohorte)
    # Sans jamais équipés, la dernière cohorte n'a plus de témoin une fois équipée : cellules écartées, dit.
    sans_jamais = dd_echelonnees(panel.dropna(subset=["debut"]))
    assert not sans_jamais.inference_credible
    assert any("sans aucun site témoin" in r for r in sans_jamais.remarques)
    assert sans_jamais.att_gt.query("cohorte == 8 and apres")["att"].isna().all()


def test_sites_equipes_des_le_debut_ecartes_et_inference_fragile():
    """Un site déjà équipé à la première période est écarté (et dit) ; des cohortes de 3 sites
    donnent une incertitude déclarée fragile."""
    p = simuler_panel_echelonne({0: 2, 3: 3, 5: 3}, n_jamais=4, graine=1).donnees
    e = dd_echelonnees(p)
    assert e.n_sites == 10 and e.cohortes == {3: 3, 5: 3}
    assert any("première période" in r for r in e.remarques)
    assert not e.inference_credible and any("fragile" in r for r in e.remarques)
    grand = dd_echelonnees(simuler_panel_echelonne({3: 10, 5: 10, 7: 10}, n_jamais=10, graine=1).donnees)
    assert grand.inference_credible and not grand.remarques


@pytest.mark.lent
def test_simulation_effets_fixes_biaises_callaway_santanna_non():
    """200 panels (3 cohortes de 10 sites, débuts aux périodes 3, 5 et 7 sur 10 ; 5 sites jamais
    équipés ; effet 1 + e qui croît avec l'exposition e) : l'estimateur à effets fixes
    bidirectionnels est biaisé (les sites déjà équipés servent de témoins), Callaway et Sant'Anna
    non (biais dans son incertitude Monte-Carlo), et son intervalle à 95 % couvre la vérité."""
    R = 200
    verite, fe, cs, couvre = [], [], [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in range(R):
            p = simuler_panel_echelonne({3: 10, 5: 10, 7: 10}, n_jamais=5, pente=1.0, graine=1000 + r)
            verite.append(p.effet_global)
            fe.append(effets_fixes_bidirectionnels(p.donnees, inference="regroupees", bootstrap=False,
                                                   tendances_prealables=False).effet)
            e = dd_echelonnees(p.donnees, n_bootstrap=199, graine=r)
            cs.append(e.effet)
            couvre += e.intervalle[0] <= p.effet_global <= e.intervalle[1]
    verite = verite[0]  # le même plan à chaque tirage : le même vrai effet
    fe, cs = np.array(fe), np.array(cs)
    mc_cs = cs.std(ddof=1) / np.sqrt(R)
    assert abs(cs.mean() - verite) <= 3 * mc_cs, (cs.mean(), verite, mc_cs)
    assert fe.mean() - verite < -10 * fe.std(ddof=1) / np.sqrt(R) and fe.mean() < 0.75 * verite, (fe.mean(), verite)
    assert 0.92 <= couvre / R <= 0.98, couvre / R
