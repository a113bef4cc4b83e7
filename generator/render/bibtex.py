"""BibTeX for the "Cite" box and papers.bib: values escaped so seed text cannot break an entry.

Entries are what arXiv's own export gives (`@misc` with `eprint` and `archivePrefix` when the
arXiv identifier is known), under a short key a reference manager shows well: the first author's
last name, the year and the title's first word (`hu2021lora`), made unique across the list by a
letter (`hu2021loraa`, `hu2021lorab`).
"""

from __future__ import annotations

import re
import unicodedata

from ..model import Paper

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&",
            "#": r"\#", "_": r"\_", "$": r"\$", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_SMALL_WORDS = frozenset("a an the on of for in to and with from via is are do does how what why when towards toward".split())

_TABLE = str.maketrans(_SPECIAL)
_ANY_SPECIAL = re.compile("[" + re.escape("".join(_SPECIAL)) + "]").search


def bib_escape(text: str) -> str:
    """Escape TeX specials; braces can never unbalance the entry. (Most titles have none: a
    scan for them is quicker than str.translate's lookup of every character.)"""
    return text.translate(_TABLE) if _ANY_SPECIAL(text) else text


_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]")


def _ascii_word(text: str) -> str:
    """Lower-case ASCII letters and digits of `text` (accents dropped: 'Müller' -> 'muller')."""
    if not text.isascii():  # (NFKD and the ASCII encoding leave ASCII text as it is)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_ASCII_WORD.sub("", text.lower())


def key_stem(paper: Paper) -> str:
    """lastname + year + first title word, in ASCII: what `bibtex_keys` makes unique."""
    last = ""
    if paper.authors:
        first = paper.authors[0]
        last = _ascii_word(first.split(",")[0] if "," in first else (first.split() or [""])[-1])
    word = fallback = ""
    for raw in re.split(r"[\s\-:/]+", paper.title):  # (the first word that is not small, or the first)
        word = _ascii_word(raw)
        if word and word not in _SMALL_WORDS:
            break
        fallback = fallback or word
    else:
        word = fallback or "paper"
    return f"{last or 'anon'}{paper.year or ''}{word[:20]}"


def bibtex_keys(papers) -> dict[str, str]:
    """slug -> a unique key, for papers in site order: the first of a stem keeps it bare only
    when no other paper shares it; otherwise each gets a, b, c... in site order."""
    stems = {paper.slug: key_stem(paper) for paper in papers}
    shared: dict[str, int] = {}
    for stem in stems.values():
        shared[stem] = shared.get(stem, 0) + 1
    keys, taken, seen = {}, set(stems.values()), {}
    for slug, stem in stems.items():
        if shared[stem] == 1:
            keys[slug] = stem
            continue
        number = seen.get(stem, 0)
        while True:
            suffix = _suffix(number)
            number += 1
            if stem + suffix not in taken:
                break
        seen[stem] = number
        keys[slug] = stem + suffix
        taken.add(stem + suffix)
    return keys


def _suffix(number: int) -> str:
    """a, b, ..., z, aa, ab, ...: the letters reference managers add."""
    out = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(97 + rest) + out
    return out


def _name(name: str) -> str:
    """One author, escaped; braced when it holds a word BibTeX would split on (' and ')."""
    escaped = bib_escape(name.strip())
    return "{" + escaped + "}" if re.search(r"\sand\s", escaped, re.I) else escaped


def bibtex_entry(paper: Paper, list_titles: list[str], key: str | None = None) -> str:
    """An `@misc` entry: title (braced to keep its capitals), authors, year and month, the arXiv
    identifier, a URL, the code URL and the lists it is in."""
    fields = [("title", "{" + bib_escape(paper.title) + "}")]
    if paper.authors:
        fields.append(("author", " and ".join(_name(a) for a in paper.authors if a.strip())))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.date and len(paper.date) >= 7 and paper.date[5:7].isdigit() and 1 <= int(paper.date[5:7]) <= 12:
        fields.append(("month", _MONTHS[int(paper.date[5:7]) - 1]))
    if paper.arxiv:
        fields += [("eprint", bib_escape(paper.arxiv)), ("archivePrefix", "arXiv"),
                   ("url", "https://arxiv.org/abs/" + bib_escape(paper.arxiv))]
    else:
        page = next((link.url for link in paper.links if link.kind != "code"), None)
        if page:
            fields.append(("url", bib_escape(page)))
    notes = []
    if paper.code:
        notes.append(r"Code: \url{" + bib_escape(paper.code[0]) + "}")
    if list_titles:
        notes.append("Listed in: " + bib_escape("; ".join(list_titles)))
    if notes:
        fields.append(("note", ". ".join(notes)))
    body = ",\n".join(f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key or key_stem(paper)},\n{body}\n}}\n"


def paper_bibtex(paper: Paper, lib) -> str:
    """`bibtex_entry` of a paper in `lib` (a Library), made once per build: papers.bib and the
    paper's page both show it."""
    keys = lib.memo(("bibtex-keys",), lambda: bibtex_keys(lib.papers))
    return lib.memo(("bibtex", paper.slug),
                    lambda: bibtex_entry(paper, [lib.list_title(f) for f in paper.lists], keys.get(paper.slug)))
