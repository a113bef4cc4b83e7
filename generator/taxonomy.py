"""`tags.yml`: themes and tags, and how papers get them.

A tag fires when its match rules hit a paper's text: a hit in the title weighs TITLE_WEIGHT, each
hit in the abstract one (at most ABSTRACT_CAP per rule, so one word repeated does not dominate).
A paper's tags are the tags scoring at least MIN_SCORE, strongest first, at most MAX_TAGS; a
paper with no such tag keeps its single best weaker hit, so few papers end up untagged. Its
theme is the theme whose tags score highest together, or `other`.

Words and phrases are matched on a normalised text (lower case, punctuation as spaces) with
substring search, which is fast enough for 10,000 papers; `*` at the end of a word matches any
ending (`quantiz*`). Regular expressions are for the rest (case-sensitive acronyms like `\\bMoE\\b`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem
from .validate import Checker, suggest
from .yamlio import YDict, YList, load_file, where

TITLE_WEIGHT = 3
ABSTRACT_CAP = 3
MIN_SCORE = 2
MAX_TAGS = 6
FALLBACK_THEME = "other"
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


@dataclass(frozen=True)
class Hit:
    """Why a tag fired: which rule matched where, and how much it counted."""

    tag: str
    rule: str
    where: str  # "title" or "abstract"
    score: int


@dataclass(frozen=True)
class Taxonomy:
    themes: tuple[Theme, ...]
    tags: tuple[Tag, ...]

    def theme(self, slug: str) -> Theme | None:
        return next((t for t in self.themes if t.slug == slug), None)

    def tag(self, slug: str) -> Tag | None:
        return self._tags.get(slug)

    @property
    def _tags(self) -> dict[str, Tag]:
        cache = self.__dict__.get("_tag_index")
        if cache is None:
            cache = {t.slug: t for t in self.tags}
            object.__setattr__(self, "_tag_index", cache)
        return cache

    @property
    def matcher(self) -> "Matcher":
        cache = self.__dict__.get("_matcher")
        if cache is None:
            cache = Matcher(self)
            object.__setattr__(self, "_matcher", cache)
        return cache

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
    (the separator is not shared between neighbouring matches).
    """
    return " " + "  ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split()) + " "


def _needle(text: str) -> str:
    prefix = text.endswith("*")
    core = normalise(text.rstrip("*"))
    return core[:-1] if prefix else core  # "quantiz*" -> " quantiz" (any ending)


_LOOKAROUND = re.compile(r"\(\?<?[!=](?:[^()\\]|\\.)*\)")


def required_literal(pattern: str) -> tuple[str, bool]:
    """A substring every match of `pattern` must contain ('' if we cannot tell), and whether it
    is case-insensitive. Lets us skip a regex for the many texts that lack its literal."""
    icase = pattern.startswith("(?i)")
    body = _LOOKAROUND.sub("", pattern.removeprefix("(?i)")).replace("\\b", "")
    if "|" in body or "(" in body:
        return "", icase
    runs, current, index = [], "", 0
    while index < len(body):
        char = body[index]
        if char.isalnum() or char in " -:μ":
            current += char
        elif char in "?*":
            current = current[:-1]
            runs.append(current)
            current = ""
        else:
            runs.append(current)
            current = ""
            if char == "\\":
                index += 1  # skip the escaped character (\w, \d, \s ...)
            elif char == "[":
                index = body.index("]", index) if "]" in body[index:] else len(body)
        index += 1
    runs.append(current)
    literal = max(runs, key=len)
    literal = literal if len(literal) >= 2 else ""
    return (literal.lower() if icase else literal), icase


class Matcher:
    """All rules of a taxonomy, indexed so scoring a text costs per word, not per rule.

    Word and phrase rules are indexed by their first word (exact, or its prefix for `word*`);
    only rules whose first word occurs in the text are counted. Regular expressions run only on
    texts containing their required literal.
    """

    def __init__(self, taxonomy: "Taxonomy"):
        self.rules: list[tuple[str, Rule]] = [(t.slug, r) for t in taxonomy.tags for r in t.rules]
        self.exact: dict[str, list[int]] = {}
        self.prefix: dict[str, list[int]] = {}
        self.regex: list[tuple[int, str, bool]] = []
        for index, (_, rule) in enumerate(self.rules):
            if rule.pattern is not None:
                literal, icase = required_literal(rule.text)
                self.regex.append((index, literal, icase))
                continue
            words = rule.needle.split()
            if len(words) == 1 and not rule.needle.endswith(" "):
                self.prefix.setdefault(words[0], []).append(index)
            else:
                self.exact.setdefault(words[0], []).append(index)
        self.prefix_lengths = sorted({len(p) for p in self.prefix})
        self._single = {i for i, (_, r) in enumerate(self.rules) if r.pattern is None and len(r.needle.split()) == 1}
        self._by_word: dict[str, tuple[int, ...]] = {}  # vocabulary cache: word -> candidate rules

    def _candidates(self, word: str) -> tuple[int, ...]:
        found = self._by_word.get(word)
        if found is None:
            hits = list(self.exact.get(word, ()))
            for length in self.prefix_lengths:
                if length > len(word):
                    break
                hits.extend(self.prefix.get(word[:length], ()))
            found = self._by_word[word] = tuple(hits)
        return found

    def counts(self, plain: str, normalised: str) -> dict[int, int]:
        """rule index -> number of hits in this text (absent when 0)."""
        out: dict[int, int] = {}
        phrases: set[int] = set()
        single = self._single
        lookup = self._candidates
        for word, freq in Counter(normalised.split()).items():
            for index in lookup(word):
                if index in single:  # one-word rule: its count is the word's frequency
                    out[index] = out.get(index, 0) + freq
                else:
                    phrases.add(index)
        for index in phrases:
            count = normalised.count(self.rules[index][1].needle)
            if count:
                out[index] = count
        lowered = None
        for index, literal, icase in self.regex:
            if literal:
                if icase:
                    lowered = plain.lower() if lowered is None else lowered
                    if literal not in lowered:
                        continue
                elif literal not in plain:
                    continue
            count = len(self.rules[index][1].pattern.findall(plain))
            if count:
                out[index] = count
        return out


def score_paper(title: str, abstract: str, taxonomy: Taxonomy) -> dict[str, list[Hit]]:
    """Every rule hit for every tag, by tag slug (tags with no hit are absent), in tags.yml order."""
    matcher = taxonomy.matcher
    in_title = matcher.counts(title, normalise(title))
    in_abstract = matcher.counts(abstract, normalise(abstract))
    hits: dict[str, list[Hit]] = {}
    for index in sorted(in_title.keys() | in_abstract.keys()):
        tag, rule = matcher.rules[index]
        if index in in_title:
            hits.setdefault(tag, []).append(Hit(tag, rule.text, "title", TITLE_WEIGHT))
        if index in in_abstract:
            hits.setdefault(tag, []).append(Hit(tag, rule.text, "abstract", min(in_abstract[index], ABSTRACT_CAP)))
    return hits


def choose(hits: dict[str, list[Hit]], taxonomy: Taxonomy) -> tuple[tuple[str, ...], str]:
    """Tags (strongest first, ties in tags.yml order) and the theme they point to."""
    order = {t.slug: i for i, t in enumerate(taxonomy.tags)}
    scores = {slug: sum(h.score for h in tag_hits) for slug, tag_hits in hits.items()}
    ranked = sorted(scores, key=lambda s: (-scores[s], order[s]))
    tags = [s for s in ranked if scores[s] >= MIN_SCORE][:MAX_TAGS] or ranked[:1]
    return tuple(tags), theme_of(tags, scores, taxonomy)


def theme_of(tags, scores: dict[str, int], taxonomy: Taxonomy) -> str:
    """The theme whose tags add up to the highest score; ties go to the earlier theme."""
    theme_order = {t.slug: t.order for t in taxonomy.themes}
    totals: dict[str, int] = {}
    for slug in tags:
        tag = taxonomy.tag(slug)
        if tag and tag.theme != FALLBACK_THEME:
            totals[tag.theme] = totals.get(tag.theme, 0) + max(scores.get(slug, 0), 1)
    if not totals:
        return FALLBACK_THEME
    return min(totals, key=lambda t: (-totals[t], theme_order.get(t, 0), t))


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
    check.keys(data, {"themes", "tags"}, "tags.yml")
    placed = _themes(data.get("themes"), data, check)
    themes = [theme for theme, _ in placed]
    tags = _tags(data.get("tags"), data, {t.slug for t in themes}, check)
    used = {t.theme for t in tags}
    for theme, item in placed:
        if theme.slug != FALLBACK_THEME and theme.slug not in used:
            check.error(item, f"theme '{theme.slug}' is empty: no tag belongs to it")
    if any(p.severity == "error" for p in check.problems):
        return None, check.problems
    return Taxonomy(tuple(themes), tuple(tags)), check.problems


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
        try:
            pattern = re.compile(str(text))
        except re.error as exc:
            check.error(text, f"invalid regular expression {str(text)!r} in tag '{tag_slug}': {exc.msg}")
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
        check.keys(item, {"slug", "label", "description", "theme", "match", "aliases"}, "a tag")
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
        tags.append(Tag(slug, label, check.string(item, "description", "tag", required=False) or "",
                        theme, tuple(rules), aliases))
    return tags
