"""Which columns a paper table shows (render/columns.py shown_columns), read back from the
rendered HTML of the seed site's list pages and of tables made for the occasion.

The rule: the title always; year, theme, upvotes and tags only when at least a fifth of the rows
have a value; the theme not when every row has the same one (a theme page). Expectations are
counted from the papers themselves, not taken from the code under test.
"""

from __future__ import annotations

from html.parser import HTMLParser


from generator.library import ALL_PAPERS, WITH_CODE, paper_src, theme_src
from generator.render.lists import paper_table
from generator.render.markup import href


class Table(HTMLParser):
    """The first table.ps-table of a page: headers (text, attributes), and rows of its body
    (attributes of the <tr>, each cell's text and the attributes of its links)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.headers: list[tuple[str, dict]] = []
        self.rows: list[tuple[dict, list[tuple[str, list[dict]]]]] = []
        self._in_table = self._in_body = self._done = False
        self._cell: list | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._done:
            return
        if tag == "table" and "ps-table" in (attrs.get("class") or "").split():
            self._in_table = True
        elif not self._in_table:
            return
        elif tag == "th":
            self._cell = ["", [], attrs]
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append((attrs, []))
        elif tag == "td":
            self._cell = ["", []]
        elif tag == "a" and self._cell is not None:
            self._cell[1].append(attrs)

    def handle_endtag(self, tag):
        if not self._in_table or self._done:
            return
        if tag == "th":
            self.headers.append((self._cell[0].strip(), self._cell[2]))
            self._cell = None
        elif tag == "td":
            self.rows[-1][1].append((self._cell[0].strip(), self._cell[1]))
            self._cell = None
        elif tag == "table":
            self._done = True

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data

    @property
    def names(self) -> list[str]:
        return [text for text, _ in self.headers]


def _filled(papers, value) -> bool:
    """At least a fifth of the papers have a value: the rule, counted here from the papers."""
    return sum(1 for p in papers if value(p)) * 5 >= len(papers)


def _expected(papers, lib) -> list[str]:
    names = ["Title"]
    if _filled(papers, lambda p: p.year):
        names.append("Year")
    if _filled(papers, lambda p: p.theme) and len({p.theme for p in papers}) > 1:
        names.append("Theme")
    if _filled(papers, lambda p: p.upvotes is not None):
        names.append("Upvotes")
    if _filled(papers, lambda p: p.tags):
        names.append("Tags")
    return names


def _slug(cells) -> str:
    """A row's paper, as mylist.js reads it: the last segment of its title link."""
    return cells[0][1][0]["href"].split("/")[-2]


def _row_data(paper, tags_shown: bool) -> dict:
    """The <tr>'s attributes: what papershelf.js filters and sorts by, only where known; the
    tags only where the table has no Tags column (papershelf.js reads its links there)."""
    data = {"data-year": paper.year and str(paper.year),
            "data-tags": None if tags_shown else " ".join(paper.tags) or None,
            "data-code": "1" if paper.code else None,
            "data-upvotes": None if paper.upvotes is None else str(paper.upvotes)}
    return {k: v for k, v in data.items() if v}


def _check_rows(table: Table, papers, src: str, lib) -> None:
    """Every paper, in order, as a row whose first cell links its page (the link's last segment
    is its slug), with one cell per header, and the <tr> holding only the data the browser reads."""
    assert [_slug(cells) for _, cells in table.rows] == [p.slug for p in papers]
    for (attrs, cells), paper in zip(table.rows, papers):
        assert len(cells) == len(table.headers), paper.slug
        assert attrs == _row_data(paper, "Tags" in table.names), paper.slug
        if "Tags" in table.names:  # the tag links' slugs, as papershelf.js reads them
            known = [s for s in paper.tags if lib.taxonomy.tag(s)]
            assert [a["href"].split("/")[-2] for a in cells[-1][1]] == known, paper.slug
        first_links = cells[0][1]
        assert first_links[0]["class"] == "ps-title"
        assert first_links[0]["href"] == href(src, paper_src(paper.slug))
        assert cells[0][0].startswith(paper.title)
        code = [a for a in first_links if a.get("class") == "ps-code-icon"]
        assert len(code) == (1 if paper.code else 0)


def _pages(seed_site, lib):
    themes = [t for t in lib.taxonomy.themes if lib.in_theme(t)]
    yield ALL_PAPERS, list(lib.papers)
    yield WITH_CODE, [p for p in lib.papers if p.code]
    for theme in themes:
        yield theme_src(theme.slug), lib.in_theme(theme)


def test_list_pages_show_the_columns_the_rule_allows(seed_site, lib):
    seen = set()
    for src, papers in _pages(seed_site, lib):
        table = Table(seed_site.pages[src].body)
        assert table.names == _expected(papers, lib), src
        _check_rows(table, papers, src, lib)
        seen.update(table.names)
        if src.startswith("themes/"):
            assert "Theme" not in table.names, f"{src}: a Theme column repeats the page"
    # On the seed site Upvotes (10 of 680 papers) shows on no list page; Theme on all papers.
    assert "Theme" in Table(seed_site.pages[ALL_PAPERS].body).names
    assert "Upvotes" not in seen


def test_a_column_shows_from_a_fifth_of_the_rows(lib):
    """At the boundary, with the seed papers that have upvotes and as many without as the rule
    allows, then one more."""
    voted = [p for p in lib.papers if p.upvotes is not None]
    unvoted = [p for p in lib.papers if p.upvotes is None]
    assert voted and len(unvoted) > 4 * len(voted)
    enough = voted + unvoted[:4 * len(voted)]
    too_few = voted + unvoted[:4 * len(voted) + 1]
    src = ALL_PAPERS
    assert "Upvotes" in Table(paper_table(enough, lib, src)).names
    assert "Upvotes" not in Table(paper_table(too_few, lib, src)).names
    shown = Table(paper_table(enough, lib, src))
    _check_rows(shown, enough, src, lib)
    column = shown.names.index("Upvotes")
    header = shown.headers[column][1]
    assert header["data-sort"] == "num" and header["data-sort-key"] == "upvotes"
    for (attrs, cells), paper in zip(shown.rows, enough):
        assert cells[column][0] == ("" if paper.upvotes is None else f"▲ {paper.upvotes}")
        assert attrs.get("data-upvotes") == (None if paper.upvotes is None else str(paper.upvotes))


def test_theme_column_shows_only_when_themes_differ(lib):
    themes = [t for t in lib.taxonomy.themes if len(lib.in_theme(t)) >= 2]
    one, other = lib.in_theme(themes[0]), lib.in_theme(themes[1])
    assert "Theme" not in Table(paper_table(one, lib, ALL_PAPERS)).names
    mixed = Table(paper_table(one + other[:1], lib, ALL_PAPERS))
    assert "Theme" in mixed.names
    column = mixed.names.index("Theme")
    assert [cells[column][0] for _, cells in mixed.rows] == [t.title for t in
                                                              [themes[0]] * len(one) + [themes[1]]]
