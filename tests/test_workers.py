"""Generation on two cores (generator/workers.py) gives the same site as on one.

Each check runs in a fresh Python process: whether the generator forks depends on the threads
alive in the process, and pytest's own process may have some.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Builds the site of the project in argv[1] and prints a digest of every page and search
# entry, how many times the generator forked, and whether every child was reaped.
_BUILD = """
import hashlib, json, os, sys
from pathlib import Path
forks = []
real_fork = os.fork
def counting_fork():
    pid = real_fork()
    if pid:
        forks.append(pid)
    return pid
os.fork = counting_fork
import generator.site
if len(sys.argv) > 2:
    generator.site.PARALLEL_MIN = int(sys.argv[2])
site = generator.site.build_site(Path(sys.argv[1]))
digest = hashlib.sha256()
for name, text in [*site.pages.items(), *site.search.items()]:
    digest.update(name.encode() + b"\\0" + text.encode() + b"\\0")
digest.update(repr(site.nav()).encode() + repr(site.all_papers).encode())
left = []
for pid in forks:
    try:
        os.waitpid(pid, os.WNOHANG)
        left.append(pid)  # still a child of ours: it was not reaped
    except ChildProcessError:
        pass
print(json.dumps({"digest": digest.hexdigest(), "pages": len(site.pages), "forks": len(forks),
                  "unreaped": left}))
"""


def _python(code: str, *args: str, workers: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PAPERSHELF_WORKERS", None)
    if workers is not None:
        env["PAPERSHELF_WORKERS"] = workers
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          timeout=600)


def _build(project: Path, workers: str | None, parallel_min: int | None = None) -> dict:
    args = [str(project)] if parallel_min is None else [str(project), str(parallel_min)]
    result = _python(_BUILD, *args, workers=workers)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _two_cores() -> bool:
    return sys.platform == "linux" and len(os.sched_getaffinity(0)) >= 2


needs_two_cores = pytest.mark.skipif(not _two_cores(), reason="forks only with a second core on Linux")


@pytest.fixture(scope="module")
def synthetic_project(tmp_path_factory) -> Path:
    """2,600 distinct papers made from the seeds' text (bench/synth.py): above PARALLEL_MIN."""
    project = tmp_path_factory.mktemp("workers") / "synth"
    _synth().make_project(project, 2600)
    return project


@needs_two_cores
@pytest.mark.parametrize("which", ["seeds", "synthetic"])
def test_two_processes_generate_the_same_site_byte_for_byte(which, synthetic_project):
    project = ROOT if which == "seeds" else synthetic_project
    parallel_min = 0 if which == "seeds" else None  # the seeds are below PARALLEL_MIN: lower it
    one = _build(project, workers="1", parallel_min=parallel_min)
    two = _build(project, workers=None, parallel_min=parallel_min)
    assert one["forks"] == 0
    assert two["forks"] == 1  # some paper pages and the index pages
    assert two["unreaped"] == []
    assert two["pages"] == one["pages"] > 700
    assert two["digest"] == one["digest"]


def _synth():
    spec = importlib.util.spec_from_file_location("papershelf_bench_synth_w", ROOT / "bench" / "synth.py")
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)
    return synth


def test_lists_below_parallel_min_do_not_fork():
    from generator.site import PARALLEL_MIN

    result = _build(ROOT, workers=None)  # 680 papers: forking costs more than it saves
    assert PARALLEL_MIN > 680 and result["forks"] == 0 and result["pages"] > 700


_PROBE = """
import os, sys, threading, json
from generator import workers
parent = os.getpid()
def where(): return os.getpid()
def fails_in_child():
    if os.getpid() != parent:
        raise RuntimeError("only in the child")
    return "done here"
def dies_in_child():
    if os.getpid() != parent:
        os._exit(3)
    return "done here"
def always_fails():
    raise ValueError("a real error")
out = {"available": workers.available(), "child": workers.start(where).result() != parent,
       "not_forked": workers.start(where, fork=False).result() == parent,
       "fails_in_child": workers.start(fails_in_child).result(),
       "dies_in_child": workers.start(dies_in_child).result()}
try:
    workers.start(always_fails).result()
except ValueError as exc:
    out["error"] = str(exc)
def open_fds(): return len(os.listdir("/proc/self/fd"))
fds = open_fds()
try:
    with workers.start(where) as pending:  # the caller fails before collecting the result
        raise KeyError("the caller's own error")
except KeyError:
    pass
try:
    os.waitpid(-1, os.WNOHANG)
    out["children_left"] = True
except ChildProcessError:
    out["children_left"] = False
out["fds_leaked"] = open_fds() - fds
real_fork = os.fork
def no_fork():
    raise BlockingIOError(11, "Resource temporarily unavailable")
os.fork = no_fork
out["fork_fails"] = workers.start(where).result() == parent
os.fork = real_fork
stop = threading.Event()
thread = threading.Thread(target=stop.wait)
thread.start()
out["with_a_thread"] = workers.available() or workers.start(where).result() != parent
stop.set(); thread.join()
print(json.dumps(out))
"""


@needs_two_cores
def test_a_failed_child_or_fork_is_redone_here_and_nothing_is_left_behind():
    result = _python(_PROBE)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {"available": True, "child": True, "not_forked": True, "fails_in_child": "done here",
                   "dies_in_child": "done here", "error": "a real error", "children_left": False,
                   "fds_leaked": 0, "fork_fails": True, "with_a_thread": False}
    # Each failed child is reported (with the child's traceback when it raised), then redone here.
    assert result.stderr.count("the worker process failed") == 3
    assert "RuntimeError: only in the child" in result.stderr


def test_papershelf_workers_1_keeps_everything_in_one_process():
    result = _python(_PROBE, workers="1")
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["available"] is False and out["child"] is False
    assert out["fails_in_child"] == "done here" and out["error"] == "a real error"


def test_workers_code_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "PAPERSHELF_WORKERS" in readme
