"""``check`` and ``probe``: test a grader on a dataset; exit 1 when an invariant or a probe fails."""

from __future__ import annotations

import argparse
import json
from typing import Any

from graderkit.cli.exit_codes import ExitCode, UsageError
from graderkit.cli.grader_references import load_grader

__all__ = ["register"]

GRADER_HELP = "a grader: file.json, '-' for stdin, module:attribute or file.py:attribute"


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("grader", help=GRADER_HELP)
    p.add_argument("--data", required=True, help="items JSONL (one dataset row per line)")
    p.add_argument("--key", default="id", help="the field naming rows (and joining answers)")
    p.add_argument("--gold", help="the item field holding the gold answer (default: guessed)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--cache-dir", help="judge reply cache directory (model graders)")
    p.add_argument("--cassette", help="judge cassette to replay (model graders)")
    p.add_argument("--record", action="store_true", help="record replies missing from the cassette")


def register(sub: Any) -> None:
    """Add the subcommands of this module."""
    p = sub.add_parser(
        "check",
        help="check a grader's invariants on a dataset (range, determinism, variables, errors)",
    )
    _common(p)
    p.add_argument(
        "--samples", help="predictions JSONL ({id, output_text}); default: answers built per row"
    )
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.set_defaults(handler=check)

    p = sub.add_parser("probe", help="try reward-hacking rewrites of gold and wrong answers")
    _common(p)
    p.add_argument(
        "--answers",
        help="JSONL of wrong answers ({id, output_text}; rows whose kind is not 'wrong' are "
        "skipped, so a predictions file works); default: other rows' gold answers",
    )
    p.add_argument("--probes", help="comma-separated rewrite names (default: all)")
    p.add_argument("--max-items", type=int, help="probe only the first N rows")
    p.add_argument(
        "--tolerance", type=float, default=1e-9, help="rewards closer than this are equal"
    )
    p.set_defaults(handler=probe)


def _runner(args: argparse.Namespace) -> Any:
    from graderkit.testing.replay import replay_runner

    return replay_runner(args.cache_dir, args.cassette, record=args.record)


def check(args: argparse.Namespace) -> int:
    """``graderkit check``."""
    from graderkit._run.datasets.data_files import pair_predictions, read_jsonl
    from graderkit.testing.checks import check_grader

    grader = load_grader(args.grader)
    rows = list(read_jsonl(args.data))
    samples: list[Any] | None = None
    if args.samples:
        by_id = {str(row[args.key]): row for row in rows if args.key in row}
        pairs = list(pair_predictions(by_id, read_jsonl(args.samples), key=args.key))
        rows, samples = [dict(item) for _, item, _ in pairs], [s for s, _, _ in pairs]
    with _runner(args) as runner:
        report = check_grader(
            grader, rows, samples, runner=runner, key=args.key, gold=args.gold, strict=args.strict
        )
    print(json.dumps(report.to_dict(), indent=2) if args.json else report)
    return int(ExitCode.OK if report.ok else ExitCode.CHECK_FAILED)


def _wrong_answers(path: str, key: str) -> dict[str, str]:
    from graderkit._run.datasets.data_files import read_jsonl

    out: dict[str, str] = {}
    for row in read_jsonl(path):
        if row.get("kind", "wrong") != "wrong" or key not in row:
            continue
        text = row.get("output_text")
        if isinstance(text, str):
            out.setdefault(str(row[key]), text)
    return out


def probe(args: argparse.Namespace) -> int:
    """``graderkit probe``."""
    from graderkit._run.datasets.data_files import read_jsonl
    from graderkit.testing.probe_rewrites import REWRITES, REWRITES_BY_NAME
    from graderkit.testing.probes import probe as run_probe

    grader = load_grader(args.grader)
    rewrites = REWRITES
    if args.probes:
        names = [n.strip() for n in args.probes.split(",") if n.strip()]
        unknown = [n for n in names if n not in REWRITES_BY_NAME]
        if unknown:
            raise UsageError(f"unknown probe(s) {unknown}; known: {', '.join(REWRITES_BY_NAME)}")
        rewrites = tuple(REWRITES_BY_NAME[n] for n in names)
    wrong = _wrong_answers(args.answers, args.key) if args.answers else None
    with _runner(args) as runner:
        report = run_probe(
            grader,
            read_jsonl(args.data),
            gold=args.gold,
            wrong=wrong,
            rewrites=rewrites,
            runner=runner,
            key=args.key,
            tolerance=args.tolerance,
            max_items=args.max_items,
        )
    print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if args.json else report)
    return int(ExitCode.OK if report.ok else ExitCode.CHECK_FAILED)
