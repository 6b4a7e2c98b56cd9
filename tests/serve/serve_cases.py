"""What the serve tests share: graders, keys and the spec's golden examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import graderkit as gk

SPEC = Path(__file__).parent.parent / "fixtures" / "spec-examples"
JUDGE_KEY = "sk-judge-secret-0123456789"
SERVER_KEY = "gk-server-key-abcdefghij"

fuzzy = gk.text_similarity("{{ sample.output_text }}", "{{ item.reference_answer }}", name="fuzzy")
exact = gk.string_check("{{ sample.output_text }}", "{{ item.reference_answer }}", name="exact")
CLINICAL = gk.multi(0.85 * fuzzy + 0.15 * exact, name="clinical")


def spec_example(name: str) -> dict[str, Any]:
    """One golden grader JSON from the spec's examples."""
    data: dict[str, Any] = json.loads((SPEC / name).read_text())
    return data


def observed_python() -> gk.GraderBase:
    """The python grader of the service's observed ``graders/run`` result (reward 0.7556)."""
    lines = (SPEC.parent / "golden" / "observed.jsonl").read_text().splitlines()
    return next(gk.from_openai(c["grader"]) for c in map(json.loads, lines)
                if c["grader"]["type"] == "python")  # fmt: skip


def slow(sample: dict[str, Any], item: dict[str, Any]) -> float:
    import time

    time.sleep(5)
    return 1.0
