"""MkDocs hook: runs the papershelf pipeline inside `mkdocs build` and `mkdocs serve` (or the
same commands of ProperDocs, the maintained fork of MkDocs 1.6).

Pages are added as virtual files (`File.generated`), never written into docs/: writing there
during `serve` would trigger another rebuild, forever. MkDocs does not reload hook modules on
rebuild, so this thin module re-imports the `generator` package itself whenever its code
changed, which makes edits to the generator's code show up in `serve` too.

What keeps big lists fast, each checked against a plain build (tests/test_scale.py):
- Generated pages skip PyYAML and Python-Markdown: MkDocs is handed their meta as the generator
  made it (their virtual file is the body alone), and their HTML as it is (`GeneratedPage`).
- A paper page is the same HTML as every other paper page of its kind (same themes, so the same
  nav; all at one depth) but for its title, description, URL and content, so Material's
  main.html runs once per kind and each page is that skeleton filled in (render/skeleton.py,
  `_paper_page`; generator/templates/papershelf-paper.html is the paper pages' template).
- A generated page's body is made when its page is built and dropped once written (LazyDocument).
PAPERSHELF_PLAIN_BUILD=1 turns the first two off (same site, slower).

Search is a Pagefind index (generator/search_index.py) written after the build into
`site_dir/pagefind/` (on_post_build), from the generator's records and the text of the
hand-written pages (on_page_content); docs/assets/papershelf-search.js is its search box.

Couplings beyond MkDocs' plugin events and `File.generated`, all here, checked against MkDocs
1.6.1, ProperDocs 1.6.7 and Material 9.8.2 (tests/test_hook.py names the versions):
1. MkDocs: a plugin may set `File.page` before the nav is built (mkdocs/structure/nav.py accepts
   a `Page` there); `GeneratedPage` subclasses `Page` and overrides its public `render`.
2. Material's templates: main.html prints a page's title, description, canonical URL and content
   with no filter, `striptags | e` or `| e` (render/skeleton.py checks this on each kind of
   paper page, and falls back to the template otherwise); overrides/main.html replaces the block
   `config`. Material's inline scripts are in `partials/javascripts/` and
   `partials/integrations/` and read only the config, `base_url` and base.html's `features`:
   render/csp.py renders them for the policy. A page's `template` meta picks its template.
3. `mkdocs serve`: its server (`on_serve`) is a wsgiref `WSGIServer` (`get_app`/`set_app`), and
   it injects its live-reload script inline right before `</body>` of each page it sends; the
   hook wraps its app so each such page's policy allows that script (render/csp.py).
Without this hook (a stock build of `papershelf generate --out`), the templates fall back to
Material's own.

A broken edit during `serve` logs every problem and keeps serving the last good site, so a
typo in tags.yml never kills the preview; `build` stops with the problems and exit code 1.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import ChoiceLoader, FileSystemLoader, pass_context
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils import write_file

log = logging.getLogger("mkdocs.plugins.papershelf")

_HOOK = Path(__file__).resolve()
_TEMPLATES = _HOOK.parent / "templates"


@dataclass
class BuildState:
    """What the hook keeps across the events of one build, and across `serve` rebuilds."""

    serving: bool = False
    command: str = ""  # build, serve or gh-deploy
    site: Any = None  # the last good generator.site.Site (serve keeps showing it after a bad edit)
    code_signature: tuple = ()  # the generator package's files when it was last imported
    hook_mtime: int | None = None  # this file's, when MkDocs loaded it
    generator: Any = None  # the generator's modules, as imported for this build
    config: Any = None  # this build's MkDocs config (on_config)
    skeletons: dict = field(default_factory=dict)  # kind of paper page -> its render/skeleton.py Skeleton, this build
    assembled: set = field(default_factory=set)  # paper pages made from a skeleton, until their on_post_page
    from_skeletons: int = 0  # how many paper pages were made from a skeleton, this build
    env: Any = None  # this build's Jinja environment (on_env)
    theme_scripts: dict[str, frozenset] = field(default_factory=dict)  # base_url -> the theme's script hashes
    base_urls: dict[str, str] = field(default_factory=dict)  # page -> its base_url, from on_page_context to on_post_page
    files: Any = None  # this build's mkdocs Files (on_files): paper pages' URLs for the search index
    page_records: list = field(default_factory=list)  # hand-written pages' search records, this build
    icons: dict[str, tuple[str, str]] = field(default_factory=dict)  # the icons the pages use from the sprite, this build


_state = BuildState()


class GeneratedPage(Page):
    """A generated page that is one block of escaped HTML: MkDocs gets its meta from the
    generator's records and its HTML as it is, with no YAML to parse and no Markdown to run
    (Python-Markdown would only pass the block through, slowly; and no Markdown extension can
    then be triggered by seed text). Its title and description come from the meta."""

    def render(self, config, files) -> None:
        self.content = self.markdown
        self.toc = get_toc([])
        self.present_anchor_ids = set()
        self.links_to_anchors = {}


def _plain() -> bool:
    return os.environ.get("PAPERSHELF_PLAIN_BUILD") == "1"


def _code_signature(root: Path) -> tuple:
    """Name, size and mtime of every file of the generator package: changes when code is edited."""
    return tuple(sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in (root / "generator").rglob("*.py")))


def _fresh_generator(root: Path):
    """The generator package, imported anew when its code changed since the last build.

    Edits to the generator's code then show up in `serve`; when only data changed (tags.yml,
    seeds) the modules stay, and so do their memos (parsed captures, tag scores, related papers).
    """
    signature = _code_signature(root)
    if signature != _state.code_signature:
        for name in [n for n in sys.modules if n == "generator" or n.startswith("generator.")]:
            del sys.modules[name]
        _state.code_signature = signature
    names = ("site", "errors", "placeholders", "render.csp", "render.lists", "render.markup", "render.skeleton",
             "render.slim", "render.sitemaps", "search_index")
    return {name: importlib.import_module(f"generator.{name}") for name in names}


def on_startup(command: str, dirty: bool = False) -> None:
    _state.serving, _state.command = command == "serve", command


@event_priority(100)  # first: the nav and pages are ready for every other plugin
def on_config(config):
    root = Path(config.config_file_path).resolve().parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    _state.generator = modules = _fresh_generator(root)
    if (_state.hook_mtime or _HOOK.stat().st_mtime_ns) != _HOOK.stat().st_mtime_ns:
        log.warning("papershelf: generator/mkdocs_hook.py changed; MkDocs loads a hook once, "
                    "so restart `mkdocs serve` to use the new version")
    _state.hook_mtime = _state.hook_mtime or _HOOK.stat().st_mtime_ns
    errors = modules["errors"]
    try:
        site = modules["site"].build_site(root, strict=bool(config.strict), site_name=config.site_name,
                                          site_url=config.site_url or "http://127.0.0.1:8000/")
    except errors.PapershelfError as exc:
        for problem in exc.problems:
            log.error(str(problem))
        if _state.serving and _state.site is not None:
            log.error("papershelf: fix the problems above; still serving the last good site")
            site = _state.site
        else:
            raise Abort(f"papershelf: {len(exc.problems)} problem(s) in the inputs, see above") from None
    else:
        for problem in site.problems:  # warnings: mkdocs --strict turns them into a failure
            log.warning(str(problem))
    _state.site, _state.config = site, config
    config.nav = site.nav()
    _report_example_urls(root, config)
    return config


def _report_example_urls(root: Path, config) -> None:
    """site_url or repo_url still the example (generator/placeholders.py): `gh-deploy` stops, and
    so does a strict build unless PAPERSHELF_ALLOW_EXAMPLE_URLS=1 makes it a note; any other build
    and `serve` warn. (Stopping here, not through MkDocs' count of warnings, which `-q` skips.)"""
    placeholders = _state.generator["placeholders"]
    stop = _state.command == "gh-deploy" or (config.strict and not _state.serving and not placeholders.allowed())
    problems = placeholders.example_url_problems(root, {"site_url": config.site_url, "repo_url": config.repo_url},
                                                 "error" if stop else "warning")
    for problem in problems:
        if stop:
            log.error(str(problem))
        elif placeholders.allowed() and _state.command != "gh-deploy":
            log.info(f"{str(problem).replace('warning: ', '', 1)} (allowed for this local build: "
                     f"{placeholders.ALLOW_ENV}=1)")
        else:
            log.warning(str(problem))
    if stop and problems:
        raise Abort("papershelf: not publishing a site whose mkdocs.yml has the example addresses "
                    f"(for a local build, set {placeholders.ALLOW_ENV}=1 as `make site` does)")


def _html_only(body: str) -> bool:
    """One HTML block from start to end: nothing for Markdown or a plugin to do."""
    return body.startswith("<div") and body.rstrip().endswith("</div>")


def _nav_titles(items: list) -> dict[str, str]:
    """docs path -> its title in the nav (the nav gives a page it names that title)."""
    titles: dict[str, str] = {}
    for item in items:
        for title, target in item.items():
            titles.update(_nav_titles(target) if isinstance(target, list) else {target: title})
    return titles


def on_files(files, config):
    site, markup = _state.site, _state.generator["render.markup"]
    nav_titles = _nav_titles(config.nav or [])
    for path, page in site.pages.items():
        existing = files.get_file_from_path(path)
        if existing is not None:  # the generated page wins; say so rather than hide a file
            log.warning(f"papershelf: docs/{path} is replaced by the generated page of that name")
            files.remove(existing)
        # A GeneratedPage's file is its body alone (its meta comes from the records), so no
        # second copy of each page's text is made; other pages are their whole text.
        lazy = isinstance(page, markup.LazyDocument)  # (its body is made when the page is built)
        html_page = markup.is_document(page) and not _plain() and (lazy or _html_only(page.body))
        text = "" if html_page and lazy else page.body if html_page else page.text() if markup.is_document(page) else page
        generated = File.generated(config, path, content=text)
        generated.generated_by = "papershelf"
        # "Edit this page" on a generated page opens the YAML that shapes it, not a missing file.
        generated.edit_uri = "../tags.yml" if path.startswith(("themes/", "tags")) else "../curation.yml"
        files.append(generated)
        if html_page:
            GeneratedPage(nav_titles.get(path), generated, config)  # (sets generated.page; the nav keeps it)
    _state.files, _state.page_records = files, []
    return files


def _document(page):
    site = _state.site
    found = site.pages.get(page.file.src_uri) if site is not None and page.file.generated_by == "papershelf" else None
    return found if _state.generator["render.markup"].is_document(found) else None


_PLACEHOLDER = "PAPERSHELF-GENERATED-BODY"


@event_priority(100)  # before other plugins read the page's meta
def on_page_markdown(markdown: str, page, config, files) -> str:
    """A GeneratedPage gets its meta from the generator's records. In a plain build, an HTML
    page still reaches Markdown only as a placeholder, put back in on_page_content: its HTML
    stays exactly as generated either way (Markdown would drop its last newline)."""
    if isinstance(page, GeneratedPage):
        page.meta = dict(_document(page).meta)
        if _is_paper_page(page):  # (a GeneratedPage exists only when the build is not plain)
            page.meta["template"] = "papershelf-paper.html"
    if not isinstance(page, GeneratedPage) and (document := _document(page)) and _html_only(document.body):
        return _PLACEHOLDER
    return markdown


def on_page_content(html: str, page, config, files) -> str:
    if not isinstance(page, GeneratedPage) and (document := _document(page)) and _html_only(document.body):
        return document.body
    if page.file.generated_by != "papershelf":  # a hand-written page: searchable by its text
        _state.page_records.append(_state.generator["search_index"].page_record(page.url, page.title or "", html))
    return html


def on_page_context(context, page, config, nav):
    """A GeneratedPage whose body is made on demand (render/markup.py `LazyDocument`) gets it
    now, right before its template, and drops it once written (on_post_page)."""
    _state.base_urls[page.file.src_uri] = context["base_url"]  # (for on_post_page)
    if isinstance(page, GeneratedPage) and not page.content:
        page.content = _document(page).body
    return context


def on_env(env, config, files):
    """generator/templates/ holds `papershelf-paper.html`, the paper pages' template: it prints
    the page made from its kind's skeleton (render/skeleton.py, `_paper_page`)."""
    if not _plain():
        env.loader = ChoiceLoader([FileSystemLoader(str(_TEMPLATES)), env.loader])
        env.globals["papershelf_paper_page"] = _paper_page
    _state.skeletons, _state.assembled, _state.from_skeletons, _state.env = {}, set(), 0, env
    _state.theme_scripts, _state.base_urls, _state.icons = {}, {}, {}
    return env


def _is_paper_page(page) -> bool:
    """Paper pages: not in the nav and all at the same depth, so their chrome is the same HTML."""
    return page is not None and _state.site is not None and page.file.src_uri in _state.site.paper_pages


# Meta of paper pages that no template reads (the generator's own data): pages differing only
# there share a skeleton. Any other key (say a curator's `hide`) makes a kind of its own.
_PAPER_DATA = frozenset({"title", "description", "date", "authors", "upvotes", "code", "links", "lists", "theme",
                         "secondary_theme", "tags", "status", "template"})
_MISSING = object()


def _paper_themes(page) -> frozenset:
    """A paper page's nav lists its own theme(s) only (render/slim.py `paper_nav`)."""
    return frozenset(filter(None, (page.meta.get("theme"), page.meta.get("secondary_theme"))))


@pass_context
def _paper_page(context) -> str:
    """A paper page, from the skeleton of its kind (made on the first page of that kind); a page
    the skeleton cannot hold exactly goes through Material's main.html and on_post_page."""
    page, skeleton_module = context["page"], _state.generator["render.skeleton"]
    kind = (context["base_url"], page.edit_url, _paper_themes(page),
            tuple((k, repr(v)) for k, v in sorted(page.meta.items()) if k not in _PAPER_DATA))
    skeleton = _state.skeletons.get(kind, _MISSING)
    if skeleton is _MISSING:
        skeleton = _state.skeletons[kind] = skeleton_module.make(tuple(
            _post_process(_with_sentinels(context, sentinels), page, context["base_url"])
            for sentinels in skeleton_module.SENTINELS))
    values = {"title": str(page.meta.get("title") or ""), "description": str(page.meta.get("description") or ""),
              "url": page.canonical_url or "", "content": page.content or ""}
    slim = _state.generator["render.slim"]
    sprite = f"{context['base_url'] or '.'}/{slim.SPRITE}"
    html = skeleton.fill(values, lambda content: slim.slim(content, sprite, _state.icons)) if skeleton else None
    if html is None:
        return context.environment.get_template("main.html").render(context)
    _state.assembled.add(page.file.src_uri)
    _state.from_skeletons += 1
    return html


def _with_sentinels(context, sentinels: dict[str, str]) -> str:
    """main.html rendered for this page with `sentinels` (render/skeleton.py) in its four slots."""
    page = context["page"]
    kept = page.meta, page.content, page.canonical_url
    try:
        page.meta = {**page.meta, "title": sentinels["title"], "description": sentinels["description"]}
        page.content, page.canonical_url = sentinels["content"], sentinels["url"]
        return context.environment.get_template("main.html").render(context)
    finally:
        page.meta, page.content, page.canonical_url = kept


def on_post_page(output: str, page, config) -> str:
    """Every page gets a Content-Security-Policy allowing the theme's inline scripts (from its
    templates, never from the page) and, under `serve` only, the live-reload script; then its
    icons come from the shared sprite, and runs of whitespace go (render/slim.py). A paper page
    made from a skeleton has had all that done once, on the skeleton."""
    base_url = _state.base_urls.pop(page.file.src_uri, "")
    if isinstance(page, GeneratedPage) and not page.markdown:  # (its body was made on demand)
        page.content = ""
    if page.file.src_uri in _state.assembled:
        _state.assembled.discard(page.file.src_uri)
        return output
    return _post_process(output, page, base_url)


def _post_process(output: str, page, base_url: str) -> str:
    csp, slim, config = _state.generator["render.csp"], _state.generator["render.slim"], _state.config
    if base_url not in _state.theme_scripts:
        _state.theme_scripts[base_url] = csp.theme_scripts(_state.env, config, base_url)
    output = csp.add_csp(output, _state.theme_scripts[base_url], config.repo_url)
    if _is_paper_page(page):
        output = slim.paper_nav(output, _paper_themes(page))
    return slim.slim(output, f"{base_url or '.'}/{slim.SPRITE}", _state.icons)


def on_template_context(context, template_name, config):
    _state.base_urls[template_name] = context.get("base_url", "")  # (for on_post_template)
    return context


def on_post_template(output: str, template_name: str, config) -> str:
    """404.html (a theme template, not a page, served at any depth: its base is the site_url's
    path) gets the pages' policy, sprite icons and whitespace. The sitemap becomes a small index,
    which MkDocs writes and gzips as usual, and chunk sitemaps (render/sitemaps.py)."""
    base_url = _state.base_urls.pop(template_name, "")
    if template_name == "sitemap.xml":
        files = _state.generator["render.sitemaps"].split(output, config.site_url or "")
        for name, text in files.items():
            if name != "sitemap.xml":
                write_file(text.encode("utf-8"), str(Path(config.site_dir) / name))
        return files["sitemap.xml"]
    if template_name != "404.html":
        return output
    csp, slim = _state.generator["render.csp"], _state.generator["render.slim"]
    if base_url not in _state.theme_scripts:
        _state.theme_scripts[base_url] = csp.theme_scripts(_state.env, config, base_url)
    output = csp.add_csp(output, _state.theme_scripts[base_url], config.repo_url)
    return slim.slim(output, f"{urlsplit(config.site_url or '/').path.rstrip('/')}/{slim.SPRITE}", _state.icons)


def on_post_build(config) -> None:
    """The sprite of the icons this build's pages use (render/slim.py), and the search index of
    the papers and hand-written pages into site_dir/pagefind/, in shards of at most 5,000 records
    (generator/search_index.py; under `serve` too, where site_dir is a temporary directory)."""
    slim, search_index, site = _state.generator["render.slim"], _state.generator["search_index"], _state.site
    write_file(slim.sprite_svg(_state.icons).encode("utf-8"), str(Path(config.site_dir) / slim.SPRITE))
    if _state.skeletons:
        log.info(f"papershelf: {_state.from_skeletons} of {len(site.paper_pages)} paper pages made from "
                 f"{sum(1 for s in _state.skeletons.values() if s)} skeleton(s) (render/skeleton.py)")
    started = time.perf_counter()
    records = search_index.SiteRecords(site.library, lambda src: _state.files.get_file_from_path(src).url,
                                       sorted(_state.page_records, key=lambda r: r.url))
    search_index.write_index(records, Path(config.site_dir) / "pagefind", config.theme.get("language") or "en")
    log.info(f"papershelf: search index of {len(records)} pages written in {time.perf_counter() - started:.1f} s")


def on_serve(server, config, builder):
    """The pages `mkdocs serve` sends carry its live-reload script, injected as they are sent:
    each one's policy gets that script's hash, so an open tab reloads after an edit (the built
    files are what `build` makes; `_allow_live_reload` only touches what is sent)."""
    server.set_app(_allow_live_reload(server.get_app()))
    return server


def _allow_live_reload(app):
    def app_with_live_reload(environ, start_response):
        sent: list = []
        written: list[bytes] = []  # (WSGI's write(); serve does not use it)
        body = app(environ, lambda *response: sent.append(response) or written.append)
        status, headers, *exc_info = sent[-1]
        if not any(k.lower() == "content-type" and v.startswith("text/html") for k, v in headers):
            start_response(status, headers, *exc_info)
            return [*written, *body] if written else body
        try:
            page = b"".join([*written, *body])
        finally:
            getattr(body, "close", lambda: None)()
        text = _state.generator["render.csp"].allow_live_reload(page.decode("utf-8", "surrogateescape"))
        page = text.encode("utf-8", "surrogateescape")
        start_response(status, [(k, str(len(page)) if k.lower() == "content-length" else v) for k, v in headers],
                       *exc_info)
        return [page]

    return app_with_live_reload
