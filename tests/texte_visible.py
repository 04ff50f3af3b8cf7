"""Le texte qu'un lecteur voit dans une page HTML (rapport, note), lu par l'analyseur HTML de Python.

Indépendant de la passe typographique du projet (eprouvette.rapports.typographie) qu'il sert à
vérifier : autre découpage (html.parser), entités décodées comme les affiche un navigateur.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Éléments sans contenu (pas de balise fermante).
VIDES = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                   "source", "track", "wbr"})
#: Éléments dont le contenu n'est pas du texte lu (code, styles, figures).
INVISIBLES = frozenset({"script", "style", "svg", "template", "noscript"})


class _Lecteur(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pile: list[tuple[str, str]] = []
        self.morceaux: list[tuple[str, tuple[str, ...], str]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VIDES:
            self.pile.append((tag, dict(attrs).get("class") or ""))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in VIDES:
            return
        while self.pile:
            if self.pile.pop()[0] == tag:
                break

    def handle_data(self, data):
        balises = tuple(t for t, _ in self.pile)
        if INVISIBLES.intersection(balises):
            return
        self.morceaux.append((data, balises, " ".join(c for _, c in self.pile)))


def morceaux(page: str) -> list[tuple[str, tuple[str, ...], str]]:
    """Chaque nœud texte visible : (texte, balises englobantes, classes englobantes)."""
    lecteur = _Lecteur()
    lecteur.feed(page)
    lecteur.close()
    return lecteur.morceaux


def texte_visible(page: str) -> str:
    """Tout le texte visible, nœuds recollés dans l'ordre (une espace en fin de ``<strong>`` suivie d'un
    « : » hors du ``<strong>`` se voit comme « … : »)."""
    return "".join(t for t, _, _ in morceaux(page))


def prose_et_cartes(page: str) -> str:
    """Le texte visible hors tableaux, code et provenance des fichiers (identifiants, empreintes) :
    phrases, titres, cartes du premier écran, légendes, raisons de la grille."""
    gardes = []
    for t, balises, classes in morceaux(page):
        if {"table", "code", "pre", "title"}.intersection(balises) or "ep-provenance" in classes:
            gardes.append("\n")
            continue
        gardes.append(t)
    return "".join(gardes)


#: Un nombre écrit à la française (milliers séparés par une espace fine, virgule décimale), ou au point
#: décimal anglais ; hors mots (RCR43, CO₂) et numéros de version (1.0.0).
#: L'espace fine n'en fait partie qu'entre deux chiffres : « 2025 ; » (espace fine avant le point-virgule)
#: est l'année 2025, pas un nombre « 2025 » suivi d'un séparateur de milliers.
NOMBRE = re.compile(r"(?<![\w.,\u202f])\d(?:\d|\u202f(?=\d))*(?:[.,]\d+)*(?![\w])")


def chiffres_significatifs(nombre: str) -> int:
    """``"128 531"`` -> 6 ; ``"129 000"`` -> 3 ; ``"17,30"`` -> 4 ; ``"0,0084"`` -> 2."""
    n = nombre.replace("\u202f", "")
    if "," in n:
        entier, decimal = n.split(",", 1)
        return len((entier + decimal).lstrip("0")) or 1
    return len(n.strip("0")) or 1


def fausses_precisions(texte: str, maximum: int = 3) -> list[str]:
    """Les nombres de ``texte`` à plus de ``maximum`` chiffres significatifs ou au point décimal anglais,
    avec leur contexte. Années (1900 à 2099, seules ou en plage « 2021-2027 »), dates ISO et numéros
    de version et noms de licence (CC BY 4.0) exclus ; un entier de quatre chiffres ou plus sans séparateur est signalé (« 1058 »)."""
    trouves = []
    for m in NOMBRE.finditer(texte):
        n = m.group()
        contexte = texte[max(0, m.start() - 40):m.end() + 20].replace("\n", " ")
        if re.fullmatch(r"\d+(?:\.\d+){2,}", n):
            continue  # numéro de version (Éprouvette 0.1.0, valorisation.yaml 1.0.0)
        if re.fullmatch(r"(19|20)\d\d", n):
            continue  # une année
        if texte[m.start() - 1:m.start()] == "-" and re.match(r"\d{4}-$", texte[max(0, m.start() - 5):m.start()]):
            continue  # date ISO (2026-11-23) ou plage d'années
        if "." in n and re.search(r"CC[ -]BY(?:[ -]SA)? $", texte[max(0, m.start() - 9):m.start()]):
            continue  # nom de licence (CC BY 4.0)
        if "." in n:
            trouves.append(f"point décimal anglais : {contexte!r}")
        elif chiffres_significatifs(n) > maximum:
            trouves.append(f"{n!r} ({chiffres_significatifs(n)} chiffres) : {contexte!r}")
    return trouves


#: Une espace ordinaire là où la typographie française veut une espace insécable.
ESPACE_FAUTIVE = re.compile(r" [:;!?»]|« ")
