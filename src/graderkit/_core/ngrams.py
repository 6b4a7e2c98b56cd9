"""Clipped n-gram overlap, the count shared by BLEU, GLEU and ROUGE-N.

The clipped overlap of order n is ``sum(min(a[g], b[g]))`` over the n-grams ``g`` two texts
share (the size of the multiset intersection). It is computed with C-level set operations:
the shared n-grams are a set intersection, and when either text has no repeated n-gram of that
order each shared n-gram counts once. Only when both texts repeat some n-gram are the shared
n-grams counted. The result is the same integer as counting everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from itertools import chain

__all__ = ["clipped_overlap", "ngram_counts", "ngram_overlaps", "ngrams", "pooled_overlap"]


def ngrams(tokens: Sequence[str], n: int) -> Iterator[Hashable]:
    """The n-grams of ``tokens`` in order: the tokens for ``n == 1``, else tuples.

    Args:
        tokens: the token sequence.
        n: the n-gram order, >= 1.

    Returns:
        An iterator over ``max(0, len(tokens) - n + 1)`` n-grams.

    Example:
        >>> list(ngrams(["a", "b", "c"], 2))
        [('a', 'b'), ('b', 'c')]
    """
    if n == 1:
        return iter(tokens)
    return zip(*[tokens[i:] for i in range(n)], strict=False)


def ngram_counts(tokens: Sequence[str], n: int) -> Counter[Hashable]:
    """Count the n-grams of ``tokens`` (see ``ngrams``).

    Args:
        tokens: the token sequence.
        n: the n-gram order, >= 1.

    Returns:
        A Counter from n-gram to occurrences; empty when ``len(tokens) < n``.

    Example:
        >>> sorted(ngram_counts(["a", "b", "a", "b"], 2).items())
        [(('a', 'b'), 2), (('b', 'a'), 1)]
    """
    return Counter(ngrams(tokens, n))


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
    total = 0
    for gram, count in first.items():
        other = get(gram)
        if other:
            total += count if count < other else other
    return total


def ngram_overlaps(first: Sequence[str], second: Sequence[str], orders: Iterable[int]) -> list[int]:
    """The clipped overlap of ``first`` and ``second`` for each n-gram order in ``orders``.

    An order n + 1 overlap is 0 when the order n one is (a shared (n+1)-gram starts with a
    shared n-gram), so it is not computed then.

    Args:
        first: one token sequence.
        second: the other.
        orders: n-gram orders, each >= 1.

    Returns:
        ``[clipped_overlap(ngram_counts(first, n), ngram_counts(second, n)) for n in orders]``.

    Example:
        >>> ngram_overlaps("a b c d".split(), "a b c x b c".split(), [1, 2, 3, 4])
        [3, 2, 1, 0]
    """
    found: dict[int, int] = {}
    for n in orders:
        found[n] = 0 if found.get(n - 1, 1) == 0 else _overlap(first, second, (n,))
    return list(found.values())


def pooled_overlap(first: Sequence[str], second: Sequence[str], orders: Sequence[int]) -> int:
    """The clipped overlap summed over ``orders``, as if all their n-grams were one multiset.

    Args:
        first: one token sequence.
        second: the other.
        orders: distinct n-gram orders, each >= 1.

    Returns:
        ``sum(ngram_overlaps(first, second, orders))``.

    Example:
        >>> pooled_overlap("a b c d".split(), "a b c x b c".split(), [1, 2, 3, 4])
        6
    """
    higher = tuple(n for n in orders if n > 1)
    unigrams = 0
    if len(higher) < len(orders):
        unigrams = _overlap(first, second, (1,))
        if unigrams == 0:
            return 0
    return unigrams + _overlap(first, second, higher) if higher else unigrams


def _overlap(first: Sequence[str], second: Sequence[str], orders: Sequence[int]) -> int:
    """Clipped overlap pooled over ``orders`` (n-grams of different orders never collide)."""
    if len(first) > len(second):
        first, second = second, first
    first_total = _gram_total(len(first), orders)
    second_total = _gram_total(len(second), orders)
    if first_total == 0 or second_total == 0:
        return 0
    first_set = set(_grams(first, orders))
    shared = first_set.intersection(_grams(second, orders))
    if not shared or len(first_set) == first_total:
        return len(shared)
    if len(set(_grams(second, orders))) == second_total:
        return len(shared)  # each shared n-gram occurs once in `second`
    in_shared = shared.__contains__
    first_counts = Counter(filter(in_shared, _grams(first, orders)))
    second_counts = Counter(filter(in_shared, _grams(second, orders)))
    total = 0
    for gram, count in first_counts.items():
        other = second_counts[gram]
        total += count if count < other else other
    return total


def _gram_total(length: int, orders: Sequence[int]) -> int:
    total = 0
    for n in orders:
        if length >= n:
            total += length - n + 1
    return total


def _grams(tokens: Sequence[str], orders: Sequence[int]) -> Iterable[Hashable]:
    """Every n-gram of each order in ``orders``, unigrams as tokens, others as tuples."""
    if len(orders) == 1:
        return ngrams(tokens, orders[0])
    shifted = [tokens, *(tokens[i:] for i in range(1, max(orders)))]
    return chain.from_iterable([zip(*shifted[:n], strict=False) for n in orders])
