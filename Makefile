# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST ?= redis://127.0.0.1:6379/0
SEED_STUDENTS ?= 3000

CHROMIUM ?= /usr/bin/chromium

.PHONY: install run run-prod test test-sqlite test-postgres lint bench debs pdf-debs bench-verify bench-storm

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Development: DEBUG on, so the development keys and signing CA are accepted (core/checks.py
# refuses them with DEBUG off). Production is `make run-prod` and docs/deploy.md.
run: export DEBUG = true
run: install debs
	mkdir -p var
	$(BIN)/xuedang migrate --noinput
	$(BIN)/xuedang seed --students $(SEED_STUDENTS) --if-empty
	$(BIN)/xuedang demo_logins
	$(BIN)/xuedang signing_devca
	$(BIN)/xuedang runserver 127.0.0.1:8000

# The production profile (docs/deploy.md) on this machine: deploy/xuedang.env with local secrets,
# PostgreSQL and Redis on 127.0.0.1, migrate, collectstatic, a Celery worker and gunicorn
# (deploy/gunicorn.conf.py) on http://127.0.0.1:$(PROD_PORT)/. Ctrl-C stops it.
PROD_PORT ?= 8110
PROD_DB ?= postgres://postgres@127.0.0.1:5432/xuedang_prod
PROD_REDIS ?= redis://127.0.0.1:6379/1
run-prod: install
	$(BIN)/python deploy/run_prod.py --port $(PROD_PORT) --database-url $(PROD_DB) --redis-url $(PROD_REDIS) \
	  --seed $(or $(SEED_STUDENTS),0)

# Browser journeys drive Debian's Chromium (never `playwright install`, which cannot download here).
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -q && sudo apt-get install -y -q chromium; \
	else echo "browser tests need Debian's chromium: apt-get install chromium"; fi

# Report PDFs embed these fonts (the fallback chain is core/pdf.py's FONT_CHAIN; BabelStone Han draws
# CJK Extensions G and H); the tests read PDFs back with poppler (pdftotext, pdfsig …) and zbarimg (QR).
# flite speaks the captcha for those who cannot read the picture.
DEBS := fonts-liberation fonts-arphic-uming fonts-hanazono fonts-babelstone-han poppler-utils zbar-tools flite
debs:
	@dpkg -s $(DEBS) >/dev/null 2>&1 || { \
	if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q $(DEBS); \
	elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -q && sudo apt-get install -y -q $(DEBS); \
	else echo "report PDFs and the spoken captcha need: apt-get install $(DEBS)"; fi; }
pdf-debs: debs

# In CI the SQLite and PostgreSQL passes run at the same time (two cores; much of each pass waits
# on servers it starts), each printing its output when it ends. They share nothing: their own
# databases, Redis databases (REDIS_URL, and REDIS_TEST_URL for the tests' own Redis) and ports.
test: install $(CHROMIUM) debs lint
ifeq ($(CI),true)
	@echo "SQLite and PostgreSQL passes running in parallel; each prints when it ends"
	$(MAKE) --no-print-directory --output-sync=target -j2 test-sqlite test-postgres
else
	$(MAKE) --no-print-directory test-sqlite
endif

REDIS_LIMITS_SQLITE ?= redis://127.0.0.1:6379/15
REDIS_LIMITS_PG ?= redis://127.0.0.1:6379/14

test-sqlite: install
	env -u DATABASE_URL -u REDIS_URL REDIS_TEST_URL=$(REDIS_LIMITS_SQLITE) $(BIN)/pytest -q

# In CI PostgreSQL and Redis must answer; the suite fails rather than skips.
test-postgres: install
	$(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)').close()" \
	  || { echo "PostgreSQL at $(PG_URL) is not reachable / 无法连接 PostgreSQL"; exit 1; }
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST) REDIS_TEST_URL=$(REDIS_LIMITS_PG) $(BIN)/pytest -q

# bench/verify.py drives the server with wrk (Debian package).
WRK ?= /usr/bin/wrk
$(WRK):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q wrk; \
	elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -q && sudo apt-get install -y -q wrk; \
	else echo "bench/verify.py needs wrk: apt-get install wrk"; fi

bench-storm: install $(WRK)
	$(BIN)/python bench/storm.py $(STORM_ARGS)

bench-verify: install $(WRK)
	$(BIN)/python bench/verify.py --credentials $(or $(CREDENTIALS),1000000)

# The same checks run before each commit with `.venv/bin/pre-commit install` (.pre-commit-config.yaml).
lint: install
	$(BIN)/ruff check src bench deploy
	$(BIN)/ruff format --check src bench deploy
	$(BIN)/mypy
	$(BIN)/lint-imports
