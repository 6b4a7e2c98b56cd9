"""Pure grading: string_check, local text_similarity, and the multi combination step.

Model calls, python sandboxes and embeddings happen in the runner; everything here is a
function of (grader, sample, item) or of child results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graderkit._core.formula.evaluation import FormulaDomainError
from graderkit._core.graders.models import (
    GraderBase,
    MultiGrader,
    StringCheckGrader,
    TextSimilarityGrader,
)
from graderkit._core.grading.string_ops import string_check_holds
from graderkit._core.results.grade_result import GradeResult, failure, merge_errors
from graderkit._core.templating.template import MissingVariable, parse_template, render

__all__ = [
    "combine_multi",
    "grade_string_check",
    "grade_text_similarity",
    "missing_variable",
    "passed_for",
    "render_pair",
]

Metric = Callable[[str, str], float]


def render_pair(
    grader: StringCheckGrader | TextSimilarityGrader,
    sample: Mapping[str, Any],
    item: Mapping[str, Any],
) -> tuple[str, str]:
    """Render ``input`` and ``reference``; raises MissingVariable."""
    return (
        render(parse_template(grader.input), sample, item),
        render(parse_template(grader.reference), sample, item),
    )


def missing_variable(grader: GraderBase, error: MissingVariable) -> GradeResult:
    """Parity [DOC flag; INF reward]: reward 0 and ``invalid_variable_error`` naming the path."""
    return failure(grader.result_name, grader.type, "invalid_variable_error", str(error))


def passed_for(grader: GraderBase, result: GradeResult) -> bool | None:
    """The Evals pass rule: ``score >= pass_threshold`` [DOC/AZ]; string_check and label_model
    pass on a score of 1 [OBS-AZ]; an errored sample never passes; ``None`` when no rule applies.
    """
    kind = grader.type
    if kind in ("string_check", "label_model"):
        return not result.errors and result.reward == 1.0
    threshold = grader.pass_threshold if kind in _THRESHOLD_KINDS else None  # type: ignore[attr-defined]
    if threshold is not None:
        return not result.errors and result.reward >= threshold
    return None


_THRESHOLD_KINDS = frozenset({"text_similarity", "python", "score_model", "multi", "endpoint"})


def grade_string_check(
    grader: StringCheckGrader, sample: Mapping[str, Any], item: Mapping[str, Any]
) -> GradeResult:
    """1.0 when the operation holds, else 0.0."""
    try:
        a, b = render_pair(grader, sample, item)
    except MissingVariable as exc:
        return missing_variable(grader, exc)
    reward = 1.0 if string_check_holds(grader.operation, a, b) else 0.0
    return GradeResult(reward=reward, name=grader.result_name, type=grader.type)


def grade_text_similarity(
    grader: TextSimilarityGrader,
    sample: Mapping[str, Any],
    item: Mapping[str, Any],
    metric: Metric,
) -> GradeResult:
    """Score the rendered pair with ``metric`` (a pure function for every metric but cosine)."""
    try:
        a, b = render_pair(grader, sample, item)
    except MissingVariable as exc:
        return missing_variable(grader, exc)
    return GradeResult(reward=metric(a, b), name=grader.result_name, type=grader.type)


def combine_multi(grader: MultiGrader, children: Mapping[str, GradeResult]) -> GradeResult:
    """Evaluate ``calculate_output`` over the children's rewards.

    Parity [INF]: every child is graded; ``sub_rewards[key]`` is the child's reward; a child
    that errored contributes its reward of 0 and its flags are OR-ed into the parent's; a
    domain error in the formula (x/0, log(<=0), sqrt(<0)) gives reward 0 and ``other_error``.
    The result is not clipped.
    """
    sub_rewards = {key: children[key].reward for key in grader.graders}
    errors = merge_errors({key: child.errors for key, child in children.items()})
    try:
        reward = grader.formula.evaluate(sub_rewards)
    except FormulaDomainError as exc:
        errors["other_error"] = f"calculate_output {grader.calculate_output!r}: {exc}"
        reward = 0.0
    usage, per_model = _usage(children)
    return GradeResult(
        reward=reward,
        name=grader.result_name,
        type=grader.type,
        errors=errors,
        sub_rewards=sub_rewards,
        sub_results=dict(children),
        token_usage=usage,
        token_usage_per_model=per_model,
    )


def _usage(
    children: Mapping[str, GradeResult],
) -> tuple[dict[str, int] | None, dict[str, dict[str, int]]]:
    total: dict[str, int] = {}
    per_model: dict[str, dict[str, int]] = {}
    for child in children.values():
        for model, usage in child.token_usage_per_model.items():
            bucket = per_model.setdefault(model, {})
            for key, value in usage.items():
                bucket[key] = bucket.get(key, 0) + value
                total[key] = total.get(key, 0) + value
    return (total or None), per_model
