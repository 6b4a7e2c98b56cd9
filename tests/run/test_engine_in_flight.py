"""Identical cacheable requests in flight at once reach the server once.

Through the real ``openai`` client against the loopback server: with a cache, a burst of
identical judge requests (a dataset with repeated answers) sends one request and the others
wait for it; without a cache every request is sent (repeating a judge call can be deliberate).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graderkit._core.judge.reply import ChatFailure, ChatReply
from graderkit._run.judge.engine import ModelEngine
from graderkit._run.judge.retry import RetryPolicy
from graderkit.testing.fake_openai import FakeOpenAI, FakeRequest, HTTPError, judge_reply

KEY = "sk-test-in-flight-0123456789"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(lifetime=120, latency=0.2) as fake:
        yield fake


def _engine(server: FakeOpenAI, **kw: Any) -> ModelEngine:
    retry = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02)
    return ModelEngine.from_env(
        base_url=server.base_url, api_key=KEY, retry=retry, rng=random.Random(0), **kw
    )


def _body(text: str) -> dict[str, Any]:
    return {"model": "gpt-4.1", "messages": [{"role": "user", "content": text}]}


def _run_all(engine: ModelEngine, texts: list[str]) -> list[Any]:
    async def main() -> list[Any]:
        try:
            calls = (engine.complete(_body(t), grader="judge") for t in texts)
            return list(await asyncio.gather(*calls))
        finally:
            await engine.aclose()

    return asyncio.run(main())


def _echo(request: FakeRequest) -> Any:
    text = request.body["messages"][0]["content"]
    return judge_reply(0.25 if text == "a" else 0.75)


def test_a_burst_of_identical_requests_is_sent_once(server: FakeOpenAI, tmp_path: Path) -> None:
    server.chat = _echo
    engine = _engine(server, cache_dir=tmp_path)
    replies = _run_all(engine, ["a"] * 8 + ["b"] * 4)
    assert server.request_count == 2
    assert all(isinstance(r, ChatReply) for r in replies)
    assert [r.content for r in replies] == [replies[0].content] * 8 + [replies[8].content] * 4
    assert replies[0].content != replies[8].content
    tally = engine.ledger.by_grader["judge"]
    assert (tally.calls, tally.requests, tally.cache_hits) == (12, 2, 10)


def test_without_a_cache_every_request_is_sent(server: FakeOpenAI) -> None:
    server.chat = _echo
    engine = _engine(server)
    replies = _run_all(engine, ["a"] * 5)
    assert server.request_count == 5
    assert len({r.content for r in replies}) == 1
    assert engine.ledger.by_grader["judge"].cache_hits == 0


def test_waiters_share_the_first_requests_failure(server: FakeOpenAI, tmp_path: Path) -> None:
    server.chat = lambda request: HTTPError(400, "bad request")
    engine = _engine(server, cache_dir=tmp_path)
    replies = _run_all(engine, ["a"] * 4)
    assert server.request_count == 1  # a 400 is not retried, and the waiters sent nothing
    assert all(isinstance(r, ChatFailure) for r in replies)
    assert engine.ledger.by_grader["judge"].failures == 4


def test_a_later_identical_request_is_sent_again_after_a_failure(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    server.enqueue(HTTPError(400, "bad request"))
    server.chat = _echo
    engine = _engine(server, cache_dir=tmp_path)

    async def main() -> tuple[Any, Any]:
        try:
            first = await engine.complete(_body("a"))
            second = await engine.complete(_body("a"))  # failures are not cached
            return first, second
        finally:
            await engine.aclose()

    first, second = asyncio.run(main())
    assert isinstance(first, ChatFailure) and isinstance(second, ChatReply)
    assert server.request_count == 2


@pytest.mark.parametrize("cancelled", ["leader", "waiter"])
def test_cancelling_one_of_two_identical_requests(
    server: FakeOpenAI, tmp_path: Path, cancelled: str
) -> None:
    # The leader cancelled: its waiter sends its own request. A waiter cancelled: the leader
    # goes on alone.
    server.chat = _echo
    engine = _engine(server, cache_dir=tmp_path)

    async def main() -> Any:
        try:
            leader = asyncio.ensure_future(engine.complete(_body("a")))
            await asyncio.sleep(0.05)  # the leader's request is on the wire
            waiter = asyncio.ensure_future(engine.complete(_body("a")))
            await asyncio.sleep(0.05)
            stopped, going_on = (leader, waiter) if cancelled == "leader" else (waiter, leader)
            stopped.cancel()
            reply = await going_on
            with pytest.raises(asyncio.CancelledError):
                await stopped
            return reply
        finally:
            await engine.aclose()

    reply = asyncio.run(main())
    assert isinstance(reply, ChatReply)
    assert server.request_count == (2 if cancelled == "leader" else 1)
