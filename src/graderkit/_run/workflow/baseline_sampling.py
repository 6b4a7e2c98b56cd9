"""Ask a model for predictions on an RFT dataset: the cookbook's baseline step.

Every item's ``messages`` (and ``tools``, when the row has them) go to any OpenAI-compatible
chat-completions endpoint through the same [`ModelEngine`][graderkit.ModelEngine] as model
graders (bounded concurrency, retries with backoff, optional reply cache and cassette, token
and cost ledger), ``runs`` times per item. Each answer becomes one predictions line::

    {"id": "q01", "run": 0, "output_text": "acute appendicitis", "model": "o4-mini-2025-04-16",
     "finish_reason": "stop", "prompt_tokens": 91, "completion_tokens": 530, ...}

which ``graderkit grade --samples`` reads. Lines are appended as answers arrive, so an
interrupted run resumes: pairs ``(id, run)`` already in the output are skipped (a torn last line
from a crash is dropped and asked again). A request that still fails after the engine's retries
is reported and left out, so the next run asks for it again.

Examples:
    >>> body = sampling_request({"messages": [{"role": "user", "content": "2+2?"}]},
    ...                         SamplingConfig("o4-mini", reasoning_effort="low", seed=7), run=2)
    >>> body["model"], body["reasoning_effort"], body["seed"]
    ('o4-mini', 'low', 9)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graderkit._core.judge.reply import ChatFailure, ChatReply
from graderkit._run.datasets.data_files import DataError, read_jsonl
from graderkit._run.datasets.file_errors import is_regular, writing
from graderkit.errors import GraderkitError

if TYPE_CHECKING:
    from graderkit._run.judge.engine import ModelEngine

__all__ = [
    "SamplingConfig",
    "SamplingError",
    "SamplingReport",
    "asample",
    "completed_pairs",
    "run_seed",
    "sample",
    "sampling_request",
]

REASONING_EFFORTS = ("minimal", "low", "medium", "high")


class SamplingError(GraderkitError, ValueError):
    """The sampling request cannot be made as configured."""


@dataclass(frozen=True, slots=True)
class SamplingConfig:
    """What to ask the model, and how often.

    Attributes:
        model: the model (or Azure deployment) name.
        runs: answers per item (the cookbook uses 3, for a mean and a spread).
        reasoning_effort: for reasoning models: ``minimal``, ``low``, ``medium`` or ``high``.
        temperature: the sampling temperature (reasoning models accept only the default).
        max_completion_tokens: the completion-token ceiling, reasoning tokens included.
        seed: run ``r`` sends ``seed + r`` (see ``run_seed``);
            ``None`` sends no seed.
        response_format: a chat-completions ``response_format`` (e.g. the job's JSON schema).
    """

    model: str
    runs: int = 1
    reasoning_effort: str | None = None
    temperature: float | None = None
    max_completion_tokens: int | None = None
    seed: int | None = None
    response_format: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if not self.model:
            raise SamplingError("model must be a non-empty model or deployment name")
        if self.runs < 1:
            raise SamplingError(f"runs={self.runs} must be at least 1")
        if self.reasoning_effort is not None and self.reasoning_effort not in REASONING_EFFORTS:
            raise SamplingError(
                f"reasoning_effort={self.reasoning_effort!r} is not one of "
                + ", ".join(repr(e) for e in REASONING_EFFORTS)
            )
        if self.max_completion_tokens is not None and self.max_completion_tokens < 1:
            raise SamplingError(f"max_completion_tokens={self.max_completion_tokens} must be >= 1")


def run_seed(seed: int | None, run: int) -> int | None:
    """The ``seed`` sent for run ``run``: ``seed + run``, so runs are distinct draws that a
    re-run reproduces where the server honours seeds, and distinct requests for the reply cache.

    Examples:
        >>> run_seed(0, 2), run_seed(None, 2)
        (2, None)
    """
    return None if seed is None else seed + run


def sampling_request(item: Mapping[str, Any], config: SamplingConfig, run: int) -> dict[str, Any]:
    """The chat-completions body for one (item, run).

    Raises:
        DataError: when the item has no non-empty ``messages`` list.
    """
    messages = item.get("messages")
    if not isinstance(messages, list) or not messages:
        raise DataError("the item has no 'messages' list (RFT rows need one)")
    body: dict[str, Any] = {"model": config.model, "messages": messages}
    if isinstance(item.get("tools"), list) and item["tools"]:
        body["tools"] = item["tools"]
    optional = {
        "reasoning_effort": config.reasoning_effort,
        "temperature": config.temperature,
        "max_completion_tokens": config.max_completion_tokens,
        "seed": run_seed(config.seed, run),
        "response_format": None if config.response_format is None else dict(config.response_format),
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    return body


@dataclass(slots=True)
class SamplingReport:
    """What a sampling run did.

    Attributes:
        written: predictions appended to the output.
        skipped: ``(id, run)`` pairs already in the output.
        failed: ``(id, run, details)`` of requests that failed after every retry.
        usage: summed ``prompt_tokens``, ``completion_tokens``, ``cached_tokens`` of new answers.
        cost: their price in US dollars at the engine's prices (``None``: no price for the
            model, e.g. a self-hosted one or an Azure deployment name).
    """

    written: int = 0
    skipped: int = 0
    failed: list[tuple[str, int, str]] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    cost: float | None = 0.0

    def lines(self) -> list[str]:
        """A short text summary."""
        out = [f"written {self.written}, already there {self.skipped}, failed {len(self.failed)}"]
        if self.usage:
            cost = (
                "cost unknown (no price for the model)"
                if self.cost is None
                else (f"cost ${self.cost:,.4f}")
            )
            out.append(", ".join(f"{k} {v:,}" for k, v in self.usage.items()) + f"; {cost}")
        out += [f"  failed {ident} run {run}: {details}" for ident, run, details in self.failed]
        return out


def completed_pairs(path: str | Path, *, key: str = "id") -> set[tuple[str, int]]:
    """The ``(id, run)`` pairs already in a predictions file.

    A last line without its newline was cut short by a crash: it is removed from the file
    when it is not valid JSON (so its pair is asked again) and completed with a newline when
    it is.

    Raises:
        DataError: for a malformed complete line.
    """
    target = Path(path)
    if not is_regular(target):  # missing, or a device such as /dev/null: nothing to resume
        return set()
    _repair_tail(target)
    done: set[tuple[str, int]] = set()
    for row in read_jsonl(target):
        if key in row:
            run = row.get("run")
            done.add((str(row[key]), run if isinstance(run, int) else 0))
    return done


def _repair_tail(path: Path) -> None:
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return
    cut = data.rfind(b"\n") + 1
    try:
        whole = isinstance(json.loads(data[cut:]), dict)
    except ValueError:
        whole = False
    with open(path, "r+b") as handle:
        if whole:
            handle.seek(0, 2)
            handle.write(b"\n")
        else:
            handle.truncate(cut)


def _pending(
    items: Iterable[Mapping[str, Any]], runs: int, key: str, done: set[tuple[str, int]]
) -> Iterator[tuple[str, int, Mapping[str, Any]]]:
    seen: set[str] = set()
    for number, item in enumerate(items, 1):
        if key not in item:
            raise DataError(f"item {number} has no {key!r} field (pass key= to name the id field)")
        ident = str(item[key])
        if ident in seen:
            raise DataError(f"item {number}: {key}={ident!r} appears twice")
        seen.add(ident)
        for run in range(runs):
            if (ident, run) not in done:
                yield ident, run, item


def _line(key: str, ident: str, run: int, reply: ChatReply) -> dict[str, Any]:
    row: dict[str, Any] = {key: ident, "run": run, "output_text": reply.content or ""}
    if reply.refusal:
        row["refusal"] = reply.refusal
    row["model"] = reply.model
    row["finish_reason"] = reply.finish_reason
    if reply.usage is not None:
        row.update(reply.usage.to_dict())
    return row


async def asample(
    items: Iterable[Mapping[str, Any]],
    config: SamplingConfig,
    *,
    engine: ModelEngine,
    out: str | Path,
    key: str = "id",
    progress: Callable[[int, int], None] | None = None,
) -> SamplingReport:
    """Ask ``engine``'s server for ``config.runs`` answers per item, appending to ``out``.

    Args:
        items: RFT rows (``messages`` plus an id field named ``key``).
        config: the model and sampling parameters.
        engine: the engine to send through (close it yourself, in this event loop).
        out: the predictions JSONL (created, or resumed).
        key: the id field of the items (written under the same name).
        progress: called with ``(finished, total)`` after each answer.

    Raises:
        SamplingError: when a reply cache would give every run the same answer (no seed).
        DataError: for an item without ``messages`` or ``key``, or a duplicate id.
    """
    cached = engine.cache is not None or engine.cassette is not None
    if config.runs > 1 and config.seed is None and cached:
        raise SamplingError(
            "with a reply cache or cassette every run sends the same request and would get "
            "run 0's answer: set a seed (run r then sends seed + r) or sample without a cache"
        )
    done = completed_pairs(out, key=key)
    todo = list(_pending(items, config.runs, key, done))
    report = SamplingReport(skipped=len(done))
    spent = engine.ledger.total.cost
    with writing(out):
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        await _sample_into(out, todo, config, engine, key, report, progress)
    after = engine.ledger.total.cost
    report.cost = None if spent is None or after is None else after - spent
    return report


async def _sample_into(
    out: str | Path,
    todo: list[tuple[str, int, Mapping[str, Any]]],
    config: SamplingConfig,
    engine: ModelEngine,
    key: str,
    report: SamplingReport,
    progress: Callable[[int, int], None] | None,
) -> None:
    with open(out, "a", encoding="utf-8") as sink:
        work = iter(todo)

        async def worker() -> None:
            for ident, run, item in work:
                outcome = await engine.complete(sampling_request(item, config, run), grader="")
                _record(report, sink, key, ident, run, outcome)
                if progress is not None:
                    progress(report.written + len(report.failed), len(todo))

        await asyncio.gather(*(worker() for _ in range(max(1, min(engine.concurrency, len(todo))))))


def _record(
    report: SamplingReport,
    sink: Any,
    key: str,
    ident: str,
    run: int,
    outcome: ChatReply | ChatFailure,
) -> None:
    if isinstance(outcome, ChatFailure):
        report.failed.append((ident, run, outcome.details))
        return
    row = _line(key, ident, run, outcome)
    sink.write(json.dumps(row, ensure_ascii=False) + "\n")
    sink.flush()
    report.written += 1
    for name in ("prompt_tokens", "completion_tokens", "cached_tokens"):
        if isinstance(row.get(name), int):
            report.usage[name] = report.usage.get(name, 0) + row[name]


def sample(
    items: Iterable[Mapping[str, Any]],
    config: SamplingConfig,
    *,
    out: str | Path,
    engine: ModelEngine | None = None,
    key: str = "id",
    progress: Callable[[int, int], None] | None = None,
) -> SamplingReport:
    """``asample`` from synchronous code.

    ``engine`` defaults to ``ModelEngine.from_env()`` (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``
    or the Azure variables); it is closed before returning.

    Examples:
        >>> import tempfile, os
        >>> from graderkit.testing.fake_openai import FakeOpenAI, ChatCompletion
        >>> from graderkit import ModelEngine
        >>> out = os.path.join(tempfile.mkdtemp(), "predictions.jsonl")
        >>> items = [{"id": "q1", "messages": [{"role": "user", "content": "2+2?"}]}]
        >>> with FakeOpenAI(chat=lambda request: ChatCompletion("4")) as server:
        ...     engine = ModelEngine.from_env(base_url=server.base_url, api_key="sk-test")
        ...     report = sample(items, SamplingConfig("o4-mini", runs=2), out=out, engine=engine)
        >>> lines = Path(out).read_text().splitlines()
        >>> report.written, [json.loads(line)["output_text"] for line in lines]
        (2, ['4', '4'])
    """
    if engine is None:
        from graderkit._run.judge.engine import ModelEngine

        engine = ModelEngine.from_env()
    used = engine

    async def main() -> SamplingReport:
        try:
            return await asample(items, config, engine=used, out=out, key=key, progress=progress)
        finally:
            await used.aclose()

    return asyncio.run(main())
