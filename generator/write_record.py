"""The record `write.py` keeps of what it generated in an output folder (RECORD, JSON): each
file's SHA-256, and, while a run is under way, the contents each file it touches may hold
("pending"), so a run killed at any moment leaves a record under which everything it wrote is
still its own. Reading and encoding it only: `write.py` does every write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import PapershelfError, Problem

RECORD = ".papershelf-generated.json"


@dataclass
class Record:
    files: dict[str, str]  # path -> hash of what was generated there
    pending: dict[str, list[str]]  # path -> hashes it may hold after an interrupted run
    raw: bytes | None  # the record file as it is on disk (None: there is none)

    def known(self) -> set[str]:
        return set(self.files) | set(self.pending)

    def owned(self, rel: str) -> set[str]:
        """Contents of `rel` that papershelf wrote (any other content is a person's)."""
        hashes = set(self.pending.get(rel, ()))
        if rel in self.files:
            hashes.add(self.files[rel])
        return hashes

    def remembered(self, rel: str) -> str:
        return self.files[rel] if rel in self.files else min(self.pending[rel])


def _damaged(path: Path, why: str = "is damaged") -> PapershelfError:
    return PapershelfError([Problem(str(path), None, None,
                                    f"record of generated files {why}; delete it to start over")])


def parse_record(path: Path, kind: str, raw: bytes | None) -> Record:
    """The record as `write.read_existing` found it at `path` ("missing", "file" or "other")."""
    if kind == "missing":
        return Record({}, {}, None)
    if kind != "file" or raw is None:
        raise _damaged(path, "is not a regular file")
    try:
        data = json.loads(raw.decode("utf-8"))
        files = data.get("files", {})
        pending = data.get("pending", {})
        if not (isinstance(files, dict) and isinstance(pending, dict)
                and all(isinstance(v, str) for v in files.values())
                and all(isinstance(v, list) and all(isinstance(h, str) for h in v) for v in pending.values())):
            raise ValueError
    except (ValueError, AttributeError):
        raise _damaged(path) from None
    return Record({str(k): v for k, v in files.items()}, {str(k): list(v) for k, v in pending.items()}, raw)


def record_bytes(files: dict[str, str], pending: dict[str, list[str]] | None = None) -> bytes:
    data: dict[str, object] = {"files": dict(sorted(files.items()))}
    if pending:
        data["pending"] = dict(sorted(pending.items()))
    return (json.dumps(data, indent=1) + "\n").encode()
