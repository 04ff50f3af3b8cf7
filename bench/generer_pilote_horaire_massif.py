"""Génère un pilote énergie à relevés horaires de plusieurs millions de lignes, déclaré dans
``fichiers.mesures`` (le chemin de lecture ordinaire, pas ``releves_compteurs``).

    python bench/generer_pilote_horaire_massif.py DOSSIER [--lignes 3000000]

C'est le pilote d'exemple de Valenciennes (:mod:`eprouvette.generateurs.energie_horaire` :
thermostats connectés, heure légale avec les changements d'heure, trous, fichier météo au format
Météo-France) agrandi à autant de bâtiments qu'il faut pour atteindre ``lignes`` relevés horaires
(13 872 heures par bâtiment sur les 578 jours du pilote : 220 bâtiments ≈ 3 millions de lignes),
moitié équipés, moitié témoins. ``mesures.csv.gz`` : « ; », décimale virgule, horodatages
``AAAA-MM-JJTHH:MM`` ; l'export d'une supervision (GTB, SCADA) de plusieurs années.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

import numpy as np

HEURES_PAR_SITE = 13_872  # 578 jours du 1er septembre 2023 au 31 mars 2025, 24 h (23 et 25 h aux changements)


def generer(dossier: str | Path, lignes: int = 3_000_000, graine: int = 59606) -> dict:
    """Écrit le pilote dans ``dossier`` ; renvoie un résumé (lignes écrites, taille, durée)."""
    from eprouvette.generateurs import energie_horaire as eh
    from eprouvette.generateurs.commun import ecrire_yaml

    t0 = time.perf_counter()
    n_sites = max(2, int(round(lignes / HEURES_PAR_SITE)))
    n_exp = n_sites // 2
    n_tem = n_sites - n_exp
    # Noms de bâtiments fictifs numérotés (le générateur n'en connaît que sept).
    noms = (eh._NOMS_EXP, eh._NOMS_TEM)
    eh._NOMS_EXP = [f"Bâtiment équipé fictif n° {k}" for k in range(1, n_exp + 1)]
    eh._NOMS_TEM = [f"Bâtiment témoin fictif n° {k}" for k in range(1, n_tem + 1)]
    try:
        p = eh.ParametresHoraire(identifiant="energie-thermostats-massif", n_experimentaux=n_exp, n_temoins=n_tem)
        pilote = eh.generer_pilote_horaire(graine, p)
    finally:
        eh._NOMS_EXP, eh._NOMS_TEM = noms
    pilote.fiche["titre"] += " (pilote massif du banc)"
    dossier = Path(dossier)
    dossier.mkdir(parents=True, exist_ok=True)
    ecrire_yaml(pilote.fiche, dossier / "pilote.yaml",
                entete="Pilote simulé (données fictives) — généré par bench/generer_pilote_horaire_massif.py.")
    m = pilote.mesures
    valeurs = np.char.replace(np.char.mod("%.1f", m["valeur"].to_numpy()), ".", ",")
    with gzip.open(dossier / "mesures.csv.gz", "wt", encoding="utf-8", compresslevel=6, newline="\n") as f:
        f.write("date;site;indicateur;valeur\n")
        pas = 500_000
        for i in range(0, len(m), pas):
            f.write("".join(f"{d};{s};{ind};{v}\n" for d, s, ind, v in zip(
                m["date"].iloc[i:i + pas], m["site"].iloc[i:i + pas], m["indicateur"].iloc[i:i + pas],
                valeurs[i:i + pas])))
    mf = pilote.meteo_mf
    texte = ";".join(mf.columns) + "\n" + "".join(";".join(r) + "\n" for r in mf.astype(str).itertuples(index=False))
    (dossier / pilote.nom_fichier_meteo).write_bytes(gzip.compress(texte.encode("utf-8"), mtime=0))
    ecrire_yaml(pilote.verite, dossier / "verite.yaml",
                entete="Vérité du pilote simulé : l'effet que l'évaluation doit retrouver.")
    return {"dossier": str(dossier), "identifiant": p.identifiant, "sites": n_sites, "lignes": len(m),
            "taille_fichier_mo": round((dossier / "mesures.csv.gz").stat().st_size / 1e6, 1),
            "generation_s": round(time.perf_counter() - t0, 1),
            "effet_vrai_relatif": pilote.verite["effet_vrai"]["effet_relatif"]}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dossier")
    ap.add_argument("--lignes", type=int, default=3_000_000)
    a = ap.parse_args()
    r = generer(a.dossier, a.lignes)
    print(r, file=sys.stderr)
