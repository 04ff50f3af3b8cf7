"""Mise en forme française, style plotly et blocs HTML des rapports."""

from __future__ import annotations

import base64
import json
import math
import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from eprouvette.methodes.base import Verification
from eprouvette import francais as textes
from eprouvette.presentation import blocs, figures

MIME_PLOTLY = "application/vnd.plotly.v1+json"

FINE = "\u202f"
INSEC = "\u00a0"
MOINS = "\u2212"
#: Feuille de la page des rapports ; celle des blocs (et des couleurs) est blocs.FEUILLE_BLOCS.
CSS = (Path(figures.__file__).resolve().parents[1] / "rapports" / "templates" / "eprouvette"
       / "static" / "rapport.css")


# ------------------------------------------------------------------------------ textes

@pytest.mark.parametrize(
    ("valeur", "decimales", "attendu"),
    [
        (1234.5, 1, f"1{FINE}234,5"),
        (1234567, 0, f"1{FINE}234{FINE}567"),
        (-1234.56, 2, f"{MOINS}1{FINE}234,56"),
        (999.96, 1, f"1{FINE}000,0"),
        (0.5, 0, "0"),  # arrondi au pair, comme Python
        (-0.04, 1, "0,0"),  # zéro arrondi : pas de signe
        (12, 0, "12"),
        (None, 0, "n.d."),
        (float("nan"), 1, "n.d."),
    ],
)
def test_nombre(valeur, decimales, attendu):
    assert textes.nombre(valeur, decimales) == attendu


def test_nombre_refuse_le_texte():
    with pytest.raises(TypeError):
        textes.nombre("12")


def test_nombres_signes():
    assert textes.nombre_signe(1200) == f"+1{FINE}200"
    assert textes.nombre_signe(-350) == f"{MOINS}350"
    assert textes.nombre_signe(0.2) == "0"


def test_pourcentages():
    assert textes.pourcentage(0.123) == f"12,3{INSEC}%"
    assert textes.pourcentage(1.5, 0) == f"150{INSEC}%"
    assert textes.pourcentage_signe(-0.123) == f"{MOINS}12,3{INSEC}%"
    assert textes.pourcentage_signe(0.045) == f"+4,5{INSEC}%"
    assert "-" not in textes.pourcentage_signe(-0.5)  # jamais le trait d'union


@pytest.mark.parametrize(
    ("montant", "echelle", "attendu"),
    [
        (1_234_567, "auto", f"1,2{INSEC}M€"),
        (3_000_000, "auto", f"3{INSEC}M€"),
        (999_999, "auto", f"1{INSEC}M€"),
        (85_000, "auto", f"85{FINE}000{INSEC}€"),
        (-45_300.4, "auto", f"{MOINS}45{FINE}300{INSEC}€"),
        (12.5, "auto", f"12,50{INSEC}€"),
        (40, "auto", f"40{INSEC}€"),
        (12_500, "k", f"12,5{INSEC}k€"),
        (12_000, "k", f"12{INSEC}k€"),
        (250_000, "M", f"0,2{INSEC}M€"),
    ],
)
def test_euros(montant, echelle, attendu):
    assert textes.euros(montant, echelle) == attendu


def test_euros_echelle_inconnue():
    with pytest.raises(ValueError, match="échelle inconnue"):
        textes.euros(10, "milliards")


def test_dates():
    assert textes.date_longue(date(2025, 3, 12)) == "12 mars 2025"
    assert textes.date_longue(pd.Timestamp("2024-09-01 08:30")) == "1er septembre 2024"
    assert textes.date_longue("2025-08-31") == "31 août 2025"
    assert textes.mois_annee(datetime(2025, 2, 3)) == "février 2025"
    assert textes.date_courte(date(2025, 3, 2)) == "02/03/2025"
    assert textes.periode(date(2024, 9, 1), date(2025, 8, 31)) == (
        "du 1er septembre 2024 au 31 août 2025"
    )
    with pytest.raises(ValueError, match="à l'envers"):
        textes.periode(date(2025, 1, 2), date(2025, 1, 1))


def test_intervalles():
    assert textes.intervalle(1200, 3400, "kWh") == f"entre 1{FINE}200 et 3{FINE}400{INSEC}kWh"
    assert textes.intervalle(3400, 1200) == f"entre 1{FINE}200 et 3{FINE}400"
    assert textes.intervalle_pourcentage(-0.03, -0.12) == (
        f"entre {MOINS}12,0{INSEC}% et {MOINS}3,0{INSEC}%"
    )
    phrase = textes.effet_avec_intervalle(-1250, -2100, -400, "kWh")
    assert phrase.startswith(f"{MOINS}1{FINE}250{INSEC}kWh (intervalle de confiance à 95{INSEC}%")
    assert phrase.endswith(f"entre {MOINS}2{FINE}100 et {MOINS}400{INSEC}kWh)")


@pytest.mark.parametrize(
    ("p", "morceau"),
    [
        (0.0004, f"moins d'une fois sur 1{FINE}000 (p < 0,001)"),
        (0.004, f"environ 4 fois sur 1{FINE}000 (p = 0,004)"),
        (0.03, "environ 3 fois sur 100 (p = 0,03)"),
        (0.42, "environ 42 fois sur 100 (p = 0,42)"),
        (1.0, "presque à chaque fois (p = 1,00)"),
    ],
)
def test_p_valeur_en_mots(p, morceau):
    phrase = textes.p_valeur(p)
    assert phrase.startswith("si l'expérimentation n'avait eu aucun effet")
    assert phrase.endswith(morceau)


def test_p_valeur_hors_bornes():
    with pytest.raises(ValueError, match="entre 0 et 1"):
        textes.p_valeur(1.2)


# ------------------------------------------------------------------------------ contrastes

def luminance(couleur: str) -> float:
    h = couleur.lstrip("#")
    canaux = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in canaux]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contraste(a: str, b: str = "#ffffff") -> float:
    """Rapport de contraste WCAG 2.x entre deux couleurs #rrggbb."""
    l1, l2 = sorted((luminance(a), luminance(b)), reverse=True)
    return (l1 + 0.05) / (l2 + 0.05)


def test_formule_de_contraste():
    assert contraste("#000000") == pytest.approx(21.0)
    assert contraste("#767676") == pytest.approx(4.54, abs=0.01)


def test_palette_contraste_3_pour_1_sur_blanc():
    gabarit = pio.templates[figures.NOM_GABARIT]
    couleurs = list(gabarit.layout.colorway) + [
        figures.COULEUR_OBSERVE, figures.COULEUR_CONTREFACTUEL, figures.COULEUR_EXPERIMENTAL,
        figures.COULEUR_TEMOIN, figures.AXE, figures.ENCRE,
    ]
    faibles = {c: round(contraste(c), 2) for c in couleurs if contraste(c) < 3}
    assert not faibles, f"couleurs sous 3:1 sur blanc : {faibles}"
    assert contraste(figures.ENCRE) >= 4.5  # texte des graphiques


def _variables_css() -> dict[str, str]:
    return dict(re.findall(r"--(ep-[a-z-]+):\s*(#[0-9a-fA-F]{6})", blocs.feuille_de_style()))


def test_css_contraste_du_texte():
    v = _variables_css()
    for nom in ("ep-encre", "ep-encre-douce", "ep-nuit", "ep-lien", "ep-accent"):
        assert contraste(v[nom]) >= 4.5, nom
    for teinte in ("vert", "bleu", "ocre", "rouge"):  # badges et statuts sur leur fond
        assert contraste(v[f"ep-{teinte}"], v[f"ep-{teinte}-fond"]) >= 4.5, teinte
        assert contraste("#ffffff", v[f"ep-{teinte}"]) >= 4.5, teinte  # icône blanche
    assert contraste("#ffffff", v["ep-nuit"]) >= 4.5  # bandeau


def test_css_sans_ressource_distante():
    for texte in (CSS.read_text(encoding="utf-8"), blocs.feuille_de_style()):
        assert "@import" not in texte and "url(" not in texte and "http" not in texte
    assert "@media print" in CSS.read_text(encoding="utf-8") and "size: A4" in CSS.read_text(encoding="utf-8")


def _selecteurs(css: str) -> list[str]:
    """Les sélecteurs des règles d'une feuille (commentaires ôtés ; règles @media ouvertes)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return [s.strip() for bloc in re.findall(r"([^{}]+)\{[^{}]*\}", css) for s in bloc.split(",")]


def test_css_des_blocs_ne_touche_que_les_blocs():
    """Affichée dans JupyterLab, la feuille des blocs s'applique à toute la page : chaque sélecteur
    vise un élément « ep-… » (rien de JupyterLab, ni h2, ni table en général)."""
    selecteurs = _selecteurs(blocs.feuille_de_style())
    assert len(selecteurs) > 50  # le test a de quoi mordre
    for selecteur in selecteurs:
        if selecteur == ":root":  # variables --ep-… seulement (ci-dessous)
            continue
        assert ".ep-" in selecteur, selecteur
    sans_commentaires = re.sub(r"/\*.*?\*/", "", blocs.feuille_de_style(), flags=re.DOTALL)
    racine = re.search(r":root\s*\{([^}]*)\}", sans_commentaires).group(1)
    assert all(d.strip().startswith("--ep-") for d in racine.split(";") if d.strip()), racine


# ------------------------------------------------------------------------------ plotly

def test_moteur_de_rendu_enregistre_et_idempotent():
    assert figures.NOM_RENDU in pio.renderers
    moteur = pio.renderers[figures.NOM_RENDU]
    figures._enregistrer()
    figures.activer_rendu_rapport()
    figures.activer_rendu_rapport()
    assert pio.renderers[figures.NOM_RENDU] is moteur
    assert isinstance(moteur, figures.MimetypeRenderer)
    assert pio.renderers.default == figures.NOM_RENDU
    assert pio.templates.default == figures.NOM_GABARIT
    # Dans le carnet, la figure n'est stockée qu'une fois : le type MIME plotly, configuré.
    paquet = moteur.to_mimebundle(go.Figure(go.Bar(x=["a"], y=[1])).to_dict())
    assert list(paquet) == [MIME_PLOTLY]
    # Avec la définition de la locale fr : le plotly.js de JupyterLab n'en a aucune de déclarée.
    assert paquet[MIME_PLOTLY]["config"] == figures.CONFIG_CARNET
    assert paquet[MIME_PLOTLY]["config"]["locale"] == "fr"
    format_fr = paquet[MIME_PLOTLY]["config"]["locales"]["fr"]["format"]
    assert format_fr["shortMonths"][6] == "juil." and format_fr["thousands"] == "\u202f"
    assert paquet[MIME_PLOTLY]["data"][0]["type"] == "bar"
    # Un analyste qui choisit le moteur « jupyterlab » de plotly garde les graphiques en français.
    for nom in ("plotly_mimetype", "jupyterlab"):
        autre = pio.renderers[nom].to_mimebundle(go.Figure(go.Bar(x=["a"], y=[1])).to_dict())
        assert autre[MIME_PLOTLY]["config"]["locales"]["fr"] == figures.LOCALE_FR, nom


@pytest.mark.parametrize("defaut", ["plotly_white", figures.NOM_GABARIT])
def test_figure_maison_au_gabarit_de_la_maison_quel_que_soit_le_defaut(defaut):
    """Même figure que ``template="eprouvette"`` explicite, que le carnet ait choisi le gabarit de la
    maison (rapport) ou un autre (analyste) ; le gabarit par défaut du carnet n'est pas changé."""
    precedent = pio.templates.default
    try:
        pio.templates.default = defaut
        fig = figures.figure_maison(go.Bar(x=["a", "b"], y=[1, 2]))
        attendu = go.Figure(go.Bar(x=["a", "b"], y=[1, 2])).update_layout(template=figures.NOM_GABARIT)
        assert fig.to_dict() == attendu.to_dict()
        assert fig.layout.template.layout.separators == ",\u202f"
        assert pio.templates.default == defaut
    finally:
        pio.templates.default = precedent


def test_html_de_la_figure_stockee():
    paquet = figures.paquet_mime(go.Figure(go.Bar(x=["a"], y=[1])))
    html = figures.html_figure_json(paquet[MIME_PLOTLY])
    assert 'class="plotly-graph-div"' in html
    assert "Plotly.newPlot" in html
    assert "<html" not in html and "plotly.js v" not in html and "MathJax" not in html
    assert '"displaylogo": false' in html and '"locale": "fr"' in html
    assert '"modeBarButtons": [["toImage"]]' in html and '"responsive": true' in html
    assert '"config"' not in html  # la configuration va à Plotly.newPlot, pas dans la figure
    # La page du rapport déclare la locale une fois (script_locale_fr) : pas de copie par figure.
    assert '"locales"' not in html and "juil." not in html
    assert "juil." in figures.script_locale_fr()


def test_paquet_mime_pour_jupyterlab_seulement():
    paquet = figures.paquet_mime(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])))
    assert set(paquet) == {MIME_PLOTLY}
    assert paquet[MIME_PLOTLY]["config"]["displaylogo"] is False
    assert paquet[MIME_PLOTLY]["config"]["locale"] == "fr"


# ------------------------------------------------------------------------------ figures allégées

def _valeurs(spec) -> np.ndarray:
    """Les valeurs d'une colonne de trace, tableau typé plotly (base64) ou liste."""
    if isinstance(spec, dict):
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]).newbyteorder("<"))
    return np.asarray(spec)


def _json(fig: go.Figure) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def test_dates_raccourcies_au_meme_instant():
    x = pd.date_range("2022-01-01", periods=5, freq="MS")
    heures = pd.date_range("2022-03-27 00:30", periods=3, freq="h")
    fig = go.Figure([go.Scatter(x=x, y=[1.0, 2, 3, 4, 5]), go.Scatter(x=heures, y=[1.0, 2, 3])])
    fig.add_shape(type="line", x0=x[2], x1=x[2], y0=0, y1=1, yref="paper")
    brut = _json(fig)
    assert brut["data"][0]["x"][0].startswith("2022-01-01T00:00:00.000")  # ce que plotly écrit
    court = figures.compacter_figure(brut)
    assert court["data"][0]["x"] == ["2022-01-01", "2022-02-01", "2022-03-01", "2022-04-01", "2022-05-01"]
    assert court["data"][1]["x"] == ["2022-03-27T00:30:00", "2022-03-27T01:30:00", "2022-03-27T02:30:00"]
    # Même instant : pandas (et plotly.js) lisent la même date.
    for avant, apres in zip(brut["data"], court["data"]):
        assert list(pd.to_datetime(avant["x"])) == list(pd.to_datetime(apres["x"]))
    assert court["layout"]["shapes"][0]["x0"] == "2022-03-01"
    assert brut["data"][0]["x"][0].startswith("2022-01-01T00:00:00.000")  # original non modifié


@pytest.mark.parametrize("texte", [
    "2022-01-01T00:00:00.500000000",  # fraction non nulle
    "2022-01-01T00:00:00+01:00",  # fuseau horaire
    "École A",
    "2022-01-01",
])
def test_dates_gardees_quand_le_raccourci_changerait_quelque_chose(texte):
    court = figures.compacter_figure({"data": [{"type": "scatter", "x": [texte], "y": [1]}], "layout": {}})
    assert court["data"][0]["x"] == [texte]


def test_axe_categoriel_garde_ses_libelles():
    x = ["2022-01-01T00:00:00.000000000", "2022-02-01T00:00:00.000000000"]
    fig = {"data": [{"type": "bar", "x": x, "y": [1, 2]}], "layout": {"xaxis": {"type": "category"}}}
    assert figures.compacter_figure(fig)["data"][0]["x"] == x
    fig2 = {"data": [{"type": "bar", "x": x, "y": [1, 2], "xaxis": "x2"}],
            "layout": {"xaxis2": {"type": "category"}}}
    assert figures.compacter_figure(fig2)["data"][0]["x"] == x


def test_nombres_en_simple_precision_seulement_sans_perte():
    entiers = np.arange(100, dtype=float) * 0.5  # exacts en simple précision
    mesures = np.linspace(0, 1, 7) * 1234.567891  # ne le sont pas
    fig = go.Figure([go.Scatter(x=entiers, y=mesures)])
    court = figures.compacter_figure(_json(fig))
    trace = court["data"][0]
    assert trace["x"]["dtype"] == "f4" and np.array_equal(_valeurs(trace["x"]), entiers)
    assert trace["y"]["dtype"] == "f8" and np.array_equal(_valeurs(trace["y"]), mesures)
    nan = figures.compacter_figure(_json(go.Figure(go.Scatter(y=np.array([1.0, np.nan, 3.0])))))
    assert nan["data"][0]["y"]["dtype"] == "f4"
    assert np.array_equal(_valeurs(nan["data"][0]["y"]), [1.0, np.nan, 3.0], equal_nan=True)


def test_positions_de_carte_en_simple_precision():
    lat = np.array([50.2912345678, 49.8941234567, 50.6292345678])
    lon = np.array([2.7772345678, 2.2957345678, 3.0572345678])
    court = figures.compacter_figure(_json(go.Figure(go.Scattergeo(lat=lat, lon=lon))))
    trace = court["data"][0]
    assert trace["lat"]["dtype"] == "f4" and trace["lon"]["dtype"] == "f4"
    # Moins de 1e-5 degré d'écart : environ 1 m.
    assert np.abs(_valeurs(trace["lat"]) - lat).max() < 1e-5
    assert np.abs(_valeurs(trace["lon"]) - lon).max() < 1e-5


def test_gabarit_reduit_aux_types_de_traces_presents():
    figures.activer_rendu_rapport()
    fig = go.Figure([go.Scatter(x=[1, 2], y=[3, 4]), go.Bar(x=["a"], y=[1])])
    brut = _json(fig)
    assert len(brut["layout"]["template"]["data"]) > 10
    court = figures.compacter_figure(brut)
    assert set(court["layout"]["template"]["data"]) == {"scatter", "bar"} & set(brut["layout"]["template"]["data"])
    assert court["layout"]["template"]["layout"] == brut["layout"]["template"]["layout"]
    # Les styles des types de traces absents (plus de 30 types) sont retirés : au moins 10 fois moins de texte.
    assert len(json.dumps(court["layout"]["template"]["data"])) < len(json.dumps(brut["layout"]["template"]["data"])) / 10


def test_figure_du_rapport_allegee():
    fig = figures.figure_serie_contrefactuelle(_df_contrefactuel(36), "Conso", "MWh",
                                               debut_experimentation="2025-01-01")
    brut = _json(fig)
    stocke = figures.paquet_mime(fig)[MIME_PLOTLY]
    # La figure (données et mise en page) ; la configuration (locale fr pour JupyterLab, environ
    # 1,4 ko) est la même pour toutes et n'est pas dans le JSON de plotly.io.
    figure = {k: v for k, v in stocke.items() if k != "config"}
    assert len(json.dumps(figure)) < 0.6 * len(json.dumps(brut))
    for avant, apres in zip(brut["data"], stocke["data"]):
        assert avant.get("type") == apres.get("type")
        assert list(pd.to_datetime(avant["x"])) == list(pd.to_datetime(apres["x"]))
        assert np.array_equal(_valeurs(avant["y"]), _valeurs(apres["y"]).astype(float))


def test_gabarit_plotly_francais():
    gabarit = pio.templates[figures.NOM_GABARIT]
    assert gabarit.layout.separators == f",{FINE}"
    assert "system-ui" in gabarit.layout.font.family
    script = figures.script_locale_fr()
    assert '"name": "fr"' in script and '"janv."' in script and '"décembre"' in script


def _df_contrefactuel(n=24):
    dates = pd.date_range("2024-01-01", periods=n, freq="MS")
    base = pd.Series(range(n), dtype=float) * 10 + 1000
    return pd.DataFrame({"date": dates, "observe": base - 50, "contrefactuel": base,
                         "contrefactuel_bas": base - 80, "contrefactuel_haut": base + 80})


def test_figure_serie_contrefactuelle():
    fig = figures.figure_serie_contrefactuelle(_df_contrefactuel(), "Conso", "MWh",
                                               debut_experimentation="2025-01-01")
    noms = [t.name for t in fig.data]
    assert "Mesuré" in noms and "Estimé sans l'expérimentation" in noms
    traits = {t.name: t.line.dash for t in fig.data}
    # La couleur n'est pas seule : mesuré en trait plein, contrefactuel en tirets.
    assert traits["Mesuré"] in (None, "solid") and traits["Estimé sans l'expérimentation"] == "dash"
    assert any(t.fill == "tonexty" for t in fig.data)  # bande de l'intervalle
    assert any("Début de l'expérimentation" in a.text for a in fig.layout.annotations)
    with pytest.raises(ValueError, match="contrefactuel"):
        figures.figure_serie_contrefactuelle(pd.DataFrame({"date": [], "observe": []}), "x", "y")


def test_figure_groupes_styles_distincts():
    df = pd.DataFrame({
        "date": list(pd.date_range("2025-01-01", periods=59, freq="D")) * 2,  # janvier, février
        "valeur": list(range(59)) + list(range(59, 118)),
        "groupe": ["expérimental"] * 59 + ["témoin"] * 59,
    })
    fig = figures.figure_groupes(df, "Débit", "m³", frequence="MS")
    assert [t.name for t in fig.data] == ["expérimental", "témoin"]
    assert fig.data[0].line.dash != fig.data[1].line.dash
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol
    assert list(fig.data[0].y) == [15.0, 44.5]  # moyennes mensuelles de 0..30 et de 31..58


def test_figure_barres_valeurs_ecrites():
    df = pd.DataFrame({"site": ["A", "B"], "gain": [1200.5, -250.0], "an": ["2024", "2024"]})
    fig = figures.figure_barres(df, "site", "gain", "Gain", "kWh")
    assert list(fig.data[0].text) == [f"1{FINE}200", f"{MOINS}250"]
    fig2 = figures.figure_barres(pd.concat([df, df.assign(an="2025")]), "site", "gain", "Gain",
                                 groupe="an")
    assert fig2.data[0].marker.pattern.shape != fig2.data[1].marker.pattern.shape


# ------------------------------------------------------------------------------ blocs

PIEGE = "<script>alert(1)</script>"


def test_essentiel_echappe_et_dit_le_verdict_en_mots():
    bloc = blocs.essentiel(PIEGE, "Lille & Roubaix", "Capteurs", "Étendre l'expérimentation",
                           "Trop court", [("Économie", "−8 %", "entre −17 % et +1 %"), ("Coût", "12 k€")],
                           "Moyenne")
    assert PIEGE not in bloc
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in bloc
    assert "Lille &amp; Roubaix" in bloc
    assert "<h2" in bloc and "L'essentiel" in bloc
    assert "Étendre l&#x27;expérimentation" in bloc or "Étendre l'expérimentation" in bloc
    assert bloc._repr_html_() == str(bloc)
    assert bloc.count("<dt>") == 2


@pytest.mark.parametrize(
    ("entree", "libelle"),
    [("generaliser", "Généraliser"), ("Généraliser", "Généraliser"),
     ("etendre", "Étendre l'expérimentation"), ("ajuster puis réévaluer", "Ajuster puis réévaluer"),
     ("ne_pas_generaliser", "Ne pas généraliser"), ("Ne pas généraliser", "Ne pas généraliser")],
)
def test_verdicts(entree, libelle):
    assert blocs.verdict_connu(entree).libelle == libelle
    assert blocs.html.escape(libelle) in blocs.badge_verdict(entree)


def test_verdict_inconnu():
    with pytest.raises(ValueError, match="verdict inconnu"):
        blocs.verdict_connu("peut-être")


def test_tableau_accessible_et_francais():
    df = pd.DataFrame({"site": ["A", PIEGE], "kWh": [1234.5, 99.25], "n": [3, 4],
                       "jour": pd.to_datetime(["2025-03-12", None])})
    t = blocs.tableau(df, "Consommations", colonnes={"kWh": "Énergie (kWh)"})
    assert "<caption>Consommations</caption>" in t
    assert t.count('<th scope="col">') == 4 and "Énergie (kWh)" in t
    assert f'<td class="ep-num">1{FINE}234,5</td>' in t
    assert '<td class="ep-num">3</td>' in t
    assert "<td>12/03/2025</td>" in t and "<td>n.d.</td>" in t
    assert PIEGE not in t
    t2 = blocs.tableau(df.set_index("site"), "Par site", index=True)
    assert '<th scope="row">A</th>' in t2


def test_verifications_statut_en_mots():
    v = blocs.verifications([
        Verification("Tendances parallèles", "reussie", "Ok."),
        Verification("Placebo", "echec", PIEGE),
        Verification("Durée", "attention", "Une saison."),
    ])
    assert "Vérifiée" in v and "Non vérifiée" in v and "À surveiller" in v
    assert PIEGE not in v
    assert 'aria-hidden="true"' in v


def test_avertissement():
    a = blocs.avertissement(PIEGE)
    assert 'role="note"' in a and PIEGE not in a


def _sans_ids(page: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", page)


def _sorties(objet) -> list:
    """Les sorties qu'un objet produit quand un carnet l'affiche (noyau IPython simulé)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    with capture_output() as capture:
        display(objet)
    return capture.outputs


def test_preparer_carnet_affiche_la_feuille_des_blocs():
    (sortie,) = _sorties(blocs.preparer_carnet())
    assert sortie.metadata == {"eprouvette": {"styles": True}}
    assert blocs.est_sortie_styles({"metadata": sortie.metadata})
    assert not blocs.est_sortie_styles({"metadata": {"eprouvette": {"alternative": "x"}}})
    html = sortie.data["text/html"]
    assert html.startswith(f'<style id="{blocs.ID_STYLES}">') and html.endswith("</style>")
    assert blocs.feuille_de_style() in html
    assert pio.renderers.default == figures.NOM_RENDU  # rendu plotly de la maison activé


def test_graphique_affiche_trois_sorties_et_la_figure_une_fois():
    df = _df_contrefactuel(6)
    g = blocs.graphique(figures.figure_serie_contrefactuelle(df, "Conso", "MWh"),
                        "Consommation <b>", "La courbe baisse.", df)
    entete, figure, pied = _sorties(g)
    assert entete.data["text/html"] == g.entete and entete.data["text/plain"] == "Consommation <b>"
    assert set(figure.data) == {MIME_PLOTLY}  # pas de copie text/html dans le carnet
    assert figure.data[MIME_PLOTLY] == g.paquet_figure[MIME_PLOTLY]
    assert figure.metadata == {"eprouvette": {"alternative": g.alternative}}
    assert pied.data["text/html"] == g.pied
    assert pied.data["text/plain"].startswith("Lecture : La courbe baisse. Voir les données du graphique")


def test_bloc_resume_court_en_texte_brut():
    df = pd.DataFrame({"site": [f"École {i}" for i in range(200)], "valeur": range(200)})
    t = blocs.tableau(df, "Beaucoup de lignes")
    (sortie,) = _sorties(t)
    assert sortie.data["text/html"] == str(t)
    texte = sortie.data["text/plain"]
    assert len(texte) <= blocs.LONGUEUR_RESUME and texte.endswith("…")
    assert texte.startswith("Beaucoup de lignes site valeur École 0 0")
    assert "<" not in texte
    (sortie,) = _sorties(blocs.avertissement("Douze jours & deux nuits manquent."))
    assert sortie.data["text/plain"] == "⚠ Attention : Douze jours & deux nuits manquent."
    assert blocs.resume_texte("<p>a <script>x</script>b</p>") == "a b"


def test_graphique_bloc_complet_et_trois_sorties():
    df = _df_contrefactuel(6)
    fig = figures.figure_serie_contrefactuelle(df, "Conso", "MWh")
    g = blocs.graphique(fig, f"Titre {PIEGE}", "La courbe baisse.", df)
    assert PIEGE not in g
    assert "<h3" in g and "plotly-graph-div" in g
    assert "<details" in g and "<summary>Voir les données du graphique</summary>" in g
    assert g.count("<tr>") == 7  # en-tête + 6 lignes
    assert 'role="img"' in g and "aria-label=" in g
    assert str(g) == g.entete + g.figure_html + g.pied
    # Dans le carnet, la figure est stockée une fois (type MIME plotly) ; son alternative
    # textuelle voyage dans les métadonnées de la sortie.
    assert set(g.paquet_figure) == {MIME_PLOTLY}
    assert g.alternative.startswith(f"Titre {PIEGE}. La courbe baisse.")
    # str(bloc) et le rapport (préprocesseur) ont le même HTML de figure, identifiant du <div> à part.
    assert _sans_ids(g.figure_html) == _sans_ids(
        blocs.figure_accessible(g.paquet_figure[MIME_PLOTLY], g.alternative))
    # Le titre est porté par le <h3>, pas répété dans la figure affichée ; la figure d'origine
    # n'est pas modifiée.
    assert fig.layout.title.text == "Conso"


def test_co2_evite_dit_quand_l_effet_n_est_pas_etabli():
    """Premier écran : un CO₂ « évité » ou une économie tirés d'un effet non établi sont présentés comme tels."""
    from eprouvette import config
    from eprouvette.analyse import analyser_pilote
    from eprouvette.presentation import sections

    vus = set()
    for ident in ("energie-gtb-ecoles-beauvais", "energie-gtb-ecoles-saint-quentin"):
        dossier = config.PILOTES / ident
        if not dossier.exists():
            pytest.skip(f"pilote d'exemple absent : {dossier}")
        a = analyser_pilote(dossier)
        chiffres = sections.chiffres_cles(a)
        assert len(chiffres) <= 4  # quatre cartes : elles tiennent dans le premier écran d'un portable
        # Le CO₂ évité est dit sous l'économie qui le produit, avec la même condition.
        (eco,) = [c for c in chiffres if c[0].startswith("Économie par an")]
        assert "t de CO₂ évitées par an" in eco[2]
        assert ("n'est pas établi" in eco[2]) == (not a.resultat.significatif)
        vus.add(a.resultat.significatif)
    assert vus == {True, False}  # un pilote de chaque sorte : le test a de quoi mordre


def test_essentiel_dit_le_niveau_de_preuve():
    bloc = blocs.essentiel("", "Arras", "Compteurs", "etendre", "Sans témoin", [], "Moyenne",
                           niveau_preuve_phrase="2 sur 5 (avant / après). Sans site témoin, <b>…</b>")
    assert "Niveau de preuve\u00a0:" in bloc and "2 sur 5" in bloc and "&lt;b&gt;" in bloc
    assert "Niveau de preuve" not in blocs.essentiel("", "Arras", "Compteurs", "etendre", "x", [], "y")


def test_phrase_effet_sans_incertitude_calculable():
    from eprouvette.methodes.base import ResultatImpact, incertitude_indeterminee
    from eprouvette.presentation.sections import phrase_effet

    r = ResultatImpact("dd", "DD", "conso", "kWh", -100.0, -150.0, -50.0, 0.01, effet_relatif=-0.1,
                       ic_relatif_bas=-0.15, ic_relatif_haut=-0.05, erreur_type=25.0)
    assert "a baissé" in phrase_effet(r)
    incertitude_indeterminee(r, "deux grappes seulement")
    texte = phrase_effet(r)
    assert "ne permettent pas de calculer son incertitude" in texte and "n.d." not in texte
    assert "a baissé" not in texte and "−10" in texte


def test_chaque_verification_a_un_titre_francais():
    """Le rapport ne montre jamais un identifiant (« nombre_grappes », « tendances_prealables ») comme
    titre de vérification : chaque nom-identifiant que la bibliothèque donne à une ``Verification`` a
    son titre dans ``blocs.LIBELLES_VERIFICATIONS``."""
    import re
    from pathlib import Path

    import eprouvette
    from eprouvette.methodes.base import Verification
    from eprouvette.presentation import blocs

    racine = Path(eprouvette.__file__).parent
    identifiants = set()
    for fichier in racine.rglob("*.py"):
        identifiants |= set(re.findall(r'Verification\(\s*"([a-z0-9_]+)"', fichier.read_text(encoding="utf-8")))
        identifiants |= set(re.findall(r'Verification\(\s*nom="([a-z0-9_]+)"', fichier.read_text(encoding="utf-8")))
    assert {"nombre_grappes", "tendances_prealables", "autocorrelation_residus"} <= identifiants
    manquants = sorted(identifiants - set(blocs.LIBELLES_VERIFICATIONS))
    assert manquants == [], f"vérifications sans titre français : {manquants}"
    page = blocs.verifications([Verification("nombre_grappes", "reussie", "Assez de sites.", 20.0),
                                Verification("Ajustement mensuel (ASHRAE 14, CV(RMSE))", "attention", "…", 1.0)])
    assert "Nombre de sites" in page and "nombre_grappes" not in page
    assert "Ajustement mensuel (ASHRAE 14, CV(RMSE))" in page
    assert blocs.libelle_verification("un_nom_nouveau") == "Un nom nouveau"


def test_figure_etude_evenement():
    evt = pd.DataFrame({"duree": [-3, -2, -1, 0, 1, 2], "att": [0.01, 0.0, -0.01, -0.05, -0.2, -0.3],
                        "bas": [-0.05, float("nan"), -0.06, -0.1, -0.3, -0.42],
                        "haut": [0.07, float("nan"), 0.04, 0.0, -0.1, -0.18]})
    fig = figures.figure_etude_evenement(evt, "Effet selon la durée", "levées", libelle_duree="Semaines", pas=4)
    noms = [t.name for t in fig.data]
    assert "Avant l'équipement (tendances parallèles)" in noms and "Depuis l'équipement" in noms
    avant = next(t for t in fig.data if t.name.startswith("Avant"))
    depuis = next(t for t in fig.data if t.name == "Depuis l'équipement")
    # Durées en semaines (pas de 4), avant et depuis distingués par la couleur *et* le marqueur et le trait.
    assert list(avant.x) == [-12, -8, -4] and list(depuis.x) == [0, 4, 8]
    assert avant.marker.symbol != depuis.marker.symbol and avant.line.dash != depuis.line.dash
    bande = [t for t in fig.data if t.fill == "tonexty"]
    assert len(bande) == 1 and not any(math.isnan(v) for v in bande[0].y)  # durée sans variation : sans largeur
    # Ligne zéro horizontale et trait « Équipement » entre la dernière durée d'avant et la première d'après.
    assert any(s.y0 == 0 and s.y1 == 0 and s.xref == "paper" for s in fig.layout.shapes)
    assert any(s.x0 == -2 and s.yref == "paper" for s in fig.layout.shapes)
    assert any(a.text == "Équipement" for a in fig.layout.annotations)
    assert fig.layout.xaxis.title.text == "Semaines" and fig.layout.yaxis.title.text == "levées"
    # Sans incertitude calculable : pas de bande, les points restent.
    sans = figures.figure_etude_evenement(evt.assign(bas=float("nan"), haut=float("nan")), "x", "levées")
    assert not any(t.fill == "tonexty" for t in sans.data) and len(sans.data) == 2
    with pytest.raises(ValueError, match="att"):
        figures.figure_etude_evenement(pd.DataFrame({"duree": [0]}), "x", "y")
