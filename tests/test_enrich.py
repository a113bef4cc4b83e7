"""`papershelf enrich` and the lock file, against a fake Hugging Face on 127.0.0.1 (fake_hf.py).

No test here touches the network: HF_ENDPOINT points at the fake server, or at a closed port.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import time
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, copy_project
from fake_hf import FakeHub, closed_port, hub_env, papershelf_cli, papershelf_start

from generator.enrich import enrich
from generator.metadata import LOCK_FILE, PaperMetadata, load_metadata, paper_key, parse_metadata, write_metadata

LORA = ("LoRA: Low-Rank Adaptation of Large Language Models",
        "An important paradigm of natural language processing consists of large-scale pre-training on general "
        "domain data and adaptation to particular tasks or domains. As we pre-train larger models, full "
        "fine-tuning, which retrains all model parameters, becomes less feasible.")
MAMBA = ("Mamba: Linear-Time Sequence Modeling with Selective State Spaces",
         "Foundation models, now powering most of the exciting applications in deep learning, are almost "
         "universally based on the Transformer architecture and its core attention module. Many subquadratic-time "
         "architectures have been proposed to address its computational inefficiency on long sequences.")
QLORA = ("QLoRA: Efficient Finetuning of Quantized LLMs",
         "We present QLoRA, an efficient finetuning approach that reduces memory usage enough to finetune a 65B "
         "parameter model on a single 48GB GPU while preserving full 16-bit finetuning task performance.")
SCALING = ("Scaling Laws for Neural Language Models",
           "We study empirical scaling laws for language model performance on the cross-entropy loss. The loss "
           "scales as a power-law with model size, dataset size, and the amount of compute used for training.")


@pytest.fixture
def hub(monkeypatch, tmp_path):
    with FakeHub() as fake:
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
        monkeypatch.setenv("PAPERSHELF_HTTP_TIMEOUT", "5")
        monkeypatch.delenv("HF_TOKEN", raising=False)
        yield fake


def small_project(root: Path, papers) -> Path:
    """A project with the seed taxonomy and these (title, abstract) papers in seeds/papers.yml."""
    (root / "seeds").mkdir(parents=True)
    shutil.copy(ROOT / "tags.yml", root / "tags.yml")
    (root / "seeds" / "sources.yml").write_text("[]\n")
    (root / "seeds" / "papers.yml").write_text(
        yaml.safe_dump([{"title": t, "abstract": a} for t, a in papers], sort_keys=False, width=4096))
    return root


def lock(root: Path) -> dict[str, PaperMetadata]:
    entries, problems = load_metadata(root / "seeds" / LOCK_FILE)
    assert problems == []
    return entries


def entry(root: Path, title: str) -> PaperMetadata | None:
    return lock(root).get(paper_key(title))


def test_exact_match_records_the_paper_in_the_lock_file(hub, tmp_path):
    root = small_project(tmp_path / "p", [LORA])
    hub.add("2106.09685", *LORA, authors=("Edward J. Hu", "Yelong Shen"), published="2021-06-17",
            projectPage="https://example.org/lora")
    report = enrich(root)
    assert (report.matched, report.missed, report.errors) == (["lora-low-rank-adaptation-of-large-language-models"], [], [])
    found = entry(root, LORA[0])
    assert found.arxiv == "2106.09685" and found.status == "matched" and not found.hand
    assert found.authors == ("Edward J. Hu", "Yelong Shen") and found.published == "2021-06-17"
    assert found.github == "https://github.com/example/2106-09685" and found.project_page == "https://example.org/lora"
    assert found.upvotes == 12 and found.keywords == ("low-rank adaptation", "fine-tuning")
    assert found.source == "huggingface" and found.fetched.endswith("Z")
    assert hub.count("GET /api/papers/search?q=LoRA") == 1 and hub.count("GET /api/papers/2106.09685") == 1
    text = (root / "seeds" / LOCK_FILE).read_text()
    assert text.startswith("# The lock file of paper metadata") and "arxiv: '2106.09685'" in text


def test_near_title_is_no_match(hub, tmp_path):
    root = small_project(tmp_path / "p", [MAMBA])
    hub.add("2405.21060", "Mamba-2: Linear-Time Sequence Modeling with Selective State Spaces", MAMBA[1])
    report = enrich(root)
    assert report.missed == ["mamba-linear-time-sequence-modeling-with-selective-state-spaces"]
    assert entry(root, MAMBA[0]).status == "missed" and entry(root, MAMBA[0]).arxiv is None
    assert hub.count("GET /api/papers/2405") == 0  # the near title was never even looked up


def test_same_title_with_another_abstract_is_no_match(hub, tmp_path):
    root = small_project(tmp_path / "p", [SCALING])
    hub.add("2001.08361", SCALING[0], "We study how the number of neurons in the human visual cortex scales with "
                                      "body mass across two hundred mammal species, from shrews to whales.")
    report = enrich(root)
    assert report.missed and entry(root, SCALING[0]).arxiv is None


def test_two_papers_passing_the_rule_are_a_miss_not_a_guess(hub, tmp_path):
    root = small_project(tmp_path / "p", [(SCALING[0], "")])  # no abstract: the title alone passes
    hub.add("2001.08361", *SCALING)
    hub.add("2010.14701", SCALING[0], "Another paper with the very same title and a different abstract.")
    report = enrich(root)
    assert report.missed and entry(root, SCALING[0]).arxiv is None


def test_429_waits_as_retry_after_says_then_succeeds(hub, tmp_path):
    root = small_project(tmp_path / "p", [LORA])
    hub.add("2106.09685", *LORA)
    hub.fail("429", path="/api/papers/search", retry_after=1)
    hub.fail("503", path="/api/papers/2106.09685", retry_after=0)
    start = time.monotonic()
    report = enrich(root)
    assert time.monotonic() - start >= 1.0
    assert report.matched and not report.errors
    assert hub.count("GET /api/papers/search") == 2 and hub.count("GET /api/papers/2106.09685") == 2


def test_500_and_malformed_json_are_errors_not_recorded_and_asked_again(hub, tmp_path):
    root = small_project(tmp_path / "p", [LORA, QLORA, MAMBA])
    hub.add("2106.09685", *LORA)
    hub.add("2305.14314", *QLORA)
    hub.fail("500", path="/api/papers/search", times=1)
    hub.fail("badjson", path="/api/papers/2305.14314")
    report = enrich(root, jobs=1)
    assert report.stopped is None and len(report.errors) == 2
    assert "HTTP 500" in report.errors[0] and "malformed answer" in report.errors[1]
    assert entry(root, LORA[0]) is None and entry(root, QLORA[0]) is None  # not recorded: asked again
    assert entry(root, MAMBA[0]).status == "missed"
    again = enrich(root)
    assert sorted(again.matched) == ["lora-low-rank-adaptation-of-large-language-models",
                                     "qlora-efficient-finetuning-of-quantized-llms"]
    assert again.known == 1 and not again.errors


def test_second_run_makes_zero_requests_and_refresh_asks_again(hub, tmp_path):
    root = small_project(tmp_path / "p", [LORA, MAMBA])
    hub.add("2106.09685", *LORA)
    enrich(root)
    before = len(hub.requests)
    report = enrich(root)
    assert len(hub.requests) == before and report.known == 2 and report.requests == 0
    assert "skipped 2 (2 already known, 0 hand entries)" in report.summary()
    only = enrich(root, only=("mamba-linear-time-sequence-modeling-with-selective-state-spaces",))
    assert only.missed and hub.count("GET /api/papers/search?q=Mamba") == 2
    assert hub.count("GET /api/papers/search?q=LoRA") == 1
    enrich(root, refresh=True)
    assert hub.count("GET /api/papers/search?q=LoRA") == 2


def test_hand_edits_are_kept_pinned_refused_and_typed_ids(hub, tmp_path):
    root = small_project(tmp_path / "p", [LORA, MAMBA, QLORA])
    hub.add("2106.09685", *LORA)
    hub.add("2312.00752", *MAMBA)
    hub.add("2305.14314", *QLORA, authors=("Tim Dettmers", "Artidoro Pagnoni"))
    path = root / "seeds" / LOCK_FILE
    path.write_text(
        f"{paper_key(LORA[0])}:\n  title: '{LORA[0]}'\n  pinned: true\n  arxiv: 2106.09685\n"
        f"  authors: [Somebody Else]\n  source: hand\n"
        f"{paper_key(MAMBA[0])}:\n  title: '{MAMBA[0]}'\n  arxiv: none\n"
        f"{paper_key(QLORA[0])}:\n  title: '{QLORA[0]}'\n  arxiv: 2305.14314v2\n"
        f"  upvotes: 99\n")
    report = enrich(root, refresh=True)
    assert report.hand == 2 and report.matched == ["qlora-efficient-finetuning-of-quantized-llms"]
    entries = lock(root)
    assert entries[paper_key(LORA[0])].authors == ("Somebody Else",) and entries[paper_key(LORA[0])].hand
    assert entries[paper_key(MAMBA[0])].refused and entries[paper_key(MAMBA[0])].arxiv is None
    typed = entries[paper_key(QLORA[0])]
    assert typed.arxiv == "2305.14314" and typed.hand and typed.status == "pinned"
    assert typed.upvotes == 99  # the curator's value stays; empty fields are filled in
    assert typed.authors == ("Tim Dettmers", "Artidoro Pagnoni") and typed.fetched
    assert hub.count("GET /api/papers/search") == 0  # nobody searched: LoRA/Mamba are the curator's
    assert hub.count("GET /api/papers/") == 1  # only the typed id was looked up
    assert "pinned: true" in path.read_text() and "arxiv: none" in path.read_text()
    again = enrich(root, refresh=True)
    assert again.hand == 3 and again.requests == 0


def test_at_most_jobs_requests_in_flight(hub, tmp_path):
    papers = [(f"Paper number {i} about sparse attention", f"Abstract {i}: " + LORA[1]) for i in range(8)]
    root = small_project(tmp_path / "p", papers)
    hub.delay = 0.1
    report = enrich(root, jobs=2)
    assert len(report.missed) == 8 and hub.max_in_flight <= 2
    hub.max_in_flight = 0
    enrich(root, jobs=4, refresh=True)
    assert 2 <= hub.max_in_flight <= 4


def test_lock_file_is_written_atomically_with_the_umask_and_reads_back(tmp_path):
    path = tmp_path / "seeds" / LOCK_FILE
    key = paper_key(LORA[0])
    entries = {key: PaperMetadata(key, LORA[0], "2106.09685", authors=("Ł. Kaiser", 'A "quoted" name: yes'),
                                  published="2021-06-17", source="huggingface", fetched="2026-12-01T10:00:00Z",
                                  status="matched")}
    old = os.umask(0o027)
    try:
        write_metadata(path, entries)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert load_metadata(path) == (entries, [])
    assert [p.name for p in path.parent.iterdir()] == [LOCK_FILE]  # no temporary file left
    first = path.read_bytes()
    write_metadata(path, dict(reversed(list(entries.items()))))
    assert path.read_bytes() == first  # deterministic


def test_lock_file_problems_name_file_line_and_column():
    key = paper_key(LORA[0])
    text = (f"{key}:\n  title: '{LORA[0]}'\n  arxiv: 2106.9685\n  published: 2021-13-01\n"
            f"  github: javascript:alert(1)\n  upvotes: many\n  authors: {{a: b}}\n  tilte: x\n  status: found\n"
            f"pXYZ:\n  title: x\n"
            f"{paper_key('other')}:\n  title: other\n  status: matched\n")
    _, problems = parse_metadata(text, "seeds/metadata.yml")
    assert [str(p) for p in problems] == [
        "seeds/metadata.yml:3:10: 'arxiv' must be an arXiv id like 2106.09685 (or 'none' to refuse a match), "
        "not '2106.9685'",
        "seeds/metadata.yml:4:14: 'published' must be a date YYYY-MM-DD, not '2021-13-01'",
        "seeds/metadata.yml:5:11: 'github' must be an http(s) URL, not 'javascript:alert(1)'",
        "seeds/metadata.yml:6:3: 'upvotes' must be a whole number >= 0, not 'many'",
        "seeds/metadata.yml:7:3: 'authors' must be a list of strings",
        "seeds/metadata.yml:8:3: unknown key 'tilte' in 'p" + key[1:] + "' (did you mean 'title'?)",
        "seeds/metadata.yml:9:11: unknown status 'found' (one of: matched, missed, pinned)",
        "seeds/metadata.yml:10:1: 'pXYZ' is not a paper key (p and 12 hex digits, as papershelf writes them)",
        "seeds/metadata.yml:14:11: status 'matched' needs an 'arxiv' id",
    ]


# ---------------------------------------------------------------- the command, as a curator runs it


def _seed_hub(hub: FakeHub, papers) -> None:
    for number, paper in enumerate(papers):
        hub.add(f"2401.{number:05d}", paper.title, paper.abstract)


def test_enrich_on_the_seed_project_then_check(tmp_path):
    """Five real seed papers answered with their real titles and abstracts (one behind a
    near-title decoy, one with another abstract), through the CLI, then `papershelf check`."""
    from generator.site import load_project

    root = copy_project(tmp_path / "project")
    papers = load_project(root)[0]
    chosen = papers[:5]
    with FakeHub() as hub:
        _seed_hub(hub, chosen[:3])
        hub.add("2402.00001", chosen[3].title + " v2: the sequel", chosen[3].abstract)  # near title
        hub.add("2402.00002", chosen[4].title, "A different paper about the migration of arctic terns, sharing "
                                               "only its title with the one in the list.")
        env = hub_env(hub.url, tmp_path / "hf-home")
        only = [arg for p in chosen for arg in ("--only", p.slug)]
        result = papershelf_cli("enrich", "--root", str(root), *only, env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().startswith("matched 3, missed 2, errors 0, skipped 0")
        assert result.stderr == ""  # no progress bar when not on a terminal
        entries = lock(root)
        assert {k: e.arxiv for k, e in entries.items()} == {
            **{paper_key(p.title): f"2401.{n:05d}" for n, p in enumerate(chosen[:3])},
            paper_key(chosen[3].title): None, paper_key(chosen[4].title): None}
        check = papershelf_cli("check", "--root", str(root), env=env)
        assert check.returncode == 0, check.stderr
        lock_file = root / "seeds" / LOCK_FILE
        lock_file.write_text(lock_file.read_text().replace("\n  status: matched", "\n  status: matchd", 1))
        line = next(n for n, text in enumerate(lock_file.read_text().splitlines(), 1) if "matchd" in text)
        broken = papershelf_cli("check", "--root", str(root), env=env)
        assert broken.returncode == 1
        assert broken.stderr.splitlines() == [f"Error: seeds/metadata.yml:{line}:11: unknown status 'matchd' "
                                              "(one of: matched, missed, pinned) (did you mean 'matched'?)"]
        refused = papershelf_cli("enrich", "--root", str(root), env=env)  # never over a broken lock file
        assert refused.returncode == 1 and "matchd" in refused.stderr


def test_timeout_is_one_line_exit_1_and_the_lock_file_intact(tmp_path):
    root = small_project(tmp_path / "p", [LORA, QLORA])
    with FakeHub() as hub:
        hub.add("2106.09685", *LORA)
        env = hub_env(hub.url, tmp_path / "hf-home", PAPERSHELF_HTTP_TIMEOUT="0.5")
        assert papershelf_cli("enrich", "--root", str(root), "--only", "lora-low-rank-adaptation-of-large-language-"
                              "models", env=env).returncode == 0
        before = (root / "seeds" / LOCK_FILE).read_bytes()
        hub.fail("hang", path="/api/papers/search")
        start = time.monotonic()
        result = papershelf_cli("enrich", "--root", str(root), env=env)
        assert time.monotonic() - start < 20
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: {hub.url} did not answer within 0.5 s (search 'QLoRA: Efficient Finetuning of Quantized LLMs') "
        "(seeds/metadata.yml keeps the 1 entries so far)"]
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("matched 0, missed 0, errors 0, skipped 1")
    assert (root / "seeds" / LOCK_FILE).read_bytes() == before


def test_connection_refused_is_one_line_exit_1(tmp_path):
    root = small_project(tmp_path / "p", [LORA])
    url = f"http://127.0.0.1:{closed_port()}"
    result = papershelf_cli("enrich", "--root", str(root), env=hub_env(url, tmp_path / "hf-home"))
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: cannot reach {url}: ") and "seeds/metadata.yml keeps the 0 entries" in line
    assert not (root / "seeds" / LOCK_FILE).exists()


def test_kill_9_in_the_middle_keeps_a_valid_lock_file_and_a_rerun_completes(tmp_path):
    papers = [(f"Efficient attention variant number {i}", f"In this paper number {i} we study. " + LORA[1])
              for i in range(16)]
    root = small_project(tmp_path / "p", papers)
    path = root / "seeds" / LOCK_FILE
    with FakeHub() as hub:
        for i, (title, abstract) in enumerate(papers):
            if i % 2 == 0:
                hub.add(f"2410.{i:05d}", title, abstract)
        hub.delay = 0.15
        env = hub_env(hub.url, tmp_path / "hf-home")
        process = papershelf_start("enrich", "--root", str(root), env=env)
        deadline = time.monotonic() + 120
        while hub.count() < 12 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        kept = lock(root) if path.exists() else {}  # valid, whenever it was cut
        assert 0 < len(kept) < 16
        assert all(e.status == ("matched" if e.arxiv else "missed") and e.fetched for e in kept.values())
        hub.delay = 0
        asked_before = hub.count("GET /api/papers/search")
        result = papershelf_cli("enrich", "--root", str(root), env=env)
        assert result.returncode == 0, result.stderr
        assert hub.count("GET /api/papers/search") - asked_before == 16 - len(kept)  # only the new ones
    final = lock(root)
    assert len(final) == 16 and sum(1 for e in final.values() if e.arxiv) == 8
    assert all(final[k] == e for k, e in kept.items())
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temporary file left
