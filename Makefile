# The README's commands. Each target sets up .venv first, so a fresh clone needs nothing else.
VENV      := .venv
PY        := $(VENV)/bin/python
FLASK     := $(VENV)/bin/flask --app portal
STAMP     := $(VENV)/.installed
PORT      ?= 5000
PG_URL    ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export PORTAL_DEMO ?= 1

.PHONY: run test lint test-sqlite test-postgres bench bench-peer bench-rush i18n audit clean install
.PHONY: e2e-deps test-e2e pdf-deps office-deps redis-deps

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PYBABEL) -q compile --directory translations --domain "$(I18N_DOMAINS)"
	@touch $(STAMP)

install: $(STAMP)

# The web server and the background worker (outbox, jobs, reminders) together: stopping make
# (Ctrl-C) stops both.
run: $(STAMP) pdf-deps
	@$(FLASK) setup-demo --port $(PORT)
	@$(FLASK) make-demo-signing-key
	@$(FLASK) worker & worker=$$!; \
		trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		$(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check portal tests bench
	$(VENV)/bin/ruff format --check portal tests bench

# The suite includes the browser scenarios (tests/e2e, marker e2e): Playwright drives Debian's
# Chromium, never a downloaded browser. E2E_REQUIRED=1 makes a missing browser fail, not skip.
test-sqlite: $(STAMP) e2e-deps pdf-deps office-deps redis-deps
	env -u DATABASE_URL E2E_REQUIRED=1 $(PY) -m pytest -q

test-e2e: $(STAMP) e2e-deps
	env -u DATABASE_URL E2E_REQUIRED=1 $(PY) -m pytest -q -m e2e tests/e2e

CHROMIUM  := /usr/bin/chromium

# Documents: poppler-utils (pdfsig verifies signatures in the tests, pdftoppm renders pages) and
# the fonts that draw the names people have: Noto (Latin with diacritics, Arabic/Jawi) and Droid
# Sans Fallback (CJK, TrueType outlines that the PDF renderer can embed). From Debian, if missing.
PDF_DEBS  := poppler-utils fonts-noto-core fonts-droid-fallback
PDF_FILES := /usr/bin/pdfsig /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf \
             /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf

pdf-deps:
	@missing=""; for f in $(PDF_FILES); do [ -e $$f ] || missing="$$missing $$f"; done; \
	if [ -z "$$missing" ]; then \
		echo "== documents: poppler-utils and fonts present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "== documents: missing$$missing: apt-get install -y $(PDF_DEBS)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_DEBS); \
	else \
		echo "== documents: missing$$missing. Install as root: apt-get install -y $(PDF_DEBS)"; \
		exit 1; \
	fi

e2e-deps:
	@if [ -x $(CHROMIUM) ]; then \
		echo "== e2e: using $(CHROMIUM) ($$($(CHROMIUM) --version 2>/dev/null))"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "== e2e: $(CHROMIUM) is missing: running apt-get update and apt-get install -y chromium"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "== e2e: $(CHROMIUM) is missing. Install it as root: apt-get install -y chromium"; \
		exit 1; \
	fi

# The export tests open an XLSX in LibreOffice as an office would (tests/test_export_office.py);
# without it they read the file with openpyxl only.
SOFFICE := /usr/bin/soffice

office-deps:
	@if [ -x $(SOFFICE) ]; then \
		echo "== exports: using $(SOFFICE)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "== exports: LibreOffice is missing: apt-get install -y libreoffice-calc-nogui"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui; \
	else \
		echo "== exports: LibreOffice is missing (apt-get install libreoffice-calc-nogui): openpyxl only"; \
	fi

# The production broker and rate-limit store: the suite uses Redis at 127.0.0.1:6379 when it
# answers (and says so when it skips). Installed from Debian's packages and started when missing.
redis-deps:
	@if $(PY) -c "import redis; redis.Redis(host='127.0.0.1', socket_timeout=2).ping()" 2>/dev/null; then \
		echo "== Redis answers at 127.0.0.1:6379"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		command -v redis-server >/dev/null || { apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } ; \
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
			|| echo "== Redis could not be started: the tests that need it will say SKIPPED"; \
	else \
		echo "== Redis does not answer at 127.0.0.1:6379: the tests that need it will say SKIPPED"; \
	fi

test-postgres: $(STAMP) pdf-deps
	@if $(PY) -c "import psycopg; psycopg.connect('$(PG_URL)'.replace('+psycopg', ''), connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL answers at 127.0.0.1:5432: running the suite there too"; \
		DATABASE_URL='$(PG_URL)' $(PY) -m pytest -q -m 'not e2e'; \
	else \
		echo "== SKIPPED: PostgreSQL does not answer at 127.0.0.1:5432, so the suite ran on SQLite only"; \
	fi

test: lint test-sqlite test-postgres

# Translations. `make i18n` re-extracts every message: the portal's own (babel.cfg) into
# translations/messages.pot, Flask-Admin's (from the installed package) into admin.pot, WTForms'
# (it ships wtforms.pot); merges them into translations/<lang>/LC_MESSAGES/<domain>.po, creating
# missing catalogues, and compiles the .mo files the app reads (git-ignored; `install` builds them).
# To translate new strings: `make i18n`, fill each empty `msgstr ""` in
# translations/id/LC_MESSAGES/*.po (check and delete any `#, fuzzy` line: fuzzy guesses are not
# used), `make i18n` again. tests/test_i18n.py fails while an Indonesian translation is missing.
PYBABEL       := $(VENV)/bin/pybabel
I18N_DOMAINS  := messages admin wtforms
I18N_POT      := --no-location --sort-output --no-wrap --project "LSP portal" --version 0.1 \
                 --copyright-holder "LSP portal" --msgid-bugs-address "-"
I18N_PO       := --init-missing --ignore-obsolete --no-wrap --ignore-pot-creation-date
PKG_DIR       = $(shell $(PY) -c 'import importlib.util as u, os; print(os.path.dirname(u.find_spec("$(1)").origin))')

i18n: $(STAMP)
	$(PYBABEL) -q extract -F babel.cfg $(I18N_POT) --ignore-dirs '.* ._ instance static migrations' \
		-o translations/messages.pot .
	$(PYBABEL) -q extract -F translations/flask_admin.cfg $(I18N_POT) \
		-o translations/admin.pot $(call PKG_DIR,flask_admin) translations/flask_admin_runtime.py
	cp $(call PKG_DIR,wtforms)/locale/wtforms.pot translations/wtforms.pot
	for lang in id en; do \
		$(PYBABEL) -q update -D messages -i translations/messages.pot -d translations -l $$lang $(I18N_PO) || exit 1; \
	done
	for domain in admin wtforms; do \
		$(PYBABEL) -q update -D $$domain -i translations/$$domain.pot -d translations -l id $(I18N_PO) || exit 1; \
	done
	$(PYBABEL) compile --statistics --directory translations --domain "$(I18N_DOMAINS)"

# Lists, bulk actions and exports at scale, over HTTP from gunicorn (2 workers): SQLite, then
# PostgreSQL when PG_URL's server answers (a database bench_portal is made there and dropped);
# then the PDF benchmark. `make bench CASES=20000` for a quick run.
CASES     ?= 100000

bench: $(STAMP)
	$(PY) bench/bench_scale.py --cases $(CASES) --pg-url '$(PG_URL)'
	$(PY) bench/bench_pdf.py
	$(PY) bench/bench_writers.py --pg-url '$(PG_URL)'

# The portal beside its Django admin peer (../shared/bench/peer_django, copied to build/bench-peer
# with its own venv from PyPI): both seeded once with CASES cases (reused by later runs), served
# by gunicorn x 2, timed in interleaved rounds; one table per database (SQLite, then PostgreSQL
# when PG_SERVER answers, in the databases PEER_PG_PORTAL_DB and PEER_PG_PEER_DB, kept for reuse).
PG_SERVER         ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
PEER_PG_PORTAL_DB ?= bench_peer_portal
PEER_PG_PEER_DB   ?= bench_peer_django
ROUNDS            ?= 5

bench-peer: $(STAMP)
	$(PY) bench/bench_peer.py --cases $(CASES) --rounds $(ROUNDS) --pg-url '$(PG_SERVER)' \
		--pg-portal-db $(PEER_PG_PORTAL_DB) --pg-peer-db $(PEER_PG_PEER_DB)

# The applicant rush: USERS applicants (300) apply for one schedule of QUOTA seats (250), SPAWN_RATE
# starting a second (5: all within a minute), on PostgreSQL (a database bench_rush on PG_SERVER,
# dropped after) behind gunicorn with 2 x cores + 1 workers; driven by locust, the `bench` extra,
# installed here only (not by `make install` or `make test`). Prints p50/p95 per request, the
# failures, and checks that exactly the quota got a seat.
USERS      ?= 300
QUOTA      ?= 250
SPAWN_RATE ?= 5

bench-rush: $(STAMP)
	@$(PY) -c "import locust" 2>/dev/null || $(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/bench_rush.py --users $(USERS) --quota $(QUOTA) --spawn-rate $(SPAWN_RATE) \
		--pg-url '$(PG_SERVER)'

# Known advisories in the installed packages (pip-audit asks PyPI's JSON API for each one).
# Fails on an advisory. Without an answer from PyPI it says that nothing was audited and exits 0:
# a network outage is not a vulnerability. Any other failure of pip-audit fails the target.
AUDIT_LOG := $(VENV)/pip-audit.log

audit: $(STAMP)
	@status=0; $(VENV)/bin/pip-audit --progress-spinner off --skip-editable --desc on \
		> $(AUDIT_LOG) 2>&1 || status=$$?; cat $(AUDIT_LOG); \
	if grep -q "known vulnerabilit" $(AUDIT_LOG) && [ $$status -ne 0 ]; then \
		echo "== pip-audit: known advisories above: upgrade those packages"; exit $$status; \
	elif grep -Eqi "could not be audited|connection|timed out|name resolution|max retries|ServiceError" $(AUDIT_LOG); then \
		echo "== pip-audit NOT DONE (or only in part): PyPI's advisory data did not answer for the packages listed above (network?). Run 'make audit' again with access to pypi.org."; \
		exit 0; \
	else \
		exit $$status; \
	fi

clean:
	rm -rf $(VENV) instance/portal.db* instance/uploads .pytest_cache
