"""`papershelf enrich`: find each paper on Hugging Face once and record it in seeds/metadata.yml.

For every paper without a record in the lock file (all of them with `refresh`, or the `only`
slugs), search Hugging Face by title and look the candidate up by its arXiv id. A candidate is
the paper only when its normalised title equals the paper's (the dedup rule's normal form) and
their abstracts agree (`dedup.abstracts_agree`), checked on the full record `paper_info`
returns: "Mamba-2: ..." is not "Mamba: ...", and two papers both called "Scaling Laws" are told
apart by their abstracts. A search that finds no such paper is recorded as missed, so a rerun
asks only about new papers; when two different ids both pass, it is a miss too (a curator can pin).

The lock file is rewritten (atomically) as results come in, so an interruption, even kill -9,
keeps what was fetched and leaves a valid file. A curator's entries (metadata.py) are never
changed, apart from filling in the empty fields of an id they typed.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .dedup import abstracts_agree
from .errors import PapershelfError, Problem
from .hf_api import Hub, HubError, HubNotFound, HubPaper, HubUnreachable
from .metadata import (PaperMetadata, completed, load_metadata, lock_path, paper_key, record_of,
                       remove_leftovers, write_metadata)
from .text import clean_text, normalize_title
from .validate import suggest

MAX_JOBS = 4  # requests in flight at most: the API is shared, and a reading list is not urgent
ERRORS_IN_A_ROW = 10  # this many failed papers in a row: the server is down, stop asking


@dataclass
class EnrichReport:
    matched: list[str] = field(default_factory=list)  # slugs
    missed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "slug: what went wrong", one line each
    known: int = 0  # skipped: already in the lock file
    hand: int = 0  # skipped: a curator's entry
    stopped: str | None = None  # why the run stopped before the end (timeout, refused connection)
    problems: list[Problem] = field(default_factory=list)  # warnings (papers sharing a key)
    requests: int = 0
    saved: int = 0  # entries in the lock file at the end

    def summary(self) -> str:
        return (f"matched {len(self.matched)}, missed {len(self.missed)}, errors {len(self.errors)}, "
                f"skipped {self.known + self.hand} ({self.known} already known, {self.hand} hand entries); "
                f"{self.requests} requests")


def same_paper(title: str, abstract: str, candidate: HubPaper) -> bool:
    """The dedup rule: equal normalised titles (not empty) and agreeing abstracts."""
    key = normalize_title(title)
    return bool(key) and normalize_title(clean_text(candidate.title)) == key and abstracts_agree(
        abstract, clean_text(candidate.summary))


def _record(key: str, title: str, found: HubPaper | None) -> PaperMetadata:
    if found is None:
        return record_of(key, title, arxiv=None)
    return record_of(key, title, arxiv=found.arxiv, authors=found.authors, published=found.published,
                     github=found.github, project_page=found.project_page, upvotes=found.upvotes,
                     keywords=found.keywords)


def lookup(hub: Hub, key: str, title: str, abstract: str, entry: PaperMetadata | None) -> PaperMetadata:
    """Ask Hugging Face about one paper: its new lock-file entry (matched, missed or completed)."""
    if entry is not None and entry.incomplete:  # an id a curator typed: trust it, fill in the rest
        try:
            found = hub.paper(entry.arxiv)
        except HubNotFound:
            raise HubError(f"arxiv: {entry.arxiv} (typed by hand) is not on {hub.endpoint}") from None
        return completed(entry, _record(key, title, found))
    candidates = [c for c in hub.search(title) if same_paper(title, abstract, c)]
    verified: dict[str, HubPaper] = {}
    for ident in dict.fromkeys(c.arxiv for c in candidates):
        try:
            info = hub.paper(ident)
        except HubNotFound:
            continue
        if same_paper(title, abstract, info):  # the search answer may be partial: check the full one
            verified[info.arxiv] = info
    return _record(key, title, next(iter(verified.values())) if len(verified) == 1 else None)


class _Saver:
    """Rewrites the lock file as results arrive, spending at most about a tenth of the time on it
    (the whole file is rewritten each time: 0.3 s at 700 papers, a few ms for a short list)."""

    def __init__(self, path: Path, entries: dict[str, PaperMetadata]):
        self.path, self.entries = path, entries
        self.dirty = False
        self._last_end = 0.0
        self._last_cost = 0.0

    def changed(self) -> None:
        self.dirty = True
        if time.monotonic() - self._last_end >= 10 * self._last_cost:
            self.save()

    def save(self) -> None:
        if not self.dirty:
            return
        start = time.monotonic()
        write_metadata(self.path, self.entries)
        self._last_end = time.monotonic()
        self._last_cost = self._last_end - start
        self.dirty = False


def enrich(root: Path, *, refresh: bool = False, only: tuple[str, ...] = (), jobs: int = 2,
           hub: Hub | None = None, progress=None) -> EnrichReport:
    """Enrich the list at `root`; the lock file holds every result even when this raises."""
    from .site import load_project

    if not 1 <= jobs <= MAX_JOBS:
        raise PapershelfError(f"--jobs must be between 1 and {MAX_JOBS}, not {jobs}")
    papers = load_project(root)[0]
    path = lock_path(root)
    keys = {paper.slug: paper_key(paper.title) for paper in papers}
    entries, problems = load_metadata(path, set(keys.values()))
    errors = [p for p in problems if p.severity == "error"]
    if errors:  # rewriting it would drop the entries we could not read
        raise PapershelfError(errors)
    slugs = {paper.slug for paper in papers}
    unknown = [slug for slug in only if slug not in slugs]
    if unknown:
        raise PapershelfError([Problem("papershelf", None, None, f"no paper '{slug}'{suggest(slug, slugs)}")
                               for slug in unknown])
    report = EnrichReport(problems=[p for p in problems if p.severity != "error"])
    shared = {key for key, n in Counter(keys.values()).items() if n > 1}
    todo = []
    for paper in papers:
        key = keys[paper.slug]
        if only and paper.slug not in only:
            continue
        if key in shared:
            report.problems.append(Problem(
                "papershelf", None, None, f"'{paper.slug}' shares its title with another paper; not enriched "
                "(one lock-file entry cannot describe both)", "warning"))
            continue
        entry = entries.get(key)
        if entry is not None and entry.hand and not entry.incomplete:
            report.hand += 1
        elif entry is not None and not entry.hand and not refresh and not only:
            report.known += 1
        else:
            todo.append(paper)
    if not todo:
        report.saved = len(entries)
        return report
    hub = hub or Hub()
    remove_leftovers(path)  # of a run that was killed while writing
    saver = _Saver(path, entries)
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="enrich")
    futures: list[tuple[Future, object]] = [
        (pool.submit(lookup, hub, keys[p.slug], p.title, p.abstract, entries.get(keys[p.slug])), p) for p in todo]
    by_future = dict(futures)
    ordered = [f for f, _ in futures]
    done: set[Future] = set()

    def take(future: Future) -> None:
        """Record one finished lookup (in the order submitted, so the counts are deterministic)."""
        paper = by_future[future]
        done.add(future)
        try:
            entry = future.result()
        except HubUnreachable:
            raise
        except HubError as exc:
            report.errors.append(f"{paper.slug}: {exc}")
            return
        entries[entry.key] = entry
        (report.matched if entry.arxiv else report.missed).append(paper.slug)
        saver.changed()

    try:
        in_a_row = 0
        for future in (progress(ordered, "Asking Hugging Face") if progress else ordered):
            errors_before = len(report.errors)
            try:
                take(future)
            except HubUnreachable as exc:
                report.stopped = str(exc)
                break
            in_a_row = in_a_row + 1 if len(report.errors) > errors_before else 0
            if in_a_row >= ERRORS_IN_A_ROW:
                report.stopped = f"{ERRORS_IN_A_ROW} papers in a row failed; stopping (is {hub.endpoint} down?)"
                break
        pool.shutdown(wait=True, cancel_futures=True)
        for future in ordered:  # lookups that finished after the run stopped: keep what they found
            if future not in done and future.done() and not future.cancelled() and future.exception() is None:
                take(future)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        saver.save()  # on every way out, Ctrl-C included
        report.requests = hub.requests
        report.saved = len(entries)
    return report
