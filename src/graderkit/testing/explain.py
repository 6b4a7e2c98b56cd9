"""Explaining a grade: the rendered inputs, the sub-rewards and the error flags, as text.

Assertion messages, check reports and probe reports all show a result the same way, so a
failing test says *what the grader saw* (the templates rendered against the sample and the
item) and *what each part of it gave*, not just a number.

Examples:
    >>> import graderkit as gk
    >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
    >>> result = gk.grade(exact, "Paris ", {"answer": "Paris"})
    >>> print(explain(exact, "Paris ", {"answer": "Paris"}, result))
    string_check 'exact' (eq) -> 0.0
      input:     'Paris '
      reference: 'Paris'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graderkit._core.graders.models import (
    GraderBase,
    LabelModelGrader,
    MultiGrader,
    PythonGrader,
    ScoreModelGrader,
    StringCheckGrader,
    TextSimilarityGrader,
)
from graderkit._core.grading.local_grading import render_pair
from graderkit._core.judge.request import render_messages
from graderkit._core.results.grade_result import GradeResult
from graderkit._core.templating.sample import SampleLike, to_sample
from graderkit._core.templating.template import MissingVariable

__all__ = ["clip", "explain", "format_reward"]

_WIDTH = 160
"""Characters of one rendered text shown before it is cut (the rest is counted)."""


def clip(value: object, width: int = _WIDTH) -> str:
    """``repr(value)`` cut to about ``width`` characters, saying how much was left out.

    Examples:
        >>> clip("x" * 10, width=6)
        "'xxxxxx'… (+4 chars)"
    """
    if isinstance(value, str) and len(value) > width:
        return f"{value[:width]!r}… (+{len(value) - width} chars)"
    text = repr(value)
    return text if len(text) <= width + 2 else f"{text[:width]}… (+{len(text) - width} chars)"


def format_reward(value: float) -> str:
    """A reward for people: up to 4 decimals, no trailing zeros noise (``0.85``, ``1.0``)."""
    rounded = round(value, 4)
    return repr(rounded) if rounded != value else repr(value)


def explain(
    grader: GraderBase,
    sample: SampleLike,
    item: Mapping[str, Any] | None,
    result: GradeResult,
    *,
    indent: str = "",
) -> str:
    """Describe one grade: the grader, its reward, the rendered inputs, sub-rewards and errors.

    Args:
        grader: the grader that produced ``result``.
        sample: the sample it graded.
        item: the dataset row.
        result: the result to explain.
        indent: a prefix for every line.

    Returns:
        Several lines of text (no trailing newline).
    """
    try:
        sample_dict = to_sample(sample)
    except TypeError:
        sample_dict = {}
    lines = _lines(grader, sample_dict, item or {}, result, "")
    return "\n".join(indent + line for line in lines)


def _lines(
    grader: GraderBase,
    sample: Mapping[str, Any],
    item: Mapping[str, Any],
    result: GradeResult,
    key: str,
) -> list[str]:
    head = f"{key}: " if key else ""
    lines = [f"{head}{grader.label}{_detail(grader)} -> {format_reward(result.reward)}"]
    if isinstance(grader, MultiGrader):
        lines.append(f"  calculate_output: {grader.calculate_output}")
        for child_key, child in grader.graders.items():
            sub = result.sub_results.get(child_key)
            if sub is None:
                reward = result.sub_rewards.get(child_key)
                lines.append(f"  {child_key}: {child.label} -> {reward}")
                continue
            lines += ["  " + line for line in _lines(child, sample, item, sub, child_key)]
        inherited = {flag for sub in result.sub_results.values() for flag in sub.errors}
        own = {f: d for f, d in result.errors.items() if f not in inherited}
        lines += ["  " + line for line in _errors(own)]
        return lines
    lines += ["  " + line for line in _inputs(grader, sample, item, result)]
    lines += ["  " + line for line in _errors(result.errors)]
    return lines


def _detail(grader: GraderBase) -> str:
    if isinstance(grader, StringCheckGrader):
        return f" ({grader.operation})"
    if isinstance(grader, TextSimilarityGrader):
        return f" ({grader.evaluation_metric})"
    if isinstance(grader, ScoreModelGrader):
        low, high = grader.bounds
        return f" ({grader.model}, range [{low}, {high}])"
    if isinstance(grader, LabelModelGrader):
        return f" ({grader.model}, passing {list(grader.passing_labels)})"
    return ""


def _inputs(
    grader: GraderBase, sample: Mapping[str, Any], item: Mapping[str, Any], result: GradeResult
) -> list[str]:
    if isinstance(grader, (StringCheckGrader, TextSimilarityGrader)):
        try:
            rendered, reference = render_pair(grader, sample, item)
        except MissingVariable:
            return [f"input:     {grader.input!r}", f"reference: {grader.reference!r}"]
        return [f"input:     {clip(rendered)}", f"reference: {clip(reference)}"]
    if isinstance(grader, (ScoreModelGrader, LabelModelGrader)):
        return _judge_lines(grader, sample, item, result)
    if isinstance(grader, PythonGrader):
        return [f"sample.output_text: {clip(sample.get('output_text'))}", f"item: {clip(item)}"]
    return []


def _judge_lines(
    grader: ScoreModelGrader | LabelModelGrader,
    sample: Mapping[str, Any],
    item: Mapping[str, Any],
    result: GradeResult,
) -> list[str]:
    try:
        messages = render_messages(grader.input, sample, item)
    except MissingVariable:
        messages = [{"role": m.role, "content": m.content} for m in grader.input]
    lines = [f"{m['role']}: {clip(_text(m['content']))}" for m in messages]
    if "result" in result.scores:
        lines.append(f"judge result: {result.scores['result']!r}")
    steps = result.scores.get("steps")
    if isinstance(steps, list) and steps and isinstance(steps[-1], Mapping):
        lines.append(f"judge's last step: {clip(steps[-1].get('conclusion'))}")
    return lines


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, (list, tuple)):
        return " ".join(str(p.get("text", f"<{p.get('type')}>")) for p in content)
    return str(content)


def _errors(errors: Mapping[str, str | None]) -> list[str]:
    lines = []
    for flag, details in errors.items():
        last = details.strip().splitlines()[-1:] if details else []  # a traceback's last line
        lines.append(f"error {flag}: {clip(last[0])}" if last else f"error {flag}")
    return lines
