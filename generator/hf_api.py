"""The Hugging Face Papers API, through `huggingface_hub`: search by title, look up by arXiv id.

`huggingface_hub` builds the requests (`HfApi.list_papers`: GET {endpoint}/api/papers/search?q=
TITLE; `HfApi.paper_info`: GET {endpoint}/api/papers/ID) and honours `HF_ENDPOINT` and
`HF_TOKEN`. What it leaves to its callers, this module adds, so no command can hang or hammer
the server:

- a timeout on every request (20 s; `PAPERSHELF_HTTP_TIMEOUT` overrides it): the hub's shared
  HTTP client has none by default;
- 429 and 503 answers wait as `Retry-After` says (at most MAX_WAIT seconds), then retry, at most
  RETRIES times; the wait holds back every thread's next request, not just the one that got it;
- failures sorted into the two kinds a caller acts on: `HubError` (this request failed: an HTTP
  error, a malformed answer; the next paper may work) and `HubUnreachable` (a timeout or a
  refused connection: stop, nothing else will get through).
"""

from __future__ import annotations

import copy
import os
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from . import __version__
from .errors import PapershelfError
from .metadata import arxiv_id

# huggingface_hub's telemetry (read when it is imported): in 2.x, a once-a-day request for its
# registry of AI agents and extra user-agent fields. papershelf asks only what it needs; set
# HF_HUB_DISABLE_TELEMETRY=0 to allow it.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_TIMEOUT = 20.0  # seconds a request may take before the run stops
RETRIES = 4  # retries of one request after 429/503
MAX_WAIT = 60.0  # the longest Retry-After we honour, in seconds


class HubError(Exception):
    """One request failed (HTTP error, malformed answer): the message is one line."""


class HubNotFound(HubError):
    """404: no such paper on Hugging Face."""


class HubUnreachable(HubError):
    """A timeout or a refused connection: later requests would fail the same way."""


@dataclass(frozen=True)
class HubPaper:
    """The fields of a Hugging Face paper we use, checked and converted (ids without version,
    dates as YYYY-MM-DD, only http(s) URLs)."""

    arxiv: str
    title: str
    summary: str
    authors: tuple[str, ...] = ()
    published: str | None = None
    github: str | None = None
    project_page: str | None = None
    upvotes: int | None = None
    keywords: tuple[str, ...] = ()


def _http_url(value) -> str | None:
    if not isinstance(value, str):
        return None
    parts = urlsplit(value.strip())
    return value.strip() if parts.scheme in ("http", "https") and parts.hostname and " " not in value.strip() else None


def _published(value) -> str | None:
    if isinstance(value, datetime):
        return (value.astimezone(timezone.utc) if value.tzinfo else value).date().isoformat()
    if isinstance(value, str) and len(value) >= 10:
        try:
            return datetime.fromisoformat(value[:10]).date().isoformat()
        except ValueError:
            return None
    return None


def paper_from_info(info, nested: dict | None = None) -> HubPaper | None:
    """A `huggingface_hub` PaperInfo as a HubPaper; None when it has no arXiv id or no title.

    `nested` is the raw `paper` object of a search result or a daily-papers entry: PaperInfo
    reads title, keywords, GitHub repository and project page only at the top level, and older
    `huggingface_hub` versions keep unknown fields under their JSON names.
    """
    nested = nested if isinstance(nested, dict) else {}

    def field(attribute: str, json_name: str):
        value = getattr(info, attribute, None)
        if value is None:
            value = getattr(info, json_name, None)
        return value if value is not None else nested.get(json_name)

    ident = arxiv_id(str(getattr(info, "id", None) or nested.get("id") or ""))
    title = field("title", "title")
    if ident is None or not isinstance(title, str) or not title.strip():
        return None
    summary = field("summary", "summary")
    # PaperAuthor objects (1.0 and later) or plain names (0.x)
    authors = tuple(str(a if isinstance(a, str) else getattr(a, "name", "") or "").strip()
                    for a in (getattr(info, "authors", None) or ()))
    upvotes = field("upvotes", "upvotes")
    keywords = field("ai_keywords", "ai_keywords") or ()
    return HubPaper(
        arxiv=ident, title=title, summary=summary if isinstance(summary, str) else "",
        authors=tuple(a for a in authors if a),
        published=_published(getattr(info, "published_at", None) or nested.get("publishedAt")),
        github=_http_url(field("github_repo", "githubRepo")),
        project_page=_http_url(field("project_page", "projectPage")),
        upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) and upvotes >= 0 else None,
        keywords=tuple(str(k) for k in keywords if isinstance(k, str)) if isinstance(keywords, list) else (),
    )


def paper_from_json(obj) -> HubPaper | None:
    """One object of a saved API answer (daily papers, search results or a single paper)."""
    if not isinstance(obj, dict):
        return None
    from huggingface_hub.hf_api import PaperInfo

    nested = obj.get("paper")
    try:
        info = PaperInfo(**copy.deepcopy(obj))  # it pops what it reads: keep the caller's object
    except (TypeError, ValueError, AttributeError, KeyError):
        return None
    return paper_from_info(info, nested)


def _timeout_from_env() -> float:
    raw = os.environ.get("PAPERSHELF_HTTP_TIMEOUT")
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if not 0 < value <= 600:
        raise PapershelfError(f"PAPERSHELF_HTTP_TIMEOUT must be a number of seconds (0 < s <= 600), not {raw!r}")
    return value


def _set_timeout(seconds: float) -> None:
    """Give huggingface_hub's shared HTTP client a timeout (it has none by default)."""
    import huggingface_hub

    if hasattr(huggingface_hub, "set_client_factory"):  # 1.0 and later: one shared httpx client
        huggingface_hub.get_session().timeout = seconds
        return
    import requests  # 0.x: a requests.Session per thread, made by the backend factory

    class _TimeoutSession(requests.Session):
        def request(self, *args, **kwargs):
            kwargs.setdefault("timeout", seconds)
            return super().request(*args, **kwargs)

    huggingface_hub.configure_http_backend(backend_factory=_TimeoutSession)


def _transport_errors() -> tuple[type[BaseException], ...]:
    """The HTTP library's "could not talk to the server" exceptions, whichever one the installed
    huggingface_hub uses (httpx2, httpx or requests), plus OSError (sockets, and requests'
    exceptions, which derive from it)."""
    found: list[type[BaseException]] = [OSError]
    for module, name in (("httpx2", "TransportError"), ("httpx", "TransportError")):
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type):
            found.append(cls)
    return tuple(found)


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or any("Timeout" in cls.__name__ for cls in type(exc).__mro__)


def retry_after(headers, attempt: int) -> float:
    """Seconds to wait before retry number `attempt` (0-based): Retry-After in seconds or as an
    HTTP date, else 1, 2, 4, 8 s; never more than MAX_WAIT."""
    raw = (headers or {}).get("Retry-After")
    wait: float | None = None
    if raw is not None:
        raw = str(raw).strip()
        if raw.isdigit():
            wait = float(raw)
        else:
            try:
                wait = (parsedate_to_datetime(raw) - datetime.now(timezone.utc)).total_seconds()
            except (TypeError, ValueError):
                wait = None
    if wait is None:
        wait = float(2 ** attempt)
    return min(max(wait, 0.0), MAX_WAIT)


class Hub:
    """The two questions we ask Hugging Face, safe to call from a few threads at once."""

    def __init__(self, endpoint: str | None = None, timeout: float | None = None, sleep=time.sleep):
        from huggingface_hub import HfApi

        # HF_ENDPOINT is read here, not when huggingface_hub was imported, so it can change.
        self.endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
        self.timeout = timeout or _timeout_from_env()
        self._api = HfApi(endpoint=self.endpoint, library_name="papershelf", library_version=__version__)
        _set_timeout(self.timeout)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._not_before = 0.0  # monotonic time before which no thread sends a request
        self.requests = 0  # requests sent, retries included

    def search(self, title: str) -> list[HubPaper]:
        """Papers whose search result names an arXiv id and a title (others are no candidates)."""
        infos = self._call(lambda: list(self._api.list_papers(query=title)), f"search {title[:50]!r}")
        return [p for p in map(paper_from_info, infos) if p is not None]

    def paper(self, ident: str) -> HubPaper:
        """The paper with this arXiv id; HubNotFound when Hugging Face has none."""
        info = self._call(lambda: self._api.paper_info(ident), f"paper {ident}")
        paper = paper_from_info(info)
        if paper is None:
            raise HubError(f"{self.endpoint}: paper {ident}: the answer has no id or title")
        return paper

    def _wait_turn(self) -> None:
        with self._lock:
            delay = self._not_before - time.monotonic()
            self.requests += 1
        if delay > 0:
            self._sleep(delay)

    def _hold_back(self, seconds: float) -> None:
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    def _call(self, call, what: str):
        from huggingface_hub.utils import HfHubHTTPError

        for attempt in range(RETRIES + 1):
            self._wait_turn()
            try:
                return call()
            except HfHubHTTPError as exc:
                response = getattr(exc, "response", None)
                status = getattr(response, "status_code", None)
                if status in (429, 503) and attempt < RETRIES:
                    self._hold_back(retry_after(getattr(response, "headers", None), attempt))
                    continue
                if status == 404:
                    raise HubNotFound(f"{what}: no such paper on {self.endpoint}") from None
                raise HubError(f"{what}: HTTP {status} from {self.endpoint}"
                               + (" (still busy after retries)" if status in (429, 503) else "")) from None
            except _transport_errors() as exc:
                if isinstance(exc, ValueError) and "JSON" in type(exc).__name__:  # requests' JSON error is an OSError
                    raise HubError(f"{what}: malformed answer from {self.endpoint} ({type(exc).__name__})") from None
                if _is_timeout(exc):
                    raise HubUnreachable(f"{self.endpoint} did not answer within {self.timeout:g} s ({what})") from None
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise HubUnreachable(f"cannot reach {self.endpoint}: {reason}") from None
            except (ValueError, TypeError, AttributeError, KeyError) as exc:  # JSON or shape
                raise HubError(f"{what}: malformed answer from {self.endpoint} ({type(exc).__name__})") from None
        raise AssertionError("unreachable")  # pragma: no cover
