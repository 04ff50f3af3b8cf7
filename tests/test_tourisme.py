"""Domaine tourisme : calendrier des trois zones, pilotes simulés, adaptateur."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from eprouvette import config
from eprouvette.domaines import domaine
from eprouvette.domaines.mobilite import covariables_calendrier
from eprouvette.domaines.tourisme import covariables_tourisme
from eprouvette.erreurs import ErreurDonnees
from eprouvette.generateurs.tourisme import GUIDAGE_BAIE_DE_SOMME, generer_pilote_tourisme


def test_vacances_des_trois_zones():
    dates = pd.date_range("2025-01-06", "2025-12-31", freq="D")
    cal = covariables_tourisme(dates, np.zeros(len(dates)))
    zones = cal[["vacances_zone_a", "vacances_zone_b", "vacances_zone_c"]]
    # Vacances d'été communes aux trois zones ; hiver et printemps décalés : les trois colonnes diffèrent.
    assert zones[cal["date"] == "2025-08-01"].to_numpy().tolist() == [[1.0, 1.0, 1.0]]
    hiver = zones[cal["date"].dt.month.isin([2, 3, 4])]
    assert (hiver.sum(axis=1).isin([1.0, 2.0])).any()
    assert len({tuple(hiver[c]) for c in hiver.columns}) == 3
    # La zone B est celle du calendrier de la mobilité ; le reste du calendrier est le même.
    mob = covariables_calendrier(dates, np.zeros(len(dates)))
    assert (cal["vacances_zone_b"].to_numpy() == mob["vacances_scolaires"].to_numpy()).all()
    assert cal.drop(columns=list(zones)).equals(mob.drop(columns=["vacances_scolaires"]))


def test_verite_coherente_et_reproductible():
    a = generer_pilote_tourisme(1, GUIDAGE_BAIE_DE_SOMME)
    b = generer_pilote_tourisme(1, GUIDAGE_BAIE_DE_SOMME)
    assert a.mesures.equals(b.mesures)
    v = a.verite["effet_vrai"]
    assert v["effet_relatif"] == pytest.approx(GUIDAGE_BAIE_DE_SOMME.effet, abs=1e-9)
    assert v["contrefactuel_cumule"] == pytest.approx(
        a.contrefactuel_vrai_journalier[a.contrefactuel_vrai_journalier.index >= "2025-03-31"].sum(), abs=1)
    roles = [s["role"] for s in a.fiche["sites"]]
    assert roles.count("experimental") == 3 and roles.count("temoin") == 3


def test_pas_de_valorisation_monetaire():
    assert domaine("tourisme").economie_annuelle(None, None, None) is None
    assert domaine("tourisme").parametres is None


def test_indicateur_qui_n_est_pas_un_comptage_refuse(tmp_path):
    from eprouvette.analyse import analyser_pilote

    source = config.PILOTES / "tourisme-signaletique-voie-verte-fourmies"
    dossier = tmp_path / source.name
    shutil.copytree(source, dossier)
    fiche = dossier / "pilote.yaml"
    fiche.write_text(fiche.read_text(encoding="utf-8").replace("type_mesure: comptage", "type_mesure: continue"),
                     encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="n'est pas un comptage"):
        analyser_pilote(dossier)
