"""`Library`: everything the renderers need, assembled once by `site.build_site`.

Renderers take a `Library` and return text; they never read files or look anything up on disk.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

from .curation import ReadingPath
from .errors import Problem
from .manifest import Source
from .model import Paper
from .render.markup import page_url
from .taxonomy import Tag, Taxonomy, Theme


_UNBUILT = object()


@dataclass(frozen=True)
class Library:
    papers: tuple[Paper, ...]  # the papers on the site (not hidden), in site order (render.lists.sort_key): renderers rely on it
    taxonomy: Taxonomy
    sources: tuple[Source, ...]
    paths: tuple[ReadingPath, ...] = ()  # as given; kept: their visible steps only (see visible_paths)
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)
    site_name: str = "papershelf"

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_slug", {p.slug: p for p in self.papers})
        object.__setattr__(self, "source_titles", {s.file: s.title for s in self.sources})
        by_theme: dict[str, list[Paper]] = {}
        by_secondary: dict[str, list[Paper]] = {}
        tagged_in: dict[str, list[Paper]] = {}
        by_tag: dict[str, list[Paper]] = {}
        tag_theme = {tag.slug: tag.theme for tag in self.taxonomy.tags}
        for paper in self.papers:  # indexes built once: pages ask for them thousands of times
            by_theme.setdefault(paper.theme, []).append(paper)
            if paper.secondary_theme:
                by_secondary.setdefault(paper.secondary_theme, []).append(paper)
            for tag in paper.tags:
                by_tag.setdefault(tag, []).append(paper)
            # Themes whose tags it carries, but neither its primary nor its secondary theme:
            # listed there too, as "also tagged" (tags.yml order of first appearance).
            for theme in dict.fromkeys(tag_theme[t] for t in paper.tags if t in tag_theme):
                if theme not in (paper.theme, paper.secondary_theme):
                    tagged_in.setdefault(theme, []).append(paper)
        object.__setattr__(self, "_by_theme", by_theme)
        object.__setattr__(self, "_by_secondary", by_secondary)
        object.__setattr__(self, "_tagged_in", tagged_in)
        object.__setattr__(self, "_by_tag", by_tag)
        # A hidden paper is off its reading paths too: numbering, totals and previous/next
        # links count only the papers on the site.
        object.__setattr__(self, "paths", visible_paths(self.paths, self.by_slug))  # type: ignore[attr-defined]
        on_paths: dict[str, list[tuple[ReadingPath, int]]] = {}
        for path in self.paths:
            for index, step in enumerate(path.steps):
                on_paths.setdefault(step.paper, []).append((path, index))
        object.__setattr__(self, "_on_paths", on_paths)
        object.__setattr__(self, "memos", {})  # see memo()

    def memo(self, key: tuple, build):
        """The value (mostly a piece of HTML) kept under `key`, made by `build()` the first time
        it is asked for: a paper appears in the related lists and tables of many pages, a tag on
        many pages. Keys of HTML with relative links end with the page's depth."""
        value = self.memos.get(key, _UNBUILT)  # type: ignore[attr-defined]
        if value is _UNBUILT:
            value = self.memos[key] = build()  # type: ignore[attr-defined]
        return value

    def with_related(self, related: dict[str, tuple[str, ...]]) -> "Library":
        """This library with these related papers: `dataclasses.replace` without building the
        indexes of __post_init__ again. The papers are the same, so it shares them, and the
        memos made so far (none of which shows related papers)."""
        new = copy.copy(self)
        object.__setattr__(new, "related", related)
        return new

    def paper(self, slug: str) -> Paper | None:
        return self.by_slug.get(slug)  # type: ignore[attr-defined]

    def list_title(self, file: str) -> str:
        return self.source_titles.get(file, file)  # type: ignore[attr-defined]

    def in_theme(self, theme: Theme) -> list[Paper]:
        """The theme's own papers: those with it as primary theme, in site order."""
        return list(self._by_theme.get(theme.slug, ()))  # type: ignore[attr-defined]

    def secondary_in(self, theme: Theme) -> list[Paper]:
        """The papers with it as secondary theme, in site order."""
        return list(self._by_secondary.get(theme.slug, ()))  # type: ignore[attr-defined]

    def tagged_in(self, theme: Theme) -> list[Paper]:
        """The papers carrying one of its tags that have it as neither primary nor secondary
        theme, in site order."""
        return list(self._tagged_in.get(theme.slug, ()))  # type: ignore[attr-defined]

    def also_in(self, theme: Theme) -> int:
        """How many papers its page lists besides its own ("also on this topic")."""
        return len(self._by_secondary.get(theme.slug, ())) + len(self._tagged_in.get(theme.slug, ()))  # type: ignore[attr-defined]

    def has_papers(self, theme: Theme) -> bool:
        """Whether the theme has a page: papers of its own, or papers also on its topic."""
        return bool(self._by_theme.get(theme.slug) or self.also_in(theme))  # type: ignore[attr-defined]

    def with_tag(self, tag: Tag) -> list[Paper]:
        return list(self._by_tag.get(tag.slug, ()))  # type: ignore[attr-defined]

    def theme_of(self, paper: Paper) -> Theme | None:
        return self.taxonomy.theme(paper.theme)

    def secondary_theme_of(self, paper: Paper) -> Theme | None:
        return self.taxonomy.theme(paper.secondary_theme) if paper.secondary_theme else None

    def paths_with(self, slug: str) -> list[tuple[ReadingPath, int]]:
        """Every reading path the paper is on, with its 0-based position among the visible steps."""
        return list(self._on_paths.get(slug, ()))  # type: ignore[attr-defined]


def visible_paths(paths, on_site) -> tuple[ReadingPath, ...]:
    """The reading paths with only the steps whose paper is on the site (`on_site`: slugs);
    a path left with no step is left out."""
    out = []
    for path in paths:
        steps = tuple(step for step in path.steps if step.paper in on_site)
        if len(steps) == len(path.steps):
            out.append(path)
        elif steps:
            out.append(replace(path, steps=steps))
    return tuple(out)


def page_collisions(made) -> list[Problem]:
    """Errors for generated files that would be published at the same URL: the same docs path
    twice, or `x.md` and `x/index.md` (both x/); the later would silently replace the earlier.
    `made`: (docs path, what it is) of every generated file, in the order they are made."""
    first: dict[str, str] = {}
    problems = []
    for src, what in made:
        url = page_url(src)
        if url in first:
            problems.append(Problem("papershelf", None, None, f"{what} ({src}) would be published at "
                                    f"{url or './'}, where {first[url]} already is; rename one of them"))
        else:
            first[url] = f"{what} ({src})"
    return problems


# Where each generated page lives in docs/ (one place, so links cannot drift).
def paper_src(slug: str) -> str:
    return f"papers/{slug}.md"


def theme_src(slug: str) -> str:
    return f"themes/{slug}.md"


def path_src(slug: str) -> str:
    return f"paths/{slug}.md"


def tag_src(slug: str) -> str:
    return f"tags/{slug}.md"


HOME = "index.md"
ALL_PAPERS = "papers/index.md"
THEMES_INDEX = "themes/index.md"
TAGS_INDEX = "tags/index.md"
PATHS_INDEX = "paths/index.md"
WITH_CODE = "code.md"
STATS = "stats.md"
WHATS_NEW = "whats-new.md"
MY_LIST = "my-list.md"  # the reader's own list, kept in the browser (render/mylist.py)
