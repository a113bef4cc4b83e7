"""Paper lists in headless Chromium: readable at 390 px and 1366 px, sortable whatever columns a
table shows, and filters kept in the URL (reload, a new page, the back button, Material's instant
navigation, a site served under a sub-path).

Pages and expected rows come from the pipeline (`seed_site`), never from the HTML under test;
the site is the session's strict build (`built_site`). Every page a test opens is watched for
console errors, failed requests and outside requests (`browser_support.Session`). Screenshots go to
test-artifacts/screenshots/lists-*.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from browser_support import (SCREENSHOTS, Session, serve)
from generator.library import ALL_PAPERS, WITH_CODE, theme_src

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1366, "height": 900}


def _url_path(src: str) -> str:
    """A docs path's URL, relative to the site root (use_directory_urls)."""
    return re.sub(r"(^|/)index\.md$|\.md$", lambda m: m.group(1) or "/", src)


@pytest.fixture(scope="module")
def list_pages(lib) -> dict[str, list]:
    """Every paper list of the site: URL path -> its papers, in page order."""
    pages = {_url_path(ALL_PAPERS): list(lib.papers), _url_path(WITH_CODE): [p for p in lib.papers if p.code]}
    for theme in lib.taxonomy.themes:
        if lib.in_theme(theme):
            pages[_url_path(theme_src(theme.slug))] = lib.in_theme(theme)
    return pages


@pytest.fixture(scope="module")
def filter_case(lib):
    """The largest theme with a tag whose papers with code are some but not all of the theme's:
    (its URL path, papers, tag slug, a word of the first such paper's title)."""
    for theme in sorted(lib.taxonomy.themes, key=lambda t: -len(lib.in_theme(t))):
        papers = lib.in_theme(theme)
        for tag in sorted({t for p in papers for t in p.tags}):
            both = [p for p in papers if tag in p.tags and p.code]
            if both and len(both) < len(papers):
                word = max(re.findall(r"[A-Za-z]+", both[0].title), key=len)
                return _url_path(theme_src(theme.slug)), papers, tag, word
    pytest.fail("no theme has a tag and code links that narrow its list")


class Pages(Session):
    """The shared Session, opening each page in a context of its own (so "a new page" shares
    nothing) and waiting after each load until its requests settle."""

    def open(self, path: str = "", viewport: dict = WIDE, scheme: str = "light"):
        page = self.page(viewport=viewport, scheme=scheme)
        self.visit(page, path)
        return page

    def visit(self, page, path: str) -> None:
        self.goto(page, path)
        self.settle(page)


@pytest.fixture
def pages(browser, site_url):
    opened = Pages(browser, site_url)
    yield opened
    opened.close()


def _shown(page) -> list[str]:
    """The slugs of the rows a reader sees, top to bottom."""
    return page.evaluate("Array.from(document.querySelectorAll('table.ps-table:not(#secondary-papers):not(#tagged-papers) tbody tr'))"
                         ".filter(r => !r.hidden && r.getClientRects().length > 0)"
                         ".map(r => r.querySelector('a.ps-title').getAttribute('href').split('/').slice(-2)[0])")


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


# --------------------------------------------------------------------------------------------
# layout at 390 px and 1366 px

# Each element of the content that sticks out of the screen, and each table cell that overflows
# or splits a word: a word (split at spaces, and after hyphens, where a line may break) is split
# when its text has client rects on more than one line.
_LAYOUT_PROBLEMS = """() => {
    const problems = [];
    const width = document.documentElement.clientWidth;
    for (const el of document.querySelectorAll('.md-content *')) {
        const box = el.getBoundingClientRect();
        if (box.width && (box.right > width + 1 || box.left < -1)) {
            problems.push(`${el.tagName.toLowerCase()}.${el.className}: ${Math.round(box.left)}..${Math.round(box.right)}`);
        }
    }
    for (const cell of document.querySelectorAll('table.ps-table :is(td, th)')) {
        if (cell.getClientRects().length === 0) continue;
        if (cell.scrollWidth > cell.clientWidth + 1) {
            problems.push(`cell wider than itself (${cell.scrollWidth} > ${cell.clientWidth}): ${cell.textContent.trim()}`);
        }
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const whole = document.createRange();
            whole.selectNodeContents(node);
            const lines = new Set(Array.from(whole.getClientRects()).map(r => Math.round(r.top)));
            if (lines.size < 2) continue;  /* on one line: no word of it can be split */
            const re = /[^\\s-]+-*/g;
            for (let m = re.exec(node.data); m; m = re.exec(node.data)) {
                const range = document.createRange();
                range.setStart(node, m.index);
                range.setEnd(node, m.index + m[0].length);
                const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
                if (tops.size > 1) problems.push(`word split over ${tops.size} lines: "${m[0]}" in ${cell.textContent.trim()}`);
            }
        }
    }
    return problems;
}"""


def test_phone_lists_fit_the_screen_and_split_no_word(pages, list_pages):
    page = pages.open(_url_path(ALL_PAPERS), viewport=PHONE)
    for path in list_pages:
        pages.visit(page, path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        problems = page.evaluate(_LAYOUT_PROBLEMS)
        assert not problems, f"{path} at {PHONE['width']} px:\n" + "\n".join(problems[:20])
        # Rows are stacked blocks: the title cell spans the row, nothing scrolls sideways.
        layout = page.evaluate("""() => { const t = document.querySelector('table.ps-table');
            const cell = t.tBodies[0].rows[0].cells[0];
            return [getComputedStyle(t).display, cell.getBoundingClientRect().width, t.getBoundingClientRect().width]; }""")
        assert layout[0] == "block" and layout[1] >= layout[2] - 1, f"{path}: {layout}"
    pages.assert_clean()


def test_phone_theme_page_shows_papers_before_tag_chips(pages, list_pages):
    theme_path = next(p for p in list_pages if p.startswith("themes/"))
    page = pages.open(theme_path, viewport=PHONE)
    assert page.evaluate("document.querySelector('details.ps-fold').open") is False
    first_row = page.evaluate("document.querySelector('table.ps-table tbody tr').getBoundingClientRect().top")
    assert first_row < PHONE["height"], f"the first paper starts at {first_row}px, below the first screen"
    page.locator("details.ps-fold > summary").click()  # the chips are one tap away
    assert page.locator("details.ps-fold .ps-tag").first.is_visible()
    desktop = pages.open(theme_path, viewport=WIDE)
    assert desktop.evaluate("document.querySelector('details.ps-fold').open") is True
    pages.assert_clean()


def test_desktop_lists_use_the_content_width(pages, list_pages):
    page = pages.open(_url_path(ALL_PAPERS), viewport=WIDE)
    for path in list_pages:
        pages.visit(page, path)
        problems = page.evaluate(_LAYOUT_PROBLEMS)
        assert not problems, f"{path} at {WIDE['width']} px:\n" + "\n".join(problems[:20])
        table, content, toc = page.evaluate("""() => {
            const inner = document.querySelector('.md-content__inner');
            const style = getComputedStyle(inner);
            const toc = document.querySelector('.md-sidebar--secondary');
            return [document.querySelector('table.ps-table').getBoundingClientRect().width,
                    inner.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
                    toc && toc.getClientRects().length ? toc.getBoundingClientRect().width : 0]; }""")
        assert abs(table - content) <= 1, f"{path}: table {table}px in {content}px of content"
        assert toc == 0, f"{path}: a table of contents takes {toc}px"
        # Material's 61rem grid with both sidebars left about 690px; the list takes the screen
        # but for the navigation.
        assert table >= 0.7 * WIDE["width"], f"{path}: table {table}px wide at {WIDE['width']}px"
    pages.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1366", "390"])
def test_screenshots(pages, list_pages, scheme, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    theme_path = next(p for p in list_pages if p.startswith("themes/"))
    for name, path in (("theme", theme_path), ("all-papers", _url_path(ALL_PAPERS))):
        page = pages.open(path, viewport=viewport, scheme=scheme)
        page.screenshot(path=str(SCREENSHOTS / f"lists-{name}-{viewport['width']}-{scheme}.png"))
    pages.assert_clean()


# --------------------------------------------------------------------------------------------
# sorting whatever columns show


def test_sorting_by_title_and_year_survives_additions_to_the_first_cell(pages, lib, list_pages):
    """Sorts by the header's data-sort-key: the title link's text, however much another script
    adds to the first cell (the reading-list toggle does), and a year column wherever it is."""
    path = next(p for p, papers in list_pages.items() if sum(1 for x in papers if x.year) * 5 >= len(papers))
    papers = {p.slug: p for p in list_pages[path]}
    page = pages.open(path)
    # What another script may do: put a control, with words of its own, before every title.
    page.evaluate("""() => document.querySelectorAll('table.ps-table:not(#secondary-papers):not(#tagged-papers) tbody tr').forEach((row, i) => {
        const b = document.createElement('button'); b.textContent = i % 2 ? 'Read' : 'To read';
        row.cells[0].prepend(b); })""")
    title = page.locator("table.ps-table:not(#secondary-papers):not(#tagged-papers) th[data-sort-key=title] button.ps-sort")
    title.click()
    titles = [papers[s].title for s in _shown(page)]
    assert titles == sorted(titles, key=lambda t: t.strip().lower())
    title.click()
    assert [papers[s].title for s in _shown(page)] == titles[::-1]

    year = page.locator("table.ps-table:not(#secondary-papers):not(#tagged-papers) th[data-sort-key=year]")
    year.locator("button.ps-sort").click()
    years = [papers[s].year or -1 for s in _shown(page)]
    assert years == sorted(years) and len(set(years)) > 1
    year.locator("button.ps-sort").click()
    slugs = _shown(page)
    assert [papers[s].year or -1 for s in slugs] == sorted(years, reverse=True)
    assert year.get_attribute("aria-sort") == "descending"
    # Ties keep their earlier order (the titles' descending order).
    for a, b in zip(slugs, slugs[1:]):
        if papers[a].year == papers[b].year:
            assert papers[a].title.strip().lower() >= papers[b].title.strip().lower()
    pages.assert_clean()


# --------------------------------------------------------------------------------------------
# filters in the URL


def _filter_to(page, tag: str, word: str) -> None:
    page.select_option("form.ps-filters select[name=tag]", tag)
    page.check("form.ps-filters input[name=code]")
    page.locator("form.ps-filters input[name=text]").press_sequentially(word)


def _expected(papers, tag: str = "", code: bool = False, word: str = "", years=(None, None)) -> list[str]:
    low, high = years
    return [p.slug for p in papers if (not tag or tag in p.tags) and (not code or p.code)
            and word.lower() in p.title.lower()
            and (low is None or (p.year or 0) >= low) and (high is None or (p.year or 10**6) <= high)]


def test_filters_survive_reload_and_open_in_a_new_page(pages, filter_case):
    path, papers, tag, word = filter_case
    page = pages.open(path)
    _filter_to(page, tag, word)
    expected = _expected(papers, tag, True, word)
    assert _shown(page) == expected and 0 < len(expected) < len(papers)
    assert _query(page) == {"tag": [tag], "code": ["1"], "text": [word]}
    assert urlsplit(page.url).path == urlsplit(urljoin(pages.base, path)).path

    pages.settle(page)  # Chromium asks for the favicon again after pushState: let it finish
    page.reload()
    pages.settle(page)
    assert _shown(page) == expected
    assert page.input_value("form.ps-filters select[name=tag]") == tag
    assert page.is_checked("form.ps-filters input[name=code]")
    assert page.input_value("form.ps-filters input[name=text]") == word
    count = "1 paper" if len(expected) == 1 else f"{len(expected)} papers"
    assert page.locator("form.ps-filters .ps-count").inner_text() == count

    fresh = pages.open(page.url.removeprefix(pages.base))  # a new context: nothing shared but the URL
    assert _shown(fresh) == expected
    pages.assert_clean()


def test_year_range_from_the_url(pages, list_pages):
    """?from=&to= opened directly, on the page with the most dated papers."""
    path, papers = max(list_pages.items(), key=lambda kv: sum(1 for p in kv[1] if p.year))
    years = sorted({p.year for p in papers if p.year})
    assert len(years) >= 2
    low, high = years[-2], years[-1]
    page = pages.open(f"{path}?from={low}&to={high}")
    expected = _expected(papers, years=(low, high))
    assert _shown(page) == expected and 0 < len(expected) < len(papers)
    assert page.input_value("form.ps-filters input[name=from]") == str(low)
    pages.assert_clean()


def test_back_and_forward_restore_filters(pages, list_pages, lib):
    path = _url_path(ALL_PAPERS)
    papers = list_pages[path]
    counts = {}
    for p in papers:
        for t in p.tags:
            counts[t] = counts.get(t, 0) + 1
    first, second = sorted(counts, key=lambda t: (-counts[t], t))[:2]
    page = pages.open(path)
    everything = _shown(page)
    assert everything == [p.slug for p in papers]
    page.select_option("form.ps-filters select[name=tag]", first)
    page.select_option("form.ps-filters select[name=tag]", second)
    assert _shown(page) == _expected(papers, second)
    page.locator("form.ps-filters input[name=text]").press_sequentially("model")  # typing: one entry
    assert _shown(page) == _expected(papers, second, word="model")
    assert _query(page) == {"tag": [second], "text": ["model"]}

    page.go_back()
    assert _query(page) == {"tag": [second]}
    assert _shown(page) == _expected(papers, second)
    assert page.input_value("form.ps-filters input[name=text]") == ""
    page.go_back()
    assert _shown(page) == _expected(papers, first)
    assert page.input_value("form.ps-filters select[name=tag]") == first
    page.go_back()
    assert _query(page) == {} and _shown(page) == everything
    page.go_forward()
    assert _shown(page) == _expected(papers, first)
    pages.assert_clean()


def test_unknown_tag_in_the_url_is_dropped(pages, list_pages):
    path = _url_path(WITH_CODE)
    page = pages.open(f"{path}?tag=no-such-tag&code=1")
    assert _shown(page) == [p.slug for p in list_pages[path]]
    assert _query(page) == {"code": ["1"]}
    pages.assert_clean()


def test_filters_with_instant_navigation_and_back_from_a_paper(pages, filter_case):
    """Material's instant navigation replaces pages without loading them: the filters must be
    read from the URL of a page it brings in, and restored when the back button brings it back."""
    path, papers, tag, word = filter_case
    page = pages.open("")
    page.locator(f".ps-cards a[href$='{path}']").click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    pages.settle(page)
    page.locator("button.ps-sort").first.wait_for()
    page.select_option("form.ps-filters select[name=tag]", tag)
    expected = _expected(papers, tag)
    assert _shown(page) == expected
    filtered_url = page.url
    page.locator(f"table.ps-table:not(#secondary-papers):not(#tagged-papers) a.ps-title[href$='/{expected[0]}/']").click()
    page.wait_for_url(re.compile(r"/papers/"))
    pages.settle(page)
    page.go_back()
    page.wait_for_url(filtered_url)
    pages.settle(page)
    page.wait_for_function("s => document.querySelector(`a.ps-title[href$='/${s}/']`) !== null", arg=expected[0])
    page.wait_for_function("() => document.querySelector('form.ps-filters').dataset.ready === '1'")
    assert _shown(page) == expected
    assert page.input_value("form.ps-filters select[name=tag]") == tag
    pages.assert_clean()


@pytest.fixture(scope="module")
def sub_path_url(built_site: Path, tmp_path_factory):
    """The same site served at /deep/er/ (as GitHub Pages serves a project site)."""
    root = tmp_path_factory.mktemp("served")
    (root / "deep").mkdir()
    os.symlink(built_site, root / "deep" / "er")
    with serve(root) as url:
        yield url + "deep/er/"


def test_filters_in_the_url_under_a_sub_path(browser, sub_path_url, filter_case):
    path, papers, tag, word = filter_case
    opened = Pages(browser, sub_path_url)
    try:
        page = opened.open(path)
        _filter_to(page, tag, word)
        assert urlsplit(page.url).path == f"/deep/er/{path}"
        opened.settle(page)
        page.reload()
        opened.settle(page)
        assert _shown(page) == _expected(papers, tag, True, word)
        opened.assert_clean()
    finally:
        opened.close()
