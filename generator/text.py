"""Cleaning scraped text: LaTeX that lost its backslash, and the URLs inside abstracts.

Both are conservative on purpose: a rule only fires where the reading is unambiguous, so
ordinary words ("narrow", "three times larger", "simple") are never touched.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

from .model import Link
from .tex import clean_tex

# \alpha and friends, with or without surrounding braces: {\alpha} -> α
_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "mu": "μ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ",
    "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Delta": "Δ", "Omega": "Ω",
    "times": "×", "sim": "∼", "approx": "≈", "leq": "≤", "geq": "≥", "pm": "±",
    "rightarrow": "→", "leftarrow": "←", "to": "→", "infty": "∞", "cdot": "·",
}
_BACKSLASH_SYMBOL = re.compile(r"\{?\\(" + "|".join(sorted(_GREEK, key=len, reverse=True)) + r")\b\}?")
# \textbf{X} / \textit{X} / \emph{X} -> X
_TEXT_CMD = re.compile(r"\\(?:textbf|textit|emph|texttt|mathrm|mathbf)\{([^{}]*)\}")
# Backslash lost in the scrape: only where a word could never stand there in English.
_BARE_ARROW = re.compile(r"(?<![A-Za-z])(rightarrow|leftarrow|Rightarrow|Leftarrow)(?![A-Za-z])")
_ARROWS = {"rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐"}
# These three start with their literal word and look behind it afterwards, so the regex engine
# can jump between occurrences of the word: "times" and "sim" (similar, simple) are common
# in abstracts, and a leading lookbehind would make every call test each character.
_GLUED_TIMES = re.compile(r"times(?<=\dtimes)(?=\d|\b)")  # 5times, 256times256, 7.46times
_BARE_SIM = re.compile(r"sim(?<![A-Za-z]sim)(?=\s?\d)")  # "z sim 0.01", "sim20"
_GLUED_APPROX = re.compile(r"approx(?<=\}approx)(?=\s?\d)")  # "DM_{host}approx 900"


def fix_latex(text: str) -> str:
    """Turn LaTeX remnants into the symbols they stand for, where that is unambiguous."""
    if "\\" in text:
        text = text.replace("\\%", "%").replace("\\&", "&").replace("\\_", "_")
        text = _TEXT_CMD.sub(r"\1", text)
        text = _BACKSLASH_SYMBOL.sub(lambda m: _GREEK[m.group(1)], text)
    # Each test below is a substring every match contains, so most text skips the regex:
    # every arrow word ends in "tarrow" ("narrow" does not), and approx must follow a "}".
    if "tarrow" in text:
        text = _BARE_ARROW.sub(lambda m: _ARROWS[m.group(1)], text)
    if "times" in text:
        text = _GLUED_TIMES.sub("×", text)
    if "sim" in text:
        text = _BARE_SIM.sub("∼", text)
    if "}approx" in text:
        text = _GLUED_APPROX.sub("≈", text)
    return text


# Controls, bidi overrides, and what XML 1.0 forbids besides (lone surrogates, U+FFFE, U+FFFF):
# none may reach a page, feed or sitemap, and every reader's text passes through here.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f"
                      r"\ud800-\udfff\ufffe\uffff]")
# Exactly the characters XML 1.0 forbids (tab, line feed and carriage return are allowed).
_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ASCII_CONTROL = bytes(range(0x20)) + b"\x7f"  # C0 controls (tab and line feed too) and DEL


def _needs_cleaning(line: str) -> bool:
    """Whether clean_line() may have more to do than trim the right end: one quick pass.

    Tabs, BOMs and every _CONTROL character are unprintable (so are a few characters that
    clean_line() keeps, such as U+2028: a false alarm only costs the full pass). In ASCII text
    they are all C0 controls or DEL, which bytes.translate finds faster than str.isprintable.
    """
    if line.isascii():
        raw = line.encode("ascii")
        return len(raw.translate(None, _ASCII_CONTROL)) != len(raw)
    return not line.isprintable()


def clean_line(line: str) -> str:
    """Drop BOMs, CR, control and bidi-override characters; fold tabs; trim the right end."""
    if not _needs_cleaning(line):  # most lines
        return line.rstrip()
    line = line.replace("\ufeff", "").replace("\t", " ")
    line = _CONTROL.sub("", line)
    return line.rstrip()


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (for values that are not titles or
    abstracts: URLs, author names, YAML strings)."""
    return text if text.isprintable() else _XML_FORBIDDEN.sub("", text)


def without_format_characters(text: str) -> str:
    """`text` without Unicode format characters (category Cf: zero-width space and joiners,
    soft hyphen, word joiner, BOM...). They are invisible, so two titles differing only by one
    would look the same and still count as two papers. (This also splits joined emoji and
    drops the joiners some scripts use; a title loses nothing a reader needs.)"""
    if text.isprintable():  # Cf characters are not printable: most texts stop here
        return text
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def clean_text(text: str) -> str:
    """A title or abstract as shown: NFC, cleaned (no format characters), LaTeX remnants fixed
    (here and in `tex.clean_tex`), whitespace folded."""
    text = clean_tex(fix_latex(without_format_characters(unicodedata.normalize("NFC", clean_line(text)))))
    # The only ASCII whitespace clean_line() leaves is the space and the line feed, so ASCII
    # text with neither a line feed nor a double, leading or trailing space is already folded.
    if (text.isascii() and "  " not in text and "\n" not in text
            and not text.startswith(" ") and not text.endswith(" ")):
        return text
    # str.split() breaks at exactly the characters regex \s matches, so this is
    # re.sub(r"\s+", " ", text).strip() without building a match for every space.
    return " ".join(text.split())


_URL = re.compile(r"https?://[^\s<>\"'`{}|\\^\[\]]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\"*"
_CODE_HOSTS = {"github.com", "gitlab.com", "bitbucket.org"}
_PROJECT_SUFFIXES = (".github.io", ".gitlab.io", ".pages.dev", ".readthedocs.io")


def _trim_url(url: str) -> str:
    """Strip punctuation that ends the sentence rather than the URL: `x/y.` and `(x/y)`.

    A ")" goes while the URL has more of them than "(": counted once, then kept up to date,
    so a URL followed by 400,000 ")" takes one pass, not one count per character."""
    end = len(url)
    opens, closes = url.count("("), url.count(")")
    while end:
        last = url[end - 1]
        if last in _TRAILING:
            end -= 1
        elif last == ")" and opens < closes:
            end -= 1
            closes -= 1
        else:
            break
    return url[:end]


def classify_url(url: str) -> str:
    """The kind of a link: code, project, model, dataset, space, huggingface or other."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host in _CODE_HOSTS:
        return "code" if len(segments) >= 2 else "other"
    if host == "huggingface.co" or host == "hf.co":
        if segments[:1] == ["datasets"] and len(segments) >= 3:
            return "dataset"
        if segments[:1] == ["spaces"] and len(segments) >= 3:
            return "space"
        if len(segments) == 2 and segments[0] not in {"papers", "collections", "blog", "docs"}:
            return "model"
        return "huggingface"
    if host.endswith(".hf.space"):
        return "space"
    if host.endswith(_PROJECT_SUFFIXES) or host == "sites.google.com":
        return "project"
    return "other"


def extract_links(text: str) -> tuple[Link, ...]:
    """Every http(s) URL in `text`, trimmed, classified and de-duplicated, in order of appearance."""
    first = text.find("://")
    if first == -1:  # most abstracts have no URL at all
        return ()
    seen: dict[str, Link] = {}
    # A URL starts at most len("https") characters before its "://": skip the text before.
    for match in _URL.finditer(text, max(0, first - len("https"))):
        url = _trim_url(match.group(0))
        key = url.rstrip("/").lower()
        if key not in seen:
            link = _link(url)
            if link is not None:
                seen[key] = link
    return tuple(seen.values())


@lru_cache(maxsize=4096)  # the same code and project links recur across captures
def _link(url: str) -> Link | None:
    """The classified link for a trimmed URL, or None when it has no http(s) scheme and host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return Link(classify_url(url), url)


# Runs of letters and digits: the words left when punctuation, `_` and spaces are dropped.
_WORD = re.compile(r"[^\W_]+")


# Cyrillic and Greek letters that look like Latin ones (NFKC leaves them alone): a title typed
# or pasted with one of them must still be the same title. Mapped before case-folding, so a
# Greek capital Alpha is the Latin A it looks like, while a small alpha stays itself.
_LOOK_ALIKES = str.maketrans({
    **dict(zip("аеорсухіјѕԁԛԝһӏү", "aeopcyxijsdqwhly")),  # Cyrillic small
    **dict(zip("АВЕКМНОРСТХУІЈЅҮӀ", "ABEKMHOPCTXYIJSYI")),  # Cyrillic capital
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX")),  # Greek capital
    **dict(zip("οϲϳı", "ocji")),  # Greek small omicron, lunate sigma, yot; Latin dotless i
})


def normalize_title(title: str, look_alikes: bool = True) -> str:
    """The key two listings of the same paper share: NFKC, format characters dropped, look-alike
    letters as the Latin ones they look like (unless `look_alikes` is False), case-folded,
    punctuation-free."""
    folded = unicodedata.normalize("NFKC", title)
    if not folded.isascii():
        folded = without_format_characters(folded)
        if look_alikes:
            folded = folded.translate(_LOOK_ALIKES)
    return " ".join(_WORD.findall(folded.casefold()))


def normalize_abstract(abstract: str) -> str:
    """Abstracts compared without their URLs (mirrors and trailing slashes differ by capture)."""
    return normalize_title(_URL.sub(" ", abstract))
