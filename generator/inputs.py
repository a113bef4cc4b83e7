"""Reading the project's input files: regular files inside the project, nothing else.

A capture in seeds/ that is a symbolic link to /etc/passwd would be read and published on the
site; a named pipe would block the build forever; a device could be anything. So every input
(seeds/*, seeds/sources.yml, seeds/papers.yml, tags.yml, curation.yml, and what
`generate --out` copies) is opened by `open_input`, which refuses, naming the file:

* a symbolic link, anywhere below the project folder (the file, or a folder on the way to it);
* anything but a regular file (named pipe, device, socket, folder);
* a path that leaves the project (`..`).

Check and open are one operation, so nothing can be swapped in between: each folder below the
project root is opened relative to its parent with O_NOFOLLOW, the file itself with O_NOFOLLOW
(after an lstat, so a device is never opened), and fstat confirms it is the same regular file.

Readers and loaders take paths (`read(path, captured)`, `load_file(path)`) and read them with
`path.read_bytes()`, so the project hands them an `InputPath`: a path whose reads go through
`open_input`. The project folder itself is the curator's choice and may be reached through a
symbolic link.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from .errors import PapershelfError, Problem

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOCTTY = getattr(os, "O_NOCTTY", 0)


class UnsafeInput(PapershelfError):
    """An input that is not a regular file inside the project: never read."""


def kind_of(mode: int) -> str:
    """What a file is, in words, from its st_mode."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def label_of(path: Path, root: Path) -> str:
    """How a problem names the file: its path from `root` (`seeds/x.txt`, `tags.yml`)."""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def refusal(label: str, why: str) -> Problem:
    return Problem(label, None, None, f"not a regular file inside the project ({why}); refusing to read it")


def _refuse(label: str, why: str) -> UnsafeInput:
    return UnsafeInput([refusal(label, why)])


def _parts(path: Path, root: Path, label: str) -> list[str]:
    try:
        parts = list(Path(path).relative_to(root).parts)
    except ValueError:
        raise _refuse(label, "outside the project folder") from None
    if not parts or any(part in ("..", ".") for part in parts):
        raise _refuse(label, "the path leaves the project")
    return parts


def open_input(path: Path, root: Path, label: str | None = None) -> BinaryIO:
    """`path` (under `root`) opened for reading in binary, if it is a regular file reached
    without following any symbolic link below `root`; else UnsafeInput naming it (as `label`,
    by default its path from `root`).

    A missing file raises FileNotFoundError (an OSError with the path), as `open` would."""
    label = label or label_of(path, root)
    parts = _parts(path, root, label)
    dir_fd = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        for index, part in enumerate(parts[:-1]):
            try:
                fd = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=dir_fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    where = "/".join(parts[: index + 1])
                    mode = os.stat(part, dir_fd=dir_fd, follow_symlinks=False).st_mode
                    raise _refuse(label, f"{where} is {kind_of(mode)}") from None
                raise OSError(exc.errno, exc.strerror, str(path)) from None
            os.close(dir_fd)
            dir_fd = fd
        name = parts[-1]
        try:
            before = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        if not stat.S_ISREG(before.st_mode):
            raise _refuse(label, kind_of(before.st_mode))
        try:
            fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _NOCTTY | _CLOEXEC, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _refuse(label, "a symbolic link") from None
            raise OSError(exc.errno, exc.strerror, str(path)) from None
    finally:
        os.close(dir_fd)
    after = os.fstat(fd)
    if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
        os.close(fd)
        raise _refuse(label, kind_of(after.st_mode) if not stat.S_ISREG(after.st_mode) else "replaced while opened")
    if _NONBLOCK:
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_input(path: Path, root: Path, label: str | None = None) -> bytes:
    with open_input(path, root, label) as handle:
        return handle.read()


def input_problem(path: Path, root: Path) -> Problem | None:
    """The refusal `open_input` would raise for `path`, as a problem (None if it is readable or
    simply missing), so a loader can list every refused file at once."""
    try:
        open_input(path, root).close()
    except UnsafeInput as exc:
        return exc.problems[0]
    except OSError:
        return None
    return None


class InputPath(type(Path())):  # type: ignore[misc]  # PosixPath (or WindowsPath): subclassable on 3.11
    """A path to an input file whose reads go through `open_input` (see the module docstring).

    `exists()` counts a symbolic link (even a dangling one) as existing, so a loader that skips
    a missing optional file still reads, and refuses, a link put in its place."""

    _project_root: Path | None = None  # a path derived from this one (parent, / "x") checks against its own parent

    def _input_root(self) -> Path:
        return self._project_root if self._project_root is not None else self.parent

    def read_bytes(self) -> bytes:
        return read_input(self, self._input_root())

    def read_text(self, encoding: str | None = None, errors: str | None = None) -> str:
        return self.read_bytes().decode(encoding or "utf-8", errors or "strict")

    def open(self, mode: str = "r", buffering: int = -1, encoding=None, errors=None, newline=None):
        if mode not in ("r", "rb", "rt"):
            raise ValueError(f"input files are opened for reading only, not {mode!r}")
        handle = open_input(self, self._input_root())
        if mode == "rb":
            return handle
        import io

        return io.TextIOWrapper(handle, encoding=encoding or "utf-8", errors=errors, newline=newline)

    def exists(self, *args, **kwargs) -> bool:
        return os.path.lexists(self)


def input_path(path: Path, root: Path) -> InputPath:
    """`path`, an input file under the project folder `root`, as an `InputPath`."""
    result = InputPath(path)
    result._project_root = Path(root)
    return result
