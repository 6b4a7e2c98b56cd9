"""The sample, dataset-row and perturbation strategies produce what they promise."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graderkit as gk
from graderkit._core.templating.sample import to_sample
from graderkit.testing.perturb import LOOKALIKES, PUNCTUATION
from graderkit.testing.schema_strategy import from_schema
from graderkit.testing.strategies import (
    items,
    json_samples,
    perturbations,
    samples,
    text_samples,
    tool_call_samples,
)

ROW_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "messages", "reference_answer"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^q[0-9]{2}$"},
        "messages": {
            "type": "array",
            "minItems": 1,
            "maxItems": 3,
            "items": {"$ref": "#/$defs/message"},
        },
        "reference_answer": {"type": "string", "minLength": 1, "maxLength": 40},
        "difficulty": {"enum": ["easy", "hard"]},
        "weight": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "score": {"type": "integer", "minimum": 0, "maximum": 10, "multipleOf": 2},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "note": {"type": ["string", "null"]},
        "source": {"anyOf": [{"const": "textbook"}, {"type": "integer"}]},
    },
    "$defs": {
        "message": {
            "type": "object",
            "required": ["role", "content"],
            "properties": {"role": {"enum": ["developer", "user"]}, "content": {"type": "string"}},
        }
    },
}


@given(items(ROW_SCHEMA))
def test_rows_are_valid_against_their_schema(row: dict[str, Any]) -> None:
    jsonschema.validate(row, ROW_SCHEMA)
    assert re.search(r"^q[0-9]{2}$", row["id"])  # JSON Schema patterns are searched


@settings(max_examples=20)
@given(items(ROW_SCHEMA))
def test_generated_rows_feed_a_grader(row: dict[str, Any]) -> None:
    exact = gk.string_check("{{ sample.output_text }}", "{{ item.reference_answer }}", name="e")
    assert gk.grade(exact, row["reference_answer"], row).reward == 1.0


@pytest.mark.parametrize(
    ("schema", "keyword"),
    [
        ({"not": {"type": "null"}}, "not"),
        ({"type": "object", "patternProperties": {}}, "patternProperties"),
    ],
)
def test_unsupported_keywords_are_named(schema: dict[str, Any], keyword: str) -> None:
    with pytest.raises(ValueError, match=keyword):
        from_schema(schema)


def test_only_local_refs() -> None:
    with pytest.raises(ValueError, match="only local"):
        from_schema({"$ref": "https://example.com/schema.json"}).example()


@given(samples())
def test_every_sample_is_a_valid_sample(sample: str | dict[str, Any]) -> None:
    built = to_sample(sample)
    assert set(built) >= {"output_text", "output_json", "output_tools", "choices"}


@given(
    json_samples(
        {"type": "object", "required": ["answer"], "properties": {"answer": {"type": "string"}}}
    )
)
def test_json_samples_agree_with_their_text(sample: dict[str, Any]) -> None:
    assert json.loads(sample["output_text"]) == sample["output_json"]
    grader = gk.string_check("{{ sample.output_json.answer }}", "{{ item.a }}", name="j")
    assert gk.grade(grader, sample, {"a": sample["output_json"]["answer"]}).reward == 1.0


ARGS = {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}


@given(tool_call_samples(["get_weather"], ARGS))
def test_tool_calls_look_like_chat_completions(sample: dict[str, Any]) -> None:
    calls = sample["output_tools"]
    assert sample["choices"][0]["message"]["tool_calls"] == calls
    for call in calls:
        assert call["type"] == "function" and call["function"]["name"] == "get_weather"
        assert "city" in json.loads(call["function"]["arguments"])  # a JSON string, as sent
    name = gk.string_check("{{ sample.output_tools[0].function.name }}", "get_weather", name="n")
    assert gk.grade(name, sample).reward == 1.0


@given(text_samples())
def test_text_samples_are_strings(text: str) -> None:
    assert isinstance(text, str)


GOLD = "acute appendicitis"


@given(perturbations(GOLD, kinds=["case"]))
def test_case_perturbations_keep_the_letters(variant: str) -> None:
    assert variant != GOLD and variant.casefold() == GOLD


@given(perturbations(GOLD, kinds=["whitespace"]))
def test_whitespace_perturbations_keep_the_words(variant: str) -> None:
    assert variant != GOLD and variant.split() == GOLD.split()


@given(perturbations(GOLD, kinds=["punctuation"]))
def test_punctuation_perturbations_keep_the_words(variant: str) -> None:
    stripped = "".join(c for c in variant if c not in "".join(PUNCTUATION))
    assert variant != GOLD and stripped == GOLD


@given(perturbations(GOLD, kinds=["unicode"]))
def test_unicode_perturbations_read_the_same(variant: str) -> None:
    back = {v: k for k, v in LOOKALIKES.items()}
    restored = unicodedata.normalize("NFC", "".join(back.get(c, c) for c in variant)).replace(
        "\u200b", ""
    )
    assert variant != GOLD and restored == GOLD


@given(perturbations(st.sampled_from(["gout", "sepsis"])))
def test_perturbations_of_a_strategy(variant: str) -> None:
    assert variant.strip()


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="kinds must be some of"):
        perturbations(GOLD, kinds=["emoji"])  # type: ignore[list-item]


@gk.python_grader(name="normalised")
def normalised(sample: dict[str, Any], item: dict[str, Any]) -> float:
    """Exact match after case folding and whitespace collapsing."""
    return float(" ".join(sample["output_text"].casefold().split()) == item["answer"])


@settings(max_examples=25)
@given(perturbations(GOLD, kinds=["case", "whitespace"]))
def test_a_normalising_grader_ignores_case_and_whitespace(variant: str) -> None:
    assert gk.grade(normalised, variant, {"answer": GOLD}).reward == 1.0
