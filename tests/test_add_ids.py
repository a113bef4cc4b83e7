"""`papershelf add` by arXiv id, paper URL or saved API answer (.json), and refusing files in
which no paper can be recognised. The fake Hugging Face (fake_hf.py) is the only server asked."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from conftest import ROOT, copy_project
from fake_hf import FakeHub, closed_port, hub_env, papershelf_cli

from generator.add_ids import identifier, kind_of, recognised_entries_or_error
from generator.errors import PapershelfError
from generator.metadata import LOCK_FILE, load_metadata, paper_key
from generator.sources import bibtex, hf_listing

LORA = ("LoRA: Low-Rank Adaptation of Large Language Models",
        "An important paradigm of natural language processing consists of large-scale pre-training on general "
        "domain data and adaptation to particular tasks or domains. As we pre-train larger models, full "
        "fine-tuning, which retrains all model parameters, becomes less feasible.")
QLORA = ("QLoRA: Efficient Finetuning of Quantized LLMs",
         "We present QLoRA, an efficient finetuning approach that reduces memory usage enough to finetune a 65B "
         "parameter model on a single 48GB GPU while preserving full 16-bit finetuning task performance.")
MIXTRAL = ("Mixtral of Experts",
           "We introduce Mixtral 8x7B, a Sparse Mixture of Experts (SMoE) language model. Mixtral has the same "
           "architecture as Mistral 7B, with the difference that each layer is composed of 8 feedforward blocks.")
PAPERS_YML = "# My own additions, reviewed by hand.\n- title: My own favourite\n  abstract: Something nobody listed.\n"


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "generator" not in p.parts}


def _export(project: Path, env) -> dict[str, dict]:
    result = papershelf_cli("export", "--root", str(project), env=env)
    assert result.returncode == 0, result.stderr
    return {r["title"]: r for r in json.loads(result.stdout)}


@pytest.fixture
def hub():
    with FakeHub() as fake:
        fake.add("2106.09685", *LORA, authors=("Edward J. Hu", "Yelong Shen"), published="2021-06-17")
        fake.add("2305.14314", *QLORA, authors=("Tim Dettmers",), published="2023-05-23", githubRepo=None)
        fake.add("2401.04088", *MIXTRAL, authors=("Albert Q. Jiang",), published="2024-01-08")
        yield fake


def test_identifiers_and_urls_are_recognised(tmp_path):
    assert [identifier(t) for t in (
        "2106.09685", "2106.09685v2", "arXiv:2106.09685", "https://arxiv.org/abs/2305.14314",
        "https://arxiv.org/abs/2305.14314v1", "http://arxiv.org/pdf/2305.14314v2.pdf", "https://arxiv.org/pdf/2305.14314",
        "https://huggingface.co/papers/2401.04088", "https://hf.co/papers/2401.04088?x=1",
        "https://arxiv.org/abs/hep-th/9901001", "2106.9685", "hello", "https://example.org/papers/2401.04088",
    )] == ["2106.09685"] * 3 + ["2305.14314"] * 4 + ["2401.04088"] * 2 + ["hep-th/9901001", None, None, None]
    saved = tmp_path / "answer.json"
    saved.write_text("[]")
    capture = tmp_path / "list.txt"
    capture.write_text("x")
    assert [kind_of(a) for a in (str(saved), str(capture), "2106.09685", str(tmp_path / "missing.txt"))] == [
        "json", "file", "id", None]


def test_add_by_id_and_urls_appends_to_papers_yml_and_the_lock_file(hub, tmp_path):
    project = copy_project(tmp_path / "project")
    papers_yml = project / "seeds" / "papers.yml"
    papers_yml.write_text(PAPERS_YML)
    env = hub_env(hub.url, tmp_path / "hf-home")
    result = papershelf_cli("add", "--root", str(project), "2106.09685", "https://arxiv.org/abs/2305.14314v2",
                            "https://huggingface.co/papers/2401.04088", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "added 3 new papers to seeds/papers.yml, 0 already in the list; 3 records for seeds/metadata.yml",
        f"  new: {LORA[0]} (arXiv 2106.09685)", f"  new: {QLORA[0]} (arXiv 2305.14314)",
        f"  new: {MIXTRAL[0]} (arXiv 2401.04088)"]
    text = papers_yml.read_text()
    assert text.startswith(PAPERS_YML)  # the curator's comment and entry, untouched
    assert (f"- title: '{LORA[0]}'\n  abstract: {LORA[1]}\n  date: 2021-06-17\n  authors:\n  - Edward J. Hu\n"
            "  - Yelong Shen\n  url: https://arxiv.org/abs/2106.09685\n  code: https://github.com/example/2106-09685\n"
            ) in text
    entries, problems = load_metadata(project / "seeds" / LOCK_FILE)
    assert problems == [] and {e.arxiv for e in entries.values()} == {"2106.09685", "2305.14314", "2401.04088"}
    assert entries[paper_key(QLORA[0])].authors == ("Tim Dettmers",) and entries[paper_key(QLORA[0])].github is None
    assert hub.count("GET /api/papers/search") == 0 and hub.count("GET /api/papers/") == 3
    records = _export(project, env)
    assert len(records) == 684 and records[LORA[0]]["authors"] == ["Edward J. Hu", "Yelong Shen"]
    assert records[LORA[0]]["date"] == "2021-06-17" and records[LORA[0]]["lists"] == ["papers.yml"]
    assert papershelf_cli("check", "--root", str(project), env=env).returncode == 0
    again = papershelf_cli("add", "--root", str(project), "2106.09685", env=env)  # nothing new, nothing written
    assert again.returncode == 0 and again.stdout.startswith("added 0 new papers to seeds/papers.yml, 1 already")
    assert f"  already listed: {LORA[0]} -> papers/lora-low-rank-adaptation-of-large-language-models" in again.stdout
    assert papers_yml.read_text() == text


def test_a_paper_already_listed_gets_only_its_lock_record(hub, tmp_path):
    from generator.site import load_project

    project = copy_project(tmp_path / "project")
    seed = load_project(project)[0][0]
    hub.add("2009.00001", seed.title, seed.abstract, authors=("Seed Author",))
    before = _snapshot(project)
    env = hub_env(hub.url, tmp_path / "hf-home")
    result = papershelf_cli("add", "--root", str(project), "2009.00001", env=env)
    assert result.returncode == 0, result.stderr
    assert f"already listed: {seed.title} -> papers/{seed.slug}" in result.stdout
    after = _snapshot(project)
    assert {k for k in after if after[k] != before.get(k)} == {f"seeds/{LOCK_FILE}"}  # no papers.yml written
    entries, _ = load_metadata(project / "seeds" / LOCK_FILE)
    assert entries[paper_key(seed.title)].arxiv == "2009.00001"


def test_dry_run_shows_what_would_change_and_writes_nothing(hub, tmp_path):
    project = copy_project(tmp_path / "project")
    before = _snapshot(project)
    result = papershelf_cli("add", "--root", str(project), "--dry-run", "2106.09685", env=hub_env(hub.url, tmp_path / "h"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "would add 1 new papers to seeds/papers.yml, 0 already in the list; 1 records for seeds/metadata.yml "
        "(dry run: nothing written)", f"  new: {LORA[0]} (arXiv 2106.09685)"]
    assert _snapshot(project) == before


def test_an_unknown_id_or_a_dead_server_writes_nothing(hub, tmp_path):
    project = copy_project(tmp_path / "project")
    before = _snapshot(project)
    env = hub_env(hub.url, tmp_path / "hf-home")
    result = papershelf_cli("add", "--root", str(project), "2106.09685", "2312.99999", env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"Error: papershelf: 2312.99999: no paper 2312.99999 on {hub.url}"]
    dead = f"http://127.0.0.1:{closed_port()}"
    refused = papershelf_cli("add", "--root", str(project), "2106.09685", env=hub_env(dead, tmp_path / "hf-home"))
    assert refused.returncode == 1 and refused.stderr.startswith(f"Error: papershelf: 2106.09685: cannot reach {dead}")
    assert len(refused.stderr.splitlines()) == 1
    not_an_id = papershelf_cli("add", "--root", str(project), "hello", env=env)
    assert not_an_id.returncode == 1
    assert not_an_id.stderr == "Error: papershelf: hello: no such file, and not an arXiv id or a paper URL\n"
    assert _snapshot(project) == before


def test_saved_api_answers_daily_papers_search_results_and_one_paper(hub, tmp_path):
    project = copy_project(tmp_path / "project")
    lora, qlora, mixtral = (hub.papers[i] for i in ("2106.09685", "2305.14314", "2401.04088"))
    daily = tmp_path / "daily.json"
    daily.write_text(json.dumps([hub.search_result(lora), hub.search_result(qlora), {"unrelated": True}]))
    single = tmp_path / "mixtral.json"
    single.write_text(json.dumps(mixtral))
    os.utime(single, (1767225600, 1767225600))  # 2026-01-01T00:00:00Z: when the answer was saved
    dead = f"http://127.0.0.1:{closed_port()}"  # a saved answer needs no network at all
    env = hub_env(dead, tmp_path / "hf-home")
    result = papershelf_cli("add", "--root", str(project), str(daily), str(single), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "daily.json: warning: entries 3 are not papers (no arXiv id or title); skipped\n"
    assert result.stdout.startswith("added 3 new papers to seeds/papers.yml, 0 already in the list; 3 records")
    entries, _ = load_metadata(project / "seeds" / LOCK_FILE)
    assert entries[paper_key(MIXTRAL[0])].fetched == "2026-01-01T00:00:00Z"
    assert entries[paper_key(LORA[0])].published == "2021-06-17"  # the paper's date, not the daily's
    assert entries[paper_key(LORA[0])].keywords == ("low-rank adaptation", "fine-tuning")
    records = _export(project, env)
    assert records[MIXTRAL[0]]["authors"] == ["Albert Q. Jiang"] and records[QLORA[0]]["date"] == "2023-05-23"


def test_files_with_no_recognisable_paper_are_refused(tmp_path):
    project = copy_project(tmp_path / "project")
    before = _snapshot(project)
    env = hub_env(f"http://127.0.0.1:{closed_port()}", tmp_path / "hf-home")
    not_json = tmp_path / "notes.json"
    not_json.write_text("hello\nworld\n")
    result = papershelf_cli("add", "--root", str(project), str(not_json), env=env)
    assert (result.returncode, result.stderr) == (1, "Error: notes.json:1:1: not valid JSON: Expecting value\n")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": "world", "items": [1, 2]}))
    result = papershelf_cli("add", "--root", str(project), str(other), env=env)
    assert result.returncode == 1 and result.stderr.startswith("Error: other.json: no paper found in this file")
    assert _snapshot(project) == before


def test_a_capture_with_no_listing_structure_is_refused_before_anything_is_written(tmp_path):
    """`recognised_entries_or_error` on what the .txt and .bib readers make of real and garbage files."""
    hello = tmp_path / "hello.txt"
    hello.write_text("hello\nworld\n")
    readme = tmp_path / "readme.txt"
    readme.write_text((ROOT / "README.md").read_text())
    for garbage in (hello, readme):
        result = hf_listing.read(garbage)
        assert result.entries  # the reader pairs lines as it must...
        with pytest.raises(PapershelfError) as refused:  # ...and the file is still no listing
            recognised_entries_or_error(garbage, result)
        assert str(refused.value).startswith(f"{garbage.name}:1: not a saved Hugging Face papers page")
    empty = tmp_path / "empty.bib"
    empty.write_text("not bibtex at all\n")
    with pytest.raises(PapershelfError, match="no papers found in this file"):
        recognised_entries_or_error(empty, bibtex.read(empty))
    for capture in sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "tests/data/golden").glob("*.txt")):
        recognised_entries_or_error(capture, hf_listing.read(capture))  # every real capture passes
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{a, title = {A title}, year = {2020}}\n")
    recognised_entries_or_error(bib, bibtex.read(bib))
