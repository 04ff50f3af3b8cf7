"""Analyse d'un pilote du domaine mobilité : ce que ``analyse.py`` appelle.

Méthode : série temporelle interrompue journalière (:func:`eprouvette.methodes.serie_interrompue.
serie_interrompue`) avec les covariables de calendrier du domaine (jour de la semaine, jours fériés,
vacances scolaires de la zone B, pluie quand le fichier météo la donne), une saisonnalité annuelle
(deux harmoniques) et une tendance ; changement de niveau seulement (pas de pente : les
expérimentations sont courtes).

- Comptages (``type_mesure: comptage`` : cyclistes, voyageurs, véhicules) : GLM de quasi-Poisson,
  série = somme des sites expérimentaux ; l'intervalle est élargi du facteur (1 + ρ) / (1 − ρ) quand
  les résidus restent autocorrélés (le GLM suppose des jours indépendants).
- Grandeurs continues (temps de parcours, taux d'occupation) : moindres carrés généralisés à erreurs
  AR(1), série = moyenne des sites expérimentaux.
- Sites témoins : leur série (log pour un comptage) entre comme covariable « temoin » (série
  interrompue comparative) ; ce qui touche tous les sites le même jour s'annule en partie.

Économie : pour un comptage de cyclistes en hausse, km en voiture évités et tCO2e par les
hypothèses de ``donnees/parametres/mobilite.yaml`` (report modal, à confirmer) ; pas d'économie
monétaire directe. Les temps de parcours et l'occupation n'ont pas de prix : ``None``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..feder import IndicateurFeder
from ..methodes.base import ResultatImpact, Verification
from ..methodes.serie_interrompue import _fr, _phrase_resume, serie_interrompue
from .mobilite import (
    charger_parametres_mobilite,
    comparaison_naive,
    covariables_calendrier,
    facteur_autocorrelation,
    report_modal,
)

#: Clés de ``caracteristiques`` (pilote.yaml) lues par le domaine, toutes facultatives.
CARACTERISTIQUES = {
    "voyageurs_annuels": "voyageurs par an sur la ligne ou le réseau modernisé (indicateur FEDER RCR62)",
    "usage": "« velo », « transport_public » ou « stationnement » : ce que mesure l'indicateur principal",
}
USAGES = ("velo", "transport_public", "stationnement")
Z_PUISSANCE = float(stats.norm.ppf(0.975) + stats.norm.ppf(0.80))


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


def _serie_groupe(mesures: pd.DataFrame, sites: list[str], comptage: bool) -> pd.Series:
    """Série journalière d'un groupe : somme (comptage, jours où tous les sites ont mesuré) ou moyenne."""
    m = mesures[mesures["site"].isin(sites)].copy()
    d = pd.to_datetime(m["date"])
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_convert("Europe/Paris").dt.tz_localize(None)
    m["jour"] = d.dt.normalize()
    # Mesures infra-journalières : d'abord un total (comptage) ou une moyenne par site et par jour.
    par_site = m.groupby(["jour", "site"])["valeur"].agg("sum" if comptage else "mean").unstack("site")
    par_site = par_site.reindex(columns=sites)
    if comptage:
        return par_site.dropna(how="any").sum(axis=1)
    return par_site.mean(axis=1, skipna=True).dropna()


def preparer_donnees(pilote, mesures: pd.DataFrame, precipitations: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str], bool]:
    """Table journalière (date, valeur, covariables) pour la série interrompue, et la liste des covariables."""
    ind = pilote.indicateur_principal
    comptage = ind.type_mesure == "comptage"
    m = mesures[mesures["indicateur"] == ind.identifiant]
    debut, fin = pd.Timestamp(pilote.periode_reference.debut), pd.Timestamp(pilote.periode_experimentation.fin)
    y = _serie_groupe(m, [s.identifiant for s in pilote.sites_experimentaux], comptage)
    df = pd.DataFrame({"date": y.index, "valeur": y.to_numpy(dtype=float)})
    df = df[(df["date"] >= debut) & (df["date"] <= fin)]
    temoins = [s.identifiant for s in pilote.sites_temoins]
    if temoins:
        t = _serie_groupe(m, temoins, comptage)
        df = df.merge(pd.DataFrame({"date": t.index, "temoin": t.to_numpy(dtype=float)}), on="date", how="inner")
        if comptage:
            df = df[df["temoin"] > 0]
            df["temoin"] = np.log(df["temoin"])
    pluie = None
    if precipitations is not None:
        df = df.merge(precipitations, on="date", how="inner")
        df = df.dropna(subset=["precipitations_mm"])
        pluie = df["precipitations_mm"].to_numpy()
    df = df.sort_values("date").reset_index(drop=True)
    cal = covariables_calendrier(df["date"], pluie)
    for col in cal.columns[1:]:
        df[col] = cal[col].to_numpy()
    covariables = [c for c in cal.columns[1:] if df[c].nunique() > 1]
    if temoins:
        covariables.append("temoin")
    df["jour_an"] = (df["date"] - df["date"].iloc[0]).dt.days.astype(float)
    return df, covariables, comptage


def _sujet(libelle: str) -> str:
    """« Temps de parcours moyen de la ligne » -> « le temps de parcours moyen de la ligne »."""
    mot = libelle.split()[0].lower() if libelle.split() else ""
    article = "l'" if mot[:1] in "aeéèiouyh" else ("les " if mot in ("passages", "voyageurs", "cyclistes", "véhicules", "validations", "entrées") else "le ")
    return article + libelle[0].lower() + libelle[1:]


def _corriger_autocorrelation(r: ResultatImpact) -> None:
    """Élargit l'intervalle d'un comptage quasi-Poisson si les résidus restent autocorrélés."""
    rho = float(r.details.get("rho_ar1_residus") or 0.0)
    rho = min(max(rho, -0.95), 0.95)
    f = facteur_autocorrelation(rho)
    r.details["facteur_autocorrelation"] = f
    if f <= 1.0:
        return
    k = math.sqrt(f)
    z = float(stats.norm.ppf(0.975))
    se = (r.erreur_type or 0.0) * k
    r.erreur_type = se
    r.ic_bas, r.ic_haut = r.effet - z * se, r.effet + z * se
    r.p_valeur = float(2 * stats.norm.sf(abs(r.effet) / se)) if se > 0 else r.p_valeur
    if r.effet_relatif is not None and r.ic_relatif_bas is not None and r.ic_relatif_haut is not None:
        lr = math.log1p(r.effet_relatif)
        se_log = (math.log1p(r.ic_relatif_haut) - math.log1p(r.ic_relatif_bas)) / (2 * z) * k
        r.ic_relatif_bas = math.expm1(lr - z * se_log)
        r.ic_relatif_haut = math.expm1(lr + z * se_log)
    phrase = (f"Les jours se ressemblent d'un jour à l'autre (autocorrélation des résidus : {_fr(rho, 2)}) : "
              f"l'intervalle de l'effet a été élargi d'un facteur {_fr(k, 2)} pour en tenir compte.")
    r.verifications = [v for v in r.verifications if v.nom != "autocorrelation_residus"] + [
        Verification("autocorrelation_residus", "attention" if rho > 0.3 else "reussie", phrase, rho)
    ]


def estimer_effet(df: pd.DataFrame, debut, covariables, *, comptage: bool, indicateur: str = "valeur",
                  unite: str = "") -> ResultatImpact:
    """Série interrompue journalière du domaine sur une table (date, valeur, covariables, jour_an).

    Comptage : quasi-Poisson, intervalle élargi du facteur d'autocorrélation des résidus ; sinon
    moindres carrés à erreurs AR(1). Saisonnalité annuelle (deux harmoniques) si la référence couvre
    au moins 365 jours ; changement de niveau seulement. Renseigne l'effet minimal détectable
    (80 % de puissance, test bilatéral à 5 %) : (z₀,₉₇₅ + z₀,₈₀) × erreur-type de l'effet cumulé.
    """
    debut = pd.Timestamp(debut)
    un_an = (df["date"] < debut).sum() >= 365
    r = serie_interrompue(
        df, debut, indicateur=indicateur, unite=unite,
        famille="quasi_poisson" if comptage else "gaussienne",
        saisonnalite="fourier" if un_an else None, periode=365.25, harmoniques=2, colonne_saison="jour_an",
        covariables=list(covariables), changement_pente=False, erreurs="ar1",
    )
    if comptage:
        _corriger_autocorrelation(r)
    r.effet_minimal_detectable = Z_PUISSANCE * (r.erreur_type or float("nan"))
    return r


def evaluer_pilote(pilote, mesures: pd.DataFrame, meteo: pd.DataFrame | None) -> ResultatImpact:
    from ..erreurs import ErreurDonnees

    _caracteristiques(pilote)
    ind = pilote.indicateur_principal
    precip = lire_precipitations(pilote)
    df, covariables, comptage = preparer_donnees(pilote, mesures, precip)
    debut = pd.Timestamp(pilote.periode_experimentation.debut)
    if (df["date"] < debut).sum() < 28 or (df["date"] >= debut).sum() < 7:
        raise ErreurDonnees(pilote.dossier / "pilote.yaml",
                            "trop peu de jours mesurés pour une série journalière "
                            f"({(df['date'] < debut).sum()} avant, {(df['date'] >= debut).sum()} pendant).",
                            champ="periodes", attendu="au moins 28 jours avant et 7 jours pendant l'expérimentation")
    un_an = (df["date"] < debut).sum() >= 365
    r = estimer_effet(df, debut, covariables, comptage=comptage, indicateur=ind.libelle, unite=ind.unite)
    n_apres = int(r.details["n_apres"])
    r.details["covariables"] = covariables
    r.details["pluie_disponible"] = precip is not None
    r.details["naive"] = comparaison_naive(df["valeur"], df["date"], debut)
    r.details["donnees_journalieres"] = df
    r.details["comptage"] = comptage
    quoi = f"Sur les {n_apres} jours mesurés de l'expérimentation, en cumul" if comptage else (
        f"Sur les {n_apres} jours mesurés de l'expérimentation, en moyenne par jour")
    if not comptage:
        # Pour une durée ou un taux, le cumul n'a pas de sens pour un lecteur : phrase par jour.
        r.details["effet_moyen_par_jour"] = (r.effet / n_apres, r.ic_bas / n_apres, r.ic_haut / n_apres)
        e, b, h = r.details["effet_moyen_par_jour"]
        r.resume = _phrase_resume(_sujet(ind.libelle), ind.unite, e, b, h, r.effet_relatif, quoi)
    else:
        r.resume = _phrase_resume(_sujet(ind.libelle), ind.unite, r.effet, r.ic_bas, r.ic_haut, r.effet_relatif, quoi)
    r.justification = (
        "Les mesures sont journalières et dominées par le calendrier : jour de la semaine, jours fériés, "
        "vacances scolaires de la zone B" + (", pluie" if precip is not None else "") + ". Le modèle apprend "
        "ces effets, la saison et la tendance sur la période de référence, puis estime ce qu'on aurait mesuré "
        "pendant l'expérimentation sans elle, avec le calendrier et la météo réellement observés."
        + (" Les sites témoins entrent dans le modèle : ce qui les touche le même jour est retiré." if pilote.sites_temoins else "")
        + (" L'indicateur étant un comptage, le modèle est un GLM de quasi-Poisson (effets en pourcentage)."
           if comptage else " Les erreurs d'un jour qui se prolongent le lendemain (AR(1)) sont prises en compte.")
    )
    if precip is None:
        r.limites.append("Sans hauteur de pluie dans le fichier météo, l'effet de la météo n'est pas retiré.")
    if not un_an:
        r.limites.append("Moins d'un an de référence : la saison n'est pas modélisée.")
    return r


def economie_annuelle(pilote, resultat: ResultatImpact, valorisation):
    from ..economie import EconomieAnnuelle

    c = _caracteristiques(pilote)
    ind = pilote.indicateur_principal
    usage = c.get("usage", "velo" if ind.type_mesure == "comptage" and "cycl" in ind.identifiant + ind.libelle.lower() else None)
    if usage != "velo" or ind.type_mesure != "comptage" or ind.sens_souhaite != "hausse":
        return None
    p = charger_parametres_mobilite()
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
