"""Refusing, when tags.yml is loaded, the regexes that could take very long on some text.

Python's `re` backtracks: `(a+)+$` tries every way to split a run of "a" between the two `+`
before it fails, so 28 letters take half a minute and each one more doubles it. A tag rule runs
on every title and abstract, so such a rule is a hang waiting for its text. Rather than time each
run, `unsafe_reason` reads the pattern's parse tree (the parser re.compile uses, as
regex_prefilter.py does) and refuses the shapes that make backtracking blow up:

* a repeated group (`*`, `+`, `{2,}`...) whose body varies in length: a quantifier inside a
  quantifier (`(a+)+`, `(a*)*`, `(\\w+\\s?)*`) or alternatives that can start alike
  (`(a|aa)+`);
* two choices in a row that can take the same characters (`\\w*\\w*`, `\\w+\\s?\\w+`, `a?a?`,
  `.*x.*y`): each pair multiplies the ways to split a text, and a chain of them is exponential;
* alternatives that can match the same text (`(a|a)`, `(\\w+|\\d+)`): a text that fails is
  tried both ways, and each further such choice doubles the work;
* backreferences (`\\1`, `(?P=name)`, `(?(1)...)`).

What is left tries each starting position in time proportional to the text (a run of a single
quantifier, as in `\\w*x`, is the worst: the square of the text's length over a whole text, which
limits.MAX_ABSTRACT_CHARS bounds). Checked against the rules of the real tags.yml, all of which pass.
Where the parser is not available (Python versions the prefilter does not know) a conservative
textual check refuses any quantified group with a quantifier or `|` inside, and backreferences.
"""

from __future__ import annotations

import re

from .regex_chars import Chars, chars_of, overlap, overlaps
from .regex_prefilter import _parser

if _parser is not None:
    from re import _constants as _sre

    from .regex_chars import CHAR_OPS

    _REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", _sre.MAX_REPEAT))
    _LOOKAROUNDS = (_sre.ASSERT, _sre.ASSERT_NOT)
    _BACKREFS = (_sre.GROUPREF, _sre.GROUPREF_EXISTS)

NESTED = ("a repeated group contains a quantifier or alternatives that can start alike "
          "(as in (a+)+, (\\w+\\s?)* or (a|aa)+)")
ADJACENT = ("two quantifiers or choices in a row can match the same characters (as in \\w*\\w*, "
            "\\w+\\s?\\w+ or .*a.*b); separate them by a character only one of them matches")
AMBIGUOUS = ("two alternatives can match the same text (as in (a|a), (ab|a[bc]) or (\\w+|\\d+)), so a "
             "text that fails is tried both ways")
BACKREFERENCE = "backreferences (\\1, (?P=name), (?(1)...)) are not allowed"
TOO_DEEP = "it is nested too deeply to check"
_MAX_CODE = 0x10FFFF
_FULL = ((0, _MAX_CODE),)
_SMALL = 4096  # a set of at most this many characters is checked character by character


class _Unsafe(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def unsafe_reason(pattern: re.Pattern) -> str | None:
    """Why `pattern` could backtrack without bound, or None when it cannot."""
    if not isinstance(pattern.pattern, str):
        return None
    if _parser is None:
        return textual_reason(pattern.pattern)
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        _sequence(list(parsed.data), [], parsed.state.flags)
    except _Unsafe as exc:
        return exc.reason
    except RecursionError:
        return TOO_DEEP
    return None


# ---------------------------------------------------------------- the walk

def _flags_in(value, flags: int) -> int:
    _group, add, remove, _body = value
    return (flags | add) & ~remove


def _first(items: list, flags: int, reverse: bool = False) -> tuple[list[Chars], bool]:
    """The characters a match of `items` can start with (end with, if `reverse`), and whether
    it can be empty."""
    found: list[Chars] = []
    for op, value in (reversed(items) if reverse else items):
        if op in CHAR_OPS:
            return found + [chars_of(op, value, flags)], False
        if op is _sre.SUBPATTERN:
            chars, empty = _first(list(value[3].data), _flags_in(value, flags), reverse)
        elif op is _sre.ATOMIC_GROUP:
            chars, empty = _first(list(value.data), flags, reverse)
        elif op is _sre.BRANCH:
            chars, empty = [], False
            for alternative in value[1]:
                alt_chars, alt_empty = _first(list(alternative.data), flags, reverse)
                chars += alt_chars
                empty = empty or alt_empty
        elif op in _REPEATS:
            chars, empty = _first(list(value[2].data), flags, reverse)
            empty = empty or value[0] == 0
        elif op in _BACKREFS:
            raise _Unsafe(BACKREFERENCE)
        else:  # anchors and lookarounds take no characters
            continue
        found += chars
        if not empty:
            return found, False
    return found, True


def _simple(items: list, flags: int) -> list[Chars] | None:
    """The character set of each position, for items that are characters one after the other
    (anchors ignored), else None."""
    out: list[Chars] = []
    for op, value in items:
        if op in CHAR_OPS:
            out.append(chars_of(op, value, flags))
        elif op is _sre.SUBPATTERN and (inner := _simple(list(value[3].data), _flags_in(value, flags))) is not None:
            out += inner
        elif op is not _sre.AT:
            return None
    return out


def _ambiguous(alternatives, flags: int) -> bool:
    """Whether two alternatives may match the same text (then a failing text is tried both
    ways, and a chain of such choices doubles the work at each). Exact for alternatives that
    are plain characters; otherwise they may when their lengths, first and last characters
    all can agree."""
    alts = [list(alternative.data) for alternative in alternatives]
    plain = [_simple(items, flags) for items in alts]
    words: set[tuple[int, ...]] = set()  # alternatives of single characters: equal ones clash
    sets_by_length: dict[int, list[list[Chars]]] = {}  # the other plain ones, compared in pairs
    others = []  # (width, first, empty, last) of the rest
    for alternative, items, chars in zip(alternatives, alts, plain):
        if chars is not None and all(len(c.ranges) == 1 and c.ranges[0][0] == c.ranges[0][1]
                                     and not c.negate and not c.categories for c in chars):
            word = tuple(c.ranges[0][0] for c in chars)
            if word in words:
                return True
            words.add(word)
        elif chars is not None:
            same_length = sets_by_length.setdefault(len(chars), [])
            if any(all(overlap(x, y) for x, y in zip(chars, other)) for other in same_length):
                return True
            same_length.append(chars)
        else:
            first, empty = _first(items, flags)
            others.append((alternative.getwidth(), first, empty, _first(items, flags, True)[0]))
    for chars in sets_by_length.values():  # plain sets against plain words of their length
        for word in words:
            if any(len(word) == len(c) and all(x.contains(code) for x, code in zip(c, word)) for c in chars):
                return True
    for index, (width, first, empty, last) in enumerate(others):
        if empty and () in words:
            return True
        for other_width, other_first, other_empty, other_last in others[:index]:
            if width[1] < other_width[0] or other_width[1] < width[0]:
                continue
            if (empty and other_empty) or (overlaps(first, other_first) and overlaps(last, other_last)):
                return True
        for chars in [list(map(_single, w)) for w in words] + [c for cs in sets_by_length.values() for c in cs]:
            if width[0] <= len(chars) <= width[1] and chars and overlaps(first, chars[:1]) \
                    and overlaps(last, chars[-1:]):
                return True
    return False


def _single(code: int) -> Chars:
    return Chars(((code, code),))


def _consumed(items: list, flags: int) -> list[Chars]:
    """Every character set `items` can take (not counting lookarounds, which take none)."""
    found: list[Chars] = []
    for op, value in items:
        if op in CHAR_OPS:
            found.append(chars_of(op, value, flags))
        elif op is _sre.SUBPATTERN:
            found += _consumed(list(value[3].data), _flags_in(value, flags))
        elif op is _sre.ATOMIC_GROUP:
            found += _consumed(list(value.data), flags)
        elif op is _sre.BRANCH:
            for alternative in value[1]:
                found += _consumed(list(alternative.data), flags)
        elif op in _REPEATS:
            found += _consumed(list(value[2].data), flags)
    return found


def _deterministic(alternatives, flags: int) -> bool:
    """Whether the next character always tells which alternative can match: none can be empty
    and no two can start with the same character."""
    firsts = []
    for alternative in alternatives:
        chars, empty = _first(list(alternative.data), flags)
        if empty:
            return False
        firsts.append(chars)
    return not any(overlaps(firsts[i], firsts[j]) for i in range(len(firsts)) for j in range(i))


def _varies(items: list, flags: int) -> bool:
    """Whether `items` hold any choice: a quantifier of varying count, alternatives that can
    start alike, a backreference; anywhere, lookarounds included."""
    for op, value in items:
        if op in _REPEATS:
            if value[0] != value[1] or _varies(list(value[2].data), flags):
                return True
        elif op is _sre.SUBPATTERN:
            if _varies(list(value[3].data), _flags_in(value, flags)):
                return True
        elif op is _sre.ATOMIC_GROUP:
            if _varies(list(value.data), flags):
                return True
        elif op in _LOOKAROUNDS:
            if _varies(list(value[1].data), flags):
                return True
        elif op is _sre.BRANCH:
            if not _deterministic(value[1], flags) or any(_varies(list(a.data), flags) for a in value[1]):
                return True
        elif op in _BACKREFS:
            return True
    return False


def _sequence(items: list, open_: list[Chars], flags: int) -> list[Chars]:
    """Walk `items` in order; `open_` holds the characters of the choices made so far whose
    extent is not settled yet (a quantifier is settled by a character it cannot match).
    A new choice that can take a character an open one can take is ADJACENT; returns the
    choices still open after `items`."""
    for op, value in items:
        if op in CHAR_OPS:
            chars = chars_of(op, value, flags)
            open_ = [o for o in open_ if overlap(o, chars)]  # one it cannot match settles it
        elif op is _sre.AT:
            continue
        elif op in _LOOKAROUNDS:
            direction, body = value
            # A lookahead runs again at each place the open choices could end; a lookbehind
            # has a fixed width (re requires it), so only its own content matters.
            _sequence(list(body.data), open_ if direction == 1 else [], flags)
        elif op is _sre.SUBPATTERN:
            open_ = _sequence(list(value[3].data), open_, _flags_in(value, flags))
        elif op is _sre.ATOMIC_GROUP:
            open_ = _sequence(list(value.data), open_, flags)
        elif op is _sre.BRANCH:
            alternatives = value[1]
            if _ambiguous(alternatives, flags):
                raise _Unsafe(AMBIGUOUS)
            if _deterministic(alternatives, flags):
                open_ = [o for alt in alternatives for o in _sequence(list(alt.data), open_, flags)]
            else:
                first, _empty = _first(items=[(op, value)], flags=flags)
                if overlaps(first, open_):
                    raise _Unsafe(ADJACENT)
                after = [o for alt in alternatives for o in _sequence(list(alt.data), open_, flags)]
                open_ = after + _consumed([(op, value)], flags)
        elif op in _REPEATS:
            low, high, body = value
            body_items = list(body.data)
            after_each = _iterations(body_items, flags) if high > 1 else []
            if low == high:  # a fixed count: no choice of its own
                open_ = _sequence(body_items, open_, flags) + after_each
                continue
            first, _empty = _first(body_items, flags)
            if overlaps(first, open_):
                raise _Unsafe(ADJACENT)
            inside = _sequence(body_items, open_, flags)
            # Open after it: what each iteration leaves open, and the choice to go on (its
            # first characters); what was open before, too, if it can be skipped.
            open_ = (open_ if low == 0 else []) + inside + after_each + first
        elif op in _BACKREFS:
            raise _Unsafe(BACKREFERENCE)
        else:  # something this walk does not know: refuse rather than guess
            raise _Unsafe(f"it uses a construct ({op}) this check does not know")
    return open_


def _iterations(body: list, flags: int) -> list[Chars]:
    """Check that a repeated body's iterations cannot share out a text in more than one way
    (NESTED otherwise); returns what one iteration leaves open. A body with no choice in it
    always can; one with choices can when each iteration's choices are settled before the next
    iteration starts: `(?:-[a-z]+)*` (a "-" ends the run of letters), not `(a+)+` or `(\\w+\\s?)*`."""
    if not _varies(body, flags):
        return _sequence(body, [], flags)
    if _first(body, flags)[1] or _varies_in_lookaround(body, flags):
        raise _Unsafe(NESTED)  # an empty iteration, or a lookaround scanning again at each one
    try:
        after = _sequence(body, [], flags)
        if overlaps(_first(body, flags)[0], after):
            raise _Unsafe(NESTED)
        _sequence(body, after, flags)  # the next iteration against what this one left open
    except _Unsafe as exc:
        raise _Unsafe(NESTED if exc.reason == ADJACENT else exc.reason) from None
    return after


def _varies_in_lookaround(items: list, flags: int) -> bool:
    for op, value in items:
        if op in _LOOKAROUNDS and _varies(list(value[1].data), flags):
            return True
        if op is _sre.SUBPATTERN and _varies_in_lookaround(list(value[3].data), _flags_in(value, flags)):
            return True
        if op is _sre.ATOMIC_GROUP and _varies_in_lookaround(list(value.data), flags):
            return True
        if op in _REPEATS and _varies_in_lookaround(list(value[2].data), flags):
            return True
        if op is _sre.BRANCH and any(_varies_in_lookaround(list(a.data), flags) for a in value[1]):
            return True
    return False


# ---------------------------------------------------------------- without the parser

_TEXT_BACKREF = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


def textual_reason(pattern: str) -> str | None:
    """The conservative check for when re's parser is not available: refuse backreferences and
    any group followed by `*`, `+` or `{` that has a quantifier (`*+?{`) or a `|` inside."""
    stack: list[bool] = []  # per open group: whether a quantifier or | is inside it
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if _TEXT_BACKREF.match(pattern, index):
                return BACKREFERENCE
            index += 2
            continue
        if char == "[":  # a class: skip to its closing bracket
            end = index + 1
            if end < len(pattern) and pattern[end] == "^":
                end += 1
            if end < len(pattern) and pattern[end] == "]":
                end += 1
            while end < len(pattern) and pattern[end] != "]":
                end += 2 if pattern[end] == "\\" else 1
            index = end + 1
            continue
        if char == "(":
            if _TEXT_BACKREF.match(pattern, index):
                return BACKREFERENCE
            stack.append(False)
            index += 2 if pattern.startswith("(?", index) else 1  # "(?" is not a quantifier
            continue
        if char == ")":
            inner = stack.pop() if stack else False
            after = pattern[index + 1:index + 2]
            if inner and after in ("*", "+", "{"):
                return NESTED
            if stack:
                stack[-1] = stack[-1] or inner
            index += 1
            continue
        if char in "*+?{|" and stack:
            stack[-1] = True
        index += 1
    return None
