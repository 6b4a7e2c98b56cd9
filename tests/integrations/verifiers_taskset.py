"""A verifiers.v1 taskset graded by graderkit: verifiers' own loader imports it by id
(``verifiers_taskset``) in test_verifiers_v1.py, which checks every reward against gk.grade."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import verifiers.v1 as vf  # type: ignore[import-untyped]

import graderkit as gk
from graderkit.integrations.verifiers import graded_by

FUZZY = gk.text_similarity("{{ sample.output_text }}", "{{ item.answer }}", name="fuzzy")
EXACT = gk.string_check("{{ sample.output_text }}", "{{ item.answer }}", name="exact")
CLINICAL = gk.multi(0.85 * FUZZY + 0.15 * EXACT, name="clinical")
STAMPED = gk.python_grader(
    "def grade(sample, item):\n"
    "    asked = item['prompt'] if isinstance(item['prompt'], str) else item['prompt'][-1]['content']\n"
    "    fresh = item['created'].startswith('2026-')\n"
    "    return 0.5 * fresh + 0.5 * (asked in sample['output_text'])\n",
    name="stamped",
)
JUDGE = gk.score_model(
    "Score {{ sample.output_text }} against {{ item.answer }}.", model="gpt-4.1-mini", name="judge"
)
RUNNER = gk.Runner(concurrency=8)
"""The judge's engine is built from OPENAI_BASE_URL / OPENAI_API_KEY on first use."""

CREATED = datetime.datetime(2026, 1, 6, 9, 30)
ROWS: list[dict[str, Any]] = [
    {"prompt": "q1", "answer": "sepsis"},
    {"prompt": "q2", "answer": "sepsis"},
    {"prompt": [{"role": "user", "content": "q3"}], "answer": "acute appendicitis"},
    {"prompt": [{"role": "user", "content": "q4"}], "answer": "gout"},
]
REPLIES = {"q1": "sepsis", "q2": "sepsiss (q2)", "q3": "appendicitis", "q4": "pseudogout"}
"""What the fake policy answers to each prompt."""


class ClinicalData(vf.TaskData):  # type: ignore[misc]
    answer: str
    created: datetime.datetime


@graded_by(CLINICAL, runner=RUNNER)
@graded_by(STAMPED, runner=RUNNER)
@graded_by(JUDGE, runner=RUNNER)
class ClinicalTask(vf.Task[ClinicalData]):  # type: ignore[misc]
    """Scored only by graderkit's rewards: fuzzy (0.85), exact (0.15), stamped, judge."""


class ClinicalTaskset(vf.Taskset[ClinicalTask]):  # type: ignore[misc]
    def load(self) -> Iterator[ClinicalTask]:
        for row in ROWS:
            yield ClinicalTask(ClinicalData(**row, created=CREATED), self.config.task)


__all__ = ["ClinicalTaskset"]
