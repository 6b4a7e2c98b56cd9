"""An eval exactly as the service returns it (Azure's echo, see tests/fixtures/evals/README.md)
loads, keeps its echo-only fields as metadata, compiles clean criteria and runs locally: the
python criterion in the real sandbox, the endpoint criterion against a real loopback server."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import graderkit as gk
from graderkit._core.workflow.evals_rules import EvalDefinition, load_eval
from graderkit._run.judge.engine import ModelEngine
from graderkit._run.workflow.evals_migration import run_eval, write_criteria
from graderkit.schema import validate_payload
from graderkit.testing.fake_openai import FakeOpenAI, FakeRequest, Response, endpoint_score

ECHO = Path(__file__).parent.parent / "fixtures" / "evals" / "azure-countdown-echo.eval.json"
KEY = "real-functions-key"


def _load() -> EvalDefinition:
    with pytest.warns(
        gk.GraderkitWarning,
        match=r"testing_criteria\[1\]\.headers\.X-Functions-Key='\*\*\*\*\*\*\*\*' is masked",
    ):
        return load_eval(ECHO.read_text(encoding="utf-8"))


def test_the_echo_loads_with_its_service_fields_kept_as_metadata() -> None:
    raw = json.loads(ECHO.read_text(encoding="utf-8"))
    definition = _load()
    python, remote = definition.criteria
    assert [c.id for c in definition.criteria] == [c["id"] for c in raw["testing_criteria"]]
    assert python.echo == {k: raw["testing_criteria"][0][k]
                           for k in ("id", "grdr_id", "created_at", "inactive_at")}  # fmt: skip
    assert remote.echo["max_rps"] == 50 and remote.echo["inactive_at"] is None
    assert isinstance(remote.grader, gk.EndpointGrader) and remote.grader.rate_limit == 50
    assert definition.echo["object"] == "eval" and definition.echo["created_by"] == "Prakhar Gupta"
    assert definition.item_schema == raw["data_source_config"]["schema"]["item"]


def test_compiled_criteria_drop_every_echo_only_field(tmp_path: Path) -> None:
    written = write_criteria(_load(), tmp_path)
    payloads = [json.loads(p.read_text()) for p in written if p.suffix == ".json"]
    assert [p["type"] for p in payloads] == ["python", "endpoint"]
    for payload in payloads:
        assert not {"id", "grdr_id", "created_at", "inactive_at", "max_rps"} & set(payload)
        assert validate_payload(payload, "evals") == []
    assert payloads[1]["rate_limit"] == 50
    module = (tmp_path / "criteria.py").read_text()
    assert "grdr_id" not in module and "gk.from_openai(" in module


def _countdown(request: FakeRequest) -> Response:
    if request.headers.get("x-functions-key") != KEY:
        return endpoint_score(None, status=401)
    answer = json.loads(request.body["sample"]["output_text"])
    return endpoint_score(float(int(answer["result"]) == request.body["item"]["target"]))


@pytest.mark.slow
def test_the_echoed_eval_runs_locally_with_both_criteria() -> None:
    definition = _load()
    python, remote = definition.criteria
    rows = [
        {"item": {"target": 47, "nums": [86, 22, 88, 72]},
         "sample": {"output_text": '{"expression": "(72 + 22) / (88 - 86)", "result": "47"}'}},
        {"item": {"target": 10, "nums": [2, 5]},
         "sample": {"output_text": '{"expression": "2 + 5", "result": "7"}'}},
    ]  # fmt: skip
    with FakeOpenAI(endpoint=_countdown) as server:
        local = dataclasses.replace(
            remote,
            grader=remote.grader.replace(url=server.endpoint_url, headers={"X-Functions-Key": KEY}),
        )
        ready = dataclasses.replace(definition, criteria=(python, local))
        engine = ModelEngine.from_env(base_url=server.base_url, api_key="sk-test")
        with gk.Runner(models=engine) as runner:
            run = run_eval(ready, rows, runner=runner)
    assert run.result_counts == {"total": 2, "errored": 0, "failed": 1, "passed": 1}
    per_row = [[(o.criterion.id, o.result.reward, o.passed) for o in row] for row in run.outcomes]
    assert per_row == [
        [(python.id, 1.0, True), (remote.id, 1.0, True)],
        [(python.id, 0.0, False), (remote.id, 0.0, False)],
    ]
    assert server.request_count == 2
