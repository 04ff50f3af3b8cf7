"""La grille de recommandation : chaque critère, de part et d'autre de son seuil, change le verdict
comme le dit la grille documentée (lib/eprouvette/recommandation.py, docs/recommandation.md)."""

from __future__ import annotations

import pytest
import yaml

from eprouvette.erreurs import ErreurDonnees
from eprouvette.methodes.base import ResultatImpact, Verification
from eprouvette.methodes.niveau_preuve import evaluer_niveau_preuve, niveau_depuis_code
from eprouvette.recommandation import charger_grille
from eprouvette.recommandation import recommander as _recommander

GRILLE = charger_grille()
GRILLE_CHEMIN = __import__("pathlib").Path(GRILLE.source)
MAT = GRILLE.seuils["effet_relatif_materiel"]
MDE = GRILLE.seuils["effet_minimal_detectable_relatif_max"]


#: Les tests des autres critères supposent un plan avec témoins comparables (niveau 4) ;
#: le niveau de preuve a ses propres tests plus bas.
TEMOINS_COMPARABLES = niveau_depuis_code(4)


def recommander(*args, niveau_preuve=TEMOINS_COMPARABLES, **kw):
    return _recommander(*args, niveau_preuve=niveau_preuve, **kw)


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
        "mesures_experimentation", "effet_etabli", "effet_materiel", "puissance", "niveau_preuve", "sites_equipes",
        "robustesse", "efficience", "transferabilite"}


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
    assert "seuils manquants" in str(e.value)
    assert "recommandation.yaml" in str(e.value)


def test_grille_yaml_mal_forme(tmp_path):
    f = tmp_path / "recommandation.yaml"
    f.write_text("version: 1\nseuils: [\n", encoding="utf-8")
    with pytest.raises(ErreurDonnees) as e:
        charger_grille(f)
    assert "YAML mal formé" in str(e.value) and "ligne" in str(e.value)


# ---------------------------------------------------------------------------------------------
# Puissance pour tout verdict (règle sous_puissance), des deux côtés
# ---------------------------------------------------------------------------------------------


def test_effet_significatif_sans_puissance_ne_generalise_pas():
    """MDE au-dessus du seuil, effet significatif dont l'intervalle touche la zone non matérielle : étendre."""
    r = recommander(resultat(rel=-0.10, demi_largeur_rel=0.07, mde_rel=MDE * 2), "baisse", 1000.0, grille=GRILLE)
    assert r.verdict == "etendre" and r.regle == "sous_puissance"
    # Dit en mots simples (#15 : pas de jargon au premier écran) : plan trop petit, effet souvent surestimé.
    assert "trop courte ou trop petite pour en mesurer la taille" in r.raison and "souvent surestimé" in r.raison
    puissance = next(c for c in r.criteres if c.nom == "puissance")
    assert puissance.tenu is False and "tout" in puissance.explication


def test_effet_sans_puissance_mais_intervalle_entier_au_dela_du_seuil():
    """MDE au-dessus du seuil mais tout l'intervalle au-delà de la matérialité : l'effet est établi."""
    r = recommander(resultat(rel=-0.20, demi_largeur_rel=0.10, mde_rel=MDE * 2), "baisse", 1000.0, grille=GRILLE)
    assert r.verdict == "generaliser" and r.regle == "etabli"
    # Juste de l'autre côté : la borne la plus proche de zéro passe sous le seuil.
    r = recommander(resultat(rel=-0.20, demi_largeur_rel=0.20 - MAT + 0.001, mde_rel=MDE * 2), "baisse", 1000.0,
                    grille=GRILLE)
    assert r.regle == "sous_puissance"


def test_effet_sans_puissance_sens_hausse():
    assert recommander(resultat(rel=+0.20, demi_largeur_rel=0.10, mde_rel=MDE * 2), "hausse", 1000.0,
                       grille=GRILLE).regle == "etabli"
    assert recommander(resultat(rel=+0.10, demi_largeur_rel=0.08, mde_rel=MDE * 2), "hausse", 1000.0,
                       grille=GRILLE).regle == "sous_puissance"


def test_effet_minimal_detectable_inconnu_ne_suffit_pas():
    r = resultat(rel=-0.10, demi_largeur_rel=0.07)
    r.effet_minimal_detectable = None
    assert recommander(r, "baisse", 1000.0, grille=GRILLE).regle == "sous_puissance"


# ---------------------------------------------------------------------------------------------
# Incertitude dégénérée
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("demi_largeur", [0.0, 1e-16, float("nan"), float("inf")])
def test_incertitude_degeneree_jamais_generaliser(demi_largeur):
    r = resultat(rel=-0.10, demi_largeur_rel=0.03)
    hw = demi_largeur * 100_000.0
    r.ic_bas, r.ic_haut = r.effet - hw, r.effet + hw
    r.erreur_type = hw / 1.96 if hw == hw else hw
    assert not r.significatif
    reco = recommander(r, "baisse", 1000.0, transferable=True, grille=GRILLE)
    assert reco.verdict == "etendre" and reco.regle == "incertitude"
    assert "incertitude" in reco.raison


def test_incertitude_indeterminee_dit_pourquoi():
    from eprouvette.methodes.base import incertitude_indeterminee

    r = incertitude_indeterminee(resultat(), "un seul site expérimenté face à un seul témoin, deux années")
    assert not r.significatif and not r.incertitude_valide
    assert "ne permettent pas de calculer une incertitude" in r.resume
    assert any(v.nom == "incertitude" and v.statut == "echec" for v in r.verifications)
    reco = recommander(r, "baisse", 1000.0, grille=GRILLE)
    assert reco.regle == "incertitude" and "un seul site" in reco.raison.lower()


# ---------------------------------------------------------------------------------------------
# Niveau de preuve
# ---------------------------------------------------------------------------------------------


def _niveau(n_temoins, verifs=(), alea=False, avant=True):
    return evaluer_niveau_preuve(a_periode_avant=avant, n_temoins=n_temoins, verifications=verifs,
                                 affectation_aleatoire=alea)


def test_niveaux_de_preuve():
    ok = [Verification("tendances_prealables", "reussie", "ok")]
    ko = [Verification("tendances_prealables", "echec", "ko")]
    assert _niveau(0, avant=False).niveau == 1
    assert _niveau(0).niveau == 2 and _niveau(0).code == "avant_apres"
    assert _niveau(0, alea=True).niveau == 2  # un tirage sans témoin ne donne pas de comparaison
    assert _niveau(3).niveau == 3
    assert _niveau(3, ok).niveau == 4
    assert _niveau(3, ko).niveau == 3
    assert _niveau(3, ok, alea=True).niveau == 5
    assert _niveau(3, ko, alea=True).niveau == 3
    assert "témoin" in _niveau(0).phrase and "sur 5" in _niveau(0).phrase


def test_sans_temoin_au_mieux_etendre():
    """Un effet net, matériel, puissant, mesuré sans témoin : étendre, avec la raison et le conseil."""
    reco = recommander(resultat(), "baisse", 1000.0, transferable=True, grille=GRILLE, niveau_preuve=_niveau(0))
    assert reco.verdict == "etendre" and reco.regle == "preuve_insuffisante"
    assert "consigne de sobriété" in reco.raison and "témoins" in reco.raison
    assert reco.en_dict()["niveau_preuve"]["niveau"] == 2
    critere = next(c for c in reco.criteres if c.nom == "niveau_preuve")
    assert critere.tenu is False
    # Avec des témoins : généraliser.
    assert recommander(resultat(), "baisse", 1000.0, transferable=True, grille=GRILLE,
                       niveau_preuve=_niveau(3)).verdict == "generaliser"


def test_niveau_de_preuve_non_evalue_interdit_generaliser():
    reco = recommander(resultat(), "baisse", 1000.0, transferable=True, grille=GRILLE, niveau_preuve=None)
    assert reco.regle == "preuve_insuffisante"


def test_niveau_minimal_reglable_dans_la_grille(tmp_path):
    brut = yaml.safe_load((GRILLE_CHEMIN).read_text(encoding="utf-8"))
    brut["seuils"]["niveau_preuve_min_generaliser"] = 2
    f = tmp_path / "recommandation.yaml"
    f.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    g = charger_grille(f)
    assert recommander(resultat(), "baisse", 1000.0, grille=g, niveau_preuve=_niveau(0)).verdict == "generaliser"
    brut["seuils"]["niveau_preuve_min_generaliser"] = 7
    f.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ErreurDonnees) as e:
        charger_grille(f)
    assert "niveau_preuve_min_generaliser" in str(e.value) and "1 à 5" in str(e.value)


# ---------------------------------------------------------------------------------------------
# Jours mesurés pendant l'expérimentation
# ---------------------------------------------------------------------------------------------


def test_trop_peu_de_jours_mesures_seulement_etendre():
    """Trois jours mesurés : même un effet « établi », nuisible ou favorable, ne donne qu'« étendre »."""
    n_min = int(GRILLE.seuils["jours_experimentation_min"])
    for rel in (-0.10, +0.47):
        r = recommander(resultat(rel=rel), "baisse", 1000.0, grille=GRILLE, jours_mesures_experimentation=3)
        assert r.verdict == "etendre" and r.regle == "trop_peu_de_mesures"
        assert "3 jours" in r.raison and str(n_min) in r.raison
    assert recommander(resultat(), "baisse", 1000.0, grille=GRILLE,
                       jours_mesures_experimentation=n_min - 1).regle == "trop_peu_de_mesures"
    assert recommander(resultat(), "baisse", 1000.0, grille=GRILLE,
                       jours_mesures_experimentation=n_min).regle == "etabli"


def test_les_controles_de_comparabilite_des_methodes_sont_reconnus():
    """Les noms des vérifications de comparabilité écrites par les méthodes (eau, mobilité, doubles
    différences, énergie) sont ceux que le niveau de preuve lit : un échec ramène au niveau 3."""
    import inspect

    from eprouvette.methodes import (
        doubles_differences,
        niveau_preuve,
        reference_energetique,
        series_calendrier,
        series_journalieres,
    )

    # Les estimateurs de l'eau (séries journalières) et de la mobilité (série de calendrier) vivent dans methodes/.
    sources = "".join(inspect.getsource(m) for m in (series_journalieres, series_calendrier, doubles_differences,
                                                      reference_energetique))
    for nom in ("tendances_prealables", "placebo_temporel", "tendance_prolongee", "Placebo dans le temps",
                "Tendance pendant la référence"):
        assert nom in niveau_preuve.VERIFICATIONS_COMPARABILITE
        assert f'"{nom}"' in sources, nom


def test_puissance_sans_objet_quand_tout_l_intervalle_depasse_le_seuil():
    """Amiens eau : « Généraliser » et, dans la grille, « Expérimentation assez longue : non » se
    contredisaient. Quand tout l'intervalle dépasse le seuil de matérialité, le manque de puissance ne
    pèse pas : la ligne dit « sans objet » et pourquoi ; sinon elle reste « non »."""
    assert 0.35 - 0.03 > MAT and 0.06 > MDE
    r = recommander(resultat(rel=-0.35, demi_largeur_rel=0.03, mde_rel=0.06), "baisse", van_socio_eur=1000.0,
                    temps_retour_ans=4, duree_vie_ans=10, grille=GRILLE)
    assert r.verdict == "generaliser"
    puissance = next(c for c in r.criteres if c.nom == "puissance")
    assert puissance.tenu is False and puissance.sans_objet and puissance.etat == "sans objet"
    assert "L'intervalle entier dépasse le seuil de matérialité" in puissance.explication
    # Intervalle qui touche le seuil : le manque de puissance compte, la ligne reste « non ».
    r2 = recommander(resultat(rel=-(MAT + 0.02), demi_largeur_rel=0.03, mde_rel=MDE + 0.03), "baisse",
                     van_socio_eur=1000.0, temps_retour_ans=4, duree_vie_ans=10, grille=GRILLE)
    p2 = next(c for c in r2.criteres if c.nom == "puissance")
    assert not p2.sans_objet and p2.etat == "non"
    assert r2.verdict != "generaliser"


def test_un_seul_site_equipe_au_mieux_etendre(tmp_path):
    """Une école équipée face à une école témoin, effet net et matériel, niveau de preuve 4 : un changement
    propre à l'école équipée au même moment ne peut pas être écarté ; « étendre », jamais « généraliser »
    (règle un_seul_site). Deux sites suffisent ; la grille peut demander plus."""
    r = recommander(resultat(), "baisse", van_socio_eur=1e5, transferable=True, n_sites_equipes=1)
    assert r.verdict == "etendre" and r.regle == "un_seul_site"
    assert "un seul site équipé" in r.raison
    critere = next(c for c in r.criteres if c.nom == "sites_equipes")
    assert critere.tenu is False and "1 site équipé" in critere.explication
    assert recommander(resultat(), "baisse", van_socio_eur=1e5, transferable=True, n_sites_equipes=2).verdict == "generaliser"
    # Non compté : ne bloque pas (appels qui ne le connaissent pas).
    assert recommander(resultat(), "baisse", van_socio_eur=1e5, transferable=True).verdict == "generaliser"
    # Un effet nul sur un seul site reste « ne pas généraliser » : la règle ne vise que « généraliser ».
    assert recommander(resultat(rel=-0.01), "baisse", n_sites_equipes=1).verdict == "ne_pas_generaliser"
    g = tmp_path / "recommandation.yaml"
    texte = GRILLE_CHEMIN.read_text(encoding="utf-8")
    g.write_text(texte.replace("sites_equipes_min_generaliser: 2", "sites_equipes_min_generaliser: 3"), encoding="utf-8")
    grille = charger_grille(g)
    assert recommander(resultat(), "baisse", van_socio_eur=1e5, transferable=True, n_sites_equipes=2,
                       grille=grille).regle == "un_seul_site"
    g.write_text(texte.replace("sites_equipes_min_generaliser: 2", "sites_equipes_min_generaliser: 0,5"), encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="sites_equipes_min_generaliser"):
        charger_grille(g)
