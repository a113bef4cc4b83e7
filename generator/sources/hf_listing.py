"""Reader for Hugging Face paper listings saved as text (the `seeds/*.txt` captures).

The captures come in two shapes, told apart by structure alone:

* line layout (seeds 000, 001, 003): two header lines, then strictly alternating title and
  abstract lines with no blank lines; the header's "Subscribe" is glued to the first title.
* block layout (seeds 002, 004): a header of known page-chrome blocks ending with a date block,
  then blank-line separated blocks: title, abstract, and optionally a metadata block
  (`• 6 authors` / `·` / `Sep 25, 2024 3`), which is the only block that starts with a bullet.

We never guess from a line's length or its last character: titles end in "?" or "." and
abstracts can be a few words. A block or line that the structure cannot place is reported with
its file:line, and the pairing of every other entry is left intact.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from ..errors import Problem
from ..limits import MAX_ABSTRACT_CHARS, MAX_CAPTURE_BYTES, MAX_TITLE_CHARS, cleaned, read_limited
from ..model import Entry
from ..text import clean_line, clean_text, extract_links
from . import ReadResult, register

# Page chrome that Hugging Face renders above (and sometimes between) the papers.
CHROME = {
    "new",
    "get trending papers in your email inbox once a day!",
    "get trending papers in your email inbox!",
    "subscribe",
    "daily papers",
    "byak and the research community",
}
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_DATE = re.compile(r"^(?P<mon>[A-Z][a-z]{2}) (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?(?: (?P<up>\d+))?$")
_AUTHORS = re.compile(r"^•\s*(?P<n>\d+)\s+authors?$")
_BULLET = "•"
UNREADABLE = "[unreadable text]"


def decode(raw: bytes, label: str) -> tuple[str, list[Problem]]:
    """Bytes to text: UTF-8 (with or without BOM), UTF-16 with a BOM, else Latin-1 with a warning."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), []
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        warning = Problem(label, line, None, "not valid UTF-8; read as Latin-1", "warning")
        return raw.decode("latin-1"), [warning]


def _lines(path: Path, problems: list[Problem]) -> list[str]:
    raw, read_problems = read_limited(path, MAX_CAPTURE_BYTES, path.name)
    problems.extend(read_problems)
    if raw is None:
        return []
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(Problem(path.name, 1, None, "binary file, not a text capture; skipped", "warning"))
        return []
    text, decode_problems = decode(raw, path.name)
    problems.extend(decode_problems)
    if "\r" in text:  # a one-character search is much faster than two failed replaces
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Split on line feeds only: str.splitlines() also breaks at U+2028, form feeds and other
    # separators an editor does not, which would shift pairings and line numbers.
    lines = []
    for number, raw_line in enumerate(text.split("\n"), 1):
        line = clean_line(raw_line)
        if raw_line.strip() and not line.strip():
            # A line of only control characters still holds a place in the structure.
            problems.append(Problem(path.name, number, None, "line has only control characters", "warning"))
            line = UNREADABLE
        lines.append(line)
    return lines


def _is_chrome(line: str) -> bool:
    return line.strip().casefold() in CHROME


def parse_date(text: str, captured: date | None) -> tuple[str | None, int | None]:
    """`Mar 9, 2022` / `Sep 30` (capture year) / `Sep 25, 2024 3` (3 upvotes) -> (ISO, upvotes)."""
    m = _DATE.match(text.strip())
    if not m or m.group("mon").lower() not in _MONTHS:
        return None, None
    month, day = _MONTHS[m.group("mon").lower()], int(m.group("day"))
    year = int(m.group("year")) if m.group("year") else (captured.year if captured else None)
    upvotes = int(m.group("up")) if m.group("up") else None
    if year is None:
        return None, upvotes
    try:
        when = date(year, month, day)
    except ValueError:
        return None, upvotes
    if not m.group("year") and captured and when > captured:
        try:
            when = when.replace(year=year - 1)  # "Dec 5" seen on a March capture is last December
        except ValueError:  # year 1, or Feb 29 into a non-leap year
            return None, upvotes
    return when.isoformat(), upvotes


def _entry(label: str, line: int, title: str, abstract_line: int, abstract: str, problems: list[Problem],
           **meta) -> Entry:
    """An entry from its raw title and abstract: cleaned, each cut to its limit (with a warning)."""
    title = cleaned(title, MAX_TITLE_CHARS, "title", label, line, problems, clean_text)
    abstract = cleaned(abstract, MAX_ABSTRACT_CHARS, "abstract", label, abstract_line, problems, clean_text)
    return Entry(label, line, title, abstract, links=extract_links(abstract), **meta)


@register("hf-listing", ".txt")
def read(path: Path, captured: date | None = None) -> ReadResult:
    """Read one capture file into entries, choosing the layout by its structure."""
    result = ReadResult()
    lines = _lines(path, result.problems)
    if not any(line.strip() for line in lines):
        if not result.problems:
            result.problems.append(Problem(path.name, 1, None, "capture is empty: no papers found", "warning"))
        return result
    first = next(i for i, line in enumerate(lines) if line.strip())
    blank_after_first = first + 1 < len(lines) and not lines[first + 1].strip()
    if blank_after_first:
        _read_blocks(path.name, lines, captured, result)
    else:
        _read_lines(path.name, lines, result)
    if not result.entries and not result.problems:
        result.problems.append(Problem(path.name, 1, None, "no papers found in this capture", "warning"))
    return result


def _read_lines(label: str, lines: list[str], result: ReadResult) -> None:
    """Line layout: header chrome, then title / abstract / title / abstract ..."""
    pending: tuple[int, str] | None = None  # (line number, title) waiting for its abstract
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue  # a stray blank line separates nothing in this layout
        text = line
        if pending is None:
            if _is_chrome(text):
                continue
            if text.startswith("Subscribe") and not result.entries and len(text) > len("Subscribe"):
                text = text[len("Subscribe"):]  # "SubscribeEnd-to-End Training ..." (glued header)
            pending = (number, text)
        else:
            result.entries.append(_entry(label, pending[0], pending[1], number, text, result.problems))
            pending = None
    if pending is not None:
        result.problems.append(
            Problem(label, pending[0], None,
                    f"title with no abstract after it (truncated capture?): {pending[1][:60]!r}",
                    "warning")
        )


def _blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks as (first line number, lines)."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _is_meta(block: list[str]) -> bool:
    return block[0].startswith(_BULLET) or block[0] == "·"


def _parse_meta(label: str, start: int, block: list[str], captured: date | None,
                problems: list[Problem]) -> dict:
    meta: dict = {}
    for offset, line in enumerate(block):
        if line == "·":
            continue
        m = _AUTHORS.match(line)
        if m:
            meta["authors_count"] = int(m.group("n"))
            continue
        when, upvotes = parse_date(line, captured)
        if when or upvotes is not None:
            meta["date"], meta["upvotes"] = when, upvotes
            continue
        problems.append(Problem(label, start + offset, None,
                                f"unrecognised metadata line {line[:60]!r}", "warning"))
    return meta


def _read_blocks(label: str, lines: list[str], captured: date | None, result: ReadResult) -> None:
    """Block layout: header chrome ending in a date, then title / abstract / [metadata] blocks."""
    blocks = _blocks(lines)
    index = 0
    # Header: chrome blocks, then the capture's own date block ("Dec 17"), which closes it.
    while index < len(blocks):
        start, block = blocks[index]
        if len(block) == 1 and _is_chrome(block[0]):
            index += 1
            continue
        m = _DATE.match(block[0]) if len(block) == 1 else None
        if m and m.group("mon").lower() in _MONTHS and not m.group("year") and not m.group("up"):
            index += 1
        break
    while index < len(blocks):
        start, block = blocks[index]
        if _is_meta(block):
            result.problems.append(Problem(label, start, None,
                                            "metadata block with no paper before it", "warning"))
            index += 1
            continue
        if len(block) == 1 and _is_chrome(block[0]):
            index += 1
            continue
        title_line, title = start, block[0]
        rest = block[1:]
        if rest:  # title and abstract with no blank line between them
            abstract_line, abstract, extra = start + 1, rest[0], rest[1:]
            index += 1
        else:
            nxt = blocks[index + 1] if index + 1 < len(blocks) else None
            if nxt is None or _is_meta(nxt[1]):
                result.problems.append(Problem(
                    label, title_line, None,
                    f"title with no abstract after it: {title[:60]!r}", "warning"))
                index += 1 if nxt is None else 2
                continue
            abstract_line, abstract, extra = nxt[0], nxt[1][0], nxt[1][1:]
            index += 2
        for offset, line in enumerate(extra, 1):
            result.problems.append(Problem(label, abstract_line + offset, None,
                                            f"cannot place this line: {line[:60]!r}", "warning"))
        meta: dict = {}
        if index < len(blocks) and _is_meta(blocks[index][1]):
            meta = _parse_meta(label, blocks[index][0], blocks[index][1], captured, result.problems)
            index += 1
        result.entries.append(_entry(label, title_line, title, abstract_line, abstract, result.problems, **meta))
