"""`curation.yml`: a curator's per-paper edits and reading paths. Hand-edited, never written.

Edits are keyed by paper slug. An entry whose slug no longer exists (a capture was removed, a
title changed) is reported with the closest existing slug and kept in the file untouched, so
nothing a curator wrote is ever dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem
from .model import STATUSES, Paper, replace_paper
from .slugs import RESERVED
from .taxonomy import FALLBACK_THEME, MAX_TAGS, NO_THEME, Taxonomy, secondary_of, theme_of
from .validate import Checker, suggest
from .yamlio import YDict, YList, load_file, where

_PATH_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_NOTE = 2000


@dataclass(frozen=True)
class Edit:
    """What curation.yml says about one paper."""

    slug: str
    tags_add: tuple[str, ...] = ()
    tags_remove: tuple[str, ...] = ()
    theme: str | None = None
    hidden: bool = False
    note: str | None = None
    status: str | None = None
    secondary_theme: str | None = None  # pinned secondary theme
    no_secondary: bool = False  # `secondary_theme: none`: no secondary theme, whatever the rules say


@dataclass(frozen=True)
class Step:
    paper: str
    note: str | None = None


@dataclass(frozen=True)
class ReadingPath:
    """A named, ordered list of papers: the curator's "read these, in this order"."""

    slug: str
    title: str
    description: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Curation:
    edits: dict[str, Edit]
    paths: tuple[ReadingPath, ...]


EMPTY = Curation({}, ())


def load_curation(path: Path, slugs: set[str], taxonomy: Taxonomy | None) -> tuple[Curation, list[Problem]]:
    """Validate curation.yml against the papers and tags that exist; every problem is reported."""
    if not path.exists():
        return EMPTY, []
    data, problems = load_file(path)
    check = Checker(path.name)
    check.problems.extend(problems)
    if data is None:
        return EMPTY, check.problems
    if not isinstance(data, YDict):
        check.error(data, "must be a mapping with 'papers' and/or 'paths'")
        return EMPTY, check.problems
    check.keys(data, {"papers", "paths"}, "curation.yml")
    edits = _edits(data.get("papers"), data, slugs, taxonomy, check)
    paths = _paths(data.get("paths"), data, slugs, check)
    return Curation(edits, paths), check.problems


def _unknown_slug(check: Checker, at, slug: str, slugs: set[str]) -> None:
    check.warn(at, f"unknown paper '{slug}'{suggest(slug, slugs)}; the entry is kept but not applied")


def _edits(value, parent: YDict, slugs: set[str], taxonomy: Taxonomy | None, check: Checker) -> dict[str, Edit]:
    if value is None:
        return {}
    if not isinstance(value, YDict):
        check.key_error(parent, "papers", "'papers' must be a mapping of paper slug to edits")
        return {}
    edits: dict[str, Edit] = {}
    tag_slugs = {t.slug for t in taxonomy.tags} if taxonomy else set()
    theme_slugs = {t.slug for t in taxonomy.themes} if taxonomy else set()
    for slug, item in value.items():
        key_at = YDict()
        key_at.line, key_at.col = value.key_pos[slug]
        if slug not in slugs:
            _unknown_slug(check, key_at, slug, slugs)
            continue
        if item is None:
            continue
        if not isinstance(item, YDict):
            check.error(key_at, f"edits for '{slug}' must be a mapping (tags_add, theme, note, ...)")
            continue
        check.keys(item, {"tags_add", "tags_remove", "theme", "secondary_theme", "hidden", "note", "status"},
                   f"'{slug}'")
        resolved: dict[str, list[str]] = {}
        for key in ("tags_add", "tags_remove"):
            resolved[key] = []
            for name in check.string_list(item, key):
                tag = taxonomy.resolve_tag(str(name)) if taxonomy else str(name)
                if tag is None:
                    check.error(name, f"unknown tag '{name}'{suggest(str(name), tag_slugs)}")
                    continue
                resolved[key].append(tag)
        theme = check.string(item, "theme", "", required=False)
        if theme is not None and taxonomy and theme not in theme_slugs:
            check.error(item["theme"], f"unknown theme '{theme}'{suggest(theme, theme_slugs)}")
            theme = None
        secondary = _secondary_pin(item, theme, theme_slugs if taxonomy else None, check)
        status = check.string(item, "status", "", required=False)
        if status is not None and status not in STATUSES:
            check.error(item["status"], f"unknown status '{status}' (one of: {', '.join(STATUSES)})"
                        f"{suggest(status, STATUSES)}")
            status = None
        note = check.string(item, "note", "", required=False)
        if note is not None and len(note) > MAX_NOTE:
            check.error(item["note"], f"note is longer than {MAX_NOTE} characters")
            note = None
        edits[slug] = Edit(slug, tuple(resolved["tags_add"]), tuple(resolved["tags_remove"]), theme,
                           check.boolean(item, "hidden"), note, status,
                           secondary if secondary != NO_SECONDARY else None, secondary == NO_SECONDARY)
    return edits


NO_SECONDARY = NO_THEME  # `secondary_theme: none` (tags.yml cannot make a theme of that slug)


def _secondary_pin(item: YDict, theme: str | None, theme_slugs: set[str] | None, check: Checker) -> str | None:
    """A paper's `secondary_theme:` pin: a theme slug, NO_SECONDARY, or None (not pinned or
    wrong). Not `other` (the fallback is no topic) and not the same as its pinned `theme:`."""
    secondary = check.string(item, "secondary_theme", "", required=False)
    if secondary is None or secondary == NO_SECONDARY:
        return secondary
    if secondary == FALLBACK_THEME:
        check.error(item["secondary_theme"], f"'{FALLBACK_THEME}' cannot be a secondary theme (it holds the papers "
                    f"no theme fits); write 'secondary_theme: {NO_SECONDARY}' for no secondary theme")
        return None
    if theme_slugs is not None and secondary not in theme_slugs:
        check.error(item["secondary_theme"], f"unknown theme '{secondary}'{suggest(secondary, theme_slugs)} "
                    f"(or '{NO_SECONDARY}' for no secondary theme)")
        return None
    if secondary == theme:
        check.error(item["secondary_theme"], f"secondary theme '{secondary}' is the same as the pinned theme; "
                    "choose another, or leave it out")
        return None
    return secondary


def _paths(value, parent: YDict, slugs: set[str], check: Checker) -> tuple[ReadingPath, ...]:
    if value is None:
        return ()
    if not isinstance(value, YList):
        check.key_error(parent, "paths", "'paths' must be a list of reading paths")
        return ()
    paths: list[ReadingPath] = []
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, YDict):
            check.error(item if item is not None else value, "each reading path must be a mapping (slug, title, steps)")
            continue
        check.keys(item, {"slug", "title", "description", "steps"}, "a reading path")
        slug, title = check.string(item, "slug", "reading path"), check.string(item, "title", "reading path")
        if slug is None or title is None:
            continue
        if not _PATH_SLUG.match(slug) or slug in seen:
            check.error(item["slug"], f"reading path slug '{slug}' must be unique, lower-case words joined by hyphens")
            continue
        if slug in RESERVED:
            check.error(item["slug"], f"reading path slug '{slug}' is reserved: paths/{slug}.md is one of the "
                        "site's own pages (All reading paths); choose another slug")
            continue
        seen.add(slug)
        steps_value = item.get("steps")
        if not isinstance(steps_value, YList) or not steps_value:
            check.error(item, f"reading path '{slug}' needs a non-empty list of steps")
            continue
        steps: list[Step] = []
        for step in steps_value:
            if isinstance(step, str):
                step_map = YDict(paper=step)
                step_map.key_pos = {"paper": where(step)}
                step_map.line, step_map.col = where(step)
                step = step_map
            if not isinstance(step, YDict):
                check.error(step if step is not None else steps_value, "a step is a paper slug or a mapping with 'paper' and 'note'")
                continue
            check.keys(step, {"paper", "note"}, "a reading-path step")
            paper = check.string(step, "paper", "step")
            if paper is None:
                continue
            if paper not in slugs:
                _unknown_slug(check, step["paper"], paper, slugs)
                continue
            if any(s.paper == paper for s in steps):
                check.error(step["paper"], f"paper '{paper}' is twice in reading path '{slug}'")
                continue
            steps.append(Step(paper, check.string(step, "note", "step", required=False)))
        if steps:
            paths.append(ReadingPath(slug, title, check.string(item, "description", "", required=False) or "",
                                     tuple(steps)))
    return tuple(paths)


def apply_edits(paper: Paper, edit: Edit | None, taxonomy: Taxonomy, scores: dict[str, int],
                title: dict[str, int] | None = None) -> Paper:
    """The paper with its curator's edits: tags added/removed, themes pinned, note, status, hidden.

    Where the tags or the primary theme changed, the secondary theme is worked out again from
    the rule (`taxonomy.secondary_of`) unless it is pinned too; a pinned secondary theme that
    turns out to be the paper's primary one is dropped (a paper is listed once per theme)."""
    if edit is None:
        return paper
    tags = [t for t in paper.tags if t not in edit.tags_remove]
    for tag in edit.tags_add:
        if tag not in tags:
            tags.insert(0, tag)  # a curator's tag is stronger than any rule
    tags = tags[: max(MAX_TAGS, len(edit.tags_add))]
    retagged = bool(edit.tags_add or edit.tags_remove)
    theme = edit.theme or (theme_of(tags, scores, taxonomy, title) if retagged else paper.theme)
    if edit.no_secondary:
        secondary = None
    elif edit.secondary_theme:
        secondary = edit.secondary_theme if edit.secondary_theme != theme else None
    elif retagged or edit.theme:
        secondary = secondary_of(tags, scores, taxonomy, theme, title)
    else:
        secondary = paper.secondary_theme
    return replace_paper(paper, tags=tuple(tags), theme=theme, secondary_theme=secondary, note=edit.note,
                         status=edit.status, hidden=edit.hidden)
