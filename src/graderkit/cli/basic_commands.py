"""``validate``, ``compile`` and ``run``: one grader at a time."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from graderkit._core.graders.item_keys import python_reads
from graderkit._core.graders.sample_fields import unknown_sample_fields
from graderkit._core.graders.wire import TARGETS, check_target, to_json
from graderkit.cli.exit_codes import ExitCode, UsageError
from graderkit.cli.grader_references import load_grader, read_json_arg

__all__ = ["register"]

GRADER_HELP = "a grader: file.json, '-' for stdin, module:attribute or file.py:attribute"


def register(sub: Any) -> None:
    """Add the subcommands of this module."""
    p = sub.add_parser("validate", help="check a grader and list the variables it reads")
    p.add_argument("grader", help=GRADER_HELP)
    p.add_argument("--target", choices=TARGETS, default="fine_tuning")
    p.set_defaults(handler=validate)

    p = sub.add_parser("compile", help="print the JSON OpenAI accepts for a target")
    p.add_argument("grader", help=GRADER_HELP)
    p.add_argument("--target", choices=TARGETS, default="fine_tuning")
    p.add_argument("--indent", type=int, default=2, help="0 for one line")
    p.set_defaults(handler=compile_)

    p = sub.add_parser("run", help="grade one sample locally and print the graders/run result")
    p.add_argument("grader", help=GRADER_HELP)
    p.add_argument("--sample", help="the model sample as text (graders/run's model_sample)")
    p.add_argument("--sample-json", help="a structured sample as JSON ({output_text, ...})")
    p.add_argument("--item", help="the dataset row as JSON")
    p.add_argument("--item-file", help="the dataset row as a JSON file")
    p.set_defaults(handler=run)


def validate(args: argparse.Namespace) -> int:
    """``graderkit validate``: exit 3 when the grader is invalid or reads a sample field the
    service never fills."""
    grader = load_grader(args.grader, sample_field_warnings=False)
    check_target(grader, args.target)
    problems = unknown_sample_fields(grader)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return int(ExitCode.BAD_GRADER)
    read = [v.text for v in grader.variables()]
    read += [
        f"item[{key!r}] ({label}, source line {line})" for label, key, line in python_reads(grader)
    ]
    children = getattr(grader, "graders", None)
    extra = f", {len(children)} sub-graders" if children else ""
    print(
        f"ok: {grader.label} is valid for {args.target}{extra}; reads: {', '.join(read) or 'nothing'}"
    )
    return int(ExitCode.OK)


def compile_(args: argparse.Namespace) -> int:
    """``graderkit compile``."""
    grader = load_grader(args.grader)
    print(to_json(grader, args.target, indent=args.indent or None))
    return 0


def run(args: argparse.Namespace) -> int:
    """``graderkit run``."""
    from graderkit._run.default_runner import grade

    grader = load_grader(args.grader)
    sample: Any = args.sample
    if args.sample_json is not None:
        sample = read_json_arg(args.sample_json, None, "--sample-json")
    if sample is None:
        raise UsageError("give the model sample with --sample TEXT or --sample-json JSON")
    item = read_json_arg(args.item, args.item_file, "--item") or {}
    if not isinstance(item, dict):
        raise UsageError("--item must be a JSON object (the dataset row)")
    print(json.dumps(grade(grader, sample, item).to_dict(), indent=2, ensure_ascii=False))
    return 0
