"""BibTeX field values (LaTeX) to plain text, in one pass.

What reference managers write in titles, abstracts and names: accents (`{\\"u}`, `\\'e`,
`\\c{c}`), letters (`\\ss`, `\\o`, `\\aa`), escaped specials (`\\%`, `\\&`, `\\_`), dashes and
quotes (`--`, `---`, ``` `` ```), protecting braces (`{BERT}`), text commands (`\\emph{x}`: x),
inline math (`$\\alpha$`: α) and `\\url{...}` (kept as written). A raw `%` is a percent sign:
a field value is not a LaTeX source file, and "50% of" must not lose its end (pylatexenc, which
bibtexparser's decoder uses, read it as a comment, and took time growing much faster than the
text: 34 s for a 1 MB abstract). Here each special character is looked at once, so the time is
proportional to the text.
"""

from __future__ import annotations

import re
import unicodedata

from .text import _GREEK

# Accent commands and the combining mark each puts on the next letter.
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
# Commands that are letters: TeX takes the spaces after them as the end of the name ("Stra\ss e").
_LETTERS = {
    "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
    "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "SS": "SS",
}
_SYMBOLS = {
    **_GREEK, "ldots": "…", "dots": "…", "textendash": "–", "textemdash": "—", "textasciitilde": "~",
    "textquoteright": "’", "textquoteleft": "‘", "textquotedblleft": "“", "textquotedblright": "”",
    "LaTeX": "LaTeX", "TeX": "TeX", "copyright": "©", "textregistered": "®", "texttrademark": "™",
    "euro": "€", "pounds": "£", "S": "§", "P": "¶", "dag": "†", "textdegree": "°", "deg": "°",
    "newline": " ", "par": " ", "quad": " ", "qquad": " ", "le": "≤", "ge": "≥", "neq": "≠",
    "ne": "≠", "in": "∈", "log": "log", "sum": "∑", "prod": "∏", "partial": "∂", "nabla": "∇",
    "textbackslash": "\\", "backslash": "\\", "%": "%", "&": "&", "$": "$", "#": "#", "_": "_",
    "{": "{", "}": "}", "\\": " ", ",": " ", ";": " ", ":": " ", " ": " ", "!": "", "-": "", "/": "",
    "@": "", "textunderscore": "_", "textpercent": "%", "textdollar": "$", "textbar": "|",
    "textless": "<", "textgreater": ">",
}
_DROPPED_WITH_ARGUMENT = {"cite", "citep", "citet", "ref", "eqref", "label", "footnote", "thanks"}

_TOKEN = re.compile(r"\\(?:[A-Za-z]+|.)|---?|``|''|[{}$~]", re.S)
_ACCENT_ARGUMENT = re.compile(r"\s*(?:\{\s*(\\[ij](?![A-Za-z])|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))|\{\}")
_SPACES = re.compile(r"[ \t\n]*")
_PUNCTUATION = {"--": "–", "---": "—", "``": "“", "''": "”"}


def _group(value: str, pos: int) -> tuple[str, int]:
    """The text of the brace group starting at `pos` (after spaces) and where it ends; an empty
    text if there is none. Unclosed, it runs to the end."""
    pos = _SPACES.match(value, pos).end()
    if pos >= len(value) or value[pos] != "{":
        return "", pos
    depth, index = 0, pos
    while index < len(value):
        char = value[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return value[pos + 1:index], index + 1
        index += 1
    return value[pos + 1:], len(value)


def latex_to_text(value: str) -> str:
    """A BibTeX field's value as plain text (see the module's docstring)."""
    if not any(char in value for char in "\\{}$~-`'"):
        return value
    out: list[str] = []
    pos = 0
    while (match := _TOKEN.search(value, pos)) is not None:
        out.append(value[pos:match.start()])
        token, pos = match.group(), match.end()
        if token in ("{", "}", "$"):
            continue
        if token == "~":  # a tie, except in a path like example.org/~user
            out.append("~" if match.start() and value[match.start() - 1] == "/" else "\u00a0")
            continue
        if token in _PUNCTUATION:
            out.append(_PUNCTUATION[token])
            continue
        name = token[1:]
        if name in _ACCENTS:
            argument = _ACCENT_ARGUMENT.match(value, pos)
            if argument is not None:
                letter = argument.group(1) or argument.group(2) or ""
                base = {"\\i": "i", "\\j": "j"}.get(letter, letter)
                out.append(unicodedata.normalize("NFC", base + _ACCENTS[name]) if base else "")
                pos = argument.end()
                continue
            if not name.isalpha():  # `\"` with nothing to put it on
                continue
        if name in _LETTERS:
            out.append(_LETTERS[name])
            pos = _SPACES.match(value, pos).end()
        elif name in _SYMBOLS:
            out.append(_SYMBOLS[name])
        elif name == "url":
            text, pos = _group(value, pos)
            out.append(text)
        elif name == "href":  # \href{url}{text}: the URL, then the text read on as usual
            url, pos = _group(value, pos)
            out.append(url + " ")
        elif name in _DROPPED_WITH_ARGUMENT:
            _, pos = _group(value, pos)
        elif not name.isalpha():
            out.append(name)  # an escaped character we have no name for: itself
        # any other command (\emph, \textbf, \mathrm...) goes; its argument's braces go too
    out.append(value[pos:])
    return "".join(out)
