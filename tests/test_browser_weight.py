"""The lighter pages in headless Chromium, served under a sub-path (/papershelf/) as on GitHub
Pages: sprite icons draw (non-zero boxes, the sprite fetched once, no console error, under the
page's Content-Security-Policy), and the first visit does not fetch a sitemap of every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_support import serve, session

pytestmark = pytest.mark.browser

SPRITE = "assets/icons.svg"


@pytest.fixture(scope="module")
def mounted(built_site, tmp_path_factory):
    """The built site at /papershelf/ of a local server."""
    root = tmp_path_factory.mktemp("mount")
    (root / "papershelf").symlink_to(built_site)
    with serve(root) as base:
        yield base + "papershelf/", built_site


def _first_paper(site: Path) -> str:
    return "papers/" + sorted(p.parent.name for p in (site / "papers").glob("*/index.html"))[0] + "/"


@pytest.mark.parametrize("width", [390, 1366])
def test_sprite_icons_draw_once_fetched_without_errors(browser, mounted, width):
    base, site = mounted
    with session(browser, base) as browse:
        page = browse.page(viewport={"width": width, "height": 900})
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
            browse.assert_clean()


def test_first_visit_fetches_no_sitemap_of_every_page(browser, mounted):
    base, site = mounted
    whole = sum(len(re.findall("<url>", p.read_text(encoding="utf-8"))) for p in site.glob("sitemap*.xml"))
    assert whole > 600  # every page is in a chunk sitemap
    with session(browser, base) as browse:
        page = browse.page()
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
        browse.assert_clean()
