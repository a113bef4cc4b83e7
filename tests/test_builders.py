"""Any builder: MkDocs or ProperDocs runs the site, and `generate --out` writes a project that a
stock builder builds with no papershelf code; the README's CLI examples run as written."""

from __future__ import annotations

import html
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import builder
from generator.cli import main
from generator.errors import PapershelfError
from generator.write import RECORD

from conftest import ROOT, copy_project, papershelf

PD_VENV = ROOT / ".venv-properdocs"
GENERATOR_META = re.compile(rb'<meta name="generator" content="[^"]*">')
DISTILBERT = "distilbert-a-distilled-version-of-bert-smaller-faster-cheaper-and-lighter"


def _required() -> bool:
    """In CI a missing ProperDocs venv is a failure, not a skip (as a missing browser is)."""
    return os.environ.get("PAPERSHELF_REQUIRE_BROWSER") == "1" or os.environ.get("CI") == "true"


# --- builder_command: which builder runs `papershelf build` and `serve` ---------------------------

def _fake_install(monkeypatch, dists: set[str], modules: set[str]) -> None:
    """Pretend exactly these distributions are installed and these top-level modules findable."""
    def distribution(name):
        if name in dists:
            return object()
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(builder, "distribution", distribution)
    monkeypatch.setattr(builder, "find_spec", lambda name, package=None: object() if name in modules else None)


@pytest.mark.parametrize("dists, modules, chosen", [
    ({"mkdocs", "properdocs"}, {"mkdocs", "properdocs"}, "mkdocs"),  # both: the one the project is tested with
    ({"mkdocs"}, {"mkdocs"}, "mkdocs"),
    ({"properdocs"}, {"properdocs"}, "properdocs"),
    # ProperDocs loaded in this process aliases `mkdocs` (sys.modules), with no MkDocs installed
    ({"properdocs"}, {"mkdocs", "properdocs"}, "properdocs"),
    # metadata left behind by a broken uninstall, but no module
    ({"mkdocs", "properdocs"}, {"properdocs"}, "properdocs"),
])
def test_builder_is_mkdocs_when_installed_else_properdocs(monkeypatch, dists, modules, chosen):
    _fake_install(monkeypatch, dists, modules)
    assert builder.builder_command() == [sys.executable, "-m", chosen]


def test_no_builder_is_a_clear_error_from_build_and_serve(monkeypatch):
    _fake_install(monkeypatch, {"mkdocs"}, set())
    with pytest.raises(PapershelfError, match="install mkdocs or properdocs"):
        builder.builder_command()
    called = []
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: called.append(a) or 0)
    for command in (["build"], ["serve"]):
        result = CliRunner().invoke(main, [*command, "--root", str(ROOT)])
        assert result.exit_code == 1, result.output
        assert "install mkdocs or properdocs: pip install" in result.output
        assert "Traceback" not in result.output
    assert called == []


def test_build_and_serve_run_the_chosen_builder_on_the_projects_mkdocs_yml(monkeypatch, tmp_path):
    _fake_install(monkeypatch, {"properdocs"}, {"properdocs"})
    called = []
    monkeypatch.setattr(subprocess, "call", lambda command: called.append(command) or 0)
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--root", str(tmp_path), "-d", str(tmp_path / "out")]).exit_code == 0
    assert runner.invoke(main, ["serve", "--root", str(tmp_path), "-a", "127.0.0.1:8123"]).exit_code == 0
    config = str(tmp_path / "mkdocs.yml")
    assert called == [
        [sys.executable, "-m", "properdocs", "build", "--strict", "-d", str(tmp_path / "out"), "-f", config],
        [sys.executable, "-m", "properdocs", "serve", "-a", "127.0.0.1:8123", "-f", config],
    ]


def test_this_venv_builds_with_mkdocs():
    assert builder.builder_command() == [sys.executable, "-m", "mkdocs"]


@pytest.mark.slow
def test_papershelf_build_builds_the_site_strictly_with_mkdocs(tmp_path):
    project = copy_project(tmp_path / "project")
    site = tmp_path / "site"
    result = papershelf("build", "--root", str(project), "-d", str(site), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    home = (site / "index.html").read_bytes()
    assert re.search(rb'<meta name="generator" content="mkdocs-1\.6\.\d+, mkdocs-material-', home)
    assert (site / "papers" / DISTILBERT / "index.html").is_file()
    assert (site / "pagefind" / "pagefind.js").is_file() and not (site / "search").exists()


# --- generate --out: a standalone project ----------------------------------------------------------

def _written(out: Path) -> dict:
    return yaml.safe_load((out / "mkdocs.yml").read_text(encoding="utf-8"))


def test_generate_writes_a_standalone_project_and_keeps_write_guarantees(tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "docs" / ".env").write_text("API_KEY=secret\n")  # dot files never travel
    (project / "docs" / "notes.md").write_text("# Notes\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("my own file\n")

    first = papershelf("generate", "--root", str(project), "--out", str(out))
    assert first.returncode == 0, first.stderr
    config = _written(out)
    source = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "hooks" not in config and "watch" not in config
    assert config["docs_dir"] == "docs" and config["theme"]["custom_dir"] == "overrides"
    for key in ("site_name", "site_url", "repo_url", "markdown_extensions", "validation"):
        assert config[key] == source[key], key
    # Without the hook there is no Pagefind index: Material's own search instead of the box made for it.
    assert config["plugins"] == ["search", *source["plugins"]] and "search" not in source["plugins"]
    assert config["extra_css"] == [c for c in source["extra_css"] if "search" not in c] != source["extra_css"]
    assert config["extra_javascript"] == [j for j in source["extra_javascript"] if "search" not in j]
    assert {k: v for k, v in config["theme"].items() if k != "custom_dir"} == \
        {k: v for k, v in source["theme"].items() if k != "custom_dir"}
    assert config["nav"][0] == {"Home": "index.md"} and {"About": "about.md"} in config["nav"]

    record = json.loads((out / RECORD).read_text())["files"]
    for rel in ("mkdocs.yml", "docs/index.md", "docs/papers.json", "docs/about.md", "docs/notes.md",
                "docs/assets/papershelf.css", "overrides/main.html", f"docs/papers/{DISTILBERT}.md"):
        assert rel in record, rel
        assert (out / rel).is_file(), rel
    assert (out / "docs" / "about.md").read_bytes() == (project / "docs" / "about.md").read_bytes()
    assert (out / "overrides" / "main.html").read_bytes() == (project / "overrides" / "main.html").read_bytes()
    assert (out / f"docs/papers/{DISTILBERT}.md").read_text(encoding="utf-8").startswith("---\ntitle: ")
    assert not (out / "docs" / ".env").exists()
    assert len([k for k in record if k.startswith("docs/papers/")]) == 681  # 680 papers + the list of all

    # Unchanged inputs rewrite nothing; a hand-written page removed from the project goes; the
    # file we did not make and a config the user edited are left alone.
    (project / "docs" / "notes.md").unlink()
    edited = (out / "mkdocs.yml").read_text(encoding="utf-8") + "# my edit\n"
    (out / "mkdocs.yml").write_text(edited, encoding="utf-8")
    second = papershelf("generate", "--root", str(project), "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert re.search(r"^0 written, \d+ unchanged, 1 removed, 1 left alone", second.stdout), second.stdout
    assert not (out / "docs" / "notes.md").exists()
    assert (out / "mkdocs.yml").read_text(encoding="utf-8") == edited
    assert "mkdocs.yml: warning: was edited since it was generated" in second.stderr
    assert (out / "mine.txt").read_text() == "my own file\n"


def test_generate_keeps_mkdocs_yaml_tags_for_mkdocs_to_resolve(tmp_path):
    """`!!python/name:` and `!ENV` are written back as they were, never constructed here."""
    from mkdocs.utils.yaml import yaml_load

    from generator.project import read_config, written_config

    project = tmp_path / "project"
    project.mkdir()
    (project / "mkdocs.yml").write_text(
        "site_name: !ENV [PAPERSHELF_TEST_SITE_NAME, 'My list']\n"
        "theme:\n  name: material\n"
        "hooks:\n  - generator/mkdocs_hook.py\n"
        "markdown_extensions:\n"
        "  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "      emoji_generator: !!python/name:material.extensions.emoji.to_svg\n", encoding="utf-8")
    text = written_config(read_config(project), [{"Home": "index.md"}])
    assert "!!python/name:material.extensions.emoji.twemoji" in text
    assert "!ENV" in text and "hooks" not in text
    from material.extensions import emoji

    loaded = yaml_load(text)  # MkDocs' own loader, as `mkdocs build` reads it
    assert loaded["site_name"] == "My list"
    assert loaded["markdown_extensions"][0]["pymdownx.emoji"]["emoji_index"] is emoji.twemoji
    assert loaded["nav"] == [{"Home": "index.md"}] and loaded["docs_dir"] == "docs"
    assert "custom_dir" not in loaded["theme"]


@pytest.mark.parametrize("where", [".", "docs/out", "overrides/out"])
def test_generate_refuses_to_write_into_the_project_itself(tmp_path, where):
    project = copy_project(tmp_path / "project")
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    result = papershelf("generate", "--root", str(project), "--out", str(project / where))
    assert result.returncode == 1
    assert "choose a folder" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


def test_generate_reports_a_broken_mkdocs_yml_with_its_line(tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "mkdocs.yml").write_text("site_name: x\ntheme: [unclosed\n", encoding="utf-8")
    result = papershelf("generate", "--root", str(project), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert re.search(r"^Error: mkdocs.yml:\d+:\d+: YAML error", result.stderr, re.M), result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_generated_project_builds_strictly_with_stock_mkdocs_and_no_hook(tmp_path):
    project = copy_project(tmp_path / "project")
    out = tmp_path / "out"
    done = papershelf("generate", "--root", str(project), "--out", str(out))
    assert done.returncode == 0, done.stderr
    site = tmp_path / "site"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["NO_MKDOCS_2_WARNING"] = "1"
    # Run from the written folder: no generator/ beside it, no hook named in its mkdocs.yml.
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(out / "mkdocs.yml"),
                            "-d", str(site)], capture_output=True, text=True, cwd=out, env=env, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]

    papers = json.loads((out / "docs" / "papers.json").read_text(encoding="utf-8"))
    assert len(papers) == 680
    for paper in papers:
        page = (site / "papers" / paper["slug"] / "index.html").read_text(encoding="utf-8")
        assert f"<h1>{html.escape(paper['title'])}" in page, paper["slug"]
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        assert "<" not in title and html.unescape(title).startswith(paper["title"]), paper["slug"]

    home = (site / "index.html").read_text(encoding="utf-8")
    nav = _written(out)["nav"]
    themes = dict(next(iter(entry.items())) for entry in next(e["Themes"] for e in nav if "Themes" in e))
    assert len(themes) > 10
    for label, src in themes.items():  # every theme page, and each in the nav of the home page
        url = src.removesuffix("index.md") if src.endswith("index.md") else src.removesuffix(".md") + "/"
        assert (site / url / "index.html").is_file(), src
        assert f'href="{url}"' in home and label in home, (label, url)
    for label in ("Reading paths", "Tags", "All papers", "Papers with code", "Statistics", "About"):
        assert label in home, label
    assert "Scaling laws &amp; emergence (" in home  # nav titles are escaped once, not twice
    assert (site / "about" / "index.html").is_file() and (site / "assets" / "papershelf.css").is_file()
    # (no hook, so Material's own search: see generator/project.py)
    for name in ("papers.json", "papers.bib", "feed.xml", "search/search_index.json", "tags/index.html"):
        assert (site / name).is_file(), name

    if (PD_VENV / "bin" / "properdocs").exists():  # and ProperDocs, where `make properdocs-venv` made it
        env["DISABLE_MKDOCS_2_WARNING"] = "true"
        pd_site = tmp_path / "pd-site"
        build = subprocess.run([str(PD_VENV / "bin" / "properdocs"), "build", "--strict", "-q", "-d", str(pd_site)],
                               capture_output=True, text=True, cwd=out, env=env, timeout=600)
        assert build.returncode == 0, build.stderr[-3000:]
        assert (pd_site / "papers" / DISTILBERT / "index.html").is_file()


# --- ProperDocs, with no MkDocs installed ----------------------------------------------------------

@pytest.mark.slow
def test_properdocs_without_mkdocs_builds_the_same_pages_as_mkdocs(tmp_path, request):
    """`make properdocs-venv` makes .venv-properdocs: ProperDocs, Material and the project, no MkDocs.
    `papershelf build` there picks ProperDocs; every page and the search index must be the MkDocs
    build's, byte for byte, once the generator meta tag (which names the builder) is taken out."""
    python = PD_VENV / "bin" / "python"
    if not (PD_VENV / "bin" / "properdocs").exists():
        message = f"{PD_VENV} is missing: run `make properdocs-venv`"
        if _required():
            pytest.fail(message)
        pytest.skip(message)
    no_mkdocs = subprocess.run([str(python), "-c", "import importlib.util, importlib.metadata as m, sys\n"
                                "assert importlib.util.find_spec('mkdocs') is None\n"
                                "assert 'mkdocs' not in {d.metadata['Name'].lower() for d in m.distributions()}"],
                               capture_output=True, text=True)
    assert no_mkdocs.returncode == 0, f"MkDocs is installed in {PD_VENV}: {no_mkdocs.stderr[-1000:]}"

    project = copy_project(tmp_path / "project")
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true", PYTHONPATH=str(ROOT))
    build = subprocess.run([str(python), "-m", "generator", "build", "--root", str(project), "-d", str(site)],
                           capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    assert re.search(rb'<meta name="generator" content="[^"]*ProperDocs 1\.6', (site / "index.html").read_bytes())

    def files(folder: Path) -> set[str]:  # (the search index: compared by its records, below)
        return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
                and p.relative_to(folder).parts[0] != "pagefind"}

    built_site = request.getfixturevalue("built_site")  # the MkDocs build, shared with other tests
    assert files(site) == files(built_site)
    from generator.search_index import read_index

    assert read_index(site / "pagefind") == read_index(built_site / "pagefind")
    compared = [rel for rel in sorted(files(site)) if rel.endswith(".html")]
    assert len(compared) > 700

    def without_meta(path: Path) -> bytes:
        return GENERATOR_META.sub(b"", path.read_bytes())

    differ = [rel for rel in compared if without_meta(site / rel) != without_meta(built_site / rel)]
    assert differ == [], f"{len(differ)} pages differ, e.g. {differ[:5]}"


# --- the README's CLI examples, right after `make serve` ------------------------------------------

def test_readme_cli_examples_run_after_activating_the_venv(tmp_path):
    """README: `source .venv/bin/activate`, then `papershelf ...` as written. Here the venv running
    the tests stands for .venv, in a shell whose PATH does not have it until activated."""
    activate = Path(sys.prefix) / "bin" / "activate"
    if not activate.is_file() or not (Path(sys.prefix) / "bin" / "papershelf").is_file():
        pytest.skip(f"not running in a venv with papershelf installed ({sys.prefix})")
    project = copy_project(tmp_path / "project")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    before = subprocess.run(["bash", "-c", "papershelf --version"], cwd=project, env=env,
                            capture_output=True, text=True)
    assert before.returncode == 127  # "command not found": the problem the activate step solves
    script = f'source "{activate}" && papershelf check && papershelf explain {DISTILBERT}'
    result = subprocess.run(["bash", "-c", script], cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.search(r"^ok: 680 papers, 0 warning\(s\)$", result.stdout, re.M), result.stdout
    assert "Tags that scored (+ given), with what counted, where, and its score:" in result.stdout
    assert re.search(r"^Final: tags .*knowledge-distillation.*; status must-read$", result.stdout, re.M), result.stdout


def test_make_check_runs_papershelf_check_in_the_venv(tmp_path):
    """`make check` in the project folder (the venv exists after `make serve`); -o keeps make from
    reinstalling the venv when pyproject.toml is newer than its install stamp."""
    venv = ROOT / ".venv"
    if shutil.which("make") is None or not (venv / "bin" / "papershelf").is_file():
        pytest.skip("needs make and the project's .venv")
    result = subprocess.run(["make", "--no-print-directory", "-o", ".venv/bin/.installed", "check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert ".venv/bin/papershelf check" in result.stdout
    assert re.search(r"^ok: \d+ papers", result.stdout, re.M), result.stdout
