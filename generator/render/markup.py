"""Escaping and linking helpers shared by the renderers.

Seed text is untrusted: `esc` is the only way text reaches HTML, `safe_url` the only way a URL
reaches an attribute, and `front_matter` the only way values reach YAML (via a YAML dumper,
never string formatting, so a title with a colon or quote cannot break the block).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import urlsplit

import yaml


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter: same output, faster


def esc(text: object) -> str:
    """HTML-escape text for element content and attribute values alike."""
    return html.escape(str(text), quote=True)


def safe_url(url: str) -> str | None:
    """The URL escaped for an attribute if it is http(s) with a host, else None (dropped)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(ord(c) < 33 for c in url.strip()):
        return None
    return esc(url.strip())


def front_matter(meta: dict) -> str:
    """A `---` YAML block that MkDocs' SafeLoader reads back to exactly `meta`."""
    body = yaml.dump(meta, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000,
                     default_flow_style=False)
    return f"---\n{body}---\n"


@lru_cache(maxsize=None)
def page_url(src: str) -> str:
    """The site URL (directory style) MkDocs gives the page at docs path `src`."""
    if not src.endswith(".md"):
        return src
    stem = src[:-3]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


@lru_cache(maxsize=4096)
def _up(from_src: str) -> str:
    here = page_url(from_src) if from_src.endswith(".md") else from_src
    return "../" * here.count("/")


def href(from_src: str, to_src: str) -> str:
    """Relative link from the page at `from_src` to the page or file at `to_src`.

    Raw HTML is not rewritten by MkDocs, so generated links are computed here, relative (up to
    the site root, then down), so the site also works under a sub-path (https://user.github.io/repo/).
    """
    return (_up(from_src) + page_url(to_src)) or "./"


def attrs(**values: object) -> str:
    """`key="value"` pairs, escaped; None values are left out; `class_` becomes `class`."""
    out = []
    for key, value in values.items():
        if value is None:
            continue
        out.append(f'{key.rstrip("_").replace("_", "-")}="{esc(value)}"')
    return (" " + " ".join(out)) if out else ""


_EXCLUDED = re.compile(r'<(table|ul|ol|form|div|p)\b[^>]*\sdata-search-exclude[\s>]')
_OPENS = {tag: re.compile(rf"<{tag}[\s>]") for tag in ("table", "ul", "ol", "form", "div", "p")}


def without_search_excluded(html: str) -> str:
    """Our HTML minus the blocks marked `data-search-exclude` (headings kept).

    Material's search indexer skips those blocks anyway, but it has to parse them first, with
    Python's HTMLParser: on a 10,000-row table that is seconds per build. Cutting them out of
    what the indexer sees (never out of the page) gives the same index for a fraction of the
    work. Only for the generator's own markup, where every marked block closes properly.
    """
    out = []
    pos = 0
    while (match := _EXCLUDED.search(html, pos)) is not None:
        tag = match.group(1)
        out.append(html[pos:match.start()])
        depth, cursor = 1, match.end()
        while depth:
            close = html.find(f"</{tag}>", cursor)
            if close < 0:  # unbalanced: keep the rest as it is
                return "".join(out) + html[match.start():]
            depth += len(_OPENS[tag].findall(html, cursor, close)) - 1
            cursor = close + len(tag) + 3
        pos = cursor
    out.append(html[pos:])
    return "".join(out)
