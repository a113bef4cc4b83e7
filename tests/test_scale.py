"""What keeps big lists fast changes nothing a reader sees.

The hook renders the nav once for all paper pages; related papers come from a pruned TF-IDF.
Each shortcut is checked here against the plain result, on the real seeds. The search index
(pagefind/) is compared by its records: Pagefind names and orders its filter chunks differently
from run to run (README, "Search"), the rest of the site is byte-identical.
"""

from __future__ import annotations

import filecmp
import os
import sys
from pathlib import Path

import pytest

from generator.search_index import read_index

from conftest import copy_project, mkdocs_build

pytestmark = pytest.mark.slow


def _all_files(root: Path) -> set[str]:
    """The site's files but the search index's (compared with `read_index`)."""
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "pagefind"}


def test_fast_build_is_byte_identical_to_a_plain_build(built_site, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERSHELF_PLAIN_BUILD", "1")  # no shared nav, every page through Markdown
    plain = tmp_path / "plain"
    result = mkdocs_build(copy_project(tmp_path / "project"), plain)
    assert result.returncode == 0, result.stderr[-3000:]

    files = _all_files(built_site)
    assert files == _all_files(plain)
    assert len([f for f in files if f.startswith("papers/")]) > 680
    _match, mismatch, errors = filecmp.cmpfiles(built_site, plain, sorted(files), shallow=False)
    assert mismatch == [] and errors == []
    records = read_index(built_site / "pagefind")
    assert records == read_index(plain / "pagefind")
    assert sum(1 for r in records if r["url"].startswith("/papers/")) == 680


def test_plain_and_fast_builds_of_3000_papers_are_byte_identical_search_records_included(tmp_path, monkeypatch):
    """The plain build (PAPERSHELF_PLAIN_BUILD=1: no shared chrome, PyYAML and Markdown on every
    page) gives the same site, and the same search records, with whole abstracts, at any size."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("papershelf_bench_synth", Path(__file__).parent.parent / "bench" / "synth.py")
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)
    project = tmp_path / "project"
    synth.make_project(project, 3000)
    sites = {}
    for mode in ("fast", "plain"):
        if mode == "plain":
            monkeypatch.setenv("PAPERSHELF_PLAIN_BUILD", "1")
        result = mkdocs_build(project, tmp_path / mode, strict=False)
        assert result.returncode == 0, result.stderr[-3000:]
        sites[mode] = tmp_path / mode
    files = _all_files(sites["fast"])
    assert files == _all_files(sites["plain"]) and len(files) > 3000
    _match, mismatch, errors = filecmp.cmpfiles(sites["fast"], sites["plain"], sorted(files), shallow=False)
    assert mismatch == [] and errors == []
    records = read_index(sites["fast"] / "pagefind")
    assert records == read_index(sites["plain"] / "pagefind")
    papers = [r for r in records if r["url"].startswith("/papers/")]
    assert len(papers) == 3000
    from generator.site import build_site

    content = {r["url"]: r["content"] for r in papers}
    lib = build_site(project).library
    assert all(p.abstract in content[f"/papers/{p.slug}/"] for p in lib.papers)  # whole abstracts


def test_related_papers_exclude_the_paper_and_mostly_share_its_theme(seed_site):
    lib = seed_site.library
    pairs = [(slug, other) for slug, others in lib.related.items() for other in others]
    assert all(slug != other for slug, other in pairs)
    assert all(len(others) == len(set(others)) <= 5 for others in lib.related.values())
    assert sum(len(others) == 5 for others in lib.related.values()) > 0.95 * len(lib.papers)
    same = sum(lib.paper(a).theme == lib.paper(b).theme for a, b in pairs)
    # 16 themes: chance is about 1 in 10. Measured 41 % with the pruned TF-IDF (43.5 % unpruned).
    assert same / len(pairs) > 0.35


def test_related_papers_are_deterministic_and_independent_of_input_order(seed_site):
    from generator.related import related_papers

    papers = list(seed_site.library.papers)
    forward = related_papers(papers)
    assert related_papers(papers) == forward
    backward = related_papers(papers[::-1])
    agree = sum(forward[s] == backward[s] for s in forward)
    assert agree > 0.97 * len(forward)  # only exact score ties at the 5th place may differ


def test_the_meta_the_hook_hands_mkdocs_is_what_mkdocs_reads_from_the_page_file(seed_site):
    """The hook gives MkDocs each generated page's meta and body as the generator made them;
    a stock build (`papershelf generate --out`) reads the same from the page's text."""
    from mkdocs.utils.meta import get_data

    pages = [page for path, page in seed_site.pages.items() if path.endswith(".md")]
    assert len(pages) > 700
    for page in pages:
        body, meta = get_data(page.text())
        assert meta and (meta, body) == (page.meta, page.body)


def test_a_tags_edit_in_serve_reparses_no_capture_and_keeps_related_papers(project, monkeypatch):
    """`serve` keeps the package imported while its code is unchanged, and with it these caches."""
    from generator import related as related_mod
    from generator import site as site_mod

    calls = {"read": 0, "related": 0, "tokenize": 0}
    real_reader_for, real_related, real_tokenize = site_mod.reader_for, related_mod._related, site_mod.tokenize

    def counting_reader_for(path, fmt=None):
        reader = real_reader_for(path, fmt)

        def read(p, captured):
            calls["read"] += 1
            return reader(p, captured)
        read.__module__ = reader.__module__
        return read

    def counting_related(*args):
        calls["related"] += 1
        return real_related(*args)

    def counting_tokenize(texts):
        calls["tokenize"] += 1
        return real_tokenize(texts)

    monkeypatch.setattr(site_mod, "reader_for", counting_reader_for)
    monkeypatch.setattr(related_mod, "_related", counting_related)
    monkeypatch.setattr(site_mod, "tokenize", counting_tokenize)
    site_mod._PARSED.clear()  # what earlier tests in this process left in the memos
    site_mod._SCORES.clear()
    related_mod._LAST.clear()

    first = site_mod.build_site(project)
    captures = calls["read"]
    assert captures >= 5 and calls["related"] == 1

    tags = project / "tags.yml"
    text = tags.read_text(encoding="utf-8")
    label = first.library.taxonomy.tags[0].label
    tags.write_text(text.replace(f"label: {label}\n", f"label: {label} edited\n", 1), encoding="utf-8")
    second = site_mod.build_site(project)
    assert f"{label} edited" in second.pages["tags/index.md"].body
    assert calls["read"] == captures and calls["related"] == 1  # nothing re-read, nothing recomputed
    assert calls["tokenize"] == 1  # not even the words of the papers
    assert second.library.related == first.library.related

    capture = sorted((project / "seeds").glob("001_*.txt"))[0]
    capture.write_bytes(capture.read_bytes().replace(b"Reasoning", b"Reasoning!", 1))
    third = site_mod.build_site(project)
    assert calls["read"] == captures + 1 and calls["related"] == 2  # one capture and its text changed
    assert len(third.library.papers) == len(first.library.papers)


_SERVE_LIKE = """
import sys
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config

project, out = Path(sys.argv[1]), Path(sys.argv[2])
tags = project / "tags.yml"
edits = [None, ("label: RAG\\n", "label: Retrieval-augmented generation\\n"),  # one tag's papers change
         ("title: Retrieval & RAG\\n", "title: Retrieval\\n")]  # the nav changes: every page does
for number, edit in enumerate(edits):
    if edit:
        tags.write_text(tags.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(out / f"build{number}"))
    config.plugins.on_startup(command="serve", dirty=False)  # what `mkdocs serve` does, minus the server
    build(config)
"""


def test_serve_rebuilds_after_tags_edits_equal_fresh_builds(tmp_path):
    """Everything serve keeps between rebuilds (parsed captures, related papers, tag scores) gives
    exactly the site a fresh build gives."""
    import subprocess

    from conftest import ROOT

    project, out = copy_project(tmp_path / "project"), tmp_path / "out"
    result = subprocess.run([sys.executable, "-c", _SERVE_LIKE, str(project), str(out)],
                            capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stderr[-3000:]

    fresh = tmp_path / "fresh"
    assert mkdocs_build(project, fresh).returncode == 0  # the project as the last edit left it
    rebuilt = out / "build2"
    files = _all_files(fresh)
    assert files == _all_files(rebuilt)
    _match, mismatch, errors = filecmp.cmpfiles(fresh, rebuilt, sorted(files), shallow=False)
    assert mismatch == [] and errors == []
    text = (rebuilt / "tags" / "index.html").read_text(encoding="utf-8")
    assert "Retrieval-augmented generation" in text and "Retrieval &amp; RAG" not in text


def test_the_search_index_has_one_record_per_paper_and_none_for_generated_lists(built_site, seed_site):
    """Every paper has its own search record; the tags page and the theme tables, which list
    papers again, have none (the hand-written About page has one)."""
    urls = [r["url"] for r in read_index(built_site / "pagefind")]
    assert sorted(urls) == sorted([f"/papers/{p.slug}/" for p in seed_site.library.papers] + ["/about/"])
