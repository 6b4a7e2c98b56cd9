"""Failures of the files graderkit reads and writes, told as one line naming the file and the fix.

An operating-system error (``ENOSPC``, ``EACCES``, a directory given for a file, ...) becomes a
sentence: the file, what happened and what to do. Writing a results file takes an advisory
lock (``fcntl.flock``) so that two runs never append to one file: the second refuses at once.
This module may import the standard library and ``graderkit.errors`` only.

Examples:
    >>> import errno
    >>> print(os_reason(OSError(errno.ENOSPC, "No space left on device")))
    no space left on device; free some disk space or write elsewhere
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from graderkit.errors import GraderkitError

__all__ = [
    "OutputError",
    "ResultsLocked",
    "is_regular",
    "lock_for_writing",
    "os_reason",
    "output_error",
    "writing",
]

_FIXES: dict[int, str] = {
    errno.ENOSPC: "free some disk space or write elsewhere",
    errno.EDQUOT: "free some space in your quota or write elsewhere",
    errno.EFBIG: "the file is larger than this system allows; write elsewhere",
    errno.EACCES: "check its permissions or choose another path",
    errno.EPERM: "check its permissions or choose another path",
    errno.EROFS: "the file system is read-only; choose another path",
    errno.EISDIR: "give a file path, not a directory",
    errno.ENOTDIR: "a part of the path is a file, not a directory; choose another path",
    errno.ENOENT: "check the path",
}


def os_reason(exc: OSError) -> str:
    """The reason of an ``OSError`` in words, with the fix when one is obvious."""
    if exc.errno == errno.EEXIST and exc.filename and not Path(exc.filename).is_dir():
        return f"{exc.filename} is a file, not a directory; choose another path"
    text = (exc.strerror or str(exc) or type(exc).__name__).rstrip(".")
    text = text[:1].lower() + text[1:]
    fix = _FIXES.get(exc.errno or -1)
    return f"{text}; {fix}" if fix else text


class OutputError(GraderkitError):
    """An output file cannot be written; the message names the file, the reason and the fix.

    Attributes:
        path: the file.
        errno: the operating system's error number (``errno.ENOSPC``, ...).

    Examples:
        >>> import errno
        >>> err = output_error("out.jsonl", OSError(errno.EACCES, "Permission denied"))
        >>> print(err)
        out.jsonl: cannot write: permission denied; check its permissions or choose another path
        >>> err.errno == errno.EACCES
        True
    """

    def __init__(self, message: str, path: str, number: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.errno = number


def output_error(path: str | Path, exc: OSError) -> OutputError:
    """An [`OutputError`][graderkit._run.datasets.file_errors.OutputError] for ``path``."""
    return OutputError(f"{path}: cannot write: {os_reason(exc)}", str(path), exc.errno)


@contextlib.contextmanager
def writing(path: str | Path | None) -> Iterator[None]:
    """Turn an ``OSError`` raised inside into an ``OutputError`` naming ``path`` (a write's
    error carries no file name: ENOSPC from ``write()`` says only "No space left on device").

    Examples:
        >>> import errno
        >>> try:
        ...     with writing("report.html"):
        ...         raise OSError(errno.ENOSPC, "No space left on device")
        ... except OutputError as e:
        ...     print(e)
        report.html: cannot write: no space left on device; free some disk space or write elsewhere
    """
    try:
        yield
    except OutputError:
        raise
    except OSError as exc:
        raise output_error(path if path is not None else exc.filename, exc) from None


class ResultsLocked(GraderkitError):
    """Another process is writing the same results file (its advisory lock is held)."""


def lock_for_writing(handle: IO[Any], path: str | Path) -> None:
    """Take an exclusive advisory lock on an open file, or raise ``ResultsLocked`` at once.

    The lock lasts until ``handle`` is closed (also when the process dies, even by
    ``kill -9``). Where ``fcntl`` does not exist (Windows) nothing is locked.

    Raises:
        ResultsLocked: when another process holds the lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ResultsLocked(
            f"{path}: another graderkit process is writing this file; wait for it to finish "
            "(then run again to resume) or choose another --out"
        ) from None
    except OSError as exc:  # a file system without locks (some network mounts): go on unlocked
        if exc.errno not in (errno.ENOLCK, errno.EINVAL, errno.EOPNOTSUPP):
            raise output_error(path, exc) from None


def is_regular(path: Path) -> bool:
    """True for a regular file (not a device such as ``/dev/full``, a FIFO or a directory)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False
