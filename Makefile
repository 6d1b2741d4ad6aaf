# msp_sop: `make run` to try it, `make test` to test it. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k workflow -x"`.
PYTEST_ARGS ?=

.PHONY: run test test-only ldap-packages oidc-provider lint format migrate bench bench-compliance bench-smoke bench-files bench-search bench-export access-matrix clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(VENV)/.installed-bench: requirements.txt requirements-bench.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@

## run: set up everything (virtualenv, packages, database, contents, first admin) and serve on 127.0.0.1:$(PORT)
run: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py setup_instance
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# LDAP sign-in's packages (requirements-ldap.txt): python-ldap builds against libldap2-dev and
# libsasl2-dev. Tried on every `make test` until it works; without them the LDAP tests skip
# (and fail under CI). `make run` never needs them.
ldap-packages: $(VENV)/.installed
	@test -f $(VENV)/.installed-ldap || { $(PY) -m pip install --quiet -r requirements-ldap.txt \
	  && touch $(VENV)/.installed-ldap; } || echo "WARNING: python-ldap/django-auth-ldap not" \
	  "installed (apt-get install libldap2-dev libsasl2-dev); the LDAP tests will be skipped"

## test: install what the tests need and run the whole suite
test: $(VENV)/.installed-dev ldap-packages oidc-provider
	$(MAKE) --no-print-directory test-only

# The OpenID provider the sign-in tests start (tests/oidc_provider: oidc-provider under Node.js).
# Without Node.js those tests are skipped and say why; the suite still runs.
OIDC_PROVIDER := tests/oidc_provider
oidc-provider: $(OIDC_PROVIDER)/node_modules/.package-lock.json
$(OIDC_PROVIDER)/node_modules/.package-lock.json: $(OIDC_PROVIDER)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  (cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error) \
	  || echo "WARNING: npm ci failed in $(OIDC_PROVIDER); the OpenID Connect tests will be skipped"; \
	else echo "WARNING: no Node.js/npm; the OpenID Connect sign-in tests will be skipped"; fi

# One pytest worker per core (pytest-xdist): the suite, browser tests included, in about half
# the time on two cores. PYTEST_ARGS="-n 0" runs it in one process.
test-only:
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

# The benchmark targets use devtools/ (generate_corpus, bench_search, /bench/bare/), which only
# SOP_DEVTOOLS=1 installs: tests/bench/run.py and bench_search.sh set it for what they start.
# The test suite gets it from pyproject.toml (pytest-env). Production never sets it.

## bench: load test under gunicorn + locust (PostgreSQL on 127.0.0.1; BENCH_SECONDS=30 per phase)
bench: $(VENV)/.installed-bench
	$(PY) -m tests.bench.run

## bench-compliance: only the compliance report's timing (200 people x 163 procedures x 10
## revisions) in a throwaway PostgreSQL database on 127.0.0.1; `make bench` runs it too
bench-compliance: $(VENV)/.installed-dev
	$(PY) -c "import sys, tests.bench.run as bench; sys.exit(bench.compliance_main())"

## bench-smoke: the same load test for ~15 s; fails on any failed request (CI runs it)
bench-smoke: $(VENV)/.installed-bench
	$(PY) -m tests.bench.run --smoke

## bench-files: screenshots per second from the app, the app behind nginx (X-Accel-Redirect) and
## nginx alone (needs nginx and the local PostgreSQL; BENCH_SECONDS per phase, BENCH_USERS)
bench-files: $(VENV)/.installed-bench
	$(PY) -m tests.bench.files

## bench-export: import, export (HTML, Markdown, PDF), backup and restore of 163 procedures x
## ~20 KB x 3 screenshots in a throwaway SQLite installation: seconds, peak memory, sizes.
## BENCH_PROCEDURES, BENCH_KB, BENCH_SCREENSHOTS change the sizes.
bench-export: $(VENV)/.installed-dev
	$(PY) -m tests.bench.export

## access-matrix: print who may open which URL, as the access-matrix test checks it
access-matrix: $(VENV)/.installed-dev
	$(PY) -m pytest -q -s tests/test_access_matrix.py -k print_matrix

## lint: ruff, and import-linter's contracts on the layers (pyproject.toml)
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## bench-search: time search against a naive scan on 10,000 generated procedures x 10 revisions,
## in a throwaway PostgreSQL database and a throwaway SQLite file (removed afterwards).
## BENCH_PROCEDURES, BENCH_REVISIONS, BENCH_SEED, BENCH_QUERIES change the sizes.
bench-search: $(VENV)/.installed
	PY=$(PY) bash tests/bench/bench_search.sh

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache
