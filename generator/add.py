"""`papershelf add FILE`: bring a new capture into seeds/ and name it in the manifest.

Everything is checked before anything is written: the file must be readable by a registered
reader, its name one the manifest accepts (`manifest.file_name_problem`, and the whole new
manifest through `manifest.check_manifest`: one set of rules), it must not overwrite an existing
capture, and the manifest must be valid. The manifest is rewritten with ruamel.yaml's
round-trip mode, so the curator's comments and order survive.

All or nothing: the capture is written to a temporary file, linked into place under its name
(never over an existing file), then the manifest is replaced atomically (write.py). If writing
the manifest fails, the capture is removed again. If the command is killed in between, the
capture is in seeds/ but not in the manifest (the site reads it, with a warning), and running
the same `add` again finishes the job: a capture already in seeds/ with the very same bytes and
no manifest entry is taken as an interrupted add. Temporary files a killed run left in seeds/
are removed by the next `add`.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ruamel.yaml import YAML

from .add_ids import recognised_entries_or_error
from .dedup import merge_entries
from .errors import PapershelfError, Problem, raise_if_errors
from .inputs import input_path, read_input
from .manifest import MANIFEST, check_manifest, file_name_problem, present_files
from .sources import reader_for
from .text import normalize_title
from .write import atomic_write, clean_leftovers, locked, read_existing, written_temp
from .yamlio import YList, load_text


@dataclass
class AddReport:
    file: str
    entries: int
    new: list[str] = field(default_factory=list)  # titles of papers not in the list before
    known: list[tuple[str, str]] = field(default_factory=list)  # (title, where it already was)
    problems: list[Problem] = field(default_factory=list)  # entries the reader could not place
    resumed: bool = False  # the capture was already in seeds/ (an interrupted add): only listed now


def _source_bytes(source: Path) -> bytes:
    """The file to add, which the user named: it may be reached through a link, but must be a
    regular file (a named pipe would block)."""
    try:
        st = os.stat(source)
    except FileNotFoundError:
        raise PapershelfError(f"{source}: no such file") from None
    if not stat.S_ISREG(st.st_mode):
        raise PapershelfError(f"{source}: not a regular file")
    real = source.resolve()
    return read_input(real, real.parent, str(source))


def add_capture(seeds: Path, source: Path, title: str | None = None, captured: date | None = None) -> AddReport:
    name = source.name
    bad_name = file_name_problem(name, seeds.name)
    if bad_name:
        raise PapershelfError([Problem(name, None, None, f"cannot be added: {bad_name}")])
    data = _source_bytes(source)
    reader = reader_for(source)
    if reader is None:
        raise PapershelfError(f"{source}: no reader for '{source.suffix}' files (known: .txt listings, .bib)")
    try:
        seeds.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(seeds)) from exc
    with locked(seeds):
        clean_leftovers({seeds})
        return _add_locked(seeds, source, name, data, reader, title, captured or date.today())


def _add_locked(seeds: Path, source: Path, name: str, data: bytes, reader, title: str | None,
                captured: date) -> AddReport:
    from .site import read_papers

    target = seeds / name
    manifest = seeds / MANIFEST
    listed = _listed(manifest)
    kind, current = read_existing(target)
    resumed = kind == "file" and current == data and name not in listed
    if kind != "missing" and not resumed:
        raise PapershelfError([Problem(f"{seeds.name}/{name}", None, None,
                                       "a capture with this name already exists; refusing to overwrite it "
                                       "(rename the new file)")])
    existing, _, problems = read_papers(seeds)
    raise_if_errors([p for p in problems if p.file.endswith(MANIFEST)])
    result = reader(source.resolve(), captured)
    raise_if_errors([p for p in result.problems if p.severity == "error"])
    recognised_entries_or_error(source, result)  # (a README or "hello / world" is no listing)
    report = AddReport(name, len(result.entries), problems=result.problems, resumed=resumed)
    by_title: dict[str, list] = {}
    for paper in existing:
        lists = [file for file in paper.lists if file != name]  # (an interrupted add already read it)
        if lists:
            by_title.setdefault(normalize_title(paper.title), []).append((paper, lists))
    merged, _ = merge_entries(result.entries)
    for paper in merged:
        twins = by_title.get(normalize_title(paper.title), [])
        if twins:
            twin, lists = twins[0]
            report.known.append((paper.title, f"papers/{twin.slug} (in {', '.join(lists)})"))
        else:
            report.new.append(paper.title)
    manifest_text = _manifest_with(manifest, name, title or source.stem, captured)
    _check_new_manifest(seeds, manifest_text, name)
    if not resumed:
        _place(target, data)
    try:
        atomic_write(manifest, manifest_text.encode("utf-8"))
    except BaseException:
        if not resumed:
            target.unlink(missing_ok=True)  # all or nothing: no capture without its entry
        raise
    return report


def _place(target: Path, data: bytes) -> None:
    """Put `data` at `target`, never over an existing file: written and fsynced under a
    temporary name, then hard-linked to its name (which fails if the name is taken)."""
    try:
        tmp = written_temp(target, data)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(target)) from exc
    try:
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise PapershelfError([Problem(f"{target.parent.name}/{target.name}", None, None,
                                           "a capture with this name already exists; refusing to overwrite it "
                                           "(rename the new file)")]) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            if os.path.lexists(target):  # a file system without hard links
                raise FileExistsError(errno.EEXIST, "already exists", str(target)) from None
            os.replace(tmp, target)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(target)) from exc
    finally:
        tmp.unlink(missing_ok=True)


def _listed(manifest: Path) -> set[str]:
    """The file names the manifest lists (nothing if it is missing or unreadable: reading the
    project reports why)."""
    try:
        text = read_input(manifest, manifest.parent.parent).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, PapershelfError):
        return set()
    data, _ = load_text(text, MANIFEST)
    if not isinstance(data, YList):
        return set()
    return {str(item["file"]) for item in data if isinstance(item, dict) and isinstance(item.get("file"), str)}


def _check_new_manifest(seeds: Path, text: str, name: str) -> None:
    """Refuse to write a manifest that the next command would reject: the same checks as
    `manifest.load_manifest`, with the new capture present."""
    label = f"{seeds.name}/{MANIFEST}"
    data, problems = load_text(text, label)
    raise_if_errors(problems)
    present = sorted(set(present_files(seeds)) | {name})
    check_manifest(data, label, present, seeds.name, problems)
    raise_if_errors(problems)


def _manifest_with(path: Path, file: str, title: str, captured: date) -> str:
    """The manifest text with one more entry, comments and order kept (ruamel round-trip)."""
    yaml = YAML()  # round-trip mode
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=2, offset=0)
    source = input_path(path, path.parent.parent)
    data = yaml.load(source.read_text(encoding="utf-8")) if source.exists() else None
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
