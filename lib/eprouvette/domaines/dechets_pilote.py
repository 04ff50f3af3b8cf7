"""Analyse d'un pilote du domaine déchets (collecte des PAV pilotée par sondes) : ce que ``analyse.py`` appelle.

Méthode : doubles différences sur le panel conteneur × semaine des levées, effets fixes conteneur
et semaine, erreurs regroupées par conteneur, bootstrap sauvage par grappes sous 30 conteneurs (avec
au moins 10 conteneurs de chaque côté ; en dessous, placebos dans l'espace ou série des écarts)
(:func:`eprouvette.methodes.doubles_differences.effets_fixes_bidirectionnels`). Conteneurs équipés
à des dates différentes (``sites[].debut_equipement``) : chacun n'est « actif » que pendant sa propre
période d'équipement, et l'estimation est celle des doubles différences échelonnées de Callaway et
Sant'Anna sur des périodes de quatre semaines (:mod:`eprouvette.methodes.deploiement_echelonne`),
pas celle des effets fixes, biaisée quand l'effet grandit avec la durée d'équipement. Sans conteneur
témoin (et sans vagues) : série temporelle interrompue sur la moyenne hebdomadaire des levées par conteneur
expérimental. Les levées évitées sont valorisées au coût d'une levée (``dechets.yaml``) et
converties en km, gazole et CO2e (facteur du gazole de ``valorisation.yaml``).
"""

from __future__ import annotations

import pandas as pd

from ..feder import IndicateurFeder
from ..francais import date_longue, nombre, pourcentage
from ..methodes.base import ResultatImpact, Verification
from .dechets import (
    bilan_tournees,
    charger_parametres_dechets,
    levees_par_semaine,
    lire_caracteristiques,
    taux_remplissage_avant_apres,
    tco2e_par_levee,
)

UNITE_EFFET = "levées par conteneur et par semaine"
SEMAINES_PAR_AN = 365.25 / 7
#: Au-delà de cette part de semaines incomplètes (jours sans transmission), une vérification est « à surveiller ».
PART_SEMAINES_INCOMPLETES_MAX = 0.05
GROUPES = {1: "Conteneurs expérimentaux", 0: "Conteneurs témoins"}
#: Déploiement échelonné : longueur des périodes du panel de l'estimateur échelonné (semaines).
SEMAINES_PAR_PERIODE = 4


def indicateur_taux(pilote):
    """L'indicateur du taux de remplissage à la levée (identifiant commençant par « taux_remplissage »), ou None."""
    for i in pilote.indicateurs:
        if i.identifiant.startswith("taux_remplissage"):
            return i
    return None


def panel_levees(pilote, mesures: pd.DataFrame) -> pd.DataFrame:
    """Panel conteneur × semaine des levées de l'indicateur principal (voir :func:`levees_par_semaine`)."""
    return levees_par_semaine(
        mesures, pilote.indicateur_principal.identifiant,
        [s.identifiant for s in pilote.sites_experimentaux], [s.identifiant for s in pilote.sites_temoins],
        pilote.periode_reference, pilote.periode_experimentation,
        {s.identifiant: pilote.periode_equipement(s) for s in pilote.sites_experimentaux},
    )


def levees_hebdomadaires(complet: pd.DataFrame) -> pd.DataFrame:
    """Levées moyennes par conteneur et par semaine, par groupe, sur les semaines complètes du panel."""
    g = complet.groupby(["traite", "semaine"], as_index=False).agg(levees=("levees", "mean"),
                                                                    conteneurs=("site", "nunique"))
    g["groupe"] = g["traite"].map(GROUPES)
    return g[["semaine", "groupe", "levees", "conteneurs"]].sort_values(["semaine", "groupe"]).reset_index(drop=True)


def _verifier(pilote) -> None:
    from ..erreurs import ErreurDonnees

    ind = pilote.indicateur_principal
    if ind.type_mesure not in (None, "comptage"):
        raise ErreurDonnees(
            pilote.fichier, f"l'indicateur principal « {ind.identifiant} » d'un pilote déchets doit compter des levées.",
            champ="indicateurs.type_mesure", attendu="« comptage » (nombre de levées par conteneur et par jour)",
        )
    lire_caracteristiques(pilote)  # erreurs en français dès le début, avant tout calcul


def evaluer_pilote(pilote, mesures: pd.DataFrame, meteo: pd.DataFrame | None, *, controles: bool = True) -> ResultatImpact:
    from ..methodes.doubles_differences import effets_fixes_bidirectionnels
    from ..methodes.verifications import laisser_un_de_cote

    _verifier(pilote)
    ind = pilote.indicateur_principal
    panel = panel_levees(pilote, mesures)
    complet = panel[panel["complete"]].copy()
    complements = {"levees_hebdomadaires": levees_hebdomadaires(complet)}
    taux = indicateur_taux(pilote)
    if taux is not None:
        complements["taux_remplissage"] = taux_remplissage_avant_apres(
            mesures, taux.identifiant, [s.identifiant for s in pilote.sites_experimentaux],
            [s.identifiant for s in pilote.sites_temoins], pilote.periode_reference, pilote.periode_experimentation)
    part_incompletes = 1 - len(complet) / len(panel) if len(panel) else 1.0
    n_exp = len(pilote.sites_experimentaux)
    controle = None
    echelonne = _echelonne(pilote, complet, controles) if pilote.deploiement_echelonne else None
    if echelonne is not None:
        r, controle = echelonne
    elif len(pilote.sites_temoins) == 0:
        r = _serie_interrompue(pilote, complet)
    else:
        # Peu de conteneurs : l'incertitude peut venir de placebos, de la durée, ou être indéterminée
        # (ddl NaN) ; l'effet minimal détectable vient du plan d'inférence retenu.
        def estimer(panel: pd.DataFrame, tendances_prealables: bool = True) -> ResultatImpact:
            return effets_fixes_bidirectionnels(
                panel, tendances_prealables=tendances_prealables, colonne_valeur="levees", colonne_site="site", colonne_temps="semaine",
                colonne_traitement="actif", indicateur=ind.libelle.lower(), unite=UNITE_EFFET, graine=20240902,
                libelle_methode="Doubles différences conteneurs expérimentaux / témoins (effets fixes conteneur et semaine)",
                justification=(
                    f"{n_exp} conteneurs passés à la collecte à la demande et {len(pilote.sites_temoins)} conteneurs "
                    "témoins restés à jours fixes, suivis avant et pendant : on compare l'évolution des levées par "
                    "conteneur et par semaine des uns et des autres. Les effets fixes retirent les différences "
                    "permanentes entre conteneurs (emplacement, taille) et ce qui touche toutes les semaines de la "
                    "même façon (fêtes, vacances, jours fériés, météo). Les erreurs sont regroupées par conteneur ; "
                    "sous 30 conteneurs, l'intervalle vient d'un bootstrap sauvage par grappes ; avec moins de 10 "
                    "conteneurs expérimentaux ou témoins, il vient de placebos ou de la durée, ou n'est pas calculable."
                ),
            )
        # controles=False (simulations de puissance) : ni l'étude événementielle des tendances préalables, ni
        # le contrôle ci-dessous ; l'effet et son intervalle sont les mêmes.
        r = estimer(complet, controles)
        # L'effet repose-t-il sur un seul conteneur ? Estimation refaite sans chacun à tour de rôle (même
        # inférence ; sans l'étude événementielle, qui ne change ni l'effet ni son intervalle).
        if controles:
            controle = laisser_un_de_cote(lambda retires: estimer(complet[~complet["site"].isin(retires)], False),
                                          pilote.sites, r, mot="conteneur")
        r.details["effet_par_conteneur_semaine"] = (r.effet, r.ic_bas, r.ic_haut)
        if controles:  # doubles différences synthétiques : contrôle de robustesse ou sans objet (methodes/choix.py)
            from ..methodes.dd_synthetiques import plan_dd_synthetiques

            jour = complet.rename(columns={"semaine": "date", "levees": "valeur"})[["date", "site", "valeur"]]
            dds = plan_dd_synthetiques(pilote, jour)
            dds.controler(r, facteur=1 / n_exp, unite=UNITE_EFFET, nom_principal="les doubles différences")
    # Totaux : effet cumulé sur les conteneurs expérimentaux pendant l'expérimentation.
    exp_pendant = complet[complet["actif"] == 1]
    n_cs = len(exp_pendant)
    e_cs, b_cs, h_cs = r.details["effet_par_conteneur_semaine"]
    r.details["levees_observees_experimentation"] = float(exp_pendant["levees"].sum())
    r.details["levees_evitees_experimentation"] = -e_cs * n_cs
    r.details["conteneurs_semaines_experimentation"] = n_cs
    r.details["part_semaines_incompletes"] = part_incompletes
    statut = "reussie" if part_incompletes <= PART_SEMAINES_INCOMPLETES_MAX else "attention"
    r.verifications = list(r.verifications) + [Verification(
        "semaines_completes", statut,
        f"{pourcentage(part_incompletes)} des semaines conteneur ont au moins un jour sans transmission et sont "
        "écartées (leurs levées seraient sous-comptées)"
        + (" ; c'est peu." if statut == "reussie" else " : au-delà de 5\u00a0%, vérifier la transmission des sondes."),
        part_incompletes,
    )]
    if controle is not None:
        controle.ajouter_a(r)
    r.complements.update(complements)
    if r.effet_relatif is not None and r.significatif:
        r.resume += (f" Sur les {n_exp} conteneurs expérimentaux et la durée de l'expérimentation, cela fait "
                     f"environ {nombre(-e_cs * n_cs, 0)} levées évitées.")
    return r


def _echelonne(pilote, complet: pd.DataFrame, controles: bool = True):
    """Conteneurs équipés à des dates différentes : doubles différences échelonnées (Callaway et Sant'Anna)
    sur des périodes de quatre semaines, et le contrôle « laisser un conteneur de côté ». None si
    l'estimateur ne peut rien estimer (aucune période équipée n'a de témoin) : l'adaptateur revient alors
    au plan commun, et l'analyse dit que les dates propres ne sont pas prises en compte."""
    from ..methodes.deploiement_echelonne import equilibrer, estimer_echelonne, regrouper_periodes
    from ..methodes.verifications import laisser_un_de_cote

    periodes = regrouper_periodes(complet, colonne_site="site", colonne_temps="semaine", colonne_valeur="levees",
                                  colonne_actif="actif", longueur=pd.Timedelta(weeks=SEMAINES_PAR_PERIODE))
    periodes, remarques = equilibrer(periodes, mot="conteneur")
    n_exp, n_tem = len(pilote.sites_experimentaux), len(pilote.sites_temoins)
    options = dict(
        indicateur=pilote.indicateur_principal.libelle.lower(), unite=UNITE_EFFET, mot="conteneur",
        unite_duree=f"période de {SEMAINES_PAR_PERIODE} semaines", unite_durees=f"périodes de {SEMAINES_PAR_PERIODE} semaines",
        graine=20240902, limites=remarques,
        date=date_longue,
        libelle_methode="Doubles différences pour un déploiement échelonné (conteneurs équipés par vagues, "
                        "Callaway et Sant'Anna)",
        justification=(
            f"Les {n_exp} conteneurs expérimentaux sont passés à la collecte à la demande par vagues, à des dates "
            f"différentes ; {n_tem} conteneurs témoins sont restés à jours fixes. Chaque vague est comparée, sur les "
            "mêmes semaines, aux conteneurs pas encore ou jamais équipés (jamais aux conteneurs déjà équipés, ce qui "
            "fausserait l'estimation si l'effet grandit avec le temps) : c'est la méthode de Callaway et Sant'Anna "
            f"(2021). Les levées sont comptées par périodes de {SEMAINES_PAR_PERIODE} semaines (moyenne par semaine "
            "complète) ; l'effet global est la moyenne des effets des périodes équipées, pondérée par la taille des "
            "vagues, et la courbe d'étude d'événement montre l'effet selon la durée d'équipement. L'incertitude vient "
            "d'un bootstrap par conteneur ; avec trop peu de conteneurs par vague ou de témoins, le rapport dit "
            "qu'elle ne peut pas être calculée."),
    )
    equipees = complet.loc[complet["actif"] == 1, "levees"]
    try:
        r = estimer_echelonne(periodes, total_observe=float(equipees.mean()) if len(equipees) else None, **options)
    except ValueError:
        return None
    r.details["jours_par_periode"] = 7 * SEMAINES_PAR_PERIODE
    controle = laisser_un_de_cote(
        lambda retires: estimer_echelonne(periodes[~periodes["site"].isin(retires)], **options),
        pilote.sites, r, mot="conteneur") if controles else None
    r.details["effet_par_conteneur_semaine"] = (r.effet, r.ic_bas, r.ic_haut)
    return r, controle


def _serie_interrompue(pilote, complet: pd.DataFrame) -> ResultatImpact:
    """Sans témoin : série interrompue sur la moyenne hebdomadaire des levées par conteneur expérimental."""
    from ..methodes.puissance import diagnostic_duree_resultat
    from ..methodes.serie_interrompue import serie_interrompue

    exp = complet[complet["traite"] == 1]
    s = exp.groupby("semaine", as_index=False)["levees"].mean().sort_values("semaine")
    debut = pd.Timestamp(pilote.periode_experimentation.debut)
    r = serie_interrompue(s, debut, colonne_valeur="levees", colonne_date="semaine",
                          indicateur=pilote.indicateur_principal.libelle.lower(),
                          unite="levées par conteneur (cumul sur l'expérimentation)", famille="gaussienne",
                          saisonnalite="fourier", periode=365.25 / 7, harmoniques=2, changement_pente=False,
                          limites=[
        "Sans conteneur témoin, un changement survenu au même moment (nouvelles consignes de tri, "
        "changement de prestataire, fermeture d'une déchèterie voisine) serait confondu avec l'effet."])
    n_apres = int(r.details["n_apres"])
    ref = float(s.loc[s["semaine"] < debut, "levees"].mean())
    diagnostic_duree_resultat(r, seuil=0.05 * ref)
    r.details["effet_par_conteneur_semaine"] = (r.effet / n_apres, r.ic_bas / n_apres, r.ic_haut / n_apres)
    return r


def economie_annuelle(pilote, resultat: ResultatImpact, valorisation):
    """Levées évitées par an, valorisées au coût d'une levée ; CO2e du gazole non brûlé.

    Range aussi dans ``resultat.complements`` le tableau des km, du gazole et du CO2e évités par an
    (« tournees_evitees ») et ses hypothèses (« hypotheses_tournees »), que lit le rapport."""
    from ..economie import EconomieAnnuelle

    params = charger_parametres_dechets()
    carac = lire_caracteristiques(pilote)
    e, b, h = resultat.details["effet_par_conteneur_semaine"]
    facteur = len(pilote.sites_experimentaux) * SEMAINES_PAR_AN
    # Levées évitées (positif = économie) : opposé de l'effet.
    q, bas, haut = -e * facteur, -h * facteur, -b * facteur
    gazole = valorisation.facteurs_emission["gazole"]
    tco2e = tco2e_par_levee(carac.km_par_levee, params.consommation_gazole.valeur, gazole.valeur)
    resultat.complements["tournees_evitees"] = tableau_tournees(
        resultat, len(pilote.sites_experimentaux), carac.km_par_levee, params.consommation_gazole.valeur, gazole.valeur)
    resultat.complements["hypotheses_tournees"] = {
        "conteneurs_experimentaux": len(pilote.sites_experimentaux), "origine_km": carac.origine_km,
        "consommation_gazole": params.consommation_gazole, "facteur_gazole": gazole}
    # Sans incertitude calculable (bornes NaN), l'économie n'a pas d'intervalle.
    finies = resultat.incertitude_valide
    return EconomieAnnuelle(
        quantite=q, unite="levées", prix_unitaire=params.cout_levee.valeur, ic_bas=min(bas, haut) if finies else None,
        ic_haut=max(bas, haut) if finies else None, tco2e_par_unite=tco2e, plage_prix=params.cout_levee.plage(),
        libelle="Levées évitées par an",
    )


def tableau_tournees(resultat: ResultatImpact, n_conteneurs: int, km_par_levee: float, consommation_l_100km: float,
                     facteur_kgco2e_l: float) -> pd.DataFrame:
    """Levées, km, gazole et tCO2e évités par an (valeur centrale et bornes de l'intervalle à 95 %)."""
    e, b, h = resultat.details["effet_par_conteneur_semaine"]
    n = n_conteneurs * SEMAINES_PAR_AN
    lignes = []
    for nom, x in (("Valeur centrale", -e), ("Borne basse (95\u00a0%)", min(-b, -h)), ("Borne haute (95\u00a0%)", max(-b, -h))):
        bt = bilan_tournees(x * n, km_par_levee, consommation_l_100km, facteur_kgco2e_l)
        lignes.append({"Estimation": nom, "Levées évitées par an": bt.levees_evitees, "Km évités par an": bt.km_evites,
                       "Gazole évité (L/an)": bt.gazole_evite_l, "CO2e évité (t/an)": bt.tco2e_evitees})
    return pd.DataFrame(lignes)


def indicateurs_feder(analyse) -> list[IndicateurFeder]:
    p = analyse.pilote
    carac = lire_caracteristiques(p)
    flux = f" ({carac.flux})" if carac.flux else ""
    tonnage = (f" Tonnage collecté séparément sur les conteneurs suivis : {nombre(carac.tonnage_collecte_t_an, 0)} t/an "
               "(déclaré dans pilote.yaml), inchangé par le pilote."
               if carac.tonnage_collecte_t_an else "")
    sortie = [
        IndicateurFeder(
            "RCO14", 1.0,
            f"Le porteur ({p.porteur.nom}) est soutenu pour un service numérique de supervision de la collecte "
            "(sondes et plateforme) ; à confirmer avec l'autorité de gestion que ce service relève bien de RCO14."),
        IndicateurFeder(
            "RCR103", None,
            f"Non renseigné : le pilote ne change pas les déchets collectés séparément{flux}. Les sondes changent "
            "le moment des levées, pas ce que les habitants déposent ; aucun gain de tonnage ne lui est attribuable."
            + tonnage),
    ]
    ea = analyse.economie_annuelle
    if ea is not None:
        sortie.append(IndicateurFeder(
            "RCR29", ea.tco2e_par_an,
            "Émissions du camion de collecte évitées par an : levées évitées × "
            "km par levée × consommation du camion × facteur d'émission du gazole (ADEME)."))
    return sortie
