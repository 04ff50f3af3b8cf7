"""Génère un fichier de relevés horaires fictifs (compteurs d'eau ou d'énergie) avec DuckDB.

    python bench/generer_releves.py SORTIE.csv.gz [--compteurs 1000] [--jours 425] [--parquet]

1 000 compteurs × 425 jours × 24 h = 10,2 millions de lignes (14 mois). Format des exports
français : « ; », décimale virgule, horodatage local AAAA-MM-JJ HH:MM:SS. Chaque compteur
appartient à un site (10 sites) ; la consommation horaire suit un profil journalier + bruit.
Les heures sont des heures locales « murales » (24 par jour, sans tenir compte des changements
d'heure : le fichier ne contient donc aucun doublon).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def generer(sortie: str | Path, compteurs: int = 1000, jours: int = 425, debut: str = "2024-01-01",
            n_sites: int = 10, parquet: bool = False, graine: float = 0.42) -> int:
    import duckdb

    sortie = Path(sortie)
    sortie.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SELECT setseed({graine})")
    valeur = "round(greatest(0, 1.5 + sin((h - 6) / 24.0 * 2 * pi()) + random() - 0.5 + (c % 7) * 0.1), 3)"
    if parquet:
        cols = f"ts AS date, compteur, site, 'volume_eau' AS indicateur, {valeur} AS valeur"
        fmt = "(FORMAT parquet, COMPRESSION zstd)"
    else:
        cols = (f"strftime(ts, '%Y-%m-%d %H:%M:%S') AS date, compteur, site, 'volume_eau' AS indicateur, "
                f"replace(CAST({valeur} AS VARCHAR), '.', ',') AS valeur")
        comp = "gzip" if sortie.name.endswith(".gz") else ("zstd" if sortie.name.endswith(".zst") else "none")
        fmt = f"(FORMAT csv, DELIMITER ';', HEADER, COMPRESSION {comp})"
    con.execute(f"""
        COPY (
            SELECT {cols} FROM (
                SELECT TIMESTAMP '{debut}' + INTERVAL (d) DAY + INTERVAL (h) HOUR AS ts, h, c,
                       printf('compteur-%05d', c) AS compteur, printf('site-%02d', c % {n_sites}) AS site
                FROM range({jours}) t1(d), range(24) t2(h), range({compteurs}) t3(c)
                )
        ) TO '{sortie}' {fmt}
    """)
    return compteurs * jours * 24


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sortie")
    p.add_argument("--compteurs", type=int, default=1000)
    p.add_argument("--jours", type=int, default=425)
    p.add_argument("--parquet", action="store_true")
    a = p.parse_args()
    n = generer(a.sortie, a.compteurs, a.jours, parquet=a.parquet)
    print(f"{n} lignes écrites dans {a.sortie}")
