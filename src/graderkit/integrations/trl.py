"""A grader as a TRL reward function (``GRPOTrainer(reward_funcs=[...])`` and friends).

TRL calls each reward function with the batch's ``prompts`` and ``completions`` and every other
dataset column as a keyword argument (one list entry per completion), and logs each function's
rewards under its ``__name__``. [`reward_function`][graderkit.integrations.trl.reward_function]
returns such a callable: the grader's name is its ``__name__``, each completion becomes the
sample (the last assistant message in the conversational format) and each row's columns, plus
``prompt``, become the item, so ``{{ item.reference_answer }}`` reads the dataset column of
that name, as in an RFT JSONL row.

Nothing here imports TRL: any trainer that calls ``f(prompts=..., completions=..., **columns)``
can use the function. Column values that JSON cannot hold (a ``datetime`` column, numpy
scalars) are converted by graderkit's [item rule][graderkit._core.datasets.item_values]; a
value it cannot convert gives that sample ``sample_parse_error`` (reward 0, or ``None`` with
``on_error="none"``), never an exception in training. A grader that reads a column the dataset
lacks warns once per column (``GraderkitWarning``).

Examples:
    >>> import graderkit as gk
    >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
    >>> reward = reward_function(exact)
    >>> reward.__name__
    'exact'
    >>> reward(prompts=["2+2?", "3+3?"], completions=["4", "7"], answer=["4", "6"])
    [1.0, 0.0]
    >>> reward(prompts=[[{"role": "user", "content": "2+2?"}]],
    ...        completions=[[{"role": "assistant", "content": "4"}]], answer=["4"])
    [1.0]
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from graderkit._core.graders.models import GraderBase
from graderkit._core.results.batch_result import BatchResult
from graderkit._core.results.grade_result import GradeResult
from graderkit._core.templating.sample import SampleLike
from graderkit.integrations._completions import MissingColumns, completion_sample, row_items

if TYPE_CHECKING:
    from graderkit._run.runner import Runner

__all__ = ["AsyncTRLReward", "OnError", "TRLReward", "reward_function"]

OnError = Literal["zero", "none"]

TRL_KEYWORDS = frozenset(
    {"prompts", "completions", "completion_ids", "trainer_state", "log_extra", "log_metric",
     "environments"}
)  # fmt: skip
"""Keyword arguments TRL passes that are not dataset columns."""


@overload
def reward_function(
    grader: GraderBase,
    *,
    runner: Runner | None = ...,
    asynchronous: Literal[False] = ...,
    on_error: OnError = ...,
) -> TRLReward: ...


@overload
def reward_function(
    grader: GraderBase,
    *,
    runner: Runner | None = ...,
    asynchronous: Literal[True],
    on_error: OnError = ...,
) -> AsyncTRLReward: ...


def reward_function(
    grader: GraderBase,
    *,
    runner: Runner | None = None,
    asynchronous: bool = False,
    on_error: OnError = "zero",
) -> TRLReward | AsyncTRLReward:
    """A TRL reward function that grades every completion with ``grader``.

    Args:
        grader: any grader (a ``multi`` logs each sub-grader's mean reward as a metric).
        runner: the runner holding the backends (default: graderkit's shared runner).
            Model, python and embedding graders run concurrently through it, up to its
            ``concurrency``.
        asynchronous: return an ``async`` function. TRL awaits its async reward functions
            together, so a slow model grader overlaps with the other reward functions.
        on_error: the reward of a sample whose grading raised an error flag: ``"zero"`` (what
            the service gives in RFT) or ``"none"`` (TRL then leaves this function out of that
            sample's reward).

    Returns:
        A callable ``(prompts, completions, **columns) -> list[float | None]`` named after the
        grader.
    """
    cls = AsyncTRLReward if asynchronous else TRLReward
    return cls(grader, runner=runner, on_error=on_error)


class _Reward:
    """What the sync and async reward functions share: building samples and reading results."""

    def __init__(
        self, grader: GraderBase, *, runner: Runner | None = None, on_error: OnError = "zero"
    ) -> None:
        if on_error not in ("zero", "none"):
            raise ValueError(f"on_error must be 'zero' or 'none', got {on_error!r}")
        self.grader = grader
        self.runner = runner
        self.on_error = on_error
        self.__name__ = grader.result_name
        self._columns = MissingColumns(grader, "TRL")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.grader.label})"

    def _runner(self) -> Runner:
        if self.runner is not None:
            return self.runner
        from graderkit._run.default_runner import default_runner

        return default_runner()

    def _pairs(
        self, prompts: Sequence[Any], completions: Sequence[Any], columns: Mapping[str, Any]
    ) -> tuple[list[SampleLike], list[dict[str, Any]]]:
        samples = [completion_sample(c) for c in completions]
        items = row_items(len(samples), columns, skip=TRL_KEYWORDS)
        for item, prompt in zip(items, prompts, strict=False):
            item.setdefault("prompt", prompt)
        if items:
            self._columns.check(items[0].keys())
        return samples, items

    def _rewards(
        self, results: Sequence[GradeResult], columns: Mapping[str, Any]
    ) -> list[float | None]:
        rewards, errored, subs = _read(results)
        log = columns.get("log_metric")
        if callable(log) and rewards:
            log(f"{self.__name__}/error_rate", len(errored) / len(rewards))
            for key, values in subs.items():
                log(f"{self.__name__}/{key}", sum(values) / len(values))
        if self.on_error == "none":
            return [None if i in errored else r for i, r in enumerate(rewards)]
        return list(rewards)


class TRLReward(_Reward):
    """A synchronous TRL reward function over one grader (see
    [`reward_function`][graderkit.integrations.trl.reward_function])."""

    def __call__(
        self, prompts: Sequence[Any], completions: Sequence[Any], **columns: Any
    ) -> list[float | None]:
        samples, items = self._pairs(prompts, completions, columns)
        return self._rewards(self._runner().grade_many(self.grader, samples, items), columns)


class AsyncTRLReward(_Reward):
    """An asynchronous TRL reward function over one grader: grading runs on the runner's own
    event loop (through a worker thread), so the caller's loop is never blocked or bound."""

    async def __call__(
        self, prompts: Sequence[Any], completions: Sequence[Any], **columns: Any
    ) -> list[float | None]:
        samples, items = self._pairs(prompts, completions, columns)
        runner = self._runner()
        results = await asyncio.to_thread(runner.grade_many, self.grader, samples, items)
        return self._rewards(results, columns)


def _read(results: Sequence[GradeResult]) -> tuple[list[float], set[int], dict[str, list[float]]]:
    """Rewards, the rows that raised an error flag, and each multi key's rewards.

    Local graders come back as a [`BatchResult`][graderkit.BatchResult] stored by column: read
    the columns instead of building a result per row (over 10x faster on 1,000 rows). A row is
    unparsable when a dataset column holds a value the item rule cannot convert.
    """
    if isinstance(results, BatchResult):
        columns = results.columns
        subs = {key: child.rewards for key, child in columns.children.items()}
        return results.rewards, set(columns.errors) | set(results.unparsable), subs
    rewards = [r.reward for r in results]
    errored = {i for i, r in enumerate(results) if r.errors}
    keys = {key for r in results for key in r.sub_rewards}
    subs = {k: [r.sub_rewards[k] for r in results if k in r.sub_rewards] for k in sorted(keys)}
    return rewards, errored, subs
