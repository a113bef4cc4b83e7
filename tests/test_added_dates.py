"""Issue 17, part 1: when each paper joined the list, known without any network.

A paper's `added` date is the earliest `captured` date of the lists it came from (papers.yml
may say `added:`); Home's "Newest papers", the feeds and the What's new page put what the list
gained most recently first, and no feed entry is dated 1970.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from conftest import copy_project, project_with_papers

ATOM = "{http://www.w3.org/2005/Atom}"


def _captured(seed_site) -> dict[str, str]:
    return {s.file: s.captured.isoformat() for s in seed_site.library.sources if s.captured}


def test_each_paper_is_added_on_the_earliest_capture_of_its_lists(seed_site):
    captured = _captured(seed_site)
    for paper in seed_site.library.papers:
        assert paper.added == min(captured[f] for f in paper.lists), paper.slug
    # the seeds: captures from 2025-12-17, 2026-03-11 and 2026-11-22; a paper in two of them takes the earlier
    in_two = [p for p in seed_site.library.papers if len({captured[f] for f in p.lists}) > 1]
    assert in_two and all(p.added == min(captured[f] for f in p.lists) for p in in_two)


def test_no_feed_entry_is_dated_1970_and_the_newest_additions_come_first(seed_site):
    feeds = {path: text for path, text in seed_site.pages.items() if path.endswith(".xml")}
    assert "feed.xml" in feeds and len(feeds) > 5
    by_slug = {p.slug: p for p in seed_site.library.papers}
    for path, text in feeds.items():
        assert "1970" not in text, path
        root = ET.fromstring(text)
        entries = root.findall(f"{ATOM}entry")
        added = [by_slug[e.find(f"{ATOM}id").text.rstrip("/").rsplit("/", 1)[1]].added for e in entries]
        assert added == sorted(added, reverse=True), path  # what the list gained most recently first
        assert all(e.find(f"{ATOM}updated").text[:10] == a for e, a in zip(entries, added))


def test_papers_added_later_lead_home_the_feed_and_whats_new(tmp_path):
    """After `papershelf add` of a newer capture, its papers are the newest on every page."""
    from generator.add import add_capture
    from generator.site import build_site

    project = copy_project(tmp_path / "project")
    capture = tmp_path / "later.txt"
    capture.write_text("Daily Papers\nSubscribe\n" + "".join(
        f"Freshly Added Paper Number {n} About Sparse Widgets\nWe study sparse widgets, case {n}, "
        f"and find that they work well on benchmark {n}.\n" for n in range(11)), encoding="utf-8")
    add_capture(project / "seeds", capture, title="A later list", captured=date(2026, 12, 1))
    site = build_site(project)
    fresh = {p.slug for p in site.library.papers if p.title.startswith("Freshly Added Paper")}
    assert len(fresh) == 11
    assert all(site.library.paper(s).added == "2026-12-01" for s in fresh)
    home = site.pages["index.md"].body
    newest = home.split('id="newest"', 1)[1].split("</ul>", 1)[0]
    assert newest.count("Freshly Added Paper") == 8  # all eight places of "Newest papers"
    root = ET.fromstring(site.pages["feed.xml"])
    ids = [e.find(f"{ATOM}id").text for e in root.findall(f"{ATOM}entry")]
    assert {i.rstrip("/").rsplit("/", 1)[1] for i in ids[:11]} == fresh
    whats_new = site.pages["whats-new.md"].body
    assert whats_new.index("Added 2026-12-01 (11 papers)") < whats_new.index("Added 2026-11-22")
    assert "A later list" in whats_new.split("Added 2026-11-22")[0]


def test_papers_yml_may_say_when_a_paper_was_added(tmp_path):
    from generator.errors import PapershelfError
    from generator.site import build_site

    project = project_with_papers(
        tmp_path / "project",
        "- title: A Hand Added Paper On Widgets\n  abstract: It adds widgets by hand.\n  added: 2026-12-02\n"
        "  authors: [Ada Lovelace, Alan Turing]\n"
        "- title: Another Hand Added Paper Without A Date\n  abstract: No date given.\n")
    site = build_site(project)
    by_title = {p.title: p for p in site.library.papers}
    assert by_title["A Hand Added Paper On Widgets"].added == "2026-12-02"
    assert by_title["A Hand Added Paper On Widgets"].authors == ("Ada Lovelace", "Alan Turing")
    assert by_title["Another Hand Added Paper Without A Date"].added is None
    assert "A Hand Added Paper On Widgets" in site.pages["whats-new.md"].body.split("Added 2026-11-22", 1)[0]
    (project / "seeds" / "papers.yml").write_text("- title: X\n  added: 2026-13-40\n", encoding="utf-8")
    with pytest.raises(PapershelfError, match=r"papers.yml:2:\d+: 'added' must be YYYY-MM-DD"):
        build_site(project)


def test_the_json_export_says_when_each_paper_was_added(seed_site):
    import json

    records = json.loads(seed_site.pages["papers.json"])
    assert all(r["added"] for r in records) and {r["added"] for r in records} <= set(_captured(seed_site).values())
