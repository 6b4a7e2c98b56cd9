"""Helpers for the report tests: results files graded for real from the bundled clinical example."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import graderkit as gk

ROOT = Path(__file__).resolve().parents[2]
CLINICAL = ROOT / "examples" / "clinical"
ITEMS = CLINICAL / "items.jsonl"
PREDICTIONS = CLINICAL / "predictions.jsonl"


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def clinical_graders() -> Any:
    spec = importlib.util.spec_from_file_location("clinical_graders", CLINICAL / "graders.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_results(
    path: Path,
    grader: gk.GraderBase,
    predictions: Iterable[Mapping[str, Any]],
    items: Mapping[str, Mapping[str, Any]],
    *,
    with_text: bool = False,
) -> list[gk.GradeResult]:
    """Grade predictions and write the results file the batch engine writes: one line per
    (item, run) = GradeResult.to_dict() plus "id" and "run"."""
    preds = list(predictions)
    results = list(
        gk.grade_many(grader, [p["output_text"] for p in preds], [items[p["id"]] for p in preds])
    )
    with path.open("w", encoding="utf-8") as out:
        for pred, result in zip(preds, results, strict=True):
            line = {"id": pred["id"], "run": pred["run"], **result.to_dict()}
            if with_text:
                line["output_text"] = pred["output_text"]
            out.write(json.dumps(line) + "\n")
    return results
