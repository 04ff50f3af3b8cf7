"""Générateur des projets de pilote d'exemple (brouillons d'un appel à manifestation d'intérêt, données simulées).

Un projet est le dossier d'un pilote **avant** son début (``donnees/projets/<id>/``, docs/conception.md) :
``pilote.yaml`` brouillon (la période d'expérimentation y est la période *prévue*, rien n'y est mesuré),
``cadrage.yaml`` (appel, seuil de matérialité) et l'historique des sites candidats, au format des
mesures, sur la seule période de référence. Les historiques sont tirés des générateurs des domaines
(:mod:`eprouvette.generateurs.eau`, :mod:`eprouvette.generateurs.mobilite`) sans effet planté, puis
coupés au début prévu ; un témoin candidat reçoit une tendance propre (un secteur qui se dégrade,
un compteur sur une piste nouvelle) pour que la note de cadrage ait un témoin à écarter.

    .venv/bin/python -m eprouvette.generateurs.projets            # réécrit donnees/projets/
    .venv/bin/python -m eprouvette.generateurs.projets DOSSIER    # ailleurs (tests)

Jamais lancé par une construction ; pour une graine donnée, les octets écrits sont toujours les mêmes.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import eau, mobilite
from .commun import ecrire_csv_fr, ecrire_yaml

VERSION_GENERATEUR = "1.0.0"
APPEL = {"identifiant": "ami-tube-a-essai-2027", "libelle": "Appel à manifestation d'intérêt « Tube à essai » 2027"}
ENTETE = ("Projet de pilote simulé (données fictives) — généré par eprouvette.generateurs.projets.\n"
          "Brouillon : la période d'expérimentation est prévue, rien n'y est encore mesuré.")


def _couper(mesures: pd.DataFrame, fin_reference: str) -> pd.DataFrame:
    return mesures[mesures["date"] <= pd.Timestamp(fin_reference)].reset_index(drop=True)


def _derive(mesures: pd.DataFrame, site: str, par_an: float, debut: str) -> pd.DataFrame:
    """Ajoute au site une tendance relative de ``par_an`` par an (multiplicative) depuis ``debut``."""
    m = mesures.copy()
    ligne = m["site"] == site
    ans = (m.loc[ligne, "date"] - pd.Timestamp(debut)).dt.days.to_numpy() / 365.25
    m.loc[ligne, "valeur"] = m.loc[ligne, "valeur"].to_numpy() * (1 + par_an) ** ans
    return m


def _fiche_projet(fiche: dict, graine: int, module: str) -> dict:
    fiche = {k: v for k, v in fiche.items() if k != "donnees_simulees"}
    rang = list(fiche).index("type_pilote") + 1
    fiche = dict([*list(fiche.items())[:rang], ("donnees_simulees", True), *list(fiche.items())[rang:]])
    fiche["notes"] = (f"Projet simulé par eprouvette.generateurs.projets version {VERSION_GENERATEUR} (historique "
                      f"tiré de eprouvette.generateurs.{module}, graine {graine}, sans effet planté).")
    return fiche


# --- Projet eau : Lens-Liévin, deux secteurs à équiper, quatre témoins candidats --------------------------

EAU_LENS = replace(
    eau.AMIENS,
    identifiant="projet-eau-fuites-lens",
    titre="Projet : capteurs acoustiques de fuites sur deux secteurs du réseau de la Communauté d'agglomération de Lens-Liévin",
    porteur="Communauté d'agglomération de Lens-Liévin",
    code_insee="62498",
    technologie=("Prélocalisateurs acoustiques posés sur les vannes de deux secteurs et alertes quotidiennes "
                 "de fuite envoyées à l'équipe de recherche."),
    contexte=("Projet simulé (données fictives) déposé à l'appel « Tube à essai » 2027. La régie veut équiper "
              "deux secteurs et propose quatre secteurs voisins, non équipés, comme témoins ; elle dispose de "
              "seize mois de débits minimums nocturnes."),
    reference=("2025-09-01", "2026-12-31"),
    experimentation=("2027-03-01", "2027-08-31"),
    secteurs_experimentaux=(("Secteur fictif Lens centre", 2700, 19.0), ("Secteur fictif Liévin nord", 2300, 16.0)),
    secteurs_temoins=(("Secteur fictif Avion", 2500, 17.0), ("Secteur fictif Loos-en-Gohelle", 2100, 14.0),
                      ("Secteur fictif Sallaumines", 2600, 18.0), ("Secteur fictif Méricourt", 900, 4.0)),
    effet_fuites=0.0,
    couts={"investissement_eur": 70000.0, "fonctionnement_annuel_eur": 7000.0, "duree_vie_ans": 10,
           "sources": "Montants fictifs, d'un ordre de grandeur plausible (capteurs, pose, plateforme)."},
    financement={"feder_eur": 42000.0, "cofinancements": [
        {"financeur": "Communauté d'agglomération de Lens-Liévin (autofinancement)", "montant_eur": 28000.0}]},
)


def projet_eau(graine: int = 62498) -> tuple[dict, pd.DataFrame, None]:
    p = eau.generer_pilote_eau(graine, EAU_LENS)
    # Le quatrième témoin candidat (petit secteur) voit ses fuites croître de 30 % par an (réseau qui vieillit).
    mesures = _derive(_couper(p.mesures, EAU_LENS.reference[1]), "secteur-tem-4", 0.30, EAU_LENS.reference[0])
    return _fiche_projet(p.fiche, graine, "eau"), mesures, None


# --- Projet mobilité : Béthune, deux compteurs à équiper, un seul témoin candidat -----------------------------

VELO_BETHUNE = replace(
    mobilite.VELO_ARRAS,
    identifiant="projet-mobilite-velo-bethune",
    commune="Béthune", code_insee="62119",
    reference=("2025-06-02", "2026-12-31"),
    experimentation=("2027-04-05", "2027-07-04"),
    niveaux=(700.0, 450.0, 350.0), effet=0.0,
)
NOMS_COMPTEURS = ("Compteur fictif boulevard Poincaré", "Compteur fictif rue d'Arras",
                  "Compteur fictif nouvelle piste du canal")


def projet_mobilite(graine: int = 62119) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    p = mobilite.generer_pilote_mobilite(graine, VELO_BETHUNE)
    fiche = p.fiche
    fiche["titre"] = "Projet : application d'incitation au vélo et compteurs connectés à Béthune"
    fiche["contexte"] = ("Projet simulé (données fictives) déposé à l'appel « Tube à essai » 2027. La ville lancerait "
                         "l'application au printemps pour douze semaines, mesurée sur deux compteurs ; le seul autre "
                         "compteur de la ville, sur la piste du canal ouverte en 2025, pourrait servir de témoin.")
    fiche["porteur"]["nom"] = "Ville de Béthune"
    fiche["financement"]["cofinancements"][0]["financeur"] = "Ville de Béthune (autofinancement)"
    for i, s in enumerate(fiche["sites"]):
        s["nom"] = NOMS_COMPTEURS[i]
        s["role"] = "experimental" if i < 2 else "temoin"
    # La « nouvelle piste du canal » attire chaque année 40 % de cyclistes de plus : témoin à écarter.
    mesures = _derive(_couper(p.mesures, VELO_BETHUNE.reference[1]), "compteur-velo-3", 0.40, VELO_BETHUNE.reference[0])
    mesures["valeur"] = np.round(mesures["valeur"].to_numpy())
    meteo = p.meteo[p.meteo["date"] <= pd.Timestamp(VELO_BETHUNE.reference[1])].reset_index(drop=True)
    return _fiche_projet(fiche, graine, "mobilite"), mesures, meteo


#: Projets d'exemple : identifiant -> (fonction qui les génère, décimales de la colonne valeur).
PROJETS_EXEMPLES = {
    EAU_LENS.identifiant: (projet_eau, 3),
    VELO_BETHUNE.identifiant: (projet_mobilite, 0),
}


def ecrire_projet(identifiant: str, dossier: Path) -> Path:
    generer, decimales = PROJETS_EXEMPLES[identifiant]
    fiche, mesures, meteo = generer()
    dossier.mkdir(parents=True, exist_ok=True)
    ecrire_yaml(fiche, dossier / "pilote.yaml", entete=ENTETE)
    ecrire_yaml({"appel": APPEL, "seuil_materialite": 0.05}, dossier / "cadrage.yaml", entete=ENTETE)
    ecrire_csv_fr(mesures, dossier / "mesures.csv", {"valeur": decimales})
    if meteo is not None:
        ecrire_csv_fr(meteo, dossier / "meteo.csv", {"temperature_min": 1, "temperature_max": 1, "precipitations_mm": 1})
    return dossier


def main(destination: Path | None = None) -> None:
    from .. import config

    racine = destination or config.PROJETS
    for identifiant in PROJETS_EXEMPLES:
        print(f"{identifiant} : écrit dans {ecrire_projet(identifiant, racine / identifiant)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
