"""`papershelf add` by identifier, or from a saved Hugging Face API answer (.json).

    papershelf add 2106.09685 https://arxiv.org/abs/2305.14314 https://huggingface.co/papers/2401.04088
    papershelf add daily-papers.json

Each paper is fetched (`Hub.paper`) or read from the file, appended to `seeds/papers.yml` (the
curator's comments and order kept: ruamel.yaml round trip, as `add.py` does for sources.yml)
and recorded in the lock file, `seeds/metadata.yml`. A paper already in the list is reported
with its page and only gets a lock-file record if it had none (or only a miss). Everything is
fetched and checked before anything is written; `dry_run` writes nothing at all.

Also here: `recognised_entries_or_error`, the check that refuses a capture file in which no
paper listing can be recognised (a two-line "hello world" is not a list of papers).
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from .dedup import abstracts_agree
from .errors import PapershelfError, Problem, raise_if_errors
from .hf_api import Hub, HubError, HubNotFound, HubPaper, paper_from_json
from .manifest import HAND_ADDED
from .metadata import (PaperMetadata, arxiv_id, load_metadata, lock_path, paper_key, record_of,
                       remove_leftovers, write_metadata, write_text_atomic)
from .text import clean_text, normalize_title

MAX_JSON_BYTES = 50 * 1024 * 1024
_HF_PAPER_URL = re.compile(r"^https?://(?:www\.)?(?:huggingface\.co|hf\.co)/papers/(?P<id>[^?#]+?)/?(?:[?#].*)?$",
                           re.IGNORECASE)
_ARXIV_URL = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/(?P<id>[^?#]+?)(?:\.pdf)?/?"
                        r"(?:[?#].*)?$", re.IGNORECASE)
PAPERS_HEADER = """\
# Papers added by hand, or by `papershelf add 2106.09685` (no manifest entry needed).
#   title (required), abstract, date (YYYY-MM-DD), authors, url, code (one URL or a list), links
"""


def identifier(text: str) -> str | None:
    """The arXiv id in `2106.09685`, `arXiv:2106.09685v2`, an arxiv.org abs/pdf URL or a
    huggingface.co/papers URL; None for anything else."""
    text = text.strip()
    if text.lower().startswith("arxiv:"):
        text = text[len("arxiv:"):]
    match = _HF_PAPER_URL.match(text) or _ARXIV_URL.match(text)
    return arxiv_id(match.group("id") if match else text)


def kind_of(argument: str) -> str | None:
    """What `papershelf add ARGUMENT` means: "json" (a saved API answer), "file" (a capture),
    "id" (an arXiv id or paper URL), or None (none of these)."""
    path = Path(argument)
    if path.is_file():
        return "json" if path.suffix.lower() == ".json" else "file"
    return "id" if identifier(argument) else None


@dataclass
class AddIdsReport:
    added: list[HubPaper] = field(default_factory=list)  # new papers appended to papers.yml
    known: list[tuple[str, str]] = field(default_factory=list)  # (title, its page) already listed
    recorded: list[str] = field(default_factory=list)  # titles given a lock-file record
    problems: list[Problem] = field(default_factory=list)  # warnings: JSON entries skipped
    dry_run: bool = False


# ---------------------------------------------------------------- reading


def read_json_answer(path: Path) -> tuple[list[HubPaper], list[Problem]]:
    """The papers in a saved API answer: a list of daily papers or search results (the paper
    under `paper`), or one paper object. An entry that is no paper is a warning; a file with no
    paper at all, or not JSON, is an error."""
    label = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [], [Problem(label, None, None, f"cannot read file: {exc.strerror}")]
    if len(raw) > MAX_JSON_BYTES:
        return [], [Problem(label, None, None, f"file is larger than {MAX_JSON_BYTES} bytes")]
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return [], [Problem(label, raw[: exc.start].count(b"\n") + 1, None, "file is not valid UTF-8")]
    except json.JSONDecodeError as exc:
        return [], [Problem(label, exc.lineno, exc.colno, f"not valid JSON: {exc.msg}")]
    items = data if isinstance(data, list) else [data]
    papers: list[HubPaper] = []
    skipped: list[int] = []
    for number, item in enumerate(items, 1):
        paper = paper_from_json(item)
        if paper is None:
            skipped.append(number)
        else:
            papers.append(paper)
    if not papers:
        return [], [Problem(label, None, None, "no paper found in this file (expected a saved Hugging Face papers "
                                               "API answer: daily papers, search results or one paper, each with "
                                               "an arXiv id and a title)")]
    problems = []
    if skipped:
        shown = ", ".join(map(str, skipped[:10])) + (f" and {len(skipped) - 10} more" if len(skipped) > 10 else "")
        problems.append(Problem(label, None, None, f"entries {shown} are not papers (no arXiv id or title); skipped",
                                "warning"))
    return papers, problems


def _file_time(path: Path) -> str:
    """When a saved answer was fetched, as well as we can tell: the file's modification time."""
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- adding


def add_identifiers(root: Path, arguments: list[str], *, dry_run: bool = False, hub: Hub | None = None) -> AddIdsReport:
    """Add the papers named by `arguments` (arXiv ids, paper URLs, saved .json answers)."""
    found: list[tuple[HubPaper, str | None]] = []  # (paper, when fetched; None: now)
    problems: list[Problem] = []
    ids: dict[str, str] = {}  # id -> the argument that named it
    for argument in arguments:
        if kind_of(argument) == "json":
            papers, file_problems = read_json_answer(Path(argument))
            problems += file_problems
            if papers:
                stamp = _file_time(Path(argument))
                found += [(paper, stamp) for paper in papers]
        elif (ident := identifier(argument)) is not None:
            ids.setdefault(ident, argument)
        else:
            problems.append(Problem("papershelf", None, None, f"{argument}: no such file, and not an arXiv id or a paper URL"))
    raise_if_errors(problems)
    if ids:
        hub = hub or Hub()
        for ident, argument in ids.items():
            try:
                found.append((hub.paper(ident), None))
            except HubNotFound:
                problems.append(Problem("papershelf", None, None, f"{argument}: no paper {ident} on {hub.endpoint}"))
            except HubError as exc:
                problems.append(Problem("papershelf", None, None, f"{argument}: {exc}"))
        raise_if_errors(problems)  # nothing written unless every paper was found
    report = _add(root, found, dry_run)
    report.problems = problems + report.problems
    return report


def _add(root: Path, found: list[tuple[HubPaper, str | None]], dry_run: bool) -> AddIdsReport:
    from .site import read_papers

    seeds = root / "seeds"
    existing, _, problems = read_papers(seeds)
    raise_if_errors(problems)  # never append to a papers.yml (or list) that does not read
    lock = lock_path(root)
    entries, lock_problems = load_metadata(lock)
    raise_if_errors(lock_problems)
    report = AddIdsReport(dry_run=dry_run)
    by_title: dict[str, list] = {}
    for paper in existing:
        by_title.setdefault(normalize_title(paper.title), []).append(paper)
    new: list[HubPaper] = []
    seen: set[str] = set()
    for paper, fetched in found:
        if paper.arxiv in seen:
            continue
        seen.add(paper.arxiv)
        title, abstract = clean_text(paper.title), clean_text(paper.summary)
        key = paper_key(title)
        twins = [p for p in by_title.get(normalize_title(title), []) if abstracts_agree(p.abstract, abstract)]
        if twins:
            report.known.append((title, f"papers/{twins[0].slug} (in {', '.join(twins[0].lists)})"))
        elif any(paper_key(clean_text(p.title)) == key for p in new):
            continue  # two ids for one title in this batch: the first one is added
        else:
            new.append(paper)
        entry = entries.get(key)
        if entry is None or (not entry.hand and entry.arxiv is None):
            entries[key] = _record(key, title, paper, fetched)
            report.recorded.append(title)
    report.added = new
    if dry_run:
        return report
    if new:
        text = papers_yaml_with(seeds / HAND_ADDED, new)
        write_text_atomic(seeds / HAND_ADDED, text)  # first: a lock record alone would be an orphan
    if report.recorded:
        remove_leftovers(lock)
        write_metadata(lock, entries)
    return report


def _record(key: str, title: str, paper: HubPaper, fetched: str | None) -> PaperMetadata:
    return record_of(key, title, arxiv=paper.arxiv, authors=paper.authors, published=paper.published,
                     github=paper.github, project_page=paper.project_page, upvotes=paper.upvotes,
                     keywords=paper.keywords, fetched=fetched)


def papers_yaml_with(path: Path, papers: list[HubPaper]) -> str:
    """seeds/papers.yml with these papers appended, the curator's comments and order kept; the
    text is read back with the papers.yml reader before it is returned."""
    from .sources import papers_yaml

    yaml = YAML()  # round-trip mode
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.width = 4096  # an abstract stays on one line
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    data = yaml.load(text) if text.strip() else None
    header = ""
    if data is None:
        data = CommentedSeq()
        header = text if text.strip() else PAPERS_HEADER  # a file of only comments keeps them
        if header and not header.endswith("\n"):
            header += "\n"
    if not isinstance(data, CommentedSeq):
        raise PapershelfError([Problem(f"seeds/{HAND_ADDED}", None, None, "must be a list of papers (- title: ...)")])
    data.fa.set_block_style()
    for paper in papers:
        item = CommentedMap()
        item["title"] = clean_text(paper.title)
        summary = clean_text(paper.summary)
        if summary:
            item["abstract"] = summary
        if paper.published:
            item["date"] = date.fromisoformat(paper.published)
        if paper.authors:
            item["authors"] = CommentedSeq(paper.authors)
        item["url"] = f"https://arxiv.org/abs/{paper.arxiv}"
        if paper.github:
            item["code"] = paper.github
        data.append(item)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    text = header + buffer.getvalue()
    with tempfile.TemporaryDirectory() as folder:  # never write a papers.yml we could not read back
        check = Path(folder) / HAND_ADDED
        check.write_text(text, encoding="utf-8")
        errors = [p for p in papers_yaml.read(check).problems if p.severity == "error"]
    if errors:
        raise PapershelfError([Problem(f"seeds/{p.file}", p.line, p.col, p.message) for p in errors])
    return text


# ---------------------------------------------------------------- captures (.txt, .bib)


def recognised_entries_or_error(source: Path, result) -> None:
    """Refuse a capture in which no paper listing can be recognised; call it on the reader's
    `ReadResult` before anything is written.

    The .txt reader pairs any two lines as a title and an abstract (it must: abstracts can be a
    few words), so "hello / world" would be one paper and a README dozens. What a saved Hugging
    Face papers page has and other text does not is its structure: it starts with the page's
    header ("Get trending papers...", "Subscribe", "Daily Papers") or lists `• N authors` / date
    lines. A .txt file with neither is refused; BibTeX entries are recognised by their grammar.
    """
    from .sources import hf_listing

    if not result.entries:
        raise PapershelfError([Problem(source.name, None, None, "no papers found in this file")])
    if source.suffix.lower() != ".txt":
        return
    if any(e.date or e.upvotes is not None or e.authors_count for e in result.entries):
        return
    text, _ = hf_listing.decode(source.read_bytes(), source.name)
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = first.lstrip("\ufeff")
    if first.casefold() in hf_listing.CHROME or first.startswith("Subscribe"):
        return
    raise PapershelfError([Problem(
        source.name, 1, None,
        "not a saved Hugging Face papers page: no page header ('Get trending papers...', 'Subscribe', "
        "'Daily Papers') and no '• N authors' or date lines; nothing was added (save the page again, or "
        "put the papers in seeds/papers.yml)")])
