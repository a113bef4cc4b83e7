"""The only module that writes files: `papershelf generate --out DIR` (and `papershelf add`).

It keeps a record of what it generated (path -> SHA-256) in DIR/.papershelf-generated.json, so:
unchanged files are not rewritten; files it generated earlier and no longer produces are
removed; a file it did not generate, or one a person edited since, is reported and left alone.

Interruptions. Before it touches a file, a run replaces the record with a journal: the record
as it was plus, for every file it is about to write or remove, the contents that file may hold
while the run is under way ("pending": its current and its new hash). Only then are the files
written, each to a temporary name, fsynced and moved into place with os.replace; the final
record comes last. So a run killed at any moment (kill -9, power cut) leaves a record under
which every file it touched is still its own, and the next run finishes the job. If a run
fails with an error instead (full disk, read-only folder), every file already replaced is put
back from its backup (a hard link made before the change) and the record with them: the
previous tree stays intact. A run first removes what a killed run left behind: its backup
folder (`.papershelf-backup-*`) and its temporary files (`.NAME.XXXXXXXX.papershelf.tmp`).
Two runs writing the same folder at once are refused (an flock on the folder).

New files get mode 0666 less the umask, as with any other tool; a rewritten file keeps its mode.
An OSError names the file it was about.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PapershelfError, Problem
from .write_record import RECORD, Record, parse_record, record_bytes

BACKUP_PREFIX = ".papershelf-backup-"
TMP_SUFFIX = ".papershelf.tmp"
_TMP_NAME = re.compile(r"\..{1,40}\.[0-9a-f]{8}" + re.escape(TMP_SUFFIX), re.DOTALL)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[Problem] = field(default_factory=list)  # files we refused to touch, and why


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe_target(out: Path, rel: str) -> Path:
    """`out / rel`, if it stays under `out`; a path that would leave it is a bug or an attack,
    never written. (The file itself may be a link: it is then left alone, see `read_existing`;
    a folder on the way that leads out of `out` is refused.)"""
    if not rel or rel.startswith(("/", "\\")) or ".." in Path(rel).parts or "\x00" in rel:
        raise PapershelfError(f"refusing to write outside the output folder: {rel!r}")
    target = out / rel
    if not target.parent.resolve().is_relative_to(out.resolve()):
        raise PapershelfError(f"refusing to write outside the output folder: {rel!r}")
    if len(target.name.encode()) > 255:
        raise PapershelfError(f"file name too long for the file system: {rel[:60]!r}...")
    return target


# ---------------------------------------------------------------- one file

def _with_path(exc: OSError, path: Path) -> OSError:
    """The same error, about `path` (a temporary name or none at all means nothing to a user)."""
    return OSError(exc.errno, exc.strerror or str(exc), str(path))


def create_temp(path: Path) -> tuple[int, Path]:
    """A new temporary file beside `path`, open for writing: mode 0666 less the umask for a new
    file (the kernel applies it), the mode of `path` if it is an existing regular file."""
    try:
        st = os.stat(path, follow_symlinks=False)
        keep = stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else None
    except FileNotFoundError:
        keep = None
    for _ in range(100):
        tmp = path.parent / f".{path.name[:40]}.{secrets.token_hex(4)}{TMP_SUFFIX}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC,
                         0o600 if keep is not None else 0o666)
        except FileExistsError:
            continue
        if keep is not None:
            try:
                os.fchmod(fd, keep)
            except BaseException:
                os.close(fd)
                tmp.unlink(missing_ok=True)
                raise
        return fd, tmp
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path))


def write_fd(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def written_temp(path: Path, data: bytes) -> Path:
    """`data` in a new temporary file beside `path` (see create_temp), fsynced; removed again
    if writing it fails. The caller moves it into place."""
    fd, tmp = create_temp(path)
    try:
        try:
            write_fd(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _replace_file(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, fsync, then os.replace (all or nothing)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = written_temp(path, data)
    except OSError as exc:
        raise _with_path(exc, path) from exc
    try:
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _with_path(exc, path) from exc
        raise


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, fsync, then os.replace (all or nothing)."""
    _replace_file(path, data)


def read_existing(path: Path) -> tuple[str, bytes | None]:
    """("missing", None), ("file", its bytes) or ("other", None) for a symbolic link, named pipe,
    folder or device: an output that is not a regular file is never read (a pipe would block)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return "missing", None
    except OSError as exc:
        raise _with_path(exc, path) from exc
    if not stat.S_ISREG(st.st_mode):
        return "other", None
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "other", None
        raise _with_path(exc, path) from exc
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return "other", None
        return "file", handle.read()


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (flock on the folder itself: no lock file to leave
    behind); a second papershelf writing there at the same time is refused."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover  (not POSIX: no lock)
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)
    except OSError as exc:
        raise _with_path(exc, folder) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PapershelfError([Problem(str(folder), None, None, "another papershelf command is writing "
                                           "here; try again when it is done")]) from None
        yield
    finally:
        os.close(fd)


def clean_leftovers(folders: set[Path]) -> list[Path]:
    """Remove the temporary files an interrupted write left in `folders` (only names this
    module makes, only regular files); return what was removed."""
    removed = []
    for folder in sorted(folders):
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if _TMP_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                Path(entry.path).unlink(missing_ok=True)
                removed.append(Path(entry.path))
    return removed


# ---------------------------------------------------------------- the record

def _load_record(out: Path) -> Record:
    path = out / RECORD
    kind, raw = read_existing(path)
    return parse_record(path, kind, raw)


# ---------------------------------------------------------------- the tree

def write_tree(out: Path, files: dict[str, str | bytes]) -> WriteReport:
    """Bring `out` in line with `files` without touching anything we did not generate."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _with_path(exc, out) from exc
    out = out.resolve()
    with locked(out):
        return _write_tree(out, files)


def _write_tree(out: Path, files: dict[str, str | bytes]) -> WriteReport:
    record = _load_record(out)
    report = WriteReport()
    encoded = {rel: (data.encode("utf-8") if isinstance(data, str) else data) for rel, data in files.items()}
    targets = {rel: _safe_target(out, rel) for rel in encoded}  # validate every path before writing
    stale = {rel: _safe_target(out, rel) for rel in sorted(record.known() - set(encoded))}
    _remove_backups(out)
    clean_leftovers({out} | {target.parent for target in (*targets.values(), *stale.values())})
    plan: list[tuple[str, Path, bytes | None]] = []  # (rel, target, new bytes or None = remove)
    pending: dict[str, list[str]] = {}  # what each planned file may hold until the run ends
    new_record: dict[str, str] = {}
    for rel, data in sorted(encoded.items()):
        target = targets[rel]
        new_hash = digest(data)
        kind, current = read_existing(target)
        if kind == "other":
            report.kept.append(Problem(str(target), None, None, "is not a regular file; left alone", "warning"))
            if rel in record.known():
                new_record[rel] = record.remembered(rel)
            continue
        if current is not None:
            current_hash = digest(current)
            if current_hash == new_hash:
                report.unchanged.append(rel)
                new_record[rel] = new_hash
                continue
            if rel not in record.known():
                report.kept.append(Problem(str(target), None, None,
                                           "exists but was not generated by papershelf; left alone", "warning"))
                continue
            if current_hash not in record.owned(rel):
                report.kept.append(Problem(str(target), None, None,
                                           "was edited since it was generated; left alone (delete it to regenerate)",
                                           "warning"))
                new_record[rel] = record.remembered(rel)
                continue
            pending[rel] = [current_hash, new_hash]
        else:
            pending[rel] = [new_hash]
        plan.append((rel, target, data))
        new_record[rel] = new_hash
    for rel, target in stale.items():
        kind, current = read_existing(target)
        if kind == "missing":
            continue
        if current is None or digest(current) not in record.owned(rel):
            report.kept.append(Problem(str(target), None, None,
                                       "is no longer generated but was edited; left alone", "warning"))
            continue
        pending[rel] = [digest(current)]
        plan.append((rel, target, None))
    final = record_bytes(new_record)
    if plan:
        # The journal claims every content papershelf wrote or is about to write, so that a
        # run killed on the way (this one or an earlier one) still owns whatever it left.
        journal_files = {**record.files, **{rel: h for rel, h in new_record.items() if rel not in pending}}
        journal_pending = {rel: sorted(set(record.pending.get(rel, ())) | set(pending.get(rel, ())))
                           for rel in set(record.pending) | set(pending)}
        _apply(out, plan, report, record_bytes(journal_files, journal_pending))
    if final != record.raw:
        _replace_file(out / RECORD, final)
    for target in stale.values():  # tidy folders emptied by removals, this run's or an interrupted one's
        _remove_empty_parents(target, out)
    return report


def _remove_backups(out: Path) -> None:
    """Backup folders an interrupted run left behind (a finished or failed run removes its own)."""
    for entry in os.scandir(out):
        if entry.name.startswith(BACKUP_PREFIX) and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)


def _backup(target: Path, backup: Path) -> bool:
    """Keep `target`'s current content under `backup` (a hard link: no copy, no space); False if
    there is nothing there."""
    if not os.path.lexists(target):
        return False
    try:
        os.link(target, backup, follow_symlinks=False)
    except OSError:  # a file system without hard links
        shutil.copy2(target, backup, follow_symlinks=False)
    return True


def _apply(out: Path, plan: list[tuple[str, Path, bytes | None]], report: WriteReport, journal: bytes) -> None:
    """Write the journal, carry out the plan; on any failure put back every file already
    changed, and the record."""
    try:
        backup_dir = Path(tempfile.mkdtemp(prefix=BACKUP_PREFIX, dir=out))
    except OSError as exc:
        raise _with_path(exc, out) from exc
    record_path = out / RECORD
    done: list[tuple[Path, Path | None]] = []  # (target, backup or None if it did not exist)
    had_record = False
    try:
        had_record = _backup(record_path, backup_dir / "record")
        _replace_file(record_path, journal)
        for index, (rel, target, data) in enumerate(plan):
            backup = backup_dir / str(index)
            done.append((target, backup if _backup(target, backup) else None))
            if data is None:
                try:
                    target.unlink()
                except OSError as exc:
                    raise _with_path(exc, target) from exc
                report.removed.append(rel)
            else:
                atomic_write(target, data)
                report.written.append(rel)
    except BaseException:
        for target, backup in reversed(done):
            if backup is not None:
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
                _remove_empty_parents(target, out)
        if had_record:
            os.replace(backup_dir / "record", record_path)
        else:
            record_path.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(backup_dir, ignore_errors=True)


def _remove_empty_parents(target: Path, out: Path) -> None:
    parent = target.parent
    while parent != out and parent.is_relative_to(out) and parent.is_dir() and not parent.is_symlink() \
            and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
