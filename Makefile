# Gongxiao: `make demo` sets everything up and serves the demo county; `make test` runs the checks.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
STAMP := $(VENV)/.installed
VENDOR := gongxiao/static/vendor
PG_URL ?= postgres://postgres@127.0.0.1:5432
PG_TEST_DB ?= gongxiao_ci_$(shell echo $$$$)
export PYTHONDONTWRITEBYTECODE=1

.PHONY: install static messages demo serve test lint typecheck test-sqlite test-postgres browser-deps bench clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "需要 Python 3.11 ($(PY))"; exit 1; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) static messages

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static: node_modules/.package-lock.json
	mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons/fonts $(VENDOR)/htmx $(VENDOR)/echarts $(VENDOR)/tom-select
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/bootstrap/
	cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css $(VENDOR)/bootstrap-icons/
	cp node_modules/bootstrap-icons/font/fonts/* $(VENDOR)/bootstrap-icons/fonts/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	cp node_modules/tom-select/dist/js/tom-select.complete.min.js node_modules/tom-select/dist/css/tom-select.bootstrap5.min.css $(VENDOR)/tom-select/

messages: $(STAMP)
	@command -v msgfmt >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq gettext >/dev/null; }
	cd gongxiao && ../$(BIN)/django-admin compilemessages --settings=gongxiao.settings -v 0

demo: install
	$(BIN)/gongxiao migrate --no-input -v 0
	$(BIN)/gongxiao collectstatic --no-input -v 0
	$(BIN)/gongxiao demo --if-empty
	$(BIN)/gongxiao serve

serve: install
	$(BIN)/gongxiao serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy gongxiao

browser-deps:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test-sqlite: install browser-deps
	$(BIN)/pytest -q -n 2 --dist loadfile

test-postgres: install browser-deps
	@if $(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		echo "== PostgreSQL"; \
		DATABASE_URL=$(PG_URL)/$(PG_TEST_DB) $(BIN)/pytest -q -n 2 --dist loadfile; \
	else echo "== PostgreSQL: nothing answers at 127.0.0.1:5432, skipped"; fi

test: install lint typecheck
	@echo "== SQLite"
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

bench: install
	$(PYTHON) benchmarks/run.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
