"""Générateurs de pilotes tourisme simulés (visiteurs comptés par jour), dans de vraies communes des Hauts-de-France.

Les données sont **simulées** mais réalistes ; l'effet vrai est écrit dans ``verite.yaml`` avec le
verdict attendu et sa raison :

- **Saint-Valery-sur-Somme, compteurs connectés et application de guidage** : la pointe du site le
  plus visité de la baie sature l'été ; une application signale en temps réel son affluence et
  propose trois sites voisins (sentiers, belvédère). Compteurs de personnes sur les trois sites
  proposés et sur trois sites comparables de la côte que l'application ne propose pas (témoins).
  L'application augmente vraiment la fréquentation des sites proposés (+12 %), mesurée sur un an
  avec deux ans de référence : effet établi -> « généraliser ».
- **Fourmies, signalétique connectée d'une voie verte** : deux compteurs sur la voie verte, des
  panneaux qui affichent boucles et fréquentation ; six semaines de printemps, sans compteur
  témoin, une fréquentation très sensible à la météo : l'effet vrai (+4 %) est bien plus petit que
  l'effet minimal détectable -> « étendre l'expérimentation ».
- **Le Quesnoy, panneaux connectés aux départs de sentiers** : huit départs candidats, quatre tirés
  au sort par paires de fréquentation semblable (:mod:`eprouvette.methodes.tirage`, plan
  d'analyse préenregistré joint) ; +15 %, deux ans de référence, un an d'expérimentation, niveau de
  preuve 5 -> « généraliser ».

Effets multiplicatifs du jour de la semaine, des fériés, des vacances de chaque zone (A, B, C : les
vacances d'hiver et de printemps sont décalées d'une zone à l'autre), de la pluie, saison et
tendance ; bruit log-normal AR(1) commun à tous les sites (la météo ressentie, les événements) et
propre à chaque site, puis tirage de Poisson. Calendrier : :func:`eprouvette.domaines.tourisme.
covariables_tourisme` (paquets officiels) ; météo : celle des pilotes mobilité simulés.
Pour une graine donnée, les fichiers écrits sont identiques à l'octet près.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..domaines.tourisme import covariables_tourisme
from .commun import ar1, ecrire_pilote_simule, entete_verite, exemple, financement_autofinance, note_simulation, periodes
from .mobilite import PiloteMobiliteGenere, jours_et_meteo

__all__ = ["VERSION_GENERATEUR", "ParametresTourisme", "PiloteTourismeGenere", "generer_pilote_tourisme",
           "ecrire_pilote", "EXEMPLES"]

VERSION_GENERATEUR = "1.0.0"
INDICATEUR = "visiteurs"


@dataclass
class ParametresTourisme:
    """Paramètres d'un pilote simulé (tous recopiés dans verite.yaml)."""

    identifiant: str
    type_pilote: str
    commune: str
    code_insee: str
    titre: str
    technologie: str
    contexte: str
    reference: tuple[str, str]
    experimentation: tuple[str, str]
    #: (identifiant, nom, rôle, visiteurs par jour un lundi hors vacances) de chaque site.
    sites: tuple[tuple[str, str, str, float], ...]
    #: Effet vrai, relatif, sur les sites expérimentaux (+0,12 = +12 % de visiteurs).
    effet: float
    verdict_attendu: str
    regle_attendue: str
    raison_attendue: str
    couts: dict
    conditions_de_succes: tuple[str, ...]
    #: Effets relatifs du calendrier (lundi = référence).
    effets_jours: tuple[float, ...] = (0.0, 0.05, 0.0, 0.10, 0.70, 0.85)  # mardi … dimanche
    effet_ferie: float = 0.60
    effets_vacances: tuple[float, float, float] = (0.10, 0.18, 0.30)  # zones A, B, C
    effet_pluie_par_mm: float = -0.04
    amplitude_saison: float = 0.45  # maximum mi-juillet
    tendance_par_an: float = 0.02
    rho_commun: float = 0.5
    ecart_type_commun: float = 0.15
    rho_site: float = 0.3
    ecart_type_site: float = 0.05
    part_jours_manquants: float = 0.01
    caracteristiques: dict = field(default_factory=dict)
    #: Tirage au sort des sites équipés (#18, docs/plan.md) : None, ou un dictionnaire ``graine``,
    #: ``plan_tirage``, ``appariement`` (facultatif), ``nombre_equipes``, ``date`` (AAAA-MM-JJ), ``auteur``. Les rôles de ``sites`` sont
    #: alors ceux que donne le tirage, fait sur la période de référence simulée (chaque site a son propre
    #: générateur aléatoire, pour que sa référence ne dépende pas des rôles des autres).
    tirage: dict | None = None


#: Un pilote simulé en mémoire : la même forme que les pilotes mobilité (fiche, mesures, météo, vérité,
#: contrefactuel vrai des sites expérimentaux jour par jour, comptages sans décimale).
PiloteTourismeGenere = PiloteMobiliteGenere


def _log_calendrier(p: ParametresTourisme, dates: pd.DatetimeIndex, pluie: np.ndarray) -> np.ndarray:
    """Effets du calendrier, de la pluie, de la saison et de la tendance sur l'échelle log."""
    cal = covariables_tourisme(dates, pluie)
    jours = cal[["mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]].to_numpy()
    vacances = cal[["vacances_zone_a", "vacances_zone_b", "vacances_zone_c"]].to_numpy()
    annees = (dates - dates[0]).days.to_numpy() / 365.25
    saison = np.cos(2 * np.pi * (dates.day_of_year.to_numpy() - 196) / 365.25)
    return (jours @ np.log1p(p.effets_jours) + np.log1p(p.effet_ferie) * cal["ferie"].to_numpy()
            + vacances @ np.log1p(p.effets_vacances) + np.log1p(p.effet_pluie_par_mm) * cal["pluie_mm"].to_numpy()
            + p.amplitude_saison * saison + np.log1p(p.tendance_par_an) * annees)


@dataclass
class PiloteTourismeTire(PiloteMobiliteGenere):
    """Un pilote simulé dont les sites équipés ont été tirés au sort : il porte son plan d'analyse."""

    plan: dict | None = None


def generer_pilote_tourisme(graine: int, p: ParametresTourisme) -> PiloteTourismeGenere:
    """Génère un pilote tourisme simulé (en mémoire) pour une graine donnée ; avec ``p.tirage``, les sites
    équipés sont tirés au sort sur la référence simulée et le plan d'analyse est joint (``plan``)."""
    if p.tirage is not None:
        return _generer_tire(graine, p)
    return _generer(graine, p)


def _generer_tire(graine: int, p: ParametresTourisme) -> PiloteTourismeTire:
    """Le tirage d'abord (sur la référence, identique quels que soient les rôles), puis l'expérimentation."""
    import datetime as dt
    from dataclasses import replace

    from ..methodes.tirage import tirer, variables_historique

    t = p.tirage
    # Première passe sans effet : seule sa référence sert, et elle est la même que celle de la seconde.
    candidats = replace(p, effet=0.0, sites=tuple((i, nom, "experimental", niveau) for i, nom, _, niveau in p.sites))
    avant = _generer(graine, candidats)
    ref = tuple(dt.date.fromisoformat(x) for x in p.reference)
    variables = variables_historique(avant.mesures, [s[0] for s in p.sites], INDICATEUR, *ref)
    tirage = tirer(variables, int(t["nombre_equipes"]), int(t["graine"]), t["plan_tirage"],
                   appariement=t.get("appariement"))
    tire = replace(p, sites=tuple((i, nom, "experimental" if i in tirage.equipes else "temoin", niveau)
                                  for i, nom, _, niveau in p.sites))
    g = _generer(graine, tire)
    fiche = dict(g.fiche)
    rang = list(fiche).index("contexte") + 1
    fiche = dict([*list(fiche.items())[:rang], ("affectation", "tirage_au_sort"), *list(fiche.items())[rang:]])
    date = dt.date.fromisoformat(t["date"])
    plan = {
        "pilote": p.identifiant, "enregistre_le": date, "auteur": t["auteur"], "indicateur_principal": INDICATEUR,
        "periodes": {"reference": {"debut": ref[0], "fin": ref[1]},
                     "experimentation": {"debut": dt.date.fromisoformat(p.experimentation[0]),
                                         "fin": dt.date.fromisoformat(p.experimentation[1])}},
        "sites_experimentaux": list(tirage.equipes), "temoins": list(tirage.temoins),
        "methode": "automatique",
        "seuils": {"effet_relatif_materiel": 0.05, "effet_minimal_detectable_relatif_max": 0.05},
        "affectation": tirage.affectation(date),
    }
    verite = dict(g.verite, tirage={"graine": int(t["graine"]), "plan_tirage": t["plan_tirage"],
                                    "sites_tires": list(tirage.equipes)})
    return PiloteTourismeTire(fiche, g.mesures, g.meteo, verite, g.contrefactuel_vrai_journalier, g.decimales, plan)


def _generer(graine: int, p: ParametresTourisme) -> PiloteTourismeGenere:
    rng, dates, en_exp, meteo = jours_et_meteo(graine, p.reference, p.experimentation)
    n = len(dates)
    log_cal = _log_calendrier(p, dates, meteo["precipitations_mm"].to_numpy())
    commun = ar1(rng, n, p.rho_commun, p.ecart_type_commun)
    lignes, sites, cf_vrai, effet_vrai = [], [], np.zeros(n), np.zeros(n)
    for k, (ident, nom, role, niveau) in enumerate(p.sites):
        # Avec un tirage, chaque site a son générateur, et ses jours manquants sont tirés avant les comptages :
        # sa référence ne dépend ni des rôles ni des comptages des autres sites.
        r = rng if p.tirage is None else np.random.default_rng([graine, k])
        propre = ar1(r, n, p.rho_site, p.ecart_type_site)
        if p.tirage is not None:
            manque = r.random(n) < p.part_jours_manquants
        attendu = niveau * np.exp(log_cal)
        effet = np.where(en_exp, p.effet, 0.0) if role == "experimental" else np.zeros(n)
        mu = attendu * np.exp(commun + propre - (p.ecart_type_commun**2 + p.ecart_type_site**2) / 2) * (1 + effet)
        valeur = r.poisson(mu).astype(float)
        if p.tirage is None:
            manque = rng.random(n) < p.part_jours_manquants
        if role == "experimental":
            cf_vrai += attendu
            effet_vrai += attendu * effet
        lignes.append(pd.DataFrame({"date": dates[~manque], "site": ident, "indicateur": INDICATEUR,
                                    "valeur": valeur[~manque]}))
        sites.append({"identifiant": ident, "nom": nom, "role": role, "code_insee": p.code_insee,
                      "description": "Compteur de personnes connecté (données simulées), entrées du jour."})
    mesures = pd.concat(lignes, ignore_index=True).sort_values(["date", "site"], kind="mergesort").reset_index(drop=True)
    effet_total, cf_total = float(effet_vrai[en_exp].sum()), float(cf_vrai[en_exp].sum())
    verite = {
        **entete_verite("tourisme", VERSION_GENERATEUR, graine,
                        "Données simulées : ce pilote n'existe pas, les sites et les compteurs sont fictifs."),
        "verdict_attendu": p.verdict_attendu,
        "regle_attendue": p.regle_attendue,
        "raison_attendue": p.raison_attendue,
        "effet_vrai": {
            "description": f"{100 * p.effet:+.0f} % de visiteurs sur les sites équipés chaque jour de l'expérimentation",
            "valeur": p.effet,
            "type": "relatif",
            "effet_cumule": round(effet_total, 1),
            "contrefactuel_cumule": round(cf_total, 1),
            "effet_relatif": round(effet_total / cf_total, 5),
            "perimetre": "somme des sites expérimentaux, tous les jours de l'expérimentation, valeurs attendues "
                         "(hors bruit)",
        },
        "calendrier": {
            "effets_jours_mardi_a_dimanche": list(p.effets_jours), "ferie": p.effet_ferie,
            "vacances_zones_a_b_c": list(p.effets_vacances), "pluie_par_mm_plafonnee_20": p.effet_pluie_par_mm,
            "amplitude_saison_log": p.amplitude_saison, "tendance_par_an": p.tendance_par_an,
            "echelle": "relative (multiplicative)",
        },
        "bruit": {"type": "log-normal AR(1) commun à tous les sites et propre à chaque site, puis Poisson",
                  "rho_commun": p.rho_commun, "ecart_type_commun": p.ecart_type_commun,
                  "rho_site": p.rho_site, "ecart_type_site": p.ecart_type_site},
    }
    return PiloteTourismeGenere(_fiche(p, sites, graine), mesures, meteo, verite,
                                pd.Series(cf_vrai, index=dates, name="contrefactuel_vrai"))


def _fiche(p: ParametresTourisme, sites: list[dict], graine: int) -> dict[str, Any]:
    inv = p.couts["investissement_eur"]
    feder = round(0.6 * inv, 0)
    # « Ville du Quesnoy », « Ville des Moëres » : l'article de la commune se contracte avec « de ».
    commune = p.commune
    porteur = ("Ville du " + commune[3:] if commune.startswith("Le ") else
               "Ville des " + commune[4:] if commune.startswith("Les ") else f"Ville de {commune}")
    return {
        "identifiant": p.identifiant, "titre": p.titre, "domaine": "tourisme", "type_pilote": p.type_pilote,
        "technologie": p.technologie, "contexte": p.contexte,
        "caracteristiques": dict(p.caracteristiques),
        "porteur": {"nom": porteur, "type": "commune", "codes_insee": [p.code_insee]},
        "periodes": periodes(p.reference, p.experimentation),
        "sites": sites,
        "indicateurs": [{"identifiant": INDICATEUR, "libelle": "Passages de visiteurs comptés sur les sites équipés",
                         "unite": "passages", "sens_souhaite": "hausse", "principal": True, "type_mesure": "comptage",
                         "description": "Entrées journalières comptées par les compteurs de personnes, tous sens "
                                        "confondus ; somme des sites équipés."}],
        "fichiers": {"mesures": ["mesures.csv"], "meteo": "meteo.csv"},
        "couts": dict(p.couts),
        "financement": financement_autofinance(feder, inv, porteur),
        "conditions_de_succes": list(p.conditions_de_succes),
        "notes": note_simulation("tourisme", VERSION_GENERATEUR, graine),
    }


def ecrire_pilote(pilote: PiloteTourismeGenere, dossier: str | Path) -> Path:
    """Écrit pilote.yaml, mesures.csv, meteo.csv et verite.yaml dans ``dossier``."""
    return ecrire_pilote_simule(dossier, pilote.fiche, pilote.verite, tableaux={
        "mesures.csv": (pilote.mesures, {"valeur": 0}),
        "meteo.csv": (pilote.meteo, {"temperature_min": 1, "temperature_max": 1, "precipitations_mm": 1})},
        plan=getattr(pilote, "plan", None))


_exemple = partial(exemple, generer_pilote_tourisme, ecrire_pilote)

GUIDAGE_BAIE_DE_SOMME = ParametresTourisme(
    identifiant="tourisme-guidage-baie-de-somme", type_pilote="guidage-visiteurs",
    commune="Saint-Valery-sur-Somme", code_insee="80721",
    titre="Compteurs de visiteurs connectés et application de guidage autour de la baie, à Saint-Valery-sur-Somme",
    technologie=("Compteurs de personnes connectés (capteurs thermiques, données toutes les heures) sur les sites de "
                 "la baie et une application mobile de guidage qui affiche l'affluence en temps réel et propose, "
                 "quand la pointe la plus visitée sature, trois sites voisins moins fréquentés."),
    contexte=("Pilote simulé (données fictives). L'été, la pointe la plus visitée de la baie dépasse sa capacité "
              "d'accueil (stationnement, sentiers, faune dérangée) ; la ville veut répartir les visites sur des sites "
              "voisins. Trois sites proposés par l'application sont équipés de compteurs, trois sites comparables de "
              "la côte, que l'application ne propose pas, servent de témoins."),
    reference=("2023-04-03", "2025-03-30"), experimentation=("2025-03-31", "2026-03-29"),
    sites=(("sentier-des-mollieres", "Sentier fictif des Mollières", "experimental", 420.0),
           ("belvedere-du-cap", "Belvédère fictif du Cap", "experimental", 260.0),
           ("chemin-des-digues", "Chemin fictif des Digues", "experimental", 310.0),
           ("dunes-du-nord", "Dunes fictives du Nord (témoin)", "temoin", 380.0),
           ("marais-de-l-est", "Marais fictif de l'Est (témoin)", "temoin", 240.0),
           ("falaise-du-sud", "Falaise fictive du Sud (témoin)", "temoin", 290.0)),
    effet=0.12, verdict_attendu="generaliser", regle_attendue="etabli",
    raison_attendue=("Effet vrai de +12 % sur les sites proposés, un an d'expérimentation, deux ans de référence et "
                     "trois sites témoins : l'effet est établi et matériel ; sans valeur monétaire, l'efficience "
                     "n'est pas évaluée et ne bloque pas."),
    couts={"investissement_eur": 64_000.0, "fonctionnement_annuel_eur": 9_000.0, "duree_vie_ans": 6,
           "sources": "Montants fictifs, d'un ordre de grandeur plausible (six compteurs et une application)."},
    conditions_de_succes=("Des compteurs sur le site saturé et sur chaque site proposé.",
                          "Des sites de repli capables d'accueillir davantage de visiteurs (stationnement, sentiers).",
                          "Une application relayée par l'office de tourisme et les hébergeurs."),
    caracteristiques={"site_sature": "Pointe fictive du Hourdel", "capacite_jour": 2500},
)

SIGNALETIQUE_FOURMIES = ParametresTourisme(
    identifiant="tourisme-signaletique-voie-verte-fourmies", type_pilote="signaletique-voie-verte",
    commune="Fourmies", code_insee="59249",
    titre="Signalétique connectée de la voie verte à Fourmies",
    technologie=("Panneaux connectés à l'entrée de la voie verte : boucles de promenade, temps de parcours, "
                 "fréquentation du jour et points d'intérêt, mis à jour à distance ; deux compteurs de passages."),
    contexte=("Pilote simulé (données fictives). La ville veut faire connaître sa voie verte aux promeneurs et aux "
              "cyclistes de passage ; les panneaux sont posés au printemps, pour six semaines d'expérimentation, "
              "sans compteur témoin."),
    reference=("2024-03-04", "2025-04-27"), experimentation=("2025-04-28", "2025-06-08"),
    sites=(("voie-verte-gare", "Compteur fictif de la gare", "experimental", 180.0),
           ("voie-verte-etang", "Compteur fictif des étangs", "experimental", 120.0)),
    effet=0.04, verdict_attendu="etendre", regle_attendue="trop_court",
    raison_attendue=("Effet vrai de +4 %, mais six semaines sans témoin et une fréquentation très sensible à la "
                     "météo : l'effet minimal détectable dépasse 5 %, trop court pour conclure."),
    couts={"investissement_eur": 28_000.0, "fonctionnement_annuel_eur": 2_400.0, "duree_vie_ans": 8,
           "sources": "Montants fictifs, d'un ordre de grandeur plausible (quatre panneaux et deux compteurs)."},
    conditions_de_succes=("Des panneaux aux entrées réellement empruntées de la voie verte.",
                          "Des contenus tenus à jour (travaux, événements, fréquentation)."),
    ecart_type_commun=0.25, ecart_type_site=0.08,
)

RANDONNEE_LE_QUESNOY = ParametresTourisme(
    identifiant="tourisme-panneaux-randonnee-le-quesnoy", type_pilote="panneaux-randonnee",
    commune="Le Quesnoy", code_insee="59481",
    titre="Panneaux connectés aux départs de sentiers de randonnée tirés au sort, au Quesnoy",
    technologie=("Panneaux connectés aux départs de sentiers : boucles et temps de parcours, fréquentation du jour, "
                 "points d'intérêt et horaires des navettes, mis à jour à distance ; un compteur de passages à chaque "
                 "départ."),
    contexte=("Pilote simulé (données fictives). La ville et l'office de tourisme veulent faire découvrir les "
              "sentiers autour des remparts et de la forêt de Mormal. Huit départs de sentiers comparables ont déjà "
              "un compteur ; n'ayant de quoi en équiper que quatre la première année, le comité a tiré au sort, par "
              "paires de départs semblables (fréquentation et tendance des deux années d'avant), ceux qui reçoivent "
              "les panneaux. Le plan d'analyse a été enregistré avant le début, avec la graine du tirage."),
    reference=("2023-03-06", "2025-03-02"), experimentation=("2025-03-03", "2026-03-01"),
    sites=(("depart-remparts", "Départ fictif des Remparts", "candidat", 210.0),
           ("depart-etang-du-pont-rouge", "Départ fictif de l'Étang du Pont-Rouge", "candidat", 150.0),
           ("depart-foret-de-mormal", "Départ fictif de la Forêt de Mormal", "candidat", 260.0),
           ("depart-vergers", "Départ fictif des Vergers", "candidat", 120.0),
           ("depart-chapelle", "Départ fictif de la Chapelle", "candidat", 95.0),
           ("depart-moulin", "Départ fictif du Moulin", "candidat", 180.0),
           ("depart-bocage", "Départ fictif du Bocage", "candidat", 140.0),
           ("depart-gare", "Départ fictif de la Gare", "candidat", 230.0)),
    effet=0.15, verdict_attendu="generaliser", regle_attendue="etabli",
    raison_attendue=("Effet vrai de +15 % sur les départs équipés, tirés au sort par paires, quatre témoins, deux ans "
                     "de référence et un an d'expérimentation : effet établi et matériel, niveau de preuve 5."),
    couts={"investissement_eur": 52_000.0, "fonctionnement_annuel_eur": 4_800.0, "duree_vie_ans": 8,
           "sources": "Montants fictifs, d'un ordre de grandeur plausible (quatre panneaux connectés et leur pose)."},
    conditions_de_succes=("Des panneaux tenus à jour (travaux, fermetures, événements).",
                          "Des sentiers balisés et entretenus au-delà du départ."),
    tirage={"graine": 20250115, "plan_tirage": "paires", "appariement": ["niveau"], "nombre_equipes": 4,
            "date": "2025-01-15",
            "auteur": "le comité de pilotage de l'office de tourisme du Pays de Mormal"},
)

#: Pilotes d'exemple du domaine tourisme (identifiant, fonction d'écriture) : voir outils/generer_exemples.py.
EXEMPLES = [
    (GUIDAGE_BAIE_DE_SOMME.identifiant, _exemple(80721, GUIDAGE_BAIE_DE_SOMME)),
    (SIGNALETIQUE_FOURMIES.identifiant, _exemple(59249, SIGNALETIQUE_FOURMIES)),
    (RANDONNEE_LE_QUESNOY.identifiant, _exemple(59481, RANDONNEE_LE_QUESNOY)),
]
