"""``python -m eprouvette rapports`` (ou ``python -m eprouvette.rapports``) : construit les rapports
(c'est ce que lance ``make rapports``)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    from ..cli import Analyseur, PiloteInconnu, ajouter_version, entier_positif

    analyseur = Analyseur(
        prog=prog or "python -m eprouvette rapports",
        description="Construit un rapport HTML par pilote de donnees/pilotes/ et la page rapports/index.html.\n"
                    "Seuls les rapports dont le pilote, le carnet ou la bibliothèque ont changé sont reconstruits.",
    )
    analyseur.add_argument("pilotes", nargs="*", metavar="PILOTE",
                           help="identifiant du pilote à construire ; plusieurs, séparés par des espaces ou des "
                                "virgules (par défaut : tous)")
    analyseur.add_argument("-f", "--force", "--tout", dest="force", action="store_true",
                           help="reconstruit même ce qui est à jour")
    analyseur.add_argument("-j", "--jobs", type=entier_positif, default=None, metavar="N",
                           help="nombre de processus (par défaut : un par cœur)")
    analyseur.add_argument("--travailleurs", dest="jobs", type=entier_positif, help=argparse.SUPPRESS)
    analyseur.add_argument("-q", "--quiet", action="store_true",
                           help="n'affiche que les erreurs et la ligne finale")
    analyseur.add_argument("--dossier-pilotes", type=Path, default=None, metavar="DOSSIER",
                           help="dossier des pilotes (par défaut : donnees/pilotes)")
    analyseur.add_argument("--dask", metavar="ADRESSE", default=os.environ.get("EPROUVETTE_DASK"),
                           help="adresse de l'ordonnanceur d'une grappe Dask existante (tcp://machine:8786), ou "
                                "« local » (« local:N ») pour une grappe Dask lancée sur ce poste le temps de la "
                                "construction ; par défaut, un pool d'un processus par cœur de cette machine")
    ajouter_version(analyseur)
    args = analyseur.parse_args(argv)

    from .executer import construire_tout
    from .executeurs import ErreurExecuteur

    try:
        return construire_tout(
            pilotes=args.dossier_pilotes,
            forcer=args.force,
            travailleurs=args.jobs,
            selection=args.pilotes or None,
            adresse_dask=args.dask,
            silencieux=args.quiet,
        )
    except PiloteInconnu as e:
        analyseur.exit(2, f"{analyseur.prog} : erreur : {e}\n")
    except ErreurExecuteur as e:  # grappe Dask injoignable, paquet absent…
        analyseur.exit(1, f"{analyseur.prog} : erreur : {e}\n")


if __name__ == "__main__":
    sys.exit(main(prog="python -m eprouvette.rapports"))
