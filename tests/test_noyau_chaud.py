"""Noyaux tirés d'un modèle chargé (``eprouvette.rapports.noyau_chaud``) : rapides, mais isolés.

Deux pilotes construits l'un après l'autre par le même processus de construction (``-j 1``) : le
carnet du premier change une variable d'environnement, un attribut de module et une variable globale
du module ``eprouvette.config`` ; le second n'en voit rien. Les deux noyaux sont bien des copies du
même modèle (même parent), ce qui montre que le chemin « chaud » est celui qui a servi. Un noyau
tué en plein calcul fait échouer son pilote seul, avec le message français habituel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from eprouvette import config

pytestmark = pytest.mark.lent

MOBILITE = "mobilite-feux-bus-amiens"

ESPION = """
import json, os, pathlib
import eprouvette.config as _config
import eprouvette.francais as _francais
_vu = {"env": os.environ.get("EPROUVETTE_TEST_FUITE"), "attribut": getattr(_config, "FUITE", None),
       "module": _francais.__dict__.get("FUITE"), "pilote": dossier_pilote, "pid": os.getpid(),
       "parent": os.getppid(),
       "commande_parent": pathlib.Path(f"/proc/{os.getppid()}/cmdline").read_bytes().decode(errors="replace")}
pathlib.Path(os.environ["EPROUVETTE_TEST_SORTIE"], f"{os.getpid()}.json").write_text(json.dumps(_vu))
os.environ["EPROUVETTE_TEST_FUITE"] = "oui"
_config.FUITE = "oui"
_francais.FUITE = "oui"
"""

SUICIDE = """
import os, signal, pathlib
if pathlib.Path(dossier_pilote).name.endswith("-tue"):
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _lot(tmp_path, code: str, identifiants: list[str], env_en_plus: dict | None = None, processus: int = 1):
    if not (config.PILOTES / MOBILITE / "pilote.yaml").is_file():
        pytest.skip(f"pilote d'exemple absent : {MOBILITE}")
    carnets = tmp_path / "notebooks"
    shutil.copytree(config.NOTEBOOKS, carnets, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    nb = nbformat.read(carnets / "mobilite.ipynb", as_version=4)
    i = next(k for k, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", []))
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell(code))
    nbformat.write(nb, carnets / "mobilite.ipynb")
    pilotes = tmp_path / "pilotes"
    for ident in identifiants:
        shutil.copytree(config.PILOTES / MOBILITE, pilotes / ident)
        fiche = pilotes / ident / "pilote.yaml"
        fiche.write_text(fiche.read_text(encoding="utf-8").replace(MOBILITE, ident, 1), encoding="utf-8")
    sortie = tmp_path / "vu"
    sortie.mkdir()
    rapports = tmp_path / "rapports"
    env = {k: v for k, v in os.environ.items() if k not in ("EPROUVETTE_NOYAU_FROID", "EPROUVETTE_TEST_FUITE")}
    env.update(EPROUVETTE_PILOTES=str(pilotes), EPROUVETTE_RAPPORTS=str(rapports),
               EPROUVETTE_NOTEBOOKS=str(carnets), EPROUVETTE_TEST_SORTIE=str(sortie), **(env_en_plus or {}))
    fin = subprocess.run([sys.executable, "-m", "eprouvette", "rapports", "-j", str(processus), "-q"], capture_output=True,
                         text=True, env=env, cwd=config.RACINE, timeout=600)
    index = json.loads((rapports / "index.json").read_text(encoding="utf-8"))
    return fin, {e["identifiant"]: e for e in index}, [json.loads(f.read_text()) for f in sortie.glob("*.json")]


def test_deux_pilotes_du_meme_processus_ne_partagent_rien_et_un_noyau_tue_n_arrete_que_le_sien(tmp_path):
    fin, etats, vus = _lot(tmp_path, ESPION + SUICIDE, ["mobilite-a", "mobilite-b", "mobilite-c-tue"])
    assert fin.returncode == 1, fin.stdout + fin.stderr
    assert etats["mobilite-a"]["statut"] == etats["mobilite-b"]["statut"] == "reussi", etats
    assert etats["mobilite-c-tue"]["statut"] == "echec"
    assert etats["mobilite-c-tue"]["message"].startswith("Le processus d'analyse du carnet s'est arrêté brutalement")
    assert "Traceback" not in fin.stdout + fin.stderr
    assert len(vus) == 3, vus
    for vu in vus:  # ce qu'un carnet précédent a changé, le suivant ne le voit pas
        assert vu["env"] is None and vu["attribut"] is None and vu["module"] is None, vu
    assert len({vu["pid"] for vu in vus}) == 3  # un processus neuf par carnet
    # … copies du même modèle déjà chargé (le noyau tué n'a pas emporté le modèle) : le chemin chaud a servi.
    assert len({vu["parent"] for vu in vus}) == 1
    assert all("eprouvette.rapports.noyau_chaud" in vu["commande_parent"] for vu in vus), vus


def test_pool_de_deux_processus_un_seul_modele_partage_et_rien_de_partage(tmp_path):
    """Pool local de deux processus (``-j 2``) : tous les noyaux sont des copies du même modèle, le modèle
    partagé du lanceur (prise Unix ``--prise``), et non un modèle par processus du pool ; ce qu'un carnet
    change, aucun autre ne le voit ; un noyau tué ne fait échouer que son pilote."""
    idents = ["mobilite-a", "mobilite-b", "mobilite-c", "mobilite-d-tue"]
    fin, etats, vus = _lot(tmp_path, ESPION + SUICIDE, idents, processus=2)
    assert fin.returncode == 1, fin.stdout + fin.stderr
    assert all(etats[i]["statut"] == "reussi" for i in idents[:3]), etats
    assert etats["mobilite-d-tue"]["statut"] == "echec", etats
    assert "Traceback" not in fin.stdout + fin.stderr
    assert len(vus) == 4, vus
    for vu in vus:
        assert vu["env"] is None and vu["attribut"] is None and vu["module"] is None, vu
    assert len({vu["pid"] for vu in vus}) == 4
    assert len({vu["parent"] for vu in vus}) == 1, vus
    assert all("noyau_chaud" in vu["commande_parent"] and "--prise" in vu["commande_parent"] for vu in vus), vus


def test_a_froid_le_parent_est_le_processus_de_construction(tmp_path):
    """Témoin du test précédent : avec EPROUVETTE_NOYAU_FROID=1, chaque noyau est lancé à froid par
    le processus de construction lui-même, et l'isolation tient aussi."""
    fin, etats, vus = _lot(tmp_path, ESPION, ["mobilite-a", "mobilite-b"], {"EPROUVETTE_NOYAU_FROID": "1"})
    assert fin.returncode == 0, fin.stdout + fin.stderr
    assert len(vus) == 2 and all(vu["env"] is None and vu["attribut"] is None for vu in vus), vus
    assert not any("noyau_chaud" in vu["commande_parent"] for vu in vus), vus


def _python(code: str) -> subprocess.CompletedProcess:
    """``code`` exécuté par un Python neuf (un lanceur, un modèle), sans la validation de pydevd."""
    env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)


def test_le_modele_ne_fait_qu_importer_avant_de_se_dupliquer():
    """Après le préchargement (débogueur de ipykernel compris, que chaque noyau importerait sinon), le modèle
    n'a qu'un fil d'exécution, aucun traçage actif ni boucle d'événements : se dupliquer reste sûr."""
    code = (
        "import sys, threading, asyncio\n"
        "from eprouvette.rapports import noyau_chaud\n"
        "noyau_chaud._precharger()\n"
        "assert 'ipykernel.debugger' in sys.modules and 'pydevd' in sys.modules, 'débogueur non préchargé'\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
        "assert sys.gettrace() is None and sys.getprofile() is None\n"
        "assert asyncio.events._get_running_loop() is None\n"
        "print('ok')\n"
    )
    fin = _python(code)
    assert fin.returncode == 0 and fin.stdout.strip() == "ok", fin.stderr[-2000:]


#: Des pilotes réussis (effet relatif et son intervalle) : deux types partagés par plusieurs pilotes, un seul.
ETATS_A_COMBINER = [
    {"statut": "reussi", "identifiant": i, "resultats": {
        "titre": i, "type_pilote": t, "domaine": "energie", "codes_insee": ["60057"], "effet_relatif": e,
        "ic_relatif_bas": b, "ic_relatif_haut": h}}
    for i, t, e, b, h in [("a", "gtb", -0.10, -0.15, -0.05), ("b", "gtb", -0.06, -0.09, -0.03),
                          ("c", "gtb", -0.12, -0.20, -0.04), ("d", "lampes", 0.02, -0.01, 0.05),
                          ("e", "lampes", 0.03, 0.0, 0.06), ("f", "seul", 0.1, 0.0, 0.2)]]


def test_meta_analyses_du_portefeuille_faites_par_une_copie_du_modele_partage():
    """La page du portefeuille combine les effets des pilotes d'un même type dans une copie du modèle partagé
    (scipy et statsmodels y sont importés) : même résultat qu'en les calculant sur place, et le lanceur
    n'importe ni scipy ni statsmodels. Sans modèle partagé, le calcul est fait sur place."""
    code = (
        "import json, sys\n"
        "from eprouvette.rapports import index, noyau_chaud\n"
        f"etats = json.loads({json.dumps(ETATS_A_COMBINER)!r})\n"
        "assert noyau_chaud.calculer_dans_le_modele('meta_par_groupe', {}) is None\n"
        "with noyau_chaud.modele_partage():\n"
        "    copie = index.effets_combines(etats)\n"
        "    inconnu = noyau_chaud.calculer_dans_le_modele('inconnu', 1)\n"
        "print(json.dumps({'copie': copie, 'inconnu': inconnu, 'scipy': 'scipy' in sys.modules,\n"
        "                  'statsmodels': 'statsmodels' in sys.modules}))\n"
    )
    fin = _python(code)
    assert fin.returncode == 0, fin.stderr[-3000:]
    vu = json.loads(fin.stdout.strip().splitlines()[-1])
    assert vu["scipy"] is False and vu["statsmodels"] is False, vu
    assert vu["inconnu"] is None
    assert [c["type_pilote"] for c in vu["copie"]] == ["gtb", "lampes"] and [c["k"] for c in vu["copie"]] == [3, 2]
    # Le même calcul sur place (ce processus de test importe scipy et statsmodels) : les mêmes nombres.
    from eprouvette.rapports import index, noyau_chaud

    assert os.environ.get(noyau_chaud.VARIABLE_PARTAGE) is None
    assert index.effets_combines(ETATS_A_COMBINER) == vu["copie"]
