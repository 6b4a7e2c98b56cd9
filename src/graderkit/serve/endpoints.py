"""What every route shares: the request context, JSON responses, the time limit, redaction.

A handler returns a JSON-able value (or raises [`ApiError`][graderkit.serve.api_errors.ApiError]);
[`endpoint`][graderkit.serve.endpoints.endpoint] turns that into a response, bounded by the
per-request time limit. Before a body leaves the server, any secret the server holds (its own
key, the judge's key) is replaced by ``[redacted]``: a judge error that quotes its key never
reaches a client.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from graderkit.serve.api_errors import ApiError, error_body
from graderkit.serve.grader_registry import GraderRegistry
from graderkit.serve.grading_service import GradingService
from graderkit.serve.server_settings import ServeSettings

__all__ = ["Context", "Handler", "endpoint", "json_response", "secrets_from_env"]

log = logging.getLogger("graderkit.serve")

Handler = Callable[[Request, "Context"], Awaitable[Any]]

JUDGE_KEY_ENV = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY")
MIN_SECRET = 8
"""Shorter strings are not redacted (they would match ordinary text)."""


def secrets_from_env(settings: ServeSettings) -> tuple[bytes, ...]:
    """The secrets to keep out of responses: the server's key and the judge's keys.

    Examples:
        >>> secrets_from_env(ServeSettings(api_key="a-long-server-key"))[0]
        b'a-long-server-key'
    """
    found = [settings.key, *(os.environ.get(name) for name in JUDGE_KEY_ENV)]
    return tuple(s.encode() for s in found if s and len(s) >= MIN_SECRET)


@dataclass
class Context:
    """Per-process state every handler sees."""

    settings: ServeSettings
    registry: GraderRegistry
    service: GradingService
    secrets: tuple[bytes, ...]

    def encode(self, value: Any) -> bytes:
        """``value`` as JSON bytes, with every secret redacted."""
        body = orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)
        return redact(body, self.secrets)


def redact(body: bytes, secrets: Iterable[bytes]) -> bytes:
    """Replace each secret in ``body`` by ``[redacted]``.

    Examples:
        >>> redact(b'{"details": "bad key sk-123456789"}', [b"sk-123456789"])
        b'{"details": "bad key [redacted]"}'
    """
    for secret in secrets:
        if secret in body:
            body = body.replace(secret, b"[redacted]")
    return body


def json_response(body: bytes, status: int = 200) -> Response:
    """A JSON response from encoded bytes."""
    return Response(body, status_code=status, media_type="application/json")


def error_response(exc: ApiError) -> Response:
    """The OpenAI-shaped error response of ``exc``."""
    return json_response(orjson.dumps(exc.body()), exc.status)


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint running ``handler`` within the request time limit."""

    async def route(request: Request) -> Response:
        context: Context = request.app.state.context
        try:
            value = await asyncio.wait_for(
                handler(request, context), context.settings.request_timeout
            )
        except ApiError as exc:
            return error_response(exc)
        except asyncio.TimeoutError:
            return error_response(timeout_error(context.settings.request_timeout))
        if isinstance(value, Response):
            return value
        return json_response(context.encode(value))

    route.__name__ = route.__qualname__ = handler.__name__
    return route


def timeout_error(seconds: float) -> ApiError:
    """The 504 of a request that ran past the time limit."""
    return ApiError(
        504,
        f"the request took longer than the server's limit of {seconds:g} s",
        type="timeout_error",
        code="timeout",
    )


async def internal_error(request: Request, exc: Exception) -> Response:
    """The last resort: a 500 in OpenAI's shape, without details (they are in the log)."""
    log.error("unhandled error on %s", request.url.path, exc_info=exc)
    body = error_body("internal server error", type="server_error", param=None, code=None)
    return json_response(orjson.dumps(body), 500)
