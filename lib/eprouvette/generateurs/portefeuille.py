"""Portefeuille généré : N pilotes simulés de tous les domaines, sur de vraies communes des Hauts-de-France.

Pour éprouver le lanceur et la page du portefeuille à la taille d'une agence nationale ou d'un groupe
de régions (des centaines de pilotes), sans toucher à ``donnees/`` : chaque pilote est une variante
d'un pilote d'exemple (les ``EXEMPLES`` des générateurs de domaine, déclarés par le registre des
domaines), regénérée par **le même générateur de domaine** avec des paramètres changés :

- la commune : une vraie commune des Hauts-de-France (référentiel des communes, ``referentiel.py``),
  d'au moins :data:`POPULATION_MIN` habitants et placée sur la carte ; quelques pilotes par commune
  (2 à 4), les communes tirées dans les cinq départements ;
- la vérité (:data:`SCENARIOS`) : effet nul, faible (35 % de l'effet du modèle), net (celui du
  modèle), ou plan faible (un seul site équipé et un seul témoin) ; un scénario n'est donné qu'aux
  modèles dont les paramètres le permettent (les déchets n'ont pas de paramètre d'effet : leur effet
  naît de la collecte à la demande ; la mobilité et le tourisme n'ont pas de nombre de sites) ;
- la graine : tirée de la graine du portefeuille.

Le verdict attendu d'un pilote changé n'est pas fixé d'avance (``verite.yaml`` dit le scénario et,
pour un effet nul ou un plan faible, le verdict qui ne doit pas sortir : « généraliser »). Pour une
graine et un nombre donnés, les fichiers écrits sont identiques à l'octet près.

    python -m eprouvette portefeuille-genere /tmp/portefeuille --nombre 200 --graine 19
    python -m eprouvette rapports --dossier-pilotes /tmp/portefeuille --dask local
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SCENARIOS", "Modele", "modeles", "communes_candidates", "plan_du_portefeuille", "generer_portefeuille",
           "main"]

VERSION_GENERATEUR = "1.0.0"
POPULATION_MIN = 2000

#: Scénario -> (multiplicateur de l'effet du modèle, plan réduit à un site équipé et un témoin, libellé).
SCENARIOS: dict[str, tuple[float | None, bool, str]] = {
    "nul": (0.0, False, "effet nul"),
    "faible": (0.35, False, "effet faible (35 % de celui du modèle)"),
    "net": (1.0, False, "effet net (celui du modèle)"),
    "plan_faible": (None, True, "plan faible : un seul site équipé et un seul témoin"),
    "modele": (None, False, "vérité du modèle (aucun paramètre d'effet à changer)"),
}
#: Champs d'effet des paramètres des générateurs de domaine (multipliés ensemble par le scénario).
CHAMPS_EFFET = ("effet_chauffage", "effet_fuites", "effet_fuites_apres", "effet")
CLES_VERDICT = ("verdict_attendu", "regle_attendue", "raison_attendue")


@dataclasses.dataclass(frozen=True)
class Modele:
    """Un pilote d'exemple qui sert de modèle : son générateur et ses paramètres."""

    identifiant: str
    domaine: str
    generer: Any
    ecrire: Any
    graine: int
    parametres: Any

    def scenarios(self) -> list[str]:
        champs = {f.name for f in dataclasses.fields(self.parametres)}
        effet = [c for c in CHAMPS_EFFET if c in champs]
        liste = ["nul", "faible", "net"] if effet else ["modele"]
        if self._plan_reductible(champs):
            liste.append("plan_faible")
        return liste

    def _plan_reductible(self, champs: set[str]) -> bool:
        if {"n_experimentaux", "n_temoins"} <= champs:
            p = self.parametres
            return not getattr(p, "vagues", ()) and p.n_experimentaux > 1
        return {"secteurs_experimentaux", "secteurs_temoins"} <= champs


def modeles() -> list[Modele]:
    """Les pilotes d'exemple de tous les domaines (registre), dans l'ordre des domaines puis des exemples."""
    from ..domaines import registre

    liste = []
    for d in registre().values():
        for nom in d.generateurs:
            module = importlib.import_module(f"{__package__}.{nom}")
            for identifiant, ecrire_exemple in module.EXEMPLES:
                r = ecrire_exemple.recette  # commun.exemple
                liste.append(Modele(identifiant, d.identifiant, r.generer, r.ecrire, r.graine, r.parametres))
    return liste


def communes_candidates():
    """Communes du référentiel qui peuvent porter un pilote : population ≥ :data:`POPULATION_MIN`, sur la carte."""
    import pandas as pd

    from .. import config, referentiel

    communes = referentiel.charger_communes()
    points = pd.read_csv(config.REFERENTIEL / "points-communes-hauts-de-france.csv", dtype={"code_insee": str})
    communes = communes[communes["population"].ge(POPULATION_MIN) & communes["code_insee"].isin(points["code_insee"])]
    return communes.sort_values("code_insee").reset_index(drop=True)


def _slug(texte: str) -> str:
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", sans_accents.lower()).strip("-")


def plan_du_portefeuille(nombre: int, graine: int) -> list[dict]:
    """Ce que sera chaque pilote (modèle, commune, scénario, graine), sans rien écrire."""
    if nombre < 1:
        raise ValueError("Le portefeuille doit compter au moins un pilote.")
    # Des flux de tirage séparés : le portefeuille de 20 pilotes est le début de celui de 200 (même graine).
    rng = np.random.default_rng([graine, 0])
    tous = modeles()
    communes = communes_candidates()
    # Quelques pilotes par commune (2 à 4), communes tirées sans remise, d'abord un département après l'autre.
    rng_tailles = np.random.default_rng([graine, 2])
    tailles = []
    while sum(tailles) < nombre:
        tailles.append(int(rng_tailles.integers(2, 5)))
    departements = sorted(communes["code_departement"].unique())
    par_dep = {d: rng.permutation(communes.index[communes["code_departement"] == d].to_numpy()) for d in departements}
    choisies = []
    for k in range(len(tailles)):
        d = departements[k % len(departements)]
        choisies.append(int(par_dep[d][(k // len(departements)) % len(par_dep[d])]))
    ordre_modeles = rng.permutation(len(tous))
    plan = []
    for k, taille in enumerate(tailles):
        c = communes.loc[choisies[k]]
        for _ in range(taille):
            i = len(plan)
            if i == nombre:
                break
            m = tous[int(ordre_modeles[i % len(tous)])]
            scenarios = m.scenarios()
            rng_pilote = np.random.default_rng([graine, 1, i])
            scenario = scenarios[int(rng_pilote.integers(0, len(scenarios)))]
            plan.append({
                "identifiant": f"{m.domaine}-{_slug(str(c['nom']))}-{i + 1:03d}",
                "numero": i + 1, "modele": m, "scenario": scenario, "graine": int(rng_pilote.integers(1, 2**31 - 1)),
                "commune": str(c["nom"]), "code_insee": str(c["code_insee"]),
                "departement": str(c["code_departement"]),
            })
    return plan


def _parametres(m: Modele, ligne: dict):
    p = m.parametres
    champs = {f.name for f in dataclasses.fields(p)}
    changes: dict[str, Any] = {"identifiant": ligne["identifiant"]}
    for cle in ("commune", "code_insee"):
        if cle in champs:
            changes[cle] = ligne[cle]
    multiplicateur, reduit, _ = SCENARIOS[ligne["scenario"]]
    if multiplicateur is not None:
        for c in CHAMPS_EFFET:
            if c in champs:
                changes[c] = round(getattr(p, c) * multiplicateur, 4)
    if reduit:
        if "n_experimentaux" in champs:
            changes.update(n_experimentaux=1, n_temoins=1)
        else:
            changes.update(secteurs_experimentaux=p.secteurs_experimentaux[:1], secteurs_temoins=p.secteurs_temoins[:1])
    return dataclasses.replace(p, **changes)


def _adapter(genere, m: Modele, ligne: dict) -> None:
    """La fiche et la vérité du pilote généré : sa commune, son titre, son scénario."""
    fiche, code = genere.fiche, ligne["code_insee"]
    fiche["titre"] = f"{fiche['titre']} — variante générée n° {ligne['numero']} à {ligne['commune']}"
    fiche["porteur"] = {"nom": f"Commune de {ligne['commune']}", "type": "commune", "codes_insee": [code]}
    for site in fiche.get("sites", []):
        if "code_insee" in site:
            site["code_insee"] = code
    scenario = SCENARIOS[ligne["scenario"]]
    verite = genere.verite
    modifie = ligne["scenario"] not in ("modele", "net")
    if modifie:
        for cle in CLES_VERDICT:
            verite.pop(cle, None)
    verite["portefeuille"] = {
        "generateur": f"{__name__} version {VERSION_GENERATEUR}",
        "modele": m.identifiant, "scenario": ligne["scenario"], "description": scenario[2],
        "verdict_interdit": "generaliser" if ligne["scenario"] in ("nul", "plan_faible") else None,
        "verdict_attendu": "non fixé d'avance (vérité changée)" if modifie else "celui du modèle",
    }


def generer_portefeuille(dossier: str | Path, nombre: int = 200, graine: int = 19) -> list[Path]:
    """Écrit ``nombre`` pilotes dans ``dossier`` (un sous-dossier par pilote) ; renvoie leurs dossiers.

    Refuse d'écrire dans ``donnees/`` du dépôt (les données d'entrée sont en lecture seule) et dans un
    dossier qui contient déjà autre chose qu'un portefeuille généré."""
    from .. import config

    dossier = Path(dossier).resolve()
    if dossier == config.DONNEES.resolve() or config.DONNEES.resolve() in dossier.parents:
        raise ValueError(f"Le portefeuille généré ne s'écrit jamais dans {config.DONNEES} : choisissez un "
                         "dossier temporaire (par exemple /tmp/portefeuille).")
    dossiers = []
    for ligne in plan_du_portefeuille(nombre, graine):
        m = ligne["modele"]
        genere = m.generer(ligne["graine"], _parametres(m, ligne))
        _adapter(genere, m, ligne)
        dossiers.append(m.ecrire(genere, dossier / ligne["identifiant"]))
    return dossiers


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    from ..cli import Analyseur, ajouter_version, entier_positif

    analyseur = Analyseur(
        prog=prog or "python -m eprouvette portefeuille-genere",
        description="Écrit un portefeuille de pilotes simulés (tous les domaines, quelques-uns par commune des "
                    "Hauts-de-France, vérités variées) dans un dossier temporaire, pour éprouver le lanceur et la "
                    "page du portefeuille à grande taille. Ensuite : python -m eprouvette rapports "
                    "--dossier-pilotes DOSSIER [--dask local].",
    )
    analyseur.add_argument("dossier", type=Path, metavar="DOSSIER", help="dossier où écrire les pilotes (jamais donnees/)")
    analyseur.add_argument("-n", "--nombre", type=entier_positif, default=200, metavar="N",
                           help="nombre de pilotes (200 par défaut)")
    analyseur.add_argument("--graine", type=int, default=19, help="graine du tirage (19 par défaut)")
    ajouter_version(analyseur)
    args = analyseur.parse_args(argv)
    try:
        dossiers = generer_portefeuille(args.dossier, args.nombre, args.graine)
    except ValueError as e:
        analyseur.exit(2, f"{analyseur.prog} : erreur : {e}\n")
    print(f"{len(dossiers)} pilotes simulés écrits dans {args.dossier}.")
    return 0
