"""Graphiques plotly au style de la maison, visibles dans JupyterLab *et* dans le rapport HTML.

Rendu
-----
Dans un noyau, une figure n'est stockée qu'une fois, sous le type MIME plotly
(``application/vnd.plotly.v1+json``) : JupyterLab la rend interactive quand un analyste rouvre
le carnet exécuté. nbconvert ne sait pas traduire ce type MIME ; c'est la conversion en rapport
(préprocesseur du gabarit nbconvert ``eprouvette``, :mod:`eprouvette.rapports.html`) qui en
fait le ``<div>`` + ``Plotly.newPlot`` du rapport (:func:`html_figure`), sans plotly.js (le
gabarit l'insère une seule fois en tête de page, hors ligne). Ce module enregistre à l'import
(une seule fois) le moteur de rendu ``rapport`` : le type MIME plotly avec la configuration de
la maison (:data:`CONFIG`) et un JSON allégé (:func:`compacter_figure`) ;
:func:`activer_rendu_rapport` en fait le moteur par défaut.

Style
-----
Le gabarit plotly ``eprouvette`` : polices du système, palette dont chaque couleur contraste
à au moins 3:1 avec le blanc (critère RGAA 3.3), séparateurs décimaux français
(``separators``), noms de mois en français (locale ``fr`` de plotly.js, :data:`LOCALE_FR` :
déclarée une fois par la page du rapport grâce à :func:`script_locale_fr`, et portée par chaque
figure d'un carnet, :data:`CONFIG_CARNET`, pour le plotly.js de JupyterLab), barre d'outils réduite au seul
téléchargement de l'image. La couleur ne porte jamais seule le sens : chaque série a aussi
son style de trait (plein, tirets, pointillés), ses marqueurs et son nom en légende.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._imports import jsonschema as _jsonschema

# plotly.io.base_renderers importe nbformat, qui importe jsonschema : sans rfc3987_syntax
# (2 s par noyau, voir eprouvette._imports).
_jsonschema()

import plotly.graph_objects as go  # noqa: E402
import plotly.io as pio  # noqa: E402
from plotly.io.base_renderers import MimetypeRenderer, PlotlyRenderer  # noqa: E402

from .. import francais  # noqa: E402
from ..francais import accord  # noqa: E402

NOM_RENDU = "rapport"
NOM_GABARIT = "eprouvette"
RENDU_PAR_DEFAUT = NOM_RENDU

#: Polices du système, sans téléchargement.
POLICES = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", '
    '"Helvetica Neue", Arial, sans-serif'
)
ENCRE = "#1f2933"  # texte : 14,7:1 sur blanc
GRILLE = "#e3e7ec"  # grille discrète (décor, pas une information)
AXE = "#5e6b7d"  # 5,4:1

#: Palette : chaque couleur contraste à >= 3:1 avec le blanc (vérifié par les tests) et
#: reste distinguable par les daltoniens (dérivée d'Okabe-Ito, tons foncés).
PALETTE = (
    "#0072b2",  # bleu
    "#d55e00",  # vermillon
    "#009e73",  # vert bleuté
    "#a23b72",  # prune
    "#8a6d00",  # ocre
    "#5e6b7d",  # ardoise
    "#7b3f98",  # violet
)
COULEUR_OBSERVE = "#1d3557"  # bleu nuit : 12,4:1
COULEUR_CONTREFACTUEL = "#d55e00"
#: Remplissage de l'intervalle : décor, ses bornes sont tracées en trait fin de couleur pleine.
REMPLISSAGE_INTERVALLE = "rgba(213, 94, 0, 0.14)"
COULEUR_EXPERIMENTAL = "#0072b2"
COULEUR_TEMOIN = "#5e6b7d"
#: Styles de trait et de marqueur, pour que la couleur ne soit jamais seule à distinguer.
TRAITS = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLES = ("circle", "square", "diamond", "triangle-up", "x", "cross")
MOTIFS = ("", "/", ".", "x", "\\", "+")

#: Configuration plotly.js des figures du rapport.
CONFIG = {
    "displaylogo": False,
    "modeBarButtons": [["toImage"]],
    "responsive": True,
    "locale": "fr",
    "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "graphique-eprouvette"},
}


def _locale_fr() -> dict:
    """La locale ``fr`` de plotly.js (mois, jours, séparateurs, barre d'outils) : une seule définition,
    déclarée à plotly.js par la page du rapport (:func:`script_locale_fr`) et portée par chaque figure
    d'un carnet (:data:`CONFIG_CARNET`)."""
    return {
        "dictionary": {
            # Libellé du bouton d'image de plotly.js 4 (« a png » avant la version 3).
            "Download plot as a PNG": "Télécharger le graphique en PNG",
            "Download plot": "Télécharger le graphique",
            "Autoscale": "Échelle automatique",
            "Reset axes": "Réinitialiser les axes",
            "Zoom in": "Zoom avant",
            "Zoom out": "Zoom arrière",
            "Double-click to zoom back out": "Double-cliquer pour revenir au zoom initial",
            "Click to enter Plot title": "Cliquer pour saisir le titre",
            "Taking snapshot - this may take a few seconds": "Capture en cours…",
            "Snapshot succeeded": "Capture réussie",
        },
        "format": {
            "days": [j.capitalize() for j in (francais.JOURS[6],) + francais.JOURS[:6]],
            "shortDays": [j.capitalize() for j in (francais.JOURS_COURTS[6],) + francais.JOURS_COURTS[:6]],
            "months": list(francais.MOIS),
            "shortMonths": list(francais.MOIS_COURTS),
            "date": "%d/%m/%Y",
            "decimal": ",",
            "thousands": "\u202f",
            "grouping": [3],
            "currency": ["", "\u00a0€"],
            "year": "%Y",
            "month": "%b %Y",
            "dayMonth": "%-d %b",
            "dayMonthYear": "%-d %b %Y",
        },
    }


LOCALE_FR = _locale_fr()

#: Configuration des figures d'un carnet : celle du rapport, plus la définition de la locale ``fr``
#: (``config.locales`` de plotly.js). Dans JupyterLab, la figure est dessinée par le plotly.js de
#: l'extension jupyterlab-plotly, où aucune locale n'est déclarée : sans cette définition, les dates
#: des axes s'écriraient « Jul 2022 » et la barre d'outils en anglais. Le rapport la retire
#: (:func:`html_figure_json`) : sa page la déclare une fois pour toutes ses figures.
CONFIG_CARNET = {**CONFIG, "locales": {"fr": LOCALE_FR}}


def _gabarit() -> go.layout.Template:
    base = copy.deepcopy(pio.templates["plotly_white"])
    axe = dict(
        gridcolor=GRILLE,
        zerolinecolor=AXE,
        linecolor=AXE,
        showline=True,
        ticks="outside",
        tickcolor=AXE,
        title=dict(standoff=8),
        automargin=True,
        # « 200 000 » et non « 200k » : pas de préfixes du système international sur les graduations.
        exponentformat="none",
    )
    base.layout.update(
        font=dict(family=POLICES, size=14, color=ENCRE),
        title=dict(font=dict(size=17, color=ENCRE), x=0, xanchor="left", xref="paper"),
        colorway=list(PALETTE),
        separators=",\u202f",
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        xaxis=axe,
        yaxis=dict(axe, ticks="", showline=False, separatethousands=True),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0,
                    title=dict(text=""), bgcolor="rgba(255,255,255,0)"),
        hoverlabel=dict(font=dict(family=POLICES, size=13), bgcolor="#ffffff",
                        bordercolor=AXE),
        margin=dict(l=64, r=24, t=56, b=48),
        height=420,
        hovermode="x unified",
    )
    return base


def html_figure(fig: go.Figure | dict, config: dict | None = None) -> str:
    """La figure en HTML, sans plotly.js ni MathJax (le gabarit du rapport les fournit)."""
    return pio.to_html(
        fig,
        include_plotlyjs=False,
        include_mathjax=False,
        full_html=False,
        config={**CONFIG, **(config or {})},
        validate=False,
    )


#: Clés de trace qui portent des coordonnées (dates raccourcies sans rien changer au tracé).
_CLES_COORDONNEES = ("x", "y", "z", "base", "x0", "y0")
#: Positions sur une carte : en simple précision (environ 1 m), rien ne s'y lit en chiffres.
_CLES_POSITIONS = ("lat", "lon")
_DATE_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?$")


def _date_courte(valeur):
    """``2022-01-01T00:00:00.000000000`` -> ``2022-01-01`` ; ``…T06:30:00.000`` -> ``…T06:30:00``.

    Même instant pour plotly.js ; tout autre texte (fuseau horaire, fraction non nulle) est rendu tel quel.
    """
    if not isinstance(valeur, str):
        return valeur
    m = _DATE_ISO.match(valeur)
    if not m or (m.group(3) and m.group(3).strip(".0")):
        return valeur
    return m.group(1) if m.group(2) == "00:00:00" else f"{m.group(1)}T{m.group(2)}"


def _tableau_allege(spec: dict, position: bool) -> dict:
    """Un tableau typé plotly (``{"dtype": "f8", "bdata": …}``) en ``f4`` si rien ne se perd.

    Sans perte : chaque valeur est exactement représentable en simple précision (entiers,
    demis…). Pour une position sur une carte (``position``), la simple précision suffit
    toujours (7 chiffres significatifs, environ 1 m en latitude et longitude).
    """
    if spec.get("dtype") != "f8" or "shape" in spec or not isinstance(spec.get("bdata"), str):
        return spec
    valeurs = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f8")
    simples = valeurs.astype("<f4")
    if not position and not np.array_equal(simples.astype("<f8"), valeurs, equal_nan=True):
        return spec
    return {"dtype": "f4", "bdata": base64.b64encode(simples.tobytes()).decode("ascii")}


def _axe_categoriel(layout: dict, trace: dict, lettre: str) -> bool:
    ref = str(trace.get(f"{lettre}axis", lettre))
    axe = layout.get(f"{lettre}axis{ref[1:]}", {})
    return isinstance(axe, dict) and axe.get("type") in ("category", "multicategory")


def compacter_figure(fig_json: dict) -> dict:
    """Allège le JSON d'une figure (déjà passé par ``plotly.io.to_json``) sans changer ce qu'elle montre.

    - le gabarit plotly ne garde, dans ``template.data``, que les types de traces présents
      (les réglages d'un type absent ne s'appliquent à rien) ;
    - les dates des coordonnées perdent leurs zéros inutiles (``2022-01-01T00:00:00.000000000``
      devient ``2022-01-01``, même instant pour plotly.js), sauf sur un axe catégoriel ;
    - les tableaux de nombres passent en simple précision seulement sans perte, ou pour les
      positions d'une carte (``lat``, ``lon``).

    Les valeurs lues au survol ne changent pas. Renvoie un nouveau dictionnaire.
    """
    return _compacter(copy.deepcopy(fig_json))


def _compacter(fig: dict) -> dict:
    """:func:`compacter_figure` sur place (``fig`` : un dictionnaire à soi, que personne d'autre ne lit)."""
    traces = fig.get("data") or []
    layout = fig.get("layout") or {}
    gabarit = layout.get("template")
    if isinstance(gabarit, dict) and isinstance(gabarit.get("data"), dict):
        types = {t.get("type", "scatter") for t in traces if isinstance(t, dict)}
        gabarit["data"] = {k: v for k, v in gabarit["data"].items() if k in types}
    for trace in traces:
        if not isinstance(trace, dict):
            continue
        for cle, valeur in list(trace.items()):
            if cle in _CLES_COORDONNEES and isinstance(valeur, list):
                if not (cle[0] in "xy" and _axe_categoriel(layout, trace, cle[0])):
                    trace[cle] = [_date_courte(v) for v in valeur]
            elif isinstance(valeur, dict) and "bdata" in valeur:
                trace[cle] = _tableau_allege(valeur, cle in _CLES_POSITIONS)
    for cle_objets in ("shapes", "annotations"):
        for objet in layout.get(cle_objets) or []:
            if isinstance(objet, dict):
                for cle in ("x", "x0", "x1", "y", "y0", "y1"):
                    if cle in objet:
                        objet[cle] = _date_courte(objet[cle])
    return fig


class RenduRapport(PlotlyRenderer):
    """Moteur de rendu plotly ``rapport`` : le type MIME plotly seul, configuré et allégé.

    La figure est stockée une seule fois dans le carnet exécuté ; la conversion en rapport
    (:mod:`eprouvette.rapports.html`) en fait le HTML.
    """

    def __init__(self, config: dict | None = None):
        super().__init__(config={**CONFIG_CARNET, **(config or {})})

    def to_mimebundle(self, fig_dict):
        # Copie de premier niveau : le moteur de plotly n'ajoute que la clé « config », puis passe par JSON
        # (to_json + json.loads) : le paquet rendu est neuf, compacté sur place.
        paquet = super().to_mimebundle(dict(fig_dict))
        return {cle: _compacter(v) for cle, v in paquet.items()}


def _enregistrer() -> None:
    """Enregistre le moteur et le gabarit plotly ; sans effet s'ils existent déjà."""
    if NOM_RENDU not in pio.renderers:
        pio.renderers[NOM_RENDU] = RenduRapport()
    if NOM_GABARIT not in pio.templates:
        pio.templates[NOM_GABARIT] = _gabarit()


_enregistrer()


def figure_maison(data=None) -> go.Figure:
    """Une figure au gabarit de la maison (``eprouvette``), quel que soit le gabarit par défaut du carnet.

    Même figure que ``go.Figure(data).update_layout(template="eprouvette")``, sans revalider le gabarit :
    plotly reprend tel quel, sans le contrôler propriété par propriété, le gabarit par défaut (déjà
    contrôlé à son enregistrement), alors qu'un ``template=`` explicite est revalidé en entier
    (≈ 22 ms par figure, une dizaine de figures par rapport). Changer le gabarit par défaut le revalide
    aussi (≈ 19 ms à chaque affectation) : dans un carnet de rapport, où :func:`activer_rendu_rapport`
    l'a déjà choisi, on n'y touche pas.
    """
    _enregistrer()
    if pio.templates.default == NOM_GABARIT:
        return go.Figure(data)
    precedent = pio.templates.default
    pio.templates.default = NOM_GABARIT
    try:
        return go.Figure(data)
    finally:
        pio.templates.default = precedent


#: Moteurs de plotly qui produisent le type MIME plotly (dessiné par l'extension jupyterlab-plotly).
MOTEURS_MIME = ("plotly_mimetype", "jupyterlab", "nteract", "vscode")


def activer_rendu_rapport() -> None:
    """Rend les figures interactives dans JupyterLab et présentes dans le rapport HTML.

    À appeler en tête de chaque carnet de rapport. Choisit le moteur ``rapport`` (type MIME
    plotly seul, configuré et allégé ; le HTML est fait à la conversion) et le gabarit
    ``eprouvette`` par défaut. Les moteurs de type MIME de plotly (``plotly_mimetype``,
    ``jupyterlab``…, si un analyste en choisit un) reçoivent la même configuration : dates et barre
    d'outils en français dans JupyterLab. Peut être appelée plusieurs fois.
    """
    _enregistrer()
    for nom in MOTEURS_MIME:
        if nom in pio.renderers:
            pio.renderers[nom].config = dict(CONFIG_CARNET)
    pio.renderers.default = RENDU_PAR_DEFAUT
    if pio.templates.default != NOM_GABARIT:  # l'affectation revalide le gabarit (≈ 19 ms)
        pio.templates.default = NOM_GABARIT


def paquet_mime(fig: go.Figure | dict) -> dict:
    """Le paquet MIME d'une figure : le type plotly seul (JupyterLab, puis HTML à la conversion)."""
    fig_dict = fig.to_dict() if isinstance(fig, go.Figure) else fig  # le moteur ne modifie pas ce qu'il reçoit
    return RenduRapport().to_mimebundle(fig_dict)


def html_figure_json(fig_json: dict) -> str:
    """Le HTML d'une figure stockée sous le type MIME plotly (sa clé ``config`` comprise).

    La définition de la locale (``config.locales``, pour JupyterLab) n'est pas répétée dans chaque
    figure du rapport : la page la déclare une fois (:func:`script_locale_fr`).
    """
    config = fig_json.get("config") if isinstance(fig_json.get("config"), dict) else None
    if config and "locales" in config:
        config = {k: v for k, v in config.items() if k != "locales"}
    figure = {k: v for k, v in fig_json.items() if k != "config"}
    return html_figure(figure, config)


def script_locale_fr() -> str:
    """JavaScript qui déclare la locale ``fr`` à plotly.js (mois, jours, séparateurs).

    Le gabarit nbconvert l'insère juste après plotly.js, avant toute figure.
    """
    locale = {"moduleType": "locale", "name": "fr", **LOCALE_FR}
    return (
        "if (window.Plotly) { Plotly.register("
        + json.dumps(locale, ensure_ascii=False)
        + "); }"
    )


# --------------------------------------------------------------------------------------------
# Graphiques des carnets
# --------------------------------------------------------------------------------------------

def _format_valeur(unite: str | None, decimales: int) -> str:
    u = f"\u00a0{unite}" if unite else ""
    return f"%{{y:,.{decimales}f}}{u}"


ETIQUETTE_DEBUT = "Début de l'expérimentation"


def _marquer_debut(fig: go.Figure, debut) -> None:
    """Trait vertical et étiquette « Début de l'expérimentation »."""
    if debut is None:
        return
    x = pd.Timestamp(debut)
    fig.add_shape(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                  line=dict(color=ENCRE, width=1.5, dash="dot"))
    fig.add_annotation(x=x, xref="x", yref="paper", y=1, yanchor="top", xanchor="left", xshift=4,
                       text=ETIQUETTE_DEBUT, showarrow=False,
                       bgcolor="rgba(255,255,255,0.85)", font=dict(size=12, color=ENCRE))


def _ajuster_axe_x(fig: go.Figure, x: pd.Series) -> None:
    """L'axe des dates couvre les données, et elles seules (plus 2 % de marge de chaque côté).

    Sans cela, plotly étend l'axe pour loger l'étiquette « Début de l'expérimentation » : sur un
    téléphone (350 px), l'axe courait jusqu'en 2031 et les données n'occupaient qu'un tiers de la largeur.
    """
    x = pd.to_datetime(pd.Series(x)).dropna()
    if x.empty:
        return
    debut, fin = x.min(), x.max()
    marge = (fin - debut) * 0.02 if fin > debut else pd.Timedelta(days=1)
    fig.update_xaxes(range=[debut - marge, fin + marge], autorange=False)
    # Un début d'expérimentation dans la moitié droite : l'étiquette se place à gauche du trait,
    # sinon elle sortirait du cadre sur un écran étroit.
    milieu = debut + (fin - debut) / 2
    for note in fig.layout.annotations or ():
        if note.text == ETIQUETTE_DEBUT and pd.Timestamp(note.x) > milieu:
            note.update(xanchor="right", xshift=-4)


def _verifier_colonnes(df: pd.DataFrame, colonnes: Sequence[str], quoi: str) -> None:
    manquantes = [c for c in colonnes if c not in df.columns]
    if manquantes:
        raise ValueError(
            f"{quoi} : {accord(len(manquantes), 'colonne manquante', 'colonnes manquantes')} {', '.join(manquantes)} ; "
            f"colonnes présentes : {', '.join(map(str, df.columns))}"
        )


def figure_serie_contrefactuelle(
    df: pd.DataFrame,
    titre: str,
    unite: str,
    *,
    debut_experimentation=None,
    libelle_observe: str = "Mesuré",
    libelle_contrefactuel: str = "Estimé sans l'expérimentation",
    decimales: int = 0,
    plancher: float | None = None,
) -> go.Figure:
    """Série mesurée face à son contrefactuel (ce qui se serait passé sans l'expérimentation).

    ``df`` a les colonnes ``date``, ``observe``, ``contrefactuel`` et, si elles existent,
    ``contrefactuel_bas`` / ``contrefactuel_haut`` (intervalle à 95 %, tracé en bande).
    Mesuré : trait plein bleu nuit avec marqueurs ronds ; contrefactuel : tirets vermillon.
    ``plancher`` : borne physique (0 pour une consommation) sous laquelle la bande ne descend pas.
    """
    _verifier_colonnes(df, ["date", "observe", "contrefactuel"], "figure_serie_contrefactuelle")
    d = df.sort_values("date")
    if plancher is not None:
        d = d.copy()
        for c in ("contrefactuel_bas", "contrefactuel_haut"):
            if c in d.columns:
                d[c] = d[c].clip(lower=plancher)
    x = pd.to_datetime(d["date"])
    fig = figure_maison()
    if {"contrefactuel_bas", "contrefactuel_haut"} <= set(d.columns):
        niveau = francais.pourcentage(0.95, 0)
        bord = dict(color=COULEUR_CONTREFACTUEL, width=0.8, dash="dot")
        fig.add_trace(go.Scatter(
            x=x, y=d["contrefactuel_haut"], mode="lines", line=bord, name=f"Intervalle à {niveau}",
            legendgroup="intervalle", showlegend=False,
            hovertemplate="borne haute : " + _format_valeur(unite, decimales) + "<extra></extra>",
        ))
        fig.add_trace(go.Scatter(
            x=x, y=d["contrefactuel_bas"], mode="lines", line=bord, fill="tonexty",
            fillcolor=REMPLISSAGE_INTERVALLE, name=f"Intervalle à {niveau} de l'estimation",
            legendgroup="intervalle",
            hovertemplate="borne basse : " + _format_valeur(unite, decimales) + "<extra></extra>",
        ))
    fig.add_trace(go.Scatter(
        x=x, y=d["contrefactuel"], mode="lines", name=libelle_contrefactuel,
        line=dict(color=COULEUR_CONTREFACTUEL, width=2.5, dash="dash"),
        hovertemplate=libelle_contrefactuel + " : " + _format_valeur(unite, decimales) + "<extra></extra>",
    ))
    peu_de_points = len(d) <= 60
    fig.add_trace(go.Scatter(
        x=x, y=d["observe"], mode="lines+markers" if peu_de_points else "lines",
        name=libelle_observe, line=dict(color=COULEUR_OBSERVE, width=2.5),
        marker=dict(symbol="circle", size=6),
        hovertemplate=libelle_observe + " : " + _format_valeur(unite, decimales) + "<extra></extra>",
    ))
    _marquer_debut(fig, debut_experimentation)
    fig.update_layout(title=dict(text=titre),
                      yaxis=dict(title=dict(text=unite)),
                      xaxis=dict(hoverformat="%-d %B %Y"))
    _ajuster_axe_x(fig, x)
    return fig


def figure_groupes(
    df_long: pd.DataFrame,
    titre: str,
    unite: str,
    *,
    x: str = "date",
    y: str = "valeur",
    groupe: str = "groupe",
    debut_experimentation=None,
    frequence: str | None = None,
    agregat: str = "mean",
    decimales: int = 0,
) -> go.Figure:
    """Séries des sites expérimentaux et témoins (une ligne par groupe).

    ``df_long`` : une ligne par (date, groupe) avec les colonnes ``x``, ``y`` et ``groupe``.
    ``frequence`` (ex. ``"MS"`` pour des mois) agrège d'abord avec ``agregat`` (``"mean"`` ou
    ``"sum"``). Chaque groupe a sa couleur, son style de trait et son marqueur.
    """
    _verifier_colonnes(df_long, [x, y, groupe], "figure_groupes")
    d = df_long[[x, y, groupe]].copy()
    d[x] = pd.to_datetime(d[x])
    if frequence:
        d = (d.groupby([groupe, pd.Grouper(key=x, freq=frequence)])[y].agg(agregat)
             .reset_index())
    fig = figure_maison()
    groupes = list(dict.fromkeys(d[groupe]))
    for i, nom in enumerate(groupes):
        g = d[d[groupe] == nom].sort_values(x)
        couleur = _couleur_groupe(str(nom), i)
        fig.add_trace(go.Scatter(
            x=g[x], y=g[y], name=str(nom), mode="lines+markers" if len(g) <= 60 else "lines",
            line=dict(color=couleur, width=2.5, dash=TRAITS[i % len(TRAITS)]),
            marker=dict(symbol=SYMBOLES[i % len(SYMBOLES)], size=6),
            hovertemplate=f"{nom} : " + _format_valeur(unite, decimales) + "<extra></extra>",
        ))
    _marquer_debut(fig, debut_experimentation)
    fig.update_layout(title=dict(text=titre),
                      yaxis=dict(title=dict(text=unite)),
                      xaxis=dict(hoverformat="%B %Y" if frequence else "%-d %B %Y"))
    _ajuster_axe_x(fig, d[x])
    return fig


ETIQUETTE_EQUIPEMENT = "Équipement"


def figure_etude_evenement(
    evenement: pd.DataFrame,
    titre: str,
    unite: str,
    *,
    libelle_duree: str = "Périodes depuis l'équipement (négatif : avant)",
    pas: float = 1.0,
    decimales: int = 2,
) -> go.Figure:
    """Courbe d'étude d'événement d'un déploiement échelonné : l'effet selon la durée d'équipement.

    ``evenement`` : une ligne par durée (colonnes ``duree`` en périodes, négative avant l'équipement,
    ``att``, et si possible ``bas`` / ``haut`` : la bande de confiance tracée). ``pas`` : longueur d'une
    période dans l'unité de l'axe (4 pour des périodes de quatre semaines lues en semaines). Avant
    l'équipement, points gris (losanges) : le test des tendances parallèles ; depuis, points bleu nuit
    (ronds) en trait plein ; ligne zéro et trait vertical « Équipement ». Une bande entièrement NaN
    (incertitude non calculable) n'est pas tracée.
    """
    _verifier_colonnes(evenement, ["duree", "att"], "figure_etude_evenement")
    d = evenement.sort_values("duree").assign(x=lambda v: v["duree"] * pas)
    fig = figure_maison()
    if {"bas", "haut"} <= set(d.columns) and np.isfinite(d[["bas", "haut"]].to_numpy(float)).any():
        # Parmi des bandes calculées, une durée sans aucune variation (écart nul partout, bande NaN) est
        # tracée sans largeur plutôt que de trouer la bande.
        d = d.assign(bas=d["bas"].fillna(d["att"]), haut=d["haut"].fillna(d["att"]))
        niveau = francais.pourcentage(0.95, 0)
        bord = dict(color=COULEUR_CONTREFACTUEL, width=0.8, dash="dot")
        fig.add_trace(go.Scatter(x=d["x"], y=d["haut"], mode="lines", line=bord, showlegend=False,
                                 legendgroup="intervalle", name=f"Intervalle à {niveau}",
                                 hovertemplate="borne haute : " + _format_valeur(unite, decimales) + "<extra></extra>"))
        fig.add_trace(go.Scatter(x=d["x"], y=d["bas"], mode="lines", line=bord, fill="tonexty",
                                 fillcolor=REMPLISSAGE_INTERVALLE, legendgroup="intervalle",
                                 name=f"Intervalle de confiance à {niveau}",
                                 hovertemplate="borne basse : " + _format_valeur(unite, decimales) + "<extra></extra>"))
    for nom, partie, couleur, symbole, trait in (
            ("Avant l'équipement (tendances parallèles)", d[d["duree"] < 0], COULEUR_TEMOIN, "diamond", "dot"),
            ("Depuis l'équipement", d[d["duree"] >= 0], COULEUR_OBSERVE, "circle", "solid")):
        if len(partie):
            fig.add_trace(go.Scatter(
                x=partie["x"], y=partie["att"], mode="lines+markers", name=nom,
                line=dict(color=couleur, width=2.5, dash=trait), marker=dict(symbol=symbole, size=8),
                hovertemplate=nom + " : " + _format_valeur(unite, decimales) + "<extra></extra>"))
    fig.add_shape(type="line", xref="paper", yref="y", x0=0, x1=1, y0=0, y1=0, line=dict(color=AXE, width=1.2))
    fig.add_shape(type="line", xref="x", yref="paper", x0=-0.5 * pas, x1=-0.5 * pas, y0=0, y1=1,
                  line=dict(color=ENCRE, width=1.5, dash="dot"))
    fig.add_annotation(x=-0.5 * pas, xref="x", yref="paper", y=1, yanchor="top", xanchor="left", xshift=4,
                       text=ETIQUETTE_EQUIPEMENT, showarrow=False, bgcolor="rgba(255,255,255,0.85)",
                       font=dict(size=12, color=ENCRE))
    fig.update_layout(title=dict(text=titre), hovermode="closest",
                      yaxis=dict(title=dict(text=unite), zeroline=False),
                      xaxis=dict(title=dict(text=libelle_duree), zeroline=False))
    return fig


def _couleur_groupe(nom: str, rang: int) -> str:
    n = nom.lower()
    if n.startswith("exp"):
        return COULEUR_EXPERIMENTAL
    if n.startswith(("tém", "tem")):
        return COULEUR_TEMOIN
    return PALETTE[rang % len(PALETTE)]


def figure_barres(
    df: pd.DataFrame,
    x: str,
    y: str,
    titre: str,
    unite: str | None = None,
    *,
    groupe: str | None = None,
    horizontal: bool = False,
    decimales: int = 0,
) -> go.Figure:
    """Diagramme en barres, chaque barre portant sa valeur écrite à la française.

    Avec ``groupe``, barres groupées : chaque groupe a sa couleur *et* son motif de hachures.
    """
    _verifier_colonnes(df, [x, y] + ([groupe] if groupe else []), "figure_barres")
    fig = figure_maison()
    series = [(None, df)] if groupe is None else [(g, df[df[groupe] == g]) for g in dict.fromkeys(df[groupe])]
    for i, (nom, d) in enumerate(series):
        etiquettes = [francais.nombre(v, decimales) for v in d[y]]
        cat, val = (d[y], d[x]) if horizontal else (d[x], d[y])
        fig.add_trace(go.Bar(
            x=cat, y=val, orientation="h" if horizontal else "v",
            name=str(nom) if nom is not None else y,
            showlegend=nom is not None,
            marker=dict(color=PALETTE[i % len(PALETTE)],
                        pattern=dict(shape=MOTIFS[i % len(MOTIFS)], fillmode="overlay",
                                     fgcolor="#ffffff", solidity=0.25)),
            text=etiquettes, textposition="outside", cliponaxis=False,
            hovertemplate=("%{y}" if horizontal else "%{x}") + " : %{text}"
            + (f"\u00a0{unite}" if unite else "") + "<extra></extra>",
        ))
    axe_valeurs = dict(title=dict(text=unite or ""))
    fig.update_layout(title=dict(text=titre), barmode="group",
                      hovermode="closest",
                      **({"xaxis": axe_valeurs, "yaxis": dict(autorange="reversed")} if horizontal
                         else {"yaxis": axe_valeurs}))
    return fig


def figure_barres_empilees(abscisses: Sequence[str], series: dict[str, Sequence[float]], *,
                           titre_y: str, titre_x: str, unite: str = "€") -> go.Figure:
    """Barres empilées, une couleur et un motif de hachures par série (``series`` : libellé -> valeurs)."""
    fig = go.Figure()
    for i, (libelle, valeurs) in enumerate(series.items()):
        fig.add_trace(go.Bar(
            x=list(abscisses), y=list(valeurs), name=libelle, marker_pattern_shape=MOTIFS[i % len(MOTIFS)],
            hovertemplate="%{x} : %{y:,.0f} " + unite + "<extra>" + libelle + "</extra>",
        ))
    fig.update_layout(barmode="stack", height=380, yaxis_title=titre_y, xaxis_title=titre_x,
                      hovermode="closest", legend=dict(orientation="h", y=1.1))
    return fig


def _etiquettes_carte(points: Sequence[dict], lon_min: float, lon_max: float) -> list[dict]:
    """Le nom de chaque lieu sous ses points (au-dessus si un nom voisin est déjà dessous), calé vers
    l'intérieur au bord de la carte : ``nom``, ``lat``, ``lon``, ``position`` (``textposition`` plotly)."""
    lieux: dict[str, list[dict]] = {}
    for pt in points:
        lieux.setdefault(pt["commune"], []).append(pt)
    etiquettes = sorted(({"nom": nom, "lon": sum(pt["longitude"] for pt in g) / len(g),
                          "bas": min(pt["latitude"] for pt in g), "haut": max(pt["latitude"] for pt in g)}
                         for nom, g in lieux.items()), key=lambda e: e["lon"])
    dessous: list[dict] = []
    for e in etiquettes:
        relatif = (e["lon"] - lon_min) / max(lon_max - lon_min, 1e-9)
        horizontal = "right" if relatif < 0.2 else ("left" if relatif > 0.8 else "center")
        largeur = 0.07 * len(e["nom"])  # degrés de longitude, à peu près, d'un nom en 12 px
        debut = {"right": e["lon"], "left": e["lon"] - largeur}.get(horizontal, e["lon"] - largeur / 2)
        e["etendue"] = (debut, debut + largeur)
        voisin = any(e["etendue"][0] < d["etendue"][1] and d["etendue"][0] < e["etendue"][1]
                     and abs(e["bas"] - d["bas"]) < 0.25 for d in dessous)
        e["lat"] = e["haut"] + 0.07 if voisin else e["bas"] - 0.07
        e["position"] = f"{'top' if voisin else 'bottom'} {horizontal}"
        if not voisin:
            dessous.append(e)
    return etiquettes


def figure_carte_points(fond: pd.DataFrame, groupes: Sequence[dict], hauteur: int = 540) -> go.Figure:
    """Carte hors ligne (``scattergeo`` sans fond ni tuile) : un semis gris de repère, puis un groupe de
    points par trace, puis le nom de chaque lieu.

    ``fond`` : colonnes ``latitude``, ``longitude`` (les communes de la région). ``groupes`` : dans
    l'ordre de la légende, ``{"nom", "couleur", "symbole", "points"}``, chaque point
    ``{"titre", "commune", "latitude", "longitude"}`` ; un groupe vide n'a pas de trace. Le nom d'une
    trace dit son nombre de points (« Généraliser (5) »). La page déclare le fond du monde vide
    (``window.PlotlyGeoAssets``) avant plotly.js, sinon plotly.js le demanderait à un CDN.
    """
    fig = figure_maison()
    fig.add_trace(go.Scattergeo(
        lon=fond["longitude"], lat=fond["latitude"], mode="markers", name="Autres communes (repère)",
        marker=dict(size=3, color="#b4b4be"), hoverinfo="skip"))
    tous = []
    for g in groupes:
        pts = list(g["points"])
        if not pts:
            continue
        tous += pts
        fig.add_trace(go.Scattergeo(
            lon=[pt["longitude"] for pt in pts], lat=[pt["latitude"] for pt in pts], mode="markers",
            name=f"{g['nom']} ({len(pts)})",
            marker=dict(size=15, color=g["couleur"], symbol=g["symbole"], line=dict(width=1.5, color="#ffffff")),
            text=[pt["titre"] for pt in pts], customdata=[pt["commune"] for pt in pts],
            hovertemplate="%{text}<br>%{customdata}<extra>" + g["nom"] + "</extra>"))
    etiquettes = _etiquettes_carte(tous, float(fond["longitude"].min()), float(fond["longitude"].max()))
    fig.add_trace(go.Scattergeo(
        lon=[e["lon"] for e in etiquettes], lat=[e["lat"] for e in etiquettes], mode="text",
        text=[e["nom"] for e in etiquettes], textposition=[e["position"] for e in etiquettes],
        textfont=dict(size=12, color="#1b1b1f"), hoverinfo="skip", showlegend=False, name="Lieux"))
    fig.update_geos(visible=False, projection_type="mercator", fitbounds="locations", resolution=110,
                    showland=False, showcountries=False, showcoastlines=False, showframe=False)
    fig.update_layout(height=hauteur, margin=dict(l=5, r=5, t=10, b=10),
                      legend=dict(orientation="h", y=-0.02, x=0))
    return fig
