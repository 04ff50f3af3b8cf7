"""Analyse d'un pilote du domaine énergie (bâtiments publics) : ce que ``analyse.py`` appelle.

Méthode : référence ajustée au climat (IPMVP option C) corrigée par les sites témoins
(:func:`eprouvette.methodes.reference_energetique.evaluer_energie`), avec le calendrier
d'occupation déclaré dans ``pilote.yaml`` ; économie valorisée au prix de l'énergie et au facteur
d'émission ADEME du vecteur énergétique de l'indicateur.

Relevés infra-journaliers (horaires, au pas de 10 ou 30 minutes…) : ils sont d'abord sommés par
jour civil local (heure légale française : un jour de changement d'heure compte 23 ou 25 heures, et
sa somme est le vrai total du jour) ; un jour qui a moins de la moitié de ses relevés attendus est
manquant (règle de suffisance de CalTRACK), sinon sa somme est ramenée au jour complet
(:func:`agreger_jours`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import config
from ..francais import accord, compte
from ..feder import IndicateurFeder
from ..methodes.base import ResultatImpact, Verification
from .energie import calendrier_ecoles, jours_feries


def calendrier_occupation(pilote) -> pd.DataFrame | None:
    """Occupation jour par jour (colonnes date, inoccupe, motif) selon ``occupation`` de pilote.yaml."""
    debut, fin = pilote.periode_reference.debut, pilote.periode_experimentation.fin
    if pilote.occupation == "ecole_zone_b":
        return calendrier_ecoles(debut, fin)
    if pilote.occupation == "bureaux":
        jours = pd.date_range(debut, fin, freq="D")
        feries = set()
        for an in range(debut.year, fin.year + 1):
            feries |= set(jours_feries(an))
        weekend = jours.day_of_week >= 5
        ferie = [j.date() in feries for j in jours]
        motif = ["week-end" if w else ("férié" if f else "") for w, f in zip(weekend, ferie)]
        return pd.DataFrame({"date": jours, "inoccupe": weekend | pd.Series(ferie).to_numpy(), "motif": motif})
    return None


#: Part minimale des relevés attendus d'un jour pour qu'il compte (CalTRACK : 50 %).
PART_MINIMALE_JOUR = 0.5


def est_infra_journalier(dates: pd.Series) -> bool:
    """Vrai si les dates portent une heure (fuseau présent, ou au moins un horodatage hors minuit)."""
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        return True
    d = pd.to_datetime(dates)
    return bool((d != d.dt.normalize()).any())


def _pas_minutes(instants: pd.Series) -> float:
    """Pas de temps habituel (en minutes) : l'écart le plus fréquent entre relevés successifs d'une série."""
    ecarts = instants.sort_values().diff().dropna()
    ecarts = ecarts[ecarts > pd.Timedelta(0)]
    if ecarts.empty:
        return 60.0
    return float(ecarts.mode().iloc[0] / pd.Timedelta(minutes=1))


def agreger_jours(mesures: pd.DataFrame, part_minimale: float = PART_MINIMALE_JOUR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Relevés infra-journaliers -> totaux par jour civil local (heure légale française).

    Paramètres
    ----------
    mesures : format long (``date``, ``site``, ``indicateur``, ``valeur``) ; ``date`` en
        datetime64 avec fuseau (instants) ou sans fuseau (heure légale locale, horloge murale).
    part_minimale : part des relevés attendus en dessous de laquelle un jour est manquant.

    Le nombre de relevés attendus d'un jour tient compte du changement d'heure : au pas horaire,
    23 le dernier dimanche de mars, 25 le dernier dimanche d'octobre, 24 sinon. Un jour complet
    donne la somme exacte de ses relevés ; un jour à au moins ``part_minimale`` de ses relevés
    donne la somme ramenée au jour complet (somme × attendus / présents) ; un jour en dessous est
    manquant (absent du résultat).

    Renvoie ``(journalier, bilan)`` : ``journalier`` au format long, ``date`` naïve à minuit ;
    ``bilan`` une ligne par site et indicateur (pas_minutes, jours_complets, jours_completes,
    jours_insuffisants).
    """
    m = mesures.dropna(subset=["valeur"])
    dates = m["date"]
    if not isinstance(dates.dtype, pd.DatetimeTZDtype):
        from ..lecture import localiser_heure_legale

        dates = localiser_heure_legale(dates, [m["site"], m["indicateur"]])
    instants = dates.dt.tz_convert(config.FUSEAU)
    m = m.assign(_instant=instants, jour=instants.dt.tz_localize(None).dt.normalize())
    m = m.dropna(subset=["_instant"])
    sorties, bilan = [], []
    for (site, ind), g in m.groupby(["site", "indicateur"], sort=True, observed=True):
        pas = _pas_minutes(g["_instant"])
        agg = g.groupby("jour")["valeur"].agg(["sum", "count"])
        jours = agg.index
        debut = jours.tz_localize(config.FUSEAU)
        fin = (jours + pd.Timedelta(days=1)).tz_localize(config.FUSEAU)
        duree_min = np.asarray((fin - debut) / pd.Timedelta(minutes=1), dtype=float)
        attendus = np.round(duree_min / pas)
        n = agg["count"].to_numpy(dtype=float)
        garde = n >= part_minimale * attendus
        valeur = agg["sum"].to_numpy() * np.where(n < attendus, attendus / n, 1.0)
        sorties.append(pd.DataFrame({"date": jours[garde].astype("datetime64[ns]"), "site": site,
                                     "indicateur": ind, "valeur": valeur[garde]}))
        bilan.append({"site": site, "indicateur": ind, "pas_minutes": pas,
                      "jours_complets": int((n >= attendus).sum()),
                      "jours_completes": int((garde & (n < attendus)).sum()),
                      "jours_insuffisants": int((~garde).sum())})
    if not sorties:
        vide = pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "site": pd.Series(dtype="str"),
                             "indicateur": pd.Series(dtype="str"), "valeur": pd.Series(dtype="float64")})
        return vide, pd.DataFrame(columns=["site", "indicateur", "pas_minutes", "jours_complets",
                                           "jours_completes", "jours_insuffisants"])
    journalier = pd.concat(sorties, ignore_index=True)
    return journalier, pd.DataFrame(bilan)


def _verification_jours(bilan: pd.DataFrame) -> Verification:
    insuf = int(bilan["jours_insuffisants"].sum())
    completes = int(bilan["jours_completes"].sum())
    pas = bilan["pas_minutes"].iloc[0]
    pas_txt = "horaires" if pas == 60 else f"au pas de {pas:g} minutes"
    phrase = (f"Relevés {pas_txt} sommés par jour civil (heure légale : 23 ou 25 heures les jours de "
              f"changement d'heure). {compte(insuf, 'jour-bâtiment', 'jours-bâtiments')} "
              f"{accord(insuf, 'a', 'ont')} moins de la moitié de {accord(insuf, 'ses', 'leurs')} relevés et "
              f"{accord(insuf, 'est compté manquant', 'sont comptés manquants')} "
              f"(règle CalTRACK) ; {compte(completes, 'jour-bâtiment incomplet', 'jours-bâtiments incomplets')} "
              f"mais {accord(completes, 'suffisant est ramené', 'suffisants sont ramenés')} au jour complet.")
    return Verification("Agrégation des relevés infra-journaliers", "reussie", phrase, valeur=float(insuf))


def methode_degres_jours(meteo: pd.DataFrame) -> str:
    """Degrés-jours d'un pilote : « profil » si le fichier météo donne TN et TX, sinon « moyenne ».

    Un fichier quotidien de Météo-France donne la minimale et la maximale du jour : on en
    reconstitue un profil horaire (minimale vers 6 h, maximale vers 15 h) et on calcule des
    degrés-heures (:func:`eprouvette.domaines.energie.profil_diurne`), qui comptent les heures
    froides d'un jour doux ; sur les échantillons d'OpenEEmeter (banc, partie 4), cette variante
    nourrie des seules TN et TX se trompe moins qu'OpenEEmeter nourri de la température horaire.
    Si TN et TX manquent, ou sont égales (fichier qui ne donne que la moyenne du jour), on revient
    à la moyenne.
    """
    colonnes = {"temperature_min", "temperature_max"}
    if meteo is None or not colonnes <= set(meteo.columns):
        return "moyenne"
    tn = pd.to_numeric(meteo["temperature_min"], errors="coerce")
    tx = pd.to_numeric(meteo["temperature_max"], errors="coerce")
    ecart = (tx - tn).dropna()
    if len(ecart) == 0 or float(ecart.abs().max()) == 0.0:
        return "moyenne"
    return "profil"


#: Vecteurs énergétiques qui ne servent qu'à chauffer (et à l'eau chaude) : pas de terme de
#: refroidissement à chercher (une chaudière ne climatise pas ; le chercher quand même laisse une
#: pente d'été fortuite, ajustée sur le bruit, entrer dans le modèle).
VECTEURS_SANS_FROID = {"gaz_naturel", "fioul", "bois", "propane", "reseau_chaleur"}


def cherche_refroidissement(vecteur: str | None) -> bool:
    """Faut-il chercher un terme de refroidissement ? Non pour un vecteur de chauffage seul."""
    return vecteur not in VECTEURS_SANS_FROID


#: Estimations refaites au plus par le contrôle « laisser un site de côté » (chacune refait tout
#: l'ajustement au climat : environ 0,1 à 0,5 s par estimation).
RETRAITS_MAX = 24


def evaluer_pilote(pilote, mesures: pd.DataFrame, meteo: pd.DataFrame | None, *, controles: bool = True) -> ResultatImpact:
    from ..erreurs import ErreurDonnees
    from ..methodes.reference_energetique import evaluer_energie
    from ..methodes.verifications import laisser_un_de_cote

    if meteo is None:
        raise ErreurDonnees(
            pilote.dossier / "pilote.yaml",
            "un pilote énergie a besoin d'un fichier de températures pour ajuster la consommation au climat.",
            champ="fichiers.meteo",
            attendu="un fichier météo (date, temperature_min, temperature_max) déclaré dans fichiers.meteo",
        )
    ind = pilote.indicateur_principal
    mesures = mesures[mesures["indicateur"] == ind.identifiant]
    verif_jours = None
    if len(mesures) and est_infra_journalier(mesures["date"]):
        mesures, bilan = agreger_jours(mesures)
        verif_jours = _verification_jours(bilan)
    experimentaux = [s.identifiant for s in pilote.sites_experimentaux]
    temoins = [s.identifiant for s in pilote.sites_temoins]
    # Ne dépendent que du pilote et de la météo : faits une fois pour toutes les estimations (evaluer_energie
    # travaille sur une copie du calendrier).
    methode_dju, refroidissement = methode_degres_jours(meteo), cherche_refroidissement(ind.vecteur_energetique)
    calendrier = calendrier_occupation(pilote)

    def estimer(retires: frozenset = frozenset()) -> ResultatImpact:
        return evaluer_energie(
            mesures,
            meteo,
            methode_dju=methode_dju,
            rechercher_refroidissement=refroidissement,
            sites_experimentaux=[s for s in experimentaux if s not in retires],
            sites_temoins=[s for s in temoins if s not in retires],
            indicateur=ind.identifiant,
            periode_reference=(pilote.periode_reference.debut, pilote.periode_reference.fin),
            periode_experimentation=(pilote.periode_experimentation.debut, pilote.periode_experimentation.fin),
            calendrier=calendrier,
            unite=ind.unite,
            fichiers_mesures=list(pilote.fichiers_mesures) or [pilote.fichier],
        )

    resultat = estimer()
    if temoins and controles:  # controles=False : l'effet seul (simulations de puissance), mêmes effet et intervalle
        # L'effet repose-t-il sur un seul bâtiment ? Estimation refaite sans chacun à tour de rôle.
        # Chaque estimation refait tout l'ajustement énergétique : au plus RETRAITS_MAX (un pilote
        # « tube à essai » a quelques sites ; un parc de centaines de bâtiments n'en dépend pas d'un seul).
        laisser_un_de_cote(estimer, pilote.sites, resultat, mot="site",
                           maximum=RETRAITS_MAX).ajouter_a(resultat)
    if verif_jours is not None:
        resultat.verifications = [verif_jours] + list(resultat.verifications)
    return resultat


def facteur_annuel(pilote, resultat: ResultatImpact) -> float:
    """Passage de l'effet mesuré à une année.

    L'économie annuelle est l'effet relatif appliqué à la consommation annuelle moyenne des sites
    équipés pendant la période de référence (jours mesurés × 365,25) : prolonger simplement l'effet
    d'une expérimentation d'hiver à douze mois surestimerait l'économie, puisque le chauffage ne
    tourne pas l'été. Sans série de référence exploitable, on revient à la règle de trois sur la
    durée de l'expérimentation.
    """
    regle_de_trois = 365.25 / pilote.periode_experimentation.jours
    cf = resultat.contrefactuel
    rel = resultat.effet_relatif
    if cf is None or not rel or "periode" not in cf.columns or "observe" not in cf.columns:
        return regle_de_trois
    reference = cf.loc[cf["periode"] == "reference", "observe"].dropna()
    if len(reference) < 300 or resultat.effet == 0:
        return regle_de_trois
    annuel = float(reference.mean()) * 365.25
    total_contrefactuel = resultat.effet / rel
    return annuel / total_contrefactuel if total_contrefactuel > 0 else regle_de_trois


def economie_annuelle(pilote, resultat: ResultatImpact, valorisation):
    from ..economie import EconomieAnnuelle

    ind = pilote.indicateur_principal
    vecteur = ind.vecteur_energetique
    if ind.unite != "kWh" or vecteur not in valorisation.prix_energie:
        return None
    prix = valorisation.prix_energie[vecteur]
    # Les compteurs de gaz et les factures sont en kWh PCS : le facteur d'émission (en PCI) est converti.
    base = "PCS" if vecteur == "gaz_naturel" else "PCI"
    tco2e = valorisation.facteur_emission_t(vecteur, base=base) if vecteur in valorisation.facteurs_emission else 0.0
    return EconomieAnnuelle.depuis_impact(
        resultat,
        facteur_annuel=facteur_annuel(pilote, resultat),
        prix_unitaire=prix.valeur,
        tco2e_par_unite=tco2e,
        signe=-1.0 if ind.sens_souhaite == "baisse" else 1.0,
        plage_prix=prix.plage(),
    )


def indicateurs_feder(analyse) -> list[IndicateurFeder]:
    p = analyse.pilote
    surface = sum(s.surface_m2 or 0 for s in p.sites_experimentaux)
    sortie = [
        IndicateurFeder("RCO19", surface or None,
                        "Surface des bâtiments équipés déclarée dans pilote.yaml."
                        if surface else "Surface des bâtiments non déclarée dans pilote.yaml."),
    ]
    ea = analyse.economie_annuelle
    if ea is not None:
        sortie.append(IndicateurFeder(
            "RCR26", ea.quantite / 1000.0,
            "Énergie finale économisée par an, mesurée (et non primaire : à convertir selon le vecteur).",
        ))
        sortie.append(IndicateurFeder("RCR29", ea.tco2e_par_an, "Émissions évitées par an (facteurs ADEME)."))
    return sortie
