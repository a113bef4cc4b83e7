"""A page per tag (`tags/<slug>/`) and the tags index (`tags/`), grouped by theme.

Each tag has its own page rather than a section of one page listing every tag's papers (with
Material's tags plugin that page was 73,000 px tall at 1366 px, 112,000 at 390 px, for the 680
seed papers, and grew with every paper). A tag page is a theme page in small: what the tag means, its theme, the tags its papers
carry most often besides it, and the same filterable table as every other paper list
(`lists.paper_table`). No tag is in the nav: Material renders the whole nav into every page.
"""

from __future__ import annotations

from collections import Counter

from ..library import TAGS_INDEX, Library, tag_src, theme_src
from ..taxonomy import Tag
from .lists import page, paper_table, tag_url
from .markup import Document, esc, href

RELATED_TAGS = 8  # tags shown as "often together with" on a tag page


def related_tags(tag: Tag, lib: Library) -> list[tuple[Tag, int]]:
    """The tags the papers carrying `tag` carry most often besides it, with how many of them
    do: most shared first, then by label (a stable order, so pages are byte-identical)."""
    counts = Counter(slug for paper in lib.with_tag(tag) for slug in paper.tags if slug != tag.slug)
    known = [(other, n) for slug, n in counts.items() if (other := lib.taxonomy.tag(slug)) is not None]
    return sorted(known, key=lambda pair: (-pair[1], pair[0].label.casefold(), pair[0].slug))[:RELATED_TAGS]


def _theme_link(tag: Tag, lib: Library, src: str) -> str:
    """The tag's theme, linked when that theme has a page (themes with no paper have none)."""
    theme = lib.taxonomy.theme(tag.theme)
    if theme is None:
        return ""
    if lib.in_theme(theme):
        return f'<a href="{href(src, theme_src(theme.slug))}">{esc(theme.title)}</a>'
    return esc(theme.title)


def render_tag(tag: Tag, lib: Library) -> Document:
    """One tag's page: description, theme, related tags and every paper carrying the tag."""
    src = tag_src(tag.slug)
    papers = lib.with_tag(tag)  # in site order, as every paper list
    with_code = sum(1 for p in papers if p.code)
    theme = _theme_link(tag, lib, src)
    chips = " ".join(f'<a class="ps-tag" href="{tag_url(src, other, lib.taxonomy)}">{esc(other.label)} '
                     f"<small>{n}</small></a>" for other, n in related_tags(tag, lib))
    body = [
        '<div class="ps-tag-page">',
        f'<p class="ps-lead">{esc(tag.description)}</p>' if tag.description else "",
        f'<p class="ps-counts"><strong>{len(papers)}</strong> paper{"" if len(papers) == 1 else "s"}, '
        f"<strong>{with_code}</strong> with code."
        + (f" Theme: {theme}." if theme else "")
        + f' <a href="{href(src, TAGS_INDEX)}">All tags</a></p>',
        f'<p class="ps-related-tags">Often together with: {chips}</p>' if chips else "",
        '<h2 id="papers-table">Papers</h2>',
        paper_table(papers, lib, src) if papers else "<p>No paper carries this tag yet.</p>",
        "</div>",
    ]
    description = tag.description or f"Papers tagged {tag.label}"
    return page({"title": esc(tag.label), "description": esc(description), "hide": ["toc"]}, body)


def render_tags_index(lib: Library) -> Document:
    """Every tag, grouped by theme (in theme order), each with its number of papers, most used
    first; each links to its page."""
    src = TAGS_INDEX
    sections = []
    for theme in lib.taxonomy.themes:
        tags = sorted((t for t in lib.taxonomy.tags if t.theme == theme.slug),
                      key=lambda t: (-len(lib.with_tag(t)), t.label.casefold(), t.slug))
        if not tags:
            continue
        items = "".join(
            f'<li><a href="{tag_url(src, t, lib.taxonomy)}">{esc(t.label)}</a> <small class="ps-tag-count">'
            f'{len(lib.with_tag(t))}</small>{" — " + esc(t.description) if t.description else ""}</li>'
            for t in tags)
        title = (f'<a href="{href(src, theme_src(theme.slug))}">{esc(theme.title)}</a>' if lib.in_theme(theme)
                 else esc(theme.title))
        tagged = len({p.slug for t in tags for p in lib.with_tag(t)})
        sections.append(f'<h2 id="theme-{esc(theme.slug)}">{title} <small>{len(tags)} tags, {tagged} papers'
                        f'</small></h2><ul class="ps-tag-defs">{items}</ul>')
    unused = sum(1 for t in lib.taxonomy.tags if not lib.with_tag(t))
    body = ['<div class="ps-tags-page">',
            f"<p>{len(lib.taxonomy.tags)} tags" + (f" ({unused} on no paper yet)" if unused else "")
            + ", grouped by theme; the number after a tag is how many papers carry it. A paper may carry "
            "tags of other themes than its own.</p>",
            *sections, "</div>"]
    return page({"title": "Tags", "description": "Every tag by theme, with its papers"}, body)
