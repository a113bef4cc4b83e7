"""MkDocs hook: runs the papershelf pipeline inside `mkdocs build` and `mkdocs serve`.

Pages are added as virtual files (`File.generated`), never written into docs/: writing there
during `serve` would trigger another rebuild, forever. MkDocs does not reload hook modules on
rebuild, so this thin module re-imports the `generator` package itself each time, which makes
edits to the generator's code show up in `serve` too.

A broken edit during `serve` logs every problem and keeps serving the last good site, so a
typo in tags.yml never kills the preview; `build` stops with the problems and exit code 1.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.plugins.papershelf")

_state: dict = {"site": None, "serve": False, "bodies": {}}
_PLACEHOLDER = "PAPERSHELF-GENERATED-BODY"


def _fresh_generator():
    """Import the generator package anew so code edits apply on every rebuild."""
    for name in [n for n in sys.modules if n == "generator" or n.startswith("generator.")]:
        del sys.modules[name]
    return importlib.import_module("generator.site"), importlib.import_module("generator.errors")


def on_startup(command: str, dirty: bool = False) -> None:
    _state["serve"] = command == "serve"


@event_priority(100)  # before the tags plugin reads `tags_allowed` in its own on_config
def on_config(config):
    root = Path(config.config_file_path).resolve().parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    site_mod, errors_mod = _fresh_generator()
    _state["csp"] = importlib.import_module("generator.render.csp")
    try:
        site = site_mod.build_site(root, strict=bool(config.strict), site_name=config.site_name,
                                   site_url=config.site_url or "http://127.0.0.1:8000/")
    except errors_mod.PapershelfError as exc:
        for problem in exc.problems:
            log.error(str(problem))
        if _state["serve"] and _state["site"] is not None:
            log.error("papershelf: fix the problems above; still serving the last good site")
            site = _state["site"]
        else:
            raise Abort(f"papershelf: {len(exc.problems)} problem(s) in the inputs, see above") from None
    else:
        for problem in site.problems:  # warnings: mkdocs --strict turns them into a failure
            log.warning(str(problem))
    _state["site"] = site
    config.nav = site.nav()
    _allow_only_taxonomy_tags(config, site)
    return config


def _allow_only_taxonomy_tags(config, site) -> None:
    """The tags plugin accepts exactly the labels tags.yml defines (a stray tag fails the build)."""
    plugin = config.plugins.get("material/tags")
    if plugin is None:
        return
    from material.plugins.tags.structure.tag import Tag

    plugin.config.tags_allowed = {Tag(t.label) for t in site.library.taxonomy.tags}


def on_files(files, config):
    site = _state["site"]
    for path, content in site.pages.items():
        existing = files.get_file_from_path(path)
        if existing is not None:  # the generated page wins; say so rather than hide a file
            log.warning(f"papershelf: docs/{path} is replaced by the generated page of that name")
            files.remove(existing)
        generated = File.generated(config, path, content=content)
        generated.generated_by = "papershelf"
        # "Edit this page" on a generated page opens the YAML that shapes it, not a missing file.
        generated.edit_uri = "../tags.yml" if path.startswith(("themes/", "tags")) else "../curation.yml"
        files.append(generated)
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Generated pages are one escaped HTML block: keep them away from Markdown entirely.

    Python-Markdown would only pass the block through (slowly: its raw-HTML parser is the most
    expensive step of a build), and no Markdown extension can be triggered by seed text that
    never reaches it. The page's HTML is put back in on_page_content.
    """
    if page.file.generated_by == "papershelf" and markdown.startswith("<div"):
        _state["bodies"][page.file.src_uri] = markdown
        return _PLACEHOLDER
    return markdown


def on_page_content(html: str, page, config, files) -> str:
    body = _state["bodies"].pop(page.file.src_uri, None)
    return body if body is not None else html


def on_post_page(output: str, page, config) -> str:
    """Every page gets a Content-Security-Policy with hashes of its own inline scripts."""
    return _state["csp"].add_csp(output, config.repo_url)
