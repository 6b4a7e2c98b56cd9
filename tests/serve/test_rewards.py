"""The reward routes with real HTTP clients: the batch route (JSON and NDJSON) and OpenRLHF's
``/get_reward`` spoken exactly as OpenRLHF's remote-RM client speaks it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import httpx
import pytest
import requests
from serve_cases import CLINICAL, spec_example

import graderkit as gk

ANSWERS = ["acute appendicitis", "appendicitis", "gout", "", "Acute Appendicitis"]
ITEMS = [{"reference_answer": "acute appendicitis"}] * len(ANSWERS)


def _expected(grader: gk.GraderBase, samples: list[Any], items: list[Any]) -> dict[str, Any]:
    results = [gk.grade(grader, s, i) for s, i in zip(samples, items, strict=True)]
    keys = list(getattr(grader, "graders", {}))
    return {
        "grader": grader.result_name,
        "rewards": [r.reward for r in results],
        "sub_rewards": {k: [r.sub_rewards.get(k, 0.0) for r in results] for k in keys},
        "errors": [dict(r.errors) for r in results],
    }


def test_batch_by_name_equals_grading_each_row(server: str) -> None:
    reply = httpx.post(f"{server}/v1/rewards",
                       json={"grader": "clinical", "samples": ANSWERS, "items": ITEMS})  # fmt: skip
    assert reply.status_code == 200
    assert reply.json() == _expected(CLINICAL, ANSWERS, ITEMS)


def test_batch_inline_grader_with_requests_and_bad_rows(server: str) -> None:
    samples: list[Any] = ["gout", {"output_text": "gout"}, 42]
    items: list[Any] = [{"reference_answer": "gout"}, {}, {"reference_answer": "gout"}]
    body = {"grader": gk.to_openai(CLINICAL), "samples": samples, "items": items}
    reply = requests.post(f"{server}/v1/rewards", json=body, timeout=30)
    assert reply.status_code == 200
    got = reply.json()
    assert got == _expected(CLINICAL, samples, items)
    assert "invalid_variable_error" in got["errors"][1]
    assert "sample_parse_error" in got["errors"][2]


def test_batch_streams_ndjson_in_input_order(server: str) -> None:
    samples = ANSWERS * 300  # more than one streamed chunk
    items = ITEMS * 300
    body = {"grader": "clinical", "samples": samples, "items": items, "stream": True}
    with httpx.stream("POST", f"{server}/v1/rewards", json=body, timeout=30) as reply:
        assert reply.headers["content-type"].startswith("application/x-ndjson")
        rows = [json.loads(line) for line in reply.iter_lines() if line]
    expected = _expected(CLINICAL, samples, items)
    assert [r["index"] for r in rows] == list(range(len(samples)))
    assert [r["reward"] for r in rows] == expected["rewards"]
    assert [r["sub_rewards"]["fuzzy"] for r in rows] == expected["sub_rewards"]["fuzzy"]


def test_python_grader_batch_goes_through_the_sandbox(server: str) -> None:
    samples = ["fuzzy wuzzy was a bear", "fuzzy wuzzy had no hair", "bear"]
    items = [{"reference_answer": "fuzzy wuzzy had no hair"}] * 3
    for stream in (False, True):
        reply = httpx.post(f"{server}/v1/rewards", timeout=60,
                           json={"grader": "python", "samples": samples, "items": items,
                                 "stream": stream})  # fmt: skip
        assert reply.status_code == 200
        rewards = (
            [json.loads(line)["reward"] for line in reply.text.splitlines()]
            if stream
            else reply.json()["rewards"]
        )
        assert rewards[0] == 0.7555555555555555  # the service's observed reward
        assert rewards[1] == 1.0


def test_model_grader_batch_goes_through_the_engine(server: str) -> None:
    wire = spec_example("cookbook-score-model.json")
    reply = httpx.post(f"{server}/v1/rewards", timeout=60,
                       json={"grader": wire, "samples": ["a", "b"],
                             "items": [{"reference_answer": "a"}] * 2})  # fmt: skip
    assert reply.status_code == 200
    assert reply.json()["rewards"] == [1.0, 1.0]  # the fake judge's default reply
    assert reply.json()["errors"] == [{}, {}]


# ---- OpenRLHF ---------------------------------------------------------------------------------


async def _openrlhf_post(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What OpenRLHF's SingleTurnAgentExecutor._fetch_rewards_via_http sends and reads
    (openrlhf/utils/agent.py): aiohttp, ``json=payload``, raise_for_status, ``.json()``.

    OpenRLHF itself is not importable here: ``openrlhf.utils`` imports its DeepSpeed strategy
    (GPU dependencies) on import, so its wire protocol is reproduced, field for field."""
    timeout = aiohttp.ClientTimeout(total=180)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(url, json=payload) as response,
    ):
        response.raise_for_status()
        data: dict[str, Any] = await response.json()
        return data


def test_openrlhf_get_reward(server: str) -> None:
    prompt = "<|user|>Diagnosis?<|assistant|>"
    queries = [prompt + a for a in ANSWERS]
    labels = [json.dumps(item) for item in ITEMS]
    payload = {"query": queries, "prompts": [prompt] * len(queries), "labels": labels}
    for path in ("/get_reward?grader=clinical", "/v1/graders/clinical/get_reward"):
        info = asyncio.run(_openrlhf_post(server + path, payload))
        expected = _expected(CLINICAL, ANSWERS, ITEMS)
        assert info["rewards"] == expected["rewards"]
        # OpenRLHF reads "scores" (falling back to "rewards") and "extra_logs"
        assert info["scores"] == expected["rewards"]
        assert info["extra_logs"]["fuzzy"] == expected["sub_rewards"]["fuzzy"]
        assert info["extra_logs"]["graderkit_errors"] == [0.0] * len(ANSWERS)


def test_openrlhf_plain_labels_are_item_label(server: str) -> None:
    grader = gk.string_check("{{ sample.output_text }}", "{{ item.label }}", name="label")
    wire = gk.to_openai(grader)
    reply = httpx.post(f"{server}/v1/rewards", json={"grader": wire, "samples": ["4"],
                                                     "items": [{"label": "4"}]})  # fmt: skip
    assert reply.json()["rewards"] == [1.0]
    # /get_reward needs a registered grader: two are registered, so the name is required
    needs_name = httpx.post(f"{server}/get_reward", json={"query": ["x"]})
    assert needs_name.status_code == 400
    assert needs_name.json()["error"]["code"] == "unknown_grader"


@pytest.mark.parametrize(
    ("payload", "param"),
    [
        ({"query": "x"}, "query"),
        ({"query": ["x", 3]}, "query[1]"),
        ({"query": ["x"], "prompts": ["a", "b"]}, "prompts"),
        ({"query": ["x"], "labels": ["a", "b"]}, "labels"),
        ({}, "query"),
    ],
)
def test_openrlhf_bad_bodies_are_400_with_a_path(
    server: str, payload: dict[str, Any], param: str
) -> None:
    reply = httpx.post(f"{server}/get_reward?grader=clinical", json=payload)
    assert reply.status_code == 400
    assert reply.json()["error"]["param"] == param
