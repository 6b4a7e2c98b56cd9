"""The seam the runner calls for a ``text_similarity`` metric computed on this machine."""

from __future__ import annotations

from collections.abc import Callable

from graderkit._core.metrics.meteor import SynonymLookup, meteor
from graderkit._core.metrics.similarity import LOCAL_METRICS, METRIC_NAMES

__all__ = ["text_metric"]


def text_metric(metric: str) -> Callable[[str, str], float]:
    """The local ``fn(input, reference) -> score`` for ``evaluation_metric=metric``.

    Every metric but ``cosine`` (which needs an embedding backend, not this seam).
    ``meteor`` loads WordNet 3.0 here, once per process (about a second), and is bound to it.

    Args:
        metric: an ``evaluation_metric`` other than ``cosine``.

    Returns:
        The metric function.

    Raises:
        WordNetMissing: for ``meteor`` when WordNet 3.0 is not installed.
        ValueError: for ``cosine`` or an unknown name.

    Examples:
        >>> text_metric("rouge_1")("the cat", "the dog")
        0.5
    """
    local = LOCAL_METRICS.get(metric)
    if local is not None:
        return local
    if metric == "meteor":
        from graderkit._run.text_metrics.wordnet import default_synonyms

        return meteor_metric(default_synonyms())
    if metric == "cosine":
        raise ValueError("cosine needs an embedding backend; it is not a local text metric")
    raise ValueError(f"unknown evaluation_metric {metric!r}; expected one of {METRIC_NAMES}")


def meteor_metric(synonyms: SynonymLookup) -> Callable[[str, str], float]:
    """``meteor`` bound to one synonym look-up.

    Args:
        synonyms: e.g. ``graderkit._run.text_metrics.wordnet.default_synonyms()``; its ``vocabulary``
            attribute, when it has one, lets METEOR skip look-ups that cannot match.

    Returns:
        ``fn(input, reference) -> meteor(input, reference, synonyms)``.

    Examples:
        >>> meteor_metric(lambda word: frozenset())("a b", "a b")
        0.9375
    """

    vocabulary = getattr(synonyms, "vocabulary", None)
    look_up = getattr(synonyms, "look_up", synonyms)  # the cache itself, one call less

    def metric(input: str, reference: str) -> float:
        return meteor(input, reference, look_up, vocabulary=vocabulary)

    metric.__name__ = metric.__qualname__ = "meteor"
    return metric
