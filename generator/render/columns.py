"""The columns of a paper table, which of them a table shows, and the parts of each row.

A table always shows the title; the other columns (year, theme, upvotes, tags) only where they
tell a reader something: `shown_columns` holds the rule, in one place. The code link
is not a column: it is a small icon after the title, so every row keeps it whatever columns show
(on the seed site a code column would be empty for 85 % of all papers and hidden by the rule).

Rows are made of parts that do not depend on the page (`row_parts`, memoised per paper by the
caller) and the links that do (title and tags, relative to the page's depth).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

from ..library import Library
from ..model import Paper
from .markup import esc, safe_url

MIN_FILLED_SHARE = 5  # a column shows when at least 1 in MIN_FILLED_SHARE rows has a value


@dataclass(frozen=True)
class Column:
    """An optional column. `key` names it for the browser (`data-sort-key` on its header; a
    number column sorts by the row's `data-<key>` attribute, a text column by the cell's text);
    `value` is what a row shows in it, "" for nothing; `varies` hides it when every row shows
    the same value (a theme page's own theme in a Theme column repeats the page)."""

    key: str
    header: str
    sort: str  # "num", "text", or "" (not sortable)
    value: Callable[[Paper, Library], str]
    varies: bool = False


def _theme_title(paper: Paper, lib: Library) -> str:
    theme = lib.theme_of(paper)
    return esc(theme.title) if theme else ""


OPTIONAL_COLUMNS = (
    Column("year", "Year", "num", lambda paper, lib: str(paper.year or "")),
    Column("theme", "Theme", "text", _theme_title, varies=True),
    Column("upvotes", "Upvotes", "num", lambda paper, lib: "" if paper.upvotes is None else f"▲ {paper.upvotes}"),
    # Last, so that a phone's stacked row ends with its tags (papershelf.css). Its cells are links
    # relative to the page: paper_table makes them; the value here only says whether there are any.
    Column("tags", "Tags", "", lambda paper, lib: " ".join(paper.tags)),
)


def shown_columns(papers: list[Paper], lib: Library) -> tuple[Column, ...]:
    """The optional columns a table of these papers shows, in OPTIONAL_COLUMNS order.

    The rule: a column shows when at least a fifth of the rows have a value in it (Upvotes, known
    for 10 of 680 seed papers, would otherwise be an empty column on almost every page), and, for
    a column marked `varies`, when its values are not all the same (the Theme column on a theme
    page, where every row would repeat the page's title). A table of no papers shows none.
    """
    shown = []
    for column in OPTIONAL_COLUMNS:
        values = [v for v in (column.value(paper, lib) for paper in papers) if v]
        if not values or len(values) * MIN_FILLED_SHARE < len(papers):
            continue
        if column.varies and len(set(values)) < 2:
            continue
        shown.append(column)
    return tuple(shown)


class RowParts(NamedTuple):
    """What a paper's row holds that is the same on every page: the attributes of its <tr> with
    the data the browser filters and sorts by (`data`, and `tags` apart), the escaped title, the
    code icon and the first author's line (both "" when unknown), and each optional column's cell
    content by key.

    A <tr> carries only what papershelf.js reads and only when known (`data-year`, `data-tags`,
    `data-code="1"`, `data-upvotes`): a missing attribute is the default (no year, no tags, no
    code, upvotes unknown), which filters and sorts as the empty value did. `data-tags` only in
    a table without the Tags column: where it shows, papershelf.js reads the slugs from the tag
    links (`.../tags/<slug>/`). The paper's slug is the last segment of its title link
    (`../../papers/<slug>/`), where mylist.js reads it; nothing read a row's date or theme (the
    Theme column sorts by its text)."""

    data: str
    tags: str
    title: str
    code: str
    author: str
    cells: dict[str, str]


def row_parts(paper: Paper, lib: Library) -> RowParts:
    code = next((u for u in map(safe_url, paper.code) if u), None)
    title = esc(paper.title)
    code_html = (f' <a class="ps-code-icon" href="{code}" title="Code" aria-label="Code for {title}">'
                 f"&lt;/&gt;</a>") if code else ""
    data = "".join(f' data-{name}="{value}"' for name, value in (
        ("year", paper.year or None), ("code", 1 if code else None), ("upvotes", paper.upvotes)) if value is not None)
    tags = f' data-tags="{esc(" ".join(paper.tags))}"' if paper.tags else ""
    author = ""
    if paper.authors:  # the first author under the title link ("Hu et al.")
        more = " et al." if len(paper.authors) > 1 else ""
        author = f' <small class="ps-first-author">{esc(paper.authors[0])}{more}</small>'
    return RowParts(data, tags, title, code_html, author,
                    {c.key: c.value(paper, lib) for c in OPTIONAL_COLUMNS if c.key != "tags"})


def header_cells(columns: tuple[Column, ...]) -> str:
    """The <th>s of the optional columns (after Title); sortable ones say how (papershelf.js)."""
    return "".join(f'<th data-sort="{c.sort}" data-sort-key="{c.key}">{c.header}</th>' if c.sort
                   else f"<th>{c.header}</th>" for c in columns)
