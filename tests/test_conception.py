"""La conception d'une expérimentation avant son début (eprouvette.conception, docs/conception.md).

Le test lent compare ce que dit la note de cadrage (effet minimal détectable, durée nécessaire) à une
simulation indépendante (autre graine) de l'estimateur réel du domaine, sur les historiques des deux
projets d'exemple (eau : doubles différences ; mobilité : série interrompue).
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from eprouvette import config
from eprouvette.conception import (PUISSANCE_VISEE, _mesures_simulees, charger_projet, concevoir, decomposer,
                                   diagnostiquer_temoins, lister_projets, pilote_fictif, simuler_puissance)
from eprouvette.erreurs import ErreurDonnees

EAU = "projet-eau-fuites-lens"
VELO = "projet-mobilite-velo-bethune"


def test_les_projets_d_exemple_sont_ceux_du_generateur(tmp_path):
    from eprouvette.generateurs import projets

    projets.main(tmp_path)
    for ident in projets.PROJETS_EXEMPLES:
        for f in sorted((config.PROJETS / ident).iterdir()):
            assert (tmp_path / ident / f.name).read_bytes() == f.read_bytes(), f"{ident}/{f.name}"
    assert {p.name for p in lister_projets()} == set(projets.PROJETS_EXEMPLES)


def test_historique_decompose_saison_et_autocorrelation():
    dec = decomposer(charger_projet(EAU))
    s = dec.statistiques.set_index("site")
    assert dec.harmoniques == 2 and dec.log
    # Le générateur plante une saison de ±10 % (écart creux-pic d'environ 20 %) et un bruit AR(1) de ρ = 0,7-0,8.
    assert s.loc["secteur-exp-1", "saison"] == pytest.approx(0.2, abs=0.06)
    assert (s["autocorrelation"] > 0.6).all() and (s["autocorrelation"] < 0.95).all()


def test_temoins_a_ecarter_ceux_qui_derivent():
    eau = {d.site: d for d in diagnostiquer_temoins(charger_projet(EAU))}
    assert eau["secteur-tem-4"].verdict == "ecarter"  # +30 % de fuites par an, planté par le générateur
    assert eau["secteur-tem-4"].ecart_tendance == pytest.approx(0.30, abs=0.08)
    assert all(eau[f"secteur-tem-{k}"].verdict == "retenir" for k in (1, 2, 3))
    velo = {d.site: d for d in diagnostiquer_temoins(charger_projet(VELO))}
    assert velo["compteur-velo-3"].verdict == "ecarter"  # +40 % de cyclistes par an
    assert "tendance" in velo["compteur-velo-3"].raisons[0]


def test_effet_plante_sur_les_seuls_sites_a_equiper_pendant_l_experimentation():
    projet = charger_projet(EAU)
    dec = decomposer(projet)
    pil = pilote_fictif(projet, 120, ["secteur-tem-1"])
    sans = _mesures_simulees(pil, dec, np.random.default_rng(3), 0.0)
    avec = _mesures_simulees(pil, dec, np.random.default_rng(3), -0.07)
    rapport = (avec["valeur"] / sans["valeur"]).to_numpy()
    pendant = (avec["date"] >= str(pil.periode_experimentation.debut)).to_numpy()
    equipe = avec["site"].isin([s.identifiant for s in pil.sites_experimentaux]).to_numpy()
    assert np.allclose(rapport[pendant & equipe], 0.93) and np.allclose(rapport[~(pendant & equipe)], 1.0)
    assert set(avec["site"]) == {"secteur-exp-1", "secteur-exp-2", "secteur-tem-1"}
    assert avec["date"].max() == np.datetime64(pil.periode_experimentation.fin)


def test_un_projet_deja_commence_est_refuse(tmp_path):
    dossier = tmp_path / EAU
    shutil.copytree(config.PROJETS / EAU, dossier)
    texte = (dossier / "pilote.yaml").read_text(encoding="utf-8").replace("debut: '2027-03-01'", "debut: '2026-10-01'")
    texte = texte.replace("fin: '2026-12-31'", "fin: '2026-09-30'")
    (dossier / "pilote.yaml").write_text(texte, encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="datent du début prévu"):
        charger_projet(dossier)


def test_cadrage_seuil_hors_bornes(tmp_path):
    dossier = tmp_path / EAU
    shutil.copytree(config.PROJETS / EAU, dossier)
    (dossier / "cadrage.yaml").write_text("appel: {identifiant: ami}\nseuil_materialite: 5\n", encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="seuil_materialite"):
        charger_projet(dossier)


def _ecart_admis(n1: int, n2: int) -> float:
    """Deux puissances de 80 % estimées sur n1 et n2 simulations : 2,5 erreurs types de leur écart."""
    return 2.5 * math.sqrt(0.16 / n1 + 0.16 / n2)


@pytest.mark.lent
@pytest.mark.parametrize("ident, n_note, n_controle", [(EAU, 40, 100), (VELO, 30, 60)])
def test_la_note_correspond_a_une_simulation_de_l_estimateur_reel(ident, n_note, n_controle):
    projet = charger_projet(ident)
    c = concevoir(projet, n_simulations=n_note, durees_mois=(3, 6))
    autre = dict(n=n_controle, graine=c.graine + 1, temoins=c.temoins_retenus)
    # L'effet minimal détectable de la note, planté dans des historiques neufs, est vu environ 8 fois sur 10.
    assert c.emd is not None
    plante_emd = c.simulation_emd.effet_plante
    assert abs(plante_emd * c.pente) == pytest.approx(c.emd)
    controle = simuler_puissance(projet, projet.duree_prevue_jours, plante_emd, **autre)
    assert controle.methode == c.sans_effet.methode
    assert abs(controle.puissance - PUISSANCE_VISEE) <= _ecart_admis(n_note, n_controle), controle.en_dict()
    assert abs(c.simulation_emd.puissance - PUISSANCE_VISEE) <= 0.1
    # La durée : suffisante là où la note le dit, insuffisante sur la durée essayée juste plus courte.
    signe = -1 if projet.pilote.indicateur_principal.sens_souhaite == "baisse" else 1
    plante = c.effet_plante(signe * projet.seuil_materialite)
    essayees = sorted(c.au_seuil)
    if c.duree_necessaire_jours is not None:
        ok = simuler_puissance(projet, c.duree_necessaire_jours, plante, **autre)
        assert ok.puissance >= PUISSANCE_VISEE - _ecart_admis(n_note, n_controle), ok.en_dict()
        plus_courtes = [d for d in essayees if d < c.duree_necessaire_jours]
        if plus_courtes:
            court = simuler_puissance(projet, plus_courtes[-1], plante, **autre)
            assert court.puissance < PUISSANCE_VISEE + _ecart_admis(n_note, n_controle), court.en_dict()
    else:
        longue = simuler_puissance(projet, max(essayees), plante, **autre)
        assert longue.puissance < PUISSANCE_VISEE, longue.en_dict()


def test_plan_preenregistre_et_tirage_au_sort_du_projet(tmp_path):
    """Un plan.yaml tiré au sort (commande tirer) : la note montre son empreinte, le niveau de preuve monte à 5."""
    from eprouvette.conception import niveaux_de_preuve, plan_du_projet
    from eprouvette.plan import ecrire_plan, empreinte
    from eprouvette.tirage_au_sort import tirer_pour_pilote

    dossier = tmp_path / EAU
    shutil.copytree(config.PROJETS / EAU, dossier)
    projet = charger_projet(dossier)
    diag = diagnostiquer_temoins(projet)
    retenus = [d.site for d in diag if d.verdict != "ecarter"]
    sans = plan_du_projet(projet, retenus, 7)
    assert sans.plan is None and sans.tirage_suivi is None
    # La proposition est reproductible par sa graine, parmi les sites à équiper et les seuls témoins retenus.
    assert plan_du_projet(projet, retenus, 7).proposition.equipes == sans.proposition.equipes
    assert set(sans.proposition.equipes) | set(sans.proposition.temoins) == {"secteur-exp-1", "secteur-exp-2", *retenus}
    assert niveaux_de_preuve(diag, retenus, sans)[0].niveau == 4
    donnees, _ = tirer_pour_pilote(dossier, 7, plan_tirage="strates", candidats=["secteur-exp-1", "secteur-exp-2", *retenus],
                                   auteur="test", enregistre_le=__import__("datetime").date(2027, 1, 15))
    ecrire_plan(dossier, donnees)
    avec = plan_du_projet(projet, retenus, 7)
    assert avec.plan.empreinte == empreinte(donnees) and avec.tirage_suivi is True
    assert avec.en_dict()["empreinte"] == empreinte(donnees)
    assert niveaux_de_preuve(diag, retenus, avec)[0].niveau == 5
