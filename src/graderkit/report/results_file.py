"""Reading a results file: one graded (item, run) per line.

A results file is what ``graderkit grade --out`` writes: one JSON object per line holding a
``graders/run``-shaped result (``reward``, ``metadata``, ``sub_rewards``,
``model_grader_token_usage_per_model``) plus the join key (``"id"`` by default) and ``"run"``.
Lines may also carry ``output_text`` (the prediction) and ``reference``; when they do not, the
report can take them from the items and predictions files
(``TextLookup``).

Examples:
    >>> row = parse_row({"id": "q1", "run": 2, "reward": 0.5, "sub_rewards": {"fuzzy": 0.5},
    ...                  "metadata": {"errors": {"other_error": False}}}, number=1)
    >>> row.id, row.run, row.reward, row.flags, dict(row.sub_rewards)
    ('q1', 2, 0.5, (), {'fuzzy': 0.5})
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graderkit._core.datasets.runs import RunNumbers
from graderkit._run.datasets.data_files import DataError, read_jsonl
from graderkit.errors import DETAILS_KEYS

__all__ = ["ResultRow", "TextLookup", "parse_row", "read_results"]

Usage = Mapping[str, Mapping[str, int]]
"""Model name -> token counts (``prompt_tokens``, ``completion_tokens``, ...)."""


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One graded (item, run): the figures a report needs, nothing more.

    Attributes:
        id: the item's key (as a string).
        run: the run number (0 when the line has none).
        reward: the reward.
        flags: the raised error flags, in the file's order.
        details: the first non-empty ``*_details`` text, else ``None``.
        sub_rewards: a multi's child rewards, keyed like the formula's variables.
        usage: the grader's token use per judge model.
        name: the grader's name (``metadata.name``).
        type: the grader's type (``metadata.type``).
        output_text: the graded prediction, when known.
        reference: the item's reference answer, when known.
        extra: usage figures of the prediction itself (``completion_tokens``...), when known.
        passed: ``reward >= pass_threshold`` when the grader has a pass rule, else ``None``.
    """

    id: str
    run: int
    reward: float
    flags: tuple[str, ...] = ()
    details: str | None = None
    sub_rewards: Mapping[str, float] = field(default_factory=dict)
    usage: Usage = field(default_factory=dict)
    name: str = ""
    type: str = ""
    output_text: str | None = None
    reference: str | None = None
    extra: Mapping[str, int] = field(default_factory=dict)
    passed: bool | None = None

    @property
    def errored(self) -> bool:
        """True when any error flag is raised."""
        return bool(self.flags)


def _flags(errors: Mapping[str, Any]) -> tuple[tuple[str, ...], str | None]:
    raised = tuple(k for k, v in errors.items() if v is True)
    details = None
    for flag in raised:
        text = errors.get(DETAILS_KEYS.get(flag, f"{flag}_details"))
        if isinstance(text, str) and text:
            details = text
            break
    return raised, details


def _usage(line: Mapping[str, Any], metadata: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    per_model = line.get("model_grader_token_usage_per_model")
    if isinstance(per_model, Mapping) and per_model:
        return {str(m): _counts(u) for m, u in per_model.items() if isinstance(u, Mapping)}
    usage, model = metadata.get("token_usage"), metadata.get("sampled_model_name")
    if isinstance(usage, Mapping) and model:
        return {str(model): _counts(usage)}
    return {}


def _counts(usage: Mapping[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in usage.items() if isinstance(v, int) and not isinstance(v, bool)}


def _number(value: Any, what: str, number: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise DataError(f"line {number}: {what} is {value!r}, not a number")
    return float(value)


def parse_row(line: Mapping[str, Any], *, number: int, key: str = "id") -> ResultRow:
    """One results line as a ``ResultRow``.

    Raises:
        DataError: when ``reward`` is missing or not a number.
    """
    metadata = line.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    errors = metadata.get("errors")
    flags, details = _flags(errors if isinstance(errors, Mapping) else {})
    subs = line.get("sub_rewards")
    sample = line.get("sample")
    text = line.get("output_text")
    if text is None and isinstance(sample, Mapping):
        text = sample.get("output_text")
    run = line.get("run")
    return ResultRow(
        id=str(line[key]) if key in line else f"line {number}",
        run=run if isinstance(run, int) and not isinstance(run, bool) else 0,
        reward=_number(line.get("reward"), "reward", number),
        flags=flags,
        details=details,
        sub_rewards={
            str(k): float(v)
            for k, v in (subs.items() if isinstance(subs, Mapping) else ())
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        },
        usage=_usage(line, metadata),
        name=str(metadata.get("name") or ""),
        type=str(metadata.get("type") or ""),
        output_text=text if isinstance(text, str) else None,
        reference=_text(line.get("reference")),
        passed=line["passed"] if isinstance(line.get("passed"), bool) else None,
    )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def read_results(
    path: str | Path, *, key: str = "id", lookup: TextLookup | None = None
) -> Iterator[ResultRow]:
    """Stream the rows of a results file (constant memory), filling in text from ``lookup``.

    Raises:
        DataError: for a line that is not a JSON object or lacks a numeric ``reward``; the
            message names the file and the line.
    """
    for number, line in enumerate(read_jsonl(path), 1):
        try:
            row = parse_row(line, number=number, key=key)
        except DataError as exc:
            raise DataError(f"{path}: {exc}") from None
        yield row if lookup is None else lookup.fill(row)


PRED_USAGE = ("prompt_tokens", "completion_tokens", "reasoning_tokens", "total_tokens")
"""Usage fields of a predictions line (``graderkit sample`` writes them) a report sums."""


@dataclass(frozen=True, slots=True)
class TextLookup:
    """Predictions and references to show beside results that lack them.

    Attributes:
        predictions: ``(id, run)`` -> the predictions line.
        references: ``id`` -> the reference text.
    """

    predictions: Mapping[tuple[str, int], Mapping[str, Any]] = field(default_factory=dict)
    references: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        *,
        items: str | Path | None = None,
        samples: str | Path | None = None,
        key: str = "id",
        reference_field: str = "reference_answer",
    ) -> TextLookup:
        """Read an items file (its ``reference_field``) and a predictions file (keyed by
        ``key`` and ``run``). Items without the field show their non-message keys as JSON."""
        refs: dict[str, str] = {}
        for row in read_jsonl(items) if items is not None else ():
            if key in row:
                refs[str(row[key])] = _reference(row, reference_field, key)
        preds: dict[tuple[str, int], Mapping[str, Any]] = {}
        numbers = RunNumbers(runs=1)  # the numbering `graderkit grade` gives, so lines pair up
        for row in read_jsonl(samples) if samples is not None else ():
            if key in row:
                ident = str(row[key])
                for run in numbers.assign(ident, row):
                    preds[(ident, run)] = row
        return cls(preds, refs)

    def fill(self, row: ResultRow) -> ResultRow:
        """``row`` with missing text (and prediction usage) taken from this lookup."""
        pred = self.predictions.get((row.id, row.run))
        text = row.output_text
        extra: dict[str, int] = {}
        if pred is not None:
            if text is None and isinstance(pred.get("output_text"), str):
                text = pred["output_text"]
            extra = {k: pred[k] for k in PRED_USAGE if isinstance(pred.get(k), int)}
        reference = row.reference if row.reference is not None else self.references.get(row.id)
        return replace(row, output_text=text, reference=reference, extra=extra or row.extra)


def _reference(row: Mapping[str, Any], field_name: str, key: str) -> str:
    value = row.get(field_name)
    if isinstance(value, str):
        return value
    if value is not None:
        return json.dumps(value, ensure_ascii=False)
    rest = {k: v for k, v in row.items() if k not in ("messages", "tools", key)}
    return json.dumps(rest, ensure_ascii=False)
