"""My reading list (docs/assets/mylist.js, generator/render/mylist.py) in headless Chromium.

Every test reads the session's strict build of the real seeds (`built_site`), served on
127.0.0.1; what it expects (papers, reading paths, BibTeX keys) comes from the pipeline's
Library. Each test opens fresh browser contexts, so each starts with an empty list.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from browser_support import (AXE_JS, MOBILE, SCREENSHOTS, require, require_chromium)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session", autouse=True)
def _chromium():
    require_chromium()


@pytest.fixture(scope="module")
def path_case(lib):
    """The first reading path and its first paper."""
    assert lib.paths, "the seeds have no reading path"
    path = lib.paths[0]
    return path, lib.paper(path.steps[0].paper)


@pytest.fixture(scope="module")
def row_case(lib, path_case):
    """A theme and a paper listed on its page, not on the first reading path."""
    on_path = {step.paper for step in path_case[0].steps}
    for theme in lib.taxonomy.themes:
        for paper in lib.in_theme(theme):
            if paper.slug not in on_path:
                return theme, paper
    pytest.fail("no theme lists a paper off the first reading path")


def _toggle(page, scope: str, label: str):
    return page.locator(f"{scope} .ps-mark button", has_text=re.compile(rf"^\W*{label}$"))


def _mark_on_paper_page(browse, page, paper, label: str) -> None:
    browse.goto(page, f"papers/{paper.slug}/")
    button = _toggle(page, ".ps-mylist-mark", label)
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    assert button.get_attribute("aria-pressed") == "true"


def _row(slug: str) -> str:
    """A paper table's row of the paper `slug`: the row whose title link ends in /<slug>/
    (rows carry no data-slug; mylist.js reads it from that link)."""
    return f'tr:has(> td > a.ps-title[href$="/{slug}/"])'


def _listed(page) -> dict[str, tuple[str, list[str]]]:
    """slug -> (title shown, labels of its pressed buttons) on the my-list page."""
    page.wait_for_selector(".ps-mylist-summary")
    rows = page.locator(".ps-mylist-table tbody tr").evaluate_all("""rows => rows.map(r => [
        r.getAttribute('data-slug'), r.cells[0].textContent,
        Array.from(r.querySelectorAll('button[aria-pressed=true]')).map(b => b.getAttribute('data-status'))])""")
    return {slug: (title, pressed) for slug, title, pressed in rows}


def test_marked_read_on_its_page_is_listed_after_reload(browse, lib, path_case):
    path, paper = path_case
    page = browse.page()
    _mark_on_paper_page(browse, page, paper, "Read")
    page.reload()
    assert _toggle(page, ".ps-mylist-mark", "Read").get_attribute("aria-pressed") == "true"
    assert _toggle(page, ".ps-mylist-mark", "To read").get_attribute("aria-pressed") == "false"
    browse.goto(page, "my-list/")
    assert _listed(page) == {paper.slug: (paper.title, ["read"])}
    link = page.locator(f'.ps-mylist-table tr[data-slug="{paper.slug}"] a').get_attribute("href")
    assert urljoin(page.url, link) == urljoin(browse.base, f"papers/{paper.slug}/")
    # Progress on the reading path that starts with it, from the page's own path data.
    item = page.locator(".ps-mylist-path", has=page.locator(f'a[href$="paths/{path.slug}/"]'))
    assert item.locator(".ps-mylist-progress").text_content() == f"1 of {len(path.steps)} read"
    expected = [f"{sum(1 for s in p.steps if s.paper == paper.slug)} of {len(p.steps)} read" for p in lib.paths]
    assert page.locator(".ps-mylist-progress").all_text_contents() == expected
    browse.assert_clean()


def test_my_list_page_holds_every_reading_path(browse, lib):
    page = browse.page()
    browse.goto(page, "my-list/")
    steps = page.locator(".ps-mylist-path").evaluate_all("items => items.map(i => i.getAttribute('data-steps'))")
    assert steps == [" ".join(step.paper for step in path.steps) for path in lib.paths]
    assert page.locator(".ps-mylist-summary").text_content().startswith("Nothing marked yet")
    assert page.locator(".ps-mylist-table").count() == 0
    # In the nav, so it can be found.
    assert page.locator(".md-nav a", has_text="My reading list").count() >= 1
    browse.assert_clean()


def test_mark_from_a_theme_row(browse, row_case):
    theme, paper = row_case
    page = browse.page()
    browse.goto(page, f"themes/{theme.slug}/")
    scope = f'table.ps-table {_row(paper.slug)} td:first-child'
    assert page.locator(f"{scope} .ps-mark button").count() == 2
    _toggle(page, scope, "To read").click()
    page.reload()
    assert _toggle(page, scope, "To read").get_attribute("aria-pressed") == "true"
    # Every row got its pair of buttons.
    page.wait_for_function("""() => document.querySelectorAll('table.ps-table tbody tr').length ===
        document.querySelectorAll('table.ps-table tbody td:first-child .ps-mark').length""")
    assert page.locator("table.ps-table tbody tr").count() > 0
    browse.goto(page, "my-list/")
    assert _listed(page) == {paper.slug: (paper.title, ["to-read"])}
    # The paper's own page shows the same state, and a change there shows on the row.
    browse.goto(page, f"papers/{paper.slug}/")
    assert _toggle(page, ".ps-mylist-mark", "To read").get_attribute("aria-pressed") == "true"
    _toggle(page, ".ps-mylist-mark", "Read").click()
    browse.goto(page, f"themes/{theme.slug}/")
    assert _toggle(page, scope, "Read").get_attribute("aria-pressed") == "true"
    assert _toggle(page, scope, "To read").get_attribute("aria-pressed") == "false"
    browse.assert_clean()


def test_every_row_of_the_longest_table_gets_its_toggles(browse, lib):
    """All papers, the longest table: every row has its buttons; the last row works like the first."""
    page = browse.page()
    browse.goto(page, "papers/")
    page.wait_for_function("""() => document.querySelectorAll('table.ps-table tbody tr').length ===
        document.querySelectorAll('table.ps-table tbody td:first-child .ps-mark').length""")
    # The slug each row's buttons got (mylist.js reads it from the title link).
    slugs = page.locator("table.ps-table tbody tr").evaluate_all(
        "rs => rs.map(r => r.cells[0].querySelector('.ps-mark').getAttribute('data-slug'))")
    assert slugs == [paper.slug for paper in lib.papers]
    last = lib.papers[-1]
    _toggle(page, f'{_row(last.slug)} td:first-child', "Read").click()
    browse.goto(page, "my-list/")
    assert _listed(page) == {last.slug: (last.title, ["read"])}
    browse.assert_clean()


def test_toggles_work_from_the_keyboard(browse, path_case):
    _, paper = path_case
    page = browse.page()
    browse.goto(page, f"papers/{paper.slug}/")
    to_read = _toggle(page, ".ps-mylist-mark", "To read")
    assert to_read.evaluate("b => b.tagName") == "BUTTON"
    to_read.focus()
    page.keyboard.press("Enter")
    assert to_read.get_attribute("aria-pressed") == "true"
    page.keyboard.press("Tab")  # to "Read", the next control
    assert page.evaluate("document.activeElement.getAttribute('data-status')") == "read"
    page.keyboard.press("Space")
    assert _toggle(page, ".ps-mylist-mark", "Read").get_attribute("aria-pressed") == "true"
    assert to_read.get_attribute("aria-pressed") == "false"
    page.keyboard.press("Space")  # pressed again: off the list
    assert page.locator(".ps-mylist-mark button[aria-pressed=true]").count() == 0
    group = page.locator(".ps-mylist-mark .ps-mark")
    assert group.get_attribute("role") == "group" and paper.title in group.get_attribute("aria-label")
    browse.goto(page, "my-list/")
    assert _listed(page) == {}
    browse.assert_clean()


def _download(page, label: str, tmp_path: Path) -> tuple[str, Path]:
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    return download.suggested_filename, target


def _marked_two(browse, path_case, row_case):
    """A context with one paper marked Read on its page and one To read from a theme row."""
    _, first = path_case
    theme, second = row_case
    context = browse.context()
    page = browse.page(context)
    _mark_on_paper_page(browse, page, first, "Read")
    browse.goto(page, f"themes/{theme.slug}/")
    _toggle(page, f'{_row(second.slug)} td:first-child', "To read").click()
    browse.goto(page, "my-list/")
    return page, {first.slug: "read", second.slug: "to-read"}


def test_export_bibtex_and_markdown_then_import(browse, lib, path_case, row_case, tmp_path):
    import bibtexparser

    from generator.render.bibtex import bib_escape, bibtex_keys

    page, marked = _marked_two(browse, path_case, row_case)
    name, bib_file = _download(page, "Download BibTeX", tmp_path)
    assert name.endswith(".bib")
    text = bib_file.read_text(encoding="utf-8")
    parsed = bibtexparser.parse_string(text)
    assert not parsed.failed_blocks, parsed.failed_blocks
    keys = bibtex_keys(lib.papers)  # the keys the paper pages and papers.bib use
    assert sorted(entry.key for entry in parsed.entries) == sorted(keys[slug] for slug in marked)
    titles = {entry.key: entry.fields_dict["title"].value for entry in parsed.entries}
    for slug in marked:  # one entry read from the page when marked, one fetched at export
        assert titles[keys[slug]] == "{" + bib_escape(lib.paper(slug).title) + "}"

    name, md_file = _download(page, "Download Markdown", tmp_path)
    assert name.endswith(".md")
    markdown = md_file.read_text(encoding="utf-8")
    items = re.findall(r"^- \[(.*)\]\(<(.*)>\)", markdown, flags=re.M)
    assert len(items) == 2
    shown = {urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]: re.sub(r"\\(.)", r"\1", title) for title, url in items}
    assert shown == {slug: lib.paper(slug).title for slug in marked}
    assert re.search(r"^## To read$", markdown, flags=re.M) and re.search(r"^## Read$", markdown, flags=re.M)

    # Each export, imported into a fresh browser (empty storage), gives back the same list.
    for exported in (bib_file, md_file):
        fresh = browse.page()
        browse.goto(fresh, "my-list/")
        assert _listed(fresh) == {}
        fresh.set_input_files("#ps-mylist-file", str(exported))
        fresh.wait_for_selector(".ps-mylist-table")
        assert _listed(fresh) == {slug: (lib.paper(slug).title, [status]) for slug, status in marked.items()}
        assert "Imported 2 papers" in fresh.locator(".ps-mylist-message").text_content()
        fresh.reload()
        assert {slug: pressed for slug, (_, pressed) in _listed(fresh).items()} == \
            {slug: [status] for slug, status in marked.items()}
    browse.assert_clean()


def test_import_rejects_a_file_that_is_not_an_export(browse, tmp_path):
    page = browse.page()
    browse.goto(page, "my-list/")
    other = tmp_path / "other.bib"
    other.write_text("@misc{x, title={Not from here}}\n"
                     "% papershelf slug=../x status=read title=a url=javascript%3Aalert(1)\n", encoding="utf-8")
    page.set_input_files("#ps-mylist-file", str(other))
    page.wait_for_function("document.querySelector('.ps-mylist-message').textContent.length > 0")
    assert page.locator(".ps-mylist-message").text_content().startswith("No paper found")
    assert _listed(page) == {}
    browse.assert_clean()


def _no_serious_axe_violation(page, what: str) -> None:
    """axe-core, once the page's animations are over (mid-fade colours fail contrast)."""
    page.evaluate("""async () => { await Promise.all(document.getAnimations()
        .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
        .map(a => a.finished.catch(() => null))); }""")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .flatMap(v => v.nodes.map(n => `${v.id}: ${n.target.join(' ')}: ${n.failureSummary}`));
    }""")
    assert not found, f"axe on {what}:\n" + "\n".join(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_my_list_axe_and_screenshots(browse, path_case, row_case, scheme):
    require(AXE_JS.exists(), f"{AXE_JS} is missing: run `npm ci`")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _, paper = path_case
    theme, other = row_case
    for device, viewport in (("desktop", {"width": 1366, "height": 800}), ("mobile", MOBILE)):
        # axe is test tooling: injected past the (rightful) Content-Security-Policy.
        context = browse.context(scheme=scheme, viewport=viewport, bypass_csp=True)
        page = browse.page(context)
        _mark_on_paper_page(browse, page, paper, "Read")
        browse.goto(page, f"themes/{theme.slug}/")
        _toggle(page, f'{_row(other.slug)} td:first-child', "To read").click()
        if device == "mobile":
            page.screenshot(path=str(SCREENSHOTS / f"theme-rows-mylist-{scheme}-{device}.png"))
        browse.goto(page, f"papers/{paper.slug}/")
        page.screenshot(path=str(SCREENSHOTS / f"paper-mylist-{scheme}-{device}.png"))
        _no_serious_axe_violation(page, f"the paper page ({scheme}, {device})")
        page.locator(".ps-mylist-mark a", has_text="My reading list").click()  # (instant navigation)
        page.wait_for_selector(".ps-mylist-table")
        assert page.url == urljoin(browse.base, "my-list/")
        browse.goto(page, "my-list/")
        page.wait_for_selector(".ps-mylist-table")
        page.screenshot(path=str(SCREENSHOTS / f"my-list-{scheme}-{device}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"] + 1, f"my-list is {width}px wide at {viewport['width']}px"
        _no_serious_axe_violation(page, f"my-list ({scheme}, {device})")
    browse.assert_clean()


def test_my_list_lighthouse_accessibility(site_url, tmp_path):
    """Lighthouse, as tests/test_browser.py runs it, on my-list/ (a fresh browser: the empty list)."""
    import json
    import shutil

    from test_browser import LIGHTHOUSE, LIGHTHOUSE_MIN_SCORE, _lighthouse

    require(LIGHTHOUSE.exists() and shutil.which("node") is not None, "Lighthouse is missing: run `npm ci`")
    report = tmp_path / "my-list.json"
    process = _lighthouse(urljoin(site_url, "my-list/"), report)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-2000:]
    data = json.loads(report.read_text(encoding="utf-8"))
    failing = [key for key, audit in data["audits"].items()
               if audit.get("scoreDisplayMode") == "binary" and audit.get("score") == 0]
    score = data["categories"]["accessibility"]["score"]
    print(f"Lighthouse accessibility of my-list/: {score}")
    assert score >= LIGHTHOUSE_MIN_SCORE, failing
