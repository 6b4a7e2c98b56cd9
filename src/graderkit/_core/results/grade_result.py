"""The result of grading one sample, shaped like OpenAI's ``graders/run`` response."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from graderkit.errors import DETAILS_KEYS, ERROR_FLAGS

__all__ = ["GradeResult", "failure", "merge_errors"]

Errors = Mapping[str, "str | None"]
"""Raised flags only: flag name -> details (``None`` when there is nothing to say)."""


@dataclass(slots=True, repr=False)
class GradeResult:
    """What grading one (sample, item) pair produced. Treat it as read-only.

    ``reward`` is 0 whenever a leaf grader raises an error flag (a ``multi`` still evaluates its
    formula, with 0 for the failed child). ``errors`` holds only the raised flags
    (flag -> details); [`to_dict`][graderkit.GradeResult.to_dict] expands them into the full
    ``metadata.errors`` object of the service, every flag present.

    Examples:
        >>> import graderkit as gk
        >>> r = gk.grade(gk.string_check("{{sample.output_text}}", "yes", name="yes"), "yes")
        >>> r.reward, r.ok
        (1.0, True)
        >>> r.to_dict()["metadata"]["errors"]["invalid_variable_error"]
        False
    """

    reward: float
    name: str
    type: str
    errors: Errors = field(default_factory=dict)
    sub_rewards: Mapping[str, float] = field(default_factory=dict)
    sub_results: Mapping[str, GradeResult] = field(default_factory=dict)
    scores: Mapping[str, Any] = field(default_factory=dict)
    execution_time: float = 0.0
    token_usage: Mapping[str, int] | None = None
    sampled_model_name: str | None = None
    token_usage_per_model: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    passed: bool | None = None
    """``reward >= pass_threshold`` when the grader has a threshold, else ``None``."""

    def __repr__(self) -> str:
        """The fields that say something: reward, name, type, and any non-empty extras."""
        parts = [f"reward={self.reward!r}", f"name={self.name!r}", f"type={self.type!r}"]
        for field_name in (
            "errors",
            "sub_rewards",
            "scores",
            "token_usage",
            "sampled_model_name",
            "passed",
        ):
            value = getattr(self, field_name)
            if value:
                parts.append(f"{field_name}={value!r}")
        if self.passed is False:
            parts.append("passed=False")
        return f"GradeResult({', '.join(parts)})"

    @property
    def ok(self) -> bool:
        """True when no error flag is raised."""
        return not self.errors

    def with_time(self, seconds: float) -> GradeResult:
        """A copy with ``execution_time`` set (the runner measures it; the core has no clock)."""
        return replace(self, execution_time=seconds)

    def to_dict(self) -> dict[str, Any]:
        """The ``graders/run`` response body, with every error flag spelled out.

        ``passed`` is an Evals notion and is not part of this shape; read the attribute.
        """
        errors: dict[str, Any] = {}
        for flag in ERROR_FLAGS:
            errors[flag] = flag in self.errors
            details = DETAILS_KEYS.get(flag)
            if details is not None:
                errors[details] = self.errors.get(flag)
        metadata: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "errors": errors,
            "execution_time": self.execution_time,
            "scores": dict(self.scores),
            "token_usage": None if self.token_usage is None else dict(self.token_usage),
            "sampled_model_name": self.sampled_model_name,
        }
        out: dict[str, Any] = {
            "reward": self.reward,
            "metadata": metadata,
            "sub_rewards": dict(self.sub_rewards),
            "model_grader_token_usage_per_model": {
                k: dict(v) for k, v in self.token_usage_per_model.items()
            },
        }
        return out


def failure(name: str, type_: str, flag: str, details: str | None, **extra: Any) -> GradeResult:
    """A result with reward 0 and one raised flag: how every per-sample failure is reported."""
    if flag not in ERROR_FLAGS:
        raise ValueError(f"unknown error flag {flag!r}")
    return GradeResult(reward=0.0, name=name, type=type_, errors={flag: details}, **extra)


def merge_errors(children: Mapping[str, Errors]) -> dict[str, str | None]:
    """OR the children's flags together (child key -> its raised flags); details are prefixed
    with the child's key and joined by newlines."""
    merged: dict[str, str | None] = {}
    for key, errors in children.items():
        for flag, details in errors.items():
            text = None if details is None else f"{key}: {details}"
            previous = merged.get(flag)
            merged[flag] = (
                text if previous is None else (previous if text is None else f"{previous}\n{text}")
            )
    return merged


def is_finite_number(value: object) -> bool:
    """True for an int or float (never bool) that is finite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
