"""Partie 4 du banc, côté OpenEEmeter (à lancer avec bench/.venv-opendsm/bin/python).

Pour chaque échantillon journalier fourni avec OpenEEmeter (``opendsm.eemeter.samples``, données
simulées dont la consommation de la période de rapport est 10 % plus basse : 10 000 -> 9 000 kWh
par an), ajuste le modèle journalier d'OpenEEmeter (``DailyModel``) sur l'année qui précède la
période neutralisée (*blackout*), prédit la période de rapport (l'année qui la suit) et calcule
l'économie ``1 - Σ observé / Σ prédit`` sur les jours de rapport qu'il a prédits.

Jours et fuseau : les relevés journaliers des échantillons sont des jours civils de Chicago
(``2016-01-01T00:00:00-06:00`` dans le fichier), mais ``load_sample`` les rend étiquetés minuit
UTC ; la température horaire, elle, garde ses vrais instants. Sans correction, OpenEEmeter
moyennerait la température de 18 h (veille) à 18 h (jour) pour un relevé de 0 h à 24 h, décalage
de 6 h qu'il signale lui-même (avertissement ``utc_index`` : « use tz_localize() with the local
timezone »). On replace donc les relevés dans leur fuseau, ``America/Chicago``.

Écrit pour la référence d'Éprouvette, sur exactement les mêmes jours :
- ``DOSSIER/journalier.csv`` : les jours de référence qu'OpenEEmeter a utilisés pour l'ajustement
  et les jours de rapport qu'il a prédits (consommation observée, température moyenne du jour
  civil local en °F, telle que calculée par OpenEEmeter) ;
- ``DOSSIER/horaire.csv`` : la température horaire (°F, heure locale de Chicago).
Imprime du JSON.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

warnings.filterwarnings("ignore")
import logging  # noqa: E402

logging.disable(logging.WARNING)

from opendsm import eemeter as em  # noqa: E402

FUSEAU = "America/Chicago"


def main(dossier: Path) -> None:
    echantillons = [s for s in em.samples() if s.endswith("-daily")]
    lignes, economies, contrefactuels, details, jours = [], 0.0, 0.0, {}, {}
    duree = 0.0
    temperature_horaire = None
    for nom in echantillons:
        mesures, temperature, meta = em.load_sample(nom)
        mesures = mesures.copy()
        mesures.index = mesures.index.tz_localize(None).tz_localize(FUSEAU)
        temperature = temperature.tz_convert(FUSEAU)
        temperature_horaire = temperature
        debut_noir = pd.Timestamp(meta["blackout_start_date"]).tz_localize(None).tz_localize(FUSEAU)
        fin_noir = pd.Timestamp(meta["blackout_end_date"]).tz_localize(None).tz_localize(FUSEAU)
        ref = (debut_noir - pd.Timedelta(days=365), debut_noir)
        rap = (fin_noir, fin_noir + pd.Timedelta(days=365))
        elec = meta["interpretation"] == "electricity"
        m_ref = mesures.loc[(mesures.index >= ref[0]) & (mesures.index < ref[1])]
        m_rap = mesures.loc[(mesures.index >= rap[0]) & (mesures.index < rap[1])]
        t0 = time.perf_counter()
        base = em.DailyBaselineData.from_series(m_ref, temperature, is_electricity_data=elec)
        modele = em.DailyModel().fit(base, ignore_disqualification=True)
        rapport = em.DailyReportingData.from_series(m_rap, temperature, is_electricity_data=elec)
        prediction = modele.predict(rapport, ignore_disqualification=True)
        duree += time.perf_counter() - t0
        ok = prediction["observed"].notna() & prediction["predicted"].notna()
        cf, obs = prediction.loc[ok, "predicted"].sum(), prediction.loc[ok, "observed"].sum()
        economies += cf - obs
        contrefactuels += cf
        details[nom] = round(100 * (cf - obs) / cf, 2)
        # Les mêmes jours pour Éprouvette : ceux de l'ajustement et ceux de la prédiction.
        b = base.df
        b = b.loc[b["observed"].notna() & b["temperature"].notna(), ["observed", "temperature"]]
        r = prediction.loc[ok, ["observed", "temperature"]]
        jours[nom] = {"reference": len(b), "rapport": len(r)}
        for periode, d in (("reference", b), ("rapport", r)):
            d = d.rename(columns={"observed": "observe", "temperature": "temperature_f"}).copy()
            d["date"] = d.index.tz_localize(None).normalize()
            d["periode"] = periode
            d["id"] = nom
            lignes.append(d[["id", "date", "observe", "temperature_f", "periode"]])
    pd.concat(lignes).to_csv(dossier / "journalier.csv", index=False)
    h = temperature_horaire.rename("temperature_f").to_frame()
    h.index = h.index.tz_localize(None)  # heure locale (les heures du changement d'heure restent distinctes)
    h.index.name = "instant"
    h.to_csv(dossier / "horaire.csv")
    print(json.dumps({"economie_pct": 100 * economies / contrefactuels, "par_echantillon_pct": details,
                      "jours": jours, "compteurs": len(echantillons), "ajustement_s": duree,
                      "fuseau": FUSEAU}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
