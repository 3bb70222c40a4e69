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

.PHONY: help venv venv-gpu gpu-check test test-slow paper paper-plan paper-cost lab export clean-results docs docs-check FORCE
help:
	@echo "make paper [SCALE=smoke|small|full] [FRESH=1]  every paper item into $(RESULTS)/<scale>/ (tables/, figures/, cards/, runs/,"
	@echo "                                             executed/); an item reruns only when the content of its notebook, m3_nb/ or data/<scale>/ changed;"
	@echo "                                             FRESH=1 reruns every item and recomputes every run (old runs moved to .previous/)"
	@echo "make paper-plan [SCALE=...]                  what make paper would reuse, recompute or finds stale, with estimated times"
	@echo "make paper-cost [SCALE=...]                  what the scale's results cost, per item and in total, from their records"
	@echo "make $(RESULTS)/<scale>/executed/<item>.ipynb SCALE=<scale>  one paper item (nbs/paper/<item>.ipynb)"
	@echo "make data [SCALE=...] [DATA_SEED=0]           offline datasets for every map and quality into data/<scale>/ (resumable); behaviour"
	@echo "                                             policies: scripts (attack-nearest, focus-fire, kiting + noise) and random; at small/full"
	@echo "                                             also the committed MAPPO expert/snapshot actors of $(RESULTS)/<scale>/experts/manifest.json"
	@echo "                                             (SHA-256 checked; written by the world_calibration item); MAPPO is trained only for a map not listed there"
	@echo "make test                                     clean/export gates, then every notebook as a test (pytest)"
	@echo "make test-slow                                the same, including #| slow cells"
	@echo "make lab [LAB_ARGS=...]                       JupyterLab on the notebooks (LAB_ARGS appended to its flags)"
	@echo "make docs                                     the documentation site, from the notebooks, into _docs/html/"
	@echo "make docs-check                               make docs, then every page opened in headless Chromium; screenshots to $(RESULTS)/docs/"
	@echo "make readme                                   README.md's results block rewritten from $(RESULTS)/ (after make paper)"
	@echo "make venv-gpu                                 .venv with CUDA builds of jax and torch (Linux x86_64 + NVIDIA driver); make gpu-check tests it"

# The stamp holds the SHA-256 of requirements.txt + pyproject.toml: a newer mtime with the same content (nbdev-export
# rewrites pyproject.toml) only refreshes the stamp; changed content reinstalls.
VENV_KEY = cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1
$(STAMP): requirements.txt pyproject.toml
	@if [ -x $(PY) ] && [ -f $@ ] && [ "$$($(VENV_KEY))" = "$$(cat $@)" ]; then touch $@; else \
	  set -e; test -x $(PY) || $(PYTHON) -m venv $(VENV); \
	  $(PY) -m pip install -q --upgrade pip; \
	  $(PY) -m pip install -q -r requirements.txt; \
	  $(PY) -m pip install -q --no-deps --no-build-isolation -e .; \
	  $(PY) -m pip check; \
	  $(VENV_KEY) > $@; fi

venv: $(STAMP)

export: $(STAMP)
	$(BIN)/nbdev-export && $(BIN)/nbdev-clean

test: $(STAMP)
	$(PY) -m pytest -v --durations=10 -p no:cacheprovider tests

test-slow: $(STAMP)
	M3_TEST_FLAGS="slow" $(PY) -m pytest -v --durations=10 -p no:cacheprovider tests

# Results per scale: make paper SCALE=x writes only under results/x/ (its notebooks get -p out_dir results/x), so a
# smaller scale never touches a larger one's files. One rule per item: nbs/paper/<item>.ipynb -> results/x/executed/<item>.ipynb.
OUT   := $(RESULTS)/$(SCALE)
EXEC  := $(OUT)/executed
PAPER_ITEMS := $(basename $(notdir $(PAPER_NBS)))
FRESH ?=
# What an item's result depends on: its notebook, the library m3_nb/ and the offline data of its scale, by content, not
# by file times (a fresh clone dates every file at the checkout, `make data` regenerates git-ignored data bit for bit,
# nbdev-export rewrites unchanged modules). After each successful run tools/item_keys.py records the content of those
# inputs in $(EXEC)/.inputs/<item>.json (committed with the executed notebook); an item whose inputs differ from its
# record now (or that has no record) is remade. CHANGED_ITEMS is computed (in ~0.1 s) whenever an item rule is expanded.
# The ledger records an item reads count too: tools/read_log/sitecustomize.py (on PYTHONPATH for the item's processes)
# logs every run record they open, and a record that changed or vanished since (remade runs) makes the item stale.
CHANGED_ITEMS = $(shell $(PYTHON) tools/item_keys.py changed --scale $(SCALE) --out $(OUT) $(PAPER_ITEMS))
# The notebook's output streams to the terminal as it runs (--log-output); the executed notebook replaces the previous
# one only after a successful run (a failed or killed run leaves it in place, and its partial copy in <item>.ipynb.tmp.ipynb);
# a failed run's writes to tables/, figures/ and cards/ are undone from the copy `snapshot` took (item_keys restore).
.SECONDEXPANSION:
$(EXEC)/%.ipynb: $$(if $$(filter $$*,$$(CHANGED_ITEMS)),FORCE) $(if $(filter-out 0,$(FRESH)),FORCE) | nbs/paper/%.ipynb $(STAMP)
	@mkdir -p $(@D)/.inputs && : > $(@D)/.inputs/.$*.reads && $(PYTHON) tools/item_keys.py snapshot --scale $(SCALE) --out $(OUT) $*
	@echo "== paper item $* (SCALE=$(SCALE)) -> $(OUT)/"
	@start=$$(date +%s); \
	if PYTHONPATH=$(CURDIR)/tools/read_log$${PYTHONPATH:+:$$PYTHONPATH} M3_READ_LOG=$(abspath $(@D))/.inputs/.$*.reads M3_READ_ROOT=$(abspath $(OUT)) \
	   $(BIN)/papermill --cwd nbs/paper -k python3 --log-output --no-progress-bar -p scale $(SCALE) -p out_dir $(abspath $(OUT)) nbs/paper/$*.ipynb $@.tmp.ipynb; then \
	  mv -f $@.tmp.ipynb $@ && $(PYTHON) tools/item_keys.py record --scale $(SCALE) --out $(OUT) $* || exit $$?; \
	  echo "== $* done in $$(( $$(date +%s) - start )) s"; \
	else rc=$$?; echo "== $* FAILED after $$(( $$(date +%s) - start )) s; $@ is left as it was; the failed run is in $@.tmp.ipynb" >&2; \
	  $(PYTHON) tools/item_keys.py restore --scale $(SCALE) --out $(OUT) $*; exit $$rc; fi

FORCE:

paper: | $(STAMP)
	@if [ -n "$(filter-out 0,$(FRESH))" ]; then for d in runs checkpoints; do if [ -d $(OUT)/$$d ]; then \
	  dst=$(OUT)/.previous/$$(date +%Y%m%dT%H%M%S); mkdir -p $$dst; mv $(OUT)/$$d $$dst/; echo "== FRESH: $(OUT)/$$d moved to $$dst/"; fi; done; fi
	@set -e; for item in $(PAPER_ITEMS); do \
	  $(MAKE) --no-print-directory $(EXEC)/$$item.ipynb SCALE=$(SCALE) FRESH=$(FRESH); \
	  if [ -f $(OUT)/tables/$${item}_timing.md ]; then cat $(OUT)/tables/$${item}_timing.md; fi; \
	done

paper-plan: | $(STAMP)
	@$(PY) tools/paper_plan.py --scale $(SCALE) --out $(OUT) --items $(PAPER_ITEMS) \
	  --up-to-date "$$(for item in $(PAPER_ITEMS); do $(MAKE) -q --no-print-directory $(EXEC)/$$item.ipynb SCALE=$(SCALE) && echo $$item; done)"

# What the scale's results cost, item by item and in total, from their own records (issue 16's stage-time table).
paper-cost: | $(STAMP)
	@$(PY) tools/paper_cost.py --scale $(SCALE) --out $(OUT) $(if $(filter small,$(SCALE)),--target-hours 6)

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_FLAGS) $(LAB_ARGS) nbs

clean-results:
	@echo "nothing is deleted: results/<scale>/ is committed output; FRESH=1 recomputes (old runs kept in .previous/)"

# Offline datasets (nbs/03b_collect): one HDF5 file per (map, quality) under data/<scale>/<map>/<quality>.h5.
# Behaviour policies at small/full come from results/<scale>/experts/ (committed actor weights + manifest.json with SHA-256).
DATA_SEED ?= 0
.PHONY: data
data: | $(STAMP)
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
