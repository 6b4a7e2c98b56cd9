"""Shared data for the graderkit.testing tests: the bundled clinical example and the broken
graders, loaded from their files (they are not packages)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLINICAL = ROOT / "examples" / "clinical"


def load_module(path: Path, name: str) -> ModuleType:
    """Import a file as a module (cached in sys.modules under ``name``)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def clinical() -> ModuleType:
    """examples/clinical/graders.py."""
    return load_module(CLINICAL / "graders.py", "graderkit_test_clinical_graders")


@pytest.fixture(scope="session")
def broken() -> ModuleType:
    """tests/fixtures/broken_graders.py."""
    return load_module(ROOT / "tests" / "fixtures" / "broken_graders.py", "broken_graders")


@pytest.fixture(scope="session")
def items() -> list[dict[str, Any]]:
    """The 36 clinical items."""
    return [json.loads(line) for line in (CLINICAL / "items.jsonl").read_text().splitlines()]


@pytest.fixture(scope="session")
def predictions() -> list[dict[str, Any]]:
    """The 108 canned predictions (id, run, output_text, kind)."""
    lines = (CLINICAL / "predictions.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]
