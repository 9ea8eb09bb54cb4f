# hiroba: set-up, run and test. `make run` and `make test` do all set-up on a fresh Debian machine;
# every step is skipped while its output is up to date. `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
BENCH_ARGS ?=

VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app hiroba
VENDOR := static/vendor
# Message catalogues to compile: one .mo beside each .po (none yet is fine).
MO := $(patsubst %.po,%.mo,$(wildcard hiroba/translations/*/LC_MESSAGES/messages.po))

.PHONY: help run test install system system-test translations messages db-up db-down clean \
	bench-map bench-api bench-tools

help: ## List the targets
	@awk -F ':.*## ' '/^[a-z-]+:.*## / { printf "  make %-13s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

run: install ## Set up, migrate, seed and serve on http://127.0.0.1:5000 (HOST=, PORT=)
	@export HIROBA_ENV="$${HIROBA_ENV:-development}"
	if [[ -z "$${DATABASE_URL:-}" ]]; then
	  DATABASE_URL="$$($(BIN)/python -m hiroba.devdb up)"  # not `export X=$$(…)`: that hides a failure
	  export DATABASE_URL
	fi
	$(FLASK) db upgrade
	$(FLASK) seed
	exec $(FLASK) run --host $(HOST) --port $(PORT)

test: system-test install ## Lint, check formatting and run pytest (extra args: PYTEST_ARGS=...)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: system $(VENV)/.installed $(VENDOR)/.copied translations ## All set-up steps, no database

# Debian packages: installed with apt when missing and we are root, otherwise reported.
# PostGIS only for the local cluster (DATABASE_URL unset); $(1) adds packages, e.g. chromium.
define apt_ensure
want=($(1))
[[ -n "$${DATABASE_URL:-}" ]] || want+=(postgresql-15-postgis-3)
$(PYTHON) -c 'import ensurepip' 2>/dev/null || want+=(python3-venv)
command -v npm >/dev/null || want+=(nodejs npm)
command -v dpkg-query >/dev/null || exit 0  # not Debian: the README lists what to install
missing=()
for pkg in "$${want[@]}"; do
  dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$$pkg")
done
(( $${#missing[@]} )) || exit 0
if (( EUID != 0 )); then
  echo "Missing system packages. Install them with:" >&2
  echo "  sudo apt-get install $${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "$${missing[@]}"
endef

system: ## Install missing Debian packages for `make run`
	@$(call apt_ensure,)

system-test: ## Install missing Debian packages for `make test` (adds chromium, gdal-bin)
	@$(call apt_ensure,chromium gdal-bin)

# Virtual environment with the package and its dev tools; redone when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | system
	[[ -x $(BIN)/python ]] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[dev]'
	touch $@

# Leaflet and plugins from the npm registry (exact versions in package-lock.json).
node_modules/.package-lock.json: package.json package-lock.json | system
	npm ci --no-audit --no-fund
	touch $@

# The dist files the app serves itself (never a CDN), in the layout the templates expect.
$(VENDOR)/.copied: node_modules/.package-lock.json
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/leaflet $(VENDOR)/leaflet.markercluster $(VENDOR)/leaflet-draw
	cp -R node_modules/leaflet/dist/{leaflet.js,leaflet.css,images} $(VENDOR)/leaflet/
	cp node_modules/leaflet.markercluster/dist/{leaflet.markercluster.js,MarkerCluster.css,MarkerCluster.Default.css} \
	  $(VENDOR)/leaflet.markercluster/
	cp -R node_modules/leaflet-draw/dist/{leaflet.draw.js,leaflet.draw.css,images} $(VENDOR)/leaflet-draw/
	touch $@

translations: $(MO) ## Compile message catalogues whose .po changed

hiroba/translations/%/LC_MESSAGES/messages.mo: hiroba/translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile -d hiroba/translations -l $*

messages: $(VENV)/.installed ## Extract UI strings and merge them into the .po catalogues
	$(BIN)/pybabel extract -F hiroba/translations/babel.cfg -k _l -k lazy_gettext \
	  --no-location --sort-output -o hiroba/translations/messages.pot .
	$(BIN)/pybabel update -i hiroba/translations/messages.pot -d hiroba/translations \
	  --no-fuzzy-matching --ignore-obsolete

bench-map: system-test install ## Map page benchmark: seeds vs +100,000 places (bench/RESULTS.md)
	$(BIN)/python -m bench.map_page

# wrk (the load generator) only here; pgbench comes with the local cluster's PostgreSQL.
bench-api: install bench-tools ## Search API benchmark: hiroba vs tipg vs raw SQL (BENCH_ARGS=--help)
	$(BIN)/python -m bench.api $(BENCH_ARGS)

# A recipe of its own: apt_ensure ends its shell (`exit 0`) once everything is installed.
bench-tools:
	@$(call apt_ensure,wrk)

db-up: $(VENV)/.installed ## Start the local cluster (instance/pg) and print its DATABASE_URL
	$(BIN)/python -m hiroba.devdb up

db-down: ## Stop the local cluster (its data stays in instance/)
	[[ -e instance/pg/data/PG_VERSION ]] || exit 0
	$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) -m hiroba.devdb down

clean: ## Remove .venv, node_modules, static/vendor and stamps (never instance/)
	rm -rf $(VENV) node_modules $(VENDOR) .stamps hiroba.egg-info bench/.venv-tipg
