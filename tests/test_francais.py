"""La rédaction française écrite une fois (eprouvette.francais) et gardée seule par le code."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from eprouvette import francais

FINE, INSEC, MOINS = "\u202f", "\u00a0", "\u2212"
LIB = Path(__file__).resolve().parents[1] / "lib" / "eprouvette"


@pytest.mark.parametrize("n, attendu", [(0, "0 site"), (1, "1 site"), (1.5, "2 site"), (2, "2 sites"),
                                        (1234, f"1{FINE}234 sites"), (-3, f"{MOINS}3 sites")])
def test_compte_accorde_au_nombre(n, attendu):
    # 1,5 s'écrit « 2 » sans décimale, mais reste au singulier (règle : singulier sous 2).
    assert francais.compte(n, "site") == attendu


def test_accord_avec_pluriel_donne():
    assert francais.accord(3, "valeur illisible", "valeurs illisibles") == "valeurs illisibles"
    assert francais.accord(1, "valeur illisible", "valeurs illisibles") == "valeur illisible"
    assert francais.compte(2, "site-jour", "sites-jours") == "2 sites-jours"


def test_echapper():
    assert francais.echapper('<script>"a" & \'b\'</script>') == (
        "&lt;script&gt;&quot;a&quot; &amp; &#x27;b&#x27;&lt;/script&gt;")
    assert francais.echapper(None) == ""
    assert francais.echapper(12) == "12"


@pytest.mark.parametrize("valeur, attendu", [
    (-24.524186450093644, f"{MOINS}24,52"),
    (0.008482357676998172, "0,008482"),
    (0.033333333333333326, "0,03333"),
    (59.0, "59"),
    (4524, f"4{FINE}524"),
    (407877.27999999997, f"407{FINE}877"),
    (14.5, "14,5"),
    (0.0, "0"),
    (None, "n.d."),
])
def test_nombre_significatif(valeur, attendu):
    assert francais.nombre_significatif(valeur) == attendu


def test_valeur_technique():
    assert francais.valeur_technique(True) == "oui"
    assert francais.valeur_technique(False) == "non"
    assert francais.valeur_technique("regroupées") == "regroupées"
    assert francais.valeur_technique(1.0488532272454605) == "1,049"


@pytest.mark.parametrize(("valeur", "attendu"), [
    (128_531, f"129{FINE}000"),
    (-48_675.2, f"{MOINS}48{FINE}700"),
    (1_112_711, f"1{FINE}110{FINE}000"),
    (-1525.7, f"{MOINS}1{FINE}530"),
    (17.34, "17,3"),
    (9.5, "9,5"),
    (143, "143"),
    (0.9657110052390346, "0,966"),
    (999.7, f"1{FINE}000"),
    (0.0, "0"),
    (None, "n.d."),
])
def test_nombre_arrondi_trois_chiffres_significatifs(valeur, attendu):
    assert francais.nombre_arrondi(valeur) == attendu


def test_nombre_arrondi_borne_les_decimales():
    assert francais.nombre_arrondi(9.69, decimales=1) == "9,7"
    assert francais.nombre_arrondi(29.24, decimales=1) == "29,2"
    assert francais.nombre_arrondi(-0.04, decimales=1) == "0"  # un zéro arrondi n'a pas de signe
    assert francais.nombre_arrondi(1234.5, decimales=2) == f"1{FINE}230"


def test_euros_arrondis():
    assert francais.euros_arrondis(128_531) == f"129{FINE}000{INSEC}€"
    assert francais.euros_arrondis(-105_931) == f"{MOINS}106{FINE}000{INSEC}€"
    assert francais.euros_arrondis(1_234_567) == f"1,2{INSEC}M€"
    assert francais.euros_arrondis(90_000) == f"90{FINE}000{INSEC}€"
    assert francais.euros_arrondis(None) == "n.d."


def test_environ_dit_quand_un_compte_est_arrondi():
    assert francais.environ(68_623, "mesure") == f"environ 68{FINE}600 mesures"
    assert francais.environ(412, "mesure") == "412 mesures"
    assert francais.environ(1, "site") == "1 site"
    assert francais.environ(40_761, "habitant") == f"environ 40{FINE}800 habitants"


def test_intervalle_arrondi():
    assert francais.intervalle(-30_721, 68_987, "km", decimales=None) == (
        f"entre {MOINS}30{FINE}700 et 69{FINE}000{INSEC}km")


def test_phrase_effet_typographie():
    phrase = francais.phrase_effet("la consommation", "kWh", -1234.5, -2000.0, -400.0, -0.083,
                                   "Pendant l'expérimentation")
    assert phrase == (
        f"Pendant l'expérimentation, la consommation montre une baisse de 1{FINE}230{INSEC}kWh "
        f"({MOINS}8,3{INSEC}%) par rapport à ce qu'on attendait sans l'expérimentation (intervalle de "
        f"confiance à 95{INSEC}%{INSEC}: entre {MOINS}2{FINE}000 et {MOINS}400{INSEC}kWh) ; l'écart est trop net "
        "pour être dû au seul hasard.")
    assert "-" not in phrase
    nul = francais.phrase_effet("le trafic", "", 3.0, -1.0, 7.0, None, "Sur la période")
    assert nul.endswith("on ne peut pas distinguer cet écart du hasard.") and "hausse de 3 par" in nul


def _chaines(fichier: Path):
    """Les chaînes du code (hors docstrings) d'un module : (ligne, texte)."""
    source = fichier.read_text(encoding="utf-8")
    docstrings = set()
    for noeud in ast.walk(ast.parse(source)):
        if isinstance(noeud, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and noeud.body:
            premier = noeud.body[0]
            if isinstance(premier, ast.Expr) and isinstance(premier.value, ast.Constant):
                docstrings.add(premier.lineno)
    for jeton in tokenize.generate_tokens(io.StringIO(source).readline):
        if jeton.type == tokenize.STRING and jeton.start[0] not in docstrings:
            yield jeton.start[0], jeton.string


def _texte_seul(chaine: str) -> str:
    """Le texte d'une chaîne sans ses champs de f-chaîne (du code) ; vide pour une chaîne triple
    (requêtes SQL, gabarits HTML), qui n'est pas une phrase."""
    if re.match(r"[a-zA-Z]*(\'\'\'|\"\"\")", chaine):
        return ""
    while re.search(r"\{[^{}]*\}", chaine):  # champs imbriqués : {x:,.{d}f}
        chaine = re.sub(r"\{[^{}]*\}", "", chaine)
    return chaine


def _modules_hors_generateurs():
    # Les générateurs écrivent les pilotes d'exemple, qui doivent rester identiques octet pour octet.
    return [f for f in sorted(LIB.rglob("*.py")) if "generateurs" not in f.parts]


def test_aucun_pluriel_entre_parentheses_dans_les_textes():
    fautes = [f"{f.relative_to(LIB)}:{ligne} {texte[:60]}" for f in _modules_hors_generateurs()
              for ligne, texte in _chaines(f) if re.search(r"\w\((s|x|es)\)", _texte_seul(texte))]
    assert fautes == [], "écrire l'accord avec francais.compte / accord :\n" + "\n".join(fautes)


def test_pas_d_espace_ordinaire_avant_pourcent():
    fautes = [f"{f.relative_to(LIB)}:{ligne} {texte[:60]}" for f in _modules_hors_generateurs()
              for ligne, texte in _chaines(f) if re.search(r"(\d|\}) %(?![(sd])", texte)]
    assert fautes == [], "espace insécable (\\u00a0) avant « % » :\n" + "\n".join(fautes)


def test_l_echappement_html_n_est_ecrit_qu_une_fois():
    appels = []
    for f in _modules_hors_generateurs():
        for noeud in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if (isinstance(noeud, ast.Call) and isinstance(noeud.func, ast.Attribute) and noeud.func.attr == "escape"
                    and isinstance(noeud.func.value, ast.Name) and noeud.func.value.id == "html"):
                appels.append(f"{f.relative_to(LIB)}:{noeud.lineno}")
    assert [a.split(":")[0] for a in appels] == ["francais.py"], appels
