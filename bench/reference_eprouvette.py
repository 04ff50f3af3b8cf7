"""Partie 4 du banc : la référence énergétique d'Éprouvette sur les échantillons d'OpenEEmeter.

Lit ce qu'écrit ``bench/openeemeter.py`` :

- ``DOSSIER/journalier.csv`` : un compteur par ``id``, consommation journalière, température
  moyenne du jour (°F), période ``reference`` / ``rapport`` ; ce sont exactement les jours
  qu'OpenEEmeter a utilisés pour s'ajuster et ceux qu'il a prédits ;
- ``DOSSIER/horaire.csv`` : la température horaire (°F, heure locale), la même que celle donnée
  à OpenEEmeter.

Convertit les températures en °C et ajuste la référence IPMVP C d'Éprouvette compteur par
compteur, de deux façons : degrés-jours tirés de la température moyenne du jour (``moyenne``,
l'information qu'utilise le modèle journalier d'OpenEEmeter) et degrés-heures tirés de la
température horaire (``horaire``, la méthode par défaut quand on dispose de la température
horaire), et une troisième variante, ``tn_tx``, nourrie seulement des minimales et maximales du
jour civil (TN, TX, ce que donne un fichier quotidien de Météo-France, ici tirées de la température
horaire), d'où Éprouvette reconstitue un profil horaire (``methode_dju="profil"``). L'économie d'un compteur est ``1 - Σ observé / Σ prédit`` sur les jours de rapport,
la même définition que côté OpenEEmeter ; celle du portefeuille est la somme des économies sur
la somme des contrefactuels. Imprime du JSON (la variante ``horaire`` en tête, ``moyenne`` et
``tn_tx`` dans ``variantes``).
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


def _f_vers_c(x):
    return (x - 32.0) * 5.0 / 9.0


def tn_tx_journalieres(horaire: pd.Series) -> pd.DataFrame:
    """Minimale et maximale de chaque jour civil local, tirées de la température horaire.

    C'est ce que donnerait un fichier quotidien (TN, TX) : la variante ``tn_tx`` n'utilise rien
    d'autre (ni la moyenne du jour, ni les heures).
    """
    jour = pd.DatetimeIndex(horaire.index).normalize()
    g = horaire.groupby(jour)
    return pd.DataFrame({"date": g.min().index, "temperature_min": g.min().to_numpy(),
                         "temperature_max": g.max().to_numpy()})


def ajuster(df: pd.DataFrame, horaire: pd.Series | None, tn_tx: pd.DataFrame | None = None) -> dict:
    economies, contrefactuels, echecs, details = [], [], 0, {}
    t0 = time.perf_counter()
    for ident, d in df.groupby("id", sort=True):
        ref = d[d["periode"] == "reference"]
        rap = d[d["periode"] == "rapport"]
        if tn_tx is not None:
            meteo = tn_tx.loc[tn_tx["date"].isin(d["date"])]
            options = {"methode_dju": "profil"}
        else:
            meteo = pd.DataFrame({"date": d["date"], "temperature_min": d["temperature_c"],
                                  "temperature_max": d["temperature_c"], "temperature_moyenne": d["temperature_c"]})
            options = {"temperatures_horaires": horaire}
        conso = d.set_index("date")["observe"]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = reference_energetique(conso, meteo, (ref["date"].min(), ref["date"].max()),
                                          (rap["date"].min(), rap["date"].max()), **options)
        except Exception:
            echecs += 1
            continue
        if r.effet_relatif is None or not np.isfinite(r.effet) or r.effet_relatif == 0:
            echecs += 1
            continue
        contrefactuel = r.effet / r.effet_relatif
        economies.append(-r.effet)
        contrefactuels.append(contrefactuel)
        details[ident] = {
            "economie_pct": round(-100 * r.effet_relatif, 2),
            # Intervalle relatif du résultat (base.intervalle_relatif : borne e -> e / (O - e)).
            "ic95_pct": [round(-100 * r.ic_relatif_haut, 2), round(-100 * r.ic_relatif_bas, 2)],
            "jours": {"reference": r.details["jours_reference"], "rapport": r.details["jours_experimentation"]},
            "modele": r.details["modele"],
        }
    duree = time.perf_counter() - t0
    return {
        "economie_pct": 100 * float(np.sum(economies) / np.sum(contrefactuels)),
        "par_echantillon_pct": {k: v["economie_pct"] for k, v in details.items()},
        "ic95_par_echantillon_pct": {k: v["ic95_pct"] for k, v in details.items()},
        "jours": {k: v["jours"] for k, v in details.items()},
        "modeles": {k: v["modele"] for k, v in details.items()},
        "compteurs": int(df["id"].nunique()), "compteurs_ajustes": len(economies), "echecs": echecs,
        "ajustement_s": duree,
    }


def main(dossier: Path) -> None:
    df = pd.read_csv(dossier / "journalier.csv", parse_dates=["date"])
    df["temperature_c"] = _f_vers_c(df["temperature_f"])
    h = pd.read_csv(dossier / "horaire.csv", parse_dates=["instant"]).set_index("instant")["temperature_f"]
    resultat = ajuster(df, _f_vers_c(h))
    resultat["degres_jours"] = "horaire"
    resultat["variantes"] = {"moyenne": ajuster(df, None), "tn_tx": ajuster(df, None, tn_tx_journalieres(_f_vers_c(h)))}
    print(json.dumps(resultat))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
