"""A curator's Markdown note, rendered to safe HTML.

Notes are short Markdown written in curation.yml. Raw HTML in them is shown as text (never
passed through) and links keep only http(s), mailto and relative targets, so a pasted snippet
cannot put a script on the site.
"""

from __future__ import annotations

import markdown
from markdown.treeprocessors import Treeprocessor

from .markup import esc

_SAFE_SCHEMES = ("http://", "https://", "mailto:")


class _SafeLinks(Treeprocessor):
    def run(self, root):
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is None:
                    continue
                lowered = value.strip().lower()
                is_relative = not (":" in lowered.split("/", 1)[0])
                if not (lowered.startswith(_SAFE_SCHEMES) or is_relative):
                    del element.attrib[attribute]
            for attribute in list(element.attrib):
                if attribute.lower().startswith("on"):
                    del element.attrib[attribute]


def render_note(text: str) -> str:
    """Markdown to HTML with raw HTML escaped and unsafe link targets removed."""
    md = markdown.Markdown(extensions=[])
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.inlinePatterns.deregister("entity")
    md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)
    # With the HTML processors gone, escape angle brackets so they print as text.
    html = md.convert(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return " ".join(html.split("\n")) if html else esc(text)
