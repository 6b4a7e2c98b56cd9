"""An opt-in pytest plugin: a grading runner that replays judge replies, and a scripted judge.

Enable it in your ``conftest.py`` (or a test module)::

    pytest_plugins = ["graderkit.testing.pytest_plugin"]

or on the command line with ``pytest -p graderkit.testing.pytest_plugin``.

Fixtures:

- ``grader_runner`` (session): a [`Runner`][graderkit.Runner] for your graders. Its judge
  engine uses the reply cache and the cassette named by the options below, so model-grader
  tests replay recorded replies offline; with neither, it is built from the environment
  (``OPENAI_API_KEY`` ...) on the first judge call.
- ``scripted_judge`` (per test): a [`ScriptedJudge`][graderkit.testing.scripted_judge.ScriptedJudge]:
  a judge whose replies the test scripts, and ``scripted_judge.runner`` to grade with it.

Options (command line, else environment):

| option | environment | meaning |
|---|---|---|
| ``--graderkit-cache DIR`` | ``GRADERKIT_CACHE_DIR`` | reply cache directory |
| ``--graderkit-cassette FILE`` | ``GRADERKIT_CASSETTE`` | cassette to replay |
| ``--graderkit-record`` | ``GRADERKIT_RECORD=1`` | record missing replies into the cassette (calls the model) |

Command-line options exist only when the plugin is enabled before pytest parses the command
line (``-p`` or a root ``conftest.py``); the environment variables always work.

PYTEST_DONT_REWRITE (the plugin has no assertion to rewrite; this marker lets a test module
list it in ``pytest_plugins`` even after something imported it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from graderkit._run.runner import Runner
from graderkit.testing.replay import replay_runner
from graderkit.testing.scripted_judge import ScriptedJudge

__all__ = ["grader_runner", "pytest_addoption", "scripted_judge"]

_OPTIONS = {
    "graderkit_cache": "GRADERKIT_CACHE_DIR",
    "graderkit_cassette": "GRADERKIT_CASSETTE",
    "graderkit_record": "GRADERKIT_RECORD",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--graderkit-cache``, ``--graderkit-cassette`` and ``--graderkit-record``."""
    group = parser.getgroup("graderkit", "graderkit: grading runner for tests")
    group.addoption("--graderkit-cache", metavar="DIR", help="judge reply cache directory")
    group.addoption("--graderkit-cassette", metavar="FILE", help="judge cassette to replay")
    group.addoption(
        "--graderkit-record",
        action="store_true",
        default=None,
        help="record judge replies missing from the cassette (sends them to the model)",
    )


def _option(config: pytest.Config, name: str) -> Any:
    value = config.getoption(name, default=None)
    if value is None:
        value = os.environ.get(_OPTIONS[name]) or None
    return value


@pytest.fixture(scope="session")
def grader_runner(pytestconfig: pytest.Config) -> Iterator[Runner]:
    """A runner for grader tests, replaying judge replies from the configured cassette/cache."""
    record = _option(pytestconfig, "graderkit_record")
    runner = replay_runner(
        _option(pytestconfig, "graderkit_cache"),
        _option(pytestconfig, "graderkit_cassette"),
        record=record not in (None, False, "", "0"),
    )
    with runner:
        yield runner


@pytest.fixture
def scripted_judge() -> Iterator[ScriptedJudge]:
    """A judge the test scripts (``reply(...)``, ``score_with(fn)``) and its ``runner``."""
    with ScriptedJudge() as judge:
        yield judge
