"""Sets of characters a regex item can match, for `regex_safety.py`: whether two parts of a
pattern can take the same character (which is what makes backtracking multiply).

Sets are kept as merged code-point ranges; `\\d`, `\\w`, `\\s` and their negations as categories
whose overlaps are known; case-insensitive patterns add each letter's other cases.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from .regex_prefilter import _parser

try:
    from re import _casefix
    _EXTRA_CASES: dict[int, tuple[int, ...]] = _casefix._EXTRA_CASES
except ImportError:  # pragma: no cover
    _EXTRA_CASES = {}

if _parser is not None:
    from re import _constants as _sre

_MAX_CODE = 0x10FFFF
_FULL = ((0, _MAX_CODE),)
_SMALL = 4096  # a set of at most this many characters is checked character by character


@dataclass(frozen=True)
class Chars:
    """The characters one item of a pattern matches: ranges, categories (\\w, \\d, \\s and their
    opposites), possibly negated. Only ever used to ask whether two sets share a character."""

    ranges: tuple[tuple[int, int], ...]  # inclusive, sorted, merged (`_merge`)
    categories: tuple[str, ...] = ()
    negate: bool = False

    def contains(self, code: int) -> bool:
        at = bisect_right(self.ranges, (code, _MAX_CODE)) - 1
        inside = (at >= 0 and self.ranges[at][0] <= code <= self.ranges[at][1]) or any(
            _CATEGORY_RE[c].fullmatch(chr(code)) for c in self.categories)
        return inside != self.negate

    def small(self) -> bool:
        return not self.negate and not self.categories and sum(h - l + 1 for l, h in self.ranges) <= _SMALL

    def codes(self):
        for low, high in self.ranges:
            yield from range(low, high + 1)

    def intervals(self) -> tuple[tuple[int, int], ...]:
        """The characters as ranges (for a set without categories)."""
        return _complement(self.ranges) if self.negate else self.ranges


@lru_cache(maxsize=65536)
def overlap(a: Chars, b: Chars) -> bool:
    """Whether some character is in both (when unsure, yes: that only refuses more)."""
    if _FULL in (a.ranges, b.ranges) and not (a.negate or b.negate):  # `.` meets any other item
        return True
    if not (a.categories or b.categories):  # ranges only: compare them as they are
        return _intersect(a.intervals(), b.intervals())
    if a.small():
        return any(b.contains(code) for code in a.codes())
    if b.small():
        return any(a.contains(code) for code in b.codes())
    if a.negate and b.negate:
        return True
    if a.negate or b.negate:  # [^\\s] against \\s: disjoint when the other's categories are excluded
        negated, other = (a, b) if a.negate else (b, a)
        return bool(other.ranges) or any(not (_WITHIN[c] & set(negated.categories)) for c in other.categories)
    if a.ranges or b.ranges:
        return True
    return any(frozenset((c, d)) not in _DISJOINT_CATEGORIES for c in a.categories for d in b.categories)


def _intersect(x, y) -> bool:
    i = j = 0
    while i < len(x) and j < len(y):
        if x[i][1] < y[j][0]:
            i += 1
        elif y[j][1] < x[i][0]:
            j += 1
        else:
            return True
    return False


def overlaps(sets_a: list[Chars], sets_b: list[Chars]) -> bool:
    return any(overlap(a, b) for a in sets_a for b in sets_b)


def _merge(parts) -> tuple[tuple[int, int], ...]:
    out: list[list[int]] = []
    for low, high in sorted(parts):
        if out and low <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], high)
        else:
            out.append([low, high])
    return tuple((low, high) for low, high in out)


def _complement(merged) -> tuple[tuple[int, int], ...]:
    out, start = [], 0
    for low, high in merged:
        if low > start:
            out.append((start, low - 1))
        start = high + 1
    if start <= _MAX_CODE:
        out.append((start, _MAX_CODE))
    return tuple(out)


_CATEGORY_RE = {name: re.compile(name) for name in ("\\d", "\\D", "\\s", "\\S", "\\w", "\\W")}
# The pairs of categories with no character in common, and the categories each lies within
# (\\d is inside \\w, \\s inside \\W...). tests/test_hostile_text.py checks both on all of Unicode.
_DISJOINT_CATEGORIES = {frozenset(pair) for pair in (
    ("\\w", "\\W"), ("\\d", "\\D"), ("\\s", "\\S"), ("\\s", "\\w"), ("\\s", "\\d"), ("\\d", "\\W"))}
_WITHIN = {"\\d": {"\\d", "\\w", "\\S"}, "\\w": {"\\w", "\\S"}, "\\s": {"\\s", "\\W", "\\D"},
           "\\W": {"\\W", "\\D"}, "\\D": {"\\D"}, "\\S": {"\\S"}}


def _case_variants(code: int) -> set[int]:
    char = chr(code)
    variants = {code}
    for other in (char.lower(), char.upper(), char.casefold(), char.title()):
        if len(other) == 1:
            variants.add(ord(other))
    for variant in list(variants):
        variants.update(_EXTRA_CASES.get(variant, ()))
    return variants


def chars_of(op, value, flags: int) -> Chars:
    """The Chars of a LITERAL, NOT_LITERAL, ANY or IN item."""
    icase = bool(flags & re.IGNORECASE)
    if op is _sre.ANY:
        return Chars(_FULL)
    if op in (_sre.LITERAL, _sre.NOT_LITERAL):
        codes = _case_variants(value) if icase else {value}
        return Chars(_merge((c, c) for c in codes), negate=op is _sre.NOT_LITERAL)
    ranges: list[tuple[int, int]] = []
    categories: list[str] = []
    negate = False
    for sub_op, sub_value in value:
        if sub_op is _sre.NEGATE:
            negate = True
        elif sub_op is _sre.LITERAL:
            ranges.extend((c, c) for c in (_case_variants(sub_value) if icase else {sub_value}))
        elif sub_op is _sre.RANGE:
            low, high = sub_value
            if icase and high - low > _SMALL:
                ranges.append((0, _MAX_CODE))  # too many to fold one by one: assume anything
            elif icase:
                ranges.extend((c, c) for code in range(low, high + 1) for c in _case_variants(code))
            else:
                ranges.append((low, high))
        elif sub_op is _sre.CATEGORY:
            categories.append(_CATEGORY_NAMES.get(sub_value, "\\W"))
        else:  # an item we do not know: assume it matches anything
            ranges.append((0, _MAX_CODE))
    return Chars(_merge(ranges), tuple(sorted(set(categories))), negate)


if _parser is not None:
    # Unicode categories as re understands them (a pattern compiled with re.ASCII matches fewer:
    # assuming more can only refuse more).
    _CATEGORY_NAMES = {
        _sre.CATEGORY_DIGIT: "\\d", _sre.CATEGORY_NOT_DIGIT: "\\D",
        _sre.CATEGORY_SPACE: "\\s", _sre.CATEGORY_NOT_SPACE: "\\S",
        _sre.CATEGORY_WORD: "\\w", _sre.CATEGORY_NOT_WORD: "\\W",
    }
    CHAR_OPS = (_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN)
