"""Partie 4 du banc, côté OpenEEmeter (à lancer avec bench/.venv-opendsm/bin/python).

Pour chaque échantillon journalier fourni avec OpenEEmeter (``opendsm.eemeter.samples``, données
simulées dont la consommation de la période de rapport est 10 % plus basse : 10 000 -> 9 000 kWh
par an), ajuste le modèle journalier d'OpenEEmeter (``DailyModel``) sur l'année qui précède la
période neutralisée (*blackout*), prédit la période de rapport (l'année qui la suit) et calcule
l'économie. Écrit aussi ``DOSSIER/journalier.csv`` (mêmes jours, température moyenne en °F) pour
que la référence d'Éprouvette travaille sur exactement les mêmes données. Imprime du JSON.
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


def main(dossier: Path) -> None:
    echantillons = [s for s in em.samples() if s.endswith("-daily")]
    lignes, economies, contrefactuels, relatifs, details = [], 0.0, 0.0, [], {}
    duree = 0.0
    for nom in echantillons:
        mesures, temperature, meta = em.load_sample(nom)
        debut_noir, fin_noir = meta["blackout_start_date"], meta["blackout_end_date"]
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
        relatifs.append(100 * (cf - obs) / cf)
        details[nom] = round(100 * (cf - obs) / cf, 2)
        # Les mêmes jours pour Éprouvette : consommation et température moyenne journalières (°F).
        t_jour = temperature.resample("D").mean()
        for periode, m in (("reference", m_ref), ("rapport", m_rap)):
            d = pd.DataFrame({"observe": m["value"]})
            d["temperature_f"] = t_jour.reindex(d.index).to_numpy()
            d = d.dropna()
            d["date"] = d.index.tz_convert("UTC").tz_localize(None).normalize()
            d["periode"] = periode
            d["id"] = nom
            lignes.append(d[["id", "date", "observe", "temperature_f", "periode"]])
    pd.concat(lignes).to_csv(dossier / "journalier.csv", index=False)
    print(json.dumps({"economie_pct": 100 * economies / contrefactuels, "par_echantillon_pct": details,
                      "compteurs": len(echantillons), "ajustement_s": duree}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
