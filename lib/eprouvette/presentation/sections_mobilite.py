"""Blocs du rapport propres au domaine mobilité : effets de calendrier en mots, série mesurée et estimée.

Les séries de mobilité sont journalières et dominées par le calendrier : le rapport montre les
effets de calendrier estimés (« un jour de vacances scolaires compte 23 % de cyclistes en moins »),
la comparaison naïve avant / après qu'il ne faut pas croire, et la série mesurée face à la série
estimée sans l'expérimentation, par semaine.
"""

from __future__ import annotations

import pandas as pd

from ..domaines.mobilite import effets_calendrier
from . import blocs, figures
from .. import francais as t
from ..francais import echapper


def _sujet(a) -> tuple[str, bool]:
    ind = a.pilote.indicateur_principal
    comptage = ind.type_mesure == "comptage"
    if comptage:
        lib = ind.libelle.lower()
        sujet = "cyclistes" if "cycl" in lib or "vélo" in lib else (
            "voyageurs" if "voyag" in lib else ind.unite)
        return sujet, True
    return f"le {ind.libelle[0].lower()}{ind.libelle[1:]}", False


def calendrier(a) -> list:
    """Tableau des effets de calendrier estimés, une phrase par effet, et la comparaison naïve."""
    r = a.resultat
    sujet, multiplicatif = _sujet(a)
    # Avec témoins, les coefficients du modèle sont des écarts aux témoins : le calendrier lui-même vient du
    # modèle des seuls sites expérimentaux (``coefficients_calendrier``).
    coefficients = r.details.get("coefficients_calendrier", r.details["coefficients"])
    eff = effets_calendrier(coefficients, multiplicatif=multiplicatif, sujet=sujet, unite=r.unite)
    sortie = []
    if len(eff):
        table = pd.DataFrame({
            "Effet estimé sur la période de référence": eff["phrase"],
            "Intervalle à 95\u00a0%": [
                t.intervalle_pourcentage(b, h, 0) if multiplicatif else t.intervalle(b, h, r.unite, 1)
                for b, h in zip(eff["ic_bas"], eff["ic_haut"])
            ],
        })
        sortie.append(blocs.tableau(
            table, "Effets du calendrier et de la météo estimés par le modèle (les jours de la semaine sont comparés au lundi)"))
    naive = r.details.get("naive")
    if naive is not None:
        d = 0 if abs(naive.moyenne_avant) >= 100 else 1
        sortie.append(blocs.Bloc(
            "<p>À titre de comparaison, une simple comparaison des moyennes journalières avant et pendant "
            f"l'expérimentation donnerait {echapper(t.nombre_arrondi(naive.moyenne_avant, decimales=d))} puis "
            f"{echapper(t.nombre_arrondi(naive.moyenne_apres, decimales=d))} {echapper(r.unite)}{' par jour' if r.details.get('comptage') else ''}, soit "
            f"{echapper(t.pourcentage_signe(naive.ecart_relatif))} : cette comparaison mélange l'effet de l'expérimentation "
            "avec celui des vacances, des jours fériés, de la météo et de la saison, que le modèle retire. "
            "Elle ne doit pas servir à conclure.</p>"))
    if not r.details.get("pluie_disponible", False):
        sortie.append(blocs.avertissement(
            "Le fichier météo ne donne pas la hauteur de pluie (colonne precipitations_mm) : l'effet de la météo "
            "n'est pas retiré.", "Météo incomplète"))
    return sortie


def serie(a) -> list:
    """La phrase de résultat et le graphique mesuré / estimé sans l'expérimentation, par semaine."""
    r, p = a.resultat, a.pilote
    sortie = [blocs.Bloc(f"<p>{echapper(r.resume)}</p>")]
    cf = r.contrefactuel
    if cf is None or not len(cf):
        return sortie
    comptage = bool(r.details.get("comptage"))
    d = cf.copy()
    d["date"] = pd.to_datetime(d["date"])
    colonnes = [c for c in ("observe", "contrefactuel", "contrefactuel_bas", "contrefactuel_haut") if c in d.columns]
    # Semaines du lundi ; moyenne journalière (comparable même si des jours manquent).
    hebdo = d.groupby(pd.Grouper(key="date", freq="W-MON", label="left", closed="left"))[colonnes].mean().dropna(
        subset=["observe"]).reset_index()
    unite_j = f"{r.unite} par jour" if comptage else r.unite
    fig = figures.figure_serie_contrefactuelle(
        hebdo, "Mesuré et estimé sans l'expérimentation", unite_j,
        debut_experimentation=p.periode_experimentation.debut, decimales=0 if comptage else 1,
    )
    table = hebdo.copy()
    table["date"] = table["date"].map(t.date_courte)
    table = table.rename(columns={
        "date": "Semaine du",
        "observe": f"Mesuré ({unite_j})",
        "contrefactuel": f"Estimé sans l'expérimentation ({unite_j})",
        "contrefactuel_bas": "Borne basse (95\u00a0%)",
        "contrefactuel_haut": "Borne haute (95\u00a0%)",
    })
    quoi = "le nombre moyen de passages par jour" if comptage else f"la moyenne journalière ({r.unite})"
    sortie.append(blocs.graphique(
        fig,
        "Série mesurée et série estimée sans l'expérimentation, moyenne de chaque semaine",
        f"Chaque point est {quoi} d'une semaine ; la courbe estimée tient compte des vacances, des jours fériés, "
        "du jour de la semaine et de la pluie : l'écart entre les deux courbes après le début est l'effet de "
        "l'expérimentation, la bande donne l'incertitude de l'estimation.",
        table,
    ))
    return sortie


def report_modal(a) -> list:
    """Hypothèses du report modal (km en voiture évités) quand l'économie est chiffrée ainsi."""
    ea = a.economie_annuelle
    if ea is None or ea.unite != "km en voiture":
        return []
    p = a.resultat.complements["parametres_report_modal"]  # les hypothèses employées par l'analyse
    lignes = []
    for nom, lib in (("longueur_trajet_velo_km", "Longueur moyenne d'un trajet à vélo"),
                     ("part_report_voiture", "Part des trajets supplémentaires qui auraient été faits en voiture"),
                     ("trajets_par_passage", "Trajets par passage compté"),
                     ("facteur_emission_voiture", "Émissions d'une voiture par km")):
        v = getattr(p, nom)
        lignes.append({"Hypothèse": lib, "Valeur": f"{t.nombre(v.valeur, 3 if v.valeur < 1 else 1)} {v.unite}",
                       "Source": f"{v.source} ({v.annee})" + (" — à confirmer" if v.a_confirmer else "")})
    return [
        blocs.Bloc(
            f"<p>Les passages supplémentaires se traduisent en {echapper(t.nombre_arrondi(ea.quantite))} km en voiture évités par an "
            f"(intervalle {echapper(t.intervalle(ea.ic_bas, ea.ic_haut, 'km', decimales=None))}), soit {echapper(t.nombre_arrondi(ea.tco2e_par_an, decimales=1))} t de CO₂ "
            "évitées par an, sous les hypothèses ci-dessous, toutes à confirmer. Ce report modal n'apporte pas "
            "d'économie en euros à la collectivité : seule la valeur carbone entre dans le bilan.</p>"),
        blocs.tableau(pd.DataFrame(lignes), "Hypothèses du report modal (donnees/parametres/mobilite.yaml)"),
    ]
