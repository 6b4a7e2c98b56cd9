"""Local grading of string_check, fuzzy_match and multi: numbers, flags, result shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz import fuzz

import graderkit as gk
from graderkit.errors import DETAILS_KEYS, ERROR_FLAGS

OBSERVED = json.loads(
    (Path(__file__).parent.parent / "fixtures/spec-examples/observed.json").read_text()
)

STRING_CHECKS = [
    pytest.param("eq", "Paris", "Paris", 1.0, id="eq-equal"),
    pytest.param("eq", "Paris ", "Paris", 0.0, id="eq-no-trimming"),
    pytest.param("eq", "paris", "Paris", 0.0, id="eq-case-sensitive"),
    pytest.param("ne", "a", "b", 1.0, id="ne-different"),
    pytest.param("ne", "a", "a", 0.0, id="ne-same"),
    pytest.param("like", "What is the capital?", "What is", 1.0, id="like-substring"),
    pytest.param("like", "what is it", "What is", 0.0, id="like-case-sensitive"),
    pytest.param("like", "100% sure", "%", 1.0, id="like-percent-is-literal"),
    pytest.param("like", "abc", "a_c", 0.0, id="like-underscore-is-literal"),
    pytest.param("ilike", "WHAT IS it", "what is", 1.0, id="ilike-case-insensitive"),
    pytest.param("ilike", "STRASSE", "straße", 1.0, id="ilike-casefold"),
    pytest.param("like", "anything", "", 1.0, id="like-empty-reference"),
]


@pytest.mark.parametrize(("operation", "text", "reference", "expected"), STRING_CHECKS)
def test_string_check_operations(
    operation: Any, text: str, reference: str, expected: float
) -> None:
    grader = gk.string_check(
        "{{sample.output_text}}", "{{item.ref}}", operation=operation, name="s"
    )
    assert gk.grade(grader, text, {"ref": reference}).reward == expected


def test_fuzzy_match_reproduces_the_observed_service_score() -> None:
    row = OBSERVED[0]
    grader = gk.text_similarity("{{sample.output_text}}", "{{item.reference}}", name="f")
    result = gk.grade(grader, row["input"], {"reference": row["reference"]})
    assert result.reward == row["observed_score"]


@given(st.text(max_size=60), st.text(max_size=60))
def test_fuzzy_match_equals_rapidfuzz_ratio(a: str, b: str) -> None:
    grader = gk.text_similarity("{{item.a}}", "{{item.b}}", name="f")
    assert gk.grade(grader, "", {"a": a, "b": b}).reward == fuzz.ratio(a, b) / 100


def test_templates_render_non_strings_like_python_str() -> None:
    grader = gk.string_check("{{item.v}}", "{{item.expected}}", name="s")
    for value, text in [
        (1.0, "1.0"),
        (3, "3"),
        (True, "True"),
        (None, "None"),
        (["a", 1], "['a', 1]"),
        ({"k": 1}, "{'k': 1}"),
    ]:
        assert gk.grade(grader, "", {"v": value, "expected": text}).reward == 1.0


def test_sample_json_fields_are_reachable_from_a_string_sample() -> None:
    grader = gk.string_check("{{sample.output_json.email}}", "{{item.email}}", name="email")
    assert gk.grade(grader, '{"email": "a@b.c"}', {"email": "a@b.c"}).reward == 1.0
    missing = gk.grade(grader, "not json", {"email": "a@b.c"})
    assert missing.reward == 0.0 and "invalid_variable_error" in missing.errors


def test_structured_sample_with_tool_calls() -> None:
    grader = gk.string_check("get_acceptors", "{{sample.output_tools[0].function.name}}", name="fn")
    sample = {
        "output_text": "",
        "output_tools": [{"function": {"name": "get_acceptors", "arguments": "{}"}}],
    }
    assert gk.grade(grader, sample).reward == 1.0
    errors = gk.grade(grader, "plain text").errors
    assert list(errors) == ["invalid_variable_error"]
    assert "sample.output_tools[0]" in (errors["invalid_variable_error"] or "")


def test_missing_variable_is_a_flag_with_the_path_never_an_exception() -> None:
    grader = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
    result = gk.grade(grader, "x", {"other": 1})
    assert result.reward == 0.0
    assert list(result.errors) == ["invalid_variable_error"]
    assert "item.answer" in (result.errors["invalid_variable_error"] or "")


def test_a_sample_of_the_wrong_type_is_a_sample_parse_error() -> None:
    result = gk.grade(gk.string_check("a", "a", name="s"), 42)  # type: ignore[arg-type]
    assert result.reward == 0.0 and "sample_parse_error" in result.errors


def test_result_dict_has_the_graders_run_shape() -> None:
    out = gk.grade(gk.string_check("a", "a", name="s"), "x").to_dict()
    assert set(out) == {"reward", "metadata", "sub_rewards", "model_grader_token_usage_per_model"}
    assert set(out["metadata"]) == {
        "name",
        "type",
        "errors",
        "execution_time",
        "scores",
        "token_usage",
        "sampled_model_name",
    }
    errors = out["metadata"]["errors"]
    assert all(errors[flag] is False for flag in ERROR_FLAGS)
    assert all(errors[key] is None for key in DETAILS_KEYS.values())
    assert out["metadata"]["execution_time"] >= 0


MULTI = gk.multi(
    {
        "a": gk.string_check("{{sample.output_text}}", "{{item.a}}", name="a"),
        "b": gk.string_check("{{sample.output_text}}", "{{item.b}}", name="b"),
    },
    "a / b",
    name="ratio",
)


def test_multi_child_error_contributes_zero_and_flags_propagate() -> None:
    grader = gk.multi(
        {
            "a": gk.string_check("{{sample.output_text}}", "{{item.a}}", name="a"),
            "b": gk.string_check("{{sample.output_text}}", "{{item.b}}", name="b"),
        },
        "0.5 * a + 0.5 * b + 1",
        name="m",
    )
    result = gk.grade(grader, "x", {"a": "x"})
    assert result.reward == 1.5
    assert result.sub_rewards == {"a": 1.0, "b": 0.0}
    assert "b: item.b" in (result.errors["invalid_variable_error"] or "")


def test_multi_domain_error_is_other_error_with_details() -> None:
    result = gk.grade(MULTI, "x", {"a": "x", "b": "y"})
    assert result.reward == 0.0
    assert "other_error" in result.errors and "a / b" in (result.errors["other_error"] or "")
    assert result.sub_rewards == {"a": 1.0, "b": 0.0}


def test_multi_result_is_not_clipped() -> None:
    grader = gk.multi(3 * gk.string_check("a", "a", name="one"), name="m")
    assert gk.grade(grader, "").reward == 3.0


def test_evals_pass_rule_uses_threshold() -> None:
    grader = gk.text_similarity("{{sample.output_text}}", "abcd", name="t", pass_threshold=0.75)
    assert gk.grade(grader, "abcd").passed is True
    assert gk.grade(grader, "abxy").passed is False
    assert gk.grade(gk.string_check("a", "a", name="s"), "").passed is True
