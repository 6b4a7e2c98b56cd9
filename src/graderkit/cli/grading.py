"""``grade``: grade a dataset of predictions and print a summary."""

from __future__ import annotations

import argparse
import json
from typing import Any

from graderkit.cli.references import load_grader

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the subcommands of this module."""
    p = sub.add_parser("grade", help="grade predictions against a dataset and print a summary")
    p.add_argument("grader", help="a grader: file.json, module:attribute or file.py:attribute")
    p.add_argument("--data", required=True, help="items JSONL (one dataset row per line)")
    p.add_argument("--samples", required=True, help="predictions JSONL ({id, output_text, ...})")
    p.add_argument("--key", default="id", help="the field joining predictions to items")
    p.add_argument("--out", help="write one result per line (JSONL) here")
    p.set_defaults(handler=grade)


def grade(args: argparse.Namespace) -> int:
    """``graderkit grade``."""
    from graderkit._core.summary import summarize
    from graderkit._run.data import pair_predictions, read_jsonl
    from graderkit._run.runner import Runner

    grader = load_grader(args.grader)
    items = {str(row[args.key]): row for row in read_jsonl(args.data) if args.key in row}
    pairs = list(pair_predictions(items, read_jsonl(args.samples), key=args.key))
    with Runner() as runner:
        results = runner.grade_many(grader, [s for s, _, _ in pairs], [i for _, i, _ in pairs])
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            for (_, _, pred), result in zip(pairs, results, strict=True):
                row = {args.key: pred[args.key], "run": pred.get("run"), **result.to_dict()}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{grader.label}: {args.samples} against {args.data}")
    print("\n".join(summarize(results).lines()))
    return 0
