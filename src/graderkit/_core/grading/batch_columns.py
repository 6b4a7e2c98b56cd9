"""Columnar grading of local graders: render, score and combine whole columns at once.

Grading N rows one by one spends most of its time building per-row dicts and result objects.
Here each template becomes one list, each leaf score one list comprehension, and the multi
formula is evaluated per column. Per-row results are built only when asked for
([`BatchResult`][graderkit.BatchResult]). A property test checks that every row equals what
[`grade`][graderkit.grade] returns for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import eq, itemgetter, truediv
from typing import Any

from rapidfuzz.fuzz import ratio

from graderkit._core.formula.column_eval import evaluate_columns
from graderkit._core.graders.models import (
    GraderBase,
    MultiGrader,
    StringCheckGrader,
    TextSimilarityGrader,
)
from graderkit._core.grading.string_ops import string_check_holds
from graderkit._core.metrics.similarity import fuzzy_match
from graderkit._core.results.grade_result import merge_errors
from graderkit._core.templating.sample import to_sample
from graderkit._core.templating.template import (
    MissingVariable,
    Template,
    parse_template,
    render,
    to_text,
)
from graderkit._optional import accelerator

__all__ = ["Columns", "Rows", "grade_columns"]

Errors = dict[str, "str | None"]
Metric = Callable[[str, str], float]


@dataclass
class Columns:
    """One grader's results over all rows: rewards, sparse errors, children for multi."""

    rewards: list[float]
    errors: dict[int, Errors] = field(default_factory=dict)
    children: dict[str, Columns] = field(default_factory=dict)


class Rows:
    """The (sample, item) rows being graded, with sample dicts built only when needed."""

    def __init__(self, samples: Sequence[Any], items: Sequence[Mapping[str, Any]]) -> None:
        self.samples, self.items, self.n = samples, items, len(samples)
        self.all_text = set(map(type, samples)) <= {str}
        self._dicts: list[Mapping[str, Any]] | None = None
        self.unparsable: dict[int, str] = {}
        self.rendered: dict[str, tuple[list[str], dict[int, str]]] = {}
        if not self.all_text:
            self.sample_dicts()  # finds the rows whose sample is neither text nor a mapping

    def sample_dicts(self) -> list[Mapping[str, Any]]:
        if self._dicts is None:
            dicts: list[Mapping[str, Any]] = []
            for row, sample in enumerate(self.samples):
                try:
                    dicts.append(to_sample(sample))
                except TypeError as exc:
                    self.unparsable[row] = str(exc)
                    dicts.append({})
            self._dicts = dicts
        return self._dicts


def render_column(text: str, rows: Rows) -> tuple[list[str], dict[int, str]]:
    """Render one template for every row; returns texts and ``row -> missing-variable message``.

    Memoized per template text on ``rows``: callers must not mutate the returned lists.
    """
    done = rows.rendered.get(text)
    if done is None:
        done = rows.rendered[text] = _render_column(text, rows)
    return done


def _render_column(text: str, rows: Rows) -> tuple[list[str], dict[int, str]]:
    template = parse_template(text)
    if template.is_literal:
        return [text] * rows.n, {}
    var = template.sole_variable
    values: list[Any] | None = None
    if var is not None and var.path == ("output_text",) and var.namespace == "sample":
        if rows.all_text:
            return list(rows.samples), {}
    elif var is not None and var.namespace == "item" and len(var.path) == 1:
        key = var.path[0]
        try:
            values = list(map(itemgetter(key), rows.items))
        except (KeyError, TypeError, IndexError):
            values = None
    if values is not None:
        if set(map(type, values)) <= {str}:
            return values, {}
        return [v if type(v) is str else to_text(v) for v in values], {}
    return _render_rows(template, rows)


def _render_rows(template: Template, rows: Rows) -> tuple[list[str], dict[int, str]]:
    out: list[str] = []
    errors: dict[int, str] = {}
    samples = rows.sample_dicts()
    for row, (sample, item) in enumerate(zip(samples, rows.items, strict=True)):
        try:
            out.append(render(template, sample, item))
        except MissingVariable as exc:
            out.append("")
            errors[row] = str(exc)
    return out, errors


def _pair(
    grader: StringCheckGrader | TextSimilarityGrader, rows: Rows
) -> tuple[list[str], list[str], dict[int, Errors]]:
    a, ea = render_column(grader.input, rows)
    b, eb = render_column(grader.reference, rows)
    errors = {row: {"invalid_variable_error": msg} for row, msg in eb.items()}
    errors.update({row: {"invalid_variable_error": msg} for row, msg in ea.items()})
    return a, b, errors  # type: ignore[return-value]


def _string_check(grader: StringCheckGrader, rows: Rows) -> Columns:
    a, b, errors = _pair(grader, rows)
    op = grader.operation
    if op == "eq":
        rewards = list(map(float, map(eq, a, b)))  # float(True) == 1.0
    elif op == "ne":
        rewards = [1.0 if x != y else 0.0 for x, y in zip(a, b, strict=True)]
    elif op == "like":
        rewards = [1.0 if y in x else 0.0 for x, y in zip(a, b, strict=True)]
    else:
        rewards = [1.0 if string_check_holds(op, x, y) else 0.0 for x, y in zip(a, b, strict=True)]
    return _zero_errors(Columns(rewards, errors))


def _text_similarity(grader: TextSimilarityGrader, rows: Rows, metric: Metric) -> Columns:
    a, b, errors = _pair(grader, rows)
    if errors:
        rewards = [
            0.0 if row in errors else metric(x, y)
            for row, (x, y) in enumerate(zip(a, b, strict=True))
        ]
    elif metric is fuzzy_match:
        rewards = fuzzy_column(a, b)
    else:
        rewards = [metric(x, y) for x, y in zip(a, b, strict=True)]
    return _zero_errors(Columns(rewards, errors))


PARALLEL_MIN = 2048
"""Batches at least this large use rapidfuzz's multi-threaded ``cpdist`` for fuzzy_match."""


def fuzzy_column(a: list[str], b: list[str]) -> list[float]:
    """``fuzz.ratio(x, y) / 100`` for every pair, exactly as [`fuzzy_match`][] computes it.

    Large batches go through ``rapidfuzz.process.cpdist`` (the same C++ scorer, run on every
    core, then the same IEEE division by 100) when numpy is installed; otherwise, and for small
    batches, a C-level ``map``. A test checks both paths against ``fuzzy_match`` pair by pair.
    """
    np = accelerator("numpy") if len(a) >= PARALLEL_MIN else None
    if np is not None:
        from rapidfuzz.process import cpdist  # rapidfuzz's batch API needs numpy

        scores = cpdist(a, b, scorer=ratio, dtype=np.float64, workers=-1)
        return (scores / 100.0).tolist()  # type: ignore[no-any-return]
    return list(map(truediv, map(ratio, a, b), repeat(100.0, len(a))))


def _zero_errors(columns: Columns) -> Columns:
    for row in columns.errors:
        columns.rewards[row] = 0.0
    return columns


def _multi(grader: MultiGrader, rows: Rows, metric_for: Callable[[str], Metric]) -> Columns:
    children = {
        key: grade_columns(child, rows, metric_for) for key, child in grader.graders.items()
    }
    values, domain = evaluate_columns(
        grader.formula, {key: c.rewards for key, c in children.items()}, rows.n
    )
    errors: dict[int, Errors] = {}
    for row in sorted({r for c in children.values() for r in c.errors} | set(domain)):
        merged = merge_errors({key: c.errors.get(row, {}) for key, c in children.items()})
        if row in domain:
            merged["other_error"] = f"calculate_output {grader.calculate_output!r}: {domain[row]}"
        errors[row] = merged
    return Columns(values, errors, children)


def grade_columns(grader: GraderBase, rows: Rows, metric_for: Callable[[str], Metric]) -> Columns:
    """Grade every row with a local grader (string_check, text_similarity but cosine, multi)."""
    if isinstance(grader, StringCheckGrader):
        return _string_check(grader, rows)
    if isinstance(grader, TextSimilarityGrader):
        return _text_similarity(grader, rows, metric_for(grader.evaluation_metric))
    if isinstance(grader, MultiGrader):
        return _multi(grader, rows, metric_for)
    raise TypeError(f"{grader.label} is not a local grader")
