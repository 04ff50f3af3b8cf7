"""Chiffres du pair pour tests/test_dd_echelonnees.py (à lancer hors de l'environnement du projet).

1. Panel simulé échelonné (graine fixée) écrit dans ``echelonne_panel.csv`` : 45 sites, 10
   périodes, trois cohortes (débuts aux périodes 4, 6 et 8 ; 8, 10 et 12 sites) et 15 sites jamais
   équipés ; effets fixes site et période, bruit normal ; effet qui croît avec l'exposition
   (1 + 0,5 × (t − g)) × (1 + (8 − g)/8), différent d'une cohorte à l'autre.
2. ATT(g,t) et agrégations de ``csdid`` (Callaway et Sant'Anna, port Python du paquet R ``did``),
   sans covariables, pour les deux groupes témoins et les deux périodes de base, écrits dans
   ``echelonne_csdid_attgt.csv`` et ``echelonne_csdid_agregats.csv``.

Commande (voir README.md) :
    python3 -m venv /tmp/venv-pairs && /tmp/venv-pairs/bin/pip install csdid==0.4.3
    /tmp/venv-pairs/bin/python tests/references/echelonne_pair.py
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

ICI = Path(__file__).parent
COHORTES = {4: 8, 6: 10, 8: 12, 0: 15}  # première période équipée (0 : jamais) -> nombre de sites
PERIODES = np.arange(1, 11)


def _effet(g: int, e: np.ndarray) -> np.ndarray:
    """Effet à l'exposition e = t − g (0 avant) : croît avec e, plus fort pour les cohortes précoces."""
    return np.where(e >= 0, (1.0 + 0.5 * e) * (1.0 + (8 - g) / 8), 0.0)


def panel(graine: int = 20211) -> pd.DataFrame:
    rng = np.random.default_rng(graine)
    chocs = np.cumsum(rng.normal(0, 1, len(PERIODES)))
    lignes = []
    k = 0
    for g, n in COHORTES.items():
        for _ in range(n):
            k += 1
            niveau = rng.normal(20, 4) + (0.5 * g)
            y = niveau + chocs + rng.normal(0, 1.5, len(PERIODES))
            if g:
                y = y + _effet(g, PERIODES - g)
            for t, v in zip(PERIODES, y):
                lignes.append({"site": f"S{k:02d}", "periode": int(t), "valeur": round(float(v), 6),
                               "debut": g if g else np.nan})
    return pd.DataFrame(lignes)


def main() -> None:
    from csdid.att_gt import ATTgt

    df = panel()
    df.to_csv(ICI / "echelonne_panel.csv", index=False)
    df = pd.read_csv(ICI / "echelonne_panel.csv")  # les chiffres du pair viennent du fichier écrit
    d = df.assign(g=df["debut"].fillna(0).astype(int), id=df["site"].str[1:].astype(int))
    attgt, agregats = [], []
    for temoins, cg in (("jamais", "nevertreated"), ("pas_encore", "notyettreated")):
        for base, bp in (("variable", "varying"), ("universelle", "universal")):
            np.random.seed(12345)
            m = ATTgt(yname="valeur", tname="periode", idname="id", gname="g", data=d,
                      control_group=cg, biters=20000, cband=True).fit(est_method="dr", base_period=bp)
            r = m.results
            for g, t, att, se in zip(r["group"], r["year"], r["att"], r["se"]):
                attgt.append({"temoins": temoins, "base": base, "cohorte": int(g), "periode": int(t),
                              "att": float(att), "erreur_type": float(se),
                              "valeur_critique": float(r["c"])})
            for typ, nom in (("simple", "global"), ("dynamic", "evenement"), ("group", "cohorte")):
                np.random.seed(12345)
                a = m.aggte(typec=typ, biters=20000, cband=True).atte
                agregats.append({"temoins": temoins, "base": base, "agregat": nom, "cle": "",
                                 "att": float(a["overall_att"]), "erreur_type": float(np.ravel(a["overall_se"])[0]),
                                 "valeur_critique": float("nan")})
                if typ != "simple":
                    for cle, att, se in zip(np.ravel(a["egt"]), np.ravel(a["att_egt"]), np.ravel(a["se_egt"])):
                        agregats.append({"temoins": temoins, "base": base, "agregat": nom, "cle": int(cle),
                                         "att": float(att), "erreur_type": float(se),
                                         "valeur_critique": float(np.ravel(a["crit_val_egt"])[0])})
    pd.DataFrame(attgt).to_csv(ICI / "echelonne_csdid_attgt.csv", index=False, float_format="%.10g")
    pd.DataFrame(agregats).to_csv(ICI / "echelonne_csdid_agregats.csv", index=False, float_format="%.10g")
    print("csdid", version("csdid"), "drdid", version("drdid"), "numpy", np.__version__, "pandas", pd.__version__)


if __name__ == "__main__":
    main()
