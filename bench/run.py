"""papershelf benchmark: generation, `mkdocs build`, memory, page sizes, search and live reload.

    python bench/run.py                          # sizes seed,700,3000,10000, 3 runs each
    python bench/run.py --sizes 700 --runs 5     # one size
    python bench/run.py --quick                  # sizes 50,200, 1 run, no serve: well under a minute
    python bench/run.py --runs-for 10000=1       # fewer runs for the slowest size

For each size a synthetic project is made by bench/synth.py (the size "seed" is a copy of the
real project, built with --strict). Each number is the median over the runs; every run is a
fresh process, so nothing is cached between runs:

* generate_s: `build_site(project)` alone (no MkDocs), timed inside a fresh Python process after
  its imports; papers_per_s is papers / generate_s. generate_cpu_s counts the CPU time of that
  process and of the worker it forks (generator/workers.py); worker_rss_mb is the worker's peak.
* build_s: wall time of `python -m mkdocs build -q` (generation included, through the hook);
  build_cpu_s and peak_rss_mb come from os.wait4 on that process: its CPU time including its
  worker's, and the largest peak RSS of the two. (Their sum bounds the memory used together; the
  worker shares most of its pages with its parent.)
* site_mb, paper_page_median_kb / paper_page_max_kb (papers/*/index.html), search_index_mb.
* search_first_s: from opening the home page in headless Chromium (served by http.server) to the
  first search result for a word from one abstract; search_type_s: from the last keystroke of
  that query to the results; search_warm_s: the same for a second query once the index is loaded.
* serve_reload_s (seed size): `mkdocs serve` running, a tag label edited in tags.yml, until the
  tags page shows the new label; median of 3 edits in one serve process.

Results: a table on stdout, a Markdown report (default bench/RESULTS.md, or --out) and the raw
numbers as JSON (--json, default bench/out/results.json). Scratch files go to --work
(default bench/out/, gitignored).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
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

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ENV = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT))

# (key, header, format) of the report's table, in order.
COLUMNS = [
    ("papers", "papers", "{:d}"),
    ("runs", "runs", "{:d}"),
    ("generate_s", "generate s", "{:.2f}"),
    ("generate_cpu_s", "generate CPU s", "{:.2f}"),
    ("worker_rss_mb", "worker peak RSS MB", "{:.0f}"),
    ("papers_per_s", "papers/s", "{:.0f}"),
    ("build_s", "mkdocs build s", "{:.1f}"),
    ("build_cpu_s", "build CPU s", "{:.1f}"),
    ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
    ("site_mb", "site MB", "{:.1f}"),
    ("pages", "pages", "{:d}"),
    ("paper_page_median_kb", "paper page median KB", "{:.1f}"),
    ("paper_page_max_kb", "paper page max KB", "{:.1f}"),
    ("search_index_mb", "search index MB", "{:.2f}"),
    ("search_first_s", "search from open s", "{:.2f}"),
    ("search_type_s", "search after typing s", "{:.2f}"),
    ("search_warm_s", "warm search s", "{:.2f}"),
]

_GENERATE = """
import json, os, resource, sys, time
from pathlib import Path
from generator.site import build_site
root = Path(sys.argv[1])
before = os.times()
start, cpu = time.perf_counter(), time.process_time()
site = build_site(root)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
after = os.times()  # the worker processes (generator/workers.py) are reaped by now
workers_cpu = (after.children_user + after.children_system) - (before.children_user + before.children_system)
print(json.dumps({"seconds": seconds, "cpu_s": cpu + workers_cpu, "worker_cpu_s": workers_cpu,
                  "papers": len(site.library.papers), "pages": len(site.pages), "problems": len(site.problems),
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "worker_maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


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


def measure_build(project: Path, site_dir: Path, strict: bool = False) -> dict:
    """`mkdocs build` in its own process: wall seconds and that process's peak RSS."""
    if site_dir.exists():
        shutil.rmtree(site_dir)
    args = [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(site_dir),
            "-f", str(project / "mkdocs.yml")]
    if strict:
        args.append("--strict")
    err_path = site_dir.parent / f"{site_dir.name}.stderr.txt"
    with open(err_path, "w", encoding="utf-8") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, env=ENV)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"mkdocs build failed for {project}:\n{err_path.read_text()[-3000:]}")
    return {"seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss}


def site_stats(site_dir: Path) -> dict:
    total = sum(p.stat().st_size for p in site_dir.rglob("*") if p.is_file())
    pages = sum(1 for _ in site_dir.rglob("*.html"))
    paper_pages = [p.stat().st_size for p in site_dir.glob("papers/*/index.html")]
    index = site_dir / "search" / "search_index.json"
    return {
        "site_bytes": total,
        "pages": pages,
        "paper_pages": len(paper_pages),
        "paper_page_median_bytes": statistics.median(paper_pages) if paper_pages else 0,
        "paper_page_max_bytes": max(paper_pages, default=0),
        "search_index_bytes": index.stat().st_size if index.is_file() else 0,
    }


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serve_dir(site_dir: Path):
    """http.server on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(site_dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def measure_search(site_dir: Path, query: str, warm_query: str = "quantization",
                   timeout_s: float = 180) -> dict:
    """Open the home page, click the search box, type `query`, wait for the first result."""
    from playwright.sync_api import sync_playwright

    timeout_ms = timeout_s * 1000
    with serve_dir(site_dir) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            start = time.perf_counter()
            page.goto(url, timeout=timeout_ms)
            box = page.locator("input.md-search__input")
            if not box.is_visible():  # narrow layouts hide the box behind the search icon
                page.locator("label.md-search__icon, label.md-header__button[for='__search']").first.click()
            box.click()
            page.keyboard.type(query)
            typed = time.perf_counter()
            page.wait_for_selector(".md-search-result__item", timeout=timeout_ms)
            shown = time.perf_counter()
            page.fill("input.md-search__input", "")
            page.wait_for_selector(".md-search-result__item", state="detached", timeout=timeout_ms)
            page.keyboard.type(warm_query)
            warm_typed = time.perf_counter()
            page.wait_for_selector(".md-search-result__item", timeout=timeout_ms)
            warm_shown = time.perf_counter()
        finally:
            browser.close()
    return {"first_s": shown - start, "type_s": shown - typed, "warm_s": warm_shown - warm_typed}


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
        proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}",
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


def bench_size(size: str, runs: int, work: Path, browser: bool) -> dict:
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
        gen = measure_generate(project)
        gens.append(gen)
        log(f"[{size}] run {run + 1}: generate {gen['seconds']:.2f} s ({gen['papers']} papers)")
        site_dir = work / f"site-{size}"
        build = measure_build(project, site_dir, strict=strict)
        builds.append(build)
        stats.append(site_stats(site_dir))
        log(f"[{size}] run {run + 1}: mkdocs build {build['seconds']:.1f} s, "
            f"peak RSS {build['maxrss_kb'] / 1024:.0f} MB")
        if browser:
            search = measure_search(site_dir, info["query"])
            searches.append(search)
            log(f"[{size}] run {run + 1}: search {search['first_s']:.2f} s from open, "
                f"{search['type_s']:.2f} s after typing, warm {search['warm_s']:.2f} s")
    generate_s = median([g["seconds"] for g in gens])
    last = stats[-1]
    row = {
        "size": size,
        "papers": gens[-1]["papers"],
        "runs": runs,
        "strict": strict,
        "query": info["query"],
        "generate_s": generate_s,
        "generate_cpu_s": median([g["cpu_s"] for g in gens]),
        "papers_per_s": gens[-1]["papers"] / generate_s if generate_s else None,
        "generate_rss_mb": median([g["maxrss_kb"] for g in gens]) / 1024,
        "worker_rss_mb": max(g.get("worker_maxrss_kb", 0) for g in gens) / 1024,
        "build_s": median([b["seconds"] for b in builds]),
        "build_cpu_s": median([b["cpu_s"] for b in builds]),
        "peak_rss_mb": max(b["maxrss_kb"] for b in builds) / 1024,
        "site_mb": last["site_bytes"] / 1e6,
        "pages": last["pages"],
        "paper_pages": last["paper_pages"],
        "paper_page_median_kb": last["paper_page_median_bytes"] / 1000,
        "paper_page_max_kb": last["paper_page_max_bytes"] / 1000,
        "search_index_mb": last["search_index_bytes"] / 1e6,
        "search_first_s": median([s["first_s"] for s in searches]),
        "search_type_s": median([s["type_s"] for s in searches]),
        "search_warm_s": median([s["warm_s"] for s in searches]),
        "all_runs": {"generate_s": [g["seconds"] for g in gens], "generate_cpu_s": [g["cpu_s"] for g in gens],
                     "build_s": [b["seconds"] for b in builds], "build_cpu_s": [b["cpu_s"] for b in builds],
                     "peak_rss_mb": [b["maxrss_kb"] / 1024 for b in builds], "search": searches},
    }
    return row


def git_commit() -> str:
    """HEAD's short hash, '+ local changes' when the work tree differs (the generator is edited often)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "generator"], cwd=ROOT,
                               capture_output=True, text=True, timeout=30).stdout.strip()
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


def report(rows: list[dict], serve: dict | None, notes: list[str], info: dict, argv: list[str]) -> str:
    out = ["# papershelf benchmark results", "",
           f"Machine: {info['nproc']} CPUs (nproc), Python {info['python']}, {info['platform']}; "
           f"run {info['date']} at commit {info['commit']}; 1/5/15-minute load average at the end "
           f"{' / '.join(str(x) for x in info['loadavg_end'])}. Wall times are sensitive to other "
           f"load on the machine; the CPU-second columns (user + system time, worker process included) much less.",
           "",
           f"Command: `python bench/run.py {' '.join(argv)}`".rstrip() + " (medians over the runs; "
           "see bench/run.py for what each column measures).", "",
           table(rows), ""]
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


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.strip().splitlines()[1:6]))
    parser.add_argument("--sizes", help="comma-separated paper counts, or 'seed' for the real project "
                                        "(default seed,700,3000,10000; --quick: 50,200)")
    parser.add_argument("--runs", type=int, help="runs per size (default 3; --quick: 1)")
    parser.add_argument("--runs-for", action="append", default=[], metavar="SIZE=RUNS",
                        help="a different number of runs for one size, e.g. 10000=1")
    parser.add_argument("--quick", action="store_true", help="sizes 50,200, 1 run, no serve measurement")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium search measurement")
    parser.add_argument("--no-serve", action="store_true", help="skip the mkdocs serve reload measurement")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md", help="Markdown report path")
    parser.add_argument("--json", type=Path, help="raw results as JSON (default WORK/results.json)")
    parser.add_argument("--work", type=Path, default=BENCH / "out", help="scratch folder")
    args = parser.parse_args(argv)
    args.sizes = [s.strip() for s in (args.sizes or ("50,200" if args.quick else "seed,700,3000,10000")).split(",")
                  if s.strip()]
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
        rows.append(bench_size(size, runs, work, browser))
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
