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
from urllib.parse import urljoin, urlsplit

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


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    # MkDocs writes .xml/.bib/.json; make sure their types are sensible whatever mimetypes says.
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".xml": "application/xml", ".bib": "text/plain; charset=utf-8",
                      ".json": "application/json", ".js": "text/javascript", ".css": "text/css",
                      ".svg": "image/svg+xml"}

    def log_message(self, format, *args):  # noqa: A002 - keep pytest output clean
        pass


@contextmanager
def serve(directory: Path, handler_class: type = QuietHandler) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 on a free port (the OS picks it: port 0) in a thread;
    yields the base URL, ending in /. `handler_class`: a QuietHandler that answers otherwise."""
    handler = functools.partial(handler_class, directory=str(directory))
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
    """A request the browser itself gave up because the test went on to the next page: the
    favicon Chromium fetches after a load, the sitemap.xml Material fetches after one (seen
    aborted in CI and in a loaded run). ERR_ABORTED is the client's cancellation, never an answer
    of the site: a missing file is an HTTP 404 response, a refused script ERR_BLOCKED_BY_CSP,
    and both still fail the test."""
    return "ERR_ABORTED" in str(request.failure)


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


def answer_outside(route, errors: list[str] | None) -> None:
    """A request leaving the site. The tests run offline and the site must work offline (font:
    false, no CDN): the one outside request it makes, Material's repository facts for `repo_url`
    (api.github.com), gets a canned answer, so an offline run shows no DNS errors. Any other is
    refused, and reported in `errors` (None: refused only)."""
    url = route.request.url
    if urlsplit(url).hostname == "api.github.com":
        route.fulfill(status=200, json={"tag_name": "v0.1.0"} if url.endswith("/releases/latest")
                      else {"stargazers_count": 0, "forks_count": 0})
        return
    if errors is not None:
        errors.append(f"outside request: {url}")
    route.abort()


class Session:
    """The pages one test opens (each in a new browser context, unless given one), all watched by
    one ConsoleLog: the browser tests' one policy on what fails a page.

    The site is everything under `base` (a sub-path included, as GitHub Pages serves a project
    site): a request elsewhere, even on the same server, is an outside request, refused and
    reported (`answer_outside`). `assert_clean` then fails the test on any console error,
    uncaught exception, failed request or HTTP error of the site's, or outside request; the one
    thing a test may allow, by name, is the 404 of the missing page it visited on purpose."""

    def __init__(self, browser, base: str) -> None:
        self.browser, self.base, self.origin = browser, base, base.rstrip("/")
        self.log = ConsoleLog()
        self.contexts: list = []
        self.pending: dict = {}  # page -> its requests not yet finished (`settle`)

    def context(self, scheme: str = "light", viewport: dict = DESKTOP, clipboard: bool = False, **options):
        """A new context (`options`: Playwright's, e.g. bypass_csp=True to inject axe-core)."""
        context = self.browser.new_context(viewport=viewport, color_scheme=scheme, accept_downloads=True, **options)
        if clipboard:
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=self.origin)
        context.route(lambda url: not url.startswith(self.origin),
                      lambda route: answer_outside(route, self.log.errors))
        self.contexts.append(context)
        return context

    def page(self, context=None, **options):
        """A watched page, in `context` or in a new one made with `options`."""
        page = (context or self.context(**options)).new_page()
        self.log.attach(page, self.origin)
        pending: set = set()
        page.on("request", lambda request: pending.add(request))
        page.on("requestfinished", lambda request: pending.discard(request))
        page.on("requestfailed", lambda request: pending.discard(request))
        self.pending[page] = pending
        return page

    def goto(self, page, path: str, status: int = 200):
        """Load `path` (relative to `base`) and check the response's status."""
        response = page.goto(urljoin(self.base, path))
        assert response is not None and response.status == status, f"{path}: {response and response.status}"
        return response

    def open(self, path: str = "", status: int = 200, **options):
        """A new page in a new context (`options`), loaded at `path`."""
        page = self.page(**options)
        self.goto(page, path, status)
        return page

    def settle(self, page, quiet_ms: int = 300) -> None:
        """Wait until the page has made no request for `quiet_ms`: Material fetches sitemap.xml
        after a load and Chromium the favicon after each (instant) navigation; leaving the page
        sooner aborts them, which the log would report."""
        pending, quiet = self.pending[page], 0
        while quiet < quiet_ms:
            page.wait_for_timeout(50)
            quiet = 0 if pending else quiet + 50

    def assert_clean(self, expected_404: str | None = None) -> None:
        """Fail on anything the log holds (and empty it). `expected_404`: the URL of a missing
        page the test visited on purpose; its 404 (the response, and the console's line about
        it) is the one thing allowed."""
        def expected(error: str) -> bool:
            return bool(expected_404) and (error.startswith(f"HTTP 404: {expected_404}") or
                                           error.startswith("console.error: Failed to load resource: the server "
                                                            f"responded with a status of 404 (Not Found) [{expected_404}]"))
        errors = [e for e in self.log.take() if not expected(e)]
        assert not errors, "errors on visited pages:\n" + "\n".join(errors)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@contextmanager
def session(browser, base: str) -> Iterator[Session]:
    """A Session, its contexts closed afterwards."""
    opened = Session(browser, base)
    try:
        yield opened
    finally:
        opened.close()
