"""Analyse d'un pilote du domaine énergie (bâtiments publics) : ce que ``analyse.py`` appelle.

Méthode : référence ajustée au climat (IPMVP option C) corrigée par les sites témoins
(:func:`eprouvette.methodes.reference_energetique.evaluer_energie`), avec le calendrier
d'occupation déclaré dans ``pilote.yaml`` ; économie valorisée au prix de l'énergie et au facteur
d'émission ADEME du vecteur énergétique de l'indicateur.
"""

from __future__ import annotations

import pandas as pd

from ..feder import IndicateurFeder
from ..methodes.base import ResultatImpact
from .energie import calendrier_ecoles, jours_feries


def calendrier_occupation(pilote) -> pd.DataFrame | None:
    """Occupation jour par jour (colonnes date, inoccupe, motif) selon ``occupation`` de pilote.yaml."""
    debut, fin = pilote.periode_reference.debut, pilote.periode_experimentation.fin
    if pilote.occupation == "ecole_zone_b":
        return calendrier_ecoles(debut, fin)
    if pilote.occupation == "bureaux":
        jours = pd.date_range(debut, fin, freq="D")
        feries = set()
        for an in range(debut.year, fin.year + 1):
            feries |= set(jours_feries(an))
        weekend = jours.day_of_week >= 5
        ferie = [j.date() in feries for j in jours]
        motif = ["week-end" if w else ("férié" if f else "") for w, f in zip(weekend, ferie)]
        return pd.DataFrame({"date": jours, "inoccupe": weekend | pd.Series(ferie).to_numpy(), "motif": motif})
    return None


def evaluer_pilote(pilote, mesures: pd.DataFrame, meteo: pd.DataFrame | None) -> ResultatImpact:
    from ..erreurs import ErreurDonnees
    from ..methodes.reference_energetique import evaluer_energie

    if meteo is None:
        raise ErreurDonnees(
            pilote.dossier / "pilote.yaml",
            "un pilote énergie a besoin d'un fichier de températures pour ajuster la consommation au climat.",
            champ="fichiers.meteo",
            attendu="un fichier météo (date, temperature_min, temperature_max) déclaré dans fichiers.meteo",
        )
    ind = pilote.indicateur_principal
    return evaluer_energie(
        mesures[mesures["indicateur"] == ind.identifiant],
        meteo,
        sites_experimentaux=[s.identifiant for s in pilote.sites_experimentaux],
        sites_temoins=[s.identifiant for s in pilote.sites_temoins],
        indicateur=ind.identifiant,
        periode_reference=(pilote.periode_reference.debut, pilote.periode_reference.fin),
        periode_experimentation=(pilote.periode_experimentation.debut, pilote.periode_experimentation.fin),
        calendrier=calendrier_occupation(pilote),
        unite=ind.unite,
    )


def economie_annuelle(pilote, resultat: ResultatImpact, valorisation):
    from ..economie import EconomieAnnuelle

    ind = pilote.indicateur_principal
    vecteur = ind.vecteur_energetique
    if ind.unite != "kWh" or vecteur not in valorisation.prix_energie:
        return None
    prix = valorisation.prix_energie[vecteur]
    # Les compteurs de gaz et les factures sont en kWh PCS : le facteur d'émission (en PCI) est converti.
    base = "PCS" if vecteur == "gaz_naturel" else "PCI"
    tco2e = valorisation.facteur_emission_t(vecteur, base=base) if vecteur in valorisation.facteurs_emission else 0.0
    return EconomieAnnuelle.depuis_impact(
        resultat,
        facteur_annuel=365.25 / pilote.periode_experimentation.jours,
        prix_unitaire=prix.valeur,
        tco2e_par_unite=tco2e,
        signe=-1.0 if ind.sens_souhaite == "baisse" else 1.0,
        plage_prix=prix.plage(),
    )


def indicateurs_feder(analyse) -> list[IndicateurFeder]:
    p = analyse.pilote
    surface = sum(s.surface_m2 or 0 for s in p.sites_experimentaux)
    sortie = [
        IndicateurFeder("RCO19", surface or None,
                        "Surface des bâtiments équipés déclarée dans pilote.yaml."
                        if surface else "Surface des bâtiments non déclarée dans pilote.yaml."),
    ]
    ea = analyse.economie_annuelle
    if ea is not None:
        sortie.append(IndicateurFeder(
            "RCR26", ea.quantite / 1000.0,
            "Énergie finale économisée par an, mesurée (et non primaire : à convertir selon le vecteur).",
        ))
        sortie.append(IndicateurFeder("RCR29", ea.tco2e_par_an, "Émissions évitées par an (facteurs ADEME)."))
    return sortie
