"""Générateur de pilotes eau simulés : débit minimum nocturne journalier de secteurs d'un réseau.

Les données sont **simulées** mais d'allure réaliste, pour tester la chaîne d'évaluation quand
l'effet vrai est connu (écrit dans ``verite.yaml``) :

- chaque secteur (compteur de sectorisation) a un nombre d'abonnés, un usage nocturne légitime
  (abonnés × 1,7 L/h) et un débit de fuite de base (m³/h) ;
- variations communes à tous les secteurs : saison (fuites plus fortes l'hiver, gel), AR(1)
  commun (pression, météo) ; variations propres à chaque secteur : AR(1) multiplicatif ;
- quelques casses ponctuelles (débit de fuite majoré pendant quelques jours puis réparé) ;
- effet vrai de la technologie : réduction du débit de fuite des secteurs équipés, atteinte
  progressivement (rampe linéaire) après le début de l'expérimentation ;
- période « après » facultative (``periodes.apres``) : ce qui accompagnait les capteurs s'arrête et la
  part des fuites supprimée revient progressivement (rampe linéaire) à une valeur plus faible ;
- quelques nuits sans relevé.

La valeur écrite est le débit minimum nocturne (2 h – 4 h) en m³/h, tel qu'exporté par la
supervision. Pour une graine donnée, les fichiers sont identiques à l'octet près. Les secteurs
sont fictifs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .commun import ar1, ecrire_pilote_simule, entete_verite, exemple, note_simulation, periodes

__all__ = ["VERSION_GENERATEUR", "ParametresEau", "generer_pilote_eau", "ecrire_pilote", "EXEMPLES"]

VERSION_GENERATEUR = "1.0.0"
INDICATEUR = "debit_minimum_nocturne"
L_H_ABONNE = 1.7
FACTEUR_JOUR_NUIT = 20.0


@dataclass
class ParametresEau:
    identifiant: str = "eau-sectorisation-amiens"
    titre: str = ""
    porteur: str = "Amiens Métropole"
    type_porteur: str = "epci"
    code_insee: str = "80021"
    technologie: str = ""
    contexte: str = ""
    reference: tuple[str, str] = ("2023-01-01", "2024-03-31")
    experimentation: tuple[str, str] = ("2024-04-15", "2025-04-14")
    #: (nom, abonnés, débit de fuite de base en m³/h) des secteurs expérimentés puis témoins.
    secteurs_experimentaux: tuple = ()
    secteurs_temoins: tuple = ()
    #: Effet vrai : part du débit de fuite supprimée une fois la rampe atteinte (négatif = baisse).
    effet_fuites: float = -0.35
    rampe_jours: int = 60
    rho_secteur: float = 0.7
    ecart_type_secteur: float = 0.08
    rho_commun: float = 0.8
    ecart_type_commun: float = 0.06
    amplitude_saison: float = 0.10
    casses_par_secteur_an: float = 2.0
    part_nuits_manquantes: float = 0.01
    couts: dict = field(default_factory=dict)
    financement: dict = field(default_factory=dict)
    caracteristiques_reseau: dict = field(default_factory=dict)
    conditions_de_succes: tuple = ()
    verdict_attendu: str = "generaliser"
    #: Règle de la grille qui doit décider (recommandation.Recommandation.regle).
    regle_attendue: str = "etabli"
    raison_attendue: str = ""
    #: Période « après » (``periodes.apres``, None : aucune) : les capteurs restent, ce qui les accompagnait
    #: s'arrête (``motif_apres``, clé de ``methodes.persistance.MOTIFS``) ; la part des fuites supprimée passe
    #: de ``effet_fuites`` à ``effet_fuites_apres`` en ``rampe_apres_jours`` jours (les fuites se reforment).
    apres: tuple[str, str] | None = None
    motif_apres: str = "fin_accompagnement"
    effet_fuites_apres: float = 0.0
    rampe_apres_jours: int = 120
    #: Constat de persistance attendu (methodes.persistance : « s_estompe »…), écrit dans verite.yaml.
    persistance_attendue: str | None = None


@dataclass
class PiloteGenere:
    fiche: dict
    mesures: pd.DataFrame
    verite: dict


def generer_pilote_eau(graine: int, p: ParametresEau) -> PiloteGenere:
    """Simule les débits minimums nocturnes journaliers des secteurs (m³/h)."""
    rng = np.random.default_rng(graine)
    dates = pd.date_range(p.reference[0], p.experimentation[1] if p.apres is None else p.apres[1], freq="D")
    n = len(dates)
    debut = pd.Timestamp(p.experimentation[0])
    jours_depuis = (dates - debut).days.to_numpy()
    rampe = np.clip((jours_depuis + 1) / max(p.rampe_jours, 1), 0, 1) * (jours_depuis >= 0)
    # Part des fuites supprimée, jour par jour : effet_fuites × rampe pendant l'expérimentation, puis retour
    # progressif vers effet_fuites_apres pendant la période après.
    part = p.effet_fuites * rampe
    periode_apres = np.zeros(n, dtype=bool)
    if p.apres is not None:
        periode_apres = np.asarray(dates >= pd.Timestamp(p.apres[0]))
        depuis_fin = (dates - pd.Timestamp(p.apres[0])).days.to_numpy()
        retour = np.clip((depuis_fin + 1) / max(p.rampe_apres_jours, 1), 0, 1)
        part = np.where(periode_apres, p.effet_fuites + (p.effet_fuites_apres - p.effet_fuites) * retour, part)
    saison = p.amplitude_saison * np.cos(2 * np.pi * (dates.day_of_year.to_numpy() - 20) / 365.25)
    commun = ar1(rng, n, p.rho_commun, p.ecart_type_commun)
    lignes, sites, effet_total, cf_total = [], [], 0.0, 0.0
    effet_debit = np.zeros(n)  # effet attendu sur le débit nocturne, somme des secteurs équipés (m³/h)
    periode_exp = (dates >= debut) & (dates <= pd.Timestamp(p.experimentation[1]))
    for role, secteurs in (("experimental", p.secteurs_experimentaux), ("temoin", p.secteurs_temoins)):
        for k, (nom, abonnes, fuite) in enumerate(secteurs, start=1):
            ident = f"secteur-{'exp' if role == 'experimental' else 'tem'}-{k}"
            propre = ar1(rng, n, p.rho_secteur, p.ecart_type_secteur)
            casses = np.zeros(n)
            for _ in range(rng.poisson(p.casses_par_secteur_an * n / 365.25)):
                j0, duree = rng.integers(0, n), rng.integers(2, 10)
                casses[j0:j0 + duree] += rng.uniform(0.5, 3.0)
            fuite_cf = fuite * (1 + saison + commun + propre)
            effet = (part * fuite_cf) if role == "experimental" else np.zeros(n)
            legitime = abonnes * L_H_ABONNE / 1000.0
            dmn = legitime * (1 + rng.normal(0, 0.03, n)) + fuite_cf + effet + casses
            manque = rng.random(n) < p.part_nuits_manquantes
            if role == "experimental":
                esp = fuite * (1 + saison)
                effet_total += float((p.effet_fuites * rampe * esp)[periode_exp].sum()) * FACTEUR_JOUR_NUIT
                effet_debit += part * esp
                cf_total += float(esp[periode_exp].sum()) * FACTEUR_JOUR_NUIT
            lignes.append(pd.DataFrame({"date": dates[~manque], "site": ident, "indicateur": INDICATEUR,
                                        "valeur": dmn[~manque]}))
            sites.append({"site": ident, "nom": nom, "role": role, "abonnes": int(abonnes),
                          "fuite_base_m3h": float(fuite), "usage_legitime_m3h": round(legitime, 3),
                          "nuits_manquantes": int(manque.sum())})
    mesures = pd.concat(lignes, ignore_index=True)
    n_jours = int(periode_exp.sum())
    verite = {
        **entete_verite("eau", VERSION_GENERATEUR, graine,
                        "Données simulées : ce pilote n'existe pas, les secteurs sont fictifs."),
        "verdict_attendu": p.verdict_attendu,
        "regle_attendue": p.regle_attendue,
        "raison_attendue": p.raison_attendue,
        "effet_vrai": {
            "description": (f"{round(100 * p.effet_fuites)} % du débit de fuite des secteurs équipés, atteint en "
                            f"{p.rampe_jours} jours (rampe linéaire)" if p.effet_fuites else
                            "aucun effet : le débit de fuite des secteurs équipés n'a pas changé"),
            "part_des_fuites": p.effet_fuites,
            "effet_m3_jour": round(effet_total / n_jours, 2),
            "effet_m3_an": round(effet_total / n_jours * 365.25, 0),
            "contrefactuel_m3_jour": round(cf_total / n_jours, 2),
            "effet_relatif": round(effet_total / cf_total, 5),
            "perimetre": ("pertes des secteurs équipés (débit de fuite × facteur jour-nuit de "
                          f"{FACTEUR_JOUR_NUIT:g} h), moyenne par jour d'expérimentation, valeurs attendues hors bruit et casses"),
        },
        **_verite_apres(p, effet_debit, periode_exp, periode_apres),
        "bruit": {
            "rho_secteur": p.rho_secteur, "ecart_type_secteur": p.ecart_type_secteur,
            "rho_commun": p.rho_commun, "ecart_type_commun": p.ecart_type_commun,
            "amplitude_saison": p.amplitude_saison, "casses_par_secteur_an": p.casses_par_secteur_an,
        },
        "usage_nocturne_l_h_abonne": L_H_ABONNE,
        "facteur_jour_nuit_h": FACTEUR_JOUR_NUIT,
        "sites": sites,
    }
    return PiloteGenere(_fiche(p, sites, graine), mesures, verite)


def _verite_apres(p: ParametresEau, effet_debit: np.ndarray, pendant: np.ndarray, apres: np.ndarray) -> dict:
    """Les clés de verite.yaml propres à la période après (aucune sans période après)."""
    if p.apres is None:
        return {}
    return {
        "effet_vrai_apres": {
            "description": (f"la part des fuites supprimée passe de {round(-100 * p.effet_fuites)} % à "
                            f"{round(-100 * p.effet_fuites_apres)} % en {p.rampe_apres_jours} jours après "
                            "la fin de l'accompagnement (les capteurs restent)"),
            "part_des_fuites": p.effet_fuites_apres,
            "rampe_jours": p.rampe_apres_jours,
            "effet_m3_jour": round(float(effet_debit[apres].mean()) * FACTEUR_JOUR_NUIT, 2),
        },
        # Ce que compare la persistance (methodes.persistance) : l'effet moyen sur le débit nocturne, somme
        # des secteurs équipés (m³/h), pendant l'expérimentation et après, valeurs attendues hors bruit.
        "effet_vrai_debit_nocturne_m3h": {"pendant": round(float(effet_debit[pendant].mean()), 3),
                                          "apres": round(float(effet_debit[apres].mean()), 3)},
        "persistance_attendue": p.persistance_attendue,
    }


def _fiche(p: ParametresEau, sites: list[dict], graine: int) -> dict[str, Any]:
    ab_e = sum(s["abonnes"] for s in sites if s["role"] == "experimental")
    ab_t = sum(s["abonnes"] for s in sites if s["role"] == "temoin")
    return {
        "identifiant": p.identifiant,
        "titre": p.titre,
        "domaine": "eau",
        "type_pilote": "sectorisation-fuites",
        "technologie": p.technologie,
        "contexte": p.contexte,
        "caracteristiques": {
            "abonnes_secteurs_experimentaux": ab_e,
            "abonnes_secteurs_temoins": ab_t,
            **p.caracteristiques_reseau,
        },
        "porteur": {"nom": p.porteur, "type": p.type_porteur, "codes_insee": [p.code_insee]},
        "periodes": {**periodes(p.reference, p.experimentation),
                     **({"apres": {"debut": p.apres[0], "fin": p.apres[1], "motif": p.motif_apres}}
                        if p.apres is not None else {})},
        "sites": [
            {"identifiant": s["site"], "nom": s["nom"], "role": s["role"], "code_insee": p.code_insee,
             "description": f"Secteur fictif (données simulées), {s['abonnes']} abonnés."}
            for s in sites
        ],
        "indicateurs": [{
            "identifiant": INDICATEUR,
            "libelle": "Fuites des secteurs, mesurées par le débit minimum nocturne (2 h – 4 h)",
            "unite": "m³/h",
            "sens_souhaite": "baisse",
            "principal": True,
            "type_mesure": "continue",
            "description": "Plus petit débit horaire entre 2 h et 4 h (heure locale) au compteur de sectorisation, "
                           "exporté chaque jour par la supervision.",
        }],
        "fichiers": {"mesures": ["mesures.csv"]},
        "couts": p.couts,
        "financement": p.financement,
        "conditions_de_succes": list(p.conditions_de_succes),
        "notes": note_simulation("eau", VERSION_GENERATEUR, graine),
    }


def ecrire_pilote(pilote: PiloteGenere, dossier: str | Path) -> Path:
    """Écrit pilote.yaml, mesures.csv et verite.yaml dans ``dossier``."""
    return ecrire_pilote_simule(dossier, pilote.fiche, pilote.verite,
                                tableaux={"mesures.csv": (pilote.mesures, {"valeur": 3})})


_exemple = partial(exemple, generer_pilote_eau, ecrire_pilote)


AMIENS = ParametresEau(
    identifiant="eau-sectorisation-amiens",
    titre="Sectorisation et capteurs acoustiques de fuites sur trois secteurs du réseau d'Amiens Métropole",
    technologie=("Compteurs de sectorisation télérelevés et 90 prélocalisateurs acoustiques posés sur les vannes "
                 "de trois secteurs ; alertes quotidiennes de fuite envoyées aux équipes de recherche et de "
                 "réparation."),
    contexte=("Pilote simulé (données fictives) pour tester la chaîne d'évaluation. Les pertes du réseau restent "
              "élevées dans les quartiers anciens ; la régie équipe trois secteurs et en suit trois autres, non "
              "équipés, comme témoins, grâce au débit minimum nocturne de leurs compteurs de sectorisation."),
    secteurs_experimentaux=(("Secteur fictif Saint-Leu", 2600, 22.0), ("Secteur fictif Henriville", 3100, 18.0),
                            ("Secteur fictif Saint-Acheul", 2200, 15.0)),
    secteurs_temoins=(("Secteur fictif Montières", 2400, 17.0), ("Secteur fictif Étouvie", 3300, 20.0),
                      ("Secteur fictif Renancourt", 1900, 14.0)),
    effet_fuites=-0.35,
    couts={"investissement_eur": 95000.0, "fonctionnement_annuel_eur": 9000.0, "duree_vie_ans": 10,
           "sources": "Montants fictifs, d'un ordre de grandeur plausible (capteurs, pose, plateforme, recherche de fuites)."},
    financement={"feder_eur": 57000.0,
                 "cofinancements": [{"financeur": "Amiens Métropole (autofinancement)", "montant_eur": 38000.0}]},
    caracteristiques_reseau={
        "annee_bilan": 2023, "volume_produit_m3": 14200000, "volume_importe_m3": 0, "volume_exporte_m3": 350000,
        "volume_comptabilise_m3": 11050000, "volume_consomme_sans_comptage_m3": 60000,
        "volume_service_m3": 90000, "lineaire_reseau_km": 1080.0,
    },
    conditions_de_succes=("Une équipe de recherche de fuites disponible pour traiter les alertes sous 48 h.",
                          "Des compteurs de sectorisation fiables et télérelevés chaque nuit.",
                          "Des vannes de sectorisation étanches (secteurs bien isolés)."),
    verdict_attendu="generaliser",
    raison_attendue=("Effet net et matériel (−35 % des fuites des secteurs équipés), établi contre trois témoins "
                     "sur un an, et pertes évitées qui couvrent les coûts."),
)

DOUAI = ParametresEau(
    identifiant="eau-alertes-ia-douai",
    titre="Détection d'anomalies par IA sur les débits de sectorisation de Douaisis Agglo",
    porteur="Douaisis Agglo",
    code_insee="59178",
    technologie=("Logiciel d'apprentissage automatique qui analyse chaque nuit les débits des compteurs de "
                 "sectorisation et signale les débits anormaux ; alertes affichées dans la supervision."),
    contexte=("Pilote simulé (données fictives). Les alertes ne déclenchent pas de campagne de recherche de "
              "fuites dédiée : l'équipe les consulte quand elle le peut. Le logiciel est essayé sur un secteur ; "
              "les vingt autres secteurs du réseau, dont les compteurs de sectorisation sont relevés chaque nuit "
              "de toute façon, servent de témoins ; deux ans de référence et un an d'expérimentation."),
    reference=("2022-01-01", "2023-12-31"),
    experimentation=("2024-01-01", "2024-12-31"),
    secteurs_experimentaux=(("Secteur fictif Faubourg de Béthune", 2800, 16.0),),
    secteurs_temoins=(
        ("Secteur fictif Sin-le-Noble nord", 2500, 16.0),
        ("Secteur fictif Waziers", 1700, 9.0),
        ("Secteur fictif Cuincy", 2900, 17.0),
        ("Secteur fictif Lambres", 2800, 18.0),
        ("Secteur fictif Frais-Marais", 1600, 10.0),
        ("Secteur fictif Dorignies", 1800, 12.0),
        ("Secteur fictif Faubourg d'Esquerchin", 2600, 16.0),
        ("Secteur fictif Sin-le-Noble sud", 2600, 15.0),
        ("Secteur fictif Flers-en-Escrebieux", 1900, 12.0),
        ("Secteur fictif Auby", 3200, 20.0),
        ("Secteur fictif Roost-Warendin", 2400, 16.0),
        ("Secteur fictif Raimbeaucourt", 3000, 17.0),
        ("Secteur fictif Lallaing", 2200, 14.0),
        ("Secteur fictif Montigny-en-Ostrevent", 1900, 9.0),
        ("Secteur fictif Pecquencourt", 1800, 11.0),
        ("Secteur fictif Guesnain", 3300, 21.0),
        ("Secteur fictif Lewarde", 3200, 20.0),
        ("Secteur fictif Dechy", 3000, 16.0),
        ("Secteur fictif Férin", 2400, 16.0),
        ("Secteur fictif Courchelettes", 1900, 11.0),
    ),
    effet_fuites=0.0,
    ecart_type_secteur=0.06,
    casses_par_secteur_an=1.0,
    couts={"investissement_eur": 40000.0, "fonctionnement_annuel_eur": 12000.0, "duree_vie_ans": 5,
           "sources": "Montants fictifs (licence du logiciel, intégration à la supervision)."},
    financement={"feder_eur": 24000.0,
                 "cofinancements": [{"financeur": "Douaisis Agglo (autofinancement)", "montant_eur": 16000.0}]},
    caracteristiques_reseau={
        "annee_bilan": 2023, "volume_produit_m3": 9800000, "volume_importe_m3": 400000, "volume_exporte_m3": 0,
        "volume_comptabilise_m3": 7900000, "volume_consomme_sans_comptage_m3": 40000,
        "volume_service_m3": 70000, "lineaire_reseau_km": 870.0,
    },
    conditions_de_succes=("Une organisation qui transforme chaque alerte en intervention de recherche de fuite.",
                          "Des compteurs de sectorisation fiables et télérelevés chaque nuit."),
    verdict_attendu="ne_pas_generaliser",
    regle_attendue="sans_effet",
    raison_attendue=("Aucun effet (les alertes ne sont pas suivies d'interventions) alors que deux ans de référence, "
                     "un an d'expérimentation et vingt secteurs témoins (doubles différences synthétiques) "
                     "auraient permis de voir une baisse nette des fuites."),
)

SOISSONS = ParametresEau(
    identifiant="eau-recherche-fuites-grandsoissons",
    titre="Recherche de fuites accompagnée par un prestataire sur trois secteurs de GrandSoissons",
    porteur="GrandSoissons Agglomération",
    code_insee="02722",
    technologie=("Compteurs de sectorisation télérelevés et 60 prélocalisateurs acoustiques sur trois secteurs ; "
                 "pendant un an, un prestataire analyse chaque matin les débits de nuit et les alertes, envoie une "
                 "équipe de recherche de fuites et fait réparer sous 72 h."),
    contexte=("Pilote simulé (données fictives) pour tester la chaîne d'évaluation. L'agglomération équipe trois "
              "secteurs et en suit trois autres, non équipés, comme témoins. Le contrat du prestataire couvre "
              "l'année d'expérimentation ; ensuite les capteurs restent en place, mais les alertes ne sont plus "
              "traitées que par l'équipe de la régie, quand elle est disponible : la période « après » dit si la "
              "baisse des fuites tient sans l'accompagnement."),
    reference=("2022-04-01", "2024-03-31"),
    experimentation=("2024-04-01", "2025-03-31"),
    apres=("2025-04-01", "2026-03-31"),
    motif_apres="fin_accompagnement",
    secteurs_experimentaux=(("Secteur fictif Saint-Crépin", 2300, 16.0), ("Secteur fictif Presles", 1900, 13.0),
                            ("Secteur fictif Saint-Médard", 2100, 14.0)),
    secteurs_temoins=(("Secteur fictif Chevreux", 2000, 14.0), ("Secteur fictif Saint-Waast", 2400, 15.0),
                      ("Secteur fictif Villeneuve", 1700, 12.0)),
    effet_fuites=-0.30,
    rampe_jours=30,
    effet_fuites_apres=-0.15,
    rampe_apres_jours=45,
    couts={"investissement_eur": 70000.0, "fonctionnement_annuel_eur": 6000.0, "duree_vie_ans": 10,
           "sources": ("Montants fictifs, d'un ordre de grandeur plausible (capteurs, pose, plateforme) ; le contrat "
                       "d'accompagnement de l'année d'expérimentation est compris dans l'investissement.")},
    financement={"feder_eur": 42000.0,
                 "cofinancements": [{"financeur": "GrandSoissons Agglomération (autofinancement)",
                                     "montant_eur": 28000.0}]},
    caracteristiques_reseau={
        "annee_bilan": 2023, "volume_produit_m3": 4300000, "volume_importe_m3": 0, "volume_exporte_m3": 60000,
        "volume_comptabilise_m3": 3350000, "volume_consomme_sans_comptage_m3": 20000,
        "volume_service_m3": 30000, "lineaire_reseau_km": 420.0,
    },
    conditions_de_succes=("Une équipe qui traite chaque alerte de fuite sous quelques jours, pendant et après "
                          "l'accompagnement du prestataire (astreinte, budget de réparation).",
                          "Des compteurs de sectorisation fiables et télérelevés chaque nuit.",
                          "Des vannes de sectorisation étanches (secteurs bien isolés)."),
    verdict_attendu="ajuster",
    regle_attendue="non_durable",
    raison_attendue=("Effet net et matériel pendant l'accompagnement (−30 % des fuites des secteurs équipés, établi "
                     "contre trois témoins), mais il s'estompe quand le prestataire s'arrête (−15 % des fuites "
                     "six semaines après) : à ajuster (organiser le traitement des alertes par la régie) avant de "
                     "généraliser."),
    persistance_attendue="s_estompe",
)

#: Pilotes d'exemple du domaine eau (identifiant, fonction d'écriture) : voir outils/generer_exemples.py.
#: - Amiens : −35 % des fuites des secteurs équipés, trois témoins, un an -> « généraliser ».
#: - Douai : aucun effet, longue série bien mesurée, un secteur équipé face à vingt témoins (doubles
#:   différences synthétiques en estimation principale) -> « ne pas généraliser ».
#: - GrandSoissons : −30 % des fuites pendant l'accompagnement d'un prestataire, −15 % après (période
#:   « après ») -> l'effet s'estompe, « ajuster puis réévaluer ».
EXEMPLES = [
    ("eau-sectorisation-amiens", _exemple(80021, AMIENS)),
    ("eau-alertes-ia-douai", _exemple(59178, DOUAI)),
    ("eau-recherche-fuites-grandsoissons", _exemple(2722, SOISSONS)),
]
