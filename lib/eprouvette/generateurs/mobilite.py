"""Générateurs de pilotes mobilité simulés (séries journalières), dans de vraies communes des Hauts-de-France.

Les données sont **simulées** mais réalistes ; l'effet vrai est écrit dans ``verite.yaml`` avec le
verdict attendu et sa raison :

- **Amiens, feux connectés et temps de parcours des bus** : temps de parcours moyen journalier d'une
  ligne de bus (minutes), plus long en semaine, plus court le samedi et surtout le dimanche, les jours
  fériés et pendant les vacances scolaires de la zone B (moins de circulation), plus long les jours de
  pluie ; légère saison, bruit AR(1). Le nouveau réglage des feux connectés **allonge** les temps de
  parcours (+2 minutes par jour) : effet nuisible établi -> « ne pas généraliser ».
- **Arras, compteurs vélo connectés et application d'incitation** : passages de cyclistes par jour à
  deux compteurs, effets multiplicatifs du jour de la semaine, des fériés, des vacances (−23 %) et de la
  pluie (−3 % par mm), saison et tendance, bruit log-normal AR(1) commun puis tirage de Poisson.
  L'application augmente vraiment la pratique (+5 %), mais l'expérimentation ne dure que quatre
  semaines, en plein été, sans compteur témoin : trop court pour conclure -> « étendre ».

Météo simulée : températures (comme le générateur énergie) et pluie journalière (jours de pluie
persistants, chaîne de Markov ; hauteurs exponentielles). Les calendriers (fériés, vacances de la
zone B) viennent des paquets officiels via :func:`eprouvette.domaines.mobilite.covariables_calendrier`.
Pour une graine donnée, les fichiers écrits sont identiques à l'octet près.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..domaines.mobilite import covariables_calendrier
from .commun import (ar1, bornes_simulation, ecrire_pilote_simule, entete_verite, exemple, financement_autofinance,
                     note_simulation, periodes, temperatures_simulees)

__all__ = ["VERSION_GENERATEUR", "ParametresMobiliteSimules", "PiloteMobiliteGenere", "generer_pilote_mobilite",
           "ecrire_pilote", "simuler_meteo", "jours_et_meteo", "EXEMPLES"]

VERSION_GENERATEUR = "1.0.0"


@dataclass
class ParametresMobiliteSimules:
    """Paramètres d'un pilote simulé (tous recopiés dans verite.yaml)."""

    identifiant: str
    type_pilote: str  # « feux-bus » ou « compteurs-velo »
    commune: str
    code_insee: str
    reference: tuple[str, str]
    experimentation: tuple[str, str]
    #: Comptage : niveau de base (passages/jour, un lundi hors vacances) de chaque compteur.
    #: Temps : niveau de base (minutes) de la ligne.
    niveaux: tuple[float, ...]
    #: Effet vrai : relatif (comptage, +0,05 = +5 %) ou absolu (temps, minutes par jour).
    effet: float
    #: Effets de calendrier : relatifs (comptage) ou en minutes (temps) ; lundi = référence.
    effets_jours: tuple[float, ...]  # mardi … dimanche
    effet_ferie: float
    effet_vacances: float
    effet_pluie_par_mm: float
    amplitude_saison: float  # relative (comptage) ou minutes (temps) ; maximum mi-juillet
    tendance_par_an: float  # relative (comptage) ou minutes (temps)
    rho_bruit: float
    ecart_type_bruit: float  # relatif (comptage, log-normal) ou minutes (temps)
    part_jours_manquants: float = 0.01
    caracteristiques: dict = field(default_factory=dict)


@dataclass
class PiloteMobiliteGenere:
    fiche: dict[str, Any]
    mesures: pd.DataFrame
    meteo: pd.DataFrame
    verite: dict[str, Any]
    #: Valeur attendue sans le dispositif (somme des compteurs, ou minutes), jour par jour.
    contrefactuel_vrai_journalier: pd.Series = field(repr=False, default=None)
    #: Décimales de la colonne valeur de mesures.csv (0 pour un comptage).
    decimales: int = 0


def simuler_meteo(rng: np.random.Generator, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Températures (TN, TX) et pluie journalière (mm) d'allure picarde ou artésienne."""
    n = len(dates)
    tmoy, ampl = temperatures_simulees(rng, dates, 11.0, 7.6, 0.8, 3.0)
    # Jours de pluie persistants : P(pluie | pluie la veille) = 0,65 ; P(pluie | sec la veille) = 0,30.
    pluie = np.zeros(n)
    mouille = False
    for i in range(n):
        mouille = rng.random() < (0.65 if mouille else 0.30)
        if mouille:
            pluie[i] = rng.exponential(4.0)
    return pd.DataFrame({"date": dates, "temperature_min": np.round(tmoy - ampl / 2, 1),
                         "temperature_max": np.round(tmoy + ampl / 2, 1),
                         "precipitations_mm": np.round(pluie, 1)})


def jours_et_meteo(graine: int, reference: tuple[str, str], experimentation: tuple[str, str]):
    """Générateur aléatoire de la graine, jours simulés, masque des jours d'expérimentation et météo simulée
    (tirée en premier : pour une graine donnée, la même météo quel que soit le pilote qui l'utilise)."""
    rng = np.random.default_rng(graine)
    _, _, e0, _, dates = bornes_simulation(reference, experimentation)
    return rng, dates, np.asarray(dates >= e0), simuler_meteo(rng, dates)


def _effets_calendrier(p: ParametresMobiliteSimules, dates: pd.DatetimeIndex, pluie: np.ndarray) -> np.ndarray:
    cal = covariables_calendrier(dates, pluie)
    jours = cal[["mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]].to_numpy()
    annees = (dates - dates[0]).days.to_numpy() / 365.25
    saison = np.cos(2 * np.pi * (dates.day_of_year.to_numpy() - 196) / 365.25)
    return (jours @ np.asarray(p.effets_jours) + p.effet_ferie * cal["ferie"].to_numpy()
            + p.effet_vacances * cal["vacances_scolaires"].to_numpy() + p.effet_pluie_par_mm * cal["pluie_mm"].to_numpy()
            + p.amplitude_saison * saison + p.tendance_par_an * annees)


def generer_pilote_mobilite(graine: int, p: ParametresMobiliteSimules) -> PiloteMobiliteGenere:
    """Génère un pilote mobilité simulé (en mémoire) pour une graine donnée."""
    rng, dates, en_exp, meteo = jours_et_meteo(graine, p.reference, p.experimentation)
    n = len(dates)
    cal = _effets_calendrier(p, dates, meteo["precipitations_mm"].to_numpy())
    comptage = p.type_pilote == "compteurs-velo"
    lignes, sites, cf_vrai, effet_vrai = [], [], np.zeros(n), np.zeros(n)
    if comptage:
        # Effets multiplicatifs (échelle log) : log(1 + effet relatif).
        log_cal = _effets_calendrier(
            ParametresMobiliteSimules(**{**p.__dict__, "effets_jours": tuple(np.log1p(p.effets_jours)),
                                         "effet_ferie": float(np.log1p(p.effet_ferie)),
                                         "effet_vacances": float(np.log1p(p.effet_vacances)),
                                         "effet_pluie_par_mm": float(np.log1p(p.effet_pluie_par_mm)),
                                         "tendance_par_an": float(np.log1p(p.tendance_par_an))}),
            dates, meteo["precipitations_mm"].to_numpy())
        commun = ar1(rng, n, p.rho_bruit, p.ecart_type_bruit)
        noms = ["Compteur fictif quai de la gare", "Compteur fictif avenue du centre"]
        for i, niveau in enumerate(p.niveaux):
            mu_sans = niveau * np.exp(log_cal + commun + rng.normal(0, 0.03, n) - p.ecart_type_bruit**2 / 2)
            mu = mu_sans * np.where(en_exp, 1 + p.effet, 1.0)
            valeur = rng.poisson(mu).astype(float)
            cf_vrai += niveau * np.exp(log_cal)
            effet_vrai += niveau * np.exp(log_cal) * np.where(en_exp, p.effet, 0.0)
            manque = rng.random(n) < p.part_jours_manquants
            ident = f"compteur-velo-{i + 1}"
            lignes.append(pd.DataFrame({"date": dates[~manque], "site": ident, "indicateur": "passages_velo",
                                        "valeur": valeur[~manque]}))
            sites.append({"identifiant": ident, "nom": noms[i % len(noms)], "role": "experimental",
                          "code_insee": p.code_insee,
                          "description": "Compteur connecté à boucles (données simulées), deux sens cumulés."})
        decimales = 0
    else:
        bruit = ar1(rng, n, p.rho_bruit, p.ecart_type_bruit)
        sans = p.niveaux[0] + cal
        valeur = sans + np.where(en_exp, p.effet, 0.0) + bruit
        cf_vrai, effet_vrai = sans, np.where(en_exp, p.effet, 0.0)
        manque = rng.random(n) < p.part_jours_manquants
        lignes.append(pd.DataFrame({"date": dates[~manque], "site": "ligne-bus-2", "indicateur": "temps_parcours_bus",
                                    "valeur": np.round(valeur[~manque], 2)}))
        sites.append({"identifiant": "ligne-bus-2", "nom": "Ligne fictive 2 (gare – hôpital)", "role": "experimental",
                      "code_insee": p.code_insee,
                      "description": "Temps de parcours moyen de bout en bout, calculé chaque jour à partir des "
                                     "horodatages des bus (données simulées)."})
        decimales = 2
    mesures = pd.concat(lignes, ignore_index=True).sort_values(["date", "site"], kind="mergesort").reset_index(drop=True)
    effet_total = float(effet_vrai[en_exp].sum())
    cf_total = float(cf_vrai[en_exp].sum())
    verite = {
        **entete_verite("mobilite", VERSION_GENERATEUR, graine,
                        "Données simulées : ce pilote n'existe pas, les compteurs et la ligne sont fictifs."),
        "effet_vrai": {
            "description": (f"{100 * p.effet:+.0f} % de passages de cyclistes chaque jour de l'expérimentation"
                            if comptage else f"{p.effet:+.1f} minutes de temps de parcours chaque jour de l'expérimentation")
            .replace("-", "−").replace(".", ","),
            "valeur": p.effet,
            "type": "relatif" if comptage else "minutes par jour",
            "effet_cumule": round(effet_total, 1),
            "contrefactuel_cumule": round(cf_total, 1),
            "effet_relatif": round(effet_total / cf_total, 5),
            "perimetre": ("somme des compteurs, tous les jours de l'expérimentation, valeurs attendues (hors bruit)"
                          if comptage else "temps de parcours de la ligne, somme des jours de l'expérimentation, "
                                           "valeurs attendues (hors bruit)"),
        },
        "calendrier": {
            "effets_jours_mardi_a_dimanche": list(p.effets_jours),
            "ferie": p.effet_ferie, "vacances_scolaires_zone_b": p.effet_vacances,
            "pluie_par_mm_plafonnee_20": p.effet_pluie_par_mm, "amplitude_saison": p.amplitude_saison,
            "tendance_par_an": p.tendance_par_an,
            "echelle": "relative (multiplicative)" if comptage else "minutes (additive)",
        },
        "bruit": {"type": "log-normal AR(1) commun puis Poisson" if comptage else "AR(1) additif",
                  "rho": p.rho_bruit, "ecart_type": p.ecart_type_bruit},
    }
    verite.update(_VERDICTS[p.type_pilote])
    return PiloteMobiliteGenere(_fiche(p, sites, graine), mesures, meteo, verite,
                                pd.Series(cf_vrai, index=dates, name="contrefactuel_vrai"), decimales)


_VERDICTS = {
    "feux-bus": {
        "verdict_attendu": "ne_pas_generaliser",
        "regle_attendue": "contraire",
        "raison_attendue": "Le nouveau réglage des feux allonge les temps de parcours des bus (effet nuisible établi).",
    },
    "compteurs-velo": {
        "verdict_attendu": "etendre",
        "regle_attendue": "trop_court",
        "raison_attendue": ("Effet vrai de +5 %, mais quatre semaines d'été sans témoin : l'effet minimal détectable "
                            "dépasse 5 %, trop court pour conclure."),
    },
}


def _fiche(p: ParametresMobiliteSimules, sites: list[dict], graine: int) -> dict[str, Any]:
    if p.type_pilote == "feux-bus":
        titre = f"Feux tricolores connectés avec priorité aux bus sur une ligne d'{p.commune}"
        techno = ("Contrôleurs de carrefour connectés : détection des bus par balises, demande de priorité au feu, "
                  "plan de feux adaptatif recalculé en temps réel par un logiciel central.")
        contexte = ("Pilote simulé (données fictives). La ligne 2 traverse douze carrefours à feux ; la collectivité "
                    "veut réduire les temps de parcours et améliorer la régularité. Le nouveau plan de feux est mis en "
                    "service sur tous les carrefours de la ligne au début de l'expérimentation.")
        indicateur = {"identifiant": "temps_parcours_bus", "libelle": "Temps de parcours moyen de la ligne",
                      "unite": "minutes", "sens_souhaite": "baisse", "principal": True, "type_mesure": "continue",
                      "description": "Moyenne journalière des temps de parcours de bout en bout (horodatages des bus)."}
        couts = {"investissement_eur": 180_000.0, "fonctionnement_annuel_eur": 12_000.0, "duree_vie_ans": 12,
                 "sources": "Montants fictifs, d'un ordre de grandeur plausible pour douze carrefours."}
        conditions = ["Des contrôleurs de carrefour compatibles avec la priorité bus.",
                      "Un régulateur du réseau de bus associé au réglage des plans de feux.",
                      "Des horodatages fiables des bus (système d'aide à l'exploitation)."]
        porteur = {"nom": f"Amiens Métropole (ville d'{p.commune})", "type": "commune", "codes_insee": [p.code_insee]}
    else:
        titre = f"Compteurs vélo connectés et application d'incitation à {p.commune}"
        techno = ("Deux compteurs de cyclistes connectés (boucles magnétiques, données toutes les heures) et une "
                  "application mobile d'incitation (défis, itinéraires, récompenses chez les commerçants).")
        contexte = ("Pilote simulé (données fictives). La ville veut développer la pratique du vélo au quotidien ; "
                    "l'application est lancée en juillet, pour quatre semaines d'expérimentation pendant les "
                    "vacances scolaires, sans compteur témoin.")
        indicateur = {"identifiant": "passages_velo", "libelle": "Passages de cyclistes aux compteurs",
                      "unite": "passages", "sens_souhaite": "hausse", "principal": True, "type_mesure": "comptage",
                      "description": "Passages journaliers, deux sens cumulés, somme des deux compteurs."}
        couts = {"investissement_eur": 38_000.0, "fonctionnement_annuel_eur": 6_500.0, "duree_vie_ans": 8,
                 "sources": "Montants fictifs, d'un ordre de grandeur plausible (compteurs et licence de l'application)."}
        conditions = ["Des compteurs placés sur les axes cyclables principaux.",
                      "Une animation de l'application (défis, partenaires) tout au long de l'année.",
                      "Des aménagements cyclables continus autour des compteurs."]
        porteur = {"nom": f"Ville d'{p.commune}", "type": "commune", "codes_insee": [p.code_insee]}
    inv = couts["investissement_eur"]
    feder = round(0.5 * inv, 0)
    fiche = {
        "identifiant": p.identifiant, "titre": titre, "domaine": "mobilite", "type_pilote": p.type_pilote,
        "technologie": techno, "contexte": contexte,
        "caracteristiques": dict(p.caracteristiques),
        "porteur": porteur,
        "periodes": periodes(p.reference, p.experimentation),
        "sites": sites,
        "indicateurs": [indicateur],
        "fichiers": {"mesures": ["mesures.csv"], "meteo": "meteo.csv"},
        "couts": couts,
        "financement": financement_autofinance(feder, inv, porteur["nom"]),
        "conditions_de_succes": conditions,
        "notes": note_simulation("mobilite", VERSION_GENERATEUR, graine),
    }
    return fiche


def ecrire_pilote(pilote: PiloteMobiliteGenere, dossier: str | Path) -> Path:
    """Écrit pilote.yaml, mesures.csv, meteo.csv et verite.yaml dans ``dossier``."""
    return ecrire_pilote_simule(dossier, pilote.fiche, pilote.verite, tableaux={
        "mesures.csv": (pilote.mesures, {"valeur": pilote.decimales}),
        "meteo.csv": (pilote.meteo, {"temperature_min": 1, "temperature_max": 1, "precipitations_mm": 1})})


FEUX_BUS_AMIENS = ParametresMobiliteSimules(
    identifiant="mobilite-feux-bus-amiens", type_pilote="feux-bus", commune="Amiens", code_insee="80021",
    reference=("2023-09-04", "2025-03-30"), experimentation=("2025-03-31", "2025-09-28"),
    niveaux=(31.0,), effet=2.0,
    effets_jours=(0.3, 0.1, 0.3, 0.6, -2.5, -4.5), effet_ferie=-4.0, effet_vacances=-1.8, effet_pluie_par_mm=0.12,
    amplitude_saison=-0.6, tendance_par_an=0.3, rho_bruit=0.5, ecart_type_bruit=1.0,
    caracteristiques={"usage": "transport_public", "voyageurs_annuels": 2_100_000},
)

VELO_ARRAS = ParametresMobiliteSimules(
    identifiant="mobilite-compteurs-velo-arras", type_pilote="compteurs-velo", commune="Arras", code_insee="62041",
    reference=("2023-05-01", "2025-07-06"), experimentation=("2025-07-07", "2025-08-03"),
    niveaux=(900.0, 600.0), effet=0.05,
    effets_jours=(0.02, -0.05, 0.02, -0.03, -0.30, -0.40), effet_ferie=-0.35, effet_vacances=-0.23,
    effet_pluie_par_mm=-0.03, amplitude_saison=0.15, tendance_par_an=0.03, rho_bruit=0.4, ecart_type_bruit=0.15,
    caracteristiques={"usage": "velo"},
)


_exemple = partial(exemple, generer_pilote_mobilite, ecrire_pilote)


#: Pilotes d'exemple du domaine mobilité (identifiant, fonction d'écriture) : voir outils/generer_exemples.py.
EXEMPLES = [
    (FEUX_BUS_AMIENS.identifiant, _exemple(80021, FEUX_BUS_AMIENS)),
    (VELO_ARRAS.identifiant, _exemple(62046, VELO_ARRAS)),
]
