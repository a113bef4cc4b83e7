"""The Stats page's bar charts, read back from the rendered page of the real seeds.

Every expectation comes from the pipeline (`seed_site.library`: `in_theme`, `with_tag`, each
paper's `added`, `year` and `code`), never from the HTML under test. The charts are tables
(generator/render/charts.py): each row is a label, a count and a bar whose width attribute is
the count's share of the largest.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from generator.library import STATS, theme_src
from generator.render.charts import Bar, bar_chart, bar_width, month_range
from generator.render.lists import tag_url
from generator.render.markup import href
from generator.render.stats import TOP_TAGS, render_stats


@dataclass
class Row:
    label: str = ""
    link: str | None = None
    month: str | None = None  # a <time datetime> in the label
    value: str = ""
    width: str | None = None  # the bar's svg width attribute; None: no bar drawn
    note: str = ""


@dataclass
class Chart:
    id: str
    caption: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


class _Charts(HTMLParser):
    """Every `table.ps-bars` of a page, as Chart records."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.charts: list[Chart] = []
        self.where: str | None = None  # caption, header, label, value, note
        self.inside = False  # within a chart's table

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "ps-bars" in (a.get("class") or "").split():
            self.charts.append(Chart(a["id"]))
            self.inside = True
        if not self.inside:
            return
        chart = self.charts[-1]
        if tag == "caption":
            self.where = "caption"
        elif tag == "th" and a.get("scope") == "col":
            chart.headers.append("")
            self.where = "header"
        elif tag == "th" and a.get("scope") == "row":
            chart.rows.append(Row())
            self.where = "label"
        elif tag == "a" and self.where == "label":
            chart.rows[-1].link = a["href"]
        elif tag == "time" and self.where == "label":
            chart.rows[-1].month = a["datetime"]
        elif tag == "svg" and "ps-bar" in (a.get("class") or "").split():
            assert a.get("aria-hidden") == "true", "a bar is decoration: hidden from screen readers"
            chart.rows[-1].width = a["width"]
        elif tag == "span" and a.get("class") in ("ps-bar-n", "ps-bar-note"):
            self.where = "value" if a["class"] == "ps-bar-n" else "note"

    def handle_endtag(self, tag):
        if tag in ("table", "caption", "th", "span"):
            self.where = None
        self.inside = self.inside and tag != "table"

    def handle_data(self, data):
        if not self.inside or self.where is None:
            return
        chart = self.charts[-1]
        if self.where == "caption":
            chart.caption += data
        elif self.where == "header":
            chart.headers[-1] += data
        else:
            row = chart.rows[-1]
            setattr(row, self.where, getattr(row, self.where) + data)


def charts_of(html: str) -> dict[str, Chart]:
    parser = _Charts()
    parser.feed(html)
    return {c.id: c for c in parser.charts}


@pytest.fixture(scope="module")
def charts(seed_site) -> dict[str, Chart]:
    return charts_of(seed_site.pages[STATS].body)


def _values(chart: Chart) -> list[int]:
    return [int(r.value) for r in chart.rows]


def _assert_bars_scale(chart: Chart) -> None:
    """Each bar's width is its count's share of the largest count; a zero draws no bar."""
    largest = max(_values(chart))
    for row in chart.rows:
        value = int(row.value)
        assert row.width == (bar_width(value, largest) if value else None), (chart.id, row)
    assert any(r.width == "100.00%" for r in chart.rows), chart.id


def test_the_page_has_its_five_charts_each_with_a_caption_and_column_headers(charts):
    assert set(charts) == {"chart-themes", "chart-tags", "chart-added", "chart-years", "chart-code"}
    for chart in charts.values():
        assert chart.caption.strip() and len(chart.headers) == 2 and all(h.strip() for h in chart.headers)
        assert chart.rows and all(r.label.strip() and r.value.isdigit() for r in chart.rows), chart.id
        _assert_bars_scale(chart)


def test_papers_per_theme_are_the_librarys_counts_most_first(charts, lib):
    expected = {t.title: len(lib.in_theme(t)) for t in lib.taxonomy.themes if lib.in_theme(t)}
    chart = charts["chart-themes"]
    assert {r.label: int(r.value) for r in chart.rows} == expected
    assert len(chart.rows) == len(expected)
    assert _values(chart) == sorted(_values(chart), reverse=True)
    by_title = {t.title: t for t in lib.taxonomy.themes}
    assert [r.link for r in chart.rows] == [href(STATS, theme_src(by_title[r.label].slug)) for r in chart.rows]


def test_most_used_tags_are_the_top_tags_with_the_librarys_counts(charts, lib):
    counts = {t.label: len(lib.with_tag(t)) for t in lib.taxonomy.tags if lib.with_tag(t)}
    chart = charts["chart-tags"]
    shown = {r.label: int(r.value) for r in chart.rows}
    assert len(chart.rows) == min(TOP_TAGS, len(counts))
    assert all(counts[label] == n for label, n in shown.items())
    assert all(n <= min(shown.values()) for label, n in counts.items() if label not in shown), \
        "a tag left out is used more than one shown"
    assert _values(chart) == sorted(_values(chart), reverse=True)
    by_label = {t.label: t for t in lib.taxonomy.tags}
    assert [r.link for r in chart.rows] == [tag_url(STATS, by_label[r.label], lib.taxonomy) for r in chart.rows]
    assert str(len(counts)) in chart.caption


def test_papers_added_per_month_are_the_papers_added_months_with_empty_months_shown(charts, lib):
    added = Counter(p.added[:7] for p in lib.papers if p.added)
    assert len(added) >= 2, "the seeds' lists were captured in different months"
    chart = charts["chart-added"]
    months = [r.month for r in chart.rows]
    assert months == sorted(months) and months[0] == min(added) and months[-1] == max(added)
    assert set(added) <= set(months)
    assert {r.month: int(r.value) for r in chart.rows} == {m: added.get(m, 0) for m in months}
    # The timeline has no gap: each month follows the one before.
    for before, after in zip(months, months[1:]):
        y, m = int(before[:4]), int(before[5:])
        assert after == (f"{y + 1}-01" if m == 12 else f"{y}-{m + 1:02d}")
    assert sum(_values(chart)) == sum(1 for p in lib.papers if p.added)


def test_papers_per_year_and_the_code_share_are_the_librarys(charts, lib):
    years = Counter(p.year for p in lib.papers if p.year)
    assert {int(r.label): int(r.value) for r in charts["chart-years"].rows} == years
    undated = len(lib.papers) - sum(years.values())
    assert (f"{undated} papers with no known publication date" in charts["chart-years"].caption) == (undated > 0)
    with_code = sum(1 for p in lib.papers if p.code)
    assert _values(charts["chart-code"]) == [with_code, len(lib.papers) - with_code]


def test_the_stats_page_does_not_depend_on_the_papers_order(seed_site, lib):
    reordered = dataclasses.replace(lib, papers=tuple(reversed(lib.papers)))
    assert render_stats(reordered).body == seed_site.pages[STATS].body


def test_chart_labels_are_escaped_and_bars_need_no_style_attribute():
    html = bar_chart("x<y", 'a "caption" <b>', "<Label>", "N&M",
                     [Bar("&lt;i&gt;escaped by the caller&lt;/i&gt;", 3, "(50% <of>)"), Bar("zero", 0)])
    chart = charts_of(html)["chart-x<y"]
    assert chart.caption == 'a "caption" <b>' and chart.headers == ["<Label>", "N&M"]
    assert chart.rows[0].label == "<i>escaped by the caller</i>" and chart.rows[0].note == "(50% <of>)"
    assert chart.rows[0].width == "100.00%" and chart.rows[1].width is None
    assert "<b>" not in html and "<of>" not in html and "style=" not in html


def test_month_range_crosses_years():
    assert month_range("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert month_range("2026-03", "2026-03") == ["2026-03"]
    assert re.fullmatch(r"\d+\.\d\d%", bar_width(1, 3)) and bar_width(0, 0) == "0%"
