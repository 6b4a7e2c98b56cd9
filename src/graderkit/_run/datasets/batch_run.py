"""Grade a whole predictions file into a results file: streaming, concurrent, resumable.

``grade_file`` reads the predictions as a stream, grades each ``(id, run)`` once, and appends
one line per result to the results file as soon as it is graded (see
[`graderkit._run.datasets.resume`][graderkit._run.datasets.resume] for why a killed run loses and repeats nothing).
Memory stays flat as the predictions grow: what is held is the items index (in key mode),
one small integer per item id for the finished runs, and the samples in flight.

* Local graders (string_check, text_similarity but cosine, multi over them) are graded in
  chunks through [`Runner.grade_many`][graderkit.Runner.grade_many], by column.
* Graders that wait on the outside world (score_model, label_model, python, cosine) are graded
  by ``concurrency`` workers on the runner's event loop; results are written in the order they
  finish.

Examples:
    >>> import json, pathlib, tempfile
    >>> import graderkit as gk
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "items.jsonl").write_text('{"id": "a", "answer": "x"}\\n{"id": "b", "answer": "y"}\\n')
    >>> _ = (folder / "preds.jsonl").write_text('{"id": "a", "output_text": "x"}\\n{"id": "b", "output_text": "z"}\\n')
    >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
    >>> run = grade_file(exact, folder / "items.jsonl", folder / "preds.jsonl", folder / "out.jsonl")
    >>> run.graded, run.summary.mean
    (2, 0.5)
    >>> grade_file(exact, folder / "items.jsonl", folder / "preds.jsonl", folder / "out.jsonl").graded
    0
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graderkit._core.graders.models import GraderBase
from graderkit._core.results.batch_result import BatchResult
from graderkit._core.results.result_lines import RESERVED_KEYS, encode_batch, encode_result
from graderkit._core.results.summary_builder import PriceFor, Summary
from graderkit._run.datasets.data_files import Task, count_lines, iter_tasks
from graderkit._run.datasets.progress import Progress
from graderkit._run.datasets.resume import KeySet, ResultsFile
from graderkit._run.runner import Runner, is_local

__all__ = ["BatchRun", "grade_file"]

CHUNK = 4096
"""Rows per column-graded chunk of a local grader (each chunk is written as it finishes)."""


@dataclass(frozen=True)
class BatchRun:
    """What [`grade_file`][graderkit._run.datasets.batch_run.grade_file] did.

    Attributes:
        out: the results file.
        summary: figures over every line of the results file (earlier sessions included).
        graded: samples graded in this session.
        skipped: samples already in the results file (a resumed run).
        repeated: ``(id, run)`` pairs that appeared again in the predictions (graded once).
        torn: a torn last line (from a killed run) was cut off and its sample graded again.
        seconds: wall time of this session.

    Examples:
        >>> import os, tempfile
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.reference_answer}}",
        ...                         name="exact")
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     out = os.path.join(tmp, "results.jsonl")
        ...     run = gk.grade_file(exact, "examples/clinical/items.jsonl",
        ...                         "examples/clinical/predictions.jsonl", out)
        ...     again = gk.grade_file(exact, "examples/clinical/items.jsonl",
        ...                           "examples/clinical/predictions.jsonl", out)
        >>> (run.graded, run.skipped), (again.graded, again.skipped)
        ((108, 0), (0, 108))
        >>> again.summary.mean == run.summary.mean
        True
    """

    out: Path
    summary: Summary
    graded: int
    skipped: int
    repeated: int
    torn: bool
    seconds: float
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A plain-text report: what was graded, then the summary."""
        rate = self.graded / self.seconds if self.seconds > 0 else 0.0
        head = [f"graded    {self.graded} in {self.seconds:.1f}s ({rate:,.0f}/s) -> {self.out}"]
        if self.skipped:
            head.append(f"resumed   {self.skipped} already in {self.out}")
        if self.torn:
            head.append("torn      a half-written last line was dropped and graded again")
        if self.repeated:
            head.append(f"repeated  {self.repeated} (id, run) pairs seen again were skipped")
        return head + self.notes + self.summary.lines()


@dataclass
class _Counts:
    skipped: int = 0
    repeated: int = 0
    graded: int = 0


def grade_file(
    grader: GraderBase,
    data: str | Path,
    samples: str | Path,
    out: str | Path,
    *,
    key: str = "id",
    runs: int = 1,
    concurrency: int | None = None,
    resume: bool = True,
    runner: Runner | None = None,
    progress: bool | None = False,
    price_for: PriceFor | None = None,
) -> BatchRun:
    """Grade every prediction of ``samples`` against ``data`` into the results file ``out``.

    Args:
        grader: any grader.
        data: the items file (JSONL; an RFT training or validation file works as is).
        samples: the predictions file (JSONL with ``output_text`` or ``sample``; joined by
            ``key`` when the lines carry it, else line by line).
        out: the results file: one JSON line per ``(id, run)``, appended as results finish.
        key: the field naming items (and joining predictions to them).
        runs: grade each prediction without a ``run`` field this many times (runs
            ``0..runs-1``); for graders whose score varies (a judge at temperature > 0).
        concurrency: samples in flight for non-local graders (default: the runner's).
        resume: keep the results already in ``out`` and grade only the rest (default);
            ``False`` starts ``out`` over.
        runner: the runner holding the backends (default: a new one, closed at the end).
        progress: draw a progress bar on stderr (``None``: when stderr is a terminal).
        price_for: model -> price, to put a dollar cost in the summary.

    Returns:
        A [`BatchRun`][graderkit._run.datasets.batch_run.BatchRun]; its summary covers the whole file.

    Raises:
        DataError: a malformed data, predictions or results line (the message names it).

    Examples:
        >>> import json, os, tempfile
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.reference_answer}}",
        ...                         name="exact")
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     out = os.path.join(tmp, "results.jsonl")
        ...     run = gk.grade_file(exact, "examples/clinical/items.jsonl",
        ...                         "examples/clinical/predictions.jsonl", out)
        ...     with open(out) as lines:
        ...         first = json.loads(next(lines))
        >>> run.graded, run.summary.count
        (108, 108)
        >>> first["id"], first["run"], first["reward"], first["metadata"]["name"]
        ('q01', 0, 1.0, 'exact')
    """
    if key in RESERVED_KEYS:
        raise ValueError(f"key={key!r} is a field of the result lines; name the key otherwise")
    start = time.perf_counter()
    own = runner is None
    active = runner if runner is not None else Runner()
    counts = _Counts()
    try:
        with ResultsFile(out, key=key, grader=grader, resume=resume) as results:
            counts.skipped = len(results.done)
            bar = Progress(
                count_lines(samples) * runs,
                initial=len(results.done),
                enabled=progress,
                label="grading",
            )
            pending = _pending(iter_tasks(data, samples, key=key, runs=runs), results, counts)
            try:
                if is_local(grader):
                    _grade_local(active, grader, pending, results, key, bar, counts)
                else:
                    width = concurrency or active.concurrency
                    job = _grade_async(active, grader, pending, results, key, bar, counts, width)
                    _run_on(active, job)
            finally:
                bar.close()
            summary = results.summary.build(price_for)
    finally:
        if own:
            active.close()
    notes = []
    if runs > 1 and is_local(grader):
        notes.append(f"note      {grader.label} is deterministic: its {runs} runs score the same")
    return BatchRun(
        Path(out), summary, counts.graded, counts.skipped, counts.repeated, results.torn,
        time.perf_counter() - start, notes,
    )  # fmt: skip


def _run_on(runner: Runner, job: Coroutine[Any, Any, None]) -> None:
    """Run ``job`` on the runner's event loop (where its engines live) and wait for it.

    When the wait is interrupted (Ctrl-C), the job is cancelled and awaited first, so no
    worker writes to the results file after it is closed.
    """
    finished = threading.Event()

    async def guarded() -> None:
        try:
            await job
        finally:
            finished.set()

    future = asyncio.run_coroutine_threadsafe(guarded(), runner.loop())
    try:
        future.result()
    except BaseException:
        future.cancel()  # cancels the task; its workers stop at their next await
        finished.wait(timeout=30)
        raise


def _pending(tasks: Iterator[Task], results: ResultsFile, counts: _Counts) -> Iterator[Task]:
    """The tasks not yet in the results file, each ``(id, run)`` once."""
    done, seen = results.done, KeySet()
    for task in tasks:
        pair = (task.id, task.run)
        if pair in done:
            if not seen.add(*pair):
                counts.repeated += 1
            continue
        if seen.add(*pair):
            yield task
        else:
            counts.repeated += 1


def _grade_local(
    runner: Runner,
    grader: GraderBase,
    tasks: Iterator[Task],
    results: ResultsFile,
    key: str,
    bar: Progress,
    counts: _Counts,
) -> None:
    while chunk := list(itertools.islice(tasks, CHUNK)):
        batch = runner.grade_many(grader, [t.sample for t in chunk], [t.item for t in chunk])
        if not isinstance(batch, BatchResult):  # pragma: no cover - local graders batch by column
            raise TypeError(f"expected a BatchResult for {grader.label}")
        runs = [t.run for t in chunk]
        lines = encode_batch(key, [t.key_value for t in chunk], runs, batch)
        results.write("".join(lines))
        results.summary.add_batch(batch, runs)
        counts.graded += len(chunk)
        bar.advance(len(chunk))


async def _grade_async(
    runner: Runner,
    grader: GraderBase,
    tasks: Iterator[Task],
    results: ResultsFile,
    key: str,
    bar: Progress,
    counts: _Counts,
    width: int,
) -> None:
    async def worker() -> None:
        for task in tasks:  # next() runs to completion between awaits: workers share it safely
            result = await runner.agrade(grader, task.sample, task.item)
            results.write(encode_result(key, task.key_value, task.run, result))
            results.summary.add(result, task.run)
            counts.graded += 1
            bar.advance()

    workers = [asyncio.ensure_future(worker()) for _ in range(max(1, width))]
    try:
        done, _ = await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
        for finished in done:
            finished.result()  # raises the first failure (a bad data line)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
