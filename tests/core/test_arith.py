"""Writing multi graders as arithmetic on graders."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graderkit as gk

A = gk.string_check("{{sample.output_text}}", "{{item.a}}", name="a")
B = gk.string_check("{{sample.output_text}}", "{{item.b}}", operation="like", name="b")
FUZZY = gk.text_similarity("{{sample.output_text}}", "{{item.a}}", name="fuzzy")

FORMULAS = [
    pytest.param(lambda: 0.85 * FUZZY + 0.15 * A, "0.85 * fuzzy + 0.15 * a", id="weighted-sum"),
    pytest.param(lambda: (A + B) / 2, "(a + b) / 2", id="mean"),
    pytest.param(lambda: A - (B - 1), "a - (b - 1)", id="right-subtraction-keeps-parens"),
    pytest.param(lambda: A**2, "a ^ 2", id="power"),
    pytest.param(lambda: -A, "-a", id="negation"),
    pytest.param(lambda: gk.max(A, B, 0.5), "max(a, b, 0.5)", id="max"),
    pytest.param(lambda: gk.log(1 + FUZZY), "log(1 + fuzzy)", id="log"),
    pytest.param(lambda: abs(A - B), "abs(a - b)", id="builtin-abs"),
    pytest.param(lambda: math.floor(FUZZY * 10) / 10, "floor(fuzzy * 10) / 10", id="math-floor"),
    pytest.param(lambda: 1 - A, "1 - a", id="reflected"),
]


@pytest.mark.parametrize(("build", "formula"), FORMULAS)
def test_arithmetic_builds_the_formula_text(build: Any, formula: str) -> None:
    expr = build()
    assert expr.calculate_output == formula
    grader = gk.multi(expr, name="m")
    assert grader.calculate_output == formula
    assert set(grader.graders) == grader.formula.variables


def test_same_grader_twice_is_one_key() -> None:
    assert list(gk.multi(A * A + A, name="m").graders) == ["a"]


def test_two_graders_with_one_name_are_refused() -> None:
    other = gk.string_check("x", "y", name="a")
    with pytest.raises(gk.InvalidGrader, match="two different graders"):
        _ = A + other


def test_names_become_identifier_keys() -> None:
    g = gk.string_check("x", "y", name="clinical-phrase 2")
    assert gk.multi(g + A, name="m").calculate_output == "clinical_phrase_2 + a"


def test_multi_cannot_nest_in_arithmetic() -> None:
    inner = gk.multi(A + B, name="inner")
    with pytest.raises(gk.InvalidGrader, match="nesting"):
        _ = inner + A


def test_expression_has_no_truth_value() -> None:
    with pytest.raises(TypeError, match="no truth value"):
        bool(A + B)


def test_expression_and_formula_text_are_rejected_together() -> None:
    with pytest.raises(gk.InvalidGrader, match="must not be given with an expression"):
        gk.multi(A + B, "a + b", name="m")


@given(
    wa=st.floats(0, 10, allow_nan=False),
    wb=st.floats(0, 10, allow_nan=False),
    text=st.sampled_from(["x", "y", "xy"]),
)
def test_weighted_sum_grades_as_the_arithmetic_on_child_rewards(
    wa: float, wb: float, text: str
) -> None:
    grader = gk.multi(wa * A + wb * B, name="m")
    item = {"a": "x", "b": "y"}
    result = gk.grade(grader, text, item)
    ra, rb = gk.grade(A, text, item).reward, gk.grade(B, text, item).reward
    assert result.reward == pytest.approx(wa * ra + wb * rb, rel=1e-12, abs=1e-12)
    assert result.sub_rewards == {"a": ra, "b": rb}
