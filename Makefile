# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SAMPLE := instance/sample-okrs.xlsx

.PHONY: run test bench clean

$(BIN)/okr: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## run: set up, sync the sample workbook and serve the API and task panes on SQLite over HTTPS
## (https://localhost:5000, as the manifests say; the local CA is made once in instance/tls/)
run: $(BIN)/okr
	mkdir -p instance
	$(BIN)/okr template --sample --force $(SAMPLE)
	$(BIN)/okr sync $(SAMPLE) || test $$? -eq 1
	$(BIN)/okr serve --https

## test: set up (packages, Chromium, LibreOffice where possible) and run the whole suite
test: $(BIN)/okr
	scripts/install-system-deps
	$(BIN)/ruff check addin auth tests bench
	$(BIN)/ruff format --check addin auth tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy addin auth
	$(BIN)/python -m pytest

## bench: the benchmarks (they print their figures; not part of the tests)
bench: $(BIN)/okr
	$(BIN)/python bench/sync_bench.py
	$(BIN)/python bench/write_sheet_bench.py
	$(BIN)/python bench/retro_bench.py
	$(BIN)/python bench/schedule_bench.py
	$(BIN)/python bench/load_bench.py
	$(BIN)/python bench/route_profile.py
	$(BIN)/python bench/jobs_bench.py --baseline

clean:
	rm -rf $(VENV) instance .pytest_cache
