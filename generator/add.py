"""`papershelf add FILE`: bring a new capture into seeds/ and name it in the manifest.

Everything is checked before anything is written: the file must be readable by a registered
reader, must not overwrite an existing capture, and the manifest must be valid. The manifest is
rewritten with ruamel.yaml's round-trip mode, so the curator's comments and order survive, and
written atomically (temp file + rename) by write.py.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ruamel.yaml import YAML

from .dedup import merge_entries
from .errors import PapershelfError, Problem, raise_if_errors
from .manifest import MANIFEST
from .sources import reader_for
from .text import normalize_title
from .write import atomic_write
from .yamlio import load_text


@dataclass
class AddReport:
    file: str
    entries: int
    new: list[str] = field(default_factory=list)  # titles of papers not in the list before
    known: list[tuple[str, str]] = field(default_factory=list)  # (title, where it already was)
    problems: list[Problem] = field(default_factory=list)  # entries the reader could not place


def add_capture(seeds: Path, source: Path, title: str | None = None, captured: date | None = None) -> AddReport:
    from .site import read_papers

    if not source.is_file():
        raise PapershelfError(f"{source}: no such file")
    reader = reader_for(source)
    if reader is None:
        raise PapershelfError(f"{source}: no reader for '{source.suffix}' files (known: .txt listings, .bib)")
    target = seeds / source.name
    if target.exists():
        raise PapershelfError([Problem(f"{seeds.name}/{source.name}", None, None,
                                       "a capture with this name already exists; refusing to overwrite it "
                                       "(rename the new file)")])
    captured = captured or date.today()
    existing, _, problems = read_papers(seeds)
    raise_if_errors([p for p in problems if p.file.endswith(MANIFEST)])
    result = reader(source, captured)
    raise_if_errors([p for p in result.problems if p.severity == "error"])
    if not result.entries:
        raise PapershelfError([Problem(source.name, None, None, "no papers found in this file")])
    report = AddReport(source.name, len(result.entries), problems=result.problems)
    by_title = {}
    for paper in existing:
        by_title.setdefault(normalize_title(paper.title), []).append(paper)
    merged, _ = merge_entries(result.entries)
    for paper in merged:
        twins = by_title.get(normalize_title(paper.title), [])
        if twins:
            report.known.append((paper.title, f"papers/{twins[0].slug} (in {', '.join(twins[0].lists)})"))
        else:
            report.new.append(paper.title)
    manifest_text = _manifest_with(seeds / MANIFEST, source.name, title or source.stem, captured)
    atomic_write(target, source.read_bytes())
    atomic_write(seeds / MANIFEST, manifest_text.encode("utf-8"))
    return report


def _manifest_with(path: Path, file: str, title: str, captured: date) -> str:
    """The manifest text with one more entry, comments and order kept (ruamel round-trip)."""
    yaml = YAML()  # round-trip mode
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=2, offset=0)
    data = yaml.load(path.read_text(encoding="utf-8")) if path.exists() else None
    if data is None:
        data = yaml.load("[]\n")
    data.append({"file": file, "title": title, "captured": captured})
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    text = buffer.getvalue()
    _, problems = load_text(text, MANIFEST)  # never write a manifest we could not read back
    if problems:
        raise PapershelfError(problems)
    return text
