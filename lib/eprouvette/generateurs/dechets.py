"""Générateur de pilotes déchets simulés : collecte à la demande des points d'apport volontaire (PAV).

Les données sont **simulées** mais suivent la mécanique d'une vraie collecte, pour tester la
chaîne d'évaluation quand l'effet vrai est connu (écrit dans ``verite.yaml``) :

- chaque conteneur reçoit chaque jour des apports (part de sa capacité) : niveau propre au
  conteneur (remplissage hebdomadaire moyen tiré dans une plage), profil de la semaine (plus
  d'apports le week-end), saison (pic de fin d'année et d'été pour le verre), bruit log-normal
  propre au conteneur et choc commun AR(1) (météo, fêtes) ;
- **collecte à jours fixes** (avant l'expérimentation pour tous, et pendant pour les témoins) :
  une levée chaque semaine le jour de tournée du conteneur (reportée au jour ouvré suivant si
  férié) ; un conteneur plein (100 %) hors jour de tournée est vidé en urgence si un habitant le
  signale (probabilité ``p_signalement`` par jour ouvré) ;
- **collecte à la demande** (conteneurs expérimentaux pendant l'expérimentation) : le jour de
  tournée, le conteneur n'est vidé que si la sonde lit au moins ``seuil_levee`` ; hors tournée, il
  est vidé en urgence dès que la sonde lit ``seuil_urgence`` (jour ouvré) ;
- le taux de remplissage à la levée est lu par la sonde (plafonné à 100 %) : sondes posées sur
  tous les conteneurs (expérimentaux et témoins) dès la période de référence, en simple
  observation ; seule la règle de collecte change au début de l'expérimentation ;
- quelques jours sans transmission (``part_jours_manquants``).

**Effet vrai** : les mêmes apports sont rejoués avec la collecte à jours fixes pour les conteneurs
expérimentaux pendant l'expérimentation ; l'effet vrai est la différence des levées (à la
demande − à jours fixes), écrite dans ``verite.yaml`` par conteneur et par semaine et en relatif.
Pour une graine donnée, les fichiers écrits sont identiques à l'octet près. Les conteneurs sont
fictifs ; les collectivités porteuses sont réelles mais les pilotes n'existent pas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..domaines.energie import jours_feries
from .commun import (ar1, bornes_simulation, ecrire_pilote_simule, entete_verite, exemple, financement_autofinance,
                     note_simulation, periodes)

__all__ = ["VERSION_GENERATEUR", "ParametresDechets", "PiloteDechetsGenere", "generer_pilote_dechets",
           "ecrire_pilote", "simuler_collecte", "EXEMPLES"]

VERSION_GENERATEUR = "1.0.0"
INDICATEUR_LEVEES = "levees"
INDICATEUR_TAUX = "taux_remplissage"


@dataclass
class ParametresDechets:
    """Paramètres d'un pilote déchets simulé (tous recopiés dans verite.yaml)."""

    identifiant: str = "dechets-pav-verre-arras"
    titre: str = "Collecte à la demande des conteneurs à verre de la Communauté urbaine d'Arras"
    porteur: str = "Communauté urbaine d'Arras"
    type_porteur: str = "epci"
    siren: str | None = "200033579"
    commune: str = "Arras"
    code_insee: str = "62041"
    flux: str = "verre"
    reference: tuple[str, str] = ("2023-09-04", "2024-09-01")
    experimentation: tuple[str, str] = ("2024-09-02", "2025-03-02")
    n_experimentaux: int = 20
    n_temoins: int = 16
    #: Déploiement échelonné : (premier jour équipé, nombre de conteneurs) de chaque vague, dans l'ordre
    #: des conteneurs expérimentaux ; vide = tous équipés au début de l'expérimentation.
    vagues: tuple[tuple[str, int], ...] = ()
    #: Montée en charge : le seuil de levée part de ``seuil_levee_initial`` le jour de l'équipement et
    #: atteint ``seuil_levee`` après ``semaines_montee`` semaines (le prestataire prend confiance dans les
    #: sondes) ; None = seuil constant dès le premier jour.
    seuil_levee_initial: float | None = None
    semaines_montee: int = 0
    #: Remplissage moyen par semaine (part de la capacité), tiré uniformément par conteneur.
    remplissage_hebdo: tuple[float, float] = (0.40, 0.70)
    seuil_levee: float = 0.60
    seuil_urgence: float = 0.95
    p_signalement: float = 0.35
    #: Bruit log-normal journalier propre au conteneur, choc commun AR(1) (échelle log).
    ecart_type_jour: float = 0.35
    rho_commun: float = 0.8
    ecart_type_commun: float = 0.10
    amplitude_saison: float = 0.15
    part_jours_manquants: float = 0.005
    capacite_m3: float = 4.0
    #: Caractéristiques déclarées dans pilote.yaml.
    longueur_tournee_km: float = 68.0
    levees_par_tournee: int = 24
    tonnage_collecte_t_an: float = 310.0
    #: Coûts (fictifs, ordre de grandeur) : sonde posée, plateforme, abonnement annuel par sonde.
    cout_sonde_eur: float = 450.0
    cout_plateforme_eur: float = 4000.0
    abonnement_sonde_eur_an: float = 60.0
    duree_vie_ans: int = 8
    part_feder: float = 0.6
    verdict_attendu: str = "generaliser"
    #: Règle de la grille qui doit décider (recommandation.Recommandation.regle).
    regle_attendue: str = "etabli"
    raison_attendue: str = ""
    contexte: str = ""


@dataclass
class PiloteDechetsGenere:
    fiche: dict[str, Any]
    mesures: pd.DataFrame
    verite: dict[str, Any]
    #: Levées journalières réelles et contrefactuelles des conteneurs expérimentaux (sommes, jours équipés).
    levees_reelles: pd.Series = field(repr=False, default=None)
    levees_contrefactuelles: pd.Series = field(repr=False, default=None)


def _jours_ouvres(dates: pd.DatetimeIndex) -> np.ndarray:
    feries = set()
    for an in range(dates[0].year, dates[-1].year + 1):
        feries |= set(jours_feries(an))
    return np.array([(d.day_of_week < 5) and (d.date() not in feries) for d in dates])


def _jours_tournee(dates: pd.DatetimeIndex, ouvre: np.ndarray, jour_semaine: int) -> np.ndarray:
    """Jour de tournée hebdomadaire, reporté au premier jour ouvré suivant s'il est chômé."""
    tournee = np.zeros(len(dates), dtype=bool)
    dow = dates.day_of_week.to_numpy()
    i = 0
    n = len(dates)
    while i < n:
        if dow[i] == jour_semaine:
            j = i
            while j < n and not ouvre[j]:
                j += 1
            if j < n:
                tournee[j] = True
        i += 1
    return tournee


def simuler_collecte(apports: np.ndarray, tournee: np.ndarray, ouvre: np.ndarray, a_la_demande: np.ndarray,
                     rng: np.random.Generator, *, seuil_levee: float | np.ndarray, seuil_urgence: float,
                     p_signalement: float, remplissage_initial: float = 0.0,
                     tirages: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rejoue la collecte d'un conteneur jour par jour.

    Le matin, on décide de la levée selon le remplissage de la veille au soir, puis les apports du
    jour s'ajoutent. Renvoie (levées 0/1, taux de remplissage à la levée en % ou NaN).
    ``tirages`` : nombres uniformes pré-tirés (un par jour) pour les signalements, afin que deux
    règles rejouées sur les mêmes apports partagent les mêmes signalements. ``seuil_levee`` : un
    seuil, ou un seuil par jour (montée en charge).
    """
    n = len(apports)
    seuil = np.broadcast_to(np.asarray(seuil_levee, dtype=float), (n,))
    u = tirages if tirages is not None else rng.random(n)
    f = remplissage_initial
    levees = np.zeros(n, dtype=int)
    taux = np.full(n, np.nan)
    for t in range(n):
        if a_la_demande[t]:
            lever = ouvre[t] and ((tournee[t] and f >= seuil[t]) or f >= seuil_urgence)
        else:
            lever = tournee[t] or (ouvre[t] and f >= 1.0 and u[t] < p_signalement)
        if lever:
            levees[t] = 1
            taux[t] = min(f, 1.0) * 100.0
            f = 0.0
        f += apports[t]
    return levees, taux


def generer_pilote_dechets(graine: int = 62041, parametres: ParametresDechets | None = None) -> PiloteDechetsGenere:
    """Génère un pilote déchets simulé (en mémoire) pour une graine donnée."""
    p = parametres or ParametresDechets()
    rng = np.random.default_rng(graine)
    r0, r1, e0, e1, dates = bornes_simulation(p.reference, p.experimentation)
    n = len(dates)
    ouvre = _jours_ouvres(dates)
    en_exp = np.asarray(dates >= e0)
    doy = dates.day_of_year.to_numpy()
    # Saison : pic mi-décembre (fêtes) et pic secondaire en été.
    saison = 1 + p.amplitude_saison * (np.cos(2 * np.pi * (doy - 350) / 365.25) + 0.5 * np.cos(4 * np.pi * (doy - 200) / 365.25))
    profil = np.array([0.85, 0.85, 0.9, 0.95, 1.05, 1.25, 1.15])  # lundi … dimanche
    profil = profil / profil.mean()
    semaine = profil[dates.day_of_week.to_numpy()]
    commun = ar1(rng, n, p.rho_commun, p.ecart_type_commun)

    roles = ["experimental"] * p.n_experimentaux + ["temoin"] * p.n_temoins
    debuts = _debuts(p, e0)
    lignes_l, lignes_t, sites, params_sites = [], [], [], []
    reel_tot = np.zeros(n)
    cf_tot = np.zeros(n)
    equipes_tot = np.zeros(n)
    #: Par conteneur expérimental : écart de levées (réel − contrefactuel) selon les jours depuis l'équipement.
    ecarts_duree = []
    compteur = {"experimental": 0, "temoin": 0}
    for role in roles:
        compteur[role] += 1
        k = compteur[role]
        ident = f"pav-{'e' if role == 'experimental' else 't'}{k:02d}"
        hebdo = float(rng.uniform(*p.remplissage_hebdo))
        jour = int(rng.integers(0, 5))
        bruit = rng.normal(-p.ecart_type_jour**2 / 2, p.ecart_type_jour, n)
        apports = hebdo / 7 * semaine * saison * np.exp(bruit + commun - p.ecart_type_commun**2 / 2)
        tournee = _jours_tournee(dates, ouvre, jour)
        u = rng.random(n)
        debut = debuts[k - 1] if role == "experimental" else e0
        demande = en_exp & np.asarray(dates >= debut) & (role == "experimental")
        f0 = float(rng.uniform(0.0, hebdo))
        seuil = _seuil_levee(p, dates, debut)
        lev, taux = simuler_collecte(apports, tournee, ouvre, demande, rng, seuil_levee=seuil,
                                     seuil_urgence=p.seuil_urgence, p_signalement=p.p_signalement, tirages=u,
                                     remplissage_initial=f0)
        if role == "experimental":
            lev_cf, _ = simuler_collecte(apports, tournee, ouvre, np.zeros(n, dtype=bool), rng,
                                         seuil_levee=p.seuil_levee, seuil_urgence=p.seuil_urgence,
                                         p_signalement=p.p_signalement, tirages=u, remplissage_initial=f0)
            reel_tot += np.where(demande, lev, 0)
            cf_tot += np.where(demande, lev_cf, 0)
            equipes_tot += demande
            ecarts_duree.append(pd.DataFrame({"jours": (dates - debut).days, "ecart": lev - lev_cf})[demande])
        manque = rng.random(n) < p.part_jours_manquants
        lignes_l.append(pd.DataFrame({"date": dates[~manque], "site": ident, "indicateur": INDICATEUR_LEVEES,
                                      "valeur": lev[~manque].astype(float)}))
        a_taux = (lev == 1) & ~manque
        lignes_t.append(pd.DataFrame({"date": dates[a_taux], "site": ident, "indicateur": INDICATEUR_TAUX,
                                      "valeur": np.round(taux[a_taux], 0)}))
        jours = ["lundi", "mardi", "mercredi", "jeudi", "vendredi"]
        sites.append({"identifiant": ident,
                      "nom": f"PAV {p.flux} fictif n° {k} ({'expérimental' if role == 'experimental' else 'témoin'})",
                      "role": role, "code_insee": p.code_insee,
                      "description": f"Conteneur fictif de {p.capacite_m3:g} m³ (données simulées), tournée le {jours[jour]}."})
        params_sites.append({"site": ident, "role": role, "remplissage_hebdomadaire": round(hebdo, 4),
                             "jour_tournee": jours[jour], "jours_manquants": int(manque.sum())})
        if p.vagues and role == "experimental":
            sites[-1]["debut_equipement"] = debut.date().isoformat()
            params_sites[-1]["debut_equipement"] = debut.date().isoformat()
    mesures = pd.concat(lignes_l + lignes_t, ignore_index=True)
    mesures = mesures.sort_values(["date", "site", "indicateur"], kind="mergesort").reset_index(drop=True)

    n_sem_exp = int(en_exp.sum()) / 7
    reel, cf = float(reel_tot[en_exp].sum()), float(cf_tot[en_exp].sum())
    # Conteneurs-semaines équipés (sans vagues : tous les conteneurs expérimentaux toute l'expérimentation).
    effet_cs = (reel - cf) / (float(equipes_tot.sum()) / 7)
    verite = {
        **entete_verite("dechets", VERSION_GENERATEUR, graine,
                        "Données simulées : ce pilote n'existe pas, les conteneurs sont fictifs."),
        "verdict_attendu": p.verdict_attendu,
        "regle_attendue": p.regle_attendue,
        "raison_attendue": p.raison_attendue,
        "effet_vrai": {
            "description": ("Levées des conteneurs expérimentaux pendant l'expérimentation avec la collecte à la "
                            "demande, moins les levées qu'ils auraient eues avec la collecte à jours fixes "
                            "(mêmes apports, mêmes signalements rejoués)."),
            "levees_reelles": int(reel),
            "levees_contrefactuelles": int(cf),
            "effet_levees": int(reel - cf),
            "effet_par_conteneur_semaine": round(effet_cs, 5),
            "effet_relatif": round((reel - cf) / cf, 5) if cf else None,
            "perimetre": f"{p.n_experimentaux} conteneurs expérimentaux, {n_sem_exp:g} semaines d'expérimentation",
        },
        **_verite_echelonnee(p, ecarts_duree),
        "regles_collecte": {
            "jours_fixes": "une levée par semaine le jour de tournée (reportée si férié) ; levée d'urgence d'un "
                           "conteneur plein signalé (probabilité par jour ouvré)",
            "a_la_demande": "le jour de tournée, levée seulement si la sonde lit au moins le seuil de levée ; "
                            "levée d'urgence dès le seuil d'urgence (jour ouvré)",
            "seuil_levee": p.seuil_levee, "seuil_urgence": p.seuil_urgence, "p_signalement": p.p_signalement,
        },
        "apports": {
            "remplissage_hebdomadaire_plage": list(p.remplissage_hebdo),
            "ecart_type_jour_log": p.ecart_type_jour, "rho_commun": p.rho_commun,
            "ecart_type_commun_log": p.ecart_type_commun, "amplitude_saison": p.amplitude_saison,
            "profil_semaine_lundi_dimanche": [round(float(x), 4) for x in profil],
        },
        "sites": params_sites,
    }
    return PiloteDechetsGenere(_fiche(p, sites, graine), mesures, verite,
                               pd.Series(reel_tot, index=dates), pd.Series(cf_tot, index=dates))


def _debuts(p: ParametresDechets, e0: pd.Timestamp) -> list[pd.Timestamp]:
    """Premier jour équipé de chaque conteneur expérimental, dans l'ordre (vagues successives)."""
    if not p.vagues:
        return [e0] * p.n_experimentaux
    debuts = [pd.Timestamp(d) for d, n in p.vagues for _ in range(n)]
    if len(debuts) != p.n_experimentaux:
        raise ValueError(f"les vagues comptent {len(debuts)} conteneurs pour {p.n_experimentaux} expérimentaux")
    return debuts


def _seuil_levee(p: ParametresDechets, dates: pd.DatetimeIndex, debut: pd.Timestamp) -> float | np.ndarray:
    """Seuil de levée de chaque jour : constant, ou croissant du seuil initial au seuil final (montée en charge)."""
    if p.seuil_levee_initial is None or p.semaines_montee <= 0:
        return p.seuil_levee
    part = np.clip((dates - debut).days.to_numpy() / (7 * p.semaines_montee), 0.0, 1.0)
    return p.seuil_levee_initial + (p.seuil_levee - p.seuil_levee_initial) * part


#: Longueur (semaines) des périodes de l'effet vrai selon la durée d'équipement (celles de l'adaptateur).
SEMAINES_PAR_PERIODE_VERITE = 4


def _verite_echelonnee(p: ParametresDechets, ecarts: list[pd.DataFrame]) -> dict:
    """Pour un déploiement échelonné : les vagues, la montée en charge, et l'effet vrai par conteneur et par
    semaine selon la durée d'équipement (périodes de quatre semaines depuis le premier jour équipé)."""
    if not p.vagues:
        return {}
    e = pd.concat(ecarts, ignore_index=True)
    e["periode"] = e["jours"] // (7 * SEMAINES_PAR_PERIODE_VERITE)
    par = e.groupby("periode").agg(ecart=("ecart", "sum"), jours=("ecart", "size"))
    return {
        "deploiement": {
            "vagues": [{"debut_equipement": d, "conteneurs": n} for d, n in p.vagues],
            "montee_en_charge": {"seuil_levee_initial": p.seuil_levee_initial, "seuil_levee_final": p.seuil_levee,
                                 "semaines": p.semaines_montee},
        },
        "effet_vrai_par_duree": [
            {"periode_depuis_equipement": int(k), "semaines": SEMAINES_PAR_PERIODE_VERITE,
             "effet_par_conteneur_semaine": round(float(r.ecart) / (float(r.jours) / 7), 5)}
            for k, r in par.iterrows()],
    }


_NOMBRES = {16: "seize", 20: "vingt", 30: "trente"}


def _fiche(p: ParametresDechets, sites: list[dict], graine: int) -> dict[str, Any]:
    invest = p.cout_sonde_eur * (p.n_experimentaux + p.n_temoins) + p.cout_plateforme_eur
    feder = round(p.part_feder * invest, 0)
    porteur = {"nom": p.porteur, "type": p.type_porteur, "codes_insee": [p.code_insee]}
    if p.siren:
        porteur["siren"] = p.siren
    return {
        "identifiant": p.identifiant,
        "titre": p.titre,
        "domaine": "dechets",
        "type_pilote": "collecte-pav-sondes",
        "technologie": (
            "Sondes de remplissage à ultrasons dans les conteneurs d'apport volontaire, transmission "
            "quotidienne par réseau bas débit, plateforme de supervision qui compose les tournées : "
            "le jour de tournée, seuls les conteneurs assez remplis sont vidés, et un conteneur presque "
            "plein est vidé sans attendre."),
        "contexte": p.contexte,
        "porteur": porteur,
        "periodes": periodes(p.reference, p.experimentation),
        "caracteristiques": {
            "flux": p.flux,
            "capacite_m3": p.capacite_m3,
            "longueur_tournee_km": p.longueur_tournee_km,
            "levees_par_tournee": p.levees_par_tournee,
            "tonnage_collecte_t_an": p.tonnage_collecte_t_an,
        },
        "sites": sites,
        "indicateurs": [
            {"identifiant": INDICATEUR_LEVEES, "libelle": "Levées de conteneurs", "unite": "nombre",
             "sens_souhaite": "baisse", "principal": True, "type_mesure": "comptage",
             "description": "Nombre de vidages du conteneur dans la journée (journal de bord du camion-grue)."},
            {"identifiant": INDICATEUR_TAUX, "libelle": "Taux de remplissage à la levée", "unite": "%",
             "sens_souhaite": "hausse", "type_mesure": "continue",
             "description": "Remplissage lu par la sonde juste avant le vidage (100 % : conteneur plein)."},
        ],
        "fichiers": {"mesures": ["mesures.csv"]},
        "couts": {
            "investissement_eur": invest,
            "fonctionnement_annuel_eur": p.abonnement_sonde_eur_an * (p.n_experimentaux + p.n_temoins),
            "duree_vie_ans": p.duree_vie_ans,
            "sources": (f"Montants fictifs d'un ordre de grandeur plausible : {p.cout_sonde_eur:g} € par sonde "
                        f"posée, {p.cout_plateforme_eur:g} € de mise en service de la plateforme, "
                        f"{p.abonnement_sonde_eur_an:g} € d'abonnement par sonde et par an."),
        },
        "financement": financement_autofinance(feder, invest, p.porteur),
        "conditions_de_succes": [
            "Un marché de collecte payé à la levée (et non au forfait), pour que les levées évitées soient des euros économisés.",
            "Un prestataire capable de composer ses tournées chaque jour à partir de la plateforme.",
            "Des sondes qui transmettent tous les jours (couverture réseau, piles).",
        ],
        "notes": note_simulation("dechets", VERSION_GENERATEUR, graine),
    }


def ecrire_pilote(pilote: PiloteDechetsGenere, dossier: str | Path) -> Path:
    """Écrit pilote.yaml, mesures.csv et verite.yaml dans ``dossier``."""
    return ecrire_pilote_simule(dossier, pilote.fiche, pilote.verite,
                                tableaux={"mesures.csv": (pilote.mesures, {"valeur": 0})})


_exemple = partial(exemple, generer_pilote_dechets, ecrire_pilote)


ARRAS = ParametresDechets(
    raison_attendue=(
        "Les conteneurs à verre se remplissent à 40-70 % par semaine : la collecte à la demande saute "
        "une tournée sur trois environ (effet vrai d'environ −30 % de levées), l'effet est établi "
        "(20 conteneurs expérimentaux, 16 témoins, 26 semaines) et les levées évitées paient largement "
        "des sondes bon marché -> généraliser."),
    contexte=(
        "Pilote simulé (données fictives) pour tester la chaîne d'évaluation. Les conteneurs à verre "
        "sont vidés chaque semaine à jour fixe, qu'ils soient pleins ou non ; la communauté urbaine "
        "équipe de sondes de remplissage vingt conteneurs dont la collecte devient « à la demande », et "
        "en suit seize autres, équipés de sondes en simple observation et toujours vidés à jour fixe, "
        "comme témoins."),
)

COMPIEGNE = ParametresDechets(
    identifiant="dechets-pav-emballages-compiegne",
    titre="Collecte à la demande des conteneurs d'emballages de l'agglomération de Compiègne",
    porteur="Communauté d'agglomération de la Région de Compiègne et de la Basse Automne",
    siren="200067965",
    commune="Compiègne",
    code_insee="60159",
    flux="emballages",
    reference=("2023-09-04", "2024-09-01"),
    experimentation=("2024-09-02", "2025-03-02"),
    n_experimentaux=30,
    n_temoins=30,
    remplissage_hebdo=(0.80, 0.95),
    seuil_levee=0.60,
    seuil_urgence=0.95,
    ecart_type_jour=0.25,
    amplitude_saison=0.10,
    capacite_m3=4.0,
    longueur_tournee_km=55.0,
    levees_par_tournee=30,
    tonnage_collecte_t_an=140.0,
    cout_sonde_eur=950.0,
    cout_plateforme_eur=12000.0,
    abonnement_sonde_eur_an=110.0,
    verdict_attendu="ajuster",
    regle_attendue="non_materiel",
    raison_attendue=(
        "Les conteneurs d'emballages sont déjà presque pleins (80-95 %) le jour de la tournée hebdomadaire : "
        "la collecte à la demande ne saute que quelques tournées (effet vrai d'environ −3 % de levées). "
        "Avec 30 conteneurs expérimentaux et 30 témoins, l'effet est bien mesuré et établi, mais inférieur "
        "au seuil de 5 % -> ajuster puis réévaluer (sondes chères pour ce gain)."),
    contexte=(
        "Pilote simulé (données fictives) pour tester la chaîne d'évaluation. Les conteneurs d'emballages "
        "ménagers sont vidés chaque semaine à jour fixe ; l'agglomération équipe trente conteneurs de sondes "
        "haut de gamme et passe leur collecte « à la demande », et en suit trente autres, équipés de sondes "
        "en simple observation et toujours vidés à jour fixe, comme témoins."),
)

LENS_LIEVIN = ParametresDechets(
    identifiant="dechets-pav-verre-lens-lievin",
    titre="Collecte à la demande des conteneurs à verre de l'agglomération de Lens-Liévin, équipés par vagues",
    porteur="Communauté d'agglomération de Lens-Liévin",
    siren="246200364",
    commune="Lens",
    code_insee="62498",
    flux="verre",
    reference=("2023-09-04", "2024-09-01"),
    experimentation=("2024-09-02", "2025-08-03"),
    n_experimentaux=33,
    n_temoins=12,
    vagues=(("2024-09-02", 11), ("2024-11-25", 11), ("2025-02-17", 11)),
    seuil_levee=0.65,
    seuil_levee_initial=0.30,
    semaines_montee=16,
    longueur_tournee_km=72.0,
    levees_par_tournee=26,
    tonnage_collecte_t_an=420.0,
    verdict_attendu="generaliser",
    regle_attendue="etabli",
    raison_attendue=(
        "Trois vagues de onze conteneurs à verre (septembre, fin novembre, mi-février) et douze témoins jamais "
        "équipés : chaque vague est comparée aux conteneurs pas encore ou jamais équipés. L'effet grandit avec la "
        "durée d'équipement (le seuil de levée monte de 30 % à 65 % en seize semaines : presque rien le premier "
        "mois, environ −35 % de levées après quatre mois) ; en moyenne sur les semaines équipées, il est établi, "
        "les tendances d'avant sont parallèles, onze conteneurs par vague et douze témoins suffisent à "
        "l'incertitude, et les levées évitées paient les sondes -> généraliser."),
    contexte=(
        "Pilote simulé (données fictives) pour tester la chaîne d'évaluation. Les conteneurs à verre sont vidés "
        "chaque semaine à jour fixe ; l'agglomération pose des sondes de remplissage sur trente-trois conteneurs en trois "
        "vagues de onze (début septembre, fin novembre, mi-février) et passe chacun à la collecte « à la demande » "
        "dès sa pose, avec un seuil de levée prudent au début qui monte en quatre mois. Douze autres conteneurs, "
        "équipés de sondes en simple observation dès la période de référence, restent vidés à jour fixe comme "
        "témoins."),
)

#: Pilotes d'exemple du domaine déchets (identifiant, fonction d'écriture) : voir outils/generer_exemples.py.
#: - Arras (verre) : conteneurs peu remplis à chaque tournée, effet vrai ≈ −30 % de levées -> « généraliser ».
#: - Compiègne (emballages) : conteneurs déjà presque pleins, effet vrai ≈ −3 %, établi -> « ajuster ».
#: - Lens-Liévin (verre) : déploiement en trois vagues, effet qui grandit avec la durée d'équipement,
#:   estimé par les doubles différences échelonnées -> « généraliser ».
EXEMPLES = [
    ("dechets-pav-verre-arras", _exemple(62041, ARRAS)),
    ("dechets-pav-emballages-compiegne", _exemple(60159, COMPIEGNE)),
    ("dechets-pav-verre-lens-lievin", _exemple(62498, LENS_LIEVIN)),
]
