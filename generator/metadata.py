"""`seeds/metadata.yml`, the lock file: what `papershelf enrich` found out about each paper.

The network is used only by explicit commands (`enrich`, `add` by identifier); they write this
file, a curator reviews it like any other edit, and builds read it and nothing else, so a build
stays offline and gives the same site every time.

Entries are keyed by `paper_key(title)`, a hash of the title's normal form (the one the dedup
rule compares), not by slug: a slug changes when another paper with the same title arrives, the
key does not. Misses are recorded too, so a rerun asks only about papers it has not seen.

A curator owns an entry ("hand" entry) when it says `pinned: true`, `arxiv: none` (never match
this paper), or gives an `arxiv:` id with no `fetched:` date (an id typed by hand): `enrich`
never changes what such an entry says (it only fills in the empty fields of a typed id, once).

The file is rewritten whole by `enrich` and `add`, in key order, with the header below; comments
a curator adds inside it are not kept (the header says so), the values are.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from .errors import PapershelfError, Problem
from .text import normalize_title
from .validate import Checker, suggest
from .yamlio import YDict, YStr, load_text

LOCK_FILE = "metadata.yml"  # in seeds/
STATUSES = ("matched", "missed", "pinned")
SOURCES = ("huggingface", "arxiv", "hand")
_KEYS = ("title", "status", "pinned", "arxiv", "authors", "published", "github", "project_page",
         "upvotes", "keywords", "source", "fetched")
_KEY = re.compile(r"^p[0-9a-f]{12}$")
# New-style arXiv ids (2007 on: YYMM.NNNN, 2015 on: YYMM.NNNNN) and old-style ones
# (archive[.subject]/YYMMNNN), each with an optional version that we drop.
ARXIV_ID = re.compile(r"^(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
REFUSED = "none"

HEADER = """\
# The lock file of paper metadata, written by `papershelf enrich` and `papershelf add`.
# Builds read it and never the network; review changes to it like any other edit.
#
# One entry per paper, keyed by a hash of its normalised title (`title` below is for you).
#   status: matched (found on Hugging Face), missed (not found), pinned (yours, see below)
#   arxiv, authors, published (YYYY-MM-DD), github, project_page, upvotes, keywords:
#     what Hugging Face says about the paper; source and fetched (UTC): where and when.
#
# Fix a wrong match: keep only the `title:` line and write the right id, `arxiv: 2106.09685`;
#   the next `papershelf enrich` fills in the rest from that id and marks the entry pinned.
# Refuse a match: `arxiv: none` (enrich never asks about this paper again).
# Keep an entry as it is: `pinned: true` (enrich never changes it, even with --refresh).
# This file is rewritten in key order: comments other than this header are not kept.
"""


def paper_key(title: str) -> str:
    """The lock file's key for a paper: stable across slug changes and punctuation edits."""
    return "p" + hashlib.sha256(normalize_title(title).encode("utf-8")).hexdigest()[:12]


def arxiv_id(text: str) -> str | None:
    """`2106.09685` or `2106.09685v2` -> `2106.09685`; None for anything else, such as a month
    13 or a 4-digit number after 2014 (`2106.9685` is a typo, not an id)."""
    m = ARXIV_ID.match(text.strip())
    if not m:
        return None
    ident = m.group("id")
    if "/" not in ident:
        yymm, number = ident.split(".")
        if not 1 <= int(yymm[2:]) <= 12 or len(number) != (5 if yymm >= "1501" else 4):
            return None
    return ident


def utc_now() -> str:
    """The `fetched` stamp: an ISO date-time in UTC, to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PaperMetadata:
    """One paper's entry in the lock file."""

    key: str
    title: str  # for humans reading the file; the key is what matches
    arxiv: str | None = None  # without version; None when unknown or refused
    refused: bool = False  # `arxiv: none`: never match this paper
    authors: tuple[str, ...] = ()
    published: str | None = None  # YYYY-MM-DD
    github: str | None = None
    project_page: str | None = None
    upvotes: int | None = None
    keywords: tuple[str, ...] = ()
    source: str | None = None  # huggingface | arxiv | hand
    fetched: str | None = None  # ISO date-time, UTC
    status: str = "missed"  # matched | missed | pinned
    hand: bool = False  # a curator's entry: enrich never changes what it says
    pinned: bool = False  # `pinned: true`: enrich never touches the entry at all

    @property
    def incomplete(self) -> bool:
        """An id typed by hand that nothing was fetched for yet: `enrich` fills in the rest once."""
        return self.hand and not self.pinned and self.arxiv is not None and self.fetched is None


# ---------------------------------------------------------------- loading


def lock_path(root: Path) -> Path:
    return root / "seeds" / LOCK_FILE


def _label(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def load_metadata(path: Path, known_keys: set[str] | None = None
                  ) -> tuple[dict[str, PaperMetadata], list[Problem]]:
    """Read and validate the lock file as a whole; a missing file is an empty lock, no problem.

    With `known_keys` (the keys of the papers in the list), an entry for no known paper gets a
    warning (its title changed or the paper left the list); it is kept and not used.
    """
    if not path.exists():
        return {}, []
    label = _label(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return {}, [Problem(label, None, None, f"cannot read file: {exc.strerror}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return {}, [Problem(label, raw[: exc.start].count(b"\n") + 1, None, "file is not valid UTF-8")]
    return parse_metadata(text, label, known_keys)


def parse_metadata(text: str, label: str, known_keys: set[str] | None = None
                   ) -> tuple[dict[str, PaperMetadata], list[Problem]]:
    """`load_metadata` for text already read (what the writers check before writing)."""
    data, problems = load_text(text, label)
    check = Checker(label)
    check.problems.extend(problems)
    if data is None:
        return {}, check.problems
    if not isinstance(data, YDict):
        check.error(data, "must be a mapping of paper key to metadata (p0123456789ab: ...)")
        return {}, check.problems
    entries: dict[str, PaperMetadata] = {}
    for key, item in data.items():
        at = YDict()
        at.line, at.col = data.key_pos[key]
        if not _KEY.match(key):
            check.error(at, f"'{key}' is not a paper key (p and 12 hex digits, as papershelf writes them)")
            continue
        if not isinstance(item, YDict):
            check.error(item if item is not None else at, f"entry '{key}' must be a mapping (title, arxiv, ...)")
            continue
        entry = _entry(key, item, check)
        if entry is None:
            continue
        if paper_key(entry.title) != key:
            check.warn(item["title"], f"the key of this title is {paper_key(entry.title)}, not {key} "
                                      "(the title is only for humans: the key is what matches)")
        if known_keys is not None and key not in known_keys:
            check.warn(at, f"no paper in the list has this key ('{entry.title[:60]}': title changed or "
                           "paper removed?); the entry is kept but not used")
        entries[key] = entry
    check.problems.sort(key=lambda p: (p.line or 0, p.col or 0))  # in file order
    return entries, check.problems


def _entry(key: str, item: YDict, check: Checker) -> PaperMetadata | None:
    before = len(check.problems)
    check.keys(item, set(_KEYS), f"'{key}'")
    title = check.string(item, "title", f"entry '{key}'")
    arxiv, refused = None, False
    raw_arxiv = check.string(item, "arxiv", "", required=False)
    if raw_arxiv is not None:
        if raw_arxiv.strip().lower() == REFUSED:
            refused = True
        else:
            arxiv = arxiv_id(raw_arxiv)
            if arxiv is None:
                check.error(item["arxiv"], f"'arxiv' must be an arXiv id like 2106.09685 (or 'none' to refuse "
                                           f"a match), not {raw_arxiv!r}")
    authors = tuple(str(a) for a in check.string_list(item, "authors"))
    keywords = tuple(str(k) for k in check.string_list(item, "keywords"))
    published = check.string(item, "published", "", required=False)
    if published is not None and not _is_date(published):
        check.error(item["published"], f"'published' must be a date YYYY-MM-DD, not {published!r}")
    urls = {}
    for name in ("github", "project_page"):
        urls[name] = check.string(item, name, "", required=False)
        if urls[name] is not None and not _is_http_url(urls[name]):
            check.error(item[name], f"'{name}' must be an http(s) URL, not {urls[name]!r}")
    upvotes = None
    if item.get("upvotes") is not None:
        value = item["upvotes"]
        if isinstance(value, YStr) and value.isdigit():
            upvotes = int(value)
        else:
            check.key_error(item, "upvotes", f"'upvotes' must be a whole number >= 0, not {value!r}")
    source = check.string(item, "source", "", required=False)
    if source is not None and source not in SOURCES:
        check.error(item["source"], f"unknown source '{source}' (one of: {', '.join(SOURCES)}){suggest(source, SOURCES)}")
    fetched = check.string(item, "fetched", "", required=False)
    if fetched is not None and not _is_datetime(fetched):
        check.error(item["fetched"], f"'fetched' must be a date and time like 2026-12-05T10:00:00Z, not {fetched!r}")
    status = check.string(item, "status", "", required=False)
    if status is not None and status not in STATUSES:
        check.error(item["status"], f"unknown status '{status}' (one of: {', '.join(STATUSES)}){suggest(status, STATUSES)}")
    pinned = check.boolean(item, "pinned")
    if len(check.problems) > before and any(p.severity == "error" for p in check.problems[before:]):
        return None
    assert title is not None
    hand = pinned or refused or (arxiv is not None and fetched is None)
    if status == "pinned" and not hand:
        check.error(item["status"], "to pin an entry, write 'pinned: true' (status only says what happened)")
        return None
    if status == "matched" and arxiv is None and not hand:
        check.error(item["status"], "status 'matched' needs an 'arxiv' id")
        return None
    if status == "missed" and arxiv is not None and not hand:
        check.error(item["status"], "status 'missed' with an 'arxiv' id: write status: matched, or drop the id")
        return None
    if hand:
        status = "pinned"
    elif status is None:
        status = "matched" if arxiv else "missed"
    return PaperMetadata(key, str(title), arxiv, refused, authors, published, urls["github"],
                         urls["project_page"], upvotes, keywords, source, fetched, status, hand, pinned)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return "T" in text


def _is_http_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in text


# ---------------------------------------------------------------- writing


def _record(entry: PaperMetadata) -> dict:
    """The entry as the file shows it, empty fields left out."""
    out: dict = {"title": entry.title, "status": entry.status}
    if entry.pinned:
        out["pinned"] = True
    out["arxiv"] = REFUSED if entry.refused else entry.arxiv
    out.update(authors=list(entry.authors), published=entry.published, github=entry.github,
               project_page=entry.project_page, upvotes=entry.upvotes, keywords=list(entry.keywords),
               source=entry.source, fetched=entry.fetched)
    return {k: v for k, v in out.items() if v not in (None, [])}


def metadata_text(entries: dict[str, PaperMetadata]) -> str:
    """The whole file: the header, then one block-style mapping per paper, in key order."""
    body = {key: _record(entries[key]) for key in sorted(entries)}
    if not body:
        return HEADER + "{}\n"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return HEADER + yaml.dump(body, Dumper=dumper, sort_keys=False, allow_unicode=True,
                              default_flow_style=False, width=4096)


def write_metadata(path: Path, entries: dict[str, PaperMetadata]) -> None:
    """Write the lock file atomically; what is written always reads back without an error."""
    text = metadata_text(entries)
    _, problems = parse_metadata(text, _label(path))
    errors = [p for p in problems if p.severity == "error"]
    if errors:  # a bug, never a curator's doing: refuse rather than write a file we cannot read
        raise PapershelfError(errors)
    write_text_atomic(path, text)


def remove_leftovers(path: Path) -> None:
    """Delete the temporary files a killed writer of `path` left beside it (`.NAME.*.tmp`)."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """`write.atomic_write` of the text as UTF-8: a temporary file beside it, fsync, os.replace, so
    a reader (or a kill -9) sees the old file or the new one, never half of one; a new file gets
    0666 less the umask, a rewritten one keeps its mode."""
    from .write import atomic_write

    atomic_write(path, text.encode("utf-8"))


def record_of(key: str, title: str, *, arxiv: str | None, authors=(), published: str | None = None,
              github: str | None = None, project_page: str | None = None, upvotes: int | None = None,
              keywords=(), source: str = "huggingface", fetched: str | None = None) -> PaperMetadata:
    """A machine-written entry: matched when it has an id, missed when not."""
    return PaperMetadata(key, title, arxiv, False, tuple(authors), published, github, project_page,
                         upvotes, tuple(keywords), source, fetched or utc_now(),
                         "matched" if arxiv else "missed", False)


def completed(hand: PaperMetadata, fetched: PaperMetadata) -> PaperMetadata:
    """A hand entry with the fields its curator left empty filled in from `fetched`; pinned."""
    fill = {name: getattr(fetched, name) for name in ("authors", "published", "github", "project_page",
                                                      "upvotes", "keywords")
            if getattr(hand, name) in (None, ())}
    return replace(hand, **fill, source=fetched.source, fetched=fetched.fetched, status="pinned", hand=True,
                   pinned=True)

