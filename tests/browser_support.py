"""Helpers for the browser tests: a static file server and the system Chromium under Playwright.

Nothing here downloads a browser: Playwright drives Debian's /usr/bin/chromium through
`executable_path`. Without that binary the tests skip, unless PAPERSHELF_REQUIRE_BROWSER=1 asks
for them to fail instead (CI machines that are meant to have it).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1366, "height": 800}  # the desktop width
MOBILE = {"width": 390, "height": 844}


def browser_required() -> bool:
    return os.environ.get("PAPERSHELF_REQUIRE_BROWSER", "") == "1"


def require(condition: bool, message: str) -> None:
    """Skip when a browser-test prerequisite is missing; fail instead when it is required."""
    if condition:
        return
    if browser_required():
        pytest.fail(f"{message} (PAPERSHELF_REQUIRE_BROWSER=1)")
    pytest.skip(message)


def require_chromium() -> None:
    require(CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK),
            f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require(False, "the playwright Python package is missing: pip install -e '.[test]'")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    # MkDocs writes .xml/.bib/.json; make sure their types are sensible whatever mimetypes says.
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".xml": "application/xml", ".bib": "text/plain; charset=utf-8",
                      ".json": "application/json", ".js": "text/javascript", ".css": "text/css",
                      ".svg": "image/svg+xml"}

    def log_message(self, format, *args):  # noqa: A002 - keep pytest output clean
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 on a free port (the OS picks it: port 0) in a thread;
    yields the base URL, ending in /."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


@contextmanager
def running_chromium():
    """A headless Chromium for a module's tests (a skip, or a failure under
    PAPERSHELF_REQUIRE_BROWSER=1, without one), closed afterwards."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


def _left_behind(request) -> bool:
    """The favicon Chromium fetches after a load, aborted because the test went on to the next
    page (full page loads since instant navigation is off): not a failure of the site."""
    return request.url.endswith("/favicon.png") and "ERR_ABORTED" in str(request.failure)


class ConsoleLog:
    """Every console error, uncaught page error and failed same-origin request of a page."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page, origin: str) -> None:
        page.on("console", lambda msg: self.errors.append(
            f"console.error: {msg.text} [{msg.location.get('url', '')}] @ {page.url}") if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc} @ {page.url}"))
        page.on("requestfailed", lambda req: self.errors.append(
            f"request failed: {req.url} ({req.failure}) @ {page.url}")
            if req.url.startswith(origin) and not _left_behind(req) else None)
        page.on("response", lambda resp: self.errors.append(
            f"HTTP {resp.status}: {resp.url} @ {page.url}") if resp.status >= 400 and resp.url.startswith(origin)
            else None)

    def take(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors
