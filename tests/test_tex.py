"""TeX and markup leftovers made plain at import (issue 18, generator/tex.py), each on the seed
text it was written for, and none of those kinds left in any seed paper."""

from __future__ import annotations

import re

import pytest

from generator.tex import abstract_is_cut, clean_tex
from generator.text import clean_text


@pytest.mark.parametrize("raw,clean", [
    # $...$ in titles
    ("LLaVA-$φ$: Efficient Multi-Modal Assistant with Small Language Model",
     "LLaVA-φ: Efficient Multi-Modal Assistant with Small Language Model"),
    ("S$^{3}$: Increasing GPU Utilization during Generative Inference for Higher Throughput",
     "S³: Increasing GPU Utilization during Generative Inference for Higher Throughput"),
    ("pays $5 and $10 each", "pays $5 and $10 each"),  # money is not math
    # ^{} and _{}: Unicode where every character has a script form, else plain
    ("if m gtrsim 1.7 cdot 10^{-3}, eV. For smaller masses", "if m ≳ 1.7 · 10⁻³, eV. For smaller masses"),
    ("the minimum value U_{min} of a scalar field", "the minimum value Uₘᵢₙ of a scalar field"),
    ("between 0.5 and 1.4 M_{odot}. The disagreement", "between 0.5 and 1.4 M⊙. The disagreement"),
    ("DM_{host}=430^{+140}_{-220},pc/cc", "DMₕₒₛₜ=430⁺¹⁴⁰₋₂₂₀,pc/cc"),
    ("photometry in the G, G_{BP}, and G_{RP} pass-bands", "photometry in the G, G_BP, and G_RP pass-bands"),
    ("11,(pc^2;km)^{-1/3}, suggesting", "11,(pc^2;km)^(-1/3), suggesting"),
    ("base 10 or base 10^{3}", "base 10 or base 10³"),
    ("the Lambda_{rm s}CDM model", "the LambdaₛCDM model"),
    ("outflow rate 10^{-4} \\msol\\, yr^{-1} with an opening angle of ∼40^circ.",
     "outflow rate 10⁻⁴ M⊙ yr⁻¹ with an opening angle of ∼40°."),
    # commands that lost their backslash (a closed list)
    ("pruned LLMs even at geq 50% sparsity", "pruned LLMs even at ≥ 50% sparsity"),
    ("small models (leq3B parameters) do not", "small models (≤3B parameters) do not"),
    ("This work identifies three critical textit{O}bstacles:", "This work identifies three critical Obstacles:"),
    ("we introduce {bf C}ommittee {bf V}oting for {bf D}ataset {bf D}istillation (CV-DD)",
     "we introduce Committee Voting for Dataset Distillation (CV-DD)"),
    ("implicit representations (NeRV, E-NeRV, \\etc) reconstruct", "implicit representations (NeRV, E-NeRV, etc.) reconstruct"),
    ("new contexts (\\eg text prompts that define", "new contexts (e.g. text prompts that define"),
    ("Specifically, \\ourMethod-trained models can", "Specifically, our method-trained models can"),
    ("concepts\\footnote{A concept represents a coherent fragment of knowledge, such as ``a class",
     "concepts: A concept represents a coherent fragment of knowledge, such as “a class"),
    # TeX quotes
    ("introduces the concept of ``capacity density'' as a new metric", "introduces the concept of “capacity density” as a new metric"),
    ("phi-CTNL (pronounced ``fictional\") that achieves", "phi-CTNL (pronounced “fictional”) that achieves"),
    ("the ''un-learning\" of skills", "the “un-learning” of skills"),
    ("filaments with lengths L > 66'' and < 66''", "filaments with lengths L > 66'' and < 66''"),  # arcseconds
    # links
    ("is available at: https://github.com/HypherX/Evolution-Analysis{https://github.com/HypherX/Evolution-Analysis}",
     "is available at: https://github.com/HypherX/Evolution-Analysis"),
    ("The project is available at {https://github.com/zhuyiche/llava-phi}.",
     "The project is available at https://github.com/zhuyiche/llava-phi."),
    ("available at url{https://example.org/x}.", "available at https://example.org/x."),  # (no seed has one)
    ("is available at https://github.com/deepmind/ deepmind-research/tree/master/nfnets",
     "is available at https://github.com/deepmind/deepmind-research/tree/master/nfnets"),
])
def test_leftovers_become_plain_text(raw, clean):
    assert clean_text(raw) == clean
    assert clean_tex(clean) == clean  # and stay so


def test_ordinary_words_are_left_alone():
    text = "It is ten times larger, a simple geometry, an estimate of the equity at the 2 percent level."
    assert clean_text(text) == text


def test_cut_abstracts_are_told_apart_from_ones_without_a_final_stop():
    assert abstract_is_cut("Code for the experiments is available at the following")
    assert abstract_is_cut("faster than the original model at inference, respectively. More importantly, ...")
    assert not abstract_is_cut("our method outperforms them by 15.4% and 23.9%. Our code will be released")
    assert not abstract_is_cut("Code: https://github.com/mcleish7/gemstone-scaling-laws")


LEFTOVERS = {
    "^{} or _{}": re.compile(r"[\^_]\{"),
    "a command that lost its backslash": re.compile(
        r"(?<![A-Za-z\\])(odot|gtrsim|lesssim|geq|leq|cdot|textit|textbf|texttt|emph|mathrm|mathbf|footnote|msol)(?![a-z])"),
    "a backslash command": re.compile(r"\\[A-Za-z]+"),
    "TeX quotes": re.compile(r"``|(?<![0-9])''"),  # 66'' is arcseconds
    "$...$": re.compile(r"\$[^$]*[\\^_{}][^$]*\$"),
    "url{} or {url}": re.compile(r"url\{|\{https?://"),
    "{\\bf X}": re.compile(r"\{\\?(bf|it|em|rm|tt|sc) "),
    "a space inside a URL": re.compile(r"https?://\S+/ [\w.-]+/"),
}


def test_no_seed_paper_keeps_tex_or_markup_leftovers(seed_site):
    found = [(p.slug, kind) for p in seed_site.all_papers for text in (p.title, p.abstract)
             for kind, pattern in LEFTOVERS.items() if pattern.search(text)]
    assert not found, found


def test_a_cut_abstract_says_so_on_its_page(seed_site):
    cut = [p for p in seed_site.library.papers if p.cut]
    assert {p.slug for p in cut} >= {"compressing-pre-trained-models-of-code-into-3-mb"}
    for paper in cut:
        assert "The listing cut this abstract." in seed_site.pages[f"papers/{paper.slug}.md"].text()
    whole = next(p for p in seed_site.library.papers if not p.cut)
    assert "The listing cut this abstract." not in seed_site.pages[f"papers/{whole.slug}.md"].text()
