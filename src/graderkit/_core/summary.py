"""Summaries of many results: mean, spread, error counts, per-sub-grader means."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from graderkit._core.results import GradeResult

__all__ = ["Summary", "summarize"]


@dataclass(frozen=True)
class Summary:
    """Aggregate figures over a set of results.

    Examples:
        >>> import graderkit as gk
        >>> g = gk.string_check("{{sample.output_text}}", "a", name="a")
        >>> s = summarize(gk.grade_many(g, ["a", "b", "a", "a"]))
        >>> s.count, s.mean, s.errored
        (4, 0.75, 0)
    """

    count: int
    mean: float
    std: float
    minimum: float
    maximum: float
    errored: int
    error_counts: dict[str, int] = field(default_factory=dict)
    sub_means: dict[str, float] = field(default_factory=dict)
    passed: int | None = None

    def lines(self) -> list[str]:
        """A plain-text rendering, one figure per line."""
        out = [
            f"samples   {self.count}",
            f"mean      {self.mean:.4f}",
            f"std       {self.std:.4f}",
            f"min/max   {self.minimum:.4f} / {self.maximum:.4f}",
            f"errored   {self.errored}",
        ]
        if self.passed is not None:
            out.append(f"passed    {self.passed}/{self.count}")
        out += [f"  {flag:<40} {n}" for flag, n in sorted(self.error_counts.items())]
        out += [f"  sub {key:<36} {mean:.4f}" for key, mean in self.sub_means.items()]
        return out


def summarize(results: Iterable[GradeResult]) -> Summary:
    """Summarize results (population std; sub-grader means keyed like ``sub_rewards``)."""
    rewards: list[float] = []
    flags: Counter[str] = Counter()
    subs: dict[str, list[float]] = {}
    errored = passed = with_rule = 0
    for result in results:
        rewards.append(result.reward)
        errored += bool(result.errors)
        flags.update(result.errors)
        for key, value in result.sub_rewards.items():
            subs.setdefault(key, []).append(value)
        if result.passed is not None:
            with_rule += 1
            passed += result.passed
    n = len(rewards)
    mean = math.fsum(rewards) / n if n else 0.0
    var = math.fsum((r - mean) ** 2 for r in rewards) / n if n else 0.0
    return Summary(
        count=n,
        mean=mean,
        std=math.sqrt(var),
        minimum=min(rewards, default=0.0),
        maximum=max(rewards, default=0.0),
        errored=errored,
        error_counts=dict(flags),
        sub_means={k: math.fsum(v) / len(v) for k, v in subs.items()},
        passed=passed if with_rule else None,
    )
