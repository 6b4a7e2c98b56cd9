"""Calls to the fine-tuning service itself (OpenAI or Azure OpenAI): graders run and validate,
file uploads, fine-tuning jobs.

Requests go through the official client built by
``openai_client`` (the one module that imports ``openai``), with
the same settings resolution as the model engine (``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``, or
``AZURE_OPENAI_ENDPOINT`` / ``AZURE_OPENAI_API_KEY`` / ``OPENAI_API_VERSION``). JSON endpoints
use the client's generic ``post`` so the body is sent exactly as graderkit built it (the job's
``response_format`` is not in the SDK's types). Failed calls are retried like model calls
(429, 5xx, connection errors; ``Retry-After`` honoured) and then raise
``ServiceError``.

Examples:
    >>> import asyncio
    >>> from graderkit.testing.fake_openai import FakeOpenAI
    >>> async def main(url):
    ...     async with ServiceClient.from_env(base_url=url, api_key="sk-test") as client:
    ...         grader = {"type": "string_check", "name": "x", "operation": "eq",
    ...                   "input": "{{sample.output_text}}", "reference": "yes"}
    ...         return await client.post("/fine_tuning/alpha/graders/run",
    ...                                  {"grader": grader, "model_sample": "yes"})
    >>> with FakeOpenAI() as server:
    ...     asyncio.run(main(server.base_url))["reward"]
    1.0
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from graderkit._run.judge.retry import RetryPolicy, hinted_delay, is_retryable_status, redact
from graderkit.errors import GraderkitError

__all__ = ["ServiceClient", "ServiceError"]

T = TypeVar("T")


class ServiceError(GraderkitError):
    """A call to the service failed (after retries, when retrying made sense).

    Attributes:
        status: the HTTP status, or ``None`` for a connection failure.
        message: the service's message (credentials removed).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        where = f"HTTP {status}: " if status is not None else ""
        super().__init__(f"{where}{message}")
        self.status = status
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


class ServiceClient:
    """The service's fine-tuning endpoints, through the official async client.

    Args:
        settings: a ``ClientSettings`` (see ``graderkit._run.judge.openai_client``).
        retry: the retry policy (default: 5 attempts with backoff).
        timeout: seconds per attempt (uploads can be slow).
        rng: the random source for backoff jitter.
    """

    def __init__(
        self,
        settings: Any,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 300.0,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self._rng = rng or random.Random()
        self._client: Any = None

    @classmethod
    def from_env(
        cls,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        azure_endpoint: str | None = None,
        api_version: str | None = None,
        **options: Any,
    ) -> ServiceClient:
        """A client configured from arguments, then the environment (as ``ModelEngine``)."""
        from graderkit._run.judge.openai_client import ClientSettings

        settings = ClientSettings.resolve(
            base_url=base_url,
            api_key=api_key,
            azure_endpoint=azure_endpoint,
            api_version=api_version,
        )
        return cls(settings, **options)

    @property
    def kind(self) -> str:
        """``"openai"`` (OpenAI or a compatible server) or ``"azure"``."""
        return str(self.settings.kind)

    def __repr__(self) -> str:
        return f"ServiceClient({self.settings!r})"

    async def __aenter__(self) -> ServiceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _sdk(self) -> Any:
        if self._client is None:
            from graderkit._run.judge.openai_client import _http_client, _make_client

            self._client = _make_client(self.settings, _http_client("httpx", 16))
        return self._client

    async def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST path`` with a JSON body; the JSON object the service answered.

        Raises:
            ServiceError: on an error status or connection failure, after retries.
        """

        async def call() -> str:
            text: str = await self._sdk().post(
                path, cast_to=str, body=dict(body), options={"timeout": self.timeout}
            )
            return text

        text = await self._retrying(call)
        try:
            data = json.loads(text)
        except ValueError:
            raise ServiceError(f"the answer is not JSON: {text[:200]!r}", status=200) from None
        if not isinstance(data, dict):
            raise ServiceError(f"the answer is not a JSON object: {text[:200]!r}", status=200)
        return data

    async def get(self, path: str) -> dict[str, Any]:
        """``GET path``; the JSON object the service answered."""

        async def call() -> str:
            text: str = await self._sdk().get(path, cast_to=str, options={"timeout": self.timeout})
            return text

        data = json.loads(await self._retrying(call))
        return data if isinstance(data, dict) else {"data": data}

    async def upload(self, path: str | Path, *, purpose: str = "fine-tune") -> dict[str, Any]:
        """Upload a file (``POST /files``, multipart); the file object (``id``, ``bytes``...)."""
        source = Path(path)
        content = source.read_bytes()

        async def call() -> Any:
            return await self._sdk().files.create(
                file=(source.name, content, "application/jsonl"),
                purpose=purpose,
                timeout=self.timeout,
            )

        result = await self._retrying(call)
        data: dict[str, Any] = result.model_dump(mode="json")
        return data

    async def aclose(self) -> None:
        """Close the connections (the client reopens them on next use)."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await call()
            except Exception as exc:
                error = _service_error(exc)
                if error is None:
                    raise
            if not error.retryable or attempt >= self.retry.max_attempts:
                raise error
            await asyncio.sleep(self.retry.delay(attempt, error.retry_after, self._rng))


def _service_error(exc: Exception) -> ServiceError | None:
    """The client's exception as a ServiceError; ``None`` for anything that is not an API error
    (a bug, which must propagate). The client's classes are recognised by their attributes and
    names, so this module does not import ``openai``."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        response = getattr(exc, "response", None)
        raw = getattr(response, "headers", None) or {}
        headers = {str(k).lower(): str(v) for k, v in raw.items()}
        message = redact(str(getattr(exc, "message", None) or exc))
        return ServiceError(
            message,
            status=status,
            retryable=is_retryable_status(status),
            retry_after=hinted_delay(headers, status=status, now=time.time()),
        )
    if any(cls.__name__ == "APIConnectionError" for cls in type(exc).__mro__):
        cause = exc.__cause__ or exc
        return ServiceError(f"connection error: {redact(repr(cause))[:300]}", retryable=True)
    return None
