"""Panel publié mpdta et chiffres de csdid pour tests/test_dd_echelonnees.py (hors de l'environnement du projet).

``mpdta`` : emploi des adolescents de 500 comtés américains, 2003-2007, salaire minimum relevé à des
dates différentes (Callaway et Sant'Anna, 2021, *Journal of Econometrics* 225(2) ; jeu de données du
paquet R ``did``). Il est livré dans la distribution source du paquet Python ``differences`` 0.3.0
(``differences-0.3.0/data/mpdta.parquet`` ; ni la roue de ``differences``, ni celles de ``csdid``
et ``drdid`` ne livrent de données, celle de ``pyfixest`` 0.60.0 ne livre que ``df_het.csv`` et
``lpdidtestdata1.dta``, deux panels simulés).

1. Lit ``mpdta.parquet`` et écrit ``mpdta.csv`` (2 500 lignes : comté, année, première année
   relevée, vide si jamais, log de l'emploi des adolescents ``lemp``).
2. Calcule avec ``csdid`` 0.4.3 les ATT(g,t) et leurs agrégations (effet global, étude
   d'événement), sans covariables, témoins jamais relevés et pas encore relevés, base variable,
   et les écrit dans ``mpdta_csdid_attgt.csv`` et ``mpdta_csdid_agregats.csv``.

Commande (voir README.md) :
    python3 -m venv /tmp/ref-estimateur
    /tmp/ref-estimateur/bin/pip install csdid==0.4.3 differences==0.3.0 pyarrow
    /tmp/ref-estimateur/bin/pip download --no-deps --no-binary :all: -d /tmp/ref-sdist differences==0.3.0
    tar xzf /tmp/ref-sdist/differences-0.3.0.tar.gz -C /tmp differences-0.3.0/data/mpdta.parquet
    /tmp/ref-estimateur/bin/python tests/references/mpdta_pair.py /tmp/differences-0.3.0/data/mpdta.parquet
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

ICI = Path(__file__).parent


def main(source: str) -> None:
    from csdid.att_gt import ATTgt

    brut = pd.read_parquet(source)
    df = pd.DataFrame({"comte": brut["countyreal"].astype(int), "annee": brut["year"].astype(int),
                       "debut": brut["first_treat"], "lemp": brut["lemp"].round(10)})
    df.sort_values(["comte", "annee"]).to_csv(ICI / "mpdta.csv", index=False, float_format="%.10g")
    df = pd.read_csv(ICI / "mpdta.csv")  # les chiffres du pair viennent du fichier écrit
    d = df.assign(g=df["debut"].fillna(0).astype(int))
    attgt, agregats = [], []
    for temoins, cg in (("jamais", "nevertreated"), ("pas_encore", "notyettreated")):
        np.random.seed(12345)
        m = ATTgt(yname="lemp", tname="annee", idname="comte", gname="g", data=d,
                  control_group=cg, biters=20000, cband=True).fit(est_method="dr", base_period="varying")
        r = m.results
        for g, t, att, se in zip(r["group"], r["year"], r["att"], r["se"]):
            attgt.append({"temoins": temoins, "cohorte": int(g), "periode": int(t), "att": float(att),
                          "erreur_type": float(se), "valeur_critique": float(r["c"])})
        for typ, nom in (("simple", "global"), ("dynamic", "evenement")):
            np.random.seed(12345)
            a = m.aggte(typec=typ, biters=20000, cband=True).atte
            agregats.append({"temoins": temoins, "agregat": nom, "cle": "", "att": float(a["overall_att"]),
                             "erreur_type": float(np.ravel(a["overall_se"])[0])})
            if typ == "dynamic":
                for cle, att, se in zip(np.ravel(a["egt"]), np.ravel(a["att_egt"]), np.ravel(a["se_egt"])):
                    agregats.append({"temoins": temoins, "agregat": nom, "cle": int(cle), "att": float(att),
                                     "erreur_type": float(se)})
    pd.DataFrame(attgt).to_csv(ICI / "mpdta_csdid_attgt.csv", index=False, float_format="%.10g")
    pd.DataFrame(agregats).to_csv(ICI / "mpdta_csdid_agregats.csv", index=False, float_format="%.10g")
    print("csdid", version("csdid"), "drdid", version("drdid"), "differences", version("differences"),
          "numpy", np.__version__, "pandas", pd.__version__)


if __name__ == "__main__":
    main(sys.argv[1])
