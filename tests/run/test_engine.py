"""The batch engine through the real ``openai`` client against a real loopback server.

Every fault the server can inject (HTTP errors, rate limits, slow replies, dropped connections,
broken bodies, bad judge replies) still gives exactly one result per input, with the right flag,
and the number of requests the server saw is exactly what the retry policy allows.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import graderkit as gk
from graderkit._core.judge.reply import ChatFailure, ChatReply
from graderkit._run.judge.accounting import Price, estimate_prompt_tokens, price_for
from graderkit._run.judge.engine import ModelEngine
from graderkit._run.judge.model_grading import grade_model_grader
from graderkit._run.judge.retry import RetryPolicy
from graderkit.testing.fake_openai import (
    ChatCompletion,
    Drop,
    FakeOpenAI,
    FakeRequest,
    HTTPError,
    RawBody,
    Response,
    judge_reply,
)

KEY = "sk-test-engine-0123456789"
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)
TIMEOUT = 0.5


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(lifetime=120) as fake:
        yield fake


def _engine(server: FakeOpenAI, **kw: Any) -> ModelEngine:
    kw.setdefault("retry", FAST)
    kw.setdefault("timeout", TIMEOUT)
    kw.setdefault("rng", random.Random(0))
    return ModelEngine.from_env(base_url=server.base_url, api_key=KEY, **kw)


def _body(text: str = "hi", model: str = "gpt-4.1") -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}]}


async def _complete_all(engine: ModelEngine, bodies: list[dict[str, Any]]) -> list[Any]:
    try:
        return list(await asyncio.gather(*(engine.complete(b, grader="g") for b in bodies)))
    finally:
        await engine.aclose()


# ---- every fault, exactly one result --------------------------------------------------------

SLOW = TIMEOUT + 0.4

FAULTS: dict[str, tuple[Callable[[int], Response], str | None, float, int]] = {
    # name: (response for attempt n, expected flag, expected reward, requests sent)
    "ok": (lambda n: judge_reply(0.5), None, 0.5, 1),
    "out_of_range_high": (lambda n: judge_reply(7), None, 1.0, 1),
    "out_of_range_low": (lambda n: judge_reply(-3), None, 0.0, 1),
    "non_numeric": (lambda n: judge_reply("high"), "model_grader_parse_error", 0.0, 1),
    "malformed_json": (
        lambda n: ChatCompletion(content='{"steps": [], "result": 0.'),
        "model_grader_parse_error", 0.0, 1,
    ),
    "refusal": (
        lambda n: ChatCompletion(content=None, refusal="I can't grade this."),
        "model_grader_refusal_error", 0.0, 1,
    ),
    "length": (
        lambda n: ChatCompletion(content='{"steps": [{"desc', finish_reason="length"),
        "model_grader_exceeded_max_tokens_error", 0.0, 1,
    ),
    "rate_limited_once": (
        lambda n: HTTPError(429, headers={"retry-after": "0.05"}) if n == 1 else judge_reply(0.25),
        None, 0.25, 2,
    ),
    "server_error_once": (
        lambda n: HTTPError(500) if n == 1 else judge_reply(0.75), None, 0.75, 2,
    ),
    "server_error_always": (lambda n: HTTPError(503), "model_grader_server_error", 0.0, 3),
    "bad_request": (lambda n: HTTPError(400, "bad"), "model_grader_server_error", 0.0, 1),
    "slow_once": (
        lambda n: judge_reply(0.5, delay=SLOW) if n == 1 else judge_reply(0.5), None, 0.5, 2,
    ),
    "slow_always": (lambda n: judge_reply(0.5, delay=SLOW), "model_grader_server_error", 0.0, 3),
    "drop_once": (lambda n: Drop() if n == 1 else judge_reply(1), None, 1.0, 2),
    "drop_always": (lambda n: Drop(), "model_grader_server_error", 0.0, 3),
    "broken_body_once": (
        lambda n: RawBody(b'{"choices": [') if n == 1 else judge_reply(0), None, 0.0, 2,
    ),
}  # fmt: skip


def _scripted(attempts: dict[str, int]) -> Callable[[FakeRequest], Response]:
    def chat(request: FakeRequest) -> Response:
        case = request.body["messages"][-1]["content"]
        attempts[case] = attempts.get(case, 0) + 1
        fault = case.split(":", 1)[0]
        return FAULTS[fault][0](attempts[case])

    return chat


@pytest.mark.parametrize("http", ["httpx", "aiohttp"])
def test_every_fault_gives_exactly_one_result_with_the_right_flag(
    server: FakeOpenAI, http: str
) -> None:
    attempts: dict[str, int] = {}
    server.chat = _scripted(attempts)
    judge = gk.score_model("{{ item.case }}", model="gpt-4.1", name="judge")
    cases = [f"{fault}:{copy}" for fault in FAULTS for copy in range(3)]
    engine = _engine(server, http=http, concurrency=16)

    async def run() -> list[gk.GradeResult]:
        try:
            return list(
                await asyncio.gather(
                    *(
                        grade_model_grader(judge, {"output_text": ""}, {"case": c}, engine)
                        for c in cases
                    )
                )
            )
        finally:
            await engine.aclose()

    results = asyncio.run(run())
    assert len(results) == len(cases)
    for case, result in zip(cases, results, strict=True):
        _, flag, reward, requests = FAULTS[case.split(":", 1)[0]]
        assert list(result.errors) == ([] if flag is None else [flag]), case
        assert result.reward == reward, case
        assert attempts[case] == requests, case
    assert server.request_count == sum(FAULTS[c.split(":", 1)[0]][3] for c in cases)
    assert engine.ledger.total.calls == len(cases)
    assert engine.ledger.total.requests == server.request_count


def test_failure_details_say_what_happened(server: FakeOpenAI) -> None:
    server.chat = lambda request: (
        HTTPError(503, "overloaded")
        if request.body["messages"][0]["content"] == "a"
        else HTTPError(400, "invalid model")
    )
    engine = _engine(server)
    first, second = asyncio.run(_complete_all(engine, [_body("a"), _body("b")]))
    assert isinstance(first, ChatFailure) and isinstance(second, ChatFailure)
    assert (first.status, first.attempts) == (503, 3)
    assert "HTTP 503" in first.details and "overloaded" in first.details
    assert "3 attempts" in first.details
    assert (second.status, second.attempts) == (400, 1)
    assert "invalid model" in second.details


def test_timeout_details_name_the_timeout(server: FakeOpenAI) -> None:
    server.chat = lambda request: judge_reply(1, delay=SLOW)
    (failure,) = asyncio.run(_complete_all(_engine(server), [_body()]))
    assert isinstance(failure, ChatFailure) and failure.status is None
    assert "timeout" in failure.details and failure.attempts == 3


# ---- retry timing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "0.3"},
        {"retry-after-ms": "300"},
        {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "300ms",
         "x-ratelimit-reset-tokens": "6m0s"},
    ],
    ids=["retry-after", "retry-after-ms", "ratelimit-reset"],
)  # fmt: skip
def test_a_429_waits_what_the_server_asks(server: FakeOpenAI, headers: dict[str, str]) -> None:
    server.enqueue(HTTPError(429, "slow down", headers=headers), judge_reply(1))
    slow_backoff = RetryPolicy(max_attempts=2, base_delay=10.0, max_delay=10.0)
    engine = _engine(server, retry=slow_backoff)
    start = time.monotonic()
    (reply,) = asyncio.run(_complete_all(engine, [_body()]))
    elapsed = time.monotonic() - start
    assert isinstance(reply, ChatReply)
    assert 0.3 <= elapsed < 3.0  # the hint (0.3 s), not the 5-10 s backoff
    assert server.request_count == 2


def test_a_429_pauses_the_whole_engine(server: FakeOpenAI) -> None:
    server.enqueue(HTTPError(429, headers={"retry-after": "0.4"}))
    engine = _engine(server)

    async def run() -> float:
        try:
            first = asyncio.ensure_future(engine.complete(_body("first")))
            await asyncio.sleep(0.15)  # the 429 has arrived; now a fresh request starts
            start = time.monotonic()
            second = await engine.complete(_body("second"))
            assert isinstance(second, ChatReply)
            assert isinstance(await first, ChatReply)
            return time.monotonic() - start
        finally:
            await engine.aclose()

    assert asyncio.run(run()) >= 0.2  # it waited out the rest of the 0.4 s pause


def test_backoff_without_hints_grows_and_is_bounded() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    rng = random.Random(1)
    for attempt, (lo, hi) in enumerate(
        [(0.25, 0.5), (0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (2.0, 4.0)], 1
    ):
        for _ in range(50):
            assert lo <= policy.backoff(attempt, rng) <= hi


# ---- concurrency ------------------------------------------------------------------------


def test_concurrency_is_bounded(server: FakeOpenAI) -> None:
    server.latency = 0.05
    engine = _engine(server, concurrency=5)
    replies = asyncio.run(_complete_all(engine, [_body(str(i)) for i in range(30)]))
    assert all(isinstance(r, ChatReply) for r in replies)
    assert server.max_in_flight == 5


def test_engine_refuses_a_second_loop_while_connected(server: FakeOpenAI) -> None:
    engine = _engine(server)
    errors: list[BaseException] = []

    def other_loop() -> None:
        try:
            asyncio.run(engine.complete(_body("elsewhere")))
        except RuntimeError as exc:
            errors.append(exc)

    async def run() -> None:
        try:
            assert isinstance(await engine.complete(_body()), ChatReply)
            thread = threading.Thread(target=other_loop)
            thread.start()
            await asyncio.to_thread(thread.join)
        finally:
            await engine.aclose()

    asyncio.run(run())
    assert len(errors) == 1 and "aclose" in str(errors[0])
    assert server.request_count == 1
    assert isinstance(asyncio.run(_complete_all(engine, [_body()]))[0], ChatReply)


# ---- accounting ---------------------------------------------------------------------------


def test_tokens_and_cost_per_grader_and_model(server: FakeOpenAI, tmp_path: Any) -> None:
    usage = {
        "prompt_tokens": 1000,
        "completion_tokens": 100,
        "total_tokens": 1100,
        "cached_tokens": 200,
    }
    server.chat = lambda request: judge_reply(1, usage=usage)
    engine = _engine(server, cache_dir=tmp_path)

    async def run() -> None:
        try:
            await engine.complete(_body("a", "gpt-4.1-2025-04-14"), grader="one")
            await engine.complete(_body("b", "gpt-4.1-2025-04-14"), grader="two")
            await engine.complete(_body("a", "gpt-4.1-2025-04-14"), grader="one")  # cached
            await engine.complete(_body("c", "my-local-model"), grader="two")
        finally:
            await engine.aclose()

    asyncio.run(run())
    price = price_for("gpt-4.1-2025-04-14")
    assert price is not None
    one_call = price.cost(1000, 100, 200)
    ledger = engine.ledger
    gpt = ledger.by_model["gpt-4.1-2025-04-14"]
    assert (gpt.calls, gpt.requests, gpt.cache_hits) == (3, 2, 1)
    assert (gpt.prompt_tokens, gpt.completion_tokens, gpt.cached_tokens) == (2000, 200, 400)
    assert gpt.cost == pytest.approx(2 * one_call)
    assert ledger.by_model["my-local-model"].cost is None
    assert ledger.by_grader["one"].cost == pytest.approx(one_call)
    assert ledger.by_grader["two"].cost is None  # it used an unpriced model
    assert ledger.total.cost is None and ledger.total.requests == server.request_count == 3
    assert ledger.to_dict()["by_grader"]["one"]["cache_hits"] == 1


def test_prices_can_be_overridden(server: FakeOpenAI) -> None:
    usage = {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}
    server.chat = lambda request: judge_reply(1, usage=usage)
    engine = _engine(server, prices={"my-local-model": Price(input=1.0, output=3.0)})
    asyncio.run(_complete_all(engine, [_body("x", "my-local-model")]))
    assert engine.ledger.total.cost == pytest.approx((10 * 1.0 + 10 * 3.0) / 1e6)


def test_cost_estimate_before_a_run() -> None:
    judge = gk.score_model(
        "Reference: {{ item.ref }}. Answer: {{ sample.output_text }}",
        model="gpt-4.1-2025-04-14", name="judge", sampling_params={"max_completions_tokens": 500},
    )  # fmt: skip
    short = [("yes", {"ref": "a"})] * 10
    long = [("yes " * 400, {"ref": "a"})] * 10
    engine = ModelEngine(lambda: pytest.fail("an estimate sends nothing"))  # type: ignore[arg-type,return-value]
    est_short, est_long = engine.estimate(judge, short), engine.estimate(judge, long)
    assert est_short.calls == 10 and est_short.max_completion_tokens == 10 * 500
    assert est_long.prompt_tokens - est_short.prompt_tokens >= 10 * 1590 // 4
    price = price_for(judge.model)
    assert price is not None
    assert est_short.cost_max == pytest.approx(price.cost(est_short.prompt_tokens, 5000))
    assert est_short.cost_typical is not None and est_short.cost_typical < est_short.cost_max
    skipped = engine.estimate(judge, [("x", {})] * 3)
    assert (skipped.calls, skipped.skipped) == (0, 3)
    unknown = engine.estimate(judge.replace(model="local"), short)
    assert unknown.cost_max is None and unknown.calls == 10


def test_prompt_token_heuristic_is_chars_over_four() -> None:
    body = {"messages": [{"role": "user", "content": "x" * 400}]}
    assert estimate_prompt_tokens(body) == 4 + 100
    with_image = {
        "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]
    }
    assert estimate_prompt_tokens(with_image) > 500


def test_a_broken_script_answers_500_and_is_kept(server: FakeOpenAI) -> None:
    def broken(request: FakeRequest) -> Response:
        raise KeyError("oops")

    server.chat = broken
    (failure,) = asyncio.run(_complete_all(_engine(server), [_body()]))
    assert isinstance(failure, ChatFailure) and failure.status == 500
    assert "KeyError" in failure.details
    assert len(server.handler_errors) == 3 and isinstance(server.handler_errors[0], KeyError)
