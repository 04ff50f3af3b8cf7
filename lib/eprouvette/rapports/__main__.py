"""`python -m eprouvette.rapports` : construit tous les rapports (c'est ce que lance `make rapports`)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eprouvette.rapports",
        description="Construit un rapport HTML par pilote de donnees/pilotes/ et la page rapports/index.html.",
    )
    parser.add_argument("pilotes", nargs="*", help="identifiants des pilotes à construire (par défaut : tous)")
    parser.add_argument("--tout", action="store_true", help="reconstruit même ce qui est à jour")
    parser.add_argument("--travailleurs", type=int, default=None, help="nombre de processus (par défaut : un par cœur)")
    parser.add_argument("--dossier-pilotes", type=Path, default=None, help="dossier des pilotes (par défaut : donnees/pilotes)")
    parser.add_argument("--dask", metavar="ADRESSE", default=os.environ.get("EPROUVETTE_DASK"),
                        help="adresse de l'ordonnanceur d'une grappe Dask existante (tcp://machine:8786) ; "
                             "par défaut, un processus par cœur de cette machine")
    args = parser.parse_args(argv)

    from .executer import construire_tout

    return construire_tout(
        pilotes=args.dossier_pilotes,
        forcer=args.tout,
        travailleurs=args.travailleurs,
        selection=args.pilotes or None,
        adresse_dask=args.dask,
    )


if __name__ == "__main__":
    sys.exit(main())
