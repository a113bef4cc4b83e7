"""Primary and secondary themes (issue 19, item 1) on the real seeds: the tags.yml rule, the
curation.yml pins and their messages, what theme pages list and count, and determinism.

Expectations come from the pipeline's records (tag scores, the taxonomy, the Library), never from
the HTML under test.
"""

from __future__ import annotations

import re
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import ROOT, papershelf
from generator.curation import apply_edits, load_curation
from generator.library import paper_src, theme_src
from generator.model import replace_paper
from generator.render.markup import href
from generator.site import build_site, load_inputs, remembered_tag_scores
from generator.taxonomy import FALLBACK_THEME, load_taxonomy, rank, secondary_of

DISTILBERT = "distilbert-a-distilled-version-of-bert-smaller-faster-cheaper-and-lighter"


@pytest.fixture(scope="module")
def inputs():
    papers, _, taxonomy, curation, _ = load_inputs(ROOT)
    return papers, taxonomy, curation


def _totals(tags, scores, taxonomy) -> dict[str, int]:
    """Each theme's summed tag score, worked out here from the rule's words in tags.yml."""
    totals: dict[str, int] = {}
    for slug in tags:
        theme = taxonomy.tag(slug).theme
        if theme != FALLBACK_THEME:
            totals[theme] = totals.get(theme, 0) + max(scores.get(slug, 0), 1)
    return totals


# ---------------------------------------------------------------- the rule


def test_seed_tags_yml_sets_the_rule(inputs):
    _, taxonomy, _ = inputs
    assert taxonomy.secondary_min_ratio == Fraction(1, 2)


def test_every_unedited_paper_follows_the_rule(inputs, seed_site):
    """A secondary theme exactly where the second-best theme scores at least min_ratio of the best."""
    papers, taxonomy, curation = inputs
    ratio = taxonomy.secondary_min_ratio
    classified = {p.slug: p for p in seed_site.all_papers}
    checked = with_secondary = 0
    for paper, (scores, _) in zip(papers, remembered_tag_scores(papers, taxonomy)):
        if paper.slug in curation.edits:
            continue
        final = classified[paper.slug]
        totals = _totals(final.tags, scores, taxonomy)
        others = {theme: total for theme, total in totals.items() if theme != final.theme}
        close = {theme for theme, total in others.items() if total >= ratio * max(totals.values())}
        if final.secondary_theme is None:
            assert not close, (paper.slug, totals)
        else:
            with_secondary += 1
            assert final.secondary_theme in close, (paper.slug, totals, final.secondary_theme)
            assert others[final.secondary_theme] == max(others.values()), (paper.slug, totals)
            assert final.secondary_theme != final.theme
        checked += 1
    assert checked > 600 and 0 < with_secondary < checked


def test_boundary_is_inclusive_and_exact(inputs):
    """Two tags of different themes, scores 4 and 2: 1/2 gives a secondary theme, 0.6 does not;
    with 0.3, 10 and 3 pass (a float 0.3 * 10 would be 3.0000000000000004 and refuse it)."""
    _, taxonomy, _ = inputs
    first = taxonomy.tags[0]
    second = next(t for t in taxonomy.tags if t.theme not in (first.theme, FALLBACK_THEME))
    tags = (first.slug, second.slug)
    for ratio, scores, expected in [("1/2", {first.slug: 4, second.slug: 2}, second.theme),
                                    ("0.6", {first.slug: 4, second.slug: 2}, None),
                                    ("0.3", {first.slug: 10, second.slug: 3}, second.theme)]:
        rule = replace(taxonomy, secondary_min_ratio=Fraction(ratio))
        assert secondary_of(tags, scores, rule, first.theme) == expected, ratio
    no_rule = replace(taxonomy, secondary_min_ratio=None)
    assert secondary_of(tags, {first.slug: 4, second.slug: 4}, no_rule, first.theme) is None


def test_without_the_setting_no_paper_has_a_secondary_theme(tmp_path):
    text = (ROOT / "tags.yml").read_text(encoding="utf-8")
    (tmp_path / "tags.yml").write_text(re.sub(r"(?m)^secondary_theme:\n  min_ratio: .*\n", "", text), encoding="utf-8")
    taxonomy, problems = load_taxonomy(tmp_path / "tags.yml")
    assert taxonomy is not None and not problems and taxonomy.secondary_min_ratio is None
    papers = load_inputs(ROOT)[0]
    for paper, (scores, title) in list(zip(papers, remembered_tag_scores(papers, taxonomy)))[:200]:
        tags, theme = rank(scores, taxonomy, title)
        assert secondary_of(tags, scores, taxonomy, theme, title) is None


# ---------------------------------------------------------------- tags.yml errors


def _tags_yml(tmp_path: Path, setting: str) -> tuple[Path, int]:
    """A copy of tags.yml with the secondary_theme block replaced; (its path, the block's line)."""
    text = (ROOT / "tags.yml").read_text(encoding="utf-8")
    block = "secondary_theme:\n  min_ratio: 0.5\n"
    assert block in text
    line = text[:text.index(block)].count("\n") + 1
    path = tmp_path / "tags.yml"
    path.write_text(text.replace(block, setting, 1), encoding="utf-8")
    return path, line


@pytest.mark.parametrize("setting, at, message", [
    ("secondary_theme:\n  min_ratio: 0\n", (1, 14),
     "'min_ratio' of secondary_theme must be a number above 0 and at most 1, e.g. 0.5, not '0'"),
    ("secondary_theme:\n  min_ratio: 1.5\n", (1, 14),
     "'min_ratio' of secondary_theme must be a number above 0 and at most 1, e.g. 0.5, not '1.5'"),
    ("secondary_theme:\n  min_ratio: half\n", (1, 14),
     "'min_ratio' of secondary_theme must be a number above 0 and at most 1, e.g. 0.5, not 'half'"),
    ("secondary_theme:\n  min_ration: 0.5\n", (1, 3),
     "unknown key 'min_ration' in secondary_theme (did you mean 'min_ratio'?)"),
    ("secondary_theme: 0.5\n", (0, 1), "'secondary_theme' must be a mapping like {min_ratio: 0.5}"),
])
def test_tags_yml_setting_errors_name_line_and_column(tmp_path, setting, at, message):
    path, line = _tags_yml(tmp_path, setting)
    taxonomy, problems = load_taxonomy(path)
    assert taxonomy is None
    errors = [str(p) for p in problems if p.severity == "error"]
    if at[1] == 14:  # (the value's own column: after "  min_ratio: ")
        assert errors == [f"tags.yml:{line + at[0]}:{at[1]}: {message}"]
    else:
        assert len(errors) >= 1 and errors[0] == f"tags.yml:{line + at[0]}:{at[1]}: {message}", errors


def test_missing_min_ratio_is_an_error(tmp_path):
    path, line = _tags_yml(tmp_path, "secondary_theme:\n  other_key: 1\n")
    _, problems = load_taxonomy(path)
    messages = [p.message for p in problems]
    assert any(m.startswith("unknown key 'other_key' in secondary_theme") for m in messages)
    assert any(m.startswith("secondary_theme is missing 'min_ratio'") for m in messages)
    assert all(p.file == "tags.yml" and p.line == line + 1 for p in problems), [str(p) for p in problems]


def test_theme_slug_none_is_reserved(tmp_path):
    text = (ROOT / "tags.yml").read_text(encoding="utf-8")
    old = "  - slug: distillation\n"
    line = text[:text.index(old)].count("\n") + 1
    text = text.replace(old, "  - slug: none\n", 1).replace("theme: distillation\n", "theme: none\n")
    (tmp_path / "tags.yml").write_text(text, encoding="utf-8")
    _, problems = load_taxonomy(tmp_path / "tags.yml")
    assert f"tags.yml:{line}:11: theme slug 'none' is reserved: 'secondary_theme: none' in curation.yml means " \
           "no secondary theme; choose another slug" in [str(p) for p in problems]


# ---------------------------------------------------------------- curation.yml pins


def _curation(tmp_path: Path, body: str, inputs) -> tuple:
    papers, taxonomy, _ = inputs
    path = tmp_path / "curation.yml"
    path.write_text(f"papers:\n  {DISTILBERT}:\n{body}", encoding="utf-8")
    return load_curation(path, {p.slug for p in papers}, taxonomy)


@pytest.mark.parametrize("body, message", [
    ("    secondary_theme: distilation\n",
     "3:22: unknown theme 'distilation' (did you mean 'distillation'?) (or 'none' for no secondary theme)"),
    ("    secondary_theme: other\n",
     "3:22: 'other' cannot be a secondary theme (it holds the papers no theme fits); write "
     "'secondary_theme: none' for no secondary theme"),
    ("    theme: distillation\n    secondary_theme: distillation\n",
     "4:22: secondary theme 'distillation' is the same as the pinned theme; choose another, or leave it out"),
    ("    secondary_theme: [compression]\n", "3:5: 'secondary_theme' must be a string"),
    ("    secondary-theme: compression\n",
     "3:5: unknown key 'secondary-theme' in '" + DISTILBERT + "' (did you mean 'secondary_theme'?)"),
])
def test_curation_pin_errors_name_line_and_column(tmp_path, inputs, body, message):
    _, problems = _curation(tmp_path, body, inputs)
    assert [str(p) for p in problems] == [f"curation.yml:{message}"]


def _scored(inputs, slug):
    papers, taxonomy, _ = inputs
    number = next(i for i, p in enumerate(papers) if p.slug == slug)
    scores, title = remembered_tag_scores(papers, taxonomy)[number]
    tags, theme = rank(scores, taxonomy, title)
    rules = replace_paper(papers[number], tags=tags, theme=theme,
                          secondary_theme=secondary_of(tags, scores, taxonomy, theme, title))
    return rules, scores, title


def test_curation_pins_apply(tmp_path, inputs):
    _, taxonomy, _ = inputs
    rules, scores, title = _scored(inputs, DISTILBERT)
    assert rules.secondary_theme is not None  # (the seeds: the rules give DistilBERT two themes)
    other = next(t.slug for t in taxonomy.themes if t.slug not in (rules.theme, rules.secondary_theme, FALLBACK_THEME))

    def final(body):
        curation, problems = _curation(tmp_path, body, inputs)
        assert not problems, [str(p) for p in problems]
        return apply_edits(rules, curation.edits[DISTILBERT], taxonomy, scores, title)

    assert final(f"    secondary_theme: {other}\n").secondary_theme == other
    assert final("    secondary_theme: none\n").secondary_theme is None
    # A pinned primary: the rules' best theme, displaced, becomes the secondary one.
    pinned = final(f"    theme: {other}\n")
    assert (pinned.theme, pinned.secondary_theme) == (other, rules.theme)
    assert final(f"    theme: {other}\n    secondary_theme: none\n").secondary_theme is None
    # A pinned secondary that is the rules' primary theme is dropped: a paper is on a page once.
    assert final(f"    secondary_theme: {rules.theme}\n").secondary_theme is None
    # Only a note: the rules' themes stay.
    noted = final("    note: hello\n")
    assert (noted.theme, noted.secondary_theme) == (rules.theme, rules.secondary_theme)


def test_seed_curation_pins_distilbert_to_distillation(seed_site, inputs):
    rules, _, _ = _scored(inputs, DISTILBERT)
    paper = seed_site.library.paper(DISTILBERT)
    assert paper.theme == "distillation" and rules.theme != "distillation"
    assert paper.secondary_theme == rules.theme


def test_explain_shows_both_themes():
    result = papershelf("explain", DISTILBERT)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^By the rules: tags .*; theme \S+; secondary theme \S+$", result.stdout, re.M), result.stdout
    assert re.search(r"^Final: tags .*; theme distillation; secondary theme \S+; status must-read$",
                     result.stdout, re.M), result.stdout


# ---------------------------------------------------------------- theme pages


def _listed(page_text: str, src: str) -> set[str]:
    return {m for m in re.findall(r'href="([^"]+)"', page_text) if m.startswith(href(src, "papers/"))}


def test_distillation_page_lists_and_counts_every_paper_tagged_knowledge_distillation(seed_site):
    lib = seed_site.library
    theme = lib.taxonomy.theme("distillation")
    tag = lib.taxonomy.tag("knowledge-distillation")
    assert tag.theme == theme.slug
    tagged = lib.with_tag(tag)
    own, secondary, also = lib.in_theme(theme), lib.secondary_in(theme), lib.tagged_in(theme)
    src = theme_src(theme.slug)
    text = seed_site.pages[src].body
    listed = _listed(text, src)
    assert {href(src, paper_src(p.slug)) for p in tagged} <= listed
    counted = re.search(r'<p class="ps-counts"><strong>(\d+)</strong> papers, plus <strong>(\d+)</strong> also on '
                        r'this topic \((\d+) with it as secondary theme, (\d+) that carry its tags\)', text)
    assert counted, text[:2000]
    numbers = tuple(map(int, counted.groups()))
    assert numbers == (len(own), len(secondary) + len(also), len(secondary), len(also))
    assert numbers[0] + numbers[1] >= len(tagged) > numbers[0]
    # Each paper once, in the right table: its own, secondary, or also tagged.
    slugs = [p.slug for p in own + secondary + also]
    assert len(slugs) == len(set(slugs))
    assert all(p.theme == theme.slug for p in own)
    assert all(p.secondary_theme == theme.slug for p in secondary)
    assert all(p.theme != theme.slug and p.secondary_theme != theme.slug
               and any(lib.taxonomy.tag(t).theme == theme.slug for t in p.tags) for p in also)


def test_every_theme_page_holds_every_paper_of_its_tags_and_the_nav_counts_both(seed_site):
    lib = seed_site.library
    nav = {src: title for item in seed_site.nav()[1]["Themes"][1:] for title, src in item.items()}
    for theme in lib.taxonomy.themes:
        if not lib.has_papers(theme):
            continue
        src = theme_src(theme.slug)
        expected = {p.slug for p in lib.papers
                    if p.theme == theme.slug or p.secondary_theme == theme.slug
                    or any(lib.taxonomy.tag(t) and lib.taxonomy.tag(t).theme == theme.slug for t in p.tags)}
        shown = [p.slug for p in lib.in_theme(theme) + lib.secondary_in(theme) + lib.tagged_in(theme)]
        assert sorted(shown) == sorted(expected), theme.slug
        assert {href(src, paper_src(s)) for s in expected} <= _listed(seed_site.pages[src].body, src)
        own, also = len(lib.in_theme(theme)), len(expected) - len(lib.in_theme(theme))
        assert nav[src].endswith(f"({own} + {also})" if also else f"({own})"), nav[src]


def test_site_is_deterministic(seed_site):
    again = build_site(ROOT)
    assert again.files() == seed_site.files()
    assert [(p.slug, p.theme, p.secondary_theme) for p in again.all_papers] == \
        [(p.slug, p.theme, p.secondary_theme) for p in seed_site.all_papers]


def test_check_reports_a_bad_pin_as_file_line(project):
    path = project / "curation.yml"
    text = path.read_text(encoding="utf-8")
    old = f"  {DISTILBERT}:\n"
    line = text[:text.index(old)].count("\n") + 2
    path.write_text(text.replace(old, old + "    secondary_theme: compresion\n", 1), encoding="utf-8")
    result = papershelf("check", "--root", str(project))
    assert result.returncode == 1
    assert f"Error: curation.yml:{line}:22: unknown theme 'compresion' (did you mean 'compression'?) " \
           "(or 'none' for no secondary theme)" in result.stderr.splitlines(), result.stderr


def test_theme_page_ids_are_unique(seed_site):
    """Headings and tables of the three sections each have their own id (anchors and the
    filters' data-table find them)."""
    for src, page in seed_site.pages.items():
        if src.startswith("themes/"):
            ids = re.findall(r'\sid="([^"]+)"', page.body)
            assert len(ids) == len(set(ids)), (src, sorted(i for i in ids if ids.count(i) > 1))
