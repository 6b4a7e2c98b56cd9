"""Summaries of many results: mean, spread (over samples and across runs), error counts,
per-sub-grader means, token use and cost.

[`SummaryBuilder`][graderkit._core.results.summary_builder.SummaryBuilder] takes results one at a time in
constant memory (a million-row grading job summarizes as it goes);
[`summarize`][graderkit._core.results.summary_builder.summarize] is the one-call form.

Examples:
    >>> import graderkit as gk
    >>> g = gk.string_check("{{sample.output_text}}", "a", name="a")
    >>> builder = SummaryBuilder()
    >>> for run, text in enumerate(["a", "b"]):
    ...     for result in gk.grade_many(g, [text, "a"]):
    ...         builder.add(result, run=run)
    >>> s = builder.build()
    >>> s.count, s.mean, s.run_means, s.run_std
    (4, 0.75, {0: 1.0, 1: 0.5}, 0.25)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graderkit._core.grading.local_grading import passed_for
from graderkit._core.results.batch_result import BatchResult
from graderkit._core.results.grade_result import GradeResult
from graderkit.errors import DETAILS_KEYS

__all__ = ["Priced", "Summary", "SummaryBuilder", "one_line", "summarize"]


class Priced(Protocol):
    """A price: dollars for a call's tokens (e.g. ``graderkit._run.judge.accounting.Price``)."""

    def cost(self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float:
        """The cost of these tokens."""
        ...


PriceFor = Callable[[str], "Priced | None"]
"""Model name -> its price, or ``None`` when unknown."""


@dataclass(frozen=True)
class Summary:
    """Aggregate figures over a set of results.

    Attributes:
        count: samples summarized.
        mean: mean reward over all samples.
        std: population standard deviation of the rewards over all samples.
        minimum: lowest reward.
        maximum: highest reward.
        errored: samples with at least one error flag.
        error_counts: flag -> samples raising it.
        error_details: flag -> the first details text met for it, on one line (the last line
            of a traceback, which names the exception).
        sub_means: a multi's child key -> mean child reward.
        passed: samples that passed, when the grader has a pass rule, else ``None``.
        run_means: run number -> mean reward of that run.
        run_std: population standard deviation of ``run_means`` (0 with one run): the spread
            across runs the cookbook reports.
        tokens: judge model -> each token count the results reported (``prompt_tokens``,
            ``completion_tokens``, ``total_tokens``, ``cached_tokens``...), summed.
        cost: dollars for ``tokens`` when every model has a price, else ``None``.

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
    error_details: dict[str, str] = field(default_factory=dict)
    sub_means: dict[str, float] = field(default_factory=dict)
    passed: int | None = None
    run_means: dict[int, float] = field(default_factory=dict)
    run_std: float = 0.0
    tokens: dict[str, dict[str, int]] = field(default_factory=dict)
    cost: float | None = None

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
        if len(self.run_means) > 1:
            means = " ".join(f"{r}:{m:.4f}" for r, m in sorted(self.run_means.items()))
            out.append(f"runs      {len(self.run_means)} (mean per run {means})")
            out.append(f"run std   {self.run_std:.4f}")
        for flag, n in sorted(self.error_counts.items()):
            detail = self.error_details.get(flag)
            out.append(f"  {flag:<40} {n}" + (f"  first: {detail}" if detail else ""))
        out += [f"  sub {key:<36} {mean:.4f}" for key, mean in self.sub_means.items()]
        for model, usage in self.tokens.items():
            out.append(
                f"tokens    {model}: {usage.get('prompt_tokens', 0)} prompt, "
                f"{usage.get('completion_tokens', 0)} completion"
            )
        if self.tokens and self.cost is not None:
            out.append(f"cost      ${self.cost:.4f}")
        return out


class _Moments:
    """Count, exact-ish sum and sum of squared deviations, fed in chunks (Chan et al.)."""

    __slots__ = ("buffer", "m2", "mean", "n")

    def __init__(self) -> None:
        self.n, self.mean, self.m2 = 0, 0.0, 0.0
        self.buffer: list[float] = []

    def add(self, value: float) -> None:
        self.buffer.append(value)
        if len(self.buffer) >= 4096:
            self.fold()

    def extend(self, values: list[float]) -> None:
        self.buffer += values
        if len(self.buffer) >= 4096:
            self.fold()

    def fold(self) -> None:
        values, self.buffer = self.buffer, []
        if not values:
            return
        n = len(values)
        mean = math.fsum(values) / n
        m2 = math.fsum((v - mean) ** 2 for v in values)
        total = self.n + n
        delta = mean - self.mean
        self.mean += delta * n / total
        self.m2 += m2 + delta * delta * self.n * n / total
        self.n = total


class SummaryBuilder:
    """Accumulates results in constant memory; [`build`][graderkit._core.results.summary_builder.SummaryBuilder.build]
    gives the [`Summary`][graderkit._core.results.summary_builder.Summary] so far."""

    def __init__(self) -> None:
        self._all = _Moments()
        self._low, self._high = math.inf, -math.inf
        self._errored = self._passed = self._with_rule = 0
        self._flags: Counter[str] = Counter()
        self._details: dict[str, str] = {}
        self._subs: dict[str, list[float]] = {}
        self._runs: dict[int, list[float]] = {}
        self._tokens: dict[str, dict[str, int]] = {}

    def add(self, result: GradeResult, run: int = 0) -> None:
        """Add one result (of run ``run``)."""
        self.add_values(
            result.reward, run, errors=result.errors, sub_rewards=result.sub_rewards,
            passed=result.passed, usage=result.token_usage_per_model,
        )  # fmt: skip

    def add_batch(self, batch: BatchResult, runs: Sequence[int]) -> None:
        """Add every row of a local batch (row ``i`` is of run ``runs[i]``), by column.

        The same figures as calling [`add`][graderkit._core.results.summary_builder.SummaryBuilder.add] on
        each row, without building the rows' result objects.
        """
        special = set(batch.columns.errors) | set(batch.unparsable)
        normal = [i for i in range(len(batch)) if i not in special]
        rewards = batch.columns.rewards
        values = [rewards[i] for i in normal]
        if values:
            self._all.extend(values)
            self._low = min(self._low, min(values))
            self._high = max(self._high, max(values))
        for i in normal:
            totals = self._runs.get(runs[i])
            if totals is None:
                totals = self._runs[runs[i]] = [0.0, 0.0]
            totals[0] += 1
            totals[1] += rewards[i]
        for key, child in batch.columns.children.items():
            sub = self._subs.setdefault(key, [0.0, 0.0])
            sub[0] += len(normal)
            sub[1] += math.fsum(child.rewards[i] for i in normal)
        grader = batch.grader
        if passed_for(grader, GradeResult(reward=0.0, name="", type=grader.type)) is not None:
            for i in normal:
                probe = GradeResult(reward=rewards[i], name="", type=grader.type)
                self._with_rule += 1
                self._passed += bool(passed_for(grader, probe))
        for i in sorted(special):
            self.add(batch[i], runs[i])

    def add_row(self, row: Mapping[str, Any]) -> None:
        """Add one results-file line (the ``graders/run`` shape plus ``run`` and ``passed``)."""
        errors = (row.get("metadata") or {}).get("errors") or {}
        raised = {k: errors.get(DETAILS_KEYS.get(k, "")) for k, v in errors.items() if v is True}
        passed = row.get("passed")
        self.add_values(
            float(row["reward"]), int(row.get("run") or 0), errors=raised,
            sub_rewards=row.get("sub_rewards"),
            passed=passed if isinstance(passed, bool) else None,
            usage=row.get("model_grader_token_usage_per_model"),
        )  # fmt: skip

    def add_values(
        self,
        reward: float,
        run: int = 0,
        *,
        errors: Collection[str] | Mapping[str, Any] = (),
        sub_rewards: Mapping[str, float] | None = None,
        passed: bool | None = None,
        usage: Mapping[str, Mapping[str, int]] | None = None,
    ) -> None:
        """Add one result given by its figures (what ``add`` and ``add_row`` read).

        Args:
            reward: the reward.
            run: the run number.
            errors: the raised error flags (a mapping: flag -> its details text).
            sub_rewards: a multi's child rewards.
            passed: whether it passed the pass rule (``None``: no rule).
            usage: judge model -> token counts; integer counts are summed per name.

        Examples:
            >>> builder = SummaryBuilder()
            >>> builder.add_values(0.5, errors=["python_grader_runtime_error"])
            >>> builder.add_values(1.0, run=1, usage={"m": {"prompt_tokens": 3}})
            >>> s = builder.build()
            >>> s.mean, s.errored, s.run_means, s.tokens
            (0.75, 1, {0: 0.5, 1: 1.0}, {'m': {'prompt_tokens': 3}})
        """
        subs = sub_rewards or {}
        self._all.add(reward)
        self._low = min(self._low, reward)
        self._high = max(self._high, reward)
        runs = self._runs.get(run)
        if runs is None:
            runs = self._runs[run] = [0.0, 0.0]
        runs[0] += 1
        runs[1] += reward
        if errors:
            self._errored += 1
            self._flags.update(list(errors))  # the flags: a mapping would add its values
            if isinstance(errors, Mapping):
                self._first_details(errors)
        for key, value in subs.items():
            sub = self._subs.setdefault(key, [0.0, 0.0])
            sub[0] += 1
            sub[1] += value
        if passed is not None:
            self._with_rule += 1
            self._passed += passed
        for model, counts in (usage or {}).items():
            total = self._tokens.setdefault(model, {})
            for name, value in counts.items():
                if isinstance(value, int):
                    total[name] = total.get(name, 0) + value

    def _first_details(self, errors: Mapping[str, Any]) -> None:
        for flag, details in errors.items():
            if flag not in self._details and isinstance(details, str) and details.strip():
                self._details[flag] = one_line(details)

    def build(self, price_for: PriceFor | None = None) -> Summary:
        """The summary of everything added so far; ``price_for`` turns tokens into dollars."""
        moments = self._all
        moments.fold()
        n = moments.n
        run_means = {r: s / c for r, (c, s) in sorted(self._runs.items())}
        means = list(run_means.values())
        centre = math.fsum(means) / len(means) if means else 0.0
        run_var = math.fsum((m - centre) ** 2 for m in means) / len(means) if means else 0.0
        return Summary(
            count=n,
            mean=moments.mean if n else 0.0,
            std=math.sqrt(moments.m2 / n) if n else 0.0,
            minimum=self._low if n else 0.0,
            maximum=self._high if n else 0.0,
            errored=self._errored,
            error_counts=dict(self._flags),
            error_details=dict(self._details),
            sub_means={k: s / c for k, (c, s) in self._subs.items()},
            passed=self._passed if self._with_rule else None,
            run_means=run_means,
            run_std=math.sqrt(run_var),
            tokens={m: dict(t) for m, t in self._tokens.items()},
            cost=_cost(self._tokens, price_for),
        )


def one_line(details: str, width: int = 160) -> str:
    """An error's details on one line: a traceback's last line (the exception), else the
    first line; cut to ``width`` characters.

    Examples:
        >>> one_line("Traceback (most recent call last):\\n  File 'g.py', line 2\\nKeyError: 'a'")
        "KeyError: 'a'"
        >>> one_line("clinical: Traceback (most recent call last):\\n  ...\\nKeyError: 'a'")
        "clinical: KeyError: 'a'"
    """
    lines = [line.strip() for line in details.strip().splitlines() if line.strip()]
    head = (lines or [""])[0]
    prefix, marker, _ = head.partition("Traceback (most recent call last):")
    text = prefix + lines[-1] if marker and len(lines) > 1 else head
    return text if len(text) <= width else text[: width - 3] + "..."


def _cost(tokens: Mapping[str, Mapping[str, int]], price_for: PriceFor | None) -> float | None:
    if price_for is None:
        return None  # no price table: nothing to say (with one, no tokens cost $0)
    total = 0.0
    for model, usage in tokens.items():
        price = price_for(model)
        if price is None:
            return None
        total += price.cost(
            usage.get("prompt_tokens", 0),
            usage.get("completion_tokens", 0),
            usage.get("cached_tokens", 0),
        )
    return total


def summarize(
    results: Iterable[GradeResult],
    runs: Iterable[int] | None = None,
    *,
    price_for: PriceFor | None = None,
) -> Summary:
    """Summarize results (population std); ``runs`` gives each result's run number (default 0).

    Examples:
        >>> import graderkit as gk
        >>> g = gk.string_check("{{sample.output_text}}", "a", name="a")
        >>> summarize(gk.grade_many(g, ["a", "b"]), runs=[0, 1]).run_means
        {0: 1.0, 1: 0.0}
    """
    builder = SummaryBuilder()
    if runs is None:
        for result in results:
            builder.add(result)
    else:
        for result, run in zip(results, runs, strict=True):
            builder.add(result, run)
    return builder.build(price_for)
