"""The ``graderkit`` command: argument parsing and exit codes, nothing else.

Exit codes: 0 success; 1 the grader (or data) is invalid, or a check failed; 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
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
from graderkit.errors import GraderkitError

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
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.formatwarning = _format_warning
    try:
        code: int = args.handler(args)
    except GraderkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `graderkit compile g.json | head`
        return 0
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
