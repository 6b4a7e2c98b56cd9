"""The one module that imports ``httpx``: one POST to an endpoint grader's URL.

[`EndpointClient`][graderkit._run.judge.endpoint_client.EndpointClient] makes one attempt per
call and raises [`TransportError`][graderkit._run.judge.retry.TransportError] when the endpoint
cannot be reached or answers with an error status; the
[`ModelEngine`][graderkit._run.judge.engine.ModelEngine] retries, caches and accounts around it,
exactly as for judge models. httpx is the HTTP library the ``openai`` client already brings, so
this adds no dependency. The grader's ``headers`` (often a key) are sent, never logged, cached or
recorded. A grader's ``rate_limit`` (requests per second) paces the calls to its URL.

Imported lazily (by the engine, on the first endpoint call), so ``import graderkit`` never loads
``httpx``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from graderkit._core.judge.endpoint_reply import EndpointReply
from graderkit._run.judge.retry import TransportError, hinted_delay, is_retryable_status

__all__ = ["EndpointClient", "pace"]

_DETAILS_LIMIT = 300


class EndpointClient:
    """POSTs JSON to endpoint graders over one pooled ``httpx.AsyncClient``.

    Args:
        max_connections: the connection-pool size (at least the engine's concurrency).

    Examples:
        >>> import asyncio
        >>> from graderkit.testing.fake_openai import FakeOpenAI
        >>> async def main(url):
        ...     client = EndpointClient()
        ...     try:
        ...         return await client.post(url, {"sample": {}, "item": {}}, {}, timeout=10)
        ...     finally:
        ...         await client.aclose()
        >>> with FakeOpenAI() as server:
        ...     asyncio.run(main(server.endpoint_url)).body
        {'score': 1.0}
    """

    def __init__(self, *, max_connections: int = 64) -> None:
        limits = httpx.Limits(
            max_connections=max(100, max_connections),
            max_keepalive_connections=max(20, max_connections),
        )
        self._client = httpx.AsyncClient(limits=limits, follow_redirects=False)
        self._next_slot: dict[str, float] = {}

    async def post(
        self,
        url: str,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        *,
        timeout: float,
        rate_limit: int | None = None,
    ) -> EndpointReply:
        """One ``POST url`` with ``body`` as JSON; a 2xx reply's JSON (or its text when it is
        not JSON, for the grade to report).

        Raises:
            TransportError: the endpoint was unreachable, too slow, or answered with a non-2xx
                status (429 and 5xx are retryable, and ``Retry-After`` is honoured).
        """
        if rate_limit:
            await self._pace(url, rate_limit)
        try:
            response = await self._client.post(
                url, json=dict(body), headers=dict(headers), timeout=timeout
            )
        except httpx.TimeoutException:
            raise TransportError(f"no reply within the {timeout}s timeout") from None
        except httpx.HTTPError as exc:
            raise TransportError(f"connection error: {type(exc).__name__}: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise _status_error(response)
        try:
            return EndpointReply(json.loads(response.content))
        except ValueError:
            return EndpointReply(None, text=response.text[:_DETAILS_LIMIT])

    async def _pace(self, url: str, rate_limit: int) -> None:
        """Start calls to ``url`` at most ``rate_limit`` per second (the grader's promise to
        its endpoint, kept locally too)."""
        wait = pace(self._next_slot, url, rate_limit, time.monotonic())
        if wait > 0:
            await asyncio.sleep(wait)

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()


def pace(slots: dict[str, float], url: str, rate_limit: int, now: float) -> float:
    """Seconds to wait before the next call to ``url``, booking its slot in ``slots``.

    Examples:
        >>> slots: dict[str, float] = {}
        >>> [pace(slots, "u", 4, now=10.0) for _ in range(3)], pace(slots, "u", 4, now=20.0)
        ([0.0, 0.25, 0.5], 0.0)
    """
    slot = max(now, slots.get(url, now))
    slots[url] = slot + 1.0 / rate_limit
    return slot - now


def _status_error(response: httpx.Response) -> TransportError:
    status = response.status_code
    headers = {k.lower(): v for k, v in response.headers.items()}
    return TransportError(
        f"the endpoint answered {status}: {response.text[:_DETAILS_LIMIT]!r}",
        status=status,
        retryable=is_retryable_status(status),
        retry_after=hinted_delay(headers, status=status, now=time.time()),
    )
