"""``graderkit.grade`` and ``graderkit.grade_many``: grading with a shared default runner."""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from graderkit._core.graders.models import GraderBase
from graderkit._core.results.grade_result import GradeResult
from graderkit._core.templating.sample import SampleLike
from graderkit._run.runner import Runner

__all__ = ["default_runner", "grade", "grade_many"]

_lock = threading.Lock()
_default: Runner | None = None


def default_runner() -> Runner:
    """The process-wide runner used by [`grade`][graderkit.grade] (created on first use)."""
    global _default
    with _lock:
        if _default is None:
            _default = Runner()
            atexit.register(_default.close)
        return _default


def grade(
    grader: GraderBase,
    sample: SampleLike,
    item: Mapping[str, Any] | None = None,
    *,
    runner: Runner | None = None,
) -> GradeResult:
    """Grade one sample locally, with the result shape of OpenAI's ``graders/run``.

    Args:
        grader: any grader.
        sample: the model's output: a string (as ``graders/run``'s ``model_sample``) or a
            structured sample ``{"output_text": ..., "output_json": ..., "output_tools": ...}``.
        item: the dataset row, visible to templates as ``{{ item.<key> }}``.
        runner: the runner holding the backends (default: a shared one).

    Returns:
        The result; a sample that cannot be graded gets reward 0 and an error flag.

    Examples:
        >>> import graderkit as gk
        >>> g = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> r = gk.grade(g, "Paris", {"answer": "Paris"})
        >>> r.reward, r.to_dict()["metadata"]["type"]
        (1.0, 'string_check')
        >>> gk.grade(g, "Paris", {}).errors
        {'invalid_variable_error': "item.answer: key 'answer' not found in item"}
    """
    return (runner or default_runner()).grade(grader, sample, item)


def grade_many(
    grader: GraderBase,
    samples: Iterable[SampleLike],
    items: Iterable[Mapping[str, Any]] | None = None,
    *,
    runner: Runner | None = None,
) -> Sequence[GradeResult]:
    """Grade ``samples[i]`` against ``items[i]``; results in order (see [`grade`][graderkit.grade]).

    Local graders are graded by column (fast); model and python graders run concurrently.

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> results = gk.grade_many(exact, ["gout", "lupus"], [{"answer": "gout"}] * 2)
        >>> [r.reward for r in results]
        [1.0, 0.0]
    """
    return (runner or default_runner()).grade_many(grader, samples, items)
