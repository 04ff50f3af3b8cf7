"""Le registre des domaines : chaque domaine déclaré une fois, et tout ce qui liste les domaines le lit."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import sys

import pytest

import eprouvette.domaines as paquet_domaines
import eprouvette.generateurs as paquet_generateurs
from eprouvette import config, feder
from eprouvette.domaines import SUFFIXE_ADAPTATEUR, Domaine, DomaineInconnu, domaine, identifiants, registre

DOMAINES = list(registre().values())


def _publication():
    sys.path.insert(0, str(config.RACINE / "outils"))
    try:
        import publier_domaines
    finally:
        sys.path.pop(0)
    return publier_domaines


def test_enumeration_du_schema_publie_egale_au_registre():
    """Le standard publié (donnees/schemas/pilote.schema.json) refuse exactement les domaines non déclarés."""
    texte = (config.SCHEMAS / "pilote.schema.json").read_text(encoding="utf-8")
    assert json.loads(texte)["properties"]["domaine"]["enum"] == identifiants(), (
        "relancez outils/publier_domaines.py")
    assert _publication().schema_attendu(texte) == texte


def test_readme_des_donnees_liste_les_domaines_du_registre():
    texte = (config.DONNEES / "README.md").read_text(encoding="utf-8")
    assert _publication().readme_attendu(texte) == texte, "relancez outils/publier_domaines.py"
    for d in DOMAINES:
        assert f"`{d.identifiant}`" in texte


def test_registre_non_vide_et_ordonne():
    assert len(DOMAINES) >= 5
    assert [d.ordre for d in DOMAINES] == sorted(d.ordre for d in DOMAINES)
    assert len({d.ordre for d in DOMAINES}) == len(DOMAINES)


def test_decouverte_ne_charge_aucun_adaptateur():
    """Le lanceur lit le registre sans payer l'import des méthodes d'estimation (statsmodels)."""
    import subprocess

    code = ("import sys; from eprouvette.domaines import registre; registre(); "
            "print(sorted(m for m in sys.modules if m.endswith('_pilote') or m.startswith('statsmodels')))")
    sortie = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert sortie.stdout.strip() == "[]"


@pytest.mark.parametrize("d", DOMAINES, ids=lambda d: d.identifiant)
def test_declaration_complete(d: Domaine):
    assert d.libelle and d.libelle[0].isupper()
    assert d.chemin_carnet().exists(), f"carnet manquant : notebooks/{d.carnet}"
    assert (config.RACINE / "docs" / f"{d.identifiant}.md").exists(), f"docs/{d.identifiant}.md manquant"
    if d.parametres:
        assert d.chemin_parametres().exists(), d.parametres
    module = d.module_adaptateur()
    for nom, params in (("evaluer_pilote", ["pilote", "mesures", "meteo", "controles"]),
                        ("economie_annuelle", ["pilote", "resultat", "valorisation"]),
                        ("indicateurs_feder", ["analyse"])):
        signature = inspect.signature(getattr(module, nom)).parameters
        assert list(signature)[:len(params)] == params, f"{d.adaptateur}.{nom}"
        # Au-delà de l'interface commune, seulement des options nommées qui ont une valeur par défaut
        # (``series=`` / ``table=`` : le chemin rapide des simulations de puissance, docs/conception.md).
        for extra in list(signature.values())[len(params):]:
            assert extra.kind is inspect.Parameter.KEYWORD_ONLY and extra.default is not inspect.Parameter.empty, \
                f"{d.adaptateur}.{nom} : {extra.name}"
    assert set(d.codes_feder) <= set(feder.CATALOGUE)
    assert d.generateurs, "un domaine vient avec au moins un pilote d'exemple simulé"
    for g in d.generateurs:
        exemples = importlib.import_module(f"eprouvette.generateurs.{g}").EXEMPLES
        assert exemples and all(ident.startswith(d.identifiant + "-") for ident, _ in exemples)


def test_chaque_adaptateur_et_generateur_appartient_a_un_domaine():
    """Aucun module orphelin : un adaptateur ou un générateur que personne ne déclare ne servirait jamais."""
    adaptateurs = {m.name for m in pkgutil.iter_modules(paquet_domaines.__path__) if m.name.endswith(SUFFIXE_ADAPTATEUR)}
    assert adaptateurs == {d.adaptateur for d in DOMAINES}
    avec_exemples = {m.name for m in pkgutil.iter_modules(paquet_generateurs.__path__)
                     if hasattr(importlib.import_module(f"eprouvette.generateurs.{m.name}"), "EXEMPLES")}
    declares = [g for d in DOMAINES for g in d.generateurs]
    assert sorted(declares) == sorted(avec_exemples)


def test_domaine_inconnu_en_francais():
    with pytest.raises(DomaineInconnu) as e:
        domaine("transport")
    assert str(e.value) == f"domaine « transport » inconnu ; domaines possibles : {', '.join(identifiants())}"


def test_une_declaration_hors_de_son_module_est_refusee(monkeypatch, tmp_path):
    (tmp_path / "faux.py").write_text(
        "from eprouvette.domaines import Domaine\n"
        "DOMAINE = Domaine(identifiant='vrai', libelle='X', ordre=99, adaptateur='x_pilote')\n", encoding="utf-8")
    monkeypatch.setattr(paquet_domaines, "__path__", [*paquet_domaines.__path__, str(tmp_path)])
    registre.cache_clear()
    try:
        with pytest.raises(ValueError, match="domaines/vrai.py"):
            registre()
    finally:
        monkeypatch.undo()
        registre.cache_clear()


def test_architecture_nomme_chaque_domaine():
    """docs/architecture.md reste vrai : chaque domaine déclaré y est nommé, avec la marche à suivre."""
    texte = (config.RACINE / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "## Ajouter un domaine" in texte and "outils/publier_domaines.py" in texte
    for d in DOMAINES:
        assert f"{d.identifiant}.py" in texte, f"docs/architecture.md ne nomme pas domaines/{d.identifiant}.py"
