"""`tags.yml`: themes and tags, and how papers get them.

A tag fires when its match rules hit a paper's text: a hit in the title weighs TITLE_WEIGHT, each
hit in the abstract one (at most ABSTRACT_CAP per rule, so one word repeated does not dominate).
A paper's tags are the tags scoring at least MIN_SCORE, strongest first, at most MAX_TAGS; a
paper with no such tag keeps its single best weaker hit, so few papers end up untagged. Its
theme is the theme whose tags score highest together, or `other`.

Words and phrases are matched on a normalised text (lower case, punctuation as spaces) and
counted as substrings of it; `*` at the end of a word matches any ending (`quantiz*`). Regular
expressions are for the rest (case-sensitive acronyms like `\\bMoE\\b`). `Matcher` applies the
rules to all papers at once, on their words as arrays of numbers (`corpus.py`); the counts are
the same as searching each text for every rule.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import sparse

try:  # the parser behind re.compile, which lets analyse_regex read a pattern
    from re import _constants as _sre
    from re import _parser as _re_parser
except ImportError:  # pragma: no cover
    _re_parser = None
# It is private: use it only on the versions whose parse trees analyse_regex was written against
# (unchanged since 3.6's sre_parse). Elsewhere regexes are searched in full: same results, slower.
_parser = _re_parser if (3, 11) <= sys.version_info[:2] <= (3, 13) else None

from .corpus import Corpus, concat_ranges, tokenize
from .errors import Problem
from .validate import Checker, suggest
from .yamlio import YDict, YList, load_file, where

TITLE_WEIGHT = 3
ABSTRACT_CAP = 3
MIN_SCORE = 2
MAX_TAGS = 6
FALLBACK_THEME = "other"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ICON = re.compile(r"^(material|fontawesome/[a-z]+|octicons|simple)/[a-z0-9-]+$")


@dataclass(frozen=True)
class Theme:
    slug: str
    title: str
    description: str
    icon: str
    order: int


@dataclass(frozen=True)
class Rule:
    """One match rule: a word/phrase (normalised substring) or a regular expression."""

    kind: str  # "word", "phrase" or "regex"
    text: str
    needle: str = ""  # normalised " word " form for word/phrase rules
    pattern: re.Pattern | None = None


@dataclass(frozen=True)
class Tag:
    slug: str
    label: str
    description: str
    theme: str
    rules: tuple[Rule, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """Why a tag fired: which rule matched where, and how much it counted."""

    tag: str
    rule: str
    where: str  # "title" or "abstract"
    score: int


@dataclass(frozen=True)
class Taxonomy:
    themes: tuple[Theme, ...]
    tags: tuple[Tag, ...]

    def theme(self, slug: str) -> Theme | None:
        return self._theme_index.get(slug)

    def tag(self, slug: str) -> Tag | None:
        return self._tags.get(slug)

    # Indexes built on first use (the dataclass is frozen; cached_property writes __dict__ directly).
    @cached_property
    def _tags(self) -> dict[str, Tag]:
        return {t.slug: t for t in self.tags}

    @cached_property
    def _theme_index(self) -> dict[str, Theme]:
        return {t.slug: t for t in reversed(self.themes)}  # the first of a slug wins, as before

    @cached_property
    def matcher(self) -> "Matcher":
        return Matcher(self)

    @cached_property
    def _tag_order(self) -> dict[str, int]:
        return {t.slug: i for i, t in enumerate(self.tags)}

    @cached_property
    def _theme_order(self) -> dict[str, int]:
        return {t.slug: t.order for t in self.themes}

    def resolve_tag(self, name: str) -> str | None:
        """A tag slug from its slug, label or alias (what curators may type in curation.yml)."""
        folded = name.casefold()
        for tag in self.tags:
            if folded in (tag.slug, tag.label.casefold(), *(a.casefold() for a in tag.aliases)):
                return tag.slug
        return None


def normalise(text: str) -> str:
    """Lower case, words joined by two spaces and padded: '  like  this '.

    Two spaces between words let `str.count(" like ")` see back-to-back repeats of a word
    (the separator is not shared between neighbouring matches). Rule needles are kept in this
    form; the matcher works on the same words, as numbers (`corpus.tokenize`).
    """
    return " " + "  ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split()) + " "


def _needle(text: str) -> str:
    prefix = text.endswith("*")
    core = normalise(text.rstrip("*"))
    return core[:-1] if prefix else core  # "quantiz*" -> " quantiz" (any ending)


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


# ---------------------------------------------------------------- regular expression rules

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
    return max(tokens, key=_score)


def _score(token: bytes) -> int:
    """How rare a token is likely to be: longer and more anchored is rarer (0: no token)."""
    core = token.strip(b"*")
    return len(core) + 2 * (not token.endswith(b"*")) + (not token.startswith(b"*")) if core else 0


def analyse_regex(pattern: re.Pattern) -> tuple[tuple[str, ...], int, tuple[bytes, ...]]:
    """What every match of `pattern` must contain, read from the parse tree re.compile uses.

    Returns (anchors, offset, tokens). Every match has one of `anchors` (lower-cased if the
    pattern ignores case) exactly `offset` characters after its start, so matches can only start
    there: `_Regex.count` tries those positions instead of scanning the whole text (a pattern
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
            if not icase and all(keys) and min(map(_score, keys)) > min(map(_score, tokens), default=0):
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
class _Regex:
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


# ---------------------------------------------------------------- matching

def _search_needle(needle: str) -> bytes:
    """What a word or phrase rule counts in the normalised text (as bytes), as it always has:
    a one-word needle counts that word (`word*`: the words starting with it), a longer one itself.
    Non-ASCII characters become '?', which no normalised text has, as none had them before."""
    words = needle.split()
    if len(words) == 1:
        word = words[0].encode("ascii", "replace")
        return b" " + word + b" " if needle.endswith(" ") else b" " + word
    return needle.encode("ascii", "replace")


_SIMPLE_NEEDLE = re.compile(rb" [0-9a-z]+(?:  [0-9a-z]+)* ?")


def _needle_words(needle: bytes) -> tuple[bytes, ...] | None:
    """The words a needle in normalised form (b" low  rank ") stands for, the last one as
    b"rank*" if the needle has no space after it (any word starting with it); None for a
    needle of another form (tags.yml never makes one), which is then searched for as text."""
    if not _SIMPLE_NEEDLE.fullmatch(needle):
        return None
    words = needle.split()
    return (*words[:-1], words[-1] + (b"" if needle.endswith(b" ") else b"*"))


class Matcher:
    """All rules of a taxonomy, applied to many texts at once (a `corpus.Corpus`).

    Word and phrase rules count `normalise(text).count(needle)`: the needle is a run of words,
    so the matcher looks its first word up in the corpus (all the positions of a word id, or of
    the ids of the words starting with a prefix: ids follow the sorted order, so that is a range),
    and checks the next words of each of those positions in the array of word ids. No text is
    searched, no Python loop runs over words, and the counts are those of `str.count`:
    non-overlapping, which only matters for a phrase whose first word may recur inside it.

    Regex rules count `len(pattern.findall(text))` (0 without their required literal). They run
    in Python, so only on the texts that have a word every match needs (a *token*: `w` a word
    that is w, `w*` one starting with w, `*w*` one containing w; `analyse_regex`,
    `_literal_token`).
    """

    def __init__(self, taxonomy: "Taxonomy"):
        self.rules: list[tuple[str, Rule]] = [(t.slug, r) for t in taxonomy.tags for r in t.rules]
        self.tag_of = [tag for tag, _ in self.rules]
        self.tags = [t.slug for t in taxonomy.tags]  # tags.yml order
        number = {slug: n for n, slug in enumerate(self.tags)}
        self.tag_number = np.array([number[tag] for tag in self.tag_of] or [0], dtype=np.int64)  # by rule
        self._words: dict[int, tuple[bytes, ...]] = {}  # word and phrase rules -> their words
        self._needles: dict[int, bytes] = {}  # the other needles (never from tags.yml): searched
        self._regex: dict[int, _Regex] = {}
        self._regex_tokens: dict[int, tuple[bytes, ...]] = {}  # regex rule -> it needs one of these
        self._always: list[int] = []  # regex rules every text must try
        self._non_ascii: list[int] = []  # regex rules only texts with non-ASCII characters can hit
        for index, (_, rule) in enumerate(self.rules):
            if rule.pattern is not None:
                self._add_regex(index, rule)
            elif rule.needle.split():  # (an empty needle cannot come from tags.yml)
                needle = _search_needle(rule.needle)
                words = _needle_words(needle)
                if words is None:
                    self._needles[index] = needle
                else:
                    self._words[index] = words

    def _add_regex(self, index: int, rule: Rule) -> None:
        """File a regex rule under the tokens that let it hit."""
        literal, icase = required_literal(rule.text)
        anchors, offset, tokens = analyse_regex(rule.pattern)
        self._regex[index] = _Regex(index, rule.pattern, literal, icase, anchors, offset,
                                    bool(anchors) and bool(rule.pattern.flags & re.IGNORECASE))
        if literal and not literal.isascii():
            self._non_ascii.append(index)  # `literal in text` needs a non-ASCII character: rare
            return
        # Either will do: the pattern cannot match without one of its tokens, and a text without
        # the required literal counts 0 (so the literal's token is needed too). Take the rarer.
        tokens = max([tokens, (_literal_token(literal),)], key=lambda ts: min(map(_score, ts), default=0))
        if tokens and all(tokens):
            self._regex_tokens[index] = tokens
        else:
            self._always.append(index)

    def count_corpus(self, corpus: Corpus) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every hit, as three arrays: text index, rule index, count (> 0), sorted by text then rule."""
        found: list[tuple[int, np.ndarray, np.ndarray]] = []  # (rule, texts, counts)
        ranges = {index: [corpus.id_range(word) for word in words] for index, words in self._words.items()}
        ranges = {index: spans for index, spans in ranges.items() if all(low < high for low, high in spans)}
        token_ranges = {token: corpus.id_range(token) for tokens in self._regex_tokens.values()
                        for token in tokens if not token.startswith(b"*")}
        containing = {token: corpus.ids_containing(token.strip(b"*")) for tokens in self._regex_tokens.values()
                      for token in tokens if token.startswith(b"*")}
        wanted = np.zeros(len(corpus.words), dtype=bool)
        for low, high in [spans[0] for spans in ranges.values()] + list(token_ranges.values()):
            wanted[low:high] = True
        for ids in containing.values():
            wanted[ids] = True
        positions = corpus.positions(wanted)
        # Runs whose first word cannot recur inside them (nearly all) are counted together, by
        # length; the others need the leftmost-first count of _greedy, one rule at a time.
        by_length: dict[int, list[tuple[int, list[tuple[int, int]]]]] = {}
        for index, spans in ranges.items():
            (low0, high0), rest = spans[0], spans[1:]
            if any(low0 < high and low < high0 for low, high in rest):
                at, _rule = _run_starts(corpus, positions, [(index, spans)])
                texts, counts = _greedy(np.sort(at), len(spans), corpus.text_of)
                if texts.size:
                    found.append((index, texts, counts))
            else:
                by_length.setdefault(len(spans), []).append((index, spans))
        batches = [_count_runs(corpus, positions, rules) for rules in by_length.values()]  # (texts, rules, counts)
        for index, needle in self._needles.items():
            normalised = corpus.normalised
            texts = np.array([i for i, text in enumerate(normalised) if needle in text], dtype=np.int64)
            if texts.size:
                found.append((index, texts, np.array([normalised[i].count(needle) for i in texts])))
        non_ascii: list[int] | None = None
        for index, regex in self._regex.items():
            if index in self._regex_tokens:
                candidates = np.unique(np.concatenate(
                    [_texts_with(corpus, positions, token_ranges[token] if token in token_ranges else containing[token])
                     for token in self._regex_tokens[index]])).tolist()
            elif index in self._always:
                candidates = range(len(corpus.texts))
            else:  # a required literal with a non-ASCII character: only such texts (listed once)
                if non_ascii is None:
                    non_ascii = [i for i, text in enumerate(corpus.texts) if not text.isascii()]
                candidates = non_ascii
            texts_, lowered = corpus.texts, corpus.lowered
            hits = [(i, n) for i in candidates if (n := regex.count(texts_[i], lowered[i]))]
            if hits:
                found.append((index, np.array([i for i, _ in hits]), np.array([n for _, n in hits])))
        batches += [(t, np.full(t.size, i, dtype=np.int64), c) for i, t, c in found]
        if not batches:
            return _NONE, _NONE, _NONE
        texts = np.concatenate([t for t, _, _ in batches]).astype(np.int64)
        rules = np.concatenate([r for _, r, _ in batches]).astype(np.int64)
        counts = np.concatenate([c for _, _, c in batches]).astype(np.int64)
        order = np.lexsort((rules, texts))
        return texts[order], rules[order], counts[order]

    def counts(self, *texts: str) -> list[dict[int, int]]:
        """For each text, rule index -> number of hits (absent when 0)."""
        text_of, rules, counts = self.count_corpus(tokenize(texts))
        out: list[dict[int, int]] = [{} for _ in texts]
        for text, rule, count in zip(text_of.tolist(), rules.tolist(), counts.tolist()):
            out[text][rule] = count
        return out


def _run_starts(corpus: Corpus, positions, rules: list[tuple[int, list[tuple[int, int]]]]):
    """(at, rule): where runs of words start, and which of `rules` (rule index, the words' id
    ranges, all rules of one length) each is, for all the rules at once: the positions of every
    rule's first word followed by its second (one slice of `positions`' keys per first word id,
    found by binary search), labelled with the rule, kept where each further word is in its
    range, within the same text."""
    order, starts, keys = positions
    ids, text_of = corpus.ids, corpus.text_of
    spans = np.array([word_spans for _, word_spans in rules], dtype=np.int64)  # rule, word, (low, high)
    lows, highs = spans[:, 0, 0], spans[:, 0, 1]  # (a range of first ids: `word*` only)
    last = spans.shape[1] - 1
    if last:  # every (rule, first word id) pair: the slice of its positions followed by the second word
        pair_rule = np.repeat(np.arange(len(rules), dtype=np.int64), highs - lows)
        first = concat_ranges(lows, highs) * (len(corpus.words) + 1)
        lows = np.searchsorted(keys, first + spans[pair_rule, 1, 0])
        highs = np.searchsorted(keys, first + spans[pair_rule, 1, 1])
    else:  # a word (or prefix) rule: every position of its ids
        pair_rule, lows, highs = np.arange(len(rules), dtype=np.int64), starts[lows], starts[highs]
    at = order[concat_ranges(lows, highs)]
    rule = np.repeat(pair_rule, highs - lows)
    if last > 1:
        keep = at + last < len(ids)
        at, rule = at[keep], rule[keep]
        for step in range(2, last + 1):
            following = ids[at + step]
            keep = (following >= spans[rule, step, 0]) & (following < spans[rule, step, 1])
            at, rule = at[keep], rule[keep]
    if last:
        keep = text_of[at] == text_of[at + last]  # all in one text
        at, rule = at[keep], rule[keep]
    return at, rule


def _count_runs(corpus: Corpus, positions, rules: list[tuple[int, list[tuple[int, int]]]]):
    """(texts, rules, counts) for word and phrase rules of one length whose first word cannot
    recur inside them (so their runs never overlap): `_run_starts` counted by (rule, text) in
    one np.unique, instead of a handful of numpy calls per rule (over a thousand rules)."""
    at, rule = _run_starts(corpus, positions, rules)
    n = len(corpus.texts)
    keys, counts = np.unique(np.array([index for index, _ in rules], dtype=np.int64)[rule] * n
                             + corpus.text_of[at], return_counts=True)
    return keys % n, keys // n, counts


_NONE = np.zeros(0, dtype=np.int64)


def _greedy(at: np.ndarray, length: int, text_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts of non-overlapping runs, leftmost first (as str.count), from their sorted starts."""
    counts: dict[int, int] = {}
    end = -1
    for position, text in zip(at.tolist(), text_of[at].tolist()):
        if position >= end:
            counts[text] = counts.get(text, 0) + 1
            end = position + length
    return np.array(list(counts), dtype=np.int64), np.array(list(counts.values()), dtype=np.int64)


def _texts_with(corpus: Corpus, positions, words) -> np.ndarray:
    """The texts with any of these words: an id range (low, high) or an array of ids, whose
    positions are all in `positions`."""
    order, starts, _keys = positions
    if isinstance(words, tuple):
        at = order[starts[words[0]]:starts[words[1]]]
    else:
        at = np.concatenate([order[starts[i]:starts[i + 1]] for i in words.tolist()] or [_NONE])
    seen = np.zeros(len(corpus.texts), dtype=bool)  # cheaper than np.unique's sort
    seen[corpus.text_of[at]] = True
    return np.flatnonzero(seen)


def score_paper(title: str, abstract: str, taxonomy: Taxonomy) -> dict[str, list[Hit]]:
    """Every rule hit for every tag, by tag slug (tags with no hit are absent), in tags.yml order."""
    matcher = taxonomy.matcher
    in_title, in_abstract = matcher.counts(title, abstract)
    hits: dict[str, list[Hit]] = {}
    for index in sorted(in_title.keys() | in_abstract.keys()):
        tag, rule = matcher.rules[index]
        if index in in_title:
            hits.setdefault(tag, []).append(Hit(tag, rule.text, "title", TITLE_WEIGHT))
        if index in in_abstract:
            hits.setdefault(tag, []).append(Hit(tag, rule.text, "abstract", min(in_abstract[index], ABSTRACT_CAP)))
    return hits


def tag_scores(title: str, abstract: str, taxonomy: Taxonomy) -> dict[str, int]:
    """Each tag's total score, as the sum of its `score_paper` hits, without building the hits."""
    return tag_scores_many([(title, abstract)], taxonomy)[0]


def tag_scores_many(papers: list[tuple[str, str]], taxonomy: Taxonomy,
                    corpus: Corpus | None = None) -> list[dict[str, int]]:
    """`tag_scores` of many (title, abstract) pairs at once, in a few array operations (classify
    needs only the totals, for every paper). Tags with no hit are absent; tags.yml order.
    `corpus`, if given, is `tokenize` of the pairs' texts, in order."""
    matcher = taxonomy.matcher
    corpus = corpus or tokenize(text for pair in papers for text in pair)
    texts, rules, counts = matcher.count_corpus(corpus)
    in_title = texts % 2 == 0  # texts: title, abstract, title, abstract...
    points = np.where(in_title, TITLE_WEIGHT, np.minimum(counts, ABSTRACT_CAP))
    totals = sparse.csr_matrix((points, (texts // 2, matcher.tag_number[rules])),
                               shape=(len(papers), len(matcher.tags)))
    totals.sum_duplicates()
    slugs = matcher.tags
    indptr, indices, data = totals.indptr.tolist(), totals.indices.tolist(), totals.data.tolist()
    return [dict(zip([slugs[i] for i in indices[start:end]], data[start:end]))
            for start, end in zip(indptr, indptr[1:])]


def choose(hits: dict[str, list[Hit]], taxonomy: Taxonomy) -> tuple[tuple[str, ...], str]:
    """Tags (strongest first, ties in tags.yml order) and the theme they point to."""
    return rank({slug: sum(h.score for h in tag_hits) for slug, tag_hits in hits.items()}, taxonomy)


def rank(scores: dict[str, int], taxonomy: Taxonomy) -> tuple[tuple[str, ...], str]:
    """`choose` from the tags' total scores."""
    order = taxonomy._tag_order
    ranked = sorted(scores, key=lambda s: (-scores[s], order[s]))
    tags = [s for s in ranked if scores[s] >= MIN_SCORE][:MAX_TAGS] or ranked[:1]
    return tuple(tags), theme_of(tags, scores, taxonomy)


def theme_of(tags, scores: dict[str, int], taxonomy: Taxonomy) -> str:
    """The theme whose tags add up to the highest score; ties go to the earlier theme."""
    theme_order = taxonomy._theme_order
    totals: dict[str, int] = {}
    for slug in tags:
        tag = taxonomy.tag(slug)
        if tag and tag.theme != FALLBACK_THEME:
            totals[tag.theme] = totals.get(tag.theme, 0) + max(scores.get(slug, 0), 1)
    if not totals:
        return FALLBACK_THEME
    return min(totals, key=lambda t: (-totals[t], theme_order.get(t, 0), t))


# ---------------------------------------------------------------- loading and validation

def load_taxonomy(path: Path) -> tuple[Taxonomy | None, list[Problem]]:
    """Load and validate tags.yml as a whole; Taxonomy is None when it has errors."""
    data, problems = load_file(path)
    check = Checker(path.name)
    check.problems.extend(problems)
    if data is None:
        if not problems:
            check.error(None, "file is empty: it needs 'themes' and 'tags'")
        return None, check.problems
    if not isinstance(data, YDict):
        check.error(data, "must be a mapping with 'themes' and 'tags'")
        return None, check.problems
    check.keys(data, {"themes", "tags"}, "tags.yml")
    placed = _themes(data.get("themes"), data, check)
    themes = [theme for theme, _ in placed]
    tags = _tags(data.get("tags"), data, {t.slug for t in themes}, check)
    used = {t.theme for t in tags}
    for theme, item in placed:
        if theme.slug != FALLBACK_THEME and theme.slug not in used:
            check.error(item, f"theme '{theme.slug}' is empty: no tag belongs to it")
    if any(p.severity == "error" for p in check.problems):
        return None, check.problems
    return Taxonomy(tuple(themes), tuple(tags)), check.problems


def _themes(value, parent: YDict, check: Checker) -> list[tuple[Theme, YDict]]:
    """Validated themes in display order, each with the mapping it came from (for messages)."""
    if not isinstance(value, YList) or not value:
        check.key_error(parent, "themes", "'themes' must be a non-empty list") if "themes" in parent \
            else check.error(parent, "missing 'themes'")
        return []
    themes: list[tuple[Theme, YDict]] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, YDict):
            check.error(item if item is not None else value, "each theme must be a mapping (slug, title, ...)")
            continue
        check.keys(item, {"slug", "title", "description", "icon", "order"}, "a theme")
        slug = check.string(item, "slug", "theme")
        title = check.string(item, "title", "theme")
        if slug is None or title is None:
            continue
        if not _SLUG.match(slug):
            check.error(item["slug"], f"theme slug '{slug}' must be lower-case words joined by hyphens")
            continue
        if slug in seen:
            check.error(item["slug"], f"theme '{slug}' is defined twice")
            continue
        seen.add(slug)
        icon = check.string(item, "icon", "theme", required=False) or "material/tag-outline"
        if not _ICON.match(icon):
            check.error(item.get("icon"), f"icon '{icon}' is not a Material icon name like 'material/magnify'")
        theme = Theme(slug, title, check.string(item, "description", "theme", required=False) or "",
                      icon, check.integer(item, "order", index + 1))
        themes.append((theme, item))
    if themes and FALLBACK_THEME not in seen:
        check.error(value, f"themes must include '{FALLBACK_THEME}', the fallback theme")
    return sorted(themes, key=lambda pair: (pair[0].order, pair[0].slug))


def _rules(item: YDict, check: Checker, tag_slug: str) -> list[Rule]:
    match = item.get("match")
    if match is None:
        return []
    if not isinstance(match, YDict):
        check.key_error(item, "match", "'match' must be a mapping with words, phrases and/or regex")
        return []
    check.keys(match, {"words", "phrases", "regex"}, f"the match rules of tag '{tag_slug}'")
    rules: list[Rule] = []
    for kind, key in (("word", "words"), ("phrase", "phrases")):
        for text in check.string_list(match, key):
            needle = _needle(text)
            if not needle.strip():
                check.error(text, f"empty {kind} in tag '{tag_slug}'")
                continue
            rules.append(Rule(kind, str(text), needle=needle))
    for text in check.string_list(match, "regex"):
        try:
            pattern = re.compile(str(text))
        except re.error as exc:
            check.error(text, f"invalid regular expression {str(text)!r} in tag '{tag_slug}': {exc.msg}")
            continue
        if pattern.search(""):
            check.error(text, f"regular expression {str(text)!r} matches empty text; it would tag every paper")
            continue
        rules.append(Rule("regex", str(text), pattern=pattern))
    return rules


def _tags(value, parent: YDict, themes: set[str], check: Checker) -> list[Tag]:
    if not isinstance(value, YList):
        if "tags" in parent:
            check.key_error(parent, "tags", "'tags' must be a list")
        else:
            check.error(parent, "missing 'tags'")
        return []
    tags: list[Tag] = []
    seen: dict[str, int] = {}
    names: dict[str, str] = {}
    for item in value:
        if not isinstance(item, YDict):
            check.error(item if item is not None else value, "each tag must be a mapping (slug, label, theme, match)")
            continue
        check.keys(item, {"slug", "label", "description", "theme", "match", "aliases"}, "a tag")
        slug = check.string(item, "slug", "tag")
        theme = check.string(item, "theme", "tag")
        if slug is None or theme is None:
            continue
        if not _SLUG.match(slug):
            check.error(item["slug"], f"tag slug '{slug}' must be lower-case words joined by hyphens")
            continue
        if slug in seen:
            check.error(item["slug"], f"tag '{slug}' is defined twice (first on line {seen[slug]})")
            continue
        seen[slug] = where(item["slug"])[0]
        if theme not in themes:
            check.error(item["theme"], f"unknown theme '{theme}'{suggest(theme, themes)}")
        label = check.string(item, "label", "tag", required=False) or slug
        aliases = tuple(str(a) for a in check.string_list(item, "aliases"))
        for name in (label.casefold(), *(a.casefold() for a in aliases)):
            if names.get(name, slug) != slug:
                check.error(item, f"tag '{slug}' uses the name '{name}' that tag '{names[name]}' already has")
            names[name] = slug
        rules = _rules(item, check, slug)
        if not rules:
            check.warn(item, f"tag '{slug}' has no match rules; only curation.yml can add it")
        tags.append(Tag(slug, label, check.string(item, "description", "tag", required=False) or "",
                        theme, tuple(rules), aliases))
    return tags
