"""``evaluer_pilote(..., controles=False)`` (ce que simulent les notes de cadrage, docs/conception.md) : sur
chaque pilote d'exemple, l'effet, son intervalle, l'effet minimal détectable et le critère « significatif »
que la grille lit sont exactement ceux de l'évaluation complète ; seuls les contrôles de robustesse manquent."""

from __future__ import annotations

import inspect
import math

import pandas as pd
import pytest

from eprouvette import config
from eprouvette.analyse import _jours_locaux, module_domaine
from eprouvette.domaines import registre
from eprouvette.lecture import charger_mesures, charger_meteo
from eprouvette.pilote import charger_pilote

PILOTES = sorted(d.name for d in config.PILOTES.iterdir() if (d / "pilote.yaml").exists())
#: Les contrôles que controles=False omet (ni l'effet ni son intervalle n'en dépendent).
#: (Le contrôle par les doubles différences synthétiques refait l'estimation autrement, comme le
#: laisser-un-de-côté.)
CONTROLES = {"laisser_un_de_cote", "dd_synthetiques", "tendances_prealables_evenementielle", "etude_evenementielle"}


def _evaluer(identifiant: str, controles: bool):
    pilote = charger_pilote(config.PILOTES / identifiant)
    mesures = charger_mesures(pilote)
    if pilote.periode_apres is not None:  # comme analyse.analyser_pilote : la période après est à part
        mesures = mesures[_jours_locaux(mesures["date"]) <= pd.Timestamp(pilote.periode_experimentation.fin)]
    return module_domaine(pilote.domaine).evaluer_pilote(pilote, mesures, charger_meteo(pilote), controles=controles)


def _memes(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


def test_chaque_adaptateur_accepte_controles():
    for d in registre().values():
        p = inspect.signature(d.module_adaptateur().evaluer_pilote).parameters["controles"]
        assert p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is True, d.adaptateur


@pytest.mark.lent
@pytest.mark.parametrize("identifiant", PILOTES)
def test_sans_controles_meme_effet_et_meme_intervalle(identifiant):
    complet, seul = _evaluer(identifiant, True), _evaluer(identifiant, False)
    for champ in ("methode", "effet", "ic_bas", "ic_haut", "effet_relatif", "effet_minimal_detectable",
                  "significatif", "incertitude_valide", "unite"):
        assert _memes(getattr(complet, champ), getattr(seul, champ)), (champ, getattr(complet, champ), getattr(seul, champ))
    noms_complet = [v.nom for v in complet.verifications]
    noms_seul = [v.nom for v in seul.verifications]
    # Rien d'autre ne disparaît que des contrôles ; et s'il y avait des témoins, un contrôle a bien été omis.
    assert set(noms_seul) <= set(noms_complet)
    retires = set(noms_complet) - set(noms_seul)
    assert "laisser_un_de_cote" not in noms_seul
    pilote = charger_pilote(config.PILOTES / identifiant)
    if pilote.sites_temoins and "laisser_un_de_cote" in noms_complet:
        assert "laisser_un_de_cote" in retires
    assert retires <= CONTROLES | {n for n in retires if "evenement" in n or "tendance" in n}, retires
