"""La ligne de commande en français (machinerie) : un ``ArgumentParser`` qui ne dit rien en anglais.

argparse écrit ses propres textes (« usage: », « show this help message and exit »,
« unrecognized arguments », « invalid choice »…) par ``gettext``. :class:`Analyseur` les traduit
pendant qu'il construit l'aide, lit les arguments ou signale une erreur — et seulement pendant ce
temps : les autres utilisateurs d'argparse du même processus ne sont pas touchés. Il ajoute les
suggestions (« vouliez-vous écrire « --force » ? ») et la typographie française (« options : »).

Les sous-commandes de ``python -m eprouvette`` (voir :mod:`eprouvette.__main__`) construisent
leur analyseur avec :class:`Analyseur` et exposent ``main(argv, prog=None) -> int``.
"""

from __future__ import annotations

import argparse
import difflib
import gettext
from contextlib import contextmanager
from pathlib import Path

from .erreurs import chemin_lisible
from .francais import accord

#: Les textes d'argparse (Python 3.11 à 3.14) et leur traduction. Un texte absent de la table
#: passerait en anglais : les tests en sous-processus vérifient l'aide et les erreurs courantes.
TRADUCTIONS = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "optional arguments": "options",
    "show this help message and exit": "affiche cette aide et quitte",
    "show program's version number and exit": "affiche la version et quitte",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "unrecognized arguments: %s": "argument inconnu : %s",
    "the following arguments are required: %s": "argument obligatoire manquant : %s",
    "one of the arguments %s is required": "l'une de ces options est requise : %s",
    "expected one argument": "une valeur est attendue",
    "expected at most one argument": "au plus une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ignored explicit argument %r": "valeur %r inattendue",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (choix possibles : %(choices)s)",
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s) : %(value)r",
    "unexpected option string: %s": "option inattendue : %s",
    "subcommands": "commandes",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
    "%(prog)s: warning: %(message)s\n": "%(prog)s : attention : %(message)s\n",
    "option '%(option)s' is deprecated": "l'option « %(option)s » est dépréciée",
    "argument '%(argument_name)s' is deprecated": "l'argument « %(argument_name)s » est déprécié",
    "command '%(parser_name)s' is deprecated": "la commande « %(parser_name)s » est dépréciée",
    "maybe you meant %(closest)r?": "vouliez-vous écrire %(closest)r ?",
}


def _traduire(texte: str) -> str:
    return TRADUCTIONS.get(texte, gettext.gettext(texte))


def _traduire_pluriel(singulier: str, pluriel: str, n: int) -> str:
    return _traduire(singulier if n == 1 else pluriel)


@contextmanager
def _en_francais():
    """Le temps du bloc, argparse parle français (ses fonctions ``_`` et ``ngettext``)."""
    anciens = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _traduire, _traduire_pluriel
    try:
        yield
    finally:
        argparse._, argparse.ngettext = anciens


class MiseEnForme(argparse.RawDescriptionHelpFormatter):
    """Titres de sections à la française (« options : ») ; la description garde ses retours à la ligne."""

    def start_section(self, heading):
        super().start_section(f"{heading} " if heading else heading)


def _proche(valeur: str, possibles) -> str:
    """« ; vouliez-vous écrire « x » ? » si une valeur possible ressemble à ``valeur``, sinon rien."""
    proches = difflib.get_close_matches(str(valeur), [str(p) for p in possibles], n=1, cutoff=0.6)
    return f" ; vouliez-vous écrire « {proches[0]} » ?" if proches else ""


class Analyseur(argparse.ArgumentParser):
    """``ArgumentParser`` entièrement en français (aide, erreurs), avec suggestions."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", MiseEnForme)
        with _en_francais():
            super().__init__(*args, **kwargs)

    def add_argument(self, *args, **kwargs):
        with _en_francais():
            return super().add_argument(*args, **kwargs)

    def parse_known_args(self, args=None, namespace=None):
        with _en_francais():
            return super().parse_known_args(args, namespace)

    def parse_args(self, args=None, namespace=None):
        with _en_francais():
            lus, restes = self.parse_known_args(args, namespace)
            if restes:
                options = [o for a in self._actions for o in a.option_strings if a.help is not argparse.SUPPRESS]
                suggestion = _proche(restes[0], options) if restes[0].startswith("-") else ""
                self.error(f"{accord(len(restes), 'argument inconnu', 'arguments inconnus')} : "
                           f"{', '.join(f'« {r} »' for r in restes)}{suggestion}")
            return lus

    def format_usage(self):
        with _en_francais():
            return super().format_usage()

    def format_help(self):
        with _en_francais():
            return super().format_help()

    def error(self, message):
        with _en_francais():
            super().error(message)

    def _check_value(self, action, value):
        if action.choices is not None and value not in action.choices:
            possibles = ", ".join(f"« {c} »" for c in action.choices)
            raise argparse.ArgumentError(
                action, f"choix inconnu : « {value} »{_proche(value, action.choices)} "
                        f"(choix possibles : {possibles})")


def entier_positif(texte: str) -> int:
    """Type d'argument : un nombre entier ≥ 1, avec un message en français."""
    try:
        n = int(texte)
    except ValueError:
        raise argparse.ArgumentTypeError(f"nombre entier attendu, reçu « {texte} »") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"nombre entier d'au moins 1 attendu, reçu « {texte} »")
    return n


def ajouter_version(analyseur: argparse.ArgumentParser) -> None:
    """``--version`` : affiche « Éprouvette <version> » et quitte."""
    from . import __version__

    analyseur.add_argument("--version", action="version", version=f"Éprouvette {__version__}",
                           help="affiche la version d'Éprouvette et quitte")


def separer_liste(valeurs: list[str] | None) -> list[str]:
    """Identifiants donnés séparés par des espaces ou des virgules (``a,b c`` → ``[a, b, c]``)."""
    return [v for texte in (valeurs or []) for v in texte.replace(",", " ").split() if v]


# --------------------------------------------------------------------------------------------
# Les pilotes nommés sur la ligne de commande
# --------------------------------------------------------------------------------------------


class PiloteInconnu(ValueError):
    """Un identifiant de pilote demandé n'existe pas ; le message (en français) liste les connus."""


def dossiers_pilotes(racine: Path) -> list[Path]:
    """Tous les sous-dossiers (non cachés) de ``racine`` : chacun est un pilote."""
    if not racine.is_dir():
        return []
    return sorted(p for p in racine.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def choisir_pilotes(demandes: list[str] | None, racine: Path) -> list[Path]:
    """Les dossiers des pilotes ``demandes`` (identifiants de ``racine``), tous si la liste est vide.

    Lève :class:`PiloteInconnu` si un identifiant n'est pas un dossier de ``racine`` : le message
    propose l'identifiant le plus proche et liste ceux qui existent."""
    connus = {d.name: d for d in dossiers_pilotes(racine)}
    demandes = separer_liste(demandes)
    if not demandes:
        return list(connus.values())
    inconnus = [d for d in demandes if d not in connus]
    if inconnus:
        lignes = [f"{accord(len(inconnus), 'pilote inconnu', 'pilotes inconnus')} : "
                  + ", ".join(f"« {i} »" for i in inconnus) + "."]
        for i in inconnus:
            proches = difflib.get_close_matches(i, list(connus), n=1, cutoff=0.6)
            if proches:
                lignes.append(f"Vouliez-vous écrire « {proches[0]} » au lieu de « {i} » ?")
        lieu = chemin_lisible(racine)
        if connus:
            lignes.append(f"Pilotes connus dans {lieu} ({len(connus)}) :")
            lignes += [f"  - {nom}" for nom in connus]
        else:
            lignes.append(f"Aucun pilote dans {lieu}.")
        raise PiloteInconnu("\n".join(lignes))
    return [connus[d] for d in dict.fromkeys(demandes)]
