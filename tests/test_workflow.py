"""The curator's workflow: add a list, hand-added papers, BibTeX, live preview, publishing, docs."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from generator.builder import builder_command

from conftest import ROOT, papershelf

DISTILBERT = "distilbert-a-distilled-version-of-bert-smaller-faster-cheaper-and-lighter"
BIB = r"""@article{sanh2019,
  title = {{DistilBERT}, a distilled version of {BERT}: smaller, faster, cheaper and lighter},
  author = {Sanh, Victor and Debut, Lysandre and Chaumond, Julien and Wolf, Thomas},
  year = {2019}, month = oct, eprint = {1910.01108}, archivePrefix = {arXiv},
  abstract = {As Transfer Learning from large-scale pre-trained models becomes more prevalent in Natural Language Processing (NLP), operating these large models in on-the-edge and/or under constrained computational training or inference budgets remains challenging.}
}
@inproceedings{mueller2024,
  title = {Caf{\'e} models: {\"U}ber small language models},
  author = {M{\"u}ller, J{\"o}rg},
  year = 2024,
  doi = {10.1000/xyz123},
  url = {https://github.com/example/cafe}
}
"""


def _export(project: Path) -> list[dict]:
    result = papershelf("export", "--root", str(project))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_add_a_listing_reports_new_and_known_papers_and_keeps_manifest_comments(project, tmp_path):
    manifest = project / "seeds" / "sources.yml"
    before = manifest.read_text()
    capture = tmp_path / "005_new.txt"
    lines = (ROOT / "tests/data/golden/line_layout.txt").read_text().splitlines()
    capture.write_text("\n".join(lines[:4] + ["A Brand New Paper: Title", "Its abstract, short."]) + "\n")
    result = papershelf("add", "--root", str(project), str(capture), "--title", "My list", "--captured", "2026-11-20")
    assert result.returncode == 0, result.stderr
    assert "2 entries, 1 new papers, 1 already in the list, 0 unreadable" in result.stdout
    assert "already listed: End-to-End Training of Neural Retrievers" in result.stdout
    after = manifest.read_text()
    assert after.startswith(before)  # comments, order and existing entries untouched
    assert after[len(before):] == "- file: 005_new.txt\n  title: My list\n  captured: 2026-11-20\n"
    assert (project / "seeds" / "005_new.txt").read_bytes() == capture.read_bytes()
    records = _export(project)
    assert len(records) == 681
    retriever = next(r for r in records if r["slug"].startswith("end-to-end-training-of-neural-retrievers"))
    assert retriever["lists"] == ["000_497d3d275a8de861.txt", "005_new.txt"]
    again = papershelf("add", "--root", str(project), str(capture))
    assert again.returncode == 1
    assert "already exists; refusing to overwrite it" in again.stderr
    assert manifest.read_text() == after


def test_add_bibtex_merges_known_papers_and_decodes_latex(project, tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB)
    result = papershelf("add", "--root", str(project), str(bib), "--captured", "2026-11-20")
    assert result.returncode == 0, result.stderr
    assert "2 entries, 1 new papers, 1 already in the list" in result.stdout
    records = {r["slug"]: r for r in _export(project)}
    assert len(records) == 681  # DistilBERT merged, not duplicated
    distilbert = records[DISTILBERT]
    assert distilbert["lists"] == ["000_497d3d275a8de861.txt", "refs.bib"]
    assert distilbert["authors"] == ["Victor Sanh", "Lysandre Debut", "Julien Chaumond", "Thomas Wolf"]
    assert "https://arxiv.org/abs/1910.01108" in distilbert["links"]["other"]
    cafe = records["cafe-models-uber-small-language-models"]
    assert cafe["title"] == "Café models: Über small language models"
    assert cafe["authors"] == ["Jörg Müller"] and cafe["date"] == "2024-01-01"
    assert cafe["code"] == ["https://github.com/example/cafe"]
    assert cafe["links"]["other"] == ["https://doi.org/10.1000/xyz123"]
    # Importing the same references again (under another name) adds nothing new.
    again = tmp_path / "refs-again.bib"
    again.write_text(BIB)
    assert papershelf("add", "--root", str(project), str(again)).returncode == 0
    assert len(_export(project)) == 681


def test_hand_added_papers_yml_is_read_and_validated(project):
    papers = project / "seeds" / "papers.yml"
    papers.write_text("- title: My own favourite\n  abstract: Something nobody listed.\n  date: 2024-05-01\n"
                      "  authors: [Ada Lovelace]\n  code: https://github.com/me/repo\n")
    records = {r["title"]: r for r in _export(project)}
    mine = records["My own favourite"]
    assert mine["lists"] == ["papers.yml"] and mine["code"] == ["https://github.com/me/repo"]
    assert mine["authors"] == ["Ada Lovelace"] and mine["date"] == "2024-05-01"
    papers.write_text("- title: Broken\n  date: May 2024\n  code: javascript:alert(1)\n  tilte: x\n")
    result = papershelf("check", "--root", str(project))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Error: seeds/papers.yml:2:9: 'date' must be YYYY-MM-DD, not 'May 2024'",
        "Error: seeds/papers.yml:3:9: 'code' must be an http(s) URL, not 'javascript:alert(1)'",
        "Error: seeds/papers.yml:4:3: unknown key 'tilte' in a paper (did you mean 'title'?)",
    ]


def test_every_cli_command_is_documented_in_the_readme_with_help_and_example():
    from generator.cli import main

    readme = (ROOT / "README.md").read_text()
    cli_section = readme.split("## CLI", 1)[1].split("\n## ", 1)[0]
    for name, command in main.commands.items():
        assert f"`papershelf {name}" in cli_section, f"README's CLI section misses `papershelf {name}`"
        help_text = papershelf(name, "--help")
        assert help_text.returncode == 0 and "Example:" in help_text.stdout
    assert papershelf("--version").stdout.startswith("papershelf, version ")
    assert papershelf("no-such-command").returncode == 2


def test_pages_workflow_is_valid_and_uses_the_official_actions():
    workflow = ROOT / ".github" / "workflows" / "pages.yml"
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                             str(workflow)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    text = workflow.read_text()
    for needle in ("actions/upload-pages-artifact@", "actions/deploy-pages@", "mkdocs build --strict",
                   "-m \"not browser\"", "branches: [main]"):
        assert needle in text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


@pytest.mark.slow
def test_serve_rebuilds_once_per_edit_and_survives_a_broken_edit(project, tmp_path):
    port = _free_port()
    log = tmp_path / "serve.log"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT))
    with log.open("w") as handle:
        server = subprocess.Popen([*builder_command(), "serve", "-a",
                                   f"127.0.0.1:{port}", "-f", str(project / "mkdocs.yml")],
                                  stdout=handle, stderr=subprocess.STDOUT, env=env)
    try:
        tags_url = f"http://127.0.0.1:{port}/papershelf/tags/"  # serve mounts the site at site_url's path
        assert _wait_for(lambda: "Pruning and sparsity" in (_get(tags_url) or ""), 240), log.read_text()[-2000:]
        # Rebuilds are counted by livereload's "Reloading browsers": MkDocs drops any "Documentation
        # built in N s" line it logged before, so two builds of the same length would count as one.
        builds = log.read_text().count("Reloading browsers")
        tags_yml = project / "tags.yml"
        original = tags_yml.read_text()
        tags_yml.write_text(original.replace("label: Pruning and sparsity\n", "label: Weight pruning\n", 1))
        assert _wait_for(lambda: "Weight pruning" in (_get(tags_url) or ""), 120), log.read_text()[-2000:]
        time.sleep(2)
        assert log.read_text().count("Reloading browsers") == builds + 1  # exactly one rebuild
        # A broken edit: the problem is logged, serve keeps running and keeps the last good site.
        tags_yml.write_text(original.replace("    theme: retrieval\n", "    theme: retreival\n", 1))
        assert _wait_for(lambda: "unknown theme 'retreival'" in log.read_text(), 120), log.read_text()[-2000:]
        assert _wait_for(lambda: log.read_text().count("Reloading browsers") == builds + 2, 120)
        assert server.poll() is None
        assert "Weight pruning" in (_get(tags_url) or "")
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_site_works_under_a_sub_path_with_no_broken_internal_links(built_site):
    """Every href/src in every page resolves to a file of the site, relative to the page, so the
    site can be served from https://USER.github.io/REPO/ as well as from the root."""
    import http.server
    import threading
    from functools import partial
    from html.parser import HTMLParser
    from urllib.parse import urldefrag, urljoin, urlsplit

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found: list[str] = []

        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                if name in ("href", "src") and value:
                    self.found.append(value)

    broken, absolute, checked = [], [], 0
    for page in built_site.rglob("*.html"):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        rel = page.relative_to(built_site).as_posix()
        if rel == "404.html":
            continue  # MkDocs makes 404.html's links absolute from site_url's path, on purpose:
            # GitHub Pages serves it at any missing URL. Set site_url to your Pages address.
        base = "https://example.org/REPO/" + rel
        for link in parser.found:
            if link.startswith("/") and not link.startswith("//"):
                absolute.append((rel, link))
                continue
            target = urljoin(base, link)
            if not target.startswith("https://example.org/REPO/"):
                continue  # external (or above the site root, which would also be wrong)
            checked += 1
            path = urldefrag(urlsplit(target).path)[0].removeprefix("/REPO/")
            local = built_site / path
            if path.endswith("/") or path == "":
                local = local / "index.html"
            if not local.exists():
                broken.append((rel, link))
    assert checked > 10_000
    assert absolute == [] and broken == []
    # And a real server that puts the site under /REPO/ serves a paper page's stylesheet.
    root = built_site.parent / "served"
    root.mkdir(exist_ok=True)
    (root / "REPO").unlink(missing_ok=True)
    (root / "REPO").symlink_to(built_site)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        page = _get(f"http://127.0.0.1:{port}/REPO/papers/{DISTILBERT}/")
        css = re.search(r'href="([^"]+main\.[0-9a-f]+\.min\.css)"', page).group(1)
        assert _get(urljoin(f"http://127.0.0.1:{port}/REPO/papers/{DISTILBERT}/", css))
    finally:
        server.shutdown()
