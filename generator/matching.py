"""Applying the rules of tags.yml to papers: which strings hit, where, and each tag's score.

A hit in the title weighs TITLE_WEIGHT, each hit in the abstract one (at most ABSTRACT_CAP per
rule, so one word repeated does not dominate). Each stretch of text counts once per tag: where
several rules of one tag match the same words (a word and a phrase holding it, `LoRA` as a word
and as a regex, a string listed twice), only the longest match counts (`stretches.settle`). Rules never
see URLs: they are blanked out first (`rule_text`), so a model called `...-Instruct` on
huggingface.co is no evidence of instruction tuning. Words and phrases are matched on a normalised text
(lower case, punctuation as spaces) and counted as substrings of it; `*` at the end of a word
matches any ending (`quantiz*`). Regular expressions are for the rest (case-sensitive acronyms
like `\\bMoE\\b`). `Matcher` applies the rules to all papers at once, on their words as arrays of
numbers (`corpus.py`); the counts are the same as searching each text for every rule.

Two entry points: `tag_scores` (every paper's total per tag, for classifying) and `rule_hits`
(one paper's hits, rule by rule, for `papershelf explain`).
"""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse

from .corpus import Corpus, concat_ranges, tokenize
from .regex_prefilter import (
    Regex,
    _literal_token,
    _rarity,
    analyse_regex,
    required_literal,
)
from .stretches import by_tag, matched_strings, settle
from .taxonomy import Hit, Rule, Taxonomy

TITLE_WEIGHT = 3
ABSTRACT_CAP = 3

# A URL, with or without its scheme for the hosts papers link to: rules must not match its words.
_URL = re.compile(r"(?:https?://|www\.|\b(?:github\.com|huggingface\.co|arxiv\.org)/)\S*", re.IGNORECASE)


_URL_HINTS = ("www.", "github.com/", "huggingface.co/", "arxiv.org/")


def rule_text(text: str) -> str:
    """What the rules see of a title or abstract: the text with each URL blanked out."""
    if "://" not in text and "www." not in text and "/" not in text:
        return text
    if "://" not in text and text.isascii():
        # Most abstracts have a "/" ("and/or", "2/3") and no URL. _URL, case-blind and without
        # a literal prefix, is slow to find nothing; on ASCII text lower() is the very case
        # folding it applies, so these look-ups decide it (without a scheme a URL needs one).
        low = text.lower()
        if not any(hint in low for hint in _URL_HINTS):
            return text
    return _URL.sub(" ", text)


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
        self._regex: dict[int, Regex] = {}
        self._regex_tokens: dict[int, tuple[bytes, ...]] = {}  # regex rule -> it needs one of these
        self._always: list[int] = []  # regex rules every text must try
        self._non_ascii: list[int] = []  # regex rules only texts with non-ASCII characters can hit
        self._span_patterns: dict[int, tuple[re.Pattern, bool] | None] = {}  # for `stretches.settle`, made on first use
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
        self._regex[index] = Regex(index, rule.pattern, literal, icase, anchors, offset,
                                    bool(anchors) and bool(rule.pattern.flags & re.IGNORECASE))
        if literal and not literal.isascii():
            self._non_ascii.append(index)  # `literal in text` needs a non-ASCII character: rare
            return
        # Either will do: the pattern cannot match without one of its tokens, and a text without
        # the required literal counts 0 (so the literal's token is needed too). Take the rarer.
        tokens = max([tokens, (_literal_token(literal),)], key=lambda ts: min(map(_rarity, ts), default=0))
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


def rule_hits(title: str, abstract: str, taxonomy: Taxonomy) -> dict[str, list[Hit]]:
    """One paper's hits, rule by rule, by tag slug (tags with no hit are absent), in tags.yml
    order: what `papershelf explain` shows, with the strings each rule matched. Their scores
    add up to `tag_scores` of the paper."""
    matcher = taxonomy.matcher
    title, abstract = rule_text(title), rule_text(abstract)
    settled = []
    for text, counts in zip((title, abstract), matcher.counts(title, abstract)):
        field: dict[int, int] = {}
        for group in by_tag(matcher, counts).values():
            field.update(settle(matcher, text, group))
        settled.append(field)
    in_title, in_abstract = settled
    hits: dict[str, list[Hit]] = {}
    for index in sorted(in_title.keys() | in_abstract.keys()):
        tag, rule = matcher.rules[index]
        if index in in_title:
            hits.setdefault(tag, []).append(Hit(tag, rule.text, "title", TITLE_WEIGHT,
                                                matched_strings(matcher, title, index)))
        if index in in_abstract:
            hits.setdefault(tag, []).append(Hit(tag, rule.text, "abstract", min(in_abstract[index], ABSTRACT_CAP),
                                                matched_strings(matcher, abstract, index)))
    return hits


def tag_scores(papers: list[tuple[str, str]], taxonomy: Taxonomy,
               corpus: Corpus | None = None) -> list[dict[str, int]]:
    """Each (title, abstract) pair's total score per tag (`tag_evidence` without the title part)."""
    return [total for total, _title in tag_evidence(papers, taxonomy, corpus)]


def _count_texts(matcher: Matcher, corpus: Corpus) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`count_corpus`, but texts holding a URL are counted with their URLs blanked out (a
    small corpus of their own: the shared one keeps the words related.py reads)."""
    with_url = [i for i, text in enumerate(corpus.texts) if rule_text(text) != text]
    texts, rules, counts = matcher.count_corpus(corpus)
    if not with_url:
        return texts, rules, counts
    keep = ~np.isin(texts, with_url)
    u_texts, u_rules, u_counts = matcher.count_corpus(tokenize(rule_text(corpus.texts[i]) for i in with_url))
    texts = np.concatenate([texts[keep], np.array(with_url, dtype=np.int64)[u_texts]])
    rules = np.concatenate([rules[keep], u_rules])
    counts = np.concatenate([counts[keep], u_counts])
    order = np.lexsort((rules, texts))
    return texts[order], rules[order], counts[order]


def tag_evidence(papers: list[tuple[str, str]], taxonomy: Taxonomy,
                 corpus: Corpus | None = None) -> list[tuple[dict[str, int], dict[str, int]]]:
    """Each (title, abstract) pair's (total score per tag, the part of it from the title), for
    all pairs at once in a few array operations (classifying needs only these). Tags with no
    hit are absent; tags.yml order. `corpus`, if given, is `tokenize` of the pairs' texts, in
    order. Where two or more rules of one tag hit one text, `stretches.settle` decides what counts."""
    matcher = taxonomy.matcher
    corpus = corpus or tokenize(text for pair in papers for text in pair)
    texts, rules, counts = _count_texts(matcher, corpus)
    tag_numbers = matcher.tag_number[rules]
    if texts.size:  # (text, tag) groups with more than one rule: settled one by one, in Python
        group = texts * len(matcher.tags) + tag_numbers
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        sizes = np.diff(np.r_[starts, group.size])
        counts = counts.copy()
        rules_list, counts_list = rules.tolist(), counts.tolist()
        for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist()):
            members = dict(zip(rules_list[start:start + size], counts_list[start:start + size]))
            settled = settle(matcher, rule_text(corpus.texts[int(texts[start])]), members)
            counts[start:start + size] = [settled.get(rule, 0) for rule in rules_list[start:start + size]]
    in_title = texts % 2 == 0  # texts: title, abstract, title, abstract...
    points = np.where(counts == 0, 0, np.where(in_title, TITLE_WEIGHT, np.minimum(counts, ABSTRACT_CAP)))
    shape = (len(papers), len(matcher.tags))
    totals = sparse.csr_matrix((points, (texts // 2, tag_numbers)), shape=shape)
    titles = sparse.csr_matrix((np.where(in_title, points, 0), (texts // 2, tag_numbers)), shape=shape)
    slugs = matcher.tags
    out = []
    for matrix in (totals, titles):
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        indptr, indices, data = matrix.indptr.tolist(), matrix.indices.tolist(), matrix.data.tolist()
        out.append([dict(zip([slugs[i] for i in indices[start:end]], data[start:end]))
                    for start, end in zip(indptr, indptr[1:])])
    return list(zip(*out)) if papers else []
