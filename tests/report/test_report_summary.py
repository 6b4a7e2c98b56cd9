"""The figures of a results file, checked against independent computations (numpy, statistics)."""

from __future__ import annotations

import bisect
import json
import statistics
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_data import ITEMS, PREDICTIONS

import graderkit as gk
from graderkit._run.judge.accounting import DEFAULT_PRICES, Price
from graderkit.report.results_file import ResultRow
from graderkit.report.results_summary import (
    HISTOGRAM_BINS,
    bucket_of,
    summarize_results,
    summarize_rows,
)

rewards = st.floats(0.0, 1.0, allow_nan=False)
rows_strategy = st.lists(
    st.builds(
        ResultRow,
        id=st.sampled_from([f"q{i}" for i in range(8)]),
        run=st.integers(0, 3),
        reward=st.one_of(rewards, st.sampled_from([0.0, 0.3, 0.8, 1.0])),
        flags=st.sampled_from([(), ("other_error",), ("invalid_variable_error", "other_error")]),
    ),
    max_size=60,
)


def _naive_bucket(r: float, errored: bool) -> str:
    if errored:
        return "errored"
    return "perfect" if r >= 1 else "formatting" if r >= 0.8 else "partial" if r >= 0.3 else "off"


@given(rows_strategy)
def test_figures_match_a_plain_recomputation(rows: list[ResultRow]) -> None:
    s = summarize_rows(rows, lowest=5)
    values = [r.reward for r in rows]
    assert s.count == len(rows) and s.items == len({r.id for r in rows})
    assert s.mean == pytest.approx(statistics.fmean(values) if values else 0.0)
    assert s.std == pytest.approx(statistics.pstdev(values) if values else 0.0, abs=1e-12)
    by_run: dict[int, list[float]] = {}
    for r in rows:
        by_run.setdefault(r.run, []).append(r.reward)
    assert s.run_means == pytest.approx({k: statistics.fmean(v) for k, v in by_run.items()})
    run_means = [statistics.fmean(v) for v in by_run.values()]
    expected_spread = statistics.pstdev(run_means) if len(run_means) > 1 else 0.0
    assert s.std_across_runs == pytest.approx(expected_spread, abs=1e-12)
    assert s.errored == sum(bool(r.flags) for r in rows)
    assert s.error_counts == {
        f: n
        for f in ("other_error", "invalid_variable_error")
        if (n := sum(f in r.flags for r in rows))
    }
    for name in s.buckets:
        assert s.buckets[name] == sum(_naive_bucket(r.reward, bool(r.flags)) == name for r in rows)
    ordered = sorted(rows, key=lambda r: (r.reward, r.id, r.run))
    assert [(r.reward, r.id, r.run) for r in s.lowest] == [
        (r.reward, r.id, r.run) for r in ordered[:5]
    ]
    zero = {i for i in {r.id for r in rows} if max(r.reward for r in rows if r.id == i) == 0.0}
    assert set(s.always_zero) == zero


EDGES = [i / HISTOGRAM_BINS for i in range(HISTOGRAM_BINS + 1)]
GRID = st.integers(0, 100).map(lambda k: k / 100)  # rewards on and beside the bin edges


@given(st.lists(st.one_of(rewards, GRID), max_size=80))
def test_the_histogram_counts_rewards_between_the_float_edges(values: list[float]) -> None:
    s = summarize_rows([ResultRow(f"q{i}", 0, v) for i, v in enumerate(values)])
    expected = [0] * HISTOGRAM_BINS
    for v in values:
        expected[min(bisect.bisect_right(EDGES, v) - 1, HISTOGRAM_BINS - 1)] += 1
    assert list(s.histogram) == expected


@given(st.lists(rewards, max_size=80))
def test_the_histogram_agrees_with_numpy_away_from_the_edges(values: list[float]) -> None:
    inside = [v for v in values if all(abs(v - e) > 1e-9 for e in EDGES[1:-1])]
    s = summarize_rows([ResultRow(f"q{i}", 0, v) for i, v in enumerate(inside)])
    counts, _ = np.histogram(inside, bins=HISTOGRAM_BINS, range=(0.0, 1.0))
    assert list(s.histogram) == counts.tolist()


def test_rewards_outside_zero_one_are_counted_apart() -> None:
    s = summarize_rows([ResultRow("a", 0, -0.5), ResultRow("b", 0, 2.0), ResultRow("c", 0, 1.0)])
    assert (s.below, s.above, sum(s.histogram)) == (1, 1, 1)


@pytest.mark.parametrize(
    ("reward", "bucket"),
    [(1.0, "perfect"), (0.99, "formatting"), (0.8, "formatting"), (0.79, "partial"),
     (0.3, "partial"), (0.29, "off"), (0.0, "off"), (-1.0, "off")],
)  # fmt: skip
def test_the_cookbook_buckets(reward: float, bucket: str) -> None:
    assert bucket_of(reward) == bucket
    assert bucket_of(reward, errored=True) == "errored"


def test_the_clinical_example(
    clinical_results: tuple[Path, list[gk.GradeResult]],
    clinical_predictions: list[dict[str, Any]],
) -> None:
    path, results = clinical_results
    s = summarize_results(path, items=ITEMS, samples=PREDICTIONS)
    assert (s.count, s.items, s.runs) == (108, 36, (0, 1, 2))
    assert (s.grader, s.grader_type) == ("clinical_local", "multi")
    assert s.mean == pytest.approx(statistics.fmean(r.reward for r in results))
    assert s.sub_means == pytest.approx(
        {k: statistics.fmean(r.sub_rewards[k] for r in results) for k in ("fuzzy", "exact")}
    )
    # Every exact prediction scores 1 and lands in "perfect"; nothing else does.
    exact = sum(p["kind"] == "exact" for p in clinical_predictions)
    assert s.buckets["perfect"] == exact
    worst = s.lowest[0]
    assert worst.reward == min(r.reward for r in results)
    assert worst.output_text is not None and worst.reference is not None
    lines = "\n".join(s.lines())
    assert "108 (36 items x 3 run(s))" in lines and "std across runs" in lines


def test_token_use_and_cost_at_list_prices(tmp_path: Path) -> None:
    usage = {"gpt-4.1": {"prompt_tokens": 1000, "completion_tokens": 200, "cached_tokens": 100}}
    line = {"id": "a", "run": 0, "reward": 0.5, "model_grader_token_usage_per_model": usage}
    path = tmp_path / "r.jsonl"
    path.write_text((json.dumps(line) + "\n") * 3)
    s = summarize_results(path)
    assert s.usage == {"gpt-4.1": {k: 3 * v for k, v in usage["gpt-4.1"].items()}}
    expected = 3 * DEFAULT_PRICES["gpt-4.1"].cost(1000, 200, 100)
    assert s.cost == pytest.approx(expected)
    assert "grader cost $" in "\n".join(s.lines())
    unknown = summarize_results(path, prices={"o3": Price(1.0, 1.0)})
    assert unknown.cost is None
    assert "unknown" in "\n".join(unknown.lines())


def test_prediction_tokens_are_summed_from_the_predictions(tmp_path: Path) -> None:
    preds = tmp_path / "p.jsonl"
    preds.write_text(
        "\n".join(
            json.dumps({"id": i, "run": 0, "output_text": "x", "completion_tokens": n})
            for i, n in (("a", 10), ("b", 30))
        )
    )
    results = tmp_path / "r.jsonl"
    results.write_text(
        "\n".join(json.dumps({"id": i, "run": 0, "reward": 1.0}) for i in ("a", "b"))
    )
    s = summarize_results(results, samples=preds)
    assert s.prediction_usage["completion_tokens"] == 40
    assert "20 completion tokens per answer" in "\n".join(s.lines())


def test_to_dict_is_json(clinical_results: tuple[Path, list[gk.GradeResult]]) -> None:
    data = summarize_results(clinical_results[0]).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["count"] == 108 and len(data["lowest"]) == 25


def test_pass_counts_come_from_the_lines(tmp_path: Path) -> None:
    fuzzy = gk.text_similarity(
        "{{ sample.output_text }}", "{{ item.a }}", name="f", pass_threshold=0.5
    )
    results = gk.grade_many(fuzzy, ["abc", "abd", "xyz"], [{"a": "abc"}] * 3)
    path = tmp_path / "r.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": str(i), "run": 0, **r.to_dict(), "passed": r.passed}) + "\n"
            for i, r in enumerate(results)
        )
    )
    s = summarize_results(path)
    assert s.passed == sum(bool(r.passed) for r in results) == 2
    assert "passed     2/3" in "\n".join(s.lines())
    assert summarize_rows([ResultRow("a", 0, 1.0)]).passed is None


@given(rows_strategy)
def test_report_and_summarize_agree_on_the_shared_figures(rows: list[ResultRow]) -> None:
    # `graderkit report` (a results file) and `gk.summarize` (result objects) are one
    # computation: the same rows give bit-identical figures.
    report = summarize_rows(rows)
    results = [
        gk.GradeResult(reward=r.reward, name="g", type="python", errors=dict.fromkeys(r.flags))
        for r in rows
    ]
    core = gk.summarize(results, runs=[r.run for r in rows])
    assert (report.count, report.mean, report.std) == (core.count, core.mean, core.std)
    assert (report.minimum, report.maximum) == (core.minimum, core.maximum)
    assert (report.run_means, report.std_across_runs) == (core.run_means, core.run_std)
    assert (report.errored, report.error_counts) == (core.errored, core.error_counts)
