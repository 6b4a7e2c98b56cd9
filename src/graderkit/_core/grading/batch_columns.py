"""Columnar grading of local graders: render, score and combine whole columns at once.

Grading N rows one by one spends most of its time building per-row dicts and result objects.
Here each template becomes one list, each leaf score one list comprehension, and the multi
formula is evaluated per column. Per-row results are built only when asked for
([`BatchResult`][graderkit.BatchResult]). A property test checks that every row equals what
[`grade`][graderkit.grade] returns for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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


class Columns:
    """One grader's results over all rows: rewards, sparse errors, children for multi.

    A large fuzzy_match or derived exact column is kept as the float64 numpy array it was
    computed as (``values()``), for the formula to read without a conversion; ``rewards``
    turns it into a list on first read.
    """

    __slots__ = ("_array", "_rewards", "children", "errors")

    def __init__(
        self,
        rewards: list[float] | None,
        errors: dict[int, Errors] | None = None,
        children: dict[str, Columns] | None = None,
        *,
        array: Any = None,
    ) -> None:
        if (rewards is None) == (array is None):
            raise ValueError("give rewards or array, not both")
        self._rewards, self._array = rewards, array
        self.errors: dict[int, Errors] = errors or {}
        self.children: dict[str, Columns] = children or {}

    @property
    def rewards(self) -> list[float]:
        """Every row's reward (errored rows hold 0.0)."""
        if self._rewards is None:
            self._rewards = self._array.tolist()
        return self._rewards

    def values(self) -> Sequence[float]:
        """The rewards as computed: the numpy array when there is one, else the list."""
        return self.rewards if self._array is None else self._array


class Rows:
    """The (sample, item) rows being graded, with sample dicts built only when needed.

    An item may be ``None``, read as ``{}`` (a column of ``item.key`` then takes the per-row
    path, which substitutes it).
    """

    def __init__(self, samples: Sequence[Any], items: Sequence[Mapping[str, Any] | None]) -> None:
        self.samples, self.items, self.n = samples, items, len(samples)
        self.all_text = set(map(type, samples)) <= {str}
        self._dicts: list[Mapping[str, Any]] | None = None
        self.unparsable: dict[int, str] = {}
        self.rendered: dict[str, tuple[list[str], dict[int, str]]] = {}
        self.ratios: dict[tuple[str, str], Any] = {}
        """(input, reference) templates -> the numpy array of their fuzz.ratio scores."""
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
        if rows.all_text:  # the samples themselves (the memo's lists are never mutated)
            return rows.samples if isinstance(rows.samples, list) else list(rows.samples), {}
    elif var is not None and var.namespace == "item" and len(var.path) == 1:
        key = var.path[0]
        try:
            values = list(map(itemgetter(key), rows.items))  # type: ignore[arg-type]  # None: TypeError
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
            out.append(render(template, sample, {} if item is None else item))
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
    known = None if errors else _equal_from_ratios(grader, rows)
    if known is not None:
        return Columns(None, errors, array=known)
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
        ratios = _ratios(a, b)
        if ratios is None:
            rewards = _scalar_fuzzy(a, b)
        else:
            rows.ratios[(grader.input, grader.reference)] = ratios
            return Columns(None, errors, array=ratios / 100.0)  # no errors to zero
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
    ratios = _ratios(a, b)
    return _scalar_fuzzy(a, b) if ratios is None else (ratios / 100.0).tolist()


def _ratios(a: list[str], b: list[str]) -> Any:
    """``fuzz.ratio`` of every pair as a float64 array (large batches, numpy installed), or None."""
    np = accelerator("numpy") if len(a) >= PARALLEL_MIN else None
    if np is None:
        return None
    from rapidfuzz.process import cpdist  # rapidfuzz's batch API needs numpy

    return cpdist(a, b, scorer=ratio, dtype=np.float64, workers=-1)


def _scalar_fuzzy(a: list[str], b: list[str]) -> list[float]:
    return list(map(truediv, map(ratio, a, b), repeat(100.0, len(a))))


def _equal_from_ratios(grader: StringCheckGrader, rows: Rows) -> Any:
    """``eq`` of two columns whose fuzzy_match was already computed: equal iff the ratio is 100.

    ``fuzz.ratio`` is ``100 * (1 - indel_distance / (len(x) + len(y)))`` (100 for two empty
    strings), so it is exactly 100.0 when, and only when, the strings are equal (different
    strings are at least 1 apart, which no string length rounds away). Comparing the array
    replaces one Python string comparison and one float per row.
    """
    ratios = rows.ratios.get((grader.input, grader.reference))
    if ratios is None or grader.operation != "eq":
        return None
    return (ratios == 100.0).astype(ratios.dtype)


def _zero_errors(columns: Columns) -> Columns:
    for row in columns.errors:
        columns.rewards[row] = 0.0
    return columns


def _multi(grader: MultiGrader, rows: Rows, metric_for: Callable[[str], Metric]) -> Columns:
    # fuzzy_match children first, so an exact string_check sibling reuses their ratios
    order = sorted(grader.graders, key=lambda key: not _is_fuzzy(grader.graders[key]))
    done = {key: grade_columns(grader.graders[key], rows, metric_for) for key in order}
    children = {key: done[key] for key in grader.graders}
    values, domain = evaluate_columns(
        grader.formula, {key: c.values() for key, c in children.items()}, rows.n
    )
    errors: dict[int, Errors] = {}
    for row in sorted({r for c in children.values() for r in c.errors} | set(domain)):
        merged = merge_errors({key: c.errors.get(row, {}) for key, c in children.items()})
        if row in domain:
            merged["other_error"] = f"calculate_output {grader.calculate_output!r}: {domain[row]}"
        errors[row] = merged
    return Columns(values, errors, children)


def _is_fuzzy(grader: GraderBase) -> bool:
    return isinstance(grader, TextSimilarityGrader) and grader.evaluation_metric == "fuzzy_match"


def grade_columns(grader: GraderBase, rows: Rows, metric_for: Callable[[str], Metric]) -> Columns:
    """Grade every row with a local grader (string_check, text_similarity but cosine, multi)."""
    if isinstance(grader, StringCheckGrader):
        return _string_check(grader, rows)
    if isinstance(grader, TextSimilarityGrader):
        return _text_similarity(grader, rows, metric_for(grader.evaluation_metric))
    if isinstance(grader, MultiGrader):
        return _multi(grader, rows, metric_for)
    raise TypeError(f"{grader.label} is not a local grader")
