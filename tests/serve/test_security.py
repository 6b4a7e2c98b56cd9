"""Keys, limits and secrets: 401 in OpenAI's shape, 413, batch cap, time limit, no CORS, the
judge's key never reaching a client or the log."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import openai
import pytest
from serve_cases import CLINICAL, JUDGE_KEY, SERVER_KEY

import graderkit as gk
from graderkit.serve import ServeSettings, serve_in_thread
from graderkit.serve.server_settings import UnsafeBinding
from graderkit.testing.fake_openai import FakeOpenAI, FakeRequest, HTTPError, Response

RUN = "/v1/fine_tuning/alpha/graders/run"
BEARER = {"Authorization": f"Bearer {SERVER_KEY}"}


def _run_body() -> dict[str, Any]:
    return {"grader": gk.to_openai(CLINICAL), "model_sample": "gout",
            "item": {"reference_answer": "gout"}}  # fmt: skip


@pytest.mark.parametrize("key", ["gk-wrong", SERVER_KEY + "x", SERVER_KEY[:-1]])
def test_a_wrong_key_is_401_in_openais_shape(keyed_server: str, key: str) -> None:
    client = openai.OpenAI(base_url=f"{keyed_server}/v1", api_key=key, max_retries=0)
    with client, pytest.raises(openai.AuthenticationError) as caught:
        client.fine_tuning.alpha.graders.run(**_run_body())
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert SERVER_KEY not in json.dumps(caught.value.body)


@pytest.mark.parametrize("headers", [{}, {"Authorization": SERVER_KEY}, {"X-Api-Key": SERVER_KEY}])
def test_a_missing_key_is_401_in_openais_shape(keyed_server: str, headers: dict[str, str]) -> None:
    reply = httpx.post(f"{keyed_server}{RUN}", json=_run_body(), headers=headers)
    assert reply.status_code == 401
    error = reply.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == "invalid_api_key"


def test_the_right_key_is_served_and_healthz_needs_none(keyed_server: str) -> None:
    with openai.OpenAI(base_url=f"{keyed_server}/v1", api_key=SERVER_KEY, max_retries=0) as c:
        assert c.fine_tuning.alpha.graders.run(**_run_body()).reward == 1.0
    assert httpx.get(f"{keyed_server}/healthz").json()["status"] == "ok"
    assert httpx.post(f"{keyed_server}/v1/rewards", json={}).status_code == 401


def test_bodies_over_the_limit_are_413(keyed_server: str) -> None:
    big = {"grader": "clinical", "samples": ["x" * 5000]}
    declared = httpx.post(f"{keyed_server}/v1/rewards", json=big, headers=BEARER)
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "request_too_large"

    def chunks() -> Any:  # no Content-Length: the limit holds while streaming
        yield b'{"grader": "clinical", "samples": ["'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"]}'

    streamed = httpx.post(f"{keyed_server}/v1/rewards", content=chunks(), headers=BEARER)
    assert streamed.status_code == 413


def test_batches_over_the_cap_are_400(keyed_server: str) -> None:
    reply = httpx.post(f"{keyed_server}/v1/rewards", headers=BEARER,
                       json={"grader": "clinical", "samples": ["a"] * 9})  # fmt: skip
    assert reply.status_code == 400
    assert reply.json()["error"] == {
        "message": "'samples' has 9 entries; this server takes at most 8 per request "
        "(split the batch)",
        "type": "invalid_request_error",
        "param": "samples",
        "code": "batch_too_large",
    }


def test_requests_over_the_time_limit_are_504_and_the_server_lives(keyed_server: str) -> None:
    reply = httpx.post(f"{keyed_server}/v1/rewards", headers=BEARER, timeout=30,
                       json={"grader": "slow", "samples": ["a"]})  # fmt: skip
    assert reply.status_code == 504
    assert reply.json()["error"]["code"] == "timeout"
    assert httpx.get(f"{keyed_server}/healthz").status_code == 200


def test_cors_is_off_by_default(keyed_server: str) -> None:
    preflight = httpx.options(f"{keyed_server}{RUN}", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})  # fmt: skip
    assert "access-control-allow-origin" not in preflight.headers
    plain = httpx.get(f"{keyed_server}/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in plain.headers


def test_cors_when_asked_for() -> None:
    with serve_in_thread(ServeSettings(cors_origins=("https://app.example",))) as url:
        reply = httpx.get(f"{url}/healthz", headers={"Origin": "https://app.example"})
    assert reply.headers["access-control-allow-origin"] == "https://app.example"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_listening_beyond_loopback_needs_a_key(host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADERKIT_API_KEY", raising=False)
    with pytest.raises(UnsafeBinding, match="without an API key"), serve_in_thread(host=host):
        pass  # pragma: no cover - never reached
    ServeSettings(api_key="k" * 16).check_binding(host)  # with a key it is allowed
    monkeypatch.setenv("GRADERKIT_API_KEY", "from-the-environment")
    ServeSettings().check_binding(host)


def test_the_judge_key_is_never_accepted_as_an_option() -> None:
    with pytest.raises(gk.GraderkitError, match="api_key"):
        ServeSettings(judge={"api_key": "sk-from-a-client"})


def _echo_the_key(request: FakeRequest) -> Response:
    """A judge whose error quotes the key it was sent (as a careless proxy might)."""
    return HTTPError(400, f"bad key: {request.headers.get('authorization')}")


def test_the_judge_key_never_reaches_a_client_or_the_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", JUDGE_KEY)
    caplog.set_level(logging.DEBUG)
    judge = gk.score_model("Rate {{ sample.output_text }}", model="gpt-4.1", name="j")
    body = {"grader": gk.to_openai(judge), "model_sample": "TOP-SECRET-ITEM",
            "item": {"secret": "TOP-SECRET-ITEM"}}  # fmt: skip
    with FakeOpenAI(chat=_echo_the_key, lifetime=60) as fake:
        settings = ServeSettings(api_key=SERVER_KEY, judge={"base_url": fake.base_url})
        with serve_in_thread(settings) as url:
            reply = httpx.post(f"{url}{RUN}", json=body, headers=BEARER, timeout=30)
            batch = httpx.post(f"{url}/v1/rewards", headers=BEARER, timeout=30,
                               json={"grader": body["grader"], "samples": ["x"]})  # fmt: skip
        assert fake.requests[0].headers["authorization"] == f"Bearer {JUDGE_KEY}"
    assert reply.status_code == 200
    details = reply.json()["metadata"]["errors"]["model_grader_server_error_details"]
    assert "bad key: " in details and "[redacted]" in details
    for text in (reply.text, batch.text):
        assert JUDGE_KEY not in text and SERVER_KEY not in text
    access = [json.loads(r.getMessage()) for r in caplog.records
              if r.name == "graderkit.serve.access"]  # fmt: skip
    assert {(a["path"], a["status"]) for a in access} == {(RUN, 200), ("/v1/rewards", 200)}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (JUDGE_KEY, SERVER_KEY, "TOP-SECRET-ITEM"):
        assert secret not in logged


def _leak(sample: dict[str, Any], item: dict[str, Any]) -> float:
    raise ValueError("the key is " + item["text"])


def test_the_server_redacts_its_secrets_whatever_path_they_take(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defence in depth: even a grader's traceback quoting the judge key is redacted."""
    monkeypatch.setenv("OPENAI_API_KEY", JUDGE_KEY)
    leak = gk.python_grader(_leak, name="leak")
    with serve_in_thread(ServeSettings(sandbox_workers=1)) as url:
        reply = httpx.post(f"{url}/v1/rewards", timeout=60, json={
            "grader": gk.to_openai(leak), "samples": ["x"], "items": [{"text": JUDGE_KEY}]})  # fmt: skip
    details = reply.json()["errors"][0]["python_grader_runtime_error"]
    assert "the key is [redacted]" in details
    assert JUDGE_KEY not in reply.text
