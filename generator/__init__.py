"""papershelf: turn saved paper listings into a searchable MkDocs + Material site.

The package is a one-way pipeline, one module per stage:

    sources/ (read captures) -> dedup (one record per paper) -> taxonomy (themes, tags)
    -> render/ (pure functions returning page text) -> write (the only disk writer)

`site.build_site()` runs the stages and returns every generated page as text (on long lists
with a second process, `workers.py`); the MkDocs hook serves those pages as virtual files and
`papershelf generate --out` writes them.
"""

__version__ = "0.1.0"
