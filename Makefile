# graderkit developer commands. `make demo` and `make test` are the README's two commands.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
NLTK_DATA ?= $(HOME)/nltk_data
export NLTK_DATA

.PHONY: setup sandbox integrations wordnet browser promptfoo demo test test-fast lint docs bench dist-check clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,docs]'
	touch $@

setup: $(VENV)/.installed sandbox  ## create .venv with graderkit and its dev tools

sandbox:  ## bubblewrap and libseccomp from Debian packages: the python sandbox's isolation
	bash scripts/install-sandbox.sh

# The integrations' test dependencies. torch comes first and pinned: the CPU build of 2.13.0 is
# what this project's machines carry; an unpinned torch would pull a multi-GB CUDA build.
# veRL and OpenRLHF pin transformers below TRL's and pull GPU stacks (vLLM, flash-attn,
# deepspeed), so they come without dependencies, plus what their reward loaders import.
# uv runs verifiers' chat harness.
$(VENV)/.integrations: $(VENV)/.installed
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev,docs,trl,ray,ray-serve,verifiers-legacy]' uv
	$(PY) -m pip install --quiet --no-deps verl==0.9.1 openrlhf==0.11.2
	$(PY) -m pip install --quiet 'tensordict>=0.8,<=0.10.0,!=0.9.0' omegaconf codetiming pylatexenc
	touch $@

# verifiers 0.4 requires openai<3 and the main environment has openai 3.x: its own virtualenv,
# used by tests/integrations/test_verifiers_04.py.
VF_VENV ?= .venv-verifiers
$(VF_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VF_VENV)
	$(VF_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VF_VENV)/bin/python -m pip install --quiet -e '.[dev,verifiers]' uv
	touch $@

integrations: $(VENV)/.integrations $(VF_VENV)/.installed  ## + TRL, Ray (Data, Serve), verifiers 0.3 and 0.4, veRL, OpenRLHF

wordnet:  ## WordNet 3.0 for meteor, from Debian packages (no download at run time)
	bash scripts/install-wordnet.sh "$(NLTK_DATA)"

browser:  ## Debian's chromium, for the HTML report's headless-browser test
	bash scripts/install-chromium.sh

promptfoo:  ## promptfoo 0.123 + Node.js 22 from the npm registry, for the promptfoo CLI tests
	bash scripts/install-promptfoo.sh

demo: setup  ## grade the bundled clinical example and print a summary (no API key)
	$(VENV)/bin/graderkit grade examples/clinical/graders.py:clinical_python \
	    --data examples/clinical/items.jsonl --samples examples/clinical/predictions.jsonl

test: setup integrations wordnet browser promptfoo  ## the whole test suite, as CI runs it
	$(PY) -m pytest

test-fast: setup promptfoo  ## skip the suites marked slow
	$(PY) -m pytest -m "not slow"

lint: setup
	$(VENV)/bin/ruff check src tests bench examples
	$(VENV)/bin/ruff format --check src tests bench examples
	$(VENV)/bin/mypy

docs: setup
	$(VENV)/bin/mkdocs build --strict

dist-check: setup  ## build sdist + wheel, twine check, run the quickstart from the wheel in a fresh venv
	bash scripts/check-dist.sh $(PY)

bench: setup wordnet
	$(PY) bench/bench_multi_fuzzy_exact.py

clean:
	rm -rf $(VENV) $(VF_VENV) site build dist
