"""Page du portefeuille (rapports/index.html) sur des états synthétiques."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from eprouvette.rapports import index

PORTEFEUILLE = {"version": 1, "montant_eur": 5_000_000.0, "annees": [2023, 2024, 2025, 2026, 2027],
                "source": "essai", "a_confirmer": True}


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
        _etat("a", "energie", "gtb-ecoles", "2024-09-01", 54_000.0, -0.12, -0.16, -0.08, verdict="generaliser"),
        _etat("b", "energie", "gtb-ecoles", "2025-01-06", 27_000.0, -0.02, -0.10, 0.06),
        _etat("c", "eau", "sectorisation", "2023-03-01", 100_000.0, -0.05, -0.09, -0.01,
              annee_engagement_feder=2024),
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
    page = index.page_index(etats, PORTEFEUILLE)
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
    assert "gtb-ecoles" in page and "sectorisation" not in page.split("Effet combiné par type")[1].split("</table>")[0]
    assert "IC 95\u00a0% : −20\u202f000\u00a0€ à 40\u202f000\u00a0€" in page
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
    from navigateur import exiger_chromium, verifier_page

    exiger_chromium()
    page = tmp_path / "index.html"
    page.write_text(index.page_index(etats, PORTEFEUILLE), encoding="utf-8")
    res = verifier_page(page, types_traces_attendus=[["bar", "bar", "bar"]])
    assert res["problemes"] == []
    assert res["requetes_reseau"] == []
    assert res["langue"] == "fr"


def test_niveau_de_preuve_et_incertitude_dans_le_portefeuille(etats):
    etats[0]["resultats"]["niveau_preuve"] = {"niveau": 4, "libelle": "Sites témoins dont la comparabilité est vérifiée"}
    etats[1]["resultats"]["niveau_preuve"] = {"niveau": 2, "libelle": "Avant / après sur les sites équipés seulement"}
    etats[1]["resultats"]["incertitude_valide"] = False
    page = index.page_index(etats, PORTEFEUILLE)
    assert "<th" in page and "Niveau de preuve" in page
    ligne_a = re.search(r'<tr><td[^>]*><a href="a.html".*?</tr>', page, flags=re.S).group(0)
    ligne_b = re.search(r'<tr><td[^>]*><a href="b.html".*?</tr>', page, flags=re.S).group(0)
    assert "4 sur 5" in ligne_a and "2 sur 5" in ligne_b and "Avant / après" in ligne_b
    cellule_effet_b = re.findall(r"<td[^>]*>.*?</td>", ligne_b, flags=re.S)[index.ENTETES.index("Effet (IC 95\u00a0%)")]
    assert "incertitude impossible à calculer" in cellule_effet_b and "IC 95" not in cellule_effet_b
    for ligne in (ligne_a, ligne_b):
        assert ligne.count("<td") == len(index.ENTETES)
