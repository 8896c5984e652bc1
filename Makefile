# Lumen: the only commands a newcomer needs.
#   make run    install, build assets, migrate, seed demo data (empty database), start web + worker + beat
#               (PORT=8101 HOST=0.0.0.0 to listen elsewhere; DEMO=0 to start without the demo, at /setup/)
#   make test   lint, migration check, the whole test suite (browser tests included when Chromium is there)
#   make test-fast  the suite without the slow groups (browser, demo, seed_scale, bench, fuzz), in parallel
#   make bench  the load benchmark (needs PostgreSQL and Redis: DATABASE_URL, REDIS_URL)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
HOST ?= 127.0.0.1
# 1: seed the demo company on an empty database; 0: leave it empty, to register the portal at /setup/.
DEMO ?= 1
# The demo's language: en or ru (names, departments, posts, tasks, reports); empty: LANGUAGE_CODE's.
DEMO_LANGUAGE ?=
# Where the embedded mode keeps its database, broker, mail and media (portal/settings/base.py reads it too).
VAR_DIR := $(or $(LUMEN_VAR_DIR),var)
export DJANGO_SETTINGS_MODULE ?= portal.settings.dev
# Test processes (pytest-xdist, one test database each): the machine's cores, at most 4. PYTEST_WORKERS=0
# runs the suite in this one process. `loadgroup` keeps the tests of the shared demo company in one process.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n > 4 ? 4 : n )))
PYTEST_PARALLEL = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadgroup)
# Line coverage slows the suite by about a third on Python 3.11 (a trace function on every line), so it
# is measured on request: `make test COVERAGE=1` or `make coverage`.
COVERAGE ?= 0
PYTEST_COVERAGE = $(if $(filter 1,$(COVERAGE)),--cov --cov-report=term:skip-covered,)
SLOW_MARKS := not browser and not demo and not seed_scale and not bench and not fuzz

.PHONY: run port-free install assets messages migrate seed serve test test-fast coverage e2e fuzz lint format bench clean

# `make run` refuses a busy port before anything starts, and the web process checks again right before it
# listens (Procfile.dev): the development server would only log "Address already in use" and stay up without
# listening while the worker and beat went on. A failed check exits non-zero, and honcho then stops them all.
# SO_REUSEADDR as servers set it: a port left in TIME_WAIT by the last run counts as free.
define PORT_FREE_PY
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
with socket.socket(family, kind, proto) as probe:
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind(address)
    except OSError as error:
        sys.exit(f"\n  Lumen cannot start: {host}:{port} is in use ({error.strerror}).\n"
                 f"  Stop what listens there, or pick another port: make run PORT={port + 1}\n")
endef
export PORT_FREE_PY

port-free:
	@$(PYTHON) -c "$$PORT_FREE_PY" "$(HOST)" "$(PORT)"

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $(BIN)/activate

install: $(BIN)/activate

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.package-lock.json

static/vendor/.built: node_modules/.package-lock.json
	rm -rf static/vendor && mkdir -p static/vendor/bootstrap static/vendor/bootstrap-icons static/vendor/htmx
	cp -r node_modules/bootstrap/dist/css node_modules/bootstrap/dist/js static/vendor/bootstrap/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts static/vendor/bootstrap-icons/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	mkdir -p static/vendor/sortablejs static/vendor/frappe-gantt
	cp node_modules/sortablejs/Sortable.min.js static/vendor/sortablejs/
	cp node_modules/frappe-gantt/dist/frappe-gantt.umd.js node_modules/frappe-gantt/dist/frappe-gantt.css static/vendor/frappe-gantt/
	mkdir -p static/vendor/chart.js
	cp node_modules/chart.js/dist/chart.umd.js node_modules/chart.js/dist/chart.umd.js.map static/vendor/chart.js/
	touch static/vendor/.built

# The translations: each .po catalogue (an app's <app>/locale/, the templates' locale/) compiled beside it by
# gettext's msgfmt; nothing compiled is committed.
PO_FILES := $(shell find . \( -name .venv -o -name node_modules -o -name .git \) -prune -o -path '*/locale/*/LC_MESSAGES/*.po' -print 2>/dev/null)
MO_FILES := $(PO_FILES:.po=.mo)

%.mo: %.po
	@command -v msgfmt >/dev/null || { echo "  Lumen needs GNU gettext to compile its translations (Debian: apt-get install gettext)"; exit 1; }
	msgfmt --check -o $@ $<

messages: $(MO_FILES)

assets: static/vendor/.built messages

migrate: install
	mkdir -p $(VAR_DIR)
	$(PY) manage.py migrate --noinput

seed: migrate
ifeq ($(DEMO),0)
	@echo "  DEMO=0: no demo company seeded. On an empty database, register the portal at http://$(HOST):$(PORT)/setup/"
else
	$(PY) manage.py seed_demo --if-empty$(if $(DEMO_LANGUAGE), --language $(DEMO_LANGUAGE))
endif

# Every process of the run (the seeding too) builds its absolute links (e-mails, digests) from the address
# the web process listens on, unless LUMEN_BASE_URL is set: HOST and the web's port, passed as LUMEN_WEB_PORT
# because honcho gives each process a PORT of its own (portal/settings/base.py).
run seed: export HOST := $(HOST)
run seed: export LUMEN_WEB_PORT := $(PORT)

run: port-free install assets seed
	@echo ""
	@echo "  Lumen is starting on http://$(HOST):$(PORT)/   (Ctrl-C stops web, worker and beat)"
	@$(PY) manage.py demo_logins
	@$(if $(EMAIL_URL),true,echo "  E-mails (the demo's control digests, invitations, notifications) are files in $(VAR_DIR)/mail/")
	@echo ""
	PORT=$(PORT) $(BIN)/honcho -f Procfile.dev start

test: install assets
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=portal.settings.test $(BIN)/pytest --create-db $(PYTEST_PARALLEL) $(PYTEST_COVERAGE) $(PYTEST_ARGS)

coverage:
	$(MAKE) test COVERAGE=1

test-fast: install messages
	DJANGO_SETTINGS_MODULE=portal.settings.test $(BIN)/pytest -m "$(SLOW_MARKS)" -x $(PYTEST_PARALLEL) $(PYTEST_ARGS)

e2e: install assets
	DJANGO_SETTINGS_MODULE=portal.settings.test $(BIN)/pytest tests/e2e $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# The API fuzz alone, deeper than in `make test` (FUZZ_EXAMPLES generated cases per operation).
FUZZ_EXAMPLES ?= 50
fuzz: install
	DJANGO_SETTINGS_MODULE=portal.settings.test LUMEN_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -m fuzz $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install assets
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf var/broker var/test-media static/vendor
