# Éprouvette — commandes du projet. `make` seul affiche l'aide.
.DEFAULT_GOAL := help
SHELL := /bin/bash

# Environnement : l'environnement conda actif s'il y en a un (créé depuis environment.yml),
# sinon un .venv créé ici avec pip à partir de pyproject.toml (+ verrou des versions).
ifdef CONDA_PREFIX
ifneq ($(CONDA_DEFAULT_ENV),base)
PYTHON := $(CONDA_PREFIX)/bin/python
ENV_STAMP := .cache/env-conda.stamp
endif
endif
PYTHON ?= .venv/bin/python
ENV_STAMP ?= .venv/.installe
PYTHON_SYSTEME ?= python3

.PHONY: help nouveau-pilote tirage rapports verifier test test-rapide lab nettoyer environnement navigateur navigateur-si-possible pdf exports figures bench js js-si-possible

# Pilotes choisis : `make rapports PILOTE=gtb-ecoles-arras` (plusieurs : séparés par des espaces
# ou des virgules, entre guillemets). Sans PILOTE : tous les pilotes de donnees/pilotes/.
PILOTE ?=

help: ## Affiche cette aide
	@echo "Éprouvette — évaluation des expérimentations « tube à essai »"
	@echo
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-14s %s\n", $$1, $$2}'

environnement: $(ENV_STAMP) js-si-possible ## Crée ou met à jour l'environnement Python du projet (et les paquets JavaScript si npm est là)

.venv/.installe: pyproject.toml requirements-verrou.txt
	@command -v $(PYTHON_SYSTEME) >/dev/null || { echo "Python 3.11 ou plus récent est nécessaire ($(PYTHON_SYSTEME) introuvable)." >&2; exit 1; }
	@$(PYTHON_SYSTEME) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { echo "Python 3.11 ou plus récent est nécessaire." >&2; exit 1; }
	@echo "Création de l'environnement .venv (quelques minutes la première fois)…"
	@test -x .venv/bin/python || $(PYTHON_SYSTEME) -m venv .venv
	@.venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements-verrou.txt -e '.[dev]'
	@touch $@

.cache/env-conda.stamp: pyproject.toml environment.yml
	@mkdir -p .cache
	@$(PYTHON) -m pip install --quiet --no-deps -e .
	@touch $@

# Paquets JavaScript (npm, versions fixées par outils/js/package-lock.json, empreintes SHA-256 dans
# outils/js/empreintes.json) : plotly.js réduit aux traces des rapports, axe-core pour les tests.
# Installés dans .cache/js, jamais dans le dépôt ni dans donnees/. Sans npm ou sans réseau,
# js-si-possible avertit : les rapports emportent alors le plotly.js complet du paquet Python.
JS_STAMP := .cache/js/.installe
JS_SOURCES := outils/js/package.json outils/js/package-lock.json outils/js/empreintes.json outils/paquets_js.py lib/eprouvette/presentation/paquet_plotly.py

js: $(ENV_STAMP) ## Installe plotly.js réduit aux traces des rapports et axe-core dans .cache/js (npm, une fois)
	@$(PYTHON) outils/paquets_js.py

# Le témoin .cache/js/.installe garde l'empreinte (sha256sum) des sources de la dernière installation réussie :
# les paquets ne sont refaits (npm ci + esbuild, une dizaine de secondes) que si le *contenu* d'une source a
# changé, pas sa date (un checkout, une fusion ou une copie datent les fichiers de nouveau ; c'était les 9 s
# de `make rapports` sans changement dans la copie du banc). Un témoin vide (ancienne forme) plus récent que
# les sources vaut installation réussie : son empreinte y est écrite sans rien refaire.
js-si-possible: $(ENV_STAMP)
	@sha256sum $(JS_SOURCES) 2>/dev/null | cmp -s - $(JS_STAMP) 2>/dev/null || { \
	  if [ -f $(JS_STAMP) ] && [ ! -s $(JS_STAMP) ] && [ -z "$$(find $(JS_SOURCES) -newer $(JS_STAMP) 2>/dev/null)" ]; then :; \
	  else rm -f $(JS_STAMP); $(PYTHON) outils/paquets_js.py --si-possible; fi; \
	  [ ! -f $(JS_STAMP) ] || sha256sum $(JS_SOURCES) > $(JS_STAMP); }

nouveau-pilote: $(ENV_STAMP) ## Crée donnees/pilotes/<ID>/ : pilote.yaml à remplir et classeur modèle (make nouveau-pilote ID=… DOMAINE=…)
	@$(PYTHON) -m eprouvette nouveau-pilote --id "$(ID)" --domaine "$(DOMAINE)" $(if $(DOSSIER),--dossier "$(DOSSIER)")

rapports: $(ENV_STAMP) js-si-possible ## Construit les rapports (tous, ou PILOTE=<id>) et rapports/index.html
	@$(PYTHON) -m eprouvette rapports $(PILOTE)

# Tirage au sort des sites équipés (#18) : écrit dans donnees/pilotes/<PILOTE>/plan.yaml, à la demande seulement.
tirage: $(ENV_STAMP) ## Tire au sort les sites équipés d'un pilote et l'écrit dans son plan.yaml (make tirage PILOTE=… GRAINE=… [PLAN=paires|strates|simple])
	@$(PYTHON) -m eprouvette tirer "$(PILOTE)" --graine "$(GRAINE)" $(if $(PLAN),--plan "$(PLAN)") $(if $(AUTEUR),--auteur "$(AUTEUR)")

cadrage: $(ENV_STAMP) js-si-possible ## Notes de cadrage des projets de donnees/projets/ et vue de chaque appel (rapports/cadrage-<id>.html, rapports/appel-<appel>.html)
	@$(PYTHON) -m eprouvette.rapports.cadrage

verifier: $(ENV_STAMP) ## Vérifie les dossiers des pilotes sans construire (tous, ou PILOTE=<id>) : erreurs et résumé
	@$(PYTHON) -m eprouvette verifier $(PILOTE)

# Répartition entre les deux processus (tests/conftest.py, pytest_collection_modifyitems) : les fichiers qui
# ont une fixture de module restent groupés, les autres tests sont distribués un par un, les plus lents d'abord.
test: $(ENV_STAMP) navigateur-si-possible js-si-possible ## Lance toute la suite de tests (y compris les tests longs et le navigateur), sur deux processus
	@OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PYTHON) -m pytest -n 2 --dist loadgroup --no-loadscope-reorder

test-rapide: $(ENV_STAMP) ## Lance les tests rapides seulement
	@$(PYTHON) -m pytest -m "not lent"

# JupyterLab à la racine du dépôt (pilotes, rapports et docs à portée du navigateur de fichiers), ouvert
# sur notebooks/ ; les carnets déclarent le noyau « eprouvette » installé ici (le Python de
# l'environnement du projet). Le lanceur de `make rapports` n'en dépend pas (noyau python3 du même Python).
lab: $(ENV_STAMP) ## Ouvre JupyterLab à la racine du dépôt, sur notebooks/, avec le noyau du projet
	@$(PYTHON) -m ipykernel install --sys-prefix --name eprouvette --display-name "Python (Éprouvette)" >/dev/null
	@$(PYTHON) -m jupyter lab --notebook-dir=. --LabApp.default_url=/lab/tree/notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

pdf: rapports navigateur ## Imprime chaque rapport en PDF A4 (rapports/<id>.pdf) avec Chromium
	@$(PYTHON) -m eprouvette.rapports.pdf

exports: rapports navigateur-si-possible ## Classeur du portefeuille (rapports/portefeuille.xlsx) et chaque graphique en PNG (rapports/figures/)
	@$(PYTHON) -m eprouvette exporter

figures: rapports navigateur-si-possible ## Chaque graphique de chaque rapport en PNG de diapositive (rapports/figures/<id>/, Chromium)
	@$(PYTHON) -m eprouvette exporter --figures

navigateur: ## Installe Chromium, poppler-utils et npm (paquets Debian) pour les tests dans le navigateur, les PDF et make js
	@{ command -v chromium && command -v pdftotext && command -v npm; } >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils npm >/dev/null; \
	  else echo "Installez Chromium, poppler-utils et npm : sudo apt-get install chromium poppler-utils npm" >&2; exit 1; fi; }

navigateur-si-possible:
	@{ command -v chromium && command -v pdftotext && command -v npm; } >/dev/null || [ "$$(id -u)" != 0 ] || $(MAKE) --no-print-directory navigateur || true
	@command -v chromium >/dev/null || echo "Attention : Chromium absent (sudo make navigateur) ; les tests dans le navigateur seront sautés." >&2

nettoyer: ## Supprime les fichiers produits (rapports, caches) ; ne touche jamais à donnees/
	rm -rf rapports .cache .pytest_cache .hypothesis
	find lib tests outils -name __pycache__ -type d -prune -exec rm -rf {} +

bench: $(ENV_STAMP) ## Mesures de performance côte à côte (plusieurs minutes ; chiffres dans bench/README.md)
	@$(PYTHON) bench/bench.py
