"""The results-file line: one graded (item, run) as one JSON object on one line.

A line is the item's key, the run number, then the ``graders/run`` response of
[`GradeResult.to_dict`][graderkit.GradeResult.to_dict], then ``passed`` when the grader has a
pass rule::

    {"id": "q01", "run": 0, "reward": 1.0, "metadata": {...}, "sub_rewards": {...},
     "model_grader_token_usage_per_model": {}}

[`encode_batch`][graderkit._core.results.result_lines.encode_batch] writes the lines of a whole local
batch without building a result object per row: an error-free row of a local grader differs
from the next only in its key, run and numbers, so the rest of its text is computed once. A
test checks that every line it writes equals [`encode_result`][graderkit._core.results.result_lines.encode_result]'s,
character for character.

Examples:
    >>> import graderkit as gk
    >>> g = gk.string_check("{{sample.output_text}}", "yes", name="yes")
    >>> line = encode_result("id", "q1", 0, gk.grade(g, "yes"))
    >>> line[:40]
    '{"id": "q1", "run": 0, "reward": 1.0, "m'
    >>> decode_line(line, "id")["passed"]
    True
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from graderkit._core.grading.local_grading import passed_for
from graderkit._core.results.batch_result import BatchResult
from graderkit._core.results.grade_result import GradeResult

__all__ = [
    "RESERVED_KEYS",
    "LineError",
    "decode_line",
    "encode_batch",
    "encode_result",
    "line_key",
    "result_row",
]

RESERVED_KEYS = frozenset(
    {"run", "reward", "metadata", "sub_rewards", "model_grader_token_usage_per_model", "passed"}
)
"""Fields of a line that a join key may not be named."""

_dumps = json.JSONEncoder(ensure_ascii=False).encode


class LineError(ValueError):
    """A results line is not a result of this format."""


def result_row(key: str, key_value: Any, run: int, result: GradeResult) -> dict[str, Any]:
    """The JSON object of one line."""
    row: dict[str, Any] = {key: key_value, "run": run, **result.to_dict()}
    if result.passed is not None:
        row["passed"] = result.passed
    return row


def encode_result(key: str, key_value: Any, run: int, result: GradeResult) -> str:
    """One line of text, newline included."""
    return _dumps(result_row(key, key_value, run, result)) + "\n"


def decode_line(text: str, key: str) -> dict[str, Any]:
    """Parse one line, checking it has the key, an integer run and a numeric reward.

    Raises:
        LineError: when it does not.
    """
    try:
        row = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise LineError(f"not valid JSON ({exc})") from None
    if not isinstance(row, dict):
        raise LineError("not a JSON object")
    line_key(row, key)
    reward = row.get("reward")
    if isinstance(reward, bool) or not isinstance(reward, (int, float)):
        raise LineError(f"reward={reward!r} is not a number")
    return row


def line_key(row: dict[str, Any], key: str) -> tuple[str, int]:
    """``(id as text, run)`` of a decoded line.

    Raises:
        LineError: when the key is missing or the run is not a non-negative integer.
    """
    if key not in row:
        raise LineError(f"no {key!r} field")
    run = row.get("run")
    if isinstance(run, bool) or not isinstance(run, int) or run < 0:
        raise LineError(f"run={run!r} is not a run number")
    return str(row[key]), run


def _num(value: float) -> str:
    if value.__class__ is float and value - value == 0.0:  # finite (inf - inf and nan are nan)
        return float.__repr__(value)
    return _dumps(value)


class _Template:
    """The constant text of an error-free line of one local grader's batch."""

    def __init__(self, key: str, batch: BatchResult) -> None:
        grader = batch.grader
        probe = GradeResult(reward=0.0, name=grader.result_name, type=grader.type)
        meta = probe.to_dict()["metadata"]
        errors = _dumps(meta["errors"])
        self.head = "{" + _dumps(key) + ": "
        self.middle = (
            f', "metadata": {{"name": {_dumps(meta["name"])}, "type": {_dumps(meta["type"])}, '
            f'"errors": {errors}, "execution_time": '
        )
        self.tail = ', "scores": {}, "token_usage": null, "sampled_model_name": null}, '
        self.sub_keys = [(k, _dumps(k) + ": ") for k in batch.columns.children]
        self.has_rule = passed_for(grader, probe) is not None

    def line(self, batch: BatchResult, row: int, key_value: Any, run: int, t: str) -> str:
        columns = batch.columns
        reward = columns.rewards[row]
        subs = ", ".join(
            label + _num(columns.children[k].rewards[row]) for k, label in self.sub_keys
        )
        passed = ""
        if self.has_rule:
            result = GradeResult(reward=reward, name="", type=batch.grader.type)
            passed = ', "passed": true' if passed_for(batch.grader, result) else ', "passed": false'
        return (
            f'{self.head}{_dumps(key_value)}, "run": {run}, "reward": {_num(reward)}'
            f'{self.middle}{t}{self.tail}"sub_rewards": {{{subs}}}, '
            f'"model_grader_token_usage_per_model": {{}}{passed}}}\n'
        )


def encode_batch(
    key: str, key_values: Sequence[Any], runs: Sequence[int], batch: BatchResult
) -> list[str]:
    """The lines of a local batch, row ``i`` named ``(key_values[i], runs[i])``.

    Rows with an error (or a sample that could not be parsed) take the general path.
    """
    template = _Template(key, batch)
    errors = batch.columns.errors
    unparsable = batch.unparsable
    t = _num(batch.seconds_per_row)
    lines: list[str] = []
    for row, (value, run) in enumerate(zip(key_values, runs, strict=True)):
        if row in errors or row in unparsable:
            lines.append(encode_result(key, value, run, batch[row]))
        else:
            lines.append(template.line(batch, row, value, run, t))
    return lines
