"""Requests of model graders: rendered messages, structured reply, sampling parameters."""

from __future__ import annotations

import warnings
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

import graderkit as gk
from graderkit._core.judge.request import (
    DEFAULT_MAX_COMPLETION_TOKENS,
    build_request,
    build_warnings,
    is_reasoning_model,
    response_format,
    sampling_fields,
)
from graderkit._core.templating.template import MissingVariable


def _quiet(factory: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gk.GraderkitWarning)
        return factory(*args, **kwargs)


def _score(input: Any = "Rate {{ sample.output_text }}", **kw: Any) -> gk.ScoreModelGrader:
    kw.setdefault("model", "gpt-4.1-2025-04-14")
    return _quiet(gk.score_model, input, name="judge", **kw)  # type: ignore[no-any-return]


def _label(**kw: Any) -> gk.LabelModelGrader:
    kw.setdefault("model", "gpt-4.1-mini")
    return _quiet(  # type: ignore[no-any-return]
        gk.label_model,
        "Length of {{ sample.output_text }}?",
        labels=["too short", "just right", "too long"],
        passing_labels=["just right"],
        name="length",
        **kw,
    )


# ---- messages -------------------------------------------------------------------------------


def test_string_messages_are_rendered_and_roles_kept() -> None:
    grader = _score(
        [
            {"role": "system", "content": "You grade clinical answers."},
            {"role": "developer", "content": "Be strict."},
            {
                "role": "user",
                "content": "Ref: {{item.reference_answer}}. Got: {{sample.output_text}}",
            },
        ]
    )
    body = build_request(grader, {"output_text": "sepsis"}, {"reference_answer": "septic shock"})
    assert body["messages"][1:] == [
        {"role": "system", "content": "You grade clinical answers."},
        {"role": "developer", "content": "Be strict."},
        {"role": "user", "content": "Ref: septic shock. Got: sepsis"},
    ]
    assert body["model"] == "gpt-4.1-2025-04-14"


def test_content_parts_map_to_chat_completions_parts() -> None:
    grader = _score(
        [
            {
                "role": "user",
                "type": "message",
                "content": [
                    {"type": "input_text", "text": "Does {{ sample.output_text }} match?"},
                    {"type": "input_image", "image_url": "{{ item.url }}", "detail": "low"},
                    {"type": "input_image", "image_url": "https://x/{{ item.n }}.png"},
                    {
                        "type": "input_audio",
                        "input_audio": {"data": "{{ item.clip }}", "format": "wav"},
                    },
                ],
            },
            {
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Prior: {{item.n}}"}],
            },
            {"role": "user", "content": {"type": "input_text", "text": "single part"}},
        ]
    )
    item = {"url": "https://img/1.png", "n": 7, "clip": "UklGRg=="}
    body = build_request(grader, {"output_text": "a cat"}, item)
    assert body["messages"][1:] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Does a cat match?"},
                {"type": "image_url", "image_url": {"url": "https://img/1.png", "detail": "low"}},
                {"type": "image_url", "image_url": {"url": "https://x/7.png"}},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
            ],
        },
        {"role": "assistant", "content": [{"type": "text", "text": "Prior: 7"}]},
        {"role": "user", "content": [{"type": "text", "text": "single part"}]},
    ]


def test_image_given_only_by_file_id_becomes_a_file_part() -> None:
    grader = _score(
        [
            {
                "role": "user",
                "content": [{"type": "input_image", "image_url": "", "file_id": "file-1"}],
            }
        ]
    )
    body = build_request(grader, {"output_text": "x"}, {})
    assert body["messages"][1]["content"] == [{"type": "file", "file": {"file_id": "file-1"}}]


@pytest.mark.parametrize(
    "content",
    [
        "Ref {{ item.missing }}",
        [{"type": "input_text", "text": "{{ item.missing }}"}],
        [{"type": "input_image", "image_url": "{{ item.missing }}"}],
        [{"type": "input_audio", "input_audio": {"data": "{{ item.missing }}", "format": "mp3"}}],
    ],
    ids=["string", "input_text", "input_image", "input_audio"],
)
def test_missing_variable_raises_naming_the_path(content: Any) -> None:
    grader = _score([{"role": "user", "content": content}])
    with pytest.raises(MissingVariable) as info:
        build_request(grader, {"output_text": "x"}, {"other": 1})
    assert "item.missing" in str(info.value)


@given(st.text(), st.text())
def test_rendering_substitutes_the_values_verbatim(answer: str, reference: str) -> None:
    grader = _score("A: {{ sample.output_text }} | R: {{ item.ref }}")
    body = build_request(grader, {"output_text": answer}, {"ref": reference})
    assert body["messages"][1:] == [{"role": "user", "content": f"A: {answer} | R: {reference}"}]


# ---- structured reply -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("range_", "text"),
    [(None, "0 to 1"), ((1, 5), "1 to 5"), ((0.5, 2.25), "0.5 to 2.25"), ((-1.0, 1.0), "-1 to 1")],
)
def test_score_model_asks_for_a_number_in_range(range_: Any, text: str) -> None:
    grader = _score(range=range_) if range_ is not None else _score()
    fmt = response_format(grader)
    assert fmt["type"] == "json_schema"
    spec = fmt["json_schema"]
    assert spec["name"] == "float_score_classification" and spec["strict"] is True
    result = spec["schema"]["properties"]["result"]
    assert result["type"] == "number"
    assert f"inclusive range {text}." in result["description"]


def test_label_model_asks_for_one_of_the_labels() -> None:
    fmt = response_format(_label())
    result = fmt["json_schema"]["schema"]["properties"]["result"]
    assert result["enum"] == ["too short", "just right", "too long"]
    assert result["type"] == "string"


@pytest.mark.parametrize(
    ("reply", "valid"),
    [
        ({"steps": [{"description": "d", "conclusion": "c"}], "result": 0.5}, True),
        ({"steps": [], "result": 1}, True),
        ({"result": 0.5}, False),
        ({"steps": [], "result": "0.5"}, False),
        ({"steps": [{"description": "d"}], "result": 0.5}, False),
        ({"steps": [], "result": 0.5, "extra": 1}, False),
    ],
)
def test_score_schema_is_strict(reply: dict[str, Any], valid: bool) -> None:
    schema = response_format(_score())["json_schema"]["schema"]
    ok = jsonschema.Draft202012Validator(schema).is_valid(reply)
    assert ok is valid


def test_label_schema_rejects_unknown_labels() -> None:
    validator = jsonschema.Draft202012Validator(response_format(_label())["json_schema"]["schema"])
    assert validator.is_valid({"steps": [], "result": "just right"})
    assert not validator.is_valid({"steps": [], "result": "fine"})


# ---- sampling parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "params", "expected"),
    [
        ("gpt-4.1", None, {"temperature": 1, "top_p": 1, "max_completion_tokens": 4096}),
        (
            "gpt-4.1",
            {"seed": 42, "temperature": 0},
            {"seed": 42, "temperature": 0, "top_p": 1, "max_completion_tokens": 4096},
        ),
        (
            "gpt-4o",
            {"top_p": 0.5, "max_completions_tokens": 300},
            {"temperature": 1, "top_p": 0.5, "max_completion_tokens": 300},
        ),
        ("gpt-4o", {"max_tokens": 50}, {"temperature": 1, "top_p": 1, "max_completion_tokens": 50}),
        (
            "gpt-4.1",
            {"reasoning_effort": "high", "temperature": 0.2},
            {"temperature": 0.2, "top_p": 1, "max_completion_tokens": 4096},
        ),
        (
            "o4-mini-2025-04-16",
            {"reasoning_effort": "medium", "max_completions_tokens": 4096},
            {"reasoning_effort": "medium", "max_completion_tokens": 4096},
        ),
        (
            "o3",
            {"temperature": 0, "top_p": 0.1, "seed": 1},
            {"seed": 1, "max_completion_tokens": 4096},
        ),
        ("gpt-5-mini", None, {"max_completion_tokens": 4096}),
    ],
)
def test_sampling_params_mapping(model: str, params: Any, expected: dict[str, Any]) -> None:
    body = build_request(_score(model=model, sampling_params=params), {"output_text": "x"}, {})
    sent = {k: v for k, v in body.items() if k not in ("model", "messages", "response_format")}
    assert sent == expected
    assert "max_completions_tokens" not in body and "max_tokens" not in body


def test_default_completion_limit_is_the_services() -> None:
    assert DEFAULT_MAX_COMPLETION_TOKENS == 4096
    assert sampling_fields(None, reasoning=True) == {"max_completion_tokens": 4096}


def test_reasoning_can_be_decided_by_the_caller() -> None:
    grader = _score(model="my-azure-deployment", sampling_params={"reasoning_effort": "low"})
    assert "reasoning_effort" not in build_request(grader, {"output_text": "x"}, {})
    body = build_request(grader, {"output_text": "x"}, {}, reasoning=True)
    assert body["reasoning_effort"] == "low" and "temperature" not in body


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("o1", True),
        ("o1-2024-12-17", True),
        ("o3-mini-2025-01-31", True),
        ("o3", True),
        ("o4-mini", True),
        ("openai/o4-mini", True),
        ("gpt-5", True),
        ("gpt-5-mini", True),
        ("gpt-5.1", True),
        ("GPT-5-nano", True),
        ("gpt-5-chat-latest", False),
        ("gpt-4.1-2025-04-14", False),
        ("gpt-4o-mini", False),
        ("omni-moderation", False),
        ("llama3.1:8b", False),
        ("Qwen/Qwen3-8B", False),
    ],
)
def test_is_reasoning_model(model: str, expected: bool) -> None:
    assert is_reasoning_model(model) is expected


@pytest.mark.parametrize(
    ("model", "params", "fragments"),
    [
        ("o4-mini", {"temperature": 0}, ["temperature=0", "reasoning model o4-mini"]),
        ("o3", {"top_p": 0.5}, ["top_p=0.5"]),
        ("gpt-4.1", {"reasoning_effort": "low"}, ["reasoning_effort='low'", "non-reasoning"]),
    ],
)
def test_build_warnings_name_the_refused_field(
    model: str, params: Any, fragments: list[str]
) -> None:
    messages = build_warnings(_score(model=model, sampling_params=params))
    assert len(messages) == 1
    for fragment in fragments:
        assert fragment in messages[0]


@pytest.mark.parametrize(
    ("model", "params"),
    [
        ("gpt-4.1", {"temperature": 0, "seed": 42}),
        ("o4-mini", {"reasoning_effort": "high", "temperature": 1}),
        ("o4-mini", None),
    ],
)
def test_no_warnings_for_accepted_combinations(model: str, params: Any) -> None:
    assert build_warnings(_score(model=model, sampling_params=params)) == []


def test_factory_warns_at_build_time() -> None:
    with pytest.warns(gk.GraderkitWarning, match="temperature"):
        gk.score_model("x", model="o3-mini", name="j", sampling_params={"temperature": 0.2})


def test_label_model_request() -> None:
    body = build_request(_label(sampling_params={"seed": 3}), {"output_text": "ok"}, {})
    assert body["messages"][1:] == [{"role": "user", "content": "Length of ok?"}]
    assert body["seed"] == 3
    assert body["response_format"]["json_schema"]["name"] == "label_classification"


def test_request_is_json_serialisable_and_holds_no_credentials() -> None:
    import json

    body = build_request(_score(sampling_params={"seed": 1}), {"output_text": "x"}, {})
    text = json.dumps(body)
    assert "api_key" not in text and "Authorization" not in text


# ---------------------------------------------------------------- the service's developer message

RECORDED = (
    'Respond ONLY with a single JSON object matching: {"steps":[{"description":"string",'
    '"conclusion":"string"}],"result":number}. Do not include any extra text. result must be a '
    "float in [0.0, 1.0]."
)
"""Verbatim from Azure/azure-sdk-for-python sdk/evaluation/azure-ai-evaluation/samples/audio/
eval_output.json: the first message of the judge's recorded input (range [0, 1])."""


def test_score_model_request_starts_with_the_recorded_developer_message() -> None:
    grader = _score(
        [
            {"role": "system", "content": "You grade audio answers."},
            {"role": "user", "content": "Answer: {{ sample.output_text }}"},
        ]
    )
    body = build_request(grader, {"output_text": "yes"}, {})
    assert body["messages"] == [
        {"role": "developer", "content": RECORDED},
        {"role": "system", "content": "You grade audio answers."},
        {"role": "user", "content": "Answer: yes"},
    ]


@pytest.mark.parametrize(
    ("bounds", "written"),
    [((0, 1), "[0.0, 1.0]"), ((1, 7), "[1.0, 7.0]"), ((-0.5, 2.25), "[-0.5, 2.25]"),
     ((0, 100), "[0.0, 100.0]")],
)  # fmt: skip
def test_the_range_is_written_as_floats(bounds: tuple[float, float], written: str) -> None:
    grader = gk.score_model("x", model="gpt-4.1", range=bounds, name="j")
    text = build_request(grader, {"output_text": "x"}, {})["messages"][0]["content"]
    assert text.endswith(f"result must be a float in {written}.")


def test_label_model_gets_the_same_sentence_with_its_labels_in_order() -> None:
    grader = gk.label_model("x", model="gpt-4.1", labels=["too long", "just right", "too short"],
                            passing_labels=["just right"], name="l")  # fmt: skip
    first = build_request(grader, {"output_text": "x"}, {})["messages"][0]
    assert first == {
        "role": "developer",
        "content": 'Respond ONLY with a single JSON object matching: {"steps":[{"description":'
        '"string","conclusion":"string"}],"result":string}. Do not include any extra text. '
        "result must be one of: too long, just right, too short.",
    }


def test_structured_output_can_be_dropped_for_servers_that_refuse_it() -> None:
    grader = _score("Rate {{ sample.output_text }}")
    with_format = build_request(grader, {"output_text": "x"}, {})
    without = build_request(grader, {"output_text": "x"}, {}, structured=False)
    assert "response_format" in with_format and "response_format" not in without
    assert without["messages"] == with_format["messages"]
    assert without["messages"][0]["role"] == "developer"


def test_an_evals_only_role_is_sent_as_given() -> None:
    grader = _score([{"role": "critic", "content": "Rate {{ sample.output_text }}"}])
    assert build_request(grader, {"output_text": "x"}, {})["messages"][1]["role"] == "critic"
