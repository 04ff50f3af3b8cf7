"""Le pilote : `pilote.yaml` chargé, validé contre le standard et rendu sous forme d'objets simples.

Le standard est décrit dans `donnees/README.md` et, pour les machines, dans
`donnees/schemas/pilote.schema.json` (JSON Schema 2020-12). Toute erreur est rapportée en
français avec le fichier, la ligne et le champ concernés.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from . import config
from ._imports import jsonschema as _jsonschema
from .erreurs import ErreurDonnees, ErreursDonnees
from .erreurs import citer as _court
from .francais import nombre, nombre_exact

NOM_FICHIER = "pilote.yaml"

# --------------------------------------------------------------------------------------------
# Objets du pilote
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Porteur:
    """Collectivité qui porte l'expérimentation."""

    nom: str
    type: str
    codes_insee: tuple[str, ...]
    siren: str | None = None


@dataclass(frozen=True)
class Periode:
    """Intervalle de dates, bornes incluses."""

    debut: dt.date
    fin: dt.date

    @property
    def jours(self) -> int:
        """Nombre de jours de la période, bornes incluses."""
        return (self.fin - self.debut).days + 1

    def contient(self, jour: dt.date) -> bool:
        """Vrai si le jour tombe dans la période (bornes incluses)."""
        if isinstance(jour, dt.datetime):
            jour = jour.date()
        return self.debut <= jour <= self.fin


@dataclass(frozen=True)
class PeriodeApres(Periode):
    """La période facultative « après » la fin de l'expérimentation (``periodes.apres``) : l'effet
    dure-t-il quand l'accompagnement, la subvention ou l'animation s'arrête, ou la technologie est
    retirée ? ``motif`` : fin_accompagnement, fin_subvention, fin_animation, retrait, autre, ou None."""

    motif: str | None = None


@dataclass(frozen=True)
class Site:
    """Un lieu mesuré : bâtiment, secteur de réseau, ligne, point de collecte…"""

    identifiant: str
    nom: str
    role: str
    code_insee: str
    surface_m2: float | None = None
    description: str | None = None
    #: Premier et dernier jour d'équipement propres au site (déploiement échelonné) ; None : ceux de
    #: la période d'expérimentation (voir ``Pilote.periode_equipement``).
    debut_equipement: dt.date | None = None
    fin_equipement: dt.date | None = None

    @property
    def experimental(self) -> bool:
        """Vrai si le site reçoit la technologie expérimentée."""
        return self.role == "experimental"

    @property
    def temoin(self) -> bool:
        """Vrai si le site sert de comparaison."""
        return self.role == "temoin"


@dataclass(frozen=True)
class Indicateur:
    """Une grandeur mesurée ; `principal` est vrai pour exactement un indicateur du pilote."""

    identifiant: str
    libelle: str
    unite: str
    sens_souhaite: str
    principal: bool = False
    vecteur_energetique: str | None = None
    type_mesure: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Cofinancement:
    """Un financeur autre que le FEDER et son apport."""

    financeur: str
    montant_eur: float


@dataclass(frozen=True)
class Couts:
    """Coûts de l'expérimentation, en euros."""

    investissement_eur: float
    fonctionnement_annuel_eur: float
    duree_vie_ans: float
    sources: str | None = None


@dataclass(frozen=True)
class Financement:
    """Plan de financement : FEDER et cofinancements, tels que déclarés (aucun contrôle de cohérence)."""

    feder_eur: float
    cofinancements: tuple[Cofinancement, ...] = ()
    #: `financement.annee_engagement_feder` : année d'engagement de l'aide (None : début de l'expérimentation).
    annee_engagement_feder: int | None = None

    @property
    def total_eur(self) -> float:
        """FEDER + cofinancements."""
        return float(self.feder_eur + sum(c.montant_eur for c in self.cofinancements))


@dataclass
class Pilote:
    """Un pilote « tube à essai » chargé depuis `donnees/pilotes/<identifiant>/pilote.yaml`."""

    dossier: Path
    brut: dict
    identifiant: str
    titre: str
    domaine: str
    type_pilote: str
    technologie: str
    contexte: str
    porteur: Porteur
    periodes: dict[str, Periode]
    sites: tuple[Site, ...]
    indicateurs: tuple[Indicateur, ...]
    fichiers_mesures: tuple[Path, ...]
    fichier_meteo: Path | None
    couts: Couts
    financement: Financement
    conditions_de_succes: tuple[str, ...] = ()
    contact: str | None = None
    notes: str | None = None
    #: Calendrier d'occupation des bâtiments : ecole_zone_b, bureaux ou continue (défaut).
    occupation: str = "continue"
    #: Choix des sites équipés : « choix » (défaut) ou « tirage_au_sort » (niveau de preuve 5 avec des témoins).
    affectation: str = "choix"
    #: Empreinte SHA-256 (ou ses 12 premiers caractères au moins) du plan d'analyse enregistré
    #: (``plan.yaml``, :mod:`eprouvette.plan`) ; None si elle n'a pas été recopiée dans la fiche.
    empreinte_plan: str | None = None
    #: Vrai pour un pilote d'exemple dont les mesures sont simulées : un bandeau le dit sur chaque page.
    donnees_simulees: bool = False
    #: Relevés de compteurs individuels (données personnelles) : agrégés par site avant toute analyse.
    releves_compteurs: tuple = ()
    #: Poste Météo-France à lire quand le fichier météo est un fichier quotidien de Météo-France.
    poste_meteo: str | None = None
    #: Caractéristiques propres au domaine (linéaire de réseau, conteneurs…), vérifiées par le domaine.
    caracteristiques: dict = field(default_factory=dict)
    #: Période facultative après la fin de l'expérimentation (``periodes.apres``), None sinon.
    periode_apres: PeriodeApres | None = None
    lignes: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def fichier(self) -> Path:
        """Chemin du fichier pilote.yaml."""
        return self.dossier / NOM_FICHIER

    @property
    def periode_reference(self) -> Periode:
        """Période avant l'expérimentation."""
        return self.periodes["reference"]

    @property
    def periode_experimentation(self) -> Periode:
        """Période pendant laquelle la technologie fonctionne."""
        return self.periodes["experimentation"]

    @property
    def sites_experimentaux(self) -> tuple[Site, ...]:
        """Sites qui reçoivent la technologie."""
        return tuple(s for s in self.sites if s.experimental)

    @property
    def sites_temoins(self) -> tuple[Site, ...]:
        """Sites de comparaison."""
        return tuple(s for s in self.sites if s.temoin)

    @property
    def indicateur_principal(self) -> Indicateur:
        """L'indicateur sur lequel porte la recommandation."""
        return next(i for i in self.indicateurs if i.principal)

    def periode_equipement(self, site: Site | str) -> Periode | None:
        """Jours où la technologie fonctionne sur un site expérimental : ses dates propres
        (``debut_equipement``, ``fin_equipement``) ou, à défaut, celles de l'expérimentation ; None
        pour un témoin."""
        s = self.site(site) if isinstance(site, str) else site
        if not s.experimental:
            return None
        p = self.periode_experimentation
        return Periode(debut=s.debut_equipement or p.debut, fin=s.fin_equipement or p.fin)

    @property
    def deploiement_echelonne(self) -> bool:
        """Vrai si les sites expérimentaux ne sont pas tous équipés le même jour."""
        return len({self.periode_equipement(s).debut for s in self.sites_experimentaux}) > 1

    def site(self, identifiant: str) -> Site:
        """Le site qui porte cet identifiant (KeyError sinon)."""
        for s in self.sites:
            if s.identifiant == identifiant:
                return s
        raise KeyError(identifiant)

    def indicateur(self, identifiant: str) -> Indicateur:
        """L'indicateur qui porte cet identifiant (KeyError sinon)."""
        for i in self.indicateurs:
            if i.identifiant == identifiant:
                return i
        raise KeyError(identifiant)

    def ligne(self, chemin: str) -> int | None:
        """Ligne de pilote.yaml où se trouve un champ (chemin pointé, ex. « sites.0.nom »)."""
        return self.lignes.get(chemin)


# --------------------------------------------------------------------------------------------
# Lecture du YAML avec les numéros de ligne
# --------------------------------------------------------------------------------------------


#: Taille maximale de pilote.yaml, en octets (les fiches d'exemple font moins de 20 ko).
TAILLE_MAX_FICHE = 1_000_000
#: Nombre maximal d'alias YAML (« *nom ») dans pilote.yaml : le standard n'en a pas besoin.
ALIAS_MAX = 100
#: Nombre maximal de valeurs du document une fois les alias dépliés (bombe d'alias).
NOEUDS_MAX = 200_000
_NOEUDS_MAX_TEXTE = nombre(NOEUDS_MAX)

_CONSEIL_ALIAS = ("Écrivez les valeurs en toutes lettres au lieu de les répéter par des ancres (« &nom ») "
                  "et des alias (« *nom ») : le standard n'en a pas besoin.")

_CONSEIL_TAILLE = "Les mesures vont dans des fichiers à part, déclarés dans « fichiers.mesures »."


class _YamlDemesure(Exception):
    """pilote.yaml refusé pendant sa lecture : trop d'alias, alias récursif, document trop grand."""

    def __init__(self, message: str, ligne: int, conseil: str = _CONSEIL_ALIAS):
        super().__init__(message)
        self.message, self.ligne, self.conseil = message, ligne, conseil


class _Chargeur(yaml.SafeLoader):
    """SafeLoader borné, qui garde une date impossible (2023-02-30) sous forme de texte.

    Sans cela PyYAML lève une ValueError sans numéro de ligne ; ici la date invalide est
    signalée par la validation du schéma, avec sa ligne.

    Les alias (« *nom ») sont comptés pendant la composition : au plus ``ALIAS_MAX`` alias, aucun
    alias récursif, et au plus ``NOEUDS_MAX`` valeurs une fois les alias dépliés. Une « bombe
    d'alias » (quelques lignes qui se déplient en milliards de valeurs) est ainsi refusée à la
    ligne de l'alias qui dépasse, avant d'avoir rien déplié ; sans cela le relevé des lignes
    (:func:`_relever_lignes`) et la validation parcourent l'arbre déplié (des gigaoctets).
    """

    def __init__(self, flux):
        super().__init__(flux)
        self._alias = 0
        self._noeuds = 0
        #: Taille dépliée (nombre de valeurs) de chaque nœud terminé, par id.
        self._tailles: dict[int, int] = {}

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            evenement = self.peek_event()
            noeud = self.anchors.get(evenement.anchor)
            if noeud is not None:
                ligne = evenement.start_mark.line + 1
                self._alias += 1
                if id(noeud) not in self._tailles:
                    raise _YamlDemesure(f"l'alias « *{evenement.anchor} » est employé à l'intérieur de sa propre "
                                        "ancre (structure récursive).", ligne)
                if self._alias > ALIAS_MAX:
                    raise _YamlDemesure(f"trop d'alias YAML (« *{evenement.anchor} ») : plus de {ALIAS_MAX} "
                                        "dans le fichier.", ligne)
                self._noeuds += self._tailles[id(noeud)]
                if self._noeuds > NOEUDS_MAX:
                    raise _YamlDemesure(f"les alias YAML (ici « *{evenement.anchor} ») déplient le fichier en plus "
                                        f"de {_NOEUDS_MAX_TEXTE} valeurs (« bombe d'alias ») ; il n'a pas été lu "
                                        "plus loin.", ligne)
            return super().compose_node(parent, index)
        self._noeuds += 1
        if self._noeuds > NOEUDS_MAX:
            raise _YamlDemesure(f"le fichier compte plus de {_NOEUDS_MAX_TEXTE} valeurs ; il n'a pas été lu "
                                "plus loin.", self.peek_event().start_mark.line + 1, _CONSEIL_TAILLE)
        avant = self._noeuds
        noeud = super().compose_node(parent, index)
        self._tailles[id(noeud)] = self._noeuds - avant + 1
        return noeud


    def construct_object(self, node, deep=False):
        # Étiquettes que le standard n'emploie pas (!!binary, !!set, !!omap, !!pairs) : refusées ici,
        # à leur ligne ; une valeur qui ne correspond pas à son étiquette (« !!int abc ») aussi, au
        # lieu d'une ValueError de Python sans ligne.
        if node.tag in _ETIQUETTES_REFUSEES:
            raise _YamlDemesure(_message_etiquette(node.tag, node.start_mark.column + 1), node.start_mark.line + 1,
                                _CONSEIL_ETIQUETTE)
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError):
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            valeur = node.value if isinstance(node, yaml.ScalarNode) else "…"
            raise _YamlDemesure(f"la valeur « {_court(valeur)} » (colonne {node.start_mark.column + 1}) ne peut pas "
                                f"être lue avec l'étiquette YAML « {_court(tag)} ».", node.start_mark.line + 1,
                                _CONSEIL_ETIQUETTE) from None


_ETIQUETTES_REFUSEES = {f"tag:yaml.org,2002:{n}" for n in ("binary", "set", "omap", "pairs")}
_CONSEIL_ETIQUETTE = "Écrivez la valeur seule, entre guillemets si c'est du texte."


def _message_etiquette(tag: str, colonne: int | None) -> str:
    tag = tag.replace("tag:yaml.org,2002:", "!!")
    return (f"étiquette YAML non autorisée « {_court(tag)} »{f' (colonne {colonne})' if colonne else ''} : le "
            "standard n'admet que du texte, des nombres, des dates, des listes et des groupes de champs (retirez "
            "l'étiquette commençant par « ! »).")


def _horodatage(chargeur: yaml.SafeLoader, noeud: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(chargeur, noeud)
    except ValueError:
        return chargeur.construct_scalar(noeud)


_Chargeur.add_constructor("tag:yaml.org,2002:timestamp", _horodatage)

#: Chiffres écrits avec un zéro initial (« 02173 », « 02320002 ») : gardés tels qu'écrits, en texte.
#: YAML 1.1 lit « 02173 » comme l'octal 1147 mais « 02691 » comme le texte « 02691 » (un 9 n'est
#: pas octal) ; un code INSEE, SIREN ou de poste météo de l'Aisne ou de l'Ain serait ainsi changé
#: en un autre nombre selon ses chiffres. Aucun nombre du standard ne s'écrit avec un zéro initial :
#: un tel nombre (« surface_m2: 0250 ») est signalé comme du texte par la validation.
_ZERO_INITIAL = re.compile(r"^0[0-9]+$")
_Chargeur.yaml_implicit_resolvers = {premier: list(resolveurs)
                                     for premier, resolveurs in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Chargeur.yaml_implicit_resolvers["0"].insert(0, ("tag:yaml.org,2002:str", _ZERO_INITIAL))


def _relever_lignes(noeud: yaml.Node, chemin: tuple = (), lignes: dict | None = None,
                    doublons: list | None = None) -> tuple[dict, list]:
    """Ligne (1 = première) de chaque valeur et de chaque clé du document YAML.

    Clés du dictionnaire : tuples de chemin ; une clé de mapping est notée
    chemin + (nom, "<cle>"). Le texte écrit dans le fichier de chaque valeur simple est noté
    chemin + ("<texte>",) : « 02173 » reste « 02173 » même si YAML le lit comme l'entier 1147.
    Les clés écrites deux fois sont relevées dans `doublons` : (chemin, ligne, première ligne).
    """
    if lignes is None:
        lignes, doublons = {}, []
    lignes[chemin] = noeud.start_mark.line + 1
    if isinstance(noeud, yaml.ScalarNode):
        lignes[chemin + ("<texte>",)] = noeud.value
    if isinstance(noeud, yaml.MappingNode):
        vues: dict = {}
        for cle, valeur in noeud.value:
            nom = cle.value
            if nom in vues:
                doublons.append((chemin + (nom,), cle.start_mark.line + 1, vues[nom]))
            vues.setdefault(nom, cle.start_mark.line + 1)
            lignes[chemin + (nom, "<cle>")] = cle.start_mark.line + 1
            _relever_lignes(valeur, chemin + (nom,), lignes, doublons)
    elif isinstance(noeud, yaml.SequenceNode):
        for i, valeur in enumerate(noeud.value):
            _relever_lignes(valeur, chemin + (i,), lignes, doublons)
    return lignes, doublons


def _ligne_de(lignes: dict, chemin: tuple) -> int | None:
    """Ligne du chemin, ou de son ancêtre le plus proche qui existe dans le fichier."""
    chemin = tuple(chemin)
    while chemin:
        if chemin in lignes:
            return lignes[chemin]
        chemin = chemin[:-1]
    return lignes.get((), 1)


def _nom_champ(chemin) -> str:
    """Chemin lisible : sites[0].code_insee."""
    texte = ""
    for morceau in chemin:
        if isinstance(morceau, int):
            texte += f"[{morceau}]"
        else:
            texte += ("." if texte else "") + str(morceau)
    return texte or "(racine)"


def _pour_validation(valeur: Any) -> Any:
    """Copie du YAML où les dates deviennent du texte ISO (le schéma les décrit comme du texte)."""
    if isinstance(valeur, dict):
        return {k: _pour_validation(v) for k, v in valeur.items()}
    if isinstance(valeur, list):
        return [_pour_validation(v) for v in valeur]
    if isinstance(valeur, (dt.date, dt.datetime)):
        return valeur.isoformat()
    return valeur


# --------------------------------------------------------------------------------------------
# Traduction des erreurs jsonschema
# --------------------------------------------------------------------------------------------

_MOTIF_INSEE = "^(?:[0-9]{2}|2A|2B)[0-9]{3}$"

_MOTIFS = {
    "^[a-z0-9]+(-[a-z0-9]+)*$": "des minuscules sans accent, des chiffres et des tirets, par exemple « gtb-ecoles »",
    "^(?:[0-9]{2}|2A|2B)[0-9]{3}$": "un code INSEE de commune à 5 caractères entre guillemets, par exemple \"59350\" (2A ou 2B pour la Corse)",
    "^[0-9]{9}$": "un numéro SIREN de 9 chiffres entre guillemets, par exemple \"200093201\"",
    "^[a-z][a-z0-9]*(_[a-z0-9]+)*$": "des minuscules sans accent, des chiffres et des tirets bas, par exemple « consommation_chauffage »",
    "^[0-9a-f]{12,64}$": "une empreinte SHA-256 en chiffres hexadécimaux minuscules (de 12 à 64 caractères), par exemple « 3f2a9c1b7d40 »",
}

_TYPES = {
    "string": "du texte",
    "number": "un nombre",
    "integer": "un nombre entier",
    "boolean": "vrai ou faux (true / false)",
    "array": "une liste (lignes commençant par « - »)",
    "object": "un groupe de champs (lignes indentées « nom: valeur »)",
    "null": "une valeur vide",
    "date": "une date au format AAAA-MM-JJ, par exemple 2023-09-01",
}


def _decrire_type(valeur: Any) -> str:
    if isinstance(valeur, bool):
        return "vrai/faux"
    if isinstance(valeur, int):
        return "un nombre entier"
    if isinstance(valeur, float):
        return "un nombre"
    if isinstance(valeur, str):
        return "du texte"
    if isinstance(valeur, list):
        return "une liste"
    if isinstance(valeur, dict):
        return "un groupe de champs"
    if valeur is None:
        return "une valeur vide"
    return type(valeur).__name__




def _montrer(valeur: Any) -> str:
    if isinstance(valeur, (dict, list)):
        return _decrire_type(valeur)
    if isinstance(valeur, bool):
        return "true" if valeur else "false"
    if valeur is None:
        return "(vide)"
    return f"« {_court(valeur)} »"


def _conseil_texte(chemin: tuple, valeur: Any, ecrit: str | None) -> str:
    """Valeur à écrire entre guillemets : le texte d'origine ; un code INSEE lu comme l'entier 2691
    (zéro initial perdu, départements 01 à 09) est complété à 5 chiffres : « 02691 »."""
    texte = (ecrit or str(valeur)).strip()
    insee = any(isinstance(m, str) and m in ("code_insee", "codes_insee") for m in chemin)
    if insee and texte.isdigit() and len(texte) == 4:
        texte = texte.zfill(5)
    return _court(texte)


def _traduire(erreur, fichier: Path, lignes: dict) -> list[ErreurDonnees]:
    """Une erreur jsonschema -> une ou plusieurs ErreurDonnees en français."""
    chemin = tuple(erreur.absolute_path)
    champ = _nom_champ(chemin)
    ligne = _ligne_de(lignes, chemin)
    valeur = erreur.instance
    regle = erreur.validator
    attendu_regle = erreur.validator_value

    if regle == "additionalProperties":
        connus = sorted((erreur.schema.get("properties") or {}).keys())
        inconnus = [k for k in valeur if k not in connus] if isinstance(valeur, dict) else []
        resultat = []
        for nom in inconnus:
            proches = difflib.get_close_matches(str(nom), connus, n=1, cutoff=0.6)
            conseil = f"Vouliez-vous écrire « {proches[0]} » ?" if proches else None
            resultat.append(ErreurDonnees(
                fichier, f"champ « {_court(nom)} » inconnu du standard.",
                ligne=_ligne_de(lignes, chemin + (nom, "<cle>")),
                champ=_nom_champ(chemin + (nom,)),
                attendu="un des champs " + ", ".join(connus),
                conseil=conseil,
            ))
        return resultat
    if regle == "required":
        manquants = [k for k in attendu_regle if isinstance(valeur, dict) and k not in valeur]
        return [ErreurDonnees(
            fichier, f"champ obligatoire « {nom} » absent.",
            ligne=ligne, champ=_nom_champ(chemin + (nom,)),
            conseil="Voir donnees/README.md pour la liste des champs obligatoires.",
        ) for nom in manquants]
    if regle == "enum":
        return [ErreurDonnees(
            fichier, f"valeur {_montrer(valeur)} non reconnue.", ligne=ligne, champ=champ,
            attendu="une des valeurs " + ", ".join(str(v) for v in attendu_regle),
        )]
    if regle == "type":
        conseil = None
        ecrit = lignes.get(chemin + ("<texte>",))
        ecrit = ecrit if isinstance(ecrit, str) and ecrit.strip() else None
        if attendu_regle == "string" and isinstance(valeur, (int, float)) and not isinstance(valeur, bool):
            conseil = (f"Écrivez la valeur entre guillemets : \"{_conseil_texte(chemin, valeur, ecrit)}\" (sans "
                       "guillemets, YAML la lit comme un nombre et peut perdre un zéro initial).")
        types = attendu_regle if isinstance(attendu_regle, list) else [attendu_regle]
        if {"number", "integer"} & set(types) and isinstance(valeur, str) and _ZERO_INITIAL.match(valeur):
            conseil = f"Écrivez le nombre sans zéro initial : {int(valeur)}."
        if valeur is None:
            # « titre: » sans valeur : un champ de la fiche laissé vide (fiche de make nouveau-pilote).
            trouve = "champ vide, à remplir."
            if erreur.schema.get("format") == "date":
                attendu_regle = "date"
        elif isinstance(valeur, (dict, list)):
            trouve = f"{_decrire_type(valeur)} à cet endroit."
        elif ecrit is not None and isinstance(valeur, (int, float)) and not isinstance(valeur, bool) \
                and ecrit.strip() != str(valeur):
            trouve = f"valeur « {_court(ecrit.strip())} » lue comme {_decrire_type(valeur)} ({_court(valeur)})."
        else:
            trouve = f"valeur {_montrer(valeur)} lue comme {_decrire_type(valeur)}."
        if attendu_regle == "date":
            types = ["date"]
        return [ErreurDonnees(
            fichier, trouve,
            ligne=ligne, champ=champ, attendu=" ou ".join(_TYPES.get(t, t) for t in types),
            conseil=conseil,
        )]
    if regle == "pattern":
        conseil = None
        if attendu_regle == _MOTIF_INSEE and isinstance(valeur, str) and valeur.strip().isdigit() \
                and len(valeur.strip()) == 4:
            conseil = (f"Écrivez \"{valeur.strip().zfill(5)}\" : le code INSEE d'une commune des départements 01 à "
                       "09 commence par un zéro.")
        return [ErreurDonnees(
            fichier, "champ vide, à remplir." if valeur == "" else f"valeur {_montrer(valeur)} mal écrite.",
            ligne=ligne, champ=champ,
            attendu=_MOTIFS.get(attendu_regle, f"un texte qui suit le motif {_court(attendu_regle)}"),
            conseil=conseil,
        )]
    if regle in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        signe = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<"}[regle]
        return [ErreurDonnees(
            fichier, f"valeur {_montrer(nombre_exact(valeur))} hors des bornes.", ligne=ligne, champ=champ,
            attendu=f"un nombre {signe} {nombre_exact(attendu_regle)}",
        )]
    if regle == "minItems":
        return [ErreurDonnees(
            fichier, "liste vide ou trop courte.", ligne=ligne, champ=champ,
            attendu=f"au moins {attendu_regle} élément" + ("s" if attendu_regle > 1 else ""),
        )]
    if regle == "uniqueItems":
        return [ErreurDonnees(fichier, "la liste contient deux fois la même valeur.", ligne=ligne, champ=champ,
                              attendu="chaque valeur une seule fois")]
    if regle == "minLength":
        return [ErreurDonnees(fichier, "texte vide.", ligne=ligne, champ=champ, attendu="un texte non vide")]
    if regle == "format":
        if attendu_regle == "date":
            return [ErreurDonnees(
                fichier, f"{_montrer(valeur)} n'est pas une date valide.", ligne=ligne, champ=champ,
                attendu="une date au format AAAA-MM-JJ, par exemple 2023-09-01",
            )]
        return [ErreurDonnees(fichier, f"valeur {_montrer(valeur)} au format invalide.",
                              ligne=ligne, champ=champ, attendu=f"le format {attendu_regle}")]
    # Règle non prévue : on garde le message technique, mais avec le lieu.
    return [ErreurDonnees(fichier, f"valeur non conforme au standard ({erreur.message}).",
                          ligne=ligne, champ=champ)]


@lru_cache(maxsize=4)
def validateur(nom_schema: str = "pilote.schema.json"):
    """Le validateur JSON Schema 2020-12 d'un schéma publié de ``donnees/schemas/``
    (``jsonschema.Draft202012Validator``)."""
    classe = _jsonschema().Draft202012Validator
    schema = json.loads((config.SCHEMAS / nom_schema).read_text(encoding="utf-8"))
    return classe(schema, format_checker=classe.FORMAT_CHECKER)


def _validateur():
    """Le validateur du standard de la fiche (``pilote.schema.json``)."""
    return validateur("pilote.schema.json")


# --------------------------------------------------------------------------------------------
# Contrôles que le schéma ne peut pas exprimer
# --------------------------------------------------------------------------------------------


def _fichiers_presents(dossier: Path, maximum: int = 20) -> str:
    """« Fichiers présents : a.csv, b.csv. » (au plus ``maximum`` noms, puis « et N autres »)."""
    noms = sorted(_court(p.name) for p in dossier.iterdir() if p.is_file())
    if not noms:
        return "Le dossier du pilote ne contient aucun fichier."
    texte = ", ".join(noms[:maximum])
    if len(noms) > maximum:
        texte += f" et {len(noms) - maximum} autres"
    return f"Fichiers présents : {texte}."


def _verifications(donnees: dict, dossier: Path, fichier: Path, lignes: dict) -> list[ErreurDonnees]:
    erreurs: list[ErreurDonnees] = []

    def err(message, chemin, **kw):
        erreurs.append(ErreurDonnees(fichier, message, ligne=_ligne_de(lignes, chemin),
                                     champ=_nom_champ(chemin), **kw))

    ident = donnees.get("identifiant")
    if isinstance(ident, str) and ident != dossier.name:
        err(f"l'identifiant « {_court(ident)} » diffère du nom du dossier « {_court(dossier.name)} ».", ("identifiant",),
            conseil="Renommez le dossier ou corrigez l'identifiant : les deux doivent être identiques.")

    periodes = donnees.get("periodes")
    bornes = {}
    if isinstance(periodes, dict):
        for nom in ("reference", "experimentation", "apres"):
            p = periodes.get(nom)
            debut = _en_date(p.get("debut")) if isinstance(p, dict) else None
            fin = _en_date(p.get("fin")) if isinstance(p, dict) else None
            if debut is not None and fin is not None:
                bornes[nom] = (debut, fin)
                if debut > fin:
                    err(f"la période commence le {debut.isoformat()} mais finit avant, le "
                        f"{fin.isoformat()}.", ("periodes", nom, "debut"),
                        attendu="un début antérieur ou égal à la fin")
        if len(bornes) == 2 and bornes["reference"][1] >= bornes["experimentation"][0]:
            err(f"la période de référence finit le {bornes['reference'][1].isoformat()}, pas avant le début "
                f"de l'expérimentation ({bornes['experimentation'][0].isoformat()}).",
                ("periodes", "reference", "fin"),
                attendu="une période de référence qui se termine avant le début de l'expérimentation")
        if "apres" in bornes and "experimentation" in bornes and bornes["apres"][0] <= bornes["experimentation"][1]:
            err(f"la période après commence le {bornes['apres'][0].isoformat()}, pas après la fin de "
                f"l'expérimentation ({bornes['experimentation'][1].isoformat()}) : les deux périodes se chevauchent.",
                ("periodes", "apres", "debut"),
                attendu="une période après qui commence après la fin de l'expérimentation")

    sites = donnees.get("sites")
    if isinstance(sites, list):
        vus: dict[str, int] = {}
        for i, s in enumerate(sites):
            if isinstance(s, dict) and isinstance(s.get("identifiant"), str):
                if s["identifiant"] in vus:
                    err(f"site « {_court(s['identifiant'])} » déclaré deux fois (déjà en sites[{vus[s['identifiant']]}]).",
                        ("sites", i, "identifiant"), attendu="des identifiants de site uniques")
                vus.setdefault(s["identifiant"], i)
        exp = bornes.get("experimentation")
        for i, s in enumerate(sites):
            if isinstance(s, dict):
                _verifier_equipement(s, i, exp, err)
        roles = [s.get("role") for s in sites if isinstance(s, dict)]
        if roles and all(isinstance(r, str) for r in roles) and "experimental" not in roles:
            err("aucun site n'a le rôle « experimental ».", ("sites",),
                attendu="au moins un site expérimental")

    indicateurs = donnees.get("indicateurs")
    if isinstance(indicateurs, list):
        vus = {}
        principaux = []
        for i, ind in enumerate(indicateurs):
            if not isinstance(ind, dict):
                continue
            if isinstance(ind.get("identifiant"), str):
                if ind["identifiant"] in vus:
                    err(f"indicateur « {_court(ind['identifiant'])} » déclaré deux fois.",
                        ("indicateurs", i, "identifiant"), attendu="des identifiants d'indicateur uniques")
                vus.setdefault(ind["identifiant"], i)
            if ind.get("principal") is True:
                principaux.append(i)
        if len(principaux) > 1:
            err(f"{len(principaux)} indicateurs sont marqués « principal: true ».",
                ("indicateurs", principaux[1], "principal"),
                attendu="un seul indicateur principal (ou aucun : le premier est alors principal)")

    fichiers = donnees.get("fichiers")
    if isinstance(fichiers, dict):
        a_verifier = []
        if isinstance(fichiers.get("mesures"), list):
            a_verifier += [(("fichiers", "mesures", i), f) for i, f in enumerate(fichiers["mesures"])]
        if "meteo" in fichiers:
            a_verifier.append((("fichiers", "meteo"), fichiers["meteo"]))
        releves = fichiers.get("releves_compteurs")
        if isinstance(releves, list):
            for i, r in enumerate(releves):
                if isinstance(r, dict):
                    for cle in ("fichier", "groupes"):
                        if cle in r:
                            a_verifier.append((("fichiers", "releves_compteurs", i, cle), r[cle]))
        if "mesures" not in fichiers and not releves:
            err("aucun fichier de mesures déclaré.", ("fichiers",),
                attendu="une liste « mesures » (fichiers au format long) ou « releves_compteurs »")
        racine = dossier.resolve()
        for chemin, nom in a_verifier:
            if not isinstance(nom, str) or not nom:
                continue
            cible = (dossier / nom).resolve()
            if racine not in cible.parents:
                err(f"le fichier « {_court(nom)} » est hors du dossier du pilote.", chemin,
                    attendu="un nom de fichier relatif au dossier du pilote")
            elif not cible.is_file():
                err(f"fichier « {_court(nom)} » introuvable dans le dossier du pilote.", chemin,
                    conseil=_fichiers_presents(dossier))
    return erreurs


def _verifier_equipement(s: dict, i: int, exp: tuple | None, err) -> None:
    """Dates d'équipement d'un site : site expérimental seulement, dans l'expérimentation, dans l'ordre."""
    dates = {cle: _en_date(s.get(cle)) for cle in ("debut_equipement", "fin_equipement")}
    nom = _court(s.get("identifiant")) if isinstance(s.get("identifiant"), str) else f"n° {i + 1}"
    for cle, d in dates.items():
        if d is None:
            continue
        quoi = "début" if cle == "debut_equipement" else "fin"
        if s.get("role") == "temoin":
            err(f"le site témoin « {nom} » a une date de {quoi} d'équipement : un témoin ne reçoit pas la "
                "technologie.", ("sites", i, cle),
                attendu="des dates d'équipement pour les seuls sites expérimentaux")
        elif exp is not None and not exp[0] <= d <= exp[1]:
            err(f"{'le' if quoi == 'début' else 'la'} {quoi} d'équipement du site « {nom} » ({d.isoformat()}) est hors de la période "
                f"d'expérimentation ({exp[0].isoformat()} au {exp[1].isoformat()}).", ("sites", i, cle),
                attendu="une date comprise dans la période d'expérimentation")
    if None not in dates.values() and dates["debut_equipement"] > dates["fin_equipement"]:
        err(f"le site « {nom} » est équipé le {dates['debut_equipement'].isoformat()} mais son équipement "
            f"finit avant, le {dates['fin_equipement'].isoformat()}.", ("sites", i, "fin_equipement"),
            attendu="une fin d'équipement postérieure ou égale à son début")


# --------------------------------------------------------------------------------------------
# Chargement
# --------------------------------------------------------------------------------------------


def _en_date(valeur) -> dt.date | None:
    """Une date YAML (non citée : objet date ; citée : texte AAAA-MM-JJ) en objet date, sinon None."""
    if isinstance(valeur, dt.datetime):
        return None
    if isinstance(valeur, dt.date):
        return valeur
    if isinstance(valeur, str):
        try:
            return dt.date.fromisoformat(valeur.strip())
        except ValueError:
            return None
    return None


def _periode(p: dict) -> Periode:
    return Periode(debut=_en_date(p["debut"]), fin=_en_date(p["fin"]))


def _periode_apres(p: dict | None) -> PeriodeApres | None:
    if p is None:
        return None
    return PeriodeApres(debut=_en_date(p["debut"]), fin=_en_date(p["fin"]), motif=p.get("motif"))


def _construire(donnees: dict, dossier: Path, lignes: dict) -> Pilote:
    p = donnees["porteur"]
    indicateurs_bruts = donnees["indicateurs"]
    aucun_principal = not any(i.get("principal") is True for i in indicateurs_bruts)
    indicateurs = tuple(
        Indicateur(
            identifiant=i["identifiant"], libelle=i["libelle"], unite=i["unite"],
            sens_souhaite=i["sens_souhaite"],
            principal=(i.get("principal") is True) or (aucun_principal and k == 0),
            vecteur_energetique=i.get("vecteur_energetique"), type_mesure=i.get("type_mesure"),
            description=i.get("description"),
        )
        for k, i in enumerate(indicateurs_bruts)
    )
    sites = tuple(
        Site(identifiant=s["identifiant"], nom=s["nom"], role=s["role"], code_insee=s["code_insee"],
             surface_m2=float(s["surface_m2"]) if "surface_m2" in s else None,
             description=s.get("description"),
             debut_equipement=_en_date(s.get("debut_equipement")),
             fin_equipement=_en_date(s.get("fin_equipement")))
        for s in donnees["sites"]
    )
    c = donnees["couts"]
    f = donnees["financement"]
    meteo = donnees["fichiers"].get("meteo")
    lignes_texte = {".".join(str(m) for m in k): v for k, v in lignes.items()
                    if "<cle>" not in k and "<texte>" not in k}
    return Pilote(
        dossier=dossier,
        brut=donnees,
        identifiant=donnees["identifiant"],
        titre=donnees["titre"],
        domaine=donnees["domaine"],
        type_pilote=donnees["type_pilote"],
        technologie=donnees["technologie"],
        contexte=donnees["contexte"],
        occupation=donnees.get("occupation", "continue"),
        affectation=donnees.get("affectation", "choix"),
        empreinte_plan=donnees.get("empreinte_plan"),
        donnees_simulees=donnees.get("donnees_simulees") is True,
        caracteristiques=dict(donnees.get("caracteristiques") or {}),
        porteur=Porteur(nom=p["nom"], type=p["type"], codes_insee=tuple(p["codes_insee"]), siren=p.get("siren")),
        periodes={nom: _periode(donnees["periodes"][nom]) for nom in ("reference", "experimentation")},
        periode_apres=_periode_apres(donnees["periodes"].get("apres")),
        sites=sites,
        indicateurs=indicateurs,
        fichiers_mesures=tuple(dossier / m for m in donnees["fichiers"].get("mesures", [])),
        releves_compteurs=tuple(
            {"fichier": dossier / r["fichier"],
             "groupes": (dossier / r["groupes"]) if r.get("groupes") else None,
             "seuil_compteurs": int(r.get("seuil_compteurs", config.SEUIL_SECRET_COMPTEURS))}
            for r in donnees["fichiers"].get("releves_compteurs", [])
        ),
        fichier_meteo=(dossier / meteo) if meteo else None,
        poste_meteo=donnees["fichiers"].get("meteo_poste"),
        couts=Couts(investissement_eur=float(c["investissement_eur"]),
                    fonctionnement_annuel_eur=float(c["fonctionnement_annuel_eur"]),
                    duree_vie_ans=float(c["duree_vie_ans"]), sources=c.get("sources")),
        financement=Financement(
            feder_eur=float(f["feder_eur"]),
            cofinancements=tuple(Cofinancement(x["financeur"], float(x["montant_eur"]))
                                 for x in f.get("cofinancements", [])),
            annee_engagement_feder=f.get("annee_engagement_feder")),
        conditions_de_succes=tuple(donnees.get("conditions_de_succes", [])),
        contact=donnees.get("contact"),
        notes=donnees.get("notes"),
        lignes=lignes_texte,
    )


def _fiche_mal_nommee(dossier: Path) -> str | None:
    """Nom d'un fichier du dossier qui est manifestement la fiche mal nommée (pilote.yml,
    Pilote.yaml, pilote.yaml.txt…), sans l'ouvrir ; None sinon."""
    try:
        noms = sorted(p.name for p in dossier.iterdir())
    except OSError:
        return None
    for nom in noms:
        bas = nom.lower().strip()
        if nom != NOM_FICHIER and bas in ("pilote.yaml", "pilote.yml", "pilote.yaml.txt", "pilote.yml.txt",
                                          "pilote.yaml.yaml", "pilote .yaml", "pilote.txt"):
            return nom
    return None


def lire_fiche(dossier: str | Path, nom: str = NOM_FICHIER) -> tuple[Any, yaml.Node | None]:
    """Lit `<dossier>/pilote.yaml` (ou un autre fichier YAML ``nom`` du dossier, comme
    ``plan.yaml``), sans le valider : (données, nœud racine du document YAML).

    Lecture sûre et bornée : le fichier doit être un fichier ordinaire du dossier du pilote (un
    lien qui en sort, un lien cassé ou un tube nommé ne sont jamais ouverts), d'au plus
    ``TAILLE_MAX_FICHE`` octets, encodé en UTF-8, et ses alias YAML sont comptés (voir
    :class:`_Chargeur`). Lève `ErreurDonnees` (fichier, ligne) sinon.
    """
    from .fichiers import examiner, lire_octets

    dossier = Path(dossier)
    fichier = dossier / nom
    entree = examiner(fichier, dossier)
    if entree.probleme is not None:
        raise entree.probleme
    if (entree.absente or entree.dossier) and nom != NOM_FICHIER:
        raise ErreurDonnees(fichier, f"fichier {nom} introuvable dans le dossier du pilote.")
    if entree.absente or entree.dossier:
        proche = _fiche_mal_nommee(dossier)
        if proche is not None:
            raise ErreurDonnees(fichier, f"fichier pilote.yaml introuvable, mais le dossier contient « {_court(proche)} ».",
                                conseil=f"Renommez {proche} en pilote.yaml.")
        raise ErreurDonnees(fichier, "fichier pilote.yaml introuvable dans le dossier du pilote.",
                            conseil="Chaque pilote décrit son expérimentation dans un fichier pilote.yaml "
                                    "(voir l'exemple complet dans donnees/README.md).")
    try:
        octets = lire_octets(fichier, dossier, limite=TAILLE_MAX_FICHE)
    except OSError as e:
        raise ErreurDonnees(fichier, f"fichier illisible ({e.strerror or e}).") from None
    if len(octets) > TAILLE_MAX_FICHE:
        try:
            taille = f" ({nombre(os.stat(entree.cible).st_size)} octets)"
        except OSError:
            taille = ""
        raise ErreurDonnees(fichier, f"le fichier est trop gros{taille} : une fiche {nom} fait au plus "
                                     f"{nombre(TAILLE_MAX_FICHE)} octets (1 Mo) ; il n'a pas été lu.",
                            conseil=_CONSEIL_TAILLE)
    try:
        texte = octets.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        debut_ligne = octets.rfind(b"\n", 0, e.start) + 1
        ligne = octets.count(b"\n", 0, e.start) + 1
        colonne = len(octets[debut_ligne:e.start].decode("utf-8", errors="replace")) + 1
        lu = octets[e.start:e.start + 1].decode("cp1252", errors="replace")
        indice = f"« {lu} » en Windows-1252" if lu.isprintable() and lu != "\ufffd" else f"octet 0x{octets[e.start]:02X}"
        raise ErreurDonnees(fichier, f"le fichier n'est pas encodé en UTF-8 : caractère illisible ({indice}) "
                                     f"colonne {colonne} ; il a sans doute été enregistré en Windows-1252 (ANSI).",
                            ligne=ligne,
                            conseil=f"Enregistrez {nom} en UTF-8 (« Enregistrer sous », encodage UTF-8).") from None
    chargeur = _Chargeur(texte)
    try:
        racine = chargeur.get_single_node()
        donnees = chargeur.construct_document(racine) if racine is not None else None
    except _YamlDemesure as e:
        raise ErreurDonnees(fichier, e.message, ligne=e.ligne, conseil=e.conseil) from None
    except yaml.YAMLError as e:
        marque = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        probleme = getattr(e, "problem", None) or str(e)
        contexte = getattr(e, "context", None)
        detail = _traduire_yaml(probleme, contexte)
        if detail.startswith("étiquette YAML"):
            tag, _, explication = detail.partition(" ; ")
            raise ErreurDonnees(
                fichier, f"{tag}{' (colonne ' + str(marque.column + 1) + ')' if marque else ''} : {explication}",
                ligne=(marque.line + 1) if marque else None,
                conseil="Écrivez la valeur seule, entre guillemets si c'est du texte.",
            ) from None
        raise ErreurDonnees(
            fichier, f"YAML mal formé{' (colonne ' + str(marque.column + 1) + ')' if marque else ''} : {detail}",
            ligne=(marque.line + 1) if marque else None,
            conseil="Vérifiez l'indentation (espaces, pas de tabulations), les « : » après chaque nom de "
                    "champ et les guillemets.",
        ) from None
    finally:
        chargeur.dispose()
    return donnees, racine


def valider_schema(donnees: Any, racine: yaml.Node, fichier: Path, validateur) -> tuple[list[ErreurDonnees], dict]:
    """Les infractions d'un document YAML lu par :func:`lire_fiche` à un JSON Schema (champs écrits
    deux fois compris), traduites en français avec leur ligne, et les lignes de chaque champ
    (:func:`_relever_lignes`). Sert à ``pilote.yaml`` et à ``plan.yaml`` (:mod:`eprouvette.plan`)."""
    lignes, doublons = _relever_lignes(racine)
    erreurs = [ErreurDonnees(fichier, f"champ « {_court(chemin[-1])} » écrit deux fois ; seule la dernière "
                                      "valeur serait retenue.", ligne=ligne, champ=_nom_champ(chemin),
                             attendu=f"chaque champ écrit une seule fois (« {_court(chemin[-1])} » est déjà écrit "
                                     f"ligne {premiere})",
                             conseil="Supprimez l'une des deux lignes (ou réunissez leurs valeurs en une seule).")
               for chemin, ligne, premiere in doublons]
    for e in sorted(validateur.iter_errors(_pour_validation(donnees)),
                    key=lambda e: _ligne_de(lignes, tuple(e.absolute_path)) or 0):
        erreurs += _traduire(e, fichier, lignes)
    return erreurs, lignes


def dossier_du_pilote(dossier: str | Path) -> Path:
    """Le dossier d'un pilote, à partir de son chemin ou de son seul identifiant.

    Un chemin absolu, ou relatif qui existe depuis le dossier de travail, est pris tel quel ; un
    identifiant (``"energie-gtb-ecoles-saint-quentin"``, un nom sans ``/``) désigne le dossier de ce
    nom dans :data:`eprouvette.config.PILOTES` (``donnees/pilotes/`` du dépôt). Un carnet trouve
    ainsi son pilote par défaut quel que soit le dossier d'où il est lancé (JupyterLab, papermill,
    dossier temporaire). Sinon, le chemin est rendu tel quel (:func:`charger_pilote` dit alors
    qu'il est introuvable).
    """
    chemin = Path(dossier)
    if chemin.is_absolute() or chemin.is_dir():
        return chemin
    if len(chemin.parts) == 1 and (config.PILOTES / chemin).is_dir():
        return config.PILOTES / chemin
    return chemin


def charger_pilote(dossier: str | Path) -> Pilote:
    """Charge et valide `<dossier>/pilote.yaml`.

    ``dossier`` : le chemin du dossier du pilote, ou son identifiant (:func:`dossier_du_pilote`).

    Lève `ErreurDonnees` si le fichier manque ou si le YAML est mal formé (avec ligne et colonne),
    et `ErreursDonnees` avec toutes les infractions au standard (champ, ligne, attendu) sinon.
    Les fichiers de mesures déclarés doivent exister ; leur contenu est lu par
    `eprouvette.lecture.charger_mesures`.
    """
    dossier = dossier_du_pilote(dossier)
    fichier = dossier / NOM_FICHIER
    if not dossier.is_dir():
        raise ErreurDonnees(dossier, "dossier du pilote introuvable.",
                            conseil=f"Les pilotes se rangent dans {config.PILOTES}/<identifiant>/ ; donnez "
                                    "l'identifiant du pilote ou le chemin de son dossier.")
    donnees, racine = lire_fiche(dossier)
    if not isinstance(donnees, dict):
        raise ErreurDonnees(fichier, "le fichier est vide ou ne contient pas une liste de champs « nom: valeur ».",
                            ligne=1, conseil="Partez de l'exemple complet de donnees/README.md.")

    erreurs, lignes = valider_schema(donnees, racine, fichier, _validateur())
    erreurs += _verifications(donnees, dossier, fichier, lignes)
    # « domain » au lieu de « domaine » : l'erreur « champ inconnu » (avec sa suggestion) suffit,
    # inutile d'ajouter « champ obligatoire domaine absent » pour la même faute de frappe.
    suggeres = {(e.champ.rpartition(".")[0], e.conseil) for e in erreurs if e.conseil and "Vouliez-vous" in e.conseil}
    erreurs = [e for e in erreurs if not (
        e.message.startswith("champ obligatoire")
        and (e.champ.rpartition(".")[0], f"Vouliez-vous écrire « {e.champ.rpartition('.')[2]} » ?") in suggeres)]
    if erreurs:
        erreurs.sort(key=lambda e: e.ligne or 0)
        raise ErreursDonnees(erreurs)
    return _construire(donnees, dossier, lignes)


_YAML_PROBLEMES = {
    "mapping values are not allowed here": "un « : » inattendu (valeur contenant « : » sans guillemets, "
                                           "ou indentation incorrecte)",
    "found character '\\t' that cannot start any token": "tabulation trouvée ; YAML n'accepte que des espaces",
    "could not find expected ':'": "« : » attendu après le nom du champ",
    "did not find expected key": "nom de champ attendu (indentation incorrecte ?)",
    "did not find expected '-' indicator": "élément de liste « - » attendu (indentation incorrecte ?)",
    "found unexpected end of stream": "fin de fichier inattendue (guillemet non fermé ?)",
    "found undefined alias": "alias YAML inconnu (« * » en début de valeur ? mettez la valeur entre guillemets)",
    "expected ',' or ']'": "liste entre crochets « [ … ] » non fermée ou mal séparée (« , » ou « ] » attendu)",
    "expected ',' or '}'": "groupe entre accolades « { … } » non fermé ou mal séparé (« , » ou « } » attendu)",
    "expected <block end>": "contenu inattendu à cet endroit (indentation incorrecte, ou texte après une "
                            "valeur entre guillemets ?)",
    "found unknown escape character": "séquence « \\ » inconnue entre guillemets doubles (écrivez « \\\\ » ou "
                                      "utilisez des guillemets simples)",
    "found duplicate anchor": "ancre YAML (« &nom ») définie deux fois",
    "that cannot start any token": "caractère qui ne peut pas commencer une valeur (mettez la valeur entre "
                                   "guillemets)",
    "found unhashable key": "nom de champ invalide (une liste ou un groupe ne peut pas servir de nom)",
    "expected alphabetic or numeric character": "nom d'ancre ou d'alias (« &nom », « *nom ») vide ou invalide "
                                                "(mettez la valeur entre guillemets)",
    "expected a comment or a line break": "texte inattendu en fin de ligne (mettez la valeur entre guillemets)",
    "found incompatible YAML document": "version de YAML non prise en charge (retirez la ligne « %YAML »)",
    "expected a single document": "plusieurs documents YAML (« --- ») dans le fichier ; un seul est attendu",
    "but found another document": "plusieurs documents YAML (« --- ») dans le fichier ; un seul est attendu",
    "found a tab character": "tabulation trouvée ; YAML n'accepte que des espaces",
    "while scanning a block scalar": "bloc de texte (« | » ou « > ») mal indenté",
    "expected '<document start>'": "texte inattendu après la fin du document (accolade ou crochet en trop ?)",
}


def _traduire_yaml(probleme: str, contexte: str | None) -> str:
    etiquette = re.search(r"could not determine a constructor for the tag '([^']*)'", probleme)
    if etiquette:
        tag = etiquette.group(1).replace("tag:yaml.org,2002:", "!!")
        return _message_etiquette(tag, None).replace(" : le standard", " ; le standard", 1)
    for anglais, francais in _YAML_PROBLEMES.items():
        if anglais in probleme:
            return francais + "."
    if contexte and any(a in contexte for a in _YAML_PROBLEMES):
        return _traduire_yaml(contexte, None)
    texte = probleme + (f" ({contexte})" if contexte else "")
    return f"erreur de syntaxe YAML (message de PyYAML : {_court(texte)})."


def lister_pilotes(racine: str | Path | None = None) -> list[Path]:
    """Dossiers de pilotes (ceux qui contiennent un pilote.yaml), triés par nom."""
    racine = Path(racine) if racine is not None else config.PILOTES
    if not racine.is_dir():
        return []
    return sorted(p for p in racine.iterdir() if p.is_dir() and (p / NOM_FICHIER).is_file())
