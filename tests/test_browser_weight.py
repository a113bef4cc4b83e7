"""The lighter pages in headless Chromium, served under a sub-path (/papershelf/) as on GitHub
Pages: sprite icons draw (non-zero boxes, the sprite fetched once, no console error, under the
page's Content-Security-Policy), and the first visit does not fetch a sitemap of every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_support import ConsoleLog, running_chromium, serve

pytestmark = pytest.mark.browser

SPRITE = "assets/icons.svg"


@pytest.fixture(scope="module")
def chromium():
    with running_chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def mounted(built_site, tmp_path_factory):
    """The built site at /papershelf/ of a local server."""
    root = tmp_path_factory.mktemp("mount")
    (root / "papershelf").symlink_to(built_site)
    with serve(root) as base:
        yield base + "papershelf/", built_site


def _context(chromium, origin: str, log: ConsoleLog, **options):
    """A context whose one outside request, Material's repository facts from api.github.com,
    gets a canned answer (the tests run offline); any other outside request is an error."""
    context = chromium.new_context(**options)

    def outside(route) -> None:
        if route.request.url.startswith("https://api.github.com/"):
            route.fulfill(status=200, json={"tag_name": "v0.1.0", "stargazers_count": 0, "forks_count": 0})
        else:
            log.errors.append(f"outside request: {route.request.url}")
            route.abort()

    context.route(lambda url: not url.startswith(origin), outside)
    return context


def _first_paper(site: Path) -> str:
    return "papers/" + sorted(p.parent.name for p in (site / "papers").glob("*/index.html"))[0] + "/"


@pytest.mark.parametrize("width", [390, 1366])
def test_sprite_icons_draw_once_fetched_without_errors(chromium, mounted, width):
    base, site = mounted
    log, origin = ConsoleLog(), base.split("/papershelf/")[0]
    context = _context(chromium, origin, log, viewport={"width": width, "height": 900})
    page = context.new_page()
    log.attach(page, origin)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    for path in ("", _first_paper(site)):
        fetched.clear()
        page.goto(base + path, wait_until="networkidle")
        assert page.locator("meta[http-equiv=Content-Security-Policy]").count() == 1
        boxes = page.evaluate("""() => Array.from(document.querySelectorAll('svg > use'))
            .filter(u => u.closest('svg').getClientRects().length)        // displayed icons only
            .map(u => { const b = u.getBBox(); return [u.getAttribute('xlink:href'), b.width, b.height]; })""")
        assert len(boxes) >= 4, boxes  # logo, menu, palette, search at least
        assert all(w > 0 and h > 0 for _, w, h in boxes), [b for b in boxes if not (b[1] and b[2])]
        assert len([url for url in fetched if url.endswith(SPRITE)]) <= 1
        assert any(url == base + SPRITE for url in fetched) or path  # (the second page may use the cache)
        assert log.take() == []
    context.close()


def test_first_visit_fetches_no_sitemap_of_every_page(chromium, mounted):
    base, site = mounted
    whole = sum(len(re.findall("<url>", p.read_text(encoding="utf-8"))) for p in site.glob("sitemap*.xml"))
    assert whole > 600  # every page is in a chunk sitemap
    log, origin = ConsoleLog(), base.split("/papershelf/")[0]
    context = _context(chromium, origin, log)
    page = context.new_page()
    log.attach(page, origin)
    responses: list = []
    page.on("response", lambda response: responses.append(response))
    page.goto(base, wait_until="networkidle")
    page.wait_for_timeout(500)
    sitemaps = [(r.url, r.body()) for r in responses if "sitemap" in r.url and r.status == 200]
    assert sitemaps, "Material's navigation fetches sitemap.xml on the first visit"
    assert all(url == base + "sitemap.xml" for url, _ in sitemaps)
    assert all(b"<url>" not in body and len(body) < 1024 for _, body in sitemaps)
    # Links still work: with no <url> in the sitemap, a click is the browser's own navigation.
    page.locator(".ps-cards a[href*='themes/']").first.click()
    page.wait_for_url(re.compile(r"/themes/[^/]+/$"))
    assert page.locator("h1").count() == 1
    assert log.take() == []
    context.close()
