"""Readers, one module per input format, registered by name.

Every reader has the same signature, `read(path, captured) -> ReadResult`, so adding a format is
one module plus its tests. `reader_for()` picks a reader by the manifest's `format` field or,
failing that, by the file's extension.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..errors import Problem
from ..inputs import InputPath, input_path
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
    """Decorator: make `read` available under `name` and for files ending in `extensions`.

    Every reader reads its file as an input (`inputs.py`): the pipeline hands it an `InputPath`
    checked against the project folder; any other path is checked against its own folder, so a
    symbolic link, named pipe or device is refused by name whoever calls the reader."""

    def wrap(read: Reader) -> Reader:
        @functools.wraps(read)
        def checked(path: Path, captured: date | None = None) -> ReadResult:
            if not isinstance(path, InputPath):
                path = input_path(path, path.parent)
            return read(path, captured)

        READERS[name] = checked
        for ext in extensions:
            EXTENSIONS[ext] = name
        return checked

    return wrap


def reader_for(path: Path, fmt: str | None = None) -> Reader | None:
    """The reader named `fmt`, else the one registered for the file's extension."""
    name = fmt or EXTENSIONS.get(path.suffix.lower())
    return READERS.get(name) if name else None


from . import bibtex, hf_listing, papers_yaml  # noqa: E402,F401  (each registers itself)
