"""rouge_1..5, rouge_l: graderkit equals rouge-score ``RougeScorer([type]).score`` F-measure."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metric_texts import EDGE_PAIRS, assert_same, text_pairs

from graderkit._core.metrics.rouge import f_measure, lcs_length, rouge_l, rouge_n, rouge_tokens
from graderkit._core.metrics.similarity import LOCAL_METRICS

ROUGE = {f"rouge_{n}": f"rouge{n}" for n in range(1, 6)} | {"rouge_l": "rougeL"}
"""graderkit metric name -> rouge-score type."""


@cache
def scorer(rouge_type: str) -> object:
    from rouge_score.rouge_scorer import RougeScorer

    return RougeScorer([rouge_type], use_stemmer=False)


def reference_rouge(metric: str, input: str, reference: str) -> float:
    rouge_type = ROUGE[metric]
    return float(scorer(rouge_type).score(reference, input)[rouge_type].fmeasure)  # type: ignore[attr-defined]


def check_all(pair: tuple[str, str]) -> None:
    for metric in ROUGE:
        assert_same(LOCAL_METRICS[metric](*pair), reference_rouge(metric, *pair))


@given(text_pairs())
def test_rouge_equals_rouge_score(pair: tuple[str, str]) -> None:
    check_all(pair)


@pytest.mark.slow
@settings(max_examples=3000)
@given(text_pairs(max_tokens=120))
def test_rouge_equals_rouge_score_thousands(pair: tuple[str, str]) -> None:
    check_all(pair)


@pytest.mark.parametrize("pair", EDGE_PAIRS.values(), ids=EDGE_PAIRS.keys())
def test_rouge_edge_cases_equal_rouge_score(pair: tuple[str, str]) -> None:
    check_all(pair)


@pytest.mark.parametrize("metric", ROUGE)
@pytest.mark.parametrize(
    "pair",
    [EDGE_PAIRS[k] for k in ("both-empty", "empty-input", "empty-reference", "punctuation-only")],
)
def test_no_tokens_scores_zero(metric: str, pair: tuple[str, str]) -> None:
    assert LOCAL_METRICS[metric](*pair) == 0.0


@given(st.text())
def test_tokens_equal_rouge_score_tokenizer(text: str) -> None:
    from rouge_score.tokenizers import DefaultTokenizer

    assert rouge_tokens(text) == DefaultTokenizer(use_stemmer=False).tokenize(text)


@given(
    st.lists(st.sampled_from("abcde"), max_size=60), st.lists(st.sampled_from("abcde"), max_size=60)
)
def test_lcs_length_equals_rouge_score_table(first: list[str], second: list[str]) -> None:
    from rouge_score.rouge_scorer import _lcs_table

    assert lcs_length(first, second) == _lcs_table(first, second)[-1][-1]


def test_long_texts_lcs() -> None:
    first = ("the cat sat on the mat " * 300).split()
    second = ("a cat sat on a mat the " * 300).split()
    from rouge_score.rouge_scorer import _lcs_table

    assert lcs_length(first, second) == _lcs_table(first, second)[-1][-1]


@given(st.floats(0, 1), st.floats(0, 1))
def test_f_measure_equals_rouge_score(precision: float, recall: float) -> None:
    from rouge_score.scoring import fmeasure

    assert f_measure(precision, recall) == fmeasure(precision, recall)


def test_argument_order_is_prediction_then_target() -> None:
    # Precision and recall swap with the order; the F-measure's last bit can too, so pin it.
    pair = ("a b c d e f g", "a b c")
    assert rouge_n(*pair, 1) == reference_rouge("rouge_1", *pair)
    assert rouge_l(*pair) == reference_rouge("rouge_l", *pair)


def test_rouge_metric_functions_are_named() -> None:
    assert [LOCAL_METRICS[m].__name__ for m in ROUGE] == list(ROUGE)
