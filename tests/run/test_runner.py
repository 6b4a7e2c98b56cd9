"""The Runner with every kind of edge: judge model (loopback server), python sandbox, embeddings."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator, Sequence

import pytest

import graderkit as gk
from graderkit._run.judge.engine import ModelEngine
from graderkit.testing.fake_openai import FakeOpenAI, judge_reply

JUDGE = gk.score_model(
    "Does {{ sample.output_text }} mean {{ item.answer }}? Score 0-1.",
    model="gpt-4.1-mini",
    name="judge",
)
FUZZY = gk.text_similarity("{{ sample.output_text }}", "{{ item.answer }}", name="fuzzy")


@gk.python_grader(name="length")
def length(sample: dict, item: dict) -> float:
    return min(1.0, len(sample["output_text"]) / 10)


class Letters:
    """A tiny local embedding backend: counts of a-z (users plug real models the same way)."""

    def __init__(self) -> None:
        self.calls = 0

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        return [[float(t.count(c)) for c in "abcdefghijklmnopqrstuvwxyz"] for t in texts]


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def runner(server: FakeOpenAI) -> Iterator[gk.Runner]:
    with gk.Runner(
        models=ModelEngine.from_env(base_url=server.base_url, api_key="sk-test"),
        embeddings=Letters(),
    ) as r:
        yield r


def test_multi_over_every_edge(server: FakeOpenAI, runner: gk.Runner) -> None:
    server.enqueue(judge_reply(0.4))
    grader = gk.multi(JUDGE + FUZZY + length, name="all")
    result = runner.grade(grader, "sepsis", {"answer": "sepsis"})
    assert result.sub_rewards == {"judge": 0.4, "fuzzy": 1.0, "length": 0.6}
    assert result.reward == pytest.approx(2.0)
    assert result.ok and result.token_usage is not None and server.request_count == 1


def test_grade_many_keeps_order_and_loses_nothing_under_faults(
    server: FakeOpenAI, runner: gk.Runner
) -> None:
    server.enqueue(judge_reply(0.1), judge_reply("not a number"), judge_reply(0.3))
    results = runner.grade_many(JUDGE, ["a", "b", "c", "d"], [{"answer": "x"}] * 4)
    assert len(results) == 4
    flags = [sorted(r.errors) for r in results]
    assert flags.count(["model_grader_parse_error"]) == 1
    assert sorted(r.reward for r in results if r.ok) == [
        0.1,
        0.3,
        1.0,
    ]  # the default reply is the range max


def test_missing_variable_never_reaches_the_model(server: FakeOpenAI, runner: gk.Runner) -> None:
    result = runner.grade(JUDGE, "x", {})
    assert list(result.errors) == ["invalid_variable_error"] and server.request_count == 0


def test_cosine_uses_the_embedding_backend(runner: gk.Runner) -> None:
    grader = gk.text_similarity(
        "{{ sample.output_text }}", "{{ item.answer }}", evaluation_metric="cosine", name="cos"
    )
    result = runner.grade(grader, "aab", {"answer": "ab"})
    assert result.reward == pytest.approx(3 / math.sqrt(5) / math.sqrt(2))


def test_python_grader_in_the_runner(runner: gk.Runner) -> None:
    assert runner.grade(length, "abcde").reward == 0.5


def test_async_api_from_a_running_loop(server: FakeOpenAI, runner: gk.Runner) -> None:
    server.enqueue(judge_reply(0.9))

    async def main() -> gk.GradeResult:
        try:
            return await runner.agrade(JUDGE, "x", {"answer": "y"})
        finally:
            await runner.aclose()

    # agrade runs on the caller's loop; the sync API uses the runner's private loop
    assert asyncio.run(main()).reward == 0.9


def test_close_releases_a_user_supplied_embeddings_backend(server: FakeOpenAI) -> None:
    import gc

    other = gk.ModelEngine.from_env(base_url=server.base_url, api_key="sk-test")
    grader = gk.text_similarity(
        "{{ sample.output_text }}", "{{ item.answer }}", evaluation_metric="cosine", name="cos"
    )
    runner = gk.Runner(embeddings=gk.OpenAIEmbeddings(other))
    assert runner.grade(grader, "abc", {"answer": "abc"}).ok
    runner.close()
    gc.collect()  # an unclosed HTTP session would warn here, and warnings are errors
    assert server.request_count >= 1
