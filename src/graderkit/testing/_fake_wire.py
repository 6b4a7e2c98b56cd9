"""The wire side of the fake OpenAI server: scripted reply types and HTTP/1.1 framing.

Public names are re-exported by [`fake_openai`][graderkit.testing.fake_openai]; import them
from there.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "ChatCompletion",
    "Drop",
    "Embeddings",
    "FakeRequest",
    "HTTPError",
    "Handler",
    "RawBody",
    "Response",
    "default_chat",
    "default_embeddings",
    "default_endpoint",
    "endpoint_score",
    "hash_embedder",
    "http_bytes",
    "judge_reply",
    "parse_request",
    "read_request",
    "render_response",
]


Kind: TypeAlias = Literal["chat", "embeddings", "endpoint"]


@dataclass(frozen=True, slots=True)
class FakeRequest:
    """One request the server received.

    Attributes:
        kind: ``"chat"``, ``"embeddings"`` or ``"endpoint"`` (an endpoint grader's POST to a
            path under ``/endpoint``).
        path: the URL path (Azure requests carry the deployment in it).
        query: the query string parameters (Azure sends ``api-version``).
        body: the parsed JSON body.
        headers: the request headers, lower-cased names.
        deployment: the Azure deployment name from the path, else ``None``.
    """

    kind: Kind
    path: str
    query: Mapping[str, str]
    body: Mapping[str, Any]
    headers: Mapping[str, str]
    deployment: str | None = None


@dataclass(frozen=True, slots=True)
class ChatCompletion:
    """A 200 chat-completions reply.

    ``model`` defaults to the requested model and ``usage`` to an estimate (characters / 4).
    """

    content: str | None = None
    refusal: str | None = None
    finish_reason: str = "stop"
    model: str | None = None
    usage: Mapping[str, int] | None = None
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class Embeddings:
    """A 200 embeddings reply with these vectors (one per input, in order)."""

    vectors: Sequence[Sequence[float]]
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class HTTPError:
    """An error status with an OpenAI-style error body and optional headers (e.g. Retry-After)."""

    status: int
    message: str = "scripted failure"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class RawBody:
    """Any bytes as the body (e.g. a truncated JSON document)."""

    body: bytes
    status: int = 200
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class Drop:
    """Close the connection without sending a response (after ``delay`` seconds)."""

    delay: float = 0.0


Response: TypeAlias = "ChatCompletion | Embeddings | HTTPError | RawBody | Drop"
Handler: TypeAlias = "Callable[[FakeRequest], Response]"


def judge_reply(result: object, steps: Iterable[tuple[str, str]] = (), **kw: Any) -> ChatCompletion:
    """A judge's structured reply ``{"steps": [...], "result": result}``.

    Args:
        result: the ``result`` value (a number for score_model, a label for label_model, or
            anything else to provoke a parse error).
        steps: ``(description, conclusion)`` pairs.
        **kw: other [`ChatCompletion`][graderkit.testing.fake_openai.ChatCompletion] fields.

    Examples:
        >>> judge_reply(1).content
        '{"steps": [], "result": 1}'
    """
    payload = {"steps": [{"description": d, "conclusion": c} for d, c in steps], "result": result}
    return ChatCompletion(content=json.dumps(payload), **kw)


def hash_embedder(texts: Sequence[str], dimensions: int = 16) -> list[list[float]]:
    """Deterministic unit vectors derived from each text's sha256 (same text, same vector)."""
    vectors = []
    for text in texts:
        digest = hashlib.sha256(text.encode("utf-8")).digest()
        raw = [(digest[i % len(digest)] - 127.5) / 127.5 for i in range(dimensions)]
        norm = math.sqrt(sum(x * x for x in raw)) or 1.0
        vectors.append([x / norm for x in raw])
    return vectors


def default_chat(request: FakeRequest) -> Response:
    """A valid reply to any request: the first label of an enum schema, else the range maximum."""
    result_schema = (
        request.body.get("response_format", {})
        .get("json_schema", {})
        .get("schema", {})
        .get("properties", {})
        .get("result", {})
    )
    labels = result_schema.get("enum")
    return judge_reply(labels[0] if labels else 1.0)


def endpoint_score(score: object, *, status: int = 200, delay: float = 0.0) -> RawBody:
    """An endpoint grader's reply ``{"score": score}``.

    Examples:
        >>> endpoint_score(0.5).body
        b'{"score": 0.5}'
    """
    return RawBody(json.dumps({"score": score}).encode(), status=status, delay=delay)


def default_endpoint(request: FakeRequest) -> Response:
    """An endpoint grader's reply to any request: ``{"score": 1.0}``."""
    return endpoint_score(1.0)


def default_embeddings(request: FakeRequest) -> Response:
    texts = request.body.get("input", [])
    texts = [texts] if isinstance(texts, str) else list(texts)
    return Embeddings(hash_embedder(texts, int(request.body.get("dimensions") or 16)))


def _estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


async def read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes] | None:
    """One HTTP/1.1 request (target, lower-cased headers, body), or None at end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    try:
        body = await reader.readexactly(int(headers.get("content-length") or 0))
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    return parts[1], headers, body


def http_bytes(
    status: int,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    content_type: str = "application/json",
) -> bytes:
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}",
        f"content-type: {content_type}",
        f"content-length: {len(body)}",
    ]
    lines.extend(f"{k}: {v}" for k, v in (headers or {}).items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def parse_request(target: str, headers: Mapping[str, str], raw: bytes) -> FakeRequest | None:
    parts = urlsplit(target)
    kind: Kind
    if parts.path.endswith("/chat/completions"):
        kind = "chat"
    elif parts.path.endswith("/embeddings"):
        kind = "embeddings"
    elif parts.path.startswith("/endpoint"):
        kind = "endpoint"
    else:
        return None
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = {"_unparsable_body": raw.decode("utf-8", "replace")}
    segments = parts.path.split("/")
    deployment = segments[segments.index("deployments") + 1] if "deployments" in segments else None
    return FakeRequest(
        kind=kind,
        path=parts.path,
        query={k: v[0] for k, v in parse_qs(parts.query).items()},
        body=body,
        headers=dict(headers),
        deployment=deployment,
    )


def render_response(request: FakeRequest, response: Response) -> bytes:
    if isinstance(response, HTTPError):
        error = {"message": response.message, "type": "server_error", "code": None}
        return http_bytes(response.status, json.dumps({"error": error}).encode(), response.headers)
    if isinstance(response, RawBody):
        return http_bytes(response.status, response.body)
    if isinstance(response, Embeddings):
        return http_bytes(200, json.dumps(_embeddings_body(request, response)).encode())
    if isinstance(response, ChatCompletion):
        body = _chat_body(request, response)
        if request.body.get("stream") is True:
            return http_bytes(200, _chat_events(body), content_type="text/event-stream")
        return http_bytes(200, json.dumps(body).encode())
    raise TypeError(f"not a fake response: {response!r}")


def _chat_body(request: FakeRequest, reply: ChatCompletion) -> dict[str, Any]:
    model = reply.model or str(request.body.get("model", "fake-model"))
    counts = dict(reply.usage) if reply.usage is not None else None
    if counts is None:
        prompt = _estimate_tokens(json.dumps(request.body.get("messages", [])))
        completion = _estimate_tokens(reply.content or reply.refusal or "")
        counts = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
    cached = counts.pop("cached_tokens", 0)
    usage: dict[str, Any] = {**counts, "prompt_tokens_details": {"cached_tokens": cached}}
    message = {"role": "assistant", "content": reply.content, "refusal": reply.refusal}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
        "usage": usage,
    }


def _chat_events(body: dict[str, Any]) -> bytes:
    """A streamed (``"stream": true``) reply as server-sent events: one chunk with the whole
    message as its delta, then the usage chunk, then ``[DONE]``."""
    [choice] = body["choices"]
    head = {k: v for k, v in body.items() if k not in ("choices", "usage")}
    head["object"] = "chat.completion.chunk"
    delta = {"index": 0, "delta": choice["message"], "finish_reason": choice["finish_reason"]}
    chunks = [{**head, "choices": [delta]}, {**head, "choices": [], "usage": body["usage"]}]
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    return ("".join(events) + "data: [DONE]\n\n").encode()


def _embeddings_body(request: FakeRequest, reply: Embeddings) -> dict[str, Any]:
    texts = request.body.get("input", [])
    tokens = sum(_estimate_tokens(t) for t in ([texts] if isinstance(texts, str) else texts))
    data = [
        {"object": "embedding", "index": i, "embedding": list(v)}
        for i, v in enumerate(reply.vectors)
    ]
    return {
        "object": "list",
        "data": data,
        "model": str(request.body.get("model", "fake-embedding")),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
