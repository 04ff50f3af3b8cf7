"""La période après branchée dans l'analyse d'un pilote (analyse.evaluer_persistance)."""

from __future__ import annotations

import shutil

import pytest

from eprouvette import config
from eprouvette.analyse import analyser_pilote

EXEMPLE = "eau-sectorisation-amiens"  # expérimentation du 2024-04-15 au 2025-04-14, 3 secteurs témoins
FIN = "    fin: '2025-04-14'\n"


def _copie(tmp_path, remplacement: str):
    dossier = tmp_path / EXEMPLE
    shutil.copytree(config.PILOTES / EXEMPLE, dossier)
    fiche = dossier / "pilote.yaml"
    texte = fiche.read_text(encoding="utf-8")
    assert texte.count(FIN) == 1
    fiche.write_text(texte.replace(FIN, remplacement), encoding="utf-8")
    return dossier


@pytest.mark.lent
def test_periode_apres_evaluee_a_part(tmp_path):
    """Les six derniers mois de l'exemple deviennent une période après : la persistance est évaluée
    (constat, vérification lue par la grille, JSON) et l'évaluation principale ne voit pas ces mois."""
    avec = analyser_pilote(_copie(tmp_path / "a", "    fin: '2024-10-14'\n  apres:\n    debut: '2024-10-15'\n"
                                                 "    fin: '2025-04-14'\n    motif: fin_accompagnement\n"))
    sans = analyser_pilote(_copie(tmp_path / "b", "    fin: '2024-10-14'\n"))
    p = avec.persistance
    assert p is not None and (p.n_pendant, p.n_apres) == (6, 7)
    assert p.details["ratio_temoins"] > 0
    assert p.phrase.split(" : ")[0].endswith("après la fin de l'accompagnement")
    assert [v.nom for v in avec.resultat.verifications].count("persistance") == 1
    assert avec.resultat.effet == pytest.approx(sans.resultat.effet, rel=1e-12)
    assert avec.mesures["date"].max() < sans.mesures["date"].max()
    d = avec.resultats_json()
    assert d["periode_apres"] == ["2024-10-15", "2025-04-14"]
    assert d["persistance"]["constat"] == p.constat
    assert "persistance" not in sans.resultats_json() and sans.persistance is None
    from eprouvette.francais import echapper
    from eprouvette.presentation import sections

    html = "".join(str(b) for b in sections.resultats(avec))
    assert "Après l'expérimentation." in html and echapper(p.phrase) in html
    assert "Après l'expérimentation." not in "".join(str(b) for b in sections.resultats(sans))


@pytest.mark.lent
def test_periode_apres_sans_mesures_dite_dans_les_notes(tmp_path):
    a = analyser_pilote(_copie(tmp_path, FIN + "  apres:\n    debut: '2025-06-01'\n    fin: '2025-12-31'\n"))
    assert a.persistance is None and a.resultats_json()["persistance"] is None
    assert any(n.startswith("La persistance de l'effet après l'expérimentation n'a pas pu être évaluée : "
                            "La période après est vide") for n in a.notes_donnees)
    assert "persistance" not in [v.nom for v in a.resultat.verifications]
