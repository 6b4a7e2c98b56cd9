"""verifiers 0.1 to 0.3: a grader as a classic ``Rubric`` (reward functions with weights).

For verifiers 0.4 (the ``verifiers.v1`` API), use
[`graderkit.integrations.verifiers`][graderkit.integrations.verifiers] instead; its names for
this module are re-exported there too.

A classic rubric scores a rollout as the weighted sum of its reward functions and logs each
function's value as a metric under its ``__name__``. [`to_rubric`][graderkit.integrations.verifiers_legacy.to_rubric]
maps a grader onto that shape:

* a ``multi`` whose formula is a weighted sum of its keys (``0.85 * fuzzy + 0.15 * exact``,
  ``(a + b) / 2``) becomes one reward function per key, with the formula's weights (a key the
  formula does not use gets weight 0: a metric); the rubric's reward then equals the grader's;
* any other grader becomes one reward function with weight 1.

Each reward function grades with ``runner.grade`` on a worker thread, so judge calls run on the
runner's own event loop, concurrently across the rollouts verifiers scores together, and never
bind verifiers' loop. The item a grader sees is built by
[`rollout_item`][graderkit.integrations.verifiers_legacy.rollout_item]; completions may be
verifiers' own pydantic messages.

``to_rubric`` needs verifiers with the classic ``Rubric(funcs, weights)`` API (0.1 to 0.3):
``pip install 'graderkit[verifiers-legacy]'``. [`reward_functions`][graderkit.integrations.verifiers_legacy.reward_functions]
gives the same ``(function, weight)`` pairs without importing verifiers.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graderkit._core.graders.models import GraderBase, MultiGrader
from graderkit._optional import requires
from graderkit.integrations._completions import MissingColumns, completion_sample
from graderkit.integrations._linear import weighted_sum
from graderkit.integrations._threads import grade_off_loop, runner_or_default

if TYPE_CHECKING:
    from graderkit._run.runner import Runner

__all__ = ["RubricReward", "require_verifiers", "reward_functions", "rollout_item", "to_rubric"]

NOT_COLUMNS = frozenset({"state", "task", "parser", "info", "prompt", "completion", "answer"})
"""Score objects verifiers passes that are not dataset columns."""


def require_verifiers() -> Any:
    """Import ``verifiers`` (classic API), or raise ``MissingDependency`` naming the extra
    (and an ImportError naming ``graderkit[verifiers-legacy]`` for verifiers 0.4)."""
    with requires("graderkit.integrations.verifiers"):
        verifiers = importlib.import_module("verifiers")  # untyped
    if not hasattr(verifiers, "Rubric"):
        raise ImportError(
            f"verifiers {getattr(verifiers, '__version__', '?')} has no classic Rubric "
            "(removed in 0.4): use graderkit.integrations.verifiers.graded_by(grader) on a "
            "verifiers.v1 Task, or install 'graderkit[verifiers-legacy]'"
        )
    return verifiers


def to_rubric(grader: GraderBase, *, runner: Runner | None = None, parser: Any = None) -> Any:
    """A ``verifiers.Rubric`` whose weighted reward equals the grader's reward.

    Args:
        grader: any grader.
        runner: the runner holding the backends (default: graderkit's shared runner).
        parser: the rubric's ``vf.Parser`` (default: verifiers' own).

    Returns:
        ``vf.Rubric(funcs=[...], weights=[...], parser=parser)``.
    """
    vf = require_verifiers()
    pairs = reward_functions(grader, runner=runner)
    return vf.Rubric(funcs=[f for f, _ in pairs], weights=[w for _, w in pairs], parser=parser)


def reward_functions(
    grader: GraderBase, *, runner: Runner | None = None
) -> list[tuple[RubricReward, float]]:
    """The rubric's ``(reward function, weight)`` pairs (see the module docs for the mapping).

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="f")
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="e")
        >>> [(f.__name__, w) for f, w in reward_functions(gk.multi(0.85 * fuzzy + 0.15 * exact, name="m"))]
        [('f', 0.85), ('e', 0.15)]
        >>> [(f.__name__, w) for f, w in reward_functions(gk.multi(gk.max(fuzzy, exact), name="m"))]
        [('m', 1.0)]
    """
    if isinstance(grader, MultiGrader):
        weights = weighted_sum(grader)
        if weights is not None:
            return [
                (RubricReward(child, name=key, runner=runner), weights[key])
                for key, child in grader.graders.items()
            ]
    return [(RubricReward(grader, runner=runner), 1.0)]


def rollout_item(prompt: Any, answer: Any, info: Any, columns: Mapping[str, Any]) -> dict[str, Any]:
    """The item a grader sees for one rollout.

    The keys of ``info`` (verifiers' per-example dict), then the dataset's other columns, then
    ``answer`` and ``prompt``, later ones winning: ``{{ item.answer }}`` reads the example's
    answer and ``{{ item.reference_answer }}`` a column or an ``info`` key of that name, as in
    an RFT JSONL row.

    Examples:
        >>> rollout_item("q?", "4", {"topic": "math"}, {"difficulty": 2, "state": {}})
        {'topic': 'math', 'difficulty': 2, 'answer': '4', 'prompt': 'q?'}
    """
    item: dict[str, Any] = dict(info) if isinstance(info, Mapping) else {}
    item.update({k: v for k, v in columns.items() if k not in NOT_COLUMNS})
    item["answer"] = answer
    item["prompt"] = prompt
    return item


class RubricReward:
    """One verifiers reward function over one grader: ``async (prompt, completion, answer,
    info, **columns) -> float``, named after the grader (or its key in a ``multi``)."""

    def __init__(
        self, grader: GraderBase, *, name: str | None = None, runner: Runner | None = None
    ) -> None:
        self.grader = grader
        self.runner = runner
        self.__name__ = name or grader.result_name
        self._columns = MissingColumns(grader, "verifiers")

    def __repr__(self) -> str:
        return f"RubricReward({self.grader.label}, name={self.__name__!r})"

    async def __call__(
        self,
        prompt: Any = None,
        completion: Any = None,
        answer: Any = None,
        info: Any = None,
        **columns: Any,
    ) -> float:
        """The grader's reward for one rollout (0 when grading raised an error flag)."""
        sample = completion_sample(completion if completion is not None else "")
        item = rollout_item(prompt, answer, info, columns)
        self._columns.check(item.keys())
        result = await grade_off_loop(runner_or_default(self.runner), self.grader, sample, item)
        return result.reward
