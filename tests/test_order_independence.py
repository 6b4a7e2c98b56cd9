"""CI guard: the suite's concurrency tests pass round after round, whatever finishes first.

A test that checks concurrent work (workers answering out of order, requests in flight,
locks, resumable files) can pass on a quiet machine and fail under load, when the order in
which workers finish changes. This runs those tests ``ROUNDS`` times each, in a fresh pytest
process (``tests/repeat_tests.py`` provides ``--repeat``), and fails with pytest's own report
when any round fails. Bounded: at most ``ROUNDS`` rounds and a hard timeout.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5
CONCURRENCY_TESTS = [
    "tests/run/test_parity.py",
    "tests/run/test_engine_in_flight.py",
    "tests/run/test_batch.py::test_a_judge_model_runs_concurrently_out_of_order_with_tokens_and_cost",
    "tests/run/test_batch.py::test_a_bad_line_stops_a_concurrent_run_too",
    "tests/run/test_batch.py::test_lines_equal_grading_each_sample_alone",
    "tests/run/test_cache.py::test_concurrent_writers_never_leave_a_torn_file",
    "tests/run/test_engine.py::test_concurrency_is_bounded",
    "tests/run/test_engine.py::test_a_429_pauses_the_whole_engine",
    "tests/test_cli_grade.py::test_a_second_writer_refuses_while_the_first_holds_the_results_file",
    "tests/test_cli_grade.py::test_restart_does_not_empty_a_file_another_run_is_writing",
]


def test_the_listed_tests_exist() -> None:
    for node in CONCURRENCY_TESTS:
        path, _, name = node.partition("::")
        assert (ROOT / path).is_file(), node
        assert not name or f"def {name}(" in (ROOT / path).read_text(), node


@pytest.mark.slow
def test_concurrency_tests_pass_round_after_round() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *CONCURRENCY_TESTS, "-p", "repeat_tests",
         "--repeat", str(ROUNDS), "-q", "-x", "-p", "no:cacheprovider", "-m", "not slow"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    passed = int(re.findall(r"(\d+) passed", done.stdout)[-1])
    assert passed % ROUNDS == 0 and passed >= ROUNDS * len(CONCURRENCY_TESTS)  # every round ran
