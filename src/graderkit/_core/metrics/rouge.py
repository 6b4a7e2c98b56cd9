"""ROUGE-N and ROUGE-L F-measures, computed exactly as Google's ``rouge-score`` package does.

``rouge_score.rouge_scorer.RougeScorer([type], use_stemmer=False).score(target, prediction)``
is reproduced here without its numpy/absl/nltk imports: the same tokeniser, the same counts,
the same float operations. The longest common subsequence comes from rapidfuzz's bit-parallel
``LCSseq`` (an exact length, far faster than rouge-score's Python dynamic programme).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rapidfuzz.distance import LCSseq

from graderkit._core.metrics.ngrams import ngram_overlaps

__all__ = ["rouge_l", "rouge_n", "rouge_n_metric", "rouge_tokens"]

_TOKEN = re.compile(r"[a-z0-9]+")


def rouge_tokens(text: str) -> list[str]:
    """rouge-score's default tokeniser without a stemmer: lowercase, runs of ``[a-z0-9]``.

    rouge-score lowercases, replaces every character outside ``[a-z0-9]`` by a space, splits on
    whitespace and drops empty tokens; keeping the maximal ``[a-z0-9]`` runs of the lowercased
    text is the same thing. Non-ASCII letters therefore vanish ("café" -> ``["caf"]``).

    Args:
        text: the rendered text.

    Returns:
        The tokens.

    Examples:
        >>> rouge_tokens("The Cat's mat, 2x!")
        ['the', 'cat', 's', 'mat', '2x']
    """
    return _TOKEN.findall(text.lower())


def rouge_n(input: str, reference: str, n: int) -> float:
    """``text_similarity`` ``rouge_<n>``: rouge-score ``rouge<n>`` F-measure, no stemmer.

    Parity [INF]: the service is believed to run ``RougeScorer([f"rouge{n}"],
    use_stemmer=False).score(reference, input)`` and report ``fmeasure``; ``input`` is the
    prediction and ``reference`` the target. Edge cases, exactly rouge-score's: no n-gram on
    either side (empty or punctuation-only text, or fewer than ``n`` tokens) -> ``0.0``.

    Args:
        input: the rendered input (the prediction).
        reference: the rendered reference (the target).
        n: the n-gram order, 1 to 5 for the service's metrics.

    Returns:
        The F-measure in ``[0, 1]``.

    Examples:
        >>> rouge_n("fuzzy wuzzy was a bear", "fuzzy wuzzy had no hair", 2)
        0.25
    """
    prediction = rouge_tokens(input)
    target = rouge_tokens(reference)
    [overlap] = ngram_overlaps(target, prediction, (n,))
    precision = overlap / max(len(prediction) - n + 1, 1)
    recall = overlap / max(len(target) - n + 1, 1)
    return f_measure(precision, recall)


def rouge_l(input: str, reference: str) -> float:
    """``text_similarity`` ``rouge_l``: rouge-score ``rougeL`` F-measure, no stemmer.

    Parity [INF]: the service is believed to run ``RougeScorer(["rougeL"],
    use_stemmer=False).score(reference, input)`` and report ``fmeasure`` (sentence-level
    longest common subsequence, not ``rougeLsum``). Edge case, exactly rouge-score's: no token on
    either side -> ``0.0``.

    Args:
        input: the rendered input (the prediction).
        reference: the rendered reference (the target).

    Returns:
        The F-measure in ``[0, 1]``.

    Examples:
        >>> rouge_l("the cat sat on the mat", "the cat is on the mat")
        0.8333333333333334
    """
    prediction = rouge_tokens(input)
    target = rouge_tokens(reference)
    if not prediction or not target:
        return 0.0
    lcs = lcs_length(target, prediction)
    return f_measure(lcs / len(prediction), lcs / len(target))


def lcs_length(first: Sequence[str], second: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token sequences.

    Tokens are numbered first (a dict, so equal tokens get equal numbers and different tokens
    different ones) so that rapidfuzz compares integers, never hashes of strings.

    Args:
        first: one token sequence.
        second: the other.

    Returns:
        The LCS length.

    Examples:
        >>> lcs_length(["a", "b", "c", "d"], ["b", "d", "a"])
        2
    """
    ids: dict[str, int] = {}
    first_ids = [ids.setdefault(token, len(ids)) for token in first]
    second_ids = [ids.setdefault(token, len(ids)) for token in second]
    return int(LCSseq.similarity(first_ids, second_ids))


def f_measure(precision: float, recall: float) -> float:
    """rouge-score's ``scoring.fmeasure``: ``2 * p * r / (p + r)``, 0 when both are 0.

    Args:
        precision: the precision.
        recall: the recall.

    Returns:
        The harmonic mean, with rouge-score's operation order.

    Examples:
        >>> f_measure(0.5, 0.25)
        0.3333333333333333
    """
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    return 0.0


def rouge_n_metric(n: int) -> Callable[[str, str], float]:
    """The ``rouge_<n>`` metric as a two-argument function named ``rouge_<n>``.

    Args:
        n: the n-gram order.

    Returns:
        ``fn(input, reference) -> rouge_n(input, reference, n)``.

    Examples:
        >>> rouge_n_metric(1)("a b", "a c")
        0.5
    """

    def metric(input: str, reference: str) -> float:
        return rouge_n(input, reference, n)

    metric.__name__ = metric.__qualname__ = f"rouge_{n}"
    metric.__doc__ = f"rouge-score ``rouge{n}`` F-measure; see ``rouge_n``."
    return metric
