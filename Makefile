PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_EMAIL := demo@insightlog.dev

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Serve on http://127.0.0.1:8000 with the embedded SQLite store, with the projection worker
# beside the web server; the first start creates a demo account whose key and project id
# land in var/demo.env. The database files and the demo's key are readable by their owner
# only (umask 077).
run: install
	@mkdir -p var
	umask 077; $(BIN)/insightlog migrate
	@test -f var/demo.env || (umask 077; $(BIN)/insightlog bootstrap --email $(DEMO_EMAIL) \
		--first-name Demo --organization "Demo Organization" --project "Demo Project" \
		--env-file var/demo.env > var/demo.json)
	@echo "Demo credentials: run '. var/demo.env' to get \$$KEY, \$$PROJECT and \$$TOKEN"
	@$(BIN)/insightlog projections run & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		$(BIN)/insightlog serve --host 127.0.0.1 --port 8000 --workers 2

test: install lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
