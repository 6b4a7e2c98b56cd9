"""Grade a million predictions through the batch engine: throughput and peak memory.

Each case runs in its own fresh process, so its peak resident memory (``ru_maxrss``, read with
``os.wait4``) is its own:

* graderkit: ``graderkit grade examples/clinical/graders.py:clinical_local --out ... --quiet``
  (the cookbook's ``0.85 * fuzzy + 0.15 * exact``), the real command line;
* resume: the same command again on the finished file (reads every line back, grades nothing);
* reference: a plain loop a user would write by hand: read the items into a dict, stream the
  predictions, compute the same reward with rapidfuzz, ``json.dumps`` the same result object
  and write one line per prediction.

The items file is fixed (10,000 RFT rows made from the bundled clinical items); the
predictions grow from 100,000 to 1,000,000 lines (10 and 100 runs per item), which is how a
real grading job grows (items x runs x checkpoints). Memory must stay flat as rows grow.
The rewards of both writers are compared line by line.

Run: python bench/bench_scale.py [--rows 100000,1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLINICAL = ROOT / "examples" / "clinical"
ITEMS = 10_000

REFERENCE = r"""
import json, sys
from rapidfuzz import fuzz
from graderkit.errors import DETAILS_KEYS, ERROR_FLAGS

items_path, preds_path, out_path = sys.argv[1:4]
refs = {}
with open(items_path, encoding="utf-8") as f:
    for line in f:
        row = json.loads(line)
        refs[row["id"]] = row["reference_answer"]
errors = {}
for flag in ERROR_FLAGS:
    errors[flag] = False
    if flag in DETAILS_KEYS:
        errors[DETAILS_KEYS[flag]] = None
with open(preds_path, encoding="utf-8") as f, open(out_path, "w", encoding="utf-8") as out:
    for line in f:
        pred = json.loads(line)
        text, ref = pred["output_text"], refs[pred["id"]]
        fuzzy = fuzz.ratio(text, ref) / 100
        exact = 1.0 if text == ref else 0.0
        row = {
            "id": pred["id"], "run": pred["run"], "reward": 0.85 * fuzzy + 0.15 * exact,
            "metadata": {"name": "clinical_local", "type": "multi", "errors": errors,
                         "execution_time": 0.0, "scores": {}, "token_usage": None,
                         "sampled_model_name": None},
            "sub_rewards": {"fuzzy": fuzzy, "exact": exact},
            "model_grader_token_usage_per_model": {},
        }
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
"""


@dataclass
class Case:
    name: str
    rows: int
    seconds: float
    cpu: float
    peak_mb: float


def make_data(folder: Path, rows: int) -> tuple[Path, Path]:
    """10,000 items (ids c00000...) and ``rows`` predictions cycling the bundled answers."""
    base = [json.loads(line) for line in (CLINICAL / "items.jsonl").read_text().splitlines()]
    answers: dict[str, list[str]] = {}
    for line in (CLINICAL / "predictions.jsonl").read_text().splitlines():
        pred = json.loads(line)
        answers.setdefault(pred["id"], []).append(pred["output_text"])
    items = folder / "items.jsonl"
    if not items.exists():
        with open(items, "w", encoding="utf-8") as out:
            for n in range(ITEMS):
                row = base[n % len(base)]
                out.write(json.dumps({**row, "id": f"c{n:05d}"}) + "\n")
    preds = folder / f"preds-{rows}.jsonl"
    with open(preds, "w", encoding="utf-8") as out:
        for n in range(rows):
            run, item = divmod(n, ITEMS)
            options = answers[base[item % len(base)]["id"]]
            text = options[(run + item) % len(options)]
            out.write(json.dumps({"id": f"c{item:05d}", "run": run, "output_text": text}) + "\n")
    return items, preds


def measure(name: str, rows: int, cmd: list[str]) -> Case:
    """Run ``cmd`` in a fresh process; its wall time and peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{err}")
    return Case(name, rows, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def same_rewards(a: Path, b: Path) -> int:
    """Compare two results files line by line (both in prediction order); count the lines."""
    n = 0
    with open(a, encoding="utf-8") as fa, open(b, encoding="utf-8") as fb:
        for la, lb in zip(fa, fb, strict=True):
            ra, rb = json.loads(la), json.loads(lb)
            key_a, key_b = (ra["id"], ra["run"]), (rb["id"], rb["run"])
            if key_a != key_b or ra["reward"] != rb["reward"]:
                raise SystemExit(f"line {n + 1}: {key_a} {ra['reward']} != {key_b} {rb['reward']}")
            n += 1
    return n


def table(cases: list[Case]) -> str:
    lines = [
        "## Grading a million predictions: clinical_local (0.85 * fuzzy + 0.15 * exact)",
        f"python {platform.python_version()} on {platform.machine()}, {sys.platform}, "
        f"{os.cpu_count()} CPUs; each case is one fresh process; "
        "CPU time (user + system) is the steadier figure on a shared machine",
        "",
        "| case | rows | wall s | CPU s | rows per CPU s | peak RSS (MB) | CPU ratio vs reference |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    reference = {c.rows: c for c in cases if c.name.startswith("reference")}
    for c in cases:
        ratio = c.cpu / reference[c.rows].cpu
        lines.append(
            f"| {c.name} | {c.rows:,} | {c.seconds:.1f} | {c.cpu:.1f} | {c.rows / c.cpu:,.0f} "
            f"| {c.peak_mb:.0f} | {ratio:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--keep", help="keep the data and results in this folder")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="graderkit-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "reference.py"
    script.write_text(REFERENCE)
    grader = f"{CLINICAL / 'graders.py'}:clinical_local"
    startup = measure(
        "graderkit validate (start-up only)",
        0,
        [sys.executable, "-m", "graderkit.cli", "validate", grader],
    )
    cases: list[Case] = []
    try:
        for rows in (int(r) for r in args.rows.split(",")):
            items, preds = make_data(folder, rows)
            ours, theirs = folder / f"out-{rows}.jsonl", folder / f"ref-{rows}.jsonl"
            cases.append(measure("reference: plain loop", rows, [sys.executable, str(script), str(items), str(preds), str(theirs)]))  # fmt: skip
            cmd = [sys.executable, "-m", "graderkit.cli", "grade", grader, "--data", str(items),
                   "--samples", str(preds), "--out", str(ours), "--restart", "--quiet"]  # fmt: skip
            cases.append(measure("graderkit grade", rows, cmd))
            resume = [c for c in cmd if c != "--restart"]
            cases.append(measure("graderkit grade, again (resume: all done)", rows, resume))
            checked = same_rewards(ours, theirs)
            print(f"{rows:,} rows: {checked:,} rewards identical", file=sys.stderr)
            for path in (ours, theirs, preds):
                path.unlink()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(table(cases))
    print(
        f"\nStart-up alone (import graderkit, load the grader): {startup.seconds:.1f} s, "
        f"peak RSS {startup.peak_mb:.0f} MB."
    )


if __name__ == "__main__":
    main()
