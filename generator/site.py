"""The pipeline, end to end: load -> merge -> classify -> relate -> render.

`build_site(root)` is pure apart from reading the project's input files: it returns a `Site`
holding every generated page. The MkDocs hook serves those pages as virtual files;
`papershelf generate --out DIR` hands their text to `write.py`, the only module that writes.

Between `mkdocs serve` rebuilds the package stays imported while its code is unchanged
(mkdocs_hook.py), so three memos, plain dictionaries, spare a rebuild the work its edit did not
touch: parsed captures (by file digest), tag scores (by title and abstract, while the rules are
the same) and related papers (`related.py`, while no title or abstract changed).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import library as L
from .corpus import Corpus, tokenize
from .curation import Curation, apply_edits, load_curation
from .dedup import merge_entries
from .enriched import enrich_all
from .errors import PapershelfError, Problem, raise_if_errors
from .indexes import icon_svgs, index_pages, nav
from .inputs import input_path
from .library import Library
from .limits import MAX_CAPTURE_BYTES
from .manifest import Source, load_manifest
from .matching import tag_evidence
from .metadata import LOCK_FILE, load_metadata, paper_key
from .model import Entry, Paper, replace_paper
from .related import TOP_K, related_papers
from .render.lists import sort_key
from .render.markup import Document, LazyDocument, is_document
from .render.paper import paper_page
from .sources import reader_for
from .taxonomy import Taxonomy, load_taxonomy, rank, secondary_of

TAGS_FILE = "tags.yml"
CURATION_FILE = "curation.yml"
SEEDS_DIR = "seeds"

@dataclass
class Site:
    """Every generated file (docs-relative path -> page or text) plus what the nav and CLI need."""

    pages: dict[str, Document | LazyDocument | str]
    library: Library
    all_papers: list[Paper]  # including hidden ones
    curation: Curation
    problems: list[Problem] = field(default_factory=list)
    paper_pages: frozenset[str] = frozenset()  # the paper pages' docs paths

    def files(self) -> dict[str, str]:
        """Every generated file's full text by docs-relative path (Markdown pages with their
        front-matter): what `papershelf generate --out` writes."""
        return {path: page.text() if is_document(page) else page for path, page in self.pages.items()}

    def nav(self) -> list:
        return nav(self.library)


# ---------------------------------------------------------------- load and merge

# Parsed captures by (path, capture date, reader, SHA-256 of the bytes): records are frozen,
# so sharing them between serve rebuilds is safe.
_PARSED: dict[tuple, object] = {}


def _read(path: Path, source: Source, reader):
    """The reader's result for one capture, from the memo when its bytes are the same."""
    try:
        if path.stat().st_size > MAX_CAPTURE_BYTES:  # (never read whole: the reader reports the limit)
            return reader(path, source.captured)
        key = (str(path), source.captured, reader.__module__, hashlib.sha256(path.read_bytes()).hexdigest())
    except OSError:
        return reader(path, source.captured)  # the reader reports the problem
    if key not in _PARSED:
        if len(_PARSED) > 1000:
            _PARSED.clear()
        _PARSED[key] = reader(path, source.captured)
    return _PARSED[key]


def read_papers(seeds: Path, strict: bool = False) -> tuple[list[Paper], list[Source], list[Problem]]:
    """Read every capture the manifest names (and any it forgot), merged into unique papers."""
    sources, problems = load_manifest(seeds)
    entries: list[Entry] = []
    for source in sources:
        path = input_path(seeds / source.file, seeds.parent)  # read only as a regular file in the project
        reader = reader_for(path, source.format)
        if reader is None:
            problems.append(Problem(f"{seeds.name}/{source.file}", None, None, "no reader for this file type"))
            continue
        result = _read(path, source, reader)
        problems.extend(
            Problem(f"{seeds.name}/{p.file}" if not p.file.startswith(seeds.name) else p.file,
                    p.line, p.col, p.message, p.severity)
            for p in result.problems
        )
        # An entry joined the list when its capture was saved (papers.yml may say `added:`).
        captured = source.captured.isoformat() if source.captured else None
        entries.extend(entry if entry.added or not captured else replace(entry, added=captured)
                       for entry in result.entries)
    papers, merge_problems = merge_entries(entries)
    problems.extend(
        Problem(f"{seeds.name}/{p.file}", p.line, p.col, p.message, p.severity) for p in merge_problems
    )
    return papers, sources, problems


def load_inputs(root: Path, seeds: Path | None = None, strict: bool = False):
    """Read and validate every input; raise one PapershelfError listing every problem.

    Returns the papers as read (not yet classified), the sources, taxonomy, curation and problems.
    """
    seeds = seeds or root / SEEDS_DIR
    papers, sources, problems = read_papers(seeds)
    records, lock_problems = load_metadata(input_path(seeds / LOCK_FILE, seeds.parent),
                                           {paper_key(p.title) for p in papers})
    problems += lock_problems
    papers = enrich_all(papers, records)  # what `papershelf enrich` found, reviewed: no network here
    taxonomy, tax_problems = load_taxonomy(input_path(root / TAGS_FILE, root))
    problems += tax_problems
    curation, cur_problems = load_curation(input_path(root / CURATION_FILE, root), {p.slug for p in papers}, taxonomy)
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


# ---------------------------------------------------------------- classify

# Tag scores by (title, abstract), for one set of rules: they depend on nothing else, so a
# `serve` rebuild after an edit to labels, descriptions, themes or curation.yml reuses them.
_SCORES: dict[tuple, tuple[dict[str, int], dict[str, int]]] = {}
_SCORED_RULES: list[tuple] = []  # the rules _SCORES belongs to


def _rules_signature(taxonomy: Taxonomy) -> tuple:
    return tuple((t.slug, tuple((r.kind, r.text) for r in t.rules)) for t in taxonomy.tags)


def _forget_scores_of_other_rules(taxonomy: Taxonomy) -> None:
    signature = _rules_signature(taxonomy)
    if _SCORED_RULES != [signature]:
        _SCORES.clear()
        _SCORED_RULES[:] = [signature]


def _all_scored(papers: list[Paper], taxonomy: Taxonomy) -> bool:
    _forget_scores_of_other_rules(taxonomy)
    return all((paper.title, paper.abstract) in _SCORES for paper in papers)


def remembered_tag_scores(papers: list[Paper], taxonomy: Taxonomy,
                          corpus: Corpus | None = None) -> list[tuple[dict[str, int], dict[str, int]]]:
    """Each paper's tag scores and their title part (`matching.tag_evidence`), working out only
    those not in the memo.

    `corpus`, if given, is `tokenize` of every paper's title and abstract, in turn."""
    _forget_scores_of_other_rules(taxonomy)
    keys = [(paper.title, paper.abstract) for paper in papers]
    missing = list(dict.fromkeys(key for key in keys if key not in _SCORES))
    if missing:
        _SCORES.update(zip(missing, tag_evidence(missing, taxonomy, corpus if len(missing) == len(keys) else None)))
    return [_SCORES[key] for key in keys]


def classify(papers: list[Paper], taxonomy: Taxonomy, curation: Curation,
             corpus: Corpus | None = None) -> list[Paper]:
    """Tags, primary and secondary theme from the rules, then the curator's edits on top."""
    out = []
    for paper, (scores, title) in zip(papers, remembered_tag_scores(papers, taxonomy, corpus)):
        tags, theme = rank(scores, taxonomy, title)
        paper = replace_paper(paper, tags=tags, theme=theme,
                              secondary_theme=secondary_of(tags, scores, taxonomy, theme, title))
        out.append(apply_edits(paper, curation.edits.get(paper.slug), taxonomy, scores, title))
    return out


# ---------------------------------------------------------------- the whole pipeline

def _quiet(items, label: str):
    return items


def build_site(root: Path, strict: bool = False, site_name: str = "papershelf",
               site_url: str = "http://127.0.0.1:8000/", progress=_quiet) -> Site:
    """Run the whole pipeline and render every page; raises PapershelfError on user mistakes.

    `progress(items, label)` may wrap the long loops (the CLI shows a bar on a terminal).
    """
    papers, sources, taxonomy, curation, problems = load_inputs(root, strict=strict)
    # The words of every title and abstract, split once for the tag rules and related papers
    # (a `serve` rebuild that changed no title, abstract or rule needs none).
    corpus = None if _all_scored(papers, taxonomy) else \
        tokenize(text for paper in papers for text in (paper.title, paper.abstract))
    all_papers = classify(papers, taxonomy, curation, corpus)
    listed = sorted((number for number, paper in enumerate(all_papers) if not paper.hidden),
                    key=lambda number: sort_key(all_papers[number]))
    on_site = [all_papers[number] for number in listed]
    lib = Library(tuple(on_site), taxonomy, tuple(sources), curation.paths, site_name=site_name)
    shown = {path.slug for path in lib.paths}  # (a path's hidden papers are off it: Library)
    problems = problems + [Problem(CURATION_FILE, None, None, f"reading path '{path.slug}': every paper on it is "
                                   "hidden, so it is left off the site", "warning")
                           for path in curation.paths if path.slug not in shown]
    pages: dict[str, Document | LazyDocument | str] = {}
    others = index_pages(lib, site_name, site_url)  # (no related papers on them)
    lib = lib.with_related(related_papers(on_site, TOP_K, corpus, listed if corpus is not None else None))
    made = [(L.paper_src(paper.slug), f"the paper '{paper.slug}'") for paper in on_site]
    raise_if_errors(L.page_collisions(made + [(src, what) for src, what, _ in others]))
    for paper in progress(on_site, "Rendering papers"):
        src = L.paper_src(paper.slug)
        pages[src] = paper_page(paper, lib)
    paper_pages = frozenset(pages)
    pages.update((src, page) for src, _, page in others)
    return Site(pages, lib, all_papers, curation, problems, paper_pages)
