"""Mesure de la variance placebo des doubles différences synthétiques sur de petits plans
(docs/methodes.md, section « Doubles différences synthétiques ») : pour chaque plan (sites
équipés, témoins, périodes d'avant et d'après, structure), 200 panels simulés sous effet nul
(graines 0 à 199) ; écrit une ligne JSON par plan : effets et écarts types placebo de chaque
réplication, et les effets des doubles différences simples.

    PYTHONPATH=lib python outils/simulation_dd_synthetiques.py > /tmp/dds.jsonl
"""

from __future__ import annotations

import json
import sys

from eprouvette.methodes._simulation import simuler_panel_facteurs
from eprouvette.methodes.dd_synthetiques import dd_synthetiques, ecart_type_placebo

REPLICATIONS = 200
PLANS = [(n1, j, t0, t1, st)
         for n1 in (1, 2, 3)
         for (t0, t1, st) in ((24, 12, "facteurs"), (52, 26, "tendances"), (24, 12, "tendances"), (52, 26, "facteurs"))
         for j in (4, 6, 8, 10, 13, 16, 20)]


def main(plans=PLANS, replications=REPLICATIONS) -> None:
    for n1, j, t0, t1, st in plans:
        effets, ecarts, dd = [], [], []
        for r in range(replications):
            Y = simuler_panel_facteurs(n1, j, t0, t1, structure=st, periodicite=12 if t0 == 24 else 52, graine=r)
            e = dd_synthetiques(Y, j, t0)
            effets.append(e.effet)
            ecarts.append(ecart_type_placebo(Y, e))
            dd.append(dd_synthetiques(Y, j, t0, variante="doubles_differences").effet)
        print(json.dumps({"n_traites": n1, "n_temoins": j, "n_avant": t0, "n_apres": t1, "structure": st,
                          "effets": effets, "ecarts_types": ecarts, "dd": dd}), flush=True)


if __name__ == "__main__":
    # Sans argument : tous les plans ; « 3 » : les plans à trois sites équipés et vingt témoins seulement.
    if sys.argv[1:] == ["3"]:
        main([(3, 20, 24, 12, "facteurs"), (3, 20, 24, 12, "tendances")])
    else:
        main()
