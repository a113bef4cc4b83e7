"""The Stats page: the list's shape in horizontal bar charts, rendered at build time.

Each chart is an HTML table styled as bars (`charts.bar_chart`), so its labels keep the page's
font size on a phone as on a desktop, it needs no script, and it is its own data table for
screen readers. Counts come from the `Library` (`in_theme`, `with_tag`, each paper's `added` and
`year`), the same numbers the theme and tag pages show.
"""

from __future__ import annotations

from collections import Counter

from ..library import STATS, Library, theme_src
from .charts import Bar, bar_chart, data_table, month_label, month_range
from .lists import page, tag_url
from .markup import esc, href

TOP_TAGS = 15  # tags in the "Most used tags" chart; every tag is on the Tags page


def _share(part: int, whole: int) -> str:
    return f"({100 * part / whole:.0f}%)" if whole else ""


def _themes(lib: Library) -> list[str]:
    themes = [t for t in lib.taxonomy.themes if lib.in_theme(t)]
    count = {t.slug: len(lib.in_theme(t)) for t in themes}
    ranked = sorted(themes, key=lambda t: -count[t.slug])  # stable: equal counts keep tags.yml's order
    bars = [Bar(f'<a href="{href(STATS, theme_src(t.slug))}">{esc(t.title)}</a>', count[t.slug]) for t in ranked]
    years = sorted({p.year for t in themes for p in lib.in_theme(t) if p.year})
    buckets = [*map(str, years), "no date"]
    per = {t.slug: Counter(str(p.year) if p.year else "no date" for p in lib.in_theme(t)) for t in ranked}
    return ['<h2 id="per-theme">Papers per theme</h2>',
            bar_chart("themes", "Papers per theme, most first", "Theme", "Papers", bars),
            data_table("Papers per theme and publication year", ["Theme", *buckets, "Total"],
                       [[esc(t.title), *[per[t.slug][b] for b in buckets], count[t.slug]] for t in ranked])]


def _tags(lib: Library) -> list[str]:
    used = [(t, len(lib.with_tag(t))) for t in lib.taxonomy.tags if lib.with_tag(t)]
    top = sorted(used, key=lambda item: (-item[1], item[0].label.casefold(), item[0].slug))[:TOP_TAGS]
    bars = [Bar(f'<a href="{tag_url(STATS, t, lib.taxonomy)}">{esc(t.label)}</a>', n) for t, n in top]
    caption = f"The {len(top)} most used of {len(used)} tags, with the number of papers carrying each"
    return ['<h2 id="top-tags">Most used tags</h2>', bar_chart("tags", caption, "Tag", "Papers", bars),
            f'<p class="ps-chart-note">Every tag and its papers: <a href="{href(STATS, "tags.md")}">Tags</a>.</p>']


def _added(lib: Library) -> list[str]:
    months = Counter(p.added[:7] for p in lib.papers if p.added)
    if not months:
        return []
    timeline = month_range(min(months), max(months))
    unknown = len(lib.papers) - sum(months.values())
    caption = ("Papers added per month: the month the first list holding each paper was saved, every month "
               "from the first to the last" + (f"; {unknown} papers with no known date added are not counted"
                                               if unknown else ""))
    bars = [Bar(month_label(m), months[m]) for m in timeline]
    return ['<h2 id="added-per-month">Papers added per month</h2>',
            bar_chart("added", caption, "Month", "Papers added", bars)]


def _years(lib: Library) -> list[str]:
    years = Counter(p.year for p in lib.papers if p.year)
    undated = len(lib.papers) - sum(years.values())
    caption = "Papers per publication year, where known" + (
        f" ({undated} papers with no known publication date are not counted)" if undated else "")
    bars = [Bar(str(y), years[y]) for y in sorted(years)]
    return ['<h2 id="per-year">Papers per publication year</h2>',
            bar_chart("years", caption, "Year", "Papers", bars)]


def _code(lib: Library) -> list[str]:
    total = len(lib.papers)
    with_code = sum(1 for p in lib.papers if p.code)
    caption = f"{with_code} of {total} papers {_share(with_code, total)} link to a code repository"
    bars = [Bar("With a code link", with_code, _share(with_code, total)),
            Bar("Without", total - with_code, _share(total - with_code, total))]
    return ['<h2 id="code-share">Share with code</h2>', bar_chart("code", caption, "Link to code", "Papers", bars)]


def render_stats(lib: Library) -> str:
    papers = lib.papers
    added = sorted(p.added for p in papers if p.added)
    summary = (f"{len(papers)} papers in {sum(1 for t in lib.taxonomy.themes if lib.in_theme(t))} themes, "
               f"carrying {sum(1 for t in lib.taxonomy.tags if lib.with_tag(t))} tags")
    if added:
        summary += f", added between {month_label(added[0][:7])} and {month_label(added[-1][:7])}"
    parts = ['<div class="ps-stats">', f'<p class="ps-stats-summary">{summary}.</p>',
             *_themes(lib), *_tags(lib), *_added(lib), *_years(lib), *_code(lib), "</div>"]
    # No table of contents (its headings are HTML, so it would be empty): the charts get its width.
    return page({"title": "Statistics", "description": "The shape of the list in charts", "hide": ["toc"]}, parts)
