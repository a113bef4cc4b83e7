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

# Counts the generator's forks (`forks`); `unreaped()` lists the children it did not reap.
_COUNTING_FORKS = """
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
def unreaped():
    left = []
    for pid in forks:
        try:
            os.waitpid(pid, os.WNOHANG)
            left.append(pid)  # still a child of ours: it was not reaped
        except ChildProcessError:
            pass
    return left
"""

# Builds the site of the project in argv[1] and prints a digest of every page and search
# entry, how many times the generator forked, and whether every child was reaped.
_BUILD = _COUNTING_FORKS + """
import generator.site
if len(sys.argv) > 2 and sys.argv[2] != "-":
    generator.site.PARALLEL_MIN = int(sys.argv[2])
if len(sys.argv) > 3 and sys.argv[3] == "reading":  # the process parsing half the captures dies
    real_read = generator.site._read_jobs
    generator.site._read_jobs = lambda link, jobs: os._exit(9) if link is not None else real_read(link, jobs)
elif len(sys.argv) > 3 and sys.argv[3] == "splitting":  # the process splitting the words dies
    generator.site._split_side = lambda link, texts: os._exit(9)
elif len(sys.argv) > 3 and sys.argv[3] == "cramped":  # little room for the partners' words and pages
    generator.site._text_room = lambda papers: 200_000
    generator.site._word_room = lambda texts: 1000
    generator.site._classes_room = lambda shown, curation: 16
elif len(sys.argv) > 3:  # the partner dies "early" (before posting related papers) or "late"
    real_side = generator.site._partner_side
    def dying_side(link, inputs):
        if sys.argv[3] == "early":
            os._exit(9)
        real_side(link, inputs)
        os._exit(9)
    generator.site._partner_side = dying_side
site = generator.site.build_site(Path(sys.argv[1]))
digest = hashlib.sha256()
for name, text in [*site.pages.items(), *site.search.items()]:
    digest.update(name.encode() + b"\\0" + text.encode() + b"\\0")
digest.update(repr(site.nav()).encode() + repr(site.all_papers).encode())
print(json.dumps({"digest": digest.hexdigest(), "pages": len(site.pages), "forks": len(forks),
                  "unreaped": unreaped()}))
"""


def _python(code: str, *args: str, workers: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PAPERSHELF_WORKERS", None)
    if workers is not None:
        env["PAPERSHELF_WORKERS"] = workers
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          timeout=600)


def _build(project: Path, workers: str | None, parallel_min: int | None = None,
           partner_dies: str | None = None) -> dict:
    args = [str(project), "-" if parallel_min is None else str(parallel_min)]
    result = _python(_BUILD, *args, *([partner_dies] if partner_dies else []), workers=workers)
    assert result.returncode == 0, result.stderr[-3000:]
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "stderr": result.stderr}


def _two_cores() -> bool:
    return sys.platform == "linux" and len(os.sched_getaffinity(0)) >= 2


needs_two_cores = pytest.mark.skipif(not _two_cores(), reason="forks only with a second core on Linux")


@pytest.fixture(scope="module")
def synthetic_project(tmp_path_factory) -> Path:
    """2,600 distinct papers made from the seeds' text (bench/synth.py): above PARALLEL_MIN."""
    project = tmp_path_factory.mktemp("workers") / "synth"
    _synth().make_project(project, 2600)
    return project


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """The hostile captures of test_hostile.py: lone surrogates, bidi overrides, markup in titles."""
    from test_hostile import hostile_project

    return hostile_project(tmp_path_factory.mktemp("workers") / "hostile")


@pytest.fixture(scope="module")
def curated(tmp_path_factory) -> Path:
    """The seeds with every kind of curator's edit: tags added and removed, a theme pinned, a
    paper hidden, notes and statuses (what the partner is told rather than works out)."""
    import shutil

    import yaml
    from generator.site import load_project

    project = tmp_path_factory.mktemp("workers") / "curated"
    shutil.copytree(ROOT / "seeds", project / "seeds")
    shutil.copy(ROOT / "tags.yml", project / "tags.yml")
    papers, _sources, taxonomy, _curation, _problems = load_project(ROOT)
    tags = [tag.slug for tag in taxonomy.tags]
    tagged = [paper for paper in papers if len(paper.tags) >= 2]
    edits = {
        tagged[0].slug: {"tags_add": tags[-3:], "note": "A *note* with <markup> & more", "status": "must-read"},
        tagged[1].slug: {"tags_remove": [tagged[1].tags[0]], "status": "reading"},
        tagged[2].slug: {"theme": taxonomy.themes[-1].slug},
        tagged[3].slug: {"hidden": True},
        tagged[4].slug: {"tags_add": [tags[0]], "tags_remove": list(tagged[4].tags[1:]), "note": "x" * 1900},
    }
    (project / "curation.yml").write_text(yaml.safe_dump({"papers": edits}), encoding="utf-8")
    return project


def test_classify_sets_only_the_fields_a_partner_is_told(curated):
    """The partner takes CLASSIFIED from this process instead of classifying itself: every
    other field of a classified paper must be the paper as read."""
    from generator.site import CLASSIFIED, load_inputs, load_project

    read = load_inputs(curated)[0]
    classified = load_project(curated)[0]
    changed = {name for before, after in zip(read, classified, strict=True)
               for name in vars(after).keys() | vars(before).keys()
               if name != "code" and vars(before).get(name) != vars(after).get(name)}
    assert changed == set(CLASSIFIED)  # each of them changes in this project, nothing else does


@needs_two_cores
@pytest.mark.parametrize("which", ["seeds", "synthetic", "hostile", "curated"])
def test_two_processes_generate_the_same_site_byte_for_byte(which, synthetic_project, hostile, curated):
    """The partner's pages come back through shared memory as UTF-8, and it never fails (it
    would do no harm to the site: this process would do its part, and say so on stderr)."""
    project = {"seeds": ROOT, "synthetic": synthetic_project, "hostile": hostile, "curated": curated}[which]
    parallel_min = None if which == "synthetic" else 0  # the others are below PARALLEL_MIN: lower it
    one = _build(project, workers="1", parallel_min=parallel_min)
    two = _build(project, workers=None, parallel_min=parallel_min)
    assert one["forks"] == 0
    # One parses half the captures; one splits the words; a partner: related papers, some pages.
    assert two["forks"] == 3
    assert two["unreaped"] == [] and "the worker process failed" not in two["stderr"]
    assert two["pages"] == one["pages"] > (20 if which == "hostile" else 700)
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
import numpy as np
from generator import workers
parent = os.getpid()
BOARD = {"up": ((3,), np.int32), "down": ((2, 2), np.int64)}
def swap(link, mode):
    if mode == "raises":
        raise RuntimeError("only in the child")
    if mode == "dies_early":
        os._exit(3)
    link.post("up", [os.getpid(), 2, 3])
    got = link.wait("down")
    if mode == "dies_late":
        os._exit(4)
    return {"pid": os.getpid(), "down": got.tolist()}
def run(mode):
    partner = workers.partner(swap, mode, board=BOARD)
    if partner is None:
        return None
    with partner:
        partner.post("down", [[1, 2], [3, 4]])
        up = partner.wait("up")
        result = partner.result()
    return {"up": None if up is None else up.tolist()[1:],
            "up_from_child": up is not None and int(up[0]) != parent,
            "result": "FAILED" if result is workers.FAILED else
                      {"down": result["down"], "from_child": result["pid"] != parent}}
out = {"available": workers.available()}
for mode in ("works", "raises", "dies_early", "dies_late"):
    out[mode] = run(mode)
def open_fds(): return len(os.listdir("/proc/self/fd"))
fds = open_fds()
waiting = workers.partner(swap, "works", board=BOARD)
if waiting is not None:
    try:
        with waiting:  # the caller fails while the child waits
            raise KeyError("the caller's own error")
    except KeyError:
        pass
try:
    os.waitpid(-1, os.WNOHANG)
    out["children_left"] = True
except ChildProcessError:
    out["children_left"] = False
out["fds_leaked"] = open_fds() - fds
fds = open_fds()
out["no_memory"] = workers.partner(swap, "works", board={"huge": ((1 << 62,), np.uint8)})
out["fds_leaked_no_memory"] = open_fds() - fds
real_fork = os.fork
def no_fork():
    raise BlockingIOError(11, "Resource temporarily unavailable")
os.fork = no_fork
out["fork_fails"] = workers.partner(swap, "works", board=BOARD)
os.fork = real_fork
stop = threading.Event()
thread = threading.Thread(target=stop.wait)
thread.start()
out["with_a_thread"] = workers.partner(swap, "works", board=BOARD)
stop.set(); thread.join()
print(json.dumps(out))
"""


@needs_two_cores
def test_a_failed_partner_is_reported_and_nothing_is_left_behind():
    result = _python(_PROBE)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    done = {"up": [2, 3], "up_from_child": True, "result": {"down": [[1, 2], [3, 4]], "from_child": True}}
    assert out == {"available": True, "works": done,
                   "raises": {"up": None, "up_from_child": False, "result": "FAILED"},
                   "dies_early": {"up": None, "up_from_child": False, "result": "FAILED"},
                   "dies_late": {"up": [2, 3], "up_from_child": True, "result": "FAILED"},
                   "children_left": False, "fds_leaked": 0, "no_memory": None, "fds_leaked_no_memory": 0,
                   "fork_fails": None, "with_a_thread": None}
    # Each failed child is reported once (with the child's traceback when it raised).
    assert result.stderr.count("the worker process failed") == 3
    assert "RuntimeError: only in the child" in result.stderr


@needs_two_cores
def test_partners_out_of_room_for_words_classes_or_pages_fall_back_to_the_one_process_way(synthetic_project):
    one = _build(synthetic_project, workers="1")
    cramped = _build(synthetic_project, workers=None, partner_dies="cramped")
    assert cramped["forks"] == 3 and "the worker process failed" not in cramped["stderr"]
    assert cramped["digest"] == one["digest"] and cramped["pages"] == one["pages"]


@needs_two_cores
@pytest.mark.parametrize("when", ["reading", "splitting", "early", "late"])
def test_a_partner_that_dies_still_gives_the_same_site(when, synthetic_project):
    """The process parsing half the captures dies, or the one splitting the words, or the
    partner dies before it posts related papers, or after, before its pages come back: this
    process does its part, and the site is the same byte for byte."""
    one = _build(synthetic_project, workers="1")
    broken = _build(synthetic_project, workers=None, partner_dies=when)
    assert broken["forks"] == 3 and broken["unreaped"] == []
    assert broken["digest"] == one["digest"] and broken["pages"] == one["pages"]
    assert broken["stderr"].count("the worker process failed") == 1


_FAILING_BUILD = _COUNTING_FORKS + """
import generator.site
from generator.errors import PapershelfError
try:
    generator.site.build_site(Path(sys.argv[1]))
    error = None
except PapershelfError as exc:
    error = str(exc)
print(json.dumps({"error": error, "forks": len(forks), "unreaped": unreaped()}))
"""


@needs_two_cores
def test_a_broken_edit_found_while_the_words_are_split_leaves_no_process_behind(synthetic_project, tmp_path):
    """curation.yml is read after the captures, when the words are already being split in a
    partner: the build stops with the error, and that partner is stopped and reaped."""
    import shutil

    project = tmp_path / "broken"
    shutil.copytree(synthetic_project, project)
    (project / "curation.yml").write_text("papers:\n  some-paper: [unclosed\n", encoding="utf-8")
    result = _python(_FAILING_BUILD, str(project))
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["error"] and "curation.yml:" in out["error"]
    assert out["forks"] == 2 and out["unreaped"] == []  # the reading partner, then the splitter


def test_papershelf_workers_1_keeps_everything_in_one_process():
    result = _python(_PROBE, workers="1")
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["available"] is False and out["works"] is None and out["dies_late"] is None


def test_workers_code_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "PAPERSHELF_WORKERS" in readme


_ORPHAN = """
import os, signal, sys, time
import numpy as np
from generator import workers
def sleeper(link):
    time.sleep(60)
partner = workers.partner(sleeper, board={"x": ((1,), np.int8)})
print(partner._pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # dies without closing the partnership
"""


@needs_two_cores
def test_a_partner_does_not_outlive_a_killed_parent(tmp_path):
    import time

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PAPERSHELF_WORKERS", None)
    with open(tmp_path / "out", "w") as out:  # a file, not a pipe: nothing waits for the child
        subprocess.run([sys.executable, "-c", _ORPHAN], stdout=out, stderr=subprocess.DEVNULL, env=env, timeout=60)
    child = int((tmp_path / "out").read_text().split()[0])
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(child, 9)
        pytest.fail("the partner kept running after its parent was killed")
