"""La lecture sûre du dossier d'un pilote : inventaire, ouverture, empreintes des fichiers.

Le dossier d'un pilote vient d'ailleurs (une collectivité, un bureau d'études) : il est lu sans
lui faire confiance (:func:`inventaire`, :func:`lire_octets`). Seuls des fichiers ordinaires sont
ouverts (``os.lstat`` puis ``stat.S_ISREG`` avant d'ouvrir, ``O_NOFOLLOW | O_NONBLOCK`` à
l'ouverture, ``fstat`` après) ; un lien symbolique n'est suivi que s'il mène à un fichier
ordinaire **du même dossier** ; un lien qui en sort, un lien cassé, un tube nommé, une socket ou
un périphérique ne sont jamais ouverts : ils entrent dans l'empreinte par leur seule description
et le pilote est refusé avec un message qui les nomme (:func:`verifier_dossier`).

Rez-de-chaussée : ``pilote`` et ``lecture`` lisent par ces fonctions, le lanceur
(``rapports.etat``) en tire l'empreinte d'un rapport, l'analyse la traçabilité
(``provenance``). Ce module n'importe rien de lourd.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .erreurs import ErreurDonnees, ErreursDonnees

#: Ouverture d'un fichier de données : jamais à travers un lien (dernier composant), jamais
#: bloquante (un tube nommé sans écrivain rendrait la main sans jamais rien donner).
_DRAPEAUX = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_MORCEAU = 1 << 20

_NATURES = {
    stat.S_IFIFO: "tube nommé",
    stat.S_IFSOCK: "socket",
    stat.S_IFCHR: "périphérique en mode caractère",
    stat.S_IFBLK: "périphérique en mode bloc",
}

CONSEIL_LIEN = "Copiez le fichier lui-même dans le dossier du pilote au lieu de le lier."
CONSEIL_SPECIAL = ("Le dossier d'un pilote ne contient que des fichiers ordinaires et des sous-dossiers : "
                   "retirez cette entrée.")


def nature(mode: int) -> str:
    """Ce qu'est une entrée d'après son mode (``st_mode``), en français."""
    return _NATURES.get(stat.S_IFMT(mode), "entrée spéciale")


class FichierRefuse(ErreurDonnees):
    """Une entrée du dossier d'un pilote qui n'est pas lue (lien sortant ou cassé, tube nommé…)."""


@dataclass(frozen=True)
class Entree:
    """Une entrée du dossier d'un pilote, examinée sans être ouverte.

    ``cible`` : le fichier ordinaire à lire (chemin résolu, dans le dossier), ou le dossier
    désigné par un lien interne ; None quand l'entrée est refusée (``probleme``) ou absente.
    """

    chemin: Path
    relatif: str
    cible: Path | None
    lien: str | None = None
    dossier: bool = False
    probleme: FichierRefuse | None = None
    absente: bool = False

    def description(self) -> str:
        """Ce qui entre dans l'empreinte quand le contenu n'est pas lu."""
        if self.probleme is not None:
            return f"refuse:{self.probleme.message}"
        if self.dossier:
            return f"lien-dossier:{self.lien}"
        return "absente" if self.absente else ""


def _dedans(chemin: Path, racine: Path) -> bool:
    return chemin == racine or racine in chemin.parents


def _relatif(chemin: Path, dossier: Path) -> str:
    try:
        return str(Path(chemin).relative_to(dossier))
    except ValueError:
        return str(chemin)


def examiner(chemin: str | Path, dossier: str | Path) -> Entree:
    """Examine ``chemin`` (dans ``dossier``, le dossier du pilote) sans l'ouvrir : ``lstat``,
    ``readlink`` et résolution du chemin seulement. Ne lève pas : un refus est dans ``probleme``."""
    chemin, dossier = Path(chemin), Path(dossier)
    racine = dossier.resolve()
    rel = _relatif(chemin, dossier)

    def refus(message: str, conseil: str) -> Entree:
        return Entree(chemin, rel, None, lien=lien, probleme=FichierRefuse(dossier, message, conseil=conseil))

    lien = None
    try:
        st = os.lstat(chemin)
    except (FileNotFoundError, NotADirectoryError):
        return Entree(chemin, rel, None, absente=True)
    except OSError as e:
        return refus(f"« {rel} » est illisible ({e.strerror}).", "Vérifiez les droits de lecture du fichier.")
    if stat.S_ISLNK(st.st_mode):
        try:
            lien = os.readlink(chemin)
        except OSError:
            lien = "?"
        try:
            cible = chemin.resolve(strict=True)
        except FileNotFoundError:
            return refus(f"« {rel} » est un lien symbolique cassé (il mène à « {lien} », qui n'existe pas).",
                         "Remplacez le lien par le fichier lui-même, ou retirez-le.")
        except (OSError, RuntimeError):  # boucle de liens (RuntimeError jusqu'à Python 3.12)
            return refus(f"« {rel} » est un lien symbolique cassé (boucle de liens).",
                         "Remplacez le lien par le fichier lui-même, ou retirez-le.")
        if not _dedans(cible, racine):
            return refus(f"« {rel} » est un lien symbolique qui sort du dossier du pilote (il mène à « {lien} ») ; "
                         "il n'a pas été ouvert.", CONSEIL_LIEN)
        try:
            st_cible = os.stat(cible)
        except OSError as e:
            return refus(f"« {rel} » est un lien symbolique vers un fichier illisible ({e.strerror}).", CONSEIL_LIEN)
        if stat.S_ISDIR(st_cible.st_mode):
            return Entree(chemin, rel, cible, lien=lien, dossier=True)
        if not stat.S_ISREG(st_cible.st_mode):
            return refus(f"« {rel} » est un lien symbolique vers « {_relatif(cible, racine)} », qui n'est pas un "
                         f"fichier ordinaire ({nature(st_cible.st_mode)}) ; il n'a pas été ouvert.", CONSEIL_SPECIAL)
        return Entree(chemin, rel, cible, lien=lien)
    # Pas un lien : un dossier parent peut encore en être un (« sous/x.csv » avec sous -> /etc).
    cible = chemin.parent.resolve() / chemin.name
    if not _dedans(cible, racine):
        return refus(f"« {rel} » passe par un lien symbolique qui sort du dossier du pilote ; il n'a pas été ouvert.",
                     CONSEIL_LIEN)
    if stat.S_ISDIR(st.st_mode):
        return Entree(chemin, rel, cible, dossier=True)
    if not stat.S_ISREG(st.st_mode):
        return refus(f"« {rel} » n'est pas un fichier ordinaire ({nature(st.st_mode)}) ; il n'a pas été ouvert.",
                     CONSEIL_SPECIAL)
    return Entree(chemin, rel, cible)


def _ignore(nom: str) -> bool:
    return nom.startswith(".") or nom == "__pycache__"


def probleme_du_dossier(dossier: str | Path) -> FichierRefuse | None:
    """Le dossier du pilote lui-même : un vrai dossier, pas un lien (qui mènerait n'importe où)."""
    dossier = Path(dossier)
    try:
        st = os.lstat(dossier)
    except OSError as e:
        return FichierRefuse(dossier, f"dossier du pilote illisible ({e.strerror}).")
    if stat.S_ISLNK(st.st_mode):
        try:
            lien = os.readlink(dossier)
        except OSError:
            lien = "?"
        return FichierRefuse(dossier, f"le dossier du pilote est un lien symbolique (il mène à « {lien} ») ; "
                                      "il n'a pas été lu.",
                             conseil="Déposez les fichiers du pilote dans un vrai dossier de donnees/pilotes/.")
    if not stat.S_ISDIR(st.st_mode):
        return FichierRefuse(dossier, f"le pilote n'est pas un dossier ({nature(st.st_mode)}).")
    return None


def inventaire(dossier: str | Path) -> list[Entree]:
    """Toutes les entrées du dossier d'un pilote (sous-dossiers compris, entrées cachées exclues),
    examinées sans être ouvertes, triées par chemin. Les liens vers un dossier ne sont pas parcourus.
    Vide si le dossier lui-même est refusé (:func:`probleme_du_dossier`)."""
    dossier = Path(dossier)
    if probleme_du_dossier(dossier) is not None:
        return []
    entrees: list[Entree] = []
    a_voir = [dossier]
    while a_voir:
        courant = a_voir.pop()
        try:
            with os.scandir(courant) as it:
                enfants = sorted(it, key=lambda e: e.name)
        except OSError as e:
            entrees.append(Entree(courant, _relatif(courant, dossier), None, probleme=FichierRefuse(
                dossier, f"« {_relatif(courant, dossier)} » est illisible ({e.strerror}).")))
            continue
        for enfant in enfants:
            if _ignore(enfant.name):
                continue
            entree = examiner(Path(enfant.path), dossier)
            if entree.dossier and entree.lien is None:
                a_voir.append(entree.chemin)
                continue
            entrees.append(entree)
    return sorted(entrees, key=lambda e: e.relatif)


def refus_du_dossier(dossier: str | Path) -> list[FichierRefuse]:
    """Les entrées refusées du dossier d'un pilote (le dossier lui-même compris), sans rien ouvrir."""
    probleme = probleme_du_dossier(dossier)
    if probleme is not None:
        return [probleme]
    return [e.probleme for e in inventaire(dossier) if e.probleme is not None]


def verifier_dossier(dossier: str | Path) -> None:
    """Lève :class:`~eprouvette.erreurs.ErreursDonnees` si une entrée du dossier est refusée."""
    refus = refus_du_dossier(dossier)
    if refus:
        raise ErreursDonnees(refus)


def ouvrir_sans_suivre(cible: Path) -> int:
    """Descripteur d'un fichier ordinaire, ouvert sans suivre de lien et sans bloquer."""
    fd = os.open(cible, _DRAPEAUX)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{cible} n'est pas un fichier ordinaire ({nature(st.st_mode)})")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _lire_fd(fd: int, limite: int | None) -> bytes:
    morceaux, total = [], 0
    while limite is None or total <= limite:
        taille = _MORCEAU if limite is None else min(_MORCEAU, limite + 1 - total)
        morceau = os.read(fd, taille)
        if not morceau:
            break
        morceaux.append(morceau)
        total += len(morceau)
    return b"".join(morceaux)


def lire_octets(chemin: str | Path, dossier: str | Path | None = None, limite: int | None = None) -> bytes:
    """Le contenu d'un fichier du dossier d'un pilote, lu sans jamais sortir de ``dossier``
    (par défaut : le dossier du fichier) ni ouvrir autre chose qu'un fichier ordinaire.

    Lève :class:`FichierRefuse` (une :class:`ErreurDonnees`) pour un lien qui sort du dossier, un
    lien cassé, un tube nommé…, ``FileNotFoundError`` pour un fichier absent. Avec ``limite``, au
    plus ``limite + 1`` octets sont lus : à l'appelant de refuser un fichier plus long.
    """
    chemin = Path(chemin)
    entree = examiner(chemin, Path(dossier) if dossier is not None else chemin.parent)
    if entree.probleme is not None:
        raise entree.probleme
    if entree.absente:
        raise FileNotFoundError(2, "fichier introuvable", str(chemin))
    if entree.dossier:
        raise IsADirectoryError(21, "c'est un dossier", str(chemin))
    fd = ouvrir_sans_suivre(entree.cible)
    try:
        return _lire_fd(fd, limite)
    finally:
        os.close(fd)


def condenser(cible: Path) -> bytes:
    """SHA-256 d'un fichier ordinaire, lu par morceaux (ouverture sûre)."""
    h = hashlib.sha256()
    fd = ouvrir_sans_suivre(cible)
    try:
        while morceau := os.read(fd, _MORCEAU):
            h.update(morceau)
    finally:
        os.close(fd)
    return h.digest()


def _condense_entree(entree: Entree, condenser=condenser) -> bytes:
    """Le contenu pour un fichier lisible ; sinon la description de l'entrée (rien n'est ouvert)."""
    if entree.cible is not None and not entree.dossier and entree.probleme is None:
        try:
            return condenser(entree.cible)
        except OSError as e:
            return f"illisible:{e.strerror or e}".encode("utf-8")
    return entree.description().encode("utf-8")


def empreinte_dossier(dossier: Path, condenser=condenser) -> str:
    """Empreinte du dossier d'un pilote : chaque entrée par son chemin, ce qu'elle est (fichier,
    lien et sa cible) et son contenu quand il peut être lu sans risque (voir :func:`inventaire`).
    ``condenser`` : le SHA-256 d'un fichier à lire (le lanceur passe celui de sa mémoire,
    :class:`eprouvette.rapports.etat.Memoire`, qui ne relit pas un fichier inchangé)."""
    h = hashlib.sha256()
    probleme = probleme_du_dossier(dossier)
    if probleme is not None:
        h.update(f"refuse:{probleme.message}".encode("utf-8"))
        return h.hexdigest()
    for entree in inventaire(dossier):
        h.update(entree.relatif.encode("utf-8"))
        h.update(b"\0")
        if entree.lien is not None:
            h.update(f"lien:{entree.lien}".encode("utf-8"))
            h.update(b"\0")
        h.update(_condense_entree(entree, condenser))
    return h.hexdigest()


def empreintes_fichiers(dossier: Path) -> dict[str, str]:
    """SHA-256 de chaque fichier d'entrée d'un pilote (pour la traçabilité du rapport).

    Les entrées qui ne sont pas lues (lien qui sort du dossier, tube nommé…) ne sont pas ouvertes :
    leur « empreinte » est celle de leur description."""
    resultat = {}
    for e in inventaire(Path(dossier)):
        if e.dossier:
            continue
        if e.cible is not None and e.probleme is None:
            try:
                resultat[e.relatif] = condenser(e.cible).hex()
                continue
            except OSError as x:
                description = f"illisible:{x.strerror or x}"
        else:
            description = e.description()
        resultat[e.relatif] = hashlib.sha256(description.encode("utf-8")).hexdigest()
    return resultat


def taille_donnees(fichier: Path) -> int:
    """Taille d'un fichier de données ; décompressée pour un .gz (champ ISIZE de fin de gzip)."""
    try:
        taille = fichier.stat().st_size
        if fichier.name.lower().endswith(".gz") and taille >= 18:
            fd = ouvrir_sans_suivre(fichier)
            try:
                os.lseek(fd, -4, os.SEEK_END)
                taille = max(taille, int.from_bytes(os.read(fd, 4), "little"))
            finally:
                os.close(fd)
        return taille
    except OSError:
        return 0
