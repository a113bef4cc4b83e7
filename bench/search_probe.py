"""Search as a reader meets it: open the home page in Chromium, type a query, wait for results.

Kept apart from bench/run.py because it is the one part that knows the search engines. The
site may carry either of two (other branches replace one with the other), and the probe finds
out which from the built files, so the same benchmark measures both:

* Pagefind: `site/pagefind/` exists. The query goes into the theme's search box
  (`input.md-search__input`); results are `.ps-search-result` elements.
* Material's lunr search otherwise: the same box; results are `.md-search-result__item`.

Bytes fetched are counted from the moment the page is opened to the first result, every
response included (HTML, CSS, JS, the index or its chunks, WASM), as Chromium reports them
(`encodedDataLength` of each finished request: bytes on the wire, headers included). The site
is served on 127.0.0.1 by http.server, uncompressed, so this is an upper bound on what a host
that compresses (GitHub Pages does) would send. Chromium reports the requests of a dedicated web
worker to the worker's own target, not to the page's, and Pagefind fetches its index from a
worker: so the server also counts every file it sent in that span (served_bytes: bodies, no
headers; served_requests), the worker's included, and of those the search index's files
(served_search_bytes: pagefind/, Pagefind's code and WebAssembly included).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

# The tests' static server and Chromium settings (tests/browser_support.py), so the benchmark
# serves and opens the site exactly as the browser tests do.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser_support import CHROMIUM, CHROMIUM_ARGS, QuietHandler, serve  # noqa: E402

BOX = "input.md-search__input"
RESULT = {"pagefind": ".ps-search-result", "lunr": ".md-search-result__item"}


def engine_of(site_dir: Path) -> str:
    """"pagefind" when the built site has a Pagefind index, else "lunr" (Material's search)."""
    return "pagefind" if (site_dir / "pagefind").is_dir() else "lunr"


def search_index_bytes(site_dir: Path) -> int:
    """What the engine's index weighs on disk: the whole pagefind/ folder, or lunr's one JSON file."""
    if engine_of(site_dir) == "pagefind":
        return sum(p.stat().st_size for p in (site_dir / "pagefind").rglob("*") if p.is_file())
    index = site_dir / "search" / "search_index.json"
    return index.stat().st_size if index.is_file() else 0


@contextlib.contextmanager
def serve_dir(site_dir: Path, served: list):
    """The tests' server (`browser_support.serve`) on 127.0.0.1; yields the base URL. Each file
    sent is appended to `served` as (time sent, path, body bytes)."""
    class Counting(QuietHandler):
        def copyfile(self, source, outputfile) -> None:
            super().copyfile(source, outputfile)
            served.append((time.perf_counter(), self.path, os.fstat(source.fileno()).st_size))

    with serve(site_dir, Counting) as url:
        yield url


def measure_search(site_dir: Path, query: str, warm_query: str = "quantization", timeout_s: float = 180) -> dict:
    """Open the home page, click the search box, type `query`, wait for the first result; then
    clear the box and time a second query, once everything is loaded.

    first_s: page open -> first result; type_s: last keystroke -> first result; warm_s: the same
    for the second query; fetched_bytes / requests: what the browser fetched from page open to
    the first result."""
    from playwright.sync_api import sync_playwright

    engine = engine_of(site_dir)
    result = RESULT[engine]
    timeout_ms = timeout_s * 1000
    served: list = []
    with serve_dir(site_dir, served) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            fetched: list[int] = []
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.on("Network.loadingFinished", lambda event: fetched.append(int(event["encodedDataLength"])))
            start = time.perf_counter()
            page.goto(url, timeout=timeout_ms)
            box = page.locator(BOX)
            if not box.is_visible():  # narrow layouts hide the box behind the search icon
                page.locator("label.md-search__icon, label.md-header__button[for='__search']").first.click()
            box.click()
            page.keyboard.type(query)
            typed = time.perf_counter()
            page.wait_for_selector(result, timeout=timeout_ms)
            shown = time.perf_counter()
            fetched_bytes, requests = sum(fetched), len(fetched)
            page.fill(BOX, "")
            page.wait_for_selector(result, state="detached", timeout=timeout_ms)
            page.keyboard.type(warm_query)
            warm_typed = time.perf_counter()
            page.wait_for_selector(result, timeout=timeout_ms)
            warm_shown = time.perf_counter()
        finally:
            browser.close()
    before_result = [size for sent, _path, size in served if start <= sent <= shown]
    return {"engine": engine, "first_s": shown - start, "type_s": shown - typed, "warm_s": warm_shown - warm_typed,
            "fetched_bytes": fetched_bytes, "requests": requests,
            "served_bytes": sum(before_result), "served_requests": len(before_result),
            "served_search_bytes": sum(size for sent, path, size in served
                                       if start <= sent <= shown and "/pagefind/" in path)}
