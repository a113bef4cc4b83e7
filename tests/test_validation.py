"""Validation that helps: every problem in a YAML edit, one line each, exit code 1, nothing written."""

from __future__ import annotations

import hashlib
from pathlib import Path


from conftest import papershelf

DISTILBERT = "distilbert-a-distilled-version-of-bert-smaller-faster-cheaper-and-lighter"


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "generator" not in p.parts}


def _check_fails(project: Path, tmp_path: Path, expected: list[str]) -> None:
    """`check` and `generate` both print exactly these lines, exit 1, and write nothing."""
    before = _snapshot(project)
    result = papershelf("check", "--root", str(project))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"Error: {line}" for line in expected]
    out = tmp_path / "out"
    generated = papershelf("generate", "--root", str(project), "--out", str(out))
    assert generated.returncode == 1 and not out.exists()
    assert _snapshot(project) == before


def _edit(path: Path, old: str, new: str) -> int:
    """Replace `old` once; return the 1-based line where the new text starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    index = text.index(old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[:index].count("\n") + 1


def test_unknown_theme_names_file_line_column_and_suggests(project, tmp_path):
    line = _edit(project / "tags.yml", "    theme: retrieval\n", "    theme: retreival\n")
    _check_fails(project, tmp_path, [f"tags.yml:{line}:12: unknown theme 'retreival' (did you mean 'retrieval'?)"])


def test_yaml_syntax_error_has_line_and_column(project, tmp_path):
    (project / "curation.yml").write_text("papers:\n  x: [unclosed\n  y: 1\n")
    result = papershelf("check", "--root", str(project))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: curation.yml:3:")
    assert "YAML syntax error" in result.stderr


def test_duplicate_keys_are_detected(project, tmp_path):
    (project / "curation.yml").write_text(
        f"papers:\n  {DISTILBERT}:\n    note: first\n    note: second\n")
    _check_fails(project, tmp_path, ["curation.yml:4:5: duplicate key 'note' (first defined on line 3)"])


def test_anchors_and_aliases_are_rejected(project, tmp_path):
    (project / "curation.yml").write_text(
        f"papers:\n  {DISTILBERT}: &edit\n    note: hi\n  other: *edit\n")
    _check_fails(project, tmp_path, [
        "curation.yml:2:78: anchors and aliases (& and *) are not allowed; write the value out",
        "curation.yml:4:10: anchors and aliases (& and *) are not allowed; write the value out"])


def test_wrong_types_unknown_tag_status_and_key(project, tmp_path):
    (project / "curation.yml").write_text(
        f"papers:\n  {DISTILBERT}:\n    tags_add: [rag, zzz-unknown]\n    hidden: maybe\n"
        "    status: done\n    notes: typo\n")
    _check_fails(project, tmp_path, [
        "curation.yml:3:21: unknown tag 'zzz-unknown'",
        "curation.yml:4:5: 'hidden' must be true or false, not 'maybe'",
        "curation.yml:5:13: unknown status 'done' (one of: to-read, reading, read, must-read)",
        "curation.yml:6:5: unknown key 'notes' in 'distilbert-a-distilled-version-of-bert-smaller-faster-cheaper-and-lighter'"
        " (did you mean 'note'?)",
    ])


def test_tag_defined_twice_invalid_regex_and_empty_theme(project, tmp_path):
    tags = project / "tags.yml"
    text = tags.read_text()
    first_rag = text.index("  - slug: rag\n")
    line = text[:first_rag].count("\n") + 1
    tags.write_text(text + "  - slug: rag\n    theme: retrieval\n    match:\n      regex: ['(unclosed']\n")
    total = len(text.splitlines())
    _check_fails(project, tmp_path, [
        f"tags.yml:{total + 1}:11: tag 'rag' is defined twice (first on line {line})"])
    tags.write_text(text + "  - slug: brand-new\n    theme: retrieval\n    match:\n      regex: ['(unclosed']\n")
    _check_fails(project, tmp_path, [
        f"tags.yml:{total + 4}:15: invalid regular expression '(unclosed' in tag 'brand-new': "
        "missing ), unterminated subpattern"])
    tags.write_text(text.replace("themes:\n", "themes:\n  - slug: lonely\n    title: Lonely\n", 1))
    lonely = text[:text.index("themes:\n")].count("\n") + 2
    _check_fails(project, tmp_path, [f"tags.yml:{lonely}:5: theme 'lonely' is empty: no tag belongs to it"])


def test_values_stay_strings(project):
    (project / "curation.yml").write_text(f"papers:\n  {DISTILBERT}:\n    note: no\n  "
                                          f"2401.10200:\n    note: on\n")
    result = papershelf("check", "--root", str(project))
    assert result.returncode == 0
    assert "unknown paper '2401.10200'" in result.stderr  # a string key, not the float 2401.102
    from generator.site import load_project

    papers = load_project(project)[0]
    assert next(p for p in papers if p.slug == DISTILBERT).note == "no"


def test_unknown_slug_is_reported_with_the_closest_existing_one(project):
    (project / "curation.yml").write_text(
        "papers:\n  distilbert-a-distilled-version-of-bert-smaller-faster-cheaper:\n    status: read\n")
    result = papershelf("check", "--root", str(project))
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "curation.yml:2:3: warning: unknown paper 'distilbert-a-distilled-version-of-bert-smaller-faster-cheaper'"
        f" (did you mean '{DISTILBERT}'?); the entry is kept but not applied"]
    strict = papershelf("check", "--strict", "--root", str(project))
    assert strict.returncode == 1


def test_manifest_missing_file_is_an_error_and_unlisted_capture_a_warning(project, tmp_path):
    manifest = project / "seeds" / "sources.yml"
    line = _edit(manifest, "- file: 004_f0c038e10eb61851.txt", "- file: 005_missing.txt")
    _check_fails(project, tmp_path, [
        f"seeds/sources.yml:{line}:9: file '005_missing.txt' does not exist in seeds/",
    ])
    manifest.write_text(manifest.read_text().split("- file: 005_missing.txt")[0])
    result = papershelf("check", "--root", str(project))
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "seeds/004_f0c038e10eb61851.txt: warning: capture is not in sources.yml; read it anyway "
        "(add an entry to name it)"]
    assert "680 papers" in result.stdout


def test_bad_captured_date_and_unknown_key_in_manifest(project, tmp_path):
    manifest = project / "seeds" / "sources.yml"
    line = _edit(manifest, "  captured: 2025-12-17", "  captured: Dec 17")
    _check_fails(project, tmp_path, [f"seeds/sources.yml:{line}:13: 'captured' must be a date YYYY-MM-DD, not 'Dec 17'"])


def test_mkdocs_build_stops_with_the_message_and_no_traceback(project, tmp_path):
    from conftest import mkdocs_build

    _edit(project / "tags.yml", "    theme: retrieval\n", "    theme: retreival\n")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert "unknown theme 'retreival' (did you mean 'retrieval'?)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site" / "index.html").exists()
