"""When to retry a failed model call, and how long to wait first.

The engine retries connection errors, timeouts, 408/409/429 and 5xx answers. It waits what the
server asks for when it says so (``retry-after-ms``, ``Retry-After`` in seconds or as an HTTP
date, or for a 429 the ``x-ratelimit-reset-requests`` / ``-tokens`` of the exhausted limit),
else an exponential backoff with jitter. When every attempt fails,
[`failure_after`][graderkit._run.judge.retry.failure_after] describes what happened, with anything
shaped like a credential masked.

Examples:
    >>> policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    >>> hinted_delay({"retry-after-ms": "250"}, status=429)
    0.25
    >>> 2.0 <= policy.backoff(attempt=3, rng=random.Random(0)) <= 4.0
    True
"""

from __future__ import annotations

import email.utils
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

from graderkit._core.judge.reply import ChatFailure

__all__ = [
    "RetryPolicy",
    "TransportError",
    "failure_after",
    "hinted_delay",
    "parse_duration",
    "redact",
]

_SECRET = re.compile(r"\b(sk-[A-Za-z0-9*_\-]{6,}|Bearer\s+\S+)")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class TransportError(Exception):
    """One failed attempt at a model call, as the transport saw it.

    Attributes:
        message: what happened, without credentials.
        status: the HTTP status, or ``None`` for connection errors and timeouts.
        retryable: whether another attempt may succeed.
        retry_after: seconds the server asked us to wait, if it said.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = True,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


def is_retryable_status(status: int) -> bool:
    """408, 409, 429 and every 5xx are worth retrying (as the OpenAI SDKs do)."""
    return status in (408, 409, 429) or status >= 500


def parse_duration(text: str) -> float | None:
    """Seconds in an OpenAI rate-limit reset value such as ``"1s"``, ``"6m0s"``, ``"20ms"``.

    Examples:
        >>> parse_duration("6m0s"), parse_duration("20ms"), parse_duration("1.5"), parse_duration("?")
        (360.0, 0.02, 1.5, None)
    """
    text = text.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * _UNIT[u] for n, u in parts)


def hinted_delay(
    headers: Mapping[str, str], *, status: int | None, now: float | None = None
) -> float | None:
    """Seconds the server asked us to wait before retrying, or ``None`` if it did not say.

    Args:
        headers: the response headers (any case).
        status: the response status (rate-limit reset headers count only for a 429).
        now: the current Unix time, for an HTTP-date ``Retry-After``.

    Returns:
        ``retry-after-ms`` / 1000, else ``Retry-After`` (seconds or an HTTP date), else, for a
        429, the reset time of the exhausted limit (``x-ratelimit-remaining-* == 0``; the
        shortest reset when none is reported exhausted).
    """
    h = {k.lower(): v for k, v in headers.items()}
    if "retry-after-ms" in h:
        seconds = parse_duration(h["retry-after-ms"])
        if seconds is not None:
            return seconds / 1000.0
    if "retry-after" in h:
        value = h["retry-after"]
        seconds = parse_duration(value)
        if seconds is not None:
            return seconds
        date = email.utils.parsedate_to_datetime(value) if now is not None else None
        if date is not None and now is not None:
            return max(0.0, date.timestamp() - now)
    if status == 429:
        return _ratelimit_reset(h)
    return None


def _ratelimit_reset(h: Mapping[str, str]) -> float | None:
    resets: dict[str, float] = {}
    for limit in ("requests", "tokens"):
        value = h.get(f"x-ratelimit-reset-{limit}")
        seconds = parse_duration(value) if value is not None else None
        if seconds is not None:
            resets[limit] = seconds
    if not resets:
        return None
    exhausted = [s for lim, s in resets.items() if h.get(f"x-ratelimit-remaining-{lim}") == "0"]
    return max(exhausted) if exhausted else min(resets.values())


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently the engine retries a failed call.

    Attributes:
        max_attempts: attempts per call, the first included (1 = never retry).
        base_delay: the backoff before the second attempt, in seconds; it doubles each time.
        max_delay: the backoff ceiling, in seconds.
        max_retry_after: the longest server-requested wait honoured, in seconds.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """The wait after failed attempt number ``attempt`` (1-based): "equal jitter",
        half of ``min(max_delay, base_delay * 2**(attempt-1))`` plus a uniform share of the
        other half, so waits grow but concurrent callers spread out."""
        ceiling: float = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)

    def delay(self, attempt: int, hint: float | None, rng: random.Random) -> float:
        """The wait before the next attempt: the server's hint (capped, plus up to 10% jitter)
        when it gave one, else [`backoff`][graderkit._run.judge.retry.RetryPolicy.backoff]."""
        if hint is None:
            return self.backoff(attempt, rng)
        capped = min(hint, self.max_retry_after)
        return capped + rng.uniform(0, capped * 0.1)


def failure_after(error: TransportError, attempts: int) -> ChatFailure:
    """The engine's outcome when every attempt failed: what happened, redacted."""
    plural = "attempt" if attempts == 1 else "attempts"
    status = f"HTTP {error.status}: " if error.status is not None else ""
    details = f"{status}{redact(error.message)} ({attempts} {plural})"
    return ChatFailure(details=details, status=error.status, attempts=attempts)


def redact(text: str) -> str:
    """Mask anything shaped like an API key or bearer token (defence in depth: transports
    already leave credentials out of their messages)."""
    return _SECRET.sub("[redacted]", text)
