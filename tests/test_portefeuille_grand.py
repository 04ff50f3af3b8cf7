"""Portefeuille de centaines de pilotes : générateur (generateurs/portefeuille.py), page du portefeuille à
200 lignes (filtres, tri, recherche, pagination, dans Chromium), construction par une grappe Dask locale.

La page est faite d'états synthétiques (aucun carnet exécuté) ; la construction Dask, de deux pilotes
générés (marquée lent)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from eprouvette import config
from eprouvette.generateurs import portefeuille as gp
from eprouvette.rapports import index

PORTEFEUILLE = {"version": 1, "montant_eur": 50_000_000.0, "annees": [2023, 2024, 2025, 2026, 2027],
                "source": "essai", "a_confirmer": True, "types_pilotes": {}}
AUJOURDHUI = date(2026, 3, 1)


def etats_synthetiques(n: int, graine: int = 7) -> list[dict]:
    """``n`` états de pilotes construits (et quelques échecs), sur de vraies communes des cinq départements."""
    from eprouvette.domaines import identifiants

    rng = np.random.default_rng(graine)
    communes = gp.communes_candidates()
    domaines = identifiants()
    verdicts = list(index.LIBELLES_VERDICTS)
    etats = []
    for i in range(n):
        c = communes.iloc[int(rng.integers(0, len(communes)))]
        dom = domaines[i % len(domaines)]
        ident = f"{dom}-{gp._slug(str(c['nom']))}-{i + 1:03d}"
        if i % 37 == 36:
            etats.append({"identifiant": ident, "statut": "echec", "titre": f"Pilote en panne n° {i + 1}",
                          "domaine": dom, "message": "mesures.csv, ligne 12 : date illisible"})
            continue
        rel = float(np.round(rng.normal(-0.08, 0.08), 3))
        annee = int(rng.integers(2023, 2027))
        r = {"identifiant": ident, "titre": f"Pilote n° {i + 1} à {c['nom']}", "domaine": dom,
             "type_pilote": f"type-{i % 9}", "porteur": f"Commune de {c['nom']}",
             "codes_insee": [str(c["code_insee"])], "periode_experimentation": [f"{annee}-01-01", f"{annee}-12-31"],
             "effet": rel * 1000, "ic_bas": rel * 1000 - 300, "ic_haut": rel * 1000 + 300, "unite": "kWh",
             "effet_relatif": rel, "ic_relatif_bas": rel - 0.05, "ic_relatif_haut": rel + 0.05,
             "verdict": verdicts[int(rng.integers(0, len(verdicts)))], "cout_investissement_eur": 100_000.0,
             "feder_eur": 50_000.0, "economie": {"van_eur": -1000.0 * i, "van_socio_eur": 500.0 * i},
             "rapport": f"{ident}.html", "note": f"{ident}-note.html"}
        etats.append({"identifiant": ident, "statut": "reussi", "titre": r["titre"], "domaine": dom, "resultats": r})
    return etats


# --------------------------------------------------------------------------------------------
# Le générateur
# --------------------------------------------------------------------------------------------

def test_plan_de_200_pilotes_varie_et_prefixe_stable():
    plan = gp.plan_du_portefeuille(200, 19)
    from eprouvette.domaines import identifiants

    assert len(plan) == 200 and len({l["identifiant"] for l in plan}) == 200
    assert {l["modele"].domaine for l in plan} == set(identifiants())  # tous les domaines
    assert set(Counter(l["scenario"] for l in plan)) == set(gp.SCENARIOS)  # nul, faible, net, plan faible, modèle
    assert {l["departement"] for l in plan} == {"02", "59", "60", "62", "80"}
    par_commune = Counter(l["code_insee"] for l in plan)
    assert 2 <= np.median(list(par_commune.values())) <= 4 and max(par_commune.values()) <= 8
    communes = gp.communes_candidates().set_index("code_insee")
    for l in plan:
        assert communes.loc[l["code_insee"], "nom"] == l["commune"]  # de vraies communes
        assert l["scenario"] in l["modele"].scenarios()
    # Même graine : les 20 premiers pilotes de 200 sont le portefeuille de 20 ; autre graine, autre tirage.
    vingt = gp.plan_du_portefeuille(20, 19)
    assert [(l["identifiant"], l["graine"], l["scenario"]) for l in vingt] == \
        [(l["identifiant"], l["graine"], l["scenario"]) for l in plan[:20]]
    assert [l["identifiant"] for l in gp.plan_du_portefeuille(20, 20)] != [l["identifiant"] for l in vingt]


def _octets(dossier: Path) -> dict[str, bytes]:
    return {str(f.relative_to(dossier)): f.read_bytes() for f in sorted(dossier.rglob("*")) if f.is_file()}


@pytest.mark.lent
def test_generateur_deterministe_et_valide(tmp_path):
    from eprouvette.pilote import charger_pilote
    from eprouvette.verification import verifier

    a = gp.generer_portefeuille(tmp_path / "a", nombre=6, graine=19)
    gp.generer_portefeuille(tmp_path / "b", nombre=6, graine=19)
    assert _octets(tmp_path / "a") == _octets(tmp_path / "b")  # à l'octet près
    plan = gp.plan_du_portefeuille(6, 19)
    assert [d.name for d in a] == [l["identifiant"] for l in plan]
    for dossier, ligne in zip(a, plan):
        v = verifier(dossier)  # le standard de données : fiche, mesures, météo
        assert v.erreurs == [], (dossier.name, [str(e) for e in v.erreurs])
        p = charger_pilote(dossier)
        assert p.identifiant == dossier.name and p.domaine == ligne["modele"].domaine
        assert list(p.porteur.codes_insee) == [ligne["code_insee"]] and ligne["commune"] in p.titre
        import yaml

        verite = yaml.safe_load((dossier / "verite.yaml").read_text(encoding="utf-8"))
        assert verite["portefeuille"]["scenario"] == ligne["scenario"]
        assert verite["portefeuille"]["modele"] == ligne["modele"].identifiant
        if ligne["scenario"] in ("nul", "faible", "plan_faible"):
            assert "verdict_attendu" not in verite  # la vérité a changé : le verdict du modèle ne vaut plus
        if ligne["scenario"] in ("nul", "plan_faible"):
            assert verite["portefeuille"]["verdict_interdit"] == "generaliser"


def test_scenarios_changent_l_effet_vrai():
    energie = next(m for m in gp.modeles() if m.identifiant == "energie-gtb-ecoles-saint-quentin")
    ligne = {"identifiant": "energie-essai-001", "commune": "Laon", "code_insee": "02408", "numero": 1}
    effets = {s: gp._parametres(energie, ligne | {"scenario": s}) for s in ("nul", "faible", "net", "plan_faible")}
    assert effets["nul"].effet_chauffage == 0.0
    assert effets["faible"].effet_chauffage == pytest.approx(0.35 * energie.parametres.effet_chauffage, abs=1e-4)
    assert effets["net"].effet_chauffage == energie.parametres.effet_chauffage
    assert (effets["plan_faible"].n_experimentaux, effets["plan_faible"].n_temoins) == (1, 1)
    assert all(p.code_insee == "02408" and p.commune == "Laon" for p in effets.values())
    dechets = next(m for m in gp.modeles() if m.domaine == "dechets")
    assert "nul" not in dechets.scenarios()  # pas de paramètre d'effet : l'effet naît de la collecte


def test_jamais_dans_donnees_et_commande(tmp_path):
    with pytest.raises(ValueError, match="jamais"):
        gp.generer_portefeuille(config.DONNEES / "pilotes" / "essai", nombre=1)
    assert not (config.DONNEES / "pilotes" / "essai").exists()
    r = subprocess.run([sys.executable, "-m", "eprouvette", "portefeuille-genere", "--help"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "dossier temporaire" in r.stdout and "--nombre" in r.stdout
    r = subprocess.run([sys.executable, "-m", "eprouvette", "portefeuille-genere", str(config.DONNEES / "x"),
                        "-n", "1"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "ne s'écrit jamais" in r.stderr and "Traceback" not in r.stderr


# --------------------------------------------------------------------------------------------
# La page à 200 lignes
# --------------------------------------------------------------------------------------------

def test_page_de_200_pilotes_sans_javascript():
    etats = etats_synthetiques(200)
    page = index.page_index(etats, PORTEFEUILLE, AUJOURDHUI)
    corps = page.split('<table class="triable pilotes">')[1].split("</table>")[0]
    lignes = re.findall(r"<tr><td[^>]*data-domaine=", corps)
    assert len(lignes) == 200  # toutes les lignes sont dans la page : lisible sans JavaScript et imprimée
    # Les filtres sont cachés tant que le script ne les a pas montrés ; leurs choix comptent les pilotes.
    form = re.search(r'<form class="filtres"[^>]*>', page).group(0)
    assert " hidden" in form and 'role="search"' in form
    assert re.search(r'<nav class="pagination"[^>]*hidden>', page)
    for cle in ("domaine", "verdict", "departement", "annee"):
        select = re.search(rf'<select id="f-{cle}" name="{cle}">(.*?)</select>', page).group(1)
        comptes = [int(n) for n in re.findall(r"\((\d+)\)</option>", select)]
        assert sum(comptes) == (200 if cle in ("domaine", "verdict") else sum(e["statut"] == "reussi" for e in etats)), cle
    assert "Pas-de-Calais (62)" in page and "Échec de construction (" in page
    # Le calendrier de 200 fins d'expérimentation est replié ; à 14 pilotes, il ne l'est pas.
    assert re.search(r"<details><summary>Voir les \d+ fins d'expérimentation", page)
    petit = index.page_index(etats[:14], PORTEFEUILLE, AUJOURDHUI)
    assert "<details><summary>Voir les" not in petit.split("<h2>Carte des pilotes</h2>")[0]
    assert len(page.encode()) < 1_500_000


_JS_LIGNES = """() => Array.from(document.querySelectorAll('table.pilotes tbody tr')).filter((l) => !l.hidden)
  .map((l) => ({id: (l.querySelector('a') || {}).getAttribute ? l.querySelector('a').getAttribute('href') : l.cells[0].textContent,
                domaine: l.cells[0].dataset.domaine, verdict: l.cells[0].dataset.verdict,
                departement: l.cells[0].dataset.departement, annee: l.cells[0].dataset.annee,
                effet: l.cells[3] ? l.cells[3].getAttribute('data-tri') : null}))"""


@pytest.mark.navigateur
@pytest.mark.lent
def test_page_de_200_pilotes_dans_chromium(tmp_path):
    """Filtres, recherche, tri, pagination, impression, axe-core et temps de chargement (< 1 s)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from navigateur import ARGUMENTS_CHROMIUM, CHROMIUM, exiger_axe, exiger_chromium, verifier_page
    from playwright.sync_api import sync_playwright

    from eprouvette.rapports import typographie

    exiger_chromium()
    exiger_axe()
    etats = etats_synthetiques(200)
    chemin = tmp_path / "index.html"
    chemin.write_text(typographie.appliquer(index.page_index(etats, PORTEFEUILLE, AUJOURDHUI)), encoding="utf-8")
    ok = [e for e in etats if e["statut"] == "reussi"]
    res = verifier_page(chemin, largeur=1366, hauteur=768, axe=True)
    assert res["problemes"] == [] and res["requetes_reseau"] == [], res["problemes"]
    with sync_playwright() as p:
        nav = p.chromium.launch(executable_path=str(CHROMIUM), args=list(ARGUMENTS_CHROMIUM))
        try:
            page = nav.new_page(viewport={"width": 1366, "height": 768})
            page.goto(chemin.as_uri(), wait_until="load")
            charge = page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")
            assert charge < 1000, f"chargement en {charge:.0f} ms"
            assert page.is_visible("#filtres-pilotes") and page.is_visible("#pages-pilotes")
            vues = page.evaluate(_JS_LIGNES)
            assert len(vues) == index.TAILLES_PAGES[0]
            assert page.text_content("#etat-filtres") == "200 pilotes — page 1 sur 8 (pilotes 1 à 25)."
            # Pagination : la dernière page a le reste ; « précédente » est désactivée en tête.
            assert page.is_disabled("[data-page=precedente]")
            for _ in range(7):
                page.click("[data-page=suivante]")
            assert len(page.evaluate(_JS_LIGNES)) == 200 - 7 * 25 and page.is_disabled("[data-page=suivante]")
            # Filtres combinés : domaine et département, puis l'année ; les lignes sont celles des données.
            page.select_option("#f-domaine", "eau")
            page.select_option("#f-departement", "62")
            attendu = [e for e in ok if e["domaine"] == "eau" and e["resultats"]["codes_insee"][0][:2] == "62"]
            vues = page.evaluate(_JS_LIGNES)
            assert len(vues) == len(attendu) > 0 and all(v["domaine"] == "eau" and v["departement"] == "62" for v in vues)
            assert page.text_content("#etat-filtres").startswith(f"{len(attendu)} pilote")
            page.select_option("#f-annee", vues[0]["annee"])
            assert all(v["annee"] == vues[0]["annee"] for v in page.evaluate(_JS_LIGNES))
            page.click("button[type=reset]")
            page.select_option("#f-verdict", "echec")
            assert len(page.evaluate(_JS_LIGNES)) == sum(e["statut"] == "echec" for e in etats) > 0
            page.click("button[type=reset]")
            # Recherche sans accents ni majuscules, sur le titre, la commune, l'identifiant.
            cible = ok[42]["resultats"]
            commune = cible["titre"].split(" à ", 1)[1]
            page.fill("#f-texte", commune.upper().replace("É", "E").replace("é", "e"))
            vues = page.evaluate(_JS_LIGNES)
            assert f"{cible['identifiant']}.html" in [v["id"] for v in vues]
            assert len(vues) == min(25, sum(1 for e in ok if commune in e["resultats"]["titre"]))
            page.fill("#f-texte", "")
            # Tri par effet, croissant puis décroissant, sur toutes les lignes (pas seulement la page vue).
            page.select_option("#f-taille", "0")
            page.click("table.pilotes thead th:nth-child(4) button")
            effets = [float(v["effet"]) for v in page.evaluate(_JS_LIGNES) if v["effet"]]
            assert len(effets) == len(ok) and effets == sorted(effets)
            page.click("table.pilotes thead th:nth-child(4) button")
            effets = [float(v["effet"]) for v in page.evaluate(_JS_LIGNES) if v["effet"]]
            assert effets == sorted(effets, reverse=True)
            assert page.get_attribute("table.pilotes thead th:nth-child(4)", "aria-sort") == "descending"
            # Imprimée : toutes les lignes, sans filtres ni pagination, même filtrée à l'écran.
            page.select_option("#f-taille", "25")
            page.select_option("#f-domaine", "eau")
            page.emulate_media(media="print")
            imprime = page.evaluate("""() => ({
              lignes: Array.from(document.querySelectorAll('table.pilotes tbody tr'))
                        .filter((l) => getComputedStyle(l).display !== 'none').length,
              filtres: getComputedStyle(document.getElementById('filtres-pilotes')).display,
              pages: getComputedStyle(document.getElementById('pages-pilotes')).display})""")
            assert imprime == {"lignes": 200, "filtres": "none", "pages": "none"}
            page.emulate_media(media="screen")
            # axe-core sur la page filtrée et paginée (formulaire montré, région d'état remplie).
            from navigateur import _JS_AXE, AXE_JS

            page.add_script_tag(path=str(AXE_JS))
            violations = page.evaluate(_JS_AXE)  # les seules violations, comme verifier_page (plus court)
            assert violations == [], violations
            page.close()
            # Sans JavaScript : tout le tableau, aucun filtre visible.
            contexte = nav.new_context(java_script_enabled=False)
            page = contexte.new_page()
            page.goto(chemin.as_uri())
            assert not page.is_visible("#filtres-pilotes") and not page.is_visible("#pages-pilotes")
            assert page.locator("table.pilotes tbody tr:visible").count() == 200
            contexte.close()
        finally:
            nav.close()


# --------------------------------------------------------------------------------------------
# La grappe Dask locale
# --------------------------------------------------------------------------------------------

def test_adresse_de_grappe_locale():
    from eprouvette.rapports import executeurs

    assert executeurs.travailleurs_locaux("local") == 0 and executeurs.travailleurs_locaux("LOCAL:3") == 3
    assert executeurs.travailleurs_locaux("tcp://machine:8786") is None and executeurs.travailleurs_locaux(None) is None
    with pytest.raises(executeurs.ErreurExecuteur, match="entier positif"):
        executeurs.travailleurs_locaux("local:zéro")


@pytest.mark.lent
def test_grappe_dask_locale_construit_deux_pilotes_generes(tmp_path):
    """``--dask local:2`` : deux pilotes générés construits par deux travailleurs Dask, qui ont un fil BLAS
    et des noyaux chauds ; la grappe est arrêtée à la fin (aucun travailleur ne survit)."""
    pytest.importorskip("distributed")
    pilotes, rapports = tmp_path / "pilotes", tmp_path / "rapports"
    gp.generer_portefeuille(pilotes, nombre=2, graine=19)
    # Ce que les travailleurs voient : un fil de calcul, le modèle de noyau chaud vivant après un carnet.
    sonde = tmp_path / "sonde.py"
    sonde.write_text(
        "import json, os, sys\n"
        "from eprouvette.rapports import executeurs, executer, noyau_chaud\n"
        "def voir():\n"
        "    m = noyau_chaud._MODELE.processus\n"
        "    return {'blas': os.environ.get('OPENBLAS_NUM_THREADS'), 'omp': os.environ.get('OMP_NUM_THREADS'),\n"
        "            'chaud': m is not None and m.poll() is None}\n"
        "vus, grappes = [], []\n"
        "arreter = executeurs.ExecuteurDask.shutdown\n"
        "def shutdown(self, *a, **k):  # juste avant l'arrêt : ce que voient les travailleurs\n"
        "    vus.extend(self.client.run(voir).values()); grappes.append(self.grappe); arreter(self, *a, **k)\n"
        "if __name__ == '__main__':  # les travailleurs Dask sont démarrés par spawn : ils réimportent ce script\n"
        "    executeurs.ExecuteurDask.shutdown = shutdown\n"
        "    code = executer.construire_tout(adresse_dask='local:2')\n"
        "    print(json.dumps({'code': code, 'vus': vus, 'ferme': [g.status.name for g in grappes]}))\n",
        encoding="utf-8")
    env = dict(os.environ, EPROUVETTE_PILOTES=str(pilotes), EPROUVETTE_RAPPORTS=str(rapports))
    for cle in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "EPROUVETTE_NOYAU_FROID"):
        env.pop(cle, None)
    r = subprocess.run([sys.executable, str(sonde)], capture_output=True, text=True, env=env, timeout=600,
                       cwd=config.RACINE)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    vu = json.loads(r.stdout.strip().splitlines()[-1])
    assert vu["code"] == 0 and "2 rapports à construire sur 2 pilotes, 2 processus" in r.stdout, r.stdout
    assert len(vu["vus"]) == 2 and all(v["blas"] == "1" and v["omp"] == "1" for v in vu["vus"]), vu
    assert any(v["chaud"] for v in vu["vus"]), vu  # un travailleur qui a construit a son modèle de noyau
    assert vu["ferme"] == ["closed"]
    index_json = json.loads((rapports / "index.json").read_text(encoding="utf-8"))
    assert sorted(e["statut"] for e in index_json) == ["reussi", "reussi"]
    # Une grappe locale mal écrite : un message en français, pas de trace Python.
    r = subprocess.run([sys.executable, "-m", "eprouvette", "rapports", "--dossier-pilotes", str(pilotes),
                        "--dask", "local:0", "--force"], capture_output=True, text=True, env=env, timeout=120,
                       cwd=config.RACINE)
    assert r.returncode == 1 and "entier positif" in r.stderr and "Traceback" not in r.stderr
