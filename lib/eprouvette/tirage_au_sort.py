"""``python -m eprouvette tirer`` (``make tirage PILOTE=… GRAINE=…``) : tirer au sort les sites équipés
d'un pilote et l'écrire dans son ``plan.yaml``.

C'est, avec ``nouveau-pilote``, une des seules commandes qui écrivent dans ``donnees/``, à la
demande explicite de l'analyste : une construction de rapports ne tire ni n'écrit jamais rien.
Les candidats sont les sites de ``pilote.yaml`` (ou ceux donnés par ``--candidats``) ; les
variables d'équilibre sont calculées sur la période de référence
(:func:`eprouvette.methodes.tirage.variables_historique`) ; le tirage
(:func:`eprouvette.methodes.tirage.tirer`) et sa table d'équilibre sont écrits dans le bloc
``affectation`` du plan (:mod:`eprouvette.plan`), avec la graine. La commande affiche ensuite
l'empreinte du plan et ce qu'il faut recopier dans ``pilote.yaml``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from . import config
from . import plan as plan_mod
from .cli import Analyseur, choisir_pilotes, entier_positif, PiloteInconnu, separer_liste
from .erreurs import ErreurDonnees, ErreursDonnees
from .francais import nombre
from .pilote import dossier_du_pilote

VARIABLES_DEFAUT = ("niveau", "tendance")


def tirer_pour_pilote(dossier: str | Path, graine: int, *, nombre_equipes: int | None = None,
                      plan_tirage: str = "paires", variables=VARIABLES_DEFAUT, strates: int = 2,
                      appariement: list[str] | None = None,
                      candidats: list[str] | None = None, auteur: str | None = None,
                      enregistre_le: dt.date | None = None, remplacer: bool = False):
    """Le tirage d'un pilote et le plan qui le porte (données de plan.yaml), sans rien écrire.

    Rend ``(plan, tirage)``. Le plan existant du dossier est repris (ses autres champs gardés) ;
    s'il contient déjà un tirage au sort, :class:`ValueError` sauf avec ``remplacer``."""
    from .lecture import charger_mesures
    from .methodes.tirage import tirer, variables_historique
    from .pilote import charger_pilote
    from .recommandation import charger_grille

    pilote = charger_pilote(dossier)
    existant = plan_mod.charger_plan(pilote.dossier)
    if existant is not None and existant.tirage_au_sort and not remplacer:
        raise ValueError(f"{plan_mod.NOM_FICHIER} contient déjà un tirage au sort (graine "
                         f"{existant.affectation.graine}, enregistré le {existant.enregistre_le.isoformat()}) ; "
                         "un tirage ne se refait pas après coup. Option --remplacer pour le remplacer quand même "
                         "(avant tout enregistrement).")
    connus = [s.identifiant for s in pilote.sites]
    candidats = list(candidats) if candidats else connus
    inconnus = [c for c in candidats if c not in connus]
    if inconnus:
        raise ValueError("candidats absents de pilote.yaml : " + ", ".join(inconnus))
    if nombre_equipes is None:
        nombre_equipes = len(pilote.sites_experimentaux)
    variables = tuple(variables or ())
    table = None
    if variables:
        mesures = charger_mesures(pilote)
        reference = pilote.periode_reference
        table = variables_historique(
            mesures, candidats, pilote.indicateur_principal.identifiant, reference.debut, reference.fin, variables,
            caracteristiques={s.identifiant: {"surface_m2": s.surface_m2} for s in pilote.sites})
    tirage = tirer(table if table is not None else candidats, nombre_equipes, graine, plan_tirage, strates=strates,
                   appariement=appariement)
    enregistre_le = enregistre_le or dt.date.today()
    if existant is not None:
        donnees = dict(existant.brut)
        donnees["enregistre_le"] = enregistre_le
        if auteur:
            donnees["auteur"] = auteur
    else:
        seuils = charger_grille().seuils
        donnees = plan_mod.plan_depuis_pilote(
            pilote, auteur=auteur or "à compléter", enregistre_le=enregistre_le,
            seuils={k: seuils[k] for k in ("effet_relatif_materiel", "effet_minimal_detectable_relatif_max")})
    autres_temoins = [s for s in donnees.get("temoins", []) if s not in candidats]
    donnees["sites_experimentaux"] = list(tirage.equipes)
    donnees["temoins"] = list(tirage.temoins) + autres_temoins
    donnees["affectation"] = tirage.affectation(enregistre_le)
    return donnees, tirage


def resume(tirage, plan: dict) -> str:
    """Le compte rendu du tirage en français : liste tirée, table d'équilibre, empreinte."""
    from .methodes.tirage import SEUIL_EQUILIBRE

    lignes = [f"Tirage au sort « {tirage.plan_tirage} », graine {tirage.graine} : "
              f"{len(tirage.equipes)} sites équipés parmi {len(tirage.candidats)} candidats.",
              "Sites tirés pour recevoir la technologie : " + ", ".join(tirage.equipes) + ".",
              "Témoins : " + ", ".join(tirage.temoins) + "."]
    if tirage.variables:
        lignes.append("Équilibre des deux groupes (différence standardisée ; au-delà de "
                      f"{nombre(SEUIL_EQUILIBRE, 2)} en valeur absolue, la variable est déséquilibrée) :")
        for r in tirage.equilibre.itertuples():
            d = r.difference_standardisee
            lignes.append(f"  - {r.variable} : équipés {nombre(r.moyenne_equipes, 3)}, témoins "
                          f"{nombre(r.moyenne_temoins, 3)}, différence standardisée "
                          f"{nombre(d, 2) if d == d else 'non calculable'}")
        if not tirage.equilibre_atteint:
            lignes.append("Attention : une variable au moins est déséquilibrée"
                          + (" ; un tirage par paires ou par strates sur cette variable l'équilibrerait mieux."
                             if tirage.plan_tirage == "simple" else
                             " malgré le plan de tirage : avec si peu de candidats, c'est possible. Le plan le dit ; "
                             "l'évaluation vérifiera sur les données d'avant que les témoins évoluaient comme les "
                             "sites équipés."))
    empreinte = plan_mod.empreinte(plan)
    lignes += ["", f"Empreinte du plan : {empreinte} (courte : {empreinte[:plan_mod.LONGUEUR_COURTE]}).",
               "À recopier dans pilote.yaml au moment de l'enregistrement :",
               "  affectation: tirage_au_sort", f"  empreinte_plan: {empreinte}",
               "et les rôles des sites : « experimental » pour " + ", ".join(tirage.equipes)
               + ", « temoin » pour les autres."]
    return "\n".join(lignes)


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    from .methodes.tirage import PLANS_TIRAGE, TirageImpossible

    analyseur = Analyseur(
        prog=prog or "python -m eprouvette tirer",
        description="Tire au sort, parmi les sites candidats d'un pilote, ceux qui reçoivent la technologie, et "
                    "écrit la graine, les candidats, la liste tirée et la table d'équilibre dans son plan.yaml.")
    analyseur.add_argument("pilote", metavar="PILOTE", help="identifiant du pilote (dossier de donnees/pilotes/)")
    analyseur.add_argument("--graine", type=int, required=True, help="graine du tirage (un entier, à conserver)")
    analyseur.add_argument("--nombre", type=entier_positif, default=None,
                           help="nombre de sites à équiper (par défaut : les sites expérimentaux de pilote.yaml)")
    analyseur.add_argument("--plan", choices=PLANS_TIRAGE, default="paires",
                           help="tirage simple, stratifié (strates) ou par paires (par défaut)")
    analyseur.add_argument("--variables", default=",".join(VARIABLES_DEFAUT),
                           help="variables d'équilibre, séparées par des virgules : niveau, tendance (de l'indicateur "
                                "principal sur la période de référence), surface_m2 ; « aucune » pour un tirage simple")
    analyseur.add_argument("--appariement", default=None,
                           help="variables sur lesquelles former les paires ou les strates (par défaut : toutes les "
                                "variables ; la table d'équilibre porte toujours sur toutes)")
    analyseur.add_argument("--strates", type=entier_positif, default=2, help="nombre de strates (plan « strates »)")
    analyseur.add_argument("--candidats", nargs="*", default=None,
                           help="sites candidats (par défaut : tous les sites de pilote.yaml)")
    analyseur.add_argument("--auteur", default=None, help="qui arrête le plan (service, personne)")
    analyseur.add_argument("--date", default=None, help="date d'enregistrement AAAA-MM-JJ (par défaut : aujourd'hui)")
    analyseur.add_argument("--remplacer", action="store_true", help="remplace un tirage déjà écrit dans plan.yaml")
    args = analyseur.parse_args(argv)
    dossier = dossier_du_pilote(args.pilote)
    if not dossier.is_dir():
        try:
            dossier = choisir_pilotes([args.pilote], config.PILOTES)[0]
        except PiloteInconnu as e:
            print(e, file=sys.stderr)
            return 2
    try:
        date = dt.date.fromisoformat(args.date) if args.date else None
    except ValueError:
        analyseur.error(f"date invalide « {args.date} » ; attendu AAAA-MM-JJ, par exemple 2024-06-15")
    variables = [] if args.variables.strip().lower() == "aucune" else separer_liste([args.variables])
    plan_tirage = "simple" if not variables else args.plan
    try:
        plan, tirage = tirer_pour_pilote(dossier, args.graine, nombre_equipes=args.nombre, plan_tirage=plan_tirage,
                                         variables=variables, strates=args.strates,
                                         appariement=separer_liste([args.appariement] if args.appariement else None) or None,
                                         candidats=separer_liste(args.candidats) or None, auteur=args.auteur,
                                         enregistre_le=date, remplacer=args.remplacer)
    except (ErreurDonnees, ErreursDonnees) as e:
        print(e, file=sys.stderr)
        return 1
    except (TirageImpossible, ValueError) as e:
        print(f"Tirage impossible : {e}", file=sys.stderr)
        return 1
    chemin = plan_mod.ecrire_plan(dossier, plan)
    print(resume(tirage, plan))
    print(f"\nPlan écrit dans {chemin}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
