"""plotly.js dans une page (rapport, portefeuille) : réduit, compressé, inséré une seule fois.

Le paquet **réduit** (``.cache/js/plotly-eprouvette.min.js``) ne contient que les types de traces
des rapports (:data:`TRACES`) ; il est construit à l'installation par ``make js``
(``outils/paquets_js.py`` : plotly.js de npm à la version du paquet Python plotly, esbuild,
empreinte SHA-256 vérifiée). S'il manque ou ne correspond plus (autre version de plotly.js, autres
types de traces), la page reprend le plotly.js **complet** du paquet Python plotly, avec un
avertissement en français (:class:`PaquetPlotlyComplet`) : la page est juste plus lourde.

Dans la page, plotly.js est compressé (gzip, en base 64 dans un bloc de données
``<script type="application/octet-stream">``) et décompressé par le navigateur
(``DecompressionStream``) une fois le texte affiché (entrée ``first-contentful-paint``) : le
texte et les tableaux s'affichent tout de suite, les graphiques un instant après. Aucune requête : tout est dans le fichier. Jusque-là,
``window.Plotly`` est un remplaçant qui met en file les ``Plotly.newPlot`` des figures ; elles
sont dessinées dans l'ordre de la page dès que le vrai plotly.js est là (locale ``fr`` déclarée
avant). Sans JavaScript, ou si le navigateur ne sait pas décompresser, chaque graphique est
remplacé par un message visible qui renvoie à son tableau de données.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import json
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from .. import config

#: Types de traces que les rapports et le portefeuille dessinent : le paquet réduit n'a qu'eux.
#: Un type absent serait dessiné en nuage de points, sans erreur : les tests dans Chromium
#: comparent le type rendu de chaque trace à celui du carnet.
TRACES = ("scatter", "bar", "scattergeo")
#: Nom du paquet réduit et de sa fiche (version, traces, empreinte) dans config.PAQUETS_JS.
NOM_PAQUET = "plotly-eprouvette.min.js"
NOM_FICHE = "plotly-eprouvette.json"
#: Identifiants du bloc de données qui porte plotly.js compressé et de son chargeur (une fois par page).
ID_DONNEES = "ep-plotly-js"
ID_CHARGEUR = "ep-plotly-chargeur"


class PaquetPlotlyComplet(UserWarning):
    """Le paquet réduit manque : la page emporte le plotly.js complet du paquet Python."""


class Paquet(NamedTuple):
    chemin: Path
    version: str
    reduit: bool
    raison: str  # pourquoi le paquet complet a été pris ("" pour le paquet réduit)


def chemin_plotly_complet() -> Path:
    """Le fichier ``plotly.min.js`` du paquet Python plotly installé (jamais un CDN)."""
    import plotly

    chemin = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    if not chemin.is_file():
        raise FileNotFoundError(f"plotly.min.js introuvable dans le paquet plotly ({chemin})")
    return chemin


def version_plotly_js() -> str:
    """Version de plotly.js fournie par le paquet Python plotly (celle que le JSON des figures suit)."""
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def empreinte(chemin: Path) -> str:
    return hashlib.sha256(Path(chemin).read_bytes()).hexdigest()


def raison_paquet_complet(dossier: Path | None = None) -> str:
    """Pourquoi le paquet réduit ne peut pas servir (texte en français), ou ``""`` s'il peut servir."""
    dossier = Path(dossier or config.PAQUETS_JS)
    chemin, fiche = dossier / NOM_PAQUET, dossier / NOM_FICHE
    if not chemin.is_file() or not fiche.is_file():
        return f"plotly.js réduit absent ({chemin}) : lancez `make js` (npm et le réseau sont nécessaires une fois)"
    try:
        infos = json.loads(fiche.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"fiche du plotly.js réduit illisible ({fiche}) : relancez `make js`"
    attendue = version_plotly_js()
    if infos.get("version") != attendue:
        return (f"plotly.js réduit en version {infos.get('version')}, le paquet Python plotly attend la "
                f"{attendue} : relancez `make js`")
    if tuple(infos.get("traces") or ()) != TRACES:
        return (f"plotly.js réduit construit pour les traces {infos.get('traces')}, les rapports en "
                f"dessinent {list(TRACES)} : relancez `make js`")
    if infos.get("sha256") != empreinte(chemin):
        return f"plotly.js réduit modifié depuis sa construction ({chemin}) : relancez `make js`"
    return ""


@functools.lru_cache(maxsize=None)
def _paquet(dossier: str) -> Paquet:
    raison = raison_paquet_complet(Path(dossier))
    if not raison:
        return Paquet(Path(dossier) / NOM_PAQUET, version_plotly_js(), True, "")
    warnings.warn(
        f"{raison}. Les pages emportent le plotly.js complet du paquet Python plotly (environ 2 Mo de "
        "plus par page).",
        PaquetPlotlyComplet,
        stacklevel=3,
    )
    return Paquet(chemin_plotly_complet(), version_plotly_js(), False, raison)


def _paquet_complet(manquants: tuple[str, ...]) -> Paquet:
    raison = (f"la page dessine des traces absentes du plotly.js réduit ({', '.join(manquants)} ; "
              f"il n'a que {', '.join(TRACES)})")
    warnings.warn(f"{raison} : cette page emporte le plotly.js complet du paquet Python plotly, pour que "
                  "chaque graphique soit dessiné tel quel.", PaquetPlotlyComplet, stacklevel=3)
    return Paquet(chemin_plotly_complet(), version_plotly_js(), False, raison)


def types_traces(fig_json: dict) -> list[str]:
    """Les types des traces d'une figure (JSON plotly) ; « scatter » quand le type n'est pas dit."""
    return [t.get("type") or "scatter" for t in fig_json.get("data") or [] if isinstance(t, dict)]


def paquet(types: Iterable[str] = ()) -> Paquet:
    """Le plotly.js qu'une page emporte : le réduit s'il est à jour et a tous les ``types`` de traces
    de la page, sinon le complet (avec un avertissement :class:`PaquetPlotlyComplet`)."""
    manquants = tuple(sorted(set(types) - set(TRACES)))
    if manquants:
        return _paquet_complet(manquants)
    return _paquet(str(config.PAQUETS_JS))


@functools.lru_cache(maxsize=4)
def _compresse(chemin: Path, taille: int, date: float) -> str:
    # mtime=0 : même fichier, mêmes octets (l'empreinte incrémentale des rapports n'en dépend pas).
    return base64.b64encode(gzip.compress(chemin.read_bytes(), compresslevel=9, mtime=0)).decode("ascii")


def plotly_js_compresse(chemin: Path | None = None) -> str:
    """plotly.js compressé (gzip) en base 64, tel qu'il est inséré dans la page."""
    chemin = Path(chemin or paquet().chemin)
    etat = chemin.stat()
    return _compresse(chemin, etat.st_size, etat.st_mtime)


#: Style du message qui remplace un graphique sans JavaScript (ou sans décompression possible).
_CSS = """
.ep-graphique__absent { border: 1px dashed #6b6b6b; padding: 0.6rem 0.8rem; margin: 0.3rem 0 0.6rem;
  color: #1e1e1e; background: #f6f6f6; }
.ep-js .ep-graphique__absent { display: none; }
.ep-js.ep-sans-graphiques .ep-graphique__absent { display: block; }
html:not(.ep-js) .plotly-graph-div, .ep-sans-graphiques .plotly-graph-div { display: none; }
[role="img"][tabindex]:focus-visible { outline: 3px solid #1f4e8c; outline-offset: 2px; }
"""

#: Chargeur : remplaçant de window.Plotly, décompression, évaluation, locale, file des figures.
_CHARGEUR = """
(function () {
  "use strict";
  var racine = document.documentElement;
  racine.classList.add("ep-js");
  var file = [];
  // Sans DecompressionStream (navigateur antérieur à 2023) : le message à la place de chaque graphique.
  function indisponible() { racine.classList.add("ep-sans-graphiques"); }
  window.Plotly = {
    eprouvetteEnAttente: true,
    newPlot: function () {
      var args = arguments;
      return new Promise(function (ok, ko) { file.push([args, ok, ko]); });
    }
  };
  function pret() {
    if (!window.Plotly || window.Plotly.eprouvetteEnAttente) { indisponible(); return; }
    /*LOCALE*/
    var attente = file; file = [];
    attente.forEach(function (f) { window.Plotly.newPlot.apply(window.Plotly, f[0]).then(f[1], f[2]); });
  }
  // Décompresser et évaluer plotly.js (quelques centaines de ms) seulement une fois le texte affiché
  // (entrée « first-contentful-paint ») ; au plus tard 1 s après le chargement (onglet caché,
  // navigateur sans ces mesures).
  var affichee = new Promise(function (ok) {
    var fait = false;
    function go() { if (!fait) { fait = true; setTimeout(ok, 0); } }
    try {
      new PerformanceObserver(function (liste) {
        if (liste.getEntries().some(function (e) { return e.name === "first-contentful-paint"; })) { go(); }
      }).observe({type: "paint", buffered: true});
    } catch (e) { /* pas de PerformanceObserver : le délai suffit */ }
    window.addEventListener("load", function () { setTimeout(go, 1000); });
  });
  function evaluer(code) {
    var s = document.createElement("script");
    s.text = code;
    document.head.appendChild(s);
    pret();
  }
  // Rien de ce qui suit ne passe avant l'affichage du texte.
  function decompresser() {
    var binaire = atob(document.getElementById("ID_DONNEES").textContent.replace(/\\s+/g, ""));
    var octets = new Uint8Array(binaire.length);
    for (var i = 0; i < binaire.length; i++) { octets[i] = binaire.charCodeAt(i); }
    var flux = new Blob([octets]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(flux).text();
  }
  affichee.then(decompresser).then(evaluer, indisponible);
})();
"""


def scripts_plotly(locale_js: str = "", types: Iterable[str] = ()) -> str:
    """Le HTML à placer dans ``<head>`` : style du message sans graphique, plotly.js compressé, chargeur.

    ``locale_js`` : JavaScript exécuté dès que plotly.js est évalué, avant toute figure
    (``figures.script_locale_fr()``). ``types`` : les types de traces de la page (:func:`paquet`).
    Le bloc de données :data:`ID_DONNEES` figure une seule fois.
    """
    p = paquet(types)
    chargeur = _CHARGEUR.replace("ID_DONNEES", ID_DONNEES).replace("/*LOCALE*/", locale_js)
    # Dans un <script> en ligne, « </script » fermerait la balise avant la fin.
    chargeur = re.sub(r"</(script)", r"<\\/\1", chargeur, flags=re.IGNORECASE)
    nature = "réduit aux traces " + ", ".join(TRACES) if p.reduit else "complet"
    return (
        f"<style>{_CSS}</style>\n"
        f'<script type="application/octet-stream" id="{ID_DONNEES}" data-version="{p.version}" '
        f'data-paquet="{"reduit" if p.reduit else "complet"}">'
        f"{plotly_js_compresse(p.chemin)}</script>\n"
        f"<!-- plotly.js {p.version} ({nature}), gzip en base 64 -->\n"
        f'<script id="{ID_CHARGEUR}">{chargeur}</script>'
    )


def message_sans_graphique(ou: str = "dans le tableau «\u00a0Voir les données du graphique\u00a0» qui suit") -> str:
    """Le message visible à la place d'un graphique quand il ne peut pas être dessiné."""
    return (
        '<p class="ep-graphique__absent">Graphique non affiché\u00a0: JavaScript est désactivé ou ce '
        f"navigateur ne peut pas le dessiner. Ses valeurs sont {ou}.</p>"
    )
