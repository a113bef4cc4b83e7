"""Related papers: the nearest neighbours of each paper by TF-IDF cosine over title + abstract.

The TF-IDF is built here with numpy and scipy.sparse rather than scikit-learn: it is twenty
lines, and importing scikit-learn alone took about 1 s of every build (and of every `serve`
rebuild). It starts from the word ids of `corpus.py`, which tag scoring shares, so no Python
loop runs over words. Rows are L2-normalised, so a sparse product is the cosine.

Comparing every paper with every other grows as papers^2 (52 % of generation at 50,000 papers),
so each paper is compared only with a bounded number of candidates, and the cost stays linear:
for each word, the POSTINGS papers in which it weighs most; of the papers met that way, the
CANDIDATES best by the words they share so, whose exact cosine is then computed (with those of
the other papers of the block, as one sparse product). At the seeds' size (and on a synthetic
10,000-paper list) the lists are the very ones of the all-pairs product; at 50,000 synthetic
papers, where every abstract comes back about 70 times so the best neighbours are near-ties,
the mean cosine of the chosen neighbours is 0.938 against 0.951, for 5x less work
(bench/RESULTS.md). No Python loop runs over pairs.

Words in more than MAX_DF of the papers say little about what a paper is about and cost the
most in the product (a word in n papers adds n^2 multiplications), so they are dropped, and
each paper keeps only its KEEP_TERMS strongest words. On the seeds that pruning moves the share
of related papers in the same theme from 43.5 % to 40.9 %; at 10,000 papers it makes the
product about 5x cheaper (see bench/RESULTS.md).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .corpus import Corpus, tokenize
from .model import Paper

TOP_K = 5
BLOCK = 512
MAX_DF = 0.2  # drop words found in more than this share of the papers (needs >= 10 papers)
KEEP_TERMS = 32  # the strongest words kept per paper
POSTINGS = 32  # candidates come from the papers in which a word weighs most: this many per word
CANDIDATES = 20  # the best candidates per paper (by the words they share so) whose exact cosine counts

# Function words and the stock phrases of abstracts; they match everything and relate nothing.
STOP_WORDS = frozenset(word.encode() for word in """
a about above across after again against all almost also although always am among an and another any
are around as at be became because become been before being below between beyond both but by can
cannot could did do does doing done down due during each either else enough etc even ever every few
for from further had has have having he her here hers him his how however i if in into is it its
itself just least less many may me might more most much must my neither no nor not now of off often
on once one only onto or other others otherwise our ours out over own per perhaps rather same several
she should show shows shown since so some such than that the their them themselves then there
thereby therefore these they this those though through thus to together too toward towards under
until up upon us very via was we well were what whatever when where whereas whether which while who
whom whose why will with within without would yet you your
paper propose proposed proposes present presents introduce introduces approach approaches method
methods based using use used new novel results result work works demonstrate demonstrates achieve
achieves achieving existing significantly significant performance state art extensive experiments
experimental outperforms including across furthermore specifically moreover
""".split())


def _tfidf(corpus: Corpus, keep: int = KEEP_TERMS, rows=None) -> sparse.csr_matrix:
    """Rows: L2-normalised sublinear-tf x smoothed-idf vectors, each cut to its `keep` best words.

    `corpus` holds each paper's title and abstract, in turn (the title counts double); with
    `rows`, the papers are those numbers in it, in that order."""
    rows = np.arange(len(corpus.texts) // 2) if rows is None else np.asarray(rows, dtype=np.int64)
    n = len(rows)
    both = sparse.csr_matrix((np.tile(np.array([2, 1], dtype=np.int32), n),
                              (np.repeat(np.arange(n), 2), np.stack([2 * rows, 2 * rows + 1], axis=1).ravel())),
                             shape=(n, len(corpus.texts)))
    tf = sparse.csr_matrix(both @ corpus.counts)
    tf.sort_indices()
    cols, bounds = tf.indices, tf.indptr
    df = np.bincount(cols, minlength=len(corpus.words))
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    if n >= 10:
        idf[df > MAX_DF * n] = 0.0
    idf[[i for i, word in enumerate(corpus.words) if len(word) < 2 or word in STOP_WORDS]] = 0.0
    data = (1 + np.log(tf.data.astype(np.float32))) * idf[cols]
    data[_beyond_best(data, bounds, keep)] = 0.0
    matrix = sparse.csr_matrix((data, cols, bounds), shape=(n, len(corpus.words)))
    matrix.eliminate_zeros()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags((1 / norms).astype(np.float32)) @ matrix)


def _beyond_best(data: np.ndarray, bounds: np.ndarray, keep: int) -> np.ndarray:
    """The positions of the values past each row's `keep` largest (rows are data[bounds[i]:
    bounds[i + 1]]; on equal values the earlier one is kept). `data` is float32, >= 0.

    One sort of int64 keys (row, then value falling, then position in the row) when they fit
    in 63 bits: 0.05 s for 1.3 million values, against 0.25 s for the three-key lexsort that
    it equals (which remains for rows too long or too many to pack)."""
    rows = np.repeat(np.arange(len(bounds) - 1, dtype=np.int64), np.diff(bounds))
    place = np.arange(len(data), dtype=np.int64) - bounds[rows]
    place_bits = int(place.max(initial=0)).bit_length()
    if int(len(bounds)).bit_length() + 32 + place_bits <= 63:
        falling = np.uint32(0xFFFFFFFF) - data.view(np.uint32)  # non-negative floats sort as their bits
        keys = (rows << (32 + place_bits)) | (falling.astype(np.int64) << place_bits) | place
        keys.sort()
        rows, place = keys >> (32 + place_bits), keys & ((1 << place_bits) - 1)
    else:  # pragma: no cover  (a row of over 2**21 words, or 2**21 papers)
        order = np.lexsort((place, -data, rows))
        rows, place = rows[order], place[order]
    rank = np.arange(len(data), dtype=np.int64) - bounds[rows]
    beyond = rank >= keep
    return bounds[rows[beyond]] + place[beyond]


_LAST: dict[str, object] = {}  # the last result, by its inputs (serve rebuilds)


def related_papers(papers: list[Paper], k: int = TOP_K, corpus: Corpus | None = None,
                   rows=None) -> dict[str, tuple[str, ...]]:
    """slug -> the k most similar other papers' slugs, most similar first (ties by slug).

    `corpus`, if given, is `tokenize` of each paper's title and abstract, in turn (the tag scoring
    needs it too); or, with `rows`, of a longer list of papers in which papers[i] is number
    rows[i] (no need to pick their texts out first). The last result is kept: a `serve`
    rebuild after a tags.yml or curation edit that leaves titles and abstracts alone gets it
    back without redoing the TF-IDF.
    """
    key = _key(papers, k)
    if _LAST.get("key") != key:
        _LAST.update(key=key, result=_related(list(papers), k, corpus, rows))
    return dict(_LAST["result"])  # type: ignore[call-overload]


def _key(papers: list[Paper], k: int) -> tuple:
    # References, not copies; comparing it with the last key is quick when the papers come
    # from the same parsed captures (site._PARSED), as they do in `serve`.
    return (k, [(p.slug, p.title, p.abstract) for p in papers])


def _related(papers: list[Paper], k: int, corpus: Corpus | None, rows=None) -> dict[str, tuple[str, ...]]:
    if len(papers) < 2:
        return {p.slug: () for p in papers}
    if corpus is None:
        corpus, rows = tokenize(text for p in papers for text in (p.title, p.abstract)), None
    matrix = _tfidf(corpus, rows=rows)
    slugs = [p.slug for p in papers]
    k = min(k, len(papers) - 1)
    by_word = matrix.T.tocsr()  # each word's papers, in paper order
    strongest = by_word.copy()  # ... cut to the POSTINGS papers in which the word weighs most
    strongest.data[_beyond_best(strongest.data, strongest.indptr, POSTINGS)] = 0.0
    strongest.eliminate_zeros()
    out: dict[str, tuple[str, ...]] = {}
    for start in range(0, len(papers), BLOCK):
        block = matrix[start:start + BLOCK]
        # Candidates: the papers sharing a word in which they are among the strongest, best first.
        rough = _without_self(block @ strongest, start)
        rough.data[_beyond_best(rough.data, rough.indptr, CANDIDATES)] = 0.0
        rough.eliminate_zeros()
        # Exact cosines of this block's papers with all its candidates. A sparse product sums
        # each pair's terms in the same order whatever the other columns are, so these are the
        # very numbers the full product would give.
        candidates = np.unique(rough.indices)
        exact = _without_self(block @ by_word[:, candidates], start, candidates)
        exact.sort_indices()  # (so that on equal scores the paper listed first wins)
        exact.data[_beyond_best(exact.data, exact.indptr, k)] = 0.0
        exact.eliminate_zeros()
        papers_of, scores = candidates[exact.indices].tolist(), exact.data.round(6).tolist()
        bounds = exact.indptr.tolist()
        for row in range(exact.shape[0]):
            chosen = sorted((-scores[at], slugs[papers_of[at]]) for at in range(bounds[row], bounds[row + 1])
                            if scores[at] > 0)
            out[slugs[start + row]] = tuple(slug for _v, slug in chosen)
    return out


def _without_self(product, start: int, columns: np.ndarray | None = None) -> sparse.csr_matrix:
    """`product` (rows: papers start, start + 1...; columns: all papers, or those numbered in
    `columns`, ascending) without each paper's score with itself."""
    product = sparse.csr_matrix(product)
    rows = np.repeat(np.arange(product.shape[0]), np.diff(product.indptr))
    papers = product.indices if columns is None else columns[product.indices]
    product.data[papers == rows + start] = 0.0
    product.eliminate_zeros()
    return product
