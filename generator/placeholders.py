"""The example addresses in mkdocs.yml (`site_url`, `repo_url`), caught before they are published.

The project ships with `https://example.github.io/papershelf/` and
`https://github.com/example/papershelf` so that `make serve` works on a fresh clone. Published
as they are, every "Edit this page" opens github.com/example and the feeds point at
example.github.io, and nothing said so. Now:

- `papershelf check` and `mkdocs build` warn (so `mkdocs build --strict`, which the Pages
  workflow runs, fails), naming mkdocs.yml and the line;
- `mkdocs serve` warns and serves (a preview is not a publication);
- `mkdocs gh-deploy` (which publishes) stops, whatever the environment says;
- with `PAPERSHELF_ALLOW_EXAMPLE_URLS=1` (set by `make site` and the tests, which build the
  example project strictly on purpose) a build notes it and goes on.

An address is an example when its host is one of the names RFC 2606 reserves for examples
(`example.com`, `.org`, `.net` and their subdomains), `example.github.io`, or when it is a
repository of the owner `example` on GitHub, GitLab or Bitbucket.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from .errors import PapershelfError, Problem
from .inputs import read_input

CONFIG = "mkdocs.yml"
KEYS = ("site_url", "repo_url")
ALLOW_ENV = "PAPERSHELF_ALLOW_EXAMPLE_URLS"
_EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net", "example.github.io")
_REPO_HOSTS = ("github.com", "gitlab.com", "bitbucket.org")


def allowed() -> bool:
    """Whether this build may keep the example addresses (a local build of the example)."""
    return os.environ.get(ALLOW_ENV) == "1"


def is_example(url: object) -> bool:
    """Whether `url` is one of the example addresses (see the module's docstring)."""
    if not isinstance(url, str) or not url:
        return False
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if any(host == d or host.endswith("." + d) for d in _EXAMPLE_DOMAINS):
        return True
    owner = parts.path.strip("/").split("/", 1)[0].lower()
    return host in _REPO_HOSTS and owner == "example"


def _positions(text: str) -> dict[str, tuple[int, int, object]]:
    """Top-level key -> (line, column, its plain value or None) in mkdocs.yml, from the YAML's
    node tree (no values are constructed, so MkDocs' own tags such as `!ENV` are fine)."""
    from .project import _Loader  # (reads mkdocs.yml's application tags; imported late: project is big)

    try:
        root = yaml.compose(text, Loader=_Loader)  # noqa: S506  (a safe loader)
    except yaml.YAMLError:
        return {}
    found: dict[str, tuple[int, int, object]] = {}
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value in KEYS:
                plain = value.value if isinstance(value, yaml.ScalarNode) and value.tag.startswith("tag:yaml.org") else None
                found[key.value] = (value.start_mark.line + 1, value.start_mark.column + 1, plain)
    return found


def example_url_problems(root: Path, values: dict[str, object] | None = None,
                         severity: str = "warning") -> list[Problem]:
    """A problem for each of site_url and repo_url that is an example address, at its line in
    the project's mkdocs.yml. `values`: the settings as MkDocs resolved them (the hook passes
    its config, so `!ENV` values count); the values written in the file count too (`mkdocs
    serve` replaces site_url with its own address before the hook sees it)."""
    try:
        text = read_input(root / CONFIG, root).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, PapershelfError):
        return []  # (reading mkdocs.yml is MkDocs' business; its own error says what is wrong)
    positions = _positions(text)
    problems = []
    for key in KEYS:
        line, col, written = positions.get(key, (None, None, None))
        value = next((v for v in ((values or {}).get(key), written) if is_example(v)), None)
        if value is not None:
            problems.append(Problem(CONFIG, line, col, f"{key} is still the example address '{value}': set it to "
                                    "your own before publishing (README, Publishing)", severity))
    return problems
