"""A second core for the pipeline: run one function in a forked process while this one goes on.

Rendering paper pages is pure Python over thousands of papers, and these machines have two
cores: half the pages can be rendered in a child while this process renders the other half
(related papers use the second core through a thread instead: numpy and scipy release the
interpreter lock; see site.py). `start(fn, *args)` forks a child that runs `fn(*args)` and sends
the pickled result back through a pipe; `.result()` collects it.

The results are the same as running `fn` here, and the caller cannot tell the difference except
by the clock. So anything that makes forking unwise just runs `fn` in this process:
- the platform is not Linux, or only one core is available to this process;
- `PAPERSHELF_WORKERS=1` is set (tests use it to compare both ways byte for byte);
- another Python thread is alive. Forking copies only the calling thread, so a lock held
  elsewhere (logging, stdout) would stay locked in the child. `mkdocs serve` runs its server in
  threads, so its rebuilds never fork (its caches make them cheap anyway); its first build, made
  before the server starts, does, like `mkdocs build`, the CLI and the benchmark. (numpy's
  OpenBLAS keeps a thread pool that `threading` does not see; OpenBLAS resets it at fork, and
  the child never calls BLAS: sparse products and argmax are not BLAS.)
- `os.pipe` or `os.fork` fails (no free process or file descriptor, not enough memory).
If the child fails (killed, out of memory, an exception), `.result()` says so on stderr and runs
`fn` here instead: a real error is then raised in this process with its usual message. Nothing
the child logs reaches MkDocs, so `fn` must report problems by its result, never by logging.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading
import traceback
import warnings
from typing import Any, Callable

ENV = "PAPERSHELF_WORKERS"


def available() -> bool:
    """Whether `start` will fork: a second core, Linux, no other thread, not switched off."""
    if os.environ.get(ENV, "").strip() in ("0", "1") or sys.platform != "linux" or not hasattr(os, "fork"):
        return False  # (macOS has fork, but its system libraries are not safe to use after it)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover
        cores = os.cpu_count() or 1
    return cores >= 2 and threading.active_count() == 1


class Pending:
    """The future result of `fn(*args)`: from a forked child, or worked out here when asked for.

    Use it as a context manager (or call `close`) so that an error in the caller before
    `.result()` does not leave the child waiting on a full pipe.
    """

    def __init__(self, fn: Callable[..., Any], args: tuple, pid: int | None = None, fd: int | None = None):
        self._fn, self._args, self._pid, self._fd = fn, args, pid, fd

    def result(self) -> Any:
        if self._pid is None:
            return self._fn(*self._args)
        status = None
        try:
            with os.fdopen(self._fd, "rb") as pipe:  # read it all before waiting: the pipe is small
                self._fd = None
                data = pipe.read()
            try:
                _, status = os.waitpid(self._pid, 0)
            except ChildProcessError:  # reaped elsewhere (SIGCHLD ignored): trust a complete result
                pass
            self._pid = None
            if data and (status is None or os.waitstatus_to_exitcode(status) == 0):
                try:
                    return pickle.loads(data)
                except Exception:  # a truncated result: the child died while sending it
                    pass
        finally:
            self.close()
        code = "unknown" if status is None else os.waitstatus_to_exitcode(status)
        print(f"papershelf: the worker process failed (exit status {code}); doing its work here",
              file=sys.stderr)
        return self._fn(*self._args)  # and any real error surfaces here, with its traceback

    def close(self) -> None:
        """Stop and reap the child if it is still there, and close the pipe."""
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:  # pragma: no cover
                pass
            self._fd = None
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except OSError:  # pragma: no cover  (already gone)
                pass
            self._pid = None

    def __enter__(self) -> "Pending":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


def start(fn: Callable[..., Any], *args: Any, fork: bool = True) -> Pending:
    """Begin `fn(*args)` in a forked child if `fork` and `available()`; else it runs on `.result()`.

    `fn` and `args` reach the child by fork (nothing is pickled on the way in); the result must
    pickle. Pass `fork=False` for work too small to be worth a process.
    """
    if not (fork and available()):
        return Pending(fn, args)
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return Pending(fn, args)
    gc.freeze()  # the child's collections then leave the objects it shares with us alone
    try:
        with warnings.catch_warnings():  # Python 3.12+ warns about the (harmless) OpenBLAS thread
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        gc.unfreeze()
        os.close(read_fd)
        os.close(write_fd)
        return Pending(fn, args)
    if pid == 0:  # the child: compute, send, and leave without running the parent's exit handlers
        code = 1
        try:
            os.close(read_fd)
            data = pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(data)
            code = 0
        except BaseException:  # the parent reports the failure and does the work itself
            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(code)
    gc.unfreeze()
    os.close(write_fd)
    return Pending(fn, args, pid, read_fd)
