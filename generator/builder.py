"""Which site builder runs `papershelf build` and `serve`: MkDocs, or its drop-in fork ProperDocs.

ProperDocs (PyPI `properdocs`) is MkDocs 1.6 continued under another name: same mkdocs.yml,
same plugins and themes, command `properdocs`. It makes `import mkdocs.*` load `properdocs.*`
(properdocs/replacement.py), so in a process where ProperDocs is loaded a module named `mkdocs`
can be found although the MkDocs distribution is not installed. The distribution's metadata
is what tells them apart; the module must be importable too (metadata left behind by a broken
uninstall does not count).
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, distribution
from importlib.util import find_spec

from .errors import PapershelfError

BUILDERS = ("mkdocs", "properdocs")  # in order of preference: the one the project is tested with first
INSTALL_HINT = "install mkdocs or properdocs: pip install 'mkdocs>=1.6,<2' (or pip install properdocs)"


def installed(name: str) -> bool:
    """Whether the distribution `name` is installed and its package of the same name importable."""
    try:
        distribution(name)
    except PackageNotFoundError:
        return False
    return find_spec(name) is not None


def builder_command() -> list[str]:
    """`[python, "-m", "mkdocs"]`, or `[python, "-m", "properdocs"]` when only ProperDocs is there.

    Both take the same arguments (`build --strict -d DIR`, `serve -a ADDR`, `-f mkdocs.yml`).
    Raises PapershelfError when neither is installed.
    """
    for name in BUILDERS:
        if installed(name):
            return [sys.executable, "-m", name]
    raise PapershelfError(f"no site builder found in {sys.executable}; {INSTALL_HINT}")
