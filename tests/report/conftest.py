"""Fixtures for the report tests (helpers live in report_data.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from report_data import ITEMS, PREDICTIONS, clinical_graders, read_lines, write_results

import graderkit as gk


@pytest.fixture(scope="session")
def clinical_items() -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in read_lines(ITEMS)}


@pytest.fixture(scope="session")
def clinical_predictions() -> list[dict[str, Any]]:
    return read_lines(PREDICTIONS)


@pytest.fixture(scope="session")
def clinical_results(
    tmp_path_factory: pytest.TempPathFactory,
    clinical_items: dict[str, dict[str, Any]],
    clinical_predictions: list[dict[str, Any]],
) -> tuple[Path, list[gk.GradeResult]]:
    """The clinical_local multi graded over the 108 bundled predictions."""
    path = tmp_path_factory.mktemp("results") / "results.jsonl"
    grader = clinical_graders().clinical_local
    return path, write_results(path, grader, clinical_predictions, clinical_items)
