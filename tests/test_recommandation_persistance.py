"""La grille et la période après (règle ``non_durable``) : un effet établi qui s'estompe ou disparaît quand
l'accompagnement s'arrête n'est pas prêt à être généralisé tel quel (« ajuster puis réévaluer ») ; un effet
qui se maintient ne bloque rien ; un constat indéterminé reste une vérification à surveiller."""

from __future__ import annotations

import pytest

from eprouvette.methodes.base import Verification
from eprouvette.methodes.niveau_preuve import niveau_depuis_code
from eprouvette.methodes.persistance import Estimation, ResultatPersistance, constater
from eprouvette.recommandation import charger_grille, recommander

from test_recommandation import resultat

GRILLE = charger_grille()
PERTE_MAX = 0.5

#: (pendant, après, différence) : (effet, borne basse, borne haute), en m³/h ; chaque jeu mène au constat nommé.
CAS = {
    "se_maintient": ((-10.0, -12.0, -8.0), (-9.5, -11.5, -7.5), (0.5, -1.0, 2.0)),
    "s_estompe": ((-12.0, -14.0, -10.0), (-6.0, -9.0, -3.0), (6.0, 4.0, 8.0)),
    "disparait": ((-12.0, -14.0, -10.0), (-1.0, -4.0, 2.0), (11.0, 8.0, 14.0)),
    "indetermine": ((-12.0, -14.0, -10.0), (-6.0, -20.0, 8.0), (6.0, -8.0, 20.0)),
}


def _est(e, bas, haut) -> Estimation:
    return Estimation(e, (haut - bas) / 3.92, 30.0, bas, haut, 0.01)


def persistance(constat: str, motif: str = "fin_accompagnement") -> ResultatPersistance:
    pe, ap, di = (_est(*x) for x in CAS[constat])
    assert constater(pe, ap, di, PERTE_MAX) == constat  # le jeu de chiffres mène bien à ce constat
    return ResultatPersistance("fuites", "m³/h", pe, ap, di, constat, f"Phrase du constat {constat}.", "ar1",
                               24, 12, 12, PERTE_MAX, motif=motif)


def _reco(constat: str | None, verifs=(), niveau: int = 4, van: float | None = 1000.0, **kw):
    p = persistance(constat, **kw) if constat else None
    verifications = list(verifs) + ([p.verification()] if p is not None else [])
    return recommander(resultat(verifs=verifications), "baisse", van_socio_eur=van, grille=GRILLE,
                       niveau_preuve=niveau_depuis_code(niveau), persistance=p)


@pytest.mark.parametrize("constat, mot", [("s_estompe", "s'estompe"), ("disparait", "disparaît")])
def test_effet_qui_faiblit_apres_l_accompagnement_donne_ajuster(constat, mot):
    r = _reco(constat)
    assert (r.verdict, r.regle) == ("ajuster", "non_durable")
    assert f"il {mot} après la fin de l'accompagnement" in r.raison and "tel quel" in r.raison
    assert r.certitude.endswith("; le bilan en euros le suppose durable.")
    assert "bilan" not in _reco(constat, van=None).certitude  # efficience non évaluée : rien à dire
    c = {c.nom: c for c in r.criteres}["persistance"]
    assert c.tenu is False and c.libelle == "L'effet dure après la fin de l'accompagnement"
    assert c.explication == f"Phrase du constat {constat}."
    # Le constat n'est pas compté dans la robustesse (il a sa règle) : « disparaît » (un échec comme
    # vérification) ne fait pas passer le pilote par « fragile ».
    assert {c.nom: c for c in r.criteres}["robustesse"].tenu is True
    assert r.en_dict()["regle_verdict"] == "non_durable"


def test_motif_dans_la_raison():
    r = _reco("s_estompe", motif="fin_subvention")
    assert "après la fin de la subvention" in r.raison
    assert {c.nom: c for c in r.criteres}["persistance"].libelle == "L'effet dure après la fin de la subvention"


def test_effet_qui_se_maintient_ne_bloque_pas():
    r = _reco("se_maintient")
    assert (r.verdict, r.regle) == ("generaliser", "etabli")
    assert {c.nom: c for c in r.criteres}["persistance"].tenu is True


def test_constat_indetermine_reste_une_verification_a_surveiller():
    deux = [Verification("a", "attention", "."), Verification("b", "attention", ".")]
    assert _reco("indetermine").verdict == "generaliser"
    r = _reco("indetermine", verifs=deux)  # 3 « attention » pour 2 tolérées : fragile, comme avant la règle
    assert (r.verdict, r.regle) == ("etendre", "fragile")
    assert {c.nom: c for c in r.criteres}["persistance"].tenu is None
    # … alors qu'un effet qui s'estompe, avec les deux mêmes vérifications, relève de sa règle.
    assert _reco("s_estompe", verifs=deux).regle == "non_durable"


def test_sans_periode_apres_aucun_critere_de_persistance():
    r = _reco(None)
    assert r.regle == "etabli" and "persistance" not in {c.nom for c in r.criteres}


def test_les_regles_plus_fortes_passent_avant():
    """Un plan trop faible ou une vérification en échec décident avant la persistance (étendre), et la
    persistance décide avant l'efficience."""
    assert _reco("s_estompe", niveau=2).regle == "preuve_insuffisante"
    assert _reco("s_estompe", verifs=[Verification("placebo", "echec", ".")]).regle == "fragile"
    assert _reco("s_estompe", van=-5000.0).regle == "non_durable"
    assert _reco("se_maintient", van=-5000.0).regle == "inefficient"
