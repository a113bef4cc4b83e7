"""What keeps big lists fast changes nothing a reader sees.

The hook renders the nav once for all paper pages and feeds Material's search indexer less HTML;
related papers come from a pruned TF-IDF; long lists index trimmed abstracts. Each shortcut is
checked here against the plain result, on the real seeds.
"""

from __future__ import annotations

import filecmp
import html
import json
import os
import sys
from pathlib import Path

import pytest
from material.plugins.search.plugin import Parser

from generator.render.markup import without_search_excluded
from generator.render.paper import index_abstract

from conftest import copy_project, mkdocs_build

pytestmark = pytest.mark.slow


def _all_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_fast_build_is_byte_identical_to_a_plain_build(built_site, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERSHELF_PLAIN_BUILD", "1")  # no shared nav, Material indexes whole pages
    plain = tmp_path / "plain"
    result = mkdocs_build(copy_project(tmp_path / "project"), plain)
    assert result.returncode == 0, result.stderr[-3000:]

    files = _all_files(built_site)
    assert files == _all_files(plain)
    assert len([f for f in files if f.startswith("papers/")]) > 680
    _match, mismatch, errors = filecmp.cmpfiles(built_site, plain, sorted(files), shallow=False)
    assert mismatch == [] and errors == []
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert sum(1 for d in index["docs"] if d["location"].startswith("papers/")
               and d["location"].endswith("#abstract")) == 680


def _sections(html: str) -> list[tuple[str, str]]:
    parser = Parser()
    parser.feed(html)
    parser.close()
    # What Material's indexer keeps of each section (it strips the joined title and text).
    return [(s.id or "", "".join(s.title).strip(), "".join(s.text).strip())
            for s in parser.data if not s.is_excluded()]


def test_cutting_excluded_blocks_leaves_material_search_sections_unchanged(seed_site):
    nested = '<p>a</p><div data-search-exclude><div>inner</div><p>gone</p></div><p>b</p>'
    assert without_search_excluded(nested) == "<p>a</p><p>b</p>"  # nesting of the same tag counted
    sample = '<div><h2 id="a">A</h2><p>kept <em>text</em></p><div data-search-exclude>' \
             '<p>gone</p></div><p>after</p><table data-search-exclude><tr><td>x</td></tr>' \
             '</table><h2 id="b" data-search-exclude>B</h2><ul data-search-exclude><li>' \
             '<b>y</b></li></ul><p data-search-exclude>no <code>p</code></p><p>end</p></div>'
    cut = without_search_excluded(sample)
    assert "gone" not in cut and ">x<" not in cut and ">y<" not in cut and "no " not in cut
    assert "after" in cut and "end" in cut and 'id="b"' in cut  # headings stay: they start sections
    assert _sections(cut) == _sections(sample)

    for path, text in seed_site.pages.items():
        if path.endswith(".md") and "data-search-exclude" in text:
            body = text.split("\n---\n", 1)[1]
            assert _sections(without_search_excluded(body)) == _sections(body), path


def test_search_html_of_a_paper_is_what_material_indexes_of_its_page(seed_site):
    for path, search_html in seed_site.search.items():
        body = seed_site.pages[path].split("\n---\n", 1)[1]
        assert _sections(search_html) == _sections(body), path


def test_index_abstract_keeps_the_first_sentence_whole_and_marks_the_cut():
    text = "First sentence is long enough to pass the limit on its own. Second one. Third."
    assert index_abstract(text, None) == text
    assert index_abstract(text, 500) == text
    assert index_abstract(text, 20) == "First sentence is long enough to pass the limit on its own. …"
    assert index_abstract(text, 72) == "First sentence is long enough to pass the limit on its own. Second one. …"
    assert index_abstract("No full stop at all but very long", 5) == "No full stop at all but very long"


def test_a_cut_ends_in_an_ellipsis_entity_and_the_text_keeps_its_own(seed_site):
    """The page's markup is ASCII, so the ellipsis of a cut description or search abstract is
    `&hellip;`; an abstract that itself ends in "…" keeps its character."""
    from generator.model import replace_paper
    from generator.render.markup import read_front_matter
    from generator.render.paper import render_paper

    lib = seed_site.library
    paper = lib.papers[0]
    long = replace_paper(paper, abstract="First sentence here. " + "word " * 100 + "end.")
    page, search = render_paper(long, lib, 60)
    assert read_front_matter(page)[0]["description"].endswith(" word&hellip;")
    assert search.endswith("First sentence here. &hellip;</p>")
    own = replace_paper(paper, abstract="Short, and it trails off…")
    page, search = render_paper(own, lib, 60)
    assert read_front_matter(page)[0]["description"] == "Short, and it trails off…"
    assert search.endswith("trails off…</p>") and "&hellip;" not in page


def test_long_lists_trim_abstracts_in_the_search_index_but_never_on_the_page(monkeypatch):
    from generator import site as site_mod

    monkeypatch.setattr(site_mod, "SEARCH_FULL_ABSTRACTS", 100)  # the seeds' 680 papers count as long
    site = site_mod.build_site(site_mod.Path(__file__).resolve().parent.parent)
    trimmed = 0
    for paper in site.library.papers:
        src = f"papers/{paper.slug}.md"
        indexed, page = site.search[src], site.pages[src]
        assert html.escape(paper.title) in page and html.escape(paper.abstract) in page
        first_sentence = paper.abstract.split(". ", 1)[0]
        assert html.escape(first_sentence) in indexed
        assert "<h2" not in indexed and "Tags:" not in indexed  # one entry: title and tags have fields
        if html.escape(paper.abstract) not in indexed:
            trimmed += 1
            assert indexed.endswith(" &hellip;</p>")
            assert len(indexed) < len(page) / 2
    assert trimmed > 400  # most seed abstracts are longer than SEARCH_ABSTRACT_CHARS


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


def test_generated_front_matter_reads_back_the_same_without_pyyaml(seed_site):
    from mkdocs.utils.meta import get_data

    from generator.render.markup import read_front_matter

    pages = [text for path, text in seed_site.pages.items() if path.endswith(".md")]
    assert len(pages) > 700
    for text in pages:
        body, meta = get_data(text)
        assert meta and read_front_matter(text) == (meta, body)
    assert read_front_matter("---\ntitle: not json\n---\nbody") is None
    assert read_front_matter("no front matter") is None


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
    monkeypatch.setenv("PAPERSHELF_WORKERS", "1")  # as in serve rebuilds: its server threads keep them from forking
    site_mod._READ_CACHE.clear()
    related_mod._LAST.clear()

    first = site_mod.build_site(project)
    captures = calls["read"]
    assert captures >= 5 and calls["related"] == 1

    tags = project / "tags.yml"
    text = tags.read_text(encoding="utf-8")
    label = first.library.taxonomy.tags[0].label
    tags.write_text(text.replace(f"label: {label}\n", f"label: {label} edited\n", 1), encoding="utf-8")
    second = site_mod.build_site(project)
    assert f"{label} edited" in second.pages["tags.md"]
    assert calls["read"] == captures and calls["related"] == 1  # nothing re-read, nothing recomputed
    assert calls["tokenize"] == 1  # not even the words of the papers
    assert second.library.related == first.library.related

    capture = sorted((project / "seeds").glob("001_*.txt"))[0]
    capture.write_bytes(capture.read_bytes().replace(b"Reasoning", b"Reasoning!", 1))
    third = site_mod.build_site(project)
    assert calls["read"] == captures + 1 and calls["related"] == 2  # one capture and its text changed
    assert len(third.library.papers) == len(first.library.papers)


_SERVE_LIKE = """
import json, sys
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config

project, out = Path(sys.argv[1]), Path(sys.argv[2])
tags = project / "tags.yml"
edits = [None, ("label: RAG\\n", "label: Retrieval-augmented generation\\n"),  # one tag's papers change
         ("title: Retrieval & RAG\\n", "title: Retrieval\\n")]  # the nav changes: every page does
reused = []
for number, edit in enumerate(edits):
    if edit:
        tags.write_text(tags.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(out / f"build{number}"))
    config.plugins.on_startup(command="serve", dirty=False)  # what `mkdocs serve` does, minus the server
    build(config)
    reused.append(config.plugins["generator/mkdocs_hook.py"]._state["pages_reused"])
print(json.dumps(reused))
"""


def test_serve_rebuilds_after_tags_edits_equal_fresh_builds(tmp_path):
    """Everything serve keeps between rebuilds (templates, captures, related papers, tag scores,
    search entries, whole paper pages) gives exactly the site a fresh build gives."""
    import subprocess
    import sys

    from conftest import ROOT

    project, out = copy_project(tmp_path / "project"), tmp_path / "out"
    result = subprocess.run([sys.executable, "-c", _SERVE_LIKE, str(project), str(out)],
                            capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stderr[-3000:]
    reused = json.loads(result.stdout.strip().splitlines()[-1])
    # After the label edit most paper pages come back from the cache; after the nav edit none.
    assert reused[0] == 0 and 400 < reused[1] < 680 and reused[2] == 0, reused

    fresh = tmp_path / "fresh"
    assert mkdocs_build(project, fresh).returncode == 0  # the project as the last edit left it
    rebuilt = out / "build2"
    files = _all_files(fresh)
    assert files == _all_files(rebuilt)
    _match, mismatch, errors = filecmp.cmpfiles(fresh, rebuilt, sorted(files), shallow=False)
    assert mismatch == [] and errors == []
    text = (rebuilt / "tags" / "index.html").read_text(encoding="utf-8")
    assert "Retrieval-augmented generation" in text and "Retrieval &amp; RAG" not in text


def test_tag_listing_stays_on_the_tags_page_but_out_of_the_search_index(built_site, seed_site):
    """Every paper has its own search entry; the tags page lists each again under each of its tags."""
    page = (built_site / "tags" / "index.html").read_text(encoding="utf-8")
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    tag_entries = [d for d in index["docs"] if d["location"].startswith("tags/#tag:")]
    assert len(tag_entries) >= 100  # one per tag heading: tags stay searchable by name
    assert all(d["text"] == "" for d in tag_entries)
    paper = seed_site.library.papers[0]
    listed = f'href="../papers/{paper.slug}/"'
    assert page.count(listed) == len(paper.tags)  # ...and the page still lists it under each tag
    tags_text = " ".join(d["text"] for d in index["docs"] if d["location"].startswith("tags/"))
    assert html.escape(paper.title) not in tags_text


def test_compiled_templates_are_cached_on_disk_and_a_damaged_cache_is_harmless(tmp_path):
    project = copy_project(tmp_path / "project")
    first = mkdocs_build(project, tmp_path / "first")
    assert first.returncode == 0, first.stderr[-3000:]
    cached = sorted((project / ".cache" / "papershelf" / "templates").glob("*.cache"))
    assert len(cached) >= 50  # Material's templates and the overrides, compiled once
    for number, path in enumerate(cached):  # truncated, garbage, empty
        path.write_bytes([path.read_bytes()[:40], b"\x00garbage", b""][number % 3])
    second = mkdocs_build(project, tmp_path / "second")
    assert second.returncode == 0, second.stderr[-3000:]
    files = _all_files(tmp_path / "first")
    assert files == _all_files(tmp_path / "second")
    _match, mismatch, errors = filecmp.cmpfiles(tmp_path / "first", tmp_path / "second", sorted(files),
                                                shallow=False)
    assert mismatch == [] and errors == []
    assert all(path.read_bytes().startswith(b"j2") for path in cached)  # compiled again, rewritten


def test_build_settings_pause_the_collector_keep_freed_memory_and_are_restored(project, monkeypatch):
    """A full collection walks every live object, and glibc returns freed memory only to fault it
    back in (seconds per build at 10,000 papers): both paused while generating, then restored,
    also when the inputs are broken; without glibc's mallopt the build runs all the same."""
    import gc

    from generator import site as site_mod
    from generator import tuning
    from generator.errors import PapershelfError

    calls, seen = [], []
    monkeypatch.setattr(tuning, "_MALLOPT", lambda option, value: calls.append((option, value)) or 1)
    real_classify = site_mod.classify
    monkeypatch.setattr(site_mod, "classify",
                        lambda *a: seen.append((gc.isenabled(), len(calls), sys.getswitchinterval())) or real_classify(*a))
    assert gc.isenabled()
    interval = sys.getswitchinterval()
    site_mod.build_site(project)
    assert seen == [(False, 2, tuning.SWITCH_INTERVAL)] and gc.isenabled()
    assert sys.getswitchinterval() == interval != tuning.SWITCH_INTERVAL
    assert calls[:2] == [(tuning._M_TRIM_THRESHOLD, tuning._KEEP), (tuning._M_MMAP_THRESHOLD, tuning._KEEP)]
    assert sorted(calls[2:]) == sorted([(tuning._M_MMAP_THRESHOLD, 128 * 1024), (tuning._M_TRIM_THRESHOLD, 128 * 1024)])
    (project / "tags.yml").write_text("themes: [\n", encoding="utf-8")
    with pytest.raises(PapershelfError):
        site_mod.build_site(project)
    assert gc.isenabled() and len(calls) == 8  # restored after the failure too
    monkeypatch.setattr(tuning, "_MALLOPT", None)
    gc.disable()
    try:
        with pytest.raises(PapershelfError):
            site_mod.build_site(project)
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
    import platform
    if platform.libc_ver()[0] == "glibc":
        assert tuning._mallopt() is not None  # found on this (glibc) machine


def test_what_a_build_made_counts_as_old_and_its_cycles_are_still_collected():
    """After the paused collector, the build's objects go to the oldest generation unexamined
    (no young collection walking all of them); garbage cycles among them are still freed."""
    import gc
    import weakref

    from generator import tuning

    class Node:
        pass

    gc.collect()
    with tuning.build_settings():
        cycle = Node()
        cycle.me = cycle
        alive = weakref.ref(cycle)
        kept = [Node() for _ in range(5000)]  # tracked containers made while paused
        del cycle
    assert gc.get_count()[0] < 100  # young count reset: nothing left to walk on the next allocation
    assert gc.get_freeze_count() == 0 and alive() is not None  # aged, not frozen; not yet collected
    gc.collect()
    assert alive() is None and len(kept) == 5000
    gc.freeze()  # objects frozen by someone else stay frozen
    try:
        frozen = gc.get_freeze_count()
        with tuning.build_settings():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_related_papers_run_in_a_thread_that_is_gone_after_the_build(project, monkeypatch):
    """They overlap tag scoring and the index pages; no thread may outlive the build (a fork
    follows it on long lists), and an error in the thread is the build's error."""
    import threading

    from generator import site as site_mod

    before, in_thread = threading.active_count(), []
    real = site_mod.related_papers
    monkeypatch.setattr(site_mod, "related_papers",
                        lambda *a: in_thread.append(threading.current_thread() is not threading.main_thread()) or real(*a))
    site_mod.build_site(project)
    assert in_thread == [True] and threading.active_count() == before

    def broken(*args):
        raise ZeroDivisionError("in the related papers thread")
    monkeypatch.setattr(site_mod, "related_papers", broken)
    with pytest.raises(ZeroDivisionError, match="related papers thread"):
        site_mod.build_site(project)
    assert threading.active_count() == before
