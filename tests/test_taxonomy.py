"""Themes and tags from tags.yml: the quality bar on the seeds, known papers, curation edits."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import mkdocs_build

EXPECTED_THEMES = ["retrieval", "small-models", "distillation", "peft", "compression", "efficient-inference",
                   "architectures", "scaling", "training", "reasoning", "prompting", "alignment", "multimodal",
                   "speech", "multilingual", "diffusion", "evaluation", "code", "science", "applications", "other"]


def test_default_themes_are_the_fixed_set_in_order(seed_site):
    assert [t.slug for t in seed_site.library.taxonomy.themes] == EXPECTED_THEMES


def test_quality_bar_on_the_seeds(seed_site):
    papers = seed_site.library.papers
    tags = seed_site.library.taxonomy.tags
    assert len(papers) == 680
    in_other = [p.slug for p in papers if p.theme == "other"]
    assert len(in_other) <= 0.03 * len(papers), in_other
    assert all(len(p.tags) <= 6 for p in papers), [p.slug for p in papers if len(p.tags) > 6]
    # Two passing mentions in an abstract are no tag (issue 18): a paper no rule places is in 'other'.
    assert all(p.tags or p.theme == "other" for p in papers), [p.slug for p in papers if not p.tags]
    assert len(tags) >= 60
    usage = Counter(t for p in papers for t in p.tags)
    assert all(usage[t.slug] >= 2 for t in tags), [t.slug for t in tags if usage[t.slug] < 2]


def test_home_says_how_many_papers_are_in_other(seed_site):
    other = [p for p in seed_site.library.papers if p.theme == "other"]
    assert other  # astronomy without machine learning, at least
    assert f"<strong>{len(other)}</strong> fit no theme and are in <a href=\"themes/other/\">Other</a>" \
        in seed_site.pages["index.md"].text()


def test_split_themes_hold_what_issue_18_moved_into_them(seed_site):
    taxonomy = seed_site.library.taxonomy
    assert taxonomy.tag("in-context-learning").theme == "prompting"
    assert taxonomy.tag("code-generation").theme == "code" and taxonomy.tag("medical").theme == "science"
    assert taxonomy.tag("scaling-laws").theme == "scaling" and taxonomy.tag("tokenization").theme == "training"
    gaia = next(p for p in seed_site.library.papers if p.slug.startswith("gaia-data-release-3"))
    assert gaia.tags == ("astronomy",) and gaia.theme == "other"


@pytest.mark.parametrize("prefix,theme,tags", [
    ("end-to-end-training-of-neural-retrievers", "retrieval", {"dense-retrieval"}),
    ("maskllm-learnable-semi-structured-sparsity", "compression", {"pruning"}),
    ("distilling-step-by-step", "distillation", {"knowledge-distillation"}),
    ("swedish-whispers", "speech", {"speech"}),
    ("mixlora", "peft", {"lora", "mixture-of-experts"}),
])
def test_known_seed_papers_get_their_expected_theme_and_tags(seed_site, prefix, theme, tags):
    paper = next(p for p in seed_site.library.papers if p.slug.startswith(prefix))
    assert paper.theme == theme
    assert tags <= set(paper.tags)


def test_tags_are_strongest_first_and_deterministic(seed_site):
    from generator.matching import rule_hits as score_paper

    taxonomy = seed_site.library.taxonomy
    for paper in seed_site.library.papers[:200]:
        hits = score_paper(paper.title, paper.abstract, taxonomy)
        scores = [sum(h.score for h in hits[t]) for t in paper.tags if t in hits]
        if paper.note is None and paper.slug not in seed_site.curation.edits:
            assert scores == sorted(scores, reverse=True)
        assert choose(hits, taxonomy) == choose(score_paper(paper.title, paper.abstract, taxonomy), taxonomy)


def test_title_hits_weigh_more_than_abstract_hits():
    from generator.matching import rule_hits as score_paper
    from generator.taxonomy import Rule, Tag, Taxonomy, Theme, normalise

    themes = (Theme("a", "A", "", "material/magnify", 1), Theme("other", "Other", "", "material/magnify", 2))
    rule = lambda w: (Rule("word", w, needle=normalise(w)),)  # noqa: E731
    taxonomy = Taxonomy(themes, (Tag("x", "X", "", "a", rule("alpha"), ()), Tag("y", "Y", "", "a", rule("beta"), ())))
    tags, theme = choose(score_paper("About beta", "alpha alpha and alpha.", taxonomy), taxonomy)
    assert tags == ("y", "x") and theme == "a"  # 3 abstract hits (3) tie a title hit (3): the title's first
    tags, _ = choose(score_paper("About beta", "alpha alpha.", taxonomy), taxonomy)
    assert tags == ("y",)  # found only in the abstract, a tag needs MIN_ABSTRACT_SCORE (3)
    assert choose(score_paper("Nothing here", "at all", taxonomy), taxonomy) == ((), "other")


def test_phrases_count_as_str_count_does_even_when_they_overlap_themselves():
    """Counts are non-overlapping, leftmost first: "deep deep" is found once in "deep deep deep"."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from generator.matching import tag_scores as tag_scores_many
    from generator.taxonomy import Rule, Tag, Taxonomy, Theme

    themes = (Theme("a", "A", "", "material/magnify", 1), Theme("other", "Other", "", "material/magnify", 2))
    needles = ["deep deep", "deep net deep", "deep*", "deep net*", "net", "net deep deep net", "ne*", "d"]
    taxonomy = Taxonomy(themes, tuple(
        Tag(f"t{i}", f"T{i}", "", "a", (Rule("phrase", text, needle=_needle(text)),), ())
        for i, text in enumerate(needles)))
    assert taxonomy.matcher.counts("Deep deep deep")[0][0] == 1
    assert taxonomy.matcher.counts("deep-deep, deep DEEP!")[0][0] == 2

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.lists(st.sampled_from(["deep", "net", "deeper", "network", "d", " ", ",", "."]),
                             max_size=14).map(" ".join), min_size=1, max_size=6))
    def check(texts):
        assert taxonomy.matcher.counts(*texts) == [_naive_counts(text, taxonomy) for text in texts]
        pairs = list(zip(texts, texts[::-1]))
        assert tag_scores_many(pairs, taxonomy) == [_totals(t, a, taxonomy) for t, a in pairs]

    check()


def choose(hits: dict, taxonomy) -> tuple:
    """A paper's tags and theme from its rule hits, as `papershelf explain` gets them."""
    from generator.taxonomy import rank

    return rank({slug: sum(h.score for h in tag_hits) for slug, tag_hits in hits.items()}, taxonomy,
                {slug: sum(h.score for h in tag_hits if h.where == "title") for slug, tag_hits in hits.items()})


def _totals(title: str, abstract: str, taxonomy) -> dict[str, int]:
    """One paper's tag scores, added up from its rule hits (what explain shows)."""
    from generator.matching import rule_hits

    return {slug: sum(h.score for h in hits) for slug, hits in rule_hits(title, abstract, taxonomy).items()}


def _needle(text: str) -> str:
    from generator.taxonomy import _needle as needle

    return needle(text)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_edit_round_trip_changes_the_html_and_never_the_yaml(project, tmp_path):
    slug = "maskllm-learnable-semi-structured-sparsity-for-large-language-models"
    tags_yml, curation_yml = project / "tags.yml", project / "curation.yml"
    tags_yml.write_text(tags_yml.read_text().replace("label: Pruning and sparsity\n", "label: Weight pruning\n", 1))
    curation_yml.write_text(curation_yml.read_text().replace("papers:\n", f"""papers:
  {slug}:
    theme: efficient-inference
    tags_add: [speculative-decoding]
    tags_remove: [pruning]
    status: reading
    note: Compare with *SparseGPT*.
""", 1))
    before = {p: _digest(p) for p in (tags_yml, curation_yml)}
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "papers" / slug / "index.html").read_text()
    assert 'href="../../themes/efficient-inference/"' in page
    assert "Speculative decoding" in page and ">Weight pruning<" not in page
    assert "Compare with <em>SparseGPT</em>." in page and "ps-status--reading" in page
    tags_page = (tmp_path / "site" / "tags" / "index.html").read_text()
    assert "Weight pruning" in tags_page and ">Pruning and sparsity<" not in tags_page
    assert "<h1>Weight pruning</h1>" in (tmp_path / "site" / "tags" / "pruning" / "index.html").read_text()
    theme_page = (tmp_path / "site" / "themes" / "efficient-inference" / "index.html").read_text()
    assert f"papers/{slug}/" in theme_page
    assert {p: _digest(p) for p in (tags_yml, curation_yml)} == before


@pytest.mark.slow
def test_hidden_papers_and_reading_paths(built_site, seed_site):
    path = seed_site.library.paths[0]
    page = (built_site / "paths" / path.slug / "index.html").read_text()
    positions = [page.index(f"papers/{s.paper}/") for s in path.steps]
    assert positions == sorted(positions)
    second = (built_site / "papers" / path.steps[1].paper / "index.html").read_text()
    assert f"Step 2 of {len(path.steps)}" in second
    assert f'rel="prev" href="../../papers/{path.steps[0].paper}/"' in second
    assert f'rel="next" href="../../papers/{path.steps[2].paper}/"' in second


@pytest.mark.slow
def test_theme_pages_nav_and_tags_index(built_site, seed_site):
    lib = seed_site.library
    home = (built_site / "index.html").read_text()
    for theme in lib.taxonomy.themes:
        # Its own papers, then those also on its topic (secondary theme, or one of its tags).
        count, also = len(lib.in_theme(theme)), len(lib.secondary_in(theme)) + len(lib.tagged_in(theme))
        if count or also:
            nav_title = f"{theme.title} ({count} + {also})" if also else f"{theme.title} ({count})"
            assert nav_title in home.replace("&amp;", "&")
            page = (built_site / "themes" / theme.slug / "index.html").read_text()
            assert len(re.findall(r"<tr[^>]*><td>", page)) == count + also
    tags_page = (built_site / "tags" / "index.html").read_text()
    for tag in lib.taxonomy.tags:
        assert f'tags/{tag.slug}/"' in tags_page
        page = (built_site / "tags" / tag.slug / "index.html").read_text()
        assert len(re.findall(r"<tr[^>]*><td>", page)) == len(lib.with_tag(tag))


def _naive_counts(text: str, taxonomy) -> dict[int, int]:
    """What every rule counts, searched for one by one: the definition the Matcher must keep."""
    from generator.regex_prefilter import required_literal
    from generator.taxonomy import normalise

    normalised, out = normalise(text), {}
    for index, (_tag, rule) in enumerate(taxonomy.matcher.rules):
        if rule.pattern is None:
            found = normalised.count(rule.needle)
        else:
            literal, icase = required_literal(rule.text)
            found = 0 if literal and literal not in (text.lower() if icase else text) \
                else len(rule.pattern.findall(text))
        if found:
            out[index] = found
    return out


def test_indexed_matcher_counts_exactly_what_each_rule_counts_alone(seed_site):
    """The Matcher only searches rules a text can hit; on real and scrambled text, same counts."""
    import random

    from hypothesis import given, settings
    from hypothesis import strategies as st

    taxonomy = seed_site.library.taxonomy
    papers = seed_site.library.papers
    for paper in papers[:200]:
        for text in (paper.title, paper.abstract):
            assert taxonomy.matcher.counts(text)[0] == _naive_counts(text, taxonomy), paper.slug
    # Scored all at once, as the site does: nothing leaks from one text into the next.
    texts = [text for paper in papers for text in (paper.title, paper.abstract)]
    assert taxonomy.matcher.counts(*texts) == [_naive_counts(text, taxonomy) for text in texts]
    vocabulary = sorted({w for tag in taxonomy.tags for r in tag.rules for w in re.findall(r"[A-Za-z0-9-]+", r.text)})

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(st.sampled_from(vocabulary), st.text(max_size=6)), max_size=30), st.randoms())
    def check(pieces, rng: random.Random):
        text = "".join(p + rng.choice([" ", "-", "", ". ", "'s ", "\u00e9", "  "]) for p in pieces)
        for variant in (text, text.upper(), text.title()):
            assert taxonomy.matcher.counts(variant)[0] == _naive_counts(variant, taxonomy)

    check()
