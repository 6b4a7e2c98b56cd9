"""ASGI middleware around every route: the API key check and the structured access log.

The key is compared in constant time (``hmac.compare_digest``). The access log writes one JSON
object per request: method, path (never the query string), status, milliseconds and byte
counts; never a header (so never a key) and never a body (so never an item or a sample).
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graderkit.serve.api_errors import error_body

__all__ = ["OPEN_PATHS", "AccessLog", "ApiKeyGuard"]

access_log = logging.getLogger("graderkit.serve.access")

OPEN_PATHS = frozenset({"/healthz"})
"""Paths answered without a key (they reveal nothing but liveness)."""


class ApiKeyGuard:
    """Answer 401 in OpenAI's error shape unless ``Authorization: Bearer <key>`` matches.

    Examples:
        >>> ApiKeyGuard(app=None, key="k")._allowed({"headers": [(b"authorization", b"Bearer k")]})
        True
        >>> ApiKeyGuard(app=None, key="k")._allowed({"headers": [(b"authorization", b"Bearer x")]})
        False
    """

    def __init__(self, app: ASGIApp, key: str) -> None:
        self.app = app
        self.expected = f"Bearer {key}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        missing = not any(name == b"authorization" for name, _ in scope["headers"])
        message = (
            "You didn't provide an API key: send it as 'Authorization: Bearer <key>'."
            if missing
            else "Incorrect API key provided."
        )
        body = orjson.dumps(error_body(message, param=None, code="invalid_api_key"))
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})

    def _allowed(self, scope: Scope) -> bool:
        given = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                given = value
        return hmac.compare_digest(given, self.expected)


class AccessLog:
    """Log one JSON line per HTTP request on ``graderkit.serve.access`` (INFO)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        seen: dict[str, Any] = {"status": 500, "out": 0, "in": 0}

        async def counting_receive() -> Message:
            message = await receive()
            seen["in"] += len(message.get("body", b""))
            return message

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["out"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, counting_send)
        finally:
            record = {
                "event": "request",
                "method": scope["method"],
                "path": scope["path"],
                "status": seen["status"],
                "ms": round((time.perf_counter() - start) * 1000, 3),
                "bytes_in": seen["in"],
                "bytes_out": seen["out"],
            }
            access_log.info(orjson.dumps(record).decode())
