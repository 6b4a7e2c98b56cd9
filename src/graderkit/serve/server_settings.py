"""What a server serves and its limits: [`ServeSettings`][graderkit.serve.ServeSettings].

Settings travel to uvicorn's worker processes (and Ray Serve replicas) as JSON: graders as their
wire JSON, never as Python objects. The server's API key travels in ``GRADERKIT_API_KEY`` and the
judge's key in ``OPENAI_API_KEY`` (or Azure's), never in the settings JSON.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from graderkit._core.graders.models import GraderBase
from graderkit._core.graders.wire import from_openai
from graderkit.errors import GraderkitError

__all__ = ["API_KEY_ENV", "SETTINGS_ENV", "ServeSettings", "UnsafeBinding", "is_loopback"]

API_KEY_ENV = "GRADERKIT_API_KEY"
"""The environment variable holding the key clients must send (``Authorization: Bearer``)."""

SETTINGS_ENV = "GRADERKIT_SERVE_SETTINGS"
"""The environment variable carrying the settings JSON to worker processes."""

JUDGE_OPTIONS = frozenset(
    {"base_url", "azure_endpoint", "api_version", "cache_dir", "concurrency", "timeout", "http"}
)
"""The judge engine's options a server may set (``ModelEngine.from_env``); never its key."""


class UnsafeBinding(GraderkitError):
    """A server would listen beyond loopback without an API key.

    Examples:
        >>> ServeSettings().check_binding("0.0.0.0")
        Traceback (most recent call last):
        graderkit.serve.server_settings.UnsafeBinding: refusing to listen on 0.0.0.0 ...
    """


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1).

    Examples:
        >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
        (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeSettings:
    """The graders a server knows by name, its limits and its judge connection.

    Args:
        graders: graders clients may name (``"grader": "clinical"``) in the reward routes.
        api_key: the key clients must send as ``Authorization: Bearer <key>``; required to
            listen beyond loopback. Default: ``GRADERKIT_API_KEY`` when set.
        max_body_bytes: larger request bodies get 413.
        request_timeout: seconds a request may take before it gets 504.
        max_batch: samples one batch request may carry (more get 400).
        cors_origins: origins allowed by CORS; empty (the default) sends no CORS headers.
        judge: options of the judge engine (``base_url``, ``azure_endpoint``, ``api_version``,
            ``cache_dir``, ``concurrency``, ``timeout``, ``http``); its key comes from the
            environment only.
        sandbox_workers: python sandbox workers (default: one per CPU).
        concurrency: samples in flight per batch for model and python graders.
        openrlhf_strip: suffixes removed from an OpenRLHF response before grading (e.g. the
            tokenizer's end-of-sequence text such as ``<|im_end|>``).
        access_log: write one JSON line per request to the ``graderkit.serve.access`` logger.

    Examples:
        >>> s = ServeSettings(max_batch=100)
        >>> ServeSettings.from_json(s.to_json()) == s
        True
    """

    graders: Mapping[str, GraderBase] = field(default_factory=dict)
    api_key: str | None = field(default=None, repr=False)
    max_body_bytes: int = 32 * 1024 * 1024
    request_timeout: float = 300.0
    max_batch: int = 16_384
    cors_origins: tuple[str, ...] = ()
    judge: Mapping[str, Any] = field(default_factory=dict)
    sandbox_workers: int | None = None
    concurrency: int = 64
    openrlhf_strip: tuple[str, ...] = ()
    access_log: bool = True

    def __post_init__(self) -> None:
        unknown = sorted(set(self.judge) - JUDGE_OPTIONS)
        if unknown:
            raise GraderkitError(
                f"judge options {unknown} are not accepted; use {sorted(JUDGE_OPTIONS)} "
                "(the judge's key comes from OPENAI_API_KEY or AZURE_OPENAI_API_KEY only)"
            )
        for name in ("max_body_bytes", "max_batch", "concurrency"):
            if getattr(self, name) < 1:
                raise GraderkitError(f"{name}={getattr(self, name)!r} must be at least 1")
        if self.request_timeout <= 0:
            raise GraderkitError(f"request_timeout={self.request_timeout!r} must be > 0")

    @property
    def key(self) -> str | None:
        """The API key in force: ``api_key``, else ``GRADERKIT_API_KEY``, else none."""
        return self.api_key or os.environ.get(API_KEY_ENV) or None

    def check_binding(self, host: str) -> None:
        """Refuse to listen beyond loopback without an API key.

        Raises:
            UnsafeBinding: ``host`` is not loopback and no key is set.
        """
        if not is_loopback(host) and not self.key:
            raise UnsafeBinding(
                f"refusing to listen on {host} without an API key: pass --api-key or set "
                f"{API_KEY_ENV} (or bind 127.0.0.1)"
            )

    def to_json(self) -> str:
        """The settings as JSON, without the API key (it travels in ``GRADERKIT_API_KEY``)."""
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        data.pop("api_key")
        data["graders"] = {name: g.wire() for name, g in self.graders.items()}
        data["judge"] = dict(self.judge)
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> ServeSettings:
        """Settings from [`to_json`][graderkit.serve.ServeSettings.to_json]'s output."""
        data = json.loads(text)
        data["graders"] = {name: from_openai(wire) for name, wire in data["graders"].items()}
        for name in ("cors_origins", "openrlhf_strip"):
            data[name] = tuple(data[name])
        return cls(**data)
