"""BatchResult: the results of grading many rows, stored by column, built per row on demand."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from graderkit._core.graders.models import GraderBase
from graderkit._core.grading.batch_columns import Columns
from graderkit._core.results.batch_row import RowSource, rows
from graderkit._core.results.grade_result import GradeResult

__all__ = ["BatchResult"]


class BatchResult(Sequence[GradeResult]):
    """The results of [`Runner.grade_many`][graderkit.Runner.grade_many] for local graders.

    A sequence of [`GradeResult`][graderkit.GradeResult]: ``batch[i]`` is exactly what
    ``grade(grader, samples[i], items[i])`` returns (``execution_time`` is the batch's time
    spread evenly over its rows). The figures are computed for every row when the batch is
    graded; each row is a read-only view over the columns (a ``BatchRow``, which is a
    ``GradeResult``) whose nested fields are built only when read, so iterating is cheap and
    ``batch.rewards`` cheaper still.

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
        self._rows: RowSource | None = None

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
        return next(rows(self._source(), row, row + 1))

    def __iter__(self) -> Iterator[GradeResult]:
        return rows(self._source(), 0, len(self))

    def __repr__(self) -> str:
        return f"<BatchResult {self.grader.label}: {len(self)} rows>"

    def _source(self) -> RowSource:
        """What the row views read (built once; ``rewards`` already zeroed for bad samples)."""
        if self._rows is None:
            self._rows = RowSource(
                self.grader,
                self.columns,
                rewards=self.rewards,
                seconds=self.seconds_per_row,
                top=True,
                unparsable=self._unparsable,
            )
        return self._rows
