"""One record per paper: merge the entries that several captures list for the same paper.

A title match alone is not enough (two papers can be called "Scaling Laws" after
normalisation), so entries merge only when their abstracts agree too, compared without URLs
because captures mirror links differently. Same-title entries with different abstracts stay
separate papers and get a warning, so a curator can check them.
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher
from functools import lru_cache

from .errors import Problem
from .model import Entry, Link, Paper, new_paper
from .slugs import assign_slugs
from .text import normalize_abstract, normalize_title

SAME_ABSTRACT = 0.9  # similarity ratio above which two abstracts are the same text
# An entry is compared with at most this many papers of its title (besides an exact match of its
# abstract, found at once): real lists have two or three, and a file of thousands of entries with
# one title must not cost a comparison for every pair of them.
MAX_SAME_TITLE = 5
# Abstracts are compared on their first this-many words (an arXiv abstract has at most about 300):
# SequenceMatcher's time grows with the product of the two lengths.
COMPARED_WORDS = 320


def abstracts_agree(a: str, b: str) -> bool:
    """Same abstract, up to URLs, punctuation and small scrape differences; empty matches all."""
    return _normalized_agree(normalize_abstract(a), normalize_abstract(b))


def _normalized_agree(na: str, nb: str) -> bool:
    """abstracts_agree() for abstracts already passed through normalize_abstract()."""
    if not na or not nb or na == nb:
        return True
    shorter, longer = sorted((na, nb), key=len)
    if len(shorter) >= 80 and longer.startswith(shorter):
        return True  # one source cut the abstract short (BibTeX exports, truncated captures)
    # Compare word lists, cheapest bounds first (SequenceMatcher's real_quick_ratio and
    # quick_ratio, each an upper bound of ratio()): most different abstracts stop at the second.
    (a, a_set, a_repeats), (b, b_set, b_repeats) = _words(na), _words(nb)
    total = len(a) + len(b)
    if 2 * min(len(a), len(b)) < SAME_ABSTRACT * total:
        return False
    # The words they share, counted with repeats, are at most the distinct words they share plus
    # the repeats of either: a bound found by one set intersection, in C.
    if 2 * (len(a_set & b_set) + min(a_repeats, b_repeats)) < SAME_ABSTRACT * total:
        return False
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= SAME_ABSTRACT and matcher.ratio() >= SAME_ABSTRACT


@lru_cache(maxsize=4096)
def _words(normalized: str) -> tuple[list[str], frozenset[str], int]:
    """A normalised abstract's first COMPARED_WORDS words, the set of them, and how many are repeats."""
    words = normalized.split(maxsplit=COMPARED_WORDS)[:COMPARED_WORDS]
    distinct = frozenset(words)
    return words, distinct, len(words) - len(distinct)


def _richest(values):
    """The first non-empty value in the order given (entries are in manifest order)."""
    for value in values:
        if value not in (None, "", ()):
            return value
    return None


def _unique_links(links: Iterable[Link]) -> tuple[Link, ...]:
    """One link per URL, ignoring case and a trailing slash; the first one seen wins."""
    unique: dict[str, Link] = {}
    for link in links:
        unique.setdefault(link.url.rstrip("/").lower(), link)
    return tuple(unique.values())


def _known(value):
    """A value, or None for an empty one (as `_richest` of one)."""
    return value if value not in (None, "", ()) else None


def _merge(group: list[Entry]) -> dict:
    if len(group) == 1:  # most papers: the merge below, without its loops
        entry = group[0]
        return dict(title=entry.title, abstract=entry.abstract, authors_count=_known(entry.authors_count),
                    authors=entry.authors or (), date=_known(entry.date), upvotes=entry.upvotes,
                    links=_unique_links(entry.links), lists=(entry.source,), origins=(entry.origin,),
                    added=entry.added)
    lists: list[str] = []
    for entry in group:
        if entry.source not in lists:
            lists.append(entry.source)
    by_length = sorted(group, key=lambda e: -len(e.abstract))  # stable: ties keep manifest order
    return dict(
        title=group[0].title,
        abstract=by_length[0].abstract,
        authors_count=_richest(e.authors_count for e in group),
        authors=_richest(e.authors for e in group) or (),
        date=_richest(e.date for e in group),
        upvotes=max((e.upvotes for e in group if e.upvotes is not None), default=None),
        links=_unique_links(link for entry in group for link in entry.links),
        lists=tuple(lists),
        origins=tuple(e.origin for e in group),
        added=min((e.added for e in group if e.added), default=None),
    )


def merge_entries(entries: list[Entry]) -> tuple[list[Paper], list[Problem]]:
    """Group entries into papers (in order of first appearance) and give each a unique slug."""
    problems: list[Problem] = []
    groups: list[list[Entry]] = []
    by_title: dict[str, list[int]] = {}
    normalized: dict[str, str] = {}  # abstract -> normalize_abstract(abstract), each done once

    def agree(a: str, b: str) -> bool:
        if a == b:
            return True
        for text in (a, b):
            if text not in normalized:
                normalized[text] = normalize_abstract(text)
        return _normalized_agree(normalized[a], normalized[b])

    exact: dict[tuple[str, str], int] = {}  # (title key, normalised abstract) -> group
    for entry in entries:
        key = normalize_title(entry.title)
        placed = None
        if key:  # titles of only symbols never merge
            if entry.abstract not in normalized:
                normalized[entry.abstract] = normalize_abstract(entry.abstract)
            placed = exact.get((key, normalized[entry.abstract]))
            if placed is None:
                placed = next((index for index in by_title.get(key, [])[:MAX_SAME_TITLE]
                               if agree(groups[index][0].abstract, entry.abstract)), None)
        if placed is not None:
            groups[placed].append(entry)
            continue
        if key and key in by_title:
            first = groups[by_title[key][0]][0]
            looks = ("same title as" if normalize_title(first.title, look_alikes=False)
                     == normalize_title(entry.title, look_alikes=False)
                     else "a title that looks the same (look-alike letters) as")
            problems.append(Problem(entry.source, entry.line, None,
                                    f"{looks} {first.origin} but a different abstract; kept as two papers",
                                    "warning"))
        by_title.setdefault(key, []).append(len(groups))
        if key:
            exact.setdefault((key, normalized[entry.abstract]), len(groups))
        groups.append([entry])
    fields = [_merge(group) for group in groups]
    slugs = assign_slugs([f["title"] for f in fields])
    return [new_paper({"slug": slug, **f}) for slug, f in zip(slugs, fields)], problems
