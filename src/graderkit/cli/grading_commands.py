"""``grade`` (a dataset of predictions into a resumable results file) and ``data check``."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from graderkit.cli.exit_codes import ExitCode
from graderkit.cli.grade_gates import gate_failures, max_errors
from graderkit.cli.grader_references import load_grader

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the subcommands of this module."""
    _register_grade(sub)
    data = sub.add_parser("data", help="check datasets and predictions before grading")
    data_sub = data.add_subparsers(dest="data_command", metavar="COMMAND", required=True)
    _register_check(data_sub)


def _register_grade(sub: Any) -> None:
    p = sub.add_parser(
        "grade",
        help="grade predictions against a dataset into a results file (resumable)",
        description=(
            "Grade every prediction against its item and append one JSON line per (id, run) to "
            "--out as it finishes. Run the same command again after an interruption (even "
            "kill -9): it grades only what is missing."
        ),
    )
    p.add_argument("grader", help="a grader: file.json, module:attribute or file.py:attribute")
    p.add_argument("--data", required=True, help="items JSONL (one dataset row per line)")
    p.add_argument(
        "--samples",
        required=True,
        help="predictions JSONL ({id, run?, output_text} per line; without the key: by line)",
    )
    p.add_argument("--out", help="results JSONL (default: a temporary file, not resumable)")
    p.add_argument("--key", default="id", help="the field joining predictions to items")
    p.add_argument(
        "--runs",
        type=_positive,
        default=1,
        help="grade each prediction without a 'run' field N times (runs 0..N-1)",
    )
    p.add_argument(
        "--concurrency", type=_positive, help="samples in flight for model/python graders"
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--resume",
        dest="resume",
        action="store_true",
        default=True,
        help="keep the results already in --out and grade the rest (default)",
    )
    mode.add_argument(
        "--restart", dest="resume", action="store_false", help="empty --out and grade everything"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--fail-under",
        type=float,
        metavar="MEAN",
        help="exit 6 when the mean reward (over the whole results file) is below MEAN",
    )
    p.add_argument(
        "--max-errors",
        type=max_errors,
        metavar="N|FRACTION",
        help="exit 6 when more rows than this errored: a count (5) or a fraction (0.05, 5%%); "
        "a run in which every row errored always exits 6",
    )
    p.set_defaults(handler=grade)


def _register_check(sub: Any) -> None:
    p = sub.add_parser(
        "check",
        help="check a dataset (and predictions) against a grader; exit 1 on errors",
        description=(
            "Check that every {{item.x}} the grader reads is in every row, the RFT format "
            "rules, duplicates, and the predictions (ids, runs, empty answers)."
        ),
    )
    p.add_argument("grader", nargs="?", help="the grader (omit to check the format only)")
    p.add_argument("--data", required=True, help="items JSONL")
    p.add_argument("--samples", help="predictions JSONL to check too")
    p.add_argument("--key", default="id", help="the field naming items")
    p.add_argument(
        "--split",
        choices=("train", "validation", "test"),
        help="check the RFT size limit (train 50,000 rows; validation/test 1,000)",
    )
    p.add_argument("--runs", type=_positive, default=1, help="the --runs you will grade with")
    p.add_argument(
        "--no-rft", dest="rft", action="store_false", help="not an RFT file: skip its rules"
    )
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.set_defaults(handler=check)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


def grade(args: argparse.Namespace) -> int:
    """``graderkit grade``."""
    from graderkit._run.datasets.batch_run import grade_file
    from graderkit._run.judge.accounting import price_for

    grader = load_grader(args.grader)
    with tempfile.TemporaryDirectory(prefix="graderkit-") as scratch:
        out = Path(args.out) if args.out else Path(scratch) / "results.jsonl"
        try:
            run = grade_file(
                grader, args.data, args.samples, out,
                key=args.key, runs=args.runs, concurrency=args.concurrency,
                resume=args.resume, progress=None if not args.quiet else False,
                price_for=price_for,
            )  # fmt: skip
        except KeyboardInterrupt:
            again = "run the same command again to resume" if args.out else "nothing kept"
            print(f"\ninterrupted: {again}", file=sys.stderr)
            return int(ExitCode.INTERRUPTED)
    print(f"{grader.label}: {args.samples} against {args.data}")
    lines = run.lines()
    if not args.out:
        lines = [line for line in lines if not line.startswith("graded")]
    print("\n".join(lines))
    failures = gate_failures(run.summary, fail_under=args.fail_under, max_errors=args.max_errors)
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    return int(ExitCode.GRADING_FAILED if failures else ExitCode.OK)


def check(args: argparse.Namespace) -> int:
    """``graderkit data check``."""
    from graderkit._run.datasets.data_files import check_dataset

    grader = load_grader(args.grader, sample_field_warnings=False) if args.grader else None
    report = check_dataset(
        grader, args.data, args.samples, key=args.key, split=args.split, rft=args.rft,
        runs=args.runs,
    )  # fmt: skip
    print("\n".join(report.lines()))
    failed = report.errors or (args.strict and report.warnings)
    return int(ExitCode.CHECK_FAILED if failed else ExitCode.OK)
