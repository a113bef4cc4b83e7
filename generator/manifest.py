"""`seeds/sources.yml`: which captures make up the list, what each is called, when it was saved.

A capture missing from the manifest is still read (with a warning) so a curator who dropped a
file into `seeds/` sees it on the site; a manifest entry naming a missing file is an error,
because the curator said something that is not true.
"""

from __future__ import annotations

import difflib
import os
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import Problem
from .inputs import input_path, input_problem
from .sources import READERS, reader_for
from .yamlio import YDict, YList, load_file, where

MANIFEST = "sources.yml"
HAND_ADDED = "papers.yml"
NON_CAPTURES = {MANIFEST, "metadata.yml"}  # the lock file (metadata.py) is no capture
_KEYS = {"file", "title", "captured", "format"}


@dataclass(frozen=True)
class Source:
    """One capture file and what the manifest says about it."""

    file: str
    title: str
    captured: date | None
    format: str | None = None


def _label(seeds: Path) -> str:
    return f"{seeds.name}/{MANIFEST}"


def parse_captured(value, label: str, problems: list[Problem]) -> date | None:
    """A strict YYYY-MM-DD date; anything else is a problem at the value's position."""
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    line, col = where(value)
    problems.append(Problem(label, line, col, f"'captured' must be a date YYYY-MM-DD, not {value!r}"))
    return None


def file_name_problem(name: str, folder: str = "seeds") -> str | None:
    """Why `name` cannot be a capture's `file` in the manifest, or None if it can.

    The one rule for both the manifest and `papershelf add`: a plain file name in seeds/, not
    hidden (dot files are how editors and papershelf keep temporary files), in UTF-8, with no
    control characters."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return f"'file' must be a plain file name in {folder}/: {name!r}"
    if name in NON_CAPTURES:
        return f"'file' cannot be the manifest itself: {name!r}"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return f"'file' must be a file name in UTF-8: {name!r}"
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return f"'file' must not contain control characters: {name!r}"
    return None


def present_files(seeds: Path) -> list[str]:
    """What is in seeds/ besides folders, dot files and the manifest, without following links:
    a symbolic link or a named pipe counts, so that reading it is refused by name."""
    if not seeds.is_dir():
        return []
    names = []
    for entry in os.scandir(seeds):
        if entry.name in NON_CAPTURES or entry.name.startswith("."):
            continue
        if not entry.is_dir(follow_symlinks=False):
            names.append(entry.name)
    return sorted(names)


def load_manifest(seeds: Path) -> tuple[list[Source], list[Problem]]:
    """Validate the manifest as a whole and return the sources in reading order.

    Every file is read from inside the project folder, seeds/'s parent (`inputs.py`): a capture
    that is a symbolic link, a named pipe or a device is an error naming it, listed or not."""
    label = _label(seeds)
    root = seeds.parent
    problems: list[Problem] = []
    path = input_path(seeds / MANIFEST, root)
    data: object = None
    refused = input_problem(path, root) if path.exists() else None
    if refused is not None:
        problems.append(refused)
    elif path.exists():
        data, problems = load_file(path, label)
        if data is not None and not isinstance(data, YList):
            line, col = where(data)
            problems.append(Problem(label, line, col, "must be a list of entries (- file: ...)"))
            data = None
    else:
        problems.append(Problem(label, None, None, "no manifest; reading every capture", "warning"))
    present = present_files(seeds)
    listed, sources = check_manifest(data, label, present, seeds.name, problems)
    for name in present:
        if name in listed:
            continue
        if reader_for(seeds / name) is None:
            continue  # not a capture (README, notes): nothing to read
        if name == HAND_ADDED:  # seeds/papers.yml needs no manifest entry
            sources.append(Source(name, "Added by hand", None, "papers-yaml"))
            continue
        problems.append(Problem(f"{seeds.name}/{name}", None, None,
                                f"capture is not in {MANIFEST}; read it anyway (add an entry to name it)",
                                "warning"))
        sources.append(Source(name, name, None, None))
    readable = []
    for source in sources:
        refused = input_problem(seeds / source.file, root)
        if refused is not None:
            problems.append(refused)
        else:
            readable.append(source)
    return readable, problems


def check_manifest(data: object, label: str, present: list[str], folder: str = "seeds",
                   problems: list[Problem] | None = None) -> tuple[set[str], list[Source]]:
    """The manifest's entries checked against the files `present` in seeds/: the names it
    lists and its valid sources; each problem is appended to `problems`. `papershelf add`
    checks the manifest it is about to write with this too."""
    problems = problems if problems is not None else []
    listed: set[str] = set()
    sources: list[Source] = []
    for item in data or []:
        line, col = where(item)
        if not isinstance(item, YDict):
            problems.append(Problem(label, line, col, "each entry must be a mapping with file, title, captured"))
            continue
        for key in item:
            if key not in _KEYS:
                kline, kcol = item.key_pos[key]
                hint = difflib.get_close_matches(key, sorted(_KEYS), 1)
                extra = f" (did you mean '{hint[0]}'?)" if hint else ""
                problems.append(Problem(label, kline, kcol, f"unknown key '{key}'{extra}"))
        missing = [k for k in ("file", "title", "captured") if k not in item]
        if missing:
            problems.append(Problem(label, line, col, f"entry is missing {', '.join(missing)}"))
            continue
        name, title = item["file"], item["title"]
        if not isinstance(name, str) or not isinstance(title, str):
            problems.append(Problem(label, line, col, "'file' and 'title' must be strings"))
            continue
        fline, fcol = where(name)
        bad_name = file_name_problem(name, folder)
        if bad_name:
            problems.append(Problem(label, fline, fcol, bad_name))
            continue
        if name in listed:
            problems.append(Problem(label, fline, fcol, f"capture '{name}' is listed twice"))
            continue
        listed.add(name)
        if name not in present:
            hint = difflib.get_close_matches(name, present, 1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else ""
            problems.append(Problem(label, fline, fcol, f"file '{name}' does not exist in {folder}/{extra}"))
            continue
        fmt = item.get("format")
        if fmt is not None and fmt not in READERS:
            mline, mcol = where(fmt)
            problems.append(Problem(label, mline, mcol,
                                    f"unknown format '{fmt}' (known: {', '.join(sorted(READERS))})"))
            continue
        captured = parse_captured(item["captured"], label, problems)
        sources.append(Source(name, title, captured, fmt))
    return listed, sources
