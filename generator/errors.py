"""User-facing problems: every mistake in a user's file becomes one `Problem` line.

Why a list of problems rather than raising at the first one: a curator who broke three things
in `tags.yml` should see all three at once (as mkdocs' `Config.validate()` does), so loaders
collect problems and the CLI / hook decide whether to stop.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one file, printed as `file:line:col: message`."""

    file: str
    line: int | None
    col: int | None
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        prefix = "" if self.severity == "error" else "warning: "
        return f"{where}: {prefix}{self.message}"


class PapershelfError(Exception):
    """A user mistake (bad seed, bad YAML edit): shown as its message, never as a traceback."""

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("papershelf", None, None, problems)]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def errors_of(problems: list[Problem], strict: bool = False) -> list[Problem]:
    """The problems that stop a build: errors, and warnings too under `--strict`."""
    return [p for p in problems if p.severity == "error" or strict]


def raise_if_errors(problems: list[Problem], strict: bool = False) -> None:
    """Raise one PapershelfError listing every stopping problem, if there is any."""
    stopping = errors_of(problems, strict)
    if stopping:
        raise PapershelfError(sorted(stopping, key=_sort_key))


def _sort_key(p: Problem) -> tuple:
    return (p.file, p.line or 0, p.col or 0, p.message)
