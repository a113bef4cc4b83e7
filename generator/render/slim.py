"""Lighter built pages: icons drawn from one shared sprite, and no runs of whitespace.

Material inlines every icon's SVG wherever it is used, and its templates are indented, so about
half of a paper page was repeated icons and indentation (the same nav, header and footer icons on
every page). The hook runs each built page through `slim` (on_post_page), and writes the icons it
took out into one sprite file (`sprite_svg`, at `SPRITE` in the site) once per build:

- An icon is replaced only in the exact form Material's icon files have (an `<svg>` with
  `xmlns` and `viewBox` and nothing but `<path d>` inside), so charts and anything else with
  attributes, text or styles stays inline. Its id is a hash of its SVG, so the same icon has
  the same id on every page and in every build. The `<use>` refers to the sprite with
  `xlink:href`, not `href`: Material's instant navigation resolves every `[href]` by assigning
  `el.href = el.href`, which throws on an SVG element (its `href` is read-only), and breaks
  navigation; `xlink:href` is not matched by `[href]`.
- Whitespace: a run of spaces, tabs and line breaks becomes one line break (when it held one)
  or one space, so text and inline elements keep the one space between them that the browser
  renders. Nothing changes inside elements whose whitespace shows (`pre`, `textarea`, and
  `code`/`kbd`, which Material styles `white-space: pre-wrap`), inside `script` and `style`,
  comments, or attribute values that hold a run of whitespace.
"""

from __future__ import annotations

import hashlib
import re

SPRITE = "assets/icons.svg"

_ICON = re.compile(r'<svg xmlns="http://www\.w3\.org/2000/svg" viewBox="([0-9. ]+)">((?:<path d="[^"<>]*"/>)+)</svg>')
# What keeps its whitespace: elements where it shows or is code, and comments; then, within
# the rest, attribute values holding a run of whitespace (looked for only where a run is).
_KEEP = re.compile(r'(<(?:pre|textarea|script|style|code|kbd)\b.*?</(?:pre|textarea|script|style|code|kbd)\s*>'
                   r'|<!--.*?-->)', re.S | re.I)
_KEEP_ATTRIBUTE = re.compile(r'(="[^"]*(?:[\t\n\r\f]|  )[^"]*")')
_LINE_BREAK_RUN = re.compile(r"(?:[ \t\r\f]+\n|\n[ \t\r\f\n])[ \t\n\r\f]*")
_SPACE_RUN = re.compile(r"[ \t\r\f]{2,}")


def icon_id(svg: str) -> str:
    """A short, stable id for an icon's SVG (same icon, same id, on every page and build)."""
    return "i" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:10]


def use_sprite(html: str, sprite_url: str, icons: dict[str, tuple[str, str]]) -> str:
    """`html` with each inline icon replaced by a `<use>` of the sprite at `sprite_url`; adds
    each icon it replaces to `icons` (id -> (viewBox, inner SVG)) for `sprite_svg`."""
    def replace(match: re.Match) -> str:
        view_box, inner = match.group(1), match.group(2)
        name = icon_id(match.group(0))
        icons.setdefault(name, (view_box, inner))
        return f'<svg viewBox="{view_box}"><use xlink:href="{sprite_url}#{name}"/></svg>'

    return _ICON.sub(replace, html)


def _has_run(text: str) -> bool:
    """Whether `text` may hold a run of whitespace: substring tests, much quicker than a regex
    scan (the parts between two <pre>, <script>... often have none)."""
    return ("  " in text or "\n " in text or " \n" in text or "\n\n" in text or "\t" in text or "\r" in text
            or "\f" in text)


def _collapse_text(text: str) -> str:
    return _SPACE_RUN.sub(" ", _LINE_BREAK_RUN.sub("\n", text))


def collapse_whitespace(html: str) -> str:
    """`html` without runs of whitespace where they do not show (see the module's docstring).

    A paper page made from a skeleton (render/skeleton.py) is collapsed in two parts: the
    skeleton once, its content on each page; render/skeleton.py `fits` keeps the content from
    meeting the skeleton's text with whitespace on both sides, where one whole-page pass would
    have joined two runs."""
    parts = _KEEP.split(html)
    for i in range(0, len(parts), 2):  # (odd parts are what _KEEP matched)
        text = parts[i]
        if not _has_run(text):
            continue
        if _KEEP_ATTRIBUTE.search(text):
            pieces = _KEEP_ATTRIBUTE.split(text)
            parts[i] = "".join(_collapse_text(p) if j % 2 == 0 else p for j, p in enumerate(pieces))
        else:
            parts[i] = _collapse_text(text)
    return "".join(parts)


# A theme's entry in Material's nav (an item without children: nothing nested inside).
_THEME_ITEM = re.compile(r'<li class="md-nav__item">\s*<a href="(?:\.\./)*themes/([^/"]+)/" class="md-nav__link">'
                         r'(?:(?!<li[ >]).)*?</li>\s*', re.S)


def paper_nav(html: str, themes: set[str]) -> str:
    """A paper page's nav with only its own themes under Themes (and "All themes").

    Papers are not in the nav, so on a paper page the sidebar is the same long list on every
    page: the other themes' entries were 3.6 of its 22.5 KB. What a reader of one paper needs
    there is its own theme(s); every theme stays one link away ("All themes"). At 390 px the nav
    is in the closed drawer, so the page looks the same there."""
    return _THEME_ITEM.sub(lambda m: m.group(0) if m.group(1) in themes else "", html)


def slim(html: str, sprite_url: str, icons: dict[str, tuple[str, str]]) -> str:
    return collapse_whitespace(use_sprite(html, sprite_url, icons))


def sprite_svg(icons: dict[str, tuple[str, str]]) -> str:
    """The sprite file: one group per icon, sorted by id (the same icons give the same bytes).

    A `<g>`, not a `<symbol>`: a symbol is a viewport of its own, which Chromium rasterizes a
    little differently from the inline icon (anti-aliased edges differed); a group draws the
    same paths in the page's own `<svg viewBox>`, as the inline icon did."""
    groups = "".join(f'<g id="{name}">{inner}</g>\n' for name, (_view_box, inner) in sorted(icons.items()))
    return f'<svg xmlns="http://www.w3.org/2000/svg"><defs>\n{groups}</defs></svg>\n'
