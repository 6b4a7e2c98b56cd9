"""Rewards for trainers: a batch route and OpenRLHF's remote reward protocol.

* ``POST /v1/rewards`` ``{grader, samples, items?, stream?}``: ``grader`` is the name of a
  grader registered at start-up or inline grader JSON. The answer lists ``rewards``,
  ``sub_rewards`` (one list per multi key) and ``errors`` (each row's raised flags) in input
  order; with ``"stream": true`` (or ``Accept: application/x-ndjson``) it is NDJSON, one row
  per line in input order, sent as rows finish.
* ``POST /get_reward`` (the only registered grader, or ``?grader=NAME``) and
  ``POST /v1/graders/{name}/get_reward``: OpenRLHF's ``{query, prompts, labels}`` in,
  ``{rewards, scores, extra_logs}`` out (see [`openrlhf_row`][graderkit.integrations.openrlhf.openrlhf_row]).
* ``GET /v1/graders``: the registered graders.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from graderkit._core.graders.models import GraderBase
from graderkit.integrations.openrlhf import openrlhf_row
from graderkit.serve.api_errors import ApiError
from graderkit.serve.endpoints import Context, endpoint, timeout_error
from graderkit.serve.request_bodies import field_of, json_body, mapping_at, text_list

__all__ = ["openrlhf_row", "routes"]

NDJSON = "application/x-ndjson"


def _check_size(count: int, context: Context, where: str) -> None:
    cap = context.settings.max_batch
    if count > cap:
        raise ApiError(400, f"'{where}' has {count} entries; this server takes at most {cap} "
                       "per request (split the batch)", param=where, code="batch_too_large")  # fmt: skip


def _items(body: dict[str, Any], count: int) -> list[dict[str, Any]]:
    raw = body.get("items")
    if raw is None:
        return [{}] * count
    values: list[Any] = field_of(body, "items", list)
    if len(values) != count:
        raise ApiError(400, f"'items' has {len(values)} entries but 'samples' has {count}; "
                       "send one item per sample", param="items", code="invalid_length")  # fmt: skip
    if all(type(v) is dict for v in values):  # the common case, checked at C speed
        return values
    return [mapping_at(v, f"items[{i}]") for i, v in enumerate(values)]


async def rewards(request: Request, context: Context) -> Any:
    """``POST /v1/rewards``."""
    body = await json_body(request, context.settings.max_body_bytes)
    grader = context.registry.resolve(field_of(body, "grader", str, dict), "grader")
    samples: list[Any] = field_of(body, "samples", list)
    _check_size(len(samples), context, "samples")
    items = _items(body, len(samples))
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise ApiError(400, "'stream' must be true or false", param="stream", code="invalid_type")
    if stream or NDJSON in request.headers.get("accept", ""):
        lines = _ndjson(context, grader, samples, items)
        return StreamingResponse(lines, media_type=NDJSON)
    done = await context.service.batch(grader, samples, items)
    return {"grader": grader.result_name, "rewards": done.rewards,
            "sub_rewards": done.sub_rewards, "errors": done.errors}  # fmt: skip


async def _ndjson(
    context: Context, grader: GraderBase, samples: Sequence[Any], items: Sequence[Mapping[str, Any]]
) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + context.settings.request_timeout
    rows = context.service.stream(grader, samples, items).__aiter__()
    try:
        while True:
            try:
                record = await asyncio.wait_for(rows.__anext__(), deadline - loop.time())
            except StopAsyncIteration:
                return
            except asyncio.TimeoutError:
                yield context.encode(timeout_error(context.settings.request_timeout).body()) + b"\n"
                return
            yield context.encode(record) + b"\n"
    finally:
        await rows.aclose()  # type: ignore[attr-defined]


def _registered(request: Request, context: Context) -> GraderBase:
    name = request.path_params.get("name") or request.query_params.get("grader")
    if name is not None:
        return context.registry.by_name(name, "grader")
    names = context.registry.names()
    if len(names) != 1:
        raise ApiError(400, f"this server has {len(names)} graders ({', '.join(names) or 'none'}); "
                       "post to /v1/graders/NAME/get_reward or /get_reward?grader=NAME",
                       param="grader", code="unknown_grader")  # fmt: skip
    return context.registry.by_name(names[0], "grader")


async def get_reward(request: Request, context: Context) -> dict[str, Any]:
    """OpenRLHF's ``/get_reward``."""
    grader = _registered(request, context)
    body = await json_body(request, context.settings.max_body_bytes)
    queries = text_list(body, "query")
    _check_size(len(queries), context, "query")
    prompts = text_list(body, "prompts", length=len(queries)) if "prompts" in body else None
    labels: list[Any] = field_of(body, "labels", list) if "labels" in body else []
    if labels and len(labels) != len(queries):
        raise ApiError(400, f"'labels' has {len(labels)} entries but 'query' has {len(queries)}",
                       param="labels", code="invalid_length")  # fmt: skip
    strip = context.settings.openrlhf_strip
    rows = [
        openrlhf_row(q, prompts[i] if prompts else "", labels[i] if labels else None, strip)
        for i, q in enumerate(queries)
    ]
    done = await context.service.batch(grader, [s for s, _ in rows], [i for _, i in rows])
    extra: dict[str, list[float]] = dict(done.sub_rewards)
    extra["graderkit_errors"] = [1.0 if e else 0.0 for e in done.errors]
    return {"rewards": done.rewards, "scores": done.rewards, "extra_logs": extra}


async def list_graders(request: Request, context: Context) -> dict[str, Any]:
    """``GET /v1/graders``."""
    named = context.registry.named
    return {"graders": [{"name": n, "type": named[n].type, "grader": named[n].wire()}
                        for n in context.registry.names()]}  # fmt: skip


def routes() -> list[Route]:
    """The reward routes."""
    return [
        Route("/v1/rewards", endpoint(rewards), methods=["POST"]),
        Route("/get_reward", endpoint(get_reward), methods=["POST"]),
        Route("/v1/graders/{name}/get_reward", endpoint(get_reward), methods=["POST"]),
        Route("/v1/graders", endpoint(list_graders), methods=["GET"]),
    ]
