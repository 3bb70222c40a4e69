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
# Extra JupyterLab flags, appended (e.g. make lab LAB_ARGS="--no-browser --port 8899"); --allow-root stays.
LAB_ARGS ?=

# JAX keeps compiled SMAX programs here between runs (not in the repo).
export JAX_COMPILATION_CACHE_DIR ?= $(HOME)/.cache/m3_nb/jax
export PYTHONHASHSEED := 0

ifeq ($(filter $(SCALE),$(SCALES)),)
$(error SCALE=$(SCALE) is not a scale; allowed values: $(SCALES))
endif

.PHONY: help venv venv-gpu gpu-check test test-slow paper lab export clean-results docs docs-check
help:
	@echo "make paper [SCALE=smoke|small|full]  regenerate the paper's tables and figures into $(RESULTS)/"
	@echo "make test                            clean/export gates, then every notebook as a test (pytest)"
	@echo "make test-slow                       the same, including #| slow cells"
	@echo "make data [SCALE=...] [DATA_SEED=0]   offline datasets for every map and quality into data/<scale>/"
	@echo "make lab [LAB_ARGS=...]              JupyterLab on the notebooks (LAB_ARGS appended to its flags)"
	@echo "make docs                            the documentation site, from the notebooks, into _docs/html/"
	@echo "make docs-check                      make docs, then every page opened in headless Chromium; screenshots to $(RESULTS)/docs/"
	@echo "make readme                          README.md's results block rewritten from $(RESULTS)/ (after make paper)"
	@echo "make venv-gpu                        .venv with CUDA builds of jax and torch (Linux x86_64 + NVIDIA driver); make gpu-check tests it"
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
	$(BIN)/jupyter lab $(LAB_FLAGS) $(LAB_ARGS) nbs

clean-results:
	rm -rf $(RESULTS)/executed

# Offline datasets (nbs/03b_collect): one HDF5 file per (map, quality) under data/<scale>/<map>/<quality>.h5.
DATA_SEED ?= 0
.PHONY: data
data: $(STAMP)
	$(PY) -m m3_nb.collect --scale $(SCALE) --out data/$(SCALE) --seed $(DATA_SEED)

# GPU machines: the same pins, with jax's CUDA 12 plugin and PyPI's torch wheel of the pinned version (a CUDA build on
# Linux x86_64; this project's CPU machines carry a CPU build of it on disk, which is what `make venv` takes there).
JAX_VERSION := $(shell sed -n 's/^jax\[cpu\]==//p' requirements.txt)
TORCH_VERSION := $(shell sed -n 's/^torch==//p' requirements.txt)
venv-gpu: $(STAMP)
	$(PY) -m pip install -q "jax[cuda12]==$(JAX_VERSION)"
	$(PY) -m pip uninstall -q -y torch
	$(PY) -m pip install -q --no-cache-dir "torch==$(TORCH_VERSION)"
	$(PY) -m pip check
	$(MAKE) --no-print-directory gpu-check

gpu-check: $(STAMP)
	$(PY) -c "import jax, torch; \
	print('jax', jax.__version__, jax.default_backend(), jax.devices()); \
	print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available()); \
	assert jax.default_backend() == 'gpu', 'jax sees no GPU: make venv-gpu installs jax[cuda12]'; \
	assert torch.cuda.is_available(), 'torch sees no GPU: is this a CUDA build (torch.version.cuda) and is the NVIDIA driver loaded (nvidia-smi)?'"

# Documentation site (docs/build.py: Sphinx + myst-nb from nbs/ and the executed paper notebooks; no execution, offline).
# Its pins live in requirements-docs.txt and go into .venv on first use, so `make test` does not carry them.
DOCS_STAMP := $(VENV)/.docs-installed
$(DOCS_STAMP): requirements-docs.txt $(STAMP)
	$(PY) -m pip install -q -r requirements-docs.txt
	$(PY) -m pip check
	touch $@

docs: $(DOCS_STAMP)
	$(PY) docs/build.py

# The browser check uses Debian's chromium and chromedriver; installed here when missing (as root, non-interactive).
CHROMIUM := /usr/bin/chromium
CHROMEDRIVER := /usr/bin/chromedriver
$(CHROMIUM) $(CHROMEDRIVER):
	@if [ "$$(id -u)" != 0 ]; then echo "$@ is missing: install Debian's chromium and chromium-driver (sudo apt-get install chromium chromium-driver)"; exit 1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver

docs-check: docs $(CHROMIUM) $(CHROMEDRIVER)
	$(PY) docs/check.py

# README's results block (headline tables inline, figures linked), from results/ by code: run after `make paper`.
.PHONY: readme
readme: $(STAMP)
	$(PY) docs/build.py --readme
