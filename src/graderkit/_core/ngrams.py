"""Clipped n-gram overlap, the count shared by BLEU, GLEU and ROUGE-N.

The clipped overlap of order n is ``sum(min(a[g], b[g]))`` over the n-grams ``g`` two texts
share (the size of the multiset intersection). ``ngram_overlaps`` gets the same integers as
counting everything (the tests check it against plain counting) with less work: set
operations in C, and no n-gram built at all when neither text repeats a token
(see ``_overlaps``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from itertools import chain, pairwise
from typing import Any

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

    Args:
        first: one token sequence.
        second: the other.
        orders: distinct n-gram orders, each >= 1.

    Returns:
        ``[clipped_overlap(ngram_counts(first, n), ngram_counts(second, n)) for n in orders]``.

    Example:
        >>> ngram_overlaps("a b c d".split(), "a b c x b c".split(), [1, 2, 3, 4])
        [3, 2, 1, 0]
    """
    orders = tuple(orders)
    if len(orders) == 1:
        return [_single_order(first, second, orders[0])]
    shared, first_unique, second_unique, second_at = _shared_tokens(first, second)
    if not shared:
        return [0] * len(orders)
    if first_unique and second_unique:
        runs = _diagonal_runs(first, second_at)
        return [_gram_total(runs, (n,)) for n in orders]
    found: dict[int, int] = {}
    if 1 in orders:
        unique = first_unique or second_unique
        found[1] = len(shared) if unique else _counted(first, second, shared)
    higher = tuple(n for n in orders if n > 1)
    bigram_runs = _bigram_runs(first, second) if higher else None
    for n in higher:
        if bigram_runs is not None:
            found[n] = _gram_total(bigram_runs, (n - 1,))
        elif found.get(n - 1) == 0:  # a shared n-gram starts with a shared (n-1)-gram
            found[n] = 0
        else:
            found[n] = _clipped_count(first, second, (n,))
    return [found[n] for n in orders]


def pooled_overlap(first: Sequence[str], second: Sequence[str], orders: Sequence[int]) -> int:
    """The clipped overlap summed over ``orders`` (GLEU's count).

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
    orders = tuple(orders)
    shared, first_unique, second_unique, second_at = _shared_tokens(first, second)
    if not shared:
        return 0
    if first_unique and second_unique:
        return _gram_total(_diagonal_runs(first, second_at), orders)
    total = 0
    if 1 in orders:
        unique = first_unique or second_unique
        total = len(shared) if unique else _counted(first, second, shared)
    higher = tuple(n for n in orders if n > 1)
    if not higher:
        return total
    runs = _bigram_runs(first, second)
    if runs is not None:
        return total + _gram_total(runs, tuple(n - 1 for n in higher))
    return total + _clipped_count(first, second, higher)


def _bigram_runs(first: Sequence[str], second: Sequence[str]) -> list[int] | None:
    """``_diagonal_runs`` over the bigram sequences, when neither text repeats a bigram.

    Texts repeat words ("the") far more often than bigrams. With distinct bigrams, an n-gram
    (n >= 2) is n - 1 consecutive bigrams, shared exactly when they are consecutive in both
    texts: the overlap of order n is the number of (n-1)-bigram windows in these runs.
    ``None`` when a text repeats a bigram.
    """
    first_bigrams = list(pairwise(first))
    second_bigrams = list(pairwise(second))
    second_at = dict(zip(second_bigrams, range(len(second_bigrams)), strict=True))
    if len(second_at) != len(second_bigrams) or len(set(first_bigrams)) != len(first_bigrams):
        return None
    return _diagonal_runs(first_bigrams, second_at)


def _single_order(first: Sequence[str], second: Sequence[str], n: int) -> int:
    """One order's clipped overlap (ROUGE-N): plain set operations beat the run machinery."""
    if n > 1:
        return _clipped_count(first, second, (n,))
    first_set = set(first)
    shared = first_set.intersection(second)
    if not shared or len(first_set) == len(first) or len(set(second)) == len(second):
        return len(shared)
    return _counted(first, second, shared)


def _shared_tokens(
    first: Sequence[str], second: Sequence[str]
) -> tuple[set[str], bool, bool, dict[str, int]]:
    """Shared tokens, whether each text has no repeated token, second's token -> position."""
    first_set = set(first)
    shared = first_set.intersection(second)
    second_at = dict(zip(second, range(len(second)), strict=True)) if shared else {}
    return shared, len(first_set) == len(first), len(second_at) == len(second), second_at


def _counted(first: Sequence[str], second: Sequence[str], shared: set[str]) -> int:
    """Unigram clipped overlap when both texts repeat some token."""
    in_shared = shared.__contains__
    first_counts = Counter(filter(in_shared, first))
    second_counts = Counter(filter(in_shared, second))
    return sum(
        map(min, map(first_counts.__getitem__, shared), map(second_counts.__getitem__, shared))
    )


def _clipped_count(first: Sequence[str], second: Sequence[str], orders: tuple[int, ...]) -> int:
    """Clipped overlap of the n-grams of ``orders`` >= 2, all orders in one set per text.

    When one text has no repeated n-gram, each shared n-gram counts once: the size of a set
    intersection, all in C. Otherwise the shared n-grams are counted on both sides.
    """
    if len(first) > len(second):
        first, second = second, first
    first_set = set(_grams(first, orders))
    shared = first_set.intersection(_grams(second, orders))
    if not shared or len(first_set) == _gram_total([len(first)], orders):
        return len(shared)
    if len(set(_grams(second, orders))) == _gram_total([len(second)], orders):
        return len(shared)
    in_shared = shared.__contains__
    first_counts = Counter(filter(in_shared, _grams(first, orders)))
    second_counts = Counter(filter(in_shared, _grams(second, orders)))
    return sum(
        map(min, map(first_counts.__getitem__, shared), map(second_counts.__getitem__, shared))
    )


def _gram_total(lengths: Iterable[int], orders: Sequence[int]) -> int:
    """How many n-grams of ``orders`` texts (or stretches) of these lengths hold."""
    return sum(length - n + 1 for length in lengths for n in orders if length >= n)


def _grams(tokens: Sequence[str], orders: tuple[int, ...]) -> Iterator[tuple[str, ...]]:
    """Every n-gram (a tuple) of each order in ``orders``."""
    shifted = [tokens, *(tokens[i:] for i in range(1, max(orders)))]
    if len(orders) == 1:
        return zip(*shifted, strict=False)
    return chain.from_iterable([zip(*shifted[:n], strict=False) for n in orders])


def _diagonal_runs(first: Sequence[Hashable], second_at: dict[Any, int]) -> list[int]:
    """Lengths of the maximal stretches of ``first`` found at consecutive positions of second.

    When neither text repeats a token, every n-gram occurs at most once per text, and an
    n-gram is shared exactly when it lies inside one of these stretches: the overlap of order
    n is the number of n-token windows in them, and no n-gram needs to be built.

    Args:
        first: the first text's tokens, all distinct.
        second_at: each token of the second text (all distinct) -> its position.
    """
    runs: list[int] = []
    length, previous = 0, -2
    for at in map(second_at.get, first):
        if at is None:
            if length:
                runs.append(length)
            length, previous = 0, -2
        elif at == previous + 1 and length:
            length, previous = length + 1, at
        else:
            if length:
                runs.append(length)
            length, previous = 1, at
    if length:
        runs.append(length)
    return runs
