"""Grading with a judge model: ``score_model`` and ``label_model``.

One sample is one request: [`build_request`][graderkit._core.judge.request.build_request]
renders it, the [`ModelEngine`][graderkit._run.judge.engine.ModelEngine] sends it (or answers from
its cache or cassette), and [`interpret_reply`][graderkit._core.judge.reply.interpret_reply]
turns the reply into the service's result shape.

Examples:
    >>> import asyncio, graderkit as gk
    >>> from graderkit.testing.fake_openai import FakeOpenAI, judge_reply
    >>> judge = gk.score_model("Is {{ sample.output_text }} right?", model="gpt-4.1", name="j")
    >>> async def main(url):
    ...     engine = ModelEngine.from_env(base_url=url, api_key="sk-test")
    ...     try:
    ...         return await grade_model_grader(judge, {"output_text": "4"}, {}, engine)
    ...     finally:
    ...         await engine.aclose()
    >>> with FakeOpenAI() as server:
    ...     server.enqueue(judge_reply(0.8, [("arithmetic", "correct")]))
    ...     result = asyncio.run(main(server.base_url))
    >>> result.reward, result.scores["steps"][0]["conclusion"]
    (0.8, 'correct')
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from graderkit._core.grading.local_grading import missing_variable
from graderkit._core.judge.reply import interpret_reply
from graderkit._core.judge.request import ModelGrader, build_request
from graderkit._core.results.grade_result import GradeResult
from graderkit._core.templating.template import MissingVariable
from graderkit._run.judge.engine import ModelEngine

__all__ = ["ModelEngine", "grade_model_grader"]


async def grade_model_grader(
    grader: ModelGrader,
    sample: Mapping[str, Any],
    item: Mapping[str, Any],
    engine: ModelEngine,
) -> GradeResult:
    """Grade one (sample, item) with a score_model or label_model grader.

    Never raises for a bad sample: a missing template variable gives reward 0 and
    ``invalid_variable_error``; a failed call, refusal, truncated or unparsable reply gives
    reward 0 and the matching ``model_grader_*`` flag.

    Args:
        grader: the grader.
        sample: the ``sample`` namespace (a dict; see [`to_sample`][graderkit._core.templating.sample.to_sample]).
        item: the dataset row.
        engine: the engine that sends the request.

    Returns:
        The result, with ``execution_time`` measured here (the runner may overwrite it).

    Raises:
        CassetteMiss: when replaying a cassette that lacks the request.
    """
    start = time.perf_counter()
    try:
        body = build_request(
            grader,
            sample,
            item,
            reasoning=engine.is_reasoning(grader.model),
            structured=engine.structured_output,
        )
    except MissingVariable as exc:
        result = missing_variable(grader, exc)
    else:
        result = interpret_reply(grader, await engine.complete(body, grader=grader.result_name))
    return replace(result, execution_time=time.perf_counter() - start)
