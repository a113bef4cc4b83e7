"""Atom feeds: the whole list and one per theme, what the list gained most recently first.

Built with ElementTree, so every title and summary is XML-escaped by the serializer rather
than by hand. Entry ids are tag: URIs derived from the slug, stable across rebuilds.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..model import Paper

ATOM = "http://www.w3.org/2005/Atom"
FEED_LIMIT = 100
_FALLBACK = "2000-01-01"  # a list with no date at all (Atom needs one): never 1970


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def atom_feed(title: str, feed_path: str, papers: list[Paper], site_url: str) -> str:
    """An Atom 1.0 document for `papers` (already in feed order: `lists.newest_first`); links are
    absolute to site_url. An entry is updated when it joined the list (`added`), else on its
    publication date; one with neither takes the feed's own date, the newest date known."""
    base = site_url.rstrip("/") + "/"
    root = ET.Element("feed", xmlns=ATOM)
    _text(root, "title", title)
    _text(root, "id", base + feed_path)
    ET.SubElement(root, "link", rel="self", href=base + feed_path)
    ET.SubElement(root, "link", rel="alternate", href=base)
    shown = papers[:FEED_LIMIT]
    newest = max((d for p in papers for d in (p.added, p.date) if d), default=None) or _FALLBACK
    _text(root, "updated", f"{newest}T00:00:00Z")
    author = ET.SubElement(root, "author")
    _text(author, "name", "papershelf")
    for paper in shown:
        entry = ET.SubElement(root, "entry")
        _text(entry, "title", paper.title or "Untitled paper")
        _text(entry, "id", f"{base}papers/{paper.slug}/")
        ET.SubElement(entry, "link", rel="alternate", href=f"{base}papers/{paper.slug}/")
        _text(entry, "updated", f"{paper.added or paper.date or newest}T00:00:00Z")
        if paper.date:
            _text(entry, "published", f"{paper.date}T00:00:00Z")
        _text(entry, "summary", paper.abstract or paper.title)
        for link in paper.code[:1]:
            ET.SubElement(entry, "link", rel="related", href=link, title="code")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
