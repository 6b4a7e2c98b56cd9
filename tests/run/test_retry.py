"""Retry hints from response headers, and the backoff policy."""

from __future__ import annotations

import email.utils
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graderkit._run.judge.retry import (
    RetryPolicy,
    hinted_delay,
    is_retryable_status,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3s", 3723.0), ("0.5s", 0.5),
     ("2", 2.0), ("1.25", 1.25), ("", None), ("soon", None), ("5x", None), ("1s junk", None)],
)  # fmt: skip
def test_parse_duration(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("headers", "status", "expected"),
    [
        ({"retry-after-ms": "250", "retry-after": "9"}, 429, 0.25),
        ({"Retry-After": "3"}, 503, 3.0),
        ({"retry-after": "0"}, 429, 0.0),
        ({}, 429, None),
        ({"x-ratelimit-reset-requests": "2s"}, 500, None),  # reset headers only for a 429
        ({"x-ratelimit-reset-requests": "2s", "x-ratelimit-reset-tokens": "30s"}, 429, 2.0),
        (
            {"x-ratelimit-reset-requests": "2s", "x-ratelimit-reset-tokens": "30s",
             "x-ratelimit-remaining-tokens": "0", "x-ratelimit-remaining-requests": "10"},
            429, 30.0,
        ),
    ],
)  # fmt: skip
def test_hinted_delay(headers: dict[str, str], status: int, expected: float | None) -> None:
    assert hinted_delay(headers, status=status, now=0.0) == expected


def test_retry_after_as_an_http_date() -> None:
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 7, usegmt=True)
    assert hinted_delay({"retry-after": date}, status=429, now=now) == pytest.approx(7.0)
    past = email.utils.formatdate(now - 60, usegmt=True)
    assert hinted_delay({"retry-after": past}, status=429, now=now) == 0.0


@pytest.mark.parametrize(("status", "retry"), [(408, True), (409, True), (429, True), (500, True),
                                               (503, True), (400, False), (401, False), (404, False),
                                               (422, False)])  # fmt: skip
def test_retryable_statuses(status: int, retry: bool) -> None:
    assert is_retryable_status(status) is retry


@given(st.integers(1, 30), st.floats(0.01, 5), st.floats(0.01, 60), st.integers(0, 2**32))
def test_backoff_is_within_half_and_full_ceiling(
    attempt: int, base: float, cap: float, seed: int
) -> None:
    policy = RetryPolicy(base_delay=base, max_delay=cap)
    ceiling = min(cap, base * 2.0 ** (attempt - 1))
    assert ceiling / 2 <= policy.backoff(attempt, random.Random(seed)) <= ceiling


@given(st.floats(0, 1000), st.integers(0, 2**32))
def test_hints_are_honoured_and_capped(hint: float, seed: int) -> None:
    policy = RetryPolicy(max_retry_after=60.0)
    wait = policy.delay(3, hint, random.Random(seed))
    capped = min(hint, 60.0)
    assert capped <= wait <= capped * 1.1


def test_policy_rejects_zero_attempts() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
