"""The site around the papers: the nav, and every generated page that is not a paper's own
(home, themes, tags and their index, reading paths, all papers, with code, stats), the feeds
and the exports.

The pipeline (`site.py`) calls `index_pages` once the papers are classified; none of these
pages shows related papers, so they do not wait for them.
"""

from __future__ import annotations

from functools import lru_cache, partial
from pathlib import Path

from . import library as L
from .export import papers_bib, papers_json
from .library import Library
from .render.feeds import atom_feed
from .render.lists import (newest_first, render_all_papers, render_home, render_path, render_paths_index,
                           render_theme, render_themes_index, render_whats_new, render_with_code)
from .render.markup import LazyDocument, deferred, esc
from .render.mylist import render_my_list
from .render.stats import render_stats
from .render.tags import render_tag, render_tags_index
from .taxonomy import Taxonomy


def nav(lib: Library) -> list:
    """Home, Themes (with counts), Reading paths, Tags, and the other index pages. No papers and no
    single tags: Material renders the whole nav into every page."""
    # Material prints nav titles raw (and they override the page's own title): escape them.
    themes = [{f"{esc(t.title)} ({nav_count(lib, t)})": L.theme_src(t.slug)}
              for t in lib.taxonomy.themes if lib.has_papers(t)]
    paths = [{esc(p.title): L.path_src(p.slug)} for p in lib.paths]
    return [
        {"Home": L.HOME},
        {"Themes": [{"All themes": L.THEMES_INDEX}, *themes]},
        {"Reading paths": [{"All reading paths": L.PATHS_INDEX}, *paths]},
        {"Tags": L.TAGS_INDEX},
        {"Papers": [{"All papers": L.ALL_PAPERS}, {"What's new": L.WHATS_NEW},
                    {"Papers with code": L.WITH_CODE}, {"Statistics": L.STATS}]},
        {"My reading list": L.MY_LIST},
        {"About": "about.md"},
    ]


def nav_count(lib: Library, theme) -> str:
    """'20 + 45': its own papers, plus those also on its topic (secondary theme or its tags)."""
    also = lib.also_in(theme)
    return f"{len(lib.in_theme(theme))} + {also}" if also else str(len(lib.in_theme(theme)))


@lru_cache(maxsize=None)
def _icon_svg(icon: str) -> str | None:
    import material

    path = Path(material.__file__).parent / "templates" / ".icons" / f"{icon}.svg"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def icon_svgs(taxonomy: Taxonomy) -> dict[str, str]:
    """Inline SVG of each theme's Material icon, read once from the installed theme."""
    return {t.icon: svg for t in taxonomy.themes if (svg := _icon_svg(t.icon)) is not None}


def index_pages(lib: Library, site_name: str, site_url: str) -> list[tuple[str, str, LazyDocument | str]]:
    """Every generated file but the papers' own pages, index pages, feeds and exports, in order,
    each as (docs path, what it is, its page or text): two at one path are an error of the
    site (`library.page_collisions`), never one replacing the other."""
    icons = icon_svgs(lib.taxonomy)
    themes = [theme for theme in lib.taxonomy.themes if lib.has_papers(theme)]
    papers = list(lib.papers)
    # Pages are rendered now for their meta and again when MkDocs builds them (`deferred`):
    # their HTML, which grows with the list (tables of every paper), is never all held at once.
    made: list[tuple[str, str, LazyDocument | str]] = [
        (L.HOME, "the home page", deferred(partial(render_home, lib, icons))),
        (L.THEMES_INDEX, "All themes", deferred(partial(render_themes_index, lib, icons))),
        *((L.theme_src(theme.slug), f"the page of theme '{theme.slug}'", deferred(partial(render_theme, theme, lib)))
          for theme in themes),
        (L.ALL_PAPERS, "All papers", deferred(partial(render_all_papers, lib))),
        (L.WITH_CODE, "Papers with code", deferred(partial(render_with_code, lib))),
        (L.TAGS_INDEX, "Tags", deferred(partial(render_tags_index, lib))),
        *((L.tag_src(tag.slug), f"the page of tag '{tag.slug}'", deferred(partial(render_tag, tag, lib)))
          for tag in lib.taxonomy.tags),
        (L.PATHS_INDEX, "All reading paths", deferred(partial(render_paths_index, lib))),
        *((L.path_src(path.slug), f"the page of reading path '{path.slug}'", deferred(partial(render_path, path, lib)))
          for path in lib.paths),
        (L.STATS, "Statistics", deferred(partial(render_stats, lib))),
        (L.WHATS_NEW, "What's new", deferred(partial(render_whats_new, lib))),
        (L.MY_LIST, "My reading list", deferred(partial(render_my_list, lib))),
        ("feed.xml", "the feed", atom_feed(site_name, "feed.xml", lib.memo(("newest",), lambda: newest_first(papers)),
                                           site_url)),
    ]
    for theme in themes:  # feeds: what the list gained most recently first
        name = f"feed-{theme.slug}.xml"
        made.append((name, f"the feed of theme '{theme.slug}'",
                     atom_feed(f"{site_name}: {theme.title}", name, newest_first(lib.in_theme(theme)), site_url)))
    made.append(("papers.json", "papers.json", papers_json(papers)))
    made.append(("papers.bib", "papers.bib", papers_bib(papers, lib)))
    return made
