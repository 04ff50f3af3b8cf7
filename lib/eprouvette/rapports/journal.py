"""Le journal de chaque construction (``rapports/journaux/<id>.log``) et les avertissements de calcul.

Côté lanceur, :func:`ouvrir` donne un ``logging.Logger`` propre au pilote dont les lignes sont
gardées en mémoire puis écrites d'un coup par :func:`fermer` (écriture atomique, comme les
rapports : une construction interrompue laisse l'ancien journal intact).

Côté carnet, le lanceur fait exécuter :data:`CODE_NOYAU` au démarrage du noyau : :func:`installer`
remplace ``warnings.showwarning`` et ajoute un gestionnaire au logger ``eprouvette`` ; chaque
avertissement Python (``RuntimeWarning`` de numpy, avertissements de statsmodels…) et chaque
note de la bibliothèque devient une sortie invisible (type MIME :data:`MIME_JOURNAL`) de la
cellule qui l'a émise. Le lanceur les retire du carnet (:func:`extraire`), les écrit dans le
journal, et :func:`note_avertissements` fait de ceux qui peuvent changer un chiffre une section
« Avertissements de calcul » du rapport, en français.

La règle : est « de calcul » tout ``RuntimeWarning`` (division par zéro, valeur indéfinie,
dépassement…) et tout avertissement d'estimation de statsmodels ou de scipy (convergence,
matrice non inversible…) émis pendant l'exécution du carnet. Les autres (dépréciations…) vont au
journal seulement.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path

MIME_JOURNAL = "application/vnd.eprouvette.journal+json"

#: Avertissements d'estimation (statsmodels, scipy) traités comme les RuntimeWarning : ils peuvent
#: changer un chiffre montré au lecteur.
AVERTISSEMENTS_ESTIMATION = frozenset({
    "ConvergenceWarning", "HessianInversionWarning", "PerfectSeparationWarning", "IterationLimitWarning",
    "EstimationWarning", "CollinearityWarning", "LinAlgWarning", "IntegrationWarning", "OptimizeWarning",
})

#: Exécuté au démarrage du noyau de chaque carnet construit par le lanceur.
CODE_NOYAU = "import eprouvette.rapports.journal as _j; _j.installer(); del _j"

_NIVEAUX = {"DEBUG": "DÉTAIL", "INFO": "NOTE", "WARNING": "AVERTISSEMENT", "ERROR": "ERREUR", "CRITICAL": "ERREUR"}


# --------------------------------------------------------------------------------------------
# Dans le noyau du carnet
# --------------------------------------------------------------------------------------------


def _publier(enregistrement: dict) -> None:
    try:
        from IPython.display import display

        display({MIME_JOURNAL: enregistrement}, raw=True)
    except Exception:  # pragma: no cover - hors noyau : rien à publier
        pass


class _VersLeCarnet(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        _publier({"genre": "journal", "niveau": record.levelname, "logger": record.name,
                  "message": record.getMessage()})


def installer() -> None:
    """Dans le noyau : avertissements et notes du logger ``eprouvette`` publiés comme sorties invisibles."""
    import warnings

    def montrer(message, categorie, fichier, ligne, file=None, line=None):
        _publier({
            "genre": "avertissement",
            "categorie": categorie.__name__,
            "module": categorie.__module__,
            "calcul": issubclass(categorie, RuntimeWarning) or categorie.__name__ in AVERTISSEMENTS_ESTIMATION,
            "message": str(message),
            "fichier": str(fichier),
            "ligne": ligne,
        })

    warnings.showwarning = montrer
    journal = logging.getLogger("eprouvette")
    journal.setLevel(logging.INFO)
    journal.propagate = False  # pas de seconde copie sur stderr (gestionnaire de dernier recours)
    if not any(isinstance(h, _VersLeCarnet) for h in journal.handlers):
        journal.addHandler(_VersLeCarnet())


# --------------------------------------------------------------------------------------------
# Dans le lanceur
# --------------------------------------------------------------------------------------------


class _EnMemoire(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lignes: list[str] = []
        self.setFormatter(_Format())

    def emit(self, record: logging.LogRecord) -> None:
        self.lignes.append(self.format(record))


class _Format(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created).isoformat(timespec="seconds")
        return f"{moment} {_NIVEAUX.get(record.levelname, record.levelname)} {record.getMessage()}"


def ouvrir(identifiant: str) -> logging.Logger:
    """Le journal de la construction de ``identifiant`` (lignes gardées jusqu'à :func:`fermer`)."""
    journal = logging.getLogger(f"eprouvette.construction.{identifiant}")
    journal.setLevel(logging.DEBUG)
    journal.propagate = False
    for h in list(journal.handlers):
        journal.removeHandler(h)
    journal.addHandler(_EnMemoire())
    return journal


def fermer(journal: logging.Logger, chemin: Path) -> None:
    """Écrit le journal dans ``chemin`` (atomiquement) et le referme."""
    from .etat import ecrire_atomique

    lignes = [l for h in journal.handlers if isinstance(h, _EnMemoire) for l in h.lignes]
    for h in list(journal.handlers):
        journal.removeHandler(h)
    ecrire_atomique(chemin, "\n".join(lignes) + "\n")


def _section(nb, index: int) -> str | None:
    """Le titre (« ## … ») de la section du carnet où se trouve la cellule ``index``."""
    for cellule in reversed(nb.cells[:index]):
        if cellule.get("cell_type") == "markdown":
            titres = re.findall(r"(?m)^##\s+(.+?)\s*$", cellule.get("source", ""))
            if titres:
                return titres[-1]
    return None


def extraire(nb) -> list[dict]:
    """Retire du carnet exécuté les sorties du journal et les renvoie (avec ``cellule`` et ``section``).

    Les flux d'erreur (stderr) des cellules sont aussi relevés (``genre`` = ``stderr``) : ils
    n'apparaissent pas dans le rapport, ils vont au journal."""
    from . import retirer_sorties

    releves = [{**dict(valeur), "cellule": rang + 1, "section": _section(nb, rang)}
               for rang, valeur in retirer_sorties(nb, MIME_JOURNAL)]
    for rang, cellule in enumerate(nb.cells):
        for sortie in cellule.get("outputs", []) if cellule.get("cell_type") == "code" else []:
            if sortie.get("output_type") == "stream" and sortie.get("name") == "stderr":
                texte = "".join(sortie.get("text", ""))
                if texte.strip():
                    releves.append({"genre": "stderr", "message": texte.strip(), "cellule": rang + 1,
                                    "section": _section(nb, rang)})
    return sorted(releves, key=lambda r: r["cellule"])


def consigner(journal: logging.Logger, releves: list[dict]) -> None:
    """Écrit dans le journal les avertissements, notes et flux d'erreur relevés dans le carnet."""
    for r in releves:
        lieu = f"cellule {r['cellule']}" + (f", section « {r['section']} »" if r.get("section") else "")
        if r["genre"] == "avertissement":
            journal.warning("%s (%s) : %s : %s [%s, ligne %s]", "avertissement de calcul" if r.get("calcul")
                            else "avertissement", lieu, r["categorie"], r["message"], r["fichier"], r["ligne"])
        elif r["genre"] == "journal":
            journal.log(getattr(logging, str(r.get("niveau", "INFO")), logging.INFO), "%s (%s) : %s",
                        r.get("logger", "eprouvette"), lieu, r["message"])
        else:
            journal.info("sortie d'erreur du carnet (%s) : %s", lieu, r["message"][:2000])


#: Le texte anglais de numpy, statsmodels et scipy -> ce que le lecteur lit (premier motif trouvé).
_DESCRIPTIONS = (
    (r"divide by zero", "une division par zéro"),
    (r"invalid value", "une opération sans résultat défini (valeur indéfinie)"),
    (r"overflow", "un dépassement de capacité (nombre trop grand)"),
    (r"underflow", "un nombre trop petit pour être représenté"),
    (r"empty slice|empty array", "une moyenne ou un quantile calculé sur une série vide"),
    (r"degrees of freedom", "trop peu de données pour estimer une dispersion"),
    (r"precision loss|catastrophic cancellation|ill-conditioned|singular", "une perte de précision numérique"),
    (r"converge|iteration", "une estimation qui n'a pas convergé"),
    (r"hessian|covariance", "une matrice de variance impossible à estimer correctement"),
)


def _decrire(releve: dict) -> str:
    texte = f"{releve.get('categorie', '')} {releve.get('message', '')}".lower()
    for motif, description in _DESCRIPTIONS:
        if re.search(motif, texte):
            return description
    return "une anomalie de calcul numérique"


def avertissements_calcul(releves: list[dict]) -> list[str]:
    """Une phrase en français par avertissement de calcul distinct (description et section)."""
    phrases: dict[str, int] = {}
    for r in releves:
        if r.get("genre") != "avertissement" or not r.get("calcul"):
            continue
        ou = f"dans la section « {r['section']} »" if r.get("section") else \
             "pendant l'analyse (estimation de l'effet, qualité, économie, verdict)"
        phrase = f"{_decrire(r)[0].upper()}{_decrire(r)[1:]}, {ou}"
        phrases[phrase] = phrases.get(phrase, 0) + 1
    return [p + (f" ({n} fois)." if n > 1 else ".") for p, n in phrases.items()]


def note_avertissements(phrases: list[str], chemin_journal: str) -> str | None:
    """La section « Avertissements de calcul » du rapport (Markdown), None s'il n'y en a pas."""
    if not phrases:
        return None
    from ..francais import accord

    lignes = [
        "## Avertissements de calcul",
        "",
        f"Pendant la construction de ce rapport, les calculs ont signalé "
        f"{accord(len(phrases), 'une anomalie numérique', 'des anomalies numériques')}. Les chiffres qui en "
        "dépendent peuvent être moins précis, ou affichés « n.d. » ; lisez-les avec prudence. Le détail "
        f"technique est consigné dans le journal du pilote (`{chemin_journal}`).",
        "",
    ]
    lignes += [f"- {p}" for p in phrases]
    return "\n".join(lignes) + "\n"


def inserer_note(nb, texte: str) -> None:
    """Ajoute la section ``texte`` au carnet, avant le glossaire et l'annexe (sinon à la fin)."""
    import nbformat

    cellule = nbformat.v4.new_markdown_cell(texte)
    for i, c in enumerate(nb.cells):
        if c.get("cell_type") == "markdown" and re.match(r"\s*##\s+(Glossaire|Annexe)", c.get("source", "")):
            nb.cells.insert(i, cellule)
            return
    nb.cells.append(cellule)
