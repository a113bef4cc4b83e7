"""generator/search_index.py on its own: the index in shards, read back by its records.

The browser side of the shards (papershelf-search.js merging them) is in test_browser_search.py,
whose site is built with small shards."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from generator.errors import PapershelfError
from generator.search_index import (SHARDS_FILE, Record, configured_shard_size, read_index, shards,
                                    write_index)


def _records(count: int) -> list[Record]:
    return [Record(f"/papers/p{n:03d}/", f"Paper {n}.\nAbout word{n} and shared words.",
                   {"title": f"Paper {n}"}, {"year": [str(2000 + n % 3)], "code": ["yes" if n % 2 else "no"]})
            for n in range(count)]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_shards_are_as_few_as_the_size_allows_and_dealt_round_robin():
    records = _records(7)
    parts = list(shards(records, 3))
    assert [len(part) for part in parts] == [3, 2, 2]
    assert parts[0] == [records[0], records[3], records[6]]
    assert sorted((r for part in parts for r in part), key=lambda r: r.url) == records
    assert list(shards(records, 7)) == [records]
    assert list(shards([], 5)) == [[]]


def test_a_sharded_index_holds_every_record_once_and_lists_its_shards(tmp_path):
    records = _records(5)
    write_index(records, tmp_path / "pagefind", shard_size=2)
    out = tmp_path / "pagefind"
    listed = json.loads((out / SHARDS_FILE).read_text())
    assert listed["shards"] == ["shard-1/", "shard-2/"]
    # each shard has a vocabulary record (the words of the others it lacks), hidden by its id
    vocabularies = {path.stem: json.loads(gzip.decompress(path.read_bytes())[len(b"pagefind_dcd"):])["content"]
                    for path in out.rglob("*.pf_fragment") if path.stem in listed["hidden"]}
    assert len(vocabularies) == 3
    assert all(f"word{n}" in " ".join(vocabularies.values()) for n in range(5))
    assert (out / "pagefind.js").is_file()
    for shard in ("shard-1", "shard-2"):  # an index only: the first shard's code runs the search
        assert (out / shard / "pagefind-entry.json").is_file()
        assert not list((out / shard).glob("pagefind*.js")) and not list((out / shard).glob("wasm.*"))
    found = read_index(out)
    assert [r["url"] for r in found] == [r.url for r in records]
    assert [r["meta"]["title"] for r in found] == [r.meta["title"] for r in records]
    assert [r["filters"] for r in found] == [r.filters for r in records]


def test_one_shard_is_the_same_index_with_an_empty_list(tmp_path):
    write_index(_records(3), tmp_path / "pagefind")
    assert json.loads((tmp_path / "pagefind" / SHARDS_FILE).read_text()) == {
        "shards": [], "hidden": [], "filters": {"code": ["no", "yes"], "year": ["2000", "2001", "2002"]}}
    assert not list((tmp_path / "pagefind").glob("shard-*"))
    assert len(read_index(tmp_path / "pagefind")) == 3


def test_the_same_records_make_the_same_records_and_fragments(tmp_path):
    """(Pagefind's filter chunks and its meta file differ from run to run in order and name: the
    index is compared by its records and its fragments.)"""
    write_index(_records(5), tmp_path / "a", shard_size=2)
    write_index(_records(5), tmp_path / "b", shard_size=2)
    assert read_index(tmp_path / "a") == read_index(tmp_path / "b")
    fragments = {name: data for name, data in _files(tmp_path / "a").items() if "fragment/" in name}
    assert fragments == {name: data for name, data in _files(tmp_path / "b").items() if "fragment/" in name}
    assert (tmp_path / "a" / SHARDS_FILE).read_bytes() == (tmp_path / "b" / SHARDS_FILE).read_bytes()


def test_the_shard_size_setting_must_be_a_positive_number(monkeypatch):
    monkeypatch.setenv("PAPERSHELF_SEARCH_SHARD_SIZE", "250")
    assert configured_shard_size() == 250
    monkeypatch.setenv("PAPERSHELF_SEARCH_SHARD_SIZE", "0")
    with pytest.raises(PapershelfError, match="PAPERSHELF_SEARCH_SHARD_SIZE"):
        configured_shard_size()


def test_a_pagefind_error_stops_the_index_and_leaves_no_process(tmp_path, monkeypatch):
    import subprocess

    started = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    bad = [Record("/a/", "text", {"title": "A"}, {"year": "not a list"})]  # Pagefind refuses the record
    with pytest.raises(RuntimeError, match="pagefind"):
        write_index(bad, tmp_path / "pagefind")
    assert started and all(process.poll() is not None for process in started)


def test_the_search_box_gets_every_filter_value_from_the_shards_list_of_every_shard(tmp_path):
    """The choices of the filters come with the shards' list, so the browser need not fetch every
    filter chunk of every shard (Pagefind's filters()) to show them."""
    records = _records(7)
    records[6] = Record(records[6].url, records[6].content, records[6].meta, {**records[6].filters, "tag": ["Only here"]})
    write_index(records, tmp_path / "pagefind", shard_size=2)
    listed = json.loads((tmp_path / "pagefind" / SHARDS_FILE).read_text())
    assert len(listed["shards"]) == 3
    assert listed["filters"] == {"code": ["no", "yes"], "tag": ["Only here"], "year": ["2000", "2001", "2002"]}
