"""The reports of the judge checks: stability, ordering and agreement with people."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from graderkit.testing.explain import clip, format_reward
from graderkit.testing.stats import ThresholdChoice

__all__ = [
    "AgreementReport",
    "Disagreement",
    "OrderingReport",
    "RowStability",
    "StabilityReport",
    "Violation",
]


def _num(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.3f}"


@dataclass(frozen=True, slots=True)
class RowStability:
    """One row graded ``repeats`` times.

    Attributes:
        row: the row's name (its id).
        rewards: the reward of every repeat, in order.
        errors: how many repeats raised an error flag.
    """

    row: str
    rewards: tuple[float, ...]
    errors: int = 0

    @property
    def spread(self) -> float:
        """Highest minus lowest reward."""
        return max(self.rewards) - min(self.rewards)

    @property
    def std(self) -> float:
        """The population standard deviation of the rewards."""
        mean = math.fsum(self.rewards) / len(self.rewards)
        return math.sqrt(math.fsum((r - mean) ** 2 for r in self.rewards) / len(self.rewards))


@dataclass(frozen=True, slots=True, repr=False)
class StabilityReport:
    """How much a grader's reward moves when the same row is graded again.

    Attributes:
        grader: the grader's label.
        repeats: how many times each row was graded.
        tolerance: the spread above which a row counts as flaky.
        rows: one entry per row, in input order.
    """

    grader: str
    repeats: int
    tolerance: float
    rows: tuple[RowStability, ...]

    @property
    def flaky(self) -> list[RowStability]:
        """Rows whose spread exceeds the tolerance (or that errored on some repeats only),
        widest first."""
        out = [r for r in self.rows if r.spread > self.tolerance or 0 < r.errors < self.repeats]
        return sorted(out, key=lambda r: -r.spread)

    @property
    def ok(self) -> bool:
        """True when no row is flaky."""
        return not self.flaky

    @property
    def mean_spread(self) -> float:
        """The mean spread over rows."""
        return math.fsum(r.spread for r in self.rows) / len(self.rows) if self.rows else 0.0

    @property
    def max_spread(self) -> float:
        """The widest spread."""
        return max((r.spread for r in self.rows), default=0.0)

    def __repr__(self) -> str:
        # the readable report, so `assert report.ok, report` prints it in pytest
        return str(self)

    def __str__(self) -> str:
        flaky = self.flaky
        lines = [
            f"stability of {self.grader}: {len(self.rows)} rows x {self.repeats} repeats, "
            f"{len(flaky)} flaky (spread > {self.tolerance:g}); mean spread "
            f"{self.mean_spread:.3f}, max {self.max_spread:.3f}"
        ]
        for r in flaky[:10]:
            rewards = ", ".join(format_reward(x) for x in r.rewards)
            errors = f", {r.errors} errored" if r.errors else ""
            lines.append(f"  {r.row}: spread {r.spread:.3f} std {r.std:.3f} [{rewards}]{errors}")
        if len(flaky) > 10:
            lines.append(f"  ... and {len(flaky) - 10} more")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Violation:
    """Two answers graded against the experts' order.

    Attributes:
        row: the row's name.
        better: the answer experts rank higher.
        worse: the answer experts rank lower.
        better_reward: its reward.
        worse_reward: its reward.
        kind: ``"reversed"`` (the worse answer scored higher) or ``"tied"``.
    """

    row: str
    better: str
    worse: str
    better_reward: float
    worse_reward: float
    kind: Literal["reversed", "tied"]


@dataclass(frozen=True, slots=True, repr=False)
class OrderingReport:
    """Whether a grader ranks answers the way experts do.

    Attributes:
        grader: the grader's label.
        strict: whether ties count as violations.
        pairs: how many (better, worse) pairs were compared.
        violations: the pairs graded out of order (ties too, when ``strict``).
        errored: how many answers raised an error flag (they score 0 by rule).
    """

    grader: str
    strict: bool
    pairs: int
    violations: tuple[Violation, ...]
    errored: int = 0

    @property
    def reversals(self) -> list[Violation]:
        """Pairs where the worse answer scored higher."""
        return [v for v in self.violations if v.kind == "reversed"]

    @property
    def ties(self) -> list[Violation]:
        """Pairs scored equal (violations only when ``strict``)."""
        return [v for v in self.violations if v.kind == "tied"]

    @property
    def concordance(self) -> float:
        """The share of pairs graded strictly in the experts' order."""
        return 1 - len(self.violations) / self.pairs if self.pairs else 1.0

    @property
    def ok(self) -> bool:
        """True when no pair is out of order (and no answer errored)."""
        return not self.violations and not self.errored

    def __repr__(self) -> str:
        # the readable report, so `assert report.ok, report` prints it in pytest
        return str(self)

    def __str__(self) -> str:
        lines = [
            f"ordering of {self.grader}: {self.pairs} pairs, {len(self.reversals)} reversed, "
            f"{len(self.ties)} tied{' (ties count)' if self.strict else ''}; "
            f"concordance {self.concordance:.3f}"
            + (f"; {self.errored} answers errored" if self.errored else "")
        ]
        for v in sorted(self.violations, key=lambda v: v.better_reward - v.worse_reward)[:10]:
            lines.append(
                f"  {v.row}: {clip(v.better, 50)} {format_reward(v.better_reward)} "
                f"{'<' if v.kind == 'reversed' else '='} {clip(v.worse, 50)} "
                f"{format_reward(v.worse_reward)}"
            )
        if len(self.violations) > 10:
            lines.append(f"  ... and {len(self.violations) - 10} more")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A row where the grader and the human disagree most.

    Attributes:
        row: the row's name.
        human: the human's score or label.
        grader: the grader's reward, pass decision or label.
    """

    row: str
    human: object
    grader: object


@dataclass(frozen=True, slots=True, repr=False)
class AgreementReport:
    """How well a grader agrees with human labels.

    Attributes:
        grader: the grader's label.
        kind: ``"scores"`` (numbers), ``"pass"`` (booleans) or ``"labels"`` (strings).
        n: rows compared (rows whose grade raised an error flag are left out).
        errored: rows left out because grading raised an error flag.
        spearman: Spearman's rho between rewards and human scores (``scores``).
        kendall: Kendall's tau-b (``scores``).
        kappa: Cohen's kappa (``pass``, at the grader's own rule or the recommended
            threshold; ``labels``).
        labels: the confusion matrix's labels.
        matrix: ``matrix[i][j]``: human ``labels[i]``, grader ``labels[j]``.
        threshold: the recommended ``pass_threshold`` (``pass``).
        rule: which pass rule ``kappa`` and ``matrix`` use.
        disagreements: the rows that disagree most.
    """

    grader: str
    kind: Literal["scores", "pass", "labels"]
    n: int
    errored: int = 0
    spearman: float | None = None
    kendall: float | None = None
    kappa: float | None = None
    labels: tuple[object, ...] = ()
    matrix: tuple[tuple[int, ...], ...] = ()
    threshold: ThresholdChoice | None = None
    rule: str = ""
    disagreements: tuple[Disagreement, ...] = ()

    def __repr__(self) -> str:
        # the readable report, so `assert report.ok, report` prints it in pytest
        return str(self)

    def __str__(self) -> str:
        lines = [f"agreement of {self.grader} with human {self.kind} on {self.n} rows"]
        if self.errored:
            lines[0] += f" ({self.errored} errored rows left out)"
        if self.kind == "scores":
            lines.append(f"  spearman {_num(self.spearman)}   kendall tau-b {_num(self.kendall)}")
        else:
            lines.append(
                f"  cohen's kappa {_num(self.kappa)}{f' ({self.rule})' if self.rule else ''}"
            )
            lines += self._matrix_lines()
        if self.threshold is not None:
            t = self.threshold
            lines.append(
                f"  recommended pass_threshold {t.threshold:.4g}: kappa {_num(t.kappa)}, "
                f"F1 {t.f1:.3f}, accuracy {t.accuracy:.3f} (best of {t.candidates} cuts)"
            )
        for d in self.disagreements[:5]:
            lines.append(f"  disagree {d.row}: human {d.human!r}, grader {d.grader!r}")
        return "\n".join(lines)

    def _matrix_lines(self) -> list[str]:
        names = [str(label) for label in self.labels]
        width = max([len(n) for n in names] + [5])
        first = max([len(n) for n in names] + [len("human \\ grader")]) + 2
        head = "  " + "human \\ grader".ljust(first) + " ".join(n.rjust(width) for n in names)
        rows = [
            "  " + name.ljust(first) + " ".join(str(c).rjust(width) for c in counts)
            for name, counts in zip(names, self.matrix, strict=True)
        ]
        return [head, *rows]
