"""Laisser un site de côté branché pour l'eau (secteurs sommés par groupe, r = Σ E / Σ T refait) et le
tourisme (série journalière comparative aux témoins) : le contrôle est fait, il dit quand l'effet repose
sur un seul secteur (ou site) témoin, et il n'altère pas l'estimation principale."""

from __future__ import annotations

import pandas as pd
import pytest

from eprouvette import config
from eprouvette.domaines import eau_pilote, tourisme_pilote
from eprouvette.lecture import charger_mesures
from eprouvette.pilote import charger_pilote


def _charger(identifiant: str):
    pilote = charger_pilote(config.PILOTES / identifiant)
    return pilote, charger_mesures(pilote)


def _controle(resultat):
    v = [x for x in resultat.verifications if x.nom == "laisser_un_de_cote"]
    assert len(v) == 1, [x.nom for x in resultat.verifications]
    return v[0], resultat.details["estimations_sans_chaque_site"]


def _pendant(pilote, mesures: pd.DataFrame, site: str) -> pd.Series:
    """Lignes d'un site pendant l'expérimentation."""
    e0 = pd.Timestamp(pilote.periode_experimentation.debut)
    return (mesures["site"] == site) & (pd.to_datetime(mesures["date"]) >= e0)


# --- Eau --------------------------------------------------------------------------------------------


def test_eau_aucun_secteur_ne_porte_l_effet_et_effets_relatifs_coherents():
    """Amiens : −35 % des fuites de chacun des trois secteurs équipés. Sans chaque secteur (témoin ou
    équipé), l'effet reste une baisse établie, et son effet relatif reste celui du pilote : l'usage
    nocturne légitime du secteur retiré est retiré de son groupe (sans cela, les pertes du groupe
    réduit seraient sous-estimées et l'effet relatif gonflé de plusieurs points)."""
    pilote, mesures = _charger("eau-sectorisation-amiens")
    r = eau_pilote.evaluer_pilote(pilote, mesures, None)
    v, t = _controle(r)
    assert v.statut == "reussie" and "aucun secteur en particulier" in v.phrase
    assert list(t["Rôle"]) == ["témoin"] * 3 + ["équipé"] * 3
    assert set(t["Site retiré"]) == {s.nom for s in pilote.sites}
    assert (t["Conclusion"] == "baisse établie").all()
    assert (t["Effet relatif"] - r.effet_relatif).abs().max() < 0.01
    # Sans un secteur équipé, l'effet en m³/j est celui des deux autres : plus petit, pas le même.
    assert (t.loc[t["Rôle"] == "équipé", "Effet"] > r.effet).all()


def test_eau_effet_porte_par_un_seul_secteur_temoin():
    """Douai n'a aucun effet ; on fait monter de 40 % le débit nocturne d'un seul secteur témoin pendant
    l'expérimentation (une grosse fuite non réparée) : les équipés paraissent baisser face aux témoins,
    mais sans ce témoin l'effet n'est plus établi, et le contrôle le dit en nommant le secteur."""
    from dataclasses import replace

    pilote, mesures = _charger("eau-alertes-ia-douai")
    # Quatre des vingt témoins seulement : avec vingt, l'estimation principale est celle des doubles
    # différences synthétiques ; ce test porte sur les doubles différences sur les sommes des secteurs.
    gardes = {s.identifiant for s in pilote.sites_temoins[:4]}
    import yaml

    abonnes = {s["site"]: s["abonnes"] for s in yaml.safe_load(
        (pilote.dossier / "verite.yaml").read_text(encoding="utf-8"))["sites"]}
    pilote = replace(pilote, sites=tuple(s for s in pilote.sites if s.experimental or s.identifiant in gardes),
                     caracteristiques={**pilote.caracteristiques,
                                       "abonnes_secteurs_temoins": sum(abonnes[g] for g in gardes)})
    fautif = pilote.sites_temoins[2]
    m = mesures.copy()
    ligne = _pendant(pilote, m, fautif.identifiant)
    m.loc[ligne, "valeur"] = m.loc[ligne, "valeur"] * 1.4
    r = eau_pilote.evaluer_pilote(pilote, m, None)
    assert r.significatif and r.effet < 0  # l'estimation complète conclut (à tort) à une baisse
    v, t = _controle(r)
    assert v.statut == "attention"
    assert v.phrase.startswith(f"L'effet repose sur un seul secteur témoin : sans « {fautif.nom} », "
                               "il n'est plus établi")
    sans = t.set_index("Site retiré").loc[fautif.nom]
    assert sans["Conclusion"] == "non établi" and sans["Borne basse (95\u00a0%)"] < 0 < sans["Borne haute (95\u00a0%)"]
    assert (t.drop(t.index[t["Site retiré"] == fautif.nom])["Conclusion"] == "baisse établie").all()


def test_eau_un_seul_temoin_controle_sans_objet(tmp_path):
    pilote, mesures = _charger("eau-sectorisation-amiens")
    from dataclasses import replace

    garde = pilote.sites_temoins[0].identifiant
    un = replace(pilote, sites=tuple(s for s in pilote.sites if s.experimental or s.identifiant == garde))
    r = eau_pilote.evaluer_pilote(un, mesures, None)
    assert "laisser_un_de_cote" not in [x.nom for x in r.verifications]
    assert any("Un seul secteur témoin" in lim for lim in r.limites)


# --- Tourisme ---------------------------------------------------------------------------------------


@pytest.mark.lent
def test_tourisme_controle_fait_et_reussi():
    """Baie de Somme : l'effet (+12 %) touche les trois sites équipés ; sans chacun des six sites,
    il reste établi à la hausse, avec un effet relatif voisin."""
    pilote, mesures = _charger("tourisme-guidage-baie-de-somme")
    r = tourisme_pilote.evaluer_pilote(pilote, mesures, None)
    v, t = _controle(r)
    assert v.statut == "reussie" and "aucun site en particulier" in v.phrase
    assert len(t) == 6 and (t["Conclusion"] == "hausse établie").all()
    assert (t["Effet relatif"] - r.effet_relatif).abs().max() < 0.02


@pytest.mark.lent
def test_tourisme_effet_porte_par_un_seul_site_temoin():
    """Baie de Somme sans son effet (visiteurs des sites équipés ramenés au niveau sans dispositif) et un
    seul témoin qui perd la moitié de ses visiteurs pendant l'expérimentation (sentier fermé) : le
    rapport aux témoins fait croire à une hausse, que le contrôle attribue à ce seul témoin."""
    pilote, mesures = _charger("tourisme-guidage-baie-de-somme")
    m = mesures.copy()
    for s in pilote.sites_experimentaux:
        ligne = _pendant(pilote, m, s.identifiant)
        m.loc[ligne, "valeur"] = (m.loc[ligne, "valeur"] / 1.12).round()
    fautif = pilote.sites_temoins[1]
    ligne = _pendant(pilote, m, fautif.identifiant)
    m.loc[ligne, "valeur"] = (m.loc[ligne, "valeur"] * 0.5).round()
    r = tourisme_pilote.evaluer_pilote(pilote, m, None)
    assert r.significatif and r.effet > 0
    v, t = _controle(r)
    assert v.statut == "attention"
    assert v.phrase.startswith(f"L'effet repose sur un seul site témoin : sans « {fautif.nom} », il n'est plus établi")
    assert t.set_index("Site retiré").loc[fautif.nom, "Conclusion"] == "non établi"
