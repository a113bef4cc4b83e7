"""The site's search index: Pagefind indexes, in shards, written from the generator's own records.

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
this module streams the requests from a thread and reads the answers as they come.

Shards: Pagefind's indexer holds all its records in memory until it writes them (about 120 MB
per 1,000 papers, 1.26 GB at 10,000), so a list is indexed in shards of at most SHARD_SIZE
records, one `pagefind --service` process after another, each writing its own bundle: the first
into `pagefind/` (with Pagefind's JS and WebAssembly), the others into `pagefind/shard-N/` (the
index alone), listed in `pagefind/papershelf-shards.json`, which the search box reads to merge
them (Pagefind's `mergeIndex`). A list of up to SHARD_SIZE papers is one shard: the same code.

The same records in the same order make the same records, fragments and shards list
(tests/test_search_index.py); Pagefind's filter chunks and its `.pf_meta` name change from run
to run, so indexes are compared by their records (`read_index`).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import html
import json
import os
import re
import shutil
import string
import subprocess
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

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
    return [paper_record(paper, lib, url_of) for paper in lib.papers]


def paper_record(paper, lib: Library, url_of: Callable[[str], str]) -> Record:
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
    return Record("/" + url_of(paper_src(paper.slug)), content, meta, filters)


class SiteRecords(Sequence):
    """Every paper's record, then the hand-written pages' (`pages`), made when read: `write_index`
    reads one shard's at a time, so the build never holds every record while Pagefind runs beside
    it (about 2.5 KB a paper: 123 MB at 50,000 papers, which took the build's processes together
    over 1.5 GB)."""

    def __init__(self, lib: Library, url_of: Callable[[str], str], pages: list[Record]) -> None:
        self._lib, self._url_of, self._pages = lib, url_of, pages

    def __len__(self) -> int:
        return len(self._lib.papers) + len(self._pages)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[number] for number in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        papers = self._lib.papers
        return paper_record(papers[index], self._lib, self._url_of) if index < len(papers) else \
            self._pages[index - len(papers)]


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


# Records per Pagefind run. Its indexer keeps every record's words and positions until it writes,
# about 120 MB per 1,000 papers (60 bytes per character of content; filters cost next to nothing):
# 1.26 GB at 10,000 papers and 2.37 GB at 20,000 in one run (bench/pagefind_memory.py). So a list
# is indexed in shards of at most this many records, one Pagefind process at a time.
SHARD_SIZE = 5000
SHARD_SIZE_ENV = "PAPERSHELF_SEARCH_SHARD_SIZE"  # another size, for the tests (several shards from a small list)
SHARDS_FILE = "papershelf-shards.json"  # in the first shard's folder: the other shards' folders, the filters' values
# A shard's record that holds, as its text, the words of the other shards it lacks. Pagefind matches
# a query word that no word of an index starts with to the longest indexed word it starts with
# ("incompatibility" -> "in": pagefind_core_search, `find_word_extensions`), so a shard without the
# word would answer with unrelated pages where one index answers with the pages that have it. With
# it, every shard has every word, and matches words as one index of all the records would; the
# search box drops its results by their ids (papershelf-shards.json's "hidden"), unseen.
VOCABULARY_URL = "/papershelf-shard-vocabulary/"
# The shards after the first need only their index, not Pagefind's code (the first shard's is used).
_SHARD_CODE = ("pagefind.js", "pagefind-worker.js")


def shards(records: Sequence[Record], size: int = SHARD_SIZE) -> Iterator[list[Record]]:
    """The records split into as few shards of at most `size` as can be, dealt round-robin (in
    the Library's order, papers of one theme sit together: dealt out, every shard has the same
    mix, so their word statistics and so the scores of their results stay comparable when the
    browser merges them), one shard at a time. Never none: no records is one empty shard."""
    count = shard_count(len(records), size)
    for number in range(count):
        yield records[number::count]


def shard_count(records: int, size: int = SHARD_SIZE) -> int:
    return max(1, -(-records // size))


def shard_folder(out: Path, number: int) -> Path:
    """Shard 0 is `out` itself (with Pagefind's code, which the search box loads); shard n > 0 is
    `out/shard-n/`."""
    return out if number == 0 else out / f"shard-{number}"


def configured_shard_size() -> int:
    """SHARD_SIZE, or the size PAPERSHELF_SEARCH_SHARD_SIZE sets (a positive integer)."""
    value = os.environ.get(SHARD_SIZE_ENV, "")
    if not value:
        return SHARD_SIZE
    if not value.isdigit() or int(value) < 1:
        raise PapershelfError([Problem(SHARD_SIZE_ENV, None, None, f"not a positive number of records: {value!r}")])
    return int(value)


def write_index(records: Sequence[Record], out: Path, language: str = "en", shard_size: int | None = None) -> None:
    """Write the Pagefind index of `records` into `out` (replaced whole: it is ours), in shards
    of at most `shard_size` records, each a Pagefind bundle of its own, written one after
    another; `out/papershelf-shards.json` lists the folders of the shards after the first, which
    docs/assets/papershelf-search.js merges into the first (Pagefind's `mergeIndex`), and the
    filters' values. One shard's records are read at a time (twice with several shards: once for
    its words, once to index it), so `records` may make them when read (`SiteRecords`)."""
    binary = _binary()
    if out.exists():
        shutil.rmtree(out)
    size = shard_size or configured_shard_size()
    count = shard_count(len(records), size)
    values: dict[str, set[str]] = {}
    words = [_words(part, values) for part in shards(records, size)] if count > 1 else [set()]
    every_word = set().union(*words)
    hidden = []
    for number, part in enumerate(shards(records, size)):
        if count == 1:
            _words(part, values)
        folder = shard_folder(out, number)
        missing = every_word - words[number]
        _write_bundle(binary, part + [Record(VOCABULARY_URL, " ".join(sorted(missing)))] if missing else part,
                      folder, language)
        del part
        if missing:
            hidden.append(_vocabulary_id(folder))
        for name in _UNUSED_OUTPUT + (_SHARD_CODE if number else ()):
            (folder / name).unlink(missing_ok=True)
        if number:
            for wasm in folder.glob("wasm.*.pagefind"):
                wasm.unlink()
    listed = [f"{shard_folder(out, number).relative_to(out).as_posix()}/" for number in range(1, count)]
    filters = {name: sorted(found) for name, found in sorted(values.items())}
    (out / SHARDS_FILE).write_text(json.dumps({"shards": listed, "hidden": hidden, "filters": filters},
                                              sort_keys=True) + "\n", encoding="utf-8")


def _words(records: list[Record], values: dict[str, set[str]]) -> set[str]:
    """The words of the records' text as Pagefind sees them, near enough for a vocabulary record:
    split at whitespace, lowercased, without the punctuation around them (Pagefind drops it too;
    inside a word it stays: "fine-tuning" is indexed whole, and as "fine" and "tuning"). Adds
    each filter's values to `values`: the search box's choices, written with the shards' list,
    since Pagefind's own `filters()` fetches every filter chunk of every shard to list them
    (411 KB at 50,000 papers), though a search without a filter needs none."""
    tokens: set[str] = set()
    for record in records:
        tokens.update(record.content.lower().split())  # (in C: the distinct tokens are far fewer)
        for name, found in record.filters.items():
            values.setdefault(name, set()).update(found)
    return {word for token in tokens if (word := token.strip(_PUNCTUATION))}


_PUNCTUATION = string.punctuation + "“”‘’«»…–—"


def _vocabulary_id(folder: Path) -> str:
    """Pagefind's id of the shard's vocabulary record: the name of its fragment (looked for from
    the largest, which it usually is)."""
    for path in sorted((folder / "fragment").glob("*.pf_fragment"), key=lambda p: (-p.stat().st_size, p.name)):
        if _fragment(path)["url"] == VOCABULARY_URL:
            return path.stem
    raise RuntimeError(f"pagefind: no vocabulary record in {folder}")


def _binary() -> Path:
    from pagefind.service import get_executable  # (the binary of the pagefind[bin] package)

    binary = get_executable()
    if binary is None:
        raise PapershelfError([Problem("pyproject.toml", None, None, "the search index needs the pagefind binary: "
                                       "pip install 'pagefind[bin]'")])
    return Path(binary)


def _write_bundle(binary: Path, records: list[Record], out: Path, language: str) -> None:
    """One `pagefind --service` process: its records in, its bundle written to `out`, then it ends."""
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
        _wait_until_written(out)
    except BaseException:
        process.kill()  # (a failed or interrupted build leaves no Pagefind process behind)
        raise
    finally:
        with contextlib.suppress(OSError):  # (after a kill, flushing what is left breaks the pipe)
            process.stdin.close()
        process.wait(timeout=60)
    if empty := _empty_files(out):
        raise RuntimeError(f"pagefind: {empty[0]} was left empty ({len(empty)} file(s))")


def _empty_files(out: Path) -> list[Path]:
    return [path for path in out.rglob("*") if path.is_file() and path.stat().st_size == 0]


def _wait_until_written(out: Path, timeout_s: float = 60) -> None:
    """Pagefind answers WriteFiles once it has created every file and handed their bytes to
    tokio's file writer, which writes them on a background thread and is not flushed
    (pagefind/src/output/mod.rs, 1.5): ending the process at once can leave a file empty (seen:
    pagefind-entry.json, 0 bytes, on a loaded machine; no file of a bundle is empty otherwise).
    So the process lives until no file is empty."""
    deadline = time.monotonic() + timeout_s
    while _empty_files(out) and time.monotonic() < deadline:
        time.sleep(0.05)


def _checked(answer: dict) -> dict:
    payload = answer.get("payload") or {}
    if payload.get("type") == "Error":
        raise RuntimeError(f"pagefind: {payload.get('message')}")
    return payload


def read_index(out: Path) -> list[dict]:
    """Every record of a written index, all shards, as the browser gets it (url, content, meta,
    filters), sorted by URL: for the tests and for looking into a built site. Each fragment file is
    gzip of b"pagefind_dcd" and the JSON of one record."""
    found = []
    for path in sorted([*(out / "fragment").glob("*.pf_fragment"), *out.glob("shard-*/fragment/*.pf_fragment")]):
        record = _fragment(path)
        if record["url"] != VOCABULARY_URL:
            found.append(record)
    return sorted(found, key=lambda record: record["url"])


def _fragment(path: Path) -> dict:
    data = gzip.decompress(path.read_bytes())
    return json.loads(data[len(b"pagefind_dcd"):])
