"""Blocs HTML des rapports : « L'essentiel », graphiques avec leurs données, tableaux, vérifications.

Chaque fonction renvoie un :class:`Bloc` : une chaîne HTML (utilisable telle quelle,
``display(HTML(bloc))`` fonctionne) qui sait aussi s'afficher seule dans un carnet
(``display(bloc)`` ou en dernière ligne d'une cellule). Tout texte reçu est échappé avec
:func:`eprouvette.francais.echapper` : un pilote nommé ``<script>…`` s'affiche comme du texte.

Le style des blocs (classes ``ep-…``) a une seule source, ``presentation/blocs.css``
(:func:`feuille_de_style`), qui n'est copiée dans aucun bloc : le rapport HTML l'insère une fois
en tête de page ; un carnet l'affiche une fois, dans sa première cellule de code
(``display(blocs.preparer_carnet())``), pour que JupyterLab montre « L'essentiel », les chiffres
clés, les tableaux et les vérifications comme le rapport. Cette sortie de styles porte la
métadonnée ``{"eprouvette": {"styles": true}}`` ; la conversion en rapport la retire (la page a
déjà la feuille). JupyterLab n'applique un ``<style>`` de sortie que dans un carnet de confiance :
un carnet exécuté par l'analyste l'est ; un carnet exécuté ailleurs (``rapports/carnets/``) le
devient par « Trust Notebook » (ou ``jupyter trust``), sinon il s'affiche sans mise en forme.

Graphiques dans JupyterLab et dans le HTML
------------------------------------------
:func:`graphique` renvoie un :class:`BlocGraphique`. Affiché dans un carnet, il produit
**trois sorties** : l'en-tête (``<h3>``) en HTML ; la figure, stockée **une seule fois**, sous
le type MIME plotly (JupyterLab la rend interactive), avec son alternative textuelle dans les
métadonnées de la sortie (``{"eprouvette": {"alternative": …}}``) ; enfin la phrase de lecture
et le tableau des données dans ``<details>``. La conversion en rapport
(:mod:`eprouvette.rapports.html`) refait de la figure le même HTML que :func:`figure_accessible`,
que plotly.js, inséré une fois par le gabarit, anime. Converti en chaîne (``str(bloc)``), c'est
le bloc HTML complet, d'un seul tenant, utile hors d'un carnet ; il suppose lui aussi plotly.js
déjà présent dans la page.

Dans le carnet exécuté, un bloc garde en ``text/plain`` un court résumé de son texte (pour une
lecture au terminal), pas une copie de son HTML.
"""

from __future__ import annotations

import copy
import functools
import html
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..methodes.base import Verification
from . import figures, glossaire
from .. import francais
from ..francais import echapper


MIME_PLOTLY = "application/vnd.plotly.v1+json"


#: Longueur du résumé ``text/plain`` d'un bloc dans le carnet exécuté.
LONGUEUR_RESUME = 160
#: Clé des métadonnées de sortie propres au projet (alternative textuelle d'une figure, styles).
CLE_METADONNEES = "eprouvette"
#: La feuille de style des blocs : source unique, pour le rapport et pour JupyterLab.
FEUILLE_BLOCS = Path(__file__).resolve().with_name("blocs.css")
#: Identifiant de l'élément ``<style>`` que le carnet affiche.
ID_STYLES = "ep-styles-blocs"


def paragraphe(texte: object) -> "Bloc":
    """Un paragraphe de texte venu des données (échappé) : ``<p>…</p>``."""
    return Bloc(f"<p>{echapper(texte)}</p>")


def resume_texte(fragment: str, longueur: int = LONGUEUR_RESUME) -> str:
    """Le texte d'un fragment HTML, sans balises, espaces réduits, coupé à ``longueur`` caractères."""
    texte = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", str(fragment), flags=re.IGNORECASE | re.DOTALL)
    texte = html.unescape(re.sub(r"<[^>]*>", " ", texte))
    texte = " ".join(texte.split())
    return texte if len(texte) <= longueur else texte[: longueur - 1].rstrip() + "…"


class Bloc(str):
    """Un fragment HTML du rapport, affichable directement dans un carnet.

    Sa sortie ``text/plain`` est un court résumé de son texte, pas une copie du HTML.
    """

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(resume_texte(self) or "(bloc HTML)")


# --------------------------------------------------------------------------------------------
# Styles : une feuille, pour le rapport et pour le carnet
# --------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def feuille_de_style() -> str:
    """Le CSS des blocs (``presentation/blocs.css``), tel que le rapport et le carnet l'insèrent."""
    return FEUILLE_BLOCS.read_text(encoding="utf-8")


def est_sortie_styles(sortie) -> bool:
    """Vrai pour la sortie de carnet qui porte la feuille de style des blocs (:func:`styles_carnet`)."""
    propres = (sortie.get("metadata") or {}).get(CLE_METADONNEES)
    return isinstance(propres, dict) and propres.get("styles") is True


def est_sortie_hors_rapport(sortie) -> bool:
    """Vrai pour une sortie de carnet que la conversion en rapport retire : la feuille de style
    (:func:`styles_carnet`) et les cadres pour l'analyste seul (:class:`BlocAnalyste`)."""
    propres = (sortie.get("metadata") or {}).get(CLE_METADONNEES)
    return isinstance(propres, dict) and (propres.get("styles") is True or propres.get("analyste") is True)


class BlocAnalyste(Bloc):
    """Un cadre pour l'analyste, montré dans JupyterLab et absent du rapport : sa sortie porte la
    métadonnée ``{"eprouvette": {"analyste": true}}`` (:func:`est_sortie_hors_rapport`)."""

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display({"text/html": str(self), "text/plain": resume_texte(self)}, raw=True,
                metadata={CLE_METADONNEES: {"analyste": True}})


def dossier_lu(lignes: list[str], phrase: str) -> BlocAnalyste:
    """Ce qui a été lu du dossier du pilote (:func:`eprouvette.verification.resumer`), replié,
    pour l'analyste : fiche, sites, indicateurs, périodes, lignes par fichier."""
    items = "".join(f"<li>{echapper(ligne)}</li>" for ligne in lignes)
    return BlocAnalyste(
        f'<details class="ep-analyste"><summary>Dossier du pilote {echapper(phrase)} '
        f"(pour l'analyste ; absent du rapport)</summary><ul>{items}</ul></details>")


class BlocStyles(Bloc):
    """La feuille de style des blocs, affichée une fois en tête d'un carnet (rien de visible).

    Affichée dans un carnet, sa sortie porte la métadonnée ``{"eprouvette": {"styles": true}}``
    (:func:`est_sortie_styles`), que la conversion en rapport retire.
    """

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display({"text/html": str(self), "text/plain": "(styles des blocs du rapport)"}, raw=True,
                metadata={CLE_METADONNEES: {"styles": True}})


def styles_carnet() -> BlocStyles:
    """La feuille de style des blocs dans un élément ``<style>``, à afficher une fois par carnet."""
    return BlocStyles(f'<style id="{ID_STYLES}">\n{feuille_de_style()}</style>')


def preparer_carnet() -> BlocStyles:
    """Première chose d'un carnet de rapport : ``display(blocs.preparer_carnet())``.

    Choisit le rendu plotly de la maison (:func:`figures.activer_rendu_rapport` : figures
    interactives dans JupyterLab et présentes dans le rapport, dates et barre d'outils en français)
    et renvoie la feuille de style des blocs (:func:`styles_carnet`), qui, affichée, met en forme
    les blocs du carnet dans JupyterLab comme dans le rapport.
    """
    figures.activer_rendu_rapport()
    return styles_carnet()


# --------------------------------------------------------------------------------------------
# L'essentiel
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    cle: str
    libelle: str
    icone: str
    explication: str


VERDICTS = {
    "generaliser": Verdict("generaliser", "Généraliser", "✓",
                           "l'effet est établi, le coût est justifié et la solution est transposable"),
    "etendre": Verdict("etendre", "Étendre l'expérimentation", "↻",
                       "les données ne suffisent pas encore pour conclure"),
    "ajuster": Verdict("ajuster", "Ajuster puis réévaluer", "⚙",
                       "un effet apparaît mais le dispositif doit être corrigé avant de décider"),
    "ne_pas_generaliser": Verdict("ne_pas_generaliser", "Ne pas généraliser", "✕",
                                  "l'effet n'est pas démontré ou ne justifie pas son coût"),
}


def _cle(texte: str) -> str:
    t = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode().lower()
    return "".join(c if c.isalnum() else "_" for c in t).strip("_")


_ALIAS_VERDICTS = {
    **{k: k for k in VERDICTS},
    **{_cle(v.libelle): k for k, v in VERDICTS.items()},
    "etendre_l_experimentation": "etendre",
    "ajuster_puis_reevaluer": "ajuster",
}


def verdict_connu(verdict: str) -> Verdict:
    """Le verdict à partir de sa clé (``"etendre"``) ou de son libellé (« Étendre l'expérimentation »)."""
    cle = _ALIAS_VERDICTS.get(_cle(str(verdict)))
    if cle is None:
        raise ValueError(
            f"verdict inconnu : {verdict!r} ; attendu l'un de : "
            + ", ".join(f"« {v.libelle} »" for v in VERDICTS.values())
        )
    return VERDICTS[cle]


def badge_verdict(verdict: str) -> Bloc:
    """Le verdict en badge : icône + libellé en toutes lettres (la couleur n'est qu'un appui)."""
    v = verdict_connu(verdict)
    return Bloc(
        f'<p class="ep-verdict ep-verdict--{v.cle}"><span class="ep-verdict__etiquette">'
        f'Recommandation</span> <span class="ep-verdict__icone" aria-hidden="true">{v.icone}</span> '
        f'<strong class="ep-verdict__libelle">{echapper(v.libelle)}</strong></p>'
    )


def essentiel(
    titre: str,
    lieu: str,
    ce_qui_a_ete_teste: str,
    verdict: str,
    raison_verdict: str,
    chiffres_cles: Sequence[tuple[str, str, str | None]],
    certitude_phrase: str,
    niveau_preuve_phrase: str | None = None,
    plan_phrase: str | None = None,
    ecarts_plan: Sequence[str] = (),
) -> Bloc:
    """Le cadre « L'essentiel » en tête de rapport : ce qui a été testé, où, le verdict et pourquoi.

    ``chiffres_cles`` : liste de ``(libellé, valeur déjà mise en forme, précision)``, par ex.
    ``("Économie d'énergie", "−12,3 %", "entre −18 % et −6 %")`` ; la précision peut être vide.
    ``niveau_preuve_phrase`` : le niveau de preuve du plan en mots (« 2 sur 5 : avant / après… »).
    ``plan_phrase`` et ``ecarts_plan`` : le plan d'analyse préenregistré (``plan.yaml``) et chaque
    écart de l'analyse à ce plan, en phrases ; les écarts sont listés juste sous le degré de
    certitude, un plan suivi est dit en une ligne après le niveau de preuve.
    """
    # Chaque mot technique est relié, à sa première apparition dans le cadre, à sa définition.
    vus: list = []

    def m(texte: str) -> str:
        return glossaire.annoter(echapper(texte), vus)

    raison_html = m(raison_verdict)
    chiffres = []
    for item in chiffres_cles:
        if len(item) == 2:
            libelle, valeur, precision = *item, None
        else:
            libelle, valeur, precision = item
        chiffres.append(
            '<div class="ep-chiffre">'
            f"<dt>{m(libelle)}</dt>"
            f'<dd class="ep-chiffre__valeur">{echapper(valeur)}</dd>'
            + (f'<dd class="ep-chiffre__precision">{m(precision)}</dd>' if precision else "")
            + "</div>"
        )
    certitude_html = m(certitude_phrase)
    preuve_html = m(niveau_preuve_phrase) if niveau_preuve_phrase else ""
    teste_html = m(ce_qui_a_ete_teste)
    return Bloc(
        '<section class="ep-essentiel" aria-labelledby="l-essentiel">'
        '<h2 id="l-essentiel">L\'essentiel</h2>'
        + (
            f'<p class="ep-essentiel__titre"><strong>{echapper(titre)}</strong>'
            f' <span class="ep-essentiel__lieu">— {echapper(lieu)}</span></p>'
            if titre
            else f'<p class="ep-essentiel__titre"><span class="ep-essentiel__lieu">{echapper(lieu)}</span></p>'
        )
        # Ordre de lecture d'un élu : le verdict et sa raison, les chiffres, la certitude, puis le détail
        # de ce qui a été testé (le titre de la page dit déjà quoi et où). Sur un portable (1366 × 768), le
        # verdict, sa raison, quatre chiffres et la certitude tiennent dans le premier écran ; sur un
        # téléphone (390 × 844), le verdict et sa raison.
        + f"{badge_verdict(verdict)}"
        f'<p class="ep-essentiel__raison"><span class="ep-intitule">Pourquoi\u00a0:</span> {raison_html}</p>'
        + (f'<dl class="ep-chiffres">{"".join(chiffres)}</dl>' if chiffres else "")
        + f'<p class="ep-essentiel__certitude"><span class="ep-intitule">Degré de certitude\u00a0:</span> '
        f"{certitude_html}</p>"
        + _ecarts_au_plan(plan_phrase, ecarts_plan)
        + (f'<p class="ep-essentiel__preuve"><span class="ep-intitule">Niveau de preuve\u00a0:</span> '
           f"{preuve_html}</p>" if niveau_preuve_phrase else "")
        + (f'<p class="ep-essentiel__plan"><span class="ep-intitule">Plan d\'analyse\u00a0:</span> '
           f"{echapper(plan_phrase)}</p>" if plan_phrase and not ecarts_plan else "")
        + f'<p class="ep-essentiel__teste"><span class="ep-intitule">Ce qui a été testé\u00a0:</span> '
        f"{teste_html}</p>"
        + glossaire.liste(vus)
        + "</section>"
    )


def _ecarts_au_plan(plan_phrase: str | None, ecarts: Sequence[str]) -> str:
    """Les écarts au plan d'analyse préenregistré, dans le premier écran (vide s'il n'y en a pas)."""
    if not ecarts:
        return ""
    items = "".join(f"<li>{echapper(e)}</li>" for e in ecarts)
    return ('<div class="ep-essentiel__plan ep-essentiel__plan--ecarts" role="note">'
            f'<p><span class="ep-intitule">Écarts au plan d\'analyse\u00a0:</span> {echapper(plan_phrase or "")}</p>'
            f"<ul>{items}</ul></div>")


# --------------------------------------------------------------------------------------------
# Tableaux
# --------------------------------------------------------------------------------------------

#: À l'impression, un tableau plus long est abrégé à ses premières lignes (le dit sous le tableau).
LIGNES_IMPRIMEES = 10


def _decimales_auto(serie: pd.Series) -> int:
    valeurs = pd.to_numeric(serie, errors="coerce").dropna()
    valeurs = valeurs[np.isfinite(valeurs)]
    if valeurs.empty or (valeurs == valeurs.round()).all():
        return 0
    return 1 if valeurs.abs().max() >= 100 else 2


def _cellule(valeur: object, decimales: int) -> tuple[str, bool]:
    """Texte d'une cellule et vrai si elle est numérique (alignée à droite)."""
    if valeur is None or (not isinstance(valeur, str) and pd.api.types.is_scalar(valeur) and pd.isna(valeur)):
        return francais.NON_DISPONIBLE, False
    if isinstance(valeur, (bool, np.bool_)):
        return ("oui" if valeur else "non"), False
    if isinstance(valeur, (pd.Timestamp, datetime)):
        ts = pd.Timestamp(valeur)
        if ts == ts.normalize():
            return francais.date_courte(ts), False
        return f"{francais.date_courte(ts)} {ts:%H:%M}", False
    if isinstance(valeur, date):
        return francais.date_courte(valeur), False
    if isinstance(valeur, (int, float, np.integer, np.floating)):
        return francais.nombre(float(valeur), decimales), True
    return str(valeur), False


def tableau(
    df: pd.DataFrame,
    legende: str,
    *,
    decimales: dict[str, int] | int | None = None,
    index: bool = False,
    formats: dict[str, callable] | None = None,
    colonnes: dict[str, str] | None = None,
) -> Bloc:
    """Un vrai tableau de données : ``<caption>``, en-têtes ``<th scope="col">``, nombres à la française.

    ``decimales`` : un entier pour toutes les colonnes, ou un dictionnaire par colonne ;
    par défaut 0 si les valeurs sont entières, 1 au-delà de 100, 2 sinon.
    ``formats`` : une fonction de mise en forme par colonne (ex. ``francais.euros``).
    ``index=True`` affiche l'index en première colonne (en-têtes de ligne ``<th scope="row">``).
    ``colonnes`` : intitulés lisibles des colonnes (ex. ``{"observe": "Mesuré (MWh)"}``) ;
    ``decimales`` et ``formats`` se réfèrent aux noms d'origine.
    """
    d = df.reset_index() if index else df
    formats = formats or {}
    intitules = colonnes or {}
    colonnes = list(d.columns)
    if isinstance(decimales, int):
        dec = {c: decimales for c in colonnes}
    else:
        dec = {c: (decimales or {}).get(c, _decimales_auto(d[c])) for c in colonnes}
    entetes = "".join(f'<th scope="col">{echapper(intitules.get(c, c))}</th>' for c in colonnes)
    lignes = []
    for ligne in d.itertuples(index=False, name=None):
        cellules = []
        for j, (col, val) in enumerate(zip(colonnes, ligne)):
            if col in formats and not (pd.api.types.is_scalar(val) and pd.isna(val)):
                texte, num = str(formats[col](val)), isinstance(val, (int, float, np.number))
            else:
                texte, num = _cellule(val, dec[col])
            classe = ' class="ep-num"' if num else ""
            if index and j == 0:
                cellules.append(f'<th scope="row"{classe}>{echapper(texte)}</th>')
            else:
                cellules.append(f"<td{classe}>{echapper(texte)}</td>")
        lignes.append("<tr>" + "".join(cellules) + "</tr>")
    long = len(lignes) > LIGNES_IMPRIMEES
    return Bloc(
        f'<div class="ep-tableau{" ep-tableau--long" if long else ""}" role="region" tabindex="0" '
        f'aria-label="{echapper(legende)}"><table>'
        f"<caption>{echapper(legende)}</caption>"
        f"<thead><tr>{entetes}</tr></thead>"
        f"<tbody>{''.join(lignes)}</tbody>"
        "</table></div>"
        + (f'<p class="ep-imprime-seulement">Tableau abrégé à l\'impression\u00a0: {LIGNES_IMPRIMEES} lignes sur '
           f"{francais.nombre(len(lignes))}\u00a0; toutes sont dans le rapport à l'écran.</p>" if long else "")
    )


# --------------------------------------------------------------------------------------------
# Graphiques
# --------------------------------------------------------------------------------------------

_compteur = itertools.count(1)


class BlocGraphique(Bloc):
    """Un graphique du rapport : titre, figure, phrase de lecture, tableau des données.

    Voir la documentation du module pour son affichage dans JupyterLab et dans le HTML.
    """

    entete: str
    figure_html: str
    pied: str
    paquet_figure: dict

    alternative: str

    def __new__(cls, entete: str, figure_html: str, pied: str, paquet_figure: dict,
                alternative: str = ""):
        objet = super().__new__(cls, entete + figure_html + pied)
        objet.entete = entete
        objet.figure_html = figure_html
        objet.pied = pied
        objet.paquet_figure = paquet_figure
        objet.alternative = alternative
        return objet

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(Bloc(self.entete))
        display(self.paquet_figure, raw=True,
                metadata={CLE_METADONNEES: {"alternative": self.alternative}})
        display(Bloc(self.pied))


#: Configuration plotly d'une figure dans un cadre ``role="img"`` : aucune commande à l'intérieur.
FIGURE_SANS_COMMANDES = {"displayModeBar": False}


def figure_accessible(fig_json: dict, alternative: str) -> str:
    """Le HTML d'une figure (JSON du type MIME plotly) dans son cadre accessible.

    ``role="img"`` et ``aria-label`` (``alternative``, échappée ici) : c'est le HTML qu'a une
    figure de :func:`graphique` dans le rapport. Le cadre est atteint une fois au clavier
    (``tabindex="0"``) et ne contient rien d'autre de focalisable : la barre d'outils de plotly
    (ses boutons, dans une image, seraient des commandes qu'aucun lecteur d'écran ne montre) est
    retirée ; les valeurs sont dans le tableau de données qui suit.
    """
    config = {**(fig_json.get("config") or {}), **FIGURE_SANS_COMMANDES}
    return (
        f'<div class="ep-graphique__figure" role="img" tabindex="0" aria-label="{echapper(alternative)}">'
        f"{figures.html_figure_json({**fig_json, 'config': config})}</div>"
    )


def graphique(fig, titre: str, lecture: str, tableau_donnees: pd.DataFrame,
              legende_tableau: str | None = None, **options_tableau) -> BlocGraphique:
    """Un graphique accessible : ``<h3>`` titre, figure plotly, phrase de lecture, données.

    ``lecture`` : une phrase qui dit ce que montre le graphique (elle sert aussi d'alternative
    textuelle à la figure). ``tableau_donnees`` : les valeurs du graphique, montrées dans
    « Voir les données du graphique » (``<details>``). Le titre du graphique est porté par
    le ``<h3>`` ; il est retiré de la figure affichée pour ne pas être répété.
    """
    n = next(_compteur)
    ident = f"graphique-{n}"
    # La figure affichée, sans son titre et avec une marge haute de 40 px : comme
    # ``update_layout(title=dict(text=""), margin=dict(t=40))`` sur une copie, mais sur le dictionnaire de la
    # figure (une copie de figure plotly revalide toute la figure, gabarit compris).
    fig_affichee = copy.deepcopy(fig) if isinstance(fig, dict) else fig.to_dict()
    mise_en_page = fig_affichee.setdefault("layout", {})
    titre_figure = mise_en_page.get("title")
    mise_en_page["title"] = {**titre_figure, "text": ""} if isinstance(titre_figure, dict) else {"text": ""}
    marge = mise_en_page.get("margin")
    mise_en_page["margin"] = {**marge, "t": 40} if isinstance(marge, dict) else {"t": 40}
    entete = (
        f'<div class="ep-graphique__entete"><h3 id="{ident}">{echapper(titre)}</h3></div>'
    )
    alternative = f"{titre}. {lecture} Les valeurs sont dans le tableau qui suit."
    paquet = figures.paquet_mime(fig_affichee)
    figure_html = figure_accessible(paquet[MIME_PLOTLY], alternative)
    pied = (
        '<div class="ep-graphique__pied">'
        f'<p class="ep-lecture"><span class="ep-intitule">Lecture :</span> {echapper(lecture)}</p>'
        "<details class=\"ep-donnees\"><summary>Voir les données du graphique</summary>"
        f"{tableau(tableau_donnees, legende_tableau or f'Données du graphique « {titre} »', **options_tableau)}"
        "</details></div>"
    )
    return BlocGraphique(entete, figure_html, pied, paquet, alternative)


# --------------------------------------------------------------------------------------------
# Vérifications et avertissements
# --------------------------------------------------------------------------------------------

STATUTS = {
    "reussie": ("✓", "Vérifiée"),
    "attention": ("!", "À surveiller"),
    "echec": ("✕", "Non vérifiée"),
}


#: Titre en français de chaque vérification dont le nom est un identifiant (le JSON garde l'identifiant,
#: le lecteur voit le titre). Les méthodes qui nomment déjà leurs vérifications par une phrase
#: (référence énergétique) n'y figurent pas. Un test vérifie que chaque identifiant de la bibliothèque
#: y a son titre.
LIBELLES_VERIFICATIONS = {
    "absence_temoins": "Sites témoins",
    "analyse_du_plan": "L'analyse refaite selon le plan préenregistré",
    "ajustement_avant": "Ajustement avant le début",
    "autocorrelation_residus": "Autocorrélation des résidus",
    "bruit_de_comptage": "Bruit des comptages",
    "comptages_faibles": "Comptages faibles",
    "concentration_poids": "Concentration des poids",
    "couverture": "Couverture des mesures",
    "dates_equipement": "Dates d'équipement des sites",
    "dd_synthetiques": "Doubles différences synthétiques",
    "duree_reference": "Durée de la période de référence",
    "erreurs_independantes": "Indépendance des erreurs",
    "heterogeneite": "Écarts entre pilotes",
    "incertitude": "Incertitude",
    "independance_cellules": "Indépendance des mesures",
    "jours_aberrants": "Jours hors norme",
    "laisser_un_de_cote": "Sans chaque site, tour à tour",
    "longueur_serie": "Longueur de la série",
    "nombre_etudes": "Nombre de pilotes combinés",
    "nombre_grappes": "Nombre de sites",
    "nombre_placebos": "Nombre de témoins pour les placebos",
    "paliers": "Compteur bloqué",
    "persistance": "L'effet après la fin de l'accompagnement",
    "placebo_spatial": "Placebo dans l'espace",
    "placebo_temporel": "Placebo dans le temps",
    "semaines_completes": "Semaines complètes",
    "surdispersion": "Dispersion des comptages",
    "tendance_prolongee": "Tendance prolongée",
    "tendances_prealables": "Tendances avant le début",
    "valeurs_aberrantes": "Valeurs aberrantes",
    "vagues_equipement": "Vagues d'équipement",
    "valeurs_negatives": "Valeurs négatives",
    "zeros_suspects": "Zéros suspects",
}


def libelle_verification(nom: str) -> str:
    """Le titre affiché d'une vérification : son titre français si son nom est un identifiant connu,
    sinon le nom tel quel (déjà une phrase), un identifiant inconnu rendu lisible (« a_b » -> « A b »)."""
    if nom in LIBELLES_VERIFICATIONS:
        return LIBELLES_VERIFICATIONS[nom]
    if re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)+", nom):
        texte = nom.replace("_", " ")
        return texte[:1].upper() + texte[1:]
    return nom


def verifications(liste: Iterable[Verification], titre: str | None = None) -> Bloc:
    """Liste des hypothèses vérifiées : statut en toutes lettres + icône, jamais la couleur seule."""
    items = []
    for v in liste:
        icone, mot = STATUTS[v.statut]
        items.append(
            f'<li class="ep-verif ep-verif--{v.statut}">'
            f'<span class="ep-verif__statut"><span aria-hidden="true" class="ep-verif__icone">{icone}</span> '
            f"{mot}</span> "
            f'<span class="ep-verif__nom">{echapper(libelle_verification(v.nom))}</span>'
            f'<span class="ep-verif__phrase">{echapper(v.phrase)}</span></li>'
        )
    if not items:
        items.append('<li class="ep-verif">Aucune vérification n\'a pu être faite.</li>')
    entete = f'<p class="ep-intitule">{echapper(titre)}</p>' if titre else ""
    return Bloc(f'<div class="ep-verifications">{entete}<ul>{"".join(items)}</ul></div>')


def avertissement(texte: str, titre: str = "Attention") -> Bloc:
    """Un encadré d'avertissement (limite des données, prudence de lecture)."""
    return Bloc(
        '<div class="ep-avertissement" role="note">'
        f'<p><span aria-hidden="true" class="ep-avertissement__icone">⚠</span> '
        f"<strong>{echapper(titre)} :</strong> {echapper(texte)}</p></div>"
    )
