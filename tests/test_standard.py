"""Le standard des mesures publié à la façon de schema.data.gouv.fr : métadonnées, exemples, changelog.

`validata-table` (le validateur national) n'est pas dans l'environnement : ses dépendances (Flask 2.1,
Jinja2 3.1.4, importlib-metadata < 7) contredisent le verrou. Ce qu'il applique à ce schéma, qui ne
déclare aucun contrôle propre (`custom_checks`), est la validation frictionless : c'est elle qui est
faite ici, sur le schéma et sur les deux exemples (voir donnees/schemas/mesures/README.md).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from eprouvette import config
from eprouvette.erreurs import ErreursDonnees
from eprouvette.lecture import lire_tableau

SCHEMA = config.SCHEMAS / "mesures.schema.json"
DOSSIER = config.SCHEMAS / "mesures"


def _descripteur() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def _erreurs_frictionless(exemple: str) -> tuple[bool, list[tuple]]:
    import frictionless

    # Chemin relatif à `basepath` : frictionless refuse un chemin absolu (« path … is not safe »).
    ressource = frictionless.Resource(path=exemple, basepath=str(DOSSIER),
                                      schema=frictionless.Schema.from_descriptor(_descripteur()))
    rapport = ressource.validate()
    erreurs = [(getattr(e, "row_number", None), getattr(e, "field_name", None), e.type)
               for tache in rapport.tasks for e in tache.errors]
    return rapport.valid, erreurs


def test_schema_valide_pour_frictionless():
    import frictionless

    rapport = frictionless.validate(str(SCHEMA), type="schema")
    assert rapport.valid, rapport.flatten(["type", "note"])
    schema = frictionless.Schema.from_descriptor(str(SCHEMA))
    assert schema.field_names == ["date", "site", "indicateur", "valeur"]
    assert schema.primary_key == ["date", "site", "indicateur"]


def test_metadonnees_de_publication():
    d = _descripteur()
    for cle in ("name", "title", "description", "version", "created", "lastModified", "homepage", "path",
                "licenses", "contributors", "resources", "countryCode", "keywords"):
        assert d.get(cle), f"métadonnée « {cle} » absente ou vide"
    assert re.fullmatch(r"\d+\.\d+\.\d+", d["version"])
    assert dt.date.fromisoformat(d["created"]) <= dt.date.fromisoformat(d["lastModified"])
    assert all(c.get("title") and c.get("role") for c in d["contributors"])
    assert all(lic.get("name") and lic.get("path") for lic in d["licenses"])
    # Les deux ressources d'exemple existent dans ce dossier, et le chemin publié porte la version.
    noms = [r["path"].rsplit("/", 1)[1] for r in d["resources"]]
    assert noms == ["exemple-valide.csv", "exemple-invalide.csv"]
    assert all((DOSSIER / n).is_file() for n in noms)
    assert all(f"/v{d['version']}/" in r["path"] for r in d["resources"]) and f"/v{d['version']}/" in d["path"]
    for champ in d["fields"]:
        assert champ.get("title") and champ.get("description") and champ.get("example"), champ["name"]


def test_changelog_commence_par_la_version_du_schema():
    texte = (DOSSIER / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## (\d+\.\d+\.\d+) — (\d{4}-\d{2}-\d{2})$", texte, flags=re.M)
    d = _descripteur()
    assert versions[0] == (d["version"], d["lastModified"])
    assert versions[-1][1] == d["created"]


def test_exemple_valide_passe():
    valide, erreurs = _erreurs_frictionless("exemple-valide.csv")
    assert valide and erreurs == []


def test_exemple_invalide_echoue_avec_les_erreurs_attendues():
    valide, erreurs = _erreurs_frictionless("exemple-invalide.csv")
    assert not valide
    assert erreurs == [(3, "date", "constraint-error"), (4, "site", "constraint-error"),
                       (5, "valeur", "type-error"), (6, None, "primary-key")]


def test_exemples_lus_par_eprouvette_comme_par_le_validateur():
    df = lire_tableau(DOSSIER / "exemple-valide.csv", "mesures")
    assert len(df) == 7 and df["valeur"].tolist()[:3] == [812.4, 790.1, 3.0]
    with pytest.raises(ErreursDonnees) as info:
        lire_tableau(DOSSIER / "exemple-invalide.csv", "mesures")
    erreurs = info.value.erreurs
    assert [(e.ligne, e.colonne) for e in erreurs] == [(3, "date"), (4, "site"), (5, "valeur"), (6, None)]
    assert (erreurs[1].message, erreurs[1].attendu) == ("valeur manquante.", "du texte (colonne obligatoire)")
    assert erreurs[2].message == "valeur « douze » illisible."
