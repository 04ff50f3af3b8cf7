"""La grille de recommandation : chaque critère, de part et d'autre de son seuil, change le verdict
comme le dit la grille documentée (lib/eprouvette/recommandation.py, docs/recommandation.md)."""

from __future__ import annotations

import pytest
import yaml

from eprouvette.erreurs import ErreurDonnees
from eprouvette.methodes.base import ResultatImpact, Verification
from eprouvette.recommandation import charger_grille, recommander

GRILLE = charger_grille()
MAT = GRILLE.seuils["effet_relatif_materiel"]
MDE = GRILLE.seuils["effet_minimal_detectable_relatif_max"]


def resultat(rel=-0.10, demi_largeur_rel=0.03, mde_rel=0.03, verifs=(), total_cf=100_000.0):
    """Un résultat d'économie d'énergie : effet relatif ``rel`` sur un contrefactuel de ``total_cf`` kWh."""
    effet = rel * total_cf
    hw = demi_largeur_rel * total_cf
    return ResultatImpact(
        methode="test", libelle_methode="test", indicateur="conso", unite="kWh",
        effet=effet, ic_bas=effet - hw, ic_haut=effet + hw, p_valeur=0.01,
        effet_relatif=rel, ic_relatif_bas=rel - demi_largeur_rel, ic_relatif_haut=rel + demi_largeur_rel,
        effet_minimal_detectable=mde_rel * total_cf, verifications=list(verifs),
    )


def test_cas_nominal_generaliser():
    r = recommander(resultat(), "baisse", van_socio_eur=1000.0, temps_retour_ans=4, duree_vie_ans=10, grille=GRILLE)
    assert r.verdict == "generaliser" and r.regle == "etabli"
    assert r.libelle == "Généraliser"
    assert r.en_dict()["regle_verdict"] == "etabli"
    assert {c.nom for c in r.criteres} == {
        "effet_etabli", "effet_materiel", "puissance", "robustesse", "efficience", "transferabilite"}


def test_effet_nuisible_ne_pas_generaliser():
    r = recommander(resultat(rel=+0.08), "baisse", 1000.0, grille=GRILLE)
    assert r.verdict == "ne_pas_generaliser"
    assert "contraire" in r.raison


def test_sens_hausse():
    assert recommander(resultat(rel=+0.10), "hausse", 1000.0, grille=GRILLE).verdict == "generaliser"
    assert recommander(resultat(rel=-0.10), "hausse", 1000.0, grille=GRILLE).verdict == "ne_pas_generaliser"


@pytest.mark.parametrize("mde, attendu", [(MDE * 1.01, "etendre"), (MDE * 0.99, "ne_pas_generaliser")])
def test_effet_non_etabli_selon_la_puissance(mde, attendu):
    """Intervalle qui contient zéro : trop court pour conclure si l'effet minimal détectable dépasse le
    seuil, sinon « pas d'effet » (l'expérimentation l'aurait vu)."""
    r = recommander(resultat(rel=-0.01, demi_largeur_rel=0.02, mde_rel=mde), "baisse", 1000.0, grille=GRILLE)
    assert r.verdict == attendu
    assert r.regle == ("trop_court" if attendu == "etendre" else "sans_effet")
    if attendu == "etendre":
        assert r.certitude == "L'expérimentation est trop courte pour conclure."


def test_jamais_generaliser_sur_du_bruit():
    """Un effet estimé important mais dont l'intervalle contient zéro n'est jamais « généraliser »."""
    for mde in (0.01, 0.2):
        r = recommander(resultat(rel=-0.30, demi_largeur_rel=0.35, mde_rel=mde), "baisse", 1000.0, grille=GRILLE)
        assert r.verdict != "generaliser"


@pytest.mark.parametrize("rel, attendu", [(-(MAT * 1.01), "generaliser"), (-(MAT * 0.99), "ajuster")])
def test_seuil_de_materialite(rel, attendu):
    r = recommander(resultat(rel=rel, demi_largeur_rel=0.005, mde_rel=0.01), "baisse", 1000.0, grille=GRILLE)
    assert r.verdict == attendu


SEUIL_VAN = GRILLE.seuils["van_socio_economique_min_eur"]


@pytest.mark.parametrize("van, attendu", [(SEUIL_VAN + 1, "generaliser"), (SEUIL_VAN, "generaliser"),
                                          (SEUIL_VAN - 1, "ajuster")])
def test_seuil_d_efficience(van, attendu):
    r = recommander(resultat(), "baisse", van_socio_eur=van, temps_retour_ans=None, duree_vie_ans=10, grille=GRILLE)
    assert r.verdict == attendu
    eff = next(c for c in r.criteres if c.nom == "efficience")
    assert eff.tenu is (attendu == "generaliser")
    assert "pas remboursé" in eff.explication


def test_efficience_non_evaluee_ne_bloque_pas():
    r = recommander(resultat(), "baisse", grille=GRILLE)
    assert r.verdict == "generaliser"
    assert next(c for c in r.criteres if c.nom == "efficience").tenu is None


def test_seuil_de_robustesse():
    n = int(GRILLE.seuils["verifications_attention_max"])
    attention = [Verification(f"v{i}", "attention", "à surveiller") for i in range(n)]
    assert recommander(resultat(verifs=attention), "baisse", 1000.0, grille=GRILLE).verdict == "generaliser"
    plus = attention + [Verification("vx", "attention", "à surveiller")]
    assert recommander(resultat(verifs=plus), "baisse", 1000.0, grille=GRILLE).verdict == "etendre"
    echec = [Verification("v", "echec", "non vérifiée")]
    assert recommander(resultat(verifs=echec), "baisse", 1000.0, grille=GRILLE).verdict == "etendre"


def test_transferabilite():
    assert recommander(resultat(), "baisse", 1000.0, transferable=False, grille=GRILLE).verdict == "etendre"
    assert recommander(resultat(), "baisse", 1000.0, transferable=True, grille=GRILLE).verdict == "generaliser"


def test_grille_incomplete(tmp_path):
    f = tmp_path / "recommandation.yaml"
    f.write_text(yaml.safe_dump({"version": 1, "seuils": {"effet_relatif_materiel": 0.05}}), encoding="utf-8")
    with pytest.raises(ErreurDonnees) as e:
        charger_grille(f)
    assert "seuil(s) manquant(s)" in str(e.value)
    assert "recommandation.yaml" in str(e.value)


def test_grille_yaml_mal_forme(tmp_path):
    f = tmp_path / "recommandation.yaml"
    f.write_text("version: 1\nseuils: [\n", encoding="utf-8")
    with pytest.raises(ErreurDonnees) as e:
        charger_grille(f)
    assert "YAML mal formé" in str(e.value) and "ligne" in str(e.value)
