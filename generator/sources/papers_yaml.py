"""Reader for `seeds/papers.yml`: papers a curator adds by hand, one YAML record each.

    - title: My favourite paper          # required
      abstract: What it does.
      date: 2024-05-01                   # YYYY-MM-DD
      authors: [Ada Lovelace, Alan Turing]
      url: https://example.org/paper     # project page or PDF
      code: https://github.com/me/repo   # one URL or a list
      links: [https://huggingface.co/me/model]

Validated like the other YAML files: every problem as file:line:col.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..limits import MAX_ABSTRACT_CHARS, MAX_NAME_CHARS, MAX_TITLE_CHARS, cleaned
from ..model import Entry, Link
from ..text import classify_url, clean_text, extract_links
from ..validate import Checker
from ..yamlio import YDict, YList, load_file, where
from . import ReadResult, register

PAPERS_FILE = "papers.yml"
_KEYS = {"title", "abstract", "date", "added", "authors", "url", "code", "links"}


@register("papers-yaml", ".yml", ".yaml")
def read(path: Path, captured: date | None = None) -> ReadResult:
    data, problems = load_file(path)
    check = Checker(path.name)
    check.problems.extend(problems)
    result = ReadResult(problems=check.problems)
    if data is None:
        return result
    if not isinstance(data, YList):
        check.error(data, "must be a list of papers (- title: ...)")
        return result
    for item in data:
        if not isinstance(item, YDict):
            check.error(item if item is not None else data, "each paper must be a mapping with at least a title")
            continue
        check.keys(item, _KEYS, "a paper")
        title = check.string(item, "title", "paper")
        if not title:
            continue
        title = cleaned(title, MAX_TITLE_CHARS, "title", path.name, where(item["title"])[0], check.problems,
                        clean_text)
        if not title:
            continue
        abstract = check.string(item, "abstract", "paper", required=False) or ""
        when, added = (_iso_date(item, key, check) for key in ("date", "added"))
        links: list[Link] = []
        for key in ("code", "url", "links"):
            for url in check.string_list(item, key):
                if not str(url).startswith(("http://", "https://")):
                    check.error(url, f"'{key}' must be an http(s) URL, not {str(url)!r}")
                    continue
                kind = "code" if key == "code" else classify_url(str(url))
                links.append(Link(kind, str(url)))
        authors = tuple(name for a in check.string_list(item, "authors")
                        if (name := cleaned(a, MAX_NAME_CHARS, "author name", path.name, where(a)[0], check.problems,
                                            clean_text)))
        abstract = cleaned(abstract, MAX_ABSTRACT_CHARS, "abstract", path.name,
                           where(item.get("abstract"), where(item))[0], check.problems, clean_text)
        known = {link.url for link in links}
        links += [link for link in extract_links(abstract) if link.url not in known]
        result.entries.append(Entry(path.name, item.line, title, abstract,
                                    authors_count=len(authors) or None, authors=authors, date=when,
                                    links=tuple(links), added=added))
    return result


def _iso_date(item: YDict, key: str, check: Checker) -> str | None:
    """The paper's `key` as YYYY-MM-DD, or None (absent, or reported as a problem)."""
    when = check.string(item, key, "paper", required=False)
    if when is not None:
        try:
            date.fromisoformat(when)
            assert len(when) == 10
        except (ValueError, AssertionError):
            check.error(item[key], f"'{key}' must be YYYY-MM-DD, not {when!r}")
            return None
    return when
