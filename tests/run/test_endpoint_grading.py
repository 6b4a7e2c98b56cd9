"""Endpoint graders run locally: real HTTP to a loopback server, through the judge engine's
retries, cache and cassettes, with the service's error flags for every failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import graderkit as gk
from graderkit._run.judge.cassette import Cassette
from graderkit._run.judge.engine import ModelEngine
from graderkit._run.judge.retry import RetryPolicy
from graderkit.testing.fake_openai import (
    Drop,
    FakeOpenAI,
    FakeRequest,
    HTTPError,
    RawBody,
    Response,
    endpoint_score,
)

SECRET = "functions-key-0123456789"
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)


def _countdown(request: FakeRequest) -> Response:
    """An endpoint grading like the Azure demo's: 1.0 when the answer equals the target."""
    body = request.body
    return endpoint_score(float(body["sample"]["output_text"] == str(body["item"]["target"])))


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(endpoint=_countdown) as fake:
        yield fake


def _runner(server: FakeOpenAI, **options: Any) -> gk.Runner:
    engine = ModelEngine.from_env(base_url=server.base_url, api_key="sk-test", retry=FAST,
                                  **options)  # fmt: skip
    return gk.Runner(models=engine)


def _grader(server: FakeOpenAI, **changes: Any) -> gk.EndpointGrader:
    return gk.endpoint(server.endpoint_url, name="remote",
                       headers={"X-Functions-Key": SECRET}, **changes)  # fmt: skip


def test_the_endpoint_gets_sample_and_item_and_its_score_is_the_reward(server: FakeOpenAI) -> None:
    grader = _grader(server, pass_threshold=1.0)
    with _runner(server) as runner:
        hit = runner.grade(grader, "47", {"target": 47})
        miss = runner.grade(grader, "46", {"target": 47})
    assert (hit.reward, hit.passed, hit.errors) == (1.0, True, {})
    assert (miss.reward, miss.passed) == (0.0, False)
    first = server.requests[0]
    assert first.path == "/endpoint/grade"
    assert first.body == {"sample": {"output_text": "47", "output_json": None, "output_tools": [],
                                     "choices": []}, "item": {"target": 47}}  # fmt: skip
    assert first.headers["x-functions-key"] == SECRET
    assert first.headers["content-type"] == "application/json"


def test_an_endpoint_needs_no_model_credentials(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    with gk.Runner() as runner:
        result = runner.grade(_grader(server), "47", {"target": 47})
    assert result.reward == 1.0


@pytest.mark.parametrize(
    ("reply", "fragment"),
    [
        (endpoint_score("high"), "the reply's 'score' is not a finite number: 'high'"),
        (endpoint_score(True), "the reply's 'score' is not a finite number: True"),
        (RawBody(b'{"score": NaN}'), "not a finite number: nan"),
        (RawBody(b'{"reward": 1}'), 'the reply is not a JSON object with a "score": {"reward": 1}'),
        (RawBody(b"[1, 2]"), 'the reply is not a JSON object with a "score": [1, 2]'),
        (RawBody(b"<html>oops</html>"), 'with a "score": <html>oops</html>'),
    ],
    ids=["string", "bool", "nan", "no-score", "list", "not-json"],
)
def test_a_reply_without_a_numeric_score_is_an_internal_error_flag(
    server: FakeOpenAI, reply: Response, fragment: str
) -> None:
    server.enqueue(reply)
    with _runner(server) as runner:
        result = runner.grade(_grader(server), "47", {"target": 47})
    assert result.reward == 0.0
    assert list(result.errors) == ["endpoint_grader_internal_error"]
    assert fragment in (result.errors["endpoint_grader_internal_error"] or "")
    assert result.to_dict()["metadata"]["errors"]["endpoint_grader_internal_error"] is True


def test_server_errors_are_retried_by_the_engine(server: FakeOpenAI) -> None:
    server.enqueue(HTTPError(503, "busy"), Drop())
    with _runner(server) as runner:
        result = runner.grade(_grader(server), "47", {"target": 47})
    assert (result.reward, result.errors) == (1.0, {})
    assert server.request_count == 3


def test_a_failure_after_every_retry_is_a_server_error_flag_without_the_key(
    server: FakeOpenAI,
) -> None:
    server.enqueue(*[HTTPError(500, "boom")] * 3)
    with _runner(server) as runner:
        result = runner.grade(_grader(server), "47", {"target": 47})
    details = result.errors["endpoint_grader_server_error"] or ""
    assert result.reward == 0.0 and "HTTP 500" in details and "(3 attempts)" in details
    assert SECRET not in details
    assert server.request_count == 3


def test_a_client_error_is_not_retried(server: FakeOpenAI) -> None:
    server.enqueue(RawBody(b"unauthorized", status=401))
    with _runner(server) as runner:
        result = runner.grade(_grader(server), "47", {"target": 47})
    assert "HTTP 401" in (result.errors["endpoint_grader_server_error"] or "")
    assert server.request_count == 1


def test_replies_are_cached_and_recorded_without_the_headers(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    tape = tmp_path / "endpoint.jsonl"
    grader = _grader(server)
    with _runner(server, cache_dir=tmp_path / "cache", cassette=tape, mode="record") as runner:
        first = runner.grade_many(grader, ["47", "47", "3"], [{"target": 47}] * 3)
    assert [r.reward for r in first] == [1.0, 1.0, 0.0]
    assert server.request_count == 2  # the repeated (sample, item) is asked once
    recorded = tape.read_text(encoding="utf-8")
    assert SECRET not in recorded
    assert all(json.loads(line)["kind"] == "endpoint" for line in recorded.splitlines())
    cached = "".join(p.read_text() for p in (tmp_path / "cache").rglob("*.json"))
    assert cached and SECRET not in cached
    replay = ModelEngine.from_env(base_url="http://127.0.0.1:9/v1", api_key="sk-x",
                                  cassette=Cassette(tape, mode="replay"))  # fmt: skip
    with gk.Runner(models=replay) as runner:
        again = runner.grade_many(grader, ["47", "3"], [{"target": 47}] * 2)
    assert [r.reward for r in again] == [1.0, 0.0]
    assert server.request_count == 2


def test_an_endpoint_inside_a_multi_contributes_its_score(server: FakeOpenAI) -> None:
    exact = gk.string_check("{{ sample.output_text }}", "47", name="exact")
    both = gk.multi({"remote": _grader(server), "exact": exact}, "(remote + exact) / 2",
                    name="both", pass_threshold=1.0)  # fmt: skip
    with _runner(server) as runner:
        result = runner.grade(both, "47", {"target": 47})
        failed = runner.grade(both, "48", {"target": 48})
    assert (result.reward, result.sub_rewards, result.passed) == (
        1.0,
        {"remote": 1.0, "exact": 1.0},
        True,
    )
    assert (failed.reward, failed.passed) == (0.5, False)


def test_an_item_json_cannot_hold_is_a_per_sample_flag(server: FakeOpenAI) -> None:
    with _runner(server) as runner:
        result = runner.grade(_grader(server), "47", {"target": {1, 2}})
    assert list(result.errors) == ["sample_parse_error"]
    assert server.request_count == 0


def test_promptfoo_export_refuses_an_endpoint_grader_with_the_reason(server: FakeOpenAI) -> None:
    from graderkit.integrations.promptfoo import NoPromptfooMapping, to_promptfoo

    with pytest.raises(NoPromptfooMapping, match="webhook assertion posts"):
        to_promptfoo(_grader(server))


def test_a_key_in_the_url_query_stays_out_of_cassettes_and_reprs(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    tape = tmp_path / "endpoint.jsonl"
    grader = gk.endpoint(f"{server.endpoint_url}?code={SECRET}", name="fn")
    with _runner(server, cassette=tape, mode="record") as runner:
        assert runner.grade(grader, "47", {"target": 47}).reward == 1.0
    assert server.requests[0].query == {"code": SECRET}  # sent
    assert SECRET not in tape.read_text(encoding="utf-8")  # not recorded
    assert SECRET not in repr(grader) and "code=***" in repr(grader)


def test_rate_limit_spaces_the_calls_to_one_url() -> None:
    """The pacing arithmetic the client sleeps by, on given clock readings."""
    from graderkit._run.judge.endpoint_client import pace

    slots: dict[str, float] = {}
    a, b = "https://a.example.com/g", "https://b.example.com/g"
    waits = [pace(slots, a, 4, now=100.0) for _ in range(3)]
    assert waits == [0.0, 0.25, 0.5]
    assert pace(slots, b, 4, now=100.0) == 0.0  # another URL keeps its own pace
    assert pace(slots, a, 4, now=100.6) == pytest.approx(0.15)  # its slot is at 100.75
    assert pace(slots, a, 4, now=110.0) == 0.0  # long after: no wait
