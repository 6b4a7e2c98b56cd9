"""The batch engine every model call goes through (judge models and embeddings).

One [`ModelEngine`][graderkit._run.judge.engine.ModelEngine] holds: a transport (the OpenAI-compatible
client, created lazily in the event loop that first uses it), a semaphore bounding the requests
in flight, a retry policy (exponential backoff with jitter, honouring ``Retry-After`` and the
rate-limit headers, plus an engine-wide pause after a 429), a per-attempt timeout, an optional
on-disk cache and cassette, and a ledger of tokens and dollars per grader and per model.

Every call returns exactly one outcome and never raises for a failed request: a
[`ChatReply`][graderkit._core.judge.reply.ChatReply] (or an
[`EmbeddingReply`][graderkit._run.judge.transport.EmbeddingReply]), or a
[`ChatFailure`][graderkit._core.judge.reply.ChatFailure] after the last retry. The one
exception is a cassette in replay mode that lacks a request, which raises
[`CassetteMiss`][graderkit._run.judge.cassette.CassetteMiss].

Examples:
    >>> import asyncio
    >>> from graderkit.testing.fake_openai import FakeOpenAI, judge_reply
    >>> async def main(url):
    ...     engine = ModelEngine.from_env(base_url=url, api_key="sk-test")
    ...     reply = await engine.complete({"model": "gpt-4.1", "messages": []}, grader="j")
    ...     await engine.aclose()
    ...     return reply.content, engine.ledger.total.requests
    >>> with FakeOpenAI() as server:
    ...     server.enqueue(judge_reply(0.5))
    ...     asyncio.run(main(server.base_url))
    ('{"steps": [], "result": 0.5}', 1)
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from graderkit._core.graders.models import public_url
from graderkit._core.judge.endpoint_reply import EndpointReply
from graderkit._core.judge.reply import ChatFailure, ChatReply
from graderkit._core.judge.request import is_reasoning_model
from graderkit._run.judge.accounting import (
    DEFAULT_PRICES,
    CostEstimate,
    Ledger,
    Price,
    estimate_cost,
)
from graderkit._run.judge.cache import BackgroundWriter, ReplyCache, request_key
from graderkit._run.judge.cassette import Cassette, CassetteMode
from graderkit._run.judge.in_flight import InFlight
from graderkit._run.judge.retry import RetryPolicy, TransportError, failure_after
from graderkit._run.judge.transport import EmbeddingReply, Transport, TransportFactory

if TYPE_CHECKING:
    from graderkit._run.judge.endpoint_client import EndpointClient
    from graderkit._run.judge.openai_client import HttpBackend

__all__ = ["EmbeddingReply", "ModelEngine", "Transport", "TransportFactory"]

Kind = Literal["chat", "embeddings", "endpoint"]
R = TypeVar("R", ChatReply, EmbeddingReply, EndpointReply)
_GRACE = 1.0
"""Seconds the engine's own timer waits beyond the transport's timeout before giving up."""


@dataclass(slots=True)
class _LoopState:
    """What belongs to one event loop: the transport (lazily), the semaphore, and the cacheable
    requests in flight."""

    loop: asyncio.AbstractEventLoop
    semaphore: asyncio.Semaphore
    transport: Transport | None = None
    endpoints: EndpointClient | None = None
    pause_until: float = 0.0
    in_flight: InFlight = field(default_factory=InFlight)


class ModelEngine:
    """Bounded-concurrency, retrying, caching, accounting access to a model server.

    Args:
        transport: a factory returning a [`Transport`][graderkit._run.judge.transport.Transport]
            (called once per event loop, on the first request that needs the network).
        concurrency: requests in flight at most.
        timeout: seconds per attempt.
        retry: the retry policy.
        cache: a [`ReplyCache`][graderkit._run.judge.cache.ReplyCache] or a directory for one.
        cassette: a [`Cassette`][graderkit._run.judge.cassette.Cassette] to record into or replay from.
        prices: USD per million tokens per model, added to (and overriding entries of)
            [`DEFAULT_PRICES`][graderkit._run.judge.accounting.DEFAULT_PRICES].
        reasoning_models: decides whether a model name is a reasoning model (default
            [`is_reasoning_model`][graderkit._core.judge.request.is_reasoning_model]).
        rng: the random source for jitter (seed it for reproducible waits).
        structured_output: send judges the strict ``response_format`` (the service does);
            ``False`` drops it, for servers that refuse structured output (the developer
            instruction still asks for the same JSON).

    Build one with [`from_env`][graderkit._run.judge.engine.ModelEngine.from_env] and give it to a
    [`Runner`][graderkit.Runner]; here a local fake server stands in for the service.

    Examples:
        >>> import graderkit as gk
        >>> from graderkit.testing.fake_openai import FakeOpenAI, judge_reply
        >>> judge = gk.score_model("Is {{ sample.output_text }} a diagnosis? Score 0 to 1.",
        ...                        model="gpt-4.1", name="judge")
        >>> with FakeOpenAI() as server:
        ...     server.enqueue(judge_reply(0.75))
        ...     engine = gk.ModelEngine.from_env(base_url=server.base_url, api_key="sk-test")
        ...     with gk.Runner(models=engine) as runner:
        ...         result = runner.grade(judge, "gout")
        >>> result.reward, result.type
        (0.75, 'score_model')
    """

    def __init__(
        self,
        transport: TransportFactory,
        *,
        concurrency: int = 64,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
        cache: ReplyCache | str | os.PathLike[str] | None = None,
        cassette: Cassette | None = None,
        prices: Mapping[str, Price] | None = None,
        reasoning_models: Callable[[str], bool] | None = None,
        rng: random.Random | None = None,
        structured_output: bool = True,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self._factory = transport
        self.concurrency = concurrency
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.cache = cache if cache is None or isinstance(cache, ReplyCache) else ReplyCache(cache)
        self.cassette = cassette
        self.ledger = Ledger(prices={**DEFAULT_PRICES, **(prices or {})})
        self._reasoning = reasoning_models or is_reasoning_model
        self.structured_output = structured_output
        self._rng = rng or random.Random()
        self._state: _LoopState | None = None
        self._writer: BackgroundWriter | None = None

    @classmethod
    def from_env(
        cls,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        azure_endpoint: str | None = None,
        api_version: str | None = None,
        http: HttpBackend = "auto",
        legacy_max_tokens: bool = False,
        cache_dir: ReplyCache | str | os.PathLike[str] | None = None,
        cassette: str | os.PathLike[str] | Cassette | None = None,
        mode: CassetteMode = "replay",
        **options: Any,
    ) -> ModelEngine:
        """An engine for an OpenAI-compatible server, configured from arguments and env vars.

        Args:
            base_url: e.g. ``http://localhost:8000/v1`` for vLLM (default ``OPENAI_BASE_URL``,
                else OpenAI).
            api_key: the key (default ``OPENAI_API_KEY``, or ``AZURE_OPENAI_API_KEY`` for
                Azure). It stays inside the client: never logged, cached or recorded.
            azure_endpoint: use Azure OpenAI (default ``AZURE_OPENAI_ENDPOINT`` when no
                ``base_url`` / ``OPENAI_BASE_URL`` is set).
            api_version: the Azure API version (default ``OPENAI_API_VERSION``).
            http: ``"auto"`` (aiohttp when installed, else httpx), ``"aiohttp"`` or ``"httpx"``.
            legacy_max_tokens: send ``max_tokens`` instead of ``max_completion_tokens``, for
                servers that only know the old name.
            cache_dir: a directory for the reply cache.
            cassette: a cassette file (or object) to record into / replay from.
            mode: the cassette's mode: ``"replay"`` (the default: nothing is sent, so a CI
                run never spends money by accident) or ``"record"``.
            **options: the other [`ModelEngine`][graderkit._run.judge.engine.ModelEngine] arguments
                (``concurrency``, ``timeout``, ``retry``, ``prices``, ``reasoning_models``,
                ``structured_output``).
        """
        from graderkit._run.judge.openai_client import ClientSettings, OpenAITransport

        settings = ClientSettings.resolve(
            base_url=base_url,
            api_key=api_key,
            azure_endpoint=azure_endpoint,
            api_version=api_version,
        )
        connections = int(options.get("concurrency", 64))
        tape = (
            cassette
            if cassette is None or isinstance(cassette, Cassette)
            else Cassette(cassette, mode=mode)
        )
        return cls(
            lambda: OpenAITransport(
                settings,
                http=http,
                max_connections=connections,
                legacy_max_tokens=legacy_max_tokens,
            ),
            cache=cache_dir,
            cassette=tape,
            **options,
        )

    def __repr__(self) -> str:
        return (
            f"ModelEngine(concurrency={self.concurrency}, timeout={self.timeout}, "
            f"cache={self.cache!r}, cassette={self.cassette!r})"
        )

    def is_reasoning(self, model: str) -> bool:
        """Whether ``model`` is treated as a reasoning model (see ``reasoning_models``)."""
        return self._reasoning(model)

    def estimate(
        self, grader: Any, pairs: Iterable[tuple[Any, Mapping[str, Any] | None]], **kw: Any
    ) -> CostEstimate:
        """A pre-run cost estimate with this engine's prices (see
        [`estimate_cost`][graderkit._run.judge.accounting.estimate_cost])."""
        return estimate_cost(grader, pairs, prices=self.ledger.prices, **kw)

    # ---- calls ------------------------------------------------------------------------------

    async def complete(
        self, body: Mapping[str, Any], *, grader: str = ""
    ) -> ChatReply | ChatFailure:
        """One chat completion: from the cassette or cache, else from the server with retries.

        Args:
            body: the request body (see [`build_request`][graderkit._core.judge.request.build_request]).
            grader: the grader's name, for accounting.

        Raises:
            CassetteMiss: in replay mode, when the cassette lacks this request.
        """
        return await self._call("chat", body, grader, ChatReply.from_dict, _chat)

    async def embed(
        self, body: Mapping[str, Any], *, grader: str = "", cached: bool = True
    ) -> EmbeddingReply | ChatFailure:
        """One embeddings call (``{"model", "input": [...]}``), same rules as ``complete``.

        ``cached=False`` skips the cache and cassette for this body (the embeddings backend
        caches per text instead, see [`recall`][graderkit._run.judge.engine.ModelEngine.recall]).
        """
        return await self._call(
            "embeddings", body, grader, EmbeddingReply.from_dict, _embed, cached=cached
        )

    async def post_endpoint(
        self,
        url: str,
        body: Mapping[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
        rate_limit: int | None = None,
        grader: str = "",
    ) -> EndpointReply | ChatFailure:
        """One endpoint-grader call (``POST url`` with ``body``), same rules as ``complete``:
        cassette or cache first, else sent with retries.

        ``headers`` and the URL's query values are sent but are no part of the cache key, the
        cache or a cassette (they usually hold a key); the ledger counts the call under the
        URL (query values masked).

        Raises:
            CassetteMiss: in replay mode, when the cassette lacks this request.
        """

        async def send(
            client: EndpointClient, _: Mapping[str, Any], timeout: float
        ) -> EndpointReply:
            return await client.post(
                url, body, headers or {}, timeout=timeout, rate_limit=rate_limit
            )

        key_body = {"endpoint": public_url(url), "json": body}
        return await self._call("endpoint", key_body, grader, EndpointReply.from_dict, send)

    def recall(
        self, kind: Kind, body: Mapping[str, Any], *, grader: str = ""
    ) -> dict[str, Any] | None:
        """The stored reply to ``body`` (cassette, then cache), counted as a cache hit; or None.

        Raises:
            CassetteMiss: in replay mode, when the cassette lacks this request.
        """
        stored = self._lookup(kind, request_key(kind, body), body)
        if stored is not None:
            model = str(body.get("model", ""))
            self.ledger.add(
                grader=grader, model=model, requests=0, cached=True, failed=False, usage=None
            )
        return stored

    def remember(self, kind: Kind, body: Mapping[str, Any], reply: Mapping[str, Any]) -> None:
        """Store ``reply`` as the answer to ``body`` (cache and, when recording, cassette)."""
        self._store(kind, request_key(kind, body), body, dict(reply))

    async def aclose(self) -> None:
        """Finish pending cache writes and close the transport's connections (the engine
        reopens them on next use).

        Call it from the event loop that made the requests, before that loop ends. If that
        loop is already closed, the connections died with it and are only forgotten here.
        """
        state, self._state = self._state, None
        writer, self._writer = self._writer, None
        if writer is not None:
            await asyncio.to_thread(writer.close)
        if state is None or (state.transport is None and state.endpoints is None):
            return
        if state.loop is asyncio.get_running_loop():
            for opened in (state.transport, state.endpoints):
                if opened is not None:
                    await opened.aclose()
        elif not state.loop.is_closed():
            self._state = state
            raise RuntimeError("aclose() must run in the event loop that opened the connections")

    async def _call(
        self,
        kind: Kind,
        body: Mapping[str, Any],
        grader: str,
        decode: Callable[[Mapping[str, Any]], R],
        send: Callable[[Any, Mapping[str, Any], float], Awaitable[R]],
        *,
        cached: bool = True,
    ) -> R | ChatFailure:
        model = _model_of(body)
        cached = cached and (self.cache is not None or self.cassette is not None)
        key = request_key(kind, body) if cached else ""
        stored = self._lookup(kind, key, body) if cached else None
        if stored is not None:
            reply = decode(stored)
            self._account(grader, model, reply, requests=0, cached=True)
            return reply
        if not cached:
            outcome, attempts = await self._send(kind, body, send)
            self._account(grader, model, outcome, requests=attempts, cached=False)
            return outcome
        return await self._send_once(kind, key, body, grader, send)

    async def _send_once(
        self,
        kind: Kind,
        key: str,
        body: Mapping[str, Any],
        grader: str,
        send: Callable[[Any, Mapping[str, Any], float], Awaitable[R]],
    ) -> R | ChatFailure:
        """Send a cacheable request, or wait for the identical one already in flight.

        With a cache, an identical request made a moment later is answered from the cache;
        one made while the first is still in flight waits for it instead of sending a
        duplicate (a dataset with repeated answers asks its judge once per distinct prompt),
        and counts as a cache hit (see [`InFlight`][graderkit._run.judge.in_flight.InFlight]).
        """
        model = _model_of(body)
        (outcome, attempts), shared = await self._bind().in_flight.run(
            key, lambda: self._send(kind, body, send)
        )
        if shared:
            self._account(grader, model, outcome, requests=0, cached=True)
            return outcome
        if not isinstance(outcome, ChatFailure):
            self._store(kind, key, body, outcome.to_dict())
        self._account(grader, model, outcome, requests=attempts, cached=False)
        return outcome

    def _lookup(self, kind: Kind, key: str, body: Mapping[str, Any]) -> dict[str, Any] | None:
        tape = self.cassette
        if tape is not None:
            found = tape.get(key)
            if found is not None:
                return found
            if tape.mode == "replay":
                raise tape.miss(key, body)
        source = self._writer or self.cache
        found = source.get(key) if source is not None else None
        if found is not None and tape is not None:
            tape.record(key, kind, body, found)
        return found

    def _store(self, kind: Kind, key: str, body: Mapping[str, Any], reply: dict[str, Any]) -> None:
        if self.cache is not None:
            self._write_cache(self.cache, key, reply)
        if self.cassette is not None:
            self.cassette.record(key, kind, body, reply)

    def _write_cache(self, cache: ReplyCache, key: str, reply: dict[str, Any]) -> None:
        """Hand the write to a background thread (see
        [`BackgroundWriter`][graderkit._run.judge.cache.BackgroundWriter]); ``aclose`` waits for it."""
        if self._writer is None:
            self._writer = BackgroundWriter(cache)
        self._writer.submit(key, reply)

    def _account(
        self, grader: str, model: str, outcome: Any, *, requests: int, cached: bool
    ) -> None:
        failed = isinstance(outcome, ChatFailure)
        usage = None if failed or outcome.usage is None else outcome.usage.to_dict()
        self.ledger.add(
            grader=grader, model=model, requests=requests, cached=cached, failed=failed, usage=usage
        )

    # ---- the network ------------------------------------------------------------------------

    def _bind(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._state
        if state is not None and state.loop is not loop:
            if state.transport is not None or state.endpoints is not None:
                raise RuntimeError(
                    "this ModelEngine holds connections opened in another event loop; "
                    "`await engine.aclose()` before that loop ends (e.g. at the end of each "
                    "asyncio.run), or make one engine per event loop"
                )
            state = None  # nothing was opened there: just move to this loop
        if state is None:
            state = self._state = _LoopState(loop, asyncio.Semaphore(self.concurrency))
        return state

    async def _send(
        self,
        kind: Kind,
        body: Mapping[str, Any],
        send: Callable[[Any, Mapping[str, Any], float], Awaitable[R]],
    ) -> tuple[R | ChatFailure, int]:
        state = self._bind()
        error = TransportError("no attempt was made")
        attempt = 0
        for attempt in range(1, self.retry.max_attempts + 1):
            wait = state.pause_until - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            transport = self._open(state, kind)  # misconfiguration raises here
            try:
                async with state.semaphore:
                    reply = await _within(
                        send(transport, body, self.timeout), self.timeout + _GRACE
                    )
                return reply, attempt
            except TransportError as exc:
                error = exc
            except asyncio.TimeoutError:
                error = TransportError(f"no reply within the {self.timeout}s timeout")
            except Exception as exc:  # a transport bug must not lose the sample
                error = TransportError(f"{type(exc).__name__}: {exc}", retryable=False)
            if not error.retryable or attempt == self.retry.max_attempts:
                break
            if error.status == 429 and error.retry_after is not None:
                state.pause_until = max(state.pause_until, time.monotonic() + error.retry_after)
            await asyncio.sleep(self.retry.delay(attempt, error.retry_after, self._rng))
        return failure_after(error, attempt), attempt

    def _open(self, state: _LoopState, kind: Kind) -> Any:
        """The loop's model transport, or for ``endpoint`` its HTTP client (opened lazily, so
        endpoint calls need no model credentials)."""
        if kind == "endpoint":
            if state.endpoints is None:
                from graderkit._run.judge.endpoint_client import EndpointClient

                state.endpoints = EndpointClient(max_connections=self.concurrency)
            return state.endpoints
        if state.transport is None:
            state.transport = self._factory()
        return state.transport


def _model_of(body: Mapping[str, Any]) -> str:
    """The ledger's model for a request: the ``model`` field, or an endpoint call's URL."""
    return str(body.get("model") or body.get("endpoint") or "")


if sys.version_info >= (3, 11):

    async def _within(call: Awaitable[R], seconds: float) -> R:
        """``call`` with a deadline, in the current task (``wait_for`` on 3.10 makes a task)."""
        async with asyncio.timeout(seconds):
            return await call

else:  # pragma: no cover - Python 3.10

    async def _within(call: Awaitable[R], seconds: float) -> R:
        return await asyncio.wait_for(call, seconds)


async def _chat(transport: Transport, body: Mapping[str, Any], timeout: float) -> ChatReply:
    return await transport.chat(body, timeout=timeout)


async def _embed(transport: Transport, body: Mapping[str, Any], timeout: float) -> EmbeddingReply:
    return await transport.embed(body, timeout=timeout)
