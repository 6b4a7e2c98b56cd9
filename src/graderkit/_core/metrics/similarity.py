"""text_similarity metrics: one pure function per ``evaluation_metric``.

Every function takes ``(input, reference)`` already rendered and returns a float. Each
implementation is the pinned parity decision for its metric (see docs/parity.md and
docs/metrics.md). ``meteor`` also needs a WordNet look-up
(``graderkit._core.metrics.meteor.meteor``); ``cosine`` needs an embedding backend.
"""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz import fuzz

from graderkit._core.metrics.bleu import bleu
from graderkit._core.metrics.gleu import gleu
from graderkit._core.metrics.rouge import rouge_l, rouge_n_metric

__all__ = ["LOCAL_METRICS", "METRIC_NAMES", "fuzzy_match"]

METRIC_NAMES: tuple[str, ...] = (
    "cosine",
    "fuzzy_match",
    "bleu",
    "gleu",
    "meteor",
    "rouge_1",
    "rouge_2",
    "rouge_3",
    "rouge_4",
    "rouge_5",
    "rouge_l",
)
"""Every ``evaluation_metric`` the service accepts."""


def fuzzy_match(input: str, reference: str) -> float:
    """``rapidfuzz.fuzz.ratio(input, reference) / 100``, no preprocessing.

    Parity [OBS-AZ]: reproduces the one observed service score (0.6117136659436009) exactly;
    ``WRatio`` or ``default_process`` do not. Empty vs empty gives 1.0 (ratio's rule) [INF].
    """
    return fuzz.ratio(input, reference) / 100.0


LOCAL_METRICS: dict[str, Callable[[str, str], float]] = {
    "fuzzy_match": fuzzy_match,
    "bleu": bleu,
    "gleu": gleu,
    **{f"rouge_{n}": rouge_n_metric(n) for n in range(1, 6)},
    "rouge_l": rouge_l,
}
"""Metrics computed locally from the two texts alone.

Not here: ``meteor`` (needs WordNet; ``graderkit._run.text_metrics.metric_backends.text_metric`` binds it) and
``cosine`` (needs an embedding backend).
"""
