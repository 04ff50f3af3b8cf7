"""Vérifier le dossier d'un pilote sans construire de rapport (``make verifier``).

:func:`verifier` lit le dossier comme le fait une construction — entrées du dossier
(:mod:`eprouvette.fichiers`), fiche ``pilote.yaml`` (:mod:`eprouvette.pilote`), fichiers de
mesures et fichier météo (:mod:`eprouvette.lecture`, :mod:`eprouvette.meteo`) — et rassemble
**toutes** les erreurs (fichier, ligne, colonne ou champ), en français, sans jamais laisser sortir
une trace Python. Aucune validation n'est refaite ici : ce sont celles de la lecture.

Un dossier valide reçoit un court résumé de ce qui a été lu : sites, indicateurs, périodes,
lignes par fichier, jours manquants (le bilan de :func:`eprouvette.qualite.bilan_qualite`).

En ligne de commande : ``python -m eprouvette verifier [PILOTE…]`` (code de sortie 0 si tous
les pilotes sont valides, 1 sinon, 2 si la commande est mal écrite).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import config, fichiers
from .erreurs import ErreurDonnees, ErreursDonnees, chemin_lisible
from .francais import accord, compte, date_longue, nombre


@dataclass
class Verification:
    """Ce que :func:`verifier` a trouvé dans le dossier d'un pilote."""

    dossier: Path
    #: Toutes les erreurs trouvées (les listes très longues sont tronquées par la lecture, voir
    #: :class:`~eprouvette.erreurs.ErreursDonnees` : :attr:`nombre_erreurs` donne le vrai total).
    erreurs: list[ErreurDonnees] = field(default_factory=list)
    #: Ce qui a été lu, une phrase par ligne (vide si la fiche n'a pas pu être lue).
    resume: list[str] = field(default_factory=list)
    #: Le résumé en une phrase (pour la première cellule d'un carnet).
    resume_court: str = ""
    nombre_erreurs: int = 0

    @property
    def identifiant(self) -> str:
        return self.dossier.name

    @property
    def valide(self) -> bool:
        return not self.erreurs

    def __bool__(self) -> bool:
        return self.valide

    def texte(self, resume: bool = True) -> str:
        """Le compte rendu complet : état, erreurs une par ligne, puis (si demandé) le résumé."""
        if self.valide:
            lignes = [f"✓ {self.identifiant} : aucune erreur ({chemin_lisible(self.dossier)})."]
        else:
            lignes = [f"✗ {self.identifiant} : {compte(self.nombre_erreurs, 'erreur')} "
                      f"({chemin_lisible(self.dossier)}) :"]
            lignes += [f"  - {e}" for e in self.erreurs]
        if resume and self.resume:
            lignes += ["  Lu :"] + [f"    {ligne}" for ligne in self.resume]
        return "\n".join(lignes)

    def _repr_markdown_(self) -> str:  # affichage dans un carnet
        if self.valide:
            return f"**Vérification des données** : {self.resume_court}"
        return (f"**Vérification des données** : {compte(self.nombre_erreurs, 'erreur')}\n\n"
                + "\n".join(f"- {e}" for e in self.erreurs))


def _ajouter(verif: Verification, erreur: Exception) -> None:
    if isinstance(erreur, ErreursDonnees):
        verif.erreurs += erreur.erreurs
        verif.nombre_erreurs += erreur.total
    else:
        verif.erreurs.append(erreur)
        verif.nombre_erreurs += 1


def _interne(dossier: Path, etape: str, e: Exception) -> ErreurDonnees:
    return ErreurDonnees(dossier, f"erreur interne pendant la lecture {etape} ({type(e).__name__} : {e}).",
                         conseil="Ce n'est pas une faute des données : signalez-la à l'équipe d'Éprouvette.")


def _lire(verif: Verification, etape: str, lecture, *args):
    """Le résultat de ``lecture(*args)``, ou None après avoir ajouté ses erreurs à ``verif``."""
    try:
        return lecture(*args)
    except (ErreurDonnees, ErreursDonnees) as e:
        _ajouter(verif, e)
    except Exception as e:  # une erreur du code, pas des données : dite, jamais en trace
        _ajouter(verif, _interne(verif.dossier, etape, e))
    return None


def verifier(dossier: str | Path) -> Verification:
    """Vérifie le dossier d'un pilote comme une construction le lirait ; ne lève jamais.

    Toutes les erreurs de la fiche ``pilote.yaml`` d'abord ; si la fiche est valide, celles des
    fichiers de mesures et celles du fichier météo (les unes n'empêchent pas de chercher les
    autres). Un dossier qui contient une entrée refusée (lien sortant, tube nommé…) n'est pas
    ouvert du tout."""
    dossier = Path(dossier)
    verif = Verification(dossier)
    refus = fichiers.refus_du_dossier(dossier) if dossier.exists() or dossier.is_symlink() else []
    if refus:
        _ajouter(verif, ErreursDonnees(refus))
        return verif
    from .lecture import charger_meteo, charger_mesures
    from .pilote import charger_pilote

    pilote = _lire(verif, "de pilote.yaml", charger_pilote, dossier)
    if pilote is None:
        return verif
    from .plan import charger_plan

    plan = _lire(verif, "du plan d'analyse (plan.yaml)", charger_plan, dossier)
    mesures = _lire(verif, "des mesures", charger_mesures, pilote)
    meteo = _lire(verif, "de la météo", charger_meteo, pilote)
    try:
        verif.resume, verif.resume_court = resumer(pilote, mesures, meteo)
    except Exception as e:  # pragma: no cover - le résumé ne doit pas masquer les erreurs
        verif.resume = [f"(résumé indisponible : {type(e).__name__} : {e})"]
    if plan is not None:
        verif.resume.append(_ligne_plan(pilote, plan))
    return verif


def _ligne_plan(pilote, plan) -> str:
    """« Plan d'analyse : enregistré le …, empreinte … (conforme à pilote.yaml) » ; les écarts sont dits
    par le rapport, qui connaît la méthode employée."""
    from .plan import comparer

    c = comparer(plan, pilote)
    etat = {True: "conforme à empreinte_plan de pilote.yaml", False: "DIFFÉRENTE d'empreinte_plan de pilote.yaml : "
            "le plan a été modifié après son enregistrement", None: "empreinte non recopiée dans pilote.yaml"}
    tirage = f", tirage au sort (graine {plan.affectation.graine})" if plan.tirage_au_sort else ""
    return (f"Plan d'analyse : enregistré le {plan.enregistre_le.isoformat()} par {plan.auteur}{tirage}, empreinte "
            f"{plan.empreinte_courte} ({etat[c.empreinte_conforme]}).")


# --------------------------------------------------------------------------------------------
# Le résumé de ce qui a été lu
# --------------------------------------------------------------------------------------------


def _liste(noms: list[str], maximum: int = 6) -> str:
    if len(noms) <= maximum:
        return ", ".join(noms)
    return ", ".join(noms[:maximum]) + f"… (+{len(noms) - maximum})"


def _nom(fichier, pilote) -> str:
    """Le fichier relatif au dossier du pilote (« mesures.csv »), sinon son chemin lisible."""
    try:
        return Path(fichier).resolve().relative_to(Path(pilote.dossier).resolve()).as_posix()
    except ValueError:
        return chemin_lisible(fichier)


def _jours(dates) -> tuple:
    import pandas as pd

    d = pd.to_datetime(dates)
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_convert(config.FUSEAU).dt.tz_localize(None)
    d = d.dt.normalize()
    return (d.min(), d.max()) if len(d) else (None, None)


def resumer(pilote, mesures=None, meteo=None, *, trous: bool = True) -> tuple[list[str], str]:
    """(lignes du résumé, phrase courte) de ce qui a été lu pour ``pilote``.

    ``mesures`` et ``meteo`` : les tableaux de :func:`~eprouvette.lecture.charger_mesures` et
    :func:`~eprouvette.lecture.charger_meteo` (None s'ils n'ont pas pu être lus). ``trous=False`` :
    sans le décompte des jours sans mesure (le carnet, dont la section « Les données » le fait déjà,
    l'emploie ainsi pour ne pas parcourir deux fois les mesures)."""
    import pandas as pd

    from .qualite import bilan_qualite

    ref, exp = pilote.periode_reference, pilote.periode_experimentation
    experimentaux = [s.identifiant for s in pilote.sites_experimentaux]
    temoins = [s.identifiant for s in pilote.sites_temoins]
    principal = pilote.indicateur_principal.identifiant
    lignes = [
        f"Fiche : « {pilote.titre} » (domaine {pilote.domaine}, porteur : {pilote.porteur.nom}).",
        f"Sites : {len(pilote.sites)} — {compte(len(experimentaux), 'expérimental', 'expérimentaux')}"
        f" ({_liste(experimentaux)})"
        + (f", {compte(len(temoins), 'témoin')} ({_liste(temoins)})" if temoins else ", aucun témoin") + ".",
        f"Indicateurs : {len(pilote.indicateurs)} — "
        + ", ".join(f"{i.identifiant} ({i.unite}{', principal' if i.identifiant == principal else ''})"
                    for i in pilote.indicateurs) + ".",
        f"Périodes : référence du {date_longue(ref.debut)} au {date_longue(ref.fin)} "
        f"({compte(ref.jours, 'jour')}) ; expérimentation du {date_longue(exp.debut)} au "
        f"{date_longue(exp.fin)} ({compte(exp.jours, 'jour')}).",
    ]
    court = [f"{compte(len(pilote.sites), 'site')}, {compte(len(pilote.indicateurs), 'indicateur')}"]
    if mesures is not None:
        par_fichier = mesures.attrs.get("lignes_par_fichier", {})
        for f in pilote.fichiers_mesures:
            n = par_fichier.get(str(f), 0)
            lignes.append(f"Mesures : {_nom(f, pilote)} : {compte(n, 'ligne')}.")
        for releve in getattr(pilote, "releves_compteurs", ()):
            n = par_fichier.get(str(releve["fichier"]), 0)
            lignes.append(f"Relevés de compteurs : {_nom(releve['fichier'], pilote)} : "
                          f"{compte(n, 'total journalier', 'totaux journaliers')} par site.")
        debut, fin = _jours(mesures["date"])
        if debut is not None:
            lignes.append(f"Mesures du {date_longue(debut)} au {date_longue(fin)}, "
                          f"{compte(len(mesures), 'valeur')} au total.")
        court.append(compte(len(mesures), "mesure"))
    if mesures is not None and trous:
        # Chaque période à part : les jours entre la référence et l'expérimentation ne sont pas étudiés.
        t = pd.concat([bilan_qualite(mesures, p.debut, p.fin).tableau for p in (ref, exp)], ignore_index=True)
        if not t.empty:
            t = t.groupby(["site", "indicateur"], as_index=False)[["jours_attendus", "jours_manquants"]].sum()
            t["part_manquante"] = t["jours_manquants"] / t["jours_attendus"]
        if t.empty:
            lignes.append("Jours sans mesure : aucune mesure sur les périodes étudiées.")
            court.append("aucune mesure sur les périodes")
        else:
            trouees = t[t["jours_manquants"] > 0]
            if trouees.empty:
                lignes.append("Jours sans mesure : aucun, sur " + ("la seule série" if len(t) == 1 else
                              f"les {len(t)} séries") + " (site et indicateur) des deux périodes.")
                court.append("aucun jour sans mesure")
            else:
                pire = trouees.sort_values("part_manquante", ascending=False).iloc[0]
                total = int(trouees["jours_manquants"].sum())
                series = "la seule série" if len(t) == 1 else f"{len(trouees)} des {len(t)} séries"
                lignes.append(
                    f"Jours sans mesure : {nombre(total)} sur {series} (site et indicateur) des deux périodes ; "
                    f"le plus : {pire['site']}, {pire['indicateur']} : {compte(int(pire['jours_manquants']), 'jour')} "
                    f"({nombre(100 * float(pire['part_manquante']), 1)}\u00a0%).")
                court.append(compte(total, "jour sans mesure", "jours sans mesure"))
    if meteo is not None and pilote.fichier_meteo is not None:
        jours = pd.to_datetime(meteo["date"]).dt.normalize()
        attendus = pd.date_range(pd.Timestamp(ref.debut), pd.Timestamp(ref.fin), freq="D").append(
            pd.date_range(pd.Timestamp(exp.debut), pd.Timestamp(exp.fin), freq="D"))
        manquants = int((~attendus.isin(jours)).sum())
        trou = ("aucun jour sans température sur les deux périodes" if not manquants
                else f"{compte(manquants, 'jour sans température', 'jours sans température')} sur les deux périodes")
        lignes.append(f"Météo : {_nom(pilote.fichier_meteo, pilote)} : {compte(len(meteo), 'jour')} ; {trou}.")
        court.append(f"météo : {compte(len(meteo), 'jour')}")
    return lignes, "lu sans erreur : " + ", ".join(court) + "."


# --------------------------------------------------------------------------------------------
# La commande
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    from .cli import Analyseur, PiloteInconnu, ajouter_version, choisir_pilotes

    analyseur = Analyseur(
        prog=prog or "python -m eprouvette verifier",
        description="Vérifie le dossier d'un ou de plusieurs pilotes sans construire de rapport : toutes les "
                    "erreurs\n(fiche pilote.yaml, fichiers de mesures, fichier météo) avec fichier, ligne et "
                    "colonne,\npuis un résumé de ce qui a été lu. Code de sortie : 0 si tout est valide, 1 sinon.",
    )
    analyseur.add_argument("pilotes", nargs="*", metavar="PILOTE",
                           help="identifiant du pilote (dossier de donnees/pilotes/) ou chemin de son dossier ; "
                                "plusieurs, séparés par des espaces ou des virgules (par défaut : tous)")
    analyseur.add_argument("--dossier-pilotes", type=Path, default=None, metavar="DOSSIER",
                           help="dossier des pilotes (par défaut : donnees/pilotes)")
    analyseur.add_argument("-q", "--quiet", action="store_true",
                           help="n'affiche que les erreurs et la ligne finale")
    ajouter_version(analyseur)
    args = analyseur.parse_args(argv)
    racine = args.dossier_pilotes or config.PILOTES

    # Un chemin de dossier (« donnees/pilotes/x », « ./mon-pilote ») est pris tel quel ; un nom, dans racine.
    chemins = [Path(p) for p in args.pilotes if Path(p).is_dir() and (len(Path(p).parts) > 1 or not (racine / p).is_dir())]
    noms = [p for p in args.pilotes if Path(p) not in chemins]
    try:
        dossiers = chemins + (choisir_pilotes(noms, racine) if noms or not chemins else [])
    except PiloteInconnu as e:
        analyseur.exit(2, f"{analyseur.prog} : erreur : {e}\n")
    if not dossiers:
        print(f"Aucun pilote dans {chemin_lisible(racine)}.", file=sys.stderr)
        return 1

    invalides = 0
    for dossier in dossiers:
        verif = verifier(dossier)
        invalides += not verif.valide
        if verif.valide and args.quiet:
            continue
        print(verif.texte(resume=not args.quiet), flush=True)
    valides = len(dossiers) - invalides
    if len(dossiers) == 1:
        fin = "Pilote valide." if not invalides else "Pilote à corriger : voir les erreurs ci-dessus."
    else:
        fin = (f"{compte(len(dossiers), 'pilote vérifié', 'pilotes vérifiés')} : {valides} "
               f"{accord(valides, 'valide')}, {invalides} {accord(invalides, 'à corriger', 'à corriger')}.")
    print(fin)
    return 1 if invalides else 0


if __name__ == "__main__":
    sys.exit(main())
