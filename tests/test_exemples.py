"""Tous les pilotes d'exemple, construits comme par `make rapports` (sur une copie).

- chaque pilote simulé donne le verdict que son générateur a planté (verite.yaml), pour la raison
  plantée, et les quatre verdicts apparaissent dans le portefeuille ;
- quand l'expérimentation doit conclure, l'effet vrai est dans l'intervalle à 95 % ;
- chaque rapport s'ouvre dans Chromium sans erreur ni requête réseau, chaque graphique est dessiné,
  les titres se suivent ; une capture du premier écran est écrite à côté du rapport ;
- la taille de chaque rapport est consignée (un chiffre, pas une assertion).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from eprouvette import config

pytestmark = pytest.mark.lent

VERDICTS = {"generaliser", "etendre", "ajuster", "ne_pas_generaliser"}


def _types_attendus(carnet: Path) -> list[list[str]]:
    """Types de traces de chaque figure, dans l'ordre, d'après les sorties plotly du carnet exécuté."""
    import nbformat

    nb = nbformat.read(carnet, as_version=4)
    attendus = []
    for cellule in nb.cells:
        for sortie in cellule.get("outputs", []):
            fig = sortie.get("data", {}).get("application/vnd.plotly.v1+json")
            if fig:
                attendus.append([t.get("type", "scatter") for t in fig.get("data", [])])
    return attendus


def _exemples() -> list[Path]:
    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import exemples

    return exemples()


# La fixture « portefeuille » (tous les exemples construits une fois par session) est dans conftest.py.


def test_tous_les_rapports_construits(portefeuille):
    r = portefeuille["sortie"]
    assert r.returncode == 0, r.stdout + r.stderr
    for d in portefeuille["exemples"]:
        for ext in ("html", "json"):
            assert (portefeuille["rapports"] / f"{d.name}.{ext}").exists(), f"{d.name}.{ext}"
    index = (portefeuille["rapports"] / "index.html").read_text(encoding="utf-8")
    for d in portefeuille["exemples"]:
        assert f'href="{d.name}.html"' in index


@pytest.mark.parametrize("dossier", _exemples(), ids=lambda p: p.name)
def test_verdict_plante(portefeuille, dossier):
    verite = yaml.safe_load((dossier / "verite.yaml").read_text(encoding="utf-8"))
    attendu = verite.get("verdict_attendu")
    assert attendu in VERDICTS, f"{dossier.name} : verite.yaml sans verdict_attendu valide"
    res = json.loads((portefeuille["rapports"] / f"{dossier.name}.json").read_text(encoding="utf-8"))
    assert res["verdict"] == attendu, (
        f"{dossier.name} : verdict {res['verdict']} ({res['raison_verdict']}), attendu {attendu} "
        f"({verite.get('raison_attendue')})"
    )
    # … et pour la raison plantée : la règle de la grille qui a décidé est celle que le générateur visait
    # (un pilote « trop court » ne doit pas sortir « étendre » parce qu'une vérification a échoué).
    assert res["regle_verdict"] == verite["regle_attendue"], (
        f"{dossier.name} : règle {res['regle_verdict']}, attendue {verite['regle_attendue']}"
    )


def test_constat_de_persistance_plante(portefeuille):
    """Chaque exemple à période après (``persistance_attendue`` dans verite.yaml) donne ce constat."""
    avec = 0
    for d in portefeuille["exemples"]:
        attendu = yaml.safe_load((d / "verite.yaml").read_text(encoding="utf-8")).get("persistance_attendue")
        res = json.loads((portefeuille["rapports"] / f"{d.name}.json").read_text(encoding="utf-8"))
        if attendu is None:
            assert res.get("persistance") is None, d.name
            continue
        avec += 1
        assert res["persistance"]["constat"] == attendu, (d.name, res["persistance"]["phrase"])
    assert avec >= 1


def test_les_quatre_verdicts_apparaissent(portefeuille):
    verdicts = {
        json.loads((portefeuille["rapports"] / f"{d.name}.json").read_text(encoding="utf-8"))["verdict"]
        for d in portefeuille["exemples"]
    }
    assert verdicts == VERDICTS, verdicts


@pytest.mark.navigateur
@pytest.mark.parametrize("dossier", _exemples(), ids=lambda p: p.name)
def test_chaque_rapport_dans_chromium(portefeuille, dossier):
    """Le rapport et la note aux élus d'un pilote dans Chromium (un test par pilote : pytest-xdist les répartit
    entre ses deux processus)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import consigner_taille
    from navigateur import AXE_JS, exiger_chromium, verifier_page

    exiger_chromium()
    problemes = {}
    html = portefeuille["rapports"] / f"{dossier.name}.html"
    # axe-core (make js) : chaque violation est un problème ; sans lui, test_axe_core_installe le dit.
    r = verifier_page(html, capture=html.with_suffix(".png"), largeur=1366, hauteur=768, axe=AXE_JS.is_file())
    erreurs = list(r["problemes"]) + r["erreurs_console"] + r["erreurs_page"] + r["requetes_reseau"]
    # Le texte s'affiche avant que plotly.js soit décompressé et évalué.
    if not r["peinture"].get("first-contentful-paint", float("inf")) < r["graphiques_dessines_ms"]:
        erreurs.append(f"premier affichage {r['peinture']} après les graphiques ({r['graphiques_dessines_ms']:.0f} ms)")
    if not r["graphiques"] or not all(g["a_svg"] for g in r["graphiques"]):
        erreurs.append("graphique non dessiné")
    # Chaque figure est dessinée avec les types de traces que le carnet a produits (un paquet
    # plotly.js incomplet dessinerait un histogramme en nuage de points sans erreur).
    attendus = _types_attendus(portefeuille["rapports"] / "carnets" / f"{dossier.name}.ipynb")
    rendus = [g["types"] for g in r["graphiques"]]
    if rendus != attendus:
        erreurs.append(f"types de traces {rendus} au lieu de {attendus}")
    if r["nb_details"] < len(r["graphiques"]):
        erreurs.append(f"{len(r['graphiques'])} graphiques pour {r['nb_details']} tableaux de données")
    if r["langue"] != "fr" or not r["titre"]:
        erreurs.append("langue ou titre")
    if [t["niveau"] for t in r["titres"]][:2] != [1, 2] or r["titres"][1]["texte"] != "L'essentiel":
        erreurs.append("L'essentiel n'ouvre pas le rapport")
    if erreurs:
        problemes[dossier.name] = erreurs
    assert html.with_suffix(".png").stat().st_size > 10_000
    carnet = portefeuille["rapports"] / "carnets" / f"{dossier.name}.ipynb"
    consigner_taille(dossier.name, html.stat().st_size, carnet.stat().st_size)
    # La note aux élus passe les mêmes contrôles : axe-core, console, réseau, graphique dessiné, taille.
    note = portefeuille["rapports"] / f"{dossier.name}-note.html"
    rn = verifier_page(note, largeur=1366, hauteur=768, axe=AXE_JS.is_file())
    erreurs_note = list(rn["problemes"]) + rn["erreurs_console"] + rn["erreurs_page"] + rn["requetes_reseau"]
    if not rn["graphiques"] or not all(g["a_svg"] for g in rn["graphiques"]):
        erreurs_note.append("graphique non dessiné")
    if erreurs_note:
        problemes[f"{dossier.name}-note"] = erreurs_note
    assert not problemes, problemes


@pytest.mark.navigateur
def test_page_du_portefeuille_dans_chromium(portefeuille):
    """La page du portefeuille (index.html) dans Chromium : mêmes contrôles (axe-core, console, réseau,
    graphiques dessinés, titres), et au moins un graphique."""
    sys.path.insert(0, str(Path(__file__).parent))
    from navigateur import AXE_JS, exiger_chromium, verifier_page

    exiger_chromium()
    index = verifier_page(portefeuille["rapports"] / "index.html", largeur=1366, hauteur=768, axe=AXE_JS.is_file())
    assert index["problemes"] == [] and index["graphiques"], index["problemes"] or ["aucun graphique"]


@pytest.mark.navigateur
def test_axe_core_installe():
    """Les deux tests qui précèdent et suivent passent axe-core sur chaque page s'il est installé."""
    sys.path.insert(0, str(Path(__file__).parent))
    from navigateur import exiger_axe

    exiger_axe()


@pytest.mark.navigateur
def test_chaque_page_sans_javascript_dans_chromium(portefeuille):
    """JavaScript coupé : à la place de chaque graphique, un message visible qui renvoie à son tableau."""
    sys.path.insert(0, str(Path(__file__).parent))
    from navigateur import exiger_chromium, verifier_sans_javascript

    exiger_chromium()
    problemes = {}
    pages = [portefeuille["rapports"] / f"{d.name}.html" for d in portefeuille["exemples"]]
    for html in pages + [portefeuille["rapports"] / "index.html"]:
        r = verifier_sans_javascript(html)
        if r["problemes"] or not r["nb_figures"]:
            problemes[html.stem] = r["problemes"] or ["aucun graphique"]
    assert not problemes, problemes


def test_taille_des_pages(portefeuille):
    """Rapport ≤ 1,5 Mo, portefeuille ≤ 1 Mo : plotly.js réduit aux traces des rapports, compressé."""
    sys.path.insert(0, str(Path(__file__).parent))
    from navigateur import exiger_paquet_reduit

    exiger_paquet_reduit()
    tailles = {d.name: (portefeuille["rapports"] / f"{d.name}.html").stat().st_size for d in portefeuille["exemples"]}
    trop_lourds = {nom: t for nom, t in tailles.items() if t > 1_500_000}
    assert not trop_lourds, trop_lourds
    assert (portefeuille["rapports"] / "index.html").stat().st_size <= 1_000_000
    for d in portefeuille["exemples"]:
        page = (portefeuille["rapports"] / f"{d.name}.html").read_text(encoding="utf-8")
        assert page.count('id="ep-plotly-js"') == 1 and 'data-paquet="reduit"' in page, d.name
        # La note aux élus emporte le même plotly.js réduit et reste légère.
        note = portefeuille["rapports"] / f"{d.name}-note.html"
        assert note.stat().st_size <= 1_500_000, (note.name, note.stat().st_size)
        assert 'data-paquet="reduit"' in note.read_text(encoding="utf-8"), note.name


@pytest.mark.parametrize("dossier", _exemples(), ids=lambda p: p.name)
def test_niveau_de_preuve_dans_le_json_et_le_premier_ecran(portefeuille, dossier):
    """Chaque rapport porte son niveau de preuve (JSON, premier écran, portefeuille) ; un pilote
    sans témoin est au niveau 2 et ne peut pas être généralisé."""
    import re

    fiche = yaml.safe_load((dossier / "pilote.yaml").read_text(encoding="utf-8"))
    n_temoins = sum(s.get("role") == "temoin" for s in fiche["sites"])
    res = json.loads((portefeuille["rapports"] / f"{dossier.name}.json").read_text(encoding="utf-8"))
    niveau = res["niveau_preuve"]["niveau"]
    assert (niveau == 2) if n_temoins == 0 else (niveau >= 3)
    if niveau < 3:
        assert res["verdict"] != "generaliser"
    html = (portefeuille["rapports"] / f"{dossier.name}.html").read_text(encoding="utf-8")
    essentiel = re.search(r'<section[^>]*class="ep-essentiel"[^>]*>.*?</section>', html, flags=re.S).group(0)
    assert "Niveau de preuve\u00a0:" in essentiel and f"{niveau} sur 5" in essentiel
    index = (portefeuille["rapports"] / "index.html").read_text(encoding="utf-8")
    ligne = re.search(rf'<tr><td[^>]*><a href="{dossier.name}.html".*?</tr>', index, flags=re.S).group(0)
    assert f"{niveau} sur 5" in ligne


def _figures(carnet: Path) -> list[dict]:
    import nbformat

    nb = nbformat.read(carnet, as_version=4)
    return [s["data"]["application/vnd.plotly.v1+json"] for c in nb.cells for s in c.get("outputs", [])
            if "application/vnd.plotly.v1+json" in s.get("data", {})]


def _dates(x) -> "pd.Series | None":
    import pandas as pd

    if not isinstance(x, list) or not x or not all(isinstance(v, str) for v in x):
        return None
    d = pd.to_datetime(pd.Series(x), errors="coerce")
    return d if d.notna().all() else None


def test_chaque_figure_de_chaque_rapport_ne_trompe_pas(portefeuille):
    """Sur toutes les figures des rapports d'exemple : graduations à la française (« 200 000 »,
    jamais « 200k »), axe des dates ajusté aux données (un axe qui courait jusqu'en 2031 tassait les
    données sur un téléphone), aucune somme mensuelle d'un mois mesuré en partie."""
    import pandas as pd

    from eprouvette.presentation.sections import COUVERTURE_MIN_MOIS

    carnets = sorted((portefeuille["rapports"] / "carnets").glob("*.ipynb"))
    assert len(carnets) == len(portefeuille["exemples"])
    n_figures = n_mensuelles = 0
    for carnet in carnets:
        for i, fig in enumerate(_figures(carnet)):
            lieu = f"{carnet.stem}, figure {i + 1}"
            n_figures += 1
            layout = fig["layout"]
            gabarit = layout.get("template", {}).get("layout", {})
            assert layout.get("separators", gabarit.get("separators")) == ",\u202f", lieu
            for axe in ("xaxis", "yaxis"):
                format_ = layout.get(axe, {}).get("exponentformat", gabarit.get(axe, {}).get("exponentformat"))
                assert format_ == "none", f"{lieu} : graduations de {axe} en « {format_} » (préfixes k, M)"
            dates = [d for t in fig["data"] if (d := _dates(t.get("x"))) is not None]
            if dates:
                toutes = pd.concat(dates)
                debut, fin = toutes.min(), toutes.max()
                plage = layout.get("xaxis", {}).get("range")
                assert plage, f"{lieu} : axe des dates sans plage ajustée aux données"
                bas, haut = pd.to_datetime(plage[0]), pd.to_datetime(plage[1])
                marge = (fin - debut) * 0.05 + pd.Timedelta(days=1)
                assert bas <= debut and haut >= fin, f"{lieu} : des données hors de l'axe {plage}"
                assert bas >= debut - marge and haut <= fin + marge, (
                    f"{lieu} : axe {plage} bien plus large que les données ({debut:%Y-%m-%d} → {fin:%Y-%m-%d})")
            meta = layout.get("meta") or {}
            if meta.get("periode") == "mois":
                n_mensuelles += 1
                if meta["agregat"] == "sum":
                    assert meta["couverture_min"] >= COUVERTURE_MIN_MOIS, (
                        f"{lieu} : somme d'un mois mesuré à {meta['couverture_min']:.0%} tracée comme un mois entier")
    assert n_figures >= 3 * len(carnets) and n_mensuelles >= len(carnets)


def test_mois_partiel_en_moyenne_journaliere_et_dit(portefeuille):
    """Arras vélo : août 2025 n'a que 3 jours mesurés ; le graphique passe en passages par jour et le dit."""
    rapport = portefeuille["rapports"] / "mobilite-compteurs-velo-arras.html"
    texte = rapport.read_text(encoding="utf-8")
    assert "août 2025\u00a0: 3 jours mesurés sur 31" in texte
    assert "le graphique donne la moyenne par jour mesuré de chaque mois" in texte
    assert "des sites expérimentaux et témoins" not in texte  # ce pilote n'a pas de témoin


def test_amiens_sans_contradiction_entre_verdict_grille_et_bilan(portefeuille):
    """Amiens eau : « Généraliser » avec une ligne de grille « non » et une VAN centrale (45 000 €) loin de
    la médiane simulée (≈ 100 000 €) sans un mot. La ligne de puissance dit « sans objet » et l'écart des VAN
    est expliqué par la plage asymétrique du prix de l'eau."""
    resultats = json.loads((portefeuille["rapports"] / "eau-sectorisation-amiens.json").read_text(encoding="utf-8"))
    puissance = next(c for c in resultats["criteres"] if c["nom"] == "puissance")
    assert resultats["verdict"] == "generaliser" and puissance["sans_objet"] is True
    texte = (portefeuille["rapports"] / "eau-sectorisation-amiens.html").read_text(encoding="utf-8")
    assert "<td>sans objet</td>" in texte
    assert "La VAN financière médiane des tirages" in texte and "ne sont pas symétriques (le prix unitaire va de" in texte


def test_un_seul_temps_de_retour_par_rapport(portefeuille):
    """GrandSoissons : « retour financier en 5,7 ans » sur la carte (temps de retour simple) et « 6,4 ans »
    dans la grille (actualisé). Le temps de retour de la carte est celui de la grille et du JSON."""
    import html as html_mod
    import re

    vus = 0
    for json_rapport in sorted(portefeuille["rapports"].glob("*.json")):
        resultats = json.loads(json_rapport.read_text(encoding="utf-8"))
        if "economie" not in resultats or resultats.get("economie") is None:
            continue
        actualise = resultats["economie"].get("delai_retour_actualise_ans")
        texte = html_mod.unescape(json_rapport.with_suffix(".html").read_text(encoding="utf-8"))
        carte = re.findall(r"retour financier en ([\d,]+)\s*ans", texte)
        grille = re.findall(r"Temps de retour financier \(actualisé\) : ([\d,]+)\s*ans", texte)
        if actualise is None:
            assert not carte and not grille, json_rapport.name
            continue
        attendu = f"{actualise:.1f}".replace(".", ",")
        assert carte and set(carte) == {attendu}, (json_rapport.name, carte, attendu)
        assert set(grille) <= {attendu}, (json_rapport.name, grille, attendu)
        vus += 1
    assert vus >= 5


_JS_PREMIER_ECRAN = """
() => {
  const boite = (sel) => { const e = document.querySelector(sel); if (!e) return null;
    const r = e.getBoundingClientRect(); return {haut: r.top, bas: r.bottom, gauche: r.left, droite: r.right}; };
  return {
    verdict: boite('.ep-essentiel .ep-verdict'),
    raison: boite('.ep-essentiel__raison'),
    certitude: boite('.ep-essentiel__certitude'),
    chiffres: Array.from(document.querySelectorAll('.ep-essentiel .ep-chiffre')).map((e) => {
      const r = e.getBoundingClientRect(); return {haut: r.top, bas: r.bottom}; }),
    largeur_page: document.documentElement.scrollWidth,
    largeur_fenetre: window.innerWidth,
  };
}
"""


@pytest.mark.navigateur
@pytest.mark.parametrize("dossier", _exemples(), ids=lambda p: p.name)
def test_premier_ecran_tient_sur_portable_et_telephone(portefeuille, dossier):
    """À 1366 × 768 (portable d'élu) : verdict, raison, quatre chiffres et degré de certitude visibles sans
    défiler ; à 390 × 844 (téléphone) : verdict et raison ; aucun débordement horizontal. Les captures
    des deux tailles sont écrites à côté des rapports (<id>-1366x768.png, <id>-390x844.png). Un test par
    pilote, dans le Chromium partagé du processus (une fenêtre neuve par taille)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from navigateur import dans_chromium, exiger_chromium

    exiger_chromium()
    problemes: list[str] = []
    html = portefeuille["rapports"] / f"{dossier.name}.html"
    for largeur, hauteur in ((1366, 768), (390, 844)):
        def mesurer(page, capture=html.with_name(f"{dossier.name}-{largeur}x{hauteur}.png")):
            page.goto(html.as_uri())
            page.wait_for_load_state("load")
            m = page.evaluate(_JS_PREMIER_ECRAN)
            page.screenshot(path=str(capture))
            return m

        m = dans_chromium(mesurer, viewport={"width": largeur, "height": hauteur})
        requis = {"verdict": m["verdict"], "raison": m["raison"]}
        if largeur > 1000:
            requis["degré de certitude"] = m["certitude"]
            # Quatre cartes quand l'effet est chiffré en euros ; sinon effet et investissement.
            res = json.loads((portefeuille["rapports"] / f"{dossier.name}.json").read_text(encoding="utf-8"))
            attendus = 4 if res.get("economie") else 2
            if len(m["chiffres"]) < attendus:
                problemes.append(f"{len(m['chiffres'])} chiffres clés au lieu de {attendus}")
            for i, c in enumerate(m["chiffres"]):
                requis[f"chiffre {i + 1}"] = c
        for quoi, b in requis.items():
            if b is None or b["bas"] > hauteur:
                problemes.append(f"{largeur} × {hauteur} : {quoi} hors du premier écran ({b and round(b['bas'])} px)")
        if m["largeur_page"] > m["largeur_fenetre"]:
            problemes.append(f"{largeur} px : la page déborde ({m['largeur_page']} px de large)")
    assert not problemes, problemes


@pytest.mark.navigateur
def test_note_aux_elus_tient_en_deux_pages_avec_le_verdict_en_page_1(portefeuille, tmp_path):
    """Chaque pilote a sa note aux élus (<id>-note.html) : imprimée en A4 par Chromium (comme make pdf),
    au plus deux pages, le verdict et sa raison en page 1, le contact et le lien vers le rapport complet.
    Le rapport complet, imprimé de même, tient en douze pages au plus (tableaux longs abrégés, annexe
    omise : chaque fois dit à l'impression)."""
    import shutil
    import subprocess

    sys.path.insert(0, str(Path(__file__).parent))
    from navigateur import exiger_chromium

    from eprouvette.rapports.pdf import imprimer

    exiger_chromium()
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (poppler-utils) introuvable : make navigateur")
    notes = []
    for d in portefeuille["exemples"]:
        note = portefeuille["rapports"] / f"{d.name}-note.html"
        assert note.is_file(), f"pas de note aux élus pour {d.name}"
        resultats = json.loads((portefeuille["rapports"] / f"{d.name}.json").read_text(encoding="utf-8"))
        assert resultats["note"] == note.name
        copie = tmp_path / note.name
        shutil.copy(note, copie)
        notes.append((d.name, copie, resultats))
    complets = []
    for d in portefeuille["exemples"]:
        copie = tmp_path / f"{d.name}.html"
        shutil.copy(portefeuille["rapports"] / copie.name, copie)
        complets.append((d.name, copie))
    imprimer([c for _, c, _ in notes] + [c for _, c in complets])

    def nombre_de_pages(pdf) -> int:
        infos = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        return int(next(l.split()[-1] for l in infos.splitlines() if l.startswith("Pages:")))

    problemes = {}
    pages_complets = {ident: nombre_de_pages(copie.with_suffix(".pdf")) for ident, copie in complets}
    print("pages imprimées des rapports complets :", pages_complets)
    for ident, n in pages_complets.items():
        if n > 12:
            problemes[f"{ident}.html"] = [f"{n} pages imprimées (12 au plus)"]
    for ident, copie, resultats in notes:
        pdf = copie.with_suffix(".pdf")
        n = nombre_de_pages(pdf)
        page1 = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                               text=True).stdout
        tout = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        erreurs = []
        if n > 2:
            erreurs.append(f"{n} pages")
        if resultats["verdict_libelle"] not in page1 or "Pourquoi" not in page1:
            erreurs.append("verdict ou raison absents de la page 1")
        # pdftotext coupe un long identifiant à un trait d'union en fin de ligne et retire ce trait
        # (« dechets-pavemballages-compiegne.html ») : comparaison sans traits d'union ni sauts de ligne.
        sans_traits = tout.replace("\n", "").replace("-", "")
        if "Contact et rapport complet" not in tout or f"{ident}.html".replace("-", "") not in sans_traits:
            erreurs.append("contact ou lien vers le rapport complet absent")
        if erreurs:
            problemes[ident] = erreurs
        # La page 1 imprimée de chaque note, en image, à côté des rapports (à regarder).
        image = portefeuille["rapports"] / f"{ident}-note-page1"
        subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "60", "-png", "-singlefile", str(pdf), str(image)],
                       check=True)
        assert image.with_suffix(".png").stat().st_size > 10_000
    assert not problemes, problemes


def test_donnees_simulees_dites_sur_chaque_page(portefeuille):
    """Les pilotes d'exemple sont simulés (« donnees_simulees: true ») : le rapport, la note aux élus et le
    portefeuille portent le bandeau « Données simulées » en tête de page, pas seulement dans « Le contexte »."""
    import re

    for d in portefeuille["exemples"]:
        fiche = yaml.safe_load((d / "pilote.yaml").read_text(encoding="utf-8"))
        assert fiche.get("donnees_simulees") is True, d.name
        for page in (f"{d.name}.html", f"{d.name}-note.html"):
            texte = (portefeuille["rapports"] / page).read_text(encoding="utf-8")
            bandeau = texte.index('class="ep-simule"')
            assert "<strong>Données simulées</strong>" in texte[bandeau:bandeau + 200]
            assert bandeau < texte.index('class="ep-essentiel"'), page  # avant le premier écran
    index = (portefeuille["rapports"] / "index.html").read_text(encoding="utf-8")
    assert re.search(r'class="simule"[^>]*><strong>Données simulées</strong>', index)
    assert index.index('class="simule"') < index.index("<h2>Les pilotes</h2>")


def _pages_lues(portefeuille):
    sys.path.insert(0, str(Path(__file__).parent))
    from texte_visible import ESPACE_FAUTIVE, fausses_precisions, prose_et_cartes, texte_visible

    for d in portefeuille["exemples"]:
        for nom in (f"{d.name}.html", f"{d.name}-note.html"):
            page = (portefeuille["rapports"] / nom).read_text(encoding="utf-8")
            yield nom, page, (ESPACE_FAUTIVE, fausses_precisions, prose_et_cartes, texte_visible)


def test_nombres_de_la_prose_et_des_cartes_arrondis(portefeuille):
    """Dans la prose et les cartes de chaque rapport et de chaque note, aucun nombre à plus de trois chiffres
    significatifs (« 128 531 € », « 1 112 711 m³/an ») ni au point décimal anglais (« 0.9657110052390346 ») ;
    les tableaux peuvent en garder plus ; années, dates, codes et identifiants de provenance exclus."""
    problemes = {}
    for nom, page, (_, fausses_precisions, prose_et_cartes, _) in _pages_lues(portefeuille):
        trouves = fausses_precisions(prose_et_cartes(page))
        if trouves:
            problemes[nom] = trouves
    assert len(list(_pages_lues(portefeuille))) == 2 * len(portefeuille["exemples"])
    assert not problemes, problemes


def test_typographie_francaise_du_texte_visible(portefeuille):
    """Aucun « : », « ; », « ! », « ? » ni « » » précédé d'une espace ordinaire, aucun « « » suivi d'une
    espace ordinaire, aucune espace ordinaire entre un nombre et « % » ou « € », dans le texte visible
    (prose, titres, légendes, raisons de la grille, glossaire) des rapports et des notes."""
    import re

    problemes = {}
    for nom, page, (espace_fautive, _, _, texte_visible) in _pages_lues(portefeuille):
        texte = texte_visible(page)
        fautes = [texte[max(0, m.start() - 30):m.end() + 10] for m in espace_fautive.finditer(texte)]
        fautes += [texte[max(0, m.start() - 30):m.end() + 5] for m in re.finditer(r"\d [%€]", texte)]
        if fautes:
            problemes[nom] = fautes[:10]
    assert not problemes, problemes


def test_ecarts_au_plan_sur_le_premier_ecran(portefeuille):
    """Un pilote d'exemple qui a un plan.yaml (#18) : son rapport dit le plan, et chaque écart de l'analyse
    au plan est listé dans le cadre « L'essentiel » (premier écran) ; un exemple au moins s'écarte de son plan."""
    import html as html_mod
    import re

    avec_plan = [d for d in portefeuille["exemples"] if (d / "plan.yaml").exists()]
    assert avec_plan, "aucun pilote d'exemple n'a de plan.yaml"
    n_ecarts = 0
    for d in avec_plan:
        res = json.loads((portefeuille["rapports"] / f"{d.name}.json").read_text(encoding="utf-8"))
        plan = res["plan"]
        assert plan["empreinte_conforme"] is True, d.name  # l'exemple n'a pas été modifié après son enregistrement
        html = (portefeuille["rapports"] / f"{d.name}.html").read_text(encoding="utf-8")
        essentiel = re.search(r'<section[^>]*class="ep-essentiel"[^>]*>.*?</section>', html, flags=re.S).group(0)
        texte = " ".join(html_mod.unescape(re.sub(r"<[^>]+>", " ", essentiel)).split())
        assert plan["empreinte_courte"] in texte, d.name
        for ecart in plan["ecarts"]:
            assert " ".join(ecart["phrase"].split()) in texte, (d.name, ecart["phrase"])
        if plan["ecarts"]:
            assert "Écarts au plan d'analyse" in essentiel, d.name
            # Chaque écart est nommé dans le degré de certitude, que test_premier_ecran_tient_sur_portable_et_telephone
            # exige visible sans défiler à 1366 × 768 (la liste détaillée peut passer sous la ligne de flottaison).
            from eprouvette.presentation.sections import tete_ecart

            certitude = re.search(r'<p class="ep-essentiel__certitude">.*?</p>', essentiel, flags=re.S).group(0)
            certitude = " ".join(html_mod.unescape(re.sub(r"<[^>]+>", " ", certitude)).split())
            for ecart in plan["ecarts"]:
                assert " ".join(tete_ecart(ecart["phrase"]).split()) in certitude, (d.name, certitude)
        n_ecarts += len(plan["ecarts"])
    assert n_ecarts >= 1
