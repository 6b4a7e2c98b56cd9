"""Worker threads that let a trainer's event loop await graderkit without binding it.

A trainer's async reward calls ``runner.grade`` on one of these threads; the runner grades on
its own private event loop, so judge calls from many rollouts run concurrently there and never
touch the trainer's loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import weakref
from typing import TYPE_CHECKING

from graderkit._core.graders.models import GraderBase
from graderkit._core.results.grade_result import GradeResult
from graderkit._core.templating.sample import SampleLike

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from graderkit._run.runner import Runner

__all__ = ["grade_off_loop", "runner_or_default"]

_pools: weakref.WeakKeyDictionary[Runner, concurrent.futures.ThreadPoolExecutor] = (
    weakref.WeakKeyDictionary()
)
_pools_lock = threading.Lock()


def runner_or_default(runner: Runner | None) -> Runner:
    """``runner``, or graderkit's shared default runner."""
    if runner is not None:
        return runner
    from graderkit._run.default_runner import default_runner

    return default_runner()


async def grade_off_loop(
    runner: Runner, grader: GraderBase, sample: SampleLike, item: Mapping[str, Any]
) -> GradeResult:
    """``runner.grade(grader, sample, item)`` awaited from the caller's loop, on a worker.

    A local grader (string_check, local text_similarity, multi over them) is graded inline:
    it takes microseconds, less than the hop to a worker thread.
    """
    from graderkit._run.runner import is_local

    if is_local(grader):
        return runner.grade(grader, sample, item)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(runner), runner.grade, grader, sample, item)


def _executor(runner: Runner) -> concurrent.futures.ThreadPoolExecutor:
    """One thread pool per runner, as wide as the runner's concurrency: each thread waits on
    one sample graded on the runner's event loop."""
    with _pools_lock:
        pool = _pools.get(runner)
        if pool is None:
            pool = _pools[runner] = concurrent.futures.ThreadPoolExecutor(
                max_workers=max(1, runner.concurrency), thread_name_prefix="graderkit-reward"
            )
        return pool
