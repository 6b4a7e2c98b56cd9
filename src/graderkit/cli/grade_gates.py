"""``graderkit grade``'s CI gates: ``--fail-under MEAN``, ``--max-errors N|FRACTION``, and the
rule that a run in which every row errored fails (exit code 6, ``GRADING_FAILED``).

Examples:
    >>> from graderkit._core.results.summary_builder import SummaryBuilder
    >>> builder = SummaryBuilder()
    >>> builder.add_values(0.0, errors={"python_grader_runtime_error": "KeyError: 'answer'"})
    >>> gate_failures(builder.build(), fail_under=None, max_errors=None)
    ["every row errored (1 of 1); most common: python_grader_runtime_error: KeyError: 'answer'"]
"""

from __future__ import annotations

import argparse

from graderkit._core.results.summary_builder import Summary

__all__ = ["gate_failures", "max_errors"]


def max_errors(text: str) -> float:
    """``--max-errors``: a whole number of rows (``5``) or a fraction of them (``0.05``, ``5%``).

    Fractions are returned as they are (below 1); counts as whole floats of at least 1, or 0.

    Examples:
        >>> max_errors("5"), max_errors("0.05"), max_errors("5%"), max_errors("0")
        (5.0, 0.05, 0.05, 0.0)
    """
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        value = -1.0
    whole = text.isdigit()
    if value < 0 or (not whole and value >= 1) or value != value:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a number of rows (e.g. 5) nor a fraction below 1 (e.g. 0.05 "
            "or 5%)"
        )
    return value


def gate_failures(
    summary: Summary, *, fail_under: float | None, max_errors: float | None
) -> list[str]:
    """Why the run fails its gates (empty when it passes)."""
    found: list[str] = []
    first = _first_error(summary)
    if summary.count and summary.errored == summary.count:
        found.append(f"every row errored ({summary.errored} of {summary.count}){first}")
    elif max_errors is not None:
        allowed = max_errors if max_errors >= 1 or max_errors == 0 else max_errors * summary.count
        if summary.errored > allowed:
            limit = f"{max_errors:g}" if max_errors >= 1 or max_errors == 0 else (
                f"{max_errors:.2%} of {summary.count} = {allowed:g}"
            )  # fmt: skip
            found.append(f"{summary.errored} rows errored, more than --max-errors {limit}{first}")
    if fail_under is not None and summary.mean < fail_under:
        found.append(f"mean reward {summary.mean:.4f} is below --fail-under {fail_under:g}")
    return found


def _first_error(summary: Summary) -> str:
    if not summary.error_counts:
        return ""
    flag = max(summary.error_counts, key=lambda f: summary.error_counts[f])
    detail = summary.error_details.get(flag)
    return f"; most common: {flag}" + (f": {detail}" if detail else "")
