"""The hook's couplings to MkDocs and Material beyond their plugin events, each checked here.

generator/mkdocs_hook.py lists them in its docstring; CHECKED_AGAINST names the versions they
were read and tested against. A version outside those series fails here, so an upgrade of
MkDocs, ProperDocs or Material starts with reading the couplings again.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

# The releases the couplings were checked against; the tests accept their minor series, which
# pyproject.toml pins (mkdocs<2, mkdocs-material 9.8.x).
CHECKED_AGAINST = {"mkdocs": "1.6.1", "properdocs": "1.6.7", "mkdocs-material": "9.8.2"}


def _series(text: str) -> str:
    return ".".join(text.split(".")[:2])


def _installed(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def test_the_builder_and_theme_are_the_series_the_couplings_were_checked_against():
    builders = {name: _installed(name) for name in ("mkdocs", "properdocs")}
    assert any(builders.values()), "neither mkdocs nor properdocs is installed"
    for name, found in builders.items():
        if found:
            assert _series(found) == _series(CHECKED_AGAINST[name]), \
                f"{name} {found}: re-check the couplings in generator/mkdocs_hook.py, then update CHECKED_AGAINST"
    material = _installed("mkdocs-material")
    assert material and _series(material) == _series(CHECKED_AGAINST["mkdocs-material"]), material


def test_a_plugin_may_set_file_page_to_a_page_subclass_and_the_nav_keeps_it():
    """Coupling 1: GeneratedPage, set as File.page in on_files, is the page the nav uses."""
    import inspect

    from mkdocs.structure import nav
    from mkdocs.structure.pages import Page

    from generator.mkdocs_hook import GeneratedPage

    source = inspect.getsource(nav)
    assert "A plugin has set File.page to a type other than Page." in source
    assert "if file.page is None:" in source
    assert issubclass(GeneratedPage, Page)
    assert set(inspect.signature(Page.render).parameters) == {"self", "config", "files"}
    assert {"present_anchor_ids", "links_to_anchors"} <= set(vars(Page))  # public, documented attributes




def test_material_templates_have_the_blocks_and_partials_the_overrides_wrap():
    """Coupling 2: the blocks overrides/main.html wraps and the partials generator/templates wraps."""
    import material

    templates = Path(material.__file__).parent / "templates"
    base = (templates / "base.html").read_text(encoding="utf-8")
    ours = (Path(__file__).resolve().parent.parent / "overrides" / "main.html").read_text(encoding="utf-8")
    for block in re.findall(r"\{% block (\w+) %\}\{% if papershelf_block", ours):
        assert f"{{% block {block} %}}" in base, block
    for partial in ("header.html", "nav.html"):
        assert (templates / "partials" / partial).is_file()
        assert f'{{% include "partials/{partial}" %}}' in base


@pytest.mark.slow
def test_a_stock_build_without_the_hook_renders_the_overrides_as_materials_own(tmp_path):
    """Without the hook's helpers (no `hooks:`), overrides/main.html falls back to Material's
    blocks, and the site builds strictly."""
    import subprocess

    import yaml

    from conftest import ROOT, copy_project

    project = copy_project(tmp_path / "project")
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    config.pop("hooks"), config.pop("watch")
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    from generator.builder import builder_command

    result = subprocess.run([*builder_command(), "build", "--strict", "-q", "-f", str(project / "mkdocs.yml"),
                             "-d", str(tmp_path / "site")], capture_output=True, text=True, timeout=600,
                            env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    html = (tmp_path / "site" / "about" / "index.html").read_text(encoding="utf-8")
    assert 'class="md-footer"' in html and "md-header" in html and "md-nav" in html
