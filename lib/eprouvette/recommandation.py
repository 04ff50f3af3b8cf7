"""Le verdict d'un pilote, tiré d'une grille et non d'une impression.

Quatre verdicts : « généraliser », « étendre l'expérimentation », « ajuster puis réévaluer »,
« ne pas généraliser ». Les critères (effet établi, puissance, niveau de preuve, efficience,
robustesse, transférabilité) sont évalués sur le résultat de la méthode, sur le plan
d'évaluation et sur l'économie ; leurs seuils vivent dans
``donnees/parametres/recommandation.yaml`` (versionné). Les règles, dans l'ordre :

0. moins de jours mesurés pendant l'expérimentation que le minimum de la grille -> étendre
   l'expérimentation (``trop_peu_de_mesures`` : quelques jours ne disent rien, dans un sens ou dans l'autre) ;
1. effet établi dans le sens contraire à l'objectif -> ne pas généraliser (``contraire``) ;
2. incertitude impossible à calculer (variance nulle, infinie, intervalle effondré) -> étendre
   l'expérimentation (``incertitude``) ;
3. effet non établi et expérimentation sans la puissance de voir un effet matériel
   -> étendre l'expérimentation (``trop_court`` : trop courte ou trop bruitée pour conclure) ;
4. effet non établi alors qu'un effet matériel aurait été vu -> ne pas généraliser (``sans_effet``) ;
5. effet établi mais trop faible pour être matériel -> ajuster puis réévaluer (``non_materiel``) ;
6. effet établi et matériel, mais plan sans la puissance de voir un effet matériel et intervalle
   qui ne dépasse pas entièrement le seuil de matérialité -> étendre l'expérimentation
   (``sous_puissance`` : un effet significatif tiré d'un plan peu puissant est souvent exagéré,
   erreur de type M de Gelman et Carlin 2014) ;
7. niveau de preuve sous le minimum de la grille (par défaut : pas de site témoin) -> étendre
   l'expérimentation (``preuve_insuffisante``) ;
7 bis. un seul site équipé (moins que ``sites_equipes_min_generaliser``, 2 par défaut) -> étendre
   l'expérimentation (``un_seul_site``) : un changement propre à ce site au même moment (travaux,
   nouvelle équipe, autre usage) ne peut pas être distingué de l'effet, quels que soient les témoins ;
8. effet établi et matériel mais hypothèses en échec, trop de vérifications à surveiller, ou une
   vérification de ``VERIFICATIONS_BLOQUANTES`` à surveiller (sites équipés à des dates différentes
   évalués comme s'ils commençaient le même jour) -> étendre l'expérimentation (``fragile``) ;
9. effet établi et matériel pendant l'expérimentation, mais qui s'estompe ou disparaît pendant la
   période après (fin de l'accompagnement, de la subvention, de l'animation : constat de
   :mod:`~eprouvette.methodes.persistance`) -> ajuster puis réévaluer (``non_durable`` : tel quel,
   l'effet ne dure pas ; le constat ne compte alors pas dans la robustesse, qu'il ne mesure pas) ;
10. effet établi et matériel mais bilan socio-économique négatif (efficience : VAN avec valeur
    carbone sous le seuil, comme le veut l'évaluation des investissements publics) -> ajuster
    puis réévaluer (``inefficient``) ;
11. effet établi mais peu de territoires comparables (transférabilité) -> étendre l'expérimentation
    (``peu_transferable``) ;
12. sinon -> généraliser (``etabli``).

Un pilote trop court ou trop bruité pour conclure, un plan incapable de distinguer l'effet d'un
changement survenu au même moment, ou une incertitude dégénérée n'obtiennent donc jamais
« généraliser ».
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import math


from .erreurs import ErreurDonnees
from . import parametres
from .francais import accord, compte, euros, euros_arrondis, nombre, pourcentage
from .methodes.base import ResultatImpact
from .methodes.deploiement_echelonne import VERIFICATION_DATES
from .methodes.niveau_preuve import NIVEAUX, NiveauPreuve

VERDICTS = {
    "generaliser": "Généraliser",
    "etendre": "Étendre l'expérimentation",
    "ajuster": "Ajuster puis réévaluer",
    "ne_pas_generaliser": "Ne pas généraliser",
}

#: Vérifications qui, même seulement « à surveiller », interdisent « généraliser » (règle ``fragile``) :
#: elles disent que la méthode ne correspond pas au plan réel (sites équipés à des dates différentes
#: évalués comme s'ils commençaient tous le même jour).
VERIFICATIONS_BLOQUANTES = frozenset({VERIFICATION_DATES})

#: Nombre de sites équipés en dessous duquel « généraliser » est impossible, si la grille ne le dit pas
#: (``seuils.sites_equipes_min_generaliser``).
SITES_EQUIPES_MIN_DEFAUT = 2

_SEUILS_ATTENDUS = {
    "effet_relatif_materiel",
    "effet_minimal_detectable_relatif_max",
    "van_socio_economique_min_eur",
    "verifications_attention_max",
    "niveau_preuve_min_generaliser",
    "jours_experimentation_min",
}


@dataclass
class Grille:
    version: int
    seuils: dict[str, float]
    source: str


def charger_grille(chemin: Path | None = None) -> Grille:
    """Lit la grille versionnée des seuils ; message en français si elle est incomplète."""
    chemin = parametres.chemin(chemin, "recommandation.yaml")
    brut = parametres.lire_fichier(chemin, "de la grille de recommandation")
    seuils = (brut or {}).get("seuils") or {}
    manquants = sorted(_SEUILS_ATTENDUS - set(seuils))
    if manquants:
        raise ErreurDonnees(
            chemin,
            f"{accord(len(manquants), 'seuil manquant', 'seuils manquants')} : {', '.join(manquants)}.",
            champ="seuils",
            attendu="un nombre pour chacun des seuils de la grille",
        )
    for nom in _SEUILS_ATTENDUS:
        if isinstance(seuils[nom], bool) or not isinstance(seuils[nom], (int, float)) or (
                seuils[nom] < 0 and not nom.startswith("van_")):
            raise ErreurDonnees(chemin, f"le seuil « {nom} » vaut {seuils[nom]!r}.", champ=f"seuils.{nom}",
                                attendu="un nombre positif ou nul")
    n = seuils["niveau_preuve_min_generaliser"]
    if n != int(n) or int(n) not in NIVEAUX:
        raise ErreurDonnees(chemin, f"le seuil « niveau_preuve_min_generaliser » vaut {n!r}.",
                            champ="seuils.niveau_preuve_min_generaliser",
                            attendu="un niveau de preuve entier de 1 à 5 (voir docs/recommandation.md)")
    retenus = {k: float(seuils[k]) for k in _SEUILS_ATTENDUS}
    m = seuils.get("sites_equipes_min_generaliser", SITES_EQUIPES_MIN_DEFAUT)  # clé facultative (v6)
    if isinstance(m, bool) or not isinstance(m, (int, float)) or m != int(m) or m < 1:
        raise ErreurDonnees(chemin, f"le seuil « sites_equipes_min_generaliser » vaut {m!r}.",
                            champ="seuils.sites_equipes_min_generaliser", attendu="un nombre entier de sites, au moins 1")
    retenus["sites_equipes_min_generaliser"] = float(m)
    return Grille(version=int(brut.get("version", 0)), seuils=retenus, source=str(chemin))


@dataclass
class Critere:
    nom: str
    libelle: str
    #: True = tenu, False = non tenu, None = non évalué
    tenu: bool | None
    explication: str
    #: Le critère n'a pas pesé sur le verdict (son explication dit pourquoi) : affiché « sans objet ».
    sans_objet: bool = False

    @property
    def etat(self) -> str:
        """« oui », « non », « sans objet » ou « non évalué », tel que la grille l'affiche."""
        if self.sans_objet:
            return "sans objet"
        return "oui" if self.tenu else ("non" if self.tenu is False else "non évalué")


@dataclass
class Recommandation:
    verdict: str
    libelle: str
    raison: str
    certitude: str
    criteres: list[Critere] = field(default_factory=list)
    version_grille: int = 0
    #: La règle de la grille qui a décidé : trop_peu_de_mesures, contraire, incertitude, trop_court, sans_effet,
    #: non_materiel, sous_puissance, preuve_insuffisante, fragile, non_durable, inefficient,
    #: peu_transferable ou etabli (voir docs/recommandation.md).
    regle: str = ""
    #: Le niveau de preuve du plan (None : non évalué, ce qui interdit « généraliser »).
    niveau_preuve: NiveauPreuve | None = None

    def en_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "verdict_libelle": self.libelle,
            "raison_verdict": self.raison,
            "certitude": self.certitude,
            "version_grille": self.version_grille,
            "regle_verdict": self.regle,
            "criteres": [c.__dict__ for c in self.criteres],
            "niveau_preuve": self.niveau_preuve.en_dict() if self.niveau_preuve else None,
        }


def recommander(
    resultat: ResultatImpact,
    sens_souhaite: str,
    van_socio_eur: float | None = None,
    temps_retour_ans: float | None = None,
    duree_vie_ans: float | None = None,
    transferable: bool | None = None,
    explication_transferabilite: str | None = None,
    grille: Grille | None = None,
    niveau_preuve: NiveauPreuve | None = None,
    jours_mesures_experimentation: int | None = None,
    persistance=None,
    n_sites_equipes: int | None = None,
) -> Recommandation:
    """Applique la grille au résultat d'une méthode.

    ``sens_souhaite`` : « baisse » ou « hausse » (ce que le pilote cherche à obtenir).
    ``van_socio_eur`` : valeur actuelle nette socio-économique (avec la valeur carbone), qui décide
    de l'efficience ; None si l'économie n'a pas été chiffrée (critère non évalué, ne bloque pas).
    ``temps_retour_ans`` / ``duree_vie_ans`` : affichés dans l'explication (None = jamais remboursé).
    ``transferable`` : None si non évalué (ne bloque pas).
    ``niveau_preuve`` : le niveau de preuve du plan (:func:`eprouvette.methodes.niveau_preuve.
    evaluer_niveau_preuve`) ; None = non évalué, ce qui interdit « généraliser ».
    ``jours_mesures_experimentation`` : jours de l'expérimentation où l'indicateur principal a été
    mesuré sur les sites équipés ; sous ``jours_experimentation_min``, le verdict ne peut être
    qu'« étendre l'expérimentation ». None : non compté (ne bloque pas).
    ``n_sites_equipes`` : nombre de sites équipés ; sous ``sites_equipes_min_generaliser`` (2 par défaut),
    « généraliser » est impossible (règle ``un_seul_site``). None : non compté (ne bloque pas).
    ``persistance`` : le constat de la période après (:class:`eprouvette.methodes.persistance.
    ResultatPersistance`), None sans période après ; un effet qui s'estompe ou disparaît mène à
    « ajuster » (règle ``non_durable``), un constat indéterminé reste une vérification à surveiller.
    """
    if sens_souhaite not in ("baisse", "hausse"):
        raise ValueError(f"sens souhaité inconnu : {sens_souhaite!r}")
    g = grille or charger_grille()
    s = g.seuils
    signe = -1.0 if sens_souhaite == "baisse" else 1.0

    incertitude_ok = resultat.incertitude_valide
    favorable = resultat.significatif and signe * resultat.effet > 0
    nuisible = resultat.significatif and signe * resultat.effet < 0
    rel = resultat.effet_relatif
    seuil_mat = s["effet_relatif_materiel"]
    materiel = rel is not None and abs(rel) >= seuil_mat

    # Puissance : effet minimal détectable relatif au contrefactuel.
    mde_rel = effet_minimal_detectable_relatif(resultat)
    puissant = mde_rel is not None and mde_rel <= s["effet_minimal_detectable_relatif_max"]
    # Tout l'intervalle au-delà du seuil de matérialité, du bon côté (règle de puissance, 6).
    borne_proche = resultat.ic_relatif_haut if signe < 0 else resultat.ic_relatif_bas
    intervalle_au_dela = (favorable and borne_proche is not None and math.isfinite(borne_proche)
                          and signe * borne_proche >= seuil_mat)

    n_min = int(s["niveau_preuve_min_generaliser"])
    preuve_ok = niveau_preuve is not None and niveau_preuve.niveau >= n_min
    sites_min = int(s.get("sites_equipes_min_generaliser", SITES_EQUIPES_MIN_DEFAUT))
    assez_de_sites = None if n_sites_equipes is None else n_sites_equipes >= sites_min

    constat = getattr(persistance, "constat", None)
    non_durable = constat in ("s_estompe", "disparait")
    # Un effet qui faiblit après la fin de l'accompagnement a sa règle (non_durable) : ce n'est pas une
    # hypothèse de la méthode en défaut, il ne compte pas dans la robustesse.
    verifs = [v for v in resultat.verifications if not (non_durable and v.nom == "persistance")]
    n_echec = sum(v.statut == "echec" for v in verifs)
    n_attention = sum(v.statut == "attention" for v in verifs)
    bloquantes = [v for v in verifs if v.nom in VERIFICATIONS_BLOQUANTES and v.statut != "reussie"]
    robuste = n_echec == 0 and n_attention <= s["verifications_attention_max"] and not bloquantes

    if van_socio_eur is None:
        efficient = None
        expl_eff = "L'efficience n'a pas été évaluée (économie non chiffrée en euros)."
    else:
        seuil_van = s["van_socio_economique_min_eur"]
        efficient = van_socio_eur >= seuil_van
        # Arrondis comme dans une phrase, sauf si l'arrondi rendait les deux montants égaux.
        ecrire = euros_arrondis if euros_arrondis(van_socio_eur) != euros_arrondis(seuil_van) else euros
        expl_eff = (
            f"VAN socio-économique (avec la valeur carbone) de {ecrire(van_socio_eur)}"
            + (" ≥ " if efficient else " < ")
            + f"{ecrire(seuil_van)}."
        )
        if duree_vie_ans is not None:
            if temps_retour_ans is None:
                expl_eff += " Sans la valeur carbone, l'investissement n'est pas remboursé sur la durée de vie."
            else:
                expl_eff += (
                    f" Temps de retour financier (actualisé) : {nombre(temps_retour_ans, 1)} ans"
                    f" pour une durée de vie de {nombre(duree_vie_ans, 0)} ans."
                )

    criteres = [
        Critere(
            "mesures_experimentation",
            "Assez de jours mesurés pendant l'expérimentation",
            None if jours_mesures_experimentation is None else jours_mesures_experimentation >= int(
                s["jours_experimentation_min"]),
            ("Jours de mesures pendant l'expérimentation non comptés." if jours_mesures_experimentation is None else
             f"{compte(jours_mesures_experimentation, 'jour mesuré', 'jours mesurés')} pendant l'expérimentation "
             f"(minimum {int(s['jours_experimentation_min'])})."),
        ),
        Critere(
            "effet_etabli",
            "Effet établi dans le sens souhaité",
            favorable,
            "L'intervalle de confiance à 95\u00a0% exclut zéro, du bon côté."
            if favorable
            else (
                "L'effet établi va dans le sens contraire à l'objectif."
                if nuisible
                else "L'intervalle de confiance à 95\u00a0% contient zéro : l'effet n'est pas établi."
            ),
        ),
        Critere(
            "effet_materiel",
            f"Effet d'au moins {pourcentage(s['effet_relatif_materiel'])}",
            materiel if rel is not None else None,
            (f"Effet relatif estimé : {pourcentage(rel)}." if rel is not None else "Effet relatif non calculable."),
        ),
        Critere(
            "puissance",
            "Expérimentation assez longue pour voir un effet matériel",
            puissant if mde_rel is not None else None,
            (
                f"Effet minimal détectable : {pourcentage(mde_rel)} (seuil {pourcentage(s['effet_minimal_detectable_relatif_max'])})."
                if mde_rel is not None
                else "Effet minimal détectable non calculé : la puissance de l'expérimentation n'est pas connue."
            )
            + ("" if puissant or not favorable else (
                " L'intervalle entier dépasse le seuil de matérialité : l'effet reste établi malgré le manque "
                "de puissance." if intervalle_au_dela else
                " Un effet significatif obtenu sans cette puissance est souvent exagéré : il faut que tout "
                "l'intervalle dépasse le seuil de matérialité.")),
            # Tout l'intervalle au-delà du seuil : le manque de puissance ne change rien au verdict.
            sans_objet=bool(mde_rel is not None and not puissant and favorable and intervalle_au_dela),
        ),
        Critere(
            "niveau_preuve",
            "Plan d'évaluation assez fort pour généraliser",
            preuve_ok,
            (niveau_preuve.phrase if niveau_preuve is not None else "Le niveau de preuve n'a pas été évalué.")
            + f" La grille demande au moins le niveau {n_min} ({NIVEAUX[n_min][1].lower()}) pour généraliser.",
        ),
        Critere(
            "sites_equipes",
            "Effet vu sur plusieurs sites équipés",
            assez_de_sites,
            ("Le nombre de sites équipés n'a pas été compté." if n_sites_equipes is None else
             f"{compte(n_sites_equipes, 'site équipé', 'sites équipés')} (la grille en demande au moins {sites_min} "
             "pour généraliser : sur un seul site, un changement propre à ce site au même moment ne peut pas être "
             "écarté)."),
        ),
        Critere(
            "robustesse",
            "Hypothèses de la méthode vérifiées",
            robuste,
            f"{compte(n_echec, 'vérification')} en échec, {n_attention} à surveiller "
            f"(au plus {int(s['verifications_attention_max'])} tolérées, aucun échec)."
            + (" La méthode ne tient pas compte des dates d'équipement propres des sites : cela suffit à "
               "interdire de généraliser." if bloquantes else ""),
        ),
        *([_critere_persistance(persistance)] if persistance is not None else []),
        Critere("efficience", "Bilan socio-économique positif", efficient, expl_eff),
        Critere(
            "transferabilite",
            "Territoires comparables pour essaimer",
            transferable,
            explication_transferabilite or "La transférabilité n'a pas encore été évaluée.",
        ),
    ]

    jours_min = int(s["jours_experimentation_min"])
    trop_peu = jours_mesures_experimentation is not None and jours_mesures_experimentation < jours_min
    if trop_peu:
        regle = "trop_peu_de_mesures"
        verdict = "etendre"
        raison = (f"Seulement {jours_mesures_experimentation} jour{'s' if jours_mesures_experimentation > 1 else ''} "
                  f"de mesures pendant l'expérimentation, pour un minimum de {jours_min} : c'est trop peu pour "
                  "conclure, dans un sens comme dans l'autre. Il faut mesurer plus longtemps.")
        certitude = "Aucune : trop peu de jours mesurés pendant l'expérimentation."
    elif nuisible:
        regle = "contraire"
        verdict, raison = "ne_pas_generaliser", "L'effet mesuré va dans le sens contraire à l'objectif."
        certitude = "L'effet contraire à l'objectif est établi."
    elif not incertitude_ok:
        regle = "incertitude"
        verdict = "etendre"
        raison = ("Les données ne permettent pas de calculer une incertitude fiable pour l'effet : on ne peut pas "
                  "conclure. " + _conseil_incertitude(resultat))
        certitude = "Aucune : l'incertitude de l'effet ne peut pas être calculée avec ce plan."
    elif not favorable and not puissant:
        regle = "trop_court"
        verdict = "etendre"
        raison = ("L'expérimentation est trop courte, ou les mesures varient trop d'un jour à l'autre, pour "
                  "distinguer un éventuel effet des variations ordinaires.")
        certitude = "L'expérimentation est trop courte pour conclure."
    elif not favorable:
        regle = "sans_effet"
        verdict = "ne_pas_generaliser"
        raison = "Aucun effet notable n'a été mis en évidence, alors que l'expérimentation pouvait en voir un."
        certitude = "Aucun effet notable : l'expérimentation était assez longue pour le voir."
    elif not materiel:
        regle = "non_materiel"
        verdict = "ajuster"
        raison = "L'effet est établi mais trop faible pour justifier une généralisation en l'état."
        certitude = "L'effet est établi, mais il est faible."
    elif not puissant and not intervalle_au_dela:
        regle = "sous_puissance"
        verdict = "etendre"
        raison = ("L'effet estimé dépasse les variations ordinaires, mais l'expérimentation était trop courte ou "
                  "trop petite pour en mesurer la taille de façon fiable"
                  + (f" (elle ne pouvait voir sûrement qu'un effet d'au moins {pourcentage(abs(mde_rel))})"
                     if mde_rel is not None else "")
                  + " : dans ce cas, l'effet est souvent surestimé. Il faut prolonger l'expérimentation ou "
                  "ajouter des sites.")
        certitude = "L'effet est peut-être réel, mais sa taille est incertaine : l'expérimentation manque de puissance."
    elif not preuve_ok:
        regle = "preuve_insuffisante"
        verdict = "etendre"
        if niveau_preuve is None:
            raison = "Le niveau de preuve du plan d'évaluation n'a pas été évalué : on ne peut pas généraliser."
        else:
            raison = (f"L'effet paraît réel, mais le plan d'évaluation ne permet pas de l'attribuer à la technologie. "
                      f"{niveau_preuve.explication}"
                      + (f" Il faut {niveau_preuve.pour_monter}." if niveau_preuve.pour_monter else ""))
        certitude = ("L'effet est mesuré, mais un changement survenu au même moment pourrait l'expliquer."
                     if niveau_preuve is None or niveau_preuve.niveau <= 2 else
                     "L'effet est mesuré, mais le plan d'évaluation est trop faible pour l'attribuer à la technologie.")
    elif assez_de_sites is False:
        regle = "un_seul_site"
        verdict = "etendre"
        raison = ("L'effet paraît réel, mais il n'a été mesuré que sur un seul site équipé : un changement propre à ce "
                  "site au même moment (travaux, nouvelle équipe, autre usage) pourrait l'expliquer, même avec des "
                  "témoins. Il faut équiper d'autres sites et vérifier que l'effet s'y retrouve.")
        certitude = "L'effet est mesuré sur un seul site : on ne sait pas encore s'il se retrouve ailleurs."
    elif not robuste:
        regle = "fragile"
        verdict = "etendre"
        if bloquantes and n_echec == 0:
            raison = "L'effet paraît réel, mais la méthode ne correspond pas au plan réel du pilote. " + bloquantes[0].phrase
            certitude = "L'effet est probable, mais la méthode ne tient pas compte du calendrier d'équipement."
        else:
            raison = ("L'effet paraît réel, mais des vérifications de la méthode ont échoué : le chiffre pourrait "
                      "être faussé.")
            certitude = "L'effet est probable, mais des vérifications ont échoué."
    elif non_durable:
        regle = "non_durable"
        verdict = "ajuster"
        quand = _quand(persistance)
        raison = (f"L'effet est net pendant l'expérimentation, mais il "
                  + ("s'estompe" if constat == "s_estompe" else "disparaît")
                  + f" après {quand} : tel quel, il ne dure pas. Il faut prolonger ce qui s'arrête, ou le "
                  "remplacer, puis vérifier que l'effet tient.")
        certitude = ("L'effet est établi pendant l'expérimentation, "
                     + ("nettement plus faible ensuite" if constat == "s_estompe" else "pas ensuite")
                     + (" ; le bilan en euros le suppose durable." if efficient is not None else "."))
    elif efficient is False:
        regle = "inefficient"
        verdict = "ajuster"
        raison = "L'effet est établi mais ses bénéfices, valeur carbone comprise, ne couvrent pas ses coûts."
        certitude = "L'effet est établi."
    elif transferable is False:
        regle = "peu_transferable"
        verdict = "etendre"
        raison = "L'effet est établi mais peu de territoires comparables permettent de généraliser."
        certitude = "L'effet est établi."
    else:
        regle = "etabli"
        verdict = "generaliser"
        raison = (f"L'effet est net (il dépasse nettement les variations ordinaires) et assez grand pour compter "
                  f"(au moins {pourcentage(s['effet_relatif_materiel'])}), les vérifications de la méthode sont bonnes")
        raison += " et les bénéfices couvrent les coûts." if efficient else "."
        # Le niveau de preuve a sa propre ligne juste en dessous dans le rapport (et son champ dans le
        # JSON) : « L'effet est établi (niveau de preuve 4 sur 5 : …) » le disait deux fois de suite.
        certitude = "L'effet est établi."
    return Recommandation(verdict, VERDICTS[verdict], raison, certitude, criteres, g.version, regle, niveau_preuve)


def _quand(persistance) -> str:
    """« la fin de l'accompagnement », « le retrait de la technologie »… (motif de la période après)."""
    from .methodes.persistance import MOTIFS

    return MOTIFS.get(getattr(persistance, "motif", None) or "autre", MOTIFS["autre"])


def _critere_persistance(persistance) -> Critere:
    """Le critère « l'effet dure après l'expérimentation » (seulement avec une période après)."""
    tenu = {"se_maintient": True, "s_estompe": False, "disparait": False}.get(persistance.constat)
    return Critere("persistance", f"L'effet dure après {_quand(persistance)}", tenu, persistance.phrase)


def effet_minimal_detectable_relatif(resultat: ResultatImpact) -> float | None:
    """Effet minimal détectable rapporté au contrefactuel total (None si inconnu).

    Le contrefactuel total est tiré de l'effet et de l'effet relatif (effet / effet relatif), ou, si
    l'effet est nul, du total contrefactuel noté par la méthode (``details``).
    """
    mde = resultat.effet_minimal_detectable
    if mde is None or not math.isfinite(mde):
        return None
    rel = resultat.effet_relatif
    total_cf = None
    if rel not in (None, 0.0) and resultat.effet and math.isfinite(rel) and math.isfinite(resultat.effet):
        total_cf = abs(resultat.effet / rel)
    else:
        for cle in ("total_contrefactuel", "total_contrefactuel_apres"):
            v = resultat.details.get(cle)
            if isinstance(v, (int, float)) and math.isfinite(v) and v > 0:
                total_cf = float(v)
                break
    if not total_cf:
        return None
    return abs(mde) / total_cf


def _conseil_incertitude(resultat: ResultatImpact) -> str:
    raison = resultat.details.get("incertitude_indeterminee")
    base = "Il faut plus de sites (équipés et témoins) ou une série de mesures plus longue."
    return (raison[:1].upper() + raison[1:].rstrip(".") + ". " + base) if isinstance(raison, str) and raison else base
