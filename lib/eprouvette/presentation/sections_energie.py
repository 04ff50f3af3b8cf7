"""Sections du rapport propres au domaine énergie : le décret tertiaire.

Le « décret tertiaire » (décret n° 2019-771 du 23 juillet 2019, dispositif éco-énergie tertiaire,
articles L. 174-1 et R. 174-22 et suivants du code de la construction et de l'habitation) impose aux
bâtiments à usage tertiaire dont la surface d'activité atteint 1 000 m² de réduire leur consommation
d'énergie finale de 40 % en 2030, 50 % en 2040 et 60 % en 2050, par rapport à une année de
référence choisie à partir de 2010 (ou d'atteindre un seuil en valeur absolue, non traité ici).

Chaque fonction prend une :class:`~eprouvette.analyse.Analyse` d'un pilote énergie et renvoie une
liste de blocs ; la fonction :func:`part_effort_decret` fait le calcul, testable à la main.
"""

from __future__ import annotations


import pandas as pd
import plotly.graph_objects as go

from . import blocs, figures
from .. import francais as t
from ..francais import echapper

__all__ = ["SEUIL_SURFACE_M2", "OBJECTIFS_DECRET", "batiments_assujettis", "part_effort_decret",
           "decret_tertiaire"]

#: Surface d'activité à partir de laquelle un bâtiment tertiaire est assujetti (m²).
SEUIL_SURFACE_M2 = 1000.0
#: Réductions de consommation d'énergie finale exigées, par échéance, par rapport à l'année de référence.
OBJECTIFS_DECRET = {2030: 0.40, 2040: 0.50, 2050: 0.60}


def batiments_assujettis(pilote) -> pd.DataFrame:
    """Sites expérimentaux avec leur surface et s'ils atteignent 1 000 m² (colonnes site, nom, surface_m2, assujetti)."""
    lignes = [{"site": s.identifiant, "nom": s.nom, "surface_m2": s.surface_m2,
               "assujetti": s.surface_m2 is not None and s.surface_m2 >= SEUIL_SURFACE_M2}
              for s in pilote.sites_experimentaux]
    return pd.DataFrame(lignes, columns=["site", "nom", "surface_m2", "assujetti"])


def part_effort_decret(effet_relatif: float, ic_bas: float | None, ic_haut: float | None) -> pd.DataFrame:
    """L'économie mesurée rapportée à l'effort demandé à chaque échéance du décret tertiaire.

    ``effet_relatif`` et son intervalle (``ic_bas``, ``ic_haut``) sont signés « mesuré moins
    contrefactuel » : −0,12 veut dire 12 % d'économie. Pour chaque échéance, la part de l'effort est
    ``économie / objectif`` (0,12 / 0,40 = 30 % de l'effort de 2030) ; son intervalle vient de celui
    de l'effet (la borne la plus économe donne la part la plus haute).

    Renvoie un tableau : echeance, objectif (réduction exigée), economie (réduction mesurée),
    economie_bas, economie_haut, part_effort, part_bas, part_haut.
    """
    economie = -float(effet_relatif)
    if ic_bas is None or ic_haut is None:
        bas = haut = economie
    else:
        bas, haut = sorted([-float(ic_bas), -float(ic_haut)])
    lignes = [{"echeance": an, "objectif": obj, "economie": economie, "economie_bas": bas,
               "economie_haut": haut, "part_effort": economie / obj, "part_bas": bas / obj,
               "part_haut": haut / obj} for an, obj in OBJECTIFS_DECRET.items()]
    return pd.DataFrame(lignes)


def _figure(parts: pd.DataFrame) -> tuple[go.Figure, pd.DataFrame]:
    r = parts.iloc[0]
    etiquettes = [f"Objectif {an}" for an in parts["echeance"]] + ["Économie mesurée (pilote)"]
    valeurs = [100 * v for v in parts["objectif"]] + [100 * r["economie"]]
    fig = figures.figure_maison(go.Bar(
        x=valeurs, y=etiquettes, orientation="h",
        marker=dict(color=[figures.COULEUR_TEMOIN] * len(parts) + [figures.PALETTE[0]]),
        error_x=dict(type="data", symmetric=False,
                     array=[0] * len(parts) + [100 * (r["economie_haut"] - r["economie"])],
                     arrayminus=[0] * len(parts) + [100 * (r["economie"] - r["economie_bas"])],
                     color="#1f1f1f", thickness=1.5, width=6),
        text=[t.pourcentage(v / 100, 0) for v in valeurs], textposition="inside",
        hovertemplate="%{y} : %{text}<extra></extra>",
    ))
    fig.update_layout(title=dict(text="Décret tertiaire"),
                      xaxis=dict(title=dict(text="Réduction de la consommation (%)"), rangemode="tozero"),
                      yaxis=dict(autorange="reversed"), showlegend=False, height=320)
    donnees = pd.DataFrame({
        "Repère": etiquettes,
        "Réduction (%)": valeurs,
        "Borne basse (%)": [None] * len(parts) + [100 * r["economie_bas"]],
        "Borne haute (%)": [None] * len(parts) + [100 * r["economie_haut"]],
    })
    return fig, donnees


def decret_tertiaire(analyse) -> list:
    """Section « Le décret tertiaire » : l'économie mesurée placée sur la trajectoire −40 / −50 / −60 %."""
    p, r = analyse.pilote, analyse.resultat
    bat = batiments_assujettis(p)
    assujettis = bat[bat["assujetti"]]
    if assujettis.empty:
        connues = bat["surface_m2"].dropna()
        detail = (f"la plus grande surface déclarée est de {t.nombre_arrondi(connues.max(), decimales=0)} m²" if len(connues)
                  else "aucune surface n'est déclarée dans pilote.yaml")
        return [blocs.Bloc(
            "<p>Le décret tertiaire (décret n° 2019-771) ne s'applique qu'aux bâtiments tertiaires d'au moins "
            f"{t.nombre(SEUIL_SURFACE_M2, 0)} m² de surface d'activité. Aucun bâtiment équipé n'atteint ce seuil "
            f"({echapper(detail)}) : le décret ne s'applique pas à ce pilote.</p>")]

    n, n_tot = len(assujettis), len(bat)
    phrase_bat = (f"à {n} des {n_tot} bâtiments équipés" if n < n_tot else
                  ("au bâtiment équipé" if n == 1 else f"aux {n} bâtiments équipés"))
    intro = (
        "<p>Le décret tertiaire (décret n° 2019-771) oblige les bâtiments tertiaires d'au moins "
        f"{t.nombre(SEUIL_SURFACE_M2, 0)} m² à réduire leur consommation d'énergie finale de 40\u00a0% en 2030, "
        f"50\u00a0% en 2040 et 60\u00a0% en 2050 par rapport à une année de référence (au choix, 2010 ou après). "
        f"Il s'applique {echapper(phrase_bat)} ({t.nombre_arrondi(assujettis['surface_m2'].sum(), decimales=0)} m² au total).</p>")
    if r.effet_relatif is None:
        return [blocs.Bloc(intro + "<p>L'effet du pilote n'a pas pu être exprimé en pourcentage : il ne peut pas "
                                   "être placé sur la trajectoire du décret.</p>")]
    parts = part_effort_decret(r.effet_relatif, r.ic_relatif_bas, r.ic_relatif_haut)
    p30 = parts.iloc[0]
    sortie = [blocs.Bloc(intro)]
    if p30["economie"] <= 0:
        sortie.append(blocs.Bloc(
            "<p>Le pilote n'a pas mesuré d'économie (effet relatif "
            f"{echapper(t.pourcentage_signe(r.effet_relatif))}) : il ne rapproche pas ces bâtiments de l'objectif de 2030.</p>"))
        return sortie
    if p30["part_bas"] < 0:
        borne = "entre rien"
    else:
        borne = f"entre {t.pourcentage(p30['part_bas'], 0)}"
    texte = (
        f"<p>L'économie mesurée, {echapper(t.pourcentage(p30['economie'], 1))} de la consommation "
        f"(intervalle à 95\u00a0% : {echapper(t.intervalle_pourcentage(p30['economie_bas'], p30['economie_haut']))}), "
        f"représente {echapper(borne)} et {echapper(t.pourcentage(p30['part_haut'], 0))} de l'effort demandé pour 2030 "
        f"(estimation centrale : {echapper(t.pourcentage(p30['part_effort'], 0))}), et {echapper(t.pourcentage(parts.iloc[2]['part_effort'], 0))} "
        "de l'effort demandé pour 2050. Le reste devra venir d'autres actions (isolation, changement de "
        "chaudière, sobriété…).</p>"
        "<p>Deux précautions : la période de référence du pilote n'est pas forcément l'année de référence "
        "déclarée sur la plateforme OPERAT de l'ADEME, et l'économie est mesurée sur la période "
        "d'expérimentation, pas sur une année entière (une économie de chauffage mesurée en hiver pèse "
        "moins sur le total annuel, qui compte aussi l'été).</p>")
    if n < n_tot:
        texte += ("<p>L'économie est mesurée sur l'ensemble des bâtiments équipés, y compris ceux de moins de "
                  f"{t.nombre(SEUIL_SURFACE_M2, 0)} m².</p>")
    sortie.append(blocs.Bloc(texte))
    fig, donnees = _figure(parts)
    sortie.append(blocs.graphique(
        fig, "L'économie mesurée face aux objectifs du décret tertiaire",
        f"L'économie mesurée ({t.pourcentage(p30['economie'], 0)}) couvre environ "
        f"{t.pourcentage(p30['part_effort'], 0)} de la réduction de 40\u00a0% exigée en 2030 ; le trait noir est son "
        "intervalle à 95\u00a0%.",
        donnees, decimales=1))
    return sortie
