"""L'analyse d'un pilote dont l'expérimentation n'est pas terminée, ou n'a que quelques jours
mesurés : le rapport le dit, et le verdict ne peut être qu'« étendre l'expérimentation »."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from eprouvette import config
from eprouvette.analyse import analyser_pilote

PILOTE = config.RACINE / "donnees" / "pilotes" / "mobilite-feux-bus-amiens"


@pytest.fixture
def copie(tmp_path) -> Path:
    dossier = tmp_path / PILOTE.name
    shutil.copytree(PILOTE, dossier)
    return dossier


def _garder_jusqua(dossier: Path, dernier: str) -> None:
    """Réécrit mesures.csv sans les lignes postérieures à ``dernier`` (AAAA-MM-JJ)."""
    f = dossier / "mesures.csv"
    lignes = f.read_text(encoding="utf-8").splitlines()
    f.write_text("\n".join([lignes[0]] + [l for l in lignes[1:] if l[:10] <= dernier]) + "\n", encoding="utf-8")


def test_experimentation_en_cours(copie):
    """Expérimentation du 31 mars au 28 septembre 2025, construite le 30 avril avec des mesures jusqu'au
    27 avril : pas « 80 % de jours manquants », mais une expérimentation en cours, dite comme telle."""
    _garder_jusqua(copie, "2025-04-27")
    a = analyser_pilote(copie, aujourd_hui=date(2025, 4, 30))
    assert a.experimentation_terminee is False
    note = next(n for n in a.notes_donnees if "pas terminée" in n)
    assert "28 septembre 2025" in note and "28 jours" in note and "27 avril 2025" in note
    couverture = next(v for v in a.qualite.verifications if v.nom == "couverture")
    assert couverture.statut == "reussie", couverture.phrase
    assert a.resultats_json()["experimentation_terminee"] is False
    assert a.resultats_json()["jours_mesures_experimentation"] == 28
    assert any("pas terminée" in l for l in a.resultat.limites)


def test_quelques_jours_mesures(copie):
    """Treize jours mesurés sur 182 : aucun verdict ferme, même si l'écart paraît « significatif »
    (le feu prioritaire allonge ici vraiment le temps de parcours : sans cette règle, « ne pas
    généraliser »)."""
    _garder_jusqua(copie, "2025-04-12")
    a = analyser_pilote(copie)
    assert a.jours_mesures_experimentation == 13
    assert a.recommandation.verdict == "etendre"
    assert a.recommandation.regle == "trop_peu_de_mesures"
    assert "13 jours" in a.recommandation.raison and "28" in a.recommandation.raison


def test_jours_mesures_comptes_sur_les_sites_equipes(copie):
    lignes = (copie / "mesures.csv").read_text(encoding="utf-8").splitlines()[1:]
    jours = {l[:10] for l in lignes if "2025-03-31" <= l[:10] <= "2025-09-28"}
    assert len(jours) == 181  # 182 jours du 31 mars au 28 septembre 2025, le 19 mai manque au fichier
    a = analyser_pilote(copie)
    assert a.jours_mesures_experimentation == 181
    assert a.experimentation_terminee is True
