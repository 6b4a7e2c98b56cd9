"""BLEU, computed exactly as nltk's ``sentence_bleu`` with its defaults, without nltk.

nltk builds a ``Fraction`` per n-gram order and warns when a higher order has no overlap; this
module keeps the same float operations in the same order (so the numbers are bit-identical,
which the differential tests check) and does neither.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

from graderkit._core.metrics.ngrams import ngram_overlaps
from graderkit._core.metrics.tokens import whitespace_tokens

__all__ = ["bleu", "sentence_bleu"]

_ORDERS = (1, 2, 3, 4)
_WEIGHT = 0.25
_NO_OVERLAP = sys.float_info.min
"""What nltk's ``method0`` puts in place of a zero precision: ``log`` of it is about -708."""


def bleu(input: str, reference: str) -> float:
    """``text_similarity`` ``bleu``: nltk ``sentence_bleu([ref_tokens], hyp_tokens)``.

    Parity [INF]: the service is believed to run nltk's ``sentence_bleu`` with its defaults
    (uniform weights 0.25 x 4, no smoothing, no re-weighting), on whitespace tokens
    (``whitespace_tokens``), with ``input`` as the hypothesis and ``reference`` as the single
    reference. Edge cases, all exactly nltk's numbers:

    * no shared unigram (this includes an empty input or an empty reference): ``0.0``;
    * shared unigrams but no shared n-gram at some higher order (e.g. any input shorter than
      4 tokens): nltk replaces that precision by the smallest float and returns a tiny positive
      number (about ``1e-155``), not 0, while warning; graderkit returns the same tiny number
      and does not warn.

    Args:
        input: the rendered input (the hypothesis).
        reference: the rendered reference.

    Returns:
        The BLEU score in ``[0, 1]``.

    Examples:
        >>> bleu("the cat sat on the mat", "the cat sat on the mat")
        1.0
        >>> bleu("", "the cat")
        0.0
    """
    return sentence_bleu(whitespace_tokens(input), whitespace_tokens(reference))


def sentence_bleu(hypothesis: Sequence[str], reference: Sequence[str]) -> float:
    """nltk ``sentence_bleu([reference], hypothesis)`` with default arguments, on tokens.

    Args:
        hypothesis: the hypothesis tokens.
        reference: the reference tokens.

    Returns:
        The score, bit-identical to nltk's (nltk's integer ``0`` becomes ``0.0``).

    Examples:
        >>> sentence_bleu(["a", "b", "c", "d"], ["a", "b", "c", "d", "e"])
        0.7788007830714049
    """
    hyp_len = len(hypothesis)
    overlaps = ngram_overlaps(hypothesis, reference, _ORDERS)
    if overlaps[0] == 0:
        return 0.0
    log_terms = []
    for n, matches in zip(_ORDERS, overlaps, strict=True):
        # nltk: Fraction(matches, max(1, count)); math.log converts it with one exact division.
        precision = matches / max(1, hyp_len - n + 1) if matches else _NO_OVERLAP
        log_terms.append(_WEIGHT * math.log(precision))
    return brevity_penalty(len(reference), hyp_len) * math.exp(math.fsum(log_terms))


def brevity_penalty(reference_length: int, hypothesis_length: int) -> float:
    """nltk's ``brevity_penalty``: 1 for a longer hypothesis, else ``exp(1 - r / c)``.

    Args:
        reference_length: the reference length in tokens.
        hypothesis_length: the hypothesis length in tokens.

    Returns:
        The penalty; 0 for an empty hypothesis.

    Examples:
        >>> brevity_penalty(2, 4)
        1.0
    """
    if hypothesis_length > reference_length:
        return 1.0
    if hypothesis_length == 0:
        return 0.0
    return math.exp(1 - reference_length / hypothesis_length)
