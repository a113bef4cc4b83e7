"""The shortcuts that make generation cheaper give what the plain code gives, for any text.

Each one replaces a regex or a normalisation by a quicker test that decides the same thing
(generator/stretches.py `_matches`, matching.rule_text, render/bibtex._ascii_word); here each
is held against the plain formula on generated text, hostile characters included.
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from generator import matching
from generator.render.bibtex import _ascii_word
from generator.stretches import _ALNUM, _matches

# Letters the word patterns and URL rule care about, separators, case and Unicode traps
# (Kelvin sign, dotted I, long s, accents, ligatures).
ALPHABET = "abilnoruw lora LoRA-/:.\u212a\u0130\u017f\u00e9\ufb01 0129"
TEXT = st.lists(st.sampled_from(list(ALPHABET) + ["www.", "github.com/", "://", "arxiv.org/", "HTTPS://"]),
                max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXT, st.sampled_from(["lo", "lora", "r", "lo[^0-9a-z]+ra", "a[0-9a-z]*", "i(?![0-9a-z])"]))
def test_word_start_check_finds_what_the_look_behind_regex_finds(text, core):
    subject = text.lower()
    plain = [(m.start(), m.end()) for m in re.compile(f"(?<![{_ALNUM}])" + core).finditer(subject)]
    assert [(m.start(), m.end()) for m in _matches(re.compile(core), True, subject)] == plain


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_url_blanking_shortcut_equals_the_url_regex(text):
    assert matching.rule_text(text) == matching._URL.sub(" ", text)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_ascii_word_equals_nfkd_then_ascii(text):
    plain = re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())
    assert _ascii_word(text) == plain
