"""Analyse d'un pilote du domaine mobilité : ce que ``analyse.py`` appelle.

Méthode : série temporelle interrompue journalière (:func:`eprouvette.methodes.series_calendrier.
estimer_effet`, l'estimateur vit dans ``methodes/``) avec les covariables de calendrier du domaine (jour de la semaine, jours fériés,
vacances scolaires de la zone B, pluie quand le fichier météo la donne), une saisonnalité annuelle
(deux harmoniques) et une tendance ; changement de niveau seulement (pas de pente : les
expérimentations sont courtes).

- Comptages (``type_mesure: comptage`` : cyclistes, voyageurs, véhicules), série = somme des sites
  expérimentaux : si chaque jour compte au moins :data:`SEUIL_COMPTAGE_LOG` passages, modèle
  log-linéaire (moindres carrés généralisés sur le log, erreurs AR(1) par REML, variance de
  Kenward-Roger) — la surdispersion multiplicative et persistante des vrais compteurs y est prise en
  compte ; sinon GLM de quasi-Poisson, intervalle élargi de √((1 + ρ)/(1 − ρ)). L'effet se lit
  comme un rapport de taux.
- Grandeurs continues (temps de parcours, taux d'occupation) : moindres carrés généralisés à erreurs
  AR(1), série = moyenne des sites expérimentaux.
- Sites témoins : vraies doubles différences. Le modèle porte sur log(expérimental) − log(témoins)
  (comptage) ou expérimental − témoins (continu), coefficient des témoins fixé à 1 : un choc commun
  à tous les sites s'annule exactement ; calendrier et saison restent libres de différer, pas de
  tendance propre (tendances parallèles, vérifiées sur la référence). Contrôle « laisser un site de
  côté » (:func:`~eprouvette.methodes.verifications.laisser_un_de_cote`) : le même modèle refait sans
  chaque témoin, et sans chaque site équipé quand il y en a plusieurs.

Voir ``docs/mobilite.md`` (méthode, sources, simulations).

Économie : pour un comptage de cyclistes en hausse, km en voiture évités et tCO2e par les
hypothèses de ``donnees/parametres/mobilite.yaml`` (report modal, à confirmer) ; pas d'économie
monétaire directe. Les temps de parcours et l'occupation n'ont pas de prix : ``None``.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..feder import IndicateurFeder
from ..francais import phrase_effet
from ..methodes.base import ResultatImpact
from ..methodes.series_calendrier import COLONNE_TEMOIN, SEUIL_COMPTAGE_LOG, estimer_effet
from ..methodes.verifications import laisser_un_de_cote
from .mobilite import (
    charger_parametres_mobilite,
    comparaison_naive,
    covariables_calendrier,
    report_modal,
)

#: Clés de ``caracteristiques`` (pilote.yaml) lues par le domaine, toutes facultatives.
CARACTERISTIQUES = {
    "voyageurs_annuels": "voyageurs par an sur la ligne ou le réseau modernisé (indicateur FEDER RCR62)",
    "usage": "« velo », « transport_public » ou « stationnement » : ce que mesure l'indicateur principal",
}
USAGES = ("velo", "transport_public", "stationnement")


def _caracteristiques(pilote) -> dict:
    from ..erreurs import ErreurDonnees

    c = dict(pilote.caracteristiques or {})
    fichier = pilote.dossier / "pilote.yaml"
    if "voyageurs_annuels" in c:
        v = c["voyageurs_annuels"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise ErreurDonnees(fichier, f"caracteristiques.voyageurs_annuels vaut {v!r}.",
                                champ="caracteristiques.voyageurs_annuels",
                                attendu="un nombre de voyageurs par an, strictement positif (ex. 1250000)")
    if "usage" in c and c["usage"] not in USAGES:
        raise ErreurDonnees(fichier, f"caracteristiques.usage vaut {c['usage']!r}.", champ="caracteristiques.usage",
                            attendu=", ".join(USAGES))
    return c


def lire_precipitations(pilote) -> pd.DataFrame | None:
    """Colonnes date, precipitations_mm du fichier météo du pilote (None si absentes)."""
    from ..lecture import lire_tableau

    if pilote.fichier_meteo is None:
        return None
    m = lire_tableau(Path(pilote.fichier_meteo), "meteo")
    if "precipitations_mm" not in m.columns or m["precipitations_mm"].isna().all():
        return None
    return m[["date", "precipitations_mm"]].reset_index(drop=True)


def _par_site(mesures: pd.DataFrame, sites: list[str], comptage: bool) -> pd.DataFrame:
    """Un total (comptage) ou une moyenne par site et par jour : une ligne par jour, une colonne par site."""
    m = mesures[mesures["site"].isin(sites)].copy()
    d = pd.to_datetime(m["date"])
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_convert("Europe/Paris").dt.tz_localize(None)
    m["jour"] = d.dt.normalize()
    # Mesures infra-journalières : d'abord un total (comptage) ou une moyenne par site et par jour.
    return m.groupby(["jour", "site"], observed=True)["valeur"].agg("sum" if comptage else "mean").unstack("site")


def _serie_groupe(mesures: pd.DataFrame, sites: list[str], comptage: bool, par_site: pd.DataFrame | None = None) -> pd.Series:
    """Série journalière d'un groupe : somme (comptage, jours où tous les sites ont mesuré) ou moyenne.

    ``par_site`` : la table de :func:`_par_site` pour des sites qui comprennent ``sites`` (déjà calculée)."""
    par_site = (par_site if par_site is not None else _par_site(mesures, sites, comptage)).reindex(columns=sites)
    if comptage:
        return par_site.dropna(how="any").sum(axis=1)
    return par_site.mean(axis=1, skipna=True).dropna()


class Preparation:
    """Ce que :func:`preparer_donnees` refait à l'identique pour chaque site retiré (laisser-un-de-côté).

    Le total (ou la moyenne) de chaque site par jour, et le calendrier de chaque jour, calculés une fois
    pour tous les sites du pilote : les séries et le calendrier d'un sous-ensemble des sites en sont
    extraits, mêmes nombres au bit près que le calcul direct (le calendrier d'un jour ne dépend que de
    sa date et de sa pluie ; la série d'un site, que de ses mesures).
    """

    def __init__(self, pilote, mesures: pd.DataFrame, precipitations: pd.DataFrame | None):
        ind = pilote.indicateur_principal
        self.indicateur, self.comptage = ind.identifiant, ind.type_mesure == "comptage"
        m = mesures[mesures["indicateur"] == ind.identifiant]
        self.par_site = _par_site(m, [s.identifiant for s in pilote.sites], self.comptage)
        jours = pd.DataFrame({"date": self.par_site.index})
        if precipitations is not None:
            jours = jours.merge(precipitations, on="date", how="inner").dropna(subset=["precipitations_mm"])
        self._jours = jours.sort_values("date").reset_index(drop=True)
        self._pluie = precipitations is not None
        self._calendriers: dict = {}

    def calendrier(self, fonction, dates: pd.Series, pluie) -> pd.DataFrame:
        """``fonction(dates, pluie)`` (:func:`covariables_calendrier` ou celle du tourisme), une ligne par date,
        extraite du calendrier de tous les jours du pilote ; calculée directement si une date ou une pluie
        n'y est pas."""
        if (pluie is not None) != self._pluie:
            return fonction(dates, pluie)
        if fonction not in self._calendriers:
            j = self._jours
            self._calendriers[fonction] = fonction(j["date"], j["precipitations_mm"].to_numpy() if self._pluie else None)
        complet = self._calendriers[fonction]
        tous = complet["date"].to_numpy()
        demandees = pd.DatetimeIndex(dates).to_numpy()
        pos = np.minimum(np.searchsorted(tous, demandees), max(len(tous) - 1, 0))
        if (not len(tous) or not np.array_equal(tous[pos], demandees)
                or (pluie is not None and not np.array_equal(self._jours["precipitations_mm"].to_numpy()[pos],
                                                             np.asarray(pluie)))):
            return fonction(dates, pluie)
        return complet.iloc[pos].reset_index(drop=True)


def preparer_donnees(pilote, mesures: pd.DataFrame, precipitations: pd.DataFrame | None, *,
                     preparation: Preparation | None = None) -> tuple[pd.DataFrame, list[str], bool]:
    """Table journalière (date, valeur, covariables) pour la série interrompue, et la liste des covariables.

    ``preparation`` : une :class:`Preparation` faite pour ce pilote (ou un pilote qui a plus de sites), pour
    ne pas refaire séries par site et calendrier (laisser-un-de-côté) ; même table.

    Avec des sites témoins, la colonne :data:`COLONNE_TEMOIN` porte leur série brute du même jour
    (somme des comptages, ou moyenne) ; elle n'est pas une covariable : :func:`estimer_effet` la
    reçoit par ``temoin=`` et l'utilise avec un coefficient fixé (doubles différences).
    """
    ind = pilote.indicateur_principal
    comptage = ind.type_mesure == "comptage"
    m = mesures[mesures["indicateur"] == ind.identifiant]
    debut, fin = pd.Timestamp(pilote.periode_reference.debut), pd.Timestamp(pilote.periode_experimentation.fin)
    par_site = preparation.par_site if preparation is not None else None
    y = _serie_groupe(m, [s.identifiant for s in pilote.sites_experimentaux], comptage, par_site)
    df = pd.DataFrame({"date": y.index, "valeur": y.to_numpy(dtype=float)})
    df = df[(df["date"] >= debut) & (df["date"] <= fin)]
    temoins = [s.identifiant for s in pilote.sites_temoins]
    if temoins:
        t = _serie_groupe(m, temoins, comptage, par_site)
        df = df.merge(pd.DataFrame({"date": t.index, COLONNE_TEMOIN: t.to_numpy(dtype=float)}), on="date",
                      how="inner")
        if comptage:
            df = df[df[COLONNE_TEMOIN] > 0]  # le plan de doubles différences porte sur log(témoins)
    pluie = None
    if precipitations is not None:
        df = df.merge(precipitations, on="date", how="inner")
        df = df.dropna(subset=["precipitations_mm"])
        pluie = df["precipitations_mm"].to_numpy()
    df = df.sort_values("date").reset_index(drop=True)
    cal = (covariables_calendrier(df["date"], pluie) if preparation is None else
           preparation.calendrier(covariables_calendrier, df["date"], pluie))
    for col in cal.columns[1:]:
        df[col] = cal[col].to_numpy()
    covariables = [c for c in cal.columns[1:] if df[c].nunique() > 1]
    df["jour_an"] = (df["date"] - df["date"].iloc[0]).dt.days.astype(float)
    return df, covariables, comptage


def simulation(pilote, jours: pd.DatetimeIndex):
    """Pour les simulations de puissance de la note de cadrage (:mod:`eprouvette.conception`) : une
    fonction qui, d'un tableau de valeurs journalières (``jours`` × sites du pilote dans l'ordre de
    ``pilote.sites``, NaN les jours sans mesure), donne les arguments d':func:`evaluer_pilote` qui
    remplacent les mesures (``table=``) : la table de :func:`preparer_donnees` sur les mesures de ce
    tableau, calendrier calculé une fois pour tous les tirages (tests/test_conception.py vérifie que
    l'estimation est identique). None si le pilote a un fichier météo (pas de chemin rapide)."""
    import numpy as np

    if pilote.fichier_meteo is not None:
        return None
    comptage = pilote.indicateur_principal.type_mesure == "comptage"
    jours = pd.DatetimeIndex(jours)
    debut, fin = pd.Timestamp(pilote.periode_reference.debut), pd.Timestamp(pilote.periode_experimentation.fin)
    dedans = np.asarray((jours >= debut) & (jours <= fin))
    ordre = [s.identifiant for s in pilote.sites]
    exp = [ordre.index(s.identifiant) for s in pilote.sites_experimentaux]
    tem = [ordre.index(s.identifiant) for s in pilote.sites_temoins]
    cal = covariables_calendrier(jours)
    noms = list(cal.columns[1:])
    colonnes_cal = {c: cal[c].to_numpy() for c in noms}
    jours_ns = jours.to_numpy()

    def groupe(valeurs: np.ndarray, cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
        v = valeurs[:, cols]
        mesure = np.isfinite(v)
        if comptage:  # comme _serie_groupe : somme les jours où tous les sites ont mesuré
            garde = mesure.all(axis=1)
            return garde, v[garde].sum(axis=1)
        garde = mesure.any(axis=1)
        return garde, np.where(mesure, v, 0.0)[garde].sum(axis=1) / mesure[garde].sum(axis=1)

    def arguments(valeurs: np.ndarray) -> dict:
        valeurs = np.asarray(valeurs, dtype=float)
        garde, y = groupe(valeurs, exp)
        serie = np.full(len(jours), np.nan)
        serie[garde] = y
        garde = garde & dedans
        if tem:
            garde_t, t = groupe(valeurs, tem)
            serie_t = np.full(len(jours), np.nan)
            serie_t[garde_t] = t
            garde = garde & garde_t
            if comptage:
                garde = garde & (serie_t > 0)
        colonnes = {"date": jours_ns[garde], "valeur": serie[garde]}
        if tem:
            colonnes[COLONNE_TEMOIN] = serie_t[garde]
        colonnes.update((c, colonnes_cal[c][garde]) for c in noms)
        covariables = [c for c in noms if len(colonnes[c]) and colonnes[c].min() != colonnes[c].max()]
        dates = colonnes["date"]
        colonnes["jour_an"] = ((dates - dates[0]) // np.timedelta64(1, "D")).astype(float) if len(dates) else []
        df = pd.DataFrame(colonnes)
        return {"table": (df, covariables, comptage)}

    return arguments


def _sujet(libelle: str) -> str:
    """« Temps de parcours moyen de la ligne » -> « le temps de parcours moyen de la ligne »."""
    mot = libelle.split()[0].lower() if libelle.split() else ""
    article = "l'" if mot[:1] in "aeéèiouyh" else ("les " if mot in ("passages", "voyageurs", "cyclistes", "véhicules", "validations", "entrées") else "le ")
    return article + libelle[0].lower() + libelle[1:]


def evaluer_pilote(pilote, mesures: pd.DataFrame, meteo: pd.DataFrame | None, *, controles: bool = True,
                   table: tuple | None = None) -> ResultatImpact:
    """``table`` : ce que rend :func:`preparer_donnees`, déjà fait (simulations de puissance, :func:`simulation`),
    à la place des mesures."""
    from ..erreurs import ErreurDonnees

    _caracteristiques(pilote)
    ind = pilote.indicateur_principal
    precip = lire_precipitations(pilote)
    df, covariables, comptage = preparer_donnees(pilote, mesures, precip) if table is None else table
    debut = pd.Timestamp(pilote.periode_experimentation.debut)
    if (df["date"] < debut).sum() < 28 or (df["date"] >= debut).sum() < 7:
        raise ErreurDonnees(pilote.dossier / "pilote.yaml",
                            "trop peu de jours mesurés pour une série journalière "
                            f"({(df['date'] < debut).sum()} avant, {(df['date'] >= debut).sum()} pendant).",
                            champ="periodes", attendu="au moins 28 jours avant et 7 jours pendant l'expérimentation")
    un_an = (df["date"] < debut).sum() >= 365
    avec_temoins = bool(pilote.sites_temoins)
    temoin = COLONNE_TEMOIN if avec_temoins else None
    r = estimer_effet(df, debut, covariables, comptage=comptage, indicateur=ind.libelle, unite=ind.unite,
                      temoin=temoin)
    if avec_temoins and controles:  # controles=False : l'effet seul (simulations de puissance)
        # L'effet repose-t-il sur un seul site ? Même modèle (rapport ou écart aux témoins, même calendrier, même
        # inférence) sans chaque site témoin, puis sans chaque site équipé s'il y en a plusieurs.
        preparation = Preparation(pilote, mesures, precip)

        def sans(retires: frozenset) -> ResultatImpact:
            p = replace(pilote, sites=tuple(s for s in pilote.sites if s.identifiant not in retires))
            d, cov, _ = preparer_donnees(p, mesures, precip, preparation=preparation)
            return estimer_effet(d, debut, cov, comptage=comptage, indicateur=ind.libelle, unite=ind.unite,
                                 temoin=temoin)

        laisser_un_de_cote(sans, pilote.sites, r).ajouter_a(r)
        # Les coefficients du modèle sont des écarts au calendrier des témoins : pour décrire le calendrier
        # lui-même (« un dimanche compte 40 % de cyclistes en moins »), modèle des seuls sites expérimentaux.
        r.details["coefficients_calendrier"] = estimer_effet(
            df, debut, covariables, comptage=comptage, indicateur=ind.libelle, unite=ind.unite).details["coefficients"]
    n_apres = int(r.details["n_apres"])
    r.details["covariables"] = covariables
    r.details["pluie_disponible"] = precip is not None
    r.details["naive"] = comparaison_naive(df["valeur"], df["date"], debut)
    r.details["donnees_journalieres"] = df
    r.details["comptage"] = comptage
    quoi = f"Sur les {n_apres} jours mesurés de l'expérimentation, en cumul" if comptage else (
        f"Sur les {n_apres} jours mesurés de l'expérimentation, en moyenne par jour")
    indetermine = "incertitude_indeterminee" in r.details
    if not comptage:
        # Pour une durée ou un taux, le cumul n'a pas de sens pour un lecteur : phrase par jour.
        r.details["effet_moyen_par_jour"] = (r.effet / n_apres, r.ic_bas / n_apres, r.ic_haut / n_apres)
        e, b, h = r.details["effet_moyen_par_jour"]
        if not indetermine:
            r.resume = phrase_effet(_sujet(ind.libelle), ind.unite, e, b, h, r.effet_relatif, quoi)
    elif not indetermine:
        r.resume = phrase_effet(_sujet(ind.libelle), ind.unite, r.effet, r.ic_bas, r.ic_haut, r.effet_relatif, quoi)
    log_lineaire = str(r.details.get("modele_comptage", "")).startswith("log-linéaire")
    r.justification = (
        "Les mesures sont journalières et dominées par le calendrier : jour de la semaine, jours fériés, "
        "vacances scolaires de la zone B" + (", pluie" if precip is not None else "") + ". Le modèle apprend "
        + ("ces effets et la saison" if avec_temoins else "ces effets, la saison et la tendance")
        + " sur la période de référence, puis estime ce qu'on aurait mesuré "
        "pendant l'expérimentation sans elle, avec le calendrier et la météo réellement observés."
        + ((" Les sites témoins servent de comparaison directe (doubles différences) : le modèle porte sur "
            + ("le rapport, jour par jour, entre les comptages des sites expérimentaux et ceux des témoins"
               if comptage else "l'écart, jour par jour, entre les sites expérimentaux et les témoins")
            + ". Un changement qui touche tous les sites le même jour "
            + ("et dans la même proportion" if comptage else "et de la même quantité")
            + " (météo, grève, événement, nouvelle politique de la ville) s'annule donc entièrement ; les effets "
            "du calendrier et la saison peuvent différer entre les deux groupes, pas la tendance (tendances "
            "parallèles, vérifiées sur la période de référence).") if avec_temoins else "")
        + ((" L'indicateur étant un comptage d'au moins "
            f"{SEUIL_COMPTAGE_LOG:.0f} passages presque tous les jours, le modèle porte sur son logarithme (effets en pourcentage), "
            "avec des écarts qui se prolongent d'un jour à l'autre (AR(1)) : l'intervalle tient compte à la fois des "
            "variations d'un jour à l'autre proportionnelles au niveau et de leur persistance"
            + (", séparée du hasard du comptage (comptages modestes)" if "bruit de comptage" in str(
                r.details.get("modele_comptage")) else "") + ".") if log_lineaire else (
            " L'indicateur étant un comptage faible certains jours, le modèle est un GLM de quasi-Poisson "
            "(effets en pourcentage), son intervalle élargi pour l'autocorrélation des jours." if comptage else
            " Les erreurs d'un jour qui se prolongent le lendemain (AR(1)) sont prises en compte."))
    )
    if avec_temoins:
        r.limites.insert(0, (
            "Les doubles différences supposent que, sans l'expérimentation, "
            + ("le rapport entre sites expérimentaux et témoins" if comptage else "l'écart entre sites expérimentaux et témoins")
            + " aurait gardé l'évolution de la période de référence ; un changement qui ne touche que les sites "
            "expérimentaux (travaux, nouvel aménagement) ou que les témoins reste confondu avec l'effet."))
    if precip is None:
        r.limites.append("Sans hauteur de pluie dans le fichier météo, l'effet de la météo n'est pas retiré.")
    if not un_an:
        r.limites.append("Moins d'un an de référence : la saison n'est pas modélisée.")
    return r


def economie_annuelle(pilote, resultat: ResultatImpact, valorisation):
    """Km en voiture évités par an (report modal vers le vélo) ; None pour un autre indicateur.
    Les hypothèses employées vont dans ``resultat.complements["parametres_report_modal"]`` (rapport)."""
    from ..economie import EconomieAnnuelle

    c = _caracteristiques(pilote)
    ind = pilote.indicateur_principal
    usage = c.get("usage", "velo" if ind.type_mesure == "comptage" and "cycl" in ind.identifiant + ind.libelle.lower() else None)
    if usage != "velo" or ind.type_mesure != "comptage" or ind.sens_souhaite != "hausse":
        return None
    p = charger_parametres_mobilite()
    resultat.complements["parametres_report_modal"] = p
    jours = int(resultat.details["n_apres"])
    par_an = 365.25 / jours
    km, t = report_modal(resultat.effet * par_an, p)
    km_bas, _ = report_modal(resultat.ic_bas * par_an, p)
    km_haut, _ = report_modal(resultat.ic_haut * par_an, p)
    return EconomieAnnuelle(
        quantite=km, unite="km en voiture", prix_unitaire=0.0, ic_bas=min(km_bas, km_haut), ic_haut=max(km_bas, km_haut),
        tco2e_par_unite=p.facteur_emission_voiture.valeur / 1000.0,
        libelle="km en voiture évités (report modal vers le vélo)",
    )


def indicateurs_feder(analyse) -> list[IndicateurFeder]:
    p, r = analyse.pilote, analyse.resultat
    c = _caracteristiques(p)
    ind = p.indicateur_principal
    sortie = [IndicateurFeder("RCO60", float(len(set(p.porteur.codes_insee))),
                              "Communes dont le système de transport urbain a été numérisé par le pilote.")]
    usage = c.get("usage")
    if usage == "transport_public" or "voyageurs_annuels" in c:
        v = c.get("voyageurs_annuels")
        sortie.append(IndicateurFeder(
            "RCR62", float(v) if v else None,
            "Voyageurs annuels de la ligne modernisée déclarés dans pilote.yaml (caracteristiques.voyageurs_annuels)."
            if v else "Voyageurs annuels non déclarés dans pilote.yaml (caracteristiques.voyageurs_annuels)."))
    if usage == "velo" or (usage is None and ind.type_mesure == "comptage" and "cycl" in ind.identifiant):
        cf = r.contrefactuel
        if cf is not None and len(cf):
            apres = cf[cf["periode"] == "apres"]
            par_an = float(apres["observe"].mean() * 365.25)
            sortie.append(IndicateurFeder(
                "RCR64", par_an,
                f"Passages comptés par an aux compteurs du pilote (moyenne des {len(apres)} jours de "
                "l'expérimentation × 365,25) : un ordre de grandeur, saison et vacances comprises, pas un nombre "
                "de personnes distinctes."))
    return sortie
