"""What a regex rule of tags.yml needs in a text before it can match: its prefilter.

A regex runs in Python, one text at a time, so the matcher (`matching.py`) only tries it on the
texts that have a word every match needs (a *token*), and within a text only at the places a match
can start (its *anchors*). Both are read from the pattern itself: `required_literal` from its text,
`analyse_regex` from the parse tree re.compile uses. The counts are those of searching every text
(tests/test_taxonomy.py); at 10,000 papers the prefilter saves about 0.6 s of a build.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

try:  # the parser behind re.compile, which lets analyse_regex read a pattern
    from re import _constants as _sre
    from re import _parser as _re_parser
except ImportError:  # pragma: no cover
    _re_parser = None
# It is private: use it only on the versions whose parse trees analyse_regex was written against
# (unchanged since 3.6's sre_parse). Elsewhere regexes are searched in full: same results, slower.
_parser = _re_parser if (3, 11) <= sys.version_info[:2] <= (3, 13) else None

_LOOKAROUND = re.compile(r"\(\?<?[!=](?:[^()\\]|\\.)*\)")


def required_literal(pattern: str) -> tuple[str, bool]:
    """A substring every match of `pattern` must contain ('' if we cannot tell), and whether it
    is case-insensitive. Lets us skip a regex for the many texts that lack its literal."""
    icase = pattern.startswith("(?i)")
    body = _LOOKAROUND.sub("", pattern.removeprefix("(?i)")).replace("\\b", "")
    if "|" in body or "(" in body:
        return "", icase
    runs, current, index = [], "", 0
    while index < len(body):
        char = body[index]
        if char.isalnum() or char in " -:μ":
            current += char
        elif char in "?*":
            current = current[:-1]
            runs.append(current)
            current = ""
        else:
            runs.append(current)
            current = ""
            if char == "\\":
                index += 1  # skip the escaped character (\w, \d, \s ...)
            elif char == "[":
                index = body.index("]", index) if "]" in body[index:] else len(body)
        index += 1
    runs.append(current)
    literal = max(runs, key=len)
    literal = literal if len(literal) >= 2 else ""
    return (literal.lower() if icase else literal), icase


def _literal_run(items: list, start: int) -> str:
    """The text of the LITERAL items from items[start] on (case as written)."""
    run = ""
    for op, value in items[start:]:
        if op is not _sre.LITERAL:
            break
        run += chr(value)
    return run


def _inline(items: list) -> list:
    """Items with plain groups `(...)` opened up (their content matches in sequence); groups
    that set flags (`(?i:...)`) stay closed, as their literals may match other text."""
    out = []
    for op, value in items:
        if op is _sre.SUBPATTERN and not value[1] and not value[2]:
            out.extend(_inline(value[3].data))
        else:
            out.append((op, value))
    return out


def _literal_token(literal: str, word_before: bool = False, word_after: bool = False) -> bytes:
    """The most telling token (see Matcher) a text has wherever `literal` occurs in it, or b"".

    Each run of ASCII letters and digits in the literal is, lower-cased, inside a word of the
    text; it starts (ends) that word where the literal has an ASCII non-letter before (after) it,
    or where the pattern has a `\\b` there (`word_before`, `word_after`): the character on the other
    side of a \\b is not a word character, and none of those lower-cases to an ASCII letter or digit.
    """
    tokens = [b""]
    for run in re.finditer(r"[0-9A-Za-z]+", literal):
        starts = word_before if run.start() == 0 else literal[run.start() - 1].isascii()
        ends = word_after if run.end() == len(literal) else literal[run.end()].isascii()
        text = run[0].lower().encode()
        tokens.append(text if starts and ends else text + b"*" if starts else b"*" + text + b"*")
    return max(tokens, key=_rarity)


def _rarity(token: bytes) -> int:
    """How rare a token is likely to be: longer and more anchored is rarer (0: no token)."""
    core = token.strip(b"*")
    return len(core) + 2 * (not token.endswith(b"*")) + (not token.startswith(b"*")) if core else 0


def analyse_regex(pattern: re.Pattern) -> tuple[tuple[str, ...], int, tuple[bytes, ...]]:
    """What every match of `pattern` must contain, read from the parse tree re.compile uses.

    Returns (anchors, offset, tokens). Every match has one of `anchors` (lower-cased if the
    pattern ignores case) exactly `offset` characters after its start, so matches can only start
    there: `Regex.count` tries those positions instead of scanning the whole text (a pattern
    beginning with `\\b` or a look-behind makes re try every position, ~15 µs per abstract).
    Wherever the pattern matches, the text has one of `tokens` (see `_literal_token`; none for
    patterns that ignore case, as `(?i)s` also matches 'ſ').
    The walk stops at the first item whose width varies (what follows has no fixed offset);
    empty results mean nothing is known.
    """
    if _parser is None or not isinstance(pattern.pattern, str):
        return (), 0, ()
    try:
        return _walk(_parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # re.compile accepted it; a parse tree we do not know is not worth a crash
        return (), 0, ()


def _walk(parsed) -> tuple[tuple[str, ...], int, tuple[bytes, ...]]:
    """analyse_regex on a parse tree: its top-level items, in order, tracking the offset."""
    icase = bool(parsed.state.flags & re.IGNORECASE)
    unicode_boundary = not parsed.state.flags & re.ASCII
    items = _inline(parsed.data)
    anchors: tuple[str, ...] = ()
    tokens: tuple[bytes, ...] = ()
    best_offset, offset, boundary, index = 0, 0, False, 0
    while index < len(items):
        op, value = items[index]
        if op is _sre.LITERAL:
            found: tuple[str, ...] = (_literal_run(items, index),)
            whole = (True,)
            width, index = len(found[0]), index + len(found[0])
        else:
            found, whole = (), ()
            if op is _sre.BRANCH:
                alternatives = [_inline(alt.data) for alt in value[1]]
                found = tuple(_literal_run(alt, 0) for alt in alternatives)
                whole = tuple(len(f) == len(alt) for f, alt in zip(found, alternatives))
                found = found if all(found) else ()
            low, high = _parser.SubPattern(parsed.state, [(op, value)]).getwidth()
            width, index = (low if low == high else None), index + 1
        if found and not (icase and not all(f.isascii() for f in found)):
            if min(map(len, found)) > min(map(len, anchors), default=0):
                anchors, best_offset = tuple(f.lower() for f in found) if icase else found, offset
            after = index < len(items) and items[index] == (_sre.AT, _sre.AT_BOUNDARY)
            keys = tuple(_literal_token(f, boundary and unicode_boundary, w and after and unicode_boundary)
                         for f, w in zip(found, whole))
            if not icase and all(keys) and min(map(_rarity, keys)) > min(map(_rarity, tokens), default=0):
                tokens = keys
        if width is None:
            break
        if op is _sre.AT and value is _sre.AT_BOUNDARY:
            boundary = True
        elif width:
            boundary = False
        offset += width
    return anchors, best_offset, tokens


@dataclass(frozen=True)
class Regex:
    """A regex rule, with what lets it count a text in a few finds."""

    index: int
    pattern: re.Pattern
    literal: str  # required_literal: a text without it counts 0 (the rule's meaning since it was written)
    icase: bool
    anchors: tuple[str, ...]  # see analyse_regex
    offset: int
    anchors_icase: bool

    def count(self, text: str, lowered: str) -> int:
        """len(pattern.findall(text)), or 0 if the text lacks the required literal."""
        if self.literal and self.literal not in (lowered if self.icase else text):
            return 0
        if not self.anchors or (self.anchors_icase and not text.isascii()):
            return len(self.pattern.findall(text))
        haystack = lowered if self.anchors_icase else text  # same positions: the text is ASCII
        starts: set[int] = set()
        for anchor in self.anchors:
            at = haystack.find(anchor)
            while at >= 0:
                if at >= self.offset:
                    starts.add(at - self.offset)
                at = haystack.find(anchor, at + 1)
        # findall, restricted to the only places a match can start: leftmost first, then on from its end.
        count = end = 0
        for start in sorted(starts):
            if start >= end and (match := self.pattern.match(text, start)):
                if match.end() == start:  # cannot happen (the anchor is part of the match); be exact anyway
                    return len(self.pattern.findall(text))
                count, end = count + 1, match.end()
        return count

