"""graderkit._core.metrics.ngrams: the fast clipped overlaps equal plain counting, on every path.

Paths: no shared token; no repeated token (windows of shared stretches); repeated tokens but
no repeated bigram (windows over bigrams); repeated bigrams (set intersections, counted).
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graderkit._core.metrics import ngrams as module
from graderkit._core.metrics.ngrams import (
    clipped_overlap,
    ngram_counts,
    ngram_overlaps,
    pooled_overlap,
)

repetitive = st.lists(st.sampled_from("aabbcdefgh"), max_size=30)
orders = st.lists(st.integers(1, 6), min_size=1, max_size=6, unique=True)


@st.composite
def distinct_pairs(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """Two token lists without repeats that share stretches (the no-repeat path)."""
    words = st.text("abcdefghijklmn", min_size=1, max_size=2)
    first = draw(st.lists(words, unique=True, max_size=25))
    pool = first + draw(st.lists(words, max_size=5))
    second = draw(st.lists(st.sampled_from(pool), unique=True, max_size=25)) if pool else []
    if first and draw(st.booleans()):  # keep a long shared stretch
        k = draw(st.integers(0, len(first) - 1))
        second = [w for w in second if w not in first[k:]] + first[k:]
    return first, second


@st.composite
def bigram_distinct_pairs(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """Token lists that repeat words but (mostly) not bigrams (the bigram-window path)."""
    first = draw(st.lists(st.sampled_from("abcdefgh"), max_size=20))
    second = list(first)
    for _ in range(draw(st.integers(0, 5))):
        k = draw(st.integers(0, len(second)))
        second.insert(k, draw(st.sampled_from("abcdefghxy")))
    return first, second


def counted(first: list[str], second: list[str], n: int) -> int:
    """The definition: the size of the multiset intersection of the n-grams."""
    a = Counter(tuple(first[i : i + n]) for i in range(len(first) - n + 1))
    b = Counter(tuple(second[i : i + n]) for i in range(len(second) - n + 1))
    return sum((a & b).values())


def check(first: list[str], second: list[str], ns: list[int]) -> None:
    expected = [counted(first, second, n) for n in ns]
    assert ngram_overlaps(first, second, ns) == expected
    assert pooled_overlap(first, second, ns) == sum(expected)
    assert ngram_overlaps(second, first, ns) == expected
    for top in range(1, 7):  # the orders 1..top (GLEU's 1..4) take a path of their own
        pooled = sum(counted(first, second, n) for n in range(1, top + 1))
        assert pooled_overlap(first, second, range(1, top + 1)) == pooled
        assert pooled_overlap(second, first, list(range(1, top + 1))) == pooled


@given(repetitive, repetitive, orders)
def test_repetitive_texts(first: list[str], second: list[str], ns: list[int]) -> None:
    check(first, second, ns)


@given(distinct_pairs(), orders)
def test_texts_without_repeated_tokens(pair: tuple[list[str], list[str]], ns: list[int]) -> None:
    check(*pair, ns)


@given(bigram_distinct_pairs(), orders)
def test_texts_without_repeated_bigrams(pair: tuple[list[str], list[str]], ns: list[int]) -> None:
    check(*pair, ns)


@pytest.mark.parametrize(
    ("first", "second", "path"),
    [
        ("a b c", "x y", "none shared"),
        ("a b c d", "c d a b", "distinct tokens"),
        ("the cat and the dog", "the dog and the cat", "distinct bigrams"),
        ("a b a b a b", "a b a b", "repeated bigrams"),
    ],
)
def test_each_path_is_taken(first: str, second: str, path: str) -> None:
    a, b = first.split(), second.split()
    runs = module._shared_runs(a, b)
    taken = (
        "none shared"
        if module._unigram_overlap(a, b) == 0
        else "distinct tokens"
        if len(set(a)) == len(a) and len(set(b)) == len(b)
        else "distinct bigrams"
        if runs is not None
        else "repeated bigrams"
    )
    assert taken == path
    check(a, b, [1, 2, 3, 4, 5])


@given(repetitive, repetitive, st.integers(1, 5))
def test_clipped_overlap_of_counts(first: list[str], second: list[str], n: int) -> None:
    overlap = clipped_overlap(ngram_counts(first, n), ngram_counts(second, n))
    assert overlap == counted(first, second, n)
    assert overlap == clipped_overlap(ngram_counts(second, n), ngram_counts(first, n))
