# The two commands of the quick start, `make demo` and `make test`, and a volunteer's
# `make annotate` (CONTRIBUTING.md).
PYTHON ?= python3
VENV := .venv
LS_VENV := .venv-ls
# cffconvert pins jsonschema<4, which label-studio-sdk cannot use: its own venv, for the test
# that the card's BibTeX is what cffconvert renders.
CFF_VENV := .venv-cff
LABEL_STUDIO_VERSION := 1.23.2
WORKDIR ?= work/demo
# The browser tests drive Debian's Chromium with Playwright (never Playwright's own download).
CHROMIUM := /usr/bin/chromium

# What `make annotate` serves: the latest release on the Hub, or RELEASE=DIR_OR_ORG/NAME@vX.Y.Z.
RELEASE ?= fictional-ai-personas/fictional-ai-personas
ANNOTATE_WORKDIR ?= work/mine
MIRROR ?= ../shared/realdata/gutenberg-mirror
CORPUS_OUT ?= dist/v$(shell sed -n 's/^version: *//p' data/selection.yaml)
CORPUS_DATE ?= $(shell date -u +%F)

.PHONY: demo test install lint bench clean corpus browser annotate

# The package and its tools (editable, so the committed schema/ and data/ are used in place).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -e ".[dev,ray]"
	touch $@

# The Label Studio server is a service, not a library of ours: it gets its own venv.
$(LS_VENV)/.installed:
	$(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/pip install --quiet "label-studio==$(LABEL_STUDIO_VERSION)"
	touch $@

$(CFF_VENV)/.installed:
	$(PYTHON) -m venv $(CFF_VENV)
	$(CFF_VENV)/bin/pip install --quiet "cffconvert==2.0.0"
	touch $@

install: $(VENV)/.installed

# Debian's chromium package, installed with apt when missing (CI runs as root).
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium; }

# A volunteer's one command after cloning: both venvs, then a local Label Studio with the
# release's passages (serve asks once for consent to CC BY 4.0).
annotate:
	$(MAKE) -j2 $(VENV)/.installed $(LS_VENV)/.installed
	$(VENV)/bin/faip annotate serve --workdir $(ANNOTATE_WORKDIR) --release $(RELEASE)

demo: $(VENV)/.installed
	$(VENV)/bin/faip demo --workdir $(WORKDIR)

# The corpus release of data/selection.yaml from a Gutenberg mirror (a folder or a URL).
corpus: $(VENV)/.installed
	$(VENV)/bin/faip build --mirror $(MIRROR) --out $(CORPUS_OUT) --date $(CORPUS_DATE) \
		--workdir work/corpus --workers 2

test:
	$(MAKE) -j2 $(VENV)/.installed $(LS_VENV)/.installed $(CFF_VENV)/.installed browser
	$(VENV)/bin/ruff check .
	LABEL_STUDIO_BIN=$(CURDIR)/$(LS_VENV)/bin/label-studio \
	  CFFCONVERT_BIN=$(CURDIR)/$(CFF_VENV)/bin/cffconvert $(VENV)/bin/pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

bench: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/validate.py

clean:
	rm -rf work .cache .pytest_cache
