# The two commands of the quick start: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
LS_VENV := .venv-ls
LABEL_STUDIO_VERSION := 1.23.2
WORKDIR ?= work/demo

MIRROR ?= ../shared/realdata/gutenberg-mirror
CORPUS_OUT ?= dist/v$(shell sed -n 's/^version: *//p' data/selection.yaml)
CORPUS_DATE ?= $(shell date -u +%F)

.PHONY: demo test install lint bench clean corpus

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

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(VENV)/bin/faip demo --workdir $(WORKDIR)

# The corpus release of data/selection.yaml from a Gutenberg mirror (a folder or a URL).
corpus: $(VENV)/.installed
	$(VENV)/bin/faip build --mirror $(MIRROR) --out $(CORPUS_OUT) --date $(CORPUS_DATE) \
		--workdir work/corpus --workers 2

test:
	$(MAKE) -j2 $(VENV)/.installed $(LS_VENV)/.installed
	$(VENV)/bin/ruff check .
	LABEL_STUDIO_BIN=$(CURDIR)/$(LS_VENV)/bin/label-studio $(VENV)/bin/pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

bench: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/validate.py

clean:
	rm -rf work .cache .pytest_cache
