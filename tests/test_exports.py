"""Exports pour les collègues : le classeur du portefeuille (openpyxl) et les PNG des graphiques.

Le classeur est relu avec openpyxl comme l'ouvrirait l'équipe finances : une ligne par pilote,
verdicts égaux aux JSON, vrais nombres et vraies dates, formats français, en-têtes figés, filtre ;
un pilote en échec y figure avec son message. Les PNG sont comptés contre les figures plotly du
carnet exécuté, mesurés (taille de diapositive) et décodés (pixels variés, pas une image vide).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from datetime import datetime
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")

from eprouvette import config  # noqa: E402
from eprouvette.presentation.blocs import MIME_PLOTLY  # noqa: E402
from eprouvette.rapports import exports, index  # noqa: E402

FORMAT_EUROS = '#,##0"\u00a0€"'
PORTEFEUILLE = index.charger_portefeuille()


def _resultats(ident, domaine, verdict, libelle, feder, debut="2024-09-01", fin="2025-08-31", **plus):
    r = {
        "identifiant": ident, "titre": f"Pilote {ident}", "domaine": domaine, "type_pilote": "essai",
        "donnees_simulees": True, "porteur": "Ville de Saint-Quentin", "codes_insee": ["02691"],
        "periode_experimentation": [debut, fin], "periode_reference": ["2022-09-01", "2024-08-31"],
        "indicateur": "Consommation de gaz", "unite": "kWh", "effet": -115194.5, "ic_bas": -155755.2,
        "ic_haut": -74633.8, "effet_relatif": -0.0954, "ic_relatif_bas": -0.125, "ic_relatif_haut": -0.064,
        "p_valeur": 0.0001, "incertitude_valide": True, "verdict": verdict, "verdict_libelle": libelle,
        "regle_verdict": "etabli", "raison_verdict": "L'effet est net.", "version_grille": 4,
        "niveau_preuve": {"niveau": 4, "libelle": "Sites témoins comparables"},
        "cout_investissement_eur": 90000.0, "cout_fonctionnement_annuel_eur": 3600.0, "duree_vie_ans": 15,
        "feder_eur": feder, "cofinancements_eur": 36000.0, "experimentation_terminee": True, "fin_etudiee": fin,
        "economie": {"van_eur": 18987.8, "van_socio_eur": 128531.1, "cout_par_unite": 78.7, "unite_cout": "€/MWh",
                     "monte_carlo": {"van_ic95_eur": [-41176.2, 104996.1], "probabilite_van_positive": 0.7212}},
        "indicateurs_feder": [{"code": "RCO19", "valeur": 12200.0, "libelle": "Bâtiments", "unite": "m²",
                               "note": "Surface des bâtiments équipés."}],
        "criteres": [{"nom": "effet_etabli", "libelle": "Effet établi", "tenu": True, "sans_objet": False},
                     {"nom": "efficience", "libelle": "Bilan positif", "tenu": None, "sans_objet": False}],
        "rapport": f"{ident}.html",
    }
    return r | plus


MESSAGE_ECHEC = "mesures.csv, ligne 12, colonne « date » : date illisible « 31/02/2023 »."


def _ecrire_sorties(dossier: Path, etats: list[dict]) -> None:
    """Ce que laisse une construction : un <id>.json par pilote réussi et index.json."""
    dossier.mkdir(parents=True, exist_ok=True)
    for e in etats:
        if e["statut"] == "reussi":
            (dossier / f"{e['identifiant']}.json").write_text(json.dumps(e["resultats"], ensure_ascii=False),
                                                             encoding="utf-8")
    resume = [{k: e.get(k) for k in ("identifiant", "statut", "message", "titre", "domaine")}
              | {"resultats": e.get("resultats")} for e in etats]
    (dossier / "index.json").write_text(json.dumps(resume, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def sorties(tmp_path):
    etats = [
        {"identifiant": "a-energie", "statut": "reussi", "resultats": _resultats(
            "a-energie", "energie", "generaliser", "Généraliser", 54000.0)},
        {"identifiant": "b-eau", "statut": "reussi", "resultats": _resultats(
            "b-eau", "eau", "etendre", "Étendre l'expérimentation", 81000.0, debut="2024-03-01",
            unite="m³/j", effet=-3.5, ic_bas=-5.0, ic_haut=-2.0, economie=None, indicateurs_feder=[])},
        # Un titre hostile : une formule pour Excel et un caractère de contrôle (illégal en XML).
        {"identifiant": "c-hostile", "statut": "reussi", "resultats": _resultats(
            "c-hostile", "energie", "ajuster", "Ajuster puis réévaluer", 10000.0,
            titre='=HYPERLINK("http://exemple.invalid","clic")\x07', porteur="+33 Porteur")},
        {"identifiant": "d-en-panne", "statut": "echec", "titre": "Pilote en panne", "domaine": "dechets",
         "message": MESSAGE_ECHEC, "resultats": None},
    ]
    dossier = tmp_path / "rapports"
    _ecrire_sorties(dossier, etats)
    return dossier, etats


def _lignes(ws) -> list[dict]:
    entetes = [c.value for c in ws[1]]
    return [dict(zip(entetes, ligne)) for ligne in ws.iter_rows(min_row=2)]


def test_classeur_une_ligne_par_pilote_et_ses_formats(sorties):
    dossier, etats = sorties
    chemin = exports.ecrire_classeur(dossier)
    assert chemin == dossier / "portefeuille.xlsx"
    wb = openpyxl.load_workbook(chemin)
    assert wb.sheetnames[0] == "Pilotes" and wb.sheetnames[-3:] == ["Indicateurs FEDER", "Enveloppe", "À lire"]
    assert {"Énergie des bâtiments publics", "Eau"} <= set(wb.sheetnames)
    ws = wb["Pilotes"]
    lignes = _lignes(ws)
    assert [l["Identifiant"].value for l in lignes] == ["a-energie", "b-eau", "c-hostile", "d-en-panne"]
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(row=1, column=ws.max_column).column_letter}5"
    assert all(ws.column_dimensions[c].width >= 10 for c in ("A", "B", "C", "G"))
    assert ws["A1"].font.bold

    a = lignes[0]
    assert a["Verdict"].value == "Généraliser" and a["Règle de la grille"].value == "etabli"
    assert a["Domaine"].value == "Énergie des bâtiments publics"
    assert a["Communes"].value == "Saint-Quentin (02691)"
    # De vrais nombres, avec les formats que l'équipe finances attend.
    for entete, valeur in (("FEDER", 54000.0), ("Investissement", 90000.0), ("VAN financière", 18987.8),
                           ("Cofinancements", 36000.0)):
        assert a[entete].data_type == "n" and a[entete].value == pytest.approx(valeur), entete
        assert a[entete].number_format == FORMAT_EUROS, entete
    assert a["Taux FEDER"].value == pytest.approx(54000 / 90000) and a["Taux FEDER"].number_format == '0.0"\u00a0"%'
    assert a["Effet relatif"].value == pytest.approx(-0.0954) and a["Effet relatif"].number_format == '0.0"\u00a0"%'
    assert a["Effet"].value == pytest.approx(-115194.5) and a["Effet"].number_format == '#,##0"\u00a0kWh"'
    assert a["Effet : IC 95\u00a0% bas"].number_format == '#,##0"\u00a0kWh"'
    assert a["Coût par unité évitée"].number_format == '#,##0.0"\u00a0€/MWh"'
    assert a["Niveau de preuve"].value == 4 and a["Année d'engagement FEDER"].value == 2024
    assert a["VAN financière : IC 95\u00a0% bas"].value == pytest.approx(-41176.2)
    fin = a["Fin de l'expérimentation"]
    assert isinstance(fin.value, datetime) and fin.value.date().isoformat() == "2025-08-31"
    assert fin.number_format == "dd/mm/yyyy" and a["Fin étudiée"].value == fin.value
    assert a["Données simulées"].value == "Oui"
    assert a["Rapport"].hyperlink.target == "a-energie.html"
    rco19 = next(k for k in a if k.startswith("RCO19 "))
    assert a[rco19].value == pytest.approx(12200.0) and a[rco19].data_type == "n"
    # Petit effet : des décimales, et son unité.
    assert lignes[1]["Effet"].number_format == '#,##0.00"\u00a0m³/j"'
    assert lignes[1]["VAN financière"].value is None  # économie non chiffrée : cellule vide, pas « — »

    # Titre hostile : du texte, jamais une formule ; le caractère de contrôle est retiré.
    c = lignes[2]
    assert c["Pilote"].data_type == "s" and c["Pilote"].value.startswith("=HYPERLINK(")
    assert "\x07" not in c["Pilote"].value
    assert c["Porteur"].data_type == "s"

    # Le pilote en échec figure, avec son message.
    d = lignes[3]
    assert d["Verdict"].value == "Échec de construction"
    assert d["Message"].value == MESSAGE_ECHEC
    assert d["Pilote"].value == "Pilote en panne" and d["Domaine"].value == "Déchets"
    assert d["FEDER"].value is None and d["Effet"].value is None


def test_feuilles_domaine_enveloppe_a_lire(sorties):
    dossier, etats = sorties
    wb = openpyxl.load_workbook(exports.ecrire_classeur(dossier))
    energie = _lignes(wb["Énergie des bâtiments publics"])
    assert [l["Identifiant"].value for l in energie] == ["a-energie", "c-hostile"]
    assert energie[0]["Critère : Effet établi"].value == "Oui"
    assert energie[0]["Critère : Bilan positif"].value == "Non évalué"
    feder = _lignes(wb["Indicateurs FEDER"])
    assert [(l["Identifiant"].value, l["Code"].value) for l in feder] == [("a-energie", "RCO19"), ("c-hostile", "RCO19")]
    assert feder[0]["Comment la valeur est obtenue"].value == "Surface des bâtiments équipés."

    # L'enveloppe : mêmes chiffres que la page d'accueil (index.tableau_enveloppe), en euros.
    attendu = index.tableau_enveloppe(exports.lire_etats(dossier), PORTEFEUILLE)
    ws = wb["Enveloppe"]
    assert [c.value for c in ws[1]] == ["Domaine", *attendu["annees"], "Total"]
    par_domaine = {ligne[0].value: ligne for ligne in ws.iter_rows(min_row=2, max_row=1 + len(attendu["domaines"]))}
    ligne = par_domaine["Énergie des bâtiments publics"]
    for j, annee in enumerate(attendu["annees"], start=1):
        assert ligne[j].value == pytest.approx(attendu["montants"]["energie"][annee])
        assert ligne[j].number_format == FORMAT_EUROS
    resume = {r[0].value: r[1].value for r in ws.iter_rows(min_row=1) if r[0].value and len(r) > 1}
    assert resume["Engagé par les pilotes évalués"] == pytest.approx(54000 + 81000 + 10000)
    assert resume["Reste à engager"] == pytest.approx(PORTEFEUILLE["montant_eur"] - 145000)

    # « À lire » : la source, la version, et le sens de chaque colonne de chaque feuille.
    lire = wb["À lire"]
    textes = {r[0].value: r[1].value for r in lire.iter_rows() if r[0].value}
    assert "index.json" in textes["Source"] and textes["Version"].startswith("Éprouvette ")
    assert textes["Données simulées"].startswith("3 pilotes sur 4 sont des exemples fictifs")
    documentees = {(r[0].value, r[1].value) for r in lire.iter_rows() if r[2].value}
    for nom in ("Pilotes", "Énergie des bâtiments publics"):
        for entete in (c.value for c in wb[nom][1]):
            assert (nom, entete) in documentees, (nom, entete)


def test_apres_index_ecrit_atomiquement_et_un_echec_avertit(sorties, monkeypatch, capsys):
    dossier, _ = sorties
    monkeypatch.setattr(config, "RAPPORTS", dossier)
    exports.apres_index()
    cible = dossier / "portefeuille.xlsx"
    assert cible.is_file()
    avant = cible.stat().st_mtime_ns
    exports.apres_index()  # index inchangé : le classeur n'est pas refait
    assert cible.stat().st_mtime_ns == avant

    def panne(*a, **k):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(exports, "construire_classeur", panne)
    os.utime(dossier / "index.json", ns=(avant + 10**9, avant + 10**9))  # un nouvel index
    exports.apres_index()  # ne lève pas
    err = capsys.readouterr().err
    assert "Attention : le classeur" in err and "disque plein" in err and "make exports" in err
    # L'ancien classeur (chiffres périmés) est retiré ; aucun fichier temporaire n'est laissé.
    assert not cible.exists()
    assert not [p.name for p in dossier.iterdir() if p.name.endswith(".tmp")]


def test_aucun_png_perime_ne_reste(sorties, monkeypatch):
    """Au nouvel index : PNG d'un pilote en échec, disparu, ou dont le rapport a changé, retirés."""
    dossier, _ = sorties
    monkeypatch.setattr(config, "RAPPORTS", dossier)
    (dossier / "a-energie.html").write_text("<html>rapport A</html>", encoding="utf-8")
    (dossier / "b-eau.html").write_text("<html>rapport B</html>", encoding="utf-8")
    figures = dossier / "figures"
    for ident in ("a-energie", "b-eau", "d-en-panne", "zz-disparu"):
        (figures / ident).mkdir(parents=True)
        (figures / ident / "01-graphique.png").write_bytes(b"\x89PNG")
    a_jour = exports._empreinte(dossier / "a-energie.html", 960, 540, 5 / 3)
    (figures / "a-energie" / exports.TEMOIN).write_text(json.dumps(a_jour), encoding="utf-8")
    perime = exports._empreinte(dossier / "a-energie.html", 960, 540, 5 / 3)  # l'empreinte d'un autre rapport
    (figures / "b-eau" / exports.TEMOIN).write_text(json.dumps(perime), encoding="utf-8")
    exports.apres_index()
    assert sorted(p.name for p in figures.iterdir()) == ["a-energie"]
    assert (figures / "a-energie" / "01-graphique.png").is_file()


def test_lanceur_ecrit_le_classeur_meme_avec_un_pilote_en_echec(tmp_path, monkeypatch):
    """Le vrai lanceur : un pilote dont pilote.yaml est illisible échoue avant tout carnet ; le classeur
    est écrit après l'index et porte son message, identique à celui de index.json."""
    from eprouvette.rapports.executer import construire_tout

    pilotes = tmp_path / "pilotes"
    (pilotes / "energie-illisible").mkdir(parents=True)
    (pilotes / "energie-illisible" / "pilote.yaml").write_text("identifiant: [\n", encoding="utf-8")
    rapports = tmp_path / "rapports"
    monkeypatch.setattr(config, "RAPPORTS", rapports)
    import io

    sortie = io.StringIO()
    assert construire_tout(pilotes=pilotes, travailleurs=1, sortie=sortie) == 1
    index_json = json.loads((rapports / "index.json").read_text(encoding="utf-8"))
    ws = openpyxl.load_workbook(rapports / "portefeuille.xlsx")["Pilotes"]
    (ligne,) = _lignes(ws)
    assert ligne["Identifiant"].value == "energie-illisible"
    assert ligne["Verdict"].value == "Échec de construction"
    assert ligne["Message"].value == index_json[0]["message"] and ligne["Message"].value
    assert "Attention" not in sortie.getvalue()


def test_nom_de_fichier_parlant():
    assert exports.nom_fichier(1, "En un coup d'œil : mesuré et estimé") == "01-en-un-coup-d-oeil-mesure-et-estime.png"
    assert exports.nom_fichier(12, "Consommation mensuelle") == "12-consommation-mensuelle.png"
    assert exports.nom_fichier(3, "") == "03-graphique.png"
    long = exports.nom_fichier(2, "Débit minimum nocturne " * 10)
    tronque, complet = long[3:-4], "-".join(["debit-minimum-nocturne"] * 10)
    assert len(long) <= 90 and complet.startswith(tronque) and complet[len(tronque)] == "-"  # coupé entre deux mots


def _commande(dossier: Path, *args: str, **env) -> subprocess.CompletedProcess:
    environ = dict(os.environ, EPROUVETTE_RAPPORTS=str(dossier), **env)
    return subprocess.run([sys.executable, "-m", "eprouvette.rapports.exports", *args], capture_output=True,
                          text=True, env=environ, cwd=config.RACINE, timeout=300)


def test_commande_classeur_et_sans_chromium(sorties):
    dossier, _ = sorties
    r = _commande(dossier, "--classeur")
    assert r.returncode == 0, r.stderr
    assert "portefeuille.xlsx écrit" in r.stdout and (dossier / "portefeuille.xlsx").is_file()
    (dossier / "a-energie.html").write_text("<!DOCTYPE html><html lang=fr></html>", encoding="utf-8")
    r = _commande(dossier, "--figures", EPROUVETTE_CHROMIUM=str(dossier / "pas-de-chromium"))
    assert r.returncode == 1
    assert "Chromium est introuvable" in r.stderr and "make navigateur" in r.stderr
    assert "Traceback" not in r.stderr
    r = _commande(dossier, "--figures", "a-energi")
    assert r.returncode == 1 and "pilote inconnu dans rapports/index.json : a-energi ; pilotes connus : " \
        "a-energie, b-eau, c-hostile, d-en-panne." in r.stderr, r.stderr
    r = _commande(dossier / "vide", "--classeur")
    assert r.returncode == 1 and "lancez d'abord `make rapports`" in r.stderr


# --------------------------------------------------------------------------------------------
# Sur les pilotes d'exemple (construits une fois par session : fixture ``portefeuille``)
# --------------------------------------------------------------------------------------------


@pytest.mark.lent
def test_classeur_des_exemples(portefeuille):
    rapports = portefeuille["rapports"]
    assert portefeuille["sortie"].returncode == 0, portefeuille["sortie"].stdout + portefeuille["sortie"].stderr
    # Écrit par le lanceur lui-même, après l'index.
    wb = openpyxl.load_workbook(rapports / "portefeuille.xlsx")
    lignes = {l["Identifiant"].value: l for l in _lignes(wb["Pilotes"])}
    assert sorted(lignes) == sorted(d.name for d in portefeuille["exemples"])
    for ident, l in lignes.items():
        r = json.loads((rapports / f"{ident}.json").read_text(encoding="utf-8"))
        assert l["Verdict"].value == r["verdict_libelle"], ident
        assert l["Règle de la grille"].value == r["regle_verdict"], ident
        assert l["Effet"].value == pytest.approx(r["effet"]) and l["Effet"].data_type == "n"
        assert l["FEDER"].value == pytest.approx(r["feder_eur"]) and l["FEDER"].number_format == FORMAT_EUROS
        assert l["Données simulées"].value == ("Oui" if r["donnees_simulees"] else "Non")
        if (r.get("economie") or {}).get("van_socio_eur") is not None:
            assert l["VAN socio-économique"].value == pytest.approx(r["economie"]["van_socio_eur"])
        for i in r["indicateurs_feder"]:
            entete = next(k for k in l if k.startswith(f"{i['code']} "))
            assert l[entete].value == (None if i["valeur"] is None else pytest.approx(i["valeur"])), (ident, entete)


def _pixels_png(donnees: bytes):
    """Décode un PNG 8 bits RGB ou RGBA non entrelacé : (largeur, hauteur, tableau hauteur × largeur × canaux)."""
    import numpy as np

    assert donnees[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, entete = 8, b"", None
    while pos < len(donnees):
        (n,) = struct.unpack(">I", donnees[pos:pos + 4])
        genre, corps = donnees[pos + 4:pos + 8], donnees[pos + 8:pos + 8 + n]
        if genre == b"IHDR":
            entete = struct.unpack(">IIBBBBB", corps)
        elif genre == b"IDAT":
            idat += corps
        pos += 12 + n
    largeur, hauteur, profondeur, couleur, _, _, entrelace = entete
    assert profondeur == 8 and couleur in (2, 6) and entrelace == 0, entete
    canaux = 3 if couleur == 2 else 4
    brut = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(hauteur, largeur * canaux + 1)
    image = np.zeros((hauteur, largeur * canaux), dtype=np.int64)
    prec = np.zeros(largeur * canaux, dtype=np.int64)
    for y in range(hauteur):
        filtre, ligne = int(brut[y, 0]), brut[y, 1:].astype(np.int64)
        if filtre == 1:  # Sub : somme cumulée par canal
            ligne = np.cumsum(ligne.reshape(largeur, canaux), axis=0).reshape(-1) % 256
        elif filtre == 2:  # Up
            ligne = (ligne + prec) % 256
        elif filtre in (3, 4):  # Average, Paeth : octet par octet
            ligne = ligne.copy()
            for i in range(ligne.size):
                a = ligne[i - canaux] if i >= canaux else 0
                b, c = prec[i], (prec[i - canaux] if i >= canaux else 0)
                if filtre == 3:
                    ligne[i] = (ligne[i] + (a + b) // 2) % 256
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    ligne[i] = (ligne[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) % 256
        image[y], prec = ligne, ligne
    return largeur, hauteur, image.reshape(hauteur, largeur, canaux).astype(np.uint8)


@pytest.mark.lent
def test_un_png_par_graphique_d_un_exemple(portefeuille, tmp_path):
    import numpy as np
    from navigateur import exiger_chromium

    exiger_chromium()
    ident = "energie-gtb-ecoles-saint-quentin"
    source = portefeuille["rapports"]
    dossier = tmp_path / "rapports"
    dossier.mkdir()
    for nom in ("index.json", f"{ident}.json", f"{ident}.html"):
        shutil.copy2(source / nom, dossier / nom)
    carnet = json.loads((source / "carnets" / f"{ident}.ipynb").read_text(encoding="utf-8"))
    n_figures = sum(1 for c in carnet["cells"] for s in c.get("outputs", []) if MIME_PLOTLY in s.get("data", {}))
    assert n_figures >= 3

    r = _commande(dossier, "--figures", ident)
    assert r.returncode == 0, r.stdout + r.stderr
    pngs = sorted((dossier / "figures" / ident).glob("*.png"))
    assert len(pngs) == n_figures, [p.name for p in pngs]
    assert [p.name[:3] for p in pngs] == [f"{i:02d}-" for i in range(1, n_figures + 1)]
    assert any("coup-d-oeil" in p.name for p in pngs)
    largeur = round(exports.LARGEUR_PNG * exports.ECHELLE_PNG)
    hauteur = round(exports.HAUTEUR_PNG * exports.ECHELLE_PNG)
    for p in pngs:
        l, h, image = _pixels_png(p.read_bytes())
        assert (l, h) == (largeur, hauteur), p.name
        pixels = image.reshape(l * h, -1).astype(np.int64)
        codes = sum(pixels[:, k] << (8 * k) for k in range(pixels.shape[1]))
        _, nombres = np.unique(codes, return_counts=True)
        assert nombres.size > 20, f"{p.name} : {nombres.size} couleurs seulement"
        assert nombres.max() / codes.size < 0.97, f"{p.name} : image presque uniforme"
        # Du dessin dans chaque moitié de l'image, pas seulement un titre : des pixels sombres (traits, textes).
        sombres = image[..., :3].max(axis=2) < 120
        assert sombres[: h // 2].any() and sombres[h // 2:].any(), p.name
    # Un second passage ne redessine rien : le rapport n'a pas changé.
    avant = {p.name: p.stat().st_mtime_ns for p in pngs}
    r = _commande(dossier, "--figures", ident)
    assert r.returncode == 0 and "à jour" in r.stdout
    assert {p.name: p.stat().st_mtime_ns for p in (dossier / "figures" / ident).glob("*.png")} == avant
