"""Check a dataset (and its predictions) against a grader before anything runs.

Pure: rows go in (as parsed JSON objects with their line numbers), a
[`DatasetReport`][graderkit._core.datasets.dataset_check.DatasetReport] comes out. What is checked:

* **The grader's variables**: every ``{{ item.x }}`` the grader reads resolves in every row
  (the report lists the rows and the keys that miss); keys a python grader reads as
  ``item["x"]`` are present ("missing in N of M rows": a warning, as the code may guard them,
  but an error when no row has the key, since every row would then fail); no
  ``{{ sample.x }}`` names a field the service never fills (an error, see
  [`service_sample_fields`][graderkit._core.graders.sample_fields.service_sample_fields]); every
  ``{{ sample.x }}`` resolves in every prediction (a warning: a sample may legitimately lack
  ``output_json``).
* **The RFT format** (Part B 8.1, [DOC] unless marked): ``messages`` is required, a non-empty
  list; roles are ``developer``, ``user``, ``assistant`` or ``tool`` (no ``system``); content is
  text or images (no audio, no files); ``tools``, when present, is a list of function tools
  (``messages`` and ``tools`` are the reserved keys); the final message is from the user (a
  warning: an Azure rule, [AZ]); a training file has at most 50,000 rows, a validation or test
  file at most 1,000.
* **Duplicates**: repeated ids (an error: the join is ambiguous), rows repeating another row's
  content (a warning), predictions repeating an ``(id, run)`` (an error).
* **Predictions**: each names an item that exists, carries ``output_text`` (or ``sample``),
  and is not empty (a warning); items without any prediction (a warning).

Examples:
    >>> import graderkit as gk
    >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
    >>> rows = [{"id": "a", "messages": [{"role": "user", "content": "2+2?"}], "answer": "4"},
    ...         {"id": "b", "messages": [{"role": "system", "content": "hi"}]}]
    >>> report = check_rows(exact, rows)
    >>> report.ok
    False
    >>> print("\\n".join(report.lines()))
    items: 2 rows
    error    {{ item.answer }}: key 'answer' not found in item (string_check 'exact'): 1 row: line 2 (id b)
    error    role 'system' is not allowed in an RFT file; use 'developer': 1 row: line 2 (id b)
    warning  the final message should be from the user (Azure rule): 1 row: line 2 (id b)
    2 errors, 1 warning
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graderkit._core.datasets.rft_format import SPLIT_LIMITS, Level, rft_problems
from graderkit._core.datasets.runs import RunNumbers
from graderkit._core.graders.item_keys import python_reads
from graderkit._core.graders.models import GraderBase
from graderkit._core.graders.sample_fields import service_sample_fields, unknown_sample_fields
from graderkit._core.templating.sample import to_sample
from graderkit._core.templating.template import MissingVariable, Variable, resolve

__all__ = [
    "DatasetChecker",
    "DatasetReport",
    "Problem",
    "check_rows",
    "rft_problems",
]

Split = Literal["train", "validation", "test"]

LISTED = 10
"""Rows named per problem; the count covers them all."""


@dataclass(frozen=True)
class Problem:
    """One kind of problem and the rows that have it.

    Attributes:
        level: ``"error"`` (grading or training would fail or be wrong) or ``"warning"``.
        code: a stable name, e.g. ``"missing_variable"``, ``"system_role"``.
        message: what is wrong, e.g. ``"{{ item.answer }}: key 'answer' not found in item"``.
        where: the first rows concerned, e.g. ``("line 4 (id q04)",)``.
        count: how many rows are concerned in all.
    """

    level: Level
    code: str
    message: str
    where: tuple[str, ...] = ()
    count: int = 1

    def text(self) -> str:
        """One line: level, message and the rows concerned."""
        if not self.where:
            return f"{self.level:<8} {self.message}"
        rows = ", ".join(self.where) + (", ..." if self.count > len(self.where) else "")
        noun = "row" if self.count == 1 else "rows"
        return f"{self.level:<8} {self.message}: {self.count} {noun}: {rows}"


@dataclass(frozen=True)
class DatasetReport:
    """The result of a dataset check.

    Attributes:
        problems: errors first, then warnings, each in the order first met.
        items: rows in the items file.
        predictions: lines in the predictions file (``None`` when none was checked).

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.reference_answer}}",
        ...                         name="exact")
        >>> report = gk.check_dataset(exact, "examples/clinical/items.jsonl",
        ...                           [{"id": "nope", "output_text": "gout"}])
        >>> report.ok, [p.code for p in report.errors], report.items
        (False, ['unknown_id'], 36)
        >>> report.lines()[1]
        'error    not in the items file: 1 row: line 1 (id nope)'
    """

    problems: tuple[Problem, ...]
    items: int
    predictions: int | None = None

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems of level ``error``."""
        return tuple(p for p in self.problems if p.level == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems of level ``warning``."""
        return tuple(p for p in self.problems if p.level == "warning")

    def lines(self) -> list[str]:
        """A plain-text report."""
        head = f"items: {_plural(self.items, 'row')}"
        if self.predictions is not None:
            head += f"; predictions: {_plural(self.predictions, 'line')}"
        counts = f"{_plural(len(self.errors), 'error')}, {_plural(len(self.warnings), 'warning')}"
        tail = counts if self.problems else "ok"
        return [head, *(p.text() for p in self.problems), tail]


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


class _Tally:
    """Problems grouped by (level, code, message), with the first rows of each."""

    def __init__(self) -> None:
        self.groups: dict[tuple[Level, str, str], list[Any]] = {}

    def add(self, level: Level, code: str, message: str, where: str | None) -> None:
        group = self.groups.setdefault((level, code, message), [0, []])
        group[0] += 1
        if where is not None and len(group[1]) < LISTED:
            group[1].append(where)

    def add_group(
        self, level: Level, code: str, message: str, where: list[str], count: int
    ) -> None:
        """Record a problem already counted (``where``: its first rows)."""
        self.groups[(level, code, message)] = [count, where[:LISTED]]

    def problems(self) -> tuple[Problem, ...]:
        found = [
            Problem(level, code, message, tuple(where), count)
            for (level, code, message), (count, where) in self.groups.items()
        ]
        return tuple(sorted(found, key=lambda p: p.level != "error"))


class DatasetChecker:
    """Checks rows one at a time (constant memory but for ids and row fingerprints).

    Args:
        grader: the grader the data is for (``None``: check the format only).
        key: the field naming items and joining predictions to them.
        split: ``"train"``, ``"validation"`` or ``"test"`` to check the RFT size limit.
        rft: check the RFT format rules (``False`` for a plain evaluation dataset).
        runs: the ``--runs`` the data will be graded with (see [`RunNumbers`][graderkit._core.datasets.runs.RunNumbers]).
    """

    def __init__(
        self,
        grader: GraderBase | None = None,
        *,
        key: str = "id",
        split: Split | None = None,
        rft: bool = True,
        runs: int = 1,
    ) -> None:
        if split is not None and split not in SPLIT_LIMITS:
            raise ValueError(f"split={split!r} is not one of {', '.join(SPLIT_LIMITS)}")
        self.grader, self.key, self.split, self.rft = grader, key, split, rft
        variables = grader.variables() if grader is not None else ()
        self._item_vars = [v for v in variables if v.namespace == "item"]
        self._tally = _Tally()
        unknown = unknown_sample_fields(grader) if grader is not None else []
        for message in unknown:
            self._tally.add("error", "unknown_sample_field", message, None)
        fields = service_sample_fields()
        self._sample_vars = [
            v for v in variables if v.namespace == "sample" and v.path and v.path[0] in fields
        ]
        self._python_keys = list(python_reads(grader)) if grader is not None else []
        self._python_missing: dict[tuple[str, str, int], list[str]] = {}
        self._python_missing_count: dict[tuple[str, str, int], int] = {}
        self._ids: dict[str, int] = {}
        self._fingerprints: dict[bytes, int] = {}
        self._without_key: list[str] = []
        self._items = 0
        self._predicted: set[str] = set()
        self._pairs: dict[tuple[str, int], int] = {}
        self._runs = RunNumbers(runs)
        self._predictions: int | None = None
        self._by_key: bool | None = None

    # ---- items ------------------------------------------------------------------------------

    def add_item(self, line: int, row: Mapping[str, Any]) -> None:
        """Check one dataset row (``line``: its line number in the file)."""
        self._items += 1
        where = self._where(line, row)
        self._check_key(line, row, where)
        for variable in self._item_vars:
            self._check_variable(variable, {}, row, where, "error")
        for read in self._python_keys:
            if read[1] not in row:
                self._python_missing_count[read] = self._python_missing_count.get(read, 0) + 1
                first = self._python_missing.setdefault(read, [])
                if len(first) < LISTED:
                    first.append(where)
        if self.rft:
            for level, code, message in rft_problems(row):
                self._tally.add(level, code, message, where)

    def _where(self, line: int, row: Mapping[str, Any]) -> str:
        ident = row.get(self.key)
        return f"line {line}" if ident is None else f"line {line} ({self.key} {ident})"

    def _check_key(self, line: int, row: Mapping[str, Any], where: str) -> None:
        if self.key not in row:
            self._without_key.append(where)
        else:
            ident = str(row[self.key])
            first = self._ids.setdefault(ident, line)
            if first != line:
                message = f"{self.key} {ident!r} repeats line {first}"
                self._tally.add("error", "duplicate_id", message, where)
                return
        content = {k: v for k, v in row.items() if k != self.key}
        digest = hashlib.blake2b(
            json.dumps(content, sort_keys=True, ensure_ascii=False).encode(), digest_size=16
        ).digest()
        first = self._fingerprints.setdefault(digest, line)
        if first != line:
            message = f"same content as line {first} (only the {self.key} differs)"
            self._tally.add("warning", "duplicate_row", message, where)

    def _check_variable(
        self,
        variable: Variable,
        sample: Mapping[str, Any],
        item: Mapping[str, Any],
        where: str,
        level: Level,
    ) -> None:
        try:
            resolve(variable, sample, item)
        except MissingVariable as exc:
            label = self.grader.label if self.grader is not None else ""
            message = f"{{{{ {variable.text} }}}}: {exc.reason} ({label})"
            code = "missing_variable" if level == "error" else "missing_sample_variable"
            self._tally.add(level, code, message, where)

    def bad_line(self, file: Literal["items", "predictions"], line: int, problem: str) -> None:
        """Record a line that is not a JSON object (it is skipped)."""
        if file == "items":
            self._items += 1
        else:
            self._predictions = (self._predictions or 0) + 1
        self._tally.add("error", "bad_line", f"{file} file: {problem}", f"line {line}")

    # ---- predictions ------------------------------------------------------------------------

    def begin_predictions(self) -> None:
        """Mark that a predictions file is checked (even an empty one): call after the items."""
        if self._predictions is None:
            self._predictions = 0

    def add_prediction(self, line: int, prediction: Mapping[str, Any]) -> None:
        """Check one predictions line (call after every item was added)."""
        self._predictions = (self._predictions or 0) + 1
        if self._by_key is None:
            self._by_key = self.key in prediction
        where = f"line {line}"
        if self._by_key and self.key not in prediction:
            self._tally.add("error", "missing_key", f"no {self.key!r} field", where)
            return
        if self._by_key:
            ident = str(prediction[self.key])
            where = f"line {line} ({self.key} {ident})"
            if ident not in self._ids:
                self._tally.add("error", "unknown_id", "not in the items file", where)
            self._predicted.add(ident)
        else:
            ident = str(self._predictions - 1)
        self._check_runs(line, ident, prediction, where)
        self._check_answer(prediction, where)

    def _check_runs(self, line: int, ident: str, prediction: Mapping[str, Any], where: str) -> None:
        try:
            runs = self._runs.assign(ident, prediction)
        except ValueError as exc:
            self._tally.add("error", "bad_run", str(exc), where)
            return
        for run in runs:
            first = self._pairs.setdefault((ident, run), line)
            if first != line:
                message = f"run {run} of this item repeats line {first} (graded once)"
                self._tally.add("error", "duplicate_sample", message, where)

    def _check_answer(self, prediction: Mapping[str, Any], where: str) -> None:
        sample = prediction.get("sample")
        if sample is None and "output_text" not in prediction:
            self._tally.add("error", "no_output", "no 'output_text' (or 'sample') field", where)
            return
        text = prediction.get("output_text") if sample is None else None
        if sample is None and (not isinstance(text, str) or not text.strip()):
            self._tally.add("warning", "empty_answer", "empty answer", where)
        if sample is not None and not isinstance(sample, Mapping):
            self._tally.add("error", "bad_sample", "'sample' is not an object", where)
            return
        if self._sample_vars:
            built = to_sample(sample if sample is not None else {"output_text": text or ""})
            for variable in self._sample_vars:
                self._check_variable(variable, built, {}, where, "warning")

    # ---- the report -------------------------------------------------------------------------

    def _python_key_problems(self) -> None:
        for read, count in self._python_missing_count.items():
            label, name, source_line = read
            every = count == self._items
            message = (
                f"{label} reads item[{name!r}] (line {source_line} of its source), missing in "
                f"{count} of {_plural(self._items, 'row')}"
                + ("; every row would fail: add the key or fix the grader" if every else "")
            )
            level: Level = "error" if every else "warning"
            self._tally.add_group(
                level, "python_item_key", message, self._python_missing[read], count
            )

    def report(self) -> DatasetReport:
        """Everything found so far."""
        self._python_key_problems()
        tally = self._tally
        if self._without_key and (self._ids or self._by_key):
            level: Level = "error" if self._by_key else "warning"
            for where in self._without_key:
                tally.add(level, "missing_key", f"no {self.key!r} field", where)
        if self.split is not None and self._items > SPLIT_LIMITS[self.split]:
            message = (
                f"{self._items} rows: an RFT {self.split} file may have at most "
                f"{SPLIT_LIMITS[self.split]:,}"
            )
            tally.add("error", "too_many_rows", message, None)
        if self._by_key:
            for ident, line in self._ids.items():
                if ident not in self._predicted:
                    where = f"line {line} ({self.key} {ident})"
                    tally.add("warning", "no_prediction", "no prediction for this item", where)
        elif self._by_key is False and (self._predictions or 0) > self._items:
            message = f"{self._predictions} predictions for {self._items} items (joined by line)"
            tally.add("error", "too_many_predictions", message, None)
        return DatasetReport(tally.problems(), self._items, self._predictions)


def check_rows(
    grader: GraderBase | None,
    items: Iterable[Mapping[str, Any]],
    predictions: Iterable[Mapping[str, Any]] | None = None,
    *,
    key: str = "id",
    split: Split | None = None,
    rft: bool = True,
    runs: int = 1,
) -> DatasetReport:
    """Check rows already in memory (row ``n`` is reported as line ``n``, from 1).

    See [`DatasetChecker`][graderkit._core.datasets.dataset_check.DatasetChecker] for the arguments.
    """
    checker = DatasetChecker(grader, key=key, split=split, rft=rft, runs=runs)
    for line, row in enumerate(items, 1):
        checker.add_item(line, row)
    if predictions is not None:
        checker.begin_predictions()
        for line, prediction in enumerate(predictions, 1):
            checker.add_prediction(line, prediction)
    return checker.report()
