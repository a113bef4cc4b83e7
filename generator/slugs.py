"""Slugs: the stable file names and curation keys of papers.

python-slugify gives ASCII, lower-case, hyphenated text; we cap it at 80 characters on a word
boundary, never leave it empty, and make it unique by numbering later duplicates in list order,
so the same input always yields the same slugs (curation.yml is keyed by them).
"""

from __future__ import annotations

import re

from slugify import slugify

MAX_SLUG = 80
FALLBACK = "paper"
# Names that would shadow the site's own pages if a paper took them.
RESERVED = {"index"}

_ALNUM = re.compile(r"[a-z0-9]+")
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d)")  # "1,000" -> "1000", as slugify does


def _full_slug(title: str) -> str:
    """slugify(title) with no length cap.

    Most titles are plain ASCII, and for those (without `&`, which may start an HTML entity)
    python-slugify's frozen legacy pipeline comes down to: lower-case, drop commas between
    digits, join the runs of letters and digits with `-`. Doing that directly is ten times
    faster than its dozen regex passes; anything else goes through slugify itself.
    """
    if title.isascii() and "&" not in title:
        text = title.lower()
        if "," in text:
            text = _DIGIT_COMMA.sub("", text)
        return "-".join(_ALNUM.findall(text))
    return slugify(title)


def _cut(full: str, max_length: int) -> str:
    """`full` capped as slugify(title, max_length, word_boundary=True, save_order=True) caps it.

    A full slug is words joined by single hyphens, so keeping the most whole words that fit is
    cutting at the last hyphen within reach; a first word longer than the cap is cut mid-word.
    """
    if not full:  # "🙂🙂" or an empty title
        return FALLBACK
    if len(full) <= max_length or max_length <= 0:  # slugify takes 0 as no cap
        return full
    end = full.rfind("-", 0, max_length + 1)
    return full[:end] if end > 0 else full[:max_length]


def base_slug(title: str, max_length: int = MAX_SLUG) -> str:
    return _cut(_full_slug(title), max_length)


def assign_slugs(titles: list[str]) -> list[str]:
    """Unique slugs for `titles`, in order: the first keeps the plain slug, later ones get -2, -3..."""
    taken: set[str] = set(RESERVED)
    next_number: dict[str, int] = {}  # base slug -> next suffix to try (keeps this linear)
    out: list[str] = []
    for title in titles:
        full = _full_slug(title)  # slugified once; only the cap changes for numbered variants
        base = slug = _cut(full, MAX_SLUG)
        number = next_number.get(base, 1)
        while slug in taken:
            number += 1
            suffix = f"-{number}"
            slug = _cut(full, MAX_SLUG - len(suffix)) + suffix
        next_number[base] = number
        taken.add(slug)
        out.append(slug)
    return out
