"""The pipeline, end to end: captures -> papers -> taxonomy + curation -> rendered pages.

`build_site(root)` is pure apart from reading the project's input files: it returns a `Site`
holding every generated page as text. The MkDocs hook serves those pages as virtual files;
`papershelf generate --out DIR` hands them to `write.py`, the only module that writes to disk.
"""

from __future__ import annotations

from pathlib import Path

import hashlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import library as L
from . import workers
from .corpus import Corpus, corpus_of, preload_arrow, split_words, tokenize
from .curation import Curation, apply_edits, load_curation
from .dedup import merge_entries
from .errors import Problem, raise_if_errors
from .export import papers_bib, papers_json
from .library import Library
from .manifest import Source, load_manifest
from .model import Entry, Paper, replace_paper
from .related import TOP_K, as_array as related_as_array, from_array as related_from_array
from .related import known as related_known, related_papers, remember as remember_related
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


def _cache_key(path: Path, source: Source, reader) -> tuple[tuple | None, int]:
    """(the read cache's key for this capture, its size in bytes); (None, 0) if it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError:
        return None, 0  # the reader reports the problem
    return (str(path), source.captured, reader.__module__, hashlib.sha256(data).hexdigest()), len(data)


def _read_jobs(_link, jobs: list) -> list:
    return [reader(path, source.captured) for source, path, reader in jobs]


def _read_all(jobs: list) -> tuple[list, bool]:
    """(each job's ReadResult (job: source, path, reader), whether any capture was parsed rather
    than taken from the cache, where the bytes are the same). With about PARALLEL_MIN papers or
    more to parse, a forked partner parses the second half (by size) while this process parses
    the first."""
    keys, all_sizes = zip(*[_cache_key(path, source, reader) for source, path, reader in jobs]) if jobs else ((), ())
    todo = [i for i, key in enumerate(keys) if key is None or key not in _READ_CACHE]
    sizes = [all_sizes[i] for i in todo]
    split, partner = len(todo), None
    if sum(sizes) >= PARALLEL_MIN * BYTES_PER_PAPER and len(todo) > 1:
        half = max(1, int(np.searchsorted(np.cumsum(sizes), sum(sizes) * OWN_READ_SHARE)))
        partner = workers.partner(_read_jobs, [jobs[i] for i in todo[half:]], board={})
        split = half if partner is not None else split
    with partner or nullcontext():
        if partner is not None:  # meanwhile: what splitting the words will need (see OWN_READ_SHARE)
            preload_arrow(sum(sizes))
        parsed = _read_jobs(None, [jobs[i] for i in todo[:split]])
        if partner is not None:
            rest = partner.result()
            parsed += _read_jobs(None, [jobs[i] for i in todo[split:]]) if rest is workers.FAILED else rest
    results = dict(zip(todo, parsed))
    out = [results[i] if i in results else _READ_CACHE[key] for i, key in enumerate(keys)]
    if len(_READ_CACHE) + len(todo) > 1000:
        _READ_CACHE.clear()
    _READ_CACHE.update((key, result) for key, result in zip(keys, out) if key is not None)
    return out, bool(todo)


def read_papers(seeds: Path, strict: bool = False,
                ahead: "_WordsAhead | None" = None) -> tuple[list[Paper], list[Source], list[Problem]]:
    """Read every capture the manifest names (and any it forgot), merged into unique papers.

    With `ahead`, the words of what was parsed afresh start being split in a partner process
    while this one merges the entries."""
    sources, problems = load_manifest(seeds)
    jobs = []
    for source in sources:
        path = seeds / source.file
        reader = reader_for(path, source.format)
        if reader is None:
            problems.append(Problem(f"{seeds.name}/{source.file}", None, None,
                                    "no reader for this file type"))
            continue
        jobs.append((source, path, reader))
    entries: list[Entry] = []
    results, fresh = _read_all(jobs)
    for result in results:
        problems.extend(
            Problem(f"{seeds.name}/{p.file}" if not p.file.startswith(seeds.name) else p.file,
                    p.line, p.col, p.message, p.severity)
            for p in result.problems
        )
        entries.extend(result.entries)
    if ahead is not None and fresh:
        ahead.start(entries)
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

# On lists of PARALLEL_MIN papers or more, a forked partner process (workers.py) works out the
# related papers while this one scores the tags and renders the index pages; then both render
# paper pages, from either end, until they meet. (Without a partner, everything happens here,
# in the same order, with the same result.)
PARALLEL_MIN = 2500
# Captures of about PARALLEL_MIN papers or more (by their size) are parsed by two processes.
# This one parses the first OWN_READ_SHARE of the bytes: it also imports pyarrow meanwhile
# (0.1 s, which tokenize would otherwise spend after the parse, with the other core idle).
BYTES_PER_PAPER = 1500
OWN_READ_SHARE = 0.45

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

    def files(self) -> dict[str, str]:
        """Every generated file's full text by docs-relative path (Markdown pages with their
        front-matter): what `papershelf generate --out` writes."""
        return dict(self.pages)

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
        paper = replace_paper(paper, tags=tags, theme=theme)
        out.append(apply_edits(paper, curation.edits.get(paper.slug), taxonomy, scores))
    return out


def load_inputs(root: Path, seeds: Path | None = None, strict: bool = False, ahead: "_WordsAhead | None" = None):
    """Read and validate every input; raise one PapershelfError listing every problem.

    Returns the papers as read (not yet classified), the sources, taxonomy, curation and problems.
    """
    seeds = seeds or root / SEEDS_DIR
    papers, sources, problems = read_papers(seeds, ahead=ahead)
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
    with _WordsAhead() as ahead:  # closed last: the splitter's exit need not hold this process up
        papers, sources, taxonomy, curation, problems = load_inputs(root, strict=strict, ahead=ahead)
        # Which papers show, and in what order, does not depend on their tags, so related papers
        # can be worked out alongside the tag scores, classification and index pages (none of which
        # show related papers). Both need the papers' words.
        hidden = {slug for slug, edit in curation.edits.items() if edit.hidden}
        order = sorted((p for p in range(len(papers)) if papers[p].slug not in hidden), key=lambda p: sort_key(papers[p]))
        shown = [papers[p] for p in order]
        corpus = None  # a `serve` rebuild that changed no title or abstract needs none
        if not scores_known(papers, taxonomy) or not related_known(shown):
            corpus = ahead.corpus(papers) or tokenize(text for paper in papers for text in (paper.title, paper.abstract))
        inputs = _Inputs(papers, sources, taxonomy, curation, order, shown, site_name, corpus)
        partner = None
        if len(papers) >= PARALLEL_MIN:
            if corpus is not None:
                corpus.text_of  # both processes need it (tags, related): made once, before the fork
            partner = workers.partner(_partner_side, inputs, board={
                "related": ((len(shown), TOP_K), np.int32),
                "classes": ((_classes_room(shown, curation),), np.uint8),  # what classify gave each shown paper
                "pages": ((2,), np.int64),  # paper pages rendered: by this process, by the partner
                "text": ((_text_room(shown),), np.uint8),  # the partner's pages, UTF-8 ...
                "spans": ((len(shown), 3), np.int64)})  # ... page j from the end: start, search, end
        if partner is None:
            pages, search, lib, papers = _build_here(inputs, site_url, progress)
        else:
            with partner:
                pages, search, lib, papers = _build_with_partner(partner, inputs, site_url)
        return Site(pages, lib, papers, curation, problems, search)


class _WordsAhead:
    """The words of every title and abstract, split by a forked partner while this process merges
    the entries into papers and reads tags.yml and curation.yml (at 10,000 papers: 0.25 s of
    splitting beside 0.17 s of merging and reading, instead of after it).

    The partner splits each distinct text of the entries once; the papers' texts are among them
    (a merged paper keeps one entry's title and one entry's abstract), so their Corpus is a
    selection of those rows. Without a partner, or if it fails, `corpus` returns None and the
    caller splits the words itself, with the same result."""

    def __init__(self) -> None:
        self._partner: workers.Partner | None = None
        self._texts: dict[str, int] = {}  # each distinct text -> its row

    def start(self, entries: list[Entry]) -> None:
        if len(entries) < PARALLEL_MIN:
            return
        texts = self._texts
        for entry in entries:
            texts.setdefault(entry.title, len(texts))
            texts.setdefault(entry.abstract, len(texts))
        self._partner = workers.partner(_split_side, list(texts), board={
            "ids": ((_word_room(texts),), np.int32), "bounds": ((len(texts) + 1,), np.int64)})

    def corpus(self, papers: list[Paper]) -> Corpus | None:
        """`tokenize` of each paper's title and abstract in turn, or None if not split ahead."""
        if self._partner is None:
            return None
        try:
            rows = [self._texts[text] for paper in papers for text in (paper.title, paper.abstract)]
        except KeyError:  # pragma: no cover  (a text no entry has: merge_entries makes none)
            return None
        texts = tuple(self._texts)
        got = self._partner.result()
        if got is workers.FAILED or got is None:  # failed, or out of room
            return None
        count, words = got
        whole = corpus_of(texts, words, self._partner.shared("ids")[:count], self._partner.shared("bounds"))
        return whole.select(rows)

    def __enter__(self) -> "_WordsAhead":
        return self

    def __exit__(self, *exc: object) -> None:
        if self._partner is not None:
            self._partner.close()
            self._partner = None


def _word_room(texts) -> int:
    """Room for the word ids of these texts: words are separated by at least one character, so
    a text of n characters has at most (n + 1) // 2 (unless lower-casing lengthens it: then
    the partner finds it out of room, and this process splits the words itself)."""
    return sum(len(text) // 2 + 1 for text in texts)


def _split_side(link: workers.Link, texts: list[str]) -> tuple[int, tuple[bytes, ...]] | None:
    """The partner's part of `_WordsAhead`: (how many word ids it put on the board, the
    vocabulary), or None if they did not fit."""
    words, ids, bounds = split_words([text.lower() for text in texts])
    out = link.shared("ids")
    if len(ids) > len(out):
        return None
    out[:len(ids)] = ids
    link.shared("bounds")[...] = bounds
    return len(ids), words


@dataclass(frozen=True)
class _Inputs:
    """What both processes start from (a forked partner gets it by the fork, not by a pipe)."""

    papers: list[Paper]  # as read, not classified
    sources: list[Source]
    taxonomy: Taxonomy
    curation: Curation
    order: list[int]  # the papers that show, by number, in site order
    shown: list[Paper]  # the papers that show, in site order (tags do not change which or how)
    site_name: str
    corpus: Corpus | None  # every paper's title and abstract, in turn (None: nothing new to split)

    def related_papers(self) -> dict[str, tuple[str, ...]]:
        """Related papers of the shown papers, from the words of all of them."""
        return related_papers(self.shown, TOP_K, self.corpus, None if self.corpus is None else self.order)


def _library(inputs: _Inputs, related: dict | None = None) -> tuple[list[Paper], list[Paper], Library]:
    """(every paper classified, the visible ones in site order, their Library). The tag scores
    come from the words already split (classify finds them in the cache)."""
    tag_scores_of(inputs.papers, inputs.taxonomy, inputs.corpus)
    papers = classify(inputs.papers, inputs.taxonomy, inputs.curation)
    visible = [papers[p] for p in inputs.order]  # edits change neither title nor date, nor hide others
    return papers, visible, _library_of(inputs, visible, related)


def _library_of(inputs: _Inputs, visible: list[Paper], related: dict | None = None) -> Library:
    return Library(tuple(visible), inputs.taxonomy, tuple(inputs.sources), inputs.curation.paths,
                   site_name=inputs.site_name, related=related or {})


# The fields `classify` sets (tags and theme from the rules, then the curator's edits): all a
# partner needs to be told to have the same papers (tests/test_workers.py checks the rest stay).
CLASSIFIED = ("tags", "theme", "note", "status", "hidden")


def _classes_room(shown: list[Paper], curation: Curation) -> int:
    """Bytes enough for the pickled CLASSIFIED fields of these papers: tuples of a few shared
    slugs, mostly, and the curator's notes (at most 4 bytes a character in UTF-8). Only the
    bytes written take memory."""
    return (1 << 20) + 256 * len(shown) + 4 * sum(len(edit.note or "") for edit in curation.edits.values())


def _index_chars(visible: list[Paper]) -> int | None:
    return None if len(visible) <= SEARCH_FULL_ABSTRACTS else SEARCH_ABSTRACT_CHARS


def _build_here(inputs: _Inputs, site_url: str, progress):
    """All in this process: related papers in a thread while this one scores the tags,
    classifies the papers and renders the index pages, feeds and exports. numpy and scipy let
    go of the interpreter lock for most of the TF-IDF, so the two overlap a little."""
    icons = icon_svgs(inputs.taxonomy)
    with ThreadPoolExecutor(max_workers=1) as pool:  # waits for the thread on the way out
        later = pool.submit(inputs.related_papers)
        papers, visible, lib = _library(inputs)
        others = _render_indexes(lib, icons, inputs.site_name, site_url)  # they show no related papers
        related = later.result()
    lib = lib.with_related(related)
    rendered = _render_papers(progress(visible, "Rendering papers"), lib, _index_chars(visible))
    return _collect(visible, rendered, others) + (lib, papers)


def _build_with_partner(partner: workers.Partner, inputs: _Inputs, site_url: str):
    """Two processes. The partner works out related papers (on its own core, so nothing waits
    for the interpreter lock) and posts them; this one scores the tags, classifies the papers,
    posts what that changed and renders the index pages. Then each renders its share of the
    paper pages."""
    papers, visible, lib = _library(inputs)
    partner.post_object("classes", [tuple(getattr(paper, name) for name in CLASSIFIED) for paper in visible])
    others = _render_indexes(lib, icon_svgs(inputs.taxonomy), inputs.site_name, site_url)
    posted = partner.wait("related")
    if posted is not None:
        related = related_from_array(posted, inputs.shown)
        remember_related(inputs.shown, TOP_K, related)
    else:  # the partner failed: work them out here
        related = inputs.related_papers()
    lib = lib.with_related(related)
    # The paper pages: this process from the first, the partner from the last, until they meet
    # (whichever is quicker today renders more). Each counts its pages on the board and stops
    # at the other's count; at worst both render the page where they meet, and ours is used.
    index_chars, done, count = _index_chars(visible), partner.shared("pages"), len(visible)
    rendered = []
    for paper in visible:  # (no progress bar: it would stop where the two meet)
        if len(rendered) >= count - done[1]:
            break
        rendered.append(render_paper(paper, lib, index_chars))
        done[0] = len(rendered)
    theirs = partner.result()  # how many pages, from the last backwards
    if theirs is workers.FAILED:
        rendered += _render_papers(visible[len(rendered):], lib, index_chars)
    else:  # read from shared memory, not pickled through a pipe
        text, spans = memoryview(partner.shared("text")), partner.shared("spans")[:count - len(rendered)].tolist()
        rendered += [(str(text[start:middle], "utf-8", "surrogatepass"), str(text[middle:end], "utf-8", "surrogatepass"))
                     for start, middle, end in reversed(spans)]
    return _collect(visible, rendered, others) + (lib, papers)


def _text_room(papers: list[Paper]) -> int:
    """Bytes enough for these papers' pages with their search HTML, with room to spare: a page
    is mostly its abstract (twice, with the search HTML), its title (in the related lists of a
    few others too) and a few KB of markup. Only the bytes written take memory; if it runs
    out anyway, the partner stops early and this process renders the rest."""
    return sum(2 * (2 * len(p.abstract) + 12 * len(p.title)) + 8192 for p in papers)


def _partner_side(link: workers.Link, inputs: _Inputs) -> int:
    """The forked partner's part: related papers, then its share of the paper pages."""
    related = inputs.related_papers()
    link.post("related", related_as_array(related, inputs.shown, TOP_K))
    classes = link.wait_object("classes")
    if classes is None:  # too many to post (never at any size measured): classify here
        _papers, visible, lib = _library(inputs, related)
    else:  # what this process's classify would give, without scoring the tags again
        visible = [replace_paper(paper, **dict(zip(CLASSIFIED, values))) for paper, values in zip(inputs.shown, classes)]
        lib = _library_of(inputs, visible, related)
    index_chars, done = _index_chars(visible), link.shared("pages")
    text, spans, at, count = link.shared("text"), link.shared("spans"), 0, 0
    for paper in reversed(visible):  # from the last page, until this process's count
        if len(visible) - count <= done[0]:
            break
        page, search = (part.encode("utf-8", "surrogatepass") for part in render_paper(paper, lib, index_chars))
        middle, end = at + len(page), at + len(page) + len(search)
        if end > len(text):  # out of room: this process renders the rest
            break
        text[at:middle], text[middle:end] = np.frombuffer(page, np.uint8), np.frombuffer(search, np.uint8)
        spans[count] = (at, middle, end)
        at, count = end, count + 1
        done[1] = count
    return count


def _collect(visible: list[Paper], rendered: list[tuple[str, str]], others: dict[str, str]):
    """(pages, search): every paper page with its search HTML, then the other pages."""
    pages: dict[str, str] = {}
    search: dict[str, str] = {}
    for paper, (page, search_html) in zip(visible, rendered, strict=True):
        src = L.paper_src(paper.slug)
        pages[src], search[src] = page, search_html
    pages.update(others)
    return pages, search


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
