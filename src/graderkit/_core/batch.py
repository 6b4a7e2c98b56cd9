"""BatchResult: the results of grading many rows, stored by column, built per row on demand."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from graderkit._core.columns import Columns
from graderkit._core.grading import passed_for
from graderkit._core.models import GraderBase
from graderkit._core.results import GradeResult, failure

__all__ = ["BatchResult"]


class BatchResult(Sequence[GradeResult]):
    """The results of [`Runner.grade_many`][graderkit.Runner.grade_many] for local graders.

    A sequence of [`GradeResult`][graderkit.GradeResult]: ``batch[i]`` is exactly what
    ``grade(grader, samples[i], items[i])`` returns (``execution_time`` is the batch's time
    spread evenly over its rows). The figures are computed for every row when the batch is
    graded; only the per-row objects are built lazily, so ``batch.rewards`` is cheap.

    Example:
        >>> import graderkit as gk
        >>> g = gk.string_check("{{sample.output_text}}", "{{item.a}}", name="a")
        >>> batch = gk.grade_many(g, ["x", "y"], [{"a": "x"}, {}])
        >>> batch.rewards, list(batch[1].errors)
        ([1.0, 0.0], ['invalid_variable_error'])
    """

    def __init__(
        self,
        grader: GraderBase,
        columns: Columns,
        *,
        seconds_per_row: float = 0.0,
        unparsable: dict[int, str] | None = None,
    ) -> None:
        self.grader = grader
        self.columns = columns
        self.seconds_per_row = seconds_per_row
        self._unparsable = unparsable or {}
        self._name = grader.result_name

    @property
    def rewards(self) -> list[float]:
        """Every row's reward, in order."""
        if not self._unparsable:
            return list(self.columns.rewards)
        return [0.0 if i in self._unparsable else r for i, r in enumerate(self.columns.rewards)]

    def __len__(self) -> int:
        return len(self.columns.rewards)

    @overload
    def __getitem__(self, index: int) -> GradeResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[GradeResult]: ...

    def __getitem__(self, index: int | slice) -> GradeResult | list[GradeResult]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        row = range(len(self))[index]
        if row in self._unparsable:
            result = failure(
                self._name, self.grader.type, "sample_parse_error", self._unparsable[row]
            )
        else:
            result = _row(self.grader, self._name, self.columns, row)
        passed = passed_for(self.grader, result)
        return GradeResult(
            reward=result.reward,
            name=result.name,
            type=result.type,
            errors=result.errors,
            sub_rewards=result.sub_rewards,
            sub_results=result.sub_results,
            execution_time=self.seconds_per_row,
            passed=passed,
        )

    def __iter__(self) -> Iterator[GradeResult]:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return f"<BatchResult {self.grader.label}: {len(self)} rows>"


def _row(grader: GraderBase, name: str, columns: Columns, row: int) -> GradeResult:
    errors = columns.errors.get(row, {})
    if not columns.children:
        return GradeResult(
            reward=columns.rewards[row], name=name, type=grader.type, errors=dict(errors)
        )
    graders = grader.graders  # type: ignore[attr-defined]
    subs = {
        key: _row(graders[key], graders[key].result_name, child, row)
        for key, child in columns.children.items()
    }
    return GradeResult(
        reward=columns.rewards[row],
        name=name,
        type=grader.type,
        errors=dict(errors),
        sub_rewards={key: sub.reward for key, sub in subs.items()},
        sub_results=subs,
    )
