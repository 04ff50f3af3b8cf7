"""Les exports pour les collègues : le classeur du portefeuille (Excel) et les graphiques en PNG.

- ``rapports/portefeuille.xlsx`` : une ligne par pilote (identité, domaine, verdict et règle de la
  grille, effet et intervalle avec leur unité, niveau de preuve, coûts, FEDER, VAN, indicateurs
  communs du FEDER, dates, « données simulées »), une feuille par domaine (effets dans l'unité du
  domaine, critères de la grille), les indicateurs FEDER avec leurs notes, l'enveloppe FEDER par
  domaine et par année, et une feuille « À lire » (source, date, version, sens de chaque colonne).
  Il est tiré des résultats publiés par la construction (``rapports/index.json`` et
  ``rapports/<id>.json``), sans rien recalculer, et réécrit par le lanceur après chaque page
  d'accueil (:func:`apres_index`) ; vrais nombres, vraies dates, formats lus en français par Excel
  et LibreOffice (« 1 234 € », « 12,3 % », « 31/08/2025 »).
- ``rapports/figures/<id>/NN-titre.png`` : chaque graphique de chaque rapport, à la taille d'une
  diapositive (1600 × 900 pixels par défaut), dessiné par le plotly.js du rapport dans Chromium sans
  interface (celui de ``make pdf`` et des tests), donc avec les mois, les nombres et les séparateurs
  du rapport, et son titre ; « Données simulées » y est écrit quand le pilote est un exemple fictif.

``python -m eprouvette.rapports.exports`` (``make exports``) fait les deux ; ``--classeur`` ou
``--figures`` (``make figures``) l'un seulement. Chaque fichier est écrit dans un fichier
temporaire puis renommé ; les PNG d'un rapport sont remplacés d'un coup (dossier temporaire) ;
un dossier de figures dont le rapport n'a pas changé n'est pas refait.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .. import config
from . import etat as etat_mod

FICHIER_CLASSEUR = "portefeuille.xlsx"
DOSSIER_FIGURES = "figures"

#: Taille d'un PNG : une diapositive 16:9. La figure est mise en page à LARGEUR × HAUTEUR pixels
#: CSS puis agrandie ECHELLE fois : 960 × 540 × 5/3 = 1600 × 900 pixels, textes lisibles au fond
#: d'une salle (14 px du style maison -> 23 pixels de l'image).
LARGEUR_PNG, HAUTEUR_PNG, ECHELLE_PNG = 960, 540, 5 / 3

# Codes de format OOXML. Ils s'écrivent avec « , » et « . » quelle que soit la langue ; Excel et
# LibreOffice en français les affichent avec leurs séparateurs : « 1 234 € », « 12,3 % » (espace
# insécable entre le nombre et son unité, entre guillemets : un texte fixe du format).
FORMAT_EUROS = '#,##0"\u00a0€"'
FORMAT_POURCENTAGE = '0.0"\u00a0"%'  # espace insécable avant « % », comme dans les rapports
FORMAT_DATE = "dd/mm/yyyy"
FORMAT_ENTIER = "#,##0"
FORMAT_ANNEE = "0"
#: Une p-valeur sous 0,001 s'affiche « < 0,001 » (la cellule garde la vraie valeur).
FORMAT_P_VALEUR = '[<0.001]"< 0,001";0.000'


class ErreurExport(Exception):
    """Un export impossible (message en français pour l'analyste)."""


# --------------------------------------------------------------------------------------------
# Lecture des résultats publiés
# --------------------------------------------------------------------------------------------


def lire_etats(dossier: Path | None = None) -> list[dict]:
    """Les pilotes de ``rapports/index.json``, chacun avec les résultats de ``rapports/<id>.json``.

    Un pilote en échec garde son message. Lève :class:`ErreurExport` sans index."""
    dossier = Path(dossier) if dossier else config.RAPPORTS
    index = dossier / "index.json"
    if not index.is_file():
        raise ErreurExport(f"{index} est absent : lancez d'abord `make rapports`.")
    try:
        etats = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ErreurExport(f"{index} est illisible ({e}) : relancez `make rapports`.") from None
    sortie = []
    for e in etats:
        e = dict(e)
        ident = str(e.get("identifiant") or "")
        propre = dossier / f"{ident}.json"
        if e.get("statut") == "reussi" and ident and propre.is_file():
            e["resultats"] = json.loads(propre.read_text(encoding="utf-8"))
        sortie.append(e)
    return sorted(sortie, key=lambda e: str(e.get("identifiant", "")))


def _num(x) -> float | None:
    if isinstance(x, bool):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _date(texte) -> date | None:
    try:
        return date.fromisoformat(str(texte)[:10])
    except (TypeError, ValueError):
        return None


def _oui_non(x) -> str | None:
    return None if x is None else ("Oui" if x else "Non")


def _format_mesure(valeurs: list[float | None], unite: str = "") -> str:
    """Format d'un nombre dans l'unité d'un indicateur : décimales selon la taille, unité affichée."""
    presents = [v for v in valeurs if v is not None]
    grand = max((abs(v) for v in presents), default=0.0)
    entiers = bool(presents) and all(float(v).is_integer() for v in presents)
    base = "#,##0" if grand >= 100 or entiers else "#,##0.0" if grand >= 10 else "#,##0.00"
    unite = str(unite or "").replace('"', "").strip()
    return f'{base}"\u00a0{unite}"' if unite else base


# --------------------------------------------------------------------------------------------
# Les colonnes (une définition sert au classeur et à la feuille « À lire »)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Colonne:
    entete: str
    #: Ce que veut dire la colonne (feuille « À lire »).
    sens: str
    #: (état du pilote, résultats) -> valeur de la cellule (None : vide).
    valeur: Callable[[dict, dict], object]
    #: Format de la cellule ; une fonction (état, résultats) -> format pour un format par ligne.
    format: str | Callable[[dict, dict], str] | None = None
    largeur: float = 14
    #: Rempli aussi pour un pilote en échec.
    identite: bool = False


def _eco(r: dict) -> dict:
    return r.get("economie") or {}


def _mc(r: dict, cle: str, i: int) -> float | None:
    v = (_eco(r).get("monte_carlo") or {}).get(cle)
    return _num(v[i]) if isinstance(v, list) and len(v) == 2 else None


def _format_effet(e: dict, r: dict) -> str:
    return _format_mesure([_num(r.get(k)) for k in ("effet", "ic_bas", "ic_haut")], r.get("unite", ""))


def _format_cout_unite(e: dict, r: dict) -> str:
    return _format_mesure([_num(_eco(r).get("cout_par_unite"))], _eco(r).get("unite_cout", ""))


def _communes(e: dict, r: dict) -> str | None:
    codes = [str(c) for c in (r.get("codes_insee") or [])]
    if not codes:
        return None
    from ..referentiel import commune

    noms = []
    for c in codes:
        try:
            noms.append(f"{commune(c)['nom']} ({c})")
        except Exception:  # un code hors du référentiel reste écrit tel quel
            noms.append(c)
    return ", ".join(noms)


def _verdict(e: dict, r: dict) -> str:
    if e.get("statut") != "reussi":
        return "Échec de construction"
    from .index import LIBELLES_VERDICTS

    return r.get("verdict_libelle") or LIBELLES_VERDICTS.get(r.get("verdict"), r.get("verdict") or "")


def _domaine(e: dict, r: dict) -> str:
    from .index import libelle_domaine

    d = r.get("domaine") or e.get("domaine")
    return libelle_domaine(d, d or "")


def _annee(e: dict, r: dict) -> int | None:
    from .index import annee_engagement

    return annee_engagement(r) if r else None


def _taux_feder(e: dict, r: dict) -> float | None:
    feder, cofin = _num(r.get("feder_eur")), _num(r.get("cofinancements_eur"))
    if feder is None or cofin is None or feder + cofin <= 0:
        return None
    return feder / (feder + cofin)


def _preuve(r: dict, cle: str):
    return (r.get("niveau_preuve") or {}).get(cle)


def _lien(nom: str | None) -> str | None:
    return nom or None


COLONNES_PILOTES: list[Colonne] = [
    Colonne("Identifiant", "Identifiant du pilote (nom de son dossier dans donnees/pilotes/).",
            lambda e, r: e.get("identifiant"), largeur=34, identite=True),
    Colonne("Pilote", "Titre du pilote.", lambda e, r: r.get("titre") or e.get("titre"), largeur=48, identite=True),
    Colonne("Porteur", "Collectivité porteuse du pilote.", lambda e, r: r.get("porteur"), largeur=28),
    Colonne("Communes", "Communes du porteur, nom (référentiel INSEE des Hauts-de-France) et code INSEE.",
            _communes, largeur=28),
    Colonne("Domaine", "Domaine d'évaluation (libellé du registre des domaines).", _domaine, largeur=22,
            identite=True),
    Colonne("Type de pilote", "Type de pilote : deux pilotes du même type sont combinés sur la page du portefeuille.",
            lambda e, r: r.get("type_pilote"), largeur=20),
    Colonne("Verdict", "Verdict de la grille, dans les mots du rapport ; « Échec de construction » si le rapport "
            "n'a pas pu être construit (voir la colonne Message).", _verdict, largeur=24, identite=True),
    Colonne("Règle de la grille", "Identifiant de la règle de la grille qui a décidé du verdict "
            "(docs/recommandation.md, « L'ordre des règles »).", lambda e, r: r.get("regle_verdict"), largeur=18),
    Colonne("Raison du verdict", "La raison du verdict, telle que le rapport la donne.",
            lambda e, r: r.get("raison_verdict"), largeur=50),
    Colonne("Version de la grille", "Version de la grille de recommandation (donnees/parametres/recommandation.yaml).",
            lambda e, r: r.get("version_grille"), FORMAT_ANNEE, largeur=10),
    Colonne("Indicateur", "Indicateur principal mesuré.", lambda e, r: r.get("indicateur"), largeur=36),
    Colonne("Unité", "Unité de l'indicateur, de l'effet et de son intervalle.", lambda e, r: r.get("unite"), largeur=12),
    Colonne("Effet", "Effet estimé : mesuré moins contrefactuel, dans l'unité de l'indicateur, sur la période "
            "d'expérimentation (une baisse est négative).", lambda e, r: _num(r.get("effet")), _format_effet, largeur=16),
    Colonne("Effet : IC 95\u00a0% bas", "Borne basse de l'intervalle de confiance à 95\u00a0% de l'effet (même unité).",
            lambda e, r: _num(r.get("ic_bas")), _format_effet, largeur=16),
    Colonne("Effet : IC 95\u00a0% haut", "Borne haute de l'intervalle de confiance à 95\u00a0% de l'effet (même unité).",
            lambda e, r: _num(r.get("ic_haut")), _format_effet, largeur=16),
    Colonne("Effet relatif", "Effet rapporté au contrefactuel, calculé sur les totaux.",
            lambda e, r: _num(r.get("effet_relatif")), FORMAT_POURCENTAGE, largeur=11),
    Colonne("Effet relatif : IC 95\u00a0% bas", "Borne basse de l'intervalle à 95\u00a0% de l'effet relatif.",
            lambda e, r: _num(r.get("ic_relatif_bas")), FORMAT_POURCENTAGE, largeur=12),
    Colonne("Effet relatif : IC 95\u00a0% haut", "Borne haute de l'intervalle à 95\u00a0% de l'effet relatif.",
            lambda e, r: _num(r.get("ic_relatif_haut")), FORMAT_POURCENTAGE, largeur=12),
    Colonne("Incertitude calculable", "Non : les données ne donnent pas d'incertitude fiable (intervalle vide).",
            lambda e, r: _oui_non(r.get("incertitude_valide")), largeur=12),
    Colonne("p-valeur", "Probabilité d'observer un effet au moins aussi grand s'il n'y avait aucun effet.",
            lambda e, r: _num(r.get("p_valeur")), FORMAT_P_VALEUR, largeur=10),
    Colonne("Niveau de preuve", "Niveau de preuve du plan d'évaluation, de 1 à 5 (échelle de Maryland).",
            lambda e, r: _preuve(r, "niveau"), FORMAT_ANNEE, largeur=10),
    Colonne("Plan d'évaluation", "Ce que le niveau de preuve veut dire pour ce plan.",
            lambda e, r: _preuve(r, "libelle"), largeur=32),
    Colonne("Méthode", "Méthode d'estimation de l'effet.", lambda e, r: r.get("libelle_methode"), largeur=32),
    Colonne("Qualité des données", "Niveau de qualité des mesures (bonne, moyenne, faible).",
            lambda e, r: r.get("qualite_donnees"), largeur=12),
    Colonne("Investissement", "Coût d'investissement déclaré (€).",
            lambda e, r: _num(r.get("cout_investissement_eur")), FORMAT_EUROS, largeur=14),
    Colonne("Fonctionnement annuel", "Coût de fonctionnement déclaré, par an (€).",
            lambda e, r: _num(r.get("cout_fonctionnement_annuel_eur")), FORMAT_EUROS, largeur=14),
    Colonne("Durée de vie (ans)", "Durée de vie de l'équipement retenue pour la VAN (années).",
            lambda e, r: _num(r.get("duree_vie_ans")), FORMAT_ENTIER, largeur=10),
    Colonne("FEDER", "Montant FEDER du plan de financement (€).", lambda e, r: _num(r.get("feder_eur")),
            FORMAT_EUROS, largeur=14),
    Colonne("Cofinancements", "Somme des cofinancements déclarés (€).",
            lambda e, r: _num(r.get("cofinancements_eur")), FORMAT_EUROS, largeur=14),
    Colonne("Taux FEDER", "FEDER / (FEDER + cofinancements).", _taux_feder, FORMAT_POURCENTAGE, largeur=10),
    Colonne("Année d'engagement FEDER", "Année d'engagement retenue pour l'enveloppe : déclarée, sinon début de "
            "l'expérimentation.", _annee, FORMAT_ANNEE, largeur=11),
    Colonne("Économie annuelle", "Économie valorisée en euros, par an (vide : pas de valeur sourcée).",
            lambda e, r: _num(_eco(r).get("economie_annuelle_eur")), FORMAT_EUROS, largeur=14),
    Colonne("Coût par unité évitée", "Coût complet par unité évitée, dans l'unité de la colonne suivante.",
            lambda e, r: _num(_eco(r).get("cout_par_unite")), _format_cout_unite, largeur=14),
    Colonne("Unité du coût", "Unité du coût par unité évitée.", lambda e, r: _eco(r).get("unite_cout"), largeur=10),
    Colonne("VAN financière", "Valeur actuelle nette financière sur la durée de vie, au taux public (€).",
            lambda e, r: _num(_eco(r).get("van_eur")), FORMAT_EUROS, largeur=14),
    Colonne("VAN financière : IC 95\u00a0% bas", "Borne basse de l'intervalle à 95\u00a0% de la VAN financière (Monte-Carlo).",
            lambda e, r: _mc(r, "van_ic95_eur", 0), FORMAT_EUROS, largeur=14),
    Colonne("VAN financière : IC 95\u00a0% haut", "Borne haute de l'intervalle à 95\u00a0% de la VAN financière (Monte-Carlo).",
            lambda e, r: _mc(r, "van_ic95_eur", 1), FORMAT_EUROS, largeur=14),
    Colonne("Probabilité VAN financière > 0", "Part des tirages de Monte-Carlo où la VAN financière est positive.",
            lambda e, r: _num((_eco(r).get("monte_carlo") or {}).get("probabilite_van_positive")),
            FORMAT_POURCENTAGE, largeur=12),
    Colonne("VAN socio-économique", "VAN financière plus la valeur carbone des émissions évitées (€) : "
            "c'est elle qui décide du critère d'efficience.",
            lambda e, r: _num(_eco(r).get("van_socio_eur")), FORMAT_EUROS, largeur=14),
    Colonne("VAN socio-économique : IC 95\u00a0% bas", "Borne basse de l'intervalle à 95\u00a0% de la VAN socio-économique.",
            lambda e, r: _mc(r, "van_socio_ic95_eur", 0), FORMAT_EUROS, largeur=14),
    Colonne("VAN socio-économique : IC 95\u00a0% haut", "Borne haute de l'intervalle à 95\u00a0% de la VAN socio-économique.",
            lambda e, r: _mc(r, "van_socio_ic95_eur", 1), FORMAT_EUROS, largeur=14),
    Colonne("VAN pour la collectivité", "VAN vue de la collectivité, FEDER compté comme une recette (€).",
            lambda e, r: _num(_eco(r).get("van_collectivite_eur")), FORMAT_EUROS, largeur=14),
    Colonne("Temps de retour actualisé (ans)", "Années pour que les économies actualisées couvrent les coûts.",
            lambda e, r: _num(_eco(r).get("delai_retour_actualise_ans")), "0.0", largeur=12),
    Colonne("CO₂ évité (tCO₂e/an)", "Émissions évitées par an, en tonnes équivalent CO₂.",
            lambda e, r: _num(_eco(r).get("tco2e_evitees_an")), "#,##0.0", largeur=12),
    Colonne("Début de l'expérimentation", "Premier jour de la période d'expérimentation.",
            lambda e, r: _date((r.get("periode_experimentation") or [None])[0]), FORMAT_DATE, largeur=12),
    Colonne("Fin de l'expérimentation", "Dernier jour prévu de la période d'expérimentation.",
            lambda e, r: _date((r.get("periode_experimentation") or [None, None])[-1]), FORMAT_DATE, largeur=12),
    Colonne("Fin étudiée", "Dernier jour étudié : la fin de l'expérimentation si elle est terminée, sinon le "
            "dernier jour mesuré.", lambda e, r: _date(r.get("fin_etudiee")), FORMAT_DATE, largeur=12),
    Colonne("Expérimentation terminée", "Non : l'expérimentation court encore, conclusions provisoires.",
            lambda e, r: _oui_non(r.get("experimentation_terminee")), largeur=12),
    Colonne("Données simulées", "Oui : exemple fictif fabriqué pour montrer et tester l'outil ; ses chiffres ne "
            "décrivent aucune expérimentation réelle.", lambda e, r: _oui_non(r.get("donnees_simulees")), largeur=11),
    Colonne("Rapport", "Rapport HTML du pilote (lien relatif, dans le même dossier que ce classeur).",
            lambda e, r: _lien(r.get("rapport")), largeur=20),
    Colonne("Message", "Pour un pilote en échec : le message d'erreur de la construction (le détail est dans "
            "journaux/<identifiant>.log).", lambda e, r: e.get("message") if e.get("statut") != "reussi" else None,
            largeur=60, identite=True),
]


def _codes_feder_presents(etats: list[dict]) -> list[str]:
    from ..feder import CATALOGUE

    presents = {i.get("code") for e in etats for i in ((e.get("resultats") or {}).get("indicateurs_feder") or [])}
    return [c for c in CATALOGUE if c in presents]


def _colonne_feder(code: str) -> Colonne:
    from ..feder import CATALOGUE

    libelle, unite = CATALOGUE[code]

    def valeur(e, r):
        for i in r.get("indicateurs_feder") or []:
            if i.get("code") == code:
                return _num(i.get("valeur"))
        return None

    def fmt(e, r):
        return _format_mesure([valeur(e, r)])

    return Colonne(f"{code} {libelle} ({unite})",
                   f"Indicateur commun du FEDER {code} : {libelle}, en {unite} (comment il est obtenu : feuille "
                   "« Indicateurs FEDER »).", valeur, fmt, largeur=16)


# --------------------------------------------------------------------------------------------
# Le classeur
# --------------------------------------------------------------------------------------------


def _style_entetes(ws, n_colonnes: int) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for cell in ws[1][:n_colonnes]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F1F3F7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = 62


def _feuille_tableau(ws, colonnes: list[Colonne], etats: list[dict], figer: str = "C2") -> None:
    """Une feuille « une ligne par pilote » : en-têtes figés, largeurs, formats, filtre automatique."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    _ajouter(ws, [c.entete for c in colonnes])
    for e in etats:
        r = (e.get("resultats") or {}) if e.get("statut") == "reussi" else {}
        ligne = []
        for c in colonnes:
            ligne.append(c.valeur(e, r) if (r or c.identite) else None)
        _ajouter(ws, ligne)
        n = ws.max_row
        for j, c in enumerate(colonnes, start=1):
            cell = ws.cell(row=n, column=j)
            if cell.value is None:
                continue
            fmt = c.format(e, r) if callable(c.format) else c.format
            if fmt:
                cell.number_format = fmt
            if c.entete == "Rapport":
                cell.hyperlink = str(cell.value)
                cell.font = Font(color="1D4F91", underline="single")
            if c.largeur >= 40:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for j, c in enumerate(colonnes, start=1):
        ws.column_dimensions[get_column_letter(j)].width = c.largeur
    _style_entetes(ws, len(colonnes))
    ws.freeze_panes = figer
    ws.auto_filter.ref = f"A1:{get_column_letter(len(colonnes))}{ws.max_row}"


def _nom_feuille(texte: str, pris: set[str]) -> str:
    nom = re.sub(r"[\[\]:*?/\\]", " ", texte).strip()[:31]
    base, i = nom, 2
    while nom.lower() in pris:
        nom = f"{base[:28]} {i}"
        i += 1
    pris.add(nom.lower())
    return nom


STATUT_CRITERE = {True: "Oui", False: "Non", None: "Non évalué"}


def _colonnes_domaine(domaine: str, etats: list[dict]) -> list[Colonne]:
    """Les colonnes de la feuille d'un domaine : effets dans l'unité du domaine, critères de la grille."""
    from ..domaines import registre

    garder = ("Identifiant", "Pilote", "Verdict", "Règle de la grille", "Indicateur", "Unité", "Effet",
              "Effet : IC 95\u00a0% bas", "Effet : IC 95\u00a0% haut", "Effet relatif", "Niveau de preuve",
              "Coût par unité évitée", "Unité du coût", "VAN socio-économique", "Données simulées")
    par_entete = {c.entete: c for c in COLONNES_PILOTES}
    colonnes = [par_entete[h] for h in garder]
    d = registre().get(domaine)
    codes = [c for c in _codes_feder_presents(etats) if d is None or c in d.codes_feder]
    colonnes += [_colonne_feder(c) for c in codes]
    criteres: dict[str, str] = {}
    for e in etats:
        for c in (e.get("resultats") or {}).get("criteres") or []:
            criteres.setdefault(c.get("nom"), c.get("libelle") or c.get("nom"))
    for nom, libelle in criteres.items():
        def valeur(e, r, nom=nom):
            for c in r.get("criteres") or []:
                if c.get("nom") == nom:
                    return "Sans objet" if c.get("sans_objet") else STATUT_CRITERE.get(c.get("tenu"), "Non évalué")
            return None

        colonnes.append(Colonne(f"Critère : {libelle}", f"Critère « {libelle} » de la grille : Oui, Non, "
                                "Non évalué ou Sans objet (docs/recommandation.md).", valeur, largeur=14))
    for statut, mot in (("echec", "en échec"), ("attention", "à surveiller")):
        colonnes.append(Colonne(
            f"Vérifications {mot}", f"Nombre de vérifications des hypothèses de la méthode {mot}.",
            lambda e, r, statut=statut: sum(1 for v in r.get("verifications") or [] if v.get("statut") == statut),
            FORMAT_ENTIER, largeur=12))
    return colonnes


def _feuille_feder(ws, etats: list[dict]) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    entetes = [("Identifiant", 34), ("Pilote", 40), ("Code", 9), ("Indicateur commun", 50), ("Valeur", 14),
               ("Unité", 14), ("Comment la valeur est obtenue", 80)]
    _ajouter(ws, [h for h, _ in entetes])
    for e in etats:
        r = e.get("resultats") or {}
        if e.get("statut") != "reussi":
            continue
        for i in r.get("indicateurs_feder") or []:
            v = _num(i.get("valeur"))
            _ajouter(ws, [e.get("identifiant"), r.get("titre"), i.get("code"), i.get("libelle"), v,
                       i.get("unite"), i.get("note")])
            if v is not None:
                ws.cell(row=ws.max_row, column=5).number_format = _format_mesure([v])
            ws.cell(row=ws.max_row, column=7).alignment = Alignment(wrap_text=True, vertical="top")
    for j, (_, largeur) in enumerate(entetes, start=1):
        ws.column_dimensions[get_column_letter(j)].width = largeur
    _style_entetes(ws, len(entetes))
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(entetes))}{ws.max_row}"


def _feuille_enveloppe(ws, etats: list[dict]) -> None:
    """FEDER engagé par domaine et par année face à l'enveloppe (mêmes chiffres que la page d'accueil)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from .index import charger_portefeuille, libelle_domaine, tableau_enveloppe

    portefeuille = charger_portefeuille()
    t = tableau_enveloppe(etats, portefeuille)
    annees = t["annees"]
    _ajouter(ws, ["Domaine", *annees, "Total"])
    for d in t["domaines"]:
        valeurs = [t["montants"][d][a] for a in annees]
        _ajouter(ws, [libelle_domaine(d, d), *valeurs, sum(valeurs)])
    _ajouter(ws, ["Total", *(sum(t["montants"][d][a] for d in t["domaines"]) for a in annees),
               t["total"] - t["hors_periode"]])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for ligne in ws.iter_rows(min_row=2, min_col=2):
        for cell in ligne:
            cell.number_format = FORMAT_EUROS
    ws.append([])
    resume = [
        (f"Enveloppe FEDER {annees[0]}-{annees[-1]}", portefeuille["montant_eur"], FORMAT_EUROS),
        ("Engagé par les pilotes évalués", t["total"], FORMAT_EUROS),
        ("Part de l'enveloppe engagée", t["total"] / portefeuille["montant_eur"], FORMAT_POURCENTAGE),
        ("Reste à engager", t["reste"], FORMAT_EUROS),
        (f"Engagé hors de la période {annees[0]}-{annees[-1]} (absent du tableau par année)",
         t["hors_periode"], FORMAT_EUROS),
    ]
    for libelle, valeur, fmt in resume:
        _ajouter(ws, [libelle, valeur])
        ws.cell(row=ws.max_row, column=2).number_format = fmt
    ws.append([])
    _ajouter(ws, ["Source de l'enveloppe : " + portefeuille["source"]
               + (" (montant à confirmer)" if portefeuille["a_confirmer"] else "")])
    _ajouter(ws, ["Année d'engagement d'un pilote : déclarée dans son dossier, sinon début de son expérimentation. "
               "Pilotes en échec non comptés."])
    ws.column_dimensions["A"].width = 44
    for j in range(2, len(annees) + 3):
        ws.column_dimensions[get_column_letter(j)].width = 14
    _style_entetes(ws, len(annees) + 2)
    ws.row_dimensions[1].height = 20
    ws.freeze_panes = "B2"


def _feuille_a_lire(ws, etats: list[dict], feuilles: list[tuple[str, list[Colonne]]], source: Path) -> None:
    from openpyxl.styles import Alignment, Font

    from .. import __version__
    from ..provenance import version_du_code

    from ..francais import compte

    n_simules = sum(1 for e in etats if (e.get("resultats") or {}).get("donnees_simulees"))
    n_echecs = sum(1 for e in etats if e.get("statut") != "reussi")
    grilles = sorted({(e.get("resultats") or {}).get("version_grille") for e in etats} - {None})
    try:
        construit = datetime.fromtimestamp((source / "index.json").stat().st_mtime)
    except OSError:
        construit = None
    lignes = [
        ("Classeur", "Portefeuille des expérimentations « tube à essai » (Région Hauts-de-France, FEDER)."),
        ("Source", f"Résultats publiés par la construction des rapports : {source.name}/index.json et "
                   f"{source.name}/<identifiant>.json ; rien n'y est recalculé."),
        ("Résultats construits le", construit),
        ("Classeur écrit le", datetime.now().replace(microsecond=0)),
        ("Version", f"Éprouvette {__version__}, code {version_du_code()}"),
        ("Grille de recommandation", ", ".join(f"version {v}" for v in grilles) or "—"),
        ("Pilotes", f"{compte(len(etats), 'pilote')}, dont {n_echecs} en échec de construction (verdict "
                    "« Échec de construction », message dans la colonne Message)."),
        ("Données simulées", (f"{compte(n_simules, 'pilote')} sur {len(etats)} "
                              f"{'est un exemple fictif' if n_simules == 1 else 'sont des exemples fictifs'} "
                              "(colonne « Données simulées ») : leurs chiffres ne décrivent aucune "
                              "expérimentation réelle.") if n_simules else "Aucun pilote simulé."),
        ("Formats", "Montants en euros, pourcentages, dates et nombres sont de vrais nombres (les formats "
                    "n'en changent que l'affichage) ; une cellule vide : valeur absente ou non évaluée."),
        ("Graphiques", "Les graphiques de chaque rapport, en PNG à la taille d'une diapositive : "
                       "figures/<identifiant>/ (make figures)."),
    ]
    _ajouter(ws, ["À lire", ""])
    ws["A1"].font = Font(bold=True, size=14)
    for libelle, valeur in lignes:
        _ajouter(ws, [libelle, valeur])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        cell = ws.cell(row=ws.max_row, column=2)
        if isinstance(valeur, datetime):
            cell.number_format = "dd/mm/yyyy hh:mm"
            cell.alignment = Alignment(horizontal="left")
        else:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.append([])
    _ajouter(ws, ["Feuille", "Colonne", "Sens"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for nom, colonnes in feuilles:
        for c in colonnes:
            _ajouter(ws, [nom, c.entete, c.sens])
            ws.cell(row=ws.max_row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
            ws.cell(row=ws.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 90


def _ajouter(ws, valeurs) -> None:
    """Ajoute une ligne. Un texte reste du texte : « =… » n'est jamais une formule (un titre de pilote
    n'est pas une donnée de confiance) ; les caractères de contrôle, interdits en XML, sont retirés."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    valeurs = [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in valeurs]
    ws.append(valeurs)
    for cell in ws[ws.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def construire_classeur(etats: list[dict], source: Path | None = None):
    """Le classeur du portefeuille (``openpyxl.Workbook``) à partir des états de ``index.json``."""
    from openpyxl import Workbook

    from .index import _rang_domaine

    source = Path(source) if source else config.RAPPORTS
    etats = sorted(etats, key=lambda e: str(e.get("identifiant", "")))
    wb = Workbook()
    ws = wb.active
    ws.title = "Pilotes"
    colonnes = list(COLONNES_PILOTES)
    i = next(j for j, c in enumerate(colonnes) if c.entete == "Début de l'expérimentation")
    colonnes[i:i] = [_colonne_feder(c) for c in _codes_feder_presents(etats)]
    _feuille_tableau(ws, colonnes, etats)
    feuilles = [("Pilotes", colonnes)]
    pris = {"pilotes", "indicateurs feder", "enveloppe", "à lire"}
    reussis = [e for e in etats if e.get("statut") == "reussi"]
    for d in sorted({(e.get("resultats") or {}).get("domaine") for e in reussis} - {None}, key=_rang_domaine):
        du_domaine = [e for e in reussis if (e.get("resultats") or {}).get("domaine") == d]
        nom = _nom_feuille(_domaine({}, {"domaine": d}), pris)
        cols = _colonnes_domaine(d, du_domaine)
        _feuille_tableau(wb.create_sheet(nom), cols, du_domaine)
        feuilles.append((nom, cols))
    _feuille_feder(wb.create_sheet("Indicateurs FEDER"), etats)
    _feuille_enveloppe(wb.create_sheet("Enveloppe"), etats)
    _feuille_a_lire(wb.create_sheet("À lire"), etats, feuilles, source)
    wb.properties.title = "Portefeuille des expérimentations"
    wb.properties.creator = "Éprouvette"
    wb.properties.language = "fr-FR"
    return wb


def ecrire_classeur(dossier: Path | None = None, etats: list[dict] | None = None) -> Path:
    """Écrit ``rapports/portefeuille.xlsx`` (fichier temporaire puis renommage) ; renvoie son chemin."""
    dossier = Path(dossier) if dossier else config.RAPPORTS
    wb = construire_classeur(lire_etats(dossier) if etats is None else etats, dossier)
    tampon = io.BytesIO()
    wb.save(tampon)
    cible = dossier / FICHIER_CLASSEUR
    etat_mod.ecrire_atomique(cible, tampon.getvalue())
    return cible


def apres_index(sortie=None) -> None:
    """Appelé par le lanceur après la page d'accueil : réécrit le classeur s'il est absent ou plus
    ancien que ``index.json``. Un échec n'arrête pas la construction : il est dit en français, et
    l'ancien classeur est retiré (ses chiffres seraient périmés)."""
    sortie = sortie or sys.stderr
    dossier = config.RAPPORTS
    cible, index = dossier / FICHIER_CLASSEUR, dossier / "index.json"
    try:
        if cible.exists() and index.exists() and cible.stat().st_mtime_ns >= index.stat().st_mtime_ns:
            return
        etats = lire_etats(dossier)
        retirer_figures_perimees(dossier, etats)
        ecrire_classeur(dossier, etats)
    except Exception as e:  # l'export ne doit jamais faire échouer la construction des rapports
        cible.unlink(missing_ok=True)
        print(f"Attention : le classeur {_court(cible)} n'a pas pu être écrit ({type(e).__name__} : {e}). "
              "Les rapports sont construits ; relancez `make exports` une fois le problème corrigé.",
              file=sortie, flush=True)


def _court(chemin: Path) -> str:
    try:
        return str(chemin.resolve().relative_to(config.RACINE.resolve()))
    except ValueError:
        return str(chemin)


# --------------------------------------------------------------------------------------------
# Les graphiques en PNG
# --------------------------------------------------------------------------------------------


class ChromiumAbsent(ErreurExport):
    pass


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ß": "ss"})


def nom_fichier(rang: int, titre: str, longueur: int = 80) -> str:
    """``01-consommation-mensuelle.png`` : rang sur deux chiffres, titre sans accents ni ponctuation."""
    texte = (titre or "").translate(_LIGATURES)
    texte = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode("ascii").lower()
    texte = re.sub(r"[^a-z0-9]+", "-", texte).strip("-")
    if len(texte) > longueur:
        texte = texte[:longueur].rsplit("-", 1)[0]
    return f"{rang:02d}-{texte or 'graphique'}.png"


_JS_FIGURES = r"""
async ({largeur, hauteur, echelle, simule}) => {
  const titres = Array.from(document.querySelectorAll('h2, h3'));
  const gds = Array.from(document.querySelectorAll('.plotly-graph-div'));
  const sorties = [];
  for (const gd of gds) {
    // Le titre d'un graphique est le dernier titre (h2, h3) qui le précède dans la page.
    let titre = '';
    for (const h of titres) {
      if (h.compareDocumentPosition(gd) & Node.DOCUMENT_POSITION_FOLLOWING) titre = h.textContent.trim();
    }
    // Titre coupé en lignes qui laissent la place de l'étiquette « Données simulées » (18 px : ~0,56 em par signe).
    const parLigne = Math.max(30, Math.floor((largeur - (simule ? 200 : 40)) / (18 * 0.56)));
    const lignes = [];
    for (const mot of titre.split(/\s+/)) {
      const l = lignes.length - 1;
      if (l >= 0 && (lignes[l] + ' ' + mot).length <= parLigne) lignes[l] += ' ' + mot;
      else lignes.push(mot);
    }
    const texte = lignes.map((l) => l.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')).join('<br>');
    const layout = structuredClone(gd.layout || {});
    layout.title = {text: texte, x: 16 / largeur, xanchor: 'left', xref: 'container', yref: 'container',
                    // plotly.js place la première ligne d'un titre de plusieurs lignes au-dessus du point d'ancrage
                    y: 1 - (10 + 24 * (lignes.length - 1)) / hauteur,
                    yanchor: 'top', font: {size: 18}};
    const haut = 30 + 24 * lignes.length + 26;
    layout.margin = Object.assign({}, layout.margin || {}, {t: Math.max(haut, ((layout.margin || {}).t || 0) + 24 * lignes.length)});
    if (simule) {
      layout.annotations = (layout.annotations || []).concat([{
        text: 'Données simulées', xref: 'paper', yref: 'paper', x: 1, y: 1, xanchor: 'right',
        yanchor: 'bottom', yshift: 28, showarrow: false, font: {size: 13, color: '#7a4b00'},
        bgcolor: '#fdf1dc', bordercolor: '#7a4b00', borderwidth: 1, borderpad: 3}]);
    }
    const config = {locale: (gd._context || {}).locale || 'fr'};
    const url = await window.Plotly.toImage({data: gd.data, layout, config},
      {format: 'png', width: largeur, height: hauteur, scale: echelle});
    sorties.push({titre, png: url.slice(url.indexOf(',') + 1)});
  }
  return sorties;
}
"""


#: Témoin d'un dossier de PNG : l'empreinte du rapport dessiné et la taille des images.
TEMOIN = ".rapport.json"


#: À augmenter quand le dessin ou le nom des PNG change : les dossiers existants seront redessinés.
VERSION_DESSIN = 2


def _empreinte(chemin: Path, largeur: int, hauteur: int, echelle: float) -> dict:
    return {"rapport": hashlib.sha256(chemin.read_bytes()).hexdigest(), "taille": [largeur, hauteur, echelle],
            "dessin": VERSION_DESSIN}


def _temoin(dossier_png: Path) -> dict | None:
    try:
        return json.loads((dossier_png / TEMOIN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def retirer_figures_perimees(dossier: Path, etats: list[dict]) -> None:
    """Retire les PNG d'un pilote disparu, en échec, ou dont le rapport a changé depuis leur dessin :
    aucune image périmée ne reste à côté des rapports (``make figures`` les redessine)."""
    racine = dossier / DOSSIER_FIGURES
    if not racine.is_dir():
        return
    reussis = {str(e.get("identifiant")): e for e in etats if e.get("statut") == "reussi"}
    for d in racine.iterdir():
        if not d.is_dir() or d.name.startswith("."):
            continue
        e = reussis.get(d.name)
        html = dossier / ((e.get("resultats") or {}).get("rapport") or f"{d.name}.html") if e else None
        temoin = _temoin(d)
        try:
            a_jour = (html is not None and html.is_file() and temoin is not None
                      and temoin.get("rapport") == hashlib.sha256(html.read_bytes()).hexdigest())
        except OSError:
            a_jour = False
        if not a_jour:
            shutil.rmtree(d, ignore_errors=True)


def rapports_a_dessiner(dossier: Path, identifiants: list[str] | None = None) -> list[tuple[str, Path, bool]]:
    """(identifiant, rapport HTML, données simulées) des pilotes réussis de ``index.json``."""
    inconnus = set(identifiants or ())
    sortie, connus = [], []
    for e in lire_etats(dossier):
        ident = str(e.get("identifiant"))
        inconnus.discard(ident)
        connus.append(ident)
        if identifiants and ident not in identifiants:
            continue
        r = e.get("resultats") or {}
        html = dossier / (r.get("rapport") or f"{ident}.html")
        if e.get("statut") == "reussi" and html.is_file():
            sortie.append((ident, html, bool(r.get("donnees_simulees"))))
    if inconnus:
        from ..francais import accord

        raise ErreurExport(f"{accord(len(inconnus), 'pilote inconnu', 'pilotes inconnus')} dans "
                           f"{dossier.name}/index.json : {', '.join(sorted(inconnus))} ; pilotes connus : "
                           f"{', '.join(connus) or 'aucun'}.")
    return sortie


def _remplacer_dossier(tmp: Path, cible: Path) -> None:
    """Met ``tmp`` à la place de ``cible`` : on voit l'ancien jeu de PNG ou le nouveau, jamais un mélange."""
    ancien = None
    if cible.exists():
        ancien = cible.with_name(f".{cible.name}.{os.getpid()}.ancien")
        os.replace(cible, ancien)
    os.replace(tmp, cible)
    if ancien is not None:
        shutil.rmtree(ancien, ignore_errors=True)


def _retirer_restes(racine: Path) -> None:
    """Les dossiers temporaires (``.<id>.<pid>.…``) d'un dessin interrompu dont le processus n'existe plus."""
    from .executer import _processus_vivant

    if not racine.is_dir():
        return
    for d in racine.iterdir():
        morceaux = d.name.split(".")
        if d.is_dir() and d.name.startswith(".") and len(morceaux) >= 3 and morceaux[2].isdigit() \
                and not _processus_vivant(int(morceaux[2])):
            shutil.rmtree(d, ignore_errors=True)


def exporter_figures(dossier: Path | None = None, identifiants: list[str] | None = None, forcer: bool = False,
                     largeur: int = LARGEUR_PNG, hauteur: int = HAUTEUR_PNG, echelle: float = ECHELLE_PNG,
                     sortie=None) -> dict[str, list[Path]]:
    """Écrit les PNG de chaque graphique de chaque rapport ; renvoie identifiant -> PNG écrits.

    Un rapport dont les PNG sont à jour (même rapport, même taille) n'est pas rouvert. Lève
    :class:`ChromiumAbsent` sans Chromium."""
    from .pdf import ARGUMENTS_CHROMIUM, CHROMIUM

    sortie = sortie or sys.stdout
    dossier = Path(dossier) if dossier else config.RAPPORTS
    a_faire = rapports_a_dessiner(dossier, identifiants)
    retirer_figures_perimees(dossier, lire_etats(dossier))
    racine = dossier / DOSSIER_FIGURES
    _retirer_restes(racine)
    travaux = []
    for ident, html, simule in a_faire:
        empreinte = _empreinte(html, largeur, hauteur, echelle)
        if not forcer and _temoin(racine / ident) == empreinte:
            continue
        travaux.append((ident, html, simule, empreinte))
    if not travaux:
        print("Tous les PNG des graphiques sont à jour.", file=sortie)
        return {}
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        raise ChromiumAbsent(
            f"Chromium est introuvable ({CHROMIUM}) : il dessine les PNG des graphiques. Installez-le avec "
            "`sudo make navigateur` (paquet Debian chromium) ou indiquez son chemin dans la variable "
            "EPROUVETTE_CHROMIUM. Le classeur, lui, ne demande pas Chromium.")
    from playwright.sync_api import sync_playwright

    ecrits: dict[str, list[Path]] = {}
    racine.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGUMENTS_CHROMIUM)
        try:
            contexte = navigateur.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
            page = contexte.new_page()
            # Un rapport est autonome : toute requête vers le réseau est refusée.
            page.route("**/*", lambda route: route.abort()
                       if route.request.url.startswith(("http:", "https:")) else route.continue_())
            for ident, html, simule, empreinte in travaux:
                debut = time.perf_counter()
                page.goto(html.resolve().as_uri(), wait_until="load")
                page.wait_for_function(
                    "() => window.Plotly && window.Plotly.toImage && Array.from("
                    "document.querySelectorAll('.plotly-graph-div')).every(gd => gd.querySelector('.main-svg'))",
                    timeout=60_000)
                images = page.evaluate(_JS_FIGURES, {"largeur": largeur, "hauteur": hauteur,
                                                     "echelle": echelle, "simule": simule})
                tmp = Path(tempfile.mkdtemp(prefix=f".{ident}.{os.getpid()}.", dir=racine))
                try:
                    noms = []
                    for rang, image in enumerate(images, start=1):
                        nom = nom_fichier(rang, image["titre"])
                        (tmp / nom).write_bytes(base64.b64decode(image["png"]))
                        noms.append(nom)
                    (tmp / TEMOIN).write_text(json.dumps(empreinte), encoding="utf-8")
                    os.chmod(tmp, 0o755)
                    _remplacer_dossier(tmp, racine / ident)
                except BaseException:
                    shutil.rmtree(tmp, ignore_errors=True)
                    raise
                ecrits[ident] = [racine / ident / n for n in noms]
                print(f"{DOSSIER_FIGURES}/{ident}/ : {len(noms)} PNG ({time.perf_counter() - debut:.1f} s)",
                      file=sortie, flush=True)
        finally:
            navigateur.close()
    return ecrits


# --------------------------------------------------------------------------------------------
# La commande
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None, prog: str = "python -m eprouvette exporter") -> int:
    from ..cli import Analyseur, ajouter_version

    parser = Analyseur(
        prog=prog,
        description="Exports pour les collègues : rapports/portefeuille.xlsx (classeur du portefeuille) et "
                    "rapports/figures/<identifiant>/*.png (chaque graphique à la taille d'une diapositive).",
    )
    parser.add_argument("pilotes", nargs="*", help="identifiants des pilotes dont dessiner les graphiques "
                                                    "(par défaut : tous)")
    quoi = parser.add_mutually_exclusive_group()
    quoi.add_argument("--classeur", action="store_true", help="le classeur seulement")
    quoi.add_argument("--figures", action="store_true", help="les PNG seulement (demande Chromium)")
    parser.add_argument("--force", action="store_true", help="redessine même les PNG à jour")
    parser.add_argument("--largeur", type=int, default=LARGEUR_PNG, help="largeur de mise en page (pixels CSS)")
    parser.add_argument("--hauteur", type=int, default=HAUTEUR_PNG, help="hauteur de mise en page (pixels CSS)")
    parser.add_argument("--echelle", type=float, default=ECHELLE_PNG, help="agrandissement de l'image")
    ajouter_version(parser)
    args = parser.parse_args(argv)
    dossier = config.RAPPORTS
    try:
        if not args.figures:
            debut = time.perf_counter()
            cible = ecrire_classeur(dossier)
            print(f"{_court(cible)} écrit ({time.perf_counter() - debut:.1f} s).", flush=True)
        if not args.classeur:
            exporter_figures(dossier, args.pilotes or None, forcer=args.force,
                             largeur=args.largeur, hauteur=args.hauteur, echelle=args.echelle)
            print(f"Graphiques : {_court(dossier / DOSSIER_FIGURES)}/<identifiant>/", flush=True)
    except ErreurExport as e:
        print(f"Erreur : {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
