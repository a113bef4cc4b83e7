"""Index pages: home, themes, all papers, papers with code, reading paths (tags: `tags.py`).

Tables carry data-* attributes (year, tag slugs, has-code) that `assets/papershelf.js` filters
and sorts in the browser; without JavaScript they are still complete, plain tables.
"""

from __future__ import annotations

from collections import Counter

from ..library import (ALL_PAPERS, HOME, PATHS_INDEX, STATS, THEMES_INDEX, WHATS_NEW, WITH_CODE, Library, paper_src,
                       path_src, tag_src, theme_src)
from ..model import Paper
from ..taxonomy import Tag, Taxonomy
from .columns import header_cells, row_parts, shown_columns
from .markup import Document, esc, href

NEWEST_ON_HOME = 8


def tag_name(tag: Tag) -> str:
    """A tag's name in the paper pages' front-matter `tags` (which Material's search indexes):
    its label, HTML-escaped, as the front-matter stores text Material prints raw."""
    return esc(tag.label)


def tag_url(src: str, tag: Tag, taxonomy: Taxonomy) -> str:
    """Link from the page at `src` to the tag's own page (`tags/<slug>/`). `taxonomy` is unused
    since tags have pages of their own (it made the tags page's anchors); kept for callers."""
    return href(src, tag_src(tag.slug))


def sort_key(paper: Paper) -> tuple:
    """Newest first; undated papers after dated ones, then by title."""
    return (paper.date is None, "" if paper.date is None else _invert(paper.date), paper.title.casefold())


def newest_key(paper: Paper) -> tuple:
    """What the list gained most recently first: by `added` (when its list was captured), then
    by publication date, both newest first, unknown last; then by title."""
    return (paper.added is None, "" if paper.added is None else _invert(paper.added), *sort_key(paper))


def newest_first(papers) -> list[Paper]:
    return sorted(papers, key=newest_key)


def _invert(iso: str) -> str:
    return "".join(chr(0x10FFFF - ord(c)) if c.isdigit() else c for c in iso)


def page(meta: dict, body: list[str]) -> Document:
    return Document(meta, "\n".join(b for b in body if b) + "\n")


def paper_table(papers: list[Paper], lib: Library, src: str, filters: bool = True,
                table_id: str = "papers") -> str:
    """The sortable, filterable table of papers used by theme and index pages. Its columns are
    the title and those `columns.shown_columns` finds worth showing for these papers; every row's
    first cell holds the title link (`a.ps-title`, whose last path segment is the paper's slug)."""
    columns = shown_columns(papers, lib)
    with_tags = any(c.key == "tags" for c in columns)
    rows = []
    tag_links: dict[str, str] = {}  # per table: a tag's link is the same in every row
    for paper in papers:
        # What does not depend on the page: made once, for every table the paper is in.
        parts = lib.memo(("row", paper.slug), lambda: row_parts(paper, lib))
        cells = "".join(f"<td>{parts.cells[c.key]}</td>" for c in columns if c.key != "tags")
        if with_tags:
            for slug in paper.tags:
                if slug not in tag_links:
                    tag = lib.taxonomy.tag(slug)
                    tag_links[slug] = f'<a href="{tag_url(src, tag, lib.taxonomy)}">{esc(tag.label)}</a>' if tag else ""
            cells += f'<td>{", ".join(tag_links[s] for s in paper.tags if tag_links[s])}</td>'
        rows.append(f'<tr{parts.data}{"" if with_tags else parts.tags}><td><a class="ps-title" href="{href(src, paper_src(paper.slug))}">{parts.title}</a>'
                    f"{parts.code}{parts.author}</td>{cells}</tr>")
    head = f'<thead><tr><th data-sort="text" data-sort-key="title">Title</th>{header_cells(columns)}</tr></thead>'
    # Tables repeat titles the paper pages already index: kept out of search (smaller index).
    table = (f'<table class="ps-table" id="{table_id}">{head}<tbody>' + "".join(rows) + "</tbody></table>")
    if not filters:
        return table
    tag_slugs = sorted({t for p in papers for t in p.tags},
                       key=lambda s: lib.taxonomy.tag(s).label.casefold() if lib.taxonomy.tag(s) else s)
    options = "".join(f'<option value="{esc(s)}">{esc(lib.taxonomy.tag(s).label)}</option>'
                      for s in tag_slugs if lib.taxonomy.tag(s))
    years = sorted({p.year for p in papers if p.year})
    year_attrs = f'min="{years[0]}" max="{years[-1]}"' if years else ""
    form = (
        f'<form class="ps-filters" data-table="{table_id}" role="search" aria-label="Filter papers">'
        '<label>Text <input type="search" name="text" placeholder="words in the title"></label> '
        f'<label>Tag <select name="tag"><option value="">any tag</option>{options}</select></label> '
        f'<label>From year <input type="number" name="from" {year_attrs} inputmode="numeric"></label> '
        f'<label>to <input type="number" name="to" {year_attrs} inputmode="numeric"></label> '
        '<label><input type="checkbox" name="code"> has code</label> '
        f'<output class="ps-count" aria-live="polite">{len(papers)} papers</output>'
        "</form>"
    )
    return form + table


def render_theme(theme, lib: Library) -> str:
    src = theme_src(theme.slug)
    papers = lib.in_theme(theme)
    with_code = sum(1 for p in papers if p.code)
    tag_counts: dict[str, int] = {}
    for paper in papers:
        for slug in paper.tags:
            tag_counts[slug] = tag_counts.get(slug, 0) + 1
    chips = " ".join(
        f'<a class="ps-tag" href="{tag_url(src, lib.taxonomy.tag(s), lib.taxonomy)}">{esc(lib.taxonomy.tag(s).label)} '
        f"<small>{n}</small></a>"
        for s, n in sorted(tag_counts.items(), key=lambda kv: (-kv[1], kv[0])) if lib.taxonomy.tag(s))
    secondary, tagged = lib.secondary_in(theme), lib.tagged_in(theme)
    body = [
        '<div class="ps-theme-page">',
        f'<p class="ps-lead">{esc(theme.description)}</p>',
        f'<p class="ps-counts">{theme_counts(theme, lib)} <strong>{with_code}</strong> of its own papers have code. '
        f'<a href="{href(src, f"feed-{theme.slug}.xml")}">Atom feed</a></p>',
        # Folded on a phone (papershelf.js closes it there), so the papers come first.
        f'<details class="ps-fold" open><summary><h2 id="tags">Tags in this theme <small>{len(tag_counts)}</small></h2>'
        f'</summary><p class="ps-tag-list">{chips}</p></details>' if chips else "",
        '<h2 id="papers-table">Papers</h2>',
        paper_table(papers, lib, src) if papers else "<p>No papers with this as their main theme yet.</p>",
        also_on_topic(theme, secondary, tagged, lib, src),
        "</div>",
    ]
    return page({"title": esc(theme.title), "description": esc(theme.description), "icon": theme.icon,
                 "feed": f"feed-{theme.slug}.xml", "hide": ["toc"]}, body)


def theme_counts(theme, lib: Library) -> str:
    """'<strong>20</strong> papers, plus <strong>45</strong> also on this topic (12 with it as
    secondary theme, 33 that carry its tags).': what its page lists, both parts."""
    own, secondary, tagged = len(lib.in_theme(theme)), len(lib.secondary_in(theme)), len(lib.tagged_in(theme))
    text = f"<strong>{own}</strong> paper{'s' if own != 1 else ''}"
    if not secondary + tagged:
        return text + "."
    parts = ([f"{secondary} with it as secondary theme"] if secondary else []) + \
        ([f"{tagged} that carry its tags"] if tagged else [])
    return f"{text}, plus <strong>{secondary + tagged}</strong> also on this topic ({', '.join(parts)})."


def also_on_topic(theme, secondary: list[Paper], tagged: list[Paper], lib: Library, src: str) -> str:
    """The papers of other themes that belong here too, in two tables that say why: this is
    their secondary theme, or they carry one of its tags (their own theme is in each row)."""
    if not secondary and not tagged:
        return ""
    parts = ['<h2 id="also-on-this-topic">Also on this topic</h2>',
             "<p>Papers whose main theme is another one, listed here as well.</p>"]
    if secondary:
        parts += [f'<h3 id="also-secondary">Secondary theme: {esc(theme.title)} ({len(secondary)})</h3>',
                  paper_table(secondary, lib, src, filters=False, table_id="secondary-papers")]
    if tagged:
        parts += [f'<h3 id="also-tagged">Also tagged ({len(tagged)})</h3>',
                  "<p>They carry one of this theme's tags, though their tags score higher elsewhere.</p>",
                  paper_table(tagged, lib, src, filters=False, table_id="tagged-papers")]
    return "\n".join(parts)


def theme_cards(lib: Library, src: str, icons: dict[str, str]) -> str:
    cards = []
    for theme in lib.taxonomy.themes:
        if not lib.has_papers(theme):
            continue
        papers, also = lib.in_theme(theme), lib.also_in(theme)
        count = f"{len(papers)} papers" + (f" + {also} also on this topic" if also else "")
        cards.append(
            f'<li><p><span class="twemoji">{icons.get(theme.icon, "")}</span> '
            f'<a href="{href(src, theme_src(theme.slug))}"><strong>{esc(theme.title)}</strong></a> '
            f'<small>{count}</small></p><p>{esc(theme.description)}</p></li>')
    return '<div class="grid cards ps-cards"><ul>' + "".join(cards) + "</ul></div>"


def _short_list(papers: list[Paper], lib: Library, src: str, extra) -> str:
    items = "".join(f'<li><a href="{href(src, paper_src(p.slug))}">{esc(p.title)}</a> {extra(p)}</li>'
                    for p in papers)
    return f'<ul class="ps-short">{items}</ul>'


def _dates(paper: Paper) -> str:
    """'<small>added 2026-11-22 &middot; published 2024-05-01</small>', from what is known."""
    known = ([f"added {esc(paper.added)}"] if paper.added else []) + ([f"published {esc(paper.date)}"] if paper.date else [])
    return f"<small>{' &middot; '.join(known)}</small>" if known else ""


WHATS_NEW_LIMIT = 200  # papers on the What's new page


def render_whats_new(lib: Library) -> Document:
    """The papers the list gained most recently, by the day their list was captured."""
    src = WHATS_NEW
    papers = lib.memo(("newest",), lambda: newest_first(lib.papers))[:WHATS_NEW_LIMIT]
    groups: dict[str | None, list[Paper]] = {}
    for paper in papers:
        groups.setdefault(paper.added, []).append(paper)
    that_day = Counter(paper.added for paper in lib.papers if paper.added in groups)
    body = ['<div class="ps-whats-new">',
            f"<p>The {len(papers)} papers added most recently, newest first (a paper counts as added on the day "
            f'the first list that holds it was saved). Subscribe: <a href="{href(src, "feed.xml")}">Atom feed</a>.</p>']
    for added, group in groups.items():
        heading = f"Added {esc(added)}" if added else "Date added unknown"
        anchor = f"added-{esc(added)}" if added else "added-unknown"
        lists = sorted({lib.list_title(f) for p in group for f in p.lists})
        count = f"{len(group)} of {that_day[added]}" if that_day[added] > len(group) else str(len(group))
        body += [f'<h2 id="{anchor}">{heading} ({count} paper{"s" if that_day[added] != 1 else ""})</h2>',
                 f'<p class="ps-lists-added">From: {", ".join(esc(t) for t in lists)}</p>',
                 _short_list(group, lib, src, lambda p: f"<small>published {esc(p.date)}</small>" if p.date else "")]
    body.append("</div>")
    return page({"title": "What's new", "description": esc(f"The {len(papers)} papers added most recently")}, body)


def render_home(lib: Library, icons: dict[str, str]) -> str:
    src = HOME
    papers = list(lib.papers)
    with_code = [p for p in papers if p.code]
    newest = lib.memo(("newest",), lambda: newest_first(papers))[:NEWEST_ON_HOME]
    upvoted = sorted([p for p in papers if p.upvotes], key=lambda p: (-p.upvotes, p.title))[:NEWEST_ON_HOME]
    themes_used = sum(1 for t in lib.taxonomy.themes if lib.in_theme(t))
    other = lib.taxonomy.theme("other")  # papers no theme fits, said honestly (issue 18)
    in_other = len(lib.in_theme(other)) if other else 0
    body = [
        '<div class="ps-home">',
        f'<p class="ps-lead">A curated reading list of <strong>{len(papers)}</strong> research papers from '
        f'<strong>{len(lib.sources)}</strong> saved listings, grouped into <strong>{themes_used}</strong> themes '
        f'and <strong>{len({t for p in papers for t in p.tags})}</strong> tags; <strong>{len(with_code)}</strong> '
        f'link to their code. '
        + (f'<strong>{in_other}</strong> fit no theme and are in <a href="{href(src, theme_src(other.slug))}">'
           f'{esc(other.title)}</a>. ' if in_other else '')
        + f'Search with the box at the top, or browse a theme. '
        f'<a href="{href(src, "about.md")}">About this list</a>.</p>',
        '<h2 id="themes">Themes</h2>',
        theme_cards(lib, src, icons),
        '<h2 id="newest">Newest papers</h2>' if newest else "",
        _short_list(newest, lib, src, _dates) if newest else "",
        f'<p><a href="{href(src, WHATS_NEW)}">What\'s new: the papers most recently added</a></p>' if newest else "",
        '<h2 id="most-upvoted">Most upvoted</h2>' if upvoted else "",
        _short_list(upvoted, lib, src, lambda p: f"<small>▲ {p.upvotes}</small>") if upvoted else "",
        '<h2 id="with-code">Papers with code</h2>',
        f'<p><a href="{href(src, WITH_CODE)}">All {len(with_code)} papers with a code repository</a> · '
        f'<a href="{href(src, ALL_PAPERS)}">All papers</a> · <a href="{href(src, STATS)}">Statistics</a> · '
        f'Downloads: <a href="{href(src, "papers.bib")}">papers.bib</a>, '
        f'<a href="{href(src, "papers.json")}">papers.json</a>, <a href="{href(src, "feed.xml")}">Atom feed</a></p>',
        "</div>",
    ]
    return page({"title": esc(lib.site_name), "description": esc(f"A reading list of {len(papers)} papers"),
                 "hide": ["toc"]}, body)


def render_all_papers(lib: Library) -> str:
    src = ALL_PAPERS
    papers = list(lib.papers)  # in site order (sort_key)
    body = ['<div class="ps-all">', f"<p>Every paper in the list, newest first: {len(papers)} papers.</p>",
            paper_table(papers, lib, src), "</div>"]
    return page({"title": "All papers", "description": esc(f"All {len(papers)} papers in the list"),
                 "hide": ["toc"]}, body)


def render_with_code(lib: Library) -> str:
    src = WITH_CODE
    papers = [p for p in lib.papers if p.code]
    body = ['<div class="ps-code-page">', f"<p>{len(papers)} papers link to a code repository.</p>",
            paper_table(papers, lib, src, table_id="with-code"), "</div>"]
    return page({"title": "Papers with code", "description": esc(f"{len(papers)} papers with code"),
                 "hide": ["toc"]}, body)


def render_themes_index(lib: Library, icons: dict[str, str]) -> str:
    src = THEMES_INDEX
    return page({"title": "Themes", "description": "The themes of the list"},
                ['<div class="ps-themes">', theme_cards(lib, src, icons), "</div>"])


def render_path(path, lib: Library) -> str:
    src = path_src(path.slug)
    items = []
    for number, step in enumerate(path.steps, 1):
        paper = lib.paper(step.paper)
        if paper is None:
            continue
        note = f'<br><span class="ps-step-note">{esc(step.note)}</span>' if step.note else ""
        items.append(f'<li><a href="{href(src, paper_src(paper.slug))}">{esc(paper.title)}</a>{note}</li>')
    body = ['<div class="ps-path-page">', f'<p class="ps-lead">{esc(path.description)}</p>' if path.description else "",
            f'<ol class="ps-steps">{"".join(items)}</ol>', "</div>"]
    return page({"title": esc(path.title), "description": esc(path.description or path.title)}, body)


def render_paths_index(lib: Library) -> str:
    src = PATHS_INDEX
    items = "".join(f'<li><a href="{href(src, path_src(p.slug))}">{esc(p.title)}</a> <small>{len(p.steps)} papers</small>'
                    f'{" — " + esc(p.description) if p.description else ""}</li>' for p in lib.paths)
    body = ['<div class="ps-paths">',
            "<p>Curated orders in which to read papers, each step with the curator's reason.</p>",
            f"<ul>{items}</ul>" if items else "<p>No reading paths yet: add one under <code>paths:</code> in curation.yml.</p>",
            "</div>"]
    return page({"title": "Reading paths", "description": "Curated reading orders"}, body)
