"""GLEU (Google BLEU), computed exactly as nltk's ``sentence_gleu`` with its defaults."""

from __future__ import annotations

from collections.abc import Sequence

from graderkit._core.metrics.ngrams import pooled_overlap
from graderkit._core.metrics.tokens import whitespace_tokens

__all__ = ["gleu", "sentence_gleu"]

_MAX_ORDER = 4
_ORDERS = (1, 2, 3, 4)


def gleu(input: str, reference: str) -> float:
    """``text_similarity`` ``gleu``: nltk ``sentence_gleu([ref_tokens], hyp_tokens)``.

    Parity [INF]: the service is believed to run nltk's ``sentence_gleu`` with its defaults
    (n-grams of orders 1 to 4), on whitespace tokens (``whitespace_tokens``), ``input`` as the
    hypothesis. GLEU is ``matches / max(hypothesis n-grams, reference n-grams)`` pooled over the
    orders. Edge cases, exactly nltk's: both empty -> ``0.0`` (nltk's "don't divide by zero"
    branch); one side empty -> ``0.0``.

    Args:
        input: the rendered input (the hypothesis).
        reference: the rendered reference.

    Returns:
        The GLEU score in ``[0, 1]``.

    Examples:
        >>> gleu("fuzzy wuzzy was a bear", "fuzzy wuzzy had no hair")
        0.21428571428571427
    """
    return sentence_gleu(whitespace_tokens(input), whitespace_tokens(reference))


def sentence_gleu(hypothesis: Sequence[str], reference: Sequence[str]) -> float:
    """nltk ``sentence_gleu([reference], hypothesis)`` with default arguments, on tokens.

    Args:
        hypothesis: the hypothesis tokens.
        reference: the reference tokens.

    Returns:
        The score, bit-identical to nltk's.

    Examples:
        >>> sentence_gleu([], [])
        0.0
    """
    n_all = max(_ngram_total(len(hypothesis)), _ngram_total(len(reference)))
    if n_all == 0:
        return 0.0
    return pooled_overlap(hypothesis, reference, _ORDERS) / n_all


def _ngram_total(length: int) -> int:
    """How many n-grams of orders 1..4 a text of ``length`` tokens has (nltk ``everygrams``)."""
    return 4 * length - 6 if length >= _MAX_ORDER else length * (length + 1) // 2
