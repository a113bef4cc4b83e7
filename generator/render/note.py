"""A curator's Markdown note, rendered to safe HTML.

Notes are short Markdown written in curation.yml. Raw HTML in them is shown as text (never
passed through) and links keep only http(s), mailto and relative targets, so a pasted snippet
cannot put a script on the site.
"""

from __future__ import annotations

import html
import re

import markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE

from .markup import esc

_SAFE_SCHEMES = ("http://", "https://", "mailto:")
# What browsers drop from a URL before reading its scheme: leading/trailing controls and
# spaces, tabs and newlines anywhere ("java\tscript:" is "javascript:").
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")


def _as_browser_reads(value: str) -> str:
    """A link target as a browser may end up reading it: Python-Markdown writes entities in
    attribute values as they are (`&#58;` stays `&#58;`, which the browser decodes to `:`), so
    decode them, as often as they nest, and drop what browsers ignore."""
    value = value.replace(AMP_SUBSTITUTE, "&")
    while (decoded := html.unescape(value)) != value:
        value = decoded
    return _URL_IGNORED.sub("", value).lower()


def safe_target(value: str) -> bool:
    """http(s), mailto, or relative (no scheme before the first `/`, `?` or `#`)."""
    target = _as_browser_reads(value)
    return target.startswith(_SAFE_SCHEMES) or ":" not in re.split(r"[/?#]", target, maxsplit=1)[0]


class _SafeLinks(Treeprocessor):
    def run(self, root):
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not safe_target(value):
                    del element.attrib[attribute]
                    if element.tag == "img":  # shown as its alt text
                        element.text = element.attrib.pop("alt", "")
                    if element.tag in ("a", "img"):  # text, not a link that goes nowhere
                        element.tag = "span"
            for attribute in list(element.attrib):
                if attribute.lower().startswith("on"):
                    del element.attrib[attribute]


def render_note(text: str) -> str:
    """Markdown to HTML with raw HTML shown as text and unsafe link targets removed.

    With Python-Markdown's HTML processors gone, `<b>` stays text and its serializer escapes it
    once, in a code span too (escaping the note first made `` `<b>` `` show `&lt;b&gt;`).
    """
    md = markdown.Markdown(extensions=[])
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.inlinePatterns.deregister("entity")
    md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)
    html_text = md.convert(text)
    return " ".join(html_text.split("\n")) if html_text else esc(text)
