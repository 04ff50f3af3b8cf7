"""Analyse d'un pilote du domaine eau (réseaux d'eau potable) : ce que ``analyse.py`` appelle.

Indicateur principal : le **débit minimum nocturne** journalier des secteurs (m³/h, entre 2 h et
4 h ; calculé ici si les mesures sont infra-journalières), ou le **volume mis en distribution**
journalier (m³ ou m³/j).

Méthode (doubles différences sur séries journalières, erreurs AR(1)) :

1. par jour, somme des secteurs expérimentés (E) et des secteurs témoins (T), les jours où tous
   les secteurs d'un groupe ont une mesure ;
2. débit nocturne -> pertes du jour : (débit − usage nocturne légitime) × facteur jour-nuit (m³/j) ;
3. les témoins sont mis à l'échelle des secteurs expérimentés sur la période de référence
   (r = Σ E / Σ T avant le début) ; écart quotidien D = E − r × T ;
4. effet = moyenne de D pendant l'expérimentation − moyenne de D pendant la référence (m³/j),
   soit l'estimateur des doubles différences ; erreur type sous erreurs AR(1) (ρ estimé par
   vraisemblance restreinte), ce qui tient compte de la ressemblance des jours successifs ; les jours entre la fin de la référence et le début de
   l'expérimentation sont écartés. Les moyennes simples donnent l'effet moyen de la période quelle
   que soit sa dynamique (montée progressive quand les fuites sont trouvées puis réparées).

Sans secteur témoin : série interrompue sur E seul (tendance, saisonnalité annuelle, changement de
niveau), plus fragile. L'effet est rapporté en m³/j (et m³/an dans ``details``), l'effet relatif
sur les totaux des pertes des secteurs expérimentés.

Les estimateurs sont dans :mod:`eprouvette.methodes.series_journalieres` ; ce module ne dit que ce
que veulent dire les données du réseau (débit nocturne, pertes, secteurs) et les mots du rapport.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..erreurs import ErreurDonnees
from ..feder import IndicateurFeder
from ..methodes.base import ResultatImpact
from .. import parametres
from ..francais import accord, nombre
from ..methodes.dd_synthetiques import estimer_dd_synthetiques, plan_dd_synthetiques
from ..methodes.series_journalieres import JOURS_PAR_AN, doubles_differences_series, serie_interrompue_sans_temoin
from ..methodes.verifications import laisser_un_de_cote
from . import eau

LIBELLE = "Doubles différences sur séries journalières (secteurs témoins mis à l'échelle, erreurs AR(1))"

#: Clés de ``caracteristiques`` du bilan annuel du réseau (SISPEA), en m³/an et km.
CLES_BILAN = {
    "volume_produit_m3": "produit",
    "volume_comptabilise_m3": "comptabilise",
    "lineaire_reseau_km": "lineaire_km",
    "volume_importe_m3": "importe",
    "volume_exporte_m3": "exporte",
    "volume_consomme_sans_comptage_m3": "consomme_sans_comptage",
    "volume_service_m3": "service",
}
CLES_BILAN_OBLIGATOIRES = ("volume_produit_m3", "volume_comptabilise_m3", "lineaire_reseau_km")
UNITES_DEBIT = ("m³/h", "m3/h")
UNITES_VOLUME = ("m³", "m3", "m³/j", "m3/j")


# ---------------------------------------------------------------------------------------------
# Paramètres et caractéristiques
# ---------------------------------------------------------------------------------------------


def parametres_eau(chemin: str | Path | None = None) -> dict:
    """Paramètres du domaine (``donnees/parametres/eau.yaml``) : nom -> bloc (valeur, unite, source…)."""
    return parametres.lire_fichier(parametres.chemin(chemin, "eau.yaml"), "du domaine eau")


def _nombre_caracteristique(pilote, cle: str, *, strict: bool = False, defaut=None) -> float | None:
    car = pilote.caracteristiques or {}
    if cle not in car or car[cle] is None:
        return defaut
    v = car[cle]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 or (strict and v == 0):
        raise ErreurDonnees(
            pilote.dossier / "pilote.yaml",
            f"la caractéristique « {cle} » vaut {v!r}.",
            champ=f"caracteristiques.{cle}",
            attendu="un nombre " + ("strictement positif" if strict else "positif ou nul"),
            conseil="Voir docs/eau.md pour les clés attendues.",
        )
    return float(v)


def parametre(pilote, nom: str) -> float:
    """Valeur d'un paramètre : ``caracteristiques`` de pilote.yaml si présent, sinon eau.yaml."""
    v = _nombre_caracteristique(pilote, nom)
    if v is not None:
        return v
    return parametres.parametre(parametres_eau().get(nom), parametres.chemin(None, "eau.yaml"), nom).valeur


def bilans_reseau(pilote, pertes_evitees_m3_an: float | None = None) -> tuple[eau.BilanReseau, eau.BilanReseau | None] | None:
    """Bilan annuel du réseau (caractéristiques de pilote.yaml) et bilan estimé après généralisation.

    Le bilan « avant » est celui de l'année de référence déclarée dans ``caracteristiques``. Le
    bilan « après » est **estimé** : mêmes consommations, volume produit diminué des pertes évitées
    mesurées (m³/an) ; None si l'effet n'est pas donné. Renvoie None si le bilan n'est pas déclaré.
    """
    car = pilote.caracteristiques or {}
    presentes = [k for k in CLES_BILAN if k in car]
    if not presentes:
        return None
    manquantes = [k for k in CLES_BILAN_OBLIGATOIRES if k not in car]
    if manquantes:
        raise ErreurDonnees(
            pilote.dossier / "pilote.yaml",
            f"bilan du réseau incomplet : {', '.join(manquantes)} {accord(len(manquantes), 'manquant', 'manquants')}.",
            champ="caracteristiques",
            attendu="volume_produit_m3, volume_comptabilise_m3 et lineaire_reseau_km (m³/an, km)",
        )
    valeurs = {CLES_BILAN[k]: _nombre_caracteristique(pilote, k, strict=(k == "lineaire_reseau_km"))
               for k in presentes}
    try:
        avant = eau.BilanReseau(**valeurs)
        apres = None
        if pertes_evitees_m3_an is not None:
            produit = max(avant.produit - pertes_evitees_m3_an, 0.0)
            apres = eau.BilanReseau(**{**valeurs, "produit": produit})
    except ValueError as e:
        raise ErreurDonnees(pilote.dossier / "pilote.yaml", str(e), champ="caracteristiques") from None
    return avant, apres


# ---------------------------------------------------------------------------------------------
# Séries
# ---------------------------------------------------------------------------------------------


def _journalier(mesures: pd.DataFrame, indicateur: str) -> pd.DataFrame:
    """Mesures journalières d'un indicateur (date naïve à minuit, site, valeur)."""
    m = mesures[mesures["indicateur"] == indicateur][["date", "site", "valeur"]]
    if len(m) and eau.est_infra_journalier(m["date"]):
        dmn = eau.debit_minimum_nocturne(m)
        return dmn.rename(columns={"debit_minimum_nocturne": "valeur"})[["date", "site", "valeur"]]
    m = m.copy()
    if getattr(m["date"].dt, "tz", None) is not None:
        m["date"] = m["date"].dt.tz_convert(config.FUSEAU).dt.tz_localize(None)
    return m


def _somme_groupe(jour: pd.DataFrame, sites: list[str]) -> pd.Series:
    """Somme journalière d'un groupe de secteurs, seulement les jours où tous ont une mesure (moyenne des
    mesures d'un secteur s'il en a plusieurs le même jour).

    Écrit avec numpy (mêmes valeurs que ``pivot_table(aggfunc="mean").dropna().sum(axis=1)``) : les
    simulations de puissance de la note de cadrage appellent cette fonction des milliers de fois."""
    garde = jour["site"].isin(sites).to_numpy()
    valeurs = jour["valeur"].to_numpy(dtype=float)[garde]
    colonne = pd.Categorical(jour["site"].to_numpy()[garde], categories=list(sites)).codes
    mesure = ~np.isnan(valeurs)
    jours, ligne = np.unique(jour["date"].to_numpy()[garde][mesure], return_inverse=True)
    colonne, valeurs = colonne[mesure], valeurs[mesure]
    somme = np.zeros((len(jours), len(sites)))
    nombre = np.zeros((len(jours), len(sites)))
    np.add.at(somme, (ligne, colonne), valeurs)
    np.add.at(nombre, (ligne, colonne), 1.0)
    complets = (nombre > 0).all(axis=1)
    moyennes = somme[complets] / nombre[complets]
    total = moyennes[:, 0].copy() if len(sites) else np.zeros(int(complets.sum()))
    for k in range(1, len(sites)):  # de gauche à droite, dans l'ordre des secteurs, comme DataFrame.sum
        total += moyennes[:, k]
    return pd.Series(total, index=pd.DatetimeIndex(jours[complets], name="date"))


def _part_gardee(jour: pd.DataFrame, sites: list[str], retires: frozenset, debut, fin) -> float:
    """Part du débit de référence d'un groupe portée par ses secteurs gardés (1 sans secteur retiré).

    Les abonnés ne sont déclarés que par groupe (``caracteristiques``) : sans un secteur, l'usage
    nocturne légitime du groupe est réduit au prorata du débit moyen de ce secteur sur la référence.
    """
    if not retires & set(sites):
        return 1.0
    ref = jour[jour["site"].isin(sites) & jour["date"].between(debut, fin)].groupby("site", observed=True)["valeur"].mean()
    total = float(ref.sum())
    return float(ref.drop(list(retires & set(sites)), errors="ignore").sum()) / total if total > 0 else float("nan")


def series_pilote(pilote, mesures: pd.DataFrame, retires: frozenset = frozenset()) -> pd.DataFrame:
    """Séries journalières du pilote : débit (ou volume) et pertes des groupes expérimenté et témoin.

    Colonnes : ``date``, ``periode`` (avant / apres), ``brut_experimentaux``, ``brut_temoins`` (débit
    nocturne en m³/h ou volume en m³/j, somme des secteurs), ``pertes_experimentaux``,
    ``pertes_temoins`` (m³/j). Les jours hors périodes sont écartés. ``retires`` : identifiants de
    secteurs laissés de côté (contrôle « laisser un secteur de côté ») ; l'usage nocturne légitime
    de leur groupe est alors réduit au prorata de leur débit de référence (:func:`_part_gardee`).
    """
    ind = pilote.indicateur_principal
    jour = _journalier(mesures, ind.identifiant)
    exp = [s.identifiant for s in pilote.sites_experimentaux if s.identifiant not in retires]
    tem = [s.identifiant for s in pilote.sites_temoins if s.identifiant not in retires]
    r0, r1 = pd.Timestamp(pilote.periode_reference.debut), pd.Timestamp(pilote.periode_reference.fin)
    parts = tuple(_part_gardee(jour, [s.identifiant for s in groupe], retires, r0, r1)
                  for groupe in (pilote.sites_experimentaux, pilote.sites_temoins))
    return _series_groupes(pilote, _somme_groupe(jour, exp), _somme_groupe(jour, tem) if tem else None, parts)


def simulation(pilote, jours: pd.DatetimeIndex):
    """Pour les simulations de puissance de la note de cadrage (:mod:`eprouvette.conception`) : une
    fonction qui, d'un tableau de valeurs journalières (``jours`` × sites du pilote dans l'ordre de
    ``pilote.sites``, NaN les jours sans mesure), donne les arguments d':func:`evaluer_pilote` qui
    remplacent les mesures (``series=``). Mêmes séries que :func:`series_pilote` sur les mesures de ce
    tableau (somme de gauche à droite des secteurs d'un groupe, les jours où tous ont une mesure), sans
    le format long ni pandas à chaque tirage (tests/test_conception.py le vérifie)."""
    from ..methodes.choix import TEMOINS_MIN_DD_SYNTHETIQUES

    minimum = TEMOINS_MIN_DD_SYNTHETIQUES.get(len(pilote.sites_experimentaux))
    if minimum is not None and len(pilote.sites_temoins) >= minimum:
        return None  # les doubles différences synthétiques pourraient être l'estimation principale : chemin complet
    jours = pd.DatetimeIndex(jours, name="date")
    ordre = [s.identifiant for s in pilote.sites]
    colonnes = [[ordre.index(s.identifiant) for s in groupe] for groupe in (pilote.sites_experimentaux, pilote.sites_temoins)]

    def somme(valeurs: np.ndarray, cols: list[int]) -> pd.Series:
        v = valeurs[:, cols]
        complets = np.isfinite(v).all(axis=1)
        total = v[complets, 0].copy()
        for k in range(1, len(cols)):
            total += v[complets, k]
        return pd.Series(total, index=jours[complets])

    def arguments(valeurs: np.ndarray) -> dict:
        valeurs = np.asarray(valeurs, dtype=float)
        exp, tem = colonnes
        return {"series": _series_groupes(pilote, somme(valeurs, exp), somme(valeurs, tem) if tem else None, (1.0, 1.0))}

    return arguments


def _series_groupes(pilote, e: pd.Series, t: pd.Series | None, parts: tuple[float, float]) -> pd.DataFrame:
    """Les séries de :func:`series_pilote` à partir des sommes journalières des groupes (``t`` : None sans
    témoin) ; ``parts`` : part de l'usage nocturne légitime gardée dans chaque groupe (:func:`_part_gardee`)."""
    # Avec numpy (mêmes valeurs qu'une jointure interne des deux séries, dont les dates sont triées et uniques) :
    # les simulations de puissance font ces séries des milliers de fois.
    dates, brut = e.index.to_numpy(), {"brut_experimentaux": e.to_numpy(dtype=float)}
    if t is not None:
        dates, ie, it = np.intersect1d(dates, t.index.to_numpy(), assume_unique=True, return_indices=True)
        brut = {"brut_experimentaux": brut["brut_experimentaux"][ie], "brut_temoins": t.to_numpy(dtype=float)[it]}
    r0, r1 = np.datetime64(pilote.periode_reference.debut), np.datetime64(pilote.periode_reference.fin)
    e0, e1 = np.datetime64(pilote.periode_experimentation.debut), np.datetime64(pilote.periode_experimentation.fin)
    garde = ((dates >= r0) & (dates <= r1)) | ((dates >= e0) & (dates <= e1))
    df = pd.DataFrame({"date": dates[garde], **{c: v[garde] for c, v in brut.items()},
                       "periode": np.where(dates[garde] >= e0, "apres", "avant")})
    if _est_debit(pilote):
        fjn = parametre(pilote, "facteur_jour_nuit_h")
        l_h = parametre(pilote, "usage_nocturne_l_h_abonne")
        ab_e = _nombre_caracteristique(pilote, "abonnes_secteurs_experimentaux", defaut=0.0)
        ab_t = _nombre_caracteristique(pilote, "abonnes_secteurs_temoins", defaut=0.0)
        leg_e = eau.usage_nocturne_legitime(ab_e, l_h, _nombre_caracteristique(
            pilote, "gros_consommateurs_nuit_experimentaux_m3h", defaut=0.0)) * parts[0]
        df["pertes_experimentaux"] = eau.pertes_journalieres(eau.debit_fuite_nocturne(df["brut_experimentaux"], leg_e), fjn)
        if t is not None:
            leg_t = eau.usage_nocturne_legitime(ab_t, l_h, _nombre_caracteristique(
                pilote, "gros_consommateurs_nuit_temoins_m3h", defaut=0.0)) * parts[1]
            df["pertes_temoins"] = eau.pertes_journalieres(eau.debit_fuite_nocturne(df["brut_temoins"], leg_t), fjn)
    else:
        df["pertes_experimentaux"] = df["brut_experimentaux"]
        if t is not None:
            df["pertes_temoins"] = df["brut_temoins"]
    return df.reset_index(drop=True)


def _est_debit(pilote) -> bool:
    u = pilote.indicateur_principal.unite.strip()
    if u in UNITES_DEBIT:
        return True
    if u in UNITES_VOLUME:
        return False
    raise ErreurDonnees(
        pilote.dossier / "pilote.yaml",
        f"unité « {u} » non prise en charge pour l'indicateur principal d'un pilote eau.",
        champ="indicateurs[].unite",
        attendu="m³/h (débit minimum nocturne) ou m³ / m³/j (volume mis en distribution journalier)",
    )


# ---------------------------------------------------------------------------------------------
# Ce que l'estimation dit dans les mots du réseau (l'estimateur : methodes/series_journalieres.py)
# ---------------------------------------------------------------------------------------------

JUSTIFICATION = (
    "Des secteurs témoins suivis avant et pendant l'expérimentation sont disponibles : on compare "
    "l'évolution des pertes des secteurs équipés à celle des témoins (mis à leur échelle sur la "
    "période de référence), ce qui retire les variations communes (saison, gel, sécheresse, "
    "pression du réseau). Avec peu de secteurs, l'incertitude vient de la série journalière de "
    "l'écart, modélisée avec une autocorrélation d'ordre 1."
)
LIMITES = [
    "Repose sur l'hypothèse de tendances parallèles : sans l'expérimentation, l'écart entre secteurs "
    "équipés et témoins serait resté le même. La période de référence permet de la tester en partie.",
    "Les pertes sont estimées par le débit nocturne : usage nocturne légitime et facteur jour-nuit "
    "sont des hypothèses (docs/eau.md) qui changent l'effet relatif, pas le sens de l'effet.",
    "Un événement ne touchant que les secteurs équipés (renouvellement de conduites, changement de "
    "pression, casse majeure) serait confondu avec l'effet.",
    "Le rapport des témoins aux secteurs équipés est fixé sur la période de référence : son "
    "incertitude n'est pas propagée (elle est faible sur une longue référence).",
    "Le coût des réparations déclenchées par la détection n'est compté que s'il figure dans les "
    "coûts de fonctionnement du pilote.",
]
SANS_TEMOIN = ("Aucun secteur témoin : une variation du réseau entier (sécheresse, gel, casse) au même moment "
               "serait confondue avec l'effet.")


def estimer(series: pd.DataFrame, indicateur: str, avec_temoins: bool, unite: str = "m³/j") -> ResultatImpact:
    """L'effet sur les séries journalières du pilote (:func:`series_pilote`) : doubles différences
    avec les secteurs témoins, sinon série interrompue sur les secteurs expérimentés ; effet en m³/j
    et en m³/an (``details["effet_m3_an"]``). Lève ValueError si les données ne suffisent pas."""
    if avec_temoins:
        return doubles_differences_series(
            series, colonne_experimentaux="pertes_experimentaux", colonne_temoins="pertes_temoins",
            indicateur=indicateur, unite=unite, sites="secteurs", libelle_methode=LIBELLE,
            justification=JUSTIFICATION, limites=LIMITES, suffixe_annuel="m3_an")
    return serie_interrompue_sans_temoin(
        series, colonne_experimentaux="pertes_experimentaux", indicateur=indicateur, unite=unite,
        avertissement=SANS_TEMOIN, suffixe_annuel="m3_an")


JUSTIFICATION_DDS = (
    "Un à trois secteurs équipés et de nombreux secteurs témoins, suivis sur une longue référence : "
    "plutôt que la somme de tous les témoins, on compare chaque mois les secteurs équipés à un mélange "
    "pondéré des témoins qui évoluaient comme eux avant le début (doubles différences synthétiques, "
    "Arkhangelsky et al., 2021). L'incertitude vient des témoins qui font tour à tour semblant d'être équipés."
)
LIMITES_DDS = [
    "Suppose que le mélange de secteurs témoins qui suivait les secteurs équipés avant le début les aurait "
    "encore suivis ensuite.",
    "Les pertes sont estimées par le débit nocturne : usage nocturne légitime et facteur jour-nuit sont des "
    "hypothèses (docs/eau.md) qui changent l'effet relatif, pas le sens de l'effet.",
    "Un événement ne touchant que les secteurs équipés (renouvellement de conduites, changement de pression, "
    "casse majeure) serait confondu avec l'effet.",
]


def _estimer_dd_synthetiques(dds, series: pd.DataFrame, indicateur: str, facteur: float,
                             retires: frozenset = frozenset()) -> ResultatImpact:
    """Les doubles différences synthétiques sur le panel mensuel des débits (ou volumes) des secteurs,
    effet en m³/j de pertes (× facteur jour-nuit pour un débit) et en m³/an (``details``)."""
    exp = [s for s in dds.experimentes if s not in retires]
    tem = [s for s in dds.temoins if s not in retires]
    if not exp or len(tem) <= len(exp):
        raise ValueError("trop peu de secteurs pour les doubles différences synthétiques")
    apres = series["periode"] == "apres"
    r = estimer_dd_synthetiques(dds.panel, exp, tem, dds.n_avant, indicateur=indicateur, unite="m³/j",
                                facteur=facteur, total_observe=float(series.loc[apres, "pertes_experimentaux"].mean()),
                                justification=JUSTIFICATION_DDS, limites=LIMITES_DDS, mot="secteur")
    n_jours = int(apres.sum())
    r.details["n_apres"] = n_jours
    r.details["total_contrefactuel_apres"] = (float(series.loc[apres, "pertes_experimentaux"].mean()) - r.effet) * n_jours
    r.details["effet_m3_an"] = r.effet * JOURS_PAR_AN
    r.details["ic_m3_an"] = (r.ic_bas * JOURS_PAR_AN, r.ic_haut * JOURS_PAR_AN)
    return r


# ---------------------------------------------------------------------------------------------
# Les trois fonctions appelées par analyse.py
# ---------------------------------------------------------------------------------------------


def _libelle_volume(pilote) -> str:
    """Le libellé déclaré de l'indicateur de volume (volume mis en distribution, consommation des
    abonnés…), en minuscule initiale pour entrer dans une phrase."""
    libelle = (pilote.indicateur_principal.libelle or "volume mis en distribution").strip().rstrip(".")
    return libelle[:1].lower() + libelle[1:] if libelle[1:2].islower() or len(libelle) == 1 else libelle


def evaluer_pilote(pilote, mesures: pd.DataFrame, meteo: pd.DataFrame | None, *, controles: bool = True,
                   series: pd.DataFrame | None = None) -> ResultatImpact:
    """Effet du pilote sur les pertes en réseau (m³/j), avec son intervalle et son effet minimal détectable.

    ``controles=False`` : l'effet principal seul (mêmes effet et intervalle), sans le contrôle « laisser un
    secteur de côté » (une simulation de puissance n'en a pas besoin). ``series`` : les séries de
    :func:`series_pilote` déjà faites (simulations de puissance, :func:`simulation`), à la place des mesures."""
    if _est_debit(pilote) and "abonnes_secteurs_experimentaux" not in (pilote.caracteristiques or {}):
        raise ErreurDonnees(
            pilote.dossier / "pilote.yaml",
            "le nombre d'abonnés des secteurs expérimentés manque : il sert à retirer l'usage nocturne "
            "légitime du débit minimum nocturne.",
            champ="caracteristiques.abonnes_secteurs_experimentaux",
            attendu="un nombre d'abonnés (et abonnes_secteurs_temoins s'il y a des témoins)",
        )
    if pilote.sites_temoins and _est_debit(pilote) and "abonnes_secteurs_temoins" not in (pilote.caracteristiques or {}):
        raise ErreurDonnees(pilote.dossier / "pilote.yaml", "le nombre d'abonnés des secteurs témoins manque.",
                            champ="caracteristiques.abonnes_secteurs_temoins", attendu="un nombre d'abonnés")
    series = series_pilote(pilote, mesures) if series is None else series
    indicateur = ("pertes en réseau des secteurs expérimentés (estimées par le débit nocturne)"
                  if _est_debit(pilote) else f"{_libelle_volume(pilote)} des secteurs expérimentés")
    # Doubles différences synthétiques (secteur par secteur, moyennes mensuelles) : estimation principale,
    # contrôle de robustesse ou sans objet, selon la forme des données seulement (methodes/choix.py).
    # Sans mesures (séries déjà faites, chemin rapide des simulations : :func:`simulation` ne le propose
    # que si elles ne peuvent pas être l'estimation principale), pas de panel par secteur.
    dds = (plan_dd_synthetiques(pilote, _journalier(mesures, pilote.indicateur_principal.identifiant))
           if mesures is not None else None)
    facteur = parametre(pilote, "facteur_jour_nuit_h") if _est_debit(pilote) else 1.0
    if dds is not None and dds.role == "principale":
        r = _estimer_dd_synthetiques(dds, series, indicateur, facteur)
        if controles:
            laisser_un_de_cote(lambda retires: _estimer_dd_synthetiques(dds, series, indicateur, facteur, retires),
                               pilote.sites, r, mot="secteur").ajouter_a(r)
    elif pilote.sites_temoins:
        try:
            r = estimer(series, indicateur, True)
        except ValueError as e:  # trop peu de jours, témoins sans pertes : un défaut des données
            raise ErreurDonnees(
                pilote.dossier / "pilote.yaml", str(e), champ="periode",
                conseil="Vérifiez les dates de « periode », les fichiers de mesures des secteurs et l'usage "
                        "nocturne légitime déclaré (abonnés, gros consommateurs de nuit).",
            ) from None
        # L'effet repose-t-il sur un seul secteur ? Même estimation (sommes par groupe, r = Σ E / Σ T refait
        # sur la référence, erreurs AR(1)) sans chaque secteur témoin, puis sans chaque secteur équipé.
        if controles:
            laisser_un_de_cote(lambda retires: estimer(series_pilote(pilote, mesures, retires), indicateur, True),
                               pilote.sites, r, mot="secteur").ajouter_a(r)
        if controles and _est_debit(pilote) and len(pilote.sites_temoins) >= 2:
            r.limites.append("Contrôle « laisser un secteur de côté » : les abonnés n'étant connus que par groupe, "
                             "l'usage nocturne légitime d'un secteur retiré est estimé au prorata de son débit "
                             "nocturne de référence ; les effets relatifs de ce contrôle sont approchés.")
        if controles and dds is not None:
            dds.controler(r, facteur=facteur, unite=r.unite, nom_principal="les doubles différences sur les sommes des secteurs")
    else:
        r = estimer(series, indicateur, False)
    r.complements["series"] = series  # pour les graphiques du rapport (pas l'annexe)
    return r


def economie_annuelle(pilote, resultat: ResultatImpact, valorisation):
    """Eau non perdue par an × coût de l'eau produite ; émissions de l'électricité de production."""
    from ..economie import EconomieAnnuelle

    if resultat.unite != "m³/j":
        return None
    prix = valorisation.cout_eau_produite
    tco2e = 0.0
    energie = valorisation.autres.get("energie_production_eau")
    if energie is not None and "electricite" in valorisation.facteurs_emission:
        tco2e = energie.valeur * valorisation.facteur_emission_t("electricite")
    return EconomieAnnuelle.depuis_impact(
        resultat, facteur_annuel=365.25, prix_unitaire=prix.valeur, tco2e_par_unite=tco2e,
        signe=-1.0 if pilote.indicateur_principal.sens_souhaite == "baisse" else 1.0,
        plage_prix=prix.plage(),
    )


def indicateurs_feder(analyse) -> list[IndicateurFeder]:
    """RCR43 (pertes d'eau évitées, m³/an) et RCO14 (porteur public soutenu pour un service numérique)."""
    sortie = [IndicateurFeder("RCO14", 1.0, f"{analyse.pilote.porteur.nom} : pilotage numérique du réseau "
                                            "(capteurs et données de sectorisation).")]
    ea = analyse.economie_annuelle
    r = analyse.resultat
    if ea is not None and r.significatif and ea.quantite > 0:
        sortie.append(IndicateurFeder(
            "RCR43", ea.quantite,
            f"Pertes évitées par an, mesurées sur les secteurs équipés (intervalle à 95\u00a0% : "
            f"{nombre(ea.ic_bas, 0)} à {nombre(ea.ic_haut, 0)} m³/an). RCR43 se déclare en réduction des pertes."))
    else:
        sortie.append(IndicateurFeder("RCR43", 0.0 if ea is not None else None,
                                      "Aucune réduction des pertes n'est établie : rien à déclarer."))
    return sortie
