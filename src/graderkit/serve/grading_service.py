"""Grading for the routes: one [`Runner`][graderkit.Runner] per server process, shared by all.

Local graders (string_check, text_similarity without cosine, multi over them) run where they
are cheapest: one sample inline on the event loop (tens of microseconds), a batch by column in
a worker thread. Model and python graders go through the runner's engine and sandbox, whose
cache, retries and concurrency limits every request shares. Whatever happens inside grading,
a row gets a result: an unexpected exception becomes that row's ``other_error`` flag.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from graderkit._core.graders.models import GraderBase
from graderkit._core.results.batch_result import BatchResult
from graderkit._core.results.grade_result import GradeResult, failure
from graderkit._run.runner import Runner, is_local

__all__ = ["BatchRewards", "GradingService"]

log = logging.getLogger("graderkit.serve")

STREAM_CHUNK = 1024
"""Rows graded (and streamed) together in an NDJSON batch of a local grader."""

INLINE_ROWS = 4096
"""Local batches up to this size are graded on the event loop (a millisecond or two): a hop
to a worker thread costs more than it saves. Larger ones go to a thread."""


@dataclass
class BatchRewards:
    """A batch's rewards in input order: sub-rewards by key (one list each), raised flags."""

    rewards: list[float]
    sub_rewards: dict[str, list[float]]
    errors: list[dict[str, str | None]]

    def row(self, index: int) -> dict[str, Any]:
        """Row ``index`` as one NDJSON record."""
        return {
            "index": index,
            "reward": self.rewards[index],
            "sub_rewards": {k: v[index] for k, v in self.sub_rewards.items()},
            "errors": self.errors[index],
        }


class GradingService:
    """Grades for the routes with one shared runner.

    Examples:
        >>> import asyncio, graderkit as gk
        >>> exact = gk.string_check("{{ sample.output_text }}", "{{ item.a }}", name="exact")
        >>> service = GradingService(gk.Runner())
        >>> asyncio.run(service.batch(exact, ["x", "y"], [{"a": "x"}, {"a": "x"}])).rewards
        [1.0, 0.0]
    """

    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    async def run_one(
        self, grader: GraderBase, sample: Any, item: Mapping[str, Any]
    ) -> GradeResult:
        """One sample, as ``graders/run`` grades it."""
        try:
            if is_local(grader):
                return self.runner.grade(grader, sample, item)
            return await self.runner.agrade(grader, sample, item)
        except Exception as exc:  # a bug must cost one row, never the worker
            return _internal(grader, exc)

    async def batch(
        self, grader: GraderBase, samples: Sequence[Any], items: Sequence[Mapping[str, Any]]
    ) -> BatchRewards:
        """Every row, in input order."""
        if is_local(grader):
            if len(samples) <= INLINE_ROWS:
                return self._local_batch(grader, samples, items)
            return await run_in_threadpool(self._local_batch, grader, samples, items)
        results = await self.runner.agrade_many(grader, zip(samples, items, strict=True))
        return _from_results(grader, results)

    async def stream(
        self, grader: GraderBase, samples: Sequence[Any], items: Sequence[Mapping[str, Any]]
    ) -> AsyncIterator[dict[str, Any]]:
        """Rows in input order as soon as each (and every row before it) is graded."""
        if is_local(grader):
            for start in range(0, len(samples), STREAM_CHUNK):
                end = start + STREAM_CHUNK
                part = await self.batch(grader, samples[start:end], items[start:end])
                for offset in range(len(part.rewards)):
                    record = part.row(offset)
                    record["index"] = start + offset
                    yield record
            return
        async for record in self._stream_remote(grader, samples, items):
            yield record

    async def _stream_remote(
        self, grader: GraderBase, samples: Sequence[Any], items: Sequence[Mapping[str, Any]]
    ) -> AsyncIterator[dict[str, Any]]:
        gate = asyncio.Semaphore(self.runner.concurrency)

        async def one(index: int) -> GradeResult:
            async with gate:
                return await self.run_one(grader, samples[index], items[index])

        tasks = [asyncio.ensure_future(one(i)) for i in range(len(samples))]
        try:
            for index, task in enumerate(tasks):
                yield _from_results(grader, [await task]).row(0) | {"index": index}
        finally:
            for task in tasks:
                task.cancel()

    def _local_batch(
        self, grader: GraderBase, samples: Sequence[Any], items: Sequence[Mapping[str, Any]]
    ) -> BatchRewards:
        try:
            done = self.runner.grade_many(grader, list(samples), list(items))
        except Exception:  # one bad row spoiled the columns: grade row by row
            log.exception("batch by column failed; grading row by row")
            return _from_results(grader, [self._safe_local(grader, s, i) for s, i in
                                          zip(samples, items, strict=True)])  # fmt: skip
        if isinstance(done, BatchResult):
            return _from_columns(grader, done)
        return _from_results(grader, done)

    def _safe_local(self, grader: GraderBase, sample: Any, item: Mapping[str, Any]) -> GradeResult:
        try:
            return self.runner.grade(grader, sample, item)
        except Exception as exc:
            return _internal(grader, exc)


_NO_ERRORS: dict[str, str | None] = {}


def _internal(grader: GraderBase, exc: Exception) -> GradeResult:
    log.error("grading failed inside graderkit: %s", type(exc).__name__, exc_info=exc)
    return failure(
        grader.result_name, grader.type, "other_error", f"internal error: {type(exc).__name__}"
    )


def _keys(grader: GraderBase) -> list[str]:
    return list(getattr(grader, "graders", {}))


def _from_columns(grader: GraderBase, batch: BatchResult) -> BatchRewards:
    columns = batch.columns
    errors: list[dict[str, str | None]] = [_NO_ERRORS] * len(batch)  # rows replace, never mutate
    for row, flags in columns.errors.items():
        errors[row] = dict(flags)
    for row, problem in batch.unparsable.items():
        errors[row] = {"sample_parse_error": problem}
    subs = {key: list(columns.children[key].rewards) for key in columns.children}
    return BatchRewards(batch.rewards, subs, errors)


def _from_results(grader: GraderBase, results: Sequence[GradeResult]) -> BatchRewards:
    keys = _keys(grader)
    return BatchRewards(
        rewards=[r.reward for r in results],
        sub_rewards={k: [r.sub_rewards.get(k, 0.0) for r in results] for k in keys},
        errors=[dict(r.errors) for r in results],
    )
