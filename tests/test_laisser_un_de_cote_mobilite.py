"""Laisser un site de côté branché pour la mobilité (série journalière en doubles différences avec les
témoins) : le contrôle est fait, il dit quand l'effet repose sur un seul compteur témoin, et il n'altère
pas l'estimation principale."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from eprouvette import config
from eprouvette.domaines import mobilite_pilote
from eprouvette.lecture import charger_mesures
from eprouvette.pilote import charger_pilote

SOURCE = config.PILOTES / "mobilite-compteurs-velo-arras"
#: Effet vrai du pilote d'Arras sur ses deux compteurs équipés (vérité : +5 %).
EFFET_ARRAS = 1.05


def _avec_temoins(tmp_path, n_temoins: int, *, fautif_pendant: float | None = None):
    """Copie du pilote d'Arras avec ``n_temoins`` compteurs témoins : chacun suit la somme des compteurs
    équipés sans l'effet, à 60 % de son niveau, avec un bruit de comptage propre (±5 % par jour). Avec
    ``fautif_pendant``, les équipés n'ont plus d'effet et le dernier témoin est multiplié par ce facteur
    pendant l'expérimentation (un sentier cyclable fermé, par exemple)."""
    dossier = tmp_path / "mobilite-compteurs-velo-arras"
    shutil.copytree(SOURCE, dossier)
    fiche = yaml.safe_load((dossier / "pilote.yaml").read_text(encoding="utf-8"))
    debut = fiche["periodes"]["experimentation"]["debut"]
    m = pd.read_csv(dossier / "mesures.csv", sep=";", dtype={"valeur": float})
    pendant = m["date"] >= debut
    if fautif_pendant is not None:  # plus d'effet aux compteurs équipés
        m.loc[pendant, "valeur"] = np.round(m.loc[pendant, "valeur"] / EFFET_ARRAS)
    large = m.pivot(index="date", columns="site", values="valeur").dropna()
    jours_pendant = large.index >= debut
    base = large.sum(axis=1) * (np.where(jours_pendant, 1 / EFFET_ARRAS, 1.0) if fautif_pendant is None else 1.0)
    rng = np.random.default_rng(17)
    lignes = []
    for k in range(n_temoins):
        ident = f"compteur-temoin-{k + 1}"
        fiche["sites"].append({"identifiant": ident, "nom": f"Compteur témoin {k + 1}", "role": "temoin",
                               "code_insee": "62041", "description": "Compteur témoin (données simulées)."})
        serie = 0.6 * base * np.exp(rng.normal(0, 0.05, len(base)))
        if fautif_pendant is not None and k == n_temoins - 1:
            serie = serie * np.where(jours_pendant, fautif_pendant, 1.0)
        lignes.append(pd.DataFrame({"date": large.index, "site": ident, "indicateur": "passages_velo",
                                    "valeur": np.round(serie.to_numpy())}))
    (dossier / "pilote.yaml").write_text(yaml.safe_dump(fiche, allow_unicode=True, sort_keys=False), encoding="utf-8")
    pd.concat([m, *lignes]).to_csv(dossier / "mesures.csv", sep=";", index=False)
    pilote = charger_pilote(dossier)
    return pilote, charger_mesures(pilote)


def _controle(resultat):
    v = [x for x in resultat.verifications if x.nom == "laisser_un_de_cote"]
    assert len(v) == 1, [x.nom for x in resultat.verifications]
    return v[0], resultat.details["estimations_sans_chaque_site"]


@pytest.mark.lent
def test_mobilite_aucun_compteur_ne_porte_l_effet(tmp_path):
    """Arras (+5 % aux deux compteurs équipés) face à 3 témoins : sans chacun des 5 compteurs, l'effet
    reste établi à la hausse, voisin de +5 % ; l'estimation principale est celle sans le contrôle."""
    pilote, mesures = _avec_temoins(tmp_path, 3)
    r = mobilite_pilote.evaluer_pilote(pilote, mesures, None)
    assert r.details["plan"] == "doubles_differences_temoins" and r.significatif
    assert r.effet_relatif == pytest.approx(0.05, abs=0.02)
    v, t = _controle(r)
    assert v.statut == "reussie" and "aucun site en particulier" in v.phrase
    assert list(t["Rôle"]) == ["témoin"] * 3 + ["équipé"] * 2
    assert set(t["Site retiré"]) == {s.nom for s in pilote.sites}
    assert (t["Conclusion"] == "hausse établie").all()
    assert (t["Effet relatif"] - r.effet_relatif).abs().max() < 0.03
    # Sans un compteur équipé, le cumul de passages gagnés est celui de l'autre seul : plus petit.
    assert (t.loc[t["Rôle"] == "équipé", "Effet"] < r.effet).all()
    seul = mobilite_pilote.evaluer_pilote(pilote, mesures, None, controles=False)
    assert (seul.effet, seul.ic_bas, seul.ic_haut) == (r.effet, r.ic_bas, r.ic_haut)
    assert "laisser_un_de_cote" not in [x.nom for x in seul.verifications]


@pytest.mark.lent
def test_mobilite_effet_porte_par_un_seul_temoin(tmp_path):
    """Sans effet aux compteurs équipés, mais un des 3 témoins perd 40 % de ses passages pendant
    l'expérimentation : le rapport aux témoins fait croire à une hausse, que le contrôle attribue à ce
    seul témoin, en le nommant."""
    pilote, mesures = _avec_temoins(tmp_path, 3, fautif_pendant=0.6)
    r = mobilite_pilote.evaluer_pilote(pilote, mesures, None)
    assert r.significatif and r.effet > 0  # l'estimation complète conclut (à tort) à une hausse
    v, t = _controle(r)
    fautif = pilote.sites_temoins[-1]
    assert v.statut == "attention"
    assert v.phrase.startswith(f"L'effet repose sur un seul site témoin : sans « {fautif.nom} », il n'est plus établi")
    assert t.set_index("Site retiré").loc[fautif.nom, "Conclusion"] == "non établi"
    assert (t[t["Site retiré"] != fautif.nom]["Conclusion"] == "hausse établie").all()


def test_mobilite_un_seul_temoin_controle_sans_objet(tmp_path):
    pilote, mesures = _avec_temoins(tmp_path, 1)
    r = mobilite_pilote.evaluer_pilote(pilote, mesures, None)
    assert "laisser_un_de_cote" not in [x.nom for x in r.verifications]
    assert any("Un seul site témoin" in lim for lim in r.limites)
