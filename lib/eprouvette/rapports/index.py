"""La page d'accueil ``rapports/index.html`` : le portefeuille des pilotes.

Page autonome (aucune requête réseau), en français : chaque pilote avec son domaine, son
porteur, son verdict (en toutes lettres), son effet et son intervalle, son coût et sa VAN,
un lien vers son rapport, dans un tableau que l'analyste peut trier (clic sur un en-tête) ;
l'enveloppe FEDER (``donnees/parametres/portefeuille.yaml``) engagée par domaine et par année,
en tableau et en graphique (plotly.js inséré une seule fois : presentation.paquet_plotly) ; un
effet combiné (méta-analyse) par type de pilote partagé par au moins deux pilotes.
Les pilotes en échec y figurent avec le message d'erreur.

Année d'engagement d'un pilote : ``annee_engagement_feder`` de ses résultats s'il existe,
sinon l'année de début de sa période d'expérimentation.
"""

from __future__ import annotations

import html
import json
import math
import re
from datetime import datetime
from pathlib import Path

from .. import config
from .. import francais, parametres
from ..francais import echapper as _e
from ..erreurs import ErreurDonnees
from . import etat as etat_mod



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

LIBELLES_VERDICTS = {
    "generaliser": "Généraliser",
    "etendre": "Étendre l'expérimentation",
    "ajuster": "Ajuster puis réévaluer",
    "ne_pas_generaliser": "Ne pas généraliser",
}

_CSS = """
:root { --encre:#1b1b1f; --doux:#4a4a55; --fond:#ffffff; --trait:#c9c9d3; --accent:#1d4f91; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--encre); background: var(--fond); margin: 0; line-height: 1.5; }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem; }
header { border-bottom: 4px solid var(--accent); }
.simule { margin: 0; padding: .45rem 1.5rem; text-align: center; background: #fdf1dc; color: #7a4b00;
          border-bottom: 2px solid #7a4b00; }
h1 { font-size: 1.8rem; margin: .5rem 0; }
.sous-titre { color: var(--doux); margin: 0 0 .5rem; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: .5rem 0; }
th, td { border-bottom: 1px solid var(--trait); padding: .5rem .6rem; text-align: left; vertical-align: top; }
th { background: #f1f3f7; }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button:focus-visible { outline: 3px solid var(--accent); }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
td.nombre { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
a { color: var(--accent); }
.badge { display: inline-block; padding: .1rem .55rem; border-radius: .3rem; font-weight: 600;
         border: 2px solid currentColor; white-space: nowrap; }
.v-generaliser { color: #0b5d1e; } .v-etendre { color: #7a4a00; }
.v-ajuster { color: #5b3a8c; } .v-ne_pas_generaliser { color: #9b1c1c; }
.echec { color: #9b1c1c; font-weight: 600; }
.message { font-family: ui-monospace, monospace; font-size: .85rem; white-space: pre-wrap; color: var(--encre); }
h2 { margin-top: 2rem; }
.note { color: var(--doux); font-size: .9rem; }
details { margin: .5rem 0 1rem; }
.figure { border: 1px solid var(--trait); margin: .5rem 0; }
footer { color: var(--doux); font-size: .85rem; border-top: 1px solid var(--trait); margin-top: 2rem; }
@media print { th button::after { content: "" !important; } a { color: inherit; text-decoration: none; } }
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
      lignes.sort(function (x, y) {
        var a = x.cells[col].getAttribute("data-tri") || x.cells[col].textContent.trim();
        var b = y.cells[col].getAttribute("data-tri") || y.cells[col].textContent.trim();
        var na = parseFloat(a), nb = parseFloat(b);
        var r = (!isNaN(na) && !isNaN(nb)) ? na - nb : a.localeCompare(b, "fr");
        return asc ? r : -r;
      });
      lignes.forEach(function (l) { corps.appendChild(l); });
    });
  });
});
"""


def _nombre(x: float | None, decimales: int = 0) -> str:
    """Nombre du tableau du portefeuille (francais.nombre) ; une valeur absente s'écrit « — »."""
    return "—" if x is None else francais.nombre(x, decimales)


def _pourcentage(x: float | None) -> str:
    return "—" if x is None else francais.pourcentage(x, 1)


def _euros(x: float | None) -> str:
    return "—" if x is None else francais.euros(x)


ENTETES = ["Pilote", "Domaine", "Porteur", "Verdict", "Niveau de preuve", "Effet (IC 95\u00a0%)", "Investissement", "dont FEDER",
           "Année d'engagement", "VAN socio-économique", "VAN financière"]


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


def _ligne(etat: dict) -> str:
    ident = etat.get("identifiant", "")
    if etat.get("statut") != "reussi":
        titre = etat.get("titre") or ident
        return (
            "<tr>"
            f'<td data-tri="{_e(titre)}"><strong>{_e(titre)}</strong><br><small>{_e(ident)}</small></td>'
            f"<td>{_e(libelle_domaine(etat.get('domaine'), etat.get('domaine') or '—'))}</td>"
            "<td>—</td>"
            '<td data-tri="zz"><span class="echec">Échec de construction</span></td>'
            f'<td colspan="{len(ENTETES) - 4}"><p class="message">{_e(etat.get("message", ""))}</p>'
            f"<small>Journal : journaux/{_e(ident)}.log</small></td>"
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
        ic = f"<br><small>IC 95\u00a0% : {_pourcentage(r['ic_relatif_bas'])} à {_pourcentage(r['ic_relatif_haut'])}</small>"
    elif _num(r.get("ic_bas")) is not None:
        ic = f"<br><small>IC 95\u00a0% : {_nombre(r['ic_bas'])} à {_nombre(r['ic_haut'])} {_e(r.get('unite', ''))}</small>"
    effet_txt = _pourcentage(effet_rel) if effet_rel is not None else f"{_nombre(_num(r.get('effet')))} {_e(r.get('unite', ''))}"
    eco = r.get("economie") or {}
    mc = eco.get("monte_carlo") or {}
    van_socio, van = _num(eco.get("van_socio_eur")), _num(eco.get("van_eur"))
    ic_socio = ""
    if mc.get("van_socio_ic95_eur"):
        b, h = mc["van_socio_ic95_eur"]
        ic_socio = f"<br><small>IC 95\u00a0% : {_euros(_num(b))} à {_euros(_num(h))}</small>"
    annee = annee_engagement(r)
    lien = r.get("rapport") or f"{ident}.html"
    libelle = LIBELLES_VERDICTS.get(verdict, verdict) or "—"
    return (
        "<tr>"
        f'<td data-tri="{_e(r.get("titre", ident))}"><a href="{_e(lien)}">{_e(r.get("titre", ident))}</a>'
        f"<br><small>{_e(ident)}"
        + (f' · <a href="{_e(r["note"])}">note aux élus</a>' if r.get("note") else "")
        + "</small></td>"
        f"<td>{_e(libelle_domaine(r.get('domaine'), r.get('domaine', '')))}</td>"
        f"<td>{_e(r.get('porteur', ''))}</td>"
        f'<td data-tri="{_e(libelle)}"><span class="badge v-{_e(verdict)}">{_e(libelle)}</span></td>'
        f'<td data-tri="{_e(n_preuve if n_preuve is not None else "")}">{preuve_txt}</td>'
        f'<td class="nombre" data-tri="{effet_rel if effet_rel is not None else ""}">{effet_txt}{ic}</td>'
        f'<td class="nombre" data-tri="{_e(r.get("cout_investissement_eur", ""))}">{_euros(_num(r.get("cout_investissement_eur")))}</td>'
        f'<td class="nombre" data-tri="{_e(r.get("feder_eur", ""))}">{_euros(_num(r.get("feder_eur")))}</td>'
        f'<td class="nombre">{annee if annee is not None else "—"}</td>'
        f'<td class="nombre" data-tri="{van_socio if van_socio is not None else ""}">{_euros(van_socio)}{ic_socio}</td>'
        f'<td class="nombre" data-tri="{van if van is not None else ""}">{_euros(van)}</td>'
        "</tr>"
    )


# --------------------------------------------------------------------------------------------
# Enveloppe FEDER
# --------------------------------------------------------------------------------------------

def charger_portefeuille(chemin: str | Path | None = None) -> dict:
    """Lit ``donnees/parametres/portefeuille.yaml`` : montant, période et source de l'enveloppe FEDER."""
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
    return {"version": brut.get("version"), "montant_eur": float(montant), "annees": list(range(periode[0], periode[1] + 1)),
            "source": str(env["source"]), "a_confirmer": bool(env.get("a_confirmer", False))}


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
        f"<p>Enveloppe FEDER : <strong>{_euros(portefeuille['montant_eur'])}</strong> pour "
        f"{annees[0]}-{annees[-1]}. Engagé par les pilotes évalués : <strong>{_euros(t['total'])}</strong> "
        f"({_pourcentage(part)}) ; reste à engager : <strong>{_euros(t['reste'])}</strong>.</p>"
    )
    if t["hors_periode"]:
        phrase += (f'<p class="note">{_euros(t["hors_periode"])} sont engagés hors de la période '
                   f"{annees[0]}-{annees[-1]} et ne figurent pas dans le tableau par année.</p>")
    source = (f'<p class="note">Source de l\'enveloppe : {_e(portefeuille["source"])}'
              + (" (montant à confirmer)" if portefeuille["a_confirmer"] else "")
              + ". Année d'engagement d'un pilote : début de sa période d'expérimentation, sauf année "
              "déclarée dans son dossier.</p>")
    return (
        phrase
        + '<table><caption>FEDER engagé par domaine et par année (euros)</caption>'
        f'<thead><tr><th scope="col">Domaine</th>{entete}<th scope="col">Total</th></tr></thead>'
        f"<tbody>{''.join(corps)}</tbody></table>" + source
    )


def _figure_enveloppe(t: dict, portefeuille: dict) -> str:
    """Barres empilées du FEDER engagé par année et par domaine (HTML plotly, sans plotly.js)."""
    from ..presentation import figures
    from ..presentation.blocs import FIGURE_SANS_COMMANDES

    series = {libelle_domaine(d, d): [t["montants"][d][a] for a in t["annees"]] for d in t["domaines"]}
    fig = figures.figure_barres_empilees([str(a) for a in t["annees"]], series,
                                         titre_y="FEDER engagé (€)", titre_x="Année")
    return figures.html_figure(fig, FIGURE_SANS_COMMANDES)


# --------------------------------------------------------------------------------------------
# Effet combiné par type de pilote
# --------------------------------------------------------------------------------------------

def effets_combines(etats: list[dict]) -> list[dict]:
    """Méta-analyse des effets relatifs par ``type_pilote`` partagé par au moins deux pilotes.

    L'erreur-type de chaque effet relatif est tirée de son intervalle à 95 % :
    (borne haute − borne basse) / (2 × 1,96). Modèle à effets aléatoires (Paule-Mandel).
    Renvoie une liste de dictionnaires : ``type_pilote``, ``pilotes``, ``k``, ``effet``,
    ``ic_bas``, ``ic_haut``, ``I2``, ``resume``, ``verifications``.
    """
    from scipy import stats

    from ..methodes.meta import meta_analyse

    z = float(stats.norm.ppf(0.5 + config.NIVEAU_CONFIANCE / 2))
    groupes: dict[str, list[tuple[str, float, float]]] = {}
    for e in etats:
        if e.get("statut") != "reussi":
            continue
        r = e.get("resultats") or {}
        effet, bas, haut = (_num(r.get(k)) for k in ("effet_relatif", "ic_relatif_bas", "ic_relatif_haut"))
        if not r.get("type_pilote") or None in (effet, bas, haut) or haut <= bas:
            continue
        se = (haut - bas) / (2 * z)
        groupes.setdefault(r["type_pilote"], []).append((r.get("titre") or e.get("identifiant"), effet, se))
    sortie = []
    for type_pilote, membres in sorted(groupes.items()):
        if len(membres) < 2:
            continue
        noms = [m[0] for m in membres]
        res = meta_analyse([m[1] for m in membres], [m[2] ** 2 for m in membres], noms=noms,
                           indicateur="effet relatif", unite="")
        sortie.append({
            "type_pilote": type_pilote, "pilotes": noms, "k": len(membres),
            "effet": res.effet, "ic_bas": res.ic_bas, "ic_haut": res.ic_haut,
            "I2": (float(res.details["I2"]) if math.isfinite(float(res.details["I2"])) else None), "libelle_methode": res.libelle_methode,
            "verifications": [v.phrase for v in res.verifications if v.statut != "reussie"],
        })
    return sortie


def _html_effets_combines(combines: list[dict]) -> str:
    if not combines:
        return ("<p>Aucun type de pilote n'est encore partagé par deux pilotes évalués : pas d'effet "
                "combiné.</p>")
    lignes = []
    for c in combines:
        etabli = c["ic_bas"] > 0 or c["ic_haut"] < 0
        lignes.append(
            f'<tr><th scope="row">{_e(c["type_pilote"])}</th><td>{_e(", ".join(c["pilotes"]))}</td>'
            f'<td class="nombre">{c["k"]}</td>'
            f'<td class="nombre">{_pourcentage(c["effet"])}<br><small>IC 95\u00a0% : {_pourcentage(c["ic_bas"])} à '
            f'{_pourcentage(c["ic_haut"])}</small></td>'
            f'<td>{"établi (l’intervalle exclut zéro)" if etabli else "non établi (l’intervalle contient zéro)"}</td>'
            f'<td class="nombre">{"non estimable" if c["I2"] is None else _pourcentage(c["I2"])}</td>'
            f'<td>{_e(" ".join(c["verifications"]) or "—")}</td></tr>'
        )
    return (
        '<table><caption>Effet relatif combiné par type de pilote (méta-analyse à effets aléatoires, '
        'Paule-Mandel)</caption><thead><tr><th scope="col">Type de pilote</th><th scope="col">Pilotes</th>'
        '<th scope="col">Nombre</th><th scope="col">Effet combiné</th><th scope="col">Lecture</th>'
        '<th scope="col">Hétérogénéité (I²)</th><th scope="col">Prudence</th></tr></thead>'
        f"<tbody>{''.join(lignes)}</tbody></table>"
        '<p class="note">Chaque effet relatif est pondéré par sa précision ; son erreur-type est déduite de '
        "son intervalle à 95\u00a0%. Avec peu de pilotes, la variance entre pilotes est très mal estimée.</p>"
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


def page_index(etats: list[dict], portefeuille: dict | None = None) -> str:
    """La page HTML complète du portefeuille (une seule chaîne, aucune ressource externe)."""
    from ..presentation import figures, paquet_plotly

    portefeuille = portefeuille or charger_portefeuille()
    etats = sorted(etats, key=lambda e: e.get("identifiant", ""))
    n_ok = sum(1 for e in etats if e.get("statut") == "reussi")
    n_ko = len(etats) - n_ok
    compte = f"{francais.compte(len(etats), 'pilote')} : {francais.compte(n_ok, 'rapport construit', 'rapports construits')}"
    if n_ko:
        compte += f", {n_ko} en échec"
    lignes = "\n".join(_ligne(e) for e in etats)
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
    maintenant = datetime.now()
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Éprouvette — portefeuille des expérimentations</title>
<style>{_CSS}</style>
{paquet_plotly.scripts_plotly(figures.script_locale_fr())}
</head>
<body>
<header>
<h1>Portefeuille des expérimentations « tube à essai »</h1>
<p class="sous-titre">Région Hauts-de-France — évaluation des pilotes financés par le FEDER. {_e(compte)}.</p>
{_bandeau_simules(etats)}
</header>
<main>
<h2>Les pilotes</h2>
<table class="triable">
<caption>Chaque pilote, son verdict, son effet mesuré et son bilan (cliquer sur un en-tête pour trier)</caption>
<thead><tr>{thead}</tr></thead>
<tbody>
{lignes}
</tbody>
</table>
<p class="note">VAN : valeur actuelle nette sur la durée de vie, au taux d'actualisation public ; la VAN
socio-économique ajoute la valeur carbone à la VAN financière.</p>
<h2>L'enveloppe FEDER</h2>
{_html_enveloppe(env, portefeuille)}
{figure}
<h2>Effet combiné par type de pilote</h2>
{_html_effets_combines(effets_combines(etats))}
</main>
<footer>
<p>Page produite par Éprouvette le {francais.date_longue(maintenant.date())}. Les intervalles sont à 95\u00a0%.
Chaque rapport indique sa méthode, ses vérifications et ses limites.</p>
</footer>
<script>{_JS_TRI}</script>
</body>
</html>
"""


def ecrire_index(etats: list[dict]) -> None:
    etat_mod.ecrire_atomique(config.RAPPORTS / "index.html", page_index(etats))
    resume = [
        {k: e.get(k) for k in ("identifiant", "statut", "message", "titre", "domaine")}
        | {"resultats": e.get("resultats")}
        for e in etats
    ]
    etat_mod.ecrire_atomique(
        config.RAPPORTS / "index.json", json.dumps(resume, ensure_ascii=False, indent=2, default=str)
    )
