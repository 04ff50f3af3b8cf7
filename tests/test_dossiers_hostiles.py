"""Dossiers de pilotes hostiles : le lot se termine, les autres pilotes sont construits, rien
d'extérieur n'est lu.

Le corpus est fabriqué dans un dossier temporaire (jamais sous ``donnees/``) à côté de deux
pilotes d'exemple valides :

- ``lien-sortant`` : ``mesures.csv`` est un lien vers un fichier hors du dossier du pilote ;
- ``lien-casse`` : ``mesures.csv`` est un lien qui ne mène nulle part ;
- ``tube`` : ``mesures.csv`` est un tube nommé (FIFO) ; l'ouvrir pour le lire bloquerait pour toujours ;
- ``fiche-sortante`` : ``pilote.yaml`` lui-même est un lien vers un fichier extérieur ;
- ``dossier-lien`` : le dossier du pilote est un lien vers un dossier extérieur ;
- ``bombe`` : ``pilote.yaml`` contient une « bombe d'alias » YAML (des milliards de valeurs une fois dépliée) ;
- ``fiche-geante`` : ``pilote.yaml`` dépasse 1 Mo ;
- le pilote de mobilité valide lit sa météo par un lien **interne** au dossier (accepté).

Et des copies du pilote d'eau dont le fichier de mesures présente une classe de lecture ambiguë ou
abîmée (les refusés ne gardent que les 400 premières lignes) :

- ``decimales-melangees`` : « 1.932,2 » et « 1932.2 » dans le même fichier ;
- ``decimales-milliers`` : un seul « 1932.2 » parmi des « 21,723 » (lus avant comme 21723, un facteur mille) ;
- ``dates-americaines`` : toutes les dates en MM/JJ/AAAA ;
- ``xls-renomme`` : un classeur Excel 97-2003 (.xls) renommé ``mesures.xlsx`` ;
- ``archives-abimees`` : trois ``.csv.gz``, un ZIP renommé, un gzip tronqué, un gzip à la somme fausse ;
- ``cellule-geante`` : une cellule de 200 000 caractères (citée coupée) ;
- construits : ``utf16-sans-bom`` (mêmes résultats que le modèle en UTF-8), ``compteur-bloque`` (une
  semaine de zéros, signalée), ``en-cours`` (expérimentation qui finit dans deux ans, 20 jours mesurés :
  le rapport dit qu'elle n'est pas terminée, et le verdict est « étendre »).

Chaque refus est vérifié mot pour mot dans ``rapports/index.json``. Le lot est lancé une fois par
le vrai lanceur, avec une limite de temps, et sa mémoire de crête est mesurée (``bench/memoire.py``).

Ce qu'une construction ouvre est relevé trois fois : l'empreinte et la validation dans ce processus
(crochet d'audit) ; l'analyse et la mise en forme complètes d'un pilote par domaine dans un processus
neuf (crochet d'audit) ; le lanceur entier sous ``strace -ff`` (tous les processus, appels système).
"""

from __future__ import annotations

import codecs
import html
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from eprouvette import config
from eprouvette.erreurs import ErreurDonnees, ErreursDonnees, chemin_lisible
from eprouvette.rapports import typographie

VALIDES = ("mobilite-feux-bus-amiens", "eau-alertes-ia-douai")
#: Refusés avant toute lecture : le dossier, ou pilote.yaml.
REFUSES_DOSSIER = ("lien-sortant", "lien-casse", "tube", "fiche-sortante", "dossier-lien", "bombe", "fiche-geante")
#: Refusés à la lecture des mesures, dans le carnet.
REFUSES_LECTURE = ("decimales-melangees", "decimales-milliers", "dates-americaines", "xls-renomme",
                   "archives-abimees", "cellule-geante")
#: Hostiles mais construits : le rapport dit ce qu'il en est.
CONSTRUITS = ("utf16-sans-bom", "compteur-bloque", "en-cours")
MODELE = "eau-alertes-ia-douai"
PYTHON = sys.executable
MEMOIRE = config.RACINE / "bench" / "memoire.py"

CONSEIL_LIEN = "Copiez le fichier lui-même dans le dossier du pilote au lieu de le lier."
CONSEIL_SPECIAL = ("Le dossier d'un pilote ne contient que des fichiers ordinaires et des sous-dossiers : "
                   "retirez cette entrée.")
CONSEIL_ALIAS = ("Écrivez les valeurs en toutes lettres au lieu de les répéter par des ancres (« &nom ») "
                 "et des alias (« *nom ») : le standard n'en a pas besoin.")
CONSEIL_TAILLE = "Les mesures vont dans des fichiers à part, déclarés dans « fichiers.mesures »."


def _lignes_bombe(niveaux: int = 9, prefixe: str = "a") -> list[str]:
    """« Billion laughs » : 9 niveaux de 9 alias, 9^10 valeurs une fois dépliée."""
    lignes = [f'{prefixe}0: &{prefixe}0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, niveaux + 1):
        lignes.append(f"{prefixe}{i}: &{prefixe}{i} [" + ",".join([f"*{prefixe}{i - 1}"] * 9) + "]")
    return lignes


def _copier_modele(pilotes: Path, identifiant: str, modele: str = MODELE, lignes: int | None = None) -> Path:
    """Copie d'un pilote d'exemple sous un autre identifiant ; avec ``lignes``, son mesures.csv est
    réduit à ses ``lignes`` premières lignes (en-tête compris) : un refus à la lecture n'a pas besoin de plus."""
    dossier = pilotes / identifiant
    shutil.copytree(config.PILOTES / modele, dossier)
    if lignes is not None:
        mesures = dossier / "mesures.csv"
        mesures.write_text("".join(mesures.read_text(encoding="utf-8").splitlines(keepends=True)[:lignes]),
                           encoding="utf-8")
    fiche = dossier / "pilote.yaml"
    texte = fiche.read_text(encoding="utf-8").replace(f"identifiant: {modele}\n", f"identifiant: {identifiant}\n")
    fiche.write_text(texte, encoding="utf-8")
    return dossier


def fabriquer_corpus(base: Path) -> dict:
    """Le dossier des pilotes du corpus, les fichiers extérieurs (qui ne doivent jamais être lus)
    et le message attendu pour chaque pilote hostile."""
    for ident in VALIDES:
        if not (config.PILOTES / ident / "pilote.yaml").is_file():
            pytest.skip(f"pilote d'exemple absent : {ident}")
    pilotes = base / "pilotes"
    ailleurs = base / "ailleurs"
    ailleurs.mkdir(parents=True)
    secret = ailleurs / "secret.csv"
    secret.write_text("date;site;indicateur;valeur\n2024-01-01;x;y;1\n", encoding="utf-8")
    fiche_secrete = ailleurs / "pilote.yaml"
    shutil.copy(config.PILOTES / MODELE / "pilote.yaml", fiche_secrete)
    exterieur = ailleurs / "pilote-exterieur"
    shutil.copytree(config.PILOTES / MODELE, exterieur)

    for ident in VALIDES:
        shutil.copytree(config.PILOTES / ident, pilotes / ident)
    # Lien interne (accepté) : la météo du pilote de mobilité rangée dans un sous-dossier.
    mobilite = pilotes / "mobilite-feux-bus-amiens"
    (mobilite / "sources").mkdir()
    (mobilite / "meteo.csv").rename(mobilite / "sources" / "meteo-amiens.csv")
    (mobilite / "meteo.csv").symlink_to(Path("sources") / "meteo-amiens.csv")

    attendus = {}

    d = _copier_modele(pilotes, "lien-sortant")
    (d / "mesures.csv").unlink()
    (d / "mesures.csv").symlink_to(secret)
    attendus["lien-sortant"] = (f"{chemin_lisible(d)} : « mesures.csv » est un lien symbolique qui sort du dossier "
                                f"du pilote (il mène à « {secret} ») ; il n'a pas été ouvert. {CONSEIL_LIEN}")

    d = _copier_modele(pilotes, "lien-casse")
    (d / "mesures.csv").unlink()
    (d / "mesures.csv").symlink_to("mesures-2024.csv")
    attendus["lien-casse"] = (f"{chemin_lisible(d)} : « mesures.csv » est un lien symbolique cassé (il mène à "
                              "« mesures-2024.csv », qui n'existe pas). Remplacez le lien par le fichier lui-même, "
                              "ou retirez-le.")

    d = _copier_modele(pilotes, "tube")
    (d / "mesures.csv").unlink()
    os.mkfifo(d / "mesures.csv")
    attendus["tube"] = (f"{chemin_lisible(d)} : « mesures.csv » n'est pas un fichier ordinaire (tube nommé) ; "
                        f"il n'a pas été ouvert. {CONSEIL_SPECIAL}")

    d = _copier_modele(pilotes, "fiche-sortante")
    (d / "pilote.yaml").unlink()
    (d / "pilote.yaml").symlink_to(fiche_secrete)
    attendus["fiche-sortante"] = (f"{chemin_lisible(d)} : « pilote.yaml » est un lien symbolique qui sort du "
                                  f"dossier du pilote (il mène à « {fiche_secrete} ») ; il n'a pas été ouvert. "
                                  f"{CONSEIL_LIEN}")

    d = pilotes / "dossier-lien"
    d.symlink_to(exterieur, target_is_directory=True)
    attendus["dossier-lien"] = (f"{chemin_lisible(d)} : le dossier du pilote est un lien symbolique (il mène à "
                                f"« {exterieur} ») ; il n'a pas été lu. Déposez les fichiers du pilote dans un "
                                "vrai dossier de donnees/pilotes/.")

    d = _copier_modele(pilotes, "bombe")
    fiche = d / "pilote.yaml"
    texte = fiche.read_text(encoding="utf-8").rstrip("\n") + "\n" + "\n".join(_lignes_bombe()) + "\n"
    fiche.write_text(texte, encoding="utf-8")
    ligne = texte.splitlines().index(_lignes_bombe()[5]) + 1
    attendus["bombe"] = (f"{chemin_lisible(fiche)}, ligne {ligne} : les alias YAML (ici « *a4 ») déplient le "
                         "fichier en plus de 200\u202f000 valeurs (« bombe d'alias ») ; il n'a pas été lu plus loin. "
                         f"{CONSEIL_ALIAS}")

    d = _copier_modele(pilotes, "fiche-geante")
    fiche = d / "pilote.yaml"
    with open(fiche, "a", encoding="utf-8") as f:
        f.write("# " + "x" * 1_100_000 + "\n")
    taille = f"{fiche.stat().st_size:,}".replace(",", "\u202f")
    attendus["fiche-geante"] = (f"{chemin_lisible(fiche)} : le fichier est trop gros ({taille} octets) : une fiche "
                                "pilote.yaml fait au plus 1\u202f000\u202f000 octets (1 Mo) ; il n'a pas été lu. "
                                f"{CONSEIL_TAILLE}")
    construits = _corpus_lecture(pilotes, attendus)
    return {"pilotes": pilotes, "exterieurs": [secret, fiche_secrete, exterieur], "attendus": attendus,
            "construits": construits}


# --------------------------------------------------------------------------------------------
# Les classes de lecture ambiguë, sur une copie du pilote d'eau (8 675 mesures)
# --------------------------------------------------------------------------------------------

ATTENDU_DECIMALE = ("une seule convention pour tout le fichier : décimale virgule (1234,5 ou 1.234,5) ou décimale "
                    "point (1234.5 ou 1,234.5)")
CONSEIL_DECIMALE = ("Réexportez le fichier avec un seul réglage de nombres, ou corrigez les lignes d'une des deux "
                    "conventions ; le fichier n'est pas lu plutôt que de risquer un facteur dix ou mille.")
CONSEIL_GZIP = "Recompressez le fichier CSV avec gzip, ou déposez-le non compressé."
MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
        "novembre", "décembre")
#: Les pilotes refusés à la lecture de leurs mesures ne gardent que ce nombre de lignes du modèle.
LIGNES_REFUS = 400
#: Expérimentation en cours : les mesures s'arrêtent après ce nombre de jours (moins que le minimum de 28).
JOURS_EN_COURS = 20
#: Compteur bloqué : une semaine de zéros d'un secteur témoin, en période de référence.
SEMAINE_A_ZERO = ("2022-03-07", "2022-03-13")


def _lignes_mesures(dossier: Path) -> list[list[str]]:
    """Les lignes de mesures.csv (en-tête compris) découpées en cellules."""
    return [l.split(";") for l in (dossier / "mesures.csv").read_text(encoding="utf-8").splitlines()]


def _ecrire_mesures(dossier: Path, lignes: list[list[str]], nom: str = "mesures.csv", encodage: str = "utf-8") -> bytes:
    octets = "".join(";".join(l) + "\n" for l in lignes).encode(encodage)
    (dossier / nom).write_bytes(octets)
    return octets


def _declarer_mesures(dossier: Path, noms: list[str]) -> None:
    """Remplace « fichiers.mesures » de pilote.yaml (et retire mesures.csv s'il n'y est plus)."""
    fiche = dossier / "pilote.yaml"
    texte = fiche.read_text(encoding="utf-8")
    assert "  mesures:\n  - mesures.csv\n" in texte
    fiche.write_text(texte.replace("  mesures:\n  - mesures.csv\n",
                                   "  mesures:\n" + "".join(f"  - {n}\n" for n in noms)), encoding="utf-8")
    if "mesures.csv" not in noms:
        (dossier / "mesures.csv").unlink()


def _lieu(fichier: Path, ligne: int | None = None, colonne: str | None = None) -> str:
    """Le lieu d'une erreur tel que le carnet l'écrit (il reçoit le dossier résolu du pilote)."""
    return ", ".join([chemin_lisible(fichier.resolve())] + ([f"ligne {ligne}"] if ligne else [])
                     + ([f"colonne « {colonne} »"] if colonne else []))


def _corpus_lecture(pilotes: Path, attendus: dict) -> dict:
    """Les pilotes dont le fichier de mesures présente une classe de lecture ambiguë ou abîmée.

    Les refus vont dans ``attendus`` (message exact de ``index.json``) ; rend les pilotes qui
    doivent être construits, avec ce que leur rapport doit dire."""
    import gzip
    import io
    import zipfile
    from datetime import date

    construits = {}

    # Décimales mêlées : « 1.932,2 » (virgule) et « 1932.2 » (point) dans un fichier en « 21,723 ».
    d = _copier_modele(pilotes, "decimales-melangees", lignes=LIGNES_REFUS)
    lignes = _lignes_mesures(d)
    lignes[1][3], lignes[4][3] = "1.932,2", "1932.2"
    _ecrire_mesures(d, lignes)
    attendus["decimales-melangees"] = (
        f"{_lieu(d / 'mesures.csv', 2, 'valeur')} : décimale incohérente : la ligne 2 écrit « 1.932,2 », qui n'a de "
        "sens qu'avec la décimale virgule, et la ligne 5 « 1932.2 », qui n'a de sens qu'avec la décimale point. "
        f"Attendu : {ATTENDU_DECIMALE}. {CONSEIL_DECIMALE}")

    # Une seule ligne « 1932.2 » dans un fichier écrit « 21,723 » (trois décimales, virgule) : lue avec la
    # décimale point, chaque « 21,723 » deviendrait 21723 (virgule des milliers), un facteur mille.
    d = _copier_modele(pilotes, "decimales-milliers", lignes=LIGNES_REFUS)
    lignes = _lignes_mesures(d)
    premiere = lignes[1][3]
    lignes[4][3] = "1932.2"
    _ecrire_mesures(d, lignes)
    attendus["decimales-milliers"] = (
        f"{_lieu(d / 'mesures.csv', 2, 'valeur')} : décimale incohérente : la ligne 5 écrit « 1932.2 », avec la "
        "décimale point et sans séparateur des milliers, et la ligne 2 « " + premiere + " », qui ne se lit "
        "avec la décimale point qu'en prenant la virgule pour séparateur des milliers (" + premiere.replace(",", "")
        + f") : un facteur mille selon la lecture. Attendu : {ATTENDU_DECIMALE}. {CONSEIL_DECIMALE}")

    # UTF-16 (petit-boutiste) sans marque d'ordre : lu correctement, le pilote est construit.
    d = _copier_modele(pilotes, "utf16-sans-bom")
    octets = _ecrire_mesures(d, _lignes_mesures(d), encodage="utf-16-le")
    assert not octets.startswith(b"\xff\xfe") and octets[1:2] == b"\x00"
    construits["utf16-sans-bom"] = {"comme": MODELE}

    # Export américain : toutes les dates en MM/JJ/AAAA.
    d = _copier_modele(pilotes, "dates-americaines", lignes=LIGNES_REFUS)
    lignes = _lignes_mesures(d)
    for l in lignes[1:]:
        a, m, j = l[0].split("-")
        l[0] = f"{m}/{j}/{a}"
    _ecrire_mesures(d, lignes)
    seulement = [i + 1 for i, l in enumerate(lignes) if i and int(l[0][3:5]) > 12]
    ambigues = [l[0] for l in lignes[1:] if l[0][:2] != l[0][3:5] and int(l[0][3:5]) <= 12]
    attendus["dates-americaines"] = (
        f"{_lieu(d / 'mesures.csv', seulement[0], 'date')} : le fichier semble écrire ses dates dans l'ordre "
        f"américain mois/jour : « {lignes[seulement[0] - 1][0]} » (lignes {seulement[0]}, {seulement[1]}, "
        f"{seulement[2]} et {len(seulement) - 3} autre{'s' if len(seulement) > 4 else ''}) n'est une date que lue "
        f"MM/JJ/AAAA ; les {len(ambigues)} "
        f"dates dont le jour et le mois sont tous deux ≤ 12 (par exemple « {ambigues[0]} ») seraient lues avec le "
        "jour et le mois inversés. Attendu : des dates AAAA-MM-JJ (ISO) ou JJ/MM/AAAA (jour puis mois) dans tout le "
        "fichier. Réexportez les dates au format AAAA-MM-JJ (ISO), ou en JJ/MM/AAAA.")

    # Ancien classeur Excel 97-2003 (conteneur OLE2) renommé en .xlsx.
    d = _copier_modele(pilotes, "xls-renomme", lignes=LIGNES_REFUS)
    _declarer_mesures(d, ["mesures.xlsx"])
    (d / "mesures.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    attendus["xls-renomme"] = (
        f"{_lieu(d / 'mesures.xlsx')} : ancien format Excel (.xls, Excel 97-2003) sous une extension .xlsx. "
        "Attendu : un classeur .xlsx, .ods ou un fichier CSV. Ouvrez-le dans le tableur et enregistrez le fichier "
        "au format .xlsx (ou exportez-le en CSV).")

    # Archives abîmées, trois fichiers d'un même pilote : un ZIP nommé .gz, un gzip tronqué, une somme fausse.
    d = _copier_modele(pilotes, "archives-abimees", lignes=LIGNES_REFUS)
    brut = (d / "mesures.csv").read_bytes()
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mesures.csv", brut)
    (d / "mesures-2022.csv.gz").write_bytes(tampon.getvalue())
    compresse = gzip.compress(brut, mtime=0)
    (d / "mesures-2023.csv.gz").write_bytes(compresse[: len(compresse) // 2])
    somme = bytearray(compresse)
    somme[-8] ^= 0xFF  # CRC32 du contenu
    (d / "mesures-2024.csv.gz").write_bytes(bytes(somme))
    _declarer_mesures(d, ["mesures-2022.csv.gz", "mesures-2023.csv.gz", "mesures-2024.csv.gz"])
    attendus["archives-abimees"] = "\n".join([
        "3 erreurs dans les données :",
        f"- {_lieu(d / 'mesures-2022.csv.gz')} : archive ZIP et non gzip, malgré l'extension .gz. Attendu : un CSV "
        "compressé avec gzip (.csv.gz) ou un CSV non compressé. Extrayez le CSV de l'archive ZIP et déposez-le tel quel.",
        f"- {_lieu(d / 'mesures-2023.csv.gz')} : archive gzip tronquée : le fichier s'arrête avant la fin des données "
        f"compressées. {CONSEIL_GZIP}",
        f"- {_lieu(d / 'mesures-2024.csv.gz')} : archive gzip abîmée : la somme de contrôle ne correspond pas aux "
        f"données. {CONSEIL_GZIP}"])

    # Cellule géante : 200 000 caractères dans « valeur » (un journal collé dans le tableur).
    d = _copier_modele(pilotes, "cellule-geante", lignes=LIGNES_REFUS)
    lignes = _lignes_mesures(d)
    geante = ("capteur hors service " * 10_000)[:200_000]
    lignes[2][3] = geante
    _ecrire_mesures(d, lignes)
    attendus["cellule-geante"] = (
        f"{_lieu(d / 'mesures.csv', 3, 'valeur')} : valeur « {geante[:80]}… » illisible. Attendu : un nombre écrit "
        "avec la décimale « , » comme dans le reste du fichier, par exemple 812,4.")

    # Compteur bloqué à zéro une semaine (un secteur témoin, en période de référence) : construit, signalé.
    d = _copier_modele(pilotes, "compteur-bloque")
    lignes = _lignes_mesures(d)
    bloquees = [l for l in lignes[1:] if l[1] == "secteur-tem-2" and SEMAINE_A_ZERO[0] <= l[0] <= SEMAINE_A_ZERO[1]]
    assert len(bloquees) == 7
    for l in bloquees:
        l[3] = "0,000"
    _ecrire_mesures(d, lignes)
    construits["compteur-bloque"] = {
        "verification": {"nom": "zeros_suspects", "statut": "attention", "valeur": 7.0, "phrase": (
            "Une série reste 7 jours de suite à zéro alors qu'elle ne l'est presque jamais ailleurs : compteur ou "
            "capteur peut-être en panne ; vérifier ces jours avant de conclure.")},
        "qualite_donnees": "moyenne",
        "phrases": ["Les données présentent quelques trous ou anomalies, signalés ci-dessous ; ils ne remettent pas "
                    "en cause l'analyse."],
        "absentes": ["Les données sont complètes et sans anomalie notable."],
    }

    # Expérimentation en cours : elle finit dans deux ans, et seuls ses 20 premiers jours sont mesurés.
    d = _copier_modele(pilotes, "en-cours")
    fin = date(date.today().year + 2, 6, 30)
    fiche = d / "pilote.yaml"
    texte = fiche.read_text(encoding="utf-8")
    assert "    debut: '2024-01-01'\n    fin: '2024-12-31'\n" in texte
    fiche.write_text(texte.replace("    debut: '2024-01-01'\n    fin: '2024-12-31'\n",
                                   f"    debut: '2024-01-01'\n    fin: '{fin}'\n"), encoding="utf-8")
    dernier = f"2024-01-{JOURS_EN_COURS:02d}"
    lignes = _lignes_mesures(d)
    _ecrire_mesures(d, lignes[:1] + [l for l in lignes[1:] if l[0] <= dernier])
    construits["en-cours"] = {
        # La qualité porte sur les jours déjà mesurés : pas de « 95 % de jours manquants » jusqu'à la fin prévue.
        "experimentation_terminee": False, "jours_mesures_experimentation": JOURS_EN_COURS, "qualite_donnees": "bonne",
        "verdict": "etendre", "regle_verdict": "trop_peu_de_mesures",
        "phrases": [
            f"L'expérimentation n'est pas terminée : elle court jusqu'au {fin.day} {MOIS[fin.month - 1]} {fin.year}. "
            f"Ce rapport évalue les {JOURS_EN_COURS} jours mesurés jusqu'au {JOURS_EN_COURS} janvier 2024 ; ses "
            "conclusions sont provisoires.",
            f"Seulement {JOURS_EN_COURS} jours de mesures pendant l'expérimentation, pour un minimum de 28 : c'est "
            "trop peu pour conclure, dans un sens comme dans l'autre. Il faut mesurer plus longtemps.",
            # Le premier écran et « Le contexte » donnent la période étudiée, pas la fin prévue seule.
            f"depuis le 1er janvier 2024 (en cours jusqu'au {fin.day} {MOIS[fin.month - 1]} {fin.year}\u00a0; "
            f"mesurée jusqu'au {JOURS_EN_COURS} janvier 2024)"],
        "absentes": [f"du 1er janvier 2024 au {fin.day} {MOIS[fin.month - 1]} {fin.year}"],
    }
    # La note d'expérimentation en cours : une fois dans « Les données », une fois dans les limites (pas deux).
    construits["en-cours"]["compte"] = {construits["en-cours"]["phrases"][0]: 2}
    return construits


# --------------------------------------------------------------------------------------------
# Le corpus entier, en un seul lot du vrai lanceur
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lot_hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostiles")
    corpus = fabriquer_corpus(base)
    rapports = base / "rapports"
    env = {**os.environ, "EPROUVETTE_PILOTES": str(corpus["pilotes"]), "EPROUVETTE_RAPPORTS": str(rapports)}
    lanceur = [PYTHON, "-m", "eprouvette.rapports", "--travailleurs", "2"]
    commande = [PYTHON, str(MEMOIRE), "--", *lanceur] if MEMOIRE.is_file() else lanceur
    debut, avant = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    # Délai : garde-fou contre un lot qui ne finit pas (la bombe d'alias, avant), large parce que la
    # machine peut être partagée ; la borne qui compte est celle du temps de calcul, plus bas.
    r = subprocess.run(commande, env=env, cwd=config.RACINE, capture_output=True, text=True, timeout=900)
    duree, apres = time.monotonic() - debut, resource.getrusage(resource.RUSAGE_CHILDREN)
    # Temps de calcul de tout l'arbre (lanceur, processus du pool, noyaux : chacun attendu par son parent).
    cpu = (apres.ru_utime - avant.ru_utime) + (apres.ru_stime - avant.ru_stime)
    mesure = {}
    if MEMOIRE.is_file():
        mesure = json.loads(r.stdout.strip().splitlines()[-1])
        sortie, code = r.stderr, mesure["code"]
    else:
        sortie, code = r.stdout + r.stderr, r.returncode
    return {**corpus, "rapports": rapports, "sortie": sortie, "code": code, "duree": duree, "cpu": cpu,
            "mesure": mesure}


@pytest.mark.lent
def test_lot_hostile_se_termine_et_construit_les_pilotes_valides(lot_hostile):
    lot = lot_hostile
    rapports, sortie = lot["rapports"], lot["sortie"]
    assert lot["code"] == 1, sortie  # des pilotes en échec : code 1, mais le lot va jusqu'au bout
    assert (rapports / "index.html").is_file(), sortie
    for ident in VALIDES:
        page = rapports / f"{ident}.html"
        assert page.is_file(), f"{ident} non construit :\n{sortie}"
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")
    index = {e["identifiant"]: e for e in json.loads((rapports / "index.json").read_text(encoding="utf-8"))}
    assert {i: e["statut"] for i, e in index.items()} == {
        **{i: "reussi" for i in VALIDES + CONSTRUITS}, **{i: "echec" for i in REFUSES_DOSSIER + REFUSES_LECTURE}}
    # Borné en temps et en mémoire (avant : la bombe d'alias prenait plus de 4 Go et ne finissait pas).
    # Le temps de calcul, pas le temps écoulé : sur une machine partagée (2 cœurs, charge 13), le même
    # lot a pris 30 s comme 210 s de temps écoulé, pour 55 à 75 s de calcul.
    print(f"\ncorpus hostile : {lot['duree']:.1f} s écoulées, {lot['cpu']:.1f} s de calcul, mesure {lot['mesure']}")
    assert lot["cpu"] < 200, lot["cpu"]
    if lot["mesure"]:
        assert lot["mesure"]["max_processus_mo"] < 1500, lot["mesure"]


@pytest.mark.lent
@pytest.mark.parametrize("ident", REFUSES_DOSSIER + REFUSES_LECTURE)
def test_chaque_pilote_hostile_a_son_message(lot_hostile, ident):
    rapports = lot_hostile["rapports"]
    index = {e["identifiant"]: e for e in json.loads((rapports / "index.json").read_text(encoding="utf-8"))}
    assert ident in index, lot_hostile["sortie"]
    assert index[ident]["statut"] == "echec", index[ident]
    assert index[ident]["message"] == lot_hostile["attendus"][ident]
    assert not (rapports / f"{ident}.html").exists()
    assert f"- {ident} : {lot_hostile['attendus'][ident]}" in lot_hostile["sortie"]
    page = html.unescape((rapports / "index.html").read_text(encoding="utf-8"))
    assert ident in page
    # Le message de l'index est celui de index.json (cellule géante comprise : citée coupée, jamais entière),
    # avec la typographie française de toute page (espaces insécables avant « : », après « « »…).
    assert typographie.texte(lot_hostile["attendus"][ident]) in page
    assert len(index[ident]["message"]) < 2000 and "Traceback" not in index[ident]["message"]
    if ident == "cellule-geante":
        # Nulle part la cellule entière (ni même 200 de ses caractères) : console, index, journal du pilote.
        extrait = ("capteur hors service " * 10)[:200]
        journal = (rapports / "journaux" / f"{ident}.log").read_text(encoding="utf-8")
        for texte in (lot_hostile["sortie"], page, journal, (rapports / "index.json").read_text(encoding="utf-8")):
            assert extrait not in texte


@pytest.mark.lent
@pytest.mark.parametrize("ident", CONSTRUITS)
def test_pilotes_hostiles_construits_et_ce_que_dit_leur_rapport(lot_hostile, ident):
    """UTF-16 sans BOM lu comme le même fichier en UTF-8 ; un compteur bloqué à zéro une semaine et une
    expérimentation en cours sont construits, et le rapport (HTML et JSON) le dit."""
    rapports, attendu = lot_hostile["rapports"], lot_hostile["construits"][ident]
    index = {e["identifiant"]: e for e in json.loads((rapports / "index.json").read_text(encoding="utf-8"))}
    assert index[ident]["statut"] == "reussi", index[ident]
    resultats = json.loads((rapports / f"{ident}.json").read_text(encoding="utf-8"))
    page = html.unescape((rapports / f"{ident}.html").read_text(encoding="utf-8"))
    if "comme" in attendu:
        modele = json.loads((rapports / f"{attendu['comme']}.json").read_text(encoding="utf-8"))
        for cle in ("effet", "ic_bas", "ic_haut", "effet_relatif", "p_valeur", "verdict", "qualite_donnees",
                    "jours_mesures_experimentation", "verifications"):
            assert resultats[cle] == modele[cle], cle
        assert resultats["economie"] == modele["economie"]
    if "verification" in attendu:
        assert attendu["verification"] in resultats["verifications"]
        assert typographie.texte(attendu["verification"]["phrase"]) in page
    for cle in ("qualite_donnees", "experimentation_terminee", "jours_mesures_experimentation", "verdict",
                "regle_verdict"):
        if cle in attendu:
            assert resultats[cle] == attendu[cle], (cle, resultats[cle])
    # Le texte des pages passe par la typographie française (rapports/typographie.py).
    for phrase in attendu.get("phrases", []):
        assert typographie.texte(phrase) in page, phrase
    for phrase, fois in attendu.get("compte", {}).items():
        assert page.count(typographie.texte(phrase)) == fois, (phrase, page.count(typographie.texte(phrase)))
    for phrase in attendu.get("absentes", []):
        assert typographie.texte(phrase) not in page and phrase not in page, phrase


# --------------------------------------------------------------------------------------------
# Rien d'extérieur n'est ouvert pendant l'empreinte et la validation (dans ce processus)
# --------------------------------------------------------------------------------------------

_OUVERTURES: list[str] | None = None


def _crochet(evenement: str, arguments: tuple) -> None:
    if _OUVERTURES is not None and evenement == "open" and arguments:
        chemin = arguments[0]
        if isinstance(chemin, (str, bytes, os.PathLike)):
            _OUVERTURES.append(os.path.realpath(os.fsdecode(chemin)))


_CROCHET_INSTALLE = False


@contextmanager
def ouvertures():
    """Relève tous les fichiers ouverts (``open``, ``os.open``, ``Path.read_bytes``… : événement d'audit
    « open »), chemins résolus ; une alarme arrête le test au lieu de bloquer sur un tube nommé."""
    global _OUVERTURES, _CROCHET_INSTALLE
    if not _CROCHET_INSTALLE:
        sys.addaudithook(_crochet)  # ne peut pas être retiré : inerte hors de ce gestionnaire
        _CROCHET_INSTALLE = True
    vues: list[str] = []
    ancien = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("bloqué")))
    signal.alarm(20)
    _OUVERTURES = vues
    try:
        yield vues
    finally:
        _OUVERTURES = None
        signal.alarm(0)
        signal.signal(signal.SIGALRM, ancien)


def test_rien_hors_du_dossier_n_est_ouvert_pendant_empreinte_et_validation(tmp_path):
    from eprouvette.lecture import charger_mesures, charger_meteo
    from eprouvette.pilote import charger_pilote
    from eprouvette import fichiers
    from eprouvette.rapports import etat, executer

    corpus = fabriquer_corpus(tmp_path)
    pilotes = corpus["pilotes"]
    base = str(tmp_path.resolve())
    for dossier in sorted(pilotes.iterdir()):
        with ouvertures() as vues:
            empreinte = etat.empreinte_pilote(dossier, executer.carnet_du_pilote(dossier), "bibliotheque")
            executer.duree_attendue(executer.Tache(dossier.name, dossier, empreinte))
            fichiers.empreintes_fichiers(dossier)
            refus = fichiers.refus_du_dossier(dossier)
            try:
                if refus:
                    fichiers.verifier_dossier(dossier)
                pilote = charger_pilote(dossier)
                charger_mesures(pilote)
                charger_meteo(pilote)
            except (ErreurDonnees, ErreursDonnees):
                pass
        interieur = str(dossier.resolve()) if dossier.name != "dossier-lien" else None
        dehors = sorted({v for v in vues if v.startswith(base + os.sep)
                         and (interieur is None or not v.startswith(interieur + os.sep))})
        assert dehors == [], f"{dossier.name} : fichiers hors du dossier du pilote ouverts : {dehors}"
        if dossier.name in VALIDES + CONSTRUITS:
            assert refus == [] and any(v.endswith("meteo-amiens.csv") or v.endswith("mesures.csv") for v in vues)
        elif dossier.name in REFUSES_LECTURE:
            assert refus == [] and any(v.startswith(interieur + os.sep + "mesures") for v in vues), dossier.name
        else:
            assert len(refus) == 1 or dossier.name in ("bombe", "fiche-geante"), (dossier.name, refus)
    assert {d.name for d in pilotes.iterdir()} == set(VALIDES + REFUSES_DOSSIER + REFUSES_LECTURE + CONSTRUITS)
    for exterieur in corpus["exterieurs"]:
        assert exterieur.exists()


# --------------------------------------------------------------------------------------------
# Rien d'extérieur n'est ouvert pendant la construction complète (analyse et mise en forme)
# --------------------------------------------------------------------------------------------

#: Exécuté dans un processus neuf, dont le dossier courant est celui des carnets (comme le noyau que
#: lance papermill) : un crochet d'audit relève chaque ouverture (événement « open » : open, os.open,
#: io.open_code des imports…) et chaque lecture de dossier (os.listdir, os.scandir) ; puis, pour chaque
#: dossier de pilote, les cellules du carnet du domaine sont exécutées comme dans le noyau (cellule
#: « parameters » remplacée), chaque objet affiché est mis en forme par IPython (paquets MIME, figures
#: plotly comprises), les résultats sont extraits et la page est convertie en HTML par
#: eprouvette.rapports.html, comme le fait le lanceur. Sortie : {dossier: [[événement, chemin], …]}.
SCRIPT_CONSTRUCTION = """
import json, os, sys
from pathlib import Path

RELEVES, ACTIF = [], [False]


def crochet(evenement, arguments):
    if ACTIF[0] and evenement in ("open", "os.listdir", "os.scandir") and arguments:
        chemin = arguments[0]
        if isinstance(chemin, (str, bytes, os.PathLike)):
            RELEVES.append((evenement, os.path.realpath(os.fsdecode(chemin))))
        elif chemin is None and evenement != "open":
            RELEVES.append((evenement, os.path.realpath(".")))


sys.addaudithook(crochet)


def construire(dossier, sortie):
    import IPython.display
    import nbformat
    from IPython.core.formatters import DisplayFormatter

    from eprouvette.domaines import domaine
    from eprouvette.pilote import charger_pilote
    from eprouvette.rapports.executer import _extraire_resultats
    from eprouvette.rapports.html import convertir_en_html

    pilote = charger_pilote(Path(dossier))
    nb = nbformat.read(str(domaine(pilote.domaine).chemin_carnet()), as_version=4)
    formateur, sorties = DisplayFormatter(), []

    def afficher(*objets, raw=False, **_):
        for objet in objets:
            donnees = objet if raw else formateur.format(objet)[0]
            if donnees:
                sorties.append(nbformat.v4.new_output("display_data", data=donnees))

    IPython.display.display = afficher
    espace = {"__name__": "__main__"}
    for numero, cellule in enumerate(c for c in nb.cells if c.cell_type == "code"):
        source = cellule.source
        if "parameters" in cellule.metadata.get("tags", []):
            source = "dossier_pilote = " + repr(str(Path(dossier).resolve()))
        sorties.clear()
        exec(compile(source, "<carnet>", "exec"), espace)
        cellule.outputs, cellule.execution_count = list(sorties), numero + 1
    resultats = _extraire_resultats(nb)
    page = convertir_en_html(nb, pilote.titre)
    (Path(sortie) / (pilote.identifiant + ".html")).write_text(page, encoding="utf-8")
    (Path(sortie) / (pilote.identifiant + ".json")).write_text(json.dumps(resultats), encoding="utf-8")


sortie, releves = sys.argv[1], {}
for dossier in sys.argv[2:]:
    RELEVES.clear()
    ACTIF[0] = True
    construire(dossier, sortie)
    ACTIF[0] = False
    releves[dossier] = sorted(set(RELEVES))
print(json.dumps(releves))
"""

#: Ce qu'une construction a le droit d'ouvrir hors du dossier du pilote, chacun nommé : la bibliothèque,
#: le carnet du domaine, les paramètres chiffrés (donnees/parametres), le référentiel des communes
#: (donnees/referentiel), les schémas du standard (donnees/schemas), le plotly.js réduit (.cache/js), l'environnement Python (bibliothèques
#: et gabarits nbconvert) et, du système, la base des fuseaux horaires et la limite de CPU du cgroup (lue
#: par les bibliothèques numériques pour compter les cœurs).
def _autorises(sortie: Path) -> dict[str, str]:
    import eprouvette

    autorises = {
        "bibliothèque": Path(eprouvette.__file__).resolve().parent,
        "carnets": config.NOTEBOOKS.resolve(),
        "paramètres": config.PARAMETRES.resolve(),
        "référentiel": config.REFERENTIEL.resolve(),
        "schémas": config.SCHEMAS.resolve(),
        # plotly.js réduit aux traces des rapports, installé par `make js` (jamais dans donnees/).
        "paquets JavaScript": config.PAQUETS_JS.resolve(),
        "sortie": sortie.resolve(),
        "fuseaux horaires": Path("/usr/share/zoneinfo"),
        "cgroup (nombre de cœurs)": Path("/sys/fs/cgroup"),
    }
    for i, racine in enumerate({sys.prefix, sys.base_prefix, sys.exec_prefix}):
        autorises[f"environnement Python {i}"] = Path(racine).resolve()
    return {nom: str(chemin) for nom, chemin in autorises.items()}


def _dans(chemin: str, racine: str) -> bool:
    return chemin == racine or chemin.startswith(racine.rstrip(os.sep) + os.sep)


@pytest.mark.lent
def test_rien_hors_du_dossier_n_est_ouvert_pendant_la_construction_complete(tmp_path):
    """Analyse (lecture, qualité, méthode, économie, essaimage, verdict) et mise en forme (sections,
    figures, conversion HTML) de pilotes des quatre domaines, chacun dans un dossier temporaire à côté
    d'autres pilotes et d'un dossier « ailleurs » : aucun fichier n'est ouvert hors du dossier du pilote
    et des emplacements autorisés nommés ; ni les autres pilotes, ni « ailleurs », ni donnees/pilotes/
    ne sont même listés."""
    corpus = fabriquer_corpus(tmp_path)
    pilotes = corpus["pilotes"]
    for ident in ("energie-gtb-ecoles-beauvais", "dechets-pav-verre-arras"):
        if not (config.PILOTES / ident).is_dir():
            pytest.skip(f"pilote d'exemple absent : {ident}")
        shutil.copytree(config.PILOTES / ident, pilotes / ident)
    # Un pilote par domaine, et le fichier UTF-16 sans BOM (lu par un autre chemin du décodage).
    a_construire = [pilotes / i for i in (*VALIDES, "utf16-sans-bom", "energie-gtb-ecoles-beauvais",
                                          "dechets-pav-verre-arras")]
    sortie = tmp_path / "sortie"
    sortie.mkdir()
    r = subprocess.run([PYTHON, "-c", SCRIPT_CONSTRUCTION, str(sortie), *map(str, a_construire)],
                       cwd=config.NOTEBOOKS, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    releves = json.loads(r.stdout.strip().splitlines()[-1])
    autorises = _autorises(sortie)
    interdits = [str(config.PILOTES.resolve()), str((tmp_path / "ailleurs").resolve())]
    for dossier in a_construire:
        ici = str(dossier.resolve())
        evenements = releves[str(dossier)]
        ouverts = [c for e, c in evenements if e == "open"]
        # Le pilote a bien été lu, et construit.
        assert any(_dans(c, ici) and Path(c).name == "pilote.yaml" for c in ouverts), dossier.name
        assert any(_dans(c, ici) and Path(c).name != "pilote.yaml" for c in ouverts), dossier.name
        assert (sortie / f"{dossier.name}.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
        assert "verdict" in json.loads((sortie / f"{dossier.name}.json").read_text(encoding="utf-8"))
        dehors = sorted({c for c in ouverts
                         if not _dans(c, ici) and not any(_dans(c, a) for a in autorises.values())})
        assert dehors == [], f"{dossier.name} : fichiers ouverts hors du dossier du pilote : {dehors}"
        # Ni ouvert ni même listé : les autres pilotes, « ailleurs », les pilotes d'exemple du projet.
        voisins = [str(p.resolve()) for p in pilotes.iterdir() if p.resolve() != dossier.resolve()
                   and not p.is_symlink()]
        touches = sorted({f"{e} {c}" for e, c in evenements
                          if any(_dans(c, z) for z in interdits + voisins) or c == str(pilotes.resolve())})
        assert touches == [], f"{dossier.name} : {touches}"
    # L'ordre ne change rien : le premier pilote (imports compris) a été contrôlé comme les autres.
    assert len(releves) == len(a_construire)
    # Les paramètres et le référentiel sont bien lus (au moins une fois : ils sont gardés en mémoire d'un
    # pilote à l'autre) ; la liste des emplacements autorisés n'est pas vide de sens.
    tous = [c for evenements in releves.values() for e, c in evenements if e == "open"]
    for nom in ("paramètres", "référentiel", "schémas", "carnets"):
        assert any(_dans(c, autorises[nom]) for c in tous), nom


# --------------------------------------------------------------------------------------------
# Le vrai lanceur sous strace : toutes les ouvertures de tous les processus (lanceur, processus du
# pool, noyau Jupyter, git), appels système compris (ce qu'un crochet d'audit Python ne voit pas :
# DuckDB, pyarrow, la bibliothèque C)
# --------------------------------------------------------------------------------------------

_OUVERTURE = re.compile(r'^(?:open|openat|openat2|creat)\((?:[A-Z_]+|\d+), "((?:[^"\\]|\\.)*)"|^open\("((?:[^"\\]|\\.)*)"')
_LANCEMENT = re.compile(r'^execve\("((?:[^"\\]|\\.)*)"')


def _strace_possible() -> bool:
    if shutil.which("strace") is None:
        return False
    r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat", "-o", os.devnull, "true"],
                       capture_output=True, timeout=30)
    return r.returncode == 0


def _ouvertures_par_processus(base: Path) -> dict[int, tuple[str, list[tuple[str, bool]]]]:
    """Les fichiers ``base.<pid>`` de ``strace -ff`` -> {pid: (programme, [(chemin ouvert avec succès,
    ouvert comme dossier (O_DIRECTORY, pour le lister))])}."""
    processus = {}
    for trace in base.parent.glob(base.name + ".*"):
        programme, chemins = "?", []
        for ligne in trace.read_text(encoding="utf-8", errors="replace").splitlines():
            lancement = _LANCEMENT.match(ligne)
            if lancement and not ligne.rstrip().endswith(("ENOENT (No such file or directory)",)):
                programme = os.path.basename(lancement.group(1))
            m = _OUVERTURE.match(ligne)
            if m and " = -1 " not in ligne:
                # strace écrit les octets non imprimables en échappements (\303\251 pour « é »).
                chemin = codecs.escape_decode((m.group(1) or m.group(2)).encode())[0].decode("utf-8", "replace")
                chemins.append((chemin, "O_DIRECTORY" in ligne))
        processus[int(trace.name.rsplit(".", 1)[1])] = (programme, chemins)
    return processus


@pytest.mark.lent
def test_le_lanceur_sous_strace_n_ouvre_rien_hors_du_dossier_du_pilote(tmp_path):
    """Un pilote valide (météo par un lien interne) construit par ``python -m eprouvette.rapports`` sous
    ``strace -ff`` : chaque fichier ouvert par chaque processus est dans le dossier du pilote, dans la
    sortie, ou dans un emplacement autorisé et nommé ; rien dans « ailleurs », dans un dossier caché du
    dossier des pilotes ni dans donnees/pilotes/ du projet. Les processus git (version du code dans la
    traçabilité du rapport) lisent le dépôt : ils ne sont contrôlés que pour les dossiers interdits."""
    if not _strace_possible():
        pytest.skip("strace absent ou interdit (ptrace) sur cette machine")
    from jupyter_core import paths as jupyter

    ident = "mobilite-feux-bus-amiens"
    corpus = fabriquer_corpus(tmp_path)
    pilotes = tmp_path / "seul"
    shutil.copytree(corpus["pilotes"] / ident, pilotes / ident, symlinks=True)
    (pilotes / ".brouillon").mkdir()
    (pilotes / ".brouillon" / "secret.csv").write_text("date;site;indicateur;valeur\n", encoding="utf-8")
    rapports = tmp_path / "rapports-strace"
    env = {**os.environ, "EPROUVETTE_PILOTES": str(pilotes), "EPROUVETTE_RAPPORTS": str(rapports)}
    base = tmp_path / "traces" / "trace"
    base.parent.mkdir()
    r = subprocess.run(["strace", "-ff", "-qq", "-e", "trace=open,openat,openat2,creat,execve", "-o", str(base),
                        PYTHON, "-m", "eprouvette.rapports", "--travailleurs", "1"],
                       env=env, cwd=config.RACINE, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (rapports / f"{ident}.html").is_file()
    processus = _ouvertures_par_processus(base)
    programmes = {prog for prog, _ in processus.values()}
    assert "python" in " ".join(programmes) and "git" in programmes, programmes

    import eprouvette

    chemins_python = json.loads(subprocess.run(
        [PYTHON, "-c", "import sys, json; print(json.dumps(sys.path))"], env=env, cwd=tmp_path,
        capture_output=True, text=True, check=True).stdout)
    donnees = str(config.DONNEES.resolve())
    autorises = {
        **_autorises(rapports),
        "bibliothèque (dossier lib)": str(Path(eprouvette.__file__).resolve().parents[1]),
        # Empreinte de la bibliothèque (etat.py) : les fichiers qui décrivent l'environnement.
        "pyproject.toml": str(config.RACINE.resolve() / "pyproject.toml"),
        "requirements-verrou.txt": str(config.RACINE.resolve() / "requirements-verrou.txt"),
        # Fichier de connexion au noyau, sondes de tempfile : fichiers du dossier temporaire lui-même.
        "IPython": str(Path(os.path.expanduser("~/.ipython")).resolve()),
        **{f"Jupyter {i}": str(Path(c).resolve()) for i, c in enumerate(
            [jupyter.jupyter_runtime_dir(), jupyter.jupyter_data_dir(), jupyter.jupyter_config_dir(),
             *jupyter.jupyter_path(), *jupyter.jupyter_config_path()])},
        **{f"système {c}": c for c in ("/etc", "/proc", "/sys", "/dev", "/usr", "/lib", "/lib64")},
        # Le chemin d'import de l'environnement (un .pth peut y ajouter une bibliothèque), sauf un
        # dossier qui contiendrait donnees/ (la racine du projet).
        **{f"import {c}": str(Path(c).resolve()) for c in chemins_python
           if c and Path(c).is_dir() and not _dans(donnees, str(Path(c).resolve()))},
    }
    temporaire = str(Path(tempfile.gettempdir()).resolve())
    ici = str((pilotes / ident).resolve())
    interdits = [str((tmp_path / "ailleurs").resolve()), str((pilotes / ".brouillon").resolve()),
                 str(config.PILOTES.resolve()), str(corpus["pilotes"].resolve())]
    vus_dans_le_pilote = set()
    for pid, (programme, ouverts) in processus.items():
        # Ni lu ni même listé, par aucun processus : « ailleurs », le dossier caché, les pilotes du projet.
        touches = sorted({c for c, _ in ouverts if any(_dans(os.path.realpath(c), z) for z in interdits)})
        assert touches == [], f"processus {pid} ({programme}) : {touches}"
        if programme == "git":
            continue
        # Fichiers lus (les dossiers ouverts pour être listés, import de modules compris, sont à part).
        chemins = [c for c, dossier in ouverts if not dossier and not os.path.isdir(c)]
        reels = [os.path.realpath(c) for c in chemins if os.path.isabs(c)]
        vus_dans_le_pilote |= {c for c in reels if _dans(c, ici)}
        dehors = sorted({c for c in reels if not _dans(c, ici) and not any(_dans(c, a) for a in autorises.values())
                         and os.path.dirname(c) != temporaire})
        assert dehors == [], f"processus {pid} ({programme}) : ouverts hors du dossier du pilote : {dehors}"
        relatifs = sorted({c for c in chemins if not os.path.isabs(c) and c not in (".", "")})
        assert relatifs == [], f"processus {pid} ({programme}) : chemins relatifs ouverts : {relatifs}"
    assert {Path(c).name for c in vus_dans_le_pilote} >= {"pilote.yaml", "mesures.csv", "meteo-amiens.csv"}


def test_le_lien_interne_est_suivi_dans_l_empreinte(tmp_path):
    """Un lien interne accepté : l'empreinte suit le contenu de sa cible (le rapport sera refait)."""
    from eprouvette import fichiers

    dossier = tmp_path / "p"
    (dossier / "sources").mkdir(parents=True)
    (dossier / "sources" / "a.csv").write_text("1\n", encoding="utf-8")
    (dossier / "a.csv").symlink_to(Path("sources") / "a.csv")
    avant = fichiers.empreinte_dossier(dossier)
    assert fichiers.refus_du_dossier(dossier) == []
    (dossier / "sources" / "a.csv").write_text("2\n", encoding="utf-8")
    assert fichiers.empreinte_dossier(dossier) != avant
    assert fichiers.lire_octets(dossier / "a.csv", dossier) == b"2\n"
    # Traçabilité du rapport : le SHA-256 du contenu (celui de `sha256sum`), lien compris.
    import hashlib

    assert fichiers.empreintes_fichiers(dossier) == {n: hashlib.sha256(b"2\n").hexdigest()
                                                 for n in ("a.csv", "sources/a.csv")}
    # Un lien qui sort passe par un dossier : « sous/secret.csv » avec sous -> ailleurs.
    (tmp_path / "ailleurs").mkdir()
    (tmp_path / "ailleurs" / "secret.csv").write_text("secret\n", encoding="utf-8")
    (dossier / "sous").symlink_to(tmp_path / "ailleurs", target_is_directory=True)
    with pytest.raises(ErreurDonnees, match="« sous/secret.csv » passe par un lien symbolique qui sort du dossier"):
        fichiers.lire_octets(dossier / "sous" / "secret.csv", dossier)
    assert [str(e) for e in fichiers.refus_du_dossier(dossier)] == [
        f"{chemin_lisible(dossier)} : « sous » est un lien symbolique qui sort du dossier du pilote (il mène à "
        f"« {tmp_path / 'ailleurs'} ») ; il n'a pas été ouvert. {CONSEIL_LIEN}"]


# --------------------------------------------------------------------------------------------
# pilote.yaml borné (rapide, dans ce processus)
# --------------------------------------------------------------------------------------------


def _fiche(tmp_path: Path, lignes: list[str]) -> Path:
    dossier = tmp_path / "p"
    dossier.mkdir(exist_ok=True)
    (dossier / "pilote.yaml").write_text("identifiant: p\n" + "\n".join(lignes) + "\n", encoding="utf-8")
    return dossier


def test_bombe_d_alias_refusee_vite_et_sans_memoire(tmp_path):
    from eprouvette.pilote import charger_pilote

    dossier = _fiche(tmp_path, _lignes_bombe())
    tracemalloc.start()
    debut = time.perf_counter()
    try:
        with pytest.raises(ErreurDonnees) as e:
            charger_pilote(dossier)
        duree = time.perf_counter() - debut
        _, crete = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(e.value) == (f"{chemin_lisible(dossier / 'pilote.yaml')}, ligne 7 : les alias YAML (ici « *a4 ») "
                            "déplient le fichier en plus de 200\u202f000 valeurs (« bombe d'alias ») ; il n'a pas "
                            f"été lu plus loin. {CONSEIL_ALIAS}")
    assert duree < 5 and crete < 200 * 2**20, (duree, crete)


def test_alias_recursif_et_trop_d_alias(tmp_path):
    from eprouvette.pilote import charger_pilote

    dossier = _fiche(tmp_path, ["titre: &boucle [1, *boucle]"])
    with pytest.raises(ErreurDonnees) as e:
        charger_pilote(dossier)
    assert str(e.value) == (f"{chemin_lisible(dossier / 'pilote.yaml')}, ligne 2 : l'alias « *boucle » est employé "
                            f"à l'intérieur de sa propre ancre (structure récursive). {CONSEIL_ALIAS}")
    dossier = _fiche(tmp_path, ["titre: &t x", "notes: [" + ", ".join(["*t"] * 101) + "]"])
    with pytest.raises(ErreurDonnees) as e:
        charger_pilote(dossier)
    assert str(e.value) == (f"{chemin_lisible(dossier / 'pilote.yaml')}, ligne 3 : trop d'alias YAML (« *t ») : "
                            f"plus de 100 dans le fichier. {CONSEIL_ALIAS}")


def test_quelques_alias_ordinaires_restent_acceptes(tmp_path):
    """yaml.safe_dump écrit une ancre quand un même objet apparaît deux fois : c'est accepté."""
    from eprouvette.pilote import charger_pilote

    brut = yaml.safe_load((config.PILOTES / MODELE / "pilote.yaml").read_text(encoding="utf-8"))
    brut["identifiant"] = "p"
    brut["financement"]["cofinancements"] = [brut["financement"]["cofinancements"][0]] * 2
    texte = yaml.safe_dump(brut, allow_unicode=True, sort_keys=False)
    assert "&id001" in texte and "*id001" in texte
    dossier = tmp_path / "p"
    shutil.copytree(config.PILOTES / MODELE, dossier)
    (dossier / "pilote.yaml").write_text(texte, encoding="utf-8")
    pilote = charger_pilote(dossier)
    assert len(pilote.financement.cofinancements) == 2



# --------------------------------------------------------------------------------------------
# Un processus de construction qui meurt n'emporte pas les autres pilotes
# --------------------------------------------------------------------------------------------


def test_un_processus_mort_n_emporte_pas_les_autres_pilotes(tmp_path, monkeypatch):
    """Quand un processus du pool meurt (mémoire, signal), ``concurrent.futures`` fait échouer
    toutes les tâches du pool (BrokenProcessPool) : le lanceur les reprend une par une, chacune
    dans son propre processus, et seul le pilote fautif reste en échec."""
    import concurrent.futures as cf
    from concurrent.futures.process import BrokenProcessPool

    from eprouvette.rapports import executer, executeurs

    pilotes = tmp_path / "pilotes"
    for ident in ("alpha", "fautif", "omega"):
        (pilotes / ident).mkdir(parents=True)
        (pilotes / ident / "pilote.yaml").write_text(f"identifiant: {ident}\n", encoding="utf-8")
    monkeypatch.setattr(config, "RAPPORTS", tmp_path / "rapports")

    def construire(dossier, empreinte):
        ident = Path(dossier).name
        if ident == "fautif":
            raise BrokenProcessPool("A process in the process pool was terminated abruptly")
        return {"identifiant": ident, "statut": "reussi", "empreinte": empreinte, "titre": ident,
                "domaine": "eau", "resultats": {}, "duree_s": 0.0}

    class Pool:
        def __init__(self, casse: bool):
            self.casse = casse

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def submit(self, fn, *args):
            futur = cf.Future()
            if self.casse:
                futur.set_exception(BrokenProcessPool("A process in the process pool was terminated abruptly"))
                return futur
            try:
                futur.set_result(fn(*args))
            except BaseException as e:
                futur.set_exception(e)
            return futur

    pools = []

    def creer(adresse, n):
        pools.append(n)
        return Pool(casse=len(pools) == 1)  # le premier pool (2 processus) est cassé

    monkeypatch.setattr(executer, "construire_rapport", construire)
    monkeypatch.setattr(executeurs, "creer_executeur", creer)
    import io

    sortie = io.StringIO()
    code = executer.construire_tout(pilotes=pilotes, forcer=True, travailleurs=2, sortie=sortie)
    index = {e["identifiant"]: e for e in json.loads((tmp_path / "rapports" / "index.json").read_text("utf-8"))}
    assert code == 1
    assert pools == [2, 1, 1, 1]
    assert {i: e["statut"] for i, e in index.items()} == {"alpha": "reussi", "fautif": "echec", "omega": "reussi"}
    assert index["fautif"]["message"] == (
        "Le processus de construction s'est arrêté (BrokenProcessPool : A process in the process pool was "
        "terminated abruptly). Il a pu manquer de mémoire ; le détail est dans le journal du système.")


def test_une_empreinte_impossible_n_arrete_pas_le_lot(tmp_path, monkeypatch):
    """Une erreur imprévue pendant l'empreinte d'un pilote : ce pilote est en échec, les autres sont construits."""
    import io

    from eprouvette.rapports import etat, executer

    pilotes = tmp_path / "pilotes"
    for ident in ("alpha", "fautif"):
        (pilotes / ident).mkdir(parents=True)
    monkeypatch.setattr(config, "RAPPORTS", tmp_path / "rapports")
    vraie = etat.empreinte_pilote

    def empreinte(dossier, carnet, bibliotheque):
        if Path(dossier).name == "fautif":
            raise PermissionError(13, "Permission non accordée")
        return vraie(dossier, carnet, bibliotheque)

    monkeypatch.setattr(etat, "empreinte_pilote", empreinte)
    monkeypatch.setattr(executer, "construire_rapport", lambda dossier, empreinte: {
        "identifiant": Path(dossier).name, "statut": "reussi", "empreinte": empreinte, "titre": "a",
        "domaine": "eau", "resultats": {}, "duree_s": 0.0})
    code = executer.construire_tout(pilotes=pilotes, forcer=True, travailleurs=1, sortie=io.StringIO())
    index = {e["identifiant"]: e for e in json.loads((tmp_path / "rapports" / "index.json").read_text("utf-8"))}
    assert code == 1
    assert index["alpha"]["statut"] == "reussi"
    assert index["fautif"] == {"identifiant": "fautif", "statut": "echec", "titre": None, "domaine": None,
                               "resultats": None, "message": "Le dossier du pilote n'a pas pu être lu "
                               "(PermissionError : [Errno 13] Permission non accordée)."}
