"""Les mots techniques du premier écran sont reliés à une définition en français courant."""

from __future__ import annotations

import re

from eprouvette.presentation import blocs, glossaire


def test_premiere_apparition_reliee_et_definie():
    html = str(blocs.essentiel(
        "", "Saint-Quentin (02)", "Gestion technique du bâtiment (GTB) : programmation de l'intermittence. GTB encore.",
        "generaliser", "L'effet est net.",
        [("Effet mesuré", "−9,5 %", "fourchette à 95\u00a0%\u00a0: −12,5 % à −6,4 %"),
         ("Bilan sur 15 ans (VAN)", "128 531 €", "valeur carbone comprise")],
        "L'effet est établi (niveau de preuve 4 sur 5).", "4 sur 5 : sites témoins comparables."))
    liens = re.findall(r'<a class="ep-terme" href="#([^"]+)">([^<]+)</a>', html)
    cibles = [c for c, _ in liens]
    assert len(cibles) == len(set(cibles))  # un seul lien par terme : sa première apparition
    assert {"g-gtb", "g-intermittence", "g-van", "g-valeur-carbone", "g-fourchette-a-95",
            "g-niveau-de-preuve", "g-sites-temoins"} <= set(cibles)
    for cible in cibles:  # chaque lien mène à une définition du cadre
        assert f'<dt id="{cible}">' in html
    assert "Les mots techniques de ce résumé (" in html
    # « GTB » de « Gestion technique du bâtiment (GTB) » : la première forme trouvée est reliée.
    assert html.count('href="#g-gtb"') == 1


def test_texte_echappe_et_sans_terme_pas_de_liste():
    vus: list = []
    sortie = glossaire.annoter("&lt;script&gt;VAN&lt;/script&gt; &amp; VANNE", vus)
    assert "<script" not in sortie and sortie.count("ep-terme") == 1
    assert "VANNE" in sortie and 'href="#g-van">VAN</a>&lt;/script' in sortie
    assert glossaire.liste([]) == ""
    html = str(blocs.essentiel("", "Arras", "Une application.", "etendre", "Trop court.", [], "Aucune."))
    assert "ep-glossaire" not in html


def test_chaque_terme_a_une_ancre_unique_et_une_definition_sans_jargon():
    ancres = [t.ancre for t in glossaire.TERMES]
    assert len(ancres) == len(set(ancres))
    for t in glossaire.TERMES:
        assert t.definition.endswith(".") and len(t.definition) < 300
        assert re.fullmatch(r"g-[a-z0-9-]+", t.ancre)
