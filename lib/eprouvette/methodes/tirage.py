"""Le tirage au sort reproductible des sites équipés, et sa table d'équilibre.

Quand les sites candidats sont interchangeables, tirer au hasard ceux qui reçoivent la technologie
est le plan le plus fort (niveau de preuve 5, :mod:`~eprouvette.methodes.niveau_preuve`) : ni le
choix du porteur ni un changement commun ne peuvent expliquer l'écart avec les témoins. Trois
plans de tirage, tous avec ``numpy.random.default_rng(graine)`` sur les candidats rangés par
identifiant (l'ordre du fichier ne compte pas) :

- ``simple`` : ``nombre_equipes`` sites tirés parmi tous les candidats ;
- ``strates`` : les candidats sont rangés selon la première variable et coupés en ``strates``
  groupes de tailles presque égales ; dans chaque strate, un nombre d'équipés proportionnel à sa
  taille (plus forts restes), tirés au hasard ;
- ``paires`` : les candidats sont appariés deux à deux de sorte que la somme des distances au carré
  entre les deux sites d'une paire (variables centrées réduites) soit la plus petite possible ;
  dans chaque paire, un site tiré à pile ou face reçoit la technologie (autant de candidats que
  deux fois le nombre d'équipés).

Les variables (:func:`variables_historique`) sont le **niveau** (moyenne journalière de
l'indicateur principal sur la période de référence) et la **tendance** (pente, en part par an, de
ses moyennes mensuelles rapportées à celles de l'ensemble des candidats), ou des caractéristiques
déclarées des sites (``surface_m2``). La table d'équilibre (:func:`table_equilibre`) donne, par variable, la moyenne
des deux groupes et la différence standardisée (écart des moyennes divisé par l'écart type commun
√((s²₁ + s²₀)/2)) ; au-delà de :data:`SEUIL_EQUILIBRE` en valeur absolue (0,25, seuil usuel,
What Works Clearinghouse), la variable est dite déséquilibrée.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Différence standardisée au-delà de laquelle une variable est dite déséquilibrée.
SEUIL_EQUILIBRE = 0.25
PLANS_TIRAGE = ("simple", "strates", "paires")


class TirageImpossible(ValueError):
    """Le tirage demandé ne peut pas être fait (message en français)."""


@dataclass(frozen=True)
class Tirage:
    """Le résultat d'un tirage : la graine, le plan, les candidats et ce qui a été tiré."""

    graine: int
    plan_tirage: str
    variables: tuple[str, ...]
    #: Une ligne par candidat (index : identifiant du site), une colonne par variable.
    candidats: pd.DataFrame
    equipes: tuple[str, ...]
    temoins: tuple[str, ...]
    #: Strate ou paire (1, 2, …) de chaque candidat ; vide pour un tirage simple.
    groupes: dict
    equilibre: pd.DataFrame
    strates: int | None = None
    #: Variables sur lesquelles les paires ou les strates ont été formées, si ce ne sont pas toutes.
    appariement: tuple[str, ...] | None = None

    @property
    def equilibre_atteint(self) -> bool:
        """Vrai si aucune variable ne dépasse :data:`SEUIL_EQUILIBRE` en différence standardisée."""
        d = self.equilibre["difference_standardisee"].dropna()
        return bool((d.abs() <= SEUIL_EQUILIBRE).all())

    def affectation(self, date_tirage: dt.date | None = None) -> dict:
        """Le bloc ``affectation`` de plan.yaml (:mod:`eprouvette.plan`)."""
        def arrondi(x):
            return None if x is None or not math.isfinite(float(x)) else round(float(x), 6)

        bloc = {"methode": "tirage_au_sort", "graine": int(self.graine), "plan_tirage": self.plan_tirage}
        if self.variables:
            bloc["variables"] = list(self.variables)
        if self.appariement:
            bloc["appariement"] = list(self.appariement)
        bloc["nombre_equipes"] = len(self.equipes)
        if self.strates is not None:
            bloc["strates"] = int(self.strates)
        bloc["candidats"] = []
        for site, ligne in self.candidats.iterrows():
            c = {"site": site}
            if site in self.groupes:
                c["groupe"] = int(self.groupes[site])
            if self.variables:
                c["valeurs"] = {v: arrondi(ligne[v]) for v in self.variables}
            bloc["candidats"].append(c)
        bloc["liste_tiree"] = list(self.equipes)
        if date_tirage is not None:
            bloc["date_tirage"] = date_tirage
        if self.variables:
            bloc["equilibre"] = [{"variable": r.variable, "moyenne_equipes": arrondi(r.moyenne_equipes),
                                  "moyenne_temoins": arrondi(r.moyenne_temoins),
                                  "difference_standardisee": arrondi(r.difference_standardisee)}
                                 for r in self.equilibre.itertuples()]
        return bloc


def table_equilibre(candidats: pd.DataFrame, equipes) -> pd.DataFrame:
    """Par variable : moyenne des équipés, moyenne des témoins, différence standardisée.

    La différence standardisée est (m₁ − m₀) / √((s²₁ + s²₀)/2), écarts types à n − 1 ; NaN si un
    groupe n'a qu'un site et que l'autre n'a pas de dispersion, 0 si les deux groupes sont constants
    et égaux."""
    est = candidats.index.isin(list(equipes))
    lignes = []
    for v in candidats.columns:
        x1, x0 = candidats.loc[est, v].astype(float), candidats.loc[~est, v].astype(float)
        m1, m0 = float(x1.mean()), float(x0.mean())
        var = [float(x.var(ddof=1)) if len(x) > 1 else float("nan") for x in (x1, x0)]
        var = [w for w in var if math.isfinite(w)]
        s = math.sqrt(sum(var) / len(var)) if var else float("nan")
        if not math.isfinite(s):
            d = float("nan")
        elif s == 0:
            d = 0.0 if m1 == m0 else float("nan")
        else:
            d = (m1 - m0) / s
        lignes.append({"variable": v, "moyenne_equipes": m1, "moyenne_temoins": m0, "difference_standardisee": d})
    return pd.DataFrame(lignes, columns=["variable", "moyenne_equipes", "moyenne_temoins", "difference_standardisee"])


def _centrees_reduites(candidats: pd.DataFrame) -> np.ndarray:
    x = candidats.to_numpy(dtype=float)
    ecart = x.std(axis=0, ddof=0)
    ecart[ecart == 0] = 1.0
    return (x - x.mean(axis=0)) / ecart


#: Au-delà de ce nombre de candidats, l'appariement est glouton (la paire la plus proche d'abord)
#: au lieu d'exact : 2^N états à parcourir.
CANDIDATS_APPARIEMENT_EXACT = 14


def _paires(candidats: pd.DataFrame) -> list[tuple[int, int]]:
    """Les paires qui rendent la plus petite possible la somme des distances au carré entre les deux
    sites d'une paire (variables centrées réduites) : appariement exact jusqu'à
    :data:`CANDIDATS_APPARIEMENT_EXACT` candidats, glouton au-delà ; à égalité, l'ordre des identifiants."""
    z = _centrees_reduites(candidats)
    n = len(candidats)
    dist = ((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2)
    if n <= CANDIDATS_APPARIEMENT_EXACT:
        from functools import lru_cache

        @lru_cache(maxsize=None)
        def meilleur(libres: int) -> tuple[float, tuple]:
            if not libres:
                return 0.0, ()
            i = (libres & -libres).bit_length() - 1
            reste = libres & ~(1 << i)
            choix = None
            for j in range(i + 1, n):
                if reste >> j & 1:
                    cout, paires = meilleur(reste & ~(1 << j))
                    cout += float(dist[i, j])
                    if choix is None or cout < choix[0] - 1e-12:
                        choix = (cout, ((i, j),) + paires)
            return choix

        return list(meilleur((1 << n) - 1)[1])
    libres = list(range(n))
    paires = []
    while len(libres) > 1:
        a, b = min(((a, b) for k, a in enumerate(libres) for b in libres[k + 1:]), key=lambda ab: dist[ab])
        paires.append((a, b))
        libres.remove(a)
        libres.remove(b)
    return paires


def _repartir(tailles: list[int], n: int) -> list[int]:
    """Équipés par strate, proportionnels à leur taille (plus forts restes ; à reste égal, la première)."""
    total = sum(tailles)
    quotas = [n * t / total for t in tailles]
    parts = [min(int(math.floor(q)), t) for q, t in zip(quotas, tailles)]
    ordre = sorted(range(len(tailles)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in ordre:
        if sum(parts) >= n:
            break
        if parts[i] < tailles[i]:
            parts[i] += 1
    return parts


def tirer(candidats: pd.DataFrame | list, nombre_equipes: int, graine: int, plan_tirage: str = "simple",
          strates: int = 2, appariement: list[str] | tuple[str, ...] | None = None) -> Tirage:
    """Tire au sort ``nombre_equipes`` sites parmi ``candidats``.

    ``candidats`` : un tableau dont l'index est l'identifiant du site et les colonnes les variables
    d'équilibre (:func:`variables_historique`), ou une simple liste d'identifiants (tirage simple).
    ``appariement`` : les variables sur lesquelles les paires ou les strates sont formées (par défaut
    toutes) ; la table d'équilibre porte toujours sur toutes.
    Le même appel (mêmes candidats, mêmes valeurs, même graine) redonne toujours la même liste ; les
    valeurs sont arrondies à 6 décimales, comme elles sont écrites dans plan.yaml.
    Lève :class:`TirageImpossible` (message en français) si le tirage ne peut pas être fait.
    """
    if not isinstance(candidats, pd.DataFrame):
        candidats = pd.DataFrame(index=pd.Index([str(c) for c in candidats], name="site"))
    if plan_tirage not in PLANS_TIRAGE:
        raise TirageImpossible(f"plan de tirage « {plan_tirage} » inconnu ; possibles : {', '.join(PLANS_TIRAGE)}.")
    if candidats.index.has_duplicates:
        raise TirageImpossible("un site candidat est nommé deux fois.")
    # Les valeurs sont arrondies comme dans plan.yaml (6 décimales) : le tirage refait depuis le plan
    # (:func:`refaire`) voit exactement les mêmes nombres.
    candidats = candidats.sort_index().astype(float).round(6)
    variables = tuple(str(c) for c in candidats.columns)
    manquantes = candidats.isna().any(axis=1)
    if manquantes.any():
        raise TirageImpossible("variables inconnues pour " + ", ".join(candidats.index[manquantes]) +
                               " (pas assez de mesures avant le début ?) : retirez ces sites des candidats.")
    n = len(candidats)
    if not 1 <= nombre_equipes < n:
        raise TirageImpossible(f"il faut tirer entre 1 et {n - 1} sites parmi les {n} candidats "
                               f"(demandé : {nombre_equipes}) : il reste sinon aucun témoin.")
    if plan_tirage != "simple" and not variables:
        raise TirageImpossible(f"un tirage « {plan_tirage} » demande au moins une variable (niveau, tendance…).")
    appariement = tuple(appariement) if appariement else variables
    inconnues = [v for v in appariement if v not in variables]
    if inconnues:
        raise TirageImpossible("variables d'appariement absentes des candidats : " + ", ".join(inconnues) + ".")
    formes = candidats[list(appariement)] if appariement else candidats
    rng = np.random.default_rng(int(graine))
    noms = list(candidats.index)
    groupes: dict = {}
    if plan_tirage == "simple":
        tires = [noms[i] for i in rng.permutation(n)[:nombre_equipes]]
    elif plan_tirage == "paires":
        if n != 2 * nombre_equipes:
            raise TirageImpossible(f"un tirage par paires demande deux fois plus de candidats que de sites à équiper "
                                   f"({n} candidats pour {nombre_equipes} sites) ; prenez un tirage stratifié.")
        tires = []
        for k, (a, b) in enumerate(_paires(formes), start=1):
            groupes[noms[a]] = groupes[noms[b]] = k
            tires.append(noms[a] if rng.random() < 0.5 else noms[b])
    else:
        strates = max(1, min(int(strates), n))
        ordre = sorted(range(n), key=lambda i: (float(formes.iloc[i, 0]), noms[i]))
        morceaux = [list(m) for m in np.array_split(np.array(ordre), strates)]
        parts = _repartir([len(m) for m in morceaux], nombre_equipes)
        tires = []
        for k, (morceau, m) in enumerate(zip(morceaux, parts), start=1):
            for i in morceau:
                groupes[noms[i]] = k
            tires += [noms[morceau[j]] for j in rng.permutation(len(morceau))[:m]]
    tires = tuple(sorted(tires))
    temoins = tuple(s for s in noms if s not in tires)
    return Tirage(int(graine), plan_tirage, variables, candidats, tires, temoins, groupes,
                  table_equilibre(candidats, tires), strates if plan_tirage == "strates" else None,
                  appariement if plan_tirage != "simple" and appariement != variables else None)


def refaire(affectation) -> tuple[str, ...]:
    """Refait le tirage d'un plan (:class:`eprouvette.plan.Affectation`) à partir de sa graine, de
    ses candidats et de leurs valeurs enregistrées ; rend la liste tirée (triée)."""
    variables = list(affectation.variables)
    candidats = pd.DataFrame([{**{v: c.valeurs.get(v) for v in variables}, "site": c.site}
                              for c in affectation.candidats]).set_index("site")[variables]
    nombre = affectation.nombre_equipes or len(affectation.liste_tiree)
    return tirer(candidats, nombre, affectation.graine, affectation.plan_tirage or "simple",
                 strates=affectation.strates or 2, appariement=affectation.appariement or None).equipes


def tirage_reproduit(affectation) -> bool:
    """Vrai si :func:`refaire` redonne la liste tirée du plan."""
    try:
        return tuple(sorted(refaire(affectation))) == tuple(sorted(affectation.liste_tiree))
    except (TirageImpossible, KeyError, ValueError):
        return False


def variables_historique(mesures: pd.DataFrame, sites, indicateur: str, debut: dt.date, fin: dt.date,
                         variables=("niveau", "tendance"), caracteristiques: dict | None = None) -> pd.DataFrame:
    """Les variables d'équilibre de chaque site sur la période ``debut``–``fin`` (la référence).

    ``niveau`` : moyenne de l'indicateur par jour mesuré (total du jour) ; ``tendance`` : pente, en
    part par an, du rapport entre la moyenne mensuelle du site et la moyenne des candidats le même
    mois (la saison et ce qui change pour tous se retirent ainsi : il reste ce qui distingue
    l'évolution du site de celle des autres ; 0 : il évolue comme eux ; NaN avec moins de trois
    mois) ; toute autre variable est lue dans ``caracteristiques`` (site -> {variable: valeur}, par
    exemple la surface déclarée)."""
    sites = list(sites)
    m = mesures[(mesures["indicateur"] == indicateur) & mesures["site"].isin(sites) & mesures["valeur"].notna()]
    jours = pd.to_datetime(m["date"])
    if getattr(jours.dt, "tz", None) is not None:
        jours = jours.dt.tz_convert("Europe/Paris").dt.tz_localize(None)
    m = m.assign(jour=jours.dt.normalize())
    m = m[(m["jour"] >= pd.Timestamp(debut)) & (m["jour"] <= pd.Timestamp(fin))]
    quotidien = m.groupby(["site", "jour"])["valeur"].sum().reset_index()
    niveaux = quotidien.groupby("site")["valeur"].mean()
    mensuel = (quotidien.assign(mois=quotidien["jour"].dt.to_period("M"))
               .pivot_table(index="mois", columns="site", values="valeur", aggfunc="mean"))
    relatif = mensuel.div(mensuel.mean(axis=1), axis=0)
    lignes = []
    for site in sites:
        ligne = {"site": site}
        for v in variables:
            if v == "niveau":
                ligne[v] = float(niveaux.get(site, float("nan")))
            elif v == "tendance":
                serie = relatif[site].dropna() if site in relatif.columns else pd.Series(dtype=float)
                if len(serie) >= 3:
                    t = np.array([(p.start_time - pd.Timestamp(debut)).days / 365.25 for p in serie.index])
                    ligne[v] = float(np.polyfit(t, serie.to_numpy(dtype=float), 1)[0] / serie.mean())
                else:
                    ligne[v] = float("nan")
            else:
                valeur = (caracteristiques or {}).get(site, {}).get(v)
                ligne[v] = float(valeur) if valeur is not None else float("nan")
        lignes.append(ligne)
    return pd.DataFrame(lignes, columns=["site", *variables]).set_index("site")
