"""A one-line progress bar on stderr: count, percent, rate and time left. No dependency.

It draws only on a terminal (``stream.isatty()``) and at most a few times a second, so
piping or logging the output stays clean.

Examples:
    >>> import io
    >>> bar = Progress(total=200, stream=io.StringIO(), enabled=True, interval=0)
    >>> bar.advance(50)
    >>> bar.text(elapsed=2.0)
    '  50/200  25.0%  25.0/s  ETA 0:00:06'
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Counts finished units and redraws the bar on ``stream``.

    Args:
        total: the expected number of units (``None`` when unknown: no percent or ETA).
        initial: units already finished before this session (a resumed run).
        stream: where to draw (default: stderr).
        enabled: draw at all (default: when ``stream`` is a terminal).
        interval: seconds between redraws.
        label: a word in front of the bar.
    """

    def __init__(
        self,
        total: int | None = None,
        *,
        initial: int = 0,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        interval: float = 0.2,
        label: str = "",
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_tty(self.stream) if enabled is None else enabled
        self.total = total
        self.initial = self.done = initial
        self.interval = interval
        self.label = label
        self._start = time.monotonic()
        self._last = -float("inf")

    def advance(self, n: int = 1) -> None:
        """Count ``n`` finished units; redraw when the interval has passed."""
        self.done += n
        if self.enabled:
            now = time.monotonic()
            if now - self._last >= self.interval:
                self._last = now
                self._draw(now - self._start)

    def text(self, elapsed: float) -> str:
        """The bar's text after ``elapsed`` seconds of this session."""
        fresh = self.done - self.initial
        rate = fresh / elapsed if elapsed > 0 else 0.0
        parts = [f"{self.label}  " if self.label else "  "]
        if self.total:
            total = max(self.total, self.done)
            parts.append(f"{self.done:,}/{total:,}  {100 * self.done / total:.1f}%")
        else:
            parts.append(f"{self.done:,}")
        parts.append(f"  {rate:,.1f}/s")
        if self.total and rate > 0:
            left = max(0, max(self.total, self.done) - self.done) / rate
            parts.append(f"  ETA {_clock(left)}")
        return "".join(parts)

    def close(self) -> None:
        """Draw the final state and end the line."""
        if self.enabled:
            self._draw(time.monotonic() - self._start)
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, elapsed: float) -> None:
        self.stream.write("\r" + self.text(elapsed) + "\033[K")
        self.stream.flush()


def _clock(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _is_tty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
