"""OpenAI's graders API: ``POST /v1/fine_tuning/alpha/graders/run`` and ``/validate``.

``run`` takes ``{grader, model_sample, item?}`` and answers exactly what
[`GradeResult.to_dict`][graderkit.GradeResult.to_dict] gives; ``validate`` takes ``{grader}`` and
echoes the grader as the service normalises it (loaded, then compiled again). A grader that does
not load, or may not be the top-level grader of ``graders/run`` (``label_model``), is a 400 with
OpenAI's error body, ``param`` its JSON path.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from graderkit._core.graders.models import GraderBase
from graderkit._core.graders.wire import check_target, to_openai
from graderkit.errors import InvalidGrader
from graderkit.serve.api_errors import from_invalid_grader
from graderkit.serve.endpoints import Context, endpoint
from graderkit.serve.request_bodies import field_of, json_body, mapping_at

__all__ = ["routes"]

PREFIX = "/v1/fine_tuning/alpha/graders"


def _service_grader(body: dict[str, Any], context: Context) -> GraderBase:
    """The request's inline grader, checked for the ``fine_tuning`` target."""
    wire = field_of(body, "grader", dict)
    grader = context.registry.inline(wire, "grader")
    try:
        check_target(grader, "fine_tuning")
    except InvalidGrader as exc:
        raise from_invalid_grader(exc, "grader") from None
    return grader


async def run(request: Request, context: Context) -> dict[str, Any]:
    """``graders/run``: grade ``model_sample`` against ``item``."""
    body = await json_body(request, context.settings.max_body_bytes)
    grader = _service_grader(body, context)
    sample = field_of(body, "model_sample", str)
    item = mapping_at(body.get("item"), "item")
    result = await context.service.run_one(grader, sample, item)
    return result.to_dict()


async def validate(request: Request, context: Context) -> dict[str, Any]:
    """``graders/validate``: the normalised grader, or a 400 naming the bad field."""
    body = await json_body(request, context.settings.max_body_bytes)
    return {"grader": to_openai(_service_grader(body, context))}


def routes() -> list[Route]:
    """The two routes of the graders API."""
    return [
        Route(f"{PREFIX}/run", endpoint(run), methods=["POST"]),
        Route(f"{PREFIX}/validate", endpoint(validate), methods=["POST"]),
    ]
