"""La page d'accueil ``rapports/index.html`` : tous les pilotes, leur verdict, un lien vers chaque rapport.

Page autonome (aucune requête réseau), en français, avec un tableau que l'analyste peut trier
(clic sur un en-tête). Les pilotes en échec y figurent avec le message d'erreur.
"""

from __future__ import annotations

import html
import json
from datetime import datetime

from .. import config
from . import etat as etat_mod

LIBELLES_DOMAINES = {
    "energie": "Énergie des bâtiments publics",
    "eau": "Eau",
    "mobilite": "Mobilité",
    "dechets": "Déchets",
}

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


def _e(texte) -> str:
    return html.escape("" if texte is None else str(texte), quote=True)


def _nombre(x: float | None, decimales: int = 0) -> str:
    if x is None:
        return "—"
    texte = f"{abs(x):,.{decimales}f}".replace(",", "\u202f").replace(".", ",")
    return ("−" if x < 0 else "") + texte


def _pourcentage(x: float | None) -> str:
    return "—" if x is None else _nombre(100 * x, 1) + "\u00a0%"


def _euros(x: float | None) -> str:
    if x is None:
        return "—"
    if abs(x) >= 1e6:
        return _nombre(x / 1e6, 1) + "\u00a0M€"
    return _nombre(x, 0) + "\u00a0€"


def _ligne(etat: dict) -> str:
    ident = etat.get("identifiant", "")
    if etat.get("statut") != "reussi":
        titre = etat.get("titre") or ident
        return (
            "<tr>"
            f'<td data-tri="{_e(titre)}"><strong>{_e(titre)}</strong><br><small>{_e(ident)}</small></td>'
            f"<td>{_e(LIBELLES_DOMAINES.get(etat.get('domaine'), etat.get('domaine') or '—'))}</td>"
            "<td>—</td>"
            '<td data-tri="zz"><span class="echec">Échec de construction</span></td>'
            f'<td colspan="3"><p class="message">{_e(etat.get("message", ""))}</p>'
            f"<small>Journal : journaux/{_e(ident)}.log</small></td>"
            "</tr>"
        )
    r = etat.get("resultats") or {}
    verdict = r.get("verdict", "")
    effet_rel = r.get("effet_relatif")
    ic = ""
    if r.get("ic_relatif_bas") is not None and r.get("ic_relatif_haut") is not None:
        ic = f"<br><small>IC 95 % : {_pourcentage(r['ic_relatif_bas'])} à {_pourcentage(r['ic_relatif_haut'])}</small>"
    elif r.get("ic_bas") is not None:
        ic = f"<br><small>IC 95 % : {_nombre(r['ic_bas'])} à {_nombre(r['ic_haut'])} {_e(r.get('unite', ''))}</small>"
    effet_txt = _pourcentage(effet_rel) if effet_rel is not None else f"{_nombre(r.get('effet'))} {_e(r.get('unite', ''))}"
    eco = r.get("economie") or {}
    return (
        "<tr>"
        f'<td data-tri="{_e(r.get("titre", ident))}"><a href="{_e(ident)}.html">{_e(r.get("titre", ident))}</a>'
        f"<br><small>{_e(ident)}</small></td>"
        f"<td>{_e(LIBELLES_DOMAINES.get(r.get('domaine'), r.get('domaine', '')))}</td>"
        f"<td>{_e(r.get('porteur', ''))}</td>"
        f'<td data-tri="{_e(verdict)}"><span class="badge v-{_e(verdict)}">{_e(LIBELLES_VERDICTS.get(verdict, verdict))}</span></td>'
        f'<td class="nombre" data-tri="{effet_rel if effet_rel is not None else ""}">{effet_txt}{ic}</td>'
        f'<td class="nombre" data-tri="{r.get("cout_investissement_eur", "")}">{_euros(r.get("cout_investissement_eur"))}</td>'
        f'<td class="nombre" data-tri="{eco.get("van_eur", "")}">{_euros(eco.get("van_eur"))}</td>'
        "</tr>"
    )


def page_index(etats: list[dict]) -> str:
    etats = sorted(etats, key=lambda e: e.get("identifiant", ""))
    n_ok = sum(1 for e in etats if e.get("statut") == "reussi")
    n_ko = len(etats) - n_ok
    compte = f"{len(etats)} pilote(s) : {n_ok} rapport(s) construit(s)"
    if n_ko:
        compte += f", {n_ko} en échec"
    lignes = "\n".join(_ligne(e) for e in etats)
    entetes = ["Pilote", "Domaine", "Porteur", "Verdict", "Effet (IC 95 %)", "Investissement", "VAN"]
    thead = "".join(f'<th scope="col"><button type="button">{h}</button></th>' for h in entetes)
    maintenant = datetime.now()
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Éprouvette — portefeuille des expérimentations</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>Portefeuille des expérimentations « tube à essai »</h1>
<p class="sous-titre">Région Hauts-de-France — évaluation des pilotes financés par le FEDER. {_e(compte)}.</p>
</header>
<main>
<h2>Les pilotes</h2>
<table class="triable">
<caption>Chaque pilote, son verdict et son effet mesuré (cliquer sur un en-tête pour trier)</caption>
<thead><tr>{thead}</tr></thead>
<tbody>
{lignes}
</tbody>
</table>
</main>
<footer>
<p>Page produite par Éprouvette le {maintenant.day} {_MOIS[maintenant.month - 1]} {maintenant.year}. Les intervalles sont à 95 %.
Chaque rapport indique sa méthode, ses vérifications et ses limites.</p>
</footer>
<script>{_JS_TRI}</script>
</body>
</html>
"""


_MOIS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
         "octobre", "novembre", "décembre"]


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
