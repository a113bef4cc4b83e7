"""MkDocs hook: runs the papershelf pipeline inside `mkdocs build` and `mkdocs serve`.

Pages are added as virtual files (`File.generated`), never written into docs/: writing there
during `serve` would trigger another rebuild, forever. MkDocs does not reload hook modules on
rebuild, so this thin module re-imports the `generator` package itself whenever its code
changed, which makes edits to the generator's code show up in `serve` too.

Shortcuts keep big lists fast, all checked against a plain build (tests/test_scale.py):
- Material renders the whole nav, header, footer and config into every page, and on paper
  pages they are always the same HTML (papers are not in the nav and all sit at the same depth;
  the header differs only by the title), so they are rendered once per build.
- Material's search indexer parses a small search-only HTML of each paper page (`Site.search`)
  and the other generated pages minus their excluded tables, instead of the whole pages.
- Generated pages skip PyYAML and Python-Markdown: their front-matter is read back with the
  generator's own inverse, and the body is placed as it is.
PAPERSHELF_PLAIN_BUILD=1 turns them off, so a test can check that they change nothing.

A broken edit during `serve` logs every problem and keeps serving the last good site, so a
typo in tags.yml never kills the preview; `build` stops with the problems and exit code 1.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import logging
import os
import sys
from pathlib import Path

from jinja2 import (BytecodeCache, ChoiceLoader, FileSystemBytecodeCache, FileSystemLoader, PrefixLoader,
                    pass_context)
from markupsafe import Markup
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

log = logging.getLogger("mkdocs.plugins.papershelf")

_state: dict = {"site": None, "serve": False, "bodies": {}, "shared": {}}
_PLACEHOLDER = "PAPERSHELF-GENERATED-BODY"
_HOOK = Path(__file__).resolve()
# Paper pages kept for the next serve rebuild (about 40 KB each): memory stays under ~160 MB
# for two generations of them however long the list is.
PAGE_CACHE_MAX = 2000


def _code_signature(root: Path) -> tuple:
    """Name, size and mtime of every file of the generator package: changes when code is edited."""
    package = root / "generator"
    return tuple(sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in package.rglob("*.py")))


def _theme_inputs(root: Path, config) -> str:
    """A digest of what shapes every page's chrome besides the site: mkdocs.yml and overrides/."""
    digest = hashlib.sha256(Path(config.config_file_path).read_bytes())
    overrides = root / "overrides"
    for path in sorted(overrides.rglob("*")) if overrides.is_dir() else []:
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _fresh_generator(root: Path):
    """The generator package, imported anew when its code changed since the last build.

    Edits to the generator's code then show up in `serve`; when only data changed (tags.yml,
    seeds) the modules stay, and so do their caches (parsed captures, related papers).
    """
    signature = _code_signature(root)
    if signature != _state.get("code"):
        for name in [n for n in sys.modules if n == "generator" or n.startswith("generator.")]:
            del sys.modules[name]
        _state["code"] = signature
    return importlib.import_module("generator.site"), importlib.import_module("generator.errors")


def on_startup(command: str, dirty: bool = False) -> None:
    _state["serve"] = command == "serve"


def _shortcuts() -> bool:
    return os.environ.get("PAPERSHELF_PLAIN_BUILD") != "1"


@event_priority(100)  # before the tags plugin reads `tags_allowed` in its own on_config
def on_config(config):
    root = Path(config.config_file_path).resolve().parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    site_mod, errors_mod = _fresh_generator(root)
    _state["inputs"] = _theme_inputs(root, config) if _state["serve"] else None  # (serve reuses pages)
    if _state.setdefault("hook_mtime", _HOOK.stat().st_mtime_ns) != _HOOK.stat().st_mtime_ns:
        log.warning("papershelf: generator/mkdocs_hook.py changed; MkDocs loads a hook once, "
                    "so restart `mkdocs serve` to use the new version")
    _state["csp"] = importlib.import_module("generator.render.csp")
    _state["markup"] = importlib.import_module("generator.render.markup")
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


class _TemplateCache(BytecodeCache):
    """Compiled templates, kept in memory between `serve` rebuilds and on disk between builds.

    Every build makes a new Jinja environment, which compiled Material's 60 templates again
    (0.5 s, a tenth of a seed build). Like __pycache__, the compiled code is kept in
    `.cache/papershelf/templates/` next to mkdocs.yml (Jinja writes each file to a temporary
    name and renames it, so a build that is killed leaves no half file). Jinja checks each
    template's source checksum, so an edited override is recompiled; an unreadable or corrupt
    cache file is compiled again, and a cache folder that cannot be written is simply not used.
    """

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}
        self.disk: FileSystemBytecodeCache | None = None

    def use_folder(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.disk = FileSystemBytecodeCache(str(folder))
        except OSError:
            self.disk = None

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])
        elif self.disk is not None:
            try:
                self.disk.load_bytecode(bucket)
            except Exception:  # noqa: BLE001  (a damaged file: compile the template again)
                bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()
        if self.disk is not None:
            try:
                self.disk.dump_bytecode(bucket)
            except OSError:
                pass


_BYTECODE = _TemplateCache()
TEMPLATE_CACHE = Path(".cache") / "papershelf" / "templates"


def on_env(env, config, files):
    """`material/...` names Material's own templates, so overrides/partials/ can wrap them."""
    import material

    templates = Path(material.__file__).parent / "templates"
    env.loader = ChoiceLoader([PrefixLoader({"material": FileSystemLoader(str(templates))}), env.loader])
    _BYTECODE.use_folder(Path(config.config_file_path).resolve().parent / TEMPLATE_CACHE)
    env.bytecode_cache = _BYTECODE
    # Each build makes a new environment, so a template cannot change while it is cached; not
    # checking each file's mtime on every include saves 15,000 stat calls per seed build.
    env.auto_reload = False
    _state["search_last"], _state["search_next"] = _state.get("search_next", {}), {}
    _state["pages_last"], _state["pages_next"] = _state.get("pages_next", {}), {}
    _state["shared_last"], _state["chrome_same"] = _state.get("shared", {}), None
    # The inputs digest rotates with the pages it shaped (here, not in on_config: a build that
    # fails before this point must not move it away from the pages it belongs to).
    _state["inputs_env_last"], _state["inputs_env"] = _state.get("inputs_env"), _state["inputs"]
    _state["pages_reused"] = 0
    env.globals["papershelf_page"] = _page_html
    env.globals["papershelf_shared"] = _shared_partial
    env.globals["papershelf_block"] = _shared_block
    _state["shared"] = {}
    return env


def _is_shared(page) -> bool:
    """Paper pages: not in the nav and all at the same depth, so their chrome is the same HTML."""
    site = _state["site"]
    return _shortcuts() and page is not None and site is not None and page.file.src_uri in site.search


@pass_context
def _shared_partial(context, name: str, titled: bool = False) -> Markup:
    """Material's partial `name`, rendered once per build for all paper pages.

    `titled`: the partial prints the page title once (the header); it is cached split around
    the first paper's title, and only when that title occurs exactly once, so the other
    papers' titles go in the same slot. Other pages render the partial as usual.
    """
    page = context.get("page")
    shared = _is_shared(page)
    title = str(page.meta.get("title") or page.title) if shared and titled else ""
    cached = _state["shared"].get(name) if shared else None
    if cached is not None:
        return Markup(title.join(cached))
    html = context.environment.get_template(f"material/{name}").render(context.get_all())
    if shared and (not titled or html.count(title) == 1):
        _state["shared"][name] = html.split(title) if titled else [html]
    return Markup(html)


@pass_context
def _shared_block(context, name: str, html: str | None = None):
    """Blocks of base.html that are the same on every paper page (see overrides/main.html)."""
    if not _is_shared(context.get("page")):
        return html
    if html is None:
        return _state["shared"].get(f"block:{name}")
    _state["shared"][f"block:{name}"] = html
    return html


def _toc_key(toc) -> tuple:
    return tuple((item.id, item.title, _toc_key(item.children)) for item in toc)


@pass_context
def _page_html(context) -> Markup:
    """A paper page's HTML during `serve`: last rebuild's, if nothing that shapes it changed.

    Inputs of a paper page: its own content, meta, title and URLs (the key), and the chrome it
    shares with every paper page (nav, header, config...) plus mkdocs.yml and overrides/. The
    chrome is compared once per rebuild, after the first paper page is rendered in full; only
    when it is the same as last time are pages reused. tests/test_scale.py checks a rebuild
    after edits against a fresh build, byte for byte.
    """
    page = context["page"]
    tags = tuple((tag.name, tag.url, tag.hidden) for tag in context.get("tags") or ())  # tags plugin chips
    key = (page.url, page.content, repr(sorted(page.meta.items())), page.title, page.canonical_url,
           page.edit_url, _toc_key(page.toc), tags)
    html = _state["pages_last"].get(key) if _state["chrome_same"] else None
    if html is not None:
        _state["pages_reused"] += 1
    else:
        html = context.environment.get_template("main.html").render(context.get_all())
        if _state["chrome_same"] is None and "block:scripts" in _state["shared"]:
            _state["chrome_same"] = (_state["shared"] == _state["shared_last"]
                                     and _state["inputs_env"] == _state["inputs_env_last"])
    if len(_state["pages_next"]) < PAGE_CACHE_MAX:
        _state["pages_next"][key] = html
    return Markup(html)


def on_pre_page(page, config, files):
    """Generated pages skip PyYAML and Python-Markdown: both would only hand back what we made.

    Their front-matter is read back with the generator's own inverse of what it wrote, and
    `render` only places the body; together that was a quarter of a 10,000-paper build.
    """
    if _shortcuts() and page.file.generated_by == "papershelf" and page.file.src_uri.endswith(".md"):
        page.read_source = functools.partial(_read_generated, page)
    return page


def _read_generated(page, config) -> None:
    parsed = _state["markup"].read_front_matter(page.file.content_string)
    if parsed is None:  # not shaped like our own output: let MkDocs read it
        return Page.read_source(page, config)
    page.meta, page.markdown = parsed
    if _html_only(page.markdown):
        page.render = functools.partial(_render_generated, page)
    if _state["serve"] and _is_shared(page):
        page.meta["template"] = "papershelf-page.html"  # may reuse last rebuild's HTML (_page_html)


def _render_generated(page, config, files) -> None:
    """What Page.render gives the placeholder page, without building a Markdown instance."""
    page.content = f"<p>{_PLACEHOLDER}</p>"
    page.toc = get_toc([])
    page._title_from_render = None
    page.present_anchor_ids = set()
    page.links_to_anchors = {}


def _html_only(markdown: str) -> bool:
    """One HTML block from start to end: nothing for Markdown or a plugin to do (the tags page,
    whose listing marker follows its HTML, is not: it goes through Markdown)."""
    return markdown.startswith("<div") and markdown.rstrip().endswith("</div>")


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Generated pages are one escaped HTML block: keep them away from Markdown entirely.

    Python-Markdown would only pass the block through (slowly: its raw-HTML parser is the most
    expensive step of a build), and no Markdown extension can be triggered by seed text that
    never reaches it. The page's HTML is put back in on_page_content.
    """
    if page.file.generated_by == "papershelf" and _html_only(markdown):
        _state["bodies"][page.file.src_uri] = markdown
        if _shortcuts():
            page.meta["search"] = {"exclude": True}  # indexed in on_page_context, from less HTML
        return _PLACEHOLDER
    return markdown


def on_page_content(html: str, page, config, files) -> str:
    body = _state["bodies"].pop(page.file.src_uri, None)
    return body if body is not None else html


@event_priority(-50)  # after the search plugin has skipped the page
def on_page_context(context, page, config, nav):
    """Index a generated page with Material's own indexer, fed only what it would keep.

    Paper pages have their search-only HTML from the renderer; the other generated pages (big
    tables) have their excluded blocks cut out. Same index, without parsing what it skips.
    """
    src = page.file.src_uri
    plugin = config.plugins.get("material/search")
    if page.file.generated_by != "papershelf" or not (page.meta.get("search") or {}).get("exclude") \
            or plugin is None or not plugin.config.enabled:
        return context
    search_html = _state["site"].search.get(src)
    if search_html is None:
        search_html = _state["markup"].without_search_excluded(page.content)
    # Serve: a page whose search HTML, URL, title and tags did not change gets last build's entries.
    key = (page.url, search_html, str(page.meta.get("title")), repr(page.meta.get("tags")))
    index = plugin.search_index
    entries = _state["search_last"].get(key)
    if entries is None:
        content, meta = page.content, page.meta
        page.content, page.meta = search_html, {k: v for k, v in meta.items() if k != "search"}
        before = len(index.entries)
        try:
            index.add_entry_from_context(page)
        finally:
            page.content, page.meta = content, meta
        entries = index.entries[before:]
    else:
        index.entries.extend(entries)
    if _state["serve"]:
        _state["search_next"][key] = entries
    return context


def on_post_page(output: str, page, config) -> str:
    """Every page gets a Content-Security-Policy with hashes of its own inline scripts."""
    return _state["csp"].add_csp(output, config.repo_url)
