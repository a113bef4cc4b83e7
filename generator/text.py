"""Cleaning scraped text: LaTeX that lost its backslash, and the URLs inside abstracts.

Both are conservative on purpose: a rule only fires where the reading is unambiguous, so
ordinary words ("narrow", "three times larger", "simple") are never touched.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from .model import Link

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
_GLUED_TIMES = re.compile(r"(?<=\d)times(?=\d|\b)")  # 5times, 256times256, 7.46times
_BARE_SIM = re.compile(r"(?<![A-Za-z])sim(?=\s?\d)")  # "z sim 0.01", "sim20"
_GLUED_APPROX = re.compile(r"(?<=\})approx(?=\s?\d)")  # "DM_{host}approx 900"


def fix_latex(text: str) -> str:
    """Turn LaTeX remnants into the symbols they stand for, where that is unambiguous."""
    if "\\" in text:
        text = text.replace("\\%", "%").replace("\\&", "&").replace("\\_", "_")
        text = _TEXT_CMD.sub(r"\1", text)
        text = _BACKSLASH_SYMBOL.sub(lambda m: _GREEK[m.group(1)], text)
    if "arrow" in text:
        text = _BARE_ARROW.sub(lambda m: _ARROWS[m.group(1)], text)
    if "times" in text:
        text = _GLUED_TIMES.sub("×", text)
    if "sim" in text:
        text = _BARE_SIM.sub("∼", text)
    if "approx" in text:
        text = _GLUED_APPROX.sub("≈", text)
    return text


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def clean_line(line: str) -> str:
    """Drop BOMs, CR, control and bidi-override characters; fold tabs; trim the right end."""
    line = line.replace("\ufeff", "").replace("\t", " ")
    line = _CONTROL.sub("", line)
    return line.rstrip()


def clean_text(text: str) -> str:
    """A title or abstract as shown: NFC, cleaned, LaTeX remnants fixed, whitespace folded."""
    text = unicodedata.normalize("NFC", clean_line(text))
    return re.sub(r"\s+", " ", fix_latex(text)).strip()


_URL = re.compile(r"https?://[^\s<>\"'`{}|\\^\[\]]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\"*"
_CODE_HOSTS = {"github.com", "gitlab.com", "bitbucket.org"}
_PROJECT_SUFFIXES = (".github.io", ".gitlab.io", ".pages.dev", ".readthedocs.io")


def _trim_url(url: str) -> str:
    """Strip punctuation that ends the sentence rather than the URL: `x/y.` and `(x/y)`."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last == ")" and url.count("(") < url.count(")"):
            url = url[:-1]
        else:
            break
    return url


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
    seen: dict[str, Link] = {}
    for match in _URL.finditer(text):
        url = _trim_url(match.group(0))
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            continue
        key = url.rstrip("/").lower()
        if key not in seen:
            seen[key] = Link(classify_url(url), url)
    return tuple(seen.values())


def normalize_title(title: str) -> str:
    """The key two listings of the same paper share: NFKC, case-folded, punctuation-free."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def normalize_abstract(abstract: str) -> str:
    """Abstracts compared without their URLs (mirrors and trailing slashes differ by capture)."""
    return normalize_title(_URL.sub(" ", abstract))
