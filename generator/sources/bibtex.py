"""Reader for BibTeX files (what Zotero, Mendeley and Google Scholar export), via bibtexparser.

bibtexparser handles the grammar (entries, @string references, enclosing braces and quotes);
`latex.latex_to_text` turns each field's LaTeX into plain text ({\\"u} -> ü, {BERT} -> BERT,
`\\%` and a raw `%` -> %) in one pass. We map fields to an Entry: title, abstract, authors
(names, "Last, First" turned into "First Last"), year/month as a date (day 1 when the entry has
none), and url, doi and eprint as links. A file over limits.MAX_CAPTURE_BYTES is refused; a title
or abstract over its limit is cut, with a warning.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

import bibtexparser
from bibtexparser.middlewares.names import split_multiple_persons_names

from ..errors import Problem
from ..latex import latex_to_text
from ..limits import MAX_ABSTRACT_CHARS, MAX_CAPTURE_BYTES, MAX_NAME_CHARS, MAX_TITLE_CHARS, cleaned, read_limited
from ..model import Entry, Link
from ..text import classify_url, clean_text, extract_links, xml_safe
from . import ReadResult, register
from .hf_listing import decode

logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # we report failed blocks ourselves

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_URL_ESCAPE = re.compile(r"\\([_%&#$~])")


def _text(fields: dict, key: str, limit: int, label: str, line: int, problems: list[Problem]) -> str:
    """A title or abstract: decoded, cleaned and cut to `limit` (with a warning)."""
    return cleaned(str(fields.get(key, "")), limit, key, label, line, problems, _plain)


def _plain(value: str) -> str:
    return clean_text(latex_to_text(value))


def _split_top_level_comma(raw: str) -> tuple[str, str] | None:
    """("Last", "First") from "Last, First", the comma outside braces ({Barnes, Inc.} is a name)."""
    depth = 0
    for index, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "," and depth <= 0:
            return raw[:index], raw[index + 1:]
    return None


def _person(raw: str) -> str:
    """A name as shown: "Last, First" turned into "First Last", LaTeX decoded."""
    parts = _split_top_level_comma(raw)
    if parts is None:
        return _plain(raw)
    last, first = (_plain(part) for part in parts)
    return f"{first} {last}".strip()


def _url(value) -> str:
    """A url, doi or eprint field as written: escapes (\\_ \\%) and braces undone, no spaces."""
    text = _URL_ESCAPE.sub(r"\1", str(value)).replace("{", "").replace("}", "")
    return xml_safe("".join(text.removeprefix("\\url").split()))


def _date(fields: dict) -> str | None:
    year = str(fields.get("year", "")).strip()
    if not (len(year) == 4 and year.isdigit()):
        return None
    month_raw = str(fields.get("month", "")).strip().lower()[:3]
    month = _MONTHS.get(month_raw) or (int(month_raw) if month_raw.isdigit() and 1 <= int(month_raw) <= 12 else 1)
    return date(int(year), month, 1).isoformat()


def _links(fields: dict, abstract: str) -> tuple[Link, ...]:
    links: list[Link] = []
    url = _url(fields.get("url", ""))
    if url.startswith(("http://", "https://")):
        links.append(Link(classify_url(url), url))
    doi = _url(fields.get("doi", ""))
    if doi:
        doi = doi.removeprefix("https://doi.org/").removeprefix("doi:")
        links.append(Link("other", f"https://doi.org/{doi}"))
    eprint = _url(fields.get("eprint", ""))
    if eprint and str(fields.get("archiveprefix", fields.get("eprinttype", "arxiv"))).lower() == "arxiv":
        links.append(Link("other", f"https://arxiv.org/abs/{eprint}"))
    seen = {link.url for link in links}
    return tuple(links) + tuple(link for link in extract_links(abstract) if link.url not in seen)


@register("bibtex", ".bib")
def read(path: Path, captured: date | None = None) -> ReadResult:
    """One Entry per BibTeX entry that has a title; anything unparsable is reported by line."""
    result = ReadResult()
    label = path.name
    raw, problems = read_limited(path, MAX_CAPTURE_BYTES, label)
    result.problems.extend(problems)
    if raw is None:
        return result
    text, problems = decode(raw, label)
    result.problems.extend(problems)
    try:
        library = bibtexparser.parse_string(text)
    except Exception as exc:  # noqa: BLE001  (a third-party parser: any failure is the file's problem)
        result.problems.append(Problem(label, None, None, f"cannot parse this BibTeX file: {exc}"))
        return result
    for block in library.failed_blocks:
        result.problems.append(Problem(label, block.start_line + 1, None,
                                       f"cannot parse this BibTeX entry: {block.error}", "warning"))
    for entry in library.entries:
        fields = {f.key.lower(): f.value for f in entry.fields}
        line = entry.start_line + 1
        title = _text(fields, "title", MAX_TITLE_CHARS, label, line, result.problems)
        if not title:
            result.problems.append(Problem(label, line, None, f"entry '{entry.key}' has no title; skipped",
                                           "warning"))
            continue
        abstract = _text(fields, "abstract", MAX_ABSTRACT_CHARS, label, line, result.problems)
        names = tuple(name for raw_name in split_multiple_persons_names(str(fields.get("author", "")))
                      if (name := cleaned(raw_name, MAX_NAME_CHARS, "author name", label, line, result.problems,
                                          _person)))
        result.entries.append(Entry(label, line, title, abstract, authors_count=len(names) or None,
                                    authors=names, date=_date(fields), links=_links(fields, abstract)))
    if not result.entries and not result.problems:
        result.problems.append(Problem(label, 1, None, "no BibTeX entries found"))
    return result
