"""Page du portefeuille (rapports/index.html) : sur des états synthétiques, puis sur les exemples
construits (fixture ``portefeuille`` de conftest.py) et dans Chromium aux deux tailles d'écran."""

from __future__ import annotations

import html as html_mod
import json
import math
import re
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from eprouvette.rapports import index

PORTEFEUILLE = {"version": 1, "montant_eur": 5_000_000.0, "annees": [2023, 2024, 2025, 2026, 2027],
                "source": "essai", "a_confirmer": True,
                "types_pilotes": {"gtb-ecoles": {"libelle": "gestion technique des écoles",
                                                 "mesure": "la consommation de chauffage"}}}
AUJOURDHUI = date(2026, 3, 1)


def _etat(ident, domaine, type_pilote, debut, feder, rel, bas, haut, verdict="etendre", **res):
    r = {
        "identifiant": ident, "titre": f"Pilote {ident}", "domaine": domaine, "type_pilote": type_pilote,
        "porteur": f"Porteur {ident}", "periode_experimentation": [debut, "2026-06-30"],
        "effet": -1000.0, "ic_bas": -1500.0, "ic_haut": -500.0, "unite": "kWh",
        "effet_relatif": rel, "ic_relatif_bas": bas, "ic_relatif_haut": haut,
        "verdict": verdict, "cout_investissement_eur": 2 * feder, "feder_eur": feder,
        "economie": {"van_eur": -12_000.0, "van_socio_eur": 8_000.0,
                     "monte_carlo": {"van_socio_ic95_eur": [-20_000.0, 40_000.0]}},
        "rapport": f"{ident}.html",
    } | res
    return {"identifiant": ident, "statut": "reussi", "titre": r["titre"], "domaine": domaine, "resultats": r}


@pytest.fixture
def etats():
    return [
        _etat("a", "energie", "gtb-ecoles", "2024-09-01", 54_000.0, -0.12, -0.16, -0.08, verdict="generaliser",
              codes_insee=["60057"]),
        _etat("b", "energie", "gtb-ecoles", "2025-01-06", 27_000.0, -0.02, -0.10, 0.06, codes_insee=["60057"]),
        _etat("c", "eau", "sectorisation", "2023-03-01", 100_000.0, -0.05, -0.09, -0.01,
              annee_engagement_feder=2024, codes_insee=["80021"], verdict="ne_pas_generaliser",
              periode_experimentation=["2023-03-01", "2024-02-29"]),
        _etat("d", "mobilite", "comptage", "2029-01-01", 10_000.0, 0.1, 0.0, 0.2),
        {"identifiant": "e", "statut": "echec", "titre": "Pilote en panne", "domaine": "dechets",
         "message": "mesures.csv, ligne 12 : date illisible"},
    ]


def test_annee_engagement():
    assert index.annee_engagement({"periode_experimentation": ["2025-01-06", "2025-02-28"]}) == 2025
    assert index.annee_engagement({"periode_experimentation": ["2023-01-01", "x"],
                                   "annee_engagement_feder": 2024}) == 2024
    assert index.annee_engagement({}) is None


def test_enveloppe_par_domaine_et_annee(etats):
    t = index.tableau_enveloppe(etats, PORTEFEUILLE)
    assert t["domaines"] == ["energie", "eau", "mobilite"]
    assert t["montants"]["energie"][2024] == 54_000.0 and t["montants"]["energie"][2025] == 27_000.0
    assert t["montants"]["eau"][2024] == 100_000.0 and t["montants"]["eau"][2023] == 0.0  # année déclarée
    assert t["hors_periode"] == 10_000.0  # 2029 : hors 2023-2027
    assert t["total"] == 191_000.0
    assert t["reste"] == 5_000_000.0 - 191_000.0


def test_effet_combine_egal_au_calcul_direct(etats):
    combines = index.effets_combines(etats)
    assert [c["type_pilote"] for c in combines] == ["gtb-ecoles"]  # seul type partagé par deux pilotes
    c = combines[0]
    z = 1.959963984540054
    se = [(-0.08 + 0.16) / (2 * z), (0.06 + 0.10) / (2 * z)]
    attendu = combine_effects(np.array([-0.12, -0.02]), np.array([s ** 2 for s in se]), method_re="iterated")
    assert c["effet"] == pytest.approx(float(attendu.mean_effect_re), rel=1e-9)
    assert c["k"] == 2 and c["ic_bas"] < c["effet"] < c["ic_haut"]
    # Effet fixe à la main : moyenne pondérée par l'inverse des variances (borne de cohérence)
    w = [1 / s ** 2 for s in se]
    fe = (w[0] * -0.12 + w[1] * -0.02) / sum(w)
    assert float(attendu.mean_effect_fe) == pytest.approx(fe, rel=1e-9)


def test_page_complete(etats):
    page = index.page_index(etats, PORTEFEUILLE, AUJOURDHUI)
    assert '<html lang="fr">' in page
    from eprouvette.presentation import paquet_plotly

    # plotly.js inséré une seule fois (compressé, décompressé par le chargeur de la page).
    assert page.count(f'id="{paquet_plotly.ID_DONNEES}"') == 1 and page.count(f'id="{paquet_plotly.ID_CHARGEUR}"') == 1
    assert "cdn" not in re.sub(r"<script\b[^>]*>.*?</script>", "", page, flags=re.S).lower()
    for ident in "abcd":
        assert f'href="{ident}.html"' in page
    assert "Généraliser" in page and "Étendre l&#x27;expérimentation" in page  # verdicts en toutes lettres
    assert "Échec de construction" in page and "date illisible" in page  # l'échec garde son message
    assert "5\u00a0M€" in page and "191\u202f000\u00a0€" in page
    # Un seul type partagé par deux pilotes : une phrase, nommé par ses mots, jamais par son identifiant.
    combine = page.split("<h2>Les résultats combinés par type de pilote</h2>")[1]
    assert combine.count('<p class="combine">') == 1 and "Sur 2 pilotes de gestion technique des écoles" in combine
    assert "gtb-ecoles" not in page and "sectorisation" not in page
    assert "−20\u202f000\u00a0€ à 40\u202f000\u00a0€" in page  # intervalle Monte-Carlo de la VAN socio-économique
    # Ligne d'échec : autant de colonnes que l'en-tête
    ligne = re.search(r"<tr><td[^>]*><strong>Pilote en panne.*?</tr>", page, flags=re.S).group(0)
    colspan = int(re.search(r'colspan="(\d+)"', ligne).group(1))
    assert ligne.count("<td") - 1 + colspan == len(index.ENTETES)


def test_parametres_du_portefeuille(tmp_path):
    p = index.charger_portefeuille()
    assert p["montant_eur"] == 5_000_000 and p["annees"] == [2023, 2024, 2025, 2026, 2027] and p["source"]
    f = tmp_path / "portefeuille.yaml"
    f.write_text("enveloppe_feder:\n  montant_eur: 5000000\n  periode: [2027, 2023]\n  source: x\n", encoding="utf-8")
    with pytest.raises(Exception, match="période"):
        index.charger_portefeuille(f)


@pytest.mark.navigateur
@pytest.mark.lent
def test_portefeuille_dans_chromium(etats, tmp_path):
    from navigateur import AXE_JS, exiger_chromium, verifier_page

    exiger_chromium()
    page = tmp_path / "index.html"
    page.write_text(index.page_index(etats, PORTEFEUILLE, AUJOURDHUI), encoding="utf-8")
    # Enveloppe (trois domaines), puis la carte : le semis des communes, une trace par verdict présent, les noms.
    carte = ["scattergeo"] * 5
    for largeur, hauteur in ((1366, 768), (390, 844)):
        res = verifier_page(page, types_traces_attendus=[["bar", "bar", "bar"], carte], largeur=largeur,
                            hauteur=hauteur, axe=AXE_JS.is_file())
        assert res["problemes"] == [], (largeur, res["problemes"])
        assert res["requetes_reseau"] == []
        assert res["langue"] == "fr"


def test_niveau_de_preuve_et_incertitude_dans_le_portefeuille(etats):
    etats[0]["resultats"]["niveau_preuve"] = {"niveau": 4, "libelle": "Sites témoins dont la comparabilité est vérifiée"}
    etats[1]["resultats"]["niveau_preuve"] = {"niveau": 2, "libelle": "Avant / après sur les sites équipés seulement"}
    etats[1]["resultats"]["incertitude_valide"] = False
    page = index.page_index(etats, PORTEFEUILLE, AUJOURDHUI)
    assert "<th" in page and "Niveau de preuve" in page
    ligne_a = re.search(r'<tr><td[^>]*><a href="a.html".*?</tr>', page, flags=re.S).group(0)
    ligne_b = re.search(r'<tr><td[^>]*><a href="b.html".*?</tr>', page, flags=re.S).group(0)
    assert "4 sur 5" in ligne_a and "2 sur 5" in ligne_b and "Avant / après" in ligne_b
    cellule_effet_b = re.findall(r"<td[^>]*>.*?</td>", ligne_b, flags=re.S)[index.ENTETES.index("Effet (IC 95\u00a0%)")]
    assert "incertitude impossible à calculer" in cellule_effet_b and "IC 95" not in cellule_effet_b
    for ligne in (ligne_a, ligne_b):
        assert ligne.count("<td") == len(index.ENTETES)


# --------------------------------------------------------------------------------------------
# Ce qui est à décider, carte, résultats combinés, typographie (états synthétiques)
# --------------------------------------------------------------------------------------------

def _texte_visible(fragment: str) -> str:
    """Le texte qu'on lit (sans scripts, styles ni balises), entités décodées."""
    sans = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", " ", fragment, flags=re.S)
    return html_mod.unescape(re.sub(r"<[^>]+>", " ", sans))


def test_ce_qui_est_a_decider(etats):
    page = index.page_index(etats, PORTEFEUILLE, AUJOURDHUI)
    assert index.comptes_verdicts(etats) == {"generaliser": 1, "etendre": 2, "ajuster": 0, "ne_pas_generaliser": 1}
    decision = page.split("<h2>Ce qui est à décider</h2>")[1].split("<h2>")[0]
    for cle, n in index.comptes_verdicts(etats).items():
        assert f'<span class="badge v-{cle}"><span class="badge__nombre">{n}</span>' in decision, cle
    assert "1 pilote sans rapport (échec de construction)" in decision
    # Fins : c est terminé depuis deux ans ; a, b et d finissent le 30 juin 2026, dans 3 mois.
    fins = {l["identifiant"]: l for l in index.fins_experimentation(etats, AUJOURDHUI)}
    assert set(fins) == {"a", "b", "c", "d"}  # le pilote en échec n'a pas de date
    assert fins["c"]["etat"] == "terminee" and fins["c"]["mois"] == -24
    assert all(fins[k]["etat"] == "prochaine" and fins[k]["mois"] == 3 for k in "abd")
    assert index.fins_experimentation(etats, date(2025, 6, 1))[0]["etat"] == "plus_tard"
    assert "se termine dans 3 mois" in decision and "terminée depuis 24 mois" in decision
    # Une expérimentation encore en cours à la construction de son rapport : verdict provisoire.
    etats[0]["resultats"] |= {"experimentation_terminee": False, "fin_etudiee": "2026-02-15"}
    assert index.fins_experimentation(etats, AUJOURDHUI)[0]["mesuree_jusqu_au"] == date(2026, 2, 15)
    assert "verdict provisoire, mesurée jusqu'au 15/02/2026" in html_mod.unescape(
        index.page_index(etats, PORTEFEUILLE, AUJOURDHUI))
    # L'argent face à l'enveloppe.
    assert "191\u202f000\u00a0€</span> engagés sur 5\u00a0M€" in decision  # 3 chiffres significatifs and "4,8\u00a0M€" in decision


def test_couleurs_des_verdicts_lues_dans_la_feuille_des_rapports(etats):
    from eprouvette.presentation import blocs

    css = index.FEUILLE_RAPPORTS.read_text(encoding="utf-8")
    couleurs = index.couleurs_verdicts()
    assert set(couleurs) == set(blocs.VERDICTS)
    for cle, c in couleurs.items():
        regle = re.search(r"\.ep-verdict--" + cle + r"\s*\{([^}]*)\}", css).group(1)
        var_couleur = re.search(r"color:\s*var\((--[\w-]+)\)", regle).group(1)
        assert re.search(re.escape(var_couleur) + r":\s*" + c["couleur"], css), cle
    page = index.page_index(etats, PORTEFEUILLE, AUJOURDHUI)
    for cle, c in couleurs.items():
        assert f".v-{cle} {{ color: {c['couleur']}; background: {c['fond']}; }}" in page
    # Une feuille sans la règle d'un verdict est refusée, pas devinée.
    with pytest.raises(ValueError, match="ep-verdict--ajuster"):
        index._couleurs.__wrapped__(str(_feuille_sans_ajuster(css)))


def _feuille_sans_ajuster(css: str) -> Path:
    import tempfile

    f = Path(tempfile.mkdtemp()) / "rapport.css"
    f.write_text(css.replace(".ep-verdict--ajuster", ".autre"), encoding="utf-8")
    return f


def test_carte_un_point_par_pilote_localise(etats):
    points = index.localisations(etats)
    assert sorted(pt["identifiant"] for pt in points) == ["a", "b", "c"]  # d n'a pas de commune, e a échoué
    a, b = (next(pt for pt in points if pt["identifiant"] == k) for k in "ab")
    assert a["commune"] == b["commune"] == "Beauvais"
    assert (a["latitude"], a["longitude"]) != (b["latitude"], b["longitude"])  # même commune, points écartés
    assert math.dist((a["latitude"], a["longitude"]), (b["latitude"], b["longitude"])) < 0.2
    fig = index._figure_carte(points)
    couleurs = index.couleurs_verdicts()
    par_verdict = {t["name"]: t for t in fig["data"] if t["type"] == "scattergeo" and "(" in t.get("name", "")
                   and not t["name"].startswith("Autres")}
    assert sorted(par_verdict) == ["Généraliser (1)", "Ne pas généraliser (1)", "Étendre l'expérimentation (1)"]
    assert par_verdict["Généraliser (1)"]["marker"]["color"] == couleurs["generaliser"]["couleur"]
    page = index.page_index(etats, PORTEFEUILLE, AUJOURDHUI)
    carte = page.split("<h2>Carte des pilotes</h2>")[1].split("<h2>")[0]
    assert 'role="img"' in carte and "Voir les pilotes de la carte" in carte
    assert carte.count("<tr><td>") == 3  # le tableau équivalent : une ligne par point
    assert "window.PlotlyGeoAssets" in page  # aucun fond de carte demandé à un CDN


def test_phrase_combinee_simple_et_statistiques_en_annexe(etats):
    c = index.effets_combines(etats)[0]
    phrase = index.phrase_combinee(c, PORTEFEUILLE["types_pilotes"])
    assert phrase.startswith("Sur 2 pilotes de gestion technique des écoles (Beauvais et Beauvais), "
                             "la consommation de chauffage baisse en moyenne de ")
    for interdit in ("τ²", "I²", "Paule-Mandel", "p =", "gtb-ecoles", "IC"):
        assert interdit not in phrase, interdit
    # Chiffres à deux ou trois chiffres significatifs.
    for n in re.findall(r"\d[\d,]*", phrase.replace("\u202f", "")):
        assert len(n.replace(",", "").lstrip("0")) <= 3, n
    # Un type sans libellé reste sans identifiant.
    sans = index.phrase_combinee(c, {})
    assert "du même type (énergie des bâtiments publics)" in sans and "gtb-ecoles" not in sans
    page = index.page_index(etats, PORTEFEUILLE, AUJOURDHUI)
    section = page.split("<h2>Les résultats combinés par type de pilote</h2>")[1].split("</main>")[0]
    premier_niveau, annexe = section.split("<details>", 1)
    for stat in ("τ²", "I²", "Paule-Mandel", "Q de Cochran"):
        assert stat not in premier_niveau and stat in annexe, stat
    # L'annexe aussi écrit des nombres lisibles : pas de « p = 0,000000000… » (trois chiffres significatifs).
    assert not re.search(r"\d{5,}", _texte_visible(annexe)), _texte_visible(annexe)


def test_typographie_francaise_du_portefeuille(etats):
    page = index.page_index(etats, PORTEFEUILLE, AUJOURDHUI)
    # Le message d'erreur d'un pilote en échec est cité tel que le lanceur l'a écrit.
    texte = _texte_visible(re.sub(r'<p class="message">.*?</p>', " ", page, flags=re.S))
    fautes = re.findall(r".{0,25}(?: [:;!?»]|« ).{0,10}", texte)
    assert fautes == []


def test_cadres_defilants_focalisables(etats):
    page = index.page_index(etats, PORTEFEUILLE, AUJOURDHUI)
    cadres = re.findall(r'<div class="defilant"[^>]*>', page)
    assert len(cadres) >= 4  # calendrier, enveloppe, carte, pilotes, annexe
    for c in cadres:
        assert 'tabindex="0"' in c and 'role="region"' in c and re.search(r'aria-label="[^"]+"', c), c
    assert re.search(r'<div class="defilant"[^>]*aria-label="Les pilotes[^"]*"><table class="triable pilotes">', page)


# --------------------------------------------------------------------------------------------
# Les exemples construits : comptes, liens, carte, taille, dans Chromium aux deux tailles
# --------------------------------------------------------------------------------------------

def _resultats_exemples(portefeuille) -> dict[str, dict]:
    return {d.name: json.loads((portefeuille["rapports"] / f"{d.name}.json").read_text(encoding="utf-8"))
            for d in portefeuille["exemples"]}


def test_portefeuille_des_exemples(portefeuille):
    resultats = _resultats_exemples(portefeuille)
    rapports = portefeuille["rapports"]
    page = (rapports / "index.html").read_text(encoding="utf-8")
    assert (rapports / "index.html").stat().st_size <= 1_000_000
    # Comptes des verdicts : ceux des JSON.
    attendus = {cle: sum(1 for r in resultats.values() if r["verdict"] == cle) for cle in index.LIBELLES_VERDICTS}
    decision = page.split("<h2>Ce qui est à décider</h2>")[1].split("<h2>")[0]
    lus = {cle: int(n) for cle, n in re.findall(r'<span class="badge v-(\w+)"><span class="badge__nombre">(\d+)</span>',
                                                 decision)}
    assert lus == attendus and sum(lus.values()) == len(resultats)
    # L'argent engagé, dans l'encadré : la somme des FEDER des JSON, à trois chiffres significatifs.
    engage = re.search(r'<span class="chiffre">([^<]+)</span> engagés sur', decision).group(1)
    total = sum(r["feder_eur"] for r in resultats.values())
    chiffres = re.sub(r"\D", "", engage)
    assert len(chiffres.rstrip("0")) <= 3 and abs(float(chiffres) - total) <= 0.005 * total, (engage, total)
    # Liens dans les deux sens : chaque ligne vers son rapport et sa note ; chacun d'eux vers le portefeuille.
    for ident, r in resultats.items():
        ligne = re.search(rf'<tr><td[^>]*><a href="{re.escape(ident)}.html">.*?</tr>', page, flags=re.S).group(0)
        assert f'href="{ident}-note.html"' in ligne
        for cible in (f"{ident}.html", f"{ident}-note.html"):
            texte = (rapports / cible).read_text(encoding="utf-8")
            lien = re.search(r'<a [^>]*href="([^"]+)"[^>]*>(?:<span aria-hidden="true">← </span>)?Retour au portefeuille</a>',
                             texte)
            assert lien, cible
            assert (rapports / cible).parent.joinpath(lien.group(1)).resolve() == (rapports / "index.html").resolve()
    # Résultats combinés : une phrase par type partagé, sans statistique ni identifiant au premier niveau.
    types = {}
    for r in resultats.values():
        types.setdefault(r["type_pilote"], []).append(r)
    partages = [t for t, membres in types.items() if len(membres) >= 2]
    section = page.split("<h2>Les résultats combinés par type de pilote</h2>")[1].split("</main>")[0]
    premier_niveau = section.split("<details>", 1)[0]
    assert premier_niveau.count('<p class="combine">') == len(partages) >= 1
    for interdit in ["τ²", "I²", "Paule-Mandel", "Q de Cochran", *types, *resultats]:
        assert interdit not in premier_niveau, interdit
    annexe = section.split("<details>", 1)[1].split("</details>")[0]
    assert "τ²" in annexe and not re.search(r"\d{5,}", _texte_visible(annexe)), _texte_visible(annexe)
    # Typographie française (hors messages d'erreur cités).
    texte = _texte_visible(re.sub(r'<p class="message">.*?</p>', " ", page, flags=re.S))
    assert re.findall(r".{0,25}(?: [:;!?»]|« ).{0,10}", texte) == []


_JS_PORTEFEUILLE = """
() => {
  const carte = document.querySelector('.figure.carte .js-plotly-plot');
  const pilotes = document.querySelector('.defilant:has(table.pilotes)');
  return {
    largeur_page: document.documentElement.scrollWidth, largeur_fenetre: window.innerWidth,
    traces: (carte._fullData || []).map((t) => ({type: t.type, nom: t.name, n: (t.lat || []).length,
      couleur: t.marker && t.marker.color})),
    tableau: {defile: pilotes.scrollWidth, visible: pilotes.clientWidth},
  };
}
"""

_JS_COULEUR_VERDICT = "() => getComputedStyle(document.querySelector('.ep-essentiel .ep-verdict')).color"


def _rgb(hexa: str) -> str:
    h = hexa.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i:i + 2], 16) for i in (0, 2, 4)))


@pytest.mark.navigateur
@pytest.mark.lent
def test_portefeuille_des_exemples_dans_chromium(portefeuille):
    """À 1366 × 768 et 390 × 844 : axe-core 0 violation, aucun débordement de la page, le tableau des
    pilotes entier sans défiler sur le portable, la carte dessinée (un point par pilote localisé, de la
    couleur de son verdict dans son rapport). Captures index-1366x768.png, index-390x844.png."""
    sys.path.insert(0, str(Path(__file__).parent))
    from navigateur import dans_chromium, exiger_axe, exiger_chromium, verifier_page

    from eprouvette import essaimage

    exiger_chromium()
    exiger_axe()
    rapports = portefeuille["rapports"]
    resultats = _resultats_exemples(portefeuille)
    avec_point = set(essaimage.points_communes()["code_insee"])
    localises = {i: r for i, r in resultats.items() if set(r.get("codes_insee") or []) & avec_point}
    assert localises

    def couleurs_des_verdicts(page) -> dict:
        # La couleur de chaque verdict telle que son rapport la montre.
        couleurs = {}
        for ident, res in resultats.items():
            if res["verdict"] not in couleurs:
                page.goto((rapports / f"{ident}.html").as_uri())
                couleurs[res["verdict"]] = page.evaluate(_JS_COULEUR_VERDICT)
        return couleurs

    couleurs_rapports = dans_chromium(couleurs_des_verdicts, viewport={"width": 1366, "height": 768})
    problemes: list[str] = []
    for largeur, hauteur in ((1366, 768), (390, 844)):
        # Une seule ouverture de la page par taille : contrôles communs (axe-core…) et mesures du portefeuille,
        # prises une fois tous les graphiques dessinés (la carte comprise).
        r = verifier_page(rapports / "index.html", largeur=largeur, hauteur=hauteur, axe=True,
                          capture=rapports / f"index-{largeur}x{hauteur}.png", evaluer=_JS_PORTEFEUILLE)
        problemes += [f"{largeur} px : {p}" for p in r["problemes"]]
        m = r["evaluation"]
        if m["largeur_page"] > m["largeur_fenetre"]:
            problemes.append(f"{largeur} px : la page déborde ({m['largeur_page']} px)")
        if largeur > 1000 and m["tableau"]["defile"] > m["tableau"]["visible"]:
            problemes.append(f"{largeur} px : tableau des pilotes plus large que l'écran ({m['tableau']})")
        traces = [t for t in m["traces"] if t["type"] == "scattergeo"]
        points = {t["nom"]: t for t in traces if any(t["nom"].startswith(l + " (") for l in index.LIBELLES_VERDICTS.values())}
        if sum(t["n"] for t in points.values()) != len(localises):
            problemes.append(f"{largeur} px : {sum(t['n'] for t in points.values())} points pour "
                             f"{len(localises)} pilotes localisés")
        for cle, libelle in index.LIBELLES_VERDICTS.items():
            n = sum(1 for r in localises.values() if r["verdict"] == cle)
            trace = points.get(f"{libelle} ({n})")
            if n and (trace is None or trace["n"] != n):
                problemes.append(f"{largeur} px : trace « {libelle} » absente ou fausse")
            elif n and _rgb(trace["couleur"]) != couleurs_rapports.get(cle, _rgb(trace["couleur"])):
                problemes.append(f"{libelle} : {trace['couleur']} sur la carte, {couleurs_rapports[cle]} au rapport")
    assert not problemes, problemes
