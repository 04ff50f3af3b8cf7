"""Le plan d'analyse préenregistré d'un pilote : ``plan.yaml``, son empreinte, les écarts de l'analyse.

Avant le début d'une expérimentation, le porteur et ses experts arrêtent ce que l'évaluation fera
(indicateur principal, périodes, sites expérimentaux et témoins, méthode, seuils de la grille) et,
quand les candidats sont interchangeables, tirent au sort les sites équipés
(:mod:`eprouvette.methodes.tirage`, commande ``python -m eprouvette tirer``). Le plan est écrit dans
``<dossier du pilote>/plan.yaml`` (standard : ``donnees/schemas/plan.schema.json``,
``donnees/README.md``) ; son **empreinte** (SHA-256 de sa forme canonique, :func:`empreinte`) est
recopiée dans ``pilote.yaml`` (``empreinte_plan``) au moment de l'enregistrement.

À l'évaluation, :func:`comparer` confronte l'analyse faite au plan et liste chaque écart en
français (autre indicateur principal, témoin retiré ou ajouté, site expérimental changé, date
déplacée, autre méthode, seuil changé, plan modifié après son enregistrement, tirage non suivi).
La lecture réutilise celle de ``pilote.yaml`` (:func:`eprouvette.pilote.lire_fiche`,
:func:`eprouvette.pilote.valider_schema`) : mêmes bornes, mêmes messages (fichier, ligne, champ,
ce qui était attendu).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .erreurs import ErreurDonnees, ErreursDonnees
from .erreurs import citer as _court
from .francais import compte, date_longue, nombre_exact
from .pilote import (Periode, Pilote, _en_date, _ligne_de, _nom_champ, _pour_validation, dossier_du_pilote,
                     lire_fiche, valider_schema, validateur)

NOM_FICHIER = "plan.yaml"
SCHEMA = "plan.schema.json"
#: Longueur de l'empreinte courte montrée dans la note de cadrage et le rapport (48 bits).
LONGUEUR_COURTE = 12
#: Longueur minimale d'une empreinte recopiée dans ``pilote.yaml`` (``empreinte_plan``).
LONGUEUR_MIN_ENREGISTREE = 12

#: Méthodes que le plan peut prévoir (``ResultatImpact.methode``) ; « automatique » n'est pas comparé.
METHODES = ("automatique", "doubles_differences", "serie_interrompue", "controle_synthetique",
            "reference_energetique", "reference_energetique_temoins")

_LIBELLES_METHODES = {
    "doubles_differences": "doubles différences",
    "serie_interrompue": "série temporelle interrompue",
    "controle_synthetique": "contrôle synthétique",
    "reference_energetique": "référence énergétique ajustée au climat",
    "reference_energetique_temoins": "référence énergétique ajustée au climat, avec témoins",
}

_LIBELLES_SEUILS = {
    "effet_relatif_materiel": "seuil de matérialité de l'effet",
    "effet_minimal_detectable_relatif_max": "effet minimal détectable admis",
    "van_socio_economique_min_eur": "VAN socio-économique minimale",
    "verifications_attention_max": "nombre de vérifications « attention » tolérées",
    "niveau_preuve_min_generaliser": "niveau de preuve minimal pour généraliser",
    "jours_experimentation_min": "jours d'expérimentation mesurés au minimum",
    "candidats_similaires_min": "territoires comparables au minimum",
    "sites_equipes_min_generaliser": "nombre de sites équipés minimal pour généraliser",
}
_SEUILS_EN_PART = {"effet_relatif_materiel", "effet_minimal_detectable_relatif_max"}


# --------------------------------------------------------------------------------------------
# Objets du plan
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidat:
    """Un site candidat du tirage : ses variables d'équilibre et sa strate ou sa paire."""

    site: str
    valeurs: dict = field(default_factory=dict)
    groupe: int | None = None


@dataclass(frozen=True)
class LigneEquilibre:
    """Une ligne de la table d'équilibre : moyennes des deux groupes et différence standardisée."""

    variable: str
    moyenne_equipes: float | None
    moyenne_temoins: float | None
    difference_standardisee: float | None


@dataclass(frozen=True)
class Affectation:
    """Comment les sites équipés ont été choisis (bloc ``affectation`` de plan.yaml)."""

    methode: str
    graine: int | None = None
    plan_tirage: str | None = None
    variables: tuple[str, ...] = ()
    #: Variables sur lesquelles les paires ou strates ont été formées, si ce ne sont pas toutes.
    appariement: tuple[str, ...] = ()
    nombre_equipes: int | None = None
    strates: int | None = None
    candidats: tuple[Candidat, ...] = ()
    liste_tiree: tuple[str, ...] = ()
    date_tirage: dt.date | None = None
    equilibre: tuple[LigneEquilibre, ...] = ()

    @property
    def tirage_au_sort(self) -> bool:
        return self.methode == "tirage_au_sort"


@dataclass
class Plan:
    """Un plan d'analyse chargé depuis ``<dossier>/plan.yaml``."""

    dossier: Path
    brut: dict
    pilote: str
    enregistre_le: dt.date
    auteur: str
    indicateur_principal: str
    periodes: dict[str, Periode]
    sites_experimentaux: tuple[str, ...]
    temoins: tuple[str, ...]
    methode: str | None = None
    seuils: dict[str, float] = field(default_factory=dict)
    affectation: Affectation | None = None
    notes: str | None = None
    lignes: dict = field(default_factory=dict, repr=False)

    @property
    def fichier(self) -> Path:
        return self.dossier / NOM_FICHIER

    @property
    def empreinte(self) -> str:
        """SHA-256 (64 caractères hexadécimaux) de la forme canonique du plan (:func:`empreinte`)."""
        return empreinte(self.brut)

    @property
    def empreinte_courte(self) -> str:
        """Les :data:`LONGUEUR_COURTE` premiers caractères de l'empreinte, pour la note et le rapport."""
        return self.empreinte[:LONGUEUR_COURTE]

    @property
    def tirage_au_sort(self) -> bool:
        return self.affectation is not None and self.affectation.tirage_au_sort


# --------------------------------------------------------------------------------------------
# Empreinte
# --------------------------------------------------------------------------------------------


def forme_canonique(donnees: dict) -> bytes:
    """La forme canonique d'un plan : JSON en UTF-8, clés triées, sans espace, dates en AAAA-MM-JJ.

    Les commentaires, l'ordre des champs, l'indentation, les guillemets d'une date ne la changent
    pas ; toute valeur changée, ajoutée ou retirée la change."""
    return json.dumps(_pour_validation(donnees), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), allow_nan=False).encode("utf-8")


def empreinte(donnees: dict) -> str:
    """SHA-256 (hexadécimal, 64 caractères) de :func:`forme_canonique`."""
    return hashlib.sha256(forme_canonique(donnees)).hexdigest()


# --------------------------------------------------------------------------------------------
# Lecture et écriture
# --------------------------------------------------------------------------------------------


def existe(dossier: str | Path) -> bool:
    """Vrai si le dossier du pilote contient un plan.yaml."""
    return (dossier_du_pilote(dossier) / NOM_FICHIER).exists()


def charger_plan(dossier: str | Path) -> Plan | None:
    """Charge et valide ``<dossier>/plan.yaml`` ; None s'il n'y en a pas.

    Lève `ErreurDonnees` (fichier illisible, YAML mal formé, avec ligne et colonne) ou
    `ErreursDonnees` (toutes les infractions au standard, avec ligne, champ et ce qui était attendu).
    Un site ou un indicateur du plan absent de ``pilote.yaml`` n'est pas une erreur de lecture :
    c'est un écart, que :func:`comparer` dit.
    """
    dossier = dossier_du_pilote(dossier)
    fichier = dossier / NOM_FICHIER
    if not fichier.exists() and not fichier.is_symlink():
        return None
    donnees, racine = lire_fiche(dossier, NOM_FICHIER)
    if not isinstance(donnees, dict):
        raise ErreurDonnees(fichier, "le fichier est vide ou ne contient pas une liste de champs « nom: valeur ».",
                            ligne=1, conseil="Partez de l'exemple de plan.yaml de donnees/README.md.")
    erreurs, lignes = valider_schema(donnees, racine, fichier, validateur(SCHEMA))
    if not erreurs:
        erreurs = _verifications(donnees, fichier, lignes)
    if erreurs:
        erreurs.sort(key=lambda e: e.ligne or 0)
        raise ErreursDonnees(erreurs)
    return _construire(donnees, dossier, lignes)


def _verifications(d: dict, fichier: Path, lignes: dict) -> list[ErreurDonnees]:
    """Les règles que le schéma ne dit pas (le document est déjà conforme au schéma)."""
    erreurs: list[ErreurDonnees] = []

    def err(message, chemin, **kw):
        erreurs.append(ErreurDonnees(fichier, message, ligne=_ligne_de(lignes, chemin), champ=_nom_champ(chemin), **kw))

    bornes = {nom: (_en_date(p["debut"]), _en_date(p["fin"])) for nom, p in d["periodes"].items()}
    for nom, (debut, fin) in bornes.items():
        if debut > fin:
            err(f"la période commence le {debut.isoformat()} mais finit avant, le {fin.isoformat()}.",
                ("periodes", nom, "debut"), attendu="un début antérieur ou égal à la fin")
    if bornes["reference"][1] >= bornes["experimentation"][0]:
        err(f"la période de référence finit le {bornes['reference'][1].isoformat()}, pas avant le début de "
            f"l'expérimentation ({bornes['experimentation'][0].isoformat()}).", ("periodes", "reference", "fin"),
            attendu="une période de référence qui se termine avant le début de l'expérimentation")
    communs = sorted(set(d["sites_experimentaux"]) & set(d["temoins"]))
    for site in communs:
        err(f"le site « {_court(site)} » est à la fois expérimental et témoin.", ("temoins", d["temoins"].index(site)),
            attendu="des sites expérimentaux et des témoins distincts")
    a = d.get("affectation")
    if isinstance(a, dict) and a.get("methode") == "tirage_au_sort":
        candidats = [c["site"] for c in a["candidats"]]
        for i, site in enumerate(a["liste_tiree"]):
            if site not in candidats:
                err(f"le site tiré « {_court(site)} » n'est pas parmi les candidats du tirage.",
                    ("affectation", "liste_tiree", i), attendu="un site de affectation.candidats")
        if sorted(a["liste_tiree"]) != sorted(d["sites_experimentaux"]):
            err("la liste tirée au sort diffère des sites expérimentaux du plan.", ("affectation", "liste_tiree"),
                attendu="sites_experimentaux : exactement les sites tirés (" + ", ".join(a["liste_tiree"]) + ")")
        if a.get("plan_tirage") == "paires" and "variables" not in a:
            err("un tirage par paires doit dire sur quelles variables les paires sont formées.",
                ("affectation", "plan_tirage"), attendu="une liste « variables »")
    return erreurs


def _construire(d: dict, dossier: Path, lignes: dict) -> Plan:
    a = d.get("affectation")
    affectation = None
    if isinstance(a, dict):
        affectation = Affectation(
            methode=a["methode"], graine=a.get("graine"), plan_tirage=a.get("plan_tirage"),
            variables=tuple(a.get("variables", ())), appariement=tuple(a.get("appariement", ())),
            nombre_equipes=a.get("nombre_equipes"),
            strates=a.get("strates"),
            candidats=tuple(Candidat(c["site"], dict(c.get("valeurs") or {}), c.get("groupe"))
                            for c in a.get("candidats", ())),
            liste_tiree=tuple(a.get("liste_tiree", ())), date_tirage=_en_date(a.get("date_tirage")),
            equilibre=tuple(LigneEquilibre(e["variable"], e.get("moyenne_equipes"), e.get("moyenne_temoins"),
                                           e.get("difference_standardisee")) for e in a.get("equilibre", ())),
        )
    methode = d.get("methode")
    return Plan(
        dossier=dossier, brut=d, pilote=d["pilote"], enregistre_le=_en_date(d["enregistre_le"]), auteur=d["auteur"],
        indicateur_principal=d["indicateur_principal"],
        periodes={nom: Periode(_en_date(p["debut"]), _en_date(p["fin"])) for nom, p in d["periodes"].items()},
        sites_experimentaux=tuple(d["sites_experimentaux"]), temoins=tuple(d["temoins"]),
        methode=None if methode in (None, "automatique") else methode,
        seuils=dict(d.get("seuils") or {}), affectation=affectation, notes=d.get("notes"),
        lignes={".".join(str(m) for m in k): v for k, v in lignes.items() if "<cle>" not in k and "<texte>" not in k},
    )


ENTETE = """Plan d'analyse préenregistré (standard : donnees/schemas/plan.schema.json, donnees/README.md).
Ne le modifiez plus après son enregistrement : son empreinte, recopiée dans pilote.yaml
(empreinte_plan), change avec la moindre valeur, et l'évaluation signale alors le changement.
"""


class _Ecrivain(yaml.SafeDumper):
    """Sans ancre ni alias (« &id001 ») : le standard n'en a pas besoin et la lecture les limite."""

    def ignore_aliases(self, data):
        return True


def texte_plan(donnees: dict) -> str:
    """Le texte YAML d'un plan (ordre des champs gardé, accents en clair, en-tête commenté)."""
    corps = yaml.dump(donnees, Dumper=_Ecrivain, allow_unicode=True, sort_keys=False, width=100,
                      default_flow_style=False)
    return "".join(f"# {ligne}\n" for ligne in ENTETE.splitlines()) + corps


def ecrire_plan(dossier: str | Path, donnees: dict) -> Path:
    """Écrit ``<dossier>/plan.yaml`` (:func:`texte_plan`) et le relit pour le valider ; rend son chemin.

    Seules la commande ``python -m eprouvette tirer`` et les générateurs d'exemples l'appellent :
    une construction de rapports n'écrit jamais dans ``donnees/``."""
    dossier = Path(dossier)
    chemin = dossier / NOM_FICHIER
    chemin.write_text(texte_plan(donnees), encoding="utf-8")
    charger_plan(dossier)
    return chemin


def plan_depuis_pilote(pilote: Pilote, *, auteur: str, enregistre_le: dt.date, methode: str = "automatique",
                       seuils: dict | None = None, notes: str | None = None) -> dict:
    """Le plan (données de plan.yaml) qui reprend l'état actuel de ``pilote.yaml`` : indicateur
    principal, périodes, sites expérimentaux et témoins ; ``seuils`` : ceux de la grille sur lesquels
    le plan s'engage (par exemple ``{"effet_relatif_materiel": 0.05}``)."""
    d: dict[str, Any] = {
        "pilote": pilote.identifiant,
        "enregistre_le": enregistre_le,
        "auteur": auteur,
        "indicateur_principal": pilote.indicateur_principal.identifiant,
        "periodes": {nom: {"debut": p.debut, "fin": p.fin} for nom, p in
                     (("reference", pilote.periode_reference), ("experimentation", pilote.periode_experimentation))},
        "sites_experimentaux": [s.identifiant for s in pilote.sites_experimentaux],
        "temoins": [s.identifiant for s in pilote.sites_temoins],
        "methode": methode,
    }
    if seuils:
        d["seuils"] = {k: float(v) for k, v in seuils.items()}
    if notes:
        d["notes"] = notes
    return d


# --------------------------------------------------------------------------------------------
# Comparaison de l'analyse au plan
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ecart:
    """Un écart entre l'analyse faite et le plan : un code stable et une phrase en français simple."""

    code: str
    phrase: str


@dataclass
class ComparaisonPlan:
    """Le plan et ce que l'analyse en a suivi."""

    plan: Plan
    ecarts: list[Ecart]
    #: True : l'empreinte de pilote.yaml correspond ; False : le plan a changé ; None : pas d'empreinte enregistrée.
    empreinte_conforme: bool | None
    #: True si les sites équipés sont ceux que le tirage au sort du plan a désignés (et qu'il se refait).
    tirage_suivi: bool = False
    #: L'analyse refaite comme le plan la prévoyait (:func:`eprouvette.analyse.verifier_selon_le_plan`),
    #: quand un écart change l'estimation ; None sinon.
    selon_le_plan: dict | None = None

    @property
    def suivi(self) -> bool:
        return not self.ecarts

    @property
    def phrase(self) -> str:
        """« Le plan enregistré le 15 juin 2024 (empreinte 3f2a9c1b7d40) a été suivi, … » ou « … n'a pas
        été suivi sur 2 points : » (la liste des écarts suit). Courte, pour que les écarts tiennent
        dans le premier écran ; l'auteur est dans :meth:`en_dict` et dans plan.yaml."""
        p = self.plan
        debut = f"Le plan enregistré le {date_longue(p.enregistre_le)} (empreinte {p.empreinte_courte})"
        if self.suivi:
            fin = " a été suivi"
            if self.empreinte_conforme is None:
                fin += " (empreinte non recopiée dans pilote.yaml : son intégrité n'est pas vérifiée)"
            elif self.empreinte_conforme:
                fin += ", et il n'a pas changé depuis son enregistrement"
            return debut + fin + "."
        return f"{debut} n'a pas été suivi sur {compte(len(self.ecarts), 'point')} :"

    def en_dict(self) -> dict:
        p = self.plan
        return {"enregistre_le": p.enregistre_le.isoformat(), "auteur": p.auteur, "empreinte": p.empreinte,
                "empreinte_courte": p.empreinte_courte, "empreinte_conforme": self.empreinte_conforme,
                "tirage_au_sort": p.tirage_au_sort, "tirage_suivi": self.tirage_suivi, "suivi": self.suivi,
                "ecarts": [{"code": e.code, "phrase": e.phrase} for e in self.ecarts],
                "selon_le_plan": self.selon_le_plan}


def _liste(noms) -> str:
    noms = [f"« {n} »" for n in noms]
    return noms[0] if len(noms) == 1 else ", ".join(noms[:-1]) + " et " + noms[-1]


def _valeur_seuil(nom: str, v: float) -> str:
    from .francais import pourcentage

    if nom in _SEUILS_EN_PART:
        return pourcentage(v)
    return nombre_exact(v)


def _nom_site(pilote: Pilote, identifiant: str) -> str:
    try:
        return pilote.site(identifiant).nom
    except KeyError:
        return identifiant


def comparer(plan: Plan, pilote: Pilote, *, methode: str | None = None, seuils: dict | None = None,
             tirage_reproduit: bool | None = None) -> ComparaisonPlan:
    """Les écarts entre l'analyse faite (``pilote.yaml``, la méthode employée ``methode``, les seuils
    de la grille ``seuils``) et le ``plan``, chacun dit en français simple.

    ``tirage_reproduit`` : le tirage du plan refait à partir de sa graine et de ses candidats
    redonne-t-il sa liste (:func:`eprouvette.methodes.tirage.refaire`) ? None : non vérifié.
    """
    ecarts: list[Ecart] = []

    def ecart(code, phrase):
        ecarts.append(Ecart(code, phrase))

    enregistree = (pilote.empreinte_plan or "").strip().lower() or None
    conforme = None if enregistree is None else plan.empreinte.startswith(enregistree) and \
        len(enregistree) >= LONGUEUR_MIN_ENREGISTREE
    if conforme is False:
        ecart("plan_modifie", f"Le fichier du plan a été modifié après son enregistrement : son empreinte est "
                              f"{plan.empreinte_courte}, celle enregistrée dans pilote.yaml est "
                              f"{enregistree[:LONGUEUR_COURTE]}.")
    if plan.pilote != pilote.identifiant:
        ecart("pilote", f"Le plan est celui d'un autre pilote (« {plan.pilote} »).")
    ind = pilote.indicateur_principal
    if plan.indicateur_principal != ind.identifiant:
        try:
            prevu = f"« {pilote.indicateur(plan.indicateur_principal).libelle} »"
        except KeyError:
            prevu = f"« {plan.indicateur_principal} » (absent de pilote.yaml)"
        ecart("indicateur_principal", f"L'indicateur principal a changé : le plan prévoyait {prevu}, "
                                      f"l'analyse porte sur « {ind.libelle} ».")
    faits = {"reference": pilote.periode_reference, "experimentation": pilote.periode_experimentation}
    noms_periodes = {"reference": "de la période de référence", "experimentation": "de l'expérimentation"}
    for nom, prevue in plan.periodes.items():
        faite = faits[nom]
        for borne, quoi in (("debut", "Le début"), ("fin", "La fin")):
            a, b = getattr(prevue, borne), getattr(faite, borne)
            if a != b:
                ecart(f"periode_{nom}_{borne}", f"{quoi} {noms_periodes[nom]} a été déplacé{'e' if borne == 'fin' else ''} : "
                                               f"prévu{'e' if borne == 'fin' else ''} le {date_longue(a)}, "
                                               f"le {date_longue(b)} dans l'analyse.")
    exp_faits = [s.identifiant for s in pilote.sites_experimentaux]
    tem_faits = [s.identifiant for s in pilote.sites_temoins]
    for code, prevus, faits_, genre in (("site_experimental", plan.sites_experimentaux, exp_faits, "site expérimental"),
                                        ("temoin", plan.temoins, tem_faits, "témoin")):
        retires = [s for s in prevus if s not in faits_]
        ajoutes = [s for s in faits_ if s not in prevus]
        pluriel = {"site expérimental": "sites expérimentaux", "témoin": "témoins"}[genre]
        if retires:
            noms = [_nom_site(pilote, s) for s in retires]
            ecart(f"{code}_retire", f"{compte(len(retires), genre + ' prévu', pluriel + ' prévus')} "
                                    f"{'manque' if len(retires) == 1 else 'manquent'} dans l'analyse : {_liste(noms)}.")
        if ajoutes:
            noms = [_nom_site(pilote, s) for s in ajoutes]
            ecart(f"{code}_ajoute", f"{compte(len(ajoutes), genre + ' non prévu', pluriel + ' non prévus')} "
                                    f"{'a été ajouté' if len(ajoutes) == 1 else 'ont été ajoutés'} : {_liste(noms)}.")
    if plan.methode and methode and methode != plan.methode:
        ecart("methode", f"La méthode a changé : le plan prévoyait {_LIBELLES_METHODES.get(plan.methode, plan.methode)}, "
                         f"l'analyse a employé {_LIBELLES_METHODES.get(methode, methode)}.")
    for nom, prevu in plan.seuils.items():
        if seuils is None or nom not in seuils:
            continue
        if abs(float(seuils[nom]) - float(prevu)) > 1e-12:
            ecart(f"seuil_{nom}", f"Le {_LIBELLES_SEUILS.get(nom, nom)} a changé : {_valeur_seuil(nom, prevu)} dans le "
                                  f"plan, {_valeur_seuil(nom, float(seuils[nom]))} dans la grille appliquée.")
    tirage_suivi = False
    if plan.tirage_au_sort:
        tires = sorted(plan.affectation.liste_tiree)
        if tirage_reproduit is False:
            ecart("tirage_non_reproduit", f"Le tirage au sort ne se refait pas : avec la graine {plan.affectation.graine} "
                                          "et les candidats du plan, il ne redonne pas la liste tirée.")
        if sorted(exp_faits) != tires:
            ecart("tirage_non_suivi", "Les sites équipés ne sont pas ceux que le tirage au sort a désignés ("
                                      + _liste([_nom_site(pilote, s) for s in tires]) + ").")
        tirage_suivi = sorted(exp_faits) == tires and tirage_reproduit is not False and conforme is not False
    elif pilote.affectation == "tirage_au_sort":
        ecart("tirage_absent", "pilote.yaml déclare un tirage au sort des sites équipés, mais le plan n'en "
                               "contient aucun (ni graine ni liste tirée).")
    return ComparaisonPlan(plan, ecarts, conforme, tirage_suivi)


# --------------------------------------------------------------------------------------------
# L'analyse refaite selon le plan
# --------------------------------------------------------------------------------------------

#: Écarts qui changent l'estimation elle-même : l'analyse est refaite comme le plan la prévoyait.
ECARTS_A_REFAIRE = ("indicateur_principal", "periode_", "site_experimental_", "temoin_")


def a_refaire(comparaison: ComparaisonPlan) -> bool:
    """Vrai si un écart au plan change l'estimation (indicateur, période, sites) : il faut alors savoir si
    l'analyse prévue aurait conclu de même."""
    return any(e.code.startswith(ECARTS_A_REFAIRE) for e in comparaison.ecarts)


def pilote_selon_le_plan(plan: Plan, pilote: Pilote) -> tuple[Pilote | None, list[str]]:
    """Le pilote tel que le plan le prévoyait (indicateur principal, périodes de référence et
    d'expérimentation, sites équipés et témoins), autant que ``pilote.yaml`` et ses mesures le permettent,
    et, en français, ce qui ne peut pas être suivi (un site prévu que pilote.yaml ne décrit plus n'a pas de
    mesures). ``None`` si l'analyse prévue ne peut pas être refaite du tout (indicateur ou sites équipés
    prévus absents)."""
    from dataclasses import replace

    manques: list[str] = []
    connus = {s.identifiant: s for s in pilote.sites}
    ids_indicateurs = {i.identifiant for i in pilote.indicateurs}
    if plan.indicateur_principal not in ids_indicateurs:
        return None, [f"l'indicateur prévu « {plan.indicateur_principal} » n'est plus dans pilote.yaml"]
    absents_exp = [s for s in plan.sites_experimentaux if s not in connus]
    if absents_exp or not plan.sites_experimentaux:
        return None, [f"{compte(len(absents_exp), 'site équipé prévu', 'sites équipés prévus')} "
                      f"({_liste(absents_exp)}) {'n’est' if len(absents_exp) == 1 else 'ne sont'} plus décrit"
                      f"{'' if len(absents_exp) == 1 else 's'} dans pilote.yaml"]
    absents_tem = [s for s in plan.temoins if s not in connus]
    if absents_tem:
        manques.append(f"{compte(len(absents_tem), 'témoin prévu', 'témoins prévus')} sans mesures "
                       f"({_liste(absents_tem)}) : {'il est laissé' if len(absents_tem) == 1 else 'ils sont laissés'} "
                       "de côté")
    roles = {**{s: "experimental" for s in plan.sites_experimentaux}, **{s: "temoin" for s in plan.temoins}}
    sites = tuple(replace(s, role=roles[s.identifiant]) for s in pilote.sites if s.identifiant in roles)
    indicateurs = tuple(replace(i, principal=i.identifiant == plan.indicateur_principal) for i in pilote.indicateurs)
    periodes = dict(pilote.periodes)
    for nom, prevue in plan.periodes.items():
        periodes[nom] = Periode(prevue.debut, prevue.fin)
    periodes.pop("apres", None)  # la persistance n'est pas refaite : seule l'estimation principale l'est
    return replace(pilote, sites=sites, indicateurs=indicateurs, periodes=periodes, periode_apres=None), manques

