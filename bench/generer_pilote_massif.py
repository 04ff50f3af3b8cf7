"""Génère un pilote eau complet dont les mesures sont un très gros fichier de relevés de compteurs.

    python bench/generer_pilote_massif.py DOSSIER [--compteurs 1000] [--jours 425] [--parquet]

Le dossier produit est un pilote d'Éprouvette prêt à être construit par le lanceur
(``python -m eprouvette.rapports <identifiant>``) :

- ``releves.csv.gz`` : relevés horaires de ``compteurs`` compteurs d'abonnés télérelevés pendant
  ``jours`` jours (1 000 × 425 × 24 h ≈ 10,2 millions de lignes), format des exports français :
  « ; », décimale virgule, horodatage local ``AAAA-MM-JJ HH:MM:SS`` (le dimanche du passage à
  l'heure d'été n'a pas de 2 h ; celui du passage à l'heure d'hiver a deux fois 2 h), colonnes
  ``date;compteur;valeur`` (m³ consommés dans l'heure) ;
- ``groupes.csv`` : rattachement de chaque compteur à un secteur (``compteur;groupe``) ;
- ``pilote.yaml`` : pilote du domaine eau, moitié des secteurs expérimentés, moitié témoins,
  indicateur ``volume_consomme_abonnes`` (m³ par jour, somme des compteurs du secteur) ;
- ``verite.yaml`` : l'effet vrai, réalisé dans la simulation.

Le pilote (fictif) : les abonnés des secteurs expérimentés reçoivent une alerte quand leur compteur
télérelevé voit un débit continu (fuite après compteur : chasse d'eau, canalisation enterrée) ;
une partie d'entre eux fait réparer. Simulation, par compteur et par jour (numpy) :

- consommation de base propre au compteur (0,33 m³/j en moyenne), saison, jour de la semaine,
  aléa commun à tous les secteurs (AR(1)), aléa propre au secteur (AR(1)), aléa du jour (±35 %) ;
- fuites après compteur : apparition au hasard (taux ``fuites_par_compteur_an``), débit entre 2 et
  60 L/h, durée naturelle exponentielle (``duree_fuite_jours`` en moyenne, le temps que l'abonné
  s'en aperçoive) ; dans les secteurs expérimentés, à partir du début de l'expérimentation, une
  fuite est signalée en deux jours et réparée avec la probabilité ``part_reparees`` après un délai
  exponentiel (``delai_reparation_jours``), si elle n'a pas cessé avant.

L'effet vrai est calculé sur la simulation elle-même : volume des fuites des secteurs expérimentés
pendant l'expérimentation, avec et sans alertes (mêmes fuites, mêmes dates d'apparition). Les
valeurs horaires répartissent la consommation du jour selon un profil horaire, avec un aléa
horaire déterministe (hachage du compteur, du jour et de l'heure) : pour des paramètres donnés, les
totaux journaliers sont toujours les mêmes, quel que soit le nombre de fils de DuckDB.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

IDENTIFIANT = "eau-alertes-fuites-abonnes-massif"
INDICATEUR = "volume_consomme_abonnes"

#: Profil horaire de la consommation domestique (part du jour, somme 1) : creux la nuit, pics matin et soir.
_PROFIL = np.array([1.2, 0.8, 0.7, 0.7, 0.8, 1.5, 3.5, 6.5, 7.0, 5.5, 4.8, 4.8,
                    5.5, 5.0, 4.0, 3.6, 3.8, 4.5, 6.0, 7.0, 6.5, 5.0, 3.5, 2.3])
PROFIL_HORAIRE = _PROFIL / _PROFIL.sum()


def _ar1(rng, n, rho, sd):
    e = rng.normal(0.0, sd * np.sqrt(1 - rho**2), n)
    e[0] = rng.normal(0.0, sd)
    out = np.empty(n)
    out[0] = e[0]
    for i in range(1, n):
        out[i] = rho * out[i - 1] + e[i]
    return out


def _dernier_dimanche(annee: int, mois: int) -> pd.Timestamp:
    fin = pd.Timestamp(annee, mois, 1) + pd.offsets.MonthEnd(0)
    return fin - pd.Timedelta(days=(fin.day_of_week + 1) % 7)


def _heures_locales(dates: pd.DatetimeIndex) -> pd.DataFrame:
    """(jour, heure, horodatage texte) de chaque heure locale : 23 h fin mars, 25 h fin octobre."""
    ete = {_dernier_dimanche(a, 3) for a in dates.year.unique()}
    hiver = {_dernier_dimanche(a, 10) for a in dates.year.unique()}
    lignes = []
    for d, jour in enumerate(dates):
        for h in range(24):
            if jour in ete and h == 2:
                continue  # 2 h -> 3 h : cette heure n'existe pas
            texte = f"{jour:%Y-%m-%d} {h:02d}:00:00"
            lignes.append((d, h, 0, texte))
            if jour in hiver and h == 2:
                lignes.append((d, h, 1, texte))  # 3 h -> 2 h : l'heure est vécue deux fois
    return pd.DataFrame(lignes, columns=["d", "h", "rep", "horodatage"])


def simuler(compteurs: int = 1000, jours: int = 425, debut: str = "2024-01-01", n_secteurs: int = 10,
            graine: int = 59017, fuites_par_compteur_an: float = 0.3, duree_fuite_jours: float = 150.0,
            part_reparees: float = 0.85, delai_reparation_jours: float = 10.0) -> dict:
    """Consommation journalière (m³) de chaque compteur, périodes du pilote et effet vrai réalisé."""
    if n_secteurs < 2 or n_secteurs % 2:
        raise ValueError("il faut un nombre pair de secteurs (moitié expérimentés, moitié témoins).")
    rng = np.random.default_rng(graine)
    dates = pd.date_range(debut, periods=jours, freq="D")
    n_ref = max(7, int(round(0.43 * jours)))
    ecart = max(1, int(round(0.035 * jours)))
    reference = (dates[0], dates[n_ref - 1])
    d_exp = n_ref + ecart
    experimentation = (dates[d_exp], dates[-1])
    if jours - d_exp < 7:
        raise ValueError("période trop courte : au moins 3 semaines de relevés.")

    moitie = n_secteurs // 2
    secteurs = [f"secteur-exp-{k}" for k in range(1, moitie + 1)] + [f"secteur-tem-{k}" for k in range(1, moitie + 1)]
    secteur_cpt = np.arange(compteurs) % n_secteurs
    experimental = secteur_cpt < moitie

    doy = dates.day_of_year.to_numpy()
    saison = 0.08 * np.cos(2 * np.pi * (doy - 200) / 365.25)
    semaine = np.where(dates.day_of_week.to_numpy() >= 5, 0.06, -0.024)
    commun = _ar1(rng, jours, 0.8, 0.04)
    propre = np.stack([_ar1(rng, jours, 0.7, 0.02) for _ in range(n_secteurs)])
    base = rng.gamma(4.0, 0.33 / 4.0, compteurs)
    alea = rng.gamma(8.0, 1 / 8.0, (compteurs, jours))
    conso = base[:, None] * (1 + saison + semaine + commun)[None, :] * (1 + propre[secteur_cpt]) * alea

    # Fuites après compteur : apparition sur [-1 an, fin], avec et sans alertes.
    fuite_reelle = np.zeros((compteurs, jours))
    fuite_cf = np.zeros((compteurs, jours))
    horizon = 365 + jours
    n_fuites = rng.poisson(fuites_par_compteur_an * horizon / 365.25, compteurs)
    jours_idx = np.arange(jours)
    for c in range(compteurs):
        for _ in range(n_fuites[c]):
            t0 = rng.uniform(-365, jours)
            debit = np.exp(rng.uniform(np.log(2), np.log(60))) * 24 / 1000  # m³/j
            fin_naturelle = t0 + rng.exponential(duree_fuite_jours)
            repare = rng.random() < part_reparees
            delai = rng.exponential(delai_reparation_jours)
            fin = fin_naturelle
            if experimental[c] and repare and fin_naturelle > d_exp:
                fin = min(fin_naturelle, max(t0, d_exp) + 2 + delai)
            # Part de chaque jour couverte par la fuite (jours partiels aux extrémités).
            fuite_cf[c] += debit * np.clip(np.minimum(jours_idx + 1, fin_naturelle) - np.maximum(jours_idx, t0), 0, 1)
            fuite_reelle[c] += debit * np.clip(np.minimum(jours_idx + 1, fin) - np.maximum(jours_idx, t0), 0, 1)
    total = conso + fuite_reelle

    exp_jours = slice(d_exp, jours)
    n_jours_exp = jours - d_exp
    effet = float((fuite_reelle - fuite_cf)[experimental, exp_jours].sum()) / n_jours_exp
    cf = float((conso + fuite_cf)[experimental, exp_jours].sum()) / n_jours_exp
    fuites_cf = float(fuite_cf[experimental, exp_jours].sum()) / n_jours_exp
    return {
        "dates": dates, "reference": reference, "experimentation": experimentation, "secteurs": secteurs,
        "secteur_cpt": secteur_cpt, "total": total, "graine": graine,
        "verite": {
            "effet_m3_jour": round(effet, 3),
            "effet_m3_an": round(effet * 365.25, 0),
            "contrefactuel_m3_jour": round(cf, 2),
            "fuites_contrefactuelles_m3_jour": round(fuites_cf, 2),
            "effet_relatif": round(effet / cf, 5),
            "parametres": {"fuites_par_compteur_an": fuites_par_compteur_an, "duree_fuite_jours": duree_fuite_jours,
                           "part_reparees": part_reparees, "delai_reparation_jours": delai_reparation_jours},
        },
    }


def identifiant_compteur(c: int) -> str:
    """Numéro de compteur fictif (donnée personnelle dans un vrai fichier : il ne doit pas sortir)."""
    return f"D24EA{c:06d}"


def _ecrire_releves(sim: dict, sortie: Path, parquet: bool, fils: int | None) -> int:
    import duckdb

    total = sim["total"]
    compteurs, jours = total.shape
    jm = pd.DataFrame({"c": np.repeat(np.arange(compteurs), jours), "d": np.tile(np.arange(jours), compteurs),
                       "v": total.ravel()})
    heures = _heures_locales(sim["dates"])
    n_h = heures.groupby("d").size()
    # Part de l'heure dans le jour ; un jour de 23 ou 25 heures garde le même total.
    heures["p"] = PROFIL_HORAIRE[heures["h"].to_numpy()]
    heures["p"] = heures["p"] / heures.groupby("d")["p"].transform("sum")
    assert (n_h >= 23).all()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if fils:
        con.execute(f"SET threads = {int(fils)}")
    con.register("jm", jm)
    con.register("heures", heures)
    # Aléa horaire déterministe (hachage), moyenne 1 sur les heures du jour : ±20 %.
    alea = "(0.8 + 0.4 * (hash(j.c, j.d, h.h, h.rep) % 1000000) / 1000000.0)"
    valeur = f"round(j.v * h.p * {alea}, 4)"
    compteur = "printf('D24EA%06d', j.c)"
    if parquet:
        cols = f"strptime(h.horodatage, '%Y-%m-%d %H:%M:%S') AS date, {compteur} AS compteur, {valeur} AS valeur"
        fmt = "(FORMAT parquet, COMPRESSION zstd)"
    else:
        cols = f"h.horodatage AS date, {compteur} AS compteur, replace(CAST({valeur} AS VARCHAR), '.', ',') AS valeur"
        comp = "gzip" if sortie.name.endswith(".gz") else ("zstd" if sortie.name.endswith(".zst") else "none")
        fmt = f"(FORMAT csv, DELIMITER ';', HEADER, COMPRESSION {comp})"
    con.execute(f"COPY (SELECT {cols} FROM jm j JOIN heures h ON j.d = h.d) TO '{sortie}' {fmt}")
    con.close()
    return compteurs * len(heures)


def generer_pilote(dossier: str | Path, compteurs: int = 1000, jours: int = 425, n_secteurs: int = 10,
                   parquet: bool = False, graine: int = 59017, fils: int | None = None,
                   identifiant: str = IDENTIFIANT, **parametres) -> dict:
    """Écrit le dossier du pilote (relevés, groupes, pilote.yaml, verite.yaml) ; renvoie un résumé."""
    dossier = Path(dossier)
    dossier.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    sim = simuler(compteurs, jours, n_secteurs=n_secteurs, graine=graine, **parametres)
    nom_releves = "releves.parquet" if parquet else "releves.csv.gz"
    lignes = _ecrire_releves(sim, dossier / nom_releves, parquet, fils)
    groupes = pd.DataFrame({"compteur": [identifiant_compteur(c) for c in range(compteurs)],
                            "groupe": [sim["secteurs"][s] for s in sim["secteur_cpt"]]})
    groupes.to_csv(dossier / "groupes.csv", sep=";", index=False)
    n_par_secteur = np.bincount(sim["secteur_cpt"], minlength=n_secteurs)
    moitie = n_secteurs // 2
    ref, exp = sim["reference"], sim["experimentation"]
    fiche = {
        "identifiant": identifiant,
        "titre": "Alertes de fuite après compteur envoyées aux abonnés télérelevés (pilote massif du banc)",
        "domaine": "eau",
        "type_pilote": "alertes-fuites-abonnes",
        "technologie": ("Télérelève horaire des compteurs d'abonnés ; alerte (SMS, courrier) quand un compteur "
                        "enregistre un débit continu pendant plus de 24 h."),
        "contexte": (f"Pilote simulé (données fictives) du banc de mesure d'Éprouvette : {compteurs} compteurs "
                     f"d'abonnés relevés chaque heure pendant {jours} jours ({lignes:,} relevés), répartis en "
                     f"{n_secteurs} secteurs ; les abonnés de {moitie} secteurs reçoivent les alertes, les "
                     f"{moitie} autres servent de témoins.").replace(",", " "),
        "caracteristiques": {
            "abonnes_secteurs_experimentaux": int(n_par_secteur[:moitie].sum()),
            "abonnes_secteurs_temoins": int(n_par_secteur[moitie:].sum()),
        },
        "porteur": {"nom": "Syndicat fictif des eaux du Douaisis", "type": "syndicat", "codes_insee": ["59178"]},
        "periodes": {
            "reference": {"debut": f"{ref[0]:%Y-%m-%d}", "fin": f"{ref[1]:%Y-%m-%d}"},
            "experimentation": {"debut": f"{exp[0]:%Y-%m-%d}", "fin": f"{exp[1]:%Y-%m-%d}"},
        },
        "sites": [
            {"identifiant": s, "nom": f"Secteur fictif {s.split('-')[1]}. {s.split('-')[2]}",
             "role": "experimental" if s.startswith("secteur-exp") else "temoin", "code_insee": "59178",
             "description": f"Secteur fictif (données simulées), {int(n)} compteurs d'abonnés télérelevés."}
            for s, n in zip(sim["secteurs"], n_par_secteur)
        ],
        "indicateurs": [{
            "identifiant": INDICATEUR,
            "libelle": "Volume consommé par les abonnés du secteur (somme des compteurs télérelevés)",
            "unite": "m³",
            "sens_souhaite": "baisse",
            "principal": True,
            "type_mesure": "continue",
            "description": "Somme journalière des relevés horaires des compteurs du secteur (agrégée par DuckDB).",
        }],
        "fichiers": {"releves_compteurs": [{"fichier": nom_releves, "groupes": "groupes.csv"}]},
        "couts": {"investissement_eur": 3000.0, "fonctionnement_annuel_eur": 300.0, "duree_vie_ans": 8,
                  "sources": "Montants fictifs (paramétrage des alertes sur la plateforme de télérelève, envois)."},
        "financement": {"feder_eur": 1800.0, "cofinancements": [
            {"financeur": "Syndicat fictif des eaux du Douaisis (autofinancement)", "montant_eur": 1200.0}]},
        "conditions_de_succes": ["Des compteurs d'abonnés déjà télérelevés chaque heure."],
        "notes": f"Données simulées par bench/generer_pilote_massif.py, graine {graine} ; l'effet vrai est dans verite.yaml.",
    }
    (dossier / "pilote.yaml").write_text(
        "# Pilote simulé (données fictives) — généré par bench/generer_pilote_massif.py.\n"
        + yaml.safe_dump(fiche, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    verite = {"generateur": "bench/generer_pilote_massif.py", "graine": graine, "compteurs": compteurs,
              "jours": jours, "releves": lignes,
              "avertissement": "Données simulées : ce pilote n'existe pas, les compteurs sont fictifs.",
              "effet_vrai": sim["verite"]}
    (dossier / "verite.yaml").write_text(yaml.safe_dump(verite, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return {"dossier": str(dossier), "identifiant": identifiant, "releves": lignes, "fichier": nom_releves,
            "taille_fichier_mo": round((dossier / nom_releves).stat().st_size / 1e6, 1),
            "generation_s": round(time.perf_counter() - t0, 1), "effet_vrai": sim["verite"]}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dossier")
    p.add_argument("--compteurs", type=int, default=1000)
    p.add_argument("--jours", type=int, default=425)
    p.add_argument("--secteurs", type=int, default=10)
    p.add_argument("--parquet", action="store_true")
    a = p.parse_args()
    r = generer_pilote(a.dossier, a.compteurs, a.jours, a.secteurs, parquet=a.parquet)
    print(f"{r['releves']} relevés écrits dans {r['dossier']}/{r['fichier']} ({r['taille_fichier_mo']} Mo, "
          f"{r['generation_s']} s) ; effet vrai {r['effet_vrai']['effet_m3_jour']} m³/j "
          f"({100 * r['effet_vrai']['effet_relatif']:.1f} %)")
