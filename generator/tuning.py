"""Process settings for the length of one build: what Python and the C allocator would otherwise
spend on housekeeping that a build of 10,000 papers does not need.

All are restored afterwards (also when the build fails), so `mkdocs serve`, which keeps the
package loaded between rebuilds, runs as usual in between.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from contextlib import contextmanager

# glibc's mallopt(3) parameters, and their documented defaults.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_DEFAULT_THRESHOLD = 128 * 1024
_KEEP = 1 << 30  # 1 GiB: "never", for a build
SWITCH_INTERVAL = 0.001  # seconds (5 ms by default): 10,000 papers in one process, 3.7 s against 3.9 s


def _mallopt():
    """glibc's mallopt, or None (another C library, or none found)."""
    if not sys.platform.startswith("linux"):
        return None
    try:  # the symbols already loaded into this process, libc's among them (no library search,
        return ctypes.CDLL(None).mallopt  # which would run ldconfig in a subprocess)
    except (OSError, AttributeError):
        return None


_MALLOPT = _mallopt()


@contextmanager
def build_settings():
    """Pause the cyclic garbage collector, keep freed memory in the process and switch threads
    more often while building.

    * The garbage collector walks every live object on each full collection: millions at
      10,000 papers, several times per build (about 0.3 s). The pipeline makes no reference
      cycles worth collecting before it ends. A caller that had it off keeps it off. After
      the build, what it made counts as old (`_age_all`).
    * glibc gives freed memory back to the system (heap tops over 128 KiB, and every block over
      128 KiB, such as numpy's arrays, is its own mapping), and the next allocation faults it back
      in, page by page. A 10,000 papers build faulted 135,000 pages, 0.9 s of system time on this
      virtual machine; keeping freed memory for reuse halves that, and peak memory is unchanged.
    * Without a partner process (small lists, `serve` rebuilds), related papers are worked out in
      a thread (site.py) that hands Python's interpreter lock back and forth with the main thread
      about 150 times, once around each numpy call; each time it waits up to the switch interval
      (5 ms by default) for the main thread to let go.
    """
    enabled, interval = gc.isenabled(), sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(SWITCH_INTERVAL)
    if _MALLOPT is not None:
        _MALLOPT(_M_TRIM_THRESHOLD, _KEEP)
        _MALLOPT(_M_MMAP_THRESHOLD, _KEEP)
    try:
        yield
    finally:
        if _MALLOPT is not None:
            _MALLOPT(_M_MMAP_THRESHOLD, _DEFAULT_THRESHOLD)
            _MALLOPT(_M_TRIM_THRESHOLD, _DEFAULT_THRESHOLD)
        sys.setswitchinterval(interval)
        if enabled:
            _age_all()
            gc.enable()


def _age_all() -> None:
    """Count every object made during the build as old, without looking at it: else the first
    collection after the pause walks all of them (0.02 s at 10,000 papers), to find they live
    on. gc.freeze() moves every tracked object to the permanent generation and resets the
    young count, gc.unfreeze() moves them on to the oldest generation: two list splices. Cycles
    among them are still collected, by the next full collection. Skipped if something else
    froze objects (they would be unfrozen too)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
