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


@pytest.mark.lent
def test_replication_rapide_identique_au_chemin_complet():
    """Le chemin rapide des simulations (séries faites depuis le tableau simulé, calendrier une fois) donne,
    tirage par tirage, la même estimation que l'évaluation par le format des mesures."""
    from eprouvette.conception import _valeurs_simulees, estimateur_simule

    def cle(r):
        return (r.methode, r.effet, r.ic_bas, r.ic_haut, r.p_valeur, r.effet_relatif, r.effet_minimal_detectable,
                r.significatif)

    for ident in (EAU, VELO):
        projet = charger_projet(ident)
        dec = decomposer(projet)
        candidats = [s.identifiant for s in projet.pilote.sites_temoins]
        for temoins in ([], candidats):  # vélo : le témoin candidat est celui que la note écarte
            pil = pilote_fictif(projet, projet.duree_prevue_jours, temoins)
            complet, rapide = estimateur_simule(pil, rapide=False), estimateur_simule(pil)
            rng = np.random.default_rng(11)
            for effet in (0.0, -0.05, 0.08):
                y = _valeurs_simulees(pil, dec, rng, effet)
                assert cle(rapide(y)) == cle(complet(y)), (ident, temoins, effet)


# Précision exigée de la note : ses puissances sont estimées sur N₁ = SIMULATIONS_NOTE (400) tirages ; le contrôle
# les refait sur d'autres tirages (autre graine).
# - Effet minimal détectable : N₂ = N_CONTROLE (800) tirages. Deux estimations indépendantes d'une même puissance
#   p = 0,80 diffèrent d'un écart type de √(p(1 − p)(1/N₁ + 1/N₂)) = √(0,16 × (1/400 + 1/800)) = 2,45 points ;
#   tolérance de 5 points = 2,04 écarts types : une note juste échoue dans environ 4 % des graines (bilatéral).
#   Une note dont l'effet minimal détectable serait décalé de 20 % aurait une puissance réelle de 61 % (−20 %) ou
#   92 % (+20 %) au lieu de 80 % (loi normale : Φ(0,8 × 2,80 − 1,96) et Φ(1,2 × 2,80 − 1,96)), à 12 points ou
#   plus : le contrôle s'en écarte de plus de 5 points sauf malchance de près de trois écarts types.
# - Durées (N_CONTROLE / 2 = 400 tirages) : la note dit « suffit » (puissance ≥ 80 %) ou « ne suffit pas » ; le
#   contrôle doit être du même côté de 80 % à 5 points près (unilatéral). Au pire, puissance réelle pile à 80 % :
#   écart type de la différence √(0,16 × (1/400 + 1/400)) = 2,83 points, 5 points = 1,77 écart type, 4 % ; bien
#   moins dès que la puissance s'éloigne de 80 %.
N_CONTROLE = 800
TOLERANCE = 0.05


def _ecart_type_difference(n1: int, n2: int, p: float = PUISSANCE_VISEE) -> float:
    return math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))


def test_tolerance_de_quelques_points_justifiee():
    from eprouvette.conception import SIMULATIONS_NOTE, precision_puissance

    assert SIMULATIONS_NOTE >= 400 and precision_puissance(SIMULATIONS_NOTE) <= 0.02
    assert TOLERANCE <= 0.05 and TOLERANCE / _ecart_type_difference(SIMULATIONS_NOTE, N_CONTROLE) >= 2.0
    assert TOLERANCE / _ecart_type_difference(SIMULATIONS_NOTE, N_CONTROLE // 2) >= 1.75


def verifier_note(projet, note: dict, n_controle: int = N_CONTROLE, decalage_emd: float = 1.0) -> list[str]:
    """Les écarts entre la note (son ``en_dict``) et une simulation indépendante de l'estimateur réel ; vide si
    la note tient. ``decalage_emd`` : pour montrer que le contrôle échoue sur une note fausse."""
    ecarts = []
    signe = -1 if projet.pilote.indicateur_principal.sens_souhaite == "baisse" else 1
    autre = dict(n=n_controle, graine=note["graine"] + 1, temoins=note["temoins_retenus"])
    tol = TOLERANCE
    # 1. L'effet minimal détectable de la note, planté dans des historiques neufs, est vu autant de fois que la
    #    note le dit (et c'est environ 8 fois sur 10).
    if abs(note["puissance_a_emd"] - PUISSANCE_VISEE) > tol:
        ecarts.append(f"la note place l'EMD à {note['puissance_a_emd']:.3f} de puissance, pas à 80 %")
    plante = signe * note["effet_minimal_detectable"] * decalage_emd / note["pente"]
    controle = simuler_puissance(projet, projet.duree_prevue_jours, plante, **autre)
    if controle.methode != note["methode"]:
        ecarts.append(f"méthode {controle.methode} au lieu de {note['methode']}")
    if abs(controle.puissance - note["puissance_a_emd"]) > tol:
        ecarts.append(f"EMD : puissance {controle.puissance:.3f} au contrôle, {note['puissance_a_emd']:.3f} dans la note")
    # 2. La durée : suffisante là où la note le dit, insuffisante sur la durée essayée juste plus courte ; si
    #    aucune ne suffit, la plus longue durée calculable essayée ne suffit pas non plus au contrôle.
    autre["n"] = n_controle // 2
    au_seuil = {s["duree_jours"]: s for s in note["au_seuil"] if s["echecs"] < s["simulations"]}
    plante = signe * projet.seuil_materialite / note["pente"]
    necessaire = note["duree_necessaire_jours"]
    verifiees = [] if necessaire is None else [(necessaire, True)]
    verifiees += [(d, False) for d in ([d for d in sorted(au_seuil) if d < necessaire][-1:] if necessaire
                                       else [max(au_seuil)])]
    for d, suffit in verifiees:
        sim = simuler_puissance(projet, d, plante, **autre)
        if suffit != (au_seuil[d]["puissance"] >= PUISSANCE_VISEE):
            ecarts.append(f"durée {d} j : la note se contredit ({au_seuil[d]['puissance']:.3f})")
        if (sim.puissance < PUISSANCE_VISEE - tol) if suffit else (sim.puissance >= PUISSANCE_VISEE + tol):
            ecarts.append(f"durée {d} j : puissance {sim.puissance:.3f} au contrôle, {au_seuil[d]['puissance']:.3f} "
                          f"dans la note ({'suffisante' if suffit else 'insuffisante'})")
    return ecarts


@pytest.mark.lent
@pytest.mark.parametrize("ident", [EAU, VELO])
def test_la_note_correspond_a_une_simulation_de_l_estimateur_reel(ident):
    """La note de cadrage (400 tirages par essai, comme celle que construit make rapports ; durées essayées 3 et
    6 mois) face à une simulation indépendante de l'estimateur réel du domaine."""
    c = concevoir(charger_projet(ident), durees_mois=(3, 6))
    note = c.en_dict()
    assert note["simulations"] >= 400 and note["effet_minimal_detectable"] is not None
    assert note["effet_minimal_detectable"] == pytest.approx(abs(c.simulation_emd.effet_plante * c.pente))
    ecarts = verifier_note(c.projet, note)
    assert not ecarts, ecarts


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
