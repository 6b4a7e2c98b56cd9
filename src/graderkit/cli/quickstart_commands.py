"""``quickstart``: write the bundled clinical example to a directory and say what to run next."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the subcommands of this module."""
    p = sub.add_parser(
        "quickstart",
        help="write the bundled clinical example (graders, items, predictions) to DIR/clinical",
    )
    p.add_argument("dir", nargs="?", default=".", help="where to write clinical/ (default: .)")
    p.add_argument("--force", action="store_true", help="overwrite files that already exist")
    p.set_defaults(handler=quickstart)


def quickstart(args: argparse.Namespace) -> int:
    """``graderkit quickstart``."""
    from graderkit.examples import EXAMPLES, write

    target = write(args.dir, overwrite=args.force)
    print(f"wrote {target}/: {', '.join(EXAMPLES['clinical'])}")
    ex = shlex.quote(str(target))
    print("next, grade the 108 predictions locally (no API key needed):")
    print(
        f"  graderkit grade {ex}/graders.py:clinical_local "
        f"--data {ex}/items.jsonl --samples {ex}/predictions.jsonl"
    )
    print(f"  graderkit probe {ex}/graders.py:clinical_local --data {ex}/items.jsonl")
    return 0
