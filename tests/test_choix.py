"""Le choix du plan d'évaluation suit les données (docs/methodes.md)."""

from eprouvette.methodes.choix import choisir_methode


def test_sans_periode_avant_pas_d_evaluation():
    c = choisir_methode(a_periode_avant=False, n_temoins=3)
    assert c.identifiant == "aucune" and c.ne_peut_pas_montrer


def test_energie_dependante_de_la_meteo():
    assert choisir_methode(a_periode_avant=True, n_temoins=3, energie_meteo=True).identifiant == "reference_energetique"


def test_temoins_doubles_differences_ou_controle_synthetique():
    dd = choisir_methode(a_periode_avant=True, n_temoins=3, n_experimentes=4)
    # Quatre sites équipés et trois témoins : ni erreurs regroupées ni bootstrap sauvage (invalides avec si
    # peu de grappes traitées, MacKinnon et Webb 2017) ; l'explication dit d'où vient l'incertitude.
    assert dd.identifiant == "doubles_differences"
    assert "placebos dans l'espace" in dd.explication and "série des écarts" in dd.explication
    assert "4 sites expérimentés et 3 témoins" in dd.explication
    beaucoup = choisir_methode(a_periode_avant=True, n_temoins=16, n_experimentes=20)
    assert "placebos" not in beaucoup.explication
    cs = choisir_methode(a_periode_avant=True, n_temoins=8, n_experimentes=1)
    assert cs.identifiant == "controle_synthetique"


def test_serie_seule_et_comptage():
    c = choisir_methode(a_periode_avant=True, n_temoins=0, comptage=True, n_periodes_avant=6)
    assert c.identifiant == "serie_interrompue" and c.options["famille"] == "quasi_poisson"
    assert "seulement 6 périodes" in c.explication
    assert choisir_methode(a_periode_avant=True).options["famille"] == "gaussienne"


def _resultat(methode, **details):
    from eprouvette.methodes.base import ResultatImpact

    return ResultatImpact(methode=methode, libelle_methode="", indicateur="", unite="", effet=0.0, ic_bas=-1.0,
                          ic_haut=1.0, p_valeur=1.0, details=details)


def test_le_plan_montre_est_celui_de_l_adaptateur():
    from eprouvette.methodes.choix import choix_du_resultat

    # Un secteur équipé, cinq témoins : les données appelleraient un contrôle synthétique, mais l'adaptateur
    # de l'eau emploie des doubles différences sur séries journalières ; le rapport doit dire celles-ci.
    assert choisir_methode(a_periode_avant=True, n_temoins=5, n_experimentes=1).identifiant == "controle_synthetique"
    c = choix_du_resultat(_resultat("doubles_differences"), a_periode_avant=True, n_temoins=5, n_experimentes=1)
    assert c.identifiant == "doubles_differences" and "1 site expérimenté et 5 témoins" in c.explication
    # Série interrompue comparée aux témoins (mobilité) : des doubles différences, pas « sans témoin ».
    comparee = choix_du_resultat(_resultat("serie_interrompue", temoins_utilises=True), a_periode_avant=True,
                                 n_temoins=2, n_experimentes=3)
    assert comparee.identifiant == "doubles_differences"
    seule = choix_du_resultat(_resultat("serie_interrompue"), a_periode_avant=True, comptage=True)
    assert seule.identifiant == "serie_interrompue" and seule.options["famille"] == "quasi_poisson"
    energie = choix_du_resultat(_resultat("reference_energetique_temoins"), a_periode_avant=True, n_temoins=2)
    assert energie.identifiant == "reference_energetique"
    # Même description que le choix d'après les données quand les deux s'accordent.
    assert choix_du_resultat(_resultat("doubles_differences"), a_periode_avant=True, n_temoins=3,
                             n_experimentes=4) == choisir_methode(a_periode_avant=True, n_temoins=3, n_experimentes=4)


def test_debuts_differents_doubles_differences_echelonnees():
    # Trois sites équipés à des dates différentes et deux témoins : plan échelonné, pas les effets fixes.
    c = choisir_methode(a_periode_avant=True, n_temoins=2, n_experimentes=3, debuts_differents=True)
    assert c.identifiant == "dd_echelonnees"
    assert c.libelle == "Doubles différences pour un déploiement échelonné"
    assert "3 sites équipés à des dates différentes et 2 témoins jamais équipés" in c.explication
    assert "pas encore ou jamais équipés" in c.explication and "Callaway" in c.explication
    # Ce qu'il ne peut pas montrer : tendances parallèles par vague, anticipation, ordre du déploiement.
    texte = " ".join(c.ne_peut_pas_montrer)
    for mot in ("tendances parallèles par vague", "anticipation", "ordre du déploiement"):
        assert mot in texte
    # Sans témoin jamais équipé, les vagues suivantes servent de témoins aux premières, et il le dit.
    seul = choisir_methode(a_periode_avant=True, n_temoins=0, n_experimentes=4, debuts_differents=True)
    assert seul.identifiant == "dd_echelonnees" and "sans témoin jamais équipé" in seul.explication
    assert "la dernière vague" in seul.explication
    # Mêmes données sans dates propres : le choix ne change pas ; l'énergie garde sa référence météo ;
    # sans mesure d'avant, rien n'est possible.
    assert choisir_methode(a_periode_avant=True, n_temoins=2, n_experimentes=3).identifiant == "doubles_differences"
    assert choisir_methode(a_periode_avant=True, n_temoins=2, n_experimentes=3, energie_meteo=True,
                           debuts_differents=True).identifiant == "reference_energetique"
    assert choisir_methode(a_periode_avant=False, n_experimentes=3, debuts_differents=True).identifiant == "aucune"


def test_choix_du_resultat_reconnait_le_plan_echelonne():
    from eprouvette.methodes.choix import choix_du_resultat

    c = choix_du_resultat(_resultat("dd_echelonnees"), a_periode_avant=True, n_temoins=12, n_experimentes=33)
    assert c == choisir_methode(a_periode_avant=True, n_temoins=12, n_experimentes=33, debuts_differents=True)
    # Un adaptateur qui a employé les effets fixes sur un pilote échelonné : le rapport dit ce qui a été fait
    # (l'analyse ajoute alors la vérification « dates_equipement »).
    dd = choix_du_resultat(_resultat("doubles_differences"), a_periode_avant=True, n_temoins=3, n_experimentes=4,
                           debuts_differents=True)
    assert dd.identifiant == "doubles_differences"
    # Identifiant inconnu : le choix d'après les données, dates propres comprises.
    inconnu = choix_du_resultat(_resultat("autre"), a_periode_avant=True, n_temoins=3, n_experimentes=4,
                                debuts_differents=True)
    assert inconnu.identifiant == "dd_echelonnees"


# --- Doubles différences synthétiques : principale, contrôle de robustesse ou sans objet ---------------


def test_regle_dd_synthetiques_selon_la_forme_des_donnees():
    from eprouvette.methodes.choix import regle_dd_synthetiques

    def role(**k):
        return regle_dd_synthetiques(**{"n_experimentes": 1, "n_temoins": 20, "n_periodes_avant": 24, **k})

    assert role().role == "principale" and role().raison == ""
    # Trop peu de témoins pour la variance placebo : contrôle de robustesse, et le rapport dit pourquoi.
    peu = role(n_temoins=8)
    assert peu.role == "robustesse"
    assert "pas l'estimation principale" in peu.raison and "au moins 20 témoins" in peu.raison
    # Deux sites équipés : la variance placebo sous-estime l'incertitude sur les plans simulés.
    deux = role(n_experimentes=2, n_temoins=30)
    assert deux.role == "robustesse" and "sous-estime" in deux.raison
    # Série trop courte pour l'estimation principale, mais assez pour le contrôle.
    assert role(n_periodes_avant=15).role == "robustesse"
    assert "15 périodes d'avant" in role(n_periodes_avant=15).raison
    # Sans objet : échelonné, moins de trois témoins, trop de sites équipés, avant trop court.
    assert role(debuts_differents=True).role == "sans_objet"
    assert role(n_temoins=2).role == "sans_objet" and "au moins 3 témoins" in role(n_temoins=2).raison
    assert role(n_experimentes=20, n_temoins=16).role == "sans_objet"
    assert role(n_periodes_avant=3).role == "sans_objet"
    # Le contrôle de robustesse ne demande pas plus de témoins que de sites équipés (l'effet seul est comparé).
    assert role(n_experimentes=3, n_temoins=3).role == "robustesse"


def test_choix_dd_synthetiques_principal_et_reconnu():
    from eprouvette.methodes.choix import choix_du_resultat

    c = choisir_methode(a_periode_avant=True, n_temoins=20, n_experimentes=1, n_periodes_avant=24)
    assert c.identifiant == "dd_synthetiques" and c.libelle == "Doubles différences synthétiques"
    assert "1 site équipé et 20 témoins" in c.explication and "placebos" in c.explication
    assert len(c.ne_peut_pas_montrer) >= 2 and all(p.endswith(".") for p in c.ne_peut_pas_montrer)
    # Sans nombre de périodes (inconnu), ou avec 8 témoins : pas les doubles différences synthétiques.
    assert choisir_methode(a_periode_avant=True, n_temoins=20, n_experimentes=1).identifiant != "dd_synthetiques"
    assert choisir_methode(a_periode_avant=True, n_temoins=8, n_experimentes=1,
                           n_periodes_avant=24).identifiant == "controle_synthetique"
    # Échelonné : doubles différences échelonnées, jamais synthétiques.
    assert choisir_methode(a_periode_avant=True, n_temoins=20, n_experimentes=2, n_periodes_avant=24,
                           debuts_differents=True).identifiant == "dd_echelonnees"
    # Le plan montré est celui que l'adaptateur a employé.
    montre = choix_du_resultat(_resultat("dd_synthetiques"), a_periode_avant=True, n_temoins=20, n_experimentes=1)
    assert montre == c
