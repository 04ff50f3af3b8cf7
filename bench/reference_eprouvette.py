"""Partie 4 du banc : la référence énergétique d'Éprouvette sur les échantillons d'OpenEEmeter.

Lit ``DOSSIER/journalier.csv`` écrit par ``bench/openeemeter.py`` (un compteur par ``id``,
consommation journalière, température moyenne en °F, période ``reference`` / ``rapport``),
convertit les températures en °C, ajuste la référence IPMVP C d'Éprouvette compteur par compteur
et imprime en JSON l'économie estimée du portefeuille (somme des économies / somme des
contrefactuels) et le temps d'ajustement.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from eprouvette.methodes.reference_energetique import reference_energetique


def main(dossier: Path) -> None:
    df = pd.read_csv(dossier / "journalier.csv", parse_dates=["date"])
    df["temperature_c"] = (df["temperature_f"] - 32.0) * 5.0 / 9.0
    economies, contrefactuels, echecs, relatifs, details = [], [], 0, [], {}
    t0 = time.perf_counter()
    for ident, d in df.groupby("id", sort=True):
        ref = d[d["periode"] == "reference"]
        rap = d[d["periode"] == "rapport"]
        meteo = pd.DataFrame({"date": d["date"], "temperature_min": d["temperature_c"],
                              "temperature_max": d["temperature_c"], "temperature_moyenne": d["temperature_c"]})
        conso = d.set_index("date")["observe"]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = reference_energetique(conso, meteo, (ref["date"].min(), ref["date"].max()),
                                          (rap["date"].min(), rap["date"].max()))
        except Exception:
            echecs += 1
            continue
        if r.effet_relatif is None or not np.isfinite(r.effet) or r.effet_relatif == 0:
            echecs += 1
            continue
        contrefactuel = r.effet / r.effet_relatif
        economies.append(-r.effet)
        contrefactuels.append(contrefactuel)
        relatifs.append(-100 * r.effet_relatif)
        details[ident] = {"economie_pct": round(-100 * r.effet_relatif, 2),
                          "ic95_pct": [round(-100 * r.ic_haut / contrefactuel, 2), round(-100 * r.ic_bas / contrefactuel, 2)]}
    duree = time.perf_counter() - t0
    print(json.dumps({
        "economie_pct": 100 * float(np.sum(economies) / np.sum(contrefactuels)),
        "par_echantillon_pct": {k: v["economie_pct"] for k, v in details.items()},
        "ic95_par_echantillon_pct": {k: v["ic95_pct"] for k, v in details.items()},
        "compteurs": int(df["id"].nunique()), "compteurs_ajustes": len(economies), "echecs": echecs,
        "ajustement_s": duree,
    }))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
