"""Persistance quand l'effet met des mois à s'installer (docs/methodes.md, « Persistance ») : série mensuelle (36 mois avant, 24 pendant,
24 après ; tendance, saison, AR(1) ρ = 0,4, σ = 3), effet qui monte linéairement de 0 à −10 en m mois,
puis reste à −10 (« se maintient » attendu) ou tombe à −4 après (« s'estompe » attendu).

    python outils/simulation_persistance_montee.py 200 0,3,6,12
"""
import sys, time, warnings, collections
import numpy as np
from eprouvette.methodes._simulation import simuler_serie
from eprouvette.methodes.persistance import persistance
warnings.simplefilter("ignore")
R = int(sys.argv[1]); montees = [int(x) for x in sys.argv[2].split(",")]
for m in montees:
    for apres in (-10.0, -4.0):
        c = collections.Counter(); t0 = time.time()
        for r in range(R):
            s = simuler_serie(36, 48, graine=5000 + r)
            d = s.donnees.copy()
            k = np.arange(48)
            eff = np.where(k < 24, -10.0 * np.minimum((k + 1) / max(m, 1), 1.0) if m else -10.0, apres)
            d.loc[36:, "valeur"] = d.loc[36:, "valeur"].to_numpy() + eff
            res = persistance(d, d["date"][36], d["date"][60])
            c[res.constat] += 1
        print(f"montée {m:2d} mois, après {apres:+.0f} : " + ", ".join(f"{k} {v}" for k, v in sorted(c.items()))
              + f"  [{time.time() - t0:.0f}s]", flush=True)
