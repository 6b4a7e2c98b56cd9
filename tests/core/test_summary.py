"""Summaries: figures checked against the statistics module, column and row paths agree."""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graderkit as gk
from graderkit._core.results.result_lines import encode_result
from graderkit._core.results.summary_builder import SummaryBuilder, summarize
from graderkit._run.judge.accounting import Price, price_for

fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.a}}", name="fuzzy")
exact = gk.string_check("{{sample.output_text}}", "{{item.a}}", name="exact")
clinical = gk.multi(0.85 * fuzzy + 0.15 * exact, name="clinical")
rows = st.lists(
    st.tuples(
        st.text(alphabet="abc ", max_size=6),
        st.one_of(st.fixed_dictionaries({"a": st.text(alphabet="abc ", max_size=6)}), st.just({})),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=40,
)


@given(rows, st.sampled_from([clinical, exact, fuzzy.replace(pass_threshold=0.5)]))
def test_figures_match_the_statistics_module(
    data: list[tuple[str, dict[str, str], int]], grader: gk.GraderBase
) -> None:
    results = gk.grade_many(grader, [d[0] for d in data], [d[1] for d in data])
    runs = [d[2] for d in data]
    s = summarize(results, runs)
    rewards = [r.reward for r in results]
    assert s.count == len(rewards)
    assert s.mean == pytest.approx(statistics.fmean(rewards), abs=1e-12)
    assert s.std == pytest.approx(statistics.pstdev(rewards), abs=1e-9)
    assert (s.minimum, s.maximum) == (min(rewards), max(rewards))
    assert s.errored == sum(1 for r in results if r.errors)
    assert s.error_counts == dict(Counter(flag for r in results for flag in r.errors))
    by_run = {
        run: [r.reward for r, k in zip(results, runs, strict=True) if k == run] for run in set(runs)
    }
    assert s.run_means == pytest.approx({k: statistics.fmean(v) for k, v in by_run.items()})
    assert s.run_std == pytest.approx(statistics.pstdev(s.run_means.values()), abs=1e-12)
    passes = [r.passed for r in results]
    assert s.passed == (None if passes[0] is None else sum(bool(p) for p in passes))


@given(rows)
def test_batch_rows_and_file_lines_give_the_same_summary(
    data: list[tuple[str, dict[str, str], int]],
) -> None:
    batch = gk.grade_many(clinical, [d[0] for d in data], [d[1] for d in data])
    runs = [d[2] for d in data]
    by_column, by_result, by_line = SummaryBuilder(), SummaryBuilder(), SummaryBuilder()
    assert isinstance(batch, gk.BatchResult)
    by_column.add_batch(batch, runs)
    for result, run in zip(batch, runs, strict=True):
        by_result.add(result, run)
        by_line.add_row(json.loads(encode_result("id", "x", run, result)))
    a, b, c = by_column.build(), by_result.build(), by_line.build()
    assert b == c
    assert a.error_counts == b.error_counts and a.passed == b.passed
    assert (a.count, a.errored, a.minimum, a.maximum) == (b.count, b.errored, b.minimum, b.maximum)
    assert a.mean == pytest.approx(b.mean) and a.std == pytest.approx(b.std, abs=1e-12)
    assert a.sub_means == pytest.approx(b.sub_means) and a.run_means == pytest.approx(b.run_means)


def test_chunked_moments_stay_exact_over_many_values() -> None:
    values = [((i * 7919) % 1000) / 999 for i in range(50_000)]
    builder = SummaryBuilder()
    for v in values:
        builder.add_values(v)
    s = builder.build()
    assert s.mean == pytest.approx(math.fsum(values) / len(values), rel=1e-15)
    assert s.std == pytest.approx(statistics.pstdev(values), rel=1e-12)


def _with_usage(reward: float, model: str, prompt: int, completion: int) -> gk.GradeResult:
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "cached_tokens": 0,
    }
    return gk.GradeResult(reward, "judge", "score_model", token_usage_per_model={model: usage})


def test_tokens_are_summed_per_model_and_priced() -> None:
    results = [
        _with_usage(1.0, "gpt-4.1-2025-04-14", 1000, 50),
        _with_usage(0.5, "gpt-4.1-2025-04-14", 800, 40),
    ]
    s = summarize(results, price_for=price_for)
    assert s.tokens == {
        "gpt-4.1-2025-04-14": {
            "prompt_tokens": 1800,
            "completion_tokens": 90,
            "total_tokens": 1890,
            "cached_tokens": 0,
        }
    }
    assert s.cost == pytest.approx(Price(2.0, 8.0).cost(1800, 90))
    assert "cost      $" in "\n".join(s.lines())
    unknown = summarize([_with_usage(1.0, "my-local-model", 10, 1)], price_for=price_for)
    assert unknown.cost is None and unknown.tokens["my-local-model"]["prompt_tokens"] == 10


def test_an_empty_summary_is_zeros() -> None:
    s = summarize([])
    assert (s.count, s.mean, s.std, s.run_means, s.passed) == (0, 0.0, 0.0, {}, None)


def test_lines_show_runs_only_when_there_are_several() -> None:
    one: Any = summarize(gk.grade_many(exact, ["a"], [{"a": "a"}])).lines()
    assert not any(line.startswith("runs") for line in one)
    two = summarize(gk.grade_many(exact, ["a", "b"], [{"a": "a"}] * 2), [0, 1]).lines()
    assert "runs      2 (mean per run 0:1.0000 1:0.0000)" in two and "run std   0.5000" in two
