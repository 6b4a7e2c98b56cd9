"""How the predictions of an item are numbered into runs: a graderkit decision, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_RUN", "RunNumbers"]

MAX_RUN = 1_000_000
"""Run numbers are small counters; anything larger is almost surely another field."""


class RunNumbers:
    """Numbers the runs of each item.

    * A prediction with a ``run`` field is that run (a non-negative integer), and ``runs`` must
      be 1: it is one graded sample.
    * A prediction without ``run`` takes the next ``runs`` free run numbers of its item, in file
      order: with ``runs=1`` and three lines for one id, they are runs 0, 1, 2; with
      ``runs=3`` and one line per id, each line is graded three times as runs 0, 1, 2 (for
      graders that are not deterministic: a judge model sampling at temperature > 0).

    ``(id, run)`` names one graded sample everywhere: in results files, on resume, in reports.

    Examples:
        >>> numbers = RunNumbers(runs=1)
        >>> [numbers.assign("q1", {}), numbers.assign("q1", {}), numbers.assign("q1", {"run": 7})]
        [range(0, 1), range(1, 2), range(7, 8)]
        >>> RunNumbers(runs=3).assign("q1", {})
        range(0, 3)
    """

    def __init__(self, runs: int = 1) -> None:
        if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
            raise ValueError(f"runs={runs!r} must be a whole number, at least 1")
        self.runs = runs
        self._next: dict[str, int] = {}

    def assign(self, ident: str, prediction: Mapping[str, Any]) -> range:
        """The run numbers of one prediction line.

        Raises:
            ValueError: a ``run`` that is not a run number, or a ``run`` with ``runs > 1``.
        """
        run = prediction.get("run")
        if run is None:
            start = self._next.get(ident, 0)
            self._next[ident] = start + self.runs
            return range(start, start + self.runs)
        if isinstance(run, bool) or not isinstance(run, int) or not 0 <= run < MAX_RUN:
            raise ValueError(f"run={run!r} is not a run number (0, 1, 2, ...)")
        if self.runs != 1:
            raise ValueError(
                f"this prediction has run={run}; --runs {self.runs} repeats grading only for "
                "predictions without a 'run' field"
            )
        return range(run, run + 1)
