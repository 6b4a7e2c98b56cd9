"""Hosted OpenAI Evals, run locally: read an exported eval and a JSONL file, grade, count.

The pure rules (row shapes, pass rules, counts) are in ``graderkit._core.workflow.evals_rules``; this module
reads files, checks rows against the eval's item schema, grades every criterion through a
[`Runner`][graderkit.Runner] and writes the migrated criteria.

Examples:
    >>> import graderkit as gk
    >>> from graderkit._run.workflow.evals_migration import run_eval
    >>> eval_json = {
    ...     "name": "capitals",
    ...     "data_source_config": {"type": "custom", "item_schema": {"type": "object"}},
    ...     "testing_criteria": [gk.to_openai(gk.string_check(
    ...         "{{sample.output_text}}", "{{item.answer}}", name="exact"), "evals")],
    ... }
    >>> rows = [{"item": {"answer": "Paris"}, "sample": "Paris"},
    ...         {"item": {"answer": "Rome"}, "sample": "Milan"}]
    >>> run_eval(eval_json, rows).result_counts
    {'total': 2, 'errored': 0, 'failed': 1, 'passed': 1}
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graderkit._core.graders.wire import to_openai
from graderkit._core.workflow.evals_rules import (
    CriterionCounts,
    CriterionOutcome,
    EvalDefinition,
    EvalRow,
    load_eval,
    outcome,
    split_row,
    status,
    tally,
)
from graderkit._run.datasets.data_files import DataError, read_jsonl
from graderkit._run.runner import Runner
from graderkit.errors import _NO_VALUE, InvalidGrader

__all__ = ["EvalRun", "criteria_module", "read_eval", "run_eval", "write_criteria"]

EvalSource = EvalDefinition | Mapping[str, Any] | str | Path
RowSource = str | Path | Iterable[Mapping[str, Any]]


@dataclass(frozen=True)
class EvalRun:
    """What a local run of a hosted eval produced, shaped like the service's run objects.

    Attributes:
        definition: the eval that was run.
        rows: the rows, as read.
        outcomes: per row, one [`CriterionOutcome`][graderkit._core.workflow.evals_rules.CriterionOutcome]
            per criterion, in criterion order.
        result_counts: ``{total, errored, failed, passed}`` over rows.
        per_criterion: per-criterion counts (``passed``, ``failed``, ``errored``, and, when
            the rows were exported output items, ``recorded`` / ``agreed`` with the hosted run).
    """

    definition: EvalDefinition
    rows: list[EvalRow]
    outcomes: list[list[CriterionOutcome]]
    result_counts: dict[str, int]
    per_criterion: list[CriterionCounts]

    @property
    def disagreements(self) -> int:
        """Recorded hosted results that the local run decided differently."""
        return sum(c.recorded - c.agreed for c in self.per_criterion)

    def output_items(self) -> Iterator[dict[str, Any]]:
        """One ``eval.run.output_item``-shaped dict per row."""
        for index, (row, outcomes) in enumerate(zip(self.rows, self.outcomes, strict=True)):
            yield {
                "object": "eval.run.output_item",
                "datasource_item_id": index,
                "datasource_item": dict(row.item),
                "results": [o.to_dict() for o in outcomes],
                "status": status(outcomes),
            }

    def to_dict(self) -> dict[str, Any]:
        """An ``eval.run``-shaped summary (no ids or timestamps: it never ran on the service)."""
        return {
            "object": "eval.run",
            "name": self.definition.name,
            "status": "completed",
            "result_counts": dict(self.result_counts),
            "per_testing_criteria_results": [c.to_dict() for c in self.per_criterion],
        }

    def lines(self) -> list[str]:
        """A plain-text table: one line per criterion, then the result counts."""
        width = max(len(c.testing_criteria) for c in self.per_criterion)
        out = [f"{'criterion':<{width}}  passed  failed  errored  hosted-agreement"]
        for c in self.per_criterion:
            agreement = f"{c.agreed}/{c.recorded}" if c.recorded else "-"
            out.append(
                f"{c.testing_criteria:<{width}}  {c.passed:>6}  {c.failed:>6}  {c.errored:>7}"
                f"  {agreement}"
            )
        counts = self.result_counts
        out.append(
            f"items: {counts['total']} total, {counts['passed']} passed, "
            f"{counts['failed']} failed, {counts['errored']} errored"
        )
        return out


def read_eval(source: EvalSource) -> EvalDefinition:
    """An [`EvalDefinition`][graderkit._core.workflow.evals_rules.EvalDefinition] from a definition, a dict,
    JSON text or a path to a JSON file."""
    if isinstance(source, EvalDefinition):
        return source
    if isinstance(source, Path) or (
        isinstance(source, str) and not source.lstrip().startswith("{")
    ):
        return load_eval(_eval_text(Path(source)))
    return load_eval(source)


def _eval_text(path: Path) -> str:
    """The text of an exported eval file; unreadable or non-UTF-8 files name themselves."""
    from graderkit._run.datasets.file_errors import os_reason

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidGrader(
            "eval", "", _NO_VALUE, f"{path}: cannot read: {os_reason(exc)}"
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidGrader(
            "eval", "", _NO_VALUE, f"{path}: not UTF-8 text (at byte {exc.start}); save it as UTF-8"
        ) from None


def run_eval(
    definition: EvalSource,
    rows: RowSource,
    *,
    runner: Runner | None = None,
    validate: bool = True,
) -> EvalRun:
    """Run a hosted eval's testing criteria locally over rows, with the Evals pass rules.

    Args:
        definition: the exported eval (see [`read_eval`][graderkit._run.workflow.evals_migration.read_eval]).
        rows: a JSONL path or row dicts, each ``{"item", "sample"}``, an exported output item,
            or a flat item (see [`split_row`][graderkit._core.workflow.evals_rules.split_row]).
        runner: the runner holding the backends (default: a shared one).
        validate: check each item against the eval's ``item_schema``, as the service does.

    Raises:
        DataError: a row does not match the item schema, or has no sample while a criterion
            reads ``sample``.
    """
    from graderkit._run.default_runner import default_runner

    spec = read_eval(definition)
    parsed = _rows(spec, rows, validate=validate)
    grader_runner = runner or default_runner()
    samples = [row.sample if row.sample is not None else "" for row in parsed]
    items = [row.item for row in parsed]
    columns = []
    for criterion in spec.criteria:
        results = grader_runner.grade_many(criterion.grader, samples, items)
        columns.append([outcome(criterion, r) for r in results])
    per_row = [list(cells) for cells in zip(*columns, strict=True)] if parsed else []
    counts, per_criterion = tally(spec.criteria, per_row, [r.recorded for r in parsed])
    return EvalRun(spec, parsed, per_row, counts, per_criterion)


def _rows(spec: EvalDefinition, source: RowSource, *, validate: bool) -> list[EvalRow]:
    raw = read_jsonl(source) if isinstance(source, (str, Path)) else iter(source)
    check = _item_checker(spec) if validate else None
    rows: list[EvalRow] = []
    for number, data in enumerate(raw, 1):
        row = split_row(data)
        if check is not None:
            check(number, row.item)
        if row.sample is None and spec.needs_sample:
            raise DataError(
                f"row {number}: no sample, but the eval's criteria read {{{{sample.*}}}}; give "
                'each row {"item": {...}, "sample": {"output_text": ...}} or an exported '
                "output item (the hosted run generated samples with a model; locally, bring them)"
            )
        rows.append(row)
    return rows


def _item_checker(spec: EvalDefinition) -> Any:
    schema = spec.item_schema
    if not schema:
        return None
    import jsonschema

    validator = jsonschema.validators.validator_for(schema)(schema)

    def check(number: int, item: Mapping[str, Any]) -> None:
        error = jsonschema.exceptions.best_match(validator.iter_errors(item))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(the item)"
            raise DataError(
                f"row {number}: item does not match the eval's item_schema at {where}: "
                f"{error.message}"
            )

    return check


def write_criteria(spec: EvalDefinition, directory: str | Path) -> list[Path]:
    """Write each criterion as graderkit grader JSON (Evals target) and all of them as a Python
    module ``criteria.py``; returns the paths written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, criterion in zip(_identifiers(spec), spec.criteria, strict=True):
        path = out / f"{name}.json"
        text = json.dumps(to_openai(criterion.grader, "evals"), indent=2, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")
        written.append(path)
    module = out / "criteria.py"
    module.write_text(criteria_module(spec), encoding="utf-8")
    return [*written, module]


def criteria_module(spec: EvalDefinition) -> str:
    """Python source defining each criterion as a graderkit grader, and ``CRITERIA``."""
    names = _identifiers(spec)
    lines = [
        f'"""Testing criteria of the hosted eval {spec.name!r}, migrated by graderkit.',
        "",
        "Run them: graderkit grade criteria.py:<name> --data items.jsonl --samples preds.jsonl",
        '"""',
        "",
        "import graderkit as gk",
        "",
    ]
    for name, criterion in zip(names, spec.criteria, strict=True):
        lines += [f"{name} = gk.from_openai({to_openai(criterion.grader, 'evals')!r})", ""]
    lines.append(f"CRITERIA = [{', '.join(names)}]")
    return "\n".join(lines) + "\n"


def _identifiers(spec: EvalDefinition) -> list[str]:
    seen: set[str] = set()
    names = []
    for criterion in spec.criteria:
        base = re.sub(r"\W+", "_", criterion.name).strip("_").lower() or "criterion"
        if base[0].isdigit() or keyword.iskeyword(base) or base in ("gk", "CRITERIA"):
            base = f"criterion_{base}"
        name, n = base, 2
        while name in seen:
            name, n = f"{base}_{n}", n + 1
        seen.add(name)
        names.append(name)
    return names
