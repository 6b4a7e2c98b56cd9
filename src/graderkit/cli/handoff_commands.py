"""Handing a grader to the service: ``job`` (the fine-tuning job) and ``parity record/check``
(golden ``graders/run`` results). Registered by ``workflow``."""

from __future__ import annotations

import argparse
import json
import sys
from itertools import islice
from typing import Any

from graderkit.cli.exit_codes import ExitCode
from graderkit.cli.grader_references import load_grader, read_json_arg

__all__ = ["ProgressBar", "add_connection_arguments", "engine", "register", "service"]

GRADER_HELP = "a grader: file.json, '-' for stdin, module:attribute or file.py:attribute"
HYPERPARAMETERS = (
    ("batch-size", "'auto' or 1-256"),
    ("learning-rate-multiplier", "'auto' or > 0"),
    ("n-epochs", "'auto' or 1-50"),
    ("reasoning-effort", "default, low, medium or high"),
    ("compute-multiplier", "'auto' or (0.00001, 10]; Azure 0.5-3"),
    ("eval-interval", "'auto' or >= 1; Azure 1-25"),
    ("eval-samples", "'auto' or >= 1; Azure 1-10"),
)


class ProgressBar:
    """A ``(done, total)`` callback drawing graderkit's progress bar (on a terminal only)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from graderkit._run.datasets.progress import Progress

            self.bar = Progress(total, label=self.label)
        self.bar.advance(done - self.bar.done)

    def close(self) -> None:
        """End the bar's line."""
        if self.bar is not None:
            self.bar.close()


def register(sub: Any) -> None:
    """Add the subcommands of this module."""
    p = sub.add_parser("job", help="build (and submit) a reinforcement fine-tuning job")
    p.add_argument("grader", help=GRADER_HELP)
    p.add_argument("--model", default="o4-mini-2025-04-16", help="the base model")
    p.add_argument("--training-file", required=True, help="a local JSONL or an uploaded file id")
    p.add_argument("--validation-file", help="a local JSONL or an uploaded file id")
    p.add_argument("--target", choices=("openai", "azure"), help="default: from the connection")
    for name, meaning in HYPERPARAMETERS:
        p.add_argument(f"--{name}", help=f"hyperparameter: {meaning}")
    p.add_argument("--response-format", help="a JSON file: the structured output to train for")
    p.add_argument("--seed", type=int)
    p.add_argument("--suffix", help="up to 64 characters added to the fine-tuned model's name")
    p.add_argument("--dry-run", action="store_true", help="print the job payload, send nothing")
    add_connection_arguments(p)
    p.set_defaults(handler=job)

    parity = sub.add_parser("parity", help="golden graders/run results: record and replay")
    actions = parity.add_subparsers(dest="parity_command", metavar="ACTION", required=True)
    r = actions.add_parser("record", help="run samples through the service's graders/run")
    r.add_argument("grader", help=GRADER_HELP)
    r.add_argument("--data", required=True, help="items JSONL")
    r.add_argument("--samples", required=True, help="predictions JSONL ({id, output_text})")
    r.add_argument("--out", required=True, help="the golden JSONL to write (resumed if present)")
    r.add_argument("--key", default="id", help="the field joining predictions to items")
    r.add_argument("--limit", type=int, help="only the first N predictions")
    r.add_argument("--concurrency", type=int, default=4, help="requests in flight (default 4)")
    add_connection_arguments(r)
    r.set_defaults(handler=parity_record)
    c = actions.add_parser("check", help="replay a golden file against the local runner")
    c.add_argument("golden", help="a golden JSONL (graderkit parity record)")
    c.add_argument("--include-models", action="store_true", help="also grade model graders")
    c.add_argument("--tolerance", type=float, default=1e-9, help="reward tolerance (1e-9)")
    c.set_defaults(handler=parity_check)


def add_connection_arguments(p: argparse.ArgumentParser) -> None:
    """``--base-url``, ``--azure-endpoint`` and ``--api-version`` (keys come from the env)."""
    p.add_argument("--base-url", help="an OpenAI-compatible server (default OPENAI_BASE_URL)")
    p.add_argument("--azure-endpoint", help="Azure OpenAI (default AZURE_OPENAI_ENDPOINT)")
    p.add_argument("--api-version", help="the Azure API version (default OPENAI_API_VERSION)")


def _connection(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "base_url": args.base_url,
        "azure_endpoint": args.azure_endpoint,
        "api_version": args.api_version,
    }


def engine(args: argparse.Namespace, **options: Any) -> Any:
    """The model engine the connection arguments describe."""
    from graderkit._run.judge.engine import ModelEngine

    return ModelEngine.from_env(**_connection(args), **options)


def service(args: argparse.Namespace) -> Any:
    """The fine-tuning service client the connection arguments describe."""
    from graderkit._run.workflow.service_calls import ServiceClient

    return ServiceClient.from_env(**_connection(args))


def _number(text: str) -> Any:
    if text in ("auto", "default", "low", "medium", "high"):
        return text
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text  # check_hyperparameters names it


def job(args: argparse.Namespace) -> int:
    """``graderkit job``."""
    from graderkit._run.workflow.training_jobs import build_job, file_reference, submit_job

    options: dict[str, Any] = {
        "model": args.model,
        "hyperparameters": {
            name.replace("-", "_"): _number(value)
            for name, _ in HYPERPARAMETERS
            if (value := getattr(args, name.replace("-", "_"))) is not None
        },
        "response_format": read_json_arg(None, args.response_format, "--response-format"),
        "seed": args.seed,
        "suffix": args.suffix,
    }
    grader = load_grader(args.grader)
    files = {"training_file": args.training_file, "validation_file": args.validation_file}
    if args.dry_run:
        options["target"] = args.target or ("azure" if args.azure_endpoint else "openai")
        payload = build_job(grader, **files, **options)
        for role, ref in files.items():  # local files get the dataset checks an upload gets
            if ref is not None:
                file_reference(ref, role=role, grader=grader)
        print(json.dumps(payload, indent=2))
        return 0
    if args.target:
        options["target"] = args.target
    done = submit_job(grader, client=service(args), **files, **options)
    for note in done.notes:
        print(f"note: {note}", file=sys.stderr)
    for path, file_id in done.uploaded.items():
        print(f"uploaded {path} as {file_id}", file=sys.stderr)
    print(json.dumps(dict(done.job), indent=2))
    return 0


def parity_record(args: argparse.Namespace) -> int:
    """``graderkit parity record``."""
    from graderkit._run.datasets.data_files import pair_predictions, read_jsonl
    from graderkit._run.workflow.parity_golden import record

    grader = load_grader(args.grader)
    items = {str(row[args.key]): row for row in read_jsonl(args.data) if args.key in row}
    pairs = islice(pair_predictions(items, read_jsonl(args.samples), key=args.key), args.limit)
    cases = [(str(pred["output_text"]), item) for _, item, pred in pairs]
    client = service(args)
    bar = ProgressBar("record")
    try:
        done = record(
            grader,
            cases,
            out=args.out,
            client=client,
            concurrency=args.concurrency,
            extra={"service": client.kind},
            progress=bar,
        )
    finally:
        bar.close()
    print("\n".join(done.lines()))
    print(f"golden: {args.out}")
    return int(ExitCode.SERVICE if done.failed else ExitCode.OK)


def parity_check(args: argparse.Namespace) -> int:
    """``graderkit parity check``."""
    from graderkit._run.workflow.parity_golden import check

    result = check(args.golden, tolerance=args.tolerance, include_models=args.include_models)
    print("\n".join(result.lines()))
    return int(ExitCode.OK if result.ok else ExitCode.CHECK_FAILED)
