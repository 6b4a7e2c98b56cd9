"""``graderkit serve``: OpenAI's graders API and reward routes over HTTP (the ``serve`` extra)."""

from __future__ import annotations

import argparse
from typing import Any

from graderkit.cli.exit_codes import UsageError
from graderkit.cli.grader_references import load_grader
from graderkit.cli.handoff_commands import add_connection_arguments

__all__ = ["register"]

DESCRIPTION = (
    "Serve POST /v1/fine_tuning/alpha/graders/run and /validate (the official openai client "
    "works with only base_url changed), POST /v1/rewards (batches, NDJSON streaming), "
    "OpenRLHF's POST /get_reward and GET /healthz. Listening beyond loopback needs an API key "
    "(--api-key or GRADERKIT_API_KEY); the judge's key comes from OPENAI_API_KEY. SIGINT or "
    "SIGTERM stop it after in-flight requests finish."
)


def register(sub: Any) -> None:
    """Add the subcommands of this module."""
    p = sub.add_parser("serve", help="serve graders over HTTP (graders/run, rewards, OpenRLHF)",
                       description=DESCRIPTION)  # fmt: skip
    p.add_argument("--grader", action="append", default=[], metavar="NAME=REF",
                   help="register a grader by name (repeatable); REF as for other commands")  # fmt: skip
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--api-key", help="the key clients send as a Bearer token (default "
                   "GRADERKIT_API_KEY; required off loopback)")  # fmt: skip
    p.add_argument("--workers", type=_positive, default=1, help="server processes (default 1)")
    p.add_argument("--max-body-bytes", type=_positive, default=32 * 1024 * 1024,
                   help="larger request bodies get 413 (default 32 MiB)")  # fmt: skip
    p.add_argument("--request-timeout", type=float, default=300.0,
                   help="seconds per request before 504 (default 300)")  # fmt: skip
    p.add_argument("--max-batch", type=_positive, default=16_384,
                   help="samples per batch request at most (default 16384)")  # fmt: skip
    p.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                   help="allow this origin by CORS (repeatable; default: CORS off)")  # fmt: skip
    p.add_argument("--openrlhf-strip", action="append", default=[], metavar="TEXT",
                   help="suffix removed from OpenRLHF responses, e.g. '<|im_end|>' (repeatable)")  # fmt: skip
    add_connection_arguments(p)
    p.add_argument("--cache-dir", help="judge reply cache directory (model graders)")
    p.add_argument("--judge-concurrency", type=_positive, help="judge requests in flight")
    p.add_argument("--judge-timeout", type=float, help="seconds per judge request")
    p.add_argument("--sandbox-workers", type=_positive, help="python sandbox workers")
    p.add_argument("--concurrency", type=_positive, default=64,
                   help="samples in flight per batch for model/python graders (default 64)")  # fmt: skip
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.add_argument("--no-access-log", dest="access_log", action="store_false",
                   help="no JSON access log lines on stderr")  # fmt: skip
    p.set_defaults(handler=serve)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


def _graders(specs: list[str]) -> dict[str, Any]:
    graders: dict[str, Any] = {}
    for spec in specs:
        name, sep, ref = spec.partition("=")
        if not sep or not name or not ref:
            raise UsageError(f"--grader {spec!r} is not NAME=REF (e.g. clinical=graders.py:g)")
        graders[name] = load_grader(ref)
    return graders


def _judge(args: argparse.Namespace) -> dict[str, Any]:
    options = {
        "base_url": args.base_url,
        "azure_endpoint": args.azure_endpoint,
        "api_version": args.api_version,
        "cache_dir": args.cache_dir,
        "concurrency": args.judge_concurrency,
        "timeout": args.judge_timeout,
    }
    return {k: v for k, v in options.items() if v is not None}


def serve(args: argparse.Namespace) -> int:
    """``graderkit serve``."""
    from graderkit.serve.background import run_server  # MissingDependency without the extra
    from graderkit.serve.server_settings import ServeSettings

    settings = ServeSettings(
        graders=_graders(args.grader), api_key=args.api_key,
        max_body_bytes=args.max_body_bytes, request_timeout=args.request_timeout,
        max_batch=args.max_batch, cors_origins=tuple(args.cors_origin),
        judge=_judge(args), sandbox_workers=args.sandbox_workers,
        concurrency=args.concurrency, openrlhf_strip=tuple(args.openrlhf_strip),
        access_log=args.access_log,
    )  # fmt: skip
    run_server(settings, host=args.host, port=args.port, workers=args.workers,
               log_level=args.log_level)  # fmt: skip
    return 0
