"""Agreement statistics in pure Python: Spearman, Kendall's tau-b, Cohen's kappa, confusion
matrices, and the pass threshold that agrees best with human pass/fail labels.

The definitions are the textbook ones and match ``scipy.stats.spearmanr``,
``scipy.stats.kendalltau`` (variant ``b``), ``sklearn.metrics.cohen_kappa_score`` and
``sklearn.metrics.confusion_matrix`` (the tests compare them). A statistic that is undefined
(a constant input) is ``nan``, as in scipy.

Examples:
    >>> spearman([1, 2, 3, 4], [10, 20, 30, 40])
    1.0
    >>> kendall_tau_b([1, 2, 3], [3, 2, 1])
    -1.0
    >>> round(cohen_kappa(["pass", "fail", "pass"], ["pass", "fail", "fail"]), 6)
    0.4
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = [
    "ThresholdChoice",
    "cohen_kappa",
    "confusion_matrix",
    "kendall_tau_b",
    "pearson",
    "ranks",
    "recommend_threshold",
    "spearman",
]

L = TypeVar("L", bound=Hashable)


def _check_pair(x: Sequence[object], y: Sequence[object]) -> None:
    if len(x) != len(y):
        raise ValueError(f"the two sequences differ in length ({len(x)} vs {len(y)})")


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing their average rank.

    Examples:
        >>> ranks([0.5, 0.1, 0.5, 0.9])
        [2.5, 1.0, 2.5, 4.0]
    """
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        average = (start + end) / 2 + 1
        for k in range(start, end + 1):
            out[order[k]] = average
        start = end + 1
    return out


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's correlation coefficient; ``nan`` when either input is constant."""
    _check_pair(x, y)
    n = len(x)
    if n < 2:
        return math.nan
    mx, my = math.fsum(x) / n, math.fsum(y) / n
    dx, dy = [a - mx for a in x], [b - my for b in y]
    # scale each side to a largest deviation of 1 before squaring (as scipy's norm does), so
    # tiny but distinct values (4.9e-286) do not underflow to a "constant" input
    scale_x, scale_y = max(map(abs, dx)), max(map(abs, dy))
    if scale_x == 0 or scale_y == 0:
        return math.nan
    dx, dy = [d / scale_x for d in dx], [d / scale_y for d in dy]
    sxx, syy = math.fsum(d * d for d in dx), math.fsum(d * d for d in dy)
    r = math.fsum(a * b for a, b in zip(dx, dy, strict=True)) / math.sqrt(sxx * syy)
    return max(-1.0, min(1.0, r))


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation: Pearson's on average ranks."""
    _check_pair(x, y)
    return pearson(ranks(x), ranks(y))


def _tied_pairs(sorted_values: Sequence[object]) -> int:
    """How many pairs are tied in an already sorted sequence."""
    total, run = 0, 1
    for i in range(1, len(sorted_values) + 1):
        if i < len(sorted_values) and sorted_values[i] == sorted_values[i - 1]:
            run += 1
        else:
            total += run * (run - 1) // 2
            run = 1
    return total


def _count_swaps(values: list[float]) -> int:
    """Sort ``values`` in place (merge sort) and return the number of inversions."""
    n, swaps, width = len(values), 0, 1
    buffer = values[:]
    while width < n:
        for lo in range(0, n, 2 * width):
            mid, hi = min(lo + width, n), min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if values[j] < values[i]:
                    buffer[k] = values[j]
                    swaps += mid - i
                    j += 1
                else:
                    buffer[k] = values[i]
                    i += 1
                k += 1
            buffer[k:hi] = values[i:mid] + values[j:hi]
        values[:], width = buffer, width * 2
    return swaps


def kendall_tau_b(x: Sequence[float], y: Sequence[float]) -> float:
    """Kendall's tau-b (ties adjusted), in O(n log n) (Knight's algorithm); ``nan`` when
    either input is constant."""
    _check_pair(x, y)
    n = len(x)
    pairs = sorted(zip(x, y, strict=True))
    total = n * (n - 1) // 2
    tied_x = _tied_pairs([a for a, _ in pairs])
    tied_xy = _tied_pairs(pairs)
    ys = [b for _, b in pairs]
    swaps = _count_swaps(ys)
    tied_y = _tied_pairs(ys)
    denominator = math.sqrt((total - tied_x) * (total - tied_y))
    if denominator == 0:
        return math.nan
    concordant_minus_discordant = total - tied_x - tied_y + tied_xy - 2 * swaps
    return max(-1.0, min(1.0, concordant_minus_discordant / denominator))


def confusion_matrix(
    truth: Sequence[L], predicted: Sequence[L], labels: Sequence[L] | None = None
) -> tuple[list[L], list[list[int]]]:
    """``(labels, matrix)`` where ``matrix[i][j]`` counts truth ``labels[i]`` predicted as
    ``labels[j]``; labels default to every value seen, sorted.

    Examples:
        >>> confusion_matrix([True, True, False], [True, False, False])
        ([False, True], [[1, 0], [1, 1]])
    """
    _check_pair(truth, predicted)
    names = list(labels) if labels is not None else sorted({*truth, *predicted}, key=_sort_key)
    index = {label: i for i, label in enumerate(names)}
    matrix = [[0] * len(names) for _ in names]
    for t, p in zip(truth, predicted, strict=True):
        if t in index and p in index:
            matrix[index[t]][index[p]] += 1
    return names, matrix


def _sort_key(value: object) -> tuple[str, str]:
    return (type(value).__name__, str(value))


def cohen_kappa(a: Sequence[L], b: Sequence[L], labels: Sequence[L] | None = None) -> float:
    """Cohen's kappa between two raters; ``nan`` when chance agreement is total."""
    names, matrix = confusion_matrix(a, b, labels)
    n = sum(map(sum, matrix))
    if n == 0:
        return math.nan
    observed = sum(matrix[i][i] for i in range(len(names))) / n
    rows = [sum(row) / n for row in matrix]
    cols = [sum(matrix[i][j] for i in range(len(names))) / n for j in range(len(names))]
    expected = math.fsum(r * c for r, c in zip(rows, cols, strict=True))
    if expected == 1:
        return math.nan
    return (observed - expected) / (1 - expected)


@dataclass(frozen=True, slots=True)
class ThresholdChoice:
    """The pass threshold that agrees best with human pass/fail labels.

    Attributes:
        threshold: pass when ``reward >= threshold``.
        kappa: Cohen's kappa between that rule and the labels.
        f1: F1 of the "pass" class.
        accuracy: the share of rows where the rule and the labels agree.
        candidates: how many distinct rules were compared.
    """

    threshold: float
    kappa: float
    f1: float
    accuracy: float
    candidates: int


def _f1(truth: Sequence[bool], predicted: Sequence[bool]) -> float:
    tp = sum(t and p for t, p in zip(truth, predicted, strict=True))
    fp = sum(p and not t for t, p in zip(truth, predicted, strict=True))
    fn = sum(t and not p for t, p in zip(truth, predicted, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def recommend_threshold(rewards: Sequence[float], passed: Sequence[bool]) -> ThresholdChoice:
    """The ``pass_threshold`` whose rule ``reward >= t`` agrees best with human pass labels.

    The rule: the candidates are one cut between each two consecutive distinct rewards (every
    distinct way of splitting the rows; the midpoint, rounded to the fewest decimals that
    split the same way), plus the lowest reward (everything passes) and just above the
    highest (nothing passes). The winner has the highest Cohen's kappa (agreement
    beyond chance, fair when most rows pass or most fail); ties go to the higher F1 of the
    pass class, then to the higher threshold (the stricter rule, harder to farm). A ``nan``
    kappa (one class only) counts as 0.

    Examples:
        >>> choice = recommend_threshold([0.1, 0.4, 0.7, 0.9], [False, False, True, True])
        >>> choice.threshold, choice.kappa
        (0.6, 1.0)
    """
    _check_pair(rewards, passed)
    if not rewards:
        raise ValueError("recommend_threshold needs at least one reward")
    levels = sorted(set(rewards))
    cuts = [levels[0]] + [_simple_cut(a, b) for a, b in itertools.pairwise(levels)]
    cuts.append(math.nextafter(levels[-1], math.inf))
    truth = [bool(p) for p in passed]
    best: tuple[float, float, float] | None = None
    choice = ThresholdChoice(cuts[0], math.nan, 0.0, 0.0, len(cuts))
    for cut in cuts:
        rule = [r >= cut for r in rewards]
        kappa = cohen_kappa(truth, rule, [False, True])
        f1 = _f1(truth, rule)
        score = (0.0 if math.isnan(kappa) else kappa, f1, cut)
        if best is None or score >= best:
            best = score
            accuracy = sum(t == p for t, p in zip(truth, rule, strict=True)) / len(truth)
            choice = ThresholdChoice(cut, kappa, f1, accuracy, len(cuts))
    return choice


def _simple_cut(low: float, high: float) -> float:
    """The midpoint of ``(low, high)`` rounded to the fewest decimals that keep it strictly
    between them, so ``reward >= cut`` splits the rows the same way and reads well (``0.5``,
    not ``0.4909``)."""
    middle = (low + high) / 2
    for digits in range(16):
        cut = round(middle, digits)
        if low < cut < high:
            return cut
    return middle if low < middle else high
