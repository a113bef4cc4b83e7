"""The site's search index: a chunked Pagefind index written from the generator's own records.

Why Pagefind: Material's lunr search makes the browser download and build the whole index before
the first result (5 MB and 2.6 s at 10,000 papers, unusable at 50,000). Pagefind splits its index
into chunks by word and loads only the chunks a query needs (about 0.5 MB at 10,000 papers), so
the first result stays near a second whatever the list's size. It is a bundled binary
(PyPI `pagefind[bin]`), needs no network at build or search time, and takes records directly:
every paper is one record made here from the Library (title, authors, the whole abstract, tags,
theme), so no built page is parsed. Hand-written pages (docs/*.md) are one record each, the text
of their HTML.

Filters (the search box's selects): `theme`, `tag`, `year`, `code` ("yes"/"no").
Meta (shown on each result): `title`, `theme`, `year`.

The binary is driven through its `--service` protocol (base64 JSON messages ending in ","), the
protocol Pagefind's own Python API (`pagefind.index.PagefindIndex`) speaks; that API waits 0.1 s
before reading each answer (`PagefindService._wait_for_responses`), 1,000 s for 10,000 records, so
this module streams the requests from a thread and reads the answers as they come. The output is
byte-identical for the same records in the same order (tests/test_search_index.py).
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Iterable

from .errors import PapershelfError, Problem
from .library import Library, paper_src

# Pagefind writes its own UIs too; the site has its own search box (docs/assets/papershelf-search.js).
_UNUSED_OUTPUT = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
                  "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


@dataclass(frozen=True)
class Record:
    """One search result: what Pagefind's `AddRecord` takes."""

    url: str  # from the site's root, starting with "/"; the browser puts the site's base path before it
    content: str  # plain text (Pagefind escapes < and > before it shows an excerpt)
    meta: dict[str, str] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)


def paper_records(lib: Library, url_of: Callable[[str], str]) -> list[Record]:
    """One record per paper on the site, in the Library's order. `url_of(src)` is the page's URL
    as MkDocs makes it (relative to the site root, e.g. "papers/slug/")."""
    out = []
    for paper in lib.papers:
        theme = lib.theme_of(paper)
        theme_title = theme.title if theme else ""
        tags = [tag.label for slug in paper.tags if (tag := lib.taxonomy.tag(slug)) is not None]
        content = "\n".join(filter(None, [
            paper.title + ".",
            ", ".join(paper.authors) + "." if paper.authors else "",
            paper.abstract,
            "Tags: " + ", ".join(tags) + "." if tags else "",
            f"Theme: {theme_title}." if theme_title else "",
        ]))
        meta = {"title": paper.title, "theme": theme_title}
        filters: dict[str, list[str]] = {"code": ["yes" if paper.code else "no"]}
        if theme_title:
            filters["theme"] = [theme_title]
        if tags:
            filters["tag"] = tags
        if paper.year:
            meta["year"] = filters_year = str(paper.year)
            filters["year"] = [filters_year]
        out.append(Record("/" + url_of(paper_src(paper.slug)), content, meta, filters))
    return out


class _Text(HTMLParser):
    """The visible text of a page's content HTML, for the record of a hand-written page."""

    _SKIP = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        self._skipping += tag in self._SKIP

    def handle_endtag(self, tag):
        self._skipping -= tag in self._SKIP and self._skipping > 0

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def page_record(url: str, title: str, content_html: str) -> Record:
    """A hand-written page (about): its title and the text of its content."""
    parser = _Text()
    parser.feed(content_html)
    text = re.sub(r"\s+", " ", " ".join(parser.parts)).strip()
    # (the permalink anchors the toc extension adds after each heading)
    text = text.replace(" ¶", "")
    title = html.unescape(title)
    return Record("/" + url, f"{title}.\n{text}", {"title": title})


def _message(message_id: int, payload: dict) -> bytes:
    return base64.b64encode(json.dumps({"message_id": message_id, "payload": payload}).encode("utf-8")) + b","


def _answers(stream) -> Iterable[dict]:
    """The service's answers, in order: each is base64 JSON ended by a comma."""
    buffer = b""
    while True:
        chunk = stream.read1(1 << 16)
        if not chunk:
            return
        buffer += chunk
        *complete, buffer = buffer.split(b",")
        for raw in complete:
            if raw.strip():
                yield json.loads(base64.b64decode(raw))


def write_index(records: list[Record], out: Path, language: str = "en") -> None:
    """Write the Pagefind index of `records` into `out` (replaced whole: it is ours)."""
    from pagefind.service import get_executable  # (the binary of the pagefind[bin] package)

    binary = get_executable()
    if binary is None:
        raise PapershelfError([Problem("pyproject.toml", None, None, "the search index needs the pagefind binary: "
                                       "pip install 'pagefind[bin]'")])
    if out.exists():
        shutil.rmtree(out)
    process = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    assert process.stdin is not None and process.stdout is not None
    answers = _answers(process.stdout)

    def ask(message_id: int, payload: dict) -> dict:
        process.stdin.write(_message(message_id, payload))
        process.stdin.flush()
        return _checked(next(answers))

    try:
        index_id = ask(0, {"type": "NewIndex", "config": {"force_language": language}})["index_id"]

        def send_records() -> None:
            for number, record in enumerate(records, 1):
                process.stdin.write(_message(number, {
                    "type": "AddRecord", "index_id": index_id, "url": record.url, "content": record.content,
                    "language": language, "meta": record.meta, "filters": record.filters, "sort": None}))
            process.stdin.flush()

        sender = threading.Thread(target=send_records, name="pagefind-records", daemon=True)
        sender.start()
        for _ in records:
            _checked(next(answers))
        sender.join()
        ask(len(records) + 1, {"type": "WriteFiles", "index_id": index_id, "output_path": str(out)})
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    for name in _UNUSED_OUTPUT:
        (out / name).unlink(missing_ok=True)


def _checked(answer: dict) -> dict:
    payload = answer.get("payload") or {}
    if payload.get("type") == "Error":
        raise RuntimeError(f"pagefind: {payload.get('message')}")
    return payload


def read_index(out: Path) -> list[dict]:
    """Every record of a written index as the browser gets it (url, content, meta, filters),
    sorted by URL: for the tests and for looking into a built site. Each fragment file is
    gzip of b"pagefind_dcd" and the JSON of one record."""
    found = []
    for path in sorted((out / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        found.append(json.loads(data[len(b"pagefind_dcd"):]))
    return sorted(found, key=lambda record: record["url"])
