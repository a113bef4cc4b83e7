"""Each stretch of text counts once per tag: where several rules of one tag match the same words
(a word and a phrase holding it, `LoRA` as a word and as a regex, a string listed twice), only
the longest match counts. `matching.py` calls `settle` only for texts where two or more rules of
one tag hit, so the common case stays all arrays; this finds the matches' spans in the text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .matching import Matcher

_ALNUM = "0-9a-z"
_WORD_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")


def _span_pattern(matcher: Matcher, index: int) -> tuple[re.Pattern, bool] | None:
    """A regex finding, in the lower-cased text, what a word or phrase rule counts (its words
    in a row, whatever separates them; `word*` any word starting so), or the rule's own regex;
    and whether a match must also start a word (see `_matches`)."""
    cache = matcher._span_patterns
    if index not in cache:
        rule = matcher.rules[index][1]
        words = matcher._words.get(index)
        if rule.pattern is not None:
            cache[index] = (rule.pattern, False)
        elif words is None:
            cache[index] = None
        else:
            parts = [re.escape(w.rstrip(b"*").decode()) for w in words]
            tail = f"[{_ALNUM}]*" if words[-1].endswith(b"*") else f"(?![{_ALNUM}])"
            cache[index] = (re.compile(f"[^{_ALNUM}]+".join(parts) + tail), True)
    return cache[index]


def _matches(pattern: re.Pattern, starts_word: bool, subject: str):
    """What `pattern.finditer(subject)` finds, or, with `starts_word`, what a finditer of the
    pattern behind `(?<![0-9a-z])` would find. The check is made here, not in the regex: a
    regex that begins with a look-behind has no literal prefix for `re` to scan for, and tried
    every position at about 15x the cost (a third of generating 10,000 papers)."""
    if not starts_word:
        yield from pattern.finditer(subject)
        return
    at, end = 0, len(subject)
    while at <= end:
        match = pattern.search(subject, at)
        if match is None:
            return
        start = match.start()
        if start and subject[start - 1] in _WORD_CHARS:
            at = start + 1  # (as the look-behind would: try the next position)
            continue
        yield match
        at = match.end() if match.end() > start else start + 1


def _spans(matcher: Matcher, text: str, lowered: str, rules: list[int]) -> list[tuple[int, int, int]]:
    """(start, end, rule) of every match of these rules in one text."""
    found = []
    for index in rules:
        found_by = _span_pattern(matcher, index)
        if found_by is None:
            continue
        subject = text if matcher.rules[index][1].pattern is not None else lowered
        found += [(m.start(), m.end(), index) for m in _matches(*found_by, subject) if m.end() > m.start()]
    return found


def settle(matcher: Matcher, text: str, counts: dict[int, int]) -> dict[int, int]:
    """The counts of one tag's rules in one text, each stretch of text counted once: a match
    lying inside a longer (or the same) match of another of the tag's rules is not counted
    again. Rules whose every match is inside another's drop out."""
    if len(counts) < 2:
        return counts
    lowered = text.lower()
    if len(lowered) != len(text):  # (a few letters lower-case to two characters)
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    spans = sorted(_spans(matcher, text, lowered, sorted(counts)), key=lambda s: (s[0], -s[1], s[2]))
    kept: list[tuple[int, int, int]] = []
    dropped: dict[int, int] = {}
    for start, end, index in spans:
        if any(k_start <= start and end <= k_end for k_start, k_end, _ in kept):
            dropped[index] = dropped.get(index, 0) + 1
        else:
            kept.append((start, end, index))
    settled = {index: count - dropped.get(index, 0) for index, count in counts.items()}
    return {index: count for index, count in settled.items() if count > 0}


def by_tag(matcher: Matcher, counts: dict[int, int]) -> dict[str, dict[int, int]]:
    grouped: dict[str, dict[int, int]] = {}
    for index, count in counts.items():
        grouped.setdefault(matcher.tag_of[index], {})[index] = count
    return grouped


def matched_strings(matcher: Matcher, text: str, index: int) -> tuple[str, ...]:
    """The distinct strings rule `index` matched in `text`, as written there (for explain)."""
    lowered = text.lower() if len(text.lower()) == len(text) else text
    return tuple(dict.fromkeys(text[start:end] for start, end, _ in _spans(matcher, text, lowered, [index])))
