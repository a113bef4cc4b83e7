"""A Content-Security-Policy for every built page.

Scripts may only come from the site ('self') or be one of the theme's own inline scripts,
allowed by the SHA-256 hash of their exact text. Those hashes come from the theme's templates,
never from the page: `theme_scripts` renders the templates that hold Material's inline scripts
(`partials/javascripts/`, `partials/integrations/`, or an override of them) with the build's
config and the page's `base_url` and nothing of the page, so a script that reached a page from
data (an escaping bug) is not in the policy and the browser refuses to run it. A theme upgrade
that changes its scripts needs no edit here.

`mkdocs serve` injects its live-reload script inline into each page as it sends it, right
before `</body>`, different on every request (`livereload(epoch, request id)`): the hook hands
each page serve sends to `allow_live_reload`, which adds that one script's hash to the page's
policy, so an open tab reloads after an edit. Built files stay as `build` makes them.
"""

from __future__ import annotations

import base64
import hashlib
import re

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S | re.I)
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.I)
# Types a browser runs as a classic script (an inline <script type="application/json"> is data).
_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
_CHARSET = re.compile(r'<meta charset="utf-8">', re.I)
THEME_SCRIPT_TEMPLATES = ("partials/javascripts/", "partials/integrations/")


def inline_scripts(html: str) -> list[str]:
    """The text of each inline script a browser would run, in order of appearance."""
    out = []
    for attributes, body in _INLINE_SCRIPT.findall(html):
        kind = _TYPE.search(attributes)
        if (kind.group(1).lower() if kind else "") in _SCRIPT_TYPES:
            out.append(body)
    return out


def source(script: str) -> str:
    """The CSP source expression allowing exactly this inline script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def theme_scripts(env, config, base_url: str) -> frozenset[str]:
    """Hashes of the inline scripts the theme's templates emit on a page at `base_url`.

    Each template that holds them is rendered on its own, with what they read (the config, the
    base URL and the theme's features, as base.html names them) and no page, so no data.
    """
    allowed = set()
    context = {"config": config, "base_url": base_url, "features": config.theme.get("features") or []}
    for name in env.list_templates(filter_func=lambda name: name.startswith(THEME_SCRIPT_TEMPLATES)):
        allowed.update(map(source, inline_scripts(env.get_template(name).render(context))))
    return frozenset(allowed)


def policy(scripts: list[str], connect: tuple[str, ...] = ()) -> str:
    """'wasm-unsafe-eval' lets the search (Pagefind) compile its WebAssembly from the site's own
    files; it allows no eval() of JavaScript and no inline script."""
    script_src = " ".join(["'self'", "'wasm-unsafe-eval'", *scripts])
    connect_src = " ".join(["'self'", *connect])
    return (f"default-src 'self'; script-src {script_src}; connect-src {connect_src}; "
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


def add_csp(html: str, allowed: frozenset[str], repo_url: str | None = None) -> str:
    """Insert the policy as the first thing after <meta charset>, before any script can run.

    It lists the hashes of the page's inline scripts that are among `allowed` (the theme's,
    `theme_scripts`), in order of appearance; any other inline script stays blocked."""
    scripts = list(dict.fromkeys(s for s in map(source, inline_scripts(html)) if s in allowed))
    meta = (f'<meta http-equiv="Content-Security-Policy" '
            f'content="{policy(scripts, connect_sources(repo_url))}">')
    if _CHARSET.search(html):
        return _CHARSET.sub(lambda m: m.group(0) + "\n      " + meta, html, count=1)
    return html.replace("<head>", "<head>" + meta, 1)


_SCRIPT_SRC = "script-src 'self' 'wasm-unsafe-eval'"


def allow_live_reload(page: str) -> str:
    """A page as `mkdocs serve` sends it, with the live-reload script serve put right before its
    `</body>` allowed by hash in its policy; any other page as it is. Only the inline script that
    ends the body counts: in a built page `</body>` follows the theme's last script and a line
    break, so nothing from the page itself is ever allowed this way."""
    end = page.rfind("</body>")
    start = page.rfind("<script>", 0, end)
    if end < 0 or start < 0 or not page.endswith("</script>", 0, end) or _SCRIPT_SRC not in page:
        return page
    script = page[start + len("<script>"):end - len("</script>")]
    if "<script" in script or "</script>" in script:
        return page
    return page.replace(_SCRIPT_SRC, f"{_SCRIPT_SRC} {source(script)}", 1)
