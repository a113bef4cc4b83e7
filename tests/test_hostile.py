"""Hostile input and faults: script-laden captures, broken files, broken YAML, a flaky disk.

The captures in tests/data/hostile/ (one per layout, 62 entries, plus a manifest whose list
titles are hostile too) carry XSS payloads, template and Markdown syntax, YAML syntax, snippet
includes, control and bidi characters, path traversal and colliding slugs. The site built from
them must show every title as text, run no script, link to no javascript:/data: URL and leak no
file. tests/data/hostile/expected.json holds each entry's raw title and abstract; the reader must
return exactly `clean_text()` of them, in order.

Checks of the built HTML compare against a *control* site: the same project built from the
benign golden captures. Whatever the theme emits there (its own inline scripts, element and
attribute names) is allowed; anything that only appears in the hostile site came from the data.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import CHROMIUM, ROOT, mkdocs_build, papershelf

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
EXPECTED: dict[str, list[list[str]]] = json.loads((HOSTILE / "expected.json").read_text(encoding="utf-8"))
CAPTURED = {"line_layout.txt": date(2026, 11, 22), "block_layout.txt": date(2025, 12, 17),
            "block_plain.txt": date(2026, 3, 11)}
SECRET = "PAPERSHELF-SECRET-MARKER-5b1e0c7d"
SITE_NAME = "papershelf reading list"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "srcset", "ping"}


# --------------------------------------------------------------------------------------------
# Projects
# --------------------------------------------------------------------------------------------

def _project_skeleton(dest: Path) -> Path:
    """mkdocs.yml, tags.yml, curation.yml, docs/, overrides/ copied; generator/ symlinked."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ["mkdocs.yml", "tags.yml", "curation.yml"]:
        shutil.copy2(ROOT / name, dest / name)
    for name in ["docs", "overrides"]:
        shutil.copytree(ROOT / name, dest / name)
    (dest / "generator").symlink_to(ROOT / "generator")
    (dest / "seeds").mkdir()
    return dest


def _curation(slugs: list[str], hostile: bool) -> str:
    """A curation.yml with a status, a note and a reading path over the first three papers.

    The real curation.yml names seed papers that do not exist here (unknown-paper warnings would
    fail the strict build), so each project gets one of its own. The hostile one carries payloads
    in the note, the path title/description and a step note: curators are trusted, but a pasted
    snippet must still not run.
    """
    if hostile:
        note = "<script>alert('note')</script> [x](javascript:alert(1)) {: onclick=\"alert(1)\" } **bold** {{ 7*7 }}"
        # The path *title* stays free of markup here: it reaches the nav unescaped, a bug of its
        # own (test_nav_titles_from_the_yaml_files_are_escaped) that would drown every check below.
        title, desc, step = ("Hostile path {{ 7*7 }}", "\" onmouseover=\"alert('path') <script>alert('path')</script>",
                             "<img src=x onerror=alert('step')>")
    else:
        note, title, desc, step = "A **benign** note with [a link](https://example.org/).", "A path", "Read these.", "First."
    data = {
        "papers": {slugs[0]: {"status": "must-read", "note": note}, slugs[1]: {"status": "reading"}},
        "paths": [{"slug": "hostile-path", "title": title, "description": desc,
                   "steps": [{"paper": slugs[0], "note": step}, slugs[1], slugs[2]]}],
    }
    return json.dumps(data, ensure_ascii=False, indent=1)  # JSON is YAML


def make_project(dest: Path, captures: dict[str, bytes], manifest: str, hostile: bool = True) -> Path:
    from generator.site import read_papers

    _project_skeleton(dest)
    for name, raw in captures.items():
        (dest / "seeds" / name).write_bytes(raw)
    (dest / "seeds" / "sources.yml").write_text(manifest, encoding="utf-8")
    papers, _, problems = read_papers(dest / "seeds")
    assert not problems, problems
    (dest / "curation.yml").write_text(_curation([p.slug for p in papers], hostile), encoding="utf-8")
    return dest


def hostile_project(dest: Path) -> Path:
    captures = {name: (HOSTILE / name).read_bytes() for name in EXPECTED}
    project = make_project(dest, captures, (HOSTILE / "sources.yml").read_text(encoding="utf-8"))
    # A secret next to the project and inside docs/: a snippet include must never pull it in.
    for where in (project, project / "docs"):
        (where / ".env").write_text(f"API_KEY={SECRET}\n", encoding="utf-8")
    return project


CONTROL_LINKS = """Get trending papers in your email inbox once a day!
Get trending papers in your email inbox!
SubscribeA benign paper with links of every kind
Code at https://github.com/example/repo and https://gitlab.com/example/repo, project page https://example.github.io/p/, model https://huggingface.co/example/model, data https://huggingface.co/datasets/example/data, demo https://huggingface.co/spaces/example/demo, https://huggingface.co/papers and https://example.org/more.
Another benign paper
With a plain abstract.
"""


def control_project(dest: Path) -> Path:
    names = {"line_layout.txt": "2026-11-22", "block_layout_meta.txt": "2025-12-17",
             "block_layout_plain.txt": "2026-03-11"}
    captures = {name: (GOLDEN / name).read_bytes() for name in names}
    names["links.txt"] = "2026-11-22"  # one link of every kind, so the control has every button
    captures["links.txt"] = CONTROL_LINKS.encode()
    manifest = "".join(f"- file: {n}\n  title: Control list {i}\n  captured: {d}\n"
                       for i, (n, d) in enumerate(names.items()))
    return make_project(dest, captures, manifest, hostile=False)


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """(hostile project, hostile site, control site), each built with `mkdocs build --strict`."""
    base = tmp_path_factory.mktemp("hostile")
    hostile = hostile_project(base / "hostile")
    control = control_project(base / "control")
    built = {}
    for name, project in (("hostile", hostile), ("control", control)):
        result = mkdocs_build(project, base / f"{name}-site", strict=True)
        assert result.returncode == 0, f"{name} strict build failed:\n{result.stderr[-4000:]}"
        built[name] = base / f"{name}-site"
    return hostile, built["hostile"], built["control"]


@pytest.fixture(scope="module")
def hostile_papers(sites):
    from generator.site import read_papers

    papers, _, problems = read_papers(sites[0] / "seeds")
    assert not problems
    return papers


# --------------------------------------------------------------------------------------------
# The readers
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reader_returns_every_hostile_entry_intact_and_in_order(name):
    from generator.sources.hf_listing import read
    from generator.text import clean_text

    result = read(HOSTILE / name, CAPTURED[name])
    assert result.problems == []
    got = [(e.title, e.abstract) for e in result.entries]
    want = [(clean_text(t), clean_text(a)) for t, a in EXPECTED[name]]
    assert len(got) == len(want)
    assert got == want


def test_hostile_captures_are_as_hostile_as_advertised():
    """Guards the fixture: cleaning keeps the payloads (only control/bidi characters go)."""
    from generator.text import clean_text

    titles = [clean_text(t) for entries in EXPECTED.values() for t, _ in entries]
    assert sum(len(v) for v in EXPECTED.values()) >= 40
    for needle in ["<script>alert(1)</script>", "<img src=x onerror=", "</textarea><script>", "<svg onload=",
                   "](javascript:", "{{ 7*7 }}", "{% raw %}", "{: onclick=", "{ onmouseover=", '--8<-- ".env"',
                   '" onmouseover="', "'\"><script>", "title: x", "---", "key: [unclosed", "&anchor *alias",
                   "!!python/object", "# heading", "| table |", "```", "&lt;script&gt;", "index", "../../etc/passwd",
                   "Attention!", "attention?", "ATTENTION", "🚀🔥🤗", "???", "<>"]:
        assert any(needle in t for t in titles), needle
    assert any(len(t) == 300 for t in titles)
    raw = (HOSTILE / "line_layout.txt").read_text(encoding="utf-8")
    assert "\u202e" in raw and "\u200b" in raw and "\x01" in raw
    assert not any("\u202e" in t or "\x01" in t for t in titles)


def test_hostile_seeds_merge_and_slug_without_collisions(hostile_papers):
    slugs = [p.slug for p in hostile_papers]
    assert len(slugs) == len(set(slugs)) == 62 - 2  # the three "attention" spellings are one paper
    by_title = {p.title: p for p in hostile_papers}
    assert by_title["Attention!"].lists == ("line_layout.txt", "block_layout.txt", "block_plain.txt")
    assert {by_title[t].slug for t in ("Café Attention", "Cafe Attention", "Cafë Attention")} == {
        "cafe-attention", "cafe-attention-2", "cafe-attention-3"}
    assert by_title["index"].slug != "index"
    assert by_title["../../etc/passwd"].slug == "etc-passwd"
    for slug in slugs:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) and len(slug) <= 80, slug


# --------------------------------------------------------------------------------------------
# The built site
# --------------------------------------------------------------------------------------------

class _Scan(HTMLParser):
    """Every start tag with its attributes, and every <script> with its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag == "script":
            self._script, self._text = dict(attrs), []

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None


def scan(path: Path) -> _Scan:
    parser = _Scan()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html"))


def page_url(site: Path, page: Path) -> str:
    rel = page.relative_to(site).as_posix()
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def _script_key(site: Path, page: Path, attrs: dict, text: str) -> tuple:
    if "src" in attrs:  # resolved against the page, so depth does not matter
        return ("src", urlsplit(urljoin("http://h" + page_url(site, page), attrs["src"])).path)
    return ("inline", attrs.get("type"), attrs.get("id"), text.strip())


@pytest.fixture(scope="module")
def control_profile(sites):
    """What the theme itself emits: element/attribute names, on* attributes, scripts."""
    _, _, control = sites
    names, handlers, scripts = set(), set(), set()
    for page in html_pages(control):
        parsed = scan(page)
        for tag, attrs in parsed.tags:
            for key, value in attrs:
                names.add((tag, key))
                if key.startswith("on"):
                    handlers.add((tag, key, value))
        scripts |= {_script_key(control, page, a, t) for a, t in parsed.scripts}
    return names, handlers, scripts


def test_hostile_site_has_every_page_kind(sites, hostile_papers):
    _, site, _ = sites
    urls = {page_url(site, p) for p in html_pages(site)}
    for url in ["/", "/themes/", "/tags/", "/papers/", "/code/", "/stats/", "/paths/",
                "/paths/hostile-path/"]:
        assert url in urls, (url, sorted(urls)[:20])
    for paper in hostile_papers:
        assert f"/papers/{paper.slug}/" in urls
    assert any(u.startswith("/themes/") and u != "/themes/" for u in urls)


def test_no_event_handler_attribute_came_from_the_data(sites, control_profile):
    """Material emits a few on* attributes of its own (none at the time of writing, the set is
    taken from the control build); any other on* attribute in the hostile site is injection."""
    _, site, _ = sites
    _, theme_handlers, _ = control_profile
    found = []
    for page in html_pages(site):
        for tag, attrs in scan(page).tags:
            for key, value in attrs:
                if key.startswith("on") and (tag, key, value) not in theme_handlers:
                    found.append((page.relative_to(site).as_posix(), tag, key, value))
    assert found == []


def test_no_element_or_attribute_name_exists_only_in_the_hostile_site(sites, control_profile):
    """An <iframe>, <svg onload>, <meta http-equiv> or `autofocus` that only the hostile data
    could have produced means some text reached the HTML unescaped."""
    _, site, _ = sites
    names, _, _ = control_profile
    # A paper row's data attributes are there only when known and data-tags only in a table
    # without the Tags column (render/columns.py): the control site may lack one of them.
    names = names | {("tr", "data-year"), ("tr", "data-tags"), ("tr", "data-code"), ("tr", "data-upvotes")}
    extra = set()
    for page in html_pages(site):
        for tag, attrs in scan(page).tags:
            for key, _ in attrs:
                if (tag, key) not in names:
                    extra.add((page.relative_to(site).as_posix(), tag, key))
    assert extra == set()


def test_no_link_or_source_uses_a_script_scheme(sites):
    _, site, _ = sites
    bad = []
    for page in html_pages(site):
        for tag, attrs in scan(page).tags:
            for key, value in attrs:
                if key in URL_ATTRS and value is not None:
                    squeezed = re.sub(r"[\x00-\x20]+", "", html.unescape(value)).lower()
                    if squeezed.startswith(DANGEROUS_SCHEMES):
                        bad.append((page.relative_to(site).as_posix(), tag, key, value))
    assert bad == []


def test_only_the_themes_own_scripts(sites, control_profile):
    _, site, _ = sites
    _, _, theme_scripts = control_profile
    foreign = []
    for page in html_pages(site):
        for attrs, text in scan(page).scripts:
            key = _script_key(site, page, attrs, text)
            if key not in theme_scripts:
                foreign.append((page.relative_to(site).as_posix(), key[:3], text[:80]))
    assert foreign == []


@pytest.mark.slow
def test_nav_titles_from_the_yaml_files_are_escaped(tmp_path):
    project = control_project(tmp_path / "project")
    curation = json.loads((project / "curation.yml").read_text(encoding="utf-8"))
    curation["paths"][0]["title"] = "<script>alert('path')</script> Path & co"
    (project / "curation.yml").write_text(json.dumps(curation), encoding="utf-8")
    tags = (project / "tags.yml").read_text(encoding="utf-8")
    tags = tags.replace("title: Retrieval & RAG", "title: \"Retrieval <img src=x onerror=alert('theme')> & RAG\"", 1)
    assert "onerror" in tags
    (project / "tags.yml").write_text(tags, encoding="utf-8")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr[-3000:]
    injected = []
    for page in html_pages(tmp_path / "site"):
        parsed = scan(page)
        injected += [(page.name, "script", text) for _, text in parsed.scripts if "alert(" in text]
        injected += [(page.name, tag, key) for tag, attrs in parsed.tags for key, _ in attrs if key == "onerror"]
    assert injected == []


def test_every_title_is_shown_as_text_on_its_page(sites, hostile_papers):
    _, site, _ = sites
    for paper in hostile_papers:
        text = (site / "papers" / paper.slug / "index.html").read_text(encoding="utf-8")
        assert html.escape(paper.title, quote=True) in text, paper.slug
        title = re.search(r"<title>(.*?)</title>", text, re.S).group(1)
        assert html.unescape(title) == f"{paper.title} - {SITE_NAME}", paper.slug


def test_template_syntax_is_shown_literally_not_evaluated(sites, hostile_papers):
    _, site, _ = sites
    paper = next(p for p in hostile_papers if p.title.startswith("{{ 7*7 }}"))
    text = (site / "papers" / paper.slug / "index.html").read_text(encoding="utf-8")
    assert "{{ 7*7 }} Template Injection in {{ config.site_name }}" in text
    assert "49 Template Injection" not in text
    assert f"Template Injection in {SITE_NAME}" not in text
    everything = "\n".join(p.read_text(encoding="utf-8") for p in html_pages(site))
    assert "49 Template" not in everything
    assert "{{ 7*7 }}" in everything  # also in the list title and the path title


def _site_files(site: Path):
    for path in site.rglob("*"):
        if path.is_file():
            yield path


def test_no_snippet_include_leaks_a_file(sites):
    """`--8<-- ".env"` and `--8<-- "/etc/passwd"` stay text; the .env secret is nowhere."""
    project, site, _ = sites
    assert (project / ".env").exists() and (project / "docs" / ".env").exists()
    passwd = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace").splitlines()[0]
    for path in _site_files(site):
        data = path.read_bytes()
        assert SECRET.encode() not in data, path
        assert passwd.encode() not in data, path
    from generator.search_index import read_index

    records = read_index(site / "pagefind")
    assert not [r for r in records if SECRET in json.dumps(r)]
    assert '--8<-- ".env"' in {r["meta"]["title"] for r in records}  # the title, as text


def test_feeds_parse_cleanly_with_every_hostile_title(sites, hostile_papers):
    import feedparser

    _, site, _ = sites
    feeds = sorted({*site.glob("feed*.xml"), *site.glob("feeds/*.xml")})  # the whole list, one per theme
    assert len(feeds) >= 2
    for feed in feeds:
        parsed = feedparser.parse(feed.read_bytes())
        assert parsed.bozo == 0, (feed.name, parsed.get("bozo_exception"))
    # Atom <title> is type="text": the raw XML must carry each title, XML-escaped, exactly.
    import xml.etree.ElementTree as ET

    root = ET.fromstring((site / "feed.xml").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert sorted(titles) == sorted(p.title for p in hostile_papers)


def test_papers_json_round_trips_the_hostile_titles(sites, hostile_papers):
    _, site, _ = sites
    text = (site / "papers.json").read_text(encoding="utf-8")
    assert any(not p.title.isascii() for p in hostile_papers)
    assert text.isascii()  # written as \u escapes
    records = json.loads(text)
    assert {r["slug"]: r["title"] for r in records} == {p.slug: p.title for p in hostile_papers}
    assert {r["slug"]: r["abstract"] for r in records} == {p.slug: p.abstract or None for p in hostile_papers}


def _brace_depths(entry: str) -> list[int]:
    """Depth after each unescaped brace (a backslash escapes the next character)."""
    depth, depths, i = 0, [], 0
    while i < len(entry):
        if entry[i] == "\\":  # \{ \} \& ...: the escaped character is not structure
            i += 2
            continue
        if entry[i] in "{}":
            depth += 1 if entry[i] == "{" else -1
            depths.append(depth)
        i += 1
    return depths


def test_papers_bib_braces_balance_in_every_entry(sites, hostile_papers):
    _, site, _ = sites
    text = (site / "papers.bib").read_text(encoding="utf-8")
    entries = [e.strip() for e in re.split(r"\n(?=@misc\{)", text.strip())]
    assert len(entries) == len(hostile_papers)
    for entry in entries:
        assert entry.startswith("@misc{") and entry.endswith("}"), entry[:200]
        depths = _brace_depths(entry)
        # opened once by "@misc{", closed only by its very last brace: no value can end it early
        assert depths[-1] == 0 and min(depths[:-1]) >= 1, entry[:300]


# --------------------------------------------------------------------------------------------
# A real browser
# --------------------------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(sites):
    _, site, _ = sites
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("PAPERSHELF_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and PAPERSHELF_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        offline = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=[*BROWSER_ARGS, offline], headless=True)
        yield instance
        instance.close()


@pytest.mark.browser
def test_no_page_of_the_hostile_site_opens_a_dialog(sites, served, browser, hostile_papers):
    """Visit every generated HTML page; alert/confirm/prompt from any payload would show up here."""
    _, site, _ = sites
    dialogs: list[tuple[str, str]] = []
    context = browser.new_context()  # offline: the browser resolves no host but 127.0.0.1
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append((page.url, d.message)), d.dismiss()))
    titles = {f"/papers/{p.slug}/": p.title for p in hostile_papers}
    visited, wrong_titles = 0, []
    for path in html_pages(site):
        url = page_url(site, path)
        page.goto(served + url, wait_until="load")
        page.wait_for_timeout(30)
        visited += 1
        if url in titles and page.title() != f"{titles[url]} - {SITE_NAME}":
            wrong_titles.append((url, page.title()))
    # The search box shows result titles and snippets from the records: search for the payloads.
    page.goto(served + "/", wait_until="load")
    search = page.locator("input.md-search__input")
    search.click()
    results = 0
    for query in ["onerror", "Attention", "javascript", "Template", "onmouseover", "Unclosed"]:
        search.fill(query)
        page.locator(f"ol.md-search-result__list[data-query='{query}']").wait_for(state="attached")
        page.wait_for_timeout(300)
        results += page.locator(".ps-search-result").count()
    context.close()
    assert visited == len(html_pages(site)) >= len(hostile_papers) + 8
    assert dialogs == []
    assert wrong_titles == []
    assert results > 0  # the search really ran over the hostile titles


# --------------------------------------------------------------------------------------------
# Faulty captures
# --------------------------------------------------------------------------------------------

GOOD = "good.txt"


def _fault_seeds(kind: str) -> tuple[bytes, str]:
    """(bytes of the faulty capture, regex its problem must match)."""
    line_text = (GOLDEN / "line_layout.txt").read_text(encoding="utf-8")
    lines = line_text.splitlines()
    if kind == "truncated-line-layout":
        cut = lines[:-1]  # the last abstract is missing
        return ("\n".join(cut) + "\n").encode(), rf"seeds/bad\.txt:{len(cut)}: warning: title with no abstract"
    if kind == "truncated-block-layout":
        text = (GOLDEN / "block_layout_plain.txt").read_text(encoding="utf-8").rstrip("\n")
        blocks = text.split("\n\n")
        cut = "\n\n".join(blocks[:-1])  # ends on a title block
        line = cut.count("\n") + 1
        return (cut + "\n").encode(), rf"seeds/bad\.txt:{line}: warning: title with no abstract"
    if kind == "empty":
        return b"", r"seeds/bad\.txt:1: (warning: )?capture is empty"
    if kind == "binary":
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40, r"seeds/bad\.txt:1: (warning: )?binary file"
    if kind == "latin-1":
        text = "Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\n" \
               "SubscribeCafé au lait: a paper\nAn abstract about crème brûlée.\nNaïve title\nSecond abstract.\n"
        return text.encode("latin-1"), r"seeds/bad\.txt:3: warning: not valid UTF-8; read as Latin-1"
    if kind == "utf-16":
        return line_text.encode("utf-16"), ""
    raise AssertionError(kind)


FAULTS = ["truncated-line-layout", "truncated-block-layout", "empty", "binary", "latin-1", "utf-16"]


def _fault_project(tmp_path: Path, kind: str) -> Path:
    raw, _ = _fault_seeds(kind)
    project = _project_skeleton(tmp_path / "project")
    shutil.copy2(GOLDEN / "block_layout_meta.txt", project / "seeds" / GOOD)
    (project / "seeds" / "bad.txt").write_bytes(raw)
    (project / "seeds" / "sources.yml").write_text(
        f"- file: {GOOD}\n  title: Good\n  captured: 2025-12-17\n"
        "- file: bad.txt\n  title: Bad\n  captured: 2026-11-22\n", encoding="utf-8")
    (project / "curation.yml").write_text("papers: {}\n", encoding="utf-8")
    return project


@pytest.mark.parametrize("kind", FAULTS)
def test_capture_fault_is_reported_with_file_and_line(tmp_path, kind):
    from generator.site import read_papers
    from generator.sources.hf_listing import read

    project = _fault_project(tmp_path, kind)
    _, pattern = _fault_seeds(kind)
    papers, _, problems = read_papers(project / "seeds")
    messages = [str(p) for p in problems]
    good = read(project / "seeds" / GOOD, date(2025, 12, 17)).entries
    assert {e.title for e in good} <= {p.title for p in papers}  # the good capture is unaffected
    if kind == "utf-16":
        assert messages == []
        utf8 = read(GOLDEN / "line_layout.txt").entries
        assert [(p.title, p.abstract) for p in papers[len(good):]] == [(e.title, e.abstract) for e in utf8]
        return
    assert len(messages) == 1 and re.match(pattern, messages[0]), messages
    if kind == "latin-1":
        assert [p.title for p in papers[len(good):]] == ["Café au lait: a paper", "Naïve title"]
    if kind.startswith("truncated"):
        full = GOLDEN / ("line_layout.txt" if "line" in kind else "block_layout_plain.txt")
        assert len(papers) - len(good) == len(read(full).entries) - 1


@pytest.mark.parametrize("kind", [
    "truncated-line-layout", "truncated-block-layout", "latin-1", "utf-16",
    "empty",
    "binary",
])
def test_the_rest_still_builds_despite_a_faulty_capture(tmp_path, kind):
    from generator.site import build_site

    project = _fault_project(tmp_path, kind)
    site = build_site(project)  # not strict: the fault is a warning
    assert any(path.startswith("papers/") for path in site.pages)
    assert len(site.problems) == (0 if kind == "utf-16" else 1)


def _real_entries() -> list[tuple[str, str]]:
    """Titles and abstracts of a real line-layout seed capture."""
    from generator.sources.hf_listing import read

    return [(e.title, e.abstract) for e in read(ROOT / "seeds" / "000_497d3d275a8de861.txt").entries]


def _line_capture(entries) -> str:
    return ("Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\n"
            "Subscribe" + "".join(f"{t}\n{a}\n" for t, a in entries))


@pytest.mark.slow
def test_a_50_mb_capture_reads_in_bounded_memory(tmp_path):
    """~37,000 real entries (about 50 MB in captures under the 10 MiB limit each), every one read
    and merged; peak RSS far below 1.5 GB.

    Titles vary at the *start* ("12345 Title"): a suffix would be cut off by the 80-character
    slug cap and hit the quadratic slug numbering instead (test_many_titles_sharing_a_slug_...).
    """
    from generator.limits import MAX_CAPTURE_BYTES

    entries = _real_entries()
    (tmp_path / "seeds").mkdir()
    count, manifest = 0, ""
    for part in range(6):  # 50 MB in captures just under the size limit each (limits.MAX_CAPTURE_BYTES)
        if count * 1400 >= 50 * 1024 * 1024:
            break
        with (tmp_path / "seeds" / f"big{part}.txt").open("w", encoding="utf-8") as handle:
            handle.write(_line_capture([]))
            while handle.tell() < MAX_CAPTURE_BYTES - 16 * 1024 and count * 1400 < 50 * 1024 * 1024:
                title, abstract = entries[count % len(entries)]
                handle.write(f"{count} {title}\n{abstract}\n")
                count += 1
        manifest += f"- file: big{part}.txt\n  title: Big {part}\n  captured: 2026-11-22\n"
    (tmp_path / "seeds" / "sources.yml").write_text(manifest, encoding="utf-8")
    probe = (
        "import resource, sys, time\n"
        "from pathlib import Path\n"
        "from generator.site import read_papers\n"
        "start = time.time()\n"
        "papers, _, problems = read_papers(Path(sys.argv[1]))\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
        "print(len(papers), len(problems), peak, round(time.time() - start, 1))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "seeds")], capture_output=True,
                            text=True, timeout=600, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stderr[-3000:]
    papers, problems, peak, seconds = result.stdout.split()
    assert int(papers) == count > 30_000 and int(problems) == 0
    assert int(peak) < 1.5 * 1024 ** 3, f"peak RSS {int(peak) / 1024 ** 2:.0f} MB"


def test_many_titles_sharing_a_slug_take_linear_work(monkeypatch):
    import generator.slugs as slugs

    calls = []
    real = slugs.slugify
    monkeypatch.setattr(slugs, "slugify", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    long = "A title long enough that whatever follows is cut off by the eighty character slug cap, variant"
    titles = ["???"] * 150 + [f"{long} {i}" for i in range(150)]
    result = slugs.assign_slugs(titles)
    assert len(set(result)) == len(titles)
    assert len(calls) <= 4 * len(titles), f"{len(calls)} slugify calls for {len(titles)} titles"


def test_many_entries_with_one_title_merge_quickly(tmp_path):
    abstracts = [a for _, a in _real_entries()][:40]
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "same.txt").write_text(_line_capture([("Attention", a) for a in abstracts]), encoding="utf-8")
    (seeds / "sources.yml").write_text("- file: same.txt\n  title: Same\n  captured: 2026-11-22\n",
                                       encoding="utf-8")
    probe = ("import sys\nfrom pathlib import Path\nfrom generator.site import read_papers\n"
             "papers, _, problems = read_papers(Path(sys.argv[1]))\nprint(len(papers), len(problems))\n")
    result = subprocess.run([sys.executable, "-c", probe, str(seeds)], capture_output=True, text=True,
                            timeout=15, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.stdout.split() == ["40", "39"]  # kept apart, each with its "same title" warning


# --------------------------------------------------------------------------------------------
# Faulty YAML
# --------------------------------------------------------------------------------------------

MINI_CURATION = "# curation for the YAML fault tests\npapers:\n  index-2:\n    status: read\n    note: A plain note.\n"
BIG = "# padding\n" * (6 * 1024 * 1024 // 10)
PY_TAG = '!!python/object/apply:os.system "touch {marker}"'


def _yaml_case(project: Path, file: str, fault: str, marker: Path) -> tuple[str, str]:
    """Break `file` with `fault`; return (label as printed, regex of the expected problem)."""
    path = {"tags.yml": project / "tags.yml", "curation.yml": project / "curation.yml",
            "sources.yml": project / "seeds" / "sources.yml"}[file]
    label = {"sources.yml": r"seeds/sources\.yml"}.get(file, re.escape(file))
    text = path.read_text(encoding="utf-8")
    n = text.count("\n")  # appended lines start at n + 1
    if fault == "syntax":
        new = text + ("- file: [unclosed\n" if file == "sources.yml" else "oops: [unclosed\n")
        want = rf"{label}:{n + 2}:1: YAML syntax error"  # the flow sequence is still open at the end
    elif fault == "duplicate-key":
        if file == "sources.yml":
            new = text + "- file: block_plain.txt\n  file: line_layout.txt\n  title: x\n  captured: 2024-01-01\n"
            want = rf"{label}:{n + 2}:3: duplicate key 'file' \(first defined on line {n + 1}\)"
        else:
            top = "themes" if file == "tags.yml" else "papers"
            new = text + f"{top}: {{}}\n"
            first = re.search(rf"^{top}:", text, re.M).start()
            want = rf"{label}:{n + 1}:1: duplicate key '{top}' \(first defined on line {text[:first].count(chr(10)) + 1}\)"
    elif fault == "anchors":
        if file == "sources.yml":
            new = text + "- file: &f block_plain.txt\n  title: *f\n  captured: 2024-01-01\n"
            want = rf"{label}:{n + 1}:9: anchors and aliases"
        else:
            new = text + "extra: &x [a]\nmore: *x\n"
            want = rf"{label}:{n + 1}:8: anchors and aliases"
    elif fault == "huge":
        new = text + BIG
        want = rf"{label}(:\d+(:\d+)?)?: file is larger than"
    elif fault == "python-tag":
        tag = PY_TAG.format(marker=marker)
        if file == "tags.yml":
            new, count = re.subn(r"^(    description: ).*$", lambda m: m.group(1) + tag, text, count=1, flags=re.M)
        elif file == "curation.yml":
            new, count = re.subn(r"^(    note: ).*$", lambda m: m.group(1) + tag, text, count=1, flags=re.M)
        else:
            new, count = re.subn(r"^(  title: ).*$", lambda m: m.group(1) + tag, text, count=1, flags=re.M)
        assert count == 1
        line = new[: new.index("!!python")].count("\n") + 1
        want = rf"{label}:{line}:\d+: .*(tag|!!python)"
    else:
        raise AssertionError(fault)
    path.write_text(new, encoding="utf-8")
    return label, want


@pytest.fixture(scope="module")
def yaml_base(tmp_path_factory):
    """A hostile project that checks clean, and a tree `generate` wrote from it."""
    base = tmp_path_factory.mktemp("yaml")
    project = hostile_project(base / "project")
    (project / "curation.yml").write_text(MINI_CURATION, encoding="utf-8")
    ok = papershelf("check", "--root", str(project))
    assert ok.returncode == 0, ok.stderr
    out = base / "out"
    done = papershelf("generate", "--root", str(project), "--out", str(out))
    assert done.returncode == 0, done.stderr
    return project, out


def run_papershelf(project: Path, *commands: list[str]) -> list[subprocess.CompletedProcess]:
    """`python -m generator COMMAND --root PROJECT` for each command, run side by side (each
    start-up imports scikit-learn, about 2 s)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-m", "generator", *args, "--root", str(project)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for args in commands]
    results = []
    for proc, args in zip(procs, commands):
        out, err = proc.communicate(timeout=600)
        results.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return results


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("file", ["tags.yml", "curation.yml", "sources.yml"])
@pytest.mark.parametrize("fault", ["syntax", "duplicate-key", "anchors", "huge",
                                   "python-tag"])
def test_yaml_fault_is_one_clear_message_and_nothing_is_written(tmp_path, yaml_base, file, fault):
    base_project, base_out = yaml_base
    project = tmp_path / "project"
    shutil.copytree(base_project, project, symlinks=True)
    out = tmp_path / "out"
    shutil.copytree(base_out, out)
    before = _snapshot(out)
    marker = tmp_path / "PWNED"
    _, want = _yaml_case(project, file, fault, marker)

    fresh = tmp_path / "fresh-out"
    commands = [["check"], ["generate", "--out", str(out)]]
    if fault == "syntax":  # generate stops before write_tree whatever the fault: one absent OUT will do
        commands.append(["generate", "--out", str(fresh)])
    check, generate, *rest = run_papershelf(project, *commands)

    assert check.returncode == 1, (check.stdout, check.stderr[-2000:])
    assert "Traceback" not in check.stderr + check.stdout
    assert re.search(want, check.stderr), (want, check.stderr[-2000:])
    assert generate.returncode == 1
    assert "Traceback" not in generate.stderr + generate.stdout
    assert _snapshot(out) == before
    for result in rest:
        assert result.returncode == 1 and not fresh.exists()
    assert not marker.exists()


def test_a_python_tag_in_any_yaml_file_is_never_executed(tmp_path, yaml_base):
    base_project, _ = yaml_base
    project = tmp_path / "project"
    shutil.copytree(base_project, project, symlinks=True)
    marker = tmp_path / "PWNED"
    for file in ["tags.yml", "curation.yml", "sources.yml"]:
        _yaml_case(project, file, "python-tag", marker)
    for result in run_papershelf(project, ["check"], ["generate", "--out", str(tmp_path / "out")], ["stats"],
                                 ["export"]):
        assert "Traceback" not in result.stderr
    assert not marker.exists()


# --------------------------------------------------------------------------------------------
# Writing to disk (generator/write.py)
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["../escape.md", "papers/../../escape.md", "/tmp/papershelf-absolute.md",
                                 "\\windows.md", "a\x00b.md", ""])
def test_write_tree_refuses_paths_outside_the_output_and_writes_nothing(tmp_path, bad):
    from generator.errors import PapershelfError
    from generator.write import write_tree

    out = tmp_path / "out"
    with pytest.raises(PapershelfError, match="outside the output folder"):
        write_tree(out, {"index.md": "home", "papers/a.md": "a", bad: "evil"})
    assert _snapshot(out) == {}
    assert not (tmp_path / "escape.md").exists()
    assert not Path("/tmp/papershelf-absolute.md").exists()


@pytest.mark.parametrize("name", ["a" * 253 + ".md", "é" * 127 + ".md", "papers/" + "🙂" * 64 + ".md"])
def test_write_tree_refuses_a_name_over_255_bytes(tmp_path, name):
    from generator.errors import PapershelfError
    from generator.write import write_tree

    assert len(Path(name).name.encode()) > 255
    out = tmp_path / "out"
    with pytest.raises(PapershelfError, match="too long"):
        write_tree(out, {"index.md": "home", name: "long"})
    assert _snapshot(out) == {}


def _tree(tmp_path: Path, which: str) -> dict[str, str]:
    from generator.site import build_site

    project = (hostile_project if which == "hostile" else control_project)(tmp_path / which)
    return build_site(project).files()


def _all_entries(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() + ("/" if p.is_dir() else "") for p in folder.rglob("*")}


def _disk_full_on_write(monkeypatch, write, failing: int) -> list:
    """Make write.atomic_write fail with ENOSPC on its `failing`-th call; returns the calls seen."""
    real, calls = write.atomic_write, []

    def flaky(path, data):
        calls.append(path)
        if len(calls) == failing:
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(write, "atomic_write", flaky)
    return calls


def test_an_interrupted_generate_leaves_the_previous_tree_byte_identical(tmp_path, monkeypatch):
    import generator.write as write

    old, new = _tree(tmp_path, "control"), _tree(tmp_path, "hostile")
    # Old pages change, some disappear, new ones (in new folders too) appear.
    assert set(old) & set(new) and set(old) - set(new) and set(new) - set(old)
    new["extra/deeper/page.md"] = "new folder"
    out = tmp_path / "out"
    write.write_tree(out, old)
    before, entries = _snapshot(out), _all_entries(out)

    real = write.atomic_write
    calls = _disk_full_on_write(monkeypatch, write, 5)
    with pytest.raises(OSError, match="No space left"):
        write.write_tree(out, new)
    assert len(calls) == 5
    assert _snapshot(out) == before  # every file, the record included, byte for byte
    leftovers = {e for e in _all_entries(out) - entries if not e.endswith("/")}
    assert leftovers == set()  # no temp files or backups

    monkeypatch.setattr(write, "atomic_write", real)
    report = write.write_tree(out, new)  # and the next run completes normally
    assert report.kept == []
    assert _snapshot(out) == {**{k: v.encode() for k, v in new.items()}, write.RECORD: (out / write.RECORD).read_bytes()}


def test_an_interrupted_generate_leaves_no_new_empty_folders(tmp_path, monkeypatch):
    import generator.write as write

    out = tmp_path / "out"
    write.write_tree(out, {"index.md": "home", "papers/a.md": "a", "papers/b.md": "b"})
    entries = _all_entries(out)
    _disk_full_on_write(monkeypatch, write, 3)
    with pytest.raises(OSError):  # plan order: extra/deeper/new.md, index.md, papers/a.md (fails)
        write.write_tree(out, {"extra/deeper/new.md": "new", "index.md": "home 2", "papers/a.md": "a 2",
                               "papers/b.md": "b"})
    assert _all_entries(out) == entries


def test_an_edited_generated_file_is_reported_and_not_clobbered(tmp_path):
    from generator.write import write_tree

    old, new = _tree(tmp_path, "control"), _tree(tmp_path, "hostile")
    out = tmp_path / "out"
    write_tree(out, old)
    (out / "index.md").write_text("my own edit\n", encoding="utf-8")  # generated, then edited
    (out / "papers" / "index-2.md").write_text("a file I wrote\n", encoding="utf-8")  # never generated
    assert "index.md" in new and "papers/index-2.md" in new
    report = write_tree(out, new)
    kept = {Path(p.file).relative_to(out).as_posix(): p.message for p in report.kept}
    assert "edited" in kept["index.md"]
    assert "not generated" in kept["papers/index-2.md"]
    assert (out / "index.md").read_text(encoding="utf-8") == "my own edit\n"
    assert (out / "papers" / "index-2.md").read_text(encoding="utf-8") == "a file I wrote\n"
    again = write_tree(out, new)  # still left alone on the next run
    assert (out / "index.md").read_text(encoding="utf-8") == "my own edit\n"
    assert {Path(p.file).name for p in again.kept} >= {"index.md", "index-2.md"}
