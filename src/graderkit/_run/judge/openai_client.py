"""The one module that imports ``openai``: a transport to any OpenAI-compatible server.

OpenAI, Azure OpenAI (``AsyncAzureOpenAI`` with an endpoint and API version), and self-hosted
servers that speak the same API (vLLM, Ollama, llama.cpp, LiteLLM...) by base URL. The official
client does the HTTP; its own retries are off (``max_retries=0``) because the engine retries.
Requests go through the client's generic ``post`` with the body as built by graderkit, so no
field is dropped or renamed on the way, and Azure's deployment routing still applies.

Credentials come from arguments or the usual environment variables and stay inside the client:
they are not in ``repr()``, logs, error details, the cache or cassettes.

This module is imported lazily (by ``ModelEngine.from_env`` and the embeddings backend), so
``import graderkit`` never loads ``openai``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import openai

from graderkit._core.judge.reply import ChatReply, Usage
from graderkit._optional import install_line, installed
from graderkit._run.judge.retry import TransportError, hinted_delay, is_retryable_status
from graderkit._run.judge.transport import EmbeddingReply
from graderkit.errors import GraderkitError, MissingDependency

__all__ = ["ClientSettings", "HttpBackend", "MissingCredentials", "OpenAITransport"]

HttpBackend = Literal["auto", "aiohttp", "httpx"]
_NO_KEY_NEEDED = "not-needed"
"""Sent as the key to a self-hosted server when none is configured (vLLM's convention)."""
_DETAILS_LIMIT = 500


class MissingCredentials(GraderkitError):
    """No API key (or Azure API version) was given or found in the environment."""


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Where to send requests and with which credentials.

    Attributes:
        kind: ``"openai"`` (OpenAI or any compatible server) or ``"azure"``.
        base_url: the server's base URL (``None``: OpenAI's).
        azure_endpoint: the Azure resource endpoint.
        api_version: the Azure API version.
    """

    kind: Literal["openai", "azure"]
    base_url: str | None = None
    azure_endpoint: str | None = None
    api_version: str | None = None
    api_key: str | None = field(default=None, repr=False)

    @classmethod
    def resolve(
        cls,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        azure_endpoint: str | None = None,
        api_version: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ClientSettings:
        """Settings from arguments, then environment variables.

        Azure is used when ``azure_endpoint`` is given, or when ``AZURE_OPENAI_ENDPOINT`` is set
        and no base URL is (argument or ``OPENAI_BASE_URL``). Otherwise: ``base_url`` or
        ``OPENAI_BASE_URL`` (else OpenAI) with ``api_key`` or ``OPENAI_API_KEY``. Nothing is
        checked here (a replayed cassette needs no key); see
        [`OpenAITransport`][graderkit._run.judge.openai_client.OpenAITransport].
        """
        env = os.environ if env is None else env
        base = base_url or env.get("OPENAI_BASE_URL") or None
        endpoint = azure_endpoint or (None if base else env.get("AZURE_OPENAI_ENDPOINT"))
        if endpoint:
            key = api_key or env.get("AZURE_OPENAI_API_KEY")
            version = api_version or env.get("OPENAI_API_VERSION")
            return cls("azure", azure_endpoint=endpoint, api_version=version, api_key=key)
        key = api_key or env.get("OPENAI_API_KEY")
        if key is None and base is not None and not _is_openai(base):
            key = _NO_KEY_NEEDED
        return cls("openai", base_url=base, api_key=key)


def _is_openai(url: str) -> bool:
    return (urlsplit(url).hostname or "").endswith("openai.com")


class OpenAITransport:
    """One attempt per call through the official async client (see the module docs).

    Args:
        settings: where to connect and with which credentials.
        http: ``"auto"`` uses aiohttp when it is installed (about a third less CPU per request
            than httpx, which matters at high concurrency), else httpx.
        max_connections: the connection-pool size (at least the engine's concurrency).
        legacy_max_tokens: send the completion limit as ``max_tokens`` (for servers that do
            not know ``max_completion_tokens``); the cache key is unaffected.

    Raises:
        MissingCredentials: when no key (or, for Azure, no API version) is available.
    """

    def __init__(
        self,
        settings: ClientSettings,
        *,
        http: HttpBackend = "auto",
        max_connections: int = 64,
        legacy_max_tokens: bool = False,
    ) -> None:
        self._secret = settings.api_key or ""
        self._client = _make_client(settings, _http_client(http, max_connections))
        self.settings = settings
        self.legacy_max_tokens = legacy_max_tokens

    def __repr__(self) -> str:
        return f"OpenAITransport({self.settings!r})"

    async def chat(self, body: Mapping[str, Any], *, timeout: float) -> ChatReply:
        """One ``POST /chat/completions`` (Azure: ``/deployments/<model>/chat/completions``)."""
        if self.legacy_max_tokens and "max_completion_tokens" in body:
            sent = dict(body)
            sent["max_tokens"] = sent.pop("max_completion_tokens")
            body = sent
        data = await self._post("/chat/completions", body, timeout)
        try:
            return ChatReply.from_api(data)
        except ValueError as exc:
            raise TransportError(f"unexpected chat completion: {exc}", status=200) from None

    async def embed(self, body: Mapping[str, Any], *, timeout: float) -> EmbeddingReply:
        """One ``POST /embeddings``; vectors are returned in input order."""
        data = await self._post("/embeddings", body, timeout)
        try:
            rows = sorted(data["data"], key=lambda row: row["index"])
            vectors = tuple(tuple(float(x) for x in row["embedding"]) for row in rows)
        except (KeyError, TypeError, ValueError) as exc:
            raise TransportError(f"unexpected embeddings response: {exc!r}", status=200) from None
        model = data.get("model")
        return EmbeddingReply(
            vectors, Usage.from_api(data.get("usage")), model if isinstance(model, str) else None
        )

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self._client.close()

    async def _post(self, path: str, body: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        try:
            text = await self._client.post(
                path, cast_to=str, body=dict(body), options={"timeout": timeout}
            )
        except openai.APIStatusError as exc:
            raise self._status_error(exc) from None
        except openai.APITimeoutError:
            raise TransportError(f"no reply within the {timeout}s timeout") from None
        except openai.APIConnectionError as exc:
            cause = exc.__cause__ or exc
            raise TransportError(f"connection error: {self._clean(repr(cause))}") from None
        try:
            data = json.loads(text)
        except ValueError:
            raise TransportError(
                f"malformed JSON body: {self._clean(text)!r}", status=200
            ) from None
        if not isinstance(data, dict):
            raise TransportError(
                f"the body is not a JSON object: {self._clean(text)!r}", status=200
            )
        return data

    def _status_error(self, exc: openai.APIStatusError) -> TransportError:
        headers = {k.lower(): v for k, v in exc.response.headers.items()}
        status = exc.status_code
        should = headers.get("x-should-retry")
        retryable = should == "true" if should in ("true", "false") else is_retryable_status(status)
        return TransportError(
            self._clean(exc.message),
            status=status,
            retryable=retryable,
            retry_after=hinted_delay(headers, status=status, now=time.time()),
        )

    def _clean(self, text: str) -> str:
        if self._secret and self._secret != _NO_KEY_NEEDED:
            text = text.replace(self._secret, "[redacted]")
        return text[:_DETAILS_LIMIT]


def _make_client(settings: ClientSettings, http_client: Any) -> openai.AsyncOpenAI:
    try:
        if settings.kind == "azure":
            if not settings.api_version:
                raise MissingCredentials(
                    "Azure OpenAI needs an API version: pass api_version= or set OPENAI_API_VERSION"
                )
            return openai.AsyncAzureOpenAI(
                azure_endpoint=settings.azure_endpoint or "",
                api_version=settings.api_version,
                api_key=settings.api_key,
                max_retries=0,
                http_client=http_client,
            )
        if settings.api_key is None:
            raise MissingCredentials("no API key: pass api_key= or set OPENAI_API_KEY")
        return openai.AsyncOpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key,
            max_retries=0,
            http_client=http_client,
        )
    except openai.OpenAIError as exc:
        raise MissingCredentials(f"cannot create the OpenAI client: {exc}") from None


def _http_client(http: HttpBackend, max_connections: int) -> Any:
    """The client's HTTP layer, with a pool at least as large as the engine's concurrency."""
    limits_type = type(openai.DEFAULT_CONNECTION_LIMITS)
    limits = limits_type(
        max_connections=max(1000, max_connections),
        max_keepalive_connections=max(100, max_connections),
    )
    aio = getattr(openai, "DefaultAioHttpClient", None)
    has_aiohttp = installed("aiohttp")
    if http == "aiohttp" and not has_aiohttp:
        raise MissingDependency("aiohttp", "http='aiohttp'", install_line("aiohttp"))
    if has_aiohttp and http in ("aiohttp", "auto"):
        try:
            if aio is None:
                raise RuntimeError("this openai has no DefaultAioHttpClient")
            return aio(limits=limits)
        except RuntimeError as exc:  # openai's own error when its aiohttp layer cannot load
            if http == "aiohttp":
                raise GraderkitError(
                    f"http='aiohttp' needs openai with aiohttp support ({exc}); "
                    "pip install 'openai[aiohttp]', or use http='httpx'"
                ) from None
            # "auto": aiohttp is installed but openai cannot use it (old or broken): httpx
    return openai.DefaultAsyncHttpxClient(limits=limits)
