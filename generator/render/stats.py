"""The Stats page: the list's shape as static SVG charts (pygal), rendered at build time.

pygal draws the charts; we make its output deterministic (it stamps a random chart id and the
date) and theme-aware (text uses currentColor, so it reads in light and dark palettes). Every
chart has a caption and an equivalent data table for screen readers.
"""

from __future__ import annotations

import re
from collections import Counter

import pygal
from pygal.style import Style

from ..library import STATS, Library
from .lists import page, tag_url
from .markup import esc

_STYLE = Style(
    background="transparent", plot_background="transparent", foreground="currentColor",
    foreground_strong="currentColor", foreground_subtle="rgba(127,127,127,.35)", opacity=".9",
    opacity_hover="1", font_family="inherit", label_font_size=12, major_label_font_size=12,
    value_font_size=11, legend_font_size=12, title_font_size=14,
    colors=("#3f51b5", "#26a69a", "#ef6c00", "#8e24aa", "#c0ca33", "#6d4c41", "#d81b60", "#00897b"),
)
_ID = re.compile(r"(chart-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SCRIPT = re.compile(r"<script.*?</script>", re.S)  # pygal's tooltip config: useless with js=[], and CSP-unsafe


def _svg(chart, name: str, caption: str) -> str:
    svg = chart.render(is_unicode=True)
    svg = _SCRIPT.sub("", _COMMENT.sub("", _ID.sub(f"chart-{name}", svg)))
    svg = re.sub(r' id="activate-serie-(\d+)"', rf' id="chart-{name}-serie-\1"', svg)  # unique per page
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{esc(caption)}" ', 1)
    return f'<figure class="ps-chart">{svg}<figcaption>{esc(caption)}</figcaption></figure>'


def _chart(kind, **options):
    return kind(style=_STYLE, js=[], width=760, height=340, disable_xml_declaration=True,
                show_legend=options.pop("show_legend", False), print_values=False, **options)


def _table(headers: list[str], rows: list[list[object]], caption: str) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<details class="ps-data"><summary>{esc(caption)} (data)</summary><table><caption>{esc(caption)}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>")


def render_stats(lib: Library) -> str:
    papers = list(lib.papers)
    parts = ['<div class="ps-stats">']
    years = Counter(p.year for p in papers if p.year)
    undated = sum(1 for p in papers if not p.year)
    year_keys = sorted(years)
    chart = _chart(pygal.Bar, title="Papers per publication year")
    chart.x_labels = [str(y) for y in year_keys]
    chart.add("papers", [years[y] for y in year_keys])
    caption = f"Papers per publication year, where known ({undated} papers with no known publication date are not counted)"
    parts += ['<h2 id="per-year">Papers per publication year</h2>', _svg(chart, "years", caption),
              _table(["Year", "Papers"], [[y, years[y]] for y in year_keys] + [["no date", undated]], caption)]

    months = Counter(p.added[:7] for p in papers if p.added)
    month_keys = sorted(months)
    if month_keys:
        chart = _chart(pygal.Bar, title="Papers added per month", x_label_rotation=35)
        chart.x_labels = month_keys
        chart.add("papers", [months[m] for m in month_keys])
        unknown = len(papers) - sum(months.values())
        caption = "Papers added per month (the month the first list holding each was saved)" + (
            f"; {unknown} papers with no known date added are not counted" if unknown else "")
        parts += ['<h2 id="added-per-month">Papers added per month</h2>', _svg(chart, "added", caption),
                  _table(["Month", "Papers added"], [[m, months[m]] for m in month_keys], caption)]

    themes = [t for t in lib.taxonomy.themes if lib.in_theme(t)]
    buckets = [*map(str, year_keys), "no date"]
    chart = _chart(pygal.StackedBar, title="Papers per theme, stacked by year", show_legend=True,
                   x_label_rotation=35, legend_at_bottom=True)
    chart.x_labels = [t.title for t in themes]
    per = {t.slug: Counter(str(p.year) if p.year else "no date" for p in lib.in_theme(t)) for t in themes}
    for bucket in buckets:
        chart.add(bucket, [per[t.slug][bucket] for t in themes])
    caption = "Papers per theme, stacked by year"
    parts += ['<h2 id="per-theme">Papers per theme</h2>', _svg(chart, "themes", caption),
              _table(["Theme", *buckets, "Total"],
                     [[esc(t.title), *[per[t.slug][b] for b in buckets], len(lib.in_theme(t))] for t in themes],
                     caption)]

    with_code = sum(1 for p in papers if p.code)
    chart = _chart(pygal.Pie, title="Share of papers with a code link", inner_radius=0.5, show_legend=True)
    chart.add("with code", with_code)
    chart.add("without code", len(papers) - with_code)
    share = f"{100 * with_code / len(papers):.0f}%" if papers else "0%"
    caption = f"{with_code} of {len(papers)} papers ({share}) link to a code repository"
    parts += ['<h2 id="code-share">Share with code</h2>', _svg(chart, "code", caption)]

    counts = Counter(t for p in papers for t in p.tags).most_common(15)
    chart = _chart(pygal.HorizontalBar, title="Most used tags")
    chart.x_labels = [lib.taxonomy.tag(s).label for s, _ in counts][::-1]
    chart.add("papers", [n for _, n in counts][::-1])
    caption = "The 15 most used tags"
    parts += ['<h2 id="top-tags">Most used tags</h2>', _svg(chart, "tags", caption),
              _table(["Tag", "Papers"],
                     [[f'<a href="{tag_url(STATS, lib.taxonomy.tag(s), lib.taxonomy)}">{esc(lib.taxonomy.tag(s).label)}</a>', n]
                      for s, n in counts], caption)]
    parts.append("</div>")
    return page({"title": "Statistics", "description": "The shape of the list in charts"}, parts)
