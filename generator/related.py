"""Related papers: the nearest neighbours of each paper by TF-IDF cosine over title + abstract.

scikit-learn's vectoriser gives L2-normalised sparse rows, so a sparse product is the cosine.
We multiply in blocks of rows and keep the top k per row with argpartition: memory stays
O(block x papers) instead of O(papers^2), and no Python loop runs over pairs.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .model import Paper

TOP_K = 5
BLOCK = 1024


def related_papers(papers: list[Paper], k: int = TOP_K) -> dict[str, tuple[str, ...]]:
    """slug -> the k most similar other papers' slugs, most similar first (ties by slug)."""
    if len(papers) < 2:
        return {p.slug: () for p in papers}
    texts = [f"{p.title}. {p.title}. {p.abstract}" for p in papers]  # title counts double
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1, max_df=0.5,
                                 dtype=np.float32)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # every text empty or stop words only
        return {p.slug: () for p in papers}
    slugs = np.array([p.slug for p in papers])
    k = min(k, len(papers) - 1)
    out: dict[str, tuple[str, ...]] = {}
    transposed = matrix.T.tocsr()
    for start in range(0, len(papers), BLOCK):
        block = (matrix[start:start + BLOCK] @ transposed).toarray()
        rows = np.arange(block.shape[0])
        block[rows, rows + start] = -1.0  # never related to itself
        top = np.argpartition(-block, k - 1, axis=1)[:, :k]  # k <= papers - 1 < columns
        for row, candidates in enumerate(top):
            chosen = [c for c in candidates if block[row, c] > 0]
            chosen.sort(key=lambda c: (-round(float(block[row, c]), 6), slugs[c]))
            out[slugs[start + row]] = tuple(slugs[c] for c in chosen[:k])
    return out
