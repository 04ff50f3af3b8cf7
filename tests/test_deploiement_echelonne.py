"""Le déploiement échelonné branché : panel à dates propres, conversion de l'estimation de Callaway et
Sant'Anna en résultat commun (intervalle fini ou indéterminé), pilote évalué sans ses dates propres
(limite et vérification qui interdit « généraliser »), pilote d'exemple de Lens-Liévin."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import yaml

from eprouvette import config
from eprouvette.domaines import dechets as d
from eprouvette.methodes.base import ResultatImpact
from eprouvette.methodes.dd_echelonnees import dd_echelonnees
from eprouvette.methodes.deploiement_echelonne import (
    HYPOTHESES, VERIFICATION_DATES, equilibrer, regrouper_periodes, resultat_echelonne, signaler_dates_ignorees)
from eprouvette.methodes.niveau_preuve import niveau_depuis_code
from eprouvette.recommandation import recommander

LENS = config.PILOTES / "dechets-pav-verre-lens-lievin"


def test_levees_par_semaine_dates_d_equipement_propres():
    # Référence : 1er au 14 janvier 2024 ; expérimentation : 15 janvier au 11 février. « a » est équipé un
    # mercredi (17 janvier) : sa semaine du 15 est à cheval, retirée ; « c » le lundi 29 janvier et déséquipé
    # le dimanche 4 février : la semaine du 29 est active, celle du 5 (après sa fin) retirée ; « t » témoin.
    jours = pd.date_range("2024-01-01", "2024-02-11")
    m = pd.DataFrame([(j, s, "levees", 1.0 if j.day_of_week == 0 else 0.0) for j in jours for s in "act"],
                     columns=["date", "site", "indicateur", "valeur"])
    periodes = {"a": ("2024-01-17", "2024-02-11"), "c": ("2024-01-29", "2024-02-04")}
    p = d.levees_par_semaine(m, "levees", ["a", "c"], ["t"], ("2024-01-01", "2024-01-14"),
                             ("2024-01-15", "2024-02-11"), periodes)
    actif = {s: dict(zip(g["semaine"].dt.strftime("%d/%m"), g["actif"])) for s, g in p.groupby("site")}
    assert actif["a"] == {"01/01": 0, "08/01": 0, "22/01": 1, "29/01": 1, "05/02": 1}
    assert actif["c"] == {"01/01": 0, "08/01": 0, "15/01": 0, "22/01": 0, "29/01": 1}
    assert set(actif["t"].values()) == {0} and len(actif["t"]) == 6
    # Sans dates propres (ou dates égales à celles de l'expérimentation) : le panel d'avant, inchangé.
    sans = d.levees_par_semaine(m, "levees", ["a", "c"], ["t"], ("2024-01-01", "2024-01-14"), ("2024-01-15", "2024-02-11"))
    memes = d.levees_par_semaine(m, "levees", ["a", "c"], ["t"], ("2024-01-01", "2024-01-14"),
                                 ("2024-01-15", "2024-02-11"), {"a": ("2024-01-15", "2024-02-11"),
                                                                 "c": ("2024-01-15", "2024-02-11")})
    pd.testing.assert_frame_equal(sans, memes)
    assert (sans["actif"] == sans["traite"] * sans["apres"]).all()


def _panel_echelonne(graine=3, n_par_vague=12, n_jamais=12, effet_par_duree=-0.5, T=16):
    """Panel site × période : vagues aux périodes 6, 9 et 12, effet qui grandit avec la durée d'équipement."""
    rng = np.random.default_rng(graine)
    periodes = pd.date_range("2024-01-01", periods=T, freq="28D")
    lignes, vrais = [], []
    vagues = [6, 9, 12]
    sites = [(f"v{v}-{i}", v) for v in vagues for i in range(n_par_vague)] + [(f"j-{i}", None) for i in range(n_jamais)]
    commun = rng.normal(0, 1, T).cumsum()
    for s, g in sites:
        niveau = rng.normal(10, 2)
        for t in range(T):
            effet = effet_par_duree * (t - g + 1) if g is not None and t >= g else 0.0
            vrais.append(effet) if effet else None
            lignes.append({"site": s, "periode": periodes[t], "valeur": niveau + commun[t] + effet + rng.normal(0, 0.3),
                           "debut": periodes[g] if g is not None else pd.NaT, "actif": int(g is not None and t >= g)})
    return pd.DataFrame(lignes), float(np.mean([v for v in vrais if v]))


def test_resultat_echelonne_intervalle_fini():
    panel, vrai = _panel_echelonne()
    e = dd_echelonnees(panel, colonne_debut="debut", n_bootstrap=499)
    assert e.inference_credible and math.isfinite(e.intervalle[0])
    r = resultat_echelonne(e, panel, indicateur="la consommation", unite="kWh", mot="site")
    assert isinstance(r, ResultatImpact) and r.methode == "dd_echelonnees"
    assert r.effet == pytest.approx(e.effet) and (r.ic_bas, r.ic_haut) == pytest.approx(e.intervalle)
    assert r.incertitude_valide and r.ic_bas <= vrai <= r.ic_haut
    # Effet relatif : convention commune sur la valeur moyenne mesurée des sites-périodes équipés.
    o = panel.loc[panel["actif"] == 1, "valeur"].mean()
    assert r.effet_relatif == pytest.approx(r.effet / (o - r.effet))
    statuts = {v.nom: v.statut for v in r.verifications}
    assert statuts == {"vagues_equipement": "reussie", "tendances_prealables": "reussie"}
    assert all(h in r.limites for h in HYPOTHESES)
    evt = r.details["etude_evenement"]
    assert (evt["duree"] < 0).any() and (evt["duree"] >= 0).any()
    # La courbe monte avec la durée (effet simulé −0,5 par période d'équipement en plus).
    apres = evt[evt["duree"] >= 0].set_index("duree")["att"]
    assert apres.iloc[-1] < apres.iloc[0] - 1.0
    assert "pas encore ou jamais équipés" in r.resume and "durée d'équipement" in r.resume
    assert r.details["dates_equipement_prises_en_compte"] is True
    cf = r.contrefactuel
    assert {"date", "observe", "contrefactuel"} <= set(cf.columns) and len(cf) == panel["periode"].nunique()


@pytest.mark.parametrize("cas", ["nan", "non_credible"])
def test_resultat_echelonne_sans_incertitude_fiable(cas):
    # Les deux formes d'une inférence impossible : intervalle NaN (inférence pour peu de sites refusée) ou
    # intervalle fini mais inference_credible faux (bootstrap asymptotique sur trop peu de sites).
    # L'estimateur dit lui-même pourquoi (options["raison_inference"], et sa remarque) ; on la fixe ici pour ne
    # dépendre que de l'API.
    panel, _ = _panel_echelonne(n_par_vague=3, n_jamais=3)
    e = dd_echelonnees(panel, colonne_debut="debut", n_bootstrap=199)
    pourquoi = "la plus petite cohorte compte 3 sites et 3 sites témoins restent pour la dernière"
    raison = f"Incertitude fragile : {pourquoi}."
    e = dataclasses.replace(e, inference_credible=False,
                            remarques=[x for x in e.remarques if "ncertitude" not in x] + [raison],
                            options={**e.options, "inference": "bootstrap", "raison_inference": pourquoi})
    if cas == "nan":
        nan = float("nan")
        evt = e.evenement.assign(bas_simultane=nan, haut_simultane=nan)
        e = dataclasses.replace(e, erreur_type=nan, intervalle=(nan, nan), p_valeur=nan, evenement=evt)
    r = resultat_echelonne(e, panel, indicateur="la consommation", unite="kWh")
    assert not r.incertitude_valide and not r.significatif and math.isnan(r.ic_bas)
    echec = [v for v in r.verifications if v.nom == "incertitude"]
    assert len(echec) == 1 and echec[0].statut == "echec"
    assert "cet effet : la plus petite cohorte compte 3 sites et 3 sites témoins" in echec[0].phrase
    assert raison not in r.limites  # la raison va à l'incertitude, pas aux limites
    assert {v.nom: v.statut for v in r.verifications}["vagues_equipement"] == "attention"
    # Les bandes d'avant viennent de la même inférence : pas de test des tendances tenu pour réussi.
    tendances = next(v for v in r.verifications if v.nom == "tendances_prealables")
    assert tendances.statut == "attention" and "non testées" in tendances.phrase
    v = recommander(r, "baisse", van_socio_eur=1e6, niveau_preuve=niveau_depuis_code(4))
    assert v.verdict == "etendre" and v.regle == "incertitude"


def test_raison_lue_dans_les_options_et_non_dans_les_phrases():
    # 2 sites à 2 dates et 2 témoins sur 30 périodes : 12 répartitions des dates, incertitude non calculable.
    # La raison vient de options["raison_inference"] : les phrases de l'estimateur retirées, elle est la même.
    from eprouvette.methodes._simulation import simuler_panel_echelonne
    panel = simuler_panel_echelonne({3: 1, 5: 1}, n_jamais=2, n_periodes=30, graine=2).donnees
    e = dd_echelonnees(panel)
    assert e.options["inference"] == "aucune" and "12 façons" in e.options["raison_inference"]
    r = resultat_echelonne(e, panel, indicateur="la consommation", unite="kWh")
    sans_phrases = resultat_echelonne(dataclasses.replace(e, remarques=[]), panel, indicateur="la consommation",
                                      unite="kWh")
    raison = r.details["incertitude_indeterminee"]
    assert raison == sans_phrases.details["incertitude_indeterminee"]
    assert raison == ("incertitude non calculable : " + e.options["raison_inference"]
                      + ". L'effet estimé est donné pour information, il ne peut pas être tenu pour établi")
    assert not any("ncertitude" in l for l in r.limites)


def test_regrouper_et_equilibrer():
    semaines = pd.date_range("2024-01-01", periods=16, freq="7D")
    p = pd.DataFrame([{"site": s, "semaine": w, "levees": 1.0 + (s == "a") * (w >= semaines[8]), "actif":
                       int(s == "a" and w >= semaines[8])} for s in "abc" for w in semaines])
    p = p[~((p["site"] == "c") & (p["semaine"] < semaines[4]))]  # c : sans mesure les 4 premières semaines
    g = regrouper_periodes(p, colonne_site="site", colonne_temps="semaine", colonne_valeur="levees",
                           colonne_actif="actif", longueur=pd.Timedelta(weeks=4))
    # Périodes de 4 semaines alignées sur le premier équipement (semaine 8) : 4 périodes.
    assert sorted(g["periode"].unique()) == [semaines[0], semaines[4], semaines[8], semaines[12]]
    a = g[g["site"] == "a"].set_index("periode")
    assert a.loc[semaines[8], "valeur"] == 2.0 and (a["debut"] == semaines[8]).all()
    assert g.loc[g["site"] == "b", "debut"].isna().all()
    complet, remarques = equilibrer(g, mot="conteneur")
    assert complet["periode"].nunique() == 3 and len(complet) == 9
    assert remarques == ["1 période où un conteneur au moins n'a aucune mesure écartée pour tous "
                         "(l'estimateur demande un panel complet)."]


def _favorable():
    return ResultatImpact(methode="doubles_differences", libelle_methode="", indicateur="conso", unite="kWh",
                          effet=-10.0, ic_bas=-13.0, ic_haut=-7.0, p_valeur=0.001, effet_relatif=-0.10,
                          ic_relatif_bas=-0.13, ic_relatif_haut=-0.07, effet_minimal_detectable=3.0,
                          erreur_type=1.5)


def test_dates_ignorees_limite_et_pas_de_generaliser():
    import datetime as dt

    debuts = [dt.date(2024, 9, 2), dt.date(2024, 9, 2), dt.date(2025, 2, 17)]
    base = recommander(_favorable(), "baisse", van_socio_eur=1e6, niveau_preuve=niveau_depuis_code(4))
    assert base.verdict == "generaliser"
    r = signaler_dates_ignorees(_favorable(), debuts, date=lambda x: x.isoformat())
    v = [x for x in r.verifications if x.nom == VERIFICATION_DATES]
    assert len(v) == 1 and v[0].statut == "attention"
    assert "2 dates différentes (du 2024-09-02 au 2025-02-17)" in v[0].phrase
    assert any(lim.startswith("Déploiement échelonné non pris en compte") for lim in r.limites)
    rec = recommander(r, "baisse", van_socio_eur=1e6, niveau_preuve=niveau_depuis_code(4))
    assert rec.verdict == "etendre" and rec.regle == "fragile"
    assert "ne correspond pas au plan réel" in rec.raison
    assert "dates d'équipement propres" in next(c for c in rec.criteres if c.nom == "robustesse").explication
    # Une seule date, ou une méthode qui les a prises en compte : rien n'est ajouté.
    assert signaler_dates_ignorees(_favorable(), debuts[:2]).verifications == []
    pris = _favorable()
    pris.details["dates_equipement_prises_en_compte"] = True
    assert signaler_dates_ignorees(pris, debuts).verifications == []


@pytest.fixture(scope="module")
def lens():
    from eprouvette.analyse import analyser_pilote

    return analyser_pilote(LENS), yaml.safe_load((LENS / "verite.yaml").read_text(encoding="utf-8"))


@pytest.mark.lent
def test_lens_lievin_echelonne_effet_vrai_et_verdict(lens):
    a, v = lens
    assert a.pilote.deploiement_echelonne
    r = a.resultat
    assert r.methode == "dd_echelonnees" and a.choix.identifiant == "dd_echelonnees"
    assert not any(x.nom == VERIFICATION_DATES for x in r.verifications)
    assert r.ic_bas <= v["effet_vrai"]["effet_par_conteneur_semaine"] <= r.ic_haut
    assert r.ic_relatif_bas <= v["effet_vrai"]["effet_relatif"] <= r.ic_relatif_haut
    assert a.recommandation.verdict == v["verdict_attendu"] and a.recommandation.regle == v["regle_attendue"]
    assert r.details["cohortes"] == {pd.Timestamp(x["debut_equipement"]): x["conteneurs"]
                                     for x in v["deploiement"]["vagues"]}
    # La courbe d'étude d'événement suit l'effet vrai selon la durée d'équipement (périodes de 4 semaines).
    evt = r.details["etude_evenement"].set_index("duree")
    for p in v["effet_vrai_par_duree"][:6]:
        ligne = evt.loc[p["periode_depuis_equipement"]]
        assert ligne["bas"] - 0.05 <= p["effet_par_conteneur_semaine"] <= ligne["haut"] + 0.05
    assert evt.loc[0, "att"] > -0.1 and evt.loc[5, "att"] < -0.25


@pytest.mark.lent
def test_lens_lievin_les_effets_fixes_sont_biaises(lens):
    # Le même panel évalué comme si tous commençaient ensemble (effets fixes, semaines non encore
    # équipées comptées « pendant ») : l'effet est dilué, loin de l'effet vrai. Même avec les dates propres,
    # les effets fixes (qui prennent les conteneurs déjà équipés pour témoins des suivants) manquent
    # l'effet vrai quand il grandit avec la durée d'équipement.
    from eprouvette.domaines.dechets_pilote import panel_levees
    from eprouvette.methodes.doubles_differences import effets_fixes_bidirectionnels

    a, v = lens
    p = panel_levees(a.pilote, a.mesures)
    p = p[p["complete"]].assign(naif=lambda x: x["traite"] * x["apres"])
    naif = effets_fixes_bidirectionnels(p, colonne_valeur="levees", colonne_site="site", colonne_temps="semaine",
                                        colonne_traitement="naif", tendances_prealables=False, graine=1)
    vrai = v["effet_vrai"]["effet_par_conteneur_semaine"]
    assert abs(naif.effet - vrai) > 2 * abs(a.resultat.effet - vrai)
    dates = effets_fixes_bidirectionnels(p, colonne_valeur="levees", colonne_site="site", colonne_temps="semaine",
                                         colonne_traitement="actif", tendances_prealables=False, graine=1)
    assert not dates.ic_bas <= vrai <= dates.ic_haut
    assert abs(dates.effet - vrai) > 2 * abs(a.resultat.effet - vrai)


@pytest.mark.lent
def test_section_du_rapport_et_courbe(lens):
    from types import SimpleNamespace

    from eprouvette.presentation import sections_echelonne

    a, v = lens
    blocs_ = sections_echelonne.deploiement_echelonne(a, mot="conteneur")
    assert len(blocs_) == 2
    texte = blocs_[0]._repr_html_()
    assert "<h3>Un déploiement par vagues</h3>" in texte
    assert "Les conteneurs ont été équipés à des dates différentes" in texte
    assert "11 le 2 septembre 2024, 11 le 25 novembre 2024 et 11 le 17 février 2025. Les 12 conteneurs témoins" in texte
    assert "pas encore ou jamais équipés" in texte
    g = blocs_[1]
    # Texte alternatif : titre, lecture (tendances d'avant, effet au début et à la fin), renvoi au tableau.
    assert g.alternative.startswith("Effet selon la durée d'équipement (étude d'événement).")
    assert "contient toujours zéro" in g.alternative and "après 44 semaines" in g.alternative
    assert "les 4 premières semaines" in g.alternative
    # Un pilote qui n'est pas évalué par ce plan : rien.
    autre = SimpleNamespace(resultat=SimpleNamespace(methode="doubles_differences", details={}))
    assert sections_echelonne.deploiement_echelonne(autre) == []


@pytest.mark.lent
def test_autre_domaine_a_dates_propres_ne_generalise_pas(tmp_path):
    # Le pilote d'exemple de l'eau (Amiens, « généraliser »), dont un secteur n'est équipé que sept
    # semaines après les autres : la méthode de l'eau ne lit pas encore les dates propres, l'analyse le dit
    # (limite, vérification à surveiller) et la grille ne peut plus recommander de généraliser.
    import shutil

    from eprouvette.analyse import analyser_pilote

    source = config.PILOTES / "eau-sectorisation-amiens"
    dossier = tmp_path / source.name
    shutil.copytree(source, dossier)
    fiche = yaml.safe_load((dossier / "pilote.yaml").read_text(encoding="utf-8"))
    site = next(s for s in fiche["sites"] if s["role"] == "experimental")
    site["debut_equipement"] = "2024-06-03"
    (dossier / "pilote.yaml").write_text(yaml.safe_dump(fiche, allow_unicode=True, sort_keys=False), encoding="utf-8")
    a = analyser_pilote(dossier)
    assert a.pilote.deploiement_echelonne and a.resultat.methode != "dd_echelonnees"
    v = [x for x in a.resultat.verifications if x.nom == VERIFICATION_DATES]
    assert len(v) == 1 and v[0].statut == "attention"
    assert "du 15 avril 2024 au 3 juin 2024" in v[0].phrase
    assert any("Déploiement échelonné non pris en compte" in lim for lim in a.resultat.limites)
    assert a.recommandation.verdict == "etendre" and a.recommandation.regle == "fragile"
    # Le plan montré est celui que l'adaptateur a employé, pas le plan échelonné qu'il n'a pas fait.
    assert a.choix.identifiant == a.resultat.methode


@pytest.mark.lent
def test_petit_pilote_echelonne_incertitude_par_permutation(tmp_path):
    # Deux vagues de 3 conteneurs et 4 témoins (le cas courant) : 10!/(3! 3! 4!) = 4 200 répartitions des
    # dates d'équipement, l'incertitude vient de leur permutation (dd_echelonnees, inference="auto").
    from eprouvette.analyse import analyser_pilote
    from eprouvette.generateurs.dechets import LENS_LIEVIN, ecrire_pilote, generer_pilote_dechets

    p = dataclasses.replace(LENS_LIEVIN, identifiant="petit", n_experimentaux=6, n_temoins=4,
                            vagues=(("2024-09-02", 3), ("2025-02-17", 3)))
    dossier = ecrire_pilote(generer_pilote_dechets(5, p), tmp_path / "petit")
    r = analyser_pilote(dossier).resultat
    assert r.methode == "dd_echelonnees" and r.effet < 0 and r.incertitude_valide
    assert r.details["inference"] == "permutation" and r.details["inference_credible"]
    assert r.ic_bas < r.effet < r.ic_haut
    # Le rapport dit d'où vient l'incertitude et ce qu'elle suppose (dans ses limites).
    assert any(l.startswith("Incertitude par permutation des dates d'équipement") and "tiré au sort" in l
               for l in r.limites), r.limites


@pytest.mark.lent
def test_petit_pilote_echelonne_sans_incertitude_fiable(tmp_path):
    # Deux vagues d'un conteneur et 2 témoins : 12 répartitions des dates seulement ; l'effet central est
    # donné, mais l'incertitude ne l'est pas ; « étendre l'expérimentation », bilan économique sans
    # Monte-Carlo, courbe sans bande. L'analyse va jusqu'au bout (plus d'erreur sur un intervalle NaN).
    from eprouvette.analyse import analyser_pilote
    from eprouvette.generateurs.dechets import LENS_LIEVIN, ecrire_pilote, generer_pilote_dechets
    from eprouvette.presentation import sections, sections_echelonne

    p = dataclasses.replace(LENS_LIEVIN, identifiant="petit", n_experimentaux=2, n_temoins=2,
                            vagues=(("2024-09-02", 1), ("2025-02-17", 1)))
    dossier = ecrire_pilote(generer_pilote_dechets(5, p), tmp_path / "petit")
    a = analyser_pilote(dossier)
    r = a.resultat
    assert r.methode == "dd_echelonnees" and not r.incertitude_valide
    assert r.details["inference"] == "aucune"
    assert a.recommandation.verdict == "etendre" and a.recommandation.regle == "incertitude"
    # La raison de l'estimateur (trop peu de sites par vague ou de témoins) est reprise par le verdict.
    raison = r.details["incertitude_indeterminee"]
    assert raison and raison[1:].rstrip(".") in a.recommandation.raison
    assert a.economie is not None and a.monte_carlo is None and a.economie_annuelle.ic_bas is None
    assert any("valeur centrale" in n for n in a.notes_economie)
    assert "Valeurs centrales seulement" in "".join(b._repr_html_() for b in sections.economie(a))
    g = sections_echelonne.deploiement_echelonne(a, mot="conteneur")[1]
    assert "n'a pas de bande de confiance" in g.alternative
