"""Token and cost accounting for model calls, and a pre-run cost estimate for a dataset.

Prices are US dollars per million tokens. [`DEFAULT_PRICES`][graderkit._run.judge.accounting.DEFAULT_PRICES]
holds OpenAI list prices at the time of writing for the judge and embedding models the docs
name; pass your own table to the engine (``prices={...}``) to override or extend it. A model
not in the table (a self-hosted model, an Azure deployment name) has cost ``None``, never 0.

Examples:
    >>> price_for("gpt-4.1-2025-04-14")
    Price(input=2.0, output=8.0, cached_input=0.5)
    >>> Price(input=2.0, output=8.0).cost(prompt_tokens=1_000_000, completion_tokens=0)
    2.0
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_PRICES",
    "CostEstimate",
    "Ledger",
    "Price",
    "Tally",
    "estimate_cost",
    "estimate_prompt_tokens",
    "price_for",
]

_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")
IMAGE_TOKENS = 765
"""Assumed prompt tokens per image (a 1024 x 1024 image at high detail) for estimates."""


@dataclass(frozen=True, slots=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float = 0.0
    cached_input: float | None = None
    """Price of cached prompt tokens; ``None`` means the same as ``input``."""

    def cost(self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float:
        """The dollar cost of one call's tokens."""
        cached_rate = self.input if self.cached_input is None else self.cached_input
        fresh = max(0, prompt_tokens - cached_tokens)
        return (
            fresh * self.input + cached_tokens * cached_rate + completion_tokens * self.output
        ) / 1e6


DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4.1": Price(2.00, 8.00, 0.50),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.025),
    "gpt-4o": Price(2.50, 10.00, 1.25),
    "gpt-4o-mini": Price(0.15, 0.60, 0.075),
    "o1": Price(15.00, 60.00, 7.50),
    "o3": Price(2.00, 8.00, 0.50),
    "o3-mini": Price(1.10, 4.40, 0.55),
    "o4-mini": Price(1.10, 4.40, 0.275),
    "gpt-5": Price(1.25, 10.00, 0.125),
    "gpt-5-mini": Price(0.25, 2.00, 0.025),
    "gpt-5-nano": Price(0.05, 0.40, 0.005),
    "text-embedding-3-large": Price(0.13),
    "text-embedding-3-small": Price(0.02),
}
"""OpenAI list prices (USD per 1M tokens) at the time of writing; check them before you trust
an estimate, and override with ``prices=`` on the engine."""


def price_for(model: str, prices: Mapping[str, Price] = DEFAULT_PRICES) -> Price | None:
    """The price of ``model``: an exact entry, else its snapshot's base name
    (``gpt-4.1-2025-04-14`` -> ``gpt-4.1``), else ``None``."""
    if model in prices:
        return prices[model]
    return prices.get(_SNAPSHOT.sub("", model))


@dataclass(slots=True)
class Tally:
    """Counts for one grader or one model (mutable; owned by a [`Ledger`][graderkit._run.judge.accounting.Ledger]).

    ``cost`` is ``None`` when any billed call used a model without a price.
    """

    calls: int = 0
    requests: int = 0
    cache_hits: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost: float | None = 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "calls": self.calls,
            "requests": self.requests,
            "cache_hits": self.cache_hits,
            "failures": self.failures,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cached_tokens": self.cached_tokens,
            "cost": self.cost,
        }


@dataclass(slots=True)
class Ledger:
    """Calls, tokens and dollars, per grader and per model, for one engine.

    A call answered from the cache or a cassette, or by an identical request in flight at the
    same time, counts as a ``cache_hit`` and costs nothing;
    ``requests`` counts every HTTP attempt, retries included.
    """

    prices: Mapping[str, Price] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    by_grader: dict[str, Tally] = field(default_factory=dict)
    by_model: dict[str, Tally] = field(default_factory=dict)

    def add(
        self,
        *,
        grader: str,
        model: str,
        requests: int,
        cached: bool,
        failed: bool,
        usage: Mapping[str, int] | None,
    ) -> None:
        """Record one finished call."""
        price = price_for(model, self.prices)
        for tally in (
            self.by_grader.setdefault(grader, Tally()),
            self.by_model.setdefault(model, Tally()),
        ):
            tally.calls += 1
            tally.requests += requests
            tally.cache_hits += cached
            tally.failures += failed
            if usage is None or cached:
                continue
            prompt, completion = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
            cached_tokens = usage.get("cached_tokens", 0)
            tally.prompt_tokens += prompt
            tally.completion_tokens += completion
            tally.cached_tokens += cached_tokens
            if tally.cost is not None:
                tally.cost = (
                    None
                    if price is None
                    else tally.cost + price.cost(prompt, completion, cached_tokens)
                )

    @property
    def total(self) -> Tally:
        """Everything, summed over models."""
        out = Tally()
        for t in self.by_model.values():
            out.calls += t.calls
            out.requests += t.requests
            out.cache_hits += t.cache_hits
            out.failures += t.failures
            out.prompt_tokens += t.prompt_tokens
            out.completion_tokens += t.completion_tokens
            out.cached_tokens += t.cached_tokens
            out.cost = None if out.cost is None or t.cost is None else out.cost + t.cost
        return out

    def to_dict(self) -> dict[str, Any]:
        """``{"total", "by_grader", "by_model"}``, JSON-ready."""
        return {
            "total": self.total.to_dict(),
            "by_grader": {k: v.to_dict() for k, v in self.by_grader.items()},
            "by_model": {k: v.to_dict() for k, v in self.by_model.items()},
        }


def estimate_prompt_tokens(body: Mapping[str, Any]) -> int:
    """Prompt tokens of a chat-completions body, estimated without a tokenizer.

    Heuristic (documented, deliberately simple): ceil(characters / 4) of every text part and
    of the JSON of ``response_format`` (the schema is sent to the model too), plus 4 tokens per
    message, plus ``IMAGE_TOKENS`` per image; audio counts its base64 characters / 4. For
    English prose chars/4 is OpenAI's own rule of thumb; expect +-25%.
    """
    chars = len(str(body.get("response_format") or ""))
    tokens = 0
    for message in body.get("messages", []):
        tokens += 4
        content = message.get("content")
        if isinstance(content, str):
            chars += len(content)
            continue
        for part in content or []:
            kind = part.get("type")
            if kind == "text":
                chars += len(part.get("text", ""))
            elif kind == "image_url":
                tokens += IMAGE_TOKENS
            elif kind == "input_audio":
                chars += len(part.get("input_audio", {}).get("data", ""))
    return tokens + math.ceil(chars / 4)


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """What grading a dataset will cost, estimated before sending anything.

    Attributes:
        calls: model calls the dataset needs (one per model grader per sample).
        prompt_tokens: estimated prompt tokens (see
            [`estimate_prompt_tokens`][graderkit._run.judge.accounting.estimate_prompt_tokens]).
        max_completion_tokens: the completion-token ceiling (each call's
            ``max_completion_tokens``).
        typical_completion_tokens: the assumed completion tokens per call times ``calls``.
        cost_max: dollars if every completion used its ceiling (``None``: a model has no price).
        cost_typical: dollars with the typical completion length.
        skipped: samples whose templates did not render (they would get
            ``invalid_variable_error`` and cost nothing).
        by_model: the same figures per judge model.
    """

    calls: int
    prompt_tokens: int
    max_completion_tokens: int
    typical_completion_tokens: int
    cost_max: float | None
    cost_typical: float | None
    skipped: int
    by_model: Mapping[str, Mapping[str, Any]]


def estimate_cost(
    grader: Any,
    pairs: Iterable[tuple[Any, Mapping[str, Any] | None]],
    *,
    prices: Mapping[str, Price] = DEFAULT_PRICES,
    typical_completion_tokens: int = 300,
) -> CostEstimate:
    """Estimate the tokens and dollars of grading ``pairs`` (sample, item) with ``grader``.

    Every score_model / label_model inside ``grader`` (a multi included) renders its request
    for each pair; prompt tokens are estimated from the rendered text, completion tokens are
    bounded by ``max_completion_tokens`` (4096 unless set) and, for the typical figure, assumed
    to be ``typical_completion_tokens`` (a judge's steps plus result; reasoning models spend
    more on hidden reasoning).

    Examples:
        >>> import graderkit as gk
        >>> judge = gk.score_model("Grade: {{ sample.output_text }}", model="gpt-4.1", name="j")
        >>> est = estimate_cost(judge, [("yes", {}), ("no", {})])
        >>> est.calls, est.max_completion_tokens, est.cost_max is not None
        (2, 8192, True)
    """
    from graderkit._core.judge.request import build_request
    from graderkit._core.templating.sample import to_sample
    from graderkit._core.templating.template import MissingVariable

    judges = list(_model_graders(grader))
    rows: dict[str, dict[str, Any]] = {}
    skipped = 0
    for sample, item in pairs:
        sample_dict = to_sample(sample)
        for judge in judges:
            try:
                body = build_request(judge, sample_dict, item or {})
            except MissingVariable:
                skipped += 1
                continue
            row = rows.setdefault(
                judge.model, {"calls": 0, "prompt_tokens": 0, "max_completion_tokens": 0}
            )
            row["calls"] += 1
            row["prompt_tokens"] += estimate_prompt_tokens(body)
            row["max_completion_tokens"] += body["max_completion_tokens"]
    return _estimate(rows, prices, typical_completion_tokens, skipped)


def _estimate(
    rows: dict[str, dict[str, Any]], prices: Mapping[str, Price], typical: int, skipped: int
) -> CostEstimate:
    cost_max: float | None = 0.0
    cost_typical: float | None = 0.0
    for model, row in rows.items():
        price = price_for(model, prices)
        row["typical_completion_tokens"] = row["calls"] * typical
        row["cost_max"] = (
            None
            if price is None
            else price.cost(row["prompt_tokens"], row["max_completion_tokens"])
        )
        row["cost_typical"] = (
            None
            if price is None
            else price.cost(row["prompt_tokens"], row["typical_completion_tokens"])
        )
        cost_max = (
            None if cost_max is None or row["cost_max"] is None else cost_max + row["cost_max"]
        )
        cost_typical = (
            None
            if cost_typical is None or row["cost_typical"] is None
            else cost_typical + row["cost_typical"]
        )
    return CostEstimate(
        calls=sum(r["calls"] for r in rows.values()),
        prompt_tokens=sum(r["prompt_tokens"] for r in rows.values()),
        max_completion_tokens=sum(r["max_completion_tokens"] for r in rows.values()),
        typical_completion_tokens=sum(r["typical_completion_tokens"] for r in rows.values()),
        cost_max=cost_max,
        cost_typical=cost_typical,
        skipped=skipped,
        by_model=rows,
    )


def _model_graders(grader: Any) -> Iterable[Any]:
    if grader.type in ("score_model", "label_model"):
        yield grader
    elif grader.type == "multi":
        for child in grader.graders.values():
            yield from _model_graders(child)
