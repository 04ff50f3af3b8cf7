"""Concevoir une expérimentation avant son début : durée, effet minimal détectable, témoins, niveau de preuve.

Un **projet** est le dossier d'un pilote qui n'a pas commencé (``donnees/projets/<id>/``,
docs/conception.md) : son ``pilote.yaml`` brouillon (la période d'expérimentation y est la période
*prévue*), son ``cadrage.yaml`` (appel, seuil de matérialité) et l'historique des sites candidats au
format des mesures, sur la seule période de référence.

La puissance n'est pas tirée d'une formule : on **simule l'évaluation elle-même**. Chaque série
des sites est décomposée sur son historique (niveau, saison annuelle, jour de la semaine ; échelle
logarithmique quand toutes les valeurs sont positives) ; le reste (les écarts au modèle, avec leur
autocorrélation et ce que les sites ont en commun) est rééchantillonné par blocs de quatre semaines,
les mêmes jours pour tous les sites. On obtient ainsi des historiques plausibles de la même
longueur que le vrai, prolongés sur la durée prévue ; on y plante un effet connu sur les sites à
équiper pendant l'expérimentation fictive, et l'on appelle **la fonction d'estimation de
l'adaptateur du domaine** (``evaluer_pilote``, celle du rapport d'évaluation), sur un pilote
identique au projet dont seules les périodes changent. La puissance est la part des simulations où
elle déclare un effet significatif dans le sens souhaité.

- :func:`charger_projet` : le projet (fiche, cadrage, historique) ;
- :func:`decomposer` : niveau, saison, jour de la semaine et autocorrélation de chaque site ;
- :func:`simuler_puissance` : la puissance de l'évaluation pour une durée et un effet planté ;
- :func:`diagnostiquer_temoins` : quels témoins candidats ressemblent aux sites à équiper ;
- :func:`concevoir` : tout cela réuni (effet minimal détectable, durée nécessaire, niveau de preuve).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import config
from .erreurs import ErreurDonnees
from .francais import compte, pourcentage
from .methodes.base import Verification
from .methodes.niveau_preuve import NiveauPreuve, evaluer_niveau_preuve
from .pilote import Periode, Pilote, charger_pilote

#: Fichier du cadrage d'un projet (à côté de son pilote.yaml brouillon).
NOM_CADRAGE = "cadrage.yaml"
#: Longueur des blocs rééchantillonnés (jours) : quatre semaines, qui gardent le jour de la semaine
#: et l'essentiel de l'autocorrélation d'une série journalière.
BLOC_JOURS = 28
#: Puissance visée et risque d'erreur (ceux de la grille et de methodes/puissance.py).
PUISSANCE_VISEE = 0.80
Z_ALPHA = 1.959963984540054
Z_PUISSANCE = 0.8416212335729143
#: Durées d'expérimentation essayées (mois) pour trouver celle qui suffit.
DUREES_ESSAYEES_MOIS = (3, 6, 9, 12, 18, 24, 36)
JOURS_PAR_MOIS = 365.25 / 12


# --------------------------------------------------------------------------------------------
# Le projet
# --------------------------------------------------------------------------------------------


@dataclass
class Projet:
    """Un pilote avant son début : la fiche brouillon, le cadrage et l'historique des sites."""

    pilote: Pilote
    appel: dict
    seuil_materialite: float  # part du contrefactuel (0,05 = 5 %)
    historique: pd.DataFrame  # mesures de l'indicateur principal avant le début prévu

    @property
    def identifiant(self) -> str:
        return self.pilote.identifiant

    @property
    def duree_prevue_jours(self) -> int:
        return self.pilote.periode_experimentation.jours

    @property
    def duree_prevue_mois(self) -> float:
        return self.duree_prevue_jours / JOURS_PAR_MOIS


def dossier_du_projet(dossier: str | Path) -> Path:
    """Le dossier d'un projet, à partir de son chemin ou de son seul identifiant (dans ``config.PROJETS``)."""
    chemin = Path(dossier)
    if chemin.is_absolute() or chemin.is_dir():
        return chemin
    if len(chemin.parts) == 1 and (config.PROJETS / chemin).is_dir():
        return config.PROJETS / chemin
    return chemin


def lister_projets(racine: str | Path | None = None) -> list[Path]:
    """Dossiers de projets (ceux qui contiennent un pilote.yaml et un cadrage.yaml), triés par nom."""
    racine = Path(racine) if racine is not None else config.PROJETS
    if not racine.is_dir():
        return []
    return sorted(p for p in racine.iterdir()
                  if p.is_dir() and (p / "pilote.yaml").is_file() and (p / NOM_CADRAGE).is_file())


def lire_cadrage(dossier: Path) -> dict:
    """``cadrage.yaml`` lu par la lecture sûre des dossiers, vérifié (messages en français)."""
    import yaml

    from .fichiers import examiner, lire_octets

    fichier = dossier / NOM_CADRAGE
    entree = examiner(fichier, dossier)
    if entree.probleme is not None:
        raise entree.probleme
    if entree.absente:
        raise ErreurDonnees(fichier, "fichier cadrage.yaml introuvable dans le dossier du projet.",
                            conseil="Un projet décrit son appel et son seuil de matérialité dans cadrage.yaml "
                                    "(voir docs/conception.md).")
    try:
        brut = yaml.safe_load(lire_octets(fichier, dossier, limite=100_000).decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ErreurDonnees(fichier, f"YAML illisible ({type(e).__name__}).") from None
    if not isinstance(brut, dict):
        raise ErreurDonnees(fichier, "le fichier ne contient pas une liste de champs « nom: valeur ».")
    appel = brut.get("appel")
    if not isinstance(appel, dict) or not isinstance(appel.get("identifiant"), str):
        raise ErreurDonnees(fichier, "le champ « appel » doit donner l'identifiant de l'appel (et son libellé).",
                            champ="appel", attendu="appel: {identifiant: …, libelle: …}")
    seuil = brut.get("seuil_materialite")
    if seuil is None:
        from .recommandation import charger_grille

        seuil = float(charger_grille().seuils["effet_relatif_materiel"])
    if isinstance(seuil, bool) or not isinstance(seuil, (int, float)) or not 0 < seuil < 1:
        raise ErreurDonnees(fichier, f"seuil_materialite vaut {seuil!r}.", champ="seuil_materialite",
                            attendu="une part du contrefactuel strictement entre 0 et 1 (0.05 pour 5\u00a0%)")
    return {"appel": {"identifiant": appel["identifiant"], "libelle": str(appel.get("libelle") or appel["identifiant"])},
            "seuil_materialite": float(seuil)}


def charger_projet(dossier: str | Path) -> Projet:
    """Charge un projet : pilote.yaml brouillon (validé comme une fiche de pilote), cadrage, historique."""
    from .lecture import charger_mesures

    dossier = dossier_du_projet(dossier)
    pilote = charger_pilote(dossier)
    cadrage = lire_cadrage(dossier)
    mesures = charger_mesures(pilote)
    ind = pilote.indicateur_principal
    debut = pd.Timestamp(pilote.periode_experimentation.debut)
    h = mesures[(mesures["indicateur"] == ind.identifiant) & mesures["valeur"].notna()].copy()
    d = pd.to_datetime(h["date"])
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_convert(config.FUSEAU).dt.tz_localize(None)
    h["date"] = d
    apres = h["date"] >= debut
    if apres.any():
        raise ErreurDonnees(pilote.dossier / "mesures.csv",
                            f"{compte(int(apres.sum()), 'mesure')} datent du début prévu ou d'après : un projet "
                            "ne contient que l'historique d'avant le début.",
                            conseil="Un pilote déjà commencé s'évalue dans donnees/pilotes/, pas ici.")
    h = h[h["date"] >= pd.Timestamp(pilote.periode_reference.debut)]
    if h["date"].nunique() < 90:
        raise ErreurDonnees(pilote.dossier / "mesures.csv",
                            f"seulement {h['date'].nunique()} jours d'historique : il faut au moins trois mois "
                            "(un an ou plus pour mesurer la saison).")
    return Projet(pilote, cadrage["appel"], cadrage["seuil_materialite"], h.reset_index(drop=True))


# --------------------------------------------------------------------------------------------
# Décomposition de l'historique
# --------------------------------------------------------------------------------------------


@dataclass
class Decomposition:
    """Le modèle de chaque site sur son historique, et les écarts qu'il laisse."""

    jours: pd.DatetimeIndex
    sites: list[str]
    log: bool
    harmoniques: int
    coefficients: np.ndarray  # (n_regresseurs, n_sites)
    residus: np.ndarray  # (n_jours, n_sites), NaN les jours sans mesure
    comptage: bool
    statistiques: pd.DataFrame  # une ligne par site : niveau, saison, semaine, bruit, autocorrélation


def _regresseurs(jours: pd.DatetimeIndex, harmoniques: int) -> np.ndarray:
    cols = [np.ones(len(jours))]
    t = jours.day_of_year.to_numpy() / 365.25
    for k in range(1, harmoniques + 1):
        cols += [np.cos(2 * np.pi * k * t), np.sin(2 * np.pi * k * t)]
    jour = jours.day_of_week.to_numpy()
    cols += [(jour == j).astype(float) for j in range(1, 7)]
    return np.column_stack(cols)


def _autocorrelation(x: np.ndarray) -> float:
    a, b = x[:-1], x[1:]
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 10:
        return float("nan")
    a, b = a[ok] - a[ok].mean(), b[ok] - b[ok].mean()
    den = math.sqrt(float((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / den) if den > 0 else float("nan")


def tableau_journalier(projet: Projet) -> pd.DataFrame:
    """Une colonne par site, une ligne par jour de l'historique (somme pour un comptage, sinon moyenne)."""
    h = projet.historique
    comptage = projet.pilote.indicateur_principal.type_mesure == "comptage"
    jour = h.assign(jour=h["date"].dt.normalize())
    t = jour.groupby(["jour", "site"], observed=True)["valeur"].agg("sum" if comptage else "mean").unstack("site")
    sites = [s.identifiant for s in projet.pilote.sites]
    jours = pd.date_range(pd.Timestamp(projet.pilote.periode_reference.debut), t.index.max(), freq="D")
    return t.reindex(index=jours, columns=sites)


def decomposer(projet: Projet) -> Decomposition:
    """Niveau, saison annuelle (si au moins 330 jours d'historique), jour de la semaine, et écarts."""
    t = tableau_journalier(projet)
    y = t.to_numpy(dtype=float)
    positif = np.nanmin(y) > 0
    comptage = projet.pilote.indicateur_principal.type_mesure == "comptage"
    z = np.log(y) if positif else y
    harmoniques = 2 if len(t) >= 330 else 0
    X = _regresseurs(t.index, harmoniques)
    coefs = np.zeros((X.shape[1], y.shape[1]))
    residus = np.full_like(z, np.nan)
    lignes = []
    for j, site in enumerate(t.columns):
        ok = np.isfinite(z[:, j])
        if ok.sum() < 30:
            raise ErreurDonnees(projet.pilote.dossier / "mesures.csv",
                                f"le site « {site} » n'a que {int(ok.sum())} jours mesurés dans l'historique.",
                                attendu="au moins 30 jours par site candidat")
        beta, *_ = np.linalg.lstsq(X[ok], z[ok, j], rcond=None)
        coefs[:, j] = beta
        residus[ok, j] = z[ok, j] - X[ok] @ beta
        saison = X[:, 1:1 + 2 * harmoniques] @ beta[1:1 + 2 * harmoniques] if harmoniques else np.zeros(len(t))
        semaine = np.concatenate([[0.0], beta[1 + 2 * harmoniques:]])
        ecart = np.nanstd(residus[:, j])
        niveau = float(np.nanmean(y[:, j]))
        lignes.append({
            "site": site,
            "niveau": niveau,
            # amplitudes relatives (échelle log) ou rapportées au niveau (échelle additive)
            "saison": float(np.ptp(saison)) if positif else float(np.ptp(saison) / niveau),
            "semaine": float(np.ptp(semaine)) if positif else float(np.ptp(semaine) / niveau),
            "bruit": float(ecart) if positif else float(ecart / niveau),
            "autocorrelation": _autocorrelation(residus[:, j]),
            "jours_mesures": int(ok.sum()),
        })
    return Decomposition(t.index, list(t.columns), positif, harmoniques, coefs, residus, comptage,
                         pd.DataFrame(lignes))


def historique_simule(dec: Decomposition, jours: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Un historique plausible sur ``jours`` (jours × sites) : le modèle de chaque site, plus des blocs
    de ses écarts tirés au hasard (les mêmes jours pour tous les sites : leurs chocs communs restent communs)."""
    n, L = len(jours), len(dec.jours)
    b = min(BLOC_JOURS, L)
    debuts = rng.integers(0, L - b + 1, size=math.ceil(n / b))
    idx = (debuts[:, None] + np.arange(b)[None, :]).ravel()[:n]
    z = _regresseurs(jours, dec.harmoniques) @ dec.coefficients + dec.residus[idx]
    return np.exp(z) if dec.log else z


# --------------------------------------------------------------------------------------------
# La puissance de l'évaluation, par simulation de l'estimateur du domaine
# --------------------------------------------------------------------------------------------


@dataclass
class SimulationPuissance:
    """Ce que l'évaluation a dit sur ``n`` historiques simulés, pour une durée et un effet planté."""

    duree_jours: int
    effet_plante: float  # changement relatif planté sur les valeurs des sites à équiper
    n: int
    detections: int  # effet significatif dans le sens souhaité
    fausses_alertes: int  # effet significatif dans l'autre sens
    echecs: int  # l'estimation n'a pas abouti (compté comme non détecté)
    effets_relatifs: np.ndarray  # effet relatif estimé par l'évaluation (NaN si indéterminé)
    emd_relatifs: np.ndarray  # effet minimal détectable que l'évaluation rapporte (relatif)
    methode: str = ""
    message_echec: str = ""  # le premier message d'une estimation qui n'a pas abouti

    @property
    def calculable(self) -> bool:
        return self.echecs < self.n

    @property
    def puissance(self) -> float:
        return self.detections / self.n if self.n else float("nan")

    @property
    def erreur_type(self) -> float:
        p = self.puissance
        return math.sqrt(max(p * (1 - p), 1e-12) / self.n)

    def en_dict(self) -> dict:
        ok = np.isfinite(self.effets_relatifs)
        emd = self.emd_relatifs[np.isfinite(self.emd_relatifs)]
        return {"duree_jours": self.duree_jours, "effet_plante": self.effet_plante, "simulations": self.n,
                "puissance": self.puissance, "detections": self.detections, "fausses_alertes": self.fausses_alertes,
                "echecs": self.echecs, "methode": self.methode, "message_echec": self.message_echec,
                "effet_relatif_moyen": float(np.mean(self.effets_relatifs[ok])) if ok.any() else None,
                "emd_rapporte_median": float(np.median(emd)) if len(emd) else None}


def pilote_fictif(projet: Projet, duree_jours: int, temoins: list[str] | None = None) -> Pilote:
    """Le pilote du projet avec une expérimentation fictive de ``duree_jours`` au début prévu (et les
    seuls témoins ``temoins`` si donnés). La météo n'est pas fournie : elle n'existe pas encore."""
    p = projet.pilote
    debut = p.periode_experimentation.debut
    fin = (pd.Timestamp(debut) + pd.Timedelta(days=duree_jours - 1)).date()
    sites = tuple(replace(s, debut_equipement=None, fin_equipement=None) for s in p.sites
                  if s.experimental or temoins is None or s.identifiant in temoins)
    return replace(p, periodes={"reference": p.periode_reference, "experimentation": Periode(debut, fin)},
                   periode_apres=None, sites=sites, fichier_meteo=None)


def _jours_simules(pilote: Pilote) -> pd.DatetimeIndex:
    return pd.date_range(pilote.periode_reference.debut, pilote.periode_experimentation.fin, freq="D")


def _valeurs_simulees(pilote: Pilote, dec: Decomposition, rng, effet: float) -> np.ndarray:
    """Un tirage : valeurs journalières (jours de :func:`_jours_simules` × sites du pilote, NaN les jours
    sans mesure), l'effet planté sur les sites à équiper pendant l'expérimentation fictive."""
    jours = _jours_simules(pilote)
    y = historique_simule(dec, jours, rng)
    colonnes = [dec.sites.index(s.identifiant) for s in pilote.sites]
    y = y[:, colonnes]
    if effet:
        equipe = np.array([s.experimental for s in pilote.sites])
        pendant = (jours >= pd.Timestamp(pilote.periode_experimentation.debut))
        y = y * np.where(pendant[:, None] & equipe[None, :], 1 + effet, 1.0)
    if dec.comptage:
        y = np.round(np.clip(y, 0, None))
    return y


def _en_mesures(pilote: Pilote, y: np.ndarray) -> pd.DataFrame:
    """Le tableau d'un tirage au format des mesures (date, site, indicateur, valeur ; sans les jours sans mesure)."""
    jours = _jours_simules(pilote)
    ok = np.isfinite(y)
    jj, ss = np.nonzero(ok)
    return pd.DataFrame({
        "date": jours[jj],
        "site": pd.Categorical([pilote.sites[k].identifiant for k in ss]),
        "indicateur": pd.Categorical([pilote.indicateur_principal.identifiant] * len(jj)),
        "valeur": y[ok],
    })


def _mesures_simulees(pilote: Pilote, dec: Decomposition, rng, effet: float) -> pd.DataFrame:
    return _en_mesures(pilote, _valeurs_simulees(pilote, dec, rng, effet))


def estimateur_simule(pilote: Pilote, *, rapide: bool = True):
    """La fonction d'estimation de l'adaptateur du domaine (``evaluer_pilote``, sans ses contrôles) appliquée
    à un tirage (tableau de :func:`_valeurs_simulees`).

    Chemin rapide quand l'adaptateur le propose (fonction ``simulation(pilote, jours)`` : eau, mobilité) :
    les séries que l'estimateur lit sont faites directement depuis le tableau, et ce qui ne dépend pas du
    tirage (calendrier…) une seule fois ; l'estimateur est le même, l'estimation identique à celle du chemin
    complet par le format des mesures (``rapide=False``, tests/test_conception.py)."""
    from .analyse import module_domaine

    adaptateur = module_domaine(pilote.domaine).module_adaptateur()
    preparer = getattr(adaptateur, "simulation", None) if rapide else None
    try:
        arguments = preparer(pilote, _jours_simules(pilote)) if preparer is not None else None
    except (ErreurDonnees, ValueError) as e:  # calendrier inconnu… : chaque tirage échoue comme par le chemin complet
        erreur = e

        def echec(y):
            raise erreur

        return echec
    if arguments is None:
        return lambda y: adaptateur.evaluer_pilote(pilote, _en_mesures(pilote, y), None, controles=False)
    return lambda y: adaptateur.evaluer_pilote(pilote, None, None, controles=False, **arguments(y))


def simuler_puissance(projet: Projet, duree_jours: int, effet_plante: float, *, n: int = 100, graine: int = 0,
                      temoins: list[str] | None = None, decomposition: Decomposition | None = None,
                      rapide: bool = True, deja: SimulationPuissance | None = None) -> SimulationPuissance:
    """Puissance de l'évaluation du domaine pour une expérimentation de ``duree_jours`` et un changement
    relatif ``effet_plante`` des sites à équiper (−0,05 : 5 % de baisse), sur ``n`` historiques simulés.

    La graine ne dépend ni de l'effet ni de la durée : deux appels de même graine tirent les mêmes
    blocs (nombres aléatoires communs), si bien que la puissance croît régulièrement avec l'effet.
    ``rapide=False`` : chaque tirage passe par le format des mesures (:func:`estimateur_simule`).
    ``deja`` : une simulation de mêmes projet, durée, effet, témoins et graine sur moins de tirages ; ses
    tirages (les premiers) ne sont pas réévalués, seuls les suivants le sont (:func:`affiner`)."""
    from .recommandation import effet_minimal_detectable_relatif

    dec = decomposition or decomposer(projet)
    pil = pilote_fictif(projet, duree_jours, temoins)
    estimer = estimateur_simule(pil, rapide=rapide)
    signe = -1.0 if pil.indicateur_principal.sens_souhaite == "baisse" else 1.0
    rng = np.random.default_rng(graine)
    det = faux = echecs = 0
    effets, emd = np.full(n, np.nan), np.full(n, np.nan)
    methode = message = ""
    k = 0
    if deja is not None:
        k = deja.n
        det, faux, echecs, methode, message = deja.detections, deja.fausses_alertes, deja.echecs, deja.methode, deja.message_echec
        effets[:k], emd[:k] = deja.effets_relatifs, deja.emd_relatifs
    for i in range(n):
        y = _valeurs_simulees(pil, dec, rng, effet_plante)  # tiré même s'il est déjà évalué : les suivants sont les mêmes
        if i < k:
            continue
        try:
            with warnings.catch_warnings():
                # Des centaines d'estimations sur des séries simulées : leurs avertissements numériques
                # (convergence…) ne concernent pas le projet ; une estimation qui échoue compte comme ratée.
                warnings.simplefilter("ignore")
                r = estimer(y)  # l'effet et son intervalle, sans les contrôles
        except (ErreurDonnees, ValueError, np.linalg.LinAlgError) as e:
            echecs += 1
            message = message or str(e)
            if echecs == 5 and i == 4:
                break  # cinq échecs sur cinq : la durée n'est pas évaluable, inutile d'insister
            continue
        methode = r.methode
        if r.significatif:
            if signe * r.effet > 0:
                det += 1
            else:
                faux += 1
        if r.effet_relatif is not None and math.isfinite(r.effet_relatif):
            effets[i] = r.effet_relatif
        e = effet_minimal_detectable_relatif(r)
        emd[i] = e if e is not None else np.nan
    if echecs == 5 and det + faux == 0 and not np.isfinite(effets).any():
        echecs = n
    return SimulationPuissance(duree_jours, effet_plante, n, det, faux, echecs, effets, emd, methode, message)


def affiner(projet: Projet, sim: SimulationPuissance, n: int, **kw) -> SimulationPuissance:
    """La simulation ``sim`` prolongée jusqu'à ``n`` tirages (mêmes premiers tirages, seuls les suivants sont
    évalués) ; ``kw`` : la graine, les témoins et la décomposition de ``sim``."""
    if sim.n >= n:
        return sim
    return simuler_puissance(projet, sim.duree_jours, sim.effet_plante, n=n, deja=sim, **kw)


# --------------------------------------------------------------------------------------------
# Témoins candidats
# --------------------------------------------------------------------------------------------


@dataclass
class DiagnosticTemoin:
    site: str
    nom: str
    rapport_niveau: float  # niveau du témoin / niveau moyen d'un site à équiper
    correlation: float  # des séries hebdomadaires (échelle log) avec les sites à équiper
    ecart_tendance: float  # écart de tendance avec les sites à équiper, part par an
    erreur_tendance: float  # son erreur type (autocorrélation comprise)
    ecart_type_ecart: float  # écart type de l'écart hebdomadaire (part), une fois niveau et tendance retirés
    verdict: str  # retenir | surveiller | ecarter
    raisons: list[str] = field(default_factory=list)

    def en_dict(self) -> dict:
        return dict(self.__dict__)


def _hebdomadaire(t: pd.DataFrame) -> pd.DataFrame:
    """Moyennes par semaine complète (au moins 6 jours mesurés)."""
    g = t.groupby(t.index.to_period("W-SUN"))
    moy, n = g.mean(), g.count()
    return moy.where(n >= 6)


def diagnostiquer_temoins(projet: Projet) -> list[DiagnosticTemoin]:
    """Chaque témoin candidat face aux sites à équiper, sur l'historique : niveau, ajustement, tendance.

    Écarté : tendance qui s'écarte de plus du seuil de matérialité par an (et de plus de deux erreurs
    types), corrélation hebdomadaire inférieure à 0,3, ou niveau plus de cinq fois plus petit ou plus
    grand. À surveiller : corrélation inférieure à 0,6, ou niveau plus de trois fois différent."""
    p = projet.pilote
    t = tableau_journalier(projet)
    w = _hebdomadaire(t)
    exp = [s.identifiant for s in p.sites_experimentaux]
    niveau_exp = float(t[exp].mean().mean())
    groupe = np.log(w[exp].mean(axis=1, skipna=False))
    seuil = projet.seuil_materialite
    sortie = []
    for s in p.sites_temoins:
        x = np.log(w[s.identifiant])
        ok = np.isfinite(x) & np.isfinite(groupe)
        xs, gs = x[ok].to_numpy(), groupe[ok].to_numpy()
        ans = np.arange(len(w))[ok.to_numpy()] * 7 / 365.25
        rapport = float(t[s.identifiant].mean() / niveau_exp)
        corr = float(np.corrcoef(xs, gs)[0, 1]) if len(xs) > 3 else float("nan")
        d = xs - gs
        A = np.column_stack([np.ones(len(d)), ans])
        beta, *_ = np.linalg.lstsq(A, d, rcond=None)
        res = d - A @ beta
        rho = np.clip(_autocorrelation(res), 0, 0.95) if len(res) > 10 else 0.0
        rho = 0.0 if not math.isfinite(rho) else rho
        s2 = float(res @ res / max(len(d) - 2, 1))
        cov = s2 * np.linalg.inv(A.T @ A) * (1 + rho) / (1 - rho)
        pente = float(np.expm1(beta[1]))
        erreur = float(math.sqrt(cov[1, 1]))
        raisons, verdict = [], "retenir"
        if abs(pente) > seuil and abs(beta[1]) > 2 * erreur:
            raisons.append(f"sa tendance s'écarte de celle des sites à équiper de {pourcentage(abs(pente), 0)} par an "
                           f"({'plus vite en hausse' if pente > 0 else 'plus vite en baisse'}), plus que l'effet qui compte")
            verdict = "ecarter"
        if not math.isfinite(corr) or corr < 0.3:
            raisons.append("ses variations d'une semaine à l'autre ne suivent pas celles des sites à équiper")
            verdict = "ecarter"
        elif corr < 0.6:
            raisons.append("ses variations d'une semaine à l'autre ne suivent qu'en partie celles des sites à équiper")
            verdict = "surveiller" if verdict == "retenir" else verdict
        if not 0.2 <= rapport <= 5:
            raisons.append("son niveau est très différent (plus de cinq fois)")
            verdict = "ecarter"
        elif not 1 / 3 <= rapport <= 3:
            raisons.append("son niveau est assez différent (plus de trois fois)")
            verdict = "surveiller" if verdict == "retenir" else verdict
        sortie.append(DiagnosticTemoin(s.identifiant, s.nom, rapport, corr, pente, erreur,
                                       float(np.std(res)), verdict, raisons))
    return sortie


# --------------------------------------------------------------------------------------------
# Le plan complet
# --------------------------------------------------------------------------------------------


@dataclass
class Conception:
    """Ce que dit la note de cadrage d'un projet."""

    projet: Projet
    decomposition: Decomposition
    temoins: list[DiagnosticTemoin]
    temoins_retenus: list[str]
    n_simulations: int
    graine: int
    pente: float  # effet relatif estimé par l'évaluation pour un changement relatif planté de 1
    sans_effet: SimulationPuissance
    emd: float | None  # effet minimal détectable (relatif, comme l'évaluation le mesure), durée prévue
    simulation_emd: SimulationPuissance | None
    au_seuil: dict[int, SimulationPuissance]  # durée (jours) -> simulation au seuil de matérialité
    duree_necessaire_jours: int | None  # None : au-delà de la plus longue durée essayée
    niveau_preuve: NiveauPreuve
    niveau_tirage: NiveauPreuve
    pour_elever: list[str]
    plan: "PlanProjet | None" = None

    @property
    def duree_prevue_jours(self) -> int:
        return self.projet.duree_prevue_jours

    @property
    def puissance_prevue_au_seuil(self) -> float:
        return self.au_seuil[self.duree_prevue_jours].puissance

    @property
    def peut_conclure(self) -> bool:
        return self.duree_necessaire_jours is not None and self.duree_necessaire_jours <= self.duree_prevue_jours

    def effet_plante(self, effet_relatif: float) -> float:
        """Le changement relatif à planter pour que l'évaluation mesure ``effet_relatif`` en moyenne."""
        return effet_relatif / self.pente

    def en_dict(self) -> dict:
        p = self.projet.pilote
        return {
            "identifiant": p.identifiant, "titre": p.titre, "domaine": p.domaine, "porteur": p.porteur.nom,
            "donnees_simulees": p.donnees_simulees, "appel": self.projet.appel,
            "feder_eur": p.financement.feder_eur, "indicateur": p.indicateur_principal.libelle,
            "sens_souhaite": p.indicateur_principal.sens_souhaite,
            "seuil_materialite": self.projet.seuil_materialite,
            "sites_a_equiper": len(p.sites_experimentaux), "temoins_candidats": len(p.sites_temoins),
            "temoins_retenus": list(self.temoins_retenus),
            "historique": [str(self.decomposition.jours[0].date()), str(self.decomposition.jours[-1].date())],
            "debut_prevu": str(p.periode_experimentation.debut),
            "duree_prevue_jours": self.duree_prevue_jours,
            "duree_prevue_mois": round(self.duree_prevue_jours / JOURS_PAR_MOIS, 1),
            "simulations": self.n_simulations, "graine": self.graine, "pente": self.pente,
            "precision_puissance": precision_puissance(self.n_simulations),
            "methode": self.sans_effet.methode,
            "effet_minimal_detectable": self.emd,
            "puissance_a_emd": self.simulation_emd.puissance if self.simulation_emd else None,
            "puissance_prevue_au_seuil": self.puissance_prevue_au_seuil,
            "fausses_alertes_sans_effet": (self.sans_effet.detections + self.sans_effet.fausses_alertes) / self.sans_effet.n,
            "duree_necessaire_jours": self.duree_necessaire_jours,
            "duree_necessaire_mois": (round(self.duree_necessaire_jours / JOURS_PAR_MOIS, 1)
                                      if self.duree_necessaire_jours else None),
            "peut_conclure": self.peut_conclure,
            "au_seuil": [s.en_dict() for _, s in sorted(self.au_seuil.items())],
            "temoins": [t.en_dict() for t in self.temoins],
            "niveau_preuve": self.niveau_preuve.en_dict(),
            "niveau_preuve_tirage": self.niveau_tirage.en_dict(),
            "pour_elever": self.pour_elever,
            "statistiques_sites": self.decomposition.statistiques.to_dict(orient="records"),
            "plan": self.plan.en_dict() if self.plan is not None else None,
        }


def _inverse_normale(p: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(min(max(p, 0.02), 0.98))


#: Simulations d'une note de cadrage par défaut : erreur type de ±2 points de puissance autour de 80 %.
SIMULATIONS_NOTE = 400


def precision_puissance(n: int, puissance: float = PUISSANCE_VISEE) -> float:
    """Erreur type (part, 0,02 = 2 points) d'une puissance estimée sur ``n`` simulations indépendantes."""
    return math.sqrt(puissance * (1 - puissance) / n) if n else float("nan")


def chercher_emd(projet: Projet, dec: Decomposition, temoins, sans_effet: SimulationPuissance, *, n: int,
                 graine: int, n_recherche: int | None = None) -> tuple[float, float | None, SimulationPuissance | None]:
    """Effet minimal détectable à la durée prévue.

    Recherche sur les ``n_recherche`` premiers tirages (par défaut le quart de ``n``, au moins 50 ; mêmes
    tirages que les autres essais) : premier essai à (1,96 + 0,84) fois la dispersion des effets estimés
    sans effet planté, puis corrections d'après la puissance mesurée (au plus quatre essais, arrêt à 4 points
    de 80 %). L'essai le plus proche de 80 % est refait sur les ``n`` tirages ; s'il s'écarte de 80 % de plus
    de 3 points, une correction de plus sur ``n`` tirages, et l'on garde la plus proche des deux.
    Renvoie (pente, EMD relatif tel que l'évaluation le mesure, simulation à cet effet sur ``n`` tirages)."""
    signe = -1.0 if projet.pilote.indicateur_principal.sens_souhaite == "baisse" else 1.0
    e0 = sans_effet.effets_relatifs
    if np.isfinite(e0).sum() < max(10, n // 2):
        return 1.0, None, None
    k = min(n, max(50, n // 4)) if n_recherche is None else min(n, n_recherche)

    def simuler(effet, m):
        return simuler_puissance(projet, projet.duree_prevue_jours, effet, n=m, graine=graine, temoins=temoins,
                                 decomposition=dec)

    essai = signe * (Z_ALPHA + Z_PUISSANCE) * float(np.nanstd(e0, ddof=1))
    essais = []
    for _ in range(4):
        essais.append(simuler(essai, k))
        if abs(essais[-1].puissance - PUISSANCE_VISEE) <= 0.04:
            break
        essai = _prochain_essai(essais, essai)
    meilleur = min(essais, key=lambda t: abs(t.puissance - PUISSANCE_VISEE))
    finals = [affiner(projet, meilleur, n, graine=graine, temoins=temoins, decomposition=dec)]
    if abs(finals[0].puissance - PUISSANCE_VISEE) > 0.03:
        finals.append(simuler(_prochain_essai(finals, finals[0].effet_plante), n))
    meilleur = min(finals, key=lambda t: abs(t.puissance - PUISSANCE_VISEE))
    # La pente (effet mesuré / effet planté) sur les n tirages de l'essai gardé, appariés à ceux sans effet.
    ok = np.isfinite(meilleur.effets_relatifs) & np.isfinite(e0)
    pente = float(np.mean(meilleur.effets_relatifs[ok] - e0[ok]) / meilleur.effet_plante) if ok.sum() >= 10 else 1.0
    return pente, abs(meilleur.effet_plante * pente), meilleur


def _prochain_essai(essais: list[SimulationPuissance], essai: float) -> float:
    """L'effet à essayer ensuite : sur l'échelle des quantiles de la loi normale, la puissance croît à peu
    près linéairement avec l'effet ; interpolation entre les deux essais qui encadrent 80 % s'il y en a,
    sinon un pas (au plus un facteur 2) d'après le dernier essai."""
    cible = _inverse_normale(PUISSANCE_VISEE)
    dessous = [s for s in essais if s.puissance < PUISSANCE_VISEE]
    dessus = [s for s in essais if s.puissance >= PUISSANCE_VISEE]
    if dessous and dessus:
        a = max(dessous, key=lambda s: abs(s.effet_plante))
        b = min(dessus, key=lambda s: abs(s.effet_plante))
        za, zb = _inverse_normale(a.puissance), _inverse_normale(b.puissance)
        t = (cible - za) / (zb - za) if zb > za else 0.5
        return a.effet_plante + min(max(t, 0.1), 0.9) * (b.effet_plante - a.effet_plante)
    facteur = (Z_ALPHA + Z_PUISSANCE) / max(Z_ALPHA + _inverse_normale(essais[-1].puissance), 0.1)
    return essai * min(max(facteur, 0.5), 2.0)


def chercher_duree(projet: Projet, plante: float, kw: dict, durees_mois=DUREES_ESSAYEES_MOIS,
                   ) -> tuple[dict[int, SimulationPuissance], int | None]:
    """Durée qui suffit pour détecter ``plante`` 8 fois sur 10 : d'abord la durée prévue ; si elle ne
    suffit pas, la durée que suggère la puissance mesurée (erreur type en 1/√durée), arrondie à une des
    durées essayées, puis les suivantes tant qu'elle ne suffit pas ; si elle suffit, les durées essayées
    plus courtes, de la plus longue à la plus courte, tant qu'elles suffisent.

    Chaque durée est d'abord simulée sur le quart des tirages (au moins 50) ; elle n'est refaite sur tous
    (``kw["n"]``, les premiers tirages gardés) que si sa puissance est à moins de trois erreurs types de 80 %
    (12 points sur 100 tirages) : loin de 80 %, la conclusion (suffit ou non) ne changerait pas."""
    n = kw["n"]
    k = min(n, max(50, n // 4))
    autres = {c: v for c, v in kw.items() if c != "n"}

    def simuler(d: int) -> SimulationPuissance:
        sim = simuler_puissance(projet, d, plante, n=k, **autres)
        if sim.calculable and abs(sim.puissance - PUISSANCE_VISEE) <= 3 * precision_puissance(k):
            sim = affiner(projet, sim, n, **autres)
        return sim

    prevue = projet.duree_prevue_jours
    # Une durée essayée à moins de deux semaines de la durée prévue n'est pas une autre durée : la prévue la remplace.
    grille = sorted({d for d in (int(round(m * JOURS_PAR_MOIS)) for m in durees_mois) if abs(d - prevue) >= 14}
                    | {prevue})
    sims = {prevue: simuler(prevue)}
    if sims[prevue].puissance >= PUISSANCE_VISEE:
        necessaire = prevue
        for d in reversed([d for d in grille if d < prevue]):
            sims[d] = simuler(d)
            if sims[d].puissance < PUISSANCE_VISEE:
                break
            necessaire = d
        return sims, necessaire
    p0 = sims[prevue].puissance
    rapport = ((Z_ALPHA + Z_PUISSANCE) / max(Z_ALPHA + _inverse_normale(p0), 0.3)) ** 2
    plus_longues = [d for d in grille if d > prevue]
    suggeree = next((d for d in plus_longues if d >= prevue * rapport), plus_longues[-1] if plus_longues else None)
    if suggeree is None:
        return sims, None
    i = plus_longues.index(suggeree)
    # Une durée juste en dessous de la suggestion d'abord, pour ne pas s'arrêter trop tard.
    if i > 0:
        d = plus_longues[i - 1]
        sims[d] = simuler(d)
        if sims[d].puissance >= PUISSANCE_VISEE:
            return sims, d
        if not sims[d].calculable:
            return sims, None
    for d in plus_longues[i:]:
        sims[d] = simuler(d)
        if sims[d].puissance >= PUISSANCE_VISEE:
            return sims, d
        if not sims[d].calculable:
            break  # au-delà, l'évaluation ne peut pas être simulée (calendrier inconnu…)
    return sims, None


def concevoir(projet: Projet, *, n_simulations: int = SIMULATIONS_NOTE, graine: int = 20270301,
              durees_mois: tuple[int, ...] = DUREES_ESSAYEES_MOIS) -> Conception:
    """La note de cadrage d'un projet, chiffrée par simulation de l'évaluation qu'il recevra.

    Les témoins retenus sont ceux que :func:`diagnostiquer_temoins` n'écarte pas ; l'effet minimal
    détectable est celui de la durée prévue ; la durée nécessaire est celle où un effet égal au seuil
    de matérialité est détecté au moins 8 fois sur 10 (:func:`chercher_duree`)."""
    p = projet.pilote
    dec = decomposer(projet)
    diag = diagnostiquer_temoins(projet)
    retenus = [d.site for d in diag if d.verdict != "ecarter"]
    kw = dict(n=n_simulations, graine=graine, temoins=retenus, decomposition=dec)
    sans_effet = simuler_puissance(projet, projet.duree_prevue_jours, 0.0, **kw)
    pente, emd, sim_emd = chercher_emd(projet, dec, retenus, sans_effet, n=n_simulations, graine=graine)
    signe = -1.0 if p.indicateur_principal.sens_souhaite == "baisse" else 1.0
    au_seuil, necessaire = chercher_duree(projet, signe * projet.seuil_materialite / pente, kw, durees_mois)
    plan = plan_du_projet(projet, retenus, graine)
    niveau, tirage = niveaux_de_preuve(diag, retenus, plan)
    return Conception(projet, dec, diag, retenus, n_simulations, graine, pente, sans_effet, emd, sim_emd,
                      au_seuil, necessaire, niveau, tirage, _pour_elever(projet, diag, retenus, niveau, necessaire), plan)


def niveaux_de_preuve(diag: list[DiagnosticTemoin], retenus: list[str], plan: "PlanProjet") -> tuple[NiveauPreuve, NiveauPreuve]:
    """Le niveau de preuve que le plan atteindra (témoins retenus ; tendances parallèles vérifiées sur
    l'historique ; tirage au sort du plan.yaml s'il se refait à l'identique), et celui d'un tirage au sort."""
    verif = [Verification("tendances_prealables",
                          "reussie" if all(d.verdict == "retenir" for d in diag if d.site in retenus) else "attention",
                          "Tendances des témoins retenus et des sites à équiper sur l'historique.")] if retenus else []
    niveau = evaluer_niveau_preuve(a_periode_avant=True, n_temoins=len(retenus), verifications=verif,
                                   affectation_aleatoire=plan.tirage_suivi is True)
    tirage = evaluer_niveau_preuve(a_periode_avant=True, n_temoins=max(len(retenus), 1), verifications=verif,
                                   affectation_aleatoire=True)
    return niveau, tirage


@dataclass
class PlanProjet:
    """Le plan d'analyse préenregistré du projet (``plan.yaml``, :mod:`eprouvette.plan`) s'il en a un, et
    le tirage au sort que la note propose parmi les candidats (sites à équiper et témoins retenus)."""

    plan: object | None  # eprouvette.plan.Plan
    tirage_suivi: bool | None  # le tirage du plan se refait à l'identique depuis sa graine (None : pas de tirage)
    proposition: object | None  # eprouvette.methodes.tirage.Tirage
    message_tirage: str = ""  # pourquoi aucun tirage n'est proposé

    def en_dict(self) -> dict:
        d = {"tirage_suivi": self.tirage_suivi, "message_tirage": self.message_tirage}
        if self.plan is not None:
            d.update(empreinte=self.plan.empreinte, enregistre_le=self.plan.enregistre_le.isoformat(),
                     auteur=self.plan.auteur, tirage_au_sort=self.plan.tirage_au_sort)
        if self.proposition is not None:
            t = self.proposition
            d["tirage_propose"] = {"graine": t.graine, "plan_tirage": t.plan_tirage, "equipes": list(t.equipes),
                                   "temoins": list(t.temoins), "equilibre_atteint": bool(t.equilibre_atteint),
                                   "equilibre": t.equilibre.to_dict(orient="records")}
        return d


def plan_du_projet(projet: Projet, retenus: list[str], graine: int) -> PlanProjet:
    """Le plan.yaml du projet (erreurs en français s'il est fautif) et un tirage au sort proposé, par paires
    sur le niveau et la tendance de l'historique (:mod:`eprouvette.methodes.tirage`), reproductible par sa graine."""
    from . import plan as plan_mod
    from .methodes.tirage import TirageImpossible, tirage_reproduit, tirer, variables_historique

    p = projet.pilote
    plan = plan_mod.charger_plan(p.dossier)
    suivi = None
    if plan is not None and plan.tirage_au_sort:
        suivi = bool(tirage_reproduit(plan.affectation))
    candidats = [s.identifiant for s in p.sites_experimentaux] + list(retenus)
    proposition, message = None, ""
    n = len(p.sites_experimentaux)
    if len(candidats) <= n:
        return PlanProjet(plan, suivi, None, (
            f"{compte(len(candidats), 'site candidat', 'sites candidats')} (sites à équiper et témoins retenus) pour "
            f"{compte(n, 'site')} à équiper : il n'en resterait aucun comme témoin. Il faut d'abord trouver d'autres "
            "sites candidats interchangeables."))
    plan_tirage = "paires" if len(candidats) == 2 * n else ("strates" if len(candidats) >= n + 2 else "simple")
    try:
        table = variables_historique(projet.historique, candidats, p.indicateur_principal.identifiant,
                                     p.periode_reference.debut, p.periode_reference.fin, ("niveau", "tendance"))
        proposition = tirer(table, n, graine, plan_tirage, appariement=["niveau"])
    except TirageImpossible as e:
        message = str(e)
    return PlanProjet(plan, suivi, proposition, message)


def _pour_elever(projet: Projet, diag, retenus, niveau: NiveauPreuve, necessaire) -> list[str]:
    p = projet.pilote
    idees = []
    if niveau.niveau < 5:
        idees.append("Tirer au sort, parmi les sites candidats interchangeables, ceux qui recevront la technologie "
                     "(les autres deviennent témoins) : le niveau de preuve monte à 5 sur 5.")
    if len(retenus) == 0:
        idees.append("Trouver des sites témoins comparables, non équipés, suivis dès maintenant : sans eux, le niveau "
                     "de preuve reste à 2 sur 5 et la grille ne peut pas recommander de généraliser.")
    elif len(retenus) < 3:
        idees.append(f"Ajouter des témoins : avec {compte(len(retenus), 'témoin retenu')}, un seul site qui "
                     "change pour une autre raison suffit à fausser la comparaison.")
    ecartes = [d for d in diag if d.verdict == "ecarter"]
    if ecartes:
        idees.append("Ne pas employer comme témoin : " + ", ".join(d.nom for d in ecartes) + ".")
    if necessaire is None or necessaire > projet.duree_prevue_jours:
        idees.append("Allonger l'expérimentation" + (f" jusqu'à environ {round(necessaire / JOURS_PAR_MOIS)} mois"
                                                      if necessaire else "")
                     + ", ou équiper plus de sites, pour que l'effet qui compte soit visible.")
    return idees
