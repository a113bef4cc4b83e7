"""Pagefind's indexer alone: peak RSS and CPU of `write_index` for a synthetic project's records.

    python bench/synth.py 10000 /tmp/synth-10000
    python bench/pagefind_memory.py /tmp/synth-10000 [--variant full|no-tag|no-filters|short|title]
                                   [--records N] [--shard-size N]

Kept apart from bench/run.py, which measures whole builds: this one isolates the Pagefind
processes, to learn what their memory grows with. The records are made as the MkDocs hook makes
them (`generator.site.build_site` + `search_index.paper_records`, with MkDocs' directory URLs);
the variants change them only to learn the slopes, never for the site:

* full        the site's records
* no-tag      without the `tag` filter (the filter with the most values per record)
* no-filters  without any filter
* short       content cut to its first 500 characters
* title       content cut to the title alone, no filters, no meta but the title

Printed as one JSON line: records, content characters, the number of Pagefind processes (one
per shard), wall seconds of `write_index`, CPU seconds of the Pagefind processes (user+sys, summed)
and their peak RSS (the largest single process: shards run one after another), each from GNU
time around the binary, and this Python process's own peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def variant_records(records, variant: str):
    if variant == "full":
        return records
    if variant == "no-tag":
        return [replace(r, filters={k: v for k, v in r.filters.items() if k != "tag"}) for r in records]
    if variant == "no-filters":
        return [replace(r, filters={}) for r in records]
    if variant == "short":
        return [replace(r, content=r.content[:500]) for r in records]
    if variant == "title":
        return [replace(r, content=r.content.split("\n")[0], filters={}, meta={"title": r.meta.get("title", "")})
                for r in records]
    raise SystemExit(f"unknown variant {variant!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--variant", default="full")
    parser.add_argument("--records", type=int, default=0, help="only the first N records (0: all)")
    parser.add_argument("--shard-size", type=int, default=0, help="records per Pagefind run (0: the module's)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.project.resolve()))
    sys.path.insert(0, str(ROOT))
    from generator import search_index
    from generator.site import build_site

    site = build_site(args.project.resolve())
    records = search_index.paper_records(site.library, lambda src: src[:-len(".md")] + "/")
    if args.records:
        records = records[:args.records]
    records = variant_records(records, args.variant)
    kwargs = {"shard_size": args.shard_size} if args.shard_size else {}
    with tempfile.TemporaryDirectory() as tmp:
        # Each Pagefind process runs under GNU time, which reports its own child's peak RSS and
        # CPU: RUSAGE_CHILDREN here would count this (large) Python process too, as a child's
        # peak includes what it had from the fork before it exec'd the binary.
        log, wrapper = Path(tmp) / "time.log", Path(tmp) / "pagefind-timed"
        binary = search_index._binary()
        wrapper.write_text(f'#!/bin/sh\nexec /usr/bin/time -a -o "{log}" -f "%M %U %S" "{binary}" "$@"\n')
        wrapper.chmod(0o755)
        search_index._binary = lambda: wrapper
        started = time.perf_counter()
        search_index.write_index(records, Path(tmp) / "pagefind", **kwargs)
        wall = time.perf_counter() - started
        size = sum(p.stat().st_size for p in (Path(tmp) / "pagefind").rglob("*") if p.is_file())
        runs = [line.split() for line in log.read_text().splitlines() if line.strip()]
    print(json.dumps({
        "variant": args.variant, "records": len(records),
        "content_chars": sum(len(r.content) for r in records),
        "filter_values": sum(len(v) for r in records for v in r.filters.values()),
        "pagefind_runs": len(runs),
        "wall_s": round(wall, 2),
        "cpu_s": round(sum(float(user) + float(system) for _, user, system in runs), 2),
        "pagefind_peak_rss_mb": round(max(int(kb) for kb, _, _ in runs) / 1024),
        "python_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "index_mb": round(size / 1e6, 1),
        **kwargs,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
