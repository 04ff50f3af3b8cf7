"""Générateur d'un pilote énergie simulé : GTB connectée dans des écoles de Saint-Quentin (Aisne).

Les données sont **simulées** mais réalistes, pour tester la chaîne d'évaluation de bout en bout
quand l'effet vrai est connu (il est écrit dans ``verite.yaml``) :

- météo journalière d'allure saint-quentinoise : moyenne annuelle ~11 °C, ~3,5 °C mi-janvier,
  ~18,5 °C mi-juillet, anomalies AR(1) (ρ = 0,8, écart type 3 °C), amplitude TX - TN de ~5 °C
  l'hiver à ~10 °C l'été ;
- pour chaque école : surface, pente de chauffage (kWh par m² et par degré-jour), température
  d'équilibre (14,5 à 16,5 °C), charge de base (eau chaude, cuisine), réduite hors occupation ;
  chauffage réduit (réduit de nuit et de week-end) les jours inoccupés (week-ends, fériés,
  vacances de la zone B) et relance le premier jour de classe qui suit ;
- bruit multiplicatif autocorrélé : AR(1) propre à chaque école et AR(1) commun à toutes ;
- choc commun pendant l'expérimentation : consigne municipale de sobriété (-6 % de toute la
  consommation de gaz, chauffage et eau chaude, dans toutes les écoles à partir du 1er novembre 2024) ;
- effet vrai de la GTB : -12 % de la consommation de chauffage des écoles équipées pendant
  l'expérimentation (charge de base inchangée) ;
- quelques jours sans relevé (1 % par école) et une panne de compteur de 12 jours sur un témoin.

Pour une graine donnée, les fichiers écrits sont identiques à l'octet près (numpy et PyYAML
épinglés). Les écoles sont fictives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..domaines.energie import calendrier_ecoles
from .commun import (ar1, bornes_simulation, ecrire_pilote_simule, entete_verite, exemple, financement_autofinance,
                     note_simulation, periodes, temperatures_simulees)

__all__ = ["VERSION_GENERATEUR", "ParametresEnergie", "PiloteGenere", "generer_pilote_energie",
           "ecrire_pilote"]

VERSION_GENERATEUR = "1.0.0"
INDICATEUR = "consommation_chauffage"


@dataclass
class ParametresEnergie:
    """Paramètres du pilote simulé (tous documentés dans verite.yaml)."""

    identifiant: str = "energie-gtb-ecoles-saint-quentin"
    #: Verdict que l'évaluation doit rendre, et pourquoi (écrit dans verite.yaml, vérifié par les tests).
    verdict_attendu: str = "generaliser"
    #: Règle de la grille qui doit décider (recommandation.Recommandation.regle).
    regle_attendue: str = "etabli"
    raison_attendue: str = ("effet net clair (−12 % du chauffage) sur un an d'expérimentation, trois témoins "
                            "qui retirent la consigne de sobriété commune, bilan socio-économique positif")
    #: Commune du porteur (nom, code INSEE) : une commune réelle des Hauts-de-France.
    commune: str = "Saint-Quentin"
    code_insee: str = "02691"
    reference: tuple[str, str] = ("2022-09-01", "2024-08-31")
    experimentation: tuple[str, str] = ("2024-09-01", "2025-08-31")
    n_experimentaux: int = 4
    n_temoins: int = 3
    #: Effet vrai de la technologie, en part de la consommation de chauffage (négatif = économie).
    effet_chauffage: float = -0.12
    #: Choc commun à toutes les écoles : part du chauffage, et date de début.
    choc_commun: float = -0.06
    debut_choc_commun: str = "2024-11-01"
    #: Bruit multiplicatif : AR(1) propre à chaque école et AR(1) commun.
    rho_site: float = 0.6
    ecart_type_site: float = 0.12
    rho_commun: float = 0.7
    ecart_type_commun: float = 0.05
    #: Météo : moyenne, amplitude saisonnière, anomalies AR(1).
    temperature_moyenne: float = 11.0
    amplitude_saisonniere: float = 7.6
    rho_meteo: float = 0.8
    ecart_type_meteo: float = 3.0
    part_jours_manquants: float = 0.01
    panne_compteur_jours: int = 12


@dataclass
class PiloteGenere:
    """Un pilote simulé en mémoire."""

    fiche: dict[str, Any]
    mesures: pd.DataFrame  # date, site, indicateur, valeur
    meteo: pd.DataFrame  # date, temperature_min, temperature_max
    calendrier: pd.DataFrame  # date, inoccupe, motif
    verite: dict[str, Any]
    #: Effet vrai journalier attendu (kWh), somme des écoles équipées (0 hors expérimentation).
    effet_vrai_journalier: pd.Series = field(repr=False, default=None)
    #: Consommation attendue sans la technologie (kWh), somme des écoles équipées.
    contrefactuel_vrai_journalier: pd.Series = field(repr=False, default=None)


_NOMS_EXP = ["École fictive des Tilleuls", "École fictive des Peupliers", "École fictive des Prés",
             "École fictive des Acacias", "École fictive des Saules", "École fictive des Érables"]
_NOMS_TEM = ["École fictive des Charmes", "École fictive des Bouleaux", "École fictive des Noyers",
             "École fictive des Marronniers", "École fictive des Frênes"]


def _meteo(rng: np.random.Generator, dates: pd.DatetimeIndex, p: ParametresEnergie) -> pd.DataFrame:
    tmoy, ampl = temperatures_simulees(rng, dates, p.temperature_moyenne, p.amplitude_saisonniere, p.rho_meteo,
                                       p.ecart_type_meteo)
    tn = np.round(tmoy - ampl / 2, 1)
    tx = np.round(tmoy + ampl / 2, 1)
    return pd.DataFrame({"date": dates, "temperature_min": tn, "temperature_max": tx})


def generer_pilote_energie(graine: int = 2024, parametres: ParametresEnergie | None = None) -> PiloteGenere:
    """Génère un pilote GTB-écoles simulé (en mémoire) pour une graine donnée."""
    p = parametres or ParametresEnergie()
    rng = np.random.default_rng(graine)
    r0, r1, e0, e1, dates = bornes_simulation(p.reference, p.experimentation)
    n = len(dates)
    meteo = _meteo(rng, dates, p)
    tmoy = ((meteo["temperature_min"] + meteo["temperature_max"]) / 2).to_numpy()
    cal = calendrier_ecoles(r0, e1)
    inocc = cal["inoccupe"].to_numpy()
    # Premier jour occupé après au moins deux jours inoccupés : relance du chauffage.
    relance = ~inocc & np.concatenate([[False, False], inocc[1:-1] & inocc[:-2]])
    en_exp = np.asarray((dates >= e0) & (dates <= e1))
    choc = np.asarray(dates >= pd.Timestamp(p.debut_choc_commun)) & en_exp
    commun = ar1(rng, n, p.rho_commun, p.ecart_type_commun)

    sites, lignes, params_sites = [], [], []
    effet_vrai = np.zeros(n)
    cf_vrai = np.zeros(n)
    noms_exp = rng.permutation(_NOMS_EXP)[: p.n_experimentaux]
    noms_tem = rng.permutation(_NOMS_TEM)[: p.n_temoins]
    roles = ["experimental"] * p.n_experimentaux + ["temoin"] * p.n_temoins
    noms = [str(x) for x in noms_exp] + [str(x) for x in noms_tem]
    compteur = {"experimental": 0, "temoin": 0}
    panne_site = p.n_experimentaux + int(rng.integers(0, max(p.n_temoins, 1))) if p.n_temoins else None
    for i, (role, nom) in enumerate(zip(roles, noms)):
        compteur[role] += 1
        ident = f"ecole-{'exp' if role == 'experimental' else 'tem'}-{compteur[role]}"
        surface = float(np.round(rng.uniform(1800, 4200), -1))
        pente = surface * rng.uniform(0.070, 0.090)  # kWh par degré-jour
        t_eq = float(np.round(rng.uniform(14.5, 16.5), 1))
        base = surface * rng.uniform(0.025, 0.040)  # kWh par jour occupé
        f_inocc_ch = rng.uniform(0.45, 0.65)
        f_inocc_base = rng.uniform(0.30, 0.50)
        hdd = np.maximum(0.0, t_eq - tmoy)
        chauffage = pente * hdd * np.where(inocc, f_inocc_ch, 1.0) * np.where(relance, 1.10, 1.0)
        charge = base * np.where(inocc, f_inocc_base, 1.0)
        # Choc commun : la consigne de sobriété baisse toute la consommation de gaz (chauffage et
        # eau chaude) dans la même proportion, dans toutes les écoles.
        chauffage = chauffage * np.where(choc, 1.0 + p.choc_commun, 1.0)
        charge = charge * np.where(choc, 1.0 + p.choc_commun, 1.0)
        effet = np.where(en_exp & (role == "experimental"), p.effet_chauffage * chauffage, 0.0)
        attendu_sans = chauffage + charge
        bruit = 1.0 + ar1(rng, n, p.rho_site, p.ecart_type_site) + commun
        valeur = np.maximum((attendu_sans + effet) * bruit, 0.0)
        manque = rng.random(n) < p.part_jours_manquants
        if i == panne_site:
            debut = int(rng.integers(30, int(((dates <= r1).sum())) - p.panne_compteur_jours))
            manque[debut: debut + p.panne_compteur_jours] = True
        if role == "experimental":
            effet_vrai += effet
            cf_vrai += attendu_sans
        lignes.append(pd.DataFrame({"date": dates[~manque], "site": ident, "indicateur": INDICATEUR,
                                    "valeur": np.round(valeur[~manque], 1)}))
        sites.append({"identifiant": ident, "nom": nom, "role": role, "code_insee": p.code_insee,
                      "surface_m2": surface,
                      "description": "Bâtiment fictif (données simulées), chauffage au gaz naturel."})
        params_sites.append({"site": ident, "role": role, "surface_m2": surface,
                             "pente_kwh_par_degre_jour": round(float(pente), 2),
                             "temperature_equilibre": t_eq, "charge_base_kwh_jour": round(float(base), 2),
                             "facteur_chauffage_inoccupe": round(float(f_inocc_ch), 3),
                             "facteur_base_inoccupe": round(float(f_inocc_base), 3),
                             "jours_manquants": int(manque.sum())})
    mesures = pd.concat(lignes, ignore_index=True).sort_values(["date", "site"], kind="mergesort")
    mesures = mesures.reset_index(drop=True)

    effet_total = float(effet_vrai[en_exp].sum())
    cf_total = float(cf_vrai[en_exp].sum())
    verite = {
        **entete_verite("energie", VERSION_GENERATEUR, graine,
                        "Données simulées : ce pilote n'existe pas, les écoles sont fictives."),
        "verdict_attendu": p.verdict_attendu,
        "regle_attendue": p.regle_attendue,
        "raison_attendue": p.raison_attendue,
        "effet_vrai": {
            "description": (f"{_pct(p.effet_chauffage)} de la consommation de chauffage des écoles "
                            "équipées pendant l'expérimentation (charge de base inchangée)."),
            "part_du_chauffage": p.effet_chauffage,
            "effet_kwh": round(effet_total, 1),
            "contrefactuel_kwh": round(cf_total, 1),
            "effet_relatif": round(effet_total / cf_total, 5) if cf_total else None,
            "perimetre": "somme des écoles équipées, tous les jours de l'expérimentation, valeurs "
                         "attendues (hors bruit)",
        },
        "choc_commun": {
            "description": "Consigne municipale de sobriété appliquée à toutes les écoles "
                           "(chauffage et eau chaude).",
            "part_de_la_consommation": p.choc_commun,
            "debut": p.debut_choc_commun,
        },
        "bruit": {
            "type": "multiplicatif : (1 + AR(1) propre à l'école + AR(1) commun)",
            "rho_site": p.rho_site, "ecart_type_site": p.ecart_type_site,
            "rho_commun": p.rho_commun, "ecart_type_commun": p.ecart_type_commun,
        },
        "meteo": {
            "temperature_moyenne": p.temperature_moyenne,
            "amplitude_saisonniere": p.amplitude_saisonniere,
            "rho_anomalies": p.rho_meteo, "ecart_type_anomalies": p.ecart_type_meteo,
        },
        "relance_apres_inoccupation": 0.10,
        "calendrier": "week-ends, jours fériés et vacances scolaires de la zone B inoccupés "
                      "(eprouvette.domaines.energie.calendrier_ecoles)",
        "sites": params_sites,
    }
    fiche = _fiche(p, sites, graine)
    return PiloteGenere(
        fiche=fiche, mesures=mesures, meteo=meteo, calendrier=cal, verite=verite,
        effet_vrai_journalier=pd.Series(effet_vrai, index=dates, name="effet_vrai"),
        contrefactuel_vrai_journalier=pd.Series(cf_vrai, index=dates, name="contrefactuel_vrai"),
    )


_NOMBRES = {1: "une", 2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six"}
_MOIS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
         "novembre", "décembre"]


def _mois_fr(iso: str) -> str:
    annee, mois = int(iso[:4]), int(iso[5:7])
    return f"{_MOIS[mois - 1]} {annee}"


def _pct(x: float) -> str:
    return f"{100 * x:+.0f} %".replace("-", "−")


def _fiche(p: ParametresEnergie, sites: list[dict], graine: int) -> dict[str, Any]:
    n = p.n_experimentaux
    investissement = 22_500.0 * n
    feder = round(0.6 * investissement, 0)
    return {
        "identifiant": p.identifiant,
        "titre": f"Gestion technique du bâtiment connectée dans {n} écoles de {p.commune}",
        "domaine": "energie",
        "type_pilote": "gtb-ecoles",
        "technologie": (
            "Gestion technique du bâtiment (GTB) connectée : sondes de température et de présence "
            "dans les salles, vannes thermostatiques pilotées, programmation de l'intermittence "
            "selon l'emploi du temps et les vacances, supervision à distance par les services "
            "techniques de la ville."),
        "contexte": (
            "Pilote simulé (données fictives) pour tester la chaîne d'évaluation. Les écoles "
            "représentent une part importante de la consommation de gaz des bâtiments communaux ; "
            "leur chauffage fonctionne souvent à plein régime les soirs, week-ends et vacances. La "
            f"ville équipe {_NOMBRES.get(n, n)} écoles et en suit {_NOMBRES.get(p.n_temoins, p.n_temoins)} "
            "autres, non équipées, comme témoins. Une "
            f"consigne municipale de sobriété s'applique à toutes les écoles à partir de {_mois_fr(p.debut_choc_commun)}."),
        "occupation": "ecole_zone_b",
        "porteur": {"nom": f"Ville de {p.commune}", "type": "commune", "codes_insee": [p.code_insee]},
        "periodes": periodes(p.reference, p.experimentation),
        "sites": sites,
        "indicateurs": [{
            "identifiant": INDICATEUR,
            "libelle": "Consommation de gaz pour le chauffage et l'eau chaude",
            "unite": "kWh",
            "sens_souhaite": "baisse",
            "principal": True,
            "vecteur_energetique": "gaz_naturel",
            "type_mesure": "continue",
            "description": "Relevé journalier du compteur gaz communicant (kWh PCS convertis par le fournisseur).",
        }],
        "fichiers": {"mesures": ["mesures.csv"], "meteo": "meteo.csv"},
        "couts": {
            "investissement_eur": investissement,
            "fonctionnement_annuel_eur": 900.0 * n,
            "duree_vie_ans": 15,
            "sources": "Montants fictifs, d'un ordre de grandeur plausible pour une GTB d'école.",
        },
        "financement": financement_autofinance(feder, investissement, f"Ville de {p.commune}"),
        "conditions_de_succes": [
            "Un technicien de la ville formé à la supervision et disponible pour ajuster les consignes.",
            "Des emplois du temps d'occupation des salles tenus à jour (périscolaire, associations).",
            "Une chaufferie et des réseaux hydrauliques en état de fonctionner en intermittence.",
            "Un compteur gaz communicant par bâtiment (relevés journaliers).",
        ],
        "notes": note_simulation("energie", VERSION_GENERATEUR, graine),
    }


def ecrire_pilote(pilote: PiloteGenere, dossier: str | Path) -> Path:
    """Écrit pilote.yaml, mesures.csv, meteo.csv et verite.yaml dans ``dossier``."""
    return ecrire_pilote_simule(dossier, pilote.fiche, pilote.verite, tableaux={
        "mesures.csv": (pilote.mesures, {"valeur": 1}),
        "meteo.csv": (pilote.meteo, {"temperature_min": 1, "temperature_max": 1})})


_exemple = partial(exemple, generer_pilote_energie, ecrire_pilote)


#: Pilotes d'exemple du domaine énergie (identifiant, fonction d'écriture) : voir outils/generer_exemples.py.
#: - Saint-Quentin : effet net clair (−12 % du chauffage), deux ans de référence, un an d'expérimentation,
#:   trois témoins -> « généraliser ».
#: - Beauvais : expérimentation de deux mois d'hiver seulement, deux écoles et deux témoins, bruit fort :
#:   l'effet vrai (−8 % du chauffage) ne peut pas être établi -> « étendre l'expérimentation ».
EXEMPLES = [
    ("energie-gtb-ecoles-saint-quentin", _exemple(2024, ParametresEnergie())),
    (
        "energie-gtb-ecoles-beauvais",
        _exemple(
            60057,
            ParametresEnergie(
                identifiant="energie-gtb-ecoles-beauvais",
                commune="Beauvais",
                code_insee="60057",
                reference=("2023-01-02", "2024-12-31"),
                experimentation=("2025-01-06", "2025-02-28"),
                n_experimentaux=2,
                n_temoins=2,
                effet_chauffage=-0.08,
                choc_commun=0.0,
                debut_choc_commun="2025-01-06",
                ecart_type_site=0.18,
                ecart_type_commun=0.08,
                verdict_attendu="etendre",
                regle_attendue="trop_court",
                raison_attendue=("deux mois d'expérimentation seulement, deux écoles équipées et un bruit fort : "
                                 "l'effet vrai (−8 % du chauffage) est plus petit que l'effet minimal détectable"),
            ),
        ),
    ),
]
