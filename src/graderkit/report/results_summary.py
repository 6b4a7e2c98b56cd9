"""The figures of one results file: means across runs, errors, sub-graders, buckets, tokens, cost.

``summarize_results`` reads the file once, in constant memory apart from one small record per
item, and returns a ``ResultsSummary``; ``lines()`` is the text the ``graderkit report`` command
prints, and ``render_report`` turns the same object into HTML. The figures it shares with
``gk.summarize`` (mean, spreads, errors, runs, sub-graders, tokens, cost, pass rule) come from
the same ``SummaryBuilder``, so the report and the API never disagree; this module adds what
only a results file has: items, failure buckets, the histogram and the lowest lines.

Examples:
    >>> import graderkit as gk, json, tempfile, os
    >>> exact = gk.string_check("{{sample.output_text}}", "{{item.a}}", name="exact")
    >>> results = gk.grade_many(exact, ["x", "y", "x", "x"], [{"a": "x"}] * 4)
    >>> path = os.path.join(tempfile.mkdtemp(), "results.jsonl")
    >>> with open(path, "w") as f:
    ...     for i, r in enumerate(results):
    ...         print(json.dumps({"id": f"q{i % 2}", "run": i // 2, **r.to_dict()}), file=f)
    >>> s = summarize_results(path)
    >>> s.count, s.items, s.mean, s.run_means, s.buckets["off"]
    (4, 2, 0.75, {0: 0.5, 1: 1.0}, 1)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graderkit._core.results.summary_builder import SummaryBuilder
from graderkit._run.judge.accounting import DEFAULT_PRICES, Price, price_for
from graderkit.report.results_file import ResultRow, TextLookup, read_results

__all__ = [
    "BUCKETS",
    "HISTOGRAM_BINS",
    "ItemStats",
    "ResultsSummary",
    "bin_of",
    "bucket_of",
    "summarize_results",
    "summarize_rows",
]

HISTOGRAM_BINS = 20
"""Bins of width 0.05 over [0, 1]."""

BUCKETS: tuple[tuple[str, str], ...] = (
    ("perfect", "reward >= 1"),
    ("formatting", "0.8 <= reward < 1: right answer, wrong form"),
    ("partial", "0.3 <= reward < 0.8: partly right"),
    ("off", "reward < 0.3: wrong"),
    ("errored", "an error flag was raised"),
)
"""The cookbook's failure buckets (plus perfect and errored), in display order."""


def bucket_of(reward: float, *, errored: bool = False) -> str:
    """The failure bucket of one result: the cookbook's thresholds (>= 0.8 formatting,
    0.3-0.8 partial, < 0.3 off) for rewards below 1; errors are their own bucket.

    Examples:
        >>> [bucket_of(r) for r in (1.0, 0.9, 0.8, 0.5, 0.3, 0.1)]
        ['perfect', 'formatting', 'formatting', 'partial', 'partial', 'off']
        >>> bucket_of(0.0, errored=True)
        'errored'
    """
    if errored:
        return "errored"
    if reward >= 1.0:
        return "perfect"
    if reward >= 0.8:
        return "formatting"
    return "partial" if reward >= 0.3 else "off"


def bin_of(reward: float) -> int:
    """The histogram bin of a reward in [0, 1]: bin ``i`` holds ``i/20 <= reward < (i+1)/20``
    with the edges as the floats ``i / 20`` (so 0.3 falls in [0.3, 0.35), where the "partial"
    bucket starts), and 1.0 in the last bin.

    Examples:
        >>> bin_of(0.3), bin_of(0.0), bin_of(1.0)
        (6, 0, 19)
    """
    i = min(int(reward * HISTOGRAM_BINS), HISTOGRAM_BINS - 1)
    if reward < i / HISTOGRAM_BINS:  # the product rounded up past an edge
        return i - 1
    if i + 1 < HISTOGRAM_BINS and reward >= (i + 1) / HISTOGRAM_BINS:
        return i + 1
    return i


@dataclass(slots=True)
class ItemStats:
    """One item's runs, reduced: sum, count, extremes and the text of its worst run."""

    total: float = 0.0
    count: int = 0
    best: float = -math.inf
    worst: float = math.inf
    worst_text: str | None = None
    reference: str | None = None
    completion_tokens: int = 0

    @property
    def mean(self) -> float:
        """The mean reward over the item's runs."""
        return self.total / self.count if self.count else 0.0

    def add(self, row: ResultRow) -> None:
        """Fold in one run."""
        self.total += row.reward
        self.count += 1
        self.best = max(self.best, row.reward)
        if row.reward < self.worst:
            self.worst, self.worst_text = row.reward, row.output_text
        self.reference = self.reference if row.reference is None else row.reference
        self.completion_tokens += row.extra.get("completion_tokens", 0)


@dataclass(frozen=True)
class ResultsSummary:
    """What one results file says.

    Attributes:
        source: the file (or a label).
        grader: the grader's name; ``grader_type`` its type.
        count: graded lines; ``items`` distinct items; ``runs`` the run numbers seen.
        mean: the mean reward over every line.
        run_means: the mean reward of each run.
        std_across_runs: the population standard deviation of ``run_means`` (the cookbook's
            "mean and std across runs"); 0 with one run.
        std: the population standard deviation of every reward.
        errored: lines with an error flag; ``error_counts`` per flag.
        sub_means: the mean of each ``sub_rewards`` key (a multi's children).
        buckets: lines per ``bucket_of`` bucket.
        histogram: line counts in ``HISTOGRAM_BINS`` equal bins over [0, 1]; ``below`` and
            ``above`` count rewards outside [0, 1].
        lowest: the lowest-scoring lines (reward, then id, then run).
        always_zero: items that scored 0 in every run (check their gold answer).
        usage: the grader's tokens per judge model; ``cost`` their price in US dollars
            (``None`` when a model has no known price).
        prediction_usage: summed usage of the predictions, when known (``graderkit sample``).
        passed: lines that passed the grader's pass rule (``None`` when it has none).
        per_item: every item's ``ItemStats``.
    """

    source: str
    grader: str
    grader_type: str
    count: int
    items: int
    runs: tuple[int, ...]
    mean: float
    run_means: Mapping[int, float]
    std_across_runs: float
    std: float
    minimum: float
    maximum: float
    errored: int
    error_counts: Mapping[str, int]
    sub_means: Mapping[str, float]
    buckets: Mapping[str, int]
    histogram: tuple[int, ...]
    below: int
    above: int
    lowest: tuple[ResultRow, ...]
    always_zero: tuple[str, ...]
    usage: Mapping[str, Mapping[str, int]]
    cost: float | None
    prediction_usage: Mapping[str, int] = field(default_factory=dict)
    passed: int | None = None
    per_item: Mapping[str, ItemStats] = field(default_factory=dict, repr=False)

    def lines(self) -> list[str]:
        """The plain-text summary ``graderkit report`` prints."""
        from graderkit.report.text import summary_lines

        return summary_lines(self)

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data (no per-item records, lowest lines as ids)."""
        return {
            "source": self.source,
            "grader": self.grader,
            "grader_type": self.grader_type,
            "count": self.count,
            "items": self.items,
            "runs": list(self.runs),
            "mean": self.mean,
            "run_means": {str(k): v for k, v in self.run_means.items()},
            "std_across_runs": self.std_across_runs,
            "std": self.std,
            "min": self.minimum,
            "max": self.maximum,
            "errored": self.errored,
            "error_counts": dict(self.error_counts),
            "sub_means": dict(self.sub_means),
            "buckets": dict(self.buckets),
            "lowest": [{"id": r.id, "run": r.run, "reward": r.reward} for r in self.lowest],
            "always_zero": list(self.always_zero),
            "usage": {m: dict(u) for m, u in self.usage.items()},
            "cost": self.cost,
            "prediction_usage": dict(self.prediction_usage),
            "passed": self.passed,
        }


@dataclass(slots=True)
class _Accumulator:
    """The report's figures as lines stream by: the shared statistics (mean, spreads, errors,
    runs, sub-graders, tokens, pass rule) in a ``SummaryBuilder``, the rest here."""

    lowest_k: int
    stats: SummaryBuilder = field(default_factory=SummaryBuilder)
    buckets: Counter[str] = field(default_factory=Counter)
    histogram: list[int] = field(default_factory=lambda: [0] * HISTOGRAM_BINS)
    below: int = 0
    above: int = 0
    low: list[ResultRow] = field(default_factory=list)
    pred_usage: Counter[str] = field(default_factory=Counter)
    items: dict[str, ItemStats] = field(default_factory=dict)
    name: str = ""
    type: str = ""

    def add(self, row: ResultRow) -> None:
        r = row.reward
        self.stats.add_values(
            r, row.run, errors=row.flags, sub_rewards=row.sub_rewards, passed=row.passed,
            usage=row.usage,
        )  # fmt: skip
        self.buckets[bucket_of(r, errored=row.errored)] += 1
        self._bin(r)
        self._keep_lowest(row)
        self.pred_usage.update(row.extra)
        self.items.setdefault(row.id, ItemStats()).add(row)
        self.name, self.type = self.name or row.name, self.type or row.type

    def _bin(self, r: float) -> None:
        if r < 0.0:
            self.below += 1
        elif r > 1.0:
            self.above += 1
        else:
            self.histogram[bin_of(r)] += 1

    def _keep_lowest(self, row: ResultRow) -> None:
        # Keep at most 2k candidates; trimming to k when full costs O(n log k) overall.
        self.low.append(row)
        if len(self.low) >= 2 * self.lowest_k:
            self.low.sort(key=_lowest_first)
            del self.low[self.lowest_k :]


def _lowest_first(row: ResultRow) -> tuple[float, str, int]:
    return (row.reward, row.id, row.run)


def summarize_rows(
    rows: Iterable[ResultRow],
    *,
    source: str = "",
    lowest: int = 25,
    prices: Mapping[str, Price] = DEFAULT_PRICES,
) -> ResultsSummary:
    """Summarize result rows (see ``summarize_results``)."""
    acc = _Accumulator(lowest_k=max(0, lowest))
    for row in rows:
        acc.add(row)
    return _finish(acc, source, prices)


def summarize_results(
    path: str | Path,
    *,
    key: str = "id",
    items: str | Path | None = None,
    samples: str | Path | None = None,
    reference_field: str = "reference_answer",
    lowest: int = 25,
    prices: Mapping[str, Price] = DEFAULT_PRICES,
) -> ResultsSummary:
    """Read a results file and summarize it.

    Args:
        path: the results JSONL (``graderkit grade --out``).
        key: the field naming the item on each line.
        items: the dataset, to show each item's ``reference_field`` beside its predictions.
        samples: the predictions file, to show the graded text when the results lack it.
        reference_field: the item field holding the reference answer.
        lowest: how many of the lowest-scoring lines to keep.
        prices: US dollars per million tokens, per judge model.

    Raises:
        DataError: for a malformed line (the message names the file and line).
    """
    lookup = None
    if items is not None or samples is not None:
        lookup = TextLookup.load(
            items=items, samples=samples, key=key, reference_field=reference_field
        )
    rows = read_results(path, key=key, lookup=lookup)
    return summarize_rows(rows, source=str(path), lowest=lowest, prices=prices)


def _finish(acc: _Accumulator, source: str, prices: Mapping[str, Price]) -> ResultsSummary:
    s = acc.stats.build(lambda model: price_for(model, prices))
    lowest = tuple(sorted(acc.low, key=_lowest_first)[: acc.lowest_k])
    return ResultsSummary(
        source=source,
        grader=acc.name,
        grader_type=acc.type,
        count=s.count,
        items=len(acc.items),
        runs=tuple(s.run_means),
        mean=s.mean,
        run_means=s.run_means,
        std_across_runs=s.run_std,
        std=s.std,
        minimum=s.minimum,
        maximum=s.maximum,
        errored=s.errored,
        error_counts=dict(Counter(s.error_counts).most_common()),
        sub_means=s.sub_means,
        buckets={name: acc.buckets.get(name, 0) for name, _ in BUCKETS},
        histogram=tuple(acc.histogram),
        below=acc.below,
        above=acc.above,
        lowest=lowest,
        always_zero=tuple(k for k, item in acc.items.items() if item.best == 0.0),
        usage=s.tokens,
        cost=s.cost,
        prediction_usage=dict(acc.pred_usage),
        passed=s.passed,
        per_item=acc.items,
    )
