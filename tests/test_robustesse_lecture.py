"""Robustesse de la lecture : changements d'heure, formats d'export, unités, messages exacts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eprouvette.erreurs import ErreurDonnees, ErreursDonnees
from eprouvette.lecture import charger_mesures, charger_meteo, lire_tableau, localiser_heure_legale

from test_lecture import ENTETE, faire_pilote

SITE, IND = "ecole-jean-jaures", "consommation_chauffage"


def erreurs_de(appel, *args) -> list[ErreurDonnees]:
    with pytest.raises(ErreursDonnees) as info:
        appel(*args)
    return info.value.erreurs


def quart_horaires(debut: str, fin: str) -> list[str]:
    """Horloge murale d'un compteur au pas de 15 min en heure légale, dans l'ordre d'écriture,
    l'heure répétée d'octobre écrite deux fois, l'heure sautée de mars absente."""
    instants = pd.date_range(pd.Timestamp(debut, tz="Europe/Paris"), pd.Timestamp(fin, tz="Europe/Paris"),
                             freq="15min", inclusive="left")
    return [f"{t:%Y-%m-%d %H:%M}" for t in instants]


# --- Changement d'heure ----------------------------------------------------------------------


def test_heure_repetee_d_octobre_sans_perte_ni_double_compte(tmp_path):
    horloge = quart_horaires("2024-10-27 00:00", "2024-10-27 05:00")
    assert horloge.count("2024-10-27 02:15") == 2  # l'export contient bien l'heure répétée
    lignes = "".join(f"{h};{SITE};{IND};{i}\n" for i, h in enumerate(horloge))
    df = charger_mesures(faire_pilote(tmp_path, {"m.csv": ENTETE + lignes}))
    assert str(df["date"].dtype) == "datetime64[ns, Europe/Paris]"
    assert len(df) == len(horloge) == 5 * 4 + 4  # 5 h d'horloge + l'heure répétée
    assert df["date"].is_unique and df["date"].is_monotonic_increasing
    assert (df["date"].diff().dropna() == pd.Timedelta("15min")).all()  # aucun trou, aucun double
    assert df["valeur"].tolist() == list(range(len(horloge)))  # l'ordre du fichier est l'ordre du temps
    premiere, seconde = df.loc[df["valeur"] == 8, "date"].iloc[0], df.loc[df["valeur"] == 12, "date"].iloc[0]
    assert f"{premiere:%H:%M %Z}" == "02:00 CEST" and f"{seconde:%H:%M %Z}" == "02:00 CET"
    assert seconde - premiere == pd.Timedelta("1h")


def test_heure_repetee_par_serie_dans_un_fichier_trie_par_site(tmp_path):
    horloge = quart_horaires("2024-10-27 01:00", "2024-10-27 04:00")
    lignes = "".join(f"{h};{s};{IND};1\n" for s in (SITE, "ecole-temoin") for h in horloge)
    df = charger_mesures(faire_pilote(tmp_path, {"m.csv": ENTETE + lignes}))
    assert len(df) == 2 * len(horloge) == 2 * 16
    for _, serie in df.groupby("site"):
        assert (serie["date"].diff().dropna() == pd.Timedelta("15min")).all()


def test_heure_repetee_ecrite_trois_fois_est_un_doublon(tmp_path):
    texte = ENTETE + "".join(f"27/10/2024 02:30;{SITE};{IND};{v}\n" for v in (1, 2, 3))
    (e,) = erreurs_de(charger_mesures, faire_pilote(tmp_path, {"m.csv": texte}))
    assert (e.ligne, e.message) == (4, "ligne en double : même date, site et indicateur qu'à la ligne 3.")


def test_heure_repetee_dans_deux_fichiers_est_un_doublon(tmp_path):
    ligne = f"2024-10-27 02:30;{SITE};{IND};1\n"
    (e,) = erreurs_de(charger_mesures, faire_pilote(tmp_path, {"a.csv": ENTETE + ligne, "b.csv": ENTETE + ligne}))
    assert (Path(e.fichier).name, e.ligne) == ("b.csv", 2)
    assert e.message.startswith("ligne en double : même date (2024-10-27 02:30 (heure d'été)), site et indicateur "
                                "qu'à la ligne 2 de ")


def test_heure_sautee_de_mars_est_une_erreur(tmp_path):
    texte = ENTETE + f"2024-03-31 01:45;{SITE};{IND};1\n2024-03-31 02:15;{SITE};{IND};1\n2024-03-31 03:00;{SITE};{IND};1\n"
    (e,) = erreurs_de(charger_mesures, faire_pilote(tmp_path, {"m.csv": texte}))
    assert (Path(e.fichier).name, e.ligne, e.colonne) == ("m.csv", 3, "date")
    assert e.message == ("l'horodatage « 2024-03-31 02:15 » n'existe pas en heure légale française : le 31 mars "
                         "2024, les horloges passent directement de 02:00 à 03:00.")
    assert e.attendu == "un horodatage en heure légale française, hors de l'heure sautée (02:00 à 02:59)"


def test_mars_sans_l_heure_sautee_est_continu(tmp_path):
    horloge = quart_horaires("2024-03-31 00:00", "2024-03-31 05:00")
    assert not any(h[11:13] == "02" for h in horloge)
    lignes = "".join(f"{h};{SITE};{IND};1\n" for h in horloge)
    df = charger_mesures(faire_pilote(tmp_path, {"m.csv": ENTETE + lignes}))
    assert len(df) == 16 and (df["date"].diff().dropna() == pd.Timedelta("15min")).all()


def test_donnees_journalieres_restent_sans_fuseau(tmp_path):
    df = charger_mesures(faire_pilote(tmp_path, {"m.csv": ENTETE + f"2024-10-27;{SITE};{IND};1\n"}))
    assert df["date"].dtype == "datetime64[ns]" and df["date"].iloc[0] == pd.Timestamp(2024, 10, 27)


def test_fichier_journalier_et_fichier_horaire_melanges(tmp_path):
    p = faire_pilote(tmp_path, {"j.csv": ENTETE + f"2024-10-26;ecole-temoin;{IND};1\n",
                                "h.csv": ENTETE + f"2024-10-27 02:00;{SITE};{IND};1\n"})
    df = charger_mesures(p)
    assert str(df["date"].dtype) == "datetime64[ns, Europe/Paris]"
    assert df["date"].tolist() == [pd.Timestamp("2024-10-27 02:00+02:00"), pd.Timestamp("2024-10-26 00:00+02:00")]


def test_localiser_heure_legale_directement():
    naives = pd.Series(pd.to_datetime(["2024-10-27 02:00", "2024-10-27 02:00", "2024-03-31 02:30", "2024-06-01 12:00"]))
    locales = localiser_heure_legale(naives)
    assert [str(t) for t in locales[:2]] == ["2024-10-27 02:00:00+02:00", "2024-10-27 02:00:00+01:00"]
    assert locales.isna().tolist() == [False, False, True, False]
    assert str(locales.iloc[3]) == "2024-06-01 12:00:00+02:00"


# --- Météo : colonnes facultatives du schéma gardées ------------------------------------------


def test_meteo_garde_les_colonnes_facultatives_du_schema(tmp_path):
    from eprouvette import config
    import json

    champs = [c["name"] for c in json.loads((config.SCHEMAS / "meteo.schema.json").read_text(encoding="utf-8"))["fields"]]
    if "precipitations_mm" not in champs:
        pytest.skip("meteo.schema.json ne déclare pas (encore) precipitations_mm")
    p = faire_pilote(tmp_path, meteo="date;temperature_min;temperature_max;precipitations_mm\n"
                                     "2023-01-02;-0,5;4,0;0\n2023-01-01;2,1;8,4;12,6\n")
    df = charger_meteo(p)
    assert list(df.columns) == ["date", "temperature_min", "temperature_max", "temperature_moyenne", "precipitations_mm"]
    assert df["precipitations_mm"].tolist() == [12.6, 0.0]
