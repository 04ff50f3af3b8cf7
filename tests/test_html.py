"""Du carnet exécuté au rapport HTML : gabarit nbconvert ``eprouvette`` et ``convertir_en_html``.

Le carnet de test est construit ici, exécuté une fois par session (nbclient, noyau python3)
et partagé avec tests/test_navigateur_gabarit.py.
"""

from __future__ import annotations

import copy
import functools
import json
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from eprouvette.presentation import paquet_plotly
from eprouvette.rapports import html as rapports_html

TITRE = "Pilotage du chauffage & des écoles <Douai>"
PIEGE = "<script>alert(1)</script>"

CELLULES = [
    ("code", "seuil = 0.05", ["parameters"]),
    ("code", """\
import sys
import numpy as np
import pandas as pd
from IPython.display import display
from eprouvette.methodes.base import Verification
from eprouvette import francais as textes
from eprouvette.presentation import blocs, figures
display(blocs.preparer_carnet())
print("BRUIT-STDOUT")
print("BRUIT-STDERR", file=sys.stderr)""", []),
    ("markdown", "Note d'évaluation (le titre h1 vient du gabarit, tiré de metadata.title).", []),
    ("code", f"""\
display(blocs.essentiel(
    titre="Pilote {PIEGE}",
    lieu="Douai (Nord)",
    ce_qui_a_ete_teste="Une régulation pièce par pièce dans 4 écoles.",
    verdict="ajuster",
    raison_verdict="Un effet apparaît mais il reste incertain.",
    chiffres_cles=[("Économie d'énergie", textes.pourcentage_signe(-0.083), "entre −17,2 % et +0,9 %"),
                   ("Économie annuelle", textes.euros(12_500, "k"), None)],
    certitude_phrase="Moyenne : une seule saison de chauffage."))""", []),
    ("markdown", "## Ce que montrent les mesures", []),
    ("code", """\
dates = pd.date_range("2024-01-01", periods=24, freq="MS")
cf = 1000 + 300 * np.cos(np.arange(24) * 2 * np.pi / 12)
df = pd.DataFrame({"date": dates, "observe": cf * np.where(np.arange(24) >= 12, 0.9, 1.0),
                   "contrefactuel": cf, "contrefactuel_bas": cf - 80, "contrefactuel_haut": cf + 80})
fig = figures.figure_serie_contrefactuelle(df, "Consommation", "MWh", debut_experimentation="2025-01-01")
blocs.graphique(fig, "Consommation mesurée et estimée", "La consommation baisse après janvier 2025.", df)""", []),
    ("code", """\
barres = pd.DataFrame({"site": ["École A", "École B"], "gain": [1200.0, 3400.0]})
blocs.graphique(figures.figure_barres(barres, "site", "gain", "Gain par site", "kWh"),
                "Gain par site", "L'école B gagne le plus.", barres)""", []),
    ("code", "import plotly.express as px\npx.histogram(x=[1, 2, 2, 3, 3, 3]).show()", []),
    ("markdown", "## Les hypothèses vérifiées", []),
    ("code", """\
display(blocs.verifications([Verification("Tendances parallèles", "reussie", "Identiques avant."),
                             Verification("Durée", "attention", "Une seule saison.")]))
display(blocs.avertissement("Douze jours manquent à l'école C."))""", []),
]

#: Types de traces attendus pour chaque graphique de la page, dans l'ordre.
TRACES_ATTENDUES = [["scatter"] * 4, ["bar"], ["histogram"]]


def carnet_de_test() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for genre, source, etiquettes in CELLULES:
        fabrique = new_code_cell if genre == "code" else new_markdown_cell
        nb.cells.append(fabrique(source, metadata={"tags": etiquettes} if etiquettes else {}))
    return nb


@functools.lru_cache(maxsize=1)
def carnet_execute() -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    nb = carnet_de_test()
    NotebookClient(nb, kernel_name="python3", timeout=120, shutdown_kernel="immediate").execute()
    return nb


@functools.lru_cache(maxsize=1)
def rapport_de_test() -> str:
    return rapports_html.convertir_en_html(copy.deepcopy(carnet_execute()), TITRE)


@pytest.fixture(scope="module")
def rapport() -> str:
    return rapport_de_test()


def _sans_plotly_js(page: str) -> str:
    """La page sans plotly.js (bloc de données compressé) ni son chargeur."""
    for ident in (paquet_plotly.ID_DONNEES, paquet_plotly.ID_CHARGEUR):
        debut = page.index(f'id="{ident}"')
        fin = page.index("</script>", debut)
        page = page[:debut] + page[fin:]
    return page


# ------------------------------------------------------------------------------ le carnet

MIME_PLOTLY = "application/vnd.plotly.v1+json"


def _sorties_figure(nb) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if MIME_PLOTLY in o.get("data", {})]


@pytest.mark.lent
def test_chaque_figure_stockee_une_seule_fois_dans_le_carnet_execute():
    nb = carnet_execute()
    sorties_figure = _sorties_figure(nb)
    assert len(sorties_figure) == 3  # deux graphique() et un fig.show()
    for o in sorties_figure:
        # Le type MIME plotly seul (JupyterLab) : pas de copie text/html, ni plotly.js.
        assert set(o["data"]) == {MIME_PLOTLY}
        assert o["data"][MIME_PLOTLY]["config"]["locale"] == "fr"
    alternatives = [o.get("metadata", {}).get("eprouvette", {}).get("alternative") for o in sorties_figure]
    assert alternatives[0].startswith("Consommation mesurée et estimée. La consommation baisse")
    assert alternatives[1].startswith("Gain par site. L'école B gagne le plus.")
    assert alternatives[2] is None  # fig.show() : pas d'alternative
    texte = nbformat.writes(nb)
    assert "plotly-graph-div" not in texte and "Plotly.newPlot" not in texte
    assert "plotly.js v" not in texte
    assert len(texte) < 100_000


def _attributs_des_div(page: str) -> list[dict]:
    from html.parser import HTMLParser

    class Lecteur(HTMLParser):
        def __init__(self):
            super().__init__()
            self.divs = []

        def handle_starttag(self, tag, attrs):
            if tag == "div":
                self.divs.append(dict(attrs))

    lecteur = Lecteur()
    lecteur.feed(page)
    return lecteur.divs


@pytest.mark.lent
def test_chaque_figure_du_carnet_dessinee_dans_le_rapport(rapport):
    nb = carnet_execute()
    assert rapport.count('class="plotly-graph-div"') == len(_sorties_figure(nb)) == 3
    assert _sans_plotly_js(rapport).count("Plotly.newPlot") == 3
    # Chaque figure est suivie du message qui la remplace sans JavaScript (tests/test_navigateur_gabarit.py
    # vérifie qu'il s'affiche alors, et seulement alors).
    assert _sans_plotly_js(rapport).count('<p class="ep-graphique__absent">') == 3
    # Les figures de graphique() dans leur cadre accessible, l'alternative échappée.
    cadres = [(a.get("role"), a.get("aria-label")) for a in _attributs_des_div(rapport)
              if "ep-graphique__figure" in (a.get("class") or "").split()]
    assert len(cadres) == 2 and all(role == "img" for role, _ in cadres)
    assert cadres[1][1].startswith("Gain par site. L'école B gagne le plus.")
    # La configuration de la maison.
    for morceau in ('"locale": "fr"', '"displaylogo": false', '"responsive": true',
                    '"modeBarButtons": [["toImage"]]'):
        assert _sans_plotly_js(rapport).count(morceau) == 3, morceau
    # Dans un cadre role="img", ni barre d'outils ni autre commande : le cadre est le seul arrêt du
    # clavier (vérifié dans Chromium par tests/test_navigateur_gabarit.py) ; la figure de fig.show()
    # garde la sienne.
    assert _sans_plotly_js(rapport).count('"displayModeBar": false') == 2
    assert all(a.get("tabindex") == "0" for a in _attributs_des_div(rapport) if a.get("role") == "img")


def test_sortie_plotly_avec_son_html_n_est_pas_dedoublee():
    """Un carnet exécuté par une version antérieure (type plotly + text/html) : rien n'est ajouté."""
    from eprouvette.presentation import blocs, figures
    import plotly.graph_objects as go

    paquet = figures.paquet_mime(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])))
    ancien = dict(paquet, **{"text/html": figures.html_figure_json(paquet[MIME_PLOTLY])})
    nouveau = dict(paquet)
    cellule = new_code_cell("graphiques")
    cellule.outputs = [
        new_output("display_data", data=ancien),
        new_output("display_data", data=nouveau, metadata={"eprouvette": {"alternative": "Barres <a & b>"}}),
    ]
    nb = new_notebook(cells=[new_markdown_cell("# Titre"), cellule])
    avant = nbformat.writes(nb)
    page = rapports_html.convertir_en_html(nb, "Deux figures")
    assert nbformat.writes(nb) == avant  # le carnet reçu n'est pas modifié
    assert page.count('class="plotly-graph-div"') == 2
    assert _sans_plotly_js(page).count("Plotly.newPlot") == 2
    ident = re.search(r'id="([0-9a-f-]{36})"', ancien["text/html"]).group(1)
    assert page.count(f'id="{ident}"') == 1  # le HTML déjà là est celui du rapport, une fois
    cadres = [a for a in _attributs_des_div(page) if a.get("role") == "img"]
    assert [a.get("aria-label") for a in cadres] == ["Barres <a & b>"]
    assert "Barres <a" not in page  # échappée dans le HTML


# ------------------------------------------------------------------------------ le rapport

@pytest.mark.lent
def test_feuille_des_blocs_une_fois_dans_le_carnet_et_dans_le_rapport(rapport):
    """Le carnet affiche la feuille des blocs une fois (pour JupyterLab) ; le rapport l'a une fois en
    tête de page, et pas la sortie du carnet qui la portait."""
    from eprouvette.presentation import blocs

    sorties = [o for c in carnet_execute().cells for o in c.get("outputs", [])]
    styles = [o for o in sorties if blocs.est_sortie_styles(o)]
    assert len(styles) == 1
    assert styles[0]["data"]["text/html"] == str(blocs.styles_carnet())
    assert styles[0]["data"]["text/plain"] == "(styles des blocs du rapport)"
    feuille = blocs.feuille_de_style()
    assert ".ep-chiffres {" in feuille and rapport.count(feuille) == 1
    assert blocs.ID_STYLES not in rapport
    tete, _, corps = rapport.partition("</head>")
    assert feuille in tete and ".ep-chiffres {" not in corps


def test_cadre_pour_l_analyste_retire_du_rapport():
    """Un cadre pour l'analyste (``blocs.BlocAnalyste``, ce qui a été lu du dossier) reste dans le
    carnet et n'entre pas dans le rapport."""
    from eprouvette.presentation import blocs

    cadre = blocs.dossier_lu(["Sites : 2 — 1 expérimental (a), 1 témoin (b)."], "lu sans erreur : 2 sites.")
    cellule = new_code_cell("display(cadre)")
    cellule.outputs = [new_output("display_data", data={"text/html": str(cadre), "text/plain": "cadre"},
                                  metadata={"eprouvette": {"analyste": True}}),
                       new_output("display_data", data={"text/html": "<p>Reste au rapport.</p>"})]
    page = rapports_html.convertir_en_html(new_notebook(cells=[new_markdown_cell("# T"), cellule]), "T")
    assert "Reste au rapport." in page
    assert "Dossier du pilote lu" not in page and "Sites : 2" not in page


def test_page_francaise_titree(rapport):
    assert '<html lang="fr">' in rapport
    assert "<title>Pilotage du chauffage &amp; des écoles &lt;Douai&gt;</title>" in rapport


@pytest.mark.lent
def test_plotly_js_une_seule_fois_avant_les_figures(rapport):
    import base64
    import gzip

    blocs_plotly = re.findall(
        rf'<script[^>]* id="{paquet_plotly.ID_DONNEES}"[^>]*>([^<]*)</script>', rapport)
    assert len(blocs_plotly) == 1
    # Le bloc est plotly.js compressé, et rien d'autre : le complet, car le carnet de test dessine un
    # histogramme, absent du plotly.js réduit (test_paquet_selon_les_traces).
    js = gzip.decompress(base64.b64decode(blocs_plotly[0]))
    assert js == paquet_plotly.chemin_plotly_complet().read_bytes()
    assert rapport.count(f'id="{paquet_plotly.ID_CHARGEUR}"') == 1
    premiere_figure = rapport.index('class="plotly-graph-div"')
    assert rapport.index(f'id="{paquet_plotly.ID_DONNEES}"') < premiere_figure
    # La locale française est déclarée par le chargeur, avant la file des figures.
    chargeur = rapport[rapport.index(f'id="{paquet_plotly.ID_CHARGEUR}"'):premiere_figure]
    assert chargeur.index('Plotly.register({"moduleType": "locale", "name": "fr"') < chargeur.index(
        "attente.forEach")


def test_paquet_selon_les_traces(tmp_path, monkeypatch):
    """Le plotly.js réduit pour les seules traces qu'il contient ; sinon le complet, avec un avertissement."""
    from eprouvette import config

    with pytest.warns(paquet_plotly.PaquetPlotlyComplet, match="histogram"):
        p = paquet_plotly.paquet(["scatter", "histogram"])
    assert not p.reduit and p.chemin == paquet_plotly.chemin_plotly_complet()
    # Paquet réduit absent (pas de `make js`) : le complet, et le message dit quoi faire.
    monkeypatch.setattr(config, "PAQUETS_JS", tmp_path / "vide")
    with pytest.warns(paquet_plotly.PaquetPlotlyComplet, match="make js"):
        p = paquet_plotly.paquet(["scatter", "bar"])
    assert not p.reduit
    # Paquet réduit présent mais construit pour d'autres traces : refusé de même.
    monkeypatch.setattr(config, "PAQUETS_JS", tmp_path)
    (tmp_path / paquet_plotly.NOM_PAQUET).write_text("var Plotly = {};", encoding="utf-8")
    fiche = {"version": paquet_plotly.version_plotly_js(), "traces": ["scatter"],
             "sha256": paquet_plotly.empreinte(tmp_path / paquet_plotly.NOM_PAQUET)}
    (tmp_path / paquet_plotly.NOM_FICHE).write_text(json.dumps(fiche), encoding="utf-8")
    assert "relancez `make js`" in paquet_plotly.raison_paquet_complet()
    fiche["traces"] = list(paquet_plotly.TRACES)
    (tmp_path / paquet_plotly.NOM_FICHE).write_text(json.dumps(fiche), encoding="utf-8")
    assert paquet_plotly.raison_paquet_complet() == ""
    assert paquet_plotly.paquet(["scattergeo", "bar"]).reduit
    # … et modifié après sa construction : refusé.
    (tmp_path / paquet_plotly.NOM_PAQUET).write_text("var Plotly = {x: 1};", encoding="utf-8")
    assert "modifié" in paquet_plotly.raison_paquet_complet()


@pytest.mark.lent
def test_aucune_ressource_distante(rapport):
    page = _sans_plotly_js(rapport)
    assert not re.search(r"<script[^>]+src=", page), "script externe"
    assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", page), "feuille externe"
    assert not re.search(r"<(img|iframe)[^>]+src=[\"']?(https?:)?//", page)
    for morceau in ("require.js", "mathjax", "mermaid", "cdn.", "jsdelivr", "unpkg"):
        assert morceau not in page.lower(), morceau


@pytest.mark.lent
def test_ni_code_ni_invite_ni_flux(rapport):
    page = _sans_plotly_js(rapport)
    for morceau in ("activer_rendu_rapport", "import numpy", "seuil = 0.05", "In&nbsp;[", "Out[",
                    "BRUIT-STDOUT", "BRUIT-STDERR", "jp-InputArea-editor", "highlight"):
        assert morceau not in page, morceau
    assert "Traceback" not in page


@pytest.mark.lent
def test_structure_du_rapport(rapport):
    page = _sans_plotly_js(rapport)
    titres = re.findall(r"<h([1-6])[^>]*>(.*?)</h\1>", page, flags=re.S)
    textes = [re.sub("<[^>]+>", "", t).strip() for _, t in titres]
    assert textes[0] == "Pilotage du chauffage &amp; des écoles &lt;Douai&gt;"  # h1 du gabarit, échappé
    assert titres[0][0] == "1"
    assert textes[1] == "L'essentiel"  # avant toutes les autres sections
    assert textes.index("L'essentiel") < textes.index("Ce que montrent les mesures")
    niveaux = [int(n) for n, _ in titres]
    assert all(b <= a + 1 for a, b in zip([0] + niveaux, niveaux)), niveaux
    assert page.count("<summary>Voir les données du graphique</summary>") == 2
    assert page.count("<caption>") == 2
    assert 'href="#contenu"' in page and 'id="contenu"' in page  # lien d'évitement
    assert "@media print" in page


@pytest.mark.lent
def test_texte_echappe(rapport):
    assert PIEGE not in rapport
    assert "Pilote &lt;script&gt;alert(1)&lt;/script&gt;" in rapport


# ------------------------------------------------------------------------------ refus

def _carnet_en_erreur() -> nbformat.NotebookNode:
    nb = new_notebook()
    cellule = new_code_cell("1 / 0")
    cellule.outputs = [new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                  traceback=["Traceback…"])]
    nb.cells = [new_markdown_cell("# Titre"), cellule]
    return nb


def test_refuse_un_carnet_en_erreur():
    with pytest.raises(rapports_html.CarnetEnErreur, match=r"cellule 2 : ZeroDivisionError"):
        rapports_html.convertir_en_html(_carnet_en_erreur(), "Essai")


def test_refuse_un_carnet_signale_en_echec_par_papermill():
    nb = new_notebook(cells=[new_markdown_cell("# Titre")])
    nb.metadata["papermill"] = {"exception": True}
    with pytest.raises(rapports_html.CarnetEnErreur, match="papermill"):
        rapports_html.convertir_en_html(nb, "Essai")


def test_carnet_sans_code_converti_et_non_modifie():
    nb = new_notebook(cells=[new_markdown_cell("# Un titre\n\nDu texte.")])
    avant = nbformat.writes(nb)
    page = rapports_html.convertir_en_html(nb, "Sans code")
    assert nbformat.writes(nb) == avant
    assert "<title>Sans code</title>" in page and "<h1" in page


# --- Typographie française du texte visible (eprouvette.rapports.typographie) ----------------------

def test_typographie_espaces_insecables_dans_le_texte():
    from eprouvette.rapports import typographie

    page = ('<p>Pourquoi : « Généraliser » ; vraiment ? oui ! 12 % et 1 200 € et 3 t de CO₂, 143 MWh.</p>'
            '<p><strong>Où</strong> : ici <a href="#x">«</a> cité</p>')
    sortie = typographie.appliquer(page)
    nb, fine = "\u00a0", "\u202f"
    assert (f"<p>Pourquoi{nb}: «{nb}Généraliser{nb}»{fine}; vraiment{fine}? oui{fine}! 12{nb}% et 1 200{nb}€ et "
            f"3{nb}t de CO₂, 143{nb}MWh.</p>") in sortie
    # L'espace en fin de nœud texte avant un « : » du nœud suivant, et après un « « » d'un lien.
    assert f"<strong>Où</strong>{nb}: ici" in sortie
    assert f'<a href="#x">«</a>{nb}cité' in sortie


def test_typographie_ne_touche_ni_balises_ni_scripts_ni_styles():
    from eprouvette.rapports import typographie

    page = ('<div aria-label="Titre : sous-titre ?" data-x=\'a > b : c\'>Texte : oui</div>'
            '<script type="application/json">{"title": "Titre : a ; b", "y": "12 %"}</script>'
            '<style>a::after { content: " : "; }</style><pre>x : y</pre><code>a ; b</code><!-- c : d -->')
    sortie = typographie.appliquer(page)
    attendu = page.replace("Texte : oui", "Texte\u00a0: oui")
    assert sortie == attendu
    # Une page sans rien à corriger est rendue à l'identique.
    assert typographie.appliquer(attendu) == attendu


def test_rapport_de_test_sans_espace_ordinaire_avant_la_ponctuation_haute(rapport):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from texte_visible import ESPACE_FAUTIVE, texte_visible

    texte = texte_visible(rapport)
    assert ":" in texte and not ESPACE_FAUTIVE.findall(texte)


def test_image_sans_alternative_en_recoit_une_en_francais():
    """Une image sortie par le carnet d'un analyste (matplotlib) sans alternative en reçoit une en français ;
    la page n'est pas relue par BeautifulSoup (pas de texte anglais de nbconvert, pas de tabindex sur les
    sorties), et une image qui a déjà la sienne la garde."""
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    cellule = new_code_cell("graphique()")
    cellule.outputs = [new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
                       new_output("display_data", data={"text/html": '<img src="x.png" alt="Carte du réseau">'})]
    page = rapports_html.convertir_en_html(new_notebook(cells=[new_markdown_cell("# T"), cellule]), "T")
    images = re.findall(r"<img\b[^>]*>", page)
    assert len(images) == 2, images
    assert f'alt="{rapports_html.ALTERNATIVE_IMAGE}"' in images[0]
    assert 'alt="Carte du réseau"' in images[1] and rapports_html.ALTERNATIVE_IMAGE not in images[1]
    assert "No description" not in page
    assert not re.search(r'jp-OutputArea-output[^"]*"[^>]*tabindex', page)
