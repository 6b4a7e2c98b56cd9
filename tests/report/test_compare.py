"""Base vs fine-tuned: pairing, deltas and the interval, checked against plain recomputation."""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_data import ITEMS, clinical_graders, write_results

from graderkit.report.compare import compare_results, compare_summaries
from graderkit.report.results_file import ResultRow
from graderkit.report.results_summary import summarize_rows

ids = [f"q{i}" for i in range(10)]
side = st.dictionaries(
    st.sampled_from(ids), st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=3)
)


def _rows(data: dict[str, list[float]]) -> list[ResultRow]:
    return [ResultRow(i, run, r) for i, rewards in data.items() for run, r in enumerate(rewards)]


@given(side, side)
def test_pairs_means_and_interval(a: dict[str, list[float]], b: dict[str, list[float]]) -> None:
    c = compare_summaries(summarize_rows(_rows(a)), summarize_rows(_rows(b)))
    common = sorted(set(a) & set(b))
    deltas = {i: statistics.fmean(b[i]) - statistics.fmean(a[i]) for i in common}
    assert sorted(d.id for d in c.paired) == common
    assert set(c.only_a) == set(a) - set(b) and set(c.only_b) == set(b) - set(a)
    mean = statistics.fmean(deltas.values()) if deltas else 0.0
    assert c.mean_delta == pytest.approx(mean, abs=1e-12)
    half = (
        1.96 * statistics.stdev(deltas.values()) / math.sqrt(len(deltas)) if len(deltas) > 1 else 0
    )
    assert c.ci95 == pytest.approx((mean - half, mean + half), abs=1e-12)
    assert c.wins == sum(d > 1e-9 for d in deltas.values())
    assert c.losses == sum(d < -1e-9 for d in deltas.values())
    assert c.wins + c.ties + c.losses == len(common)
    assert [d.delta for d in c.worse] == pytest.approx(
        sorted(d for d in deltas.values() if d < -1e-9)
    )
    assert all(x.delta >= y.delta for x, y in zip(c.better, c.better[1:], strict=False))
    both = {i for i in common if max(a[i]) == 0 and max(b[i]) == 0}
    assert set(c.both_zero) == both


def test_a_model_that_fixes_formatting_and_padding(
    tmp_path: Path, clinical_items: dict[str, Any], clinical_predictions: list[dict[str, Any]]
) -> None:
    grader = clinical_graders().clinical_local
    tuned = [
        {**p, "output_text": clinical_items[p["id"]]["reference_answer"]}
        if p["kind"] in ("padded", "formatting")
        else p
        for p in clinical_predictions
    ]
    base_path, tuned_path = tmp_path / "base.jsonl", tmp_path / "tuned.jsonl"
    base = write_results(base_path, grader, clinical_predictions, clinical_items, with_text=True)
    after = write_results(tuned_path, grader, tuned, clinical_items, with_text=True)
    c = compare_results(base_path, tuned_path, items=ITEMS, labels=("o4-mini", "tuned"))
    assert c.losses == 0 and c.worse == ()
    fixed = {p["id"] for p in clinical_predictions if p["kind"] in ("padded", "formatting")}
    assert {d.id for d in c.better} == fixed
    assert c.b.mean - c.a.mean == pytest.approx(
        statistics.fmean(r.reward for r in after) - statistics.fmean(r.reward for r in base)
    )
    text = "\n".join(c.lines())
    assert "o4-mini" in text and f"{c.wins} better, {c.ties} same, 0 worse" in text
    assert c.better[0].reference == clinical_items[c.better[0].id]["reference_answer"]
