"""A second core for the pipeline: a forked partner process that works alongside this one.

These machines have two cores, and a build of thousands of papers is mostly Python, which uses
one. `partner(fn, *args, board=...)` forks a child running `fn(link, *args)`. The two sides
swap numpy arrays through shared memory (`post` on one side, `wait` on the other) or pickles
of other values (`post_object`, `wait_object`): site.py's page partner posts related papers
and is told what classifying set. What `fn` returns comes back pickled through a pipe.

The results are the same as doing everything here, and the caller cannot tell the difference
except by the clock. So anything that makes forking unwise means no partner (`partner` returns
None and the caller does all the work itself):
- the platform is not Linux, or only one core is available to this process;
- `PAPERSHELF_WORKERS=1` is set (tests use it to compare both ways byte for byte);
- another Python thread is alive. Forking copies only the calling thread, so a lock held
  elsewhere (logging, stdout) would stay locked in the child. `mkdocs serve` runs its server in
  threads, so its rebuilds never fork (its caches make them cheap anyway); its first build, made
  before the server starts, does, like `mkdocs build`, the CLI and the benchmark. (numpy's
  OpenBLAS keeps a thread pool that `threading` does not see; OpenBLAS resets it at fork, and
  the child never calls BLAS: sparse products and argmax are not BLAS. pyarrow starts a
  jemalloc thread when imported; jemalloc and Arrow's thread pools reset themselves at fork, and
  the child that splits words with pyarrow is forked before this process has called it.)
- `os.pipe`, the shared memory or `os.fork` fails (no free process or file descriptor, not
  enough memory).
If the child fails (killed, out of memory, an exception), the parent's `wait` returns None and
`result` returns FAILED, after saying so on stderr: the parent then does the child's part
itself, and a real error is raised there with its usual message. If the parent fails, the
child ends at its next `wait`, or is killed when the parent closes the partnership or dies. Nothing the
child logs reaches MkDocs, so `fn` must report problems by its result, never by logging.
"""

from __future__ import annotations

import gc
import mmap
import os
import pickle
import signal
import struct
import sys
import threading
import traceback
import warnings
from typing import Any, Callable

ENV = "PAPERSHELF_WORKERS"


def available() -> bool:
    """Whether `partner` will fork: a second core, Linux, no other thread, not switched off."""
    if os.environ.get(ENV, "").strip() in ("0", "1") or sys.platform != "linux" or not hasattr(os, "fork"):
        return False  # (macOS has fork, but its system libraries are not safe to use after it)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover
        cores = os.cpu_count() or 1
    return cores >= 2 and threading.active_count() == 1


FAILED = object()  # Partner.result() when the child did not deliver


class _Channel:
    """Length-prefixed pickles over a pipe, one way."""

    def __init__(self, fd: int, mode: str):
        self.file = os.fdopen(fd, mode)

    def send(self, message: Any) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.file.write(struct.pack("<Q", len(data)) + data)
        self.file.flush()

    def receive(self) -> Any:
        """The next message, or None at the end of the pipe (the other side has gone)."""
        head = self.file.read(8)
        if len(head) < 8:
            return None
        size = struct.unpack("<Q", head)[0]
        data = self.file.read(size)
        if len(data) < size:
            return None
        try:
            return pickle.loads(data)
        except Exception:  # pragma: no cover  (a garbled message: treat the other side as gone)
            return None

    def close(self) -> None:
        try:
            self.file.close()
        except OSError:  # pragma: no cover  (a broken pipe on the final flush)
            pass


class _Board:
    """Arrays laid out in one anonymous shared mapping: both sides of a fork see the same bytes,
    so a posted array costs a copy, not a pickle through a pipe the other side may not be reading."""

    def __init__(self, layout: dict[str, tuple[tuple[int, ...], Any]]):
        import numpy as np

        offsets, size = {}, 0
        for name, (shape, dtype) in layout.items():
            offsets[name] = size
            size += -(-int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize // 64) * 64
        self._map = mmap.mmap(-1, max(size, 64))  # MAP_SHARED | MAP_ANONYMOUS
        self.arrays = {name: np.ndarray(shape, dtype, buffer=self._map, offset=offsets[name])
                       for name, (shape, dtype) in layout.items()}


class _Side:
    """What both ends of a partnership share: the board, and a channel each way."""

    def __init__(self, board: _Board, inbox: _Channel, outbox: _Channel):
        self._board, self._inbox, self._outbox = board, inbox, outbox
        self._posted: set[str] = set()
        self._result: Any = FAILED

    def shared(self, name: str):
        """The live array `name` on the board: both sides see each other's writes at once (for
        progress counters; an aligned int64 is read and written whole)."""
        return self._board.arrays[name]

    def post(self, name: str, values: Any) -> None:
        """Put `values` on the board under `name` and tell the other side."""
        self._board.arrays[name][...] = values
        self._announce(name)

    def _announce(self, name: str) -> None:
        try:
            self._outbox.send(("post", name))
        except (BrokenPipeError, ValueError):  # the other side has gone: its wait() says so
            pass

    def wait(self, name: str):
        """A copy of the array the other side posted as `name`, once it has; None if it has gone."""
        if not self._wait_for(name):
            return None
        return self._board.arrays[name].copy()

    def post_object(self, name: str, value: Any) -> None:
        """Pickle `value` onto the board's uint8 array `name` and tell the other side (a pickle
        too big for it is posted as missing: the other side's wait_object returns None)."""
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        room = self._board.arrays[name]
        fits = len(data) + 8 <= len(room)
        if fits:
            room[8:8 + len(data)] = memoryview(data)
        room[:8] = memoryview(struct.pack("<q", len(data) if fits else -1))
        self._announce(name)

    def wait_object(self, name: str) -> Any:
        """What the other side posted with post_object as `name`, once it has; None if it has
        gone or the pickle did not fit."""
        if not self._wait_for(name):
            return None
        room = self._board.arrays[name]
        size = struct.unpack("<q", room[:8].tobytes())[0]
        return None if size < 0 else pickle.loads(memoryview(room)[8:8 + size])

    def _wait_for(self, name: str) -> bool:
        while name not in self._posted:
            if not self._take_message():
                return False
        return True

    def _take_message(self) -> bool:
        """Read the next message (a post, or the result); False at the end of the pipe."""
        message = self._inbox.receive()
        if message is None:
            return False
        kind, value = message
        if kind == "post":
            self._posted.add(value)
        else:
            self._result = value
        return True


class Link(_Side):
    """The child's end of a partnership (see `partner`)."""

    def _wait_for(self, name: str) -> bool:
        if not super()._wait_for(name):  # the parent has gone (it failed, or gave up on us)
            os._exit(1)
        return True


class Partner(_Side):
    """The parent's end of a partnership with a forked child running `fn(link, *args)`.

    Use it as a context manager (or call `close`): an error here before `.result()` must not
    leave the child waiting."""

    def __init__(self, board: _Board, inbox: _Channel, outbox: _Channel, pid: int):
        super().__init__(board, inbox, outbox)
        self._pid: int | None = pid
        self._reported = False

    def result(self) -> Any:
        """What `fn` returned, or FAILED (reported on stderr) if the child did not deliver it.

        A child that delivered is left to exit on its own, reaped by `close`: unmapping its
        memory takes the kernel 10-20 ms at 10,000 papers, which need not hold this process up."""
        while self._result is FAILED and self._take_message():
            pass
        if self._result is FAILED:
            self._fail()
        return self._result

    def _wait_for(self, name: str) -> bool:
        if super()._wait_for(name):
            return True
        self._fail()
        return False

    def _fail(self) -> None:
        status = self._reap()
        if not self._reported:
            self._reported = True
            code = "unknown" if status is None else os.waitstatus_to_exitcode(status)
            print(f"papershelf: the worker process failed (exit status {code}); doing its work here",
                  file=sys.stderr)

    def _reap(self, kill: bool = False) -> int | None:
        status = None
        if self._pid is not None:
            try:
                if kill:
                    os.kill(self._pid, signal.SIGKILL)
                _, status = os.waitpid(self._pid, 0)
            except OSError:  # already reaped elsewhere
                pass
            self._pid = None
        return status

    def close(self) -> None:
        """Stop and reap the child if it is still there, and close both pipes."""
        self._inbox.close()
        self._outbox.close()
        self._reap(kill=True)

    def __enter__(self) -> "Partner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


def _end_with(parent: int) -> None:
    """In the child: be killed when the parent dies, even by SIGKILL (Linux's PR_SET_PDEATHSIG),
    rather than finish work nobody will collect; and leave Ctrl-C to the parent, which stops
    the child when it closes the partnership."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL(None).prctl(ctypes.c_int(1), ctypes.c_ulong(signal.SIGKILL))  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):  # pragma: no cover  (not Linux: no fork here anyway)
        pass
    if os.getppid() != parent:  # the parent died before that took effect
        os._exit(1)


def partner(fn: Callable[..., Any], *args: Any, board: dict[str, tuple[tuple[int, ...], Any]]) -> Partner | None:
    """Fork a child that runs `fn(link, *args)` alongside this process; None if `available()` is
    False or forking fails (then the caller does all the work itself).

    The two sides exchange numpy arrays named in `board` (name -> (shape, dtype), fixed before the
    fork): `post(name, values)` on one side, `wait(name)` on the other. What `fn` returns comes
    back pickled, by `Partner.result()`. If the child fails, `wait` and `result` say so (None,
    FAILED) and the parent does the child's part itself; if the parent fails, the child's
    `wait` ends it.
    """
    if not available():
        return None
    opened: list[int] = []
    try:
        down_read, down_write = os.pipe()  # parent -> child
        opened += (down_read, down_write)
        up_read, up_write = os.pipe()  # child -> parent
        opened += (up_read, up_write)
        shared = _Board(board)
    except (OSError, ValueError, OverflowError):  # no descriptor, or no memory for the board
        for fd in opened:
            os.close(fd)
        return None
    gc.freeze()  # the child's collections then leave the objects it shares with us alone
    parent = os.getpid()
    try:
        with warnings.catch_warnings():  # Python 3.12+ warns about the (harmless) OpenBLAS thread
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        gc.unfreeze()
        for fd in opened:
            os.close(fd)
        return None
    if pid == 0:  # the child: work, send, and leave without running the parent's exit handlers
        code = 1
        try:
            _end_with(parent)
            os.close(down_write)
            os.close(up_read)
            link = Link(shared, _Channel(down_read, "rb"), _Channel(up_write, "wb"))
            link._outbox.send(("result", fn(link, *args)))
            code = 0
        except BaseException:  # the parent reports the failure and does the work itself
            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(code)
    gc.unfreeze()
    os.close(down_read)
    os.close(up_write)
    return Partner(shared, _Channel(up_read, "rb"), _Channel(down_write, "wb"), pid)
