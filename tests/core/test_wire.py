"""Loading and compiling grader JSON: golden fixtures, bad inputs, targets."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

import graderkit as gk
from graderkit.schema import validate_payload

EXAMPLES = Path(__file__).parent.parent / "fixtures" / "spec-examples"
GOLDEN = sorted(p for p in EXAMPLES.glob("*.json") if p.name != "observed.json")


def _load(path: Path) -> gk.GraderBase:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gk.GraderkitWarning)
        return gk.from_openai(path.read_text())


def _target(path: Path) -> str:
    return "evals" if path.name.startswith("evals-") else "fine_tuning"


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_golden_round_trip_is_identical(path: Path) -> None:
    text = path.read_text()
    grader = _load(path)
    out = gk.to_openai(grader, _target(path))  # type: ignore[arg-type]
    assert out == json.loads(text)
    assert json.dumps(out, indent=2) + "\n" == text  # same keys, same order, same numbers


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_golden_output_matches_the_independent_schema(path: Path) -> None:
    target = _target(path)
    assert validate_payload(gk.to_openai(_load(path), target), target) == []  # type: ignore[arg-type]


def test_observed_python_grader_loads_without_name_and_gets_a_stable_name() -> None:
    observed = json.loads((EXAMPLES / "observed.json").read_text())
    grader = gk.from_openai(observed[1]["grader"])
    assert grader.name is None
    assert "name" not in gk.to_openai(grader)
    assert grader.result_name == gk.from_openai(observed[1]["grader"]).result_name
    assert grader.result_name.startswith("grader-") and len(grader.result_name) == 19


def test_neq_loads_as_ne_with_a_warning() -> None:
    data = {"type": "string_check", "name": "x", "input": "a", "reference": "b", "operation": "neq"}
    with pytest.warns(gk.GraderkitWarning, match="'neq' loaded as 'ne'"):
        grader = gk.from_openai(data)
    assert gk.to_openai(grader)["operation"] == "ne"


def test_pass_threshold_inside_multi_is_kept_and_warned() -> None:
    with pytest.warns(gk.GraderkitWarning, match=r"graders\.name\.pass_threshold"):
        grader = gk.from_openai((EXAMPLES / "guide-json-fields-multi.json").read_text())
    assert gk.to_openai(grader)["graders"]["name"]["pass_threshold"] == 0.9


def _sc(**over: Any) -> dict[str, Any]:
    return {
        "type": "string_check",
        "name": "x",
        "input": "a",
        "reference": "b",
        "operation": "eq",
        **over,
    }


def _sm(**over: Any) -> dict[str, Any]:
    return {
        "type": "score_model",
        "name": "j",
        "model": "m",
        "input": [{"role": "user", "content": "hi"}],
        **over,
    }


BAD: list[Any] = [
    pytest.param(
        _sc(operation="neqq"),
        gk.InvalidGrader,
        "operation='neqq' is not one of 'eq', 'ne', 'like', 'ilike'; did you mean 'ne'?",
        id="unknown-operation",
    ),
    pytest.param(
        {
            "type": "multi",
            "name": "m",
            "graders": {"clinical": _sc(operation="equals")},
            "calculate_output": "clinical",
        },
        gk.InvalidGrader,
        "graders.clinical.operation='equals'",
        id="path-into-multi",
    ),
    pytest.param(
        {
            "type": "multi",
            "name": "m",
            "graders": {"a": {"type": "multi", "graders": {}, "calculate_output": "1"}},
            "calculate_output": "a",
        },
        gk.InvalidGrader,
        "graders.a.type='multi' cannot appear inside a multi",
        id="nested-multi",
    ),
    pytest.param(
        {"type": "multi", "name": "m", "graders": {"a": _sc()}, "calculate_output": "a + b"},
        gk.FormulaError,
        "unknown name 'b'",
        id="formula-missing-key",
    ),
    pytest.param(
        {"type": "multi", "name": "m", "graders": {"a": _sc()}, "calculate_output": "a +"},
        gk.FormulaError,
        "calculate_output='a +'",
        id="formula-syntax",
    ),
    pytest.param(
        {"type": "multi", "name": "m", "graders": [_sc()], "calculate_output": "x"},
        gk.InvalidGrader,
        "must be a map of key -> grader, not a list",
        id="graders-as-list",
    ),
    pytest.param(
        _sc(input="{{ foo.bar }}"),
        gk.TemplateError,
        "input='{{ foo.bar }}' has unknown namespace 'foo'",
        id="third-namespace",
    ),
    pytest.param(
        _sm(
            input=[
                {
                    "role": "user",
                    "content": [{"type": "input_text", "text": "{{ item.x | upper }}"}],
                }
            ]
        ),
        gk.TemplateError,
        "input[0].content[0].text=",
        id="template-filter-in-part",
    ),
    pytest.param(
        _sm(input=[{"role": "robot", "content": ["hi"]}]),
        gk.InvalidGrader,
        "input[0].role='robot' is not one of",
        id="bad-role",
    ),
    pytest.param(
        _sm(input=[{"role": "robot", "content": "hi", "type": "message"}]),
        gk.InvalidGrader,
        "input[0].role='robot' is not one of 'user', 'assistant', 'system', 'developer'; any "
        "other role is allowed only in an Evals criterion's simple message",
        id="bad-role-typed-message",
    ),
    pytest.param(
        _sm(range=[]),
        gk.InvalidGrader,
        "range=[] must be [min, max], two numbers with min < max, e.g. [0, 1]",
        id="range-empty",
    ),
    pytest.param(
        _sm(input=[{"role": "user", "content": ["ok", 5]}]),
        gk.InvalidGrader,
        "input[0].content[1]=5 must be a plain string or a content part",
        id="content-list-item-not-a-part",
    ),
    pytest.param(
        _sm(image_tag="2025-05-08"),
        gk.InvalidGrader,
        "image_tag='2025-05-08' belongs to python graders only",
        id="image-tag-on-score-model",
    ),
    pytest.param(
        {"type": "multi", "graders": {"j": {**_sm(), "id": "j-6b90ecbd"}}, "calculate_output": "j"},
        gk.InvalidGrader,
        "graders.j.id='j-6b90ecbd' is added by the service when it stores a criterion",
        id="service-echoed-id-inside-a-multi",
    ),
    pytest.param(_sm(range=[0, 1, 2]), gk.InvalidGrader, "range=[0, 1, 2]", id="range-of-three"),
    pytest.param(_sm(range=[1, 0]), gk.InvalidGrader, "min < max", id="range-reversed"),
    pytest.param(
        _sm(sampling_params={"max_completion_tokens": 5}),
        gk.InvalidGrader,
        "sampling_params.max_completion_tokens=5 is not a field",
        id="chat-spelling-of-max-tokens",
    ),
    pytest.param(
        {
            "type": "label_model",
            "name": "l",
            "model": "m",
            "input": [{"role": "user", "content": "x"}],
            "labels": ["a"],
            "passing_labels": ["b"],
        },
        gk.InvalidGrader,
        "passing_labels=['b'] must be a subset",
        id="label-subset",
    ),
    pytest.param(
        {
            "type": "text_similarity",
            "name": "t",
            "input": "a",
            "reference": "b",
            "evaluation_metric": "rouge",
        },
        gk.InvalidGrader,
        "did you mean 'rouge_l'?",
        id="unknown-metric",
    ),
    pytest.param(
        _sc(pass_threshold=0.5),
        gk.InvalidGrader,
        "pass_threshold=0.5 is not a field",
        id="threshold-on-string-check",
    ),
    pytest.param(
        {"type": "string_check", "name": "x", "input": "a", "operation": "eq"},
        gk.InvalidGrader,
        "reference is required but missing",
        id="missing-field",
    ),
    pytest.param(
        {"type": "strin_check"}, gk.InvalidGrader, "did you mean 'string_check'?", id="unknown-type"
    ),
    pytest.param({"name": "x"}, gk.InvalidGrader, "type is missing", id="no-type"),
    pytest.param("{not json", gk.InvalidGrader, "is not valid JSON", id="not-json"),
    pytest.param("[1, 2]", gk.InvalidGrader, "must be a JSON object", id="json-array"),
    pytest.param(_sc(input=3), gk.InvalidGrader, "input=3", id="wrong-type"),
]


@pytest.mark.parametrize(("data", "error", "message"), BAD)
def test_bad_json_is_refused_with_its_path(data: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        gk.from_openai(data)
    assert message in str(info.value)
    assert type(info.value) is error


def test_errors_carry_grader_field_and_value() -> None:
    with pytest.raises(gk.InvalidGrader) as info:
        gk.from_openai(
            {
                "type": "multi",
                "name": "m",
                "graders": {"c": _sc(operation="eqq")},
                "calculate_output": "c",
            }
        )
    assert (info.value.grader, info.value.field, info.value.value) == (
        "multi 'm'",
        "graders.c.operation",
        "eqq",
    )


TARGET_ERRORS = [
    pytest.param(
        gk.label_model(
            "x {{sample.output_text}}", model="m", labels=["a"], passing_labels=["a"], name="l"
        ),
        "fine_tuning",
        "cannot be the top-level grader",
        id="label-model-top-level",
    ),
    pytest.param(
        gk.multi({"a": gk.string_check("a", "b", name="a")}, "a", name="m"),
        "evals",
        "is only for fine-tuning",
        id="multi-as-criterion",
    ),
    pytest.param(
        gk.text_similarity("a", "b", name="t"),
        "evals",
        "pass_threshold is required for the Evals target",
        id="evals-needs-threshold",
    ),
]


@pytest.mark.parametrize(("grader", "target", "message"), TARGET_ERRORS)
def test_targets_refuse_misplaced_graders(grader: gk.GraderBase, target: Any, message: str) -> None:
    with pytest.raises(gk.InvalidGrader, match=message):
        gk.to_openai(grader, target)


def test_evals_target_accepts_threshold_and_schema_agrees() -> None:
    grader = gk.text_similarity("{{sample.output_text}}", "{{item.r}}", name="t").replace(
        pass_threshold=0.5
    )
    out = gk.to_openai(grader, "evals")
    assert out["pass_threshold"] == 0.5
    assert validate_payload(out, "evals") == []


def test_label_model_in_multi_compiles_for_fine_tuning() -> None:
    label = gk.label_model(
        "x {{sample.output_text}}", model="m", labels=["a", "b"], passing_labels=["a"], name="l"
    )
    out = gk.to_openai(gk.multi(label, name="wrapped"))
    assert out["calculate_output"] == "l" and out["graders"]["l"]["type"] == "label_model"
    assert validate_payload(out) == []


def test_to_json_is_text_of_to_openai() -> None:
    grader = gk.string_check("{{sample.output_text}}", "é", name="x")
    assert json.loads(gk.to_json(grader)) == gk.to_openai(grader)
    assert "é" in gk.to_json(grader)
