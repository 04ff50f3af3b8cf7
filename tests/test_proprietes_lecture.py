"""Propriétés du lecteur CSV (hypothesis) : sur tout dialecte d'export français généré
(séparateur, décimale, milliers, encodage, BOM, guillemets, forme de date), ce qui est écrit est
ce qui est relu (valeurs au centime près, dates et horodatages à la minute, textes accentués)."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from eprouvette.lecture import lire_tableau

SITES = ["école-été", "hôtel-de-ville", "piscine-œuvre", "gymnase_Nord", "mairie annexe"]
FUSEAU = "Europe/Paris"


def _existe_sans_ambiguite(t: dt.datetime) -> bool:
    """Horodatage ni dans l'heure sautée de mars, ni dans l'heure répétée d'octobre."""
    return pd.Series([pd.Timestamp(t)]).dt.tz_localize(FUSEAU, ambiguous="NaT", nonexistent="NaT").notna().iloc[0]


@st.composite
def dialectes(draw):
    decimale = draw(st.sampled_from([",", "."]))
    separateur = draw(st.sampled_from([";", ",", "\t"]))
    encodage = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    milliers_possibles = [None, " ", "\u00a0"] + (["\u202f"] if encodage != "cp1252" else [])
    milliers_possibles += ["."] if decimale == "," else [","]
    milliers = draw(st.sampled_from(milliers_possibles))
    guillemets = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    fin_ligne = draw(st.sampled_from(["\n", "\r\n"]))
    horaire = draw(st.booleans())
    forme_date = draw(st.sampled_from(["iso", "fr"] + (["isoT"] if horaire else [])))
    return dict(decimale=decimale, separateur=separateur, encodage=encodage, milliers=milliers,
                guillemets=guillemets, fin_ligne=fin_ligne, horaire=horaire, forme_date=forme_date)


def ecrire_nombre(centimes: int, decimale: str, milliers: str | None) -> str:
    signe = "-" if centimes < 0 else ""
    entier, reste = divmod(abs(centimes), 100)
    chiffres = f"{entier:,}".replace(",", milliers) if milliers else str(entier)
    return f"{signe}{chiffres}{decimale}{reste:02d}"


def ecrire_date(t: dt.datetime, forme: str, horaire: bool) -> str:
    if not horaire:
        return t.strftime("%Y-%m-%d" if forme == "iso" else "%d/%m/%Y")
    return t.strftime({"iso": "%Y-%m-%d %H:%M", "isoT": "%Y-%m-%dT%H:%M", "fr": "%d/%m/%Y %H:%M"}[forme])


instants = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2035, 12, 31)).map(
    lambda t: t.replace(second=0, microsecond=0)).filter(_existe_sans_ambiguite)

mesures = st.lists(
    st.tuples(instants, st.sampled_from(SITES), st.integers(min_value=-10**9, max_value=10**9)),
    min_size=1, max_size=25, unique_by=lambda m: (m[0].date(), m[1]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dialecte=dialectes(), lignes=mesures)
def test_ce_qui_est_ecrit_est_relu(tmp_path, dialecte, lignes):
    d = dialecte
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=d["separateur"], quoting=d["guillemets"], lineterminator=d["fin_ligne"])
    ecrivain.writerow(["date", "site", "indicateur", "valeur"])
    for t, site, centimes in lignes:
        ecrivain.writerow([ecrire_date(t, d["forme_date"], d["horaire"]), site, "consommation",
                           ecrire_nombre(centimes, d["decimale"], d["milliers"])])
    octets = tampon.getvalue().encode(d["encodage"])
    assert d["encodage"] != "utf-8-sig" or octets.startswith(codecs.BOM_UTF8)
    chemin = tmp_path / "mesures.csv"
    chemin.write_bytes(octets)

    df = lire_tableau(chemin, "mesures")

    assert len(df) == len(lignes)
    assert df["site"].tolist() == [site for _, site, _ in lignes]
    assert df["valeur"].tolist() == pytest.approx([c / 100 for _, _, c in lignes], rel=1e-12, abs=1e-9)
    if d["horaire"]:
        assert str(df["date"].dtype) == "datetime64[ns, Europe/Paris]"
        relues = df["date"].dt.tz_localize(None).tolist()
        assert relues == [pd.Timestamp(t) for t, _, _ in lignes]
    else:
        assert df["date"].dtype == "datetime64[ns]"
        assert df["date"].tolist() == [pd.Timestamp(t.date()) for t, _, _ in lignes]
    # Le dialecte détecté est celui qui a été écrit.
    lu = df.attrs["dialecte"]
    assert lu["separateur"] == d["separateur"]
    grand = any(abs(c) >= 100_000 for _, _, c in lignes)  # au moins un nombre ≥ 1000 porte des milliers
    if d["milliers"] and grand:
        assert (lu["decimale"], lu["milliers"]) == (d["decimale"], d["milliers"])
    elif d["decimale"] == ",":
        assert lu["decimale"] == ","


# --- Clé primaire : même règle que frictionless ------------------------------------------


@st.composite
def tables_avec_doublons(draw):
    """Petites tables date;site;indicateur;valeur, cellules de clé tirées dans de petits
    ensembles (doublons fréquents), avec cellules vides, lignes vides et lignes courtes."""
    n = draw(st.integers(1, 25))
    lignes = []
    for _ in range(n):
        genre = draw(st.sampled_from(["normale"] * 6 + ["vide", "courte"]))
        if genre == "vide":
            lignes.append([])
            continue
        ligne = [draw(st.sampled_from(["2023-01-01", "2023-01-02", ""])),
                 draw(st.sampled_from(["a", "b", ""])),
                 draw(st.sampled_from(["x", ""])),
                 "1"]
        lignes.append(ligne[: draw(st.integers(1, 3))] if genre == "courte" else ligne)
    return [["date", "site", "indicateur", "valeur"]] + lignes


@example([["date", "site", "indicateur", "valeur"], ["2023-01-01"], ["2023-01-01", "a", "x", "1"],
          ["2023-01-01", "a", "x", "1"], [], ["2023-01-01", "a", "x", "1"], []])
@given(tables_avec_doublons())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_doublons_comme_la_cle_primaire_de_frictionless(lignes):
    """`_doublons` (une passe) signale exactement les lignes que frictionless signalait, avec
    la même ligne de renvoi, sur des tables aux clés incomplètes, vides ou répétées."""
    import re

    from frictionless import Dialect, Resource, Schema, formats

    from eprouvette.lecture import _doublons

    tampon = io.StringIO()
    csv.writer(tampon, delimiter=";", lineterminator="\n").writerows(lignes)
    schema = Schema.from_descriptor({
        "fields": [{"name": c, "type": "string"} for c in ("date", "site", "indicateur", "valeur")],
        "missingValues": [""], "primaryKey": ["date", "site", "indicateur"],
        "fieldsMatch": "equal",  # comme lire_tableau
    })
    ressource = Resource(tampon.getvalue().encode("utf-8"), format="csv", encoding="utf-8",
                         dialect=Dialect(header_rows=[1], controls=[formats.CsvControl(delimiter=";")]),
                         schema=schema)  # comme lire_tableau
    attendu = []
    for tache in ressource.validate(limit_errors=10_000).tasks:
        for e in tache.errors:
            if e.type == "primary-key" and "None" not in e.note:
                attendu.append((e.row_number, int(re.search(r"position (\d+)", e.note).group(1))))
    assert _doublons(lignes, lignes[0], ("date", "site", "indicateur"), set()) == attendu
