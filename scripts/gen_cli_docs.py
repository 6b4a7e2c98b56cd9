"""Write docs/cli.md from the real argument parser (CI checks it is up to date).

Run: python scripts/gen_cli_docs.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graderkit.cli import build_parser

OUT = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def _subcommands(
    parser: argparse.ArgumentParser, prefix: str
) -> list[tuple[str, argparse.ArgumentParser]]:
    found: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                full = f"{prefix} {name}"
                found.append((full, sub))
                found.extend(_subcommands(sub, full))
    return found


def render() -> str:
    parser = build_parser()
    parser.formatter_class = lambda prog: argparse.RawDescriptionHelpFormatter(prog, width=100)
    lines = [
        "# Command line reference",
        "",
        "Generated from the real parser by `python scripts/gen_cli_docs.py`; a test fails when",
        "this page and the CLI disagree.",
        "",
        "Every command exits with one of the codes listed at the end of `graderkit --help`",
        "(`graderkit.cli.exit_codes.ExitCode`). A mistake in the input never prints a traceback:",
        "one line, `error: <file[:line]>: <problem>; <fix>`, on stderr. Code 70 means a bug in",
        "graderkit: its traceback is printed, with a request to report it.",
        "",
        "```text",
        parser.format_help().rstrip(),
        "```",
    ]
    for name, sub in _subcommands(parser, "graderkit"):
        sub.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=100)
        lines += ["", f"## `{name}`", "", "```text", sub.format_help().rstrip(), "```"]
    return "\n".join(lines) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text() != text:
            print("docs/cli.md is out of date: run python scripts/gen_cli_docs.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
