"""What [`probe`][graderkit.testing.probes.probe] found: one finding per rewrite, as data and text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graderkit.testing.explain import clip, format_reward
from graderkit.testing.probe_rewrites import Rewrite

__all__ = ["ProbeExample", "ProbeFinding", "ProbeReport"]

_SHOWN = 3
"""Examples printed per failing rewrite."""


@dataclass(frozen=True, slots=True)
class ProbeExample:
    """One row's probe answer, its reward and the reward it is compared with.

    Attributes:
        item: the row id.
        answer: the rewritten answer.
        reward: its reward.
        baseline: the gold answer's reward (``below_gold``, ``info``) or the wrong answer's
            (``not_above_wrong``).
        sub_rewards: the probe answer's sub-rewards (multi).
        baseline_sub_rewards: the baseline answer's sub-rewards.
    """

    item: str
    answer: str
    reward: float
    baseline: float
    sub_rewards: Mapping[str, float] = field(default_factory=dict)
    baseline_sub_rewards: Mapping[str, float] = field(default_factory=dict)

    @property
    def margin(self) -> float:
        """``reward - baseline``: how far the probe answer got past (or stayed below) it."""
        return self.reward - self.baseline


@dataclass(frozen=True, slots=True)
class ProbeFinding:
    """What one rewrite did over every compared row.

    Attributes:
        rewrite: the rewrite.
        examples: every compared row, highest margin first.
        flagged: the rows where the rewrite won (see
            [`violates`][graderkit.testing.probe_report.ProbeFinding.violates]).
        errored: error flag -> how many probe answers raised it.
    """

    rewrite: Rewrite
    examples: tuple[ProbeExample, ...]
    flagged: tuple[ProbeExample, ...]
    errored: Mapping[str, int]

    @classmethod
    def of(
        cls,
        rewrite: Rewrite,
        examples: Sequence[ProbeExample],
        *,
        errored: Mapping[str, int],
        tolerance: float,
    ) -> ProbeFinding:
        """Sort the examples and flag the winning ones."""
        ordered = tuple(sorted(examples, key=lambda e: -e.margin))
        flagged = tuple(
            e for e in ordered if cls.violates_rule(rewrite, e.reward, e.baseline, tolerance)
        )
        return cls(rewrite, ordered, flagged if rewrite.expect != "info" else (), errored)

    @staticmethod
    def violates_rule(rewrite: Rewrite, reward: float, baseline: float, tolerance: float) -> bool:
        """``below_gold``: reward >= gold (within ``tolerance``); ``not_above_wrong``:
        reward > wrong (beyond ``tolerance``); ``info`` never."""
        if rewrite.expect == "below_gold":
            return reward > baseline - tolerance
        if rewrite.expect == "not_above_wrong":
            return reward > baseline + tolerance
        return False

    def violates(self, reward: float, baseline: float, tolerance: float) -> bool:
        """This finding's rule applied to a pair of rewards."""
        return self.violates_rule(self.rewrite, reward, baseline, tolerance)

    @property
    def failed(self) -> bool:
        """True when the rewrite won on at least one row (never for ``info`` rewrites)."""
        return bool(self.flagged)

    @property
    def mean_margin(self) -> float:
        """The mean of ``reward - baseline`` over the compared rows (0 when none)."""
        n = len(self.examples)
        return sum(e.margin for e in self.examples) / n if n else 0.0

    def headline(self) -> str:
        """One line: status, name, how many rows it won and the worst margin."""
        n, k = len(self.examples), len(self.flagged)
        name = f"{self.rewrite.name:<20} {self.rewrite.description}"
        if self.rewrite.expect == "info":
            return f"  info    {name}: mean change {self.mean_margin:+.3f} vs gold"
        versus = (
            "at least as high as gold"
            if self.rewrite.expect == "below_gold"
            else ("above the wrong answer")
        )
        if not n:
            return f"  skip    {name}: no row to compare"
        worst = self.examples[0].margin
        status = "FAILED" if k else "ok"
        return f"  {status:<7} {name}: {k}/{n} {versus} (max margin {worst:+.3f})"

    def example_lines(self, shown: int = _SHOWN) -> list[str]:
        """The first flagged rows: answer, reward vs baseline, sub-rewards."""
        base = "gold" if self.rewrite.expect == "below_gold" else "wrong"
        lines = []
        for e in self.flagged[:shown]:
            lines.append(
                f"      {e.item}: {clip(e.answer, 90)} -> {format_reward(e.reward)} "
                f"vs {base} {format_reward(e.baseline)} ({e.margin:+.3f})"
            )
            if e.sub_rewards:
                subs = ", ".join(
                    f"{k} {format_reward(v)} ({base} "
                    f"{format_reward(e.baseline_sub_rewards.get(k, 0.0))})"
                    for k, v in e.sub_rewards.items()
                )
                lines.append(f"        sub-rewards: {subs}")
        return lines


@dataclass(frozen=True, slots=True, repr=False)
class ProbeReport:
    """The result of [`probe`][graderkit.testing.probes.probe].

    Attributes:
        grader: the probed grader's label.
        rows: how many rows were probed.
        findings: one per rewrite, in the order tried.
        components: for a multi, which sub-graders fall for which rewrites.
        notes: how the answers were chosen and which rows were skipped.
    """

    grader: str
    rows: int
    findings: tuple[ProbeFinding, ...]
    components: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def failures(self) -> list[ProbeFinding]:
        """The rewrites that won on at least one row."""
        return [f for f in self.findings if f.failed]

    @property
    def ok(self) -> bool:
        """True when no rewrite won anywhere."""
        return not self.failures

    def finding(self, name: str) -> ProbeFinding:
        """The finding of the rewrite called ``name``."""
        for f in self.findings:
            if f.rewrite.name == name:
                return f
        raise KeyError(
            f"no rewrite {name!r} was tried; tried {[f.rewrite.name for f in self.findings]}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: per rewrite, the counts, the worst margin and flagged rows."""
        return {
            "grader": self.grader,
            "rows": self.rows,
            "ok": self.ok,
            "findings": [
                {
                    "rewrite": f.rewrite.name,
                    "expect": f.rewrite.expect,
                    "compared": len(f.examples),
                    "flagged": [
                        {"item": e.item, "answer": e.answer, "reward": e.reward,
                         "baseline": e.baseline, "margin": e.margin}
                        for e in f.flagged
                    ],
                    "mean_margin": f.mean_margin,
                    "errored": dict(f.errored),
                }
                for f in self.findings
            ],
            "components": list(self.components),
            "notes": list(self.notes),
        }  # fmt: skip

    def __repr__(self) -> str:
        # the readable report, so `assert report.ok, report` prints it in pytest
        return str(self)

    def __str__(self) -> str:
        failed = self.failures
        checked = [f for f in self.findings if f.rewrite.expect != "info"]
        verdict = f"{len(failed)} of {len(checked)} probes FAILED" if failed else "no probe won"
        lines = [f"probe {self.grader} on {self.rows} rows: {verdict}"]
        for f in checked:
            lines.append(f.headline())
            lines += f.example_lines()
            if f.errored:
                lines.append(f"      errors: {dict(f.errored)}")
        info = [f for f in self.findings if f.rewrite.expect == "info"]
        if info:
            lines.append("surface changes of the gold answer (reported, not failed):")
            lines += [f.headline() for f in info]
        if self.components:
            lines.append("sub-graders that fall for a probe (the formula may hide it):")
            lines += [f"  {line}" for line in self.components]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)
