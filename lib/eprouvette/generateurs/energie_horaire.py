"""Générateur d'un pilote énergie simulé à relevés HORAIRES : thermostats connectés dans des
bâtiments de bureaux municipaux de Valenciennes (Nord).

Les données sont **simulées** mais réalistes, pour tester la chaîne d'évaluation sur des relevés
infra-journaliers, avec ce qu'ils ont de pénible :

- horodatages en heure légale française (horloge murale), écrits ``AAAA-MM-JJTHH:MM`` : au
  changement d'heure d'octobre, l'heure 02:00 figure deux fois, dans l'ordre (heure d'été puis
  heure d'hiver) ; au changement de mars, l'heure 02:00 n'existe pas et n'est pas écrite ;
- trous : heures isolées sans relevé, quelques journées incomplètes (dont certaines à moins de la
  moitié de leurs heures, à traiter comme manquantes selon CalTRACK), une panne de compteur de
  plusieurs jours sur un bâtiment témoin ;
- météo quotidienne dans un fichier au format des données quotidiennes publiées par Météo-France
  (``Q_59_…_RR-T-Vent.csv.gz`` : gzip, « ; », point décimal, codes qualité), avec deux postes
  (numéros fictifs) et quelques valeurs de qualité douteuse (code 2) ;
- consommation de gaz horaire : chauffage proportionnel aux degrés-heures du jour (température
  moyenne du jour) modulé par l'occupation des bureaux (jours ouvrés de 7 h à 19 h ; réduit la nuit,
  le week-end et les jours fériés), charge de base (eau chaude), bruit multiplicatif AR(1) journalier
  propre au bâtiment et commun, bruit horaire indépendant ;
- choc commun pendant l'expérimentation (consigne de sobriété) retiré par les témoins ;
- effet vrai des thermostats : −15 % du chauffage des bâtiments équipés pendant l'expérimentation.

Pour une graine donnée, les fichiers écrits sont identiques à l'octet près (gzip sans date). Les
bâtiments et les postes météo sont fictifs.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..domaines.energie import jours_feries
from .commun import (ar1, bornes_simulation, ecrire_pilote_simule, entete_verite, exemple, financement_autofinance,
                     nombre_fr, note_simulation, periodes, temperatures_simulees)

__all__ = ["VERSION_GENERATEUR", "ParametresHoraire", "PiloteHoraire", "generer_pilote_horaire",
           "ecrire_pilote_horaire", "EXEMPLES"]

VERSION_GENERATEUR = "1.0.0"
INDICATEUR = "consommation_gaz"
FUSEAU = "Europe/Paris"


@dataclass
class ParametresHoraire:
    """Paramètres du pilote simulé à relevés horaires (tous écrits dans verite.yaml)."""

    identifiant: str = "energie-thermostats-mairies-valenciennes"
    verdict_attendu: str = "generaliser"
    #: Règle de la grille qui doit décider (recommandation.Recommandation.regle).
    regle_attendue: str = "etabli"
    raison_attendue: str = (
        "effet net clair (−15 % du chauffage) sur une saison de chauffe complète, deux témoins qui "
        "retirent la consigne de sobriété commune, bilan socio-économique positif, commune "
        "transférable (nombreuses communes de taille comparable dans la région)")
    commune: str = "Valenciennes"
    code_insee: str = "59606"
    reference: tuple[str, str] = ("2023-09-01", "2024-09-30")
    experimentation: tuple[str, str] = ("2024-10-01", "2025-03-31")
    n_experimentaux: int = 3
    n_temoins: int = 2
    effet_chauffage: float = -0.15
    choc_commun: float = -0.05
    debut_choc_commun: str = "2024-12-01"
    rho_site: float = 0.6
    ecart_type_site: float = 0.08
    rho_commun: float = 0.7
    ecart_type_commun: float = 0.04
    ecart_type_horaire: float = 0.10
    temperature_moyenne: float = 11.0
    amplitude_saisonniere: float = 7.4
    rho_meteo: float = 0.8
    ecart_type_meteo: float = 3.0
    #: Part des heures isolées sans relevé.
    part_heures_manquantes: float = 0.004
    #: Journées incomplètes par bâtiment (coupure de la passerelle) : une partie garde plus de la
    #: moitié de ses heures (gardée, ramenée au jour complet), l'autre moins (jour manquant).
    journees_incompletes: int = 4
    panne_compteur_jours: int = 9
    #: Postes Météo-France fictifs écrits dans le fichier (le premier est celui du pilote).
    postes: tuple[tuple[str, str, float, float, int], ...] = (
        ("59606901", "VALENCIENNES-FICTIF", 50.3420, 3.5230, 38),
        ("59392901", "MAUBEUGE-FICTIF", 50.2860, 3.9660, 151),
    )
    nom_fichier_meteo: str = "Q_59_latest-2023-2025_RR-T-Vent.csv.gz"


@dataclass
class PiloteHoraire:
    fiche: dict[str, Any]
    mesures: pd.DataFrame  # horodatage (texte local), site, indicateur, valeur
    meteo_mf: pd.DataFrame  # colonnes du fichier Météo-France
    verite: dict[str, Any]
    nom_fichier_meteo: str


_NOMS_EXP = ["Hôtel de ville annexe fictif", "Centre administratif fictif du Rôleur",
             "Maison des services fictive de Saint-Waast", "Bureaux techniques fictifs de la Briquette"]
_NOMS_TEM = ["Bureaux fictifs de Marly-Chasse", "Centre administratif fictif de Chasse-Royale",
             "Bureaux fictifs du Faubourg de Paris"]


def _meteo_jour(rng, jours: pd.DatetimeIndex, p: ParametresHoraire) -> pd.DataFrame:
    tmoy, ampl = temperatures_simulees(rng, jours, p.temperature_moyenne, p.amplitude_saisonniere, p.rho_meteo,
                                       p.ecart_type_meteo)
    return pd.DataFrame({"jour": jours, "tm": tmoy, "tn": tmoy - ampl / 2, "tx": tmoy + ampl / 2})


def _fichier_meteo_france(rng, meteo: pd.DataFrame, p: ParametresHoraire) -> tuple[pd.DataFrame, dict]:
    """Les lignes du fichier quotidien (deux postes), au format des fichiers Météo-France."""
    blocs, douteux = [], {}
    n = len(meteo)
    for k, (num, nom, lat, lon, alti) in enumerate(p.postes):
        decal = 0.0 if k == 0 else -0.6 - 0.0065 * (alti - p.postes[0][4])
        bruit = 0.0 if k == 0 else rng.normal(0.0, 0.6, n)
        tn = np.round(meteo["tn"].to_numpy() + decal + bruit, 1)
        tx = np.round(meteo["tx"].to_numpy() + decal + bruit, 1)
        tm = np.round(meteo["tm"].to_numpy() + decal + bruit + rng.normal(0.0, 0.3, n), 1)
        rr = np.where(rng.random(n) < 0.5, 0.0, np.round(rng.gamma(0.8, 4.0, n), 1))
        qtn, qtx, qtm = (np.ones(n, dtype=int) for _ in range(3))
        # Quelques valeurs douteuses (code qualité 2) : TN sur 5 jours, TX sur 3 jours, TM sur 1 jour.
        for q, m in ((qtn, 5), (qtx, 3), (qtm, 1)):
            q[rng.choice(n, m, replace=False)] = 2
        if k == 0:
            douteux = {"TN": int((qtn == 2).sum()), "TX": int((qtx == 2).sum()), "TM": int((qtm == 2).sum())}
        blocs.append(pd.DataFrame({
            "NUM_POSTE": num, "NOM_USUEL": nom, "LAT": f"{lat:.6f}", "LON": f"{lon:.6f}", "ALTI": str(alti),
            "AAAAMMJJ": meteo["jour"].dt.strftime("%Y%m%d").to_numpy(),
            "RR": [f"{v:.1f}" for v in rr], "QRR": "1",
            "TN": [f"{v:.1f}" for v in tn], "QTN": [str(v) for v in qtn],
            "TX": [f"{v:.1f}" for v in tx], "QTX": [str(v) for v in qtx],
            "TM": [f"{v:.1f}" for v in tm], "QTM": [str(v) for v in qtm],
            "TNTXM": [f"{v:.1f}" for v in np.round((tn + tx) / 2, 1)], "QTNTXM": "1",
        }))
    return pd.concat(blocs, ignore_index=True), douteux


def _horloge_murale(instants: pd.DatetimeIndex) -> list[str]:
    """AAAA-MM-JJTHH:MM en heure légale (l'heure répétée d'octobre écrite deux fois)."""
    return list(instants.tz_convert(FUSEAU).strftime("%Y-%m-%dT%H:%M"))


def generer_pilote_horaire(graine: int = 59606, parametres: ParametresHoraire | None = None) -> PiloteHoraire:
    """Génère (en mémoire) un pilote de thermostats connectés à relevés horaires."""
    p = parametres or ParametresHoraire()
    rng = np.random.default_rng(graine)
    r0, r1, e0, e1, jours = bornes_simulation(p.reference, p.experimentation)
    meteo = _meteo_jour(rng, jours, p)
    meteo_mf, douteux = _fichier_meteo_france(rng, meteo, p)
    # Température du jour vue par le bâtiment : celle du poste du pilote (TM).
    tm_jour = pd.Series(meteo_mf.loc[meteo_mf["NUM_POSTE"] == p.postes[0][0], "TM"].astype(float).to_numpy(),
                        index=jours)

    instants = pd.date_range(r0.tz_localize(FUSEAU), (e1 + pd.Timedelta(hours=23)).tz_localize(FUSEAU), freq="h")
    locaux = instants.tz_localize(None)
    jour_local = locaux.normalize()
    heure = locaux.hour.to_numpy()
    feries = set()
    for an in range(r0.year, e1.year + 1):
        feries |= set(jours_feries(an))
    ouvre = (jour_local.day_of_week < 5) & ~np.isin(jour_local.date, list(feries))
    occupe = np.asarray(ouvre) & (heure >= 7) & (heure < 19)
    relance = np.asarray(ouvre) & (heure >= 5) & (heure < 7)
    n = len(instants)
    idx_jour = np.asarray(jour_local.map({j: i for i, j in enumerate(jours)}), dtype=int)
    en_exp = np.asarray(jour_local >= e0)
    choc = np.asarray(jour_local >= pd.Timestamp(p.debut_choc_commun)) & en_exp
    commun = ar1(rng, len(jours), p.rho_commun, p.ecart_type_commun)

    roles = ["experimental"] * p.n_experimentaux + ["temoin"] * p.n_temoins
    noms = ([str(x) for x in rng.permutation(_NOMS_EXP)[: p.n_experimentaux]]
            + [str(x) for x in rng.permutation(_NOMS_TEM)[: p.n_temoins]])
    panne_site = p.n_experimentaux + int(rng.integers(0, p.n_temoins))
    sites, params, lignes = [], [], []
    effet_total = cf_total = 0.0
    compteur = {"experimental": 0, "temoin": 0}
    for i, (role, nom) in enumerate(zip(roles, noms)):
        compteur[role] += 1
        ident = f"mairie-{'exp' if role == 'experimental' else 'tem'}-{compteur[role]}"
        surface = float(np.round(rng.uniform(1100, 2800), -1)) if i != len(roles) - 1 else float(
            np.round(rng.uniform(650, 950), -1))
        pente = surface * rng.uniform(0.055, 0.075) / 24.0  # kWh par degré-jour, répartis par heure
        t_eq = float(np.round(rng.uniform(15.0, 17.0), 1))
        base = surface * rng.uniform(0.010, 0.016) / 24.0  # kWh par heure occupée
        f_reduit = rng.uniform(0.45, 0.60)
        hdd = np.maximum(0.0, t_eq - tm_jour.to_numpy())[idx_jour]
        chauffage = pente * hdd * np.where(occupe, 1.25, f_reduit) * np.where(relance, 1.6, 1.0)
        charge = base * np.where(occupe, 1.0, 0.3)
        chauffage = chauffage * np.where(choc, 1.0 + p.choc_commun, 1.0)
        charge = charge * np.where(choc, 1.0 + p.choc_commun, 1.0)
        effet = np.where(en_exp & (role == "experimental"), p.effet_chauffage * chauffage, 0.0)
        bruit_jour = (ar1(rng, len(jours), p.rho_site, p.ecart_type_site) + commun)[idx_jour]
        bruit = 1.0 + bruit_jour + rng.normal(0.0, p.ecart_type_horaire, n)
        valeur = np.maximum((chauffage + charge + effet) * bruit, 0.0)
        if role == "experimental":
            effet_total += float(effet[en_exp].sum())
            cf_total += float((chauffage + charge)[en_exp].sum())
        manque = rng.random(n) < p.part_heures_manquantes
        # Journées incomplètes : coupure de la passerelle radio pendant une partie du jour.
        incompletes = []
        for j in rng.choice(np.arange(20, len(jours) - 20), p.journees_incompletes, replace=False):
            heures_j = np.flatnonzero(idx_jour == j)
            garde = int(rng.choice([6, 9, 16, 20]))
            manque[heures_j[garde:]] = True
            incompletes.append({"jour": str(jours[j].date()), "heures_gardees": garde,
                                "heures_du_jour": int(len(heures_j))})
        panne = None
        if i == panne_site:
            d = int(rng.integers(40, int((jours <= r1).sum()) - p.panne_compteur_jours))
            manque[np.isin(idx_jour, np.arange(d, d + p.panne_compteur_jours))] = True
            panne = {"debut": str(jours[d].date()), "jours": p.panne_compteur_jours}
        lignes.append(pd.DataFrame({"i": np.flatnonzero(~manque), "site": ident, "valeur": valeur[~manque]}))
        sites.append({"identifiant": ident, "nom": nom, "role": role, "code_insee": p.code_insee,
                      "surface_m2": surface,
                      "description": "Bâtiment de bureaux fictif (données simulées), chauffage au gaz naturel."})
        params.append({"site": ident, "role": role, "surface_m2": surface,
                       "pente_kwh_par_degre_jour": round(float(pente * 24), 2), "temperature_equilibre": t_eq,
                       "charge_base_kwh_heure_occupee": round(float(base), 3),
                       "facteur_chauffage_reduit": round(float(f_reduit), 3),
                       "journees_incompletes": sorted(incompletes, key=lambda x: x["jour"]),
                       "panne_compteur": panne, "heures_sans_releve": int(manque.sum())})
    tout = pd.concat(lignes, ignore_index=True).sort_values(["i", "site"], kind="mergesort")
    murale = np.asarray(_horloge_murale(instants), dtype=object)
    mesures = pd.DataFrame({"date": murale[tout["i"].to_numpy()], "site": tout["site"].to_numpy(),
                            "indicateur": INDICATEUR, "valeur": np.round(tout["valeur"].to_numpy(), 1)})

    changements = [str(j.date()) for j in jours
                   if (jour_local == j).sum() != 24]
    verite = {
        **entete_verite("energie_horaire", VERSION_GENERATEUR, graine,
                        ("Données simulées : ce pilote n'existe pas, les bâtiments sont fictifs ; les postes "
                         "météo " + " et ".join(f"{x[0]} ({x[1]})" for x in p.postes)
                         + " sont fictifs (numéros à 8 chiffres au format Météo-France).")),
        "verdict_attendu": p.verdict_attendu,
        "regle_attendue": p.regle_attendue,
        "raison_attendue": p.raison_attendue,
        "effet_vrai": {
            "description": (f"{100 * p.effet_chauffage:+.0f} % de la consommation de chauffage des bâtiments "
                            "équipés pendant l'expérimentation (eau chaude inchangée).").replace("-", "−"),
            "part_du_chauffage": p.effet_chauffage,
            "effet_kwh": round(effet_total, 1),
            "contrefactuel_kwh": round(cf_total, 1),
            "effet_relatif": round(effet_total / cf_total, 5),
            "perimetre": "somme des bâtiments équipés, toutes les heures de l'expérimentation, valeurs "
                         "attendues (hors bruit)",
        },
        "choc_commun": {"description": "Consigne municipale de sobriété (chauffage et eau chaude), tous les "
                                       "bâtiments.", "part_de_la_consommation": p.choc_commun,
                        "debut": p.debut_choc_commun},
        "bruit": {"type": "multiplicatif : 1 + AR(1) journalier du bâtiment + AR(1) journalier commun + bruit "
                          "horaire indépendant",
                  "rho_site": p.rho_site, "ecart_type_site": p.ecart_type_site, "rho_commun": p.rho_commun,
                  "ecart_type_commun": p.ecart_type_commun, "ecart_type_horaire": p.ecart_type_horaire},
        "horodatage": {
            "format": "AAAA-MM-JJTHH:MM, heure légale française (horloge murale)",
            "jours_de_changement_d_heure": {j: int((jour_local == pd.Timestamp(j)).sum()) for j in changements},
            "regle": "octobre : 02:00 écrit deux fois, heure d'été puis heure d'hiver ; mars : 02:00 absent",
        },
        "meteo": {"fichier": p.nom_fichier_meteo, "poste_du_pilote": p.postes[0][0],
                  "postes": [x[0] for x in p.postes],
                  "valeurs_douteuses_du_poste": douteux,
                  "temperature_moyenne": p.temperature_moyenne,
                  "amplitude_saisonniere": p.amplitude_saisonniere},
        "occupation": "bureaux : jours ouvrés (hors week-ends et fériés) de 7 h à 19 h ; relance de 5 h à 7 h",
        "sites": params,
    }
    fiche = _fiche(p, sites, graine)
    return PiloteHoraire(fiche, mesures, meteo_mf, verite, p.nom_fichier_meteo)


def _fiche(p: ParametresHoraire, sites: list[dict], graine: int) -> dict[str, Any]:
    n = p.n_experimentaux
    investissement = 9_000.0 * n
    feder = round(0.6 * investissement, 0)
    return {
        "identifiant": p.identifiant,
        "titre": f"Thermostats connectés dans {n} bâtiments de bureaux de la ville de {p.commune}",
        "domaine": "energie",
        "type_pilote": "thermostats-bureaux",
        "technologie": (
            "Thermostats et têtes de radiateur connectés, pilotés selon les horaires d'ouverture des "
            "bureaux (réduit la nuit, le week-end et les jours fériés), détection de fenêtre ouverte, "
            "relevé horaire du compteur de gaz par une passerelle radio."),
        "contexte": (
            "Pilote simulé (données fictives) pour tester la chaîne d'évaluation sur des relevés horaires. "
            f"La ville équipe {n} bâtiments de bureaux et en suit {p.n_temoins} autres, non équipés, comme "
            "témoins. Une consigne municipale de sobriété s'applique à tous les bâtiments à partir de "
            "décembre 2024."),
        "occupation": "bureaux",
        "porteur": {"nom": f"Ville de {p.commune}", "type": "commune", "codes_insee": [p.code_insee]},
        "periodes": periodes(p.reference, p.experimentation),
        "sites": sites,
        "indicateurs": [{
            "identifiant": INDICATEUR,
            "libelle": "Consommation de gaz (chauffage et eau chaude)",
            "unite": "kWh",
            "sens_souhaite": "baisse",
            "principal": True,
            "vecteur_energetique": "gaz_naturel",
            "type_mesure": "continue",
            "description": "Relevé horaire du compteur gaz (kWh PCS), heure légale française.",
        }],
        "fichiers": {"mesures": ["mesures.csv.gz"], "meteo": p.nom_fichier_meteo, "meteo_poste": p.postes[0][0]},
        "couts": {
            "investissement_eur": investissement,
            "fonctionnement_annuel_eur": 600.0 * n,
            "duree_vie_ans": 10,
            "sources": "Montants fictifs, d'un ordre de grandeur plausible pour des thermostats connectés.",
        },
        "financement": financement_autofinance(feder, investissement, f"Ville de {p.commune}"),
        "conditions_de_succes": [
            "Des horaires d'ouverture des bureaux tenus à jour dans la supervision.",
            "Un agent des services techniques formé pour régler les consignes.",
            "Un relevé horaire du compteur de gaz par bâtiment.",
        ],
        "notes": note_simulation("energie_horaire", VERSION_GENERATEUR, graine),
    }


def _gzip(texte: str) -> bytes:
    return gzip.compress(texte.encode("utf-8"), compresslevel=9, mtime=0)


def ecrire_pilote_horaire(pilote: PiloteHoraire, dossier: str | Path) -> Path:
    """Écrit pilote.yaml, mesures.csv.gz, le fichier Météo-France et verite.yaml dans ``dossier``."""
    m = pilote.mesures
    lignes = ["date;site;indicateur;valeur"] + [
        f"{d};{s};{i};{nombre_fr(v, 1)}" for d, s, i, v in zip(m["date"], m["site"], m["indicateur"], m["valeur"])]
    mf = pilote.meteo_mf
    texte = ";".join(mf.columns) + "\n" + "".join(";".join(r) + "\n" for r in mf.astype(str).itertuples(index=False))
    return ecrire_pilote_simule(dossier, pilote.fiche, pilote.verite, octets={
        "mesures.csv.gz": _gzip("\n".join(lignes) + "\n"), pilote.nom_fichier_meteo: _gzip(texte)})


_exemple = partial(exemple, generer_pilote_horaire, ecrire_pilote_horaire)


#: Pilote d'exemple à relevés horaires : Valenciennes, thermostats connectés dans trois bâtiments de
#: bureaux, deux témoins, une saison de chauffe d'expérimentation -> « généraliser ».
EXEMPLES = [
    ("energie-thermostats-mairies-valenciennes", _exemple(59606, ParametresHoraire())),
]
