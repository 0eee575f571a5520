# Two commands do everything: `make run` and `make test` (and `make demo` shows it working). Both build the virtual environment
# (.venv) on first use and reinstall only when pyproject.toml changes.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test demo lint bench acceptance install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: install
	$(BIN)/stockpool db upgrade
	$(BIN)/stockpool serve --host $(HOST) --port $(PORT)

# A fresh database in a temporary directory, the sandbox marketplaces, a sample catalogue and
# buyers; prints the dashboard's address and an admin key, then what happens, until Ctrl-C.
demo: install
	$(BIN)/stockpool demo --port $(PORT)

# Tests run on this many pytest-xdist workers (2 cores here); TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= 2

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The dashboard's browser test drives Debian's chromium (never a downloaded browser): installed
# with apt when missing (as root, or through sudo).
.PHONY: browser
browser:
	command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium; }

# The issue-16 acceptance at full scale (20,000 orders for 5,000 units over 4 server processes
# and 2 workers; about 9 minutes): needs STOCKPOOL_TEST_DATABASE_URL, a PostgreSQL it may wipe.
acceptance: install
	STOCKPOOL_ACCEPTANCE_FULL=1 $(BIN)/python -m pytest -q tests/e2e/test_many_processes.py -k commit_exactly

bench: install
	$(BIN)/python bench/movements.py
	$(BIN)/python bench/orders.py
	$(BIN)/python bench/availability.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/api_http.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
