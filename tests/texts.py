"""Hypothesis strategies for searchable texts: sentences of a few words, some of them alike."""

from __future__ import annotations

import string

from hypothesis import strategies as st

WORD_CHARACTERS = string.ascii_letters + string.digits
SEPARATORS = [" ", "  ", "-", "_", ".", ", ", "/", "'", "\t"]

words = st.text(alphabet=WORD_CHARACTERS, min_size=1, max_size=8)
# A small vocabulary makes repeated and shared trigrams likely, where the search is subtle.
near_words = st.sampled_from(
    [
        "sign",
        "signup",
        "signups",
        "Sign-up",
        "weekly",
        "week",
        "wk",
        "pageview",
        "page",
        "views",
        "a",
        "ab",
        "abc",
        "abab",
        "aaa",
        "x1",
        "2024",
        "q3",
        "okr",
    ]
)
sentences = st.lists(st.one_of(words, near_words), max_size=8).flatmap(
    lambda parts: st.lists(
        st.sampled_from(SEPARATORS), min_size=len(parts), max_size=len(parts)
    ).map(lambda seps: "".join(part + sep for part, sep in zip(parts, seps, strict=True)))
)
texts = st.one_of(
    sentences,
    st.text(alphabet=WORD_CHARACTERS + " -_.", max_size=30),
    st.text(alphabet=string.printable, max_size=30),
)
