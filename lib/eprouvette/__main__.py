"""``python -m eprouvette <commande>`` : les commandes de l'analyste, sans ``make`` (Windows compris).

Chaque commande est un module qui expose ``main(argv, prog=None) -> int`` ; l'ajouter est ajouter
une ligne à :data:`COMMANDES` (module importé seulement quand la commande est lancée).
"""

from __future__ import annotations

import importlib
import inspect
import sys

#: nom de la commande -> (module qui expose main(argv), description d'une ligne pour l'aide).
COMMANDES: dict[str, tuple[str, str]] = {
    "rapports": ("eprouvette.rapports.__main__", "construit les rapports HTML des pilotes et rapports/index.html"),
    "verifier": ("eprouvette.verification", "vérifie le dossier d'un pilote sans construire de rapport"),
    "exporter": ("eprouvette.rapports.exports", "classeur du portefeuille (rapports/portefeuille.xlsx) et graphiques en PNG"),
    "nouveau-pilote": ("eprouvette.modele_pilote", "crée le dossier d'un nouveau pilote : fiche à remplir et classeur modèle"),
    "tirer": ("eprouvette.tirage_au_sort", "tire au sort les sites équipés d'un pilote et l'écrit dans son plan.yaml"),
    "portefeuille-genere": ("eprouvette.generateurs.portefeuille",
                            "écrit un portefeuille de pilotes simulés (200 par défaut) dans un dossier temporaire"),
}

PROG = "python -m eprouvette"


def _analyseur():
    from .cli import Analyseur, ajouter_version

    largeur = max(len(n) for n in COMMANDES)
    liste = "\n".join(f"  {nom:<{largeur}}  {aide}" for nom, (_, aide) in COMMANDES.items())
    analyseur = Analyseur(
        prog=PROG,
        usage=f"{PROG} COMMANDE [options]",
        description="Éprouvette : évaluation des expérimentations « tube à essai » des collectivités.",
        epilog=f"commandes :\n{liste}\n\nAide d'une commande : {PROG} COMMANDE --help",
    )
    analyseur.add_argument("commande", metavar="COMMANDE", choices=list(COMMANDES),
                           help="la commande à lancer (voir la liste ci-dessous)")
    ajouter_version(analyseur)
    return analyseur


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        _analyseur().print_help()
        return 0
    if argv[0] not in COMMANDES:
        _analyseur().parse_args(argv[:1])  # aide, version ou commande inconnue (code 2)
        return 2
    module = importlib.import_module(COMMANDES[argv[0]][0])
    lancer = module.main
    if "prog" in inspect.signature(lancer).parameters:
        return int(lancer(argv[1:], prog=f"{PROG} {argv[0]}") or 0)
    return int(lancer(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
