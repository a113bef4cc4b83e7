"""BibTeX for the "Cite" box and papers.bib: values escaped so seed text cannot break an entry."""

from __future__ import annotations

import re

from ..model import Paper

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&",
            "#": r"\#", "_": r"\_", "$": r"\$", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


_TABLE = str.maketrans(_SPECIAL)
_ANY_SPECIAL = re.compile("[" + re.escape("".join(_SPECIAL)) + "]").search


def bib_escape(text: str) -> str:
    """Escape TeX specials; braces can never unbalance the entry. (Most titles have none: a
    scan for them is quicker than str.translate's lookup of every character.)"""
    return text.translate(_TABLE) if _ANY_SPECIAL(text) else text


def bibtex_entry(paper: Paper, list_titles: list[str]) -> str:
    """An `@misc` entry: title (braced to keep its capitals), year, the lists it is in, code URL."""
    fields = [("title", "{" + bib_escape(paper.title) + "}")]
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.code:
        fields.append(("howpublished", r"\url{" + bib_escape(paper.code[0]) + "}"))
    if list_titles:
        fields.append(("note", "Listed in: " + bib_escape("; ".join(list_titles))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{paper.slug},\n{body}\n}}\n"


def paper_bibtex(paper: Paper, lib) -> str:
    """`bibtex_entry` of a paper in `lib` (a Library), made once per build: papers.bib and the
    paper's page both show it."""
    return lib.memo(("bibtex", paper.slug),
                        lambda: bibtex_entry(paper, [lib.list_title(f) for f in paper.lists]))
