"""Error messages say what was wrong and how to fix it, in the user's terms (issue 16, item 5).

Each case is grader JSON with one wrong field: the message must name the grader, the JSON path,
the value, and what the field must be; none may repeat pydantic's own wording ("input should
be a valid tuple", "is required but missing" for a value that is present).
"""

from __future__ import annotations

from typing import Any

import pytest

import graderkit as gk


def _judge(**fields: Any) -> dict[str, Any]:
    return {
        "type": "score_model",
        "name": "judge",
        "model": "gpt-4.1-mini",
        "input": [{"role": "user", "content": "Grade {{ sample.output_text }}"}],
        **fields,
    }


def _label(**fields: Any) -> dict[str, Any]:
    return {
        "type": "label_model",
        "name": "tone",
        "model": "gpt-4.1-mini",
        "input": [{"role": "user", "content": "x"}],
        "labels": ["polite", "rude"],
        "passing_labels": ["polite"],
        **fields,
    }


PARTS = "'input_text', 'output_text', 'input_image', 'input_audio'"
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "range=[]": (_judge(range=[]), "score_model 'judge': range=[] must be [min, max]"),
    "range with one number": (_judge(range=[1]), "range=[1] must be [min, max]"),
    "range with three numbers": (_judge(range=[0, 1, 2]), "range=[0, 1, 2] must be [min, max]"),
    "range as text": (_judge(range="0-1"), "range='0-1' must be [min, max]"),
    "range the wrong way round": (_judge(range=[1, 0]), "range=[1, 0] must be [min, max] with min < max"),
    "a number as a content part": (
        _judge(input=[{"role": "user", "content": [1]}]),
        "input[0].content[0]=1 must be a plain string or a content part",
    ),
    "a content part without a type": (
        _judge(input=[{"role": "user", "content": [{"text": "x"}]}]),
        PARTS,
    ),
    "a content part of an unknown type": (
        _judge(input=[{"role": "user", "content": [{"type": "image", "url": "x"}]}]),
        PARTS,
    ),
    "content that is a number": (
        _judge(input=[{"role": "user", "content": 5}]),
        "input[0].content=5 must be a string, a content part or a list",
    ),
    "no messages": (_judge(input=[]), "input=[] must be a non-empty list of messages"),
    "messages as a string": (_judge(input="hello"), "input='hello' must be a non-empty list of messages"),
    "an empty model": (_judge(model=""), "model='' must be a model name"),
    "a temperature as text": (
        _judge(sampling_params={"temperature": "hot"}),
        "sampling_params.temperature='hot' must be a number, e.g. 0.5, not a string",
    ),
    "a seed as a float": (
        _judge(sampling_params={"seed": 1.5}),
        "sampling_params.seed=1.5 must be a whole number",
    ),
    "max_completions_tokens of 0": (
        _judge(sampling_params={"max_completions_tokens": 0}),
        "sampling_params.max_completions_tokens=0 must be at least 1",
    ),
    "a pass_threshold as text": (
        {"type": "text_similarity", "name": "t", "input": "a", "reference": "b",
         "evaluation_metric": "bleu", "pass_threshold": "0.5"},
        "pass_threshold='0.5' must be a number, e.g. 0.5, not a string",
    ),
    "labels as one string": (_label(labels="polite,rude"), "labels='polite,rude' must be a non-empty list"),
    "no labels": (_label(labels=[], passing_labels=[]), "labels=[] must be a non-empty list"),
    "an input that is not a string": (
        {"type": "string_check", "name": "s", "input": 5, "reference": "b", "operation": "eq"},
        "string_check 's': input=5 must be a string, not an integer",
    ),
    "a multi without graders": (
        {"type": "multi", "name": "m", "graders": {}, "calculate_output": "a"},
        "graders={} must be a map of key -> grader with at least one entry",
    ),
    "a name that is not a string": (
        {"type": "string_check", "name": 5, "input": "a", "reference": "b", "operation": "eq"},
        "name=5 must be a string, not an integer",
    ),
}  # fmt: skip

PYDANTIC_WORDS = ("should be a valid", "after validation", "is required but missing")


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_message_says_what_the_field_must_be(case: str) -> None:
    wire, expected = CASES[case]
    with pytest.raises(gk.InvalidGrader) as caught:
        gk.from_openai(wire)
    message = str(caught.value)
    assert expected in message, message
    assert not any(words in message for words in PYDANTIC_WORDS), message


def test_a_plain_string_in_a_content_list_loads() -> None:
    wire = _judge(input=[{"role": "user", "content": ["Grade {{ sample.output_text }}"]}])
    assert gk.to_openai(gk.from_openai(wire)) == wire


def test_a_missing_field_still_says_it_is_missing() -> None:
    wire = _judge()
    del wire["model"]
    with pytest.raises(gk.InvalidGrader, match="model is required but missing"):
        gk.from_openai(wire)
