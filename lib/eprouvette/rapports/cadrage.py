"""Les notes de cadrage des projets (``donnees/projets/``) et la vue de chaque appel à projets.

Pour chaque projet : ``notebooks/plan.ipynb`` exécuté par papermill (paramètre ``dossier_projet``),
converti par la même conversion que les rapports (gabarit, typographie, plotly.js hors ligne, bandeau
« Données simulées »), écrit dans ``rapports/cadrage-<id>.html`` avec ``cadrage-<id>.json`` et le
carnet exécuté ``rapports/carnets/cadrage-<id>.ipynb``. Puis, pour chaque appel, la page
``rapports/appel-<identifiant de l'appel>.html`` : ses projets côte à côte. Rien n'est écrit sous
``donnees/`` ; une note n'est refaite que si son projet, le carnet ou la bibliothèque ont changé
(état dans ``rapports/.etat/cadrage/``, à part des pilotes).
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

from .. import config
from . import etat as etat_mod
from . import journal as journal_mod

CARNET = "plan.ipynb"
NATURE = "Note de cadrage"
NATURE_APPEL = "Vue de l'appel à projets"


def chemin_note(identifiant: str) -> Path:
    return config.RAPPORTS / f"cadrage-{identifiant}.html"


def chemin_etat(identifiant: str) -> Path:
    return config.RAPPORTS / ".etat" / "cadrage" / f"{identifiant}.json"


def lire_etat(identifiant: str) -> dict | None:
    try:
        return json.loads(chemin_etat(identifiant).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def chemin_carnet() -> Path:
    return config.NOTEBOOKS / CARNET


def _cle_etat(identifiant: str) -> str:
    return f"cadrage-{identifiant}"


def construire_note(dossier: str, empreinte: str, simulations: int | None = None) -> dict:
    """Construit la note de cadrage d'un projet. Ne lève pas : renvoie un état (réussite ou échec)."""
    from .executer import EchecPilote, _message_execution

    dossier_p = Path(dossier)
    identifiant = dossier_p.name
    debut = time.perf_counter()
    journal = journal_mod.ouvrir(_cle_etat(identifiant))
    etat = {"identifiant": identifiant, "empreinte": empreinte}
    try:
        from .executer import _extraire_resultats, charger_pilote_ou_echec, executer_carnet

        pilote = charger_pilote_ou_echec(dossier_p)  # avant nbformat (jsonschema sans la grammaire rfc3987)
        import nbformat
        from papermill.exceptions import PapermillExecutionError

        from .html import convertir_en_html

        parametres = {"dossier_projet": str(dossier_p.resolve())}
        if simulations is not None:
            parametres["simulations"] = int(simulations)
        try:
            nb = executer_carnet(chemin_carnet(), parametres)
        except PapermillExecutionError as e:
            journal.error("le carnet s'est arrêté sur une erreur :\n%s", "".join(l + "\n" for l in (e.traceback or [])))
            raise EchecPilote(_message_execution(e)) from None
        resultats = _extraire_resultats(nb)
        if resultats is None:
            raise EchecPilote(f"{CARNET} n'a pas publié de résultats.")
        journal_mod.consigner(journal, journal_mod.extraire(nb))
        titre = f"Note de cadrage — {pilote.titre}"
        nb.metadata["title"] = titre
        nb.metadata["eprouvette_nature"] = NATURE
        if pilote.donnees_simulees:
            nb.metadata["eprouvette_simule"] = True
        page = convertir_en_html(nb, titre)
        resultats["note_cadrage"] = chemin_note(identifiant).name
        etat_mod.ecrire_atomique(config.RAPPORTS / "carnets" / f"cadrage-{identifiant}.ipynb", nbformat.writes(nb))
        etat_mod.ecrire_atomique(chemin_note(identifiant).with_suffix(".json"),
                                 json.dumps(resultats, ensure_ascii=False, indent=2, default=str))
        etat_mod.ecrire_atomique(chemin_note(identifiant), page)
        etat.update(statut="reussi", resultats=resultats)
    except EchecPilote as e:
        etat.update(statut="echec", message=str(e))
        journal.error("échec : %s", e)
    except Exception as e:
        etat.update(statut="echec", message=f"Erreur interne pendant la note de cadrage ({type(e).__name__} : {e}).")
        journal.error("erreur interne :\n%s", traceback.format_exc())
    etat["duree_s"] = round(time.perf_counter() - debut, 2)
    journal_mod.fermer(journal, config.RAPPORTS / "journaux" / f"{_cle_etat(identifiant)}.log")
    etat_mod.ecrire_atomique(chemin_etat(identifiant), json.dumps(etat, ensure_ascii=False, indent=2, default=str))
    return etat


def liens_du_portefeuille() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Pour la page du portefeuille : (libellé de l'appel, page de sa vue, [(titre, note de cadrage)]), d'après
    les résultats des notes déjà construites (``rapports/cadrage-<id>.json``)."""
    appels: dict[str, tuple[str, list]] = {}
    for f in sorted(config.RAPPORTS.glob("cadrage-*.json")):
        try:
            r = json.loads(f.read_text(encoding="utf-8"))
            ident, libelle = r["appel"]["identifiant"], r["appel"]["libelle"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        appels.setdefault(ident, (libelle, []))[1].append((r.get("titre", f.stem), f.with_suffix(".html").name))
    return [(lib, f"appel-{ident}.html", notes) for ident, (lib, notes) in sorted(appels.items())
            if (config.RAPPORTS / f"appel-{ident}.html").exists()]


def carnet_appel(libelle: str, resultats: list[dict], simule: bool):
    """Le carnet (déjà « exécuté ») de la vue d'un appel, fait des blocs de :mod:`presentation.cadrage`."""
    import nbformat

    from ..presentation import cadrage

    nb = nbformat.v4.new_notebook()
    nb.metadata["eprouvette_nature"] = NATURE_APPEL
    if simule:
        nb.metadata["eprouvette_simule"] = True
    liens = {r["identifiant"]: r["note_cadrage"] for r in resultats if r.get("note_cadrage")}
    cellules = []
    for bloc in cadrage.vue_appel(libelle, resultats, liens):
        c = nbformat.v4.new_code_cell("")
        c.outputs = [nbformat.v4.new_output("display_data", data={"text/html": str(bloc), "text/plain": ""})]
        cellules.append(c)
    nb.cells = cellules
    return nb


def ecrire_vues_appels(etats: list[dict]) -> list[Path]:
    """Une page par appel, à partir des résultats publiés par les notes réussies."""
    from .html import convertir_en_html

    par_appel: dict[str, list[dict]] = {}
    for e in etats:
        r = e.get("resultats") if e.get("statut") == "reussi" else None
        if r:
            par_appel.setdefault(r["appel"]["identifiant"], []).append(r)
    pages = []
    for ident, res in sorted(par_appel.items()):
        libelle = res[0]["appel"]["libelle"]
        nb = carnet_appel(libelle, res, any(r.get("donnees_simulees") for r in res))
        chemin = config.RAPPORTS / f"appel-{ident}.html"
        etat_mod.ecrire_atomique(chemin, convertir_en_html(nb, f"Vue de l'appel — {libelle}"))
        pages.append(chemin)
    return pages


def _lister_projets(racine: Path | None = None) -> list[Path]:
    """:func:`eprouvette.conception.lister_projets`, sans importer ``conception`` (numpy, pandas : 0,3 s) quand
    aucune note n'est à refaire (``make rapports`` sans changement) ; même liste (tests/test_rien_a_faire.py)."""
    racine = Path(racine) if racine is not None else config.PROJETS
    if not racine.is_dir():
        return []
    return sorted(p for p in racine.iterdir() if p.is_dir() and (p / "pilote.yaml").is_file()
                  and (p / "cadrage.yaml").is_file())


def notes_a_construire(racine: Path | None = None, *, forcer: bool = False,
                       simulations: int | None = None) -> tuple[list[dict], list[tuple[Path, str]]]:
    """(états des notes à jour, [(dossier, empreinte)] des notes à construire) : ce que le lanceur de
    ``make rapports`` soumet au même pool que les rapports (:func:`eprouvette.rapports.executer.construire_tout`)."""
    dossiers = _lister_projets(racine)
    if not dossiers:
        return [], []
    biblio = etat_mod.empreinte_bibliotheque()
    etats, a_faire = [], []
    for d in dossiers:
        empreinte = etat_mod.empreinte_pilote(d, chemin_carnet(), biblio + f"|{simulations}")
        ancien = lire_etat(d.name)
        if not forcer and ancien and ancien.get("empreinte") == empreinte and ancien.get("statut") == "reussi" \
                and chemin_note(d.name).exists():
            etats.append(ancien)
        else:
            a_faire.append((d, empreinte))
    return etats, a_faire


def duree_attendue(identifiant: str) -> float | None:
    """Durée de la dernière construction réussie de la note (None si inconnue), pour l'ordre du pool."""
    ancien = lire_etat(identifiant) or {}
    d = ancien.get("duree_s")
    return float(d) if ancien.get("statut") == "reussi" and isinstance(d, (int, float)) else None


def afficher_note(etat: dict, sortie=sys.stdout, silencieux: bool = False) -> None:
    if not silencieux or etat["statut"] != "reussi":
        quoi = "note de cadrage construite" if etat["statut"] == "reussi" else f"échec : {etat.get('message')}"
        print(f"- {etat['identifiant']} : {quoi} ({etat['duree_s']} s)", file=sortie, flush=True)


def finir_cadrages(etats: list[dict], construites: bool, *, sortie=sys.stdout,
                   silencieux: bool = False) -> tuple[int, bool]:
    """Les vues des appels, une fois les notes faites. Rend (code de sortie, vrai si une note ou une vue a été écrite)."""
    if not etats:
        return 0, False
    ecrit = construites
    if construites or not any(config.RAPPORTS.glob("appel-*.html")):
        ecrit = True
        for page in ecrire_vues_appels(etats):
            if not silencieux:
                print(f"Vue de l'appel : {page} — {page.resolve().as_uri()}", file=sortie, flush=True)
    return (1 if any(e.get("statut") != "reussi" for e in etats) else 0), ecrit


def construire_cadrages(racine: Path | None = None, *, forcer: bool = False, sortie=sys.stdout,
                        silencieux: bool = False, simulations: int | None = None) -> tuple[int, bool]:
    """Les notes de cadrage de tous les projets qui en ont besoin (seules : ``make cadrage``), puis les vues
    des appels. Rend (code de sortie, vrai si une note ou une vue a été écrite). ``make rapports`` ne passe
    pas par ici : il soumet les notes au pool des rapports, en même temps qu'eux."""
    from ..francais import compte

    etats, a_faire = notes_a_construire(racine, forcer=forcer, simulations=simulations)
    if a_faire:
        if not silencieux:
            print(f"{compte(len(a_faire), 'note de cadrage', 'notes de cadrage')} à construire…", file=sortie, flush=True)
        from .executer import nombre_travailleurs
        from .executeurs import creer_executeur

        # les plus longues d'abord (sur deux processus, la plus longue en dernier laisserait un cœur inoccupé)
        a_faire.sort(key=lambda de: -(duree_attendue(de[0].name) or float("inf")))
        with creer_executeur(None, nombre_travailleurs(len(a_faire))) as pool:
            futurs = [pool.submit(construire_note, str(d), e, simulations) for d, e in a_faire]
            for f in futurs:
                etat = f.result()
                etats.append(etat)
                afficher_note(etat, sortie, silencieux)
    return finir_cadrages(etats, bool(a_faire), sortie=sortie, silencieux=silencieux)


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """``python -m eprouvette.rapports.cadrage`` (``make cadrage``) : les notes de cadrage et les vues d'appel seules."""
    from ..cli import Analyseur, entier_positif

    analyseur = Analyseur(prog=prog or "python -m eprouvette.rapports.cadrage",
                          description="Construit la note de cadrage de chaque projet de donnees/projets/ et la vue "
                                      "de chaque appel à projets (rapports/cadrage-<id>.html, rapports/appel-<appel>.html).")
    analyseur.add_argument("-f", "--force", action="store_true", help="reconstruit même ce qui est à jour")
    analyseur.add_argument("--simulations", type=entier_positif, default=None, metavar="N",
                           help="historiques simulés par essai (par défaut : 100, celui du carnet)")
    analyseur.add_argument("-q", "--quiet", action="store_true", help="n'affiche que les erreurs")
    args = analyseur.parse_args(argv)
    config.RAPPORTS.mkdir(parents=True, exist_ok=True)
    return construire_cadrages(forcer=args.force, silencieux=args.quiet, simulations=args.simulations)[0]


if __name__ == "__main__":
    sys.exit(main())
