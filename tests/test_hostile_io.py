"""Hostile files and faults, round two (issue 16): files, I/O and interruptions.

* Item 1: inputs are read only from regular files inside the project (no symbolic links, named
  pipes, devices, or paths leaving the project), whoever reads them.
* Item 3: `generate --out` killed with SIGKILL at any moment; the next run converges.
* Item 4: written files follow the umask; a rewritten file keeps its mode.
* Item 7: `add` refuses what the manifest would refuse, and is all or nothing.
* Item 10: a read-only or full disk is `Error: PATH: reason`, exit code 1, no traceback.

Faults are injected into a real `papershelf` process by FAULTS below: it patches the `os`
functions that write (open for writing, write, fsync, fchmod, replace, rename, link, unlink,
rmdir, mkdir), counts their calls on paths under one folder, and kills the process at the Nth
(SIGKILL, no clean-up runs) or makes them fail with an errno.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT, copy_project, mkdocs_build, papershelf

PASSWD = Path("/etc/passwd")
SECRET = "root:x:0:0"  # the first line of /etc/passwd
REFUSED = "not a regular file inside the project ({why}); refusing to read it"
DISTILBERT = "distilbert-a-distilled-version-of-bert-smaller-faster-cheaper-and-lighter"
RETRIEVER = "end-to-end-training-of-neural-retrievers-for-open-domain-question-answering"

FAULTS = r'''
import errno, os, runpy, signal, sys

UNDER = os.path.realpath(os.environ["FAULT_UNDER"])
KILL_AT = int(os.environ.get("FAULT_KILL_AT", "0"))
ERRNO = os.environ.get("FAULT_ERRNO")
OPS = set(filter(None, os.environ.get("FAULT_OPS", "").split(",")))
COUNT = os.environ.get("FAULT_COUNT")
seen = [0]


def where(path=None, fd=None, dir_fd=None):
    try:
        if fd is not None:
            return os.readlink(f"/proc/self/fd/{fd}")
        path = os.fsdecode(path)
        if dir_fd is not None and not os.path.isabs(path):
            return os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path)
        return os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(path))), os.path.basename(path))
    except (OSError, TypeError):
        return ""


def hit(op, path):
    if not (path == UNDER or path.startswith(UNDER + "/")):
        return
    if ERRNO and (not OPS or op in OPS):
        code = getattr(errno, ERRNO)
        raise OSError(code, os.strerror(code), path)
    seen[0] += 1
    if seen[0] == KILL_AT:
        os.kill(os.getpid(), signal.SIGKILL)


def patch(name, locate, writes=lambda *a, **k: True):
    real = getattr(os, name)

    def patched(*args, **kwargs):
        if writes(*args, **kwargs):
            hit(name, locate(*args, **kwargs))
        return real(*args, **kwargs)

    setattr(os, name, patched)


WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
patch("open", lambda path, flags, *a, dir_fd=None, **k: where(path, dir_fd=dir_fd),
      lambda path, flags, *a, **k: flags & WRITE_FLAGS)
patch("write", lambda fd, data: where(fd=fd))
patch("fsync", lambda fd: where(fd=fd))
patch("fchmod", lambda fd, mode: where(fd=fd))
patch("replace", lambda src, dst, **k: where(dst, dir_fd=k.get("dst_dir_fd")))
patch("rename", lambda src, dst, **k: where(dst, dir_fd=k.get("dst_dir_fd")))
patch("link", lambda src, dst, **k: where(dst, dir_fd=k.get("dst_dir_fd")))
patch("unlink", lambda path, *, dir_fd=None: where(path, dir_fd=dir_fd))
patch("rmdir", lambda path, *, dir_fd=None: where(path, dir_fd=dir_fd))
patch("mkdir", lambda path, *a, dir_fd=None, **k: where(path, dir_fd=dir_fd))

sys.argv = ["papershelf", *sys.argv[1:]]
try:
    runpy.run_module("generator", run_name="__main__", alter_sys=True)
finally:
    if COUNT:
        with open(COUNT, "w") as handle:
            handle.write(str(seen[0]))
'''


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def _env(**extra: str) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), **extra)


def _start(args: list[str], cwd: Path, faults: Path | None = None, umask: int | None = None,
           **fault_env: str) -> subprocess.Popen:
    """`papershelf ARGS` (through FAULTS when given), started without waiting."""
    program = [sys.executable, str(faults)] if faults else [sys.executable, "-m", "generator"]
    return subprocess.Popen([*program, *args], cwd=cwd, env=_env(**fault_env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)  # noqa: PLW1509


PARALLEL = 6  # processes at once (each imports scikit-learn: about 2 s and 150 MB)


def _wait(starts: list) -> list[subprocess.CompletedProcess]:
    """Run `starts` (each a function starting a process), PARALLEL at a time; results in order."""
    results: list = [None] * len(starts)
    running: list[tuple[int, subprocess.Popen]] = []
    pending = list(enumerate(starts))
    while pending or running:
        while pending and len(running) < PARALLEL:
            index, start = pending.pop(0)
            running.append((index, start()))
        index, proc = running.pop(0)
        out, err = proc.communicate(timeout=600)
        results[index] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return results


def _later(*args, **kwargs):
    return lambda: _start(*args, **kwargs)


def _run(args: list[str], cwd: Path, faults: Path | None = None, **kw) -> subprocess.CompletedProcess:
    return _wait([_later(args, cwd, faults, **kw)])[0]


@pytest.fixture
def faults(tmp_path: Path) -> Path:
    path = tmp_path / "faults.py"
    path.write_text(FAULTS, encoding="utf-8")
    return path


def _tree(folder: Path) -> dict[str, object]:
    """Every entry under `folder` (hidden ones too): file bytes and mode, folders, links."""
    tree: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            st = path.lstat()
            rel = path.relative_to(folder).as_posix()
            if stat.S_ISDIR(st.st_mode):
                tree[rel + "/"] = stat.S_IMODE(st.st_mode)
            elif stat.S_ISREG(st.st_mode):
                tree[rel] = (path.read_bytes(), stat.S_IMODE(st.st_mode))
            else:
                tree[rel] = ("other", st.st_mode)
    return tree


def _differences(got: dict, want: dict) -> list[str]:
    return sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))[:20]


def _no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]


# --------------------------------------------------------------------------------------------
# Item 1: inputs are regular files inside the project
# --------------------------------------------------------------------------------------------

def _manifest_add(project: Path, name: str) -> None:
    with (project / "seeds" / "sources.yml").open("a", encoding="utf-8") as handle:
        handle.write(f"- file: {name}\n  title: Leak\n  captured: 2026-11-22\n")


def _attack(project: Path, case: str) -> tuple[str, str]:
    """Plant `case` in `project`; return (file as the message names it, why it is refused)."""
    seeds = project / "seeds"
    if case == "unlisted-link":
        (seeds / "leak.txt").symlink_to(PASSWD)
        return "seeds/leak.txt", "a symbolic link"
    if case == "listed-link":
        (seeds / "leak.txt").symlink_to(PASSWD)
        _manifest_add(project, "leak.txt")
        return "seeds/leak.txt", "a symbolic link"
    if case == "link-inside-project":  # a link is refused even when it points inside the project
        (seeds / "again.txt").symlink_to(seeds / "000_497d3d275a8de861.txt")
        return "seeds/again.txt", "a symbolic link"
    if case == "bib-link":
        (seeds / "leak.bib").symlink_to(PASSWD)
        _manifest_add(project, "leak.bib")
        return "seeds/leak.bib", "a symbolic link"
    if case == "papers-yml-link":
        (seeds / "papers.yml").symlink_to(PASSWD)
        return "seeds/papers.yml", "a symbolic link"
    if case == "dangling-link":
        (seeds / "gone.txt").symlink_to(project / "nowhere.txt")
        return "seeds/gone.txt", "a symbolic link"
    if case == "fifo":
        os.mkfifo(seeds / "pipe.txt")  # reading it would block forever
        _manifest_add(project, "pipe.txt")
        return "seeds/pipe.txt", "a named pipe"
    if case == "device":
        os.mknod(seeds / "dev.txt", 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers
        return "seeds/dev.txt", "a device"
    if case == "folder-named-like-a-capture":
        (seeds / "folder.txt").symlink_to(ROOT / "docs")
        return "seeds/folder.txt", "a symbolic link"
    if case == "seeds-folder-link":
        shutil.move(seeds, project / "elsewhere")
        seeds.symlink_to(project / "elsewhere")
        return "seeds/sources.yml", "seeds is a symbolic link"
    if case == "metadata.yml":  # the lock file `papershelf enrich` writes
        (seeds / "metadata.yml").symlink_to(PASSWD)
        return "seeds/metadata.yml", "a symbolic link"
    if case in ("sources.yml", "tags.yml", "curation.yml"):
        path = seeds / case if case == "sources.yml" else project / case
        real = project / f"real-{case}"
        shutil.move(path, real)
        path.symlink_to(real)
        label = f"seeds/{case}" if case == "sources.yml" else case
        return label, "a symbolic link"
    raise AssertionError(case)


ATTACKS = ["unlisted-link", "listed-link", "link-inside-project", "bib-link", "papers-yml-link", "dangling-link",
           "fifo", "device", "folder-named-like-a-capture", "seeds-folder-link", "sources.yml", "tags.yml",
           "curation.yml", "metadata.yml"]


def test_an_input_that_is_not_a_regular_file_in_the_project_is_refused_by_name(tmp_path):
    """check for every attack, export and generate --out too for three (run side by side)."""
    runs = []
    for case in ATTACKS:
        if case == "device" and os.geteuid() != 0:
            continue  # mknod needs root
        project = copy_project(tmp_path / case / "project")
        label, why = _attack(project, case)
        out = tmp_path / case / "out"
        commands = [("check", [])]
        if case in ("unlisted-link", "listed-link", "tags.yml"):  # every command reads through the same code
            commands += [("export", []), ("generate", ["--out", str(out)])]
        procs = [_later([command, *extra], project) for command, extra in commands]
        runs.append((case, label, why, out, procs))
    results = iter(_wait([start for *_, procs in runs for start in procs]))
    for case, label, why, out, procs in runs:
        for result in [next(results) for _ in procs]:
            assert result.returncode == 1, (case, result.args, result.stderr[-2000:])
            _no_traceback(result)
            assert f"Error: {label}: {REFUSED.format(why=why)}" in result.stderr, (case, result.stderr[-2000:])
            assert SECRET not in result.stdout + result.stderr
        assert not out.exists() or SECRET not in "".join(
            p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


def test_a_listed_link_fails_the_strict_mkdocs_build_and_publishes_nothing(tmp_path):
    project = copy_project(tmp_path / "project")
    label, why = _attack(project, "listed-link")
    site = tmp_path / "site"
    result = mkdocs_build(project, site)
    assert result.returncode != 0
    assert f"{label}: {REFUSED.format(why=why)}" in result.stderr
    assert not site.exists() or SECRET not in "".join(
        p.read_text(errors="replace") for p in site.rglob("*") if p.is_file())


def test_generate_out_refuses_a_link_in_docs_or_overrides(tmp_path):
    procs = []
    for folder in ("docs", "overrides"):
        project = copy_project(tmp_path / folder / "project")
        (project / folder / "leak.md").symlink_to(PASSWD)
        (project / folder / "linked-folder").symlink_to(ROOT / "docs")  # os.walk would skip it silently
        procs.append((folder, tmp_path / folder / "out",
                      _later(["generate", "--out", str(tmp_path / folder / "out")], project)))
    for (folder, out, _), result in zip(procs, _wait([start for *_, start in procs])):
        assert result.returncode == 1
        _no_traceback(result)
        assert REFUSED.format(why="a symbolic link") in result.stderr
        assert f"{folder}/leak.md" in result.stderr or f"{folder}/linked-folder" in result.stderr
        assert not out.exists()


def test_every_reader_and_loader_refuses_links_pipes_and_escapes(tmp_path):
    """In-process: the readers called directly, the YAML loaders through InputPath, open_input."""
    from generator.errors import PapershelfError
    from generator.inputs import UnsafeInput, input_path, open_input
    from generator.sources import READERS
    from generator.taxonomy import load_taxonomy
    from generator.yamlio import load_file

    root = tmp_path / "project"
    (root / "seeds").mkdir(parents=True)
    (root / "seeds" / "link.txt").symlink_to(PASSWD)
    os.mkfifo(root / "seeds" / "pipe.txt")
    (root / "tags.yml").symlink_to(ROOT / "tags.yml")
    (root / "real").mkdir()
    (root / "real" / "ok.txt").write_text("fine\n")
    (root / "linked").symlink_to(root / "real")
    for read in READERS.values():
        for bad in ("link.txt", "pipe.txt"):
            with pytest.raises(UnsafeInput, match="refusing to read it"):
                read(root / "seeds" / bad, None)  # a pipe would block: refused before it is opened
    with pytest.raises(UnsafeInput, match=r"tags\.yml: .*\(a symbolic link\)"):
        load_taxonomy(input_path(root / "tags.yml", root))
    with pytest.raises(UnsafeInput):
        load_file(input_path(root / "seeds" / "pipe.txt", root))
    assert open_input(root / "real" / "ok.txt", root).read() == b"fine\n"
    with pytest.raises(UnsafeInput, match=r"linked/ok\.txt: .*\(linked is a symbolic link\)"):
        open_input(root / "linked" / "ok.txt", root)
    with pytest.raises(UnsafeInput, match="leaves the project"):
        open_input(root / "real" / ".." / "real" / "ok.txt", root)
    with pytest.raises(UnsafeInput, match="outside the project"):
        open_input(PASSWD, root)
    with pytest.raises(UnsafeInput, match=r"\(a folder\)"):
        open_input(root / "real", root)
    with pytest.raises(FileNotFoundError):  # missing is missing, as for open()
        open_input(root / "seeds" / "nothing.txt", root)
    assert issubclass(UnsafeInput, PapershelfError)  # shown as `Error: file: ...`, never a traceback


# --------------------------------------------------------------------------------------------
# Item 3: generate --out killed at any moment
# --------------------------------------------------------------------------------------------

def _edit(project: Path, version: str) -> None:
    """Inputs B and C: titles shown on many pages change, papers disappear (stale pages)."""
    tags = project / "tags.yml"
    curation = project / "curation.yml"
    if version == "B":
        tags.write_text(tags.read_text().replace("title: Retrieval & RAG", "title: Retrieval and RAG", 1))
        curation.write_text(curation.read_text().replace(
            "papers:\n", f"papers:\n  {RETRIEVER}:\n    hidden: true\n", 1))
    elif version == "C":
        tags.write_text(tags.read_text().replace("title: Distillation\n", "title: Distilling knowledge\n", 1))
        curation.write_text(curation.read_text().replace(
            "    status: must-read\n", "    status: must-read\n    hidden: true\n", 1))
    else:
        raise AssertionError(version)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Projects A, B and C, and the tree a clean `generate --out` writes for each (side by side)."""
    base = tmp_path_factory.mktemp("generated")
    projects = {}
    for version in "ABC":
        projects[version] = copy_project(base / version / "project")
        if version != "A":
            _edit(projects[version], version)
    outs = {version: base / version / "out" for version in "ABC"}
    results = _wait([_later(["generate", "--out", str(outs[v])], projects[v]) for v in "ABC"])
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
    return projects, {version: _tree(outs[version]) for version in "ABC"}, outs


def _counted(faults: Path, project: Path, out: Path, tmp_path: Path) -> int:
    """How many counted writes `generate --out` makes into `out` (as it is now)."""
    count = tmp_path / "count"
    trial = tmp_path / "trial"
    if out.exists():
        shutil.copytree(out, trial, symlinks=True)
    result = _run(["generate", "--out", str(trial)], project, faults, FAULT_UNDER=str(trial),
                  FAULT_COUNT=str(count))
    assert result.returncode == 0, result.stderr[-2000:]
    return int(count.read_text())


@pytest.mark.slow  # 20 killed runs and 20 reruns: about two minutes
@pytest.mark.parametrize("start", ["empty", "previous"])
def test_generate_killed_at_10_random_moments_converges_on_the_next_run(tmp_path, faults, generated, start):
    """SIGKILL at 10 random counted writes of a real `generate --out` (into an empty folder, or
    over the tree of the previous inputs); each next run gives exactly what a clean run gives:
    same files, bytes and modes, no temporary files, no backup folders, nothing left alone."""
    projects, trees, outs = generated
    before = outs["A"] if start == "previous" else None
    total = _counted(faults, projects["B"], before or tmp_path / "none", tmp_path)
    assert total > 100
    moments = sorted(random.Random(16 + total).sample(range(1, total + 1), 10))
    procs = []
    for moment in moments:
        out = tmp_path / f"out-{moment}"
        if before:
            shutil.copytree(before, out, symlinks=True)
        procs.append(_later(["generate", "--out", str(out)], projects["B"], faults, FAULT_UNDER=str(out),
                            FAULT_KILL_AT=str(moment)))
    for moment, result in zip(moments, _wait(procs)):
        assert result.returncode == -signal.SIGKILL, (moment, result.stderr[-2000:])
    reruns = _wait([_later(["generate", "--out", str(tmp_path / f"out-{m}")], projects["B"]) for m in moments])
    for moment, result in zip(moments, reruns):
        assert result.returncode == 0, (moment, result.stderr[-2000:])
        assert ", 0 left alone" in result.stdout, (moment, result.stdout, result.stderr[-2000:])
        got = _tree(tmp_path / f"out-{moment}")
        assert got == trees["B"], (moment, _differences(got, trees["B"]))


def test_after_a_killed_generate_changed_inputs_still_rewrite_every_file(tmp_path, faults, generated):
    """The issue's case: killed at its 300th write, then the inputs change: the next run owns
    every file the killed run wrote ("299 left alone" forever before)."""
    projects, trees, outs = generated
    out = tmp_path / "out"
    shutil.copytree(outs["A"], out)
    killed = _run(["generate", "--out", str(out)], projects["B"], faults, FAULT_UNDER=str(out), FAULT_KILL_AT="300")
    assert killed.returncode == -signal.SIGKILL
    assert any(".papershelf-backup-" in p.name or p.name.endswith(".tmp") for p in out.rglob(".*"))
    result = _run(["generate", "--out", str(out)], projects["C"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert ", 0 left alone" in result.stdout, result.stderr[-3000:]
    assert _tree(out) == trees["C"], _differences(_tree(out), trees["C"])


def test_a_second_writer_into_the_same_folder_is_refused(tmp_path):
    from generator.errors import PapershelfError
    from generator.write import locked, write_tree

    out = tmp_path / "out"
    out.mkdir()
    with locked(out), pytest.raises(PapershelfError, match="another papershelf command is writing here"):
        write_tree(out, {"index.md": "home"})
    assert list(out.iterdir()) == []
    write_tree(out, {"index.md": "home"})
    assert (out / "index.md").read_text() == "home"


def test_an_output_that_is_a_pipe_or_link_is_left_alone_not_read(tmp_path):
    from generator.write import write_tree

    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "pipe.md")  # reading it to compare would block
    (out / "link.md").symlink_to(tmp_path / "elsewhere.md")
    report = write_tree(out, {"pipe.md": "a", "link.md": "b", "index.md": "c"})
    kept = {Path(p.file).name: p.message for p in report.kept}
    assert kept == {"pipe.md": "is not a regular file; left alone", "link.md": "is not a regular file; left alone"}
    assert not (tmp_path / "elsewhere.md").exists() and (out / "index.md").read_text() == "c"


# --------------------------------------------------------------------------------------------
# Item 4: modes follow the umask
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_written_files_follow_the_umask_and_rewritten_ones_keep_their_mode(tmp_path, umask):
    project = copy_project(tmp_path / "project")
    os.chmod(project / "seeds" / "sources.yml", 0o640)
    out = tmp_path / "out"
    capture = tmp_path / "005_new.txt"
    capture.write_text(_small_capture(), encoding="utf-8")
    add = _run(["add", str(capture), "--captured", "2026-11-20"], project, umask=umask)
    generate = _run(["generate", "--out", str(out)], project, umask=umask)
    assert generate.returncode == 0 and add.returncode == 0, generate.stderr[-2000:] + add.stderr[-2000:]
    modes = _tree(out)
    assert {rel: (v if rel.endswith("/") else v[1]) for rel, v in modes.items()} == {
        rel: (0o777 if rel.endswith("/") else 0o666) & ~umask for rel in modes}
    assert stat.S_IMODE((project / "seeds" / "005_new.txt").stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE((project / "seeds" / "sources.yml").stat().st_mode) == 0o640  # kept
    # A rewritten file keeps the mode someone gave it.
    os.chmod(out / "mkdocs.yml", 0o604)
    nav = (out / "mkdocs.yml").read_text()
    _edit(project, "B")
    again = _run(["generate", "--out", str(out)], project, umask=umask)
    assert again.returncode == 0 and ", 0 left alone" in again.stdout, again.stderr[-2000:]
    assert (out / "mkdocs.yml").read_text() != nav  # rewritten (a theme title in the nav changed)
    assert stat.S_IMODE((out / "mkdocs.yml").stat().st_mode) == 0o604


# --------------------------------------------------------------------------------------------
# Item 7: add refuses what the manifest refuses, all or nothing
# --------------------------------------------------------------------------------------------

def _small_capture() -> str:
    lines = (ROOT / "tests/data/golden/line_layout.txt").read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[:4] + ["A Brand New Paper: Title", "Its abstract, short."]) + "\n"


BAD_NAMES = [".hidden.txt", "tab\there.txt", "new\nline.txt", "bell\x07.txt", b"caf\xe9-latin1.txt",
             "sources.yml"]


def test_add_refuses_every_name_the_manifest_would_refuse_and_writes_nothing(tmp_path):
    from generator.manifest import check_manifest, file_name_problem
    from generator.yamlio import load_text

    project = copy_project(tmp_path / "project")
    seeds_before = _tree(project / "seeds")
    procs = []
    for number, name in enumerate(BAD_NAMES):
        folder = tmp_path / f"in-{number}"
        folder.mkdir()
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
        path.write_text(_small_capture(), encoding="utf-8")
        text = os.fsdecode(name)
        why = file_name_problem(text)
        assert why is not None, name  # the manifest's own rule refuses it...
        problems: list = []
        data, _ = load_text(json.dumps([{"file": text, "title": "t", "captured": "2026-11-20"}]), "m")
        check_manifest(data, "m", [text], "seeds", problems)
        assert problems or data is None, name  # ...and the manifest check as a whole (if YAML can hold it)
        procs.append((name, why, _later(["add", str(path), "--captured", "2026-11-20"], project)))
    for (name, why, _), result in zip(procs, _wait([start for *_, start in procs])):
        assert result.returncode == 1, (name, result.stdout, result.stderr)
        _no_traceback(result)
        if name != "sources.yml":
            assert why.split(":")[0] in result.stderr, (name, result.stderr)
    assert _tree(project / "seeds") == seeds_before
    check = papershelf("check", "--root", str(project))
    assert check.returncode == 0, check.stderr[-2000:]


def _seeds_project(tmp_path: Path, name: str) -> Path:
    """A project folder with a small seeds/ (all `add` reads): one real capture, a manifest."""
    seeds = tmp_path / name / "seeds"
    seeds.mkdir(parents=True)
    shutil.copy2(ROOT / "tests/data/golden/block_layout_plain.txt", seeds / "000_plain.txt")
    (seeds / "sources.yml").write_text("# the manifest\n- file: 000_plain.txt\n  title: Plain\n"
                                       "  captured: 2025-12-17\n", encoding="utf-8")
    return seeds.parent


def test_add_on_a_full_disk_leaves_nothing_at_any_step_and_a_retry_completes(tmp_path, monkeypatch):
    """ENOSPC at each write step of `add` in turn (os.open for writing, write, fsync, fchmod,
    link, replace, mkdir): nothing changes; the retry then adds the capture."""
    from generator.add import add_capture

    capture = tmp_path / "005_new.txt"
    capture.write_text(_small_capture(), encoding="utf-8")
    clean = _seeds_project(tmp_path, "clean")
    add_capture(clean / "seeds", capture, "My list", date(2026, 11, 20))
    want = _tree(clean / "seeds")

    steps = ["open", "write", "fsync", "fchmod", "link", "replace", "mkdir"]
    real = {name: getattr(os, name) for name in steps}
    failing = [0]
    calls = [0]

    def faulty(name):
        def call(*args, **kwargs):
            if name == "open" and not args[1] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                return real[name](*args, **kwargs)
            calls[0] += 1
            if calls[0] == failing[0]:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real[name](*args, **kwargs)
        return call

    for name in steps:
        monkeypatch.setattr(os, name, faulty(name))
    step = failures = 0
    while True:
        step += 1
        project = _seeds_project(tmp_path, f"step-{step}")
        before = _tree(project / "seeds")
        calls[0], failing[0] = 0, step
        try:
            add_capture(project / "seeds", capture, "My list", date(2026, 11, 20))
        except OSError as exc:
            assert exc.errno == errno.ENOSPC and exc.filename, exc
            assert _tree(project / "seeds") == before, (step, _differences(_tree(project / "seeds"), before))
            failures += 1
            failing[0] = 0
            add_capture(project / "seeds", capture, "My list", date(2026, 11, 20))  # the retry
        else:  # a failure it could do without (mkdir of a folder that exists), or none at all
            if calls[0] < step:
                break
        assert _tree(project / "seeds") == want, step
    assert failures > 6


def test_add_killed_at_10_random_moments_converges_on_the_next_run(tmp_path, faults):
    capture = tmp_path / "005_new.txt"
    capture.write_text(_small_capture(), encoding="utf-8")
    args = ["add", str(capture), "--title", "My list", "--captured", "2026-11-20"]
    clean = _seeds_project(tmp_path, "clean")
    count = tmp_path / "count"
    first = _run(args, clean, faults, FAULT_UNDER=str(clean / "seeds"), FAULT_COUNT=str(count))
    assert first.returncode == 0, first.stderr[-2000:]
    want = _tree(clean / "seeds")
    total = int(count.read_text())
    moments = sorted(random.Random(7).sample(range(1, total + 1), min(10, total)))
    assert len(moments) == 10
    projects = [_seeds_project(tmp_path, f"kill-{m}") for m in moments]
    killed = _wait([_later(args, p, faults, FAULT_UNDER=str(p / "seeds"), FAULT_KILL_AT=str(m))
                    for p, m in zip(projects, moments)])
    for moment, result in zip(moments, killed):
        assert result.returncode == -signal.SIGKILL, (moment, result.stderr[-2000:])
    reruns = _wait([_later(args, p) for p in projects])
    for moment, project, result in zip(moments, projects, reruns):
        _no_traceback(result)
        # 0: added (or the interrupted add finished); 1 only if the killed run had finished already
        assert result.returncode == 0 or "already exists" in result.stderr, (moment, result.stderr[-2000:])
        got = _tree(project / "seeds")
        assert got == want, (moment, _differences(got, want))


def test_an_interrupted_add_is_finished_by_the_same_add_not_refused(tmp_path):
    """Killed between the capture and the manifest: the capture is read (with a warning), and
    the same `add` again lists it instead of answering "already exists"."""
    from generator.add import add_capture

    capture = tmp_path / "005_new.txt"
    capture.write_text(_small_capture(), encoding="utf-8")
    clean = _seeds_project(tmp_path, "clean")
    want = add_capture(clean / "seeds", capture, "My list", date(2026, 11, 20))
    project = _seeds_project(tmp_path, "p")
    shutil.copy2(capture, project / "seeds" / capture.name)  # as a kill after the link leaves it
    report = add_capture(project / "seeds", capture, "My list", date(2026, 11, 20))
    assert report.resumed and not want.resumed
    assert (report.new, report.known) == (want.new, want.known)  # the same report as a clean add
    assert _tree(project / "seeds") == _tree(clean / "seeds")
    other = tmp_path / "other" / capture.name  # another file of that name is still refused
    other.parent.mkdir()
    other.write_text(_small_capture() + "Another Title\nAnother abstract.\n", encoding="utf-8")
    (project / "seeds" / "sources.yml").write_text((clean / "seeds" / "sources.yml").read_text().split("- file: 005")[0])
    from generator.errors import PapershelfError

    with pytest.raises(PapershelfError, match="already exists"):
        add_capture(project / "seeds", other, "Mine", date(2026, 11, 20))


# --------------------------------------------------------------------------------------------
# Item 10: a read-only or full disk is an error, not a traceback
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code,ops", [("EROFS", ""), ("ENOSPC", "write")])
def test_a_read_only_or_full_disk_is_an_error_naming_the_file(tmp_path, faults, generated, code, ops):
    """generate --out (fresh and over a previous tree, which stays intact), add and build."""
    _, trees, outs = generated
    project = copy_project(tmp_path / "project")
    reason = os.strerror(getattr(errno, code))
    fresh, previous, site = tmp_path / "fresh", tmp_path / "previous", tmp_path / "site"
    shutil.copytree(outs["A"], previous)
    _edit(project, "B")
    capture = tmp_path / "005_new.txt"
    capture.write_text(_small_capture(), encoding="utf-8")
    seeds_before = _tree(project / "seeds")
    runs = [
        (["generate", "--out", str(fresh)], fresh, fresh),
        (["generate", "--out", str(previous)], previous, previous),
        (["add", str(capture), "--captured", "2026-11-20"], project / "seeds", project / "seeds"),
        (["build", "-d", str(site)], site, site),
    ]
    if code == "EROFS":
        fresh.mkdir()  # a read-only folder that exists
    results = _wait([_later(args, project, faults, FAULT_UNDER=str(under), FAULT_ERRNO=code, FAULT_OPS=ops)
                     for args, under, _ in runs])
    for (args, _, folder), result in zip(runs, results):
        assert result.returncode == 1, (args, result.stdout, result.stderr[-3000:])
        _no_traceback(result)
        lines = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
        assert len(lines) == 1 and lines[0].endswith(f": {reason}"), (args, result.stderr[-2000:])
        named = Path(lines[0].removeprefix("Error: ").removesuffix(f": {reason}"))
        assert (project / named).is_relative_to(folder), (args, lines)  # the file (relative to the project)
    assert _tree(previous) == trees["A"]  # the previous tree, byte for byte
    assert _tree(project / "seeds") == seeds_before


def test_export_to_a_full_disk_is_an_error(tmp_path):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "generator", "export"], cwd=ROOT, env=_env(), check=False,
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=600)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["Error: <stdout>: No space left on device"], result.stderr[-2000:]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permissions; the fault tests above cover it")
def test_a_read_only_output_folder_is_an_error(tmp_path):  # pragma: no cover  (runs as a normal user)
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        result = papershelf("generate", "--out", str(out))
    finally:
        out.chmod(0o755)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Permission denied" in result.stderr


def test_generate_out_reports_a_mkdocs_yml_nested_too_deep_without_a_traceback(project, tmp_path):
    """generate --out reads mkdocs.yml itself: 1,200 levels of nesting are a problem, not a crash."""
    from conftest import papershelf

    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "extra_deep: " + "[" * 1200 + "]" * 1200 + "\n",
                      encoding="utf-8")
    result = papershelf("generate", "--out", str(tmp_path / "out"), "--root", str(project))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "mkdocs.yml" in result.stderr
