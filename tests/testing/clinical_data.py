"""Shared data for the graderkit.testing tests: the bundled clinical example and the broken
graders, loaded from their files (they are not packages).

A plain module, not a conftest.py: the suite runs with --doctest-modules, which imports every
conftest.py as a module named ``conftest``, so a second one would clash.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CLINICAL_DIR = ROOT / "examples" / "clinical"


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


CLINICAL = load_module(CLINICAL_DIR / "graders.py", "graderkit_test_clinical_graders")
"""examples/clinical/graders.py."""

BROKEN = load_module(ROOT / "tests" / "fixtures" / "broken_graders.py", "broken_graders")
"""tests/fixtures/broken_graders.py."""

ITEMS: list[dict[str, Any]] = [
    json.loads(line) for line in (CLINICAL_DIR / "items.jsonl").read_text().splitlines()
]
"""The 36 clinical items."""

PREDICTIONS: list[dict[str, Any]] = [
    json.loads(line) for line in (CLINICAL_DIR / "predictions.jsonl").read_text().splitlines()
]
"""The 108 canned predictions (id, run, output_text, kind)."""
