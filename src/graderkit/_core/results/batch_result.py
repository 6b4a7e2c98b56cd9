"""BatchResult: the results of grading many rows, stored by column, built per row on demand."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from graderkit._core.graders.models import GraderBase
from graderkit._core.grading.batch_columns import Columns
from graderkit._core.grading.local_grading import passed_for
from graderkit._core.results.grade_result import GradeResult, failure

__all__ = ["BatchResult"]


class BatchResult(Sequence[GradeResult]):
    """The results of [`Runner.grade_many`][graderkit.Runner.grade_many] for local graders.

    A sequence of [`GradeResult`][graderkit.GradeResult]: ``batch[i]`` is exactly what
    ``grade(grader, samples[i], items[i])`` returns (``execution_time`` is the batch's time
    spread evenly over its rows). The figures are computed for every row when the batch is
    graded; only the per-row objects are built lazily, so ``batch.rewards`` is cheap.

    Examples:
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
        self._names = _names(grader)

    @property
    def unparsable(self) -> dict[int, str]:
        """Rows whose sample was neither text nor a mapping: row -> the parse error."""
        return self._unparsable

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
        grader, t = self.grader, self.seconds_per_row
        if row in self._unparsable:
            result = failure(
                self._names[""], grader.type, "sample_parse_error", self._unparsable[row]
            )
            return GradeResult(
                reward=0.0,
                name=result.name,
                type=result.type,
                errors=result.errors,
                execution_time=t,
                passed=passed_for(grader, result),
            )
        return _row(grader, self._names, self.columns, row, t, top=True)

    def __iter__(self) -> Iterator[GradeResult]:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return f"<BatchResult {self.grader.label}: {len(self)} rows>"


def _names(grader: GraderBase) -> dict[str, str]:
    """Result names: ``""`` for the grader itself, each key for a multi's children."""
    names = {"": grader.result_name}
    for key, child in getattr(grader, "graders", {}).items():
        names[key] = child.result_name
    return names


def _row(
    grader: GraderBase,
    names: dict[str, str],
    columns: Columns,
    row: int,
    t: float,
    *,
    top: bool = False,
    key: str = "",
) -> GradeResult:
    errors = dict(columns.errors.get(row, {}))
    reward = columns.rewards[row]
    subs: dict[str, GradeResult] = {}
    if columns.children:
        graders = grader.graders  # type: ignore[attr-defined]
        subs = {
            k: _row(graders[k], names, child, row, t, key=k)
            for k, child in columns.children.items()
        }
    result = GradeResult(
        reward=reward,
        name=names[key],
        type=grader.type,
        errors=errors,
        sub_rewards={k: sub.reward for k, sub in subs.items()},
        sub_results=subs,
        execution_time=t if top else 0.0,
    )
    if top:
        passed = passed_for(grader, result)
        if passed is not None:
            result.passed = passed
    return result
