"""`tags.yml`: its records (themes, tags, rules), loading and validating it, and ranking.

How rules hit a paper and what each hit scores is `matching.py`. A paper's tags are the tags
scoring at least MIN_SCORE with a hit in the title, or at least MIN_ABSTRACT_SCORE (a tag's
`min_abstract_score`) from the abstract alone, strongest first, at most MAX_TAGS: two passing
mentions in an abstract are not what a paper is about, so a paper may have no tag. Its theme
is the theme whose tags score highest together (ties: the one with more title evidence, then
the one with the strongest tag), or `other` when it has no tag. Its secondary theme, if tags.yml
has a `secondary_theme: {min_ratio: R}` rule, is the next theme in that order whose tags score
at least R times the best theme's: a paper on two topics is listed on both theme pages.

"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from pathlib import Path

from .errors import Problem
from .slugs import RESERVED
from .limits import MAX_REGEX_CHARS
from .regex_safety import unsafe_reason
from .validate import Checker, suggest
from .yamlio import YDict, YList, load_file, where

MIN_SCORE = 2
MIN_ABSTRACT_SCORE = 3  # a tag found only in the abstract (tags.yml's header says so; per tag: min_abstract_score)
MAX_TAGS = 6
FALLBACK_THEME = "other"
NO_THEME = "none"  # curation.yml's `secondary_theme: none`: so no theme may have this slug
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ICON = re.compile(r"^(material|fontawesome/[a-z]+|octicons|simple)/[a-z0-9-]+$")


@dataclass(frozen=True)
class Theme:
    slug: str
    title: str
    description: str
    icon: str
    order: int


@dataclass(frozen=True)
class Rule:
    """One match rule: a word/phrase (normalised substring) or a regular expression."""

    kind: str  # "word", "phrase" or "regex"
    text: str
    needle: str = ""  # normalised " word " form for word/phrase rules
    pattern: re.Pattern | None = None


@dataclass(frozen=True)
class Tag:
    slug: str
    label: str
    description: str
    theme: str
    rules: tuple[Rule, ...]
    aliases: tuple[str, ...]
    min_abstract_score: int = MIN_ABSTRACT_SCORE


@dataclass(frozen=True)
class Hit:
    """Why a tag fired: which rule matched where, and how much it counted."""

    tag: str
    rule: str
    where: str  # "title" or "abstract"
    score: int
    strings: tuple[str, ...] = ()  # what it matched there, as written


@dataclass(frozen=True)
class Taxonomy:
    themes: tuple[Theme, ...]
    tags: tuple[Tag, ...]
    # tags.yml `secondary_theme: {min_ratio: R}`: a second theme scoring at least R times the
    # best one is the paper's secondary theme. None (the setting left out): no secondary themes.
    # A Fraction, so "0.3" compares exactly (0.3 * 10 is not 3 in floating point).
    secondary_min_ratio: Fraction | None = None

    def theme(self, slug: str) -> Theme | None:
        return self._theme_index.get(slug)

    def tag(self, slug: str) -> Tag | None:
        return self._tags.get(slug)

    # Indexes built on first use (the dataclass is frozen; cached_property writes __dict__ directly).
    @cached_property
    def _tags(self) -> dict[str, Tag]:
        return {t.slug: t for t in self.tags}

    @cached_property
    def _theme_index(self) -> dict[str, Theme]:
        return {t.slug: t for t in reversed(self.themes)}  # the first of a slug wins, as before

    @cached_property
    def matcher(self):
        """The rules compiled for matching (`matching.Matcher`), made once per taxonomy."""
        from .matching import Matcher  # (matching.py imports these records)

        return Matcher(self)

    @cached_property
    def _tag_order(self) -> dict[str, int]:
        return {t.slug: i for i, t in enumerate(self.tags)}

    @cached_property
    def _theme_order(self) -> dict[str, int]:
        return {t.slug: t.order for t in self.themes}

    def resolve_tag(self, name: str) -> str | None:
        """A tag slug from its slug, label or alias (what curators may type in curation.yml)."""
        folded = name.casefold()
        for tag in self.tags:
            if folded in (tag.slug, tag.label.casefold(), *(a.casefold() for a in tag.aliases)):
                return tag.slug
        return None


def normalise(text: str) -> str:
    """Lower case, words joined by two spaces and padded: '  like  this '.

    Two spaces between words let `str.count(" like ")` see back-to-back repeats of a word
    (the separator is not shared between neighbouring matches). Rule needles are kept in this
    form; the matcher works on the same words, as numbers (`corpus.tokenize`).
    """
    return " " + "  ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split()) + " "


def _needle(text: str) -> str:
    prefix = text.endswith("*")
    core = normalise(text.rstrip("*"))
    return core[:-1] if prefix else core  # "quantiz*" -> " quantiz" (any ending)



def gives_tag(slug: str, scores: dict[str, int], title: dict[str, int], taxonomy: Taxonomy) -> bool:
    """Whether a tag's score is enough: MIN_SCORE with a title hit, else its min_abstract_score."""
    tag = taxonomy.tag(slug)
    needed = MIN_SCORE if title.get(slug, 0) > 0 else (tag.min_abstract_score if tag else MIN_ABSTRACT_SCORE)
    return scores[slug] >= needed


def rank(scores: dict[str, int], taxonomy: Taxonomy,
         title: dict[str, int] | None = None) -> tuple[tuple[str, ...], str]:
    """A paper's tags from their total scores and the part of them from the title (none:
    all from the abstract), strongest first (ties: more title evidence, then tags.yml order),
    and the theme they point to."""
    title = title or {}
    order = taxonomy._tag_order
    ranked = sorted(scores, key=lambda s: (-scores[s], -title.get(s, 0), order[s]))
    tags = [s for s in ranked if gives_tag(s, scores, title, taxonomy)][:MAX_TAGS]
    return tuple(tags), theme_of(tags, scores, taxonomy, title)


def _theme_totals(tags, scores: dict[str, int], taxonomy: Taxonomy,
                  title: dict[str, int]) -> dict[str, list[int]]:
    """Theme -> [its tags' summed score, their title score, its strongest tag's score]."""
    totals: dict[str, list[int]] = {}
    for slug in tags:
        tag = taxonomy.tag(slug)
        if tag and tag.theme != FALLBACK_THEME:
            score = max(scores.get(slug, 0), 1)
            total = totals.setdefault(tag.theme, [0, 0, 0])
            total[0] += score
            total[1] += title.get(slug, 0)
            total[2] = max(total[2], score)
    return totals


def _ranked_themes(totals: dict[str, list[int]], taxonomy: Taxonomy) -> list[str]:
    """Themes best first: highest total, then more title evidence, then the strongest tag,
    then theme order (and slug, so the order never depends on the tags' order)."""
    order = taxonomy._theme_order
    return sorted(totals, key=lambda t: (-totals[t][0], -totals[t][1], -totals[t][2], order.get(t, 0), t))


def theme_of(tags, scores: dict[str, int], taxonomy: Taxonomy, title: dict[str, int] | None = None) -> str:
    """The theme whose tags add up to the highest score; on a tie, the one whose tags have more
    title evidence, then the one with the single strongest tag; theme order only after that."""
    ranked = _ranked_themes(_theme_totals(tags, scores, taxonomy, title or {}), taxonomy)
    return ranked[0] if ranked else FALLBACK_THEME


def secondary_of(tags, scores: dict[str, int], taxonomy: Taxonomy, primary: str,
                 title: dict[str, int] | None = None) -> str | None:
    """The paper's secondary theme: the best-ranked theme other than `primary` whose tags score
    at least `secondary_min_ratio` times the best theme's total, or None. The best total, not
    the primary's, is the yardstick, so a curator's pinned primary leaves the rules' own best
    theme as the secondary (DistilBERT pinned to Distillation keeps Architectures)."""
    ratio = taxonomy.secondary_min_ratio
    if ratio is None:
        return None
    totals = _theme_totals(tags, scores, taxonomy, title or {})
    if not totals:
        return None
    best = max(total[0] for total in totals.values())
    return next((theme for theme in _ranked_themes(totals, taxonomy)
                 if theme != primary and totals[theme][0] >= ratio * best), None)


# ---------------------------------------------------------------- loading and validation

def load_taxonomy(path: Path) -> tuple[Taxonomy | None, list[Problem]]:
    """Load and validate tags.yml as a whole; Taxonomy is None when it has errors."""
    data, problems = load_file(path)
    check = Checker(path.name)
    check.problems.extend(problems)
    if data is None:
        if not problems:
            check.error(None, "file is empty: it needs 'themes' and 'tags'")
        return None, check.problems
    if not isinstance(data, YDict):
        check.error(data, "must be a mapping with 'themes' and 'tags'")
        return None, check.problems
    check.keys(data, {"themes", "tags", "secondary_theme"}, "tags.yml")
    placed = _themes(data.get("themes"), data, check)
    themes = [theme for theme, _ in placed]
    tags = _tags(data.get("tags"), data, {t.slug for t in themes}, check)
    used = {t.theme for t in tags}
    for theme, item in placed:
        if theme.slug != FALLBACK_THEME and theme.slug not in used:
            check.error(item, f"theme '{theme.slug}' is empty: no tag belongs to it")
    ratio = _secondary_rule(data, check)
    if any(p.severity == "error" for p in check.problems):
        return None, check.problems
    return Taxonomy(tuple(themes), tuple(tags), ratio), check.problems


def _secondary_rule(data: YDict, check: Checker) -> Fraction | None:
    """`secondary_theme: {min_ratio: R}`, R a number above 0 and at most 1 (None: left out)."""
    if "secondary_theme" not in data:
        return None
    value = data["secondary_theme"]
    if not isinstance(value, YDict):
        check.key_error(data, "secondary_theme", "'secondary_theme' must be a mapping like {min_ratio: 0.5}")
        return None
    check.keys(value, {"min_ratio"}, "secondary_theme")
    raw = value.get("min_ratio")
    if raw is None:
        check.error(value, "secondary_theme is missing 'min_ratio' (a number above 0 and at most 1, e.g. 0.5)")
        return None
    try:
        ratio = Fraction(str(raw).strip()) if isinstance(raw, str) else None
    except (ValueError, ZeroDivisionError):
        ratio = None
    if ratio is None or not 0 < ratio <= 1:
        check.error(raw, f"'min_ratio' of secondary_theme must be a number above 0 and at most 1, e.g. 0.5, "
                         f"not {raw!r}")
        return None
    return ratio


def _themes(value, parent: YDict, check: Checker) -> list[tuple[Theme, YDict]]:
    """Validated themes in display order, each with the mapping it came from (for messages)."""
    if not isinstance(value, YList) or not value:
        check.key_error(parent, "themes", "'themes' must be a non-empty list") if "themes" in parent \
            else check.error(parent, "missing 'themes'")
        return []
    themes: list[tuple[Theme, YDict]] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, YDict):
            check.error(item if item is not None else value, "each theme must be a mapping (slug, title, ...)")
            continue
        check.keys(item, {"slug", "title", "description", "icon", "order"}, "a theme")
        slug = check.string(item, "slug", "theme")
        title = check.string(item, "title", "theme")
        if slug is None or title is None:
            continue
        if not _SLUG.match(slug):
            check.error(item["slug"], f"theme slug '{slug}' must be lower-case words joined by hyphens")
            continue
        if slug in seen:
            check.error(item["slug"], f"theme '{slug}' is defined twice")
            continue
        if slug in RESERVED:  # its page would take the place of one of the site's own
            check.error(item["slug"], f"theme slug '{slug}' is reserved: themes/{slug}.md is one of the site's "
                                      "own pages (All themes); choose another slug")
            continue
        if slug == NO_THEME:
            check.error(item["slug"], f"theme slug '{NO_THEME}' is reserved: 'secondary_theme: {NO_THEME}' in "
                                      "curation.yml means no secondary theme; choose another slug")
            continue
        seen.add(slug)
        icon = check.string(item, "icon", "theme", required=False) or "material/tag-outline"
        if not _ICON.match(icon):
            check.error(item.get("icon"), f"icon '{icon}' is not a Material icon name like 'material/magnify'")
        theme = Theme(slug, title, check.string(item, "description", "theme", required=False) or "",
                      icon, check.integer(item, "order", index + 1))
        themes.append((theme, item))
    if themes and FALLBACK_THEME not in seen:
        check.error(value, f"themes must include '{FALLBACK_THEME}', the fallback theme")
    return sorted(themes, key=lambda pair: (pair[0].order, pair[0].slug))


def _rules(item: YDict, check: Checker, tag_slug: str) -> list[Rule]:
    match = item.get("match")
    if match is None:
        return []
    if not isinstance(match, YDict):
        check.key_error(item, "match", "'match' must be a mapping with words, phrases and/or regex")
        return []
    check.keys(match, {"words", "phrases", "regex"}, f"the match rules of tag '{tag_slug}'")
    rules: list[Rule] = []
    for kind, key in (("word", "words"), ("phrase", "phrases")):
        for text in check.string_list(match, key):
            needle = _needle(text)
            if not needle.strip():
                check.error(text, f"empty {kind} in tag '{tag_slug}'")
                continue
            rules.append(Rule(kind, str(text), needle=needle))
    for text in check.string_list(match, "regex"):
        if len(text) > MAX_REGEX_CHARS:
            check.error(text, f"regular expression in tag '{tag_slug}' is {len(text):,} characters, more than "
                              f"the limit of {MAX_REGEX_CHARS} (a long list of words belongs in 'words' or 'phrases')")
            continue
        try:
            pattern = re.compile(str(text))
        except re.error as exc:
            check.error(text, f"invalid regular expression {str(text)!r} in tag '{tag_slug}': {exc.msg}")
            continue
        except RecursionError:  # re's parser recurses once per nested group
            check.error(text, f"regular expression in tag '{tag_slug}' is nested too deeply")
            continue
        reason = unsafe_reason(pattern)
        if reason:
            check.error(text, f"regular expression {str(text)!r} in tag '{tag_slug}' could take very long "
                              f"on some texts: {reason}")
            continue
        if pattern.search(""):
            check.error(text, f"regular expression {str(text)!r} matches empty text; it would tag every paper")
            continue
        rules.append(Rule("regex", str(text), pattern=pattern))
    return rules


def _tags(value, parent: YDict, themes: set[str], check: Checker) -> list[Tag]:
    if not isinstance(value, YList):
        if "tags" in parent:
            check.key_error(parent, "tags", "'tags' must be a list")
        else:
            check.error(parent, "missing 'tags'")
        return []
    tags: list[Tag] = []
    seen: dict[str, int] = {}
    names: dict[str, str] = {}
    for item in value:
        if not isinstance(item, YDict):
            check.error(item if item is not None else value, "each tag must be a mapping (slug, label, theme, match)")
            continue
        check.keys(item, {"slug", "label", "description", "theme", "match", "aliases", "min_abstract_score"}, "a tag")
        slug = check.string(item, "slug", "tag")
        theme = check.string(item, "theme", "tag")
        if slug is None or theme is None:
            continue
        if not _SLUG.match(slug):
            check.error(item["slug"], f"tag slug '{slug}' must be lower-case words joined by hyphens")
            continue
        if slug in seen:
            check.error(item["slug"], f"tag '{slug}' is defined twice (first on line {seen[slug]})")
            continue
        seen[slug] = where(item["slug"])[0]
        if slug in RESERVED:  # its page would take the place of one of the site's own
            check.error(item["slug"], f"tag slug '{slug}' is reserved: tags/{slug}.md is one of the site's "
                                      "own pages (Tags); choose another slug")
            continue
        if theme not in themes:
            check.error(item["theme"], f"unknown theme '{theme}'{suggest(theme, themes)}")
        label = check.string(item, "label", "tag", required=False) or slug
        aliases = tuple(str(a) for a in check.string_list(item, "aliases"))
        for name in (label.casefold(), *(a.casefold() for a in aliases)):
            if names.get(name, slug) != slug:
                check.error(item, f"tag '{slug}' uses the name '{name}' that tag '{names[name]}' already has")
            names[name] = slug
        rules = _rules(item, check, slug)
        if not rules:
            check.warn(item, f"tag '{slug}' has no match rules; only curation.yml can add it")
        min_abstract = check.integer(item, "min_abstract_score", MIN_ABSTRACT_SCORE)
        if not 1 <= min_abstract <= 99:
            check.key_error(item, "min_abstract_score", f"'min_abstract_score' of tag '{slug}' must be from 1 to 99, "
                                                        f"not {min_abstract}")
        tags.append(Tag(slug, label, check.string(item, "description", "tag", required=False) or "",
                        theme, tuple(rules), aliases, min_abstract))
    return tags
