"""Shared fixtures: the real seeds, a temp copy of the project, and one strict build of the site.

The strict build runs once per test session (about 10 s) and is shared by every test that reads
the built HTML.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PROJECT_INPUTS = ["mkdocs.yml", "tags.yml", "curation.yml", "seeds", "docs", "overrides"]
CHROMIUM = Path("/usr/bin/chromium")
# The tests build the example project strictly, example site_url and repo_url included, as
# `make site` does (generator/placeholders.py); tests of that check remove it.
os.environ["PAPERSHELF_ALLOW_EXAMPLE_URLS"] = "1"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/data/golden expectations")


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def seed_papers():
    from generator.site import read_papers

    papers, sources, problems = read_papers(SEEDS)
    return papers, sources, problems


@pytest.fixture(scope="session")
def seed_site():
    """The pipeline's output for the real seeds (no MkDocs)."""
    from generator.site import build_site

    return build_site(ROOT)


def copy_project(dest: Path) -> Path:
    """A private copy of the project's inputs, so a test can edit them freely."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_INPUTS:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            shutil.copy2(src, dest / name)
    (dest / "generator").symlink_to(ROOT / "generator")  # the hook mkdocs.yml names; code is not edited
    return dest


def project_with_papers(dest: Path, papers_yml: str) -> Path:
    """`copy_project` with a seeds/papers.yml of hand-added papers (YAML text)."""
    project = copy_project(dest)
    (project / "seeds" / "papers.yml").write_text(papers_yml, encoding="utf-8")
    return project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def mkdocs_build(project_dir: Path, site_dir: Path, strict: bool = True, quiet: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT))
    from generator.builder import builder_command

    args = [*builder_command(), "build", *(["-q"] if quiet else []), "-f", str(project_dir / "mkdocs.yml"),
            "-d", str(site_dir)]
    if strict:
        args.append("--strict")
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)


def papershelf(*args: str, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, input=input, timeout=600)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The whole seed site, built with `mkdocs build --strict` from a copy of the project."""
    base = tmp_path_factory.mktemp("built")
    project_dir = copy_project(base / "project")
    site_dir = base / "site"
    result = mkdocs_build(project_dir, site_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    return site_dir


# The browser suites' shared fixtures (tests/browser_support.py has the helpers): one server of
# the session's strict build and one headless Chromium per test module.


@pytest.fixture(scope="module")
def site_url(built_site: Path):
    """The session's built seed site, served on 127.0.0.1 (a free port) for one test module."""
    from browser_support import serve

    with serve(built_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """A headless /usr/bin/chromium for one test module (a skip, or a failure under
    PAPERSHELF_REQUIRE_BROWSER=1, without it)."""
    from browser_support import running_chromium

    with running_chromium() as chromium:
        yield chromium


@pytest.fixture
def browse(browser, site_url):
    """A `browser_support.Session` of one test on the served seed site (its contexts closed after)."""
    from browser_support import session

    with session(browser, site_url) as opened:
        yield opened


@pytest.fixture(scope="module")
def lib(seed_site):
    """The seed site's Library: where tests take their expectations from."""
    return seed_site.library
