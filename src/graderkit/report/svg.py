"""Inline SVG charts for the HTML reports: plain strings, no scripts, no external resources.

Every chart scales to its container (``viewBox`` plus ``width="100%"``) and carries a
``<title>`` per bar, which browsers show as a tooltip.

Examples:
    >>> svg = histogram([1, 0, 3], edges=[0.0, 0.5, 1.0, 1.5], colors=["#c00"] * 3, title="x")
    >>> svg.startswith("<svg") and svg.count("<rect") == 3
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Series", "grouped_histogram", "hbars", "histogram", "stacked_bar"]

_W, _H = 1000, 280
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 14, 40
_AXIS = "#8a94a6"
_GRID = "#e6e9ef"
_TEXT = "#4a5568"


@dataclass(frozen=True, slots=True)
class Series:
    """One series of a grouped histogram: a label, counts per bin, a colour."""

    label: str
    counts: Sequence[int]
    color: str


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _ticks(value: int) -> tuple[int, int]:
    """A whole-number axis for counts up to ``value``: ``(maximum, step)`` with a 1, 2 or 5
    x 10^k step and at most 5 steps.

    Examples:
        >>> _ticks(38), _ticks(3), _ticks(0)
        ((40, 10), (3, 1), (1, 1))
    """
    scale = 1
    while True:
        for m in (1, 2, 5):
            step = m * scale
            if step * 5 >= value:
                return max(1, -(-value // step)) * step, step
        scale *= 10


def _frame(title: str, ymax: int, step: int, ylabel: str) -> list[str]:
    plot_h = _H - _TOP - _BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for value in range(0, ymax + 1, step):
        y = _TOP + plot_h - plot_h * value / ymax
        parts.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_W - _RIGHT}" y2="{y:.1f}" stroke="{_GRID}"/>'
        )
        parts.append(
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{_TEXT}">{_fmt(value)}</text>'
        )
    parts.append(
        f'<text x="12" y="{_TOP + plot_h / 2:.1f}" font-size="11" fill="{_TEXT}" '
        f'text-anchor="middle" transform="rotate(-90 12 {_TOP + plot_h / 2:.1f})">'
        f"{escape(ylabel)}</text>"
    )
    return parts


def _x_axis(edges: Sequence[float], xlabel: str, every: int, centered: bool) -> list[str]:
    """Ticks at every ``every``-th edge, or, ``centered``, at every ``every``-th bin centre."""
    plot_w = _W - _LEFT - _RIGHT
    base = _H - _BOTTOM
    parts = [f'<line x1="{_LEFT}" y1="{base}" x2="{_W - _RIGHT}" y2="{base}" stroke="{_AXIS}"/>']
    n = len(edges) - 1
    if centered:
        marks = [(i + 0.5, round((edges[i] + edges[i + 1]) / 2, 9)) for i in range(n)]
    else:
        marks = [(float(i), edge) for i, edge in enumerate(edges)]
    for i, (at, edge) in enumerate(marks):
        if i % every:
            continue
        x = _LEFT + plot_w * at / n
        parts.append(
            f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" stroke="{_AXIS}"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{base + 17}" text-anchor="middle" font-size="11" '
            f'fill="{_TEXT}">{_fmt(edge)}</text>'
        )
    parts.append(
        f'<text x="{_LEFT + plot_w / 2:.1f}" y="{_H - 4}" text-anchor="middle" font-size="11" '
        f'fill="{_TEXT}">{escape(xlabel)}</text>'
    )
    return parts


def histogram(
    counts: Sequence[int],
    *,
    edges: Sequence[float],
    colors: Sequence[str],
    title: str,
    xlabel: str = "reward",
    ylabel: str = "count",
    every: int = 2,
    centered: bool = False,
) -> str:
    """A vertical bar chart of ``counts`` over bins ``edges`` (one more edge than counts);
    ``centered`` labels bin centres instead of edges.

    Raises:
        ValueError: when the lengths disagree.
    """
    if len(edges) != len(counts) + 1 or len(colors) != len(counts):
        raise ValueError("histogram needs len(edges) == len(counts) + 1 == len(colors) + 1")
    return grouped_histogram(
        [Series("", counts, "")],
        edges=edges,
        title=title,
        xlabel=xlabel,
        ylabel=ylabel,
        every=every,
        colors=colors,
        centered=centered,
    )


def grouped_histogram(
    series: Sequence[Series],
    *,
    edges: Sequence[float],
    title: str,
    xlabel: str = "reward",
    ylabel: str = "count",
    every: int = 2,
    colors: Sequence[str] | None = None,
    centered: bool = False,
) -> str:
    """Side-by-side bars per bin, one per series (``colors`` overrides per bin for one series)."""
    n = len(edges) - 1
    ymax, step = _ticks(max((max(s.counts, default=0) for s in series), default=0))
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    slot = plot_w / n
    gap = max(1.0, slot * 0.12)
    bar_w = (slot - gap) / len(series)
    parts = _frame(title, ymax, step, ylabel)
    for s_index, s in enumerate(series):
        for i, count in enumerate(s.counts):
            h = plot_h * count / ymax
            x = _LEFT + slot * i + gap / 2 + bar_w * s_index
            y = _TOP + plot_h - h
            fill = colors[i] if colors is not None else s.color
            label = f"{s.label}: " if s.label else ""
            tip = f"{label}{count} in [{_fmt(edges[i])}, {_fmt(edges[i + 1])})"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}" '
                f'fill="{escape(fill)}" rx="2"><title>{escape(tip)}</title></rect>'
            )
    parts += _x_axis(edges, xlabel, every, centered)
    parts.append("</svg>")
    return "".join(parts)


def hbars(
    rows: Sequence[tuple[str, float, str]],
    *,
    title: str,
    lo: float = 0.0,
    hi: float = 1.0,
    width: int = 480,
    label_w: int = 130,
) -> str:
    """Horizontal bars, one row per ``(label, value, colour)``, on a shared ``[lo, hi]`` scale."""
    row_h = 26
    height = row_h * len(rows) + 24
    span = (hi - lo) or 1.0
    plot_w = width - label_w - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>'
    ]
    for i in range(5):
        x = label_w + plot_w * i / 4
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 20}" stroke="{_GRID}"/>'
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" font-size="11" '
            f'fill="{_TEXT}">{_fmt(lo + span * i / 4)}</text>'
        )
    for i, (label, value, color) in enumerate(rows):
        y = i * row_h + 4
        w = plot_w * min(max((value - lo) / span, 0.0), 1.0)
        room = label_w // 7
        short = label if len(label) <= room else label[: room - 1] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end" font-size="12" '
            f'fill="{_TEXT}">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="18" rx="3" '
            f'fill="{escape(color)}"><title>{escape(label)}: {value:.4f}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 14}" font-size="12" '
            f'fill="{_TEXT}">{value:.3f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar(parts_in: Sequence[tuple[str, int, str]], *, title: str) -> str:
    """One horizontal bar split into ``(label, count, colour)`` segments (zero counts omitted)."""
    total = sum(c for _, c, _ in parts_in) or 1
    width, height = _W, 34
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>'
    ]
    x = 0.0
    for label, count, color in parts_in:
        if not count:
            continue
        w = width * count / total
        parts.append(
            f'<rect x="{x:.1f}" y="4" width="{w:.1f}" height="26" fill="{escape(color)}">'
            f"<title>{escape(label)}: {count} ({count / total:.0%})</title></rect>"
        )
        if w > 46:
            parts.append(
                f'<text x="{x + w / 2:.1f}" y="22" text-anchor="middle" font-size="12" '
                f'fill="#fff" font-weight="600">{count / total:.0%}</text>'
            )
        x += w
    parts.append("</svg>")
    return "".join(parts)
