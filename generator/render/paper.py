"""The page of one paper: what it is, where its code is, how to cite it, what to read next."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..library import HOME, MY_LIST, Library, paper_src, path_src, theme_src
from ..model import Paper
from .bibtex import paper_bibtex
from .lists import tag_name, tag_url
from .markup import Document, LazyDocument, esc, href, quote_plus, safe_url
from .note import render_note

DESCRIPTION_CHARS = 200
_HOST_ICONS = {"github.com": "github", "gitlab.com": "gitlab", "bitbucket.org": "bitbucket"}
_KIND_LABELS = {
    "project": "Project page", "model": "Model", "dataset": "Dataset", "space": "Demo (Space)",
    "huggingface": "Hugging Face", "other": "Link",
}
STATUS_LABELS = {"to-read": "To read", "reading": "Reading", "read": "Read", "must-read": "Must read"}


# The page's own markup writes its few symbols as entities (&#9650; &larr; &rarr; &middot; &hellip;).
CUT = "&hellip;"


def _description_cut(paper: Paper) -> tuple[str, bool]:
    """(the start of the abstract (or the title) for meta tags, whether it was cut short)."""
    text = paper.abstract or paper.title
    if len(text) <= DESCRIPTION_CHARS:
        return text, False
    return text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0], True


def paper_meta(paper: Paper, lib: Library) -> dict:
    """Front-matter: HTML-escaped where Material prints it raw (title, description, tags).
    Values that are None, [] or {} are left out; the keys keep this order."""
    urls = paper.urls_by_kind()
    summary, cut = _description_cut(paper)
    meta: dict = {"title": esc(paper.title or "Untitled paper"),
                  "description": esc(summary) + CUT if cut else esc(summary)}
    if paper.date is not None:
        meta["date"] = paper.date
    if paper.authors_count is not None:
        meta["authors"] = paper.authors_count
    if paper.upvotes is not None:
        meta["upvotes"] = paper.upvotes
    if "code" in urls:
        meta["code"] = urls["code"]
    links = {kind: found for kind, found in urls.items() if kind != "code"}
    if links:
        meta["links"] = links
    if paper.lists:
        meta["lists"] = list(paper.lists)
    if paper.theme is not None:
        meta["theme"] = paper.theme
    if paper.secondary_theme is not None:
        meta["secondary_theme"] = paper.secondary_theme
    labels = lib.memo(("labels",), lambda: {tag.slug: tag_name(tag) for tag in lib.taxonomy.tags})
    tags = [labels[slug] for slug in paper.tags if slug in labels]  # (a tag tags.yml no longer has: none)
    if tags:
        meta["tags"] = tags
    if paper.status:
        meta["status"] = paper.status
    return meta


def code_button(url: str) -> str:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    icon = _HOST_ICONS.get(host, "code")
    name = {"github": "GitHub", "gitlab": "GitLab", "bitbucket": "Bitbucket"}.get(icon, "Code")
    return (f'<a class="md-button md-button--primary ps-code" data-host="{esc(icon)}" href="{safe_url(url)}" '
            f'rel="noopener">Code on {name}</a>')


AUTHORS_SHOWN = 10  # more authors than this: the first ten, and the rest on demand


def authors_line(paper: Paper) -> str:
    """Every author, or the first AUTHORS_SHOWN and "et al." that opens the rest (no JavaScript)."""
    names = [esc(name) for name in paper.authors if name.strip()]
    if not names:
        return ""
    if len(names) <= AUTHORS_SHOWN:
        return f'<p class="ps-authors">{", ".join(names)}</p>'
    rest = len(names) - AUTHORS_SHOWN
    return (f'<div class="ps-authors">{", ".join(names[:AUTHORS_SHOWN])}, <details class="ps-more-authors">'
            f'<summary>et al. ({rest} more)</summary>{", ".join(names[AUTHORS_SHOWN:])}</details></div>')


def identifier_buttons(paper: Paper) -> list[str]:
    """The paper itself, when its arXiv identifier is known: arXiv abstract, PDF, Hugging Face."""
    if not paper.arxiv:
        return []
    ident = quote_plus(paper.arxiv)  # (letters, digits, '.', '/': an arXiv id needs no escaping)
    return [f'<a class="md-button md-button--primary ps-arxiv" href="https://arxiv.org/abs/{ident}" rel="noopener">'
            f'arXiv {esc(paper.arxiv)}</a>',
            f'<a class="md-button ps-pdf" href="https://arxiv.org/pdf/{ident}" rel="noopener">PDF</a>',
            f'<a class="md-button ps-hf" href="https://huggingface.co/papers/{ident}" rel="noopener">Hugging Face</a>']


def buttons(paper: Paper) -> list[str]:
    out = identifier_buttons(paper) + [code_button(url) for url in paper.code if safe_url(url)]
    for link in paper.links:
        if link.kind == "code" or not safe_url(link.url):
            continue
        label = _KIND_LABELS.get(link.kind, "Link")
        host = urlsplit(link.url).hostname or ""
        out.append(f'<a class="md-button ps-link" data-kind="{esc(link.kind)}" href="{safe_url(link.url)}" '
                   f'rel="noopener" title="{esc(link.url)}">{esc(label)} <small>{esc(host)}</small></a>')
    return out


def search_links(paper: Paper) -> str:
    """Searches for the paper elsewhere, labelled as searches: only where no identifier is known."""
    if paper.arxiv:
        return ""
    # quote_plus leaves only letters, digits and _.-~+% : nothing HTML-special, so the URLs need
    # no esc() once their own '&' is written as '&amp;'.
    query = quote_plus(paper.title)
    return ('<p class="ps-search-links">Search for this paper on: '
            f'<a href="https://arxiv.org/search/?query={query}&amp;searchtype=title" rel="noopener">arXiv</a> &middot; '
            f'<a href="https://www.semanticscholar.org/search?q={query}" rel="noopener">Semantic Scholar</a> &middot; '
            f'<a href="https://scholar.google.com/scholar?q={query}" rel="noopener">Google Scholar</a></p>')


def header(paper: Paper, lib: Library, src: str) -> str:
    facts = []
    if paper.date:
        facts.append(f'Published <time datetime="{esc(paper.date)}">{esc(paper.date)}</time>')
    if paper.authors_count and not paper.authors:
        facts.append(f"{paper.authors_count} author{'s' if paper.authors_count != 1 else ''}")
    if paper.upvotes is not None:
        facts.append(f'<span title="upvotes on the listing">&#9650; {paper.upvotes}</span>')
    theme, secondary = lib.theme_of(paper), lib.secondary_theme_of(paper)
    if theme:
        also = (f' (also <a class="ps-theme-secondary" href="{href(src, theme_src(secondary.slug))}" '
                f'title="secondary theme">{esc(secondary.title)}</a>)') if secondary else ""
        facts.append(f'Theme: <a class="ps-theme" href="{href(src, theme_src(theme.slug))}">{esc(theme.title)}</a>{also}')
    if paper.status:
        facts.append(f'<span class="ps-status ps-status--{esc(paper.status)}">{esc(STATUS_LABELS[paper.status])}</span>')
    parts = [authors_line(paper)] if paper.authors else []
    if facts:
        parts.append(f'<p class="ps-facts">{" &middot; ".join(facts)}</p>')
    if paper.tags:
        made = lib.memo(("chips", href(src, HOME)), dict)  # slug -> chip, on pages at this depth
        chips = []
        for slug in paper.tags:
            chip = made.get(slug)
            if chip is None:
                chip = made[slug] = tag_chip(slug, lib, src)
            if chip:
                chips.append(chip)
        if chips:
            parts.append(f'<p class="ps-tags">Tags: {" ".join(chips)}</p>')
    if paper.note:
        parts.append(f'<div class="admonition note ps-note"><p class="admonition-title">Curator\'s note</p>'
                     f'{render_note(paper.note)}</div>')
    return "\n".join(parts)


def path_position(paper: Paper, lib: Library, src: str) -> str:
    parts = []
    for path, index in lib.paths_with(paper.slug):
        total = len(path.steps)
        links = []
        if index > 0:
            prev = lib.paper(path.steps[index - 1].paper)
            if prev:
                links.append(f'<a rel="prev" href="{href(src, paper_src(prev.slug))}">&larr; previous: {esc(prev.title)}</a>')
        if index + 1 < total:
            nxt = lib.paper(path.steps[index + 1].paper)
            if nxt:
                links.append(f'<a rel="next" href="{href(src, paper_src(nxt.slug))}">next: {esc(nxt.title)} &rarr;</a>')
        step_note = path.steps[index].note
        note = f'<br><em>{esc(step_note)}</em>' if step_note else ""
        parts.append(
            f'<p class="ps-path">Step {index + 1} of {total} in reading path '
            f'<a href="{href(src, path_src(path.slug))}">{esc(path.title)}</a>{note}<br>{" &middot; ".join(links)}</p>')
    return "\n".join(parts)


def tag_chip(slug: str, lib: Library, src: str) -> str:
    """A tag's link to its own page (tags/<slug>/) ('' for a tag tags.yml no longer has)."""
    tag = lib.taxonomy.tag(slug)
    return f'<a class="ps-tag" href="{tag_url(src, tag, lib.taxonomy)}">{esc(tag.label)}</a>' if tag else ""


def related_item(slug: str, lib: Library, src: str) -> str:
    """A related paper's entry in the list on the page at `src` ('' if it is not shown)."""
    other = lib.paper(slug)
    if other is None:
        return ""
    theme = lib.theme_of(other)
    theme_html = f' <span class="ps-related-theme">({esc(theme.title)})</span>' if theme else ""
    return f'<li><a href="{href(src, paper_src(slug))}">{esc(other.title)}</a>{theme_html}</li>'


def related_list(paper: Paper, lib: Library, src: str) -> str:
    made = lib.memo(("related", href(src, HOME)), dict)  # slug -> entry, on pages at this depth
    items = []
    for slug in lib.related.get(paper.slug, ()):
        item = made.get(slug)
        if item is None:
            item = made[slug] = related_item(slug, lib, src)
        if item:
            items.append(item)
    if not items:
        return ""
    return ('<h2 id="related">Related papers</h2>\n<ul class="ps-related">'
            + "".join(items) + "</ul>")


def paper_page(paper: Paper, lib: Library) -> LazyDocument:
    """The paper's page, its body rendered whenever it is read (the site keeps no paper's HTML)."""
    return LazyDocument(paper_meta(paper, lib), lambda: paper_body(paper, lib))


def paper_body(paper: Paper, lib: Library) -> str:
    """The paper's page: YAML front-matter, then one raw HTML block of escaped content. (Search
    indexes the paper from its record, generator/search_index.py, not from this page.)"""
    src = paper_src(paper.slug)
    body = [
        '<div class="ps-paper">',
        f'<div class="ps-mylist-mark" data-slug="{esc(paper.slug)}" data-title="{esc(paper.title)}" '
        f'data-list="{href(src, MY_LIST)}"></div>',  # (assets/mylist.js puts the To read / Read buttons in)
        header(paper, lib, src),
        path_position(paper, lib, src),
    ]
    button_html = buttons(paper)
    if button_html:
        body.append('<p class="ps-buttons">' + " ".join(button_html) + "</p>")
    body.append('<h2 id="abstract">Abstract</h2>')
    no_abstract = "<em>No abstract in the listing.</em>"
    body.append(f'<p class="ps-abstract">{esc(paper.abstract) if paper.abstract else no_abstract}</p>')
    if paper.abstract and paper.cut:  # (issue 18: the capture ends mid-sentence)
        body.append('<p class="ps-abstract-cut"><em>The listing cut this abstract.</em></p>')
    body.append(search_links(paper))
    body.append(related_list(paper, lib, src))
    body.append('<h2 id="listed-in">Listed in</h2>')
    body.append(lib.memo(("lists", paper.lists), lambda: '<ul class="ps-lists">' + "".join(
        f"<li>{esc(lib.list_title(f))}</li>" for f in paper.lists) + "</ul>"))  # the same for many papers
    body.append('<h2 id="cite">Cite</h2>')
    # One copy button: ours, which says what it copies; `no-copy` keeps Material's off this <pre>.
    body.append('<div class="ps-cite no-copy"><pre><code class="ps-bibtex">' + esc(paper_bibtex(paper, lib))
                .replace("\n", "&#10;") + "</code></pre>"
                '<button type="button" class="md-button ps-copy" data-copy=".ps-bibtex">Copy BibTeX</button></div>')
    body.append(f'<p class="ps-back"><a href="{href(src, HOME)}">&larr; All themes</a></p>')
    body.append("</div>")
    return "\n".join(filter(None, body)) + "\n"
