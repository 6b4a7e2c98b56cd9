"""Factories: validation at build time, keyword-only defaults, honest reprs, immutability."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from pydantic import ValidationError

import graderkit as gk

FACTORIES = [
    gk.string_check,
    gk.text_similarity,
    gk.score_model,
    gk.label_model,
    gk.multi,
    gk.python_grader,
]


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_defaulted_arguments_are_keyword_only(factory: Any) -> None:
    for param in inspect.signature(factory).parameters.values():
        if param.default is not inspect.Parameter.empty and param.name not in {
            "calculate_output",
            "fn",
        }:
            assert param.kind is inspect.Parameter.KEYWORD_ONLY, param.name


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_every_factory_has_a_docstring_with_an_example(factory: Any) -> None:
    assert factory.__doc__ and "Examples:" in factory.__doc__


BAD_BUILDS = [
    pytest.param(
        lambda: gk.string_check("a", "b", operation="neq", name="exact"),
        "string_check 'exact': operation='neq' is not one of 'eq', 'ne', 'like', 'ilike'; did you mean 'ne'?",
        id="neq",
    ),
    pytest.param(
        lambda: gk.string_check("a", "b", name=""),
        "name='' must be a non-empty string",
        id="empty-name",
    ),
    pytest.param(
        lambda: gk.string_check("{{ item }}", "b", name="x"), "reference a key", id="bare-namespace"
    ),
    pytest.param(
        lambda: gk.text_similarity("a", "b", evaluation_metric="blue", name="t"),
        "did you mean 'bleu'?",
        id="metric-typo",
    ),
    pytest.param(
        lambda: gk.score_model("x", model="m", range=(1, 1), name="j"),
        "min < max",
        id="empty-range",
    ),
    pytest.param(
        lambda: gk.score_model([{"role": "user"}], model="m", name="j"),
        "input[0].content is required",
        id="message-without-content",
    ),
    pytest.param(
        lambda: gk.score_model("x", model="m", name="j", sampling_params={"temprature": 0}),
        "sampling_params.temprature=0 is not a field",
        id="sampling-typo",
    ),
    pytest.param(
        lambda: gk.label_model("x", model="m", labels=["a", "a"], passing_labels=["a"], name="l"),
        "labels=['a', 'a'] must be distinct",
        id="duplicate-labels",
    ),
    pytest.param(
        lambda: gk.multi({"a": gk.string_check("x", "y", name="a")}, "a * b", name="m"),
        "unknown name 'b'",
        id="formula-unknown-key",
    ),
    pytest.param(lambda: gk.multi({}, "1", name="m"), "graders", id="no-graders"),
]


@pytest.mark.parametrize(("build", "message"), BAD_BUILDS)
def test_bad_builds_raise_precise_errors(build: Any, message: str) -> None:
    with pytest.raises(gk.InvalidGrader) as info:
        build()
    assert message in str(info.value)


def test_invalid_grader_is_a_value_error_and_graderkit_error() -> None:
    with pytest.raises(ValueError):
        gk.string_check("a", "b", operation="bogus", name="x")  # type: ignore[arg-type]
    assert issubclass(gk.InvalidGrader, gk.GraderkitError)


def test_graders_are_frozen() -> None:
    grader = gk.string_check("a", "b", name="x")
    with pytest.raises(ValidationError):
        grader.operation = "ne"  # type: ignore[misc]


def test_replace_validates_and_keeps_the_original() -> None:
    grader = gk.string_check("a", "b", name="x")
    assert grader.replace(operation="ne").operation == "ne"
    assert grader.operation == "eq"
    with pytest.raises(gk.InvalidGrader, match="did you mean"):
        grader.replace(operation="nee")


REPRS = [
    pytest.param(
        gk.string_check("{{sample.output_text}}", "yes", name="exact"),
        "string_check('{{sample.output_text}}', 'yes', name='exact')",
        id="string-check-defaults-hidden",
    ),
    pytest.param(
        gk.string_check("a", "b", operation="ilike", name="x"),
        "string_check('a', 'b', name='x', operation='ilike')",
        id="string-check-operation",
    ),
    pytest.param(
        gk.text_similarity("a", "b", evaluation_metric="bleu", name="t"),
        "text_similarity('a', 'b', name='t', evaluation_metric='bleu')",
        id="text-similarity",
    ),
]


@pytest.mark.parametrize(("grader", "text"), REPRS)
def test_repr_shows_the_factory_call(grader: gk.GraderBase, text: str) -> None:
    assert repr(grader) == text


def test_variables_lists_every_template_reference_once() -> None:
    grader = gk.score_model(
        [
            {"role": "system", "content": "Ref: {{ item.reference_answer }}"},
            {
                "role": "user",
                "content": [
                    {
                        "type": "input_text",
                        "text": "{{sample.output_text}} vs {{item.reference_answer}}",
                    },
                    {"type": "input_image", "image_url": "{{ item.image }}"},
                ],
            },
        ],
        model="m",
        name="j",
    )
    assert [v.text for v in grader.variables()] == [
        "item.reference_answer",
        "sample.output_text",
        "item.image",
    ]


def test_score_model_from_a_string_is_one_user_message_with_default_range() -> None:
    out = gk.to_openai(gk.score_model("rate {{sample.output_text}}", model="gpt-4.1", name="j"))
    assert out["input"] == [{"role": "user", "content": "rate {{sample.output_text}}"}]
    assert out["range"] == [0, 1]
    assert "sampling_params" not in out and "pass_threshold" not in out


def test_python_grader_factory_writes_image_tag() -> None:
    grader = gk.python_grader("def grade(sample, item):\n    return 1.0\n", name="one")
    assert gk.to_openai(grader) == {
        "type": "python",
        "name": "one",
        "source": "def grade(sample, item):\n    return 1.0\n",
        "image_tag": "2025-05-08",
    }


def test_python_grader_source_needs_a_name() -> None:
    with pytest.raises(gk.InvalidGrader, match="name"):
        gk.python_grader("def grade(sample, item):\n    return 1.0\n")
