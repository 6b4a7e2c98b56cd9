"""graderkit._run.text_metrics.metric_backends.text_metric: the runner's seam for local text metrics."""

from __future__ import annotations

import pytest
from nltk.translate.meteor_score import meteor_score

from graderkit._core.metrics.similarity import LOCAL_METRICS, METRIC_NAMES
from graderkit._run.text_metrics.metric_backends import meteor_metric, text_metric
from graderkit._run.text_metrics.wordnet import default_synonyms

PAIRS = [
    ("fuzzy wuzzy was a bear", "fuzzy wuzzy had no hair"),
    ("The cat sat on the mat.", "The cat is sitting on the mat."),
    ("", "x"),
]


@pytest.mark.parametrize("metric", [m for m in METRIC_NAMES if m not in {"cosine", "meteor"}])
def test_local_metrics_come_from_the_core_table(metric: str) -> None:
    assert text_metric(metric) is LOCAL_METRICS[metric]


@pytest.mark.parametrize("pair", PAIRS)
def test_meteor_is_bound_to_the_installed_wordnet(pair: tuple[str, str]) -> None:
    reader = default_synonyms().reader
    expected = meteor_score([pair[1].split()], pair[0].split(), wordnet=reader)
    assert text_metric("meteor")(*pair) == expected


def test_meteor_metric_is_named() -> None:
    assert text_metric("meteor").__name__ == "meteor"
    assert meteor_metric(lambda word: frozenset()).__name__ == "meteor"


def test_cosine_is_not_a_local_metric() -> None:
    with pytest.raises(ValueError, match="embedding backend"):
        text_metric("cosine")


def test_unknown_metric_names_the_choices() -> None:
    with pytest.raises(ValueError, match="rouge_l"):
        text_metric("rouge_6")
