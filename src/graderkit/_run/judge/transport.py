"""The seam between the engine and a model server, and the embeddings reply type.

A [`Transport`][graderkit._run.judge.transport.Transport] makes one attempt per call and raises
[`TransportError`][graderkit._run.judge.retry.TransportError] when it fails; the engine does the
retrying, caching and accounting around it. The OpenAI-compatible one lives in
[`openai_client`][graderkit._run.judge.openai_client]; tests and other backends can provide their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from graderkit._core.judge.reply import ChatReply, Usage

__all__ = ["EmbeddingReply", "Transport", "TransportFactory"]


@dataclass(frozen=True, slots=True)
class EmbeddingReply:
    """What one embeddings call returned: one vector per input, in input order."""

    vectors: tuple[tuple[float, ...], ...]
    usage: Usage | None = None
    model: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for the cache and cassettes)."""
        usage = None if self.usage is None else self.usage.to_dict()
        return {"vectors": [list(v) for v in self.vectors], "usage": usage, "model": self.model}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EmbeddingReply:
        """The inverse of [`to_dict`][graderkit._run.judge.transport.EmbeddingReply.to_dict]."""
        usage = data.get("usage")
        return cls(
            vectors=tuple(tuple(float(x) for x in v) for v in data["vectors"]),
            usage=Usage(**usage) if isinstance(usage, Mapping) else None,
            model=data.get("model"),
        )


class Transport(Protocol):
    """The seam to a model server: one attempt per call, raising
    [`TransportError`][graderkit._run.judge.retry.TransportError] on failure."""

    async def chat(self, body: Mapping[str, Any], *, timeout: float) -> ChatReply:
        """One ``POST /chat/completions``."""
        ...

    async def embed(self, body: Mapping[str, Any], *, timeout: float) -> EmbeddingReply:
        """One ``POST /embeddings``."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


TransportFactory = Callable[[], Transport]
