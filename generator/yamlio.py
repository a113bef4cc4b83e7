"""Loading the YAML files people edit by hand (tags.yml, curation.yml, seeds/sources.yml).

PyYAML's defaults are wrong for hand-edited data: it keeps the last of duplicate keys silently,
expands anchors/aliases (a "billion laughs" vector), and turns `no` into False and `2401.10200`
into a float. So we compose the node tree ourselves: every scalar stays a string (validators
convert the few typed fields explicitly), duplicate keys and anchors are problems, and every
value remembers its line and column so errors can say `file:line:col`. Lists and mappings nested
deeper than limits.MAX_YAML_DEPTH are a problem too (composing them would recurse without bound),
and characters XML forbids are taken out of every string (with a warning), as no page or feed
may carry them.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import Problem
from .limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, too_large
from .text import xml_safe

# libyaml's parser when PyYAML was built with it: same events and marks, about 10x faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Pos:
    """Mixin giving a loaded value its 1-based line and column."""

    line: int = 0
    col: int = 0


class YStr(str, Pos):
    """A string that knows where it was written."""


class YList(list, Pos):
    """A list that knows where it was written."""


class YDict(dict, Pos):
    """A mapping that knows where it and each of its keys were written."""

    key_pos: dict[str, tuple[int, int]]


def _at(value, node: yaml.Node):
    value.line = node.start_mark.line + 1
    value.col = node.start_mark.column + 1
    return value


def where(value, default: tuple[int, int] = (1, 1)) -> tuple[int, int]:
    """Line and column of a loaded value (or `default` for a plain Python value)."""
    if isinstance(value, Pos) and value.line:
        return value.line, value.col
    return default


_NULLS = {"", "~", "null", "Null", "NULL"}


def _string(node: yaml.ScalarNode, label: str, problems: list[Problem]) -> str:
    """A scalar's text without the characters XML forbids (only a quoted "\\0" or "\\uFFFE"
    escape can write them: the YAML reader refuses them written out)."""
    value = xml_safe(node.value)
    if value != node.value:
        problems.append(Problem(label, node.start_mark.line + 1, node.start_mark.column + 1,
                                "removed characters XML does not allow (control characters, U+FFFE, U+FFFF)",
                                "warning"))
    return value


def _convert(node: yaml.Node, label: str, problems: list[Problem]):
    if isinstance(node, yaml.ScalarNode):
        if node.style is None and node.value in _NULLS:
            return None
        return _at(YStr(_string(node, label, problems)), node)
    if isinstance(node, yaml.SequenceNode):
        return _at(YList(_convert(item, label, problems) for item in node.value), node)
    if isinstance(node, yaml.MappingNode):
        out = _at(YDict(), node)
        out.key_pos = {}
        for key_node, value_node in node.value:
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(label, line, col, "a key must be a plain string"))
                continue
            key = _string(key_node, label, problems)
            if key in out:
                first = out.key_pos[key][0]
                problems.append(
                    Problem(label, line, col, f"duplicate key '{key}' (first defined on line {first})")
                )
                continue
            out.key_pos[key] = (line, col)
            out[key] = _convert(value_node, label, problems)
        return out
    raise AssertionError(f"unexpected YAML node {node!r}")  # pragma: no cover


def load_text(text: str, label: str) -> tuple[object, list[Problem]]:
    """Parse YAML text into strings/YList/YDict; return (data, problems). Data is None on failure."""
    problems: list[Problem] = []
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_YAML_BYTES:
        return None, [too_large(size, MAX_YAML_BYTES, label)]
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            mark = event.start_mark
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    return None, problems + [Problem(label, mark.line + 1, mark.column + 1,
                                                     f"nesting deeper than {MAX_YAML_DEPTH} levels")]
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                problems.append(
                    Problem(label, mark.line + 1, mark.column + 1,
                            "anchors and aliases (& and *) are not allowed; write the value out")
                )
            elif getattr(event, "tag", None) is not None and not isinstance(
                    event, (yaml.DocumentStartEvent, yaml.DocumentEndEvent)):
                problems.append(Problem(label, mark.line + 1, mark.column + 1,
                                        f"YAML tags ({event.tag}) are not allowed; write a plain value"))
        if problems:
            return None, problems
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if "maximum nesting depth" in message:  # libyaml's own limit, met before ours (its scanner reads ahead)
            message = f"nesting deeper than {MAX_YAML_DEPTH} levels"
        if mark is None:
            return None, [Problem(label, None, None, message)]
        return None, [Problem(label, mark.line + 1, mark.column + 1, message)]
    except yaml.YAMLError as exc:  # reader errors (control characters) carry no mark
        return None, [Problem(label, None, None, f"YAML error: {exc}")]
    if node is None:
        return None, problems
    data = _convert(node, label, problems)
    return data, problems


def load_file(path: Path, label: str | None = None) -> tuple[object, list[Problem]]:
    """Read and parse a YAML file; a missing or undecodable file is a problem, not a crash."""
    label = label or path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(label, None, None, f"cannot read file: {exc.strerror}")]
    if len(raw) > MAX_YAML_BYTES:
        return None, [too_large(len(raw), MAX_YAML_BYTES, label)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(label, line, None, "file is not valid UTF-8")]
    return load_text(text, label)
