"""The Stats page's charts in headless Chromium, as a reader sees them on a 390 px phone and a
1366 px desktop, in the light and the dark (slate) scheme.

What is measured, on the session's strict build (`built_site`): every chart spans at least 90 %
of the content column; every piece of text on the page's charts and tables has a computed font
size of 12 px or more; nothing overflows sideways; each bar's rendered length is its count's
share of the longest; bars keep a 3:1 contrast with the page (WCAG 1.4.11) and axe-core finds no
serious violation (text contrast included) in either scheme; no console error. Expected counts
come from the pipeline (`seed_site.library`). Screenshots go to
test-artifacts/screenshots/stats-<scheme>-<width>.png.

Needs /usr/bin/chromium and, for axe and Lighthouse, `npm ci`; without them the tests skip (or
fail under PAPERSHELF_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from urllib.parse import urljoin

import pytest

from browser_support import (AXE_JS, ROOT, SCREENSHOTS, require)

pytestmark = pytest.mark.browser

WIDTHS = (390, 1366)
MIN_FONT_PX = 12
MIN_CHART_SHARE = 0.9  # of the content column's width
MIN_BAR_CONTRAST = 3.0  # WCAG 1.4.11, non-text contrast
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"


def _stats_page(browse, width: int, scheme: str, **options):
    """The stats page in one viewport and scheme (`options`: bypass_csp=True to inject axe)."""
    page = browse.open("stats/", viewport={"width": width, "height": 900}, scheme=scheme, **options)
    scheme_attr = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    assert scheme_attr == ("slate" if scheme == "dark" else "default")
    return page


_MEASURE = """() => {
    const content = document.querySelector('article.md-content__inner');
    const cs = getComputedStyle(content);
    const column = content.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    for (const d of document.querySelectorAll('.ps-stats details')) d.open = true;
    const small = [];
    const walker = document.createTreeWalker(document.querySelector('.ps-stats'), NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent.trim()) continue;
        const size = parseFloat(getComputedStyle(node.parentElement).fontSize);
        if (size < %(min)s) small.push(`${size}px: ${node.textContent.trim().slice(0, 40)}`);
    }
    const charts = [...document.querySelectorAll('table.ps-bars')].map(table => {
        const box = table.getBoundingClientRect();
        const rows = [...table.querySelectorAll('tbody tr')].map(tr => {
            const bar = tr.querySelector('svg.ps-bar');
            const line = tr.querySelector('.ps-bar-line');
            const ends = [...line.children].map(c => c.getBoundingClientRect().right);
            return {value: +tr.querySelector('.ps-bar-n').textContent,
                    bar: bar ? bar.getBoundingClientRect().width : 0,
                    fill: bar ? getComputedStyle(bar).fill : null,
                    end: Math.max(...ends), line: line.getBoundingClientRect().right};
        });
        return {id: table.id, width: box.width, right: box.right, left: box.left,
                scroll: table.scrollWidth, client: table.clientWidth, rows};
    });
    return {column, small, charts, page: document.documentElement.scrollWidth,
            background: getComputedStyle(document.body).backgroundColor};
}""" % {"min": MIN_FONT_PX}


def _rgb(css: str) -> tuple[float, ...]:
    parts = css[css.index("(") + 1:css.index(")")].replace("/", " ").replace(",", " ").split()
    return tuple(float(p) for p in parts[:3])


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = map(channel, rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
def test_charts_fill_the_column_with_readable_text_and_no_overflow(browse, seed_site, width, scheme):
    page = _stats_page(browse, width, scheme)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"stats-{scheme}-{width}.png"), full_page=True)
    m = page.evaluate(_MEASURE)
    browse.assert_clean()
    lib = seed_site.library
    assert m["page"] <= width, f"the page is {m['page']} px wide in a {width} px viewport"
    assert not m["small"], f"text under {MIN_FONT_PX} px at {width} px:\n" + "\n".join(m["small"][:20])
    assert {c["id"] for c in m["charts"]} == {"chart-themes", "chart-tags", "chart-added", "chart-years", "chart-code"}
    themes = sorted((len(lib.in_theme(t)) for t in lib.taxonomy.themes if lib.in_theme(t)), reverse=True)
    for chart in m["charts"]:
        name = chart["id"]
        assert chart["width"] >= MIN_CHART_SHARE * m["column"], \
            f"{name}: {chart['width']:.0f} px of a {m['column']:.0f} px column at {width} px"
        assert chart["scroll"] <= chart["client"] + 1, f"{name} overflows at {width} px"
        largest = max(r["value"] for r in chart["rows"])
        longest = max(r["bar"] for r in chart["rows"])
        assert longest >= 0.3 * chart["width"], f"{name}: the longest bar is {longest:.0f} px"
        for row in chart["rows"]:
            # Counts and notes stay inside the chart; bars are drawn to scale (within 1.5 px).
            assert row["end"] <= row["line"] + 0.5 and row["end"] <= chart["right"] + 0.5, (name, row)
            assert abs(row["bar"] - longest * row["value"] / largest) <= 1.5 or (row["value"] and row["bar"] == 2), \
                (name, row, longest, largest)
            if row["fill"]:
                ratio = contrast(row["fill"], m["background"])
                assert ratio >= MIN_BAR_CONTRAST, f"{name} ({scheme}): bars at {ratio:.2f}:1 on the page"
    assert [r["value"] for r in next(c for c in m["charts"] if c["id"] == "chart-themes")["rows"]] == themes


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_stats_page_passes_axe_in_both_schemes(browse, scheme):
    """No serious or critical axe-core violation, text contrast in the slate scheme included;
    the folded data table is opened first so axe checks it too."""
    require(AXE_JS.exists(), f"{AXE_JS} is missing: run `npm ci` in {ROOT}")
    # The page's Content-Security-Policy (rightly) refuses an injected script; axe is test tooling.
    found = _axe(_stats_page(browse, 1366, scheme, bypass_csp=True))
    browse.assert_clean()
    assert not found, f"axe-core on the stats page ({scheme}):\n" + "\n".join(found)


def _axe(page) -> list[str]:
    page.evaluate("""async () => {
        for (const d of document.querySelectorAll('.ps-stats details')) d.open = true;
        const deadline = Date.now() + 5000;  // Material fades repository facts in: let it settle
        while (document.querySelector('.md-source') && !document.querySelector('.md-source__repository--active')
               && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50));
        const ending = document.getAnimations().filter(a => a.effect
            && a.effect.getComputedTiming().endTime !== Infinity);
        await Promise.all(ending.map(a => a.finished.catch(() => null)));
    }""")
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .flatMap(v => v.nodes.map(n => `${v.id} at ${n.target.join(' ')}: ${n.failureSummary}`));
    }""")


def test_stats_page_lighthouse_accessibility(site_url):
    require(LIGHTHOUSE.exists() and shutil.which("node") is not None,
            f"Lighthouse is missing: run `npm ci` in {ROOT} (needs node)")
    out = ROOT / "test-artifacts" / "lighthouse" / "stats.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    flags = "--headless=new --no-sandbox --disable-gpu --disable-background-networking " \
            "--disable-component-update --disable-sync --no-first-run"
    result = subprocess.run(
        [str(LIGHTHOUSE), urljoin(site_url, "stats/"), "--only-categories=accessibility", "--output=json",
         f"--output-path={out}", "--quiet", f"--chrome-flags={flags}", "--max-wait-for-load=30000"],
        env=dict(os.environ, CHROME_PATH="/usr/bin/chromium"), capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    score = report["categories"]["accessibility"]["score"]
    failing = [f"{key} ({audit['title']})" for key, audit in report["audits"].items()
               if audit.get("scoreDisplayMode") == "binary" and audit.get("score") == 0]
    assert score >= 0.95, f"Lighthouse accessibility {score} on stats/: " + "; ".join(failing)
