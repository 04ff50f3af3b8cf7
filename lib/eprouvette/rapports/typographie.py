"""La typographie française du texte visible d'une page HTML finale, en une seule passe sûre.

Les phrases des rapports viennent de partout (méthodes, domaines, grille de recommandation, glossaire,
cellules Markdown des carnets, gabarit) : corriger chaîne par chaîne laisserait toujours un « : »
oublié, et la même phrase réécrite dans un test ou un message. Une passe unique sur la page finie
(rapport et note aux élus, :func:`eprouvette.rapports.html.convertir_en_html`) garantit la règle
partout où un lecteur la voit.

Elle ne touche que les **nœuds texte** : jamais l'intérieur d'une balise (attributs compris), ni le
contenu de ``<script>`` (plotly.js, JSON des figures), ``<style>``, ``<pre>``, ``<code>``,
``<textarea>``, ni les commentaires. Elle ne fait que remplacer une espace ordinaire (U+0020) déjà
présente par une espace insécable, ou la supprimer avant un nombre et son unité : aucun caractère
n'est ajouté ni déplacé, la page garde ses mots et sa mise en page.

Règles (Lexique de l'Imprimerie nationale) :

- espace fine insécable (U+202F) avant ``;``, ``!``, ``?`` ;
- espace insécable (U+00A0) avant ``:`` et ``»``, après ``«`` ;
- espace insécable entre un nombre et ``%`` ou une unité (``€``, ``k€``, ``M€``, ``kWh``, ``MWh``,
  ``m³``, ``t``, ``km``…).

Une espace en fin de nœud texte suivie d'un signe en tête du nœud suivant (``<strong>Où</strong> :``
ou ``Pourquoi <a>»</a>``) est traitée de même.
"""

from __future__ import annotations

import re

FINE = "\u202f"
INSECABLE = "\u00a0"

#: Ce qui n'est pas du texte visible : éléments bruts (contenu non touché), commentaires, balises.
_BRUT = re.compile(
    r"<(script|style|pre|code|textarea)\b[^>]*>.*?</\1\s*>"  # élément brut et son contenu
    r"|<!--.*?-->"  # commentaire
    r"|<!\[CDATA\[.*?\]\]>"
    r"|</?[A-Za-z!][^\"'>]*(?:(?:\"[^\"]*\"|'[^']*')[^\"'>]*)*>",  # balise (attributs entre guillemets compris)
    re.S | re.I,
)

#: Unités écrites après un nombre (la plus longue d'abord ; suivies d'une fin de mot).
UNITES = (
    "%", "‰", "M€", "k€", "€", "GWh", "MWh", "kWh", "Wh", "MW", "kW", "m³", "m²", "km", "kg",
    "tCO₂", "t", "°C", "h", "min",
)
_CHIFFRE_ESPACE_UNITE = re.compile(
    r"(?<=\d) (?=(?:" + "|".join(re.escape(u) for u in UNITES) + r")(?![\w²³₂]))"
)
_AVANT_FINE = re.compile(r" (?=[;!?])")
_AVANT_INSECABLE = re.compile(r" (?=[:»])")
_APRES_GUILLEMET = re.compile(r"(?<=«) ")


def texte(t: str) -> str:
    """La typographie d'un nœud texte (HTML, entités non décodées : ``&nbsp;`` reste tel quel)."""
    if " " not in t:  # chaque règle remplace une espace : sans espace, rien à faire (la plupart des nœuds)
        return t
    t = _AVANT_FINE.sub(FINE, t)
    t = _AVANT_INSECABLE.sub(INSECABLE, t)
    t = _APRES_GUILLEMET.sub(INSECABLE, t)
    return _CHIFFRE_ESPACE_UNITE.sub(INSECABLE, t)


def segments(page: str):
    """La page découpée en ``(est_texte, morceau)`` ; les morceaux recollés redonnent la page."""
    pos = 0
    for m in _BRUT.finditer(page):
        if m.start() > pos:
            yield True, page[pos:m.start()]
        yield False, m.group()
        pos = m.end()
    if pos < len(page):
        yield True, page[pos:]


def _separe(morceau: str) -> bool:
    """Un morceau qui sépare deux textes pour de bon (élément brut, commentaire) ; une balise de mise en
    forme (``<strong>``, ``</a>``…) laisse au contraire les deux textes se suivre à l'écran."""
    return morceau.startswith("<!") or _OUVRANT_BRUT.match(morceau) is not None


_OUVRANT_BRUT = re.compile(r"<(script|style|pre|code|textarea)\b", re.I)


def appliquer(page: str) -> str:
    """La page avec la typographie française sur tous ses nœuds texte (voir le module)."""
    morceaux = list(segments(page))
    sortie: list[str] = []
    dernier_texte: int | None = None  # indice, dans ``sortie``, du dernier nœud texte
    for est_texte, m in morceaux:
        if not est_texte:
            if _separe(m):
                dernier_texte = None
            sortie.append(m)
            continue
        t = texte(m)
        # L'espace qui précède le signe est à la fin du nœud texte précédent.
        if dernier_texte is not None and t[:1] in ";!?:»" and sortie[dernier_texte].endswith(" "):
            sortie[dernier_texte] = sortie[dernier_texte][:-1] + (FINE if t[0] in ";!?" else INSECABLE)
        if dernier_texte is not None and t.startswith(" ") and sortie[dernier_texte].endswith("«"):
            t = INSECABLE + t[1:]
        sortie.append(t)
        dernier_texte = len(sortie) - 1
    return "".join(sortie)
