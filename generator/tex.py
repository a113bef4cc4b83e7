"""TeX and markup left in scraped titles and abstracts, made plain text (issue 18).

`clean_tex` runs at import, from `text.clean_text`, after `text.fix_latex` (which handles Greek
letters, arrows and a few symbols). Each rule fires only where the reading is unambiguous, and
each is tested on the seed text it was written for (tests/test_tex.py):

- inline math `$...$` (short, and holding TeX: `S$^{3}$`, `LLaVA-$φ$`) loses its dollars;
- `^{...}` and `_{...}` become Unicode superscripts and subscripts where every character has
  one (`10^{-3}` 10⁻³, `U_{min}` Uₘᵢₙ), else plain (`G_{BP}` G_BP, `^{-1/3}` ^(-1/3));
- TeX quotes ``like this'' (or ``like this") become “like this”;
- a closed list of commands that lost their backslash (`gtrsim`, `geq`, `leq`, `cdot`, `odot`,
  `textit{X}`, `{bf X}`, `^circ`...), and with it `\\eg`, `\\ie`, `\\etc`, `\\footnote{X}`;
- `url{X}` and `X{X}` (what `\\href{X}{X}` leaves of a link) become X, and a URL the capture
  broke after a `/` is joined again.

`abstract_is_cut` tells an abstract the listing cut short (it ends in "..." or on a word no
sentence ends with).
"""

from __future__ import annotations

import re

_SUPER = dict(zip("0123456789+-=()nihαβγδεθιφχ" + "abcdefgjklmoprstuvwxyz",
                  "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱʰᵅᵝᵞᵟᵋᶿᶥᵠᵡ" + "ᵃᵇᶜᵈᵉᶠᵍʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"))
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvxβγρφχ",
                "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ"))
_GREEK_NAMES = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "theta": "θ",
                "phi": "φ", "chi": "χ", "rho": "ρ", "odot": "⊙", "circ": "°", "prime": "′", "star": "⋆"}
# Commands that lost their backslash: none of these is an English word.
_BARE = {"gtrsim": "≳", "lesssim": "≲", "geq": "≥", "leq": "≤", "cdot": "·", "odot": "⊙", "msol": "M⊙"}
_BARE_WORD = re.compile(r"\\?(?<![A-Za-z])(" + "|".join(_BARE) + r")(?![A-Za-z])")
_FONT_COMMAND = re.compile(r"\\?(?<![A-Za-z])(?:textit|textbf|texttt|textsc|textrm|emph|mathrm|mathbf|mathit)\{([^{}]*)\}")
_FONT_GROUP = re.compile(r"\{\\?(?:bf|it|em|rm|tt|sc|sf) ([^{}]*)\}")
_ABBREVIATION = re.compile(r"\\(eg|ie|etc|etal|vs)(?![A-Za-z])\.?")
_ABBREVIATIONS = {"eg": "e.g.", "ie": "i.e.", "etc": "etc.", "etal": "et al.", "vs": "vs."}
_FOOTNOTE = re.compile(r"\\footnote\{([^{}]*)\}")
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]{1,20})\}|\\?(odot|circ|prime|star)(?![A-Za-z]))")
_MATH = re.compile(r"\$([^$\n]{1,40})\$")
_TEX_QUOTES = re.compile(r"(?<!`)``(?!`)([^`'\"\n]{1,200}?)(?:''|\")")  # (never a ``` code fence)
_LONE_TEX_QUOTE = re.compile(r"(?<!`)``(?!`)")
_OPEN_QUOTES = re.compile(r"(?<![\w'])''(\w[^'\"\n]{0,80}?)\"")
_URL_ARGUMENT = re.compile(r"\\?(?<![A-Za-z])url\{([^{}\s]+)\}")
_HREF_TWICE = re.compile(r"(?<!\S)(https?://[^\s{}]++)\{\1\}")
_BRACED_URL = re.compile(r"\{(https?://[^{}\s]+)\}")  # what \url{X} leaves when "url" is dropped too
_MACROS = {"ourMethod": "our method", "ourmethod": "our method", "method": "our method", "model": "our model",
           "ours": "ours", "ourModel": "our model"}  # a paper's own name macro: the name is lost, say what it was
_MACRO = re.compile(r"\\(" + "|".join(_MACROS) + r")(?![A-Za-z])")
_BROKEN_URL = re.compile(r"(?<!\S)(https?://\S+/) ([\w.-]+/[\w./-]*)")  # (from a URL's start only: linear)
_THIN_SPACE = re.compile(r"\\[,;:!]")


def _script(match: re.Match) -> str:
    mark, body, command = match.group(1), match.group(2), match.group(3)
    body = (command or body).strip()
    body = body[3:] if body.startswith(("rm ", "bf ", "it ")) else body
    body = _GREEK_NAMES.get(body.lstrip("\\"), body)
    if body in ("⊙", "°", "′", "⋆"):
        return body
    table = _SUPER if mark == "^" else _SUB
    if all(char in table for char in body):
        return "".join(table[char] for char in body)
    return f"{mark}({body})" if mark == "^" and len(body) > 1 else f"{mark}{body}"


def _math(match: re.Match) -> str:
    body = match.group(1)
    holds_tex = any(mark in body for mark in "\\^_{}") or (len(body) == 1 and not body.isascii())
    return _SCRIPT.sub(_script, body).replace("{", "").replace("}", "") if holds_tex else match.group(0)


def clean_tex(text: str) -> str:
    """`text` without the TeX and markup leftovers listed above (unchanged when it has none)."""
    if "$" in text:
        text = _MATH.sub(_math, text)
    if "^" in text or "_{" in text or "_odot" in text:
        text = _SCRIPT.sub(_script, text)
    if "``" in text:
        text = _LONE_TEX_QUOTE.sub("“", _TEX_QUOTES.sub(r"“\1”", text))  # (a quote the capture never closed)
    if "''" in text:
        text = _OPEN_QUOTES.sub(r"“\1”", text)
    if "{" in text:
        text = _FONT_COMMAND.sub(r"\1", text)
        text = _FONT_GROUP.sub(r"\1", text)
        text = _URL_ARGUMENT.sub(r"\1", text)
        text = _HREF_TWICE.sub(r"\1", text)
        text = _BRACED_URL.sub(r"\1", text)
    if "\\" in text:
        text = _FOOTNOTE.sub(r" (\1)", text)
        text = text.replace("\\footnote{", ": ")  # one the capture cut before its closing brace
        text = _MACRO.sub(lambda m: _MACROS[m.group(1)], text)
        text = _ABBREVIATION.sub(lambda m: _ABBREVIATIONS[m.group(1)], text)
        text = _THIN_SPACE.sub(" ", text)
    if any(word in text for word in _BARE):
        text = _BARE_WORD.sub(lambda m: _BARE[m.group(1)], text)
    if "/ " in text and "://" in text:
        text = _BROKEN_URL.sub(r"\1\2", text)
    return text


_ENDS_NO_SENTENCE = frozenset(
    "the a an of to and or for with in on at by from as that which whose following such than into via".split())


def abstract_is_cut(abstract: str) -> bool:
    """Whether the listing cut this abstract short: it ends in an ellipsis, or with no closing
    punctuation on a word no sentence ends with ("... is available at the following")."""
    end = abstract.rstrip()
    if end.endswith(("...", "…")):
        return True
    if not end or end[-1] in ".!?)]\"”'’:" or "://" in end[-80:].split(" ")[-1]:
        return False
    return end.rsplit(None, 1)[-1].lower() in _ENDS_NO_SENTENCE
