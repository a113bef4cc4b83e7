"""Paper pages are made from one rendered page per kind (generator/render/skeleton.py).

That the pages come out byte-identical to Material's own rendering is tests/test_scale.py's
plain-versus-fast comparison (the seeds and 3,000 papers); here: that the fast path is really
taken, that each slot prints a value exactly as Jinja's filters do, and that anything the
skeleton cannot hold exactly is refused (the hook then renders that page through Jinja)."""

from __future__ import annotations

import random
import re

import pytest
from jinja2 import Environment

from generator.render.skeleton import SENTINELS, Skeleton, fits, form, make

from conftest import copy_project, mkdocs_build


def test_every_seed_paper_page_is_made_from_a_skeleton(tmp_path, seed_site):
    result = mkdocs_build(copy_project(tmp_path / "project"), tmp_path / "site", quiet=False)
    assert result.returncode == 0, result.stderr[-3000:]
    found = re.search(r"papershelf: (\d+) of (\d+) paper pages made from (\d+) skeleton", result.stderr)
    assert found, result.stderr[-3000:]
    made, papers, skeletons = map(int, found.groups())
    assert made == papers == len(seed_site.library.papers)
    # One kind per theme and secondary theme in use (each nav differs), never one per paper.
    kinds = {(p.theme, p.secondary_theme) for p in seed_site.library.papers}
    assert skeletons <= len(kinds) < papers


HOSTILE = ['<script>alert(1)</script>', 'A &amp; B', 'Tom &amp; Jerry&#39;s &quot;quoted&quot; title', '&lt;b&gt;x',
           'x &lt;i&gt;y&lt;/i&gt; z', "it's", 'a"b', '{{ 7*7 }}', '{% raw %}', 'PsxSlotTitle<i>q</i>', 'Ünïcödé — ok',
           '<img src=x onerror=alert(1)>', '&#10;', 'a\u2028b']


@pytest.mark.parametrize("value", HOSTILE)
def test_each_printed_form_is_what_jinja_prints(value):
    env = Environment()  # (MkDocs' environment: no autoescape)
    for how, template in (("raw", "{{ v }}"), ("striptags_e", "{{ v | striptags | e }}"), ("e", "{{ v | e }}")):
        assert form(value, how) == env.from_string(template).render(v=value), how


def test_random_titles_print_as_jinja_prints_them():
    env = Environment()
    rng = random.Random(7)
    pieces = ["a", " ", "<b>", "</b>", "&amp;", "&lt;", "&#39;", '"', "'", "é", "&", ";", "<", ">"]
    for _ in range(500):
        value = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert form(value, "striptags_e") == env.from_string("{{ v | striptags | e }}").render(v=value), repr(value)


def _renders(template: str) -> tuple[str, str]:
    """A toy page template rendered with each set of sentinels, as the hook renders main.html."""
    return tuple(Environment().from_string(template).render(**sentinels) for sentinels in SENTINELS)


TOY = ('<title>{{ title | striptags | e }} - site</title><meta content="{{ description }}">'
       '<meta content="{{ description | striptags | e }}"><link href="{{ url }}"><h1>{{ title }}</h1>\n'
       '{{ content }}<p>{{ title | e }}</p>')


def test_a_skeleton_fills_each_slot_in_its_form():
    skeleton = make(_renders(TOY))
    assert skeleton is not None
    values = {"title": "A &amp; <b>B</b>", "description": "Short &lt;desc&gt;", "url": "https://x.org/papers/a/",
              "content": '<div class="ps-paper">x  y</div>\n'}
    page = skeleton.fill(values, slim=lambda content: content.replace("  ", " "))
    expected = Environment().from_string(TOY).render(**values).replace("x  y", "x y")
    assert page == expected


@pytest.mark.parametrize("template", [
    "<p>{{ title | upper }}</p>{{ content }}",  # a form the skeleton does not know
    "<p>{{ title | truncate(5) }}</p>{{ content }}",
    "<p>{{ title }}</p>",  # no content slot
    "{{ content }}{{ content }}",  # the content twice
    "<p>{{ title | length }}</p>{{ content }}",  # a value's length, no sentinel in sight
    "{% if title | length > 25 %}<p>long</p>{% endif %}{{ content }}",  # a branch on a value
    "<p>{{ title | lower }}</p>{{ content }}",
])
def test_a_page_with_a_slot_in_an_unknown_form_makes_no_skeleton(template):
    assert make(_renders(template)) is None


@pytest.mark.parametrize("change", [
    {"title": " leading space"}, {"title": "two  spaces"}, {"title": "line\nbreak"}, {"title": ""},
    {"description": ""}, {"content": "<h1>Own title</h1>\n"}, {"content": '<div class="x"></div>'},
    {"content": ' <div class="x"></div>\n'}, {"content": "text first</div>\n"},
])
def test_values_the_skeleton_cannot_hold_exactly_are_refused(change):
    values = {"title": "T", "description": "D", "url": "https://x.org/p/", "content": "<div></div>\n", **change}
    assert not fits(values)
    assert Skeleton(("a", "b"), (("title", "raw"),)).fill(values, slim=str) is None
