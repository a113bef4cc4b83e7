"""The input limits, in one place: how large a file, title, abstract or YAML structure may be.

Each is far above anything real (the seeds: titles up to 169 characters, abstracts up to 1,920,
arXiv's own cap; captures up to 0.43 MB; YAML nested 5 levels; regex rules up to 84 characters) and low enough that every pass
over the text stays quick: a tag regex's worst case grows with the square of the text it runs on
(see regex_safety.py), so the abstract cap is what bounds it. Readers report a file over its
limit as an error naming the limit, and cut a longer title or abstract with a warning at its
`file:line`, so one bad entry never stops the rest; a field is cleaned from its first
RAW_ALLOWANCE times its limit characters, so no pass over it (those to come included) sees more.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .errors import Problem

MAX_TITLE_CHARS = 500
MAX_ABSTRACT_CHARS = 5_000
MAX_NAME_CHARS = 200  # one author's name
MAX_CAPTURE_BYTES = 10 * 1024 * 1024  # a .txt capture or a .bib export
MAX_YAML_BYTES = 5 * 1024 * 1024  # tags.yml, curation.yml, seeds/sources.yml, seeds/papers.yml
MAX_YAML_DEPTH = 50  # lists and mappings inside each other, flow or block
MAX_REGEX_CHARS = 500  # one regex rule of tags.yml (the longest real one: 84)


def too_large(size: int, limit: int, label: str) -> Problem | None:
    """The error for a file of `size` bytes over `limit`, or None."""
    if size <= limit:
        return None
    return Problem(label, 1, None, f"file is larger than the limit of {limit:,} bytes ({size:,} bytes); skipped")


def capped(text: str, limit: int, what: str, label: str, line: int | None, problems: list[Problem]) -> str:
    """`text` cut to `limit` characters (with a warning at label:line), or as it is."""
    if len(text) <= limit:
        return text
    problems.append(_cut(what, len(text), limit, label, line))
    return text[:limit].rstrip()


# Raw text is cleaned from its first this-many-times-the-limit characters at most (cleaning, LaTeX
# markup and control characters only ever shorten it), so no pass over a field sees more, however
# long the file's line or field.
RAW_ALLOWANCE = 2


def cleaned(raw: str, limit: int, what: str, label: str, line: int | None, problems: list[Problem],
            clean: Callable[[str], str]) -> str:
    """`clean(raw)` cut to `limit` characters, with a warning saying the limit when it was longer;
    `clean` only ever sees the first RAW_ALLOWANCE * limit characters of `raw`."""
    bound = limit * RAW_ALLOWANCE
    if len(raw) > bound:
        problems.append(_cut(what, len(raw), limit, label, line))
        return clean(raw[:bound])[:limit].rstrip()
    return capped(clean(raw), limit, what, label, line, problems)


def _cut(what: str, length: int, limit: int, label: str, line: int | None) -> Problem:
    return Problem(label, line, None, f"{what} is {length:,} characters, more than the limit of {limit:,}; "
                                      f"cut to {limit:,}", "warning")


def read_limited(path: Path, limit: int, label: str) -> tuple[bytes | None, list[Problem]]:
    """A file's bytes, reading at most `limit` + 1 of them; None and the problem when it cannot
    be read or is over the limit."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
            size = max(len(raw), os.fstat(handle.fileno()).st_size)
    except OSError as exc:
        return None, [Problem(label, None, None, f"cannot read file: {exc.strerror or exc}")]
    problem = too_large(size, limit, label)
    return (None, [problem]) if problem else (raw, [])
