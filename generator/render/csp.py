"""A Content-Security-Policy for every built page, computed from the page itself.

Scripts may only come from the site ('self') or be one of the theme's own inline scripts,
allowed by the SHA-256 hash of their exact text, computed at build time (a theme upgrade that
changes them needs no edit here). Anything injected from data would have neither, so even an
escaping bug could not run a script.
"""

from __future__ import annotations

import base64
import hashlib
import re

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
_CHARSET = re.compile(r'<meta charset="utf-8">', re.I)


def script_hashes(html: str) -> list[str]:
    """CSP source expressions for each distinct inline script, in order of appearance."""
    seen: list[str] = []
    for body in _INLINE_SCRIPT.findall(html):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        source = f"'sha256-{digest}'"
        if source not in seen:
            seen.append(source)
    return seen


def policy(html: str, connect: tuple[str, ...] = ()) -> str:
    scripts = " ".join(["'self'", *script_hashes(html)])
    connect_src = " ".join(["'self'", *connect])
    return (f"default-src 'self'; script-src {scripts}; connect-src {connect_src}; "
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
            "form-action 'self'")


def connect_sources(repo_url: str | None) -> tuple[str, ...]:
    """Material fetches repository facts (stars, forks) from the host's API; allow only that."""
    if repo_url and repo_url.startswith("https://github.com/"):
        return ("https://api.github.com",)
    if repo_url and repo_url.startswith("https://gitlab.com/"):
        return ("https://gitlab.com",)
    return ()


def add_csp(html: str, repo_url: str | None = None) -> str:
    """Insert the policy as the first thing after <meta charset>, before any script can run."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(html, connect_sources(repo_url))}">'
    if _CHARSET.search(html):
        return _CHARSET.sub(lambda m: m.group(0) + "\n      " + meta, html, count=1)
    return html.replace("<head>", "<head>" + meta, 1)
