"""The "My reading list" page (`my-list/`): the frame `assets/mylist.js` fills in the browser.

The reader's list lives in the browser's localStorage, never on the site, so this page holds
no paper of its own: only the reading paths (titles, links and their papers' slugs, so the
script can say "3 of 7 read" without loading anything else), the export buttons and the import
field. Its size grows with the paths, not with the list, so it stays small at 50,000 papers.
"""

from __future__ import annotations

from ..library import MY_LIST, Library, path_src
from .markup import Document, esc, href

INTRO = ("Mark papers <strong>To read</strong> or <strong>Read</strong> with the buttons on each paper's page "
         "and in every list of papers. Your list is kept in this browser only: no account, nothing is sent "
         "anywhere, and it survives updates of the site. Export it to keep a copy or to move it to another "
         "browser.")


def _path_item(path, src: str) -> str:
    """A reading path with its steps' slugs (`data-steps`) and a progress line the script fills."""
    total = len(path.steps)
    steps = " ".join(step.paper for step in path.steps)
    return (f'<li class="ps-mylist-path" data-steps="{esc(steps)}">'
            f'<a href="{href(src, path_src(path.slug))}">{esc(path.title)}</a> '
            f'<span class="ps-mylist-progress">0 of {total} read</span> '
            f'<progress max="{total}" value="0" aria-hidden="true"></progress></li>')


def render_my_list(lib: Library) -> Document:
    src = MY_LIST
    paths = "".join(_path_item(path, src) for path in lib.paths)
    body = [
        '<div class="ps-mylist">',  # (indexed: search finds "reading list")
        f'<p class="ps-lead">{INTRO}</p>',
        '<noscript><p>This page needs JavaScript: your list is read from this browser\'s storage.</p></noscript>',
        '<h2 id="my-papers">My papers</h2>',
        '<p class="ps-mylist-summary" role="status">Nothing marked yet.</p>',
        '<div class="ps-mylist-papers"></div>',
        '<h2 id="reading-paths">Reading paths</h2>' if paths else "",
        f'<ul class="ps-mylist-paths">{paths}</ul>' if paths else "",
        '<h2 id="export">Export and import</h2>',
        '<p class="ps-mylist-export">'
        '<button type="button" class="md-button" data-export="bib">Download BibTeX</button> '
        '<button type="button" class="md-button" data-export="md">Download Markdown</button></p>',
        '<p class="ps-mylist-import"><label for="ps-mylist-file">Import a list exported from this page '
        '(.bib or .md): </label>'
        '<input type="file" id="ps-mylist-file" accept=".bib,.md,.txt,text/plain,text/markdown"></p>',
        '<p class="ps-mylist-message" role="status" aria-live="polite"></p>',
        "</div>",
    ]
    return Document({"title": "My reading list", "description": "The papers you marked to read or read, kept in "
                     "this browser"}, "\n".join(b for b in body if b) + "\n")
