"""A real graderkit server on loopback (uvicorn in a thread), with a fake judge behind it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from serve_cases import CLINICAL, JUDGE_KEY, SERVER_KEY, observed_python, slow

import graderkit as gk
from graderkit.serve import ServeSettings, serve_in_thread
from graderkit.testing.fake_openai import FakeOpenAI


@pytest.fixture(scope="session")
def judge() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(lifetime=3600) as fake:
        yield fake


@pytest.fixture(scope="session")
def server(judge: FakeOpenAI) -> Iterator[str]:
    """An open server (loopback, no key) with the clinical grader registered; its base URL."""
    python = observed_python()
    settings = ServeSettings(
        graders={"clinical": CLINICAL, "python": python},
        judge={"base_url": judge.base_url, "timeout": 10.0},
        sandbox_workers=1,
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OPENAI_API_KEY", JUDGE_KEY)
        env.delenv("GRADERKIT_API_KEY", raising=False)
        with serve_in_thread(settings) as url:
            yield url


@pytest.fixture(scope="session")
def keyed_server() -> Iterator[str]:
    """A server that wants ``SERVER_KEY`` and has small limits (body, batch, time)."""
    sleeper = gk.python_grader(slow, name="slow")
    settings = ServeSettings(
        graders={"clinical": CLINICAL, "slow": sleeper},
        api_key=SERVER_KEY,
        max_body_bytes=4096,
        max_batch=8,
        request_timeout=1.0,
        sandbox_workers=1,
    )
    with serve_in_thread(settings) as url:
        yield url
