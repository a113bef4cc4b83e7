"""Related papers stay linear in the number of papers and lose nothing where lists are small.

`related.py` compares each paper only with candidates found through the papers in which its
words weigh most. These tests hold that shortcut against the all-pairs cosine it replaces,
computed here from the same TF-IDF matrix with a dense product.
"""

from __future__ import annotations

import numpy as np
import pytest

from generator import related
from generator.corpus import tokenize


def _all_pairs(papers, k: int) -> dict[str, tuple[str, ...]]:
    """The k best neighbours of every paper by the full cosine matrix (ties: the paper listed first)."""
    corpus = tokenize(text for p in papers for text in (p.title, p.abstract))
    cosine = (related._tfidf(corpus) @ related._tfidf(corpus).T).toarray()
    np.fill_diagonal(cosine, -1.0)
    slugs = [p.slug for p in papers]
    out = {}
    for row, slug in enumerate(slugs):
        best = sorted(range(len(slugs)), key=lambda c: (-cosine[row, c], c))[:k]
        chosen = sorted((-round(float(cosine[row, c]), 6), slugs[c]) for c in best if round(float(cosine[row, c]), 6) > 0)
        out[slug] = tuple(s for _v, s in chosen)
    return out


def test_at_seed_size_the_lists_are_those_of_the_all_pairs_product(seed_site):
    papers = list(seed_site.library.papers)
    assert len(papers) > 600
    related._LAST.clear()
    assert related.related_papers(papers) == _all_pairs(papers, related.TOP_K)


def test_with_few_postings_and_candidates_lists_stay_close_to_the_all_pairs_ones(seed_site, monkeypatch):
    """Cut hard (4 papers per word, 8 candidates, blocks of 64), the shortcut must still find
    most of the true neighbours, and every score it reports must be the exact cosine's order."""
    monkeypatch.setattr(related, "POSTINGS", 4)
    monkeypatch.setattr(related, "CANDIDATES", 8)
    monkeypatch.setattr(related, "BLOCK", 64)
    papers = list(seed_site.library.papers)
    related._LAST.clear()
    cut = related.related_papers(papers)
    related._LAST.clear()
    exact = _all_pairs(papers, related.TOP_K)
    assert cut != exact  # the cut is hard enough to change something
    kept = sum(len(set(cut[s]) & set(exact[s])) for s in exact)
    assert kept > 0.6 * sum(len(v) for v in exact.values())
    assert all(s not in cut[s] and len(set(cut[s])) == len(cut[s]) <= related.TOP_K for s in cut)


def test_work_per_paper_is_bounded_whatever_the_number_of_papers(seed_site, monkeypatch):
    """The candidate product never holds more than KEEP_TERMS x POSTINGS values per paper."""
    seen = []
    real = related._without_self

    def counting(product, start, columns=None):
        result = real(product, start, columns)
        if columns is None:
            seen.append(result.nnz / result.shape[0])
        return result

    monkeypatch.setattr(related, "_without_self", counting)
    monkeypatch.setattr(related, "POSTINGS", 3)
    related._LAST.clear()
    related.related_papers(list(seed_site.library.papers))
    related._LAST.clear()
    assert seen and max(seen) <= related.KEEP_TERMS * 3


@pytest.mark.parametrize("texts", [[("Alpha beta", "gamma delta")], [("Alpha", "one"), ("Beta", "two")]])
def test_papers_without_shared_words_get_empty_lists(texts):
    from generator.model import Paper

    papers = [Paper(slug=f"p{i}", title=t, abstract=a, authors_count=None, authors=(), date=None, upvotes=None,
                    links=(), lists=(), origins=()) for i, (t, a) in enumerate(texts)]
    related._LAST.clear()
    assert related.related_papers(papers) == {p.slug: () for p in papers}
