"""Simulations du chemin d'incertitude « par la durée » du déploiement échelonné (docs/methodes.md,
tableau « Couverture et faux effets mesurés »). Panels sans effet, graine fixée ; l'estimateur est
linéaire et le bruit est estimé sur les seules observations non équipées : à même graine, un effet
décale l'estimation de l'effet vrai sans changer l'incertitude, si bien que couvertures et biais se
lisent sur les mêmes panels.

    python outils/simulation_echelonne_duree.py grille 2000   # plans tirés au hasard
    python outils/simulation_echelonne_duree.py 2+2 2000      # 2 sites à 2 dates + 2 témoins
    python outils/simulation_echelonne_duree.py ligne "3 meme jour+1"

« grille » : à chaque panel, un plan tiré au hasard parmi ceux que sert la durée (1 à 3 sites équipés
à 1 ou 2 dates, 1 à 3 témoins, moins de 20 répartitions des dates), 50 à 150 périodes (première
cohorte après la 30e, dernière à 10 de la fin), ρ uniforme sur [0 ; 0,6] ; graine 2026 pour les plans,
50000 + r pour les panels. Écrit un tableau .npy (colonnes : équipés, dates, témoins, périodes, ρ,
effet, erreur type, ddl, ρ estimé, bas, haut) et affiche faux effets et puissance."""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
from scipy import stats

from eprouvette.methodes._simulation import simuler_panel_echelonne
from eprouvette.methodes.dd_echelonnees import dd_echelonnees, nombre_affectations_dates

PLANS = [(t, nj) for t in ([1], [2], [3], [1, 1], [2, 1], [1, 1, 1]) for nj in (1, 2, 3)
         if nombre_affectations_dates(t + [nj]) < 20]
#: Lignes du tableau : cohortes, témoins, périodes, ρ, panels, première graine.
LIGNES = {
    "2+2": ({30: 1, 60: 1}, 2, 100, 0.5, 1000, 30000),
    "1+3": ({40: 1}, 3, 100, 0.5, 400, 30000),
    "1+3 rho .8": ({40: 1}, 3, 100, 0.8, 300, 30000),
    "2 meme jour+2": ({52: 2}, 2, 104, 0.5, 400, 30000),
    "3 meme jour+1": ({60: 3}, 1, 100, 0.5, 400, 70000),
}


def tirer(rng):
    tailles, nj = PLANS[rng.integers(len(PLANS))]
    T = int(rng.integers(50, 151))
    rho = float(rng.uniform(0, 0.6))
    d = np.sort(rng.choice(np.arange(30, T - 9), size=len(tailles), replace=False))
    return dict(zip(d.tolist(), tailles)), nj, T, rho


def panels(jeu: str, R: int):
    rng = np.random.default_rng(2026)
    lignes = []
    for r in range(R):
        coh, nj, T, rho = ({30: 1, 60: 1}, 2, 100, 0.5) if jeu == "2+2" else tirer(rng)
        p = simuler_panel_echelonne(coh, n_jamais=nj, n_periodes=T, effet=0.0, pente=0.0, rho=rho,
                                    graine=50000 + r).donnees
        e = dd_echelonnees(p)
        assert e.options["inference"] == "temporelle", (coh, nj, T, e.options["inference"])
        lignes.append([sum(coh.values()), len(coh), nj, T, rho, e.effet, e.erreur_type, e.options["ddl"],
                       e.options["rho_ar1"], e.intervalle[0], e.intervalle[1]])
    a = np.array(lignes)
    est, se, ddl = a[:, 5], a[:, 6], a[:, 7]
    q = stats.t.ppf(0.975, ddl)
    faux = np.mean(np.abs(est) > q * se)
    print(f"{jeu} : {R} panels, faux effets {100 * faux:.2f} % (Monte-Carlo {100 * np.sqrt(faux * (1 - faux) / R):.2f}), "
          f"biais {est.mean():+.3f} (MC {est.std(ddof=1) / np.sqrt(R):.3f}), puissance "
          + ", ".join(f"{100 * np.mean(np.abs(est + d) > q * se):.1f} % (effet {d})" for d in (2, 3, 4, 5)))
    return a


def ligne(nom: str):
    coh, nj, T, rho, R, g0 = LIGNES[nom]
    faux, evt = 0, []
    for r in range(R):
        e = dd_echelonnees(simuler_panel_echelonne(coh, n_jamais=nj, n_periodes=T, effet=0.0, pente=0.0, rho=rho,
                                                   graine=g0 + r).donnees)
        faux += not (e.intervalle[0] <= 0 <= e.intervalle[1])
        ev = e.evenement[e.evenement.duree >= 0]
        evt.append(((ev.bas <= 0) & (0 <= ev.haut)).mean())
    print(f"{nom} : {R} panels, faux effets {100 * faux / R:.2f} %, couverture {100 * (1 - faux / R):.2f} %, "
          f"courbe {100 * np.mean(evt):.1f} %")


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    t0 = time.time()
    if sys.argv[1] == "ligne":
        ligne(sys.argv[2])
    else:
        np.save(f"simulation_echelonne_{sys.argv[1]}.npy", panels(sys.argv[1], int(sys.argv[2])))
    print(f"{time.time() - t0:.0f} s")
