"""Messages d'erreur en français : lieu réel, décomptes justes, conseils exacts.

Chaque test construit son dossier ou son fichier dans un dossier temporaire.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eprouvette import config
from eprouvette.erreurs import ErreurDonnees, ErreursDonnees

PILOTE_ENERGIE = config.PILOTES / "energie-gtb-ecoles-beauvais"


def _copie_sans_site(tmp_path: Path, site: str) -> Path:
    dossier = tmp_path / PILOTE_ENERGIE.name
    shutil.copytree(PILOTE_ENERGIE, dossier)
    mesures = dossier / "mesures.csv"
    lignes = mesures.read_text(encoding="utf-8").splitlines(keepends=True)
    mesures.write_text("".join(l for l in lignes if f";{site};" not in l), encoding="utf-8")
    return dossier


def _erreur_unique(exc) -> ErreurDonnees:
    if isinstance(exc, ErreursDonnees):
        assert len(exc.erreurs) == 1, str(exc)
        return exc.erreurs[0]
    return exc


def test_temoin_sans_mesures_nomme_le_vrai_fichier_de_mesures(tmp_path, monkeypatch):
    from eprouvette.analyse import analyser_pilote

    dossier = _copie_sans_site(tmp_path, "ecole-tem-2")
    monkeypatch.chdir(tmp_path)  # comme un carnet lancé depuis un autre dossier
    with pytest.raises((ErreurDonnees, ErreursDonnees)) as info:
        analyser_pilote(dossier)
    erreur = _erreur_unique(info.value)
    message = str(erreur)
    assert Path(erreur.fichier) == dossier / "mesures.csv"
    assert "mesures.csv" in message
    assert "notebooks" not in message and not message.startswith("mesures ")
    assert "aucune mesure de « consommation_chauffage » pour le(s) site(s) ecole-tem-2." in message


def test_methode_seule_sans_fichier_dit_mesures_fournies(tmp_path, monkeypatch):
    import pandas as pd

    from eprouvette.methodes.reference_energetique import _somme_groupe

    monkeypatch.chdir(tmp_path)
    mesures = pd.DataFrame({"date": pd.to_datetime(["2023-01-01"]), "site": ["a"], "indicateur": ["x"],
                            "valeur": [1.0]})
    with pytest.raises(ErreurDonnees) as info:
        _somme_groupe(mesures, ["a", "b"], "x")
    assert str(info.value) == ("mesures fournies, colonne « site » : aucune mesure de « x » pour le(s) site(s) b. "
                               "Attendu : des mesures pour chaque site déclaré dans pilote.yaml.")
    with pytest.raises(ErreurDonnees) as info:
        _somme_groupe(mesures, ["a", "b"], "x", [tmp_path / "m1.csv", tmp_path / "m2.csv"])
    assert Path(info.value.fichier) == tmp_path / "m1.csv"
    assert "pour le(s) site(s) b (ni dans les autres fichiers de mesures : m2.csv)." in str(info.value)


def test_liste_tronquee_annonce_le_vrai_total(tmp_path):
    """500 valeurs illisibles : « 500 erreurs … les 50 premières sont détaillées », puis « … et 450 autres »."""
    from eprouvette.lecture import MAX_ERREURS, lire_tableau

    csv = tmp_path / "mesures.csv"
    csv.write_text("date;site;indicateur;valeur\n"
                   + "".join(f"2023-01-{1 + i % 28:02d};s{i};x;abc\n" for i in range(500)), encoding="utf-8")
    with pytest.raises(ErreursDonnees) as info:
        lire_tableau(csv, "mesures")
    texte = str(info.value)
    reste = 500 - MAX_ERREURS
    assert texte.startswith(f"500 erreurs dans les données ; les {MAX_ERREURS} premières sont détaillées :\n- ")
    assert texte.endswith(f"… et {reste} autres erreurs non détaillées.")
    assert info.value.total == 500 and info.value.detaillees == MAX_ERREURS


def test_liste_complete_compte_sans_troncature(tmp_path):
    erreurs = [ErreurDonnees(tmp_path / "a.csv", "un."), ErreurDonnees(tmp_path / "a.csv", "deux.")]
    assert str(ErreursDonnees(erreurs)).startswith("2 erreurs dans les données :\n- ")
    un_de_plus = erreurs + [ErreurDonnees(tmp_path / "a.csv", "… et 1 autre erreur non détaillée.")]
    assert str(ErreursDonnees(un_de_plus)).startswith("3 erreurs dans les données ; les 2 premières sont détaillées :")
