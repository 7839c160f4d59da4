# Bullseye — the two front-door commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export FLASK_APP := app

.PHONY: setup run test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

app/static/vendor/htmx.min.js: node_modules/.installed
	mkdir -p app/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

## setup: create/refresh .venv and the pinned front-end packages
setup: $(BIN)/.installed app/static/vendor/htmx.min.js

## run: migrate, load demo data into an empty database, serve on http://$(HOST):$(PORT)
run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo --if-empty
	@echo "Serving Bullseye on http://$(HOST):$(PORT)"
	$(BIN)/waitress-serve --host=$(HOST) --port=$(PORT) --threads=16 --call app:create_server

## lint: ruff, mypy and the import-linter contracts of pyproject.toml
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## test: lint, then the whole pytest suite
test: lint
	@$(BIN)/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$status

## bench: the benchmarks of benchmarks/
bench: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) node_modules app/static/vendor .pytest_cache .mypy_cache .ruff_cache
