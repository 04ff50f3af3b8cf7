"""Les domaines d'évaluation : chacun déclaré une fois, dans son propre module, et découvert ici.

Un domaine (énergie, eau, mobilité, déchets, tourisme…) est un module ``domaines/<identifiant>.py``
qui dit ce que ses données veulent dire et qui déclare un objet ``DOMAINE`` (:class:`Domaine`) :
son libellé, son carnet, son adaptateur (le module qui expose ``evaluer_pilote``,
``economie_annuelle`` et ``indicateurs_feder``), ses indicateurs FEDER, ses générateurs de pilotes
d'exemple, son fichier de paramètres. :func:`registre` parcourt les modules du paquet (pkgutil) et
collecte ces déclarations : le lanceur (carnet d'un pilote), la page du portefeuille (libellés,
ordre), l'analyse (adaptateur, référence météo), l'essaimage, l'énumération ``domaine`` du schéma
publié (``donnees/schemas/pilote.schema.json``, réécrite par ``outils/publier_domaines.py``) et les
tests lisent tous ce registre ; aucune autre liste de domaines n'existe.

Les adaptateurs (modules ``*_pilote``) ne sont pas parcourus : ils importent les méthodes
d'estimation (statsmodels, scipy : plusieurs secondes) et ne sont chargés qu'à la première
évaluation d'un pilote de leur domaine. Le registre reste ainsi léger pour le lanceur.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

#: Suffixe des modules d'adaptateur, que la découverte ne charge pas.
SUFFIXE_ADAPTATEUR = "_pilote"


@dataclass(frozen=True)
class Domaine:
    """La déclaration d'un domaine d'évaluation (un objet ``DOMAINE`` par module de domaine)."""

    #: Identifiant écrit dans ``pilote.yaml`` (``domaine: …``) : c'est aussi le nom du module qui déclare.
    identifiant: str
    #: Libellé en français (page du portefeuille, rapports).
    libelle: str
    #: Rang sur la page du portefeuille (tableaux par domaine).
    ordre: int
    #: Module de ``eprouvette.domaines`` qui expose ``evaluer_pilote(pilote, mesures, meteo, *, controles=True)``,
    #: ``economie_annuelle(pilote, resultat, valorisation)`` et ``indicateurs_feder(analyse)``.
    adaptateur: str
    #: Codes des indicateurs communs du FEDER (``feder.CATALOGUE``) que le domaine peut renseigner.
    codes_feder: tuple[str, ...] = ()
    #: True si l'indicateur suit la météo au point que le plan de référence est un modèle météo
    #: (degrés-jours, IPMVP option C) : c'est ce que :func:`eprouvette.methodes.choix.choisir_methode`
    #: appelle ``energie_meteo``. La météo comme simple covariable (pluie) n'en fait pas partie.
    reference_meteo: bool = False
    #: Modules de ``eprouvette.generateurs`` qui exposent ``EXEMPLES`` (pilotes d'exemple simulés).
    generateurs: tuple[str, ...] = ()
    #: Fichier de paramètres chiffrés du domaine dans ``donnees/parametres/`` (None : aucun).
    parametres: str | None = None
    #: Carnet d'analyse dans ``notebooks/`` (par défaut ``<identifiant>.ipynb``).
    carnet: str = field(default="")
    #: Extrait de ``pilote.yaml`` propre au domaine, en YAML commenté en français : ses indicateurs
    #: (liste ``indicateurs``) et ses champs (``occupation``, ``caracteristiques``…). C'est ce que
    #: ``make nouveau-pilote`` (:mod:`eprouvette.modele_pilote`) recopie dans la fiche à remplir.
    modele_fiche: str = ""

    def __post_init__(self) -> None:
        if not self.carnet:
            object.__setattr__(self, "carnet", f"{self.identifiant}.ipynb")

    def chemin_carnet(self) -> Path:
        from .. import config

        return config.NOTEBOOKS / self.carnet

    def chemin_parametres(self) -> Path | None:
        from .. import config

        return config.PARAMETRES / self.parametres if self.parametres else None

    def module_adaptateur(self):
        """Le module d'analyse du domaine, chargé à la première demande."""
        return importlib.import_module(f"{__name__}.{self.adaptateur}")

    def evaluer_pilote(self, pilote, mesures, meteo, *, controles: bool = True):
        """-> ResultatImpact (avec l'effet minimal détectable, dont la grille a besoin). ``controles=False`` :
        l'effet principal seul, mêmes effet et intervalle, sans les contrôles de robustesse (laisser un site
        de côté, étude événementielle…) ni les estimations que seul le rapport lit (simulations de puissance)."""
        return self.module_adaptateur().evaluer_pilote(pilote, mesures, meteo, controles=controles)

    def economie_annuelle(self, pilote, resultat, valorisation):
        """-> EconomieAnnuelle, ou None quand l'effet n'a pas de valeur sourcée (efficience non évaluée)."""
        return self.module_adaptateur().economie_annuelle(pilote, resultat, valorisation)

    def indicateurs_feder(self, analyse) -> list:
        """-> list[IndicateurFeder] ; chaque code doit être déclaré dans :attr:`codes_feder`."""
        sortie = list(self.module_adaptateur().indicateurs_feder(analyse))
        hors = sorted({i.code for i in sortie} - set(self.codes_feder))
        if hors:
            quoi = "indicateur FEDER non déclaré" if len(hors) == 1 else "indicateurs FEDER non déclarés"
            raise ValueError(f"domaine « {self.identifiant} » : {quoi} : {', '.join(hors)}")
        return sortie


class DomaineInconnu(KeyError):
    """Un identifiant de domaine absent du registre (message en français)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "domaine inconnu"


@cache
def registre() -> dict[str, Domaine]:
    """Tous les domaines déclarés, par identifiant, dans l'ordre du portefeuille."""
    trouves: list[Domaine] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name.endswith(SUFFIXE_ADAPTATEUR):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        d = getattr(module, "DOMAINE", None)
        if d is None:
            continue
        if not isinstance(d, Domaine):
            raise TypeError(f"{module.__name__}.DOMAINE n'est pas un Domaine")
        if d.identifiant != info.name:
            raise ValueError(f"{module.__name__} déclare le domaine « {d.identifiant} » : "
                             f"un domaine se déclare dans le module de son nom (domaines/{d.identifiant}.py)")
        trouves.append(d)
    return {d.identifiant: d for d in sorted(trouves, key=lambda d: (d.ordre, d.identifiant))}


def identifiants() -> list[str]:
    """Identifiants des domaines, dans l'ordre du portefeuille."""
    return list(registre())


def domaine(identifiant: str) -> Domaine:
    """Le domaine déclaré sous cet identifiant ; :class:`DomaineInconnu` sinon."""
    try:
        return registre()[identifiant]
    except (KeyError, TypeError):
        raise DomaineInconnu(
            f"domaine « {identifiant} » inconnu ; domaines possibles : {', '.join(registre())}") from None
