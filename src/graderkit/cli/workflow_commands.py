"""The RFT workflow around grading: ``sample``, ``report``, ``compare`` (and, from
``handoff``, ``job`` and ``parity``)."""

from __future__ import annotations

import argparse
import json
import sys
from itertools import islice
from pathlib import Path
from typing import Any

from graderkit._run.datasets.file_errors import writing
from graderkit.cli import handoff_commands as handoff
from graderkit.cli.exit_codes import ExitCode, UsageError
from graderkit.cli.grader_references import read_json_arg

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the subcommands of this module."""
    _register_sample(sub)
    _register_report(sub)
    _register_compare(sub)
    handoff.register(sub)


def _register_sample(sub: Any) -> None:
    p = sub.add_parser(
        "sample", help="ask a model for predictions on an RFT dataset (the baseline step)"
    )
    p.add_argument("--model", required=True, help="the model (or Azure deployment) to ask")
    p.add_argument("--data", required=True, help="RFT items JSONL (messages plus an id field)")
    p.add_argument("--out", required=True, help="predictions JSONL to write (resumed if present)")
    p.add_argument("--runs", type=int, default=1, help="answers per item (default 1)")
    p.add_argument("--key", default="id", help="the items' id field (default id)")
    p.add_argument("--reasoning-effort", choices=("minimal", "low", "medium", "high"))
    p.add_argument("--temperature", type=float)
    p.add_argument("--max-completion-tokens", type=int)
    p.add_argument("--seed", type=int, help="run r sends seed + r (default: no seed)")
    p.add_argument("--response-format", help="a JSON file with a chat response_format")
    p.add_argument("--limit", type=int, help="only the first N items")
    p.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    p.add_argument("--cache-dir", help="cache replies here (then set --seed when --runs > 1)")
    handoff.add_connection_arguments(p)
    p.set_defaults(handler=sample)


def _register_report(sub: Any) -> None:
    p = sub.add_parser("report", help="summarize a results file and write an HTML report")
    p.add_argument("results", help="results JSONL (graderkit grade --out)")
    _add_text_sources(p)
    p.add_argument("--samples", help="the predictions JSONL, for the text of each answer")
    p.add_argument("--html", help="where to write the HTML (default: RESULTS with .html)")
    p.add_argument("--no-html", action="store_true", help="print the summary only")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--lowest", type=int, default=25, help="lowest-scoring lines to list")
    p.set_defaults(handler=report)


def _register_compare(sub: Any) -> None:
    p = sub.add_parser("compare", help="compare two results files item by item (base vs tuned)")
    p.add_argument("a", help="the first results JSONL (e.g. the base model)")
    p.add_argument("b", help="the second results JSONL (e.g. the fine-tuned model)")
    p.add_argument("--labels", default="base,fine-tuned", help="two names, comma-separated")
    _add_text_sources(p)
    p.add_argument("--samples-a", help="the first file's predictions (answer text, tokens)")
    p.add_argument("--samples-b", help="the second file's predictions")
    p.add_argument("--html", help="where to write the HTML (default: A-vs-B.html beside A)")
    p.add_argument("--no-html", action="store_true", help="print the comparison only")
    p.add_argument("--limit", type=int, default=25, help="items listed per table")
    p.set_defaults(handler=compare)


def _add_text_sources(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", help="the items JSONL, to show each reference answer")
    p.add_argument("--key", default="id", help="the field naming the item (default id)")
    p.add_argument(
        "--reference-field",
        default="reference_answer",
        help="the item field holding the reference (default reference_answer)",
    )


def sample(args: argparse.Namespace) -> int:
    """``graderkit sample``."""
    from graderkit._run.datasets.data_files import read_jsonl
    from graderkit._run.workflow.baseline_sampling import SamplingConfig
    from graderkit._run.workflow.baseline_sampling import sample as run_sampling

    config = SamplingConfig(
        args.model,
        runs=args.runs,
        reasoning_effort=args.reasoning_effort,
        temperature=args.temperature,
        max_completion_tokens=args.max_completion_tokens,
        seed=args.seed,
        response_format=read_json_arg(None, args.response_format, "--response-format"),
    )
    items = list(islice(read_jsonl(args.data), args.limit))
    engine = handoff.engine(args, concurrency=args.concurrency, cache_dir=args.cache_dir)
    bar = handoff.ProgressBar("sample")
    try:
        result = run_sampling(
            items, config, out=args.out, engine=engine, key=args.key, progress=bar
        )
    finally:
        bar.close()
    print("\n".join(result.lines()))
    print(f"predictions: {args.out}")
    return int(ExitCode.SERVICE if result.failed else ExitCode.OK)


def report(args: argparse.Namespace) -> int:
    """``graderkit report``."""
    from graderkit.report.html import write_report
    from graderkit.report.results_summary import summarize_results

    summary = summarize_results(
        args.results,
        key=args.key,
        items=args.data,
        samples=args.samples,
        reference_field=args.reference_field,
        lowest=args.lowest,
    )
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print("\n".join(summary.lines()))
    if not args.no_html:
        path = Path(args.html) if args.html else Path(args.results).with_suffix(".html")
        with writing(path):
            write_report(summary, path)
        print(f"report: {path}", file=sys.stderr if args.json else sys.stdout)
    return 0


def compare(args: argparse.Namespace) -> int:
    """``graderkit compare``."""
    from graderkit.report.compare import compare_results, render_comparison

    labels = tuple(part.strip() for part in args.labels.split(","))
    if len(labels) != 2 or not all(labels):
        raise UsageError("--labels takes two names, e.g. base,fine-tuned")
    comparison = compare_results(
        args.a,
        args.b,
        labels=(labels[0], labels[1]),
        key=args.key,
        items=args.data,
        samples=(args.samples_a, args.samples_b),
        reference_field=args.reference_field,
    )
    print("\n".join(comparison.lines(limit=args.limit)))
    if not args.no_html:
        a, b = Path(args.a), Path(args.b)
        path = Path(args.html) if args.html else a.with_name(f"{a.stem}-vs-{b.stem}.html")
        with writing(path):
            path.write_text(render_comparison(comparison, limit=args.limit), encoding="utf-8")
        print(f"report: {path}")
    return 0
