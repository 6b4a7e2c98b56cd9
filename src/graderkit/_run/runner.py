"""The Runner: holds the edges (judge models, python sandbox, embeddings) and grades samples.

Deterministic graders (string_check, local text_similarity, multi over them) run synchronously
in the calling thread. Anything that waits on the outside world runs on one private event loop
owned by the runner, so the same runner works from plain scripts, threads and notebooks.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from graderkit._core.datasets.item_values import json_item, json_items
from graderkit._core.graders.models import (
    EndpointGrader,
    GraderBase,
    LabelModelGrader,
    MultiGrader,
    PythonGrader,
    ScoreModelGrader,
    StringCheckGrader,
    TextSimilarityGrader,
)
from graderkit._core.grading.batch_columns import Rows, grade_columns
from graderkit._core.grading.local_grading import (
    combine_multi,
    grade_string_check,
    grade_text_similarity,
    missing_variable,
    passed_for,
    render_pair,
)
from graderkit._core.metrics.similarity import LOCAL_METRICS
from graderkit._core.results.batch_result import BatchResult
from graderkit._core.results.grade_result import GradeResult, failure
from graderkit._core.templating.sample import SampleLike, to_sample
from graderkit._core.templating.template import MissingVariable
from graderkit.errors import InvalidGrader

if TYPE_CHECKING:
    from graderkit._run.judge.embeddings import EmbeddingBackend
    from graderkit._run.judge.model_grading import ModelEngine
    from graderkit._run.sandbox.supervisor import PythonSandbox

__all__ = ["Runner", "is_local"]

T = TypeVar("T")
Item = Mapping[str, Any]


def is_local(grader: GraderBase) -> bool:
    """True when grading needs no model, sandbox or embedding call."""
    if isinstance(grader, MultiGrader):
        return all(is_local(child) for child in grader.graders.values())
    if isinstance(grader, TextSimilarityGrader):
        return grader.evaluation_metric != "cosine"
    return isinstance(grader, StringCheckGrader)


class Runner:
    """Grades samples with any grader, holding the backends it needs.

    Args:
        models: the engine for score_model / label_model judges and endpoint graders
            (default: built from the environment, ``OPENAI_API_KEY`` etc., on first use; an
            endpoint grader needs no key).
        python: the sandbox for python graders (default: `PythonSandbox()` on first use).
        embeddings: the backend for ``cosine`` (default: OpenAI-compatible embeddings through
            the ``models`` engine).
        concurrency: how many samples [`agrade_many`][graderkit.Runner.agrade_many] keeps in
            flight.

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> with gk.Runner() as runner:
        ...     [r.reward for r in runner.grade_many(exact, ["a", "b"], [{"answer": "a"}] * 2)]
        [1.0, 0.0]
    """

    def __init__(
        self,
        *,
        models: ModelEngine | None = None,
        python: PythonSandbox | None = None,
        embeddings: EmbeddingBackend | None = None,
        concurrency: int = 64,
    ) -> None:
        self._models = models
        self._python = python
        self._embeddings = embeddings
        self.concurrency = concurrency
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._metrics: dict[str, Callable[[str, str], float]] = dict(LOCAL_METRICS)

    # ---- public API -------------------------------------------------------------------------

    def grade(
        self, grader: GraderBase, sample: SampleLike, item: Item | None = None
    ) -> GradeResult:
        """Grade one sample; never raises for a bad sample (see the result's ``errors``)."""
        if is_local(grader):
            return self._timed_sync(grader, sample, item)
        return self._run_coroutine(self.agrade(grader, sample, item))

    async def agrade(
        self, grader: GraderBase, sample: SampleLike, item: Item | None = None
    ) -> GradeResult:
        """Grade one sample from async code."""
        start = time.perf_counter()
        try:
            sample_dict, item_dict = to_sample(sample), json_item(item or {})
        except TypeError as exc:  # an unconvertible item value is an ItemValueError(TypeError)
            result = failure(grader.result_name, grader.type, "sample_parse_error", str(exc))
        else:
            result = await self._grade_async(grader, sample_dict, item_dict)
        return _finish(grader, result, time.perf_counter() - start)

    def grade_many(
        self,
        grader: GraderBase,
        samples: Iterable[SampleLike],
        items: Iterable[Item] | None = None,
    ) -> Sequence[GradeResult]:
        """Grade ``samples[i]`` against ``items[i]``; results in input order.

        Local graders are graded by column (see [`BatchResult`][graderkit.BatchResult]); the
        others concurrently through the backends. Item values a JSON item cannot hold are
        converted first by [one rule][graderkit._core.datasets.item_values] (a value it cannot
        convert gives that row ``sample_parse_error``), here and in ``grade``.
        """
        sample_list, item_list = _columns(samples, items)
        if is_local(grader):
            start = time.perf_counter()
            plain_items, refused = json_items(item_list)
            rows = Rows(sample_list, plain_items)
            rows.unparsable = {**refused, **rows.unparsable}  # a bad sample's message wins
            columns = grade_columns(grader, rows, self.metric)
            per_row = (time.perf_counter() - start) / max(1, rows.n)
            return BatchResult(grader, columns, seconds_per_row=per_row, unparsable=rows.unparsable)
        return self._run_coroutine(
            self.agrade_many(grader, zip(sample_list, item_list, strict=True))
        )

    async def agrade_many(
        self, grader: GraderBase, pairs: Iterable[tuple[SampleLike, Item | None]]
    ) -> list[GradeResult]:
        """Grade (sample, item) pairs with at most ``concurrency`` in flight; in input order."""
        todo = list(pairs)
        results: list[GradeResult | None] = [None] * len(todo)
        cursor = iter(range(len(todo)))

        async def worker() -> None:
            for index in cursor:
                sample, item = todo[index]
                results[index] = await self.agrade(grader, sample, item)

        await asyncio.gather(*(worker() for _ in range(max(1, min(self.concurrency, len(todo))))))
        return [r for r in results if r is not None]

    def close(self) -> None:
        """Stop the private event loop and the sandbox workers."""
        if self._python is not None:
            self._python.close()
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None:
            self._run_coroutine(self.aclose())  # the judge engine and the embeddings backend
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()
        self._loop = self._thread = None

    async def aclose(self) -> None:
        """Release the connections opened on the running event loop.

        Call it before your own event loop ends when you used the async API
        ([`agrade`][graderkit.Runner.agrade]) from it; ``close()`` handles the runner's loop.
        """
        if self._models is not None:
            await self._models.aclose()
        closer = getattr(self._embeddings, "aclose", None)
        if closer is not None:
            await closer()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- the edges, created on first use ----------------------------------------------------

    @property
    def models(self) -> ModelEngine:
        """The judge-model engine (created from the environment on first use)."""
        if self._models is None:
            from graderkit._run.judge.model_grading import ModelEngine

            self._models = ModelEngine.from_env()
        return self._models

    @property
    def python(self) -> PythonSandbox:
        """The python sandbox (warm templates, a fresh process per sample; started on first use)."""
        if self._python is None:
            from graderkit._run.sandbox.supervisor import PythonSandbox

            self._python = PythonSandbox()
        return self._python

    @property
    def embeddings(self) -> EmbeddingBackend:
        """The embedding backend for ``cosine`` (OpenAI-compatible by default)."""
        if self._embeddings is None:
            from graderkit._run.judge.embeddings import OpenAIEmbeddings

            # Share the judge engine: one connection pool, one cache, closed by close().
            self._embeddings = OpenAIEmbeddings(self.models)
        return self._embeddings

    def metric(self, name: str) -> Callable[[str, str], float]:
        """The local function for a text_similarity metric (WordNet loads here for meteor)."""
        fn = self._metrics.get(name)
        if fn is None:
            from graderkit._run.text_metrics.metric_backends import text_metric

            fn = self._metrics[name] = text_metric(name)
        return fn

    # ---- grading ----------------------------------------------------------------------------

    def _timed_sync(self, grader: GraderBase, sample: SampleLike, item: Item | None) -> GradeResult:
        start = time.perf_counter()
        try:
            sample_dict, item_dict = to_sample(sample), json_item(item or {})
        except TypeError as exc:  # as in agrade
            result = failure(grader.result_name, grader.type, "sample_parse_error", str(exc))
        else:
            result = self._grade_local(grader, sample_dict, item_dict)
        return _finish(grader, result, time.perf_counter() - start)

    def _grade_local(self, grader: GraderBase, sample: Item, item: Item) -> GradeResult:
        if isinstance(grader, StringCheckGrader):
            return grade_string_check(grader, sample, item)
        if isinstance(grader, TextSimilarityGrader):
            return grade_text_similarity(
                grader, sample, item, self.metric(grader.evaluation_metric)
            )
        if isinstance(grader, MultiGrader):
            children = {k: self._grade_local(c, sample, item) for k, c in grader.graders.items()}
            return combine_multi(grader, children)
        raise InvalidGrader(grader.label, "type", grader.type, "is not a local grader")

    async def _grade_async(self, grader: GraderBase, sample: Item, item: Item) -> GradeResult:
        if is_local(grader):
            return self._grade_local(grader, sample, item)
        if isinstance(grader, MultiGrader):
            keys = list(grader.graders)
            done = await asyncio.gather(
                *(self._grade_async(grader.graders[k], sample, item) for k in keys)
            )
            return combine_multi(grader, dict(zip(keys, done, strict=True)))
        if isinstance(grader, (ScoreModelGrader, LabelModelGrader)):
            from graderkit._run.judge.model_grading import grade_model_grader

            return await grade_model_grader(grader, sample, item, self.models)
        if isinstance(grader, PythonGrader):
            outcome = await self.python.arun(grader.source, sample, item)
            return GradeResult(
                reward=outcome.reward,
                name=grader.result_name,
                type=grader.type,
                errors=outcome.errors,
            )
        if isinstance(grader, TextSimilarityGrader):
            return await self._cosine(grader, sample, item)
        if isinstance(grader, EndpointGrader):
            from graderkit._run.judge.endpoint_grading import grade_endpoint_grader

            return await grade_endpoint_grader(grader, sample, item, self.models)
        raise InvalidGrader(grader.label, "type", grader.type, "cannot be run locally")

    async def _cosine(self, grader: TextSimilarityGrader, sample: Item, item: Item) -> GradeResult:
        from graderkit._run.judge.embeddings import cosine_similarity

        try:
            a, b = render_pair(grader, sample, item)
        except MissingVariable as exc:
            return missing_variable(grader, exc)
        try:
            score = await cosine_similarity(a, b, self.embeddings)
        except Exception as exc:  # a transport failure is a per-sample error, never a crash
            return failure(
                grader.result_name, grader.type, "other_error", f"embedding backend: {exc}"
            )
        return GradeResult(reward=score, name=grader.result_name, type=grader.type)

    # ---- the private event loop -------------------------------------------------------------

    def _run_coroutine(self, coro: Awaitable[T]) -> T:
        loop = self.loop()
        return asyncio.run_coroutine_threadsafe(coro, loop).result()  # type: ignore[arg-type]

    def loop(self) -> asyncio.AbstractEventLoop:
        """The runner's private event loop (started on first use), where the sync API runs
        its backends; submit to it with ``asyncio.run_coroutine_threadsafe``."""
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="graderkit-runner", daemon=True
                )
                self._thread.start()
            return self._loop


def _finish(grader: GraderBase, result: GradeResult, seconds: float) -> GradeResult:
    return replace(result, execution_time=seconds, passed=passed_for(grader, result))


def _columns(
    samples: Iterable[SampleLike], items: Iterable[Item | None] | None
) -> tuple[list[SampleLike], list[Item | None]]:
    """The samples and items as lists (a given list is used as is); ``None`` items stay: both
    consumers read ``None`` as ``{}`` (``agrade`` and the columns' per-row path)."""
    sample_list = samples if isinstance(samples, list) else list(samples)
    if items is None:
        return sample_list, [{}] * len(sample_list)
    item_list: list[Item | None] = items if isinstance(items, list) else list(items)
    if len(item_list) != len(sample_list):
        raise ValueError(
            f"got {len(sample_list)} samples but {len(item_list)} items; pass one item per sample"
        )
    return sample_list, item_list
