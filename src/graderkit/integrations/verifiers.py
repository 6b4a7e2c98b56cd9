"""A grader as verifiers rewards: ``@vf.reward`` scoring on a ``verifiers.v1`` Task (0.4).

verifiers 0.4 scores a rollout with a Task's reward methods, marked ``@vf.reward(weight=w)``:
each is called with the task's data (``task``) and the rollout's ``trace``, its value is
recorded under its name, and the trace's reward is the weighted sum.
[`graded_by`][graderkit.integrations.verifiers.graded_by] puts a grader on a Task class that
way:

* a ``multi`` whose formula is a weighted sum of its keys (``0.85 * fuzzy + 0.15 * exact``)
  becomes one reward per key with the formula's weights, so ``trace.reward`` equals the
  grader's reward and ``trace.rewards`` holds each sub-grader's;
* any other grader becomes one reward named after it, with weight 1.

Each reward reads the sample from the trace's last model reply (verifiers' own pydantic
messages; tool calls become ``output_tools``) and the item from the task data
([`task_item`][graderkit.integrations.verifiers.task_item]), and grades with ``runner.grade``
on a worker thread, so judge calls from concurrent rollouts share the runner's engine and never
bind verifiers' loop. A grading error gives the service's reward 0 (the flags are in
``gk.grade``'s result, not in the trace).

verifiers 0.3's classic ``Rubric`` is still served: [`to_rubric`][graderkit.integrations.verifiers_legacy.to_rubric]
and the rest of [`verifiers_legacy`][graderkit.integrations.verifiers_legacy] are re-exported
here.

Nothing here imports verifiers until a reward is scored; ``pip install 'graderkit[verifiers]'``
installs verifiers 0.4.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from graderkit._core.graders.models import GraderBase, MultiGrader
from graderkit.integrations._completions import MissingColumns, completion_sample
from graderkit.integrations._linear import weighted_sum
from graderkit.integrations._threads import grade_off_loop, runner_or_default
from graderkit.integrations.verifiers_legacy import (
    RubricReward,
    require_verifiers,
    reward_functions,
    rollout_item,
    to_rubric,
)

if TYPE_CHECKING:
    from graderkit._run.runner import Runner

__all__ = [
    "TASK_FIELDS",
    "RubricReward",
    "TaskReward",
    "graded_by",
    "require_verifiers",
    "reward_functions",
    "rollout_item",
    "task_item",
    "task_rewards",
    "to_rubric",
]

TASK_FIELDS = frozenset(
    {"idx", "description", "system_prompt", "image", "workdir", "agent_user", "skills",
     "network_allow", "network_block", "artifacts", "artifact_max_bytes", "timeout",
     "resources"}
)  # fmt: skip
"""``vf.TaskData`` fields that configure the rollout rather than describe the example; they are
left out of the item."""

T = TypeVar("T", bound=type)


def task_rewards(grader: GraderBase, *, runner: Runner | None = None) -> list[TaskReward]:
    """The grader as verifiers 0.4 rewards (see the module docs for the mapping).

    Each is an ``async (task, trace) -> float`` tagged as ``@vf.reward(weight=...)`` tags a
    method, so it can sit on a Task class (what [`graded_by`][graderkit.integrations.verifiers.graded_by]
    does) or be plugged by import path (``TaskConfig(rewards={"fuzzy": {"fn": "mod:fuzzy"}})``).

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="f")
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="e")
        >>> [(r.__name__, r._vf_weight) for r in task_rewards(gk.multi(0.85 * fuzzy + 0.15 * exact, name="m"))]
        [('f', 0.85), ('e', 0.15)]
    """
    if isinstance(grader, MultiGrader):
        weights = weighted_sum(grader)
        if weights is not None:
            return [
                TaskReward(child, name=key, weight=weights[key], runner=runner)
                for key, child in grader.graders.items()
            ]
    return [TaskReward(grader, runner=runner)]


def graded_by(grader: GraderBase, *, runner: Runner | None = None) -> Callable[[T], T]:
    """A class decorator that adds the grader's rewards to a ``verifiers.v1`` Task class.

    Args:
        grader: any grader.
        runner: the runner holding the backends (default: graderkit's shared runner).

    Returns:
        A decorator returning the same class with one ``@vf.reward`` per
        [`task_rewards`][graderkit.integrations.verifiers.task_rewards] entry (set as
        ``_graderkit_<name>``, so no Task method is shadowed).

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> @graded_by(exact)
        ... class QATask:  # in real use: class QATask(vf.Task[QAData])
        ...     pass
        >>> QATask._graderkit_exact.__name__, QATask._graderkit_exact.reward
        ('exact', True)
    """
    rewards = task_rewards(grader, runner=runner)

    def decorate(cls: T) -> T:
        for reward in rewards:
            setattr(cls, f"_graderkit_{reward.__name__}", reward)
        return cls

    return decorate


def task_item(task: Any) -> dict[str, Any]:
    """The item a grader sees for a verifiers 0.4 task: its data's fields, without the
    rollout settings in [`TASK_FIELDS`][graderkit.integrations.verifiers.TASK_FIELDS]
    (``prompt``, ``id``, ``name`` and every field a ``TaskData`` subclass or extra adds stay).

    Examples:
        >>> from pydantic import BaseModel
        >>> class QAData(BaseModel):  # in real use: class QAData(vf.TaskData)
        ...     prompt: str
        ...     answer: str
        ...     idx: int | None = None
        >>> task_item(QAData(prompt="2+2?", answer="4", idx=3))
        {'prompt': '2+2?', 'answer': '4'}
    """
    data = task.model_dump() if callable(getattr(task, "model_dump", None)) else task
    if not isinstance(data, Mapping):
        return {}
    return {key: value for key, value in data.items() if key not in TASK_FIELDS}


class TaskReward:
    """One verifiers 0.4 reward over one grader: ``async (task, trace) -> float``, tagged like
    a ``@vf.reward(weight=...)`` method and named after the grader (or its key in a multi)."""

    reward = True
    reward_priority = 0

    def __init__(
        self,
        grader: GraderBase,
        *,
        name: str | None = None,
        weight: float = 1.0,
        runner: Runner | None = None,
    ) -> None:
        self.grader = grader
        self.runner = runner
        self.__name__ = name or grader.result_name
        self._vf_weight = weight
        self._columns = MissingColumns(grader, "verifiers")

    def __repr__(self) -> str:
        return f"TaskReward({self.grader.label}, name={self.__name__!r}, weight={self._vf_weight})"

    async def __call__(self, task: Any, trace: Any) -> float:
        """The grader's reward for one rollout (0 when grading raised an error flag)."""
        replies = list(getattr(trace, "assistant_messages", None) or [])
        sample = completion_sample(replies) if replies else ""
        item = task_item(task)
        self._columns.check(item.keys())
        result = await grade_off_loop(runner_or_default(self.runner), self.grader, sample, item)
        return result.reward
