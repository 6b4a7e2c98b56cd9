"""The pytest assertions: they pass when the grade is right and explain it when it is not."""

from __future__ import annotations

import pytest
from clinical_data import BROKEN, ITEMS

import graderkit as gk
from graderkit.testing.assertions import (
    assert_error,
    assert_fails,
    assert_no_errors,
    assert_passes,
    assert_ranked,
    assert_reward,
)

exact = gk.string_check("{{ sample.output_text }}", "{{ item.answer }}", name="exact")
fuzzy = gk.text_similarity(
    "{{ sample.output_text }}", "{{ item.answer }}", name="fuzzy", pass_threshold=0.8
)
blend = gk.multi(0.85 * fuzzy.replace(pass_threshold=None) + 0.15 * exact, name="blend")
ROW = {"answer": "acute appendicitis"}


def test_assert_reward_returns_the_result() -> None:
    result = assert_reward(blend, "acute appendicitis", ROW, 1.0)
    assert result.sub_rewards == {"fuzzy": 1.0, "exact": 1.0}
    assert_reward(fuzzy, "appendicitis", ROW, 0.8, approx=1e-12)


def test_assert_reward_failure_shows_rendered_inputs_and_sub_rewards() -> None:
    with pytest.raises(AssertionError) as caught:
        assert_reward(blend, "appendicitis", ROW, 1.0)
    message = str(caught.value)
    assert message.splitlines()[0] == "multi 'blend': expected reward 1.0, got 0.68"
    assert "  fuzzy: text_similarity 'fuzzy' (fuzzy_match) -> 0.8" in message
    assert "  exact: string_check 'exact' (eq) -> 0.0" in message
    assert "input:     'appendicitis'" in message
    assert "reference: 'acute appendicitis'" in message


def test_an_errored_grade_fails_even_at_the_expected_reward() -> None:
    with pytest.raises(AssertionError, match=r"but with error flags \['invalid_variable_error'\]"):
        assert_reward(exact, "x", {}, 0.0)
    result = assert_reward(exact, "x", {}, 0.0, allow_errors=True)
    assert "invalid_variable_error" in result.errors


def test_tolerance_is_absolute_and_reported() -> None:
    with pytest.raises(AssertionError, match=r"expected reward 0.5 \(± 0.01\), got 0.8"):
        assert_reward(fuzzy, "appendicitis", ROW, 0.5, approx=0.01)
    assert_reward(fuzzy, "appendicitis", ROW, 0.79, approx=0.011)


def test_pass_and_fail_follow_the_graders_rule_or_a_threshold() -> None:
    assert_passes(fuzzy, "appendicitis", ROW)  # 0.8 >= pass_threshold 0.8
    assert_fails(fuzzy, "gout", ROW)
    assert_passes(exact, "acute appendicitis", ROW)  # string_check passes on 1
    assert_fails(exact, "Acute appendicitis", ROW)
    assert_passes(blend, "appendicitis", ROW, threshold=0.6)
    with pytest.raises(AssertionError, match=r"reward 0.68 does not pass \(>= 0.7\)"):
        assert_passes(blend, "appendicitis", ROW, threshold=0.7)
    with pytest.raises(AssertionError, match=r"expected the sample to fail; reward 0.8 passes"):
        assert_fails(fuzzy, "appendicitis", ROW)
    with pytest.raises(ValueError, match="has no pass rule"):
        assert_passes(blend, "appendicitis", ROW)
    with pytest.raises(AssertionError, match="raised error flags"):
        assert_fails(exact, "x", {})  # an error is not a failing grade


def test_assert_error() -> None:
    result = assert_error(exact, "x", {}, "invalid_variable_error")
    assert result.reward == 0.0
    with pytest.raises(AssertionError, match="expected invalid_variable_error, got no error flag"):
        assert_error(exact, "x", ROW, "invalid_variable_error")
    with pytest.raises(ValueError, match="unknown error flag"):
        assert_error(exact, "x", ROW, "nope")


def test_assert_no_errors_lists_rows() -> None:
    results = assert_no_errors(exact, ["a", "b"], [{"answer": "a"}, {"answer": "c"}])
    assert [r.reward for r in results] == [1.0, 0.0]
    with pytest.raises(AssertionError) as caught:
        assert_no_errors(BROKEN.first_word, ["acute", "", ""], ITEMS[:3])
    message = str(caught.value)
    assert message.startswith(
        "python 'first_word': 2 of 3 samples raised error flags {'python_grader_runtime_error': 2}"
    )
    assert "row 1:\n  python 'first_word' -> 0.0" in message
    assert "IndexError" in message


def test_assert_ranked_checks_the_experts_order() -> None:
    rewards = assert_ranked(blend, ROW, ["acute appendicitis", "appendicitis", "gout"])
    assert rewards[0] > rewards[1] > rewards[2]
    with pytest.raises(AssertionError) as caught:
        assert_ranked(exact, ROW, ["acute appendicitis", "appendicitis", "gout"])
    message = str(caught.value)
    assert "not graded in the experts' order (> each next)" in message
    assert "  2. 0.0      'appendicitis'" in message and "  3. 0.0      'gout'" in message
    assert "answer 2:" in message and "answer 3:" in message
    assert_ranked(exact, ROW, ["acute appendicitis", "appendicitis", "gout"], strict=False)
    with pytest.raises(AssertionError, match=r"\(>= each next\)"):
        assert_ranked(exact, ROW, ["gout", "acute appendicitis"], strict=False)
    with pytest.raises(ValueError, match="at least two"):
        assert_ranked(exact, ROW, ["gout"])


def test_failures_point_at_the_callers_line() -> None:
    assert all(
        "__tracebackhide__" in fn.__code__.co_varnames
        for fn in (
            assert_reward,
            assert_passes,
            assert_fails,
            assert_error,
            assert_no_errors,
            assert_ranked,
        )
    )
