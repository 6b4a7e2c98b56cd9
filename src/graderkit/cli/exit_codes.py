"""The ``graderkit`` command's exit codes, and how each failure becomes one line and a code.

One code per class of failure, so a script or CI job can tell what to fix from the number
alone; the message on stderr says which file (and line), what is wrong and how to fix it.
[`ExitCode`][graderkit.cli.exit_codes.ExitCode] and ``MEANINGS`` are the one list: ``graderkit
--help`` and docs/cli.md are generated from them. The input at fault picks the code: the grader
argument (3), an input data file (4), an output file (5). A user error never shows a traceback;
an unexpected exception is a bug (70): its traceback is printed with a request to report it.

Examples:
    >>> from graderkit._run.datasets.data_files import DataError
    >>> code, message = classify(DataError("items.jsonl:3: not valid JSON (Expecting value)"))
    >>> code.name, int(code), message
    ('BAD_DATA', 4, 'items.jsonl:3: not valid JSON (Expecting value)')
"""

from __future__ import annotations

import enum

from graderkit.errors import GraderkitError, InvalidGrader

__all__ = ["BUG_REPORT", "ExitCode", "UsageError", "classify", "epilog"]

BUG_REPORT = "this is a bug in graderkit, please report it with the command and the traceback above"


class ExitCode(enum.IntEnum):
    """The exit codes of the ``graderkit`` command (see the module docstring)."""

    OK = 0
    CHECK_FAILED = 1
    USAGE = 2
    BAD_GRADER = 3
    BAD_DATA = 4
    IO = 5
    GRADING_FAILED = 6
    SERVICE = 7
    ENVIRONMENT = 8
    INTERNAL = 70
    INTERRUPTED = 130


MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.CHECK_FAILED: "a check found problems",
    ExitCode.USAGE: "bad command line (options, argument values)",
    ExitCode.BAD_GRADER: "the grader (missing, no such name, invalid)",
    ExitCode.BAD_DATA: "an input data file (missing, not UTF-8, malformed line)",
    ExitCode.IO: "an output file cannot be written, or another run holds its lock",
    ExitCode.GRADING_FAILED: "grading failed its gates (all rows errored, --fail-under, "
    "--max-errors)",
    ExitCode.SERVICE: "the model or fine-tuning service (no key, network, HTTP error; rerun to retry)",
    ExitCode.ENVIRONMENT: "a missing dependency (an optional extra, WordNet)",
    ExitCode.INTERNAL: "a bug in graderkit (please report it)",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
}
"""One line per code, for ``graderkit --help`` and docs/cli.md."""


class UsageError(GraderkitError):
    """A command line whose options do not go together (exit code 2).

    Examples:
        >>> classify(UsageError("give --sample TEXT or --sample-json JSON"))[0].name
        'USAGE'
    """


def _by_name() -> dict[str, ExitCode]:
    """graderkit's error classes (by name, to keep the CLI's imports light) -> their code."""
    return {
        "GraderNotFound": ExitCode.BAD_GRADER,
        "CassetteMiss": ExitCode.SERVICE,
        "DataError": ExitCode.BAD_DATA,
        "OutputError": ExitCode.IO,
        "ResultsLocked": ExitCode.IO,
        "ServiceError": ExitCode.SERVICE,
        "MissingCredentials": ExitCode.SERVICE,
        "EmbeddingError": ExitCode.SERVICE,
        "DatasetNotReady": ExitCode.BAD_DATA,
        "JobError": ExitCode.USAGE,
        "SamplingError": ExitCode.USAGE,
        "UsageError": ExitCode.USAGE,
        "WordNetMissing": ExitCode.ENVIRONMENT,
        "MissingDependency": ExitCode.ENVIRONMENT,
    }


def classify(exc: BaseException) -> tuple[ExitCode, str]:
    """The exit code of a failure and the one-line message to print (without ``error:``).

    graderkit's own errors keep their message (it names the file, the problem and the fix);
    an ``OSError`` that escaped names its file; anything else is ``INTERNAL``, a bug.
    """
    if isinstance(exc, GraderkitError):
        if isinstance(exc, InvalidGrader):
            return ExitCode.BAD_GRADER, str(exc)
        for cls in type(exc).__mro__:
            code = _by_name().get(cls.__name__)
            if code is not None:
                return code, str(exc)
        if isinstance(exc, ImportError):  # a missing optional dependency
            return ExitCode.ENVIRONMENT, str(exc)
        return ExitCode.CHECK_FAILED, str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED, "interrupted"
    if isinstance(exc, ImportError):
        missing = f"no module named {exc.name!r}" if exc.name else str(exc)
        return ExitCode.ENVIRONMENT, f"{missing}: install the graderkit extra that provides it"
    if isinstance(exc, OSError):
        from graderkit._run.datasets.file_errors import os_reason

        where = f"{exc.filename}: " if exc.filename else ""
        return ExitCode.IO, f"{where}{os_reason(exc)}"
    return ExitCode.INTERNAL, f"{type(exc).__name__}: {exc}; {BUG_REPORT}"


def epilog() -> str:
    """The exit-code table shown at the end of ``graderkit --help``."""
    rows = [f"  {int(code):>3}  {MEANINGS[code]}" for code in ExitCode]
    return "exit codes:\n" + "\n".join(rows)
