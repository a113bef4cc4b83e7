"""Readers, one module per input format, registered by name.

Every reader has the same signature, `read(path, captured) -> ReadResult`, so adding a format is
one module plus its tests. `reader_for()` picks a reader by the manifest's `format` field or,
failing that, by the file's extension.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..errors import Problem
from ..model import Entry


@dataclass
class ReadResult:
    """What a reader returns: the entries it could place, and a problem for every line it could not."""

    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


Reader = Callable[[Path, "date | None"], ReadResult]

READERS: dict[str, Reader] = {}
EXTENSIONS: dict[str, str] = {}


def register(name: str, *extensions: str) -> Callable[[Reader], Reader]:
    """Decorator: make `read` available under `name` and for files ending in `extensions`."""

    def wrap(read: Reader) -> Reader:
        READERS[name] = read
        for ext in extensions:
            EXTENSIONS[ext] = name
        return read

    return wrap


def reader_for(path: Path, fmt: str | None = None) -> Reader | None:
    """The reader named `fmt`, else the one registered for the file's extension."""
    name = fmt or EXTENSIONS.get(path.suffix.lower())
    return READERS.get(name) if name else None


from . import bibtex, hf_listing, papers_yaml  # noqa: E402,F401  (each registers itself)
