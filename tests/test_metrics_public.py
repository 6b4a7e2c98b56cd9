"""graderkit.metrics: the public metric functions equal the grader and the reference libraries."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graderkit as gk
from graderkit import metrics

WORDS = st.sampled_from(["the", "The", "cat", "cats", "sat", "sitting", "on", "mat.", "a", "dog"])
TEXT = st.lists(WORDS, max_size=12).map(" ".join)
PAIRS = [
    ("fuzzy wuzzy was a bear", "fuzzy wuzzy had no hair"),
    ("The cat sat on the mat.", "The cat is sitting on the mat."),
    ("", ""),
    ("one", ""),
]


def _grader_score(metric: str, input: str, reference: str) -> float:
    grader = gk.text_similarity(
        "{{ sample.output_text }}", "{{ item.reference }}", evaluation_metric=metric, name="m"
    )
    result = gk.grade(grader, input, {"reference": reference})
    assert result.ok, result.errors
    return result.reward


@pytest.mark.parametrize("metric", [m for m in metrics.METRICS if m != "meteor"])
@given(input=TEXT, reference=TEXT)
def test_each_metric_is_the_graders_number(metric: str, input: str, reference: str) -> None:
    assert metrics.score(metric, input, reference) == _grader_score(metric, input, reference)


@pytest.mark.parametrize(("input", "reference"), PAIRS)
def test_meteor_is_the_graders_number(input: str, reference: str) -> None:
    assert metrics.meteor(input, reference) == _grader_score("meteor", input, reference)


@pytest.mark.parametrize(("input", "reference"), PAIRS[:2])
def test_named_functions_equal_the_reference_libraries(input: str, reference: str) -> None:
    import warnings

    from nltk.translate.bleu_score import sentence_bleu
    from nltk.translate.gleu_score import sentence_gleu
    from nltk.translate.meteor_score import meteor_score
    from rapidfuzz import fuzz
    from rouge_score.rouge_scorer import RougeScorer

    hyp, ref = input.split(), reference.split()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns on zero higher-order overlaps
        expected_bleu = sentence_bleu([ref], hyp)
    assert math.isclose(metrics.bleu(input, reference), expected_bleu, rel_tol=1e-12)
    assert math.isclose(metrics.gleu(input, reference), sentence_gleu([ref], hyp), rel_tol=1e-12)
    assert math.isclose(metrics.meteor(input, reference), meteor_score([ref], hyp), rel_tol=1e-12)
    assert metrics.fuzzy_match(input, reference) == fuzz.ratio(input, reference) / 100
    for n in range(1, 6):
        want = RougeScorer([f"rouge{n}"]).score(reference, input)[f"rouge{n}"].fmeasure
        assert math.isclose(metrics.rouge(n, input, reference), want, rel_tol=1e-12, abs_tol=1e-15)
    want_l = RougeScorer(["rougeL"]).score(reference, input)["rougeL"].fmeasure
    assert math.isclose(metrics.rouge_l(input, reference), want_l, rel_tol=1e-12)
    assert metrics.rouge("l", input, reference) == metrics.rouge_l(input, reference)


@pytest.mark.parametrize("n", [0, 6, True, "2", 1.0])
def test_rouge_refuses_an_order_it_does_not_have(n: object) -> None:
    with pytest.raises(ValueError, match="must be 1, 2, 3, 4, 5 or 'l'"):
        metrics.rouge(n, "a", "a")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "hint"), [("cosine", "embedding model"), ("blue", "expected one of")]
)
def test_score_refuses_names_it_cannot_compute(name: str, hint: str) -> None:
    with pytest.raises(ValueError, match=hint):
        metrics.score(name, "a", "a")


def test_importing_metrics_loads_no_reference_library() -> None:
    import subprocess
    import sys

    code = "import sys, graderkit.metrics\nprint(','.join(m for m in ('nltk', 'rouge_score', 'numpy', 'openai') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
