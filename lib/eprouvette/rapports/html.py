"""Conversion d'un carnet exécuté en rapport HTML autonome (gabarit nbconvert ``eprouvette``).

Le rapport est un seul fichier, lisible hors ligne (ouvert depuis un courriel, sans réseau) :
plotly.js y est inséré une fois (réduit aux types de traces des rapports et compressé :
:mod:`eprouvette.presentation.paquet_plotly`), aucune ressource n'est chargée depuis Internet. Un carnet
dont une cellule a échoué n'est jamais converti (la trace d'erreur finirait dans le rapport).

Les figures plotly ne sont stockées dans le carnet exécuté que sous leur type MIME
(``application/vnd.plotly.v1+json``, interactif dans JupyterLab), que nbconvert ne sait pas
rendre : le préprocesseur :class:`PreparationRapport` en fait ici le ``<div>`` +
``Plotly.newPlot`` du rapport (configuration de la maison : locale ``fr``, barre d'outils
réduite, figure adaptable), dans son cadre accessible quand la sortie porte une alternative
textuelle, suivi du message visible qui le remplace sans JavaScript. Une sortie qui a déjà son ``text/html`` (carnet exécuté par une version antérieure)
est gardée telle quelle : aucune figure n'est dédoublée.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path

from .._imports import jsonschema as _jsonschema

_jsonschema()  # nbformat et nbconvert importent jsonschema : sans la grammaire rfc3987 (voir eprouvette._imports)

import nbformat  # noqa: E402
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

import eprouvette
from eprouvette import francais
from eprouvette.presentation import blocs, figures, paquet_plotly
from eprouvette.rapports import typographie

#: Dossier des gabarits nbconvert du projet.
DOSSIER_GABARITS = Path(__file__).resolve().parent / "templates"
NOM_GABARIT = "eprouvette"
#: Étiquettes de cellules retirées du rapport (paramètres papermill, cellules techniques).
ETIQUETTES_RETIREES = frozenset({"parameters", "injected-parameters", "masquer", "remove_cell"})


class CarnetEnErreur(RuntimeError):
    """Le carnet contient une cellule en erreur : il ne doit pas devenir un rapport."""


def html_sortie_plotly(sortie) -> str | None:
    """Le HTML du rapport pour une sortie qui porte une figure plotly (``None`` sinon).

    Avec une alternative textuelle dans les métadonnées de la sortie (figure d'un
    :func:`eprouvette.presentation.blocs.graphique`), la figure est dans son cadre accessible
    (``role="img"``, ``aria-label``) ; sinon (``fig.show()``), la figure seule.
    """
    donnees = sortie.get("data") or {}
    fig_json = donnees.get(blocs.MIME_PLOTLY)
    if not isinstance(fig_json, dict):
        return None
    propres = (sortie.get("metadata") or {}).get(blocs.CLE_METADONNEES) or {}
    alternative = propres.get("alternative") if isinstance(propres, dict) else None
    if alternative:
        figure = blocs.figure_accessible(fig_json, alternative)
    else:
        figure = figures.html_figure_json(fig_json)
    return figure + paquet_plotly.message_sans_graphique()


class PreparationRapport(Preprocessor):
    """Préprocesseur du gabarit ``eprouvette`` (déclaré dans son conf.json).

    Fournit plotly.js au gabarit (compressé, avec son chargeur et la locale française ; le paquet
    réduit si le carnet ne dessine que ses types de traces, sinon le complet), fait le HTML des
    figures plotly stockées sous leur seul type MIME (une sortie qui a déjà son ``text/html``
    n'est pas touchée), fournit la feuille de style des blocs (``css_blocs``) et retire du carnet la
    sortie qui la portait pour JupyterLab (:func:`eprouvette.presentation.blocs.styles_carnet` : la
    page ne l'a qu'une fois) et les cadres pour l'analyste seul (``blocs.BlocAnalyste`` : ce qui a
    été lu du dossier), ainsi que les flux texte (``print``, avertissements sur stderr) qui
    n'ont rien à faire dans un rapport.
    """

    def preprocess(self, nb, resources):
        resources = resources if resources is not None else {}
        infos = resources.setdefault("eprouvette", {})
        types = [t for cellule in nb.cells for sortie in cellule.get("outputs", [])
                 if isinstance((sortie.get("data") or {}).get(blocs.MIME_PLOTLY), dict)
                 for t in paquet_plotly.types_traces(sortie["data"][blocs.MIME_PLOTLY])]
        infos.setdefault("scripts_plotly", paquet_plotly.scripts_plotly(figures.script_locale_fr(), types))
        # La feuille des blocs, une fois en tête de page ; la sortie qui la porte dans le carnet est retirée.
        infos.setdefault("css_blocs", blocs.feuille_de_style())
        infos.setdefault("version", eprouvette.__version__)
        infos.setdefault("date", francais.date_longue(date.today()))
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if o.get("output_type") != "stream" and not blocs.est_sortie_hors_rapport(o)]
            for sortie in cell.outputs:
                donnees = sortie.get("data")
                if donnees is None or "text/html" in donnees:
                    continue
                page = html_sortie_plotly(sortie)
                if page is not None:
                    donnees["text/html"] = page
        return cell, resources


def erreurs_du_carnet(nb: nbformat.NotebookNode) -> list[str]:
    """Description en français de chaque cellule en erreur (liste vide si tout a réussi)."""
    erreurs = []
    for i, cell in enumerate(nb.get("cells", [])):
        for sortie in cell.get("outputs", []) or []:
            if sortie.get("output_type") == "error":
                erreurs.append(
                    f"cellule {i + 1} : {sortie.get('ename', 'Erreur')} — {sortie.get('evalue', '')}"
                )
    papermill = nb.get("metadata", {}).get("papermill", {})
    if papermill.get("exception") and not erreurs:
        erreurs.append("papermill signale une exception pendant l'exécution du carnet")
    return erreurs


def exportateur() -> HTMLExporter:
    """L'exportateur HTML réglé pour les rapports (sans code, sans invites, en français) : un par
    processus, repris d'une conversion à l'autre (:func:`convertir_en_html`), pour ne compiler ses
    gabarits Jinja qu'une fois (≈ 0,3 s de CPU par conversion ; un rapport en fait deux, avec sa note).
    Il ne garde rien d'un carnet au suivant : chaque conversion reçoit ses propres ``resources``."""
    return _exportateur()


class ExportateurRapport(HTMLExporter):
    """L'exportateur HTML de nbconvert, sans sa relecture de la page par BeautifulSoup.

    ``HTMLExporter.from_notebook_node`` rend la page par son gabarit, puis la relit en entier avec
    BeautifulSoup pour rendre chaque sortie focalisable (``tabindex="0"``, que le rapport retirait
    ensuite : sans code à faire défiler, ce sont des arrêts inutiles au clavier) et donner un texte
    anglais aux images sans alternative, avant de la réécrire : ≈ 0,2 s de CPU par conversion, deux
    par rapport. Ici, la page est celle du gabarit, telle quelle (même document une fois lu par un
    navigateur ou par BeautifulSoup : vérifié sur les rapports d'exemple) ; une image sans
    alternative en reçoit une en français (:func:`convertir_en_html`).
    """

    def from_notebook_node(self, nb, resources=None, **kw):
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        langage = nb.metadata.get("language_info", {})
        coloration = self.filters.get("highlight_code", Highlight2HTML(
            pygments_lexer=langage.get("pygments_lexer", langage.get("name")), parent=self))
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", coloration)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


#: Alternative textuelle d'une image sortie par un carnet sans la sienne (graphique matplotlib d'un analyste).
ALTERNATIVE_IMAGE = "Image produite par le carnet d'analyse, sans description"
_IMAGE_SANS_ALTERNATIVE = re.compile(r"<img\b(?![^>]*\balt=)", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def _exportateur() -> HTMLExporter:
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = set(ETIQUETTES_RETIREES)
    config.TagRemovePreprocessor.enabled = True
    return ExportateurRapport(
        config=config,
        template_name=NOM_GABARIT,
        extra_template_basedirs=[str(DOSSIER_GABARITS)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        language_code="fr",
        # Le carnet n'est validé qu'une fois, après tous les préprocesseurs, et non après chacun
        # (une quinzaine) : ≈ 40 ms de CPU par conversion. Un carnet invalide est refusé de même.
        optimistic_validation=True,
    )


def convertir_en_html(nb: nbformat.NotebookNode, titre: str, date_rapport: date | None = None) -> str:
    """Convertit un carnet **exécuté** en page HTML autonome, titrée ``titre``.

    Lève :class:`CarnetEnErreur` si une cellule est en erreur : un carnet en échec ne
    devient jamais un rapport. ``date_rapport`` (par défaut aujourd'hui) figure en pied de page.
    Le carnet reçu n'est pas modifié.
    """
    erreurs = erreurs_du_carnet(nb)
    if erreurs:
        raise CarnetEnErreur(
            f"le carnet « {titre} » n'a pas été converti en rapport car son exécution a échoué : "
            + " ; ".join(erreurs)
        )
    if not str(titre).strip():
        raise ValueError("le titre du rapport est vide")
    # Copie de premier niveau, métadonnées à part : nbconvert copie lui-même le carnet en entier (deux fois)
    # avant tout préprocesseur ; une troisième copie profonde coûtait ≈ 0,1 s par conversion.
    nb = nbformat.NotebookNode({**nb, "metadata": nbformat.NotebookNode({**nb.metadata, "title": str(titre)})})
    resources = {"eprouvette": {"date": francais.date_longue(date_rapport or date.today())}}
    corps, _ = exportateur().from_notebook_node(nb, resources=resources)
    corps = _IMAGE_SANS_ALTERNATIVE.sub(f'<img alt="{ALTERNATIVE_IMAGE}"', corps)
    # Typographie française (espaces insécables) sur tout le texte visible, en une passe.
    corps = typographie.appliquer(corps)
    if corps.count(f'id="{paquet_plotly.ID_DONNEES}"') != 1 and 'class="plotly-graph-div"' in corps:
        raise RuntimeError("plotly.js devrait figurer exactement une fois dans le rapport")
    return corps
