"""`seeds/sources.yml`: which captures make up the list, what each is called, when it was saved.

A capture missing from the manifest is still read (with a warning) so a curator who dropped a
file into `seeds/` sees it on the site; a manifest entry naming a missing file is an error,
because the curator said something that is not true.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import Problem
from .sources import READERS, reader_for
from .yamlio import YDict, YList, load_file, where

MANIFEST = "sources.yml"
HAND_ADDED = "papers.yml"
NON_CAPTURES = {MANIFEST}
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


def load_manifest(seeds: Path) -> tuple[list[Source], list[Problem]]:
    """Validate the manifest as a whole and return the sources in reading order."""
    label = _label(seeds)
    problems: list[Problem] = []
    sources: list[Source] = []
    path = seeds / MANIFEST
    data: object = None
    if path.exists():
        data, problems = load_file(path, label)
        if data is not None and not isinstance(data, YList):
            line, col = where(data)
            problems.append(Problem(label, line, col, "must be a list of entries (- file: ...)"))
            data = None
    else:
        problems.append(Problem(label, None, None, "no manifest; reading every capture", "warning"))
    listed: set[str] = set()
    present = sorted(p.name for p in seeds.iterdir() if p.is_file() and p.name not in NON_CAPTURES
                     and not p.name.startswith(".")) if seeds.is_dir() else []
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
        if "/" in name or "\\" in name or name.startswith("."):
            problems.append(Problem(label, fline, fcol, f"'file' must be a plain file name in {seeds.name}/: {name!r}"))
            continue
        if name in listed:
            problems.append(Problem(label, fline, fcol, f"capture '{name}' is listed twice"))
            continue
        listed.add(name)
        if name not in present:
            hint = difflib.get_close_matches(name, present, 1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else ""
            problems.append(Problem(label, fline, fcol, f"file '{name}' does not exist in {seeds.name}/{extra}"))
            continue
        fmt = item.get("format")
        if fmt is not None and fmt not in READERS:
            mline, mcol = where(fmt)
            problems.append(Problem(label, mline, mcol,
                                    f"unknown format '{fmt}' (known: {', '.join(sorted(READERS))})"))
            continue
        captured = parse_captured(item["captured"], label, problems)
        sources.append(Source(name, title, captured, fmt))
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
    return sources, problems
