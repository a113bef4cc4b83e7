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
    assert header == ["size", "papers", "runs", "generate s", "generate CPU s", "worker peak RSS MB", "papers/s",
                      "mkdocs build s",
                      "build CPU s", "peak RSS MB", "site MB", "pages", "paper page median KB",
                      "paper page max KB", "search index MB", "search from open s",
                      "search after typing s", "warm search s"]
    assert len(rows) == 1
    cells = dict(zip(header, rows[0]))
    assert cells["size"] == "60" and cells["runs"] == "1"
    for name in ["generate s", "generate CPU s", "papers/s", "mkdocs build s", "build CPU s", "peak RSS MB",
                 "site MB", "pages", "paper page median KB", "paper page max KB", "search index MB"]:
        assert float(cells[name]) > 0, name
    for name in ["search from open s", "search after typing s", "warm search s"]:
        assert cells[name] == "n/a"  # --no-browser
    assert cells["worker peak RSS MB"] == "0"  # 60 papers: below PARALLEL_MIN, no worker process
    assert re.search(r"Machine: \d+ CPUs \(nproc\), Python 3\.\d+", out.read_text())

    row = json.loads(data.read_text())["rows"][0]
    assert 50 <= row["papers"] <= 60  # 60 made; curation.yml may hide a few
    assert row["paper_pages"] == row["papers"] == int(cells["papers"])  # one page per visible paper
    assert int(cells["pages"]) > row["paper_pages"]
    assert 0 < row["generate_s"] < row["build_s"]  # the build runs the generator too
    assert 50 < row["peak_rss_mb"] < 8000
    assert row["paper_page_median_kb"] <= row["paper_page_max_kb"]
    assert 0 < row["search_index_mb"] < row["site_mb"]


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
