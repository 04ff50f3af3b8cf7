"""Déchets : collecte des points d'apport volontaire (PAV) pilotée par des sondes de remplissage.

Ce module dit ce que signifient les grandeurs du domaine ; l'estimation d'impact (doubles
différences) est faite par :mod:`eprouvette.domaines.dechets_pilote`.

Grandeurs
---------
- **Levée** : un vidage d'un conteneur par le camion de collecte. Mesure : nombre de levées par
  conteneur et par jour (indicateur de type « comptage »), regroupé ici par conteneur et par
  semaine (lundi à dimanche).
- **Taux de remplissage à la levée** (%) : remplissage du conteneur au moment où il est vidé, lu
  par la sonde. Une collecte à jours fixes vide souvent des conteneurs à moitié vides (taux bas)
  ou trop tard (100 % : débordement) ; une collecte à la demande vise un taux élevé sans débordement.
- **Kilomètres évités** = levées évitées × kilomètres par levée. Les kilomètres par levée viennent
  de ``caracteristiques.km_par_levee`` (pilote.yaml), ou du modèle de tournée
  ``longueur_tournee_km / levees_par_tournee`` : la tournée est partagée également entre les
  levées qu'elle dessert (moyenne, pas coût marginal : une levée évitée au milieu d'une tournée
  fait économiser moins que la moyenne, une tournée entière supprimée davantage).
- **Gazole évité** (L) = km évités × consommation (L/100 km) / 100 ; **tCO2e évitées** = gazole
  évité × facteur d'émission du gazole (kgCO2e/L, valorisation.yaml) / 1000.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..erreurs import ErreurDonnees
from .. import parametres
from ..francais import nombre
from ..parametres import Parametre
from . import Domaine

__all__ = [
    "FICHIER_PARAMETRES",
    "ParametresDechets",
    "charger_parametres_dechets",
    "CaracteristiquesDechets",
    "lire_caracteristiques",
    "km_par_levee_tournee",
    "tco2e_par_levee",
    "BilanTournees",
    "bilan_tournees",
    "semaine_de",
    "levees_par_semaine",
    "taux_remplissage_avant_apres",
]

FICHIER_PARAMETRES = "dechets.yaml"


# --------------------------------------------------------------------------------------------
# Paramètres (donnees/parametres/dechets.yaml)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParametresDechets:
    """Paramètres versionnés du domaine déchets (coût d'une levée, consommation du camion)."""

    version: str
    date: str
    chemin: str
    cout_levee: Parametre
    consommation_gazole: Parametre

    def a_confirmer(self) -> list[str]:
        """Noms des paramètres marqués « à confirmer »."""
        return [n for n, p in (("cout_levee", self.cout_levee),
                               ("consommation_gazole_camion", self.consommation_gazole)) if p.a_confirmer]


def charger_parametres_dechets(chemin: str | Path | None = None) -> ParametresDechets:
    """Lit ``donnees/parametres/dechets.yaml`` ; ErreurDonnees en français si une valeur manque."""
    p = parametres.chemin(chemin, FICHIER_PARAMETRES)
    brut = parametres.lire_fichier(p, "du domaine déchets")
    parametres.exiger(brut, ("version", "date", "cout_levee", "consommation_gazole_camion"), p)
    return ParametresDechets(
        version=str(brut["version"]),
        date=str(brut["date"]),
        chemin=str(p),
        cout_levee=parametres.parametre(brut["cout_levee"], p, "cout_levee"),
        consommation_gazole=parametres.parametre(brut["consommation_gazole_camion"], p, "consommation_gazole_camion"),
    )


# --------------------------------------------------------------------------------------------
# Caractéristiques du pilote (pilote.yaml, bloc « caracteristiques »)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaracteristiquesDechets:
    """Grandeurs du pilote déchets qui ne sont pas des mesures."""

    km_par_levee: float
    #: Comment les km par levée ont été obtenus (phrase en français pour le rapport).
    origine_km: str
    flux: str | None = None
    #: Tonnage annuel collecté séparément sur les conteneurs suivis (t/an), s'il est déclaré.
    tonnage_collecte_t_an: float | None = None
    capacite_m3: float | None = None


def km_par_levee_tournee(longueur_tournee_km: float, levees_par_tournee: float) -> float:
    """Kilomètres attribués à une levée : longueur de la tournée / nombre de levées de la tournée."""
    if not (longueur_tournee_km > 0 and levees_par_tournee > 0):
        raise ValueError("la longueur de tournée et le nombre de levées par tournée doivent être positifs")
    return float(longueur_tournee_km) / float(levees_par_tournee)


def _nombre_positif(pilote, cles: dict, nom: str, obligatoire: bool) -> float | None:
    if nom not in cles:
        if obligatoire:
            raise ErreurDonnees(pilote.fichier, "valeur absente.", champ=f"caracteristiques.{nom}",
                                ligne=_ligne(pilote, "caracteristiques"), attendu="un nombre strictement positif")
        return None
    v = cles[nom]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
        raise ErreurDonnees(pilote.fichier, f"valeur {v!r} invalide.", champ=f"caracteristiques.{nom}",
                            ligne=_ligne(pilote, f"caracteristiques.{nom}"),
                            attendu="un nombre strictement positif (point décimal), par exemple 2.5")
    return float(v)


def _ligne(pilote, chemin: str) -> int | None:
    f = getattr(pilote, "ligne", None)
    return f(chemin) if callable(f) else None


def lire_caracteristiques(pilote) -> CaracteristiquesDechets:
    """Vérifie le bloc ``caracteristiques`` d'un pilote déchets.

    Clés : ``km_par_levee`` (km), ou à défaut ``longueur_tournee_km`` et ``levees_par_tournee``
    (modèle de tournée) ; facultatives : ``flux`` (texte), ``tonnage_collecte_t_an`` (t/an),
    ``capacite_m3``. Lève ErreurDonnees (pilote.yaml, champ) sinon.
    """
    c = dict(getattr(pilote, "caracteristiques", None) or {})
    if "km_par_levee" in c:
        km = _nombre_positif(pilote, c, "km_par_levee", True)
        origine = f"{nombre(km, 2)} km par levée, déclarés par le porteur (pilote.yaml)."
    elif "longueur_tournee_km" in c or "levees_par_tournee" in c:
        longueur = _nombre_positif(pilote, c, "longueur_tournee_km", True)
        n = _nombre_positif(pilote, c, "levees_par_tournee", True)
        km = km_par_levee_tournee(longueur, n)
        origine = (f"Modèle de tournée : {nombre(longueur, 1)} km de tournée partagés entre {nombre(n, 0)} levées, "
                   f"soit {nombre(km, 2)} km par levée (moyenne, à confirmer par le suivi des tournées).")
    else:
        raise ErreurDonnees(
            pilote.fichier,
            ligne=_ligne(pilote, "caracteristiques"),
            message="les kilomètres parcourus par levée ne sont pas déclarés : impossible de chiffrer les km, le gazole "
            "et le CO2 évités.",
            champ="caracteristiques.km_par_levee",
            attendu="« km_par_levee » (km), ou « longueur_tournee_km » et « levees_par_tournee »",
        )
    flux = c.get("flux")
    return CaracteristiquesDechets(
        km_par_levee=km,
        origine_km=origine,
        flux=str(flux) if flux is not None else None,
        tonnage_collecte_t_an=_nombre_positif(pilote, c, "tonnage_collecte_t_an", False),
        capacite_m3=_nombre_positif(pilote, c, "capacite_m3", False),
    )


# --------------------------------------------------------------------------------------------
# Kilomètres, gazole, CO2
# --------------------------------------------------------------------------------------------


def tco2e_par_levee(km_par_levee: float, consommation_l_100km: float, facteur_kgco2e_l: float) -> float:
    """Tonnes de CO2e d'une levée : km × L/100 km / 100 × kgCO2e/L / 1000."""
    return km_par_levee * consommation_l_100km / 100.0 * facteur_kgco2e_l / 1000.0


@dataclass(frozen=True)
class BilanTournees:
    """Ce que des levées évitées font économiser en kilomètres, gazole et CO2e."""

    levees_evitees: float
    km_evites: float
    gazole_evite_l: float
    tco2e_evitees: float


def bilan_tournees(levees_evitees: float, km_par_levee: float, consommation_l_100km: float,
                   facteur_kgco2e_l: float) -> BilanTournees:
    """Km, litres de gazole et tCO2e évités par un nombre de levées évitées (positif = économie)."""
    km = levees_evitees * km_par_levee
    litres = km * consommation_l_100km / 100.0
    return BilanTournees(float(levees_evitees), float(km), float(litres), float(litres * facteur_kgco2e_l / 1000.0))


# --------------------------------------------------------------------------------------------
# Regroupement par conteneur et par semaine
# --------------------------------------------------------------------------------------------


def _jours(s: pd.Series) -> pd.Series:
    s = pd.to_datetime(s)
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    return s.dt.normalize()


def semaine_de(dates: pd.Series) -> pd.Series:
    """Lundi de la semaine (ISO, lundi à dimanche) de chaque date."""
    j = _jours(dates)
    return j - pd.to_timedelta(j.dt.day_of_week, unit="D")


def _bornes(periode) -> tuple[pd.Timestamp, pd.Timestamp]:
    if hasattr(periode, "debut"):
        return pd.Timestamp(periode.debut), pd.Timestamp(periode.fin)
    return pd.Timestamp(periode[0]), pd.Timestamp(periode[1])


def levees_par_semaine(
    mesures: pd.DataFrame,
    indicateur: str,
    sites_experimentaux: Sequence[str],
    sites_temoins: Sequence[str],
    periode_reference,
    periode_experimentation,
    periodes_equipement: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Panel conteneur × semaine des levées.

    Une semaine (lundi à dimanche) n'est gardée que si elle est entièrement dans la période de
    référence ou entièrement dans l'expérimentation, et si le conteneur a une mesure chacun de ses
    7 jours (sinon les levées de la semaine seraient sous-comptées). Colonnes : ``site``,
    ``semaine`` (lundi), ``levees``, ``jours_mesures``, ``complete``, ``traite`` (1 = conteneur
    expérimental), ``apres`` (1 = semaine de l'expérimentation), ``actif`` (= traite × apres).
    Les semaines incomplètes sont gardées avec ``complete = False`` (pour les compter) : filtrer
    sur ``complete`` avant d'estimer.

    ``periodes_equipement`` : pour un déploiement échelonné, la période d'équipement propre de chaque
    conteneur expérimental (``Pilote.periode_equipement``, objet à ``debut`` / ``fin`` ou couple de
    dates). Un conteneur n'est alors « actif » que les semaines entièrement dans sa période
    d'équipement ; avant, il est « pas encore équipé » (``actif = 0``) ; la semaine où il est équipé
    (ou déséquipé) en cours de semaine et les semaines d'après sa fin d'équipement sont retirées de
    ses lignes. Sans ce paramètre, chaque conteneur expérimental est équipé toute l'expérimentation.
    """
    r0, r1 = _bornes(periode_reference)
    e0, e1 = _bornes(periode_experimentation)
    exp, tem = set(sites_experimentaux), set(sites_temoins)
    m = mesures[(mesures["indicateur"] == indicateur) & mesures["site"].isin(exp | tem)].copy()
    m["jour"] = _jours(m["date"])
    m = m[m["valeur"].notna()]
    # Plusieurs lignes le même jour (deux relevés) : on les additionne.
    m = m.groupby(["site", "jour"], as_index=False, observed=True)["valeur"].sum()
    m["semaine"] = m["jour"] - pd.to_timedelta(m["jour"].dt.day_of_week, unit="D")
    g = m.groupby(["site", "semaine"], as_index=False, observed=True).agg(levees=("valeur", "sum"), jours_mesures=("jour", "nunique"))
    fin_sem = g["semaine"] + pd.Timedelta(days=6)
    dans_ref = (g["semaine"] >= r0) & (fin_sem <= r1)
    dans_exp = (g["semaine"] >= e0) & (fin_sem <= e1)
    g = g[dans_ref | dans_exp].copy()
    g["apres"] = ((g["semaine"] >= e0)).astype(int)
    g["traite"] = g["site"].isin(exp).astype(int)
    g["actif"] = g["traite"] * g["apres"]
    if periodes_equipement:
        bornes = {site: _bornes(p) for site, p in periodes_equipement.items() if p is not None}
        d0 = g["site"].map({s: b[0] for s, b in bornes.items()})
        d1 = g["site"].map({s: b[1] for s, b in bornes.items()})
        fin_sem = g["semaine"] + pd.Timedelta(days=6)
        propre = d0.notna()
        dedans = (g["semaine"] >= d0) & (fin_sem <= d1)
        # Semaine à cheval sur une date d'équipement propre, ou après sa fin : ni avant ni pendant.
        a_cheval = propre & ~dedans & (fin_sem >= d0)
        g = g[~a_cheval].copy()
        g["actif"] = (propre[~a_cheval] & dedans[~a_cheval]).astype(int)
    g["complete"] = g["jours_mesures"] == 7
    return g.sort_values(["site", "semaine"]).reset_index(drop=True)


def taux_remplissage_avant_apres(
    mesures: pd.DataFrame,
    indicateur: str,
    sites_experimentaux: Sequence[str],
    sites_temoins: Sequence[str],
    periode_reference,
    periode_experimentation,
    seuil_debordement: float = 100.0,
) -> pd.DataFrame:
    """Taux de remplissage à la levée, par groupe (expérimentaux / témoins) et période (avant / pendant).

    Une ligne par cellule : ``groupe``, ``periode``, ``levees`` (levées avec un taux relevé),
    ``taux_moyen`` (% , moyenne des levées), ``taux_median``, ``part_debordement`` (part des levées à
    ``seuil_debordement`` % ou plus : conteneur plein, dépôts probablement laissés au sol).
    """
    r0, r1 = _bornes(periode_reference)
    e0, e1 = _bornes(periode_experimentation)
    exp, tem = set(sites_experimentaux), set(sites_temoins)
    m = mesures[(mesures["indicateur"] == indicateur) & mesures["site"].isin(exp | tem)].copy()
    m = m[m["valeur"].notna()]
    j = _jours(m["date"])
    m["periode"] = np.where((j >= r0) & (j <= r1), "avant", np.where((j >= e0) & (j <= e1), "pendant", ""))
    m = m[m["periode"] != ""]
    m["groupe"] = np.where(m["site"].isin(exp), "Conteneurs expérimentaux", "Conteneurs témoins")
    lignes = []
    for groupe in ("Conteneurs expérimentaux", "Conteneurs témoins"):
        for periode in ("avant", "pendant"):
            v = m.loc[(m["groupe"] == groupe) & (m["periode"] == periode), "valeur"].to_numpy(float)
            lignes.append({
                "groupe": groupe,
                "periode": periode,
                "levees": int(len(v)),
                "taux_moyen": float(v.mean()) if len(v) else np.nan,
                "taux_median": float(np.median(v)) if len(v) else np.nan,
                "part_debordement": float((v >= seuil_debordement).mean()) if len(v) else np.nan,
            })
    return pd.DataFrame(lignes)


def _date(x) -> dt.date:
    return pd.Timestamp(x).date()


#: Extrait de pilote.yaml propre au domaine, recopié par « make nouveau-pilote » (modele_pilote).
_MODELE_FICHE = """indicateurs:
  # L'indicateur principal : le nombre de levées de chaque conteneur par jour (0 les jours sans levée).
  - identifiant: levees
    libelle: Levées de conteneurs
    unite: nombre
    sens_souhaite: baisse
    principal: true
    type_mesure: comptage
# Collecte, voir docs/dechets.md : à compléter.
caracteristiques:
  flux: emballages
  capacite_m3:
  longueur_tournee_km:
  levees_par_tournee:
  tonnage_collecte_t_an:
"""

#: Déclaration du domaine (registre : :mod:`eprouvette.domaines`).
DOMAINE = Domaine(
    identifiant="dechets", libelle="Déchets", ordre=4, adaptateur="dechets_pilote",
    codes_feder=("RCO14", "RCR103", "RCR29"), generateurs=("dechets",), parametres="dechets.yaml",
    modele_fiche=_MODELE_FICHE,
)
