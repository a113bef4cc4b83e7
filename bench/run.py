"""papershelf benchmark: generation, `mkdocs build`, memory, page sizes, search and live reload.

    python bench/run.py                          # sizes seed,700,3000,10000, 3 runs each
    python bench/run.py --sizes 700 --runs 5     # one size
    python bench/run.py --quick                  # sizes 50,200, 1 run, no serve: well under a minute
    python bench/run.py --runs-for 10000=1       # fewer runs for the slowest size
    python bench/run.py --against HEAD~5         # this code against HEAD~5's, interleaved builds

For each size a synthetic project is made by bench/synth.py (the size "seed" is a copy of the
real project, built with --strict). Each number is the median over the runs; every run is a
fresh process, so nothing is cached between runs:

* generate_s: `build_site(project)` alone (no MkDocs), timed inside a fresh Python process after
  its imports; papers_per_s is papers / generate_s. generate_cpu_s is that process's CPU time
  (user + system) over the same span.
* build_s: wall time of `python -m mkdocs build -q` (generation included, through the hook; the
  builder is `builder_command()`: MkDocs when installed, ProperDocs otherwise); build_cpu_s and
  peak_rss_mb come from os.wait4 on that process (CPU time, user + system; peak RSS of the
  largest of it and its Pagefind processes); tree_rss_mb is the peak of all of them at once
  (sampled every 0.1 s from /proc), what the machine must hold, and what the RSS goal is read on.
* site_mb, paper_page_median_kb / paper_page_max_kb (papers/*/index.html), search_index_mb
  (Pagefind's whole pagefind/ folder, or lunr's search_index.json).
* search_first_s: from opening the home page in headless Chromium (served by http.server) to the
  first search result for a word from one abstract; search_type_s: from the last keystroke of
  that query to the results; search_warm_s: the same for a second query once the index is loaded;
  search_fetched_kb: every byte the server sent from page open to that first result (the page's
  own HTML, CSS and JS included, uncompressed: Pagefind fetches from a web worker, whose requests
  Chromium does not show the page), and search_index_fetched_kb the part of it from pagefind/. The
  engine (Pagefind or Material's lunr) is read from the built site: bench/search_probe.py.
* After the table, the budget: each goal (50,000 papers built in <= 60 s with <= 1.5 GB peak RSS,
  a site <= 1 GB, search results <= 1.5 s after page open with <= 1 MB fetched) against the
  largest size measured, and how build and generation time grow with the number of papers
  (the exponent b of time ~ papers^b, fitted over the synthetic sizes).
* serve_reload_s (seed size): `mkdocs serve` running, a tag label edited in tags.yml, until the
  tags page shows the new label; median of 3 edits in one serve process.

Results: a table on stdout, a Markdown report (default bench/RESULTS.md, or --out) and the raw
numbers as JSON (--json, default bench/out/results.json). Scratch files go to --work
(default bench/out/, gitignored).

--against REV compares two versions of the code in one run: "old" is REV's tree (exported with
`git archive`, read-only), "new" is the working tree (a snapshot taken at the start, so edits
made during the run do not leak into it; --new REV2 compares two revisions instead). For each
size (default 3000,10000; --quick: 50,200 with 1 run) one synthetic project is made, then copied
once per version: the inputs (seeds, tags.yml, curation.yml) are the same bytes on both sides,
while mkdocs.yml, overrides/, docs/ (its CSS and JS) and generator/ are each version's own. The
builds then alternate old, new, old, new... (a fresh process each, with that version's project
as its working directory and PYTHONPATH, and one SOURCE_DATE_EPOCH for the whole run), each timed
like build_s above. The report (default bench/AGAINST.md; JSON default WORK/against.json) gives
per size the medians of wall time, CPU time and peak RSS for old and new, the new/old ratios,
every run's values, and a file-by-file byte comparison of the two last sites (every file,
sitemap and feeds included; the Pagefind index by its records, as its chunk names change from run
to run): files, identical files, the first differing paths.
--normalise-generator-meta blanks `<meta name="generator" content="...">` in HTML before
comparing (for a side built by ProperDocs, whose tag names it).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import math
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import synth  # noqa: E402  (bench/synth.py, next to this file)
from search_probe import CHROMIUM, measure_search, search_index_bytes  # noqa: E402

ENV = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT))
GIT_ENV = dict(os.environ, GIT_OPTIONAL_LOCKS="0")  # read-only git: never refresh the index

# (key, header, format) of the report's table, in order.
COLUMNS = [
    ("papers", "papers", "{:d}"),
    ("runs", "runs", "{:d}"),
    ("generate_s", "generate s", "{:.2f}"),
    ("generate_cpu_s", "generate CPU s", "{:.2f}"),
    ("papers_per_s", "papers/s", "{:.0f}"),
    ("build_s", "mkdocs build s", "{:.1f}"),
    ("build_cpu_s", "build CPU s", "{:.1f}"),
    ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
    ("tree_rss_mb", "peak RSS all processes MB", "{:.0f}"),
    ("site_mb", "site MB", "{:.1f}"),
    ("pages", "pages", "{:d}"),
    ("paper_page_median_kb", "paper page median KB", "{:.1f}"),
    ("paper_page_max_kb", "paper page max KB", "{:.1f}"),
    ("search_index_mb", "search index MB", "{:.2f}"),
    ("search_first_s", "search from open s", "{:.2f}"),
    ("search_type_s", "search after typing s", "{:.2f}"),
    ("search_warm_s", "warm search s", "{:.2f}"),
    ("search_fetched_kb", "search KB fetched", "{:.0f}"),
    ("search_index_fetched_kb", "of which pagefind/ KB", "{:.0f}"),
]

_GENERATE = """
import json, resource, sys, time
from pathlib import Path
from generator.site import build_site
root = Path(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
site = build_site(root)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu_s": cpu,
                  "papers": len(site.library.papers), "pages": len(site.pages), "problems": len(site.problems),
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def builder_command() -> list[str]:
    """The command that runs the site builder: MkDocs when it is installed, ProperDocs otherwise.

    generator.builder.builder_command() decides when the project has it; this is the fallback.
    """
    try:
        from generator.builder import builder_command as project_builder_command
    except Exception:  # noqa: BLE001  (absent, or the generator is mid-edit: the same rule, here)
        project_builder_command = None
    if project_builder_command is not None:
        try:
            command = [str(part) for part in project_builder_command()]
        except Exception:  # noqa: BLE001
            command = []
        if command:
            return command
    module = "mkdocs" if importlib.util.find_spec("mkdocs") is not None else "properdocs"
    return [sys.executable, "-m", module]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ----------------------------------------------------------------------------- measurements

def measure_generate(project: Path) -> dict:
    """build_site(project) in a fresh process; seconds exclude interpreter start and imports."""
    result = subprocess.run([sys.executable, "-c", _GENERATE, str(project)], capture_output=True,
                            text=True, env=ENV, timeout=3600)
    if result.returncode != 0:
        raise RuntimeError(f"generation failed for {project}:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _tree_rss_kb(pid: int) -> int:
    """The summed resident memory (KB) of process `pid` and all its descendants, now (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # (it ended meanwhile)
    return total


def _sample_tree_rss(pid: int, peak: list[int], done: threading.Event) -> None:
    while not done.wait(0.1):
        peak[0] = max(peak[0], _tree_rss_kb(pid))


def measure_build(project: Path, site_dir: Path, strict: bool = False, env: dict | None = None,
                  cwd: Path | None = None) -> dict:
    """`mkdocs build` in its own process: wall seconds, CPU seconds, the largest process's peak
    RSS (wait4: MkDocs or one of its Pagefind processes) and the peak of the RSS of all its
    processes at once (sampled every 0.1 s: Pagefind runs while MkDocs still holds its memory)."""
    if site_dir.exists():
        shutil.rmtree(site_dir)
    args = builder_command() + ["build", "-q", "-d", str(site_dir), "-f", str(project / "mkdocs.yml")]
    if strict:
        args.append("--strict")
    err_path = site_dir.parent / f"{site_dir.name}.stderr.txt"
    with open(err_path, "w", encoding="utf-8") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, env=ENV if env is None else env,
                                cwd=cwd)
        tree_peak, done = [0], threading.Event()
        sampler = threading.Thread(target=_sample_tree_rss, args=(proc.pid, tree_peak, done), daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} build failed for {project} (exit {proc.returncode}):\n"
                           f"{err_path.read_text()[-3000:]}")
    return {"seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss,
            "tree_rss_kb": tree_peak[0]}


def site_stats(site_dir: Path) -> dict:
    total = sum(p.stat().st_size for p in site_dir.rglob("*") if p.is_file())
    pages = sum(1 for _ in site_dir.rglob("*.html"))
    paper_pages = [p.stat().st_size for p in site_dir.glob("papers/*/index.html")]
    return {
        "site_bytes": total,
        "pages": pages,
        "paper_pages": len(paper_pages),
        "paper_page_median_bytes": statistics.median(paper_pages) if paper_pages else 0,
        "paper_page_max_bytes": max(paper_pages, default=0),
        "search_index_bytes": search_index_bytes(site_dir),
    }


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return None


def measure_serve_reload(work: Path, timeout_s: float = 60, edits: int = 3) -> dict:
    """`mkdocs serve` on a copy of the real project; seconds from a tags.yml edit to the new label.

    `edits` edits in a row in one serve process; reload_s is their median, reloads_s all of them.
    """
    project = synth.copy_project(work / "serve-project", seeds=True)
    port = free_port()
    # `mkdocs serve` serves the site under site_url's path (e.g. /papershelf/).
    site_url = re.search(r"^site_url:\s*['\"]?([^'\"\s#]+)", (project / "mkdocs.yml").read_text(encoding="utf-8"),
                         re.M)
    path = urllib.parse.urlsplit(site_url.group(1)).path if site_url else "/"
    base = f"http://127.0.0.1:{port}/{path.strip('/')}/".replace("//", "/").replace("http:/", "http://")
    log_path = work / "serve.log"
    with open(log_path, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(builder_command() + ["serve", "-a", f"127.0.0.1:{port}",
                                                     "-f", str(project / "mkdocs.yml")],
                                stdout=out, stderr=subprocess.STDOUT, env=ENV)
        try:
            start = time.perf_counter()
            while _get(base + "tags/") is None:
                if proc.poll() is not None or time.perf_counter() - start > 180:
                    raise RuntimeError(f"mkdocs serve did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.25)
            startup = time.perf_counter() - start
            tags = project / "tags.yml"
            text = tags.read_text(encoding="utf-8")
            tags_part = text.index("\ntags:")
            match = re.compile(r"^(\s+label: )(.+)$", re.M).search(text, tags_part)
            reloads = []
            for edit in range(edits):  # one serve process, several edits: a median, not one sample
                marker = f"Benchmarked{int(time.time()) % 100000}x{edit}"
                new_label = f"{match.group(2).strip()} {marker}"
                time.sleep(1.5)  # let the watcher settle after the previous build
                edited = time.perf_counter()
                tags.write_text(text[:match.start(2)] + new_label + text[match.end(2):], encoding="utf-8")
                seconds = None
                while time.perf_counter() - edited < timeout_s:
                    page = _get(base + "tags/")
                    if page and marker in page:
                        seconds = time.perf_counter() - edited
                        break
                    time.sleep(0.05)
                reloads.append(seconds)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return {"startup_s": startup, "reload_s": median(reloads), "reloads_s": reloads, "timeout_s": timeout_s,
            "url": base + "tags/"}


# ----------------------------------------------------------------------------- driver

def median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def bench_size(size: str, runs: int, work: Path, browser: bool, generate: bool = True) -> dict:
    """Every measurement for one size (an int, or "seed" for the real project), medians over runs."""
    if size == "seed":
        project = synth.copy_project(work / "synth-seed", seeds=True)
        from generator.site import read_papers
        papers = read_papers(project / "seeds")[0]
        info = {"papers": len(papers), "query": synth.query_word([(p.title, p.abstract) for p in papers])}
        strict = True
    else:
        project = work / f"synth-{size}"
        info = synth.make_project(project, int(size))
        strict = False
    log(f"[{size}] project at {project}: {info['papers']} papers; {runs} run(s)")
    gens, builds, stats, searches = [], [], [], []
    for run in range(runs):
        if generate:
            gen = measure_generate(project)
            gens.append(gen)
            log(f"[{size}] run {run + 1}: generate {gen['seconds']:.2f} s ({gen['papers']} papers)")
        site_dir = work / f"site-{size}"
        build = measure_build(project, site_dir, strict=strict)
        builds.append(build)
        stats.append(site_stats(site_dir))
        if not generate:  # (the papers are those the build published)
            gens.append({"papers": stats[-1]["paper_pages"]})
        log(f"[{size}] run {run + 1}: mkdocs build {build['seconds']:.1f} s, "
            f"peak RSS {build['maxrss_kb'] / 1024:.0f} MB")
        if browser:
            search = measure_search(site_dir, info["query"])
            searches.append(search)
            log(f"[{size}] run {run + 1}: {search['engine']} search {search['first_s']:.2f} s from open, "
                f"{search['type_s']:.2f} s after typing, warm {search['warm_s']:.2f} s, "
                f"{search['fetched_bytes'] / 1000:.0f} KB fetched")
    generate_s = median([g.get("seconds") for g in gens])
    last = stats[-1]
    row = {
        "size": size,
        "papers": gens[-1]["papers"],
        "runs": runs,
        "strict": strict,
        "query": info["query"],
        "generate_s": generate_s,
        "generate_cpu_s": median([g.get("cpu_s") for g in gens]),
        "papers_per_s": gens[-1]["papers"] / generate_s if generate_s else None,
        "generate_rss_mb": (median([g.get("maxrss_kb") for g in gens]) or 0) / 1024,
        "build_s": median([b["seconds"] for b in builds]),
        "build_cpu_s": median([b["cpu_s"] for b in builds]),
        "peak_rss_mb": max(b["maxrss_kb"] for b in builds) / 1024,
        "tree_rss_mb": max(b.get("tree_rss_kb", 0) for b in builds) / 1024,
        "site_mb": last["site_bytes"] / 1e6,
        "pages": last["pages"],
        "paper_pages": last["paper_pages"],
        "paper_page_median_kb": last["paper_page_median_bytes"] / 1000,
        "paper_page_max_kb": last["paper_page_max_bytes"] / 1000,
        "search_index_mb": last["search_index_bytes"] / 1e6,
        "search_first_s": median([s["first_s"] for s in searches]),
        "search_type_s": median([s["type_s"] for s in searches]),
        "search_warm_s": median([s["warm_s"] for s in searches]),
        "search_fetched_kb": median([s.get("served_bytes", s["fetched_bytes"]) / 1000 for s in searches]),
        "search_index_fetched_kb": median([s.get("served_search_bytes", 0) / 1000 for s in searches]),
        "search_engine": searches[-1]["engine"] if searches else None,
        "all_runs": {"generate_s": [g.get("seconds") for g in gens], "generate_cpu_s": [g.get("cpu_s") for g in gens],
                     "build_s": [b["seconds"] for b in builds], "build_cpu_s": [b["cpu_s"] for b in builds],
                     "peak_rss_mb": [b["maxrss_kb"] / 1024 for b in builds], "search": searches},
    }
    return row


def git_commit() -> str:
    """HEAD's short hash, '+ local changes' when the work tree differs (the generator is edited often)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=30, env=GIT_ENV).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "generator"], cwd=ROOT,
                               capture_output=True, text=True, timeout=30, env=GIT_ENV).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + (" + local changes in generator/" if dirty else "")


def machine() -> dict:
    return {
        "commit": git_commit(),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
    }


def fmt(value, pattern: str) -> str:
    if value is None:
        return "n/a"
    if pattern.endswith("d}"):
        return pattern.format(int(value))
    return pattern.format(value)


def table(rows: list[dict]) -> str:
    header = ["size"] + [title for _key, title, _f in COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        cells = [str(row["size"])] + [fmt(row.get(key), f) for key, _title, f in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# The goals of issue 20 for 50,000 papers: (row key, limit, unit, what).
GOALS = [("build_s", 60, "s", "build wall time"),
         ("tree_rss_mb", 1500, "MB", "peak RSS of the build (all its processes at once)"),
         ("site_mb", 1000, "MB", "site size"), ("search_first_s", 1.5, "s", "search: page open to first result"),
         ("search_fetched_kb", 1000, "KB", "search: bytes fetched to first result")]
GOAL_PAPERS = 50_000


def exponent(rows: list[dict], key: str) -> float | None:
    """b in time ~ papers^b, least squares on the logs, over the synthetic sizes with a value."""
    points = [(math.log(r["papers"]), math.log(r[key])) for r in rows
              if r["size"] != "seed" and r.get(key) and r["papers"] > 0]
    if len({x for x, _y in points}) < 2:
        return None
    mean_x, mean_y = statistics.fmean(x for x, _ in points), statistics.fmean(y for _, y in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)


def budget(rows: list[dict]) -> list[str]:
    """The goals against the largest size measured, and the growth exponents."""
    if not rows:
        return []
    top = max(rows, key=lambda r: r["papers"])
    out = [f"**Budget** (goals for {GOAL_PAPERS:,} papers, checked at the largest size measured, "
           f"{top['papers']:,} papers; search engine: {top.get('search_engine') or 'not measured'}):", ""]
    for key, limit, unit, what in GOALS:
        value = top.get(key)
        verdict = "not measured" if value is None else "met" if value <= limit else "NOT met"
        shown = "n/a" if value is None else f"{value:,.2f}" if unit == "s" else f"{value:,.0f}"
        out.append(f"- {what}: {shown} {unit} (goal <= {limit:,} {unit}): {verdict}"
                   + ("" if top["papers"] >= GOAL_PAPERS or value is None else f" at {top['papers']:,} papers"))
    growth = [(what, exponent(rows, key)) for key, what in
              [("build_s", "build wall"), ("build_cpu_s", "build CPU"), ("generate_cpu_s", "generation CPU")]]
    if any(b is not None for _w, b in growth):
        out.append("- growth with the number of papers (time ~ papers^b): "
                   + ", ".join(f"{what} b = {b:.2f}" for what, b in growth if b is not None))
    return out + [""]


def report(rows: list[dict], serve: dict | None, notes: list[str], info: dict, argv: list[str]) -> str:
    out = ["# papershelf benchmark results", "",
           f"Machine: {info['nproc']} CPUs (nproc), Python {info['python']}, {info['platform']}; "
           f"run {info['date']} at commit {info['commit']}; 1/5/15-minute load average at the end "
           f"{' / '.join(str(x) for x in info['loadavg_end'])}. Wall times are sensitive to other "
           f"load on the machine; the CPU-second columns (user + system time) much less.",
           "",
           f"Command: `python bench/run.py {' '.join(argv)}`".rstrip() + " (medians over the runs; "
           "see bench/run.py for what each column measures).", "",
           table(rows), ""] + budget(rows)
    if serve is not None:
        reload_s = "no change seen" if serve["reload_s"] is None else f"{serve['reload_s']:.2f} s"
        each = ", ".join("none" if r is None else f"{r:.2f}" for r in serve.get("reloads_s", []))
        out += [f"`mkdocs serve` at seed size: a tags.yml label edit showed on the tags page after "
                f"**{reload_s}** (median of {len(serve.get('reloads_s', []))} edits: {each} s; bounded wait "
                f"{serve['timeout_s']:.0f} s; first build and startup {serve['startup_s']:.1f} s).", ""]
    for note in notes:
        out.append(f"- {note}")
    if notes:
        out.append("")
    return "\n".join(out)

# ----------------------------------------------------------------------------- --against

# What each version of the code brings of its own; the rest of a project (seeds/, tags.yml,
# curation.yml) is the same bytes on both sides.
VERSION_FILES = ["generator", "overrides", "docs", "mkdocs.yml"]

AGAINST_COLUMNS = [
    ("papers", "papers", "{:d}"),
    ("runs", "runs", "{:d}"),
    ("old_wall_s", "old wall s", "{:.2f}"),
    ("new_wall_s", "new wall s", "{:.2f}"),
    ("ratio_wall", "new/old wall", "{:.3f}"),
    ("old_cpu_s", "old CPU s", "{:.2f}"),
    ("new_cpu_s", "new CPU s", "{:.2f}"),
    ("ratio_cpu", "new/old CPU", "{:.3f}"),
    ("old_rss_mb", "old peak RSS MB", "{:.0f}"),
    ("new_rss_mb", "new peak RSS MB", "{:.0f}"),
    ("ratio_rss", "new/old RSS", "{:.3f}"),
    ("files", "files", "{:d}"),
    ("identical", "identical files", "{:d}"),
]

_META_TAG = re.compile(rb"<meta\b[^>]*>", re.I)
_NAMED_GENERATOR = re.compile(rb"""\bname\s*=\s*["']?generator["'\s/>]""", re.I)
_CONTENT_ATTR = re.compile(rb"""(\bcontent\s*=\s*)(?:"[^"]*"|'[^']*'|[^\s"'>]+)""", re.I)


def normalise_generator_meta(html_bytes: bytes) -> bytes:
    """The HTML with the content of `<meta name="generator" content="...">` emptied.

    MkDocs and ProperDocs name themselves (and their version) there; that is the one difference
    expected between the same site built by each. Every other byte is left as it is.
    """
    def blank(match: re.Match) -> bytes:
        tag = match.group(0)
        if not _NAMED_GENERATOR.search(tag):
            return tag
        return _CONTENT_ATTR.sub(rb'\1""', tag, count=1)

    return _META_TAG.sub(blank, html_bytes)


def site_manifest(site_dir: Path, normalise: bool = False) -> dict[str, str]:
    """sha256 of every file of a built site, by its path relative to the site (HTML normalised if asked)."""
    out = {}
    for path in sorted(site_dir.rglob("*")):
        if path.is_file() and path.relative_to(site_dir).parts[0] == "pagefind":
            continue  # (compared by its records below: Pagefind names its filter chunks anew each run)
        if path.is_file():
            data = path.read_bytes()
            if normalise and path.suffix in (".html", ".htm"):
                data = normalise_generator_meta(data)
            out[path.relative_to(site_dir).as_posix()] = hashlib.sha256(data).hexdigest()
    # (every shard's: pagefind/ and pagefind/shard-N/, without the shards' hidden vocabulary records)
    fragments = sorted((site_dir / "pagefind").glob("**/fragment/*.pf_fragment"))
    if fragments:  # the search records as the browser gets them, whatever the chunks are named
        records = sorted(data for path in fragments if b'"url":"/papershelf-shard-vocabulary/"'
                         not in (data := gzip.decompress(path.read_bytes())))
        out["pagefind/ (its records)"] = hashlib.sha256(b"\0".join(records)).hexdigest()
    return out


def compare_manifests(old: dict[str, str], new: dict[str, str], shown: int = 20) -> dict:
    """Files of two sites compared by content: how many, how many identical, which differ."""
    paths = sorted(set(old) | set(new))
    differing = [p for p in paths if old.get(p) != new.get(p)]
    only_old = [p for p in differing if p not in new]
    only_new = [p for p in differing if p not in old]
    return {"files": len(paths), "identical": len(paths) - len(differing), "differing_count": len(differing),
            "differing": differing[:shown], "only_old": only_old[:shown], "only_new": only_new[:shown],
            "only_old_count": len(only_old), "only_new_count": len(only_new)}


def _git(*args: str) -> str:
    result = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=120,
                            env=GIT_ENV)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}")
    return result.stdout.strip()


def resolve_rev(rev: str) -> dict:
    """A revision's full and short hash and subject (git rev-parse: REV must name a commit)."""
    full = _git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    return {"rev": rev, "sha": full, "short": _git("rev-parse", "--short", full),
            "subject": _git("log", "-1", "--format=%s", full)}


def export_rev(sha: str, dest: Path) -> Path:
    """REV's whole tree in dest/: `git archive REV | tar -x` (reads the repository, touches nothing)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", sha], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=GIT_ENV)
    tar = subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout, capture_output=True, timeout=600)
    archive.stdout.close()
    archive_err = archive.stderr.read().decode("utf-8", "replace")
    archive.stderr.close()
    if archive.wait() != 0 or tar.returncode != 0:
        raise RuntimeError(f"git archive {sha} | tar -x failed: {archive_err.strip()} "
                           f"{tar.stderr.decode('utf-8', 'replace').strip()}")
    return dest


def snapshot_worktree(dest: Path) -> Path:
    """The working tree's code (VERSION_FILES) copied to dest/, so later edits do not reach the run."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".cache")
    for name in VERSION_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        elif src.is_file():
            shutil.copy2(src, dest / name)
    return dest


def precompile(version_root: Path) -> None:
    """Byte-compile a version's generator/ up front, so no build pays for it (the first one would)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(version_root / "generator")],
                   capture_output=True, timeout=600)


def code_diff(old: dict, new: dict | None) -> str:
    """`git diff --shortstat` of the code between the two sides, plus untracked files for the working tree."""
    paths = ["--", *VERSION_FILES]
    try:
        if new is not None:
            return _git("diff", "--shortstat", old["sha"], new["sha"], *paths) or "no difference"
        stat = _git("diff", "--shortstat", old["sha"], *paths)
        untracked = [line for line in _git("ls-files", "--others", "--exclude-standard", *paths).splitlines()
                     if line]
    except RuntimeError as exc:
        return f"unknown ({exc})"
    text = stat or "no tracked difference"
    return text + (f"; untracked files: {', '.join(untracked[:10])}" + (" ..." if len(untracked) > 10 else "")
                   if untracked else "")


def version_project(template: Path, version_root: Path, dest: Path) -> Path:
    """A copy of template/'s inputs with version_root's code (mkdocs.yml, overrides/, docs/, generator/)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for item in template.iterdir():
        if item.name in VERSION_FILES or item.name == ".cache":
            continue
        if item.is_dir():
            shutil.copytree(item, dest / item.name, symlinks=True)
        else:
            shutil.copy2(item, dest / item.name)
    for name in VERSION_FILES:
        src = version_root / name
        if name == "generator":
            (dest / name).symlink_to(src.resolve(), target_is_directory=True)
        elif src.is_dir():
            shutil.copytree(src, dest / name)
        elif src.is_file():
            shutil.copy2(src, dest / name)
    return dest


def version_env(project: Path, epoch: int) -> dict:
    """A build's environment: this project first on the path, one build date for the whole run."""
    return dict(ENV, PYTHONPATH=str(project), SOURCE_DATE_EPOCH=str(epoch))


def check_generator_import(project: Path, version_root: Path, env: dict) -> str:
    """The `generator` a build in project/ imports must be that version's: fail loudly otherwise."""
    result = subprocess.run([sys.executable, "-c", "import generator; print(generator.__file__)"], cwd=project,
                            env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"`import generator` failed in {project}:\n{result.stderr[-3000:]}")
    found = Path(result.stdout.strip().splitlines()[-1]).resolve()
    expected = (version_root / "generator").resolve()
    if not found.is_relative_to(expected):
        raise RuntimeError(f"a build in {project} would import {found}, not {expected}")
    return str(found)


def make_synthetic(dest: Path, size: int, code_root: Path) -> dict:
    """bench/synth.py in a fresh process, reading the seeds with code_root's generator (the new side's)."""
    result = subprocess.run([sys.executable, str(BENCH / "synth.py"), str(size), str(dest)], cwd=code_root,
                            env=dict(ENV, PYTHONPATH=str(code_root)), capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"bench/synth.py {size} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_against(size: str, runs: int, work: Path, sides: dict, normalise: bool, epoch: int) -> dict:
    """One size: the project made once per side, builds alternating old, new, old, new..., sites compared."""
    base = work / f"against-size-{size}"
    base.mkdir(parents=True, exist_ok=True)
    template = base / "inputs"
    if size == "seed":
        synth.copy_project(template, seeds=True)
        papers, strict = None, True
    else:
        papers, strict = make_synthetic(template, int(size), sides["new"]["root"])["papers"], False
    projects, envs = {}, {}
    for key, side in sides.items():
        projects[key] = version_project(template, side["root"], base / key)
        envs[key] = version_env(projects[key], epoch)
        check_generator_import(projects[key], side["root"], envs[key])
    log(f"[{size}] projects at {base}/{{old,new}}: {papers if papers is not None else 'the real'} papers; "
        f"{runs} run(s) each, alternating old, new")
    builds: dict[str, list[dict]] = {"old": [], "new": []}
    manifests: dict[str, list[dict]] = {"old": [], "new": []}
    stats: dict[str, dict] = {}
    for run in range(runs):
        for key in ("old", "new"):
            site_dir = base / f"site-{key}"
            build = measure_build(projects[key], site_dir, strict=strict, env=envs[key], cwd=projects[key])
            builds[key].append(build)
            manifests[key].append(site_manifest(site_dir, normalise))
            stats[key] = site_stats(site_dir)
            log(f"[{size}] run {run + 1} {key}: build {build['seconds']:.2f} s, CPU {build['cpu_s']:.2f} s, "
                f"peak RSS {build['maxrss_kb'] / 1024:.0f} MB")
    comparison = compare_manifests(manifests["old"][-1], manifests["new"][-1])
    row: dict = {"size": size, "papers": papers if papers is not None else stats["new"]["paper_pages"],
                 "runs": runs, "strict": strict, "compare": comparison,
                 "files": comparison["files"], "identical": comparison["identical"]}
    for key in ("old", "new"):
        walls = [b["seconds"] for b in builds[key]]
        cpus = [b["cpu_s"] for b in builds[key]]
        rsss = [b["maxrss_kb"] / 1024 for b in builds[key]]
        row[f"{key}_wall_s"], row[f"{key}_cpu_s"], row[f"{key}_rss_mb"] = median(walls), median(cpus), median(rsss)
        row[key] = {"wall_s": walls, "cpu_s": cpus, "peak_rss_mb": rsss, "site_mb": stats[key]["site_bytes"] / 1e6,
                    "pages": stats[key]["pages"], "paper_pages": stats[key]["paper_pages"],
                    "project": str(projects[key]), "site": str(base / f"site-{key}"),
                    # the same code built twice must give the same bytes; when it does not, an
                    # old/new difference may not come from the code at all
                    "runs_identical": all(m == manifests[key][0] for m in manifests[key][1:]),
                    "runs_differing": sorted({p for m in manifests[key][1:] for p in
                                              compare_manifests(manifests[key][0], m)["differing"]})[:20]}
    for name, key in (("ratio_wall", "wall_s"), ("ratio_cpu", "cpu_s"), ("ratio_rss", "rss_mb")):
        old_value, new_value = row[f"old_{key}"], row[f"new_{key}"]
        row[name] = new_value / old_value if old_value else None
    return row


def against_tables(rows: list[dict]) -> tuple[str, str]:
    """The comparison table (medians and ratios per size) and the table of every run's values."""
    header = ["size"] + [title for _key, title, _f in AGAINST_COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        cells = [str(row["size"])] + [fmt(row.get(key), f) for key, _title, f in AGAINST_COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    runs_header = ["size", "run", "old wall s", "new wall s", "old CPU s", "new CPU s", "old peak RSS MB",
                   "new peak RSS MB"]
    run_lines = ["| " + " | ".join(runs_header) + " |", "|" + "|".join("---" for _ in runs_header) + "|"]
    for row in rows:
        for run in range(row["runs"]):
            cells = [str(row["size"]), str(run + 1)]
            for measure, pattern in (("wall_s", "{:.2f}"), ("cpu_s", "{:.2f}"), ("peak_rss_mb", "{:.0f}")):
                cells += [fmt(row["old"][measure][run], pattern), fmt(row["new"][measure][run], pattern)]
            run_lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines), "\n".join(run_lines)


def byte_lines(row: dict) -> list[str]:
    """What the file-by-file comparison of one size found, as report lines."""
    c = row["compare"]
    if c["differing_count"] == 0:
        out = [f"- size {row['size']}: the two sites are byte-identical ({c['files']} files, "
               f"{c['identical']} identical)."]
    else:
        out = [f"- size {row['size']}: {c['identical']} of {c['files']} files identical; "
               f"{c['differing_count']} differ (only in old: {c['only_old_count']}, only in new: "
               f"{c['only_new_count']}); the first {len(c['differing'])}:"]
        for path in c["differing"]:
            where = " (only in old)" if path in c["only_old"] else " (only in new)" if path in c["only_new"] else ""
            out.append(f"    - `{path}`{where}")
    for key in ("old", "new"):
        if not row[key]["runs_identical"]:
            out.append(f"    - warning: the {key} code's own runs gave different bytes "
                       f"({', '.join(row[key]['runs_differing'][:5])} ...): the build is not deterministic, "
                       f"so old/new differences may not come from the code.")
    return out


def against_report(rows: list[dict], sides: dict, notes: list[str], info: dict, argv: list[str]) -> str:
    old, new = sides["old"], sides["new"]
    compare, runs = against_tables(rows)
    out = ["# papershelf benchmark: new code against old", "",
           f"Old: `{old['rev']}` = {old['short']} ({old['subject']}). New: {new['label']}. "
           f"Code differences between them (mkdocs.yml, overrides/, docs/, generator/): {info['code_diff']}.",
           "",
           f"Machine: {info['nproc']} CPUs (nproc), Python {info['python']}, {info['platform']}; "
           f"run {info['date']}; 1/5/15-minute load average at the end "
           f"{' / '.join(str(x) for x in info['loadavg_end'])}. Builder: `{info['builder']}`. Wall times are "
           f"sensitive to other load on the machine; CPU seconds (user + system) much less.",
           "",
           f"Command: `python bench/run.py {' '.join(argv)}`".rstrip() + " (medians over the runs; ratios are "
           "new/old, below 1 means new is faster or smaller; see bench/run.py).", "",
           compare, "",
           "Each run, in build order (old then new, alternating):", "",
           runs, "",
           "Byte comparison of the two sites (the last build of each side, every file):", ""]
    for row in rows:
        out += byte_lines(row)
    out.append("")
    for note in notes:
        out.append(f"- {note}")
    if notes:
        out.append("")
    return "\n".join(out)


def main_against(args: argparse.Namespace, argv: list[str]) -> int:
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        old = resolve_rev(args.against)
        new_rev = resolve_rev(args.new) if args.new else None
    except RuntimeError as exc:
        log(f"bench/run.py: --against/--new: {exc}")
        return 2
    old["root"] = export_rev(old["sha"], work / f"against-{old['short']}")
    if new_rev is not None:
        new = dict(new_rev, root=export_rev(new_rev["sha"], work / f"against-new-{new_rev['short']}"),
                   label=f"`{new_rev['rev']}` = {new_rev['short']} ({new_rev['subject']})")
    else:
        new = {"rev": None, "sha": None, "short": "worktree", "subject": "",
               "root": snapshot_worktree(work / "against-worktree"),
               "label": f"the working tree, at HEAD {git_commit()} (snapshot taken at the start of the run)"}
    sides = {"old": old, "new": new}
    for side in sides.values():
        precompile(side["root"])
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or time.time())
    diff = code_diff(old, new_rev)
    out_path = args.out or BENCH / "AGAINST.md"
    json_path = args.json or work / "against.json"
    notes = [
        "Both sides build the same inputs: synthetic seeds made once per size (by bench/synth.py with the new "
        "side's reader), tags.yml and curation.yml from the working tree; mkdocs.yml, overrides/, docs/ and "
        "generator/ are each side's own. Each build is a fresh process whose working directory and PYTHONPATH "
        "are its side's project (checked: `import generator` resolves to that side's code).",
        f"Every build runs with SOURCE_DATE_EPOCH={epoch} (one build date for the run, so the sitemap's dates "
        "cannot differ between builds made around midnight).",
        "HTML `<meta name=\"generator\">` content " + ("blanked before comparing (--normalise-generator-meta)."
                                                        if args.normalise_generator_meta else
                                                        "compared as it is (no --normalise-generator-meta)."),
        "Search timings and the serve reload are not measured by --against.",
    ]
    log(f"old: {old['short']} ({old['subject']}) at {old['root']}; new: {new['label']} at {new['root']}")
    log(f"code differences: {diff}")
    rows: list[dict] = []

    def write() -> str:
        info = dict(machine(), builder=" ".join(builder_command()), code_diff=diff)
        text = against_report(rows, sides, notes, info, argv)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(text, encoding="utf-8")
        json_path.parent.mkdir(parents=True, exist_ok=True)
        plain_sides = {k: {f: (str(v) if isinstance(v, Path) else v) for f, v in side.items()}
                       for k, side in sides.items()}
        json_path.write_text(json.dumps({"machine": info, "sides": plain_sides, "source_date_epoch": epoch,
                                         "normalise_generator_meta": args.normalise_generator_meta,
                                         "rows": rows, "notes": notes}, indent=1) + "\n", encoding="utf-8")
        return text

    for size in args.sizes:
        runs = args.runs_for.get(size, args.runs)
        if runs != args.runs:
            notes.append(f"size {size}: {runs} run(s) instead of {args.runs}, to fit the time budget.")
        rows.append(bench_against(size, runs, work, sides, args.normalise_generator_meta, epoch))
        print(against_tables(rows[-1:])[0].splitlines()[-1], flush=True)
        write()
    text = write()
    print()
    print(text)
    log(f"wrote {out_path} and {json_path}")
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.strip().splitlines()[1:7]))
    parser.add_argument("--sizes", help="comma-separated paper counts, or 'seed' for the real project "
                                        "(default seed,700,3000,10000; --against: 3000,10000; --quick: 50,200)")
    parser.add_argument("--runs", type=int, help="runs per size (default 3; --quick: 1)")
    parser.add_argument("--runs-for", action="append", default=[], metavar="SIZE=RUNS",
                        help="a different number of runs for one size, e.g. 10000=1")
    parser.add_argument("--quick", action="store_true", help="sizes 50,200, 1 run, no serve measurement")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium search measurement")
    parser.add_argument("--no-generate", action="store_true",
                        help="skip timing the generator alone (no MkDocs); the build still runs it")
    parser.add_argument("--no-serve", action="store_true", help="skip the mkdocs serve reload measurement")
    parser.add_argument("--out", type=Path, help="Markdown report path (default bench/RESULTS.md; "
                                                  "--against: bench/AGAINST.md)")
    parser.add_argument("--json", type=Path, help="raw results as JSON (default WORK/results.json; "
                                                  "--against: WORK/against.json)")
    parser.add_argument("--work", type=Path, default=BENCH / "out", help="scratch folder")
    parser.add_argument("--against", metavar="REV",
                        help="compare the working tree's code (new) with git revision REV's (old): "
                             "interleaved builds, medians, ratios and a byte comparison of the sites")
    parser.add_argument("--new", metavar="REV",
                        help="with --against: the new side is revision REV instead of the working tree")
    parser.add_argument("--normalise-generator-meta", action="store_true",
                        help="with --against: blank <meta name=\"generator\" content=...> before comparing the "
                             "sites (MkDocs and ProperDocs name themselves there)")
    args = parser.parse_args(argv)
    if args.new and not args.against:
        parser.error("--new needs --against")
    default_sizes = "50,200" if args.quick else "3000,10000" if args.against else "seed,700,3000,10000"
    args.sizes = [s.strip() for s in (args.sizes or default_sizes).split(",") if s.strip()]
    for size in args.sizes:
        if size != "seed" and not size.isdigit():
            parser.error(f"--sizes: {size!r} is not a number or 'seed'")
    args.runs = args.runs or (1 if args.quick else 3)
    try:
        args.runs_for = {k.strip(): int(v) for k, v in (item.split("=", 1) for item in args.runs_for)}
    except ValueError:
        parser.error("--runs-for takes SIZE=RUNS, e.g. 10000=1")
    if args.quick:
        args.no_serve = True
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.against:
        return main_against(args, argv)
    args.out = args.out or BENCH / "RESULTS.md"
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    browser = not args.no_browser
    if browser and not CHROMIUM.exists():
        browser = False
        notes.append(f"search timings skipped: {CHROMIUM} is absent (install Debian's chromium).")
    elif not browser:
        notes.append("search timings skipped (--no-browser).")
    rows: list[dict] = []
    json_path = args.json or work / "results.json"
    log(f"load average at start: {os.getloadavg()}")

    def write(serve: dict | None) -> str:
        """The report so far (rewritten after every size, so a long run can be cut short)."""
        info = machine()
        all_notes = list(notes)
        if any(r["strict"] for r in rows):
            all_notes.append("size 'seed' is the real project, built with --strict; synthetic sizes are "
                             "built without --strict (curation.yml names papers a small synthetic set may lack).")
        text = report(rows, serve, all_notes, info, argv)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps({"machine": info, "rows": rows, "serve": serve, "notes": all_notes},
                                        indent=1) + "\n", encoding="utf-8")
        return text

    for size in args.sizes:
        runs = args.runs_for.get(size, args.runs)
        if runs != args.runs:
            notes.append(f"size {size}: {runs} run(s) instead of {args.runs}, to fit the time budget.")
        rows.append(bench_size(size, runs, work, browser, generate=not args.no_generate))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
        write(None)
    serve = None
    if not args.no_serve:
        log("[serve] mkdocs serve + tags.yml edit on a copy of the real project")
        serve = measure_serve_reload(work)
    text = write(serve)
    print()
    print(text)
    log(f"wrote {args.out} and {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
