"""La rédaction française : nombres, pourcentages, montants, dates, accords, échappement HTML.

Rez-de-chaussée de la bibliothèque (il n'importe que ``config``) : les méthodes, les domaines,
l'analyse, la présentation et le lanceur écrivent leurs phrases par ces fonctions, et par
aucune copie locale.

Règles typographiques appliquées partout (rapports, messages, carnets) :

- séparateur des milliers : espace fine insécable (U+202F) — ``1 234 567`` ;
- séparateur décimal : virgule — ``1 234,5`` ;
- signe moins : le vrai signe moins (U+2212) — ``−12,3`` — et non le trait d'union ;
- pourcentages : espace insécable (U+00A0) avant ``%`` — ``12,3 %`` ;
- unités : espace insécable entre le nombre et l'unité — ``85 000 €``, ``1 200 kWh`` ;
- valeur manquante (None, NaN) : ``n.d.`` (non disponible) ;
- accord : « 1 site », « 0 site », « 4 sites » (:func:`compte`), jamais « site(s) » ;
- HTML : tout texte venu des données passe par :func:`echapper`.

Montants en euros (:func:`euros`), échelle automatique :

- à partir d'un million (en valeur absolue) : millions avec une décimale, « ,0 » retiré —
  ``1,2 M€``, ``3 M€`` ;
- de 100 € à un million : euros entiers — ``85 000 €``, ``999 999 €`` ;
- sous 100 € : au centime si le montant n'est pas entier — ``12,50 €``, ``40 €``.

``echelle="k"`` force les milliers d'euros (``12,5 k€``), ``echelle="M"`` les millions,
``echelle="unite"`` les euros entiers.
"""

from __future__ import annotations

import html
import math
from datetime import date, datetime
from numbers import Real

# pandas est importé à la demande (valeurs manquantes, dates en texte) : le lanceur de `make rapports`,
# sans rien à reconstruire, écrit ses phrases par ce module sans avoir besoin de pandas (0,35 s).

#: Espace fine insécable : séparateur des milliers.
ESPACE_FINE = "\u202f"
#: Espace insécable : avant « % » et entre un nombre et son unité.
ESPACE_INSECABLE = "\u00a0"
#: Vrai signe moins.
MOINS = "\u2212"
#: Texte d'une valeur absente.
NON_DISPONIBLE = "n.d."

MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MOIS_COURTS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
JOURS_COURTS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")


def _manquant(valeur: object) -> bool:
    if valeur is None:
        return True
    if type(valeur) in (int, float, bool):
        return valeur != valeur  # NaN ; comme pd.isna, sans importer pandas
    import pandas as pd

    try:
        return bool(pd.isna(valeur))
    except (TypeError, ValueError):
        return False


def _verifier_nombre(valeur: object) -> float:
    if isinstance(valeur, bool) or not isinstance(valeur, Real):
        raise TypeError(f"un nombre était attendu, reçu {valeur!r} ({type(valeur).__name__})")
    return float(valeur)


def nombre(valeur: float | int | None, decimales: int = 0) -> str:
    """Écrit un nombre à la française : ``nombre(1234.5, decimales=1)`` -> ``"1 234,5"``.

    Espace fine insécable pour les milliers, virgule décimale, vrai signe moins.
    Un zéro arrondi ne porte pas de signe (``nombre(-0.04, 1)`` -> ``"0,0"``).
    ``None`` ou NaN donnent ``"n.d."`` ; l'infini donne ``"∞"``.
    """
    if _manquant(valeur):
        return NON_DISPONIBLE
    x = _verifier_nombre(valeur)
    if math.isinf(x):
        return "∞" if x > 0 else MOINS + "∞"
    if decimales < 0:
        raise ValueError("le nombre de décimales doit être positif ou nul")
    texte = f"{abs(x):,.{decimales}f}"  # 1,234.5
    texte = texte.replace(",", ESPACE_FINE).replace(".", ",")
    negatif = x < 0 and any(c not in "0," + ESPACE_FINE for c in texte)
    return (MOINS if negatif else "") + texte


def nombre_significatif(valeur: float | int | None, chiffres: int = 4) -> str:
    """Un nombre technique à ``chiffres`` chiffres significatifs, à la française :
    ``nombre_significatif(-24.524186)`` -> ``"−24,52"`` ; ``0.0084823`` -> ``"0,008482"`` ;
    un entier (ou un flottant entier) s'écrit sans décimale : ``4524`` -> ``"4 524"`` ; les zéros
    finaux sont retirés (``14.5`` -> ``"14,5"``)."""
    if _manquant(valeur):
        return NON_DISPONIBLE
    x = _verifier_nombre(valeur)
    if math.isinf(x) or x == 0 or x.is_integer():
        return nombre(x, 0)
    decimales = max(0, chiffres - 1 - math.floor(math.log10(abs(x))))
    return _sans_virgule_zero(nombre(x, decimales))


#: Chiffres significatifs des nombres de la prose et des cartes (les tableaux peuvent en garder plus) :
#: « 129 000 € », « 1 110 000 m³ », « 17,3 MWh », « 0,966 ».
CHIFFRES_PROSE = 3


def arrondi(valeur: float | int, chiffres: int = CHIFFRES_PROSE) -> float:
    """La valeur arrondie à ``chiffres`` chiffres significatifs : ``arrondi(128_531)`` -> ``129000.0``."""
    x = _verifier_nombre(valeur)
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, chiffres - 1 - math.floor(math.log10(abs(x))))


def nombre_arrondi(valeur: float | int | None, chiffres: int = CHIFFRES_PROSE,
                   decimales: int | None = None) -> str:
    """Un nombre de phrase ou de carte, à ``chiffres`` chiffres significatifs au plus (3 par défaut), à la
    française : ``128_531`` -> ``"129 000"`` ; ``-1525.7`` -> ``"−1 530"`` ; ``17.34`` -> ``"17,3"`` ;
    ``9.5`` -> ``"9,5"`` ; ``0.96571`` -> ``"0,966"``. Les zéros finaux après la virgule sont retirés.
    ``decimales`` borne en plus les décimales (``nombre_arrondi(9.69, decimales=1)`` -> ``"9,7"``).
    La fonction commune de tout nombre lu dans une phrase : pas de fausse précision (« −48 675,2 € »)."""
    if _manquant(valeur):
        return NON_DISPONIBLE
    x = _verifier_nombre(valeur)
    if math.isinf(x) or x == 0:
        return nombre(x, 0)
    r = arrondi(x, chiffres)
    d = max(0, chiffres - 1 - math.floor(math.log10(abs(r)))) if r else 0
    if decimales is not None:
        d = min(d, decimales)
        r = round(r, d)
    return _sans_virgule_zero(nombre(r, d))


def euros_arrondis(montant: float | int | None, chiffres: int = CHIFFRES_PROSE) -> str:
    """Un montant de phrase ou de carte : ``128_531`` -> ``"129 000 €"``, ``-48_675.2`` -> ``"−48 700 €"``,
    ``1_234_567`` -> ``"1,2 M€"`` (les millions comme :func:`euros`), ``12.5`` -> ``"12,5 €"``."""
    if _manquant(montant):
        return NON_DISPONIBLE
    x = _verifier_nombre(montant)
    if abs(x) >= 999_950 or math.isinf(x):
        return euros(x)
    return nombre_arrondi(x, chiffres) + ESPACE_INSECABLE + "€"


def environ(n: float | int, singulier: str, pluriel: str | None = None,
            chiffres: int = CHIFFRES_PROSE) -> str:
    """Un compte exact cité dans une phrase, arrondi et dit tel : ``environ(68_623, "mesure")`` ->
    ``"environ 68 600 mesures"`` ; ``environ(412, "mesure")`` -> ``"412 mesures"`` (rien à arrondir)."""
    texte = nombre_arrondi(n, chiffres)
    r = arrondi(n, chiffres)
    prefixe = "" if r == n else "environ "
    return f"{prefixe}{texte} {accord(n, singulier, pluriel)}"


def valeur_technique(valeur: object) -> str:
    """Une valeur d'annexe : nombre (:func:`nombre_significatif`), booléen (« oui » / « non ») ou texte."""
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, Real):
        return nombre_significatif(valeur)
    return "" if valeur is None else str(valeur)


def nombre_exact(valeur: object) -> str:
    """Un nombre cité tel qu'il a été lu, chiffres compris, à la française : ``-35.0`` -> ``"−35,0"``,
    ``"12.345678"`` -> ``"12,345678"`` (pour les messages d'erreur : on ne cite pas une valeur arrondie)."""
    texte = str(valeur).replace(".", ",")
    return MOINS + texte[1:] if texte.startswith("-") else texte


def nombre_signe(valeur: float | int | None, decimales: int = 0) -> str:
    """Comme :func:`nombre`, avec le signe toujours écrit : ``"+1 200"``, ``"−350"``, ``"0"``."""
    texte = nombre(valeur, decimales)
    if texte == NON_DISPONIBLE or texte.startswith(MOINS):
        return texte
    if all(c in "0," + ESPACE_FINE for c in texte):
        return texte  # zéro : pas de signe
    return "+" + texte


def pourcentage(fraction: float | None, decimales: int = 1) -> str:
    """Écrit une fraction en pourcentage : ``pourcentage(0.123)`` -> ``"12,3 %"``.

    La valeur est une fraction (0,123 pour 12,3 %). Espace insécable avant « % ».
    """
    if _manquant(fraction):
        return NON_DISPONIBLE
    return nombre(_verifier_nombre(fraction) * 100, decimales) + ESPACE_INSECABLE + "%"


def pourcentage_signe(fraction: float | None, decimales: int = 1) -> str:
    """Pourcentage avec son signe : ``"+12,3 %"``, ``"−12,3 %"`` (vrai signe moins)."""
    if _manquant(fraction):
        return NON_DISPONIBLE
    return nombre_signe(_verifier_nombre(fraction) * 100, decimales) + ESPACE_INSECABLE + "%"


def _sans_virgule_zero(texte: str) -> str:
    if "," in texte:
        texte = texte.rstrip("0").rstrip(",")
    return texte


def euros(montant: float | int | None, echelle: str = "auto") -> str:
    """Écrit un montant en euros (règles dans la documentation du module).

    ``euros(1_234_567)`` -> ``"1,2 M€"`` ; ``euros(85_000)`` -> ``"85 000 €"`` ;
    ``euros(12_500, echelle="k")`` -> ``"12,5 k€"`` ; ``euros(12.5)`` -> ``"12,50 €"``.
    """
    if _manquant(montant):
        return NON_DISPONIBLE
    x = _verifier_nombre(montant)
    if echelle not in ("auto", "k", "M", "unite"):
        raise ValueError(f"échelle inconnue : {echelle!r} (attendu : auto, k, M ou unite)")
    if echelle == "auto":
        if abs(x) >= 999_950:  # ce qui s'arrondit à 1,0 M€ s'écrit en millions
            echelle = "M"
        elif abs(x) >= 100 or float(x).is_integer():
            echelle = "unite"
        else:
            return nombre(x, 2) + ESPACE_INSECABLE + "€"
    if echelle == "M":
        return _sans_virgule_zero(nombre(x / 1e6, 1)) + ESPACE_INSECABLE + "M€"
    if echelle == "k":
        return _sans_virgule_zero(nombre(x / 1e3, 1)) + ESPACE_INSECABLE + "k€"
    return nombre(x, 0) + ESPACE_INSECABLE + "€"


def _en_date(valeur: date | datetime | pd.Timestamp | str) -> date:
    import pandas as pd

    if isinstance(valeur, str):
        return pd.Timestamp(valeur).date()
    if isinstance(valeur, pd.Timestamp):
        if pd.isna(valeur):
            raise ValueError("date manquante")
        return valeur.date()
    if isinstance(valeur, datetime):
        return valeur.date()
    if isinstance(valeur, date):
        return valeur
    raise TypeError(f"une date était attendue, reçu {valeur!r}")


def _jour(j: int) -> str:
    return "1er" if j == 1 else str(j)


def date_longue(valeur: date | datetime | pd.Timestamp | str) -> str:
    """``date(2025, 3, 12)`` -> ``"12 mars 2025"`` ; le premier du mois s'écrit ``"1er"``."""
    d = _en_date(valeur)
    return f"{_jour(d.day)} {MOIS[d.month - 1]} {d.year}"


def date_courte(valeur: date | datetime | pd.Timestamp | str) -> str:
    """``date(2025, 3, 12)`` -> ``"12/03/2025"``."""
    d = _en_date(valeur)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def mois_annee(valeur: date | datetime | pd.Timestamp | str) -> str:
    """``date(2025, 3, 12)`` -> ``"mars 2025"``."""
    d = _en_date(valeur)
    return f"{MOIS[d.month - 1]} {d.year}"


def periode(debut, fin) -> str:
    """``periode(date(2024, 9, 1), date(2025, 8, 31))`` -> ``"du 1er septembre 2024 au 31 août 2025"``."""
    d, f = _en_date(debut), _en_date(fin)
    if f < d:
        raise ValueError(f"période à l'envers : le {date_longue(f)} précède le {date_longue(d)}")
    return f"du {date_longue(d)} au {date_longue(f)}"


def _avec_unite(texte: str, unite: str | None) -> str:
    if not unite:
        return texte
    return texte + ESPACE_INSECABLE + unite


def intervalle(bas: float, haut: float, unite: str | None = None, decimales: int | None = 0) -> str:
    """``intervalle(1200, 3400, "kWh")`` -> ``"entre 1 200 et 3 400 kWh"``.

    Les bornes sont remises dans l'ordre croissant. ``decimales=None`` : chaque borne à trois chiffres
    significatifs (:func:`nombre_arrondi`), comme dans une phrase.
    """
    a, b = sorted((_verifier_nombre(bas), _verifier_nombre(haut)))

    def ecrire(x: float) -> str:
        return nombre_arrondi(x) if decimales is None else nombre(x, decimales)

    return f"entre {ecrire(a)} et {_avec_unite(ecrire(b), unite)}"


def intervalle_pourcentage(bas: float, haut: float, decimales: int = 1) -> str:
    """Bornes en fractions : ``intervalle_pourcentage(-0.12, -0.03)`` -> ``"entre −12,0 % et −3,0 %"``."""
    a, b = sorted((_verifier_nombre(bas), _verifier_nombre(haut)))
    return f"entre {pourcentage(a, decimales)} et {pourcentage(b, decimales)}"


def effet_avec_intervalle(
    effet: float, bas: float, haut: float, unite: str | None = None, decimales: int = 0
) -> str:
    """``"−1 250 kWh (intervalle de confiance à 95 % : entre −2 100 et −400 kWh)"``."""
    from eprouvette import config

    niveau = nombre(config.NIVEAU_CONFIANCE * 100, 0) + ESPACE_INSECABLE + "%"
    return (
        f"{_avec_unite(nombre_signe(effet, decimales), unite)} "
        f"(intervalle de confiance à {niveau}{ESPACE_INSECABLE}: {intervalle(bas, haut, unite, decimales)})"
    )


def p_valeur_courte(p: float) -> str:
    """``"p = 0,032"``, ``"p < 0,001"``."""
    p = _verifier_nombre(p)
    if not 0 <= p <= 1:
        raise ValueError(f"une p-valeur est comprise entre 0 et 1, reçu {p!r}")
    if p < 0.001:
        return "p < 0,001"
    if p < 0.01:
        return f"p = {nombre(p, 3)}"
    return f"p = {nombre(p, 2)}"


def p_valeur(p: float) -> str:
    """Dit une p-valeur avec des mots, sans la trahir.

    Une p-valeur est la probabilité d'observer un écart au moins aussi grand si
    l'expérimentation n'avait eu aucun effet ; ce n'est pas la probabilité que l'effet soit nul.

    ``p_valeur(0.03)`` -> ``"si l'expérimentation n'avait eu aucun effet, un écart au moins
    aussi grand apparaîtrait par le seul hasard environ 3 fois sur 100 (p = 0,03)"``.
    """
    courte = p_valeur_courte(p)
    p = float(p)
    debut = "si l'expérimentation n'avait eu aucun effet, un écart au moins aussi grand apparaîtrait"
    if p < 0.001:
        frequence = "moins d'une fois sur 1" + ESPACE_FINE + "000"
    elif p < 0.01:
        n = max(1, round(p * 1000))
        frequence = f"environ {n} fois sur 1{ESPACE_FINE}000"
    elif p < 0.995:
        frequence = f"environ {max(1, round(p * 100))} fois sur 100"
    else:
        frequence = "presque à chaque fois"
    return f"{debut} par le seul hasard {frequence} ({courte})"


# ---------------------------------------------------------------------------------------------
# Accords, échappement, phrase d'un effet
# ---------------------------------------------------------------------------------------------


def accord(n: float, singulier: str, pluriel: str | None = None) -> str:
    """Le mot accordé au nombre : singulier sous 2 (« 0 site », « 1,5 jour »), pluriel au-delà.

    ``pluriel`` par défaut : le singulier suivi de « s ». Pour une expression, donnez-le :
    ``accord(3, "valeur illisible", "valeurs illisibles")``.
    """
    return singulier if abs(n) < 2 else (pluriel if pluriel is not None else singulier + "s")


def compte(n: float, singulier: str, pluriel: str | None = None, decimales: int = 0) -> str:
    """Le nombre et le mot accordé : ``compte(4, "site")`` -> ``"4 sites"`` (espace normale)."""
    return f"{nombre(n, decimales)} {accord(n, singulier, pluriel)}"


def echapper(texte: object) -> str:
    """Texte sûr dans du HTML (``&``, ``<``, ``>``, guillemets) ; None donne une chaîne vide.

    Un pilote nommé ``<script>…`` s'affiche comme du texte."""
    return html.escape("" if texte is None else str(texte), quote=True)


def decimales_lisibles(*valeurs: float | None) -> int:
    """Décimales lisibles selon l'ordre de grandeur : 0 à partir de 100, 1 dès 10, 2 dès 1, sinon 3."""
    m = max((abs(v) for v in valeurs if v is not None and math.isfinite(v)), default=1.0)
    if m >= 100:
        return 0
    if m >= 10:
        return 1
    if m >= 1:
        return 2
    return 3


def phrase_effet(
    indicateur: str,
    unite: str,
    effet: float,
    bas: float,
    haut: float,
    relatif: float | None,
    quoi: str,
) -> str:
    """La phrase d'un effet pour un élu : sens, taille, intervalle, et si l'on peut conclure.

    ``quoi`` ouvre la phrase (« Pendant l'expérimentation »), ``indicateur`` en est le sujet.
    """
    from eprouvette import config

    d = decimales_lisibles(effet, bas, haut)
    sens = "une baisse" if effet < 0 else "une hausse"
    rel = f" ({pourcentage(relatif)})" if relatif is not None and math.isfinite(relatif) else ""
    niveau = nombre(config.NIVEAU_CONFIANCE * 100, 0) + ESPACE_INSECABLE + "%"
    if bas > 0 or haut < 0:
        conclusion = "l'écart est trop net pour être dû au seul hasard"
    else:
        conclusion = "l'intervalle contient zéro : on ne peut pas distinguer cet écart du hasard"
    return (
        f"{quoi}, {indicateur} montre {sens} de {_avec_unite(nombre_arrondi(abs(effet), decimales=d), unite)}{rel} "
        f"par rapport à ce qu'on attendait sans l'expérimentation (intervalle de confiance à "
        f"{niveau}{ESPACE_INSECABLE}: entre {nombre_arrondi(bas, decimales=d)} et "
        f"{_avec_unite(nombre_arrondi(haut, decimales=d), unite)}) ; {conclusion}."
    )
