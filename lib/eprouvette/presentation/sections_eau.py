"""Blocs du rapport propres au domaine eau : indicateurs SISPEA avant / après et débit nocturne.

- :func:`tableau_sispea` : rendement (P104.3), indices linéaires des volumes non comptés (P105.3)
  et des pertes (P106.3), seuil du décret 2012-97 et son respect, pour l'année de référence
  (déclarée dans pilote.yaml) et après généralisation aux secteurs équipés (estimé) ;
- :func:`graphique_debit_nocturne` : débit minimum nocturne des secteurs expérimentés et témoins,
  moyennes hebdomadaires, début de l'expérimentation marqué ;
- :func:`effet_volumes` : l'effet en m³/j et m³/an avec son intervalle.
"""

from __future__ import annotations


import pandas as pd

from ..domaines import eau_pilote
from . import blocs, figures
from .. import francais
from ..francais import echapper


def effet_volumes(a) -> blocs.Bloc:
    """Une phrase : pertes évitées en m³/j et m³/an, intervalle à 95 %."""
    r = a.resultat
    d = r.details
    an, (an_bas, an_haut) = d.get("effet_m3_an"), d.get("ic_m3_an", (None, None))
    if an is None:
        return blocs.Bloc("")
    sens = "baisse" if r.effet < 0 else "hausse"
    # Pertes estimées par le débit nocturne, ou l'indicateur de volume déclaré par le pilote.
    quoi = "les pertes des secteurs équipés" if eau_pilote._est_debit(a.pilote) else f"« {r.indicateur} »"
    etabli = ("L'intervalle exclut zéro : l'effet est établi." if r.significatif
              else "L'intervalle contient zéro : l'effet n'est pas établi.")
    texte = (
        f"Effet moyen sur {quoi} : {sens} de {francais.nombre_arrondi(abs(r.effet), decimales=0)} m³ par jour "
        f"(intervalle à 95\u00a0% : {francais.intervalle(r.ic_bas, r.ic_haut, 'm³/j', decimales=None)}), soit "
        f"{francais.nombre_arrondi(abs(an))} m³ par an (de {francais.nombre_arrondi(an_bas)} à "
        f"{francais.nombre_arrondi(an_haut)} m³/an). "
        f"{etabli}"
    )
    if r.effet_relatif is not None:
        texte += f" Rapporté aux pertes attendues sans l'expérimentation : {francais.pourcentage_signe(r.effet_relatif)}."
    return blocs.Bloc(f"<p>{echapper(texte)}</p>")


def tableau_sispea(a) -> list:
    """Indicateurs SISPEA du réseau avant / après (estimé), seuil du décret 2012-97."""
    r = a.resultat
    pertes_evitees = None
    if r.significatif and r.effet < 0 and "effet_m3_an" in r.details:
        pertes_evitees = -r.details["effet_m3_an"]
    try:
        bilans = eau_pilote.bilans_reseau(a.pilote, pertes_evitees if pertes_evitees is not None else 0.0)
    except Exception as e:  # message d'ErreurDonnees, déjà en français
        return [blocs.avertissement(str(e), "Bilan du réseau illisible")]
    if bilans is None:
        return [blocs.Bloc("<p>Le bilan annuel du réseau (volumes produits, comptabilisés, linéaire) n'est pas "
                           "déclaré dans pilote.yaml : les indicateurs SISPEA ne sont pas calculés.</p>")]
    avant, apres = bilans
    ia, ip = avant.indicateurs(), apres.indicateurs()
    annee = (a.pilote.caracteristiques or {}).get("annee_bilan")
    col_av = f"Année de référence{f' ({annee})' if annee else ''}"
    col_ap = "Après (estimé)"
    lignes = [
        ("Volume mis en distribution (m³/an)", francais.nombre(ia["volume_mis_en_distribution"]), francais.nombre(ip["volume_mis_en_distribution"])),
        ("Pertes en réseau (m³/an)", francais.nombre(ia["pertes_m3_an"]), francais.nombre(ip["pertes_m3_an"])),
        ("Rendement du réseau, P104.3 (%)", francais.nombre(ia["rendement_p104_3"], 1), francais.nombre(ip["rendement_p104_3"], 1)),
        ("Indice linéaire des volumes non comptés, P105.3 (m³/km/j)", francais.nombre(ia["indice_volumes_non_comptes_p105_3"], 2), francais.nombre(ip["indice_volumes_non_comptes_p105_3"], 2)),
        ("Indice linéaire des pertes, P106.3 (m³/km/j)", francais.nombre(ia["indice_pertes_p106_3"], 2), francais.nombre(ip["indice_pertes_p106_3"], 2)),
        ("Indice linéaire de consommation, ILC (m³/km/j)", francais.nombre(ia["indice_lineaire_consommation"], 2), francais.nombre(ip["indice_lineaire_consommation"], 2)),
        ("Seuil du décret 2012-97 (%, à confirmer)", francais.nombre(ia["seuil_rendement_decret"], 1), francais.nombre(ip["seuil_rendement_decret"], 1)),
        ("Seuil respecté", "oui" if ia["seuil_respecte"] else "non", "oui" if ip["seuil_respecte"] else "non"),
    ]
    df = pd.DataFrame(lignes, columns=["Indicateur", col_av, col_ap])
    if pertes_evitees is None:
        note = ("Aucune réduction des pertes n'est établie : la colonne « après » reprend le bilan de l'année de "
                "référence.")
    else:
        note = (f"La colonne « après » est estimée : mêmes consommations, volume produit diminué des pertes évitées "
                f"mesurées sur les secteurs équipés ({francais.nombre_arrondi(pertes_evitees)} m³/an). Elle ne tient pas compte "
                "d'une généralisation à d'autres secteurs.")
    seuil = ("Le seuil réglementaire est respecté." if ia["seuil_respecte"]
             else "Le rendement est sous le seuil réglementaire : le service doit établir un plan d'actions (à confirmer).")
    return [
        blocs.tableau(df, "Indicateurs de performance du réseau (SISPEA), avant et après"),
        blocs.Bloc(f"<p>{echapper(note)} {echapper(seuil)} Formules : docs/eau.md ; le seuil (85\u00a0%, ou à défaut "
                   f"65 + 0,2 × ILC) est à confirmer sur le texte du décret.</p>"),
    ]


def graphique_debit_nocturne(a) -> list:
    """Débit minimum nocturne (somme des secteurs) des expérimentés et des témoins, moyennes hebdomadaires."""
    series = a.resultat.complements.get("series")
    if series is None or "brut_experimentaux" not in series:
        return []
    debit = eau_pilote._est_debit(a.pilote)
    unite = "m³/h" if debit else "m³/j"
    quoi = "Débit minimum nocturne" if debit else "Volume mis en distribution"
    long = [series[["date", "brut_experimentaux"]].rename(columns={"brut_experimentaux": "valeur"}).assign(groupe="Secteurs expérimentés")]
    if "brut_temoins" in series:
        long.append(series[["date", "brut_temoins"]].rename(columns={"brut_temoins": "valeur"}).assign(groupe="Secteurs témoins"))
    df = pd.concat(long, ignore_index=True)
    debut = a.pilote.periode_experimentation.debut
    fig = figures.figure_groupes(df, f"{quoi} des secteurs (moyenne par semaine)", unite,
                                 debut_experimentation=debut, frequence="W-MON", decimales=1)
    hebdo = (df.assign(date=pd.to_datetime(df["date"]))
             .groupby(["groupe", pd.Grouper(key="date", freq="W-MON")])["valeur"].mean().unstack(0).reset_index())
    hebdo["date"] = hebdo["date"].dt.strftime("%d/%m/%Y")
    r = a.resultat
    lecture = (
        f"{quoi} de l'ensemble des secteurs de chaque groupe, en moyenne par semaine ; le trait pointillé marque "
        f"le début de l'expérimentation. Un écart qui se creuse après ce trait entre expérimentés et témoins "
        f"signale une baisse des fuites ; ici l'effet estimé est de {francais.nombre(r.effet, 0)} m³ de pertes par jour."
    )
    return [blocs.graphique(fig, f"{quoi} : secteurs expérimentés et témoins", lecture, hebdo,
                            decimales=1, colonnes={"date": "Semaine du"})]


def graphique_pertes(a) -> list:
    """Pertes journalières estimées des secteurs équipés face à leur contrefactuel (moyennes hebdomadaires)."""
    cf = a.resultat.contrefactuel
    if cf is None or "observe" not in cf:
        return []
    h = (cf.assign(date=pd.to_datetime(cf["date"])).set_index("date")[[c for c in ("observe", "contrefactuel", "contrefactuel_bas", "contrefactuel_haut") if c in cf]]
         .resample("W-MON").mean().dropna(how="all").reset_index())
    fig = figures.figure_serie_contrefactuelle(h, "Pertes des secteurs équipés", "m³/j",
                                               debut_experimentation=a.pilote.periode_experimentation.debut,
                                               libelle_observe="Pertes estimées (mesure)")
    table = h.assign(date=h["date"].dt.strftime("%d/%m/%Y"))
    lecture = ("Pertes des secteurs équipés estimées par le débit nocturne (moyenne par semaine), face à ce que "
               "laissaient attendre les secteurs témoins mis à leur échelle ; l'écart après le début est l'effet.")
    return [blocs.graphique(fig, "Pertes des secteurs équipés et estimation sans l'expérimentation", lecture, table,
                            decimales=0, colonnes={"date": "Semaine du", "observe": "Mesuré (m³/j)",
                                                   "contrefactuel": "Sans l'expérimentation (m³/j)",
                                                   "contrefactuel_bas": "Borne basse", "contrefactuel_haut": "Borne haute"})]
