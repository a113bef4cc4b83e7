"""Small helpers for validating loaded YAML: typed fields with positions and suggestions.

Each helper appends a `Problem` at the value's own line and column and returns a fallback, so a
loader can keep going and report every problem in the file at once.
"""

from __future__ import annotations

import difflib

from .errors import Problem
from .yamlio import YDict, YList, YStr, where


class Checker:
    """Collects problems for one file (its label is what messages start with)."""

    def __init__(self, label: str):
        self.label = label
        self.problems: list[Problem] = []

    def error(self, at, message: str, default: tuple[int, int] = (1, 1)) -> None:
        line, col = where(at, default)
        self.problems.append(Problem(self.label, line, col, message))

    def warn(self, at, message: str, default: tuple[int, int] = (1, 1)) -> None:
        line, col = where(at, default)
        self.problems.append(Problem(self.label, line, col, message, "warning"))

    def key_error(self, mapping: YDict, key: str, message: str) -> None:
        line, col = mapping.key_pos.get(key, where(mapping))
        self.problems.append(Problem(self.label, line, col, message))

    def keys(self, mapping: YDict, allowed: set[str], what: str) -> None:
        """Unknown keys are errors (a typo like `tag_add` would otherwise be ignored silently)."""
        for key in mapping:
            if key not in allowed:
                self.key_error(mapping, key, f"unknown key '{key}' in {what}{suggest(key, allowed)}")

    def string(self, mapping: YDict, key: str, what: str, required: bool = True) -> str | None:
        value = mapping.get(key)
        if value is None:
            if required:
                self.error(mapping, f"{what} is missing '{key}'")
            return None
        if not isinstance(value, YStr):
            self.key_error(mapping, key, f"'{key}' must be a string")
            return None
        return str(value)

    def string_list(self, mapping: YDict, key: str) -> list[YStr]:
        """A list of strings; a single string is accepted as a one-item list."""
        value = mapping.get(key)
        if value is None:
            return []
        if isinstance(value, YStr):
            return [value]
        if not isinstance(value, YList) or not all(isinstance(v, YStr) for v in value):
            self.key_error(mapping, key, f"'{key}' must be a list of strings")
            return []
        return list(value)

    def boolean(self, mapping: YDict, key: str) -> bool:
        value = mapping.get(key)
        if value is None:
            return False
        text = str(value).lower() if isinstance(value, YStr) else None
        if text in ("true", "yes"):
            return True
        if text in ("false", "no"):
            return False
        self.key_error(mapping, key, f"'{key}' must be true or false, not {value!r}")
        return False

    def integer(self, mapping: YDict, key: str, default: int) -> int:
        value = mapping.get(key)
        if value is None:
            return default
        if isinstance(value, YStr) and value.strip().lstrip("-").isdigit():
            return int(value)
        self.key_error(mapping, key, f"'{key}' must be a whole number, not {value!r}")
        return default


def suggest(word: str, choices) -> str:
    """` (did you mean 'x'?)` for the closest choice, or nothing."""
    match = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""
