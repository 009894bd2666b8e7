# Two commands on a fresh machine: `make run` and `make test`. Each sets itself up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALES := sv en es ar

.PHONY: run test lint i18n migrate bench setup clean

# With BOT_TOKEN (environment or .env): the bot, as in production. Without: the playground.
run: setup
	$(BIN)/python -m bot compile-catalogs
	$(BIN)/python -m bot run-or-playground --demo-data $(PLAYGROUND_ARGS)

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m bot compile-catalogs
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

migrate: setup
	$(BIN)/python -m bot migrate

# Extract the strings from the code, merge them into every catalog, compile.
i18n: setup
	$(BIN)/pybabel extract --mapping-file babel.cfg --keywords __ --no-location \
		--sort-output --omit-header --output-file locales/messages.pot .
	for lang in $(LOCALES); do \
		if [ -f locales/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update --input-file locales/messages.pot --domain messages \
				--output-dir locales --locale $$lang --no-fuzzy-matching --ignore-obsolete; \
		else \
			$(BIN)/pybabel init --input-file locales/messages.pot --domain messages \
				--output-dir locales --locale $$lang; \
		fi; \
	done
	$(BIN)/python -m bot compile-catalogs

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
