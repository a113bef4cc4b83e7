"""`papershelf explain` (issue 18): what counted for each tag and where; why a tag did not fire."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from generator.cli import main

ROOT = Path(__file__).parent.parent


def _explain(*args: str) -> str:
    result = CliRunner().invoke(main, ["explain", "--root", str(ROOT), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_explain_shows_the_strings_that_counted_and_where():
    out = _explain("efficientqat-efficient-quantization-aware-training-for-large-language-models")
    assert "+ quantization [compression] score 8 (needs 2 with a title hit)" in out
    assert "title    3  'Quantization'  (rule 'quantiz*')" in out
    assert "abstract 3  'quantization', 'Quantization', 'quantized'  (rule 'quantiz*')" in out
    assert "- instruction-tuning [alignment] score 1 (found only in the abstract, needs 3)" in out


def test_explain_tag_says_why_a_tag_did_not_fire():
    out = _explain("efficientqat-efficient-quantization-aware-training-for-large-language-models",
                   "--tag", "instruction-tuning")
    assert "Tag instruction-tuning [alignment]: score 1 (found only in the abstract, needs 3)." in out
    assert "Not enough: it did not fire." in out
    assert "near: 'instructions' in the abstract: the text has 'instruction', another ending" in out
    out = _explain("llmzip-lossless-text-compression-using-large-language-models", "--tag", "model-compression")
    assert "No rule of it matched: it did not fire." in out
    assert "near: 'model compression' in the title: the text has 'compression' and 'models', not 'model'" in out


def test_explain_tag_names_a_match_inside_a_url_and_an_unknown_tag():
    out = _explain("mallam-malaysia-large-language-model", "--tag", "model-ecosystem")
    assert "near: 'huggingface' in the abstract: matches only inside a URL (URLs are not read)" in out
    result = CliRunner().invoke(main, ["explain", "--root", str(ROOT), "efficientqat-efficient-quantization-aware-"
                                       "training-for-large-language-models", "--tag", "quantisation-x"])
    assert result.exit_code == 2 and "no tag 'quantisation-x'" in result.output
