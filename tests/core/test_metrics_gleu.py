"""gleu: graderkit's reimplementation equals nltk ``sentence_gleu`` (defaults) on every pair."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from metric_texts import EDGE_PAIRS, assert_same, text_pairs
from nltk.translate.gleu_score import sentence_gleu as nltk_sentence_gleu

from graderkit._core.metrics.gleu import gleu


def reference_gleu(input: str, reference: str) -> float:
    return float(nltk_sentence_gleu([reference.split()], input.split()))


@given(text_pairs())
def test_gleu_equals_nltk(pair: tuple[str, str]) -> None:
    assert_same(gleu(*pair), reference_gleu(*pair))


@pytest.mark.slow
@settings(max_examples=3000)
@given(text_pairs(max_tokens=120))
def test_gleu_equals_nltk_thousands(pair: tuple[str, str]) -> None:
    assert_same(gleu(*pair), reference_gleu(*pair))


@pytest.mark.parametrize("pair", EDGE_PAIRS.values(), ids=EDGE_PAIRS.keys())
def test_gleu_edge_cases_equal_nltk(pair: tuple[str, str]) -> None:
    assert_same(gleu(*pair), reference_gleu(*pair))


@pytest.mark.parametrize(
    "pair", [EDGE_PAIRS[k] for k in ("both-empty", "empty-input", "empty-reference")]
)
def test_empty_side_scores_zero(pair: tuple[str, str]) -> None:
    assert gleu(*pair) == 0.0


@given(text_pairs())
def test_gleu_is_symmetric_like_nltk(pair: tuple[str, str]) -> None:
    # min(precision, recall) is symmetric; a swapped argument order would still pass the
    # differential test, so this documents the property rather than the order.
    assert gleu(*pair) == gleu(pair[1], pair[0])
