"""Réseaux d'eau potable : bilan des volumes, indicateurs SISPEA et débit minimum nocturne.

Les indicateurs de performance des services d'eau (SISPEA, services.eaufrance.fr, arrêté du
2 mai 2007 modifié) se calculent sur les volumes annuels du service :

- **P104.3, rendement du réseau** (%) =
  (comptabilisé + consommé sans comptage + de service + exporté) / (produit + importé) × 100 ;
- **P105.3, indice linéaire des volumes non comptés** (m³/km/j) =
  (mis en distribution − comptabilisé) / (365 × linéaire hors branchements) ;
- **P106.3, indice linéaire des pertes en réseau** (m³/km/j) =
  (mis en distribution − consommé autorisé) / (365 × linéaire hors branchements) ;

avec mis en distribution = produit + importé − exporté et consommé autorisé = comptabilisé +
consommé sans comptage + de service.

Le **seuil du décret 2012-97** (à confirmer sur le texte) : le rendement doit atteindre 85 %, ou à
défaut 65 + 0,2 × ILC, où ILC (indice linéaire de consommation, m³/km/j) =
(consommé autorisé + exporté) / (365 × linéaire).

Le **débit minimum nocturne** d'un secteur (compteur de sectorisation) se lit entre 2 h et 4 h
(heure locale), quand presque personne ne consomme : ce débit moins l'usage nocturne légitime
(abonnés, gros consommateurs de nuit) est le **débit de fuite nocturne**. Multiplié par le
facteur jour-nuit (heures équivalentes par jour, moins de 24 h car la pression est plus forte la
nuit), il donne les pertes journalières du secteur.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import config
from ..francais import accord
from . import Domaine

#: Fenêtre du débit minimum nocturne, heure locale : [2 h ; 4 h[.
HEURE_DEBUT_NUIT = 2
HEURE_FIN_NUIT = 4
JOURS_PAR_AN = 365


def _positif(nom: str, valeur: float, strict: bool = False) -> float:
    v = float(valeur)
    if not math.isfinite(v) or v < 0 or (strict and v == 0):
        raise ValueError(f"« {nom} » doit être un nombre {'strictement ' if strict else ''}positif (reçu : {valeur!r}).")
    return v


@dataclass
class BilanReseau:
    """Volumes annuels d'un service d'eau potable (m³/an) et linéaire du réseau (km).

    Les champs portent les noms des volumes du bilan SISPEA. ``lineaire_km`` : linéaire de réseau
    de desserte hors branchements.
    """

    produit: float
    comptabilise: float
    lineaire_km: float
    importe: float = 0.0
    exporte: float = 0.0
    consomme_sans_comptage: float = 0.0
    service: float = 0.0

    def __post_init__(self) -> None:
        for nom in ("produit", "comptabilise", "importe", "exporte", "consomme_sans_comptage", "service"):
            setattr(self, nom, _positif(f"volume {nom.replace('_', ' ')}", getattr(self, nom)))
        self.lineaire_km = _positif("linéaire du réseau (km)", self.lineaire_km, strict=True)
        if self.produit + self.importe <= 0:
            raise ValueError("Le volume produit plus importé doit être strictement positif.")
        if self.consomme_autorise + self.exporte > self.produit + self.importe + 1e-6:
            raise ValueError(
                "Bilan incohérent : les volumes consommés et exportés dépassent les volumes produits et "
                f"importés ({self.consomme_autorise + self.exporte:.0f} m³ > {self.produit + self.importe:.0f} m³)."
            )

    @property
    def mis_en_distribution(self) -> float:
        """Volume mis en distribution = produit + importé − exporté (m³/an)."""
        return volume_mis_en_distribution(self.produit, self.importe, self.exporte)

    @property
    def consomme_autorise(self) -> float:
        """Volume consommé autorisé = comptabilisé + consommé sans comptage + de service (m³/an)."""
        return self.comptabilise + self.consomme_sans_comptage + self.service

    @property
    def pertes(self) -> float:
        """Pertes en réseau = mis en distribution − consommé autorisé (m³/an)."""
        return self.mis_en_distribution - self.consomme_autorise

    def indicateurs(self) -> dict[str, float | bool]:
        """P104.3, P105.3, P106.3, ILC, seuil du décret 2012-97 et respect du seuil."""
        args = dict(
            comptabilise=self.comptabilise, consomme_sans_comptage=self.consomme_sans_comptage,
            service=self.service, exporte=self.exporte, produit=self.produit, importe=self.importe,
        )
        r = rendement_reseau(**args)
        ilc = indice_lineaire_consommation(self.consomme_autorise, self.exporte, self.lineaire_km)
        seuil = seuil_rendement_decret_2012_97(ilc)
        return {
            "rendement_p104_3": r,
            "indice_volumes_non_comptes_p105_3": indice_lineaire_volumes_non_comptes(
                self.mis_en_distribution, self.comptabilise, self.lineaire_km),
            "indice_pertes_p106_3": indice_lineaire_pertes(
                self.mis_en_distribution, self.consomme_autorise, self.lineaire_km),
            "indice_lineaire_consommation": ilc,
            "seuil_rendement_decret": seuil,
            "seuil_respecte": r >= seuil,
            "volume_mis_en_distribution": self.mis_en_distribution,
            "pertes_m3_an": self.pertes,
        }


def volume_mis_en_distribution(produit: float, importe: float = 0.0, exporte: float = 0.0) -> float:
    """Volume mis en distribution (m³) = produit + importé − exporté."""
    return float(produit) + float(importe) - float(exporte)


def rendement_reseau(
    *,
    comptabilise: float,
    produit: float,
    consomme_sans_comptage: float = 0.0,
    service: float = 0.0,
    exporte: float = 0.0,
    importe: float = 0.0,
) -> float:
    """Rendement du réseau de distribution, indicateur SISPEA P104.3, en %.

    P104.3 = (comptabilisé + consommé sans comptage + de service + exporté) / (produit + importé) × 100.
    """
    den = float(produit) + float(importe)
    if den <= 0:
        raise ValueError("Rendement : le volume produit plus importé doit être strictement positif.")
    return 100.0 * (float(comptabilise) + float(consomme_sans_comptage) + float(service) + float(exporte)) / den


def indice_lineaire_volumes_non_comptes(mis_en_distribution: float, comptabilise: float, lineaire_km: float) -> float:
    """Indice linéaire des volumes non comptés, SISPEA P105.3, en m³/km/j.

    P105.3 = (mis en distribution − comptabilisé) / (365 × linéaire hors branchements).
    """
    lin = _positif("linéaire du réseau (km)", lineaire_km, strict=True)
    return (float(mis_en_distribution) - float(comptabilise)) / (JOURS_PAR_AN * lin)


def indice_lineaire_pertes(mis_en_distribution: float, consomme_autorise: float, lineaire_km: float) -> float:
    """Indice linéaire des pertes en réseau, SISPEA P106.3, en m³/km/j.

    P106.3 = (mis en distribution − consommé autorisé) / (365 × linéaire hors branchements).
    """
    lin = _positif("linéaire du réseau (km)", lineaire_km, strict=True)
    return (float(mis_en_distribution) - float(consomme_autorise)) / (JOURS_PAR_AN * lin)


def indice_lineaire_consommation(consomme_autorise: float, exporte: float, lineaire_km: float) -> float:
    """Indice linéaire de consommation ILC (m³/km/j) = (consommé autorisé + exporté) / (365 × linéaire)."""
    lin = _positif("linéaire du réseau (km)", lineaire_km, strict=True)
    return (float(consomme_autorise) + float(exporte)) / (JOURS_PAR_AN * lin)


def seuil_rendement_decret_2012_97(ilc: float) -> float:
    """Rendement minimal (en %) au sens du décret 2012-97 — **à confirmer** sur le texte officiel.

    Le rendement est jugé suffisant s'il atteint 85 %, ou à défaut 65 + 0,2 × ILC : le seuil
    applicable est donc min(85 ; 65 + 0,2 × ILC). (Le décret prévoit aussi 70 + 0,2 × ILC pour
    certaines ressources en zone de répartition des eaux : non traité ici.)
    """
    return min(85.0, 65.0 + 0.2 * float(ilc))


# ---------------------------------------------------------------------------------------------
# Débit minimum nocturne
# ---------------------------------------------------------------------------------------------


def _heures_locales(dates: pd.Series) -> pd.Series:
    """Dates en heure locale (Europe/Paris), naïves : accepte des dates naïves (déjà locales) ou avec fuseau."""
    d = pd.to_datetime(dates)
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_convert(config.FUSEAU).dt.tz_localize(None)
    return d


def debit_minimum_nocturne(
    debits: pd.DataFrame,
    *,
    colonne_date: str = "date",
    colonne_valeur: str = "valeur",
    colonne_site: str | None = "site",
    heure_debut: int = HEURE_DEBUT_NUIT,
    heure_fin: int = HEURE_FIN_NUIT,
    valeurs_min: int = 1,
) -> pd.DataFrame:
    """Débit minimum nocturne (m³/h) de chaque nuit, par secteur, à partir de débits infra-journaliers.

    ``debits`` : une ligne par pas de temps (15 min, 1 h…) avec la date-heure (naïve en heure locale
    ou avec fuseau, convertie alors en Europe/Paris) et le débit moyen du pas en m³/h. On garde les
    pas dont l'heure locale de début est dans [``heure_debut`` ; ``heure_fin``[ (2 h à 4 h par défaut)
    et l'on prend le plus petit débit de la nuit. Une nuit avec moins de ``valeurs_min`` valeurs
    n'a pas de minimum (absente du résultat).

    Renvoie les colonnes ``date`` (le jour, à minuit), [``site``], ``debit_minimum_nocturne``,
    ``n_valeurs``.
    """
    manquantes = [c for c in (colonne_date, colonne_valeur, colonne_site) if c and c not in debits.columns]
    if manquantes:
        raise ValueError(f"{accord(len(manquantes), 'Colonne absente', 'Colonnes absentes')} des débits : {', '.join(manquantes)}.")
    if not 0 <= heure_debut < heure_fin <= 24:
        raise ValueError("La fenêtre de nuit doit vérifier 0 ≤ heure_debut < heure_fin ≤ 24.")
    d = debits.copy()
    d["_locale"] = _heures_locales(d[colonne_date])
    d = d[d["_locale"].dt.hour.between(heure_debut, heure_fin - 1) & d[colonne_valeur].notna()]
    d["_jour"] = d["_locale"].dt.normalize()
    cles = ["_jour"] + ([colonne_site] if colonne_site else [])
    g = d.groupby(cles, sort=True)[colonne_valeur]
    sortie = pd.DataFrame({"debit_minimum_nocturne": g.min(), "n_valeurs": g.size()}).reset_index()
    sortie = sortie[sortie["n_valeurs"] >= valeurs_min].rename(columns={"_jour": "date"})
    return sortie.reset_index(drop=True)


def est_infra_journalier(dates: pd.Series) -> bool:
    """Vrai si les dates portent une heure (au moins une n'est pas à minuit)."""
    d = _heures_locales(dates)
    return bool((d != d.dt.normalize()).any())


def debit_fuite_nocturne(debit_minimum: float | np.ndarray | pd.Series, usage_legitime_m3h: float):
    """Débit de fuite nocturne (m³/h) = débit minimum nocturne − usage nocturne légitime."""
    return debit_minimum - _positif("usage nocturne légitime (m³/h)", usage_legitime_m3h)


def usage_nocturne_legitime(abonnes: float, litres_par_abonne_h: float, gros_consommateurs_m3h: float = 0.0) -> float:
    """Usage nocturne légitime d'un secteur (m³/h) = abonnés × L/abonné/h / 1000 + gros consommateurs de nuit."""
    return (_positif("nombre d'abonnés", abonnes) * _positif("usage nocturne par abonné (L/h)", litres_par_abonne_h)
            / 1000.0 + _positif("gros consommateurs de nuit (m³/h)", gros_consommateurs_m3h))


def pertes_journalieres(debit_fuite_m3h, facteur_jour_nuit_h: float):
    """Pertes du jour (m³/j) = débit de fuite nocturne (m³/h) × facteur jour-nuit (h/j).

    Le facteur jour-nuit (souvent 18 à 24 h) tient compte de la pression, plus forte la nuit que le
    jour : les fuites débitent moins dans la journée.
    """
    f = _positif("facteur jour-nuit (h/j)", facteur_jour_nuit_h, strict=True)
    if f > 24:
        raise ValueError(f"Le facteur jour-nuit ne peut pas dépasser 24 h/j (reçu : {facteur_jour_nuit_h}).")
    return debit_fuite_m3h * f


def effet_annuel(effet_m3_jour: float, jours_par_an: float = 365.25) -> float:
    """Passe d'un effet en m³/j à un effet en m³/an."""
    return float(effet_m3_jour) * jours_par_an


#: Extrait de pilote.yaml propre au domaine, recopié par « make nouveau-pilote » (modele_pilote).
_MODELE_FICHE = """indicateurs:
  # L'indicateur principal : le débit minimum nocturne de chaque secteur, un relevé par jour.
  - identifiant: debit_minimum_nocturne
    libelle: Débit minimum nocturne des secteurs
    unite: m³/h
    sens_souhaite: baisse
    principal: true
    type_mesure: continue
# Bilan annuel du service (rapport annuel, SISPEA), voir docs/eau.md : à compléter.
caracteristiques:
  annee_bilan:
  volume_produit_m3:
  volume_comptabilise_m3:
  lineaire_reseau_km:
  abonnes_secteurs_experimentaux:
  abonnes_secteurs_temoins:
"""

#: Déclaration du domaine (registre : :mod:`eprouvette.domaines`).
DOMAINE = Domaine(
    identifiant="eau", libelle="Eau", ordre=2, adaptateur="eau_pilote", codes_feder=("RCO14", "RCR43"),
    generateurs=("eau",), parametres="eau.yaml",
    modele_fiche=_MODELE_FICHE,
)
