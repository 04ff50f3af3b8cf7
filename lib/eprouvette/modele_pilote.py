"""`make nouveau-pilote` : le dossier d'un nouveau pilote, avec sa fiche à remplir et un classeur modèle.

    python -m eprouvette.modele_pilote --id gtb-ecoles-lens --domaine energie [--dossier D]
                                       [--sites a,b] [--temoins c]

Crée ``<dossier>/<id>/`` (``donnees/pilotes`` par défaut : c'est la seule commande qui écrit dans
``donnees/``, et seulement à la demande de l'analyste ; un dossier qui existe déjà n'est jamais
écrasé) avec :

- ``pilote.yaml`` : la fiche commentée en français, champs vides à remplir ; les champs propres au
  domaine (indicateurs, ``occupation``, ``caracteristiques``…) viennent de la déclaration du domaine
  dans le registre (:attr:`eprouvette.domaines.Domaine.modele_fiche`) ;
- ``mesures.xlsx`` : un classeur modèle tiré du Table Schema des mesures
  (``donnees/schemas/mesures.schema.json``) : feuille « Mesures » aux colonnes du schéma (titre et
  description en commentaire de chaque en-tête), listes de validation des sites et des indicateurs
  de la fiche (feuille « Listes »), dates au format AAAA-MM-JJ, valeurs numériques (entières pour
  un comptage), identifiants en texte ; feuille « Mode d'emploi ». Rempli, il est lu tel quel par
  :func:`eprouvette.lecture.charger_mesures` (la première feuille d'un classeur est celle qui est lue).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sys
from pathlib import Path

import yaml

from . import config
from .domaines import DomaineInconnu, domaine, identifiants

NOM_CLASSEUR = "mesures.xlsx"
_MOTIF_IDENTIFIANT = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: Lignes de la feuille « Mesures » couvertes par les listes et contrôles de saisie.
LIGNES_SAISIE = 100_000
#: Lignes de la feuille « Listes » réservées aux sites et aux indicateurs (ajouts compris).
LIGNES_LISTES = 200


class _Refus(Exception):
    """Demande refusée, avec un message en français pour l'analyste."""


def _schema_mesures() -> dict:
    return json.loads((config.SCHEMAS / "mesures.schema.json").read_text(encoding="utf-8"))


def fiche(identifiant: str, id_domaine: str, sites: list[str], temoins: list[str]) -> str:
    """Le texte de ``pilote.yaml`` à remplir (YAML commenté)."""
    d = domaine(id_domaine)
    jour = dt.date.today().isoformat()
    lignes = [
        f"# Fiche du pilote « {identifiant} » (domaine : {d.libelle}), créée par « make nouveau-pilote » le {jour}.",
        "# À compléter : chaque champ laissé vide (« nom: » sans valeur) est à remplir ; la vérification du",
        f"# dossier (make verifier PILOTE={identifiant}) liste ceux qui manquent, avec leur ligne.",
        "# Chaque champ est décrit dans donnees/README.md. Les lignes qui commencent par « # » sont des",
        "# commentaires. Écrivez les codes INSEE et SIREN entre guillemets (\"62041\"), les dates AAAA-MM-JJ.",
        f"identifiant: {identifiant}",
        "# Titre du pilote, tel qu'il apparaîtra en tête du rapport.",
        "titre:",
        f"domaine: {id_domaine}",
        "# Famille de pilotes comparables (minuscules et tirets), par exemple « gtb-ecoles ».",
        "type_pilote:",
        "# La technologie expérimentée, en quelques phrases.",
        "technologie:",
        "# Pourquoi ce pilote, dans quel territoire, avec quel problème de départ.",
        "contexte:",
        "# Comment les sites équipés ont été choisis (tirage_au_sort, choix_porteur…) : voir donnees/README.md.",
        "# affectation: choix_porteur",
        "porteur:",
        "  nom:",
        "  # commune, epci, syndicat, departement ou autre.",
        "  type: commune",
        "  codes_insee:",
        '    - ""',
        "periodes:",
        "  # Avant la mise en service : au moins une saison entière, un an ou plus de préférence.",
        "  reference:",
        "    debut:",
        "    fin:",
        "  # Après la mise en service.",
        "  experimentation:",
        "    debut:",
        "    fin:",
        "# Les sites équipés (experimental) et ceux qui ne le sont pas (temoin) ; leurs identifiants sont",
        f"# ceux de la colonne « site » du classeur {NOM_CLASSEUR} (feuille « Listes »).",
        "sites:",
    ]
    for ident, role in [(s, "experimental") for s in sites] + [(t, "temoin") for t in temoins]:
        lignes += [f"  - identifiant: {ident}", "    nom:", f"    role: {role}", '    code_insee: ""']
    lignes.append(f"# Les indicateurs du domaine « {d.libelle} » (voir docs/{id_domaine}.md) ; leurs identifiants sont")
    lignes.append("# ceux de la colonne « indicateur » du classeur.")
    lignes += d.modele_fiche.rstrip("\n").splitlines()
    lignes += [
        "fichiers:",
        f"  # Le classeur modèle une fois rempli ; d'autres fichiers (.csv, .xlsx) peuvent s'ajouter à la liste.",
        f"  mesures: [{NOM_CLASSEUR}]",
    ]
    if d.reference_meteo:
        lignes += ["  # Températures journalières (fichier quotidien de Météo-France, ou date;temperature_min;",
                   "  # temperature_max), à déposer dans ce dossier : voir donnees/README.md.",
                   "  meteo: meteo.csv"]
    lignes += [
        "# Coûts de l'expérimentation, en euros TTC.",
        "couts:",
        "  investissement_eur:",
        "  fonctionnement_annuel_eur:",
        "  # Durée de vie de l'équipement, en années.",
        "  duree_vie_ans:",
        "financement:",
        "  feder_eur:",
        "  # Année d'engagement de l'aide FEDER, si elle diffère de l'année de début de l'expérimentation.",
        "  # annee_engagement_feder: 2025",
        "# Personne ou service à contacter (pas de donnée personnelle sensible).",
        "# contact: Service énergie, Ville de …",
    ]
    return "\n".join(lignes) + "\n"


def _indicateurs(id_domaine: str) -> list[dict]:
    return list((yaml.safe_load(domaine(id_domaine).modele_fiche) or {}).get("indicateurs") or [])


def classeur(chemin: Path, identifiant: str, id_domaine: str, sites: list[tuple[str, str]]) -> None:
    """Écrit le classeur modèle tiré du Table Schema des mesures. `sites` : (identifiant, rôle)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    schema = _schema_mesures()
    indicateurs = _indicateurs(id_domaine)
    wb = Workbook()
    mesures = wb.active
    mesures.title = "Mesures"
    listes = wb.create_sheet("Listes")
    mode = wb.create_sheet("Mode d'emploi")
    gras = Font(bold=True)
    entete = PatternFill("solid", fgColor="DDE7F0")

    # Feuille « Listes » : sites (A, B) et indicateurs (D, E, F) ; les listes de validation y renvoient.
    for col, titre in zip("ABDEF", ("site", "rôle", "indicateur", "unité", "type_mesure")):
        listes[f"{col}1"] = titre
        listes[f"{col}1"].font = gras
    for i, (ident, role) in enumerate(sites, start=2):
        listes[f"A{i}"], listes[f"B{i}"] = ident, role
    for i, ind in enumerate(indicateurs, start=2):
        listes[f"D{i}"], listes[f"E{i}"] = ind["identifiant"], ind.get("unite", "")
        listes[f"F{i}"] = ind.get("type_mesure", "continue")
    for col, largeur in zip("ABCDEF", (28, 14, 4, 30, 12, 14)):
        listes.column_dimensions[col].width = largeur
    listes["H1"] = ("Ajoutez ici tout site ou indicateur ajouté à pilote.yaml (mêmes identifiants) : "
                    "les listes de la feuille « Mesures » les proposeront.")
    fin = LIGNES_LISTES + 1
    plage_sites, plage_ind = f"Listes!$A$2:$A${fin}", f"Listes!$D$2:$D${fin}"

    # Feuille « Mesures » : une colonne par champ du schéma, dans l'ordre du schéma.
    derniere = LIGNES_SAISIE + 1
    lettres = {}
    for j, champ in enumerate(schema["fields"], start=1):
        lettre = get_column_letter(j)
        lettres[champ["name"]] = lettre
        cellule = mesures.cell(row=1, column=j, value=champ["name"])
        cellule.font, cellule.fill = gras, entete
        cellule.comment = Comment(f"{champ.get('title', champ['name'])} : {champ.get('description', '')}",
                                  "Éprouvette", width=360, height=220)
        mesures.column_dimensions[lettre].width = {"date": 18, "site": 28, "indicateur": 30}.get(champ["name"], 14)
    mesures.freeze_panes = "A2"
    validations = []
    if "date" in lettres:
        mesures.column_dimensions[lettres["date"]].number_format = "yyyy-mm-dd"
        validations.append((lettres["date"], DataValidation(
            type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)",
            errorTitle="Date attendue", error="Écrivez une date (AAAA-MM-JJ, ou AAAA-MM-JJ HH:MM pour un relevé horaire).",
            promptTitle="Date", prompt="Jour de la mesure (AAAA-MM-JJ), ou horodatage en heure légale française.")))
    for nom, plage, quoi in (("site", plage_sites, "site"), ("indicateur", plage_ind, "indicateur")):
        if nom in lettres:
            mesures.column_dimensions[lettres[nom]].number_format = "@"  # texte : « 1-2 » ne devient pas une date
            validations.append((lettres[nom], DataValidation(
                type="list", formula1=f"={plage}", errorTitle=f"{quoi.capitalize()} inconnu",
                error=f"Choisissez un {quoi} de la liste (feuille « Listes »), déclaré dans pilote.yaml.",
                promptTitle=quoi.capitalize(), prompt=f"Identifiant du {quoi}, tel que déclaré dans pilote.yaml.")))
    if "valeur" in lettres:
        v, ind = lettres["valeur"], lettres.get("indicateur", "C")
        mesures.column_dimensions[v].number_format = "General"
        # Un nombre ; entier pour un indicateur de comptage (type_mesure « comptage » dans « Listes »).
        validations.append((v, DataValidation(
            type="custom", formula1=(f'AND(ISNUMBER({v}2),OR(COUNTIFS(Listes!$D$2:$D${fin},{ind}2,'
                                     f'Listes!$F$2:$F${fin},"comptage")=0,{v}2=INT({v}2)))'),
            errorTitle="Nombre attendu",
            error="Écrivez un nombre (sans unité) ; pour un comptage, un nombre entier sans séparateur des milliers.",
            promptTitle="Valeur", prompt="Valeur mesurée, dans l'unité de l'indicateur (feuille « Listes »).")))
    for lettre, validation in validations:
        validation.showErrorMessage = validation.showInputMessage = True
        validation.add(f"{lettre}2:{lettre}{derniere}")
        mesures.add_data_validation(validation)

    # Feuille « Mode d'emploi ».
    texte = [
        (f"Classeur de mesures du pilote « {identifiant} » (domaine : {domaine(id_domaine).libelle})", True),
        (f"Tiré du standard « {schema.get('title', 'mesures')} », version {schema.get('version', '?')} "
         "(donnees/schemas/mesures.schema.json).", False),
        ("", False),
        ("1. Une ligne par jour (ou par relevé horaire), par site et par indicateur, dans la feuille « Mesures », "
         "à partir de la ligne 2. Ne changez pas les en-têtes de la ligne 1 ; la feuille « Mesures » doit rester "
         "la première du classeur.", False),
        ("Colonnes :", True),
    ]
    for champ in schema["fields"]:
        texte.append((f"  • {champ['name']} — {champ.get('title', '')} : {champ.get('description', '')}", False))
    texte += [
        ("2. Les sites et les indicateurs se choisissent dans les listes : ce sont ceux de pilote.yaml, recopiés "
         "dans la feuille « Listes ». Un site ou un indicateur ajouté à pilote.yaml s'ajoute aussi à « Listes ».", False),
        ("3. Les dates s'écrivent AAAA-MM-JJ (par exemple 2024-09-02) ; un relevé horaire AAAA-MM-JJ HH:MM, en heure "
         "légale française.", False),
        ("4. Les valeurs sont des nombres, sans unité (l'unité est celle de l'indicateur). Un comptage (passages, "
         "levées, visiteurs) est un nombre entier, sans point ni espace des milliers : 1234.", False),
        ("5. Une mesure absente s'omet : pas de ligne, plutôt qu'une cellule vide ou un zéro.", False),
        (f"6. Enregistrez le classeur sous le nom {NOM_CLASSEUR} dans le dossier du pilote, à côté de pilote.yaml "
         "(format .xlsx), puis vérifiez le dossier : make verifier PILOTE=" + identifiant + ".", False),
    ]
    for i, (ligne, en_gras) in enumerate(texte, start=1):
        cellule = mode.cell(row=i, column=1, value=ligne)
        cellule.alignment = Alignment(wrap_text=True, vertical="top")
        if en_gras:
            cellule.font = gras
    mode.column_dimensions["A"].width = 120
    wb.active = 0
    wb.save(chemin)


def creer_pilote(identifiant: str, id_domaine: str, racine: Path, sites: list[str] | None = None,
                 temoins: list[str] | None = None) -> Path:
    """Crée ``racine/identifiant/`` (fiche et classeur) ; lève :class:`_Refus` (message en français)."""
    if not identifiant:
        raise _Refus("identifiant du pilote manquant : make nouveau-pilote ID=<identifiant> DOMAINE=<domaine>.")
    if not _MOTIF_IDENTIFIANT.match(identifiant):
        raise _Refus(f"identifiant « {identifiant} » mal écrit : des minuscules sans accent, des chiffres et des "
                     "tirets, par exemple « gtb-ecoles-lens ».")
    if not id_domaine:
        raise _Refus(f"domaine manquant : DOMAINE=<domaine>, parmi {', '.join(identifiants())}.")
    try:
        domaine(id_domaine)
    except DomaineInconnu as e:
        raise _Refus(f"{e}.") from None
    sites = sites if sites is not None else ["site-1"]
    temoins = temoins if temoins is not None else ["temoin-1"]
    tous = sites + temoins
    mauvais = [s for s in tous if not _MOTIF_IDENTIFIANT.match(s)]
    if mauvais or not sites or len(set(tous)) != len(tous):
        raise _Refus("identifiants de sites invalides (au moins un site expérimental ; minuscules, chiffres et "
                     f"tirets, chacun une fois) : {', '.join(mauvais) or ', '.join(tous) or '(aucun)'}.")
    racine = Path(racine)
    cible = racine / identifiant
    if cible.exists() or cible.is_symlink():
        raise _Refus(f"le dossier {cible} existe déjà : nouveau-pilote n'écrase jamais un pilote. Choisissez un "
                     "autre identifiant, ou déplacez ce dossier.")
    racine.mkdir(parents=True, exist_ok=True)
    # Écrit à côté puis renommé : un dossier de pilote est complet ou absent.
    temporaire = racine / f".{identifiant}.{os.getpid()}.tmp"
    temporaire.mkdir()
    try:
        (temporaire / "pilote.yaml").write_text(fiche(identifiant, id_domaine, sites, temoins), encoding="utf-8")
        classeur(temporaire / NOM_CLASSEUR, identifiant, id_domaine,
                 [(s, "experimental") for s in sites] + [(t, "temoin") for t in temoins])
        os.rename(temporaire, cible)  # échoue si le dossier est apparu entre-temps : jamais d'écrasement
    except BaseException:
        shutil.rmtree(temporaire, ignore_errors=True)
        raise
    return cible


def _liste(texte: str) -> list[str]:
    return [t.strip() for t in texte.split(",") if t.strip()]


def main(argv: list[str] | None = None, prog: str = "python -m eprouvette nouveau-pilote") -> int:
    """Ligne de commande de ``make nouveau-pilote`` ; 0 si le dossier est créé, 1 sinon (2 : commande
    mal écrite)."""
    from .cli import Analyseur, ajouter_version

    p = Analyseur(prog=prog, add_help=False,
                  description="Crée le dossier d'un nouveau pilote : pilote.yaml à remplir et classeur modèle "
                              f"{NOM_CLASSEUR} tiré du standard des mesures.")
    p.add_argument("-h", "--help", "--aide", action="help", help="affiche cette aide et quitte")
    ajouter_version(p)
    p.add_argument("--id", default="", metavar="IDENTIFIANT",
                   help="identifiant du pilote (minuscules, chiffres, tirets) : nom du dossier créé")
    p.add_argument("--domaine", default="", metavar="DOMAINE", help=f"domaine : {', '.join(identifiants())}")
    p.add_argument("--dossier", default=None, metavar="DOSSIER",
                   help=f"dossier où créer le pilote (par défaut {config.PILOTES})")
    p.add_argument("--sites", default="site-1", metavar="A,B",
                   help="identifiants des sites expérimentaux, séparés par des virgules (par défaut site-1)")
    p.add_argument("--temoins", default="temoin-1", metavar="C,D",
                   help="identifiants des sites témoins, séparés par des virgules (par défaut temoin-1 ; vide : aucun)")
    args = p.parse_args(argv)
    racine = Path(args.dossier) if args.dossier else config.PILOTES
    try:
        cible = creer_pilote(args.id.strip(), args.domaine.strip(), racine, _liste(args.sites), _liste(args.temoins))
    except _Refus as e:
        print(f"Erreur : {e}", file=sys.stderr)
        return 1
    print(f"Pilote « {args.id.strip()} » créé dans {cible} :\n"
          f"  - pilote.yaml : la fiche, à compléter (champs vides et commentaires) ;\n"
          f"  - {NOM_CLASSEUR} : le classeur modèle des mesures (feuille « Mode d'emploi »).\n"
          f"Ensuite : make verifier PILOTE={args.id.strip()}, puis make rapports PILOTE={args.id.strip()}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
