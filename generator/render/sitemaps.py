"""`sitemap.xml` as a small sitemap index, with the URLs in chunk sitemaps beside it.

Material's instant navigation fetches `sitemap.xml` (at the site's base URL) on every first visit
to decide which links it may load in place (checked in Material 9.8.2's bundle:
`integrations/sitemap` requests `new URL("sitemap.xml", config.base)`; its
`integrations/alternate` does the same for each `<link rel=alternate>`, our feeds included).
MkDocs writes one sitemap with every page: 9.7 MB at 50,000 papers, fetched before the reader
has done anything. A sitemap index (the sitemap protocol's way to split a big sitemap, which
search engines read at the same address) holds no `<url>`: Material reads it as an empty
sitemap and leaves every link to the browser, a plain page load (the pages are small). So the
first visit fetches a few hundred bytes, and crawlers still find every page.

`split` takes the sitemap MkDocs rendered (its `<url>` blocks are kept verbatim, in order) and
returns the files to write, so the chunks say exactly what MkDocs said.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

CHUNK = 10_000  # URLs per chunk sitemap (the protocol allows 50,000 and 50 MB)
_URL = re.compile(r"[ \t]*<url>.*?</url>\n?", re.S)
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def chunk_name(number: int) -> str:
    return f"sitemap-{number}.xml"


def split(sitemap: str, site_url: str, chunk: int = CHUNK) -> dict[str, str]:
    """File name -> text: `sitemap.xml` (the index) and `sitemap-1.xml`... (the URLs)."""
    blocks = _URL.findall(sitemap)
    chunks = [blocks[i:i + chunk] for i in range(0, len(blocks), chunk)] or [[]]
    base = escape(site_url if site_url.endswith("/") else site_url + "/")
    files = {chunk_name(n): f"{_HEAD}<urlset {_NS}>\n{''.join(part)}</urlset>\n"
             for n, part in enumerate(chunks, start=1)}
    entries = "".join(f"    <sitemap>\n         <loc>{base}{name}</loc>\n    </sitemap>\n" for name in files)
    files["sitemap.xml"] = f"{_HEAD}<sitemapindex {_NS}>\n{entries}</sitemapindex>\n"
    return files
