"""Papers with what the lock file (`seeds/metadata.yml`, `metadata.py`) knows about them.

A pipeline stage between merging and classifying: it reads no network, only the lock file that
`papershelf enrich` and `papershelf add` wrote and a curator reviewed. What it adds:
- the arXiv identifier (`Paper.arxiv`): the page links the paper itself (abstract, PDF, Hugging
  Face) and cites it with `eprint`;
- the authors, where no capture named them (a BibTeX or papers.yml entry that does wins);
- the publication date (the lock file's `published`, from the paper's own record, wins over a
  listing's date, which is when a list showed it);
- upvotes (the lock file's, fetched later than the capture's), a project page, and a GitHub
  repository where the paper links no code yet.
"""

from __future__ import annotations

from .metadata import PaperMetadata, paper_key
from .model import Link, Paper, replace_paper


def _has_url(links: tuple[Link, ...], url: str) -> bool:
    wanted = url.rstrip("/").lower()
    return any(link.url.rstrip("/").lower() == wanted for link in links)


def with_metadata(paper: Paper, record: PaperMetadata | None) -> Paper:
    """`paper`, completed from its lock-file entry (unchanged without one, or when refused)."""
    if record is None or record.refused:
        return paper
    changes: dict = {}
    if record.arxiv:
        changes["arxiv"] = record.arxiv
    if record.authors and not paper.authors:
        changes.update(authors=record.authors, authors_count=len(record.authors))
    if record.published:
        changes["date"] = record.published
    if record.upvotes is not None:
        changes["upvotes"] = record.upvotes
    links = paper.links
    found = (("code", None if paper.code else record.github), ("project", record.project_page))
    for kind, url in found:  # (a paper that links its code already keeps that link alone)
        if url and not _has_url(links, url):
            links = (*links, Link(kind, url))
    if links is not paper.links:
        changes["links"] = links
    return replace_paper(paper, **changes) if changes else paper


def enrich_all(papers: list[Paper], records: dict[str, PaperMetadata]) -> list[Paper]:
    """Every paper completed from the lock file (keyed by `metadata.paper_key` of its title)."""
    if not records:
        return papers
    return [with_metadata(paper, records.get(paper_key(paper.title))) for paper in papers]
