"""La préparation commune du laisser-un-de-côté (mobilité, tourisme) : séries par site et calendrier
calculés une fois (:class:`eprouvette.domaines.mobilite_pilote.Preparation`) donnent exactement la table
que le calcul direct refait pour chaque site retiré."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from eprouvette import config
from eprouvette.domaines import mobilite_pilote, tourisme_pilote
from eprouvette.lecture import charger_mesures
from eprouvette.pilote import charger_pilote


def _identiques(a, b) -> None:
    pd.testing.assert_frame_equal(a[0], b[0], check_exact=True)
    for col in a[0].columns:  # au bit près (assert_frame_equal tient -0.0 == 0.0, pas les NaN de places différentes)
        if a[0][col].dtype.kind == "f":
            assert np.array_equal(a[0][col].to_numpy(), b[0][col].to_numpy(), equal_nan=True), col
    assert a[1:] == b[1:]


@pytest.mark.parametrize("identifiant, preparer", [
    ("tourisme-panneaux-randonnee-le-quesnoy", tourisme_pilote.donnees_journalieres),
    ("tourisme-guidage-baie-de-somme", mobilite_pilote.preparer_donnees),
    ("mobilite-compteurs-velo-arras", mobilite_pilote.preparer_donnees),
])
def test_preparation_commune_meme_table_pour_chaque_site_retire(identifiant, preparer):
    pilote = charger_pilote(config.PILOTES / identifiant)
    mesures = charger_mesures(pilote)
    precip = mobilite_pilote.lire_precipitations(pilote)
    assert precip is not None and len(pilote.sites) >= 2
    preparation = mobilite_pilote.Preparation(pilote, mesures, precip)
    for retires in [frozenset()] + [frozenset({s.identifiant}) for s in pilote.sites]:
        p = replace(pilote, sites=tuple(s for s in pilote.sites if s.identifiant not in retires))
        _identiques(preparer(p, mesures, precip), preparer(p, mesures, precip, preparation=preparation))
    # Sans météo, ou avec une pluie qui n'est pas celle de la préparation : calcul direct, même table.
    _identiques(preparer(pilote, mesures, None), preparer(pilote, mesures, None, preparation=preparation))
    autre = precip.assign(precipitations_mm=precip["precipitations_mm"] + 1.0)
    _identiques(preparer(pilote, mesures, autre), preparer(pilote, mesures, autre, preparation=preparation))


def test_calendrier_d_une_date_hors_preparation_calcule_directement():
    pilote = charger_pilote(config.PILOTES / "mobilite-compteurs-velo-arras")
    mesures = charger_mesures(pilote)
    preparation = mobilite_pilote.Preparation(pilote, mesures, None)
    dates = pd.Series(pd.to_datetime(["1999-01-04", "1999-01-05"]))
    cal = preparation.calendrier(mobilite_pilote.covariables_calendrier, dates, None)
    pd.testing.assert_frame_equal(cal, mobilite_pilote.covariables_calendrier(dates, None), check_exact=True)
