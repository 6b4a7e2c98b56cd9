"""Benchmark: the per-sample overhead of the python sandbox's warm worker pool.

The grader is the RFT cookbook's fuzzy grader (rapidfuzz ``token_set_ratio`` with
``default_process``), turned into standalone source with ``source_from_function``. Cases, all
in the same run and on the same pairs:

* reference: the plain function called in-process;
* the warm pool, one sample at a time (``run``) and all workers at once (``run_many``);
* a fresh sandboxed process per sample (``Limits(max_calls_per_worker=1)``);
* a fresh plain ``python -c`` per sample (no sandbox: the floor of "one process per call").

Overhead per sample = the case's time per sample minus the in-process time per sample.
Target: the warm pool adds at most 2 ms per sample.

Usage:
    .venv/bin/python bench/bench_python_sandbox.py            # 2000 pairs, 40 for fresh processes
    .venv/bin/python bench/bench_python_sandbox.py --quick    # 300 pairs, 10 for fresh processes
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, utils

sys.path.insert(0, str(Path(__file__).parent))
from _harness import Timing, best_of, report

from graderkit._run.sandbox.function_source import source_from_function
from graderkit._run.sandbox.supervisor import Limits, PythonSandbox

WORDS = ["acute", "chronic", "appendicitis", "pulmonary", "embolism", "iron", "deficiency",
         "anemia", "hypothyroidism", "sepsis", "gout", "migraine", "pneumonia", "left", "heart",
         "failure", "renal", "colic", "diabetic", "ketoacidosis"]  # fmt: skip

Pair = tuple[dict[str, Any], dict[str, Any]]


def clinical_phrase(sample: dict[str, Any], item: dict[str, Any]) -> float:
    score = fuzz.token_set_ratio(
        sample["output_text"], item["reference_answer"], processor=utils.default_process
    )
    return score / 100.0


def make_pairs(n: int, seed: int = 11) -> list[Pair]:
    rng = random.Random(seed)
    pairs: list[Pair] = []
    for _ in range(n):
        ref = " ".join(rng.choices(WORDS, k=rng.randint(1, 4)))
        out = ref if rng.random() < 0.4 else " ".join(rng.choices(WORDS, k=rng.randint(1, 5)))
        pairs.append(({"output_text": out}, {"reference_answer": ref}))
    return pairs


def fresh_python(source: str, pairs: list[Pair]) -> list[float]:
    driver = "\nimport json, sys\ns, i = json.loads(sys.stdin.read())\nprint(grade(s, i))\n"
    out = []
    for sample, item in pairs:
        done = subprocess.run(
            [sys.executable, "-I", "-c", source + driver],
            input=json.dumps([sample, item]),
            capture_output=True,
            text=True,
            check=True,
        )
        out.append(float(done.stdout))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, m = (300, 10) if args.quick else (2000, 40)
    pairs, few = make_pairs(n), make_pairs(m, seed=12)
    source = source_from_function(clinical_phrase)
    expected = [clinical_phrase(s, i) for s, i in pairs]

    reference = Timing("in-process function call", best_of(
        lambda: [clinical_phrase(s, i) for s, i in pairs]), n)  # fmt: skip
    timings: list[Timing] = []
    with PythonSandbox(workers=1) as one, PythonSandbox(workers=2) as two:
        mode = one.mode
        for box in (one, two):  # warm: start the workers, import the source once
            box.run_many(source, pairs[:8])
        assert [one.run(source, s, i).reward for s, i in pairs] == expected
        assert [o.reward for o in two.run_many(source, pairs)] == expected
        timings.append(Timing("warm pool, run(), 1 worker", best_of(
            lambda: [one.run(source, s, i) for s, i in pairs]), n))  # fmt: skip
        timings.append(Timing("warm pool, run_many(), 2 workers", best_of(
            lambda: two.run_many(source, pairs)), n))  # fmt: skip
    fresh = PythonSandbox(workers=1, limits=Limits(max_calls_per_worker=1))
    with fresh:
        start = time.perf_counter()
        assert [fresh.run(source, s, i).reward for s, i in few] == [
            clinical_phrase(s, i) for s, i in few
        ]
        timings.append(Timing("fresh sandboxed process per sample", time.perf_counter() - start, m))
    start = time.perf_counter()
    assert fresh_python(source, few) == [clinical_phrase(s, i) for s, i in few]
    timings.append(Timing("fresh `python -c` per sample", time.perf_counter() - start, m))

    print(report(f"python sandbox, per-sample cost (isolation: {mode})", reference, timings))
    print()
    print("| case | overhead per sample vs in-process |")
    print("|---|---:|")
    for t in timings:
        print(f"| {t.name} | {(t.per_op_us - reference.per_op_us) / 1000:.3f} ms |")


if __name__ == "__main__":
    main()
