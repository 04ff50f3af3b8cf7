"""Noyaux numériques des simulations : mêmes sorties avant et après une optimisation (mêmes graines).

Usage (depuis la racine du dépôt, `OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1`) :

    git archive <commit> lib | tar -x -C /tmp/avant && ln -s $PWD/donnees /tmp/avant/donnees
    python bench/noyaux.py /tmp/avant/lib avant.pkl [dd,reml,energie,conception]
    python bench/noyaux.py $PWD/lib apres.pkl [dd,reml,energie,conception]
    python bench/noyaux.py --diff avant.pkl apres.pkl     # écart relatif maximal, valeurs au-delà de 1e-9

Chaque groupe applique les estimateurs à des tirages simulés par les générateurs des tests
(tests/test_simulations_peu_de_sites.py, test_simulations_energie.py, test_conception.py) et garde
tous les nombres et booléens du résultat (effet, intervalle, p-valeur, vérifications, détails).
"""
import sys, os, pickle, math, warnings
if sys.argv[1] == "--diff":
    a = pickle.load(open(sys.argv[2], "rb")); b = pickle.load(open(sys.argv[3], "rb"))
    pire = 0.0; n = 0; bad = []
    for k in a:
        if k not in b: bad.append((k, "ABSENT")); continue
        va, vb = a[k], b[k]
        n += 1
        if isinstance(va, float) and isinstance(vb, float):
            if math.isnan(va) and math.isnan(vb): continue
            if va == vb: continue
            rel = abs(va - vb) / max(abs(va), abs(vb), 1e-300)
            if abs(va - vb) <= 1e-12: rel = min(rel, 0.0)
            pire = max(pire, rel)
            if rel > 1e-9: bad.append((k, va, vb, rel))
        elif va != vb:
            bad.append((k, va, vb))
    for k in b:
        if k not in a: bad.append((k, "NOUVEAU"))
    print(f"{n} valeurs comparées, écart relatif max {pire:.3g} ; {len(bad)} au-delà de 1e-9")
    for x in bad[:30]: print("  ", x)
    sys.exit(1 if bad else 0)

lib, sortie = sys.argv[1], sys.argv[2]
groupes = sys.argv[3].split(",") if len(sys.argv) > 3 else None
sys.path.insert(0, lib)
sys.path.insert(1, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "tests"))
import numpy as np, pandas as pd
import eprouvette
assert eprouvette.__file__.startswith(lib), eprouvette.__file__
warnings.simplefilter("ignore")
out = {}

def aplatir(prefixe, x, prof=0):
    if prof > 6: return
    if isinstance(x, (bool, np.bool_)): out[prefixe] = bool(x)
    elif isinstance(x, (int, np.integer)): out[prefixe] = int(x)
    elif isinstance(x, (float, np.floating)): out[prefixe] = float(x)
    elif isinstance(x, str): out[prefixe] = x
    elif x is None: out[prefixe] = None
    elif isinstance(x, np.ndarray):
        if x.dtype.kind in "fiub":
            for i, v in enumerate(np.ravel(x)): aplatir(f"{prefixe}[{i}]", v, prof + 1)
    elif isinstance(x, pd.Series): aplatir(prefixe, x.to_numpy(), prof)
    elif isinstance(x, pd.DataFrame):
        for c in x.columns: aplatir(f"{prefixe}.{c}", x[c].to_numpy(), prof + 1)
    elif isinstance(x, dict):
        for k, v in x.items(): aplatir(f"{prefixe}.{k}", v, prof + 1)
    elif isinstance(x, (list, tuple)):
        for i, v in enumerate(x): aplatir(f"{prefixe}[{i}]", v, prof + 1)
    elif hasattr(x, "__dataclass_fields__"):
        for k in x.__dataclass_fields__:
            if k in ("complements",): continue
            aplatir(f"{prefixe}.{k}", getattr(x, k), prof + 1)

def voulu(g): return groupes is None or g in groupes

if voulu("dd"):
    import test_simulations_peu_de_sites as t
    from eprouvette.methodes.doubles_differences import effets_fixes_bidirectionnels, saut_ecart_ar1
    for (nt, nc, na, np_, sa, bp) in [(1, 4, 365, 365, 365.25, 1), (2, 3, 365, 365, 365.25, 1), (1, 2, 104, 52, 52.18, 1),
                                      (2, 5, 78, 52, 52.18, 1), (1, 3, 300, 100, 365.25, 3.0), (1, 3, 104, 26, 52.18, 3.0)]:
        for eff in (-10.0, 0.0):
            Y, actif = t._panels(12, nt, nc, na, np_, rho=0.7, sigma=15.0, effet=eff, periode_saison=sa,
                                 graine=1000 * nt + nc + np_, bruit_pendant=bp)
            base = t._long(Y[0], actif)
            for i in range(12):
                res = effets_fixes_bidirectionnels(base.assign(valeur=Y[i].ravel()), tendances_prealables=False)
                aplatir(f"dd/{nt},{nc},{na},{np_},{bp},{eff}/{i}", res)
    rng = np.random.default_rng(5)
    for n in (12, 40, 130, 399, 400, 730):
        for rep in range(15):
            x = (np.arange(n) >= n * 0.6).astype(float)
            if rep % 3 == 1: x = np.clip((np.arange(n) - n * 0.5) / (n * 0.2), 0, 1)
            e = rng.standard_normal(n).cumsum() * 0.3 + rng.standard_normal(n) * (1 + 2 * x)
            aplatir(f"saut/{n}/{rep}", saut_ecart_ar1(e + 5, x))

if voulu("reml"):
    from eprouvette.methodes.serie_interrompue import rho_ar1_reml
    from eprouvette.methodes.series_journalieres import ecart_moyennes_ar1
    from eprouvette.methodes.verifications import pente_prealable_ar1
    rng = np.random.default_rng(6)
    from scipy import signal
    for n in (20, 60, 150, 365, 730):
        for rho in (-0.3, 0.0, 0.5, 0.9):
            for rep in range(6):
                e = signal.lfilter([1.0], [1.0, -rho], rng.standard_normal(n)) * 7 + 300
                apres = np.arange(n) >= n // 2
                X = np.column_stack([np.ones(n), apres, np.arange(n) / n])
                out[f"reml/{n},{rho},{rep}"] = rho_ar1_reml(e, X)
                aplatir(f"ema/{n},{rho},{rep}", ecart_moyennes_ar1(e, apres))
                aplatir(f"pente/{n},{rho},{rep}", pente_prealable_ar1(e))

if voulu("energie"):
    import test_simulations_energie as te
    for g, kw in [(1000, dict(effet=-0.1)), (1001, dict(effet=-0.1)), (2000, dict(n_exp=1, n_tem=0, effet=-0.1)),
                  (5000, dict(choc=-0.08)), (6000, dict(tendance=-0.03, jours_ref=730)), (7001, dict(jours_ref=730))]:
        m, me, p, vrai = te.simuler(g, **kw)
        aplatir(f"energie/{g}", te.evaluer(m, me, p, temoins=kw.get("n_tem", 3) > 0))

if voulu("conception"):
    import test_conception as tc
    from eprouvette.conception import concevoir, charger_projet
    for ident in (tc.EAU, tc.VELO):
        c = concevoir(charger_projet(ident), durees_mois=(3, 6))
        aplatir(f"conc/{ident}", c.en_dict())

if voulu("verdicts"):
    import test_simulations_verdicts as tv
    for g in range(12):
        for kw in (dict(n_exp=1, n_tem=2), dict(n_exp=2, n_tem=3, effet=-0.1), dict(tendance_exp_an=-0.06)):
            r, reco = tv._dd(20_000 + g, **kw)
            aplatir(f"verdicts/{g}/{kw}", r)
            out[f"verdicts/{g}/{kw}/verdict"] = reco.verdict
        r, reco = tv._its(40_000 + g)
        aplatir(f"its/{g}", r)
        out[f"its/{g}/verdict"] = reco.verdict

if voulu("ech"):
    import test_dd_echelonnees as tdd
    from eprouvette.methodes._simulation import simuler_panel_echelonne
    from eprouvette.methodes.dd_echelonnees import dd_echelonnees
    for nom, (cohortes, n_jamais, T, P, _) in tdd.PETITS_PLANS.items():
        for r in range(4):
            p = simuler_panel_echelonne(cohortes, n_jamais=n_jamais, n_periodes=T, effet=1.0, pente=0.02, rho=0.5,
                                        graine=9000 + r)
            e = dd_echelonnees(p.donnees, n_permutations=P, graine=r)
            aplatir(f"ech/{nom}/{r}", {"effet": e.effet, "intervalle": e.intervalle, "evenement": e.evenement,
                                       "options": e.options})

pickle.dump(out, open(sortie, "wb"))
print(len(out), "valeurs ->", sortie)
