# The README's commands. Each target sets up .venv first, so a fresh clone needs nothing else.
VENV      := .venv
PY        := $(VENV)/bin/python
FLASK     := $(VENV)/bin/flask --app portal
STAMP     := $(VENV)/.installed
PG_URL    ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export PORTAL_DEMO ?= 1

.PHONY: run test lint test-sqlite test-postgres bench i18n audit clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@$(FLASK) setup-demo
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(VENV)/bin/ruff check portal tests bench
	$(VENV)/bin/ruff format --check portal tests bench

test-sqlite: $(STAMP)
	env -u DATABASE_URL $(PY) -m pytest -q

test-postgres: $(STAMP)
	@if $(PY) -c "import psycopg; psycopg.connect('$(PG_URL)'.replace('+psycopg', ''), connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL answers at 127.0.0.1:5432: running the suite there too"; \
		DATABASE_URL='$(PG_URL)' $(PY) -m pytest -q -m 'not e2e'; \
	else \
		echo "== SKIPPED: PostgreSQL does not answer at 127.0.0.1:5432, so the suite ran on SQLite only"; \
	fi

test: lint test-sqlite test-postgres

clean:
	rm -rf $(VENV) instance/portal.db* .pytest_cache
