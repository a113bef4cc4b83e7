"""Issue 17, part 3: a build reads the lock file (seeds/metadata.yml), never the network, and a
reader gets the paper itself: arXiv abstract and PDF, Hugging Face page, authors, publication
date, code, a citation with authors and eprint; search finds papers by author name."""

from __future__ import annotations

import json

import bibtexparser
import pytest

from conftest import copy_project, mkdocs_build

AUTHORS = [f"Author Number{n} Lastname{n}" for n in range(12)]


def _lock_project(tmp_path, seed_site):
    """A copy of the project whose lock file knows two seed papers, refuses a third, misses a fourth."""
    from generator.metadata import PaperMetadata, paper_key, write_metadata

    papers = [p for p in seed_site.library.papers if not p.authors][:4]
    known, small, refused, missed = papers
    entries = {
        paper_key(known.title): PaperMetadata(
            paper_key(known.title), known.title, "2106.09685", False, tuple(AUTHORS), "2021-06-17",
            "https://github.com/example/known", "https://example.org/known", 321, ("adapters",),
            "huggingface", "2026-12-03T10:00:00Z", "matched", False),
        paper_key(small.title): PaperMetadata(
            paper_key(small.title), small.title, "2305.14314", False, ("Tim Dettmers", "Artidoro Pagnoni"),
            "2023-05-23", None, None, None, (), "huggingface", "2026-12-03T10:00:00Z", "matched", False),
        paper_key(refused.title): PaperMetadata(paper_key(refused.title), refused.title, None, True,
                                                status="pinned", hand=True),
        paper_key(missed.title): PaperMetadata(paper_key(missed.title), missed.title,
                                               fetched="2026-12-03T10:00:00Z", source="huggingface"),
    }
    project = copy_project(tmp_path / "project")
    write_metadata(project / "seeds" / "metadata.yml", entries)
    return project, known, small, refused, missed


def test_a_paper_the_lock_file_knows_links_itself_and_shows_its_authors(tmp_path, seed_site):
    from generator.site import build_site

    project, known, small, refused, missed = _lock_project(tmp_path, seed_site)
    site = build_site(project)
    page = site.pages[f"papers/{known.slug}.md"].body
    assert 'href="https://arxiv.org/abs/2106.09685"' in page and 'href="https://arxiv.org/pdf/2106.09685"' in page
    assert 'href="https://huggingface.co/papers/2106.09685"' in page
    assert 'href="https://example.org/known"' in page
    # the lock file's repository is added where the paper links no code yet, never as a second one
    assert ('href="https://github.com/example/known"' in page) == (not known.code)
    assert page.count("Code on GitHub") <= max(1, len(known.code))
    assert "Search for this paper on" not in page  # search links only where no identifier is known
    first_ten = ", ".join(AUTHORS[:10])
    assert first_ten in page and "et al. (2 more)" in page and AUTHORS[11] in page  # the rest on demand
    assert 'Published <time datetime="2021-06-17">' in page and "&#9650; 321" in page
    bib = bibtexparser.parse_string(site.pages["papers.bib"]).entries
    entry = next(e for e in bib if "eprint" in e.fields_dict and e["eprint"] == "2106.09685")
    assert entry.key == f"lastname02021{entry.key[len('lastname02021'):]}" and entry["archivePrefix"] == "arXiv"
    assert entry["author"] == " and ".join(AUTHORS) and entry["year"] == "2021" and entry["month"] == "jun"
    small_page = site.pages[f"papers/{small.slug}.md"].body
    assert "Tim Dettmers, Artidoro Pagnoni" in small_page and "et al." not in small_page.split("ps-authors")[1][:80]
    for other in (refused, missed):  # refused or missed: as before, with the search links
        other_page = site.pages[f"papers/{other.slug}.md"].body
        assert "arxiv.org/abs/" not in other_page and "Search for this paper on" in other_page
    record = next(r for r in json.loads(site.pages["papers.json"]) if r["slug"] == known.slug)
    assert record["authors"] == AUTHORS and record["date"] == "2021-06-17"
    body = site.pages["papers/index.md"].body
    row = body[body.rindex("<tr", 0, body.index(f'href="../papers/{known.slug}/"')):].split("</tr>", 1)[0]
    # The first author under the title; the year sorts and filters (the Year column shows only
    # where a fifth of the rows have one: render/columns.py).
    assert "Author Number0 Lastname0 et al." in row and 'data-year="2021"' in row


def test_the_seed_site_builds_as_before_without_a_lock_file(seed_site):
    assert not any(p.arxiv for p in seed_site.library.papers)
    assert all("Search for this paper on" in seed_site.pages[f"papers/{p.slug}.md"].body
               for p in seed_site.library.papers)


def test_a_broken_lock_file_is_an_error_with_its_line(tmp_path):
    from generator.errors import PapershelfError
    from generator.site import build_site

    project = copy_project(tmp_path / "project")
    (project / "seeds" / "metadata.yml").write_text("p0123456789ab:\n  title: X\n  arxiv: not-an-id\n", encoding="utf-8")
    with pytest.raises(PapershelfError, match=r"metadata.yml:3:\d+"):
        build_site(project)


@pytest.mark.slow
def test_search_finds_a_paper_by_author_name_in_the_built_site(tmp_path, seed_site):
    project, known, *_ = _lock_project(tmp_path, seed_site)
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr[-3000:]
    from generator.search_index import read_index

    hits = [r["url"] for r in read_index(tmp_path / "site" / "pagefind") if "Lastname7" in r["content"]]
    assert hits == [f"/papers/{known.slug}/"]
    html = (tmp_path / "site" / "papers" / known.slug / "index.html").read_text(encoding="utf-8")
    assert 'href="https://arxiv.org/pdf/2106.09685"' in html
