"""What [`check_grader`][graderkit.testing.checks.check_grader] found: one outcome per check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["CheckOutcome", "CheckReport", "Status"]

Status = Literal["ok", "failed", "warning", "skipped"]


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """The outcome of one invariant.

    Attributes:
        check: the invariant's name (``reward_range``, ``deterministic``, ...).
        status: ``"ok"``, ``"failed"``, ``"warning"`` (suspicious, not wrong) or ``"skipped"``.
        summary: one line saying what was checked and what was found.
        details: the rows, keys or values behind a failure or a warning.
    """

    check: str
    status: Status
    summary: str
    details: tuple[str, ...] = ()

    def lines(self, shown: int = 8) -> list[str]:
        """The outcome as text: a status line, then the first ``shown`` details."""
        label = {"ok": "ok", "failed": "FAILED", "warning": "warning", "skipped": "skipped"}
        out = [f"  {label[self.status]:<8} {self.check:<20} {self.summary}"]
        for detail in self.details[:shown]:
            out += ["      " + line for line in detail.splitlines()]
        if len(self.details) > shown:
            out.append(f"      ... and {len(self.details) - shown} more")
        return out


@dataclass(frozen=True, slots=True, repr=False)
class CheckReport:
    """The result of [`check_grader`][graderkit.testing.checks.check_grader].

    ``ok`` is True when no check failed; warnings do not make it False. ``str(report)`` is the
    readable report (``graderkit check`` prints it).

    Attributes:
        grader: the grader's label.
        rows: how many (sample, item) rows were graded.
        outcomes: one per check, in order.
    """

    grader: str
    rows: int
    outcomes: tuple[CheckOutcome, ...]

    @property
    def failures(self) -> list[CheckOutcome]:
        """The checks that failed."""
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def warnings(self) -> list[CheckOutcome]:
        """The checks that found something suspicious but not wrong."""
        return [o for o in self.outcomes if o.status == "warning"]

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return not self.failures

    def outcome(self, check: str) -> CheckOutcome:
        """The outcome of the check called ``check``."""
        for o in self.outcomes:
            if o.check == check:
                return o
        raise KeyError(f"no check {check!r}; ran {[o.check for o in self.outcomes]}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "grader": self.grader,
            "rows": self.rows,
            "ok": self.ok,
            "outcomes": [
                {"check": o.check, "status": o.status, "summary": o.summary,
                 "details": list(o.details)}
                for o in self.outcomes
            ],
        }  # fmt: skip

    def __repr__(self) -> str:
        # the readable report, so `assert report.ok, report` prints it in pytest
        return str(self)

    def __str__(self) -> str:
        n = len(self.failures)
        verdict = f"{n} check(s) FAILED" if n else "all checks passed"
        lines = [f"check {self.grader} on {self.rows} rows: {verdict}"]
        for outcome in self.outcomes:
            lines += outcome.lines()
        return "\n".join(lines)
