"""The official ``openai`` client, only ``base_url`` changed, against ``graderkit serve``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from serve_cases import CLINICAL, JUDGE_KEY, SPEC, spec_example

import graderkit as gk
from graderkit._run.judge.engine import ModelEngine
from graderkit.testing.fake_openai import FakeOpenAI

GRADERS = sorted(p.name for p in SPEC.glob("*.json") if p.name != "observed.json")
SAMPLE = json.dumps({"name": "Ada", "email": "ada@example.com"})
ITEM = {
    "name": "Ada",
    "email": "ada@example.com",
    "reference_answer": SAMPLE,
    "reference_summary": "a short summary",
    "smiles": "CCO",
    "image_url": "https://example.com/x.png",
}
OBSERVED = [
    json.loads(line)
    for line in (SPEC.parent / "golden" / "observed.jsonl").read_text().splitlines()
]


@pytest.fixture(scope="module")
def reference(judge: FakeOpenAI) -> Iterator[gk.Runner]:
    """An in-process runner with the same judge: what gk.grade says."""
    engine = ModelEngine.from_env(base_url=judge.base_url, api_key=JUDGE_KEY, timeout=10.0)
    with gk.Runner(models=engine, python=gk.PythonSandbox(workers=1)) as runner:
        yield runner


def _client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key="sk-anything", max_retries=0)


def _call(url: str, mode: str, method: str, **body: Any) -> Any:
    if mode == "sync":
        with _client(url) as client:
            return getattr(client.fine_tuning.alpha.graders, method)(**body)

    async def go() -> Any:
        async with openai.AsyncOpenAI(
            base_url=f"{url}/v1", api_key="sk-anything", max_retries=0
        ) as client:
            return await getattr(client.fine_tuning.alpha.graders, method)(**body)

    return asyncio.run(go())


def _without_time(body: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(body))
    out["metadata"].pop("execution_time")
    return out


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("name", GRADERS)
def test_run_equals_gk_grade_on_every_golden_example(
    server: str, reference: gk.Runner, name: str, mode: str
) -> None:
    wire = spec_example(name)
    reply = _call(server, mode, "run", grader=wire, model_sample=SAMPLE, item=ITEM)
    with pytest.warns() if name == "guide-json-fields-multi.json" else _nothing():
        grader = gk.from_openai(wire)
    expected = gk.grade(grader, SAMPLE, ITEM, runner=reference).to_dict()
    got = reply.to_dict(
        warnings=False
    )  # the SDK types token_usage as int; the service sends an object
    assert isinstance(got["metadata"]["execution_time"], float)
    assert _without_time(got) == _without_time(expected)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("name", GRADERS)
def test_validate_echoes_what_from_openai_loads(server: str, name: str, mode: str) -> None:
    wire = spec_example(name)
    reply = _call(server, mode, "validate", grader=wire)
    with pytest.warns() if name == "guide-json-fields-multi.json" else _nothing():
        expected = gk.to_openai(gk.from_openai(wire))
    assert reply.to_dict(warnings=False) == {"grader": expected}  # the SDK mistypes multi


@pytest.mark.parametrize("case", OBSERVED, ids=lambda c: c["grader"]["type"])
def test_run_reproduces_the_services_observed_results(server: str, case: dict[str, Any]) -> None:
    body = {k: case[k] for k in ("grader", "model_sample", "item")}
    reply = _call(server, "sync", "run", **body)
    assert reply.reward == case["response"]["reward"]


def test_the_documented_score_model_example(server: str) -> None:
    """API-RUN's example: a score_model judging "fuzzy wuzzy was a bear" (the judge says 1)."""
    grader = {
        "type": "score_model",
        "name": "Example score model grader",
        "input": [{"role": "user", "content": "Score how close {{sample.output_text}} is to "
                   "{{item.reference_answer}} from 0 to 1."}],
        "model": "gpt-4o-2024-08-06",
        "range": [0, 1],
    }  # fmt: skip
    item = {"reference_answer": "fuzzy wuzzy was a bear"}
    reply = _call(server, "async", "run", grader=grader, model_sample=item["reference_answer"],
                  item=item)  # fmt: skip
    assert reply.reward == 1.0
    assert reply.metadata.type == "score_model"
    assert reply.model_grader_token_usage_per_model["gpt-4o-2024-08-06"]["total_tokens"] > 0


def test_run_fuzzy_exact_multi(server: str) -> None:
    reply = _call(server, "sync", "run", grader=gk.to_openai(CLINICAL),
                  model_sample="acute appendicitis", item={"reference_answer": "appendicitis"})  # fmt: skip
    expected = gk.grade(CLINICAL, "acute appendicitis", {"reference_answer": "appendicitis"})
    assert reply.reward == expected.reward
    assert reply.sub_rewards == expected.sub_rewards


@pytest.mark.parametrize(
    ("wire", "param"),
    [
        ({"type": "string_check", "name": "x", "input": "a", "reference": "b",
          "operation": "neq!"}, "grader.operation"),
        ({"type": "multi", "name": "m", "calculate_output": "a",
          "graders": {"a": {"type": "string_check", "name": "a", "input": "a",
                            "reference": "b", "operation": "same"}}},
         "grader.graders.a.operation"),
        ({"type": "nope"}, "grader.type"),
        ({"type": "label_model", "name": "l", "model": "gpt-4.1", "labels": ["a", "b"],
          "passing_labels": ["a"], "input": [{"role": "user", "content": "x"}]}, "grader.type"),
    ],
    ids=["operation", "nested-operation", "unknown-type", "label-model-at-top"],
)  # fmt: skip
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_invalid_graders_are_400_with_the_json_path(
    server: str, wire: dict[str, Any], param: str, mode: str
) -> None:
    for method, extra in (("validate", {}), ("run", {"model_sample": "a"})):
        with pytest.raises(openai.BadRequestError) as caught:
            _call(server, mode, method, grader=wire, **extra)
        assert caught.value.status_code == 400
        assert caught.value.param == param
        assert caught.value.code == "invalid_grader"
        assert caught.value.type == "invalid_request_error"
        assert set(caught.value.body) == {"message", "type", "param", "code"}  # type: ignore[arg-type]


def test_wrong_types_name_the_field(server: str) -> None:
    wire = gk.to_openai(CLINICAL)
    with pytest.raises(openai.BadRequestError) as caught:
        _call(server, "sync", "run", grader=wire, model_sample=3)
    assert caught.value.param == "model_sample"
    with pytest.raises(openai.BadRequestError) as caught:
        _call(server, "sync", "run", grader=wire, model_sample="a", item=[1])
    assert caught.value.param == "item"


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
