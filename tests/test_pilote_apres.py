"""Le standard : la période facultative « après » (periodes.apres) de pilote.yaml."""

from __future__ import annotations

import datetime as dt

import pytest

from eprouvette.pilote import PeriodeApres, charger_pilote, lister_pilotes
from test_pilote import erreurs_de, faire_pilote, ligne_de, remplacer

FIN_EXPERIMENTATION = "    debut: 2023-01-01\n    fin: 2023-12-31\n"


def _avec_apres(bloc: str) -> str:
    return remplacer(FIN_EXPERIMENTATION, FIN_EXPERIMENTATION + "  apres:\n" + bloc)


def test_fiche_sans_periode_apres_inchangee(tmp_path):
    assert charger_pilote(faire_pilote(tmp_path)).periode_apres is None


def test_pilotes_du_depot_sans_periode_apres_sauf_l_exemple_qui_en_a_une():
    """Les fiches écrites avant la période après restent lues sans elle ; seul l'exemple de la
    persistance (eau-recherche-fuites-grandsoissons) en déclare une."""
    apres = {d.name: charger_pilote(d).periode_apres for d in lister_pilotes()}
    assert len(apres) > 1
    assert {n: a for n, a in apres.items() if a is not None} == {
        "eau-recherche-fuites-grandsoissons": PeriodeApres(dt.date(2025, 4, 1), dt.date(2026, 3, 31), "fin_accompagnement")}


def test_periode_apres_lue_avec_son_motif(tmp_path):
    texte = _avec_apres("    debut: 2024-01-01\n    fin: 2024-06-30\n    motif: fin_accompagnement\n")
    p = charger_pilote(faire_pilote(tmp_path, texte))
    assert p.periode_apres == PeriodeApres(dt.date(2024, 1, 1), dt.date(2024, 6, 30), "fin_accompagnement")
    assert p.periode_apres.jours == 182
    assert set(p.periodes) == {"reference", "experimentation"}


def test_motif_facultatif(tmp_path):
    p = charger_pilote(faire_pilote(tmp_path, _avec_apres("    debut: 2024-01-01\n    fin: 2024-06-30\n")))
    assert p.periode_apres.motif is None


def test_periode_apres_qui_chevauche_l_experimentation(tmp_path):
    texte = _avec_apres("    debut: 2023-10-01\n    fin: 2024-06-30\n")
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (ligne_de(texte, "debut: 2023-10-01"), "periodes.apres.debut")
    assert e.message == ("la période après commence le 2023-10-01, pas après la fin de l'expérimentation "
                         "(2023-12-31) : les deux périodes se chevauchent.")


def test_periode_apres_a_l_envers(tmp_path):
    texte = _avec_apres("    debut: 2024-06-30\n    fin: 2024-01-01\n")
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert e.champ == "periodes.apres.debut"
    assert e.message == "la période commence le 2024-06-30 mais finit avant, le 2024-01-01."


@pytest.mark.parametrize("bloc, fragment", [
    ("    debut: 2024-01-01\n    fin: 2024-06-30\n    motif: lassitude\n", "lassitude"),
    ("    debut: 2024-01-01\n", "fin"),
])
def test_periode_apres_mal_ecrite(tmp_path, bloc, fragment):
    erreurs = erreurs_de(faire_pilote(tmp_path, _avec_apres(bloc)))
    assert len(erreurs) == 1 and erreurs[0].champ.startswith("periodes.apres")
    assert fragment in erreurs[0].message or fragment in (erreurs[0].attendu or "")


def test_exemple_du_readme_valide(tmp_path):
    """Le bloc « periodes » avec une période après, donné dans donnees/README.md, est valide."""
    import re

    from eprouvette import config
    from test_pilote import BASE

    readme = (config.DONNEES / "README.md").read_text(encoding="utf-8")
    (bloc,) = [b for b in re.findall(r"```\n(periodes:\n.*?)```", readme, re.S) if "apres:" in b]
    debut, fin = BASE.index("periodes:\n"), BASE.index("sites:\n")
    p = charger_pilote(faire_pilote(tmp_path, BASE[:debut] + bloc + BASE[fin:]))
    assert p.periode_apres == PeriodeApres(dt.date(2023, 9, 1), dt.date(2024, 6, 30), "fin_accompagnement")
