"""Reading datasets and predictions (JSONL) and pairing them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from graderkit.errors import GraderkitError

__all__ = ["DataError", "pair_predictions", "read_jsonl"]


class DataError(GraderkitError, ValueError):
    """A data file is malformed; the message names the file and the line."""


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield one JSON object per non-blank line; errors name the file and the line number."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise DataError(
                    f"{path}:{number}: expected a JSON object, got {type(row).__name__}"
                )
            yield row


def pair_predictions(
    items: Mapping[str, Mapping[str, Any]],
    predictions: Iterator[Mapping[str, Any]],
    *,
    key: str = "id",
    text_field: str = "output_text",
) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]]]:
    """Yield ``(sample, item, prediction)`` for each prediction, joined on ``key``."""
    for number, pred in enumerate(predictions, 1):
        ident = pred.get(key)
        if ident not in items:
            raise DataError(f"prediction {number}: {key}={ident!r} is not in the items file")
        if text_field not in pred:
            raise DataError(f"prediction {number}: missing {text_field!r}")
        sample = pred.get("sample") or {"output_text": pred[text_field]}
        yield sample, items[str(ident)], pred
