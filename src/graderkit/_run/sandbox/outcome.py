"""How a python sandbox call maps to a reward and error flags, and the limits of a call.

The parity decisions about python graders live here, each in one function:
`outcome_from_reply` (exceptions, bad return values, memory), `crash_outcome` (a worker that
died) and `timeout_outcome` (the wall-time limit). `graderkit._run.sandbox.worker.coerce_reward`
decides which return values are rewards.

Examples:
    >>> timeout_outcome(Limits(timeout_s=2)).errors
    {'unresponsive_reward_error': 'grade() did not return within the 2 s wall-time limit; its process was killed'}
"""

from __future__ import annotations

import signal
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Limits", "Outcome", "crash_outcome", "outcome_from_reply", "timeout_outcome"]

_RUNTIME = "python_grader_runtime_error"
_SERVER = "python_grader_server_error"
_TIMEOUT = "unresponsive_reward_error"


@dataclass(frozen=True)
class Limits:
    """The limits of one grading call (defaults: the service's documented limits).

    Attributes:
        timeout_s: wall time for one sample; importing the source (once per template) has
            ``start_timeout_s`` plus this.
        memory_bytes: address-space limit of each process (``RLIMIT_AS``).
        disk_bytes: the size of the sandbox's writable tmpfs, in total (and ``RLIMIT_FSIZE``).
        output_bytes: how much of what the grader prints is kept (characters).
        max_calls_per_worker: replace a template after this many samples (each sample runs
            in a fresh process anyway); ``None`` keeps it as long as it is healthy.
        start_timeout_s: how long a new template may take to start.
    """

    timeout_s: float = 120.0
    memory_bytes: int = 2 * 1024**3
    disk_bytes: int = 1024**3
    output_bytes: int = 64 * 1024
    max_calls_per_worker: int | None = None
    start_timeout_s: float = 60.0


@dataclass(frozen=True)
class Outcome:
    """What one call produced: the reward (0 when a flag is raised) and the raised flags.

    ``errors`` maps flag names of `graderkit.errors.ERROR_FLAGS` to their details (the traceback
    for ``python_grader_runtime_error``, the failure type for ``python_grader_server_error``).
    ``output`` is what the grader printed (bounded by `Limits.output_bytes`).
    """

    reward: float
    errors: dict[str, str | None] = field(default_factory=dict)
    output: str = ""


def outcome_from_reply(reply: Mapping[str, Any], limits: Limits) -> tuple[Outcome, bool]:
    """Map a worker's reply to an `Outcome` and whether the worker may be reused.

    Parity decisions (inferred from the flag names; the service documents only the flags):
    an exception or an invalid return value is ``python_grader_runtime_error`` with the traceback
    or the problem as details; a ``MemoryError`` is ``python_grader_server_error`` of type
    ``memory_limit_exceeded`` (the service's sandbox is killed when it runs out of memory).
    """
    status, output = reply.get("status"), str(reply.get("output") or "")
    if status == "ok":
        return Outcome(float(reply["reward"]), {}, output), not reply.get("recycle")
    if status == "runtime_error":
        return Outcome(0.0, {_RUNTIME: reply.get("details")}, output), not reply.get("recycle")
    if status == "memory_error":
        gib = limits.memory_bytes / 1024**3
        kind = f"memory_limit_exceeded: MemoryError with a limit of {gib:g} GiB"
        return Outcome(0.0, {_SERVER: kind}, output), False
    return Outcome(0.0, {_SERVER: f"protocol_error: unexpected reply {status!r}"}), False


def crash_outcome(status: int) -> Outcome:
    """The outcome when the worker died during a call (``python_grader_server_error``)."""
    if status < 0:
        name = signal.Signals(-status).name if -status in signal.valid_signals() else -status
        hint = " (probably out of memory)" if status == -signal.SIGKILL else ""
        kind = f"crashed: killed by {name}{hint}"
    else:
        kind = f"crashed: the process exited with status {status} (os._exit or native code)"
    return Outcome(0.0, {_SERVER: kind})


def timeout_outcome(limits: Limits, what: str = "grade()") -> Outcome:
    """The outcome of a call that did not return in time (inferred: ``unresponsive_reward_error``)."""
    return Outcome(
        0.0,
        {_TIMEOUT: f"{what} did not return within the {limits.timeout_s:g} s wall-time limit; "
                   "its process was killed"},
    )  # fmt: skip
