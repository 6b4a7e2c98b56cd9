"""Any OpenAI-compatible endpoint, and credentials that never leak."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import graderkit as gk
from graderkit._core.judge.reply import ChatFailure, ChatReply
from graderkit._run.judge.engine import ModelEngine
from graderkit._run.judge.model_grading import grade_model_grader
from graderkit._run.judge.openai_client import ClientSettings, MissingCredentials, OpenAITransport
from graderkit._run.judge.retry import RetryPolicy
from graderkit.testing.fake_openai import FakeOpenAI, FakeRequest, HTTPError, Response, judge_reply

SECRET = "sk-proj-SECRET0123456789abcdefSECRET"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(lifetime=120) as fake:
        yield fake


def _complete(engine: ModelEngine, body: dict[str, Any]) -> Any:
    async def go() -> Any:
        try:
            return await engine.complete(body, grader="g")
        finally:
            await engine.aclose()

    return asyncio.run(go())


BODY = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]}


# ---- where requests go --------------------------------------------------------------------


def test_openai_compatible_base_url_from_the_environment(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    assert isinstance(_complete(ModelEngine.from_env(), BODY), ChatReply)
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert request.body == BODY  # sent exactly as built: nothing dropped, renamed or added


def test_azure_routes_to_the_deployment_with_api_version(server: FakeOpenAI) -> None:
    engine = ModelEngine.from_env(
        azure_endpoint=server.azure_endpoint, api_key=SECRET, api_version="2024-10-21"
    )
    assert isinstance(_complete(engine, BODY), ChatReply)
    (request,) = server.requests
    assert request.path == "/openai/deployments/gpt-4.1/chat/completions"
    assert request.deployment == "gpt-4.1"
    assert request.query == {"api-version": "2024-10-21"}
    assert request.headers["api-key"] == SECRET


def test_azure_from_the_environment(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.azure_endpoint)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-01-01-preview")
    assert isinstance(_complete(ModelEngine.from_env(), BODY), ChatReply)
    assert server.requests[0].query == {"api-version": "2025-01-01-preview"}


@pytest.mark.parametrize(
    ("kwargs", "env", "expected"),
    [
        ({}, {"OPENAI_API_KEY": "k"}, ("openai", None, None)),
        ({"base_url": "http://localhost:8000/v1"}, {}, ("openai", "http://localhost:8000/v1", None)),
        ({}, {"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"}, ("azure", None, "https://r.openai.azure.com")),
        (
            {},
            {"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com", "OPENAI_BASE_URL": "http://h/v1"},
            ("openai", "http://h/v1", None),
        ),
        ({"azure_endpoint": "https://x"}, {"OPENAI_BASE_URL": "http://h/v1"}, ("azure", None, "https://x")),
    ],
    ids=["openai", "self-hosted", "azure-env", "base-url-wins", "azure-arg-wins"],
)  # fmt: skip
def test_endpoint_resolution(kwargs: dict[str, str], env: dict[str, str], expected: Any) -> None:
    settings = ClientSettings.resolve(env=env, **kwargs)
    assert (settings.kind, settings.base_url, settings.azure_endpoint) == expected


def test_self_hosted_servers_need_no_key(server: FakeOpenAI) -> None:
    settings = ClientSettings.resolve(base_url=server.base_url, env={})
    assert settings.api_key is not None
    engine = ModelEngine(lambda: OpenAITransport(settings))
    assert isinstance(_complete(engine, BODY), ChatReply)


def test_openai_without_a_key_raises_a_clear_error() -> None:
    settings = ClientSettings.resolve(env={})
    engine = ModelEngine(lambda: OpenAITransport(settings))
    with pytest.raises(MissingCredentials, match="OPENAI_API_KEY"):
        _complete(engine, BODY)


def test_azure_without_api_version_raises_a_clear_error() -> None:
    settings = ClientSettings.resolve(
        azure_endpoint="https://r.openai.azure.com", api_key="k", env={}
    )
    with pytest.raises(MissingCredentials, match="OPENAI_API_VERSION"):
        OpenAITransport(settings)


def test_replaying_a_cassette_needs_no_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    tape = tmp_path / "tape.jsonl"
    with FakeOpenAI() as server:
        _complete(
            ModelEngine.from_env(
                base_url=server.base_url, api_key=SECRET, cassette=tape, mode="record"
            ),
            BODY,
        )
    engine = ModelEngine.from_env(cassette=tape, mode="replay")
    assert isinstance(_complete(engine, BODY), ChatReply)


# ---- credentials never leak ---------------------------------------------------------------


def test_the_key_is_never_logged_cached_recorded_or_reported(
    server: FakeOpenAI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def echo_key(request: FakeRequest) -> Response:
        content = request.body["messages"][-1]["content"]
        if "reject" in content:  # an auth error that quotes the key, as some servers do
            return HTTPError(401, f"Incorrect API key provided: {SECRET}")
        return judge_reply(0.5)

    server.chat = echo_key
    judge = gk.score_model("{{ sample.output_text }}", model="gpt-4.1", name="judge")
    tape, cache = tmp_path / "tape.jsonl", tmp_path / "cache"
    engine = ModelEngine.from_env(
        base_url=server.base_url, api_key=SECRET, cache_dir=cache, cassette=tape, mode="record",
        retry=RetryPolicy(max_attempts=2, base_delay=0.01),
    )  # fmt: skip

    async def go() -> list[gk.GradeResult]:
        try:
            return [
                await grade_model_grader(judge, {"output_text": text}, {}, engine)
                for text in ("fine", "reject me")
            ]
        finally:
            await engine.aclose()

    with caplog.at_level(logging.DEBUG):
        ok, rejected = asyncio.run(go())
    assert ok.ok and rejected.errors.keys() == {"model_grader_server_error"}
    assert server.requests[0].headers["authorization"] == f"Bearer {SECRET}"  # it was used
    places = {
        "results": repr([ok.to_dict(), rejected.to_dict()]),
        "logs": caplog.text,
        "cassette": tape.read_text(),
        "cache": "".join(p.read_text() for p in cache.rglob("*.json")),
        "repr": repr(engine) + repr(ClientSettings.resolve(api_key=SECRET)),
        "ledger": repr(engine.ledger.to_dict()),
    }
    assert places["cassette"] and places["cache"] and "401" in places["results"]
    for where, text in places.items():
        assert SECRET not in text, where
        assert SECRET[8:24] not in text, where


def test_failure_details_mask_key_shaped_strings(server: FakeOpenAI) -> None:
    server.chat = lambda request: HTTPError(403, "key sk-abcdef1234567890 is not allowed")
    engine = ModelEngine.from_env(base_url=server.base_url, api_key="other", retry=RetryPolicy(1))
    failure = _complete(engine, BODY)
    assert isinstance(failure, ChatFailure)
    assert "sk-abcdef1234567890" not in failure.details and "[redacted]" in failure.details


def test_legacy_max_tokens_for_older_servers(server: FakeOpenAI, tmp_path: Path) -> None:
    body = {**BODY, "max_completion_tokens": 300}
    engine = ModelEngine.from_env(
        base_url=server.base_url, api_key=SECRET, legacy_max_tokens=True, cache_dir=tmp_path
    )
    assert isinstance(_complete(engine, body), ChatReply)
    sent = server.requests[0].body
    assert sent["max_tokens"] == 300 and "max_completion_tokens" not in sent
    plain = ModelEngine.from_env(base_url=server.base_url, api_key=SECRET, cache_dir=tmp_path)
    assert isinstance(_complete(plain, body), ChatReply)
    assert server.request_count == 1  # same cache key either way


# ---- the HTTP layer -----------------------------------------------------------------------

BROKEN_AIOHTTP_SCRIPT = """
import asyncio, importlib.util
from graderkit._run.judge.engine import ModelEngine
from graderkit._run.judge.openai_client import _http_client
from graderkit.errors import GraderkitError
from graderkit.testing.fake_openai import FakeOpenAI

assert importlib.util.find_spec("aiohttp") is not None  # present, but it cannot be imported
print("auto:", type(_http_client("auto", 64)).__name__)
try:
    _http_client("aiohttp", 64)
except GraderkitError as exc:
    print("aiohttp:", exc)

async def main(url):
    engine = ModelEngine.from_env(base_url=url, api_key="sk-test", http="auto")
    try:
        reply = await engine.complete({"model": "m", "messages": []})
    finally:
        await engine.aclose()
    return reply.content

with FakeOpenAI() as server:
    print("reply:", asyncio.run(main(server.base_url)))
"""


def test_auto_falls_back_to_httpx_when_aiohttp_is_broken(tmp_path: Path) -> None:
    # A real interpreter in which `aiohttp` exists but fails to import (a broken install):
    # http="auto" must still grade, over httpx; http="aiohttp" must say what to install.
    import os
    import subprocess
    import sys

    broken = tmp_path / "aiohttp"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise ImportError('this aiohttp is broken')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-c", BROKEN_AIOHTTP_SCRIPT],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "auto: _DefaultAsyncHttpxClient"
    assert lines[1].startswith("aiohttp: http='aiohttp' needs openai with aiohttp support")
    assert "pip install 'openai[aiohttp]'" in lines[1]
    assert lines[2].startswith("reply: {")
