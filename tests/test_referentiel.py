"""Référentiel des communes des Hauts-de-France (fichier versionné, aucun accès réseau)."""

from __future__ import annotations

import json

import pytest

from eprouvette import config, referentiel
from eprouvette.erreurs import ErreurDonnees


@pytest.fixture(scope="module")
def communes():
    return referentiel.charger_communes()


def test_nombre_de_communes_et_region(communes):
    assert len(communes) == 3782
    assert set(communes["code_region"]) == {"32"}


def test_population_totale(communes):
    total = int(communes["population"].sum())
    assert abs(total - 5.99e6) / 5.99e6 < 0.01


def test_codes_uniques_et_bien_formes(communes):
    assert communes["code_insee"].is_unique
    assert communes["code_insee"].str.fullmatch(r"\d{5}").all()
    assert list(communes["code_insee"]) == sorted(communes["code_insee"])


def test_cinq_departements(communes):
    assert sorted(communes["code_departement"].unique()) == ["02", "59", "60", "62", "80"]
    assert communes["nom_departement"].notna().all()
    # Chaque code INSEE commence par le code de son département.
    assert (communes["code_insee"].str[:2] == communes["code_departement"]).all()


def test_chaque_commune_a_un_epci(communes):
    assert (communes["siren_epci"].str.fullmatch(r"\d{9}")).all()
    assert (communes["nom_epci"] != "").all()


def test_metadonnees_coherentes(communes):
    meta = json.loads((config.REFERENTIEL / "metadonnees.json").read_text(encoding="utf-8"))
    assert meta["version"] == "6.0.0"
    assert meta["nombre_lignes"] == len(communes)
    assert meta["population_totale"] == int(communes["population"].sum())
    assert len(meta["sha256_archive"]) == 64
    assert "Licence Ouverte" in meta["licence"]


def test_commune_lille():
    lille = referentiel.commune("59350")
    assert lille["nom"] == "Lille"
    assert lille["code_departement"] == "59"
    assert lille["nom_epci"] == "Métropole Européenne de Lille"
    assert 200_000 < lille["population"] < 260_000


def test_commune_code_sans_zero_en_tete():
    # Un tableur transforme « 02001 » en 2001 : on le retrouve quand même.
    assert referentiel.commune(2001)["code_insee"] == "02001"


def test_commune_hors_region_ou_invalide():
    with pytest.raises(ErreurDonnees, match="Hauts-de-France"):
        referentiel.commune("75056")  # Paris
    with pytest.raises(ErreurDonnees, match="n'est pas un code commune INSEE"):
        referentiel.commune("59-350")


def test_epci_par_siren_et_par_commune(communes):
    mel = referentiel.epci(code_insee="59350")
    assert mel["type_epci"] == "METRO"
    assert "59350" in mel["codes_insee"]
    assert mel["nombre_communes"] == len(mel["codes_insee"])
    assert mel["population"] == int(
        communes.loc[communes["siren_epci"] == mel["siren_epci"], "population"].sum()
    )
    assert referentiel.epci(mel["siren_epci"])["nom_epci"] == mel["nom_epci"]
    with pytest.raises(ErreurDonnees, match="SIREN"):
        referentiel.epci("000000000")


def test_table_epci_couvre_la_region(communes):
    t = referentiel.table_epci()
    assert t["siren_epci"].is_unique
    assert int(t["population"].sum()) == int(communes["population"].sum())
    assert int(t["nombre_communes"].sum()) == len(communes)


def test_cache_renvoie_une_copie():
    a = referentiel.charger_communes()
    a.loc[0, "nom"] = "modifié"
    assert referentiel.charger_communes().loc[0, "nom"] != "modifié"


def test_fichier_absent(tmp_path):
    with pytest.raises(ErreurDonnees, match="introuvable"):
        referentiel.charger_communes(tmp_path / "absent.csv")


def test_doublon_signale_avec_ligne(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text(
        "code_insee,nom,code_departement,code_region,siren_epci,nom_epci,population\n"
        "59350,Lille,59,32,200093201,MEL,1\n"
        "59350,Lille,59,32,200093201,MEL,1\n",
        encoding="utf-8",
    )
    with pytest.raises(ErreurDonnees) as e:
        referentiel.charger_communes(f)
    assert e.value.ligne == 3


def test_script_de_construction_hors_ligne(tmp_path):
    """Le script filtre la région 32 et les communes actuelles, joint l'EPCI, trie et décrit."""
    import importlib.util
    import io
    import tarfile

    spec = importlib.util.spec_from_file_location(
        "construire_referentiel", config.RACINE / "outils" / "construire_referentiel.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    communes = [
        {"code": "80021", "nom": "Amiens", "departement": "80", "region": "32",
         "type": "commune-actuelle", "arrondissement": "802", "siren": "218000214",
         "codesPostaux": ["80090", "80000"], "population": 133000},
        {"code": "02001", "nom": "Abbécourt", "departement": "02", "region": "32",
         "type": "commune-actuelle", "arrondissement": "022", "siren": "210200010",
         "codesPostaux": ["02300"], "population": 518},
        {"code": "02999", "nom": "Déléguée", "departement": "02", "region": "32",
         "type": "commune-deleguee", "population": 10},
        {"code": "75056", "nom": "Paris", "departement": "75", "region": "11",
         "type": "commune-actuelle", "population": 2_100_000},
    ]
    epcis = [{"code": "248000531", "nom": "CA Amiens Métropole", "type": "CA",
              "membres": [{"code": "80021"}]},
             {"code": "200071785", "nom": "CA Chauny Tergnier La Fère", "type": "CA",
              "membres": [{"code": "02001"}]}]
    archive = tmp_path / "etalab-decoupage-administratif-6.0.0.tgz"
    with tarfile.open(archive, "w:gz") as tgz:
        for nom, contenu in [("package/package.json", {"version": "6.0.0"}),
                             ("package/data/communes.json", communes),
                             ("package/data/epci.json", epcis)]:
            octets = json.dumps(contenu).encode("utf-8")
            info = tarfile.TarInfo(nom)
            info.size = len(octets)
            tgz.addfile(info, io.BytesIO(octets))

    sortie = tmp_path / "ref"
    assert module.main(["--archive", str(archive), "--destination", str(sortie)]) == 0
    df = referentiel.charger_communes(sortie / "communes-hauts-de-france.csv")
    assert list(df["code_insee"]) == ["02001", "80021"]
    assert df.loc[1, "nom_epci"] == "CA Amiens Métropole"
    assert df.loc[1, "codes_postaux"] == "80000 80090"
    meta = json.loads((sortie / "metadonnees.json").read_text(encoding="utf-8"))
    assert meta["nombre_lignes"] == 2 and meta["population_totale"] == 133_518
    import hashlib

    assert meta["sha256_archive"] == hashlib.sha256(archive.read_bytes()).hexdigest()
