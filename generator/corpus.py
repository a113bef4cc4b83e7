"""Every paper's title and abstract as numbers: the words of many texts, found once, shared.

Tag scoring (taxonomy.py) and related papers (related.py) both need the words of every title
and abstract. At 10,000 papers that is about 2 million words, and a Python loop over them, even
a short one, costs seconds. So the texts are split into words in a few bulk C calls (the runs
of ASCII letters and digits of the lower-cased text: the words of `taxonomy.normalise`), each
distinct word gets an id, and from then on the words are numpy arrays: counting, matching phrases and TF-IDF are
array operations, not Python loops.

Word ids follow the sorted order of the words, so anything that breaks ties by id breaks them
the same way whatever order the papers come in.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

# Bytes that stay in a word (0-9, a-z); every other byte separates words.
_SEPARATE = bytes(c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256))


@dataclass(frozen=True, eq=False)
class Corpus:
    """The words of `texts`, in order: text i's word ids are ids[bounds[i]:bounds[i + 1]]."""

    texts: tuple[str, ...]
    words: tuple[bytes, ...]  # the vocabulary: word id -> word, in sorted order
    ids: np.ndarray  # int32, one per word position
    bounds: np.ndarray  # int64, len(texts) + 1
    index: dict[bytes, int]  # word -> its id

    @cached_property
    def lowered(self) -> tuple[str, ...]:
        """Each text.lower(), which the regex rules of tags.yml search too (`tokenize` keeps
        the ones it split the words of; a `select`ion keeps its texts')."""
        return tuple(text.lower() for text in self.texts)

    @cached_property
    def text_of(self) -> np.ndarray:
        """The text each word position belongs to (int32)."""
        return np.repeat(np.arange(len(self.texts), dtype=np.int32), np.diff(self.bounds))

    @cached_property
    def counts(self) -> sparse.csr_matrix:
        """texts x words: how often each word occurs in each text (rows sorted by word id)."""
        matrix = sparse.csr_matrix(
            (np.ones(len(self.ids), dtype=np.int32), (self.text_of, self.ids)),
            shape=(len(self.texts), len(self.words)))
        matrix.sum_duplicates()
        return matrix

    def positions(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(order, starts, keys) for the ids where `wanted` (a bool per word id) is True; none
        for the others. The positions of word id w are order[starts[w]:starts[w + 1]], sorted by
        the id of the word after each (then ascending); keys[j] is, for position order[j],
        its id x (len(words) + 1) + the next word's id (len(words) after the last word), so
        the positions of a word followed by a word in a range of ids are one slice of keys.

        Sorting only the wanted words' positions (the first words of the rules: about a third
        of all words) is what keeps this cheap."""
        at = np.flatnonzero(wanted[self.ids])  # ascending
        width, size = len(self.words) + 1, len(self.ids)
        following = self.ids[np.minimum(at + 1, size - 1)].astype(np.int64)
        if len(at) and at[-1] == size - 1:
            following[-1] = width - 1  # the last word has none after it
        keys = self.ids[at].astype(np.int64) * width + following
        if width * width * size < 1 << 63:  # one sort of keys with the position packed in: 5x quicker
            keys, order = np.divmod(np.sort(keys * size + at), size)
        else:  # pragma: no cover  (a vocabulary of millions of words)
            by = np.argsort(keys, kind="stable")
            order, keys = at[by], keys[by]
        starts = np.zeros(len(self.words) + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.ids[at], minlength=len(self.words)), out=starts[1:])
        return order, starts, keys

    def id_range(self, word: bytes) -> tuple[int, int]:
        """The ids of `word` (low, high: an empty range if absent), or with `word*` of all the words
        starting with it: being sorted, they follow each other."""
        if word.endswith(b"*"):
            prefix = word[:-1]
            return bisect_left(self.words, prefix), bisect_left(self.words, prefix + b"\x7f")
        at = self.index.get(word)
        return (0, 0) if at is None else (at, at + 1)

    def ids_containing(self, part: bytes) -> np.ndarray:
        """The ids of the words that contain `part` (one scan of the whole vocabulary)."""
        if not part.isalnum():  # words are letters and digits: nothing else is inside one
            return np.zeros(0, dtype=np.int64)
        joined = b"\n".join(self.words)
        ends = np.cumsum(np.fromiter(map(len, self.words), dtype=np.int64, count=len(self.words)) + 1)
        found = np.fromiter((m.start() for m in re.finditer(re.escape(part), joined)), dtype=np.int64)
        return np.unique(np.searchsorted(ends, found, side="right"))

    @cached_property
    def normalised(self) -> list[bytes]:
        """Each text as `taxonomy.normalise` gives it, as bytes (only for needles of odd forms)."""
        return [b" " + b"  ".join(self.words_of(i)) + b" " for i in range(len(self.texts))]

    def words_of(self, index: int) -> list[bytes]:
        """Text `index`'s words (the runs of ASCII letters and digits of its lower-cased text)."""
        words = self.words
        return [words[i] for i in self.ids[self.bounds[index]:self.bounds[index + 1]].tolist()]


def concat_ranges(lows: np.ndarray, highs: np.ndarray) -> np.ndarray:
    """lows[0]..highs[0]-1, then lows[1]..highs[1]-1, and so on, as one int64 array (without a
    Python loop over the ranges)."""
    lengths = highs - lows
    ends = np.cumsum(lengths)
    return (np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
            + np.repeat(lows - (ends - lengths), lengths))


def tokenize(texts) -> Corpus:
    """Split `texts` into words (see the module docstring) with a handful of calls over all of them."""
    texts = tuple(texts)
    lowered = tuple(text.lower() for text in texts)
    words, ids, bounds = split_words(lowered)
    corpus = Corpus(texts, words, ids, bounds, dict(zip(words, range(len(words)))))
    corpus.__dict__["lowered"] = lowered  # (the cached_property's value: made already)
    return corpus


def split_words(lowered) -> tuple[tuple[bytes, ...], np.ndarray, np.ndarray]:
    """(words, ids, bounds) of a Corpus of texts already lower-cased."""
    # One byte per character ('?' for any non-ASCII one, which then separates words like all
    # punctuation), so text i starts at the sum of the lengths before it, plus one space each.
    joined = " ".join(lowered).encode("ascii", "replace").translate(_SEPARATE)
    words, ids = _number_words(joined)
    offsets = np.zeros(len(lowered) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered)) + 1, out=offsets[1:])
    letters = np.frombuffer(joined, dtype=np.uint8) != 32
    starts = np.flatnonzero(letters[1:] & ~letters[:-1]) + 1
    if letters.size and letters[0]:
        starts = np.concatenate(([0], starts))
    return words, ids, np.searchsorted(starts, offsets).astype(np.int64)


def _number_words(joined: bytes) -> tuple[tuple[bytes, ...], np.ndarray]:
    """(the distinct words in sorted order, the id of each word of `joined` in turn): `joined`
    is lower-case letters, digits and spaces."""
    flat = joined.split()
    words = tuple(sorted(set(flat)))
    index = dict(zip(words, range(len(words))))
    return words, np.fromiter(map(index.__getitem__, flat), dtype=np.int32, count=len(flat))
