"""Tags a reader can trust (issue 18): precision on seed papers a person judged by reading them.

`tests/data/judged.yml` holds 64 seed papers drawn at random, each with the tags that say what it
is about (`right`), the tags some rule matched that it is not about (`wrong`) and the theme a
researcher would shelve it under. The site's tags on them must be right at least PRECISION_FLOOR
of the time, and every tag the site gives them must have a verdict (a new rule that tags one of
them makes this test ask for one). `python tests/test_judged.py` prints the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

JUDGED = Path(__file__).parent / "data" / "judged.yml"
PRECISION_FLOOR = 0.85
THEME_FLOOR = 0.85  # the theme a researcher would pick, or one they called acceptable


@dataclass
class Score:
    papers: int
    tags: int
    right: int
    unjudged: list[tuple[str, str]]
    theme_exact: int
    theme_ok: int
    misses: list[tuple[str, str, str]]  # (slug, site's theme, judged theme)

    @property
    def precision(self) -> float:
        return self.right / self.tags if self.tags else 1.0

    def summary(self) -> str:
        return (f"tag precision {self.precision:.1%} ({self.right}/{self.tags}) on {self.papers} papers; "
                f"theme: {self.theme_exact}/{self.papers} the judged theme, {self.theme_ok}/{self.papers} "
                f"the judged or an acceptable one")


def load_judged() -> list[dict]:
    return yaml.safe_load(JUDGED.read_text(encoding="utf-8"))["papers"]


def score(papers, judged: list[dict] | None = None, old: bool = False) -> Score:
    """The site's tags and themes on the judged papers. `old`: compare themes with the verdicts
    for the taxonomy before issue 18 (for the report's "before" column)."""
    judged = judged if judged is not None else load_judged()
    by_slug = {p.slug: p for p in papers}
    tags = right = exact = ok = 0
    unjudged, misses = [], []
    for verdict in judged:
        paper = by_slug[verdict["slug"]]
        for tag in paper.tags:
            tags += 1
            if tag in verdict["right"]:
                right += 1
            elif tag not in verdict["wrong"]:
                unjudged.append((paper.slug, tag))
        theme = verdict.get("old_theme", verdict["theme"]) if old else verdict["theme"]
        also = verdict.get("old_also", verdict.get("also", [])) if old else verdict.get("also", [])
        exact += paper.theme == theme
        ok += paper.theme == theme or paper.theme in also
        if paper.theme != theme:
            misses.append((paper.slug, paper.theme, theme))
    return Score(len(judged), tags, right, unjudged, exact, ok, misses)


def test_the_judged_set_is_a_real_sample(seed_site):
    judged = load_judged()
    slugs = {p.slug for p in seed_site.library.papers}
    assert len(judged) >= 60
    assert all(v["slug"] in slugs for v in judged), [v["slug"] for v in judged if v["slug"] not in slugs]
    assert all(not set(v["right"]) & set(v["wrong"]) for v in judged)


def test_tag_precision_on_the_judged_papers(seed_site):
    result = score(seed_site.library.papers)
    print(result.summary())
    assert not result.unjudged, f"tags with no verdict in {JUDGED.name} (judge them): {result.unjudged}"
    assert result.precision >= PRECISION_FLOOR, result.summary()


def test_theme_agreement_on_the_judged_papers(seed_site):
    result = score(seed_site.library.papers)
    print(result.summary())
    assert result.theme_ok >= THEME_FLOOR * result.papers, (result.summary(), result.misses)


if __name__ == "__main__":
    from generator.site import build_site

    print(score(build_site(Path(__file__).parent.parent).library.papers).summary())
