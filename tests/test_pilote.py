"""Le standard pilote.yaml : schéma, chargement, et message exact de chaque faute."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from eprouvette import config
from eprouvette.domaines import identifiants
from eprouvette.erreurs import ErreurDonnees, ErreursDonnees
from eprouvette.pilote import Periode, charger_pilote, lister_pilotes

FIXTURES = Path(__file__).parent / "donnees_invalides"
BASE = (FIXTURES / "pilote_de_base.yaml").read_text(encoding="utf-8")
IDENT = "gtb-ecoles-arras"


def faire_pilote(racine: Path, texte: str = BASE, nom: str = IDENT) -> Path:
    """Dossier de pilote complet dans `racine` (pilote.yaml + mesures.csv + meteo.csv)."""
    dossier = racine / nom
    dossier.mkdir(parents=True, exist_ok=True)
    (dossier / "pilote.yaml").write_text(texte, encoding="utf-8")
    (dossier / "mesures.csv").write_text(
        "date;site;indicateur;valeur\n2023-01-01;ecole-jean-jaures;consommation_chauffage;812,4\n", encoding="utf-8")
    (dossier / "meteo.csv").write_text("date;temperature_min;temperature_max\n2023-01-01;2,1;8,4\n", encoding="utf-8")
    return dossier


def remplacer(ancien: str, nouveau: str) -> str:
    assert ancien in BASE, ancien
    return BASE.replace(ancien, nouveau, 1)


def ligne_de(texte: str, fragment: str) -> int:
    """Numéro (1 = première) de la ligne qui contient le fragment : les tests ne codent pas les lignes en dur."""
    for i, ligne in enumerate(texte.splitlines(), start=1):
        if fragment in ligne:
            return i
    raise AssertionError(fragment)


def erreurs_de(dossier: Path) -> list[ErreurDonnees]:
    with pytest.raises(ErreursDonnees) as info:
        charger_pilote(dossier)
    return info.value.erreurs


# --- Le schéma lui-même --------------------------------------------------------------------


def _proprietes(schema: dict, chemin: str = ""):
    for nom, sous in schema.get("properties", {}).items():
        yield f"{chemin}.{nom}", sous
        yield from _proprietes(sous, f"{chemin}.{nom}")
        if "items" in sous:
            yield from _proprietes(sous["items"], f"{chemin}.{nom}[]")
    for nom, sous in schema.get("$defs", {}).items():
        yield from _proprietes(sous, f"$defs.{nom}")


def test_schema_pilote_valide_et_documente_en_francais():
    schema = json.loads((config.SCHEMAS / "pilote.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    proprietes = list(_proprietes(schema))
    assert len(proprietes) > 40  # le parcours descend bien dans les sous-objets et les listes
    for chemin, sous in proprietes:
        assert sous.get("title") and sous.get("description"), f"{chemin} sans title/description"
    # Pas de champ libre : toute faute de frappe doit être attrapée.
    def objets(s):
        if s.get("type") == "object":
            yield s
        for v in list(s.get("properties", {}).values()) + list(s.get("$defs", {}).values()):
            yield from objets(v)
        if "items" in s:
            yield from objets(s["items"])
    for o in objets(schema):
        if o is schema["properties"]["caracteristiques"]:
            # Ouvert par construction (clés propres à chaque domaine), mais valeurs simples seulement.
            assert o["additionalProperties"] == {"type": ["number", "string", "boolean"]}
            continue
        assert o.get("additionalProperties") is False, o.get("title")


# --- Chargement d'un pilote valide -----------------------------------------------------------


def test_pilote_valide(tmp_path):
    p = charger_pilote(faire_pilote(tmp_path))
    assert p.identifiant == IDENT and p.domaine == "energie" and p.type_pilote == "gtb-ecoles"
    assert p.dossier == tmp_path / IDENT and p.brut["titre"] == p.titre
    assert p.porteur.codes_insee == ("62041",) and p.porteur.type == "commune" and p.porteur.siren is None
    assert p.periode_reference == Periode(dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    assert p.periode_reference.jours == 365 and p.periode_experimentation.jours == 365
    assert [s.identifiant for s in p.sites_experimentaux] == ["ecole-jean-jaures"]
    assert [s.identifiant for s in p.sites_temoins] == ["ecole-temoin"]
    assert p.site("ecole-jean-jaures").surface_m2 == 1850.0 and p.site("ecole-temoin").surface_m2 is None
    # Aucun « principal: true » : le premier indicateur est principal, et lui seul.
    assert p.indicateur_principal.identifiant == "consommation_chauffage"
    assert [i.principal for i in p.indicateurs] == [True, False]
    assert p.indicateur("heures_inconfort").type_mesure == "comptage"
    assert p.fichiers_mesures == (tmp_path / IDENT / "mesures.csv",)
    assert p.fichier_meteo == tmp_path / IDENT / "meteo.csv"
    assert p.couts.investissement_eur == 48000 and p.couts.duree_vie_ans == 10
    assert p.financement.feder_eur == 28800 and p.financement.total_eur == 48000
    assert p.ligne("sites.1.role") == ligne_de(BASE, "role: temoin")


def test_indicateur_principal_explicite(tmp_path):
    texte = remplacer("    unite: nombre\n", "    unite: nombre\n    principal: true\n")
    p = charger_pilote(faire_pilote(tmp_path, texte))
    assert p.indicateur_principal.identifiant == "heures_inconfort"
    assert [i.principal for i in p.indicateurs] == [False, True]


def test_exemple_du_readme_est_valide(tmp_path):
    readme = (config.DONNEES / "README.md").read_text(encoding="utf-8")
    exemple = re.search(r"```yaml\n(.*?)```", readme, re.S).group(1)
    dossier = faire_pilote(tmp_path, exemple)
    p = charger_pilote(dossier)
    assert p.domaine == "energie" and p.porteur.codes_insee == ("62041",)
    assert p.indicateur_principal.identifiant == "consommation_chauffage"
    assert len(p.sites_experimentaux) == 2 and len(p.sites_temoins) == 1


def test_lister_pilotes(tmp_path):
    faire_pilote(tmp_path, nom="b-pilote")
    faire_pilote(tmp_path, nom="a-pilote")
    (tmp_path / "pas-un-pilote").mkdir()
    assert lister_pilotes(tmp_path) == [tmp_path / "a-pilote", tmp_path / "b-pilote"]
    assert lister_pilotes(tmp_path / "absent") == []


@pytest.mark.parametrize("dossier", lister_pilotes() or [None], ids=lambda d: d.name if d else "aucun")
def test_pilotes_du_depot_respectent_le_standard(dossier):
    from eprouvette.lecture import charger_meteo, charger_mesures

    if dossier is None:
        pytest.skip(f"aucun pilote dans {config.PILOTES}")
    p = charger_pilote(dossier)
    mesures = charger_mesures(p)
    assert len(mesures) > 0
    assert set(mesures["site"]) <= {s.identifiant for s in p.sites}
    charger_meteo(p)


# --- Chaque faute, son message ---------------------------------------------------------------


def test_champ_inconnu_avec_suggestion(tmp_path):
    texte = remplacer("domaine: energie", "domain: energie")
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert e.ligne == ligne_de(texte, "domain:") and e.champ == "domain"
    assert e.message == "champ « domain » inconnu du standard."
    assert e.conseil == "Vouliez-vous écrire « domaine » ?"
    assert str(e).startswith(f"{tmp_path / IDENT / 'pilote.yaml'}, ligne 5, champ « domain » : champ « domain » inconnu")


def test_champ_inconnu_dans_un_site(tmp_path):
    texte = remplacer("    surface_m2: 1850", "    surface: 1850")
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert (e.ligne, e.champ, e.conseil) == (ligne_de(texte, "surface: 1850"), "sites[0].surface",
                                            "Vouliez-vous écrire « surface_m2 » ?")


def test_dates_d_equipement_par_site(tmp_path):
    """Déploiement échelonné : chaque site expérimental peut avoir son début (et sa fin)
    d'équipement ; sans ces champs, celles de l'expérimentation (anciennes fiches inchangées)."""
    ancien = charger_pilote(faire_pilote(tmp_path / "a"))
    assert ancien.site("ecole-jean-jaures").debut_equipement is None and not ancien.deploiement_echelonne
    assert ancien.periode_equipement("ecole-jean-jaures") == ancien.periode_experimentation
    assert ancien.periode_equipement("ecole-temoin") is None
    texte = remplacer("    surface_m2: 1850\n", "    surface_m2: 1850\n    debut_equipement: 2023-02-27\n"
                      "    fin_equipement: \"2023-11-30\"\n")
    texte = texte.replace("  - identifiant: ecole-temoin", "  - identifiant: ecole-victor-hugo\n    nom: École Victor-Hugo\n"
                          "    role: experimental\n    code_insee: \"62041\"\n  - identifiant: ecole-temoin", 1)
    p = charger_pilote(faire_pilote(tmp_path / "b", texte))
    s = p.site("ecole-jean-jaures")
    assert (s.debut_equipement, s.fin_equipement) == (dt.date(2023, 2, 27), dt.date(2023, 11, 30))
    assert p.periode_equipement(s) == Periode(dt.date(2023, 2, 27), dt.date(2023, 11, 30))
    assert p.periode_equipement("ecole-victor-hugo") == p.periode_experimentation
    assert p.deploiement_echelonne


@pytest.mark.parametrize("champs, ligne, message", [
    ("    debut_equipement: 2022-12-31\n", "debut_equipement: 2022-12-31",
     "le début d'équipement du site « ecole-jean-jaures » (2022-12-31) est hors de la période "
     "d'expérimentation (2023-01-01 au 2023-12-31)."),
    ("    fin_equipement: 2024-01-01\n", "fin_equipement: 2024-01-01",
     "la fin d'équipement du site « ecole-jean-jaures » (2024-01-01) est hors de la période "
     "d'expérimentation (2023-01-01 au 2023-12-31)."),
    ("    debut_equipement: 2023-06-01\n    fin_equipement: 2023-05-31\n", "fin_equipement: 2023-05-31",
     "le site « ecole-jean-jaures » est équipé le 2023-06-01 mais son équipement finit avant, le 2023-05-31."),
])
def test_dates_d_equipement_fautives(tmp_path, champs, ligne, message):
    texte = remplacer("    surface_m2: 1850\n", "    surface_m2: 1850\n" + champs)
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (ligne_de(texte, ligne), "sites[0]." + ligne.split(":")[0])
    assert e.message == message


def test_dates_d_equipement_hors_periode_et_temoin(tmp_path):
    texte = remplacer("    surface_m2: 1850\n", "    surface_m2: 1850\n    debut_equipement: 2024-03-01\n")
    texte = texte.replace('    role: temoin\n    code_insee: "62041"\n',
                          '    role: temoin\n    code_insee: "62041"\n    debut_equipement: 2023-03-01\n', 1)
    e1, e2 = sorted(erreurs_de(faire_pilote(tmp_path, texte)), key=lambda e: e.ligne)
    assert e1.message == ("le début d'équipement du site « ecole-jean-jaures » (2024-03-01) est hors de la "
                          "période d'expérimentation (2023-01-01 au 2023-12-31).")
    assert e2.champ == "sites[1].debut_equipement"
    assert e2.message == ("le site témoin « ecole-temoin » a une date de début d'équipement : un témoin ne "
                          "reçoit pas la technologie.")


def test_domaine_inconnu(tmp_path):
    texte = remplacer("domaine: energie", "domaine: transport")
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (ligne_de(texte, "domaine:"), "domaine")
    assert e.message == "valeur « transport » non reconnue."
    assert e.attendu == "une des valeurs " + ", ".join(identifiants())


@pytest.mark.parametrize("code", ['"6204"', '"62-41"', '"2C041"', '"620410"'])
def test_code_insee_mal_ecrit(tmp_path, code):
    texte = remplacer('codes_insee: ["62041"]', f"codes_insee: [{code}]")
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (ligne_de(texte, "codes_insee"), "porteur.codes_insee[0]")
    assert e.message == f"valeur « {code.strip(chr(34))} » mal écrite."
    assert e.attendu.startswith("un code INSEE de commune à 5 caractères")


def test_codes_insee_corse_acceptes(tmp_path):
    texte = remplacer('codes_insee: ["62041"]', 'codes_insee: ["2A004", "2B033"]')
    assert charger_pilote(faire_pilote(tmp_path, texte)).porteur.codes_insee == ("2A004", "2B033")


def test_code_insee_sans_guillemets(tmp_path):
    texte = remplacer('    code_insee: "62041"\n    surface_m2', "    code_insee: 62041\n    surface_m2")
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (ligne_de(texte, "code_insee: 62041"), "sites[0].code_insee")
    assert e.message == "valeur « 62041 » lue comme un nombre entier."
    assert e.attendu == "du texte" and '"62041"' in e.conseil


def test_periodes_dans_le_mauvais_ordre(tmp_path):
    texte = remplacer("    fin: 2022-12-31", "    fin: 2023-02-01")
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (ligne_de(texte, "fin: 2023-02-01"), "periodes.reference.fin")
    assert e.message == ("la période de référence finit le 2023-02-01, pas avant le début de "
                         "l'expérimentation (2023-01-01).")


def test_periode_debut_apres_fin(tmp_path):
    texte = remplacer("    debut: 2023-01-01\n    fin: 2023-12-31", "    debut: 2023-12-31\n    fin: 2023-01-01")
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (ligne_de(texte, "debut: 2023-12-31"), "periodes.experimentation.debut")
    assert e.message == "la période commence le 2023-12-31 mais finit avant, le 2023-01-01."


def test_date_impossible(tmp_path):
    texte = remplacer("    fin: 2022-12-31", "    fin: 2022-02-30")
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (ligne_de(texte, "2022-02-30"), "periodes.reference.fin")
    assert e.message == "« 2022-02-30 » n'est pas une date valide."


def test_champ_obligatoire_absent(tmp_path):
    texte = remplacer("  duree_vie_ans: 10\n", "")
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (ligne_de(texte, "investissement_eur"), "couts.duree_vie_ans")
    assert e.message == "champ obligatoire « duree_vie_ans » absent."


def test_montant_negatif_et_liste_vide(tmp_path):
    texte = remplacer("investissement_eur: 48000", "investissement_eur: -5").replace(
        "mesures: [mesures.csv]", "mesures: []")
    e1, e2 = erreurs_de(faire_pilote(tmp_path, texte))
    assert (e1.champ, e1.message, e1.attendu) == ("fichiers.mesures", "liste vide ou trop courte.", "au moins 1 élément")
    assert (e2.champ, e2.message, e2.attendu) == ("couts.investissement_eur", "valeur « −5 » hors des bornes.",
                                                  "un nombre ≥ 0")


def test_sites_en_double_et_identifiant_du_dossier(tmp_path):
    texte = remplacer("identifiant: ecole-temoin", "identifiant: ecole-jean-jaures")
    e1, e2 = erreurs_de(faire_pilote(tmp_path, texte, nom="autre-nom"))
    assert (e1.ligne, e1.champ) == (ligne_de(texte, f"identifiant: {IDENT}"), "identifiant")
    assert e1.message == f"l'identifiant « {IDENT} » diffère du nom du dossier « autre-nom »."
    assert e2.champ == "sites[1].identifiant"
    assert e2.message == "site « ecole-jean-jaures » déclaré deux fois (déjà en sites[0])."


def test_deux_indicateurs_principaux(tmp_path):
    texte = remplacer("    type_mesure: continue\n", "    type_mesure: continue\n    principal: true\n").replace(
        "    type_mesure: comptage\n", "    type_mesure: comptage\n    principal: true\n")
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert e.champ == "indicateurs[1].principal"
    assert e.message == "2 indicateurs sont marqués « principal: true »."


def test_fichier_de_mesures_absent(tmp_path):
    texte = remplacer("mesures: [mesures.csv]", "mesures: [mesures_2023.csv]")
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (ligne_de(texte, "mesures_2023.csv"), "fichiers.mesures[0]")
    assert e.message == "fichier « mesures_2023.csv » introuvable dans le dossier du pilote."


def test_champ_ecrit_deux_fois(tmp_path):
    texte = BASE + "titre: Autre titre\n"
    (e,) = erreurs_de(faire_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (len(texte.splitlines()), "titre")


def test_plusieurs_fautes_listees_ensemble_par_ligne(tmp_path):
    texte = remplacer("domaine: energie", "domaine: transport").replace("sens_souhaite: baisse", "sens_souhaite: bas", 1)
    erreurs = erreurs_de(faire_pilote(tmp_path, texte))
    assert [e.champ for e in erreurs] == ["domaine", "indicateurs[0].sens_souhaite"]
    assert str(ErreursDonnees(erreurs)).startswith("2 erreurs dans les données :\n- ")


def test_yaml_mal_forme(tmp_path):
    dossier = tmp_path / IDENT
    dossier.mkdir()
    shutil.copy(FIXTURES / "pilote_yaml_mal_forme.yaml", dossier / "pilote.yaml")
    with pytest.raises(ErreurDonnees) as info:
        charger_pilote(dossier)
    e = info.value
    assert e.ligne == 6
    assert e.message.startswith("YAML mal formé (colonne 8) : ")
    assert "indentation" in e.conseil


def test_tabulation_dans_le_yaml(tmp_path):
    texte = remplacer("  nom: Commune d'Arras", "\tnom: Commune d'Arras")
    with pytest.raises(ErreurDonnees) as info:
        charger_pilote(faire_pilote(tmp_path, texte))
    assert info.value.ligne == ligne_de(texte, "\tnom:")
    assert "tabulation" in info.value.message


def test_pilote_yaml_absent(tmp_path):
    (tmp_path / IDENT).mkdir()
    with pytest.raises(ErreurDonnees) as info:
        charger_pilote(tmp_path / IDENT)
    assert info.value.message == "fichier pilote.yaml introuvable dans le dossier du pilote."
    assert str(info.value).startswith(str(tmp_path / IDENT / "pilote.yaml"))
    with pytest.raises(ErreurDonnees, match="dossier du pilote introuvable"):
        charger_pilote(tmp_path / "absent")


def test_yaml_vide(tmp_path):
    with pytest.raises(ErreurDonnees, match="le fichier est vide"):
        charger_pilote(faire_pilote(tmp_path, "# rien\n"))
