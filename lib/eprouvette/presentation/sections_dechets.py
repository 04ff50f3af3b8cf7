"""Sections du rapport propres au domaine déchets (collecte des PAV pilotée par sondes).

Chaque fonction prend une :class:`~eprouvette.analyse.Analyse` d'un pilote déchets et renvoie une
liste de blocs (graphiques accessibles avec titre h3, phrase de lecture et tableau de données ;
tableaux à la française). Les sections communes (essentiel, économie, recommandation…) viennent
de :mod:`eprouvette.presentation.sections`. Rien n'est recalculé ni relu ici : les séries et les
tableaux viennent de ``analyse.resultat.complements``, rangés par l'adaptateur
(:mod:`eprouvette.domaines.dechets_pilote`).
"""

from __future__ import annotations


import pandas as pd

from ..domaines.dechets_pilote import GROUPES
from . import blocs, figures
from .sections import periode_etudiee
from .. import francais as t
from ..francais import echapper


def levees_hebdomadaires(a) -> pd.DataFrame:
    """Levées moyennes par conteneur et par semaine, par groupe (semaines complètes seulement)."""
    return a.resultat.complements["levees_hebdomadaires"]


def donnees(a) -> list:
    """Ce que contiennent les mesures, et leur qualité (levées journalières de chaque conteneur)."""
    p, q = a.pilote, a.qualite
    ind = p.indicateur_principal
    m = a.mesures[a.mesures["indicateur"] == ind.identifiant]
    texte = (
        f"{t.environ(len(m), 'relevé journalier', 'relevés journaliers')} des levées de {len(p.sites)} conteneurs "
        f"({len(p.sites_experimentaux)} expérimentaux, {len(p.sites_temoins)} témoins), "
        f"{periode_etudiee(a)}. {q.phrase}"
    )
    qual = q.tableau.rename(columns={
        "site": "Conteneur", "indicateur": "Indicateur", "jours_attendus": "Jours attendus",
        "jours_mesures": "Jours mesurés", "jours_manquants": "Jours manquants", "part_manquante": "Part manquante",
        "valeurs_negatives": "Valeurs négatives", "valeurs_aberrantes": "Valeurs aberrantes",
        "plus_long_palier_jours": "Plus long palier (jours)",
    })
    return [blocs.Bloc(f"<p>{echapper(texte)}</p>"),
            blocs.tableau(qual, "Qualité des relevés de levées par conteneur", formats={"Part manquante": t.pourcentage})]


def graphique_levees(a) -> list:
    """Graphique des levées par conteneur et par semaine, expérimentaux contre témoins, avec son tableau."""
    p = a.pilote
    g = levees_hebdomadaires(a)
    fig = figures.figure_groupes(
        g.rename(columns={"semaine": "date", "levees": "valeur"}),
        "Levées par conteneur et par semaine", "levées par conteneur",
        debut_experimentation=p.periode_experimentation.debut, decimales=2,
    )
    table = g.pivot(index="semaine", columns="groupe", values="levees").reset_index()
    table["semaine"] = table["semaine"].map(lambda x: f"semaine du {t.date_courte(x)}")
    table = table.rename(columns={"semaine": "Semaine"})
    moy = g.assign(apres=g["semaine"] >= pd.Timestamp(p.periode_experimentation.debut)).groupby(["groupe", "apres"])["levees"].mean()
    def val(grp, ap):
        return moy.get((grp, ap), float("nan"))
    lecture = (
        "Chaque courbe donne le nombre moyen de levées d'un conteneur dans la semaine ; le trait vertical marque "
        f"le passage à la collecte à la demande. Avant : {t.nombre_arrondi(val(GROUPES[1], False), decimales=2)} levée par conteneur "
        f"et par semaine pour les expérimentaux, {t.nombre_arrondi(val(GROUPES[0], False), decimales=2)} pour les témoins ; pendant : "
        f"{t.nombre_arrondi(val(GROUPES[1], True), decimales=2)} et {t.nombre_arrondi(val(GROUPES[0], True), decimales=2)}."
    )
    return [blocs.graphique(fig, "Levées par conteneur et par semaine : conteneurs expérimentaux et témoins",
                            lecture, table, decimales=2)]


def resultats(a) -> list:
    """La phrase de résultat et le graphique « mesuré / estimé sans l'expérimentation » par semaine."""
    r, p = a.resultat, a.pilote
    sortie = [blocs.Bloc(f"<p>{echapper(r.resume)}</p>")]
    cf = r.contrefactuel
    if cf is not None and len(cf) and pd.api.types.is_datetime64_any_dtype(pd.to_datetime(cf["date"], errors="coerce")):
        c = cf.copy()
        c["date"] = pd.to_datetime(c["date"])
        c = c[c["date"] >= pd.Timestamp(p.periode_experimentation.debut)]
        if len(c):
            unite = "levées par conteneur"
            fig = figures.figure_serie_contrefactuelle(
                c[["date", "observe", "contrefactuel"]], "Levées mesurées et estimées sans la collecte à la demande", unite,
                libelle_contrefactuel="Estimé sans collecte à la demande", decimales=2)
            table = c[["date", "observe", "contrefactuel"]].copy()
            # Déploiement échelonné : l'estimation est faite par périodes de plusieurs semaines.
            jours = r.details.get("jours_par_periode")
            quoi = f"période de {jours // 7} semaines du" if jours else "semaine du"
            table["date"] = table["date"].map(lambda x: f"{quoi} {t.date_courte(x)}")
            table = table.rename(columns={"date": "Semaine" if not jours else "Période",
                                          "observe": "Mesuré (levées par conteneur)",
                                          "contrefactuel": "Estimé sans collecte à la demande"})
            sortie.append(blocs.graphique(
                fig, "Conteneurs expérimentaux : levées mesurées et estimées sans la collecte à la demande",
                "L'écart entre les deux courbes est l'effet estimé de la collecte à la demande, "
                + ("période par période, pendant l'expérimentation (moyenne des conteneurs expérimentaux, équipés ou "
                   "pas encore ; l'estimation sans collecte à la demande suit l'évolution des conteneurs pas encore ou "
                   "jamais équipés)." if jours else
                   "semaine par semaine, pendant l'expérimentation (l'estimation sans collecte à la demande suit "
                   "l'évolution des témoins)."),
                table, decimales=2))
    return sortie


def taux_remplissage(a) -> list:
    """Tableau du taux de remplissage à la levée, avant / pendant, expérimentaux / témoins."""
    p = a.pilote
    tab = a.resultat.complements.get("taux_remplissage")
    if tab is None:
        return [blocs.avertissement("Le pilote ne déclare pas d'indicateur « taux_remplissage » : le taux de "
                                    "remplissage à la levée n'est pas suivi.", "Non mesuré")]
    m = tab.set_index(["groupe", "periode"])["taux_moyen"]
    ecart = None
    if len(p.sites_temoins):
        ecart = ((m[("Conteneurs expérimentaux", "pendant")] - m[("Conteneurs expérimentaux", "avant")])
                 - (m[("Conteneurs témoins", "pendant")] - m[("Conteneurs témoins", "avant")]))
    aff = tab.rename(columns={"groupe": "Groupe", "periode": "Période", "levees": "Levées relevées",
                              "taux_moyen": "Taux moyen à la levée (%)", "taux_median": "Taux médian (%)",
                              "part_debordement": "Part des levées à 100\u00a0% (plein)"})
    aff["Période"] = aff["Période"].map({"avant": "avant (référence)", "pendant": "pendant l'expérimentation"})
    texte = ("Le taux de remplissage à la levée dit si l'on vide des conteneurs à moitié vides (taux bas) ou trop "
             "tard (100\u00a0% : conteneur plein, dépôts laissés au sol).")
    if ecart is not None:
        texte += (f" Par rapport à l'évolution des témoins, le taux moyen à la levée des conteneurs expérimentaux a "
                  f"changé de {t.nombre_signe(ecart, 1)} points (simple différence des moyennes, sans intervalle de "
                  "confiance : indicateur secondaire).")
    return [blocs.Bloc(f"<p>{echapper(texte)}</p>"),
            blocs.tableau(aff, "Taux de remplissage à la levée, avant et pendant l'expérimentation",
                          decimales={"Taux moyen à la levée (%)": 1, "Taux médian (%)": 0},
                          formats={"Part des levées à 100\u00a0% (plein)": lambda v: t.pourcentage(v, 1)})]


def tableau_tournees(a) -> pd.DataFrame:
    """Levées, km, gazole et tCO2e évités par an (valeur centrale et bornes de l'intervalle à 95 %)."""
    return a.resultat.complements["tournees_evitees"]


def tournees_evitees(a) -> list:
    """Tableau km / gazole / tCO2e évités, avec les hypothèses de calcul."""
    h = a.resultat.complements["hypotheses_tournees"]
    conso, gaz = h["consommation_gazole"], h["facteur_gazole"]
    tab = tableau_tournees(a)
    hyp = [
        f"Levées évitées par an = effet par conteneur et par semaine × {h['conteneurs_experimentaux']} conteneurs "
        "expérimentaux × 52,2 semaines (l'expérimentation est supposée représentative de l'année entière).",
        h["origine_km"],
        f"Consommation du camion de collecte : {t.nombre(conso.valeur, 0)} "
        f"{conso.unite} ({conso.source}, {conso.annee}"
        + (", à confirmer" if conso.a_confirmer else "") + ").",
        f"Facteur d'émission du gazole : {t.nombre(gaz.valeur, 2)} {gaz.unite} ({gaz.source}, {gaz.annee}"
        + (", à confirmer" if gaz.a_confirmer else "") + ").",
    ]
    return [
        blocs.tableau(tab, "Kilomètres, gazole et CO2e évités par an grâce aux levées évitées",
                      decimales={"Levées évitées par an": 0, "Km évités par an": 0, "Gazole évité (L/an)": 0,
                                 "CO2e évité (t/an)": 2}),
        blocs.Bloc("<ul>" + "".join(f"<li>{echapper(x)}</li>" for x in hyp) + "</ul>"),
    ]
