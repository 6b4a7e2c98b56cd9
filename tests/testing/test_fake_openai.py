"""The fake OpenAI server itself: lifecycle, routing, logging, stats, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from openai import OpenAI

from graderkit.testing.fake_openai import (
    ChatCompletion,
    Embeddings,
    FakeOpenAI,
    FakeRequest,
    hash_embedder,
    judge_reply,
)


def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_the_official_client_talks_to_it() -> None:
    with FakeOpenAI() as server:
        server.enqueue(ChatCompletion(content="hello", model="gpt-4o-2024-08-06"))
        client = OpenAI(base_url=server.base_url, api_key="sk-x", max_retries=0)
        try:
            chat = client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
            )
            emb = client.embeddings.create(model="text-embedding-3-large", input=["a", "b"])
        finally:
            client.close()
    assert chat.choices[0].message.content == "hello" and chat.model == "gpt-4o-2024-08-06"
    assert chat.usage is not None and chat.usage.total_tokens > 0
    assert [d.embedding for d in emb.data] == hash_embedder(["a", "b"])
    assert [r.kind for r in server.requests] == ["chat", "embeddings"]


def test_default_replies_follow_the_requested_schema() -> None:
    enum = {"properties": {"result": {"type": "string", "enum": ["yes", "no"]}}}
    with FakeOpenAI() as server:
        _, labelled = _post(
            f"{server.base_url}/chat/completions",
            {"model": "m", "messages": [], "response_format": {"json_schema": {"schema": enum}}},
        )
        _, scored = _post(f"{server.base_url}/chat/completions", {"model": "m", "messages": []})
    assert json.loads(labelled["choices"][0]["message"]["content"])["result"] == "yes"
    assert json.loads(scored["choices"][0]["message"]["content"])["result"] == 1.0


def test_unknown_paths_are_404_and_not_logged() -> None:
    with FakeOpenAI() as server:
        status, _ = _post(f"{server.base_url}/responses", {})
        assert status == 404 and server.request_count == 0


def test_handlers_see_the_request() -> None:
    seen: list[FakeRequest] = []

    def chat(request: FakeRequest) -> ChatCompletion:
        seen.append(request)
        return judge_reply(0.5)

    with FakeOpenAI(
        chat=chat, embeddings=lambda r: Embeddings([[1.0]] * len(r.body["input"]))
    ) as server:
        _post(
            f"{server.azure_endpoint}/openai/deployments/judge/chat/completions?api-version=v1",
            {"x": 1},
        )
        _, emb = _post(f"{server.base_url}/embeddings", {"input": ["q", "r"]})
    assert seen[0].deployment == "judge" and seen[0].query == {"api-version": "v1"}
    assert seen[0].body == {"x": 1}
    assert [d["embedding"] for d in emb["data"]] == [[1.0], [1.0]]


def test_stats_endpoint_and_reset() -> None:
    with FakeOpenAI() as server:
        for _ in range(3):
            _post(f"{server.base_url}/chat/completions", {"model": "m", "messages": []})
        root = server.base_url.removesuffix("/v1")
        with urllib.request.urlopen(f"{root}/_fake/stats", timeout=5) as response:
            stats = json.loads(response.read())
        assert stats == {"request_count": 3, "max_in_flight": 1} == server.stats()
        server.reset_log()
        assert server.request_count == 0 and server.requests == []


def test_it_stops_itself_after_its_lifetime() -> None:
    server = FakeOpenAI(lifetime=0.3).start()
    url = server.base_url
    time.sleep(0.8)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/chat/completions", data=b"{}", timeout=2)
    server.stop()  # idempotent


def test_it_cannot_start_twice() -> None:
    with FakeOpenAI() as server, pytest.raises(RuntimeError, match="already running"):
        server.start()


def test_command_line_server() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "graderkit.testing.fake_openai", "--lifetime", "20"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        status, body = _post(f"{base_url}/chat/completions", {"model": "m", "messages": []})
        assert status == 200 and body["object"] == "chat.completion"
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_a_streamed_chat_request_gets_server_sent_events() -> None:
    """``stream: true`` (what verifiers' harness sends) is answered as the API streams."""
    with FakeOpenAI(chat=lambda request: ChatCompletion(content="streamed reply")) as server:
        client = OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
        stream = client.chat.completions.create(
            model="gpt-4.1",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
        client.close()
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "streamed reply"
    assert [c.choices[0].finish_reason for c in chunks if c.choices] == ["stop"]
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
