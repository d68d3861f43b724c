# One task runner for people and CI. `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.synced

.PHONY: run gui test lint format bench venv clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

# The virtualenv follows uv.lock exactly (reproducible installs); re-synced when the lock changes.
# --compile-bytecode: where PYTHONDONTWRITEBYTECODE=1 is set (our machines) Python never caches .pyc, so
# without it every start recompiles the ~700 modules it imports (`tonearm --version` 1.0 s against 0.33 s).
# Tonearm's own packages (an editable install) are compiled here too; an edited module is simply recompiled.
$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --quiet --compile-bytecode --python $(PYTHON)
	$(PY) -m compileall -q app analyzer models scrobbler
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/tonearm db init
	$(VENV)/bin/tonearm-gui

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	$(PY) -m bench.run_all

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
