"""Judge replies -> results: clamping, labels, error flags, token usage, result shape."""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graderkit as gk
from graderkit._core.judge.reply import (
    ChatFailure,
    ChatReply,
    Usage,
    clamp_score,
    interpret_reply,
)
from graderkit.errors import DETAILS_KEYS, ERROR_FLAGS


def _score(range_: tuple[float, float] | None = None) -> gk.ScoreModelGrader:
    kw: dict[str, Any] = {} if range_ is None else {"range": range_}
    return gk.score_model("Rate {{ sample.output_text }}", model="gpt-4.1", name="judge", **kw)


def _label() -> gk.LabelModelGrader:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gk.label_model(
            "x", model="gpt-4.1-mini", labels=["bad", "ok", "good"],
            passing_labels=["ok", "good"], name="quality",
        )  # fmt: skip


def _reply(result: Any = 0.5, **kw: Any) -> ChatReply:
    content = json.dumps({"steps": [{"description": "d", "conclusion": "c"}], "result": result})
    kw.setdefault("finish_reason", "stop")
    kw.setdefault("usage", Usage(100, 20, 120, 64))
    kw.setdefault("model", "gpt-4.1-2025-04-14")
    return ChatReply(content=kw.pop("content", content), **kw)


@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
    st.floats(-100, 100),
    st.floats(0.001, 100),
)
def test_reward_is_the_result_clamped_to_range(result: float, lo: float, width: float) -> None:
    hi = lo + width
    r = interpret_reply(_score((lo, hi)), _reply(result))
    assert r.ok
    assert r.reward == min(max(result, lo), hi)
    assert lo <= r.reward <= hi
    assert r.scores["result"] == result


@pytest.mark.parametrize("result", [0, 1, 0.25, 3, -1])
def test_default_range_is_zero_to_one(result: float) -> None:
    assert interpret_reply(_score(), _reply(result)).reward == clamp_score(result, (0, 1))


@pytest.mark.parametrize(("label", "reward"), [("bad", 0.0), ("ok", 1.0), ("good", 1.0)])
def test_label_reward_is_membership_in_passing_labels(label: str, reward: float) -> None:
    r = interpret_reply(_label(), _reply(label))
    assert (r.reward, r.ok, r.scores["result"]) == (reward, True, label)


def _flag_of(grader: Any, reply: ChatReply) -> str:
    r = interpret_reply(grader, reply)
    assert r.reward == 0.0
    assert len(r.errors) == 1
    return next(iter(r.errors))


@pytest.mark.parametrize(
    ("reply", "flag"),
    [
        (_reply(content="not json {"), "model_grader_parse_error"),
        (_reply(content='{"steps": []'), "model_grader_parse_error"),
        (_reply(content="[0.5]"), "model_grader_parse_error"),
        (_reply(content='{"steps": []}'), "model_grader_parse_error"),
        (_reply(content=""), "model_grader_parse_error"),
        (_reply(content=None), "model_grader_parse_error"),
        (_reply("0.7"), "model_grader_parse_error"),
        (_reply(True), "model_grader_parse_error"),
        (_reply(None), "model_grader_parse_error"),
        (_reply({"score": 1}), "model_grader_parse_error"),
        (_reply(content='{"steps": [], "result": NaN}'), "model_grader_parse_error"),
        (_reply(content='{"steps": [], "result": Infinity}'), "model_grader_parse_error"),
        (ChatReply(content=None, refusal="I can't help with that."), "model_grader_refusal_error"),
        (_reply(0.5, finish_reason="content_filter"), "model_grader_refusal_error"),
        (_reply(content='{"steps": [{"descr', finish_reason="length"), "model_grader_exceeded_max_tokens_error"),
    ],
    ids=[
        "garbage", "truncated-json", "array", "no-result", "empty", "none", "numeric-string",
        "bool", "null", "object", "nan", "infinity", "refusal", "content-filter", "length",
    ],
)  # fmt: skip
def test_score_model_failures_raise_one_flag(reply: ChatReply, flag: str) -> None:
    assert _flag_of(_score(), reply) == flag


@pytest.mark.parametrize("result", ["fine", "OK", 1, None])
def test_unknown_label_is_a_parse_error(result: Any) -> None:
    assert _flag_of(_label(), _reply(result)) == "model_grader_parse_error"


def test_refusal_details_carry_the_refusal() -> None:
    r = interpret_reply(_score(), ChatReply(content=None, refusal="No."))
    assert r.to_dict()["metadata"]["errors"]["model_grader_refusal_error_details"] == "No."


def test_transport_failure_is_a_server_error_with_details() -> None:
    r = interpret_reply(
        _score(), ChatFailure("HTTP 500: boom (5 attempts)", status=500, attempts=5)
    )
    errors = r.to_dict()["metadata"]["errors"]
    assert errors["model_grader_server_error"] is True
    assert errors["model_grader_server_error_details"] == "HTTP 500: boom (5 attempts)"
    assert r.reward == 0.0 and r.token_usage is None and r.token_usage_per_model == {}


def test_parse_error_details_quote_the_reply() -> None:
    r = interpret_reply(_score(), _reply(content="The score is 7"))
    details = r.to_dict()["metadata"]["errors"]["model_grader_parse_error_details"]
    assert "The score is 7" in details


def test_usage_and_model_are_reported_even_on_errors() -> None:
    r = interpret_reply(_score(), _reply("high"))
    assert r.token_usage == {
        "prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120, "cached_tokens": 64,
    }  # fmt: skip
    assert r.token_usage_per_model == {"gpt-4.1-2025-04-14": r.token_usage}
    assert r.sampled_model_name == "gpt-4.1-2025-04-14"


def test_sampled_model_defaults_to_the_graders_model() -> None:
    r = interpret_reply(_score(), _reply(0.5, model=None, usage=None))
    assert r.sampled_model_name == "gpt-4.1" and r.token_usage is None
    assert r.token_usage_per_model == {}


def test_result_shape_is_the_services() -> None:
    out = replace(interpret_reply(_score(), _reply(0.5)), execution_time=0.25).to_dict()
    assert set(out) == {"reward", "metadata", "sub_rewards", "model_grader_token_usage_per_model"}
    meta = out["metadata"]
    assert set(meta) == {
        "name", "type", "errors", "execution_time", "scores", "token_usage", "sampled_model_name",
    }  # fmt: skip
    assert (meta["name"], meta["type"], meta["execution_time"]) == ("judge", "score_model", 0.25)
    assert set(meta["token_usage"]) == {
        "prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens",
    }  # fmt: skip
    assert set(meta["errors"]) == set(ERROR_FLAGS) | set(DETAILS_KEYS.values())
    assert not any(meta["errors"][f] for f in ERROR_FLAGS)
    assert meta["scores"]["steps"] == [{"description": "d", "conclusion": "c"}]
    json.dumps(out)


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (
            {"prompt_tokens": 190, "completion_tokens": 134, "total_tokens": 324,
             "prompt_tokens_details": {"cached_tokens": 10}},
            Usage(190, 134, 324, 10),
        ),
        ({"prompt_tokens": 5, "completion_tokens": 2}, Usage(5, 2, 7, 0)),
        ({}, Usage(0, 0, 0, 0)),
        (None, None),
    ],
)  # fmt: skip
def test_usage_from_api(usage: Any, expected: Usage | None) -> None:
    assert Usage.from_api(usage) == expected


def test_reply_from_api_and_round_trip() -> None:
    body = {
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "message": {"role": "assistant", "content": "{}", "refusal": None},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
    }
    reply = ChatReply.from_api(body)
    assert reply == ChatReply("{}", None, "stop", Usage(3, 4, 7, 0), "gpt-4o-2024-08-06")
    assert ChatReply.from_dict(json.loads(json.dumps(reply.to_dict()))) == reply


@pytest.mark.parametrize("body", [{}, {"choices": []}, {"choices": [{"finish_reason": "stop"}]}])
def test_reply_from_api_rejects_bodies_without_a_message(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="choices"):
        ChatReply.from_api(body)


def test_clamp_keeps_values_inside() -> None:
    assert clamp_score(math.pi / 4, (0, 1)) == math.pi / 4
