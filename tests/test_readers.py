"""Reading Hugging Face listing captures: every entry found, nothing shifted, text cleaned."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest

from generator.sources import reader_for
from generator.sources.hf_listing import read
from generator.text import clean_text, extract_links, fix_latex

from conftest import SEEDS

GOLDEN = Path(__file__).parent / "data" / "golden"
EXPECTED_COUNTS = {
    "000_497d3d275a8de861.txt": 314,
    "001_8f8fe15b86807d78.txt": 119,
    "002_c5c0ebefb7c7a45e.txt": 41,
    "003_5b037e8a8a4215a1.txt": 119,
    "004_f0c038e10eb61851.txt": 143,
}
CAPTURED = date(2025, 12, 17)


def _read(path: Path):
    return read(path, CAPTURED)


@pytest.mark.parametrize("name,count", sorted(EXPECTED_COUNTS.items()))
def test_each_seed_file_yields_its_exact_entry_count_without_problems(name, count):
    result = _read(SEEDS / name)
    assert len(result.entries) == count
    assert result.problems == []


def test_seeds_merge_into_680_distinct_papers(seed_papers):
    papers, sources, problems = seed_papers
    assert sum(len(p.origins) for p in papers) == 736
    assert len(papers) == 680
    merged = [p for p in papers if len(p.origins) > 1]
    assert len(merged) == 51
    assert sum(len(p.origins) for p in merged) == 107
    assert [s.file for s in sources] == sorted(EXPECTED_COUNTS)
    assert problems == []


def _next_nonblank(lines: list[str], after: int) -> str:
    for line in lines[after:]:
        if line.strip():
            return line
    raise AssertionError("no line after the title")


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_every_abstract_is_the_text_that_follows_its_own_title(name):
    lines = (SEEDS / name).read_text(encoding="utf-8").splitlines()
    for entry in _read(SEEDS / name).entries:
        raw_title = lines[entry.line - 1].removeprefix("Subscribe")
        assert clean_text(raw_title) == entry.title
        assert clean_text(_next_nonblank(lines, entry.line)) == entry.abstract


@pytest.mark.parametrize("golden", ["line_layout", "block_layout_meta", "block_layout_plain"])
def test_golden_excerpts_per_layout(golden, update_golden):
    """Cut-down real captures -> expected records (regenerate with pytest --update-golden)."""
    result = _read(GOLDEN / f"{golden}.txt")
    got = [asdict(e) for e in result.entries]
    expected_path = GOLDEN / f"{golden}.json"
    if update_golden:
        expected_path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(got)) == expected
    assert result.problems == []


def test_block_layout_metadata_authors_dates_and_upvotes():
    entries = {e.title: e for e in _read(GOLDEN / "block_layout_meta.txt").entries}
    first = entries["Internet-augmented language models through few-shot prompting for open-domain question answering"]
    assert (first.authors_count, first.date, first.upvotes) == (4, "2022-03-09", None)
    yearless = entries["AdaBlock-dLLM: Semantic-Aware Diffusion LLM Inference via Adaptive Block Size"]
    assert (yearless.authors_count, yearless.date) == (6, "2025-09-30")  # "Sep 30": the capture's year
    upvoted = entries["MaskLLM: Learnable Semi-Structured Sparsity for Large Language Models"]
    assert (upvoted.date, upvoted.upvotes) == ("2024-09-25", 3)  # "Sep 25, 2024 3"
    no_meta = entries["Test-Time Scaling in Diffusion LLMs via Hidden Semi-Autoregressive Experts"]
    assert (no_meta.authors_count, no_meta.date, no_meta.upvotes) == (None, None, None)


def test_line_layout_strips_the_glued_subscribe_from_the_first_title():
    first = _read(GOLDEN / "line_layout.txt").entries[0]
    assert first.title == "End-to-End Training of Neural Retrievers for Open-Domain Question Answering"
    assert first.line == 3


def test_crlf_bom_and_trailing_spaces_change_nothing(tmp_path):
    for name in ("000_497d3d275a8de861.txt", "002_c5c0ebefb7c7a45e.txt"):
        original = (SEEDS / name).read_text(encoding="utf-8")
        mangled = "\ufeff" + "\r\n".join(line + "  \t" for line in original.split("\n"))
        path = tmp_path / name
        path.write_bytes(mangled.encode("utf-8"))
        assert _read(path).entries == _read(SEEDS / name).entries


def test_a_title_without_abstract_is_reported_with_file_and_line(tmp_path):
    lines = (GOLDEN / "line_layout.txt").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "cut.txt"
    path.write_text("\n".join(lines[:7]) + "\n", encoding="utf-8")  # last title lost its abstract
    result = _read(path)
    assert len(result.entries) == 2
    assert [str(p) for p in result.problems] == [
        "cut.txt:7: warning: title with no abstract after it (truncated capture?): "
        + repr(lines[6][:60])]


def test_block_layout_title_without_abstract_does_not_shift_the_next_entry(tmp_path):
    text = (GOLDEN / "block_layout_meta.txt").read_text(encoding="utf-8")
    # Drop the first abstract: title, then straight to its metadata block.
    lines = text.split("\n")
    abstract_index = 14
    assert lines[abstract_index].startswith("In this work, we aim")
    del lines[abstract_index:abstract_index + 2]
    path = tmp_path / "gap.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = _read(path)
    originals = _read(GOLDEN / "block_layout_meta.txt").entries
    assert result.entries == [
        type(e)(**{**asdict(e), "source": "gap.txt", "line": e.line - 2, "links": e.links}) for e in originals[1:]]
    assert [p.line for p in result.problems] == [13]
    assert "title with no abstract" in result.problems[0].message


def test_unplaceable_lines_are_warnings_not_silent_drops(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text("new\n\nSubscribe\n\nDec 17\n\nTitle one\n\nAbstract one.\n\n  • 3 authors\n·\nnot a date\n\n"
                    "Title two\nAbstract two.\nstray line\n", encoding="utf-8")
    result = _read(path)
    assert [(e.title, e.abstract, e.authors_count) for e in result.entries] == [
        ("Title one", "Abstract one.", 3), ("Title two", "Abstract two.", None)]
    assert [(p.line, p.severity) for p in result.problems] == [(13, "warning"), (17, "warning")]


def test_reader_is_chosen_by_extension():
    assert reader_for(SEEDS / "000_497d3d275a8de861.txt") is read
    assert reader_for(Path("notes.md")) is None


@pytest.mark.parametrize("raw,expected", [
    ("StrategyQA 58.9 rightarrow 61.7 acc.", "StrategyQA 58.9 → 61.7 acc."),
    ("with almost 3times less compute", "with almost 3× less compute"),
    ("ImageNet 64times64 and", "ImageNet 64×64 and"),
    ("reduces 50\\% of the cost", "reduces 50% of the cost"),
    ("a positive scalar {\\alpha}, is", "a positive scalar α, is"),
    ("radius of sim 50 Mpc", "radius of ∼ 50 Mpc"),
    ("Lion (Evo\\textbf{Lved Sign Momentum})", "Lion (EvoLved Sign Momentum)"),
    # ordinary words stay as they are
    ("a narrow, three times larger, simple model sometimes", "a narrow, three times larger, simple model sometimes"),
    ("inference times in resource-constrained settings", "inference times in resource-constrained settings"),
    ("approximately 100 tasks", "approximately 100 tasks"),
])
def test_latex_remnants_become_symbols_only_where_unambiguous(raw, expected):
    assert fix_latex(raw) == expected


def test_links_are_extracted_trimmed_and_classified():
    text = ("Code: https://github.com/x/y. Also (https://github.com/a/b) and https://github.com/HypherX/Evo{https://"
            "github.com/HypherX/Evo}, weights at https://huggingface.co/org/model), data "
            "https://huggingface.co/datasets/JeanKaddour/minipile. demo https://huggingface.co/spaces/u/app, "
            "site https://x.github.io/proj/. gitlab https://gitlab.com/g/r, org https://huggingface.co/bigscience "
            "and https://bitbucket.org/team/repo. Not javascript:alert(1) nor ftp://x.org/y")
    links = [(l.kind, l.url) for l in extract_links(text)]
    assert links == [
        ("code", "https://github.com/x/y"),
        ("code", "https://github.com/a/b"),
        ("code", "https://github.com/HypherX/Evo"),
        ("model", "https://huggingface.co/org/model"),
        ("dataset", "https://huggingface.co/datasets/JeanKaddour/minipile"),
        ("space", "https://huggingface.co/spaces/u/app"),
        ("project", "https://x.github.io/proj/"),
        ("code", "https://gitlab.com/g/r"),
        ("huggingface", "https://huggingface.co/bigscience"),
        ("code", "https://bitbucket.org/team/repo"),
    ]
