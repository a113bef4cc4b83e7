"""A standalone MkDocs project made from a papershelf project: `papershelf generate --out DIR`.

What the hook adds to `mkdocs build` at build time is written out instead, so a stock MkDocs
(or ProperDocs) builds DIR strictly with no papershelf code:

    DIR/mkdocs.yml    the project's mkdocs.yml with the nav written out from the generator,
                      Material's search plugin instead of the Pagefind search box (it needs the hook),
                      `hooks:` and `watch:` left out, `docs_dir` and `custom_dir` set to the copies
    DIR/docs/         the generated pages (with their front-matter), feeds and exports, and the
                      project's hand-written pages and assets (a generated page wins a clash)
    DIR/overrides/    the project's template overrides

This module only decides the files' contents; `write.py` writes them.

The project's mkdocs.yml is read with a loader that keeps the tags MkDocs understands and
PyYAML's safe loader does not (`!ENV`, `!relative`, `!!python/name:...`): each is written back
as it was, for MkDocs to interpret, never constructed here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import PapershelfError, Problem
from .inputs import UnsafeInput, read_input, refusal

CONFIG = "mkdocs.yml"
DOCS = "docs"
OVERRIDES = "overrides"
DROPPED_KEYS = ("hooks", "watch")  # the hook is the generator itself; watch only serves it
# The site's search is a Pagefind index the hook writes; without the hook the written project
# uses Material's own search plugin instead, and leaves out the box made for Pagefind.
PAGEFIND_ASSETS = ("assets/papershelf-search.js", "assets/papershelf-search.css")
SKIPPED_DIRS = {"__pycache__"}
HEADER = ("# Written by `papershelf generate` from the project's mkdocs.yml: the nav is written out and\n"
          "# the papershelf hook left out, so `mkdocs build` or `properdocs build` needs no papershelf code.\n")


@dataclass(frozen=True)
class Tagged:
    """A YAML value with a tag that MkDocs resolves itself (`!ENV`, `!!python/name:...`)."""

    tag: str
    value: object


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, keeping application tags as `Tagged` values instead of failing."""


def _tagged(loader: _Loader, suffix: str, node: yaml.Node, prefix: str) -> Tagged:
    if isinstance(node, yaml.MappingNode):
        value: object = loader.construct_mapping(node, deep=True)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_scalar(node)
    return Tagged(prefix + suffix, value)


for _prefix in ("!", "tag:yaml.org,2002:python/"):
    _Loader.add_multi_constructor(_prefix, lambda loader, suffix, node, p=_prefix: _tagged(loader, suffix, node, p))


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, writing `Tagged` values back with their tags; values are written
    out in full where the source shared them through anchors."""

    def ignore_aliases(self, data) -> bool:
        return True


def _represent_tagged(dumper: _Dumper, data: Tagged) -> yaml.Node:
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


_Dumper.add_representer(Tagged, _represent_tagged)


def read_config(root: Path) -> dict:
    """The project's mkdocs.yml as plain data (application tags kept as `Tagged`)."""
    path = root / CONFIG
    try:
        text = read_input(path, root).decode("utf-8-sig")
    except OSError as exc:
        raise PapershelfError([Problem(CONFIG, None, None, f"cannot read file: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise PapershelfError([Problem(CONFIG, None, None, "file is not valid UTF-8")]) from None
    try:
        config = yaml.load(text, Loader=_Loader)  # noqa: S506  (a safe loader: see _Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise PapershelfError([Problem(CONFIG, *where, f"YAML error: {exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise PapershelfError([Problem(CONFIG, None, None, f"YAML error: {exc}")]) from None
    except RecursionError:  # (MkDocs itself would stop on it too; say so rather than crash)
        raise PapershelfError([Problem(CONFIG, None, None, "nesting too deep to read")]) from None
    if not isinstance(config, dict):
        raise PapershelfError([Problem(CONFIG, None, None, "expected a mapping of settings")])
    return config


def site_settings(config: dict) -> tuple[str, str]:
    """(site_name, site_url) for the generator, as the hook passes them during `mkdocs build`."""
    name, url = config.get("site_name"), config.get("site_url")
    return (name if isinstance(name, str) else "papershelf",
            url if isinstance(url, str) and url else "http://127.0.0.1:8000/")


def _theme(config: dict) -> dict | None:
    theme = config.get("theme")
    return theme if isinstance(theme, dict) else None


def _folder(root: Path, value: object, default: str | None) -> Path | None:
    if isinstance(value, Tagged):  # `!ENV`, `!relative`: only MkDocs knows where that is
        raise PapershelfError([Problem(CONFIG, None, None, f"a folder given as {value.tag} cannot be "
                                       "copied by `generate --out`; write the path out")])
    if value is None and default is None:
        return None
    return root / str(value if value is not None else default)


def _source_folders(root: Path, config: dict) -> tuple[Path | None, Path | None]:
    """The project's docs_dir and theme custom_dir (paths in mkdocs.yml are relative to it)."""
    theme = _theme(config)
    return (_folder(root, config.get("docs_dir"), DOCS),
            _folder(root, theme.get("custom_dir") if theme else None, None))


def check_out_folder(root: Path, config: dict, out: Path) -> None:
    """DIR must be a folder of its own: writing into the project, its docs or its overrides
    would mix the copies with the originals and copy them again on the next run."""
    out = out.resolve()
    if out == root.resolve():
        raise PapershelfError(f"--out {out} is the project folder; choose a folder of its own")
    for folder in _source_folders(root, config):
        if folder is not None and out.is_relative_to(folder.resolve()):
            raise PapershelfError(f"--out {out} is inside {folder}; choose a folder outside it")


def _tree(folder: Path | None, label: str) -> dict[str, bytes]:
    """Every file under `folder` by relative POSIX path, as MkDocs would see it: dot files and
    folders are left out (MkDocs' default `exclude_docs`; a `.env` must not travel), and so are
    __pycache__ folders. Each is read as an input (`inputs.py`): a symbolic link, named pipe or
    device among them is an error naming it, never copied (`label` is how the folder is named)."""
    files: dict[str, bytes] = {}
    if folder is None or not folder.is_dir():
        return files
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS)
        for name in dirnames:
            if os.path.islink(os.path.join(dirpath, name)):  # os.walk would skip it silently
                rel = Path(dirpath, name).relative_to(folder).as_posix()
                raise UnsafeInput([refusal(f"{label}/{rel}", "a symbolic link")])
        for name in sorted(filenames):
            if not name.startswith("."):
                rel = Path(dirpath, name).relative_to(folder).as_posix()
                files[rel] = read_input(Path(dirpath, name), folder, f"{label}/{rel}")
    return files


def _shown(root: Path, folder: Path | None) -> str:
    """A folder as a problem names it: from the project folder when it is inside it."""
    if folder is None:
        return ""
    try:
        return folder.relative_to(root).as_posix()
    except ValueError:
        return str(folder)


def _other_hooks(config: dict) -> list[str]:
    """Hooks in mkdocs.yml besides papershelf's own (they are left out with it, and said so)."""
    hooks = config.get("hooks") or []
    return [str(h) for h in (hooks if isinstance(hooks, list) else [hooks])
            if not str(h).replace("\\", "/").endswith("generator/mkdocs_hook.py")]


def written_config(config: dict, nav: list) -> str:
    """The standalone mkdocs.yml: nav written out, hooks and watch left out, folders redirected."""
    out = {key: value for key, value in config.items() if key not in DROPPED_KEYS}
    out["docs_dir"] = DOCS
    theme = _theme(config)
    if theme is not None and theme.get("custom_dir") is not None:
        out["theme"] = {**theme, "custom_dir": OVERRIDES}
    out["nav"] = nav
    for key in ("extra_javascript", "extra_css"):
        if isinstance(out.get(key), list):
            out[key] = [item for item in out[key] if item not in PAGEFIND_ASSETS]
    plugins = out.get("plugins")
    if isinstance(plugins, list) and not any(p == "search" or isinstance(p, dict) and "search" in p for p in plugins):
        out["plugins"] = ["search", *plugins]
    return HEADER + yaml.dump(out, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def project_files(root: Path, config: dict, generated: dict[str, str],
                  nav: list) -> tuple[dict[str, str | bytes], list[Problem]]:
    """Every file of the standalone project by path under DIR, and warnings about what changed.

    `generated` is `Site.files()` (docs-relative paths), `nav` is `Site.nav()`."""
    problems: list[Problem] = []
    docs_dir, custom_dir = _source_folders(root, config)
    files: dict[str, str | bytes] = {}
    for rel, data in _tree(docs_dir, _shown(root, docs_dir)).items():
        if rel in generated:
            problems.append(Problem(f"{DOCS}/{rel}", None, None,
                                    "is replaced by the generated page of that name", "warning"))
            continue
        files[f"{DOCS}/{rel}"] = data
    for rel, text in generated.items():
        files[f"{DOCS}/{rel}"] = text
    for rel, data in _tree(custom_dir, _shown(root, custom_dir)).items():
        files[f"{OVERRIDES}/{rel}"] = data
    files[CONFIG] = written_config(config, nav)
    if _other_hooks(config):
        problems.append(Problem(CONFIG, None, None, "hooks left out of the written project with papershelf's: "
                                + ", ".join(_other_hooks(config)), "warning"))
    return files, problems
