"""Slugs: the stable file names and curation keys of papers.

python-slugify gives ASCII, lower-case, hyphenated text; we cap it at 80 characters on a word
boundary, never leave it empty, and make it unique by numbering later duplicates in list order,
so the same input always yields the same slugs (curation.yml is keyed by them).
"""

from __future__ import annotations

from slugify import slugify

MAX_SLUG = 80
FALLBACK = "paper"
# Names that would shadow the site's own pages if a paper took them.
RESERVED = {"index"}


def base_slug(title: str, max_length: int = MAX_SLUG) -> str:
    slug = slugify(title, max_length=max_length, word_boundary=True, save_order=True)
    if not slug:  # "🙂🙂" or an empty title: cut mid-word rather than fail
        slug = slugify(title, max_length=max_length)
    return slug or FALLBACK


def assign_slugs(titles: list[str]) -> list[str]:
    """Unique slugs for `titles`, in order: the first keeps the plain slug, later ones get -2, -3..."""
    taken: set[str] = set(RESERVED)
    next_number: dict[str, int] = {}  # base slug -> next suffix to try (keeps this linear)
    out: list[str] = []
    for title in titles:
        base = slug = base_slug(title)
        number = next_number.get(base, 1)
        while slug in taken:
            number += 1
            suffix = f"-{number}"
            slug = base_slug(title, MAX_SLUG - len(suffix)) + suffix
        next_number[base] = number
        taken.add(slug)
        out.append(slug)
    return out
