"""Clipped n-gram overlap, the count shared by BLEU, GLEU and ROUGE-N."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

__all__ = ["clipped_overlap", "ngram_counts"]


def ngram_counts(tokens: Sequence[str], n: int) -> Counter[Hashable]:
    """Count the n-grams of ``tokens``; unigrams are the tokens themselves, not 1-tuples.

    Args:
        tokens: the token sequence.
        n: the n-gram order, >= 1.

    Returns:
        A Counter from n-gram (a token for ``n == 1``, else a tuple) to occurrences; empty when
        ``len(tokens) < n``.

    Example:
        >>> sorted(ngram_counts(["a", "b", "a", "b"], 2).items())
        [(('a', 'b'), 2), (('b', 'a'), 1)]
    """
    if n == 1:
        return Counter(tokens)
    return Counter(zip(*[tokens[i:] for i in range(n)], strict=False))


def clipped_overlap(first: Counter[Hashable], second: Counter[Hashable]) -> int:
    """Sum over shared n-grams of the smaller count (the size of the multiset intersection).

    Args:
        first: n-gram counts of one text.
        second: n-gram counts of the other text.

    Returns:
        ``sum(min(first[g], second[g]) for g in first)``, symmetric in its arguments.

    Example:
        >>> clipped_overlap(Counter("aab"), Counter("abbb"))
        2
    """
    if len(first) > len(second):
        first, second = second, first
    get = second.get
    return sum([min(count, get(gram, 0)) for gram, count in first.items()])
