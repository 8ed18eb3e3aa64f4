# emoscore: `make demo` sets up and analyses the bundled scene; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= $(if $(EMOSCORE_DATA),$(EMOSCORE_DATA),../shared/data)

.PHONY: demo test venv system-deps lint models benchmarks clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,web]'
	# musicnn's weights (ISC); its code pins TF1-era packages, emoscore reads only the checkpoints
	$(BIN)/pip install -q --no-deps musicnn==0.1.0
	touch $@

venv: $(VENV)/.installed

system-deps:
	bash scripts/install-system-deps.sh

demo: venv
	$(BIN)/emoscore analyze examples/scene.wav -o out/
	$(BIN)/emoscore compose out/scene.json --method both --render -o out/

test: venv system-deps lint
	@test -d "$(DATA)" || { echo "error: the corpora are missing: expected $(DATA) (set EMOSCORE_DATA to their folder)"; exit 1; }
	EMOSCORE_DATA="$(abspath $(DATA))" $(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src/emoscore
	$(BIN)/lint-imports --no-cache

# Reproduce the shipped models from the corpora (see docs/models.md).
models: venv
	$(BIN)/emoscore train --recipe default --jobs 2 -o src/emoscore/data/models/default.emo
	$(BIN)/emoscore train --recipe fast --jobs 2 -o src/emoscore/data/models/fast.emo
	# the detector and music models of each tier (models/registry.py)
	for t in domain valence arousal quadrant; do \
		$(BIN)/emoscore train --task $$t --jobs 2 -o src/emoscore/data/models/$$t.emo || exit 1; \
	done
	for t in domain valence arousal quadrant; do \
		$(BIN)/emoscore train --task $$t --recipe $$t-fast --jobs 2 -o src/emoscore/data/models/$$t-fast.emo || exit 1; \
	done

benchmarks: venv
	$(BIN)/python benchmarks/bench_analyze.py

clean:
	rm -rf out build .pytest_cache
