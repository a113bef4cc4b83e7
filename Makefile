# papershelf: every set-up step is here, so a fresh machine needs only Python 3.11+ and make.
#   make serve   build and serve the site on http://127.0.0.1:8000 (live reload)
#   make site    build the static site into site/ (strict; a local build: the example site_url and
#                repo_url of mkdocs.yml are allowed, see README "Publishing")
#   make check   validate the captures, tags.yml and curation.yml (papershelf check)
#   make test    install the test extras, axe-core + Lighthouse (npm ci), Debian's chromium
#                (when root) and a second venv with ProperDocs instead of MkDocs, then run every test
# `make` puts the `papershelf` command in .venv/bin/: `source .venv/bin/activate` to use it as `papershelf`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# ProperDocs (a maintained fork of MkDocs 1.6) with Material and the project, but no MkDocs:
# the tests build the seed site with it and compare the pages with the MkDocs build.
PD_VENV ?= .venv-properdocs
PD_BIN   = $(PD_VENV)/bin
export NO_MKDOCS_2_WARNING = 1

.PHONY: serve site check test bench install properdocs-venv clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

serve: install
	$(BIN)/mkdocs serve -a 127.0.0.1:8000

site: install
	PAPERSHELF_ALLOW_EXAMPLE_URLS=1 $(BIN)/mkdocs build --strict -d site

check: install
	$(BIN)/papershelf check

# What Material and the project need at run time, minus MkDocs (and Material itself, installed
# with --no-deps so it cannot pull MkDocs in): read from the main venv's installed metadata.
PD_REQUIREMENTS = import importlib.metadata as m; from packaging.requirements import Requirement as R; \
  skip = {"mkdocs", "mkdocs-material"}; \
  reqs = {str(r) for d in ("mkdocs-material", "papershelf") for r in map(R, m.requires(d) or []) \
          if r.name.lower() not in skip and "extra" not in str(r.marker or "")}; \
  print(*sorted(reqs), sep="\n")
# Fails if MkDocs can be imported without ProperDocs' alias (properdocs/replacement.py), and
# checks that the alias serves the `mkdocs.*` imports of the hook and of Material.
PD_CHECK = import importlib.metadata as m, importlib.util as u, sys; \
  assert u.find_spec("mkdocs") is None, "mkdocs is importable in $(PD_VENV)"; \
  assert "mkdocs" not in {d.metadata["Name"].lower() for d in m.distributions()}, "mkdocs is installed in $(PD_VENV)"; \
  import properdocs.replacement, mkdocs.plugins, material.plugins.tags.plugin; \
  assert mkdocs.plugins.__name__ == "properdocs.plugins", mkdocs.plugins.__name__; \
  print("$(PD_VENV): properdocs", m.version("properdocs"), "+ mkdocs-material", m.version("mkdocs-material"), "and no mkdocs")

$(PD_BIN)/.installed: $(BIN)/.installed pyproject.toml
	rm -rf $(PD_VENV)
	$(PYTHON) -m venv $(PD_VENV)
	$(PD_BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip freeze --exclude-editable > $(PD_VENV)/constraints.txt  # same versions as .venv
	$(BIN)/python -c '$(PD_REQUIREMENTS)' > $(PD_VENV)/requirements.txt
	$(PD_BIN)/python -m pip install --quiet -c $(PD_VENV)/constraints.txt \
	  properdocs -r $(PD_VENV)/requirements.txt
	$(PD_BIN)/python -m pip install --quiet --no-deps -c $(PD_VENV)/constraints.txt mkdocs-material -e .
	$(PD_BIN)/python -c '$(PD_CHECK)'
	touch $@

properdocs-venv: $(PD_BIN)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: install properdocs-venv node_modules/.installed
	bash scripts/ensure-chromium
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf site $(VENV) $(PD_VENV) test-artifacts
