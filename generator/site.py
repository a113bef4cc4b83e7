"""The pipeline, end to end: captures -> papers -> taxonomy + curation -> rendered pages.

`build_site(root)` is pure apart from reading the project's input files: it returns a `Site`
holding every generated page as text. The MkDocs hook serves those pages as virtual files;
`papershelf generate --out DIR` hands them to `write.py`, the only module that writes to disk.
"""

from __future__ import annotations

from pathlib import Path

import dataclasses
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import library as L
from . import workers
from .corpus import Corpus, tokenize
from .curation import Curation, apply_edits, load_curation
from .dedup import merge_entries
from .errors import Problem, raise_if_errors
from .export import papers_bib, papers_json
from .library import Library
from .manifest import Source, load_manifest
from .model import Entry, Paper
from .related import TOP_K, known as related_known, related_papers
from .render.lists import (render_all_papers, render_home, render_path, render_paths_index,
                           render_tags_index, render_theme, render_themes_index, render_with_code, sort_key)
from .render.feeds import atom_feed
from .render.markup import esc
from .render.paper import render_paper
from .render.stats import render_stats
from .sources import reader_for
from .taxonomy import Taxonomy, load_taxonomy, rank, tag_scores_many
from .tuning import build_settings


# Parsed captures by (path, capture date, reader, SHA-256 of the bytes). The package stays
# imported between `mkdocs serve` rebuilds while its code is unchanged (mkdocs_hook.py), so a
# tags.yml edit does not parse every capture again. Records are frozen: sharing them is safe.
_READ_CACHE: dict[tuple, object] = {}


def _read_cached(reader, path: Path, captured):
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return reader(path, captured)  # let the reader report the problem
    key = (str(path), captured, reader.__module__, digest)
    if key not in _READ_CACHE:
        if len(_READ_CACHE) > 1000:
            _READ_CACHE.clear()
        _READ_CACHE[key] = reader(path, captured)
    return _READ_CACHE[key]


def read_papers(seeds: Path, strict: bool = False) -> tuple[list[Paper], list[Source], list[Problem]]:
    """Read every capture the manifest names (and any it forgot), merged into unique papers."""
    sources, problems = load_manifest(seeds)
    entries: list[Entry] = []
    for source in sources:
        path = seeds / source.file
        reader = reader_for(path, source.format)
        if reader is None:
            problems.append(Problem(f"{seeds.name}/{source.file}", None, None,
                                    "no reader for this file type"))
            continue
        result = _read_cached(reader, path, source.captured)
        problems.extend(
            Problem(f"{seeds.name}/{p.file}" if not p.file.startswith(seeds.name) else p.file,
                    p.line, p.col, p.message, p.severity)
            for p in result.problems
        )
        entries.extend(result.entries)
    papers, merge_problems = merge_entries(entries)
    problems.extend(
        Problem(f"{seeds.name}/{p.file}", p.line, p.col, p.message, p.severity) for p in merge_problems
    )
    return papers, sources, problems


# Search: lunr in the browser slows down with the size of its index, so on lists longer than
# SEARCH_FULL_ABSTRACTS the index has one entry per paper: title, tags and the abstract's first
# sentences (up to SEARCH_ABSTRACT_CHARS, the first sentence always whole). Pages always show
# the whole abstract.
SEARCH_FULL_ABSTRACTS = 2000
SEARCH_ABSTRACT_CHARS = 280

# On lists of PARALLEL_MIN papers or more, a second process (workers.py) renders the last
# CHILD_PAGE_SHARE of the paper pages while this one renders the rest. The share balances the two
# on the 10,000 papers benchmark: the pages it sends back cost it time to send.
# (Without a second process, `parallel` is False and all of it happens here, in the same order.)
PARALLEL_MIN = 2500  # 1,600 papers: 0.67 s in one process, 0.72 s in two; 3,000: 1.12 s, 1.04 s
CHILD_PAGE_SHARE = 0.5

TAGS_FILE = "tags.yml"
CURATION_FILE = "curation.yml"
SEEDS_DIR = "seeds"


@dataclass
class Site:
    """Every generated file (docs-relative path -> text) plus what the nav and CLI need."""

    pages: dict[str, str]
    library: Library
    all_papers: list[Paper]  # including hidden ones
    curation: Curation
    problems: list[Problem] = field(default_factory=list)
    search: dict[str, str] = field(default_factory=dict)  # paper page -> the HTML search indexes

    def nav(self) -> list:
        """Home, Themes (with counts), Reading paths, Tags, and the other index pages. No papers."""
        lib = self.library
        # Material prints nav titles raw (and they override the page's own title): escape them.
        themes = [{f"{esc(t.title)} ({len(lib.in_theme(t))})": L.theme_src(t.slug)}
                  for t in lib.taxonomy.themes if lib.in_theme(t)]
        paths = [{esc(p.title): L.path_src(p.slug)} for p in lib.paths]
        return [
            {"Home": L.HOME},
            {"Themes": [{"All themes": L.THEMES_INDEX}, *themes]},
            {"Reading paths": [{"All reading paths": L.PATHS_INDEX}, *paths]},
            {"Tags": L.TAGS_INDEX},
            {"Papers": [{"All papers": L.ALL_PAPERS}, {"Papers with code": L.WITH_CODE},
                        {"Statistics": L.STATS}]},
            {"About": "about.md"},
        ]


@lru_cache(maxsize=None)
def _icon_svg(icon: str) -> str | None:
    import material

    path = Path(material.__file__).parent / "templates" / ".icons" / f"{icon}.svg"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def icon_svgs(taxonomy: Taxonomy) -> dict[str, str]:
    """Inline SVG of each theme's Material icon, read once from the installed theme."""
    return {t.icon: svg for t in taxonomy.themes if (svg := _icon_svg(t.icon)) is not None}


# Tag scores by (title, abstract), for one set of rules: they depend on nothing else, so a
# `serve` rebuild after an edit to labels, descriptions, themes or curation.yml reuses them.
_SCORES: dict[str, object] = {}


def _rules_signature(taxonomy: Taxonomy) -> tuple:
    return tuple((t.slug, tuple((r.kind, r.text) for r in t.rules)) for t in taxonomy.tags)


def scores_known(papers: list[Paper], taxonomy: Taxonomy) -> bool:
    """Whether every paper's tag scores are in the cache (a `serve` rebuild after an edit that
    changed neither the rules nor any title or abstract)."""
    known = _known_scores(taxonomy)
    return all((paper.title, paper.abstract) in known for paper in papers)


def _known_scores(taxonomy: Taxonomy) -> dict:
    """The cached tag scores by (title, abstract) for these rules (a new cache if they changed)."""
    signature = _rules_signature(taxonomy)
    if _SCORES.get("rules") != signature:
        _SCORES.update(rules=signature, scores={})
    return _SCORES["scores"]  # type: ignore[return-value]


def tag_scores_of(papers: list[Paper], taxonomy: Taxonomy, corpus: Corpus | None = None) -> list[dict[str, int]]:
    """Each paper's tag scores (what score_paper's hits add up to), from the cache when known.

    `corpus`, if given, is `tokenize` of each paper's title and abstract, in turn."""
    known = _known_scores(taxonomy)
    keys = [(paper.title, paper.abstract) for paper in papers]
    first = {}  # unknown key -> the first paper that has it
    for number, key in enumerate(keys):
        if key not in known:
            first.setdefault(key, number)
    if first:
        part = corpus if corpus is None or len(first) == len(keys) else _papers_texts(corpus, list(first.values()))
        known.update(zip(first, tag_scores_many(list(first), taxonomy, part)))
    return [known[key] for key in keys]


def _papers_texts(corpus: Corpus, papers: list[int]) -> Corpus:
    """The title and abstract of these papers (by number), from a corpus of every paper's title
    and abstract in turn."""
    rows = np.array(papers, dtype=np.int64)
    return corpus.select(np.stack([2 * rows, 2 * rows + 1], axis=1).ravel())


def classify(papers: list[Paper], taxonomy: Taxonomy, curation: Curation) -> list[Paper]:
    """Tags and theme from the rules, then the curator's edits on top."""
    out = []
    for paper, scores in zip(papers, tag_scores_of(papers, taxonomy)):
        tags, theme = rank(scores, taxonomy)
        paper = dataclasses.replace(paper, tags=tags, theme=theme)
        out.append(apply_edits(paper, curation.edits.get(paper.slug), taxonomy, scores))
    return out


def load_inputs(root: Path, seeds: Path | None = None, strict: bool = False):
    """Read and validate every input; raise one PapershelfError listing every problem.

    Returns the papers as read (not yet classified), the sources, taxonomy, curation and problems.
    """
    seeds = seeds or root / SEEDS_DIR
    papers, sources, problems = read_papers(seeds)
    taxonomy, tax_problems = load_taxonomy(root / TAGS_FILE)
    problems += tax_problems
    curation, cur_problems = load_curation(root / CURATION_FILE, {p.slug for p in papers}, taxonomy)
    problems += cur_problems
    raise_if_errors(problems, strict)
    assert taxonomy is not None  # no errors means it loaded
    icons = icon_svgs(taxonomy)
    problems += [Problem(TAGS_FILE, None, None, f"theme '{t.slug}': unknown icon '{t.icon}'")
                 for t in taxonomy.themes if t.icon not in icons]
    raise_if_errors(problems, strict)
    return papers, sources, taxonomy, curation, problems


def load_project(root: Path, seeds: Path | None = None, strict: bool = False):
    """`load_inputs`, with the papers classified (tags, theme and the curator's edits)."""
    papers, sources, taxonomy, curation, problems = load_inputs(root, seeds, strict)
    return classify(papers, taxonomy, curation), sources, taxonomy, curation, problems


def _quiet(items, label: str):
    return items


def build_site(root: Path, strict: bool = False, site_name: str = "papershelf",
               site_url: str = "http://127.0.0.1:8000/", progress=_quiet) -> Site:
    """Run the whole pipeline and render every page; raises PapershelfError on user mistakes.

    `progress(items, label)` may wrap the long loops (the CLI shows a bar on a terminal).
    """
    with build_settings():
        return _build_site(root, strict, site_name, site_url, progress)


def _build_site(root: Path, strict: bool, site_name: str, site_url: str, progress) -> Site:
    papers, sources, taxonomy, curation, problems = load_inputs(root, strict=strict)
    parallel = len(papers) >= PARALLEL_MIN and workers.available()
    # Which papers show, and in what order, does not depend on their tags: a thread works out
    # related papers while this one scores the tags, classifies the papers and renders the index
    # pages, feeds and exports (none of which show related papers). numpy and scipy let go of the
    # interpreter lock for most of the TF-IDF, so the two overlap, with no second process to
    # fork and nothing to send back. Both need the papers' words.
    hidden = {slug for slug, edit in curation.edits.items() if edit.hidden}
    order = sorted((p for p in range(len(papers)) if papers[p].slug not in hidden), key=lambda p: sort_key(papers[p]))
    shown = [papers[p] for p in order]
    corpus = shown_corpus = None  # a `serve` rebuild that changed no title or abstract needs neither
    if not related_known(shown) or not scores_known(papers, taxonomy):
        corpus = tokenize(text for paper in papers for text in (paper.title, paper.abstract))
        shown_corpus = _papers_texts(corpus, order)
    icons = icon_svgs(taxonomy)
    with ThreadPoolExecutor(max_workers=1) as pool:  # waits for the thread on the way out
        later = pool.submit(related_papers, shown, TOP_K, shown_corpus)
        tag_scores_of(papers, taxonomy, corpus)
        papers = classify(papers, taxonomy, curation)
        visible = sorted((p for p in papers if not p.hidden), key=sort_key)
        lib = Library(tuple(visible), taxonomy, tuple(sources), curation.paths, site_name=site_name)
        others = _render_indexes(lib, icons, site_name, site_url)  # they show no related papers
        related = later.result()
    lib = dataclasses.replace(lib, related=related)
    index_chars = None if len(visible) <= SEARCH_FULL_ABSTRACTS else SEARCH_ABSTRACT_CHARS
    # Then the second process renders the last CHILD_PAGE_SHARE of the paper pages, while this
    # one renders the others.
    cut = len(visible) - int(len(visible) * CHILD_PAGE_SHARE) if parallel else len(visible)
    with workers.start(_render_papers, visible[cut:], lib, index_chars, fork=parallel) as later:
        rendered = _render_papers(progress(visible[:cut], "Rendering papers"), lib, index_chars)
        rest = later.result()
    rendered += rest
    pages: dict[str, str] = {}
    search: dict[str, str] = {}
    for paper, (page, search_html) in zip(visible, rendered, strict=True):
        src = L.paper_src(paper.slug)
        pages[src], search[src] = page, search_html
    pages.update(others)
    return Site(pages, lib, papers, curation, problems, search)


def _render_papers(papers, lib: Library, index_chars: int | None) -> list[tuple[str, str]]:
    return [render_paper(paper, lib, index_chars) for paper in papers]


def _render_indexes(lib: Library, icons: dict[str, str], site_name: str, site_url: str) -> dict[str, str]:
    """Every generated page but the papers' own: indexes, feeds and exports."""
    taxonomy, visible = lib.taxonomy, list(lib.papers)
    pages: dict[str, str] = {}
    pages[L.HOME] = render_home(lib, icons)
    pages[L.THEMES_INDEX] = render_themes_index(lib, icons)
    for theme in taxonomy.themes:
        if lib.in_theme(theme):
            pages[L.theme_src(theme.slug)] = render_theme(theme, lib)
    pages[L.ALL_PAPERS] = render_all_papers(lib)
    pages[L.WITH_CODE] = render_with_code(lib)
    pages[L.TAGS_INDEX] = render_tags_index(lib)
    pages[L.PATHS_INDEX] = render_paths_index(lib)
    for path in lib.paths:
        pages[L.path_src(path.slug)] = render_path(path, lib)
    pages[L.STATS] = render_stats(lib)
    pages["feed.xml"] = atom_feed(site_name, "feed.xml", visible, site_url)
    for theme in taxonomy.themes:
        if lib.in_theme(theme):
            pages[f"feed-{theme.slug}.xml"] = atom_feed(f"{site_name}: {theme.title}", f"feed-{theme.slug}.xml",
                                                         lib.in_theme(theme), site_url)
    pages["papers.json"] = papers_json(visible)
    pages["papers.bib"] = papers_bib(visible, lib)
    return pages
