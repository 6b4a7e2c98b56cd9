"""graderkit._core.ngrams: the fast clipped overlaps equal plain counting."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from graderkit._core.ngrams import clipped_overlap, ngram_counts, ngram_overlaps, pooled_overlap

tokens = st.lists(st.sampled_from("aabbcdefgh"), max_size=30)
orders = st.lists(st.integers(1, 6), min_size=1, max_size=6, unique=True)


def counted(first: list[str], second: list[str], n: int) -> int:
    """The definition: the size of the multiset intersection of the n-grams."""
    a = Counter(tuple(first[i : i + n]) for i in range(len(first) - n + 1))
    b = Counter(tuple(second[i : i + n]) for i in range(len(second) - n + 1))
    return sum((a & b).values())


@given(tokens, tokens, orders)
def test_ngram_overlaps_equal_counting(first: list[str], second: list[str], ns: list[int]) -> None:
    assert ngram_overlaps(first, second, ns) == [counted(first, second, n) for n in ns]


@given(tokens, tokens, orders)
def test_pooled_overlap_is_the_sum(first: list[str], second: list[str], ns: list[int]) -> None:
    assert pooled_overlap(first, second, ns) == sum(counted(first, second, n) for n in ns)


@given(tokens, tokens, st.integers(1, 5))
def test_clipped_overlap_of_counts(first: list[str], second: list[str], n: int) -> None:
    overlap = clipped_overlap(ngram_counts(first, n), ngram_counts(second, n))
    assert overlap == counted(first, second, n)
    assert overlap == clipped_overlap(ngram_counts(second, n), ngram_counts(first, n))
