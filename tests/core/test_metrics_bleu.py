"""bleu: graderkit's reimplementation equals nltk ``sentence_bleu`` (defaults) on every pair."""

from __future__ import annotations

import sys
import warnings

import pytest
from hypothesis import given, settings
from metric_texts import EDGE_PAIRS, assert_same, text_pairs
from nltk.translate.bleu_score import sentence_bleu as nltk_sentence_bleu

from graderkit._core.metrics.bleu import bleu, brevity_penalty, sentence_bleu


def reference_bleu(input: str, reference: str) -> float:
    """nltk, called as Part A pins it; its "0 counts of n-gram overlaps" warning silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return float(nltk_sentence_bleu([reference.split()], input.split()))


@given(text_pairs())
def test_bleu_equals_nltk(pair: tuple[str, str]) -> None:
    assert_same(bleu(*pair), reference_bleu(*pair))


@pytest.mark.slow
@settings(max_examples=3000)
@given(text_pairs(max_tokens=120))
def test_bleu_equals_nltk_thousands(pair: tuple[str, str]) -> None:
    assert_same(bleu(*pair), reference_bleu(*pair))


@pytest.mark.parametrize("pair", EDGE_PAIRS.values(), ids=EDGE_PAIRS.keys())
def test_bleu_edge_cases_equal_nltk(pair: tuple[str, str]) -> None:
    assert_same(bleu(*pair), reference_bleu(*pair))


def test_bleu_never_warns() -> None:
    # nltk warns for the missing 4-gram overlap here; graderkit must not (warnings are errors).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        score = bleu("the cat sat", "the cat sat down")
    assert 0.0 < score < 1e-50
    assert score == reference_bleu("the cat sat", "the cat sat down")


def test_tiny_value_kept_not_rounded_to_zero() -> None:
    pair = EDGE_PAIRS["spec-probe-1"]
    assert bleu(*pair) == reference_bleu(*pair)
    assert bleu(*pair) > 0.0


@pytest.mark.parametrize(
    "pair", [EDGE_PAIRS[k] for k in ("both-empty", "empty-input", "empty-reference")]
)
def test_empty_side_scores_zero(pair: tuple[str, str]) -> None:
    assert bleu(*pair) == 0.0


def test_tokens_are_whitespace_split_and_case_kept() -> None:
    assert bleu("A B C D", "a b c d") == 0.0
    assert bleu("a\tb\nc\u3000d", "a b c d") == 1.0


@given(text_pairs())
def test_sentence_bleu_on_tokens_equals_nltk(pair: tuple[str, str]) -> None:
    hyp, ref = pair[0].split(), pair[1].split()
    assert_same(sentence_bleu(hyp, ref), reference_bleu(*pair))


@pytest.mark.parametrize(("ref_len", "hyp_len"), [(0, 0), (3, 0), (3, 1), (3, 3), (3, 7)])
def test_brevity_penalty_equals_nltk(ref_len: int, hyp_len: int) -> None:
    from nltk.translate.bleu_score import brevity_penalty as nltk_bp

    assert brevity_penalty(ref_len, hyp_len) == nltk_bp(ref_len, hyp_len)


def test_no_overlap_stand_in_is_smallest_float() -> None:
    from graderkit._core.metrics import bleu as module

    assert sys.float_info.min == module._NO_OVERLAP
