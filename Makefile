# M3 compendium. `make paper` regenerates the paper's items into results/; `make test` runs the gates.
# Everything installs itself into .venv on first use: a fresh machine needs only python3 (3.11).
SHELL := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
SCALE  ?= smoke
SCALES := smoke small full
RESULTS := results
PAPER_NBS := $(sort $(wildcard nbs/paper/*.ipynb))
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

# JAX keeps compiled SMAX programs here between runs (not in the repo).
export JAX_COMPILATION_CACHE_DIR ?= $(HOME)/.cache/m3_nb/jax
export PYTHONHASHSEED := 0

ifeq ($(filter $(SCALE),$(SCALES)),)
$(error SCALE=$(SCALE) is not a scale; allowed values: $(SCALES))
endif

.PHONY: help venv test test-slow paper lab export clean-results
help:
	@echo "make paper [SCALE=smoke|small|full]  regenerate the paper's tables and figures into $(RESULTS)/"
	@echo "make test                            clean/export gates, then every notebook as a test (pytest)"
	@echo "make test-slow                       the same, including #| slow cells"
	@echo "make data [SCALE=...] [DATA_SEED=0]   offline datasets for every map and quality into data/<scale>/"
	@echo "make lab                             JupyterLab on the notebooks"
	@echo "make $(RESULTS)/tables/<item>.md        one paper item (nbs/paper/<item>.ipynb)"

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	touch $@

venv: $(STAMP)

export: $(STAMP)
	$(BIN)/nbdev-export && $(BIN)/nbdev-clean

test: $(STAMP)
	$(PY) -m pytest -v --durations=10 -p no:cacheprovider tests

test-slow: $(STAMP)
	M3_TEST_FLAGS="slow" $(PY) -m pytest -v --durations=10 -p no:cacheprovider tests

# One rule per paper item: nbs/paper/<item>.ipynb -> results/executed/<item>.ipynb (+ its tables/figures).
$(RESULTS)/executed/%.ipynb: nbs/paper/%.ipynb $(STAMP) $(wildcard m3_nb/*.py)
	@mkdir -p $(RESULTS)/executed
	$(BIN)/papermill --cwd nbs/paper -k python3 -p scale $(SCALE) -p out_dir $(abspath $(RESULTS)) $< $@.tmp.ipynb
	mv $@.tmp.ipynb $@

$(RESULTS)/tables/%.md: $(RESULTS)/executed/%.ipynb ;

paper: $(STAMP)
	@set -e; for nb in $(PAPER_NBS); do \
	  item=$$(basename $$nb .ipynb); start=$$(date +%s); \
	  echo "== paper item $$item (SCALE=$(SCALE))"; \
	  rm -f $(RESULTS)/executed/$$item.ipynb; \
	  $(MAKE) --no-print-directory $(RESULTS)/executed/$$item.ipynb SCALE=$(SCALE); \
	  echo "== $$item done in $$(( $$(date +%s) - start )) s"; \
	  if [ -f $(RESULTS)/tables/$${item}_timing.md ]; then cat $(RESULTS)/tables/$${item}_timing.md; fi; \
	done

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_FLAGS) nbs

clean-results:
	rm -rf $(RESULTS)/executed

# Offline datasets (nbs/03b_collect): one HDF5 file per (map, quality) under data/<scale>/<map>/<quality>.h5.
DATA_SEED ?= 0
.PHONY: data
data: $(STAMP)
	$(PY) -m m3_nb.collect --scale $(SCALE) --out data/$(SCALE) --seed $(DATA_SEED)
