"""`papershelf explain`: why a paper has its tags and theme, and why a tag did not fire.

For each tag that scored, the strings that counted and where (title or abstract), the score and
what the tag needed; with `--tag`, the rules of that one tag that nearly matched (another ending
of a word, a phrase's words not in a row, a regex that matches if case is ignored, a match only
inside a URL, a match inside a longer one of the same tag) and its score against the threshold.
The CLI only prints these lines.
"""

from __future__ import annotations

import re

from .matching import rule_hits, rule_text
from .model import Paper
from .taxonomy import MAX_TAGS, MIN_SCORE, Hit, Rule, Tag, Taxonomy, rank, secondary_of

_WORDS = re.compile(r"[0-9a-z]+")


def _totals(hits: dict[str, list[Hit]], title_only: bool = False) -> dict[str, int]:
    return {slug: sum(h.score for h in tag_hits if not title_only or h.where == "title")
            for slug, tag_hits in hits.items()}


def _needed(tag: Tag, title_score: int) -> str:
    return (f"needs {MIN_SCORE} with a title hit" if title_score else
            f"found only in the abstract, needs {tag.min_abstract_score}")


def hit_lines(paper: Paper, taxonomy: Taxonomy) -> tuple[list[str], tuple[str, ...], str, str | None]:
    """Lines for every tag that scored (+ given, - not), and the rules' tags, theme and
    secondary theme."""
    hits = rule_hits(paper.title, paper.abstract, taxonomy)
    scores, titles = _totals(hits), _totals(hits, title_only=True)
    tags, theme = rank(scores, taxonomy, titles)
    secondary = secondary_of(tags, scores, taxonomy, theme, titles)
    lines = []
    for slug in sorted(hits, key=lambda s: (-scores[s], -titles[s], s)):
        tag = taxonomy.tag(slug)
        mark = "+" if slug in tags else "-"
        lines.append(f"  {mark} {slug} [{tag.theme}] score {scores[slug]} ({_needed(tag, titles[slug])})")
        for hit in hits[slug]:
            strings = ", ".join(repr(s) for s in hit.strings) or repr(hit.rule)
            lines.append(f"        {hit.where:8} {hit.score}  {strings}  (rule {hit.rule!r})")
    return lines, tags, theme, secondary


def _near(rule: Rule, text: str, shown: str) -> str | None:
    """Why `rule` nearly matched `text` (what the rules see of one field), or None."""
    lowered = text.lower()
    words = _WORDS.findall(lowered)
    if rule.pattern is not None:
        folded = re.compile(rule.pattern.pattern, rule.pattern.flags | re.IGNORECASE)
        if not rule.pattern.search(text) and (found := folded.search(text)):
            return f"matches {found.group(0)!r} if case is ignored (regexes are case-sensitive)"
        return None
    parts = _WORDS.findall(rule.text.lower())
    if not parts:
        return None
    prefix = rule.text.endswith("*")
    if len(parts) == 1:
        word = parts[0]
        stem = word[:max(4, len(word) - 3)]
        similar = sorted({w for w in words if w.startswith(stem) and w != word and not (prefix and w.startswith(word))})
        if similar:
            return f"the text has {', '.join(map(repr, similar[:4]))}, another ending of {rule.text!r}"
        return None
    present = [p for p in parts if any(w == p or (prefix and p == parts[-1] and w.startswith(p)) for w in words)]
    if len(present) == len(parts):
        return f"all the words of {rule.text!r} are there, but not in a row"
    missing = [p for p in parts if p not in present]
    if len(missing) == 1 and len(missing[0]) > 4:  # one word of it with another ending
        similar = sorted({w for w in words if w[:5] == missing[0][:5] and w != missing[0]})
        if similar:
            return f"the text has {' '.join(present)!r} and {similar[0]!r}, not {missing[0]!r}"
    return None


def why_not_lines(paper: Paper, taxonomy: Taxonomy, slug: str) -> list[str]:
    """Why tag `slug` did (or did not) fire on `paper`: its score against what it needed, and
    every rule of it that nearly matched, field by field."""
    tag = taxonomy.tag(slug)
    hits = rule_hits(paper.title, paper.abstract, taxonomy)
    scores, titles = _totals(hits), _totals(hits, title_only=True)
    tags, _ = rank(scores, taxonomy, titles)
    score, title_score = scores.get(slug, 0), titles.get(slug, 0)
    lines = [f"Tag {slug} [{tag.theme}]: score {score} ({_needed(tag, title_score)})."]
    if slug in tags:
        lines.append("  It fired.")
    elif score and score >= (MIN_SCORE if title_score else tag.min_abstract_score):
        lines.append(f"  Enough, but {MAX_TAGS} stronger tags came first (at most {MAX_TAGS} per paper).")
    elif score:
        lines.append("  Not enough: it did not fire.")
    else:
        lines.append("  No rule of it matched: it did not fire.")
    for hit in hits.get(slug, []):
        lines.append(f"  counted: {hit.rule!r} in the {hit.where} ({hit.score}): {', '.join(map(repr, hit.strings))}")
    counted = {(h.rule, h.where) for h in hits.get(slug, [])}
    near = []
    for where, raw in (("title", paper.title), ("abstract", paper.abstract)):
        seen = rule_text(raw)
        for rule in tag.rules:
            if (rule.text, where) in counted:
                continue
            single = _one_rule(taxonomy, tag, rule).matcher
            in_raw, in_seen = (bool(single.counts(text)[0]) for text in (raw, seen))
            if in_raw and not in_seen:
                near.append(f"  near: {rule.text!r} in the {where}: matches only inside a URL (URLs are not read)")
            elif in_seen:
                near.append(f"  near: {rule.text!r} in the {where}: its match lies inside a longer one of the "
                            f"same tag, counted once")
            elif (reason := _near(rule, seen, raw)):
                near.append(f"  near: {rule.text!r} in the {where}: {reason}")
    lines += near or ["  No rule of it nearly matched."]
    return lines


def _one_rule(taxonomy: Taxonomy, tag: Tag, rule: Rule) -> Taxonomy:
    """A taxonomy with only this rule (to test it alone)."""
    cache = taxonomy.__dict__.setdefault("_explain_single", {})
    key = (tag.slug, rule.kind, rule.text)
    if key not in cache:
        from dataclasses import replace

        cache[key] = Taxonomy(taxonomy.themes, (replace(tag, rules=(rule,)),))
    return cache[key]
