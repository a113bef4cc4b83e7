"""Synthetic papershelf projects of any size, made from the seeds' real text.

    python bench/synth.py 3000 bench/out/synth-3000     # writes a project folder with ~3000 papers

The project is a copy of the real one (mkdocs.yml, tags.yml, curation.yml, docs/, overrides/,
`generator` symlinked to the real package) with its own seeds/: capture files in the *line
layout* (two header lines, "Subscribe" glued to the first title, then title / abstract lines)
and a sources.yml naming them.

Papers are made deterministically (seeded RNG) from the real papers, in rounds:

* round 0 is the real papers themselves, unchanged, so curation.yml's slugs and reading paths
  still apply (a project smaller than the seeds keeps the first N real papers);
* each later round reuses every real abstract once more, lightly reshuffled (two sentences swap
  places, so the words, and therefore the tag and theme mix, stay realistic), under a new title:
  either the first half of the paper's title joined to the second half of another title from
  the same real capture (captures are topical lists), or the real title plus "(variant R)".

About 8% of the entries are listed a second time in a later capture (same title and abstract),
as real captures overlap, so the dedup step merges them back to exactly N distinct papers.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
COPIED = ["mkdocs.yml", "tags.yml", "curation.yml", "docs", "overrides"]
HEADER = ["Get trending papers in your email inbox once a day!", "Get trending papers in your email inbox!"]
PER_CAPTURE = 250  # entries per synthetic capture file (the real ones hold 100-200)
DUPLICATE_SHARE = 0.08  # entries listed again in a later capture (the seeds: 736 entries, 680 papers)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def copy_project(dest: Path, root: Path = ROOT, seeds: bool = False) -> Path:
    """dest/ with the project's hand-edited inputs (and the real seeds/ if asked), `generator` linked."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in COPIED + (["seeds"] if seeds else []):
        src = root / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            shutil.copy2(src, dest / name)
    (dest / "generator").symlink_to(root / "generator")
    return dest


def _reshuffle(abstract: str, rng: random.Random) -> str:
    """The same sentences with two of them swapped (the first one stays, it reads as an opening)."""
    sentences = _SENTENCE.split(abstract)
    if len(sentences) >= 3:
        i = rng.randrange(1, len(sentences) - 1)
        sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
        return " ".join(sentences)
    return abstract


def _halves(title: str) -> tuple[str, str]:
    if ": " in title:
        head, tail = title.split(": ", 1)
        return head, tail
    words = title.split()
    mid = max(1, len(words) // 2)
    return " ".join(words[:mid]), " ".join(words[mid:])


def _recombine(title: str, other: str) -> str:
    head, _ = _halves(title)
    _, tail = _halves(other)
    if ": " in title or ": " in other:
        return f"{head}: {tail}" if tail else head
    return f"{head} {tail}".strip()


def synth_entries(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """n distinct (title, abstract) pairs made from the real seed papers, in a fixed order."""
    from generator.site import read_papers
    from generator.text import normalize_title

    real, _sources, _problems = read_papers(SEEDS)
    real = [p for p in real if p.title and p.abstract]
    rng = random.Random(seed)
    by_list: dict[str, list] = {}
    for paper in real:
        by_list.setdefault(paper.lists[0] if paper.lists else "", []).append(paper)
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    round_ = 0
    while len(out) < n:
        for paper in real:
            if len(out) >= n:
                break
            if round_ == 0:
                title, abstract = paper.title, paper.abstract
            else:
                abstract = _reshuffle(paper.abstract, rng)
                title = f"{paper.title} (variant {round_})"
                if rng.random() < 0.5:
                    partner = rng.choice(by_list[paper.lists[0] if paper.lists else ""])
                    if partner is not paper:
                        title = _recombine(paper.title, partner.title)
            key = normalize_title(title)
            if key in seen:  # a recombination that exists already
                title = f"{title} (variant {round_})"
                key = normalize_title(title)
            if key in seen:
                continue
            seen.add(key)
            out.append((title, abstract))
        round_ += 1
    return out


def write_seeds(seeds_dir: Path, entries: list[tuple[str, str]], seed: int = 0) -> list[str]:
    """Capture files in the line layout plus sources.yml; returns the capture file names."""
    rng = random.Random(seed + 1)
    seeds_dir.mkdir(parents=True, exist_ok=True)
    chunks = [entries[i:i + PER_CAPTURE] for i in range(0, len(entries), PER_CAPTURE)] or [[]]
    # Some entries are listed again in a later capture: merged back by dedup.
    for index in range(1, len(chunks)):
        earlier = [e for chunk in chunks[:index] for e in chunk]
        extra = rng.sample(earlier, min(len(earlier), int(len(chunks[index]) * DUPLICATE_SHARE)))
        chunks[index] = chunks[index] + extra
        rng.shuffle(chunks[index])
    names: list[str] = []
    manifest = ["# Synthetic captures made by bench/synth.py from the real seeds."]
    start = date(2026, 11, 22)
    for index, chunk in enumerate(chunks):
        name = f"{index:03d}_synthetic.txt"
        lines = list(HEADER)
        for position, (title, abstract) in enumerate(chunk):
            lines.append(("Subscribe" + title) if position == 0 else title)
            lines.append(abstract)
        (seeds_dir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        manifest += [f"- file: {name}", f"  title: Synthetic list {index + 1}",
                     f"  captured: {(start - timedelta(days=7 * index)).isoformat()}"]
        names.append(name)
    (seeds_dir / "sources.yml").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    return names


def query_word(entries: list[tuple[str, str]]) -> str:
    """A word to search for: the rarest longish word of the first sentence of a paper near the middle.

    The first sentence, because the search index of long lists keeps only the first sentences
    of each abstract (generator/site.py, SEARCH_FULL_ABSTRACTS); rarest over whole abstracts.
    """
    counts: dict[str, int] = {}
    for _title, abstract in entries:
        for word in set(re.findall(r"[a-z]{6,14}", abstract.lower())):
            counts[word] = counts.get(word, 0) + 1
    _title, abstract = entries[len(entries) // 2]
    words = sorted(set(re.findall(r"[a-z]{6,14}", abstract.split(". ", 1)[0].lower())))
    return min(words, key=lambda w: (counts[w], -len(w))) if words else "distillation"


def make_project(dest: Path, n: int, seed: int = 0) -> dict:
    """A synthetic project of n distinct papers in dest/; returns what it made (also in bench.json)."""
    copy_project(dest)
    entries = synth_entries(n, seed)
    files = write_seeds(dest / "seeds", entries, seed)
    entry_count = sum(
        ((dest / "seeds" / f).read_text(encoding="utf-8").count("\n") - len(HEADER)) // 2 for f in files)
    info = {"papers": len(entries), "entries": entry_count, "captures": len(files),
            "query": query_word(entries), "seed": seed}
    (dest / "bench.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    info = make_project(Path(argv[1]), int(argv[0]))
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
