"""Messages d'erreur en français : lieu réel, décomptes justes, conseils exacts.

Chaque test construit son dossier ou son fichier dans un dossier temporaire.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eprouvette import config
from eprouvette.erreurs import ErreurDonnees, ErreursDonnees

PILOTE_ENERGIE = config.PILOTES / "energie-gtb-ecoles-beauvais"


def _copie_sans_site(tmp_path: Path, site: str) -> Path:
    dossier = tmp_path / PILOTE_ENERGIE.name
    shutil.copytree(PILOTE_ENERGIE, dossier)
    mesures = dossier / "mesures.csv"
    lignes = mesures.read_text(encoding="utf-8").splitlines(keepends=True)
    mesures.write_text("".join(l for l in lignes if f";{site};" not in l), encoding="utf-8")
    return dossier


def _erreur_unique(exc) -> ErreurDonnees:
    if isinstance(exc, ErreursDonnees):
        assert len(exc.erreurs) == 1, str(exc)
        return exc.erreurs[0]
    return exc


def test_temoin_sans_mesures_nomme_le_vrai_fichier_de_mesures(tmp_path, monkeypatch):
    from eprouvette.analyse import analyser_pilote

    dossier = _copie_sans_site(tmp_path, "ecole-tem-2")
    monkeypatch.chdir(tmp_path)  # comme un carnet lancé depuis un autre dossier
    with pytest.raises((ErreurDonnees, ErreursDonnees)) as info:
        analyser_pilote(dossier)
    erreur = _erreur_unique(info.value)
    message = str(erreur)
    assert Path(erreur.fichier) == dossier / "mesures.csv"
    assert "mesures.csv" in message
    assert "notebooks" not in message and not message.startswith("mesures ")
    assert "aucune mesure de « consommation_chauffage » pour le site ecole-tem-2." in message


def test_methode_seule_sans_fichier_dit_mesures_fournies(tmp_path, monkeypatch):
    import pandas as pd

    from eprouvette.methodes.reference_energetique import _somme_groupe

    monkeypatch.chdir(tmp_path)
    mesures = pd.DataFrame({"date": pd.to_datetime(["2023-01-01"]), "site": ["a"], "indicateur": ["x"],
                            "valeur": [1.0]})
    with pytest.raises(ErreurDonnees) as info:
        _somme_groupe(mesures, ["a", "b"], "x")
    assert str(info.value) == ("mesures fournies, colonne « site » : aucune mesure de « x » pour le site b. "
                               "Attendu : des mesures pour chaque site déclaré dans pilote.yaml.")
    with pytest.raises(ErreurDonnees) as info:
        _somme_groupe(mesures, ["a", "b"], "x", [tmp_path / "m1.csv", tmp_path / "m2.csv"])
    assert Path(info.value.fichier) == tmp_path / "m1.csv"
    assert "pour le site b (ni dans les autres fichiers de mesures : m2.csv)." in str(info.value)


def test_liste_tronquee_annonce_le_vrai_total(tmp_path):
    """500 valeurs illisibles : « 500 erreurs … les 50 premières sont détaillées », puis « … et 450 autres »."""
    from eprouvette.lecture import MAX_ERREURS, lire_tableau

    csv = tmp_path / "mesures.csv"
    csv.write_text("date;site;indicateur;valeur\n"
                   + "".join(f"2023-01-{1 + i % 28:02d};s{i};x;abc\n" for i in range(500)), encoding="utf-8")
    with pytest.raises(ErreursDonnees) as info:
        lire_tableau(csv, "mesures")
    texte = str(info.value)
    reste = 500 - MAX_ERREURS
    assert texte.startswith(f"500 erreurs dans les données ; les {MAX_ERREURS} premières sont détaillées :\n- ")
    assert texte.endswith(f"… et {reste} autres erreurs non détaillées.")
    assert info.value.total == 500 and info.value.detaillees == MAX_ERREURS


def test_liste_complete_compte_sans_troncature(tmp_path):
    erreurs = [ErreurDonnees(tmp_path / "a.csv", "un."), ErreurDonnees(tmp_path / "a.csv", "deux.")]
    assert str(ErreursDonnees(erreurs)).startswith("2 erreurs dans les données :\n- ")
    un_de_plus = erreurs + [ErreurDonnees(tmp_path / "a.csv", "… et 1 autre erreur non détaillée.")]
    assert str(ErreursDonnees(un_de_plus)).startswith("3 erreurs dans les données ; les 2 premières sont détaillées :")


# --------------------------------------------------------------------------------------------
# pilote.yaml
# --------------------------------------------------------------------------------------------

BASE = (Path(__file__).parent / "donnees_invalides" / "pilote_de_base.yaml").read_text(encoding="utf-8")
IDENT = "gtb-ecoles-arras"


def _pilote(tmp_path: Path, texte: str = BASE, *, encodage: str = "utf-8", nom: str = "pilote.yaml") -> Path:
    dossier = tmp_path / IDENT
    dossier.mkdir(parents=True)
    (dossier / nom).write_bytes(texte.encode(encodage))
    (dossier / "mesures.csv").write_text("date;site;indicateur;valeur\n", encoding="utf-8")
    (dossier / "meteo.csv").write_text("date;temperature_min;temperature_max\n", encoding="utf-8")
    return dossier


def _remplacer(ancien: str, nouveau: str) -> str:
    assert ancien in BASE, ancien
    return BASE.replace(ancien, nouveau, 1)


def _ligne(texte: str, fragment: str) -> int:
    return next(i for i, l in enumerate(texte.splitlines(), start=1) if fragment in l)


def _erreurs(dossier: Path) -> list[ErreurDonnees]:
    from eprouvette.pilote import charger_pilote

    with pytest.raises((ErreurDonnees, ErreursDonnees)) as info:
        charger_pilote(dossier)
    e = info.value
    return e.erreurs if isinstance(e, ErreursDonnees) else [e]


@pytest.mark.parametrize("ecrit, conseil", [("2691", '"02691"'), ("62041", '"62041"')])
def test_code_insee_sans_guillemets_conseil_avec_le_zero_initial(tmp_path, ecrit, conseil):
    texte = _remplacer('    code_insee: "62041"\n    surface_m2', f"    code_insee: {ecrit}\n    surface_m2")
    (e,) = _erreurs(_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (_ligne(texte, f"code_insee: {ecrit}"), "sites[0].code_insee")
    assert e.conseil == (f"Écrivez la valeur entre guillemets : {conseil} (sans guillemets, YAML la lit comme un "
                         "nombre et peut perdre un zéro initial).")
    assert e.message == f"valeur « {int(ecrit)} » lue comme un nombre entier."


def test_codes_a_zero_initial_sans_guillemets_gardes_tels_qu_ecrits(tmp_path):
    """« 02173 » (Chauny, Aisne) est l'octal 1147 pour YAML 1.1, « 02691 » un texte (le 9 n'est pas octal) :
    les deux sont gardés tels qu'écrits, dans tous les champs de code (INSEE, poste Météo-France…)."""
    from eprouvette.pilote import charger_pilote

    texte = (_remplacer('    code_insee: "62041"\n    surface_m2', "    code_insee: 02173\n    surface_m2")
             .replace('codes_insee: ["62041"]', "codes_insee: [02173, 02691, 01053]")
             .replace("  meteo: meteo.csv\n", "  meteo: meteo.csv\n  meteo_poste: 02320002\n"))
    pilote = charger_pilote(_pilote(tmp_path, texte))
    assert pilote.site("ecole-jean-jaures").code_insee == "02173"
    assert pilote.porteur.codes_insee == ("02173", "02691", "01053")
    assert pilote.poste_meteo == "02320002"


def test_nombre_a_zero_initial_refuse_avec_le_nombre_a_ecrire(tmp_path):
    texte = _remplacer("    surface_m2: 1850", "    surface_m2: 01850")
    (e,) = _erreurs(_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (_ligne(texte, "surface_m2: 01850"), "sites[0].surface_m2")
    assert e.message == "valeur « 01850 » lue comme du texte."
    assert e.conseil == "Écrivez le nombre sans zéro initial : 1850."


def test_champ_ecrit_deux_fois_dit_ce_qui_est_attendu(tmp_path):
    texte = _remplacer("domaine: energie\n", "domaine: energie\ndomaine: eau\n")
    erreurs = _erreurs(_pilote(tmp_path, texte))
    e = next(e for e in erreurs if "écrit deux fois" in e.message)
    premiere = _ligne(texte, "domaine: energie")
    assert e.ligne == premiere + 1 and e.champ == "domaine"
    assert str(e).endswith(
        "champ « domaine » : champ « domaine » écrit deux fois ; seule la dernière valeur serait retenue. "
        f"Attendu : chaque champ écrit une seule fois (« domaine » est déjà écrit ligne {premiere}). "
        "Supprimez l'une des deux lignes (ou réunissez leurs valeurs en une seule).")


def test_fiche_en_windows_1252_donne_la_ligne_et_demande_utf8(tmp_path):
    texte = "# Fiche enregistrée sous Windows\n" + BASE.replace("titre: Pilotage", "titre: Écoles Pilotage", 1)
    # La première ligne (commentaire) contient déjà un « é » : c'est lui que l'on signale.
    (e,) = _erreurs(_pilote(tmp_path, texte, encodage="cp1252"))
    assert e.ligne == 1
    assert e.message == ("le fichier n'est pas encodé en UTF-8 : caractère illisible (« é » en Windows-1252) "
                         "colonne 18 ; il a sans doute été enregistré en Windows-1252 (ANSI).")
    assert e.conseil == "Enregistrez pilote.yaml en UTF-8 (« Enregistrer sous », encodage UTF-8)."
    assert "position" not in str(e)


def test_fiche_en_windows_1252_ligne_plus_loin(tmp_path):
    texte = "\n".join(l for l in BASE.splitlines() if not l.startswith("#")) + "\n"
    texte = texte.replace("titre: Pilotage", "titre: Ècoles", 1)
    assert texte.split("Ècoles")[0].isascii()
    (e,) = _erreurs(_pilote(tmp_path, texte, encodage="cp1252"))
    assert e.ligne == _ligne(texte, "titre: Ècoles") > 1
    assert "(« È » en Windows-1252) colonne 8 ;" in e.message


def test_pilote_yml_reconnu_comme_la_fiche_mal_nommee(tmp_path):
    (e,) = _erreurs(_pilote(tmp_path, nom="pilote.yml"))
    assert e.message == "fichier pilote.yaml introuvable, mais le dossier contient « pilote.yml »."
    assert e.conseil == "Renommez pilote.yml en pilote.yaml."


def test_etiquette_yaml_non_autorisee_en_francais(tmp_path):
    texte = _remplacer("titre: Pilotage", "titre: !!python/object:os.system Pilotage")
    (e,) = _erreurs(_pilote(tmp_path, texte))
    assert e.ligne == _ligne(texte, "titre: !!python")
    assert e.message == ("étiquette YAML non autorisée « !!python/object:os.system » (colonne 8) : le standard "
                         "n'admet que du texte, des nombres, des dates, des listes et des groupes de champs "
                         "(retirez l'étiquette commençant par « ! »).")
    assert "constructor" not in str(e) and "could not" not in str(e)


def test_valeur_citee_coupee_a_80_caracteres(tmp_path):
    longue = "9" * 300
    texte = _remplacer('    code_insee: "62041"\n', f'    code_insee: "{longue}"\n')
    (e,) = _erreurs(_pilote(tmp_path, texte))
    assert e.message == f"valeur « {'9' * 80}… » mal écrite."


def test_indicateur_principal_sans_mesures_nomme_le_vrai_fichier(tmp_path, monkeypatch):
    """Un second indicateur, déclaré principal, n'a aucune ligne : l'erreur nomme mesures.csv."""
    from eprouvette.analyse import analyser_pilote

    dossier = tmp_path / PILOTE_ENERGIE.name
    shutil.copytree(PILOTE_ENERGIE, dossier)
    fiche = dossier / "pilote.yaml"
    texte = fiche.read_text(encoding="utf-8")
    assert "  principal: true\n" in texte and "\nfichiers:\n" in texte
    texte = texte.replace("  principal: true\n", "", 1).replace("\nfichiers:\n", (
        "\n- identifiant: consommation_electricite\n  libelle: Électricité\n  unite: kWh\n"
        "  sens_souhaite: baisse\n  principal: true\n  vecteur_energetique: electricite\n"
        "  type_mesure: continue\nfichiers:\n"), 1)
    fiche.write_text(texte, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises((ErreurDonnees, ErreursDonnees)) as info:
        analyser_pilote(dossier)
    erreur = _erreur_unique(info.value)
    assert Path(erreur.fichier) == dossier / "mesures.csv"
    assert erreur.message == ("aucune mesure de « consommation_electricite » : aucune ligne du fichier ne porte "
                              "cet indicateur.")
    assert erreur.colonne == "indicateur" and "notebooks" not in str(erreur)


@pytest.mark.parametrize("valeur, message", [
    ("!!binary aGVsbG8=", "étiquette YAML non autorisée « !!binary » (colonne 8) : le standard n'admet que du texte, "
                          "des nombres, des dates, des listes et des groupes de champs (retirez l'étiquette "
                          "commençant par « ! »)."),
    ("!!int abc", "la valeur « abc » (colonne 8) ne peut pas être lue avec l'étiquette YAML « !!int »."),
])
def test_etiquettes_du_yaml_sur_refusees_a_leur_ligne(tmp_path, valeur, message):
    texte = _remplacer("titre: Pilotage du chauffage de deux écoles par GTB", f"titre: {valeur}")
    (e,) = _erreurs(_pilote(tmp_path, texte))
    assert (e.ligne, e.message) == (_ligne(texte, f"titre: {valeur}"), message)


@pytest.mark.parametrize("ligne, francais", [
    ("titre: [1, 2", "liste entre crochets « [ … ] » non fermée"),
    ("titre: @x", "caractère qui ne peut pas commencer une valeur"),
    ("titre: 'x' y", "contenu inattendu à cet endroit"),
])
def test_yaml_mal_forme_sans_anglais(tmp_path, ligne, francais):
    texte = _remplacer("titre: Pilotage du chauffage de deux écoles par GTB", ligne)
    (e,) = _erreurs(_pilote(tmp_path, texte))
    assert francais in e.message
    assert not any(mot in e.message for mot in ("expected", "found", "while", "cannot"))


def test_code_insee_entre_guillemets_a_quatre_chiffres(tmp_path):
    texte = _remplacer('    code_insee: "62041"\n', '    code_insee: "2691"\n')
    (e,) = _erreurs(_pilote(tmp_path, texte))
    assert e.message == "valeur « 2691 » mal écrite."
    assert e.conseil == ('Écrivez "02691" : le code INSEE d\'une commune des départements 01 à 09 commence par '
                         "un zéro.")


def test_fichier_introuvable_liste_des_fichiers_bornee(tmp_path):
    dossier = _pilote(tmp_path, _remplacer("mesures: [mesures.csv]", "mesures: [absent.csv]"))
    for i in range(30):
        (dossier / f"f{i:02d}.txt").write_text("x", encoding="utf-8")
    (e,) = _erreurs(dossier)
    assert e.message == "fichier « absent.csv » introuvable dans le dossier du pilote."
    assert e.conseil.startswith("Fichiers présents : f00.txt, f01.txt,") and e.conseil.endswith(" et 13 autres.")


def test_sites_sans_mesures_liste_bornee(tmp_path):
    import pandas as pd

    from eprouvette.methodes.reference_energetique import _somme_groupe

    mesures = pd.DataFrame({"date": pd.to_datetime(["2023-01-01"]), "site": ["a"], "indicateur": ["x"],
                            "valeur": [1.0]})
    sites = ["a"] + [f"t{i:02d}" for i in range(25)] + ["s" * 120]
    with pytest.raises(ErreurDonnees) as info:
        _somme_groupe(mesures, sites, "x", tmp_path / "mesures.csv")
    assert info.value.message == ("aucune mesure de « x » pour les sites "
                                  + ", ".join(f"t{i:02d}" for i in range(10)) + " et 16 autres.")


def test_annee_engagement_feder_declaree_dans_la_fiche(tmp_path):
    """docs/portefeuille.md : « financement.annee_engagement_feder » de pilote.yaml, reprise par le JSON du pilote."""
    from eprouvette.pilote import charger_pilote
    from eprouvette.rapports import index

    texte = _remplacer("  feder_eur: 28800\n", "  feder_eur: 28800\n  annee_engagement_feder: 2024\n")
    pilote = charger_pilote(_pilote(tmp_path, texte))
    assert pilote.financement.annee_engagement_feder == 2024
    assert index.annee_engagement({"periode_experimentation": [str(pilote.periode_experimentation.debut), ""],
                                   "annee_engagement_feder": pilote.financement.annee_engagement_feder}) == 2024


def test_annee_engagement_feder_non_entiere_refusee(tmp_path):
    texte = _remplacer("  feder_eur: 28800\n", "  feder_eur: 28800\n  annee_engagement_feder: 2024.5\n")
    (e,) = _erreurs(_pilote(tmp_path, texte))
    assert (e.ligne, e.champ) == (_ligne(texte, "annee_engagement_feder"), "financement.annee_engagement_feder")
    assert e.attendu == "un nombre entier"
