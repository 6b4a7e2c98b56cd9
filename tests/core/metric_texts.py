"""Shared inputs for the text-metric differential tests: hypothesis strategies and a comparator.

Random text rarely shares a word, and a metric that is 0 everywhere proves nothing, so most
pairs are built from a small vocabulary chosen to hit every code path: exact matches, case
variants, Porter-stem matches (cats/cat, sitting/sit), WordNet synonyms (car/automobile,
big/large), repeated tokens, punctuation glued to words or alone, non-ASCII letters that
lowercase oddly (İ, K, ß), digits, emoji, and every kind of whitespace ``str.split`` knows.
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

RELATED = (
    ("cat", "cats", "Cat", "CATS"),
    ("sat", "sit", "sits", "sitting", "seat", "seated", "pose"),
    ("car", "cars", "auto", "automobile", "machine", "motorcar"),
    ("big", "large", "bigger", "great"),
    ("quick", "fast", "speedy", "rapid", "agile"),
    ("happy", "glad"),
    ("dog", "dogs", "hound", "puppy"),
    ("run", "runs", "running", "ran", "execute"),
    ("house", "home", "houses", "abode"),
    ("good", "well", "better", "best"),
    ("connect", "connected", "connection", "connects"),
    ("generalization", "generalize", "generalizes"),
)
"""Groups of words that nltk's METEOR may align by stem or WordNet synonym."""

_RELATED_TO = {word: group for group in RELATED for word in group}

WORDS = (
    *("the", "The", "THE", "a", "an", "is", "was", "on", "of", "to", "and", "no", "not"),
    *("cat", "cats", "Cat", "CATS", "sat", "sit", "sits", "sitting", "seat", "seated"),
    *("mat", "mat.", "mat,", "Mat", "dog", "dogs", "hound", "puppy", "bear", "hair"),
    *("car", "cars", "auto", "automobile", "machine", "big", "large", "bigger", "great"),
    *("quick", "fast", "speedy", "rapid", "happy", "glad", "run", "runs", "running", "ran"),
    *("house", "home", "houses", "good", "well", "better", "best", "fuzzy", "wuzzy", "had"),
    *("connect", "connected", "connection", "generalization", "generalize", "fairly"),
    *(word for group in RELATED for word in group),
    *("don't", "it's", "U.S.", "e-mail", "co-operate", "state-of-the-art", "a_b", "_"),
    *("café", "naïve", "İstanbul", "straße", "ΣΊΣΥΦΟΣ", "日本語", "\U0001f600", "ﬁne", "\u212a"),
    *("...", "—", "!!", "?", "(a)", "'", '"', "42", "3.14", "x2", "2x", "Ⅻ", "1,000"),
)
"""Token vocabulary; whitespace never occurs inside a token."""

SEPARATORS = (" ", " ", " ", "  ", "\t", "\n", "\r\n", "\xa0", "\u3000", " \x0b ", "\u2028")
"""Whitespace that ``str.split()`` splits on (NBSP, ideographic space, line separator too)."""


@st.composite
def joined(draw: st.DrawFn, tokens: list[str]) -> str:
    """``tokens`` joined by drawn whitespace, with optional leading/trailing whitespace."""
    seps = st.sampled_from(SEPARATORS)
    parts = [draw(st.sampled_from(("", *SEPARATORS)))]
    for k, token in enumerate(tokens):
        if k:
            parts.append(draw(seps))
        parts.append(token)
    parts.append(draw(st.sampled_from(("", *SEPARATORS))))
    return "".join(parts)


@st.composite
def edited(draw: st.DrawFn, tokens: list[str], vocabulary: st.SearchStrategy[str]) -> list[str]:
    """A copy of ``tokens`` after a few deletions, insertions, replacements and swaps."""
    result = list(tokens)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(("delete", "insert", "replace", "swap", "relate", "relate")))
        if op == "relate":
            related = [k for k, token in enumerate(result) if token in _RELATED_TO]
            if related:
                k = draw(st.sampled_from(related))
                result[k] = draw(st.sampled_from(_RELATED_TO[result[k]]))
            continue
        if op == "insert" or not result:
            result.insert(draw(st.integers(0, len(result))), draw(vocabulary))
            continue
        k = draw(st.integers(0, len(result) - 1))
        if op == "delete":
            del result[k]
        elif op == "replace":
            result[k] = draw(vocabulary)
        elif k + 1 < len(result):
            result[k], result[k + 1] = result[k + 1], result[k]
    return result


@st.composite
def text_pairs(draw: st.DrawFn, max_tokens: int = 40) -> tuple[str, str]:
    """(input, reference) pairs: related, independent, repetitive, or arbitrary unicode."""
    vocabulary = st.sampled_from(WORDS)
    kinds = ("edited", "edited", "edited", "related", "related", "independent", "repeat", "text")
    kind = draw(st.sampled_from(kinds))
    if kind == "text":
        return draw(st.text(max_size=max_tokens * 4)), draw(st.text(max_size=max_tokens * 4))
    if kind == "repeat":
        small = st.sampled_from(WORDS[:12])
        first = draw(st.lists(small, max_size=max_tokens))
        second = draw(st.lists(small, max_size=max_tokens))
        return draw(joined(first)), draw(joined(second))
    if kind == "related":
        vocabulary = st.sampled_from(tuple(_RELATED_TO) + WORDS[:13])
    first = draw(st.lists(vocabulary, max_size=max_tokens))
    if kind == "related":
        second = [draw(st.sampled_from(_RELATED_TO.get(token, (token,)))) for token in first]
        second = draw(edited(second, vocabulary))
    elif kind == "edited":
        second = draw(edited(first, vocabulary))
    else:
        second = draw(st.lists(vocabulary, max_size=max_tokens))
    if draw(st.booleans()):
        first, second = second, first
    return draw(joined(first)), draw(joined(second))


EDGE_PAIRS: dict[str, tuple[str, str]] = {
    "both-empty": ("", ""),
    "empty-input": ("", "the cat sat on the mat"),
    "empty-reference": ("the cat sat on the mat", ""),
    "whitespace-only": (" \t\n", "\u3000 "),
    "punctuation-only": ("... !!", "?? ..."),
    "punctuation-vs-words": ("...", "the cat"),
    "identical": ("the cat sat on the mat", "the cat sat on the mat"),
    "single-token-same": ("cat", "cat"),
    "single-token-other": ("cat", "dog"),
    "short-no-4gram": ("the cat sat", "the cat sat down"),
    "spec-probe-1": ("fuzzy wuzzy was a bear", "fuzzy wuzzy had no hair"),
    "spec-probe-2": ("The cat sat on the mat.", "The cat is sitting on the mat."),
    "repeated": ("the the the the the the", "the cat the"),
    "case-only": ("THE CAT", "the cat"),
    "non-ascii": ("café naïve İstanbul", "cafe naive istanbul"),
    "synonyms": ("the car is big", "the auto is great"),
    "synonym-of-a-stem": ("the automobile is large", "the car is big"),
    "stems": ("cats running connected", "cat runs connection"),
}
"""Named edge cases, documented in docs/metrics.md."""


def assert_same(ours: float, reference: float) -> None:
    """``ours`` equals ``reference`` to 1e-12, absolutely and relatively.

    The relative bound matters for BLEU's tiny non-zero values (about 1e-155): an absolute
    1e-12 alone would accept 0 for them.
    """
    assert isinstance(ours, float), type(ours)
    assert abs(ours - reference) <= 1e-12, (ours, reference)
    assert abs(ours - reference) <= 1e-12 * abs(reference) or ours == reference, (ours, reference)
    assert math.isfinite(ours)
