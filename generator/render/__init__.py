"""Pure renderers: each takes records and returns page text; none touches the disk.

Everything generated from seed text is emitted as escaped HTML inside one raw HTML block, never
as Markdown: Python-Markdown would otherwise pass raw HTML and `[x](javascript:...)` through and
let `attr_list` turn `{: onclick=...}` into a live attribute.
"""
