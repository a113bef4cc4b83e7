"""Reader for BibTeX files (what Zotero, Mendeley and Google Scholar export), via bibtexparser.

bibtexparser handles the grammar and turns LaTeX accents and braces into plain text
({\\"u} -> ü, {BERT} -> BERT); we map fields to an Entry: title, abstract, authors (names,
"Last, First" turned into "First Last"), year/month as a date (day 1 when the entry has none),
and url, doi and eprint as links.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import bibtexparser
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors

from ..errors import Problem
from ..model import Entry, Link
from ..text import classify_url, clean_text, extract_links
from . import ReadResult, register
from .hf_listing import decode

logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # we report failed blocks ourselves

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


def _name(raw: str) -> str:
    raw = " ".join(raw.split())
    if "," in raw:
        last, first = raw.split(",", 1)
        return f"{first.strip()} {last.strip()}".strip()
    return raw


def _date(fields: dict) -> str | None:
    year = str(fields.get("year", "")).strip()
    if not (len(year) == 4 and year.isdigit()):
        return None
    month_raw = str(fields.get("month", "")).strip().lower()[:3]
    month = _MONTHS.get(month_raw) or (int(month_raw) if month_raw.isdigit() and 1 <= int(month_raw) <= 12 else 1)
    return date(int(year), month, 1).isoformat()


def _links(fields: dict, abstract: str) -> tuple[Link, ...]:
    links: list[Link] = []
    url = str(fields.get("url", "")).strip()
    if url.startswith(("http://", "https://")):
        links.append(Link(classify_url(url), url))
    doi = str(fields.get("doi", "")).strip()
    if doi:
        doi = doi.removeprefix("https://doi.org/").removeprefix("doi:")
        links.append(Link("other", f"https://doi.org/{doi}"))
    eprint = str(fields.get("eprint", "")).strip()
    if eprint and str(fields.get("archiveprefix", fields.get("eprinttype", "arxiv"))).lower() == "arxiv":
        links.append(Link("other", f"https://arxiv.org/abs/{eprint}"))
    seen = {link.url for link in links}
    return tuple(links) + tuple(link for link in extract_links(abstract) if link.url not in seen)


@register("bibtex", ".bib")
def read(path: Path, captured: date | None = None) -> ReadResult:
    """One Entry per BibTeX entry that has a title; anything unparsable is reported by line."""
    result = ReadResult()
    text, problems = decode(path.read_bytes(), path.name)
    result.problems.extend(problems)
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware(), SeparateCoAuthors()])
    for block in library.failed_blocks:
        result.problems.append(Problem(path.name, block.start_line + 1, None,
                                       f"cannot parse this BibTeX entry: {block.error}", "warning"))
    for entry in library.entries:
        fields = {f.key.lower(): f.value for f in entry.fields}
        line = entry.start_line + 1
        title = clean_text(str(fields.get("title", "")).replace("{", "").replace("}", ""))
        if not title:
            result.problems.append(Problem(path.name, line, None, f"entry '{entry.key}' has no title; skipped",
                                           "warning"))
            continue
        abstract = clean_text(str(fields.get("abstract", "")))
        authors = fields.get("author", [])
        names = tuple(_name(a) for a in (authors if isinstance(authors, list) else [authors]) if str(a).strip())
        result.entries.append(Entry(path.name, line, title, abstract, authors_count=len(names) or None,
                                    authors=names, date=_date(fields), links=_links(fields, abstract)))
    if not result.entries and not result.problems:
        result.problems.append(Problem(path.name, 1, None, "no BibTeX entries found"))
    return result
