"""Clipped n-gram overlap, the count shared by BLEU, GLEU and ROUGE-N.

The clipped overlap of order n is ``sum(min(a[g], b[g]))`` over the n-grams ``g`` two texts
share (the size of the multiset intersection). ``ngram_overlaps`` gets the same integers as
counting everything (the tests check it against plain counting) with less work: one plain
dict walk per order, and for BLEU's and GLEU's higher orders no n-gram built at all when no
bigram repeats (see ``_overlaps``). Plain loops over dicts beat ``Counter`` and chains of C
calls at these sizes (a sentence): both pay fixed costs a short loop does not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from itertools import pairwise
from typing import Any

__all__ = ["clipped_overlap", "ngram_counts", "ngram_overlaps", "ngrams", "pooled_overlap"]


def ngrams(tokens: Sequence[str], n: int) -> Iterator[Hashable]:
    """The n-grams of ``tokens`` in order: the tokens for ``n == 1``, else tuples.

    Args:
        tokens: the token sequence.
        n: the n-gram order, >= 1.

    Returns:
        An iterator over ``max(0, len(tokens) - n + 1)`` n-grams.

    Examples:
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

    Examples:
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

    Examples:
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

    Examples:
        >>> ngram_overlaps("a b c d".split(), "a b c x b c".split(), [1, 2, 3, 4])
        [3, 2, 1, 0]
    """
    orders = tuple(orders)
    found = _overlaps(first, second, orders)
    return [found[n] for n in orders]


def pooled_overlap(first: Sequence[str], second: Sequence[str], orders: Iterable[int]) -> int:
    """The clipped overlap summed over ``orders`` (GLEU's count).

    Args:
        first: one token sequence.
        second: the other.
        orders: distinct n-gram orders, each >= 1.

    Returns:
        ``sum(ngram_overlaps(first, second, orders))``.

    Examples:
        >>> pooled_overlap("a b c d".split(), "a b c x b c".split(), [1, 2, 3, 4])
        6
    """
    orders = tuple(orders)
    top = len(orders)
    if orders == tuple(range(1, top + 1)):  # GLEU's 1..4: one pass over the shared stretches
        return _pooled_up_to(first, second, top)
    return sum(_overlaps(first, second, orders).values())


def _pooled_up_to(first: Sequence[str], second: Sequence[str], top: int) -> int:
    """The clipped overlap summed over the orders 1..top (``_overlaps`` for that case).

    A shared stretch of ``length`` tokens holds ``length - n + 1`` shared n-grams of each
    order n <= length, ``k * length - k * (k - 1) // 2`` over the orders 1..k, k = min(top,
    length); the unigrams are counted on their own (a repeated token can be shared outside
    any stretch), so the stretches contribute the orders 2..top.
    """
    unigrams = _unigram_overlap(first, second)
    if unigrams == 0 or top == 1:
        return unigrams
    runs = _shared_runs(first, second)
    if runs is None:  # a text repeats a bigram (rare): count order by order
        return sum(_overlaps(first, second, tuple(range(1, top + 1))).values())
    higher = 0
    for length in runs:
        k = top if length > top else length
        higher += k * length - k * (k - 1) // 2 - length
    return unigrams + higher


def _overlaps(
    first: Sequence[str], second: Sequence[str], orders: tuple[int, ...]
) -> dict[int, int]:
    """Order -> clipped overlap, by the cheapest exact route.

    * one order >= 2 (ROUGE-N): count the n-grams of one text, use them up with the other's;
    * otherwise the same for unigrams, then, for the higher orders, windows of the stretches
      the texts share (``_shared_runs``), which builds no n-gram at all; when a text repeats a
      bigram, counting order by order.
    """
    found = dict.fromkeys(orders, 0)
    higher = tuple(n for n in orders if n > 1)
    if len(orders) == 1 and higher:
        found[higher[0]] = _order_overlap(first, second, higher[0])
        return found
    unigrams = _unigram_overlap(first, second)
    if 1 in found:
        found[1] = unigrams
    if unigrams == 0 or not higher:
        return found  # no shared token: no shared n-gram
    runs = _shared_runs(first, second)
    for n in sorted(higher):
        if runs is not None:
            found[n] = sum(length - n + 1 for length in runs if length >= n)
        elif found.get(n - 1) != 0:  # a shared n-gram starts with a shared (n-1)-gram
            found[n] = _order_overlap(first, second, n)
    return found


def _unigram_overlap(first: Sequence[str], second: Sequence[str]) -> int:
    """Multiset intersection size of the tokens: each token of ``first`` uses up one equal one."""
    left: dict[str, int] = {}
    get = left.get
    for token in second:
        left[token] = get(token, 0) + 1
    total = 0
    for token in first:
        count = get(token)
        if count:
            left[token] = count - 1
            total += 1
    return total


def _shared_runs(first: Sequence[str], second: Sequence[str]) -> list[int] | None:
    """Token lengths of the stretches both texts share, when n-grams (n >= 2) never repeat.

    When neither text repeats a token, every n-gram occurs at most once per text and is shared
    exactly when its tokens sit at consecutive positions in both: the overlap of order n is
    the number of n-token windows in these stretches. Texts repeat words ("the") far more often
    than bigrams, so otherwise the same is done over the bigram sequences (an n-gram is n - 1
    consecutive bigrams). ``None`` when a text repeats a bigram too.
    """
    if len(set(first)) == len(first):
        second_at = dict(zip(second, range(len(second)), strict=True))
        if len(second_at) == len(second):
            return _diagonal_runs(first, second_at)
    first_bigrams = list(pairwise(first))
    second_bigrams = list(pairwise(second))
    bigram_at = dict(zip(second_bigrams, range(len(second_bigrams)), strict=True))
    if len(bigram_at) != len(second_bigrams) or len(set(first_bigrams)) != len(first_bigrams):
        return None
    return [length + 1 for length in _diagonal_runs(first_bigrams, bigram_at)]


def _diagonal_runs(first: Sequence[Hashable], second_at: dict[Any, int]) -> list[int]:
    """Lengths of the maximal stretches of ``first`` found at consecutive positions of second.

    Args:
        first: the first text's items, all distinct.
        second_at: each item of the second text (all distinct) -> its position.
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


def _order_overlap(first: Sequence[str], second: Sequence[str], n: int) -> int:
    """Clipped overlap of one order n >= 2: each n-gram of ``first`` uses up one equal one."""
    left: dict[tuple[str, ...], int] = {}
    get = left.get
    for gram in zip(*[second[i:] for i in range(n)], strict=False):
        left[gram] = get(gram, 0) + 1
    total = 0
    for gram in zip(*[first[i:] for i in range(n)], strict=False):
        count = get(gram)
        if count:
            left[gram] = count - 1
            total += 1
    return total
