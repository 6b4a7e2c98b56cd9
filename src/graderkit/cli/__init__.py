"""The ``graderkit`` command: argument parsing and exit codes, nothing else.

Exit codes: one per class of failure, listed in [`ExitCode`][graderkit.cli.exit_codes.ExitCode]
(0 success, 1 a check failed, 2 usage, 3 bad grader, 4 bad data, 5 I/O, 6 grading failed,
7 service, 8 missing dependency, 70 a bug, 130 interrupted). A user error prints one line,
``error: <file[:line]>: <problem>; <fix>``, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from collections.abc import Sequence

from graderkit.cli import (
    basic_commands,
    grading_commands,
    integration_commands,
    quickstart_commands,
    serve_commands,
    testing_commands,
    workflow_commands,
)
from graderkit.cli.exit_codes import ExitCode, classify, epilog

__all__ = ["build_parser", "main"]

COMMANDS = (
    basic_commands,
    grading_commands,
    workflow_commands,
    testing_commands,
    integration_commands,
    quickstart_commands,
    serve_commands,
)
"""Each module adds its subcommands with ``register(subparsers)``."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to generate the CLI reference in the docs)."""
    parser = argparse.ArgumentParser(
        prog="graderkit",
        description="Author, compile, run and test OpenAI-compatible graders locally.",
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``graderkit.cli.exit_codes``)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse printed the usage and the error (or the help)
        return exit_.code if isinstance(exit_.code, int) else int(ExitCode.USAGE)
    warnings.formatwarning = _format_warning
    try:
        code: int = args.handler(args)
    except BrokenPipeError:  # e.g. `graderkit compile g.json | head`
        return int(ExitCode.OK)
    except (Exception, KeyboardInterrupt) as exc:
        failure, message = classify(exc)
        if failure is ExitCode.INTERNAL:
            traceback.print_exc()
        print(f"\n{message}" if failure is ExitCode.INTERRUPTED else f"error: {message}",
              file=sys.stderr)  # fmt: skip
        return int(failure)
    return code


def _format_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    line: str | None = None,
) -> str:
    return f"warning: {message}\n"


def _version() -> str:
    from graderkit import __version__

    return f"graderkit {__version__}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
