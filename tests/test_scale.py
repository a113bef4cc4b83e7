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


@pytest.mark.parametrize("search_index", ["auto", "full"])
def test_plain_and_fast_builds_of_3000_papers_are_byte_identical_search_index_included(tmp_path, monkeypatch,
                                                                                      search_index):
    """Above SEARCH_COMPACT_ABOVE papers "auto" makes a compact search index; the plain build
    (PAPERSHELF_PLAIN_BUILD=1: no shared chrome, PyYAML and Markdown on every page, Material
    indexing whole pages where the index is full) must give the same site either way."""
    import importlib.util

    import yaml

    spec = importlib.util.spec_from_file_location("papershelf_bench_synth", Path(__file__).parent.parent / "bench" / "synth.py")
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)
    project = tmp_path / "project"
    synth.make_project(project, 3000)
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    config.setdefault("extra", {})["papershelf"] = {"search_index": search_index}
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
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
    index = json.loads((sites["fast"] / "search" / "search_index.json").read_text(encoding="utf-8"))
    abstracts = [d for d in index["docs"] if d["location"].startswith("papers/") and "#" not in d["location"]
                 and d["location"] != "papers/"]
    sections = [d for d in index["docs"] if d["location"].startswith("papers/") and d["location"].endswith("#abstract")]
    if search_index == "auto":  # compact: one entry per paper, no sections
        assert len(abstracts) == 3000 and sections == []
    else:
        assert len(sections) == 3000


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

    for path, page in seed_site.pages.items():
        if path.endswith(".md") and "data-search-exclude" in page.body:
            body = page.body
            assert _sections(without_search_excluded(body)) == _sections(body), path


def test_search_html_of_a_paper_is_what_material_indexes_of_its_page(seed_site):
    for path, search_html in seed_site.search.items():
        body = seed_site.pages[path].body
        assert _sections(search_html) == _sections(body), path


def test_a_cut_ends_in_an_ellipsis_entity_and_the_text_keeps_its_own(seed_site):
    """The page's markup is ASCII, so the ellipsis of a cut description or search abstract is
    `&hellip;`; an abstract that itself ends in "…" keeps its character."""
    from generator.model import replace_paper
    from generator.render.paper import render_paper

    lib = seed_site.library
    paper = lib.papers[0]
    long = replace_paper(paper, abstract="First sentence here. " + "word " * 100 + "end.")
    page, search = render_paper(long, lib, 60)
    assert page.meta["description"].endswith(" word&hellip;")
    assert search.endswith("First sentence here. &hellip;</p>")
    own = replace_paper(paper, abstract="Short, and it trails off…")
    page, search = render_paper(own, lib, 60)
    assert page.meta["description"] == "Short, and it trails off…"
    assert search.endswith("trails off…</p>") and "&hellip;" not in page.text()


def test_a_compact_search_index_trims_abstracts_but_never_the_page():
    from generator import site as site_mod

    root = site_mod.Path(__file__).resolve().parent.parent
    assert not site_mod.build_site(root).compact_search  # "auto": the seeds' 680 papers are few
    site = site_mod.build_site(root, search_index="compact")
    assert site.compact_search
    trimmed = 0
    for paper in site.library.papers:
        src = f"papers/{paper.slug}.md"
        indexed, page = site.search[src], site.pages[src].text()
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


def test_tag_pages_are_searchable_by_name_but_their_tables_are_not(built_site, seed_site):
    """Every paper has its own search entry; a tag page's table lists them again, out of the index."""
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    tag = max(seed_site.library.taxonomy.tags, key=lambda t: len(seed_site.library.with_tag(t)))
    entries = [d for d in index["docs"] if d["location"].startswith(f"tags/{tag.slug}/")]
    assert [d["title"] for d in entries if d["location"] == f"tags/{tag.slug}/"] == [html.escape(tag.label, quote=False)]
    page = (built_site / "tags" / tag.slug / "index.html").read_text(encoding="utf-8")
    paper = seed_site.library.with_tag(tag)[0]
    assert f'href="../../papers/{paper.slug}/"' in page  # the page lists it...
    assert html.escape(paper.title) not in " ".join(d["text"] for d in entries)  # ...the index does not
