"""Embeddings for ``text_similarity`` with ``evaluation_metric="cosine"``.

The service embeds both texts with ``text-embedding-3-large`` and takes their cosine. Here the
embedder is a seam: anything with ``async def embed(texts) -> list[list[float]]`` is an
[`EmbeddingBackend`][graderkit._run.judge.embeddings.EmbeddingBackend], so a local model
(sentence-transformers, a llama.cpp server...) plugs in. The default,
[`OpenAIEmbeddings`][graderkit._run.judge.embeddings.OpenAIEmbeddings], calls any OpenAI-compatible
``/v1/embeddings`` through the [`ModelEngine`][graderkit._run.judge.engine.ModelEngine] (retries,
concurrency, accounting), caches each text's vector on its own (a reference repeated across
rows is embedded once) and batches the texts that concurrent samples ask for in the same
moment into one request.

Examples:
    >>> import asyncio
    >>> class Letters:  # a toy local embedder: counts of 'a' and 'b'
    ...     async def embed(self, texts):
    ...         return [[t.count("a"), t.count("b")] for t in texts]
    >>> round(asyncio.run(cosine_similarity("aab", "ab", Letters())), 6)
    0.948683
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from graderkit._core.judge.reply import ChatFailure
from graderkit._run.judge.engine import ModelEngine
from graderkit._run.judge.transport import EmbeddingReply
from graderkit.errors import GraderkitError

__all__ = [
    "DEFAULT_EMBEDDING_MODEL",
    "EmbeddingBackend",
    "EmbeddingError",
    "OpenAIEmbeddings",
    "cosine",
    "cosine_similarity",
]

DEFAULT_EMBEDDING_MODEL = "text-embedding-3-large"
"""Parity [DOC]: the model the service uses for ``cosine``."""


@runtime_checkable
class EmbeddingBackend(Protocol):
    """Anything that turns texts into vectors (one per text, in order).

    Give one to [`Runner`][graderkit.Runner] to compute ``cosine`` with your own embedder
    (a local model, a different provider, ...).

    Examples:
        >>> import graderkit as gk
        >>> class Letters:
        ...     async def embed(self, texts):
        ...         return [[text.count(c) for c in "aeiou"] for text in texts]
        >>> cos = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}",
        ...                          evaluation_metric="cosine", name="cos")
        >>> with gk.Runner(embeddings=Letters()) as runner:
        ...     runner.grade(cos, "gout", {"answer": "tofu"}).reward
        1.0
    """

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed ``texts``."""
        ...


class EmbeddingError(GraderkitError):
    """The embeddings endpoint failed after every retry (the runner reports ``other_error``)."""


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """The cosine of two vectors, raw.

    Parity [DOC] for cosine itself; [INF] for the rest: not clipped to [0, 1] (a negative
    cosine stays negative), and 0.0 when either vector is all zeros (cosine is undefined).

    Examples:
        >>> cosine([1, 0], [0, 1]), cosine([1, 2], [2, 4]), cosine([1, 0], [-1, 0])
        (0.0, 1.0, -1.0)
    """
    if len(a) != len(b):
        raise ValueError(f"vectors differ in length: {len(a)} and {len(b)}")
    # Cosine is scale-invariant: scaling each vector by its largest magnitude first keeps the
    # squares and the norm product away from underflow and overflow (1e-80 vectors would
    # otherwise lose precision in subnormal numbers).
    scale_a, scale_b = max(map(abs, a), default=0.0), max(map(abs, b), default=0.0)
    if scale_a == 0.0 or scale_b == 0.0:
        return 0.0
    a = [x / scale_a for x in a]
    b = [y / scale_b for y in b]
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    # after scaling each sum of squares lies in [1, len]: their product cannot under/overflow
    norm = math.sqrt(math.fsum(x * x for x in a) * math.fsum(y * y for y in b))
    return dot / norm


async def cosine_similarity(input: str, reference: str, backend: EmbeddingBackend) -> float:
    """Embed both texts with ``backend`` and return their raw cosine.

    Raises:
        EmbeddingError: when the default backend's endpoint fails after every retry (a custom
            backend may raise anything; the runner turns it into ``other_error``).
    """
    vectors = await backend.embed([input, reference])
    if len(vectors) != 2:
        raise EmbeddingError(f"the backend returned {len(vectors)} vectors for 2 texts")
    return cosine(vectors[0], vectors[1])


class OpenAIEmbeddings:
    """An OpenAI-compatible ``/v1/embeddings`` backend, cached per text and batched.

    Args:
        engine: the engine that sends requests (its cache and cassette hold one entry per text).
        model: the embedding model.
        dimensions: ask for shorter vectors (``text-embedding-3-*`` only); ``None`` = native.
        batch_size: the most texts per request.

    Examples:
        >>> import graderkit as gk
        >>> from graderkit.testing import FakeOpenAI
        >>> cos = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}",
        ...                          evaluation_metric="cosine", name="cos")
        >>> with FakeOpenAI() as server:
        ...     engine = gk.ModelEngine.from_env(base_url=server.base_url, api_key="sk-test")
        ...     embeddings = gk.OpenAIEmbeddings(engine, model="text-embedding-3-small")
        ...     with gk.Runner(models=engine, embeddings=embeddings) as runner:
        ...         same = runner.grade(cos, "gout", {"answer": "gout"}).reward
        ...     sent = server.request_count
        >>> same, sent
        (1.0, 1)
    """

    def __init__(
        self,
        engine: ModelEngine,
        *,
        model: str = DEFAULT_EMBEDDING_MODEL,
        dimensions: int | None = None,
        batch_size: int = 256,
    ) -> None:
        self.engine = engine
        self.model = model
        self.dimensions = dimensions
        self.batch_size = batch_size
        self._pending: dict[str, asyncio.Future[list[float]]] = {}
        self._scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def from_env(
        cls, *, model: str = DEFAULT_EMBEDDING_MODEL, dimensions: int | None = None, **engine: Any
    ) -> OpenAIEmbeddings:
        """A backend over [`ModelEngine.from_env`][graderkit._run.judge.engine.ModelEngine.from_env]
        (same arguments: ``base_url``, ``api_key``, ``cache_dir``, ``cassette``, ...)."""
        return cls(ModelEngine.from_env(**engine), model=model, dimensions=dimensions)

    def __repr__(self) -> str:
        return f"OpenAIEmbeddings(model={self.model!r}, engine={self.engine!r})"

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, from the cache or from batched requests.

        Raises:
            EmbeddingError: when a request fails after every retry.
            CassetteMiss: when replaying a cassette that lacks a text.
        """
        found: dict[str, list[float]] = {}
        waiting: dict[str, asyncio.Future[list[float]]] = {}
        for text in dict.fromkeys(texts):
            stored = self.engine.recall("embeddings", self._body([text]), grader="cosine")
            if stored is not None:
                found[text] = list(EmbeddingReply.from_dict(stored).vectors[0])
            else:
                waiting[text] = self._submit(text)
        if waiting:
            vectors = await asyncio.gather(*waiting.values())
            found.update(zip(waiting, vectors, strict=True))
        return [found[text] for text in texts]

    async def aclose(self) -> None:
        """Close the engine's connections."""
        await self.engine.aclose()

    def _body(self, texts: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "input": texts}
        if self.dimensions is not None:
            body["dimensions"] = self.dimensions
        return body

    def _submit(self, text: str) -> asyncio.Future[list[float]]:
        """Queue ``text`` for the next batch; texts queued in one loop turn share a request."""
        future = self._pending.get(text)
        if future is not None:
            return future
        loop = asyncio.get_running_loop()
        future = self._pending[text] = loop.create_future()
        if len(self._pending) >= self.batch_size:
            self._flush()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._scheduled = False
        batch, self._pending = self._pending, {}
        items = list(batch.items())
        for start in range(0, len(items), self.batch_size):
            task = asyncio.ensure_future(self._send(dict(items[start : start + self.batch_size])))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: dict[str, asyncio.Future[list[float]]]) -> None:
        texts = list(batch)
        try:
            reply = await self.engine.embed(self._body(texts), grader="cosine", cached=False)
        except asyncio.CancelledError:
            _fail(batch, EmbeddingError("the embeddings request was cancelled"))
            raise
        except Exception as exc:  # every waiter gets the error; the task itself ends quietly
            _fail(batch, exc)
            return
        if isinstance(reply, ChatFailure):
            _fail(batch, EmbeddingError(f"embeddings request failed: {reply.details}"))
            return
        if len(reply.vectors) != len(texts):
            _fail(batch, EmbeddingError(f"got {len(reply.vectors)} vectors for {len(texts)} texts"))
            return
        for text, vector in zip(texts, reply.vectors, strict=True):
            one = EmbeddingReply((vector,), None, reply.model)
            self.engine.remember("embeddings", self._body([text]), one.to_dict())
            if not batch[text].done():
                batch[text].set_result(list(vector))


def _fail(batch: dict[str, asyncio.Future[list[float]]], error: Exception) -> None:
    for future in batch.values():
        if not future.done():
            future.set_exception(error)
