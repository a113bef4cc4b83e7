"""A fake Hugging Face Papers API on 127.0.0.1, for tests that must never touch the network.

It answers what `huggingface_hub` asks (HfApi.list_papers: GET /api/papers/search?q=TITLE;
HfApi.paper_info: GET /api/papers/ID) in the API's shapes: a paper is
`{id, authors: [{_id, name, hidden}], publishedAt, title, summary, upvotes, discussionId,
githubRepo, projectPage, ai_summary, ai_keywords, ...}`; a search result nests it under `paper`,
with the daily-paper fields (title, summary, publishedAt of the submission, numComments,
submittedBy...) beside it.

Tests script it: `fail("429", retry_after=0)` answers the next matching request with that failure
(429/503 with Retry-After, 500, "hang" past the client's timeout, "badjson", "close"), then the
normal answer again; `delay` slows every answer; `requests` lists what was asked (`count()` only the papers API, not
what huggingface_hub may ask on its own), `max_in_flight` the most requests answered at once.

    with FakeHub() as hub:
        hub.add("2106.09685", "LoRA: ...", "We propose ...")
        os.environ["HF_ENDPOINT"] = hub.url
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


class FakeHub:
    def __init__(self):
        self.papers: dict[str, dict] = {}  # arXiv id -> the paper object paper_info answers
        self.requests: list[str] = []  # "GET /api/papers/search?q=..." in arrival order
        self.delay = 0.0  # seconds before every answer
        self.hang_seconds = 30.0  # how long a "hang" lasts (cut short when the server stops)
        self.in_flight = 0  # requests being answered now
        self.max_in_flight = 0  # the most answered at once
        self._script: list[tuple[str, str, dict]] = []  # (path prefix, failure, options)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # ---------------------------------------------------------------- scripting

    def add(self, ident: str, title: str, summary: str, authors=("Ada Lovelace", "Alan Turing"),
            published: str = "2021-06-17", **extra) -> dict:
        """A paper as /api/papers/{id} returns it; `extra` sets or overrides JSON fields."""
        paper = {
            "id": ident,
            "authors": [{"_id": f"{i:024x}", "name": name, "hidden": False} for i, name in enumerate(authors)],
            "publishedAt": f"{published}T17:37:18.000Z",
            "title": title,
            "summary": summary,
            "upvotes": 12,
            "discussionId": f"{len(self.papers):024x}",
            "githubRepo": f"https://github.com/example/{ident.replace('.', '-')}",
            "githubStars": 7,
            "projectPage": None,
            "ai_summary": "A short AI summary.",
            "ai_keywords": ["low-rank adaptation", "fine-tuning"],
            **extra,
        }
        self.papers[ident] = paper
        return paper

    def fail(self, failure: str, times: int = 1, path: str = "/api/papers", **options) -> None:
        """Answer the next `times` requests whose path starts with `path` with `failure`:
        "429"/"503" (options: retry_after), "500", "404", "hang", "badjson" or "close"."""
        with self._lock:
            self._script += [(path, failure, options)] * times

    def search_result(self, paper: dict) -> dict:
        """One element of /api/papers/search's answer (the shape of a daily paper)."""
        return {
            "paper": {k: v for k, v in paper.items() if k not in ("githubStars",)},
            "publishedAt": "2024-05-02T12:00:00.000Z",  # when it appeared in daily papers
            "title": paper["title"],
            "summary": paper["summary"],
            "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{paper['id']}.png",
            "numComments": 1,
            "submittedBy": {"_id": "0" * 24, "avatarUrl": "/avatars/x.svg", "fullname": "AK",
                            "name": "akhaliq", "type": "user", "isPro": False},
            "isAuthorParticipating": False,
        }

    def count(self, prefix: str = "GET /api/papers") -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.startswith(prefix))

    # ---------------------------------------------------------------- serving

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FakeHub":
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                hub._answer(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def _next_failure(self, path: str):
        with self._lock:
            for index, (prefix, failure, options) in enumerate(self._script):
                if path.startswith(prefix):
                    del self._script[index]
                    return failure, options
        return None, {}

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append(f"GET {handler.path}")
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self._respond(handler)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _respond(self, handler: BaseHTTPRequestHandler) -> None:
        if self.delay:
            time.sleep(self.delay)
        parts = urlsplit(handler.path)
        failure, options = self._next_failure(parts.path)
        if failure == "hang":
            self._stop.wait(self.hang_seconds)
            return self._send(handler, 200, b"[]")
        if failure == "close":
            handler.close_connection = True
            return
        if failure in ("429", "503"):
            return self._send(handler, int(failure), b'{"error":"slow down"}',
                              {"Retry-After": str(options.get("retry_after", 0))})
        if failure in ("500", "404"):
            return self._send(handler, int(failure), b'{"error":"failure"}')
        if failure == "badjson":
            return self._send(handler, 200, b'[{"paper": {"id": "2106.09685", "title": ')
        if parts.path == "/api/papers/search":
            query = parse_qs(parts.query).get("q", [""])[0]
            words = _words(query)
            found = [p for p in self.papers.values() if len(words & _words(p["title"])) * 2 >= len(words) > 0]
            return self._json(handler, [self.search_result(p) for p in found[:10]])
        if parts.path.startswith("/api/papers/"):
            ident = unquote(parts.path[len("/api/papers/"):])
            if ident in self.papers:
                return self._json(handler, self.papers[ident])
            return self._send(handler, 404, b'{"error":"Paper not found"}')
        return self._send(handler, 404, b'{"error":"Not found"}')

    def _json(self, handler, data) -> None:
        self._send(handler, 200, json.dumps(data).encode("utf-8"))

    @staticmethod
    def _send(handler, status: int, body: bytes, headers: dict | None = None) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:  # the client gave up (timeout, killed)
            pass


# ---------------------------------------------------------------- running papershelf against it

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def hub_env(endpoint: str, home, **extra: str) -> dict[str, str]:
    """The environment of a papershelf run that may only talk to `endpoint` (127.0.0.1)."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.update({"PYTHONPATH": path, "HF_ENDPOINT": endpoint, "HF_HOME": str(home),
                "HF_HUB_DISABLE_TELEMETRY": "1", "PAPERSHELF_HTTP_TIMEOUT": "5", **extra})
    return env


def papershelf_cli(*args: str, env: dict[str, str], timeout: float = 300):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=timeout)


def papershelf_start(*args: str, env: dict[str, str]):
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-m", "generator", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then closed)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
