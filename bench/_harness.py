"""A tiny benchmark harness: time candidates against a reference in the same run, print ratios.

Every benchmark in bench/ uses it so the output has one shape:

    case                         seconds    per-op     ratio
    reference: ...                 0.153    1.53 µs     1.00
    graderkit: ...                 0.201    2.01 µs     1.31
"""

from __future__ import annotations

import gc
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Timing:
    name: str
    seconds: float
    ops: int

    @property
    def per_op_us(self) -> float:
        return self.seconds / self.ops * 1e6


def _times(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def best_of(fn: Callable[[], object], *, repeat: int = 5) -> float:
    """The minimum wall time over ``repeat`` runs (the least disturbed measurement)."""
    return min(_times(fn, repeat))


def median_of(fn: Callable[[], object], *, repeat: int = 5) -> float:
    """The median wall time over ``repeat`` runs."""
    return statistics.median(_times(fn, repeat))


def report(title: str, reference: Timing, candidates: list[Timing]) -> str:
    lines = [
        f"## {title}",
        f"python {platform.python_version()} on {platform.machine()}, {sys.platform}",
        "",
        "| case | seconds | per op | ratio vs reference |",
        "|---|---:|---:|---:|",
    ]
    for t in [reference, *candidates]:
        ratio = t.seconds / reference.seconds
        lines.append(f"| {t.name} | {t.seconds:.3f} | {t.per_op_us:.2f} µs | {ratio:.2f} |")
    return "\n".join(lines)
