"""Les blocs de la note de cadrage d'un projet (avant son début) et de la vue d'un appel à projets.

Tout vient d'une :class:`eprouvette.conception.Conception` (ou, pour la vue de l'appel, des résultats
publiés par chaque note) : ces blocs ne recalculent rien.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from .. import francais as t
from ..francais import compte, echapper, pourcentage
from . import blocs, figures

#: Diagnostic du plan : clé -> (modificateur de couleur des verdicts, icône, libellé).
DIAGNOSTICS = {
    "concluant": ("generaliser", "✓", "Le plan prévu peut conclure"),
    "allonger": ("etendre", "↻", "Plan à renforcer : trop court pour conclure"),
    "insuffisant": ("ne_pas_generaliser", "✕", "Plan insuffisant : il ne pourra pas conclure"),
}


def _mois(jours: int | None) -> str:
    if jours is None:
        return "—"
    m = jours / (365.25 / 12)
    return compte(round(m), "mois", "mois") if abs(m - round(m)) < 0.15 else f"{t.nombre(m, 1)} mois"


def duree_necessaire(r: dict) -> str:
    """« 6 mois », ou « plus de 18 mois » (la plus longue durée essayée et calculable) si aucune ne suffit."""
    if r["duree_necessaire_jours"] is not None:
        return _mois(r["duree_necessaire_jours"])
    calculables = [s["duree_jours"] for s in r["au_seuil"] if s["echecs"] < s["simulations"]]
    return f"plus de {_mois(max(calculables))}" if calculables else "non calculable"


def diagnostic(r: dict) -> str:
    """La clé du diagnostic d'après les résultats publiés : concluant, allonger ou insuffisant."""
    if r["peut_conclure"] and r["niveau_preuve"]["niveau"] >= 3:
        return "concluant"
    if r["duree_necessaire_jours"] is not None and r["niveau_preuve"]["niveau"] >= 3:
        return "allonger"
    return "insuffisant"


def raison(r: dict) -> str:
    """Pourquoi ce diagnostic, en une ou deux phrases."""
    seuil = pourcentage(r["seuil_materialite"], 0)
    prevue = _mois(r["duree_prevue_jours"])
    p = pourcentage(r["puissance_prevue_au_seuil"], 0)
    if r["peut_conclure"]:
        phrase = (f"Sur {prevue}, un effet de {seuil} (le seuil qui compte pour la grille) serait vu dans {p} des "
                  "simulations de l'évaluation : au moins 8 fois sur 10.")
    elif r["duree_necessaire_jours"] is not None:
        phrase = (f"Sur {prevue}, un effet de {seuil} ne serait vu que dans {p} des simulations de l'évaluation ; il faudrait environ "
                  f"{_mois(r['duree_necessaire_jours'])} pour le voir 8 fois sur 10.")
    else:
        phrase = (f"Sur {prevue}, un effet de {seuil} ne serait vu que dans {p} des simulations de l'évaluation, et aucune des durées "
                  f"essayées ne suffit avec ce plan ({duree_necessaire(r)} seraient nécessaires).")
    if r["niveau_preuve"]["niveau"] < 3:
        phrase += (" Sans témoin retenu, le niveau de preuve resterait à " f"{r['niveau_preuve']['niveau']} sur 5 : "
                   "la grille ne pourrait pas recommander de généraliser, quel que soit le résultat.")
    return phrase


def _badge(cle: str) -> str:
    mod, icone, libelle = DIAGNOSTICS[cle]
    return (f'<p class="ep-verdict ep-verdict--{mod}"><span class="ep-verdict__etiquette">Diagnostic du plan</span> '
            f'<span class="ep-verdict__icone" aria-hidden="true">{icone}</span> '
            f'<strong class="ep-verdict__libelle">{echapper(libelle)}</strong></p>')


def essentiel(c) -> blocs.Bloc:
    """« L'essentiel » de la note de cadrage : le diagnostic, ses raisons et quatre chiffres."""
    r = c.en_dict()
    p = c.projet.pilote
    emd = r["effet_minimal_detectable"]
    chiffres = [
        ("Effet minimal détectable", pourcentage(emd, 1) if emd is not None else "non calculable",
         f"sur {_mois(r['duree_prevue_jours'])}, vu 8 fois sur 10" if emd is not None else None),
        ("Durée nécessaire", duree_necessaire(r),
         f"pour voir un effet de {pourcentage(r['seuil_materialite'], 0)} 8 fois sur 10"),
        ("Témoins retenus", f"{len(r['temoins_retenus'])} sur {r['temoins_candidats']}",
         "candidats comparables aux sites à équiper"),
        ("FEDER demandé", t.euros_arrondis(r["feder_eur"]), None),
    ]
    html = ['<section class="ep-essentiel" aria-labelledby="l-essentiel"><h2 id="l-essentiel">L\'essentiel</h2>',
            f'<p class="ep-essentiel__titre"><span class="ep-essentiel__lieu">{echapper(p.porteur.nom)} — '
            f"{echapper(c.projet.appel['libelle'])}</span></p>",
            _badge(diagnostic(r)),
            f'<p class="ep-essentiel__raison"><span class="ep-intitule">Pourquoi\u00a0:</span> {echapper(raison(r))}</p>',
            '<dl class="ep-chiffres">']
    for libelle, valeur, precision in chiffres:
        html.append(f'<div class="ep-chiffre"><dt>{echapper(libelle)}</dt><dd class="ep-chiffre__valeur">'
                    f"{echapper(valeur)}</dd>"
                    + (f'<dd class="ep-chiffre__precision">{echapper(precision)}</dd>' if precision else "") + "</div>")
    html.append("</dl>")
    html.append(f'<p class="ep-essentiel__preuve"><span class="ep-intitule">Niveau de preuve atteignable\u00a0:</span> '
                f"{echapper(c.niveau_preuve.description)}</p>")
    html.append(f'<p class="ep-essentiel__teste"><span class="ep-intitule">Ce qui serait testé\u00a0:</span> '
                f"{echapper(p.technologie)}</p></section>")
    return blocs.Bloc("".join(html))


def projet(c) -> list:
    """Le projet : contexte, indicateur, début et durée prévus, seuil de matérialité."""
    p = c.projet.pilote
    ind = p.indicateur_principal
    return [blocs.paragraphe(p.contexte), blocs.paragraphe(
        f"Indicateur principal : {ind.libelle} ({ind.unite}), "
        f"{'en baisse' if ind.sens_souhaite == 'baisse' else 'en hausse'} si le dispositif marche. "
        f"{compte(len(p.sites_experimentaux), 'site')} à équiper, {compte(len(p.sites_temoins), 'témoin candidat', 'témoins candidats')}. "
        f"Début prévu : {t.date_longue(p.periode_experimentation.debut)}, pour {_mois(c.duree_prevue_jours)}. "
        f"Seuil de matérialité : {pourcentage(c.projet.seuil_materialite, 0)} (en dessous, un effet même établi "
        "ne justifie pas de généraliser).")]


def historique(c) -> list:
    """Ce que disent les historiques des sites : niveau, saison, jour de la semaine, bruit, autocorrélation."""
    d = c.decomposition
    s = d.statistiques.copy()
    noms = {x.identifiant: x.nom for x in c.projet.pilote.sites}
    roles = {x.identifiant: ("à équiper" if x.experimental else "témoin candidat") for x in c.projet.pilote.sites}
    s.insert(0, "nom", s["site"].map(noms))
    s.insert(1, "role", s["site"].map(roles))
    moy_rho = float(s["autocorrelation"].mean())
    moy_bruit = float(s["bruit"].mean())
    saison = float(s["saison"].mean())
    texte = (f"L'historique va du {t.date_longue(d.jours[0].date())} au {t.date_longue(d.jours[-1].date())} "
             f"({compte(len(d.jours), 'jour')}). D'un jour à l'autre, chaque site s'écarte en moyenne de "
             f"{pourcentage(moy_bruit, 0)} de ce que prévoient son niveau, sa saison et le jour de la semaine, et ces "
             f"écarts se ressemblent d'un jour au suivant (autocorrélation moyenne {t.nombre(moy_rho, 2)}) : "
             "des jours successifs ne sont pas des observations indépendantes, ce qui demande une expérimentation "
             "plus longue. ")
    texte += (f"La saison fait varier l'indicateur d'environ {pourcentage(saison, 0)} entre le creux et le pic de "
              "l'année." if d.harmoniques else
              "Moins d'un an d'historique : la saison ne peut pas être mesurée, elle est laissée dans le bruit.")
    tableau = blocs.tableau(
        s[["nom", "role", "niveau", "saison", "semaine", "bruit", "autocorrelation", "jours_mesures"]],
        "Les sites sur leur historique",
        formats={"saison": lambda v: pourcentage(v, 0), "semaine": lambda v: pourcentage(v, 0),
                 "bruit": lambda v: pourcentage(v, 0), "autocorrelation": lambda v: t.nombre(v, 2),
                 "niveau": lambda v: t.nombre_arrondi(v)},
        colonnes={"nom": "Site", "role": "Rôle prévu", "niveau": f"Niveau moyen ({c.projet.pilote.indicateur_principal.unite})",
                  "saison": "Écart creux-pic de la saison", "semaine": "Écart entre jours de la semaine",
                  "bruit": "Écart d'un jour typique", "autocorrelation": "Autocorrélation d'un jour au suivant",
                  "jours_mesures": "Jours mesurés"})
    return [blocs.paragraphe(texte), tableau]


def puissance(c) -> list:
    """Effet minimal détectable, puissance au seuil selon la durée (graphique et tableau), fausses alertes."""
    r = c.en_dict()
    seuil = pourcentage(r["seuil_materialite"], 0)
    lignes = []
    for s in r["au_seuil"]:
        lignes.append({"duree": _mois(s["duree_jours"]), "jours": s["duree_jours"],
                       "puissance": 100 * s["puissance"] if s["echecs"] < s["simulations"] else None,
                       "emd": s["emd_rapporte_median"]})
    df = pd.DataFrame(lignes).drop_duplicates("duree", keep="last")
    calculables = df.dropna(subset=["puissance"])
    emd = r["effet_minimal_detectable"]
    texte = (f"Pour chiffrer ce plan, {compte(r['simulations'], 'historique simulé', 'historiques simulés')} ont été tirés de l'historique "
             "réel des sites (leur niveau, leur saison, leur jour de la semaine et des blocs de quatre semaines de leurs "
             "écarts, les mêmes jours pour tous les sites) ; un effet connu y a été planté sur les sites à équiper, et "
             f"chacun a été évalué par la méthode même du rapport d'évaluation ({echapper_methode(r['methode'])}). ")
    if emd is not None:
        texte += (f"Sur la durée prévue ({_mois(r['duree_prevue_jours'])}), l'évaluation voit un effet de "
                  f"{pourcentage(emd, 1)} dans {pourcentage(r['puissance_a_emd'], 0)} des simulations : c'est l'effet "
                  "minimal détectable (8 fois sur 10 ; puissance estimée sur "
                  f"{compte(r['simulations'], 'tirage')}, à ± {t.nombre(100 * r['precision_puissance'], 0)} points près, "
                  "l'erreur type de la simulation). ")
    texte += (f"Sans aucun effet planté, elle a annoncé à tort un effet significatif dans "
              f"{pourcentage(r['fausses_alertes_sans_effet'], 0)} des simulations (5\u00a0% attendus).")
    fig = figures.figure_barres(calculables.assign(p=calculables["puissance"].round()), "duree", "p",
                                f"Part des simulations où un effet de {seuil} est vu", "%")
    fig.add_hline(y=80, line_dash="dash", line_color="#3b3b3b",
                  annotation_text="8 fois sur 10", annotation_position="top left")
    fig.update_layout(xaxis=dict(title=dict(text="Durée de l'expérimentation")), yaxis=dict(range=[0, 105]))
    lecture = (f"Chaque barre dit, pour une durée d'expérimentation, dans quelle part des simulations l'évaluation "
               f"a vu un effet de {seuil} ; il faut atteindre la ligne des 8 fois sur 10.")
    moins = sorted({s["simulations"] for s in r["au_seuil"] if s["echecs"] < s["simulations"] < r["simulations"]})
    if moins:
        lecture += (f" Les durées loin de cette ligne (plus de trois erreurs types) n'ont été simulées que sur "
                    f"{compte(moins[0], 'tirage')} : la conclusion ne changerait pas avec plus.")
    non_calc = [s for s in r["au_seuil"] if s["echecs"] >= s["simulations"]]
    sortie = [blocs.paragraphe(texte),
              blocs.graphique(fig, f"Un effet de {seuil} serait-il vu ?", lecture,
                              df[["duree", "puissance", "emd"]],
                              colonnes={"duree": "Durée", "puissance": "Part des simulations où l'effet est vu (%)",
                                        "emd": "Effet minimal détectable annoncé par l'évaluation (médiane)"},
                              formats={"emd": lambda v: pourcentage(v, 1) if v == v and v is not None else "—",
                                       "puissance": lambda v: t.nombre(v, 0) if v == v and v is not None else "non calculable"})]
    if r["fausses_alertes_sans_effet"] > 0.10:
        sortie.append(blocs.avertissement(
            f"Sans aucun effet planté, l'évaluation a annoncé un effet significatif dans "
            f"{pourcentage(r['fausses_alertes_sans_effet'], 0)} des simulations, bien plus que les 5\u00a0% attendus : sur des "
            "séries comme celles-ci, ses intervalles sont trop étroits. Une partie des effets « vus » ci-dessus sont des "
            "fausses alertes ; un plan avec des témoins retenus en donnerait moins.", "Fausses alertes"))
    if non_calc:
        sortie.append(blocs.avertissement(
            f"Au-delà de {_mois(min(s['duree_jours'] for s in non_calc) - 1)}, l'évaluation ne peut pas être simulée : "
            + non_calc[0]["message_echec"], "Durées non calculables"))
    return sortie


def echapper_methode(methode: str) -> str:
    return {"doubles_differences": "doubles différences avec les témoins retenus",
            "serie_interrompue": "série temporelle interrompue, sans témoin",
            "controle_synthetique": "contrôle synthétique"}.get(methode, methode.replace("_", " "))


def temoins(c) -> list:
    """Les témoins candidats face aux sites à équiper, et ceux à ne pas employer."""
    if not c.temoins:
        return [blocs.paragraphe("Le projet ne propose aucun site témoin : l'évaluation sera un avant / après sur les "
                                 "seuls sites équipés.")]
    verdicts = {"retenir": "À retenir", "surveiller": "À retenir, en le surveillant", "ecarter": "À ne pas employer"}
    df = pd.DataFrame([{"nom": d.nom, "verdict": verdicts[d.verdict], "niveau": d.rapport_niveau,
                        "correlation": d.correlation, "tendance": d.ecart_tendance,
                        "raisons": "; ".join(d.raisons) or "ressemble aux sites à équiper"} for d in c.temoins])
    ecartes = [d.nom for d in c.temoins if d.verdict == "ecarter"]
    texte = ("Un bon témoin évolue comme les sites à équiper : mêmes hauts et bas d'une semaine à l'autre "
             "(corrélation proche de 1), même tendance, un niveau du même ordre. ")
    texte += (f"À ne pas employer : {', '.join(ecartes)}. "
              + ("Il ne sert pas" if len(ecartes) == 1 else "Ils ne servent pas") + " dans les simulations ci-dessus."
              if ecartes else "Tous les candidats peuvent servir.")
    return [blocs.paragraphe(texte), blocs.tableau(
        df, "Les témoins candidats sur l'historique",
        formats={"niveau": lambda v: t.nombre(v, 2), "correlation": lambda v: t.nombre(v, 2) if v == v else "—",
                 "tendance": lambda v: t.pourcentage_signe(v, 0)},
        colonnes={"nom": "Témoin candidat", "verdict": "Avis", "niveau": "Niveau / sites à équiper",
                  "correlation": "Corrélation des semaines", "tendance": "Écart de tendance par an",
                  "raisons": "Pourquoi"})]


def niveau_preuve(c) -> list:
    """Le niveau de preuve que le plan atteindra, et ce qui l'élèverait."""
    items = "".join(f"<li>{echapper(x)}</li>" for x in c.pour_elever)
    return [blocs.paragraphe(c.niveau_preuve.phrase),
            blocs.Bloc(f"<p>Ce qui renforcerait le plan :</p><ul>{items}</ul>" if items else "")]


def plan_et_tirage(c) -> list:
    """Le plan d'analyse préenregistré (son empreinte) et le tirage au sort proposé, avec sa table d'équilibre."""
    pp = c.plan
    sortie = []
    if pp is not None and pp.plan is not None:
        pl = pp.plan
        texte = (f"Plan d'analyse préenregistré (plan.yaml) : enregistré le {t.date_longue(pl.enregistre_le)} par "
                 f"{pl.auteur} ; empreinte {pl.empreinte[:12]} (les 12 premiers caractères de son SHA-256). Le rapport "
                 "d'évaluation dira si l'analyse l'a suivi et listera chaque écart.")
        if pp.tirage_suivi is not None:
            texte += (" Son tirage au sort se refait à l'identique depuis sa graine : le niveau de preuve 5 est atteignable."
                      if pp.tirage_suivi else
                      " Attention : son tirage au sort ne se refait pas à l'identique depuis sa graine ; il ne compte pas.")
        sortie.append(blocs.Bloc(f"<p>{echapper(texte)}</p>"))
    else:
        sortie.append(blocs.paragraphe(
            "Aucun plan d'analyse n'est encore enregistré (plan.yaml dans le dossier du projet). L'enregistrer avant le "
            "début fixe l'indicateur principal, les périodes, les sites, les témoins et la méthode : personne ne pourra "
            "choisir après coup l'indicateur qui arrange, et son empreinte figurera ici et dans le rapport d'évaluation."))
    if pp is None:
        return sortie
    if pp.proposition is None:
        sortie.append(blocs.paragraphe(f"Tirage au sort : impossible en l'état. {pp.message_tirage}"))
        return sortie
    tr = pp.proposition
    noms = {s.identifiant: s.nom for s in c.projet.pilote.sites}
    sortie.append(blocs.paragraphe(
        f"Tirage au sort proposé ({tr.plan_tirage}, graine {tr.graine}) parmi les sites à équiper et les témoins "
        f"retenus, interchangeables s'ils le sont vraiment : recevraient la technologie "
        + ", ".join(noms.get(x, x) for x in tr.equipes) + " ; serviraient de témoins "
        + ", ".join(noms.get(x, x) for x in tr.temoins) + ". La même graine redonne toujours la même liste. "
        + ("Les deux groupes sont équilibrés sur l'historique." if tr.equilibre_atteint else
           "Avec si peu de candidats, les deux groupes restent inégaux sur une variable au moins (table ci-dessous) : "
           "l'évaluation le vérifiera sur les données d'avant.")
        + f" Pour l'enregistrer (plan.yaml, écrit dans le dossier du projet) : python -m eprouvette tirer "
        f"{_chemin(c.projet.pilote.dossier)} --graine {tr.graine}."))
    eq = tr.equilibre.copy()
    eq["variable"] = eq["variable"].map({"niveau": f"Niveau moyen ({c.projet.pilote.indicateur_principal.unite})",
                                         "tendance": "Tendance (part par an)"}).fillna(eq["variable"])
    sortie.append(blocs.tableau(eq, "Équilibre du tirage proposé sur l'historique",
                                colonnes={"variable": "Variable", "moyenne_equipes": "Sites tirés pour être équipés",
                                          "moyenne_temoins": "Témoins", "difference_standardisee":
                                          "Différence standardisée (au-delà de 0,25 : déséquilibre)"},
                                decimales=3))
    return sortie


def _chemin(dossier) -> str:
    from pathlib import Path

    from .. import config

    d = Path(dossier).resolve()
    return str(d.relative_to(config.RACINE.resolve())) if config.RACINE.resolve() in d.parents else str(d)


def provenance(prov, parametres: dict) -> blocs.Bloc:
    """La traçabilité du projet (mêmes mots que celle d'un rapport)."""
    from .sections import provenance as pied

    return pied(SimpleNamespace(provenance=prov), parametres)


# --------------------------------------------------------------------------------------------
# La vue d'un appel à projets
# --------------------------------------------------------------------------------------------


def vue_appel(libelle: str, resultats: list[dict], liens: dict[str, str]) -> list[blocs.Bloc]:
    """Les projets d'un appel côte à côte : diagnostic, durée nécessaire, témoins, niveau de preuve, FEDER."""
    lignes = []
    for r in sorted(resultats, key=lambda r: (list(DIAGNOSTICS).index(diagnostic(r)), r["titre"])):
        lignes.append({
            "projet": r["titre"], "porteur": r["porteur"], "diagnostic": DIAGNOSTICS[diagnostic(r)][2],
            "prevue": _mois(r["duree_prevue_jours"]),
            "necessaire": duree_necessaire(r),
            "emd": pourcentage(r["effet_minimal_detectable"], 1) if r["effet_minimal_detectable"] is not None else "—",
            "temoins": f"{len(r['temoins_retenus'])} sur {r['temoins_candidats']}",
            "niveau": f"{r['niveau_preuve']['niveau']} sur 5 (tirage au sort : {r['niveau_preuve_tirage']['niveau']})",
            "feder": r["feder_eur"],
        })
    df = pd.DataFrame(lignes)
    n_ok = sum(diagnostic(r) == "concluant" for r in resultats)
    feder = sum(r["feder_eur"] for r in resultats)
    feder_ok = sum(r["feder_eur"] for r in resultats if diagnostic(r) == "concluant")
    n = len(resultats)
    texte = (f"{compte(n, 'projet déposé', 'projets déposés')}, pour {t.euros_arrondis(feder)} de FEDER demandé. "
             f"En l'état de leur plan, {compte(n_ok, 'projet')} pourrai{'en' if n_ok > 1 else ''}t conclure "
             f"({t.euros_arrondis(feder_ok)} de FEDER)"
             + (" ; les autres seraient « trop courts pour conclure » ou sans témoin, ce qu'on ne découvrirait "
                "qu'à la fin de l'expérimentation, l'argent dépensé." if n_ok < n else ".")
             + " Chaque chiffre vient d'une simulation de l'évaluation sur l'historique des sites du projet.")
    liste = "".join(f'<li><a href="{echapper(liens[r["identifiant"]])}">{echapper(r["titre"])}</a></li>'
                    for r in resultats if r["identifiant"] in liens)
    return [blocs.Bloc(f'<section class="ep-essentiel" aria-labelledby="l-appel"><h2 id="l-appel">L\'appel en un coup d\'œil</h2>'
                       f"<p>{echapper(texte)}</p></section>"),
            blocs.tableau(df, "Les projets de l'appel côte à côte", formats={"feder": t.euros_arrondis},
                          colonnes={"projet": "Projet", "porteur": "Porteur", "diagnostic": "Diagnostic du plan",
                                    "prevue": "Durée prévue", "necessaire": "Durée nécessaire",
                                    "emd": "Effet minimal détectable (durée prévue)", "temoins": "Témoins retenus",
                                    "niveau": "Niveau de preuve atteignable", "feder": "FEDER demandé"}),
            blocs.Bloc(f"<h2>Les notes de cadrage</h2><ul>{liste}</ul>")]
