"""Éprouvette : évaluer les expérimentations « tube à essai » financées par le FEDER.

La bibliothèque suit le chemin des données (voir docs/architecture.md) :
lecture -> qualite -> methodes -> domaines -> economie -> essaimage -> recommandation
-> presentation, puis le lanceur de rapports (eprouvette.rapports).
"""

__version__ = "0.1.0"
