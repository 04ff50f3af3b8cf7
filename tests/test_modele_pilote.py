"""`make nouveau-pilote` : fiche à remplir et classeur modèle, remplis comme un analyste, puis relus.

Tout est écrit dans un dossier temporaire (`--dossier`, ou `EPROUVETTE_PILOTES`), jamais dans donnees/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from eprouvette import config
from eprouvette.domaines import domaine, identifiants
from eprouvette.erreurs import ErreursDonnees

RACINE = config.RACINE
DEBUT_REF, FIN_REF = dt.date(2023, 1, 1), dt.date(2023, 12, 31)
DEBUT_EXP, FIN_EXP = dt.date(2024, 1, 1), dt.date(2024, 6, 30)


def _lancer(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environnement = {**os.environ, "PYTHONPATH": str(RACINE / "lib"), **(env or {})}
    return subprocess.run([sys.executable, "-m", "eprouvette.modele_pilote", *args], capture_output=True,
                          text=True, env=environnement, cwd=RACINE, timeout=300)


def _jours():
    jour = DEBUT_REF
    while jour <= FIN_EXP:
        yield jour
        jour += dt.timedelta(days=1)


def _remplir_classeur(chemin: Path, rng: np.random.Generator) -> int:
    """Mesures journalières plausibles pour chaque site et indicateur de la feuille « Listes »."""
    from openpyxl import load_workbook

    wb = load_workbook(chemin)
    assert wb.sheetnames[0] == "Mesures"
    listes = wb["Listes"]
    sites = [c.value for c in listes["A"][1:] if c.value]
    indicateurs = [(listes[f"D{i}"].value, listes[f"F{i}"].value) for i in range(2, listes.max_row + 1)
                   if listes[f"D{i}"].value]
    feuille, rang = wb["Mesures"], 2
    for jour in _jours():
        for site in sites:
            for ident, type_mesure in indicateurs:
                apres = jour >= DEBUT_EXP and not site.startswith("temoin")
                if type_mesure == "comptage":
                    valeur = int(rng.poisson(1200 * (1.1 if apres else 1.0)))  # des milliers : 1234, pas 1.234
                else:
                    valeur = round(float(rng.normal(800 * (0.85 if apres else 1.0), 40)), 1)
                for j, v in enumerate((jour, site, ident, valeur), start=1):
                    feuille.cell(row=rang, column=j, value=v)
                rang += 1
    wb.save(chemin)
    return rang - 2


def _completer_fiche(dossier: Path) -> None:
    """Ce que l'analyste écrit dans les champs vides de pilote.yaml."""
    chemin = dossier / "pilote.yaml"
    fiche = yaml.safe_load(chemin.read_text(encoding="utf-8"))
    fiche.update(titre="Pilote de test", type_pilote="test-modele", technologie="Capteurs connectés.",
                 contexte="Un pilote rempli par un test.")
    fiche["porteur"].update(nom="Ville de Lens", codes_insee=["62498"])
    fiche["periodes"] = {"reference": {"debut": DEBUT_REF, "fin": FIN_REF},
                         "experimentation": {"debut": DEBUT_EXP, "fin": FIN_EXP}}
    for i, site in enumerate(fiche["sites"]):
        site.update(nom=f"Site {i + 1}", code_insee="62498")
    for cle, valeur in (fiche.get("caracteristiques") or {}).items():
        if valeur is None:
            fiche["caracteristiques"][cle] = 2023 if cle == "annee_bilan" else 1000 if "m3" in cle else 10
    fiche["couts"] = {"investissement_eur": 50000, "fonctionnement_annuel_eur": 2000, "duree_vie_ans": 10}
    fiche["financement"] = {"feder_eur": 30000}
    chemin.write_text(yaml.safe_dump(fiche, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if fiche["fichiers"].get("meteo"):
        lignes = ["date;temperature_min;temperature_max"]
        for k, jour in enumerate(_jours()):
            t = 11 - 8 * np.cos(2 * np.pi * k / 365)
            lignes.append(f"{jour};{t - 4:.1f};{t + 4:.1f}".replace(".", ","))
        (dossier / fiche["fichiers"]["meteo"]).write_text("\n".join(lignes) + "\n", encoding="utf-8")


@pytest.mark.parametrize("id_domaine", identifiants())
def test_modele_rempli_est_lu_sans_erreur(tmp_path, id_domaine):
    from eprouvette.lecture import charger_mesures
    from eprouvette.pilote import charger_pilote

    ident = f"test-{id_domaine}"
    r = _lancer("--id", ident, "--domaine", id_domaine, "--dossier", str(tmp_path), "--sites", "site-1,site-2")
    assert r.returncode == 0, r.stderr
    assert f"Pilote « {ident} » créé dans {tmp_path / ident}" in r.stdout
    assert f"make verifier PILOTE={ident}" in r.stdout and "Traceback" not in r.stdout + r.stderr
    dossier = tmp_path / ident
    assert sorted(p.name for p in dossier.iterdir()) == ["mesures.xlsx", "pilote.yaml"]
    assert not list(tmp_path.glob(".*.tmp"))
    n = _remplir_classeur(dossier / "mesures.xlsx", np.random.default_rng(7))
    _completer_fiche(dossier)
    pilote = charger_pilote(dossier)
    assert pilote.domaine == id_domaine
    assert [s.identifiant for s in pilote.sites] == ["site-1", "site-2", "temoin-1"]
    mesures = charger_mesures(pilote)
    assert len(mesures) == n and set(mesures["site"]) == {"site-1", "site-2", "temoin-1"}
    comptages = [i.identifiant for i in pilote.indicateurs if i.type_mesure == "comptage"]
    valeurs = mesures.loc[mesures["indicateur"].isin(comptages), "valeur"]
    assert (valeurs == valeurs.round()).all() and (valeurs.empty or valeurs.min() > 999)
    assert mesures["date"].min().date() == DEBUT_REF and mesures["date"].max().date() == FIN_EXP


def test_fiche_vierge_dit_quoi_remplir(tmp_path):
    from eprouvette.pilote import charger_pilote

    assert _lancer("--id", "vierge", "--domaine", "mobilite", "--dossier", str(tmp_path)).returncode == 0
    texte = (tmp_path / "vierge" / "pilote.yaml").read_text(encoding="utf-8")
    assert texte.startswith("# Fiche du pilote « vierge » (domaine : ")
    assert domaine("mobilite").modele_fiche.splitlines()[0] in texte  # champs du domaine, tirés du registre
    with pytest.raises(ErreursDonnees) as info:
        charger_pilote(tmp_path / "vierge")
    par_champ = {e.champ: e for e in info.value.erreurs}
    ligne_titre = texte.splitlines().index("titre:") + 1
    assert (par_champ["titre"].ligne, par_champ["titre"].message) == (ligne_titre, "champ vide, à remplir.")
    assert par_champ["periodes.reference.debut"].attendu == "une date au format AAAA-MM-JJ, par exemple 2023-09-01"
    assert par_champ["sites[0].code_insee"].message == "champ vide, à remplir."


def test_classeur_tire_du_table_schema(tmp_path):
    from openpyxl import load_workbook

    assert _lancer("--id", "classeur", "--domaine", "dechets", "--dossier", str(tmp_path),
                   "--sites", "pav-1,pav-2", "--temoins", "pav-9").returncode == 0
    schema = json.loads((config.SCHEMAS / "mesures.schema.json").read_text(encoding="utf-8"))
    wb = load_workbook(tmp_path / "classeur" / "mesures.xlsx")
    assert wb.sheetnames == ["Mesures", "Listes", "Mode d'emploi"]
    feuille = wb["Mesures"]
    assert [c.value for c in feuille[1]] == [f["name"] for f in schema["fields"]]
    assert all(c.comment is not None and c.comment.text.startswith(f["title"]) for c, f in zip(feuille[1], schema["fields"]))
    assert feuille.column_dimensions["A"].number_format == "yyyy-mm-dd"
    assert feuille.column_dimensions["B"].number_format == "@"
    validations = {str(v.sqref): v for v in feuille.data_validations.dataValidation}
    assert validations["A2:A100001"].type == "date"
    assert validations["B2:B100001"].type == "list" and validations["B2:B100001"].formula1 == "=Listes!$A$2:$A$201"
    assert validations["C2:C100001"].formula1 == "=Listes!$D$2:$D$201"
    assert "INT(D2)" in validations["D2:D100001"].formula1
    assert [c.value for c in wb["Listes"]["A"][1:4]] == ["pav-1", "pav-2", "pav-9"]
    assert wb["Listes"]["D2"].value == "levees" and wb["Listes"]["F2"].value == "comptage"
    mode = " ".join(str(c.value) for c in wb["Mode d'emploi"]["A"] if c.value)
    assert f"version {schema['version']}" in mode and "make verifier PILOTE=classeur" in mode


def test_refuse_d_ecraser_et_messages_en_francais(tmp_path):
    assert _lancer("--id", "deja", "--domaine", "eau", "--dossier", str(tmp_path)).returncode == 0
    fiche = (tmp_path / "deja" / "pilote.yaml").read_bytes()
    (tmp_path / "deja" / "pilote.yaml").write_text("titre: mon travail\n", encoding="utf-8")
    r = _lancer("--id", "deja", "--domaine", "energie", "--dossier", str(tmp_path))
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == (f"Erreur : le dossier {tmp_path / 'deja'} existe déjà : nouveau-pilote n'écrase jamais un "
                        "pilote. Choisissez un autre identifiant, ou déplacez ce dossier.\n")
    assert (tmp_path / "deja" / "pilote.yaml").read_text(encoding="utf-8") == "titre: mon travail\n" != fiche.decode()
    r = _lancer("--id", "autre", "--domaine", "energi", "--dossier", str(tmp_path))
    assert r.returncode == 1
    assert r.stderr == f"Erreur : domaine « energi » inconnu ; domaines possibles : {', '.join(identifiants())}.\n"
    r = _lancer("--id", "Mauvais Nom", "--domaine", "eau", "--dossier", str(tmp_path))
    assert r.returncode == 1 and "identifiant « Mauvais Nom » mal écrit" in r.stderr
    r = _lancer("--domaine", "eau", "--dossier", str(tmp_path))
    assert r.returncode == 1 and "identifiant du pilote manquant : make nouveau-pilote ID=" in r.stderr
    r = _lancer("--aide")
    assert r.returncode == 0 and r.stdout.startswith("utilisation : ") and "affiche cette aide" in r.stdout
    assert "usage" not in r.stdout and "show this help" not in r.stdout
    r = _lancer("--inconnu")
    assert r.returncode == 2 and "erreur : argument inconnu : « --inconnu »" in r.stderr
    assert not (tmp_path / "autre").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["deja"]


def test_dossier_par_defaut_celui_des_pilotes(tmp_path):
    """Sans --dossier : config.PILOTES (donnees/pilotes, redirigé ici par EPROUVETTE_PILOTES)."""
    r = _lancer("--id", "par-defaut", "--domaine", "tourisme", env={"EPROUVETTE_PILOTES": str(tmp_path / "pilotes")})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "pilotes" / "par-defaut" / "pilote.yaml").is_file()


def test_make_nouveau_pilote(tmp_path):
    r = subprocess.run(["make", "-s", "-C", str(RACINE), "nouveau-pilote", "ID=par-make", "DOMAINE=energie",
                        f"PYTHON={sys.executable}", f"ENV_STAMP=", f"DOSSIER={tmp_path}"],
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(RACINE / "lib")},
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "par-make" / "mesures.xlsx").is_file() and "make verifier PILOTE=par-make" in r.stdout


def _commandes_du_readme() -> list[str]:
    """Les commandes ``make …`` de la section « Ajouter un pilote » du README, dans l'ordre (sans
    celles qui ne sont qu'une forme à compléter, « … »)."""
    texte = (RACINE / "README.md").read_text(encoding="utf-8")
    section = texte.split("\n## Ajouter un pilote\n", 1)[1].split("\n## ", 1)[0]
    commandes = []
    for ligne in section.splitlines():
        ligne = ligne.strip()
        commandes += re.findall(r"`(make [^`]+)`", ligne)
        if ligne.startswith("make "):
            commandes.append(ligne)
    return [c for c in commandes if "…" not in c]


@pytest.mark.lent
def test_le_readme_ajouter_un_pilote_marche_tel_qu_il_est_ecrit(tmp_path):
    """« Ajouter un pilote » du README, commande par commande, par ``make`` comme l'analyste :
    nouveau-pilote crée le dossier ; verifier signale les champs à remplir ; une fois la fiche et le
    classeur remplis (étape 2), verifier réussit et ``make rapports PILOTE=…`` construit le rapport
    (lanceur réel ; pilotes et rapports dans un dossier temporaire, jamais dans donnees/)."""
    commandes = _commandes_du_readme()
    etapes = [c.split()[1] for c in commandes]
    assert etapes[:3] == ["nouveau-pilote", "verifier", "rapports"], commandes
    ident = re.search(r"\bID=(\S+)", commandes[0]).group(1)
    assert all(f"PILOTE={ident}" in c for c in commandes[1:3]), commandes
    pilotes, rapports = tmp_path / "pilotes", tmp_path / "rapports"
    env = {**os.environ, "EPROUVETTE_PILOTES": str(pilotes), "EPROUVETTE_RAPPORTS": str(rapports)}

    def make(commande: str) -> subprocess.CompletedProcess:
        return subprocess.run([*shlex.split(commande), "-s", "-C", str(RACINE), f"PYTHON={sys.executable}",
                               "ENV_STAMP="], capture_output=True, text=True, env=env, timeout=900)

    r = make(commandes[0])
    assert r.returncode == 0, r.stdout + r.stderr
    dossier = pilotes / ident
    assert sorted(p.name for p in dossier.iterdir()) == ["mesures.xlsx", "pilote.yaml"]
    r = make(commandes[1])  # avant l'étape 2 : la fiche est à remplir
    assert r.returncode != 0 and "champ vide, à remplir" in r.stdout  # make rend 2 quand la commande rend 1
    assert "Traceback" not in r.stdout + r.stderr
    _remplir_classeur(dossier / "mesures.xlsx", np.random.default_rng(3))
    _completer_fiche(dossier)
    r = make(commandes[1])
    assert r.returncode == 0, r.stdout + r.stderr
    r = make(commandes[2])
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"[1/1] {ident} : rapport construit" in r.stdout
    assert r.stdout.rstrip().splitlines()[-1].endswith((rapports / "index.html").resolve().as_uri())
    resultats = json.loads((rapports / f"{ident}.json").read_text(encoding="utf-8"))
    assert resultats["identifiant"] == ident and resultats["domaine"] == domaine(ident.split("-")[0]).identifiant
    assert (rapports / f"{ident}.html").is_file()