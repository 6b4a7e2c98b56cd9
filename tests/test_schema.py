"""The hand-written grader JSON Schema: golden examples pass, mistakes fail at their path."""

from __future__ import annotations

import copy
import json
import pathlib
from typing import Any

import jsonschema
import pytest

from graderkit.schema import Target, load_schema, schema_path, validate_payload

# The golden examples live in the spec beside the repo; a copy under tests/fixtures wins if present.
_CANDIDATES = [
    pathlib.Path(__file__).parent / "fixtures" / "spec-examples",
    pathlib.Path(__file__).resolve().parents[2] / "shared" / "spec" / "examples",
]
EXAMPLES = next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[-1])

EVALS_EXAMPLES = {"evals-text-similarity-criterion.json"}


def _example_files() -> list[pathlib.Path]:
    files = sorted(p for p in EXAMPLES.glob("*.json") if p.name != "observed.json")
    assert files, f"no example JSON found in {EXAMPLES}"
    return files


def _load(path: pathlib.Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


# ---------------------------------------------------------------- the schema itself


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_root_is_the_fine_tuning_entry_point() -> None:
    assert load_schema()["$ref"] == "#/$defs/fine_tuning_grader"


def test_entry_points_and_every_kind_are_defined() -> None:
    defs = load_schema()["$defs"]
    kinds = ["string_check", "text_similarity", "python", "score_model", "label_model", "multi"]
    for name in [*kinds, "endpoint", "fine_tuning_grader", "evals_testing_criterion"]:
        assert name in defs, name
    assert "multi_sub_grader" in defs


def test_schema_path_is_the_file_load_schema_reads() -> None:
    assert schema_path().is_file()
    assert json.loads(schema_path().read_text(encoding="utf-8")) == load_schema()


def test_load_schema_returns_a_fresh_copy() -> None:
    first = load_schema()
    first["$ref"] = "#/$defs/multi_sub_grader"
    assert load_schema()["$ref"] == "#/$defs/fine_tuning_grader"
    assert validate_payload({"type": "label_model"}) != []  # the cached validator is untouched


def test_unknown_target_is_rejected() -> None:
    with pytest.raises(ValueError, match="target='rft'"):
        validate_payload({"type": "python", "source": ""}, target="rft")  # type: ignore[arg-type]


# ---------------------------------------------------------------- golden examples pass


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.stem)
def test_golden_example_is_valid(path: pathlib.Path) -> None:
    target: Target = "evals" if path.name in EVALS_EXAMPLES else "fine_tuning"
    assert validate_payload(_load(path), target=target) == []


def test_observed_python_grader_is_valid() -> None:
    observed = json.loads((EXAMPLES / "observed.json").read_text(encoding="utf-8"))
    assert validate_payload(observed[1]["grader"]) == []


def test_fine_tuning_examples_also_pass_as_multi_sub_graders_or_criteria() -> None:
    """Non-multi examples are valid evals criteria too (text_similarity needs pass_threshold)."""
    grader = _load(EXAMPLES / "cookbook-score-model.json")
    assert validate_payload(grader, target="evals") == []


def test_evals_label_model_accepts_the_simple_input_message() -> None:
    label = _load(EXAMPLES / "label-model-in-multi.json")["graders"]["label"]
    label["input"][0] = {"role": "critic", "content": "Classify {{sample.output_text}}"}
    assert validate_payload(label, target="evals") == []
    # inside a multi only the EvalItem form (role enum) is documented
    multi = {"type": "multi", "graders": {"label": label}, "calculate_output": "label"}
    assert validate_payload(multi) == [
        "graders.label.input[0].role: 'critic' is not one of "
        "['user', 'assistant', 'system', 'developer']"
    ]


def test_second_round_shapes_are_accepted() -> None:
    """Part A's second round: pass_threshold on multi, endpoint everywhere Azure takes it,
    any-role simple messages on Evals score_model criteria."""
    endpoint = {"type": "endpoint", "name": "e", "url": "https://grader.example.com/grade",
                "headers": {"X-Functions-Key": "********"}, "rate_limit": 50,
                "pass_threshold": 1.0}  # fmt: skip
    assert validate_payload(_with(_multi(a=_STRING_CHECK), pass_threshold=0.5)) == []
    assert validate_payload(_multi(endpoint=endpoint)) == []
    for target in ("fine_tuning", "evals"):
        assert validate_payload(endpoint, target=target) == [], target  # type: ignore[arg-type]
    critic = _with(_SCORE_MODEL, input=[{"role": "critic", "content": "Rate it."}])
    assert validate_payload(critic, target="evals") == []
    assert validate_payload(critic) == [
        "input[0].role: 'critic' is not one of ['user', 'assistant', 'system', 'developer']"
    ]


def test_every_content_part_kind_is_accepted() -> None:
    parts: list[Any] = [
        "plain string",
        {"type": "input_text", "text": "t", "prompt_cache_breakpoint": {"mode": "explicit"}},
        {"type": "output_text", "text": "t"},
        {"type": "input_image", "image_url": "{{item.url}}", "detail": "low", "file_id": None},
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
    ]
    for content in [*parts, parts]:
        grader = {
            "type": "score_model",
            "model": "o4-mini",
            "input": [{"role": "user", "content": content}],
            "sampling_params": {"max_tokens": 16, "seed": None, "reasoning_effort": None},
        }
        assert validate_payload(grader) == [], content


# ---------------------------------------------------------------- known mistakes fail

_STRING_CHECK = {
    "type": "string_check",
    "name": "exact",
    "input": "{{sample.output_text}}",
    "reference": "{{item.answer}}",
    "operation": "eq",
}
_TEXT_SIMILARITY = {
    "type": "text_similarity",
    "name": "sim",
    "input": "{{sample.output_text}}",
    "reference": "{{item.answer}}",
    "evaluation_metric": "bleu",
}
_LABEL_MODEL = _load(EXAMPLES / "label-model-in-multi.json")["graders"]["label"]
_SCORE_MODEL = _load(EXAMPLES / "cookbook-score-model.json")


def _multi(**graders: Any) -> dict[str, Any]:
    return {"type": "multi", "graders": graders, "calculate_output": " + ".join(graders)}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(base), **changes}


def _nested(path: list[str | int], value: Any, base: dict[str, Any]) -> dict[str, Any]:
    payload = copy.deepcopy(base)
    node: Any = payload
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return payload


INVALID: list[Any] = [
    pytest.param(
        _with(_STRING_CHECK, operation="neq"),
        "fine_tuning",
        "operation",
        "'neq' is not one of",
        id="string_check-operation-neq",
    ),
    pytest.param(
        _multi(ok=_STRING_CHECK, inner=_multi(x=_STRING_CHECK)),
        "fine_tuning",
        "graders.inner.type",
        "'multi' is not one of",
        id="multi-nested-in-multi",
    ),
    pytest.param(
        _LABEL_MODEL,
        "fine_tuning",
        "type",
        "'label_model' is not one of",
        id="label_model-at-fine_tuning-top-level",
    ),
    pytest.param(
        _TEXT_SIMILARITY,
        "evals",
        "$",
        "'pass_threshold' is a required property",
        id="evals-text_similarity-without-pass_threshold",
    ),
    pytest.param(
        _multi(a=_STRING_CHECK),
        "evals",
        "type",
        "'multi' is not one of",
        id="multi-as-evals-criterion",
    ),
    pytest.param(
        _with(_SCORE_MODEL, range=[0, 1, 2]),
        "fine_tuning",
        "range",
        "is too long",
        id="score_model-range-of-3-numbers",
    ),
    pytest.param(
        _with(_SCORE_MODEL, range=[0]),
        "fine_tuning",
        "range",
        "is too short",
        id="score_model-range-of-1-number",
    ),
    pytest.param(
        _with(_STRING_CHECK, case_sensitive=True),
        "fine_tuning",
        "$",
        "'case_sensitive' was unexpected",
        id="string_check-unknown-field",
    ),
    pytest.param(
        _multi(a=_with(_STRING_CHECK, pass_threshold=0.5)),
        "fine_tuning",
        "graders.a",
        "'pass_threshold' was unexpected",
        id="string_check-with-pass_threshold",
    ),
    pytest.param(
        {"type": "multi", "graders": [_STRING_CHECK], "calculate_output": "exact"},
        "fine_tuning",
        "graders",
        "is not of type 'object'",
        id="multi-graders-given-as-a-list",
    ),
    pytest.param(
        {"type": "multi", "graders": _STRING_CHECK, "calculate_output": "exact"},
        "fine_tuning",
        "graders.input",
        "is not of type 'object'",
        id="multi-graders-given-as-a-single-grader",
    ),
    pytest.param(
        _with(_TEXT_SIMILARITY, evaluation_metric="rouge"),
        "fine_tuning",
        "evaluation_metric",
        "'rouge' is not one of",
        id="text_similarity-unknown-metric",
    ),
    pytest.param(
        _nested(["input", 0, "role"], "tool", _SCORE_MODEL),
        "fine_tuning",
        "input[0].role",
        "'tool' is not one of",
        id="score_model-message-role-tool",
    ),
    pytest.param(
        _nested(["input", 1, "content"], [{"type": "input_image"}], _SCORE_MODEL),
        "fine_tuning",
        "input[1].content[0]",
        "'image_url' is a required property",
        id="input_image-without-image_url",
    ),
    pytest.param(
        _nested(
            ["input", 1, "content"],
            {"type": "input_audio", "input_audio": {"data": "", "format": "ogg"}},
            _SCORE_MODEL,
        ),
        "fine_tuning",
        "input[1].content.input_audio.format",
        "'ogg' is not one of",
        id="input_audio-format-ogg",
    ),
    pytest.param(
        _nested(["sampling_params", "max_completions_tokens"], 0, _SCORE_MODEL),
        "fine_tuning",
        "sampling_params.max_completions_tokens",
        "less than the minimum of 1",
        id="max_completions_tokens-zero",
    ),
    pytest.param(
        _nested(["sampling_params", "max_completion_tokens"], 10, _SCORE_MODEL),
        "fine_tuning",
        "sampling_params",
        "'max_completion_tokens' was unexpected",
        id="sampling_params-chat-spelling",
    ),
    pytest.param(
        _with(_multi(a=_STRING_CHECK), pass_threshold="0.5"),
        "fine_tuning",
        "pass_threshold",
        "'0.5' is not of type 'number'",
        id="multi-with-string-pass_threshold",
    ),
    pytest.param(
        {"type": "endpoint", "url": "http://grader.example.com/grade"},
        "fine_tuning",
        "url",
        "'http://grader.example.com/grade' does not match '^https://",
        id="endpoint-http-url",
    ),
    pytest.param(
        {"type": "endpoint", "url": "https://grader.example.com/grade", "max_rps": 50},
        "evals",
        "$",
        "'max_rps' was unexpected",
        id="endpoint-echoed-max_rps",
    ),
    pytest.param(
        {"name": "no type", "source": "def grade(s, i): return 1"},
        "fine_tuning",
        "$",
        "'type' is a required property",
        id="missing-type",
    ),
]


@pytest.mark.parametrize(("payload", "target", "path", "problem"), INVALID)
def test_invalid_payload_is_rejected_at_its_path(
    payload: dict[str, Any], target: Any, path: str, problem: str
) -> None:
    messages = validate_payload(payload, target=target)
    assert len(messages) == len(set(messages)), messages
    assert any(m.startswith(f"{path}: ") and problem in m for m in messages), messages


@pytest.mark.parametrize(("payload", "target", "path", "problem"), INVALID)
def test_invalid_payload_fails_plain_jsonschema_too(
    payload: dict[str, Any], target: Any, path: str, problem: str
) -> None:
    """The shipped file works with any draft 2020-12 validator, not just validate_payload."""
    schema = load_schema()
    schema["$ref"] = {
        "fine_tuning": "#/$defs/fine_tuning_grader",
        "evals": "#/$defs/evals_testing_criterion",
    }[target]
    assert not jsonschema.Draft202012Validator(schema).is_valid(payload)


def test_multi_sub_grader_entry_point() -> None:
    schema = load_schema()
    schema["$ref"] = "#/$defs/multi_sub_grader"
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid(_LABEL_MODEL)
    assert validator.is_valid(_with(_TEXT_SIMILARITY, pass_threshold=0.9))
    assert not validator.is_valid(_multi(a=_STRING_CHECK))
