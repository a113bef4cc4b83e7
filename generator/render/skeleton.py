"""Paper pages from one rendered page: Material's templates run once per kind of paper page.

Every paper page is the same HTML but for its title, description, canonical URL and content:
papers are not in the nav, all sit at the same depth (one base URL, one Content-Security-Policy),
and their nav lists their own theme(s) only. So the hook renders Material's `main.html` once
per kind of paper page (same themes, same meta that the templates read) with *sentinels* in those
four places (twice, with two sets of sentinels), runs that page through on_post_page's steps
(policy, sprite, whitespace), and cuts it at the sentinels into a `Skeleton`. Each paper page is then the skeleton's pieces joined with
its own values, in the form each place printed them. At 10,000 papers the templates and the
post-processing of every page were over a third of `mkdocs build`.

Each sentinel holds a tag, so its three possible printed forms differ: as is (Material prints
`page.meta.title` raw), `striptags | e` (the `<title>` and Open Graph tags) and `| e`. A page
whose sentinels come out in any other form, or whose two renders differ anywhere else, makes no
skeleton (`make` returns None) and the
hook renders that kind of page through Jinja as usual; so does a paper whose values would not
sit in the slots exactly as Jinja and the whitespace rule would put them (`fill` returns None).
tests/test_scale.py checks that the site is byte-identical to a build without this
(PAPERSHELF_PLAIN_BUILD=1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

# Two sets of sentinels (name -> value), of different lengths and letters from the start: the
# page is rendered with each, and a skeleton is made only if both cut into the same pieces, so a template that
# printed a value in a form not recognised here (`| upper`, `| truncate`) or branched on it
# (`| length`) shows up as a difference. The content holds no "<h1", as no paper body does
# (Material then prints the title as the page's h1), and ends with the one line break every
# paper body ends with.
SENTINELS = (
    {"title": "PsxSlotTitle<i>q</i>", "description": "PsxSlotDescription<i>q</i>",
     "url": "https://psx.invalid/PsxSlotUrl/", "content": "<div>PsxSlotContent</div>\n"},
    {"title": "ZqjSlotTitleSecondOfTwo<b>w</b>", "description": "ZqjSlotDescriptionSecondOfTwo<b>w</b>",
     "url": "https://zqj.invalid/ZqjSlotUrlSecondOfTwo/", "content": "<div>ZqjSlotContentSecondOfTwo</div>\n"},
)
_FORMS = ("raw", "striptags_e", "e")


def form(value: str, how: str) -> str:
    """`value` printed as a template prints it: as is, `| striptags | e`, or `| e` (Jinja's filters)."""
    if how == "raw":
        return value
    if how == "striptags_e":
        return str(escape(Markup(value).striptags()))
    return str(escape(value))


def _slot_finder(sentinels: dict[str, str]) -> tuple[re.Pattern, dict[str, tuple[str, str]]]:
    printed = {form(value, how): (name, how) for name, value in sentinels.items() for how in reversed(_FORMS)}
    return re.compile("|".join(re.escape(text) for text in sorted(printed, key=len, reverse=True))), printed


_FINDERS = tuple(_slot_finder(sentinels) for sentinels in SENTINELS)


@dataclass(frozen=True)
class Skeleton:
    """A rendered page cut at its slots: `pieces[i]`, slot i, `pieces[i + 1]`, ..."""

    pieces: tuple[str, ...]
    slots: tuple[tuple[str, str], ...]  # (name, form) of each slot

    def fill(self, values: dict[str, str], slim) -> str | None:
        """The page with `values` (title, description, url, content; content as generated, the
        others as the page's meta has them) in its slots, the content slimmed by `slim`; None
        when a value would not sit in its slot as Jinja and the whitespace rule put it."""
        if not fits(values):
            return None
        printed = {(name, how): slim(values[name]) if name == "content" else form(values[name], how)
                   for name, how in set(self.slots)}
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:]):
            out.append(printed[slot])
            out.append(piece)
        return "".join(out)


def make(renders: tuple[str, str]) -> Skeleton | None:
    """The skeleton of a page rendered (and post-processed) once with each set of `SENTINELS`;
    None unless both cut into the same pieces and slots, with the content once and as is."""
    cut = [_cut(html, finder, printed) for html, (finder, printed) in zip(renders, _FINDERS)]
    if cut[0] != cut[1] or cut[0] is None or [s for s in cut[0].slots if s[0] == "content"] != [("content", "raw")]:
        return None
    return cut[0]


def _cut(html: str, finder: re.Pattern, printed: dict[str, tuple[str, str]]) -> Skeleton | None:
    pieces: list[str] = []
    slots: list[tuple[str, str]] = []
    start = 0
    for match in finder.finditer(html):
        pieces.append(html[start:match.start()])
        slots.append(printed[match.group(0)])
        start = match.end()
    pieces.append(html[start:])
    if any(prefix in "".join(pieces) for prefix in ("PsxSlot", "ZqjSlot")):  # (a sentinel in a form not recognised)
        return None
    return Skeleton(tuple(pieces), tuple(slots))


def fits(values: dict[str, str]) -> bool:
    """Whether each value prints in its slot as Jinja then the whitespace rule would: the
    content starts with a tag, holds no h1 and ends with one line break, as the sentinel does;
    the one-line values have no whitespace at their ends or in runs (they meet the skeleton's
    text there, and the whitespace rule would have joined the two)."""
    content = values["content"]
    if not content.startswith("<") or "<h1" in content or not content.endswith(">\n"):
        return False
    for name in ("title", "description", "url"):
        value = values[name]
        if not value or value != value.strip() or "  " in value or "\n" in value or "\t" in value or "\r" in value:
            return False
    return True
