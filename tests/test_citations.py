"""Issue 17: a citation a reference manager accepts: authors, year and month, arXiv eprint, and a
short unique key, in the Cite box and papers.bib alike."""

from __future__ import annotations

import re

import bibtexparser

from conftest import project_with_papers


def test_papers_bib_parses_with_one_unique_short_key_per_paper(seed_site):
    library = bibtexparser.parse_string(seed_site.pages["papers.bib"])
    assert library.failed_blocks == []
    keys = [entry.key for entry in library.entries]
    assert len(keys) == len(set(keys)) == len(seed_site.library.papers)
    assert all(re.fullmatch(r"[a-z]+(\d{4})?[a-z0-9]+", key) for key in keys), keys[:5]
    assert max(map(len, keys)) <= 40  # not a 70-character slug


def test_authors_year_month_and_eprint_reach_the_entry(tmp_path):
    from generator.model import replace_paper
    from generator.render.bibtex import bibtex_entry, bibtex_keys
    from generator.site import build_site

    project = project_with_papers(
        tmp_path / "project",
        "- title: 'LoRA: Low-Rank Adaptation of Large Language Models'\n"
        "  abstract: We propose low-rank adaptation.\n  date: 2021-06-17\n"
        "  authors: [Edward J. Hu, Yelong Shen, 'Müller, Jörg', Smith and Sons]\n")
    site = build_site(project)
    paper = next(p for p in site.library.papers if p.title.startswith("LoRA: Low-Rank"))
    entry = bibtexparser.parse_string(site.pages["papers.bib"]).entries
    ours = next(e for e in entry if e["title"].startswith("{LoRA: Low-Rank"))
    assert ours.key == "hu2021lora"
    assert ours["author"] == "Edward J. Hu and Yelong Shen and Müller, Jörg and {Smith and Sons}"
    assert ours["year"] == "2021" and ours["month"] == "jun"
    page = site.pages[f"papers/{paper.slug}.md"].body
    assert "hu2021lora" in page  # the Cite box shows the same entry

    with_arxiv = replace_paper(paper, arxiv="2106.09685")
    text = bibtex_entry(with_arxiv, [], bibtex_keys([with_arxiv])[paper.slug])
    parsed = bibtexparser.parse_string(text).entries[0]
    assert parsed["eprint"] == "2106.09685" and parsed["archivePrefix"] == "arXiv"
    assert parsed["url"] == "https://arxiv.org/abs/2106.09685"


def test_papers_sharing_a_key_stem_get_letters_in_site_order():
    from generator.model import new_paper
    from generator.render.bibtex import bibtex_keys

    def paper(slug, title, authors=("Ada Lovelace",), date="2024-01-01"):
        return new_paper(dict(slug=slug, title=title, abstract="", authors_count=len(authors), authors=authors,
                              date=date, upvotes=None, links=(), lists=(), origins=()))

    papers = [paper("a", "Widgets at scale"), paper("b", "Widgets again"), paper("c", "Gadgets"),
              paper("d", "The Gadgets", authors=()), paper("e", "Gadgets", date=None)]
    keys = bibtex_keys(papers)
    assert keys == {"a": "lovelace2024widgetsa", "b": "lovelace2024widgetsb", "c": "lovelace2024gadgets",
                    "d": "anon2024gadgets", "e": "lovelacegadgets"}
