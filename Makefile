# Two commands do all the set-up: `make run` (the default sweep and its reports) and `make test`.
# The virtual environment is rebuilt only when pyproject.toml or requirements.lock change.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run quick report test test-fast lint ui lock clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "bench needs Python 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --editable ".[dev]"
	@touch $(STAMP)

run: install           ## the default sweep (9 datasets x 4 models x 3 seeds), then reports/bench.html and .md
	$(BIN)/python -m bench $(ARGS)

quick: install         ## a sweep in seconds: 2 datasets x 4 models x 1 seed
	$(BIN)/python -m bench experiment=quick $(ARGS)

report: install        ## rebuild reports/bench.html and .md from the store
	$(BIN)/python -m bench report $(ARGS)

test: install          ## the whole test suite, end-to-end tests included
	$(BIN)/python -m pytest $(ARGS)

test-fast: install     ## unit tests only
	$(BIN)/python -m pytest -m "not slow" $(ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

ui: install            ## compare runs in the MLflow UI on http://127.0.0.1:5000
	$(BIN)/mlflow ui --backend-store-uri sqlite:///$(CURDIR)/mlruns.db --host 127.0.0.1 --port 5000

lock:                  ## re-pin requirements.lock from a fresh resolve of pyproject.toml's ranges
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet ".[dev]"
	.lock-venv/bin/python -m pip freeze --exclude bench | sed -E 's/^torch==([0-9.]+)\+cpu$$/torch==\1/' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) multirun outputs .pytest_cache
