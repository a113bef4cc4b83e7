# papershelf: every set-up step is here, so a fresh machine needs only Python 3.11+ and make.
#   make serve   build and serve the site on http://127.0.0.1:8000 (live reload)
#   make site    build the static site into site/ (strict)
#   make test    install the test extras, axe-core + Lighthouse (npm ci) and Debian's chromium
#                (when root), then run every test
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
export NO_MKDOCS_2_WARNING = 1

.PHONY: serve site test bench install clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

serve: install
	$(BIN)/mkdocs serve -a 127.0.0.1:8000

site: install
	$(BIN)/mkdocs build --strict -d site

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: install node_modules/.installed
	bash scripts/ensure-chromium
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf site $(VENV) test-artifacts
