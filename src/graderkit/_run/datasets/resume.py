"""The append-only results file, and how a killed run picks up where it stopped.

The rules that make ``kill -9`` at any moment safe:

1. Each result is one line, written with a single ``write`` of the whole line and flushed, so
   a killed process leaves at most one incomplete line, at the very end.
2. A line counts as written only once its newline is on disk. On resume, a last line without
   a newline is a torn write: it is cut off (the file is truncated to the last newline) and
   that sample is graded again.
3. Finished samples are identified by ``(id, run)`` read from each line, never by line count
   or position, so lines written out of order by concurrent workers resume correctly.
4. One writer at a time: the file is locked (``fcntl.flock``) before it is read or emptied,
   and a second run on the same file refuses at once instead of appending duplicates.
5. A line that is complete but not a result of this grader (corrupt, another grader's, or a
   repeated ``(id, run)``) stops the run with an error naming the line: graderkit never
   guesses; ``--restart`` (``resume=False``) starts the file over.

Examples:
    >>> keys = KeySet()
    >>> keys.add("q1", 0), keys.add("q1", 0), ("q1", 0) in keys, ("q1", 1) in keys
    (True, False, True, False)
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO, Any

from graderkit._core.graders.models import GraderBase
from graderkit._core.results.result_lines import LineError, decode_line, line_key
from graderkit._core.results.summary_builder import SummaryBuilder
from graderkit._run.datasets.data_files import DataError
from graderkit._run.datasets.file_errors import (
    OutputError,
    is_regular,
    lock_for_writing,
    output_error,
)

__all__ = ["KeySet", "ResultsFile"]

_SMALL_RUNS = 4096
"""Runs below this are bits of one integer per id; larger ones go to a plain set."""


class KeySet:
    """A set of ``(id, run)`` pairs that costs one small integer per id, not per pair."""

    __slots__ = ("_big", "_masks", "count")

    def __init__(self) -> None:
        self._masks: dict[str, int] = {}
        self._big: set[tuple[str, int]] = set()
        self.count = 0

    def add(self, ident: str, run: int) -> bool:
        """Add a pair; False when it was already there."""
        if run >= _SMALL_RUNS:
            if (ident, run) in self._big:
                return False
            self._big.add((ident, run))
        else:
            mask = self._masks.get(ident, 0)
            bit = 1 << run
            if mask & bit:
                return False
            self._masks[ident] = mask | bit
        self.count += 1
        return True

    def __contains__(self, pair: object) -> bool:
        if not isinstance(pair, tuple) or len(pair) != 2:
            return False
        ident, run = pair
        if not isinstance(run, int) or run < 0:
            return False
        if run >= _SMALL_RUNS:
            return pair in self._big
        return bool(self._masks.get(ident, 0) >> run & 1)

    def __len__(self) -> int:
        return self.count


class ResultsFile:
    """A results file opened for resuming (or restarting), then appended to line by line.

    Args:
        path: the file (created when missing).
        key: the join key field of each line.
        grader: the grader whose results the file holds (lines of another grader are refused).
        resume: keep the finished lines (default); ``False`` empties the file first.

    Attributes:
        done: the ``(id, run)`` pairs already in the file.
        summary: a builder holding the figures of every line already in the file.
        torn: True when a torn last line was cut off.
    """

    def __init__(self, path: str | Path, *, key: str, grader: GraderBase, resume: bool = True):
        self.path = Path(path)
        self.key = key
        self.name, self.type = grader.result_name, grader.type
        self.done = KeySet()
        self.summary = SummaryBuilder()
        self.torn = False
        self._handle: IO[bytes] | None = self._open_locked()
        try:
            if is_regular(self.path):  # a device such as /dev/null is only written to
                if resume:
                    self._scan()
                else:
                    self._handle.truncate(0)
        except BaseException:
            self.close(sync=False)
            raise

    def _open_locked(self) -> IO[bytes]:
        """Open for appending (nothing is emptied before the lock is held), then lock."""
        if self.path.is_dir():
            raise OutputError(
                f"{self.path}: is a directory; give a results file path such as "
                f"{self.path / 'results.jsonl'}",
                str(self.path),
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "ab")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise output_error(self.path, exc) from None
        try:
            lock_for_writing(handle, self.path)
        except BaseException:
            handle.close()
            raise
        return handle

    def _scan(self) -> None:
        good_end = 0
        with open(self.path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                if not raw.endswith(b"\n"):
                    self.torn = True  # the last line, half written when the run was killed
                    break
                good_end += len(raw)
                if raw.strip():
                    self._take(number, raw)
        if self.torn:
            with open(self.path, "r+b") as handle:
                handle.truncate(good_end)

    def _take(self, number: int, raw: bytes) -> None:
        try:
            row = decode_line(raw.decode("utf-8"), self.key)
        except (LineError, UnicodeDecodeError) as exc:
            raise DataError(
                f"{self.path}:{number}: not a result line ({exc}); {_RESTART}"
            ) from None
        meta: Any = row.get("metadata")
        if (
            not isinstance(meta, dict)
            or meta.get("name") != self.name
            or meta.get("type") != self.type
        ):
            found = meta if isinstance(meta, dict) else {}
            raise DataError(
                f"{self.path}:{number}: a result of {found.get('type')} {found.get('name')!r}, "
                f"not of this grader ({self.type} {self.name!r}); {_RESTART}"
            )
        ident, run = line_key(row, self.key)
        if not self.done.add(ident, run):
            raise DataError(
                f"{self.path}:{number}: {self.key}={ident!r} run {run} is already in the file"
            )
        self.summary.add_row(row)

    def write(self, text: str) -> None:
        """Append whole lines and flush them to the operating system."""
        if self._handle is None:
            raise ValueError(f"{self.path} is closed")
        try:
            self._handle.write(text.encode("utf-8"))
            self._handle.flush()
        except OSError as exc:
            raise output_error(self.path, exc) from None

    def close(self, *, sync: bool = True) -> None:
        """Close the file, first asking the disk to keep it (``fsync``) when ``sync``."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            if sync and is_regular(self.path):
                os.fsync(handle.fileno())
        except OSError as exc:
            raise output_error(self.path, exc) from None
        finally:
            with contextlib.suppress(OSError):  # what matters was raised by write or fsync
                handle.close()

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_RESTART = "pass --restart to grade everything again into this file, or choose another --out"
