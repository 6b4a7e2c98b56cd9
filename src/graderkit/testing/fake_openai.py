"""A real OpenAI-compatible HTTP server on loopback, scripted per test.

[`FakeOpenAI`][graderkit.testing.fake_openai.FakeOpenAI] speaks enough of the OpenAI API for the
official `openai` client: ``POST /v1/chat/completions`` and ``POST /v1/embeddings``, and the Azure
deployment paths (``/openai/deployments/<name>/chat/completions?api-version=...``); and it plays
an endpoint grader's server at ``POST /endpoint/...`` (``endpoint_url``). Each test
scripts what the server answers: valid judge replies, refusals, truncated replies, HTTP errors with
``Retry-After``, slow replies and dropped connections. Every request is logged, so a test can
assert how many requests were sent.

It also serves the fine-tuning routes (files, graders run/validate, jobs): see
``graderkit.testing._fake_training.FineTuningRoutes``.

It is a small asyncio HTTP/1.1 server (keep-alive, no thread per connection) running in a
background thread, bound to 127.0.0.1; it costs far less CPU per request than the client, so a
benchmark measures the client. It stops itself after ``lifetime`` seconds.

Examples:
    >>> from openai import OpenAI
    >>> with FakeOpenAI() as server:
    ...     server.enqueue(judge_reply(0.75))
    ...     client = OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
    ...     reply = client.chat.completions.create(
    ...         model="gpt-4.1", messages=[{"role": "user", "content": "hi"}]
    ...     )
    ...     client.close()
    >>> reply.choices[0].message.content
    '{"steps": [], "result": 0.75}'
    >>> server.request_count
    1
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import deque
from collections.abc import Sequence

from graderkit.testing._fake_training import FineTuningRoutes
from graderkit.testing._fake_wire import (
    ChatCompletion,
    Drop,
    Embeddings,
    FakeRequest,
    Handler,
    HTTPError,
    RawBody,
    Response,
    default_chat,
    default_embeddings,
    default_endpoint,
    endpoint_score,
    hash_embedder,
    http_bytes,
    judge_reply,
    parse_request,
    read_request,
    render_response,
)

__all__ = [
    "ChatCompletion",
    "Drop",
    "Embeddings",
    "FakeOpenAI",
    "FakeRequest",
    "HTTPError",
    "RawBody",
    "Response",
    "endpoint_score",
    "hash_embedder",
    "judge_reply",
]


class FakeOpenAI(FineTuningRoutes):
    """A scripted OpenAI-compatible server on 127.0.0.1 (a context manager).

    Replies come from, in order: the queue filled by
    [`enqueue`][graderkit.testing.fake_openai.FakeOpenAI.enqueue] (one entry per request), then
    ``chat`` / ``embeddings`` (callables that see the
    [`FakeRequest`][graderkit.testing.fake_openai.FakeRequest]). The defaults answer every chat
    request with a valid judge reply and every embeddings request with
    [`hash_embedder`][graderkit.testing.fake_openai.hash_embedder] vectors.

    Args:
        chat: answers chat-completions requests the queue does not.
        embeddings: answers embeddings requests the queue does not.
        endpoint: answers endpoint-grader requests (``POST /endpoint/...``) the queue does
            not; the default answers ``{"score": 1.0}``.
        latency: seconds added before every response (to measure concurrency).
        lifetime: seconds after which the server stops itself.
        max_log: how many requests [`requests`][graderkit.testing.fake_openai.FakeOpenAI.requests]
            keeps (the count in ``request_count`` is always exact).

    Examples:
        >>> import graderkit as gk
        >>> from graderkit.testing.fake_openai import FakeOpenAI, HTTPError, judge_reply
        >>> judge = gk.score_model("Is {{ sample.output_text }} a diagnosis? Score 0 to 1.",
        ...                        model="gpt-4.1", name="judge")
        >>> with FakeOpenAI() as server:
        ...     server.enqueue(HTTPError(400, "bad request"), judge_reply(0.9))
        ...     engine = gk.ModelEngine.from_env(base_url=server.base_url, api_key="sk-test")
        ...     with gk.Runner(models=engine) as runner:
        ...         failed, scored = runner.grade(judge, "gout"), runner.grade(judge, "gout")
        ...     sent = server.requests
        >>> failed.reward, list(failed.errors), scored.reward
        (0.0, ['model_grader_server_error'], 0.9)
        >>> [(r.path, r.body["model"]) for r in sent]
        [('/v1/chat/completions', 'gpt-4.1'), ('/v1/chat/completions', 'gpt-4.1')]
    """

    def __init__(
        self,
        *,
        chat: Handler = default_chat,
        embeddings: Handler = default_embeddings,
        endpoint: Handler = default_endpoint,
        latency: float = 0.0,
        lifetime: float = 600.0,
        max_log: int = 100_000,
    ) -> None:
        self.chat = chat
        self.embeddings = embeddings
        self.endpoint = endpoint
        self.latency = latency
        self.lifetime = lifetime
        self._queue: deque[Response] = deque()
        self._log: deque[FakeRequest] = deque(maxlen=max_log)
        self._count = 0
        self._lock = threading.Lock()
        self.handler_errors: list[Exception] = []
        """Exceptions raised by ``chat`` / ``embeddings`` (each answered with a 500)."""
        self._port: int | None = None
        self._in_flight = 0
        self._max_in_flight = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- scripting ---------------------------------------------------------------------------
    def enqueue(self, *responses: Response) -> None:
        """Answer the next requests with these responses, one each, in order."""
        with self._lock:
            self._queue.extend(responses)

    @property
    def requests(self) -> list[FakeRequest]:
        """The requests received so far (the most recent ``max_log``)."""
        with self._lock:
            return list(self._log)

    @property
    def request_count(self) -> int:
        """How many chat, embeddings and endpoint requests were received."""
        with self._lock:
            return self._count

    @property
    def max_in_flight(self) -> int:
        """The most requests the server was answering at the same time."""
        return self._max_in_flight

    def stats(self) -> dict[str, int]:
        """``{"request_count", "max_in_flight"}``; also served at ``GET /_fake/stats`` so a
        benchmark can read them from another process."""
        return {"request_count": self.request_count, "max_in_flight": self._max_in_flight}

    def reset_log(self) -> None:
        """Forget the logged requests and reset the counts."""
        with self._lock:
            self._log.clear()
            self._count = 0
            self._max_in_flight = 0

    # -- addresses ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._port is None:
            raise RuntimeError("FakeOpenAI is not running; use it as a context manager")
        return self._port

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def endpoint_url(self) -> str:
        """A URL for an endpoint grader, e.g. ``http://127.0.0.1:PORT/endpoint/grade``."""
        return f"http://127.0.0.1:{self.port}/endpoint/grade"

    @property
    def azure_endpoint(self) -> str:
        """The Azure-style endpoint (the client appends ``/openai/deployments/...``)."""
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        """Bind a free port on 127.0.0.1 and serve from a background thread's event loop."""
        if self._thread is not None:
            raise RuntimeError("FakeOpenAI is already running")
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10.0) or self._port is None:
            raise RuntimeError("FakeOpenAI did not start")
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection (idempotent)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may be stopping already
                loop.call_soon_threadsafe(self._stopped.set)
        if thread is not threading.current_thread():
            thread.join(10.0)
        self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main(ready))
        finally:
            loop.close()
            self._port = None

    async def _main(self, ready: threading.Event) -> None:
        self._stopped = asyncio.Event()
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=1024)
        self._port = int(server.sockets[0].getsockname()[1])
        ready.set()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), self.lifetime)
        server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(writer)
        try:
            while await self._exchange(reader, writer):
                pass
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.transport.abort()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False when the connection is to be closed."""
        received = await read_request(reader)
        if received is None:
            return False
        target, headers, raw = received
        request = parse_request(target, headers, raw)
        if request is None:
            # -- fine-tuning routes (files, graders run/validate, jobs): _fake_training.py ----
            routed = await self._fine_tuning_route(target, headers, raw, self.base_url)
            if routed is not None:
                writer.write(routed)
                await writer.drain()
                return headers.get("connection", "").lower() != "close"
            # -- end of fine-tuning routes ---------------------------------------------------
            body = json.dumps(self.stats()).encode() if target == "/_fake/stats" else b"{}"
            writer.write(http_bytes(200 if target == "/_fake/stats" else 404, body))
            return True
        self._in_flight += 1
        self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            response = self._respond(request)
            delay = self.latency + response.delay
            if delay > 0:
                await asyncio.sleep(delay)
        finally:
            self._in_flight -= 1
        if isinstance(response, Drop):
            return False
        writer.write(render_response(request, response))
        await writer.drain()
        return headers.get("connection", "").lower() != "close"

    # -- scripted replies --------------------------------------------------------------------
    def _respond(self, request: FakeRequest) -> Response:
        with self._lock:
            self._count += 1
            self._log.append(request)
            queued = self._queue.popleft() if self._queue else None
        if queued is not None:
            return queued
        handlers = {"chat": self.chat, "embeddings": self.embeddings, "endpoint": self.endpoint}
        handler = handlers[request.kind]
        try:
            return handler(request)
        except Exception as exc:  # a bug in a test's script: answer 500 and keep it for the test
            self.handler_errors.append(exc)
            return HTTPError(500, f"the fake server's {request.kind} handler raised {exc!r}")


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until stopped: ``python -m graderkit.testing.fake_openai --latency 0.1``.

    Prints the base URL on the first line of stdout (a benchmark can run the server in another
    process and read its counters from ``GET /_fake/stats``).
    """
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each reply")
    parser.add_argument(
        "--lifetime", type=float, default=600.0, help="stop after this many seconds"
    )
    args = parser.parse_args(argv)
    with FakeOpenAI(latency=args.latency, lifetime=args.lifetime) as server:
        print(server.base_url, flush=True)
        thread = server._thread
        if thread is not None:
            thread.join()


if __name__ == "__main__":
    main()
