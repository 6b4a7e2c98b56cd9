"""Golden results from the service, and replaying them against the local runner.

``graders/run`` is the only exact oracle for graderkit's numbers, and it is going away. A user
who can still reach it (OpenAI, or Azure's copy of the service) records a sample set with
``record``: one JSONL line per case,

    {"grader": {...}, "model_sample": "...", "item": {...}, "response": {...graders/run...}}

and anyone can later replay the file with ``check``, which grades
each case locally and reports every difference
(``response_mismatches``: the reward to 1e-9, the
raised error flags, the sub-rewards). A golden file is also a test fixture:
``graderkit.testing.parity.assert_matches_golden(path)``.

Examples:
    >>> case = GoldenCase(
    ...     grader={"type": "string_check", "name": "s", "operation": "eq",
    ...             "input": "{{sample.output_text}}", "reference": "{{item.answer}}"},
    ...     model_sample="yes", item={"answer": "yes"},
    ...     response={"reward": 1.0, "metadata": {"errors": {"other_error": False}}})
    >>> check([case]).ok
    True
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from graderkit._core.graders.models import GraderBase
from graderkit._core.graders.wire import from_openai, to_openai
from graderkit._core.results.grade_result import GradeResult
from graderkit._run.datasets.data_files import DataError, read_jsonl
from graderkit._run.datasets.file_errors import is_regular, writing
from graderkit.errors import GraderkitError

if TYPE_CHECKING:
    from graderkit._run.runner import Runner
    from graderkit._run.workflow.service_calls import ServiceClient

__all__ = [
    "TOLERANCE",
    "GoldenCase",
    "Mismatch",
    "ParityReport",
    "RecordReport",
    "arecord",
    "check",
    "read_golden",
    "record",
    "response_mismatches",
]

TOLERANCE = 1e-9
"""The largest reward difference counted as equal (absolute)."""
RUN_PATH = "/fine_tuning/alpha/graders/run"


@dataclass(frozen=True, slots=True)
class GoldenCase:
    """One recorded ``graders/run`` call: the request and the service's response.

    Attributes:
        grader: the grader JSON sent.
        model_sample: the ``model_sample`` string sent.
        item: the ``item`` sent.
        response: what the service answered.
        extra: any other fields of the line (``service``, ``source``, ``note``...), kept.
    """

    grader: Mapping[str, Any]
    model_sample: str
    item: Mapping[str, Any] = field(default_factory=dict)
    response: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GoldenCase:
        """From one golden line.

        Raises:
            DataError: when a required field is missing or mistyped.
        """
        grader, sample, response = (
            data.get("grader"),
            data.get("model_sample"),
            data.get("response"),
        )
        if not isinstance(grader, Mapping) or not isinstance(sample, str):
            raise DataError(
                "a golden line needs 'grader' (an object) and 'model_sample' (a string)"
            )
        if not isinstance(response, Mapping) or "reward" not in response:
            raise DataError("a golden line needs 'response' with a 'reward'")
        item = data.get("item") or {}
        rest = {
            k: v for k, v in data.items() if k not in ("grader", "model_sample", "item", "response")
        }
        return cls(grader, sample, item, response, rest)

    def to_dict(self) -> dict[str, Any]:
        """The golden line."""
        return {
            "grader": dict(self.grader),
            "model_sample": self.model_sample,
            "item": dict(self.item),
            "response": dict(self.response),
            **self.extra,
        }

    def key(self) -> str:
        """Identifies the request (grader, sample, item), to skip cases already recorded."""
        return json.dumps([self.grader, self.model_sample, self.item], sort_keys=True)


def read_golden(path: str | Path) -> list[GoldenCase]:
    """The cases of a golden JSONL file.

    Raises:
        DataError: naming the file and line of a malformed case.
    """
    cases = []
    for number, row in enumerate(read_jsonl(path), 1):
        try:
            cases.append(GoldenCase.from_dict(row))
        except DataError as exc:
            raise DataError(f"{path}:{number}: {exc}") from None
    return cases


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One difference between the service's response and the local result.

    Attributes:
        case: the case's 1-based position in the golden file.
        field: ``reward``, ``errors``, ``sub_rewards.<key>`` or ``grader``.
        expected: the service's value; ``actual`` graderkit's.
        grader: the grader's label.
    """

    case: int
    field: str
    expected: Any
    actual: Any
    grader: str = ""

    def __str__(self) -> str:
        return (
            f"case {self.case} ({self.grader}): {self.field} is {self.actual!r} locally, "
            f"{self.expected!r} on the service"
        )


def _raised(errors: Mapping[str, Any]) -> set[str]:
    return {k for k, v in errors.items() if v is True}


def response_mismatches(
    expected: Mapping[str, Any], actual: GradeResult, *, tolerance: float = TOLERANCE
) -> list[tuple[str, Any, Any]]:
    """Where a local result differs from a recorded ``graders/run`` response.

    Parity rule: the rewards must agree within ``tolerance`` (absolute); the sets of raised
    error flags must be equal, when the response reports ``metadata.errors`` (observations that
    only kept a score have none); each ``sub_rewards`` key the response reports must exist
    locally with a reward within ``tolerance``. Names, timings, token counts and the details
    text are not compared (they legitimately differ).

    Returns:
        ``(field, expected, actual)`` triples; empty when the result matches.
    """
    found: list[tuple[str, Any, Any]] = []
    reward = expected.get("reward")
    if not isinstance(reward, (int, float)) or not math.isclose(
        float(reward), actual.reward, rel_tol=0.0, abs_tol=tolerance
    ):
        found.append(("reward", reward, actual.reward))
    metadata = expected.get("metadata")
    errors = metadata.get("errors") if isinstance(metadata, Mapping) else None
    if isinstance(errors, Mapping):
        want, got = _raised(errors), set(actual.errors)
        if want != got:
            found.append(("errors", sorted(want), sorted(got)))
    subs = expected.get("sub_rewards")
    for key, value in subs.items() if isinstance(subs, Mapping) else ():
        local = actual.sub_rewards.get(key)
        if local is None or not math.isclose(float(value), local, rel_tol=0.0, abs_tol=tolerance):
            found.append((f"sub_rewards.{key}", value, local))
    return found


@dataclass(frozen=True)
class ParityReport:
    """The outcome of replaying golden cases.

    Attributes:
        checked: cases graded locally; ``matched`` those with no difference.
        mismatches: every difference found.
        skipped: ``(case, reason)`` for cases not graded (model graders, unless asked).
    """

    checked: int
    matched: int
    mismatches: tuple[Mismatch, ...]
    skipped: tuple[tuple[int, str], ...] = ()

    @property
    def ok(self) -> bool:
        """True when no case differs (skipped cases are listed separately)."""
        return not self.mismatches

    def lines(self) -> list[str]:
        """A text report."""
        out = [
            f"checked {self.checked}, matched {self.matched}, mismatched "
            f"{self.checked - self.matched}, skipped {len(self.skipped)}"
        ]
        out += [f"  {m}" for m in self.mismatches]
        out += [f"  case {case} skipped: {why}" for case, why in self.skipped]
        return out


def _needs_model(grader: GraderBase) -> bool:
    if grader.type in ("score_model", "label_model"):
        return True
    children = getattr(grader, "graders", None)
    return isinstance(children, Mapping) and any(_needs_model(g) for g in children.values())


def check(
    cases: Iterable[GoldenCase] | str | Path,
    *,
    runner: Runner | None = None,
    tolerance: float = TOLERANCE,
    include_models: bool = False,
) -> ParityReport:
    """Grade every golden case locally and compare with the recorded response.

    Args:
        cases: the cases, or a golden JSONL file.
        runner: the runner to grade with (default: graderkit's default runner).
        tolerance: see ``response_mismatches``.
        include_models: also grade cases with a model grader (they call a judge model through
            the runner, whose replies vary; by default such cases are skipped and listed).
    """
    from graderkit._run.default_runner import default_runner

    run = runner or default_runner()
    loaded = read_golden(cases) if isinstance(cases, (str, Path)) else list(cases)
    mismatches: list[Mismatch] = []
    skipped: list[tuple[int, str]] = []
    checked = matched = 0
    for number, case in enumerate(loaded, 1):
        try:
            grader = from_openai(dict(case.grader))
        except GraderkitError as exc:
            checked += 1
            mismatches.append(Mismatch(number, "grader", "accepted", f"rejected: {exc}"))
            continue
        if _needs_model(grader) and not include_models:
            skipped.append((number, "has a model grader (include_models=True to grade it)"))
            continue
        checked += 1
        result = run.grade(grader, case.model_sample, case.item)
        found = response_mismatches(case.response, result, tolerance=tolerance)
        mismatches += [Mismatch(number, f, e, a, grader.label) for f, e, a in found]
        matched += not found
    return ParityReport(checked, matched, tuple(mismatches), tuple(skipped))


@dataclass(slots=True)
class RecordReport:
    """What a recording did: cases ``written``, ``skipped`` (already there) and ``failed``."""

    written: int = 0
    skipped: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A text report."""
        out = [f"recorded {self.written}, already there {self.skipped}, failed {len(self.failed)}"]
        return out + [f"  case {n}: {why}" for n, why in self.failed]


async def arecord(
    grader: GraderBase,
    samples: Iterable[tuple[str, Mapping[str, Any] | None]],
    *,
    client: ServiceClient,
    out: str | Path,
    concurrency: int = 4,
    extra: Mapping[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RecordReport:
    """Send each ``(model_sample, item)`` with ``grader`` to the service's ``graders/run`` and
    append the golden lines to ``out`` (cases already in ``out`` are skipped).

    The lines are written in the order of ``samples`` whatever order the calls finish in
    (``concurrency`` calls are in flight), so ``check`` numbers the same case the same way on
    every recording; a failed call is left out (and recorded by the next run, at the end).
    """
    from graderkit._run.workflow.service_calls import ServiceError

    wire = to_openai(grader, "fine_tuning")
    done = {c.key() for c in read_golden(out)} if is_regular(Path(out)) else set()
    todo: list[tuple[int, GoldenCase]] = []
    report = RecordReport()
    for number, (text, item) in enumerate(samples, 1):
        case = GoldenCase(wire, text, dict(item or {}), {}, dict(extra or {}))
        if case.key() in done:
            report.skipped += 1
        else:
            todo.append((number, case))
    work = iter(enumerate(todo))
    with writing(out), open(out, "a", encoding="utf-8") as sink:
        lines = _InOrder(sink)

        async def worker() -> None:
            for position, (number, case) in work:
                body = {"grader": case.grader, "model_sample": case.model_sample, "item": case.item}
                try:
                    response = await client.post(RUN_PATH, body)
                except ServiceError as exc:
                    report.failed.append((number, str(exc)))
                    lines.put(position, None)
                else:
                    got = GoldenCase(
                        case.grader, case.model_sample, case.item, response, case.extra
                    )
                    lines.put(position, json.dumps(got.to_dict(), ensure_ascii=False) + "\n")
                    report.written += 1
                if progress is not None:
                    progress(report.written + len(report.failed), len(todo))

        await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(todo))))))
    report.failed.sort()
    return report


class _InOrder:
    """Writes the golden lines in input order whatever order the workers finish in.

    A finished line waits until every earlier case is finished (written, or failed and left
    out), so a golden file's case numbers never depend on timing; each line is flushed as soon
    as it can be, so an interrupted recording keeps a prefix.
    """

    def __init__(self, sink: IO[str]) -> None:
        self.sink = sink
        self.waiting: dict[int, str | None] = {}
        self.next = 0

    def put(self, position: int, line: str | None) -> None:
        """Case ``position`` (0-based) is done: ``line`` is its golden line, ``None`` failed."""
        self.waiting[position] = line
        while self.next in self.waiting:
            text = self.waiting.pop(self.next)
            if text is not None:
                self.sink.write(text)
                self.sink.flush()
            self.next += 1


def record(
    grader: GraderBase,
    samples: Sequence[tuple[str, Mapping[str, Any] | None]],
    *,
    out: str | Path,
    client: ServiceClient | None = None,
    **options: Any,
) -> RecordReport:
    """``arecord`` from synchronous code (the client defaults
    to ``ServiceClient.from_env()`` and is closed afterwards)."""
    if client is None:
        from graderkit._run.workflow.service_calls import ServiceClient

        client = ServiceClient.from_env()
    used = client

    async def main() -> RecordReport:
        try:
            return await arecord(grader, samples, client=used, out=out, **options)
        finally:
            await used.aclose()

    return asyncio.run(main())
