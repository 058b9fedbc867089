# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EVAL_SET ?= ../shared/eval/dev.jsonl
PORT ?= 8501

.PHONY: setup index run test fuzz eval bench loadtest browser axe screenshot clean

# The virtualenv, with the package and its pinned dependencies (torch==2.13.0 is the CPU build on this disk).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

setup: $(STAMP)

# Builds only when the index is missing or stale (`reviewqa build` checks).
index: setup
	$(BIN)/reviewqa build

# First fetches the cited works' abstracts from PubMed when the cache lacks them (offline: one line, then builds anyway).
run: setup
	$(BIN)/reviewqa build --fetch
	$(BIN)/reviewqa serve --port $(PORT)

# Debian's Chromium for the browser test; Playwright cannot download its own here.
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

# axe-core, the accessibility checker the browser test loads into the page, from npm (package-lock.json pins it).
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(AXE)

axe: $(AXE)

# Leaves `git status` clean: the browser test writes nothing in the repository.
test: setup browser axe
	$(BIN)/python -m pytest -q

# The question property test with 10,000 generated questions (`make test` runs 300).
fuzz: setup
	REVIEWQA_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest -q tests/test_robustness.py -k any_question

# The README's screenshots (docs/landing.png, docs/screenshot.png) and the browser timing (docs/browser-timing.json).
screenshot: setup browser axe
	REVIEWQA_SCREENSHOTS=docs $(BIN)/python -m pytest -q tests/test_browser.py

# The dev set question by question, then the answer figures of every question set in eval/.
eval: index
	$(BIN)/reviewqa eval $(EVAL_SET) --per-question
	@for set in eval/*.jsonl; do echo "== $$set"; $(BIN)/reviewqa eval $$set | sed -n '/^answers/,$$p'; done

bench: index
	$(BIN)/python bench/run.py --questions $(EVAL_SET)

loadtest: index
	$(BIN)/python bench/loadtest.py

clean:
	rm -rf $(VENV) index .pytest_cache node_modules
