"""Les mots techniques du premier écran, expliqués en français courant.

Un élu ou son cabinet lit « L'essentiel » sans être statisticien ni ingénieur : chaque terme
technique qui y paraît (celui du porteur, comme « GTB » ou « prélocalisateurs », ou celui de
l'évaluation, comme « VAN » ou « sites témoins ») est relié, à sa première apparition, à sa
définition, donnée en bas du cadre (liste repliable, imprimée dépliée).

:func:`annoter` travaille sur du texte **déjà échappé** (HTML) : il n'insère que ses propres liens.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..francais import echapper


@dataclass(frozen=True)
class Terme:
    #: Les formes du terme telles qu'elles apparaissent dans un texte (la première est le titre).
    formes: tuple[str, ...]
    definition: str

    @property
    def ancre(self) -> str:
        base = unicodedata.normalize("NFKD", self.formes[0].lower())
        base = "".join(c for c in base if not unicodedata.combining(c))
        return "g-" + re.sub(r"[^a-z0-9]+", "-", base).strip("-")


#: Le glossaire (ordre d'affichage). Définitions courtes, sans autre terme technique.
TERMES: tuple[Terme, ...] = (
    Terme(("sites témoins", "site témoin", "témoins"),
          "Sites semblables aux sites équipés, suivis pendant la même période mais sans la technologie : ils "
          "montrent ce qui a changé pour tout le monde au même moment (météo, prix, consignes)."),
    Terme(("fourchette à 95\u00a0%", "intervalle de confiance"),
          "La plage où se trouve, très probablement (95 chances sur 100), le vrai effet ; plus elle est "
          "étroite, plus la mesure est précise. Si elle contient zéro, l'effet n'est pas démontré."),
    Terme(("niveau de preuve",),
          "La solidité du dispositif d'évaluation, de 1 (aucune comparaison) à 5 (sites équipés tirés au "
          "sort) : plus il est haut, plus on peut attribuer l'effet à la technologie plutôt qu'au hasard "
          "ou à un autre changement."),
    Terme(("VAN", "valeur actuelle nette"),
          "Valeur actuelle nette : ce que le projet rapporte sur toute sa durée de vie, une fois ses coûts "
          "payés, en euros d'aujourd'hui. Positive, le projet rapporte plus qu'il ne coûte."),
    Terme(("valeur carbone",),
          "Le prix que l'État donne à une tonne de CO₂ évitée (valeur de l'action pour le climat) : il "
          "s'ajoute aux économies dans le bilan socio-économique."),
    Terme(("FEDER",),
          "Fonds européen de développement régional : la subvention européenne gérée par la Région qui "
          "finance les expérimentations."),
    Terme(("GTB", "gestion technique du bâtiment"),
          "Gestion technique du bâtiment : un système qui pilote à distance le chauffage, la ventilation ou "
          "l'éclairage d'un bâtiment selon des horaires et des capteurs."),
    Terme(("intermittence",),
          "Baisser le chauffage quand le bâtiment est vide (nuits, week-ends, vacances) et le relancer avant "
          "le retour des occupants."),
    Terme(("prélocalisateurs", "prélocalisateur"),
          "Petits capteurs acoustiques posés sur les conduites ou les vannes, qui « écoutent » le bruit d'une "
          "fuite et indiquent où la chercher."),
    Terme(("sectorisation", "compteurs de sectorisation"),
          "Découpage du réseau d'eau en secteurs munis de compteurs, pour repérer celui où l'eau se perd."),
    Terme(("télérelevés", "télérelève"),
          "Relevés à distance, automatiquement, sans passage d'un agent."),
    Terme(("levées", "levée"),
          "Vidages d'un conteneur par le camion de collecte."),
    Terme(("apport volontaire",),
          "Conteneurs de rue où les habitants déposent eux-mêmes verre ou emballages (« points d'apport "
          "volontaire »)."),
    Terme(("réseau bas débit",),
          "Réseau radio qui transmet peu de données mais de loin et à faible coût, fait pour des capteurs."),
    Terme(("apprentissage automatique",),
          "Programme qui apprend, sur les données passées, à reconnaître ce qui est habituel et ce qui ne "
          "l'est pas (une des techniques de l'intelligence artificielle)."),
)


def _motif(forme: str) -> re.Pattern:
    f = echapper(forme)  # comme le texte annoté (blocs : echapper)
    # Le texte annoté est échappé : une espace insécable peut y être écrite telle quelle ou en entité.
    f = re.escape(f).replace("\u00a0", "(?:\u00a0|&nbsp;| )").replace(r"\ ", r"[\s\u00a0]+")
    return re.compile(rf"(?<![\w&#>-])({f})(?![\w-])", re.IGNORECASE)


def annoter(texte_echappe: str, vus: list[Terme]) -> str:
    """Relie la première apparition (dans tout le cadre : ``vus`` est partagé) de chaque terme connu.

    ``texte_echappe`` est du texte déjà échappé, sans balise ; ``vus`` reçoit les termes reliés.
    """
    for terme in TERMES:
        if terme in vus:
            continue
        for forme in terme.formes:
            motif = _motif(forme)
            trouve = motif.search(texte_echappe)
            if trouve:
                debut, fin = trouve.span(1)
                texte_echappe = (texte_echappe[:debut] + f'<a class="ep-terme" href="#{terme.ancre}">'
                                 + texte_echappe[debut:fin] + "</a>" + texte_echappe[fin:])
                vus.append(terme)
                break
    return texte_echappe


def liste(vus: list[Terme]) -> str:
    """La liste repliable des définitions des termes reliés (vide si aucun)."""
    if not vus:
        return ""
    definitions = "".join(
        f'<dt id="{t.ancre}">{echapper(t.formes[0][:1].upper() + t.formes[0][1:])}</dt>'
        f"<dd>{echapper(t.definition)}</dd>"
        for t in TERMES if t in vus)
    return (f'<details class="ep-glossaire"><summary>Les mots techniques de ce résumé ({len(vus)})</summary>'
            f"<dl>{definitions}</dl></details>")
