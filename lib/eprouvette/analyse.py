"""L'analyse complète d'un pilote, du dossier de données au verdict, en un appel.

Les carnets restent minces : ils appellent :func:`analyser_pilote`, puis affichent les morceaux
de l'objet :class:`Analyse` (résultat de la méthode, qualité, économie, recommandation) avec du
texte en français. Le lanceur de rapports récupère :meth:`Analyse.resultats_json`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from . import economie as eco
from .lecture import charger_mesures, charger_meteo
from .methodes.base import ResultatImpact
from .methodes.choix import ChoixMethode, choix_du_resultat
from .methodes.deploiement_echelonne import signaler_dates_ignorees
from .methodes.niveau_preuve import NiveauPreuve, evaluer_niveau_preuve
from .pilote import Pilote, charger_pilote
from .plan import charger_plan
from .provenance import Provenance, relever as relever_provenance
from .francais import date_longue
from .qualite import BilanQualite, bilan_qualite
from .essaimage import evaluer_transferabilite
from .recommandation import Recommandation, recommander

#: Les notes de l'analyse (aussi montrées dans le rapport) vont au journal de la construction.
_journal = logging.getLogger(__name__)


@dataclass
class Analyse:
    pilote: Pilote
    mesures: pd.DataFrame
    meteo: pd.DataFrame | None
    qualite: BilanQualite
    resultat: ResultatImpact
    economie: eco.ResultatEconomique | None
    monte_carlo: eco.ResultatMonteCarlo | None
    economie_annuelle: eco.EconomieAnnuelle | None
    recommandation: Recommandation
    notes_economie: list[str] = field(default_factory=list)
    #: Le plan employé par l'adaptateur du domaine, son explication et ce qu'il ne peut pas montrer.
    choix: ChoixMethode | None = None
    #: Notes sur les données (secret statistique des compteurs individuels…), montrées dans le rapport.
    notes_donnees: list[str] = field(default_factory=list)
    #: Indicateurs communs du FEDER (RCO / RCR) que le pilote nourrit, avec leurs valeurs.
    indicateurs_feder: list = field(default_factory=list)
    #: Niveau de preuve du plan (1 à 5), qui décide si « généraliser » est possible.
    niveau_preuve: NiveauPreuve | None = None
    #: Jours de l'expérimentation où l'indicateur principal a été mesuré sur les sites équipés.
    jours_mesures_experimentation: int | None = None
    #: False si l'expérimentation court encore à la date de la construction (conclusions provisoires).
    experimentation_terminee: bool = True
    #: Dernier jour étudié de l'expérimentation : sa fin déclarée si elle est terminée, sinon le
    #: dernier jour mesuré (ou la date de la construction s'il n'y a pas encore de mesure).
    fin_etudiee: date | None = None
    #: Traçabilité (date, version du code, empreintes des fichiers), relevée à la lecture des données.
    provenance: Provenance | None = None
    #: Persistance de l'effet sur la période après (``periodes.apres``), None sans période après ou si
    #: elle n'a pas pu être évaluée (la raison est alors dans ``notes_donnees``).
    persistance: Any | None = None
    #: L'analyse confrontée au plan préenregistré (``plan.yaml``, :mod:`eprouvette.plan`) : écarts,
    #: empreinte vérifiée, tirage suivi ; None si le dossier n'a pas de plan.
    comparaison_plan: Any | None = None

    @property
    def indicateur(self):
        return self.pilote.indicateur_principal

    def resultats_json(self) -> dict[str, Any]:
        """Résultats lisibles par une machine (écrits dans rapports/<id>.json par le lanceur)."""
        p, r = self.pilote, self.resultat
        d: dict[str, Any] = {
            "identifiant": p.identifiant,
            "titre": p.titre,
            "donnees_simulees": p.donnees_simulees,
            "domaine": p.domaine,
            "type_pilote": p.type_pilote,
            "porteur": p.porteur.nom,
            "codes_insee": list(p.porteur.codes_insee),
            "periode_reference": [str(p.periode_reference.debut), str(p.periode_reference.fin)],
            "periode_experimentation": [str(p.periode_experimentation.debut), str(p.periode_experimentation.fin)],
            "methode": r.methode,
            "libelle_methode": r.libelle_methode,
            "indicateur": r.indicateur,
            "unite": r.unite,
            "effet": r.effet,
            "ic_bas": r.ic_bas,
            "ic_haut": r.ic_haut,
            "effet_relatif": r.effet_relatif,
            "ic_relatif_bas": r.ic_relatif_bas,
            "ic_relatif_haut": r.ic_relatif_haut,
            "p_valeur": r.p_valeur,
            "significatif": r.significatif,
            "incertitude_valide": r.incertitude_valide,
            "effet_minimal_detectable": r.effet_minimal_detectable,
            "niveau_confiance": 0.95,
            "jours_mesures_experimentation": self.jours_mesures_experimentation,
            "experimentation_terminee": self.experimentation_terminee,
            "fin_etudiee": self.fin_etudiee.isoformat() if self.fin_etudiee else None,
            "verifications": [v.__dict__ for v in r.verifications],
            "qualite_donnees": self.qualite.niveau,
            "cout_investissement_eur": p.couts.investissement_eur,
            "cout_fonctionnement_annuel_eur": p.couts.fonctionnement_annuel_eur,
            "duree_vie_ans": p.couts.duree_vie_ans,
            "feder_eur": p.financement.feder_eur,
            "cofinancements_eur": p.financement.total_eur - p.financement.feder_eur,
        }
        if p.financement.annee_engagement_feder is not None:
            d["annee_engagement_feder"] = p.financement.annee_engagement_feder
        if p.periode_apres is not None:
            d["periode_apres"] = [str(p.periode_apres.debut), str(p.periode_apres.fin)]
            d["persistance"] = self.persistance.en_dict() if self.persistance is not None else None
        d.update(self.recommandation.en_dict())
        if self.comparaison_plan is not None:
            d["plan"] = self.comparaison_plan.en_dict()
        d["indicateurs_feder"] = [i.en_dict() for i in self.indicateurs_feder]
        if self.economie is not None:
            e = self.economie
            d["economie"] = {
                "van_eur": e.van,
                "van_socio_eur": e.van_socio,
                "van_collectivite_eur": e.van_collectivite,
                "delai_retour_actualise_ans": e.delai_retour_actualise,
                "cout_par_unite": e.cout_par_unite,
                "unite_cout": e.unite_cout,
                "economie_annuelle_eur": e.economie_annuelle_eur,
                "tco2e_evitees_an": e.tco2e_evitees_an,
            }
            if self.monte_carlo is not None:
                mc = self.monte_carlo
                d["economie"]["monte_carlo"] = {
                    "tirages": mc.tirages,
                    "graine": mc.graine,
                    "van_ic95_eur": [mc.van.bas, mc.van.haut],
                    "van_socio_ic95_eur": [mc.van_socio.bas, mc.van_socio.haut],
                    "probabilite_van_positive": mc.probabilite_van_positive,
                    "probabilite_van_socio_positive": mc.van_socio.probabilite_positive,
                }
        return d


def module_domaine(domaine: str):
    """La déclaration du domaine (:class:`eprouvette.domaines.Domaine`) : ``evaluer_pilote``,
    ``economie_annuelle`` et ``indicateurs_feder`` y passent par l'adaptateur du domaine."""
    from .domaines import DomaineInconnu
    from .domaines import domaine as trouver

    try:
        return trouver(domaine)
    except DomaineInconnu as e:
        raise NotImplementedError(str(e)) from None


def _economie(pilote: Pilote, resultat: ResultatImpact, notes: list[str], domaine_mod):
    """VAN, temps de retour, Monte-Carlo : seulement si l'effet a une unité que l'on sait valoriser."""
    val = eco.charger_valorisation()
    annuelle = domaine_mod.economie_annuelle(pilote, resultat, val)
    if annuelle is None:
        ind = pilote.indicateur_principal
        notes.append(
            f"L'indicateur « {ind.libelle} » ({ind.unite}) n'a pas de prix dans les paramètres de "
            "valorisation : l'économie n'est pas chiffrée en euros."
        )
        return None, None, None
    couts = eco.Couts.depuis_pilote(pilote.brut)
    if not resultat.incertitude_valide:
        # Sans incertitude de l'effet, un Monte-Carlo ne tirerait que les prix : une fausse précision.
        notes.append("L'incertitude de l'effet n'a pas pu être calculée : le bilan économique n'est donné qu'à sa "
                     "valeur centrale, sans intervalle ni probabilité ; c'est un ordre de grandeur, pas un résultat.")
        return eco.evaluer(couts, annuelle, val), None, annuelle
    return eco.evaluer(couts, annuelle, val), eco.simuler(couts, annuelle, val), annuelle


def _jours_locaux(dates: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates)
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_convert("Europe/Paris").dt.tz_localize(None)
    return d.dt.normalize()


def jours_mesures_experimentation(pilote: Pilote, mesures: pd.DataFrame) -> tuple[int, pd.Timestamp | None]:
    """Jours de l'expérimentation où l'indicateur principal a une valeur sur un site équipé, et le
    dernier de ces jours (None s'il n'y en a aucun)."""
    ind = pilote.indicateur_principal
    exp = pilote.periode_experimentation
    m = mesures[(mesures["indicateur"] == ind.identifiant)
                & mesures["site"].isin([s.identifiant for s in pilote.sites_experimentaux])
                & mesures["valeur"].notna()]
    jours = _jours_locaux(m["date"])
    jours = jours[(jours >= pd.Timestamp(exp.debut)) & (jours <= pd.Timestamp(exp.fin))]
    uniques = jours.unique()
    return len(uniques), (pd.Timestamp(max(uniques)) if len(uniques) else None)


def series_mensuelles(pilote: Pilote, mesures: pd.DataFrame, sites) -> pd.Series:
    """Moyenne mensuelle du total journalier de l'indicateur principal sur ``sites`` (la moyenne par
    jour supporte les mois incomplets), de la référence à la fin de la période après."""
    ind = pilote.indicateur_principal
    m = mesures[(mesures["indicateur"] == ind.identifiant) & mesures["site"].isin([s.identifiant for s in sites])
                & mesures["valeur"].notna()]
    jours = m.assign(jour=_jours_locaux(m["date"])).groupby("jour")["valeur"].sum()
    fin = pilote.periode_apres.fin if pilote.periode_apres is not None else pilote.periode_experimentation.fin
    jours = jours[(jours.index >= pd.Timestamp(pilote.periode_reference.debut)) & (jours.index <= pd.Timestamp(fin))]
    return jours.groupby(jours.index.to_period("M").to_timestamp()).mean()


def evaluer_persistance(pilote: Pilote, mesures: pd.DataFrame):
    """Persistance de l'effet (:mod:`~eprouvette.methodes.persistance`) sur les séries mensuelles des
    sites équipés (et des témoins s'il y en a) ; ValueError en français si les données ne le permettent pas.
    Le mois qui contient le début de l'expérimentation (ou de la période après) compte dans cette période
    si elle commence au plus tard le 15, sinon dans la précédente."""
    from .methodes.persistance import persistance, persistance_temoins

    apres = pilote.periode_apres
    debut = pd.Timestamp(pilote.periode_experimentation.debut)
    debut_apres = pd.Timestamp(apres.debut)
    ind = pilote.indicateur_principal
    equipes = series_mensuelles(pilote, mesures, pilote.sites_experimentaux)
    options = dict(indicateur=ind.libelle, unite=ind.unite, motif=apres.motif,
                   par="En moyenne par jour, total des sites équipés")
    # Le mois qui contient un début va à la nouvelle période s'il commence au plus tard le 15.
    def mois_du_debut(jour: pd.Timestamp) -> pd.Timestamp:
        mois = jour.to_period("M").to_timestamp()
        return mois if jour.day <= 15 else mois + pd.DateOffset(months=1)

    debut_mois, debut_apres_mois = mois_du_debut(debut), mois_du_debut(debut_apres)
    if pilote.sites_temoins:
        temoins = series_mensuelles(pilote, mesures, pilote.sites_temoins)
        df = pd.DataFrame({"experimentaux": equipes, "temoins": temoins}).dropna().rename_axis("date").reset_index()
        return persistance_temoins(df, debut_mois, debut_apres_mois, **options)
    df = equipes.rename("valeur").rename_axis("date").reset_index()
    return persistance(df, debut_mois, debut_apres_mois, **options)


def comparer_au_plan(plan, pilote: Pilote, resultat: ResultatImpact):
    """L'analyse confrontée au plan préenregistré du dossier (``plan``, lu par
    :func:`eprouvette.plan.charger_plan`, :func:`eprouvette.plan.comparer`), ou None sans plan :
    méthode employée, seuils de la grille appliquée, tirage refait depuis sa graine
    (:func:`eprouvette.methodes.tirage.tirage_reproduit`)."""
    from . import plan as plan_mod
    from .methodes.tirage import tirage_reproduit
    from .recommandation import charger_grille

    if plan is None:
        return None
    reproduit = tirage_reproduit(plan.affectation) if plan.tirage_au_sort else None
    return plan_mod.comparer(plan, pilote, methode=resultat.methode, seuils=charger_grille().seuils,
                             tirage_reproduit=reproduit)


#: Nom de la vérification « l'analyse refaite selon le plan préenregistré ».
VERIFICATION_PLAN = "analyse_du_plan"


def verifier_selon_le_plan(plan, comparaison, pilote: Pilote, mesures: pd.DataFrame, meteo, domaine_mod,
                           resultat: ResultatImpact):
    """Quand un écart au plan change l'estimation (autre indicateur principal, date déplacée, témoin
    retiré ou ajouté, autre site équipé), l'analyse est refaite **comme le plan la prévoyait**, autant que
    les données le permettent : si l'effet établi et matériel de l'analyse faite ne l'est plus selon le
    plan, la conclusion dépend des écarts, et la vérification est en échec (pas de « généraliser »).
    Renvoie ``(Verification, dict pour le JSON)`` ou ``(None, None)`` sans écart de ce genre.

    ``mesures`` : toutes les mesures du dossier (période après comprise)."""
    from . import plan as plan_mod
    from .erreurs import ErreurDonnees, ErreursDonnees
    from .francais import pourcentage, pourcentage_signe
    from .methodes.base import Verification
    from .recommandation import charger_grille

    if comparaison is None or not plan_mod.a_refaire(comparaison):
        return None, None
    seuils = charger_grille().seuils
    seuil = float(plan.seuils.get("effet_relatif_materiel", seuils["effet_relatif_materiel"]))
    signe = -1.0 if pilote.indicateur_principal.sens_souhaite == "baisse" else 1.0

    def etabli(r: ResultatImpact, sens: float) -> bool:
        return bool(r.incertitude_valide and r.significatif and sens * r.effet > 0
                    and r.effet_relatif is not None and abs(r.effet_relatif) >= seuil)

    faite = etabli(resultat, signe)
    selon, manques = plan_mod.pilote_selon_le_plan(plan, pilote)
    if selon is None:
        phrase = ("L'analyse prévue par le plan ne peut pas être refaite : " + " ; ".join(manques) + ". "
                  "On ne peut donc pas vérifier que la conclusion ne tient pas aux écarts au plan.")
        return Verification(VERIFICATION_PLAN, "attention", phrase), {"refaite": False, "raison": phrase}
    ids = {s.identifiant for s in selon.sites}
    fin = pd.Timestamp(selon.periode_experimentation.fin)
    m = mesures[mesures["site"].isin(ids) & (_jours_locaux(mesures["date"]) <= fin)]
    try:
        r = domaine_mod.evaluer_pilote(selon, m, meteo, controles=False)
    except (ErreurDonnees, ErreursDonnees, ValueError, KeyError) as e:
        phrase = (f"L'analyse prévue par le plan ne peut pas être refaite sur ces données ({e}). On ne peut donc "
                  "pas vérifier que la conclusion ne tient pas aux écarts au plan.")
        return Verification(VERIFICATION_PLAN, "attention", phrase), {"refaite": False, "raison": phrase}
    sens_plan = -1.0 if selon.indicateur_principal.sens_souhaite == "baisse" else 1.0
    prevue = etabli(r, sens_plan)
    if r.effet_relatif is not None and r.ic_relatif_bas is not None and r.ic_relatif_haut is not None:
        chiffre = (f"{pourcentage_signe(r.effet_relatif)} (intervalle à 95\u00a0% : "
                   f"{pourcentage_signe(r.ic_relatif_bas)} à {pourcentage_signe(r.ic_relatif_haut)})")
    else:
        chiffre = "un effet sans intervalle calculable"
    debut = ("Refaite comme le plan la prévoyait"
             + (f" ({' ; '.join(manques)})" if manques else "")
             + f", l'analyse donne {chiffre}")
    if faite and not prevue:
        statut = "echec"
        phrase = (debut + " : l'effet n'y est pas établi au-delà du seuil de "
                  f"{pourcentage(seuil)}. La conclusion tient aux écarts au plan ; elle ne suffit pas pour généraliser.")
    elif prevue and not faite:
        statut = "attention"
        phrase = debut + " : l'effet y serait établi, alors que l'analyse faite ne l'établit pas."
    else:
        statut = "reussie"
        phrase = debut + " : même conclusion que l'analyse faite."
    return Verification(VERIFICATION_PLAN, statut, phrase), {
        "refaite": True, "effet": r.effet, "effet_relatif": r.effet_relatif, "ic_relatif_bas": r.ic_relatif_bas,
        "ic_relatif_haut": r.ic_relatif_haut, "etabli": prevue, "phrase": phrase}


def affectation_aleatoire(pilote: Pilote, comparaison) -> bool:
    """Les sites équipés ont-ils été tirés au sort ? Avec un plan : seulement si son tirage a été
    suivi (sites équipés = liste tirée, tirage qui se refait, plan inchangé) ; sans plan : ce que
    déclare ``pilote.yaml`` (``affectation: tirage_au_sort``)."""
    if comparaison is not None:
        return comparaison.tirage_suivi
    return pilote.affectation == "tirage_au_sort"


def analyser_pilote(dossier: str | Path, aujourd_hui: date | None = None) -> Analyse:
    """Charge, vérifie et évalue un pilote ; lève ErreurDonnees / ErreursDonnees si les données sont fautives.

    ``aujourd_hui`` (par défaut la date du jour) : une expérimentation qui finit après cette date
    n'est pas terminée ; seuls les jours déjà mesurés sont évalués, et le rapport le dit.
    """
    pilote = charger_pilote(Path(dossier))
    plan = charger_plan(pilote.dossier)  # plan.yaml fautif : refusé avant l'évaluation
    provenance = relever_provenance(pilote.dossier)
    mesures = charger_mesures(pilote)
    mesures_toutes = mesures
    if pilote.periode_apres is not None:
        # L'évaluation principale porte sur la référence et l'expérimentation : la période après est à part.
        fin_exp = pd.Timestamp(pilote.periode_experimentation.fin)
        mesures = mesures[_jours_locaux(mesures["date"]) <= fin_exp]
    meteo = charger_meteo(pilote)
    ind = pilote.indicateur_principal
    aujourd_hui = aujourd_hui or date.today()
    n_jours_exp, dernier_jour = jours_mesures_experimentation(pilote, mesures)
    fin_etudiee = pd.Timestamp(pilote.periode_experimentation.fin)
    notes_periode: list[str] = []
    if pilote.periode_experimentation.fin > aujourd_hui:
        # Expérimentation en cours : la qualité et l'évaluation portent sur ce qui a été mesuré.
        fin_etudiee = min(fin_etudiee, dernier_jour or pd.Timestamp(aujourd_hui))
        notes_periode.append(
            f"L'expérimentation n'est pas terminée : elle court jusqu'au "
            f"{date_longue(pilote.periode_experimentation.fin)}. Ce rapport évalue les {n_jours_exp} jours "
            f"mesurés jusqu'au {date_longue(fin_etudiee.date())} ; ses conclusions sont provisoires."
        )
    qualite = bilan_qualite(
        mesures[mesures["indicateur"] == ind.identifiant],
        pilote.periode_reference.debut,
        max(fin_etudiee, pd.Timestamp(pilote.periode_experimentation.debut)),
        {s.identifiant: s.nom for s in pilote.sites},
    )
    domaine_mod = module_domaine(pilote.domaine)
    resultat = domaine_mod.evaluer_pilote(pilote, mesures, meteo)
    # Sites équipés à des dates différentes : si la méthode du domaine ne l'a pas pris en compte, le
    # résultat le dit (limite, vérification « à surveiller » qui interdit « généraliser »).
    signaler_dates_ignorees(resultat, [pilote.periode_equipement(s).debut for s in pilote.sites_experimentaux],
                            date=date_longue)
    # Le plan décrit dans le rapport est celui que l'adaptateur a employé (pas un second choix).
    choix = choix_du_resultat(
        resultat,
        a_periode_avant=pilote.periode_reference.jours > 0,
        n_temoins=len(pilote.sites_temoins),
        n_experimentes=len(pilote.sites_experimentaux),
        comptage=ind.type_mesure == "comptage",
        debuts_differents=pilote.deploiement_echelonne,
    )
    resultat.verifications = list(resultat.verifications) + [
        v for v in qualite.verifications if v.statut != "reussie"
    ]
    persistance_effet, notes_persistance = None, []
    if pilote.periode_apres is not None:
        try:
            persistance_effet = evaluer_persistance(pilote, mesures_toutes)
        except ValueError as e:
            notes_persistance.append(f"La persistance de l'effet après l'expérimentation n'a pas pu être évaluée : {e}")
        else:
            # La grille la lit comme une vérification : un effet qui disparaît est un échec.
            resultat.verifications.append(persistance_effet.verification())

    notes: list[str] = []
    resultat_eco, mc, annuelle = _economie(pilote, resultat, notes, domaine_mod)
    analyse = Analyse(pilote, mesures, meteo, qualite, resultat, resultat_eco, mc, annuelle, None, notes, choix)
    transferable, explication = evaluer_transferabilite(analyse)
    analyse.comparaison_plan = comparer_au_plan(plan, pilote, resultat)
    verif_plan, selon_plan = verifier_selon_le_plan(plan, analyse.comparaison_plan, pilote, mesures_toutes, meteo,
                                                    domaine_mod, resultat)
    if verif_plan is not None:
        resultat.verifications.append(verif_plan)
        analyse.comparaison_plan.selon_le_plan = selon_plan
    analyse.niveau_preuve = evaluer_niveau_preuve(
        a_periode_avant=pilote.periode_reference.jours > 0,
        n_temoins=len(pilote.sites_temoins),
        verifications=resultat.verifications,
        affectation_aleatoire=affectation_aleatoire(pilote, analyse.comparaison_plan),
        temoins_utilises=resultat.details.get("temoins_utilises"),
    )
    analyse.recommandation = recommander(
        resultat,
        ind.sens_souhaite,
        van_socio_eur=resultat_eco.van_socio if resultat_eco else None,
        temps_retour_ans=resultat_eco.delai_retour_actualise if resultat_eco else None,
        duree_vie_ans=pilote.couts.duree_vie_ans if resultat_eco else None,
        transferable=transferable,
        explication_transferabilite=explication,
        niveau_preuve=analyse.niveau_preuve,
        jours_mesures_experimentation=n_jours_exp,
        persistance=persistance_effet,
        n_sites_equipes=len(pilote.sites_experimentaux),
    )
    analyse.notes_donnees = notes_periode + list(mesures.attrs.get("notes", [])) + notes_persistance
    analyse.persistance = persistance_effet
    analyse.jours_mesures_experimentation = n_jours_exp
    analyse.experimentation_terminee = not notes_periode
    analyse.fin_etudiee = fin_etudiee.date()
    if notes_periode:
        resultat.limites = list(resultat.limites) + notes_periode
    analyse.indicateurs_feder = list(domaine_mod.indicateurs_feder(analyse))
    analyse.provenance = provenance
    for note in analyse.notes_donnees + analyse.notes_economie:
        _journal.info("note : %s", note)
    return analyse
