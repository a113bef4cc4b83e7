"""The benchmark (bench/) keeps working, and paper pages do not grow with the size of the library.

No timing is asserted: the machine running the tests may be busy. These tests only check that
`bench/run.py` still runs end to end and reports sane numbers, and that a paper page's HTML size
depends on the paper, not on how many other papers the site has.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synth():
    return _load("papershelf_bench_synth", BENCH / "synth.py")


def _table(markdown: str) -> tuple[list[str], list[list[str]]]:
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    split = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    return split[0], split[2:]


@pytest.mark.slow
def test_benchmark_runs_and_reports_sane_numbers(tmp_path):
    out, data = tmp_path / "RESULTS.md", tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--sizes", "60", "--runs", "1", "--no-browser",
         "--out", str(out), "--json", str(data), "--work", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=900, cwd=ROOT,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    assert result.returncode == 0, result.stderr[-3000:]

    header, rows = _table(out.read_text(encoding="utf-8"))
    assert header == ["size", "papers", "runs", "generate s", "generate CPU s", "papers/s", "mkdocs build s",
                      "build CPU s", "peak RSS MB", "peak RSS all processes MB", "site MB", "pages",
                      "paper page median KB", "paper page max KB", "search index MB", "search from open s",
                      "search after typing s", "warm search s", "search KB fetched", "of which pagefind/ KB"]
    assert len(rows) == 1
    cells = dict(zip(header, rows[0]))
    assert cells["size"] == "60" and cells["runs"] == "1"
    for name in ["generate s", "generate CPU s", "papers/s", "mkdocs build s", "build CPU s", "peak RSS MB",
                 "peak RSS all processes MB", "site MB", "pages", "paper page median KB", "paper page max KB", "search index MB"]:
        assert float(cells[name]) > 0, name
    for name in ["search from open s", "search after typing s", "warm search s", "search KB fetched",
                 "of which pagefind/ KB"]:
        assert cells[name] == "n/a"  # --no-browser
    report = out.read_text(encoding="utf-8")
    budget_site = re.search(r"^- site size: ([\d,]+) MB \(goal <= 1,000 MB\): met at \d+ papers$", report, re.M)
    assert abs(int(budget_site.group(1).replace(",", "")) - float(cells["site MB"])) <= 0.5  # from the same row
    assert "search: page open to first result: n/a s (goal <= 1.5 s): not measured" in report
    assert re.search(r"Machine: \d+ CPUs \(nproc\), Python 3\.\d+", out.read_text())

    row = json.loads(data.read_text())["rows"][0]
    assert 50 <= row["papers"] <= 60  # 60 made; curation.yml may hide a few
    assert row["paper_pages"] == row["papers"] == int(cells["papers"])  # one page per visible paper
    assert int(cells["pages"]) > row["paper_pages"]
    assert 0 < row["generate_s"] < row["build_s"]  # the build runs the generator too
    assert 50 < row["peak_rss_mb"] < 8000
    assert 50 < row["tree_rss_mb"] < 8000  # (all processes at once, sampled from /proc every 0.1 s)
    assert row["paper_page_median_kb"] <= row["paper_page_max_kb"]
    assert 0 < row["search_index_mb"] < row["site_mb"]


def _code_is_dirty() -> bool:
    """Whether the working tree's code (what --against builds as "new") differs from HEAD's."""
    status = subprocess.run(["git", "status", "--porcelain", "--", "generator", "overrides", "docs", "mkdocs.yml"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, GIT_OPTIONAL_LOCKS="0"))
    return status.returncode != 0 or bool(status.stdout.strip())


@pytest.mark.slow
def test_benchmark_against_head_builds_both_sides_and_finds_identical_sites(tmp_path):
    """`--against HEAD`: the same code on both sides must give byte-identical sites, and both sides' numbers.

    On a clean checkout "new" is the working tree, which is HEAD. While the code is being edited
    the working tree is not HEAD, so the test compares HEAD with HEAD (--new HEAD) instead: still
    two exports, two projects, two processes per run, whose outputs must not differ by one byte.
    """
    out, data, work = tmp_path / "AGAINST.md", tmp_path / "against.json", tmp_path / "work"
    command = [sys.executable, str(BENCH / "run.py"), "--quick", "--against", "HEAD", "--no-browser", "--no-serve",
               "--work", str(work), "--out", str(out), "--json", str(data)]
    if _code_is_dirty():
        command += ["--new", "HEAD"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT,
                            env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    assert result.returncode == 0, result.stderr[-3000:]

    text = out.read_text(encoding="utf-8")
    assert "| size | papers | runs | old wall s |" in result.stdout  # the table is printed too
    first = text[text.index("\n| size |"):]
    header, rows = _table(first[:first.index("\n\n")])  # the report's first table: the comparison
    assert header == ["size", "papers", "runs", "old wall s", "new wall s", "new/old wall", "old CPU s",
                      "new CPU s", "new/old CPU", "old peak RSS MB", "new peak RSS MB", "new/old RSS", "files",
                      "identical files"]
    assert [row[0] for row in rows] == ["50", "200"]
    for row in rows:
        cells = dict(zip(header, row))
        assert cells["runs"] == "1"
        for name in ["old wall s", "new wall s", "old CPU s", "new CPU s", "old peak RSS MB", "new peak RSS MB",
                     "new/old wall", "new/old CPU", "new/old RSS"]:
            assert float(cells[name]) > 0, name
        assert int(cells["files"]) > int(cells["papers"]) > 0
        assert cells["identical files"] == cells["files"], row  # same code: every file identical
        assert f"size {cells['size']}: the two sites are byte-identical ({cells['files']} files" in text

    report = json.loads(data.read_text())
    assert report["sides"]["old"]["sha"] == subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, text=True,
                                                           capture_output=True).stdout.strip()
    for row in report["rows"]:
        assert row["compare"]["differing_count"] == 0 and row["compare"]["differing"] == []
        assert row["compare"]["files"] > row["old"]["pages"] > row["old"]["paper_pages"]  # every file, not only HTML
        for side in ("old", "new"):
            assert len(row[side]["wall_s"]) == len(row[side]["cpu_s"]) == len(row[side]["peak_rss_mb"]) == 1
            assert row[side]["paper_pages"] == row["old"]["paper_pages"] > 0
            # each side built its own project, importing its own copy of the code
            project = Path(row[side]["project"])
            assert project.parent == work / f"against-size-{row['size']}" and project.name == side
            assert (project / "generator").resolve() != (ROOT / "generator").resolve()
        old_project, new_project = Path(row["old"]["project"]), Path(row["new"]["project"])
        for name in ("tags.yml", "curation.yml", "seeds/sources.yml", "seeds/000_synthetic.txt"):
            assert (old_project / name).read_bytes() == (new_project / name).read_bytes(), name
        # (the same code: the same site but for the few bytes of Pagefind's run-to-run chunk names)
        assert row["old"]["site_mb"] > 0 and abs(row["old"]["site_mb"] - row["new"]["site_mb"]) < 0.001
    assert (work / f"against-{report['sides']['old']['short']}" / "generator" / "mkdocs_hook.py").is_file()


def test_normalise_generator_meta_blanks_only_that_tag():
    run = _load("papershelf_bench_run", BENCH / "run.py")
    mkdocs = b'<head><meta charset="utf-8"><meta name="generator" content="mkdocs-1.6.1, mkdocs-material-9.8.2">' \
             b'<meta name="description" content="A list"></head><p>name="generator" content="kept"</p>'
    properdocs = mkdocs.replace(b"mkdocs-1.6.1", b"properdocs-1.6.4")
    assert mkdocs != properdocs
    assert run.normalise_generator_meta(mkdocs) == run.normalise_generator_meta(properdocs)
    assert run.normalise_generator_meta(mkdocs) == mkdocs.replace(b"mkdocs-1.6.1, mkdocs-material-9.8.2", b"")
    assert run.normalise_generator_meta(b"<meta content='x' name=generator>") == b"<meta content=\"\" name=generator>"
    diff = run.compare_manifests({"a.html": "1", "b.xml": "2", "old.txt": "3"}, {"a.html": "1", "b.xml": "9",
                                                                                 "new.txt": "4"})
    assert (diff["files"], diff["identical"], diff["differing"]) == (4, 1, ["b.xml", "new.txt", "old.txt"])
    assert diff["only_old"] == ["old.txt"] and diff["only_new"] == ["new.txt"]


def test_synthetic_project_is_deterministic_and_distinct(tmp_path, synth):
    from generator.site import read_papers

    a = synth.make_project(tmp_path / "a", 900)
    b = synth.make_project(tmp_path / "b", 900)
    assert a == b
    for name in sorted(p.name for p in (tmp_path / "a" / "seeds").iterdir()):
        assert (tmp_path / "a" / "seeds" / name).read_bytes() == (tmp_path / "b" / "seeds" / name).read_bytes()
    first = (tmp_path / "a" / "seeds" / "000_synthetic.txt").read_text(encoding="utf-8").splitlines()
    assert first[:2] == synth.HEADER and first[2].startswith("Subscribe") and all(line for line in first)
    papers, _sources, problems = read_papers(tmp_path / "a" / "seeds")
    assert problems == []
    assert len(papers) == 900 < a["entries"]  # the repeated entries merged back
    assert len({p.slug for p in papers}) == 900


@pytest.mark.slow
def test_paper_page_size_does_not_grow_with_the_number_of_papers(tmp_path, synth):
    run = _load("papershelf_bench_run", BENCH / "run.py")
    medians = {}
    for size in (200, 800):
        project = tmp_path / f"synth-{size}"
        synth.make_project(project, size)
        site = tmp_path / f"site-{size}"
        run.measure_build(project, site)
        stats = run.site_stats(site)
        assert size * 0.9 <= stats["paper_pages"] <= size
        medians[size] = stats["paper_page_median_bytes"]
    assert medians[800] <= medians[200] * 1.10, medians
    assert medians[800] >= medians[200] * 0.90, medians


@pytest.mark.slow
@pytest.mark.browser
def test_search_probe_counts_what_the_browser_fetched_before_the_first_result(built_site):
    """On the seed site the probe finds the engine the build made and counts at least the
    index itself (Material's lunr fetches the whole search_index.json before any result)."""
    from browser_support import CHROMIUM, require

    require(CHROMIUM.exists(), f"{CHROMIUM} is absent")
    probe = _load("papershelf_bench_search_probe", BENCH / "search_probe.py")
    engine = probe.engine_of(built_site)
    assert engine == ("pagefind" if (built_site / "pagefind").is_dir() else "lunr")
    index_bytes = probe.search_index_bytes(built_site)
    assert index_bytes > 0
    seen = probe.measure_search(built_site, "quantization", warm_query="retrieval", timeout_s=120)
    assert seen["engine"] == engine
    assert 0 < seen["type_s"] <= seen["first_s"] and seen["warm_s"] > 0
    home = (built_site / "index.html").stat().st_size
    assert seen["requests"] > 2 and seen["fetched_bytes"] > home
    if engine == "lunr":
        assert seen["fetched_bytes"] > index_bytes
