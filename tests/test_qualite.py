"""Bilan de qualité : les trous, valeurs aberrantes et paliers sont comptés, jamais retirés."""

from __future__ import annotations

import numpy as np
import pandas as pd

from eprouvette.qualite import bilan_qualite


def _serie(n=400, graine=1):
    rng = np.random.default_rng(graine)
    dates = pd.date_range("2024-01-01", periods=n, freq="D")
    # Série de bâtiment : hiver fort, été faible, week-ends bas.
    saison = 100 + 80 * np.cos(2 * np.pi * np.arange(n) / 365)
    weekend = np.where(dates.day_of_week >= 5, 0.3, 1.0)
    v = saison * weekend * (1 + 0.05 * rng.standard_normal(n))
    return pd.DataFrame({"date": dates, "site": "a", "indicateur": "conso", "valeur": v})


def test_serie_propre_bonne_qualite():
    df = _serie()
    b = bilan_qualite(df, "2024-01-01", df["date"].max())
    assert b.niveau == "bonne", b.tableau.to_dict("records")
    ligne = b.tableau.iloc[0]
    assert ligne["jours_manquants"] == 0 and ligne["valeurs_aberrantes"] == 0


def test_trous_comptes_et_seuils():
    df = _serie()
    fin = df["date"].max()
    peu = df.drop(index=range(10, 20))  # 10 jours sur 400 : 2,5 %
    assert bilan_qualite(peu, "2024-01-01", fin).niveau == "bonne"
    moyen = df.drop(index=range(10, 40))  # 7,5 % : à surveiller
    b = bilan_qualite(moyen, "2024-01-01", fin)
    assert b.niveau == "moyenne" and b.tableau.iloc[0]["jours_manquants"] == 30
    trop = df.drop(index=range(10, 60))  # 12,5 % : insuffisant
    assert bilan_qualite(trop, "2024-01-01", fin).niveau == "insuffisante"


def test_pic_capteur_signale_sans_etre_retire():
    df = _serie()
    df.loc[100, "valeur"] = 5000.0
    b = bilan_qualite(df, "2024-01-01", df["date"].max())
    assert b.tableau.iloc[0]["valeurs_aberrantes"] == 1
    assert any(v.nom == "valeurs_aberrantes" and v.statut == "attention" for v in b.verifications)
    assert df.loc[100, "valeur"] == 5000.0


def test_capteur_bloque():
    df = _serie()
    df.loc[200:209, "valeur"] = 42.0
    b = bilan_qualite(df, "2024-01-01", df["date"].max())
    assert b.tableau.iloc[0]["plus_long_palier_jours"] == 10
    assert any(v.nom == "paliers" and v.statut == "attention" for v in b.verifications)


def test_compteur_bloque_a_zero_une_semaine():
    """Un compteur à zéro sept jours de suite dans une série d'ordinaire non nulle est signalé ; un
    chauffage arrêté tout l'été (zéros ordinaires) ne l'est pas."""
    import numpy as np
    import pandas as pd

    from eprouvette.qualite import bilan_qualite

    dates = pd.date_range("2024-01-01", "2024-12-31", freq="D")
    v = 100 + 10 * np.sin(np.arange(len(dates)))
    v[40:47] = 0.0
    m = pd.DataFrame({"date": dates, "site": "a", "indicateur": "conso", "valeur": v})
    b = bilan_qualite(m, dates[0], dates[-1])
    z = next(x for x in b.verifications if x.nom == "zeros_suspects")
    assert z.statut == "attention" and "7 jours de suite à zéro" in z.phrase
    assert b.niveau != "bonne" and "complètes et sans anomalie" not in b.phrase
    ete = v.copy()
    ete[40:47] = 100.0
    ete[(dates.month >= 5) & (dates.month <= 9)] = 0.0
    b2 = bilan_qualite(m.assign(valeur=ete), dates[0], dates[-1])
    assert not any(x.nom == "zeros_suspects" for x in b2.verifications)
