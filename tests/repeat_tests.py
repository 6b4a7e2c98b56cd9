"""A pytest plugin: ``--repeat N`` runs every selected test N times in a row.

Loaded with ``-p repeat_tests`` (``tests/`` on ``PYTHONPATH``) by
``tests/test_order_independence.py``, which repeats the suite's concurrency tests to catch
the ones whose outcome depends on which worker finishes first. Each repetition is its own
parametrised test (``test_x[repeat-3]``), so a failure names the round that failed.
"""

from __future__ import annotations

import pytest

STEP = "_repeat_round"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--repeat", type=int, default=1, help="run each test N times")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    count = int(metafunc.config.getoption("repeat"))
    if count > 1:
        metafunc.fixturenames.append(STEP)
        metafunc.parametrize(STEP, range(count), ids=lambda n: f"repeat-{n}")
