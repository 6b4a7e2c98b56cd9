"""The text metrics of ``text_similarity`` as plain functions, with exactly the grader's semantics.

Each function takes the two texts as the grader receives them after rendering its templates,
``input`` (the hypothesis, what the model wrote) first and ``reference`` second, and returns
the same float a ``text_similarity`` grader with that ``evaluation_metric`` gives, tokenisation
included. Each equals its reference library, without needing it at run time:

| function | equals |
|---|---|
| [`fuzzy_match`][graderkit.metrics.fuzzy_match] | `rapidfuzz.fuzz.ratio(input, reference) / 100` |
| [`bleu`][graderkit.metrics.bleu] | nltk `sentence_bleu([reference.split()], input.split())` |
| [`gleu`][graderkit.metrics.gleu] | nltk `sentence_gleu([reference.split()], input.split())` |
| [`meteor`][graderkit.metrics.meteor] | nltk `meteor_score([reference.split()], input.split())`, WordNet 3.0 |
| [`rouge`][graderkit.metrics.rouge] | rouge-score `RougeScorer(["rougeN"]).score(reference, input)["rougeN"].fmeasure` |
| [`rouge_l`][graderkit.metrics.rouge_l] | the same with `"rougeL"` |

`cosine` is not here: it needs an embedding model (see ``graderkit.OpenAIEmbeddings``).

Examples:
    >>> from graderkit import metrics
    >>> metrics.fuzzy_match("fuzzy wuzzy was a bear", "fuzzy wuzzy had no hair")
    0.7555555555555555
    >>> metrics.rouge(1, "fuzzy wuzzy was a bear", "fuzzy wuzzy had no hair")
    0.4000000000000001
    >>> metrics.score("gleu", "fuzzy wuzzy was a bear", "fuzzy wuzzy had no hair")
    0.21428571428571427
"""

from __future__ import annotations

from typing import Literal

from graderkit._core.metrics import bleu as _bleu
from graderkit._core.metrics import gleu as _gleu
from graderkit._core.metrics import rouge as _rouge
from graderkit._core.metrics.similarity import METRIC_NAMES as _METRIC_NAMES
from graderkit._core.metrics.similarity import fuzzy_match as _fuzzy_match

__all__ = ["METRICS", "bleu", "fuzzy_match", "gleu", "meteor", "rouge", "rouge_l", "score"]

METRICS: tuple[str, ...] = tuple(name for name in _METRIC_NAMES if name != "cosine")
"""The ``evaluation_metric`` names [`score`][graderkit.metrics.score] computes (all but cosine)."""


def fuzzy_match(input: str, reference: str) -> float:
    """``rapidfuzz.fuzz.ratio(input, reference) / 100``, with no preprocessing.

    Reproduces the one score observed from the service (0.6117136659436009). Empty against
    empty is 1.0, as ``ratio`` says.

    Args:
        input: the rendered input (what the model wrote).
        reference: the rendered reference.

    Returns:
        The similarity in [0, 1].

    Examples:
        >>> fuzzy_match("acute appendicitis", "acute appendicitis")
        1.0
    """
    return _fuzzy_match(input, reference)


def bleu(input: str, reference: str) -> float:
    """BLEU exactly as nltk's ``sentence_bleu([reference.split()], input.split())``.

    nltk's defaults: weights 0.25 for orders 1 to 4, no smoothing. A missing higher-order
    overlap gives nltk's tiny positive value (about ``1e-155``), not 0; nltk's warning is not
    emitted.

    Args:
        input: the rendered input, the hypothesis.
        reference: the rendered reference.

    Returns:
        The BLEU score in [0, 1].

    Examples:
        >>> bleu("the cat sat on the mat", "the cat sat on the mat")
        1.0
    """
    return _bleu.bleu(input, reference)


def gleu(input: str, reference: str) -> float:
    """Google BLEU exactly as nltk's ``sentence_gleu([reference.split()], input.split())``.

    Args:
        input: the rendered input, the hypothesis.
        reference: the rendered reference.

    Returns:
        The GLEU score in [0, 1] (orders 1 to 4, case kept).

    Examples:
        >>> gleu("The cat sat on the mat.", "The cat is sitting on the mat.")
        0.4090909090909091
    """
    return _gleu.gleu(input, reference)


def meteor(input: str, reference: str) -> float:
    """METEOR exactly as nltk's ``meteor_score([reference.split()], input.split())``.

    nltk's defaults (lower-casing, Porter stems, WordNet 3.0 synonyms, alpha 0.9, beta 3,
    gamma 0.5). WordNet is read from disk once per process (about a second) and is never
    downloaded.

    Args:
        input: the rendered input, the hypothesis.
        reference: the rendered reference.

    Returns:
        The METEOR score in [0, 1].

    Raises:
        WordNetMissing: WordNet 3.0 is not installed; the message says how to install it.

    Examples:
        >>> meteor("fuzzy wuzzy was a bear", "fuzzy wuzzy had no hair")
        0.37500000000000006
    """
    from graderkit._run.text_metrics.metric_backends import text_metric

    return text_metric("meteor")(input, reference)


def rouge(n: int | Literal["l"], input: str, reference: str) -> float:
    """ROUGE-N (``n`` from 1 to 5) or ROUGE-L (``n="l"``) F-measure, exactly as rouge-score.

    rouge-score's own tokeniser (lower-case, runs of ``[a-z0-9]``), no stemmer: the same as
    ``RougeScorer(["rouge<n>"], use_stemmer=False).score(reference, input)["rouge<n>"].fmeasure``.

    Args:
        n: the n-gram order, 1 to 5, or ``"l"`` for the longest common subsequence.
        input: the rendered input, the prediction.
        reference: the rendered reference, the target.

    Returns:
        The F-measure in [0, 1].

    Raises:
        ValueError: ``n`` is not 1 to 5 or ``"l"``.

    Examples:
        >>> rouge(2, "the cat sat", "the cat sat down")
        0.8
        >>> rouge("l", "the cat sat", "the cat sat down")
        0.8571428571428571
    """
    if n == "l":
        return _rouge.rouge_l(input, reference)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 5:
        raise ValueError(f"rouge: n={n!r} must be 1, 2, 3, 4, 5 or 'l'")
    return _rouge.rouge_n(input, reference, n)


def rouge_l(input: str, reference: str) -> float:
    """ROUGE-L F-measure exactly as rouge-score (sentence-level LCS, not ``rougeLsum``).

    Args:
        input: the rendered input, the prediction.
        reference: the rendered reference, the target.

    Returns:
        The F-measure in [0, 1].

    Examples:
        >>> rouge_l("a b c", "a c")
        0.8
    """
    return _rouge.rouge_l(input, reference)


def score(metric: str, input: str, reference: str) -> float:
    """The score of ``text_similarity`` with ``evaluation_metric=metric``, by name.

    Args:
        metric: one of [`METRICS`][graderkit.metrics.METRICS] (``fuzzy_match``, ``bleu``,
            ``gleu``, ``meteor``, ``rouge_1`` .. ``rouge_5``, ``rouge_l``).
        input: the rendered input.
        reference: the rendered reference.

    Returns:
        The metric's score.

    Raises:
        ValueError: an unknown name, or ``cosine`` (it needs an embedding model).

    Examples:
        >>> score("rouge_l", "a b c", "a c")
        0.8
    """
    from graderkit._run.text_metrics.metric_backends import text_metric

    if metric not in METRICS:
        hint = " (cosine needs an embedding model)" if metric == "cosine" else ""
        raise ValueError(f"unknown metric {metric!r}{hint}; expected one of {', '.join(METRICS)}")
    return text_metric(metric)(input, reference)
