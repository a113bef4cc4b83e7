"""A page per tag and the tags index (issue 19, item 4), and the example addresses of mkdocs.yml
(item 8). Expectations come from the pipeline's Library and from the files the tests write,
never from the HTML under test. Browser tests: tests/test_browser_tagpages.py."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
import os
from html import escape, unescape

import pytest

from conftest import ROOT, mkdocs_build, papershelf

ALLOW = "PAPERSHELF_ALLOW_EXAMPLE_URLS"


def _papers_listed(body: str) -> list[str]:
    """The paper slugs of a page's paper table rows, in order: the last segment of each row's
    title link (where mylist.js reads it), every row of the body having one."""
    slugs = re.findall(r'<tr[^>]*><td><a class="ps-title" href="(?:\.\./)+papers/([^/"]+)/"', body)
    assert len(slugs) == len(re.findall(r"<tr[^>]*><td>", body))
    return slugs


def test_every_tag_has_a_page_listing_exactly_its_papers(seed_site):
    from generator.library import tag_src

    lib = seed_site.library
    for tag in lib.taxonomy.tags:
        page = seed_site.pages[tag_src(tag.slug)]
        assert page.meta["title"] == escape(tag.label)  # (Material prints it raw)
        assert _papers_listed(page.body) == [p.slug for p in lib.with_tag(tag)], tag.slug
        if not lib.with_tag(tag):
            assert "No paper carries this tag yet" in page.body
    carrying = Counter(t for p in lib.papers for t in p.tags)  # counted here, not by the Library
    assert {t.slug: len(lib.with_tag(t)) for t in lib.taxonomy.tags} == {t.slug: carrying[t.slug] for t in lib.taxonomy.tags}


def test_a_tag_page_says_its_theme_its_description_and_the_tags_met_with_it(seed_site):
    from generator.library import tag_src, theme_src

    lib = seed_site.library
    tag = lib.taxonomy.tag("knowledge-distillation")
    body = seed_site.pages[tag_src(tag.slug)].body
    theme = lib.taxonomy.theme(tag.theme)
    assert f'Theme: <a href="../../{theme_src(theme.slug)[:-3]}/">' in body
    assert tag.description and tag.description in unescape(body)
    together = Counter(s for p in lib.with_tag(tag) for s in p.tags if s != tag.slug)
    shown = re.findall(r'<a class="ps-tag" href="\.\./\.\./tags/([^/]+)/">[^<]*<small>(\d+)</small>', body)
    assert shown and all(int(n) == together[slug] for slug, n in shown)
    assert [int(n) for _, n in shown] == sorted((int(n) for _, n in shown), reverse=True)
    assert min(int(n) for _, n in shown) >= sorted(together.values(), reverse=True)[len(shown) - 1]


def test_the_tags_index_groups_every_tag_by_theme_with_its_count(seed_site):
    from generator.library import TAGS_INDEX

    lib = seed_site.library
    body = seed_site.pages[TAGS_INDEX].body
    sections = re.findall(r'<h2 id="theme-([^"]+)">(.*?)</h2><ul class="ps-tag-defs">(.*?)</ul>', body)
    expected_themes = [t.slug for t in lib.taxonomy.themes if any(tag.theme == t.slug for tag in lib.taxonomy.tags)]
    assert [slug for slug, _, _ in sections] == expected_themes
    seen = []
    for theme_slug, heading, items in sections:
        listed = re.findall(r'<li><a href="\.\./tags/([^/]+)/">[^<]*</a> <small class="ps-tag-count">(\d+)</small>', items)
        assert {slug for slug, _ in listed} == {t.slug for t in lib.taxonomy.tags if t.theme == theme_slug}
        for slug, count in listed:
            assert int(count) == len(lib.with_tag(lib.taxonomy.tag(slug)))
        assert [int(c) for _, c in listed] == sorted((int(c) for _, c in listed), reverse=True)
        papers = {p.slug for slug, _ in listed for p in lib.with_tag(lib.taxonomy.tag(slug))}
        assert f"{len(listed)} tags, {len(papers)} papers" in heading
        seen += [slug for slug, _ in listed]
    assert sorted(seen) == sorted(t.slug for t in lib.taxonomy.tags)  # each tag once


def test_no_tag_in_the_nav_and_tag_pages_collide_with_nothing(seed_site):
    from generator.library import TAGS_INDEX, page_collisions, tag_src

    flat = repr(seed_site.nav())
    assert TAGS_INDEX in flat and not any(f"'{tag_src(t.slug)}'" in flat for t in seed_site.library.taxonomy.tags)
    assert page_collisions([(path, path) for path in seed_site.pages]) == []
    assert page_collisions([(TAGS_INDEX, "Tags"), (tag_src("index"), "tag 'index'")])  # why 'index' is reserved


def test_tag_pages_are_deterministic(seed_site):
    from generator.site import build_site

    again = build_site(ROOT)
    assert {p: again.pages[p].text() for p in again.pages if p.startswith("tags/")} == \
           {p: seed_site.pages[p].text() for p in seed_site.pages if p.startswith("tags/")}


# --------------------------------------------------------------------------------------------
# item 8: the example site_url and repo_url


@pytest.mark.parametrize("url, example", [
    ("https://example.github.io/papershelf/", True), ("https://github.com/example/papershelf", True),
    ("https://www.example.com/x/", True), ("https://docs.example.org/", True), ("https://gitlab.com/Example/p", True),
    ("https://ada.github.io/papers/", False), ("https://github.com/ada/example", False),
    ("https://examples.com/", False), ("https://github.com/", False), ("", False), (None, False),
])
def test_which_addresses_are_the_example(url, example):
    from generator.placeholders import is_example

    assert is_example(url) is example


def _line_of(project, key: str) -> int:
    lines = (project / "mkdocs.yml").read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines, 1) if text.startswith(f"{key}:"))


def test_check_warns_and_strict_fails_while_mkdocs_yml_has_the_example_urls(project, monkeypatch):
    monkeypatch.delenv(ALLOW)
    site_line, repo_line = _line_of(project, "site_url"), _line_of(project, "repo_url")
    loose = papershelf("check", "--root", str(project))
    assert loose.returncode == 0, loose.stderr
    assert f"mkdocs.yml:{site_line}:11: warning: site_url is still the example address" in loose.stderr
    assert f"mkdocs.yml:{repo_line}:11: warning: repo_url is still the example address" in loose.stderr
    assert papershelf("check", "--strict", "--root", str(project)).returncode == 1
    monkeypatch.setenv(ALLOW, "1")
    allowed = papershelf("check", "--strict", "--root", str(project))
    assert allowed.returncode == 0 and "example" not in allowed.stderr
    monkeypatch.delenv(ALLOW)
    text = (project / "mkdocs.yml").read_text(encoding="utf-8")
    (project / "mkdocs.yml").write_text(text.replace("https://example.github.io/papershelf/", "https://ada.github.io/shelf/")
                                        .replace("https://github.com/example/papershelf", "https://github.com/ada/shelf"),
                                        encoding="utf-8")
    own = papershelf("check", "--strict", "--root", str(project))
    assert own.returncode == 0 and "mkdocs.yml" not in own.stderr, own.stderr


@pytest.mark.slow
def test_a_strict_build_fails_on_the_example_urls_unless_allowed_and_gh_deploy_always(project, monkeypatch, tmp_path):
    monkeypatch.delenv(ALLOW)
    build = mkdocs_build(project, tmp_path / "site")
    assert build.returncode == 1 and "Traceback" not in build.stderr
    assert f"mkdocs.yml:{_line_of(project, 'site_url')}:11: site_url is still the example" in build.stderr
    assert f"mkdocs.yml:{_line_of(project, 'repo_url')}:11: repo_url is still the example" in build.stderr
    assert not (tmp_path / "site" / "index.html").exists()
    loose = mkdocs_build(project, tmp_path / "loose", strict=False)  # not strict: built (and warned, which -q hides)
    assert loose.returncode == 0 and (tmp_path / "loose" / "index.html").is_file()
    monkeypatch.setenv(ALLOW, "1")  # gh-deploy publishes: the variable does not make it go on
    from generator.builder import builder_command

    deploy = subprocess.run([*builder_command(), "gh-deploy", "-f", str(project / "mkdocs.yml"), "-d",
                             str(tmp_path / "deploy")], capture_output=True, text=True, cwd=project,
                            env=dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT)), timeout=600)
    assert deploy.returncode == 1
    assert f"ERROR   -  mkdocs.yml:{_line_of(project, 'site_url')}:11: site_url is still the example" in deploy.stderr
    assert not (tmp_path / "deploy" / "index.html").exists()
