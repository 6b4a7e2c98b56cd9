"""BatchRow: one row of a BatchResult, a GradeResult that reads its fields from the columns.

Iterating a batch of N rows builds N small views (a column source and a row number), not N
trees of results and dicts: a field is computed when it is read (``reward`` is one list index;
``errors``, ``sub_rewards`` and ``sub_results`` are built on each read). A view is a
[`GradeResult`][graderkit.GradeResult] in every way a reader can tell: the same attributes,
``to_dict()``, ``repr()``, ``==`` with an eagerly built result, ``dataclasses.replace`` and
``copy``/``pickle`` (both give a plain ``GradeResult``). It is read-only. Pure: imports only the
core's results, grading rules and graders.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import fields
from typing import Any

from graderkit._core.graders.models import GraderBase
from graderkit._core.grading.batch_columns import Columns
from graderkit._core.grading.local_grading import passed_for
from graderkit._core.results.grade_result import GradeResult

__all__ = ["BatchRow", "RowSource", "rows"]

FIELDS = tuple(f.name for f in fields(GradeResult))
"""GradeResult's fields, in declaration order (what ``==`` compares)."""

_EMPTY: Mapping[str, Any] = {}


class RowSource:
    """One grader's columns within a batch, shared by every row view over them."""

    __slots__ = (
        "_children",
        "columns",
        "grader",
        "name",
        "rewards",
        "seconds",
        "top",
        "unparsable",
    )

    def __init__(
        self,
        grader: GraderBase,
        columns: Columns,
        *,
        rewards: list[float],
        seconds: float,
        top: bool,
        unparsable: Mapping[int, str] | None = None,
    ) -> None:
        self.grader = grader
        self.name = grader.result_name
        self.columns = columns
        self.rewards = rewards
        self.seconds = seconds if top else 0.0
        self.top = top
        self.unparsable: Mapping[int, str] = unparsable or {}
        self._children: dict[str, RowSource] | None = None

    def children(self) -> dict[str, RowSource]:
        """A source per child of a multi grader (built on first use)."""
        if self._children is None:
            graders: Mapping[str, GraderBase] = getattr(self.grader, "graders", {})
            self._children = {
                key: RowSource(graders[key], child, rewards=child.rewards, seconds=0.0, top=False)
                for key, child in self.columns.children.items()
            }
        return self._children


def rows(source: RowSource, start: int, stop: int) -> Iterator[BatchRow]:
    """Views of rows ``start`` to ``stop - 1`` (the fast path of ``BatchResult.__iter__``).

    Built with ``object.__new__`` and two slot stores, the cheapest object Python makes.
    """
    new = object.__new__
    for row in range(start, stop):
        view = new(BatchRow)
        view._source = source
        view._row = row
        yield view


class BatchRow(GradeResult):
    """A [`GradeResult`][graderkit.GradeResult] whose fields are read from a batch's columns.

    Examples:
        >>> import dataclasses
        >>> import graderkit as gk
        >>> g = gk.string_check("{{sample.output_text}}", "{{item.a}}", name="a")
        >>> row = gk.grade_many(g, ["x"], [{"a": "x"}])[0]
        >>> row.reward, row.passed, isinstance(row, gk.GradeResult)
        (1.0, True, True)
        >>> row == dataclasses.replace(gk.grade(g, "x", {"a": "x"}), execution_time=row.execution_time)
        True
    """

    __slots__ = ("_row", "_source")
    _source: RowSource
    _row: int

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # dataclasses.replace(view, ...) calls type(view)(**fields): give it a plain result.
        if args or kwargs:
            return GradeResult(*args, **kwargs)
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Views are made by a BatchResult (``rows``), never by hand."""

    @property
    def reward(self) -> float:  # type: ignore[override]
        return self._source.rewards[self._row]

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._source.name

    @property
    def type(self) -> str:  # type: ignore[override]
        return self._source.grader.type

    @property
    def errors(self) -> dict[str, str | None]:  # type: ignore[override]
        source, row = self._source, self._row
        if row in source.unparsable:
            return {"sample_parse_error": source.unparsable[row]}
        return dict(source.columns.errors.get(row, _EMPTY))

    @property
    def sub_rewards(self) -> dict[str, float]:  # type: ignore[override]
        source, row = self._source, self._row
        if row in source.unparsable:
            return {}
        return {key: child.rewards[row] for key, child in source.columns.children.items()}

    @property
    def sub_results(self) -> dict[str, GradeResult]:  # type: ignore[override]
        if self._row in self._source.unparsable:
            return {}
        return {key: _view(child, self._row) for key, child in self._source.children().items()}

    @property
    def scores(self) -> dict[str, Any]:  # type: ignore[override]
        return {}

    @property
    def execution_time(self) -> float:  # type: ignore[override]
        return self._source.seconds

    @property
    def token_usage(self) -> Mapping[str, int] | None:  # type: ignore[override]
        return None

    @property
    def sampled_model_name(self) -> str | None:  # type: ignore[override]
        return None

    @property
    def token_usage_per_model(self) -> dict[str, Mapping[str, int]]:  # type: ignore[override]
        return {}

    @property
    def passed(self) -> bool | None:  # type: ignore[override]
        return passed_for(self._source.grader, self) if self._source.top else None

    @property
    def ok(self) -> bool:
        """True when no error flag is raised."""
        source, row = self._source, self._row
        return row not in source.columns.errors and row not in source.unparsable

    def materialize(self) -> GradeResult:
        """The same result as a plain, independent ``GradeResult`` (nested results included).

        Examples:
            >>> import graderkit as gk
            >>> g = gk.string_check("{{sample.output_text}}", "x", name="a")
            >>> type(gk.grade_many(g, ["x"])[0].materialize()).__name__
            'GradeResult'
        """
        values = {name: getattr(self, name) for name in FIELDS}
        values["sub_results"] = {
            key: sub.materialize() if isinstance(sub, BatchRow) else sub
            for key, sub in values["sub_results"].items()
        }
        return GradeResult(**values)

    def with_time(self, seconds: float) -> GradeResult:
        """A plain copy with ``execution_time`` set."""
        return self.materialize().with_time(seconds)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GradeResult):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in FIELDS)

    __hash__ = None  # type: ignore[assignment]  # like GradeResult: mutable-shaped, unhashable

    def __reduce_ex__(self, protocol: Any) -> Any:
        # pickle, copy and deepcopy of a view all give the plain result it stands for
        plain = self.materialize()
        return (_plain, ({name: getattr(plain, name) for name in FIELDS},))


def _view(source: RowSource, row: int) -> BatchRow:
    return next(rows(source, row, row + 1))


def _plain(values: dict[str, Any]) -> GradeResult:
    return GradeResult(**values)
