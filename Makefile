# Two entry points for a fresh machine (see README):
#   make build   set up .venv, validate the curated data, build the published files
#   make test    set up .venv, lint, type-check and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup build test lint clean bench browse screenshot

$(STAMP): pyproject.toml constraints.txt
	@# system packages some tests drive (Debian's chromium for the real-browser test, strace
	@# for the crash sweep); best effort: the tests skip or fall back with a reason without them
	@missing=""; for tool in chromium chromedriver strace; do command -v $$tool >/dev/null 2>&1 || \
		missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && apt-get install -y -qq chromium chromium-driver strace >/dev/null) || \
		echo "note: could not install$$missing; the tests that need them skip"; \
	elif [ -n "$$missing" ]; then echo "note:$$missing not installed; the tests that need them skip"; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,spark,browse]'
	touch $(STAMP)

setup: $(STAMP)

build: $(STAMP)
	$(BIN)/evidence-kit validate dataset
	$(BIN)/evidence-kit build dataset
	$(BIN)/evidence-kit validate --published dataset/parquet

lint: $(STAMP)
	$(BIN)/ruff check evidence_kit tests bench
	$(BIN)/ruff format --check evidence_kit tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest

# the evidence browser of the curated data, and its screenshot in docs/ (headless Chromium:
# needs Debian's chromium and chromium-driver, apt-get install chromium chromium-driver)
browse: $(STAMP)
	$(BIN)/evidence-kit browse dataset --out site

screenshot: $(STAMP)
	EVIDENCE_KIT_SCREENSHOT=docs/browser-source.png $(BIN)/python -m pytest -q \
		tests/test_browser_chromium.py

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) dist build reports site
