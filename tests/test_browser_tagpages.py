"""Tag pages, the tags index and the 404 page in headless Chromium (issue 19, items 4 and 8).

The session's strict build (`built_site`) is served under the path of its site_url
(`/papershelf/`, as GitHub Pages and `mkdocs serve` serve it: 404.html's links are absolute from
there), with 404.html for any missing address, as GitHub Pages does. Expectations come from the
pipeline's Library (`seed_site`). Every page opened is watched for console errors, failed
requests and outside requests (browser_support.Session). Screenshots of a tag page, the
tags index and the 404 page at 1366 and 390 px, light and dark, go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from browser_support import (AXE_JS, MOBILE, ROOT, SCREENSHOTS, QuietHandler, require, serve)

pytestmark = pytest.mark.browser

MOUNT = "papershelf"  # the path of the seed project's site_url
WIDE = {"width": 1366, "height": 800}
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"


class _PagesHandler(QuietHandler):
    """Static files under /papershelf/, and 404.html (status 404) for anything missing."""

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / MOUNT / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="module")
def site_url(built_site: Path, tmp_path_factory):
    """Here the site is served under /papershelf/, with 404.html (conftest's `browse` uses it)."""
    root = tmp_path_factory.mktemp("pages")
    (root / MOUNT).symlink_to(built_site, target_is_directory=True)
    with serve(root, _PagesHandler) as url:
        yield f"{url}{MOUNT}/"


@pytest.fixture(scope="module")
def tag_case(lib):
    """The most used tag whose papers a tag filter and the code filter both narrow."""
    for tag in sorted(lib.taxonomy.tags, key=lambda t: -len(lib.with_tag(t))):
        papers = lib.with_tag(tag)
        others = sorted({s for p in papers for s in p.tags if s != tag.slug},
                        key=lambda s: -sum(s in p.tags for p in papers))
        if others and 0 < sum(1 for p in papers if p.code) < len(papers):
            return tag, papers, others[0]
    pytest.fail("no tag with papers that the filters narrow")


def _rows(page) -> list[str]:
    """The paper slugs of the rows the reader sees."""
    return page.evaluate("""Array.from(document.querySelectorAll('table.ps-table tbody tr'))
        .filter(r => !r.hidden && r.getClientRects().length > 0)
        .map(r => new URL(r.querySelector('a').href).pathname.split('/').filter(Boolean).pop())""")


def test_a_tag_page_lists_exactly_the_papers_with_the_tag_and_filters_them(browse, tag_case):
    tag, papers, other = tag_case
    page = browse.open(f"tags/{tag.slug}/")
    assert page.locator("h1").inner_text() == tag.label
    assert _rows(page) == [p.slug for p in papers]
    page.select_option("form.ps-filters select[name=tag]", other)
    assert _rows(page) == [p.slug for p in papers if other in p.tags]
    page.check("form.ps-filters input[name=code]")
    assert _rows(page) == [p.slug for p in papers if other in p.tags and p.code]
    page.select_option("form.ps-filters select[name=tag]", "")
    assert _rows(page) == [p.slug for p in papers if p.code]
    page.uncheck("form.ps-filters input[name=code]")
    assert _rows(page) == [p.slug for p in papers]
    browse.assert_clean()


def test_every_link_of_the_tags_index_resolves(browse, lib):
    page = browse.open("tags/")
    links = page.evaluate("Array.from(document.querySelectorAll('article a[href]')).map(a => a.href)"
                          ".filter(h => h.startsWith(location.origin))")  # (not "Edit this page")
    tag_links = {link for link in links if "/tags/" in link and link.rstrip("/").split("/")[-1] != "tags"}
    assert {urlsplit(link).path for link in tag_links} == {f"/{MOUNT}/tags/{t.slug}/" for t in lib.taxonomy.tags}
    statuses = page.evaluate("async links => Promise.all(links.map(async l => [l, (await fetch(l)).status]))",
                             sorted(set(links)))
    assert [link for link, status in statuses if status != 200] == []
    first = next(t for t in lib.taxonomy.tags if lib.with_tag(t))  # and a click opens the page
    page.locator(f"article a[href$='tags/{first.slug}/']").first.click()
    page.wait_for_url(f"**/tags/{first.slug}/")
    assert page.locator("h1").inner_text() == first.label
    browse.assert_clean()


def test_the_404_page_links_home_and_searches_for_the_missing_address(browse, lib):
    from collections import Counter

    used = Counter(word for p in lib.papers for word in set(p.slug.split("-")))  # a word of one title only
    paper = next(p for p in lib.papers if len(p.slug.split("-")) >= 3 and used[p.slug.split("-")[0]] == 1
                 and p.slug.split("-")[0].isalpha() and len(p.slug.split("-")[0]) >= 5)
    words = paper.slug.split("-")[:2]
    missing = f"papers/{'-'.join(words)}-renamed/"
    page = browse.open(missing, status=404)
    assert page.locator("h1").inner_text() == "Page not found"
    policy = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "script-src 'self'" in policy
    query = page.locator(".ps-404-search input[name=q]")
    assert query.input_value() == " ".join(words + ["renamed"])  # the missing address, as words
    query.fill(words[0])
    page.locator(".ps-404-search button").click()
    page.wait_for_url(f"**/{MOUNT}/**")
    page.locator(".md-search-result__item").first.wait_for(timeout=15000)
    found = page.evaluate("Array.from(document.querySelectorAll('.md-search-result__item a')).map(a => a.href)")
    assert any(f"/papers/{paper.slug}/" in link for link in found), found[:5]

    page = browse.open(missing, status=404)
    page.get_by_role("link", name="Go to the home page").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path in (f"/{MOUNT}/", f"/{MOUNT}/.")
    assert page.evaluate("document.querySelector('.ps-home') !== null")
    browse.assert_clean(expected_404=urljoin(browse.base, missing))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_tag_pages_and_404(browse, tag_case, scheme):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tag = tag_case[0]
    for device, viewport in (("desktop", WIDE), ("mobile", MOBILE)):
        for name, path, status in (("tag", f"tags/{tag.slug}/", 200), ("tags-index", "tags/", 200),
                                   ("not-found", "no-such-page/", 404)):
            page = browse.open(path, scheme=scheme, viewport=viewport, status=status)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"] + 1, f"{name} is {width}px wide at {viewport['width']}px"
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{scheme}-{device}.png"), full_page=True)
    browse.assert_clean(expected_404=urljoin(browse.base, "no-such-page/"))


def _axe(browse, path: str, scheme: str, status: int) -> list[dict]:
    require(AXE_JS.exists(), f"{AXE_JS} is missing: run `npm ci` in {ROOT}")
    page = browse.open(path, scheme=scheme, bypass_csp=True, status=status)  # (axe is injected)
    page.evaluate("""async () => {
        const deadline = Date.now() + 5000;
        while (document.querySelector('.md-source') && !document.querySelector('.md-source__repository--active')
               && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50));
        const ending = document.getAnimations().filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
        await Promise.all(ending.map(a => a.finished.catch(() => null)));
    }""")
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .flatMap(v => v.nodes.map(n => `${v.id} at ${n.target.join(' ')}: ${n.failureSummary}`))""")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_tag_pages_and_404(browse, tag_case, scheme):
    found = {name: _axe(browse, path, scheme, status) for name, path, status in
             (("tag", f"tags/{tag_case[0].slug}/", 200), ("tags index", "tags/", 200), ("404", "nowhere/", 404))}
    assert not any(found.values()), json.dumps(found, indent=1)
    browse.assert_clean(expected_404=urljoin(browse.base, "nowhere/"))


def test_lighthouse_accessibility_of_a_tag_page_and_the_tags_index(site_url, tag_case):
    require(LIGHTHOUSE.exists() and shutil.which("node") is not None, f"Lighthouse is missing: run `npm ci` in {ROOT}")
    out = ROOT / "test-artifacts" / "lighthouse"
    out.mkdir(parents=True, exist_ok=True)
    scores = {}
    for name, path in (("tag", f"tags/{tag_case[0].slug}/"), ("tags-index", "tags/")):
        report = out / f"{name}.json"
        flags = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --no-first-run"
        run = subprocess.run([str(LIGHTHOUSE), urljoin(site_url, path), "--only-categories=accessibility", "--output=json",
                              f"--output-path={report}", "--quiet", f"--chrome-flags={flags}",
                              "--max-wait-for-load=30000"], capture_output=True, text=True, timeout=180,
                             env=dict(os.environ, CHROME_PATH="/usr/bin/chromium"))
        assert run.returncode == 0, run.stderr[-2000:]
        scores[name] = json.loads(report.read_text(encoding="utf-8"))["categories"]["accessibility"]["score"]
    assert min(scores.values()) >= 0.95, scores
