"""Mobilité : covariables de calendrier des comptages journaliers, report modal, lecture des effets.

Ce module dit ce que signifient les grandeurs du domaine mobilité ; l'estimation d'impact est
faite par :func:`eprouvette.methodes.serie_interrompue.serie_interrompue` (voir
:mod:`eprouvette.domaines.mobilite_pilote`).

Les séries de mobilité (cyclistes comptés par jour, voyageurs, occupation du stationnement, temps
de parcours) sont dominées par le calendrier : jour de la semaine, jours fériés, vacances
scolaires (zone B pour les Hauts-de-France) et météo (la pluie fait baisser le vélo). Une
comparaison naïve « moyenne avant / moyenne après » confond ces effets avec celui de
l'expérimentation : une expérimentation qui commence avec les grandes vacances « fait baisser »
le nombre de cyclistes même si elle n'a aucun effet. Les covariables de calendrier, estimées sur
la période de référence, retirent ces variations.

Toutes les dates de fériés et de vacances viennent des paquets ``holidays`` et
``vacances-scolaires-france`` (par :mod:`eprouvette.domaines.energie`) : aucune date n'est écrite
à la main.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..erreurs import ErreurDonnees
from .. import parametres
from ..francais import nombre
from ..parametres import Parametre
from . import Domaine
from .energie import jours_feries, vacances_zone_b

__all__ = [
    "JOURS",
    "PLAFOND_PLUIE_MM",
    "covariables_calendrier",
    "libelle_covariable",
    "effets_calendrier",
    "phrase_effet_calendrier",
    "comparaison_naive",
    "ParametresMobilite",
    "charger_parametres_mobilite",
    "report_modal",
]

#: Jours de la semaine (lundi = 0) ; le lundi est le jour de référence des indicatrices.
JOURS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]

#: La pluie entre dans le modèle en millimètres du jour, plafonnés : au-delà, un jour très
#: pluvieux n'enlève guère plus de cyclistes (et un seul orage ne doit pas peser sur la pente).
PLAFOND_PLUIE_MM = 20.0

FICHIER_PARAMETRES = "mobilite.yaml"


def covariables_calendrier(dates, precipitations_mm=None) -> pd.DataFrame:
    """Covariables de calendrier d'une série journalière, une ligne par date (dans l'ordre donné).

    Colonnes : ``date`` ; ``mardi`` … ``dimanche`` (indicatrices 0/1, le lundi est la
    référence) ; ``ferie`` (jour férié légal, paquet ``holidays``) ; ``vacances_scolaires``
    (vacances de la zone B, dates officielles, pont de l'Ascension compris) ; et, si
    ``precipitations_mm`` est donné (même longueur que ``dates``), ``pluie_mm`` : hauteur de pluie
    du jour plafonnée à :data:`PLAFOND_PLUIE_MM`. Un jour férié pendant les vacances compte dans
    les deux indicatrices (leurs effets s'ajoutent).
    """
    d = pd.DatetimeIndex(pd.to_datetime(dates))
    if d.tz is not None:
        d = d.tz_localize(None)
    d = d.normalize()
    sortie = pd.DataFrame({"date": d})
    jour = d.day_of_week.to_numpy()
    for i, nom in enumerate(JOURS[1:], start=1):
        sortie[nom] = (jour == i).astype(float)
    feries: set = set()
    if len(d):
        for an in range(d.min().year, d.max().year + 1):
            feries |= set(jours_feries(an))
    sortie["ferie"] = d.isin(pd.DatetimeIndex(sorted(feries))).astype(float) if feries else np.zeros(len(d))
    sortie["vacances_scolaires"] = vacances_zone_b(d).to_numpy().astype(float) if len(d) else []
    if precipitations_mm is not None:
        pluie = np.asarray(precipitations_mm, dtype=float)
        if len(pluie) != len(d):
            raise ValueError("precipitations_mm doit avoir la même longueur que dates.")
        if np.any(pluie < 0):
            raise ValueError("Une hauteur de pluie ne peut pas être négative.")
        sortie["pluie_mm"] = np.minimum(pluie, PLAFOND_PLUIE_MM)
    return sortie


_LIBELLES = {
    **{j: f"un {j}" for j in JOURS},
    "ferie": "un jour férié",
    "vacances_scolaires": "un jour de vacances scolaires",
    # Tourisme (eprouvette.domaines.tourisme) : les visiteurs viennent des trois zones scolaires.
    **{f"vacances_zone_{z}": f"un jour de vacances scolaires de la zone {z.upper()}" for z in "abc"},
    "pluie_mm": f"chaque millimètre de pluie (jusqu'à {PLAFOND_PLUIE_MM:.0f} mm)",
    "temoin": "le site témoin (même jour)",
}


def libelle_covariable(terme: str) -> str:
    """Libellé français d'une covariable (« un jour de vacances scolaires »)."""
    return _LIBELLES.get(terme, terme)


def phrase_effet_calendrier(terme: str, valeur: float, *, multiplicatif: bool, sujet: str, unite: str = "") -> str:
    """Une phrase pour un élu.

    ``multiplicatif`` (modèle de comptage, log) : ``valeur`` est la variation relative
    (exp(coefficient) − 1) ; « un jour de vacances scolaires compte 23 % de cyclistes en moins ».
    Sinon ``valeur`` est un écart absolu dans ``unite`` ; « un samedi, le temps de parcours est
    plus court de 2,1 minutes ».
    Les jours de la semaine sont comparés au lundi.
    """
    qui = libelle_covariable(terme)
    qui = qui[0].upper() + qui[1:]
    par_rapport = " qu'un lundi" if terme in JOURS[1:] else ""
    if multiplicatif:
        sens = "en plus" if valeur >= 0 else "en moins"
        return f"{qui} compte {nombre(abs(100 * valeur), 0)}\u00a0% de {sujet} {sens}{par_rapport}."
    d = 2 if abs(valeur) < 1 else (1 if abs(valeur) < 10 else 0)
    sens = "plus élevé" if valeur >= 0 else "plus bas"
    u = f" {unite}" if unite else ""
    return f"{qui}, {sujet} est {sens} de {nombre(abs(valeur), d)}{u}{par_rapport}."


def effets_calendrier(coefficients: pd.DataFrame, *, multiplicatif: bool, sujet: str, unite: str = "") -> pd.DataFrame:
    """Tableau des effets de calendrier estimés, en mots, à partir des coefficients du modèle.

    ``coefficients`` : le tableau ``details["coefficients"]`` d'un résultat de série interrompue
    (colonnes terme, coefficient, ic_bas, ic_haut, p_valeur). Seules les covariables de calendrier
    et de météo sont gardées. Colonnes rendues : ``terme``, ``libelle``, ``effet``, ``ic_bas``,
    ``ic_haut`` (variation relative si ``multiplicatif``, écart absolu sinon), ``p_valeur``,
    ``phrase``.
    """
    termes = [*JOURS[1:], "ferie", "vacances_scolaires", *(f"vacances_zone_{z}" for z in "abc"), "pluie_mm"]
    c = coefficients[coefficients["terme"].isin(termes)].copy()
    c["ordre"] = c["terme"].map({t: i for i, t in enumerate(termes)})
    c = c.sort_values("ordre")
    f = (lambda x: np.expm1(x)) if multiplicatif else (lambda x: x)
    sortie = pd.DataFrame({
        "terme": c["terme"].to_numpy(),
        "libelle": [libelle_covariable(t) for t in c["terme"]],
        "effet": f(c["coefficient"].to_numpy(dtype=float)),
        "ic_bas": f(c["ic_bas"].to_numpy(dtype=float)),
        "ic_haut": f(c["ic_haut"].to_numpy(dtype=float)),
        "p_valeur": c["p_valeur"].to_numpy(dtype=float),
    })
    sortie["phrase"] = [phrase_effet_calendrier(t, v, multiplicatif=multiplicatif, sujet=sujet, unite=unite)
                        for t, v in zip(sortie["terme"], sortie["effet"])]
    return sortie.reset_index(drop=True)


@dataclass(frozen=True)
class ComparaisonNaive:
    """Moyennes journalières avant / après, sans aucune correction (pour montrer le piège)."""

    moyenne_avant: float
    moyenne_apres: float
    ecart_relatif: float


def comparaison_naive(valeurs, dates, debut) -> ComparaisonNaive:
    """Comparaison naïve : moyenne des jours à partir de ``debut`` / moyenne des jours d'avant − 1.

    C'est ce que donne un tableur sans modèle ; le rapport la montre pour expliquer pourquoi il ne
    faut pas s'y fier (vacances, météo et jour de la semaine ne sont pas les mêmes avant et après).
    """
    v = np.asarray(valeurs, dtype=float)
    d = pd.DatetimeIndex(pd.to_datetime(dates))
    apres = np.asarray(d >= pd.Timestamp(debut))
    if not apres.any() or apres.all():
        raise ValueError("Il faut des jours avant et après le début pour comparer.")
    avant_m, apres_m = float(np.nanmean(v[~apres])), float(np.nanmean(v[apres]))
    return ComparaisonNaive(avant_m, apres_m, apres_m / avant_m - 1 if avant_m else float("nan"))


# --------------------------------------------------------------------------------------------
# Report modal : km en voiture évités et émissions
# --------------------------------------------------------------------------------------------


NOMS_PARAMETRES = ("longueur_trajet_velo_km", "part_report_voiture", "trajets_par_passage", "facteur_emission_voiture")


@dataclass(frozen=True)
class ParametresMobilite:
    """Hypothèses du report modal (fichier ``donnees/parametres/mobilite.yaml``)."""

    version: str
    chemin: str
    longueur_trajet_velo_km: Parametre
    part_report_voiture: Parametre
    trajets_par_passage: Parametre
    facteur_emission_voiture: Parametre

    def a_confirmer(self) -> list[str]:
        return [n for n in NOMS_PARAMETRES if getattr(self, n).a_confirmer]


def charger_parametres_mobilite(chemin: str | Path | None = None) -> ParametresMobilite:
    """Lit ``donnees/parametres/mobilite.yaml`` ; ErreurDonnees en français si une valeur manque."""
    chemin = parametres.chemin(chemin, FICHIER_PARAMETRES)
    brut = parametres.lire_fichier(chemin, "de la mobilité")
    valeurs = {nom: parametres.parametre(brut.get(nom), chemin, nom, positif=True) for nom in NOMS_PARAMETRES}
    if valeurs["part_report_voiture"].valeur > 1:
        raise ErreurDonnees(chemin, "la part de report depuis la voiture dépasse 1.", champ="part_report_voiture",
                            attendu="une fraction entre 0 et 1")
    return ParametresMobilite(version=str(brut.get("version", "")), chemin=str(chemin), **valeurs)


def report_modal(passages_supplementaires_par_an: float, parametres: ParametresMobilite) -> tuple[float, float]:
    """Kilomètres en voiture évités par an et tonnes de CO2e évitées par an.

    ``km = passages × trajets_par_passage × part_report_voiture × longueur_trajet_velo_km`` ;
    ``tCO2e = km × facteur_emission_voiture (kgCO2e/km) / 1000``. Un nombre de passages négatif
    (moins de cyclistes) donne des km « évités » négatifs.
    """
    p = parametres
    km = (passages_supplementaires_par_an * p.trajets_par_passage.valeur * p.part_report_voiture.valeur
          * p.longueur_trajet_velo_km.valeur)
    return km, km * p.facteur_emission_voiture.valeur / 1000.0


#: Extrait de pilote.yaml propre au domaine, recopié par « make nouveau-pilote » (modele_pilote).
_MODELE_FICHE = """indicateurs:
  # L'indicateur principal : un comptage journalier (passages, voyageurs) ou un temps de parcours.
  - identifiant: passages_velo
    libelle: Passages de cyclistes aux compteurs
    unite: passages
    sens_souhaite: hausse
    principal: true
    type_mesure: comptage
# Usage compté : velo, pieton, bus…, voir docs/mobilite.md.
caracteristiques:
  usage: velo
"""

#: Déclaration du domaine (registre : :mod:`eprouvette.domaines`).
DOMAINE = Domaine(
    identifiant="mobilite", libelle="Mobilité", ordre=3, adaptateur="mobilite_pilote",
    codes_feder=("RCO60", "RCR62", "RCR64"), generateurs=("mobilite",), parametres=FICHIER_PARAMETRES,
    modele_fiche=_MODELE_FICHE,
)
