"""``evals migrate`` (run a hosted eval locally), ``export promptfoo`` and the trainers'
reward files (``export verl``, ``export openrlhf``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from graderkit._run.datasets.file_errors import writing
from graderkit.cli.exit_codes import ExitCode, UsageError
from graderkit.cli.grader_references import load_grader

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the subcommands of this module."""
    evals = sub.add_parser("evals", help="hosted OpenAI Evals: run an exported eval locally")
    actions = evals.add_subparsers(dest="action", metavar="ACTION", required=True)
    m = actions.add_parser(
        "migrate",
        help="run an exported eval's testing criteria over a JSONL file with the Evals pass rules",
    )
    m.add_argument("eval", help="the exported eval JSON (GET /v1/evals/{id}, or the create body)")
    m.add_argument(
        "--data",
        required=True,
        help='rows JSONL: {"item", "sample"}, exported output items, or flat items',
    )
    m.add_argument("--out", help="write each criterion as grader JSON, and criteria.py, here")
    m.add_argument("--results", help="write one output item per row (JSONL) here")
    m.add_argument("--no-validate", action="store_true", help="skip the item_schema check")
    m.set_defaults(handler=migrate)

    export = sub.add_parser("export", help="export a grader to another evaluation tool")
    tools = export.add_subparsers(dest="tool", metavar="TOOL", required=True)
    p = tools.add_parser("promptfoo", help="promptfoo assertions (YAML, or JSON for .json)")
    p.add_argument("grader", help="a grader: file.json, module:attribute or file.py:attribute")
    p.add_argument(
        "--out",
        help="write the config (and python files) here: a .yaml/.json file, or a directory "
        "(existing or not) that gets promptfooconfig.yaml",
    )
    p.add_argument(
        "--data", help="items JSONL: written as the config's tests, vars rendering as graderkit's"
    )
    p.add_argument(
        "--python",
        help="PROMPTFOO_PYTHON for python assertions (default: this interpreter, which has "
        "graderkit and the grader's dependencies)",
    )
    p.add_argument("--threshold", type=float, help="the reward at or above which a test passes")
    p.add_argument("--exact", action="store_true", help="refuse approximate mappings")
    p.set_defaults(handler=export_promptfoo)
    for trainer, what in TRAINER_FILES.items():
        t = tools.add_parser(trainer, help=what)
        t.add_argument("grader", help="a grader: file.json, module:attribute or file.py:attribute")
        t.add_argument("--out", help="write the file here (a directory gets graderkit_<name>_...)")
        t.set_defaults(handler=export_reward_file, trainer=trainer)


TRAINER_FILES = {
    "verl": "a veRL custom reward function file (compute_score)",
    "openrlhf": "an OpenRLHF reward function file (reward_func), for --remote_rm_url",
}


def migrate(args: argparse.Namespace) -> int:
    """``graderkit evals migrate``: exit 1 when a recorded hosted result disagrees."""
    from graderkit._run.workflow.evals_migration import read_eval, run_eval, write_criteria

    definition = read_eval(args.eval)
    run = run_eval(definition, args.data, validate=not args.no_validate)
    if args.out:
        with writing(args.out):
            for path in write_criteria(definition, args.out):
                print(f"wrote {path}", file=sys.stderr)
    if args.results:
        with writing(args.results), open(args.results, "w", encoding="utf-8") as out:
            for item in run.output_items():
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"eval {definition.name!r}: {len(definition.criteria)} criteria over {args.data}")
    print("\n".join(run.lines()))
    if run.disagreements:
        print(f"{run.disagreements} results differ from the recorded hosted run", file=sys.stderr)
        return int(ExitCode.CHECK_FAILED)
    return int(ExitCode.OK)


def export_promptfoo(args: argparse.Namespace) -> int:
    """``graderkit export promptfoo``: prints YAML, or writes it with the python files."""
    from graderkit._run.datasets.data_files import read_jsonl
    from graderkit.integrations.promptfoo import to_promptfoo

    items = None if args.data is None else list(read_jsonl(args.data))
    export = to_promptfoo(load_grader(args.grader), threshold=args.threshold,
                          approximate=not args.exact, items=items, python=args.python)  # fmt: skip
    for note in export.notes:
        print(f"warning: approximate: {note}", file=sys.stderr)
    if "PROMPTFOO_PYTHON" in export.env:
        print(f"python assertions run under PROMPTFOO_PYTHON={export.env['PROMPTFOO_PYTHON']}"
              " (set in the config's env)", file=sys.stderr)  # fmt: skip
    if args.out:
        with writing(args.out):
            for path in export.write(args.out):
                print(f"wrote {path}", file=sys.stderr)
        return 0
    if export.files:
        raise UsageError("this grader needs python files beside the config; pass --out FILE")
    print(export.to_yaml(), end="")
    return 0


def export_reward_file(args: argparse.Namespace) -> int:
    """``graderkit export verl|openrlhf``: prints the reward file, or writes it to ``--out``."""
    from graderkit.integrations._reward_file import reward_file_name, write_reward_file
    from graderkit.integrations.openrlhf import openrlhf_source
    from graderkit.integrations.verl import verl_source

    grader = load_grader(args.grader)
    render = verl_source if args.trainer == "verl" else openrlhf_source
    if not args.out:
        print(render(grader), end="")
        return 0
    name = reward_file_name(grader, args.trainer)
    with writing(args.out):
        path = write_reward_file(render(grader), args.out, name)
        path.write_text(render(grader, str(path.resolve())), encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return 0
