"""Golden ``graders/run`` results as test fixtures.

Record a golden file once with ``graderkit parity record`` (it needs access to the service),
commit it, and assert in your test suite that graderkit still gives the same numbers:

    def test_my_graders_match_the_service():
        assert_matches_golden("tests/fixtures/golden/my-graders.jsonl")

Examples:
    >>> report = assert_matches_golden("tests/fixtures/golden/observed.jsonl")
    >>> report.checked, report.matched
    (2, 2)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from graderkit._run.workflow.parity_golden import (
    TOLERANCE,
    GoldenCase,
    ParityReport,
    check,
    read_golden,
)

if TYPE_CHECKING:
    from graderkit._run.runner import Runner

__all__ = ["GoldenCase", "ParityReport", "assert_matches_golden", "read_golden"]


def assert_matches_golden(
    path: str | Path,
    *,
    runner: Runner | None = None,
    tolerance: float = TOLERANCE,
    include_models: bool = False,
    allow_skipped: bool = False,
) -> ParityReport:
    """Replay a golden file locally; raise ``AssertionError`` listing every difference.

    Args:
        path: the golden JSONL file (``graderkit parity record`` writes one).
        runner: the runner to grade with (default: graderkit's default runner).
        tolerance: the largest reward difference counted as equal.
        include_models: also grade cases with a model grader (through ``runner``'s judge).
        allow_skipped: pass even when cases were skipped (model graders without
            ``include_models``); by default a skipped case fails the assertion, so an
            unchecked fixture never looks like a passing one.

    Returns:
        The ``ParityReport`` (for further assertions).

    Examples:
        >>> import json, os, tempfile
        >>> exact = {"type": "string_check", "name": "exact", "operation": "eq",
        ...          "input": "{{sample.output_text}}", "reference": "{{item.answer}}"}
        >>> case = {"grader": exact, "model_sample": "gout", "item": {"answer": "gout"},
        ...         "response": {"reward": 0.0}}
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "golden.jsonl")
        ...     with open(path, "w") as f:
        ...         _ = f.write(json.dumps(case) + "\\n")
        ...     try:
        ...         assert_matches_golden(path)
        ...     except AssertionError as e:
        ...         print(str(e).replace(tmp, "<tmp>"))
        <tmp>/golden.jsonl: parity check failed
        checked 1, matched 0, mismatched 1, skipped 0
          case 1 (string_check 'exact'): reward is 1.0 locally, 0.0 on the service
    """
    report = check(path, runner=runner, tolerance=tolerance, include_models=include_models)
    if report.checked == 0 and not report.skipped:
        raise AssertionError(f"{path}: no golden cases")
    if not report.ok or (report.skipped and not allow_skipped):
        raise AssertionError(f"{path}: parity check failed\n" + "\n".join(report.lines()))
    return report
