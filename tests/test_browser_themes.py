"""Theme pages with primary and secondary themes, and the paper page (issue 19, items 1 and 6), in
headless Chromium on the session's strict build of the seed site.

What a theme page must list and count, and what a paper page must show, is taken from the
pipeline (`seed_site`'s Library), never from the HTML under test. Screenshots of both pages at
1366 and 390 px, light and dark, go to test-artifacts/screenshots/themes-*.png.
"""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
from urllib.parse import urljoin, urlsplit

import pytest

from browser_support import (AXE_JS, ROOT, SCREENSHOTS, require)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
MOBILE = {"width": 390, "height": 844}
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"


@pytest.fixture
def open_page(browse):
    """open_page(path, scheme, viewport) -> a loaded page, in a context of its own (the shared
    Session); the test fails afterwards on any console error, failed request or request leaving
    the site."""
    def opener(path: str, scheme: str = "light", viewport: dict = DESKTOP, **options):
        return browse.open(path, scheme=scheme, viewport=viewport, **options)

    yield opener
    browse.close()  # (as before the Session was shared: what closing the pages logs counts too)
    browse.assert_clean()


@pytest.fixture(scope="module")
def path_paper(lib):
    """A paper in the middle of a reading path (previous and next), with tags and two themes."""
    for path in lib.paths:
        for index, step in enumerate(path.steps[1:-1], 1):
            paper = lib.paper(step.paper)
            if paper and paper.tags and paper.secondary_theme:
                return paper, path, index
    pytest.fail("no paper in the middle of a reading path has tags and a secondary theme")


def _slugs(page, selector: str) -> list[str]:
    hrefs = page.locator(selector).evaluate_all("links => links.map(a => a.href)")
    return [urlsplit(h).path.rstrip("/").rsplit("/", 1)[-1] for h in hrefs]


# ---------------------------------------------------------------- theme page


def test_distillation_theme_lists_and_counts_every_paper_tagged_knowledge_distillation(open_page, lib):
    theme = lib.taxonomy.theme("distillation")
    tagged = {p.slug for p in lib.with_tag(lib.taxonomy.tag("knowledge-distillation"))}
    page = open_page(f"themes/{theme.slug}/")
    own = _slugs(page, "table#papers tbody a.ps-title")
    secondary = _slugs(page, "table#secondary-papers tbody a.ps-title")
    also = _slugs(page, "table#tagged-papers tbody a.ps-title")
    assert own == [p.slug for p in lib.in_theme(theme)]
    assert secondary == [p.slug for p in lib.secondary_in(theme)]
    assert also == [p.slug for p in lib.tagged_in(theme)]
    assert tagged <= set(own + secondary + also), sorted(tagged - set(own + secondary + also))
    assert len(tagged) > len(own), "the seeds no longer show the point: every tagged paper is its own"

    counts = page.locator("p.ps-counts").inner_text()
    numbers = [int(n) for n in re.findall(r"\d+", counts)[:4]]
    assert numbers == [len(own), len(secondary) + len(also), len(secondary), len(also)], counts
    assert numbers[0] + numbers[1] >= len(tagged)
    # The sections say why a paper of another theme is here.
    assert page.locator("h2#also-on-this-topic").is_visible()
    assert page.locator("h3#also-secondary").inner_text().startswith(f"Secondary theme: {theme.title}")
    assert page.locator("h3#also-tagged").inner_text().startswith("Also tagged")
    # The nav and the themes index count both parts.
    home = open_page("")  # (on its own page the theme's nav link is "./")
    nav = home.locator(f"nav.md-nav a[href$='{theme.slug}/']").first.inner_text()
    assert nav.strip().endswith(f"({len(own)} + {len(secondary) + len(also)})"), nav
    index = open_page("themes/")
    card = index.locator(".ps-cards li", has=index.locator(f"a[href$='{theme.slug}/']")).inner_text()
    assert f"{len(own)} papers + {len(secondary) + len(also)} also on this topic" in card, card


# ---------------------------------------------------------------- paper page


def test_paper_page_links_both_themes_and_keeps_its_reading_path_position(open_page, lib, path_paper):
    paper, path, index = path_paper
    page = open_page(f"papers/{paper.slug}/")
    primary, secondary = lib.theme_of(paper), lib.secondary_theme_of(paper)
    links = {"a.ps-theme": primary, "a.ps-theme-secondary": secondary}
    for selector, theme in links.items():
        link = page.locator(f"p.ps-facts {selector}")
        assert link.count() == 1 and link.inner_text() == theme.title, selector
        assert urlsplit(link.evaluate("a => a.href")).path == f"/themes/{theme.slug}/"
    position = page.locator("p.ps-path").first.inner_text()
    assert position.startswith(f"Step {index + 1} of {len(path.steps)} in reading path {path.title}"), position
    prev_slug, next_slug = path.steps[index - 1].paper, path.steps[index + 1].paper
    assert _slugs(page, "p.ps-path a[rel=prev]") == [prev_slug]
    assert _slugs(page, "p.ps-path a[rel=next]") == [next_slug]
    page.locator("p.ps-facts a.ps-theme-secondary").click()
    page.wait_for_url(re.compile(rf"/themes/{secondary.slug}/$"))
    assert paper.slug in _slugs(page, "table#secondary-papers tbody a.ps-title")


def test_paper_page_has_one_copy_button_for_its_bibtex(open_page, path_paper):
    paper, _, _ = path_paper
    page = open_page(f"papers/{paper.slug}/", permissions=["clipboard-read", "clipboard-write"])
    cite = page.locator("div.ps-cite")
    page.wait_for_timeout(300)  # (Material adds its copy buttons once the page has loaded)
    buttons = cite.locator("button")
    assert buttons.count() == 1 and buttons.first.inner_text() == "Copy BibTeX"
    assert page.locator("article .md-clipboard").count() == 0
    buttons.first.click()
    page.locator("button.ps-copy", has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == cite.locator("code.ps-bibtex").text_content()


def test_paper_page_tags_row_links_each_tag_to_its_page(open_page, lib, path_paper):
    from generator.render.lists import tag_url

    paper, _, _ = path_paper
    page = open_page(f"papers/{paper.slug}/")
    row = page.locator("p.ps-tags a")
    src = f"papers/{paper.slug}.md"
    expected = [lib.taxonomy.tag(s) for s in paper.tags if lib.taxonomy.tag(s)]
    assert row.all_inner_texts() == [t.label for t in expected]
    assert row.evaluate_all("links => links.map(a => a.href)") == \
        [urljoin(page.url, tag_url(src, t, lib.taxonomy)) for t in expected]


_VISIBLE_WITH_TEXT = """label => [...document.querySelectorAll('article *')].filter(e =>
    e.textContent.trim() === label && e.getClientRects().length > 0
    && ![...e.children].some(c => c.textContent.trim() === label)).length"""


def test_paper_page_shows_each_tag_once(open_page, lib, path_paper):
    """One linked row of tags: Material's chips above the title went with its tags plugin."""
    paper, _, _ = path_paper
    page = open_page(f"papers/{paper.slug}/")
    for slug in paper.tags:
        label = lib.taxonomy.tag(slug).label
        assert page.evaluate(_VISIBLE_WITH_TEXT, label) == 1, label


# ---------------------------------------------------------------- what a person sees


@pytest.fixture(scope="module")
def pages(path_paper):
    return {"theme": "themes/distillation/", "paper": f"papers/{path_paper[0].slug}/"}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["1366", "390"])
def test_screenshots_and_no_overflow(open_page, pages, scheme, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in pages.items():
        page = open_page(path, scheme, viewport)
        wanted = "slate" if scheme == "dark" else "default"
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == wanted
        page.screenshot(path=str(SCREENSHOTS / f"themes-{name}-{scheme}-{viewport['width']}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"] + 1, f"{name} is {width}px wide at {viewport['width']}px"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["theme", "paper"])
def test_axe_finds_no_serious_violation(open_page, pages, scheme, name):
    require(AXE_JS.exists(), f"{AXE_JS} is missing: run `npm ci` in {ROOT}")
    page = open_page(pages[name], scheme, bypass_csp=True)  # (the CSP rightly refuses injected scripts)
    page.evaluate("""async () => { const ending = document.getAnimations().filter(a => a.effect
        && a.effect.getComputedTiming().endTime !== Infinity);
        await Promise.all(ending.map(a => a.finished.catch(() => null))); }""")
    page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .flatMap(v => v.nodes.map(n => `${v.id} at ${n.target.join(' ')}: ${n.failureSummary}`))""")
    assert not found, "\n".join(found)


def test_lighthouse_accessibility(site_url, pages):
    require(LIGHTHOUSE.exists() and shutil.which("node") is not None, f"Lighthouse is missing: run `npm ci` in {ROOT}")
    out = ROOT / "test-artifacts" / "lighthouse"
    out.mkdir(parents=True, exist_ok=True)
    flags = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --no-first-run"
    runs = {name: subprocess.Popen([str(LIGHTHOUSE), urljoin(site_url, path), "--only-categories=accessibility",
                                    "--output=json", f"--output-path={out / f'themes-{name}.json'}", "--quiet",
                                    f"--chrome-flags={flags}", "--max-wait-for-load=30000"],
                                   env=dict(os.environ, CHROME_PATH="/usr/bin/chromium"),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for name, path in pages.items()}
    scores = {}
    for name, process in runs.items():
        _, stderr = process.communicate(timeout=180)
        assert process.returncode == 0, stderr[-2000:]
        scores[name] = json.loads((out / f"themes-{name}.json").read_text())["categories"]["accessibility"]["score"]
    print("Lighthouse accessibility:", scores)
    assert all(score >= 0.95 for score in scores.values()), scores
