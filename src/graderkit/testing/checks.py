"""``check_grader``: the invariants every grader should keep, checked on your data.

Examples:
    >>> import graderkit as gk
    >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
    >>> report = check_grader(exact, items=[{"id": "a", "answer": "x"}, {"id": "b"}])
    >>> report.ok, [o.check for o in report.failures]
    (False, ['template_variables', 'no_errors'])
    >>> print(report.outcome("template_variables").details[0])
    item.answer is missing in 1 of 2 rows: b (key 'answer' not found in item)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from graderkit._core.graders.models import (
    GraderBase,
    MultiGrader,
    ScoreModelGrader,
    TextSimilarityGrader,
)
from graderkit._core.graders.wire import from_openai
from graderkit._core.results.grade_result import GradeResult
from graderkit._core.templating.sample import SampleLike, to_sample
from graderkit._core.templating.template import MissingVariable, resolve
from graderkit._run.runner import Runner
from graderkit.testing.answers import borrowed_answers, gold_key, item_id, python_item_keys
from graderkit.testing.check_report import CheckOutcome, CheckReport
from graderkit.testing.explain import clip, explain, format_reward
from graderkit.testing.probe_rewrites import REWRITES_BY_NAME, Context

__all__ = ["CheckOutcome", "CheckReport", "check_grader", "is_deterministic", "reward_bounds"]

Item = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Rows:
    """The (sample, item) rows graded, with a name for each."""

    samples: list[SampleLike]
    items: list[Item]
    names: list[str]
    given: bool


def check_grader(
    grader: GraderBase,
    items: Iterable[Item] | None = None,
    samples: Iterable[SampleLike] | None = None,
    *,
    runner: Runner | None = None,
    key: str = "id",
    gold: str | None = None,
    strict: bool = False,
) -> CheckReport:
    """Check a grader's invariants on a dataset; never raises for a failing check.

    The checks:

    - ``json_round_trip``: the grader survives ``to_openai`` / ``from_openai`` unchanged, and
      (for deterministic graders) the reloaded grader grades every row the same.
    - ``template_variables``: every ``{{ item.* }}`` resolves in every row (and every
      ``{{ sample.* }}`` in every sample you gave); lists the rows and keys that miss.
    - ``no_errors``: grading raises no error flag on these rows.
    - ``reward_range``: every reward (sub-rewards too) is finite and in its kind's range:
      {0, 1} for string_check and label_model, [0, 1] for text_similarity ([-1, 1] for
      cosine), ``range`` for score_model; a python grader or a multi outside [0, 1] is a
      warning.
    - ``deterministic``: grading twice gives the same rewards and flags (skipped for model
      graders and cosine, whose judges and embeddings may vary).

    Args:
        grader: the grader to check.
        items: dataset rows (default: one empty row).
        samples: one sample per row, aligned with ``items``. Default: five answers per row
            built from its gold answer (see [`gold_key`][graderkit.testing.answers.gold_key]):
            the gold, a wrong one (another row's gold), an empty one, a long padded one and
            the gold repeated ten times.
        runner: the runner (default: the shared one).
        key: the row id field, for reports.
        gold: the item key of the gold answer, for the default samples.
        strict: treat warnings (a python grader or a multi outside [0, 1]) as failures.

    Returns:
        A [`CheckReport`][graderkit.testing.check_report.CheckReport].

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> report = check_grader(exact, items=[{"id": "a", "answer": "gout"},
        ...                                     {"id": "b", "answer": "lupus"}])
        >>> report.ok
        True
        >>> [o.check for o in report.outcomes]
        ['json_round_trip', 'template_variables', 'no_errors', 'reward_range', 'deterministic']
    """
    rows_in = list(items) if items is not None else [{}]
    given = list(samples) if samples is not None else None
    if given is not None and len(given) != len(rows_in):
        raise ValueError(f"got {len(given)} samples for {len(rows_in)} items; give one per item")
    outcomes = [_round_trip_static(grader), _variables(grader, rows_in, given, key)]
    rows, why = _rows(grader, rows_in, given, key, gold)
    if rows is None:
        for name in ("no_errors", "reward_range", "deterministic"):
            outcomes.append(CheckOutcome(name, "skipped", why))
        return CheckReport(grader.label, 0, tuple(outcomes))
    if runner is None:
        from graderkit._run.default_runner import default_runner

        runner = default_runner()
    first = list(runner.grade_many(grader, rows.samples, rows.items))
    outcomes += [_no_errors(grader, rows, first), _reward_range(grader, rows, first)]
    outcomes.append(_deterministic(grader, rows, first, runner))
    if strict:
        outcomes = [replace(o, status="failed") if o.status == "warning" else o for o in outcomes]
    return CheckReport(grader.label, len(first), tuple(outcomes))


# ---- the rules ------------------------------------------------------------------------------


def is_deterministic(grader: GraderBase) -> bool:
    """True for graders that must grade the same row the same way every time: everything but
    model graders and ``cosine`` (a python grader is expected to be deterministic)."""
    if isinstance(grader, MultiGrader):
        return all(is_deterministic(child) for child in grader.graders.values())
    if isinstance(grader, TextSimilarityGrader):
        return grader.evaluation_metric != "cosine"
    return grader.type in ("string_check", "python")


def reward_bounds(grader: GraderBase) -> tuple[float, float, bool]:
    """``(low, high, strict)``: the range a reward of this grader must lie in; ``strict`` is
    False where leaving it is only suspicious (python, multi: the service does not clip)."""
    if isinstance(grader, ScoreModelGrader):
        low, high = grader.bounds
        return float(low), float(high), True
    if isinstance(grader, TextSimilarityGrader) and grader.evaluation_metric == "cosine":
        return -1.0, 1.0, True
    return 0.0, 1.0, grader.type not in ("python", "multi")


def _range_problem(grader: GraderBase, reward: float) -> tuple[bool, str] | None:
    """``(is_failure, text)`` when ``reward`` breaks ``grader``'s range rule, else None."""
    if not math.isfinite(reward):
        return True, f"reward {reward} is not finite"
    if grader.type in ("string_check", "label_model") and reward not in (0.0, 1.0):
        return True, f"reward {reward!r} is not 0 or 1"
    low, high, strict = reward_bounds(grader)
    if not low <= reward <= high:
        return strict, f"reward {format_reward(reward)} is outside [{low:g}, {high:g}]"
    return None


# ---- the checks -----------------------------------------------------------------------------


def _round_trip_static(grader: GraderBase) -> CheckOutcome:
    wire = grader.wire()
    text = json.dumps(wire, ensure_ascii=False)
    try:
        again = from_openai(text)
    except Exception as exc:  # any failure to reload is the finding
        return CheckOutcome("json_round_trip", "failed", f"the grader's JSON does not load: {exc}")
    if again != grader or again.wire() != wire:
        diff = sorted(
            k for k in set(wire) | set(again.wire()) if wire.get(k) != again.wire().get(k)
        )
        return CheckOutcome("json_round_trip", "failed", f"reloading changes fields {diff}")
    return CheckOutcome("json_round_trip", "ok", f"{len(text)} characters of JSON reload equal")


def _variables(
    grader: GraderBase, items: list[Item], samples: list[SampleLike] | None, key: str
) -> CheckOutcome:
    checked: list[str] = []
    details = []
    for var in grader.variables():
        if var.namespace == "sample" and samples is None:
            continue
        checked.append(var.text)
        misses: list[tuple[str, str]] = []
        for index, row in enumerate(items):
            try:
                resolve(var, to_sample(samples[index]) if samples is not None else {}, row)
            except MissingVariable as exc:
                misses.append((item_id(row, index, key), exc.reason))
            except TypeError:
                misses.append((item_id(row, index, key), "the sample is not text or a mapping"))
        if misses:
            details.append(_missing(var.text, misses, len(items)))
    for field in python_item_keys(grader):
        checked.append(f'item["{field}"]')
        misses = [
            (item_id(row, i, key), f"key {field!r} not found in item")
            for i, row in enumerate(items)
            if field not in row
        ]
        if misses:
            details.append(_missing(f'item["{field}"] (python source)', misses, len(items)))
    if details:
        summary = f"{len(details)} variable(s) do not resolve in every row"
        return CheckOutcome("template_variables", "failed", summary, tuple(details))
    if not checked:
        return CheckOutcome("template_variables", "ok", "the grader reads no item variable")
    scope = "" if samples is not None else " (sample variables: no samples given)"
    return CheckOutcome("template_variables", "ok", f"every row has {', '.join(checked)}{scope}")


def _missing(what: str, misses: list[tuple[str, str]], total: int) -> str:
    """``what is missing in 3 of 36 rows: q02, q05 (key 'x' not found in item), q07 (...)``."""
    by_reason: dict[str, list[str]] = {}
    for row, reason in misses:
        by_reason.setdefault(reason, []).append(row)
    parts = []
    for reason, rows in by_reason.items():
        shown = ", ".join(rows[:8]) + (f" and {len(rows) - 8} more" if len(rows) > 8 else "")
        parts.append(f"{shown} ({reason})")
    return f"{what} is missing in {len(misses)} of {total} rows: {'; '.join(parts)}"


def _rows(
    grader: GraderBase,
    items: list[Item],
    samples: list[SampleLike] | None,
    key: str,
    gold: str | None,
) -> tuple[_Rows | None, str]:
    ids = [item_id(row, i, key) for i, row in enumerate(items)]
    if samples is not None:
        return _Rows(samples, items, ids, given=True), ""
    extra = sorted(
        {v.text for v in grader.variables() if v.namespace == "sample"} - {"sample.output_text"}
    )
    if extra:
        return None, f"the grader reads {extra}: pass samples= (text answers cannot fill them)"
    try:
        field = gold or gold_key(grader, items, every_row=False)
    except ValueError as exc:
        return None, f"no samples given and {exc}"
    golds = [row[field] if isinstance(row.get(field), str) else "" for row in items]
    wrongs = borrowed_answers(golds)
    long, repeated = REWRITES_BY_NAME["very_long"].make, REWRITES_BY_NAME["repeated"].make
    out = _Rows([], [], [], given=False)
    for i, row in enumerate(items):
        ctx = Context(golds[i], wrongs[i], None)
        kinds = {
            "gold": golds[i],
            "wrong": wrongs[i],
            "empty": "",
            "long": long(ctx) or "",
            "repeated": repeated(ctx) or "",
        }
        for kind, text in kinds.items():
            out.samples.append(text)
            out.items.append(row)
            out.names.append(f"{ids[i]} ({kind})")
    return out, ""


def _no_errors(grader: GraderBase, rows: _Rows, results: Sequence[GradeResult]) -> CheckOutcome:
    bad = [i for i, r in enumerate(results) if r.errors]
    if not bad:
        return CheckOutcome("no_errors", "ok", f"no error flag on {len(results)} rows")
    counts: dict[str, int] = {}
    for i in bad:
        for flag in results[i].errors:
            counts[flag] = counts.get(flag, 0) + 1
    first = bad[0]
    details = [
        f"{rows.names[first]}:\n"
        + explain(grader, rows.samples[first], rows.items[first], results[first])
    ]
    details += [f"{rows.names[i]}: {', '.join(results[i].errors)}" for i in bad[1:]]
    summary = f"{len(bad)} of {len(results)} rows raised error flags {counts}"
    return CheckOutcome("no_errors", "failed", summary, tuple(details))


def _walk(
    grader: GraderBase, result: GradeResult, path: str
) -> Iterable[tuple[str, GraderBase, GradeResult]]:
    yield path, grader, result
    if isinstance(grader, MultiGrader):
        for key, child in grader.graders.items():
            sub = result.sub_results.get(key)
            if sub is not None:
                yield from _walk(child, sub, f"{path}.{key}" if path else key)


def _reward_range(grader: GraderBase, rows: _Rows, results: Sequence[GradeResult]) -> CheckOutcome:
    failures: list[str] = []
    warnings: list[str] = []
    for i, result in enumerate(results):
        for path, node, sub in _walk(grader, result, ""):
            problem = _range_problem(node, sub.reward)
            if problem is not None:
                where = f"{rows.names[i]} {path or node.label}".rstrip()
                (failures if problem[0] else warnings).append(
                    f"{where}: {problem[1]} (answer {_answer(rows.samples[i])})"
                )
    if failures:
        return CheckOutcome(
            "reward_range",
            "failed",
            f"{len(failures)} reward(s) out of range",
            tuple(failures + warnings),
        )
    if warnings:
        return CheckOutcome(
            "reward_range",
            "warning",
            f"{len(warnings)} reward(s) outside [0, 1] (RFT expects rewards in [0, 1])",
            tuple(warnings),
        )
    low, high = min(r.reward for r in results), max(r.reward for r in results)
    return CheckOutcome(
        "reward_range", "ok", f"rewards span [{format_reward(low)}, {format_reward(high)}]"
    )


def _answer(sample: SampleLike) -> str:
    text = sample if isinstance(sample, str) else sample.get("output_text")
    return clip(text, 60)


def _deterministic(
    grader: GraderBase, rows: _Rows, first: Sequence[GradeResult], runner: Runner
) -> CheckOutcome:
    if not is_deterministic(grader):
        return CheckOutcome(
            "deterministic",
            "skipped",
            f"{grader.type} graders may vary between calls (see graderkit.testing.judge.stability)",
        )
    second = runner.grade_many(grader, rows.samples, rows.items)
    reloaded = runner.grade_many(from_openai(grader.wire()), rows.samples, rows.items)
    details = []
    for i, (a, b, c) in enumerate(zip(first, second, reloaded, strict=True)):
        if (a.reward, set(a.errors)) != (b.reward, set(b.errors)):
            details.append(
                f"{rows.names[i]}: {format_reward(a.reward)} then {format_reward(b.reward)} (answer {_answer(rows.samples[i])})"
            )
        elif (a.reward, set(a.errors)) != (c.reward, set(c.errors)):
            details.append(
                f"{rows.names[i]}: the reloaded grader gives {format_reward(c.reward)}, not {format_reward(a.reward)}"
            )
    if details:
        return CheckOutcome(
            "deterministic",
            "failed",
            f"{len(details)} of {len(first)} rows graded differently",
            tuple(details),
        )
    return CheckOutcome(
        "deterministic", "ok", f"{len(first)} rows graded the same twice and after reloading"
    )
