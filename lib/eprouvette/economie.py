"""Économie d'une expérimentation : VAN, temps de retour, coût par unité économisée, valeur carbone.

Conventions (voir aussi docs/economie.md)
-----------------------------------------
- Euros constants (prix de l'année des prix, sans inflation) actualisés au taux public réel
  (3,2 %, France Stratégie 2021) lu dans ``donnees/parametres/valorisation.yaml``.
- L'investissement est payé à l'année 0 ; le fonctionnement et les économies sont des flux de
  fin d'année, des années 1 à N (N = durée de vie, arrondie à l'année entière).
- VAN = - investissement + somme_{t=1..N} (économie_t - fonctionnement) / (1 + r)^t.
- Trois points de vue :
  * **financier (coût complet)** : tout l'investissement, quels que soient les financeurs ;
  * **socio-économique** : le précédent plus la valeur carbone des tonnes de CO2e évitées
    chaque année (valeur de l'action pour le climat de l'année civile, convertie en euros
    courants) ;
  * **collectivité** : l'investissement diminué du FEDER et des cofinancements extérieurs
    (ce que le porteur paie vraiment).
- Coût annualisé = investissement × facteur de récupération du capital + fonctionnement ;
  coût par unité économisée = coût annualisé / unités économisées par an.
- Une économie est positive quand la consommation baisse (c'est l'opposé de l'« effet » d'un
  :class:`~eprouvette.methodes.base.ResultatImpact`, signé mesuré moins contrefactuel).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .erreurs import ErreurDonnees
from . import parametres
from .francais import nombre_significatif, pourcentage
from .parametres import Parametre, Plage

FICHIER_VALORISATION = "valorisation.yaml"
Z_95 = 1.959963984540054  # quantile 97,5 % de la loi normale

# ---------------------------------------------------------------------------------------------
# Paramètres
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrajectoireCarbone:
    """Valeur de l'action pour le climat (€ d'une année de référence par tCO2e), par année civile."""

    points: dict[int, float]
    unite: str
    source: str
    annee: int
    euros_de: int

    def valeur(self, annee: int | float) -> float:
        """Valeur pour une année civile : interpolation linéaire entre les points ; avant le premier
        point, la première valeur ; après le dernier, la dernière valeur (maintenue constante)."""
        annees = sorted(self.points)
        return float(np.interp(annee, annees, [self.points[a] for a in annees]))


@dataclass(frozen=True)
class Valorisation:
    """Ensemble des paramètres de valorisation (fichier ``valorisation.yaml``)."""

    version: str
    date: str
    chemin: str
    taux_actualisation: Parametre
    valeur_carbone: TrajectoireCarbone
    deflateur_euros_carbone: Parametre
    facteurs_emission: dict[str, Parametre]
    prix_energie: dict[str, Parametre]
    cout_eau_produite: Parametre
    autres: dict[str, Parametre] = field(default_factory=dict)

    def valeur_carbone_courante(self, annee: int | float) -> float:
        """Valeur carbone (€ courants de l'année des prix par tCO2e) pour une année civile."""
        return self.valeur_carbone.valeur(annee) * self.deflateur_euros_carbone.valeur

    def facteur_emission_t(self, energie: str, base: Literal["PCI", "PCS"] = "PCI") -> float:
        """Facteur d'émission en **tonnes** CO2e par unité (kWh, L). Pour le gaz facturé en
        kWh PCS, passer ``base="PCS"`` (divise par le rapport PCS/PCI)."""
        if energie not in self.facteurs_emission:
            raise ErreurDonnees(
                self.chemin,
                f"facteur d'émission « {energie} » inconnu.",
                champ="facteurs_emission",
                attendu=", ".join(sorted(self.facteurs_emission)),
            )
        f = self.facteurs_emission[energie].valeur / 1000.0
        if base == "PCS" and energie == "gaz_naturel":
            if "rapport_pcs_pci_gaz" not in self.autres:
                raise ErreurDonnees(
                    self.chemin,
                    "rapport PCS/PCI du gaz absent : impossible de convertir des kWh PCS.",
                    champ="rapport_pcs_pci_gaz",
                    attendu="un bloc « rapport_pcs_pci_gaz » (valeur usuelle 1,11)",
                )
            f /= self.autres["rapport_pcs_pci_gaz"].valeur
        return f

    def a_confirmer(self) -> list[str]:
        """Noms des paramètres marqués « à confirmer »."""
        noms = []
        simples = {
            "taux_actualisation": self.taux_actualisation,
            "deflateur_euros_2018": self.deflateur_euros_carbone,
            "cout_eau_produite": self.cout_eau_produite,
            **self.autres,
        }
        noms += [k for k, p in simples.items() if p.a_confirmer]
        noms += [f"facteurs_emission.{k}" for k, p in self.facteurs_emission.items() if p.a_confirmer]
        noms += [f"prix_energie.{k}" for k, p in self.prix_energie.items() if p.a_confirmer]
        return noms


def charger_valorisation(chemin: str | Path | None = None) -> Valorisation:
    """Lit le fichier de paramètres de valorisation et le vérifie.

    Par défaut ``donnees/parametres/valorisation.yaml``. Lève
    :class:`~eprouvette.erreurs.ErreurDonnees` (message en français nommant le fichier et le
    champ) si une valeur manque ou n'est pas numérique.
    """
    p = parametres.chemin(chemin, FICHIER_VALORISATION)
    brut = parametres.lire_fichier(p, "de valorisation")
    parametres.exiger(brut, ("version", "date", "taux_actualisation", "valeur_carbone", "facteurs_emission",
                             "prix_energie", "cout_eau_produite", "deflateur_euros_2018"), p)

    vc = brut["valeur_carbone"]
    try:
        points = {int(a): float(v) for a, v in vc["points"].items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ErreurDonnees(
            p,
            "trajectoire de la valeur carbone illisible.",
            champ="valeur_carbone.points",
            attendu="des lignes « année: valeur », par exemple « 2030: 250 »",
        ) from None
    if len(points) < 2:
        raise ErreurDonnees(p, "au moins deux points sont nécessaires.", champ="valeur_carbone.points")
    trajectoire = TrajectoireCarbone(
        points=points,
        unite=str(vc.get("unite", "")),
        source=str(vc.get("source", "")),
        annee=int(vc.get("annee", 0)),
        euros_de=int(vc.get("euros_de", 0)),
    )

    def groupe(nom: str) -> dict[str, Parametre]:
        bloc = brut[nom]
        if not isinstance(bloc, dict) or not bloc:
            raise ErreurDonnees(p, "groupe de paramètres vide ou mal formé.", champ=nom)
        return {k: parametres.parametre(v, p, f"{nom}.{k}") for k, v in bloc.items()}

    connus = {"version", "date", "devise", "taux_actualisation", "valeur_carbone", "facteurs_emission",
              "prix_energie", "cout_eau_produite", "deflateur_euros_2018"}
    autres = {k: parametres.parametre(v, p, k) for k, v in brut.items() if k not in connus}
    taux = parametres.parametre(brut["taux_actualisation"], p, "taux_actualisation")
    if not -0.5 < taux.valeur < 0.5:
        raise ErreurDonnees(
            p, f"taux d'actualisation {taux.valeur} invraisemblable.", champ="taux_actualisation",
            attendu="un taux annuel en fraction, par exemple 0.032 pour 3,2\u00a0%",
        )
    val = Valorisation(
        version=str(brut["version"]),
        date=str(brut["date"]),
        chemin=str(p),
        taux_actualisation=taux,
        valeur_carbone=trajectoire,
        deflateur_euros_carbone=parametres.parametre(brut["deflateur_euros_2018"], p, "deflateur_euros_2018"),
        facteurs_emission=groupe("facteurs_emission"),
        prix_energie=groupe("prix_energie"),
        cout_eau_produite=parametres.parametre(brut["cout_eau_produite"], p, "cout_eau_produite"),
        autres=autres,
    )
    return val


# ---------------------------------------------------------------------------------------------
# Entrées
# ---------------------------------------------------------------------------------------------


@dataclass
class Couts:
    """Coûts et financement d'une expérimentation (euros TTC, prix constants)."""

    investissement: float
    fonctionnement_annuel: float
    duree_vie: float
    feder: float = 0.0
    #: Cofinancements extérieurs au porteur (État, ADEME…), sans l'autofinancement.
    cofinancements: float = 0.0
    #: Première année civile d'exploitation (année 1 des flux) ; sert à la valeur carbone.
    annee_mise_en_service: int = 2025
    plage_investissement: Plage | None = None
    plage_fonctionnement: Plage | None = None

    def __post_init__(self) -> None:
        if self.investissement < 0 or self.fonctionnement_annuel < 0:
            raise ValueError("les coûts doivent être positifs ou nuls")
        if not self.duree_vie > 0:
            raise ValueError("la durée de vie doit être strictement positive")
        if self.feder < 0 or self.cofinancements < 0:
            raise ValueError("les aides doivent être positives ou nulles")
        if self.feder + self.cofinancements > self.investissement + 1e-9:
            raise ValueError(
                "le FEDER et les cofinancements dépassent l'investissement "
                f"({self.feder + self.cofinancements:.0f} € > {self.investissement:.0f} €)"
            )

    @property
    def annees(self) -> int:
        """Nombre d'années de flux (durée de vie arrondie, au moins 1)."""
        return max(1, int(round(self.duree_vie)))

    @property
    def investissement_collectivite(self) -> float:
        """Investissement restant à la charge du porteur."""
        return self.investissement - self.feder - self.cofinancements

    @classmethod
    def depuis_pilote(cls, fiche: dict, annee_mise_en_service: int | None = None) -> "Couts":
        """Construit les coûts à partir d'une fiche ``pilote.yaml`` déjà lue (dictionnaire).

        Les cofinancements dont le financeur contient « autofinancement » ou le nom du porteur
        sont comptés comme payés par le porteur (pas déduits dans la vue collectivité).
        """
        c = fiche["couts"]
        fin = fiche.get("financement", {})
        porteur = str(fiche.get("porteur", {}).get("nom", "")).strip().lower()
        externes = 0.0
        for co in fin.get("cofinancements", []) or []:
            nom = str(co.get("financeur", "")).lower()
            if "autofinancement" in nom or (porteur and porteur in nom):
                continue
            externes += float(co.get("montant_eur", 0))
        if annee_mise_en_service is None:
            debut = fiche.get("periodes", {}).get("experimentation", {}).get("debut")
            annee_mise_en_service = int(str(debut)[:4]) if debut else 2025
        return cls(
            investissement=float(c["investissement_eur"]),
            fonctionnement_annuel=float(c["fonctionnement_annuel_eur"]),
            duree_vie=float(c["duree_vie_ans"]),
            feder=float(fin.get("feder_eur", 0)),
            cofinancements=externes,
            annee_mise_en_service=annee_mise_en_service,
        )


#: Unités d'affichage du coût par unité économisée (unité saisie -> (unité affichée, facteur)).
_UNITES_AFFICHAGE = {"kWh": ("MWh", 1000.0), "Wh": ("MWh", 1e6), "L": ("m³", 1000.0)}


@dataclass
class EconomieAnnuelle:
    """Économie annuelle attendue, en unités physiques (positive si la consommation baisse).

    Pour une économie déjà en euros : ``unite="€"`` et ``prix_unitaire=1``.
    ``ic_bas`` / ``ic_haut`` : intervalle à 95 % de la quantité économisée par an.
    """

    quantite: float
    unite: str
    prix_unitaire: float
    ic_bas: float | None = None
    ic_haut: float | None = None
    #: Émissions évitées par unité économisée, en tonnes CO2e (0 si sans objet).
    tco2e_par_unite: float = 0.0
    plage_prix: Plage | None = None
    libelle: str = ""

    def __post_init__(self) -> None:
        if (self.ic_bas is None) != (self.ic_haut is None):
            raise ValueError("donner les deux bornes de l'intervalle, ou aucune")
        if self.ic_bas is not None and not self.ic_bas <= self.quantite <= self.ic_haut:
            raise ValueError(
                f"l'économie {self.quantite} n'est pas dans son intervalle "
                f"[{self.ic_bas} ; {self.ic_haut}]"
            )

    @property
    def ecart_type(self) -> float:
        """Écart-type déduit de l'intervalle à 95 % (loi normale), 0 sans intervalle."""
        if self.ic_bas is None:
            return 0.0
        return (self.ic_haut - self.ic_bas) / (2 * Z_95)

    @property
    def euros_par_an(self) -> float:
        return self.quantite * self.prix_unitaire

    @property
    def tco2e_par_an(self) -> float:
        return self.quantite * self.tco2e_par_unite

    @classmethod
    def depuis_impact(
        cls,
        resultat,
        *,
        facteur_annuel: float,
        prix_unitaire: float,
        tco2e_par_unite: float = 0.0,
        signe: float = -1.0,
        plage_prix: Plage | None = None,
    ) -> "EconomieAnnuelle":
        """Convertit un :class:`ResultatImpact` en économie annuelle.

        ``facteur_annuel`` passe de l'unité de l'effet à une année (365 si l'effet est par jour,
        1 s'il est déjà annuel). ``signe=-1`` (défaut) : une baisse mesurée (effet négatif) est
        une économie positive ; l'intervalle est retourné en conséquence. Sans incertitude
        calculable (bornes NaN), l'économie n'a pas d'intervalle.
        """
        bornes = sorted([signe * facteur_annuel * resultat.ic_bas,
                         signe * facteur_annuel * resultat.ic_haut])
        if not all(math.isfinite(b) for b in bornes):
            bornes = [None, None]  # incertitude de l'effet non calculable : pas d'intervalle
        return cls(
            quantite=signe * facteur_annuel * resultat.effet,
            unite=re.sub(r"\s*/\s*(jour|j|an|mois)$", "", resultat.unite),
            prix_unitaire=prix_unitaire,
            ic_bas=bornes[0],
            ic_haut=bornes[1],
            tco2e_par_unite=tco2e_par_unite,
            plage_prix=plage_prix,
            libelle=resultat.indicateur,
        )


# ---------------------------------------------------------------------------------------------
# Calculs élémentaires
# ---------------------------------------------------------------------------------------------


def facteur_recuperation_capital(taux: float, annees: int) -> float:
    """Facteur de récupération du capital : r (1+r)^N / ((1+r)^N - 1) ; 1/N si r = 0."""
    if annees <= 0:
        raise ValueError("la durée doit être strictement positive")
    if abs(taux) < 1e-12:
        return 1.0 / annees
    q = (1.0 + taux) ** annees
    return taux * q / (q - 1.0)


def facteurs_actualisation(taux: float, annees: int) -> np.ndarray:
    """Facteurs 1/(1+r)^t pour t = 1..N (flux de fin d'année)."""
    t = np.arange(1, annees + 1)
    return (1.0 + taux) ** (-t)


def van(investissement: float, flux_annuels, taux: float) -> float:
    """Valeur actuelle nette : -investissement (année 0) + somme des flux des années 1..N actualisés."""
    flux = np.asarray(flux_annuels, dtype=float)
    return float(-investissement + np.sum(flux * facteurs_actualisation(taux, len(flux))))


def delai_retour(investissement: float, flux_annuels, taux: float = 0.0) -> float | None:
    """Temps de retour (années) : premier instant où le cumul des flux (actualisés si ``taux`` ≠ 0)
    couvre l'investissement, avec interpolation linéaire dans l'année. ``None`` (« jamais ») si
    l'investissement n'est pas couvert pendant la durée des flux."""
    flux = np.asarray(flux_annuels, dtype=float) * facteurs_actualisation(taux, len(flux_annuels))
    if investissement <= 0:
        return 0.0
    cumul = 0.0
    for t, f in enumerate(flux, start=1):
        if f > 0 and cumul + f >= investissement:
            return (t - 1) + (investissement - cumul) / f
        cumul += f
    return None


# ---------------------------------------------------------------------------------------------
# Résultats
# ---------------------------------------------------------------------------------------------


@dataclass
class ResultatEconomique:
    """Bilan économique d'une expérimentation (valeurs centrales)."""

    taux_actualisation: float
    annees: int
    annee_mise_en_service: int
    unite: str
    #: VAN coût complet (tous financeurs), sans valeur carbone (€).
    van: float
    #: VAN socio-économique : VAN + valeur carbone actualisée des émissions évitées (€).
    van_socio: float
    #: VAN pour le porteur : investissement net du FEDER et des cofinancements (€).
    van_collectivite: float
    delai_retour_simple: float | None
    delai_retour_actualise: float | None
    delai_retour_collectivite: float | None
    facteur_recuperation_capital: float
    cout_annualise: float
    economie_annuelle: float
    economie_annuelle_eur: float
    cout_par_unite: float | None
    unite_cout: str
    tco2e_evitees_an: float
    cout_par_tco2e: float | None
    valeur_carbone_actualisee: float
    flux: pd.DataFrame
    hypotheses: list[str] = field(default_factory=list)

    LIBELLES = {
        "van": "Valeur actuelle nette (coût complet)",
        "van_socio": "Valeur actuelle nette socio-économique (avec valeur carbone)",
        "van_collectivite": "Valeur actuelle nette pour la collectivité (aides déduites)",
        "delai_retour_simple": "Temps de retour simple",
        "delai_retour_actualise": "Temps de retour actualisé",
        "delai_retour_collectivite": "Temps de retour pour la collectivité (actualisé)",
        "cout_annualise": "Coût annualisé (investissement annualisé + fonctionnement)",
        "economie_annuelle_eur": "Économie annuelle valorisée",
        "cout_par_unite": "Coût par unité économisée",
        "tco2e_evitees_an": "Émissions évitées par an",
        "cout_par_tco2e": "Coût par tonne de CO2e évitée",
        "valeur_carbone_actualisee": "Valeur carbone actualisée sur la durée de vie",
    }

    def tableau(self) -> pd.DataFrame:
        """Tableau « Indicateur / Valeur / Unité » en français (valeurs non arrondies)."""

        def retour(x):
            return "jamais (pas rentabilisé sur la durée de vie)" if x is None else x

        lignes = [
            (self.LIBELLES["van"], self.van, "€"),
            (self.LIBELLES["van_socio"], self.van_socio, "€"),
            (self.LIBELLES["van_collectivite"], self.van_collectivite, "€"),
            (self.LIBELLES["delai_retour_simple"], retour(self.delai_retour_simple), "ans"),
            (self.LIBELLES["delai_retour_actualise"], retour(self.delai_retour_actualise), "ans"),
            (self.LIBELLES["delai_retour_collectivite"], retour(self.delai_retour_collectivite), "ans"),
            (self.LIBELLES["cout_annualise"], self.cout_annualise, "€/an"),
            (self.LIBELLES["economie_annuelle_eur"], self.economie_annuelle_eur, "€/an"),
            (self.LIBELLES["cout_par_unite"], self.cout_par_unite, self.unite_cout),
            (self.LIBELLES["tco2e_evitees_an"], self.tco2e_evitees_an, "tCO2e/an"),
            (self.LIBELLES["cout_par_tco2e"], self.cout_par_tco2e, "€/tCO2e"),
            (self.LIBELLES["valeur_carbone_actualisee"], self.valeur_carbone_actualisee, "€"),
        ]
        return pd.DataFrame(lignes, columns=["Indicateur", "Valeur", "Unité"])

    def en_dict(self) -> dict[str, Any]:
        """Version sérialisable (sans le tableau des flux)."""
        from .methodes.base import _nettoyer_json

        d = {k: v for k, v in self.__dict__.items() if k != "flux"}
        return _nettoyer_json(d)


def _vecteurs(couts: Couts, valorisation: Valorisation) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Années civiles, facteurs d'actualisation et valeurs carbone (€ courants/t) des années 1..N."""
    n = couts.annees
    annees_civiles = couts.annee_mise_en_service + np.arange(n)
    actu = facteurs_actualisation(valorisation.taux_actualisation.valeur, n)
    vc = np.array([valorisation.valeur_carbone_courante(a) for a in annees_civiles])
    return annees_civiles, actu, vc


def evaluer(
    couts: Couts,
    economie: EconomieAnnuelle,
    valorisation: Valorisation | None = None,
) -> ResultatEconomique:
    """Calcule VAN (trois points de vue), temps de retour, coût par unité économisée et valeur
    carbone, avec les valeurs centrales des coûts et de l'économie."""
    val = valorisation or charger_valorisation()
    r = val.taux_actualisation.valeur
    n = couts.annees
    annees_civiles, actu, vc = _vecteurs(couts, val)

    eco_eur = economie.euros_par_an
    flux_fin = np.full(n, eco_eur - couts.fonctionnement_annuel)
    tco2 = economie.tco2e_par_an
    carbone = tco2 * vc
    flux_socio = flux_fin + carbone

    v = van(couts.investissement, flux_fin, r)
    v_socio = van(couts.investissement, flux_socio, r)
    v_coll = van(couts.investissement_collectivite, flux_fin, r)

    crf = facteur_recuperation_capital(r, n)
    cout_an = couts.investissement * crf + couts.fonctionnement_annuel
    unite_aff, mult = _UNITES_AFFICHAGE.get(economie.unite, (economie.unite, 1.0))
    cout_unite = cout_an / economie.quantite * mult if economie.quantite > 0 else None
    cout_t = cout_an / tco2 if tco2 > 0 else None

    tableau = pd.DataFrame(
        {
            "annee": np.arange(1, n + 1),
            "annee_civile": annees_civiles,
            "economie_eur": np.full(n, eco_eur),
            "fonctionnement_eur": np.full(n, -couts.fonctionnement_annuel),
            "flux_net_eur": flux_fin,
            "tco2e_evitees": np.full(n, tco2),
            "valeur_carbone_eur_par_t": vc,
            "valeur_carbone_eur": carbone,
            "facteur_actualisation": actu,
            "flux_net_actualise_eur": flux_fin * actu,
            "cumul_actualise_eur": -couts.investissement + np.cumsum(flux_fin * actu),
        }
    )
    deflateur = nombre_significatif(val.deflateur_euros_carbone.valeur)
    hyp = [
        f"Taux d'actualisation {pourcentage(r)} par an (euros constants), investissement payé "
        f"l'année 0, flux en fin d'année sur {n} ans.",
        "Économie et coûts de fonctionnement supposés constants chaque année de la durée de vie.",
        f"Valeur carbone : trajectoire de la valeur de l'action pour le climat (euros "
        f"{val.valeur_carbone.euros_de}, convertis en euros courants × {deflateur}) des années "
        f"{annees_civiles[0]} à {annees_civiles[-1]}.",
        f"Paramètres : {Path(val.chemin).name} version {val.version} du {val.date}.",
    ]
    return ResultatEconomique(
        taux_actualisation=r,
        annees=n,
        annee_mise_en_service=couts.annee_mise_en_service,
        unite=economie.unite,
        van=v,
        van_socio=v_socio,
        van_collectivite=v_coll,
        delai_retour_simple=delai_retour(couts.investissement, flux_fin, 0.0),
        delai_retour_actualise=delai_retour(couts.investissement, flux_fin, r),
        delai_retour_collectivite=delai_retour(couts.investissement_collectivite, flux_fin, r),
        facteur_recuperation_capital=crf,
        cout_annualise=cout_an,
        economie_annuelle=economie.quantite,
        economie_annuelle_eur=eco_eur,
        cout_par_unite=cout_unite,
        unite_cout=f"€/{unite_aff}",
        tco2e_evitees_an=tco2,
        cout_par_tco2e=cout_t,
        valeur_carbone_actualisee=float(np.sum(carbone * actu)),
        flux=tableau,
        hypotheses=hyp,
    )


# ---------------------------------------------------------------------------------------------
# Monte-Carlo
# ---------------------------------------------------------------------------------------------


@dataclass
class IntervalleSimule:
    """Distribution simulée d'une grandeur : médiane, intervalle à 95 % (2,5 - 97,5 %)."""

    libelle: str
    unite: str
    moyenne: float
    mediane: float
    bas: float
    haut: float
    probabilite_positive: float


@dataclass
class ResultatMonteCarlo:
    """Propagation des incertitudes (effet et coûts) par simulation."""

    tirages: int
    graine: int
    van: IntervalleSimule
    van_socio: IntervalleSimule
    van_collectivite: IntervalleSimule
    cout_par_unite: IntervalleSimule | None
    #: Probabilité que la VAN coût complet soit positive.
    probabilite_van_positive: float
    sources_incertitude: list[str]
    echantillons: pd.DataFrame | None = None
    #: Plages dont la valeur la plus probable n'est pas au milieu (voir :func:`plages_asymetriques`).
    plages_asymetriques: list[tuple[str, Plage]] = field(default_factory=list)

    def tableau(self) -> pd.DataFrame:
        """Tableau en français : grandeur, médiane, intervalle à 95 %, probabilité d'être positive."""
        lignes = []
        for iv in (self.van, self.van_socio, self.van_collectivite, self.cout_par_unite):
            if iv is None:
                continue
            lignes.append((iv.libelle, iv.mediane, iv.bas, iv.haut, iv.probabilite_positive, iv.unite))
        return pd.DataFrame(
            lignes,
            columns=["Grandeur", "Médiane", "Borne basse (2,5\u00a0%)", "Borne haute (97,5\u00a0%)",
                     "Probabilité > 0", "Unité"],
        )


def plages_asymetriques(couts: Couts, economie: EconomieAnnuelle) -> list[tuple[str, Plage]]:
    """Les plages dont la valeur la plus probable n'est pas au milieu (écart de plus de 10 % de la plage).

    La valeur centrale du bilan prend la valeur la plus probable de chaque plage ; la simulation tire
    dans toute la plage : si elle est asymétrique, la médiane simulée s'écarte de la valeur centrale.
    """
    candidates = (("le prix unitaire", economie.plage_prix), ("l'investissement", couts.plage_investissement),
                  ("le fonctionnement annuel", couts.plage_fonctionnement))
    return [(nom, pl) for nom, pl in candidates
            if pl is not None and pl.mode is not None and pl.max > pl.min
            and abs(pl.mode - (pl.min + pl.max) / 2) > 0.1 * (pl.max - pl.min)]


def _resume(x: np.ndarray, libelle: str, unite: str) -> IntervalleSimule:
    x = x[np.isfinite(x)]
    bas, med, haut = np.quantile(x, [0.025, 0.5, 0.975])
    return IntervalleSimule(
        libelle=libelle,
        unite=unite,
        moyenne=float(np.mean(x)),
        mediane=float(med),
        bas=float(bas),
        haut=float(haut),
        probabilite_positive=float(np.mean(x > 0)),
    )


def simuler(
    couts: Couts,
    economie: EconomieAnnuelle,
    valorisation: Valorisation | None = None,
    *,
    tirages: int = 10_000,
    graine: int = 20_230_101,
    garder_echantillons: bool = False,
) -> ResultatMonteCarlo:
    """Propage par Monte-Carlo l'incertitude de l'effet (loi normale tirée de son intervalle à
    95 %) et des coûts et prix (plages : loi triangulaire ou uniforme) jusqu'à la VAN.

    Les tirages sont indépendants et reproductibles (``numpy.random.Generator`` initialisé par
    ``graine``). Le taux d'actualisation et la valeur carbone sont tenus fixes.
    """
    if tirages < 100:
        raise ValueError("au moins 100 tirages sont nécessaires")
    val = valorisation or charger_valorisation()
    rng = np.random.default_rng(graine)
    _, actu, vc = _vecteurs(couts, val)
    somme_actu = float(actu.sum())
    somme_carbone = float((vc * actu).sum())
    sources = []

    if economie.ecart_type > 0:
        q = rng.normal(economie.quantite, economie.ecart_type, size=tirages)
        sources.append("effet mesuré (loi normale déduite de l'intervalle à 95\u00a0%)")
    else:
        q = np.full(tirages, float(economie.quantite))
    if economie.plage_prix is not None:
        prix = economie.plage_prix.tirer(rng, tirages)
        sources.append("prix unitaire (plage)")
    else:
        prix = np.full(tirages, float(economie.prix_unitaire))
    if couts.plage_investissement is not None:
        inv = couts.plage_investissement.tirer(rng, tirages)
        sources.append("investissement (plage)")
    else:
        inv = np.full(tirages, float(couts.investissement))
    if couts.plage_fonctionnement is not None:
        fonc = couts.plage_fonctionnement.tirer(rng, tirages)
        sources.append("fonctionnement annuel (plage)")
    else:
        fonc = np.full(tirages, float(couts.fonctionnement_annuel))

    aides = couts.feder + couts.cofinancements
    flux_actualises = (q * prix - fonc) * somme_actu
    v = -inv + flux_actualises
    v_socio = v + q * economie.tco2e_par_unite * somme_carbone
    # L'aide est un montant fixe : si l'investissement varie, le surcoût reste au porteur.
    v_coll = -(inv - aides) + flux_actualises

    crf = facteur_recuperation_capital(val.taux_actualisation.valeur, couts.annees)
    unite_aff, mult = _UNITES_AFFICHAGE.get(economie.unite, (economie.unite, 1.0))
    cout_unite = None
    if economie.quantite > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(q > 0, (inv * crf + fonc) / q * mult, np.inf)
        # Les tirages sans économie ont un coût par unité infini : ils sont gardés pour les
        # quantiles (borne haute infinie si plus de 2,5 % des tirages n'économisent rien). Quantiles
        # pris parmi les tirages eux-mêmes, sans interpolation : interpoler entre deux infinis
        # donnait NaN (« n.d. » dans le rapport) au lieu de l'infini.
        bas, med, haut = np.quantile(c, [0.025, 0.5, 0.975], method="inverted_cdf")
        cout_unite = IntervalleSimule(
            libelle="Coût par unité économisée",
            unite=f"€/{unite_aff}",
            moyenne=float(np.mean(c)) if np.all(np.isfinite(c)) else math.inf,
            mediane=float(med),
            bas=float(bas),
            haut=float(haut),
            probabilite_positive=float(np.mean(q > 0)),
        )

    ech = None
    if garder_echantillons:
        ech = pd.DataFrame({"economie": q, "prix": prix, "investissement": inv,
                            "fonctionnement": fonc, "van": v, "van_socio": v_socio,
                            "van_collectivite": v_coll})
    lib = ResultatEconomique.LIBELLES
    r_van = _resume(v, lib["van"], "€")
    return ResultatMonteCarlo(
        tirages=tirages,
        graine=graine,
        van=r_van,
        van_socio=_resume(v_socio, lib["van_socio"], "€"),
        van_collectivite=_resume(v_coll, lib["van_collectivite"], "€"),
        cout_par_unite=cout_unite,
        probabilite_van_positive=r_van.probabilite_positive,
        sources_incertitude=sources or ["aucune (toutes les entrées sont fixes)"],
        echantillons=ech,
        plages_asymetriques=plages_asymetriques(couts, economie),
    )
