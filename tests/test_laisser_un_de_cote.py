"""Laisser un site de côté (verifications.laisser_un_de_cote) : l'estimation refaite sans chaque site
témoin et chaque site équipé, sur des panels simulés dont on connaît la réponse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eprouvette.methodes.base import ResultatImpact
from eprouvette.methodes.doubles_differences import effets_fixes_bidirectionnels
from eprouvette.methodes.verifications import conclusion_effet, laisser_un_de_cote
from eprouvette.pilote import Site


def _panel(choc_temoin: float, effet: float, graine: int = 1, n1: int = 3, n0: int = 3, T: int = 80) -> pd.DataFrame:
    """Panel sites × périodes : ``effet`` sur les sites équipés après le début ; le premier témoin
    (« s3 ») monte de ``choc_temoin`` après le début, pour une raison qui n'a rien à voir."""
    rng = np.random.default_rng(graine)
    lignes = []
    for i in range(n1 + n0):
        niveau = rng.normal(10, 2)
        for t in range(T):
            apres = t >= T // 2
            v = (niveau + 0.05 * t + rng.normal(0, 0.5) + (choc_temoin if i == n1 and apres else 0.0)
                 + (effet if i < n1 and apres else 0.0))
            lignes.append({"site": f"s{i}", "periode": t, "valeur": v, "actif": int(i < n1 and apres)})
    return pd.DataFrame(lignes)


def _sites(n1: int = 3, n0: int = 3) -> list[Site]:
    return [Site(f"s{i}", f"École fictive n° {i}", "experimental" if i < n1 else "temoin", "80021")
            for i in range(n1 + n0)]


def _controle(panel: pd.DataFrame, sites: list[Site]):
    def estimer(df: pd.DataFrame) -> ResultatImpact:
        return effets_fixes_bidirectionnels(df, tendances_prealables=False, graine=3)

    complet = estimer(panel)
    return complet, laisser_un_de_cote(lambda retires: estimer(panel[~panel["site"].isin(retires)]), sites, complet)


def test_un_seul_temoin_porte_l_effet_attention_et_site_nomme():
    # Aucun effet réel : la « baisse » vient d'un seul témoin qui a monté après le début.
    complet, c = _controle(_panel(choc_temoin=1.5, effet=0.0), _sites())
    assert conclusion_effet(complet) == "baisse établie"
    v = c.verification
    assert v.nom == "laisser_un_de_cote" and v.statut == "attention" and v.valeur == 1.0
    assert "repose sur un seul site témoin" in v.phrase and "« École fictive n° 3 »" in v.phrase
    assert "n'est plus établi" in v.phrase
    # Six estimations : trois témoins, trois équipés ; seule celle sans le témoin fautif change.
    t = c.tableau.set_index("Site retiré")
    assert len(t) == 6 and list(t["Rôle"]).count("témoin") == 3
    assert t.loc["École fictive n° 3", "Conclusion"] == "non établi"
    assert (t.drop("École fictive n° 3")["Conclusion"] == "baisse établie").all()
    # Sans le témoin fautif, l'intervalle contient bien l'effet vrai (zéro).
    assert t.loc["École fictive n° 3", "Borne basse (95\u00a0%)"] <= 0 <= t.loc["École fictive n° 3", "Borne haute (95\u00a0%)"]
    r = c.ajouter_a(complet)
    assert r.verifications[-1] is v and len(r.details["estimations_sans_chaque_site"]) == 6


def test_tous_les_sites_concordent_reussie():
    complet, c = _controle(_panel(choc_temoin=0.0, effet=-1.0), _sites())
    assert c.verification.statut == "reussie" and c.verification.valeur == 0.0
    assert "reste établi à la baisse" in c.verification.phrase
    assert (c.tableau["Conclusion"] == "baisse établie").all()
    assert c.tableau["Borne haute (95\u00a0%)"].max() < 0


def test_effet_non_etabli_qui_le_devient_sans_un_temoin():
    # Un témoin baisse autant que l'effet vrai : avec lui, l'effet se cache ; sans lui, il apparaît.
    complet, c = _controle(_panel(choc_temoin=-2.4, effet=-0.8), _sites())
    assert conclusion_effet(complet) == "non établi"
    assert c.verification.statut == "attention"
    assert "« École fictive n° 3 »" in c.verification.phrase and "baisse établie" in c.verification.phrase


def test_un_seul_temoin_sans_objet():
    sites = _sites(n1=3, n0=1)
    appels = []

    def estimer(retires):
        appels.append(retires)
        raise AssertionError("aucune estimation ne doit être refaite")

    r = ResultatImpact("doubles_differences", "DD", "x", "kWh", -1.0, -2.0, -0.5, 0.01)
    c = laisser_un_de_cote(estimer, sites, r)
    assert c.verification is None and not appels
    assert "Un seul site témoin : on ne peut pas vérifier que l'effet ne repose pas sur lui" in c.phrase
    c.ajouter_a(r)
    assert r.verifications == [] and c.phrase in r.limites and "estimations_sans_chaque_site" not in r.details


def test_trop_d_estimations_a_refaire_limite_dite_sans_calcul():
    """Un estimateur coûteux et beaucoup de sites (un parc de 216 bâtiments) : au-delà de ``maximum``
    estimations à refaire, aucune n'est refaite et la limite le dit."""
    sites = _sites(n1=10, n0=10)

    def estimer(retires):
        raise AssertionError("aucune estimation ne doit être refaite")

    r = ResultatImpact("reference_energetique", "R", "x", "kWh", -1.0, -2.0, -0.5, 0.01)
    c = laisser_un_de_cote(estimer, sites, r, maximum=19)
    assert c.verification is None
    assert "n'est fait que jusqu'à 19 estimations à refaire (il en faudrait 20)" in c.phrase
    assert laisser_un_de_cote(lambda retires: _faux(-1.0, -1.5, -0.5), sites, _faux(-1.0, -1.6, -0.4),
                              maximum=20).verification.statut == "reussie"


def _faux(effet, bas, haut):
    return ResultatImpact("m", "M", "x", "kWh", effet, bas, haut, 0.01)


def test_un_seul_site_equipe_n_est_pas_retire_et_estimation_impossible_notee():
    sites = [Site("e", "Équipé", "experimental", "80021"), Site("t1", "Témoin 1", "temoin", "80021"),
             Site("t2", "Témoin 2", "temoin", "80021")]
    retires_vus = []

    def estimer(retires):
        retires_vus.append(set(retires))
        if retires == {"t2"}:
            raise ValueError("trop peu de données")
        return _faux(-1.0, -1.5, -0.5)

    c = laisser_un_de_cote(estimer, sites, _faux(-1.0, -1.6, -0.4))
    assert retires_vus == [{"t1"}, {"t2"}]  # le seul site équipé n'est jamais retiré
    assert c.verification.statut == "reussie"
    assert c.tableau.loc[1, "Conclusion"].startswith("non calculée") and np.isnan(c.tableau.loc[1, "Effet"])


@pytest.mark.parametrize("r, attendu", [
    (_faux(-1.0, -1.5, -0.5), "baisse établie"), (_faux(1.0, 0.5, 1.5), "hausse établie"),
    (_faux(-1.0, -2.0, 0.1), "non établi"), (_faux(-1.0, float("nan"), float("nan")), "incertitude non calculable"),
])
def test_conclusion_effet(r, attendu):
    assert conclusion_effet(r) == attendu
