"""Grading with an endpoint grader: one POST per sample through the judge engine.

[`endpoint_body`][graderkit._core.judge.endpoint_reply.endpoint_body] builds the request, the
[`ModelEngine`][graderkit._run.judge.engine.ModelEngine] sends it (retrying, caching, recording
cassettes as for judge models), and
[`interpret_endpoint_reply`][graderkit._core.judge.endpoint_reply.interpret_endpoint_reply]
turns the reply into the service's result shape.

Examples:
    >>> import graderkit as gk
    >>> from graderkit.testing.fake_openai import FakeOpenAI, endpoint_score
    >>> with FakeOpenAI() as server:
    ...     server.enqueue(endpoint_score(0.25))
    ...     remote = gk.endpoint(server.endpoint_url, name="remote")
    ...     engine = gk.ModelEngine.from_env(base_url=server.base_url, api_key="sk-test")
    ...     with gk.Runner(models=engine) as runner:
    ...         result = runner.grade(remote, "gout", {"answer": "gout"})
    ...     sent = server.requests[0].body
    >>> result.reward, sent
    (0.25, {'sample': {'output_text': 'gout', 'output_json': None, 'output_tools': [], 'choices': []}, 'item': {'answer': 'gout'}})
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from graderkit._core.graders.models import EndpointGrader
from graderkit._core.judge.endpoint_reply import endpoint_body, interpret_endpoint_reply
from graderkit._core.results.grade_result import GradeResult, failure
from graderkit._run.judge.engine import ModelEngine

__all__ = ["grade_endpoint_grader"]


async def grade_endpoint_grader(
    grader: EndpointGrader,
    sample: Mapping[str, Any],
    item: Mapping[str, Any],
    engine: ModelEngine,
) -> GradeResult:
    """Grade one (sample, item) with an endpoint grader; never raises for a bad sample.

    A value JSON cannot hold gives ``sample_parse_error``; a failed call after every retry
    ``endpoint_grader_server_error``; a reply without a numeric ``score``
    ``endpoint_grader_internal_error`` (each with reward 0 and details).

    Raises:
        CassetteMiss: when replaying a cassette that lacks the request.
    """
    start = time.perf_counter()
    try:
        body = endpoint_body(sample, item)
    except TypeError as exc:
        result = failure(grader.result_name, grader.type, "sample_parse_error", str(exc))
    else:
        outcome = await engine.post_endpoint(
            grader.url,
            body,
            headers=grader.headers,
            rate_limit=grader.rate_limit,
            grader=grader.result_name,
        )
        result = interpret_endpoint_reply(grader, outcome)
    return replace(result, execution_time=time.perf_counter() - start)
