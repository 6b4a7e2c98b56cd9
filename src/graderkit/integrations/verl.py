"""veRL: a grader as a custom reward function, ``compute_score(data_source, solution_str,
ground_truth, extra_info)``.

veRL loads a custom reward function from a file named in its config and calls it once per
response from its reward manager (the ``naive`` manager by default)::

    reward.custom_reward_function.path=/path/to/graderkit_clinical_verl.py
    reward.custom_reward_function.name=compute_score

``graderkit export verl GRADER --out DIR`` writes that file (see
[`verl_source`][graderkit.integrations.verl.verl_source]); in Python,
[`VerlReward`][graderkit.integrations.verl.VerlReward] is the same function.

* The sample is ``solution_str``, the decoded response (the service's plain-string sample).
* The item is [`verl_item`][graderkit.integrations.verl.verl_item]: the keys of
  ``extra_info``, then ``ground_truth`` and ``data_source``, so ``{{ item.ground_truth }}``
  reads the dataset's ``reward_model.ground_truth`` and ``{{ item.question }}`` an
  ``extra_info`` key. Values JSON cannot hold (numpy arrays from parquet) follow graderkit's
  [item rule][graderkit._core.datasets.item_values].
* It returns ``{"score": reward, "<name>/<key>": sub-reward, ..., "<name>/error": 0 or 1}``:
  veRL trains on ``score`` and logs the other keys (the same keys on every call).

Nothing here imports veRL: the file needs only graderkit where veRL's reward workers run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graderkit._core.graders.models import GraderBase
from graderkit._core.results.grade_result import GradeResult
from graderkit._run.runner import is_local
from graderkit.integrations._completions import MissingColumns
from graderkit.integrations._reward_file import grader_literal, reward_file_name
from graderkit.integrations._threads import grade_off_loop, runner_or_default

if TYPE_CHECKING:
    from graderkit._run.runner import Runner

__all__ = ["VerlReward", "verl_item", "verl_source"]


def verl_item(data_source: Any, ground_truth: Any, extra_info: Any) -> dict[str, Any]:
    """The item a grader sees for one veRL response: ``extra_info``'s keys, then
    ``ground_truth`` and ``data_source`` (which win over ``extra_info`` keys of those names).

    Examples:
        >>> verl_item("gsm8k", "4", {"question": "2+2?", "split": "train"})
        {'question': '2+2?', 'split': 'train', 'ground_truth': '4', 'data_source': 'gsm8k'}
    """
    item: dict[str, Any] = dict(extra_info) if isinstance(extra_info, Mapping) else {}
    item["ground_truth"] = ground_truth
    item["data_source"] = data_source
    return item


class VerlReward:
    """A veRL ``compute_score`` over one grader.

    Args:
        grader: any grader (or its JSON).
        runner: the runner holding the backends (default: graderkit's shared runner, whose
            judge engine reads ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``).

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{ sample.output_text }}", "{{ item.ground_truth }}",
        ...                         name="exact")
        >>> compute_score = VerlReward(exact)
        >>> compute_score("gsm8k", "4", "4", {"question": "2+2?"})
        {'score': 1.0, 'exact/error': 0.0}
    """

    def __init__(self, grader: GraderBase | Mapping[str, Any], *, runner: Runner | None = None):
        from graderkit._core.graders.wire import from_openai

        self.grader = grader if isinstance(grader, GraderBase) else from_openai(dict(grader))
        self.runner = runner
        self.__name__ = self.grader.result_name
        self._columns = MissingColumns(self.grader, "veRL")

    def __repr__(self) -> str:
        return f"VerlReward({self.grader.label})"

    def __call__(
        self,
        data_source: Any,
        solution_str: str,
        ground_truth: Any,
        extra_info: Any = None,
        **_: Any,
    ) -> dict[str, float]:
        """The grader's reward for one response, with each sub-reward and an error flag."""
        item = verl_item(data_source, ground_truth, extra_info)
        self._columns.check(item.keys())
        return self._scores(runner_or_default(self.runner).grade(self.grader, solution_str, item))

    async def ascore(
        self,
        data_source: Any,
        solution_str: str,
        ground_truth: Any,
        extra_info: Any = None,
        **_: Any,
    ) -> dict[str, float]:
        """The same, awaited: veRL awaits an ``async`` ``compute_score`` on its event loop, so
        judge and python graders run for many responses at once (a sync one runs in veRL's
        default thread pool, a few at a time)."""
        item = verl_item(data_source, ground_truth, extra_info)
        self._columns.check(item.keys())
        runner = runner_or_default(self.runner)
        return self._scores(await grade_off_loop(runner, self.grader, solution_str, item))

    def _scores(self, result: GradeResult) -> dict[str, float]:
        name = self.__name__
        scores = {"score": result.reward}
        scores.update({f"{name}/{key}": value for key, value in result.sub_rewards.items()})
        scores[f"{name}/error"] = 1.0 if result.errors else 0.0
        return scores


VERL_TEMPLATE = '''"""veRL custom reward function: graderkit grader {label}.

Generated by `graderkit export verl`. In the veRL config:

    reward.custom_reward_function.path={path}
    reward.custom_reward_function.name=compute_score

Needs graderkit where veRL's reward workers run. Model graders read OPENAI_BASE_URL and
OPENAI_API_KEY there.
"""

import json

from graderkit.integrations.verl import VerlReward

GRADER = json.loads({literal})

_reward = VerlReward(GRADER)


{define} compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """The grader's reward for one response: {{"score": reward, ...}}."""
    return {call}(data_source, solution_str, ground_truth, extra_info, **kwargs)
'''


def verl_source(grader: GraderBase, path: str | None = None) -> str:
    """The reward file ``graderkit export verl`` writes (``path`` goes into its docstring).

    Its ``compute_score`` is ``async`` when the grader calls a judge, the sandbox or an
    embedding model, so veRL awaits many at once; plain ``def`` for local graders.

    Examples:
        >>> import graderkit as gk
        >>> source = verl_source(gk.string_check("{{sample.output_text}}", "4", name="exact"))
        >>> "def compute_score(data_source, solution_str, ground_truth, extra_info=None" in source
        True
    """
    where = path or reward_file_name(grader, "verl")
    local = is_local(grader)
    return VERL_TEMPLATE.format(
        label=grader.label,
        path=where,
        literal=grader_literal(grader),
        define="def" if local else "async def",
        call="_reward" if local else "await _reward.ascore",
    )
