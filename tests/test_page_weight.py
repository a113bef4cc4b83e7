"""Page weight on the real seed site (one strict `mkdocs build`, the `built_site` fixture):
icons come from the shared sprite, runs of whitespace are gone where they do not show, what
shows whitespace is byte-identical, and `sitemap.xml` is a small index of chunk sitemaps."""

from __future__ import annotations

import html
import re
import statistics
from pathlib import Path


SPRITE = "assets/icons.svg"
PAPER_PAGE_BUDGET = 20 * 1024  # bytes: the median paper page (issue 20: half of the 38 KB measured)
_SVG = re.compile(r"<svg\b[^>]*>(.*?)</svg>", re.S)
_USE = re.compile(r'<use xlink:href="([^"#]*)#([^"]+)"/>')
_GROUP = re.compile(r'<g id="([^"]+)">(.*?)</g>', re.S)
_SHOWN_AS_IS = re.compile(r"<(pre|textarea|script|style|code|kbd)\b.*?</\1>|<!--.*?-->|=\"[^\"]*\"", re.S | re.I)


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def _sprite(site: Path) -> dict[str, str]:
    return dict(_GROUP.findall((site / SPRITE).read_text(encoding="utf-8")))


def test_median_paper_page_is_within_budget(built_site, seed_site):
    """Sprite icons, no whitespace runs, and only the paper's own themes in its nav."""
    papers = [built_site / "papers" / paper.slug / "index.html" for paper in seed_site.library.papers]
    assert len(papers) == len(seed_site.library.papers) and all(p.is_file() for p in papers)
    median = statistics.median(p.stat().st_size for p in papers)
    assert median <= PAPER_PAGE_BUDGET, f"median paper page {median:.0f} bytes"


def test_no_inline_icon_where_the_sprite_serves_it(built_site):
    sprite = _sprite(built_site)
    assert len(sprite) >= 10  # Material's header, nav and footer icons, and each theme's
    served = set(sprite.values())
    used = set()
    for page in _pages(built_site):
        text = page.read_text(encoding="utf-8")
        for inner in _SVG.findall(text):
            assert inner not in served, f"{page.relative_to(built_site)}: an inline copy of a sprite icon"
        for href, name in _USE.findall(text):
            assert name in sprite, f"{page.relative_to(built_site)}: #{name} is not in the sprite"
            if href.startswith("/"):  # 404.html: served at any depth, so from the site's own path
                assert href.endswith("/" + SPRITE), href
            else:
                assert (page.parent / href).resolve() == (built_site / SPRITE).resolve(), href
            used.add(name)
    assert used == set(sprite)  # the sprite holds what the pages use, nothing else


def test_whitespace_is_collapsed_where_it_does_not_show(built_site):
    for page in _pages(built_site):
        shown = _SHOWN_AS_IS.sub("#", page.read_text(encoding="utf-8"))
        run = re.search(r"[ \t\r\n\f]{2,}", shown)
        assert run is None, f"{page.relative_to(built_site)}: {shown[run.start() - 60:run.end() + 20]!r}"


def test_bibtex_in_pre_is_byte_identical(built_site, seed_site):
    """The Cite box's <pre> holds the pipeline's BibTeX exactly, indentation included."""
    from generator.render.bibtex import paper_bibtex

    checked = 0
    for paper in seed_site.library.papers:
        bibtex = paper_bibtex(paper, seed_site.library)
        page = (built_site / "papers" / paper.slug / "index.html").read_text(encoding="utf-8")
        shown = re.search(r'<pre><code class="ps-bibtex">(.*?)</code></pre>', page, re.S)
        assert shown is not None and html.unescape(shown.group(1)) == bibtex, paper.slug
        checked += "\n  " in bibtex  # (entries are indented: a run of whitespace that must stay)
    assert checked == len(seed_site.library.papers)


def test_sitemap_is_a_small_index_of_chunks_holding_every_page(built_site):
    index = (built_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<sitemapindex" in index and "<url>" not in index and len(index) < 1024
    locs = re.findall(r"<loc>([^<]+)</loc>", index)
    chunks = [built_site / loc.rsplit("/", 1)[1] for loc in locs]
    assert chunks and all(chunk.is_file() for chunk in chunks)
    listed = {loc for chunk in chunks for loc in re.findall(r"<loc>([^<]+)</loc>", chunk.read_text(encoding="utf-8"))}
    pages = {p.relative_to(built_site).parent.as_posix() for p in built_site.rglob("index.html")}
    base = locs[0].rsplit("/", 1)[0] + "/"
    assert {(loc.removeprefix(base).rstrip("/") or ".") for loc in listed} == pages


def test_collapse_equals_the_plain_rule_on_random_text():
    """render/slim.py does what its rule says on any mix of whitespace: a run of whitespace is one
    line break if it held one, else one space; <pre> and attribute values keep theirs."""
    import random

    from generator.render.slim import collapse_whitespace

    def plain(text: str) -> str:
        return re.sub(r"[ \t\n\r\f]{2,}", lambda m: "\n" if "\n" in m.group() else " ", text)

    rng = random.Random(20)
    pieces = [" ", "\n", "\t", "\r\n", "  ", "a", "<b>", "</b>", "\n  "]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        kept = '<pre> a \n\n  b</pre><p title="x  y">'
        assert collapse_whitespace(text + kept + text) == plain(text) + kept + plain(text), repr(text)


def test_a_paper_page_nav_lists_its_own_themes_and_all_themes(built_site, seed_site):
    """Paper pages keep "All themes" and their primary and secondary theme in the nav; the
    home page (and every page but papers) keeps every theme."""
    themed = lambda html: re.findall(r'<a href="(?:\.\./)*themes/([^/"]*)/?" class="md-nav__link">', html)
    lib = seed_site.library
    paper = next(p for p in lib.papers if p.secondary_theme)
    html = (built_site / "papers" / paper.slug / "index.html").read_text(encoding="utf-8")
    on_site = [t.slug for t in lib.taxonomy.themes if t.slug in {p.theme for p in lib.papers}]
    assert sorted(themed(html)) == sorted(["", paper.theme, paper.secondary_theme])
    home = themed((built_site / "index.html").read_text(encoding="utf-8"))
    assert set(home) >= set(on_site) | {""}
