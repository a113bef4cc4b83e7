"""The records the pipeline passes along: typed and frozen, never bare dicts.

`Entry` is one listing line-group as one capture shows it; `Paper` is the merged record for one
paper (several captures can list the same paper). Later stages (taxonomy, curation) derive new
`Paper` values with `dataclasses.replace` (or `replace_paper`, its quick form), so no stage can
mutate another's data.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from functools import cached_property

# Link kinds, in the order buttons are shown on a paper page.
LINK_KINDS = ("code", "project", "model", "dataset", "space", "huggingface", "other")
STATUSES = ("to-read", "reading", "read", "must-read")


@dataclass(frozen=True)
class Link:
    """A URL found in a paper's text, with what it points to (see `text.classify_url`)."""

    kind: str
    url: str


@dataclass(frozen=True)
class Entry:
    """One paper as one capture lists it (before merging duplicates across captures)."""

    source: str  # capture file name, e.g. "002_c5c0ebefb7c7a45e.txt"
    line: int  # 1-based line of the title in that file
    title: str
    abstract: str
    authors_count: int | None = None
    authors: tuple[str, ...] = ()
    date: str | None = None  # ISO YYYY-MM-DD
    upvotes: int | None = None
    links: tuple[Link, ...] = ()
    added: str | None = None  # ISO YYYY-MM-DD: when it joined the list (papers.yml `added:`, else the capture date)

    @property
    def origin(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(frozen=True)
class Paper:
    """One paper of the reading list, merged from every capture that lists it."""

    slug: str
    title: str
    abstract: str
    authors_count: int | None
    authors: tuple[str, ...]
    date: str | None
    upvotes: int | None
    links: tuple[Link, ...]
    lists: tuple[str, ...]  # capture file names, manifest order
    origins: tuple[str, ...]  # "file:line" of every entry merged into this record
    added: str | None = None  # ISO YYYY-MM-DD: the earliest date a list it came from was captured
    arxiv: str | None = None  # arXiv identifier (e.g. 2106.09685), from seeds/metadata.yml
    theme: str = "other"  # the primary theme: the one page that lists it first, its nav and feed
    secondary_theme: str | None = None  # a second topic it is also listed under (taxonomy.secondary_of)
    tags: tuple[str, ...] = ()  # tag slugs, strongest first
    status: str | None = None
    note: str | None = None
    hidden: bool = False
    extra: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @cached_property
    def code(self) -> tuple[str, ...]:
        """The code links' URLs (asked for on every page and table: worked out once a paper)."""
        return tuple(link.url for link in self.links if link.kind == "code")

    @property
    def cut(self) -> bool:
        """Whether the listing cut this abstract short (`tex.abstract_is_cut`): its page says so."""
        from .tex import abstract_is_cut  # (tex.py needs nothing from here; imported where used)

        return abstract_is_cut(self.abstract)

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    def urls_by_kind(self) -> dict[str, list[str]]:
        """The links' URLs by kind, kinds in LINK_KINDS order (code first), each kind's URLs in
        link order: what a page's front-matter and the JSON export list."""
        found: dict[str, list[str]] = {}
        for link in self.links:
            found.setdefault(link.kind, []).append(link.url)
        return {kind: found[kind] for kind in LINK_KINDS if kind in found}


_PAPER_FIELDS = frozenset(f.name for f in fields(Paper))
_PAPER_DEFAULTS = {f.name: f.default for f in fields(Paper) if f.default is not MISSING}
_PAPER_REQUIRED = frozenset(f.name for f in fields(Paper) if f.default is MISSING and f.default_factory is MISSING)


def new_paper(values: dict) -> Paper:
    """`Paper(**values)` without `__init__`'s one `object.__setattr__` per field (frozen
    dataclasses pay that): 1.5 µs instead of 6, for every paper of every build."""
    keys = values.keys()
    if not (_PAPER_REQUIRED <= keys <= _PAPER_FIELDS):
        return Paper(**values)  # let __init__ say what is missing or unknown
    paper = object.__new__(Paper)
    state = paper.__dict__
    state.update(values)
    for name, default in _PAPER_DEFAULTS.items():
        state.setdefault(name, default)
    state.setdefault("extra", {})  # its default_factory
    return paper


def replace_paper(paper: Paper, **changes) -> Paper:
    """`dataclasses.replace(paper, **changes)` without running `__init__` again: 1 µs instead of
    8, which adds up over every paper of every build. Paper has no `__post_init__`, so a copy of
    its fields with `changes` applied is exactly what `replace` makes."""
    unknown = changes.keys() - _PAPER_FIELDS
    if unknown:
        raise TypeError(f"Paper has no field {sorted(unknown)[0]!r}")
    new = object.__new__(Paper)
    new.__dict__.update(paper.__dict__)
    new.__dict__.update(changes)
    if "links" in changes:
        new.__dict__.pop("code", None)  # a cached_property of the old links
    return new
