"""Le plan d'analyse préenregistré (plan.yaml), le tirage au sort et la comparaison de l'analyse au plan (#18)."""

from __future__ import annotations

import datetime as dt
import html as html_mod
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from eprouvette import config
from eprouvette import plan as plan_mod
from eprouvette.erreurs import ErreurDonnees, ErreursDonnees
from eprouvette.methodes.tirage import (SEUIL_EQUILIBRE, TirageImpossible, refaire, table_equilibre, tirage_reproduit,
                                        tirer)
from eprouvette.pilote import charger_pilote

AMIENS = config.PILOTES / "eau-sectorisation-amiens"


@pytest.fixture
def dossier(tmp_path):
    """Une copie du pilote d'Amiens (3 secteurs équipés, 3 témoins), sans plan."""
    cible = tmp_path / AMIENS.name
    shutil.copytree(AMIENS, cible)
    (cible / plan_mod.NOM_FICHIER).unlink(missing_ok=True)
    return cible


def _plan(dossier, **changements) -> dict:
    d = plan_mod.plan_depuis_pilote(charger_pilote(dossier), auteur="Direction de l'eau",
                                    enregistre_le=dt.date(2024, 3, 1), methode="doubles_differences",
                                    seuils={"effet_relatif_materiel": 0.05})
    d.update(changements)
    return d


def _enregistrer(dossier, donnees: dict) -> str:
    """Écrit plan.yaml et recopie son empreinte dans pilote.yaml (comme à l'enregistrement)."""
    plan_mod.ecrire_plan(dossier, donnees)
    empreinte = plan_mod.empreinte(donnees)
    fiche = dossier / "pilote.yaml"
    texte = fiche.read_text(encoding="utf-8")
    texte = re.sub(r"^empreinte_plan: .*\n", "", texte, flags=re.M)
    fiche.write_text(texte.replace("\nporteur:", f"\nempreinte_plan: {empreinte}\nporteur:", 1), encoding="utf-8")
    return empreinte


def _roles(dossier, experimentaux: set[str]) -> None:
    """Réécrit les rôles des sites de pilote.yaml (comme l'analyste après un tirage)."""
    fiche = dossier / "pilote.yaml"
    d = yaml.safe_load(fiche.read_text(encoding="utf-8"))
    texte = fiche.read_text(encoding="utf-8")
    for s in d["sites"]:
        role = "experimental" if s["identifiant"] in experimentaux else "temoin"
        texte = re.sub(rf"(- identifiant: {re.escape(s['identifiant'])}\n(?:  .*\n)*?  role: )\w+", rf"\g<1>{role}", texte)
    fiche.write_text(texte, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Lecture, erreurs en français, empreinte
# --------------------------------------------------------------------------------------------


def test_plan_absent_donne_none(dossier):
    assert plan_mod.charger_plan(dossier) is None


def test_plan_lu_tel_qu_ecrit(dossier):
    d = _plan(dossier)
    plan_mod.ecrire_plan(dossier, d)
    p = plan_mod.charger_plan(dossier)
    assert p.pilote == "eau-sectorisation-amiens" and p.enregistre_le == dt.date(2024, 3, 1)
    assert p.indicateur_principal == "debit_minimum_nocturne" and p.methode == "doubles_differences"
    assert p.sites_experimentaux == ("secteur-exp-1", "secteur-exp-2", "secteur-exp-3")
    assert p.periodes["experimentation"].debut == dt.date(2024, 4, 15)
    assert p.seuils == {"effet_relatif_materiel": 0.05}
    assert p.empreinte == plan_mod.empreinte(d) and len(p.empreinte) == 64
    assert p.empreinte_courte == p.empreinte[:12]
    assert "&" not in (dossier / "plan.yaml").read_text(encoding="utf-8")  # pas d'ancre YAML


def test_erreurs_en_francais_avec_ligne_champ_et_attendu(dossier):
    (dossier / "plan.yaml").write_text(
        "pilote: eau-sectorisation-amiens\n"
        "enregistre_le: 2024-02-30\n"
        "auteur: Régie\n"
        "indicateur_principal: debit_minimum_nocturne\n"
        "periodes:\n"
        "  reference: {debut: 2023-01-01, fin: 2024-03-31}\n"
        "  experimentation: {debut: 2024-04-15, fin: 2025-04-14}\n"
        "sites_experimentaux: [secteur-exp-1]\n"
        "temoins: [secteur-tem-1, secteur-exp-1]\n"
        "methode: doubles_diferences\n"
        "affectation:\n"
        "  methode: tirage_au_sort\n"
        "  plan_tirage: paires\n", encoding="utf-8")
    with pytest.raises(ErreursDonnees) as e:
        plan_mod.charger_plan(dossier)
    texte = str(e.value)
    assert "plan.yaml, ligne 2, champ « enregistre_le »" in texte and "n'est pas une date valide" in texte
    assert "ligne 10, champ « methode »" in texte and "doubles_differences" in texte  # attendu : les valeurs admises
    assert "champ obligatoire « graine » absent" in texte and "champ obligatoire « liste_tiree » absent" in texte
    # Le site à la fois expérimental et témoin est vu une fois le schéma respecté.
    (dossier / "plan.yaml").write_text(texte_valide := plan_mod.texte_plan(_plan(dossier, temoins=[
        "secteur-tem-1", "secteur-exp-1"])), encoding="utf-8")
    with pytest.raises(ErreursDonnees) as e:
        plan_mod.charger_plan(dossier)
    ligne = next(i for i, l in enumerate(texte_valide.splitlines(), 1) if l == "- secteur-exp-1" and i > 20)
    assert f"ligne {ligne}" in str(e.value) and "à la fois expérimental et témoin" in str(e.value)


def test_yaml_mal_forme_signale_ligne_et_colonne(dossier):
    (dossier / "plan.yaml").write_text("pilote: a\nauteur: x: y\n", encoding="utf-8")
    with pytest.raises(ErreurDonnees) as e:
        plan_mod.charger_plan(dossier)
    assert e.value.ligne == 2 and "colonne" in str(e.value) and "plan.yaml" in str(e.value)


def test_empreinte_ne_depend_que_du_contenu(dossier):
    d = _plan(dossier)
    plan_mod.ecrire_plan(dossier, d)
    avant = plan_mod.charger_plan(dossier).empreinte
    # Commentaires, ordre des champs, guillemets d'une date : même empreinte.
    texte = (dossier / "plan.yaml").read_text(encoding="utf-8")
    autre = "# un commentaire ajouté\n" + texte.replace("enregistre_le: 2024-03-01", "enregistre_le: '2024-03-01'")
    lignes = autre.splitlines(keepends=True)
    i = next(k for k, l in enumerate(lignes) if l.startswith("auteur:"))
    lignes.append(lignes.pop(i))
    (dossier / "plan.yaml").write_text("".join(lignes), encoding="utf-8")
    assert plan_mod.charger_plan(dossier).empreinte == avant
    # Une valeur changée : autre empreinte.
    (dossier / "plan.yaml").write_text(texte.replace("fin: 2025-04-14", "fin: 2025-04-15"), encoding="utf-8")
    assert plan_mod.charger_plan(dossier).empreinte != avant


# --------------------------------------------------------------------------------------------
# Tirage au sort
# --------------------------------------------------------------------------------------------


def _candidats(n=8, graine=0):
    rng = np.random.default_rng(graine)
    return pd.DataFrame({"niveau": rng.normal(100, 20, n), "tendance": rng.normal(0, 0.05, n)},
                        index=[f"site-{i}" for i in range(n)])


@pytest.mark.parametrize("plan_tirage", ["simple", "strates", "paires"])
def test_meme_graine_meme_liste(plan_tirage):
    c = _candidats()
    a = tirer(c, 4, 20240615, plan_tirage)
    b = tirer(c.iloc[::-1], 4, 20240615, plan_tirage)  # l'ordre des candidats ne compte pas
    assert a.equipes == b.equipes and len(a.equipes) == 4 and set(a.temoins) == set(c.index) - set(a.equipes)
    listes = {tirer(c, 4, g, plan_tirage).equipes for g in range(20)}
    assert len(listes) > 1  # la graine décide


def test_paires_et_strates_respectent_leur_plan():
    c = _candidats()
    t = tirer(c, 4, 7, "paires")
    paires = {}
    for site, k in t.groupes.items():
        paires.setdefault(k, []).append(site)
    assert sorted(len(v) for v in paires.values()) == [2, 2, 2, 2]
    assert all(sum(s in t.equipes for s in v) == 1 for v in paires.values())  # un équipé par paire
    s = tirer(c, 4, 7, "strates", strates=2)
    bas = c["niveau"].sort_values().index[:4]
    assert sum(x in bas for x in s.equipes) == 2  # deux équipés dans chaque moitié du niveau
    with pytest.raises(TirageImpossible, match="deux fois plus de candidats"):
        tirer(c, 3, 7, "paires")
    with pytest.raises(TirageImpossible, match="aucun témoin"):
        tirer(c, 8, 7, "simple")


def test_table_d_equilibre_calculee_comme_definie():
    c = _candidats()
    t = tirer(c, 4, 3, "simple")
    e = t.equilibre.set_index("variable")
    for v in ("niveau", "tendance"):
        x1, x0 = c.loc[list(t.equipes), v].round(6), c.drop(list(t.equipes))[v].round(6)
        d = (x1.mean() - x0.mean()) / np.sqrt((x1.var() + x0.var()) / 2)
        assert e.loc[v, "moyenne_equipes"] == pytest.approx(x1.mean())
        assert e.loc[v, "moyenne_temoins"] == pytest.approx(x0.mean())
        assert e.loc[v, "difference_standardisee"] == pytest.approx(d)
    assert t.equilibre_atteint == bool((e["difference_standardisee"].abs() <= SEUIL_EQUILIBRE).all())


def test_l_appariement_equilibre_mieux_que_le_hasard_simple():
    """Sur 200 tirages de 5 sites parmi 10 candidats, la différence standardisée du niveau est bien plus petite
    par paires (et par strates) qu'en tirage simple : la stratification fait ce qu'elle promet."""
    c = _candidats(10, graine=5)[["niveau"]]
    ecarts = {p: np.mean([abs(table_equilibre(c.round(6), tirer(c, 5, g, p).equipes)["difference_standardisee"][0])
                          for g in range(200)]) for p in ("simple", "strates", "paires")}
    assert ecarts["paires"] < 0.5 * ecarts["simple"]
    assert ecarts["strates"] < ecarts["simple"]
    assert ecarts["paires"] < SEUIL_EQUILIBRE


def test_tirage_refait_depuis_le_plan_ecrit(dossier):
    from eprouvette.tirage_au_sort import tirer_pour_pilote

    d, t = tirer_pour_pilote(dossier, 2024, enregistre_le=dt.date(2024, 3, 1), auteur="Régie")
    plan_mod.ecrire_plan(dossier, d)
    p = plan_mod.charger_plan(dossier)
    assert p.tirage_au_sort and p.affectation.graine == 2024 and p.affectation.plan_tirage == "paires"
    assert refaire(p.affectation) == t.equipes == tuple(sorted(p.sites_experimentaux))
    assert tirage_reproduit(p.affectation)
    # Une liste retouchée à la main (avec sites_experimentaux pour rester cohérente) ne se refait plus.
    autre = sorted(set(c.site for c in p.affectation.candidats) - set(t.equipes))
    d2 = dict(d, sites_experimentaux=autre, temoins=list(t.equipes),
              affectation=dict(d["affectation"], liste_tiree=autre))
    plan_mod.ecrire_plan(dossier, d2)
    assert not tirage_reproduit(plan_mod.charger_plan(dossier).affectation)


@pytest.mark.lent
def test_commande_tirer_reproductible_et_prudente(tmp_path):
    """`python -m eprouvette tirer` écrit le même plan.yaml dans deux copies avec la même graine, refuse de
    remplacer un tirage sans --remplacer, et parle français."""
    sorties = []
    for nom in ("a", "b"):
        cible = tmp_path / nom / AMIENS.name
        shutil.copytree(AMIENS, cible)
        (cible / plan_mod.NOM_FICHIER).unlink(missing_ok=True)
        r = subprocess.run([sys.executable, "-m", "eprouvette", "tirer", str(cible), "--graine", "77",
                            "--date", "2024-03-01", "--auteur", "Régie"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert "Sites tirés pour recevoir la technologie" in r.stdout and "empreinte_plan:" in r.stdout
        sorties.append((cible / "plan.yaml").read_bytes())
    assert sorties[0] == sorties[1]
    r = subprocess.run([sys.executable, "-m", "eprouvette", "tirer", str(cible), "--graine", "78"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "contient déjà un tirage au sort" in r.stderr
    assert (cible / "plan.yaml").read_bytes() == sorties[1]


# --------------------------------------------------------------------------------------------
# Comparaison de l'analyse au plan
# --------------------------------------------------------------------------------------------


def test_plan_suivi_sans_ecart(dossier):
    _enregistrer(dossier, _plan(dossier))
    pilote = charger_pilote(dossier)
    c = plan_mod.comparer(plan_mod.charger_plan(dossier), pilote, methode="doubles_differences",
                          seuils={"effet_relatif_materiel": 0.05})
    assert c.ecarts == [] and c.suivi and c.empreinte_conforme is True
    assert "a été suivi" in c.phrase and "n'a pas changé" in c.phrase


def test_chaque_ecart_au_plan_est_dit(dossier):
    """Autre indicateur principal, témoin retiré et ajouté, site expérimental changé, dates déplacées, autre
    méthode, seuil changé : chacun a sa phrase."""
    d = _plan(dossier, indicateur_principal="volume_perdu", temoins=["secteur-tem-1", "secteur-tem-2", "secteur-x"],
              sites_experimentaux=["secteur-exp-1", "secteur-exp-2", "secteur-tem-3", "secteur-exp-3"],
              methode="controle_synthetique", seuils={"effet_relatif_materiel": 0.10})
    d["periodes"]["experimentation"]["fin"] = dt.date(2025, 2, 28)
    d["periodes"]["reference"]["debut"] = dt.date(2022, 1, 1)
    _enregistrer(dossier, d)
    c = plan_mod.comparer(plan_mod.charger_plan(dossier), charger_pilote(dossier), methode="doubles_differences",
                          seuils={"effet_relatif_materiel": 0.05})
    codes = {e.code: e.phrase for e in c.ecarts}
    assert set(codes) == {"indicateur_principal", "temoin_retire", "temoin_ajoute", "site_experimental_retire",
                          "periode_experimentation_fin", "periode_reference_debut", "methode",
                          "seuil_effet_relatif_materiel"}
    assert "« volume_perdu » (absent de pilote.yaml)" in codes["indicateur_principal"]
    assert codes["temoin_retire"] == "1 témoin prévu manque dans l'analyse : « secteur-x »."
    assert "Secteur fictif Renancourt" in codes["temoin_ajoute"]  # secteur-tem-3, prévu équipé, devenu témoin
    assert "Secteur fictif Renancourt" in codes["site_experimental_retire"]
    assert "prévue le 28 février 2025, le 14 avril 2025 dans l'analyse" in codes["periode_experimentation_fin"]
    assert "contrôle synthétique" in codes["methode"] and "10,0\u00a0%" in codes["seuil_effet_relatif_materiel"]
    assert not c.suivi and "n'a pas été suivi sur 8 points" in c.phrase


def test_plan_modifie_apres_son_enregistrement_est_detecte(dossier):
    _enregistrer(dossier, _plan(dossier))
    texte = (dossier / "plan.yaml").read_text(encoding="utf-8")
    (dossier / "plan.yaml").write_text(texte.replace("effet_relatif_materiel: 0.05", "effet_relatif_materiel: 0.03"),
                                       encoding="utf-8")
    c = plan_mod.comparer(plan_mod.charger_plan(dossier), charger_pilote(dossier), methode="doubles_differences",
                          seuils={"effet_relatif_materiel": 0.05})
    assert c.empreinte_conforme is False
    assert [e.code for e in c.ecarts][0] == "plan_modifie"
    assert "modifié après son enregistrement" in c.ecarts[0].phrase


@pytest.mark.lent
def test_evaluation_tirage_suivi_niveau_5_puis_plan_change(dossier):
    """De bout en bout sur une copie d'Amiens : un tirage écrit par la commande, suivi dans pilote.yaml et
    enregistré, donne le niveau de preuve 5 et un plan « suivi » ; le même plan modifié ensuite est détecté
    (écart au premier écran, niveau 5 perdu)."""
    from eprouvette.analyse import analyser_pilote
    from eprouvette.presentation import sections
    from eprouvette.tirage_au_sort import tirer_pour_pilote

    from eprouvette.lecture import charger_mesures
    from eprouvette.methodes.tirage import variables_historique

    # Les mesures sont simulées avec l'effet sur les secteurs « exp » : on prend la première graine dont le
    # tirage les désigne (sinon les données contrediraient le tirage ; la recherche est celle du test, pas
    # une pratique : une vraie graine se fixe avant de tirer).
    pilote = charger_pilote(dossier)
    ref = pilote.periode_reference
    v = variables_historique(charger_mesures(pilote), [s.identifiant for s in pilote.sites],
                             "debit_minimum_nocturne", ref.debut, ref.fin)
    equipes = tuple(s.identifiant for s in pilote.sites_experimentaux)
    graine = next(g for g in range(500) if tirer(v, 3, g, "paires").equipes == equipes)
    d, t = tirer_pour_pilote(dossier, graine, enregistre_le=dt.date(2024, 3, 1), auteur="Régie")
    assert t.equipes == equipes
    _roles(dossier, set(t.equipes))
    _enregistrer(dossier, d)
    fiche = dossier / "pilote.yaml"
    fiche.write_text(fiche.read_text(encoding="utf-8").replace("\nporteur:", "\naffectation: tirage_au_sort\nporteur:", 1),
                     encoding="utf-8")
    a = analyser_pilote(dossier, aujourd_hui=dt.date(2026, 1, 1))
    assert a.comparaison_plan.suivi and a.comparaison_plan.tirage_suivi, a.comparaison_plan.ecarts
    assert a.niveau_preuve.niveau == 5
    assert a.resultats_json()["plan"]["suivi"] is True
    html = str(sections.essentiel(a))
    assert "Plan d'analyse" in html and plan_mod.charger_plan(dossier).empreinte_courte in html
    assert "Écarts au plan" not in html

    texte = (dossier / "plan.yaml").read_text(encoding="utf-8")
    (dossier / "plan.yaml").write_text(texte.replace("auteur: Régie", "auteur: Régie des eaux"), encoding="utf-8")
    a = analyser_pilote(dossier, aujourd_hui=dt.date(2026, 1, 1))
    assert [e.code for e in a.comparaison_plan.ecarts] == ["plan_modifie"]
    assert a.niveau_preuve.niveau < 5
    html = str(sections.essentiel(a))
    assert "Écarts au plan d'analyse" in html and "modifié après son enregistrement" in html
    # Le degré de certitude nomme l'écart (la liste détaillée peut passer sous le premier écran).
    assert re.search(r"s'écarte de son plan préenregistré sur 1 point : le fichier du plan a été modifié après "
                     r"son enregistrement \(détail ci-dessous\)", html_mod.unescape(html))


def test_exemple_tire_au_sort_se_refait_sur_ses_propres_mesures():
    """Le pilote d'exemple tiré au sort (Le Quesnoy) : son plan est valide, son empreinte est celle de
    pilote.yaml, ses sites équipés sont la liste tirée, le tirage se refait depuis sa graine, et les valeurs
    des candidats sont bien celles de sa période de référence versionnée (le tirage a été fait sur ces données)."""
    from eprouvette.lecture import charger_mesures
    from eprouvette.methodes.tirage import variables_historique

    dossier = config.PILOTES / "tourisme-panneaux-randonnee-le-quesnoy"
    pilote, plan = charger_pilote(dossier), plan_mod.charger_plan(dossier)
    assert plan.tirage_au_sort and pilote.affectation == "tirage_au_sort"
    assert pilote.empreinte_plan == plan.empreinte
    assert sorted(s.identifiant for s in pilote.sites_experimentaux) == sorted(plan.affectation.liste_tiree)
    assert tirage_reproduit(plan.affectation)
    ref = pilote.periode_reference
    v = variables_historique(charger_mesures(pilote), [c.site for c in plan.affectation.candidats],
                             plan.indicateur_principal, ref.debut, ref.fin, plan.affectation.variables)
    for c in plan.affectation.candidats:
        for nom, valeur in c.valeurs.items():
            assert v.loc[c.site, nom] == pytest.approx(valeur, abs=1e-6), (c.site, nom)
    c = plan_mod.comparer(plan, pilote, methode="serie_interrompue", seuils={"effet_relatif_materiel": 0.05},
                          tirage_reproduit=True)
    assert c.suivi and c.tirage_suivi


def test_verifier_lit_aussi_le_plan(dossier):
    """`make verifier` signale un plan.yaml fautif avec sa ligne, et résume un plan valide."""
    from eprouvette.verification import verifier

    _enregistrer(dossier, _plan(dossier))
    v = verifier(dossier)
    assert v.valide and any("Plan d'analyse : enregistré le 2024-03-01" in l and "conforme" in l for l in v.resume)
    texte = (dossier / "plan.yaml").read_text(encoding="utf-8")
    (dossier / "plan.yaml").write_text(texte.replace("methode: doubles_differences", "methode: au_jugé"),
                                       encoding="utf-8")
    v = verifier(dossier)
    assert not v.valide and any("plan.yaml" in str(e) and "champ « methode »" in str(e) for e in v.erreurs)


# --------------------------------------------------------------------------------------------
# L'analyse refaite selon le plan
# --------------------------------------------------------------------------------------------


def _verif_plan(analyse):
    return [v for v in analyse.resultat.verifications if v.nom == "analyse_du_plan"]


@pytest.mark.lent
def test_conclusion_qui_tient_aux_ecarts_au_plan_ne_generalise_pas(dossier):
    """Le plan désignait trois secteurs ; la commune en a équipé trois autres (les témoins du plan) et
    l'analyse les compare entre eux. Refaite comme le plan la prévoyait, l'analyse ne trouve pas l'effet :
    la conclusion tient à l'écart, la vérification est en échec et le verdict n'est pas « généraliser »."""
    from eprouvette.analyse import analyser_pilote

    pilote = charger_pilote(dossier)
    exp = [s.identifiant for s in pilote.sites_experimentaux]
    tem = [s.identifiant for s in pilote.sites_temoins]
    assert analyser_pilote(dossier).recommandation.verdict == "generaliser"
    _enregistrer(dossier, _plan(dossier, sites_experimentaux=tem, temoins=exp))
    a = analyser_pilote(dossier)
    assert a.resultat.effet_relatif < -0.2  # l'analyse faite : mêmes sites équipés, même effet
    (v,) = _verif_plan(a)
    assert v.statut == "echec", v.phrase
    assert "Refaite comme le plan la prévoyait" in v.phrase and "tient aux écarts au plan" in v.phrase
    assert a.recommandation.verdict != "generaliser"
    selon = a.resultats_json()["plan"]["selon_le_plan"]
    assert selon["refaite"] and not selon["etabli"] and selon["effet_relatif"] > -0.05


@pytest.mark.lent
def test_ecart_sans_effet_sur_la_conclusion(dossier):
    """La fin de l'expérimentation avancée d'un mois par rapport au plan : refaite selon le plan,
    l'analyse conclut de même (vérification réussie) et le verdict ne change pas. Un écart qui ne change
    pas l'estimation (un seuil) ne relance rien."""
    from eprouvette.analyse import analyser_pilote

    pilote = charger_pilote(dossier)
    d = _plan(dossier)
    fin = pilote.periode_experimentation.fin
    d["periodes"]["experimentation"]["fin"] = (fin - dt.timedelta(days=30)).isoformat()
    _enregistrer(dossier, d)
    a = analyser_pilote(dossier)
    (v,) = _verif_plan(a)
    assert v.statut == "reussie" and "même conclusion" in v.phrase, v.phrase
    assert a.recommandation.verdict == "generaliser"
    _enregistrer(dossier, _plan(dossier, seuils={"effet_relatif_materiel": 0.04}))
    assert _verif_plan(analyser_pilote(dossier)) == []


def test_plan_qu_on_ne_peut_pas_refaire(dossier):
    """Un site équipé prévu que pilote.yaml ne décrit plus : l'analyse prévue ne peut pas être refaite, et
    on le dit (« à surveiller »)."""
    pilote = charger_pilote(dossier)
    plan_d = _plan(dossier)
    plan_d["sites_experimentaux"] = plan_d["sites_experimentaux"] + ["secteur-disparu"]
    _enregistrer(dossier, plan_d)
    plan = plan_mod.charger_plan(dossier)
    selon, manques = plan_mod.pilote_selon_le_plan(plan, pilote)
    assert selon is None and "secteur-disparu" in manques[0] and "pilote.yaml" in manques[0]
    plan_d["sites_experimentaux"] = plan_d["sites_experimentaux"][:-1]
    plan_d["temoins"] = plan_d["temoins"] + ["temoin-disparu"]
    _enregistrer(dossier, plan_d)
    selon, manques = plan_mod.pilote_selon_le_plan(plan_mod.charger_plan(dossier), pilote)
    assert selon is not None and "temoin-disparu" in manques[0]
    assert {s.identifiant for s in selon.sites_temoins} == {s.identifiant for s in pilote.sites_temoins}
