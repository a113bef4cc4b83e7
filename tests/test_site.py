"""The generated site: one page per paper, front-matter MkDocs can read, a strict MkDocs build."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from mkdocs.utils.meta import get_data

from generator.write import RECORD

from conftest import ROOT, papershelf

pytestmark = pytest.mark.slow


def test_every_paper_page_front_matter_loads_back_with_mkdocs_own_loader(seed_site):
    pages = {k: v for k, v in seed_site.files().items() if k.startswith("papers/") and k != "papers/index.md"}
    assert len(pages) == 680
    for path, text in pages.items():
        body, meta = get_data(text)
        assert meta, f"{path}: MkDocs could not parse the front-matter"
        slug = path.removeprefix("papers/").removesuffix(".md")
        paper = seed_site.library.paper(slug)
        assert meta["title"] == html.escape(paper.title)
        assert meta.get("date") == paper.date and isinstance(meta.get("date", ""), str)
        assert meta.get("code", []) == list(paper.code)
        assert meta["lists"] == list(paper.lists)
        assert meta["theme"] == paper.theme
        assert body.startswith('<div class="ps-paper">')


def test_slugs_are_unique_ascii_short_and_stable(seed_papers):
    from generator.site import read_papers
    from conftest import SEEDS

    papers = seed_papers[0]
    slugs = [p.slug for p in papers]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) and len(s) <= 80 for s in slugs)
    assert [p.slug for p in read_papers(SEEDS)[0]] == slugs


def test_colliding_and_empty_titles_get_distinct_non_empty_slugs():
    from generator.slugs import assign_slugs

    long = "word " * 40
    slugs = assign_slugs(["Same Title", "same title!", "SAME  TITLE", "", "🙂🙂", long, long])
    assert slugs[:3] == ["same-title", "same-title-2", "same-title-3"]
    assert slugs[3] == "paper" and slugs[4] == "paper-2"
    assert len(slugs[5]) <= 80 and not slugs[5].endswith("-") and slugs[6].endswith("-2") and len(slugs[6]) <= 80


def test_same_title_with_a_different_abstract_stays_two_papers_with_a_warning():
    from generator.dedup import merge_entries
    from generator.model import Entry
    from generator.text import extract_links

    a = Entry("a.txt", 3, "Scaling Laws", "We study how loss scales with compute in transformers.")
    b = Entry("b.txt", 9, "Scaling laws!", "A survey of sheep herding practices in the alps.")
    c_abstract = "We study how loss scales with compute in transformers. https://github.com/x/y"
    c = Entry("c.txt", 5, "SCALING LAWS", c_abstract, links=extract_links(c_abstract))
    papers, problems = merge_entries([a, b, c])
    assert [p.origins for p in papers] == [("a.txt:3", "c.txt:5"), ("b.txt:9",)]
    assert [p.code for p in papers] == [("https://github.com/x/y",), ()]
    assert [str(p) for p in problems] == [
        "b.txt:9: warning: same title as a.txt:3 but a different abstract; kept as two papers"]


def test_minipile_is_one_paper_from_two_captures_with_both_links(seed_papers):
    paper = next(p for p in seed_papers[0] if p.slug.startswith("the-minipile-challenge"))
    assert paper.lists == ("000_497d3d275a8de861.txt", "003_5b037e8a8a4215a1.txt")
    assert "https://huggingface.co/datasets/JeanKaddour/minipile" in [l.url for l in paper.links]


def test_strict_build_has_a_page_per_paper_with_its_title_and_code_link(built_site, seed_site):
    papers = seed_site.library.papers
    assert len(papers) == 680
    for paper in papers:
        page = built_site / "papers" / paper.slug / "index.html"
        text = page.read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", text, re.S).group(1)
        assert html.unescape(title).startswith(paper.title), paper.slug
        for url in paper.code:
            assert f'href="{html.escape(url)}"' in text, (paper.slug, url)


def test_papers_stay_out_of_the_navigation(built_site):
    home = (built_site / "index.html").read_text(encoding="utf-8")
    nav = re.search(r'<nav class="md-nav md-nav--primary".*?</nav>\s*</div>\s*</div>\s*</div>', home, re.S)
    assert nav is not None
    assert "papers/" not in re.sub(r'href="[^"]*papers/"', "", nav.group(0)).replace("papers/index", "")
    assert len(home.encode()) < 120_000


def test_no_cdn_or_font_requests(built_site):
    for page in ["index.html", "themes/retrieval/index.html"]:
        text = (built_site / page).read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text
        assert not re.search(r'<script[^>]+src="https?://', text)
        assert not re.search(r'<link rel="(stylesheet|preconnect|preload)"[^>]+href="https?://', text)


def test_generate_out_twice_rewrites_nothing_and_never_touches_other_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.md").write_text("my own notes\n")
    first = papershelf("generate", "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert re.search(r"^(\d+) written, 0 unchanged, 0 removed", first.stdout).group(1) != "0"
    second = papershelf("generate", "--out", str(out))
    assert second.returncode == 0
    written = int(re.search(r"(\d+) written", second.stdout).group(1))
    assert written == 0 and ", 0 removed, 0 left alone" in second.stdout
    assert (out / "mine.md").read_text() == "my own notes\n"
    record = json.loads((out / RECORD).read_text())["files"]
    assert "mine.md" not in record and len([k for k in record if k.startswith("docs/papers/")]) == 681


def test_generate_removes_its_own_stale_files_but_keeps_edited_ones(tmp_path, project):
    out = tmp_path / "out"
    assert papershelf("generate", "--root", str(project), "--out", str(out)).returncode == 0
    # Hide two papers: their pages become stale. Edit one of them by hand first.
    slugs = ["distilbert-a-distilled-version-of-bert-smaller-faster-cheaper-and-lighter",
             "end-to-end-training-of-neural-retrievers-for-open-domain-question-answering"]
    edited = out / "docs" / "papers" / f"{slugs[1]}.md"
    edited.write_text(edited.read_text() + "\nmy edit\n")
    curation = project / "curation.yml"
    curation.write_text(curation.read_text().replace("papers:\n", "papers:\n" + "".join(
        f"  {s}:\n    hidden: true\n" for s in slugs[1:]), 1).replace(
        "    status: must-read\n", "    status: must-read\n    hidden: true\n", 1))
    result = papershelf("generate", "--root", str(project), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert not (out / "docs" / "papers" / f"{slugs[0]}.md").exists()
    assert edited.read_text().endswith("my edit\n")
    assert "is no longer generated but was edited; left alone" in result.stderr


def test_export_prints_every_paper_with_the_documented_keys(tmp_path):
    result = papershelf("export")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert len(records) == 680
    keys = {"slug", "title", "abstract", "authors_count", "authors", "date", "added", "upvotes", "code", "links",
            "lists", "theme", "tags"}
    assert all(set(r) == keys for r in records)
    dated = next(r for r in records if r["slug"].startswith("maskllm"))
    assert (dated["date"], dated["upvotes"], dated["authors_count"]) == ("2024-09-25", 3, 8)
    assert dated["code"] == ["https://github.com/NVlabs/MaskLLM"]


def test_export_reads_another_seeds_folder(tmp_path):
    seeds = tmp_path / "other"
    seeds.mkdir()
    (seeds / "list.txt").write_text(Path("tests/data/golden/line_layout.txt").read_text())
    (seeds / "sources.yml").write_text("- file: list.txt\n  title: Mine\n  captured: 2024-01-02\n")
    result = papershelf("export", "--seeds", str(seeds))
    assert result.returncode == 0, result.stderr
    assert [r["lists"] for r in json.loads(result.stdout)] == [["list.txt"]] * 4


def test_output_is_deterministic(seed_site):
    from generator.site import build_site
    from conftest import ROOT

    assert build_site(ROOT).files() == seed_site.files()


def test_every_tag_link_opens_a_built_tag_page(built_site, seed_site):
    """Tag chips and tables link to tags/<slug>/: each such link, from every kind of page, opens a
    built page, and every tag of tags.yml has one."""
    from urllib.parse import urljoin, urlsplit

    pages = [built_site / "index.html", built_site / "stats" / "index.html",
             *sorted((built_site / "papers").glob("*/index.html"))[:50], *sorted((built_site / "themes").glob("*/index.html")),
             *sorted((built_site / "tags").glob("**/index.html"))]
    targets = set()
    for path in pages:
        base = "https://x.org/" + path.parent.relative_to(built_site).as_posix() + "/"
        for link in re.findall(r'<a [^>]*href="([^"#:]*tags/[^"#]*)"', path.read_text(encoding="utf-8")):
            targets.add(urlsplit(urljoin(base, link)).path.lstrip("/"))
    slugs = {tag.slug for tag in seed_site.library.taxonomy.tags}
    assert {f"tags/{slug}/" for slug in slugs} <= targets  # (the tags index links every tag)
    for target in targets:
        assert (built_site / target / "index.html").is_file(), target
    assert {p.name for p in (built_site / "tags").iterdir() if p.is_dir()} == slugs


def test_quick_paper_copies_are_the_dataclass_ones():
    """model.new_paper and model.replace_paper skip the frozen dataclass's __init__ (quicker):
    they must build exactly what Paper(...) and dataclasses.replace build, field order included,
    and still refuse unknown or missing fields."""
    import dataclasses

    from generator.model import Paper, new_paper, replace_paper
    from generator.site import load_project

    papers = load_project(ROOT)[0]
    for paper in papers:
        values = {f.name: getattr(paper, f.name) for f in dataclasses.fields(Paper) if f.name != "extra"}
        quick, slow = new_paper(values), Paper(**values)
        assert quick == slow and list(vars(quick).items()) == list(vars(slow).items())
        assert quick.extra == {} and quick.extra is not new_paper(values).extra
        changed = {"tags": ("x",), "theme": "other", "note": "n"}
        assert list(vars(replace_paper(paper, **changed)).items()) == \
            list(vars(dataclasses.replace(paper, **changed)).items())
    with_code = next(p for p in papers if p.code)  # Paper.code is cached: a copy with new links drops it
    assert replace_paper(with_code, links=()).code == () == dataclasses.replace(with_code, links=()).code
    with pytest.raises(TypeError):
        new_paper({"slug": "only"})
    with pytest.raises(TypeError):
        replace_paper(papers[0], nonsense=1)
