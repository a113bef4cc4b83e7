"""The header's search (Pagefind, docs/assets/papershelf-search.js) in headless Chromium.

One strict build of the seed project plus two hand-added papers with authors (the seeds have none),
its index in three shards (see `site_dir`), served at the root and under a sub-path (/REPO/, as GitHub Pages serves a project site).
Expectations come from the pipeline (`generator.site.build_site` on the same project, and the
records `generator.search_index` makes of it), never from the HTML under test. Every page is
watched for console errors, failed requests and requests leaving the site (browser_support.Session).

Contract (also used by bench/): the query box is `input.md-search__input`; each result is an
element with class `ps-search-result`.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser_support import (MOBILE, SCREENSHOTS, serve, session)
from conftest import mkdocs_build, project_with_papers
from test_browser import SITE_TITLE_SUFFIX

pytestmark = pytest.mark.browser

# Two papers with authors (made-up names), so the names can be searched for.
PAPERS_YML = """\
- title: Quokka attention for hyperbolic retrieval
  abstract: We study marsupial-inspired attention heads for retrieval over hyperbolic spaces.
  date: 2024-05-01
  authors: [Philippa Vanterpool, Ode Marchetti]
  url: https://example.org/quokka
  code: https://github.com/example/quokka
- title: Small models distilled from marsupials
  abstract: Distillation of small language models from larger teachers, with a note on wombats.
  date: 2023-02-03
  authors: [Ode Marchetti]
  url: https://example.org/wombat
"""
INPUT = "input.md-search__input"
RESULT = ".ps-search-result"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return project_with_papers(tmp_path_factory.mktemp("search") / "project", PAPERS_YML)


@pytest.fixture(scope="module")
def site_dir(project) -> Path:
    """Built with an index in shards of 250 records (about 680 records: 3 shards), so every test
    here searches shards merged in the browser, as a list of over 5,000 papers has them."""
    out = project.parent / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PAPERSHELF_SEARCH_SHARD_SIZE", "250")
        result = mkdocs_build(project, out)
    assert (out / "pagefind" / "shard-2").is_dir()
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def pipeline(project):
    from generator.site import build_site

    return build_site(project)


@pytest.fixture(scope="module")
def records(pipeline):
    from generator.search_index import paper_records

    return paper_records(pipeline.library, lambda src: src.removesuffix(".md") + "/")


@pytest.fixture(scope="module", params=["", "REPO/"], ids=["root", "sub-path"])
def base(request, site_dir, tmp_path_factory):
    """The site's address: served at the root, or under /REPO/ (a folder holding the site)."""
    root = site_dir
    if request.param:
        root = tmp_path_factory.mktemp("prefixed")
        shutil.copytree(site_dir, root / request.param.strip("/"))
    with serve(root) as url:
        yield url + request.param


@pytest.fixture
def browse(browser, base):
    """A Session at `base`; it must end clean (checked after the test)."""
    with session(browser, base) as opened:
        yield opened
        opened.assert_clean()


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t]


def _unique_word(records, own_url: str, candidates) -> str:
    """A word of the record at `own_url` that no other record has, nor any word sharing all but
    its last five letters (Pagefind stems words and matches the last one as a prefix)."""
    others = {t for r in records if r.url != own_url for t in _tokens(r.content)}
    docs = Path(__file__).resolve().parent.parent / "docs"
    others |= {t for page in docs.glob("*.md") for t in _tokens(page.read_text(encoding="utf-8"))}
    for word in candidates:
        stem = word[:max(4, len(word) - 5)]
        if not any(t.startswith(stem) for t in others):
            return word
    raise LookupError(own_url)


@pytest.fixture(scope="module")
def rare_word(records, pipeline):
    """A long word of one paper's abstract found in no other record (or page)."""
    counts = Counter(t for r in records for t in set(_tokens(r.content)))
    for record, paper in zip(records, pipeline.library.papers):
        words = sorted({w for w in _tokens(paper.abstract) if counts[w] == 1 and re.fullmatch(r"[a-z]{10,}", w)},
                       key=lambda w: (-len(w), w))
        try:
            return _unique_word(records, record.url, words), paper, record.url
        except LookupError:
            continue
    pytest.fail("no abstract has a word found in no other record")


def _search(session, page, text: str) -> list[str]:
    """Type `text` into the header's box; the paths of the results once they are all shown."""
    page.keyboard.press("/")
    box = page.locator(INPUT)
    box.fill("")
    page.locator(".md-search-result__meta", has_text="Type to start searching").wait_for()
    box.press_sequentially(text)
    return _results(page, text)


def _results(page, query: str | None = None) -> list[str]:
    """The paths of the results shown (of `query`, when given), once all are shown."""
    if query is not None:
        page.locator(f"ol.md-search-result__list[data-query='{query}']").wait_for(state="attached")
    meta = page.locator(".md-search-result__meta")
    meta.filter(has_text=re.compile(r"^(\d+ matching pages?|1 matching page|No matching papers)$")).wait_for()
    page.wait_for_function("""() => {
        const m = document.querySelector('.md-search-result__meta').textContent.match(/^(\\d+)/);
        const n = m ? Number(m[1]) : 0;
        return document.querySelectorAll('.ps-search-result').length === Math.min(n, 10);
    }""")
    return [urlsplit(h).path for h in page.locator(f"{RESULT} a").evaluate_all("links => links.map(a => a.href)")]


def _count(page) -> int:
    text = page.locator(".md-search-result__meta").inner_text()
    return 0 if text.startswith("No ") else int(text.split()[0])


def test_a_rare_abstract_word_finds_its_paper_only(browse, rare_word):
    word, paper, url = rare_word
    page = browse.page()
    browse.goto(page, "")
    paths = _search(browse, page, word)
    prefix = urlsplit(browse.base).path.rstrip("/")
    assert paths == [prefix + url], (word, paths)
    result = page.locator(RESULT).first
    assert result.locator(".ps-search-title").inner_text() == paper.title
    assert word in result.locator(".ps-search-snippet mark").first.inner_text().lower()
    result.locator("a").click()
    page.wait_for_url(re.compile(re.escape(prefix + url) + "$"))
    assert page.title() == paper.title + SITE_TITLE_SUFFIX


def test_an_authors_name_finds_their_papers(browse, pipeline, records):
    by_author = [p for p in pipeline.library.papers if p.authors]
    author = "Philippa Vanterpool"
    expected = {r.url for r, p in zip(records, pipeline.library.papers) if author in p.authors}
    assert len(expected) == 1 and len(by_author) == 2
    page = browse.page()
    browse.goto(page, "")
    prefix = urlsplit(browse.base).path.rstrip("/")
    assert _search(browse, page, author) == [prefix + u for u in expected]
    shared = {r.url for r, p in zip(records, pipeline.library.papers) if "Ode Marchetti" in p.authors}
    assert sorted(_search(browse, page, "Marchetti")) == sorted(prefix + u for u in shared)


def test_filters_narrow_results_to_what_the_pipeline_says(browse, pipeline):
    lib = pipeline.library
    papers = [p for p in lib.papers if p.year and p.code and p.tags]
    assert papers, "no paper with a year, code and tags"
    target = papers[0]
    theme, tag = lib.theme_of(target), lib.taxonomy.tag(target.tags[0])
    page = browse.page()
    browse.goto(page, "")
    page.keyboard.press("/")
    page.locator(".ps-search-filters select[name=theme]").wait_for()
    steps = [("theme", theme.title, lambda p: lib.theme_of(p) == theme),
             ("tag", tag.label, lambda p: tag.slug in p.tags),
             ("year", str(target.year), lambda p: p.year == target.year),
             ("code", None, lambda p: bool(p.code))]
    kept = list(lib.papers)
    for name, value, keep in steps:
        if value is None:
            page.locator(f".ps-search-filters input[name={name}]").check()
        else:
            page.locator(f".ps-search-filters select[name={name}]").select_option(value)
        before = len(kept)
        kept = [p for p in kept if keep(p)]
        page.wait_for_function(f"""() => document.querySelector('.md-search-result__meta').textContent
                                   .startsWith('{len(kept)} matching')""")
        _results(page)
        assert _count(page) == len(kept) <= before, name
    assert target in kept


def test_keyboard_opens_moves_through_results_opens_one_and_closes(browse, rare_word, pipeline):
    page = browse.page()
    browse.goto(page, "")
    toggle = page.locator("#__search")
    page.keyboard.press("s")
    assert page.evaluate("document.activeElement.matches('input.md-search__input')") and toggle.is_checked()
    page.keyboard.type("language")
    paths = _results(page, "language")
    assert len(paths) >= 3
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    focused = page.evaluate("document.activeElement.href")
    assert urlsplit(focused).path == paths[0]
    page.keyboard.press("ArrowDown")
    assert urlsplit(page.evaluate("document.activeElement.href")).path == paths[1]
    # (the filters' chunks, one per shard, load after the first results: leaving the page before
    # they are in would abort their requests, which the session counts as failures)
    filters_loaded = page.locator(".ps-search-filters select[name=theme]")
    filters_loaded.wait_for()
    page.keyboard.press("Enter")  # instant navigation opens the page
    page.wait_for_url(re.compile(re.escape(paths[1]) + "$"))
    page.wait_for_function("() => !document.getElementById('__search').checked")
    # The header (and its box) stays across instant navigation: search again, Enter opens the first.
    word, paper, url = rare_word
    page.keyboard.press("/")
    page.keyboard.type(word)
    [only] = _results(page, word)
    filters_loaded.wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(only) + "$"))
    assert page.locator("article h1").first.inner_text().strip() == paper.title
    page.keyboard.press("/")
    assert toggle.is_checked()
    page.keyboard.press("Escape")
    assert not toggle.is_checked()
    assert not page.evaluate("document.activeElement.matches('input')")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 800}, MOBILE], ids=["1366", "390"])
def test_screenshot_of_the_open_search(browse, base, scheme, viewport):
    if urlsplit(base).path != "/":
        pytest.skip("one set of screenshots (the root)")
    page = browse.page(scheme=scheme, viewport=viewport)
    browse.goto(page, "")
    if viewport == MOBILE:
        page.locator("label.md-header__button[for=__search]").click()
    assert _search(browse, page, "speculative decoding")
    assert page.locator(INPUT).is_visible() and page.locator(RESULT).first.is_visible()
    page.wait_for_timeout(400)  # Material's opening transition
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"search-{viewport['width']}-{scheme}.png"))
