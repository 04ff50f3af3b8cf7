"""Tourisme : fréquentation des sites (visiteurs comptés par jour), calendrier touristique, valorisation.

Ce module dit ce que signifient les grandeurs du domaine tourisme ; l'estimation d'impact est faite
par le modèle de comptages journaliers de la mobilité (:func:`eprouvette.domaines.mobilite_pilote.
estimer_effet` : série interrompue, doubles différences avec les sites témoins), appelé par
:mod:`eprouvette.domaines.tourisme_pilote`.

La fréquentation d'un site touristique (entrées comptées par un compteur de personnes, passages sur
une voie verte, visiteurs d'un belvédère) suit d'abord le calendrier : week-ends, jours fériés et
vacances scolaires — celles des **trois zones** A, B et C, car les visiteurs d'un site des
Hauts-de-France viennent de toute la France (Île-de-France en zone C, Hauts-de-France en zone B) —
puis la météo (la pluie fait fuir les promeneurs) et la saison. Comme pour les cyclistes, une
comparaison « avant / après » confond ces effets avec celui de l'expérimentation.

Toutes les dates viennent des paquets officiels (``holidays``, ``vacances-scolaires-france``) par
:func:`eprouvette.domaines.energie.vacances_scolaires` et
:func:`eprouvette.domaines.mobilite.covariables_calendrier` : aucune date n'est écrite à la main.

**Valorisation** : aucune valeur monétaire. Un visiteur de plus sur un site, ou un visiteur déplacé
d'un site saturé vers un autre, n'a pas de prix tutélaire publié (ni France Stratégie, ni la DGE, ni
l'Insee ne donnent une valeur socio-économique d'une visite déplacée) ; la dépense moyenne d'un
touriste par jour existe, mais une visite répartie autrement dans le territoire est d'abord une
dépense déplacée, pas une dépense créée. L'économie n'est donc pas chiffrée et le critère
d'efficience de la grille n'est pas évalué ; le rapport le dit.
"""

from __future__ import annotations

import pandas as pd

from . import Domaine
from .energie import vacances_scolaires
from .mobilite import covariables_calendrier

__all__ = ["ZONES", "CARACTERISTIQUES", "covariables_tourisme", "DOMAINE"]

#: Zones de vacances scolaires dont viennent les visiteurs (toutes, pour un site touristique).
ZONES = ("A", "B", "C")

#: Clés de ``caracteristiques`` (pilote.yaml) lues par le domaine, toutes facultatives.
CARACTERISTIQUES = {
    "site_sature": "nom du site saturé dont le dispositif veut détourner une partie des visites (texte)",
    "capacite_jour": "visiteurs par jour au-delà desquels le site saturé est jugé saturé (nombre)",
}


def covariables_tourisme(dates, precipitations_mm=None) -> pd.DataFrame:
    """Covariables de calendrier d'une série journalière de visiteurs, une ligne par date.

    Colonnes : ``date`` ; ``mardi`` … ``dimanche`` (lundi = référence) ; ``ferie`` ;
    ``vacances_zone_a``, ``vacances_zone_b``, ``vacances_zone_c`` (vacances scolaires de chaque
    zone, dates officielles, pont de l'Ascension compris : les effets de zones en vacances le même
    jour s'ajoutent) ; ``pluie_mm`` si ``precipitations_mm`` est donné (plafonnée comme pour la
    mobilité).
    """
    base = covariables_calendrier(dates, precipitations_mm)
    sortie = base.drop(columns=["vacances_scolaires"])
    position = list(sortie.columns).index("ferie") + 1
    for k, zone in enumerate(ZONES):
        valeurs = vacances_scolaires(base["date"], zone).to_numpy().astype(float) if len(base) else []
        sortie.insert(position + k, f"vacances_zone_{zone.lower()}", valeurs)
    return sortie


#: Extrait de pilote.yaml propre au domaine, recopié par « make nouveau-pilote » (modele_pilote).
_MODELE_FICHE = """indicateurs:
  # L'indicateur principal : les visiteurs comptés chaque jour sur chaque site.
  - identifiant: visiteurs
    libelle: Visiteurs comptés sur les sites
    unite: passages
    sens_souhaite: hausse
    principal: true
    type_mesure: comptage
# Site saturé que le pilote veut soulager et sa capacité par jour, voir docs/tourisme.md.
caracteristiques:
  site_sature:
  capacite_jour:
"""

#: Déclaration du domaine (registre : :mod:`eprouvette.domaines`).
DOMAINE = Domaine(
    identifiant="tourisme", libelle="Tourisme et attractivité", ordre=5, adaptateur="tourisme_pilote",
    codes_feder=("RCO77", "RCR77"), generateurs=("tourisme",),
    modele_fiche=_MODELE_FICHE,
)
