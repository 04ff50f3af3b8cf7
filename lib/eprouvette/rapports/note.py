"""La note aux élus : deux pages A4 tirées du rapport d'un pilote, sans rien recalculer.

Le rapport complet reste celui de l'analyste. La note, ``rapports/<id>-note.html`` (imprimée aussi
par ``make pdf``), reprend du carnet exécuté le cadre « L'essentiel » (ce qui a été testé, le
verdict et sa raison, quatre chiffres, le degré de certitude) et le graphique « En un coup
d'œil » ; elle ajoute, d'après les résultats publiés par le carnet (``rapports/<id>.json``), ce
qu'il faut pour essaimer (ou ce qui manque encore), puis le contact et le lien vers le rapport
complet. Elle passe par la même conversion que le rapport (mêmes styles, plotly.js hors ligne).
"""

from __future__ import annotations

import copy

from .._imports import jsonschema as _jsonschema

_jsonschema()  # nbformat importe jsonschema : sans la grammaire rfc3987 (voir eprouvette._imports)

import nbformat  # noqa: E402

from ..francais import echapper as _e

#: Nature du document, affichée dans le bandeau (métadonnée lue par le gabarit).
NATURE = "Note aux élus"


def chemin_note(identifiant: str) -> str:
    return f"{identifiant}-note.html"


def _sorties_premier_ecran(nb) -> tuple[list, list]:
    """Les sorties du cadre « L'essentiel » et celles du graphique qui le suit (vides si absents)."""
    cellules = [c for c in nb.cells if c.cell_type == "code"]
    for i, c in enumerate(cellules):
        sorties = [s for s in c.get("outputs", []) if 'class="ep-essentiel"' in str(s.get("data", {}).get("text/html", ""))]
        if not sorties:
            continue
        graphique = []
        if i + 1 < len(cellules):
            suivantes = cellules[i + 1].get("outputs", [])
            if any("application/vnd.plotly.v1+json" in s.get("data", {}) for s in suivantes):
                graphique = copy.deepcopy(suivantes)
        return copy.deepcopy(sorties), graphique
    return [], []


def _pour_essaimer(resultats: dict) -> str:
    """Ce qu'il faut pour essaimer : conditions si le verdict est favorable, ce qui manque sinon."""
    verdict = resultats.get("verdict")
    criteres = resultats.get("criteres") or []
    manquants = [c for c in criteres if c.get("tenu") is False and not c.get("sans_objet")]
    transfert = next((c for c in criteres if c.get("nom") == "transferabilite"), None)
    niveau = resultats.get("niveau_preuve") or {}
    lignes = []
    if verdict == "generaliser":
        titre = "Pour essaimer"
        if transfert and transfert.get("explication"):
            lignes.append(f"<li><strong>Où\u00a0:</strong> {_e(transfert['explication'])}</li>")
        lignes.append("<li><strong>À garder\u00a0:</strong> le même dispositif (matériel, réglages, suivi) et la "
                      "même mesure avant / après, avec des sites témoins, pour vérifier que l'effet se retrouve.</li>")
    else:
        titre = "Ce qui manque pour décider" if verdict == "etendre" else "Ce qui ne va pas"
        # Les critères non tenus, nommés seulement : leurs explications sont dans le rapport complet.
        if manquants:
            lignes.append("<li><strong>Critères de la grille non tenus\u00a0:</strong> "
                          + " ; ".join(_e(c.get("libelle", "")).lower() for c in manquants) + ".</li>")
    if niveau.get("pour_monter") and verdict != "ne_pas_generaliser":
        lignes.append(f"<li><strong>Pour une preuve plus solide\u00a0:</strong> {_e(niveau['pour_monter'])}.</li>")
    if not lignes:
        return ""
    return f'<section class="ep-note__essaimer"><h2>{_e(titre)}</h2><ul>{"".join(lignes)}</ul></section>'


def _contact(pilote, identifiant: str) -> str:
    porteur = getattr(pilote, "porteur", None)
    contact = getattr(pilote, "contact", None)
    qui = _e(porteur.nom) if porteur is not None else ""
    return (
        '<section class="ep-note__contact"><h2>Contact et rapport complet</h2><p>'
        + (f"<strong>Porteur\u00a0:</strong> {qui}. " if qui else "")
        + (f"<strong>Contact\u00a0:</strong> {_e(contact)}. " if contact else "")
        + f'Le rapport complet (méthode, données, vérifications, bilan économique) est '
        f'<a href="{_e(identifiant)}.html">{_e(identifiant)}.html</a>\u00a0; la liste des pilotes, '
        '<a href="index.html">la page du portefeuille</a>.</p></section>'
    )


def carnet_note(nb, resultats: dict, pilote, identifiant: str) -> nbformat.NotebookNode | None:
    """Le carnet (déjà « exécuté ») de la note, ou None si le carnet n'a pas de premier écran."""
    essentiel, graphique = _sorties_premier_ecran(nb)
    if not essentiel:
        return None
    note = nbformat.v4.new_notebook()
    note.metadata = copy.deepcopy(nb.metadata)
    note.metadata["eprouvette_nature"] = NATURE
    note.metadata["eprouvette_classe"] = "ep-note"

    def cellule_html(fragment: str):
        c = nbformat.v4.new_code_cell("")
        c.outputs = [nbformat.v4.new_output("display_data", data={"text/html": fragment, "text/plain": ""})]
        return c

    c1 = nbformat.v4.new_code_cell("")
    c1.outputs = essentiel
    cellules = [c1]
    if graphique:
        c2 = nbformat.v4.new_code_cell("")
        c2.outputs = graphique
        cellules.append(c2)
    # Une seule sortie pour la fin de la note : une cellule ne se coupe pas à l'impression.
    cellules.append(cellule_html(_pour_essaimer(resultats) + _contact(pilote, identifiant)))
    note.cells = cellules
    return note
