"""Horizontal bar charts as HTML tables: the chart *is* its data table.

Why a table and not an SVG picture: an SVG scaled to fit a 390 px phone scales its text too (the
pygal charts this replaces showed 3 px labels), while table text keeps the page's font size at
every width. A screen reader reads the table (caption, one row per bar: label and count); the
bars are decoration and hidden from it.

Each bar is an inline `<svg>` whose `width` attribute is the value's share of the largest one
("35.00%"): a presentation attribute, not a `style`, so it works whatever the page's
Content-Security-Policy says about inline styles, with no script. The count follows the bar's
end. Colours and sizes are in docs/assets/stats.css, from Material's palette variables, so the
charts follow the light and dark (slate) schemes.

Everything is rendered from integers with fixed formatting: the same data gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .markup import esc


@dataclass(frozen=True)
class Bar:
    """One row of a chart. `label` is HTML, already escaped (it may be a link); `value` is the
    count the bar shows; `note` (plain text) follows the count, e.g. a share "(15%)"."""

    label: str
    value: int
    note: str = ""


def bar_width(value: int, largest: int) -> str:
    """A bar's length as a share of the longest bar's, for the svg's width attribute."""
    return f"{100 * value / largest:.2f}%" if largest > 0 else "0%"


def _bar(bar: Bar, largest: int) -> str:
    # A zero draws no bar at all (a CSS minimum width keeps tiny non-zero bars visible).
    svg = ("" if bar.value <= 0 else
           f'<svg class="ps-bar" width="{bar_width(bar.value, largest)}" height="16" aria-hidden="true" '
           f'focusable="false"><rect width="100%" height="100%" rx="2"></rect></svg>')
    note = f' <span class="ps-bar-note">{esc(bar.note)}</span>' if bar.note else ""
    return (f'<tr><th scope="row">{bar.label}</th><td><div class="ps-bar-line">{svg}'
            f'<span class="ps-bar-n">{bar.value}</span>{note}</div></td></tr>')


def bar_chart(name: str, caption: str, label_header: str, value_header: str, bars: list[Bar]) -> str:
    """A horizontal bar chart: a table with `caption` (its text alternative), a header row
    naming the two columns and one row per bar, in the order given."""
    largest = max((b.value for b in bars), default=0)
    rows = "".join(_bar(b, largest) for b in bars)
    kind = "ps-bars ps-bars--notes" if any(b.note for b in bars) else "ps-bars"
    return (f'<table class="{kind}" id="chart-{esc(name)}"><caption>{esc(caption)}</caption>'
            f'<thead><tr><th scope="col">{esc(label_header)}</th><th scope="col">{esc(value_header)}</th></tr>'
            f"</thead><tbody>{rows}</tbody></table>")


def data_table(summary: str, headers: list[str], rows: list[list[object]]) -> str:
    """More numbers than a chart shows, folded away: a plain table (Material styles and scrolls
    it) in a <details>. Cells are HTML, already escaped; headers are text."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<details class="ps-data"><summary>{esc(summary)}</summary><table><caption>{esc(summary)}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>")


def month_range(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("YYYY-MM"), both included: a timeline shows the months
    in which nothing was added too."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_label(month: str) -> str:
    """A month ("2026-11") as `<time datetime="2026-11">Nov 2026</time>`: words to read, and
    the machine-readable month kept."""
    return f'<time datetime="{month}">{_MONTHS[int(month[5:7]) - 1]} {month[:4]}</time>'
