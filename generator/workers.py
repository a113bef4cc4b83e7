"""A second core for the pipeline: run one function in a forked process while this one goes on.

Generation is pure Python over thousands of papers, and these machines have two cores. Related
papers need only titles and abstracts, so they can be worked out while the papers are
classified, and half the paper pages can be rendered while the other half and the index pages
are. `start(fn, *args)` forks a child that runs `fn(*args)` and sends the pickled result back
through a pipe; `.result()` collects it.

The results are the same as running `fn` here, and the caller cannot tell the difference except
by the clock. So anything that makes forking unwise just runs `fn` in this process:
- the platform has no fork, or only one core is available;
- `PAPERSHELF_WORKERS=1` is set (tests use it to compare both ways byte for byte);
- another thread is alive. Forking copies only the calling thread, so a lock held elsewhere
  (logging, stdout) would stay locked in the child. `mkdocs serve` runs its server in threads,
  so it never forks, and its caches make its rebuilds cheap anyway. `mkdocs build`, the CLI and
  the benchmark are single-threaded and do.
If the child dies (killed, out of memory, an exception), `.result()` runs `fn` here instead: a
real error is then raised in this process with its usual traceback and message.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from typing import Any, Callable

ENV = "PAPERSHELF_WORKERS"


def available() -> bool:
    """Whether `start` will fork: a second core, fork, no other thread, not switched off."""
    if os.environ.get(ENV, "").strip() == "1" or not hasattr(os, "fork") or sys.platform != "linux":
        return False  # (macOS has fork, but its system libraries are not safe to use after it)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover
        cores = os.cpu_count() or 1
    return cores >= 2 and threading.active_count() == 1


class Pending:
    """The future result of `fn(*args)`: from a forked child, or worked out here when asked for."""

    def __init__(self, fn: Callable[..., Any], args: tuple, pid: int | None, fd: int | None):
        self._fn, self._args, self._pid, self._fd = fn, args, pid, fd

    def result(self) -> Any:
        if self._pid is None:
            return self._fn(*self._args)
        try:
            with os.fdopen(self._fd, "rb") as pipe:  # read it all before waiting: the pipe is small
                data = pipe.read()
            _, status = os.waitpid(self._pid, 0)
            self._pid = None
            if os.waitstatus_to_exitcode(status) == 0 and data:
                return pickle.loads(data)
        finally:
            self._reap()
        return self._fn(*self._args)  # the child failed: do it here, and let any error surface here

    def _reap(self) -> None:
        if self._pid is not None:  # interrupted while waiting: do not leave the child behind
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except OSError:  # pragma: no cover
                pass
            self._pid = None

    def __del__(self) -> None:
        self._reap()


def start(fn: Callable[..., Any], *args: Any, fork: bool = True) -> Pending:
    """Begin `fn(*args)` in a forked child if `fork` and `available()`; else it runs on `.result()`.

    `fn` and `args` reach the child by fork (nothing is pickled on the way in); the result must
    pickle. Pass `fork=False` for work too small to be worth a process.
    """
    if not (fork and available()):
        return Pending(fn, args, None, None)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running the parent's exit handlers
        code = 1
        try:
            os.close(read_fd)
            data = pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(data)
            code = 0
        except BaseException:  # reported by the parent, which runs fn again itself
            pass
        finally:
            os._exit(code)
    os.close(write_fd)
    return Pending(fn, args, pid, read_fd)
