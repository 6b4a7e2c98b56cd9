"""Base vs fine-tuned: two results files of the same items, paired item by item.

Each item's reward is its mean over runs; the comparison pairs items present in both files and
reports the mean difference (with a 95% interval from the normal approximation of the paired
differences), wins, ties and losses, the items that got worse, the items at 0 in both (check
their gold answer), and the two score distributions side by side.

Examples:
    >>> from graderkit.report.results_file import ResultRow
    >>> from graderkit.report.results_summary import summarize_rows
    >>> base = summarize_rows([ResultRow("q1", 0, 0.2), ResultRow("q2", 0, 1.0)])
    >>> tuned = summarize_rows([ResultRow("q1", 0, 0.9), ResultRow("q2", 0, 0.5)])
    >>> c = compare_summaries(base, tuned)
    >>> round(c.mean_delta, 2), (c.wins, c.ties, c.losses), [d.id for d in c.worse]
    (0.1, (1, 0, 1), ['q2'])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from graderkit.report.html import (
    BUCKET_COLORS,
    card,
    legend,
    page,
    pill,
    section,
    table,
)
from graderkit.report.results_summary import HISTOGRAM_BINS, ResultsSummary, summarize_results
from graderkit.report.svg import Series, grouped_histogram, histogram

__all__ = ["Comparison", "ItemDelta", "compare_results", "compare_summaries", "render_comparison"]

TIE = 1e-9
"""Differences this small count as ties."""
_COLORS = ("#868e96", "#3b5bdb")


@dataclass(frozen=True, slots=True)
class ItemDelta:
    """One item in both files: its mean reward in each and the text of its worst run."""

    id: str
    a: float
    b: float
    a_text: str | None = None
    b_text: str | None = None
    reference: str | None = None

    @property
    def delta(self) -> float:
        """``b - a``: positive when the second file scores higher."""
        return self.b - self.a


@dataclass(frozen=True)
class Comparison:
    """Two summaries, paired by item.

    Attributes:
        a: the first (base) summary; ``b`` the second (fine-tuned).
        labels: display names of ``a`` and ``b``.
        paired: every item in both files, most degraded first.
        only_a: items only in ``a``; ``only_b`` only in ``b``.
        mean_delta: the mean of the paired differences (``b - a``).
        ci95: a 95% interval for ``mean_delta`` (normal approximation; equal ends with < 2 items).
        wins: items where ``b`` scores higher; ``ties``; ``losses``.
        both_zero: items at 0 in every run of both files.
    """

    a: ResultsSummary
    b: ResultsSummary
    labels: tuple[str, str]
    paired: tuple[ItemDelta, ...]
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    mean_delta: float
    ci95: tuple[float, float]
    wins: int
    ties: int
    losses: int
    both_zero: tuple[str, ...]

    @property
    def worse(self) -> tuple[ItemDelta, ...]:
        """Items that scored lower in ``b``, most degraded first."""
        return tuple(d for d in self.paired if d.delta < -TIE)

    @property
    def better(self) -> tuple[ItemDelta, ...]:
        """Items that scored higher in ``b``, most improved first."""
        return tuple(sorted((d for d in self.paired if d.delta > TIE), key=lambda d: -d.delta))

    def lines(self, limit: int = 10) -> list[str]:
        """The plain-text comparison ``graderkit compare`` prints."""
        la, lb = self.labels
        width = max(len(la), len(lb))
        out = [
            f"{la:<{width}}  mean {self.a.mean:.4f}  std across runs {self.a.std_across_runs:.4f}"
            f"  ({self.a.source})",
            f"{lb:<{width}}  mean {self.b.mean:.4f}  std across runs {self.b.std_across_runs:.4f}"
            f"  ({self.b.source})",
            f"paired     {len(self.paired)} items"
            + (
                f" ({len(self.only_a)} only in {la}, {len(self.only_b)} only in {lb})"
                if self.only_a or self.only_b
                else ""
            ),
            f"delta      {self.mean_delta:+.4f}  95% interval [{self.ci95[0]:+.4f}, "
            f"{self.ci95[1]:+.4f}]",
            f"items      {self.wins} better, {self.ties} same, {self.losses} worse",
        ]
        for key in sorted(set(self.a.sub_means) | set(self.b.sub_means)):
            va, vb = self.a.sub_means.get(key), self.b.sub_means.get(key)
            if va is not None and vb is not None:
                out.append(f"  sub {key:<30} {va:.4f} -> {vb:.4f} ({vb - va:+.4f})")
        if self.worse:
            out.append("worse")
            out += [
                f"  {d.id:<10} {d.a:.4f} -> {d.b:.4f} ({d.delta:+.4f})" for d in self.worse[:limit]
            ]
        if self.both_zero:
            out.append(f"both 0     {', '.join(self.both_zero[:10])} (check their gold answer)")
        return out


def compare_summaries(
    a: ResultsSummary, b: ResultsSummary, *, labels: tuple[str, str] = ("base", "fine-tuned")
) -> Comparison:
    """Pair two summaries item by item (see ``Comparison``)."""
    paired = []
    for ident, sa in a.per_item.items():
        sb = b.per_item.get(ident)
        if sb is None:
            continue
        ref = sa.reference if sa.reference is not None else sb.reference
        paired.append(ItemDelta(ident, sa.mean, sb.mean, sa.worst_text, sb.worst_text, ref))
    paired.sort(key=lambda d: (d.delta, d.id))
    deltas = [d.delta for d in paired]
    mean = math.fsum(deltas) / len(deltas) if deltas else 0.0
    half = _half_interval(deltas, mean)
    return Comparison(
        a=a,
        b=b,
        labels=labels,
        paired=tuple(paired),
        only_a=tuple(k for k in a.per_item if k not in b.per_item),
        only_b=tuple(k for k in b.per_item if k not in a.per_item),
        mean_delta=mean,
        ci95=(mean - half, mean + half),
        wins=sum(d > TIE for d in deltas),
        ties=sum(abs(d) <= TIE for d in deltas),
        losses=sum(d < -TIE for d in deltas),
        both_zero=tuple(
            d.id for d in paired if a.per_item[d.id].best == 0.0 and b.per_item[d.id].best == 0.0
        ),
    )


def _half_interval(deltas: Sequence[float], mean: float) -> float:
    n = len(deltas)
    if n < 2:
        return 0.0
    var = math.fsum((d - mean) ** 2 for d in deltas) / (n - 1)
    return 1.96 * math.sqrt(var / n)


def compare_results(
    a: str | Path,
    b: str | Path,
    *,
    labels: tuple[str, str] = ("base", "fine-tuned"),
    key: str = "id",
    items: str | Path | None = None,
    samples: tuple[str | Path | None, str | Path | None] = (None, None),
    reference_field: str = "reference_answer",
) -> Comparison:
    """Read and compare two results files (``samples``: each file's predictions, for text)."""
    sa = summarize_results(
        a, key=key, items=items, samples=samples[0], reference_field=reference_field
    )
    sb = summarize_results(
        b, key=key, items=items, samples=samples[1], reference_field=reference_field
    )
    return compare_summaries(sa, sb, labels=labels)


# ---- HTML ---------------------------------------------------------------------------------------


def render_comparison(c: Comparison, *, limit: int = 25) -> str:
    """The HTML page of a comparison (self-contained, like the results report)."""
    la, lb = c.labels
    heading = f"{escape(la)} <small>vs</small> {escape(lb)}"
    subtitle = (
        f"<code>{escape(c.a.source)}</code> vs <code>{escape(c.b.source)}</code> · "
        f"{len(c.paired)} paired items"
    )
    body = [
        _cards(c),
        _distributions(c),
        _subgraders(c),
        _item_table(c, c.worse[:limit], "Items that got worse", "worse"),
        _item_table(c, c.better[:limit], "Items that improved most", "better"),
        _both_zero(c),
    ]
    title = f"graderkit compare: {la} vs {lb}"
    return page(title, "graderkit comparison", heading, subtitle, body)


def _cards(c: Comparison) -> str:
    la, lb = c.labels
    sign = "good" if c.ci95[0] > 0 else "bad" if c.ci95[1] < 0 else ""
    return (
        '<div class="cards">'
        + "".join(
            [
                card(f"{la} mean", f"{c.a.mean:.3f}", f"std across runs {c.a.std_across_runs:.3f}"),
                card(f"{lb} mean", f"{c.b.mean:.3f}", f"std across runs {c.b.std_across_runs:.3f}"),
                card(
                    "mean difference",
                    f"{c.mean_delta:+.3f}",
                    f"95% [{c.ci95[0]:+.3f}, {c.ci95[1]:+.3f}]",
                    sign,
                ),
                card("better / worse", f"{c.wins} / {c.losses}", f"{c.ties} items unchanged"),
                card("answer length", *_tokens(c)),
            ]
        )
        + "</div>"
    )


def _tokens(c: Comparison) -> tuple[str, str]:
    ta = c.a.prediction_usage.get("completion_tokens", 0)
    tb = c.b.prediction_usage.get("completion_tokens", 0)
    if not ta or not tb:
        return "n/a", "no token counts in the predictions"
    per_a, per_b = ta / c.a.count, tb / c.b.count
    return f"{per_b / per_a:.2f}x", f"completion tokens: {per_a:,.0f} -> {per_b:,.0f}"


def _distributions(c: Comparison) -> str:
    la, lb = c.labels
    edges = [i / HISTOGRAM_BINS for i in range(HISTOGRAM_BINS + 1)]
    paired = grouped_histogram(
        [Series(la, c.a.histogram, _COLORS[0]), Series(lb, c.b.histogram, _COLORS[1])],
        edges=edges,
        title="Score histograms",
        ylabel="lines",
    )
    counts, colors = _delta_bins(c)
    deltas = histogram(
        counts,
        edges=[round(-1.05 + i * 0.1, 2) for i in range(22)],
        colors=colors,
        title="Per-item difference",
        xlabel=f"{lb} minus {la} (item mean over runs)",
        ylabel="items",
        every=5,
        centered=True,
    )
    return section(
        "Score distributions",
        "Every graded line of each file, in bins of 0.05.",
        paired,
        legend([(la, _COLORS[0]), (lb, _COLORS[1])]),
        '<h2 style="margin-top:18px">Per-item difference</h2>',
        '<p class="hint">Each item\'s mean over runs, second file minus first, in bins of 0.1: '
        "right of 0 improved, left of 0 got worse, the grey bar is within 0.05 of no change.</p>",
        deltas,
        anchor="distributions",
    )


def _delta_bins(c: Comparison) -> tuple[list[int], list[str]]:
    """21 bins of width 0.1 centred on -1, -0.9, ..., 1: the middle one holds the ties."""
    counts = [0] * 21
    for d in c.paired:
        counts[min(max(round(d.delta * 10), -10), 10) + 10] += 1
    worse, better = BUCKET_COLORS["off"], BUCKET_COLORS["perfect"]
    colors = [worse] * 10 + ["#adb5bd"] + [better] * 10
    return counts, colors


def _subgraders(c: Comparison) -> str:
    la, lb = c.labels
    keys = [k for k in c.a.sub_means if k in c.b.sub_means]
    rows = [(f"run {r}", c.a.run_means.get(r), c.b.run_means.get(r)) for r in c.a.runs]
    rows += [(f"sub-grader {k}", c.a.sub_means[k], c.b.sub_means[k]) for k in keys]
    rows.append(("all lines", c.a.mean, c.b.mean))
    cells = [
        (escape(name), _num(va), _num(vb), _num(None if va is None or vb is None else vb - va, "+"))
        for name, va, vb in rows
    ]
    return section(
        "Means",
        "Per run and per sub-grader.",
        table(["", la, lb, "difference"], cells, numeric=(1, 2, 3)),
        anchor="means",
    )


def _num(value: float | None, sign: str = "") -> str:
    return "-" if value is None else f"{value:{sign}.4f}"


def _item_table(c: Comparison, rows_in: Sequence[ItemDelta], title: str, anchor: str) -> str:
    la, lb = c.labels
    if not rows_in:
        return section(title, "", '<p class="empty">None.</p>', anchor=anchor)
    rows = [
        (
            f'<span class="id">{escape(d.id)}</span>',
            pill(d.a),
            pill(d.b),
            f"{d.delta:+.3f}",
            _cell(d.a_text),
            _cell(d.b_text),
            _cell(d.reference, "text ref"),
        )
        for d in rows_in
    ]
    hint = "Item means over runs; the texts are each file's lowest-scoring run of the item."
    headers = ["item", la, lb, "change", f"{la} answer", f"{lb} answer", "reference"]
    return section(title, hint, table(headers, rows, numeric=(3,)), anchor=anchor)


def _cell(text: str | None, cls: str = "text") -> str:
    if text is None:
        return '<span class="empty">-</span>'
    return f'<div class="{cls}">{escape(text)}</div>'


def _both_zero(c: Comparison) -> str:
    if not c.both_zero:
        return ""
    ids = "".join(f'<span class="chip flag">{escape(i)}</span>' for i in c.both_zero)
    return section(
        "Items at 0 for both",
        "No run of either model earned anything: the gold answer may be wrong.",
        ids,
        anchor="both-zero",
    )
